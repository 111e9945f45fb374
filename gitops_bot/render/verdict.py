"""What each image's reading says, from an environment's walk and what every environment
renders: the places that win when rendered (kustomize's order of applying them), who else
renders each, and the status, reason, fix and where a release for this environment goes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import (
    KUSTOMIZE_ENTRY,
    EnvironmentReading,
    ImageReading,
    PinKind,
    PinStatus,
    unread_block,
)
from gitops_bot.manifests import images, is_appset, values_keys
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.render import missing, pin_rules
from gitops_bot.render.walk import YAML_SUFFIXES, Found, Source, Walk


def own_documents(
    env: str, walks: Mapping[str, Walk], renders: Mapping[str, set[str]]
) -> Mapping[str, set[str]]:
    """What renders each file, as ``env`` sees it: of a file holding several environments'
    Applications, another environment reading a different Application of it renders none of
    ``env``'s (each document is its own place)."""
    own = walks[env].documents
    if not own:
        return renders
    out = dict(renders)
    for f, doc in own.items():
        out[f] = {n for n in renders.get(f, set()) if walks[n].documents.get(f, doc) == doc}
    return out


def may_render(sources: Sequence[Source], walks: Mapping[str, Walk], renders: dict[str, set[str]]) -> None:
    """An environment not read whole through what may list more files (its kustomization, an
    entry that may be a directory, its path's file, the files past the bound) may render any
    file the others read outside their own paths: counted as rendering it (``renders``), so
    no other environment's release edits what it may run. A plain manifest or values file not
    read holds objects or values, never a reference: it renders nothing more."""
    for source in sources:
        walk = walks[source.name]
        if not walk.capped and not any(
            PurePosixPath(f).name in KUSTOMIZATION_NAMES or not f.endswith(YAML_SUFFIXES) or f in source.paths
            for f, _ in walk.incomplete
        ):
            continue
        for other in sources:
            if other is not source:
                for f in walks[other.name].files:
                    if not any(f == p or f.startswith(f"{p.rstrip('/')}/") for p in other.paths):
                        renders[f].add(source.name)


def same_files(renders: dict[str, set[str]], real: Callable[[str], str]) -> None:
    """One file read by several names (``real``: each name's file, its links resolved; a link
    to another environment's kustomization, a directory linked to a base) is rendered by every
    environment reading any of them: a release through one name edits what the others run."""
    names: dict[str, list[str]] = {}
    for f in renders:
        names.setdefault(real(f), []).append(f)
    for group in (g for g in names.values() if len(g) > 1):
        envs = set().union(*(renders[f] for f in group))
        for f in group:
            renders[f] = set(envs)


def rendered_by(walks: Mapping[str, Walk]) -> dict[str, list[str]]:
    """image -> the environments whose walk finds it: an image one environment renders not is
    another's (a pipeline's image seen from dev), not a misnamed one."""
    out: dict[str, list[str]] = {}
    for name, walk in walks.items():
        for f in walk.found:
            if name not in out.setdefault(f.site.image, []):
                out[f.site.image].append(name)
    return out


