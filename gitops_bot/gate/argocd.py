"""The promotion gate: is the source environment healthy in Argo CD, running what we promote?

One read-only call, ``GET /api/v1/applications/NAME[?appNamespace=NS]`` with a bearer token
(an Argo CD account token with ``applications, get``). The gate passes only when, as
``argocd app wait --sync --health --operation`` and Kargo require:

- the last sync operation finished ``Succeeded`` (``status.operationState.phase``: not
  ``Running``/``Terminating``, not ``Failed``/``Error`` such as a failed PostSync hook), and it
  applied the revision the Application is synced to (``operationState.syncResult.revision``, or
  ``revisions`` for a multi-source Application, equal to ``status.sync.revision(s)``);
- the Application is ``Synced`` and ``Healthy``;
- every promoted image is among the images Argo CD reports running (``status.summary.images``):
  the digest the source pins, or the tag where it pins no digest.

Anything else keeps the gate closed, each reason stated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gitops_bot.core.errors import ServiceUnavailable, UsageError
from gitops_bot.core.instants import outside_instant
from gitops_bot.core.model import DecisionRule, WrittenRef, short_digest
from gitops_bot.core.secret import given
from gitops_bot.gate.port import SELECTED, Applications, Deployment, Evidence, Live, Verdict, combined_live
from gitops_bot.gate.port import State as State
from gitops_bot.gate.port import Wanted as Wanted
from gitops_bot.gate.reading import GateKind, GateOutcome, Reading, since_text
from gitops_bot.gate.reading import line as _line
from gitops_bot.gate.settings import ArgoCDConfig
from gitops_bot.net import tls
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Answer, Credential, Refused, Service, Unavailable

if TYPE_CHECKING:
    import httpx

# httpx and gitops_bot.net are imported where the gate runs: only the environments gated by
# Argo CD ask it.


def check(app: Mapping[str, Any], name: str, wanted: Sequence[Wanted]) -> list[str]:
    """PURE: the reasons the gate is closed (empty: open)."""
    problems = _operation(app, name)
    sync = str(_field(app, "status", "sync", "status") or "Unknown")
    health = str(_field(app, "status", "health", "status") or "Unknown")
    if sync != "Synced":
        problems.append(f"Argo CD application {name} is {sync}, not Synced")
    if health != "Healthy":
        problems.append(f"Argo CD application {name} is {health}, not Healthy")
    running = live_images(app)
    for w in wanted:
        key = WrittenRef(w.repository).location
        same_repo = [r for r in running if r.location == key]
        # The source pins a digest: the cluster must run that digest. It pins a tag only:
        # the cluster runs that tag (what it resolved to is what promotion resolves now).
        ok = any(
            (r.digest == w.digest) if w.digest else (r.tag is not None and r.tag == w.tag) for r in same_repo
        )
        if not ok:
            seen = ", ".join(str(r) for r in same_repo) or "nothing from that repository"
            want = short_digest(w.digest) if w.digest else w.tag
            problems.append(f"{name} does not run {w.image} {want} (Argo CD reports {seen})")
    return problems


RULE = (
    "the last sync operation Succeeded at the synced revision, the application is Synced and "
    "Healthy, and it runs every wanted image (the digest pinned, else the tag)"
)


def judge(app: Mapping[str, Any], name: str, wanted: Sequence[Wanted]) -> Verdict:
    """PURE: the gate's verdict on an Application as Argo CD answers it: :func:`check`'s
    reasons, the state and images they were read from, and since when (the later of the
    health's last transition and the last operation's end)."""
    reasons = tuple(check(app, name, wanted))
    live = read_live(app)
    instants = [t for t in (live.health_since, live.operation_finished) if t is not None]
    return Verdict(
        open=not reasons,
        rule=RULE,
        reasons=reasons,
        evidence=Evidence(state(app), tuple(live_images(app))),
        since=max(instants) if instants else None,
    )


RULE_MANY = (
    "every application passes on its own (its last sync Succeeded at its synced revision, it is "
    "Synced and Healthy), each wanted image runs in every application that runs its repository, "
    "and each runs somewhere"
)


def judge_many(apps: Sequence[tuple[str, Mapping[str, Any]]], wanted: Sequence[Wanted], what: str) -> Verdict:
    """PURE: the gate's verdict on a set of Applications (``what`` names the set): open only
    when each passes. An application is held to the wanted images it runs the repository of
    (one per cluster runs them all; split applications run their own part), and an image no
    member runs at all keeps the gate closed, as it would for one application."""
    if not apps:
        reason = f"Argo CD has no {what}" if what.startswith(SELECTED) else f"no {what}"
        empty = Evidence(State("Unknown", "Unknown", "None"), ())
        return Verdict(False, RULE_MANY, (reason,), empty, None)
    parts: list[tuple[str, Verdict]] = []
    for name, app in apps:
        locations = {r.location for r in live_images(app)}
        own = [w for w in wanted if WrittenRef(w.repository).location in locations]
        parts.append((name, judge(app, name, own)))
    reasons = [r for _, v in parts for r in v.reasons]
    running = {r.location for _, app in apps for r in live_images(app)}
    names = ", ".join(name for name, _ in apps)
    for w in wanted:
        if WrittenRef(w.repository).location not in running:
            reasons.append(f"none of {names} runs {w.image} (Argo CD reports nothing from that repository)")
    lives = [(name, read_live(app)) for name, app in apps]
    live = combined_live(lives)
    since = [v.since for _, v in parts]
    return Verdict(
        open=not reasons,
        rule=RULE_MANY,
        reasons=tuple(reasons),
        evidence=Evidence(
            State(live.sync, live.health, live.operation),
            tuple(dict.fromkeys(r for _, v in parts for r in v.evidence.images)),
        ),
        since=None if any(t is None for t in since) else max(t for t in since if t is not None),
        parts=tuple(parts),
    )


class ArgoCDKind(GateKind):
    """A reading of Argo CD's record of an environment's applications: named by them, worded
    by their state (``value``: "Synced, Healthy") or what keeps the gate closed (``error``)."""

    name = "argocd"
    rule = DecisionRule.GATE

    def text(self, r: Reading) -> str:
        match r.outcome:
            case GateOutcome.PASS:
                return f"Argo CD gate {r.gate} holds{since_text(r)}: {r.value}"
            case GateOutcome.UNKNOWN:
                return f"Argo CD gate {r.gate} is unknown: {r.error}"
            case _:
                return f"Argo CD gate {r.gate} fails{since_text(r)}: {r.error}"

    def said(self, r: Reading, owner: str) -> str:
        if r.outcome is GateOutcome.UNKNOWN:
            return f"{owner}'s gate {r.gate} could not be read: {r.error}"
        return f"{owner} is {'green' if r.passes else 'not green'} in Argo CD ({r.error or r.value})"

    def own(self, r: Reading) -> str:
        """The applications are named, not "its": they are what the environment's own gate is."""
        return self.said(r, r.gate)

    def evidence(self, r: Reading) -> dict[str, str]:
        return {
            "application": r.gate,
            "reading": r.error or r.value,
        }  # as the decision's JSON always named it


