"""Every template that writes outside text — pull request titles, bodies and commit messages,
close comments, the dashboard issue, the Action's step summary, notifications (Slack, Teams,
a generic webhook), the status page and the terminal — walked with a hostile string in every
outside field, and judged by real renderers: no live markup, no mention, no reference, no
control character.

Discovered, not listed by hand:

- **the templates**: every function of the package that calls a medium's rule of
  :mod:`gitops_bot.core.outside`, and every place that hands text to a forge (a pull request's
  title and body, a closing comment, the dashboard issue) must be named in :data:`WALKS` with
  the walk that renders it: a new template fails here until a walk covers it;
- **the outside fields**: a walk's inputs are benign values in which every outside string is an
  :class:`~gitops_bot.core.outside.Outside`; the walk replaces *every* ``Outside`` in the whole
  object graph by the hostile string. Every field the package types ``Outside`` must be reached
  by some walk (a new outside field fails here until a walk's inputs hold one).
"""

from __future__ import annotations

import ast
import io
import json
import re
import types
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

import gitops_bot
from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.model import (
    Candidate,
    Decision,
    DecisionAction,
    DecisionRule,
    Deployed,
    EnvironmentMode,
    EnvironmentPlan,
    ImageMetadata,
    OutcomeAction,
    Plan,
    PlanAction,
    PlanItem,
    ReleaseKind,
    SignatureKind,
    Signer,
    Verification,
)
from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import ImageReading, Pin, PinKind, PinStatus
from gitops_bot.engine.explain import Explained, Explanation
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.report import Reports
from gitops_bot.engine.results import GateStatus, RepositoryResult, Row, Status, Unknown
from gitops_bot.engine.results import NextChange as ResultChange
from gitops_bot.forges.compare_kit import Comparison, SourceCommit
from gitops_bot.forges.forge import ChangeRequest
from gitops_bot.gate.argocd import State
from gitops_bot.notify import message
from gitops_bot.output import dashboard, emit, github, status_html
from gitops_bot.output import onboarding as onboarding_body
from gitops_bot.output.command_results import (
    Delivered,
    Explaining,
    FleetDelivered,
    HistoryRead,
    Reported,
    StatusRead,
)
from gitops_bot.output.result import Failed, Initialized, Planned, Result
from gitops_bot.release import dora, next_step, proposal
from gitops_bot.release.decision import Standing, Step
from gitops_bot.release.ledger import Entry
from gitops_bot.release.proposal import Change, Release
from gitops_bot.release.windows import Freeze
from gitops_bot.render import diff as rendered_diff
from testkit import package_source
from testkit.markup import live_in_html, live_in_markdown, references

PACKAGE = Path(gitops_bot.__file__).parent
DIGEST = "sha256:" + "a" * 64
OLD = "sha256:" + "b" * 64
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

HOSTILE = [
    '<img src=x onerror="alert(1)"> <a href="https://evil.example">a</a> <details open>x',
    "@everyone @octocat @acme/admins, fixes #1, closes GH-2 and !3",
    "[click](https://evil.example) ![p](https://evil.example/p.png) https://evil.example www.evil.example",
    "x\n\n# heading\n- item\n1. item\n> quote\n| a | b |\n| - | - |\n---\n```\nfenced\n```",
    "`tick` *em* _em_ ~~s~~ $m$ [^1] \\ &lt;b&gt; <!-- c -->",
    "<!everyone> <@U123> <https://evil.example|x> @here @channel",
    "\x1b[31mred\x1b]0;title\x07\u202eevil\r\nforged line\x00",
    "    indented code",
]


class Medium(Enum):
    MARKDOWN = "markdown"
    HTML = "html"
    PLAIN = "plain"  # titles, commit messages, a webhook's text
    TERMINAL = "terminal"
    SLACK = "slack"
    TEAMS = "teams"


Rendered = list[tuple[str, Medium, str]]  # (what, medium, text)


# ----- the inputs: benign values, every outside string an Outside ------------------------------


def o(text: str) -> Outside:
    return Outside(text)


