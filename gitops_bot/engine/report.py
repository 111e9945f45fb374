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

import hashlib
import json
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from gitops_bot.core import files
from gitops_bot.core.errors import ConfigError, UsageError
from gitops_bot.core.instants import INSTANT_MAX, format_duration, format_instant, outside_instant
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import Deployed, ReleaseKind
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record
from gitops_bot.engine import branches, contents, fanout
from gitops_bot.engine.app import App
from gitops_bot.engine.history import chart_documents, chart_specs
from gitops_bot.engine.session import Session, cache_dir
from gitops_bot.forges.compare_kit import CompareUnavailable, Comparison, head_of
from gitops_bot.forges.registry import own_forge
from gitops_bot.forges.sources import SourceHistory
from gitops_bot.git.gitlog import Commit
from gitops_bot.net.limits import loads
from gitops_bot.release import dora, holds, ledger
from gitops_bot.release.promotion import location
from gitops_bot.release.proposal import Change

log = get_logger(__name__)
SCHEMA = "gitops-bot/report/v1"
MAX_LOOKUPS = 20_000
"""The most builds a report asks the forge about: past it, a release's lead time is unread."""


@record
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
    known: Known | None = None,
) -> Reports:
    """``known``: what an earlier report of the same repository read of each (commit, image),
    kept by a caller that reports again and again (``watch``, each cycle); it is used instead of
    asking the registry and the forge again, and left holding what this report read."""
    app = s.app
    envs = app.declared.environments(env_names)
    kept = _Kept(s) if known is None else None
    if kept is not None:
        known = kept.read()
    until = app.clock()
    since = until - period
    # a release before the period says what ran when it began, and a rollback in it what it restores
    reach = since - dora.FAILURE_SPAN
    histories = {e.name: _history(s, e.name, reach) for e in envs}
    placed, unread = _holds(s, [e.name for e in envs], reach)
    wanted = {env: dora.wanted(entries, since, until) for env, entries in histories.items()}
    # what the bot's release commits recorded of their new builds: nothing to ask anyone
    recorded = {
        key: source for entries in histories.values() for e in entries for key, source in _recorded(e)
    }
    sources = _sources(
        s, {env: {k: v for k, v in keys.items() if k not in recorded} for env, keys in wanted.items()}, known
    )
    sources.update({k: v for keys in wanted.values() for k in keys if (v := recorded.get(k))})
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
    if kept is not None and known is not None:
        kept.write(known)
    return Reports(out, since, until)


def _recorded(e: ledger.Entry) -> Iterator[tuple[dora.Key, dora.SourceDate]]:
    """The source commit times ``e``'s commit recorded, for the builds it deploys: a trailer
    naming another build (a person pinned another tag on the bot's pull request before it was
    merged) or a time after the release landed does not date this release; it is read as a
    release made by hand is."""
    landed = outside_instant(e.landed or e.time, "release history")
    for image, (digest, when) in e.built_from.items():
        deployed = e.images.get(image)
        if deployed is not None and deployed.digest == digest and landed is not None and when <= landed:
            yield (e.commit, image), dora.SourceDate(when)


