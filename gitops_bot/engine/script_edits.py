"""Who else writes the files an image's tag is pinned in: a CI workflow's (or a script's) step
that edits one in place and commits it (``sed -i "s/newTag: .*/newTag: $TAG/"
deploy/kustomization.yaml``, ``yq -i '.image.tag = ...' values.yaml``, ``kustomize edit set image``
in the kustomization's directory, then ``git push``): a second writer of the line a release
writes, whose commits race the bot's pull requests; and a ``helm package CHART --app-version X``
step, which sets the chart's appVersion at each packaging, where no file holds it. Read in the
one pass over the scripts (:mod:`gitops_bot.engine.script_commands`), which gives each
command's directory."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Sequence

from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES

# a commit of what a step edited: git push (git -C DIR push too), or an action committing the
# workspace's changes or opening a pull request of them
COMMITS = re.compile(
    r"\bgit\s+(?:-\S+\s+\S+\s+)*push\b|git-auto-commit-action|add-and-commit|create-pull-request"
)
# a command editing a file in place (sed -i, yq -i), its words to the command's end, or a
# kustomization's images in the command's directory (kustomize edit set image)
_EDIT = re.compile(r"\b(?:sed|yq)\b(?P<args>[^|;&\n`]*)|\bkustomize\s+edit\s+set\s+image\b")
_IN_PLACE = re.compile(r"-[A-Za-z]*i.*|--in-?place(?:=.*)?")
# what an edit of a tag names: the other edits of a pinned file (a replica count, a host) are
# no second writer of its tags
_OF_TAGS = re.compile(r"image|tag", re.IGNORECASE)

Cwd = tuple[str | None, bool]


def edits(
    lines: Sequence[str],
    segments: Callable[[str], Iterator[tuple[str, Cwd]]],
    resolve: Callable[[Cwd, str], str | None],
    files: Collection[str],
) -> Iterator[tuple[str, int, str]]:
    """(file edited, line, command) of each edit of a tag in ``lines`` (one script's or
    workflow's, which commits): ``segments`` gives each command of a line with its directory,
    ``resolve`` a word as a path of the repository run there, ``files`` the repository's files."""
    for number, line in enumerate(lines, 1):
        for segment, cwd in segments(line):
            for m in _EDIT.finditer(segment):
                command = " ".join(m.group(0).replace('"', "").replace("'", "").split())
                if m.group("args") is None:  # kustomize edit set image, in the step's directory
                    base = "" if cwd[0] in (None, ".") else f"{cwd[0]}/"
                    found = [f"{base}{k}" for k in KUSTOMIZATION_NAMES if cwd[0] and f"{base}{k}" in files][
                        :1
                    ]
                else:
                    words = [w.strip("'\"") for w in m.group("args").split()]
                    if not any(_IN_PLACE.fullmatch(w) for w in words) or not _OF_TAGS.search(command):
                        continue
                    # a file edited: a word with a suffix or a directory (values.yaml, k8s/x.yml)
                    named = (w for w in words if ("." in w or "/" in w) and not w.startswith("-"))
                    found = [p for w in named if (p := resolve(cwd, w)) is not None and p in files]
                yield from ((p, number, command) for p in found)


# helm package CHART with --app-version: the packaged chart's appVersion is the command's, not
# its Chart.yaml's (a workflow packaging each release tag); its words to the command's end
_PACKAGE = re.compile(r"\bhelm\s+package\b(?P<args>[^|;&\n`]*)")
_PACKAGE_VALUED = frozenset({"-d", "--destination", "--version", "--app-version", "--key", "--keyring"})
# a key opening a folded block scalar (``run: >-``): its lines are one command, joined by spaces
_FOLDS = re.compile(r":[ \t]*>[-+]?[ \t]*$")


def packaged(
    lines: Sequence[str],
    segments: Callable[[str], Iterator[tuple[str, Cwd]]],
    resolve: Callable[[Cwd, str], str | None],
) -> Iterator[tuple[str, int, str]]:
    """(chart directory, line, command) of each ``helm package`` of a chart of this repository
    that sets its ``--app-version``, a folded ``run: >-`` step read as the one command it is."""
    for number, line in enumerate(_folded(lines), 1):
        # a GitHub expression writing its flags (${{ v && format('--app-version {0}', v) || '' }})
        # is expanded before the shell runs: its operators are none of the shell's
        line = _expanded(line)
        for segment, cwd in segments(line):
            for m in _PACKAGE.finditer(segment):
                if "--app-version" not in m["args"]:
                    continue
                words, valued = m["args"].split(), False
                for w in words:
                    if not valued and not w.startswith("-"):
                        if (chart := resolve(cwd, w.strip("'\""))) is not None:
                            yield chart, number, f"helm package {w} --app-version"
                        break
                    valued = w in _PACKAGE_VALUED


def _expanded(line: str) -> str:
    """``line`` with the shell's operators inside each GitHub expression blanked, in one pass (an
    expression holds braces of its own: ``format('{0}', v)``)."""
    out, at = [], 0
    while (start := line.find("${{", at)) >= 0 and (end := line.find("}}", start)) >= 0:
        out += [line[at:start], re.sub(r"[|&;]", " ", line[start : end + 2])]
        at = end + 2
    return "".join(out) + line[at:]


def _folded(lines: Sequence[str]) -> list[str]:
    """``lines`` with each folded block scalar's lines joined into its first, the numbers kept."""
    out = list(lines)
    i = 0
    while i < len(out):
        opener = out[i]
        i += 1
        if not _FOLDS.search(opener):
            continue
        depth, first = len(opener) - len(opener.lstrip()), i
        while i < len(out) and (not out[i].strip() or len(out[i]) - len(out[i].lstrip()) > depth):
            if i > first:
                out[first], out[i] = f"{out[first]} {out[i].strip()}", ""
            i += 1
    return out


# kustomize edit set image OLD=NEW ... ($(KUSTOMIZE) and bin/kustomize too), its words to the end
_SET_IMAGE = re.compile(
    r"(?:\$[({])?\bkustomize[)}]?\s+edit\s+set\s+image\b(?P<args>[^|;&\n`]*)", re.IGNORECASE
)


def replaced(line: str) -> Iterator[tuple[str, str]]:
    """(image name, command) of each name an ``edit set image`` on ``line`` replaces by another
    repository (``controller=${IMG}``, ``app=ghcr.io/acme/app:1.2``): what the manifests write
    there is a placeholder; not a name given a new tag only (``nginx=nginx:1.25``, ``app:1.2``)."""
    for m in _SET_IMAGE.finditer(line):
        command = " ".join(m.group(0).replace('"', "").replace("'", "").split())
        for word in m.group("args").split():
            old, eq, new = word.strip("'\"").partition("=")
            name = new.strip("'\"").split("@", 1)[0]
            head, slash, last = name.rpartition("/")
            if eq and old and f"{head}{slash}{last.split(':', 1)[0]}" != old:
                yield old, command
