"""An environment Argo CD renders from another branch than the one the bot reads: its reading
says so (unsupported, naming the Application and the branch, with the fix), never main's files
as what it renders; an Application on the base branch is read as before."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gitops_bot.config import load
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.app import App, open_app
from gitops_bot.engine.session import Sessions
from gitops_bot.git.store import checkout_bases, checkout_branch
from gitops_bot.manifests import images
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.render import reader
from testkit.branch_apps import APP, APPS, DEPLOYMENT

SPECS = [images.ImageSpec(APP, "ghcr.io/acme/app")]
FILES = {
    "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "base/deployment.yaml": DEPLOYMENT,
    "overlays/test/kustomization.yaml": "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app\n  newTag: '2.0'\n",
    "overlays/production/kustomization.yaml": "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app\n  newTag: '1.0'\n",
    "argocd/apps.yaml": APPS,
}


def _read(root: Path, paths: dict[str, str]) -> dict[str, reader.EnvironmentReading]:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    sources = [reader.Source(n, (p,), (APP,)) for n, p in paths.items()]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)


def test_an_overlay_argo_cd_renders_from_another_branch_is_said(tmp_path: Path) -> None:
    got = _read(tmp_path, {"test": "overlays/test", "production": "overlays/production"})
    test = got["test"].image(APP)
    assert test is not None and test.status is PinStatus.UNSUPPORTED, test
    assert test.reason is not None and "app-test renders branch test" in test.reason
    assert "main" in test.reason and test.fix
    assert not any(p.effective for p in test.pins) and test.would_write is None
    prod = got["production"].image(APP)
    assert prod is not None and prod.status is PinStatus.PINNED, prod


def test_the_application_file_of_another_branch_is_said_too(tmp_path: Path) -> None:
    got = _read(tmp_path, {"test": "argocd/apps.yaml"})["test"].image(APP)
    assert got is not None and got.status is PinStatus.UNSUPPORTED, got
    assert got.reason is not None and "branch test" in got.reason


SEVERAL = (
    APPS.replace("targetRevision: test", "targetRevision: HEAD")
    .replace(
        "    path: overlays/production\n",
        "    path: overlays/production\n    kustomize:\n      images:\n      - ghcr.io/acme/app:1.5\n",
    )
    .replace(
        "    path: overlays/test\n",
        "    path: overlays/test\n    kustomize:\n      images:\n      - ghcr.io/acme/app:2.5\n",
    )
)


def test_each_environment_owns_its_own_application_in_a_shared_file(tmp_path: Path) -> None:
    _read(tmp_path, {})
    (tmp_path / "argocd/apps.yaml").write_text(SEVERAL)
    sources = [reader.Source(n, ("argocd/apps.yaml",), (APP,)) for n in ("test", "prod")]
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read(sources)
    for env, line in (("test", 12), ("prod", 25)):
        r = got[env].image(APP)
        assert r is not None and r.status is PinStatus.PINNED, r
        wins = [p for p in r.pins if p.effective]
        assert [(p.file, p.line, p.shared_with) for p in wins] == [("argocd/apps.yaml", line, ())]
        assert "argocd/apps.yaml" in got[env].writable
        assert dict(got[env].documents) == {"argocd/apps.yaml": f"app-{env}"}


def test_the_configured_base_branch_is_what_the_app_reads(tmp_path: Path) -> None:
    _read(tmp_path, {})
    (tmp_path / "argocd/apps.yaml").write_text(
        APPS.replace("targetRevision: test", "targetRevision: develop")
    )
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\ngit:\n  base: develop\nimages:\n- name: ghcr.io/acme/app\n  policy: semver\n"
        "environments:\n- name: test\n  path: overlays/test\n- name: production\n  path: overlays/production\n"
    )
    cfg = load(tmp_path / "gitops-bot.yaml")
    got = App(cfg, RegistryPool(cfg)).readings()
    test = got["test"].image(APP)
    assert test is not None and test.status is PinStatus.PINNED, test  # develop is the branch read
    prod = got["production"].image(APP)
    assert prod is not None and prod.status is PinStatus.UNSUPPORTED, prod  # main is not
    assert prod.reason is not None and "renders branch main; the bot reads develop" in prod.reason


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd.parent), "GIT_AUTHOR_NAME": "t"}
    env |= {"GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _trunk_repository(root: Path) -> Path:
    """A repository whose default branch is ``trunk`` (no git.base configured): test's
    Application tracks trunk, production's main."""
    repo = root / "repo"
    repo.mkdir()
    _read(repo, {})
    (repo / "argocd/apps.yaml").write_text(APPS.replace("targetRevision: test", "targetRevision: trunk"))
    (repo / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n- name: ghcr.io/acme/app\n  policy: semver\n"
        "environments:\n- name: test\n  path: overlays/test\n- name: production\n  path: overlays/production\n"
    )
    _git(repo, "init", "-q", "-b", "trunk")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "initial")
    return repo


