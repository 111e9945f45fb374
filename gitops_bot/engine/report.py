"""The delivery report (``gitops-bot report``): each environment's four DORA keys, gathered
from what git and the forge hold and computed by :func:`gitops_bot.release.dora.report`.

What is read, once per run: each environment's release history on the base (one ``git log``
each, :mod:`gitops_bot.release.ledger`), the holds file's history (one ``git log``, each of its
versions parsed once), the labels of each build a release in the period brought and of the
build it replaced (concurrently, on the registry pool, each once), and for each, the source
commits between the two builds as the source's forge answers them (concurrently, each
(repository, base, head) once): the newest of them is the commit the new build came from, with
its time. Nothing here fails the report for one image: what could not be read is named, with
why, beside the figure it is missing from.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from gitops_bot.core.errors import ConfigError
from gitops_bot.core.instants import INSTANT_MAX, format_duration, format_instant, outside_instant
from gitops_bot.core.model import Deployed, ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.engine import contents, fanout
from gitops_bot.engine.app import App
from gitops_bot.engine.history import chart_specs
from gitops_bot.engine.session import Session
from gitops_bot.forges.compare_kit import CompareUnavailable, Comparison
from gitops_bot.forges.sources import History
from gitops_bot.git.gitlog import Commit
from gitops_bot.release import dora, holds, ledger
from gitops_bot.release.promotion import location
from gitops_bot.release.proposal import Change

SCHEMA = "gitops-bot/report/v1"
MAX_LOOKUPS = 20_000
"""The most builds a report asks the forge about: past it, a release's lead time is unread."""


@dataclass(frozen=True, slots=True)
class Reports:
    """The report of each environment asked, over one period."""

    reports: tuple[dora.Report, ...]
    since: datetime
    until: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "since": format_instant(self.since),
            "until": format_instant(self.until),
            "failure_span": format_duration(dora.FAILURE_SPAN),
            "environments": [r.to_json() for r in self.reports],
        }


def report(
    s: Session,
    env_names: Sequence[str] | None,
    period: timedelta,
    *,
    known: MutableMapping[dora.Key, dora.Source | None] | None = None,
) -> Reports:
    """``known``: what an earlier report of the same repository read of each (commit, image),
    kept by a caller that reports again and again (``watch``, each cycle); it is used instead of
    asking the registry and the forge again, and left holding what this report read."""
    app = s.app
    envs = app.environments(env_names)
    until = app.clock()
    since = until - period
    # a release before the period says what ran when it began, and a rollback in it what it restores
    reach = since - dora.FAILURE_SPAN
    histories = {e.name: _history(s, e.name, reach) for e in envs}
    placed, unread = _holds(s, [e.name for e in envs], reach)
    wanted = {env: dora.wanted(entries, since, until) for env, entries in histories.items()}
    sources = _sources(s, wanted, known)
    out = tuple(
        dora.report(
            e.name,
            histories[e.name],
            placed.get(e.name, ()),
            sources,
            since=since,
            until=until,
            unread=unread,
        )
        for e in envs
    )
    return Reports(out, since, until)


def _history(s: Session, environment: str, reach: datetime) -> list[ledger.Entry]:
    """The environment's releases newest first, back to the first one before ``reach``."""
    app = s.app
    env = app.config.environment(environment)
    paths = app.repo_paths(env, s.root)
    return ledger.read(
        s.ws, s.ws.base_ref, paths, app.image_specs(), charts=chart_specs(app, env), since=reach
    )


def _holds(
    s: Session, environments: Sequence[str], reach: datetime
) -> tuple[dict[str, list[dora.HoldPlaced]], list[dora.Unread]]:
    """Each hold a commit on the base placed on the environments since ``reach``, from the holds
    file's history; a version of the file that does not read is named (its holds are not
    counted). A hold older than ``reach`` shows no release of the period failed: the versions
    before it are not parsed (a year of them was a fifth of a 30-day report's time)."""
    app = s.app
    path = holds.path_for(app.config.root).relative_to(app.root).as_posix()
    commits = list(takewhile(lambda c: _landed(c) >= reach, s.ws.log(s.ws.base_ref, [path])))
    states = ledger.states(s.ws, s.ws.base_ref, [path], commits)
    blobs = s.ws.read_blobs([b for st in states for b in st.values()], s.ws.base_ref, [path])
    parsed: dict[str | None, holds.Holds | str] = {None: {}}
    for blob, data in blobs.items():
        try:
            parsed[blob] = holds.parse(data.decode("utf-8-sig"), path)
        except (ConfigError, UnicodeDecodeError) as exc:
            parsed[blob] = " ".join(str(exc).split())
    out: dict[str, list[dora.HoldPlaced]] = {}
    unread: list[dora.Unread] = []
    for i, commit in enumerate(commits):
        after, before = parsed.get(states[i].get(path), {}), parsed.get(states[i + 1].get(path), {})
        when = outside_instant(commit.committed or commit.time, "holds history")
        if isinstance(after, str):
            unread.append(dora.Unread(commit.sha[:12], path, Outside(after)))
            continue
        if when is None:
            continue
        for env in environments:
            for image, reason in dora.hold_changes(before if isinstance(before, dict) else {}, after, env):
                out.setdefault(env, []).append(dora.HoldPlaced(commit.sha, when, image, Outside(reason)))
    return out, unread


