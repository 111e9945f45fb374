"""One image pinned by two workloads of one environment at tags of one line or of two, through
the real CLI on real git and the real registry (bokristoffersson/homelab-k12n-gitops's shape: a
database at ``timescaledb:2.24.0-pg16`` and its migration Job at ``latest-pg16``; its postgres at
``16`` in a backup CronJob and ``16-alpine`` in the database). A release writes one tag into
every place, so it is chosen in the line the places share (``2.24.1-pg16``, never the bare
``2.24.1`` the moving tag's empty version admits: the database off its PostgreSQL 16 line), and
where the places are of two lines it is refused, said with both places, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.local_git import git, origin_and_clone
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

WORKLOAD = """apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
      - name: {name}
        image: {image}
"""


def _repo(tmp_path: Path, image: str, db: str, job: str, policy: str) -> tuple[Path, Path]:
    return origin_and_clone(
        tmp_path,
        {
            "app/db.yaml": WORKLOAD.format(kind="StatefulSet", name="db", image=f"{image}:{db}"),
            "app/migrate.yaml": WORKLOAD.format(kind="Deployment", name="migrate", image=f"{image}:{job}"),
            "gitops-bot.yaml": (
                f"version: 1\nimages:\n  - name: {image}\n    {policy}\n"
                "environments:\n  - {name: prod, path: app, write: commit}\n"
            ),
        },
    )


def _plan(capsys: pytest.CaptureFixture[str], clone: Path) -> dict[str, object]:
    capsys.readouterr()
    code = main(["plan", "--repo", str(clone), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err, err
    [env] = json.loads(out)["environments"]
    [row] = env["images"]
    return row  # type: ignore[no-any-return]


def test_a_release_is_chosen_in_the_line_a_moving_pin_shares(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, tag in enumerate(
        ["2.24.0-pg16", "latest-pg16", "2.24.1-pg16", "2.24.1", "2.25.0-pg15", "2.24.1-pg17"]
    ):
        pusher.image("lines/timescaledb", tag, salt=f"lines-{n}")
    image = f"{registry.host}/lines/timescaledb"
    origin, clone = _repo(
        tmp_path, image, "2.24.0-pg16", "latest-pg16", "policy: semver\n    range: '>=2.0.0 <3.0.0'"
    )

    row = _plan(capsys, clone)
    assert row["action"] == "update" and row["candidate"]["tag"] == "2.24.1-pg16", row  # type: ignore[index]

    assert main(["update", "--repo", f"file://{origin}"]) == 0
    git(clone, "pull", "-q")
    for f in ("app/db.yaml", "app/migrate.yaml"):
        assert f"image: {image}:2.24.1-pg16@sha256:" in (clone / f).read_text(), f


# newest, as init guessed for postgres 16 and 16-alpine; digest following 16, as it guesses now
@pytest.mark.parametrize("policy", ["policy: newest", "policy: digest\n    tag: '16'"])
def test_places_of_two_lines_are_refused_and_left_as_they_are(
    tmp_path: Path,
    registry: RegistryProcess,
    pusher: Pusher,
    capsys: pytest.CaptureFixture[str],
    policy: str,
) -> None:
    for n, tag in enumerate(["16", "16-alpine", "16.4-alpine", "17", "18beta1-windowsservercore"]):
        pusher.image("lines/postgres", tag, salt=f"pg-{n}", created=f"2026-01-0{n + 1}T00:00:00Z")
    image = f"{registry.host}/lines/postgres"
    origin, clone = _repo(tmp_path, image, "16-alpine", "16", policy)

    row = _plan(capsys, clone)
    assert row["action"] == "skip" and not row.get("candidate"), row
    reason = str(row["reason"])
    assert "different lines" in reason and "16-alpine at app/db.yaml:10" in reason, reason
    assert "16 at app/migrate.yaml:10" in reason and "pin them in one line" in reason, reason

    before = {f: (clone / f).read_text() for f in ("app/db.yaml", "app/migrate.yaml")}
    main(["update", "--repo", f"file://{origin}"])
    git(clone, "pull", "-q")
    assert {f: (clone / f).read_text() for f in before} == before