def _change(**extra: Any) -> Change:
    commits = (
        SourceCommit("c" * 40, o("feat: a thing (#12)"), o("alice"), (12,)),
        SourceCommit("d" * 40, o("fix: another"), o("bob")),
    )
    base = Change(
        environment="staging",
        image="example/app",
        repository="registry.example/acme/app",
        files=("overlays/staging/kustomization.yaml",),
        from_tag="1.0.0",
        from_digest=OLD,
        to_tag="1.1.0",
        to_digest=DIGEST,
        reason=o("newer tag by semver"),
        metadata=ImageMetadata(
            created=WHEN,
            labels={
                "org.opencontainers.image.source": o("https://github.com/acme/app"),
                "org.opencontainers.image.revision": o("0123456789abcdef"),
            },
        ),
        warnings=(o("no place for the digest in overlays/staging/x.yaml"),),
        verification=Verification(
            True, o("signed"), (Signer(SignatureKind.KEYLESS, o("ci@acme.example"), o("https://issuer")),)
        ),
        contents=Comparison(
            commits, 40, "https://github.com/acme/app/compare/a...b", "https://github.com/acme/app/pull/"
        ),
        merge_waits=WHEN,
        age_from=o("the registry's push time"),
    )
    return replace(base, **extra)


def _rendered() -> tuple[rendered_diff.Rendered, ...]:
    """A rendered diff: every text of it but the environment is outside (a render's names and
    values, kubectl's error)."""
    image = rendered_diff.ImageDiff(o("Deployment staging/app"), o("containers[app]"), o("a:1"), o("a:2"))
    return (
        rendered_diff.Rendered("staging", o("overlays/broken"), error=o("kubectl kustomize failed: no base")),
        rendered_diff.Rendered(
            "staging",
            o("overlays/staging"),
            resources=(o("Deployment staging/app (apps/v1)"),),
            images=(image,),
            other=(o("Deployment staging/app: spec.replicas: 1 -> 2"),),
        ),
    )


def releases() -> list[Release]:
    noted = _change(contents=None, contents_note=o("acme/app: the forge said no"))
    return [
        Release(
            "staging",
            (_change(), noted),
            holds=(("example/app", o("pinned by ops")), ("other", None)),
            generated=(("overlays/staging/kustomization.yaml", o("flux")),),  # the tool its header names
            rendered=_rendered(),
        ),
        Release("prod", (_change(environment="prod"),), kind=ReleaseKind.PROMOTION, source="staging"),
        Release(
            "prod",
            (_change(environment="prod"),),
            kind=ReleaseKind.ROLLBACK,
            holds=(("example/app", o("bad")),),
        ),
        Release("prod", (), kind=ReleaseKind.HOLD, holds=(("example/app", o("incident 7")),)),
        Release("prod", (), kind=ReleaseKind.FREEZE, freeze=Freeze("prod", WHEN, o("release week"))),
    ]


def _entry() -> Entry:
    return Entry(
        commit="e" * 40,
        time="2026-01-02T03:04:05Z",
        author=o("Eve <eve@example.com>"),
        subject=o("roll back app by hand"),
        release=None,
        pull_request=7,
        images={"example/app": Deployed("example/app", None, "1.0.0", OLD)},
        changed=("example/app",),
    )


def _item(env: str, action: PlanAction = PlanAction.UPDATE) -> PlanItem:
    return PlanItem(
        env,
        "example/app",
        "overlays/x/kustomization.yaml",
        "registry.example/acme/app",
        "semver ^1",
        action,
        o("newer tag by semver"),
        Deployed("example/app", None, "1.0.0", OLD),
        Candidate("1.1.0", DIGEST),
    )


def status() -> Status:
    gate = GateStatus(
        "app-staging",
        State(o("Synced"), o("Degraded"), o("Succeeded")),
        (),
        (o("Degraded: the pod crashed"),),
    )
    pr = ChangeRequest(
        3, "https://github.com/acme/gitops/pull/3", "gitops-bot/staging", o("staging: release"), ""
    )
    rows = (
        Row(
            "staging",
            "example/app",
            "f.yaml",
            Deployed("example/app", None, "1.0.0", OLD),
            "r/a",
            _item("staging"),
            pr,
            gate,
            chain=_chain(),
        ),
        Row(
            "prod",
            "example/app",
            "f.yaml",
            Deployed("example/app", None, "1.0.0", OLD),
            "r/a",
            Unknown(o("registry said: no"), 3, o("check the token")),
            Unknown(o("forge said: no"), 3),
            Unknown(o("Argo CD said: no"), 3),
            source="staging",
        ),
    )
    return Status(rows, {"staging": (_entry(),)}, {"staging": ("example/app", _next())})


