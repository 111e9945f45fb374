"""CI steps pushing a directory of the repository as an OCI artifact (``flux push artifact
oci://REGISTRY/NAME:TAG --path=DIR``), read from a workflow's text: a Flux OCIRepository whose URL
one pushes holds DIR of this repository, so what a Kustomization reads from it is a directory here,
and a release is a commit the workflow pushes. Text in, pushes out: the reading (a Kustomization an
environment's path names) and ``init`` (which environments there are) ask the same question."""

from __future__ import annotations

import itertools
import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gitops_bot.core.record import record

WORKFLOWS = ".github/workflows"  # the directory of GitHub's workflows
GITLAB_CI = ".gitlab-ci.yml"
MAX_WORKFLOWS = 100  # workflow files read at most
MAX_PUSHES = 100  # push steps of each kind read in one workflow at most: a 4 MB one may write 60,000
MAX_REFERENCE = 1024  # characters of a reference once its variables are put in

# ``flux push artifact REF`` with its flags, on one line once a shell's continuations are joined
_PUSH = re.compile(r"\bflux\s+push\s+artifact\s+(?P<args>[^\n;&|]*)")
# ``oras push REF FILE[:TYPE]...``: an artifact whose layout Flux reads otherwise (said, not followed)
_ORAS = re.compile(r"\boras\s+push\s+(?P<args>[^\n;&|]*)")
# the runner's checkout of this repository as a workflow names it (GitHub's workspace, GitLab's
# project directory): a --path under it is the repository's own directory
_WORKSPACE = re.compile(
    r"^(?:\$\{\{\s*github\.workspace\s*\}\}|\$\{?(?:GITHUB_WORKSPACE|CI_PROJECT_DIR)\b\}?)(?=/|$)"
)
# what no variable of the workflow says: the runner fills it (the repository's name, a commit)
_UNKNOWN = re.compile(r"\$\{\{[^}]*\}\}|\$\{\w+\}|\$\w+|\$\([^)]*\)")
# a GitHub expression or a command substitution: one word of the command, spaces inside
_HELD = re.compile(r"\$\{\{[^}]*\}\}|\$\([^)]*\)")
_SPACED = re.compile(r"[^ \t\r\n]+")  # a word as shlex splits one without quotes or escapes
_VAR = re.compile(r"\$\{\{\s*(?:env\.)?(?P<a>[\w.-]+)\s*\}\}|\$\{(?P<b>\w+)\}|\$(?P<c>\w+)")


@record
class ArtifactPush:
    """A CI step pushing a directory of this repository as an OCI artifact."""

    url: re.Pattern[str]  # the artifact's repository, without its tag (what is not known: any)
    written: str  # as the workflow writes it
    path: str  # the directory pushed ("" for the root), as the workflow writes it
    by: str  # file:line
    tool: str = "flux"  # flux push artifact; "oras": oras push, whose artifact is not followed


def pushes_in(
    text: str, documents: Callable[[], Sequence[Any]], filename: str, capped: list[str] | None = None
) -> list[ArtifactPush]:
    """The ``flux push artifact`` (and ``oras push``) steps of one workflow (``documents``: its
    YAML, whose ``env:`` and ``variables:`` fill the references' variables and paths, parsed
    only where the text pushes), the first :data:`MAX_PUSHES` of each; past that bound, the line
    saying so is put in ``capped``: an artifact a later step pushes would be silently no one's."""
    if not ("flux" in text and "artifact" in text) and "oras" not in text:
        return []
    variables: dict[str, str] = {}
    for doc in documents():
        _variables(doc, variables)
    joined = re.sub(r"\\\n\s*", " ", text)
    out: list[ArtifactPush] = []
    for tool, command in (("flux", _PUSH), ("oras", _ORAS)):
        if tool not in text:
            continue  # a regex's scan of a 4 MB workflow for a command it lacks was 50 ms
        lines = _lines_of(text, command)
        # one past the bound: reading it says the bound
        steps = list(itertools.islice(command.finditer(joined), MAX_PUSHES + 1))
        if len(steps) > MAX_PUSHES and capped is not None:
            capped.append(
                f"{filename}: the bot reads the first {MAX_PUSHES} {_STEP[tool]} steps of one workflow; an "
                "OCIRepository a later one pushes is not read as this repository's directory"
            )
        for i, m in enumerate(steps[:MAX_PUSHES]):
            args = _words(m["args"])
            if tool == "flux":
                ref = next((a for a in args if not a.startswith("-")), "")
                path = _flag(args, "--path")
                filled = None if path is None else _VAR.sub(lambda v: variables.get(_name(v), v[0]), path)
                path = filled if filled is None or len(filled) <= MAX_REFERENCE else path
            else:  # its reference, the first word naming a registry's repository; the files after it
                at = next((n for n, a in enumerate(args) if _pattern(a, variables) is not None), len(args))
                ref, path = (
                    (args[at:] or [""])[0],
                    next((a for a in args[at + 1 :] if not a.startswith("-")), ""),
                )
            url = _pattern(ref, variables)
            if url is not None and path is not None:
                line = lines[i] if i < len(lines) else 1
                out.append(ArtifactPush(url, ref, path.split(":", 1)[0], f"{filename}:{line}", tool))
    return out


_STEP = {"flux": "flux push artifact", "oras": "oras push"}


