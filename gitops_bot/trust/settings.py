"""The trust package's settings: what must sign a digest (``verify:``) and how the bot's own
commits are signed (``git.signing``).

``config`` reads them; this package never imports ``config``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_bot.core.model import SigningMethod


@dataclass(frozen=True)
class KeyRef:
    """A cosign public key: a PEM file (relative to the config) or an environment variable."""

    file: str | None = None
    env: str | None = None

    @property
    def label(self) -> str:
        return self.file or f"${self.env}"


@dataclass(frozen=True)
class KeylessConfig:
    trusted_root: str  # trusted_root.json, relative to the config
    issuer: str
    identity: str | None = None
    identity_regexp: str | None = None


@dataclass(frozen=True)
class VerifyConfig:
    """What must hold for a digest to be proposed or promoted (see docs/concepts/trust.md)."""

    keys: tuple[KeyRef, ...] = ()  # any one of them
    keyless: KeylessConfig | None = None
    environments: tuple[str, ...] = ()  # where it applies; empty: every environment


@dataclass(frozen=True)
class SigningConfig:
    """How the bot's commits are signed: ``ssh`` or ``gpg`` with a private key from a file or an
    environment variable, or ``github-api`` (GitHub creates and signs the commit)."""

    method: SigningMethod
    key_file: str | None = None
    key_env: str | None = None
