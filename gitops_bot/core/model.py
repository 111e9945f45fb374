"""Value objects shared by every layer. Imports nothing of ours but errors,
:mod:`gitops_bot.core.instants` (times) and :mod:`gitops_bot.core.imageref` (image references), whose
names it re-exports: a module imports its values from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, assert_never

from gitops_bot.core.imageref import DIGEST_RE as DIGEST_RE
from gitops_bot.core.imageref import DOCKER_HUB as DOCKER_HUB
from gitops_bot.core.imageref import ImageRef as ImageRef
from gitops_bot.core.imageref import WrittenRef as WrittenRef
from gitops_bot.core.imageref import is_digest as is_digest
from gitops_bot.core.imageref import is_placeholder_digest as is_placeholder_digest
from gitops_bot.core.imageref import is_tag as is_tag
from gitops_bot.core.imageref import normalise_host as normalise_host
from gitops_bot.core.imageref import set_parts as set_parts
from gitops_bot.core.imageref import short_digest as short_digest
from gitops_bot.core.instants import format_duration, format_instant
from gitops_bot.core.reading import ImageReading, generated_note
from gitops_bot.core.record import record


class PlanAction(StrEnum):
    """What the plan does with one image in one overlay."""

    UPDATE = "update"
    NONE = "none"
    SKIP = "skip"
    HELD = "held"


class ArtifactKind(StrEnum):
    """What a plan item or a change is about: an image (tag and digest) or a Helm chart
    (a version)."""

    IMAGE = "image"
    CHART = "chart"


# The trailer a release's commit carries, which the history reads releases from, and the one a
# new build pinned by digest carries (image, the build's digest, the source commit it came from,
# that commit's time; the report trusts it only for the build the commit deploys). Here, where
# the history reader and the pull request's writer both find them: a plan reads history but
# writes no pull request, and the writer's module is not loaded for two words.
TRAILER = "Gitops-Bot-Release"
BUILT_FROM = "Gitops-Bot-Built-From"


class ReleaseKind(StrEnum):
    UPDATE = "update"
    PROMOTION = "promotion"
    ROLLBACK = "rollback"
    HOLD = "hold"
    FREEZE = "freeze"  # sets or lifts the environment's freeze; edits its freeze file only


class WriteMode(StrEnum):
    """How an environment's change lands: a pull request, or a commit on the base branch."""

    PULL_REQUEST = "pull_request"
    COMMIT = "commit"


class EnvironmentMode(StrEnum):
    """Where an environment's new releases come from."""

    REGISTRY = "registry"  # the registry's tags, chosen by each image's policy
    PROMOTION = "promotion"  # what another environment runs (``promote_from``)


class SigningMethod(StrEnum):
    """How the bot's own commits are signed (``git: signing: method``)."""

    SSH = "ssh"
    GPG = "gpg"
    GITHUB_API = "github-api"  # GitHub creates and signs the commit


class SignatureKind(StrEnum):
    """What a verified image signature was checked against."""

    COSIGN_KEY = "cosign-key"
    KEYLESS = "keyless"


class OutcomeAction(StrEnum):
    """What happened to one release."""

    PULL_REQUEST = "pull_request"
    COMMIT = "commit"
    UNCHANGED = "unchanged"
    CLOSED = "closed"
    DRY_RUN = "dry_run"

    @property
    def changed(self) -> bool:
        """Whether the repository changed: a pull request opened or updated, or a commit."""
        return self in (OutcomeAction.PULL_REQUEST, OutcomeAction.COMMIT)


class Strategy(StrEnum):
    """Which policy chooses an image's tag."""

    SEMVER = "semver"
    REGEX = "regex"
    ALPHABETICAL = "alphabetical"
    NUMERICAL = "numerical"
    NEWEST = "newest"
    DIGEST = "digest"


class TagOrder(StrEnum):
    """How a regex policy orders the extracted values."""

    NUMERICAL = "numerical"
    ALPHABETICAL = "alphabetical"
    VERSION = "version"  # every number in the value, left to right: 9.10.2 above 9.3.0


class Grouping(StrEnum):
    """What one pull request carries: an environment's images, or one image."""

    ENVIRONMENT = "environment"
    IMAGE = "image"


@record
class ImageMetadata:
    """What the image config blob says: only fetched when a policy or the output needs it."""

    created: datetime | None = None  # aware; parsed once where the config blob is read
    labels: dict[str, str] = field(default_factory=dict)
    # the OCI annotations of the manifest (and of the index it was chosen from): builders such
    # as buildx write org.opencontainers.image.* there as well as, or instead of, as labels
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def revision(self) -> str | None:
        key = "org.opencontainers.image.revision"
        return self.labels.get(key) or self.annotations.get(key)

    @property
    def source(self) -> str | None:
        key = "org.opencontainers.image.source"
        return self.labels.get(key) or self.annotations.get(key)


