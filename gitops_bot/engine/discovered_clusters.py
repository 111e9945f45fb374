"""Environments that are several clusters' same-named overlays: split one per cluster when
the clusters pin different versions, each cluster's promotion order kept within it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.reading import EnvironmentReading
from gitops_bot.engine import pushed_artifacts
from gitops_bot.engine.candidates import TOOL_SETUP, FoundEnvironment, RenderPath, safe_name
from gitops_bot.engine.deployers import deployer_files
from gitops_bot.engine.discovered_images import new_names
from gitops_bot.engine.promotion_order import WORDS, kind_of, name_order
from gitops_bot.engine.repository_files import RepoFiles, as_map, files_of, norm
from gitops_bot.manifests import charts, images
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.render import reader

# Directories whose children are clusters (clusters/<cluster>/overlays/dev): the same overlay
# name under two of them is two clusters' environments, which may run different versions.
_CLUSTER_DIRS = frozenset({"clusters", "cluster", "regions", "region", "sites", "fleet", "fleets"})


def _cluster_parts(paths: Sequence[str]) -> dict[str, str] | None:
    """path -> its cluster, when an environment's paths differ in one directory only and that
    directory is a cluster's (under ``clusters/``, or named like a host: ``local.home``)."""
    parts = [PurePosixPath(p).parts for p in paths]
    if len(parts) < 2 or len({len(x) for x in parts}) != 1:
        return None
    diff = [i for i in range(len(parts[0])) if len({x[i] for x in parts}) > 1]
    if len(diff) != 1 or diff[0] == 0:
        return None
    i = diff[0]
    variants = [x[i] for x in parts]
    # files of one folder (argocd/platform/<app>.yaml) are apps' Applications, no clusters
    hosts = all("." in v and not v.endswith((".yaml", ".yml", ".json")) for v in variants)
    if parts[0][i - 1].lower() not in _CLUSTER_DIRS and not hosts:
        return None
    return dict(zip(paths, variants, strict=True))


def _cluster_label(cluster: str, taken: Sequence[str]) -> str:
    """A cluster's short name: a host-like one's first label (aws.cluster: aws), unless two
    clusters would share it."""
    first = cluster.split(".", 1)[0]
    short = [c.split(".", 1)[0] for c in taken]
    return safe_name(first if short.count(first) == 1 else cluster.replace(".", "-"))


def per_cluster(
    envs: Sequence[FoundEnvironment],
    readings: Mapping[str, EnvironmentReading],
    repo: RepoFiles | None = None,
) -> tuple[list[FoundEnvironment], dict[str, tuple[str, str]]]:
    """An environment whose paths are several clusters' same-named overlays, pinning different
    versions of an image, is one environment per cluster (one per name would plan one cluster's
    tag and write it into every cluster). Several clusters pinning the same versions stay one
    environment: a release keeps them equal. The second value: new name -> (cluster, the name
    it was split from)."""
    out: list[FoundEnvironment] = []
    clusters: dict[str, tuple[str, str]] = {}
    for e in envs:
        of = _cluster_parts(e.paths)
        r = readings.get(e.name)
        differ = r is not None and any(
            len({(p.tag, p.digest) for p in ir.pins if p.effective}) > 1 for ir in r.images
        )
        if of is None or not differ or e.branch:
            out.append(e)
            continue
        names = list(dict.fromkeys(of.values()))
        for cluster in names:
            label = _cluster_label(cluster, names)
            name = f"{label}-{e.name}"
            idx = [i for i, p in enumerate(e.paths) if of[p] == cluster]
            why = (
                f"one environment per cluster: {e.name} is deployed by {len(names)} clusters "
                f"({', '.join(names)}) that pin different versions; this is {cluster}'s"
            )
            deployer = _deployed_by(repo, [e.paths[i] for i in idx]) if repo is not None else None
            if deployer:
                why += f" ({deployer} deploys it)"
            out.append(
                replace(
                    e,
                    name=name,
                    paths=tuple(e.paths[i] for i in idx),
                    how=tuple(e.how[i] for i in idx if i < len(e.how)),
                    cluster=why,
                )
            )
            clusters[name] = (cluster, e.name)
    return out, clusters


