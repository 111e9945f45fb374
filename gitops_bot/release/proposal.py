"""A release: the set of image changes one commit (and one pull request) carries. PURE.

Everything downstream is derived from this value and nothing else (Flux's ``result.go``
idea): the deterministic branch name, the release id, the commit message with its trailer,
and the PR title and body. Deterministic text matters: running twice must produce the same
branch, the same tree and the same body, so the second run changes nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, assert_never, cast
from urllib.parse import quote

from gitops_bot.core.imageref import is_digest
from gitops_bot.core.instants import format_instant, outside_instant
from gitops_bot.core.model import (
    BUILT_FROM,
    TRAILER,
    ArtifactKind,
    ImageMetadata,
    ReleaseKind,
    Verification,
    short_digest,
)
from gitops_bot.core.outside import (
    Code,
    Outside,
    Part,
    Parts,
    html,
    md,
    md_cell,
    md_item,
    md_link,
    md_row,
    plain,
    safe_url,
)
from gitops_bot.core.reading import ImageReading, generated_note
from gitops_bot.core.record import record
from gitops_bot.release.windows import EVERYWHERE, EVERYWHERE_SHOWN, Freeze

if TYPE_CHECKING:  # a type here; importing it loads every forge's client (30 ms)
    from gitops_bot.forges.compare_kit import Comparison
    from gitops_bot.render.diff import Rendered

# The rendered diff's section, imported by name when a pull request carries one (the command
# line's table's pattern): a plan that does not ask for it loads neither it nor its YAML dumper.
RENDERED_DIFF = "gitops_bot.render.diff"
MAX_COMMITS = 30  # commits listed per image; the rest are on the comparison page

_TRAILER_WORD = re.compile(r"[^\s]{1,512}")
_SHA = re.compile(r"[0-9a-f]{7,64}")
BODY_MARKER = "<!-- gitops-bot:release"
# the line after the release's own hidden line: what the person who asked for it overrode
# (``--force --reason``), which every run after weighs again. Read there and nowhere else: the
# body quotes outside text (a freeze's reason, a gate's reading, commit titles) that may say
# "freeze overridden" in words, but none of it can start a line with "<!--" after that line
OVERRIDES_MARKER = "<!-- gitops-bot:overrides"
# a hidden line after those two: some image here must not be merged yet (min_age), so the bot
# did not request auto-merge (the visible "Do not merge before" is words a quote may hold too)
WAITS_MARKER = "<!-- gitops-bot:merge-waits -->"
OVERRIDE_FREEZE = "freeze"  # the environment's freeze
OVERRIDE_GATE = "gate"  # a red metrics, checks or web gate of the source
FILES_LISTED = 50  # the files a body names; the diff and the commit hold every one
_RELEASE_LINE = re.compile(r"<!-- gitops-bot:release \S{1,200} -->")
_OVERRIDES_LINE = re.compile(r"<!-- gitops-bot:overrides ((?:freeze|gate)(?: (?:freeze|gate))?) -->")


@record
class Change:
    environment: str
    image: str
    repository: str  # registry/path, for the PR table
    files: tuple[str, ...]
    from_tag: str | None
    from_digest: str | None
    to_tag: str | None
    to_digest: str | None
    reason: Outside  # why: a policy's words, quoting tags, Argo CD, a person's --reason
    metadata: ImageMetadata | None = None
    new_name: str | None = None  # set when the repository written changes too (promotions)
    warnings: tuple[Outside, ...] = ()  # what the editor could not write (a digest with no place)
    verification: Verification | None = None  # what the image's verify: policy found
    contents: Comparison | None = None  # the source commits between the two images
    contents_note: Outside | None = None  # why ``contents`` could not be found (one line)
    # the source commit the new build came from and when, as ``contents`` ends (a new build
    # only): written into the release's commit, where the delivery report reads it
    built_from: tuple[str, datetime] | None = None
    kind: ArtifactKind = ArtifactKind.IMAGE  # CHART: ``image`` names a chart, tags are its versions
    # min_age by the forge's clock: until when the merge waits (None: it need not), and the
    # (digest, first seen) sightings this pull request records for the next run
    merge_waits: datetime | None = None
    age_from: str = ""
    sightings: tuple[tuple[str, datetime], ...] = ()
    # the reading of an image whose version was inherited from a place other environments
    # render too: the release went into the environment's own layer (None: where it was)
    layer: ImageReading | None = None

    @property
    def summary(self) -> str:
        old = self.from_tag or _short(self.from_digest) or "(none)"
        return f"{self.image} {old} -> {self.to_tag or _short(self.to_digest)}"


@record
class Release:
    environment: str
    changes: tuple[Change, ...]
    kind: ReleaseKind = ReleaseKind.UPDATE
    group_image: str | None = None  # set when the PR carries one image (group: image)
    source: str | None = None  # promotions: the environment the images come from
    holds: tuple[tuple[str, Outside | None], ...] = ()  # (image, reason) to hold; reason None: release
    holds_file: str | None = None  # the holds file, when this release changes it
    rendered: tuple[Rendered, ...] = ()  # the rendered diff of its edits (empty: not asked)
    freeze: Freeze | None = None  # kind FREEZE: the freeze to set (None: lift it)
    freeze_file: str | None = None  # the environment's freeze file, when this release changes it
    contents_read: bool = False  # its changes' release contents were read (engine/contents.attach)
    # (file, tool) of the environment's files a tool generates (EnvironmentReading.generated):
    # said once in the body for those this release writes, which the tool's next run overwrites
    generated: tuple[tuple[str, str], ...] = ()
    # what the person who asked for it overrode (OVERRIDE_FREEZE, OVERRIDE_GATE), recorded in
    # the body's hidden lines for the runs after (:func:`stated_overrides`)
    overrides: tuple[str, ...] = ()

    @property
    def merge_waits(self) -> datetime | None:
        """Until when this release must not be merged (``min_age`` by the forge's clock)."""
        return max((c.merge_waits for c in self.changes if c.merge_waits), default=None)

    @property
    def release_id(self) -> str:
        """Names the image set, not the moment: the same target values give the same id."""
        h = hashlib.sha256()
        for c in sorted(self.changes, key=lambda c: c.image):
            h.update(f"{c.image}={c.to_tag or ''}@{c.to_digest or ''}\n".encode())
        if self.kind is ReleaseKind.FREEZE:  # named by the freeze it sets, or by lifting it
            h.update(f"freeze {self.freeze.text() if self.freeze else None}\n".encode())
        elif not self.changes:  # a hold-only release is named by its holds
            for image, reason in sorted(self.holds, key=lambda x: x[0]):
                h.update(f"hold {image}={reason}\n".encode())
        return f"{self.environment}-{h.hexdigest()[:12]}"

    def branch(self, prefix: str) -> str:
        name = (
            f"{prefix}/{self.kind}/{self.environment}"
            if self.kind is not ReleaseKind.UPDATE
            else f"{prefix}/{self.environment}"
        )
        if self.group_image:
            name += "/" + slug(self.group_image)
        return name

    @property
    def summary(self) -> str:
        if self.kind is ReleaseKind.FREEZE and self.environment == EVERYWHERE:
            return f"stop the line until {_utc(self.freeze.until)}" if self.freeze else "restart the line"
        if self.kind is ReleaseKind.FREEZE:
            return f"freeze until {_utc(self.freeze.until)}" if self.freeze else "lift freeze"
        if not self.changes:
            held = [i for i, r in self.holds if r is not None]
            freed = [i for i, r in self.holds if r is None]
            parts = ([f"hold {', '.join(held)}"] if held else []) + (
                [f"release hold on {', '.join(freed)}"] if freed else []
            )
            return "; ".join(parts) or "no change"
        if len(self.changes) == 1:
            return self.changes[0].summary
        charts = sum(1 for c in self.changes if c.kind is ArtifactKind.CHART)
        images = len(self.changes) - charts
        if not charts:
            return f"update {images} images"
        counted = [(images, "image"), (charts, "chart")]
        return "update " + " and ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in counted if n)

    def title(self) -> str:
        match self.kind:
            case ReleaseKind.HOLD | ReleaseKind.FREEZE:
                return f"{self.where}: {self.summary}"
            case ReleaseKind.UPDATE:
                verb = "release"
            case ReleaseKind.PROMOTION:
                verb = f"promote from {self.source}"
            case ReleaseKind.ROLLBACK:
                verb = "roll back"
            case _ as unreachable:
                assert_never(unreachable)
        return f"{self.environment}: {verb}: {self.summary}"

    @property
    def where(self) -> str:
        """The environment as people read it: the freeze of every environment names them all."""
        return EVERYWHERE_SHOWN if self.environment == EVERYWHERE else self.environment

    def commit_message(self, template: str, *, signoff: str | None = None) -> str:
        subject = template.format(
            environment=self.where,
            summary=self.summary,
            images=", ".join(c.image for c in self.changes),
            release=self.release_id,
        )
        lines = [subject.strip(), ""]
        for c in self.changes:
            lines.append(f"- {c.summary}" + (f" ({c.to_digest})" if c.to_digest else ""))
        # a reason is one line here whatever was typed: a line break in it would start a line
        # of the commit message, such as a trailer git and the ledger read
        lines += [
            plain("- hold `", image, "`: ", Outside(reason))
            if reason is not None
            else f"- release the hold on `{image}`"
            for image, reason in self.holds
        ]
        layered = [c.layer.note() for c in self.changes if c.layer]
        lines += ["", *layered] if layered else []
        lines += ["", *self._built_from_lines(), f"{TRAILER}: {self.release_id}"]
        if signoff:
            lines.append(f"Signed-off-by: {signoff}")
        return "\n".join(lines) + "\n"

    def _built_from_lines(self) -> list[str]:
        """A trailer per new build whose source commit the release contents dated: the
        delivery report's lead time, read from git instead of the registry and the forge."""
        return [
            f"{BUILT_FROM}: {c.image} {c.to_digest} {sha} {format_instant(when)}"
            for c in self.changes
            if c.built_from is not None and c.to_digest is not None
            for sha, when in [c.built_from]
            if _TRAILER_WORD.fullmatch(c.image) and is_digest(c.to_digest) and _SHA.fullmatch(sha)
        ]

    def _intro(self) -> str:
        match self.kind:
            case ReleaseKind.UPDATE:
                return (
                    f"New images for **{self.environment}**, chosen by each image's policy, pinned by digest."
                )
            case ReleaseKind.PROMOTION:
                return f"Promotes to **{self.environment}** exactly the digests **{self.source}** runs."
            case ReleaseKind.ROLLBACK:
                return (
                    f"Restores an earlier image set in **{self.environment}**, and holds the "
                    "restored images so `gitops-bot update` leaves them alone until they are released with "
                    f"`gitops-bot unhold {self.environment} IMAGE`."
                )
            case ReleaseKind.HOLD:
                return f"Changes which images gitops-bot leaves alone in **{self.environment}**."
            case ReleaseKind.FREEZE:
                if self.freeze is None and self.environment == EVERYWHERE:
                    return (
                        "The line restarts: all environments are no longer frozen by the stopped line "
                        "(an environment's own freeze stays in force)."
                    )
                if self.freeze is None:
                    return f"{self.environment} is no longer frozen."
                return md(Outside(self.freeze.text()), ".")
            case _ as unreachable:
                assert_never(unreachable)

    def body(self, reasons: Sequence[str] = ()) -> str:
        rows = [
            "| environment | image | from | to | digest | created | source |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for c in self.changes:
            meta = c.metadata
            rows.append(
                md_row(
                    c.environment,
                    (Code(c.image), " (chart)") if c.kind is ArtifactKind.CHART else Code(c.image),
                    Code(c.from_tag or _short(c.from_digest) or ""),
                    Code(c.to_tag or ""),
                    Code(c.to_digest or ""),
                    format_instant(meta.created) if meta and meta.created else "—",
                    _source_link(meta),
                )
            )
        intro = self._intro()
        why = [md_item(Code(c.image), ": ", Outside(c.reason)) for c in self.changes if c.reason]
        files = sorted(
            {f for c in self.changes for f in c.files}
            | set(filter(None, [self.holds_file, self.freeze_file]))
        )
        table = [*rows, ""] if self.changes else []
        why_part = (
            ["**Why**", "", *why, *[md_item(Outside(r)) for r in reasons], ""] if why or reasons else []
        )
        parts = [
            intro,
            "",
            *table,
            *why_part,
            *(["**Holds**", "", *_hold_lines(self.holds), ""] if self.holds else []),
            *_waiting_lines(self.changes),
            *_layer_lines(self.changes),
            *_warning_lines(self.changes),
            *_generated_lines(self.generated, files),
            *_verified_lines(self.changes),
            *self._contents_lines(),
            *_rendered_lines(self.rendered),
            "**Files**: " + _listed([md(Code(f)) for f in files]),
            "",
            f"{BODY_MARKER} {self.release_id} -->",
            *([f"{OVERRIDES_MARKER} {' '.join(sorted(set(self.overrides)))} -->"] if self.overrides else []),
            *([WAITS_MARKER] if any(c.merge_waits is not None for c in self.changes) else []),
            *_seen_lines(self.changes),
            "",
            "_Opened by gitops-bot, which updates this pull request in place and closes it "
            "when it is no longer needed._",
        ]
        return "\n".join(parts) + "\n"

    def _contents_lines(self) -> list[str]:
        lines: list[str] = []
        for c in self.changes:
            if c.contents is not None:
                lines += _contents(c.image, c.contents, taken_out=self.kind is ReleaseKind.ROLLBACK)
            elif c.contents_note:
                lines += [md_item(Code(c.image), ": commits unknown: ", Outside(c.contents_note)), ""]
        return ["**Contents**", "", *lines] if lines else []


def release_line(lines: Sequence[str]) -> int | None:
    """Where the *last* release line is in ``lines``, a body's lines (None: nowhere). What
    follows it is the bot's own (its hidden lines, its paragraphs and marks, whose outside text
    is escaped and on one line, so none of it starts a line with "<!--" or a mark's words), so
    outside text earlier in the body (a rendered diff's value, say) cannot put a line after it."""
    found = [i for i, line in enumerate(lines) if _RELEASE_LINE.fullmatch(line.rstrip("\r"))]
    return found[-1] if found else None


def own_lines(body: str) -> list[str]:
    """The lines of a pull request's body the bot wrote after its release line, where its
    records and marks are; a body with no release line (not the bot's layout) is read whole."""
    lines = body.splitlines()
    last = release_line(lines)
    return lines if last is None else lines[last + 1 :]


def says(body: str, mark: str) -> bool:
    """Whether the bot marked ``body`` with ``mark``: a line of its own starting with it (never
    the words anywhere in it: the body quotes outside text)."""
    return any(line.startswith(mark) for line in own_lines(body))


def stated_overrides(body: str) -> frozenset[str]:
    """What the person who asked for a pull request overrode, as its body records it: the line
    right after the last release line (:data:`OVERRIDES_MARKER`), and nothing else."""
    lines = body.splitlines()
    last = release_line(lines)
    if last is None or last + 1 >= len(lines):
        return frozenset()
    found = _OVERRIDES_LINE.fullmatch(lines[last + 1])
    return frozenset(found.group(1).split()) if found else frozenset()


def with_note(body: str, note: Parts) -> str:
    """A pull request's body with a paragraph of the run's own (an automatic release's line, a
    forced override quoting its reason) after it."""
    return f"{body}\n\n{md(*note)}" if note else body


def message_with_note(message: str, note: Parts) -> str:
    """A commit message with the same paragraph after its subject, before git's trailers."""
    if not note:
        return message
    subject, _, rest = message.partition("\n")
    return f"{subject}\n\n{plain(*note)}\n{rest}" if rest else f"{subject}\n\n{plain(*note)}\n"


def closing_comment(environment: str, *why: Part) -> str:
    """The comment a pull request the bot closes gets: why, in one paragraph (the bot's own
    words as written, the outside text it quotes escaped)."""
    return md("Closed by gitops-bot: **", environment, "** ", *why, ".")


def marked_line(mark: str, why: Outside) -> str:
    """The line marking a person's pull request whose premise no longer holds (``mark`` the
    bot's own words, which it finds again on the next run)."""
    return md(mark, " ", why)


def _contents(image: str, comparison: Comparison, *, taken_out: bool) -> list[str]:
    """A collapsed section listing an image's source commits, newest first, at most MAX_COMMITS."""
    n = comparison.total
    what = f"{n} commit{'s' if n != 1 else ''}" + (" taken out" if taken_out else "")
    shown = list(reversed(comparison.commits))[:MAX_COMMITS]
    rows = []
    for commit in shown:
        pulls = (
            " (" + ", ".join(md_link(f"#{p}", f"{comparison.pull_url}{p}") for p in commit.pulls) + ")"
            if commit.pulls and comparison.pull_url and safe_url(f"{comparison.pull_url}1")
            else ""
        )
        title = _PULL_SUFFIX.sub("", commit.title) if pulls else commit.title
        rows.append(md_item(Code(commit.sha[:7]), " ", Outside(title), " — ", Outside(commit.author)) + pulls)
    more = n - len(shown)
    tail = (
        [md_item(f"… and {more} more: ") + md_link("the full comparison", comparison.url)] if more > 0 else []
    )
    return [
        "<details>",
        html("<summary>", Code(image), f": {what}</summary>"),
        "",
        *rows,
        *tail,
        "",
        md_link("Compare on the forge", comparison.url),
        "",
        "</details>",
        "",
    ]


_PULL_SUFFIX = re.compile(r"\s*\(#\d+\)\s*$")


MERGE_WAITS = "Do not merge before"  # in a PR body: the next run after then requests auto-merge
SEEN_MARKER = "<!-- gitops-bot:seen"
MAX_SIGHTINGS = 200  # recorded per image at most (a walk records far fewer): a body is outside input
# A sighting is written before its pull request exists, so it may precede the forge's creation
# stamp by the run's length and the two clocks' skew; no earlier than this is believed
RECORD_SLACK = timedelta(minutes=10)
_SEEN = re.compile(r"<!-- gitops-bot:seen (\S{1,1024}) (sha256:[0-9a-f]{64}) (\S{1,40}) -->")


def _waiting_lines(changes: Sequence[Change]) -> list[str]:
    lines = [
        md_item(
            Code(c.image),
            " ",
            Code(c.to_tag or _short(c.to_digest) or ""),
            f": {MERGE_WAITS} {format_instant(c.merge_waits)} (min_age: its age is counted from ",
            Outside(c.age_from) if c.age_from else "when gitops-bot first saw it",
            ")",
        )
        for c in changes
        if c.merge_waits is not None
    ]
    if not lines:
        return []
    note = "The images' registry keeps no push time the publisher cannot set; this pull request is the clock."
    return ["**Waiting**", "", *lines, "", note, ""]


def _rendered_lines(rendered: tuple[Rendered, ...]) -> list[str]:
    if not rendered:  # not asked: the rendered diff's module stays unread
        return []
    return cast(list[str], importlib.import_module(RENDERED_DIFF).section(rendered))


def _seen_lines(changes: Sequence[Change]) -> list[str]:
    return [
        f"{SEEN_MARKER} {marked(c.image)} {digest} {format_instant(at)} -->"
        for c in changes
        for digest, at in sorted(c.sightings)
    ]


def marked(image: str) -> str:
    """An image's name inside the hidden line (the key of :func:`every_sighting`): one word,
    and nothing that ends the comment (a name is whatever the configuration says: a space or
    ``-->`` in it is escaped)."""
    return quote(image, safe="/._:@+-")


def every_sighting(body: str, opened: datetime | None) -> dict[str, dict[str, datetime]]:
    """Every image's first sightings a bot pull request's body records, by the image's name as
    the hidden lines write it, read in one pass; none earlier than the pull request itself
    (``opened``, the forge's own stamp) allows: a body can be edited, the forge's creation time
    cannot. None known: nothing is believed."""
    if opened is None:
        return {}
    floor = opened - RECORD_SLACK
    out: dict[str, dict[str, datetime]] = {}
    for line in own_lines(body):  # the bot's hidden lines, not a quote ahead of its release line
        stripped = line.strip()
        m = _SEEN.fullmatch(stripped) if stripped.startswith(SEEN_MARKER) else None
        if m is None:
            continue
        seen = out.setdefault(m.group(1), {})
        if len(seen) >= MAX_SIGHTINGS:
            continue
        at = outside_instant(m.group(3), "a pull request's record of first sightings")
        if at is not None:
            seen[m.group(2)] = max(at, floor)
    return out


def _layer_lines(changes: Sequence[Change]) -> list[str]:
    """Releases written into the environment's own layer, and where the version came from."""
    lines = [
        md_item(
            "pins ",
            Code(r.image),
            f" in {r.environment}'s own layer, ",
            *_joined(Code(f) for f in r.would_write.files),
            "; it was inherited from ",
            Code(pin.file),
        )
        for c in changes
        if (r := c.layer) is not None and r.would_write is not None and (pin := r.effective) is not None
    ]
    return ["**Own layer**", "", *lines, ""] if lines else []


def _joined(parts: Iterable[Part]) -> list[Part]:
    """Parts separated by commas (the files of an own layer, one per rendering)."""
    out: list[Part] = []
    for p in parts:
        out += [", ", p] if out else [p]
    return out


def _warning_lines(changes: Sequence[Change]) -> list[str]:
    warnings = [md_item(Outside(w)) for c in changes for w in c.warnings]
    return ["**Warnings**", "", *warnings, ""] if warnings else []


def _listed(items: Sequence[str]) -> str:
    """The first :data:`FILES_LISTED` of ``items`` and how many more: a chart pinned in 500 wrapper
    charts listed every file, 13 kB, and 5,000 would pass the 65,536 characters GitHub holds."""
    more = f" and {len(items) - FILES_LISTED} more" if len(items) > FILES_LISTED else ""
    return ", ".join(items[:FILES_LISTED]) + more


def _generated_lines(generated: Sequence[tuple[str, str]], files: Sequence[str]) -> list[str]:
    notes = [md_item(Outside(generated_note(f, tool))) for f, tool in generated if f in files]
    return ["**Generated files**", "", *notes, ""] if notes else []


def _verified_lines(changes: Sequence[Change]) -> list[str]:
    """What the signature check found, per image: key id or identity, Rekor log index."""
    lines = [
        md_item(
            Code(c.image),
            " ",
            Code(_short(c.to_digest) or ""),
            ": ",
            Outside("; ".join(s.describe() for s in c.verification.signers)),
        )
        for c in changes
        if c.verification is not None and c.verification.verified
    ]
    return ["**Verified**", "", *lines, ""] if lines else []


def _hold_lines(holds: Sequence[tuple[str, str | None]]) -> list[str]:
    return [
        md_item("hold ", Code(image), ": ", Outside(reason))
        if reason is not None
        else md_item("release the hold on ", Code(image))
        for image, reason in holds
    ]


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-").lower() or "image"


def _short(digest: str | None) -> str | None:
    return short_digest(digest) if digest else None


def _source_link(meta: ImageMetadata | None) -> str:
    if meta is None or not meta.source:
        return "—"
    # both labels are whatever the image's builder wrote: a link is made only of a plain https
    # URL and a revision of hex digits, anything else is shown as escaped text
    src = meta.source.removesuffix(".git")
    if meta.revision and _SAFE_SOURCE.fullmatch(src) and _REVISION.fullmatch(meta.revision):
        return f"[{meta.revision[:12]}]({src}/commit/{meta.revision})"
    return md_cell((Outside(src), *((" ", Outside(meta.revision)) if meta.revision else ())))


_SAFE_SOURCE = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%/-]*)?")
_REVISION = re.compile(r"[0-9a-fA-F]{7,64}")


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
