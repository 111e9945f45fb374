"""The sections beside images and environments: ``registries``, ``git``, ``pull_request``,
``github``, ``forge`` and ``argocd``."""

from __future__ import annotations

import re
import string

from gitops_bot.config.kinds import BOOL, INT, NUMBER, STR, EnvVar, MapOf, Nested, Scalar, Strings, Value
from gitops_bot.config.settings import DEFAULT_AUTHOR, DEFAULT_MESSAGE, GitConfig, PullRequestConfig
from gitops_bot.config.spec import Field, Section, Values, between, holds, matches, one_of
from gitops_bot.core.model import Grouping, SigningMethod, is_loopback_host, normalise_host
from gitops_bot.gate.argocd import ArgoCDConfig
from gitops_bot.registry.settings import RegistryConfig
from gitops_bot.scm.settings import FORGES, ForgeConfig, GitHubConfig
from gitops_bot.trust.settings import SigningConfig

URL = r"^https?://[^/\s]+"
SIGNING_METHODS = tuple(m.value for m in SigningMethod)
_AUTHOR = r"^[^<>]+ <[^<>\s]+@[^<>\s]+>$"
_BRANCH = r"^(?!/)(?!.*//)(?!.*\.\.)[A-Za-z0-9._/-]+(?<!/)$"
_TEMPLATE_FIELDS = ("environment", "summary", "images", "release")


def _registry(v: Values) -> RegistryConfig:
    host = normalise_host(v.key)
    if ("username_env" in v.node) != ("password_env" in v.node):
        raise v.error(v.line_of(), f"{v.what} needs both 'username_env' and 'password_env'")
    if v.node.get("tls") is False and not (v.node.get("insecure") or is_loopback_host(host)):
        raise v.error(
            v.line_of("tls"),
            f"{v.what}: plain http needs 'insecure: true' (tokens would cross the network unencrypted)",
        )
    return RegistryConfig(host=host, **v.values)


REGISTRY = Section(
    (
        Field("insecure", BOOL, False, description="Plain http (loopback is always allowed plain http)."),
        Field("tls", BOOL, description="false: plain http (needs insecure: true unless loopback)."),
        Field("ca_file", STR, description="A private CA's PEM, relative to gitops-bot.yaml."),
        Field("username_env", EnvVar(), description="The variable holding the registry user name."),
        Field("password_env", EnvVar(), description="The variable holding the registry password or token."),
        Field(
            "max_concurrency",
            INT,
            32,
            (between(1, None, "'max_concurrency' must be at least 1"),),
            description="Requests in flight to this host (at 40 ms round trip, 32 is ~800 a second).",
        ),
        Field("requests_per_second", NUMBER, description="Optional spacing of request starts."),
        Field(
            "http2",
            BOOL,
            True,
            description="HTTP/2 over https when the registry offers it (one connection, many requests).",
        ),
        Field(
            "timeout",
            NUMBER,
            30.0,
            (between(0, 600, "{what}: 'timeout' must be more than 0 and at most 600 seconds", above=True),),
        ),
    ),
    _registry,
    name="registry",
    schema={"dependentRequired": {"username_env": ["password_env"], "password_env": ["username_env"]}},
)
REGISTRIES = MapOf(REGISTRY, "'registries'", "registry {key!r}")


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


def _signing(v: Values) -> SigningConfig:
    """``git: signing: {method: ssh, key_env: GITOPS_BOT_SSH_KEY}`` (or key_file)."""
    method, key_file, key_env = SigningMethod(v["method"]), v["key_file"], v["key_env"]
    if method is SigningMethod.GITHUB_API:
        if key_file or key_env:
            raise v.error(v.line_of(), "git signing github-api takes no key (GitHub signs the commit)")
    elif (key_file is None) == (key_env is None):
        raise v.error(v.line_of(), f"git signing {method} needs exactly one of key_file or key_env")
    return SigningConfig(method=method, key_file=key_file, key_env=key_env)


_ONE_KEY = [{"required": ["key_file"]}, {"required": ["key_env"]}]
SIGNING = Section(
    (
        Field(
            "method",
            STR,
            required=True,
            rules=(one_of(SIGNING_METHODS, "git signing method {value!r} must be ssh, gpg or github-api"),),
        ),
        Field("key_file", STR),
        Field("key_env", EnvVar()),
    ),
    _signing,
    schema={
        "if": {"properties": {"method": {"const": SigningMethod.GITHUB_API.value}}},
        "then": {"description": "GitHub signs the commit: no key.", "not": {"anyOf": _ONE_KEY}},
        "else": {"description": "ssh and gpg: exactly one of key_file or key_env.", "oneOf": _ONE_KEY},
    },
)
_BRANCH_NAME = matches(_BRANCH, "git {key} {value!r} is not a valid branch name")
_FIELDS_HINT = "fields: {{environment}}, {{summary}}, {{images}}, {{release}}"
GIT = Section(
    (
        Field("base", STR, rules=(_BRANCH_NAME,)),
        Field(
            "author",
            STR,
            DEFAULT_AUTHOR,
            (matches(_AUTHOR, "git author {value!r} must look like 'Name <email>'"),),
        ),
        Field("signoff", BOOL, False),
        Field(
            "message",
            STR,
            DEFAULT_MESSAGE,
            (
                holds(
                    _template_problem,
                    "git message template {value!r} is invalid ({problem}); " + _FIELDS_HINT,
                ),
            ),
            description="Fields: {environment}, {summary}, {images}, {release}.",
        ),
        Field("branch_prefix", STR, "gitops-bot", (_BRANCH_NAME,)),
        Field("signing", Nested(SIGNING, "'git: signing'")),
    ),
    lambda v: GitConfig(**v.values),
    name="git",
)