def _chain() -> tuple[Step, ...]:
    """A chain as ``explain`` shows it: its reasons quote holds, gates and Argo CD."""
    return (
        Step("hold", Standing.PASSED, o("not held")),
        Step("freeze", Standing.BLOCKING, o("frozen: launch day"), {"reason": o("launch day")}, wins=True),
        Step("window", Standing.BLOCKING, o("deny window"), until=WHEN),
    )


def _next() -> ResultChange:
    decided = Decision(DecisionAction.PROPOSE, DecisionRule.POLICY, o("highest of 4 tags"))
    return ResultChange(WHEN, decided, (o("the freeze ends"),))


def explained() -> Explained:
    item = replace(
        _item("staging"), decision=Decision(DecisionAction.BLOCKED, DecisionRule.FREEZE, o("frozen"))
    )
    return Explained("staging", WHEN - timedelta(hours=1), WHEN, (Explanation(item, _chain(), _next()),))


def _outcome() -> Outcome:
    return Outcome(
        "staging",
        (_change(),),
        OutcomeAction.PULL_REQUEST,
        url="https://github.com/acme/gitops/pull/3",
        title="staging: release: example/app 1.0.0 -> 1.1.0",
        warnings=[o("label 'x' not added: the forge said no")],
    )


def report() -> Reports:
    """A week with a release held (its hold's reason outside text) and one whose source
    commit could not be read (the forge's words)."""
    first = _entry()
    held = replace(
        first,
        commit="f" * 40,
        time="2026-01-03T03:04:05Z",
        images={"example/app": Deployed("example/app", None, "1.1.0", DIGEST)},
    )
    hold = dora.HoldPlaced("9" * 40, datetime(2026, 1, 3, 5, tzinfo=UTC), "example/app", o("incident 7"))
    unread = {(held.commit, "example/app"): dora.SourceDate(None, o("acme/app: the forge said no"))}
    until = datetime(2026, 1, 9, tzinfo=UTC)
    found = dora.report(
        "staging", [held, first], [hold], unread, since=until - timedelta(days=7), until=until
    )
    return Reports((found,), until - timedelta(days=7), until)


# what init writes, quoting a repository's names (file paths, images) in its comments
INIT_CONFIG = "version: 1\n# guess: pinned 1.0.0: semver tags\n# not read: a remote resource\n"


def _reading() -> tuple[ImageReading, ...]:
    pin = Pin(o("overlays/staging/kustomization.yaml"), 5, PinKind.KUSTOMIZE, True, (), tag=o("1.2.0"))
    return (
        ImageReading("staging", o("example/app"), PinStatus.PINNED, (pin,)),
        ImageReading("staging", o("example/worker"), PinStatus.UNSUPPORTED, reason=o("why"), fix=o("fix")),
    )


def results() -> list[Result]:
    items = (_item("staging"), _item("staging", PlanAction.SKIP))
    frozen = {"until": "2026-01-02T03:04:05Z", "reason": o("release week"), "expired": False}
    plan = Plan((EnvironmentPlan("staging", EnvironmentMode.REGISTRY, items, freeze=frozen),))
    # the configuration is the bot's own document: what it quotes of a repository is one line
    # of a comment, controls dropped (engine.discovery), or a JSON string
    found = Initialized(
        INIT_CONFIG, o("gitops-bot.yaml"), (o("example/app: 3 tags"),), (o("a note"),), o("opened")
    )
    return [
        Result("plan", Planned(plan)),
        Result("init", Planned(plan, init=found)),
        Result("history", HistoryRead("staging", (_entry(),))),
        # a run that stopped after reading git (a registry out of reach) still says the reading
        Result("plan", Failed(o("gitops-bot: error: registry down"), _reading()), 3),
        Result("update", Delivered((_outcome(),), (_item("staging", PlanAction.SKIP),))),
        Result("status", StatusRead(status())),
        Result("report", Reported(report())),
        Result("explain", Explaining(explained())),
        Result(
            "update",
            FleetDelivered(
                (
                    RepositoryResult("https://git.example/acme/a.git", outcomes=[_outcome()]),
                    RepositoryResult(
                        "https://git.example/acme/b.git", 3, o("clone failed: the server said no")
                    ),
                ),
                3,
            ),
        ),
    ]


