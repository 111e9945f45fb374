"""The line test that spares composing a resource to learn its documents are objects: where it
says "all mappings", composing agrees, on every YAML file of the real-repository corpus and on
the shapes kustomize refuses."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import nodes
from gitops_bot.manifests.yamltext import YamlText
from testkit.paths import TEST_DATA


def _maps(text: str) -> bool | None:
    try:
        docs = nodes.compose_all(YamlText.of(text).body, "f.yaml")
    except GitOpsBotError:
        return None
    return all(d is None or nodes.is_null(d) or nodes.is_map(d) for d in docs)


@pytest.mark.parametrize(
    "text",
    [
        "- a\n- b\n",
        "apiVersion: v1\n---\n- a\n",
        "just a value\n",
        "https://example.com/x\n",
        "\ufeff- a\n",
        "--- [a, b]\n",
        "[a, b]\n",
        "? complex\n: value\n",
        "kind: A\n--- # a comment\n- x\n",
        "kind: A\n---\n- x\n",
        "- a\nkey:\n- b\n",
        "key: value\n- b\n",
    ],
)
def test_what_is_no_mapping_is_composed(text: str) -> None:
    assert not nodes.all_mappings(text) or _maps(text) is not False, text


def test_an_indentless_sequence_under_a_key_is_a_mapping() -> None:
    assert nodes.all_mappings("kind: Role\nrules:\n- apiGroups: ['']\n  verbs: [get]\n- apiGroups: [apps]\n")


def test_where_the_lines_say_mappings_composing_agrees_on_the_corpus() -> None:
    checked = 0
    for path in sorted((TEST_DATA / "repos").rglob("*.y*ml")):
        text = path.read_text(errors="replace")
        if nodes.all_mappings(text):
            assert _maps(text) is not False, path
            checked += 1
    assert checked > 1000
