"""Checks at the start of a run that may change the repository, before anything is pushed or
opened: configuration that is otherwise only read when it is used (a notification's URL in
an environment variable, its signing secret; a dashboard on a forge told by the remote's URL
that keeps no issues) must not fail *after* the pull request exists. Each problem is one
:class:`UsageError` line (exit 2)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from gitops_bot.config import Config
from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.forges import registry as forges


def check(cfg: Config, environ: Mapping[str, str], *, dry_run: bool, url: str | None = None) -> None:
    """A dry run sends nothing, so the secrets it would need may be absent (a PR check); what
    the configuration asks of the forge is checked all the same, so a dry run fails where the
    real run would. ``url``: the remote's, which tells the forge when the configuration does
    not name it."""
    if url is not None:
        refuses = forges.entry(forges.kind(cfg, url)).check
        if refuses is not None:
            refuses(cfg)
        if cfg.dashboard.enabled:
            _issue_board(cfg, url)
    for s in cfg.notifications:
        what = f"notification {s.name!r}"
        if s.url_env and not dry_run:
            value = environ.get(s.url_env, "")
            register_secret(value)  # from here on, in every part: the run may echo a piece
            if not value:
                raise UsageError(
                    f"{what}: environment variable {s.url_env} (its URL) is not set",
                    hint=f"set {s.url_env}, or remove the notification",
                )
            _url(what, f"the URL in ${s.url_env}", value)
        elif s.url:
            _url(what, "its url", s.url)
        if s.secret_env and not dry_run and not environ.get(s.secret_env):
            raise UsageError(
                f"{what}: environment variable {s.secret_env} (its signing secret) is not set",
                hint=f"set {s.secret_env}, or remove secret_env",
            )


def _issue_board(cfg: Config, url: str) -> None:
    """A dashboard is kept after the run's releases are delivered: a forge that cannot keep it
    must stop the run before them, not fail it after (its work landed, its result a failure).
    An error, not a warning: enabled is a request the run cannot honour on this forge, and a
    warning repeated every run is read by nobody. ``forge: type`` naming such a forge is
    already refused where the configuration is read. The URL is not echoed: it may hold a
    credential."""
    kind = forges.kind(cfg, url)
    if kind not in forges.with_issues():
        raise UsageError(
            f"dashboard: the remote's forge, {kind}, has no issue board gitops-bot can keep "
            f"(supported: {', '.join(forges.with_issues())})",
            hint="set dashboard: {enabled: false} in gitops-bot.yaml, or use watch --status-page",
        )


def _url(what: str, where: str, value: str) -> None:
    """Never echoes ``value``: a Slack or Teams URL is a secret."""
    try:
        parts = urlsplit(value.strip())
        host, _ = parts.hostname, parts.port  # .port raises on a port that is not a number
    except ValueError:
        host = None
        parts = urlsplit("")
    if parts.scheme not in ("https", "http") or not host or any(c.isspace() for c in value.strip()):
        raise UsageError(
            f"{what}: {where} is not an http(s) URL",
            hint="give the full address, e.g. https://hooks.example.com/...",
        )
