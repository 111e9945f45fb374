"""A chart template YAML composes but cannot construct (``group: {{ .Values.group | quote }}``:
a flow mapping as a key) is no object anyone applies: the readers of objects' values pass it by."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import NotYaml
from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import nodes
from testkit.local_git import write

TEMPLATE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: solsa-cm\n  labels:\n"
    "    group: {{ .Values.group | quote }}\ndata:\n  solsa.yaml: |\n    clusters: []\n"
)


def test_a_charts_configmap_template_ends_init_in_no_traceback(tmp_path: Path) -> None:
    # cloud-native-toolkit/terraform-tools-argocd@27f1e001 (found by a newcomer): init ended in
    # PyYAML's ConstructorError ("found unhashable key") from the ConfigMap values reader
    found = discover(
        write(
            tmp_path,
            {
                "charts/solsa-cm/Chart.yaml": "apiVersion: v1\nname: solsa-cm\nversion: 0.1.0\n",
                "charts/solsa-cm/values.yaml": "group: catalyst-tools\n",
                "charts/solsa-cm/templates/solsa-cm.yaml": TEMPLATE,
                "charts/solsa-cm/templates/release.yaml": (
                    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n"
                    "  name: {{ .Values.name }}\nspec:\n  chart: {spec: {chart: x}}\n"
                ),
            },
        )
    )
    assert not found.images


def test_a_node_that_cannot_be_constructed_is_the_bots_own_error() -> None:
    (doc,) = nodes.compose_all(TEMPLATE, "t.yaml")
    with pytest.raises(NotYaml, match="unhashable"):
        nodes.constructed(doc)
