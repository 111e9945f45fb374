"""An offline plan names every registry it could not reach on its one line, not one a run:
registries with nothing listening, and the real registry process answering beside them."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitops_bot import cli
from testkit.local_git import write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess


@pytest.fixture
def down() -> Iterator[Callable[[], str]]:
    """``127.0.0.1:PORT`` where nothing listens, held so for the test: a port only found free
    (bound, then let go) may be handed out again, to another worker's server or as the local
    end of one of the plan's own connections (560 of them here, from the same ephemeral
    range; a connection from a port to itself is a TCP self-connect that never answers), and
    one run in 9 waited 96 s for its deadline. A socket bound and not listening refuses every
    connection and keeps its port from being handed out."""
    held: list[socket.socket] = []

    def one() -> str:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        held.append(s)
        return f"127.0.0.1:{s.getsockname()[1]}"

    yield one
    for s in held:
        s.close()


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
    tmp_path: Path, registry: RegistryProcess, pusher: Pusher, down: Callable[[], str]
) -> None:
    """Before, the line named the first registry not reached; the next run named the next."""
    pusher.image("unreached/ok", "1.0.0")
    hosts = [down(), down()]
    images = [f"{hosts[0]}/acme/a:1.0.0", f"{hosts[1]}/acme/b:1.0.0", f"{registry.host}/unreached/ok:1.0.0"]
    line = _line(_repo(tmp_path, images))
    assert all(f"registry {host} unreachable" in line for host in hosts), line
    assert registry.host not in line, line


def test_a_registry_behind_many_images_of_another_is_named_too(
    tmp_path: Path, down: Callable[[], str]
) -> None:
    """The last of 141 images is the only one of its registry: it was asked while the first
    registry's requests failed, and its failure is named on the same line."""
    hosts = [down(), down()]
    images = [f"{hosts[0]}/acme/a{n}:1.0.0" for n in range(140)] + [f"{hosts[1]}/acme/last:1.0.0"]
    line = _line(_repo(tmp_path, images))
    assert all(f"registry {host} unreachable" in line for host in hosts), line
