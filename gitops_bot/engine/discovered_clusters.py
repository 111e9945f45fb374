"""Environments that are several clusters' same-named overlays: split one per cluster when
the clusters pin different versions, each cluster's promotion order kept within it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.reading import EnvironmentReading
from gitops_bot.engine.candidates import FoundEnvironment, safe_name
from gitops_bot.engine.discovered_images import new_names
from gitops_bot.engine.promotion_order import (
    name_order,
)
from gitops_bot.engine.repository_files import (
    RepoFiles,
)
from gitops_bot.manifests import images
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
    if parts[0][i - 1].lower() not in _CLUSTER_DIRS and not all("." in v for v in variants):
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
    first = next(i for i, e in enumerate(out) if e.name in clusters)
    rest = [e for e in out if e.name not in clusters]
    return [*rest[:first], *split, *rest[first:]]
