"""Generated hostile answers: from a service's well-formed answer, what a broken, malicious or
merely odd service sends instead. Each :class:`Fault` is one way of answering badly, drawn by
:func:`faults`; applied to the request it answers (:meth:`Fault.answer`), it gives the
:class:`~testkit.hostile_registry.Answer` the server sends.

The kinds (:data:`KINDS`), each a class of answer some client once met unprepared:

- ``fields``: the JSON with a field gone, of the wrong type, or a value no reader expects;
- ``numbers``: a number no float64 holds, NaN, Infinity, a negative or a 400-digit one;
- ``type``: the whole answer another JSON type, or not JSON at all;
- ``truncated``: the answer cut short (also with a Content-Length promising the rest);
- ``compressed``: labelled gzip, deflate or br and not, or a gzip bomb;
- ``oversized``: a body without end, or a Content-Length of a terabyte;
- ``slow``: an answer that waits before, or drips its bytes;
- ``redirect``: to itself for ever, to another origin, to another scheme, to a path with the
  secret in its query;
- ``paging``: a next page for ever, and pages larger than any service documents;
- ``secret``: an error (or a 200) echoing the credential it was sent, plain, base64 (alone or
  as a Basic pair), URL-encoded;
- ``status``: a status the client does not expect, with a Retry-After no clock holds;
- ``another``: another route's well-formed answer (a token service answering with a tag list).
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import yaml
from hypothesis import strategies as st

from testkit.hostile_registry import Answer, Seen

KINDS = (
    "fields",
    "numbers",
    "type",
    "truncated",
    "compressed",
    "oversized",
    "slow",
    "redirect",
    "paging",
    "secret",
    "status",
    "another",
)


def secret_forms(secret: str, user: str = "") -> dict[str, str]:
    """The encodings a service may echo ``secret`` in: each must stay out of every output."""
    forms = {
        "plain": secret,
        "base64": base64.b64encode(secret.encode()).decode(),
        "base64url": base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
        "url-encoded": quote(secret, safe=""),
        "form-encoded": quote_plus(secret),
    }
    if user:
        forms["basic"] = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return forms


@dataclass(frozen=True)
class Context:
    """What a fault may use: the server's URL, the secret the service sees (and the user it
    goes with), and the other routes' well-formed bodies."""

    url: str
    secret: str
    user: str = ""
    others: tuple[bytes, ...] = ()


Make = Callable[[Answer, Seen, Context], Answer]


@dataclass(frozen=True)
class Fault:
    kind: str
    detail: str
    make: Make = field(repr=False, compare=False)

    def answer(self, good: Answer, seen: Seen, ctx: Context) -> Answer:
        return self.make(good, seen, ctx)

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


# -- JSON rewritten ------------------------------------------------------------------------

_RAW = "\x00raw:"  # a string placeholder json.dumps keeps, replaced by raw text afterwards
_RAW_JSON = re.compile(r'"\\u0000raw:([^"\\]*)\\u0000"')


def raw(text: str) -> str:
    return _RAW + text + "\x00"


def dumps(value: Any) -> bytes:
    """JSON text of ``value``, with :func:`raw` placeholders spliced in as written (numbers
    Python's json would never write, such as 1e400)."""
    return _RAW_JSON.sub(lambda m: m.group(1), json.dumps(value, allow_nan=True)).encode()


HUGE_NUMBERS: tuple[Any, ...] = (
    raw("1e400"),
    raw("-1e400"),
    raw("1e-400"),
    math.nan,
    math.inf,
    -math.inf,
    10**400,
    -(10**30),
    2**64 + 1,
    -1,
    0,
    raw("1" + "0" * 5000),
    "1e400",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
)

ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    "",
    "soon",
    "x" * 70_000,
    "\x1b]0;owned\x07\x1b[2J\r",
    "../../../etc/passwd",
    "line one\nline two\nTraceback (most recent call last):",
    [],
    {},
    [None],
    {"": None},
    ["x"] * 10_000,
    "sha256:" + "0" * 64,
    "2026-13-45T99:99:99Z",
    "-0001-01-01T00:00:00Z",
)


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:20]):
            yield from _paths(v, (*at, i))


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any, *, drop: bool = False) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        if drop and not rest:
            out.pop(head, None)
        else:  # (a field the answer lacks is added)
            out[head] = _replace(value.get(head, {}), rest, new, drop=drop)
        return out
    out_list = list(value)
    if drop and not rest:
        del out_list[head]
    else:
        out_list[head] = _replace(value[head], rest, new, drop=drop)
    return out_list


