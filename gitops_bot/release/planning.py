"""PURE: (what overlays deploy, what the registry offers, policies) -> plan items.

No I/O here: the app fetches tags, digests and metadata and hands them in, so every decision
rule is testable with plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from gitops_bot.core.model import (
    ArtifactKind,
    Candidate,
    Choice,
    Deployed,
    EnvironmentMode,
    ImageRef,
    PlanAction,
    PlanItem,
    Strategy,
    Verification,
    Waiting,
    is_placeholder_digest,
    short_digest,
)
from gitops_bot.core.reading import HELM_KEY, HELMRELEASE_KEY, ChartReading, ImageReading, PinStatus, places
from gitops_bot.core.record import record


class PolicySettings(Protocol):
    @property
    def strategy(self) -> Strategy: ...

    @property
    def min_age(self) -> timedelta | None: ...

    def describe(self) -> str: ...


class ImageSettings(Protocol):
    """What planning reads of an image's settings (``config.ImageConfig`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def repository(self) -> ImageRef: ...

    @property
    def platform(self) -> str | None: ...

    @property
    def policy(self) -> PolicySettings: ...

    @property
    def helm(self) -> tuple[tuple[str, str], ...]: ...  # (field, the key path in Helm values)


class EnvironmentSettings(Protocol):
    """What planning reads of an environment's settings (``config.EnvironmentConfig`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def promote_from(self) -> str | None: ...

    @property
    def mode(self) -> EnvironmentMode: ...

    @property
    def min_age(self) -> timedelta | None: ...


@record
class Target:
    """One configured image in one environment, and what that environment's overlay deploys."""

    environment: EnvironmentSettings
    image: ImageSettings
    file: str
    deployed: Deployed | None
    reading: ImageReading | None = None  # where the environment's render sets it (the reader's)

    @property
    def key(self) -> tuple[str, str]:
        return (self.environment.name, self.image.name)

    @property
    def min_age(self) -> timedelta | None:
        """The image's own ``min_age`` when set (``0`` included: off), else its environment's
        default; None when no age rule applies."""
        own = self.image.policy.min_age
        span = own if own is not None else self.environment.min_age
        return span if span else None

    def item(self, action: PlanAction, reason: str, candidate: Candidate | None = None) -> PlanItem:
        return PlanItem(
            environment=self.environment.name,
            image=self.image.name,
            file=self.file,
            repository=self.image.repository.name,
            policy=self.image.policy.describe(),
            action=action,
            reason=reason,
            current=self.deployed,
            candidate=candidate,
        )


def not_deployed(target: Target) -> PlanItem:
    r = target.reading
    # a place read whose value the render shows runs nowhere: why, rather than a missing entry
    unrendered = r is not None and r.status is PinStatus.NOT_RENDERED and r.effective is not None
    if r is not None and (r.status is PinStatus.UNSUPPORTED or not r.writable or unrendered):
        return target.item(PlanAction.SKIP, r.describe())
    return target.item(PlanAction.SKIP, f"no images: entry named {target.image.name!r} in {target.file}")


def promotion_only(target: Target) -> PlanItem:
    src = target.environment.promote_from
    return target.item(
        PlanAction.NONE,
        f"receives promotions from {src}; run 'gitops-bot promote {src} {target.environment.name}'",
    )


def not_promotable(target: Target | ChartTarget, ranged: ChartTarget | None = None) -> PlanItem:
    """An image (or a chart) its promotion source does not render, or (``ranged``) a chart the
    source pins only as a range: no policy runs under promote_from and ``promote`` has nothing
    it can carry over (it copies exact versions; a range is each environment's own to
    resolve), so it would sit "up to date" (a chart "receives promotions") for ever. One
    wording for plan and promote, images and charts."""
    src = target.environment.promote_from
    if isinstance(target, ChartTarget):
        name, kind = target.chart.name, "chart"
    else:
        name, kind = target.image.name, "image"
    if ranged is not None:
        return target.item(
            PlanAction.SKIP,
            f"{src} pins {name} only as the range {ranged.version} ({ranged.place}), and promote "
            f"carries exact versions only: nothing can promote it (fix: pin an exact version of "
            f"{name} in {src})",
        )
    return target.item(
        PlanAction.SKIP,
        f"{src} does not run {name}: nothing can promote it "
        f"(fix: drop promote_from, or run the same {kind} in both)",
    )


def source_chart_pins(source: Iterable[ChartTarget]) -> dict[str, ChartTarget]:
    """What a promotion source pins of each chart, by name: an exact version where a file it
    renders pins one (the last such, what ``promote`` copies), else a range (which it cannot
    copy). A chart the source does not pin is not listed."""
    out: dict[str, ChartTarget] = {}
    for t in source:
        have = out.get(t.chart.name)
        if t.version is not None and (have is None or t.exact or not have.exact):
            out[t.chart.name] = t
    return out


def chart_not_promotable(target: ChartTarget, pins: Mapping[str, ChartTarget]) -> PlanItem | None:
    """Why ``promote`` can never carry the chart a promoted environment pins (``pins``: its
    source's, :func:`source_chart_pins`), None when it can: the plan shows it in place of
    "receives promotions", promote as a note."""
    if target.version is None:
        return None
    pin = pins.get(target.chart.name)
    if pin is None:
        return not_promotable(target)
    return None if pin.exact else not_promotable(target, pin)


