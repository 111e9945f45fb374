"""Hostile files and versions for the chart-version editors: what Helm would read differently
from the bot is refused (one line naming file and line), a node shared through an alias is
written once, a new version no chart tool would accept is refused, and every accepted write
reads back at exactly the versions asked for with every other byte unchanged.

Where Helm's reading decides, it was asked (``.tools/bin/helm`` v4.1.4, ``helm dependency
list`` of a chart with the Chart.yaml shown): ``ver\u017fion:`` (a long s), ``VERSION:`` and ``Name:`` are read
as ``version``/``name`` when the exact key is absent, a merge key (``<<``) brings its keys in,
and ``version: 1.10`` is read as ``1.1``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import charts, charts_lock
from gitops_bot.manifests.yamltext import render
from testkit.examples import examples

A = charts.ChartSpec("a", "https://x.io/charts")
HEAD = "apiVersion: v2\nname: umbrella\nversion: 0.1.0\n"
DEP = "- name: a\n  version: 1.2.3\n  repository: https://x.io/charts\n"
APP = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
    "  source: {chart: a, repoURL: https://x.io/charts, targetRevision: 1.2.3}\n"
)


# -- a node shared through an alias ------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "text"),
    [
        (
            "Chart.yaml",
            HEAD
            + "dependencies:\n- &dep\n  name: a\n  version: 1.2.3\n  repository: https://x.io/charts\n- *dep\n",
        ),
        (
            "app.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
            "  source: &s\n    chart: a\n    repoURL: https://x.io/charts\n    targetRevision: 1.2.3\n"
            "  sources:\n  - *s\n",
        ),
    ],
)
def test_an_entry_shared_through_an_alias_is_written_once(filename: str, text: str) -> None:
    """Both places are one node: writing its span twice garbled it ('2.0.0-rc.10-rc.10')."""
    out = charts.write(text, filename, {A: "2.0.0-rc.10"})
    assert out == text.replace("1.2.3", "2.0.0-rc.10")
    assert [s.version for s in charts.read(out, filename, [A])] == ["2.0.0-rc.10"] * 2


# -- keys Helm reads that the bot would not see ---------------------------------------------


@pytest.mark.parametrize(
    ("filename", "text", "line"),
    [
        # Helm: dependency a at 5.0.0 (the merge brings the version in)
        (
            "Chart.yaml",
            HEAD + "dependencies:\n- name: a\n  repository: https://x.io/charts\n  <<: {version: 5.0.0}\n",
            7,
        ),
        (
            "Chart.yaml",
            HEAD
            + "base: &b {repository: https://x.io/charts}\ndependencies:\n- <<: *b\n  name: a\n  version: 1.2.3\n",
            6,
        ),
        (
            "kustomization.yaml",
            "common: &c {repo: https://x.io/charts}\nhelmCharts:\n- <<: *c\n  name: a\n  version: 1.2.3\n",
            3,
        ),
        (
            "app.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
            "  <<: {source: {chart: a, repoURL: 'https://x.io/charts', targetRevision: 1.2.3}}\n",
            5,
        ),
    ],
)
def test_a_merge_key_where_a_chart_version_is_looked_for_is_refused(
    filename: str, text: str, line: int
) -> None:
    """The keys a merge brings in were silently not seen: a pinned chart the bot never moved."""
    for attempt in (
        lambda: charts.read(text, filename, [A]),
        lambda: charts.write(text, filename, {A: "2.0.0"}),
    ):
        with pytest.raises(ManifestError, match=rf"^{filename}:{line}: .*merge key") as err:
            attempt()
        assert "\n" not in str(err.value)


def test_a_merge_key_in_an_object_the_bot_does_not_edit_is_left_alone() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  <<: {k: v}\n---\n" + APP
    assert charts.write(text, "all.yaml", {A: "2.0.0"}) == text.replace("1.2.3", "2.0.0")


@pytest.mark.parametrize("key", ["Version", "VERSION", "ver\u017fion", "Name", "REPOSITORY"])
def test_a_dependency_key_helm_reads_case_insensitively_is_refused(key: str) -> None:
    """Helm reads ``Version:`` (and a long s for an s, folded as Go folds) as ``version``."""
    field = "version" if key.casefold() == "version" else key.lower()
    text = HEAD + "dependencies:\n" + DEP.replace(f"{field}:", f"{key}:")
    with pytest.raises(ManifestError, match=rf"^Chart.yaml:\d+: .*{key!r}.*write it '{field}'"):
        charts.read(text, "Chart.yaml", [A])


def test_a_lock_key_helm_reads_case_insensitively_is_refused() -> None:
    chart_yaml = HEAD + "dependencies:\n" + DEP
    lock = (
        "dependencies:\n- name: a\n  Version: 1.2.3\n  repository: https://x.io/charts\ndigest: sha256:00\n"
    )
    with pytest.raises(ManifestError, match=r"^Chart.lock:3: .*'Version'"):
        charts.relock(chart_yaml.replace("1.2.3", "2.0.0"), lock, {A: "2.0.0"})


# -- versions ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1\u0663.0.0", "1.2.3\n", "\uff11.\uff12.\uff13"])
def test_only_ascii_semver_on_one_line_is_exact(version: str) -> None:
    """Python's ``\\d`` takes any script's digits and ``$`` matches before a final newline."""
    assert not charts.is_exact(version)


def test_a_quoted_version_with_a_line_break_in_the_file_is_not_an_exact_site() -> None:
    text = APP.replace("targetRevision: 1.2.3", 'targetRevision: "1.2.3\\n"')
    [site] = charts.read(text, "app.yaml", [A])
    assert not site.exact
    assert charts.write(text, "app.yaml", {A: "2.0.0"}) == text


@pytest.mark.parametrize(
    "bad",
    ['1.2.3"', "1.2.3 #x", "1.2.3: x", "\uff11.\uff12.\uff13", "1.2.3;rm", "1.2.3-" + "a" * 200, "'1.2.3'"],
)
def test_a_new_version_no_chart_tool_accepts_is_refused(bad: str) -> None:
    """Such values were written (quoted where needed) and read back as they were asked for."""
    with pytest.raises(ManifestError, match=r"^app.yaml: chart 'a': .* is not a version"):
        charts.write(APP, "app.yaml", {A: bad})


def test_a_number_helm_reads_differently_is_a_range_and_pinning_quotes_it() -> None:
    """Helm reads ``version: 1.10`` as 1.1; it is never exact, and pinning writes a string."""
    text = HEAD + "dependencies:\n" + DEP.replace("1.2.3", "1.10")
    [site] = charts.read(text, "Chart.yaml", [A])
    assert not site.exact
    assert charts.write(text, "Chart.yaml", {A: "1.10.2"}) == text
    assert charts.write(text, "Chart.yaml", {A: "1.10.2"}, pin_ranges=True) == text.replace("1.10", "1.10.2")


# -- held: refused fast by the guards, before any node is used ----------------------------------


def _laughs() -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_laughs() + "---\n" + APP, "aliases expand"),
        ("x: " + "[" * 5000 + "]" * 5000 + "\n---\n" + APP, "nested deeper"),
        (HEAD + "dependencies:\n" + DEP + "  version: 1.2.4\n", "duplicate key"),
    ],
)
def test_hostile_structure_is_refused_with_a_line(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=rf"^(app|Chart)\.yaml:\d+: {message}"):
        charts.write(text, "Chart.yaml" if text.startswith(HEAD) else "app.yaml", {A: "2.0.0"})


# -- property: accepted writes change only the version spans --------------------------------

HOSTILE = st.text(
    alphabet=st.sampled_from(
        [*"0123456789.v+-_^~<>=*|, x\"'#:{}[]&!%@`\t\n\r\\", "\u0661", "\uff11", "\u2028", "\x85"]
    ),
    max_size=20,
)
FORMS = {  # where the version goes: @P@ plain, @F@ plain in a flow mapping, '@V@', "@V@"
    "Chart.yaml": HEAD
    + "dependencies:\n- {name: a, version: '@V@', repository: https://x.io/charts}\n"
    + DEP.replace("1.2.3", "@P@"),
    "app.yaml": APP.replace("1.2.3", "@F@")
    + "---\n"
    + APP.replace("{chart", '{"chart"').replace("1.2.3", '"@V@"  # c'),
    "kustomization.yaml": "helmCharts:\n- name: a\n  repo: https://x.io/charts/\n  version: @P@\r\n",
}


def _filled(template: str, version: str) -> str:
    """The template with ``version`` in each place's style (plain turns double-quoted where it
    would not read back as this string)."""
    for marker, style, flow in (
        ("'@V@'", "'", False),
        ('"@V@"', '"', False),
        ("@F@", None, True),
        ("@P@", None, False),
    ):
        template = template.replace(marker, render(version, style, flow=flow))
    return template


@settings(max_examples=examples(100), deadline=None)
@given(
    st.sampled_from(sorted(FORMS)),
    st.one_of(HOSTILE, st.from_regex(r"\A[0-9]\.[0-9]{1,2}\.[0-9](-rc\.[0-9])?\Z")),
)
def test_any_write_is_refused_or_changes_only_the_version_spans(filename: str, new: str) -> None:
    """Accepted: read back as asked, every byte outside the version spans as it was."""
    text = _filled(FORMS[filename], "1.2.3")
    try:
        out = charts.write(text, filename, {A: new})
    except ManifestError as err:
        assert "\n" not in str(err)
        return
    assert out == _filled(FORMS[filename], new)
    sites = len(charts.read(text, filename, [A]))
    assert [s.version for s in charts.read(out, filename, [A])] == [new] * sites


def test_a_lock_entry_shared_through_an_alias_is_written_once() -> None:
    """Two aliases of one chart locked as one anchored entry: its version span was replaced twice."""
    chart_yaml = (
        HEAD
        + "dependencies:\n"
        + "".join(
            f"- {{name: a, version: 1.2.3, repository: https://x.io/charts, alias: {n}}}\n"
            for n in ("one", "two")
        )
    )
    lock = (
        "dependencies:\n- &d\n  name: a\n  repository: https://x.io/charts\n  version: 1.2.3\n- *d\n"
        "digest: DIGEST\ngenerated: '2024-01-01T00:00:00Z'\n"
    )
    lock = lock.replace("DIGEST", charts_lock.digest(chart_yaml, lock))
    edited = charts.write(chart_yaml, "Chart.yaml", {A: "1.10.0"})
    out = charts.relock(edited, lock, {A: "1.10.0"})
    assert out.startswith(lock.split("digest:")[0].replace("1.2.3", "1.10.0"))
    assert charts_lock.digest(edited, out) in out


@pytest.mark.parametrize(
    ("filename", "text", "key", "field"),
    [
        ("Chart.yaml", HEAD + "Dependencies:\n" + DEP, "Dependencies", "dependencies"),
        (
            "kustomization.yaml",
            "HelmCharts:\n- {name: a, repo: https://x.io/charts, version: 1.2.3}\n",
            "HelmCharts",
            "helmCharts",
        ),
        (
            "kustomization.yaml",
            "helmCharts:\n- {name: a, repo: https://x.io/charts, Version: 1.2.3}\n",
            "Version",
            "version",
        ),
        (
            "kustomization.yaml",
            "helmCharts:\n- {name: a, REPO: https://x.io/charts, version: 1.2.3}\n",
            "REPO",
            "repo",
        ),
    ],
)
def test_a_list_or_entry_key_helm_or_kustomize_reads_case_insensitively_is_refused(
    filename: str, text: str, key: str, field: str
) -> None:
    """Checked with ``helm dependency list`` and ``kubectl kustomize``: both read these keys as the
    field; the bot saw no chart there."""
    with pytest.raises(ManifestError, match=rf"^{filename}:\d+: key '{key}' is read .* as '{field}'"):
        charts.read(text, filename, [A])


def test_a_lock_entry_without_a_version_to_move_is_refused() -> None:
    """The digest was written for a locked version the file did not hold, so Helm found the
    lock out of sync."""
    chart_yaml = HEAD + "dependencies:\n- {name: a, version: ^1.2.0, repository: https://x.io/charts}\n"
    lock = "dependencies:\n- name: a\n  repository: https://x.io/charts\ndigest: DIGEST\n"
    lock = lock.replace("DIGEST", charts_lock.digest(chart_yaml, lock))
    with pytest.raises(ManifestError, match=r"^Chart.lock:2: .*no version"):
        charts.relock(chart_yaml, lock, {A: "1.3.0"})


@pytest.mark.parametrize(
    "edit",
    [
        lambda lock: lock.replace(
            "digest:", "- {name: b, version: 1.0.0, repository: https://x.io/charts}\ndigest:"
        ),
        lambda lock: lock.replace("digest: ", "digest: x"),
        lambda lock: lock.replace("digest: ", "digest: [").replace("\ngenerated", "]\ngenerated"),
        lambda lock: "\n".join(line for line in lock.split("\n") if not line.startswith("digest")),
    ],
    ids=["extra entry", "digest not reproduced", "digest not a string", "no digest"],
)
def test_a_lock_out_of_step_is_refused_not_rewritten(edit: Callable[[str], str]) -> None:
    chart_yaml = HEAD + "dependencies:\n" + DEP
    lock = "dependencies:\n- {name: a, version: 1.2.3, repository: https://x.io/charts}\ndigest: DIGEST\ngenerated: x\n"
    lock = edit(lock.replace("DIGEST", charts_lock.digest(chart_yaml, lock)))
    with pytest.raises(ManifestError, match=r"^Chart.lock(:\d+)?: .*out of sync"):
        charts.relock(chart_yaml.replace("1.2.3", "2.0.0"), lock, {A: "2.0.0"})


@pytest.mark.parametrize(
    ("filename", "text"),
    [
        (
            "app.yaml",
            "%YAML 1.1\n--- {apiVersion: argoproj.io/v1alpha1, kind: Application, spec: {source: "
            "{chart: a, repoURL: 'https://x.io/charts', targetRevision: 1.2.3}}}\n...\n",
        ),
        (
            "app.json",
            '{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","spec":{"sources":'
            '[{"chart":"a","repoURL":"https://x.io/charts","targetRevision":"1.2.3"}]}}',
        ),
        (
            "kustomization.yaml",
            "helmCharts:\n- ? name\n  : a\n  ? version\n  : 1.2.3\n  repo: https://x.io/charts\n",
        ),
        (
            "kustomization.yaml",
            'helmCharts:\n- !!str name: a\n  "ver\\x73ion": 1.2.3\n  repo: https://x.io/charts\n',
        ),
        (
            "appset.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nspec:\n  generators:\n  - list:\n"
            "      elements:\n      - <<: {cluster: a}\n  template:\n    spec:\n"
            "      source: {chart: a, repoURL: 'https://x.io/charts', targetRevision: 1.2.3}\n",
        ),
    ],
    ids=[
        "directive and inline document",
        "json",
        "explicit keys",
        "tagged and escaped keys",
        "merge elsewhere",
    ],
)
def test_unusual_but_unambiguous_yaml_is_edited_in_place(filename: str, text: str) -> None:
    assert charts.write(text, filename, {A: "2.0.10"}) == text.replace("1.2.3", "2.0.10")
