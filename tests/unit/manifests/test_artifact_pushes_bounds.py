"""A hostile workflow's ``flux push artifact`` steps: read in time linear in the file, whatever
it writes (60,000 steps, a variable naming itself a thousand times, twenty unknowns in one name),
and still matched to the OCIRepository they push."""

from __future__ import annotations

import time

import yaml

from gitops_bot.manifests.artifact_pushes import MAX_PUSHES, pushed_as, pushes_in

# Not a speed test: each case below was quadratic or worse (minutes to centuries), so a bound
# this loose catches only that, never a loaded machine.
BOUNDED = 60

HEAD = "jobs:\n  publish:\n    steps:\n      - run: |\n"


def _read(text: str) -> list[object]:
    return pushes_in(text, lambda: list(yaml.safe_load_all(text)), "w.yml")


def test_a_workflow_of_thousands_of_pushes_reads_the_first_ones_with_their_lines() -> None:
    """Each step's line was counted from the file's start: a 4 MB workflow (61,678 steps) took
    300 s, and every one of its steps was kept."""
    step = "          flux push artifact oci://ghcr.io/acme/app-{n}:1 --path=./deploy\n"
    text = HEAD + "".join(step.format(n=n) for n in range(5000))
    started = time.monotonic()
    capped: list[str] = []
    found = pushes_in(text, lambda: [], "w.yml", capped)
    assert time.monotonic() - started < BOUNDED
    assert len(found) == MAX_PUSHES
    # the steps left unread are said, never silently no one's
    assert capped == [
        f"w.yml: the bot reads the first {MAX_PUSHES} flux push artifact steps of one workflow; an "
        "OCIRepository a later one pushes is not read as this repository's directory"
    ]
    last = found[-1]
    assert last.by == f"w.yml:{4 + MAX_PUSHES}", last  # the lines still counted right
    assert pushed_as(f"oci://ghcr.io/acme/app-{MAX_PUSHES - 1}:1", found) is last


def test_a_name_of_many_unknowns_is_matched_without_trying_every_split() -> None:
    """``[^/]+-[^/]+-…`` tried every way to split a name it did not match: ten unknowns against a
    60-character name were 1.4 s, fourteen 12.7 s, twenty against 80 characters hours."""
    unknowns = "-".join(f"${{{{ matrix.part{n} }}}}" for n in range(20))
    found = _read(f"{HEAD}          flux push artifact oci://ghcr.io/acme/{unknowns}:1 --path=./deploy\n")
    started = time.monotonic()
    assert pushed_as("oci://ghcr.io/acme/" + "a-" * 40 + "/x", found) is None
    assert time.monotonic() - started < BOUNDED
    # still the name it was: twenty parts, each one or more characters
    assert pushed_as("oci://ghcr.io/acme/" + "-".join("ab" for _ in range(20)), found) is not None
    assert pushed_as("oci://ghcr.io/acme/" + "-".join("ab" for _ in range(19)), found) is None


def test_a_variable_naming_itself_is_left_unknown_once_the_reference_outgrows_a_name() -> None:
    """Each round of putting variables in multiplied ``A: $A$A…`` a thousandfold: three rounds of
    a 2 kB value were gigabytes."""
    text = f"env:\n  A: '{'$A' * 1000}'\n{HEAD}          flux push artifact oci://ghcr.io/acme/$A:1 --path=./deploy\n"
    started = time.monotonic()
    (push,) = _read(text)
    assert time.monotonic() - started < BOUNDED
    assert len(push.url.pattern) < 100, push.url.pattern
    assert pushed_as("oci://ghcr.io/acme/anything:1", [push]) is push