class _Kept:
    """What earlier reports on this machine read of each (commit, image), kept in the bot's
    cache: a commit names its builds for good, and the forge dates a source commit for good, so
    a report run again (a daily cron, the dashboard) asks the registry and the forge only about
    the releases it has not read. A year's builds are thousands of label reads (a registry such
    as Docker Hub counts each manifest read as a pull); read again, none. A file that does not
    read as one this code wrote is ignored (the report reads everything, as the first did)."""

    LIMIT = 8 * 1024 * 1024  # bytes read at most: a year of 1,000 images is about 1 MB
    KEEP = 200_000  # (commit, image) pairs kept at most: past it, only the last report's

    def __init__(self, s: Session) -> None:
        config = s.app.config.path
        named = config.relative_to(s.root) if config.is_relative_to(s.root) else config
        key = hashlib.sha256(f"{s.ws.url}\0{named.as_posix()}".encode()).hexdigest()[:32]
        self.path = cache_dir(s.environ) / "report" / f"{key}.json"
        # what the images' settings say of their repositories and sources: a change to them may
        # change what a release's source commit is, so what was kept under others is not used
        settings = [(i.name, str(i.repository), i.platform, repr(i.source)) for i in s.app.config.images]
        self.images = hashlib.sha256(repr(settings).encode()).hexdigest()[:32]
        self._before: dict[dora.Key, Read] = {}

    def read(self) -> dict[dora.Key, Read]:
        try:
            with self.path.open("rb") as f:
                data = f.read(self.LIMIT + 1)
            if len(data) > self.LIMIT:
                raise ValueError(f"over {self.LIMIT} bytes")
            doc = loads(data)
        except (OSError, ValueError) as exc:
            if not isinstance(exc, FileNotFoundError):
                log.debug("report_cache_unread", path=str(self.path), why=str(exc)[:200])
            return {}
        found: dict[dora.Key, Read] = {}
        if (
            isinstance(doc, dict)
            and doc.get("schema") == _KEPT_SCHEMA
            and doc.get("images") == self.images
            and isinstance(doc.get("sources"), list)
        ):
            for row in doc["sources"][: self.KEEP]:
                if isinstance(row, list) and len(row) == 3 and _texts(row[:2]):
                    commit, image, value = row
                    if value is None:
                        found[(commit, image)] = None  # no new build
                    elif isinstance(value, str):
                        if (t := outside_instant(value, "the report's cache")) is not None:
                            found[(commit, image)] = dora.SourceDate(t)
                    elif isinstance(value, list) and len(value) == 3 and _texts(value):
                        found[(commit, image)] = (value[0], value[1], value[2])
        self._before = dict(found)
        return found

    def write(self, known: Mapping[dora.Key, Read]) -> None:
        merged = {**self._before, **known} if len(self._before) + len(known) <= self.KEEP else dict(known)
        rows = [[commit, image, _row(v)] for (commit, image), v in merged.items() if _kept(v)]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            files.write_atomic(
                self.path, json.dumps({"schema": _KEPT_SCHEMA, "images": self.images, "sources": rows})
            )
        except (OSError, UsageError) as exc:  # a cache not written costs the next run time only
            log.warning("report_cache_not_written", path=str(self.path), why=str(exc)[:200])


_KEPT_SCHEMA = "gitops-bot/report-cache/v1"


def _kept(value: Read) -> bool:
    """Whether a report may take ``value`` as it is later (what could not be read it may not).
    A source repository's URL with a user in it (a label's ``https://user:token@host/...``) is
    not written to a file: it is read again instead."""
    if isinstance(value, tuple):
        return "@" not in value[0].partition("://")[2].partition("/")[0]
    return not isinstance(value, dora.SourceDate) or value.time is not None


def _row(value: Read) -> str | list[str] | None:
    if isinstance(value, tuple):
        return list(value)
    return format_instant(value.time) if value is not None and value.time is not None else None


def _texts(values: list[Any]) -> bool:
    """Strings of a plausible size (a commit, an image's name, a repository URL)."""
    return all(isinstance(v, str) and 0 < len(v) <= 2048 for v in values)


def _history(s: Session, environment: str, reach: datetime) -> list[ledger.Entry]:
    """The environment's releases newest first, back to the first one before ``reach``."""
    app = s.app
    env = app.config.environment(environment)
    paths = app.repo_paths(env, s.root)
    rev = branches.log_ref(app, env, s.ws.base_ref)  # an environment's own branch: its log there
    return ledger.read(
        s.ws,
        rev,
        paths,
        app.declared.image_specs(),
        charts=chart_specs(app, env),
        since=reach,
        documents=chart_documents(app, env, s.root),
        chart_context=app.chart_context(env),
        forge=own_forge(app.config, s.ws.url),
    )


def _holds(
    s: Session, environments: Sequence[str], reach: datetime
) -> tuple[dict[str, list[dora.HoldPlaced]], list[dora.UnreadRelease]]:
    """Each hold a commit on the base placed on the environments since ``reach``, from the holds
    file's history; a version of the file that does not read is named (its holds are not
    counted). A hold older than ``reach`` shows no release of the period failed: the versions
    before it are not parsed (a year of them was a fifth of a 30-day report's time)."""
    app = s.app
    by_ref: dict[str, list[str]] = {}  # an environment on its own branch: its holds file there
    for name in environments:
        by_ref.setdefault(branches.log_ref(app, app.config.environment(name), s.ws.base_ref), []).append(name)
    out: dict[str, list[dora.HoldPlaced]] = {}
    unread: list[dora.UnreadRelease] = []
    for ref, names in by_ref.items():
        placed, not_read = _holds_on(s, ref, names, reach)
        out.update(placed)
        unread += not_read
    return out, unread


