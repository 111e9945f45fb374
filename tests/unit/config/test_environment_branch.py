"""An environment's own branch (``branch:``): read where its files live, released there."""

from __future__ import annotations

import textwrap

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError

CONFIG = """
version: 1
images:
  - name: example/app
environments:
  - name: test
    path: overlays/test
    branch: {branch}
  - name: production
    path: overlays/production
    promote_from: test
"""


def parse(branch: str) -> config.Config:
    return config.parse(textwrap.dedent(CONFIG.format(branch=branch)).lstrip("\n"), "gitops-bot.yaml")


@pytest.mark.parametrize("branch", ["test", "env/test", "release-1.2", "envs/prod_eu"])
def test_an_environment_names_its_branch(branch: str) -> None:
    cfg = parse(branch)
    assert cfg.environment("test").branch == branch
    assert cfg.environment("production").branch is None  # the base branch


@pytest.mark.parametrize("branch", ["bad..name", "/test", "test/", "a//b", "'with space'", "'~x'"])
def test_a_branch_name_git_refuses_is_refused_naming_the_environment(branch: str) -> None:
    with pytest.raises(
        ConfigError, match=r"gitops-bot.yaml:7: 'branch' .* of environment 'test' is not a valid"
    ):
        parse(branch)


def test_a_branch_inside_the_bots_own_prefix_is_refused() -> None:
    """The bot's branches (gitops-bot/...) are made, moved and deleted by it: an environment's
    files cannot live there."""
    with pytest.raises(
        ConfigError, match="'branch' 'gitops-bot/test' of environment 'test' is one of the bot's"
    ):
        parse("gitops-bot/test")
