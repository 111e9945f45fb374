"""What each optional extra adds, and the install line a refusal names for it.

A message that names an install command must name one that works wherever this gitops-bot
came from: the package's extra by name (``gitops-bot[aws]``) installs only once a release is on
the index, and never into a clone or a GitHub release's wheel. The extra's own requirements always
install, from PyPI, into whatever environment runs the bot. pyproject.toml declares the
extras; a test holds this table to it."""

from __future__ import annotations

EXTRAS: dict[str, tuple[str, ...]] = {
    "keyless": ("sigstore>=4.0", "sigstore-models>=0.0.6"),
    "aws": ("botocore>=1.34",),
    "gcp": ("google-auth>=2.29",),
    "http2": ("h2>=4,<5",),
}

WHERE_ELSE = "the container image includes it; the Action installs it when its config asks for it"


def install_hint(extra: str) -> str:
    """The fix for a missing ``extra``: the one pip line that adds it to the running environment
    (a clone's venv, a wheel's, a release's), and where it is there already."""
    wanted = " ".join(f"'{r}'" for r in EXTRAS[extra])
    return f"install the {extra!r} extra where gitops-bot runs: pip install {wanted} ({WHERE_ELSE})"
