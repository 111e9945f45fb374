"""An ApplicationSet's ``list`` elements as each environment's pin: ``elements: [{env: dev, tag:
2.0.0}, {env: prod, tag: 1.0.0}]`` filling ``helm.parameters: [{name: image.tag, value:
'{{tag}}'}]``. The element's own scalar is the environment's pin (its file and line), a release
writes it in place, byte-exactly, and the generated Application is rendered with the real helm
as Argo CD renders it: what runs is what helm renders, and the marked render (the element's
scalar written as a marker) proves the place. A value every element shares is said, with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import load
from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.engine import edits, proven
from gitops_bot.engine.app import open_app
from gitops_bot.manifests import images
from gitops_bot.release.proposal import Change, Release
from gitops_bot.render import helm_render, reader, rendered_reading, running
from gitops_bot.render.settings import RenderSettings
from testkit import kubetools
from testkit.appset_elements import APPSET, OBJECT, VALUES

IMAGE = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: 0.9.0\n",
    "chart/templates/deployment.yaml": TEMPLATE,
}


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", kubetools.helm())
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubetools.kubectl())


def _tree(root: Path, appset: str = APPSET) -> None:
    for rel, text in {**CHART, "appset.yaml": appset}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _read(root: Path, appset: str = APPSET) -> dict[str, reader.EnvironmentReading]:
    _tree(root, appset)
    sources = [reader.Source(n, ("appset.yaml",), (IMAGE,)) for n in ("dev", "prod")]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)


def test_each_environments_list_element_scalar_is_its_own_pin(tmp_path: Path) -> None:
    got = _read(tmp_path)
    for env, line, tag in (("dev", 10, "2.0.0"), ("prod", 12, "1.0.0")):
        r = got[env].image(IMAGE)
        assert r is not None and r.status is PinStatus.PINNED, (env, r)
        (pin,) = [p for p in r.pins if p.effective]
        assert (pin.file, pin.line, pin.tag, pin.shared_with) == ("appset.yaml", line, tag, ()), pin
        assert pin.editable
        assert "appset.yaml" in got[env].writable


@pytest.mark.parametrize("form", ["parameters", "valuesObject", "values"])
def test_a_release_writes_the_environments_element_in_place(tmp_path: Path, form: str) -> None:
    appset = {"parameters": APPSET, "valuesObject": OBJECT, "values": VALUES}[form]
    _tree(tmp_path, appset)
    (tmp_path / "gitops-bot.yaml").write_text(
        f"version: 1\nimages:\n- name: {IMAGE}\n  policy: semver\n  helm:\n    repository: image.repository\n"
        "    tag: image.tag\nenvironments:\n- name: dev\n  path: appset.yaml\n- name: prod\n  path: appset.yaml\n"
    )
    app = open_app(tmp_path)
    for env, old, new, was, now in (
        ("dev", "2.0.0", "2.1.0", "tag: 2.0.0   # dev's", "tag: 2.1.0   # dev's"),
        ("prod", "1.0.0", "1.1.0", 'tag: "1.0.0"', 'tag: "1.1.0"'),
    ):
        texts = {p: p.read_text() for p in app.files(app.config.environment(env))}
        change = Change(env, IMAGE, IMAGE, (), old, None, new, None, Outside("a new build"))
        _, written = edits.edit(app, Release(env, (change,)), tmp_path, texts, SPECS)
        assert list(written) == [tmp_path / "appset.yaml"], written
        assert written[tmp_path / "appset.yaml"] == appset.replace(was, now)


def _runs(root: Path, env: str) -> list[str]:
    reading = _read(root)[env]
    files = [root / f for f in reading.rendered]
    own = dict(reading.documents).values()
    got = helm_render.render(RenderSettings(), root, helm_render.file_objects(root, files, own), None, own)
    assert got.failed == (), got.failed
    return sorted(r.image for t in got.texts for r in running.running(t))


def test_the_generated_application_is_rendered_as_argo_cd_renders_it(tmp_path: Path) -> None:
    assert _runs(tmp_path, "dev") == [f"{IMAGE}:2.0.0"]
    assert _runs(tmp_path, "prod") == [f"{IMAGE}:1.0.0"]


def test_what_the_render_runs_is_held_to_the_elements_pin(tmp_path: Path) -> None:
    # the chart's template writes the tag itself: the element's value changes nothing that runs
    readings = _read(tmp_path)
    literal = TEMPLATE.replace("{{ .Values.image.tag }}", "3.0.0")
    (tmp_path / "chart/templates/deployment.yaml").write_text(literal)
    held = rendered_reading.held_to_render(
        RenderSettings(), tmp_path, tmp_path, readings, {"dev": ("appset.yaml",), "prod": ("appset.yaml",)}
    )
    said = " ".join(held["dev"].notes)
    assert f"appset.yaml:10 sets {IMAGE} to 2.0.0, but the render runs" in said, said
    assert f"{IMAGE}:3.0.0" in said


def _proved(root: Path, template: str = TEMPLATE) -> dict[str, EnvironmentReading]:
    _tree(root)
    (root / "chart/templates/deployment.yaml").write_text(template)
    (root / "gitops-bot.yaml").write_text(
        f"version: 1\nrender: {{kubectl: {kubetools.kubectl()}, helm: {kubetools.helm()}}}\nimages:\n"
        f"- name: {IMAGE}\n  policy: semver\n  helm: {{repository: image.repository, tag: image.tag}}\n"
        "environments:\n- name: dev\n  path: appset.yaml\n- name: prod\n  path: appset.yaml\n"
    )
    config = load(root / "gitops-bot.yaml")
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, SPECS, root).read(sources)
    assert all(r.images[0].status is PinStatus.PINNED for r in rules.values()), rules
    return proven.prove(config, root, list(config.environments), SPECS, rules)


def test_the_marked_render_of_the_generated_application_proves_the_element(tmp_path: Path) -> None:
    judged = _proved(tmp_path)
    assert [judged[e].images[0].status for e in ("dev", "prod")] == [PinStatus.PINNED] * 2


def test_an_element_the_charts_template_ignores_is_said_by_its_marked_render(tmp_path: Path) -> None:
    judged = _proved(tmp_path, TEMPLATE.replace("{{ .Values.image.tag }}", "3.0.0"))
    dev = judged["dev"].images[0]
    assert dev.status is PinStatus.UNSUPPORTED, dev
    assert dev.reason is not None and dev.reason.startswith(
        "a release writing appset.yaml:10 changes nothing"
    )
    assert f"renders {IMAGE}:3.0.0" in dev.reason, dev.reason


KUSTOMIZED = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: app
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - {env: dev, image: 'ghcr.io/acme/app:2.0.0'}
      - {env: prod, image: 'ghcr.io/acme/app:1.0.0'}
  template:
    metadata:
      name: 'app-{{.env}}'
    spec:
      source:
        repoURL: https://github.com/acme/deploy.git
        path: base
        kustomize:
          images:
          - '{{.image}}'
      destination:
        namespace: '{{.env}}'
"""