def notices() -> list[message.Notice]:
    return [
        message.Notice(
            "proposed",
            "staging",
            (_change(),),
            "https://github.com/acme/gitops/pull/3",
            None,
            o("why"),
            o("t"),
        ),
        message.Notice("hold", "prod", (), None, "f" * 40, o("incident 7"), o("prod: hold example/app")),
        message.from_error(
            RuntimeError(o("Argo CD said: Degraded")), gate=True, command="promote", dry_run=False
        ),
    ]


# ----- the walks: each renders its templates from inputs -------------------------------------


def walk_pull_requests(swap: Callable[[Any], Any]) -> Rendered:
    out: Rendered = []
    for k, rel in enumerate(swap(releases())):
        out += [
            (f"release {k} title", Medium.PLAIN, rel.title()),
            (f"release {k} commit message", Medium.PLAIN, rel.commit_message("{environment}: {summary}")),
            (f"release {k} body", Medium.MARKDOWN, rel.body(swap([o("a note of the run")]))),
        ]
    note = swap(("Rolled back automatically: ", o("Degraded: the pod crashed"), "."))
    out.append(("noted body", Medium.MARKDOWN, proposal.with_note("Body.", note)))
    out.append(("noted commit message", Medium.PLAIN, proposal.message_with_note("subject\n\n- x\n", note)))
    out.append(
        ("closing comment", Medium.MARKDOWN, proposal.closing_comment("staging", swap(o("is superseded"))))
    )
    out.append(
        (
            "marked line",
            Medium.MARKDOWN,
            proposal.marked_line("gitops-bot no longer stands behind this:", swap(o("gone"))),
        )
    )
    plan = swap(results()[1].body).plan  # type: ignore[union-attr]
    out.append(
        (
            "onboarding body",
            Medium.MARKDOWN,
            onboarding_body.body(INIT_CONFIG, plan, swap((o("no environment pins it"),))),
        )
    )
    persons = ChangeRequest(7, "https://forge.example/pr/7", "gitops-bot/promotion/prod", "t", "A person's.")
    settings = next_step.Settings(EnvironmentConfig("prod", ("overlays/prod",)))
    out.append(
        (
            "marked body",
            Medium.MARKDOWN,
            next_step.marking(persons.head, persons, swap(o("gone")), settings).body,
        )
    )
    return out


def walk_dashboard(swap: Callable[[Any], Any]) -> Rendered:
    found = swap(status())
    return [
        ("dashboard issue", Medium.MARKDOWN, dashboard.markdown(found)),
        ("gitlab", Medium.MARKDOWN, dashboard.markdown(found, ref="!")),
    ]


def walk_step_summary(swap: Callable[[Any], Any]) -> Rendered:
    return [
        (f"step summary {r.command}", Medium.MARKDOWN, github.markdown_summary(r)) for r in swap(results())
    ]


def walk_terminal(swap: Callable[[Any], Any]) -> Rendered:
    out: Rendered = []
    for k, r in enumerate(swap(results())):
        stdout, stderr = io.StringIO(), io.StringIO()
        emit(r, stdout, stderr)
        out.append((f"terminal {k} {r.command}", Medium.TERMINAL, stdout.getvalue() + stderr.getvalue()))
    return out


@dataclass
class _Section:
    repository: str | None
    computed_at: datetime
    status: Status | None
    error: str | None
    delivery: Reports | None = None
    delivery_error: str | None = None


