"""Two apps whose overlays rename one kustomize image name (``name: back``) to two repositories
are two images, never one: the configuration keys an image by that name, so one entry would
pull one app's tags and pin its digest into the other app's overlays. init configures neither
under the shared name and says the collision with both files and the fix."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import config
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {app}}}
spec:
  template:
    spec:
      containers:
      - name: back
        image: back
      - name: web
        image: ghcr.io/acme/{app}-web:1.0.0
"""


def _apps(envs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    files = {}
    for app, app_envs in envs.items():
        files[f"{app}/base/kustomization.yaml"] = "resources:\n- deploy.yaml\n"
        files[f"{app}/base/deploy.yaml"] = DEPLOY.format(app=app)
        for i, env in enumerate(app_envs):
            files[f"{app}/overlays/{env}/kustomization.yaml"] = (
                f"resources:\n- ../../base\nimages:\n- name: back\n  newName: ghcr.io/acme/{app}-back\n"
                f"  newTag: 1.{i}.0\n"
            )
    return files


def test_one_name_two_repositories_in_one_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _apps({"shop": ("dev", "prod"), "blog": ("dev", "prod")})))
    assert [e.name for e in found.environments] == ["dev", "prod"]
    names = sorted(i.name for i in found.images)
    assert "back" not in names  # neither app's repository under the name both use
    assert names == ["ghcr.io/acme/blog-web", "ghcr.io/acme/shop-web"]
    (said,) = [n for n in found.notes if n.startswith("image back:")]
    assert "blog/overlays/dev/kustomization.yaml" in said and "ghcr.io/acme/blog-back" in said
    assert "shop/overlays/dev/kustomization.yaml" in said and "ghcr.io/acme/shop-back" in said
    assert "not configured" in said
    text = config_text(found)
    assert "ghcr.io/acme/shop-back" in text  # said in the written config too
    assert config.parse(text, "gitops-bot.yaml").image("back") is None


def test_one_name_two_repositories_in_environments_of_their_own(tmp_path: Path) -> None:
    """Each app in environments the other lacks: still two apps (two bases), not one image a
    local environment pulls from elsewhere."""
    found = discover(write(tmp_path, _apps({"shop": ("dev",), "blog": ("staging",)})))
    assert "back" not in {i.name for i in found.images}
    assert [n for n in found.notes if n.startswith("image back:")]


def test_one_app_renamed_per_environment_is_still_one_image(tmp_path: Path) -> None:
    """One base, a local environment renaming to a local registry: one image, the other
    repository said (not a collision)."""
    files = _apps({"shop": ("dev", "prod")})
    files["shop/overlays/local/kustomization.yaml"] = (
        "resources:\n- ../../base\nimages:\n- name: back\n  newName: localhost:5001/back\n  newTag: 1.0.0\n"
    )
    found = discover(write(tmp_path, files))
    (back,) = [i for i in found.images if i.name == "back"]
    assert back.repository == "ghcr.io/acme/shop-back"
    assert back.elsewhere == ("local renders it as localhost:5001/back",)
    assert not [n for n in found.notes if n.startswith("image back:")]
