"""Composing made cheaper without changing what it gives: a run reads a file to find its images
and again to edit it, and the second read of the same text reuses the first one's checked
nodes; the tags the trimmed resolution gives are PyYAML's own."""

from __future__ import annotations

import pytest
import yaml

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import kustomize, nodes

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


def test_the_editors_own_output_is_read_afresh_and_not_kept() -> None:
    text = OVERLAY + "# memo: reread\n"
    first = nodes.compose(text, "k.yaml", reread=True)
    assert nodes.compose(text, "k.yaml", reread=True) is not first
    assert nodes.compose(text, "k.yaml") is not first


def test_an_edit_after_a_read_of_the_same_text_writes_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    text = OVERLAY + "# memo: edit\n"
    edit = [kustomize.ImageEdit("app", None, "1.1.0", "sha256:" + "a" * 64)]
    with monkeypatch.context() as m:
        m.setattr(nodes, "_memo", nodes._Memo(max_chars=0))  # keeps nothing: every read afresh
        fresh = kustomize.edit(text, edit)
    assert kustomize.extract_images(text)[0].new_tag == "1.0.0"
    assert kustomize.edit(text, edit) == fresh
    assert kustomize.extract_images(text)[0].new_tag == "1.0.0"  # the edit changed no shared node


def test_the_memo_keeps_at_most_its_bound_of_characters_dropping_the_oldest() -> None:
    memo = nodes._Memo(max_chars=10)
    memo.put(False, "aaaa", [1])
    memo.put(False, "bbbb", [2])
    assert memo.get(False, "aaaa") == [1]  # now the newest
    memo.put(False, "cccc", [3])
    assert memo.get(False, "bbbb") is None
    assert memo.get(False, "aaaa") == [1] and memo.get(False, "cccc") == [3]
    memo.put(False, "x" * 11, [4])
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
