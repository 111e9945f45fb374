"""``min_age`` from a clock the publisher does not control, over the real registry process and
the spec-held GitHub Packages API (the registry named ``push_time: github``): an image whose
own creation time is the Unix epoch (ko's default, a reproducible build's date) and which was
pushed a minute ago waits for the hour from its push, and the plan says which clock decided
and what it ignored; an old push passes; a creation time after the push makes the image
younger, never older. Without a push-time API the epoch is not an age at all: the image waits,
saying why, instead of passing at once. ``status`` shows the same decision as ``plan``."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit import cosign
from testkit.github_server import FakeGitHub
from testkit.pushtime_servers import FakeGitHubPackages
from testkit.sigstore_root import SigstoreInstance
from testkit.update_world import World, git

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EPOCH = "1970-01-01T00:00:00Z"


def configured(world: World, registry: str | None) -> Path:
    """``min_age: 1h`` on the app image and, given ``registry``, the registry's push-time API
    (GitHub Packages at that URL), committed on main; the checkout where the bot runs."""
    work = Path(tempfile.mkdtemp(dir=world.tmp)) / "edit"
    git(world.tmp, "clone", "-q", str(world.remote), str(work))
    path = work / "gitops-bot.yaml"
    text = path.read_text().replace('    range: "^1"\n', '    range: "^1"\n    min_age: 1h\n')
    if registry is not None:
        host = world.pusher.client.base_url.netloc.decode()
        text += f"registries:\n  {host}:\n    push_time: github\n    push_time_url: {registry}\n"
    path.write_text(text)
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "min_age")
    git(work, "push", "-q", "origin", "main")
    return work


def plan(checkout: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    code = main(["plan", "--repo", str(checkout), "--env", "staging", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (env,) = json.loads(out)["environments"]
    (item,) = [i for i in env["images"] if i["image"] == "example/app"]
    return item, err


def status_decision(world: World, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["status", "--repo", f"file://{world.remote}", "--output", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    (row,) = [r for r in rows if r["environment"] == "staging" and r["image"] == "example/app"]
    return row["decision"]  # type: ignore[no-any-return]


@pytest.fixture
def packages(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Packages API takes the same GITHUB_TOKEN as the forge (read:packages)."""
    with FakeGitHubPackages(token=FakeGitHub.token) as api:
        monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
        yield api


