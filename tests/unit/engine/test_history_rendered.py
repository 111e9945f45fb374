"""The release history reads each version as the environment rendered it at that commit (the
one reader's effective pins), not only the files a release may write: the version a first
release into the environment's own layer replaced (inherited from a shared base) and a version
an Argo CD Application's kustomize.images sets are releases a rollback can go back to."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.history import read
from gitops_bot.git.gitlog import Checkout
from testkit.local_git import git

IMAGE = "registry.example/acme/app"
CONFIG = f"""version: 1
images:
  - name: {IMAGE}
    repository: {IMAGE}
environments:
  - name: staging
    path: {{staging}}
  - name: production
    path: {{production}}
    promote_from: staging
"""
BASE = {
    "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "base/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n"
        f"    spec:\n      containers:\n      - name: app\n        image: {IMAGE}:1.0.0\n"
    ),
}
OVERLAY = "resources:\n- ../../base\n"
# the shared base and an overlay of it for each environment, the config naming the overlays
OVERLAYS = {
    **BASE,
    "overlays/staging/kustomization.yaml": OVERLAY,
    "overlays/production/kustomization.yaml": OVERLAY,
}
ON_OVERLAYS = CONFIG.format(staging="overlays/staging", production="overlays/production")
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{env}
spec:
  source:
    repoURL: https://git.example/acme/gitops.git
    path: overlays/{env}
    kustomize:
      images:
      - {image}:{tag}
  destination:
    namespace: {env}
"""


def commit(root: Path, tree: dict[str, str], message: str) -> str:
    for rel, text in tree.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", *tree)
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def repo(tmp_path: Path, tree: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit(root, tree, "the first versions")
    return root


def history(root: Path, env: str) -> list[tuple[str | None, str]]:
    app = open_app(root)
    entries = read(app, app.config.environment(env), Checkout(root), "HEAD", root)
    return [(e.release, e.images[IMAGE].tag or "") for e in entries]


def test_a_first_release_into_the_own_layer_has_the_inherited_version_before_it(tmp_path: Path) -> None:
    root = repo(tmp_path, {**OVERLAYS, "gitops-bot.yaml": ON_OVERLAYS})
    own = OVERLAY + "images:\n- name: " + IMAGE + "\n  newTag: 1.1.0\n"
    commit(root, {"overlays/production/kustomization.yaml": own}, "release\n\nGitops-Bot-Release: r-2")
    # before the release, production rendered the base's 1.0.0: an earlier release to go back to
    assert history(root, "production") == [("r-2", "1.1.0"), (None, "1.0.0")]
    assert history(root, "staging") == [(None, "1.0.0")]


def test_an_applications_kustomize_images_are_read_in_the_history(tmp_path: Path) -> None:
    config = CONFIG.format(staging="argocd/staging.yaml", production="argocd/production.yaml")
    apps = {
        f"argocd/{env}.yaml": APPLICATION.format(env=env, image=IMAGE, tag="1.0.0")
        for env in ("staging", "production")
    }
    root = repo(tmp_path, {**OVERLAYS, **apps, "gitops-bot.yaml": config})
    for n, tag in ((2, "1.1.0"), (3, "1.2.0")):
        text = APPLICATION.format(env="production", image=IMAGE, tag=tag)
        commit(root, {"argocd/production.yaml": text}, f"release\n\nGitops-Bot-Release: r-{n}")
    assert history(root, "production") == [("r-3", "1.2.0"), ("r-2", "1.1.0"), (None, "1.0.0")]


def test_each_state_reads_the_shared_base_as_that_state_had_it(tmp_path: Path) -> None:
    # the reader's parses are kept for every state of one history: keyed by the text a state
    # served, a base that moves and comes back is read as each state had it
    root = repo(tmp_path, {**OVERLAYS, "gitops-bot.yaml": ON_OVERLAYS})
    first = BASE["base/deployment.yaml"]
    for n, text in ((2, first.replace("1.0.0", "1.1.0")), (3, first)):
        commit(root, {"base/deployment.yaml": text}, f"release\n\nGitops-Bot-Release: r-{n}")
    assert history(root, "staging") == [("r-3", "1.0.0"), ("r-2", "1.1.0"), (None, "1.0.0")]
