"""Charts in the repository rendered with the real helm, as Argo CD and Flux render them: an
Application's value files in layers then its values and parameters, a chart whose tag defaults
to its appVersion, an app of apps whose yielded Applications are rendered again, a Flux
HelmRelease under a kustomize overlay (the overlay's patch applied first, a ConfigMap's values
under spec.values), a remote chart never fetched, and a template's literal image, which the
reading holds against the values file the rules read."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images, workloads
from gitops_bot.render import helm_render, reader, rendered_reading, running
from gitops_bot.render import walk as walks
from gitops_bot.render.settings import RenderSettings
from testkit import kubetools

CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: '{app}'\n"
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "%s"
"""
FROM_VALUES = TEMPLATE % "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", kubetools.helm())
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubetools.kubectl())


def _chart(root: Path, rel: str, template: str = FROM_VALUES, app: str = "9.9", values: str = "") -> None:
    (root / rel / "templates").mkdir(parents=True)
    (root / rel / "Chart.yaml").write_text(CHART.format(app=app))
    (root / rel / "values.yaml").write_text(values or "image:\n  repository: ghcr.io/acme/web\n  tag: ''\n")
    (root / rel / "templates" / "d.yaml").write_text(template)


def _images(root: Path, text: str) -> list[str]:
    got = helm_render.render(RenderSettings(), root, helm_render.objects(text))
    assert got.failed == ()
    return sorted(r.image for t in got.texts for r in running.running(t))


APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}}}
spec:
  destination: {{namespace: {name}}}
  source:
    repoURL: https://github.com/acme/deploy.git
    path: {path}
{helm}"""


def test_an_application_layers_value_files_then_values_then_parameters(tmp_path: Path) -> None:
    _chart(tmp_path, "chart")
    (tmp_path / "chart" / "values-dev.yaml").write_text("image: {tag: '1.0'}\n")
    (tmp_path / "chart" / "values-dev-2.yaml").write_text("image: {tag: '1.1'}\n")
    layered = "    helm:\n      valueFiles: [values-dev.yaml, values-dev-2.yaml]\n"
    assert _images(tmp_path, APP.format(name="a", path="chart", helm=layered)) == ["ghcr.io/acme/web:1.1"]
    inline = layered + "      values: |\n        image: {tag: '1.2'}\n"
    assert _images(tmp_path, APP.format(name="a", path="chart", helm=inline)) == ["ghcr.io/acme/web:1.2"]
    obj = inline + "      valuesObject: {image: {tag: '1.3'}}\n"
    assert _images(tmp_path, APP.format(name="a", path="chart", helm=obj)) == ["ghcr.io/acme/web:1.3"]
    param = obj + "      parameters: [{name: image.tag, value: '1.4', forceString: true}]\n"
    assert _images(tmp_path, APP.format(name="a", path="chart", helm=param)) == ["ghcr.io/acme/web:1.4"]


def test_the_tag_defaults_to_the_charts_app_version(tmp_path: Path) -> None:
    _chart(tmp_path, "chart", app="2.7.1")
    assert _images(tmp_path, APP.format(name="a", path="chart", helm="")) == ["ghcr.io/acme/web:2.7.1"]


def test_a_ref_value_file_of_the_same_repository(tmp_path: Path) -> None:
    _chart(tmp_path, "chart")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "prod.yaml").write_text("image: {tag: '3.0'}\n")
    (tmp_path / "envs" / "other.yaml").write_text("image: {tag: '6.6'}\n")
    app = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: prod}
spec:
  sources:
  - repoURL: git@github.com:acme/deploy
    path: chart
    helm: {valueFiles: [$values/envs/prod.yaml, $far/envs/other.yaml]}
  - {repoURL: 'https://github.com/acme/deploy.git', ref: values}
  - {repoURL: 'https://github.com/acme/elsewhere.git', ref: far}
"""
    assert _images(tmp_path, app) == ["ghcr.io/acme/web:3.0"]


