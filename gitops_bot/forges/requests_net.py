"""``requests`` over :mod:`gitops_bot.net`, for the forge clients built on requests.

PyGithub speaks ``requests``; :class:`NetAdapter` is a requests transport
adapter that sends each request through a :class:`~gitops_bot.net.transport.Transport`, so
their calls get what every other outbound call gets: the proxy variables (``NO_PROXY``
included), the OS trust store plus ``SSL_CERT_FILE`` and a private CA, a total deadline per
exchange (a server dripping bytes cannot stretch it) and an answer streamed and stopped at its
byte cap. It never retries (requests' ``max_retries`` and urllib3's ``Retry`` do not apply):
the forge layer's retry is the only one. Redirects stay requests' business (PyGithub follows
them with requests' own origin rules).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import httpx
import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from gitops_bot.net.limits import TooLarge
from gitops_bot.net.transport import Transport, send

DEADLINE = 30.0  # seconds for one exchange, in all
LIMIT = 8 << 20  # bytes of one answer

# Called before each request is sent, while a paginated listing read by a client library is
# under way (gitops_bot.forges.forge.Listing.read): the client follows "next" links on its own,
# so its requests are where the listing's page and time bounds can be kept.
before_send: ContextVar[Callable[[], None] | None] = ContextVar("before_send", default=None)


class AnswerTooLarge(requests.exceptions.RequestException):
    """The answer passed the byte cap; reading stopped there."""


class DeadlinePassed(requests.exceptions.Timeout):
    """The exchange did not complete within its total deadline."""


class NetAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose ``send`` goes through ``gitops_bot.net`` (subclassing it keeps
    ``build_response`` for tools that hook adapters, such as the ``responses`` test library)."""

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        deadline: float = DEADLINE,
        limit: int = LIMIT,
    ) -> None:
        super().__init__(max_retries=0)
        self.transport = transport or Transport()
        self.deadline = deadline
        self.limit = limit

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        # proxies and verify come from the environment through requests; gitops_bot.net reads
        # the same variables itself, per URL, so they are not needed here
        check = before_send.get()
        if check is not None:
            check()
        total = self.deadline
        if isinstance(timeout, int | float):
            total = min(total, float(timeout))
        body: Any = request.body
        if hasattr(body, "read"):  # a file PyGithub uploads
            body = body.read()
        content = body.encode("utf-8") if isinstance(body, str) else body
        outgoing = httpx.Request(
            request.method or "GET",
            request.url or "",
            headers=list(request.headers.items()),
            content=content,
        )
        try:
            reply = send(self.transport, outgoing, timeout=total, limit=self.limit, raw=False)
        except TooLarge as exc:
            raise AnswerTooLarge(f"the answer is over {exc.limit} bytes", request=request) from None
        except httpx.ConnectTimeout as exc:
            raise requests.exceptions.ConnectTimeout(str(exc), request=request) from None
        except httpx.TimeoutException:
            raise DeadlinePassed(f"no complete answer within {total:g}s", request=request) from None
        except httpx.ProxyError as exc:
            raise requests.exceptions.ProxyError(str(exc), request=request) from None
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                raise requests.exceptions.SSLError(str(exc), request=request) from None
            raise requests.exceptions.ConnectionError(str(exc), request=request) from None
        except httpx.HTTPError as exc:
            raise requests.exceptions.ConnectionError(str(exc), request=request) from None
        return _response(request, reply.status, reply.headers, reply.body, reply.reason)

    def close(self) -> None:
        super().close()
        self.transport.close()


def _response(
    request: requests.PreparedRequest, status: int, headers: list[tuple[str, str]], body: bytes, reason: str
) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    fields: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for k, v in headers:
        if k.lower() in ("content-encoding", "transfer-encoding"):
            continue  # the body is already decoded and whole
        fields[k] = f"{fields[k]}, {v}" if k in fields else v
    r.headers = fields
    r.encoding = get_encoding_from_headers(fields)
    r.reason = reason
    r.url = request.url or ""
    r.request = request
    r.raw = io.BytesIO(body)
    r._content = body
    r._content_consumed = True  # type: ignore[attr-defined]
    return r


def session(
    transport: httpx.BaseTransport | None = None, *, deadline: float = DEADLINE, limit: int = LIMIT
) -> requests.Session:
    """A ``requests.Session`` whose every request goes through :class:`NetAdapter`."""
    s = requests.Session()
    s.trust_env = False  # no .netrc credentials for whatever host; proxies are decided in net
    adapter = NetAdapter(transport, deadline=deadline, limit=limit)
    s.mount("https://", adapter)
    s.mount("http://", adapter)
    return s
