"""Who else writes the files an image's tag is pinned in: a CI workflow's (or a script's) step
that edits one in place and commits it (``sed -i "s/newTag: .*/newTag: $TAG/"
deploy/kustomization.yaml``, ``yq -i '.image.tag = ...' values.yaml``, ``kustomize edit set image``
in the kustomization's directory, then ``git push``): a second writer of the line a release
writes, whose commits race the bot's pull requests. Read in the one pass over the scripts
(:mod:`gitops_bot.engine.script_commands`), which gives each command's directory."""

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
                    found = [p for w in words if (p := resolve(cwd, w)) is not None and p in files]
                yield from ((p, number, command) for p in found)
