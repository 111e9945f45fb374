"""docs/guides/troubleshooting.md has an entry for every refusal the program can print: each
raise of an expected error and each configuration rule, with its kind's exit code and what to
do (scripts/troubleshooting.py reads them from the source). A refusal added without the page
regenerated, or an error class nobody said what to do about, fails here."""

from __future__ import annotations

import functools
import importlib.util
import inspect
import sys
from types import ModuleType

import pytest

from gitops_bot.core import errors
from testkit.paths import ROOT


@functools.cache
def _page() -> ModuleType:
    spec = importlib.util.spec_from_file_location("troubleshooting", ROOT / "scripts" / "troubleshooting.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("troubleshooting", module)
    spec.loader.exec_module(module)
    return module


def test_every_refusal_has_its_entry_on_the_page() -> None:
    page = _page()
    written = (ROOT / "docs/guides/troubleshooting.md").read_text(encoding="utf-8")
    found = [*page.refusals(), *page.rule_refusals()]
    assert len(found) > 300  # the walk found the refusals
    missing = [f"{r.module}: {r.message}" for r in found if page._cell(r.message) not in written]
    assert missing == [], "run scripts/docs_reference.py: " + "; ".join(missing[:5])
    assert "invalid image repository <original>: <…>" not in written  # placeholders read as names


def test_every_error_class_says_what_to_do_and_its_exit_code() -> None:
    page = _page()
    assert set(page.error_classes()) <= set(page.KINDS)
    for name, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, errors.GitOpsBotError) and cls.exit_code != 1:
            assert f"exit {cls.exit_code}" in page.KINDS[name].outcome, name


def test_an_error_class_without_an_entry_stops_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page()
    monkeypatch.setattr(page, "KINDS", {k: v for k, v in page.KINDS.items() if k != "GateClosed"})
    with pytest.raises(SystemExit, match="GateClosed"):
        page.render()
