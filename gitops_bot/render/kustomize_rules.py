"""What kustomize refuses to build, found by the reader from the repository alone (where the
tools are absent, and before they run): a kustomization listing what holds it (a cycle), an entry
leading out of the repository or absolute, one not there, a Kustomization under ``components:``
or a Component under ``resources:``, a directory of two kustomization files, and a JSON 6902
operation whose path the object it targets does not have. Each is ``(reason, fix)``: the
environment's refusal in one line naming the file, as :class:`~gitops_bot.render.walk.Walk`
keeps it (``refuse``), so nothing is released into an environment its tool cannot render."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import nodes, yamlvalues
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText

Refusal = tuple[str, str]  # (reason, fix)


def placed(lister: str, key: str, entry: str, path: Path, repo_root: Path) -> Refusal | None:
    """An entry kustomize refuses for where it points (absolute: "new root ... cannot be
    absolute", "security; file ... is not in or below"), or that leads out of the repository
    (``../../..``): what it names is in no commit, so nothing built from git holds it."""
    if os.path.isabs(entry):
        return (
            f"kustomize refuses {lister}: its {key}: entry {entry!r} is an absolute path",
            f"write it relative to {os.path.dirname(lister) or '.'}, inside the repository, or remove it",
        )
    if path != repo_root and repo_root not in path.parents:
        return (
            f"{lister}: its {key}: entry {entry!r} leads out of the repository; what it names is in no "
            "commit, and the bot reads nothing outside the repository",
            f"copy what it names into the repository and list that, or remove {entry!r}",
        )
    return None


def cycle(
    lister: str, key: str, entry: str, path: Path, stack: Sequence[Path], rel: Callable[[Path], str]
) -> Refusal | None:
    """A directory entry that is, or holds, a kustomization being built (kustomize: "cycle
    detected: candidate root X contains visited root Y")."""
    visited = next((d for d in stack if path == d or path in d.parents), None)
    if visited is None:
        return None
    what = (
        f"leads back to {rel(visited)}"
        if path == visited
        else f"is {rel(path) or '.'}, which holds {rel(visited)}"
    )
    return (
        f"kustomize refuses {lister}: its {key}: entry {entry!r} {what}, a kustomization this one is built "
        "in (a cycle)",
        f"remove {entry!r} from {lister}'s {key}: (a kustomization never lists itself or what holds it)",
    )


def missing(lister: str, key: str, entry: str, rel: str) -> Refusal:
    """An entry naming nothing in the repository (kustomize: "evalsymlink failure ... no such
    file or directory")."""
    return (
        f"kustomize refuses {lister}: its {key}: entry {entry!r} is not in the repository ({rel})",
        f"add {rel} to the repository, or remove {entry!r} from {lister}'s {key}:",
    )


def kind(lister: str, key: str, entry: str, krel: str, component: bool) -> Refusal | None:
    """A Kustomization under ``components:`` (kustomize: "expected kind 'Component' for path
    ... but got 'Kustomization'"), or a Component under ``resources:``."""
    if key == "components" and not component:
        return (
            f"kustomize refuses {lister}: its components: entry {entry!r} is a Kustomization ({krel}), "
            "not a Component",
            f"list {entry!r} under resources:, or make {krel} a Component "
            "(apiVersion: kustomize.config.k8s.io/v1alpha1, kind: Component)",
        )
    if key == "resources" and component:
        return (
            f"kustomize refuses {lister}: its resources: entry {entry!r} is a Component ({krel}), which "
            "only components: takes",
            f"move {entry!r} to {lister}'s components:",
        )
    return None


def two_files(directory: str, names: Sequence[str]) -> Refusal | None:
    """A directory holding more than one kustomization file (kustomize: "Found multiple
    kustomization files under: ...")."""
    if len(names) < 2:
        return None
    where = directory or "."
    return (
        f"kustomize refuses {where}: it holds {' and '.join(names)}, and kustomize builds a directory of "
        "one kustomization file",
        f"keep one of them: merge {where}/{names[1]} into {where}/{names[0]} and remove it",
    )


def present(has: Callable[[str], bool]) -> list[str]:
    """The kustomization file names a directory holds, in kustomize's order."""
    return [n for n in KUSTOMIZATION_NAMES if has(n)]


def operation(text: str, filename: str, target: Any, first_line: int) -> tuple[int, str, str] | None:
    """The first operation of a JSON 6902 patch kustomize cannot apply to ``target`` (the one
    object it selects, as its file holds it): ``(line, "op path", why)``. Operations are
    checked in order until one changes the object's shape (an ``add``, ``remove``, ``move`` or
    ``copy`` that applies), after which what the object holds is no longer its file's."""
    try:
        docs = nodes.compose_all(YamlText.of(text).body, filename)
    except GitOpsBotError:
        return None
    ops = docs[0] if docs and nodes.is_seq(docs[0]) else None
    if ops is None:
        return None
    for op in ops.value:
        if not nodes.is_map(op):
            return None
        name, path = _text(op, "op"), _text(op, "path")
        if name is None or path is None or not path.startswith("/"):
            return None
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]
        why = _applies(target, parts, name)
        if why:
            return first_line + int(op.start_mark.line), f"{name} {path}", why
        if name != "replace" and name != "test":
            return None
    return None


def unapplied(krel: str, rel: str, target: tuple[str, str], got: tuple[int, str, str]) -> Refusal:
    """The refusal of a JSON 6902 operation :func:`operation` found not to apply (kustomize:
    "replace operation does not apply: doc is missing path")."""
    (kind, name), (line, what, why) = target, got
    where = os.path.dirname(krel) or "."
    return (
        f"kustomize refuses {krel}: patch {rel}:{line} ({what}) does not apply to {kind} {name}: {why}",
        f"point the operation's path at what {kind} {name} holds (kubectl kustomize {where} shows it), or "
        "drop the operation",
    )


def target(files: Iterable[tuple[str, str | None]], kind: str, name: str) -> dict[str, Any] | None:
    """The object ``kind``/``name`` as one of ``files`` (path, text) holds it; None when no
    file holds it as a plain document (a List's item, a file that is not YAML)."""
    for rel, text in files:
        try:
            docs = yamlvalues.load_all(YamlText.of(text).body, rel) if text is not None else []
        except (GitOpsBotError, TypeError, ValueError):
            return None
        for doc in docs:
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            if isinstance(meta, dict) and (doc.get("kind"), meta.get("name")) == (kind, name):
                return dict(doc)
    return None


def _text(node: Any, key: str) -> str | None:
    found = nodes.get(node, key)
    return str(found[1].value) if found is not None and nodes.is_scalar(found[1]) else None


def _applies(doc: Any, parts: list[str], op: str) -> str:
    """Why ``op`` at ``parts`` does not apply to ``doc`` ("" when it does, or is not known):
    only an index past a list's end is claimed. Lists change only by patches (none applied
    before it, the caller's rule); a missing field may be one a transformer adds."""
    here: Any = doc
    walked = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(here, dict):
            if part not in here:  # a field a transformer may add (replicas:, labels:): not claimed
                return ""
            here = here[part]
        elif isinstance(here, list):
            if part == "-" and last and op == "add":
                return ""
            if not part.isdigit():
                return ""
            index, bound = int(part), len(here) + (1 if last and op == "add" else 0)
            if index >= bound:
                return (
                    f"it has no {walked}/{part} (its {walked.rpartition('/')[2] or 'list'} holds {len(here)})"
                )
            here = here[index] if index < len(here) else None
        else:
            return ""
        walked += f"/{part}"
    return ""
