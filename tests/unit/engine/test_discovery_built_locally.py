"""Images built on the machine and pushed nowhere (Oluseyi-Kofoworola/gitops2-healthcare-
intelligence-git-commit@624b161e, found by a newcomer): each service's README runs ``docker build
-t auth-service:latest .`` then ``kubectl apply -f k8s-deployment.yaml``; init configured
Docker Hub's ``docker.io/library/auth-service``, a stranger's name, to be followed by digest."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine import script_commands
from gitops_bot.engine.discovered_scripts import built_locally
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.repository_files import RepoFiles
from testkit.local_git import write
from testkit.small_repos import deployment


def test_an_image_built_here_and_pushed_nowhere_is_said_not_configured(tmp_path: Path) -> None:
    files = {
        "services/auth/README.md": (
            "```sh\ndocker build -t auth-service:latest .\nkubectl apply -f k8s-deployment.yaml\n```\n"
        ),
        "services/auth/k8s-deployment.yaml": deployment("auth", "auth-service:latest", pull="IfNotPresent"),
        "services/web/README.md": (
            "```sh\ndocker build -t web:1.0 .\ndocker push web:1.0\nkubectl apply -f k8s-deployment.yaml\n```\n"
        ),
        "services/web/k8s-deployment.yaml": deployment("web", "web:1.0", pull="IfNotPresent"),
    }
    root = write(tmp_path, files)
    built = built_locally(script_commands.read(RepoFiles(root)))
    assert {n: b.where for n, b in built.items()} == {"auth-service": "services/auth/README.md:2"}
    found = discover(root)
    assert [i.name for i in found.images] == ["web"], found.images
    (said,) = [n for n in found.notes if n.startswith("auth-service: built on the machine")]
    assert "services/auth/README.md:2" in said and "not configured" in said, said


def test_loads_into_a_local_cluster_and_variables_are_read_as_written() -> None:
    assert script_commands._repository("ghcr.io/acme/app:1.0@sha256:abc") == "ghcr.io/acme/app"
    assert script_commands._repository("localhost:5000/app:dev") == "localhost:5000/app"
    assert script_commands._repository("$1:local") == ""
