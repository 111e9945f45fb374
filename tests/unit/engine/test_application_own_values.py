"""An Argo CD Application's own Helm values (``helm.values``, a literal block, and
``helm.valuesObject``), which Argo CD layers over the chart's value files: the pin is the
Application's line, proven by the marked render (the real helm from ``.tools/bin``), and a
release writes that line alone, byte for byte. The value file under it changes nothing."""

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
    helm: {{repository: image.repository, tag: image.tag}}
environments:
  - name: dev
    path: apps/dev.yaml
  - name: prod
    path: apps/prod.yaml
"""
DEV = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: dev
spec:
  source:
    repoURL: https://github.com/acme/deploy.git
    path: chart
    helm:
      valueFiles:
        - values-dev.yaml
      # the tag CI writes
      values: |
        image:
          tag: "1.1.0"  # kept
        replicas: 2
  destination: {namespace: dev}
"""
PROD = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: prod}
spec:
  source:
    repoURL: https://github.com/acme/deploy.git
    path: chart
    helm:
      valueFiles: [values-prod.yaml]
      valuesObject:
        image:
          tag: 1.0.0
  destination: {namespace: prod}
"""
TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: '{{ .Values.image.repository }}:{{ .Values.image.tag }}'
"""


def _read(
    root: Path,
) -> tuple[dict[str, EnvironmentReading], dict[str, EnvironmentReading], list[images.ImageSpec]]:
    write(
        root,
        {
            "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl()).replace("{helm}", helm()),
            "apps/dev.yaml": DEV,
            "apps/prod.yaml": PROD,
            "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "chart/values.yaml": f"image: {{repository: {IMAGE}, tag: '0.9.0'}}\n",
            "chart/values-dev.yaml": "image:\n  tag: 1.0.5\n",
            "chart/values-prod.yaml": "image:\n  tag: 0.9.5\n",
            "chart/templates/deployment.yaml": TEMPLATE,
        },
    )
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules, proven.prove(config, root, list(config.environments), specs, rules), specs


def test_the_applications_own_values_are_the_pin_and_the_marked_render_proves_them(tmp_path: Path) -> None:
    rules, judged, _ = _read(tmp_path)
    for env, line, tag in (("dev", 15, "1.1.0"), ("prod", 12, "1.0.0")):
        (image,) = judged[env].images
        assert image.status is PinStatus.PINNED, (env, image)
        assert image == rules[env].images[0]  # the render takes the line the rules read
        pin = image.effective
        assert pin is not None and (pin.file, pin.line, pin.tag) == (f"apps/{env}.yaml", line, tag), pin
        assert pin.editable, pin
        # the chart's value file under it is read, and is not what runs
        assert any(p.file == f"chart/values-{env}.yaml" and not p.effective for p in image.pins), image.pins


def test_a_release_writes_the_applications_own_value_alone(tmp_path: Path) -> None:
    _, _, specs = _read(tmp_path)
    update = images.Update(IMAGE, tag="1.2.0")
    dev = images.edit(DEV, "apps/dev.yaml", specs, [update], application="dev")
    assert dev.text == DEV.replace('tag: "1.1.0"', 'tag: "1.2.0"'), dev.text
    prod = images.edit(PROD, "apps/prod.yaml", specs, [update], application="prod")
    assert prod.text == PROD.replace("tag: 1.0.0", "tag: 1.2.0"), prod.text
    # another Application's own values are its environment's, never written by this one's release
    both = DEV + "---\n" + DEV.replace("name: dev", "name: qa")
    edited = images.edit(both, "apps/dev.yaml", specs, [update], application="qa")
    assert edited.text == DEV + "---\n" + DEV.replace("name: dev", "name: qa").replace("1.1.0", "1.2.0")


def test_own_values_the_chart_never_reads_are_no_pin_a_release_writes(tmp_path: Path) -> None:
    """The same Applications over a chart whose template takes another key: the marked render
    shows the Application's line changes nothing, so no release is proposed there."""
    _read(tmp_path)
    (tmp_path / "chart/templates/deployment.yaml").write_text(
        TEMPLATE.replace(".Values.image.tag", ".Values.version")
    )
    (tmp_path / "chart/values.yaml").write_text(
        f"image: {{repository: {IMAGE}, tag: '0.9.0'}}\nversion: 2.0.0\n"
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    judged = proven.prove(config, tmp_path, list(config.environments), specs, rules)
    (dev,) = judged["dev"].images
    assert rules["dev"].images[0].status is PinStatus.PINNED
    assert dev.status is PinStatus.UNSUPPORTED, dev
    assert dev.reason is not None and "apps/dev.yaml" in dev.reason, dev.reason


def test_a_key_the_block_writes_twice_is_read_as_helm_reads_it_and_never_written(tmp_path: Path) -> None:
    """davidagustin/authpractice: a CI script appends ``tag:`` to the Application's own values
    block. helm takes the last; the bot reads that line, and a release writes none of them."""
    twice = DEV.replace(
        '          tag: "1.1.0"  # kept\n', '          tag: "1.0.9"\n\n          tag: "1.1.0"\n'
    )
    _read(tmp_path)
    (tmp_path / "apps/dev.yaml").write_text(twice)
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    (dev,) = rules["dev"].images
    assert [(p.file, p.line, p.tag) for p in dev.pins if p.effective] == [("apps/dev.yaml", 17, "1.1.0")], dev
    assert dev.status is PinStatus.UNSUPPORTED, dev
    assert dev.reason is not None and "duplicate key 'tag' (lines 15, 17)" in dev.reason, dev.reason
    with pytest.raises(ManifestError, match=r"duplicate key 'tag' \(lines 15, 17\)"):
        images.edit(twice, "apps/dev.yaml", specs, [images.Update(IMAGE, tag="1.2.0")], application="dev")
