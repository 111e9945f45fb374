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
one deadline and size cap through :mod:`gitops_bot.net`; the answer is checked field by field
before use. A failure is
a :class:`CompareUnavailable` whose message is one line for the pull request body, never an
error of the run.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx

from gitops_bot.core.secret import Origin, Secret
from gitops_bot.forges.azure_devops import adapter as azure_devops
from gitops_bot.forges.bitbucket_cloud import adapter as bitbucket_cloud
from gitops_bot.forges.bitbucket_dc import adapter as bitbucket_dc
from gitops_bot.net import limits
from gitops_bot.net.auth import OriginAuth
from gitops_bot.net.transport import Transport, fetch

DEADLINE = 20.0  # seconds for the one compare answer, in all
MAX_BODY = 4 * 1024 * 1024  # bytes: GitHub answers at most 250 commits with their files
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_PULL = re.compile(r"\(#(\d+)\)\s*$")  # GitHub's squash-merge title: "Fix the thing (#123)"
_MERGE = re.compile(r"^Merge pull request #(\d+) ")  # GitHub's (and Bitbucket DC's) merge subject
_AZURE_MERGE = re.compile(r"^Merged PR (\d+): ")  # Azure Repos' completion subject
_BITBUCKET_MERGE = re.compile(
    r"\(pull request #(\d+)\)"
)  # Bitbucket Cloud's "Merged in x (pull request #12)"
MAX_COMMITS = 250  # read from a paged commit list at most (what GitHub's compare lists)
PAGE = 100  # commits asked per page
MAX_PAGES = 25  # pages read at most: a server answering empty pages forever is stopped


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

    kind: str  # github | gitlab | gitea | forgejo | azure-devops | bitbucket-cloud | bitbucket-data-center
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
    elif kind == "bitbucket-cloud":
        # repositories are named on bitbucket.org, the API answers on api.bitbucket.org
        api = api_url or bitbucket_cloud.API
        public = Origin.of(api) == Origin.of(bitbucket_cloud.API)
        web = Origin.of(bitbucket_cloud.WEB if public else api)
    elif kind in ("azure-devops", "bitbucket-data-center"):
        # the API is on the server itself; the source URL names its path (collection, context)
        api = api_url or remote or ""
        if kind == "azure-devops" and azure_devops.is_azure_host(api.rstrip("/") + "/_"):
            api = azure_devops.CLOUD  # {org}.visualstudio.com is dev.azure.com/{org}
        web = Origin.of(api)
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
        if web is None or not path:
            raise CompareUnavailable(f"source {repository[:100]!r} is not an http(s) repository URL")
        host = next((h for h in self.hosts if h.web == _web_origin(repository, web)), None)
        if host is None:
            raise CompareUnavailable(
                f"no forge configured for {web} (the GitOps forge's host and github.com are asked)"
            )
        auth = _auth(host)
        # Azure DevOps and Data Center URLs name more than a path (collection, project, context,
        # spaces in names): their own parsers read them
        if host.kind == "azure-devops":
            return _azure(self._client, repository, base, head, auth)
        if host.kind == "bitbucket-data-center":
            return _bitbucket_dc(self._client, repository, base, head, auth)
        if not re.match(r"^[\w.-]+(/[\w.-]+)+$", path) or ".." in path:
            raise CompareUnavailable(f"source {repository[:100]!r} is not an http(s) repository URL")
        page = f"{web!s}/{path}"
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
        if host.kind == "bitbucket-cloud" and path.count("/") == 1:
            return _bitbucket_cloud(self._client, host, path, page, base, head, auth)
        raise CompareUnavailable(f"source {repository[:100]!r} is not a repository URL {host.kind} names")


def _web_origin(repository: str, web: Origin) -> Origin | None:
    """The origin of the forge a source URL is on: {org}.visualstudio.com is dev.azure.com."""
    if azure_devops.is_azure_host(repository):
        found = azure_devops.parse_remote(repository)
        return Origin.of(found.server) if found else None
    return web


