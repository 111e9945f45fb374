"""A file under a chart's templates/ is helm's input, not a manifest: the reading never parses
one holding template actions as YAML. An environment whose path is the chart directory (or a
values file in it) read each template as a manifest, and every one whose ``{{- if }}`` lines make
it YAML only once rendered got a note 'not read (... not valid YAML ...)'; one whose actions sit
in comments or quotes parsed, and its lines were read as pins helm may never print. Only the
images a template writes whole are read from it (by their lines), as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from gitops_bot.render.pin_rules import TEMPLATE_FORM
from testkit.local_git import write

APP, REDIS, SIDE = "ghcr.io/acme/app", "ghcr.io/acme/redis", "ghcr.io/acme/side"
APP_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
# YAML as it stands (the actions in comments): helm prints the sidecar only when enabled
SIDE_TEMPLATE = """# {{- if .Values.side.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata: {name: side}
spec:
  template:
    spec:
      containers:
      - name: side
        image: ghcr.io/acme/side:0.1.0
# {{- end }}
"""
REDIS_TEMPLATE = """{{- if .Values.redis.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata: {name: redis}
spec:
  template:
    spec:
      containers:
      - name: redis
        image: ghcr.io/acme/redis:7.2
{{- end }}
"""
FILES = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": f"image:\n  repository: {APP}\n  tag: 1.0.0\nredis:\n  enabled: true\nside:\n  enabled: false\n",
    "chart/values-dev.yaml": "image:\n  tag: 1.1.0\n",
    "chart/templates/app.yaml": APP_TEMPLATE,
    "chart/templates/redis.yaml": REDIS_TEMPLATE,
    "chart/templates/side.yaml": SIDE_TEMPLATE,
}
SPECS = [
    images.ImageSpec(APP, APP, {"repository": "image.repository", "tag": "image.tag"}),
    images.ImageSpec(REDIS, REDIS),
    images.ImageSpec(SIDE, SIDE),
]


@pytest.mark.parametrize(("path", "tag"), [("chart", "1.0.0"), ("chart/values-dev.yaml", "1.1.0")])
def test_a_charts_templates_are_never_read_as_manifests(tmp_path: Path, path: str, tag: str) -> None:
    write(tmp_path, FILES)
    source = reader.Source("dev", (path,), (APP, REDIS, SIDE))
    read = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS, tmp_path).read([source])["dev"]
    notes = [str(n) for n in read.notes]
    assert not [n for n in notes if "templates/" in n and "not read" in n], notes
    got = {i.image: i for i in read.images}
    assert got[APP].effective is not None and got[APP].effective.tag == tag, got[APP]
    # written whole in a template: said where, a line helm prints only as its template decides
    for image, place in ((REDIS, "chart/templates/redis.yaml:10"), (SIDE, "chart/templates/side.yaml:10")):
        assert got[image].status is PinStatus.UNSUPPORTED, got[image]
        (pin,) = got[image].pins
        assert (pin.place, pin.form) == (place, TEMPLATE_FORM), pin
