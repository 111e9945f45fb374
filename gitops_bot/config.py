"""``gitops-bot.yaml`` -> frozen dataclasses. All validation lives here.

Every error names the file, the line and what to fix. Secrets never live in the file: the
file names *environment variables* that hold them (12-factor), or leaves credentials to the
docker ``config.json`` chain.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from gitops_bot import yamlguard, yamlvalues
from gitops_bot.argocd import ArgoCDConfig as ArgoCDConfig
from gitops_bot.errors import ConfigError, UsageError
from gitops_bot.events.settings import WebhookSettings
from gitops_bot.model import (
    EnvironmentMode,
    Grouping,
    ImageRef,
    SigningMethod,
    Strategy,
    TagOrder,
    WriteMode,
    is_loopback_host,
    normalise_host,
)
from gitops_bot.notify.settings import NotifierSettings
from gitops_bot.policy.semver import parse_range
from gitops_bot.policy.settings import POLICIES as POLICIES
from gitops_bot.policy.settings import PolicyConfig as PolicyConfig
from gitops_bot.registry.settings import RegistryConfig as RegistryConfig
from gitops_bot.scm.settings import FORGES as FORGES
from gitops_bot.scm.settings import ForgeConfig as ForgeConfig
from gitops_bot.scm.settings import GitHubConfig as GitHubConfig
from gitops_bot.trust.settings import KeylessConfig as KeylessConfig
from gitops_bot.trust.settings import KeyRef as KeyRef
from gitops_bot.trust.settings import SigningConfig as SigningConfig
from gitops_bot.trust.settings import VerifyConfig as VerifyConfig

CONFIG_NAMES = ("gitops-bot.yaml", "gitops-bot.yml", ".gitops-bot.yaml")
RESERVED_ENVIRONMENT_NAMES = ("promotion", "rollback", "hold")  # BRANCH_PREFIX/<kind>/<env>
# The JSON Schema (draft 2020-12) of this file, shipped in the package for editors (`gitops-bot schema`)
SCHEMA_FILE = "gitops-bot.schema.json"


@dataclass(frozen=True)
class ImageConfig:
    name: str
    repository: ImageRef
    policy: PolicyConfig
    platform: str | None = None
    line: int | None = None
    helm: tuple[tuple[str, str], ...] = ()  # (field, dotted key path) in Helm values files
    verify: VerifyConfig | None = None


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    paths: tuple[str, ...]
    promote_from: str | None = None
    images: tuple[str, ...] = ()
    line: int | None = None
    write: WriteMode = WriteMode.PULL_REQUEST  # COMMIT: push straight to the base branch
    argocd_application: str | None = None  # the Argo CD Application deploying it: the promotion gate
    verify: tuple[tuple[str, VerifyConfig | None], ...] = ()  # per-image overrides (None: off)

    @property
    def mode(self) -> EnvironmentMode:
        return EnvironmentMode.PROMOTION if self.promote_from else EnvironmentMode.REGISTRY


DEFAULT_AUTHOR = "gitops-bot <gitops-bot@users.noreply.github.com>"
DEFAULT_MESSAGE = "chore({environment}): {summary}"


@dataclass(frozen=True)
class GitConfig:
    base: str | None = None  # None: the remote's default branch
    author: str = DEFAULT_AUTHOR  # "Name <email>"
    signoff: bool = False
    message: str = DEFAULT_MESSAGE  # {environment} {summary} {images} {release}
    branch_prefix: str = "gitops-bot"
    signing: SigningConfig | None = None

    @property
    def author_name(self) -> str:
        return self.author.split("<", 1)[0].strip()

    @property
    def author_email(self) -> str:
        return self.author.split("<", 1)[1].rstrip(">").strip()


@dataclass(frozen=True)
class PullRequestConfig:
    group: Grouping = Grouping.ENVIRONMENT
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    draft: bool = False
    auto_merge: str | None = None  # merge | squash | rebase


@dataclass(frozen=True)
class Config:
    path: Path
    images: tuple[ImageConfig, ...]
    environments: tuple[EnvironmentConfig, ...]
    registries: dict[str, RegistryConfig] = field(default_factory=dict)
    git: GitConfig = field(default_factory=GitConfig)
    pull_request: PullRequestConfig = field(default_factory=PullRequestConfig)
    github: GitHubConfig = field(default_factory=GitHubConfig)
    forge: ForgeConfig = field(default_factory=ForgeConfig)
    argocd: ArgoCDConfig = field(default_factory=ArgoCDConfig)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    notifications: tuple[NotifierSettings, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent

    def image(self, name: str) -> ImageConfig | None:
        return next((i for i in self.images if i.name == name), None)

    def environment(self, name: str) -> EnvironmentConfig:
        for env in self.environments:
            if env.name == name:
                return env
        known = ", ".join(e.name for e in self.environments)
        raise UsageError(f"unknown environment {name!r}", hint=f"configured: {known}")

    def registry(self, host: str) -> RegistryConfig:
        return self.registries.get(host) or RegistryConfig(host=host)

    def verification(self, image: str, environment: str) -> VerifyConfig | None:
        """The signature policy for ``image`` in ``environment``: the environment's override,
        else the image's own when it applies there."""
        env = self.environment(environment)
        for name, spec in env.verify:
            if name == image:
                return spec
        img = self.image(image)
        spec = img.verify if img else None
        if spec is None or (spec.environments and environment not in spec.environments):
            return None
        return spec


