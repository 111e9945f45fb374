"""The requests in flight to a registry, as the registry sees them: a plan at the defaults
against the real registry behind a front that serves a few requests at once and answers 429
past them (testkit.throttle), and behind one that serves all it gets; the release flow
(update twice, status) through a front that serves one request at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from gitops_bot.cli import main
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.throttle import ThrottlingRelay
from testkit.update_world import update, world_with_token

REPOS, TAGS = 80, 3
CAPACITY = 8  # requests the throttled registry serves at once
HOLD = 0.05  # seconds each request is held, as at a real round-trip time


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    """A registry of REPOS repositories of TAGS tags each."""
    with RegistryProcess(tmp_path_factory.mktemp("window-registry")) as reg:
        pusher = Pusher.to(reg.url)
        for i in range(REPOS):
            pusher.image(f"window/app{i:03d}", [f"1.{t}.0" for t in range(TAGS)], salt=str(i))
        pusher.close()
        yield reg


def repository(root: Path, host: str) -> Path:
    """Every image at its oldest tag, and no registry settings: what a user gets."""
    (root / "overlays/prod").mkdir(parents=True)
    images = "".join(
        f"  - name: app{i:03d}\n    repository: {host}/window/app{i:03d}\n" for i in range(REPOS)
    )
    (root / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n{images}environments:\n  - name: prod\n    path: overlays/prod\n"
    )
    entries = "".join(
        f"- name: app{i:03d}\n  newName: {host}/window/app{i:03d}\n  newTag: 1.0.0\n" for i in range(REPOS)
    )
    (root / "overlays/prod/kustomization.yaml").write_text(f"resources: []\nimages:\n{entries}")
    return root


def planned(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    code = main(["plan", "--repo", str(repo), "--output", "json"])
    out, err = capsys.readouterr()
    if code:
        return code, {}, err
    (env,) = json.loads(out)["environments"]
    return code, {i["image"]: i["candidate"]["digest"] for i in env["images"] if i["action"] == "update"}, err


def test_the_window_grows_to_a_registry_that_keeps_up_and_shrinks_to_one_that_does_not(
    many: RegistryProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # held longer than the throttled front's requests, so requests overlap enough to show the
    # window's growth even when the machine is busy starting the bot's threads
    with ThrottlingRelay(many.url, capacity=1000, hold=4 * HOLD) as open_front:
        code, wanted, err = planned(repository(tmp_path / "open", open_front.host), capsys)
    assert code == 0, err
    assert len(wanted) == REPOS
    assert open_front.refused == 0
    # prompt answers: past the first 32 in flight, towards the ceiling (64)
    assert open_front.peak > 40, open_front.peak

    with ThrottlingRelay(many.url, capacity=CAPACITY, hold=HOLD) as front:
        code, got, err = planned(repository(tmp_path / "throttled", front.host), capsys)
    assert code == 0, err
    assert got == wanted  # the same plan, every image resolved
    # the first 429s halve the window until it fits; after them the bot probes for room one
    # request at a time (each probe's 429 halves it again), where a fixed window sent its
    # requests again with every retry, a wave of 429s a second
    first = front.refusals[0]
    later = [when for when in front.refusals if when > first + 10 * HOLD]
    waves = [sum(1 for other in later if when <= other < when + HOLD) for when in later]
    assert max(waves, default=0) <= 2, (waves, front.refused)


def test_the_release_flow_through_a_registry_that_serves_one_request_at_a_time(
    registry: RegistryProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """update (dev by commit, staging by pull request), the same update again and status, all
    through a front that serves one request at a time: the 429s cost time, never a release, a
    skipped image, a second pull request or a change on the second run."""
    with ThrottlingRelay(registry.url, capacity=1, hold=0.01) as front:
        # the bot reads through the front; the world pushes its images to the registry itself
        reached = cast(RegistryProcess, SimpleNamespace(host=front.host, url=registry.url))
        worlds = world_with_token(tmp_path, reached, monkeypatch)
        world = next(worlds)
        try:
            digest = world.push("app", "1.1.0")
            first = update(capsys, world)
            # dev's commit first, then staging's branch made on the base that holds it
            assert [r["action"] for r in first["results"]] == ["commit", "pull_request"]
            assert not first.get("skipped")  # present only when an image was skipped
            assert digest in world.show("main", "overlays/dev/kustomization.yaml").decode()
            (pr,) = world.github.open_pulls()
            assert digest in pr["body"]
            assert world.sha("main") == world.sha("gitops-bot/staging~1")

            again = update(capsys, world)  # the same command twice changes nothing
            assert again["changed"] is False, again
            assert len(world.github.pulls) == 1

            code = main(["status", "--repo", f"file://{world.remote}", "--output", "json"])
            out, err = capsys.readouterr()
            assert code == 0, err
            rows = {(r["environment"], r["image"]): r for r in json.loads(out)["rows"]}
            assert all(r["plan"]["state"] == "known" for r in rows.values())  # every image read
            assert rows["dev", "example/app"]["plan"]["action"] == "none"  # dev runs 1.1.0
            assert rows["staging", "example/app"]["plan"]["candidate"]["digest"] == digest
            assert rows["staging", "example/app"]["pull_request"]["state"] == "open"
            assert world.github.unexpected == []
            assert front.refused > 0  # the front did throttle the runs
        finally:
            next(worlds, None)