def one_release(
    repo: RepoFiles,
    envs: Sequence[FoundEnvironment],
    readings: Mapping[str, EnvironmentReading],
    rendered: dict[str, list[str]],
) -> tuple[list[FoundEnvironment], bool]:
    """Environments whose every pin is a line each of them renders and no other environment
    does (a fleet whose clusters sync one folder, none with a layer of its own) are one
    environment: a release for one alone would edit the others' line, so none would ever be
    made, and the layout takes one release of all of them, as :func:`per_cluster` keeps
    clusters pinning the same versions one. The second value: whether any were joined."""

    def flux(f: str) -> bool:
        # a cluster's own flux-system: what flux bootstrap generates, Flux's images, no layer of its apps
        return "flux-system" in PurePosixPath(f).parts

    def lines(e: FoundEnvironment) -> frozenset[tuple[str, str, int]]:
        r = readings.get(e.name)
        pins = [
            (ir.image, p)
            for ir in (r.images if r else ())
            for p in ir.pins
            if p.effective and not flux(p.file)
        ]
        # a layer of its own a release may write in (a kustomization, a values file; not the
        # ConfigMaps of a cluster's substitutions)
        own = r is not None and any(
            PurePosixPath(f).name in KUSTOMIZATION_NAMES
            or ((docs := repo.docs(f)) and not any(kind_of(d)[1] for d in docs))
            for f in r.writable
            if not flux(f)
        )
        if r is None or own or e.branch or not all(p.shared_with for _, p in pins):
            return frozenset()
        # the files pinning chart versions: the same files for all, or one has a layer of its own
        held = [("chart", f, 0) for f in rendered.get(e.name, []) if charts.may_pin(repo.text(f) or "", f)]
        return frozenset([*((image, p.file, p.line) for image, p in pins), *held])

    groups: dict[frozenset[tuple[str, str, int]], list[FoundEnvironment]] = {}
    for e in envs:
        groups.setdefault(lines(e), []).append(e)
    first: dict[str, FoundEnvironment] = {}  # a joined group's first name -> the one environment
    joined: set[str] = set()
    for key, group in groups.items():
        if not key or len(group) < 2:
            continue
        names = {g.name for g in group}
        pins = [(g.name, p) for g in group for ir in readings[g.name].images for p in ir.pins]
        if any(not set(p.shared_with) <= names - {n} for n, p in pins if not flux(p.file)):
            continue
        joined |= names
        paths = dict.fromkeys(p for g in group for p in g.paths)
        how = {p: h for g in reversed(group) for p, h in zip(g.paths, g.how, strict=False)}
        name = safe_name("-".join(g.name for g in group))
        rendered[name] = list(dict.fromkeys(f for g in group for f in rendered.get(g.name, [])))
        why = (
            f"one environment for {', '.join(g.name for g in group)}: every line any of them renders is one "
            "all of them render, none has a layer of its own, so a release is made for all at once; give "
            "each a layer of its own (a patch or an images: entry only it renders) to release them apart"
        )
        joined_how = tuple(how.get(p, "") for p in paths)
        first[group[0].name] = replace(
            group[0], name=name, paths=tuple(paths), how=joined_how, promote_from=None, order="", cluster=why
        )
    return [first.get(e.name, e) for e in envs if e.name not in joined or e.name in first], bool(joined)


def _deployed_by(repo: RepoFiles, paths: Sequence[str]) -> str | None:
    """The file outside ``paths`` that names one of them as what it deploys (an Argo CD
    Application, or an app of apps' values: bootstrap/argocd/apps/overlays/rhpds/values.yaml
    deploys clusters/rhpds/overlays/dev): the tool's own word that it is a cluster's."""
    wanted = re.compile(
        r"(?:^|[\s:\"'])(?:\./)?(" + "|".join(re.escape(p) for p in paths) + r")/?[\"']?\s*$", re.M
    )
    for f in repo.yaml_files():
        if any(f.startswith(p + "/") for p in paths):
            continue
        if wanted.search(repo.text(f) or ""):
            return f
    return None


