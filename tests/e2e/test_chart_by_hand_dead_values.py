"""A chart installed by hand (the environment's path is the chart directory, no Argo CD or Flux
object) whose values hold an image under a template its values switch off (wayli-app/fluxbase's
dragonfly block under templates/redis.yaml's ``if``): the value is there and nothing renders
it. The marked render of the chart judged only the charts an Application or a HelmRelease
renders, so the plan took the dead value as a pin, asked its registry and stopped with exit 3.
It says the value renders nothing and goes on with what the chart runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.kubetools import helm, kubectl
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

# the dead block's registry is out of reach, as the public one is from here
pytestmark = pytest.mark.usefixtures("quick_registry_retries")

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: %(name)s}
spec:
  template:
    spec:
      containers:
      - name: %(name)s
        image: "{{ .Values.%(key)s.repository }}:{{ .Values.%(key)s.tag }}"
"""
DEAD = "127.0.0.1:1/dragonflydb/dragonfly"


def test_a_value_under_a_template_switched_off_renders_nothing_and_the_plan_goes_on(
    tmp_path: Path,
    registry: RegistryProcess,
    pusher: Pusher,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    image = f"{registry.host}/by-hand-dead/app"
    pusher.image("by-hand-dead/app", ["1.0.0", "1.1.0"])
    repo = tmp_path / "repo"
    files = {
        "gitops-bot.yaml": (
            f"version: 1\nimages:\n- name: {image}\n  helm: {{repository: image.repository, tag: image.tag}}\n"
            f"- name: {DEAD}\n  helm: {{repository: redis.image.repository, tag: redis.image.tag}}\n"
            "registries:\n  127.0.0.1:1: {max_concurrency: 1}\n"
            "environments:\n- name: dev\n  path: chart\n"
        ),
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/values.yaml": (
            f"image:\n  repository: {image}\n  tag: 1.0.0\n"
            f"redis:\n  enabled: false\n  image:\n    repository: {DEAD}\n    tag: v1.0.0\n"
        ),
        "chart/templates/app.yaml": DEPLOY % {"name": "app", "key": "image"},
        "chart/templates/redis.yaml": "{{- if .Values.redis.enabled }}\n"
        + DEPLOY % {"name": "redis", "key": "redis.image"}
        + "{{- end }}\n",
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    code = main(["plan", "--repo", str(repo), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    doc = json.loads(out)
    (env,) = doc["environments"]
    items = {i["image"]: i for i in env["images"]}
    assert items[image]["candidate"]["tag"] == "1.1.0", items[image]
    said = "renders no container running dragonfly: chart/values.yaml:8 is a chart default its values override, or a value nothing renders"
    assert items[DEAD]["action"] == "skip" and said in items[DEAD]["reason"], items[DEAD]
    (dead,) = [r for r in doc["reading"] if r["image"] == DEAD]
    assert dead["status"] == "not_rendered", dead
