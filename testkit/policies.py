"""A tag policy from the keys a config (or a guess) writes for an image, for the policy tests."""

from __future__ import annotations

from gitops_bot.core.model import Strategy, TagOrder
from gitops_bot.policy import Policy
from gitops_bot.policy.settings import PolicyConfig


def policy_of(keys: dict[str, object]) -> Policy:
    """The policy ``keys`` (``policy``, ``range``, ``pattern``, ... as gitops-bot.yaml spells
    them) describe; a key left out takes the config's default."""
    return Policy(
        PolicyConfig(
            strategy=Strategy(str(keys["policy"])),
            range=keys.get("range"),  # type: ignore[arg-type]
            pattern=keys.get("pattern"),  # type: ignore[arg-type]
            extract=keys.get("extract"),  # type: ignore[arg-type]
            order=TagOrder(str(keys.get("order", "numerical"))),
            tag=keys.get("tag"),  # type: ignore[arg-type]
            prerelease=bool(keys.get("prerelease", False)),
            allow=tuple(keys.get("allow", ())),  # type: ignore[arg-type]
        )
    )
