"""Composing made cheaper without changing what it gives: a run reads a file to find its images
and again to edit it, and the second read of the same text reuses the first one's checked
nodes; the tags the trimmed resolution gives are PyYAML's own."""

from __future__ import annotations

import pytest
import yaml

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import kustomize, nodes
from testkit.parses import composer_runs

OVERLAY = "images:\n  - name: app\n    newTag: 1.0.0\n"


def test_the_same_text_composed_twice_gives_the_same_nodes() -> None:
    text = OVERLAY + "# memo: same text\n"
    assert nodes.compose(text, "a.yaml") is nodes.compose(text, "b.yaml")
    docs = nodes.compose_all(text + "---\nkind: X\n", "m.yaml")
    again = nodes.compose_all(text + "---\nkind: X\n", "m.yaml")
    assert [id(d) for d in docs] == [id(d) for d in again] and docs is not again  # callers own the list


def test_a_text_that_failed_fails_again_with_its_own_file_name() -> None:
    bad = "images:\n  - name: app\n    name: other\n"
    for filename in ("first.yaml", "second.yaml"):
        with pytest.raises(ManifestError, match="duplicate key") as caught:
            nodes.compose(bad, filename)
        assert caught.value.path == filename


def test_a_refused_text_is_composed_once_for_each_file_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chart template (YAML only once rendered) is read by every reader of a reading: its
    refusal is kept, so the next reader is refused without composing it again."""
    ran = composer_runs(monkeypatch)
    bad = "kind: ConfigMap\ndata: {{ .Values.x }}\nnot: [valid\n"
    for _ in range(3):
        with pytest.raises(ManifestError, match="not valid YAML") as caught:
            nodes.compose_all(bad, "templates/cm.yaml")
        assert caught.value.path == "templates/cm.yaml"
    with pytest.raises(ManifestError) as other:
        nodes.compose_all(bad, "other/cm.yaml")
    assert other.value.path == "other/cm.yaml" and str(other.value).startswith("other/cm.yaml:")
    assert ran == ["templates/cm.yaml", "other/cm.yaml"]


def test_a_key_written_twice_is_refused_in_a_manifest_and_read_in_helm_values() -> None:
    text = "image:\n  tag: 1.0.0\n  tag: 1.1.0\n# memo: values\n"
    with pytest.raises(ManifestError, match="duplicate key"):
        nodes.compose_all(text, "values.yaml")
    (root,) = nodes.compose_all(text, "values.yaml", values=True)
    assert nodes.get(nodes.get(root, "image")[1], "tag")[1].value == "1.1.0"  # type: ignore[index]
    with pytest.raises(ManifestError, match="duplicate key"):
        nodes.compose_all(text, "values.yaml")


def test_a_stream_of_definitions_alone_is_no_document_and_never_composed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran = composer_runs(monkeypatch)
    crd = "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  names: {kind: App}\n"
    assert nodes.compose_all(crd * 50, "crds/app.yaml") == []
    assert nodes.compose_all(crd * 50, "crds/app.yaml") == []
    deploy = "---\nkind: Deployment\nspec: {template: {spec: {containers: [{image: a:1}]}}}\n"
    assert len(nodes.compose_all(crd + deploy, "mixed.yaml")) == 2  # beside an object: composed
    assert ran == ["mixed.yaml"]


def test_a_file_of_hundreds_of_kilobytes_is_composed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chart's one big template (424 kB in open-cluster-management-io/argocd-pull-integration)
    is read by the reading's five readers; each composed it anew past the old bound of 256 k
    characters."""
    ran = composer_runs(monkeypatch)
    big = "".join(f"- name: item{i}\n  value: {'x' * 60}\n" for i in range(5_000))
    assert len(big) > 400_000
    first = nodes.compose_all(big, "big.yaml")
    for i in range(40):  # the reading's other files, read between two readers of the big one
        nodes.compose_all(f"kind: ConfigMap\ndata: {{n: '{i}'}}\n# {'x' * 8_000}\n", f"cm{i}.yaml")
    assert [id(d) for d in nodes.compose_all(big, "big.yaml")] == [id(d) for d in first]
    assert ran.count("big.yaml") == 1


def test_the_editors_own_output_is_read_afresh_and_not_kept() -> None:
    text = OVERLAY + "# memo: reread\n"
    first = nodes.compose(text, "k.yaml", reread=True)
    assert nodes.compose(text, "k.yaml", reread=True) is not first
    assert nodes.compose(text, "k.yaml") is not first


def test_an_edit_after_a_read_of_the_same_text_writes_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    text = OVERLAY + "# memo: edit\n"
    edit = [kustomize.ImageEdit("app", None, "1.1.0", "sha256:" + "a" * 64)]
    with monkeypatch.context() as m:
        m.setattr(nodes, "_memo", nodes._Memo(max_bytes=0))  # keeps nothing: every read afresh
        fresh = kustomize.edit(text, edit)
    assert kustomize.extract_images(text)[0].new_tag == "1.0.0"
    assert kustomize.edit(text, edit) == fresh
    assert kustomize.extract_images(text)[0].new_tag == "1.0.0"  # the edit changed no shared node