def walk_status_page(swap: Callable[[Any], Any]) -> Rendered:
    sections = [
        _Section("acme/gitops", WHEN, swap(status()), None, swap(report())),
        _Section(None, WHEN, None, swap(o("clone failed"))),
        _Section("acme/other", WHEN, swap(status()), None, None, swap(o("forge down"))),
    ]
    return [("status page", Medium.HTML, status_html.render(sections, "abc"))]


def walk_notifications(swap: Callable[[Any], Any]) -> Rendered:
    out: Rendered = []
    for k, n in enumerate(swap(notices())):
        out.append((f"notice {k} slack", Medium.SLACK, message.slack(n)["text"]))
        teams = message.teams(n)["attachments"][0]["content"]["body"]
        out += [(f"notice {k} teams {j}", Medium.TEAMS, block["text"]) for j, block in enumerate(teams)]
        out.append((f"notice {k} webhook text", Medium.PLAIN, message.webhook(n)["text"]))
    return out


WALKERS: dict[str, Callable[[Callable[[Any], Any]], Rendered]] = {
    "pull requests": walk_pull_requests,
    "dashboard": walk_dashboard,
    "step summary": walk_step_summary,
    "terminal": walk_terminal,
    "status page": walk_status_page,
    "notifications": walk_notifications,
}

# every template the package has, and the walk that renders it (discovered below)
WALKS = {
    "gitops_bot.release.proposal:Release.commit_message": "pull requests",
    "gitops_bot.release.proposal:Release._intro": "pull requests",
    "gitops_bot.release.proposal:Release.body": "pull requests",
    "gitops_bot.release.proposal:Release._contents_lines": "pull requests",
    "gitops_bot.release.proposal:with_note": "pull requests",
    "gitops_bot.release.proposal:message_with_note": "pull requests",
    "gitops_bot.release.proposal:closing_comment": "pull requests",
    "gitops_bot.release.proposal:marked_line": "pull requests",
    "gitops_bot.release.proposal:_contents": "pull requests",
    "gitops_bot.release.proposal:_waiting_lines": "pull requests",
    "gitops_bot.release.proposal:_warning_lines": "pull requests",
    "gitops_bot.release.proposal:_generated_lines": "pull requests",
    "gitops_bot.release.proposal:_layer_lines": "pull requests",
    "gitops_bot.release.proposal:_verified_lines": "pull requests",
    "gitops_bot.release.proposal:_hold_lines": "pull requests",
    "gitops_bot.release.proposal:_source_link": "pull requests",
    "gitops_bot.render.diff:section": "pull requests",
    "gitops_bot.render.diff:_other": "pull requests",
    # the places a forge is handed text: each writes a template's output
    "gitops_bot.engine.delivery:_execute": "pull requests",
    "gitops_bot.engine.onboarding:propose": "pull requests",
    "gitops_bot.output.onboarding:body": "pull requests",
    "gitops_bot.output.onboarding:_fenced": "pull requests",
    "gitops_bot.output.text:init_text": "terminal",
    "gitops_bot.engine.stale:execute": "pull requests",
    "gitops_bot.engine.stale:mark": "pull requests",
    "gitops_bot.commands.dashboard:keep": "dashboard",
    "gitops_bot.output.dashboard:text": "dashboard",
    "gitops_bot.output.dashboard:table": "dashboard",
    "gitops_bot.output.github:_cell": "step summary",
    "gitops_bot.output.github:_plan_rows": "step summary",
    "gitops_bot.output.github:_reading_rows": "step summary",
    "gitops_bot.output.github:_history_rows": "step summary",
    "gitops_bot.output.github:_delivered_rows": "step summary",
    "gitops_bot.output.report_text:report_rows": "step summary",
    "gitops_bot.output:_emit": "terminal",
    "gitops_bot.output:_plan_text": "terminal",
    "gitops_bot.output.command_output:emit": "terminal",
    "gitops_bot.output.status_text:status_text": "terminal",
    "gitops_bot.output.status_text:_heading": "terminal",  # status_text writes each heading through it
    "gitops_bot.output.text:plan_text": "terminal",
    "gitops_bot.output.text:_reading_lines": "terminal",
    "gitops_bot.output.text:_unasked_reason": "terminal",
    "gitops_bot.output.text:reading_text": "terminal",
    "gitops_bot.output.release_text:update_text": "terminal",
    "gitops_bot.output.release_text:history_text": "terminal",
    "gitops_bot.output.release_text:fleet_text": "terminal",
    "gitops_bot.output.report_text:_environment": "terminal",
    "gitops_bot.output.report_text:_failure": "terminal",
    "gitops_bot.output.status_html:_e": "status page",
    "gitops_bot.output.dashboard:_why": "dashboard",
    "gitops_bot.output.explain_text:summary_markdown": "dashboard",
    "gitops_bot.output.explain_text:chain_markdown": "dashboard",
    "gitops_bot.output.explain_text:explain_markdown": "step summary",
    "gitops_bot.output.explain_text:chain_html": "status page",
    "gitops_bot.output.explain_text:explain_text": "terminal",
    "gitops_bot.output.explain_text:_item": "terminal",
    "gitops_bot.notify.message:Notice.text": "notifications",
    "gitops_bot.notify.message:slack": "notifications",
    "gitops_bot.notify.message:teams": "notifications",
}


