"""The command and configuration examples of ``README.md``, ``CONTRIBUTING.md`` and every
``docs/**/*.md``, found and classified so ``tests/e2e/test_docs_examples.py`` can run each one
(docs/development/docs-examples.md).

A small collector of our own rather than a docs-test library: the examples are not Python
sessions but gitops-bot configuration files, GitHub/GitLab pipelines and shell lines, and what
"runs" means differs per kind (read by the real config reader, parsed by the real argument
parser, run against the bundled example); the rules fit in one file that says them plainly.

A fenced block right after ``<!-- docs-test: skip because REASON -->`` is not run; the reason
is required. ``<!-- docs-test: fragment -->`` marks a YAML block that is a piece of
gitops-bot.yaml whose missing sections (images, environments) the test fills in.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"<!--\s*docs-test:\s*(?P<body>.*?)\s*-->", re.S)
SHELL = {"sh", "bash", "shell", "console", "shell-session"}
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


class Kind(StrEnum):
    CONFIG = "config"  # gitops-bot.yaml, whole or a section of it
    FLEET = "fleet"  # repositories.yaml of `update --repositories`
    GITHUB_WORKFLOW = "github-workflow"
    GITLAB_CI = "gitlab-ci"
    MANIFEST = "manifest"  # a manifest or values file with gitops-bot / Flux marker comments
    YAML = "yaml"  # other YAML (a workflow fragment, a Kubernetes manifest): must parse
    SHELL = "shell"
    OTHER = "other"  # output samples, diagrams, JSON documents: not an example to run


@dataclass(frozen=True)
class Block:
    file: Path
    line: int  # the line of the opening fence, 1-based
    info: str
    text: str
    marker: str | None  # the docs-test marker right before the block, if any

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def skip_reason(self) -> str | None:
        """The reason of a skip marker ("" for a skip that gives none); None: not skipped."""
        if self.marker is None or not self.marker.startswith("skip"):
            return None
        m = re.fullmatch(r"skip(?:\s+because\s+(?P<why>.+))?", self.marker, re.S)
        return (m.group("why") or "").strip() if m else ""

    @functools.cached_property  # asked by several test modules at collection, a parse each time
    def kind(self) -> Kind:
        lang = self.info.split()[0].lower() if self.info.split() else ""
        if lang in SHELL:
            return Kind.SHELL
        if lang not in ("yaml", "yml"):
            return Kind.OTHER
        doc = _load(self.text)
        head = self.text.lstrip().splitlines()[0] if self.text.strip() else ""
        if self.marker == "fragment":
            return Kind.CONFIG
        if '{"gitops-bot":' in self.text or '{"$imagepolicy":' in self.text:
            return Kind.MANIFEST
        if "repositories.yaml" in head or (isinstance(doc, dict) and "repositories" in doc):
            return Kind.FLEET
        if isinstance(doc, dict) and "jobs" in doc and ("on" in doc or True in doc):
            return Kind.GITHUB_WORKFLOW
        if isinstance(doc, dict) and ("stages" in doc or any(_is_gitlab_job(v) for v in doc.values())):
            return Kind.GITLAB_CI
        if isinstance(doc, dict) and isinstance(doc.get("notifications"), dict):
            return Kind.YAML  # the distribution registry's config.yml (notifications: endpoints:)
        if isinstance(doc, dict) and set(doc) & CONFIG_KEYS and not set(doc) & {"apiVersion", "kind"}:
            return Kind.CONFIG
        return Kind.YAML


CONFIG_KEYS = {
    "version",
    "registries",
    "images",
    "environments",
    "git",
    "pull_request",
    "github",
    "forge",
    "argocd",
    "webhooks",
    "notifications",
    "render",
}


def _is_gitlab_job(value: Any) -> bool:
    return isinstance(value, dict) and "script" in value


# libyaml's loader: every block of every page is parsed at collection, by every worker; the
# same documents as pure PyYAML's for each block the docs hold
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None


def documents(root: Path = ROOT) -> list[Path]:
    """README.md, CONTRIBUTING.md and every Markdown file under docs/, whoever wrote it."""
    docs = root / "docs"
    front = [root / name for name in ("README.md", "CONTRIBUTING.md") if (root / name).is_file()]
    return [*front, *(sorted(docs.rglob("*.md")) if docs.is_dir() else [])]


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, with the docs-test marker before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, start = m.group("fence"), i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence[0] * len(fence)):
            body.append(
                lines[i][len(m.group("indent")) :] if lines[i].startswith(m.group("indent")) else lines[i]
            )
            i += 1
        i += 1
        out.append(
            Block(path, start + 1, m.group("info").strip(), "\n".join(body) + "\n", _marker(lines, start))
        )
    return out


def _marker(lines: list[str], fence: int) -> str | None:
    """The docs-test comment on the nearest non-blank line above the fence."""
    j = fence - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0:
        return None
    m = MARKER.search(lines[j])
    return " ".join(m.group("body").split()) if m else None


def all_blocks(root: Path = ROOT) -> list[Block]:
    return [b for doc in documents(root) for b in blocks(doc)]


PROGRAMS = ("gitops-bot", ".venv/bin/gitops-bot")
DOCKER_VALUE_OPTIONS = {
    "-e",
    "--env",
    "-v",
    "--volume",
    "-p",
    "--publish",
    "--name",
    "-w",
    "--workdir",
    "--network",
}


def joined_lines(text: str) -> list[str]:
    """A shell script's lines with backslash continuations joined (a last line left open by a
    continuation kept as it is)."""
    joined: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    return [*joined, pending] if pending else joined


def commands(text: str) -> list[list[str]]:
    """The shell lines of a block as argv lists: continuations joined, a ``$ `` prompt and
    comments dropped, each line cut at its first pipe or redirection."""
    out = []
    for line in joined_lines(text):
        line = line.strip().removeprefix("$ ")
        if not line or line.startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for word in lexer:
            if word and set(word) <= set("|&;<>"):
                break
            if not words and ASSIGNMENT.match(word):
                continue  # VAR=value before the program: see assignments()
            words.append(word)
        if words:
            out.append(words)
    return out


ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def assignments(text: str) -> dict[str, str]:
    """The ``VAR=value`` words before the program of a one-line command."""
    out = {}
    for word in shlex.split(text.strip().removeprefix("$ "), comments=True):
        if not ASSIGNMENT.match(word):
            break
        key, value = word.split("=", 1)
        out[key] = value
    return out


def gitops_bot_args(argv: list[str]) -> list[str] | None:
    """The arguments of a ``gitops-bot`` command line (also ``docker run ... IMAGE args``
    with the image named gitops-bot); None for another program."""
    if argv[0] in PROGRAMS:
        return argv[1:]
    if argv[:2] == ["docker", "run"]:
        for i, word in enumerate(argv[2:], 2):
            image = word.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
            if image == "gitops-bot" and argv[i - 1] not in DOCKER_VALUE_OPTIONS:
                return argv[i + 1 :]
    return None


def scripts_in(text: str) -> list[str]:
    """The gitops-bot command lines inside a pipeline's ``run:``/``script:`` steps."""
    out = []
    for line in text.splitlines():
        s = line.strip().removeprefix("- ").strip()
        s = s.removeprefix("run:").strip()
        for program in ("gitops-bot ", ".venv/bin/gitops-bot "):
            if s.startswith(program):
                out.append(s)
    return out
