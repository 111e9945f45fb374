"""A chart template that writes an image whole (``image: ghcr.io/acme/web:1.0.0`` in a file whose
``{{- if }}`` lines make it YAML only once rendered): the rules read no version there and say
so; with helm (the real one, ``.tools/bin``) each such line is written with a marker and the
chart rendered once more, and a line whose marker runs is the image's pin, which a release
writes in place. A line helm does not render, a template another environment renders too, and
a line holding a template action stay said as the rules say them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import load
from gitops_bot.core.errors import ManifestError
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
environments:
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    {{- if .Values.mesh }}
    mesh: enabled
    {{- end }}
spec:
  template:
    spec:
      containers:
      - name: web
        image: %s
"""
DEAD = """{{- if .Values.never }}
apiVersion: v1
kind: Pod
metadata: {name: old}
spec:
  containers:
  - name: old
    image: ghcr.io/acme/web:0.9.0
{{- end }}
"""


def _read(
    root: Path, envs: dict[str, str], files: dict[str, str]
) -> tuple[EnvironmentReading, EnvironmentReading]:
    """(the rules' reading, the proven one) of the first environment."""
    config = CONFIG.replace("{kubectl}", kubectl()).replace("{helm}", helm())
    config += "".join(f"  - name: {n}\n    path: {p}\n" for n, p in envs.items())
    base = {
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/values.yaml": "mesh: true\n",
    }
    write(root, {"gitops-bot.yaml": config, **base, **files})
    cfg = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in cfg.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in cfg.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    judged = proven.prove(cfg, root, list(cfg.environments), specs, rules)
    first = next(iter(envs))
    return rules[first], judged[first]


def test_a_template_literal_helm_renders_is_the_pin_a_release_writes(tmp_path: Path) -> None:
    template = TEMPLATE % f"{IMAGE}:1.0.0  # the web"
    rules, judged = _read(tmp_path, {"dev": "charts/web"}, {"charts/web/templates/web.yaml": template})
    assert rules.images[0].status is PinStatus.UNSUPPORTED  # the rules alone: said as before
    (image,) = judged.images
    assert image.status is PinStatus.PINNED, image.reason
    (pin,) = image.pins
    assert (pin.file, pin.line, pin.effective, pin.editable, pin.tag) == (
        "charts/web/templates/web.yaml",
        14,
        True,
        True,
        "1.0.0",
    )
    assert "charts/web/templates/web.yaml" in judged.writable
    # the release's editor writes that line's tag, and nothing else
    specs = [images.ImageSpec(IMAGE, IMAGE)]
    edited = images.edit(template, pin.file, specs, [images.Update(IMAGE, tag="1.1.0")], append=False)
    assert edited.text == template.replace(":1.0.0", ":1.1.0")
    assert [(c.line, c.field, c.old, c.new) for c in edited.changes] == [(14, "tag", "1.0.0", "1.1.0")]
    pinned = images.edit(
        template, pin.file, specs, [images.Update(IMAGE, tag="1.1.0", digest="sha256:" + "a" * 64)]
    )
    assert pinned.text == template.replace(":1.0.0", f":1.1.0@sha256:{'a' * 64}")


def test_a_literal_helm_does_not_render_leaves_the_image_said(tmp_path: Path) -> None:
    files = {
        "charts/web/templates/web.yaml": TEMPLATE % f"{IMAGE}:1.0.0",
        "charts/web/templates/old.yaml": DEAD,
    }
    rules, judged = _read(tmp_path, {"dev": "charts/web/values.yaml"}, files)
    assert judged == rules
    assert judged.images[0].status is PinStatus.UNSUPPORTED


def test_a_template_two_environments_render_is_no_pin_of_either(tmp_path: Path) -> None:
    files = {
        "charts/web/templates/web.yaml": TEMPLATE % f"{IMAGE}:1.0.0",
        "charts/web/values-dev.yaml": "mesh: false\n",
        "charts/web/values-prod.yaml": "mesh: true\n",
    }
    envs = {"dev": "charts/web/values-dev.yaml", "prod": "charts/web/values-prod.yaml"}
    rules, judged = _read(tmp_path, envs, files)
    assert judged == rules
    assert judged.images[0].status is PinStatus.UNSUPPORTED


def test_a_literal_on_a_line_holding_a_template_action_is_never_written() -> None:
    template = TEMPLATE % f"{IMAGE}:1.0.0 # {{{{ .Values.note }}}}"
    specs = [images.ImageSpec(IMAGE, IMAGE)]
    with pytest.raises(ManifestError, match="template action"):
        images.edit(template, "charts/web/templates/web.yaml", specs, [images.Update(IMAGE, tag="1.1.0")])
