"""The commented ``gitops-bot.yaml`` that ``gitops-bot init`` writes from a discovery
(:mod:`gitops_bot.engine.discovery`): each entry says what was found and what was guessed."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.engine.discovered_charts import FoundChart
from gitops_bot.engine.discovery import Discovery

HEADER = """\
# gitops-bot.yaml, written by `gitops-bot init` from what this repository holds.
# Each entry says what was found in the repository (found:) and what was guessed (guess:).
# Check the guesses, run `gitops-bot plan`, then commit it: its reference is
# docs/reference/configuration.md, and docs/guides/your-repository.md walks through it.
"""


def _q(value: Any) -> str:
    """A YAML scalar that reads back as the same string (a JSON string is a YAML one)."""
    return json.dumps(value)


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _comment(text: str) -> str:
    """A comment's words on one line: what a repository's names bring of line breaks and
    control characters does not reach the file (nor the terminal and pull request showing it)."""
    return _CONTROLS.sub("", " ".join(str(text).split()))


def config_text(found: Discovery) -> str:
    """The commented ``gitops-bot.yaml`` of a discovery."""
    lines = [HEADER.rstrip("\n"), "version: 1", "images:"]
    if not found.images:
        lines[-1] = "images: []  # found: no image the environments render"
    for img in found.images:
        envs = ", ".join(img.environments) or "no environment"
        lines.append(f"  # found: {_comment(img.how)}; rendered by {_comment(envs)}; registry {img.registry}")
        lines.append(f"- name: {_q(img.name)}")
        if img.repository:
            lines.append(f"  repository: {_q(img.repository)}  # found: {_comment(img.repository_how)}")
        for other in img.elsewhere:
            lines.append(f"  # open question: {_comment(other)}; tags are read from one repository")
        lines += [f"  # note: {_comment(n)}" for n in img.notes]
        lines.append(f"  # {'found' if img.policy_how else 'guess'}: {_comment(img.guess.why)}")
        for key, value in img.guess.keys.items():
            lines.append(f"  {key}: {_q(value) if not isinstance(value, bool) else str(value).lower()}")
        if img.helm:
            fields = ", ".join(f"{k}: {_q(v)}" for k, v in sorted(img.helm.items()))
            # Renovate's tag@sha256:... in the tag key: releases keep writing both there
            if img.guess.digest_in_tag and "tag" in img.helm and "digest" not in img.helm:
                fields += ", digestInTag: true"
            lines.append(f"  helm: {{{fields}}}  # {_comment(img.helm_how)}")
    lines += _charts(found)
    lines.append("environments:")
    if not found.environments:
        lines[-1] = "environments: []  # found: no overlay, values file, Application or Flux object"
    elif found.by_shape:
        lines.append(f"  # guess: {_comment(found.by_shape)}")
    for env in _ordered(found.environments):
        for how in env.how:
            lines.append(f"  # found: {_comment(how)}")
        lines.append(f"- name: {_q(env.name)}")
        # the root as the guide and the reference write it (the config reads "" alike)
        if len(env.paths) == 1:
            lines.append(f"  path: {_q(env.paths[0] or '.')}")
        else:
            lines.append("  paths:")
            lines += [f"  - {_q(p or '.')}" for p in env.paths]
        if env.cluster:
            lines.append(f"  # guess: {_comment(env.cluster)}")
        if env.branch:
            lines.append(f"  branch: {_q(env.branch)}  # found: {_comment(env.branch_how)}")
        lines += [f"  # open question: {_comment(q)}" for q in env.asked]
        if env.promote_from:
            word = "guess" if env.order.startswith("guessed") else "found"
            lines.append(f"  promote_from: {_q(env.promote_from)}  # {word}: {_comment(env.order)}")
        elif env.order:
            lines.append(f"  # {_comment(env.order)} (promote_from: <environment>)")
    for note in _folded(found.notes):
        lines.append(f"# not read: {_comment(note)}")
    return "\n".join(lines) + "\n"


_FOLD_AT = 3  # files saying the same note, from which they are one line


def _folded(notes: Sequence[str]) -> list[str]:
    """The notes, those saying the same of several files (``<file>: <why>``, an ApplicationSet
    each in a catalogue of apps: 111 of 326 lines) said once, the files counted and listed,
    where the first of them stood: the few notes that differ are what a person has to read."""
    files: dict[str, list[str]] = {}
    for note in notes:
        if (split := _of_file(note)) is not None:
            files.setdefault(split[1], []).append(split[0])
    out: list[str] = []
    for note in notes:
        split = _of_file(note)
        named = files.get(split[1], []) if split is not None else []
        if len(named) < _FOLD_AT or split is None:
            out.append(note)
        elif split[0] == named[0]:  # every file named still: none is left unsaid
            out.append(f"{len(named)} files ({', '.join(named)}): {split[1]}")
    return out


def _of_file(note: str) -> tuple[str, str] | None:
    """(the file, what is said of it) of a note opening with a file's path; None otherwise."""
    head, sep, rest = note.partition(": ")
    return (head, rest) if sep and head and " " not in head and ("/" in head or "." in head) else None


