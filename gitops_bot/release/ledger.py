"""An environment's release history, read from git (``gitops-bot history``, ``rollback``).

A release is a commit on the base branch's first-parent line that changed the image set an
environment's files deploy, or the versions they pin of the configured Helm charts. Bot
releases carry a ``Gitops-Bot-Release:`` trailer (in the commit
itself, or, for a merge commit, in the commits it merged); releases made by hand are listed too,
named by their commit. The image set after each release is read from the files at that commit
with the same reader ``plan`` uses (and the chart versions with the chart reader ``plan`` uses),
so history, plan and rollback agree on what "deployed" means.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

from gitops_bot.core.errors import UsageError
from gitops_bot.core.instants import format_instant, outside_instant
from gitops_bot.core.model import BUILT_FROM, TRAILER, Deployed
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record
from gitops_bot.forges import registry
from gitops_bot.git.gitlog import Commit, History
from gitops_bot.manifests import charts_module, images

if TYPE_CHECKING:
    from gitops_bot.manifests import charts as chart_sites

_TRAILER = re.compile(rf"^{TRAILER}:\s*(\S+)\s*$", re.MULTILINE)

ImageSet = dict[str, Deployed]
ChartSet = dict[str, str]  # chart name -> the version (or range) its first site pins


@record
class Entry:
    """One commit of an environment's history, and the release it made if the bot made it."""

    commit: str
    time: str
    author: Outside  # the commit's, as whoever made it set it
    subject: Outside
    release: str | None  # the bot's release id; None for a change made by hand
    pull_request: int | None
    images: ImageSet  # the whole image set after this commit
    changed: tuple[str, ...]  # the images this commit changed
    charts: ChartSet = field(default_factory=dict)  # the whole chart set after this commit
    changed_charts: tuple[str, ...] = ()  # the charts this commit changed
    # when it landed on the base (the committer date: a merge's, a rebased commit's); "" unknown
    landed: str = ""
    # image -> (the new build's digest, when the source commit it came from was made), as the
    # bot's release commit recorded them (the release contents' answer when it was proposed)
    built_from: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """How to refer to this release: its release id, else its short commit."""
        return self.release or self.commit[:12]

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "commit": self.commit,
            "time": self.time,
            "author": self.author,
            "subject": self.subject,
            "pull_request": self.pull_request,
            "changed": list(self.changed),
            "images": {
                name: {"newName": d.new_name, "tag": d.tag, "digest": d.digest}
                for name, d in sorted(self.images.items())
            },
            "changed_charts": list(self.changed_charts),
            "charts": {name: {"version": v} for name, v in sorted(self.charts.items())},
            # as the release commit recorded them (its Built-From trailers): the report takes
            # one only for the build the commit deploys, landed after the time it names
            "built_from": {
                name: {"digest": digest, "source_time": format_instant(when)}
                for name, (digest, when) in sorted(self.built_from.items())
            },
        }


class RenderedStates(Protocol):
    """The image set of what an environment renders at each state, read by the one reader
    (:mod:`gitops_bot.render.reader`) where a file-by-file reading of the files a release may
    write would miss what it runs: a version inherited from a base, a common values file or a
    patch, or set by an Argo CD Application."""

    @property
    def paths(self) -> Sequence[str]:
        """Every file the environment renders (repository-relative): their commits are read."""

    def load(self, states: Sequence[Mapping[str, str]]) -> None:
        """Read the blobs of ``states`` in one batch."""

    def image_set(self, state: Mapping[str, str]) -> ImageSet:
        """The images the environment renders with its files at ``state`` (path -> blob)."""


@record
class _Version:
    """A version of a file as the history read it last: what the next one is read from."""

    blob: str
    lines: list[str]
    sites: list[images.Site]
    starts: list[int] | None  # the sites' first lines, when read by entries


