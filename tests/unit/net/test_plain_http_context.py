"""The context a plain-http route is given (it trusts nothing: no CA is ever loaded for http) is
made when a plain-http route is first built, not when the transport's module is imported: a run
whose registries are all https never uses it, and making one is ~6-10 M instructions of start-up."""

from __future__ import annotations

import json
import subprocess
import sys

from gitops_bot.net import transport

PROBE = r"""
import json, ssl, sys
made = []
class Counted(ssl.SSLContext):
    def __new__(cls, *args, **kwargs):
        made.append(sys._getframe(1).f_code.co_filename)
        return super().__new__(cls, *args, **kwargs)
ssl.SSLContext = Counted
import gitops_bot.net.transport
print(json.dumps([f for f in made if f.endswith("transport.py")]))
"""


def test_importing_the_transport_makes_no_tls_context() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_a_plain_http_route_is_given_the_context_that_trusts_nothing() -> None:
    t = transport.Transport()
    try:
        (pool, *_) = t._route(None, https=False)
        context = pool._ssl_context
        assert context is transport._no_tls()
        assert context.cert_store_stats()["x509_ca"] == 0
    finally:
        t.close()