def _auth(host: Host) -> OriginAuth | None:
    """The host's token, attached only to its API's origin (never after a redirect), in the
    form the forge's API takes it: Azure DevOps a PAT as Basic with an empty user, Bitbucket an
    access token as Bearer."""
    if host.token is None:
        return None
    value = host.token.value
    if host.kind == "gitlab":
        return OriginAuth(host.api_url, value, header="PRIVATE-TOKEN")
    if host.kind == "azure-devops":
        return OriginAuth(host.api_url, "Basic " + base64.b64encode(f":{value}".encode()).decode())
    if host.kind in ("bitbucket-cloud", "bitbucket-data-center"):
        return OriginAuth(host.api_url, f"Bearer {value}")
    return OriginAuth(host.api_url, f"token {value}")


def _get(
    client: httpx.Client,
    url: str,
    params: Mapping[str, str],
    auth: OriginAuth | None,
    *,
    method: str = "GET",
    body: Any = None,
    timeout: float = DEADLINE,
    revisions: tuple[str, ...] = (),
) -> Any:
    if timeout <= 0:
        raise CompareUnavailable(f"no answer within {DEADLINE:g}s")
    try:
        reply = fetch(
            client,
            method,
            url,
            timeout=timeout,
            limit=MAX_BODY,
            headers={"Accept": "application/json"},
            auth=auth,
            # no params at all for a next link: httpx would drop the query the link carries
            **({"params": dict(params)} if params else {}),
            **({"json": body} if body is not None else {}),
        )
    except limits.TooLarge:
        raise CompareUnavailable(f"the comparison is larger than {MAX_BODY // 1024 // 1024} MiB") from None
    except httpx.TimeoutException:
        raise CompareUnavailable(f"no answer within {DEADLINE:g}s") from None
    except httpx.TransportError as exc:
        raise CompareUnavailable(f"not reachable ({type(exc).__name__})") from None
    said = _said(reply.body)
    if reply.status in (400, 404) and any(r[:7].lower() in said.lower() for r in revisions):
        # a revision the forge does not know: its own words say which
        raise CompareUnavailable(f"HTTP {reply.status}: {said}")
    if reply.status == 404 and revisions:
        # a commit list answers 404 for an unknown revision as for an unknown repository
        named = " or ".join(r[:12] for r in revisions)
        raise CompareUnavailable(
            f"HTTP 404{': ' + said if said else ''}: no commit {named} in the repository, or the "
            "repository is private, absent, or the token may not read it"
        )
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


def _said(body: bytes) -> str:
    """The forge's own error message, one line (GitHub, Gitea, GitLab and Azure DevOps
    ``message``, Bitbucket Cloud ``error.message``/``detail``, Data Center ``errors[].message``)."""
    try:
        data = limits.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    error = data.get("error")
    errors = data.get("errors")
    if isinstance(error, dict):
        parts = [_str(error.get("message")), _str(error.get("detail"))]
    elif isinstance(errors, list):
        parts = [_str(e.get("message")) for e in errors if isinstance(e, dict)]
    else:
        parts = [_str(data.get("message"))]
    return " ".join(" ".join(p for p in parts if p).split())[:200]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _title(message: Any) -> str:
    lines = _str(message).strip().splitlines()
    return " ".join(lines[0].split())[:200] if lines else ""


def _pulls(title: str, merged: tuple[re.Pattern[str], ...] = ()) -> tuple[int, ...]:
    """The pull request a subject names: GitHub's squash title and merge subject, and the
    forge's own completion subject (``merged``)."""
    for pattern in (*merged, _MERGE):
        m = pattern.search(title)
        if m:
            return (int(m.group(1)),)
    m = _PULL.search(title)
    return (int(m.group(1)),) if m else ()


def _commit(
    sha: Any, message: Any, login: Any, name: Any, merged: tuple[re.Pattern[str], ...] = ()
) -> SourceCommit:
    if not isinstance(sha, str) or not _SHA.match(sha):
        raise CompareUnavailable("the forge's answer lists a commit without an id")
    title = _title(message)
    return SourceCommit(sha.lower(), title, _str(login) or _str(name) or "unknown", _pulls(title, merged))


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


