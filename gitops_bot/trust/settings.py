"""The trust package's settings: what must sign a digest (``verify:``) and how the bot's own
commits are signed (``git.signing``).

``config`` reads them; this package never imports ``config``.
"""

from __future__ import annotations

from gitops_bot.core.model import SigningMethod
from gitops_bot.core.record import record
from gitops_bot.core.settings import COMPILES, one_of, setting


@record
class KeyRef:
    """A cosign public key: a PEM file (relative to the config) or an environment variable."""

    file: str | None = setting(None, "A cosign public key's PEM file, relative to gitops-bot.yaml.")
    env: str | None = setting(None, "The variable holding a cosign public key's PEM.")

    @property
    def label(self) -> str:
        return self.file or f"${self.env}"


@record
class KeylessConfig:
    trusted_root: str = setting(
        description="Sigstore's trusted_root.json (Fulcio, Rekor, CT logs), relative to gitops-bot.yaml: "
        "signatures are checked offline against it."
    )
    issuer: str = setting(
        description="The OIDC issuer of the signing identity, e.g. "
        "https://token.actions.githubusercontent.com."
    )
    identity: str | None = setting(
        None, "The certificate's exact identity (a workflow's URL, an e-mail address)."
    )
    identity_regexp: str | None = setting(
        None, "A regular expression the certificate's identity must match in full.", rules=(COMPILES,)
    )


@record
class VerifyConfig:
    """What must hold for a digest to be proposed or promoted (see docs/concepts/trust.md)."""

    keys: tuple[KeyRef, ...] = setting((), "cosign public keys: a signature by any one of them passes.")
    keyless: KeylessConfig | None = setting(
        None, "Keyless Sigstore signatures: the issuer and identity that must have signed."
    )
    # where it applies; empty: every environment
    environments: tuple[str, ...] = setting((), "Only in these environments (default: all).")


@record
class SigningConfig:
    """How the bot's commits are signed: ``ssh`` or ``gpg`` with a private key from a file or an
    environment variable, or ``github-api`` (GitHub creates and signs the commit)."""

    method: SigningMethod = setting(
        description="ssh or gpg (signed here with the key), or github-api (GitHub creates and signs "
        "the commit; no key).",
        rules=(
            one_of(
                (m.value for m in SigningMethod),
                "git signing method {value!r} must be ssh, gpg or github-api",
            ),
        ),
    )
    key_file: str | None = setting(None, "ssh and gpg: the private key's file, relative to gitops-bot.yaml.")
    key_env: str | None = setting(None, "ssh and gpg: the variable holding the private key.")
