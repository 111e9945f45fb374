"""More shapes of what an environment renders, released through the one reader, on GitHub and
on Gitea (the real registry and git remote, each forge's spec-held fake):

- the version set by an inline JSON 6902 patch in staging's overlay: a release adds an
  ``images:`` entry to that overlay (kustomize applies it after the patch), and the real
  ``kubectl kustomize`` renders staging's new digest and production unchanged;
- the environment given as an Argo CD Application whose ``kustomize.images`` pins the version
  (argocd-image-updater's write-back target): a release rewrites that entry in place, and the
  shared base and the other environment's overlay are untouched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from testkit import kubetools
from testkit.forge_story import APP_DEPLOYMENT, IMAGE_CONFIG, Story, run, stories
from testkit.registry_process import RegistryProcess

CONFIG = (
    IMAGE_CONFIG
    + """environments:
  - name: staging
    path: {staging}
  - name: production
    path: overlays/production
"""
)
OVERLAY = "resources:\n  - ../../base\n"
PATCHED = OVERLAY + (
    "patches:\n  - target: {{kind: Deployment, name: app}}\n    patch: |-\n      - op: replace\n"
    "        path: /spec/template/spec/containers/0/image\n        value: {image}:1.0.5\n"
)
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-staging
spec:
  source:
    repoURL: https://example.com/acme/gitops.git
    path: overlays/staging
    kustomize:
      images:
        - "{image}:1.0.0"
"""


def _text(text: str) -> Callable[[str], str]:
    return lambda _: text


def _story(
    kind: str,
    staging: str,
    files: dict[str, str],
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Story]:
    for s in stories(kind, tmp_path, registry, monkeypatch):
        image = f"{registry.host}/{s.world.ns}/app"
        made = {
            "gitops-bot.yaml": CONFIG.format(image=image, staging=staging),
            "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
            "base/deployment.yaml": APP_DEPLOYMENT.format(image=image),
            "overlays/production/kustomization.yaml": OVERLAY,
            **{k: v.format(image=image) for k, v in files.items()},
        }
        keep = s.show("gitops-bot.yaml")
        made["gitops-bot.yaml"] += keep[keep.index("pull_request:") :] + "\n"
        s.commit({name: _text(text) for name, text in made.items()})
        yield s


@pytest.fixture(params=["github", "gitea"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _render(story: Story, env: str) -> str:
    tree = story.checkout()
    return kubetools.kustomize(tree / "overlays" / env)


def test_an_inline_patch_is_overridden_by_the_overlays_own_entry(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {"overlays/staging/kustomization.yaml": PATCHED}
    for story in _story(kind, "overlays/staging", files, tmp_path, registry, monkeypatch):
        image = f"{registry.host}/{story.world.ns}/app"
        digest = story.push("app", "1.1.0")
        assert f"image: {image}:1.0.5" in _render(story, "staging")
        production = _render(story, "production")
        run(capsys, story, datetime.now(UTC), "update", "--env", "staging")
        (request,) = story.open_requests()
        story.merge(request["number"])
        text = story.show("overlays/staging/kustomization.yaml")
        assert (
            text
            == PATCHED.format(image=image)
            + f"images:\n  - name: {image}\n    newTag: 1.1.0\n    digest: {digest}"
        )
        assert f"image: {image}:1.1.0@{digest}" in _render(story, "staging")
        assert _render(story, "production") == production
        assert story.show("base/deployment.yaml") == APP_DEPLOYMENT.format(image=image).strip()


def test_an_applications_kustomize_images_entry_is_rewritten_in_place(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {"apps/staging.yaml": APPLICATION, "overlays/staging/kustomization.yaml": OVERLAY}
    for story in _story(kind, "apps/staging.yaml", files, tmp_path, registry, monkeypatch):
        image = f"{registry.host}/{story.world.ns}/app"
        digest = story.push("app", "1.1.0")
        run(capsys, story, datetime.now(UTC), "update", "--env", "staging")
        (request,) = story.open_requests()
        story.merge(request["number"])
        assert (
            story.show("apps/staging.yaml")
            == APPLICATION.format(image=image)
            .replace(f'"{image}:1.0.0"', f'"{image}:1.1.0@{digest}"')
            .strip()
        )
        assert story.show("overlays/staging/kustomization.yaml") == OVERLAY.strip()
        assert story.show("base/deployment.yaml") == APP_DEPLOYMENT.format(image=image).strip()