def _charts(found: Discovery) -> list[str]:
    """The ``charts:`` section: each chart the environments pin, where it was found and its
    guessed policy (none when no chart is pinned; what cannot be configured is a ``# not
    read:`` line)."""
    if not found.charts:
        return []
    lines = ["charts:"]
    for chart in found.charts:
        lines.append(f"  # found: {_comment(chart.how)}; pinned for {_comment(_pinned_for(chart))}")
        if len(chart.versions) + len(chart.ranges) == 1 and len(chart.environments) > 1:
            # one place several environments render: the plan says so for each, and releases none
            lines.append(
                "  # found: one place all of them render; a release for one environment does not edit "
                "it: give each environment a pin of its own (docs/manifests/helm-charts.md)"
            )
        lines.append(f"- name: {_q(chart.name)}")
        lines.append(f"  repository: {_q(chart.repository)}")
        if chart.ranges:
            lines.append(
                f"  # found: a constraint Helm resolves, left alone: {_comment(', '.join(chart.ranges))}"
            )
        lines.append(f"  # guess: {_comment(chart.guess.why)}")
        for key, value in chart.guess.keys.items():
            lines.append(f"  {key}: {_q(value) if not isinstance(value, bool) else str(value).lower()}")
    return lines


def _pinned_for(chart: FoundChart) -> str:
    """The environments pinning the chart: those at the place ``how`` names, then each other
    with its own place (so every environment's file is named, not the first's alone)."""
    first = chart.places[0][1] if chart.places else ""
    same = [e for e in chart.environments if dict(chart.places).get(e, first) == first]
    own = [f"and for {e} at {p}" for e, p in chart.places if p != first]
    return ", ".join([*same, *own])


def _ordered(envs: Sequence[FoundEnvironment]) -> list[FoundEnvironment]:
    """Each environment after the one it is promoted from (a chain reads top to bottom)."""
    by_name = {e.name: e for e in envs}
    out: list[FoundEnvironment] = []
    placed: set[str] = set()

    def place(e: FoundEnvironment, depth: int = 0) -> None:
        if e.name in placed or depth > len(envs):
            return
        if e.promote_from in by_name:
            place(by_name[e.promote_from], depth + 1)
        if e.name in placed:  # placed by the recursion: its promote_from led round to it
            return
        placed.add(e.name)
        out.append(e)

    for e in envs:
        place(e)
    return out


def with_forge(text: str, kind: str | None, api_url: str | None, repository: str | None) -> str:
    """The configuration with the forge it was proposed on, as given on the command line (a
    self-hosted forge, or a repository its remote URL does not name)."""
    given = {"type": kind, "api_url": api_url, "repository": repository}
    lines = [f"  {k}: {_q(v)}" for k, v in given.items() if v]
    if not lines:
        return text
    return text + "forge:  # given: --forge, --api-url, --forge-repository\n" + "\n".join(lines) + "\n"