def split_readings(
    repo: RepoFiles,
    envs: Sequence[FoundEnvironment],
    clusters: Mapping[str, tuple[str, str]],
    specs: Sequence[images.ImageSpec],
    names: tuple[str, ...],
    readings: Mapping[str, EnvironmentReading],
    rendered: dict[str, list[str]],
    renamed: dict[str, dict[str, str]],
    plain: reader.Reader,
) -> dict[str, EnvironmentReading]:
    """The readings once environments were split by cluster: every environment read again (what
    another renders too is said by the reader against the new set), and what each new one
    renders."""
    for e in envs:
        if e.name in clusters:
            try:
                rendered[e.name] = list(plain.environment(reader.Source(e.name, e.paths, ())).files)
            except GitOpsBotError as err:
                repo.notes.append(f"environment {e.name}: {err}")
                rendered[e.name] = []
            renamed[e.name] = new_names(repo, rendered[e.name])
    try:
        full = reader.Reader(repo.tree, repo.root, specs, repo.root)
        return dict(full.read([reader.Source(e.name, e.paths, names) for e in envs]))
    except GitOpsBotError as err:
        repo.notes.append(f"reading the environments: {err}")
        return {k: v for k, v in readings.items() if k not in {s for _, s in clusters.values()}}


def cluster_order(
    envs: Sequence[FoundEnvironment], clusters: Mapping[str, tuple[str, str]], questions: list[str]
) -> list[FoundEnvironment]:
    """promote_from of a cluster's environments: within the cluster, by the order of the names
    they were split from (rhpds-test from rhpds-dev, as dev precedes test), never across
    clusters; the names' open questions about them are dropped for those."""
    if not clusters:
        return list(envs)
    by_cluster: dict[str, dict[str, str]] = {}
    for name, (cluster, stage) in clusters.items():
        by_cluster.setdefault(cluster, {})[stage] = name
    questions[:] = [q for q in questions if not any(q.startswith(f"environment {n}:") for n in clusters)]
    out = []
    for e in envs:
        if e.name not in clusters:
            out.append(e)
            continue
        cluster, stage = clusters[e.name]
        stages = by_cluster[cluster]
        upstream, open_ = name_order(list(stages))
        frm = upstream.get(stage)
        if frm:
            why = f"guessed from the names: {frm} comes before {stage} (within cluster {cluster})"
            out.append(replace(e, promote_from=stages[frm], order=why))
        elif stage in open_:
            cands = " or ".join(stages[s] for s in open_[stage])
            why = f"open question: {e.name} is promoted from {cands}? the names do not say"
            questions.append(f"environment {e.name}: promote_from {cands}? the names do not say")
            out.append(replace(e, promote_from=None, order=why))
        else:
            out.append(replace(e, promote_from=None, order=""))
    # a cluster's environments side by side (aws-dev, aws-test, aws-prod, then the next cluster's)
    cluster_rank = {c: i for i, c in enumerate(by_cluster)}
    split = sorted(
        (e for e in out if e.name in clusters),
        key=lambda e: cluster_rank[clusters[e.name][0]],
    )
    # a cluster's names may all be gone (none rendered an image): nothing to set side by side
    first = next((i for i, e in enumerate(out) if e.name in clusters), len(out))
    rest = [e for e in out if e.name not in clusters]
    return [*rest[:first], *split, *rest[first:]]


