"""Every command and configuration example in README.md, CONTRIBUTING.md and docs/**/*.md runs, so a documented
form cannot stop working unnoticed: gitops-bot.yaml examples are read by the real config reader,
repositories files by the fleet reader, marker examples by the manifest reader, pipelines'
gitops-bot lines and every shell line by the real argument parser, and the commands aimed at the
bundled example run against it (its registry, git remote and GitHub API from testkit.demo).
The conventions (skip markers, fragments) are in docs/development/docs-examples.md."""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot import config
from gitops_bot.arguments import build_parser
from gitops_bot.cli import main
from gitops_bot.commands import fleet
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.extras import EXTRAS
from gitops_bot.manifests import images, markers
from testkit import docs_examples as dx
from testkit.demo import Stage, stage

BLOCKS = dx.all_blocks()
RUN = [b for b in BLOCKS if b.skip_reason is None]


def _of(*kinds: dx.Kind) -> list[Any]:
    return [pytest.param(b, id=b.where) for b in RUN if b.kind in kinds]


FILL = {
    "images": "images:\n  - name: example/app\n    repository: ghcr.io/acme/app\n",
    "environments": "environments:\n"
    + "".join(f"  - name: {n}\n    path: overlays/{n}\n" for n in ("dev", "staging", "production")),
}


def test_the_collector_finds_the_examples_and_every_skip_says_why() -> None:
    """Sanity of the collector itself, and the skip rule: a skip without a reason fails."""
    assert dx.ROOT / "README.md" in dx.documents()
    kinds = {b.kind for b in RUN}
    assert {dx.Kind.CONFIG, dx.Kind.SHELL, dx.Kind.GITHUB_WORKFLOW, dx.Kind.FLEET} <= kinds
    skipped = [b for b in BLOCKS if b.skip_reason is not None]
    assert [b.where for b in skipped if not b.skip_reason] == [], "give each docs-test skip a reason"
    unknown = [b.where for b in BLOCKS if b.marker not in (None, "fragment") and b.skip_reason is None]
    assert unknown == [], "unknown docs-test marker (use 'skip because ...' or 'fragment')"
    print(f"{len(RUN)} examples run, {len(skipped)} skipped with a reason")


def test_the_collector_reads_markers_fragments_and_continuations(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "<!-- docs-test: skip because it needs a cluster -->\n```sh\nkubectl apply -k .\n```\n\n"
        "<!-- docs-test: skip -->\n```yaml\na: 1\n```\n<!-- docs-test: fragment -->\n"
        "```yaml\ngit:\n  signoff: true\n```\n```sh\n$ gitops-bot plan \\\n  --repo . | head  # first lines\n```\n"
    )
    a, b, c, d = dx.blocks(doc)
    assert a.skip_reason == "it needs a cluster" and b.skip_reason == "" and c.skip_reason is None
    assert c.kind is dx.Kind.CONFIG and d.kind is dx.Kind.SHELL
    assert dx.commands(d.text) == [["gitops-bot", "plan", "--repo", "."]]
    assert dx.gitops_bot_args(
        ["docker", "run", "-e", "T", "-v", "gitops-bot-cache:/c", "gitops-bot", "watch"]
    ) == ["watch"]


def _filled(text: str) -> str:
    doc = yaml.safe_load(text) or {}
    return text + "".join(v for k, v in FILL.items() if k not in doc)


@pytest.mark.parametrize("block", _of(dx.Kind.CONFIG))
def test_config_examples_are_read_by_the_real_reader(block: dx.Block) -> None:
    try:
        config.parse(_filled(block.text), block.where)
    except GitOpsBotError as e:
        pytest.fail(f"{block.where}: the documented configuration is refused: {e}")


@pytest.mark.parametrize("block", _of(dx.Kind.FLEET))
def test_repositories_examples_are_read_by_the_fleet_reader(block: dx.Block, tmp_path: Path) -> None:
    path = tmp_path / "repositories.yaml"
    path.write_text(block.text)
    assert fleet.load(path).repositories


@pytest.mark.parametrize("block", _of(dx.Kind.MANIFEST))
def test_marker_examples_are_found_by_the_manifest_reader(block: dx.Block) -> None:
    """Each marker comment of the example names a site the editor reads."""
    names = set()
    for m in re.finditer(r"#\s*(\{.*\})\s*$", block.text, re.M):
        parsed = markers.parse(m.group(1))
        assert parsed is not None, f"{block.where}: marker {m.group(1)} is not read as one"
        names.update(parsed[0])
    specs = [images.ImageSpec(name) for name in sorted(names)]
    sites = images.read(block.text, "example.yaml", specs, strict=False)
    assert sites and {s.kind for s in sites} == {"marker"}


def _parse(args: list[str], where: str) -> None:
    try:
        build_parser().parse_args(args)
    except GitOpsBotError as e:
        pytest.fail(f"{where}: gitops-bot {' '.join(args)}: {e}")
    except SystemExit as e:  # --version, --help: the parser answers and stops
        assert e.code == 0, f"{where}: gitops-bot {' '.join(args)}: exit {e.code}"


