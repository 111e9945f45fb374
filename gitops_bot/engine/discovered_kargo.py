"""Kargo Stages as deployers (``gitops-bot init``): an environment per ``Stage``, its path what
the Stage's promotion writes in this repository.

Read as Kargo's reference documents its promotion steps (akuity/kargo,
``docs/docs/50-user-guide/60-reference-docs/30-promotion-steps/``): ``kustomize-set-image``'s
``path`` (a directory holding a kustomization), ``yaml-update``'s ``path`` (a YAML file, a Helm
values file most often) and, before Kargo 1.3, ``helm-update-image``'s ``path`` (a values file);
each path relative to the promotion's workspace, where a ``git-clone`` step's ``checkout[].path``
holds the repository. A step may be a ``task`` naming a ``PromotionTask`` of the repository,
whose steps are read with its ``vars`` (the Stage's step's ``vars`` winning). The expressions
``${{ ctx.stage }}`` and ``${{ vars.<name> }}`` are filled; a path with any other expression
is said, not guessed. Kargo's v0 ``promotionMechanisms.gitRepoUpdates`` (``kustomize.images[].
path``, ``helm.images[].valuesFilePath``, both relative to the repository) are read too. The
promotion order, from each Stage's ``requestedFreight`` sources, is
:func:`~gitops_bot.engine.promotion_order.tool_order`'s."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.engine.candidates import RenderPath, safe_name
from gitops_bot.engine.promotion_order import kind_of
from gitops_bot.engine.repository_files import RepoFiles, as_map, norm
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES

# the steps writing an image's version, and whether their path is a directory
_WRITERS = {"kustomize-set-image": True, "yaml-update": False, "helm-update-image": False}
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_VAR = re.compile(r"vars\.(\w+)|vars\[\s*['\"]([^'\"]+)['\"]\s*\]")
MAX_STEPS = 200  # steps read per Stage at most, its tasks' included


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _vars(value: Any) -> dict[str, str]:
    return {str(v["name"]): str(v.get("value") or "") for v in _items(value) if "name" in v}


def stages(repo: RepoFiles) -> list[RenderPath]:
    """Each Kargo Stage of the repository whose promotion writes a path it holds: one
    :class:`RenderPath` per path, named by the Stage. What cannot be read (an expression other
    than the stage's name and vars, a path the repository lacks) is a note."""
    tasks: dict[str, dict[str, Any]] = {}
    found: list[tuple[str, str, dict[str, Any]]] = []
    for f in repo.yaml_files():
        if "kargo.akuity.io" not in (repo.text(f) or "") or repo.no_environment(f):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            if not api.startswith("kargo.akuity.io"):
                continue
            name = str(as_map(doc.get("metadata")).get("name") or "")
            if kind in ("PromotionTask", "ClusterPromotionTask"):
                tasks[name] = as_map(doc.get("spec"))
            elif kind == "Stage" and name:
                found.append((f, name, as_map(doc.get("spec"))))
    out: list[RenderPath] = []
    for f, stage, spec in found:
        template = as_map(as_map(spec.get("promotionTemplate")).get("spec"))
        written: dict[str, str] = {}  # path -> the step writing it
        unread: list[str] = []
        steps = [(s, _vars(template.get("vars")), "") for s in _items(template.get("steps"))]
        read = 0  # a task's step may run that task again: the steps read are what is bounded
        while steps and read < MAX_STEPS:
            step, known, task = steps.pop(0)
            read += 1
            own = {**known, **_vars(step.get("vars"))}
            ref = as_map(step.get("task"))
            if ref:
                body = tasks.get(str(ref.get("name") or ""))
                if body is None:
                    unread.append(f"its task {ref.get('name')} is no PromotionTask of this repository")
                    continue
                inner = {**_vars(body.get("vars")), **own}
                steps += [(s, inner, str(ref.get("name"))) for s in _items(body.get("steps"))]
                continue
            uses = str(step.get("uses") or "")
            if uses not in _WRITERS:
                continue
            raw = str(as_map(step.get("config")).get("path") or "")
            path, why = _resolved(raw, stage, own, _checkouts(template, tasks))
            said = f"{uses}{f' (task {task})' if task else ''}"
            if why:
                unread.append(f"its {said} writes {raw}, which {why}")
            elif _held(repo, path, _WRITERS[uses]):
                written.setdefault(path, said)
            else:
                unread.append(f"its {said} writes {path}, which this repository does not hold")
        if steps:
            unread.append(f"its steps, its tasks' included, go past {MAX_STEPS} (a task running itself?)")
        for path, how in _legacy(spec):
            if _held(repo, path, how.startswith("kustomize")):
                written.setdefault(path, how)
        for path, how in written.items():
            out.append(RenderPath(path, safe_name(stage), f"Kargo Stage {stage} in {f}: {how} writes {path}"))
        if unread and not written:
            repo.notes.append(
                f"{f}: Kargo Stage {stage}: {'; '.join(unread[:3])}; not an environment (write it under "
                "environments: with the path its promotion writes)"
            )
    return out


def _checkouts(template: Mapping[str, Any], tasks: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Where the git-clone steps of the template and its tasks check the repository out."""
    steps = _items(template.get("steps"))
    steps += [s for t in tasks.values() for s in _items(t.get("steps"))]
    out = []
    for s in steps:
        if s.get("uses") == "git-clone":
            for c in _items(as_map(s.get("config")).get("checkout")):
                if isinstance(c.get("path"), str):
                    out.append(norm(c["path"]))
    return out


def _resolved(raw: str, stage: str, known: Mapping[str, str], checkouts: list[str]) -> tuple[str, str]:
    """The repository path a step's ``path`` names, or why not."""

    def one(m: re.Match[str]) -> str:
        expr = m[1]
        if expr in ("ctx.stage", "ctx['stage']", 'ctx["stage"]'):
            return stage
        v = _VAR.fullmatch(expr)
        name = (v[1] or v[2]) if v else None
        if name is None or name not in known or "${{" in known[name]:
            raise LookupError(expr)
        return known[name]

    try:
        path = norm(_EXPR.sub(one, raw))
    except LookupError as e:
        return "", f"holds an expression only Kargo fills ({e.args[0]})"
    for c in sorted(checkouts, key=len, reverse=True):
        if c and c != "." and (path == c or path.startswith(c + "/")):
            return norm(path[len(c) :].lstrip("/")) or ".", ""
    return "", "is in no git-clone step's checkout of the repository"


def _held(repo: RepoFiles, path: str, directory: bool) -> bool:
    if directory:
        prefix = "" if path == "." else f"{path}/"
        return any(f"{prefix}{k}" in repo.files for k in KUSTOMIZATION_NAMES)
    return path in repo.files and PurePosixPath(path).suffix in (".yaml", ".yml")


def _legacy(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Kargo v0's ``promotionMechanisms.gitRepoUpdates``: (path, the mechanism writing it)."""
    out = []
    for update in _items(as_map(spec.get("promotionMechanisms")).get("gitRepoUpdates")):
        for image in _items(as_map(update.get("kustomize")).get("images")):
            if isinstance(image.get("path"), str):
                out.append((norm(image["path"]), "kustomize image update"))
        for image in _items(as_map(update.get("helm")).get("images")):
            if isinstance(image.get("valuesFilePath"), str):
                out.append((norm(image["valuesFilePath"]), "helm image update"))
    return list(dict.fromkeys(out))
