"""Every subcommand's --help teaches: a description of what it does, every argument explained
(SRC, DST, ENV, IMAGE, --output, --log-format included) and an example that parses; and a
mistake is reported once, under one program name."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import pytest

from gitops_bot.arguments import EXAMPLES, build_parser
from gitops_bot.core.errors import UsageError


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_subcommand_has_a_description_an_example_and_help_on_every_argument() -> None:
    commands = _subcommands()
    assert set(commands) == set(EXAMPLES)
    for name, parser in commands.items():
        assert parser.description, name
        assert parser.epilog and EXAMPLES[name] in parser.epilog, name
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.metavar}"
        text = parser.format_help()
        assert "example:" in text


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_parses(name: str) -> None:
    words = shlex.split(EXAMPLES[name].partition(">")[0])
    assert words[0] == "gitops-bot" and words[1] == name
    ns = build_parser().parse_args(words[1:])
    assert ns.command == name


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["promote"], "promote: the following arguments are required: SRC, DST"),
        (["nosuch"], "argument COMMAND: invalid choice: 'nosuch'"),
    ],
)
def test_a_mistake_names_the_program_once(argv: list[str], said: str) -> None:
    with pytest.raises(UsageError) as caught:
        build_parser().parse_args(argv)
    message = str(caught.value)
    assert message.startswith(said), message
    assert "gitops-bot:" not in message


def test_the_by_hand_table_and_the_cli_reference_name_every_command() -> None:
    root = Path(__file__).resolve().parents[3]
    table = (root / "docs/guides/by-hand.md").read_text()
    reference = (root / "docs/reference/cli.md").read_text()
    for name in EXAMPLES:
        assert f"`gitops-bot {name}" in table or f"/ `{name} " in table, name
        assert f"gitops-bot {name}" in reference, name
