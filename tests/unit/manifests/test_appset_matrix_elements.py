"""A ``matrix`` of a git ``directories`` generator and a ``list`` generator whose elements hold
each environment's tag (``value: '{{tag}}'`` in ``helm.parameters``): the reader names each
generated Application by the directory it finds (``web-dev``), and the release writes that
Application's element, byte for byte, where the editor (text in, text out: it lists no
directory) matched no Application by that name and wrote nothing. An element more than one
Application could be is refused in one line with the fix, never written at a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import edits
from gitops_bot.engine.app import open_app
from gitops_bot.manifests import charts, images
from gitops_bot.release.proposal import Change, Release
from testkit.local_git import write

IMAGE = "ghcr.io/acme/web"
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
spec:
  generators:
  - matrix:
      generators:
      - git:
          repoURL: https://github.com/acme/deploy.git
          revision: HEAD
          directories:
          - path: apps/*
      - list:
          elements:
          - env: dev
            tag: 2.0.0   # dev's
          - env: prod
            tag: "1.0.0"
  template:
    metadata:
      name: '{{path.basename}}-{{env}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/deploy.git
        targetRevision: HEAD
        path: '{{path}}'
        helm:
          parameters:
          - name: image.tag
            value: '{{tag}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{env}}'
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
CONFIG = f"""version: 1
images:
- name: {IMAGE}
  policy: semver
  helm: {{repository: image.repository, tag: image.tag}}
environments:
- name: dev
  path: appset.yaml
- name: prod
  path: appset.yaml
"""


def _repository(root: Path) -> None:
    write(
        root,
        {
            "gitops-bot.yaml": CONFIG,
            "appset.yaml": APPSET,
            "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "apps/web/values.yaml": f"image:\n  repository: {IMAGE}\n  tag: 0.9.0\n",
            "apps/web/templates/deployment.yaml": TEMPLATE,
        },
    )


def test_a_release_writes_the_element_of_the_environments_generated_application(tmp_path: Path) -> None:
    _repository(tmp_path)
    app = open_app(tmp_path)
    for env, old, new, was, now, line in (
        ("dev", "2.0.0", "2.1.0", "tag: 2.0.0   # dev's", "tag: 2.1.0   # dev's", 17),
        ("prod", "1.0.0", "1.1.0", 'tag: "1.0.0"', 'tag: "1.1.0"', 19),
    ):
        reading = app.reading(app.config.environment(env))
        (image,) = reading.images
        assert image.status is PinStatus.PINNED, image
        assert [(p.file, p.line) for p in image.pins if p.effective] == [("appset.yaml", line)], image.pins
        assert dict(reading.documents).get("appset.yaml") == f"web-{env}", reading.documents
        texts = {p: p.read_text() for p in app.files(app.config.environment(env))}
        change = Change(env, IMAGE, IMAGE, (), old, None, new, None, Outside("a new build"))
        _, written = edits.edit(app, Release(env, (change,)), tmp_path, texts, SPECS)
        assert written == {tmp_path / "appset.yaml": APPSET.replace(was, now)}, written


def test_an_element_two_applications_names_could_be_is_refused_naming_it() -> None:
    # 'web-pre-dev' is '{{path.basename}}-{{env}}' of env pre-dev (directory web) and of env dev
    # (a directory web-pre): without listing the directories no editor can tell which
    both = APPSET.replace(
        '          - env: prod\n            tag: "1.0.0"', "          - env: pre-dev\n            tag: 1.0.0"
    )
    update = [images.Update(IMAGE, tag="2.1.0")]
    with pytest.raises(ManifestError) as e:
        images.edit(both, "appset.yaml", SPECS, update, application="web-pre-dev")
    assert str(e.value).startswith(
        "appset.yaml:22: web-pre-dev may be the Application of 2 list elements (lines 16, 18): the name "
        "'{{path.basename}}-{{env}}' takes what only Argo CD lists"
    ), e.value
    assert e.value.hint is not None and "no element's value ends another's" in e.value.hint
    # a name no element's Application can have: nothing of this file is its own
    assert images.edit(both, "appset.yaml", SPECS, update, application="api-qa").text == both


CHART_SOURCE = """      source:
        repoURL: https://charts.example.com
        chart: redis
        targetRevision: '{{tag}}'
"""


def test_a_chart_version_the_element_holds_is_read_and_written_for_that_application_alone() -> None:
    # the same matrix, its Applications rendering a chart of a chart repository at the element's version
    text = APPSET.replace(
        APPSET[APPSET.index("      source:\n") : APPSET.index("      destination:")], CHART_SOURCE
    )
    spec = charts.ChartSpec("redis", "https://charts.example.com")
    got = {
        app: [(s.line, s.version) for s in charts.read(text, "appset.yaml", [spec], application=app)]
        for app in ("web-dev", "web-prod")
    }
    assert got == {"web-dev": [(17, "2.0.0")], "web-prod": [(19, "1.0.0")]}, got
    written = charts.write(text, "appset.yaml", {spec: "1.1.0"}, application="web-prod")
    assert written == text.replace('tag: "1.0.0"', 'tag: "1.1.0"'), written


def test_the_reading_says_the_element_no_editor_can_tell_before_any_release(tmp_path: Path) -> None:
    # plan never proposes what update cannot write: pre-dev's Application web-pre-dev is refused
    # in the reading, in the editor's words; dev's web-dev is its element's alone and stays pinned
    _repository(tmp_path)
    both = APPSET.replace(
        '          - env: prod\n            tag: "1.0.0"', "          - env: pre-dev\n            tag: 1.0.0"
    )
    (tmp_path / "appset.yaml").write_text(both)
    # each environment names its Application (the reader's own guess by name words is no guess here)
    config = CONFIG.replace(
        "  path: appset.yaml\n- name: prod",
        "  path: appset.yaml\n  argocd_application: web-dev\n- name: prod",
    )
    config = config.replace("name: prod", "name: pre-dev") + "  argocd_application: web-pre-dev\n"
    (tmp_path / "gitops-bot.yaml").write_text(config + "argocd: {server: https://argocd.example.invalid}\n")
    app = open_app(tmp_path)
    (dev,) = app.reading(app.config.environment("dev")).images
    assert dev.status is PinStatus.PINNED, dev
    (pre,) = app.reading(app.config.environment("pre-dev")).images
    assert pre.status is PinStatus.UNSUPPORTED and pre.would_write is None, pre
    assert pre.reason is not None and "web-pre-dev may be the Application of 2 list elements" in pre.reason
    assert pre.fix is not None and "no element's value ends another's" in pre.fix, pre.fix
