"""An environment's own branch (``branch:``): read where its files live, released there."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

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


NAMES = [
    "env+prod", "release@2", "#7", "é/prod", "x/-y", "@/a", "HEAD/x", "a.b", "v1.lock.d",
    "a.lock", "foo.", ".", "x/.y", "-x", "--upload-pack", "HEAD", "a@{b", "ok/x.lock/y",
    "a\\b", "a:b", "a?b", "a*b", "a[b", "a^b", "x/", "a\tb", "main\n", "a\x7fb",
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_a_branch_name_is_valid_exactly_when_git_says_so(name: str, tmp_path: Path) -> None:
    """git's own rule (``git check-ref-format --branch``), both ways: what it accepts loads
    (init writes a targetRevision as found), what it refuses is one line at load."""
    git = subprocess.run(["git", "check-ref-format", "--branch", name], cwd=tmp_path, capture_output=True)
    text = CONFIG.format(branch=json.dumps(name))
    loads = textwrap.dedent(text).lstrip("\n")
    if git.returncode == 0:
        assert config.parse(loads, "gitops-bot.yaml").environment("test").branch == name
    else:
        with pytest.raises(ConfigError, match="is not a valid branch name"):
            config.parse(loads, "gitops-bot.yaml")
    base = "version: 1\ngit:\n  base: " + json.dumps(name) + "\nimages:\n  - name: example/app\n"
    base += "environments:\n  - name: test\n    path: overlays/test\n"
    if git.returncode == 0:
        assert config.parse(base, "gitops-bot.yaml").git.base == name
    else:
        with pytest.raises(ConfigError, match="is not a valid branch name"):
            config.parse(base, "gitops-bot.yaml")


@pytest.mark.parametrize("name", ["@", "a" * 256])
def test_a_lone_at_and_an_unbounded_name_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="is not a valid branch name"):
        parse(json.dumps(name))
