"""What a report keeps in the bot's cache of each (release commit, image), and how it reads it
back: the dated source commit, no new build, or the revisions the builds' labels named; never
what could not be read; a file that does not read as the bot's is not used."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gitops_bot.engine.report import _Kept
from gitops_bot.release import dora


def image(name: str = "example/app", source: Any = None) -> Any:
    return SimpleNamespace(name=name, repository="registry.example/acme/app", platform=None, source=source)


def session(tmp_path: Path, images: tuple[Any, ...] = (image(),)) -> Any:
    root = tmp_path / "repo"
    config = SimpleNamespace(path=root / "gitops-bot.yaml", images=images)
    return SimpleNamespace(
        ws=SimpleNamespace(url="https://git.example/acme/gitops.git"),
        app=SimpleNamespace(config=config),
        root=root,
        environ={"GITOPS_BOT_CACHE": str(tmp_path / "cache")},
    )


WHEN = datetime(2030, 1, 6, 12, tzinfo=UTC)
READ: dict[dora.Key, Any] = {
    ("c1", "example/app"): dora.SourceDate(WHEN),
    ("c2", "example/app"): None,  # no new build
    ("c3", "example/app"): ("https://git.example/acme/app", "a" * 40, "b" * 40),
}


def test_what_was_read_comes_back_and_what_was_not_is_not_kept(tmp_path: Path) -> None:
    first = _Kept(session(tmp_path))
    assert first.read() == {}
    first.write({**READ, ("c4", "example/app"): dora.SourceDate(None, "the forge answered 503")})
    again = _Kept(session(tmp_path))
    assert again.read() == READ
    # a later report keeps what it read beside what the earlier ones did
    again.write({("c5", "example/worker"): None})
    assert _Kept(session(tmp_path)).read() == {**READ, ("c5", "example/worker"): None}


def test_other_image_settings_set_the_kept_answers_aside(tmp_path: Path) -> None:
    _Kept(session(tmp_path)).write(READ)
    assert _Kept(session(tmp_path, images=(image(source="https://git.example/other"),))).read() == {}
    # what does not change a release's source (another image's policy, a comment) keeps them
    assert _Kept(session(tmp_path, images=(image(),))).read() == READ


def test_a_source_url_with_a_user_in_it_is_not_written(tmp_path: Path) -> None:
    kept = _Kept(session(tmp_path))
    token = ("https://gitlab-ci-token:glpat-secret@git.example/acme/app", "a" * 40, "b" * 40)
    kept.write({**READ, ("c9", "example/app"): token})
    assert "glpat-secret" not in kept.path.read_text()
    assert _Kept(session(tmp_path)).read() == READ


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"schema": "gitops-bot/report-cache/v1", "sources": "x"}',
        "[" * 100_000,
        '{"schema": "gitops-bot/report-cache/v2", "sources": []}',
    ],
)
def test_a_file_that_does_not_read_as_the_bot_s_is_not_used(tmp_path: Path, text: str) -> None:
    kept = _Kept(session(tmp_path))
    kept.path.parent.mkdir(parents=True)
    kept.path.write_text(text)
    assert kept.read() == {}


def test_rows_that_do_not_read_are_skipped_and_the_rest_used(tmp_path: Path) -> None:
    kept = _Kept(session(tmp_path))
    kept.write(READ)
    doc = json.loads(kept.path.read_text())
    doc["sources"] += [
        [1, "example/app", None],
        ["c6", "example/app", "not a time"],
        ["c7", "example/app", "9999-01-01T00:00:00Z"],  # out of bounds
        ["c8", "example/app", ["only", "two"]],
        ["c9", "x" * 5000, None],
        ["c10"],
    ]
    kept.path.write_text(json.dumps(doc))
    assert _Kept(session(tmp_path)).read() == READ


def test_an_oversized_file_is_not_read(tmp_path: Path) -> None:
    kept = _Kept(session(tmp_path))
    kept.path.parent.mkdir(parents=True)
    kept.path.write_bytes(b" " * (_Kept.LIMIT + 1))
    assert kept.read() == {}


def test_a_recorded_time_dates_only_the_build_its_commit_deploys_and_not_after_it_landed() -> None:
    from gitops_bot.core.model import Deployed
    from gitops_bot.core.outside import Outside
    from gitops_bot.engine.report import _recorded
    from gitops_bot.release.ledger import Entry

    digest, other = "sha256:" + "1" * 64, "sha256:" + "2" * 64

    def entry(built: dict[str, Any], landed: str = "2030-01-06T12:00:00Z") -> Entry:
        images = {"example/app": Deployed("example/app", "r/app", "1.1.0", digest)}
        return Entry(
            "c1", landed, Outside("bot"), Outside("s"), "dev-1", 7, images, ("example/app",), landed=landed
        )

    def dated(e: Entry) -> dict[Any, Any]:
        return dict(_recorded(e))

    from dataclasses import replace

    ok = replace(entry({}), built_from={"example/app": (digest, WHEN - timedelta(hours=1))})
    assert dated(ok) == {("c1", "example/app"): dora.SourceDate(WHEN - timedelta(hours=1))}
    # a person pinned another build on the bot's pull request: its trailer does not date this one
    assert dated(replace(ok, built_from={"example/app": (other, WHEN - timedelta(hours=1))})) == {}
    # a source commit after the release landed cannot be what it released
    assert dated(replace(ok, built_from={"example/app": (digest, WHEN + timedelta(hours=1))})) == {}
    assert dated(replace(ok, built_from={"example/worker": (digest, WHEN)})) == {}
