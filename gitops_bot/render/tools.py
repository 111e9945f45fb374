"""Rendering an environment's kustomization with the real ``kubectl kustomize`` (and ``helm``
for ``helmCharts:``): for the reading held to the deploy tool, and before and after a release's
edits for the rendered diff in the pull request (:mod:`gitops_bot.render.release_diff`).

Each render runs in a copy of the repository (one for before, one for after, rendered at
once) in the bot's private temporary directory, never in the worktree: Helm chart inflation
writes ``charts/`` beside the kustomization, and that must not end up in the commit. The tools
get a minimal environment (no tokens) whose HOME and Helm directories are inside that
temporary directory.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from gitops_bot.core import childenv, privdir
from gitops_bot.core.errors import GitOpsBotError, ManifestError
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.manifests import kustomize, kustomize_refs, may_name, nodes
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render import joint, reader
from gitops_bot.render import walk as walks
from gitops_bot.render.bounded import (
    MAX_OUTPUT,
    Exited,
    NotRendered,
    application_file,
    copy_target,
    run_bounded,
    write_over,
)
from gitops_bot.render.render_cache import RenderCache, by_content
from gitops_bot.render.settings import RenderSettings

log = get_logger(__name__)


def render_kept(
    settings: RenderSettings,
    root: Path,
    names: Sequence[str],
    sides: Mapping[str, Mapping[Path, str]],
    kept: set[str],
) -> list[list[str | NotRendered]]:
    """Each kustomization directory of ``names`` (paths under the worktree ``root``) rendered
    for each side (a label, and the texts written over a copy of the tree: path under ``root``
    -> text), per side in the order of ``names``. The renders of directories in ``kept`` are
    kept by the content rendered (:class:`RenderCache`): an unchanged tree with the same texts
    renders nothing again. kubectl must be found."""
    got = render_each(settings, root, {label: (texts, list(names)) for label, texts in sides.items()}, kept)
    return [[got[label][n] for n in names] for label in sides]


def render_each(
    settings: RenderSettings,
    root: Path,
    sides: Mapping[str, tuple[Mapping[Path, str], list[str]]],
    kept: set[str],
) -> dict[str, dict[str, str | NotRendered]]:
    """:func:`render_kept` with each side's own directories: by side, each directory's render."""
    kubectl = settings.tool("kubectl")
    assert kubectl is not None
    loose = flux_built(root, {n for _, ns in sides.values() for n in ns})
    cache = RenderCache(settings, kubectl, root, kept, MAX_OUTPUT, frozenset(loose))
    found: dict[str, tuple[dict[str, str | None], dict[str, str | NotRendered]]] = {}
    todo: dict[str, tuple[Mapping[Path, str], list[str]]] = {}
    for label, (texts, names) in sides.items():
        keys = {n: cache.key(texts, n) for n in names}
        had: dict[str, str | NotRendered] = {}
        for n in names:
            if (kept_render := cache.get(keys[n], n)) is not None:
                had[n] = kept_render
        found[label] = (keys, had)
        if len(had) < len(names):
            todo[label] = (texts, [n for n in names if n not in had])
    if todo:
        fresh = _render_sides(settings, kubectl, root, todo, loose)
        for label, outputs in fresh.items():
            keys, had = found[label]
            for name, output in outputs.items():
                had[name] = output
                if isinstance(output, str):
                    cache.put(keys[name], name, output)
        cache.trim()
    return {label: had for label, (_, had) in found.items()}


def _render_sides(
    settings: RenderSettings,
    kubectl: str,
    root: Path,
    sides: Mapping[str, tuple[Mapping[Path, str], list[str]]],
    loose: Mapping[str, tuple[str, ...]],
) -> dict[str, dict[str, str | NotRendered]]:
    """Each side's directories rendered in a copy of the worktree of its own (its texts
    written over it), those of ``loose`` as Flux builds them (with its components); a copy
    that fails is every directory's reason."""
    sides = {label: (joint.with_components(root, t, ns, loose), ns) for label, (t, ns) in sides.items()}
    # in the private dir: the repository copies are swept with it even when the process is killed
    with tempfile.TemporaryDirectory(prefix="render-", dir=privdir.path(outside=root)) as tmp:
        for label, (texts, names) in sides.items():
            tree = Path(tmp) / label / "tree"  # "before", "after": laid out as the rendered diff's
            try:
                _copy(root, tree, texts)
            except (OSError, shutil.Error) as e:
                why = NotRendered(f"cannot copy the repository: {e}")
                return {label: dict.fromkeys(names, why) for label, (_, names) in sides.items()}

        done = _together(settings, kubectl, root, sides, Path(tmp), loose)

        # the sides at once, each in its own copy: kubectl is a process, so the renders
        # overlap on the cores instead of one waiting for the other (half the wall of a
        # release's rendered diff); each side renders its directories one after another
        def side(label: str) -> dict[str, str | NotRendered]:
            at, had = Path(tmp) / label, done[label]
            return {
                n: had[n]
                if n in had
                else render_directory(settings, kubectl, at / "tree" / n, at, loose=n in loose)
                for n in sides[label][1]
            }

        with ThreadPoolExecutor(max_workers=2) as pool:
            out = dict(zip(sides, pool.map(side, sides), strict=True))
        # a copy no render wrote in (kubectl kustomize writes nothing; helm may pull into a
        # chart home) is the reading's next copy: its marked render's, after its plain one
        for label, (texts, names) in sides.items():
            if all(all_here(root, root / n, texts) for n in names):
                walks.keep_spare(root, Path(tmp) / label / "tree", frozenset(texts))
                break
        return out


