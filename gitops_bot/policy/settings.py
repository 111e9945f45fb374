"""The policy package's settings: which strategy chooses an image's tag, and its options.

``config`` reads them from an image's ``policy:``; this package never imports ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import assert_never

from gitops_bot.core.model import Strategy, TagOrder

POLICIES = tuple(s.value for s in Strategy)


@dataclass(frozen=True)
class PolicyConfig:
    strategy: Strategy = Strategy.SEMVER
    range: str | None = None
    prerelease: bool = False
    pattern: str | None = None
    extract: str | None = None
    order: TagOrder = TagOrder.NUMERICAL
    tag: str | None = None
    allow: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    allow_downgrade: bool = False
    min_age: timedelta | None = None  # None: not set here (an environment's default applies); 0: off

    def describe(self) -> str:
        match self.strategy:
            case Strategy.SEMVER:
                return f"semver {self.range}" if self.range else "semver"
            case Strategy.REGEX:
                return f"regex {self.pattern} ({self.order})"
            case Strategy.DIGEST:
                return f"digest of {self.tag}" if self.tag else "digest"
            case Strategy.ALPHABETICAL | Strategy.NUMERICAL | Strategy.NEWEST:
                return str(self.strategy)
            case _ as unreachable:
                assert_never(unreachable)