def _pull_request(v: Values) -> PullRequestConfig:
    auto = {True: "merge", False: None}.get(v["auto_merge"], v["auto_merge"])
    lists = {k: v[k] for k in ("labels", "reviewers", "assignees")}
    return PullRequestConfig(group=Grouping(v["group"]), draft=v["draft"], auto_merge=auto, **lists)


PULL_REQUEST = Section(
    (
        Field(
            "group",
            STR,
            Grouping.ENVIRONMENT.value,
            (
                one_of(
                    (g.value for g in Grouping),
                    "pull_request group {value!r} must be 'environment' or 'image'",
                ),
            ),
        ),
        Field("labels", Strings()),
        Field("reviewers", Strings()),
        Field("assignees", Strings()),
        Field("draft", BOOL, False),
        Field(
            "auto_merge",
            Value(),
            rules=(
                one_of(
                    (True, False, "merge", "squash", "rebase"),
                    "pull_request auto_merge must be true, false, merge, squash or rebase",
                ),
            ),
        ),
    ),
    _pull_request,
    name="pullRequest",
)


def _default(name: str) -> str:
    return f"Default {name}."


GITHUB = Section(
    (
        Field(
            "repository",
            STR,
            rules=(matches(r"^[\w.-]+/[\w.-]+$", "github repository {value!r} must be owner/name"),),
        ),
        Field(
            "api_url",
            STR,
            "https://api.github.com",
            (
                matches(
                    "^https?://",
                    "github api_url {value!r} must be a URL (GitHub Enterprise: https://HOST/api/v3)",
                ),
            ),
        ),
        Field("token_env", EnvVar(), "GITHUB_TOKEN", description=_default("GITHUB_TOKEN")),
        Field("app_id_env", EnvVar(), "GITHUB_APP_ID", description=_default("GITHUB_APP_ID")),
        Field(
            "app_key_env", EnvVar(), "GITHUB_APP_PRIVATE_KEY", description=_default("GITHUB_APP_PRIVATE_KEY")
        ),
        Field(
            "write_interval",
            NUMBER,
            1.0,
            (between(0, None, "github write_interval must be 0 or more seconds"),),
        ),
    ),
    lambda v: GitHubConfig(**(v.values | {"api_url": v["api_url"].rstrip("/")})),
    name="github",
)


def _forge(v: Values) -> ForgeConfig:
    if v["api_url"] is not None and v["type"] is None:
        raise v.error(v.line_of("api_url"), "forge api_url needs forge type (gitlab, gitea, ...)")
    api_url, repo = v["api_url"], v["repository"]
    return ForgeConfig(
        type=v["type"],
        api_url=api_url.rstrip("/") if api_url else None,
        repository=None if repo is None else str(repo),
        token_env=v["token_env"],
        required_reviewers=v["required_reviewers"],
    )


def _forge_repository_problem(repo: str | int) -> str | None:
    text = str(repo)
    # an Azure DevOps project name may hold spaces ("Web Site"), inside a segment
    segment = r"[\w.-]+(?: [\w.-]+)*"
    return None if ".." not in text and re.match(rf"^(?:\d+|{segment}(?:/{segment})+)$", text) else ""


FORGE = Section(
    (
        Field(
            "type",
            STR,
            rules=(one_of(FORGES, f"forge type {{value!r}} is unknown; use one of {', '.join(FORGES)}"),),
        ),
        Field(
            "api_url",
            STR,
            rules=(
                matches(URL, "forge api_url {value!r} must be a URL, e.g. https://git.example.com/api/v4"),
            ),
        ),
        Field(
            "repository",
            Scalar((str, int)),  # GitLab: a project id too
            rules=(
                holds(
                    _forge_repository_problem,
                    "forge repository {text!r} must be owner/name or group/sub/project",
                ),
            ),
            description="owner/name, group/sub/project, a GitLab project id, or Azure DevOps' "
            "organization/project/repository.",
        ),
        Field("token_env", EnvVar()),
        Field(
            "required_reviewers",
            BOOL,
            False,
            description="Azure DevOps: add pull_request reviewers as required reviewers (false: optional).",
        ),
    ),
    _forge,
    name="forge",
    schema={"dependentRequired": {"api_url": ["type"]}},
)
ARGOCD = Section(
    (
        Field(
            "server",
            STR,
            rules=(matches(URL, "argocd server {value!r} must be a URL, e.g. https://argocd.example.com"),),
        ),
        Field("token_env", EnvVar(), "ARGOCD_AUTH_TOKEN", description=_default("ARGOCD_AUTH_TOKEN")),
        Field("insecure", BOOL, False),
        Field(
            "app_namespace",
            STR,
            description="The namespace of the gated Applications when they live outside Argo CD's own "
            "(apps in any namespace); sent as ?appNamespace=. An argocd_application written "
            "NAMESPACE/NAME overrides it.",
        ),
    ),
    lambda v: ArgoCDConfig(
        server=v["server"].rstrip("/") if v["server"] else None,
        token_env=v["token_env"],
        insecure=v["insecure"],
        app_namespace=v["app_namespace"],
    ),
    name="argocd",
)