def _copy(root: Path, tree: Path, texts: Mapping[Path, str]) -> None:
    """A copy of ``root`` at ``tree`` with ``texts`` (path under ``root`` -> text) written over
    it: the reading's spare copy moved there, the files written over it put back as ``root``
    has them, else the tree copied afresh (``.git`` aside)."""
    got = walks.spare(root)
    if got is None:
        shutil.copytree(root, tree, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    else:
        tree.parent.mkdir(parents=True, exist_ok=True)
        os.rename(got[0], tree)
        shutil.rmtree(got[0].parent, ignore_errors=True)
        for path in got[1]:
            target = copy_target(root, tree, path)
            target.unlink(missing_ok=True)
            if path.is_symlink() or path.exists():
                shutil.copy2(path, target, follow_symlinks=False)
    write_over(root, tree, texts)


def _together(
    settings: RenderSettings,
    kubectl: str,
    root: Path,
    sides: Mapping[str, tuple[Mapping[Path, str], list[str]]],
    tmp: Path,
    loose: Mapping[str, tuple[str, ...]],
) -> dict[str, dict[str, str]]:
    """The directories of every side that one kubectl run renders as their own builds would
    (:mod:`gitops_bot.render.joint`), by side, one run for those Flux builds (``loose``) and
    one for the others; the rest are left to a run each."""
    done: dict[str, dict[str, str]] = {label: {} for label in sides}
    if sum(len(names) for _, names in sides.values()) < 2:  # one alone costs the same run
        return done
    trees = {label: walks.disk_tree(root, texts) for label, (texts, _) in sides.items()}
    for flux in (False, True):
        jobs = [
            (label, n)
            for label, (_, names) in sides.items()
            for n in names
            if (n in loose) is flux and not joint.alone(trees[label], root, root / n)
        ]
        if len(jobs) < 2:  # one alone costs the same run, and keeps its own words
            continue
        dirs = [tmp / label / "tree" / n for label, n in jobs]
        got = joint.render_together(settings, kubectl, dirs, tmp, loose=flux)
        for (label, n), output in zip(jobs, got, strict=True):
            if output is not None:
                done[label][n] = output
        log.info("rendered_together", directories=len(jobs), split=sum(o is not None for o in got))
    return done


def flux_built(root: Path, names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Of ``names`` (directories relative to ``root``), those a Flux Kustomization of the tree
    builds, each with the components its Kustomizations add: rendered as Flux renders them
    (:data:`~gitops_bot.render.joint.LOOSE`). The tree's Flux files are found once per commit;
    only those naming one of ``names`` are parsed."""
    out: dict[str, tuple[str, ...]] = {}
    names = list(names)
    for rel, text in by_content(root, "flux-files", lambda: _flux_files(root)):
        if not any(k in text for n in names for k in _spans(n)):
            continue
        try:
            found = importlib.import_module(_FLUX).flux_kustomizations(text, rel)
        except GitOpsBotError:
            continue  # said where the reading meets it
        for k in found:
            p = os.path.normpath(k.path)
            # an artifact's path (an OCIRepository this repository pushes from ./kubernetes, an
            # ExternalArtifact cut from one) is the directory here it is the tail of; a folder
            # inside a path is built with it, as loosely (a replacements file above the folder)
            git = k.source[0] == "GitRepository"
            inside = (f"{p}/" if p != "." else "") if git else ""
            for n in names:
                if n == p or (inside and n.startswith(inside)) or (not git and n.endswith(f"/{p}")):
                    added = k.components if n == p else ()
                    out[n] = (*out.get(n, ()), *(c for c in added if c not in out.get(n, ())))
    return out


def _spans(name: str) -> set[str]:
    """What a Flux file naming ``name`` may write: a path holding it, or an artifact's tail of it."""
    parts = name.split("/")
    return {"/".join(parts[:i]) for i in range(1, len(parts) + 1)} | {
        "/".join(parts[i:]) for i in range(len(parts))
    }


def _flux_files(root: Path) -> tuple[tuple[str, str], ...]:
    tree = walks.disk_tree(root)  # in a reading, the texts its reader read already
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for f in filenames:
            path = Path(dirpath, f)
            if f.endswith((".yaml", ".yml")) and may_name(text := tree.text(path) or "", _FLUX_API):
                out.append((path.relative_to(root).as_posix(), text))
    return tuple(out)


# Flux's Kustomizations, read where a file's text names their API group: a plan of a repository
# holding none imports nothing for them
_FLUX_API = "kustomize.toolkit.fluxcd.io"
_FLUX = "gitops_bot.manifests.flux_objects"


def links_out(tree: Path) -> list[str]:
    """The symbolic links in ``tree`` (a worktree, ``.git`` aside) whose target, resolved, is
    not inside it (absolute, or ``../`` past its root), as paths in it, sorted; walked once per
    commit where the reading knows the tree's (:func:`~gitops_bot.render.render_cache.by_content`)."""
    return list(by_content(tree, "links_out", lambda: tuple(_links_out(tree))))


def _links_out(tree: Path) -> list[str]:
    real_root = tree.resolve()
    out: list[str] = []
    folders = [str(tree)]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listed:
                entries = list(listed)
        except OSError:
            continue
        for entry in entries:
            try:
                if folder == str(tree) and entry.name == ".git" and entry.is_dir():
                    continue
                if not entry.is_symlink():  # a folder's type is in its listing: no stat a file
                    if entry.is_dir():
                        folders.append(entry.path)
                    continue
                real = Path(entry.path).resolve()  # links to folders are listed, not entered
            except (RuntimeError, OSError):  # a link loop leads nowhere, not out: kustomize says it
                continue
            if real != real_root and real_root not in real.parents:
                out.append(Path(entry.path).relative_to(tree).as_posix())
    return sorted(out)


def links_read(root: Path, directory: Path, leaving: Sequence[str], texts: Mapping[Path, str]) -> str | None:
    """The first of the links ``leaving`` the repository (paths under ``root``) that the
    kustomization at ``directory`` may read: one in or under the directory of a kustomization
    it builds, where kustomize resolves its entries. A link elsewhere (another environment's
    overlay, docs) is none of its render's business; None when it reads none."""
    if not leaving:
        return None
    found = reader.reach(walks.disk_tree(root, texts), root, directory)
    dirs = {
        p.parent for p in (directory / KUSTOMIZATION_NAMES[0], *found.files) if p.name in KUSTOMIZATION_NAMES
    }
    for rel in leaving:
        link = root / rel
        if any(d in link.parents for d in dirs):
            return rel
    return None


def over_budget(
    settings: RenderSettings, root: Path, directory: Path, name: str, texts: Mapping[Path, str]
) -> str | None:
    """Why the kustomization (as edited) is past the size budget, in one line that says how to
    see its render anyway; None within it. Kustomize's image transformer matches every
    ``images:`` entry against every image field of the resources: its cost is their product
    (docs/manifests/rendered-diff.md has the measurements)."""
    entries = _image_entries(directory, texts)
    see = f"where kustomize takes seconds to minutes; see it with 'kubectl kustomize {name}', or raise"
    if entries > settings.max_images:
        limit = settings.max_images
        return f"{entries} images: entries, over render.max_images ({limit}), {see} render.max_images"
    if entries == 0:
        return None  # no image transformer at all
    fields = _reach(root, directory, texts).image_fields
    if entries * fields > settings.max_image_matches:
        return (
            f"{entries} images: entries and {fields} image fields ({entries * fields} matches), over "
            f"render.max_image_matches ({settings.max_image_matches}), {see} render.max_image_matches"
        )
    return None


def _text(path: Path, texts: Mapping[Path, str]) -> str | None:
    if path in texts:
        return texts[path]
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        return None


def _image_entries(directory: Path, texts: Mapping[Path, str]) -> int:
    """How many ``images:`` entries the directory's kustomization (as edited) lists; 0 when it
    has none or it is not YAML (kustomize's own run says what is wrong with it). Read through
    the one parse cache (:mod:`gitops_bot.manifests.nodes`): the reading's render, the marked
    render and the reading itself ask the same text, and 200 entries are ~8 ms to parse."""
    for name in KUSTOMIZATION_NAMES:
        if (text := _text(directory / name, texts)) is None:
            continue
        try:
            root = nodes.compose(YamlText.of(text).body, str(directory / name))
        except ManifestError:
            return 0
        found = nodes.get(root, "images") if nodes.is_map(root) else None
        return len(found[1].value) if found is not None and nodes.is_seq(found[1]) else 0
    return 0


# an image field of a container in a block-style manifest ("image: x" or "- image: x")
_IMAGE_FIELD = re.compile(r"^[ \t]*(?:-[ \t]+)?image:[ \t]*[^ \t\r\n#]", re.MULTILINE)


@record
class _Reach:
    """What a kustomization reads: how many image fields, and whether all of it is local."""

    image_fields: int  # in the local resources, through bases and components
    local: bool  # nothing read from outside the tree: no remote resource, no Helm chart


def _reach(root: Path, directory: Path, texts: Mapping[Path, str]) -> _Reach:
    """What the kustomization reads, through its bases and components (the one reader's
    walk, :func:`gitops_bot.render.reader.reach`): the image fields of its local resources
    (what each ``images:`` entry is matched against), and whether all of it is here. A remote
    resource, a Helm chart (pulled when rendered) or a path outside the repository is not here:
    its render may change with nothing here changing, and its image fields are not counted."""
    tree = walks.disk_tree(root, texts)
    return walks.kept(tree, ("fields", root, directory), lambda: _counted(tree, root, directory))


def _counted(tree: reader.Tree, root: Path, directory: Path) -> _Reach:
    found = reader.reach(tree, root, directory)
    count, local = 0, found.local
    for path in found.files:
        text = tree.text(path) or ""
        if path.name in KUSTOMIZATION_NAMES:
            # a URL anywhere (a remote resource the walk names, or one written in a form it
            # does not read) or Helm: rendered afresh every time, never kept
            local = local and "://" not in text and "helm" not in text
        else:
            count += len(_IMAGE_FIELD.findall(text))
    return _Reach(count, local)


def all_here(root: Path, directory: Path, texts: Mapping[Path, str]) -> bool:
    """Whether all the kustomization (as edited) renders is in the tree: no remote resource,
    no Helm chart (pulled when rendered), so its render changes only with the tree's content
    and is kept by it."""
    return _reach(root, directory, texts).local


def remote(root: Path, directory: Path, texts: Mapping[Path, str]) -> str | None:
    """Why the kustomization (as edited) is not rendered here: it names a remote resource or
    patch (kustomize would fetch it with git or HTTP, on the repository author's say), or a Helm
    chart pulled from a chart repository (no copy of it under its chart home); None when what
    it renders is all in the repository."""
    tree = walks.disk_tree(root, texts)
    found = reader.reach(tree, root, directory)
    if found.remote:
        return (
            f"{kustomize_refs.remote_said(found.remote[0])}, and kubectl kustomize would fetch it; "
            "see it with 'kubectl kustomize' where fetching it is meant"
        )
    for path in (directory / KUSTOMIZATION_NAMES[0], *found.files):
        if path.name in KUSTOMIZATION_NAMES and (chart := _pulled_chart(path, texts)):
            return (
                f"Helm chart {chart}: not pulled; the bot renders what this repository holds (vendor the "
                "chart under the kustomization's chart home, charts/ by default, to render it here)"
            )
        if path.name in KUSTOMIZATION_NAMES and (plugin := _plugin(path, texts)):
            # kubectl refuses it (external plugins disabled), and the bot runs no repository's
            # program: the rules read the rest; what the plugin makes is not read
            return f"{plugin}: a kustomize plugin (exec or function), which the bot does not run"
    return None


_PLUGIN_KEYS = ("generators", "transformers", "validators")


def _plugin(path: Path, texts: Mapping[Path, str]) -> str | None:
    """The first ``generators:``/``transformers:``/``validators:`` file of the kustomization at
    ``path`` that configures a plugin, not one of kustomize's own (``apiVersion: builtin``):
    KSOPS's ``kind: ksops``, a KRM function. As "KIND in FILE"."""
    # a kustomization whose text names none of the three has none: building its whole document
    # (200 images: entries, ~7 ms) would be paid by every reading of every plain overlay
    text = _text(path, texts)
    if text is None or not any(key in text for key in _PLUGIN_KEYS):
        return None
    doc = _kustomization(path, texts)
    for key in _PLUGIN_KEYS:
        entries = doc.get(key) if isinstance(doc, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, str) or kustomize_refs.is_remote(entry):
                continue
            if (text := _text(path.parent / entry, texts)) is None:
                continue  # a directory (a kustomization of configs): its own entries are its
            kind = re.search(r"^kind:[ \t]*[\"']?([\w.-]+)", text, re.M)
            version = re.search(r"^apiVersion:[ \t]*[\"']?([\w./-]+)", text, re.M)
            if kind and version and version[1] != "builtin":
                return f"{kind[1]} in {entry}"
    return None


def _kustomization(path: Path, texts: Mapping[Path, str]) -> object:
    """The kustomization at ``path`` as YAML constructs it; None where it is no YAML."""
    if (text := _text(path, texts)) is None:
        return None
    try:  # the text the reading composed: its parse, kept
        return nodes.constructed(nodes.compose(YamlText.of(text).body, str(path)))
    except (ManifestError, yaml.YAMLError):
        return None


def _pulled_chart(path: Path, texts: Mapping[Path, str]) -> str | None:
    """The first ``helmCharts:`` entry of the kustomization at ``path`` that helm would pull
    (a ``repo:``, and no copy under the chart home), as "NAME from REPO"."""
    text = _text(path, texts)
    if text is None or "helmCharts" not in text:
        return None
    if not isinstance(doc := _kustomization(path, texts), dict):  # no kustomization kustomize builds
        return None
    charts = doc.get("helmCharts")
    for chart in charts if isinstance(charts, list) else ():
        if not isinstance(chart, dict) or not chart.get("repo"):
            continue
        if not any((path.parent / p).is_dir() for p in kustomize.chart_places(doc, chart)):
            return f"{chart.get('name', '')} from {chart['repo']}"
    return None


def kustomizations(root: Path, paths: list[Path]) -> list[Path]:
    """The kustomization directories among an environment's paths (a file: its directory; of an
    Argo CD Application's file, none: the Application renders its own source, built as Argo CD
    builds it, not the kustomization beside it, as ``path: .`` over a root holding its file)."""
    found: list[Path] = []
    for p in paths:
        d = p if p.is_dir() else p.parent
        if p.is_file() and application_file(p):
            continue
        if d not in found and any((d / n).is_file() for n in KUSTOMIZATION_NAMES) and walks.inside(root, d):
            found.append(d)
    return found


def _uses_helm(directory: Path) -> bool:
    for n in KUSTOMIZATION_NAMES:
        f = directory / n
        if f.is_file():
            try:
                text = f.read_text(encoding="utf-8")[:1_000_000]
                if "helm" not in text:  # most kustomizations: no parse at all
                    return False
                # the text the reading composed: its parse, kept
                doc = nodes.constructed(nodes.compose(YamlText.of(text).body, str(f)))
            except (ManifestError, yaml.YAMLError, OSError, UnicodeDecodeError):
                return False
            return isinstance(doc, dict) and bool(
                doc.get("helmCharts") or doc.get("helmChartInflationGenerator")
            )
    return False


HELM_SHIM = """#!/bin/sh
# Kustomize 5.x checks "helm version" for v3 and refuses Helm 4, whose "helm template" (the
# call kustomize makes) takes the same arguments: answer the check, run everything else.
if [ "$1" = version ]; then echo v3.99.0+helm4; exit 0; fi
exec {helm} "$@"
"""


def _helm_for_kustomize(helm: str, tmp: Path, timeout: float) -> str:
    """``helm``, or for Helm 4 a wrapper in the private temporary directory that passes
    kustomize's version check."""
    shim = tmp / "helm-for-kustomize"
    if shim.exists():
        return str(shim)
    try:
        version = subprocess.run(
            [helm, "version", "--short"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            env=childenv.content_env(tmp),
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return helm  # kustomize's own run of it says what is wrong
    if version.startswith("v3"):
        return helm
    shim.write_text(HELM_SHIM.format(helm=shlex.quote(helm)))
    shim.chmod(0o700)
    return str(shim)


_KLOG = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]]*\] ")  # klog's header: time and pid vary


def _reason(lines: list[str], tmp: Path) -> str:
    """kustomize's reason, the same on every run (the PR body must not change between runs):
    no klog time or pid, no path of the private temporary copy. Its ``Error:`` line where it
    printed one, else its first line that is no ``# Warning:`` (a deprecation it prints first,
    whose 'kustomize edit fix' is not what fails the build), else its first line."""
    said = [s for line in lines if (s := _KLOG.sub("", line).strip())]
    line = next(
        (s for s in said if s.startswith("Error:")),
        next((s for s in said if not s.startswith("# Warning:")), said[0] if said else ""),
    )
    rest = said[said.index(line) + 1 :] if line in said else []
    if line.endswith("err=<") and ">" in rest:  # klog's block: the error is the lines inside it
        return _reason(rest[: rest.index(">")], tmp)
    if line.endswith("`") and (end := next((r for r in rest if r.startswith("`:")), None)):
        # a config quoted over several lines (a replacements file's): the cause is after it
        line = f"{line[:-1].rstrip().removesuffix(':')}: {end[2:].strip()}"
    # a path out of the copy's tree (a file written ../../..) as the repository's root reaches it:
    # the private directory's random name would make the reason differ on every run
    for private, up in ((tmp / "tree", ""), (tmp, ".."), (tmp.parent, "../..")):
        line = line.replace(f"{private}/", f"{up}/" if up else "")
    return line.replace(str(tmp), "")[:300]


def render_directory(
    settings: RenderSettings, kubectl: str, directory: Path, tmp: Path, name: str = "", *, loose: bool = False
) -> str | NotRendered:
    """``kubectl kustomize directory`` (with helm where it inflates charts), run in ``tmp``
    (a private temporary directory; the copy ``directory`` is in, unless ``name`` says what
    the deadline's line names): what the rendered diff, the reading and an app of apps'
    kustomization render, the one render of a directory."""
    argv = [kubectl, "kustomize", str(directory), *(joint.LOOSE if loose else ())]
    if _uses_helm(directory):
        helm = settings.tool("helm")
        if helm is None:
            return NotRendered("helm not found (the kustomization inflates Helm charts)")
        argv += ["--enable-helm", "--helm-command", _helm_for_kustomize(helm, tmp, settings.timeout)]
    name = name or directory.relative_to(tmp / "tree").as_posix() or "."
    flags = f" {' '.join(joint.LOOSE)}" if loose else ""
    see = f"; see it with 'kubectl kustomize {name}{flags}', or raise render.timeout"
    got = run_bounded(argv, tmp, settings.timeout, "kubectl kustomize", see)
    if isinstance(got, Exited):
        why = _reason(got.lines, tmp) or f"exit status {got.status}"
        return NotRendered(f"kubectl kustomize failed: {why}")
    return got