def _json(good: Answer) -> Any:
    """The well-formed answer's document: JSON, or YAML when it says so (a chart index), whose
    mutations are then written as JSON, which YAML reads too."""
    try:
        if "yaml" in good.headers.get("Content-Type", ""):
            return yaml.safe_load(good.body)
        return json.loads(good.body)
    except (ValueError, yaml.YAMLError):
        return None


@st.composite
def _field_fault(draw: st.DrawFn, numbers: bool) -> Fault:
    pick = draw(st.integers(0, 10**6))
    pool = HUGE_NUMBERS if numbers else ODD_VALUES
    choice = draw(st.sampled_from(range(len(pool) + (0 if numbers else 2))))
    extra_key = draw(st.sampled_from(["next", "token", "errors", "message", "items", "value"]))

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        doc = _json(good)
        if doc is None:  # not JSON: the value alone, as the whole answer
            return Answer(good.status, dumps(pool[choice % len(pool)]), good.headers)
        paths = list(_paths(doc))
        path = paths[pick % len(paths)]
        if choice >= len(pool):  # a field gone, or one more
            if choice == len(pool) and path:
                doc = _replace(doc, path, None, drop=True)
            elif isinstance(doc, dict):
                doc = {**doc, extra_key: ctx.url + "/elsewhere"}
        else:
            doc = _replace(doc, path, pool[choice])
        return Answer(good.status, dumps(doc), good.headers)

    what = (HUGE_NUMBERS if numbers else ODD_VALUES) + ("(dropped)", "(one more)")
    return Fault("numbers" if numbers else "fields", f"field #{pick} := {what[choice]!r:.60}", make)


# a billion laughs: nine aliases of nine aliases ... (YAML readers that expand aliases hold 9**9)
YAML_BOMB = (
    b'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + b"".join(
        f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n".encode()
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + b"entries: *i\n"
)


@st.composite
def _type_fault(draw: st.DrawFn) -> Fault:
    body = draw(
        st.sampled_from(
            [
                *(b"[]", b"{}", b'"x"', b"1", b"null", b"true", b"", b"<html>503</html>", b"\xff\xfe\x00"),
                b"[" * 100_000 + b"]" * 100_000,
                YAML_BOMB,
                b"entries: !!python/object/apply:os.system [echo owned]\n",
                b"entries:\n  podinfo:\n    - &a {version: 1.1.0}\n    - *a\n"
                + b"    - {version: !!float 1e400}\n",
                b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
            ]
        )
    )
    ctype = draw(st.sampled_from(["application/json", "text/html", "application/octet-stream", None]))

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        headers = {k: v for k, v in good.headers.items() if k.lower() != "content-type"}
        return Answer(good.status, body, headers | ({"Content-Type": ctype} if ctype else {}))

    return Fault("type", f"body {body[:30]!r} as {ctype}", make)


@st.composite
def _truncated_fault(draw: st.DrawFn) -> Fault:
    fraction = draw(st.floats(0.0, 0.99))
    promise = draw(st.booleans())

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        body = good.body[: int(len(good.body) * fraction)]
        if promise:  # a Content-Length for the whole, then the connection closed
            return Answer(
                good.status, body, good.headers | {"Content-Length": str(len(good.body))}, close=True
            )
        return Answer(good.status, body, good.headers)

    return Fault("truncated", f"cut at {fraction:.0%}{', length promised' if promise else ''}", make)


_bomb_lock = threading.Lock()
_bomb: list[bytes] = []


def gzip_bomb() -> bytes:
    """512 MiB of zeros, gzipped to about half a megabyte (made once)."""
    with _bomb_lock:
        if not _bomb:
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            zeros = b"\0" * (1 << 20)
            _bomb.append(b"".join([*(z.compress(zeros) for _ in range(512)), z.flush()]))
        return _bomb[0]


@st.composite
def _compressed_fault(draw: st.DrawFn) -> Fault:
    how = draw(
        st.sampled_from(["gzip", "deflate", "br", "zstd", "gzip, gzip", "x-unknown", "bomb", "unlabelled"])
    )

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        if how == "bomb":
            return Answer(good.status, gzip_bomb(), good.headers | {"Content-Encoding": "gzip"})
        if how == "unlabelled":  # compressed and not said so
            return Answer(good.status, gzip.compress(good.body), good.headers)
        return Answer(good.status, good.body, good.headers | {"Content-Encoding": how})

    return Fault("compressed", how, make)


