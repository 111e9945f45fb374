"""A yielded Application's ``helm.parameters`` that its root chart fills from the root chart's
values (``value: {{ .tag }}`` in the root template): Argo CD applies the parameter after every
values file of the child chart, so what runs comes from the root chart's values line. The
marked render of the root chart (each candidate scalar of its values written as a marker,
rendered again) names that line as the pin; a parameter the template computes is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.settings import RenderSettings
from testkit import app_of_apps
from testkit.kubetools import helm
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(IMAGE, IMAGE, {"repository": "image.repository", "tag": "image.tag"})]
VALUE_FILES = """    {{- with .values }}
    helm:
      valueFiles:
        - {{ . }}
    {{- end }}"""
PARAMETER = """    helm:
      parameters:
        - name: image.tag
          value: %s"""
CHILD_CHART = app_of_apps.child_chart(IMAGE)
ENVIRONMENTS = [
    {"name": "dev", "path": "chart", "tag": "1.2.0"},
    {"name": "prod", "path": "chart", "tag": "1.0.0"},
]


def _read(root: Path, value: str) -> dict[str, reader.EnvironmentReading]:
    chart = app_of_apps.chart(ENVIRONMENTS)
    yields = chart["apps/templates/applications.yaml"].replace(VALUE_FILES, PARAMETER % value)
    chart["apps/templates/applications.yaml"] = yields
    write(root, {**CHILD_CHART, **chart, "root.yaml": app_of_apps.root("apps")})
    sources = [reader.Source(env, ("root.yaml",), (IMAGE,)) for env in ("dev", "prod")]
    return reader.Reader(reader.DiskTree(root), root, SPECS, root, render=RenderSettings()).read(sources)


def test_a_parameter_the_root_chart_takes_from_its_values_is_pinned_at_that_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    read = _read(tmp_path, "{{ .tag | quote }}")
    # apps/values.yaml: repoURL, environments:, then an entry a line
    for env, (line, tag) in {"dev": (3, "1.2.0"), "prod": (4, "1.0.0")}.items():
        (image,) = read[env].images
        (pin,) = [p for p in image.pins if p.effective]
        assert (pin.file, pin.line, pin.tag) == ("apps/values.yaml", line, tag), image
        assert image.status is PinStatus.UNSUPPORTED, image  # a parameter is read, not written
        assert image.reason == (
            f"set in a value of the root chart that app-{env}'s helm.parameters image.tag takes at "
            f"apps/values.yaml:{line}, which the bot cannot edit in place; Argo CD applies it after every "
            "values file"
        ), image.reason
        assert image.fix is not None and "drop the parameter" in image.fix, image.fix


def test_a_parameter_the_template_computes_is_said_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    read = _read(tmp_path, '{{ printf "%s-rc" .tag | quote }}')
    notes = list(map(str, read["dev"].notes))
    assert (
        "apps/templates/applications.yaml: app-dev's kustomize.images and helm.parameters are its template's, "
        "not followed: set the image in the values or kustomization it renders"
    ) in notes, notes
    (image,) = read["dev"].images
    assert all(p.file != "apps/values.yaml" for p in image.pins), image
