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
    max_concurrency: int = 8
    requests_per_second: float | None = None
    timeout: float = 30.0


class RegistrySettings(Protocol):
    """What the registry pool needs of a whole configuration (``config.Config`` is one)."""

    @property
    def root(self) -> Path: ...

    def registry(self, host: str) -> RegistryConfig: ...
