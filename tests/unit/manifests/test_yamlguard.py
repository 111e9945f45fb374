"""The YAML guard on its own: what it refuses (with the line) and what it lets through."""

from __future__ import annotations

import time

import pytest
import yaml

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import guard, nodes
from gitops_bot.manifests.yamlguard import check

BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

# Not a speed test: an unguarded alias bomb expands for hours (exponentially), so a bound this
# loose catches only that, never a loaded machine (2 s failed under a parallel run).
BOUNDED = 60


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        (BOMB, 6, "aliases expand"),
        ("a: &a [x]\nb: &b [*a, *a]\n" + "c: [" + ", ".join(["*b"] * 60000) + "]\n", 3, "aliases expand"),
        ("a: &a\n  - *a\n", 1, "recursive alias"),
        ("k: " + "[" * 20000 + "]" * 20000 + "\n", 1, "nested deeper"),
        ("".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "v\n", 101, "nested deeper"),
        ("- " * 120 + "x\n", 1, "nested deeper"),
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
        ("---\nok: 1\n---\nx:\n  y: 1\n  y: 2\n", 6, "duplicate key 'y'"),
    ],
    ids=[
        "billion-laughs",
        "wide-alias",
        "recursive",
        "deep-flow",
        "deep-block",
        "deep-dashes",
        "dup",
        "dup-doc2",
    ],
)
def test_refused_with_the_line(text: str, line: int, match: str) -> None:
    started = time.monotonic()
    with pytest.raises(ManifestError, match=rf"^f\.yaml:{line}: .*{match}"):
        check(text, "f.yaml", ManifestError)
    with pytest.raises(ManifestError, match=match):
        nodes.compose_all(text, "f.yaml")
    assert time.monotonic() - started < BOUNDED


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {cpu: 1}\nprod: {<<: *b, mem: 2}\nstage: *b\n",
        "".join(f"- item{i}\n" for i in range(5000)),  # over the (lowered) limit, written out
        "a: 1\n---\na: 2\n",  # the same key in two documents
        "{a: [1, {b: 2}]}\n",
    ],
    ids=["anchors-in-use", "large-file", "keys-per-document", "flow"],
)
def test_let_through(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MAX_NODES", 1000)
    check(text, "f.yaml", ManifestError)


def test_the_editors_reread_still_refuses_a_duplicate_key_or_an_alias_bomb() -> None:
    """The re-read of the editor's own output skips the guard's node walk (bench/edit_bench.py);
    a duplicate key an edit created, or an alias bomb, must still fail the comparison."""
    before = "images:\n- name: app\n  newTag: '1.0'\n"
    expected = nodes.plain(nodes.compose(before, "k.yaml"))
    nodes.confirm(expected, before, "k.yaml")  # unchanged text reads back the same
    # a key written again is counted (kustomize takes metadata's annotations: twice), so one an
    # edit wrote is a difference the comparison names
    with pytest.raises(ManifestError, match=r"newTag.*should be absent"):
        nodes.confirm(expected, before + "  newTag: '1.0'\n", "k.yaml")
    with pytest.raises(ManifestError, match="broke the editor's rule"):
        nodes.confirm([expected], before + "---\na: 1\na: 1\n", "k.yaml", documents=True)
    t0 = time.monotonic()
    with pytest.raises(ManifestError, match="does not read back"):
        nodes.confirm(expected, BOMB, "k.yaml")
    assert time.monotonic() - t0 < BOUNDED


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: 2\na: 3\n",
        "x:\n  y: [1, {z: 1, z: 2}]\n  y: 3\n",
        "".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "v\n",
        "- " * 120 + "x\n",
        "a:\n  x: 1\n  x: 2\n" + "".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "v\n",
        "k: " + "[" * 99 + "1" + "]" * 99 + "\n",  # at the limit, let through
        "[" * 101 + "]" * 101 + "\n",
        "ok: &a 1\nalso: [1, 2, {three: 3}]\n",
    ],
    ids=[
        "dup-top",
        "dup-nested-first",
        "deep-block",
        "deep-dashes",
        "deep-and-dup",
        "limit",
        "deep-flow",
        "fine",
    ],
)
def test_a_text_without_aliases_gets_the_same_verdict_from_the_tree_walk(text: str) -> None:
    """Without a ``*`` the nodes are a tree: the cheaper walk must refuse exactly what the full
    walk refuses, naming the same first problem and line."""
    assert "*" not in text
    docs = [d for d in yaml.compose_all(text, Loader=guard.LOADER) if d is not None]

    def verdict(aliases: bool) -> str | None:
        try:
            guard.check_nodes(docs, "f.yaml", ManifestError, aliases=aliases)
        except ManifestError as exc:
            return str(exc)
        return None

    assert verdict(aliases=False) == verdict(aliases=True)