class _Reader:
    """Image sets at commits from blob ids; each blob is read (in batches) and parsed once,
    however many commits share it."""

    def __init__(
        self,
        ws: History,
        specs: Sequence[images.ImageSpec],
        rev: str,
        paths: Sequence[str],
        charts: Sequence[chart_sites.ChartSpec] = (),
        documents: Mapping[str, str | tuple[str, ...]] | None = None,
        context: tuple[Mapping[str, str], Mapping[str, chart_sites.ChartSpec]] = ({}, {}),
    ):
        self.ws = ws
        self.specs = specs
        self.rev = rev
        self.paths = paths
        self.charts = charts
        # of a file holding several environments' Argo CD Applications, this one's own
        self.documents = documents or {}
        # the HelmRepositories and HelmReleases of what the environment renders today, beneath
        # each state's own: an overlay's patch of a base HelmRelease it shares is that release's
        self.context = context
        self._parsed: dict[str, list[images.Site]] = {}
        # each blob's images as one file deploys them (the first site of a name counts): built
        # from the version read before it where only entries' values changed, sharing the
        # Deployed of every entry that did not (a year of 1,000-image versions built anew was
        # a third of a year's history; shared ones compare by identity)
        self._sets: dict[str, ImageSet] = {}
        self._prior: dict[str, str] = {}  # blob -> the blob its sites were read from by entries
        self._last: dict[str, _Version] = {}  # each path's last version read
        # each blob's documents, composed once, when charts are read: one blob is in many
        # states, and composing it again for each (or once for images and again for charts,
        # past what the composer's memo keeps) was most of a long history's time
        self._documents: dict[str, chart_sites.Parsed | None] = {}
        self._chart_sets: dict[tuple[str | None, ...], ChartSet] = {}

    def load(self, states: Sequence[dict[str, str]]) -> None:
        """Read and parse every blob of ``states`` not parsed yet, in one batch."""
        wanted = set(self.paths)  # a state may hold more (what the environment renders)
        todo = {b: p for state in states for p, b in state.items() if b not in self._parsed and p in wanted}
        for blob, data in self.ws.read_blobs(list(todo), self.rev, self.paths).items():
            if self.charts:  # first: the image reader below finds these nodes in the memo
                self._documents[blob] = self._compose(data, todo[blob])
            self._parsed[blob] = self._parse(data, todo[blob], blob)

    @staticmethod
    def _compose(data: bytes, path: str) -> chart_sites.Parsed | None:
        if PurePosixPath(path).name == "Chart.lock":
            return None  # never a chart site (relock keeps it)
        try:  # (asked only when charts are read: the chart readers load only for charts)
            parsed: chart_sites.Parsed = charts_module().Parsed.of(data.decode("utf-8-sig"), path)
            return parsed
        except (UsageError, UnicodeDecodeError):
            return None  # a file an old commit broke has no chart sites there, as it has no images

    def _parse(self, data: bytes, path: str, blob: str) -> list[images.Site]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return []  # a broken file in an old commit: no images there
        name = PurePosixPath(path).name
        lines = text.split("\n")
        last = self._last.get(path)
        starts = None
        if (
            last is not None
            and (read := by_entries((last.lines, last.sites), lines, name, self.specs, last.starts))
            is not None
        ):
            found, starts = read
            self._prior[blob] = last.blob
        else:
            try:
                found = images.read(text, name, self.specs, strict=False)
            except UsageError:
                # a chart template, YAML only once rendered: the image lines a release wrote
                found = images.template_sites(text, path, self.specs)
                if not found:
                    return []
        self._last[path] = _Version(blob, lines, found, starts)
        return found

    def _set_of(self, blob: str) -> ImageSet:
        """The images one version of a file deploys (read-only: shared by every state with it)."""
        got = self._sets.get(blob)
        if got is None:
            sites = self._parsed.get(blob, [])
            prior = self._prior.get(blob, "")
            done = self._sets.get(prior)  # read in history's order: the version before is built
            before = None if done is None else (self._parsed.get(prior, []), done)
            got = self._sets[blob] = _deployed(sites, before)
        return got

    def image_set(self, state: dict[str, str]) -> ImageSet:
        """The images the files of ``state`` deploy (the first path naming one counts). Read-only:
        a state of one file shares its version's set."""
        sets = [self._set_of(blob) for path in self.paths if (blob := state.get(path))]
        if len(sets) == 1:
            return sets[0]
        out: ImageSet = {}
        for one in reversed(sets):
            out.update(one)  # the earlier paths' last: theirs count
        return out

    def chart_set(self, state: dict[str, str]) -> ChartSet:
        """The configured charts' versions the files of ``state`` pin. A Flux HelmRelease's
        repository may be in another file of the environment, so the files are read together
        (as ``plan`` reads them); states sharing every blob share the answer."""
        if not self.charts:
            return {}
        key = tuple(state.get(p) for p in self.paths)
        if key not in self._chart_sets:
            self._chart_sets[key] = self._read_charts(state)
        return self._chart_sets[key]

    def _read_charts(self, state: dict[str, str]) -> ChartSet:
        usable = {p: d for p in self.paths if p in state and (d := self._documents.get(state[p])) is not None}
        repositories: dict[str, str] = dict(self.context[0])
        releases: dict[str, chart_sites.ChartSpec] = dict(self.context[1])
        out: ChartSet = {}
        sites = charts_module()
        for path, docs in usable.items():
            with contextlib.suppress(UsageError):
                repositories.update(sites.helm_repositories(docs, path))
        for path, docs in usable.items():
            with contextlib.suppress(UsageError):
                releases.update(sites.helm_releases(docs, path, repositories=repositories))
        for path, docs in usable.items():
            with contextlib.suppress(UsageError):
                for site in sites.read(
                    docs,
                    path,
                    self.charts,
                    repositories=repositories,
                    releases=releases,
                    application=self.documents.get(path),
                ):
                    out.setdefault(site.chart.name, site.version)
        return out


