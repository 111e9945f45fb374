"""A Flux Kustomization's spec.images entries written in place: only the characters of the
values that change, every other byte of the file kept, as kustomize's images: entries are."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import flux_images, images
from gitops_bot.manifests.kustomize_text import ImageEdit

TWO = """\
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps   # the apps
spec:
  path: ./overlays/staging
  images:
    - name: ghcr.io/acme/web
      newTag: "1.0.0"  # pinned by hand
    - {name: ghcr.io/acme/worker, newTag: 2.0.0}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra
spec:
  path: ./infra
  images:
  - name: ghcr.io/acme/web
    newTag: 1.0.0@sha256:%s
""" % ("a" * 64)

D = "sha256:" + "b" * 64


def test_the_entry_of_each_kustomization_naming_the_image_is_written_in_its_own_style() -> None:
    out = flux_images.edit(
        TWO, "clusters/staging/apps.yaml", [ImageEdit("ghcr.io/acme/web", new_tag="1.1.0", digest=D)]
    )
    assert out.text == TWO.replace(
        '      newTag: "1.0.0"  # pinned by hand\n',
        f'      newTag: "1.1.0"  # pinned by hand\n      digest: {D}\n',
    ).replace("newTag: 1.0.0@sha256:" + "a" * 64, f"newTag: 1.1.0@{D}")
    assert out.images == ("ghcr.io/acme/web",)
    assert {c.site for c in out.changes} == {"spec.images[0]"}


def test_a_flow_entry_is_written_in_flow_and_an_image_without_an_entry_changes_nothing() -> None:
    out = flux_images.edit(TWO, "apps.yaml", [ImageEdit("ghcr.io/acme/worker", new_tag="2.1.0")])
    assert out.text == TWO.replace("newTag: 2.0.0}", "newTag: 2.1.0}")
    none = flux_images.edit(TWO, "apps.yaml", [ImageEdit("ghcr.io/acme/api", new_tag="9.0.0")])
    assert none.text == TWO and none.changes == () and none.images == ()


def test_other_kinds_are_left_alone() -> None:
    text = TWO.replace("kustomize.toolkit.fluxcd.io/v1", "kustomize.config.k8s.io/v1beta1", 1)
    out = flux_images.edit(text, "apps.yaml", [ImageEdit("ghcr.io/acme/web", new_tag="1.1.0")])
    # only the Flux document's entry (the second) changes
    assert out.text.count("newTag: 1.1.0") == 1 and '"1.0.0"' in out.text


def test_an_entry_that_is_no_single_value_is_refused_and_nothing_written() -> None:
    text = TWO.replace('newTag: "1.0.0"  # pinned by hand', "newTag: [1.0.0]")
    with pytest.raises(ManifestError):
        flux_images.edit(text, "apps.yaml", [ImageEdit("ghcr.io/acme/web", new_tag="1.1.0")])


def test_the_release_editor_writes_a_flux_entry_as_it_writes_any_place() -> None:
    spec = images.ImageSpec("ghcr.io/acme/web", "ghcr.io/acme/web")
    out = images.edit(TWO, "apps.yaml", [spec], [images.Update("ghcr.io/acme/web", None, "1.2.0", None)])
    assert '"1.2.0"' in out.text and "newTag: 1.2.0" in out.text
