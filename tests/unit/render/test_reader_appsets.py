"""An ApplicationSet named as an environment's path: the Applications its generators make from
what the file and the repository hold (list elements, git directories, a clusters selector's
labels, their matrix), each read as Argo CD renders it, ``$ref/...`` value files of a source of
this repository included; a generator that cannot be expanded from the repository is said, never
a false "not rendered"."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import edits
from gitops_bot.engine.app import open_app
from gitops_bot.manifests import images
from gitops_bot.release.proposal import Change, Release
from gitops_bot.render import reader

APP = "docker.io/acme/app"
SPECS = [images.ImageSpec(APP, "docker.io/acme/app", helm={"tag": "imageVersion"})]
CHART = {
    "charts/app1/Chart.yaml": "apiVersion: v2\nname: app1\nversion: 0.1.0\n",
    "charts/app1/values.yaml": "replicas: 1\nimageVersion: '0.9'\n",
    "charts/app1/templates/d.yaml": "image: docker.io/acme/app:{{ .Values.imageVersion }}\n",
    "values/app1/qa-values.yaml": "imageVersion: '3.0'\n",
    "values/app1/prod-values.yaml": "imageVersion: '1.0'\n",
}
SOURCES = """  template:
    metadata:
      name: '{{index .path.segments 1}}-{{.name}}'
    spec:
      sources:
        - repoURL: https://github.com/acme/deploy.git
          path: '{{.path.path}}'
          helm:
            valueFiles:
            - '$values/values/{{index .path.segments 1}}/%s-values.yaml'
        - repoURL: https://github.com/acme/deploy.git
          ref: values
