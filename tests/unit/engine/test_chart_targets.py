"""A configured chart read where the environment renders it: a HelmRelease beside no image is
still found; a place other environments render too is named and never edited for one of them;
a chart nothing rendered pins says so truthfully. The tree is kubernetes-sdlc's (copied data,
tests/data/charts/whole/kubernetes-sdlc/SOURCE.md)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gitops_bot.core.model import ArtifactKind, Choice, PlanAction
from gitops_bot.core.outside import Outside
from gitops_bot.engine import edits, history
from gitops_bot.engine.app import App, open_app
from gitops_bot.git.gitlog import Checkout
from gitops_bot.manifests import charts
from gitops_bot.release import planning
from gitops_bot.release.proposal import Change, Release
from testkit.paths import TEST_DATA, kubernetes_sdlc

SDLC = TEST_DATA / "charts" / "whole" / "kubernetes-sdlc"
CHARTS = """charts:
- name: kyverno
  repository: https://kyverno.github.io/kyverno/
- name: metrics-server
  repository: https://kubernetes-sigs.github.io/metrics-server/
- name: podinfo
  repository: https://stefanprodan.github.io/podinfo
"""
# what `gitops-bot init` writes for it: every cluster names the platform directory
SHARED = """version: 1
images: []
environments:
- name: development
  paths: [platform/services, clusters/development]
- name: staging
  paths: [platform/services, clusters/staging]
- name: production
  paths: [platform/services, clusters/production]
"""
# as the repository deploys it: staging and production take the platform from an OCI artifact
OWN = """version: 1
images: []
environments:
- name: development
  paths: [platform/services, clusters/development]
- name: staging
  paths: [clusters/staging]
  charts: [kyverno, podinfo]
"""


def _app(tmp_path: Path, config: str, charts: str = CHARTS) -> App:
    work = tmp_path / "sdlc"
    kubernetes_sdlc(work)
    (work / "gitops-bot.yaml").write_text(config + charts)
    return open_app(work)


def _targets(app: App, env: str) -> dict[str, planning.ChartTarget]:
    return {t.chart.name: t for t in app.chart_targets(app.config.environment(env))}


def test_a_chart_pinned_where_other_environments_render_it_too_is_named_and_never_edited(
    tmp_path: Path,
) -> None:
    app = _app(tmp_path, SHARED)
    dev = _targets(app, "development")
    kyverno = dev["kyverno"]
    assert (kyverno.place, kyverno.version, kyverno.shared_with) == (
        "platform/services/kyverno.yaml:28",
        "3.0.0",
        ("staging", "production"),
    )
    item = planning.chart_item(kyverno, None)
    assert item.action is PlanAction.SKIP
    assert item.reason.startswith(
        "pinned in platform/services/kyverno.yaml:28, which staging, production render too; "
        "a release for development alone does not edit it (fix: give development a kustomize patch"
    )
    assert dev["metrics-server"].place == "platform/services/metrics-server.yaml:28"
    edited = {p.relative_to(app.root).as_posix() for p in app.files(app.config.environment("development"))}
    assert not edited & {"platform/services/kyverno.yaml", "platform/services/metrics-server.yaml"}


def test_a_chart_pinned_beside_no_image_where_only_this_environment_renders_it_is_released_there(
    tmp_path: Path,
) -> None:
    app = _app(tmp_path, OWN)
    dev = _targets(app, "development")
    assert {n: (t.place, t.version, t.shared_with) for n, t in dev.items()} == {
        "kyverno": ("platform/services/kyverno.yaml:28", "3.0.0", ()),
        "metrics-server": ("platform/services/metrics-server.yaml:28", "3.10.0", ()),
        "podinfo": ("clusters/development/apps/podinfo.yaml:24", ">5.0.0", ()),
    }
    item = planning.chart_item(dev["kyverno"], Choice("3.0.1", "highest of 2 tags"))
    assert (item.action, item.file) == (PlanAction.UPDATE, "platform/services/kyverno.yaml")
    edited = {p.relative_to(app.root).as_posix() for p in app.files(app.config.environment("development"))}
    assert {"platform/services/kyverno.yaml", "platform/services/metrics-server.yaml"} <= edited


def test_a_listed_chart_nothing_rendered_pins_says_so_truthfully(tmp_path: Path) -> None:
    app = _app(tmp_path, OWN)
    staging = _targets(app, "staging")
    assert set(staging) == {"kyverno", "podinfo"}  # listed; metrics-server is not staging's
    item = planning.chart_item(staging["kyverno"], None)
    assert item.action is PlanAction.SKIP
    assert item.reason.startswith("none of the ")
    assert "files staging renders pins chart 'kyverno' of https://kyverno.github.io/kyverno" in item.reason
    assert "no file of" not in item.reason
    # the range is read in staging's own file, and left to Helm
    assert planning.chart_item(staging["podinfo"], None).reason == (
        "range >5.0.0 at clusters/staging/apps/podinfo.yaml:24 is resolved when the chart is installed"
    )


@pytest.mark.parametrize("config", [SHARED, OWN], ids=["shared", "own"])
def test_the_sites_are_read_once_a_run(tmp_path: Path, config: str) -> None:
    app = _app(tmp_path, config)
    env = app.config.environment("development")
    assert app.chart_pins(env) is app.chart_pins(env)


APPLICATIONS = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress-staging
spec:
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.10.1
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress-production
spec:
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.9.0
"""


