"""A kustomization whose resources are the environments themselves (``overlays/`` listing
``./production`` and ``./staging``, built at once to check that every overlay builds) deploys
nothing of its own: it is no environment, said, and each overlay it lists is one. Offered as an
environment, it rendered the overlays' own lines too, and init's first plan refused every one
(dv0gt/kustomize-graph-md@59772250 sample/overlays)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: my-app}\n"
    "spec: {template: {spec: {containers: [{name: my-app, image: my-app}]}}}\n"
)


def _overlay(stage: str, tag: str) -> str:
    # sample/overlays/<stage>/kustomization.yaml, with a tag pinned
    return (
        f"namespace: my-app-{stage}\nresources:\n- ../../base\nimages:\n- name: my-app\n"
        f"  newName: gcr.io/my-platform/my-app\n  newTag: {tag}\n"
    )


def test_a_kustomization_listing_the_environments_is_none_and_they_are(tmp_path: Path) -> None:
    files = {
        "sample/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "sample/base/deployment.yaml": DEPLOY,
        "sample/overlays/staging/kustomization.yaml": _overlay("staging", "1.2.0"),
        "sample/overlays/production/kustomization.yaml": _overlay("production", "1.1.0"),
        # sample/overlays/kustomization.yaml, as written there
        "sample/overlays/kustomization.yaml": (
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources:\n- ./production\n- ./staging\n"
        ),
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths, e.promote_from) for e in found.environments] == [
        ("staging", ("sample/overlays/staging",), None),
        ("production", ("sample/overlays/production",), "staging"),
    ]
    said = [n for n in found.notes if n.startswith("sample/overlays:")]
    assert said == [
        "sample/overlays: its resources are the environments sample/overlays/production and "
        "sample/overlays/staging and nothing else (building it builds them together), not an "
        "environment; each is read on its own"
    ], found.notes


def test_the_root_listing_the_environments_is_none(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOY,
        "dev/kustomization.yaml": "resources: [../base]\nimages: [{name: my-app, newTag: 1.2.0}]\n",
        "prod/kustomization.yaml": "resources: [../base]\nimages: [{name: my-app, newTag: 1.1.0}]\n",
        "kustomization.yaml": "resources: [dev, prod]\n",
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("dev", ("dev",)), ("prod", ("prod",))]
    assert [n for n in found.notes if "builds them together" in n] == [
        "the root kustomization: its resources are the environments dev and prod and nothing else "
        "(building it builds them together), not an environment; each is read on its own"
    ]


def test_a_stage_of_several_apps_overlays_is_one_environment(tmp_path: Path) -> None:
    """clusters/prod listing each app's prod overlay is the prod environment: its resources are
    parts of one stage, not stages."""
    files = {
        "apps/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "apps/base/deployment.yaml": DEPLOY,
        **{
            f"apps/{app}/prod/kustomization.yaml": (
                f"nameSuffix: -{app}\nresources:\n- ../../base\nimages:\n- name: my-app\n  newTag: 1.0.0\n"
            )
            for app in ("orders", "billing")
        },
        "clusters/all/kustomization.yaml": "resources:\n- ../../apps/orders/prod\n- ../../apps/billing/prod\n",
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("all", ("clusters/all",))]
    assert not [n for n in found.notes if "builds them together" in n], found.notes
