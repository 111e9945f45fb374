"""An app of apps through the CLI, on GitHub and GitLab, with the real helm and kubectl as the
judge (testkit/helm_story.py): one root Application renders the chart ``apps/``, whose template
yields an Application per environment from a list in its ``values.yaml``; dev's and staging's
render the chart ``chart/`` with their values file, prod's the kustomization ``overlays/prod``.
The reading renders the root chart with helm as Argo CD does and follows each environment's
own Application: ``plan`` shows each image's pin in the child's values file or kustomization with
its line, ``update`` writes dev's (by a commit) and staging's (by a change request), and
``promote dev prod`` writes prod's kustomization, and ``rollback dev`` restores dev's values
file from its history; the real render of each yielded Application after each step shows only
the released environment changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit import app_of_apps
from testkit.forge_story import Story, run
from testkit.helm_story import checkout, helm_stories, helm_template, images, kustomize
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
DEPLOYMENT = TEMPLATE.replace('"{{ .Values.image.repository }}:{{ .Values.image.tag }}"', "{app}:1.0.0")
ENVIRONMENTS = [
    {"name": "dev", "path": "chart", "values": "values-dev.yaml"},
    {"name": "staging", "path": "chart", "values": "values-staging.yaml"},
    {"name": "prod", "path": "overlays/prod"},
]
FILES = {
    "root.yaml": app_of_apps.root("apps"),
    **app_of_apps.chart(ENVIRONMENTS),
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/templates/deployment.yaml": TEMPLATE,
    "chart/values.yaml": "image:\n  repository: {app}\n  tag: 1.0.0\n",
    "chart/values-dev.yaml": "replicas: 1\nimage:\n  tag: 1.0.0\n",
    "chart/values-staging.yaml": "replicas: 2\nimage:\n  tag: 1.0.0\n",
    "overlays/prod/deployment.yaml": DEPLOYMENT,
    "overlays/prod/kustomization.yaml": (
        "resources:\n  - deployment.yaml\nimages:\n  - name: {app}\n    newTag: 1.0.0\n"
    ),
}
ENVS = """  - name: dev
    path: root.yaml
    write: commit
  - name: staging
    path: root.yaml
  - name: prod
    path: root.yaml
    promote_from: dev
"""
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


def _runs(tree: Path) -> dict[str, list[str]]:
    """What each yielded Application runs, rendered as Argo CD renders it (tags; a digest
    after one left out)."""
    runs = {
        "dev": images(helm_template(tree, "chart", "values-dev.yaml")),
        "staging": images(helm_template(tree, "chart", "values-staging.yaml")),
        "prod": images(kustomize(tree, "overlays/prod")),
    }
    return {env: [i.split("@")[0] for i in found] for env, found in runs.items()}


def _changed(story: Story, before: dict[str, bytes], ref: str) -> list[str]:
    after = story.files(ref)
    return sorted(n for n in after.keys() | before.keys() if after.get(n) != before.get(n))


@pytest.mark.parametrize("kind", KINDS)
def test_an_app_of_apps_releases_into_each_yielded_applications_own_files(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for story in helm_stories(kind, tmp_path, registry, monkeypatch, FILES, ENVS):
        app = story.show("chart/values.yaml").split("repository: ")[1].split()[0]
        story.push("app", "1.1.0")
        # the yielded Applications are what the root chart renders
        assert [
            n for n in ("app-dev", "app-staging", "app-prod") if n in helm_template(checkout(story), "apps")
        ]
        plan = _plan(story, capsys)
        pins = {
            "dev": ("chart/values-dev.yaml", 3, "propose"),  # its image: tag: line
            "staging": ("chart/values-staging.yaml", 3, "propose"),
            "prod": ("overlays/prod/kustomization.yaml", 5, "up_to_date"),  # promote_from dev
        }
        for env, (file, line, action) in pins.items():
            row = _row(plan, env)
            decided = (row.get("decision") or {}).get("action") or row["action"]
            assert (row["file"], row["current"]["tag"], decided) == (file, "1.0.0", action), row
            (reading,) = [r for r in plan["reading"] if r["environment"] == env]
            assert reading["status"] == "pinned", reading
            (pin,) = [(p["file"], p["line"]) for p in reading["pins"] if p["effective"]]
            assert pin == (file, line), reading

        before = story.files()
        dry = run(capsys, story, T0, "update", "--dry-run")
        assert story.files() == before and story.open_requests() == [], dry
        run(capsys, story, T0, "update")
        assert _changed(story, before, "main") == ["chart/values-dev.yaml"]  # dev commits
        assert story.files()["chart/values-dev.yaml"] == b"replicas: 1\nimage:\n  tag: 1.1.0\n"
        (request,) = story.open_requests()
        assert request["head"] == "gitops-bot/staging"
        assert _changed(story, before, request["head"]) == [
            "chart/values-dev.yaml",
            "chart/values-staging.yaml",
        ]
        old, new = f"{app}:1.0.0", f"{app}:1.1.0"
        assert _runs(checkout(story)) == {"dev": [new], "staging": [old], "prod": [old]}
        assert _runs(checkout(story, request["head"])) == {"dev": [new], "staging": [new], "prod": [old]}

        again = story.files()  # a second run: the open request is the release, nothing new
        run(capsys, story, T0, "update")
        assert story.files() == again and story.open_requests() == [request]

        promoted = run(capsys, story, T0, "promote", "dev", "prod")
        heads = [r["head"] for r in story.open_requests()]
        (prod_head,) = [h for h in heads if h != "gitops-bot/staging"]
        assert _changed(story, again, prod_head) == ["overlays/prod/kustomization.yaml"], promoted
        # the promotion carries dev's digest with its tag
        assert (
            b"newTag: 1.1.0\n    digest: sha256:"
            in story.files(prod_head)["overlays/prod/kustomization.yaml"]
        )
        assert _runs(checkout(story, prod_head)) == {"dev": [new], "staging": [old], "prod": [new]}

        # dev's release read back from its history (each commit's tree read, its app of apps
        # rendered from that tree) and restored in the same values file, by a commit as dev writes
        main_now = story.files()
        (rolled,) = run(capsys, story, T0, "rollback", "dev")["results"]
        assert (rolled["action"], rolled["kind"]) == ("commit", "rollback"), rolled
        # the image held where it was restored (a rollback holds what it restores)
        assert _changed(story, main_now, "main") == ["chart/values-dev.yaml", "gitops-bot.holds.yaml"]
        assert story.files()["chart/values-dev.yaml"] == b"replicas: 1\nimage:\n  tag: 1.0.0\n"
        assert _runs(checkout(story)) == {"dev": [old], "staging": [old], "prod": [old]}
