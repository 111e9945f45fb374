"""The ``environments:`` section: each environment's overlay paths, where its releases come
from, how they land, its Argo CD application and its signature overrides; and the checks that
span environments (names that nest, promotion chains)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_bot.config.images import MIN_AGE, min_age, verify_section
from gitops_bot.config.kinds import STR, ListOf, MapOf, Nested, Strings, imported
from gitops_bot.config.reader import ConfigReader
from gitops_bot.config.settings import EnvironmentConfig, ImageConfig, branch_rule
from gitops_bot.config.spec import Field, Section, Values, default_of, holds, none_of, one_of
from gitops_bot.core.model import WriteMode
from gitops_bot.core.settings import matches

if TYPE_CHECKING:
    from gitops_bot.config.gates import Gates

RESERVED_ENVIRONMENT_NAMES = ("promotion", "rollback", "hold", "freeze")  # BRANCH_PREFIX/<kind>/<env>
_COMPONENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")


def _branch_name_problem(name: str) -> str | None:
    """An environment names git branches (``gitops-bot/<env>``, ``gitops-bot/<env>/<image>``):
    each part must be a valid branch component."""
    parts = name.split("/")
    ok = len(name) <= 100 and all(_COMPONENT.fullmatch(p) and not p.endswith(".lock") for p in parts)
    return None if ok else ""


def _relative_problem(path: str) -> str | None:
    return "" if os.path.isabs(path) or ".." in Path(path).parts else None


_NAME_RULES = (
    none_of(
        RESERVED_ENVIRONMENT_NAMES, "{value!r} cannot name an environment: the bot's {value} branches use it"
    ),
    holds(
        _branch_name_problem,
        "environment name {value!r} cannot be part of a git branch name; "
        "use letters, digits, '-', '_', single '.' (and '/' between parts)",
    ),
)
# A Kubernetes label selector (equality- and set-based requirements, comma-separated), as
# Argo CD's application list takes it: the grammar of k8s.io/apimachinery/pkg/labels.
_LABEL = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_KEY = rf"(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?{_LABEL}"
_VALUE = rf"(?:{_LABEL})?"
_REQUIREMENT = (
    rf" *(?:! *{_KEY}|{_KEY} *(?:(?:==?|!=) *{_VALUE}| +(?:in|notin) *\( *{_VALUE}(?: *, *{_VALUE})* *\))?) *"
)
_SELECTOR = rf"^{_REQUIREMENT}(?:,{_REQUIREMENT})*$"
_GATED_BY = ("argocd_application", "argocd_applications", "argocd_selector")

_SOME_PATH = {"type": ["string", "array"], "minItems": 1}
_PATH = holds(_relative_problem, "path {value!r} of {what} must be relative to the repository, inside it")


# The sections of keys few files write, imported by name when a file gives the key (or the
# JSON Schema is written): a file without them loads none of these modules, nor their settings
# dataclasses, nor zoneinfo for windows, nor the checks gate for gates.
WINDOWS = "gitops_bot.config.windows"
AUTOMATION = "gitops_bot.config.automation"
GATES = "gitops_bot.config.gates"


def _image_names(v: Values) -> tuple[str, ...]:
    return tuple(sorted(i.name for i in v.file["images"]))


def _environment(v: Values) -> EnvironmentConfig:
    name = v["name"]
    for other in (e.name for e in v.siblings):
        if other == name:
            raise v.error(v.line, f"environment {name!r} is listed twice")
        if name.startswith(other + "/") or other.startswith(name + "/"):
            raise v.error(
                v.line, f"environment names {other!r} and {name!r} nest; their branches would collide"
            )
    paths = v["paths"] + v["path"]
    if not paths:
        raise v.error(v.line, f"{v.what} needs 'path' (its overlay directory, e.g. overlays/{name})")
    known = _image_names(v)
    for n, img in enumerate(v["images"]):
        if img not in known:
            raise v.error(v.line_of("images"), f"{v.what} lists image {img!r}, which is not under 'images'")
        if img in v["images"][:n]:  # each item of the plan would be written twice
            raise v.error(v.line_of("images"), f"{v.what} lists image {img!r} twice")
    charts = {c.name for c in v.file["charts"] or ()}
    for chart in v["charts"]:
        if chart not in charts:
            raise v.error(v.line_of("charts"), f"{v.what} lists chart {chart!r}, which is not under 'charts'")
    listed = v["argocd_applications"] or ()
    if v.given("argocd_applications") and (not listed or not all(listed) or len(set(listed)) != len(listed)):
        raise v.error(
            v.line_of("argocd_applications"),
            f"'argocd_applications' of {v.what} must name at least one Application, each once and none empty",
        )
    named = [key for key in _GATED_BY if v[key]]
    if len(named) > 1:
        raise v.error(
            v.line_of(named[1]),
            f"{v.what} sets both {named[0]!r} and {named[1]!r}; keep one (a list takes several)",
        )
    gates: Gates | None = v["gates"]
    return EnvironmentConfig(
        name=name,
        paths=paths,
        promote_from=v["promote_from"],
        images=v["images"] if v.given("images") else None,
        line=v.line,
        write=WriteMode(v["write"]),
        argocd_application=v["argocd_application"],
        argocd_applications=v["argocd_applications"],
        argocd_selector=v["argocd_selector"],
        verify=v["verify"],
        min_age=min_age(v["min_age"]),
        windows=v["windows"],
        charts=v["charts"],
        auto_promote=v["auto_promote"],
        auto_rollback=v["auto_rollback"],
        metrics_gates=gates.metrics if gates else (),
        checks_gate=gates.checks if gates else None,
        web_gates=gates.web if gates else (),
        branch=v["branch"],
    )


ENVIRONMENT = Section(
    (
        Field(
            "name",
            STR,
            required=True,
            rules=_NAME_RULES,
            description="The environment's name, as commands (promote staging production), branches "
            "and messages say it.",
        ),
        Field(
            "path",
            Strings(),
            rules=(_PATH,),
            description="Where its images are written, relative to the repository: an overlay "
            "directory, a manifests directory or a file.",
        ),
        Field("paths", Strings(), rules=(_PATH,), description="Several such places, written together."),
        Field("promote_from", STR, description="Takes only promotions from this environment."),
        Field(
            "branch",
            STR,
            rules=(branch_rule("'branch' {value!r} of {what} is not a valid branch name"),),
            description="The branch its files live on, when each environment has its own (the "
            "branch its Argo CD Application's targetRevision names): read there, and its releases "
            "land there (default: the base branch).",
        ),
        Field(
            "images",
            Strings(),
            description="Only these images here; an empty list: none (its charts alone); without it, "
            "every image.",
        ),
        Field("charts", Strings(), description="Only these charts here."),
        Field(
            "write",
            STR,
            default_of(EnvironmentConfig, "write"),
            (
                one_of(
                    (m.value for m in WriteMode),
                    "'write' of {what} must be pull_request (open a PR) or commit (push to the base branch)",
                ),
            ),
            description="How a release lands: pull_request (opened for review) or commit (pushed "
            "to the base branch).",
        ),
        Field(
            "argocd_application",
            STR,
            description="The Argo CD Application deploying it (needs argocd: server).",
        ),
        Field(
            "argocd_applications",
            Strings(),
            # the reader's check in _environment: at least one, each once, none empty
            schema={
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {
                        "type": "array",
                        "items": {"type": "string", "minLength": 1},
                        "minItems": 1,
                        "uniqueItems": True,
                    },
                ]
            },
            description="Several Argo CD Applications deploying it (one per cluster, or its parts): "
            "the gate opens when every one passes.",
        ),
        Field(
            "argocd_selector",
            STR,
            rules=(
                matches(
                    _SELECTOR,
                    "'argocd_selector' {value!r} is not a Kubernetes label selector "
                    "(e.g. app.kubernetes.io/part-of=shop,env=production)",
                ),
            ),
            description="Every Argo CD Application with these labels (a label selector, such as an "
            "ApplicationSet's template sets): the gate opens when every one passes.",
        ),
        Field(
            "verify",
            MapOf(
                verify_section,
                "'verify' of {parent}",
                "'verify: {key}' of {parent}",
                names=_image_names,
                off=True,
            ),
            description="Per-image override of 'verify' (false: off).",
        ),
        Field(
            MIN_AGE.key,
            MIN_AGE.kind,
            rules=MIN_AGE.rules,
            description="Default 'min_age' of this environment's images (an image's own wins).",
            schema=MIN_AGE.schema,
        ),
        Field(
            "windows",
            Nested(imported(WINDOWS, "WINDOWS"), "'windows' of {parent}"),
            description="When releases may land here: allowed and denied periods (default: always).",
        ),
        Field(
            "auto_promote",
            Nested(imported(AUTOMATION, "AUTO_PROMOTE"), "'auto_promote' of {parent}"),
            description="Promote on its own once promote_from has soaked (needs its argocd_application).",
        ),
        Field(
            "auto_rollback",
            Nested(imported(AUTOMATION, "AUTO_ROLLBACK"), "'auto_rollback' of {parent}"),
            description="Roll back on its own a bot release left failing (needs argocd_application).",
        ),
        Field(
            "gates",
            Nested(imported(GATES, "GATES"), "'gates' of {parent}"),
            description="What must hold here beside Argo CD: metrics gates (needs metrics: url), "
            "the forge's checks on its release commit, web requests.",
        ),
    ),
    _environment,
    name="environment",
    named="environment {name!r}",
    # one of them names a place: written with nothing or as [] it names none, to the reader
    schema={"anyOf": [{"required": [k], "properties": {k: _SOME_PATH}} for k in ("path", "paths")]},
)


def check_chains(r: ConfigReader, envs: tuple[EnvironmentConfig, ...]) -> None:
    """Each ``promote_from`` names another environment, and no chain loops."""
    names = {e.name for e in envs}
    for env in envs:
        if env.promote_from is not None and env.promote_from not in names:
            raise r.error(
                env.line,
                f"environment {env.name!r} promotes from {env.promote_from!r}, which is not an environment",
            )
        if env.promote_from == env.name:
            raise r.error(env.line, f"environment {env.name!r} cannot promote from itself")
    source = {e.name: e.promote_from for e in envs}
    for env in envs:
        seen, cur = {env.name}, source[env.name]
        while cur is not None:
            if cur in seen:
                raise r.error(env.line, f"promotion chain through {env.name!r} loops back on itself")
            seen.add(cur)
            cur = source.get(cur)
    check_automation(r, envs)


def check_automation(r: ConfigReader, envs: tuple[EnvironmentConfig, ...]) -> None:
    """Automatic releases need what they decide on: a promotion chain from the soaked source,
    and an Argo CD application to watch."""
    by_name = {e.name: e for e in envs}
    for env in envs:
        auto = env.auto_promote
        if auto is not None:
            source = auto.source or env.promote_from
            if env.promote_from is None or source != env.promote_from:
                raise r.error(
                    auto.line or env.line,
                    f"'auto_promote' of environment {env.name!r} must come from its promote_from "
                    f"({env.promote_from or 'not set'}), not {source!r}",
                )
            if by_name[source].applications is None:
                raise r.error(
                    auto.line or env.line,
                    f"'auto_promote' of environment {env.name!r} needs {source!r} to have an "
                    "argocd_application: its soak is read from Argo CD",
                )
        if env.auto_rollback is not None and env.applications is None:
            raise r.error(
                env.line,
                f"'auto_rollback' of environment {env.name!r} needs its argocd_application: "
                "failures are read from Argo CD",
            )


ENVIRONMENTS = ListOf(ENVIRONMENT, "environments[{index}]", "'environments' must be a list", check_chains)


def check_verify_environments(r: ConfigReader, images: tuple[ImageConfig, ...], names: set[str]) -> None:
    for img in images:
        for env in img.verify.environments if img.verify else ():
            if env not in names:
                raise r.error(
                    img.line,
                    f"'verify' of image {img.name!r} names environment {env!r}, which is not configured",
                )
