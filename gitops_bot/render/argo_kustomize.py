"""An Argo CD Application whose source path is a kustomization in the repository, rendered as
Argo CD's repo server renders it (argo-cd util/kustomize/kustomize.go ``Build``): on its own
copy of the tree, the Application's ``kustomize`` fields written into that kustomization in
Argo CD's order (``edit set nameprefix``, ``namesuffix``, ``image``, ``replicas``, ``edit add
label``, ``annotation``, ``edit set namespace``, ``patches`` appended, ``edit add
component``), then built. ``kustomize edit`` is not run (kubectl carries no ``edit``): each
edit is made here as kustomize's own command makes it (kustomize/commands/edit), the rest of
the file's text left as written, so a value kustomize reads as a string (``newTag: 1.10``)
stays one. Where Argo CD's edit fails (a label already set without ``forceCommonLabels``, a
replicas count that is no integer, a component not there), the build's refusal is that line.

The build is the one render of a directory (:func:`gitops_bot.render.tools.render_each`: a
private copy, the child environment, deadline, output bound, and renders kept by the content
of what they read); only a kustomization whose reads are all here, within the size budget and
reading no link that leads out, is built: the rules' reading stands for the rest."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path

import yaml

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.core.record import record
from gitops_bot.manifests import kustomize_refs, nodes
from gitops_bot.manifests.guard import Constructor
from gitops_bot.render import deployers, helm_render, reader, source_files, tools
from gitops_bot.render import walk as walks
from gitops_bot.render.bounded import NotRendered
from gitops_bot.render.settings import RenderSettings

# kustomize's `edit set image` argument forms; a "*" keeps what the kustomization holds
_KEEP = "*"
_FIELDS = ("newName", "newTag", "digest")


@record
class Build:
    """One Application's kustomization as Argo CD builds it: its directory, the kustomization
    text its fields leave (``texts``: path -> text; empty when it sets none), or why Argo CD's
    edit fails (``refused``, one line)."""

    origin: str  # "Application NAME"
    directory: Path
    texts: Mapping[Path, str] = field(default_factory=dict)
    refused: str = ""
    merged: tuple[str, ...] = ()  # the path's .argocd-source files Argo CD merged over its source


def builds(
    root: Path, docs: Sequence[dict[str, object]], texts: Mapping[Path, str] | None = None
) -> list[Build]:
    """The kustomizations in the repository (at this checkout's revision) the Argo CD
    Applications among ``docs`` render, each with the Application's ``kustomize`` fields
    applied (``texts``: files written over the tree, a marked render's)."""
    texts = texts or {}
    out: list[Build] = []
    for doc, src, directory, kfile in helm_render.application_kustomizations(root, docs):
        if source_files.holds_applications(directory):
            continue  # an app of apps: helm_render renders it again
        name = helm_render.scalar_at(doc, "metadata", "name")
        origin = f"Application {name}"
        merged, files = source_files.merged(src, root, directory, name, texts)
        if isinstance(merged, NotRendered):
            out.append(Build(origin, directory, refused=str(merged)))
            continue
        options = helm_render.at(merged, "kustomize")
        if not isinstance(options, dict) or not options:
            out.append(Build(origin, directory, merged=files))
            continue
        text = source_files.text(root, kfile, texts)
        options = _expanded(options, doc, src)
        if text is None or options is None:
            continue  # the reading says what it cannot read; a value naming the commit is not built
        got = edited(text, options, directory, root)
        if isinstance(got, NotRendered):
            out.append(Build(origin, directory, refused=str(got), merged=files))
        else:
            out.append(Build(origin, directory, {kfile: got}, merged=files))
    return out


def _expanded(options: dict[str, object], doc: object, src: object) -> dict[str, object] | None:
    """The kustomize fields with Argo CD's build environment expanded where its build expands it
    (util/kustomize Build: each image, each commonLabels value); None where one names what a
    reading of files does not know (the commit, the project)."""
    name, at = helm_render.scalar_at, helm_render.at
    env = deployers.build_env(
        name(doc, "metadata", "name"),
        name(src, "repoURL"),
        name(src, "path"),
        name(src, "targetRevision"),
        name(doc, "spec", "destination", "namespace") or None,
    )
    out = dict(options)
    listed, labels = at(options, "images"), at(options, "commonLabels")
    if isinstance(listed, list):
        images_ = [deployers.envsubst(i, env) if isinstance(i, str) else i for i in listed]
        if None in images_:
            return None
        out["images"] = images_
    if isinstance(labels, dict):
        values = {k: deployers.envsubst(v, env) if isinstance(v, str) else v for k, v in labels.items()}
        if None in values.values():
            return None
        out["commonLabels"] = values
    return out


def of_files(
    root: Path, files: Sequence[Path], names: Collection[str], texts: Mapping[Path, str] | None = None
) -> list[Build]:
    """The builds of the environment's own Applications among ``files`` (as ``texts`` writes them)."""
    return builds(
        root, helm_render.own_applications(helm_render.file_objects(root, files, names, texts), names), texts
    )


def marked(
    root: Path, files: Sequence[Path], names: Collection[str], texts: Mapping[Path, str]
) -> list[Build]:
    """The environment's builds over the tree with ``texts`` (a marked render's) written over
    it, each carrying them."""
    return [replace(b, texts={**texts, **b.texts}) for b in of_files(root, files, names, texts)]


def provable(root: Path, files: Sequence[Path], names: Collection[str]) -> set[Path] | None:
    """The real places among ``files`` a marked build of the environment's Applications proves a
    release into: what the builds read, and the files holding the Applications whose fields
    they write in. A file of a sibling Application's plain directory no build reads carries
    no marker into their render, which proves nothing of it; None where nothing is built."""
    found = of_files(root, files, names)
    if not found:
        return None
    _, reads = read(root, found)
    held = (
        f
        for f in files
        if walks.real(root, f) not in reads
        and any(d.get("kind") == "Application" for d in helm_render.file_objects(root, [f], names))
    )
    return reads | {real for f in held if (real := walks.real(root, f)) is not None}


def read(root: Path, found: Sequence[Build]) -> tuple[list[Path], set[Path]]:
    """The builds' directories, and the real places of the files they read (each kustomization
    as edited, and what it reaches): where the objects their own entries set an image in are."""
    reaches = (reader.reach(walks.disk_tree(root, b.texts), root, b.directory) for b in found)
    reals = {real for r in reaches for f in r.files if (real := walks.real(root, f)) is not None}
    return list(dict.fromkeys(b.directory for b in found)), reals


def written(found: Sequence[Build]) -> dict[Path, str]:
    """The files the builds write over the tree (each kustomization as edited, the marked texts)."""
    return {p: t for b in found for p, t in b.texts.items()}


def outputs(settings: RenderSettings, root: Path, jobs: Sequence[Sequence[Build]]) -> list[list[str]]:
    """Each job's builds rendered, all jobs' in one batch (one kubectl run renders many
    copies' kustomizations): its outputs, none unless every one of its builds is built."""
    got = iter(render(settings, root, [b for job in jobs for b in job]))
    out: list[list[str]] = []
    for job in jobs:
        mine = [next(got) for _ in job]
        built = [g for g in mine if isinstance(g, str)]
        out.append(built if job and len(built) == len(mine) else [])
    return out


def _s(value: object) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def edited(text: str, options: Mapping[str, object], directory: Path, root: Path) -> str | NotRendered:
    """The kustomization ``text`` as Argo CD's edits leave it, or Argo CD's refusal."""
    try:  # guarded as every read of the repository is (depth, aliases)
        node = nodes.compose(text, "kustomization")
    except ManifestError as e:
        return NotRendered(f"kustomize edit cannot read the kustomization: {e.message}")
    if node is not None and (not isinstance(node, yaml.MappingNode) or node.flow_style):
        return NotRendered("the kustomization is no block mapping, which the bot does not edit")
    top = {k.value: v for k, v in (node.value if node is not None else []) if isinstance(k, yaml.ScalarNode)}
    sets: dict[str, object] = {}
    for key in ("namePrefix", "nameSuffix"):
        if _s(options.get(key)):
            sets[key] = _s(options[key])
    given_images = options.get("images")
    images = [_s(i) for i in given_images if _s(i)] if isinstance(given_images, list) else []
    if images:
        got = _set_images(top.get("images"), images)
        if isinstance(got, NotRendered):
            return got
        sets["images"] = got
    replicas = options.get("replicas")
    if isinstance(replicas, list) and replicas:
        got_r = _set_replicas(top.get("replicas"), replicas)
        if isinstance(got_r, NotRendered):
            return got_r
        sets["replicas"] = got_r
    for key, force in (
        ("commonLabels", "forceCommonLabels"),
        ("commonAnnotations", "forceCommonAnnotations"),
    ):
        given = options.get(key)
        if not isinstance(given, dict) or not given:
            continue
        kind = "label" if key == "commonLabels" else "annotation"
        if kind == "label" and options.get("labelWithoutSelector") is True:
            got_l = _labels(top.get("labels"), given, options)
            if isinstance(got_l, NotRendered):
                return got_l
            sets["labels"] = got_l
            continue
        held = _pairs(top.get(key))
        for k, v in given.items():
            if str(k) in held and options.get(force) is not True:
                return NotRendered(f"{kind} {k} already in kustomization file. Use --force to override.")
            held[str(k)] = _s(v)
        sets[key] = held
    if _s(options.get("namespace")):
        sets["namespace"] = _s(options["namespace"])
    patches = options.get("patches")
    for patch in patches if isinstance(patches, list) else []:
        path = _s(helm_render.at(patch, "path"))
        out = path and not kustomize_refs.is_remote(path)
        if out and not walks.inside(root, Path(os.path.normpath(directory / path))):
            # kustomize's load restrictor: no patch file outside the kustomization's directory
            return NotRendered(
                f"kustomize.patches path {path} leads out of the repository: kustomize reads no patch file "
                f"outside {directory.relative_to(root).as_posix() or '.'}"
            )
    if isinstance(patches, list) and patches:
        had = top.get("patches")
        if had is not None and not isinstance(had, yaml.SequenceNode):
            return NotRendered("expected 'patches' field in kustomization.yaml to be []any")
        sets["patches"] = [*(_plain(had) if had is not None else []), *patches]
    components = options.get("components")
    if isinstance(components, list) and components:
        have = [_s(c) for c in _plain(top["components"])] if "components" in top else []
        for c in (_s(c) for c in components):
            there = (directory / c).exists() and walks.inside(root, Path(os.path.normpath(directory / c)))
            if not there and options.get("ignoreMissingComponents") is True:
                continue
            if not there:
                return NotRendered(f"kustomize edit add component {c}: {c} has no match")
            have += [c] if c not in have else []
        sets["components"] = have
    return _spliced(text, node, sets)


def _pairs(node: yaml.Node | None) -> dict[str, str]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): str(v.value) for k, v in node.value if isinstance(v, yaml.ScalarNode)}


