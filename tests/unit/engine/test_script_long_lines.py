"""A repository's script as a hostile one writes it: one line of a quarter megabyte (the most
of a script read) repeating the start of a command whose end never comes (``docker build``
without a tag, ``kustomize build`` piped to no apply). Each command's reader went from every
start to the line's end again: minutes of one core for one script (20,000 `docker build`:
~150 s; 16,000 `kustomize build`: ~270 s). Read in one pass, what the line does say is read
as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine import script_commands
from gitops_bot.engine.repository_files import RepoFiles
from testkit.local_git import write

KUSTOMIZATION = "resources: [d.yaml]\n"


@pytest.mark.timeout(30)  # minutes before, a fraction of a second now
@pytest.mark.parametrize(
    ("line", "applied", "built"),
    [
        ("docker build " * 19_000, [], []),
        ("kustomize build " * 15_000 + "| cat", [], []),
        (
            "docker build " * 9_000 + "-t ghcr.io/acme/app:1 . ; " + "docker build " * 9_000,
            [],
            ["ghcr.io/acme/app"],
        ),
        (
            "kustomize build " * 7_000 + "| cat; kustomize build overlays/prod | kubectl apply -f -",
            ["overlays/prod"],
            [],
        ),
    ],
)
def test_a_line_repeating_an_unended_command_is_read_in_one_pass(
    tmp_path: Path, line: str, applied: list[str], built: list[str]
) -> None:
    assert len(line) <= script_commands.MAX_SCRIPT
    root = write(
        tmp_path, {"deploy.sh": f"#!/bin/sh\n{line}\n", "overlays/prod/kustomization.yaml": KUSTOMIZATION}
    )
    got = script_commands.read(RepoFiles(root))
    assert [a.path for a in got.applied] == applied
    assert [b.image for b in got.built] == built


def test_the_commands_a_line_holds_are_read_as_before() -> None:
    line = (
        "docker build --build-arg A=1 -t ghcr.io/acme/a:1 . && kind load docker-image ghcr.io/acme/b:2"
        " && docker build . --tag=ghcr.io/acme/c && docker buildx x; podman build -t d ."
    )
    assert [n for n, _ in script_commands._built(line)] == [
        "ghcr.io/acme/a",
        "ghcr.io/acme/b",
        "ghcr.io/acme/c",
        "d",
    ]
    piped = "kubectl kustomize overlays/a | kubectl apply -f - ; kustomize build overlays/b | oc create -f -"
    assert [p for p, _, _ in script_commands._paths(piped)][:2] == ["overlays/a", "overlays/b"]
    assert [p for p, _, _ in script_commands._paths("kustomize buildx overlays/a | kubectl apply -f -")] == [
        "-"
    ]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("line", "packaged", "edited"),
    [
        ("helm package c " * 17_000 + "--app-version 1", ["c"], []),
        ("sed -i " * 30_000 + "image c/Chart.yaml", [], ["c/Chart.yaml"]),
        ("${{ " * 60_000 + "helm package c --app-version 1", ["c"], []),
    ],
)
def test_a_line_repeating_an_edit_or_a_packaging_is_read_in_one_pass(
    tmp_path: Path, line: str, packaged: list[str], edited: list[str]
) -> None:
    """The second writers' and the packagings' readers meet such a line in a script that pushes."""
    assert len(line) <= script_commands.MAX_SCRIPT
    files = {"release.sh": f"#!/bin/sh\n{line}\ngit push\n", "c/Chart.yaml": "apiVersion: v2\nname: c\n"}
    got = script_commands.read(RepoFiles(write(tmp_path, files)))
    assert [p.path for p in got.packaged] == packaged and all(p.line == 2 for p in got.packaged)
    assert [e.path for e in got.edited] == edited and all(e.line == 2 for e in got.edited)
