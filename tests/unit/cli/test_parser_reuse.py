"""One parser a process: the Action, a fleet and the tests run many commands in one process,
and building the whole grammar for each (every subcommand, ~5 ms) was paid again every call.
Reused, a parse must leave the parser as it found it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gitops_bot import arguments, cli


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many times the grammar is built from here on."""
    calls: list[int] = []

    def counting() -> object:
        calls.append(1)
        return arguments.build_parser()

    monkeypatch.setattr(cli, "build_parser", counting)
    cli.parser.cache_clear()
    yield calls
    cli.parser.cache_clear()


def test_commands_run_in_one_process_build_the_parser_once(built: list[int]) -> None:
    for argv in (["schema"], ["schema"], ["plan", "--no-such-option"]):
        cli.execute(argv)
    assert len(built) == 1


def test_a_parse_leaves_the_parser_as_it_found_it(built: list[int]) -> None:
    for given, bare in (
        (["promote", "staging", "production", "--image", "app", "--image", "worker"], ["promote", "a", "b"]),
        (["plan", "--env", "dev", "--env", "staging", "-vv"], ["plan"]),
    ):
        first, again = cli.parser().parse_args(given), cli.parser().parse_args(bare)
        assert vars(first) != vars(again)
        assert vars(again) == vars(arguments.build_parser().parse_args(bare)), given