def _plain(node: yaml.Node) -> list[object]:
    got = Constructor().construct_document(node)
    return list(got) if isinstance(got, list) else []


def _split(image: str) -> tuple[str, str, str]:
    """kustomize's image.Split: (name, tag, digest), a registry's port not taken for a tag."""
    slash = image.find("/")
    slash = slash if slash > 0 else 0
    search = image[slash:]
    at, colon = search.find("@"), search.find(":")
    if colon < 0 and at < 0:
        return image, "", ""
    if at >= 0 and (at < colon or colon < 0):
        return image[: at + slash], "", image[at + slash + 1 :]
    if at >= 0:
        return image[: colon + slash], image[colon + slash + 1 : at + slash], image[at + slash + 1 :]
    return image[: colon + slash], image[colon + slash + 1 :], ""


def _set_images(had: yaml.Node | None, args: list[str]) -> list[dict[str, str]] | NotRendered:
    """``kustomize edit set image ARGS`` over the kustomization's ``images:`` (setimage.go)."""
    given: dict[str, dict[str, str]] = {}
    for arg in args:
        # NAME=NEW only where the argument holds one '=' (an empty NAME too) and a NEW; else
        # the whole argument is NAME:TAG or NAME@DIGEST, a bare name refused
        parts = arg.split("=")
        keyed = len(parts) == 2
        key, value = parts if keyed else ("", arg)
        name, tag, digest = _split(value)
        if not value or (not keyed and name == arg):
            return NotRendered(f"kustomize edit set image {arg}: invalid format of image")
        entry = {"name": key, "newName": name} if keyed else {"name": name}
        given[entry["name"]] = {
            **entry,
            **({"newTag": tag} if tag else {}),
            **({"digest": digest} if digest else {}),
        }
    entries = [_pairs(n) for n in had.value] if isinstance(had, yaml.SequenceNode) else []
    merged = dict(given)
    for old in entries:
        name = old.get("name", "")
        if name in given:
            new = dict(given[name])
            for f in _FIELDS:
                if new.get(f) == _KEEP:
                    new[f] = old.get(f, "")
            merged[name] = new
        else:
            merged[name] = old
    out = []
    for entry in merged.values():
        out.append({k: v for k, v in entry.items() if (v and v != _KEEP) or k == "name"})
    return sorted(out, key=lambda e: e.get("name", ""))


