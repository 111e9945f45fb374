"""What each forge declares to a run that talks to it (:class:`ForgeEntry`, one a forge
package, ``forges/<name>/entry.py``): how to connect its adapter, how it compares two
revisions of a source repository, what of a configuration it refuses, and its tokens and the
hosts they may go to. :mod:`gitops_bot.forges.registry` names the entries (with what any run
reads of a forge without talking to it: its names, issue board, merge subjects) and only loops
over them; it imports an entry when a run asks one of these."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, Protocol, cast

from gitops_bot.core.record import record
from gitops_bot.forges.settings import ForgeSettings

if TYPE_CHECKING:
    from gitops_bot.core.secret import Origin, Secret
    from gitops_bot.forges.compare_kit import Ask, Comparison
    from gitops_bot.forges.forge import Forge
    from gitops_bot.net.auth import OriginAuth


def adapter(module: str) -> Any:
    """A forge's adapter module by name, imported when a run connects to that forge (the
    command table's pattern): the entries load when a run talks to a forge, each adapter only
    for its forge."""
    return importlib.import_module(module)


@record
class TokenVariable:
    """An environment variable a forge reads a token from when the config names none, and the
    hosts the operator's environment names for it: before the config is read (the first fetch)
    git sends it only to ``hosts``; in a fleet, a repository its entry does not list it for may
    point the forge only at ``hosts`` and ``api_hosts``."""

    name: str
    git_user: str | None  # git's user name with it; None: not git's alone (an App's key)
    hosts: tuple[str | None, ...]  # git's: the forge's public host(s), the server a CI platform names
    api_hosts: tuple[str | None, ...] = ()  # its API's public host(s), if another host
    # False: a pipeline's own token, which the adapter uses only for the server the pipeline names
    default: bool = True


class SourceApi(Protocol):
    """How a forge answers "what is between two revisions" of a source repository (release
    contents): each forge's ``compare`` module."""

    def compare(self, ask: Ask, /) -> Comparison: ...

    def source_api(self, api_url: str | None, remote: str | None, /) -> tuple[Origin | None, str]:
        """(its web origin, its API URL) from ``forge.api_url`` and the source's remote."""
        ...

    def source_auth(self, api: str, token: str, /) -> OriginAuth:
        """The auth form its API takes for ``token``."""
        ...


@record
class ForgeEntry:
    """What a run that talks to one forge asks of it, each part from that forge's package
    (``forges/<name>/``): how to connect its adapter (imported when called: what an adapter
    brings, GitHub's PyJWT, is paid for only by a run that talks to that forge), how it
    answers "what is between two revisions" of a source repository (release contents: its API
    and web origin, the auth form its API takes, the comparison), and its tokens: the
    variables it reads by default and the hosts they may go to. Its names, issue board and
    merge subjects are its line in :data:`gitops_bot.forges.registry.REGISTERED`."""

    connect: Callable[[ForgeSettings, str, Mapping[str, str]], Forge]  # (config, remote URL, environ)
    # its ``compare`` module by name, imported when release contents ask this forge (the
    # command table's pattern): a run loads the comparison of the one forge it reads, if any
    source: str
    own_source_urls: bool = False  # its source URLs name more than owner/name: compare parses them
    # configuration this forge cannot honour, refused before anything is pushed (a dry run too,
    # so a dry run fails where the real run would): one UsageError line
    check: Callable[[ForgeSettings], None] | None = None
    # its default token variables, each with the hosts the environment names for it
    # (remote URL, environ): the first fetch's credentials and the fleet's rule both read them
    tokens: Callable[[str, Mapping[str, str]], tuple[TokenVariable, ...]] = field(kw_only=True)
    # the host(s) git sends its token to once the config is read (config, remote URL)
    git_hosts: Callable[[ForgeSettings, str], tuple[str | None, ...]] = field(kw_only=True)
    # its API's address as the config has it; None: ``forge.api_url``
    api_url: Callable[[ForgeSettings], str | None] | None = field(default=None, kw_only=True)
    # the variables its adapter reads as the config has them, where the config can rename more
    # than ``forge.token_env`` (GitHub's App key); None: a written token_env, else ``tokens``'
    reads: Callable[[ForgeSettings], tuple[str, ...]] | None = field(default=None, kw_only=True)
    # remote URLs on a host it alone serves beyond those ``remotes.KNOWN_HOSTS`` names (Azure
    # DevOps' {org}.visualstudio.com): the forge a remote is on when the config names none
    serves: Callable[[str], bool] | None = field(default=None, kw_only=True)
    # (token, git user) it makes itself for the first fetch when no token variable is set (a
    # GitHub App's installation token, from its default variables); None: it has none to make
    first_fetch: Callable[[str, Mapping[str, str]], tuple[Secret | None, str] | None] | None = field(
        default=None, kw_only=True
    )

    @property
    def compare(self) -> Callable[[Ask], Comparison]:
        return self._source().compare

    @property
    def source_api(self) -> Callable[[str | None, str | None], tuple[Origin | None, str]]:
        return self._source().source_api

    @property
    def source_auth(self) -> Callable[[str, str], OriginAuth]:
        return self._source().source_auth

    def _source(self) -> SourceApi:
        return cast(SourceApi, importlib.import_module(self.source))
