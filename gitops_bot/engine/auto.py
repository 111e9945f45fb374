"""The releases ``update`` (and so ``watch``) opens on its own, after its updates: automatic
rollbacks (:mod:`gitops_bot.release.autorollback`) and promotions after soak
(:mod:`gitops_bot.release.soak`).

Each is exactly the release the manual command builds (``rollback ENV --steps 1``,
``promote SRC DST``), delivered the same way (so windows, signature policy and holds apply as
for a person), with one paragraph in the PR body saying which rule opened it. A rule that
holds a release back says so in the run's output (a warning of an unchanged result), never in
a notification: a soak that waits is news only once it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GateClosed, GitOpsBotError, ServiceUnavailable
from gitops_bot.core.instants import format_duration
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.model import OutcomeAction, ReleaseKind, WriteMode
from gitops_bot.core.outside import Outside
from gitops_bot.engine import consent, delivery, rollback, stale
from gitops_bot.engine import promotion as promote
from gitops_bot.engine.automation import Latest, soak_of, verdict_of
from gitops_bot.engine.gates import RunGates
from gitops_bot.engine.history import history
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import Session
from gitops_bot.forges.forge import ChangeRequest, Forge
from gitops_bot.release import autorollback, next_step, soak
from gitops_bot.release.decision import Override
from gitops_bot.release.ledger import Entry
from gitops_bot.release.proposal import OVERRIDE_FREEZE, OVERRIDE_GATE, Release, says, stated_overrides

log = get_logger(__name__)


def automatic(s: Session, env_names: Sequence[str] | None, *, dry_run: bool) -> list[Outcome]:
    """The automatic rollbacks, then the promotions after soak, of the selected environments."""
    selected = s.app.declared.environments(env_names)
    envs = [e for e in selected if e.auto_rollback or e.auto_promote]
    # a promotion a person opened follows its source as an automatic one does, whether or not
    # the environment promotes on its own (the automatic rules follow theirs below)
    persons = [e for e in selected if e.promote_from is not None and e.auto_promote is None]
    out = [o for e in persons for o in _unless_unavailable(e, "promotion", lambda e: _persons(s, e, dry_run))]
    # so does an open rollback where no automatic rule rolls back: by a person's rollback's
    # rules (the freeze), whoever opened it
    for env in (e for e in selected if e.auto_rollback is None):
        out += _unless_unavailable(env, "rollback", lambda e: _open_rollback(s, e, None, dry_run=dry_run))
    if not envs:
        return out
    gates = s.gates()
    gates.require_argocd()  # the rules judge Argo CD's record: without it, said at once
    for env in envs:
        if env.auto_rollback is not None:
            out += _unless_unavailable(
                env, "auto-rollback", lambda e: _rollback(s, gates, e, dry_run=dry_run)
            )
    # an environment being rolled back takes no promotion in the same run: two pull
    # requests moving it opposite ways would leave the choice to whoever merges first
    rolling = {o.environment for o in out if o.changes}
    for env in envs:
        if env.auto_promote is not None and env.name not in rolling:
            out += _unless_unavailable(env, "auto-promote", lambda e: _promote(s, gates, e, dry_run=dry_run))
    return out


def _unless_unavailable(
    env: EnvironmentConfig, rule: str, fn: Callable[[EnvironmentConfig], list[Outcome]]
) -> list[Outcome]:
    """An Argo CD that cannot answer now decides nothing: the run's updates stand, the rule
    says why it waits, and the next run asks again (nothing was kept to lose)."""
    try:
        return fn(env)
    except ServiceUnavailable as exc:
        return [_undecided(env, rule, exc)]


def _undecided(env: EnvironmentConfig, rule: str, exc: ServiceUnavailable) -> Outcome:
    log.warning("automation_unavailable", environment=env.name, rule=rule, reason=str(exc))
    return _waiting(
        env,
        f"{rule} {env.name}: not decided: {exc}",
        {"rule": rule.replace("-", "_"), "ready": False, "held": [str(exc)]},
    )


def _latest(s: Session) -> Latest:
    def latest(name: str) -> Entry | None:
        entries = history(s, name, limit=1)
        return entries[0] if entries else None

    return latest


def _promote(s: Session, gates: RunGates, env: EnvironmentConfig, *, dry_run: bool) -> list[Outcome]:
    decided = soak_of(s.app, gates, env, _latest(s))
    if decided is None:
        source = env.auto_promote.source if env.auto_promote else None
        src = source or str(env.promote_from)
        return _follow(s, env, ReleaseKind.PROMOTION, f"{src} runs what {env.name} runs", dry_run=dry_run)
    log.info("soak", **decided.to_json())
    decision = decided.to_json()
    if not decided.ready:
        stale = _follow(s, env, ReleaseKind.PROMOTION, "; ".join(decided.held), dry_run=dry_run)
        return [_waiting(env, decided.text(), decision), *stale]
    try:
        # soaked: the rest of the one decision (a freeze, the source's gates, the forge's checks
        # and web gates asked now) says whether it opens, as for a person's promote
        consent.standing(s, decided.source, env.name, None, automatic=True)
        rel, notes = promote.release(s, decided.source, env.name)
    except GateClosed as exc:  # ... and the release's own: a hold, a signature, a digest gone
        refused = f"{decided.text()}, but {exc}"
        stale = _follow(s, env, ReleaseKind.PROMOTION, str(exc), dry_run=dry_run)
        return [_waiting(env, refused, {**decision, "ready": False, "held": [str(exc)]}), *stale]
    if rel is None:
        return [_waiting(env, "; ".join(notes), decision)] if notes else []
    why = f"auto_promote: {decided.source} soaked {format_duration(decided.after)}"
    rel = replace(rel, changes=tuple(replace(c, reason=_join(c.reason, why)) for c in rel.changes))
    out = delivery.deliver_one(
        s, env.name, rel, notes, kind=ReleaseKind.PROMOTION, dry_run=dry_run, note=decided.note()
    )
    return [replace(o, decision=decision) for o in out]


def _rollback(s: Session, gates: RunGates, env: EnvironmentConfig, *, dry_run: bool) -> list[Outcome]:
    try:
        verdict = verdict_of(s.app, gates, env, _latest(s))
    except ServiceUnavailable as exc:
        # whether it fails is not known now, so the rule decides nothing (an automatic rollback
        # open stays so); the freeze, read from git, still holds back what is open
        return [_undecided(env, "auto-rollback", exc), *_open_rollback(s, env, None, dry_run=dry_run)]
    recovered = None
    out: list[Outcome] = []
    if verdict is None:  # not failing (any more): an automatic rollback still open has lost its reason
        recovered = f"{env.applications} is no longer failing in Argo CD"
        if env.metrics_gates:
            recovered += ", and its metrics gates hold"
    else:
        out = _failing(s, env, verdict, dry_run=dry_run)
        if any(o.changes for o in out):  # the automatic rollback took the branch: its body says why
            return out
    return out + _open_rollback(s, env, recovered, dry_run=dry_run)


def _open_rollback(
    s: Session, env: EnvironmentConfig, recovered: str | None, *, dry_run: bool
) -> list[Outcome]:
    """The open rollback pull request of ``env`` follows what the chain decides for that
    rollback, one reason at a time: the automatic one is closed once ``recovered`` says its
    application no longer fails (its rule's premise); otherwise either is judged as a person's
    ``rollback`` is (:func:`consent.rollback`, the freeze: a rollback is a safety action, no
    gate holds it back), a person's with the override its body states. Held back, it is marked
    and its auto-merge withdrawn (the forge must not merge what the chain holds back); let
    through, a mark it carries is lifted."""
    found = _open(s, env, ReleaseKind.ROLLBACK, dry_run)
    if found is None:
        return []
    pr = found[3]
    automatic = says(pr.body, ROLLED_BACK)
    if automatic and recovered is not None:
        return _follow(s, env, ReleaseKind.ROLLBACK, recovered, dry_run=dry_run)
    # what the person overrode, as the pull request records it (its hidden line, never the
    # words of its body, which quote the freeze's own reason), the chain weighs again; an
    # automatic rollback overrides nothing
    forced = not automatic and OVERRIDE_FREEZE in stated_overrides(pr.body)
    try:
        consent.rollback(s, env.name, force=forced, reason="as the pull request states" if forced else None)
    except GateClosed as exc:
        return _marked(s, env, found, str(exc), dry_run=dry_run)
    return _lifted(s, env, ReleaseKind.ROLLBACK, f"{env.name} may be rolled back", dry_run=dry_run)


def _failing(
    s: Session, env: EnvironmentConfig, verdict: autorollback.RollbackDecision, *, dry_run: bool
) -> list[Outcome]:
    """The automatic rollback of ``env``, failing: opened when ``verdict`` is ready and a
    release to go back to is there and held by nobody, else why it waits."""
    decision = verdict.to_json()
    log.info("auto_rollback", **decision)
    if not verdict.ready:
        return [_waiting(env, verdict.text(), decision)]
    try:
        rel, notes = rollback.release(s, env.name, to=None, steps=1)
    except GitOpsBotError as exc:  # no earlier release to go back to
        return [
            _waiting(env, f"{verdict.text()}, but {exc}", {**decision, "ready": False, "held": [str(exc)]})
        ]
    if rel is None:
        return [_waiting(env, "; ".join(notes), {**decision, "ready": False, "held": notes})]
    blocked = autorollback.held_by(rel, s.app.held(env.name))
    if blocked is not None:
        text = f"auto-rollback {env.name}: not rolled back: {blocked}"
        return [_waiting(env, text, {**decision, "ready": False, "held": [blocked]})]
    rel = _failed(autorollback.with_holds(rel, verdict), verdict)
    note = (ROLLED_BACK, " ", Outside(verdict.reason()), ".")
    out = delivery.deliver_one(s, env.name, rel, notes, kind=ReleaseKind.ROLLBACK, dry_run=dry_run, note=note)
    return [replace(o, decision=decision) for o in out]


def _persons(s: Session, env: EnvironmentConfig, dry_run: bool) -> list[Outcome]:
    """A promotion a person opened into ``env`` (no ``auto_promote``) follows the decision both
    ways: marked when the chain would refuse ``promote`` now (a freeze or a red gate it did not
    override, its source's Argo CD gate, a hold), its mark lifted once that reason has gone.
    Asked only while one is open, so a run with none reads no gate."""
    found = _open(s, env, ReleaseKind.PROMOTION, dry_run)
    if found is None:
        return []
    pr = found[3]
    source = str(env.promote_from)
    # what the person overrode, as the pull request records it (its hidden line, never the
    # words of its body, which quote a freeze's reason and a gate's reading), the chain weighs again
    recorded = stated_overrides(pr.body)
    rules = (consent.FREEZE_RULES if OVERRIDE_FREEZE in recorded else frozenset()) | (
        consent.GATE_RULES if OVERRIDE_GATE in recorded else frozenset()
    )
    stated = Override("as the pull request states", rules) if rules else None
    try:
        consent.standing(s, source, env.name, stated)
        promote.release(s, source, env.name)
    except GateClosed as exc:
        return _follow(s, env, ReleaseKind.PROMOTION, str(exc), dry_run=dry_run)
    except ServiceUnavailable:
        raise  # said as the rule's "not decided", as for the automatic rules
    except GitOpsBotError as exc:  # a registry or file that failed: the run's updates still stand
        log.warning("promotion_not_followed", environment=env.name, reason=redact(str(exc))[:200])
        return []
    return _lifted(s, env, ReleaseKind.PROMOTION, f"{source} may be promoted", dry_run=dry_run)


def _lifted(
    s: Session, env: EnvironmentConfig, kind: ReleaseKind, holds: str, *, dry_run: bool
) -> list[Outcome]:
    """An open promotion (or rollback) the bot marked, whose reason has gone (``holds``: what
    holds now): the mark is lifted (and the run says so), so no reviewer reads a reason that
    no longer holds. One never marked: nothing to lift."""
    found = _open(s, env, kind, dry_run)
    if found is None:
        return []
    forge, _, branch, pr = found
    settings = next_step.Settings.of(s.app.config, env.name, base=s.ws.base, noun=forge.noun)
    step = next_step.unmarking(branch, pr, settings, s.app.clock(), kind=kind)
    if step.action is next_step.RequestStep.LEAVE:
        return []
    what = f"{forge.noun} #{pr.number}"
    said = f"{what}: the mark is lifted, its reason no longer holds ({holds})"
    if dry_run:
        would = [f"would lift the mark on {what}: its reason no longer holds", *step.notes]
        return [replace(stale.would(env.name, env.write, step), url=pr.url, warnings=would)]
    done = stale.mark(forge, env.name, pr, step)
    return [replace(done, write=env.write, warnings=[said, *done.warnings])]


Found = tuple[Forge, Mapping[str, ChangeRequest], str, ChangeRequest]


def _open(s: Session, env: EnvironmentConfig, kind: ReleaseKind, dry_run: bool) -> Found | None:
    """The forge, its open pull requests, and ``env``'s open one of ``kind`` with its branch
    (None: none open, or the environment writes no pull requests)."""
    if env.write is not WriteMode.PULL_REQUEST:
        return None
    found = s.reader() if dry_run else s.forge()
    if found is None:
        return None
    forge, open_prs = found
    branch = Release(env.name, (), kind=kind).branch(s.app.config.git.branch_prefix)
    pr = open_prs.get(branch)
    return None if pr is None else (forge, open_prs, branch, pr)


ROLLED_BACK = "Rolled back automatically:"  # the automatic rollback PR's own line


def _follow(
    s: Session, env: EnvironmentConfig, kind: ReleaseKind, why: str, *, dry_run: bool
) -> list[Outcome]:
    """An open promotion (or rollback) PR of ``env`` whose premise no longer holds (``why``):
    one the bot opened on its own is closed with a comment saying why; one a person asked for is
    marked in its body with why, and left to them (the bot never closes a person's decision)."""
    found = _open(s, env, kind, dry_run)
    if found is None:
        return []
    forge, open_prs, branch, pr = found
    # the bot's own line, not words a quote in the body may hold (closing a person's decision
    # for a rendered value that reads like that line would be the bot's mistake)
    automatic = says(pr.body, soak.PROMOTED if kind is ReleaseKind.PROMOTION else ROLLED_BACK)
    if not automatic:
        return _marked(s, env, found, why, dry_run=dry_run)
    what = f"{forge.noun} #{pr.number}"
    # each kind's own words: a promotion is no longer made, a rollback no longer needed
    said = (
        "is not promoted on its own any more: "
        if kind is ReleaseKind.PROMOTION
        else "needs no automatic rollback any more: "
    )
    step = next_step.closing(env.name, branch, pr, said, Outside(redact(why)))
    if dry_run:
        return [replace(stale.would(env.name, env.write, step), warnings=[f"would close {what}: {why}"])]
    return [stale.execute(s.ws, forge, env.name, open_prs, step)]


def _marked(s: Session, env: EnvironmentConfig, found: Found, why: str, *, dry_run: bool) -> list[Outcome]:
    """The open pull request ``found`` marked with ``why`` (the one reason that holds it back
    now), its auto-merge withdrawn, and left open."""
    forge, _, branch, pr = found
    what = f"{forge.noun} #{pr.number}"
    settings = next_step.Settings.of(s.app.config, env.name, base=s.ws.base, noun=forge.noun)
    step = next_step.marking(branch, pr, Outside(redact(why)), settings)
    if dry_run:
        would = [f"would mark {what}: {why}", *step.notes]
        return [replace(stale.would(env.name, env.write, step), url=pr.url, warnings=would)]
    done = stale.mark(forge, env.name, pr, step)
    opened = (
        "" if says(pr.body, ROLLED_BACK) or says(pr.body, soak.PROMOTED) else " was opened by a person and"
    )
    said = f"{what}{opened} stays open, marked: {why}"
    return [replace(done, write=env.write, warnings=[said, *done.warnings])]


def _failed(rel: Release, verdict: autorollback.RollbackDecision) -> Release:
    why = f"auto_rollback: {verdict.reason()}"
    return replace(rel, changes=tuple(replace(c, reason=_join(c.reason, why)) for c in rel.changes))


def _join(first: str, second: str) -> Outside:
    return Outside(f"{first}; {second}" if first else second)


def _waiting(env: EnvironmentConfig, text: str, decision: dict[str, Any]) -> Outcome:
    return Outcome(env.name, (), OutcomeAction.UNCHANGED, write=env.write, warnings=[text], decision=decision)