ARGOCD = ArgoCDKind()


def reading(applications: str | Applications, verdict: Verdict, at: datetime) -> Reading:
    """PURE: the verdict as every gate answers the decision: passing or failing, the state it
    was read in (``value``), the reasons it is closed (``error``), since when."""
    state_read = f"{verdict.evidence.state.sync}, {verdict.evidence.state.health}"
    return Reading(
        str(applications),
        "",
        verdict.rule,
        GateOutcome.PASS if verdict.open else GateOutcome.FAIL,
        at,
        value=state_read,
        since=verdict.since,
        error=verdict.reason,
        kind=ARGOCD,
    )


def unread(applications: str | Applications, why: str, at: datetime) -> Reading:
    """PURE: the gate could not be read (Argo CD unreachable, refused, the token missing)."""
    return Reading(str(applications), "", RULE, GateOutcome.UNKNOWN, at, error=why, kind=ARGOCD)


def live_images(app: Mapping[str, Any]) -> list[WrittenRef]:
    """PURE: the images Argo CD reports running (``status.summary.images``), as written."""
    images = _field(app, "status", "summary", "images")
    return [WrittenRef.split(i) for i in images if isinstance(i, str)] if isinstance(images, list) else []


def state(app: Mapping[str, Any]) -> State:
    """PURE: an Application's sync, health and operation phase (``Unknown`` where absent)."""
    return State(
        str(_field(app, "status", "sync", "status") or "Unknown"),
        str(_field(app, "status", "health", "status") or "Unknown"),
        str(_field(app, "status", "operationState", "phase") or "None"),
    )


def read_live(app: Mapping[str, Any]) -> Live:
    """PURE: an Application's state with its instants (``status.health.lastTransitionTime``,
    ``operationState.finishedAt``, ``reconciledAt``, ``observedAt``, ``history[].deployedAt``); an instant
    Argo CD does not send, or sends unreadable, is None."""
    op = _field(app, "status", "operationState")
    history = _field(app, "status", "history")
    return Live(
        sync=str(_field(app, "status", "sync", "status") or "Unknown"),
        health=str(_field(app, "status", "health", "status") or "Unknown"),
        health_since=_instant(_field(app, "status", "health", "lastTransitionTime")),
        health_message=_line(_field(app, "status", "health", "message")),
        operation=str(_field(op, "phase") or "None"),
        operation_message=_line(_field(op, "message")),
        operation_finished=_instant(_field(op, "finishedAt")),
        reconciled_at=_instant(_field(app, "status", "reconciledAt")),
        observed_at=_instant(_field(app, "status", "observedAt")),
        history=tuple(
            Deployment(str(h.get("revision") or ",".join(_revisions(h))), _instant(h.get("deployedAt")))
            for h in (history if isinstance(history, list) else [])
            if isinstance(h, Mapping)
        ),
    )