def reading(
    source: Source,
    walk: Walk,
    renders: Mapping[str, set[str]],
    others: Mapping[str, Sequence[str]] | None = None,
    values_key: Callable[[str], tuple[str, str, str] | None] | None = None,
    writes: Callable[[Sequence[ImageReading], Mapping[str, str], Mapping[str, str]], list[ImageReading]]
    | None = None,
) -> EnvironmentReading:
    """``others``: image -> the environments rendering it (:func:`rendered_by`), so an image
    this one does not render is said as another's rather than as misnamed. ``writes``: the
    readings with each release the editors refuse made unsupported (:func:`checked_writes`)."""
    env = source.name
    unread = missing.scope_unread(walk, env)  # a file not read blocks the units reading it

    def alone(file: str) -> bool:
        return not renders.get(file, set()) - {env}

    out: list[ImageReading] = []
    by_image: dict[str, list[Found]] = {}
    for f in walk.found:
        by_image.setdefault(f.site.image, []).append(f)
    # what a release for this environment may edit: its own files only (a file another
    # environment renders too is shared, whoever names it in its path)
    writable: dict[str, None] = {f: None for f in walk.configured if alone(f)}
    scoped = _scoped(walk)
    for image in source.images:
        reading = _image(env, image, _of_its_chart(by_image.get(image, [])), walk, renders, alone)
        # an environment rendering other images it is given but not this one, or deploying an
        # external chart (what that renders is no file here): this one is another's; one
        # rendering none of them from its own files may point at the wrong path (the fix says so)
        if (
            reading.status is PinStatus.NOT_RENDERED
            and (walk.found or walk.charts)
            and (theirs := [n for n in (others or {}).get(image, ()) if n != env])
        ):
            reading = _theirs(env, image, theirs)
        elif reading.status is PinStatus.NOT_RENDERED and values_key and (hit := values_key(image)):
            # a values file it reads names the image under a key: what is missing is the image's
            # helm: keys, not its name or the environment's path
            where, key, add = hit
            fix = f"{where} names {image} at {key}: {add}"
            reading = replace(reading, fix=fix)
        if walk.incomplete:  # what an unread file sets is not known: nothing of it is released
            reason, fix = unread_block(env, list(walk.incomplete))
            reading = ImageReading(env, image, PinStatus.UNSUPPORTED, reading.pins, reason, fix)
        out.append(reading)
    if writes is not None:
        out = writes(out, walk.documents, walk.subcharts)
    for reading in out:
        if reading.status is PinStatus.PINNED and reading.would_write is None:
            writable.update((p.file, None) for p in reading.pins if p.effective and p.editable)
        if reading.would_write is not None:
            writable.update((f, None) for f in reading.would_write.files)
    return EnvironmentReading(
        env,
        tuple(out),
        tuple(walk.files),
        tuple(writable),
        tuple(map(str, walk.notes)),
        tuple(walk.documents.items()),
        subcharts=tuple(walk.subcharts.items()),
        # a release there is valid and overwritten by the tool's next run: said, not refused
        generated=tuple((f, walk.generated[f]) for f in writable if f in walk.generated),
        said=(
            *walk.said,
            *_rendered_otherwise(out, walk),
            *(unit_said(why, fix, why in unread) for why, fix, _ in scoped),
        ),
        incomplete=tuple(walk.incomplete),
        refused=() if scoped else tuple((r, walk.fixes.get(r, pin_rules.PATCH_FIX)) for r in walk.refused),
        scoped=scoped,
        unread_scoped=unread,
    )


def _scoped(walk: Walk) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Each refusal blocking some of the environment's deployer units, not all of them: its fix and
    the files those units read (:func:`missing.refused_units`); empty when none or all are."""
    units = missing.refused_units(walk) if walk.refused else None
    if units is None:
        return ()
    return tuple(
        (
            why,
            walk.fixes.get(why, pin_rules.PATCH_FIX),
            tuple(f for f, us in walk.read_in.items() if us & mine),
        )
        for why in dict.fromkeys(units.values())
        if (mine := {u for u, r in units.items() if r == why})
    )


def units_refused(
    reading: EnvironmentReading, units: Sequence[tuple[str, str, tuple[str, ...]]]
) -> EnvironmentReading | None:
    """``reading`` with deployer units its renderer refuses (each ``(reason, fix, files it
    reads)``, and others it reads whole): an image with a place in one, or with none read (the
    refused unit may set it), is unsupported in its words; the others are read as they are, and
    so is an image no file of the environment names (another environment's: the refused unit's
    files, read, do not name it either). None when no image is read outside them: the
    environment is refused whole, as by the rules (:func:`missing.refused_units`)."""

    def refusal(i: ImageReading) -> tuple[str, str] | None:
        if any(i.reason == why for why, *_ in reading.scoped):  # the rules' refusal of its unit
            return None
        if i.nowhere:
            return None
        files = {p.file for p in i.pins} | set(i.would_write.files if i.would_write is not None else ())
        hit = next(((why, fix) for why, fix, fs in units if files & set(fs)), None)
        return hit if hit is not None or i.effective is not None else units[0][:2]

    # an environment of charts alone is not refused whole for a unit holding none of them: its
    # chart sites are judged by the units they are in
    if reading.images and all(i.effective is None or refusal(i) is not None for i in reading.images):
        return None
    images = tuple(
        i
        if (got := refusal(i)) is None
        # what the files say, as the rules say it of a refused unit: no place of it is what runs
        else replace(
            i,
            status=PinStatus.UNSUPPORTED,
            pins=tuple(replace(p, effective=False) for p in i.pins),
            reason=got[0],
            fix=got[1],
            would_write=None,
        )
        for i in reading.images
    )
    said = tuple(unit_said(why, fix) for why, fix, _ in units)
    return replace(reading, images=images, scoped=(*reading.scoped, *units), said=(*reading.said, *said))


def unit_said(why: str, fix: str, unread: bool = False) -> str:
    """A refused unit of an environment, said beside the others that are read; ``unread``: a file
    it renders is not read (``why`` names the file, not the unit)."""
    what = "what the Application, Kustomization or path reading it renders" if unread else "what it renders"
    return f"{why}: {what} is not released, the environment's others are (fix: {fix})"


RELEASE = "HelmRelease/"  # a Helm values site's workload when a HelmRelease's values hold it


def _of_its_chart(found: list[Found]) -> list[Found]:
    """The image's Helm values places in the values of its own chart: where the environment's
    paths are several Applications (each a root, its chart its own) and the values of some name
    the image's repository, a root whose values hold only a tag key of the same path (another
    chart's ``server.image.tag``) is another chart's image, and a release written there would
    run that chart at this image's tag. One root, or none naming it, keeps every place."""
    helm = [f for f in found if f.kind is PinKind.HELM]
    # of HelmReleases alike (their values, or a kustomize patch of them): a tag alone in another
    # release's values is its chart's own image
    releases = {f.site.workload for f in found if f.site.repository and f.site.workload.startswith(RELEASE)}
    if releases:
        theirs = [f for f in found if not f.site.repository and f.site.workload.startswith(RELEASE)]
        found = [f for f in found if f not in theirs or f.site.workload in releases]
        helm = [f for f in found if f.kind is PinKind.HELM]
    named = {f.root for f in helm if f.site.repository}
    if not named or len({f.root for f in helm}) < 2:
        return found
    return [f for f in found if f.kind is not PinKind.HELM or f.root in named]


