"""Each environment's release places proven by the renderer itself: a marked render.

The one reader (:mod:`gitops_bot.render.reader`) says, by kustomize's rules, where each image's
version is set and where a release writes it, and :mod:`gitops_bot.render.rendered_reading`
holds that reading to what kubectl renders (its refusals, what runs). Here every release place
of an environment is written by the release's own editor (:func:`gitops_bot.manifests.images.edit`)
with a marker tag no repository can hold, and the environment is rendered once more
(:func:`gitops_bot.render.tools.render_kept`: the rendered diff's copy, child environment,
deadline, bound and kept renders). A marker nowhere in the render: a release there would change
nothing the environment renders (a Flux HelmRelease's values under a kustomize ``images:``
entry, a patch on a custom resource that replaces its containers), so the image is unsupported
there, with what runs and the fix, and no pull request proposes it.

The marker's secret is the machine's (kept beside the renders, readable only by its owner): no
file in a repository can forge a proof, and an unchanged tree's marked render is kept from one
run to the next like every render.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError, ManifestError
from gitops_bot.core.reading import (
    HELMRELEASE_KEY,
    KUSTOMIZE_ENTRY,
    EnvironmentReading,
    ImageReading,
    PinKind,
    PinStatus,
)
from gitops_bot.core.record import record
from gitops_bot.manifests import images, nodes, values_keys, workloads
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render import removed, rendered_reading, tools
from gitops_bot.render import walk as walks
from gitops_bot.render.bounded import NotRendered, read_text
from gitops_bot.render.running import Running, marked_documents, running, templates_running

if TYPE_CHECKING:
    from gitops_bot.render.argo_kustomize import Build

# charts' marked renders, imported by name where an environment renders no kustomization and helm is found
APP_VERSION, TEMPLATE_PINS = "gitops_bot.engine.app_version", "gitops_bot.render.template_pins"


def _secret() -> str:
    """The machine's marker secret, made once (``GITOPS_BOT_CACHE``); a run that cannot keep
    it uses its own."""
    path = files.cache_dir(os.environ) / "marker-secret"
    try:
        return path.read_text(encoding="ascii").strip()[:16] or _new(path)
    except OSError:
        return _new(path)


def _new(path: Path) -> str:
    secret = os.urandom(8).hex()
    # OSError: another run made it first, or no cache: this run's own secret proves as well
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secret)
    return secret


@walks.one_reading()  # each kustomization walked once, for its budget, marks and joint render
def prove(
    config: Config,
    root: Path,
    environments: list[EnvironmentConfig],
    specs: list[images.ImageSpec],
    readings: Mapping[str, EnvironmentReading],
) -> dict[str, EnvironmentReading]:
    """``readings`` with each base environment's release places judged by its marked render
    (with ``render.enabled: false`` or no kubectl, the rules' reading stands, but for an images:
    entry over a HelmRelease's values: :func:`~gitops_bot.render.removed.over_values`)."""
    out = dict(readings)
    if not config.render.enabled or config.render.tool("kubectl") is None:
        return removed.over_values(out, config.root.absolute())
    root = root.absolute()  # the renders run in a copy elsewhere: no path relative to here
    secret = _secret()
    leaving = tools.links_out(root)
    marked: dict[str, _Marked] = {}
    argo: dict[str, tuple[dict[str, str], dict[Path, str], list[Build]]] = {}
    for env in environments:
        reading = out.get(env.name)
        if reading is None or reading.blocked is not None or not env.paths:
            continue
        dirs, reached = _kustomizations(config, root, env, leaving)
        if dirs:
            if (m := _to_render(config, root, dirs, reached, specs, reading, secret)) is not None:
                marked[env.name] = m
            continue
        files = [config.root.absolute() / f for f in reading.rendered]
        scope = _Files(config, root, files, specs, secret)
        if not leaving and (job := _argo_marked(scope, reading)):
            argo[env.name] = job  # a link leading out: kubectl would read what it points at
        if config.render.tool("helm") is not None:
            # a link leading out: helm would read what it points at (the rules name it)
            if rendered_reading.helm().charted(root, files) and not leaving:
                reading = _judged_charts(scope, reading)
                app_version = importlib.import_module(APP_VERSION).unkeyed
                out[env.name] = reading = app_version(config, root, files, specs, reading, secret)
            elif not leaving and (hand := _by_hand(scope, env, reading)):
                out[env.name] = reading = _judged_charts(scope, reading, hand)
            if (templates := importlib.import_module(TEMPLATE_PINS)).templated(reading) and not leaving:
                others = {n: r for n, r in readings.items() if n != env.name}
                kustomize = rendered_reading.kustomize_renderer(config.render)
                args = (config.render, root, config.root.absolute(), env.paths, reading, others, secret)
                out[env.name] = templates.prove(*args, kustomize)
    rendered = _render_marked(config, root, marked)
    for name, m in marked.items():
        out[name] = _judged(config, root, m, rendered[name], out[name])
    if not argo:  # no Application built: Argo CD's builds not loaded
        return removed.over_values(out, config.root.absolute())
    argo_kustomize = rendered_reading.argo_builds()
    got = argo_kustomize.outputs(config.render, root, [found for _, _, found in argo.values()])
    for (name, (marks, _, found)), outputs in zip(argo.items(), got, strict=True):
        dirs, reads = argo_kustomize.read(root, found)
        m = _Marked(dirs, reads, marks, argo_kustomize.written(found))
        judged = _judged(config, root, m, list(outputs), out[name]) if outputs else out[name]
        out[name] = argo_kustomize.said(root, found, out[name], judged)
    return removed.over_values(out, config.root.absolute())


@record
class _Marked:
    """An environment's marked render to run: its kustomizations, the files they read, each
    releasable image's marker and the files with the markers written."""

    dirs: list[Path]
    reached: set[Path]
    marks: dict[str, str]
    texts: dict[Path, str]


def _render_marked(
    config: Config, root: Path, marked: Mapping[str, _Marked]
) -> dict[str, list[str | NotRendered]]:
    """Every environment's marked render, those whose marked files the others do not read in
    one copy of the tree together (one kubectl run renders a copy's kustomizations: the
    environments of a repository, each its overlay's ``images:`` entries marked, in one)."""
    groups: list[tuple[dict[Path, str], set[Path], list[str]]] = []  # texts, reached, envs
    for name, m in marked.items():
        for texts, reached, names in groups:
            if _apart(root, texts, reached, m.texts, m.reached):
                texts.update(m.texts)
                reached.update(m.reached)
                names.append(name)
                break
        else:
            groups.append((dict(m.texts), set(m.reached), [name]))
    sides: dict[str, tuple[Mapping[Path, str], list[str]]] = {}
    for k, (texts, _, names) in enumerate(groups):
        dirs = [_name(root, d) for n in names for d in marked[n].dirs]
        sides[f"marked-{k}"] = (texts, list(dict.fromkeys(dirs)))
    got = (
        tools.render_each(config.render, root, sides, {n for _, ns in sides.values() for n in ns})
        if sides
        else {}
    )
    out: dict[str, list[str | NotRendered]] = {}
    for k, (_, _, names) in enumerate(groups):
        for n in names:
            out[n] = [got[f"marked-{k}"][_name(root, d)] for d in marked[n].dirs]
    return out


def _apart(
    root: Path,
    texts: Mapping[Path, str],
    reached: set[Path],
    more: Mapping[Path, str],
    more_reached: set[Path],
) -> bool:
    """Whether two marked renders can share a copy of the tree: each file either writes, the
    other reads only as it writes it too."""

    def sees(own: Mapping[Path, str], read: set[Path], other: Mapping[Path, str]) -> bool:
        return all(own.get(p) == text for p, text in other.items() if walks.real(root, p) in read)

    return sees(more, more_reached, texts) and sees(texts, reached, more)


@record
class _Files:
    """The files an environment's Applications and HelmReleases render, and their markers' needs."""

    config: Config
    root: Path
    files: list[Path]
    specs: list[images.ImageSpec]
    secret: str

    def marked(
        self, reading: EnvironmentReading, reached: set[Path] | None = None
    ) -> tuple[dict[str, str], dict[Path, str]]:
        """:func:`_marked` of the files these render (of those ``reached``, where given)."""
        reached = _reals(self.root, self.files) if reached is None else reached
        return _marked(self.config, self.root, self.specs, reading, self.secret, reached)


def _reals(root: Path, paths: Iterable[Path]) -> set[Path]:
    """The real places of ``paths`` (a link loop is none): the reading's, each directory looked
    at once, where resolving each whole looked at every directory above it again."""
    return {real for p in paths if (real := walks.real(root, p)) is not None}


def _name(root: Path, directory: Path) -> str:
    return directory.relative_to(root).as_posix() or "."


def _kustomizations(
    config: Config, root: Path, env: EnvironmentConfig, leaving: list[str]
) -> tuple[list[Path], set[Path]]:
    """The environment's kustomizations its reading renders, and the files they render. Of an
    environment of several paths (a Flux cluster's overlay beside its Kustomization files),
    those rendered prove what a release into the files they read does."""
    paths = [config.root.absolute() / p for p in env.paths]
    reaches = rendered_reading.environment_kustomizations(root, paths, leaving)
    return list(reaches), _reals(root, (f for r in reaches.values() for f in r.files))


def _to_render(
    config: Config,
    root: Path,
    dirs: list[Path],
    reached: set[Path],
    specs: list[images.ImageSpec],
    reading: EnvironmentReading,
    secret: str,
) -> _Marked | None:
    """The environment's marked render to run; None when nothing is to be proven by one."""
    # the markers only add images: entries, so past the size budget as it is, past it marked:
    # none are written (200 entries took most of a plan's CPU for a render never run)
    if any(tools.over_budget(config.render, root, d, d.as_posix(), {}) for d in dirs):
        return None
    marks, texts = _marked(config, root, specs, reading, secret, reached)
    if not marks:
        return None
    # past the rendered diff's size budget kustomize takes seconds to minutes: the rules stand
    if any(tools.over_budget(config.render, root, d, d.as_posix(), texts) for d in dirs):
        return None
    return _Marked(dirs, reached, marks, texts)


def _judged(
    config: Config, root: Path, m: _Marked, outputs: list[str | NotRendered], reading: EnvironmentReading
) -> EnvironmentReading:
    dirs, marks = m.dirs, m.marks
    if not all(isinstance(o, str) for o in outputs):
        return reading  # a refusal is rendered_reading's to say; a marker breaking it proves nothing
    text = "\n".join(o for o in outputs if isinstance(o, str))
    shown = running(text)
    carried = _carried("\n---\n".join(o for o in outputs if isinstance(o, str)), marks)
    # the object setting it deleted by an overlay ($patch: delete): the environment runs none of it
    where = ", ".join(d.relative_to(root).as_posix() or "." for d in dirs)
    gone = [i for i in marks if i not in carried]
    reading = removed.judged(reading, gone, text, where, m.reached, config.root.absolute(), m.texts)
    if not shown and all(o.strip() in ("", "{}") for o in outputs if isinstance(o, str)):
        return reading  # it renders nothing at all (images: over no resource): nothing to hold
    if any(i not in carried for i in marks) and config.render.tool("helm") is not None:
        # what runs of the HelmReleases and Applications it renders, for the reason's "it renders"
        charts = rendered_reading.helm().render(config.render, root, rendered_reading.helm().objects(text))
        shown = (*shown, *(c for t in charts.texts for c in running(t)))
    # the key a HelmRelease's values patch would set
    keys = {i.name: dict(i.helm).get("tag") or dict(i.helm).get("reference") for i in config.images}
    judged = [
        r  # what the render does not hold is said above: it changes nothing there
        if r.image not in marks or r.image in carried or r.status is PinStatus.NOT_RENDERED
        else _changes_nothing(r, dirs, root, shown, keys, config.root.absolute())
        for r in reading.images
    ]
    return replace(reading, images=tuple(judged))


# what takes a marker on to what runs: Argo CD's and Flux's objects render again what they hold
_DEPLOYERS = frozenset({"Application", "ApplicationSet", "HelmRelease", "Kustomization"})


def _carried(text: str, marks: Mapping[str, str]) -> set[str]:
    """The images whose marker the render carries where it runs: into an ``image:`` field (a
    container's, whatever the kind), or into a deployer object that renders it again. A marker
    found only in a label, an annotation or a ConfigMap (a chart writing ``.Values.image.tag``
    into a version label while its template names the image itself) proves nothing."""
    inside = {image: mark for image, mark in marks.items() if mark in text}
    if not inside:
        return set()
    found: set[str] = set()

    def walk(node: object, deployer: bool, key: object = None) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, deployer, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, deployer, key)
        elif isinstance(node, str) and (deployer or key in workloads.IMAGE_KEYS):
            found.update(image for image, mark in inside.items() if mark in node)

    try:
        docs = marked_documents(text, inside.values())
    except yaml.YAMLError:
        return set()
    objs: list[dict[str, Any]] = []
    for doc in docs:
        items = doc.get("items") if isinstance(doc, dict) and doc.get("kind") == "List" else [doc]
        objs += [obj for obj in (items if isinstance(items, list) else []) if isinstance(obj, dict)]
    for obj in objs:
        walk(obj, obj.get("kind") in _DEPLOYERS)
    for values in _values_from(objs):  # a HelmRelease renders them again, as its spec.values
        found.update(image for image, mark in inside.items() if mark in values)
    return found


