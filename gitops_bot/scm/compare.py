"""What changed between two revisions of an image's source repository: the commits a release
brings (or, for a rollback, takes out), asked of the forge that hosts the source.

A small port of its own, beside :class:`~gitops_bot.scm.forge.Forge`: the source repository
may live on another forge or host than the GitOps repository, so this is not a question for
the forge change requests go to. :class:`Sources` knows which hosts it may ask (the GitOps
forge's own host with its token, and github.com anonymously) and never sends a token to a host
it was not bound to (:class:`~gitops_bot.core.secret.Secret`).

One call per comparison (GitHub and Gitea ``GET /repos/{owner}/{repo}/compare/{base}...{head}``,
GitLab ``GET /projects/:id/repository/compare?from=&to=``), with a deadline and a size cap
through :mod:`gitops_bot.net`; the answer is checked field by field before use. A failure is
a :class:`CompareUnavailable` whose message is one line for the pull request body, never an
error of the run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx

from gitops_bot.core.secret import Origin, Secret
from gitops_bot.net import limits
from gitops_bot.net.auth import OriginAuth
from gitops_bot.net.transport import Transport, fetch

DEADLINE = 20.0  # seconds for the one compare answer, in all
MAX_BODY = 4 * 1024 * 1024  # bytes: GitHub answers at most 250 commits with their files
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_PULL = re.compile(r"\(#(\d+)\)\s*$")  # GitHub's squash-merge title: "Fix the thing (#123)"
_MERGE = re.compile(r"^Merge pull request #(\d+) ")  # GitHub's merge commit subject


@dataclass(frozen=True)
class SourceCommit:
    sha: str
    title: str  # the first line of the message
    author: str  # a login when the forge knows one, else the author's name
    pulls: tuple[int, ...] = ()  # pull requests the commit came from, as its subject names them


@dataclass(frozen=True)
class Comparison:
    """The commits from ``base`` (excluded) to ``head``, oldest first, as the forge answered
    them; ``total`` is how many there are (the answer may list fewer); ``url`` the forge's page."""

    commits: tuple[SourceCommit, ...]
    total: int
    url: str
    pull_url: str | None = None  # prefix of a pull request's page, "{pull_url}{number}"


class CompareUnavailable(Exception):
    """Why a comparison could not be had, as one line for the pull request body."""


class History(Protocol):
    """The port the engine asks: the commits between two revisions of a source repository."""

    def compare(self, repository: str, base: str, head: str) -> Comparison:
        """``repository`` is the source's web URL (``https://github.com/acme/app``)."""
        ...


@dataclass(frozen=True)
class Host:
    """A forge the bot may ask about source repositories: its kind, the web origin repository
    URLs carry, its API and the token bound to it (None: ask anonymously)."""

    kind: str  # github | gitlab | gitea | forgejo
    web: Origin
    api_url: str
    token: Secret | None = None


def hosts_for(kind: str, api_url: str | None, remote: str | None, token: Secret | None) -> list[Host]:
    """The hosts a run may ask: the GitOps forge's own (its token, only when the token is bound
    to that host), and github.com without a token unless that is the forge already."""
    out: list[Host] = []
    if kind == "github":
        api = api_url or "https://api.github.com"
        public = Origin.of(api) == Origin.of("https://api.github.com")
        web = Origin.of("https://github.com" if public else api)
    else:
        suffix = "/api/v4" if kind == "gitlab" else "/api/v1"
        web = Origin.of(api_url or remote or "")
        if web is not None and api_url is None:
            api_url = str(web) + suffix
        api = api_url or ""
    if web is not None and api:
        out.append(
            Host(kind, web, api.rstrip("/"), token if token and token.allows(str(web) + "/") else None)
        )
    github = Origin("https", "github.com", 443)
    if all(h.web != github for h in out):
        out.append(Host("github", github, "https://api.github.com"))
    return out


class Sources:
    """:class:`History` over the hosts the operator's configuration names."""

    def __init__(self, hosts: Sequence[Host], *, transport: httpx.BaseTransport | None = None) -> None:
        self.hosts = list(hosts)
        # one client for every host: each request carries its own host's auth (or none)
        self._client = httpx.Client(transport=transport or Transport(), follow_redirects=False)

    def compare(self, repository: str, base: str, head: str) -> Comparison:
        for rev in (base, head):
            if not _SHA.match(rev):
                raise CompareUnavailable(f"revision {rev[:50]!r} is not a commit id")
        web = Origin.of(repository)
        path = urlsplit(repository).path.strip("/").removesuffix(".git") if web else ""
        if web is None or not re.match(r"^[\w.-]+(/[\w.-]+)+$", path) or ".." in path:
            raise CompareUnavailable(f"source {repository[:100]!r} is not an http(s) repository URL")
        host = next((h for h in self.hosts if h.web == web), None)
        if host is None:
            raise CompareUnavailable(
                f"no forge configured for {web} (the GitOps forge's host and github.com are asked)"
            )
        page = f"{web!s}/{path}"
        auth = _auth(host)
        if host.kind == "gitlab":
            url = f"{host.api_url}/projects/{quote(path, safe='')}/repository/compare"
            answer = _get(self._client, url, {"from": base, "to": head, "straight": "true"}, auth)
            return _gitlab(answer, f"{page}/-/compare/{base}...{head}", page)
        if host.kind == "github" and path.count("/") == 1:
            answer = _get(self._client, f"{host.api_url}/repos/{path}/compare/{base}...{head}", {}, auth)
            return _github(answer, f"{page}/compare/{base}...{head}", page)
        if host.kind in ("gitea", "forgejo") and path.count("/") == 1:
            answer = _get(self._client, f"{host.api_url}/repos/{path}/compare/{base}...{head}", {}, auth)
            return _gitea(answer, f"{page}/compare/{base}...{head}", page)
        raise CompareUnavailable(f"source {repository[:100]!r} is not an owner/name repository")


