"""Charts through the CLI as their deployers render them, on GitHub and GitLab, with the real
helm and kubectl as the judge (testkit/helm_story.py): an Argo CD Application whose values come
in layers (a base values file, then the environment's), a Flux HelmRelease in a base under
kustomize overlays, and a chart whose tag defaults to its ``appVersion``. Each: ``plan`` shows
what the render runs, ``update --dry-run`` writes nothing, ``update`` writes the place that
changes the render (staging by a change request, dev by a commit), and the real render of each
environment after it shows only the released environment changed; or the environment says in
one line why no place can. An app of apps is its own story (test_app_of_apps_story.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit.forge_story import Story, run
from testkit.helm_story import checkout, flux_render, helm_stories, helm_template, images
from testkit.registry_process import RegistryProcess

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
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
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{env}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://example.com/acme/gitops.git
    targetRevision: HEAD
    path: chart
    helm:
      valueFiles:
        - values-base.yaml
        - values-{env}.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: {env}
"""
LAYERED = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/templates/deployment.yaml": TEMPLATE,
    "chart/values.yaml": "image:\n  repository: nginx\n  tag: latest\n",
    "chart/values-base.yaml": "image:\n  repository: {app}\n  tag: 1.0.0\n",
    "chart/values-staging.yaml": "replicas: 2\nimage:\n  tag: 1.0.0\n",
    "chart/values-dev.yaml": "image:\n  tag: 1.0.0\n",
    "apps/staging.yaml": APPLICATION.replace("{env}", "staging"),
    "apps/dev.yaml": APPLICATION.replace("{env}", "dev"),
}
ENVS = "  - name: staging\n    path: apps/staging.yaml\n  - name: dev\n    path: apps/dev.yaml\n    write: commit\n"


HELM_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
spec:
  interval: 5m
  chart:
    spec:
      chart: ./chart
      sourceRef:
        kind: GitRepository
        name: flux-system
  values:
    image:
      repository: {app}
      tag: 1.0.0
"""
PATCH = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
spec:
  values:
    image:
      tag: 1.0.0
"""
FLUX = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/templates/deployment.yaml": TEMPLATE,
    "chart/values.yaml": "image:\n  repository: nginx\n  tag: latest\n",
    "base/helmrelease.yaml": HELM_RELEASE,
    "base/kustomization.yaml": "resources:\n  - helmrelease.yaml\n",
    "overlays/staging/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: values.yaml\n",
    "overlays/staging/values.yaml": PATCH,
    "overlays/dev/kustomization.yaml": "resources:\n  - ../../base\n",
}
APP_VERSION = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: 1.0.0\n",
    "chart/templates/deployment.yaml": TEMPLATE.replace(
        ".Values.image.tag", ".Values.image.tag | default .Chart.AppVersion"
    ),
    "chart/values.yaml": "image:\n  repository: {app}\n",
    "chart/values-staging.yaml": "replicas: 2\n",
    "chart/values-dev.yaml": "image:\n  tag: 1.0.0\n",
    "apps/staging.yaml": APPLICATION.replace("{env}", "staging").replace("        - values-base.yaml\n", ""),
    "apps/dev.yaml": APPLICATION.replace("{env}", "dev").replace("        - values-base.yaml\n", ""),
}
OVERLAYS = "  - name: staging\n    path: overlays/staging\n  - name: dev\n    path: overlays/dev\n    write: commit\n"
KINDS = ["github", "gitlab"]