def _instant(value: Any) -> datetime | None:
    return outside_instant(value, "Argo CD")


def _operation(app: Mapping[str, Any], name: str) -> list[str]:
    """PURE: why the last sync operation does not vouch for what is synced (empty: it does).

    ``sync.status`` and ``health.status`` alone say nothing about hooks: a PostSync hook that
    failed leaves the Application Synced and Healthy with ``operationState.phase: Failed``."""
    state = _field(app, "status", "operationState")
    if not isinstance(state, Mapping):
        return [f"Argo CD application {name} has no sync operation on record; sync it once"]
    phase = str(state.get("phase") or "Unknown")
    if phase != "Succeeded":
        message = str(state.get("message") or "").strip()
        detail = f": {message}" if message else ""
        return [f"Argo CD application {name}'s last sync operation is {phase}, not Succeeded{detail}"]
    synced = _revisions(_field(app, "status", "sync"))
    applied = _revisions(_field(state, "syncResult"))
    if not synced:
        return [f"Argo CD application {name} reports no synced revision"]
    if applied != synced:
        return [
            f"Argo CD application {name}'s last successful sync applied {_show(applied)}, "
            f"not the synced revision {_show(synced)}"
        ]
    return []


def _revisions(obj: Any) -> tuple[str, ...]:
    """A single-source Application reports ``revision``; a multi-source one ``revisions``."""
    if not isinstance(obj, Mapping):
        return ()
    many = obj.get("revisions")
    if isinstance(many, list) and many:
        return tuple(str(r) for r in many)
    one = obj.get("revision")
    return (str(one),) if one else ()


def _show(revisions: tuple[str, ...]) -> str:
    return ", ".join(r[:12] for r in revisions) or "no revision"


def locate(application: str, default_namespace: str | None) -> tuple[str, str | None]:
    """PURE: ``NAMESPACE/NAME`` (the argocd CLI's form) or ``NAME`` in the configured namespace."""
    namespace, sep, name = application.rpartition("/")
    return (name, namespace) if sep else (application, default_namespace)