def _values_from(objs: list[dict[str, Any]]) -> list[str]:
    """The values texts the render's HelmReleases take from its ConfigMaps and Secrets through
    ``valuesFrom`` (a generated one's name has kustomize's hash suffix)."""
    if not any(o.get("kind") == "HelmRelease" for o in objs):
        return []
    helm_render = rendered_reading.helm()
    taken = [
        (ref.get("kind"), str(ref.get("name")), ref.get("valuesKey") or "values.yaml")
        for o in objs
        if o.get("kind") == "HelmRelease"
        for ref in helm_render.listed(helm_render.at(o, "spec", "valuesFrom"))
        if isinstance(ref, dict)
    ]
    out: list[str] = []
    for o, (kind, wanted, key) in ((o, t) for o in objs for t in taken if o.get("kind") == t[0]):
        name = helm_render.scalar_at(o, "metadata", "name")
        if name == wanted or (name.startswith(f"{wanted}-") and len(name) == len(wanted) + 11):
            value = helm_render.at(o, "data", key)
            with contextlib.suppress(ValueError):  # a Secret's data is base64
                value = base64.b64decode(str(value)).decode() if kind == "Secret" else value
            out += [value] if isinstance(value, str) else []
    return out


def _marked(
    config: Config,
    root: Path,
    specs: list[images.ImageSpec],
    reading: EnvironmentReading,
    secret: str,
    reached: set[Path],
) -> tuple[dict[str, str], dict[Path, str]]:
    """Each releasable image's marker (a tag kustomize and helm pass through unchanged), and
    the environment's files with every marker written where a release of that image writes
    (in place, or an ``images:`` entry of its own layer): only where the kustomizations
    rendered read every such file (``reached``), so a marker missing from the render proves."""
    tags: dict[str, tuple[str, list[Path]]] = {}
    # a file's markers in one edit: one parse and one check of the file, where an edit an image
    # re-read the whole kustomization each time (200 images: 200 parses of 200 entries)
    groups: dict[tuple[Path, bool], list[images.Update]] = {}
    added: dict[Path, dict[str, str]] = {}  # a HelmRelease's values patch: the keys a release adds
    by_name = {s.name: s for s in specs}
    for i, r in enumerate(reading.images):
        if not r.placed or not r.writable:
            continue
        keys: dict[str, str] = {}
        if r.would_write is None:
            where = [p.file for p in r.pins if p.effective and p.editable and p.branch is None]
            append = False
        elif r.would_write.form == KUSTOMIZE_ENTRY:
            where, append = list(r.would_write.files), True
        elif r.would_write.form == HELMRELEASE_KEY and r.image in by_name:
            # the keys kustomize merges into the HelmRelease it renders: proven like an entry
            where, append = list(r.would_write.files), True
            keys = values_keys.keys(r, by_name[r.image])
        else:  # a values key a release would add: the rendered diff shows what it does
            continue
        tag = f"gitops-bot-{secret}-{i}m"  # ended: ...-1m is found in no ...-10m
        try:
            paths = [files.inside(root, config.root.absolute() / rel) for rel in dict.fromkeys(where)]
        except GitOpsBotError:
            continue
        if not all(walks.real(root, p) in reached for p in paths):
            continue  # written into what no rendered kustomization reads: the render proves nothing
        tags[r.image] = (tag, paths)
        for path in paths:
            groups.setdefault((path, append), []).append(images.Update(r.image, tag=tag))
            added.setdefault(path, {}).update(keys)
    texts: dict[Path, str] = {}
    subcharts = dict(reading.subcharts)  # a subchart's values file: its keys are its parent's
    for (path, append), updates in groups.items():
        try:
            before = texts.get(path)
            if before is None:
                before = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if keys := added.get(path, {}):
            try:
                before = values_keys.add(before, str(path), keys)
            except GitOpsBotError:
                continue  # the reading's write check says why no release goes there
        under = subcharts.get(os.path.relpath(path, config.root.absolute()), "")
        texts[path] = _edited(before, path, specs, updates, append, under)
    # marked where every file a release of it writes holds its marker
    marks = {
        image: tag
        for image, (tag, paths) in tags.items()
        if paths and all(tag in texts.get(p, "") for p in paths)
    }
    return marks, texts


