"""A version set only in a shared base, as most public repositories have it: the overlays of
staging and production list ``../../base`` and pin nothing. The newcomer's config names the
overlays. ``plan`` says where the version comes from and where a release goes; ``update``
pins the new build in staging's own overlay (an ``images:`` entry, as ``kustomize edit set
image`` writes it) and says so in the pull request; ``promote staging production`` gives
production its own pin. The base is never edited, and the real ``kubectl kustomize`` renders
only the target environment differently.

On GitHub and on Gitea: the real registry and git remote, each forge's spec-held fake."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit import kubetools
from testkit.forge_story import APP_DEPLOYMENT, IMAGE_CONFIG, Story, run, stories
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

CONFIG = (
    IMAGE_CONFIG
    + """environments:
  - name: staging
    path: overlays/staging
  - name: production
    path: overlays/production
    promote_from: staging
"""
)
OVERLAY = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n"
BASE = "base/deployment.yaml"
STAGING, PRODUCTION = "overlays/staging/kustomization.yaml", "overlays/production/kustomization.yaml"


def _text(text: str) -> Callable[[str], str]:
    return lambda _: text


def _config(image: str) -> Callable[[str], str]:
    """The newcomer's config, with the story's forge settings kept."""
    return lambda text: CONFIG.format(image=image) + text[text.index("pull_request:") :]


@pytest.fixture(params=["github", "gitea"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    for s in stories(request.param, tmp_path, registry, monkeypatch):
        image = f"{registry.host}/{s.world.ns}/app"
        s.commit(
            {
                "gitops-bot.yaml": _config(image),
                "base/kustomization.yaml": _text("resources:\n  - deployment.yaml\n"),
                BASE: _text(APP_DEPLOYMENT.format(image=image)),
                STAGING: _text(OVERLAY),
                PRODUCTION: _text(OVERLAY),
            }
        )
        yield s


def _rendered(story: Story, ref: str) -> dict[str, str]:
    """Each overlay as the real kubectl renders it at ``ref`` of the remote."""
    tree = story.tmp / f"render-{ref[:12]}"
    if not tree.exists():
        git(story.tmp, "clone", "-q", str(story.remote), str(tree))
        git(tree, "checkout", "-q", ref)
    return {env: kubetools.kustomize(tree / "overlays" / env) for env in ("staging", "production")}


def _reading(capsys: pytest.CaptureFixture[str], story: Story, env: str) -> dict[str, Any]:
    """``plan --output json``'s reading of the one image in ``env``, on a checkout of main."""
    code = main(["plan", "--repo", str(story.checkout()), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    found: dict[str, Any] = next(r for r in json.loads(out)["reading"] if r["environment"] == env)
    return found


def _merge_only_request(story: Story) -> str:
    (request,) = story.open_requests()
    story.merge(request["number"])
    return str(request["body"])


def test_a_shared_base_is_released_and_promoted_into_each_environments_own_overlay(
    story: Story, registry: RegistryProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    image = f"{registry.host}/{story.world.ns}/app"
    digest = story.push("app", "1.1.0")
    base_text = story.show(BASE)

    staging = _reading(capsys, story, "staging")
    assert staging["status"] == "inherited"
    assert staging["pins"] == [
        {"file": BASE, "line": 14, "kind": "container", "effective": True, "shared_with": ["production"]}
    ]
    assert staging["would_write"] == {"file": STAGING, "form": "kustomize images entry"}

    # update: staging gets its own pin; the base and production's overlay are untouched
    before = git(story.remote, "rev-parse", "main")
    run(capsys, story, now, "update", "--env", "staging")
    body = _merge_only_request(story)
    assert f"pins `{image}` in staging's own layer, `{STAGING}`; it was inherited from `{BASE}`" in body
    assert story.show(BASE) == base_text and story.show(PRODUCTION) == OVERLAY.strip()
    assert (
        story.show(STAGING)
        == OVERLAY + f"images:\n  - name: {image}\n    newTag: 1.1.0\n    digest: {digest}"
    )
    released = git(story.remote, "rev-parse", "main")
    old, new = _rendered(story, before), _rendered(story, released)
    assert old["production"] == new["production"] and old["staging"] != new["staging"]
    assert f"image: {image}:1.1.0@{digest}" in new["staging"]

    # promote: production gets its own pin of exactly staging's digest; nothing else changes
    production = _reading(capsys, story, "production")
    assert production["status"] == "inherited" and production["pins"][0]["shared_with"] == ["staging"]
    run(capsys, story, now, "promote", "staging", "production")
    body = _merge_only_request(story)
    assert f"pins `{image}` in production's own layer, `{PRODUCTION}`; it was inherited from `{BASE}`" in body
    assert story.show(BASE) == base_text
    assert f"digest: {digest}" in story.show(PRODUCTION)
    promoted = git(story.remote, "rev-parse", "main")
    after = _rendered(story, promoted)
    assert after["staging"] == new["staging"] and after["production"] != new["production"]
    assert f"image: {image}:1.1.0@{digest}" in after["production"]