def skipped(target: Target, reason: str) -> PlanItem:
    return target.item(PlanAction.SKIP, reason)


def decide(target: Target, choice: Choice, release: Candidate | None) -> PlanItem:
    """``release`` is the chosen tag with its digest resolved (None when nothing was chosen)."""
    if not choice or release is None:
        return target.item(PlanAction.SKIP, choice.reason)
    deployed = target.deployed
    assert deployed is not None
    if deployed.tag != release.tag:
        return target.item(PlanAction.UPDATE, f"{choice.reason}", release)
    if deployed.digest is None:
        if (nowhere := _no_digest_place(target)) is not None:  # the edit would write nothing
            return target.item(PlanAction.SKIP, f"{release.tag} stays tag-only: {nowhere}")
        return target.item(PlanAction.UPDATE, f"pin {release.tag} to its digest", release)
    if is_placeholder_digest(deployed.digest):  # not a build that moved: one never served
        return target.item(
            PlanAction.UPDATE,
            f"the pinned digest {placeholder(deployed.digest)} is a placeholder, not a real digest: "
            f"pin {release.tag} to the digest the registry serves",
            release,
        )
    if deployed.digest != release.digest:
        if target.image.policy.strategy is Strategy.DIGEST:
            return target.item(
                PlanAction.UPDATE, f"{release.tag} was pushed again ({choice.reason})", release
            )
        return target.item(
            PlanAction.UPDATE,
            f"tag {release.tag} now points at a different image than the pinned "
            f"{short_digest(deployed.digest)}",
            release,
        )
    return target.item(PlanAction.NONE, "up to date", release)


def _no_digest_place(target: Target) -> str | None:
    """Why a release of the same tag pinned by digest writes nothing, when it is because it goes
    into Helm values with no place for a digest (the pin's places, as the edit writes them; the
    keys a release adds to an own layer are the configured ones): the edit writes such a release
    tag-only; None where a digest has a place."""
    reading = target.reading
    pin = reading.effective if reading is not None else None
    if pin is None or reading is None:
        return None
    if reading.would_write is not None:
        configured = any(f in ("digest", "reference") for f, _ in target.image.helm)
        if configured or reading.would_write.form not in (HELM_KEY, HELMRELEASE_KEY):
            return None
        where = reading.would_write.file
    elif "digest" not in pin.places:
        where = pin.place
    else:
        return None
    return (
        f"{where} takes its Helm values by the keys {', '.join(p for _, p in target.image.helm)}, none of "
        f"them a digest (fix: add helm.digest, the key of a digest beside the tag, or helm.digestInTag, "
        f"to {target.image.name} in gitops-bot.yaml)"
    )


def placeholder(digest: str) -> str:
    """A placeholder digest as messages show it: short, with the mark that more zeros follow."""
    return f"{short_digest(digest)}…"


def placeholder_source(src: str, digest: str) -> str:
    """Why a source environment pinning a placeholder digest has nothing to promote (the plan's
    chain and ``promote`` say it alike)."""
    return (
        f"{src} pins a placeholder digest ({placeholder(digest)}), not a release the registry "
        f"served; release {src} first (gitops-bot update)"
    )


def waiting(target: Target, held_back: Waiting | None) -> PlanItem:
    """Nothing newer than the deployed image is old enough yet: it stays; the best held-back
    candidate is shown with the time it becomes eligible."""
    if held_back is None:
        return target.item(PlanAction.NONE, "up to date")
    if held_back.unread:  # not up to date as far as anyone can tell: undecided, and why
        return replace(
            target.item(PlanAction.NONE, f"not decided: {held_back.describe()}"), waiting=held_back
        )
    return replace(
        target.item(PlanAction.NONE, f"up to date; newer {held_back.describe()}"), waiting=held_back
    )


def verified(item: PlanItem, verification: Verification) -> PlanItem:
    """A candidate whose signatures do not hold is never proposed: the item becomes a skip
    with the reason, and the current value stays."""
    if verification.verified:
        return replace(item, verification=verification)
    tag = item.candidate.tag if item.candidate else "the candidate"
    return replace(
        item,
        action=PlanAction.SKIP,
        reason=f"{tag} not verified: {verification.reason}",
        verification=verification,
    )


def held(item: PlanItem, reason: str, *, promoted: bool = False) -> PlanItem:
    """A hold overrides the decision; the plan still says what the policy would do (not in an
    environment that receives promotions: there it would say "run promote", which a hold
    refuses)."""
    why = f"held: {reason or 'no reason given'}"
    if promoted:
        return replace(item, action=PlanAction.HELD, reason=why)
    update = item.action is PlanAction.UPDATE and item.candidate
    policy = f"{item.candidate.tag} available" if update and item.candidate else item.reason
    return replace(item, action=PlanAction.HELD, reason=f"{why} ({policy})")


# -- charts ----------------------------------------------------------------------------


