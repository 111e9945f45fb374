"""Of several folders each a stage's word, the one nearest the root is the stage: yasminemarzouk25/
kustomize-'s clusters/{development,staging,production}/apps/live/temp/temp-{be,fe} were one
environment ``live`` (an app's folder), three stages' overlays joined, with ``promote_from:
staging``; each stage is its own environment now. A single stage word deepest still names it
(overlays/homelab/dev/frontend is dev), and a word in a longer name (dev-tools) is no stage's."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.candidates import name_of
from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: temp-{part}}}\n"
    "spec: {{template: {{spec: {{containers: [{{name: app, image: 'ghcr.io/acme/temp-{part}:1.0.0'}}]}}}}}}\n"
)


def test_the_stage_word_nearest_the_root_names_the_overlay(tmp_path: Path) -> None:
    files = {
        **{f"base/temp-{part}/deploy.yaml": DEPLOY.format(part=part) for part in ("be", "fe")},
        **{f"base/temp-{part}/kustomization.yaml": "resources: [deploy.yaml]\n" for part in ("be", "fe")},
        **{
            f"clusters/{stage}/apps/live/temp/temp-{part}/kustomization.yaml": (
                f"resources: [../../../../../../base/temp-{part}]\nnamespace: {stage}\n"
            )
            for stage in ("development", "staging", "production")
            for part in ("be", "fe")
        },
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.promote_from) for e in found.environments] == [
        ("development", None),
        ("staging", "development"),
        ("production", "staging"),
    ]
    assert found.environments[2].paths == (
        "clusters/production/apps/live/temp/temp-be",
        "clusters/production/apps/live/temp/temp-fe",
    )


def test_one_stage_word_names_it_wherever_it_is() -> None:
    assert name_of("overlays/homelab/dev/frontend") == "dev"
    assert name_of("apps/dev-tools/overlays/prod") == "prod"
    assert name_of("prod/values-dev.yaml") == "dev"