def test_of_a_file_holding_both_environments_applications_each_reads_and_releases_its_own(
    tmp_path: Path,
) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps/ingress.yaml").write_text(APPLICATIONS)
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\ncharts:\n- name: ingress-nginx\n"
        "  repository: https://kubernetes.github.io/ingress-nginx\n"
        "environments:\n- {name: staging, path: apps/ingress.yaml}\n"
        "- {name: production, path: apps/ingress.yaml}\n"
    )
    app = open_app(tmp_path)
    staging, production = (_targets(app, e)["ingress-nginx"] for e in ("staging", "production"))
    assert (staging.place, staging.version, staging.shared_with) == ("apps/ingress.yaml:9", "4.10.1", ())
    assert (production.place, production.version, production.shared_with) == (
        "apps/ingress.yaml:19",
        "4.9.0",
        (),
    )

    change = Change(
        environment="staging",
        image="ingress-nginx",
        repository="https://kubernetes.github.io/ingress-nginx",
        files=("apps/ingress.yaml",),
        from_tag="4.10.1",
        from_digest=None,
        to_tag="4.11.0",
        to_digest=None,
        reason=Outside("highest of 3 tags"),
        kind=ArtifactKind.CHART,
    )
    path = tmp_path / "apps/ingress.yaml"
    assert app.files(app.config.environment("staging")) == [path]
    _, written = edits.edit(app, Release("staging", (change,)), tmp_path, {path: APPLICATIONS}, [])
    # production's Application is not staging's to edit
    assert written == {path: APPLICATIONS.replace("targetRevision: 4.10.1", "targetRevision: 4.11.0")}


def test_the_history_reads_each_environments_own_application_of_a_shared_file(tmp_path: Path) -> None:
    test_of_a_file_holding_both_environments_applications_each_reads_and_releases_its_own(tmp_path)
    ids = ["-c", "user.name=dev", "-c", "user.email=dev@example.com"]
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, *ids, "commit", "-qm", "ingress"], check=True)
    path = tmp_path / "apps/ingress.yaml"
    path.write_text(APPLICATIONS.replace("targetRevision: 4.9.0", "targetRevision: 4.9.1"))
    subprocess.run([*git, *ids, "commit", "-qam", "production: ingress-nginx 4.9.1"], check=True)
    app = open_app(tmp_path)
    read = {
        e: history.read(app, app.config.environment(e), Checkout(tmp_path), "HEAD", tmp_path)
        for e in ("staging", "production")
    }
    newest = read["production"][0]
    assert (newest.charts, newest.changed_charts) == ({"ingress-nginx": "4.9.1"}, ("ingress-nginx",))
    # the commit moved production's Application alone: staging's version stayed, no release of it
    assert [(r.charts, r.changed_charts) for r in read["staging"]] == [
        ({"ingress-nginx": "4.10.1"}, ("ingress-nginx",))
    ]


