"""Two apps whose overlays rename one kustomize image name (``name: back``) to two repositories
are two images, never one: the configuration keys an image by its name, so one entry would
pull one app's tags and pin its digest into the other app's overlays. init configures each by
its repository (the entries' newName, which the reader matches), none under the shared name,
and says the collision with both files."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import config
from gitops_bot.engine.discovery import Discovery, discover
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


def _said(found: Discovery, image: str) -> list[str]:
    """The collision said on ``image``, one of the images a shared name became."""
    return [n for i in found.images if i.name == image for n in i.notes if n.startswith("image back:")]


def test_one_name_two_repositories_in_one_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _apps({"shop": ("dev", "prod"), "blog": ("dev", "prod")})))
    assert [e.name for e in found.environments] == ["dev", "prod"]
    names = sorted(i.name for i in found.images)
    assert "back" not in names  # neither app's repository under the name both use
    assert names == [
        "ghcr.io/acme/blog-back",
        "ghcr.io/acme/blog-web",
        "ghcr.io/acme/shop-back",
        "ghcr.io/acme/shop-web",
    ]
    (said,) = _said(found, "ghcr.io/acme/blog-back")
    assert _said(found, "ghcr.io/acme/shop-back") == [said]
    assert not [n for n in found.notes if "image back:" in n]  # configured, so no "not read:" line
    assert "blog/overlays/dev/kustomization.yaml" in said and "ghcr.io/acme/blog-back" in said
    assert "shop/overlays/dev/kustomization.yaml" in said and "ghcr.io/acme/shop-back" in said
    assert "each is configured by its repository" in said
    # each app's image read at its own overlays' entries, never the other's
    for env in ("dev", "prod"):
        for app in ("shop", "blog"):
            (pin,) = found.readings[env].image(f"ghcr.io/acme/{app}-back").pins  # type: ignore[union-attr]
            assert pin.file == f"{app}/overlays/{env}/kustomization.yaml"
    text = config_text(found)
    parsed = config.parse(text, "gitops-bot.yaml")
    assert parsed.image("back") is None
    assert (
        parsed.image("ghcr.io/acme/shop-back") is not None
        and parsed.image("ghcr.io/acme/blog-back") is not None
    )


def test_one_name_two_repositories_in_environments_of_their_own(tmp_path: Path) -> None:
    """Each app in environments the other lacks: still two apps (two bases), not one image a
    local environment pulls from elsewhere."""
    found = discover(write(tmp_path, _apps({"shop": ("dev",), "blog": ("staging",)})))
    assert "back" not in {i.name for i in found.images}
    assert {"ghcr.io/acme/shop-back", "ghcr.io/acme/blog-back"} <= {i.name for i in found.images}
    assert _said(found, "ghcr.io/acme/shop-back")


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
    assert not [n for i in found.images for n in (*i.notes, *found.notes) if "image back:" in n]


def _reused_base() -> dict[str, str]:
    """One base Deployment (``image: back``) two apps' kustomizations build, each renaming it to its
    own repository, one environment building both."""
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(app="app"),
        "envs/dev/kustomization.yaml": "resources:\n- ../../shop\n- ../../blog\n",
    }
    for app in ("shop", "blog"):
        files[f"{app}/kustomization.yaml"] = (
            f"namePrefix: {app}-\nresources:\n- ../base\nimages:\n- name: back\n"
            f"  newName: ghcr.io/acme/{app}-back\n  newTag: 1.0.0\n"
        )
    return files


def test_a_base_two_apps_rename_in_one_environment_is_two_images(tmp_path: Path) -> None:
    """Never one image ``back`` read from the first app's repository and pinned into both."""
    found = discover(write(tmp_path, _reused_base()))
    assert [e.name for e in found.environments] == ["dev"]
    names = {i.name for i in found.images}
    assert "back" not in names and {"ghcr.io/acme/shop-back", "ghcr.io/acme/blog-back"} <= names
    (said,) = _said(found, "ghcr.io/acme/shop-back")
    assert "shop/kustomization.yaml renames it to ghcr.io/acme/shop-back" in said
    assert "blog/kustomization.yaml renames it to ghcr.io/acme/blog-back" in said
    for app in ("shop", "blog"):
        (pin,) = found.readings["dev"].image(f"ghcr.io/acme/{app}-back").pins  # type: ignore[union-attr]
        assert (pin.file, pin.effective) == (f"{app}/kustomization.yaml", True)


def test_one_overlay_two_entries_of_one_name_is_the_first_entrys_image(tmp_path: Path) -> None:
    """The second ``name: back`` comes after the first renamed ``back``: it applies to nothing,
    so the image is the first entry's repository at the first entry's tag, and no collision."""
    files = _apps({"shop": ("dev",)})
    files["shop/overlays/dev/kustomization.yaml"] += (
        "- name: back\n  newName: ghcr.io/acme/blog-back\n  newTag: 9.0.0\n"
    )
    found = discover(write(tmp_path, files))
    (back,) = [i for i in found.images if i.name == "back"]
    assert (back.repository, back.tags) == ("ghcr.io/acme/shop-back", ("1.0.0",))
    assert "ghcr.io/acme/blog-back" not in {i.name for i in found.images}
    assert not [n for i in found.images for n in (*i.notes, *found.notes) if "image back:" in n]