def test_an_app_of_apps_renders_each_application_it_yields(tmp_path: Path) -> None:
    _chart(tmp_path, "web")
    (tmp_path / "web" / "values-qa.yaml").write_text("image: {tag: '4.0'}\n")
    children = "\n---\n".join(
        APP.format(
            name=n, path="web", helm=f"    helm: {{valueFiles: [values-{n}.yaml]}}\n" if n == "qa" else ""
        )
        for n in ("qa", "stage")
    )
    _chart(tmp_path, "apps", template="", values="{}\n")
    (tmp_path / "apps" / "templates" / "apps.yaml").write_text(children.replace("{{", "{{ `{{` }}"))
    root = helm_render.objects(APP.format(name="root", path="apps", helm=""))
    assert _images(tmp_path, APP.format(name="root", path="apps", helm="")) == [
        "ghcr.io/acme/web:4.0",
        "ghcr.io/acme/web:9.9",
    ]
    # an environment whose own yielded Application is qa renders qa's alone (not every one)
    own = helm_render.render(RenderSettings(), tmp_path, root, own=("qa",))
    assert sorted(r.image for t in own.texts for r in running.running(t)) == ["ghcr.io/acme/web:4.0"]
    # and one a kustomization: rendered by the caller's kustomize, with what it reads
    (tmp_path / "k").mkdir()
    (tmp_path / "k" / "kustomization.yaml").write_text("resources: [d.yaml]\n")
    (tmp_path / "k" / "d.yaml").write_text(
        TEMPLATE.replace("{{ .Release.Name }}", "k") % "ghcr.io/acme/k:1.0"
    )
    (tmp_path / "apps" / "templates" / "k.yaml").write_text(APP.format(name="k", path="k", helm=""))
    seen: list[str] = []

    def kustomize(root: Path, directory: Path, application: dict[str, object] | None = None) -> str:
        seen.append(directory.relative_to(root).as_posix())
        assert application is not None and application["metadata"] == {"name": "k"}
        return (directory / "d.yaml").read_text()

    got = helm_render.render(RenderSettings(), tmp_path, root, kustomize, own=("k",))
    assert seen == ["k"]
    assert sorted(r.image for t in got.texts for r in running.running(t)) == ["ghcr.io/acme/k:1.0"]


def test_a_template_literal_is_what_runs(tmp_path: Path) -> None:
    _chart(
        tmp_path,
        "chart",
        template=TEMPLATE % "nginx:latest",
        values="image: {repository: nginx, tag: '1.25'}\n",
    )
    (tmp_path / "chart" / "values-dev.yaml").write_text("image:\n  repository: nginx\n  tag: '1.27'\n")
    (tmp_path / "dev.yaml").write_text(
        APP.format(name="dev", path="chart", helm="    helm: {valueFiles: [values-dev.yaml]}\n")
    )
    helm = {"repository": "image.repository", "tag": "image.tag"}
    specs = [images.ImageSpec("nginx", workloads.repository_key("nginx"), helm)]
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(
        [reader.Source("dev", ("dev.yaml",), ("nginx",))]
    )
    got = rendered_reading.held_to_render(RenderSettings(), tmp_path, tmp_path, read, {"dev": ("dev.yaml",)})
    assert any("but the render runs Deployment/dev web nginx:latest" in n for n in got["dev"].notes), got[
        "dev"
    ].notes


def test_a_chart_helm_refuses_blocks_its_own_images_not_its_neighbours(tmp_path: Path) -> None:
    """carbonauten/gitops-starter@0085fdd4 (found by a newcomer): four Applications of one
    cluster, plc-api's chart fails to render (an include its chart does not define); Argo CD
    fails that Application and syncs the other three, whose images the plan skipped for it."""
    _chart(tmp_path, "charts/web", values="image:\n  repository: ghcr.io/acme/web\n  tag: '1.0'\n")
    _chart(
        tmp_path,
        "charts/plc",
        template=TEMPLATE % '{{ include "plc.fullname" . }}',
        values="image:\n  repository: ghcr.io/acme/plc\n  tag: '2.0'\n",
    )
    (tmp_path / "web.yaml").write_text(APP.format(name="web", path="charts/web", helm=""))
    (tmp_path / "plc.yaml").write_text(APP.format(name="plc", path="charts/plc", helm=""))
    helm = {"repository": "image.repository", "tag": "image.tag"}
    specs = [
        images.ImageSpec(n, workloads.repository_key(n), helm)
        for n in ("ghcr.io/acme/web", "ghcr.io/acme/plc")
    ]
    paths = ("web.yaml", "plc.yaml")
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(
        [reader.Source("prod", paths, tuple(s.name for s in specs))]
    )
    got = rendered_reading.held_to_render(RenderSettings(), tmp_path, tmp_path, read, {"prod": paths})["prod"]
    assert got.blocked is None, got.refused
    web, plc = got.image("ghcr.io/acme/web"), got.image("ghcr.io/acme/plc")
    assert web is not None and web.status is PinStatus.PINNED, web
    assert plc is not None and plc.status is PinStatus.UNSUPPORTED, plc
    assert plc.reason is not None and plc.reason.startswith(
        "helm template charts/plc (Application plc) failed"
    ), plc
    assert any("its images are not released, the environment's others are" in s for s in got.said), got.said


