"""A list index written in a path a repository or a configuration writes (an ApplicationSet
template's ``{{tags.2}}``, a Helm parameter's ``image.0``, a JSON 6902 patch's ``/0``, a web
gate's JSON pointer) is ASCII digits: '²' is a digit to ``str.isdigit`` and not to ``int``, and
``int`` refuses over 4,300 digits. Either ended init and plan in a traceback; now such a path
names nothing, as any other path naming nothing there (a template reading it is said unexpanded)."""

from __future__ import annotations

import pytest

from gitops_bot.core import numbers
from gitops_bot.gate import web
from gitops_bot.manifests import argocd_appsets, helm_values, kustomize_refs, nodes
from testkit import appset_elements

HOSTILE = ["\u00b2", "9" * 5000, "\u0663", ""]

# dev's element a list, which its template's parameter reads by an index
APPSET = appset_elements.APPSET.replace("tag: 2.0.0", "tag: [a, b]").replace("'{{tag}}'", "'EXPR'")


def test_an_index_is_ascii_digits_of_a_lists_length() -> None:
    assert [numbers.index(t) for t in ("0", "12", "007")] == [0, 12, 7]
    assert [numbers.index(t) for t in HOSTILE] == [None] * len(HOSTILE)


@pytest.mark.parametrize("index", HOSTILE[:3], ids=["superscript two", "5000 digits", "arabic-indic three"])
def test_a_hostile_index_names_nothing(index: str) -> None:
    for expr in (f"{{{{tag.{index}}}}}", f"{{{{index .tag {index}}}}}"):
        ((name, app),) = argocd_appsets.generate(APPSET.replace("EXPR", expr), "set.yaml", lambda _: [])
        assert name == "app" and isinstance(app, str) and app.endswith("which the generators do not set"), app
    assert helm_values.node_at(nodes.compose("image: [a, b]\n", "v.yaml"), f"image.{index}") is None
    assert kustomize_refs._applies(
        {"spec": {"containers": [{}]}}, ["spec", "containers", index], "replace"
    ) in (
        "",
        "it has no /spec/containers/" + index + " (its containers holds 1)",
    )
    with pytest.raises(KeyError):
        web.resolve({"items": ["a", "b"]}, f"/items/{index}")
