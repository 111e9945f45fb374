"""``gitops-bot init`` proposing charts: the chart versions the environments pin (a Flux
HelmRelease with its HelmRepository, an Argo CD Application's helm source), each with a policy
guessed as an image's is, and a ``# not read:`` line for what cannot be configured (a range Helm
resolves, a Flux Kustomization's OCI artifact). kubernetes-sdlc's tree is copied data
(tests/data/charts/whole/kubernetes-sdlc/SOURCE.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gitops_bot import config as config_mod
from gitops_bot.engine import discovered_charts
from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.paths import TEST_DATA, kubernetes_sdlc

SDLC = TEST_DATA / "charts" / "whole" / "kubernetes-sdlc"


def _sdlc(tmp_path: Path) -> Path:
    work = tmp_path / "sdlc"
    kubernetes_sdlc(work)
    return work


def test_init_writes_the_charts_a_helmrelease_pins_with_a_guessed_policy(tmp_path: Path) -> None:
    work = _sdlc(tmp_path)
    found = discover(work)
    charts = {c.name: c for c in found.charts}
    assert set(charts) == {"kyverno", "metrics-server"}  # podinfo is pinned only as a range
    kyverno = charts["kyverno"]
    assert kyverno.repository == "https://kyverno.github.io/kyverno"  # the HelmRepository's URL
    assert kyverno.versions == ("3.0.0",)
    assert kyverno.guess.keys == {"policy": "semver", "range": ">=3.0.0 <4.0.0"}
    assert (
        kyverno.how
        == "Flux HelmRelease kyverno (spec.chart.spec.version) at platform/services/kyverno.yaml:28"
    )

    text = config_text(found)
    assert (
        '- name: "kyverno"\n'
        '  repository: "https://kyverno.github.io/kyverno"\n'
        "  # guess: pinned 3.0.0: semver tags, kept within major 3\n"
        '  policy: "semver"\n'
        '  range: ">=3.0.0 <4.0.0"\n'
    ) in text
    assert (
        "# not read: chart podinfo: pinned as a range that Helm resolves when it installs, at "
        "clusters/development/apps/podinfo.yaml:24 ('>5.0.0'), clusters/staging/apps/podinfo.yaml:24 "
        "('>5.0.0'), clusters/production/apps/podinfo.yaml:24 ('>5.0.0'); pin an exact version there to "
        "have the bot release it\n"
    ) in text
    # the OCIRepository staging builds its platform from holds manifests, not a chart
    assert '- name: "platform"' not in text and "chart platform" not in text
    assert "from OCIRepository platform (oci://ghcr.io/danielloader/manifests/platform)" in text

    # the file init writes is a configuration the bot loads, and the chart is read where it is pinned
    (work / "gitops-bot.yaml").write_text(text)
    cfg = config_mod.load(work / "gitops-bot.yaml")
    assert [c.name for c in cfg.charts] == list(charts)
    app = open_app(work)
    pinned = {
        (env.name, t.chart.name): t.place for env in app.config.environments for t in app.chart_targets(env)
    }
    assert pinned, text
    assert set(pinned.values()) >= {"platform/services/kyverno.yaml:28"}


def test_init_reads_an_argocd_applications_helm_source(tmp_path: Path) -> None:
    for env, version in (("staging", "4.10.1"), ("production", "4.9.0")):
        overlay = tmp_path / "apps" / env
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text("resources:\n- ingress.yaml\n- app.yaml\n")
        (overlay / "app.yaml").write_text(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n"
            "    spec:\n      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0.0\n"
        )
        (overlay / "ingress.yaml").write_text(
            textwrap.dedent(f"""\
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata:
                  name: ingress-nginx-{env}
                spec:
                  project: default
                  source:
                    repoURL: https://kubernetes.github.io/ingress-nginx
                    chart: ingress-nginx
                    targetRevision: {version}
                  destination:
                    server: https://kubernetes.default.svc
                    namespace: ingress-{env}
                """)
        )
    found = discover(tmp_path)
    (chart,) = found.charts
    assert (chart.name, chart.repository) == ("ingress-nginx", "https://kubernetes.github.io/ingress-nginx")
    assert sorted(chart.versions) == ["4.10.1", "4.9.0"] and set(chart.environments) == {
        "staging",
        "production",
    }
    assert chart.guess.keys["policy"] == "semver"
    assert chart.how.startswith("Argo CD Application source chart ingress-nginx (targetRevision) at apps/")
    # each environment pins it in its own Application: a release for one edits that one alone
    (tmp_path / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(tmp_path)
    places = {
        e.name: [(t.place, t.shared_with) for t in app.chart_targets(e)] for e in app.config.environments
    }
    assert places == {
        "staging": [("apps/staging/ingress.yaml:10", ())],
        "production": [("apps/production/ingress.yaml:10", ())],
    }


def test_a_chart_with_no_repository_url_or_a_name_an_image_has_is_said_not_configured() -> None:
    files = {
        "charts/umbrella/Chart.yaml": "apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n"
        "  - name: common\n    version: 1.2.0\n    repository: '@bitnami'\n"
        "  - name: redis\n    version: 18.1.0\n    repository: oci://registry-1.docker.io/bitnamicharts\n"
        "  - name: my chart\n    version: 0.1.0\n    repository: https://charts.example.com\n"
        '  - name: evil\n    version: 0.1.0\n    repository: "https://charts.example.com/\\e[2J"\n',
    }
    found, notes = discovered_charts.find(files.get, lambda _rel: [], {"dev": list(files)}, images=["redis"])
    assert found == []
    assert notes == [
        "chart common: Chart.yaml dependency common at charts/umbrella/Chart.yaml:6 names repository "
        "'@bitnami', not a chart repository URL (a Helm alias or a local chart); write its repository's "
        "URL there to have its versions released",
        "chart redis: Chart.yaml dependency redis at charts/umbrella/Chart.yaml:9: an image found has its "
        "name, and charts and images share one namespace; where Helm values set the image, name it "
        "docker.io/redis (the same image) and add the chart",
        "chart my chart: Chart.yaml dependency my chart at charts/umbrella/Chart.yaml:12: 'my chart' is not a "
        "chart name the configuration takes",
        "chart evil: Chart.yaml dependency evil at charts/umbrella/Chart.yaml:15 names repository "
        "'https://charts.example.com/\\x1b[2J', not a chart repository URL (a Helm alias or a local chart); "
        "write its repository's URL there to have its versions released",
    ]


_EXTERNAL_CHART_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress-nginx
  namespace: argocd
spec:
  destination:
    namespace: ingress-nginx
    server: https://kubernetes.default.svc
  project: default
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.9.1
"""


