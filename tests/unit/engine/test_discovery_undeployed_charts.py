"""Charts nothing in the repository deploys (installed as they are, ``helm install``): each is
said with the images its own templates build from its values, even where another chart builds
the same image (open-cluster-management-io/argocd-pull-integration's two charts both take
``image``/``tag``: the second chart's line left it out, the first chart having named it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.kubetools import helm
from testkit.local_git import write

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers:
        - name: manager
          image: "{{{{ .Values.image }}}}:{{{{ .Values.tag }}}}"
"""
VALUES = "image: quay.io/acme/controller\ntag: latest\n"
# the repository's one deploy object deploys another repository: its charts are no environment
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
"""


def test_each_undeployed_chart_names_the_images_its_own_templates_build(tmp_path: Path) -> None:
    files = {"examples/guestbook.yaml": APPLICATION}
    for chart in ("addon", "pull"):
        files[f"charts/{chart}/Chart.yaml"] = f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n"
        files[f"charts/{chart}/values.yaml"] = VALUES
        files[f"charts/{chart}/templates/deployment.yaml"] = TEMPLATE.format(name=chart)
    notes = "\n".join(discover(write(tmp_path, files)).notes)
    for chart in ("addon", "pull"):
        assert (
            f"charts/{chart}: a Helm chart that nothing in this repository deploys (its values.yaml sets "
            "quay.io/acme/controller latest at image, tag)"
        ) in notes, notes


def test_an_image_a_template_writes_whole_is_named_with_the_marker_it_needs(tmp_path: Path) -> None:
    """A chart template writing an image whole (argocd-pull-integration's redis:7.0.15-alpine in
    an AddOnTemplate's manifests, a kind the reader does not read): named on the chart's line
    with the marker that has it read, where the line left it out."""
    redis = "        - name: redis\n          image: redis:7.0.15-alpine\n"
    files = {
        "examples/guestbook.yaml": APPLICATION,
        "charts/pull/Chart.yaml": "apiVersion: v2\nname: pull\nversion: 0.1.0\n",
        "charts/pull/values.yaml": VALUES,
        "charts/pull/templates/deployment.yaml": TEMPLATE.format(name="pull") + redis,
    }
    notes = "\n".join(discover(write(tmp_path, files)).notes)
    assert (
        "; its templates write redis:7.0.15-alpine whole at charts/pull/templates/deployment.yaml:11: "
        'end that line with # {"gitops-bot": "redis"} to have it read'
    ) in notes, notes


def test_a_chart_whose_images_a_helper_builds_is_said_with_the_lines(tmp_path: Path) -> None:
    """fluxninja/aperture's published charts build each image through a helper of a dependency
    (``image: {{ include "controller-operator.image" (dict "image" .Values.operator.image) }}``):
    init traced no values key and said nothing of the chart; it is said with the template lines,
    and that the image's helm keys are to be written by hand."""
    helper = 'image: {{ include "app.image" (dict "image" .Values.operator.image "context" $) }}'
    files = {
        "examples/guestbook.yaml": APPLICATION,
        "charts/ctl/Chart.yaml": "apiVersion: v2\nname: ctl\nversion: 0.1.0\n",
        "charts/ctl/values.yaml": "operator:\n  image:\n    registry: docker.io/acme\n    repository: op\n",
        "charts/ctl/templates/deployment.yaml": TEMPLATE.format(name="ctl").replace(
            'image: "{{ .Values.image }}:{{ .Values.tag }}"', helper
        ),
    }
    notes = [n for n in discover(write(tmp_path, files)).notes if n.startswith("charts/ctl: ")]
    assert len(notes) == 1, notes
    assert "a Helm chart that nothing in this repository deploys" in notes[0]
    assert "charts/ctl/templates/deployment.yaml:9" in notes[0], notes[0]
    assert "helm: {repository: <key>, tag: <key>}" in notes[0], notes[0]


def test_a_chart_writing_its_images_whole_only_names_no_empty_helm_keys(tmp_path: Path) -> None:
    """marcusmvbs/Kind-Argocd-Nginx's chart writes nginx whole and traces no values key: its line
    said "and the image with helm: ; its templates write ...", an empty instruction."""
    files = {
        "examples/guestbook.yaml": APPLICATION,
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/values.yaml": "replicas: 1\n",
        "charts/web/templates/deployment.yaml": TEMPLATE.format(name="web").replace(
            'image: "{{ .Values.image }}:{{ .Values.tag }}"', "image: nginx:1.27.0"
        ),
    }
    (said,) = [n for n in discover(write(tmp_path, files)).notes if n.startswith("charts/web:")]
    assert "helm: ;" not in said and "with helm" not in said, said
    assert said.startswith(
        "charts/web: a Helm chart that nothing in this repository deploys (its values.yaml sets no image); "
        "if it is deployed as it is, write {name: <env>, path: charts/web} under environments:; its "
        "templates write nginx:1.27.0 whole at charts/web/templates/deployment.yaml:9"
    ), said


def test_a_chart_another_names_as_a_file_dependency_is_its_subchart_never_undeployed(tmp_path: Path) -> None:
    """weaveworks/weave-gitops-enterprise's charts/mccp names charts/cluster-controller as
    ``file://../cluster-controller``: init called the subchart "a Helm chart that nothing in this
    repository deploys" and advised an environment of its own, where what runs is set under
    ``cluster-controller:`` in the parent's values (a release of the subchart's file changes nothing
    the parent's override sets)."""
    files = {
        "examples/guestbook.yaml": APPLICATION,
        "charts/mccp/Chart.yaml": (
            "apiVersion: v2\nname: mccp\nversion: 0.1.0\ndependencies:\n"
            "- {name: cluster-controller, version: 1.0.0, repository: 'file://../cluster-controller'}\n"
        ),
        "charts/mccp/values.yaml": VALUES,
        "charts/mccp/templates/deployment.yaml": TEMPLATE.format(name="mccp"),
        "charts/cluster-controller/Chart.yaml": "apiVersion: v2\nname: cluster-controller\nversion: 1.0.0\n",
        "charts/cluster-controller/values.yaml": "image: gcr.io/acme/rbac-proxy\ntag: v0.14.1\n",
        "charts/cluster-controller/templates/deployment.yaml": TEMPLATE.format(name="cc"),
    }
    notes = "\n".join(discover(write(tmp_path, files)).notes)
    assert "charts/cluster-controller: a Helm chart that nothing" not in notes, notes
    assert (
        "charts/cluster-controller: a subchart of charts/mccp (its Chart.yaml names it as a file:// "
        "dependency), deployed with it, never alone; its values.yaml sets gcr.io/acme/rbac-proxy v0.14.1 at "
        "cluster-controller.image, cluster-controller.tag: read where charts/mccp is deployed, those keys "
        "being the image's helm: keys"
    ) in notes, notes
    assert "charts/mccp: a Helm chart that nothing in this repository deploys" in notes, notes


def test_a_wrapper_of_a_published_chart_is_said_where_it_was_silent(tmp_path: Path) -> None:
    """Helix-Stax-Gitops/helix-stax-infrastructure@d8a3080c's helm/valkey: a Chart.yaml depending on
    bitnami's valkey 2.x.x and a values.yaml pinning its five images, no templates: init said
    nothing of it (beside another chart, or alone: "found no environment")."""
    files = {
        "helm/valkey/Chart.yaml": "apiVersion: v2\nname: valkey\nversion: 0.1.0\ndependencies:\n"
        '- name: valkey\n  version: "2.x.x"\n  repository: https://charts.bitnami.com/bitnami\n',
        "helm/valkey/values.yaml": "valkey:\n  image:\n    registry: docker.io\n"
        "    repository: bitnami/valkey\n    tag: latest\n",
        "argocd/app.yaml": APPLICATION,
    }
    notes = discover(write(tmp_path, files)).notes
    (said,) = [n for n in notes if n.startswith("helm/valkey:")]
    assert "a wrapper of valkey 2.x.x from https://charts.bitnami.com/bitnami" in said, said
    assert "write {name: <env>, path: helm/valkey} under environments:" in said, said


@pytest.mark.parametrize("with_helm", [False, True])
def test_a_wrapper_an_applicationset_in_a_charts_template_names_is_not_said_deployed_by_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_helm: bool
) -> None:
    """defyjoy/google-cloud-argocd@ea6b0496 (found by a newcomer): ~40 wrapper charts, each the
    literal path of an ApplicationSet that a chart's template renders (a clusters generator, a
    value file named by the cluster's label), were said to be deployed by nothing. Without helm
    the rules name the template; with it the chart is rendered (applied by hand) and the
    ApplicationSet followed, so the wrapper is its environment's, said as nothing."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm() if with_helm else str(tmp_path / "no-helm"))
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: cert-manager}\nspec:\n"
        "  generators:\n  - clusters: {selector: {matchLabels: {environment: dev}}}\n  template:\n"
        "    metadata: {name: 'cert-manager-{{`{{name}}`}}'}\n    spec:\n      source:\n"
        "        repoURL: git@github.com:acme/gitops.git\n        path: helmcharts/cert-manager\n"
        "        helm:\n          valueFiles: [values.yaml, 'values/{{`{{metadata.labels.environment}}`}}.yaml']\n"
    )
    files = {
        "helmcharts/cert-manager/Chart.yaml": "apiVersion: v2\nname: cert-manager\nversion: 0.1.0\n"
        "dependencies:\n- name: cert-manager\n  version: 1.19.1\n  repository: https://charts.jetstack.io\n",
        "helmcharts/cert-manager/values.yaml": "cert-manager: {installCRDs: true}\n",
        "helmcharts/argocd-apps/Chart.yaml": "apiVersion: v2\nname: argocd-apps\nversion: 0.1.0\n",
        "helmcharts/argocd-apps/templates/cert-manager-as.yaml": appset,
        "argocd/app.yaml": APPLICATION,
    }
    found = discover(write(tmp_path, files))
    notes = found.notes
    said = [n for n in notes if n.startswith("helmcharts/cert-manager:")]
    assert not [n for n in said if "nothing in this repository deploys" in n], said
    if not with_helm:
        assert [n for n in said if "cert-manager-as.yaml names as its source path" in n], said
    else:  # its dependency's version is a pin of the environment the chart of Applications is
        assert [c for c in found.charts if c.name == "cert-manager"], (found.charts, notes)