def test_an_anchor_defined_again_stands_for_its_latest_node_as_kustomize_reads_it() -> None:
    """Valid YAML that kubectl kustomize builds (``third`` renders as ``third:2.0``, checked with
    kubectl 1.33); both PyYAML composers refuse a second ``&t``, which ended a whole run."""
    text = "images:\n- name: app\n  newTag: &t '1.0'\n- name: other\n  newTag: &t '2.0'\n- name: third\n  newTag: *t\n"
    rendered = "images:\n- name: app\n  newTag: '1.0'\n- name: other\n  newTag: '2.0'\n- name: third\n  newTag: '2.0'\n"
    assert nodes.plain(nodes.compose(text, "k.yaml")) == nodes.plain(nodes.compose(rendered, "r.yaml"))
    later = nodes.compose_all(text + "---\nx: &t 3\ny: *t\n", "k.yaml")[1]
    assert nodes.plain(later) == nodes.plain(nodes.compose("x: 3\ny: 3\n", "r.yaml"))
    line = nodes.compose(text, "k.yaml").value[0][1].value[2].value[1][1].start_mark.line
    assert line == 4  # *t is the node of the second &t (line 5), its mark kept for the editor


def test_every_key_written_twice_in_a_file_is_named_in_one_bounded_line() -> None:
    """kustomize names each key written twice (``line 9: mapping key "b" already defined``);
    naming only the first sent a user back once per key. All of them, in the file's order, at
    the line of the first written again, and a file repeating 1,000 keys (or 10,000) still says one line."""
    text = "b: 1\nx:\n  a: 1\n  a: 2\nb: 2\n---\ny: {c: 1, c: 2}\n"
    with pytest.raises(ManifestError, match=r"^f\.yaml:4: ") as caught:
        nodes.compose_all(text, "f.yaml")
    assert caught.value.message.endswith("duplicate keys 'a' (lines 3, 4), 'b' (lines 1, 5), 'c' (line 7)")
    assert caught.value.hint == "keep one of each key and delete the others"

    long = ("L" * 1000 + ": 1\n") * 2  # YAML's longest plain key is 1024 characters
    many = "".join(f"k{i}: 1\n" for i in range(1000)) * 2 + "z: 1\n" * 1000 + long
    started = time.monotonic()
    with pytest.raises(ManifestError) as caught:
        nodes.compose_all(many, "f.yaml")
    assert time.monotonic() - started < BOUNDED
    said = caught.value.message
    assert said.startswith("f.yaml:1001: duplicate keys 'k0' (lines 1, 1001), 'k1' (lines 2, 1002)"), said
    assert said.endswith(", 'k3' (lines 4, 1004) and 998 more"), said
    assert len(str(caught.value)) < 300, said
    with pytest.raises(ManifestError, match=r"'z' \(lines 1, 2, 3, 4 and 996 more\);"):
        nodes.compose_all("z: 1\n" * 1000, "f.yaml")
    with pytest.raises(ManifestError, match=r"'L{59}…' \(lines 1, 2\); keep one L{59}…: "):
        nodes.compose_all(long, "f.yaml")


def test_a_merge_key_written_twice_is_refused_with_the_one_merge_that_kustomize_reads() -> None:
    """kustomize refuses ``<<:`` twice (``duplicate merge key``); deleting one, as the fix for
    another key says, would drop the values it merges."""
    text = "x: &x {a: 1}\ny: &y {b: 1}\nz:\n  <<: *x\n  <<: *y\n"
    with pytest.raises(ManifestError, match=r"^f\.yaml:5: duplicate key '<<' \(lines 4, 5\);") as caught:
        nodes.compose_all(text, "f.yaml")
    assert caught.value.hint == "merge every alias in one <<: [*a, *b]"


@pytest.mark.parametrize(
    ("text", "shares"),
    [
        ("a: &a [x]\nb: *a\n", True),
        ("- &a x\n- *a\n", True),
        ("{a: &b 1, c: *b}\n", True),
        ("[&a x,*a]\n", True),
        ("--- &doc\na: 1\n---\nb: *doc\n", True),
        ("rules:\n- verbs: ['*']\n  resources: ['*']\n", False),  # an RBAC rule
        ("hosts: ['*.example.com']\nnote: pod & container, A&C\n", True),  # 'A&C' might be one
        ("hosts: ['*.example.com']\nnote: at both the pod & container level\n", False),
        ("url: https://x.example/?a=1&b=2\n", False),  # no '*'
    ],
    ids=[
        "block",
        "sequence",
        "flow-map",
        "flow-seq",
        "document",
        "rbac",
        "ampersand-word",
        "ampersand",
        "no-star",
    ],
)
def test_a_text_may_share_nodes_only_where_it_writes_an_alias_and_an_anchor(text: str, shares: bool) -> None:
    """The walk of a graph (aliases' sizes and cycles) is kept for what may hold an alias; a '*'
    with no anchor (a glob, an RBAC verb) is walked as the tree it composes to."""
    assert guard.may_alias(text) is shares


def test_a_manifest_of_globs_is_walked_as_a_tree_and_a_bomb_still_as_a_graph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 3 MB operator's manifests writing '*' in RBAC verbs and no anchor took the graph's walk,
    three times the tree's; an alias bomb must still take it (it would expand for hours)."""
    graphs: list[str] = []
    walk = guard._walk

    def counted(root: object, filename: str, *rest: object) -> int:
        graphs.append(filename)
        return walk(root, filename, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(guard, "_walk", counted)
    rbac = "kind: ClusterRole\nrules:\n- apiGroups: ['*']\n  verbs: ['*']\n# rbac: globs\n"
    assert len(nodes.compose_all(rbac, "rbac.yaml")) == 1
    assert graphs == []
    with pytest.raises(ManifestError, match="aliases expand"):
        nodes.compose_all(BOMB + "# globs beside it: ['*']\n", "bomb.yaml")
    assert graphs == ["bomb.yaml"]