class AgeSource(StrEnum):
    """Where an image's creation time was read (see ``docs/concepts/min-age.md``)."""

    ANNOTATION = "annotation"  # org.opencontainers.image.created on the index or manifest
    CONFIG = "config"  # the image config blob's ``created``
    REGISTRY = "registry"  # the registry's own push time (its API), which the publisher cannot set
    TRANSPARENCY_LOG = "transparency log"  # when Rekor logged a verified signature of the digest
    NONE = "none"  # neither says


@record
class ImageAge:
    """When the image a tag points at was created, and which digest that is (the platform's
    image inside an index when a platform is set, as :meth:`resolve_digest` answers)."""

    digest: str
    created: datetime | None
    source: AgeSource
    # who decided ``created`` when it is not the image's own word ("GitHub Packages push time"),
    # and what was ignored on the way (an implausible creation time), each one line
    decided_by: str = ""
    ignored: str = ""
    # a clock the publisher cannot set bounds ``created`` (a push time, a log's time), even
    # where the image's own later creation time made it younger
    vetted: bool = False
    # the registry's push-time API was asked and could not be read, and why: the age that
    # clock would give is unknown (``created`` still only makes the image younger)
    unread: str = ""


@record
class Waiting:
    """A newer candidate a rule holds back for now (``min_age``): proposed from ``until`` on;
    ``until`` None when the image says nothing of its creation time (held while the rule is
    set)."""

    tag: str
    digest: str | None
    until: datetime | None
    min_age: timedelta
    rule: str = "min_age"
    decided_by: str = ""  # the age's source when it is the registry's (ImageAge.decided_by)
    ignored: str = ""  # an implausible creation time set aside (ImageAge.ignored)
    # the forge's clock: when the bot first saw this image, as its pull request records it,
    # and whether that pull request is open now with the merge waiting until ``until``
    seen: datetime | None = None
    proposed: bool = False
    # the clock that ages this image (a registry's push-time API, the forge's record) could
    # not be read, and why: its age is unknown, neither old enough nor too young
    unread: str = ""

    def describe(self) -> str:
        rule = f"{self.rule} {format_duration(self.min_age)}"
        if self.decided_by:
            rule += f", age from {self.decided_by}"
        if self.ignored:
            rule += f"; {self.ignored}"
        if self.unread:
            return f"{self.tag}'s {self.unread} ({rule})"
        if self.proposed and self.until is not None:
            return f"{self.tag} proposed, merge waiting until {format_instant(self.until)} ({rule})"
        if self.until is None:
            what = "no creation time it can be aged by" if self.ignored else "no creation time"
            return f"{self.tag} waiting: the image has {what} ({rule})"
        return f"{self.tag} waiting until {format_instant(self.until)} ({rule})"

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "digest": self.digest,
            "until": format_instant(self.until) if self.until else None,
            "rule": self.rule,
            "min_age": format_duration(self.min_age),
            **({"age_from": self.decided_by} if self.decided_by else {}),
            **({"ignored": self.ignored} if self.ignored else {}),
            **({"first_seen": format_instant(self.seen)} if self.seen else {}),
            **({"proposed": True} if self.proposed else {}),
            **({"unread": self.unread} if self.unread else {}),
        }


@record
class Candidate:
    """One tag of a repository that a plan may choose, with what we know of it so far (its
    digest, its metadata). Not to be confused with :class:`gitops_bot.release.proposal.Release`, the
    change set one environment gets."""

    tag: str
    digest: str | None = None
    metadata: ImageMetadata | None = None


@record
class Choice:
    """What a policy chose. ``tag`` is the tag to deploy (``None``: nothing acceptable, or the
    deployed tag when nothing better exists); ``reason`` is one human sentence."""

    tag: str | None
    reason: str

    def __bool__(self) -> bool:
        return self.tag is not None


@record
class Deployed:
    """What an overlay deploys for one image entry."""

    name: str
    new_name: str | None
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return self.new_name or self.name


class FoundBy(StrEnum):
    """Where a signature was found for a digest."""

    REFERRERS = "referrers"  # the OCI 1.1 referrers API
    REFERRERS_TAG = "referrers-tag"  # the referrers tag schema (sha256-<hex> index)
    TAG = "tag"  # cosign's .sig tag


