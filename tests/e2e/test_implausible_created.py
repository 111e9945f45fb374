"""An image whose creation time is past the bounds the bot counts in (year 9999, the end of
``datetime``), in its config blob or in the manifest's or the index's
``org.opencontainers.image.created`` annotation, over the real registry process: the plan reports it (a warning line naming the
value) and treats the image as one whose age is unknown: held by ``min_age``, never "old
enough", never a crash. By commit (dev) it waits; by pull request (staging) the forge's clock
ages it instead, from when the bot first sees it: proposed, its merge waiting an hour."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.core import instants
from testkit.oci import OCI_INDEX, OCI_MANIFEST, digest_of
from testkit.update_world import World, git

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def with_min_age(world: World) -> Path:
    """``min_age: 1h`` on the app image, committed on main; the checkout where ``plan`` runs."""
    work = Path(tempfile.mkdtemp(dir=world.tmp)) / "edit"
    git(world.tmp, "clone", "-q", str(world.remote), str(work))
    path = work / "gitops-bot.yaml"
    path.write_text(path.read_text().replace('    range: "^1"\n', '    range: "^1"\n    min_age: 1h\n'))
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "min_age")
    git(work, "push", "-q", "origin", "main")
    return work


def annotated(world: World, created: str, media_type: str) -> str:
    """Push 1.1.0 as a manifest or an index whose annotation says ``created`` (its config
    says 2026)."""
    repo = f"{world.ns}/app"
    digest = world.pusher.image(repo, "1.1.0-plain", salt="annotated", index=media_type == OCI_INDEX).digest
    doc = json.loads(
        world.pusher.client.get(f"/v2/{repo}/manifests/{digest}", headers={"Accept": media_type}).content
    )
    doc["annotations"] = {"org.opencontainers.image.created": created}
    body = json.dumps(doc, sort_keys=True).encode()
    world.pusher.manifest(repo, "1.1.0", body, media_type)
    return digest_of(body)


def app_item(out: str) -> dict[str, Any]:
    (env,) = json.loads(out)["environments"]
    (item,) = [i for i in env["images"] if i["image"] == "example/app"]
    return item  # type: ignore[no-any-return]


@pytest.mark.parametrize("where", ["config", "manifest annotation", "index annotation"])
@pytest.mark.parametrize("created", ["9999-12-31", "9999-12-31T23:59:59-14:00"])
def test_an_implausible_created_time_is_reported_and_never_old_enough(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    created: str,
    where: str,
) -> None:
    checkout = with_min_age(world)
    if where == "config":
        new = world.pusher.image(f"{world.ns}/app", "1.1.0", created=created, salt="future").digest
    else:
        new = annotated(world, created, OCI_INDEX if where == "index annotation" else OCI_MANIFEST)
    monkeypatch.setattr(instants, "system_clock", lambda: NOW)

    code = main(["plan", "--repo", str(checkout), "--env", "dev", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    item = app_item(out)
    assert item["candidate"]["tag"] == "1.0.0"  # what is deployed stays; 1.1.0 is not proposed
    assert item["waiting"] == {
        "tag": "1.1.0",
        "digest": new,
        "until": None,
        "rule": "min_age",
        "min_age": "1h",
    }
    assert "implausible time ignored" in err and created in err
    assert "Traceback" not in err

    code = main(["plan", "--repo", str(checkout), "--env", "staging", "--output", "json"])
    out, err = capsys.readouterr()
    staging = app_item(out)
    assert code == 0 and staging["candidate"]["digest"] == new, staging
    assert staging["waiting"]["proposed"] and staging["waiting"]["until"] == "2026-11-23T10:00:00Z"
    assert "Traceback" not in err