# -- forges answered with a commit list, read page by page ---------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _newest_first(commits: list[SourceCommit], url: str, pull_url: str) -> Comparison:
    """A comparison from a list the forge answered newest first (as ``git log``), counted as far
    as it was read (:data:`MAX_COMMITS`; the link shows the rest)."""
    kept = commits[:MAX_COMMITS]
    return Comparison(tuple(reversed(kept)), len(kept), url, pull_url)


def _azure(
    client: httpx.Client, repository: str, base: str, head: str, auth: OriginAuth | None
) -> Comparison:
    """``POST .../commitsbatch``: the commits reachable from ``itemVersion`` (head) and not from
    ``compareVersion`` (base), newest first, ``$top``/``$skip`` pages. Pull requests are read
    from Azure Repos' completion subject ("Merged PR 12: ..."): asking each commit's pull
    requests would be a request per commit."""
    found = azure_devops.parse_remote(repository)
    if found is None or _dots(found.organization, found.project, found.repository):
        raise CompareUnavailable(f"source {repository[:100]!r} is not an Azure Repos URL (…/_git/{{repo}})")
    org, project, repo = (quote(p, safe="") for p in (found.organization, found.project, found.repository))
    # the server's origin is the host's (compare() chose the host by it); its path the URL's
    api = f"{found.server}/{org}/{project}/_apis/git/repositories/{repo}/commitsbatch"
    web = f"{found.server}/{org}/{project}/_git/{repo}"
    criteria = {
        "itemVersion": {"versionType": "commit", "version": head},
        "compareVersion": {"versionType": "commit", "version": base},
    }
    end = time.monotonic() + DEADLINE
    commits: list[SourceCommit] = []
    for _ in range(MAX_PAGES):
        params = {"api-version": azure_devops.API_VERSION, "$top": str(PAGE), "$skip": str(len(commits))}
        answer = _get(
            client,
            api,
            params,
            auth,
            method="POST",
            body=criteria,
            timeout=end - time.monotonic(),
            revisions=(base, head),
        )
        page = _listed(answer, "value")
        for c in page:
            author = _dict(c.get("author"))
            commits.append(
                _commit(c.get("commitId"), c.get("comment"), None, author.get("name"), (_AZURE_MERGE,))
            )
        if len(page) < PAGE or len(commits) >= MAX_COMMITS:
            break
    else:
        raise _endless()
    url = f"{web}/branchCompare?baseVersion=GC{base}&targetVersion=GC{head}"
    return _newest_first(commits, url, f"{web}/pullrequest/")


def _bitbucket_cloud(
    client: httpx.Client, host: Host, path: str, page: str, base: str, head: str, auth: OriginAuth | None
) -> Comparison:
    """``GET /repositories/{ws}/{slug}/commits?include=head&exclude=base``, newest first,
    following each page's ``next`` while it stays on this API (the token would go with it).
    Pull requests are read from Bitbucket's merge subject ("Merged in x (pull request #12)"):
    ``/commit/{sha}/pullrequests`` answers only when the Pull Request Commit Links app is
    installed, and costs a request per commit."""
    workspace, slug = (quote(p, safe="") for p in path.split("/"))
    url: str = f"{host.api_url}/repositories/{workspace}/{slug}/commits"
    params: dict[str, str] = {"include": head, "exclude": base, "pagelen": str(PAGE)}
    end = time.monotonic() + DEADLINE
    commits: list[SourceCommit] = []
    for _ in range(MAX_PAGES):
        answer = _get(client, url, params, auth, timeout=end - time.monotonic(), revisions=(base, head))
        for c in _listed(answer, "values"):
            author = _dict(c.get("author"))
            user = _dict(author.get("user"))
            raw = _str(author.get("raw")).split("<")[0].strip()
            name = _str(user.get("nickname")) or _str(user.get("display_name")) or raw
            commits.append(_commit(c.get("hash"), c.get("message"), None, name, (_BITBUCKET_MERGE,)))
        nxt = answer.get("next")
        if not nxt or len(commits) >= MAX_COMMITS:
            break
        url, params = _same_api(host.api_url, nxt), {}
    else:
        raise _endless()
    # Bitbucket's compare page takes "{source}%0D{destination}"
    return _newest_first(
        commits,
        f"{page}/branches/compare/{head}%0D{base}",
        f"{page}/pull-requests/",
    )


