"""A Flux HelmRelease's ``spec.values.image.tag`` over a chart from a HelmRepository, the
repository left to the chart's default (shaped as bokristoffersson/homelab-k12n-gitops@2e505e4c's
gitops/apps/base/pihole/helmrelease.yaml, chart mojo2600/pihole): the image that runs is not known
here, so it is said with its line, the tag and the hand entry that releases it, never silent."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

RELEASE = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: pihole
  namespace: pihole
spec:
  chart:
    spec:
      chart: pihole
      version: "2.35.*"
      sourceRef:
        kind: {kind}
        name: mojo2600
        namespace: flux-system
  values:
    image:
      tag: "2025.11.1"
    replicaCount: 1
    exporter:
      image: {{repository: ekofr/pihole-exporter, tag: v1.2.0}}
"""


def _repo(tmp_path: Path, kind: str = "HelmRepository") -> Path:
    return write(
        tmp_path,
        {
            "clusters/homelab/apps.yaml": (
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
                "metadata: {name: pihole, namespace: flux-system}\n"
                "spec:\n  path: ./apps/homelab/pihole\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
            ),
            "apps/homelab/pihole/kustomization.yaml": "resources:\n- ../../base/pihole\n",
            "apps/base/pihole/kustomization.yaml": "namespace: pihole\nresources:\n- helmrelease.yaml\n",
            "apps/base/pihole/helmrelease.yaml": RELEASE.format(kind=kind),
        },
    )


def test_a_tag_over_a_fetched_charts_default_repository_is_said_with_the_hand_entry(tmp_path: Path) -> None:
    text = config_text(discover(_repo(tmp_path)))
    assert (
        "# not read: apps/base/pihole/helmrelease.yaml:17: HelmRelease pihole sets image.tag '2025.11.1' "
        "over its chart pihole of HelmRepository mojo2600, whose image.repository default is in no file "
        "here: the image it tags is not known; to have it released, add it by hand: {name: <the image "
        "the chart runs>, helm: {repository: image.repository, tag: image.tag}}\n"
    ) in text
    assert "ekofr/pihole-exporter" in text and "exporter.image.tag '" not in text  # its repository is written


def test_a_chart_of_the_repositorys_own_git_repository_is_read_with_its_templates(tmp_path: Path) -> None:
    assert "HelmRelease pihole sets image.tag" not in config_text(discover(_repo(tmp_path, "GitRepository")))


CHART_REF = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: silence-operator, namespace: flux-system}
spec:
  url: oci://gsoci.azurecr.io/charts/giantswarm/silence-operator
  ref: {tag: 0.20.1}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: silence-operator, namespace: monitoring}
spec:
  chartRef: {kind: OCIRepository, name: silence-operator, namespace: flux-system}
  values:
    image:
      tag: "0.20.0"
"""


def test_a_chart_ref_release_names_its_oci_repository_not_none(tmp_path: Path) -> None:
    """billimek/k8s-gitops@ff56e251's silence-operator: spec.chartRef to an OCIRepository in the same
    file was printed 'over its chart None of None None'."""
    root = _repo(tmp_path)
    (root / "apps/base/pihole/helmrelease.yaml").write_text(CHART_REF)
    text = config_text(discover(root))
    assert "None" not in text, text
    assert (
        "HelmRelease silence-operator sets image.tag '0.20.0' over its chart OCIRepository silence-operator "
        "(oci://gsoci.azurecr.io/charts/giantswarm/silence-operator 0.20.1), whose image.repository default"
    ) in text, text


def test_a_chart_ref_to_an_oci_repository_written_oddly_prints_no_python_value(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    odd = CHART_REF.replace("url: oci://gsoci.azurecr.io/charts/giantswarm/silence-operator", "url: {a: 1}")
    (root / "apps/base/pihole/helmrelease.yaml").write_text(
        odd.replace("ref: {tag: 0.20.1}", "ref: {tag: [1]}")
    )
    text = config_text(discover(root))
    assert "over its chart OCIRepository silence-operator, whose" in text, text
    assert "None" not in text and "{'a'" not in text, text
