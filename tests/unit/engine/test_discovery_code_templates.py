"""Manifests the application's own code reads as templates are no deployment (cloud-agnost/
agnost-gitops: platform/handlers/deployment.js reads manifests/deployment.yaml, a ``dummy-deployment``
it fills in for each user's workload): init offered them, beside k8s/, as ``default``'s images."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\n"
    "spec: {{template: {{spec: {{containers: [{{name: app, image: '{image}'}}]}}}}}}\n"
)
CODE = 'const manifest = fs.readFileSync(`${__dirname}/manifests/deployment.yaml`, "utf8");\n'


def test_manifests_the_code_reads_are_said_and_no_environment(tmp_path: Path) -> None:
    files = {
        "k8s/platform.yaml": DEPLOY.format(name="platform", image="cloudagnost/platform:v4"),
        "platform/handlers/deployment.js": CODE,
        "platform/handlers/manifests/deployment.yaml": DEPLOY.format(
            name="dummy-deployment", image="docker.io/traefik/whoami"
        ),
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("k8s",))]
    assert [i.name for i in found.images] == ["cloudagnost/platform"]
    assert (
        "platform/handlers/manifests: read as templates by the repository's code "
        "(platform/handlers/deployment.js names manifests/deployment.yaml), not applied; no environment"
    ) in found.notes, found.notes
