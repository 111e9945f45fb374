"""An image pinned by an ``images:`` entry at the very version a remote base of the same
kustomization is fetched at (``?ref=``): one version in two places, a release would move the
images over the old manifests. Said, and nothing is released there."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader

ARGOCD = "quay.io/argoproj/argocd"
SPECS = [images.ImageSpec(ARGOCD, ARGOCD)]
REMOTE = "https://github.com/argoproj/argo-cd//manifests/cluster-install?ref=v2.7.9"


def _read(root: Path, kustomization: str) -> reader.EnvironmentReading:
    (root / "deploy").mkdir()
    (root / "deploy/kustomization.yaml").write_text(kustomization)
    source = reader.Source("default", ("deploy",), (ARGOCD,))
    return reader.Reader(reader.DiskTree(root), root, SPECS).read([source])["default"]


def test_an_images_entry_at_a_remote_bases_ref_is_not_released(tmp_path: Path) -> None:
    env = _read(
        tmp_path,
        f"resources:\n  - {REMOTE}\nimages:\n  - name: {ARGOCD}\n    newTag: v2.7.9\n",
    )
    r = env.image(ARGOCD)
    assert r.status is PinStatus.UNSUPPORTED
    assert r.reason == (
        f"pinned also as ?ref=v2.7.9 of {REMOTE}: a release would move the images and not the manifests"
    )
    assert r.fix == "vendor the base or release both by hand"


def test_another_ref_than_the_pinned_tag_leaves_the_entry_released(tmp_path: Path) -> None:
    env = _read(
        tmp_path,
        f"resources:\n  - {REMOTE.replace('v2.7.9', 'v2.6.0')}\nimages:\n  - name: {ARGOCD}\n    newTag: v2.7.9\n",
    )
    assert env.image(ARGOCD).status is PinStatus.PINNED


def test_a_ref_with_a_leading_v_is_the_same_release_and_named_as_written(tmp_path: Path) -> None:
    env = _read(
        tmp_path,
        f"resources:\n  - {REMOTE}\nimages:\n  - name: {ARGOCD}\n    newTag: 2.7.9\n",
    )
    assert (env.image(ARGOCD).reason or "").startswith(f"pinned also as ?ref=v2.7.9 of {REMOTE}:")