def _changed(now: ImageSet, before: ImageSet) -> tuple[str, ...]:
    """The images whose build differs between two sets, sorted. Sets built from one another
    list their names in one order and share what did not change: only what :func:`_differing`
    finds is looked at."""
    if now is before:
        return ()
    if list(now) == list(before):
        a, b = list(now.values()), list(before.values())
        return tuple(sorted(a[i].name for i in _differing(a, b)))
    return tuple(sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k)))


def _deployed(sites: list[images.Site], prior: tuple[list[images.Site], ImageSet] | None) -> ImageSet:
    """The images ``sites`` deploy, the first site of a name counting. ``prior``: the sites it
    was read from by entries and their set; where each name has one site and the changed ones
    kept their names, that set with the changed ones replaced (the rest shared)."""
    if prior is not None:
        old_sites, old_set = prior
        if len(old_sites) == len(sites) == len(old_set):
            out = dict(old_set)
            for i in _differing(old_sites, sites):
                new = sites[i]
                if new.image != old_sites[i].image:
                    break
                out[new.image] = Deployed(new.image, new.repository, new.tag, new.digest)
            else:
                return out
    found: ImageSet = {}
    for site in sites:
        found.setdefault(site.image, Deployed(site.image, site.repository, site.tag, site.digest))
    return found


_CHUNK = 64


def _differing(old: Sequence[object], new: Sequence[object]) -> Iterator[int]:
    """The indexes where two sequences of equal length differ. Chunks are compared first (a
    list comparison, in C, identity first): a release changes a few of thousands of lines or
    entries, and comparing each pair in Python was a fifth of a year's history."""
    for at in range(0, len(new), _CHUNK):
        a, b = old[at : at + _CHUNK], new[at : at + _CHUNK]
        if a != b:
            yield from (at + i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x is not y and x != y)


_ITEM = re.compile(r" *- ")  # the first line of a block sequence's item
_NAME = re.compile(r" *(?:- +)?name: *['\"]?([^'\"#\s]+)")  # an images: entry's name