def _plan(story: Story, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    code = main(["plan", "--repo", str(checkout(story)), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err, err
    return json.loads(out)  # type: ignore[no-any-return]


def _row(plan: dict[str, Any], env: str) -> dict[str, Any]:
    (env_plan,) = [e for e in plan["environments"] if e["name"] == env]
    (row,) = env_plan["images"]
    return row  # type: ignore[no-any-return]


def _released(story: Story, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, bytes], dict[str, Any]]:
    """``update --dry-run`` (nothing written anywhere), then ``update``: main's files before it,
    and the update's result."""
    before = story.files()
    dry = run(capsys, story, T0, "update", "--dry-run")
    assert story.files() == before and story.open_requests() == [], dry
    return before, run(capsys, story, T0, "update")


def _changed(story: Story, before: dict[str, bytes], ref: str) -> list[str]:
    after = story.files(ref)
    return sorted(n for n in after.keys() | before.keys() if after.get(n) != before.get(n))


@pytest.mark.parametrize("kind", KINDS)
def test_an_application_with_layered_values_releases_into_its_own_layer(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for story in helm_stories(kind, tmp_path, registry, monkeypatch, LAYERED, ENVS):
        app = story.show("chart/values-base.yaml").split("repository: ")[1].split()[0]
        story.push("app", "1.1.0")
        plan = _plan(story, capsys)
        for env in ("staging", "dev"):
            row = _row(plan, env)
            assert (row["file"], row["current"]["tag"]) == (f"chart/values-{env}.yaml", "1.0.0"), row
            assert (row["candidate"]["tag"], row["decision"]["action"]) == ("1.1.0", "propose"), row

        before, _ = _released(story, capsys)
        assert _changed(story, before, "main") == ["chart/values-dev.yaml"]  # dev commits
        (request,) = story.open_requests()
        assert request["head"] == "gitops-bot/staging"
        # the request's rendered diff is helm's render of staging's Application, before and after
        assert "<summary><b>Rendered diff</b>: only the images change</summary>" in request["body"]
        assert f"`{app}:1.0.0` → `{app}:1.1.0`" in request["body"], request["body"]
        assert _changed(story, before, request["head"]) == [
            "chart/values-dev.yaml",
            "chart/values-staging.yaml",
        ]
        assert (
            story.files(request["head"])["chart/values-staging.yaml"]
            == b"replicas: 2\nimage:\n  tag: 1.1.0\n"
        )
        main_tree, branch = checkout(story), checkout(story, request["head"])
        for tree, staging, dev in ((main_tree, "1.0.0", "1.1.0"), (branch, "1.1.0", "1.1.0")):
            for env, tag in (("staging", staging), ("dev", dev)):
                assert images(helm_template(tree, "chart", "values-base.yaml", f"values-{env}.yaml")) == [
                    f"{app}:{tag}"
                ]
        again = story.files()  # a second run: the open request is the release, nothing new
        run(capsys, story, T0, "update")
        assert story.files() == again and story.open_requests() == [request]


@pytest.mark.parametrize("kind", KINDS)
def test_a_helm_release_under_overlays_releases_the_values_key_its_render_reads(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for story in helm_stories(kind, tmp_path, registry, monkeypatch, FLUX, OVERLAYS):
        app = story.show("base/helmrelease.yaml").split("repository: ")[1].split()[0]
        story.push("app", "1.1.0")
        plan = _plan(story, capsys)
        staging = _row(plan, "staging")
        assert (staging["file"], staging["current"]["tag"]) == ("overlays/staging/values.yaml", "1.0.0"), (
            staging
        )
        assert staging["decision"]["action"] == "propose", staging
        # dev sets nothing of its own: an images: entry in its kustomization would change
        # nothing the HelmRelease renders (the marked render shows it), so none is proposed
        dev = _row(plan, "dev")
        assert dev["decision"]["action"] == "skip", dev
        assert dev["reason"].startswith(
            "unsupported: a release writing overlays/dev/kustomization.yaml changes nothing dev renders"
        ), dev
        # what runs: the HelmRelease's chart rendered under its values, not "no container"
        assert (
            f"(kubectl kustomize overlays/dev renders the same with it); it renders {app}:1.0.0 (fix:"
            in (dev["reason"])
        ), dev["reason"]

        before, _ = _released(story, capsys)
        assert _changed(story, before, "main") == []
        (request,) = story.open_requests()
        assert _changed(story, before, request["head"]) == ["overlays/staging/values.yaml"]
        main_tree, branch = checkout(story), checkout(story, request["head"])
        assert images(flux_render(main_tree, "overlays/staging")) == [f"{app}:1.0.0"]
        assert images(flux_render(branch, "overlays/staging")) == [f"{app}:1.1.0"]
        assert images(flux_render(branch, "overlays/dev")) == [f"{app}:1.0.0"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_tag_from_app_version_is_released_where_a_values_key_overrides_it_and_said_where_none_does(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for story in helm_stories(kind, tmp_path, registry, monkeypatch, APP_VERSION, ENVS):
        app = story.show("chart/values.yaml").split("repository: ")[1].split()[0]
        story.push("app", "1.1.0")
        plan = _plan(story, capsys)
        dev = _row(plan, "dev")
        assert (dev["file"], dev["current"]["tag"], dev["decision"]["action"]) == (
            "chart/values-dev.yaml",
            "1.0.0",
            "propose",
        ), dev
        staging = _row(plan, "staging")
        assert staging["decision"]["action"] == "skip", staging
        assert "Helm values key image.tag is not in the file" in staging["reason"], staging
        # what runs, and that the key the fix names takes it: both shown by marked renders
        assert staging["reason"].endswith(
            f"; staging runs {app}:1.0.0, its tag the chart's appVersion (chart/Chart.yaml:4), which "
            "image.tag in chart/values-staging.yaml would override (the marked render shows it) (fix: add "
            "'image.tag' to the values file (an empty string will do))"
        ), staging["reason"]
        (reading,) = [r for r in plan["reading"] if r["environment"] == "staging"]
        assert reading["fix"] == "add 'image.tag' to the values file (an empty string will do)", reading

        before, _ = _released(story, capsys)
        assert _changed(story, before, "main") == ["chart/values-dev.yaml"]
        assert story.open_requests() == []  # staging: nothing to propose
        tree = checkout(story)
        assert images(helm_template(tree, "chart", "values-dev.yaml")) == [f"{app}:1.1.0"]
        assert images(helm_template(tree, "chart", "values-staging.yaml")) == [f"{app}:1.0.0"]