def test_a_configured_chart_no_environment_pins_is_said_in_each_not_left_out(tmp_path: Path) -> None:
    app = _app(tmp_path, SHARED, CHARTS + "- name: cert-manager\n  repository: https://charts.jetstack.io\n")
    for env in ("development", "staging", "production"):
        item = planning.chart_item(_targets(app, env)["cert-manager"], None)
        assert item.action is PlanAction.SKIP
        assert (
            f"files {env} renders pins chart 'cert-manager' of https://charts.jetstack.io (fix: drop it "
            in item.reason
        )
        assert "from charts: (no environment pins it)" in item.reason


def test_a_chart_of_the_configured_name_from_another_repository_is_named_with_it(tmp_path: Path) -> None:
    app = _app(
        tmp_path, OWN, CHARTS.replace("https://kyverno.github.io/kyverno/", "oci://ghcr.io/kyverno/charts")
    )
    item = planning.chart_item(_targets(app, "development")["kyverno"], None)
    assert item.action is PlanAction.SKIP
    assert item.reason == (
        "chart 'kyverno' at platform/services/kyverno.yaml:28 is from https://kyverno.github.io/kyverno, "
        "not oci://ghcr.io/kyverno/charts (fix: write the chart's repository as the files do)"
    )


FLUX_HELM = TEST_DATA / "repos" / "fluxcd__flux2-kustomize-helm-example"


def _flux(tmp_path: Path) -> Path:
    work = tmp_path / "flux"
    shutil.copytree(FLUX_HELM, work)
    base = work / "apps/base/podinfo/release.yaml"
    base.write_text(
        base.read_text().replace("      chart: podinfo\n", "      chart: podinfo\n      version: 6.0.0\n")
    )
    for env, version in (("production", "6.1.0"), ("staging", None)):
        patch = work / f"apps/{env}/podinfo-values.yaml"
        text = patch.read_text()
        old = next(line for line in text.splitlines() if line.strip().startswith("version:"))
        patch.write_text(text.replace(old + "\n", f"      version: {version}\n" if version else ""))
    (work / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\ncharts:\n- name: podinfo\n  repository: https://stefanprodan.github.io/podinfo\n"
        "environments:\n- {name: staging, path: apps/staging}\n- {name: production, path: apps/production}\n"
    )
    return work


def test_an_environments_own_patch_of_a_shared_helmrelease_is_its_version_and_its_release(
    tmp_path: Path,
) -> None:
    """fluxcd/flux2-kustomize-helm-example (the corpus's copy): a base HelmRelease both overlays
    build on, each overlay patching it. With the base pinning 6.0.0 and production's patch
    pinning 6.1.0, production runs and releases its own; staging's patch without a version
    leaves it on the shared base."""
    work = _flux(tmp_path)
    app = open_app(work)
    production, staging = (_targets(app, e)["podinfo"] for e in ("production", "staging"))
    assert (production.place, production.version, production.shared_with) == (
        "apps/production/podinfo-values.yaml:9",
        "6.1.0",
        (),
    )
    assert (staging.place, staging.version, staging.shared_with) == (
        "apps/base/podinfo/release.yaml:12",
        "6.0.0",
        ("production",),
    )
    assert planning.chart_item(staging, Choice("6.2.0", "highest")).action is PlanAction.SKIP
    edited = {p.relative_to(work).as_posix() for p in app.files(app.config.environment("production"))}
    assert "apps/production/podinfo-values.yaml" in edited and "apps/base/podinfo/release.yaml" not in edited
    change = Change(
        environment="production",
        image="podinfo",
        repository="https://stefanprodan.github.io/podinfo",
        files=("apps/production/podinfo-values.yaml",),
        from_tag="6.1.0",
        from_digest=None,
        to_tag="6.2.0",
        to_digest=None,
        reason=Outside("highest"),
        kind=ArtifactKind.CHART,
    )
    texts = {p: p.read_text() for p in app.files(app.config.environment("production"))}
    _, written = edits.edit(app, Release("production", (change,)), work, texts, [])
    patch = work / "apps/production/podinfo-values.yaml"
    assert list(written) == [patch]
    assert written[patch] == texts[patch].replace("version: 6.1.0", "version: 6.2.0")