def by_entries(
    before: tuple[list[str], list[images.Site]],
    lines: list[str],
    filename: str,
    specs: Sequence[images.ImageSpec],
    starts: list[int] | None = None,
) -> tuple[list[images.Site], list[int]] | None:
    """The image sites, and each one's first line (0-based), of a kustomization's version that
    differs from an already read one (``before``: its lines and sites) only inside the entries
    of its ``images:`` list, the same lines elsewhere: the earlier sites, each entry that
    changed read again on its own, as the items of an ``images:`` list of their own. None where
    that cannot be told (another kind of file, lines added or removed, a change outside the
    entries or before the first, anchors, Flux markers): then the whole file is read. The last
    entry runs to the first line that can end the list.

    Why: a release changes a few values of an overlay, and a year of releases of a
    1,000-image kustomization is thousands of versions; composing each in full (~30 ms quiet)
    made parsing 30 days of them take 160 s (wall, at load 11), reading only the entries each
    release changed 2.7 s.
    Two items of one block sequence own every line between their first lines, so the text of
    the entries between two unchanged item starts means the same alone as in the file.
    Given ``starts``, the first lines of ``before``'s sites (an earlier answer's), they are
    known to be a kustomization's entries and not worked out again (a thousand a version).
    """
    old_lines, old_sites = before
    if (
        not images.is_kustomization(filename)
        or len(lines) != len(old_lines)
        or len(old_sites) < 2
        or (starts is None and any(s.kind != "kustomize" for s in old_sites))
    ):
        return None
    if starts is None:
        starts = [s.line - 1 for s in old_sites]  # 0-based, ascending
    changed = list(_differing(old_lines, lines))
    if not changed:
        return list(old_sites), starts
    owners: set[int] = set()
    indent = len(old_lines[starts[0]]) - len(old_lines[starts[0]].lstrip(" "))
    # the last entry runs to the first line that can end the list in either version
    end = starts[-1] + 1
    while end < len(lines) and _inside(lines[end], indent) and _inside(old_lines[end], indent):
        end += 1
    # a name written twice: an entry may apply or not by an earlier one (kustomize applies them in
    # turn), which the entries read alone cannot tell
    names = [m[1].split(":", 1)[0] for ln in lines[starts[0] : end] if (m := _NAME.match(ln))]
    if len(set(names)) < len(names):
        return None
    bounds = [*starts, end]
    for i in changed:
        k = bisect.bisect_right(starts, i) - 1
        if k < 0 or i >= end:
            return None
        owners.add(k)
    for k in owners:
        for edge in (starts[k], bounds[k + 1]):
            if edge == end:
                continue  # not an item's first line: the list's end
            if not (_ITEM.match(lines[edge]) and _ITEM.match(old_lines[edge])):
                return None
            if len(lines[edge]) - len(lines[edge].lstrip(" ")) != indent:
                return None
    text = "\n".join(lines)
    if "&" in text or "*" in text or "\t" in text or "$imagepolicy" in text:
        return None  # an anchor or alias ties entries together; a tab is read strictly
    origin: list[int] = [0]  # the mini file's line -> the version's (1-based)
    body: list[str] = ["images:"]
    for k in sorted(owners):
        for i in range(starts[k], bounds[k + 1]):
            if not _inside(lines[i], indent):
                return None
            origin.append(i + 1)
            body.append(lines[i])
    try:
        again = images.read("\n".join(body) + "\n", filename, specs, strict=False)
    except UsageError:
        return None
    moved = [replace(s, line=origin[s.line - 1]) for s in again]
    ordered = sorted(owners)
    if len(moved) == len(ordered) and all(
        starts[k] < site.line <= bounds[k + 1] for k, site in zip(ordered, moved, strict=True)
    ):  # each changed entry read again as its one site: the others keep their place
        out, at = list(old_sites), list(starts)
        for k, site in zip(ordered, moved, strict=True):
            out[k], at[k] = site, site.line - 1
        return out, at
    kept = [s for k, s in enumerate(old_sites) if k not in owners]
    out = sorted(kept + moved, key=lambda s: s.line)
    return out, [s.line - 1 for s in out]


