"""A directory of plain manifests one of which does not parse (hkhuang07/EInvoiceHub's
kubernetes/ingress.yaml: an annotation ending in ``";`` breaks the mapping): ``kubectl apply -f
kubernetes`` says that file and applies the others. init stopped reading every environment on it,
offered busybox as "no tag is pinned" though deployment.yaml pins 1.36, and its first plan failed
on a file naming no image. The file is said with its fix and left out; a release waits on it only
when its text names an image the environment is asked about (what it sets may be a version)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import images, workloads
from gitops_bot.render import reader
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: einvoicehub}
spec:
  template:
    spec:
      initContainers:
      - name: wait
        image: busybox:1.36
      containers:
      - name: backend
        image: einvoicehub/backend:latest
"""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: einvoicehub
  annotations:
    nginx.ingress.kubernetes.io/custom-http-errors: "404,500,503";
    nginx.ingress.kubernetes.io/app-root: "/actuator/health"
"""


def _files(ingress: str) -> dict[str, str]:
    return {
        "kubernetes/deployment.yaml": DEPLOY,
        "kubernetes/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: einvoicehub}\n",
        "kubernetes/ingress.yaml": ingress,
    }


def test_init_reads_the_tags_beside_a_file_that_does_not_parse(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files(INGRESS)))
    assert [e.paths for e in found.environments] == [("kubernetes",)], found.notes
    tags = {i.name: i.tags for i in found.images}
    assert tags == {"busybox": ("1.36",), "einvoicehub/backend": ("latest",)}, found.notes
    assert not [n for n in found.notes if n.startswith("reading the environments")], found.notes
    (said,) = [n for n in found.notes if n.startswith("kubernetes/ingress.yaml")]
    assert "kubernetes/ingress.yaml:6" in said and "fix the YAML" in said, said


def _reading(root: Path) -> object:
    specs = [images.ImageSpec(n, workloads.repository_key(n)) for n in ("busybox", "einvoicehub/backend")]
    source = reader.Source("default", ("kubernetes",), tuple(s.name for s in specs))
    return reader.Reader(reader.DiskTree(root), root, specs).read([source])["default"]


def test_the_plan_reads_the_other_files_and_says_the_one_it_left_out(tmp_path: Path) -> None:
    got = _reading(write(tmp_path, _files(INGRESS)))
    busybox = got.image("busybox")  # type: ignore[attr-defined]
    assert busybox.status is PinStatus.PINNED, busybox
    assert [(p.file, p.tag) for p in busybox.pins] == [("kubernetes/deployment.yaml", "1.36")]
    assert got.blocked is None  # type: ignore[attr-defined]
    (said,) = got.said  # type: ignore[attr-defined]
    assert said.startswith(
        "kubernetes/ingress.yaml: not YAML the bot can read (kubernetes/ingress.yaml:6:"
    ), said
    assert said.endswith("fix the YAML"), said


def test_a_file_that_does_not_parse_and_names_the_image_holds_its_release(tmp_path: Path) -> None:
    broken = INGRESS + "---\nkind: Pod\nspec: {containers: [{image: busybox:1.35}]}\n"
    got = _reading(write(tmp_path, _files(broken)))
    busybox = got.image("busybox")  # type: ignore[attr-defined]
    assert busybox.status is PinStatus.UNSUPPORTED, busybox
    assert "kubernetes/ingress.yaml, which default renders, is not read" in busybox.reason
