"""What a release writes is what its environment's deployer reads, through the CLI on GitHub
and GitLab with the real kubectl as the judge: ``tools`` is the plain directory ``apps/web``
(applied as ``kubectl apply -f apps/web``: its own files), which holds ``dev``'s overlay
``apps/web/overlays/dev`` and the base it builds. ``update --dry-run`` and ``update`` release
tools into ``apps/web/job.yaml`` alone and dev into its own kustomization: dev's render is the
same on tools' branch as on main. The plan says why tools reads no subdirectory."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.forge_story import Story, run
from testkit.helm_story import checkout, helm_stories, images, kustomize
from testkit.registry_process import RegistryProcess

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: {{app}}:{tag}
"""
FILES = {
    "apps/web/job.yaml": DEPLOYMENT.format(name="job", tag="1.0.0"),
    "apps/web/base/deployment.yaml": DEPLOYMENT.format(name="web", tag="1.0.0"),
    "apps/web/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "apps/web/overlays/dev/kustomization.yaml": (
        "resources:\n  - ../../base\nnamePrefix: dev-\nimages:\n  - name: {app}\n    newTag: 1.0.0\n"
    ),
}
ENVS = """  - name: tools
    path: apps/web
  - name: dev
    path: apps/web/overlays/dev
"""


def _changed(story: Story, before: dict[str, bytes], ref: str) -> list[str]:
    after = story.files(ref)
    return sorted(n for n in after.keys() | before.keys() if after.get(n) != before.get(n))


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_directory_holding_another_environments_overlay_releases_into_its_own_files_only(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for story in helm_stories(kind, tmp_path, registry, monkeypatch, FILES, ENVS):
        story.push("app", "1.1.0")
        capsys.readouterr()
        assert main(["plan", "--repo", str(checkout(story)), "--output", "json"]) == 0
        plan = json.loads(capsys.readouterr().out)
        (tools,) = [e for e in plan["environments"] if e["name"] == "tools"]
        said = (
            "apps/web: its own files only, as kubectl apply -f and an Argo CD directory source without "
            "directory.recurse read it; its subdirectories are not tools's (dev's apps/web/overlays/dev)"
        )
        assert said in tools["notes"], tools

        before = story.files()
        dry = run(capsys, story, T0, "update", "--dry-run")
        assert story.files() == before and story.open_requests() == [], dry
        written = {r["environment"]: [f for i in r["images"] for f in i["files"]] for r in dry["results"]}
        assert written == {
            "tools": ["apps/web/job.yaml"],
            "dev": ["apps/web/overlays/dev/kustomization.yaml"],
        }

        run(capsys, story, T0, "update")
        heads = {r["head"] for r in story.open_requests()}
        assert heads == {"gitops-bot/tools", "gitops-bot/dev"}
        assert _changed(story, before, "gitops-bot/tools") == ["apps/web/job.yaml"]
        assert _changed(story, before, "gitops-bot/dev") == ["apps/web/overlays/dev/kustomization.yaml"]
        # the real render: dev runs on tools' branch what it runs on main
        dev_main = images(kustomize(checkout(story), "apps/web/overlays/dev"))
        assert images(kustomize(checkout(story, "gitops-bot/tools"), "apps/web/overlays/dev")) == dev_main
        assert [i.split("@")[0].rpartition(":")[2] for i in dev_main] == ["1.0.0"]