def _edited(
    text: str,
    path: Path,
    specs: list[images.ImageSpec],
    updates: list[images.Update],
    append: bool,
    under: str,
) -> str:
    """``text`` with ``updates`` written by the release's editor; when the editor refuses them
    together, each on its own, leaving out those it refuses (the reading already says, or the
    release will)."""
    with contextlib.suppress(GitOpsBotError):
        return images.edit(text, str(path), specs, updates, append=append, under=under).text
    for update in updates:
        try:
            text = images.edit(text, str(path), specs, [update], append=append, under=under).text
        except GitOpsBotError:
            continue
    return text


def _changes_nothing(
    r: ImageReading,
    dirs: list[Path],
    root: Path,
    shown: tuple[Running, ...],
    keys: Mapping[str, str | None],
    base: Path,
) -> ImageReading:
    """``base``: the directory the pins' files are relative to (the configuration's)."""
    pin = r.effective
    fix = (
        f"pin {r.image} where {r.environment}'s render takes it from (see 'kubectl kustomize "
        f"{', '.join(d.relative_to(root).as_posix() or '.' for d in dirs)}'), or list the file that sets it "
        "in the environment's paths"
    )
    key = keys.get(r.image)
    if (
        pin is not None
        and pin.kind is PinKind.HELM
        and key
        and "HelmRelease" in (read_text(base / pin.file) or "")
    ):
        # kustomize's images: never reach a HelmRelease's values; the overlay's patch of them does
        own = r.would_write.file.rsplit("/", 1)[0] if r.would_write else r.environment
        fix = (
            f"give {own} a patch of the HelmRelease whose spec.values set it at {pin.place} (patches: "
            f"- path: FILE, target: {{kind: HelmRelease}}) holding spec.values.{key}; releases then write "
            "that key there"
        )
    place = ", ".join(r.would_write.files) if r.would_write else (pin.place if pin else "its files")
    name = (pin.repository if pin and pin.repository else r.image).rsplit("/", 1)[-1]
    runs = sorted({c.image for c in shown if c.repository.rsplit("/", 1)[-1] == name})
    where = ", ".join(d.relative_to(root).as_posix() or "." for d in dirs)
    said = f"; it renders {', '.join(runs)}" if runs else f"; no container it renders runs {name}"
    return replace(
        r,
        status=PinStatus.UNSUPPORTED,
        reason=(
            f"a release writing {place} changes nothing {r.environment} renders "
            f"(kubectl kustomize {where} renders the same with it){said}"
        ),
        fix=fix,
    )


