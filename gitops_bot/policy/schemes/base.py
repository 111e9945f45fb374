"""The interface every version scheme implements, and what most of them share."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from gitops_bot.core.model import Choice
from gitops_bot.core.settings import GOREGEXP
from gitops_bot.policy.settings import PolicyConfig

if TYPE_CHECKING:
    from gitops_bot.core.goregexp import Regexp

Ranked = list[tuple[Any, str]]  # (sort key, tag), keys comparable within one scheme


@runtime_checkable
class Scheme(Protocol):
    """How one strategy orders the tags the policy's filters admit.

    ``needs_tags``/``needs_created_time``/``needs_digest`` say what the registry must be
    asked for the choice (argocd-image-updater's ``NeedsMetadata`` idea)."""

    needs_tags: bool
    needs_created_time: bool
    needs_digest: bool

    def describe(self) -> str:
        """One line: which tag this scheme picks."""
        ...

    def follow(self, current: str | None) -> Choice | None:
        """The choice when the scheme follows one tag rather than ordering many (else None)."""
        ...

    def keyer(self, current: str | None) -> Callable[[str], Any]:
        """The sort key of an admitted tag against the deployed ``current`` (None: not a
        candidate); what does not depend on the tag is settled once per call."""
        ...

    def timed(self, ranked: Ranked, created: Mapping[str, datetime] | None) -> Ranked:
        """The ranking the choice is made on, given the tags' created times."""
        ...

    def current_key(self, current: str, created: Mapping[str, datetime] | None) -> Any:
        """The deployed tag's place in the order, ignoring filters (None: it has none)."""
        ...

    def no_match_note(self, current: str | None) -> str:
        """What to add to "no tag matches" about the deployed tag."""
        ...

    def tied(self, a: Any, b: Any) -> str | None:
        """How two keys rank equal where only a tie-break orders them ("was built at the same
        time as"); None where they do not."""
        ...

    def chosen(self, count: str, what: str) -> str:
        """The reason given for the best of ``count`` tags matching ``what``."""
        ...


class Ordered:
    """What the schemes ordering many tags by a key share: tags listed, no times, no digest."""

    needs_tags = True
    needs_created_time = False
    needs_digest = False

    def __init__(self, config: PolicyConfig) -> None:
        self.config = config

    def follow(self, current: str | None) -> Choice | None:
        return None

    def keyer(self, current: str | None) -> Callable[[str], Any]:
        def key(tag: str) -> Any:
            return self.key(tag, current)

        return key

    def key(self, tag: str, current: str | None) -> Any:
        return tag

    def timed(self, ranked: Ranked, created: Mapping[str, datetime] | None) -> Ranked:
        return ranked

    def current_key(self, current: str, created: Mapping[str, datetime] | None) -> Any:
        return self.key(current, current)

    def no_match_note(self, current: str | None) -> str:
        return ""

    def tied(self, a: Any, b: Any) -> str | None:
        return None

    def chosen(self, count: str, what: str) -> str:
        return f"highest of {count} matching {what}"


def extracted(pattern: Regexp | None, extract: str | None, tag: str) -> str | None:
    """The part of ``tag`` that is ordered: what ``extract`` takes of ``pattern``'s match (a
    group's name, or a template as Flux's: ``$ts``), else the whole tag; None when the pattern
    does not match or the group did not take part."""
    return tag if pattern is None else pattern.extract(tag, extract)


def compiled(config: PolicyConfig) -> Regexp | None:
    """The policy's pattern, by the engine every outside pattern is read with."""
    return importlib.import_module(GOREGEXP).compiled(config.pattern) if config.pattern else None