def flux_clusters(
    repo: RepoFiles, found: Sequence[RenderPath]
) -> tuple[list[RenderPath], dict[str, tuple[str, str]]]:
    """The candidates a Flux cluster deploys (``clusters/<c>``, or the directory holding its
    ``flux-system``; a Kustomization in a directory a cluster's Kustomization renders is that
    cluster's too), named by the cluster: a cluster is an environment, the namespaces its
    Kustomizations' paths are named after are not (``apps/main/monitoring`` is main's). What
    several clusters deploy (a shared ``infrastructure/``) runs in each of them, so it is a
    path of each one's environment: the reader then says its pins are shared, and a release
    for one cluster alone leaves them. A name of the usual words (dev, prod) is kept, prefixed
    by its cluster where two clusters deploy one (``eu-dev``), so that no environment mixes two
    clusters. The second value: each such name -> (cluster, the word), for the order within
    each cluster."""
    objects = _flux_objects(repo)
    components = _components(repo)
    # kustomize-controller adds a Kustomization's spec.components to its path's build: each a
    # path of the environment its path is
    paths = {c.path for c in found}
    found = [
        *found,
        *(
            RenderPath(d, c.name, f"Flux Kustomization {name} in {f} (component {d})")
            for (f, name), (path, dirs) in components.items()
            for c in found
            if c.path == path
            for d in sorted(dirs)
            if d in repo.dirs and d not in paths
        ),
    ]
    owned = {f: owner for f, _, _ in objects if (owner := _cluster_dir(repo, f, bootstrap=False))}
    cluster: dict[str, set[str]] = {f: {owner} for f, owner in owned.items()}
    reached: dict[str, set[str]] = {}
    _spread(repo, objects, owned, cluster, reached)
    # a directory beside a flux-system one names a cluster only where none is under clusters/:
    # there, what their syncs do not reach is applied by none (an app its cluster's overlay
    # lists no longer), whatever folder holds it (apps/base/flux-system holds an app, not a
    # bootstrap)
    beside = {f: owner for f, _, _ in objects if not cluster and (owner := _cluster_dir(repo, f))}
    owned |= beside
    cluster |= {f: {owner} for f, owner in beside.items()}
    _spread(repo, objects, owned, cluster, reached)
    # neither: a Kustomization nothing else renders that renders others is a cluster's root,
    # applied by hand or by its bootstrap (kubernetes/main/flux/config/cluster.yaml of the
    # cluster templates), and everything it reaches is that cluster's
    if tops := {} if cluster else _tree_roots(objects, reached):
        owned |= tops
        cluster |= {f: {owner} for f, owner in tops.items()}
        _spread(repo, objects, owned, cluster, reached)
    # a folder of Kustomizations a cluster applies is that cluster's, no bootstrap of its own
    inside = {f"{d}: {TOOL_SETUP}" for f, _, path in objects if f in cluster for d in reached[path]}
    repo.notes[:] = [n for n in repo.notes if n not in inside]
    deploys: dict[str, dict[str, str]] = {}  # candidate path -> its clusters -> the object in words
    for f, name, path in objects:
        # Flux applies what a path's kustomization reaches (a folder it leaves out is not), else
        # what the kustomization it generates does (_flux_files), with its spec.components
        for c in found:
            if f in cluster and (c.path in reached[path] or c.path in components.get((f, name), ("", ()))[1]):
                for k in sorted(cluster[f]):
                    deploys.setdefault(c.path, {}).setdefault(
                        k, f"Flux Kustomization {name} of cluster {k} ({f})"
                    )
    if not deploys:
        return list(found), {}
    words: dict[str, set[str]] = {}
    for c in found:
        if c.path in deploys and _staged(c):
            words.setdefault(c.name, set()).update(deploys[c.path])
    # where Flux alone deploys, a Kustomization no cluster's sync reaches is applied by nothing
    # (a folder being built, an old one): what it renders is no cluster's, so no environment
    alone = not any(
        ("argoproj.io" in (t := repo.text(f) or "") or "kargo.akuity.io" in t) for f in deployer_files(repo)
    )
    roots = sorted({k for ks in deploys.values() for k in ks})
    out = []
    split: dict[str, tuple[str, str]] = {}
    for c in found:
        if c.path not in deploys and alone and c.how.startswith(_FLUX_FOUND):
            repo.notes.append(
                f"{c.path}: no Flux cluster's sync reaches it ({'clusters' if len(roots) > 1 else 'cluster'} "
                f"{', '.join(roots)}); not an "
                "environment (add it by hand if something outside the repository deploys it)"
            )
            continue
        if c.path not in deploys:
            out.append(c)
            continue
        by = deploys[c.path]
        for of, said in by.items():
            name = safe_name(of)
            # a cluster named by a stage (clusters/staging, clusters/production) is that one
            # stage: the stage words of the folders it deploys (apps/staging, or the cluster's own
            # folder naming a shared Kustomization) are its name again, never crossed with it
            if _staged(c) and not _stage(of):
                name = c.name if len(words[c.name]) == 1 else safe_name(f"{of}-{c.name}")
                if name != c.name:
                    split[name] = (of, c.name)
            also = [k for k in by if k != of]
            shared = (
                f"; so {'do clusters' if len(also) > 1 else 'does cluster'} {', '.join(also)}" if also else ""
            )
            out.append(replace(c, name=name, how=f"{c.how}, deployed by {said}{shared}"))
    return out, split