def _landed(commit: Commit) -> datetime:
    """When a commit landed on the base (git wrote it: unreadable only in a forged history,
    taken then as the newest, so that commit is read)."""
    return outside_instant(commit.committed or commit.time, "holds history") or INSTANT_MAX


_Triple = tuple[str, str, str]  # (source repository, base revision, head revision)


def _sources(
    s: Session,
    wanted: Mapping[str, Mapping[dora.Key, tuple[Deployed, Deployed | None]]],
    known: MutableMapping[dora.Key, dora.Source | None] | None = None,
) -> dict[dora.Key, dora.Source]:
    """Each wanted build's source commit and its time, as its forge answers. A commit names
    its builds for good, so what ``known`` holds of a key (a dated source commit, or no new
    build) is taken as it is; what could not be read is asked again. ``known`` is left holding
    only the keys wanted now: it never outgrows one report."""
    memo = known if known is not None else {}
    kept = {k: memo[k] for keys in wanted.values() for k in keys if k in memo}
    memo.clear()
    memo.update(kept)
    asked = {env: {k: v for k, v in keys.items() if k not in kept} for env, keys in wanted.items()}
    out = _read_sources(s, asked)
    for keys in asked.values():
        for key in keys:
            if key not in out or out[key].time is not None:  # read, or no new build: for good
                memo[key] = out.get(key)
    out.update({k: v for k, v in kept.items() if v is not None})
    return out


def _read_sources(
    s: Session, wanted: Mapping[str, Mapping[dora.Key, tuple[Deployed, Deployed | None]]]
) -> dict[dora.Key, dora.Source]:
    app = s.app
    changes: dict[dora.Key, Change] = {}
    out: dict[dora.Key, dora.Source] = {}
    for env, keys in wanted.items():
        for key, (new, old) in keys.items():
            change = _change(app, env, key[1], new, old)
            if isinstance(change, str):
                out[key] = dora.Source(None, change)
            elif len(changes) >= MAX_LOOKUPS:
                out[key] = dora.Source(None, f"past the report's bound of {MAX_LOOKUPS} builds")
            else:
                changes[key] = change
    labels = contents.read_labels(app, tuple(changes.values()))
    triples: dict[dora.Key, _Triple] = {}
    for key, change in changes.items():
        found = contents.revisions(app, ReleaseKind.UPDATE, change, labels)
        if found is None:  # its digest pinned for the tag it ran: no new build, no lead time
            continue
        if isinstance(found, Outside):
            out[key] = dora.Source(None, found)
        else:
            triples[key] = found
    if not triples:
        return out
    reader = s.reader()
    history = contents.make_history(app.config, s.ws.url, reader[0] if reader else None)
    compared = fanout.run(
        app,
        set(triples.values()),
        lambda t: _compare(history, *t),
        what="reading the source commits",
    )
    for key, triple in triples.items():
        out[key] = _head(triple, compared[triple])
    return out


def _change(app: App, environment: str, image: str, new: Deployed, old: Deployed | None) -> Change | str:
    """A release's change of ``image`` as release contents read it, or why it cannot be."""
    if new.digest is None:
        return "pinned by tag only: which build ran is not recorded"
    if old is None:
        return "new in the environment: no earlier build to compare its source with"
    img = app.config.image(image)
    repository = str(location(img, new)) if img is not None else new.repository
    return Change(
        environment,
        image,
        repository,
        (),
        old.tag,
        old.digest,
        new.tag,
        new.digest,
        Outside(""),
    )


def _compare(history: History, repository: str, base: str, head: str) -> Comparison | str:
    try:
        return history.compare(repository, base, head)
    except CompareUnavailable as exc:
        return f"{repository}: {exc}"


def _head(triple: _Triple, found: Comparison | str) -> dora.Source:
    """The head commit's time: the last commit of a complete comparison (oldest first)."""
    if isinstance(found, str):
        return dora.Source(None, found)
    repository, _, head = triple
    if not found.commits:
        return dora.Source(None, f"built from the same commit {head[:12]} as the build it replaced")
    last = found.commits[-1]
    if found.total > len(found.commits) or not (
        last.sha.startswith(head.lower()) or head.lower().startswith(last.sha)
    ):
        return dora.Source(
            None, f"{repository}: {head[:12]} is past the {len(found.commits)} commits the forge listed"
        )
    if last.time is None:
        return dora.Source(None, f"{repository}: the forge gave no time for {head[:12]}")
    return dora.Source(last.time)
