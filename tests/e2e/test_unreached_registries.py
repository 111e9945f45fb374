"""An offline plan names every registry it could not reach on its one line, not one a run:
registries with nothing listening, and the real registry process answering beside them."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess, free_port


def _repo(tmp_path: Path, images: list[str]) -> Path:
    containers = "".join(f"      - name: c{n}\n        image: {image}\n" for n, image in enumerate(images))
    deploy = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n"
        f"    spec:\n      containers:\n{containers}"
    )
    config = (
        "version: 1\nimages:\n"
        + "".join(f"  - name: {image.rsplit(':', 1)[0]}\n" for image in images)
        + "environments:\n  - name: dev\n    path: dev\n"
    )
    return write(tmp_path, {"dev/deploy.yaml": deploy, "gitops-bot.yaml": config})


def _line(repo: Path) -> str:
    result = cli.execute(["plan", "--repo", str(repo)])
    assert result.exit_code == 3
    return str(result.body.line)  # type: ignore[union-attr]


def test_every_registry_not_reached_is_named_at_once(
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher
) -> None:
    """Before, the line named the first registry not reached; the next run named the next."""
    pusher.image("unreached/ok", "1.0.0")
    down = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    images = [f"{down[0]}/acme/a:1.0.0", f"{down[1]}/acme/b:1.0.0", f"{registry.host}/unreached/ok:1.0.0"]
    line = _line(_repo(tmp_path, images))
    assert all(f"registry {host} unreachable" in line for host in down), line
    assert registry.host not in line, line


def test_a_registry_behind_many_images_of_another_is_named_too(tmp_path: Path) -> None:
    """The last of 141 images is the only one of its registry: it was asked while the first
    registry's requests failed, and its failure is named on the same line."""
    down = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    images = [f"{down[0]}/acme/a{n}:1.0.0" for n in range(140)] + [f"{down[1]}/acme/last:1.0.0"]
    line = _line(_repo(tmp_path, images))
    assert all(f"registry {host} unreachable" in line for host in down), line
