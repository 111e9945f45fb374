"""A new ``images:`` entry is placed where it renders as ``kustomize edit set image`` + build
does: kustomize applies the entries in turn and its own edit sorts them by name, so a new entry
that an existing entry's ``newName`` chains into goes before that entry; otherwise it is
appended (the byte-minimal place)."""

from __future__ import annotations

from gitops_bot.manifests import kustomize
from gitops_bot.manifests.setimage import parse_arg

CHAINED = """images:
  - name: web
    newName: ghcr.io/Org/app
    newTag: latest  # CI
"""


def _edit(text: str, arg: str) -> str:
    return kustomize.edit(text, [parse_arg(arg)]).text


def test_a_new_entry_an_earlier_entry_chains_into_goes_before_it() -> None:
    assert _edit(CHAINED, "ghcr.io/Org/app:6") == (
        'images:\n  - name: ghcr.io/Org/app\n    newTag: "6"\n' + CHAINED.removeprefix("images:\n")
    )


def test_a_new_entry_sorting_before_the_one_it_chains_from_stays_appended() -> None:
    text = CHAINED.replace("name: web", "name: app")
    assert _edit(text, "ghcr.io/Org/app:6") == text + '  - name: ghcr.io/Org/app\n    newTag: "6"\n'


def test_a_new_entry_with_no_chain_is_appended() -> None:
    assert _edit(CHAINED, "other:1.0") == CHAINED + '  - name: other\n    newTag: "1.0"\n'


def test_flow_lists_get_the_entry_before_the_chained_one() -> None:
    text = "images: [{name: web, newName: ghcr.io/Org/app}]\n"
    assert _edit(text, "ghcr.io/Org/app:6") == (
        'images: [{name: ghcr.io/Org/app, newTag: "6"}, {name: web, newName: ghcr.io/Org/app}]\n'
    )