@st.composite
def _oversized_fault(draw: st.DrawFn) -> Fault:
    how = draw(st.sampled_from(["endless", "terabyte promised", "10 MB of JSON"]))

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        if how == "endless":
            return Answer(good.status, good.body[:1] or b" ", good.headers, endless=True)
        if how == "terabyte promised":
            return Answer(good.status, good.body, good.headers | {"Content-Length": str(1 << 40)}, close=True)
        pad = b'{"padding": "' + b"x" * (10 << 20) + b'", "data": ' + (good.body or b"null") + b"}"
        return Answer(good.status, pad, good.headers)

    return Fault("oversized", how, make)


@st.composite
def _slow_fault(draw: st.DrawFn, most: float) -> Fault:
    hang = draw(st.floats(0.0, most))
    drip = draw(st.booleans())

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        if drip:  # the same total, a byte at a time: no single read waits long
            per = hang / max(1, len(good.body))
            return Answer(good.status, good.body, good.headers, drip=min(per, 0.01))
        return Answer(good.status, good.body, good.headers, hang=hang)

    return Fault("slow", f"{'drip' if drip else 'hang'} {hang:.2f}s", make)


@st.composite
def _redirect_fault(draw: st.DrawFn) -> Fault:
    where = draw(
        st.sampled_from(["itself", "another origin", "another scheme", "the secret in its query", "nowhere"])
    )
    status = draw(st.sampled_from([301, 302, 303, 307, 308]))

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        port = urlsplit(ctx.url).port
        target = {
            "itself": seen.path,
            "another origin": f"http://127.0.0.2:{port}{seen.path}",
            "another scheme": f"{'http' if ctx.url.startswith('https') else 'https'}://127.0.0.1:{port}{seen.path}",
            "the secret in its query": f"/elsewhere?token={quote(ctx.secret, safe='')}",
            "nowhere": "",
        }[where]
        return Answer(status, b"", {"Location": target})

    return Fault("redirect", f"{status} to {where}", make)