def _said_of_trunk(got: dict[str, reader.EnvironmentReading]) -> None:
    test = got["test"].image(APP)
    assert test is not None and test.status is PinStatus.PINNED, test  # trunk: this checkout's files
    prod = got["production"].image(APP)
    assert prod is not None and prod.status is PinStatus.UNSUPPORTED, prod
    assert prod.reason is not None and "renders branch main; the bot reads trunk" in prod.reason


def test_a_local_checkouts_branch_is_the_base_read_when_git_base_names_none(tmp_path: Path) -> None:
    repo = _trunk_repository(tmp_path)
    _said_of_trunk(open_app(repo).readings())


def test_a_detached_checkout_reads_the_remotes_default_branch(tmp_path: Path) -> None:
    repo = _trunk_repository(tmp_path)
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(repo), str(clone))
    _git(clone, "checkout", "-q", "--detach")
    assert checkout_branch(clone) == "trunk"  # origin/HEAD, as the clone recorded it
    _said_of_trunk(open_app(clone).readings())


def test_a_sessions_base_is_the_remotes_default_branch(tmp_path: Path) -> None:
    repo = _trunk_repository(tmp_path)
    remote = tmp_path / "remote.git"
    _git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    environ = {**os.environ, "GITOPS_BOT_CACHE": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}
    got = Sessions(f"file://{remote}", environ=environ).open(lambda s: s.app.readings(), sign=False)
    _said_of_trunk(got)


def test_outside_any_checkout_the_usual_names_are_read_as_the_base(tmp_path: Path) -> None:
    assert checkout_branch(tmp_path) is None
    assert checkout_branch(tmp_path / "missing") is None


def test_a_topic_branch_checkout_reads_its_tree_as_the_remotes_default(tmp_path: Path) -> None:
    """A clone on a topic branch (a config PR under review) holds what it would merge into the
    remote's default: an Application tracking that default renders these files, and so does
    one tracking the topic branch itself."""
    repo = _trunk_repository(tmp_path)
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(repo), str(clone))
    _git(clone, "checkout", "-q", "-b", "feature-x")
    assert checkout_branch(clone) == "trunk"  # what the topic branch merges into
    _said_of_trunk(open_app(clone).readings())
    (clone / "argocd/apps.yaml").write_text(APPS.replace("targetRevision: test", "targetRevision: feature-x"))
    test = open_app(clone).readings()["test"].image(APP)
    assert test is not None and test.status is PinStatus.PINNED, test


def test_git_base_and_the_checked_out_branch_are_both_this_checkout(tmp_path: Path) -> None:
    repo = _trunk_repository(tmp_path)
    (repo / "gitops-bot.yaml").write_text(
        "version: 1\ngit:\n  base: main\nimages:\n- name: ghcr.io/acme/app\n  policy: semver\n"
        "environments:\n- name: test\n  path: overlays/test\n- name: production\n  path: overlays/production\n"
    )
    got = open_app(repo).readings()
    for env in ("test", "production"):  # test tracks trunk (checked out), production main (git.base)
        r = got[env].image(APP)
        assert r is not None and r.status is PinStatus.PINNED, r


def test_with_no_default_recorded_origins_main_is_what_a_topic_branch_merges_into(tmp_path: Path) -> None:
    repo = _trunk_repository(tmp_path)
    remote = tmp_path / "remote.git"
    _git(tmp_path, "init", "-q", "--bare", str(remote))
    _git(repo, "remote", "add", "origin", str(remote))
    _git(repo, "push", "-q", "origin", "trunk:main")
    _git(repo, "fetch", "-q", "origin")
    assert checkout_bases(repo) == ("main", "trunk")  # no origin/HEAD: a remote made by push
    got = open_app(repo).readings()
    for env in ("test", "production"):  # test tracks trunk (checked out), production main
        r = got[env].image(APP)
        assert r is not None and r.status is PinStatus.PINNED, r
