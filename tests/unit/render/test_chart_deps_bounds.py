"""A chart's ``file://`` dependencies as a hostile repository writes them: shared ones nested so
that their layout (each laid out under every chart naming it, as helm builds them) would make
folders by the thousand, and one reached through a link leading out of the repository, which
helm would read into the render. Each is refused before helm runs, in one line naming the
chart and the fix, and nothing is left laid out. And a ConfigMap's values helm refuses (a
billion aliases) are said as the release's values, never as the bot's private file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_bot.render import chart_deps, helm_render
from gitops_bot.render.settings import RenderSettings
from testkit import kubetools

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: a}}
spec:
  destination: {{namespace: a}}
  source: {{repoURL: 'https://github.com/acme/deploy.git', path: {path}}}
"""
TEMPLATE = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: '%s'}]}\n"


@pytest.fixture(autouse=True)
def _tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_HELM", kubetools.helm())


def _chart(where: Path, name: str, deps: tuple[str, ...] | list[str] = (), image: str = "") -> None:
    (where / "templates").mkdir(parents=True)
    lines = [f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n"]
    if deps:
        lines.append("dependencies:\n")
        # a dependency "name=folder" is the chart name at another folder
        pairs = [(d.split("=")[0], d.split("=")[-1]) for d in deps]
        lines += [f"- {{name: {n}, version: 0.1.0, repository: 'file://../{f}'}}\n" for n, f in pairs]
    (where / "Chart.yaml").write_text("".join(lines))
    if image:
        (where / "templates" / "p.yaml").write_text(TEMPLATE % image)


def _render(root: Path, path: str) -> helm_render.Rendered:
    return helm_render.render(RenderSettings(), root, helm_render.objects(APP.format(path=path)))


def test_shared_dependencies_laying_out_past_the_bound_are_refused_once(tmp_path: Path) -> None:
    # 20 dependencies, each depending on the same 20: 420 folders laid out (2,500 for 50 of 50)
    shared = [f"s{i}" for i in range(20)]
    for s in shared:
        _chart(tmp_path / s, s)
    mids = [f"m{i}" for i in range(20)]
    for m in mids:
        _chart(tmp_path / m, m, shared)
    _chart(tmp_path / "top", "top", mids, image="ghcr.io/acme/top:1.0")
    got = _render(tmp_path, "top")
    assert got.texts == ()
    assert got.failed == (
        f"helm template top: its file:// dependencies lay out over {chart_deps.MAX_LAID} charts (one "
        "shared by several is laid out under each), not rendered; build them into charts/ "
        "(helm dependency build) or share fewer",
    )


def test_a_layout_stops_at_the_bound_and_leaves_nothing(tmp_path: Path) -> None:
    # a chain of diamonds 12 deep: 2**12 folders unbounded; the walk stops past the bound
    for depth in range(12, -1, -1):
        below = [f"a{depth + 1}", f"b{depth + 1}"] if depth < 12 else []
        for n in (f"a{depth}", f"b{depth}"):
            _chart(tmp_path / n, n, below)
    target = tmp_path / "laid"
    said = chart_deps.lay_out(tmp_path, tmp_path / "a0", target)
    assert said.startswith("its file:// dependencies lay out over"), said
    assert not target.exists()


def test_a_small_shared_dependency_is_laid_out_under_each(tmp_path: Path) -> None:
    _chart(tmp_path / "lib", "lib")
    _chart(tmp_path / "x", "x", ["lib"])
    _chart(tmp_path / "y", "y", ["lib"])
    _chart(tmp_path / "top", "top", ["x", "y"])
    assert chart_deps.lay_out(tmp_path, tmp_path / "top", tmp_path / "laid") == ""
    assert (tmp_path / "laid/charts/x/charts/lib/Chart.yaml").is_file()
    assert (tmp_path / "laid/charts/y/charts/lib/Chart.yaml").is_file()


@pytest.mark.parametrize("link", ["HOST", "../host"])
def test_a_dependency_through_a_link_leading_out_is_refused_with_its_file(tmp_path: Path, link: str) -> None:
    host = tmp_path / "host"
    _chart(host, "web", image="ghcr.io/host/secret:1.0")
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(str(host) if link == "HOST" else link, root / "shared")
    _chart(root / "parent", "parent", ["shared"], image="ghcr.io/acme/parent:1.0")
    got = _render(root, "parent")
    assert got.texts == ()
    assert got.failed == (
        "helm template parent: parent/Chart.yaml: the file:// dependency 'shared' leads out of the "
        "repository (through a link or ../), not rendered; point it at a chart in the repository",
    )
    assert list(chart_deps.closure(root, root / "parent")) == []


def test_a_dependency_through_a_link_inside_the_repository_is_laid_out(tmp_path: Path) -> None:
    _chart(tmp_path / "lib", "lib", image="ghcr.io/acme/lib:1.0")
    os.symlink("lib", tmp_path / "shared")
    _chart(tmp_path / "parent", "parent", ["lib=shared"])
    got = _render(tmp_path, "parent")
    assert got.failed == () and "ghcr.io/acme/lib:1.0" in "".join(got.texts), got


BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: apps}
spec:
  chart: {spec: {chart: ./web, sourceRef: {kind: GitRepository, name: flux-system}}}
  valuesFrom: [{kind: ConfigMap, name: web-values}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-values, namespace: apps}
data:
  values.yaml: |
"""


def test_a_configmaps_values_of_a_billion_aliases_are_refused_by_helm_naming_no_private_file(
    tmp_path: Path,
) -> None:
    _chart(tmp_path / "web", "web", image="ghcr.io/acme/web:1.0")
    text = RELEASE + "".join(f"    {line}\n" for line in BOMB.splitlines())
    got = helm_render.render(RenderSettings(), tmp_path, helm_render.objects(text))
    assert got.texts == ()
    (said,) = got.failed
    assert said.startswith("helm template web (HelmRelease web) failed: Error: failed to parse its values"), (
        said
    )
    assert "excessive aliasing" in said and "/tmp" not in said and "gitops-bot-priv" not in said, said
