"""The marked render of a chart in the repository (the real helm from ``.tools/bin``): each
Argo CD Application's values place is written with a marker and the chart rendered once more.
A values file whose marker reaches the render stands; one whose chart's template writes the
image itself (``nginx:latest``, so the values are dead) would release nothing, and is said with
the template and the fix, where ``update`` edited that dead line."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.config import load
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/web"
CONFIG = f"""version: 1
render: {{kubectl: {{kubectl}}, helm: {{helm}}}}
images:
  - name: {IMAGE}
    policy: semver
    helm: {{repository: image.repository, tag: image.tag}}
environments:
  - name: dev
    path: apps/dev.yaml
  - name: prod
    path: apps/prod.yaml
"""
APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {env}}}
spec:
  destination: {{namespace: {env}}}
  source:
    repoURL: https://github.com/acme/deploy.git
    path: charts/{chart}
    helm: {{valueFiles: [values-{env}.yaml]}}
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: %s
"""


def _proved(root: Path) -> tuple[dict[str, EnvironmentReading], dict[str, EnvironmentReading]]:
    files = {"gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl()).replace("{helm}", helm())}
    for env, chart, image in (
        ("dev", "live", "'{{ .Values.image.repository }}:{{ .Values.image.tag }}'"),
        ("prod", "dead", f"{IMAGE}:latest"),
    ):
        files[f"apps/{env}.yaml"] = APP.format(env=env, chart=chart)
        files[f"charts/{chart}/Chart.yaml"] = f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n"
        files[f"charts/{chart}/values.yaml"] = f"image: {{repository: {IMAGE}, tag: '1.0.0'}}\n"
        files[f"charts/{chart}/values-{env}.yaml"] = "image:\n  tag: 1.1.0\n"
        files[f"charts/{chart}/templates/deployment.yaml"] = TEMPLATE % image
    write(root, files)
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules, proven.prove(config, root, list(config.environments), specs, rules)


def test_a_values_place_the_chart_takes_stands_and_a_dead_one_is_said(tmp_path: Path) -> None:
    rules, judged = _proved(tmp_path)
    assert rules["dev"].images[0].status is PinStatus.PINNED
    assert judged["dev"] == rules["dev"]
    assert rules["prod"].images[0].status is PinStatus.PINNED  # the rules read the dead line
    prod = judged["prod"].images[0]
    assert prod.status is PinStatus.UNSUPPORTED
    assert prod.reason is not None and prod.fix is not None
    assert prod.reason.startswith("a release writing charts/dead/values-prod.yaml"), prod.reason
    assert f"dead/templates/deployment.yaml renders {IMAGE}:latest" in prod.reason, prod.reason
    assert "make dead/templates/deployment.yaml take the image from the values" in prod.fix


def _app_version(root: Path, template: str) -> tuple[EnvironmentReading, EnvironmentReading]:
    """prod over a chart whose values file names the repository and no tag, the template given."""
    files = {
        "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl()).replace("{helm}", helm()),
        "apps/dev.yaml": APP.format(env="dev", chart="app"),
        "charts/app/values-dev.yaml": "image:\n  tag: 1.0.0\n",
        "apps/prod.yaml": APP.format(env="prod", chart="app"),
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: 1.0.0\n",
        "charts/app/values.yaml": f"image: {{repository: {IMAGE}}}\n",
        "charts/app/values-prod.yaml": "replicas: 2\n",
        "charts/app/templates/deployment.yaml": TEMPLATE % template,
    }
    write(root, files)
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules["prod"], proven.prove(config, root, list(config.environments), specs, rules)["prod"]


def test_a_tag_from_app_version_is_said_with_what_runs_and_the_values_key_that_would_take_it(
    tmp_path: Path,
) -> None:
    rules, judged = _app_version(
        tmp_path, "'{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}'"
    )
    assert rules.images[0].status is PinStatus.UNSUPPORTED  # the key a release would add is not there
    (prod,) = judged.images
    assert prod.status is PinStatus.UNSUPPORTED and prod.reason is not None
    assert prod.reason.startswith(rules.images[0].reason or "?"), prod.reason
    assert prod.reason.endswith(
        f"; prod runs {IMAGE}:1.0.0, its tag the chart's appVersion (charts/app/Chart.yaml:4), which "
        "image.tag in charts/app/values-prod.yaml would override (the marked render shows it)"
    ), prod.reason
    assert prod.fix == rules.images[0].fix


def test_a_values_key_the_template_never_reads_is_not_the_fix(tmp_path: Path) -> None:
    rules, judged = _app_version(tmp_path, "'{{ .Values.image.repository }}:{{ .Chart.AppVersion }}'")
    assert rules.images[0].fix == "add 'image.tag' to the values file (an empty string will do)"
    (prod,) = judged.images
    assert prod.status is PinStatus.UNSUPPORTED and prod.reason is not None and prod.fix is not None
    assert prod.reason.endswith(
        f"; prod runs {IMAGE}:1.0.0, its tag the chart's appVersion (charts/app/Chart.yaml:4), and "
        "image.tag in charts/app/values-prod.yaml would change nothing it renders (the marked render shows it)"
    ), prod.reason
    assert prod.fix.startswith("make app/templates/deployment.yaml take the tag from the values"), prod.fix


def test_an_app_of_apps_kustomization_is_proven_through_its_build(tmp_path: Path) -> None:
    # root deploys children/, a kustomization of two Applications whose patch points dev's at
    # values-qa.yaml: the reading follows the build, and the marked render builds it too, so
    # the marker written in values-qa.yaml reaches dev's render (as written, dev's Application
    # names values-dev.yaml, which a release there would leave unchanged)
    root_app = APP.format(env="root", chart="x").replace("path: charts/x", "path: children")
    patch = "- op: replace\n  path: /spec/source/helm/valueFiles/0\n  value: values-qa.yaml\n"
    files = {
        "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl())
        .replace("{helm}", helm())
        .replace("path: apps/dev.yaml", "path: root.yaml")
        .replace("  - name: prod\n    path: apps/prod.yaml\n", ""),
        "root.yaml": root_app.replace("    helm: {valueFiles: [values-root.yaml]}\n", ""),
        "children/kustomization.yaml": "resources: [dev.yaml]\npatches:\n  - path: qa.yaml\n"
        "    target: {kind: Application, name: dev}\n",
        "children/dev.yaml": APP.format(env="dev", chart="app"),
        "children/qa.yaml": patch,
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "charts/app/values.yaml": f"image: {{repository: {IMAGE}, tag: '1.0.0'}}\n",
        "charts/app/values-dev.yaml": "image:\n  tag: 1.1.0\n",
        "charts/app/values-qa.yaml": "image:\n  tag: 2.0.0\n",
        "charts/app/templates/deployment.yaml": TEMPLATE
        % "'{{ .Values.image.repository }}:{{ .Values.image.tag }}'",
    }
    write(tmp_path, files)
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path, render=config.render).read(
        sources
    )
    (image,) = read["dev"].images
    assert image.effective is not None and image.effective.place == "charts/app/values-qa.yaml:2", image
    (judged,) = proven.prove(config, tmp_path, list(config.environments), specs, read)["dev"].images
    assert judged == image, judged.reason