def _inside(line: str, indent: int) -> bool:
    """Whether ``line`` can only be part of the items of a sequence indented ``indent``: blank,
    a comment, an item's first line, or more indented (a dedented key would end the list)."""
    body = line.lstrip(" ")
    depth = len(line) - len(body)
    return (
        not body.strip()
        or body.startswith("#")
        or depth > indent
        or (depth == indent and bool(_ITEM.match(line)))
    )


_BATCH = 256  # commits whose blobs are read in one go: a --limit 20 reads few, a full history few batches


def states(ws: History, rev: str, paths: Sequence[str], commits: Sequence[Commit]) -> list[dict[str, str]]:
    """path -> blob id after each commit (newest first), and before the oldest: ``rev``'s tree,
    then each commit's changes undone in turn. No git command per commit."""
    state = ws.blobs_at(rev, paths)
    out = [state]
    for commit in commits:
        state = dict(state)
        for path, blob in commit.before:
            if blob is None:
                state.pop(path, None)
            else:
                state[path] = blob
        out.append(state)
    return out


def read(
    ws: History,
    rev: str,
    paths: Sequence[str],
    specs: Sequence[images.ImageSpec],
    *,
    limit: int | None = None,
    charts: Sequence[chart_sites.ChartSpec] = (),
    since: datetime | None = None,
    rendered: RenderedStates | None = None,
    documents: Mapping[str, str | tuple[str, ...]] | None = None,
    chart_context: tuple[Mapping[str, str], Mapping[str, chart_sites.ChartSpec]] = ({}, {}),
    forge: str | None = None,
) -> list[Entry]:
    """The releases of the environment whose files are ``paths``, newest first: one ``git
    log`` (with the blob ids each commit changed), one ``ls-tree``, and batched blob reads.
    ``charts``: the Helm charts whose pinned versions count as part of a release; ``since``:
    none older than the first release that landed before it; ``rendered``: the image sets
    read from everything the environment renders (the files read by the one reader) instead
    of ``paths`` alone, whose commits are then read too; ``documents``: of a path holding
    several environments' Argo CD Applications, the one whose chart versions are this
    environment's; ``chart_context``: the HelmRepositories and HelmReleases of what the
    environment renders now, which its own files' chart sites may refer to; ``forge``: the
    repository's own (``forges.registry.own_forge``), whose merge subjects name an entry's
    pull request first."""
    tracked = list(dict.fromkeys([*paths, *rendered.paths])) if rendered is not None else paths
    commits = ws.log(rev, tracked)
    after = states(ws, rev, tracked, commits)
    reader = _Reader(ws, specs, rev, paths, charts, documents, chart_context)
    image_set = reader.image_set if rendered is None else rendered.image_set
    out: list[Entry] = []
    tips: dict[str, str] = {}  # the message of the last commit each merge brought in
    carried: ImageSet | None = None
    for i, commit in enumerate(commits):
        if limit is not None and len(out) >= limit:
            break
        if i % _BATCH == 0:
            if rendered is None or charts:
                reader.load(after[i : i + _BATCH + 1])
            if rendered is not None:
                rendered.load(after[i : i + _BATCH + 1])
            merged = [c.parents[1] for c in commits[i : i + _BATCH] if _unnamed_merge(c)]
            tips.update(ws.messages_of(merged))
        # the state before commit i is the one after commit i + 1: built once, not twice
        # (1,000-image sets were half of a 30-day report's history once its blobs read fast)
        now = carried if carried is not None else image_set(after[i])
        before = carried = image_set(after[i + 1])
        changed = _changed(now, before)
        charts_after, charts_before = reader.chart_set(after[i]), reader.chart_set(after[i + 1])
        changed_charts = tuple(
            sorted(
                k
                for k in charts_after.keys() | charts_before.keys()
                if charts_after.get(k) != charts_before.get(k)
            )
        )
        if not changed and not changed_charts:
            continue  # touched the files, not the images or charts (replicas, comments, ...)
        out.append(
            replace(
                _entry(ws, commit, now, changed, tips, forge),
                charts=charts_after,
                changed_charts=changed_charts,
            )
        )
        if (
            since is not None
            and (t := outside_instant(commit.committed or commit.time, "history"))
            and t < since
        ):
            break  # the first release before ``since``: what ran when it began
    return out