def _expand(line: str) -> list[str]:
    """A pipeline's command line as argv: ${{ expressions }} and $VARIABLES stand for values."""
    line = re.sub(r"\$\{\{[^}]*\}\}", "1", line)
    (argv, *_) = dx.commands(line)
    return argv


@pytest.mark.parametrize("block", _of(dx.Kind.GITHUB_WORKFLOW, dx.Kind.GITLAB_CI, dx.Kind.YAML))
def test_pipeline_examples_parse_and_their_commands_are_accepted(block: dx.Block) -> None:
    doc = yaml.safe_load(block.text)
    assert doc is not None
    for line in dx.scripts_in(block.text):
        args = dx.gitops_bot_args(_expand(line))
        assert args is not None
        _parse(args, block.where)
    if block.kind is dx.Kind.GITHUB_WORKFLOW:
        inputs = set(yaml.safe_load((dx.ROOT / "action.yml").read_text())["inputs"])
        for job in doc["jobs"].values():
            for step in job.get("steps", []):
                if "gitops-bot" in str(step.get("uses", "")) or step.get("uses") == "./":
                    assert set(step.get("with", {})) <= inputs, f"{block.where}: unknown action input"


def _shell_lines() -> Iterator[Any]:
    for b in RUN:
        if b.kind is dx.Kind.SHELL:
            for i, argv in enumerate(dx.commands(b.text)):
                yield pytest.param(b, argv, id=f"{b.where}#{i + 1}")


# The dev extra's tools a contributor runs (CONTRIBUTING.md), with the subcommands documented;
# the paths after the subcommand must exist.
DEV_TOOLS: dict[str, set[str]] = {
    ".venv/bin/ruff": {"check", "format"},
    ".venv/bin/mypy": set(),
    ".venv/bin/mkdocs": {"build", "serve"},
}


@pytest.mark.parametrize(("block", "argv"), list(_shell_lines()))
def test_shell_lines_name_real_commands_and_files(block: dx.Block, argv: list[str]) -> None:
    """gitops-bot lines are accepted by the argument parser; the scripts, benchmarks and
    Dockerfile other lines name exist; inline Python compiles; the dev tools are installed and
    the paths given to them exist."""
    args = dx.gitops_bot_args(argv)
    if args is not None:
        _parse(args, block.where)
        return
    program, *rest = argv
    if program in ("bash", "sh", ".venv/bin/python", "python", "python3") and rest[:2] != ["-m", "venv"]:
        if rest[:1] == ["-c"]:
            compile(rest[1], block.where, "exec")
        else:
            assert (dx.ROOT / rest[0]).is_file(), f"{block.where}: {rest[0]} does not exist"
    elif program in (".venv/bin/pytest", "pytest"):
        for arg in rest:
            if arg.endswith(".py"):
                assert (dx.ROOT / arg).is_file(), f"{block.where}: {arg} does not exist"
    elif program == "scripts/play":  # the playground's verbs (docs/guides/tutorial.md)
        from testkit import play

        verb = play.parser().parse_args(rest)
        if verb.verb == "bot":
            _parse(verb.args, block.where)
    elif argv[:2] == ["docker", "build"]:
        assert (dx.ROOT / "Dockerfile").is_file()
    elif program == "uv":  # the install from a checkout, as the Action and the container make it
        assert rest[:2] in (["pip", "install"], ["build", "--wheel"]), f"{block.where}: uv {rest[:2]}?"
        named = [b for a, b in itertools.pairwise(rest) if a in ("-r", "--build-constraints")]
        for path in named:
            assert (dx.ROOT / path).is_file(), f"{block.where}: {path} does not exist"
        if rest[:2] == ["pip", "install"]:
            _installs_today(rest[2:], block.where)
    elif program in ("pip", "pip3", ".venv/bin/pip") and rest[:1] == ["wheel"]:
        # a wheel built from this checkout, to install elsewhere by its path
        built = [
            b for a, b in itertools.pairwise(rest) if not b.startswith("-") and a not in ("-w", "--wheel-dir")
        ]
        assert built == ["."], f"{block.where}: pip wheel {built}: build this checkout ('.')"
    elif program in ("pip", "pip3", ".venv/bin/pip"):
        assert rest[:1] == ["install"], f"{block.where}: pip {rest[:1]}?"
        _installs_today(rest[1:], block.where)
    elif program == "cd" or argv[:2] == ["git", "clone"] or rest[:2] == ["-m", "venv"]:
        pass  # the steps of an install from a clone: a venv, the clone, into it
    elif program in DEV_TOOLS:
        assert (dx.ROOT / program).is_file(), f"{block.where}: {program} is not in the dev extra"
        words = [a for a in rest if not a.startswith("-")]
        subcommands = DEV_TOOLS[program]
        if subcommands:
            assert words[:1] and words[0] in subcommands, f"{block.where}: {program} {words[:1]}?"
            words = words[1:]
        for path in words:
            assert (dx.ROOT / path).exists(), f"{block.where}: {path} does not exist"
    else:
        pytest.fail(
            f"{block.where}: {program}: not a command this test knows; mark the block "
            "<!-- docs-test: skip because ... --> or teach tests/e2e/test_docs_examples.py"
        )