def test_a_kustomize_images_entry_an_element_fills_whole_is_released_in_the_element(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": CHART["chart/templates/deployment.yaml"].replace(
            '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"', f"{IMAGE}:0.9.0"
        ),
        "appset.yaml": KUSTOMIZED,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    sources = [reader.Source(n, ("appset.yaml",), (IMAGE,)) for n in ("dev", "prod")]
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read(sources)
    r = got["prod"].image(IMAGE)
    assert r is not None and r.status is PinStatus.PINNED, r
    assert [(p.file, p.line, p.tag) for p in r.pins if p.effective] == [("appset.yaml", 11, "1.0.0")]
    edited = images.edit(
        KUSTOMIZED, "appset.yaml", SPECS, [images.Update(IMAGE, tag="1.1.0")], application="app-prod"
    )
    assert edited.text == KUSTOMIZED.replace("app:1.0.0", "app:1.1.0")


def test_a_value_the_template_writes_is_said_as_no_environments_own(tmp_path: Path) -> None:
    # the tag written in the template: every generated Application takes it, no element holds it
    got = _read(tmp_path, APPSET.replace("value: '{{tag}}'", "value: '2.0.0'"))["dev"].image(IMAGE)
    assert got is not None and got.status is PinStatus.UNSUPPORTED, got
    assert got.reason == (
        "set at appset.yaml:25, the ApplicationSet's template value, the same in every Application it "
        "generates: no place of dev's own"
    )
    assert got.fix is not None and got.fix.startswith("give dev's list element a key of its own holding")
    assert got.would_write is None