def find_config(repo: Path) -> Path:
    for name in CONFIG_NAMES:
        candidate = repo / name
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no gitops-bot.yaml in {repo}",
        hint="create one at the GitOps repository's root (see README 'Configuration'), "
        "or point --repo/--config at it",
    )


def schema_text() -> str:
    """The published JSON Schema of gitops-bot.yaml, as shipped in the package."""
    from importlib.resources import files

    return files("gitops_bot").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def load(path: Path) -> Config:
    try:
        text = yamlguard.read(path, ConfigError)
    except FileNotFoundError:
        raise UsageError(f"cannot read {path}: no such file") from None
    return parse(text, str(path), path=path)


def parse(text: str, filename: str, *, path: Path | None = None) -> Config:
    from gitops_bot import eventconfig  # it reads with this module's _Reader

    doc = yamlvalues.load(text, filename)  # the composer applies yamlguard's limits
    r = _Reader(filename)
    root = r.mapping(
        doc,
        None,
        "the file",
        allowed=(
            "version",
            "registries",
            "images",
            "environments",
            "git",
            "pull_request",
            "github",
            "forge",
            "argocd",
            "webhooks",
            "notifications",
        ),
    )
    version = root.get("version", 1)
    if version != 1:
        raise ConfigError(filename, r.line_of(root, "version"), f"unsupported version {version!r}; use 1")
    registries = _registries(r, root)
    images = _images(r, root)
    environments = _environments(r, root, {i.name for i in images})
    argocd = _argocd(r, root)
    _check_verify_environments(r, images, {e.name for e in environments})
    gated = [e for e in environments if e.argocd_application]
    if gated and not argocd.server:
        raise r.error(
            gated[0].line,
            f"environment {gated[0].name!r} names an Argo CD application but 'argocd: server' is not set",
        )
    return Config(
        path=path or Path(filename),
        images=images,
        environments=environments,
        registries=registries,
        git=_git(r, root),
        pull_request=_pull_request(r, root),
        github=_github(r, root),
        forge=_forge(r, root),
        argocd=argocd,
        webhooks=eventconfig.webhooks(r, root),
        notifications=eventconfig.notifications(r, root, {e.name for e in environments}),
    )


_AUTHOR = re.compile(r"^[^<>]+ <[^<>\s]+@[^<>\s]+>$")
_BRANCH = re.compile(r"^(?!/)(?!.*//)(?!.*\.\.)[A-Za-z0-9._/-]+(?<!/)$")
# the name of an environment variable; a token pasted in its place (GitHub's ghp_/github_pat_
# tokens, or 40+ characters of lowercase and digits such as a hex token) is not one
_ENV_VAR = re.compile(r"^(?!gh[pousr]_|github_pat_)(?!(?=.*[a-z])(?=.*\d).{40,}$)[A-Za-z_][A-Za-z0-9_]*$")


@overload
def _env_name(r: _Reader, node: dict[str, Any], key: str, what: str, default: str) -> str: ...
@overload
def _env_name(r: _Reader, node: dict[str, Any], key: str, what: str, default: None = None) -> str | None: ...
def _env_name(
    r: _Reader, node: dict[str, Any], key: str, what: str, default: str | None = None
) -> str | None:
    """A key that names the environment variable holding a secret. A value that is not such a
    name (a pasted token, a password) is refused, and never repeated in the message."""
    value = r.get(node, key, str, what, default)
    if value is not None and not _ENV_VAR.match(value):
        raise r.error(
            r.line_of(node, key),
            f"{key} in {what} must name an environment variable, not hold a secret "
            "(secrets never go in this file)",
        )
    return value  # type: ignore[no-any-return]


