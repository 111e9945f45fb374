"""Every ``cosign`` command the project runs (the ``run:`` steps of .github/workflows) or
documents (the fenced shell blocks of README.md, CONTRIBUTING.md and docs/**/*.md, skipped ones
too, and the ``run:`` steps of workflow examples there) names a cosign subcommand and only flags
that subcommand accepts. There is no cosign binary here to ask, so the commands are held to
cosign's own CLI definition, vendored as testkit/specs/cosign-cli.json (its source in
testkit/specs/README.md): a misspelt or dropped flag fails here, not in a release."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from testkit import docs_examples as dx
from testkit.paths import ROOT

SPEC: dict[str, Any] = json.loads((ROOT / "testkit/specs/cosign-cli.json").read_text(encoding="utf-8"))
WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)  # a GitHub expression: one word, whatever is inside
SEPARATORS = set("|&;<>()")
# libyaml's loader: the workflows and the docs' workflow examples are read at collection, by
# every worker; the same documents as pure PyYAML's
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def cosign_lines(script: str) -> list[list[str]]:
    """The ``cosign`` commands of a shell script as argv lists: backslash continuations joined,
    ``$ `` prompts and comments dropped, every command of a line (after ``|``, ``&&``, ``;``)
    looked at, ``VAR=value`` words before the program skipped."""
    out = []
    for line in dx.joined_lines(script):
        line = EXPRESSION.sub("EXPR", line.strip().removeprefix("$ "))
        if "cosign" not in line:
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars="".join(sorted(SEPARATORS)))
        lexer.whitespace_split = True
        lexer.commenters = "#"
        command: list[str] = []
        for word in [*lexer, ";"]:
            if word and set(word) <= SEPARATORS:
                if command and command[0].rsplit("/", 1)[-1] == "cosign":  # also /usr/local/bin/cosign
                    out.append(["cosign", *command[1:]])
                command = []
            elif command or not dx.ASSIGNMENT.match(word):
                command.append(word)
    return out


def problems(argv: list[str]) -> list[str]:
    """What is wrong with one ``cosign ...`` argv against cosign's CLI definition ([]: nothing)."""
    assert argv[0] == "cosign"
    commands: dict[str, list[str]] = SPEC["commands"]
    two = " ".join(argv[1:3])
    sub = two if two in commands else (argv[1] if len(argv) > 1 else "")
    if sub not in commands:
        return [f"unknown cosign subcommand {sub or '(none)'!r} (known: {', '.join(commands)})"]
    longs = set(commands[sub]) | set(SPEC["global_flags"])
    shorts = {**SPEC["global_short_flags"], **SPEC["short_flags"][sub]}
    out = []
    for word in argv[1 + len(sub.split()) :]:
        if word == "--":
            break  # the rest are arguments
        if word.startswith("--"):
            name = word[2:].split("=", 1)[0]
            name = SPEC["aliases"].get(name, name)  # cosign's normalizeCertificateFlags
            if name not in longs:
                out.append(f"cosign {sub} has no flag --{name}")
        elif word.startswith("-") and word != "-" and word[1] not in shorts:
            # -y, -o json, -ojson, -o=json: the letter after the dash names the flag
            out.append(f"cosign {sub} has no short flag -{word[1]}")
    return out


def _from_workflow(doc: Any) -> list[str]:
    jobs = doc.get("jobs") if isinstance(doc, dict) else None
    if not isinstance(jobs, dict):
        return []
    return [
        step["run"]
        for job in jobs.values()
        if isinstance(job, dict)
        for step in job.get("steps") or []
        if isinstance(step, dict) and isinstance(step.get("run"), str)
    ]


def _documented() -> list[Any]:
    found = []
    for path in WORKFLOWS:
        for script in _from_workflow(yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)):
            for argv in cosign_lines(script):
                found.append(
                    pytest.param(argv, id=f"{path.relative_to(ROOT).as_posix()}: {shlex.join(argv)}")
                )
    for block in dx.all_blocks():
        if block.kind is dx.Kind.SHELL:
            scripts = [block.text]
        elif block.kind is dx.Kind.GITHUB_WORKFLOW:
            scripts = _from_workflow(yaml.load(block.text, Loader=_LOADER))
        else:
            continue
        for script in scripts:
            for argv in cosign_lines(script):
                found.append(pytest.param(argv, id=f"{block.where}: {shlex.join(argv)}"))
    return found


DOCUMENTED = _documented()


def test_the_collector_finds_the_release_signing_and_the_install_guides_check() -> None:
    ids = [p.id for p in DOCUMENTED]
    assert any(i.startswith(".github/workflows/release.yml: cosign sign ") for i in ids), ids
    assert any(i.startswith("docs/guides/install.md:") and ": cosign verify " in i for i in ids), ids


@pytest.mark.parametrize("argv", DOCUMENTED)
def test_each_cosign_command_names_a_subcommand_and_only_its_flags(argv: list[str]) -> None:
    assert problems(argv) == []


def test_the_spec_is_cosigns_own_and_covers_what_is_checked() -> None:
    assert SPEC["source"] == "github.com/sigstore/cosign"
    assert re.fullmatch(r"[0-9a-f]{40}", SPEC["commit"]) and SPEC["version"].startswith("v")
    for sub in ("sign", "verify", "attest", "verify-attestation"):
        assert set(SPEC["short_flags"][sub].values()) <= set(SPEC["commands"][sub])
        assert set(SPEC["deprecated"][sub]) <= set(SPEC["commands"][sub])
    assert {"yes", "key", "rekor-url", "oidc-issuer", "registry-username"} <= set(SPEC["commands"]["sign"])
    assert {"certificate-identity-regexp", "certificate-oidc-issuer", "trusted-root"} <= set(
        SPEC["commands"]["verify"]
    )


def test_a_misspelt_flag_or_subcommand_fails(tmp_path: Path) -> None:
    script = (
        'cosign sign --yes "$IMAGE@$DIGEST"\n'
        "cosign sign -y --recursive=true ${{ steps.x.outputs.ref || 'img' }}\n"
        "IMAGE=x cosign verify img \\\n"
        "  --cert-identity=a --certificate-oidc-issuer https://x -o json\n"
        "echo ok && cosign sign --yess img | tee log  # one s too many\n"
        "cosign verify --certificate-identity-regex '^x' img\n"
        "cosign verify -y img\n"
        "cosign sgn img\n"
        "cosign trusted-root create --with-default-services --out root.json\n"
    )
    lines = cosign_lines(script)
    assert [problems(argv) for argv in lines] == [
        [],
        [],
        [],
        ["cosign sign has no flag --yess"],
        ["cosign verify has no flag --certificate-identity-regex"],
        ["cosign verify has no short flag -y"],
        ["unknown cosign subcommand 'sgn' (known: " + ", ".join(SPEC["commands"]) + ")"],
        [],
    ]
    # the same misspelling in a documented shell block is found by the docs collector
    doc = tmp_path / "guide.md"
    doc.write_text(
        "<!-- docs-test: skip because it needs a registry -->\n```sh\ncosign sign --yess img\n```\n"
    )
    (block,) = dx.blocks(doc)
    assert block.kind is dx.Kind.SHELL
    assert [problems(argv) for argv in cosign_lines(block.text)] == [["cosign sign has no flag --yess"]]
