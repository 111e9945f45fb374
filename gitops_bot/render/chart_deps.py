"""A chart of the repository laid out for ``helm template`` as its deployer lays it out, offline.

Argo CD (and ``helm install`` after ``helm dependency build``) renders a chart whose
``Chart.yaml`` names a local dependency (``repository: file://../sub``) with that chart packaged
under ``charts/``; a repository rarely commits it, and ``helm template`` alone refuses the chart
(``missing in charts/ directory``). Here such a chart is rendered from a private folder of links:
each entry of the chart linked as it is, and ``charts/`` holding the existing entries and each
missing ``file://`` dependency, laid out the same way in turn. That is what ``helm dependency
build`` puts there for a ``file://`` dependency (the directory, as helm loads it), without
running it: it would resolve every dependency of the lock file, a remote one too, and the
renderer fetches nothing. A dependency from a chart repository or OCI is left as it is (helm
then names it missing). A chart holding ``.git`` (a chart at the repository's root) is laid out
the same way without it: helm loads every file of a chart directory, the repository's history
too, for nothing it renders."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import yaml

from gitops_bot.manifests import images
from gitops_bot.manifests.guard import LOADER
from gitops_bot.render import bounded, deployers
from gitops_bot.render.walk import Walk

LOCAL = "file://"
MAX_CHARTS = 20  # charts laid out for one render, nested dependencies included
# chart folders one layout makes: a dependency several charts share is laid out once under
# each (as helm builds it into each one's charts/), so a few shared ones nested a few deep
# make folders by the thousand, each with a link for every entry of its chart
MAX_LAID = 200
# a chart past these (files, bytes) is rendered each time it is asked, not kept by content
MAX_KEY_FILES, MAX_KEY_BYTES = 500, 8 << 20
SKIPPED = ".git"  # never helm's input: the repository's history, not the chart


def local_dependencies(
    root: Path, chart: Path, read: Callable[[Path], str | None] = bounded.read_text
) -> list[tuple[str, Path]]:
    """The ``file://`` dependencies of ``chart`` that its ``charts/`` lacks, each (the name
    helm looks for, its directory in ``root``); one leading out of ``root`` is left out."""
    return [(name, where) for name, _, where in _local(root, chart, read) if not _out(root, where)]


def _out(root: Path, where: Path) -> bool:
    """Whether the directory ``where`` leads out of ``root``: written so (``../..``), or through
    a link on the way (``file://../shared`` where ``shared`` is a link to any folder of the host)."""
    real, top = os.path.realpath(where), os.path.realpath(root)
    return not where.is_relative_to(root) or (real != top and not real.startswith(top + os.sep))


def leading_out(root: Path, chart: Path) -> str:
    """One line naming the first ``file://`` dependency of ``chart`` (or of one it lays out)
    whose directory leads out of ``root``, with the fix; "" where none does. helm would read
    that folder of the bot's host into the render, and the plan would show what it holds."""
    for each in [chart, *closure(root, chart)]:
        for name, _, where in _local(root, each, bounded.read_text):
            if _out(root, where):
                rel = (each / "Chart.yaml").relative_to(root).as_posix()
                return (
                    f"{rel}: the file:// dependency {name!r} leads out of the repository "
                    "(through a link or ../), not rendered; point it at a chart in the repository"
                )
    return ""


def _local(root: Path, chart: Path, read: Callable[[Path], str | None]) -> list[tuple[str, str, Path]]:
    """The ``file://`` dependencies of ``chart`` that its ``charts/`` lacks, those leading out of
    ``root`` too (:func:`_out`), each with the key its values are under in the parent's (alias)."""
    text = read(chart / "Chart.yaml")
    if text is None or LOCAL not in text:
        return []
    try:
        doc = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return []
    deps = doc.get("dependencies") if isinstance(doc, dict) else None
    held = _held(chart / "charts")
    out: list[tuple[str, str, Path]] = []
    for dep in deps if isinstance(deps, list) else []:
        if not isinstance(dep, dict):
            continue
        name, repository = str(dep.get("name") or ""), str(dep.get("repository") or "")
        if not name or not repository.startswith(LOCAL) or name in held:
            continue
        if name in (".", "..") or "/" in name or "\\" in name:
            # a name is a folder under charts/: one leading elsewhere would lay the dependency
            # out of the private folder; helm refuses the chart, which says it
            continue
        where = Path(os.path.normpath(chart / repository[len(LOCAL) :]))
        if _out(root, where) or read(where / "Chart.yaml") is not None:
            out.append((name, str(dep.get("alias") or name), where))
    return out


def read_values(reads: deployers.Reads, root: Path, chart: Path, walk: Walk) -> None:
    """The values of ``chart``'s ``file://`` dependencies (read before its own: helm layers the
    parent's values over each), each read under the key the parent's values hold it at: an image
    its own ``values.yaml`` pins is the environment's, edited there (``walk.subcharts``)."""
    for _, key, where in _local(root, chart, reads.tree.text):
        path = where / "values.yaml"
        if where == chart or _out(root, where) or (text := reads.read_file(path, walk)) is None:
            continue
        rel = reads.rel(path)
        walk.subcharts[rel] = key
        sites = (
            images.read(text, rel, reads.specs, strict=False, values=True, under=key) if reads.specs else []
        )
        reads.add(walk, rel, sites, patch=False, text=text)


def _held(charts: Path) -> set[str]:
    """The chart names ``charts/`` holds: a directory's own name, an archive's before its version."""
    try:
        entries = list(charts.iterdir())
    except OSError:
        return set()
    out = set()
    for e in entries:
        out.add(e.name)
        if e.name.endswith(".tgz"):
            out.add(e.name[: -len(".tgz")].rsplit("-", 1)[0])
    return out


def needs_layout(root: Path, chart: Path) -> bool:
    """Whether ``chart`` is rendered from a laid-out folder (:func:`lay_out`) rather than as it is,
    or refused (a dependency leading out of the repository)."""
    return (chart / SKIPPED).exists() or bool(_local(root, chart, bounded.read_text))


def files(directory: Path) -> Iterator[Path]:
    """The entries under ``directory`` in a fixed order (a link as itself), ``.git`` not walked."""
    for top, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != SKIPPED)
        yield from (Path(top, n) for n in sorted(names))
        yield from (Path(top, d) for d in dirs if Path(top, d).is_symlink())