def _git(r: _Reader, root: dict[str, Any]) -> GitConfig:
    spec = r.section(
        root, "git", allowed=("base", "author", "signoff", "message", "branch_prefix", "signing")
    )
    author = r.get(spec, "author", str, "'git'", DEFAULT_AUTHOR)
    if not _AUTHOR.match(author):
        raise r.error(r.line_of(spec, "author"), f"git author {author!r} must look like 'Name <email>'")
    message = r.get(spec, "message", str, "'git'", DEFAULT_MESSAGE)
    problem = _template_problem(message)
    if problem:
        raise r.error(
            r.line_of(spec, "message"),
            f"git message template {message!r} is invalid ({problem}); "
            "fields: {environment}, {summary}, {images}, {release}",
        )
    prefix = r.get(spec, "branch_prefix", str, "'git'", "gitops-bot")
    base = r.get(spec, "base", str, "'git'")
    for key, value in (("branch_prefix", prefix), ("base", base)):
        if value is not None and not _BRANCH.match(value):
            raise r.error(r.line_of(spec, key), f"git {key} {value!r} is not a valid branch name")
    return GitConfig(
        base=base,
        author=author,
        signoff=r.get(spec, "signoff", bool, "'git'", False),
        message=message,
        branch_prefix=prefix,
        signing=_signing(r, spec),
    )


_TEMPLATE_FIELDS = ("environment", "summary", "images", "release")


def _template_problem(template: str) -> str | None:
    """Why ``template`` is not a plain use of the known fields (no attribute or index access,
    no format spec: ``{environment.__class__}`` or ``{summary:>999999999}`` are refused)."""
    import string

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


SIGNING_METHODS = tuple(m.value for m in SigningMethod)


def _signing(r: _Reader, git: dict[str, Any]) -> SigningConfig | None:
    """``git: signing: {method: ssh, key_env: GITOPS_BOT_SSH_KEY}`` (or key_file)."""
    if git.get("signing") is None:
        return None
    what = "'git: signing'"
    spec = r.mapping(
        git["signing"], r.line_of(git, "signing"), what, allowed=("method", "key_file", "key_env")
    )
    method = r.get(spec, "method", str, what, required=True)
    if method not in SIGNING_METHODS:
        raise r.error(
            r.line_of(spec, "method"), f"git signing method {method!r} must be ssh, gpg or github-api"
        )
    key_file, key_env = r.get(spec, "key_file", str, what), _env_name(r, spec, "key_env", what)
    if method == SigningMethod.GITHUB_API:
        if key_file or key_env:
            raise r.error(r.line_of(spec), "git signing github-api takes no key (GitHub signs the commit)")
    elif (key_file is None) == (key_env is None):
        raise r.error(r.line_of(spec), f"git signing {method} needs exactly one of key_file or key_env")
    return SigningConfig(method=SigningMethod(method), key_file=key_file, key_env=key_env)


def _pull_request(r: _Reader, root: dict[str, Any]) -> PullRequestConfig:
    what = "'pull_request'"
    spec = r.section(
        root, "pull_request", allowed=("group", "labels", "reviewers", "assignees", "draft", "auto_merge")
    )
    group = r.get(spec, "group", str, what, "environment")
    if group not in ("environment", "image"):
        raise r.error(
            r.line_of(spec, "group"), f"pull_request group {group!r} must be 'environment' or 'image'"
        )
    auto = spec.get("auto_merge")
    if auto is True:
        auto = "merge"
    if auto is False:
        auto = None
    if auto is not None and auto not in ("merge", "squash", "rebase"):
        raise r.error(
            r.line_of(spec, "auto_merge"),
            "pull_request auto_merge must be true, false, merge, squash or rebase",
        )
    return PullRequestConfig(
        group=Grouping(group),
        labels=r.str_list(spec, "labels", what),
        reviewers=r.str_list(spec, "reviewers", what),
        assignees=r.str_list(spec, "assignees", what),
        draft=r.get(spec, "draft", bool, what, False),
        auto_merge=auto,
    )


