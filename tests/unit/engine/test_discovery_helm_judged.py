"""What helm renders is the judge of which images a chart environment runs: a values block under
a template its values switch off (wayli-app/fluxbase's ``scaling.redis.enabled: false``, the
dragonfly image at values.yaml:1576 under templates/redis.yaml's ``if``) was configured as
"rendered by default", and the first plan then stopped on that image's unreachable registry;
a chart default every environment's values override (mphan1995/argocd-eks-sample's canary
image) was listed "rendered by dev". Each is a ``not rendered`` line, not an image; with no
helm, the rules' reading stands."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.kubetools import helm
from testkit.local_git import write

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: %(name)s}
spec:
  template:
    spec:
      containers:
      - name: %(name)s
        image: "{{ .Values.%(key)s.registry }}/{{ .Values.%(key)s.repository }}:{{ .Values.%(key)s.tag }}"
"""

VALUES = """image:
  registry: ghcr.io
  repository: acme/app
  tag: "1.2.0"
scaling:
  redis:
    enabled: false
    image:
      registry: docker.dragonflydb.io
      repository: dragonflydb/dragonfly
      tag: latest
"""


def _chart() -> dict[str, str]:
    return {
        "deploy/helm/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "deploy/helm/app/values.yaml": VALUES,
        "deploy/helm/app/templates/deployment.yaml": DEPLOY % {"name": "app", "key": "image"},
        "deploy/helm/app/templates/redis.yaml": "{{- if .Values.scaling.redis.enabled }}\n"
        + DEPLOY % {"name": "redis", "key": "scaling.redis.image"}
        + "{{- end }}\n",
    }


def test_a_template_its_values_switch_off_renders_no_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    found = discover(write(tmp_path, _chart()))
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]
    said = [n for n in found.notes if "dragonfly" in n]
    assert said == [
        "deploy/helm/app/values.yaml:11: docker.dragonflydb.io/dragonflydb/dragonfly: not rendered: helm "
        "template of default renders nothing naming it (a template its values switch off, or a default "
        "they override); not configured"
    ], found.notes
    assert "dragonfly" not in config_text(found).split("# not read:")[0]


def test_with_no_helm_the_rules_reading_stands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", str(tmp_path / "no-helm"))
    found = discover(write(tmp_path / "repo", _chart()))
    assert sorted(i.name for i in found.images) == [
        "docker.dragonflydb.io/dragonflydb/dragonfly",
        "ghcr.io/acme/app",
    ]


APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: demo-dev, namespace: argocd}
spec:
  source:
    repoURL: https://github.com/acme/demo.git
    targetRevision: HEAD
    path: charts/demo
    helm: {valueFiles: [../../environments/dev/values.yaml]}
  destination: {server: https://kubernetes.default.svc, namespace: dev}
"""


def test_a_chart_default_the_applications_values_override_runs_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    files = {
        "k8s/apps/envs/dev-application.yaml": APP,
        "charts/demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
        "charts/demo/values.yaml": "image:\n  repository: acme/canary-if-you-see-this\n  tag: latest\n",
        "charts/demo/templates/deployment.yaml": (DEPLOY % {"name": "demo", "key": "image"}).replace(
            "{{ .Values.image.registry }}/", ""
        ),
        "environments/dev/values.yaml": "image:\n  repository: acme/demo\n  tag: sha-11b175d\n",
    }
    found = discover(write(tmp_path, files))
    assert [i.name for i in found.images] == ["acme/demo"]
    assert any(
        n.startswith("charts/demo/values.yaml:3: acme/canary-if-you-see-this: not rendered")
        for n in found.notes
    )


def test_a_values_file_beside_the_chart_is_rendered_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An environment that is a values file beside its chart (values-prod.yaml) is helm install
    of the chart with it: one turning the template on runs the image, one that does not, not."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    on = {**_chart(), "deploy/helm/app/values-prod.yaml": "scaling:\n  redis:\n    enabled: true\n"}
    found = discover(write(tmp_path / "on", on))
    envs = {i.name: i.environments for i in found.images}
    assert envs == {"ghcr.io/acme/app": ("prod",), "docker.dragonflydb.io/dragonflydb/dragonfly": ("prod",)}
    off = {**_chart(), "deploy/helm/app/values-prod.yaml": "image:\n  tag: 1.3.0\n"}
    found = discover(write(tmp_path / "off", off))
    assert [i.name for i in found.images] == ["ghcr.io/acme/app"]
    assert any("dragonfly: not rendered: helm template of prod" in n for n in found.notes), found.notes


def test_a_link_leading_out_of_the_repository_keeps_helm_from_judging_and_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """helm's loader follows a chart's symbolic links: one leading out of the repository has it
    read what the link points at (a template's .Files.Get of it too), which the plan's render
    never lets it (a link leading out: the rules' reading stands). init rendered the chart
    anyway, reading the file outside, and judged the values by that render."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    outside = tmp_path / "outside" / "token"
    outside.parent.mkdir()
    outside.write_text("not the repository's\n")
    repo = write(tmp_path / "repo", _chart())
    (repo / "deploy/helm/app/files").mkdir()
    (repo / "deploy/helm/app/files/token").symlink_to(outside)
    found = discover(repo)
    assert sorted(i.name for i in found.images) == [
        "docker.dragonflydb.io/dragonflydb/dragonfly",
        "ghcr.io/acme/app",
    ]
    said = [n for n in found.notes if "deploy/helm/app/files/token" in n]
    assert said and "leading out of the repository" in said[0] and "helm" in said[0], found.notes


def test_an_image_the_render_never_pulls_is_said_not_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """barbarosydev/argocd-lab: a chart's values build demo-api:latest into minikube and run it
    with pullPolicy: Never. init configured it and its own first plan refused it ("never
    pulled"): it is said with the containers, and not configured."""
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    template = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: demo-api}\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: demo-api\n"
        '        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
        "        imagePullPolicy: {{ .Values.image.pullPolicy }}\n"
    )
    application = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: demo-api}\nspec:\n"
        "  source: {repoURL: https://github.com/acme/lab.git, path: k8s/demo-api}\n"
        "  destination: {server: https://kubernetes.default.svc, namespace: demo}\n"
    )
    files = {
        "argocd/apps/demo-api.yaml": application,
        "k8s/demo-api/Chart.yaml": "apiVersion: v2\nname: demo-api\nversion: 0.1.0\n",
        "k8s/demo-api/values.yaml": "image:\n  repository: demo-api\n  tag: latest\n  pullPolicy: Never\n",
        "k8s/demo-api/templates/deployment.yaml": template,
    }
    found = discover(write(tmp_path, files))
    assert [i.name for i in found.images] == []
    (said,) = [n for n in found.notes if n.startswith("demo-api: never pulled")]
    assert (
        "Deployment/demo-api demo-api runs it with imagePullPolicy: Never" in said
        and "not configured" in said
    )


WHOLE_IMAGE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: {{ .Values.image }}
"""


# GRPC-OK/argocd-apps helm-projects/*/values.yaml (newcomer21 F20): a chart printing its image whole
# ({{ .Values.image }}) with nginx as its default, and an Application's values file setting the
# top-level image: to the project's own image. The override was read nowhere: only the default
# was said, "not rendered", and the image that runs was silent.
def test_a_values_file_setting_the_whole_image_at_the_top_is_what_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    url = "https://github.com/acme/gitops.git"
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web, namespace: argocd}\n"
        f"spec:\n  project: default\n  source:\n    repoURL: {url}\n    path: chart\n"
        "    helm:\n      valueFiles: [prod.yaml]\n"
        "  destination: {server: 'https://kubernetes.default.svc', namespace: web}\n"
    )
    files = {
        "app.yaml": app,
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/values.yaml": "image: nginx:1.0\n",
        "chart/prod.yaml": "image: ghcr.io/acme/frontend:1.4.0\n",
        "chart/templates/deployment.yaml": WHOLE_IMAGE,
    }
    root = write(tmp_path, files)
    found = discover(root, origin=url)
    assert [(i.name, dict(i.helm)) for i in found.images] == [
        ("ghcr.io/acme/frontend", {"reference": "image"})
    ]
    assert any(n.startswith("chart/values.yaml:1: nginx: not rendered") for n in found.notes), found.notes
    (root / "gitops-bot.yaml").write_text(config_text(found))
    app_ = open_app(root)
    (env,) = app_.config.environments
    (target,) = app_.targets(env)
    assert target.deployed is not None and target.deployed.tag == "1.4.0", target
    assert [(p.file, p.line) for p in target.reading.pins if p.effective] == [("chart/prod.yaml", 1)], target
