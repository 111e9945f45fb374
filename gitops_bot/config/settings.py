"""The settings gitops-bot.yaml composes: each image and environment, git and pull requests,
and the whole :class:`Config` holding the packages' own settings (policy, registry, forges,
trust, argocd, events, notify)."""

from __future__ import annotations

import importlib
import re
import string
from dataclasses import field
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, cast

from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import EnvironmentMode, Grouping, ImageRef, WriteMode
from gitops_bot.core.record import record
from gitops_bot.core.settings import Rule, between, holds, matches, one_of, setting
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig, SourceConfig
from gitops_bot.policy.settings import PolicyConfig
from gitops_bot.registry.settings import RegistryConfig

if TYPE_CHECKING:  # declared beside the sections reading them, which load only for files that write them
    from gitops_bot.config.automation import AutoPromote, AutoRollback
    from gitops_bot.config.windows import WindowsConfig
    from gitops_bot.events.settings import WebhookSettings
    from gitops_bot.forges.issues import DashboardSettings
    from gitops_bot.gate.checks import ChecksGate
    from gitops_bot.gate.conditions import MetricsGate, WebGate
    from gitops_bot.gate.settings import Applications, ArgoCDConfig, MetricsConfig
    from gitops_bot.notify.settings import NotifierSettings
    from gitops_bot.render.settings import RenderSettings
    from gitops_bot.trust.settings import SigningConfig, VerifyConfig


@record
class ImageConfig:
    """An image under ``images:``: the repository it is read from and its tag policy."""

    name: str
    repository: ImageRef
    policy: PolicyConfig
    platform: str | None = None
    line: int | None = None
    helm: tuple[tuple[str, str], ...] = ()  # (field, dotted key path) in Helm values files
    verify: VerifyConfig | None = None
    source: SourceConfig | None = None  # where the source is when the image's labels do not say