"""


def _appset(generators: str, env: str = "{{.env}}") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: apps\nspec:\n"
        "  goTemplate: true\n  generators:\n" + generators + SOURCES % env
    )


def _read(root: Path, files: dict[str, str]) -> dict[str, reader.EnvironmentReading]:
    for rel, text in {**CHART, **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    sources = [reader.Source(n, (f"appsets/{n}.yaml",), (APP,)) for n in files_envs(files)]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)


def files_envs(files: dict[str, str]) -> list[str]:
    return [Path(f).stem for f in files if f.startswith("appsets/")]


MATRIX = """  - matrix:
      generators:
        - git:
            repoURL: https://github.com/acme/deploy.git
            revision: HEAD
            directories:
            - path: charts/*
        - %s
"""


def test_a_matrix_of_git_directories_and_a_list_reads_each_applications_value_files(tmp_path: Path) -> None:
    gen = MATRIX % "list:\n            elements:\n            - env: qa\n              name: in-cluster"
    got = _read(tmp_path, {"appsets/qa.yaml": _appset(gen)})["qa"].image(APP)
    assert got is not None and got.status is PinStatus.PINNED, got
    wins = [(p.file, p.line) for p in got.pins if p.effective]
    assert wins == [("values/app1/qa-values.yaml", 1)]
    assert ("charts/app1/values.yaml", 2) in [(p.file, p.line) for p in got.pins]


def test_a_clusters_selectors_labels_are_what_the_template_reads(tmp_path: Path) -> None:
    gen = MATRIX % (
        "clusters:\n            selector:\n              matchLabels:\n                env: prod\n"
    )
    files = {"appsets/prod.yaml": _appset(gen, '{{index .metadata.labels "env"}}')}
    got = _read(tmp_path, files)["prod"].image(APP)
    assert got is not None and got.status is PinStatus.PINNED, got
    assert [(p.file, p.line) for p in got.pins if p.effective] == [("values/app1/prod-values.yaml", 1)]


def test_a_generator_the_repository_cannot_expand_is_said_with_the_fix(tmp_path: Path) -> None:
    gen = "  - scmProvider:\n      github:\n        organization: acme\n"
    got = _read(tmp_path, {"appsets/qa.yaml": _appset(gen)})["qa"].image(APP)
    assert got is not None and got.status is PinStatus.UNSUPPORTED, got
    assert got.reason is not None and "scmProvider" in got.reason
    assert got.fix


def test_a_value_the_template_reads_from_the_cluster_alone_is_said(tmp_path: Path) -> None:
    gen = MATRIX % "clusters: {}"
    got = _read(tmp_path, {"appsets/qa.yaml": _appset(gen, "{{.name}}")})["qa"].image(APP)
    assert got is not None and got.status is PinStatus.UNSUPPORTED, got
    assert got.reason is not None and ".name" in got.reason


def test_a_values_file_outside_any_chart_is_read_as_the_generated_application_renders_it(
    tmp_path: Path,
) -> None:
    # the environment names its own values file (no image in it); the ApplicationSet layers it
    # over the chart's values and the shared version file
    gen = MATRIX % "list:\n            elements:\n            - env: prod"
    appset = _appset(gen).replace(
        "            - '$values/values/{{index .path.segments 1}}/{{.env}}-values.yaml'\n",
        "            - '$values/values/{{index .path.segments 1}}/{{.env}}-values.yaml'\n"
        "            - '$values/values/{{index .path.segments 1}}/envs/{{.env}}-eu.yaml'\n",
    )
    for rel, text in {**CHART, "appsets/all.yaml": appset, "values/app1/envs/prod-eu.yaml": "x: 1\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    sources = [reader.Source("prod-eu", ("values/app1/envs/prod-eu.yaml",), (APP,))]
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read(sources)["prod-eu"].image(APP)
    assert got is not None and got.status is PinStatus.PINNED, got
    assert [(p.file, p.line) for p in got.pins if p.effective] == [("values/app1/prod-values.yaml", 1)]


def test_each_generated_application_has_its_own_effective_value(tmp_path: Path) -> None:
    gen = MATRIX % "list:\n            elements:\n            - env: qa"
    app2 = {k.replace("app1", "app2"): v for k, v in CHART.items()}
    for rel, text in app2.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    got = _read(tmp_path, {"appsets/qa.yaml": _appset(gen)})["qa"].image(APP)
    assert got is not None and got.status is PinStatus.PINNED, got
    wins = sorted((p.file, p.line) for p in got.pins if p.effective)
    assert wins == [("values/app1/qa-values.yaml", 1), ("values/app2/qa-values.yaml", 1)]


def _two_charts_two_regions(root: Path, own_us: bool = True) -> dict[str, reader.EnvironmentReading]:
    """prod-eu and prod-us: each renders two charts (app1, app2), each chart's Application
    layering a shared version file and then the region's own values file."""
    gen = MATRIX % (
        "list:\n            elements:\n            - {env: prod, region: eu}\n            - {env: prod, region: us}"
    )
    appset = _appset(gen).replace(
        "            - '$values/values/{{index .path.segments 1}}/{{.env}}-values.yaml'\n",
        "            - '$values/values/{{index .path.segments 1}}/{{.env}}-values.yaml'\n"
        "            - '$values/values/{{index .path.segments 1}}/envs/{{.env}}-{{.region}}.yaml'\n",
    )
    app2 = {k.replace("app1", "app2"): v for k, v in CHART.items()}
    tree = {**CHART, **app2, "appsets/all.yaml": appset}
    tree |= {f"values/{a}/envs/prod-{r}.yaml": "x: 1\n" for a in ("app1", "app2") for r in ("eu", "us")}
    for rel, text in tree.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    paths = {r: tuple(f"values/{a}/envs/prod-{r}.yaml" for a in ("app1", "app2")) for r in ("eu", "us")}
    if not own_us:  # a mistake: prod-us's app2 layer named as prod-eu's file, which prod-eu renders
        paths["us"] = (paths["us"][0], paths["eu"][1])
    sources = [reader.Source(f"prod-{r}", p, (APP,)) for r, p in paths.items()]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)


def test_an_inherited_value_of_two_generated_applications_is_released_into_each_ones_own_file(
    tmp_path: Path,
) -> None:
    # prod-eu's two charts each inherit the version from a shared file: a release writes the
    # key into each chart's own values file of prod-eu, never leaving one chart behind
    got = _two_charts_two_regions(tmp_path)["prod-eu"]
    r = got.image(APP)
    assert r is not None and r.status is PinStatus.INHERITED, r
    wins = sorted((p.file, p.line, p.shared_with) for p in r.pins if p.effective)
    assert wins == [(f"values/{a}/prod-values.yaml", 1, ("prod-us",)) for a in ("app1", "app2")]
    assert r.would_write is not None and r.would_write.form == "helm values key"
    own = ("values/app1/envs/prod-eu.yaml", "values/app2/envs/prod-eu.yaml")
    assert r.would_write.files == own
    assert r.would_write.to_json() == {"file": own[0], "form": "helm values key", "also": [own[1]]}
    assert set(own) <= set(got.writable)
    assert "values/app1/prod-values.yaml" not in got.writable
    assert ", ".join(own) in r.describe()


def test_a_chart_without_a_values_file_of_the_environments_own_is_refused_by_name(tmp_path: Path) -> None:
    # prod-us's app2 rendering layers only files prod-eu renders too: no layer of its own to pin in
    got = _two_charts_two_regions(tmp_path, own_us=False)["prod-us"].image(APP)
    assert got is not None and got.status is PinStatus.UNSUPPORTED, got
    assert got.reason is not None and "1 of them layer no values file of prod-us's own" in got.reason
    assert got.fix is not None and got.would_write is None


def test_a_release_of_an_image_inherited_through_two_charts_writes_each_charts_own_file(
    tmp_path: Path,
) -> None:
    _two_charts_two_regions(tmp_path)
    (tmp_path / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n- name: {APP}\n  policy: semver\n  helm:\n    tag: imageVersion\n"
        "environments:\n"
        + "".join(
            f"- name: prod-{r}\n  paths:\n"
            + "".join(f"  - values/{a}/envs/prod-{r}.yaml\n" for a in ("app1", "app2"))
            for r in ("eu", "us")
        )
    )
    app = open_app(tmp_path)
    texts = {p: p.read_text() for p in app.files(app.config.environment("prod-eu"))}
    change = Change("prod-eu", APP, APP, (), "1.0", None, "2.0", None, Outside("a new build"))
    release, written = edits.edit(app, Release("prod-eu", (change,)), tmp_path, texts, SPECS)
    own = [tmp_path / f"values/{a}/envs/prod-eu.yaml" for a in ("app1", "app2")]
    assert sorted(written) == own  # both charts' own layer; never the shared version file
    assert all(written[p] == 'x: 1\nimageVersion: "2.0"\n' for p in own), written
    (done,) = release.changes
    assert sorted(done.files) == [f"values/{a}/envs/prod-eu.yaml" for a in ("app1", "app2")]


LIST = """list:
{pad}elements:
{pad}- env: qa
{pad}  name: in-cluster"""


def test_a_matrix_nested_deeper_than_argo_cd_allows_is_said_not_expanded(tmp_path: Path) -> None:
    """Argo CD's matrix may hold a matrix whose children are terminal generators (list, git,
    clusters...): a matrix at the third level generates nothing there, so none of it is read as
    what runs, while the second level is expanded."""
    two = MATRIX % (
        "matrix:\n            generators:\n"
        f"              - {LIST.format(pad=' ' * 18)}\n"
        f"              - {LIST.format(pad=' ' * 18).replace('qa', 'qa2').replace('env: qa2', 'zone: a')}\n"
    )
    got = _read(tmp_path, {"appsets/qa.yaml": _appset(two)})["qa"].image(APP)
    assert got is not None and got.status is PinStatus.PINNED, got
    three = MATRIX % (
        "matrix:\n            generators:\n"
        "              - matrix:\n                  generators:\n"
        f"                    - {LIST.format(pad=' ' * 24)}\n"
        f"                    - {LIST.format(pad=' ' * 24).replace('env: qa', 'zone: a')}\n"
        f"              - {LIST.format(pad=' ' * 18).replace('env: qa', 'tier: b')}\n"
    )
    got = _read(tmp_path, {"appsets/qa.yaml": _appset(three)})["qa"].image(APP)
    assert got is not None and got.status is PinStatus.UNSUPPORTED, got
    assert got.reason is not None and "one level" in got.reason, got.reason
