"""The trust package's settings: what must sign a digest (``verify:``) and how the bot's own
commits are signed (``git.signing``).

``config`` reads them; this package never imports ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_bot.core.model import SigningMethod
from gitops_bot.core.settings import COMPILES, one_of, setting


@dataclass(frozen=True, slots=True)
class KeyRef:
    """A cosign public key: a PEM file (relative to the config) or an environment variable."""

    file: str | None = None
    env: str | None = None

    @property
    def label(self) -> str:
        return self.file or f"${self.env}"


@dataclass(frozen=True, slots=True)
class KeylessConfig:
    trusted_root: str  # trusted_root.json, relative to the config
    issuer: str
    identity: str | None = None
    identity_regexp: str | None = setting(None, rules=(COMPILES,))


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """What must hold for a digest to be proposed or promoted (see docs/concepts/trust.md)."""

    keys: tuple[KeyRef, ...] = ()  # any one of them
    keyless: KeylessConfig | None = None
    # where it applies; empty: every environment
    environments: tuple[str, ...] = setting((), "Only in these environments (default: all).")


@dataclass(frozen=True, slots=True)
class SigningConfig:
    """How the bot's commits are signed: ``ssh`` or ``gpg`` with a private key from a file or an
    environment variable, or ``github-api`` (GitHub creates and signs the commit)."""

    method: SigningMethod = setting(
        rules=(
            one_of(
                (m.value for m in SigningMethod),
                "git signing method {value!r} must be ssh, gpg or github-api",
            ),
        )
    )
    key_file: str | None = None
    key_env: str | None = None
