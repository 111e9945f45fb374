"""The forge seam: where change requests go (GitHub pull requests, GitLab merge requests,
Gitea/Forgejo pull requests).

Delivery (:mod:`gitops_bot.engine.delivery`) speaks only :class:`Forge`; each forge is an
adapter in its own module (argocd-image-updater's ``pr_github.go``/``mr_gitlab.go``/
``pr_gitea.go`` shape). Branches are pushed and deleted by git (leased pushes work the same on
every forge); the forge supplies the credentials git uses for that.

Also here, shared by every forge adapter (GitHub's per exchange, GitLab's and Gitea's per call):
the bounded retry of rate limits and 5xx on :mod:`gitops_bot.net.retry`'s policy (the one the
registry, notifications and Argo CD use) within a 2-minute wait budget, the bounds of every
paginated listing (:class:`Listing`: pages and total time), the mapping of refusals to one
line and an exit code, and the draft-title convention GitLab and Gitea use.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

import httpx

from gitops_bot.core.errors import ForgeError, ForgeUnavailable, GitOpsBotError, UsageError
from gitops_bot.core.instants import epoch_instant, later, outside_instant, retry_after_seconds
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.secret import Origin
from gitops_bot.forges.compare_kit import Ask, Comparison
from gitops_bot.forges.settings import ForgeSettings
from gitops_bot.git.git import Workspace
from gitops_bot.net import limits, retry
from gitops_bot.net.auth import OriginAuth
from gitops_bot.net.retry import Retryable, RetryPolicy, retryable_status
from gitops_bot.net.service import (
    Answer,
    Credential,
    Listed,
    Outcome,
    Paging,
    Refused,
    Service,
    Unavailable,
)
from gitops_bot.net.transport import Reply

log = get_logger(__name__)
T = TypeVar("T")
MAX_WAIT = 120.0  # seconds of rate-limit and 5xx waiting per call (the promise in docs/concepts/forges.md)
ATTEMPTS = 5
BACKOFF = 0.5  # seconds, doubled per retry
MAX_BODY = 8 * 1024 * 1024  # bytes of one API answer
LISTING_SECONDS = 90.0  # one paginated listing, all its pages (docs/security/faults.md)
_sleep = time.sleep  # tests replace it to count the waits instead of sleeping them
_clock = time.monotonic  # tests replace it to let a listing's time pass without waiting


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A pull or merge request, as the orchestration sees it."""

    number: int
    url: str
    head: str
    title: str
    body: str
    raw: Any = None  # the adapter's own object, for follow-up calls
    # when the forge says it was opened (None: it does not say): a clock the forge keeps, not
    # the bot, so a restarted bot reads the same instant
    opened: datetime | None = field(default=None, compare=False)


class Forge(Protocol):
    """One forge's change-request API, as the orchestration uses it."""

    name: str  # "GitHub", "GitLab", "Gitea": for messages
    noun: str  # "pull request" or "merge request"
    git_user: str  # the user name git sends with ``git_token`` (HTTP basic auth)
    git_token: str | None  # what git authenticates with; None: leave git's credentials alone

    def open_pulls(self, prefix: str) -> dict[str, ChangeRequest]:
        """Open change requests whose source branch is ``prefix/...`` in this repository."""
        ...

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        """Open one; when another run opened it a moment ago, update that one instead."""
        ...

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        """Title and body in place; no request when they are already so."""
        ...

    def decorate(
        self,
        pr: ChangeRequest,
        *,
        labels: Sequence[str],
        reviewers: Sequence[str],
        assignees: Sequence[str],
        auto_merge: str | None,
    ) -> list[str]:
        """Labels, reviewers, assignees (user names), auto-merge; each failure is a warning."""
        ...

    def close(self, pr: ChangeRequest, comment: str) -> None:
        """Comment, then close."""
        ...

    def withdraw_auto_merge(self, pr: ChangeRequest) -> list[str]:
        """Auto-merge no longer requested on ``pr``, which stays open; a failure (or a forge
        whose API for it is not wired) is a warning, returned."""
        ...

    def commit_pusher(self) -> CommitPusher | None:
        """The forge's own way of creating commits (it signs them with its key), or None."""
        ...


class CommitPusher(Protocol):
    """Recreates a worktree's HEAD commit on the forge and moves a branch to it."""

    def push(self, ws: Workspace, branch: str, lease: tuple[str, str | None] | None) -> str:
        """Returns the commit the branch now holds (the forge's, not the worktree's)."""
        ...


