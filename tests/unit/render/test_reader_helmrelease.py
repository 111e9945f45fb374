"""A Flux HelmRelease whose chart is a path of its GitRepository (this repository): the chart's
values.yaml is read under the HelmRelease's spec.values; a version set only in the chart's
values is inherited, and a release goes under the HelmRelease's own spec.values. A chart of a
HelmRepository is named as not followed."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import HELMRELEASE_KEY, PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader

APP = "ghcr.io/acme/app"
SPECS = [
    images.ImageSpec(APP, "ghcr.io/acme/app", helm={"repository": "image.repository", "tag": "image.tag"})
]
RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
spec:
  chart:
    spec:
      chart: {chart}
      sourceRef:
        kind: {kind}
        name: flux-system
  values:
    replicaCount: 2
"""
FILES = {
    "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "charts/app/values.yaml": "image:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\n",
}


def _read(root: Path, chart: str, kind: str) -> dict[str, reader.EnvironmentReading]:
    files = dict(FILES)
    for env in ("staging", "production"):
        files[f"apps/{env}/app.yaml"] = RELEASE.format(chart=chart, kind=kind)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    sources = [reader.Source(e, (f"apps/{e}/app.yaml",), (APP,)) for e in ("staging", "production")]
    return reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)


def test_the_charts_values_in_the_repository_are_inherited(tmp_path: Path) -> None:
    got = _read(tmp_path, "./charts/app", "GitRepository")["staging"].image(APP)
    assert got is not None and got.status is PinStatus.INHERITED, got
    assert [(p.file, p.line) for p in got.pins if p.effective] == [("charts/app/values.yaml", 3)]
    assert got.would_write is not None
    assert (got.would_write.file, got.would_write.form) == ("apps/staging/app.yaml", HELMRELEASE_KEY)


def test_a_chart_of_a_helm_repository_is_named_as_not_followed(tmp_path: Path) -> None:
    got = _read(tmp_path, "app", "HelmRepository")["staging"].image(APP)
    assert got is not None and got.status is PinStatus.NOT_RENDERED, got
    assert got.reason is not None and "HelmRepository" in got.reason


def test_an_image_a_helmreleases_values_write_whole_gets_the_reference_key_as_its_fix(tmp_path: Path) -> None:
    # a newcomer's config named the image as the HelmRelease's values write it, with no helm:
    # keys, and the fix said 'name the image in gitops-bot.yaml as the manifests write it'
    (tmp_path / "apps/staging").mkdir(parents=True)
    (tmp_path / "apps/staging/api.yaml").write_text(
        RELEASE.format(chart="api", kind="HelmRepository").replace(
            "    replicaCount: 2\n", f"    host: staging.api\n    image: {APP}:0.0.11 # a comment\n"
        )
    )
    specs = [images.ImageSpec(APP, "ghcr.io/acme/app")]
    sources = [reader.Source("staging", ("apps/staging/api.yaml",), (APP,))]
    got = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(sources)["staging"].image(APP)
    assert got is not None and got.status is PinStatus.NOT_RENDERED, got
    assert got.fix == (
        f"apps/staging/api.yaml:14 names {APP} at image (under the HelmRelease's spec.values): add "
        "helm: {reference: image} to the image in gitops-bot.yaml"
    )