def _installs_today(args: list[str], where: str) -> None:
    """An install line that works before any release is on an index: this checkout (``.``,
    with extras it declares), a lock of it (``-r``), the wheel built from it, or an extra's own
    requirements as pyproject.toml declares them. ``gitops-bot`` from an index belongs in a
    block marked ``skip because it needs a release``."""
    declared = tomllib.loads((dx.ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    requirements = {r for extra in EXTRAS for r in declared[extra]}  # the extras a refusal names
    after = ("-r", "--requirement", "--python")
    for before, arg in zip(["", *args], args, strict=False):
        if arg.startswith("-") or before in after:
            if before in ("-r", "--requirement"):
                assert (dx.ROOT / arg).is_file(), f"{where}: {arg} does not exist"
            continue
        source = tomllib.loads((dx.ROOT / "pyproject.toml").read_text())["project"]["urls"]["Source"]
        if arg.startswith(f"git+{source}.git@"):  # pip clones the repository itself
            continue
        target, _, extras = arg.partition("[")
        if target in (".", "./") or re.fullmatch(r"dist/gitops_bot-\*\.whl", target):
            wanted = set(filter(None, extras.rstrip("]").split(",")))
            assert wanted <= set(declared), f"{where}: {arg}: no such extra"
        else:
            assert arg in requirements, (
                f"{where}: pip install {arg}: not installable before a release (a clone's '.', a lock, the "
                "built wheel, or an extra's requirement); mark the block <!-- docs-test: skip because it "
                "needs a release -->"
            )


def test_an_install_line_that_needs_a_release_fails_outside_a_skipped_block() -> None:
    for works in (
        ["."],
        [".[aws,gcp]"],
        ["-r", "requirements.lock"],
        ["botocore>=1.34"],
        ["dist/gitops_bot-*.whl"],
    ):
        _installs_today(works, "here")
    for needs_a_release in (["gitops-bot"], ["gitops-bot[aws]"], [".[nosuch]"], ["-r", "no/such.lock"]):
        with pytest.raises(AssertionError):
            _installs_today(needs_a_release, "here")


def test_the_install_guide_works_from_what_a_reader_has_today() -> None:
    """Before any release, each way the install guide gives works from what its reader holds:
    the clone (``pip install .``), a wheel built from it or downloaded from a release page (a
    file, installed by its path), the image built from it. None goes through an address of the
    project's own that may not exist (an example owner's clone URL, release page or image):
    those belong in a block marked as needing a release."""
    guide = dx.ROOT / "docs/guides/install.md"
    lines = [
        " ".join(argv)
        for b in RUN
        if b.file == guide and b.kind is dx.Kind.SHELL
        for line in b.text.replace("\\\n", " ").splitlines()
        for argv in dx.commands(line)
    ]
    assert [line for line in lines if "acme/" in line] == []
    forms = {
        "the clone": ".venv/bin/pip install .",
        "a wheel built from the clone": "pip install dist/gitops_bot-",
        "the image built from the clone": "docker build -t gitops-bot .",
    }
    assert [name for name, form in forms.items() if not any(form in line for line in lines)] == []


def _runnable() -> list[Any]:
    """gitops-bot lines that can run here: aimed at the bundled example, or needing no repository."""
    out = []
    for b in RUN:
        if b.kind is not dx.Kind.SHELL:
            continue
        for line in b.text.replace("\\\n", " ").splitlines():
            found = dx.commands(line)
            args = dx.gitops_bot_args(found[0]) if found else None
            if args is None:
                continue
            repos = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--repo"]
            if (repos and all(r == "manifests-example" for r in repos)) or args[:1] == ["schema"]:
                env = dx.assignments(line)
                out.append(pytest.param(args, env, id=f"{b.where} {' '.join(args)}"))
    return out


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with stage(tmp_path_factory.mktemp("example")) as st:
        yield st


@pytest.mark.parametrize(("args", "env"), _runnable())
def test_commands_aimed_at_the_example_run(
    args: list[str],
    env: dict[str, str],
    example: Stage,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As documented: its VAR=value words set (a relative path is from the checkout's root)."""
    for key, value in example.env.items():
        monkeypatch.setenv(key, value)
    for key, value in env.items():
        monkeypatch.setenv(key, str(dx.ROOT / value) if value.startswith(".") else value)
    argv = [str(example.repo) if a == "manifests-example" else a for a in args]
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.strip()
    if args[:1] == ["schema"]:
        assert json.loads(out)["$schema"]


def test_every_command_aimed_at_the_example_is_run() -> None:
    """The README's quick start runs for real (not only parsed)."""
    assert any("plan" in p.values[0] for p in _runnable())