def _flag(args: Sequence[str], name: str) -> str | None:
    """The value of the flag ``name`` among a command's words (``--path=DIR``, ``--path DIR``)."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(f"{name}="):
            return a[len(name) + 1 :]
    return None


def _name(m: re.Match[str]) -> str:
    return str(m["a"] or m["b"] or m["c"])


def pushed_directory(push: ArtifactPush) -> tuple[str, str]:
    """The directory of this repository a ``flux push artifact``'s ``--path`` names ("" its root),
    with "", or "" with why it names none. The step runs in the checkout (GitHub's workspace,
    GitLab's project directory), so a relative path is the repository's and one under the
    workspace's variable too; an absolute path elsewhere (``/``, ``/tmp/out``) or one leaving
    the checkout is a directory of the runner, and one a variable still names is not known:
    neither is read as the repository's root, which it is not."""
    path = _WORKSPACE.sub(".", push.path)
    rel = posixpath.normpath(path) if path else "."
    if path.startswith("/") or rel == ".." or rel.startswith("../"):
        return "", f"pushed by {push.by} from {push.path}, a path out of this repository's checkout"
    if "$" in rel:
        why = "a path named by a variable the workflow does not set"
        return "", f"pushed by {push.by} from {push.path}, {why}"
    return ("" if rel == "." else rel), ""


def _lines_of(text: str, command: re.Pattern[str]) -> list[int]:
    """The line of each ``command`` in ``text``, counted on from the one before: counting from
    the start for each was quadratic (a 4 MB workflow of 61,678 pushes took 300 s)."""
    lines, line, at = [], 1, 0
    for m in itertools.islice(command.finditer(text), MAX_PUSHES):
        line += text.count("\n", at, m.start())
        at = m.start()
        lines.append(line)
    return lines


def oras_unread(push: ArtifactPush) -> str:
    """Why an artifact ``oras push`` makes is not read as a directory here: oras keeps a pushed
    directory's own name inside it and gives each file a layer of its own, of which Flux takes one
    (its layerSelector), so what a path in it names is not known from the workflow."""
    return (
        f"pushed by {push.by} with oras push, whose artifact keeps {push.path or 'a directory'}'s own "
        "name and a layer per file: not read as a directory here"
    )


def _words(args: str) -> list[str]:
    """A command's words, a GitHub expression (``${{ env.REGISTRY }}``) or a command's output
    (``$(git rev-parse --short HEAD)``) within one, spaces inside it kept."""
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m[0])
        return f"\0{len(held) - 1}\0"

    words = _HELD.sub(hold, args)
    # without quotes or escapes, shlex's words are the runs between blanks: its loop over each
    # character was two thirds of reading a 4 MB workflow's 61,678 steps (21 s, 7.8 s without)
    if not any(c in words for c in "\"'\\"):
        return [re.sub(r"\0(\d+)\0", lambda m: held[int(m[1])], w) for w in _SPACED.findall(words)]
    try:
        split = shlex.split(words)
    except ValueError:  # an unclosed quote: the words as written
        split = words.split()
    return [re.sub(r"\0(\d+)\0", lambda m: held[int(m[1])], w) for w in split]


def pushed_as(url: str, pushes: Sequence[ArtifactPush]) -> ArtifactPush | None:
    """The push whose artifact an OCIRepository's ``url`` (``oci://…:tag``, ``…@digest``) names."""
    bare = re.sub(r"^oci://", "", url).split("@", 1)[0]
    head, _, last = bare.rpartition("/")
    bare = f"{head}/{last.split(':', 1)[0]}" if head else bare
    return next((p for p in pushes if bare and p.url.fullmatch(bare)), None)


def _variables(doc: Any, out: dict[str, str]) -> None:
    """Every ``env:`` (GitHub) and ``variables:`` (GitLab) value of a workflow, whatever its level."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("env", "variables") and isinstance(value, dict):
                out.update({str(k): str(v) for k, v in value.items() if isinstance(v, str | int)})
            _variables(value, out)
    elif isinstance(doc, list):
        for value in doc:
            _variables(value, out)


def _pattern(written: str, variables: Mapping[str, str]) -> re.Pattern[str] | None:
    """The artifact repositories a reference may name: its variables put in, what no variable
    of the workflow says (the repository's name on GitHub) any one path segment, its tag cut. None
    when no registry host is written: such a push may be anything's."""
    text = written
    for _ in range(3):  # a variable naming another
        grown = _VAR.sub(lambda m: variables.get(_name(m), m[0]), text)
        if len(grown) > MAX_REFERENCE:  # `A: $A$A$A…` grows a thousandfold a round: left unknown
            break
        text = grown
    # unknowns side by side are one (``$A$B``: one or more characters either way)
    text = re.sub("\0+", "\0", _UNKNOWN.sub("\0", text)).removeprefix("oci://")
    head, slash, last = text.rpartition("/")
    host = head.split("/", 1)[0]
    if not slash or "\0" in host or ("." not in host and ":" not in host and host != "localhost"):
        return None
    last = last.split(":", 1)[0].split("@", 1)[0]
    first, *between = f"{head}/{last}".split("\0")
    if not between:
        return re.compile(re.escape(first))
    # each unknown but the last takes the fewest characters before the text after it, and keeps
    # them (an atomic group, as fnmatch translates a glob): `[^/]+-[^/]+-…` tried every split of
    # a name it did not match, 1.4 s for ten unknowns against a 60-character name
    *between, final = between
    kept = "".join(f"(?>[^/]+?{re.escape(p)})" for p in between)
    return re.compile(f"{re.escape(first)}{kept}[^/]+{re.escape(final)}")