def test_the_history_reads_an_own_patch_of_a_shared_helmrelease(tmp_path: Path) -> None:
    work = _flux(tmp_path)
    ids = ["-c", "user.name=dev", "-c", "user.email=dev@example.com"]
    git = ["git", "-C", str(work)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, *ids, "commit", "-qm", "podinfo"], check=True)
    patch = work / "apps/production/podinfo-values.yaml"
    patch.write_text(patch.read_text().replace("version: 6.1.0", "version: 6.1.1"))
    subprocess.run([*git, *ids, "commit", "-qam", "production: podinfo 6.1.1"], check=True)
    app = open_app(work)
    read = history.read(app, app.config.environment("production"), Checkout(work), "HEAD", work)
    assert [(r.charts, r.changed_charts) for r in read] == [
        ({"podinfo": "6.1.1"}, ("podinfo",)),
        ({"podinfo": "6.1.0"}, ("podinfo",)),
    ]


def test_only_a_document_of_a_chart_pinning_kind_is_parsed_for_chart_sites() -> None:
    crd = "kind: CustomResourceDefinition\nspec:\n  names:\n    kind: HelmRelease\n    plural: helmreleases\n"
    assert not charts.may_pin(crd, "gotk-components.yaml")
    kyverno = (SDLC / "platform/services/kyverno.yaml").read_text()
    assert charts.may_pin(kyverno, "platform/services/kyverno.yaml")
    assert charts.may_pin("resources: []\nhelmCharts:\n- name: x\n", "kustomization.yaml")
    assert charts.may_pin("apiVersion: v2\nname: umbrella\n", "charts/umbrella/Chart.yaml")


# the shape of AmirMalaeb/eks-argocd-gitops apps/applicationsets/platform-components.yaml: a
# matrix of charts (each version in its list element) and environments
PLATFORM = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: platform-components
spec:
  generators:
  - matrix:
      generators:
      - list:
          elements:
          - {component: kyverno, repoUrl: 'https://kyverno.github.io/kyverno/', chart: kyverno, chartVersion: "3.4.0"}
      - list:
          elements:
          - environment: dev
          - environment: production
  template:
    metadata:
      name: '{{component}}-{{environment}}'
    spec:
      source:
        repoURL: '{{repoUrl}}'
        chart: '{{chart}}'
        targetRevision: '{{chartVersion}}'
"""
# a version per environment, each in its own element
PER_ENV = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: kyverno
spec:
  generators:
  - list:
      elements:
      - {environment: dev, version: 3.4.0}
      - {environment: production, version: 3.3.0}
  template:
    metadata:
      name: 'kyverno-{{environment}}'
    spec:
      source:
        repoURL: https://kyverno.github.io/kyverno
        chart: kyverno
        targetRevision: '{{version}}'
"""
KYVERNO = "charts:\n- name: kyverno\n  repository: https://kyverno.github.io/kyverno/\n"


def _appset_app(tmp_path: Path, text: str, named: bool) -> App:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps/platform.yaml").write_text(text)
    envs = "".join(
        f"- name: {e}\n  path: apps/platform.yaml\n"
        + (f"  argocd_application: kyverno-{e}\n" if named else "")
        for e in ("dev", "production")
    )
    gate = "argocd: {server: 'https://argocd.example.com'}\n" if named else ""
    (tmp_path / "gitops-bot.yaml").write_text(f"version: 1\n{gate}images: []\n{KYVERNO}environments:\n{envs}")
    return open_app(tmp_path)


@pytest.mark.parametrize("named", [False, True], ids=["unnamed", "named"])
def test_a_list_element_every_environment_reads_is_a_shared_place_never_edited_for_one(
    tmp_path: Path, named: bool
) -> None:
    app = _appset_app(tmp_path, PLATFORM, named)
    dev = _targets(app, "dev")["kyverno"]
    assert (dev.place, dev.version, dev.shared_with) == ("apps/platform.yaml:11", "3.4.0", ("production",))
    item = planning.chart_item(dev, Choice("3.4.1", "highest of 2 tags"))
    assert item.action is PlanAction.SKIP
    assert item.reason.endswith(
        "(fix: give dev an Application file of its own, named as its path (of an ApplicationSet: a list "
        "element of its own, its generated Application named in dev's argocd_application); releases then go there)"
    )


