"""A kustomization's ``images:`` entry that only a Flux setter marker names (``newTag: 1.0.0 #
{"$imagepolicy": "flux-system:app:tag"}`` on an entry named otherwise) is the configured image's
place for every command of the release flow, as it is for ``set-image``: ``plan``, ``status``,
``update`` (editing the marked value byte-exactly) and ``history`` all show the image, on
GitHub and on GitLab."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit.forge_story import Story, run, stories
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git

OVERLAY = "overlays/staging/kustomization.yaml"
BY_POLICY = ("  - name: example/app\n", "  - name: app\n")  # configured as the Flux policy's name


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    yield from stories(request.param, tmp_path, registry, monkeypatch)


def _run(capsys: pytest.CaptureFixture[str], repo: str, *args: str) -> dict[str, Any]:
    capsys.readouterr()
    code = main([*args, "--repo", repo, "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _name_the_image_after_its_policy(world: World) -> None:
    """The world's app entry is ``name: example/app`` with a ``flux-system:app:tag`` marker;
    configured as ``app`` (the policy's name), the marker is all that names the entry."""
    work = world.tmp / "edit"
    git(world.tmp, "clone", "-q", str(world.remote), str(work))
    config = work / "gitops-bot.yaml"
    config.write_text(config.read_text().replace(*BY_POLICY, 1))
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "app by policy")
    git(work, "push", "-q", "origin", "main")


def test_a_flux_marked_entry_is_planned_shown_updated_and_in_history(
    story: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    story.edit_config(*BY_POLICY)
    before = story.show(OVERLAY) + "\n"  # as git keeps it (show strips the last newline)
    assert "  - name: example/app\n" in before and '# {"$imagepolicy": "flux-system:app:tag"}' in before
    story.push("app", "1.1.0")

    checkout = str(story.checkout())
    plan = _run(capsys, checkout, "plan")
    items = {(e["name"], i["image"]): i for e in plan["environments"] for i in e["images"]}
    app = items[("staging", "app")]
    assert app["file"] == OVERLAY and app["action"] == "update"
    assert app["current"]["tag"] == "1.0.0" and app["candidate"]["tag"] == "1.1.0"
    assert items[("dev", "app")]["action"] == "update"

    status = _run(capsys, checkout, "status")
    (row,) = [r for r in status["rows"] if (r["environment"], r["image"]) == ("staging", "app")]
    assert row["declared"]["file"] == OVERLAY and row["declared"]["tag"] == "1.0.0"
    assert row["plan"]["action"] == "update" and row["plan"]["candidate"]["tag"] == "1.1.0"

    capsys.readouterr()
    (res,) = run(capsys, story, datetime.now(UTC), "update", "--env", "staging")["results"]
    assert res["action"] == "pull_request"
    (moved,) = [i for i in res["images"] if i["image"] == "app"]
    assert moved["from"]["tag"] == "1.0.0" and moved["to"]["tag"] == "1.1.0" and moved["files"] == [OVERLAY]
    # the marker marks the tag only: the digest is said, not dropped (Flux's setters write no more)
    assert any("image 'app' (marker) has no place for its digest" in w for w in res["warnings"])
    pinned = next(i["to"]["digest"] for i in res["images"] if i["image"] == "example/worker")
    app_tag = '    newTag: {} # {{"$imagepolicy": "flux-system:app:tag"}}\n'
    expected = before.replace(app_tag.format("1.0.0"), app_tag.format("1.1.0")).replace(
        '    newTag: "2.0"\n', f'    newTag: "2.0"\n    digest: {pinned}\n'
    )
    assert story.show(OVERLAY, res["branch"]) + "\n" == expected  # only the marked value moved
    assert story.unexpected() == []

    git(story.remote, "update-ref", "refs/heads/main", f"refs/heads/{res['branch']}")  # the PR merged
    newest, older = _run(capsys, f"file://{story.remote}", "history", "staging")["releases"][:2]
    assert newest["release"] == res["release"] and "app" in newest["changed"]
    assert newest["images"]["app"]["tag"] == "1.1.0" and older["images"]["app"]["tag"] == "1.0.0"


def test_a_policy_name_in_two_namespaces_is_refused_in_one_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    _name_the_image_after_its_policy(world)
    work = world.tmp / "edit"
    overlay = work / OVERLAY
    overlay.write_text(
        overlay.read_text()
        + '  - name: example/app-canary\n    newTag: 1.0.0 # {"$imagepolicy": "canary:app:tag"}\n'
    )
    capsys.readouterr()
    code = main(["plan", "--repo", str(work)])
    _, err = capsys.readouterr()
    assert code == 2, err
    assert "'app' is named by Flux policies in more than one namespace (canary:app, flux-system:app)" in err
    assert err.count("\n") <= 2 and "Traceback" not in err