def _set_replicas(had: yaml.Node | None, given: list[object]) -> list[dict[str, object]] | NotRendered:
    merged: dict[str, dict[str, object]] = {}
    for r in given:
        name, count = _s(helm_render.at(r, "name")), helm_render.at(r, "count")
        try:
            number = int(count) if isinstance(count, (int, str)) and not isinstance(count, bool) else None
        except ValueError:
            number = None
        if number is None:
            return NotRendered(f"replicas {name}: count {count!r} is no integer")
        merged[name] = {"name": name, "count": number}
    for old in _plain(had) if isinstance(had, yaml.SequenceNode) else []:
        if isinstance(old, dict) and str(old.get("name")) not in merged:
            merged[str(old.get("name"))] = old
    return sorted(merged.values(), key=lambda e: str(e.get("name")))


def _labels(
    had: yaml.Node | None, given: Mapping[object, object], options: Mapping[str, object]
) -> list[object] | NotRendered:
    """``kustomize edit add label --without-selector``: into the ``labels:`` entry of the same
    settings, else a new one."""
    labels = _plain(had) if isinstance(had, yaml.SequenceNode) else []
    templates = options.get("labelIncludeTemplates") is True
    entry = next(
        (
            e
            for e in labels
            if isinstance(e, dict)
            and e.get("includeSelectors", False) is False
            and e.get("includeTemplates", False) is templates
        ),
        None,
    )
    if entry is None:
        entry = {"pairs": {}, **({"includeTemplates": True} if templates else {})}
        labels.append(entry)
    pairs = entry.setdefault("pairs", {})
    for k, v in given.items():
        if str(k) in pairs and options.get("forceCommonLabels") is not True:
            return NotRendered(f"label {k} already in kustomization file. Use --force to override.")
        pairs[str(k)] = _s(v)
    return labels