def _rendered_otherwise(readings: Sequence[ImageReading], walk: Walk) -> dict[str, None]:
    """Each Helm value the environment runs whose text is not what helm renders (``tag: 1.10``
    runs 1.1), said where it is with the fix: the reading's version is the rendered one."""
    wins = {(p.file, p.line) for r in readings for p in r.pins if p.effective}
    return {
        f"{f.file}:{line}: {f.site.note}": None
        for f in walk.found
        if f.site.note and (f.file, line := f.site.value_line or f.site.line) in wins
    }


def _theirs(env: str, image: str, others: Sequence[str]) -> ImageReading:
    """Not rendered here, rendered by other environments: said in a few words, with no fix (the
    image is named right and deployed where it belongs)."""
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    verb = "renders" if len(others) == 1 else "render"
    return ImageReading(env, image, PinStatus.NOT_RENDERED, reason=f"only {shown} {verb} it")


def _image(
    env: str,
    image: str,
    found: list[Found],
    walk: Walk,
    renders: Mapping[str, set[str]],
    alone: Callable[[str], bool],
) -> ImageReading:
    """The reading, with what changes nothing said beside it: a patch whose target selects
    nothing built is no place a release goes, and the user is told why it is not read."""
    out = pin_rules.verdict(env, image, found, walk, renders, alone)
    misses = list(dict.fromkeys(f.misses for f in found if f.misses))
    if not misses or out.reason in walk.fixes or walk.elsewhere:
        return out
    said = "; ".join(misses) + " (kustomize applies it to nothing)"
    fix = "give the patch's target: the kind and name of what it is meant to change, or drop it"
    if not any(p.effective for p in out.pins) and out.status is not PinStatus.UNSUPPORTED:
        return replace(out, status=PinStatus.NOT_RENDERED, reason=said, fix=fix, would_write=None)
    return replace(
        out,
        reason=f"{out.reason}; {said}" if out.reason else said,
        fix=out.fix or fix,
    )


# -- whether each release can be written where it goes ----------------------------------