def test_the_memo_keeps_at_most_its_bound_of_bytes_dropping_the_oldest() -> None:
    memo = nodes._Memo(max_bytes=10)
    memo.put(False, "aaaa", [1])
    memo.put(False, "bbbb", [2])
    assert memo.get(False, "aaaa") == [1]  # now the newest
    memo.put(False, "cccc", [3])
    assert memo.get(False, "bbbb") is None
    assert memo.get(False, "aaaa") == [1] and memo.get(False, "cccc") == [3]
    memo.put(False, "x" * 11, [4])
    memo.put(False, "y" * 11, [5], weight=1)  # an entry weighs what it holds, not its text
    assert memo.get(False, "y" * 11) == [5] and memo.get(False, "aaaa") == [1]
    assert memo.get(False, "x" * 11) is None
    assert memo.get(True, "aaaa") is None  # one document and a stream are kept apart


_VALUES = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "True",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "1",
    "-1",
    "+1",
    "0o17",
    "017",
    "0x1F",
    "1_000",
    "1:30",
    "1.0",
    "1.10",
    "-.5",
    "1e3",
    "6.8523015e+5",
    ".inf",
    "-.Inf",
    ".NaN",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "&a x",
    "*",
    "sha256:abc",
    "1.0.0",
    "v1.2",
    "app",
    "'quoted'",
    '"1"',
    "!!str 1",
    "!custom x",
    "[1, a]",
    "{a: 1}",
]


@pytest.mark.parametrize("value", _VALUES)
def test_every_scalar_gets_the_tag_pyyamls_own_resolution_gives(value: str) -> None:
    """The composer's tag resolution, trimmed to what the safe loader registers, gives every
    node the tag PyYAML's general resolution gives it."""

    text = f"k: {value}\nl: [{value}]\n" if value not in ("*", "&a x") else f"k: {value!r}\n"
    assert nodes.plain(nodes.compose(text, "v.yaml", reread=True)) == nodes.plain(
        yaml.compose(text, Loader=yaml.SafeLoader)
    )


def test_a_key_written_again_is_compared_as_often_as_it_is_written() -> None:
    """A tree read for an edit's check counts a key written again (metadata's annotations:,
    which kustomize takes twice), so a re-read text writing it once more, or once less, differs."""
    text = "metadata:\n  name: a\n  annotations: {x: '1'}\n  annotations: {y: '2'}\n"
    expected = [nodes.plain(d) for d in nodes.compose_all(text, "a.yaml", reread=True)]
    nodes.confirm(expected, text, "a.yaml", documents=True)
    for broken in (text + "  annotations: {z: '3'}\n", text.replace("  annotations: {y: '2'}\n", "")):
        with pytest.raises(ManifestError, match="broke the editor's rule"):
            nodes.confirm(expected, broken, "a.yaml", documents=True)


def test_an_entry_weighs_what_its_nodes_hold_not_its_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run reads a repository's files in passes (init's candidates, what deploys each, each
    environment's reading, the render's budget). A Grafana dashboard (a ConfigMap of one JSON
    block scalar: 21 nodes, 56 kB) was weighed by its lines and commas as 1.9 MB, and a
    repository's few dozen pushed each other file out before the next pass read it."""
    monkeypatch.setattr(nodes, "_memo", nodes._Memo(max_bytes=nodes.MAX_BYTES))
    ran = composer_runs(monkeypatch)
    panels = "".join(
        f'    {{"type": "timeseries", "targets": [{{"expr": "sum(rate(x[5m]))", "refId": "A"}}], "id": {n}}},\n'
        for n in range(2_000)
    )
    texts = {
        f"dash{i}.yaml": f'kind: ConfigMap\nmetadata:\n  name: d{i}\ndata:\n  d.json: |\n    {{"panels": [\n{panels}    {{}}]}}\n'
        for i in range(20)
    }
    for _ in range(3):
        for name, text in texts.items():
            assert len(nodes.compose_all(text, name)) == 1
    assert sorted(ran) == sorted(texts)


def test_the_cache_holds_a_repository_of_a_thousand_files_with_their_nodes() -> None:
    """mitchross/talos-argocd-proxmox: 976 texts, 31.3 MB with their nodes, read in ~11 passes an
    init; at 16 MB the least recently read was always the next one read, and each file was
    composed ~7 times."""
    memo = nodes._Memo(max_bytes=nodes.MAX_BYTES)
    texts = [f"# file {i}\n" for i in range(976)]
    for text in texts:
        memo.put(True, text, [], weight=31_300_000 // 976)
    assert all(memo.get(True, text) == [] for text in texts)