def test_an_epoch_image_pushed_a_minute_ago_waits_an_hour_from_its_push(
    world: World,
    packages: FakeGitHubPackages,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checkout = configured(world, packages.url)
    digest = world.pusher.image(f"{world.ns}/app", "1.1.0", created=EPOCH, salt="ko").digest
    packages.push(f"{world.ns}/app", "1.1.0", digest, NOW - timedelta(minutes=1))
    monkeypatch.setattr(instants, "system_clock", lambda: NOW)

    item, _ = plan(checkout, capsys)
    assert item["candidate"]["tag"] == "1.0.0"  # not proposed: pushed a minute ago
    assert item["waiting"] == {
        "tag": "1.1.0",
        "digest": digest,
        "until": "2026-11-23T09:59:00Z",
        "rule": "min_age",
        "min_age": "1h",
        "age_from": "GitHub Packages push time",
        "ignored": "the image's own creation time 1970-01-01T00:00:00Z is ignored (not plausible)",
    }
    d = status_decision(world, capsys)
    assert (
        "1.1.0 waiting until 2026-11-23T09:59:00Z (min_age 1h, age from GitHub Packages push time;"
        in d["reason"]
    )

    # An hour after the push: proposed, whatever the image says of itself.
    monkeypatch.setattr(instants, "system_clock", lambda: NOW + timedelta(minutes=60))
    item, _ = plan(checkout, capsys)
    assert item["candidate"]["tag"] == "1.1.0" and item.get("waiting") is None, item


def test_the_images_own_time_only_makes_it_younger(
    world: World,
    packages: FakeGitHubPackages,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pushed two days ago, but the image says it was built ten minutes ago (a re-push of an
    old tag with a new build): the younger time wins."""
    checkout = configured(world, packages.url)
    built = NOW - timedelta(minutes=10)
    digest = world.pusher.image(
        f"{world.ns}/app", "1.1.0", created=built.strftime("%Y-%m-%dT%H:%M:%SZ"), salt="rebuilt"
    ).digest
    packages.push(f"{world.ns}/app", "1.1.0", digest, NOW - timedelta(days=2))
    monkeypatch.setattr(instants, "system_clock", lambda: NOW)
    item, _ = plan(checkout, capsys)
    assert item["waiting"]["until"] == "2026-11-23T09:50:00Z"
    assert "age_from" not in item["waiting"] and "ignored" not in item["waiting"]


def test_without_a_push_time_api_an_epoch_image_is_aged_by_the_forge_not_passed_at_once(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No clock the publisher cannot set: by pull request (staging) the image is proposed at
    once and its merge waits min_age from then (the pull request is the clock); by commit
    (dev), with no pull request to count from, it waits and says why."""
    checkout = configured(world, None)
    digest = world.pusher.image(f"{world.ns}/app", "1.1.0", created=EPOCH, salt="ko").digest
    monkeypatch.setattr(instants, "system_clock", lambda: NOW)
    item, _ = plan(checkout, capsys)
    assert item["candidate"]["tag"] == "1.1.0"
    assert item["waiting"] == {
        "tag": "1.1.0",
        "digest": digest,
        "until": "2026-11-23T10:00:00Z",
        "rule": "min_age",
        "min_age": "1h",
        "age_from": "first seen by the bot, which its pull request records (not read here: now at the earliest)",
        "ignored": "the image's own creation time 1970-01-01T00:00:00Z is ignored (not plausible)",
        "first_seen": "2026-11-23T09:00:00Z",
        "proposed": True,
    }
    assert item["decision"]["action"] == "propose" and item["decision"]["rule"] == "min_age", item

    code = main(["plan", "--repo", str(checkout), "--env", "dev", "--output", "json"])
    (env,) = json.loads(capsys.readouterr().out)["environments"]
    assert code == 0
    (dev,) = [i for i in env["images"] if i["image"] == "example/app"]
    assert dev["candidate"]["tag"] == "1.0.0"
    assert dev["waiting"] == {
        "tag": "1.1.0",
        "digest": digest,
        "until": None,
        "rule": "min_age",
        "min_age": "1h",
        "ignored": "the image's own creation time 1970-01-01T00:00:00Z is ignored (not plausible)",
    }
    assert "1.1.0 waiting: the image has no creation time it can be aged by" in dev["reason"], dev


def test_a_tag_the_api_does_not_know_falls_back_to_the_images_plausible_time(
    world: World,
    packages: FakeGitHubPackages,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The API knows the package but not this tag (or it moved): no clock the publisher
    cannot set ages it, so by pull request the forge's does (proposed, its merge waiting), the
    image's own plausible time never making it older; the token went to the API alone."""
    checkout = configured(world, packages.url)
    world.pusher.image(f"{world.ns}/app", "1.1.0", created="2026-11-20T00:00:00Z", salt="old")
    packages.push(f"{world.ns}/app", "0.9.0", "sha256:" + "0" * 64, NOW - timedelta(days=30))
    monkeypatch.setattr(instants, "system_clock", lambda: NOW)
    item, _ = plan(checkout, capsys)
    assert item["candidate"]["tag"] == "1.1.0"
    assert item["waiting"]["proposed"] and item["waiting"]["until"] == "2026-11-23T10:00:00Z", item
    assert packages.seen and all(
        s.headers.get("Authorization") == f"Bearer {FakeGitHub.token}" for s in packages.seen
    )


IDENTITY = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
ISSUER = "https://token.actions.githubusercontent.com"


def test_a_keyless_signed_image_is_aged_by_its_rekor_time(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No push-time API, an epoch creation time, but a keyless signature the policy accepts:
    the transparency log's integrated time (2026-01-01T00:00:00Z here) is when the image
    existed by, and ages it."""
    checkout = configured(world, None)
    sigstore = SigstoreInstance()
    (checkout / "trusted_root.json").write_text(sigstore.trusted_root())
    path = checkout / "gitops-bot.yaml"
    path.write_text(
        path.read_text().replace(
            "    min_age: 1h\n",
            "    min_age: 1h\n    verify:\n      keyless:\n        trusted_root: trusted_root.json\n"
            f"        identity: {IDENTITY}\n        issuer: {ISSUER}\n",
        )
    )
    git(checkout, "add", "-A")
    git(checkout, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "keyless")
    git(checkout, "push", "-q", "origin", "main")
    repo = f"{world.ns}/app"
    digest = world.pusher.image(repo, "1.1.0", created=EPOCH, salt="signed").digest
    cosign.attach(
        world.pusher, repo, digest, sigstore.bundle(digest, IDENTITY, ISSUER), cosign.BUNDLE, cosign.BUNDLE
    )

    logged = datetime(2026, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(instants, "system_clock", lambda: logged + timedelta(minutes=20))
    item, _ = plan(checkout, capsys)
    assert item["waiting"]["until"] == "2026-01-01T01:00:00Z"
    assert item["waiting"]["age_from"] == "Rekor integrated time"
    assert "1970-01-01T00:00:00Z is ignored" in item["waiting"]["ignored"]

    monkeypatch.setattr(instants, "system_clock", lambda: logged + timedelta(hours=2))
    item, _ = plan(checkout, capsys)
    assert item["candidate"]["tag"] == "1.1.0" and item.get("waiting") is None, item


def test_a_platforms_image_is_aged_by_the_push_of_the_index_its_tag_names(
    world: World,
    packages: FakeGitHubPackages,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``platform:`` the bot pins the platform's image inside the index, while GitHub's
    package version is the index: the push time is the index's, not "the tag moved"."""
    checkout = configured(world, packages.url)
    path = checkout / "gitops-bot.yaml"
    path.write_text(
        path.read_text().replace("    min_age: 1h\n", "    min_age: 1h\n    platform: linux/arm64\n")
    )
    git(checkout, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "platform")
    git(checkout, "push", "-q", "origin", "main")
    pushed = world.pusher.image(
        f"{world.ns}/app", "1.1.0", created=EPOCH, platforms=("linux/amd64", "linux/arm64"), salt="multi"
    )
    packages.push(f"{world.ns}/app", "1.1.0", pushed.digest, NOW - timedelta(minutes=1))
    monkeypatch.setattr(instants, "system_clock", lambda: NOW)
    item, _ = plan(checkout, capsys)
    assert item["waiting"]["digest"] == pushed.platforms["linux/arm64"]
    assert item["waiting"]["until"] == "2026-11-23T09:59:00Z"
    assert item["waiting"]["age_from"] == "GitHub Packages push time"