@record
class Signer:
    """One signature that held: who signed (key id or certificate identity) and where it was."""

    method: SignatureKind
    signer: str  # "SHA256:<key id>" or the certificate identity
    issuer: str | None = None  # keyless: the OIDC issuer
    log_index: int | None = None  # keyless: the Rekor log index
    found_by: FoundBy = FoundBy.TAG
    # keyless: when the transparency log recorded the signature (its integratedTime), a clock
    # the publisher does not control: the image existed by then
    logged_at: datetime | None = None

    def describe(self) -> str:
        match self.method:
            case SignatureKind.KEYLESS:
                return f"keyless {self.signer} ({self.issuer}), Rekor log index {self.log_index}"
            case SignatureKind.COSIGN_KEY:
                return f"cosign key {self.signer}"
            case _ as unreachable:
                assert_never(unreachable)


@record
class Verification:
    """The result of checking one digest's signatures against an image's ``verify:`` policy."""

    verified: bool
    reason: str  # what held, or why not ("no signature by key X", "identity not allowed")
    signers: tuple[Signer, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "reason": self.reason,
            "signers": [
                {
                    "method": s.method,
                    "signer": s.signer,
                    "issuer": s.issuer,
                    "log_index": s.log_index,
                    "found_by": s.found_by,
                }
                for s in self.signers
            ],
        }


class DecisionAction(StrEnum):
    """What the bot does with one artifact in one environment, as every surface shows it."""

    PROPOSE = "propose"  # the next run opens (or keeps) a pull request or commit for it
    PROMOTE = "promote"  # a promotion is ready: a person runs the command the reason names
    UP_TO_DATE = "up_to_date"
    WAIT = "wait"  # held back by time: changes by itself at ``until`` (or when a reading does)
    BLOCKED = "blocked"  # held back until a person acts (a hold, a freeze, a red gate, a signature)
    ROLLBACK = "rollback"  # an automatic rollback is due
    # a gate the release depends on could not be read: the reason says which and why. Not
    # "promote": the command asks the same gate again and refuses while it cannot tell
    UNKNOWN = "unknown"
    SKIP = "skip"  # nothing could be decided: the reason says what failed


class DecisionRule(StrEnum):
    """The rule that decided (:mod:`gitops_bot.release.decision` gives their precedence)."""

    ERROR = "error"
    AUTO_ROLLBACK = "auto_rollback"
    FREEZE = "freeze"
    HOLD = "hold"
    SIGNATURE = "signature"
    WINDOW = "window"
    GATE = "gate"
    METRICS = "metrics"
    CHECKS = "checks"  # the forge's checks on the source's release commit
    WEB = "web"  # a web-request gate
    SOAK = "soak"
    PROMOTION = "promotion"
    MIN_AGE = "min_age"
    POLICY = "policy"


@record
class Decision:
    """One environment's decision for one artifact in one run: made once
    (:func:`gitops_bot.release.decision.decide`) and rendered by every surface (plan, status,
    the page, the dashboard, PR bodies, notifications), none of which decides on its own."""

    action: DecisionAction
    rule: DecisionRule
    reason: str  # one line, for a person
    until: datetime | None = None  # when it changes by itself, when known
    evidence: Mapping[str, str] = field(default_factory=dict)  # what it was decided on

    def label(self) -> str:
        """``"wait (soak)"``: the action and, unless it is the policy's plain answer, the rule."""
        action = self.action.replace("_", " ")
        return action if self.rule is DecisionRule.POLICY else f"{action} ({self.rule})"

    def text(self) -> str:
        when = format_instant(self.until) if self.until else ""
        said = not when or "until" in self.reason or when in self.reason  # the reason says when
        label = self.label()
        # a reason that only repeats the action ("up to date") is not said twice
        shown = label if self.reason in ("", self.action.replace("_", " ")) else f"{label}: {self.reason}"
        return shown + ("" if said else f" until {when}")

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "rule": self.rule.value,
            "reason": self.reason,
            "until": format_instant(self.until) if self.until else None,
            "evidence": dict(self.evidence),
        }