def _argo_marked(
    scope: _Files, reading: EnvironmentReading
) -> tuple[dict[str, str], dict[Path, str], list[Build]] | None:
    """The marked builds of the kustomizations the environment's Argo CD Applications build, as
    Argo CD builds them (:mod:`gitops_bot.render.argo_kustomize`: their own kustomize fields
    written in): a marker in an Application's ``kustomize.images`` entry that no image field
    carries (its name matches none) is never released. None: nothing to prove (a build refused
    is rendered_reading's to say, and one not built proves nothing)."""
    root, files, own = scope.root, scope.files, dict(reading.documents).values()
    argo_kustomize = rendered_reading.argo_builds()
    if (provable := argo_kustomize.provable(root, files, own)) is None:
        return None
    marks, texts = scope.marked(reading, provable)
    return (marks, texts, argo_kustomize.marked(root, files, own, texts)) if marks else None


def _by_hand(scope: _Files, env: EnvironmentConfig, reading: EnvironmentReading) -> list[dict[str, object]]:
    """The charts the environment's paths are, or hold a values file of, that nothing of it
    deploys (``helm install``), as the Applications the reading's render renders them with."""
    config_root, own = scope.config.root.absolute(), dict(reading.documents).values()
    docs = rendered_reading.helm().file_objects(scope.root, scope.files, own)
    return rendered_reading.installed(scope.root, config_root, reading, env.paths, docs)