def test_an_application_of_an_external_chart_nothing_else_renders_is_an_environment(tmp_path: Path) -> None:
    # argoproj/argoproj-deployments' argoproj/base/ingress-nginx.yaml, reduced to its source:
    # an Application whose only source is a chart of a Helm repository at an exact version is
    # a release site of its own, rendered by nothing else in the repository
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "ingress-nginx-prod.yaml").write_text(_EXTERNAL_CHART_APP)
    found = discover(tmp_path)
    (env,) = found.environments
    assert env.paths == ("apps/ingress-nginx-prod.yaml",)
    assert env.how == (
        "Argo CD Application ingress-nginx in apps/ingress-nginx-prod.yaml "
        "(chart ingress-nginx 4.9.1 of https://kubernetes.github.io/ingress-nginx)",
    )
    (chart,) = found.charts
    assert (chart.name, chart.versions, chart.environments) == ("ingress-nginx", ("4.9.1",), (env.name,))
    assert chart.how.endswith("at apps/ingress-nginx-prod.yaml:14")
    (tmp_path / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(tmp_path)
    (configured,) = app.config.environments
    assert [t.place for t in app.chart_targets(configured)] == ["apps/ingress-nginx-prod.yaml:14"]


def test_an_external_chart_application_beside_images_renders_no_branch_of_its_version(tmp_path: Path) -> None:
    # a chart source's targetRevision is the chart's version: no branch of this repository, so
    # the environment is kept (it pins the chart) and the images it does not render are not
    # "rendered from branch 4.9.1"
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "ingress-nginx-prod.yaml").write_text(_EXTERNAL_CHART_APP)
    web = tmp_path / "web" / "overlays" / "prod"
    web.mkdir(parents=True)
    (web / "kustomization.yaml").write_text("resources:\n- app.yaml\n")
    (web / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0.0\n"
    )
    found = discover(tmp_path)
    paths = {p for e in found.environments for p in e.paths}
    assert "apps/ingress-nginx-prod.yaml" in paths
    (image,) = found.images
    assert "ingress-nginx-prod" not in image.environments
    assert not any("renders branch" in n for n in found.notes)