@record
class PlanItem:
    """The plan for one image in one overlay file."""

    environment: str
    image: str
    file: str
    repository: str
    policy: str
    action: PlanAction
    reason: str
    current: Deployed | None
    candidate: Candidate | None = None
    verification: Verification | None = None  # set when the image's verify: policy applies
    waiting: Waiting | None = None  # a newer candidate held back by min_age
    kind: ArtifactKind = ArtifactKind.IMAGE  # CHART: image is the chart's name, tags are versions
    decision: Decision | None = None  # what every surface shows: set once the run's facts are in
    # (digest, when the bot first saw it) of the candidates aged by the forge's clock: the pull
    # request's body records them, so the next run (or a restarted bot) reads the same times
    sightings: tuple[tuple[str, datetime], ...] = ()
    line: int | None = None  # a chart's: the line of the version in ``file`` (None: not pinned)

    def to_json(self) -> dict[str, Any]:
        current = self.current
        candidate = self.candidate
        decided = {"decision": self.decision.to_json()} if self.decision else {}
        if self.kind is ArtifactKind.CHART:
            return {
                "chart": self.image,
                "file": self.file,
                "line": self.line,
                "repository": self.repository,
                "policy": self.policy,
                "action": self.action,
                "reason": self.reason,
                "current": None if current is None else {"version": current.tag},
                "candidate": None if candidate is None else {"version": candidate.tag},
                **decided,
            }
        meta = candidate.metadata if candidate else None
        return {
            "image": self.image,
            "file": self.file,
            "repository": self.repository,
            "policy": self.policy,
            "action": self.action,
            "reason": self.reason,
            "current": None
            if current is None
            else {"newName": current.new_name, "tag": current.tag, "digest": current.digest},
            "candidate": None
            if candidate is None
            else {
                "tag": candidate.tag,
                "digest": candidate.digest,
                "created": format_instant(meta.created) if meta and meta.created else None,
                "revision": meta.revision if meta else None,
                "source": meta.source if meta else None,
            },
            "verification": self.verification.to_json() if self.verification else None,
            "waiting": self.waiting.to_json() if self.waiting else None,
            **decided,
        }


@record
class EnvironmentPlan:
    """One environment's plan: an item per image, and why a release would wait."""

    name: str
    mode: EnvironmentMode
    items: tuple[PlanItem, ...]
    promote_from: str | None = None
    # docs/concepts/windows-and-freezes.md: why a release would wait now ({rule, until}), and
    # the environment's freeze ({until, reason, expired}); None: no window closed, no freeze
    window: Mapping[str, str | None] | None = None
    freeze: Mapping[str, Any] | None = None
    # docs/concepts/auto-promote.md, auto-rollback.md: each automatic rule's decision now
    automatic: tuple[Mapping[str, Any], ...] = ()
    # each configured image as the environment renders it (the plan's top-level "reading")
    reading: tuple[ImageReading, ...] = ()
    # (file, tool) of the files a release here writes that a tool generates (EnvironmentReading)
    generated: tuple[tuple[str, str], ...] = ()
    # the environment's own branch (its config's branch:), read and released there; None: the base
    branch: str | None = None
    # how its files were read, said with the fix (EnvironmentReading.said): a branch as last
    # fetched, a file there and not read
    said: tuple[str, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        """What a person must know of the environment before a release lands: how its files
        were read, where that is not plain, and each file a release writes that a tool
        generates, and writes over on its next run."""
        return (*self.said, *(generated_note(f, tool) for f, tool in self.generated))

    def image_reading(self, image: str) -> ImageReading | None:
        """How the environment renders ``image``, what its plan row follows (None: not read)."""
        return next((r for r in self.reading if r.image == image), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": self.mode,
            "promote_from": self.promote_from,
            "images": [i.to_json() for i in self.items if i.kind is ArtifactKind.IMAGE],
            "charts": [i.to_json() for i in self.items if i.kind is ArtifactKind.CHART],
            "window": dict(self.window) if self.window else None,
            "freeze": dict(self.freeze) if self.freeze else None,
            # additive, only where a rule is configured: other plans read as they did
            **({"automatic": [dict(d) for d in self.automatic]} if self.automatic else {}),
            **({"notes": list(self.notes)} if self.notes else {}),
            # its own branch (config branch:), what the text header says; absent: the base branch
            **({"branch": self.branch} if self.branch else {}),
        }


@record
class Plan:
    """What every environment would be released, and what read it."""

    environments: tuple[EnvironmentPlan, ...]
    # what read the environments: "renderer" (kubectl found), "rules" (none found: said once in
    # the text), "configured rules" (render.enabled: false, the operator's choice),
    # RULES_FOR_CHARTS (kubectl found, helm not, and a chart's values pin: said once too)
    read_by: str = "renderer"

    @property
    def updates(self) -> list[PlanItem]:
        return [i for e in self.environments for i in e.items if i.action is PlanAction.UPDATE]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "gitops-bot/plan/v1",
            "environments": [e.to_json() for e in self.environments],
            "summary": {
                "updates": len(self.updates),
                "skipped": sum(1 for e in self.environments for i in e.items if i.action is PlanAction.SKIP),
            },
            "reading": [r.to_json() for e in self.environments for r in e.reading],
            "read_by": self.read_by,
        }


RULES_FOR_CHARTS = "renderer, rules for charts"
