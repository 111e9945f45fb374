"""A chart's values that leave the image's tag empty (``tag: ""``, helm's empty value) under a
template defaulting it to the chart's ``appVersion`` (wayli-app/fluxbase's chart): what runs is
that version, so init guesses the policy from it, where it read 'no tag is pinned' and followed
latest's digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

CHART = {
    "chart/Chart.yaml": 'apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: "2026.1.20"\n',
    "chart/values.yaml": 'image:\n  registry: ghcr.io\n  repository: fluxbase-eu/fluxbase\n  tag: ""\n',
    "chart/templates/_helpers.tpl": (
        '{{- define "app.image" -}}\n'
        '{{- printf "%s/%s:%s" .Values.image.registry .Values.image.repository '
        "(.Values.image.tag | default .Chart.AppVersion) -}}\n"
        "{{- end -}}\n"
    ),
    "chart/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
        '      containers:\n      - name: app\n        image: {{ include "app.image" . }}\n'
    ),
}


def test_an_empty_tag_the_chart_defaults_to_its_app_version_is_guessed_from_that_version(
    tmp_path: Path,
) -> None:
    # tag "" is helm's empty value: the template's default, the chart's appVersion, is what runs,
    # so the policy follows 2026.1.20's family, where it followed latest's digest
    found = discover(write(tmp_path, CHART))
    (image,) = found.images
    assert image.name == "ghcr.io/fluxbase-eu/fluxbase"
    assert image.tags == ("2026.1.20",)
    assert image.guess.keys["policy"] != "digest", image.guess


def test_a_values_file_named_as_an_example_is_no_environment(tmp_path: Path) -> None:
    # values.example.yaml ("copy this file to values.yaml and customize") deploys nothing: as an
    # environment it shared every values.yaml line with default, so each read unsupported
    files = {**CHART, "chart/values.example.yaml": 'image:\n  tag: "2026.1.19"\n'}
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["default"]
    assert any(n.startswith("chart/values.example.yaml: an example") for n in found.notes), found.notes


# epics-containers/argocd-monitor@76d26269's .github/workflows/_helm.yml, cut: the chart is
# packaged at each release tag with that tag as its appVersion, a folded run: >- step
PACKAGING = """on: {push: {tags: ['v*']}}
jobs:
  package:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Package chart
        run: >-
          helm package chart -d .helm-pkg
          ${{ steps.version.outputs.v && format('--version {0} --app-version {0}', steps.version.outputs.v) || '' }}
      - run: helm push .helm-pkg/*.tgz oci://ghcr.io/acme/charts
"""


@pytest.mark.parametrize(
    "workflow",
    [
        PACKAGING,
        # a literal block's one line, its flags written out
        PACKAGING.replace("run: >-\n", "run: |\n").replace(
            "helm package chart -d .helm-pkg\n", 'helm package chart --app-version "$V" -d .helm-pkg\n'
        ),
    ],
)
def test_an_app_version_a_workflow_sets_at_packaging_is_no_pin_to_release(
    tmp_path: Path, workflow: str
) -> None:
    """init configured the image at the Chart.yaml's appVersion with helm: image.tag: a release
    would write a fixed tag into the source chart's values, which every version packaged after
    then carries in place of its own appVersion."""
    found = discover(write(tmp_path, {**CHART, ".github/workflows/_helm.yml": workflow}))
    assert found.images == (), found.images
    assert (
        "chart/values.yaml:4: ghcr.io/fluxbase-eu/fluxbase: the tag is left empty, so the chart's appVersion "
        "runs, which .github/workflows/_helm.yml:9 (helm package chart --app-version) sets as it packages the "
        "chart: no pin to write into the values (every version packaged after would carry it); not "
        "configured: release the packaged chart's version where it is installed"
    ) in found.notes, found.notes
