"""The plan's pipelined registry phases give what the phased path gives: with policies mixed
on one repository (one image by semver, another by newest, another following a tag's digest),
with min_age on one environment, with a repository whose tags cannot be listed, and with a
webhook's targeted images. The phased path is the same plan with no target chosen early
(every choice and digest left to the later phases, as before the pipeline)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from gitops_bot.engine import plan as plan_mod
from gitops_bot.engine.app import App, open_app
from testkit.example import copy_example, seed_example
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    with RegistryProcess(tmp_path_factory.mktemp("pipeline-registry")) as reg:
        pusher = Pusher.to(reg.url)
        seed_example(pusher)
        pusher.close()
        yield reg


def _phased(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan without its early choices: each repository's task only lists its tags."""
    early = plan_mod._choose_at_once

    def tags_only(
        app: App, repository: Any, list_tags: bool, targets: Any, policies: Any, debug: bool
    ) -> Any:
        return early(app, repository, list_tags, (), policies, debug)

    monkeypatch.setattr(plan_mod, "_choose_at_once", tags_only)


def _mixed(example: Path, *, min_age: bool, missing: bool) -> None:
    """worker (newest) and cache (digest of 1.4.1) on app's repository, beside app's semver."""
    cfg = example / "gitops-bot.yaml"
    text = re.sub(
        r"acme/worker\n    policy: regex.*?order: numerical\n",
        "acme/app\n    policy: newest\n",
        cfg.read_text(),
        flags=re.S,
    )
    text = re.sub(
        r"mirror/redis\n    policy: digest[^\n]*\n    tag: stable",
        "acme/app\n    policy: digest\n    tag: 1.4.1",
        text,
    )
    if min_age:
        text = text.replace("path: overlays/dev\n", "path: overlays/dev\n    min_age: 1h\n")
    if missing:
        text = text.replace("mirror/nginx", "mirror/absent")
    cfg.write_text(text)
    for overlay in (example / "overlays").glob("*/kustomization.yaml"):
        o = overlay.read_text()
        o = o.replace("acme/worker\n  newTag: main-1767225600-1a2b3c4", "acme/app\n  newTag: 1.1.0")
        o = o.replace("mirror/redis\n  newTag: stable", "acme/app\n  newTag: 1.4.1")
        if missing:
            o = o.replace("mirror/nginx", "mirror/absent")
        overlay.write_text(o)


def _plan(capsys: pytest.CaptureFixture[str], example: Path) -> tuple[int, dict[str, Any]]:
    code = main(["plan", "--repo", str(example), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, json.loads(out)


@pytest.mark.parametrize("min_age", [False, True])
@pytest.mark.parametrize("missing", [False, True])
def test_mixed_policies_on_one_repository_plan_as_the_phased_path_plans_them(
    tmp_path: Path,
    registry: RegistryProcess,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    min_age: bool,
    missing: bool,
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", "/nonexistent")  # the registry's answers are the point
    now = instants.system_clock()  # one instant for both runs: a first sighting is "now"
    monkeypatch.setattr(instants, "system_clock", lambda: now)
    example = copy_example(tmp_path / "gitops", registry.host)
    _mixed(example, min_age=min_age, missing=missing)
    _, pipelined = _plan(capsys, example)
    with monkeypatch.context() as m:
        _phased(m)
        _, phased = _plan(capsys, example)
    assert pipelined == phased
    dev = {i["image"]: i for e in pipelined["environments"] if e["name"] == "dev" for i in e["images"]}
    assert dev["example/worker"]["action"] == "update", dev["example/worker"]
    assert dev["example/cache"]["candidate"]["tag"] == "1.4.1", dev["example/cache"]
    if missing:
        assert dev["example/proxy"]["action"] == "skip", dev["example/proxy"]


@pytest.mark.parametrize("images", [{"example/app"}, {"example/worker", "example/cache"}])
def test_a_webhook_s_targeted_images_plan_as_the_phased_path_plans_them(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch, images: set[str]
) -> None:
    example = copy_example(tmp_path / "gitops", registry.host)
    _mixed(example, min_age=False, missing=False)
    app = open_app(example)
    pipelined = plan_mod.plan(app, images=images)
    with monkeypatch.context() as m:
        _phased(m)
        phased = plan_mod.plan(app, images=images)
    assert pipelined == phased
    planned = {i.image for e in pipelined.environments for i in e.items}
    assert planned == images
