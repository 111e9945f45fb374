"""A release's edits made in memory, of an environment's files as they are: what ``update``
commits (in a worktree or :mod:`gitops_bot.engine.batch`'s in-memory trees) and what
``plan --output json`` shows as each release's rendered diff (:func:`rendered_of`).

Apart from :mod:`gitops_bot.engine.batch` so that ``plan`` reaches the editors without the git
plumbing and the forge clients that ``update`` delivers with."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from gitops_bot.config import Config
from gitops_bot.core.errors import GitOpsBotError, UsageError
from gitops_bot.core.model import ArtifactKind, EnvironmentPlan, ImageRef, Plan, PlanAction, PlanItem
from gitops_bot.core.outside import Outside
from gitops_bot.core.reading import ImageReading
from gitops_bot.engine import branches
from gitops_bot.engine.app import App, own_generated
from gitops_bot.manifests import charts, images
from gitops_bot.manifests.edit import (
    APP_PARAMETERS,
    APP_VALUES_OBJECT,
    APP_VALUES_STRING,
    EditResult,
    Unwritten,
)
from gitops_bot.manifests.values_keys import keys as layer_keys
from gitops_bot.manifests.values_keys import own_layer
from gitops_bot.release.proposal import Change, Release
from gitops_bot.render import release_diff
from gitops_bot.render import tools as renderer
from gitops_bot.render.diff import Rendered

# where a digest goes, by the site whose values have no place for it (named by its field)
_DIGEST_PLACES = {
    "helm": "a digest key beside the tag, or helm.digest",
    APP_PARAMETERS: "a helm.parameters entry for a digest key, named in the image's helm.digest",
    APP_VALUES_OBJECT: "a digest key beside the tag in helm.valuesObject, named in the image's helm.digest",
    APP_VALUES_STRING: "a digest key beside the tag in helm.values, named in the image's helm.digest",
}


def unwritten_warning(u: Unwritten) -> str:
    """An image whose policy pins a digest that the file has no place for: written tag-only,
    and said so in the output and the PR body."""
    where = _DIGEST_PLACES.get(u.site, 'a ":digest" marker')
    return f"{u.message()} (pinned tag-only: add {where} for it)"


def edit(
    app: App,
    rel: Release,
    root: Path,
    texts: Mapping[Path, str],
    specs: Sequence[images.ImageSpec],
    render_root: Path | None = None,
) -> tuple[Release, dict[Path, str]]:
    """``rel``'s edits of an environment's files (``texts``: each file's current text by its
    path under the worktree ``root``, in :meth:`App.files` order); returns the release with the
    files that actually hold each image, and the new text of each file that changes.
    ``render_root``: where the files ``texts`` are of lie on disk for the rendered diff, when
    not at ``root`` (an environment's own branch written out)."""
    updates = [
        images.Update(c.image, repository=c.new_name, tag=c.to_tag, digest=c.to_digest)
        for c in rel.changes
        if c.kind is ArtifactKind.IMAGE
    ]
    touched: dict[str, list[str]] = {}
    warnings: dict[str, list[Outside]] = {}
    written: dict[Path, str] = {}
    layers = _own_layers(app, rel.environment, updates) if updates else {}
    documents = _documents(app, rel.environment) if updates else {}
    subcharts = _subcharts(app, rel.environment) if updates else {}
    placed = _placed(app, rel.environment) if updates else {}
    for path, text in texts.items():
        if not updates:
            break
        here = [
            u
            for u in updates
            if u.image not in layers and (u.image not in placed or path.resolve() in placed[u.image])
        ]
        own_doc = documents.get(path.resolve())
        # one parse, one re-read
        under = subcharts.get(path.resolve(), "")
        result = images.edit(text, str(path), specs, here, append=False, application=own_doc, under=under)
        own = [u for u in updates if (layer := layers.get(u.image)) is not None and path in layer[0]]
        if own:  # inherited images: an entry of their own in the environment's own layer
            by_name = {s.name: s for s in specs}
            keys = {
                k: v for u in own for k, v in layer_keys(layers[u.image][1], by_name.get(u.image)).items()
            }
            added = own_layer(result.text, str(path), specs, own, keys)
            _check_layered(own, added, path, layers)
            result = replace(
                added,
                changes=result.changes + added.changes,
                images=tuple(dict.fromkeys(result.images + added.images + tuple(u.image for u in own))),
                unwritten=result.unwritten + added.unwritten,
            )
        rel_path = path.relative_to(root).as_posix()
        for image in result.images:
            touched.setdefault(image, []).append(rel_path)
        for u in result.unwritten:
            warnings.setdefault(u.image, []).append(Outside(unwritten_warning(replace(u, file=rel_path))))
        if result.text != text:
            written[path] = result.text
    if written:
        _check_alone(app, rel.environment, root, written)
    chart_changes = {c.image: c.to_tag for c in rel.changes if c.kind is ArtifactKind.CHART and c.to_tag}
    if chart_changes:
        for chart, rel_path in _edit_charts(app, rel.environment, root, texts, written, chart_changes):
            touched.setdefault(chart, []).append(rel_path)
    changes = [
        replace(
            c,
            files=tuple(touched.get(c.image, c.files)),
            warnings=tuple(warnings.get(c.image, ())),
            layer=layers[c.image][1] if c.image in layers else None,
        )
        for c in rel.changes
    ]
    rel = replace(rel, changes=tuple(changes))
    return _with_render(app, rel, root, texts, written, render_root) if written else rel, written


def _documents(app: App, environment: str) -> dict[Path, str]:
    """Of each file holding several environments' Applications, the one this environment
    owns (the reader's): only that document is edited for it."""
    reading = app.reading(app.config.environment(environment))
    return {(app.config.root / f).resolve(): doc for f, doc in reading.documents}


def _subcharts(app: App, environment: str) -> dict[Path, str]:
    """Each values file of a chart's ``file://`` dependency the reader read with its parent ->
    the key the parent's values hold it under: its editor reads its keys under that one."""
    reading = app.reading(app.config.environment(environment))
    return {(app.config.root / f).resolve(): key for f, key in reading.subcharts}


def _placed(app: App, environment: str) -> dict[str, set[Path]]:
    """The files holding a place the reader found of each image the environment renders: a
    release writes there, never at a site the reader judged dead in another file the
    environment may edit (an Application's kustomize.images its .argocd-source file replaces)."""
    reading = app.reading(app.config.environment(environment))
    return {r.image: {(app.config.root / p.file).resolve() for p in r.pins} for r in reading.images if r.pins}


def _own_layers(
    app: App, environment: str, updates: Sequence[images.Update]
) -> dict[str, tuple[tuple[Path, ...], ImageReading]]:
    """The images whose version the environment inherits from a place other environments
    render too, each with the files of its own layer a release writes instead (the reader's
    ``would_write``: one per rendering that inherits it): the shared place itself is never
    edited for one environment."""
    reading = app.reading(app.config.environment(environment))
    wanted = {u.image for u in updates}
    return {
        r.image: (tuple(app.config.root / f for f in r.would_write.files), r)
        for r in reading.images
        if r.image in wanted and r.would_write is not None and r.writable
    }


def _check_alone(app: App, environment: str, root: Path, written: Mapping[Path, str]) -> None:
    """No image edit for one environment lands in a file another environment renders (the
    reader's graph; the rendered diff then shows the target's render changing): a bug here
    is refused before anything is committed, never shipped as a change to another environment."""
    try:
        base = app.config.root.resolve().relative_to(root.resolve())
    except ValueError:
        return  # the config lives outside this checkout's tree: paths are not comparable here
    mine = dict(app.readings()[environment].documents) if environment in app.readings() else {}
    # a file on another branch is another place (one branch per environment)
    here = branches.branch_of(app, app.config.environment(environment))
    others = {
        (base / f).as_posix(): name
        for name, r in app.readings().items()
        if name != environment and branches.branch_of(app, app.config.environment(name)) == here
        for f in r.rendered
        # another environment's own Application of a file holding several: a place of its own
        if not (f in mine and dict(r.documents).get(f, mine[f]) != mine[f])
    }
    for path in written:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        if rel in others:
            raise UsageError(
                f"environment {environment!r}: the release would edit {rel}, which {others[rel]} renders too",
                hint="point each environment's path at what it alone renders (its overlay, its values file)",
            )


def _check_layered(
    own: Sequence[images.Update],
    result: EditResult,
    path: Path,
    layers: Mapping[str, tuple[tuple[Path, ...], ImageReading]],
) -> None:
    """Refuse, by name, a release the environment's own layer did not take: nothing silent."""
    for u in own:
        if u.image not in result.images and not any(c.image == u.image for c in result.changes):
            r = layers[u.image][1]
            assert r.would_write is not None
            raise UsageError(
                f"environment {r.environment!r}: {u.image} is inherited from "
                f"{r.effective.file if r.effective else '?'} and {path.name} did not take a "
                f"{r.would_write.form} for it",
                hint=f"pin {u.image} in {r.would_write.file} by hand once; later releases edit it there",
            )


def _edit_charts(
    app: App,
    environment: str,
    root: Path,
    texts: Mapping[Path, str],
    written: dict[Path, str],
    versions: Mapping[str, str],
) -> list[tuple[str, str]]:
    """The chart versions written into every site of each changed chart (on top of the image
    edits in ``written``), and the ``Chart.lock`` beside an edited ``Chart.yaml`` relocked;
    returns (chart, file) for each file that holds a changed chart."""
    specs = app.declared.chart_specs()
    changes = {specs[name]: version for name, version in versions.items() if name in specs}
    current = {path: written.get(path, text) for path, text in texts.items()}
    # what the edited files refer to may be in a file they share with other environments (the
    # base HelmRelease an overlay's patch sets the version of): read from all it renders
    rendered_flux, rendered_releases = app.chart_context(app.config.environment(environment))
    flux, releases = charts.context(current)
    flux, releases = {**rendered_flux, **flux}, {**rendered_releases, **releases}
    documents = _documents(app, environment)  # another environment's Application is not edited
    env = app.config.environment(environment)
    held: list[tuple[str, str]] = []
    for path, text in current.items():
        if path.name == "Chart.lock":
            continue
        rel_path = path.relative_to(root).as_posix()
        # of an ApplicationSet's Applications, those the environment names are its own
        own = documents.get(path.resolve()) or own_generated(env, text, rel_path)
        sites = charts.read(
            text, str(path), list(changes), repositories=flux, releases=releases, application=own
        )
        held += [(name, rel_path) for name in dict.fromkeys(s.chart.name for s in sites)]
        new = charts.write(text, str(path), changes, repositories=flux, releases=releases, application=own)
        if new == text:
            continue
        written[path] = new
        lock = path.with_name("Chart.lock")
        if path.name == "Chart.yaml" and lock in current:
            relocked = charts.relock(new, current[lock], changes)
            if relocked != texts[lock]:
                written[lock] = relocked
    return held


def _with_render(
    app: App,
    rel: Release,
    root: Path,
    texts: Mapping[Path, str],
    written: Mapping[Path, str],
    render_root: Path | None = None,
) -> Release:
    """The release with the rendered diff of its edits (docs/manifests/rendered-diff.md)."""
    env = app.config.environment(rel.environment)
    at = render_root or root

    def there(path: Path) -> Path:
        return at / path.relative_to(root)

    paths = [there(app.config.root / p) for p in env.paths]
    dirs = renderer.kustomizations(at, paths)
    before = {there(p): texts[p] for p in written}
    after = {there(p): t for p, t in written.items()}
    keys = {
        k for i in app.config.images for f, k in i.helm if f in ("repository", "tag", "digest", "reference")
    }
    read = (there(app.config.root), app.reading(env), tuple(env.paths))
    diff = release_diff.rendered_diff(app.config.render, env.name, at, dirs, before, after, read, keys)
    return replace(rel, rendered=diff)


def rendered_of(app: App, plan: Plan) -> tuple[Rendered, ...]:
    """The rendered diff of each release the plan would make (``plan --output json``): the
    same in-memory edits as ``update``, of the files as they are in the repository here."""
    out: list[Rendered] = []
    specs = app.declared.image_specs()
    for ep in plan.environments:
        env = app.config.environment(ep.name)
        own = branches.branch_of(app, env)
        for rel in releases_of(app.config, ep):
            try:  # an environment on its own branch: its files there, rendered there
                texts = branches.texts(app, env)
                with branches.on_disk(app, own) if own else contextlib.nullcontext(None) as there:
                    out += edit(app, rel, app.root, texts, specs, there)[0].rendered
            except GitOpsBotError as e:  # the plan itself stands; update reports the edit's error
                out.append(Rendered(ep.name, ".", error=f"not edited: {e}"))
    return tuple(out)


def releases_of(cfg: Config, ep: EnvironmentPlan) -> list[Release]:
    """An environment plan's updates as releases: one, or one per image (``group: image``)."""
    updates = [i for i in ep.items if i.action is PlanAction.UPDATE and i.candidate is not None]
    changes = tuple(_change(i) for i in updates)
    if not changes:
        return []
    if cfg.pull_request.group == "image":
        return [Release(ep.name, (c,), group_image=c.image, generated=ep.generated) for c in changes]
    return [Release(ep.name, changes, generated=ep.generated)]


def _change(item: PlanItem) -> Change:
    cur, cand = item.current, item.candidate
    assert cand is not None
    if item.kind is ArtifactKind.CHART:
        return Change(
            environment=item.environment,
            image=item.image,
            repository=item.repository,
            files=(item.file,),
            from_tag=cur.tag if cur else None,
            from_digest=None,
            to_tag=cand.tag,
            to_digest=None,
            reason=Outside(item.reason),
            kind=ArtifactKind.CHART,
        )
    return Change(
        environment=item.environment,
        image=item.image,
        repository=item.repository,
        files=(item.file,),
        from_tag=cur.tag if cur else None,
        from_digest=cur.digest if cur else None,
        to_tag=cand.tag,
        to_digest=cand.digest,
        reason=Outside(item.reason),
        metadata=cand.metadata,
        new_name=_moved_repository(item),
        verification=item.verification,
        merge_waits=waiting.until if (waiting := item.waiting) and waiting.proposed else None,
        age_from=waiting.decided_by if waiting and waiting.proposed else "",
        sightings=item.sightings,
    )


def _moved_repository(item: PlanItem) -> str | None:
    """The configured repository when the file pulls the image from another one (the digest
    was resolved in the configured repository, so the file must name it too). A Helm or
    marker site that names no repository is left as it is."""
    cur = item.current
    written = cur.new_name if cur else None
    if cur is not None and written is None and images.is_kustomization(item.file):
        written = cur.name  # no newName: the entry's name is what is pulled
    if written is None or written == item.repository:  # the same text is the same place
        return None
    try:
        same = ImageRef.parse(written).location == ImageRef.parse(item.repository).location
    except GitOpsBotError:
        return None
    return None if same else item.repository