def test_a_generator_value_every_environment_takes_is_said_with_the_fix(tmp_path: Path) -> None:
    # a matrix: one list's single element (the tag) crossed with the environments' list
    shared = APPSET.replace(
        """  - list:
      elements:
      - env: dev
        tag: 2.0.0   # dev's
      - env: prod
        tag: "1.0.0"
""",
        """  - matrix:
      generators:
      - list:
          elements:
          - tag: 2.0.0
      - list:
          elements:
          - env: dev
          - env: prod
""",
    )
    got = _read(tmp_path, shared)
    for env, other in (("dev", "prod"), ("prod", "dev")):
        r = got[env].image(IMAGE)
        assert r is not None and r.status is PinStatus.UNSUPPORTED, r
        assert r.reason == (
            f"set at appset.yaml:11, a generator's value the Applications app-{other} take too: no place "
            f"of {env}'s own"
        ), r.reason
        assert r.fix is not None and f"{{env: {env}, tag: ...}}" in r.fix


MERGED = APPSET.replace(
    """  generators:
  - list:
      elements:
      - env: dev
        tag: 2.0.0   # dev's
      - env: prod
        tag: "1.0.0"
""",
    """  generators:
  - list:
      elements:
      - &common
        env: dev
        tag: 2.0.0
      - <<: *common
        env: prod
""",
)


def test_a_value_merged_from_another_element_is_that_elements_and_said_for_the_one_merging_it(
    tmp_path: Path,
) -> None:
    # prod merges dev's element (<<: *common): its tag is dev's line, which both take
    got = _read(tmp_path, MERGED)
    for env, other in (("dev", "prod"), ("prod", "dev")):
        r = got[env].image(IMAGE)
        assert r is not None and r.status is PinStatus.UNSUPPORTED, r
        assert r.reason == (
            f"set at appset.yaml:11, a generator's value the Applications app-{other} take too: no place "
            f"of {env}'s own"
        ), r.reason
    own = MERGED.replace(
        "      - <<: *common\n        env: prod\n",
        "      - <<: *common\n        env: prod\n        tag: 1.0.0\n",
    )
    got = _read(tmp_path, own)
    r = got["prod"].image(IMAGE)
    assert r is not None and r.status is PinStatus.PINNED, r
    assert [(p.file, p.line) for p in r.pins if p.effective] == [("appset.yaml", 14)]


def test_a_kustomize_images_entry_the_template_builds_around_an_elements_tag_is_said(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": TEMPLATE.replace(
            '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"', f"{IMAGE}:0.9.0"
        ),
        "appset.yaml": KUSTOMIZED.replace("'ghcr.io/acme/app:", "'").replace(
            "'{{.image}}'", f"'{IMAGE}:{{{{.image}}}}'"
        ),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    sources = [reader.Source(n, ("appset.yaml",), (IMAGE,)) for n in ("dev", "prod")]
    r = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read(sources)["dev"].image(IMAGE)
    assert r is not None and r.status is PinStatus.UNSUPPORTED, r
    assert r.reason is not None and r.reason.startswith(
        "set at appset.yaml:21, the ApplicationSet's template value"
    )
    assert (
        r.fix is not None
        and "a kustomize.images entry: '{{image}}', the key holding the whole reference" in r.fix
    )


@pytest.mark.parametrize("appset", [OBJECT, VALUES], ids=["valuesObject", "values string"])
def test_a_values_object_takes_each_environments_list_element_as_its_pin(tmp_path: Path, appset: str) -> None:
    got = _read(tmp_path, appset)
    for env, line, tag in (("dev", 10, "2.0.0"), ("prod", 12, "1.0.0")):
        r = got[env].image(IMAGE)
        assert r is not None and r.status is PinStatus.PINNED, (env, r)
        (pin,) = [p for p in r.pins if p.effective]
        assert (pin.file, pin.line, pin.tag, pin.shared_with, pin.editable) == (
            "appset.yaml",
            line,
            tag,
            (),
            True,
        )


@pytest.mark.parametrize("appset", [OBJECT, VALUES], ids=["valuesObject", "values string"])
def test_the_marked_render_proves_the_element_a_values_object_takes(tmp_path: Path, appset: str) -> None:
    _tree(tmp_path, appset)
    assert _runs(tmp_path, "dev") == [f"{IMAGE}:2.0.0"]  # helm renders the element's tag
    _proved(tmp_path)  # the chart and gitops-bot.yaml with the renderer's tools, then this form
    (tmp_path / "appset.yaml").write_text(appset)
    config = load(tmp_path / "gitops-bot.yaml")
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS, tmp_path).read(sources)
    judged = proven.prove(config, tmp_path, list(config.environments), SPECS, rules)
    assert [judged[e].images[0].status for e in ("dev", "prod")] == [PinStatus.PINNED] * 2
    assert [p.line for p in judged["dev"].images[0].pins if p.effective] == [10]