def _spliced(text: str, node: yaml.Node | None, sets: Mapping[str, object]) -> str:
    """``text`` with each top-level key of ``sets`` written as JSON (which YAML reads), in the
    place of what it held, else appended; every other line as written."""
    spans: list[tuple[int, int, str]] = []
    rest = dict(sets)
    for k, v in node.value if node is not None else []:
        if isinstance(k, yaml.ScalarNode) and k.value in rest:
            end = v.end_mark.index
            line = f"{k.value}: {json.dumps(rest.pop(k.value))}"
            spans.append((k.start_mark.index, end, line + ("\n" if text[end - 1 : end] == "\n" else "")))
    for start, end, line in sorted(spans, reverse=True):
        text = text[:start] + line + text[end:]
    if rest:
        text = text if not text or text.endswith("\n") else text + "\n"
        text += "".join(f"{k}: {json.dumps(v)}\n" for k, v in rest.items())
    return text


def render(
    settings: RenderSettings, root: Path, found: Sequence[Build], texts: Mapping[Path, str] | None = None
) -> list[str | NotRendered | None]:
    """Each build rendered (``texts``: files written over the tree beneath its edits): its
    output, Argo CD's refusal or kustomize's, or None where it is not built here (what it reads
    is not all here, past the size budget, a link read that leads out, no kubectl)."""
    texts = dict(texts or {})
    out: list[str | NotRendered | None] = [None] * len(found)
    if settings.tool("kubectl") is None or not found:
        return out
    leaving = tools.links_out(root)
    sides: list[tuple[dict[Path, str], set[Path], list[int]]] = []
    for i, b in enumerate(found):
        if b.refused:
            out[i] = NotRendered(f"Argo CD's kustomize edit fails: {b.refused}")
            continue
        mine = {**texts, **b.texts}
        name = b.directory.relative_to(root).as_posix() or "."
        if (
            not tools.all_here(root, b.directory, mine)
            or tools.over_budget(settings, root, b.directory, name, mine)
            or tools.links_read(root, b.directory, leaving, mine)
        ):
            continue
        reached = {*reader.reach(walks.disk_tree(root, mine), root, b.directory).files, *b.texts}
        for side_texts, side_reached, idx in sides:
            # one copy builds several where what each writes is what the others read as well
            if all(side_texts.get(p, t) == t for p, t in mine.items() if p in side_reached) and all(
                mine.get(p, t) == t for p, t in side_texts.items() if p in reached
            ):
                side_texts.update(mine)
                side_reached.update(reached)
                idx.append(i)
                break
        else:
            sides.append((mine, reached, [i]))
    if not sides:
        return out
    labels = {
        f"argo-{k}": (
            t,
            list(dict.fromkeys(found[i].directory.relative_to(root).as_posix() or "." for i in idx)),
        )
        for k, (t, _, idx) in enumerate(sides)
    }
    got = tools.render_each(settings, root, labels, {n for _, ns in labels.values() for n in ns})
    for k, (_, _, idx) in enumerate(sides):
        for i in idx:
            out[i] = got[f"argo-{k}"][found[i].directory.relative_to(root).as_posix() or "."]
    return out