class ChartSettings(Protocol):
    """What planning reads of a chart's settings (``config.ChartConfig`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def repository(self) -> str: ...

    @property
    def policy(self) -> PolicySettings: ...


@record
class ChartTarget:
    """One configured chart in one environment: the file pinning it there and the version
    written (``exact`` False: a range the chart's tool resolves itself). ``shared_with``: the
    other configured environments rendering that place (never edited for this one alone);
    ``unpinned``: why no file it renders pins the chart, when none does."""

    environment: EnvironmentSettings
    chart: ChartSettings
    file: str
    version: str | None
    exact: bool = True
    line: int | None = None
    shared_with: tuple[str, ...] = ()
    form: str = ""  # how the place is written (charts.FORMS)
    unpinned: str = ""
    with_charts: tuple[str, ...] = ()  # other charts whose version the same value sets
    also: tuple[str, ...] = ()  # the other places the environment renders pinning it (file:line)
    left: tuple[str, ...] = ()  # places a unit its tool refuses reads (file:line): not released, said

    @property
    def place(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    @property
    def shared(self) -> bool:
        return bool(self.shared_with)

    @property
    def key(self) -> tuple[str, str]:
        return (self.environment.name, self.chart.name)

    def item(self, action: PlanAction, reason: str, candidate: str | None = None) -> PlanItem:
        return PlanItem(
            environment=self.environment.name,
            image=self.chart.name,
            file=self.file,
            repository=self.chart.repository,
            policy=self.chart.policy.describe(),
            action=action,
            reason=reason,
            current=None if self.version is None else Deployed(self.chart.name, None, self.version, None),
            candidate=None if candidate is None else Candidate(candidate),
            kind=ArtifactKind.CHART,
            line=self.line,
        )

    def reading(self) -> ChartReading:
        """What git shows of the chart here, whatever its repository answers."""
        return ChartReading(
            self.environment.name,
            self.chart.name,
            self.chart.repository,
            self.version,
            self.file,
            self.line,
            self.exact,
            self.shared_with,
            self.unpinned if self.version is None else "",
            self.also,
            self.left,
        )


def chart_item(target: ChartTarget, listed: Choice | str | None) -> PlanItem:
    """The plan for a chart: ``listed`` is the policy's choice among its versions, or why
    they could not be read (None: not asked, the target needs no versions)."""
    if target.version is None:
        return target.item(
            PlanAction.SKIP,
            target.unpinned or f"no file {target.environment.name} renders pins chart {target.chart.name!r}",
        )
    if target.shared and target.exact:
        return target.item(PlanAction.SKIP, shared_reason(target))
    if target.with_charts and target.exact:  # a release of one would release the others unasked
        return target.item(
            PlanAction.SKIP,
            f"pinned in {target.place}, one value that sets the versions of charts "
            f"{', '.join(target.with_charts)} too; a release of {target.chart.name} alone does not "
            "edit it (fix: write each chart's version in its own list element)",
        )
    if not target.exact:  # promote leaves a range too: each environment's own to resolve
        return target.item(
            PlanAction.NONE,
            f"range {target.version} at {target.place} is resolved when the chart is installed",
        )
    if target.environment.mode is EnvironmentMode.PROMOTION:
        src = target.environment.promote_from
        return target.item(
            PlanAction.NONE,
            f"receives promotions from {src}; run 'gitops-bot promote {src} {target.environment.name}'",
        )
    if listed is None or isinstance(listed, str):
        return target.item(PlanAction.SKIP, listed or "no versions read")
    if listed.tag is None:
        return target.item(PlanAction.SKIP, listed.reason)
    if listed.tag == target.version:
        return target.item(PlanAction.NONE, "up to date", listed.tag)
    left = f"; it leaves {places(target.left)}, which a unit its tool refuses reads" if target.left else ""
    return target.item(PlanAction.UPDATE, listed.reason + left, listed.tag)


# what gives an environment a chart version of its own, by how the shared place is written
_OWN_PIN = {
    "helmrelease": "a kustomize patch of the HelmRelease setting only spec.chart.spec.version, in a "
    "kustomization only {env} renders",
    "argocd-application": "an Application file of its own, named as its path (of an ApplicationSet: a "
    "list element of its own, its generated Application named in {env}'s argocd_application)",
    "chart-dependency": "a chart (Chart.yaml) of its own",
    "kustomize-helmcharts": "an overlay of its own whose helmCharts entry sets the version",
    "ocirepository": "an OCIRepository of its own",
    "k3s-helmchart": "a HelmChart file of its own, in a kustomization only {env} renders",
}


def shared_reason(target: ChartTarget) -> str:
    """Why a chart pinned only where other environments render it too is not released for one
    of them, and the fix: a release for one environment never edits what others deploy."""
    env, others = target.environment.name, target.shared_with
    verb = "renders" if len(others) == 1 else "render"
    own = _OWN_PIN.get(target.form, "a file of its own pinning it").format(env=env)
    return (
        f"pinned in {target.place}, which {', '.join(others)} {verb} too; a release for {env} alone "
        f"does not edit it (fix: give {env} {own}; releases then go there)"
    )