def _endless() -> CompareUnavailable:
    return CompareUnavailable(f"the forge's commit list did not end within {MAX_PAGES} pages")


def _same_api(api_url: str, link: Any) -> str:
    """A ``next`` link only when it is on the API's origin and under its path."""
    base = urlsplit(api_url)
    target = urlsplit(link) if isinstance(link, str) else None
    if target is None or (target.scheme, target.netloc) != (base.scheme, base.netloc):
        raise CompareUnavailable(f"the forge named a next page on another origin ({str(link)[:100]})")
    if not (target.path + "/").startswith(base.path.rstrip("/") + "/"):
        raise CompareUnavailable("the forge named a next page outside its API")
    return str(link)


def _dots(*names: str) -> bool:
    """A name that would walk the API's path (``..``) or is empty."""
    return any(n in ("", ".", "..") or "/" in n for n in names)


def _dc_remote(repository: str) -> bitbucket_dc.Remote | None:
    """A Data Center repository's web URL (``https://host[/context]/projects/P/repos/r``, the
    page's own address, with anything after it) or its clone URL (``…/scm/p/r.git``)."""
    parts = urlsplit(repository)
    segments = [s for s in parts.path.split("/") if s]
    root = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    for at in range(len(segments) - 3):
        if segments[at] == "projects" and segments[at + 2] == "repos":
            server = "/".join([root, *segments[:at]])
            return bitbucket_dc.Remote(server, segments[at + 1], segments[at + 3])
    found = bitbucket_dc.parse_remote(repository)
    return found if found is not None and found.server.startswith(("https://", "http://")) else None


def _bitbucket_dc(
    client: httpx.Client, repository: str, base: str, head: str, auth: OriginAuth | None
) -> Comparison:
    """``GET /rest/api/latest/projects/{p}/repos/{r}/commits?since=base&until=head``, newest
    first, ``start``/``limit`` pages. Pull requests from Data Center's merge subject ("Merge
    pull request #12 in P/r from x to main"): ``/commits/{id}/pull-requests`` is a request per
    commit."""
    remote = _dc_remote(repository)
    if remote is None or _dots(remote.project, remote.slug):
        raise CompareUnavailable(
            f"source {repository[:100]!r} is not a Bitbucket Data Center URL "
            "(…/projects/P/repos/r or …/scm/p/r.git)"
        )
    project, slug = quote(remote.project, safe=""), quote(remote.slug, safe="")
    api = f"{remote.server}/rest/api/latest/projects/{project}/repos/{slug}/commits"
    web = f"{remote.server}/projects/{project}/repos/{slug}"
    end = time.monotonic() + DEADLINE
    commits: list[SourceCommit] = []
    start = 0
    for _ in range(MAX_PAGES):
        params = {"since": base, "until": head, "start": str(start), "limit": str(PAGE)}
        answer = _get(client, api, params, auth, timeout=end - time.monotonic(), revisions=(base, head))
        for c in _listed(answer, "values"):
            author = _dict(c.get("author"))
            name = _str(author.get("displayName")) or _str(author.get("name"))
            commits.append(_commit(c.get("id"), c.get("message"), None, name))
        nxt = answer.get("nextPageStart")
        last = answer.get("isLastPage", True) is not False or not isinstance(nxt, int) or nxt <= start
        if last or len(commits) >= MAX_COMMITS:
            break
        start = nxt
    else:
        raise _endless()
    url = f"{web}/compare/commits?sourceBranch={head}&targetBranch={base}"
    return _newest_first(commits, url, f"{web}/pull-requests/")
