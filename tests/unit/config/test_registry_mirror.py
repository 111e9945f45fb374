"""A registry's ``mirror:``: read by the config reader, refused with one line when it names no
registry the bot may read, and resolved by the pool to the mirror's own entry."""

from __future__ import annotations

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from gitops_bot.registry.pool import RegistryPool

HEAD = "version: 1\nimages:\n  - name: ghcr.io/acme/app\nenvironments:\n  - name: dev\n    path: dev\n"


def _parsed(registries: str) -> config.Config:
    return config.parse(HEAD + "registries:\n" + registries, "gitops-bot.yaml")


@pytest.mark.parametrize(
    ("mirror", "said"),
    [
        ("https://mirror.example.com", "must be host\\[:port\\]"),
        ("ghcr.io", "names the registry itself"),
        ("169.254.169.254", "cloud metadata service"),
        ("mirror.example.com/Upper", "must be host\\[:port\\]"),
    ],
)
def test_a_mirror_that_is_no_registry_is_one_line(mirror: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        _parsed(f'  ghcr.io:\n    mirror: "{mirror}"\n')


def test_the_pool_reads_a_mirrored_registry_with_the_mirrors_own_entry() -> None:
    cfg = _parsed(
        '  ghcr.io:\n    mirror: "harbor.example.com/ghcr-proxy"\n    username_env: GHCR_USER\n'
        "    password_env: GHCR_TOKEN\n"
        "  harbor.example.com:\n    username_env: HARBOR_USER\n    password_env: HARBOR_TOKEN\n"
    )
    used = RegistryPool(cfg).registry_config("ghcr.io")
    assert (used.host, used.path, used.username_env) == ("harbor.example.com", "ghcr-proxy", "HARBOR_USER")
    # a registry with no entry of its own is read anonymously at the mirror, never with ghcr.io's
    cfg = _parsed('  ghcr.io:\n    mirror: "127.0.0.1:5000"\n    username_env: U\n    password_env: P\n')
    used = RegistryPool(cfg).registry_config("ghcr.io")
    assert (used.host, used.path, used.username_env) == ("127.0.0.1:5000", "", None)
