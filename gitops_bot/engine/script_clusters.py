"""What a script applies to a cluster it has just made for the run (``kind create cluster``,
``minikube start``, ``k3d cluster create``): a test cluster, thrown away after it (an acceptance
test matrix installing each Argo CD version on kind), not an environment anyone releases to.
Read in the one pass over the scripts (:mod:`gitops_bot.engine.script_commands`); the paths
kept as written, a variable in them too (``manifests/overlays/${ARGOCD_VERSION}``: each
overlay there)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePosixPath

from gitops_bot.core.record import record

# a command making a cluster on this machine, for the run
_CREATES = re.compile(
    r"\b(?:kind\s+create\s+cluster|minikube\s+start|k3d\s+cluster\s+create|kwokctl\s+create\s+cluster)\b"
)
# a make target's first line (not a variable's ``X := y``): the commands above it are another's
_TARGET = re.compile(r"^[^\s#=:][^=:]*:(?![=:])")
# a variable as written in a path: ${X}, $(X), $X
_VARIABLE = re.compile(r"\$(?:\{[^}]*\}|\([^)]*\)|\w+)")


@record
class Throwaway:
    """A path a script applies after making a cluster for the run, and where."""

    written: str  # the path as the command writes it, a variable in it kept
    file: str
    line: int
    command: str
    created: str  # the cluster's making: its command at file:line


def applied(
    f: str, lines: Sequence[str], paths: Callable[[str], Iterator[tuple[str, str, str]]]
) -> Iterator[Throwaway]:
    """What the commands of one script (``lines``, joined) apply below a command making a
    cluster, in the same make target (a script's or workflow's: to its end); ``paths`` gives
    (path as written, values file, command) of each apply on a line."""
    make = PurePosixPath(f).name.lower() in ("makefile", "gnumakefile") or f.endswith(".mk")
    created = ""
    for number, line in enumerate(lines, 1):
        if make and _TARGET.match(line):
            created = ""
        if line.lstrip().startswith("#"):
            continue
        if (m := _CREATES.search(line)) is not None:
            created = f"{' '.join(m.group(0).split())} at {f}:{number}"
            continue
        if created:
            for written, _, command in paths(line):
                yield Throwaway(written.strip("'\"").removeprefix("./"), f, number, command, created)


def matches(t: Throwaway, path: str) -> bool:
    """Whether ``path`` (a directory or file of the repository) is what ``t`` applies: the same
    path, or one a variable in it stands for (each variable one path segment or part of one),
    from the repository's root or the script's own directory."""
    here = PurePosixPath(t.file).parent.as_posix()
    for base in ("", "" if here == "." else here):
        written = f"{base}/{t.written}" if base else t.written
        parts = _VARIABLE.split(written.rstrip("/"))
        pattern = "[^/]+".join(re.escape(p) for p in parts)
        if re.fullmatch(pattern, path):
            return True
    return False
