"""The registry package's settings: one registry host's connection, TLS, credentials and limits.

``config`` reads them from ``registries:``; this package never imports ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class RegistryConfig:
    host: str
    insecure: bool = False
    tls: bool | None = None  # None: https, except http for loopback without a ca_file
    ca_file: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    # requests in flight to this host: at a real registry's round-trip time (20-80 ms) the bot
    # waits on the network, not the CPU, so throughput is in-flight requests / RTT
    max_concurrency: int = 32
    requests_per_second: float | None = None
    http2: bool = True  # over https, negotiated by ALPN; plain http stays HTTP/1.1
    timeout: float = 30.0


class RegistrySettings(Protocol):
    """What the registry pool needs of a whole configuration (``config.Config`` is one)."""

    @property
    def root(self) -> Path: ...

    def registry(self, host: str) -> RegistryConfig: ...
