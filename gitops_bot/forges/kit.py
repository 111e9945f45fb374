"""The forge kit: how every forge adapter talks to its API, so each adapter keeps only its
routes, its fields and its words.

One :class:`Api` per forge origin, over the one client (:class:`~gitops_bot.net.service.Service`):
the forge's wait rule (``Retry-After``, ``(X-)RateLimit-Reset`` of a limit used up, a rate
limit a forge says only in words) rides the client's own retry hook, within the forge's
total budget (:data:`MAX_WAIT`, the promise in docs/concepts/forges.md): one retry loop per
request. :meth:`Api.call` matches the client's typed outcomes, as the gates do, to a value,
a refusal (:class:`~gitops_bot.core.errors.ForgeError`: one line, exit 3, and whether another
run made the same thing a moment ago) or :class:`~gitops_bot.core.errors.ForgeUnavailable`.

:meth:`Api.list` is the one paging helper, for every listing shape a forge has (a
:class:`Paging` each: JSON arrays with ``Link`` headers, ``total_count`` envelopes, GitLab's
``X-Next-Page``, Azure's continuation tokens, Bitbucket's ``next``/``values``/``isLastPage``),
bounded by pages, items, bytes and time: a page holding more than the page size asked for
(never more than the service documents) is refused at once, a listing past its item bound
fails closed, and a listing is read whole or not at all (a shortened list of pull requests
would hide one: opened again, never closed).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from gitops_bot.core.errors import ForgeError, ForgeUnavailable
from gitops_bot.core.instants import epoch_instant, later, retry_after_seconds
from gitops_bot.core.log import get_logger, redact
from gitops_bot.core.record import record
from gitops_bot.net import limits
from gitops_bot.net.retry import RetryPolicy, retryable_status
from gitops_bot.net.service import Answer, Credential, Refused, Service, Unavailable, link_next, said
from gitops_bot.net.transport import Reply

log = get_logger(__name__)
MAX_WAIT = 120.0  # seconds one request may take, rate-limit and 5xx waits included
ATTEMPTS = 5
BACKOFF = 0.5  # seconds, doubled per retry
DEADLINE = 30.0  # seconds for one answer, in all (a server dripping bytes cannot stretch it)
MAX_BODY = 8 * 1024 * 1024  # bytes of one API answer
LISTING_SECONDS = 90.0  # one paginated listing, all its pages (docs/security/faults.md)
# one listing, all its pages: memory stays bounded; about 6,000 of GitHub's pull requests (some
# 22 KB each), where the page bound alone let 100 pages of 8 MiB through
LISTING_BYTES = 128 * 1024 * 1024
# one listing's JSON object members (counted as '":', which ends every key): parsed, a member
# costs some 90-140 bytes whatever its text's length, so JSON of thousands of tiny members an
# item weighs about 11 times its bytes (128 MiB of it held 1.2-1.5 GB). GitHub's pull request
# has some 400-500 members: this is about 8,000 of them, past the byte bound's 6,000, while
# the densest answers stop near 500 MB
LISTING_MEMBERS = 4_000_000
# a listing as last answered with a validator (ETag), by origin, path and query, asked again
# with If-None-Match: where the forge says it is unchanged (304), the kept answer is the
# listing, neither sent nor parsed again. GitHub documents these conditional requests (and
# counts no 304 against the rate limit); a watch lists each repository's open pull requests
# every cycle, mostly the same. Only a listing whole in its first page, with room to spare, is
# kept: its body then holds every item, so an unchanged body is an unchanged listing (a body's
# validator says nothing of the headers that page on). At most KEPT_LISTINGS, their bodies
# KEPT_BYTES in all, one at most an eighth of it (parsed, a few times that: 100 repositories'
# listings of one pull request each are ~4 MB of a watch's memory), the least recently asked
# dropped first.
KEPT_LISTINGS = 512
KEPT_BYTES = 8 * 1024 * 1024
_kept: OrderedDict[tuple[str, str, tuple[tuple[str, str], ...]], Answer] = OrderedDict()
_kept_bytes = 0  # the kept bodies' bytes, under _kept_lock
_kept_lock = threading.Lock()
Environ = Mapping[str, str]  # the environment variables an adapter reads its token from
TransportOrNone = httpx.BaseTransport | None  # a test's transport; None: the one client's own
_sleep = time.sleep  # tests replace it to count the waits instead of sleeping them
_clock = time.monotonic  # tests replace it to let a listing's time pass without waiting


# -- the budget's clock: a wait asked for is spent, slept or not ------------------------

_skipped = 0.0  # seconds of waits asked for and not slept (a test's sleep): still spent
_skipped_lock = threading.Lock()


def _spent() -> float:
    """The clock the retry budget is counted on: real time plus every wait asked for and not
    slept, so a run never commits to waits it could not finish, and a test that does not sleep
    meets the same bound."""
    return time.monotonic() + _skipped


def _pause(seconds: float) -> None:
    global _skipped
    log.info("forge_retry", wait=round(seconds, 2))
    start = time.monotonic()
    _sleep(seconds)
    short = seconds - (time.monotonic() - start)
    if short > 0:
        with _skipped_lock:
            _skipped += short


# -- a forge's words ------------------------------------------------------------------------


@record
class Words:
    """How one forge says things: its name for messages, the hint for each refused status,
    its own error words (``message``: body and reason phrase -> one line; by default the
    client's reading of the usual shapes, ``message``, ``error``, ``errors[].message``),
    whether a refusal is the race of another run creating the same thing (``race``: status
    and parsed body), and the words it says a rate limit in without the headers (GitHub's
    secondary limit)."""

    name: str
    hints: Mapping[int, str]
    message: Callable[[bytes, str], str] = lambda body, reason: said(body) or reason
    race: Callable[[int, Any], bool] = lambda status, body: False
    limit_words: tuple[str, ...] = ()
    word_wait: float = 60.0  # what a rate limit said in words and naming no time is waited


def refusal(words: Words, status: int, text: str, *, race: bool = False) -> ForgeError:
    """The forge answered and meant it: one line, exit 3; ``race``: another run made what
    this request makes a moment ago (GitHub's 422 "already exists", GitLab's and Gitea's 409),
    as :attr:`Words.race` reads the forge's error answer."""
    # redacted before it is cut: a secret cut short would no longer be found whole
    line = " ".join(redact(f"{words.name} refused the request (HTTP {status}): {text}").split())[:300]
    return ForgeError(line, status=status, hint=words.hints.get(status), race=race)


def unexpected(name: str, wrong: tuple[str, ...] | list[str] = ()) -> ForgeUnavailable:
    """``wrong``: which fields had which type (never their values, which are the forge's text)."""
    what = f" ({', '.join(wrong)})" if wrong else ""
    return ForgeUnavailable(
        f"{name} answered something that is not a change request{what}", hint="check forge.api_url"
    )


# -- the wait rule, on the client's retry hook -------------------------------------------


def wait_for(status: int, header: Callable[[str], str], now: float) -> tuple[bool, float | None]:
    """(worth a retry, the wait the forge asked for or None for the policy's back-off)."""
    remaining = header("ratelimit-remaining") or header("x-ratelimit-remaining")
    retry_after = retry_after_seconds(header("retry-after"), now)
    # GitHub's secondary limit is a 403 with Retry-After; the primary ones say "remaining: 0"
    limited = status == 429 or (status == 403 and (remaining == "0" or retry_after is not None))
    if not limited and not retryable_status(status):
        return False, None
    if retry_after is not None:
        return True, retry_after
    reset = epoch_instant(header("ratelimit-reset") or header("x-ratelimit-reset"))
    if limited and reset is not None:
        return True, max(0.0, reset.timestamp() - now)
    return True, None


def _waits(words: Words) -> Callable[[int, Reply], tuple[bool, float | None]]:
    def rule(status: int, reply: Reply) -> tuple[bool, float | None]:
        if status in (403, 429) and words.limit_words and not reply.header("retry-after"):
            text = words.message(reply.body, reply.reason).lower()
            # a rate limit said only in words: the minute the forge asks for when it names no
            # time; a primary limit's "remaining: 0" keeps its reset time
            if any(w in text for w in words.limit_words) and reply.header("x-ratelimit-remaining") != "0":
                return True, words.word_wait
        return wait_for(status, reply.header, time.time())

    return rule


def _resets(reply: Reply | None) -> str:
    """', resets at 12:34:56 UTC': when a run that gave up on a rate limit may try again."""
    if reply is None:
        return ""
    now = time.time()
    _, wait = wait_for(reply.status, reply.header, now)
    if wait is None:
        return ""
    return later(datetime.fromtimestamp(now, UTC), timedelta(seconds=wait)).strftime(
        ", resets at %Y-%m-%d %H:%M:%S UTC"
    )


# -- paging --------------------------------------------------------------------------------

NextPage = str | Mapping[str, str] | None
"""The next page: a URL (absolute on the API's origin, or a path), parameters merged over the
first request's, or None (this was the last)."""


@record
class Paging:
    """How one listing pages: ``size`` items a page at most (the page size asked for, within
    what the service documents), ``first`` the paging parameters of the first request,
    ``items`` the page's list from its JSON (anything else raises ``ValueError``), ``next``
    (answer, items, page number from 1) -> :data:`NextPage`, and ``count`` the whole listing's
    size where the forge says it (a ``total_count``, ``X-Total-Count``)."""

    size: int
    items: Callable[[Any], list[Any]]
    next: Callable[[Answer, list[Any], int], NextPage]
    first: Mapping[str, str] = field(default_factory=dict)
    count: Callable[[Answer], int | None] | None = None


def array(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError(f"not a list but {type(data).__name__}")
    return data


def under(key: str, *, missing_is_empty: bool = False) -> Callable[[Any], list[Any]]:
    """The list under ``key`` of an envelope (``{"values": [...]}``)."""

    def items(data: Any) -> list[Any]:
        found = data.get(key, [] if missing_is_empty else None) if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise ValueError(f"no list under {key}")
        return found

    return items


def linked(size: int, *, per_page: str = "per_page") -> Paging:
    """A JSON array a page, the next one named by ``Link: rel="next"`` (GitHub, GitLab's keyset)."""
    return Paging(size, array, link_next, {per_page: str(size)})


def numbered(
    size: int,
    items: Callable[[Any], list[Any]] = array,
    *,
    page: str = "page",
    limit: str = "limit",
    count: Callable[[Answer], int | None] | None = None,
) -> Paging:
    """Numbered pages (``page``, ``limit``): a short page is the last (Gitea, GitHub's
    envelopes with their ``total_count``)."""

    def following(answer: Answer, listed: list[Any], number: int) -> NextPage:
        return None if len(listed) < size else {page: str(number + 1)}

    return Paging(size, items, following, {page: "1", limit: str(size)}, count)


def skipping(size: int, items: Callable[[Any], list[Any]], *, top: str, skip: str) -> Paging:
    """Offset pages (``$top``/``$skip``, ``limit``/``start``): a short page is the last."""

    def following(answer: Answer, listed: list[Any], number: int) -> NextPage:
        return None if len(listed) < size else {skip: str(number * size)}

    return Paging(size, items, following, {top: str(size)})


@record
class Listed:
    """Every item of a listing, from ``pages`` pages; ``last`` the last page's answer (what it
    says of the whole), ``count`` the largest size the forge said (None: not said)."""

    items: tuple[Any, ...]
    pages: int
    last: Answer = field(repr=False, compare=False)
    count: int | None = None


def too_many_pages(name: str, pages: int, what: str) -> ForgeUnavailable:
    """A list longer than the pages an adapter reads: a shortened list of pull requests would
    hide one (opened again, or never closed), so it is a failure, not an answer."""
    return ForgeUnavailable(f"{name} listed more than {pages} pages for {what}", hint="check forge.api_url")


# -- the API -------------------------------------------------------------------------------


class Api:
    """One forge API's origin through the one client: ``credential`` sent there only,
    :data:`DEADLINE` for one answer, :data:`MAX_BODY` bytes, redirects within the origin,
    the forge's wait rule within ``max_wait`` seconds a request in all, ``headers`` and
    ``params`` (an API version) sent with every request."""

    def __init__(
        self,
        words: Words,
        base: str,
        credential: Credential | None,
        *,
        max_wait: float = MAX_WAIT,
        deadline: float | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.words = words
        self.name = words.name
        self.params = dict(params or {})
        self.service = Service(
            words.name,
            base,
            credential=credential,
            timeout=DEADLINE if deadline is None else deadline,
            total=max_wait,
            limit=MAX_BODY,
            policy=RetryPolicy(attempts=ATTEMPTS, initial_wait=BACKOFF, max_wait=max_wait),
            waits=_waits(words),
            headers=headers,
            transport=transport,
            keep=True,  # a watch asks every repository's forge each cycle: its connections are kept
            sleep=_pause,
            clock=_spent,
        )

    @property
    def base(self) -> str:
        return self.service.base

    def close(self) -> None:
        self.service.close()

    def answer(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: Any = None,
        parse: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """One request, asked again by the client per the forge's wait rule; the
        :class:`Answer`, or the outcome raised in one line."""
        query = {**self.params, **_params(params or {})} or None
        started = _spent()
        outcome = self.service.request(
            method, path, params=query, json_body=json, parse=parse, headers=headers
        )
        match outcome:
            case Answer():
                return outcome
            case Refused(status=status, reply=reply) if status < 400:
                location = redact(reply.header("location"))[:100] or "?"
                raise ForgeUnavailable(
                    f"{self.name} redirected the request (HTTP {status}) to {location}",
                    hint="set forge.api_url to the final address",
                )
            case Refused(status=status, reply=reply, json=body):
                text = self.words.message(reply.body, reply.reason)
                raise refusal(self.words, status, text, race=self.words.race(status, body))
            case Unavailable(transient=True, status=403 | 429 as status, reply=reply):
                raise ForgeUnavailable(
                    f"{self.name} rate limit exhausted (HTTP {status}) after "
                    f"{_spent() - started:.0f}s of retries{_resets(reply)}",
                    hint="run again after the limit resets",
                )
            case Unavailable(transient=True, why=why, unreached=str(check)) if check:
                # never reached: no answer said anything of its load, and what the transport found
                # (refused, no address, no route) is what to check, as for a registry
                raise ForgeUnavailable(f"{self.name} unreachable: {why}", hint=f"{check}, then run again")
            case Unavailable(transient=True, status=status):
                raise ForgeUnavailable(
                    f"{self.name} unavailable (HTTP {status or 'no answer'}) after "
                    f"{_spent() - started:.0f}s of retries",
                    hint="run again later",
                )
            case Unavailable(why=why):
                raise ForgeUnavailable(f"{self.name} is unavailable ({why})", hint="check forge.api_url")
        raise unexpected(self.name)  # the outcomes are the three above: not reached

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: Any = None,
    ) -> Any:
        """One request's decoded JSON body (None when empty); a body that is not JSON is
        :func:`unexpected`."""
        return self.decoded(self.answer(method, path, params=params, json=json))

    def decoded(self, answer: Answer) -> Any:
        try:
            return limits.loads(answer.body) if answer.body.strip() else None
        except ValueError:
            raise unexpected(self.name) from None

    def list(
        self,
        path: str,
        paging: Paging,
        what: str,
        *,
        pages: int,
        params: Mapping[str, object] | None = None,
        max_items: int | None = None,
        too_many: Callable[[int, int | None], Exception] | None = None,
    ) -> Listed:
        """Every page of a listing (``what``, for messages), as ``paging`` follows them, or a
        failure line: at most ``pages`` pages, ``max_items`` items (default what the pages
        hold; ``too_many`` words it, given the items read and the forge's count),
        :data:`LISTING_BYTES`, :data:`LISTING_MEMBERS` and :data:`LISTING_SECONDS`; a page larger than
        ``paging.size`` is refused before another is asked. Each page is one request, asked
        again by the client on a rate limit or a 5xx."""
        bound = pages * paging.size if max_items is None else max_items
        fixed = {**(params or {}), **paging.first}
        deadline = _clock() + LISTING_SECONDS
        out: list[Any] = []
        size = 0
        members = 0
        counted: int | None = None
        asked: tuple[str, Mapping[str, object] | None] = (path, fixed)
        for page in range(1, pages + 1):
            if page == 1:
                key = (self.base, path, tuple(sorted({**self.params, **_params(fixed)}.items())))
                answer = self._first_page(key, path, fixed)
            else:
                answer = self.answer("GET", asked[0], params=asked[1], parse=True)
            try:
                listed = paging.items(answer.json)
            except ValueError as exc:
                raise ForgeUnavailable(
                    f"{self.name} answered a page of {what} of another shape ({exc})",
                    hint="check forge.api_url",
                ) from None
            if len(listed) > paging.size:
                raise ForgeUnavailable(
                    f"{self.name} answered {len(listed)} items in one page of {what}, more than the "
                    f"{paging.size} asked for",
                    hint="check forge.api_url: the forge does not page as it documents",
                )
            out += listed
            size += len(answer.body)
            told = paging.count(answer) if paging.count else None
            if told is not None:
                counted = max(counted or 0, told)  # a count that grew between pages: the larger
            if len(out) > bound or (counted is not None and counted > bound):
                raise (too_many or self._too_many(what, bound))(len(out), counted)
            if size > LISTING_BYTES:
                raise ForgeUnavailable(
                    f"{self.name} listed more than {LISTING_BYTES >> 20} MiB for {what}",
                    hint="check forge.api_url",
                )
            members += answer.body.count(b'":')
            if members > LISTING_MEMBERS:
                raise ForgeUnavailable(
                    f"{self.name} listed more than {LISTING_MEMBERS} fields for {what}",
                    hint="check forge.api_url",
                )
            step = paging.next(answer, listed, page)
            if page == 1:
                _keep(key, answer, whole=step is None and len(listed) < paging.size)
            if step is None or (counted is not None and len(out) >= counted):
                return Listed(tuple(out), page, answer, counted)
            if _clock() > deadline:
                raise ForgeUnavailable(
                    f"{self.name} listing {what} did not end within {LISTING_SECONDS:g} s "
                    f"({page} pages read)",
                    hint="check forge.api_url and the forge's health, then run again",
                )
            asked = (step, None) if isinstance(step, str) else (path, {**fixed, **step})
        raise too_many_pages(self.name, pages, what)

    def _first_page(
        self, key: tuple[str, str, tuple[tuple[str, str], ...]], path: str, params: Mapping[str, object]
    ) -> Answer:
        """A listing's first page, asked with the validator of its kept answer where there is
        one (:data:`KEPT_LISTINGS`): a 304 is that answer again."""
        with _kept_lock:
            kept = _kept.get(key)
        tag = kept.header("etag") if kept is not None else ""
        answer = self.answer(
            "GET", path, params=params, parse=True, headers={"If-None-Match": tag} if tag else None
        )
        return kept if answer.status == 304 and kept is not None else answer

    def _too_many(self, what: str, bound: int) -> Callable[[int, int | None], Exception]:
        def line(read: int, told: int | None) -> Exception:
            return ForgeUnavailable(
                f"{self.name} listed more than {bound} {what}", hint="check forge.api_url"
            )

        return line


def _keep(key: tuple[str, str, tuple[tuple[str, str], ...]], answer: Answer, *, whole: bool) -> None:
    """Keep (or drop) a listing's first page for its next conditional request."""
    global _kept_bytes
    with _kept_lock:
        if (old := _kept.pop(key, None)) is not None:
            _kept_bytes -= len(old.body)
        if not (whole and answer.header("etag") and len(answer.body) <= KEPT_BYTES // 8):
            return
        _kept[key] = answer
        _kept_bytes += len(answer.body)
        while len(_kept) > KEPT_LISTINGS or _kept_bytes > KEPT_BYTES:
            _kept_bytes -= len(_kept.popitem(last=False)[1].body)


def _params(params: Mapping[str, object]) -> dict[str, str]:
    return {k: _param(v) for k, v in params.items()}


def _param(value: object) -> str:
    """A query value as httpx writes one (``true``, not ``True``)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