def _judged_charts(
    scope: _Files, reading: EnvironmentReading, hand: list[dict[str, object]] | None = None
) -> EnvironmentReading:
    """The marked render of the charts in the repository the environment's Applications and
    HelmReleases render, or its paths are (``hand``): a values place whose marker helm does not
    carry into the render (the template writes the image itself) is never released."""
    marks, texts = scope.marked(reading)
    if not marks:
        return reading
    # an Application an app of apps yields may render a kustomization: rendered as Argo CD does
    kustomize, helm_render = rendered_reading.kustomize_renderer(scope.config.render), rendered_reading.helm()
    own = dict(reading.documents).values()
    got = helm_render.render_marked(
        scope.config.render, scope.root, scope.files, texts, kustomize, own, hand or ()
    )
    if got is None or got.failed or got.partial or not got.texts:
        # helm's refusal is the reading's to say; a marker breaking it, or a render lacking a
        # kustomization it yields (a remote base: never fetched), proves nothing
        return reading
    carried = _carried("\n---\n".join(got.texts), marks)
    docs = helm_render.file_objects(scope.root, scope.files, own)
    over = [(f, c.origin) for c in helm_render.charts(scope.root, docs) for f in c.merged]
    judged = [
        r
        if r.image not in marks or r.image in carried or not _helm_read(scope, r, got.texts)
        else _template_sets(r, got.texts, over)
        for r in reading.images
    ]
    return replace(reading, images=tuple(judged))


