"""What every forge's release-contents comparison shares: the answer's shape
(:class:`Comparison` of :class:`SourceCommit`), the one bounded request (:func:`get`, through
the source API's :class:`~gitops_bot.net.service.Service`: its origin and credential, a size
cap, the one retry policy, the forge's own error words) within a comparison's total deadline,
and the field-by-field readers of an answer. Each forge's own request and answer shape live in
its package (``forges/<name>/compare.py``); :mod:`gitops_bot.forges.sources` chooses the forge a
source repository is on and the service that asks it.

A failure is a :class:`CompareUnavailable` whose message is one line for the pull request body,
never an error of the run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from gitops_bot.core.instants import INSTANT_MAX, INSTANT_MIN, outside_instant
from gitops_bot.core.outside import Outside
from gitops_bot.core.record import record
from gitops_bot.net import deadline as _deadline
from gitops_bot.net.service import Answer, Refused, Service, Unavailable

DEADLINE = 20.0  # seconds for a comparison in all, every page and retry of it counted together
MAX_BODY = 4 * 1024 * 1024  # bytes: GitHub answers at most 250 commits with their files
SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_PULL = re.compile(r"\(#(\d+)\)\s*$")  # GitHub's squash-merge title: "Fix the thing (#123)"
_MERGE = re.compile(r"^Merge pull request #(\d+) ")  # GitHub's (and Bitbucket DC's) merge subject
MAX_COMMITS = 250  # read from a paged commit list at most (what GitHub's compare lists)
PAGE = 100  # commits asked per page
MAX_PAGES = 25  # pages read at most: a server answering empty pages forever is stopped


@record
class SourceCommit:
    sha: str
    title: Outside  # the first line of the message
    author: Outside  # a login when the forge knows one, else the author's name
    pulls: tuple[int, ...] = ()  # pull requests the commit came from, as its subject names them
    time: datetime | None = None  # when it was committed, as the forge says (None: it did not)


@record
class Comparison:
    """The commits from ``base`` (excluded) to ``head``, oldest first, as the forge answered
    them; ``total`` is how many there are (the answer may list fewer); ``url`` the forge's page."""

    commits: tuple[SourceCommit, ...]
    total: int
    url: str
    pull_url: str | None = None  # prefix of a pull request's page, "{pull_url}{number}"


def head_of(found: Comparison, repository: str, head: str) -> SourceCommit | str:
    """The commit a build came from, dated, as a complete comparison ends (oldest first); else
    why it cannot be told."""
    if not found.commits:
        return f"built from the same commit {head[:12]} as the build it replaced"
    last = found.commits[-1]
    if found.total > len(found.commits) or not (
        last.sha.startswith(head.lower()) or head.lower().startswith(last.sha)
    ):
        return f"{repository}: {head[:12]} is past the {len(found.commits)} commits the forge listed"
    if last.time is None:
        return f"{repository}: the forge gave no time for {head[:12]}"
    return last


class CompareUnavailable(Exception):
    """Why a comparison could not be had, as one line for the pull request body."""


@record
class Ask:
    """One comparison a forge's ``compare`` answers: the source repository as named (its web
    URL), its path on the forge's web origin, that page, the two revisions, the forge's API and
    the service asking it (its origin the API's, with the credential bound to it, or none)."""

    service: Service
    kind: str  # the forge's name, as configured (gitea or forgejo)
    repository: str
    path: str
    page: str
    base: str
    head: str
    api_url: str


def due() -> float:
    """When a comparison starting now must have its answer (``time.monotonic()``)."""
    return time.monotonic() + DEADLINE


def get(
    service: Service,
    url: str,
    params: Mapping[str, str],
    *,
    method: str = "GET",
    body: Any = None,
    until: float | None = None,
    revisions: tuple[str, ...] = (),
) -> Any:
    """One request of a comparison, its JSON answer; ``until``: the comparison's deadline
    (:func:`due`), which bounds every byte of this request as well (a page asked late gets
    what is left, not the service's own total)."""
    until = due() if until is None else until
    if until - time.monotonic() <= 0:
        raise CompareUnavailable(f"no answer within {DEADLINE:g}s")
    with _deadline.until(until):
        outcome = service.request(
            method,
            url,
            # no params at all for a next link: httpx would drop the query the link carries
            params=dict(params) if params else None,
            json_body=body,
            limit=MAX_BODY,
        )
    match outcome:
        case Answer(status=200, json=answer):
            return answer
        case Answer(status=status) | Refused(status=status) if status < 400:
            # a redirect not followed (a POST's), or an answer without a comparison
            raise CompareUnavailable(f"HTTP {status} from the forge")
        case Refused(status=status, said=words):
            raise _refused(status, words, revisions)
        case Unavailable() if time.monotonic() >= until:
            raise CompareUnavailable(f"no answer within {DEADLINE:g}s")
        case Unavailable(status=int() as status, said=words):
            raise CompareUnavailable(f"HTTP {status} from the forge{': ' + words if words else ''}")
        case Unavailable(why=why):
            raise CompareUnavailable(f"the forge is unavailable ({why})")
    raise AssertionError(outcome)  # pragma: no cover - the three outcomes are matched above


def _refused(status: int, words: str, revisions: tuple[str, ...]) -> CompareUnavailable:
    if status in (400, 404) and any(r[:7].lower() in words.lower() for r in revisions):
        # a revision the forge does not know: its own words say which
        return CompareUnavailable(f"HTTP {status}: {words}")
    if status == 404 and revisions:
        # a commit list answers 404 for an unknown revision as for an unknown repository
        named = " or ".join(r[:12] for r in revisions)
        return CompareUnavailable(
            f"HTTP 404{': ' + words if words else ''}: no commit {named} in the repository, or the "
            "repository is private, absent, or the token may not read it"
        )
    if status in (401, 403, 404):
        return CompareUnavailable(
            f"HTTP {status}: the repository is private, absent, or the token may not read it"
        )
    return CompareUnavailable(f"HTTP {status} from the forge")


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


def listed(answer: Any, key: str, *, asked: int | None = None) -> list[Any]:
    """The commits under ``key``; ``asked``: the page size asked for, which a page larger than
    is refused (never more than the forge documents: a page of thousands is not read)."""
    items = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CompareUnavailable("the forge's answer is not a comparison")
    if asked is not None and len(items) > asked:
        raise CompareUnavailable(
            f"the forge answered {len(items)} commits in one page, more than the {asked} asked for"
        )
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
    answer = get(ask.service, f"{ask.api_url}/repos/{ask.path}/compare/{ask.base}...{ask.head}", {})
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