HELM_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system}
  valuesFrom:
  - {kind: ConfigMap, name: web-values}
  values:
    image: {tag: '5.0'}
"""


def test_a_helm_release_under_a_kustomize_overlay(tmp_path: Path) -> None:
    _chart(tmp_path, "charts/web")
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "release.yaml").write_text(HELM_RELEASE)
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [release.yaml]\n")
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "kustomization.yaml").write_text(
        "resources: [../base]\n"
        'configMapGenerator:\n- name: web-values\n  literals:\n  - "values.yaml=image: {repository: ghcr.io/acme/prod}"\n'
        "patches:\n- target: {kind: HelmRelease, name: web}\n  patch: |\n"
        "    - {op: replace, path: /spec/values/image/tag, value: '5.1'}\n"
    )
    settings = RenderSettings()
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, []).read([reader.Source("prod", ("prod",), ())])
    assert read  # the rules read it; the render is what runs
    rendered = rendered_reading.render_all(settings, tmp_path, [tmp_path / "prod"])
    text = rendered[tmp_path / "prod"]
    assert isinstance(text, str)
    got = helm_render.render(settings, tmp_path, helm_render.objects(text))
    assert [r.image for t in got.texts for r in running.running(t)] == ["ghcr.io/acme/prod:5.1"]


def test_a_remote_chart_is_not_fetched_and_a_missing_dependency_is_said(tmp_path: Path) -> None:
    remote = HELM_RELEASE.replace("GitRepository", "HelmRepository")
    assert helm_render.charts(tmp_path, helm_render.objects(remote)) == []
    _chart(tmp_path, "chart")
    with (tmp_path / "chart" / "Chart.yaml").open("a") as f:
        f.write("dependencies:\n- {name: redis, version: 1.0.0, repository: https://charts.example.com}\n")
    got = helm_render.render(
        RenderSettings(), tmp_path, helm_render.objects(APP.format(name="a", path="chart", helm=""))
    )
    assert got.texts == () and len(got.failed) == 1
    assert got.failed[0].startswith("helm template chart (Application a) failed: "), got.failed
    assert "missing in charts/ directory" in got.failed[0]
    assert got.refused == ()  # Argo CD runs helm dependency build first, fetching it


@pytest.mark.parametrize(
    ("name", "helm", "refused"),
    [
        ("a", "", True),
        ("'{{.name}}-web'", "", False),  # an ApplicationSet's name the reading could not expand
        ("a", "    helm: {valueFiles: [values-gone.yaml]}\n", False),  # a value file not here
        ("a", "    helm: {valueFiles: ['$other/values.yaml']}\n", False),  # another repository's
    ],
)
def test_a_chart_helm_refuses_is_a_refusal_only_when_made_of_all_its_application_says(
    tmp_path: Path, name: str, helm: str, refused: bool
) -> None:
    """helm's refusal of a chart is what Argo CD meets only when helm was given what Argo CD
    gives it: every value file, the names expanded."""
    _chart(tmp_path, "chart", TEMPLATE % '{{ required "image.repository is required" .Values.image.repo }}')
    got = helm_render.render(
        RenderSettings(), tmp_path, helm_render.objects(APP.format(name=name, path="chart", helm=helm))
    )
    assert len(got.failed) == 1, got  # the name left a template fails helm's own check of it
    assert got.refused == (got.failed if refused else ()), got
    assert not refused or "image.repository is required" in got.refused[0], got
    assert got.refused == (got.failed if refused else ()), got


def test_a_parameter_with_a_comma_is_one_value_as_argo_cd_passes_it(tmp_path: Path) -> None:
    _chart(tmp_path, "chart")
    param = "    helm: {parameters: [{name: image.tag, value: '1.5,x', forceString: true}]}\n"
    assert _images(tmp_path, APP.format(name="a", path="chart", helm=param)) == ["ghcr.io/acme/web:1.5,x"]


def test_charts_past_the_environments_deadline_are_said_not_rendered(tmp_path: Path) -> None:
    _chart(tmp_path, "chart")
    got = helm_render.render(
        RenderSettings(timeout=1e-9),
        tmp_path,
        helm_render.objects(APP.format(name="a", path="chart", helm="")),
    )
    assert got.texts == ()
    assert got.failed == (
        "helm template chart (Application a) not rendered: the environment's charts ran past "
        "3 x render.timeout",
    )


def test_charts_past_the_environments_bound_are_said_not_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a bound, never a silent cut: what is past it is read by the rules alone, and said
    monkeypatch.setattr(helm_render, "MAX_CHARTS", 1)
    for name in ("a", "b", "c"):
        _chart(tmp_path, f"charts/{name}")
    apps = "---\n".join(APP.format(name=n, path=f"charts/{n}", helm="") for n in ("a", "b", "c"))
    got = helm_render.render(RenderSettings(), tmp_path, helm_render.objects(apps))
    assert len(got.texts) == 1
    assert got.failed == (
        "helm template charts/b and 1 more not rendered: past the 1 charts of an environment",
    )


def test_objects_rendering_no_chart_make_no_private_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_folder() -> Path:
        raise AssertionError("a private folder made for no chart")

    monkeypatch.setattr(helm_render.privdir, "path", no_folder)
    deployment = TEMPLATE.replace("{{ .Release.Name }}", "web") % "ghcr.io/acme/web:1.0"
    assert helm_render.render(RenderSettings(), tmp_path, helm_render.objects(deployment)) == helm_render.NONE


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where a line is written for each helm run."""
    calls = tmp_path / "calls"
    wrapper = tmp_path / "helm"
    wrapper.write_text(f'#!/bin/sh\necho x >> {calls}\nexec {kubetools.helm()} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("GITOPS_BOT_HELM", str(wrapper))
    return calls


def test_a_chart_is_rendered_once_by_its_content(tmp_path: Path, calls: Path) -> None:
    # the same chart and values in two places (the tree, a marked copy) run helm once; a
    # changed values file runs it again
    app = APP.format(name="once", path="web", helm="    helm: {valueFiles: [values-once.yaml]}\n")
    for tree in ("a", "b"):
        _chart(tmp_path / tree, "web")
        (tmp_path / tree / "web" / "values-once.yaml").write_text("image: {tag: '5.0'}\n")
        assert _images(tmp_path / tree, app) == ["ghcr.io/acme/web:5.0"]
    assert calls.read_text().count("x") == 1
    (tmp_path / "b" / "web" / "values-once.yaml").write_text("image: {tag: '5.1'}\n")
    assert _images(tmp_path / "b", app) == ["ghcr.io/acme/web:5.1"]
    assert calls.read_text().count("x") == 2


def test_a_chart_helm_refuses_is_refused_once_by_its_content(tmp_path: Path, calls: Path) -> None:
    # a chart whose dependency is not vendored fails alike each time an environment asks for
    # it: one run, the same line each time; a changed chart runs helm again
    _chart(tmp_path / "repo", "chart")
    with (tmp_path / "repo" / "chart" / "Chart.yaml").open("a") as f:
        f.write(
            "dependencies:\n- {name: refusedonce, version: 1.0.0, repository: https://charts.example.com}\n"
        )
    said: list[str] = []
    app = APP.format(name="a", path="chart", helm="")
    for _ in range(2):
        said += helm_render.render(RenderSettings(), tmp_path / "repo", helm_render.objects(app)).failed
    assert calls.read_text().count("x") == 1
    assert said == [said[0]] * 2
    assert "missing in charts/ directory: refusedonce" in said[0]
    (tmp_path / "repo" / "chart" / "values.yaml").write_text("image: {repository: ghcr.io/acme/web}\n")
    helm_render.render(RenderSettings(), tmp_path / "repo", helm_render.objects(app))
    assert calls.read_text().count("x") == 2


def test_a_local_file_dependency_is_laid_under_charts_as_helm_dependency_build_would(tmp_path: Path) -> None:
    # the parent's charts/ holds no build of its file:// dependency, nor does the repository:
    # what its own values.yaml pins renders, with the parent's override over it, offline
    _chart(tmp_path, "sub", values="image:\n  repository: ghcr.io/acme/sub\n  tag: '1.2'\n")
    _chart(tmp_path, "parent")
    with (tmp_path / "parent" / "Chart.yaml").open("a") as f:
        f.write("dependencies:\n- {name: web, version: 0.1.0, repository: 'file://../sub'}\n")
    app = APP.format(name="a", path="parent", helm="")
    assert _images(tmp_path, app) == ["ghcr.io/acme/sub:1.2", "ghcr.io/acme/web:9.9"]
    assert not (tmp_path / "parent" / "charts").exists()  # never built in the repository
    (tmp_path / "parent" / "values.yaml").write_text(
        "image: {repository: ghcr.io/acme/web}\nweb: {image: {tag: '1.3'}}\n"
    )
    assert _images(tmp_path, app) == ["ghcr.io/acme/sub:1.3", "ghcr.io/acme/web:9.9"]
    # the dependency's own file changed: rendered again, not the kept render of before
    (tmp_path / "sub" / "values.yaml").write_text("image:\n  repository: ghcr.io/acme/other\n  tag: '1.2'\n")
    assert _images(tmp_path, app) == ["ghcr.io/acme/other:1.3", "ghcr.io/acme/web:9.9"]


@pytest.mark.parametrize("name", ["../../../escaped", "/abs-escaped", ".."])
def test_a_dependency_named_as_a_path_is_laid_out_nowhere(tmp_path: Path, name: str) -> None:
    """A file:// dependency's name is the folder it is laid out at under charts/: one leading out
    (``../../x``, an absolute path) laid the dependency's links out of the private folder."""
    root = tmp_path / "repo"
    _chart(root, "sub")
    _chart(root, "parent")
    with (root / "parent" / "Chart.yaml").open("a") as f:
        f.write(f"dependencies:\n- {{name: '{name}', version: 0.1.0, repository: 'file://../sub'}}\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    got = helm_render.render(
        RenderSettings(), root, helm_render.objects(APP.format(name="a", path="parent", helm=""))
    )
    assert got.texts == () and len(got.failed) == 1, got  # helm says the dependency is missing
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not Path("/abs-escaped").exists()


def test_a_chart_at_the_repositorys_root_renders_without_its_git_directory(tmp_path: Path) -> None:
    listing = '{{ len (.Files.Glob ".git/**") }} {{ len (.Files.Glob "extra/*") }}'
    _chart(tmp_path, ".", TEMPLATE % f"ghcr.io/acme/web:{listing}")
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    (tmp_path / ".git" / "objects" / "pack").write_bytes(b"x" * 1000)
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "kept.txt").write_text("a file of the chart")
    assert _images(tmp_path, APP.format(name="a", path=".", helm="")) == ["ghcr.io/acme/web:0 1"]


