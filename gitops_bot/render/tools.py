"""Rendering an environment's kustomization before and after a release's edits with the real
``kubectl kustomize`` (and ``helm`` for ``helmCharts:``), for the rendered diff in the pull
request (:mod:`gitops_bot.render.diff` compares the two renders).

Rendering never blocks a release: every failure (no kubectl, a render that fails, runs past
its deadline or prints more than the bound) becomes a "not rendered: why" line in the result.
Each render runs in a copy of the repository (one for before, one for after, rendered at
once) in the bot's private temporary directory, never in the worktree: Helm chart inflation
writes ``charts/`` beside the kustomization, and that must not end up in the commit. The tools
get a minimal environment (no tokens) whose HOME and Helm directories are inside that
temporary directory.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from gitops_bot.core import childenv, files, privdir
from gitops_bot.core.log import get_logger
from gitops_bot.manifests import kustomize_refs
from gitops_bot.manifests.guard import LOADER
from gitops_bot.render import reader
from gitops_bot.render.bounded import MAX_OUTPUT, Exited, NotRendered, run_bounded
from gitops_bot.render.diff import Rendered, compare
from gitops_bot.render.settings import RenderSettings

log = get_logger(__name__)

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def rendered_diff(
    settings: RenderSettings,
    environment: str,
    root: Path,
    kustomizations: list[Path],
    before: Mapping[Path, str],
    after: Mapping[Path, str],
) -> tuple[Rendered, ...]:
    """Each kustomization directory (under the worktree ``root``) rendered with the files of
    ``before`` and then with those of ``after`` (path under ``root`` -> text), compared."""
    if not settings.enabled:
        return ()
    if not kustomizations:
        return (Rendered(environment, ".", error="no kustomization among the environment's paths"),)
    names = [d.relative_to(root).as_posix() or "." for d in kustomizations]
    kubectl = settings.tool("kubectl")
    if kubectl is None:
        return tuple(Rendered(environment, n, error="kubectl not found") for n in names)
    dirs = dict(zip(names, kustomizations, strict=True))
    over = {
        n: reason
        for n, d in dirs.items()
        if (reason := _over_budget(settings, root, d, n, after)) is not None
    }
    names = [n for n in names if n not in over]
    skipped = tuple(Rendered(environment, n, error=reason) for n, reason in over.items())
    if not names:
        return skipped
    # the reader's rule (nothing outside the repository is read) for the render too: kubectl
    # follows a link as a base or a resource, and what it renders is published; before any
    # render or kept render is used
    leaving = {n: link for n in names if (link := links_read(root, dirs[n], _links_out(root), after))}
    for n, link in leaving.items():
        refused = (
            f"not rendered: {link} is a symbolic link leading out of the repository (kubectl "
            "kustomize would render what it points at); make it a directory in the repository, or remove it"
        )
        skipped += (Rendered(environment, n, error=refused),)
    names = [n for n in names if n not in leaving]
    if not names:
        return skipped
    far = {n: remote for n in names if (remote := _remote(root, dirs[n], after))}
    skipped += tuple(Rendered(environment, n, error=why) for n, why in far.items())
    names = [n for n in names if n not in far]
    if not names:
        return skipped
    started = time.monotonic()
    kept = {n for n in names if _reach(root, dirs[n], before).local and _reach(root, dirs[n], after).local}
    cache = _Cache(settings, kubectl, root, kept)
    outputs: list[list[str | NotRendered | None]] = [
        [cache.get(key, n) for n in names] for key in (cache.key(before), cache.key(after))
    ]
    missing = [side for side, found in enumerate(outputs) if any(o is None for o in found)]
    if missing:
        texts = {("before", "after")[i]: (before, after)[i] for i in missing}
        rendered = _render_sides(settings, kubectl, environment, root, names, texts)
        if isinstance(rendered, tuple):
            return skipped + rendered
        for side, fresh in zip(missing, rendered, strict=True):
            key = cache.key((before, after)[side])
            for k, (name, got) in enumerate(zip(names, fresh, strict=True)):
                outputs[side][k] = got
                if isinstance(got, str):
                    cache.put(key, name, got)
    out = list(skipped)
    for name, old, new in zip(names, outputs[0], outputs[1], strict=True):
        assert old is not None and new is not None
        if isinstance(old, NotRendered) or isinstance(new, NotRendered):
            why = old if isinstance(old, NotRendered) else new
            out.append(Rendered(environment, name, error=str(why)))
        else:
            out.append(compare(environment, name, old, new))
    log.info(
        "rendered", environment=environment, seconds=round(time.monotonic() - started, 3), sides=len(missing)
    )
    return tuple(out)


def render_marked(
    settings: RenderSettings, root: Path, directories: Sequence[Path], texts: Mapping[Path, str]
) -> list[str | NotRendered]:
    """Each local kustomization directory under the worktree ``root`` rendered with ``texts``
    (path under ``root`` -> text) written over a copy of the tree: the rendered diff's copy,
    child environment, deadline and bound, and its kept renders (by the content rendered), so
    an unchanged tree with the same edits renders nothing again. kubectl must be found."""
    kubectl = settings.tool("kubectl")
    assert kubectl is not None
    names = [d.relative_to(root).as_posix() or "." for d in directories]
    cache = _Cache(settings, kubectl, root, set(names))
    key = cache.key(texts)
    kept = [cache.get(key, n) for n in names]
    if all(k is not None for k in kept):
        return [k for k in kept if k is not None]
    got = _render_sides(settings, kubectl, "", root, names, {"marked": texts})
    if isinstance(got, tuple):  # the copy failed: the same reason for each directory
        return [NotRendered(r.error or "not rendered") for r in got]
    for name, out in zip(names, got[0], strict=True):
        if isinstance(out, str):
            cache.put(key, name, out)
    return got[0]


def _render_sides(
    settings: RenderSettings,
    kubectl: str,
    environment: str,
    root: Path,
    names: list[str],
    sides_texts: Mapping[str, Mapping[Path, str]],
) -> list[list[str | NotRendered]] | tuple[Rendered, ...]:
    """Render ``names`` in a copy of the worktree per side (the files of each side's texts
    written over it); a copy that fails is the whole result's reason."""
    # in the private dir: the repository copies are swept with it even when the process is killed
    with tempfile.TemporaryDirectory(prefix="render-", dir=privdir.path()) as tmp:
        sides = [Path(tmp) / label for label in sides_texts]  # "before", "after"
        for side, texts in zip(sides, sides_texts.values(), strict=True):
            tree = side / "tree"
            try:
                shutil.copytree(root, tree, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            except (OSError, shutil.Error) as e:
                return tuple(
                    Rendered(environment, n, error=f"cannot copy the repository: {e}") for n in names
                )
            for path, text in texts.items():
                target = tree / path.relative_to(root)
                target.unlink(missing_ok=True)  # a symlink in the copy is replaced, never followed
                target.write_text(text, encoding="utf-8")
        # the two sides at once, each in its own copy: kubectl is a process, so the renders
        # overlap on the cores instead of one waiting for the other (half the wall of a
        # release's rendered diff); each side renders its directories one after another
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(
                pool.map(
                    lambda side: [
                        render_directory(settings, kubectl, side / "tree" / n, side) for n in names
                    ],
                    sides,
                )
            )


def _links_out(tree: Path) -> list[str]:
    """The symbolic links in ``tree`` (a worktree, ``.git`` aside) whose target, resolved, is
    not inside it (absolute, or ``../`` past its root), as paths in it, sorted."""
    real_root = tree.resolve()
    out: list[str] = []
    for folder, dirs, names in os.walk(tree):  # links to folders are listed, not entered
        if folder == str(tree):
            dirs[:] = [d for d in dirs if d != ".git"]
        for name in (*dirs, *names):
            path = Path(folder) / name
            if not path.is_symlink():
                continue
            try:
                real = path.resolve()
            except (RuntimeError, OSError):  # a link loop leads nowhere, not out: kustomize says it
                continue
            if real != real_root and real_root not in real.parents:
                out.append(path.relative_to(tree).as_posix())
    return sorted(out)


def links_read(root: Path, directory: Path, leaving: Sequence[str], texts: Mapping[Path, str]) -> str | None:
    """The first of the links ``leaving`` the repository (paths under ``root``) that the
    kustomization at ``directory`` may read: one in or under the directory of a kustomization
    it builds, where kustomize resolves its entries. A link elsewhere (another environment's
    overlay, docs) is none of its render's business; None when it reads none."""
    if not leaving:
        return None
    found = reader.reach(reader.DiskTree(root, texts), root, directory)
    dirs = {
        p.parent for p in (directory / KUSTOMIZATION_NAMES[0], *found.files) if p.name in KUSTOMIZATION_NAMES
    }
    for rel in leaving:
        link = root / rel
        if any(d in link.parents for d in dirs):
            return rel
    return None


def _over_budget(
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
    has none or it is not YAML (kustomize's own run says what is wrong with it)."""
    text = next((t for n in KUSTOMIZATION_NAMES if (t := _text(directory / n, texts)) is not None), None)
    return 0 if text is None else _entries_in(text)


@functools.lru_cache(maxsize=64)  # by content: the reading's render and the marked render ask
def _entries_in(text: str) -> int:  # the same text, and 200 entries are ~8 ms of PyYAML each
    try:
        doc = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return 0
    return len(doc["images"]) if isinstance(doc, dict) and isinstance(doc.get("images"), list) else 0


# an image field of a container in a block-style manifest ("image: x" or "- image: x")
_IMAGE_FIELD = re.compile(r"^[ \t]*(?:-[ \t]+)?image:[ \t]*[^ \t\r\n#]", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Reach:
    image_fields: int  # in the local resources, through bases and components
    local: bool  # nothing read from outside the tree: no remote resource, no Helm chart


def _reach(root: Path, directory: Path, texts: Mapping[Path, str]) -> _Reach:
    """What the kustomization reads, through its bases and components (the one reader's
    walk, :func:`gitops_bot.render.reader.reach`): the image fields of its local resources
    (what each ``images:`` entry is matched against), and whether all of it is here. A remote
    resource, a Helm chart (pulled when rendered) or a path outside the repository is not here:
    its render may change with nothing here changing, and its image fields are not counted."""
    tree = reader.DiskTree(root, texts)
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


def _remote(root: Path, directory: Path, texts: Mapping[Path, str]) -> str | None:
    """Why the kustomization (as edited) is not rendered here: it names a remote resource or
    patch (kustomize would fetch it with git or HTTP, on the repository author's say), or a Helm
    chart pulled from a chart repository (no copy of it under its chart home); None when what
    it renders is all in the repository."""
    tree = reader.DiskTree(root, texts)
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
    return None


def _pulled_chart(path: Path, texts: Mapping[Path, str]) -> str | None:
    """The first ``helmCharts:`` entry of the kustomization at ``path`` that helm would pull
    (a ``repo:``, and no copy under the chart home), as "NAME from REPO"."""
    text = _text(path, texts)
    if text is None or "helmCharts" not in text:
        return None
    try:
        doc = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return None
    charts = doc.get("helmCharts") if isinstance(doc, dict) else None
    home = doc.get("helmGlobals", {}).get("chartHome") if isinstance(doc.get("helmGlobals"), dict) else None
    for chart in charts if isinstance(charts, list) else ():
        if not isinstance(chart, dict) or not chart.get("repo"):
            continue
        name, version = str(chart.get("name", "")), str(chart.get("version", ""))
        where = path.parent / str(home or "charts")
        if not ((where / name).is_dir() or (where / f"{name}-{version}" / name).is_dir()):
            return f"{name} from {chart['repo']}"
    return None


# rendered kustomizations kept between runs (newest first): a fleet's worth, as a watch over a
# hundred repositories renders several a repository each cycle (at 64 every cycle evicted the
# renders the next needed and rendered everything again)
CACHE_ENTRIES = 1024


class _Cache:
    """Renders kept between runs, by the content of the whole tree rendered (every file but
    ``.git``, each side's edits over it), the directory and the tools: a ``watch`` cycle or a
    re-run over an open pull request renders nothing again, and the "before" side of every
    release at one base (the same commit: the same content) is rendered once. Only the
    directories in ``kept`` are: one whose kustomizations reach outside the tree (a remote
    base, Helm charts pulled at render time) may render differently with nothing here
    changing, and such a kustomization elsewhere in the tree does not stop the others."""

    def __init__(self, settings: RenderSettings, kubectl: str, root: Path, kept: set[str]) -> None:
        self.root = root
        self.kept = kept
        self.dir = files.cache_dir(os.environ) / "rendered"
        stat = Path(kubectl).stat()
        self.tools = f"{kubectl}\0{stat.st_size}\0{stat.st_mtime_ns}\0{settings.helm}\0{MAX_OUTPUT}"
        self._base = _tree_digests(root) if kept else None

    def key(self, texts: Mapping[Path, str]) -> str | None:
        if self._base is None:
            return None
        tree = dict(self._base)
        for path, text in texts.items():
            tree[path.relative_to(self.root).as_posix()] = hashlib.sha256(text.encode()).digest()
        h = hashlib.sha256(self.tools.encode())
        for rel in sorted(tree):
            h.update(rel.encode() + b"\0" + tree[rel])
        return h.hexdigest()

    def _path(self, key: str, name: str) -> Path:
        return self.dir / (hashlib.sha256(f"{key}\0{name}".encode()).hexdigest() + ".yaml")

    def get(self, key: str | None, name: str) -> str | None:
        if key is None or name not in self.kept:
            return None
        try:
            return self._path(key, name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, key: str | None, name: str, output: str) -> None:
        if key is None or name not in self.kept:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            files.write_atomic(self._path(key, name), output)
            kept = sorted(self.dir.glob("*.yaml"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in kept[CACHE_ENTRIES:]:
                old.unlink(missing_ok=True)
        except OSError as e:  # a cache that cannot be written costs a render next time, no more
            log.info("render_cache_unwritable", reason=str(e))


# root -> path -> (what its stat says, the digest of its content): each release of a run hashes
# only the files that changed since the last one (an edit is written atomically: a new inode),
# as git's index does; a tree of thousands of files is not read again for every release. Kept
# for the last _DIGEST_TREES trees (and _DIGEST_FILES files) only, each with only the files it
# holds now: a long-running watch over many repositories does not grow it.
_DIGESTS: OrderedDict[str, dict[str, tuple[tuple[int, int, int], bytes]]] = OrderedDict()
_DIGESTS_LOCK = threading.Lock()
_DIGEST_TREES = 256  # a fleet's trees (at 8, a watch over more hashed every tree each cycle)
_DIGEST_FILES = 200_000  # files kept over all of them at most (about 250 bytes each)


def _tree_digests(root: Path) -> dict[str, bytes] | None:
    """Every file's content digest under ``root`` but ``.git`` (a symlink: its target's name),
    by path under ``root``; None when one cannot be read."""
    with _DIGESTS_LOCK:
        known = _DIGESTS.pop(str(root), {})
    now: dict[str, tuple[tuple[int, int, int], bytes]] = {}
    found: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
                stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
                seen = known.get(path)
                if seen is not None and seen[0] == stamp:
                    digest = seen[1]
                else:
                    data = os.readlink(path).encode() if stat.S_ISLNK(st.st_mode) else Path(path).read_bytes()
                    digest = hashlib.sha256(data).digest()
            except OSError:
                return None
            now[path] = (stamp, digest)
            found[Path(path).relative_to(root).as_posix()] = digest
    with _DIGESTS_LOCK:
        _DIGESTS[str(root)] = now
        while len(_DIGESTS) > 1 and (
            len(_DIGESTS) > _DIGEST_TREES or sum(map(len, _DIGESTS.values())) > _DIGEST_FILES
        ):
            _DIGESTS.popitem(last=False)
    return found


def kustomizations(root: Path, paths: list[Path]) -> list[Path]:
    """The kustomization directories among an environment's paths (a file: its directory)."""
    found: list[Path] = []
    for p in paths:
        d = p if p.is_dir() else p.parent
        if d not in found and any((d / n).is_file() for n in KUSTOMIZATION_NAMES):
            try:
                d.resolve().relative_to(root.resolve())
            except ValueError:
                continue
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
                doc = yaml.load(text, Loader=LOADER)  # libyaml: pure-Python YAML took seconds
            except (yaml.YAMLError, OSError, UnicodeDecodeError):
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
    no klog time or pid, no path of the private temporary copy."""
    for line in lines:
        line = _KLOG.sub("", line).strip()
        if line:
            line = line.replace(str(tmp / "tree") + "/", "").replace(str(tmp), "")
            return line[:300]
    return ""


def render_directory(settings: RenderSettings, kubectl: str, directory: Path, tmp: Path) -> str | NotRendered:
    """``kubectl kustomize directory`` (with helm where it inflates charts), run in ``tmp``
    (the private temporary directory holding the copy ``directory`` is in): what the rendered
    diff and the reading both render, the one render of a directory."""
    argv = [kubectl, "kustomize", str(directory)]
    if _uses_helm(directory):
        helm = settings.tool("helm")
        if helm is None:
            return NotRendered("helm not found (the kustomization inflates Helm charts)")
        argv += ["--enable-helm", "--helm-command", _helm_for_kustomize(helm, tmp, settings.timeout)]
    see = (
        f"; see it with 'kubectl kustomize {directory.relative_to(tmp / 'tree').as_posix() or '.'}', "
        "or raise render.timeout"
    )
    got = run_bounded(argv, tmp, settings.timeout, "kubectl kustomize", see)
    if isinstance(got, Exited):
        why = _reason(got.lines, tmp) or f"exit status {got.status}"
        return NotRendered(f"kubectl kustomize failed: {why}")
    return got
