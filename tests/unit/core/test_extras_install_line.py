"""Every message that names an install command names one that works today: an extra's own
requirements (on PyPI whatever gitops-bot came from), never ``pip install 'gitops-bot[aws]'``,
which works only once a release is on the index."""

from __future__ import annotations

import re
import tomllib

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.core.extras import EXTRAS, install_hint
from gitops_bot.registry.cloud.base import extra_missing
from testkit.paths import ROOT


def test_the_extras_table_is_pyprojects() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {k: tuple(declared[k]) for k in EXTRAS} == EXTRAS


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_the_hint_installs_the_extras_requirements(extra: str) -> None:
    hint = install_hint(extra)
    line = re.search(r"pip install ((?:'[^']+' ?)+)", hint)
    assert line, hint
    assert tuple(re.findall(r"'([^']+)'", line.group(1))) == EXTRAS[extra]
    assert "gitops-bot[" not in hint and "container image" in hint


def test_a_missing_cloud_extra_is_a_usage_error_naming_the_line() -> None:
    refused = extra_missing("ecr", "1.dkr.ecr.eu-west-1.amazonaws.com", "aws")
    assert isinstance(refused, UsageError) and refused.exit_code == 2
    assert refused.hint == install_hint("aws")


def test_no_message_in_the_program_names_an_index_release() -> None:
    """A hint built anywhere in the package: no ``gitops-bot[extra]`` install line."""
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "gitops_bot").rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"pip install[^\n]*gitops-bot\[", line)
    ]
    assert found == []