def test_an_application_through_the_source_hydrator_renders_its_dry_sources_chart(tmp_path: Path) -> None:
    """Argo CD's source hydrator renders spec.sourceHydrator.drySource (shaped as
    zachaller/argocon-gitops-promoter-hydrate-demo's Applications, here over a chart) and commits
    what it renders to the branch it syncs: the dry source's chart, values and all, is what runs."""
    _chart(tmp_path, "chart")
    (tmp_path / "chart" / "values-staging.yaml").write_text("image: {tag: '2.1'}\n")
    app = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: staging}
spec:
  destination: {namespace: staging}
  sourceHydrator:
    drySource:
      repoURL: https://github.com/acme/deploy.git
      path: chart
      targetRevision: HEAD
      helm: {valueFiles: [values-staging.yaml]}
    syncSource: {targetBranch: environments/staging, path: staging}
"""
    assert _images(tmp_path, app) == ["ghcr.io/acme/web:2.1"]


APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: web}
spec:
  generators:
  - list: {elements: [{env: qa}, {env: prod}]}
  template:
    metadata: {name: 'web-{{env}}'}
    spec:
      destination: {namespace: '{{env}}'}
      source: {repoURL: 'https://github.com/acme/deploy.git', path: web}
"""


def test_an_applicationset_is_generated_once_a_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each environment of an ApplicationSet asks for its own of the Applications: the set is
    # generated once for the reading, each asker given its own copy of what it asked
    (tmp_path / "appset.yaml").write_text(APPSET)
    appsets = importlib.import_module(helm_render.APPSETS)
    generated: list[int] = []
    real = appsets.generate
    monkeypatch.setattr(appsets, "generate", lambda *a: generated.append(1) or real(*a))
    with walks.one_reading():
        got = [
            helm_render.file_objects(tmp_path, [tmp_path / "appset.yaml"], own)
            for own in (["web-qa"], ["web-prod"])
        ]
    apps = [[d for d in docs if d["kind"] == "Application"] for docs in got]
    assert [[a["metadata"]["name"] for a in docs] for docs in apps] == [["web-qa"], ["web-prod"]]  # type: ignore[index]
    apps[0][0]["spec"] = {}  # one asker's change is not another's
    with walks.one_reading():
        again = helm_render.file_objects(tmp_path, [tmp_path / "appset.yaml"], ["web-qa"])
    assert len(generated) == 2
    assert [d["spec"] != {} for d in again if d["kind"] == "Application"] == [True]
