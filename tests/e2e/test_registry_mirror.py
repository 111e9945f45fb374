"""``registries: <host>: mirror:``: an image the manifests name at one registry is read from
another that holds its copies (a pull-through cache, a loopback registry to try a plan),
against the real registry process, with the names in the manifests untouched and no
credential of the mirrored registry sent to the mirror."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import cli
from gitops_bot.output.as_json import document
from testkit.local_git import write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/mirrored:1.0.0
"""


def _repo(tmp_path: Path, registries: str) -> Path:
    config = (
        "version: 1\nimages:\n  - name: ghcr.io/acme/mirrored\n    policy: semver\n"
        f"registries:\n{registries}"
        "environments:\n  - name: dev\n    path: overlays/dev\n"
    )
    return write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY,
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "gitops-bot.yaml": config,
        },
    )


def _item(repo: Path) -> dict[str, object]:
    result = cli.execute(["plan", "--repo", str(repo), "--output", "json"])
    doc = document(result)
    assert doc is not None, result
    (item,) = [i for e in doc["environments"] for i in e["images"]]
    return dict(item)


def _candidate(item: dict[str, object]) -> tuple[object, object]:
    found = item.get("candidate")
    assert isinstance(found, dict), item
    return found["tag"], found["digest"]


def test_an_image_is_read_from_its_registrys_mirror_under_its_path(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher
) -> None:
    """Before, the way to read ghcr.io/acme/mirrored from a local registry was repository: on
    the image, which the reader then looked for in the manifests: 'not rendered'."""
    pusher.image("cache/ghcr/acme/mirrored", "1.0.0")
    pushed = pusher.image("cache/ghcr/acme/mirrored", "1.1.0")
    repo = _repo(tmp_path, f'  ghcr.io:\n    mirror: "{registry.host}/cache/ghcr"\n')
    item = _item(repo)
    assert item["action"] == "update", item
    assert _candidate(item) == ("1.1.0", pushed.digest), item


def test_the_mirrored_registrys_credentials_never_go_to_the_mirror(
    tmp_path: Path, basic_registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential goes only to the origin configured for it: ghcr.io's user is not the
    mirror's, so the mirror is asked without it (401), and with its own entry's it answers."""
    p = Pusher.to(basic_registry.url, auth=("alice", "wonderland-42"))
    pushed = p.image("acme/mirrored", "1.1.0")
    p.close()
    monkeypatch.setenv("GHCR_USER", "alice")
    monkeypatch.setenv("GHCR_TOKEN", "wonderland-42")
    upstream = "    username_env: GHCR_USER\n    password_env: GHCR_TOKEN\n"
    repo = _repo(tmp_path, f'  ghcr.io:\n    mirror: "{basic_registry.host}"\n{upstream}')
    item = _item(repo)
    assert item["action"] == "skip" and "401" in str(item["reason"]), item
    mirror_entry = f'  "{basic_registry.host}":\n    username_env: GHCR_USER\n    password_env: GHCR_TOKEN\n'
    (repo / "gitops-bot.yaml").write_text(
        (repo / "gitops-bot.yaml").read_text().replace("registries:\n", "registries:\n" + mirror_entry)
    )
    item = _item(repo)
    assert _candidate(item) == ("1.1.0", pushed.digest), item