def said(
    root: Path, found: Sequence[Build], before: EnvironmentReading, judged: EnvironmentReading
) -> EnvironmentReading:
    """``judged`` (a marked render of ``found``) with each image it found unsupported said as
    Argo CD's build of it: what renders the same, and the ``kustomize.images`` fix."""
    dirs = list(dict.fromkeys(b.directory for b in found))
    where = ", ".join(d.relative_to(root).as_posix() or "." for d in dirs)
    origins = ", ".join(dict.fromkeys(b.origin for b in found))
    merged = [(b.directory / f).relative_to(root).as_posix() for b in found for f in b.merged]
    how = f"({where} built as Argo CD builds it, {origins}'s kustomize fields written in, renders the same"
    how += " with it)"
    return replace(
        judged,
        images=tuple(
            replace(
                new,
                reason=(new.reason or "").replace(
                    f"(kubectl kustomize {where} renders the same with it)", how
                ),
                fix=(
                    f"Argo CD merges {', '.join(merged)} over the Application's source: pin {new.image} "
                    "there, or take the kustomize images out of it"
                    if merged
                    else f"name the image in the kustomize.images entry as {where} writes it (kustomize "
                    "matches the entry's name, before any '=', with an image field's name), or pin "
                    f"{new.image} where {new.environment}'s render takes it from"
                ),
            )
            if new.status is PinStatus.UNSUPPORTED and old.status is not PinStatus.UNSUPPORTED
            else new
            for old, new in zip(before.images, judged.images, strict=True)
        ),
    )