def _auth(host: Host) -> OriginAuth | None:
    """The host's token, attached only to its API's origin (never after a redirect)."""
    if host.token is None:
        return None
    if host.kind == "gitlab":
        return OriginAuth(host.api_url, host.token.value, header="PRIVATE-TOKEN")
    return OriginAuth(host.api_url, f"token {host.token.value}")


def _get(client: httpx.Client, url: str, params: Mapping[str, str], auth: OriginAuth | None) -> Any:
    try:
        reply = fetch(
            client,
            "GET",
            url,
            timeout=DEADLINE,
            limit=MAX_BODY,
            params=dict(params),
            headers={"Accept": "application/json"},
            auth=auth,
        )
    except limits.TooLarge:
        raise CompareUnavailable(f"the comparison is larger than {MAX_BODY // 1024 // 1024} MiB") from None
    except httpx.TimeoutException:
        raise CompareUnavailable(f"no answer within {DEADLINE:g}s") from None
    except httpx.TransportError as exc:
        raise CompareUnavailable(f"not reachable ({type(exc).__name__})") from None
    if reply.status in (401, 403, 404):
        raise CompareUnavailable(
            f"HTTP {reply.status}: the repository is private, absent, or the token may not read it"
        )
    if reply.status != 200:
        raise CompareUnavailable(f"HTTP {reply.status} from the forge")
    try:
        return limits.loads(reply.body)
    except ValueError:
        raise CompareUnavailable("the forge's answer is not JSON") from None


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _title(message: Any) -> str:
    lines = _str(message).strip().splitlines()
    return " ".join(lines[0].split())[:200] if lines else ""


def _pulls(title: str) -> tuple[int, ...]:
    m = _PULL.search(title) or _MERGE.match(title)
    return (int(m.group(1)),) if m else ()


def _commit(sha: Any, message: Any, login: Any, name: Any) -> SourceCommit:
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise CompareUnavailable("the forge's answer lists a commit without an id")
    title = _title(message)
    return SourceCommit(sha.lower(), title, _str(login) or _str(name) or "unknown", _pulls(title))


def _listed(answer: Any, key: str) -> list[Any]:
    items = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CompareUnavailable("the forge's answer is not a comparison")
    return items


def _hub_commit(c: dict[str, Any]) -> SourceCommit:
    """One commit of a GitHub-shaped comparison (Gitea and Forgejo answer the same shape)."""
    inner = c.get("commit") if isinstance(c.get("commit"), dict) else None
    account = c.get("author") if isinstance(c.get("author"), dict) else None
    written_by = inner.get("author") if inner is not None and isinstance(inner.get("author"), dict) else None
    return _commit(
        c.get("sha"),
        inner.get("message") if inner is not None else None,
        account.get("login") if account is not None else None,
        written_by.get("name") if written_by is not None else None,
    )


def _github(answer: Any, url: str, page: str) -> Comparison:
    commits = [_hub_commit(c) for c in _listed(answer, "commits")]
    total = answer.get("total_commits")
    html = answer.get("html_url")
    return Comparison(
        tuple(commits),
        total if isinstance(total, int) and total >= len(commits) else len(commits),
        html if isinstance(html, str) and html.startswith(page + "/") else url,
        f"{page}/pull/",
    )


def _gitlab(answer: Any, url: str, page: str) -> Comparison:
    # GitLab lists the commits newest first
    commits = [
        _commit(c.get("id"), c.get("title") or c.get("message"), None, c.get("author_name"))
        for c in reversed(_listed(answer, "commits"))
    ]
    return Comparison(tuple(commits), len(commits), url, None)


def _gitea(answer: Any, url: str, page: str) -> Comparison:
    commits = [_hub_commit(c) for c in _listed(answer, "commits")]
    total = answer.get("total_commits")
    return Comparison(
        tuple(commits),
        total if isinstance(total, int) and total >= len(commits) else len(commits),
        url,
        f"{page}/pulls/",
    )
