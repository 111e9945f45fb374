"""One parser a process for each command: the Action, a fleet and the tests run many commands
in one process, and building the whole grammar for each (every subcommand, ~5 ms) was paid
again every call. Reused, a parse must leave the parser as it found it. A run builds the
grammar of the command it was given alone, which parses every word as the whole one does."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

import pytest

from gitops_bot import arguments, cli
from gitops_bot.core.errors import UsageError


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the grammar is built from here on."""
    calls: list[int] = []

    def counting(command: str | None = None) -> object:
        calls.append(1)
        return arguments.build_parser(command)

    monkeypatch.setattr(cli, "build_parser", counting)
    cli.parser.cache_clear()
    yield calls
    cli.parser.cache_clear()


def test_commands_run_in_one_process_build_each_ones_parser_once(built: list[int]) -> None:
    for argv in (["schema"], ["schema"], ["plan", "--no-such-option"], ["plan", "--no-such-option"]):
        cli.execute(argv)
    assert len(built) == 2


# each command's example, a mistake in its options, its missing arguments and its --version
_WORDS = [
    *(shlex.split(example.partition(">")[0])[1:] for example in arguments.EXAMPLES.values()),
    *([name, "--no-such-option"] for name in arguments.EXAMPLES),
    *([name] for name in arguments.EXAMPLES),
    ["plan", "-v", "--output", "yaml"],
]


@pytest.mark.parametrize("words", _WORDS, ids=" ".join)
def test_a_commands_own_grammar_parses_its_words_as_the_whole_grammar_does(words: list[str]) -> None:
    def parsed(parser: object) -> object:
        try:
            return vars(parser.parse_args(words))  # type: ignore[attr-defined]
        except UsageError as e:
            return (str(e), e.hint)

    alone = arguments.build_parser(words[0])
    (sub,) = [a for a in alone._actions if a.dest == "command"]
    assert words[0] in sub.choices  # type: ignore[operator]
    assert parsed(alone) == parsed(arguments.build_parser())


def test_a_parse_leaves_the_parser_as_it_found_it(built: list[int]) -> None:
    for given, bare in (
        (["promote", "staging", "production", "--image", "app", "--image", "worker"], ["promote", "a", "b"]),
        (["plan", "--env", "dev", "--env", "staging", "-vv"], ["plan"]),
    ):
        first, again = cli.parser().parse_args(given), cli.parser().parse_args(bare)
        assert vars(first) != vars(again)
        assert vars(again) == vars(arguments.build_parser().parse_args(bare)), given