def _unnamed_merge(commit: Commit) -> bool:
    return len(commit.parents) > 1 and release_of(commit.message) is None


def _entry(
    ws: History,
    commit: Commit,
    after: ImageSet,
    changed: tuple[str, ...],
    tips: Mapping[str, str],
    forge: str | None = None,
) -> Entry:
    lines = commit.message.strip().splitlines()
    subject = lines[0] if lines else ""
    release = release_of(commit.message)
    said = commit.message  # the message that names the release
    if release is None and len(commit.parents) > 1:
        # a merge: the release of the first commit it brought that names one, newest first. The
        # walk starts at the merged tip, so the tip comes first: its message, read with every
        # merge's of the batch in one git call, answers for the bot's pull requests (one
        # commit each); one git call a merge was 9 s of a 30-day report's 28 (370 merges)
        said = tips.get(commit.parents[1], "")
        release = release_of(said) if said.strip() else None
        if release is None:
            brought = ws.messages(f"{commit.parents[0]}..{commit.parents[1]}")
            said = next((m for m in brought if release_of(m) is not None), "")
            release = release_of(said)

    return Entry(
        commit=commit.sha,
        time=commit.time,
        author=Outside(commit.author),
        subject=Outside(subject),
        release=release,
        pull_request=registry.merged_change_request(subject, commit.message, forge),
        images=after,
        changed=changed,
        landed=commit.committed,
        built_from=built_from(said) if release is not None else {},
    )


_BUILT_FROM = re.compile(
    rf"{BUILT_FROM}:[ \t]+(\S{{1,512}})[ \t]+(sha256:[0-9a-f]{{64}})"
    r"[ \t]+[0-9a-f]{7,64}[ \t]+(\S{1,64})[ \t]*"
)


def built_from(message: str) -> dict[str, tuple[str, datetime]]:
    """The source commits' times the bot's release commit recorded, image by image: read from
    the paragraph of its last release id only (the trailers the bot wrote; a forge's squash
    message may add its own paragraph below), so a line quoted above it (a reason, a commit
    title) never counts. A time that does not read is left out."""
    named = [p for p in re.split(r"\n[ \t]*\n", message) if _TRAILER.search(p)]
    out: dict[str, tuple[str, datetime]] = {}
    for line in named[-1].splitlines() if named else ():
        m = _BUILT_FROM.fullmatch(line)
        if m and (when := outside_instant(m.group(3), "a release commit's Built-From trailer")):
            out.setdefault(m.group(1), (m.group(2), when))
    return out


def release_of(message: str) -> str | None:
    """The release id of a commit message: its last ``Gitops-Bot-Release:`` line. The bot writes
    it at the end, and a forge's squash message keeps it below the text it quotes, so a line
    that text carried in (a reason, an Argo CD message) never names the release."""
    found = _TRAILER.findall(message)
    return found[-1] if found else None


def find(entries: Sequence[Entry], *, to: str | None, steps: int | None, environment: str) -> Entry:
    """The release a rollback restores: ``--to`` a release id or commit, or ``--steps`` back."""
    if to is not None:
        named = [e for e in entries if to == e.release]
        if named:
            return named[0]  # an id names an image set; a rollback to it repeats the id
        found = [e for e in entries if len(to) >= 7 and e.commit.startswith(to.lower())]
        if len(found) == 1:
            return found[0]
        raise UsageError(
            f"no release {to!r} in the history of {environment}",
            hint=f"see 'gitops-bot history {environment}' for release ids and commits",
        )
    n = 1 if steps is None else steps
    if n < 1:
        raise UsageError("--steps must be 1 or more")
    if n >= len(entries):
        raise UsageError(
            f"{environment} has {max(len(entries) - 1, 0)} earlier release(s); cannot go back {n}",
            hint=f"see 'gitops-bot history {environment}'",
        )
    return entries[n]