def change_request(
    name: str, number: Any, url: Any, head: Any, title: Any, body: Any, raw: Any, opened: Any = None
) -> ChangeRequest:
    """A forge's answer as a :class:`ChangeRequest`, once its fields have the right types
    (forge answers are input like any other); the title without its draft marker."""
    title, body = title or "", body or ""
    kinds = {
        "number": (number, int),
        "url": (url, str),
        "head": (head, str),
        "title": (title, str),
        "body": (body, str),
    }
    wrong = [f"{k} is {type(v).__name__}" for k, (v, t) in kinds.items() if not isinstance(v, t)]
    if wrong:
        raise unexpected(name, wrong)
    return ChangeRequest(number, url, head, plain_title(title), body, raw, _opened(name, opened))


def _opened(name: str, value: Any) -> datetime | None:
    """A forge's creation time: RFC 3339 text, or (Bitbucket Data Center) milliseconds since
    the epoch; None when absent or unreadable (never a crash: the field is informational)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return epoch_instant(str(value // 1000)) if value >= 0 else None
    return outside_instant(value, name)


def no_identity(name: str) -> ForgeUnavailable:
    """``GET /user`` answered without the login the dashboard issue is told apart by."""
    return ForgeUnavailable(f"{name} answered GET /user without a login", hint="check forge.api_url")


def unexpected(name: str, wrong: Sequence[str] = ()) -> ForgeUnavailable:
    """``wrong``: which fields had which type (never their values, which are the forge's text)."""
    what = f" ({', '.join(wrong)})" if wrong else ""
    return ForgeUnavailable(
        f"{name} answered something that is not a change request{what}", hint="check forge.api_url"
    )


# -- errors ----------------------------------------------------------------------------


@dataclass
class HTTPFailure(Exception):
    """An adapter's HTTP failure in a neutral shape: status (None: no answer), headers, text."""

    status: int | None
    headers: Mapping[str, str]
    message: str


def check_answer(name: str, status: int, headers: Mapping[str, str], size: int | None = None) -> None:
    """Refuse a redirect (never followed: the token header would go with it) and an answer
    larger than MAX_BODY (by its Content-Length before reading it, or by the size read)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if 300 <= status < 400:
        raise ForgeUnavailable(
            f"{name} redirected the request (HTTP {status}) to {lowered.get('location', '?')[:100]}",
            hint="set forge.api_url to the final address",
        )
    declared = lowered.get("content-length", "")
    length = size if size is not None else int(declared) if declared.isdigit() else 0
    if length > MAX_BODY:
        raise ForgeUnavailable(f"{name} answered more than {MAX_BODY} bytes", hint="check forge.api_url")


class Listing:
    """The bounds of one paginated listing, on every forge: at most ``pages`` pages *and* at
    most :data:`LISTING_SECONDS` from its first request. A page bound alone lets a slow forge
    take minutes (100 pages at 1.5 s each). Either bound reached is one failure line naming
    the listing: a shortened list would hide a pull request (opened again, never closed) or
    the dashboard issue."""

    def __init__(self, name: str, what: str, pages: int) -> None:
        self.name, self.what, self.max_pages = name, what, pages
        self.pages_read = 0
        self._deadline = _clock() + LISTING_SECONDS

    def pages(self) -> Iterator[int]:
        """0, 1, … up to ``pages - 1``: the caller reads one page for each and returns when the
        list ends; a loop that runs out means more pages than the bound (:meth:`too_many`)."""
        for page in range(self.max_pages):
            self.check_time()
            self.pages_read = page + 1
            yield page

    def check_time(self) -> None:
        if _clock() > self._deadline:
            raise ForgeUnavailable(
                f"{self.name} listing {self.what} did not end within {LISTING_SECONDS:g} s "
                f"({self.pages_read} pages read)",
                hint="check forge.api_url and the forge's health, then run again",
            )

    def too_many(self) -> ForgeUnavailable:
        return too_many_pages(self.name, self.max_pages, self.what)


def too_many_pages(name: str, pages: int, path: str) -> ForgeUnavailable:
    """A list longer than the pages an adapter reads: a shortened list of pull requests would
    hide one (opened again, or never closed), so it is a failure, not an answer."""
    return ForgeUnavailable(f"{name} listed more than {pages} pages for {path}", hint="check forge.api_url")


def lacks(platform: str, what: str, hint: str) -> Callable[[], None]:
    """A ``decorate`` step for what a platform's pull requests do not have (labels, assignees):
    it fails with the one line to fix, and ``decorate`` makes that the run's warning."""

    def step() -> None:
        raise ForgeError(f"{platform} pull requests have no {what}", status=None, hint=hint)

    return step


def refusal(name: str, status: int, message: str, hints: Mapping[int, str]) -> ForgeError:
    return ForgeError(
        redact(" ".join(f"{name} refused the request (HTTP {status}): {message}".split())[:300]),
        status=status,
        hint=hints.get(status),
    )


def _wait_for(failure: HTTPFailure, now: float) -> tuple[bool, float | None]:
    """(worth a retry, the wait the forge asked for or None for the policy's back-off)."""
    status = failure.status
    headers = {k.lower(): v for k, v in failure.headers.items()}
    remaining = headers.get("ratelimit-remaining", headers.get("x-ratelimit-remaining"))
    retry_after = retry_after_seconds(headers.get("retry-after", ""), now)
    # GitHub's secondary limit is a 403 with Retry-After; the primary ones say "remaining: 0"
    limited = status == 429 or (status == 403 and (remaining == "0" or retry_after is not None))
    if not limited and not (status is None or retryable_status(status)):
        return False, None
    if retry_after is not None:
        return True, retry_after
    reset = epoch_instant(headers.get("ratelimit-reset", headers.get("x-ratelimit-reset", "")))
    if limited and reset is not None:
        return True, max(0.0, reset.timestamp() - now)
    return True, None


class Exhausted(Exception):
    """The retries' attempts or their wait budget ran out; ``failure`` is the last one."""

    def __init__(self, failure: HTTPFailure, waited: float) -> None:
        super().__init__(failure.message)
        self.failure = failure
        self.waited = waited


def retrying(fn: Callable[[], T], *, max_wait: float = MAX_WAIT, backoff: float = BACKOFF) -> T:
    """``fn()`` under the one retry policy of :mod:`gitops_bot.net.retry`: an
    :class:`HTTPFailure` worth repeating (rate limit, 5xx, no answer) is retried, waiting what
    ``Retry-After``/``RateLimit-Reset`` ask or the doubling back-off, while the waits add up to
    at most ``max_wait``; then :class:`Exhausted`. Any other :class:`HTTPFailure` is raised as is.

    The budget counts the waits asked for (not the clock), so a run never commits to a wait it
    cannot finish: an hour's ``Retry-After`` ends the call at once with the reset time."""
    policy = RetryPolicy(attempts=ATTEMPTS, initial_wait=backoff, max_wait=max_wait)
    waited = 0.0
    tries = 0
    last: HTTPFailure | None = None

    def attempt() -> T:
        nonlocal tries, last
        tries += 1
        try:
            return fn()
        except HTTPFailure as failure:
            last = failure
            worth, asked = _wait_for(failure, time.time())
            if not worth:
                raise
            wanted = policy.wait(tries) if asked is None else asked  # uncapped: over budget ends it
            if tries < ATTEMPTS and waited + wanted > max_wait:
                raise Exhausted(failure, waited) from None
            raise Retryable(failure.message, retry_after=asked) from None

    def pause(seconds: float) -> None:
        nonlocal waited
        log.info("forge_retry", status=last.status if last else None, wait=round(seconds, 2))
        _sleep(seconds)
        waited += seconds

    try:
        return retry.call(attempt, policy, sleep=pause)
    except retry.GaveUp:
        assert last is not None
        raise Exhausted(last, waited) from None


def call(
    name: str,
    fn: Callable[[], T],
    hints: Mapping[int, str],
    *,
    max_wait: float = MAX_WAIT,
) -> T:
    """``fn()`` through :func:`retrying`; a refusal or the end of the retries as one line."""
    try:
        return retrying(fn, max_wait=max_wait)
    except Exhausted as exc:
        status, waited = exc.failure.status, exc.waited
        if status in (403, 429):
            raise ForgeUnavailable(
                f"{name} rate limit exhausted (HTTP {status}) after {waited:.0f}s of retries"
                f"{_resets(exc.failure)}",
                hint="run again after the limit resets",
            ) from None
        raise ForgeUnavailable(
            f"{name} unavailable (HTTP {status or 'no answer'}) after {waited:.0f}s of retries",
            hint="run again later",
        ) from None
    except HTTPFailure as failure:
        raise refusal(name, failure.status or 0, failure.message, hints) from None


def _resets(failure: HTTPFailure) -> str:
    """', resets at 12:34:56 UTC': when a run that gave up on a rate limit may try again, read
    as the retry read the wait it asked for (:func:`_wait_for`: ``Retry-After``, else the
    ``(X-)RateLimit-Reset`` of a limit used up)."""
    now = time.time()
    _, wait = _wait_for(failure, now)
    if wait is None:
        return ""
    return later(datetime.fromtimestamp(now, UTC), timedelta(seconds=wait)).strftime(
        ", resets at %Y-%m-%d %H:%M:%S UTC"
    )


def create_or_adopt(
    create: Callable[[], ChangeRequest],
    find: Callable[[], ChangeRequest | None],
    adopt: Callable[[ChangeRequest], ChangeRequest],
    race: tuple[int, ...],
) -> ChangeRequest:
    """Create; when the forge answers one of ``race`` (another run opened the request a moment
    ago), find that request and ``adopt`` it (update it) instead."""
    try:
        return create()
    except ForgeError as exc:
        found = find() if exc.status in race else None
        if found is None:
            raise
        return adopt(found)


def decorate_steps(
    where: str, steps: Sequence[tuple[str, Callable[[], object]]], errors: tuple[type[Exception], ...]
) -> list[str]:
    """Run each decoration step; a refusal or an outage (the PR exists already) is a warning,
    returned and logged, never a failure: a rerun must not open the PR again."""
    warnings = []
    caught: tuple[type[Exception], ...] = (GitOpsBotError, *errors)
    for what, step in steps:
        try:
            step()
        except caught as exc:
            warnings.append(f"{where}: could not set {what}: {exc}")
            log.warning("pull_request_decoration_failed", request=where, what=what, reason=str(exc))
    return warnings


# -- drafts ----------------------------------------------------------------------------

DRAFT = re.compile(r"^(?:\[WIP\]\s*|WIP:\s*|Draft:\s*|\[Draft\]\s*|\(Draft\)\s*)", re.IGNORECASE)


def not_withdrawn(name: str, what: str) -> list[str]:
    """The warning of a forge whose API for withdrawing auto-merge the bot does not call yet:
    the run says so, so a person withdraws it by hand."""
    return [f"auto-merge not withdrawn on {what}: not wired for {name} yet; withdraw it by hand"]


def draft_title(title: str, draft: bool, prefix: str) -> str:
    return f"{prefix}{title}" if draft else title


def plain_title(title: str) -> str:
    """The title without a draft marker: what the bot compares against its own title."""
    return DRAFT.sub("", title, count=1)


def keep_draft(current: str, title: str, prefix: str) -> str:
    """The new title, keeping the draft marker when the request still carries one."""
    return draft_title(title, DRAFT.match(current) is not None, prefix)


# -- one forge, as the registry names it --------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeSubject:
    """How a forge's merge names the change request it merged: ``pattern``'s first group is
    its number, searched in the commit's subject, or in the whole message (GitLab's body line)."""

    pattern: re.Pattern[str]
    in_message: bool = False


@dataclass(frozen=True, slots=True)
class TokenVariable:
    """An environment variable a forge reads a token from when the config names none, and the
    hosts the operator's environment names for it: before the config is read (the first fetch)
    git sends it only to ``hosts``; in a fleet, a repository its entry does not list it for may
    point the forge only at ``hosts`` and ``api_hosts``."""

    name: str
    git_user: str | None  # git's user name with it; None: not git's alone (an App's key)
    hosts: tuple[str | None, ...]  # git's: the forge's public host(s), the server a CI platform names
    api_hosts: tuple[str | None, ...] = ()  # its API's public host(s), if another host
    # False: a pipeline's own token, which the adapter uses only for the server the pipeline names
    default: bool = True


@dataclass(frozen=True, slots=True)
class ForgeEntry:
    """Everything the rest of the bot asks of one forge, each part from that forge's package
    (``forges/<name>/``): how to connect its adapter (imported when called: what an adapter
    brings, GitHub's PyJWT, is paid for only by a run that talks to that forge), how its
    merges name change requests (the ledger), how it answers "what is between two revisions"
    of a source repository (release contents: its API and web origin, the auth form its API
    takes, the comparison), and its tokens: the variables it reads by default and the hosts
    they may go to."""

    names: tuple[str, ...]  # the ``forge: type`` values it answers to
    connect: Callable[[ForgeSettings, str, Mapping[str, str]], Forge]  # (config, remote URL, environ)
    merge_subjects: tuple[MergeSubject, ...]
    compare: Callable[[Ask], Comparison]
    source_api: Callable[[str | None, str | None], tuple[Origin | None, str]]  # (api_url, remote)
    source_auth: Callable[[str, str], OriginAuth]  # (its API URL, the token)
    own_source_urls: bool = False  # its source URLs name more than owner/name: compare parses them
    issues: bool = False  # it keeps an issue board (the dashboard)
    # configuration this forge cannot honour, refused before anything is pushed (a dry run too,
    # so a dry run fails where the real run would): one UsageError line
    check: Callable[[ForgeSettings], None] | None = None
    # its default token variables, each with the hosts the environment names for it
    # (remote URL, environ): the first fetch's credentials and the fleet's rule both read them
    tokens: Callable[[str, Mapping[str, str]], tuple[TokenVariable, ...]] = field(kw_only=True)
    # the host(s) git sends its token to once the config is read (config, remote URL)
    git_hosts: Callable[[ForgeSettings, str], tuple[str | None, ...]] = field(kw_only=True)
    # its API's address as the config has it; None: ``forge.api_url``
    api_url: Callable[[ForgeSettings], str | None] | None = field(default=None, kw_only=True)
    # the variables its adapter reads as the config has them, where the config can rename more
    # than ``forge.token_env`` (GitHub's App key); None: a written token_env, else ``tokens``'
    reads: Callable[[ForgeSettings], tuple[str, ...]] | None = field(default=None, kw_only=True)


# -- choosing ----------------------------------------------------------------------------

KNOWN_HOSTS = {
    "github.com": "github",
    "gitlab.com": "gitlab",
    "codeberg.org": "forgejo",
    "bitbucket.org": "bitbucket-cloud",
}
_URL = re.compile(r"^(?:[a-z+]+://)?(?:[^@/]+@)?(\[[^\]]+\]|[^/:]+)(?::(\d+))?[:/](.+?)(?:\.git)?/?$")


def split_remote(url: str) -> tuple[str, str] | None:
    """(host, path) of an https, ssh or scp-like remote URL; None for a local path."""
    if url.startswith("file:") or url.startswith("/"):
        return None
    m = _URL.match(url)
    if not m:
        return None
    return m.group(1).lower(), m.group(3).strip("/")


def project_path(url: str, hosts: set[str], *, nested: bool) -> str | None:
    """The ``owner/name`` (``nested``: ``group/sub/project``) of a remote on one of ``hosts``."""
    parts = split_remote(url)
    if parts is None or parts[0] not in hosts:
        return None
    path = parts[1]
    segment = r"[\w.-]+"
    pattern = rf"^{segment}(?:/{segment})+$" if nested else rf"^{segment}/{segment}$"
    return path if re.match(pattern, path) and ".." not in path else None


def remote_project(url: str, *, nested: bool) -> str | None:
    """The project path of a remote on its own host (the forge was chosen already)."""
    parts = split_remote(url)
    return project_path(url, {parts[0]}, nested=nested) if parts else None


def remote_server(url: str) -> str | None:
    """``https://HOST`` of a remote URL (an ssh remote's web side is https on the same host)."""
    parts = split_remote(url)
    return f"https://{parts[0]}" if parts else None


def kind_from_url(url: str) -> str | None:
    parts = split_remote(url)
    return KNOWN_HOSTS.get(parts[0]) if parts else None


def no_repository(name: str, url: str, key: str) -> UsageError:
    return UsageError(
        f"cannot tell the {name} repository of {url}",
        hint=f"set {key} in gitops-bot.yaml",
    )


def api_service(
    name: str,
    base: str,
    credential: Credential,
    *,
    deadline: float,
    transport: httpx.BaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
) -> Service:
    """The one client (:class:`~gitops_bot.net.service.Service`) of a forge's JSON API at
    ``base``, for every forge's adapter (each written without a client library): ``headers``
    sent with every request (a media type, an API version), ``credential`` sent to that origin
    only, ``deadline`` seconds for one answer in all, :data:`MAX_BODY` bytes, redirects
    followed within the origin only. One attempt per request and no status asked again by the
    client: :func:`call` decides the retries, as it reads a refusal's rate-limit headers
    (``Retry-After``, ``RateLimit-Reset``), which the client's own retries would not hand back."""
    return Service(
        name,
        base,
        credential=credential,
        timeout=deadline,
        total=deadline,
        limit=MAX_BODY,
        policy=RetryPolicy(attempts=1),
        waits=_asked_again_by_call,
        headers=headers,
        transport=transport,
    )


def _asked_again_by_call(status: int, reply: Reply) -> tuple[bool, float | None]:
    return False, None


def exchange_json(
    service: Service,
    method: str,
    path: str,
    *,
    message: Callable[[bytes, str], str],
    params: Mapping[str, object] | None = None,
    json: Any = None,
) -> tuple[Any, httpx.Headers]:
    """One exchange with a forge's JSON API through its :func:`api_service`, the outcome in
    the shapes :func:`call` retries and words: a refusal as :class:`HTTPFailure` (``message``
    reads the forge's own error body), no answer (a timeout, a refused connection) as an
    :class:`HTTPFailure` without a status, an answer that cannot be read (too large, not
    decodable, a redirect loop or off the origin) as :class:`ForgeUnavailable` in one line, a
    redirect not followed (a write's) as :func:`check_answer` says it, an answer that is not
    JSON as :func:`unexpected`. Returns the decoded body (None when empty) and the headers."""
    query = {k: _param(v) for k, v in params.items()} if params else None
    outcome = service.request(method, path, params=query, json_body=json, parse=False)
    answer = _answered(service.name, outcome, message)
    try:
        return (limits.loads(answer.body) if answer.body else None), httpx.Headers(answer.reply.headers)
    except ValueError:
        raise unexpected(service.name) from None


def read_listing(
    service: Service,
    path: str,
    listing: Listing,
    *,
    message: Callable[[bytes, str], str],
    follow: Paging,
    params: Mapping[str, object] | None = None,
) -> Listed:
    """Every page of a JSON list through :meth:`Service.pages
    <gitops_bot.net.service.Service.pages>`, following the forge's own paging (``follow``)
    within ``listing``'s bounds (its pages and its time: a next page past either is one
    failure line, never a shortened list); each outcome in the shapes :func:`exchange_json`
    gives them, so :func:`call` retries the listing whole on a rate limit or a 5xx."""

    def bounded(answer: Answer, items: list[Any], page: int) -> str | Mapping[str, str] | None:
        step = follow(answer, items, page)
        if step is None:
            return None
        if page >= listing.max_pages:
            raise listing.too_many()
        listing.pages_read = page
        listing.check_time()
        return step

    query = {k: _param(v) for k, v in params.items()} if params else None
    outcome = service.pages(path, items=_json_list, follow=bounded, params=query, max_pages=listing.max_pages)
    if isinstance(outcome, Listed):
        return outcome
    _answered(service.name, outcome, message)
    raise unexpected(service.name)  # a 2xx is a Listed: not reached


def _json_list(page: Any) -> list[Any]:
    if not isinstance(page, list):
        raise ValueError(f"not a list but {type(page).__name__}")
    return page


def _answered(name: str, outcome: Outcome, message: Callable[[bytes, str], str]) -> Answer:
    """The :class:`Answer`, or the outcome raised as :func:`call` retries and words it."""
    if isinstance(outcome, Unavailable):
        if outcome.transient:
            raise HTTPFailure(outcome.status, {}, outcome.said or outcome.why)
        raise ForgeUnavailable(f"{name} is unavailable ({outcome.why})", hint="check forge.api_url")
    headers = httpx.Headers(outcome.reply.headers)
    if isinstance(outcome, Refused) and outcome.status >= 400:
        raise HTTPFailure(outcome.status, dict(headers), message(outcome.reply.body, outcome.reply.reason))
    check_answer(name, outcome.status, headers)  # a 3xx the client did not follow
    if not isinstance(outcome, Answer):
        raise unexpected(name)
    return outcome


def _param(value: object) -> str:
    """A query value as httpx writes one (``true``, not ``True``)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