def test_a_chart_pinned_per_environment_is_found_at_each_environments_file(tmp_path: Path) -> None:
    # fluxcd/flux2-hub-spoke-example with podinfo pinned per cluster: the found line named
    # staging's file only, though production's pin is its own file
    for env, version in (("staging", "6.7.1"), ("production", "6.7.0")):
        overlay = tmp_path / "clusters" / env
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text(
            "resources:\n- app.yaml\nhelmCharts:\n- name: podinfo\n  repo: https://stefanprodan.github.io/podinfo\n"
            f"  version: {version}\n  releaseName: podinfo\n"
        )
        (overlay / "app.yaml").write_text(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n"
            "    spec:\n      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0.0\n"
        )
    text = config_text(discover(tmp_path))
    assert (
        "  # found: kustomization helmCharts entry podinfo at clusters/staging/kustomization.yaml:6; "
        "pinned for staging, and for production at clusters/production/kustomization.yaml:6\n"
    ) in text


def test_an_exact_constraint_is_said_as_the_one_version_it_names(tmp_path: Path) -> None:
    """``version: '=5.0.0'`` is Helm's constraint for 5.0.0 alone: no range Helm resolves, and
    the way in is to write the version bare (the bot does not edit a constraint)."""
    work = _sdlc(tmp_path)
    apps = [work / "clusters" / stage / "apps" / "podinfo.yaml" for stage in ("development", "production")]
    for f in apps:
        f.write_text(f.read_text().replace("'>5.0.0'", "'=5.0.0'"))
    staging = work / "clusters" / "staging" / "apps" / "podinfo.yaml"
    staging.write_text(staging.read_text().replace("'>5.0.0'", "'=5.0.0'"))
    notes = [n for n in discover(work).notes if n.startswith("chart podinfo")]
    assert notes == [
        "chart podinfo: pinned 5.0.0 written as a constraint ('=5.0.0') at "
        "clusters/development/apps/podinfo.yaml:24, clusters/staging/apps/podinfo.yaml:24, "
        "clusters/production/apps/podinfo.yaml:24, which the bot does not edit: write it bare there "
        "(5.0.0) to have the bot release it"
    ], notes
    # one environment pins it bare: the chart is configured, the others' constraint said as one
    staging.write_text(staging.read_text().replace("'=5.0.0'", "'5.0.0'"))
    text = config_text(discover(work))
    assert (
        "  # found: a constraint Helm resolves, left alone: clusters/development/apps/podinfo.yaml:24 "
        "('=5.0.0', 5.0.0 written as a constraint: write it bare)"
    ) in text, text


def test_an_application_pinning_an_exact_constraint_names_the_version(tmp_path: Path) -> None:
    app = tmp_path / "apps" / "cert-manager.yaml"
    app.parent.mkdir()
    app.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: cert-manager, namespace: argocd}\n"
        "spec:\n  source:\n    repoURL: https://charts.jetstack.io\n    chart: cert-manager\n"
        "    targetRevision: '=1.17.1'\n  destination: {server: https://kubernetes.default.svc}\n"
    )
    notes = [n for n in discover(tmp_path).notes if "cert-manager" in n]
    assert any(
        "renders chart cert-manager 1.17.1 of https://charts.jetstack.io, written as a constraint "
        "('=1.17.1'), which the bot does not edit: write it bare there (1.17.1)" in n
        for n in notes
    ), notes


def test_a_chart_version_written_in_an_app_of_apps_template_no_yaml_reader_takes_is_said() -> None:
    """BinaryMan32/argocd@db68229b infrastructure/templates/coredns.yaml pins chart coredns 1.47.0
    literally, and a value below writes two template actions unquoted (no YAML before helm
    renders it): the chart was in no line of init's, read nor said."""
    rel = "infrastructure/templates/coredns.yaml"
    template = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: coredns}\nspec:\n"
        "  project: {{ .Values.project.name }}\n  source:\n    repoURL: https://coredns.github.io/helm\n"
        "    chart: coredns\n    targetRevision: 1.47.0\n    helm:\n      valuesObject:\n"
        "        forward: {{ .Values.domain }} {{ .Values.gateway }}\n"
    )
    found, notes = discovered_charts.find({rel: template}.get, lambda _rel: [], {"dev": [rel]})
    assert found == []
    assert notes == [
        f"{rel}:9: chart coredns 1.47.0, written in an app-of-apps chart's template that is YAML only once "
        "helm renders it (line 12: forward: {{ .Values.domain }} {{ .Values.gateway }}), so no version is "
        "read there: quote each value a {{ }} action writes ('{{ ... }}'), which helm renders alike, to "
        "have it read and released"
    ], notes