def test_an_environment_naming_its_generated_application_releases_its_own_element(tmp_path: Path) -> None:
    app = _appset_app(tmp_path, PER_ENV, named=True)
    dev, production = (_targets(app, e)["kyverno"] for e in ("dev", "production"))
    assert (dev.place, dev.version, dev.shared_with) == ("apps/platform.yaml:9", "3.4.0", ())
    assert (production.place, production.version, production.shared_with) == (
        "apps/platform.yaml:10",
        "3.3.0",
        (),
    )
    change = Change(
        environment="production",
        image="kyverno",
        repository="https://kyverno.github.io/kyverno/",
        files=("apps/platform.yaml",),
        from_tag="3.3.0",
        from_digest=None,
        to_tag="3.5.0",
        to_digest=None,
        reason=Outside("highest of 3 tags"),
        kind=ArtifactKind.CHART,
    )
    path = tmp_path / "apps/platform.yaml"
    _, written = edits.edit(app, Release("production", (change,)), tmp_path, {path: PER_ENV}, [])
    assert written == {path: PER_ENV.replace("version: 3.3.0", "version: 3.5.0")}  # dev's left alone


def test_an_environment_none_of_whose_names_say_it_reads_every_element_as_shared(tmp_path: Path) -> None:
    # the generated names carry no environment's name (kyverno-3.4.0): none is dev's alone
    app = _appset_app(
        tmp_path, PER_ENV.replace("kyverno-{{environment}}", "kyverno-{{version}}"), named=False
    )
    dev = app.chart_pins(app.config.environment("dev"))
    assert [(p.site.line, p.shared_with) for p in dev] == [(9, ("production",)), (10, ("production",))]


def test_an_environment_reads_the_generated_application_its_name_says_as_a_written_one(
    tmp_path: Path,
) -> None:
    # kyverno-dev has dev as a word of its name, as app-dev of a file of written Applications
    app = _appset_app(tmp_path, PER_ENV, named=False)
    dev = app.chart_pins(app.config.environment("dev"))
    assert [(p.site.line, p.shared_with) for p in dev] == [(9, ())]


RETAIL = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: retail-store
spec:
  generators:
  - list:
      elements:
      - {service: ui, chart: retail-store-sample-ui-chart}
      - {service: cart, chart: retail-store-sample-cart-chart}
  template:
    metadata:
      name: 'retail-store-{{service}}'
    spec:
      source:
        repoURL: public.ecr.aws/aws-containers
        chart: '{{chart}}'
        targetRevision: 1.3.0
