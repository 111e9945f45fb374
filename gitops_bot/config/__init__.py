"""``gitops-bot.yaml`` -> frozen dataclasses.

Each key is declared once, on the settings dataclass that holds it (default, description and
rules: :mod:`gitops_bot.core.settings`); each section (:mod:`.spec`) is derived from it beside
the function that builds its settings: :mod:`.images`, :mod:`.environments`, :mod:`.sections`,
:mod:`.events`.
One generic reader checks a file against the declarations, every error naming the file, the
line and what to fix; :mod:`.schema` turns the same declarations into the published JSON
Schema. Secrets never live in the file: the file names *environment variables* that hold
them (12-factor), or leaves credentials to the docker ``config.json`` chain.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_bot.config.environments import (
    ENVIRONMENTS,
    check_verify_environments,
)
from gitops_bot.config.environments import (
    RESERVED_ENVIRONMENT_NAMES as RESERVED_ENVIRONMENT_NAMES,
)
from gitops_bot.config.images import HELM_FIELDS as HELM_FIELDS
from gitops_bot.config.images import HELM_OPTIONS as HELM_OPTIONS
from gitops_bot.config.images import IMAGES
from gitops_bot.config.kinds import ListOf, Nested, Value, imported
from gitops_bot.config.reader import ConfigReader
from gitops_bot.config.sections import FORGE, GIT, GITHUB, PULL_REQUEST, REGISTRIES
from gitops_bot.config.sections import SIGNING_METHODS as SIGNING_METHODS
from gitops_bot.config.settings import ChartConfig as ChartConfig
from gitops_bot.config.settings import Config as Config
from gitops_bot.config.settings import EnvironmentConfig as EnvironmentConfig
from gitops_bot.config.settings import GitConfig as GitConfig
from gitops_bot.config.settings import ImageConfig as ImageConfig
from gitops_bot.config.settings import PullRequestConfig as PullRequestConfig
from gitops_bot.config.spec import Field, Section, Values, one_of, read
from gitops_bot.core.errors import ConfigError, ConfigMissing, UsageError
from gitops_bot.forges import registry as forge_registry
from gitops_bot.forges.settings import FORGES as FORGES
from gitops_bot.forges.settings import ForgeConfig as ForgeConfig
from gitops_bot.forges.settings import GitHubConfig as GitHubConfig
from gitops_bot.manifests import yamlguard, yamlvalues
from gitops_bot.policy.settings import POLICIES as POLICIES
from gitops_bot.policy.settings import PolicyConfig as PolicyConfig
from gitops_bot.registry.settings import RegistryConfig as RegistryConfig

if TYPE_CHECKING:
    from gitops_bot.forges.issues import DashboardSettings

CONFIG_NAMES = ("gitops-bot.yaml", "gitops-bot.yml", ".gitops-bot.yaml")
# The JSON Schema (draft 2020-12) of this file, shipped in the package for editors (`gitops-bot schema`,
# read by config.schema.schema_text: reading a file loads no package resources)
SCHEMA_FILE = "gitops-bot.schema.json"


# The sections few files write, imported by name when a file writes one (or the JSON Schema
# is written): a file of images alone loads none of these modules, nor the notify and events
# packages, nor the forges' issue board, nor the gates' and the render tools' settings.
CHARTS = "gitops_bot.config.charts"
NOTIFICATIONS = "gitops_bot.config.notifications"
ARGOCD = "gitops_bot.config.argocd"
METRICS = "gitops_bot.config.metrics"
WEBHOOKS = "gitops_bot.config.events"
DASHBOARD = "gitops_bot.config.dashboard"
RENDER = "gitops_bot.config.render"


def _compose(v: Values) -> Config:
    """The whole file: the sections read, then the checks that span them."""
    if not v.given("images") and not v["charts"]:
        # a repository that releases chart versions only has nothing to list under 'images'
        raise v.error(
            v.line,
            "no 'images' section; list the images gitops-bot manages "
            "(or, when it manages only Helm charts, list them under 'charts')",
        )
    images, environments, argocd = v["images"], v["environments"], v["argocd"]
    check_verify_environments(v.r, images, {e.name for e in environments})
    gated = [e for e in environments if e.applications is not None]
    if gated and (argocd is None or not argocd.server):
        raise v.error(
            gated[0].line,
            f"environment {gated[0].name!r} names an Argo CD application but 'argocd: server' is not set",
        )
    prefix = v["git"].branch_prefix
    for e in environments:
        if e.branch is not None and (e.branch == prefix or e.branch.startswith(prefix + "/")):
            raise v.error(
                e.line,
                f"'branch' {e.branch!r} of environment {e.name!r} is one of the bot's own branches "
                f"({prefix}/...), which it makes and deletes; name the branch its files live on",
            )
    measured = [e for e in environments if e.metrics_gates]
    if measured and (v["metrics"] is None or not v["metrics"].url):
        raise v.error(
            measured[0].line,
            f"environment {measured[0].name!r} has metrics gates but 'metrics: url' is not set",
        )
    return Config(
        path=Path(v.r.filename),
        images=images,
        environments=environments,
        registries={c.host: c for _, c in v["registries"] if c is not None},
        git=v["git"],
        pull_request=v["pull_request"],
        github=v["github"],
        forge=v["forge"],
        argocd_written=argocd,
        metrics_written=v["metrics"],
        webhooks_written=v["webhooks"],
        notifications=v["notifications"],
        render_written=v["render"],
        dashboard_written=_dashboard(v),
        charts=v["charts"],
    )


def _dashboard(v: Values) -> DashboardSettings | None:
    """A dashboard needs a forge with issues; where ``forge: type`` names one without, say so here
    (a forge told by the remote's URL is checked when the bot connects). None: not written."""
    dashboard: DashboardSettings | None = v["dashboard"]
    kind = v["forge"].type
    if (
        dashboard is not None
        and dashboard.enabled
        and kind is not None
        and kind not in forge_registry.with_issues()
    ):
        raise v.error(
            v.line_of("dashboard"),
            f"dashboard: forge type {kind!r} has no issue board gitops-bot can keep (supported: "
            f"{', '.join(forge_registry.with_issues())}); remove 'dashboard' or set enabled: false",
        )
    return dashboard


def _section(key: str, section: Section[Any] | Callable[[], Section[Any]], *, always: bool = True) -> Field:
    """A top-level section: its key means what the section's declaration says it is.
    ``always``: its defaults are read when the file leaves it out; otherwise that is None, for
    a section imported by name, whose defaults Config answers when a command asks."""
    return Field(key, Nested(section, f"'{key}'", always=always, described=True))


ROOT: Section[Config] = Section(
    (
        Field(
            "version",
            Value(),
            1,
            (one_of((1,), "unsupported version {value!r}; use 1"),),
            description="The format version; 1.",
        ),
        Field(
            "registries", REGISTRIES, description="Per registry host (e.g. ghcr.io, registry.internal:5000)."
        ),
        Field(
            "images",
            IMAGES,
            description="The images gitops-bot manages (optional when 'charts' lists charts).",
        ),
        Field(
            "charts",
            ListOf(imported(CHARTS, "CHART"), "charts[{index}]", "'charts' must be a list of charts"),
            description="The Helm charts whose versions gitops-bot manages.",
        ),
        Field(
            "environments",
            ENVIRONMENTS,
            required="no 'environments' section; list each environment and its overlay path",
            description="Each environment and its overlay path(s).",
        ),
        _section("git", GIT),
        _section("pull_request", PULL_REQUEST),
        _section("github", GITHUB),
        _section("forge", FORGE),
        _section("argocd", imported(ARGOCD, "ARGOCD"), always=False),
        _section("metrics", imported(METRICS, "METRICS"), always=False),
        _section("webhooks", imported(WEBHOOKS, "WEBHOOKS"), always=False),
        Field(
            "notifications",
            ListOf(
                imported(NOTIFICATIONS, "NOTIFICATION"),
                "notifications item {number}",
                "'notifications' must be a list of destinations",
            ),
            description="Who is told of releases, promotions, rollbacks, holds and failures: Slack, "
            "Teams or a webhook.",
        ),
        _section("render", imported(RENDER, "RENDER"), always=False),
        _section("dashboard", imported(DASHBOARD, "DASHBOARD"), always=False),
    ),
    _compose,
    schema={
        "anyOf": [
            # 'images:' with nothing is no section to the reader (an empty list is one)
            {"required": ["images"], "properties": {"images": {"type": "array"}}},
            {"required": ["charts"], "properties": {"charts": {"type": "array", "minItems": 1}}},
        ]
    },
    description="The configuration of gitops-bot (docs/concepts/configuration.md). "
    "Secrets never go in this file: keys ending in _env name environment variables.",
)


def find_config(repo: Path) -> Path:
    for name in CONFIG_NAMES:
        candidate = repo / name
        if candidate.is_file():
            return candidate
    raise ConfigMissing(
        f"no gitops-bot.yaml in {repo}",
        hint="create one at the GitOps repository's root (see docs/concepts/configuration.md), "
        "or point --repo/--config at it",
    )


# A configuration built once per content of its file: a watch read and built each repository's
# every cycle from the same text (a tenth of an unchanged repository's own CPU). What it is built
# from is the key (the file's path, its text, the variables it may name: parse reads nothing
# else); one entry a path, the least recently used forgotten past KEPT_CONFIGS.
KEPT_CONFIGS = 256
_kept: OrderedDict[Path, tuple[str, frozenset[str] | None, Config]] = OrderedDict()
_kept_lock = threading.Lock()


def load(path: Path, *, env_allowed: frozenset[str] | None = None) -> Config:
    """``env_allowed``: the only environment variables the file may name (None: any)."""
    try:
        text = yamlguard.read(path, ConfigError)
    except FileNotFoundError:
        raise UsageError(f"cannot read {path}: no such file") from None
    with _kept_lock:
        got = _kept.get(path)
        if got is not None and got[0] == text and got[1] == env_allowed:
            _kept.move_to_end(path)
            return got[2]
    cfg = parse(text, str(path), path=path, env_allowed=env_allowed)  # a refusal is not kept
    with _kept_lock:
        _kept[path] = (text, env_allowed, cfg)
        _kept.move_to_end(path)
        while len(_kept) > KEPT_CONFIGS:
            _kept.popitem(last=False)
    return cfg


def parse(
    text: str, filename: str, *, path: Path | None = None, env_allowed: frozenset[str] | None = None
) -> Config:
    doc = yamlvalues.load(text, filename)  # the composer applies manifests.guard's limits
    cfg = read(ROOT, Values(ConfigReader(filename, env_allowed), doc, "the file", None))
    return replace(cfg, path=path) if path else cfg


def config_in_repo(repo: str, value: str | None, *, is_url: bool) -> str | None:
    """``--config`` means one thing for every command: a path relative to the repository root,
    or an absolute path inside a local repository. Returns it relative to the root (None: the
    default), so it names the same file in the working tree and in a throwaway worktree."""
    if not value:
        return None
    path = Path(value)
    if path.is_absolute():
        if is_url:
            raise UsageError(
                f"--config {value}: with a URL --repo, the config is read from the repository",
                hint="give its path relative to the repository root, e.g. deploy/gitops-bot.yaml",
            )
        root = Path(repo).resolve()
        try:
            path = path.resolve().relative_to(root)
        except ValueError:
            raise UsageError(
                f"--config {value} is outside the repository {repo}",
                hint="give a path inside it, absolute or relative to its root",
            ) from None
    if ".." in path.parts:
        raise UsageError(
            f"--config {value} leaves the repository", hint="give a path relative to the repository root"
        )
    return path.as_posix()