def _field(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]...`` while each step is a mapping, else None: an odd shape from Argo CD
    (a list, a number where an object belongs) reads as unknown, never as a crash."""
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


class ArgoCD:
    def __init__(
        self, cfg: ArgoCDConfig, environ: Mapping[str, str], *, transport: httpx.BaseTransport | None = None
    ) -> None:
        assert cfg.server
        token = given(environ, cfg.token_env, service="the Argo CD gate", url=cfg.server)
        if not token:
            raise UsageError(
                f"the promotion gate needs an Argo CD token in ${cfg.token_env}",
                hint="create one with 'argocd account generate-token' (read access to applications)",
            )

        self.server = cfg.server
        self.app_namespace = cfg.app_namespace
        self._read: dict[str, dict[str, Any]] = {}
        self._listed: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._service = Service(
            "Argo CD",
            cfg.server,
            credential=Credential.bearer(token),  # the token goes to this server's origin only
            tls=(lambda: tls.context(insecure=True)) if cfg.insecure else None,
            timeout=ATTEMPT,
            total=TOTAL,
            limit=LIMIT,
            policy=RETRY,
            transport=transport,
        )

    def application(self, name: str) -> dict[str, Any]:
        """The Application, read once per client: a run's decisions (its gate, soak and automatic
        rollback) judge one reading, never two that may disagree."""
        if name not in self._read:
            self._read[name] = self._application(name)
        return self._read[name]

    def _application(self, name: str) -> dict[str, Any]:
        app, namespace = locate(name, self.app_namespace)
        params = {"appNamespace": namespace} if namespace else None
        return self._ask(f"/api/v1/applications/{quote(app, safe='')}", f"application {name}", params, LIMIT)

    def verdict(self, name: str | Applications, wanted: Sequence[Wanted]) -> Verdict:
        one = name if isinstance(name, str) else name.single
        if one is not None:
            return judge(self.application(one), one, wanted)
        assert isinstance(name, Applications)
        return judge_many(self.members(name), wanted, str(name))

    def live(self, name: str | Applications) -> Live:
        one = name if isinstance(name, str) else name.single
        if one is not None:
            return read_live(self.application(one))
        assert isinstance(name, Applications)
        members = self.members(name)
        if not members:
            raise ServiceUnavailable(f"Argo CD at {self.server} has no {name}", hint=_SELECTOR_HINT)
        return combined_live([(n, read_live(app)) for n, app in members])

    def members(self, apps: Applications) -> list[tuple[str, dict[str, Any]]]:
        """Each Application of the set, read once per client: the named ones one by one, a
        selector's in one list call (kept as read for the run's other questions about the set)."""
        if apps.selector is None:
            return [(n, self.application(n)) for n in apps.names]
        key = f"?{apps.selector}"
        if key not in self._listed:
            self._listed[key] = self._select(apps.selector)
        return self._listed[key]

    def _select(self, selector: str) -> list[tuple[str, dict[str, Any]]]:
        what = f"{SELECTED} {selector}"
        body = self._ask("/api/v1/applications", what, self._list_params(selector), LIST_LIMIT)
        items = body.get("items")
        if items is None:
            items = []  # Go's omitempty: no match is no "items" at all
        if not isinstance(items, list):
            raise self._broken(f"answered an unexpected list for applications matching {selector}")
        if len(items) > MAX_MEMBERS:
            raise UsageError(
                f"{len(items)} Argo CD applications match {selector}, more than the {MAX_MEMBERS} one "
                "environment's gate may wait on",
                hint="narrow the environment's argocd_selector",
            )
        named: list[tuple[str, object, dict[str, Any]]] = []
        for item in items:
            name = _field(item, "metadata", "name")
            if not isinstance(item, dict) or not isinstance(name, str) or not name:
                raise self._broken(f"answered an application without a name for {selector}")
            named.append((name, _field(item, "metadata", "namespace"), item))
        # Without appNamespace Argo CD lists every namespace it serves: two Applications of one
        # name are two members, each shown (and judged) as NAMESPACE/NAME
        several = len({ns for _, ns, _ in named}) > 1
        out = [
            (
                f"{ns}/{name}"
                if ns and (several or (self.app_namespace and ns != self.app_namespace))
                else name,
                item,
            )
            for name, ns, item in named
        ]
        return sorted(out, key=lambda pair: pair[0])

    def _list_params(self, selector: str) -> dict[str, str]:
        params = {"selector": selector}
        if self.app_namespace:
            params["appNamespace"] = self.app_namespace
        return params

    def _ask(self, path: str, what: str, params: dict[str, str] | None, limit: int) -> dict[str, Any]:
        """One bounded GET of an Argo CD resource (``what`` names it in errors), as a JSON object."""

        match self._service.get(path, params=params, limit=limit):
            case Answer(json=dict() as body):
                return body
            case Answer():
                raise self._broken(f"answered an unexpected shape for {what}")
            case Refused(status=401 | 403 as status):
                raise UsageError(
                    f"Argo CD at {self.server} refused the token (HTTP {status})",
                    hint="check the token and that its account may get applications",
                )
            case Refused(status=404) if what.startswith("application "):
                raise UsageError(
                    f"Argo CD at {self.server} has no application {what.removeprefix('application ')!r}",
                    hint="fix argocd_application in gitops-bot.yaml (NAMESPACE/NAME, or set "
                    "argocd: app_namespace, for an Application outside Argo CD's own namespace)",
                )
            # what remains is the server misbehaving, not the user's input: a service problem (exit 3)
            case Refused(status=status):
                raise self._broken(f"answered HTTP {status} for {what}")
            case Unavailable(why=why):
                raise ServiceUnavailable(
                    f"Argo CD at {self.server} is unavailable ({why})", hint="try again later"
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def _broken(self, what: str) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"Argo CD at {self.server} {what}",
            hint="check argocd.server points at the Argo CD API, or try again later",
        )

    def close(self) -> None:
        self._service.close()


ATTEMPT = 10.0  # seconds for one answer, in all (a server dripping bytes cannot stretch it)
TOTAL = 30.0  # seconds for the gate's question, retries included
LIMIT = 8 << 20  # an Application with a large resource tree is a few hundred KiB
# The retry budget of one question: 3 attempts, 0.5 s then 1 s apart (a Retry-After up to 4 s),
# read when a client is made, so a test that means the giving up can shorten the waits here.
RETRY = RetryPolicy(attempts=3, max_wait=4.0)
LIST_LIMIT = 64 << 20  # a selector's list: each member whole, as the single read has it
MAX_MEMBERS = 500  # a selector matching more is a mistake, not a fleet to gate one release on
_SELECTOR_HINT = "check the environment's argocd_selector against the Applications' labels"