def _holds_on(
    s: Session, ref: str, environments: Sequence[str], reach: datetime
) -> tuple[dict[str, list[dora.HoldPlaced]], list[dora.UnreadRelease]]:
    """:func:`_holds` of the environments whose holds file is the one on ``ref``."""
    app = s.app
    path = holds.path_for(app.config.root).relative_to(app.root).as_posix()
    commits = list(takewhile(lambda c: _landed(c) >= reach, s.ws.log(ref, [path])))
    states = ledger.states(s.ws, ref, [path], commits)
    blobs = s.ws.read_blobs([b for st in states for b in st.values()], ref, [path])
    parsed: dict[str | None, holds.Holds | str] = {None: {}}
    for blob, data in blobs.items():
        try:
            parsed[blob] = holds.parse(data.decode("utf-8-sig"), path)
        except (ConfigError, UnicodeDecodeError) as exc:
            parsed[blob] = " ".join(str(exc).split())
    out: dict[str, list[dora.HoldPlaced]] = {}
    unread: list[dora.UnreadRelease] = []
    for i, commit in enumerate(commits):
        after, before = parsed.get(states[i].get(path), {}), parsed.get(states[i + 1].get(path), {})
        when = outside_instant(commit.committed or commit.time, "holds history")
        if isinstance(after, str):
            unread.append(dora.UnreadRelease(commit.sha[:12], path, Outside(after)))
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

Read = dora.SourceDate | _Triple | None
"""What a report read of one (commit, image) that a later one may take as it is: the dated
source commit, None for no new build, or the (source repository, base, head) its builds'
labels named, when the forge could not date it (the labels say it for good; the forge is asked
again)."""
Known = MutableMapping[dora.Key, Read]


def _sources(
    s: Session,
    wanted: Mapping[str, Mapping[dora.Key, tuple[Deployed, Deployed | None]]],
    known: Known | None = None,
) -> dict[dora.Key, dora.SourceDate]:
    """Each wanted build's source commit and its time, as its forge answers. A commit names
    its builds for good, so what ``known`` holds of a key (a dated source commit, or no new
    build) is taken as it is, and the revisions its labels named are not read again; what the
    forge could not answer is asked again. ``known`` is left holding only the keys wanted now:
    it never outgrows one report."""
    memo = known if known is not None else {}
    kept = {k: memo[k] for keys in wanted.values() for k in keys if k in memo}
    memo.clear()
    memo.update(kept)
    named = {k: v for k, v in kept.items() if isinstance(v, tuple)}
    asked = {env: {k: v for k, v in keys.items() if k not in kept} for env, keys in wanted.items()}
    out, triples = _read_sources(s, asked, named)
    for key in [*named, *(k for keys in asked.values() for k in keys)]:
        if key not in out or out[key].time is not None:  # read, or no new build: for good
            memo[key] = out.get(key)
        elif key in triples:
            memo[key] = triples[key]
    out.update({k: v for k, v in kept.items() if isinstance(v, dora.SourceDate)})
    return out


def _read_sources(
    s: Session,
    wanted: Mapping[str, Mapping[dora.Key, tuple[Deployed, Deployed | None]]],
    named: Mapping[dora.Key, _Triple],
) -> tuple[dict[dora.Key, dora.SourceDate], dict[dora.Key, _Triple]]:
    """The sources of ``wanted`` (their labels read) and of ``named`` (labels read before),
    and the (repository, base, head) of each."""
    app = s.app
    changes: dict[dora.Key, Change] = {}
    out: dict[dora.Key, dora.SourceDate] = {}
    for env, keys in wanted.items():
        for key, (new, old) in keys.items():
            change = _change(app, env, key[1], new, old)
            if isinstance(change, str):
                out[key] = dora.SourceDate(None, change)
            elif len(changes) + len(named) >= MAX_LOOKUPS:
                out[key] = dora.SourceDate(None, f"past the report's bound of {MAX_LOOKUPS} builds")
            else:
                changes[key] = change
    labels = contents.read_labels(app, tuple(changes.values()))
    triples: dict[dora.Key, _Triple] = dict(named)
    for key, change in changes.items():
        found = contents.revisions(app, ReleaseKind.UPDATE, change, labels)
        if found is None:  # its digest pinned for the tag it ran: no new build, no lead time
            continue
        if isinstance(found, Outside):
            out[key] = dora.SourceDate(None, found)
        else:
            triples[key] = found
    if not triples:
        return out, triples
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
    return out, triples


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


def _compare(history: SourceHistory, repository: str, base: str, head: str) -> Comparison | str:
    try:
        return history.compare(repository, base, head)
    except CompareUnavailable as exc:
        return f"{repository}: {exc}"


def _head(triple: _Triple, found: Comparison | str) -> dora.SourceDate:
    """The head commit's time: the last commit of a complete comparison (oldest first)."""
    if isinstance(found, str):
        return dora.SourceDate(None, found)
    repository, _, head = triple
    last = head_of(found, repository, head)
    return dora.SourceDate(None, last) if isinstance(last, str) else dora.SourceDate(last.time)
