"""Helm values in layers: a chart's values.yaml sets the image, and each environment's own
values file (``env/staging.yaml``, ``env/production.yaml``) sets none, as in most public charts.
The newcomer's config names the environments' values files. ``update`` gives staging's own file
the image keys it inherited, holding the new build; ``promote staging production`` does the
same for production. The chart's values.yaml is never edited, and the real ``helm template``
renders only the target environment differently.

On GitHub and on Gitea: the real registry and git remote, each forge's spec-held fake."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from testkit import kubetools
from testkit.forge_story import Story, run, stories
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

CONFIG = """version: 1
images:
  - name: {image}
    repository: {image}
    range: "^1"
    helm: {{repository: image.repository, tag: image.tag}}
environments:
  - name: staging
    path: chart/env/staging.yaml
  - name: production
    path: chart/env/production.yaml
    promote_from: staging
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
VALUES, STAGING, PRODUCTION = "chart/values.yaml", "chart/env/staging.yaml", "chart/env/production.yaml"


def _text(text: str) -> Callable[[str], str]:
    return lambda _: text


def _config(image: str) -> Callable[[str], str]:
    """The newcomer's config, with the story's forge settings kept."""
    return lambda text: CONFIG.format(image=image) + text[text.index("pull_request:") :]


@pytest.fixture(params=["github", "gitea"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    for s in stories(request.param, tmp_path, registry, monkeypatch):
        image = f"{registry.host}/{s.world.ns}/app"
        s.commit(
            {
                "gitops-bot.yaml": _config(image),
                "chart/Chart.yaml": _text("apiVersion: v2\nname: app\nversion: 0.1.0\n"),
                "chart/templates/deployment.yaml": _text(TEMPLATE),
                VALUES: _text(f"replicas: 1\nimage:\n  repository: {image}\n  tag: 1.0.0\n"),
                STAGING: _text("replicas: 2\n"),
                PRODUCTION: _text("replicas: 3\n"),
            }
        )
        yield s


def _rendered(story: Story, ref: str) -> dict[str, str]:
    """Each environment as the real helm renders the chart with its values file at ``ref``."""
    tree = story.tmp / f"render-{ref[:12]}"
    if not tree.exists():
        git(story.tmp, "clone", "-q", str(story.remote), str(tree))
        git(tree, "checkout", "-q", ref)
    return {
        env: subprocess.run(
            [
                kubetools.helm(),
                "template",
                "app",
                str(tree / "chart"),
                "-f",
                str(tree / f"chart/env/{env}.yaml"),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for env in ("staging", "production")
    }


def _merge_only_request(story: Story) -> str:
    (request,) = story.open_requests()
    story.merge(request["number"])
    return str(request["body"])


def test_inherited_values_are_released_and_promoted_into_each_environments_own_file(
    story: Story, registry: RegistryProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    image = f"{registry.host}/{story.world.ns}/app"
    story.push("app", "1.1.0")
    values = story.show(VALUES)

    before = git(story.remote, "rev-parse", "main")
    run(capsys, story, now, "update", "--env", "staging")
    body = _merge_only_request(story)
    assert f"pins `{image}` in staging's own layer, `{STAGING}`; it was inherited from `{VALUES}`" in body
    assert story.show(VALUES) == values and story.show(PRODUCTION) == "replicas: 3"
    assert story.show(STAGING) == f"replicas: 2\nimage:\n  repository: {image}\n  tag: 1.1.0"
    released = git(story.remote, "rev-parse", "main")
    old, new = _rendered(story, before), _rendered(story, released)
    assert old["production"] == new["production"] and f'image: "{image}:1.1.0"' in new["staging"]

    run(capsys, story, now, "promote", "staging", "production")
    body = _merge_only_request(story)
    assert (
        f"pins `{image}` in production's own layer, `{PRODUCTION}`; it was inherited from `{VALUES}`" in body
    )
    assert story.show(VALUES) == values and story.show(STAGING).endswith("tag: 1.1.0")
    after = _rendered(story, git(story.remote, "rev-parse", "main"))
    assert after["staging"] == new["staging"] and f'image: "{image}:1.1.0"' in after["production"]