# ----- discovery ------------------------------------------------------------------------------

RULES = {
    "md", "md_item", "md_row", "md_cell", "md_link", "md_text", "md_code", "html", "html_text",
    "mrkdwn", "mrkdwn_text", "teams", "teams_text", "plain", "plain_text", "terminal_text",
}  # fmt: skip
SINKS = {"create", "update", "close"}  # a forge's methods that take a title, a body or a comment


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _templates() -> set[str]:
    found: set[str] = set()
    for src in package_source.sources():
        path, tree = src.path, src.tree
        if path.name == "outside.py" and path.parent.name == "core":
            continue
        rules = {
            alias.asname or alias.name
            for node in src.nodes
            if isinstance(node, ast.ImportFrom) and node.module == "gitops_bot.core.outside"
            for alias in node.names
            if alias.name in RULES
        }
        found |= {f"{_module(path)}:{name}" for name in _functions_writing(tree, "", rules)}
    return found


def _functions_writing(node: ast.AST, prefix: str, rules: set[str]) -> Iterator[str]:
    """The qualified names of the functions under ``node`` that write text (see :func:`_writes`)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            yield from _functions_writing(child, f"{prefix}{child.name}.", rules)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            _writes(n, rules) for n in ast.walk(child)
        ):
            yield f"{prefix}{child.name}"


def _writes(node: ast.AST, rules: set[str]) -> bool:
    """A call of a medium's rule, a forge's method that takes text, or the dashboard's keep."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    if isinstance(f, ast.Name):
        return f.id in rules
    if isinstance(f, ast.Attribute):
        owner = f.value.id if isinstance(f.value, ast.Name) else getattr(f.value, "attr", "")
        return (f.attr in SINKS and owner == "forge") or (f.attr == "keep" and owner == "issues")
    return False


def test_every_template_is_walked() -> None:
    found = _templates()
    assert sorted(found - WALKS.keys()) == [], "a template no walk renders: add it to WALKS with its walk"
    assert sorted(WALKS.keys() - found) == [], "WALKS names a template that is gone"
    assert set(WALKS.values()) == WALKERS.keys()


def _record_classes() -> Iterator[type]:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module(path)
        if "Outside" not in path.read_text():
            continue
        module = __import__(name, fromlist=["_"])
        for value in vars(module).values():
            if isinstance(value, type) and is_dataclass(value) and value.__module__ == name:
                yield value


def outside_fields() -> set[tuple[str, str]]:
    """Every field the package types as outside text (``Outside``, optional, in a tuple): read
    from the annotations as written (every module defers them)."""
    out = set()
    for cls in _record_classes():
        for klass in cls.__mro__:
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                if re.search(r"\bOutside\b", str(annotation)):
                    out.add((cls.__qualname__, name))
    return out


# ----- the swap: every Outside in an object graph ------------------------------------------