@record
class ChartConfig:
    """A Helm chart whose version the bot keeps current (``charts:``), as images are. Its
    policy's keys sit beside these in the file (``config.charts`` reads them)."""

    name: str = setting(
        description="The chart's name, as Chart.yaml dependencies, Argo CD, Flux and kustomize write it.",
        rules=(
            matches(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", "chart name {value!r} of {what} is not a chart name"),
        ),
    )
    repository: str = setting(
        description="The chart repository as the files write it: https://... (its index.yaml is read) "
        "or oci://host/path (the chart's tags are read; host/path, as Argo CD writes an OCI "
        "repository, is read as oci://host/path).",
        rules=(
            matches(
                r"^((https?|oci)://[^/\s]+(/\S*)?|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(\.[A-Za-z0-9-]+|:[0-9]{1,5})/\S+)$",
                "'repository' {value!r} of {what} must be a chart repository URL "
                "(https://charts.example.com/stable) or oci://host/path",
            ),
        ),
    )
    policy: PolicyConfig = setting(key=None)
    line: int | None = setting(None, key=None)
    index_limit_mb: int = setting(
        64,
        "The most index.yaml a classic repository may answer, in MiB.",
        rules=(between(1, 1024, "'index_limit_mb' of {what} must be between 1 and 1024"),),
    )
    verify: VerifyConfig | None = setting(
        None, "oci:// charts only: the signatures a version must carry (as an image's verify)."
    )

    @property
    def index_limit(self) -> int:
        """Bytes of a classic repository's index.yaml."""
        return self.index_limit_mb << 20


@record
class EnvironmentConfig:
    """An environment under ``environments:``: the paths that deploy it and how releases reach it."""

    name: str
    paths: tuple[str, ...]
    promote_from: str | None = None
    # the images released here; None: every image (an empty list given: none, only its charts)
    images: tuple[str, ...] | None = None
    line: int | None = None
    write: WriteMode = WriteMode.PULL_REQUEST  # COMMIT: push straight to the base branch
    argocd_application: str | None = None  # the Argo CD Application deploying it: the promotion gate
    argocd_applications: tuple[str, ...] = ()  # or several (one per cluster, or its parts)
    argocd_selector: str | None = None  # or every Application with these labels (an ApplicationSet's)
    verify: tuple[tuple[str, VerifyConfig | None], ...] = ()  # per-image overrides (None: off)
    windows: WindowsConfig | None = None  # when releases may land (None: always)
    min_age: timedelta | None = None  # the default of its images' min_age (an image's own wins)
    auto_promote: AutoPromote | None = None  # promote on its own after the source soaked
    auto_rollback: AutoRollback | None = None  # roll back on its own after a failed release
    charts: tuple[str, ...] = ()  # only these charts here (empty: every chart its files pin)
    metrics_gates: tuple[MetricsGate, ...] = ()  # what must hold here (gates: metrics:)
    checks_gate: ChecksGate | None = None  # the forge's checks on its release commit (gates: checks:)
    web_gates: tuple[WebGate, ...] = ()  # endpoints whose answers must say yes (gates: web:)
    # the branch its files live on and its releases land on (None: the base branch)
    branch: str | None = None

    @property
    def mode(self) -> EnvironmentMode:
        return EnvironmentMode.PROMOTION if self.promote_from else EnvironmentMode.REGISTRY

    @property
    def applications(self) -> Applications | None:
        """The Argo CD Applications gating it, however the file names them (None: no gate)."""
        names = (self.argocd_application,) if self.argocd_application else self.argocd_applications
        if not (names or self.argocd_selector):
            return None
        # the gates' settings are imported by name: a configuration that gates nothing on Argo
        # CD (nor writes 'argocd:' or 'metrics:') does not load them
        gates = importlib.import_module(GATE_SETTINGS)
        if self.argocd_selector:
            return cast("Applications", gates.Applications(selector=self.argocd_selector))
        return cast("Applications", gates.Applications(names=names))


# The modules declaring the settings of sections few files write (Config.argocd, .metrics,
# .webhooks, .render, .dashboard; EnvironmentConfig.applications)
GATE_SETTINGS = "gitops_bot.gate.settings"
EVENT_SETTINGS = "gitops_bot.events.settings"
ISSUES = "gitops_bot.forges.issues"
RENDER_SETTINGS = "gitops_bot.render.settings"

DEFAULT_AUTHOR = "gitops-bot <gitops-bot@users.noreply.github.com>"
DEFAULT_MESSAGE = "chore({environment}): {summary}"
_AUTHOR = r"^[^<>]+ <[^<>\s]+@[^<>\s]+>$"
# git's own rule for a branch name (``git check-ref-format --branch``), so what git takes
# loads (init writes an Application's targetRevision as found) and what it refuses is one line
# here, not a fetch failing later: no part starting with '.', none ending in '.lock', no '..',
# '//' or '@{', no control character, space, ~ ^ : ? * [ or backslash, not starting with '-'
# (git would read it as an option) or '/', not ending in '/' or '.', not HEAD or '@'; bounded
BRANCH_PATTERN = (
    r"^(?!-)(?!/)(?!.*(?:^|/)\.)(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock(?:/|$))(?!HEAD$)(?!@$)"
    r"[^\x00-\x20\x7f~^:?*\[\\]{1,255}(?<![/.])$"
)


def branch_problem(name: object) -> str | None:
    """None when git takes ``name`` as a branch name (:data:`BRANCH_PATTERN`, matched whole:
    a ``$`` alone would let a trailing newline through)."""
    return None if isinstance(name, str) and re.fullmatch(BRANCH_PATTERN, name) else ""


def branch_rule(message: str) -> Rule:
    return Rule(branch_problem, message, {"pattern": BRANCH_PATTERN})


_BRANCH_NAME = branch_rule("git {key} {value!r} is not a valid branch name")
_TEMPLATE_FIELDS = ("environment", "summary", "images", "release")
_FIELDS_HINT = "fields: {{environment}}, {{summary}}, {{images}}, {{release}}"


def _template_problem(template: str) -> str | None:
    """Why ``template`` is not a plain use of the known fields (no attribute or index access,
    no format spec: ``{environment.__class__}`` or ``{summary:>999999999}`` are refused)."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return str(exc)
    for _text, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in _TEMPLATE_FIELDS:
            return f"unknown placeholder {{{name}}}"
        if spec or conversion:
            return f"{{{name}}} takes no format spec or conversion"
    return None


@record
class GitConfig:
    """The ``git:`` section: where releases land and who writes them."""

    base: str | None = setting(
        None, "The branch releases land on (default: the remote's default branch).", rules=(_BRANCH_NAME,)
    )
    author: str = setting(
        DEFAULT_AUTHOR,
        "The author and committer of the bot's commits, 'Name <email>'.",
        rules=(matches(_AUTHOR, "git author {value!r} must look like 'Name <email>'"),),
    )
    signoff: bool = setting(False, "Add a Signed-off-by trailer (DCO) to the bot's commits.")
    message: str = setting(
        DEFAULT_MESSAGE,
        "Fields: {environment}, {summary}, {images}, {release}.",
        rules=(
            holds(
                _template_problem, "git message template {value!r} is invalid ({problem}); " + _FIELDS_HINT
            ),
        ),
    )
    branch_prefix: str = setting(
        "gitops-bot",
        "The first part of the bot's branch names (gitops-bot/staging, gitops-bot/promotion/production).",
        rules=(_BRANCH_NAME,),
    )
    signing: SigningConfig | None = setting(None, "How the bot's commits are signed (default: unsigned).")

    @property
    def author_name(self) -> str:
        return self.author.split("<", 1)[0].strip()

    @property
    def author_email(self) -> str:
        return self.author.split("<", 1)[1].rstrip(">").strip()


@record
class PullRequestConfig:
    """The ``pull_request:`` section: how releases are grouped and said."""

    group: Grouping = setting(
        Grouping.ENVIRONMENT,
        "One pull request per environment, or one per image and environment.",
        rules=(
            one_of(
                (g.value for g in Grouping), "pull_request group {value!r} must be 'environment' or 'image'"
            ),
        ),
    )
    labels: tuple[str, ...] = setting((), "Labels put on every pull request the bot opens.")
    reviewers: tuple[str, ...] = setting((), "Reviewers asked on every pull request (user names).")
    assignees: tuple[str, ...] = setting((), "People assigned every pull request.")
    draft: bool = setting(False, "Open pull requests as drafts.")
    # merge | squash | rebase; read as true (merge), false (None) or one of those
    auto_merge: str | None = setting(
        None,
        "Let the forge merge a pull request once its checks pass: true (merge), merge, squash or rebase.",
        rules=(
            one_of(
                (True, False, "merge", "squash", "rebase"),
                "pull_request auto_merge must be true, false, merge, squash or rebase",
            ),
        ),
    )


@record(slots=False)  # no slots: its indexes below are cached on the instance
class Config:
    """A whole gitops-bot.yaml as read, each section with its defaults."""

    path: Path
    images: tuple[ImageConfig, ...]
    environments: tuple[EnvironmentConfig, ...]
    registries: dict[str, RegistryConfig] = field(default_factory=dict)
    git: GitConfig = field(default_factory=GitConfig)
    pull_request: PullRequestConfig = field(default_factory=PullRequestConfig)
    github: GitHubConfig = field(default_factory=GitHubConfig)
    forge: ForgeConfig = field(default_factory=ForgeConfig)
    # as the file writes them (None: not written); read through .argocd, .metrics, .webhooks,
    # .render and .dashboard
    argocd_written: ArgoCDConfig | None = None
    metrics_written: MetricsConfig | None = None
    webhooks_written: WebhookSettings | None = None
    notifications: tuple[NotifierSettings, ...] = ()
    render_written: RenderSettings | None = None
    dashboard_written: DashboardSettings | None = None
    charts: tuple[ChartConfig, ...] = ()

    # Sections only some commands read (the gates' servers, watch's listener, the rendered
    # diff of a pull request, the issue board update and watch keep): one the file does not
    # write answers its defaults, its settings module imported by name when a command first
    # asks, so a plan that asks none of them loads none of those modules.
    @cached_property
    def argocd(self) -> ArgoCDConfig:
        """``argocd:``: the Argo CD server the gates ask (none unless written)."""
        if self.argocd_written is not None:
            return self.argocd_written
        return cast("ArgoCDConfig", importlib.import_module(GATE_SETTINGS).ArgoCDConfig())

    @cached_property
    def metrics(self) -> MetricsConfig:
        """``metrics:``: the server the metrics gates ask (none unless written)."""
        if self.metrics_written is not None:
            return self.metrics_written
        return cast("MetricsConfig", importlib.import_module(GATE_SETTINGS).MetricsConfig())

    @cached_property
    def webhooks(self) -> WebhookSettings:
        """``webhooks:``: the registry pushes watch listens for (none unless written)."""
        if self.webhooks_written is not None:
            return self.webhooks_written
        return cast("WebhookSettings", importlib.import_module(EVENT_SETTINGS).WebhookSettings())

    @cached_property
    def render(self) -> RenderSettings:
        """``render:``: the rendered diff in each pull request (on; tools by environment variable or PATH)."""
        if self.render_written is not None:
            return self.render_written
        return cast("RenderSettings", importlib.import_module(RENDER_SETTINGS).RenderSettings())

    @cached_property
    def dashboard(self) -> DashboardSettings:
        """``dashboard:``: the issue update and watch keep on the forge (off unless written)."""
        if self.dashboard_written is not None:
            return self.dashboard_written
        return cast("DashboardSettings", importlib.import_module(ISSUES).DashboardSettings())

    @property
    def root(self) -> Path:
        return self.path.parent

    # Looked up once per target (thousands per plan): indexed on first use, O(1) per call.
    # cached_property writes the instance's __dict__, which a frozen dataclass allows; the
    # indexes are not fields, so equality and ``replace`` are unaffected.
    @cached_property
    def _images_by_name(self) -> dict[str, ImageConfig]:
        by_name: dict[str, ImageConfig] = {}
        for img in self.images:
            by_name.setdefault(img.name, img)  # the first of a name, as a scan would find
        return by_name

    @cached_property
    def _environments_by_name(self) -> dict[str, EnvironmentConfig]:
        by_name: dict[str, EnvironmentConfig] = {}
        for env in self.environments:
            by_name.setdefault(env.name, env)
        return by_name

    @cached_property
    def _verify_overrides(self) -> dict[str, dict[str, VerifyConfig | None]]:
        """environment -> image -> its override (the first listed for an image wins)."""
        out: dict[str, dict[str, VerifyConfig | None]] = {}
        for env in self.environments:
            overrides = out.setdefault(env.name, {})
            for name, spec in env.verify:
                overrides.setdefault(name, spec)
        return out

    def image(self, name: str) -> ImageConfig | None:
        return self._images_by_name.get(name)

    def chart(self, name: str) -> ChartConfig | None:
        return next((c for c in self.charts if c.name == name), None)

    def environment(self, name: str) -> EnvironmentConfig:
        env = self._environments_by_name.get(name)
        if env is None:
            known = ", ".join(e.name for e in self.environments)
            raise UsageError(f"unknown environment {name!r}", hint=f"configured: {known}")
        return env

    def registry(self, host: str) -> RegistryConfig:
        return self.registries.get(host) or RegistryConfig(host=host)

    def verification(self, image: str, environment: str) -> VerifyConfig | None:
        """The signature policy for ``image`` in ``environment``: the environment's override,
        else the image's own when it applies there."""
        self.environment(environment)  # an unknown environment is a UsageError, as ever
        overrides = self._verify_overrides[environment]
        if image in overrides:
            return overrides[image]
        img = self.image(image)
        spec = img.verify if img else None
        if spec is None or (spec.environments and environment not in spec.environments):
            return None
        return spec