def _spread(
    repo: RepoFiles,
    objects: Sequence[tuple[str, str, str]],
    owned: Mapping[str, str],
    cluster: dict[str, set[str]],
    reached: dict[str, set[str]],
) -> None:
    """Each Kustomization a cluster's Kustomization renders is that cluster's, to any depth, and
    every cluster's that reaches it (two clusters over one infrastructure/): ``cluster`` grown,
    but for the files under a cluster's own directory (``owned``); ``reached``: each path's
    directories, filled."""
    for _, _, path in objects:
        if path not in reached:
            reached[path] = {
                norm(PurePosixPath(p.relative_to(repo.root).as_posix()).parent.as_posix())
                for p in _flux_files(repo, path)
                if p.is_relative_to(repo.root)
            } | {path}
    grown = True
    while grown:
        grown = False
        for f, _, path in objects:
            for g, _, _ in objects:
                if g in owned or f not in cluster or PurePosixPath(g).parent.as_posix() not in reached[path]:
                    continue
                if not cluster[f] <= cluster.setdefault(g, set()):
                    cluster[g] |= cluster[f]
                    grown = True


def _flux_files(repo: RepoFiles, path: str) -> list[Path]:
    """What a Flux Kustomization's path applies: its kustomization's reach, else the one Flux
    generates, of the YAML files below it where a folder holding a kustomization stands for its
    reach and is not entered further (a ks.yaml its folder's kustomization no longer lists is
    applied by none)."""
    prefix = f"{path}/" if path else ""
    if any(f"{prefix}{k}" in repo.files for k in KUSTOMIZATION_NAMES):
        return files_of(repo, path)
    out: list[Path] = []
    built: set[str] = set()
    for f in repo.yaml_files():
        if not f.startswith(prefix):
            continue
        parts = PurePosixPath(f[len(prefix) :]).parts[:-1]
        below = (prefix + "/".join(parts[: i + 1]) for i in range(len(parts)))
        kdir = next((d for d in below if any(f"{d}/{k}" in repo.files for k in KUSTOMIZATION_NAMES)), None)
        if kdir is None:
            out.append(repo.root / f)
        elif kdir not in built:
            built.add(kdir)
            out += files_of(repo, kdir)
    return out


def _tree_roots(objects: Sequence[tuple[str, str, str]], reached: Mapping[str, set[str]]) -> dict[str, str]:
    """file -> its cluster's name, for each Kustomization no other one renders that renders
    another (a lone one is an app's, whoever applies it). The name is its file's last folder
    that is no Flux or Kubernetes word (kubernetes/main/flux/config: main), else ``cluster``."""

    def renders(path: str, f: str) -> bool:
        return PurePosixPath(f).parent.as_posix() in reached[path]

    out = {}
    alone = [
        (f, name, path)
        for f, name, path in objects
        if not any(renders(p, f) for g, n, p in objects if (g, n) != (f, name))
    ]
    for f, name, path in alone:
        if any(renders(path, g) for g, n, _ in objects if (g, n) != (f, name)):
            words = [w for w in PurePosixPath(f).parent.parts if w.lower() not in _ROOT_WORDS]
            out[f] = safe_name(words[-1]) if words else "cluster"
    # one beside a root, rendering no Kustomization (cluster-meta's chart sources), is applied
    # with it: the same cluster's
    for f, _, _ in alone:
        parent = PurePosixPath(f).parent
        out.setdefault(f, next((c for g, c in out.items() if PurePosixPath(g).parent == parent), ""))
    return {f: c for f, c in out.items() if c}


# the folders of a cluster template's Flux tree that name no cluster
_ROOT_WORDS = _CLUSTER_DIRS | {"kubernetes", "k8s", "kube", "flux", "flux-system", "config", "gitops", "."}


def _staged(c: RenderPath) -> bool:
    """Whether a candidate a cluster deploys is one of its stages: its own folder named by a
    usual word (``apps/eu/dev``). A namespace of that name among the cluster's apps
    (``kubernetes/apps/dev/forgejo/app``) is the cluster's."""
    return _stage(c.name) and PurePosixPath(c.path).name.lower() == c.name.lower()


def _stage(name: str) -> bool:
    """Whether a candidate a cluster deploys is one of its stages (``apps/eu/dev``): named by a
    usual word alone. A word inside a name (``controllers-local``, ``node-local-dns``,
    ``ci-excluded``) names what the folder holds, which is the cluster's."""
    return name.lower() in WORDS


# how the candidates a Flux Kustomization makes are found (candidates.flux, candidates.overlays)
_FLUX_FOUND = ("Flux Kustomization ", "Kustomize overlay ")


