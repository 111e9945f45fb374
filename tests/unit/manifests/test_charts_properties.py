"""Property: in generated files holding a chart in every cluster-object form (and another
chart beside it), in any quote style, line ending, with or without BOM and final newline,
moving one chart changes exactly the lines of its exact versions, reads back at the new
version, leaves ranges and the other chart alone, and a second write changes nothing."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.manifests import charts, nodes
from testkit.examples import examples

TARGET = charts.ChartSpec("app", "oci://registry.example.com/charts")
OTHER = charts.ChartSpec("db", "oci://charts.example.com/team")
NUMBERS = st.sampled_from(["0", "1", "10", "20231010"])
EXACT = st.builds(
    lambda v, a, b, c, pre: f"{v}{a}.{b}.{c}{pre}",
    st.sampled_from(["", "v"]),
    NUMBERS,
    NUMBERS,
    NUMBERS,
    st.sampled_from(["", "-rc.1", "-0.3.7", "+build.5", "-beta+exp.sha.5114f85"]),
)
RANGES = st.sampled_from(["^1.2.0", "~1.2", ">=1.0.0 <2.0.0", "1.x", "*"])


def _quoted(value: str, q: str) -> str:
    if q == "'":
        return f"'{value}'"
    if q == '"' or not nodes.reads_as_string(value, flow=True):  # ">=1.0.0", "*" cannot be plain
        return json.dumps(value)
    return value


def _docs(chart: charts.ChartSpec, version: str, q: str, ns: str) -> list[str]:
    name, repo, v = chart.name, chart.repository, _quoted(version, q)
    ref = f"tag: {_quoted(version.replace('+', '_'), q)}" if charts.is_exact(version) else f"semver: {v}"
    return [
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a-{ns}}}\nspec:\n"
        f"  source:\n    repoURL: {repo.removeprefix('oci://')}\n    chart: {name}\n    targetRevision: {v}\n",
        f"apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: s-{ns}}}\nspec:\n"
        f"  template:\n    spec:\n      sources:\n      - {{repoURL: {repo}, chart: {name}, targetRevision: {v}}}\n",
        f"apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {{name: r, namespace: {ns}}}\n"
        f"spec:\n  url: {repo}\n",
        f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: h\n  namespace: {ns}\n"
        f"spec:\n  chart:\n    spec:\n      chart: {name}\n      version: {v}  # pinned\n"
        "      sourceRef: {kind: HelmRepository, name: r}\n",
        f"apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {{name: o-{ns}}}\n"
        f"spec:\n  url: {repo}/{name}\n  ref:\n    {ref}\n",
    ]


@st.composite
def files(draw: st.DrawFn) -> tuple[str, str, bool]:
    """(text, new version, whether the target's old versions are exact)."""
    exact = draw(st.booleans())
    old = draw(EXACT if exact else RANGES)
    docs = _docs(TARGET, old, draw(st.sampled_from(["", "'", '"'])), "t")
    docs += _docs(OTHER, draw(EXACT), draw(st.sampled_from(["", "'", '"'])), "o")
    docs = draw(st.permutations(docs))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    text = "---\n".join(docs).replace("\n", nl)
    if draw(st.booleans()):
        text = text.removesuffix(nl)
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, draw(EXACT), exact


def _versions(text: str, spec: charts.ChartSpec) -> list[str]:
    return [s.version.replace("_", "+") for s in charts.read(text, "all.yaml", [spec])]


@settings(max_examples=examples(100), deadline=None)
@given(files())
def test_moving_one_chart_changes_only_its_exact_version_lines(case: tuple[str, str, bool]) -> None:
    text, new, exact = case
    before = charts.read(text, "all.yaml", [TARGET])
    assert sorted(s.form for s in before) == sorted((*charts.FORMS[1:4], "argocd-application"))
    out = charts.write(text, "all.yaml", {TARGET: new})
    assert out.startswith("\ufeff") == text.startswith("\ufeff")
    assert out.endswith("\n") == text.endswith("\n")
    old_lines, new_lines = text.splitlines(keepends=True), out.splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    changed = {i + 1 for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b}
    assert changed <= {s.line for s in before}
    if exact:
        assert _versions(out, TARGET) == [new] * len(before)
        assert changed == {s.line for s in before if s.version.replace("_", "+") != new}
    else:
        assert out == text
    assert _versions(out, OTHER) == _versions(text, OTHER)
    assert charts.write(out, "all.yaml", {TARGET: new}) == out