def test_a_values_tag_that_reaches_only_a_label_is_no_proof(tmp_path: Path) -> None:
    """The dead chart's template also writes the values' tag into a label: the marker is in
    the render, but in no image, so a release there still changes nothing that runs."""
    rules, _ = _proved(tmp_path)
    labelled = TEMPLATE.replace(
        "metadata: {name: web}", "metadata:\n  name: web\n  labels: {version: '{{ .Values.image.tag }}'}"
    )
    (tmp_path / "charts/dead/templates/deployment.yaml").write_text(labelled % f"{IMAGE}:latest")
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    prod = proven.prove(config, tmp_path, list(config.environments), specs, rules)["prod"].images[0]
    assert prod.status is PinStatus.UNSUPPORTED, prod
    assert prod.reason is not None and f"renders {IMAGE}:latest" in prod.reason, prod.reason


def test_a_chart_default_every_environment_overrides_runs_nowhere(tmp_path: Path) -> None:
    # the chart's own image (a rollback canary) is replaced by each environment's values: the
    # marked render shows no container running it, so it is not rendered there, never a release
    # with a fix telling a correct chart to take the image from the values it already reads
    other = "ghcr.io/acme/rollback-me"
    files = {
        "gitops-bot.yaml": (
            f"version: 1\nrender: {{kubectl: {kubectl()}, helm: {helm()}}}\nimages:\n"
            + "".join(
                f"  - name: {n}\n    policy: semver\n    helm: {{repository: image.repository, tag: image.tag}}\n"
                for n in (other, IMAGE)
            )
            + "environments:\n  - name: dev\n    path: apps/dev.yaml\n"
        ),
        "apps/dev.yaml": APP.format(env="dev", chart="live"),
        "charts/live/Chart.yaml": "apiVersion: v2\nname: live\nversion: 0.1.0\n",
        "charts/live/values.yaml": f"image: {{repository: {other}, tag: latest}}\n",
        "charts/live/values-dev.yaml": f"image:\n  repository: {IMAGE}\n  tag: 1.1.0\n",
        "charts/live/templates/deployment.yaml": TEMPLATE
        % "'{{ .Values.image.repository }}:{{ .Values.image.tag }}'",
    }
    write(tmp_path, files)
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE, other)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    dev = proven.prove(config, tmp_path, list(config.environments), specs, rules)["dev"]
    canary = dev.image(other)
    assert canary is not None and canary.status is PinStatus.NOT_RENDERED, canary
    assert canary.reason is not None and "renders no container running rollback-me" in canary.reason
    web = dev.image(IMAGE)
    assert web is not None and web.status is PinStatus.PINNED, web