"""


def test_one_value_setting_several_charts_is_not_released_for_one_of_them(tmp_path: Path) -> None:
    """eks-argocd-gitops' retail-store: the template's 1.3.0 is every chart's version; the plan
    says so before an update would refuse the edit."""
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps/retail.yaml").write_text(RETAIL)
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\nimages: []\ncharts:\n- name: retail-store-sample-ui-chart\n"
        "  repository: public.ecr.aws/aws-containers\n"
        "environments:\n- {name: dev, path: apps/retail.yaml}\n"
    )
    app = open_app(tmp_path)
    ui = _targets(app, "dev")["retail-store-sample-ui-chart"]
    assert (ui.place, ui.version, ui.shared_with) == ("apps/retail.yaml:18", "1.3.0", ())
    item = planning.chart_item(ui, Choice("1.4.0", "highest of 2 tags"))
    assert item.action is PlanAction.SKIP
    assert item.reason == (
        "pinned in apps/retail.yaml:18, one value that sets the versions of charts "
        "retail-store-sample-cart-chart too; a release of retail-store-sample-ui-chart alone does not "
        "edit it (fix: write each chart's version in its own list element)"
    )


def test_the_history_reads_the_elements_of_the_generated_applications_an_environment_names(
    tmp_path: Path,
) -> None:
    _appset_app(tmp_path, PER_ENV, named=True)
    ids = ["-c", "user.name=dev", "-c", "user.email=dev@example.com"]
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, *ids, "commit", "-qm", "kyverno"], check=True)
    path = tmp_path / "apps/platform.yaml"
    path.write_text(PER_ENV.replace("version: 3.3.0", "version: 3.3.1"))
    subprocess.run([*git, *ids, "commit", "-qam", "production: kyverno 3.3.1"], check=True)
    app = open_app(tmp_path)
    read = {
        e: history.read(app, app.config.environment(e), Checkout(tmp_path), "HEAD", tmp_path)
        for e in ("dev", "production")
    }
    assert (read["production"][0].charts, read["production"][0].changed_charts) == (
        {"kyverno": "3.3.1"},
        ("kyverno",),
    )
    # production's element moved alone: dev's 3.4.0 stayed, no release of it
    assert [(r.charts, r.changed_charts) for r in read["dev"]] == [({"kyverno": "3.4.0"}, ("kyverno",))]


def test_a_chart_pinned_in_several_places_of_one_environment_names_each(tmp_path: Path) -> None:
    """opspresso/argocd-env-addons: the helper chart raw is a dependency of nine wrapper charts one
    environment renders; a release edits all nine, and the plan named only the first."""
    from gitops_bot.engine.app import open_app
    from testkit.local_git import write

    wrapper = (
        "apiVersion: v2\nname: {n}\nversion: 0.1.0\ndependencies:\n"
        "- name: raw\n  repository: https://charts.example.com/raw\n  version: 0.2.5\n"
    )
    files = {f"charts/{n}/Chart.yaml": wrapper.format(n=n) for n in ("alloy", "loki", "grafana", "kite")}
    files["gitops-bot.yaml"] = (
        "version: 1\nimages: []\ncharts:\n- name: raw\n  repository: https://charts.example.com/raw\n"
        "environments:\n- name: demo\n  paths: [charts/alloy, charts/grafana, charts/kite, charts/loki]\n"
    )
    app = open_app(write(tmp_path, files))
    raw = _targets(app, "demo")["raw"]
    assert raw.place == "charts/alloy/Chart.yaml:7"
    assert raw.also == ("charts/grafana/Chart.yaml:7", "charts/kite/Chart.yaml:7", "charts/loki/Chart.yaml:7")
    reading = raw.reading()
    assert (
        reading.describe()
        == "pinned at charts/alloy/Chart.yaml:7 and 3 more (from https://charts.example.com/raw)"
    )
    assert reading.to_json()["also"] == list(raw.also)


def test_a_wrapper_charts_dependency_is_never_bumped_under_an_environment_not_configured(
    tmp_path: Path,
) -> None:
    """PrabakarNallamuthu/OpsCD-GitOps (newcomer11 F20), reduced: charts/kong/Chart.yaml pins the
    kong dependency that values-dev.yaml and values-prod.yaml both render; gitops-bot.yaml
    configures dev alone. A bump of the Chart.yaml is one edit that moves prod's deployment too:
    skipped, naming it, never released as dev's own. With prod configured as well, as before."""
    from testkit.local_git import write

    config = (
        "version: 1\nimages: []\ncharts:\n- name: kong\n  repository: https://charts.konghq.com\n"
        "environments:\n- name: dev\n  path: charts/kong/values-dev.yaml\n"
    )
    files = {
        "charts/kong/Chart.yaml": "apiVersion: v2\nname: kong\nversion: 0.1.0\ndependencies:\n- name: kong\n"
        "  repository: https://charts.konghq.com\n  version: 2.38.0\n",
        "charts/kong/values.yaml": "kong: {}\n",
        "charts/kong/values-dev.yaml": "kong: {replicas: 1}\n",
        "charts/kong/values-prod.yaml": "kong: {replicas: 3}\n",
        "gitops-bot.yaml": config,
    }
    app = open_app(write(tmp_path / "one", files))
    kong = _targets(app, "dev")["kong"]
    assert kong.shared_with == ("the environment of charts/kong/values-prod.yaml (not in gitops-bot.yaml)",)
    item = planning.chart_item(kong, Choice("2.39.0", "newer"))
    assert item.action is PlanAction.SKIP, item
    assert item.reason.startswith(
        "pinned in charts/kong/Chart.yaml:7, which the environment of charts/kong/values-prod.yaml (not in "
        "gitops-bot.yaml) renders too; a release for dev alone does not edit it"
    ), item.reason
    assert "charts/kong/Chart.yaml" not in app.repo_paths(app.config.environment("dev"), tmp_path / "one")
    both = config + "- name: prod\n  path: charts/kong/values-prod.yaml\n"
    app = open_app(write(tmp_path / "two", {**files, "gitops-bot.yaml": both}))
    assert _targets(app, "dev")["kong"].shared_with == ("prod",)
