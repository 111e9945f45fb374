"""What every forge's release-contents comparison shares: the answer's shape
(:class:`Comparison` of :class:`SourceCommit`), the one bounded request (:func:`get`: a
deadline, a size cap, the forge's own error words), and the field-by-field readers of an
answer. Each forge's own request and answer shape live in its package (``forges/<name>/compare.py``);
:mod:`gitops_bot.forges.sources` chooses the forge a source repository is on.

A failure is a :class:`CompareUnavailable` whose message is one line for the pull request body,
never an error of the run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from gitops_bot.core.instants import INSTANT_MAX, INSTANT_MIN, outside_instant
from gitops_bot.core.outside import Outside
from gitops_bot.net import limits
from gitops_bot.net.auth import OriginAuth
from gitops_bot.net.transport import fetch

DEADLINE = 20.0  # seconds for the one compare answer, in all
MAX_BODY = 4 * 1024 * 1024  # bytes: GitHub answers at most 250 commits with their files
SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_PULL = re.compile(r"\(#(\d+)\)\s*$")  # GitHub's squash-merge title: "Fix the thing (#123)"
_MERGE = re.compile(r"^Merge pull request #(\d+) ")  # GitHub's (and Bitbucket DC's) merge subject
MAX_COMMITS = 250  # read from a paged commit list at most (what GitHub's compare lists)
PAGE = 100  # commits asked per page
MAX_PAGES = 25  # pages read at most: a server answering empty pages forever is stopped


@dataclass(frozen=True, slots=True)
class SourceCommit:
    sha: str
    title: Outside  # the first line of the message
    author: Outside  # a login when the forge knows one, else the author's name
    pulls: tuple[int, ...] = ()  # pull requests the commit came from, as its subject names them
    time: datetime | None = None  # when it was committed, as the forge says (None: it did not)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The commits from ``base`` (excluded) to ``head``, oldest first, as the forge answered
    them; ``total`` is how many there are (the answer may list fewer); ``url`` the forge's page."""

    commits: tuple[SourceCommit, ...]
    total: int
    url: str
    pull_url: str | None = None  # prefix of a pull request's page, "{pull_url}{number}"


class CompareUnavailable(Exception):
    """Why a comparison could not be had, as one line for the pull request body."""


@dataclass(frozen=True, slots=True)
class Ask:
    """One comparison a forge's ``compare`` answers: the source repository as named (its web
    URL), its path on the forge's web origin, that page, the two revisions, the forge's API and
    the auth bound to that API's origin (None: anonymous)."""

    client: httpx.Client
    kind: str  # the forge's name, as configured (gitea or forgejo)
    repository: str
    path: str
    page: str
    base: str
    head: str
    api_url: str
    auth: OriginAuth | None


