"""A matrix generator whose second generator reads the first's parameters (a git ``directories``
path ``kubernetes/apps/{{ .namespace }}/*`` a list fills): Argo CD expands the second once per
parameter set of the first, filled with that set. Imported where such a matrix is met."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gitops_bot.manifests.argocd_appsets import MAX_APPLICATIONS, Files, fill, generator_params


def fed(
    gens: list[Any], dirs: Callable[[str], list[str]], files: Files | None, depth: int
) -> list[dict[str, Any]]:
    """The matrix's parameter sets, bounded as they are made."""
    out: list[dict[str, Any]] = []
    for a in generator_params(gens[0], dirs, files, depth + 1)[: MAX_APPLICATIONS + 1]:
        out += [{**a, **b} for b in _second(gens[1], a, dirs, files, depth)]
        if len(out) > MAX_APPLICATIONS:
            break
    return out[: MAX_APPLICATIONS + 1]


def _second(
    gen: Any, first: dict[str, Any], dirs: Callable[[str], list[str]], files: Files | None, depth: int
) -> list[dict[str, Any]]:
    """The second generator's sets, its globs filled with one set of the first's."""

    def listed(glob: str) -> list[str]:
        return dirs(_filled(glob, first))

    def read(glob: str) -> list[tuple[str, Any]]:
        return files(_filled(glob, first)) if files is not None else []

    return generator_params(gen, listed, read if files is not None else None, depth + 1)


def _filled(text: str, params: dict[str, Any]) -> str:
    return fill(text, params, bool(re.search(r"\{\{-?\s*\.", text)))
