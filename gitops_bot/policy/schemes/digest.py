"""``digest``: one mutable tag (``tag``, else the deployed one) followed by its digest; no
tags are listed or ordered."""

from __future__ import annotations

from gitops_bot.core.model import Choice
from gitops_bot.policy.schemes.base import Ordered


class Digest(Ordered):
    needs_tags = False
    needs_digest = True

    def describe(self) -> str:
        return "the digest a mutable tag points at now"

    def follow(self, current: str | None) -> Choice | None:
        tag = self.config.tag or current
        if not tag:
            return Choice(None, "policy digest needs 'tag' (the mutable tag to follow)")
        return Choice(tag, f"follows the digest of mutable tag {tag!r}")
