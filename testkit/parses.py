"""Counting the one parse cache's misses (:mod:`gitops_bot.manifests.nodes`): the tests that hold
a text to one parse a run count the composer's runs, never time them."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_bot.manifests import nodes


def composer_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names the composer runs for from now on (the cache's misses), in order."""
    ran: list[str] = []
    composed = nodes._composed

    def counting(filename: str, compose: Any, text: str) -> Any:
        ran.append(filename)
        return composed(filename, compose, text)

    monkeypatch.setattr(nodes, "_composed", counting)
    return ran


def files_read(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[str]:
    """The file names ``module.name`` (a reader of ``(text, filename, **options)``: the composer
    of every document, :func:`yamlvalues.load_all`) is called for from now on, in order."""
    read: list[str] = []
    reads = getattr(module, name)

    def counting(text: str, filename: str, **kw: Any) -> Any:
        read.append(filename)
        return reads(text, filename, **kw)

    monkeypatch.setattr(module, name, counting)
    return read