def _items(doc: Any, n: int) -> Any:
    """``doc`` with its first list (or itself, as a list) grown to ``n`` items."""
    if isinstance(doc, list):
        return (doc or [{}]) * (n // max(1, len(doc)))
    if isinstance(doc, dict):
        for k, v in doc.items():
            if isinstance(v, list):
                return {**doc, k: (v or [{}]) * (n // max(1, len(v)))}
            if isinstance(v, dict):
                return {**doc, k: _items(v, n)}
    return doc


def paging(per_page: int) -> Fault:
    """``per_page`` items a page (from the well-formed answer's first list), and a next page
    said every way a service says it, for ever."""

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        doc = _json(good)
        found = re.search(r"hx-page=(\d+)", seen.path)
        page = int(found.group(1)) + 1 if found else 1
        path = re.sub(r"[?&]hx-page=\d+", "", seen.path)
        nxt = f"{path}{'&' if '?' in path else '?'}hx-page={page}"
        body = _items(doc, per_page) if doc is not None else None
        if isinstance(body, dict):  # the in-body ways of saying "more": Bitbucket, GitHub's
            body = body | {"next": ctx.url + nxt, "isLastPage": False, "nextPageStart": page * per_page}
            body |= {"@odata.nextLink": ctx.url + nxt, "continuationToken": f"t{page}"}
        headers = good.headers | {
            "Link": f'<{ctx.url}{nxt}>; rel="next"',
            "X-Next-Page": str(page + 1),
            "X-Total-Pages": str(10**9),
            "x-ms-continuationtoken": f"t{page}",
        }
        return Answer(good.status, dumps(body) if body is not None else good.body, headers)

    return Fault("paging", f"{per_page} items a page, always a next", make)


@st.composite
def _paging_fault(draw: st.DrawFn) -> Fault:
    return paging(draw(st.sampled_from([1, 100, 10_000])))


@st.composite
def _secret_fault(draw: st.DrawFn) -> Fault:
    form = draw(st.sampled_from(["plain", "base64", "base64url", "url-encoded", "form-encoded", "basic"]))
    status = draw(st.sampled_from([200, 400, 401, 403, 404, 422, 500, 503]))
    where = draw(st.sampled_from(["message", "whole body", "header", "nested", "a field", "a redirect"]))
    pick = draw(st.integers(0, 10**6))

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        forms = secret_forms(ctx.secret, ctx.user or "user")
        echo = forms[form]
        text = f"invalid credential {echo} for {seen.path}"
        if where == "a field":  # the well-formed answer, one of its strings holding the secret
            doc = _json(good)
            strings = [p for p in _paths(doc) if p and isinstance(_at(doc, p), str)]
            if strings:
                doc = _replace(
                    doc, strings[pick % len(strings)], f"{echo} {_at(doc, strings[pick % len(strings)])}"
                )
                return Answer(good.status, dumps(doc), good.headers)
        if where == "a redirect":  # to the same origin, the secret in the path and the query
            return Answer(302, b"", {"Location": f"/echo/{quote(echo, safe='')}?e={quote(echo, safe='')}"})
        if where == "whole body":
            return Answer(status, echo.encode(), {"Content-Type": "text/plain"})
        if where == "header":
            headers = good.headers | {
                "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{echo}"'
            }
            return Answer(status, good.body, headers | {"X-Echo": echo})
        body: Any = {"message": text, "error": text, "errors": [{"code": "DENIED", "message": text}]}
        if where == "nested":
            doc = _json(good)
            body = {**doc, "message": text, "detail": {"token": echo}} if isinstance(doc, dict) else [text]
        return Answer(status, dumps(body), {"Content-Type": "application/json"})

    return Fault("secret", f"{form} in {where}, HTTP {status}", make)


@st.composite
def _status_fault(draw: st.DrawFn) -> Fault:
    status = draw(st.sampled_from([204, 206, 304, 400, 402, 409, 410, 418, 429, 500, 502, 503, 504, 599]))
    after = draw(
        st.sampled_from(
            [None, "1e400", "-5", "NaN", "99999999999999999999", "Wed, 21 Oct 2999 07:28:00 GMT", "0"]
        )
    )

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        headers = {"Content-Type": "application/json"} | ({"Retry-After": after} if after else {})
        return Answer(status, good.body if status < 300 else b'{"message": "no"}', headers)

    return Fault("status", f"HTTP {status}, Retry-After {after}", make)


@st.composite
def _another_fault(draw: st.DrawFn) -> Fault:
    pick = draw(st.integers(0, 100))

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        if not ctx.others:
            return Answer(good.status, b"{}", {"Content-Type": "application/json"})
        body = ctx.others[pick % len(ctx.others)]
        return Answer(200, body, {"Content-Type": "application/json"})

    return Fault("another", f"another route's answer #{pick}", make)


def faults(*, slow: float = 1.0) -> st.SearchStrategy[Fault]:
    """Every kind of hostile answer; ``slow``: the longest a slow one waits, in seconds."""
    return st.one_of(
        _field_fault(False),
        _field_fault(True),
        _type_fault(),
        _truncated_fault(),
        _compressed_fault(),
        _oversized_fault(),
        _slow_fault(slow),
        _redirect_fault(),
        _paging_fault(),
        _secret_fault(),
        _status_fault(),
        _another_fault(),
    )


# -- named answers: the cases a client once met, tried first in every run -------------------


def field_set(path: tuple[str | int, ...], value: Any) -> Fault:
    """The well-formed JSON answer with the field at ``path`` set to ``value``."""

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        doc = _json(good)
        return Answer(good.status, dumps(_replace(doc, path, value)), good.headers)

    return Fault(
        "numbers" if value in HUGE_NUMBERS else "fields", f"{'/'.join(map(str, path))} := {value!r:.40}", make
    )


def another_route(index: int) -> Fault:
    """Another route's well-formed answer (by its index among the others)."""

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        return Answer(200, ctx.others[index % len(ctx.others)], {"Content-Type": "application/json"})

    return Fault("another", f"another route's answer #{index}", make)


def echoing(form: str, status: int = 401) -> Fault:
    """An error echoing the credential it was sent, in ``form`` (a key of :func:`secret_forms`)."""

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        echo = secret_forms(ctx.secret, ctx.user or "user")[form]
        body = {"message": f"invalid credential {echo}", "errors": [{"code": "DENIED", "message": echo}]}
        return Answer(status, dumps(body), {"Content-Type": "application/json"})

    return Fault("secret", f"{form} in message, HTTP {status}", make)


def whole_body(body: bytes, what: str, ctype: str = "text/xml") -> Fault:
    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        return Answer(good.status, body, {"Content-Type": ctype})

    return Fault("type", what, make)


def endless() -> Fault:
    """A 200 whose body never ends (chunked, until the server's own cap)."""

    def make(good: Answer, seen: Seen, ctx: Context) -> Answer:
        return Answer(good.status, good.body[:1] or b" ", good.headers, endless=True)

    return Fault("oversized", "endless", make)
