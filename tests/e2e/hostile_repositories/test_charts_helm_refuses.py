"""The acceptance set's Argo CD Applications over a chart of the repository that the real
``helm template`` refuses to render (a value the chart requires left out, a template calling a
function helm has not, a Chart.yaml whose appVersion is no string): Argo CD's repo server runs
the same helm, renders nothing of the Application, and syncs none of it. Each through the CLI as
a process under the real ``strace -f``: 0 traceback, 0 connection off the machine, dev refused
in one line with helm's own words and the fix, never released, prod beside it released."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit import netwatch
from testkit.local_git import commit, git, write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{env}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/deploy.git
    targetRevision: HEAD
    path: {chart}
    helm:
      valueFiles:
      - values-{env}.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: {env}
"""
TEMPLATE = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n"
    "    spec:\n      containers:\n        - name: app\n"
    '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"\n'
    '          imagePullPolicy: {{ required "image.pullPolicy is required" .Values.image.pullPolicy }}\n'
)
CHART_YAML = "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: 1.0.0\n"
HELM_KEYS = "    helm: {repository: image.repository, tag: image.tag}\n"

# what dev's chart or values get, and the words helm refuses it in
BREAKS = {
    "a required value left out": ({}, "image.pullPolicy is required"),
    "a function helm has not": (
        {"templates/extra.yaml": "x: {{ nosuchfunction .Values.x }}\n"},
        'function "nosuchfunction" not defined',
    ),
    "an appVersion that is a list": (
        {"Chart.yaml": CHART_YAML.replace("appVersion: 1.0.0", "appVersion: [1, 2]")},
        "cannot unmarshal array",
    ),
}


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("acceptance-helm/app", ["1.0.0", "1.1.0"], salt="acceptance-helm")
    return f"{registry.host}/acceptance-helm/app"


def _chart(directory: str, image: str, extra: dict[str, str]) -> dict[str, str]:
    files = {
        "Chart.yaml": CHART_YAML,
        "values.yaml": f'image:\n  repository: {image}\n  tag: ""\n',
        "templates/deployment.yaml": TEMPLATE,
        **extra,
    }
    return {f"{directory}/{rel}": text for rel, text in files.items()}


@pytest.mark.parametrize("broken", sorted(BREAKS))
def test_an_application_over_a_chart_helm_refuses_is_refused_and_never_released(
    tmp_path: Path, image: str, broken: str
) -> None:
    """dev's Application renders chart-dev, which helm refuses ``broken``; prod's renders
    chart-prod, whole. plan read dev as pinned at 1.0.0 and proposed it, update released it
    (helm's refusal kept in a note no surface showed), though Argo CD renders nothing of dev."""
    extra, words = BREAKS[broken]
    pulled = 'image:\n  tag: "1.0.0"\n  pullPolicy: IfNotPresent\n'
    files = {
        **_chart("chart-dev", image, extra),
        **_chart("chart-prod", image, {}),
        "chart-dev/values-dev.yaml": 'image:\n  tag: "1.0.0"\n' if "required" in broken else pulled,
        "chart-prod/values-prod.yaml": pulled,
        "apps/dev.yaml": APPLICATION.format(env="dev", chart="chart-dev"),
        "apps/prod.yaml": APPLICATION.format(env="prod", chart="chart-prod"),
    }
    config = (
        f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\n{HELM_KEYS}environments:\n"
        + "".join(f"  - name: {e}\n    path: apps/{e}.yaml\n    write: commit\n" for e in ("dev", "prod"))
    )
    seed = tmp_path / "seed"
    write(seed, {**files, "gitops-bot.yaml": config})
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "dev's chart helm refuses")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))

    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(seed), "--output", "json")
    assert code == 0, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    assert readings["dev"]["status"] == "unsupported", readings["dev"]
    assert words in readings["dev"]["reason"] and "chart-dev" in readings["dev"]["reason"], readings["dev"]
    assert readings["dev"]["fix"] and "helm template" in readings["dev"]["fix"], readings["dev"]
    assert readings["prod"]["status"] == "pinned", readings["prod"]

    code, out, err = netwatch.bot(tmp_path, "update", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0, err
    result = json.loads(out)
    skipped = {s["environment"]: s["reason"] for s in result.get("skipped", [])}
    released = [r["environment"] for r in result.get("results", [])]
    assert list(skipped) == ["dev"] and words in skipped["dev"] and "(fix: " in skipped["dev"], skipped
    assert released == ["prod"], result
    assert git(origin, "show", "main:chart-dev/values-dev.yaml") == files["chart-dev/values-dev.yaml"]