def _argocd(r: _Reader, root: dict[str, Any]) -> ArgoCDConfig:
    what = "'argocd'"
    spec = r.section(root, "argocd", allowed=("server", "token_env", "insecure"))
    server = r.get(spec, "server", str, what)
    if server is not None and not re.match(r"^https?://[^/\s]+", server):
        raise r.error(
            r.line_of(spec, "server"),
            f"argocd server {server!r} must be a URL, e.g. https://argocd.example.com",
        )
    token_env = _env_name(r, spec, "token_env", what, "ARGOCD_AUTH_TOKEN")
    return ArgoCDConfig(
        server=server.rstrip("/") if server else None,
        token_env=token_env,
        insecure=r.get(spec, "insecure", bool, what, False),
    )


def _github(r: _Reader, root: dict[str, Any]) -> GitHubConfig:
    what = "'github'"
    spec = r.section(
        root,
        "github",
        allowed=("repository", "api_url", "token_env", "app_id_env", "app_key_env", "write_interval"),
    )
    repo = r.get(spec, "repository", str, what)
    if repo is not None and not re.match(r"^[\w.-]+/[\w.-]+$", repo):
        raise r.error(r.line_of(spec, "repository"), f"github repository {repo!r} must be owner/name")
    api_url = r.get(spec, "api_url", str, what, "https://api.github.com").rstrip("/")
    if not re.match(r"^https?://", api_url):
        raise r.error(
            r.line_of(spec, "api_url"),
            f"github api_url {api_url!r} must be a URL (GitHub Enterprise: https://HOST/api/v3)",
        )
    envs = {}
    for key, default in (
        ("token_env", "GITHUB_TOKEN"),
        ("app_id_env", "GITHUB_APP_ID"),
        ("app_key_env", "GITHUB_APP_PRIVATE_KEY"),
    ):
        envs[key] = _env_name(r, spec, key, what, default)
    interval = r.get(spec, "write_interval", float, what, 1.0)
    if interval < 0:
        raise r.error(r.line_of(spec, "write_interval"), "github write_interval must be 0 or more seconds")
    return GitHubConfig(repository=repo, api_url=api_url, write_interval=interval, **envs)


def _forge(r: _Reader, root: dict[str, Any]) -> ForgeConfig:
    what = "'forge'"
    spec = r.section(root, "forge", allowed=("type", "api_url", "repository", "token_env"))
    kind = r.get(spec, "type", str, what)
    if kind is not None and kind not in FORGES:
        raise r.error(
            r.line_of(spec, "type"), f"forge type {kind!r} is unknown; use one of {', '.join(FORGES)}"
        )
    api_url = r.get(spec, "api_url", str, what)
    if api_url is not None and not re.match(r"^https?://[^/\s]+", api_url):
        raise r.error(
            r.line_of(spec, "api_url"),
            f"forge api_url {api_url!r} must be a URL, e.g. https://git.example.com/api/v4",
        )
    if api_url is not None and kind is None:
        raise r.error(r.line_of(spec, "api_url"), "forge api_url needs forge type (gitlab, gitea, ...)")
    repo = r.get(spec, "repository", (str, int), what)  # GitLab: a project id too
    repo = None if repo is None else str(repo)
    if repo is not None and (".." in repo or not re.match(r"^(?:\d+|[\w.-]+(?:/[\w.-]+)+)$", repo)):
        raise r.error(
            r.line_of(spec, "repository"),
            f"forge repository {repo!r} must be owner/name or group/sub/project",
        )
    token_env = _env_name(r, spec, "token_env", what)
    return ForgeConfig(
        type=kind, api_url=api_url.rstrip("/") if api_url else None, repository=repo, token_env=token_env
    )


