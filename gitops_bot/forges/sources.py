"""What changed between two revisions of an image's source repository: the commits a release
brings (or, for a rollback, takes out), asked of the forge that hosts the source.

A small port of its own, beside :class:`~gitops_bot.forges.forge.Forge`: the source repository
may live on another forge or host than the GitOps repository, so this is not a question for
the forge change requests go to. :class:`Sources` knows which hosts it may ask (the GitOps
forge's own host with its token, and github.com anonymously) and never sends a token to a host
it was not bound to (:class:`~gitops_bot.core.secret.Secret`).

One call per comparison (GitHub and Gitea ``GET /repos/{owner}/{repo}/compare/{base}...{head}``,
GitLab ``GET /projects/:id/repository/compare?from=&to=``), or, where the forge has no compare
answer that lists commits, its commit list between the two revisions read page by page up to
:data:`MAX_COMMITS` (Azure DevOps ``POST .../commitsbatch`` with ``itemVersion``/``compareVersion``,
Bitbucket Cloud ``GET .../commits?include=&exclude=`` following ``next`` on the same API,
Bitbucket Data Center ``GET .../commits?since=&until=`` with ``start``): every page within the
one deadline, through one :class:`~gitops_bot.net.service.Service` per source API (its origin,
the token bound to it, the size cap, the one retry policy, redirects followed only within the
origin); the answer is checked field by field before use. A failure is a
:class:`CompareUnavailable` whose message is one line for the pull request body, never an error
of the run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from gitops_bot.core.record import record
from gitops_bot.core.secret import Origin, Secret
from gitops_bot.forges import registry
from gitops_bot.forges.azure_devops import compare as azure_compare
from gitops_bot.forges.compare_kit import DEADLINE, SHA, Ask, CompareUnavailable, Comparison
from gitops_bot.net.auth import OriginAuth
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Credential, Service

# release notes are worth one more try of a failed page, not a long wait: the release goes
# out with or without them
RETRY = RetryPolicy(attempts=2, max_wait=2.0)


class SourceHistory(Protocol):
    """The port the engine asks: the commits between two revisions of a source repository."""

    def compare(self, repository: str, base: str, head: str) -> Comparison:
        """``repository`` is the source's web URL (``https://github.com/acme/app``)."""
        ...


@record
class Host:
    """A forge the bot may ask about source repositories: its kind, the web origin repository
    URLs carry, its API and the token bound to it (None: ask anonymously)."""

    kind: str  # github | gitlab | gitea | forgejo | azure-devops | bitbucket-cloud | bitbucket-data-center
    web: Origin
    api_url: str
    token: Secret | None = None


def hosts_for(kind: str, api_url: str | None, remote: str | None, token: Secret | None) -> list[Host]:
    """The hosts a run may ask: the GitOps forge's own (its token, only when the token is bound
    to that host), and github.com without a token unless that is the forge already."""
    out: list[Host] = []
    web, api = registry.entry(kind).source_api(api_url, remote)
    if web is not None and api:
        out.append(
            Host(kind, web, api.rstrip("/"), token if token and token.allows(str(web) + "/") else None)
        )
    github = Origin("https", "github.com", 443)
    if all(h.web != github for h in out):
        out.append(Host("github", github, "https://api.github.com"))
    return out


class Sources:
    """:class:`SourceHistory` over the hosts the operator's configuration names."""

    def __init__(self, hosts: Sequence[Host], *, transport: httpx.BaseTransport | None = None) -> None:
        self.hosts = list(hosts)
        self._transport = transport
        # one service per host's API: its token goes to that origin only (never after a redirect
        # elsewhere), in its API's form; made at the host's first compare, since most runs ask
        # none (a watch's cycle over an unchanged repository makes its histories every cycle)
        self._services: list[Service | None] = [None] * len(self.hosts)

    def compare(self, repository: str, base: str, head: str) -> Comparison:
        for rev in (base, head):
            if not SHA.match(rev):
                raise CompareUnavailable(f"revision {rev[:50]!r} is not a commit id")
        web = Origin.of(repository)
        path = urlsplit(repository).path.strip("/").removesuffix(".git") if web else ""
        if web is None or not path:
            raise CompareUnavailable(f"source {repository[:100]!r} is not an http(s) repository URL")
        # {org}.visualstudio.com is dev.azure.com: the one host whose web origin is another's
        on = azure_compare.web_origin(repository, web)
        at = next((i for i, h in enumerate(self.hosts) if h.web == on), None)
        if at is None:
            raise CompareUnavailable(
                f"no forge configured for {web} (the GitOps forge's host and github.com are asked)"
            )
        host = self.hosts[at]
        forge = registry.entry(host.kind)
        service = self._services[at]
        if service is None:
            service = self._services[at] = _service(host, self._transport)
        ask = Ask(service, host.kind, repository, path, f"{web!s}/{path}", base, head, host.api_url)
        # Azure DevOps and Data Center URLs name more than a path (collection, project, context,
        # spaces in names): their own parsers read them
        if not forge.own_source_urls and (not re.match(r"^[\w.-]+(/[\w.-]+)+$", path) or ".." in path):
            raise CompareUnavailable(f"source {repository[:100]!r} is not an http(s) repository URL")
        return forge.compare(ask)

    def close(self) -> None:
        for service in self._services:
            if service is not None:
                service.close()


def _service(host: Host, transport: httpx.BaseTransport | None) -> Service:
    credential = None
    if host.token is not None:
        credential = _credential(registry.entry(host.kind).source_auth(host.api_url, host.token.value), host)
    return Service(
        f"{host.kind} at {host.web}",
        host.api_url,
        credential=credential,
        timeout=DEADLINE,
        total=DEADLINE,
        policy=RETRY,
        transport=transport,
    )


def _credential(auth: OriginAuth, host: Host) -> Credential:
    """The header a forge's ``source_auth`` puts on a request to its API, as the service's
    credential: read through the auth's own flow, so each forge keeps saying its form once."""
    request = httpx.Request("GET", host.api_url)
    next(auth.sync_auth_flow(request))
    return Credential(auth.header, request.headers[auth.header])
