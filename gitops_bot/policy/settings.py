"""The policy package's settings: which strategy chooses an image's tag, and its options.

``config`` reads them from an image's ``policy:``; this package never imports ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass

POLICIES = ("semver", "regex", "alphabetical", "numerical", "newest", "digest")


@dataclass(frozen=True)
class PolicyConfig:
    strategy: str = "semver"
    range: str | None = None
    prerelease: bool = False
    pattern: str | None = None
    extract: str | None = None
    order: str = "numerical"
    tag: str | None = None
    allow: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    allow_downgrade: bool = False

    def describe(self) -> str:
        if self.strategy == "semver":
            return f"semver {self.range}" if self.range else "semver"
        if self.strategy == "regex":
            return f"regex {self.pattern} ({self.order})"
        if self.strategy == "digest":
            return f"digest of {self.tag}" if self.tag else "digest"
        return self.strategy
