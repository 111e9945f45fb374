"""CPU per registry request of the HTTP clients the registry client could sit on, against the
real registry process (loopback, sequential, so only the client's cost differs).

- ``gitops-bot``: RegistryClient.resolve_digest (HEAD) over gitops_bot.net's Transport
  (httpcore's connections below its pool + the deadline backend + the session's auth/redirect
  flow + checks);
- ``httpcore``: a bare httpcore.ConnectionPool HEAD (the maintained core the bot sits on: what
  the bot's layers add is the difference);
- ``httpx``: a bare httpx.Client HEAD;
- ``urllib3``: a bare urllib3.PoolManager HEAD (urllib3 2.x, as requests uses it).

    .venv/bin/python bench/http_clients_bench.py --requests 2000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import httpcore
import httpx
import urllib3

from gitops_bot.registry.client import RegistryClient
from gitops_bot.registry.settings import RegistryConfig
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

ACCEPT = "application/vnd.oci.image.manifest.v1+json"


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def timed(label: str, n: int, call: object) -> None:
    assert callable(call)
    call()  # warm: connection, imports
    c0, t0 = cpu(), time.monotonic()
    for _ in range(n):
        call()
    c, t = cpu() - c0, time.monotonic() - t0
    print(f"| {label} | {1000 * c / n:.3f} ms | {1000 * t / n:.3f} ms |")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()
    with RegistryProcess(Path(tempfile.mkdtemp(prefix="gitops-bot-bench-"))) as reg:
        p = Pusher.to(reg.url)
        p.image("bench/app", "1.0.0")
        p.close()
        url = f"{reg.url}/v2/bench/app/manifests/1.0.0"
        print("| client | CPU/request | wall/request |")
        print("| --- | --- | --- |")
        with RegistryClient(RegistryConfig(host=reg.host)) as c:
            timed(
                "gitops-bot (httpcore + net layers)",
                args.requests,
                lambda: c.resolve_digest("bench/app", "1.0.0"),
            )
        with httpcore.ConnectionPool() as core:
            head = [(b"Accept", ACCEPT.encode("ascii"))]
            timed(
                "httpcore.ConnectionPool",
                args.requests,
                lambda: core.request("HEAD", url, headers=head),
            )
        with httpx.Client() as h:
            timed("httpx.Client", args.requests, lambda: h.head(url, headers={"Accept": ACCEPT}))
        pool = urllib3.PoolManager()
        timed(
            "urllib3.PoolManager",
            args.requests,
            lambda: pool.request("HEAD", url, headers={"Accept": ACCEPT}),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
