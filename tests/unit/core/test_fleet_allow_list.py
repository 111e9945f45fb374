"""One rule decides whether a repository of a fleet may send the operator's variable somewhere
(:func:`gitops_bot.core.secret.may_send`), and every place a repository's config could send
one asks it: a gate's token (:func:`~gitops_bot.core.secret.given`), a forge's default token
(``forges.registry.check_fleet_defaults``), a push-time API's token (``engine.vetting``) and a
variable name the config file writes (``config.reader``). The same allow-list gives the same
verdict at all four, and a different rule would be seen by all four."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from gitops_bot import config
from gitops_bot.config import reader
from gitops_bot.core import secret
from gitops_bot.core.errors import UsageError
from gitops_bot.core.secret import EnvView, may_send
from gitops_bot.engine import app as app_mod
from gitops_bot.engine import vetting
from gitops_bot.forges import registry
from gitops_bot.registry.pool import RegistryPool

NAME = "GITHUB_TOKEN"
TOKEN = "ghp_operators_token_0123456789abcdef"
ATTACKER = "https://attacker.example"
_MINIMAL = "version: 1\nimages: []\nenvironments: []\n"
_PUSH_TIMES = (
    "version: 1\nimages:\n  - name: app\n    repository: mirror.example.com/acme/app\n"
    "environments:\n  - name: dev\n    path: overlays/dev\n"
    f"registries:\n  mirror.example.com:\n    push_time: github\n    push_time_url: {ATTACKER}\n"
)


def _view(allowed: frozenset[str] | None) -> EnvView:
    return EnvView({NAME: TOKEN}, (), allowed)


def _gate(allowed: frozenset[str] | None) -> bool:
    """A web gate's token_env, at a server the repository's config chose."""
    try:
        return secret.given(_view(allowed), NAME, service="web gate g", url=f"{ATTACKER}/check") == TOKEN
    except UsageError:
        return False


def _forge(allowed: frozenset[str] | None) -> bool:
    """GitHub's default token, with ``api_url`` on a host the environment does not name."""
    cfg = config.parse(_MINIMAL + f"github: {{api_url: {ATTACKER}/api/v3}}\n", "gitops-bot.yaml")
    try:
        registry.check_fleet_defaults(cfg, "https://github.com/b/b", _view(allowed))
    except UsageError:
        return False
    return True


def _push_time(allowed: frozenset[str] | None) -> bool:
    """The push-time APIs' token, at an address the repository's config chose."""
    cfg = config.parse(_PUSH_TIMES, "gitops-bot.yaml", path=Path("/nonexistent/gitops-bot.yaml"))
    environ = _view(allowed)
    times = app_mod.App(cfg, RegistryPool(cfg, env=environ), environ=environ).vetting.push_times
    return NAME in times._environ  # type: ignore[attr-defined]


def _config_name(allowed: frozenset[str] | None) -> bool:
    """The variable named in the config file itself."""
    try:
        config.parse(_MINIMAL + f"github: {{token_env: {NAME}}}\n", "gitops-bot.yaml", env_allowed=allowed)
    except UsageError:
        return False
    return True


ENTRY_POINTS: dict[str, Callable[[frozenset[str] | None], bool]] = {
    "gate": _gate,
    "forge": _forge,
    "push time": _push_time,
    "config name": _config_name,
}


@pytest.mark.parametrize(
    ("allowed", "sent"),
    [
        (None, True),  # one repository alone: its environment is its own
        (frozenset(), False),  # a fleet's repository given nothing
        (frozenset({"OTHER_TOKEN"}), False),  # given another variable
        (frozenset({NAME}), True),  # given this one
    ],
)
@pytest.mark.parametrize("where", sorted(ENTRY_POINTS))
def test_the_same_allow_list_gives_the_same_verdict_everywhere(
    where: str, allowed: frozenset[str] | None, sent: bool
) -> None:
    assert may_send(allowed, NAME, ATTACKER) is sent
    assert ENTRY_POINTS[where](allowed) is sent


def test_every_entry_point_asks_the_one_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each module's ``may_send`` is the one in core.secret; replaced by a rule that lets all
    through, the variable nobody was given goes through at all four, each having asked it."""
    users = (secret, registry, vetting, reader)
    assert all(module.may_send is may_send for module in users)
    asked: list[str] = []

    def lenient(
        allowed: frozenset[str] | None, name: str, url: str | None = None, named: Iterable[str | None] = ()
    ) -> bool:
        asked.append(name)
        return True

    for module in users:
        monkeypatch.setattr(module, "may_send", lenient)
    for where, entry_point in sorted(ENTRY_POINTS.items()):
        asked.clear()
        assert entry_point(frozenset()), where
        assert NAME in asked, where


@pytest.mark.parametrize(
    ("allowed", "url", "named", "sent"),
    [
        (None, ATTACKER, (), True),
        (frozenset({NAME}), None, (), True),
        (frozenset(), None, ("https://github.com",), False),  # no address: the listing alone
        (frozenset(), "https://github.com/a/a", ("https://github.com", None), True),  # named for it
        (frozenset(), "https://GitHub.com:443/", ("https://github.com",), True),  # the same origin
        (frozenset(), "http://github.com/", ("https://github.com",), False),  # another scheme
        (frozenset(), "https://github.com:8443/", ("https://github.com",), False),  # another port
        (frozenset(), "ssh://github.com/a/a", ("https://github.com",), False),  # not http(s)
        (frozenset(), ATTACKER, ("https://github.com",), False),
    ],
)
def test_the_rule_names_the_origins_the_environment_gave(
    allowed: frozenset[str] | None, url: str | None, named: tuple[str | None, ...], sent: bool
) -> None:
    assert may_send(allowed, NAME, url, named) is sent
    assert secret.allow_list(EnvView({}, (), allowed)) == allowed
    assert secret.allow_list({NAME: TOKEN}) is None