class Swap:
    """Replaces every :class:`Outside` in a value by ``text``, and records which fields held one."""

    def __init__(self, text: str) -> None:
        self.text = Outside(text)
        self.reached: set[tuple[str, str]] = set()
        self.count = 0

    def __call__(self, value: Any) -> Any:
        if isinstance(value, Outside):
            self.count += 1
            return self.text
        if is_dataclass(value) and not isinstance(value, type):
            changed = {}
            for f in fields(value):
                if not f.init:
                    continue
                inner = getattr(value, f.name)
                if _holds_outside(inner):
                    self.reached.add((type(value).__qualname__, f.name))
                changed[f.name] = self(inner)
            return replace(value, **changed)
        if isinstance(value, tuple):
            return tuple(self(v) for v in value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, types.MappingProxyType):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, BaseException):
            return type(value)(*(self(a) for a in value.args))
        return value


def _holds_outside(value: Any) -> bool:
    if isinstance(value, Outside):
        return True
    if isinstance(value, tuple | list):
        return any(_holds_outside(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_outside(k) or _holds_outside(v) for k, v in value.items())
    return False


def test_every_outside_field_is_reached_by_a_walk() -> None:
    swap = Swap("x")
    for walker in WALKERS.values():
        walker(swap)
    assert sorted(outside_fields() - swap.reached) == [], "an Outside field no walk's inputs hold"


# ----- the judges, one per medium --------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ZW = "\u200b"


def _unbroken(text: str, chars: str) -> int:
    """How many of ``chars`` in ``text`` are not followed by a zero-width space."""
    return sum(1 for k, c in enumerate(text) if c in chars and text[k + 1 : k + 2] != _ZW)


def judge(medium: Medium, benign: str, hostile: str) -> list[str]:
    match medium:
        case Medium.MARKDOWN:
            return live_in_markdown(benign, hostile)
        case Medium.HTML:
            return live_in_html(benign, hostile)
        case Medium.PLAIN:
            problems = (
                [f"{hostile.count(chr(10))} lines, not {benign.count(chr(10))}"]
                if hostile.count("\n") != benign.count("\n")
                else []
            )
            return (
                problems
                + [f"live reference {r!r}" for r in references([hostile]) if r not in references([benign])]
                + [f"control {c!r}" for c in _CONTROL.findall(hostile)]
            )
        case Medium.TERMINAL:
            extra = Counter(_CONTROL.findall(hostile)) - Counter(_CONTROL.findall(benign))  # not its colours
            problems = [f"control {c!r}" for c in extra.elements()]
            return problems + (
                [f"{hostile.count(chr(10))} lines, not {benign.count(chr(10))}"]
                if hostile.count("\n") != benign.count("\n")
                else []
            )
        case Medium.SLACK:
            problems = [] if hostile.count("<") == benign.count("<") else ["a <…> command, mention or link"]
            if re.search(r"@(?:here|channel|everyone)\b", hostile):
                problems.append("a channel mention")
            if _unbroken(hostile, "*_~`") != _unbroken(benign, "*_~`") or hostile.count("\n") != benign.count(
                "\n"
            ):
                problems.append("formatting or a line of its own")
            return problems
        case Medium.TEAMS:
            special = "*_~`[]()<>@#!-+."
            if "\n" in hostile or _unbroken(hostile, special) != _unbroken(benign, special):
                return ["markup an Adaptive Card reads"]
            return []


@pytest.mark.parametrize("walk", sorted(WALKERS))
@pytest.mark.parametrize("bad", HOSTILE, ids=[f"hostile{k}" for k in range(len(HOSTILE))])
def test_no_outside_field_makes_live_markup_in_any_template(
    walk: str, bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the terminal's table wraps its words at COLUMNS: a line the bot adds there is its own, and
    # the count of lines is how a forged one shows
    monkeypatch.delenv("COLUMNS", raising=False)
    benign = WALKERS[walk](Swap("plain words"))
    swap = Swap(bad)
    hostile = WALKERS[walk](swap)
    assert swap.count, f"the {walk} walk's inputs hold no outside text"
    assert [(w, m) for w, m, _ in benign] == [(w, m) for w, m, _ in hostile]
    failures = {}
    for (what, medium, good), (_, _, shown) in zip(benign, hostile, strict=True):
        problems = judge(medium, good, shown)
        if problems:
            failures[what] = (problems, shown[:3000])
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)[:6000]
