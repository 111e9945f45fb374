"""A project's own test folders hold no environment: Go's ``test/`` at the repository's root
(ConfigButler/gitops-reverser's test/e2e/setup/demo-only, five e2e setups init offered as
environments) and ``test-data`` (redhat-appstudio/managed-gitops's resources/test-data, the sample
repositories its tests feed to the service, offered as ``dev`` and ``staging``). Where the
root's folders are stages (``dev/``, ``test/``, ``prod/``), ``test/`` is one of them."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover, draft
from testkit.local_git import write

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\n"
    "spec: {{template: {{spec: {{containers: [{{name: app, image: '{image}'}}]}}}}}}\n"
)


def _kustomization(*resources: str, tag: str = "") -> str:
    images = f"images:\n- name: ghcr.io/acme/app\n  newTag: {tag}\n" if tag else ""
    return f"resources: [{', '.join(resources)}]\n{images}"


def test_a_root_test_folder_and_test_data_hold_no_environment(tmp_path: Path) -> None:
    files = {
        "config/default/kustomization.yaml": _kustomization("deploy.yaml"),
        "config/default/deploy.yaml": DEPLOY.format(name="manager", image="ghcr.io/acme/app:1.4.0"),
        "test/e2e/setup/demo/kustomization.yaml": _kustomization("vote.yaml"),
        "test/e2e/setup/demo/vote.yaml": DEPLOY.format(name="vote", image="zot.example/voter/frontend:0.3"),
        "resources/test-data/sample-repo/overlays/dev/kustomization.yaml": _kustomization("deploy.yaml"),
        "resources/test-data/sample-repo/overlays/dev/deploy.yaml": DEPLOY.format(
            name="sample", image="quay.io/example/sample-workload:latest"
        ),
        # a chart the tests render: no "a Helm chart that nothing deploys; write it as an environment"
        "test/fixtures/layouts/chart/Chart.yaml": "apiVersion: v2\nname: frontend\nversion: 0.1.0\n",
        "test/fixtures/layouts/chart/values.yaml": "image:\n  repository: ghcr.io/example-org/frontend\n  tag: 1.8.3\n",
        "test/fixtures/layouts/chart/templates/deploy.yaml": DEPLOY.format(
            name="frontend", image="{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        ),
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("config/default",))]
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]
    assert not [n for n in found.notes if "test/" in n or "test-data" in n], found.notes


def test_a_test_folder_beside_the_other_stages_is_one(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": _kustomization("deploy.yaml"),
        "base/deploy.yaml": DEPLOY.format(name="app", image="ghcr.io/acme/app:1.0.0"),
        **{
            f"{s}/kustomization.yaml": _kustomization("../base", tag=t)
            for s, t in (("dev", "1.2.0"), ("test", "1.1.0"), ("prod", "1.0.0"))
        },
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("dev", ("dev",)),
        ("test", ("test",)),
        ("prod", ("prod",)),
    ]


def test_a_test_fixture_broken_on_purpose_is_no_yaml_to_fix(tmp_path: Path) -> None:
    """trolleksii/argocd-diff-reporter@843c8abb internal/helm/testdata/badchart/Chart.yaml ("intentionally
    malformed chart fixture for render-failure tests"): init said "not valid YAML … fix the YAML" of it.
    A file broken on purpose where no environment is (testdata/, tests/fixtures/) is no line to act on;
    the same file where an environment may be still is."""
    bad = "apiVersion: v2\nname: badchart\nversion: 0.1.0\nkeywords:\n  - broken\n  - [unclosed\n"
    files = {
        "deploy/kustomization.yaml": _kustomization("deploy.yaml"),
        "deploy/deploy.yaml": DEPLOY.format(name="app", image="ghcr.io/acme/app:1.4.0"),
        "internal/helm/testdata/badchart/Chart.yaml": bad,
        "tests/fixtures/invalid-chart/Chart.yaml": bad,
        "platform/chart/Chart.yaml": bad,
    }
    found = discover(write(tmp_path, files))
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]
    assert not [n for n in found.notes if "testdata" in n or "fixtures" in n], found.notes
    assert [n for n in found.notes if n.startswith("platform/chart/Chart.yaml: not YAML")], found.notes


def _appset(name: str, chart: str) -> str:
    """An ApplicationSet of list elements each writing its chart's version (the shape of
    johejo/argocdapp2helmfile@0818d79e testdata/applicationset/*/application.yaml)."""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: {name}}}\nspec:\n"
        "  generators:\n  - list:\n      elements:\n      - {cluster: staging, version: 1.2.3}\n"
        "  template:\n    metadata: {name: '{{cluster}}-" + name + "'}\n    spec:\n      project: default\n"
        f"      source: {{repoURL: https://charts.example.com, chart: {chart}, targetRevision: '{{{{version}}}}'}}\n"
        "      destination: {name: '{{cluster}}', namespace: default}\n"
    )


def test_the_draft_of_applicationset_charts_leaves_test_data_out(tmp_path: Path) -> None:
    """argocdapp2helmfile's testdata/ (the ApplicationSets a converter's tests read) made a
    # DRAFT of 11 charts over 29 environments named testdata-applicationset-*: the draft leaves
    out what NOT_ENVIRONMENTS leaves out of the overlays and values files."""
    files = {
        f"testdata/applicationset/{case}/application.yaml": _appset(case, "example")
        for case in ("cluster", "rolling-sync")
    }
    root = write(tmp_path, files)
    assert draft(root, discover(root)) is None
    write(root, {"apps/platform.yaml": _appset("platform", "kyverno")})
    drafted = draft(root, discover(root))
    assert drafted is not None
    assert [(e.name, e.paths) for e in drafted[0].environments] == [("all", ("apps/platform.yaml",))]
    assert [c.name for c in drafted[0].charts] == ["kyverno"]