def get(
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
    except httpx.HTTPError as exc:  # a body its Content-Encoding does not decode, a redirect loop
        raise CompareUnavailable(f"answered what cannot be read ({type(exc).__name__})") from None
    words = said(reply.body)
    if reply.status in (400, 404) and any(r[:7].lower() in words.lower() for r in revisions):
        # a revision the forge does not know: its own words say which
        raise CompareUnavailable(f"HTTP {reply.status}: {words}")
    if reply.status == 404 and revisions:
        # a commit list answers 404 for an unknown revision as for an unknown repository
        named = " or ".join(r[:12] for r in revisions)
        raise CompareUnavailable(
            f"HTTP 404{': ' + words if words else ''}: no commit {named} in the repository, or the "
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


def said(body: bytes) -> str:
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
        parts = [text(error.get("message")), text(error.get("detail"))]
    elif isinstance(errors, list):
        parts = [text(e.get("message")) for e in errors if isinstance(e, dict)]
    else:
        parts = [text(data.get("message"))]
    return " ".join(" ".join(p for p in parts if p).split())[:200]


def text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def title(message: Any) -> str:
    lines = text(message).strip().splitlines()
    return " ".join(lines[0].split())[:200] if lines else ""


def pulls(subject: str, merged: tuple[re.Pattern[str], ...] = ()) -> tuple[int, ...]:
    """The pull request a subject names: GitHub's squash title and merge subject, and the
    forge's own completion subject (``merged``)."""
    for pattern in (*merged, _MERGE):
        m = pattern.search(subject)
        if m:
            return (int(m.group(1)),)
    m = _PULL.search(subject)
    return (int(m.group(1)),) if m else ()


def commit(
    sha: Any,
    message: Any,
    login: Any,
    name: Any,
    merged: tuple[re.Pattern[str], ...] = (),
    *,
    when: datetime | None = None,
) -> SourceCommit:
    if not isinstance(sha, str) or not SHA.match(sha):
        raise CompareUnavailable("the forge's answer lists a commit without an id")
    subject = title(message)
    author = Outside(text(login) or text(name) or "unknown")
    return SourceCommit(sha.lower(), Outside(subject), author, pulls(subject, merged), when)


def instant(value: Any) -> datetime | None:
    """A commit's time as an RFC 3339 string (None: absent, unreadable or implausible)."""
    return outside_instant(value, "a forge's commit")


def epoch_millis(value: Any) -> datetime | None:
    """A commit's time as milliseconds since the epoch (Bitbucket Data Center's timestamps)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if not INSTANT_MIN.timestamp() * 1000 <= value < INSTANT_MAX.timestamp() * 1000:
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def listed(answer: Any, key: str) -> list[Any]:
    items = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CompareUnavailable("the forge's answer is not a comparison")
    return items


def hub_commit(c: dict[str, Any]) -> SourceCommit:
    """One commit of a GitHub-shaped comparison (Gitea and Forgejo answer the same shape)."""
    inner = c.get("commit") if isinstance(c.get("commit"), dict) else None
    account = c.get("author") if isinstance(c.get("author"), dict) else None
    written_by = inner.get("author") if inner is not None and isinstance(inner.get("author"), dict) else None
    committed = as_dict(inner.get("committer")) if inner is not None else {}
    return commit(
        c.get("sha"),
        inner.get("message") if inner is not None else None,
        account.get("login") if account is not None else None,
        written_by.get("name") if written_by is not None else None,
        when=instant(committed.get("date")),
    )


def github_shaped(ask: Ask, *, pulls: str, own_page: bool) -> Comparison:
    """``GET /repos/{owner}/{repo}/compare/{base}...{head}``, one call: GitHub's comparison, which
    Gitea and Forgejo answer in the same shape. ``pulls``: the path segment of a pull request's
    page (``pull``, ``pulls``); ``own_page``: the answer's ``html_url`` is the page to link."""
    if ask.path.count("/") != 1:
        raise CompareUnavailable(f"source {ask.repository[:100]!r} is not a repository URL {ask.kind} names")
    answer = get(ask.client, f"{ask.api_url}/repos/{ask.path}/compare/{ask.base}...{ask.head}", {}, ask.auth)
    url = f"{ask.page}/compare/{ask.base}...{ask.head}"
    commits = [hub_commit(c) for c in listed(answer, "commits")]
    total = answer.get("total_commits")
    html = answer.get("html_url") if own_page else None
    return Comparison(
        tuple(commits),
        total if isinstance(total, int) and total >= len(commits) else len(commits),
        html if isinstance(html, str) and html.startswith(ask.page + "/") else url,
        f"{ask.page}/{pulls}/",
    )


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def newest_first(commits: list[SourceCommit], url: str, pull_url: str) -> Comparison:
    """A comparison from a list the forge answered newest first (as ``git log``), counted as far
    as it was read (:data:`MAX_COMMITS`; the link shows the rest)."""
    kept = commits[:MAX_COMMITS]
    return Comparison(tuple(reversed(kept)), len(kept), url, pull_url)


def endless() -> CompareUnavailable:
    return CompareUnavailable(f"the forge's commit list did not end within {MAX_PAGES} pages")


def same_api(api_url: str, link: Any) -> str:
    """A ``next`` link only when it is on the API's origin and under its path."""
    base = urlsplit(api_url)
    target = urlsplit(link) if isinstance(link, str) else None
    if target is None or (target.scheme, target.netloc) != (base.scheme, base.netloc):
        raise CompareUnavailable(f"the forge named a next page on another origin ({str(link)[:100]})")
    if not (target.path + "/").startswith(base.path.rstrip("/") + "/"):
        raise CompareUnavailable("the forge named a next page outside its API")
    return str(link)


def dots(*names: str) -> bool:
    """A name that would walk the API's path (``..``) or is empty."""
    return any(n in ("", ".", "..") or "/" in n for n in names)