def test_a_chart_installed_by_hand_whose_template_writes_the_tag_is_said(tmp_path: Path) -> None:
    """A chart an environment's path is (dev), or a values file beside one (prod), with no
    Application or HelmRelease over it (helm install): its template writes the tag itself, so
    the values' tag is dead. The marked render judged only the charts deployer objects render,
    so plan proposed for each a release that changes nothing (a note said so, the release stood)."""
    files = {
        "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl())
        .replace("{helm}", helm())
        .replace("apps/dev.yaml", "charts/dev")
        .replace("apps/prod.yaml", "charts/prod/values-prod.yaml"),
        "charts/prod/values-prod.yaml": "image:\n  tag: 1.1.0\n",
    }
    for chart in ("dev", "prod"):
        files[f"charts/{chart}/Chart.yaml"] = f"apiVersion: v2\nname: {chart}\nversion: 0.1.0\n"
        files[f"charts/{chart}/values.yaml"] = f"image: {{repository: {IMAGE}, tag: '1.0.0'}}\n"
        files[f"charts/{chart}/templates/deployment.yaml"] = (
            TEMPLATE % "'{{ .Values.image.repository }}:1.0.2'"
        )
    write(tmp_path, files)
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    judged = proven.prove(config, tmp_path, list(config.environments), specs, rules)
    for env, place in (("dev", "charts/dev/values.yaml"), ("prod", "charts/prod/values-prod.yaml")):
        assert rules[env].images[0].status is PinStatus.PINNED, rules[env]
        (image,) = judged[env].images
        assert image.status is PinStatus.UNSUPPORTED, (env, image)
        assert image.reason is not None and image.reason.startswith(f"a release writing {place}"), (
            image.reason
        )
        assert f"{env}/templates/deployment.yaml renders {IMAGE}:1.0.2" in image.reason, image.reason


def test_a_values_place_an_argocd_source_file_overrides_names_that_file_in_the_fix(tmp_path: Path) -> None:
    """argocd-image-updater's write-back (.argocd-source-dev.yaml: helm.parameters image.tag),
    which Argo CD merges over dev's source, sets what runs: the values file's tag is dead, and the
    fix told the user to make the template, which reads the values already, take the image from them."""
    _proved(tmp_path)
    (tmp_path / "charts/live/.argocd-source-dev.yaml").write_text(
        "helm:\n  parameters:\n  - name: image.tag\n    value: 1.0.2\n"
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    (dev,) = proven.prove(config, tmp_path, list(config.environments), specs, rules)["dev"].images
    assert dev.status is PinStatus.UNSUPPORTED, dev
    assert dev.reason is not None and f"renders {IMAGE}:1.0.2" in dev.reason, dev.reason
    assert dev.fix is not None and dev.fix.startswith(
        "Argo CD merges charts/live/.argocd-source-dev.yaml over Application dev's source"
    ), dev.fix


def test_values_of_a_release_of_a_chart_fetched_elsewhere_are_not_judged_by_another_charts_render(
    tmp_path: Path,
) -> None:
    """aclerici38/home-ops@HEAD, kubernetes/apps/raphael: jellyfin's HelmRelease takes app-template
    from an OCIRepository (never fetched here), beside a HelmRelease of the repository's own
    resource-bundle chart, which helm renders. The jellyfin tag's marker was looked for in that
    render alone and, missing, said "helm template of raphael renders no container running
    jellyfin" (16 pins in two clusters): helm never rendered jellyfin's chart, so its render
    proves nothing about those values. (A folder of files with no kustomization, as Flux applies
    it: read file by file.)"""
    oci = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: jellyfin}\n"
        "spec:\n  chartRef: {kind: OCIRepository, name: app-template, namespace: flux-system}\n"
        "  values:\n    image:\n      repository: ghcr.io/acme/web\n      tag: 1.1.0\n"
    )
    bundle = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: jellyfin-bundle}\n"
        "spec:\n  chart:\n    spec:\n      chart: ./charts/bundle\n"
        "      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
        "  values: {name: jellyfin}\n"
    )
    files = {
        "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl())
        .replace("{helm}", helm())
        .split("environments:")[0]
        + "environments:\n  - name: raphael\n    path: cluster\n",
        "cluster/jellyfin.yaml": oci,
        "cluster/bundle.yaml": bundle,
        "charts/bundle/Chart.yaml": "apiVersion: v2\nname: bundle\nversion: 0.6.0\n",
        "charts/bundle/values.yaml": "name: app\n",
        "charts/bundle/templates/config.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '{{ .Values.name }}-bundle'}\ndata: {a: b}\n"
        ),
    }
    write(tmp_path, files)
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    assert rules["raphael"].images[0].status is PinStatus.PINNED, rules["raphael"].images[0]
    judged = proven.prove(config, tmp_path, list(config.environments), specs, rules)
    assert judged["raphael"].images[0] == rules["raphael"].images[0], judged["raphael"].images[0]