def closure(
    root: Path, chart: Path, read: Callable[[Path], str | None] = bounded.read_text
) -> Iterator[Path]:
    """The directories of ``chart``'s missing ``file://`` dependencies, nested ones too, each once
    (what a render of it reads besides the chart)."""
    seen: set[Path] = {chart}
    pending = [chart]
    while pending and len(seen) <= MAX_CHARTS:
        for _, where in local_dependencies(root, pending.pop(), read):
            if where not in seen:
                seen.add(where)
                pending.append(where)
                yield where


def lay_out(root: Path, chart: Path, target: Path) -> str:
    """``chart`` laid out at ``target`` (a folder not there yet): its entries linked but
    ``.git``, and its missing ``file://`` dependencies laid out under ``charts/``; "" when laid
    out, else one line saying why it is not rendered (``target`` then removed): a dependency
    leading out of the repository, or past :data:`MAX_LAID` folders. OSError as the disk says."""
    if said := leading_out(root, chart):
        return said
    laid = [0]
    _lay_out(root, chart, target, (), laid, {})
    if laid[0] <= MAX_LAID:
        return ""
    shutil.rmtree(target, ignore_errors=True)
    return (
        f"its file:// dependencies lay out over {MAX_LAID} charts (one shared by several is "
        "laid out under each), not rendered; build them into charts/ (helm dependency build) or share fewer"
    )


def _lay_out(
    root: Path,
    chart: Path,
    target: Path,
    above: tuple[Path, ...],
    laid: list[int],
    known: dict[Path, list[tuple[str, Path]]],
) -> None:
    """:func:`lay_out`'s walk (``above``: the charts it is laid out under; one depending on
    itself is left to helm to name), counting the folders in ``laid`` and stopping past the
    bound; ``known``: each chart's dependencies, read once however often it is laid out."""
    laid[0] += 1
    if laid[0] > MAX_LAID:
        return
    target.mkdir(parents=True)
    if chart not in known:
        known[chart] = local_dependencies(root, chart)
    missing = known[chart] if len(above) < MAX_CHARTS else []
    missing = [(n, w) for n, w in missing if w != chart and w not in above]
    for entry in sorted(chart.iterdir()):
        if entry.name == SKIPPED or (missing and entry.name == "charts"):
            continue
        (target / entry.name).symlink_to(entry.absolute())
    if not missing:
        return
    charts = target / "charts"
    charts.mkdir()
    if (chart / "charts").is_dir():
        for entry in sorted((chart / "charts").iterdir()):
            (charts / entry.name).symlink_to(entry.absolute())
    for name, where in missing:
        if laid[0] <= MAX_LAID and not (charts / name).exists():
            _lay_out(root, where, charts / name, (*above, chart), laid, known)


def content_key(
    argv: list[str], root: Path, chart: Path, value_files: Sequence[Path], values: str | None
) -> str | None:
    """What one ``helm template`` call renders from, by content: its arguments but the paths,
    the values files' bytes and every file of the chart. helm's output names no path (only the
    chart's name), so the same content renders the same wherever it is: an app of apps' chart,
    rendered for what runs and again in each environment's marked copy, renders once. None
    (not kept) past :data:`MAX_KEY_FILES` files or :data:`MAX_KEY_BYTES`, or with a link."""
    # the tool itself by its path (another helm may render otherwise), then the arguments but paths
    digest = hashlib.sha256("\0".join([argv[0], *(a for a in argv[1:] if not a.startswith("/"))]).encode())
    count, size = 0, 0
    # the chart's files but .git (never helm's input), then each file:// dependency laid beside it
    charts = [chart, *closure(root, chart)]
    for path in [*value_files, *(p for d in charts for p in files(d))]:
        if path.is_symlink():
            return None
        if not path.is_file():
            continue
        count, size = count + 1, size + path.stat().st_size
        if count > MAX_KEY_FILES or size > MAX_KEY_BYTES:
            return None
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else "values"
        digest.update(f"\0{name}\0".encode() + path.read_bytes())
    digest.update(b"\0inline\0" + (values or "").encode())
    return digest.hexdigest()