class _Reader:
    """Typed access to a :mod:`gitops_bot.yamlvalues` tree with line-numbered errors."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def error(self, line: int | None, message: str) -> ConfigError:
        return ConfigError(self.filename, line, message)

    @staticmethod
    def line_of(node: Any, key: Any = None) -> int | None:
        lc = getattr(node, "lc", None)
        if lc is None:
            return None
        try:
            if key is not None:
                return int(lc.key(key)[0]) + 1
            return int(lc.line) + 1
        except (KeyError, TypeError, AttributeError):
            return None

    def mapping(self, node: Any, line: int | None, what: str, *, allowed: tuple[str, ...]) -> dict[str, Any]:
        if node is None:
            return {}
        if not isinstance(node, dict):
            raise self.error(line, f"{what} must be a mapping, got {_kind(node)}")
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
                raise self.error(self.line_of(node, key), f"unknown key {key!r} in {what}; {hint}")
        return node

    def section(self, parent: dict[str, Any], key: str, *, allowed: tuple[str, ...]) -> dict[str, Any]:
        """An optional top-level mapping such as ``git:`` ({} when absent)."""
        return self.mapping(parent.get(key), self.line_of(parent, key), f"'{key}'", allowed=allowed)

    def get(
        self,
        node: dict[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        what: str,
        default: Any = None,
        *,
        required: bool = False,
    ) -> Any:
        if key not in node or node[key] is None:
            if required:
                raise self.error(self.line_of(node), f"{what} needs '{key}'")
            return default
        value = node[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            quote = kind is str and isinstance(value, int | float) and not isinstance(value, bool)
            raise self.error(
                self.line_of(node, key),
                f"'{key}' in {what} must be {names}, got {_kind(value)}"
                + (f'; write it quoted: {key}: "{value}"' if quote else ""),
            )
        return str(value) if kind is str else value

    def str_list(self, node: dict[str, Any], key: str, what: str) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (str(value),)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(self.line_of(node, key), f"'{key}' in {what} must be a list of strings")
        return tuple(str(v) for v in value)

    def regex(self, node: dict[str, Any], key: str, pattern: str) -> None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise self.error(
                self.line_of(node, key), f"invalid regular expression {pattern!r}: {exc}"
            ) from None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def _registries(r: _Reader, root: dict[str, Any]) -> dict[str, RegistryConfig]:
    node = r.section(root, "registries", allowed=tuple(str(k) for k in (root.get("registries") or {})))
    out: dict[str, RegistryConfig] = {}
    for host, spec in node.items():
        what = f"registry {host!r}"
        spec = r.mapping(
            spec,
            r.line_of(node, host),
            what,
            allowed=(
                "insecure",
                "tls",
                "ca_file",
                "username_env",
                "password_env",
                "max_concurrency",
                "requests_per_second",
                "timeout",
            ),
        )
        for key in ("username_env", "password_env"):
            _env_name(r, spec, key, what)
        if ("username_env" in spec) != ("password_env" in spec):
            raise r.error(r.line_of(spec), f"{what} needs both 'username_env' and 'password_env'")
        concurrency = r.get(spec, "max_concurrency", int, what, 8)
        if concurrency < 1:
            raise r.error(r.line_of(spec, "max_concurrency"), "'max_concurrency' must be at least 1")
        host_key = normalise_host(str(host))
        ca_file = r.get(spec, "ca_file", str, what)
        if spec.get("tls") is False and not (spec.get("insecure") or is_loopback_host(host_key)):
            raise r.error(
                r.line_of(spec, "tls"),
                f"{what}: plain http needs 'insecure: true' (tokens would cross the network unencrypted)",
            )
        out[host_key] = RegistryConfig(
            host=host_key,
            insecure=r.get(spec, "insecure", bool, what, False),
            tls=r.get(spec, "tls", bool, what),
            ca_file=ca_file,
            username_env=r.get(spec, "username_env", str, what),
            password_env=r.get(spec, "password_env", str, what),
            max_concurrency=concurrency,
            requests_per_second=r.get(spec, "requests_per_second", float, what),
            timeout=_timeout(r, spec, what),
        )
    return out


def _timeout(r: _Reader, spec: dict[str, Any], what: str) -> float:
    timeout = r.get(spec, "timeout", float, what, 30.0)
    if not 0 < timeout <= 600:
        raise r.error(
            r.line_of(spec, "timeout"), f"{what}: 'timeout' must be more than 0 and at most 600 seconds"
        )
    return float(timeout)


_IMAGE_KEYS = (
    "name",
    "repository",
    "policy",
    "range",
    "prerelease",
    "pattern",
    "extract",
    "order",
    "tag",
    "allow",
    "ignore",
    "allow_downgrade",
    "platform",
    "helm",
    "verify",
)
HELM_FIELDS = ("reference", "repository", "tag", "digest")


def _images(r: _Reader, root: dict[str, Any]) -> tuple[ImageConfig, ...]:
    node = root.get("images")
    if node is None:
        raise r.error(None, "no 'images' section; list the images gitops-bot manages")
    if not isinstance(node, list):
        raise r.error(r.line_of(root, "images"), "'images' must be a list of images")
    seen: set[str] = set()
    out = []
    for index, spec in enumerate(node):
        line = _item_line(node, index)
        spec = r.mapping(spec, line, f"images[{index}]", allowed=_IMAGE_KEYS)
        name = r.get(spec, "name", str, f"images[{index}]", required=True)
        what = f"image {name!r}"
        if name in seen:
            raise r.error(line, f"image {name!r} is listed twice")
        seen.add(name)
        repo_text = r.get(spec, "repository", str, what, name)
        try:
            repository = ImageRef.parse(repo_text)
        except UsageError as exc:
            raise r.error(
                r.line_of(spec, "repository" if "repository" in spec else "name"), exc.message
            ) from None
        if repository.tag or repository.digest:
            raise r.error(
                r.line_of(spec, "repository"), f"'repository' of {what} must not carry a tag or digest"
            )
        policy = _policy(r, spec, what)
        platform = r.get(spec, "platform", str, what)
        if platform is not None and not re.match(r"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$", platform):
            raise r.error(
                r.line_of(spec, "platform"),
                f"platform {platform!r} of {what} must look like linux/amd64 or linux/arm64/v8",
            )
        helm = _helm(r, spec, what)
        out.append(
            ImageConfig(
                name=name,
                repository=repository,
                policy=policy,
                platform=platform,
                line=line,
                helm=helm,
                verify=_verify(r, spec, "verify", f"'verify' of {what}"),
            )
        )
    return tuple(out)


def _helm(r: _Reader, spec: dict[str, Any], what: str) -> tuple[tuple[str, str], ...]:
    """``helm: {repository: image.repository, tag: image.tag, digest: image.digest}``"""
    if spec.get("helm") is None:
        return ()
    node = r.mapping(spec["helm"], r.line_of(spec, "helm"), f"'helm' of {what}", allowed=HELM_FIELDS)
    out: list[tuple[str, str]] = []
    for key in HELM_FIELDS:
        path = r.get(node, key, str, f"'helm' of {what}")
        if path is None:
            continue
        if any(not part for part in path.split(".")):
            raise r.error(r.line_of(node, key), f"helm {key} path {path!r} of {what} must be like image.tag")
        if any(p == path for _, p in out):  # two fields written into one key would overwrite each other
            raise r.error(
                r.line_of(node, key), f"helm {key} path {path!r} of {what} is another field's path too"
            )
        out.append((key, path))
    if not any(f in ("tag", "reference") for f, _ in out):
        raise r.error(r.line_of(spec, "helm"), f"'helm' of {what} needs 'tag' or 'reference' (the key paths)")
    return tuple(out)


def _policy(r: _Reader, spec: dict[str, Any], what: str) -> PolicyConfig:
    name = r.get(spec, "policy", str, what, "semver")
    if name not in POLICIES:
        close = difflib.get_close_matches(name, POLICIES, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(POLICIES)}"
        raise r.error(r.line_of(spec, "policy"), f"unknown policy {name!r} for {what}; {hint}")
    strategy = Strategy(name)
    rng = r.get(spec, "range", (str, int, float), what)
    if isinstance(rng, float):  # YAML's 1.10 is the number 1.1: the range the user wrote is lost
        raise r.error(
            r.line_of(spec, "range"),
            f"'range' of {what} is the number {rng} to YAML, which drops trailing zeros (1.10 reads as 1.1); "
            'write it quoted, e.g. range: "1.10"',
        )
    rng = None if rng is None else str(rng)
    if rng is not None:
        if strategy is not Strategy.SEMVER:
            raise r.error(r.line_of(spec, "range"), f"'range' only applies to policy semver ({what})")
        try:
            parse_range(rng)
        except ValueError as exc:
            raise r.error(
                r.line_of(spec, "range"), f"invalid semver range {rng!r} for {what}: {exc}"
            ) from None
    pattern = r.get(spec, "pattern", str, what)
    extract = r.get(spec, "extract", str, what)
    if pattern is not None:
        r.regex(spec, "pattern", pattern)
    if strategy is Strategy.REGEX and pattern is None:
        raise r.error(r.line_of(spec), f"policy regex for {what} needs 'pattern' (and usually 'extract')")
    if extract is not None:
        if pattern is None:
            raise r.error(r.line_of(spec, "extract"), f"'extract' needs a 'pattern' ({what})")
        group = extract.lstrip("$")
        if group not in re.compile(pattern).groupindex:
            raise r.error(
                r.line_of(spec, "extract"),
                f"'extract' names group {group!r}, which 'pattern' does not define; "
                f"write it as (?P<{group}>...) in the pattern",
            )
    order = r.get(spec, "order", str, what, "numerical")
    if order not in ("numerical", "alphabetical"):
        raise r.error(r.line_of(spec, "order"), f"'order' must be numerical or alphabetical ({what})")
    allow = r.str_list(spec, "allow", what)
    ignore = r.str_list(spec, "ignore", what)
    for key, pats in (("allow", allow), ("ignore", ignore)):
        for p in pats:
            r.regex(spec, key, p)
    return PolicyConfig(
        strategy=strategy,
        range=rng,
        prerelease=r.get(spec, "prerelease", bool, what, False),
        pattern=pattern,
        extract=extract.lstrip("$") if extract else None,
        order=TagOrder(order),
        tag=r.get(spec, "tag", str, what),
        allow=allow,
        ignore=ignore,
        allow_downgrade=r.get(spec, "allow_downgrade", bool, what, False),
    )


def _item_line(seq: Any, index: int) -> int | None:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


def _environments(r: _Reader, root: dict[str, Any], image_names: set[str]) -> tuple[EnvironmentConfig, ...]:
    node = root.get("environments")
    if node is None:
        raise r.error(None, "no 'environments' section; list each environment and its overlay path")
    if not isinstance(node, list):
        raise r.error(r.line_of(root, "environments"), "'environments' must be a list")
    out: list[EnvironmentConfig] = []
    for index, spec in enumerate(node):
        line = _item_line(node, index)
        spec = r.mapping(
            spec,
            line,
            f"environments[{index}]",
            allowed=(
                "name",
                "path",
                "paths",
                "promote_from",
                "images",
                "write",
                "argocd_application",
                "verify",
            ),
        )
        name = r.get(spec, "name", str, f"environments[{index}]", required=True)
        what = f"environment {name!r}"
        if name in RESERVED_ENVIRONMENT_NAMES:
            raise r.error(line, f"{name!r} cannot name an environment: the bot's {name} branches use it")
        if any(e.name == name for e in out):
            raise r.error(line, f"environment {name!r} is listed twice")
        _check_env_name(r, line, name, [e.name for e in out])
        paths = r.str_list(spec, "paths", what) + r.str_list(spec, "path", what)
        if not paths:
            raise r.error(line, f"{what} needs 'path' (its overlay directory, e.g. overlays/{name})")
        for p in paths:
            if os.path.isabs(p) or ".." in Path(p).parts:
                raise r.error(
                    r.line_of(spec, "paths" if "paths" in spec else "path"),
                    f"path {p!r} of {what} must be relative to the repository, inside it",
                )
        images = r.str_list(spec, "images", what)
        for img in images:
            if img not in image_names:
                raise r.error(
                    r.line_of(spec, "images"), f"{what} lists image {img!r}, which is not under 'images'"
                )
        out.append(
            EnvironmentConfig(
                name=name,
                paths=paths,
                promote_from=r.get(spec, "promote_from", str, what),
                images=images,
                line=line,
                write=_write_mode(r, spec, what),
                argocd_application=r.get(spec, "argocd_application", str, what),
                verify=_env_verify(r, spec, what, image_names),
            )
        )
    names = {e.name for e in out}
    for env in out:
        if env.promote_from is not None and env.promote_from not in names:
            raise r.error(
                env.line,
                f"environment {env.name!r} promotes from {env.promote_from!r}, which is not an environment",
            )
        if env.promote_from == env.name:
            raise r.error(env.line, f"environment {env.name!r} cannot promote from itself")
    _check_no_cycle(r, out)
    return tuple(out)


_ENV_COMPONENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")


def _check_env_name(r: _Reader, line: int | None, name: str, earlier: list[str]) -> None:
    """An environment names git branches (``gitops-bot/<env>``, ``gitops-bot/<env>/<image>``):
    each part must be a valid branch component, and no name may nest in another."""
    parts = name.split("/")
    if len(name) > 100 or not all(_ENV_COMPONENT.fullmatch(p) and not p.endswith(".lock") for p in parts):
        raise r.error(
            line,
            f"environment name {name!r} cannot be part of a git branch name; "
            "use letters, digits, '-', '_', single '.' (and '/' between parts)",
        )
    for other in earlier:
        if name.startswith(other + "/") or other.startswith(name + "/"):
            raise r.error(
                line, f"environment names {other!r} and {name!r} nest; their branches would collide"
            )


def _write_mode(r: _Reader, spec: dict[str, Any], what: str) -> WriteMode:
    mode = r.get(spec, "write", str, what, "pull_request")
    if mode not in ("pull_request", "commit"):
        raise r.error(
            r.line_of(spec, "write"),
            f"'write' of {what} must be pull_request (open a PR) or commit (push to the base branch)",
        )
    return WriteMode(mode)


def _check_no_cycle(r: _Reader, envs: list[EnvironmentConfig]) -> None:
    source: dict[str, str | None] = {e.name: e.promote_from for e in envs}
    lines = {e.name: e.line for e in envs}
    for start in source:
        seen = {start}
        cur = source[start]
        while cur is not None:
            if cur in seen:
                raise r.error(lines[start], f"promotion chain through {start!r} loops back on itself")
            seen.add(cur)
            cur = source.get(cur)


def _check_verify_environments(r: _Reader, images: tuple[ImageConfig, ...], names: set[str]) -> None:
    for img in images:
        for env in img.verify.environments if img.verify else ():
            if env not in names:
                raise r.error(
                    img.line,
                    f"'verify' of image {img.name!r} names environment {env!r}, which is not configured",
                )


def _verify(r: _Reader, parent: dict[str, Any], key: str, what: str) -> VerifyConfig | None:
    """``verify: {keys: [{file: cosign.pub} | {env: VAR}], keyless: {...}, environments: [...]}``"""
    node = parent.get(key)
    if node is None:
        return None
    spec = r.mapping(node, r.line_of(parent, key), what, allowed=("keys", "keyless", "environments"))
    keys = []
    for item in spec.get("keys") or []:
        k = r.mapping(item, r.line_of(spec, "keys"), f"a key in {what}", allowed=("file", "env"))
        ref = KeyRef(file=r.get(k, "file", str, what), env=r.get(k, "env", str, what))
        if (ref.file is None) == (ref.env is None):
            raise r.error(r.line_of(spec, "keys"), f"each key in {what} needs exactly one of 'file' or 'env'")
        _env_name(r, k, "env", f"a key in {what}")
        keys.append(ref)
    keyless = _keyless(r, spec, what)
    if not keys and keyless is None:
        raise r.error(
            r.line_of(parent, key), f"{what} needs 'keys' or 'keyless' (what must have signed the image)"
        )
    return VerifyConfig(
        keys=tuple(keys), keyless=keyless, environments=r.str_list(spec, "environments", what)
    )


def _keyless(r: _Reader, spec: dict[str, Any], what: str) -> KeylessConfig | None:
    if spec.get("keyless") is None:
        return None
    where = f"'keyless' of {what}"
    node = r.mapping(
        spec["keyless"],
        r.line_of(spec, "keyless"),
        where,
        allowed=("trusted_root", "issuer", "identity", "identity_regexp"),
    )
    identity, regexp = r.get(node, "identity", str, where), r.get(node, "identity_regexp", str, where)
    if (identity is None) == (regexp is None):
        raise r.error(r.line_of(node), f"{where} needs exactly one of 'identity' or 'identity_regexp'")
    if regexp is not None:
        r.regex(node, "identity_regexp", regexp)
    return KeylessConfig(
        trusted_root=r.get(node, "trusted_root", str, where, required=True),
        issuer=r.get(node, "issuer", str, where, required=True),
        identity=identity,
        identity_regexp=regexp,
    )


def _env_verify(
    r: _Reader, spec: dict[str, Any], what: str, image_names: set[str]
) -> tuple[tuple[str, VerifyConfig | None], ...]:
    """An environment's ``verify: {IMAGE: {keys: ...} | false}`` overrides the image's policy."""
    node = spec.get("verify")
    if node is None:
        return ()
    node = r.mapping(
        node, r.line_of(spec, "verify"), f"'verify' of {what}", allowed=tuple(sorted(image_names))
    )
    out: list[tuple[str, VerifyConfig | None]] = []
    for image in node:
        if node[image] is False:
            out.append((str(image), None))
        else:
            out.append((str(image), _verify(r, node, image, f"'verify: {image}' of {what}")))
    return tuple(out)


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