def _helm_read(scope: _Files, r: ImageReading, texts: tuple[str, ...]) -> bool:
    """Whether helm's render read the image's place: a values place (but a release's of a chart
    fetched elsewhere), or a template of a chart it rendered (``# Source: CHART/templates/...``),
    never a manifest no chart holds, or a chart applied raw (``kubectl apply -f`` of its files)."""
    pin, top = r.effective, scope.root.absolute()
    path = scope.config.root.absolute() / (pin.file if pin else ".")
    if pin is not None and pin.kind is PinKind.HELM:
        return not rendered_reading.helm().fetched(top, read_text(path) or "")
    if pin is None or pin.kind not in (PinKind.CONTAINER, PinKind.MARKER):
        return True
    chart = next(
        (d for d in path.parents if (d == top or top in d.parents) and (d / "Chart.yaml").is_file()), None
    )
    text = read_text(chart / "Chart.yaml") if chart is not None else None
    try:  # one parse of the chart's Chart.yaml for all its images, kept
        doc = nodes.constructed(nodes.compose(YamlText.of(text).body, "Chart.yaml")) if text else None
        name = (doc or {}).get("name")
    except (ManifestError, yaml.YAMLError, AttributeError):
        name = None
    return isinstance(name, str) and any(f"{name}/templates/" in t for t in texts)


def _template_sets(
    r: ImageReading, texts: tuple[str, ...], over: Sequence[tuple[str, str]] = ()
) -> ImageReading:
    """``r`` whose values place helm's render does not carry: said with what the chart runs, and
    the fix (``over``: each .argocd-source file whose helm fields Argo CD merges over the values,
    with the Application it merges into)."""
    pin = r.effective
    place = ", ".join(r.would_write.files) if r.would_write else (pin.place if pin else "its files")
    name = (pin.repository if pin and pin.repository else r.image).rsplit("/", 1)[-1]
    found = templates_running(texts, name)
    where = ", ".join(sorted({t for t, _ in found})) or "the chart's templates"
    runs = ", ".join(sorted({i for _, i in found}))
    if not found:  # the environment's values name another image there: this one runs nowhere in it
        return replace(
            r,
            status=PinStatus.NOT_RENDERED,
            reason=f"helm template of {r.environment} renders no container running {name}: {place} is "
            "a chart default its values override, or a value nothing renders (under a template its values "
            "switch off, or read by none)",
            fix=None,
            would_write=None,
        )
    return replace(
        r,
        status=PinStatus.UNSUPPORTED,
        reason=f"a release writing {place} changes nothing {r.environment} renders (helm template renders "
        f"the same with it); {where} renders {runs}",
        fix=(
            f"Argo CD merges {', '.join(dict.fromkeys(f for f, _ in over))} over "
            f"{', '.join(dict.fromkeys(o for _, o in over))}'s source, its helm fields over every values "
            f"file: pin {r.image} there, or take them out of it"
            if over
            else f"make {where} take the image from the values ({{{{ .Values.image.repository }}}}:"
            f"{{{{ .Values.image.tag }}}}), or pin {r.image} where the chart takes it from"
        ),
    )