def checked_writes(
    specs: Sequence[images.ImageSpec],
    text: Callable[[str], str | None],
    readings: Sequence[ImageReading],
    documents: Mapping[str, str],
    subcharts: Mapping[str, str] | None = None,
) -> list[ImageReading]:
    """``readings`` with each release no editor takes made ``unsupported``, in the editor's words
    and fix: the editors a release runs (:func:`~gitops_bot.manifests.values_keys.own_layer`,
    :func:`~gitops_bot.manifests.images.edit`) run over the files as they are, each file once
    for every image going there, so ``plan`` never says "a release writes ..." of a place
    ``update`` cannot write, and ``update`` skips that image alone. ``text``: a file's
    text by its path in the reading; ``documents``: of a file holding several Applications, the
    environment's own (the only one a release edits); ``subcharts``: a subchart's values file ->
    the key its parent's values hold it under."""
    by_name = {s.name: s for s in specs}
    layered: dict[str, list[ImageReading]] = {}  # file -> the images a release adds there
    in_place: dict[str, list[ImageReading]] = {}  # file -> the images a release edits there
    for r in readings:
        if (
            r.status not in (PinStatus.PINNED, PinStatus.INHERITED)
            or not r.writable
            or r.image not in by_name
        ):
            continue
        if r.would_write is not None:
            for f in r.would_write.files:
                layered.setdefault(f, []).append(r)
        else:
            # in place, a Helm value may be no scalar to write (a list) or a key the file lacks;
            # an images: entry or a container is written in any style it is in (checking them
            # too tripled a 1,000-image environment's reading, 0.05 s -> 0.3 s)
            # and an ApplicationSet's list element, which its editor finds by the Application's
            # name alone (several elements' names may fit one the reading knew by its directory)
            helm = (
                p.file
                for p in r.pins
                if p.effective
                and p.editable
                and not p.branch
                and (p.kind is PinKind.HELM or (p.kind is PinKind.ARGOCD and is_appset(text(p.file) or "")))
            )
            for f in dict.fromkeys(helm):
                in_place.setdefault(f, []).append(r)
    refused: dict[str, tuple[str, str]] = {}
    for file, found in layered.items():
        if (body := text(file)) is None:
            continue

        def add(rs: Sequence[ImageReading], body: str = body, file: str = file) -> object:
            added = {k: v for r in rs for k, v in values_keys.keys(r, by_name[r.image]).items()}
            return values_keys.own_layer(body, file, specs, values_keys.probes([r.image for r in rs]), added)

        # a kustomization takes every new entry the same way (appended in the list's style): one
        # stands for all, where writing each of a 1,000 inherited images took 0.35 s a reading
        entries = all(r.would_write is not None and r.would_write.form == KUSTOMIZE_ENTRY for r in found)
        if not entries or values_keys.refusal(functools.partial(add, found[:1])) is not None:
            _check(found, add, refused, functools.partial(_into, file))
    for file, found in in_place.items():
        if (body := text(file)) is None:
            continue

        def edit(rs: Sequence[ImageReading], body: str = body, file: str = file) -> object:
            probes = values_keys.probes([r.image for r in rs])
            under = (subcharts or {}).get(file, "")
            return images.edit(
                body, file, specs, probes, append=False, application=documents.get(file), under=under
            )

        _check(found, edit, refused, functools.partial(_in_place, file))
    return [
        replace(
            r,
            status=PinStatus.UNSUPPORTED,
            reason=refused[r.image][0],
            fix=refused[r.image][1],
            would_write=None,
        )
        if r.image in refused
        else r
        for r in readings
    ]


def _into(file: str, r: ImageReading) -> str:
    return f"its {r.would_write.form if r.would_write is not None else 'entry'} would go into {file}"


def _in_place(file: str, r: ImageReading) -> str:
    return f"it is set in place in {file}"


def _check(
    found: Sequence[ImageReading],
    write: Callable[[Sequence[ImageReading]], object],
    refused: dict[str, tuple[str, str]],
    where: Callable[[ImageReading], str],
) -> None:
    """Every image of one file written at once (one parse and one re-read); when the editors
    refuse, each alone, so the refusal is said of the images it is about."""
    if values_keys.refusal(lambda: write(found)) is None:
        return
    for r in found:
        error = values_keys.refusal(lambda r=r: write([r]))  # type: ignore[misc]
        if error is not None and r.image not in refused:
            refused[r.image] = _said(r, where(r), error)


def _said(r: ImageReading, where: str, error: ManifestError) -> tuple[str, str]:
    return (
        f"no release can be written byte-exactly: {where}, and {error.message}",
        error.hint or "write the image's place in the file by hand once; releases then edit it there",
    )