def _flux_objects(repo: RepoFiles) -> list[tuple[str, str, str]]:
    """Each Flux Kustomization reading this repository's files (its git source, or an artifact
    its CI pushes): (its file, its name, its path), a path this repository holds."""
    out = []
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "kustomize.toolkit.fluxcd.io" not in text or repo.no_environment(f):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            if kind != "Kustomization" or not api.startswith("kustomize.toolkit.fluxcd.io"):
                continue
            # a git source's path, or an artifact's this repository's CI pushes
            path = pushed_artifacts.repository_path(repo, as_map(doc.get("spec")))
            if path and path in repo.dirs:
                out.append((f, str(as_map(doc.get("metadata")).get("name") or ""), path))
    return out


def _components(repo: RepoFiles) -> dict[tuple[str, str], tuple[str, set[str]]]:
    """Each Flux Kustomization's ``spec.components``, as kustomize-controller adds them to its
    path's build (relative to the path): (its file, its name) -> (its path, those directories)."""
    out: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for f in repo.yaml_files():
        if "components" not in (text := repo.text(f) or "") or "kustomize.toolkit.fluxcd.io" not in text:
            continue
        for doc in repo.docs(f):
            spec = as_map(doc.get("spec"))
            listed, path = spec.get("components"), spec.get("path")
            if kind_of(doc)[1] == "Kustomization" and isinstance(listed, list) and isinstance(path, str):
                name, path = str(as_map(doc.get("metadata")).get("name") or ""), norm(path.lstrip("/"))
                dirs = {norm(posixpath.join(path, c)) for c in listed if isinstance(c, str)}
                out[f, name] = (path, dirs)
    return out


def _cluster_dir(repo: RepoFiles, f: str, *, bootstrap: bool = True) -> str | None:
    """The Flux cluster a file belongs to: the directory under ``clusters/`` holding it, else
    (``bootstrap``) the one holding a ``flux-system`` directory of Flux's own objects (what
    ``flux bootstrap --path`` writes; a ``flux-system`` folder of the namespace's network policies
    is none)."""
    parts = PurePosixPath(f).parts[:-1]
    for i, part in enumerate(parts[:-1]):
        if part.lower() in _CLUSTER_DIRS:
            return parts[i + 1]
    if not bootstrap:
        return None
    for i in range(len(parts), 0, -1):
        sync = "/".join((*parts[:i], "flux-system"))
        if sync in repo.dirs and parts[i - 1] != "flux-system" and _holds_flux(repo, sync):
            return parts[i - 1]
    return None


def _holds_flux(repo: RepoFiles, d: str) -> bool:
    """Whether directory ``d`` is a cluster's bootstrap, as ``flux bootstrap --path`` writes it:
    Flux's components (gotk-components.yaml), or a sync of Flux's APIs (a Kustomization, a
    FluxInstance, also as the flux-instance chart's values) applying the directory holding ``d``.
    A flux-system folder of a namespace's apps (the Flux Operator's release and its ks.yaml, a
    Namespace labelled for Flux) is none."""
    parent = norm(str(PurePosixPath(d).parent))
    if f"{d}/gotk-components.yaml" in repo.files:
        return True
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if not f.startswith(d + "/") or (
            "toolkit.fluxcd.io" not in text and "fluxcd.controlplane.io" not in text
        ):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            spec = as_map(doc.get("spec"))
            paths = [spec.get("path") if kind == "Kustomization" else as_map(spec.get("sync")).get("path")]
            # a FluxInstance written as the flux-instance chart's values (instance.sync)
            paths += (
                [s.get("path") for s in pushed_artifacts.syncs(spec.get("values"))]
                if kind == "HelmRelease"
                else []
            )
            if _FLUX_API.search(api) and any(
                isinstance(p, str) and norm(p.lstrip("/")) == parent for p in paths
            ):
                return True
    return False


_FLUX_API = re.compile(r"^[a-z.]*(?:toolkit\.fluxcd\.io|fluxcd\.controlplane\.io)/")


def said_once(repo: RepoFiles, envs: Sequence[FoundEnvironment]) -> list[FoundEnvironment]:
    """The environments, how an artifact is this repository's said on the first path read from
    it, once the environments are known (a path read first may be none's: applied by no cluster)."""
    told: set[str] = set()
    out = []
    for e in envs:
        lines = list(e.how)
        for i, path in enumerate(e.paths):
            for r in pushed_artifacts.reads(repo):
                if r.how not in told and path == r.directory and i < len(lines):
                    told.add(r.how)
                    lines[i] = f"{lines[i]}; {r.how}"
        out.append(replace(e, how=tuple(lines)))
    return out
