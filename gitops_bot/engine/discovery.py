"""What a GitOps repository holds, found from its files alone (``gitops-bot init``): its
environments, their promotion order, the images each renders and a tag policy per image.

Environments are *candidates* found by shape, then read by the one reader of what an
environment renders (:mod:`gitops_bot.render.reader`), never by a second one:

* Kustomize overlays: kustomizations no other kustomization includes, which include others
  (what each includes is the reader's :func:`~gitops_bot.render.reader.reach`);
* Flux ``Kustomization`` objects whose ``spec.path`` is a directory no overlay already covers;
* Argo CD ``Application`` files whose source is a chart or a plain directory of the repository
  (an Application over an overlay is that overlay);
* per-environment Helm values files (``values-prod.yaml``, ``prod-values.yaml``,
  ``env/prod/values.yaml``).

Candidates that name the same environment (``apps/orders/envs/qa`` and ``apps/billing/envs/qa``)
are one environment with several paths. The promotion order comes from the tools' own
definitions where the repository has them (Kargo ``Stage`` ``requestedFreight`` sources,
GitOps Promoter ``PromotionStrategy`` environments), else from the names (dev < test/qa <
staging/uat/preprod < prod), said as a guess. Images are what the environments' rendered files
name (containers, ``images:`` entries, Helm values blocks and chart templates' ``image:``
lines); their versions and places are the reader's, and each image's policy is guessed from
the tags pinned today (:mod:`gitops_bot.policy.guess`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from gitops_bot.core import log
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.engine import discovered_charts
from gitops_bot.engine.discovered_charts import FoundChart
from gitops_bot.engine.promotion_order import (
    WORDS,
    kind_of,
    name_order,
    rank_of,
    rolling_sync_order,
    same,
    tool_order,
)
from gitops_bot.manifests import argocd_apps, images, kustomize, nodes, workloads, yamlvalues
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.policy.guess import Guess, guess
from gitops_bot.render import reader

MAX_FILES = 20_000  # files listed at most: a repository's GitOps tree, not a monorepo's whole
MAX_TEXT = 1 << 20  # bytes read of one file at most when looking for objects
RESERVED = frozenset({"promotion", "rollback", "hold", "freeze"})  # names an environment cannot take
YAML = (".yaml", ".yml")
SKIPPED_DIRS = frozenset({".git", "node_modules", ".github", "vendor"})
# Directories that hold no environment: a repository's tests and their fixtures (overlays built
# to check policies, not deployed), and the bootstrap that installs the deploy tool itself.
NOT_ENVIRONMENTS = frozenset(
    {"tests", "fixtures", "testdata", "test-fixtures", "__tests__", "__fixtures__", "bootstrap"}
)
# The deploy tools' own objects: a directory rendering these and no workload sets up a cluster
# (an app of apps, a cluster's registration, Flux's sync objects); it deploys environments, it
# is none.
_TOOL_KINDS = frozenset(
    {
        ("argoproj.io", "Application"),
        ("argoproj.io", "ApplicationSet"),
        ("argoproj.io", "AppProject"),
        ("kustomize.toolkit.fluxcd.io", "Kustomization"),
        ("source.toolkit.fluxcd.io", "GitRepository"),
        ("source.toolkit.fluxcd.io", "HelmRepository"),
        ("source.toolkit.fluxcd.io", "OCIRepository"),
        ("source.toolkit.fluxcd.io", "Bucket"),
    }
)

_WORKLOADS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Pod",
        "ReplicaSet",
        "Rollout",
        "HelmRelease",
    }
)
_VALUES_NAME = re.compile(r"^(?:values[-_.](?P<a>.+)|(?P<b>.+?)[-_.]values)$")
_TEMPLATE_IMAGE = re.compile(r"^\s*-?\s*image:\s*[\"']?(?P<ref>[^\"'#\n]*\{\{[^\n\"']*)[\"']?\s*$", re.M)
_VALUES_REF = re.compile(r"\{\{-?\s*\.Values\.(?P<key>[A-Za-z0-9_.]+)[^}]*\}\}")


@dataclass(frozen=True, slots=True)
class RenderPath:
    """One path that renders an environment, and how it was found."""

    path: str
    name: str
    how: str


@dataclass(frozen=True, slots=True)
class FoundEnvironment:
    name: str
    paths: tuple[str, ...]
    how: tuple[str, ...]  # one line per path: what it is
    promote_from: str | None = None
    order: str = ""  # where the promotion order came from, in words ("" for the first)
    branch: str | None = None  # the branch its deploy tool renders it from, when not the checkout's
    branch_how: str = ""  # what said so
    asked: tuple[str, ...] = ()  # what the repository leaves open about it
    cluster: str = ""  # why it is one cluster's own environment, when a name was split by cluster


@dataclass(frozen=True, slots=True)
class FoundImage:
    name: str
    registry: str
    helm: Mapping[str, str]
    guess: Guess
    environments: tuple[str, ...]  # the environments that render it
    tags: tuple[str, ...]  # pinned today, one per environment's effective place
    how: str  # where it was seen
    repository: str | None = None  # where it is pulled from, when not its name (kustomize newName)
    elsewhere: tuple[str, ...] = ()  # environments pulling it from another repository, said
    notes: tuple[str, ...] = ()  # what a person should know of where it is pinned


@dataclass(frozen=True, slots=True)
class Discovery:
    environments: tuple[FoundEnvironment, ...]
    images: tuple[FoundImage, ...]
    order_source: str  # "kargo" | "gitops-promoter" | "names" | ""
    notes: tuple[str, ...]  # what was seen but not read, and why
    readings: Mapping[str, EnvironmentReading] = field(default_factory=dict)
    questions: tuple[str, ...] = ()  # what the repository leaves open and init did not guess
    charts: tuple[FoundChart, ...] = ()  # the Helm charts the environments pin


# -- the repository's files ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tracking:
    """An Argo CD Application rendering a directory of this repository from a revision."""

    file: str
    application: str
    path: str
    revision: str


class _Repo:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.tree = reader.DiskTree(self.root)
        self.files: list[str] = []
        self.dirs: set[str] = set()
        self.notes: list[str] = []
        self.tracking: list[_Tracking] = []
        self._list()

    def _list(self) -> None:
        for top, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
            rel = Path(top).relative_to(self.root).as_posix()
            self.dirs.add("" if rel == "." else rel)
            for f in sorted(filenames):
                if len(self.files) >= MAX_FILES:
                    self.notes.append(f"listed the first {MAX_FILES} files only; the rest was not looked at")
                    return
                self.files.append(f if rel == "." else f"{rel}/{f}")

    def text(self, rel: str) -> str | None:
        path = self.root / rel
        try:
            if path.stat().st_size > MAX_TEXT:
                return None
        except OSError:
            return None
        return self.tree.text(path)

    def docs(self, rel: str) -> list[Any]:
        """The file's YAML documents as plain values ([] when it is no YAML)."""
        text = self.text(rel)
        if text is None:
            return []
        try:
            return yamlvalues.load_all(YamlText.of(text).body, rel)
        except (GitOpsBotError, TypeError, ValueError):  # not YAML, or keys YAML allows and dicts do not
            return []

    def yaml_files(self) -> list[str]:
        return [f for f in self.files if f.endswith(YAML)]

    @staticmethod
    def no_environment(rel: str) -> bool:
        """A path under a tests, fixtures or bootstrap directory."""
        return any(part.lower() in NOT_ENVIRONMENTS for part in PurePosixPath(rel).parts)

    def tool_setup(self, files: Iterable[Path]) -> bool:
        """Files holding the deploy tools' objects (Argo CD Applications, Flux Kustomizations)
        and no workload: a cluster's bootstrap, not an environment."""
        tools = False
        for f in files:
            try:
                rel = f.resolve().relative_to(self.root).as_posix()
            except ValueError:
                continue
            if PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
                continue
            for doc in self.docs(rel):
                api, kind = kind_of(doc)
                if (api.split("/", 1)[0], kind) in _TOOL_KINDS:
                    tools = True
                elif kind:
                    spec = doc.get("spec")
                    if kind in _WORKLOADS or (isinstance(spec, dict) and "template" in spec):
                        return False
        return tools


def _kustomization_dirs(repo: _Repo) -> list[str]:
    return sorted(
        {str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name in KUSTOMIZATION_NAMES}
    )


def _files_of(repo: _Repo, path: str) -> list[Path]:
    """What a directory renders: its kustomization's reach, else its YAML files."""
    if any(f"{path}/{k}" in repo.files for k in KUSTOMIZATION_NAMES):
        return list(reader.reach(repo.tree, repo.root, repo.root / path).files)
    return [repo.root / f for f in repo.yaml_files() if f.startswith(path + "/")]


def _norm(rel: str) -> str:
    return "" if rel in (".", "") else PurePosixPath(os.path.normpath(rel)).as_posix()


# -- naming ------------------------------------------------------------------------------


def name_of(path: str) -> str:
    """The environment a path stands for: its deepest part named like an environment
    (``overlays/homelab/dev/frontend`` is dev), else its last part; a values file by the
    environment in its name (``values-prod.yaml``, ``prod-eu-values.yaml``)."""
    p = PurePosixPath(path)
    parts = list(p.parts)
    if p.suffix in YAML:
        stem = p.stem
        m = _VALUES_NAME.match(stem)
        parts = [*parts[:-1], (m.group("a") or m.group("b")) if m else stem]
        if stem == "values" and len(parts) > 1:
            parts = parts[:-1]
    for part in reversed(parts):
        # a dotted directory names a host or a cluster (local.home, aws.cluster), never the
        # environment its usual word would make it
        if rank_of(part) is not None and "." not in part:
            return _safe(part)
    return _safe(parts[-1] if parts else "default")


def _safe(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", name).strip("-") or "default"
    return f"{name}-env" if name in RESERVED else name


# -- candidates --------------------------------------------------------------------------


def _overlays(repo: _Repo) -> list[RenderPath]:
    """Kustomizations nothing else includes: those including others (an overlay), and those
    named like an environment on their own (a flat ``environments/dev`` layer). What a test
    fixture includes is still an environment's own: a fixture is nobody's overlay."""
    dirs = [d for d in _kustomization_dirs(repo) if not repo.no_environment(d)]
    included: set[str] = set()
    includes: dict[str, set[str]] = {}
    files: dict[str, list[Path]] = {}
    for d in dirs:
        reached = reader.reach(repo.tree, repo.root, repo.root / d)
        files[_norm(d)] = list(reached.files)
        inner = {
            _norm(str(PurePosixPath(Path(os.path.relpath(f, repo.root)).as_posix()).parent))
            for f in reached.files
            if f.name in KUSTOMIZATION_NAMES
        } - {_norm(d)}
        includes[_norm(d)] = inner
        included |= inner
    out = []
    for d in dirs:
        nd = _norm(d)
        if nd in included or (not includes.get(nd) and rank_of(PurePosixPath(nd).name) is None):
            continue
        if any(kind_of(doc)[1] == "Component" for f in KUSTOMIZATION_NAMES for doc in repo.docs(f"{d}/{f}")):
            continue
        if repo.tool_setup(files[nd]):
            repo.notes.append(
                f"{nd}: renders Argo CD or Flux objects and no workload (a cluster's bootstrap), "
                "not an environment"
            )
            continue
        if includes.get(nd):
            bases = ", ".join(sorted(includes[nd])[:3])
            out.append(RenderPath(nd, name_of(nd), f"Kustomize overlay {nd} (builds on {bases})"))
        else:
            out.append(RenderPath(nd, name_of(nd), f"Kustomize directory {nd} (named as an environment)"))
    return out


def _flux(repo: _Repo, covered: set[str]) -> list[RenderPath]:
    out = []
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "kustomize.toolkit.fluxcd.io" not in text or repo.no_environment(f):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            if kind != "Kustomization" or not api.startswith("kustomize.toolkit.fluxcd.io"):
                continue
            spec: dict[str, Any] = doc["spec"] if isinstance(doc.get("spec"), dict) else {}
            path = _norm(str(spec.get("path") or "").lstrip("/"))
            if _from_artifact(repo, f, doc, path):
                continue
            if path and path not in repo.dirs:
                ref: dict[str, Any] = spec["sourceRef"] if isinstance(spec.get("sourceRef"), dict) else {}
                source = f"{ref.get('kind', 'a source')} {ref.get('name', '')}".strip()
                repo.notes.append(
                    f"{f}: Flux Kustomization's path {path} is not in the repository "
                    f"(it reads {source}), not read"
                )
                continue
            if path in covered or any(c.startswith(path + "/") for c in covered) or path == "":
                continue  # an overlay found already (or the whole repository: not one environment)
            if repo.no_environment(path) or repo.tool_setup(_files_of(repo, path)):
                continue  # Flux's own sync objects, or a test's: what they point at is found on its own
            name = str((doc.get("metadata") or {}).get("name") or "")
            env = next(
                (
                    n
                    for n in (name_of(path), name_of(str(PurePosixPath(f).parent)), name)
                    if rank_of(n) is not None
                ),
                name_of(str(PurePosixPath(f).parent)),
            )
            out.append(RenderPath(path, _safe(env), f"Flux Kustomization {name} in {f} (path {path})"))
    return out


# Flux sources that are artifacts built elsewhere: a Kustomization reading one renders what
# was pushed there, not this repository's files at that path.
_ARTIFACTS = frozenset({"OCIRepository", "Bucket"})


def _from_artifact(repo: _Repo, f: str, doc: Mapping[str, Any], path: str) -> bool:
    """A Flux Kustomization whose ``sourceRef`` is an OCI artifact or a bucket: said as not read
    (the same path in git is not what it deploys: staging takes platform/ from
    oci://…/platform at semver 0.0.x while development reads it from git)."""
    spec = _map(doc.get("spec"))
    ref = _map(spec.get("sourceRef"))
    kind = str(ref.get("kind") or "")
    if kind not in _ARTIFACTS:
        return False
    source = str(ref.get("name") or "")
    url = next(
        (
            str(_map(d.get("spec")).get("url") or _map(d.get("spec")).get("bucketName") or "")
            for g in [f, *repo.yaml_files()]
            if g == f or kind in (repo.text(g) or "")
            for d in repo.docs(g)
            if kind_of(d)[1] == kind and _map(d.get("metadata")).get("name") == source
        ),
        "",
    )
    name = str(_map(doc.get("metadata")).get("name") or "")
    repo.notes.append(
        f"{f}: Flux Kustomization {name} reads {path or 'the root'} from {kind} {source}"
        + (f" ({url})" if url else "")
        + ", an artifact built outside this repository's files; not read as this repository's "
        f"{path or 'root'} (release it where the artifact is built)"
    )
    return True


def _applications(
    repo: _Repo, covered: set[str], charts: set[str], taken: set[str] | None = None
) -> list[RenderPath]:
    """``taken``: the values files the Applications found list (they are those environments')."""
    out = []
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "argoproj.io" not in text or repo.no_environment(f):
            continue
        if "ApplicationSet" in text:
            repo.notes.append(
                f"{f}: an ApplicationSet; the Applications it generates are not read, the "
                "directories they render are found on their own"
            )
        if "kind: Application" not in text:
            continue
        try:
            apps = argocd_apps.sources(text, f)
        except GitOpsBotError:
            continue
        _other_branches(repo, f)
        for app in apps:
            if app.path is None:
                continue
            path = _norm(app.path)
            if path not in repo.dirs or path in covered or repo.no_environment(path):
                continue
            inside = [g for g in repo.yaml_files() if g.startswith(path + "/")]
            if not inside or (path not in charts and _app_of_apps(repo, inside)):
                continue
            if taken is not None:
                taken |= {_norm(f"{path}/{v}") for v in app.value_files if not v.startswith("$")}
            name = name_of(f) if rank_of(name_of(f)) is not None else _env_word(app.application) or name_of(f)
            out.append(
                RenderPath(f, _safe(name), f"Argo CD Application {app.application} in {f} (path {path})")
            )
    return out


# what Argo CD reads as the repository's default branch, when the checkout's is not known
_DEFAULT_REVISIONS = frozenset({"", "head", "main", "master"})


def _other_branches(repo: _Repo, f: str) -> None:
    """The revision each Application renders a directory of this repository from (``targetRevision:
    test``): an environment all of whose Applications track another branch than the checkout's
    is read there (``branch:``)."""
    for doc in repo.docs(f):
        _, kind = kind_of(doc)
        spec = doc.get("spec") if kind == "Application" and isinstance(doc.get("spec"), dict) else None
        source = spec.get("source") if isinstance(spec, dict) else None
        if not isinstance(source, dict) or not source.get("path"):
            continue
        name = str((doc.get("metadata") or {}).get("name", ""))
        revision = str(source.get("targetRevision") or "")
        repo.tracking.append(_Tracking(f, name, _norm(str(source["path"])), revision))


def _branches(
    repo: _Repo,
    envs: Sequence[FoundEnvironment],
    base: str | None,
    has_branch: Callable[[str], bool] | None,
    questions: list[str],
) -> list[FoundEnvironment]:
    """Each environment every Application deploying it renders from one other branch: read
    there (``branch:``) when this clone holds that branch, else asked (the plan could not read
    a branch the clone lacks, and guessing this branch's files would read the wrong versions)."""
    default = {"", "head", base.lower()} if base else set(_DEFAULT_REVISIONS)
    out = []
    claimed: set[_Tracking] = set()
    for env in envs:
        apps = [t for t in repo.tracking if t.path in env.paths or t.file in env.paths]
        claimed |= set(apps)
        revisions = {t.revision for t in apps}
        if not apps or any(r.lower() in default for r in revisions):
            out.append(env)
            continue
        first = apps[0]
        said = f"Argo CD Application {first.application} in {first.file} renders {first.path}"
        asked = ""
        if len(revisions) > 1:
            asked = (
                f"environment {env.name}: its Applications render it from branches "
                f"{', '.join(sorted(revisions))}; gitops-bot reads one branch per environment (branch:)"
            )
        elif has_branch is not None and has_branch(first.revision):
            env = replace(env, branch=first.revision, branch_how=f"{said} from branch {first.revision}")
        else:
            asked = (
                f"environment {env.name}: Argo CD Application {first.application} renders it from "
                f"branch {first.revision}, which this clone does not hold; fetch it "
                f"(git fetch origin {first.revision}) and run init again, or set branch: {first.revision}"
            )
        if asked:
            questions.append(asked)
            env = replace(env, asked=(*env.asked, asked))
        out.append(env)
    for t in repo.tracking:
        if t not in claimed and t.revision.lower() not in default:
            repo.notes.append(
                f"{t.file}: Argo CD Application {t.application} renders {t.path} from revision "
                f"{t.revision}, no environment found here"
            )
    return out


def _env_word(name: str) -> str | None:
    """The environment an Application's name ends in (``guestbook-prod``: prod): applications
    are named after the app first, the environment last."""
    words = [w for w in re.split(r"[-_.]", name.lower()) if w in WORDS]
    return words[-1] if words else None


def _app_of_apps(repo: _Repo, files: Sequence[str]) -> bool:
    """A directory of Applications (an app of apps) deploys other environments, it is none."""
    return any("argoproj.io" in (repo.text(f) or "") and "Application" in (repo.text(f) or "") for f in files)


def _values_files(repo: _Repo, taken: set[str]) -> list[RenderPath]:
    out = []
    for f in repo.yaml_files():
        p = PurePosixPath(f)
        if f in taken or "templates" in p.parts or p.name in KUSTOMIZATION_NAMES or repo.no_environment(f):
            continue
        m = _VALUES_NAME.match(p.stem)
        if m is not None:
            env = m.group("a") or m.group("b")
        elif p.stem == "values" and len(p.parts) > 1 and rank_of(p.parent.name) is not None:
            if f"{p.parent}/Chart.yaml" in repo.files:
                continue
            env = p.parent.name
        else:
            continue
        if rank_of(env) is None:
            continue
        docs = repo.docs(f)
        if any(kind_of(d)[1] for d in docs):  # an object, not values
            continue
        out.append(RenderPath(f, _safe(name_of(f)), f"Helm values file {f}"))
    return out


# -- images ------------------------------------------------------------------------------


@dataclass
class _Images:
    found: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> helm keys
    how: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # repository -> the name it was first seen as

    def add(self, name: str, how: str, helm: Mapping[str, str] | None = None) -> None:
        key = workloads.repository_key(name)
        if key is None or "{{" in name or "$" in name:
            return
        # one repository written two ways (docker.io/redis in a manifest, redis in values) is one
        # image, named as first seen: the manifests' spelling, which kustomize matches by
        name = self.keys.setdefault(key, name)
        if name not in self.found:
            self.found[name] = dict(helm or {})
            self.how[name] = how
        elif helm and not self.found[name]:
            self.found[name] = dict(helm)


def _rendered_images(repo: _Repo, files: Iterable[str], into: _Images) -> None:
    """The images the rendered files name: containers and ``images:`` entries."""
    for rel in files:
        text = repo.text(rel)
        if text is None:
            continue
        try:
            if images.is_kustomization(rel):
                for e in kustomize.extract_images(text, rel):
                    ref = WrittenRef.split(e.name)
                    into.add(ref.name, f"images: entry in {rel}")
                continue
            docs = nodes.compose_all(YamlText.of(text).body, rel)
        except GitOpsBotError:
            continue
        for c in workloads.containers(docs):
            into.add(c.reference.name, f"{c.kind} {c.workload} in {rel}")


def _values_at(values: Any, key: str) -> Any:
    node = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _chart_images(repo: _Repo, into: _Images) -> None:
    """Charts' templates' ``image:`` lines built from values (``{{ .Values.image.repository
    }}:{{ .Values.image.tag }}``): the image's Helm key paths, its name from the chart's values."""
    for chart in (str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name == "Chart.yaml"):
        values_docs = repo.docs(f"{chart}/values.yaml") if chart != "." else repo.docs("values.yaml")
        values = values_docs[0] if values_docs else {}
        prefix = "" if chart == "." else f"{chart}/"
        for f in repo.files:
            if not f.startswith(prefix + "templates/"):
                continue
            for m in _TEMPLATE_IMAGE.finditer(repo.text(f) or ""):
                ref = m.group("ref").strip()
                keys = [k.group("key") for k in _VALUES_REF.finditer(ref)]
                literal = _VALUES_REF.sub("\0", ref)
                if literal == "\0:\0" and len(keys) == 2:
                    name = _values_at(values, keys[0])
                    if isinstance(name, str):
                        into.add(
                            name,
                            f"{f} ({{{{ .Values.{keys[0]} }}}})",
                            {"repository": keys[0], "tag": keys[1]},
                        )
                elif literal.endswith(":\0") and len(keys) == 1 and "\0" not in literal[:-2]:
                    into.add(literal[:-2], f"{f} (tag from .Values.{keys[0]})", {"tag": keys[0]})
                elif literal == "\0" and len(keys) == 1:
                    name = _values_at(values, keys[0])
                    if isinstance(name, str):
                        into.add(WrittenRef.split(name).name, f"{f}", {"reference": keys[0]})


def _values_blocks(repo: _Repo, files: Iterable[str], into: _Images) -> None:
    """Values mappings holding ``repository`` and ``tag`` (a values file, a HelmRelease's
    ``spec.values``): the image's key paths."""

    def walk(node: Any, path: tuple[str, ...], rel: str) -> None:
        if isinstance(node, dict):
            repo_, tag = node.get("repository"), node.get("tag")
            if isinstance(repo_, str) and isinstance(tag, str | int | float) and path:
                key = ".".join(path)
                into.add(
                    repo_,
                    f"Helm values {key} in {rel}",
                    {"repository": f"{key}.repository", "tag": f"{key}.tag"},
                )
            for k, v in node.items():
                if isinstance(k, str) and "." not in k:
                    walk(v, (*path, k), rel)

    for rel in files:
        if images.is_kustomization(rel) or "templates/" in rel:
            continue
        for doc in repo.docs(rel):
            _, kind = kind_of(doc)
            if kind == "HelmRelease":
                walk(((doc.get("spec") or {}).get("values")) or {}, (), rel)
            elif not kind:
                walk(doc, (), rel)


# A repository URL with a placeholder in it (a template's <github-username>, a generator's
# {{...}}, Kargo's ${{ vars.x }}): a repository that is not this one as written.
_PLACEHOLDER = re.compile(r"<[^<>]+>|\{\{|\$\{\{")
ELSEWHERE = "not this repository: run init in that repository"


def _elsewhere(repo: _Repo) -> None:
    """Argo CD Applications and ApplicationSets rendering a directory of another repository (a
    URL with a placeholder, a path this one lacks), counted per kind and URL, and the Kargo Stages
    beside them: said as notes, so a repository that only configures deployments of another
    (a Kargo project's) is told where to run init, not only that it holds no environment."""
    counts: dict[tuple[str, str], int] = {}
    files: dict[str, bool] = {}  # file -> every object in it renders elsewhere
    stages = 0
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if ("argoproj.io" not in text and "kargo.akuity.io" not in text) or repo.no_environment(f):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            if kind == "Stage" and api.startswith("kargo.akuity.io"):
                stages += 1
                continue
            if not api.startswith("argoproj.io") or kind not in ("Application", "ApplicationSet"):
                continue
            spec = _map(doc.get("spec"))
            if kind == "ApplicationSet":
                spec = _map(_map(spec.get("template")).get("spec"))
            sources = spec.get("sources")
            found = [spec.get("source"), *(sources if isinstance(sources, list) else ())]
            urls = [_url(s) for s in found if isinstance(s, dict) and _renders_elsewhere(repo, s)]
            if kind == "ApplicationSet":  # not read: a chart it renders is said with the rest
                urls += [
                    f"chart {s['chart']} {s.get('targetRevision') or ''} of {_url(s)}".replace("  ", " ")
                    for s in found
                    if isinstance(s, dict) and isinstance(s.get("chart"), str)
                ]
            for url in dict.fromkeys(urls):
                counts[(kind, url)] = counts.get((kind, url), 0) + 1
            files[f] = files.get(f, True) and bool(urls)
    if not counts:
        return
    said = {f for f, all_elsewhere in files.items() if all_elsewhere}
    # the generic "an ApplicationSet; ... not read" of those files says less than what follows
    repo.notes[:] = [n for n in repo.notes if n.split(": an ApplicationSet;", 1)[0] not in said]
    for (kind, url), n in sorted(counts.items(), key=lambda kv: kv[1]):  # the most first
        verb = "renders" if n == 1 else "render"
        where = "not a directory of this repository" if url.startswith("chart ") else ELSEWHERE
        repo.notes.insert(0, f"{n} Argo CD {kind}{'s' if n > 1 else ''} {verb} {url}, {where}")
    if stages:
        repo.notes.insert(
            len(counts), f"{stages} Kargo Stage{'s' if stages > 1 else ''} promote into what they render"
        )


def _map(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _url(source: dict[str, Any]) -> str:
    """A source's repoURL as init says and writes it: without a credential in it, which the
    output's redaction masks but a written config or a pull request would keep."""
    return log.without_userinfo(str(source.get("repoURL")))


def _renders_elsewhere(repo: _Repo, source: Mapping[str, Any]) -> bool:
    """A git source (not a chart's) rendering another repository's directory."""
    url, path = source.get("repoURL"), source.get("path")
    if not isinstance(url, str) or not url or source.get("chart") is not None or not isinstance(path, str):
        return False
    if _PLACEHOLDER.search(url):
        return True
    return "{{" not in path and _norm(path) not in repo.dirs


# -- the whole -----------------------------------------------------------------------------


def discover(
    root: Path, *, base: str | None = None, has_branch: Callable[[str], bool] | None = None
) -> Discovery:
    """What ``root`` holds. ``base``: the branch checked out (an Application tracking it renders
    these files); ``has_branch``: whether the clone holds a branch an environment is rendered
    from (then read there), None to write no ``branch:``."""
    repo = _Repo(root)
    overlays = _overlays(repo)
    covered = {c.path for c in overlays}
    charts = {str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name == "Chart.yaml"}
    flux = _flux(repo, covered)
    covered |= {c.path for c in flux}
    taken: set[str] = set()
    apps = _applications(repo, covered, charts, taken)
    _elsewhere(repo)
    values = _values_files(repo, {c.path for c in apps} | taken)
    grouped: dict[str, list[RenderPath]] = {}
    for c in [*overlays, *flux, *apps, *values]:
        # one environment under two spellings (an overlay's production, an Application's prod)
        # is one: the first spelling found names it
        name = next((n for n in grouped if same(n, c.name)), c.name)
        grouped.setdefault(name, [])
        if c.path not in {g.path for g in grouped[name]}:
            grouped[name].append(c)
    names = sorted(grouped, key=lambda n: (rank_of(n) if rank_of(n) is not None else 99, n))
    questions: list[str] = []
    envs = [
        FoundEnvironment(n, tuple(c.path for c in grouped[n]), tuple(c.how for c in grouped[n]))
        for n in names
    ]
    envs = _branches(repo, envs, base, has_branch, questions)
    # the images: what the environments' rendered files name, then their places read
    found = _Images()
    sources = [reader.Source(e.name, e.paths, ()) for e in envs]
    rendered: dict[str, list[str]] = {}
    # what each renders, from this checkout's files (an environment on another branch too: its
    # images and tags are guessed from here, the plan then reads its branch)
    plain = reader.Reader(repo.tree, repo.root, (), repo.root)
    for s in sources:
        try:
            rendered[s.name] = list(plain.environment(s).files)
        except GitOpsBotError as e:
            repo.notes.append(f"environment {s.name}: {e}")
            rendered[s.name] = []
    every = list(dict.fromkeys(f for fs in rendered.values() for f in fs))
    _rendered_images(repo, every, found)
    renamed = {s.name: _new_names(repo, rendered[s.name]) for s in sources}
    _chart_images(repo, found)
    _values_blocks(repo, every, found)
    specs = [images.ImageSpec(n, workloads.repository_key(n), dict(h)) for n, h in found.found.items()]
    names_ = tuple(found.found)
    readings: dict[str, EnvironmentReading] = {}
    if specs and envs:
        full = reader.Reader(repo.tree, repo.root, specs, repo.root)
        try:
            readings = full.read([reader.Source(e.name, e.paths, names_) for e in envs])
        except GitOpsBotError as e:
            repo.notes.append(f"reading the environments: {e}")
    envs = _rendering(repo, envs, readings)
    envs, clusters = _per_cluster(envs, readings, repo)
    if clusters:
        readings = _split_readings(repo, envs, clusters, specs, names_, readings, rendered, renamed, plain)
    envs, order_source = _ordered(repo, envs, questions)
    envs = _cluster_order(envs, clusters, questions)
    readings = {e.name: readings[e.name] for e in envs if e.name in readings}
    out_images = []
    for n in names_:
        tags: list[str] = []
        where: list[str] = []
        for env_name, r in readings.items():
            ir = r.image(n)
            if ir is None or ir.status is PinStatus.NOT_RENDERED:
                continue
            where.append(env_name)
            # the versions the environment renders; where none wins (a form the tool refuses),
            # every version written for it
            tags += [p.tag or "" for p in ([p for p in ir.pins if p.effective] or list(ir.pins))]
        each = [r.image(n) for r in readings.values()]
        if readings and not any(ir is not None and ir.status is not PinStatus.NOT_RENDERED for ir in each):
            continue  # named somewhere the environments do not render: not theirs
        repository, elsewhere = _pulled_from(n, [(e, renamed.get(e, {})) for e in where])
        ref = WrittenRef.split(repository or n)
        host = ref.location.split("/", 1)[0] if ref.location else "docker.io"
        host = "docker.io" if host == "registry-1.docker.io" else host  # as people name Docker Hub
        out_images.append(
            FoundImage(
                n,
                host,
                found.found[n],
                guess(tags),
                tuple(where),
                tuple(tags),
                found.how[n],
                repository,
                elsewhere,
                _generated_notes(repo, n, readings),
            )
        )
    found_charts = _charts(repo, envs, rendered, [i.name for i in out_images])
    return Discovery(
        tuple(envs),
        tuple(out_images),
        order_source,
        tuple(repo.notes),
        readings,
        tuple(questions),
        tuple(found_charts),
    )


def _charts(
    repo: _Repo,
    envs: Sequence[FoundEnvironment],
    rendered: Mapping[str, Sequence[str]],
    images: Sequence[str],
) -> list[FoundChart]:
    """The charts the environments pin, from the files each renders; what cannot be configured
    is a note."""
    found, notes = discovered_charts.find(
        repo.text, repo.docs, {e.name: rendered.get(e.name, ()) for e in envs}, images
    )
    repo.notes.extend(notes)
    return found


def _rendering(
    repo: _Repo, envs: Sequence[FoundEnvironment], readings: Mapping[str, EnvironmentReading]
) -> list[FoundEnvironment]:
    """The candidates that render an image: one rendering none of the images found anywhere
    (a pipeline run, a monitoring layer) has nothing to release, said instead of configured."""
    if not readings:
        return list(envs)
    out = []
    for e in envs:
        r = readings.get(e.name)
        if r is not None and r.images and all(i.status is PinStatus.NOT_RENDERED for i in r.images):
            paths = ", ".join(e.paths[:3])
            repo.notes.append(f"{paths}: renders none of the images found; not configured as an environment")
            continue
        out.append(e)
    return out


def _ordered(
    repo: _Repo, envs: Sequence[FoundEnvironment], questions: list[str]
) -> tuple[list[FoundEnvironment], str]:
    """Each environment's promote_from: from the tools' definitions (Kargo, GitOps Promoter, an
    ApplicationSet's RollingSync), else guessed from the names; one the names leave open is
    asked (a guess among several would be a coin toss). The order's source, in a word."""
    names = [e.name for e in envs]
    upstream, order_source, said = tool_order(repo, names)
    if not upstream:
        upstream, said = rolling_sync_order(repo, names)
        order_source = "argocd-rolling-sync" if upstream else ""
    guessed = False
    open_: dict[str, list[str]] = {}
    if not upstream:
        upstream, open_ = name_order(names)
        guessed = bool(upstream)
        order_source = "names" if guessed else ""
    out = []
    for e in envs:
        n = e.name
        frm = upstream.get(n)
        why = ""
        if frm:
            why = (
                f"guessed from the names: {frm} comes before {n}"
                if guessed
                else next((s for s in said if n in s), said[0] if said else "")
            )
        elif n in open_:
            why = (
                f"open question: {n} is promoted from {' or '.join(open_[n])}? the names do not say; "
                f"set promote_from to the one whose versions {n} takes"
            )
            questions.append(f"environment {n}: promote_from {' or '.join(open_[n])}? the names do not say")
        out.append(replace(e, promote_from=frm, order=why))
    return out, order_source


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
    return _safe(first if short.count(first) == 1 else cluster.replace(".", "-"))


def _per_cluster(
    envs: Sequence[FoundEnvironment],
    readings: Mapping[str, EnvironmentReading],
    repo: _Repo | None = None,
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


def _deployed_by(repo: _Repo, paths: Sequence[str]) -> str | None:
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


def _split_readings(
    repo: _Repo,
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
            renamed[e.name] = _new_names(repo, rendered[e.name])
    try:
        full = reader.Reader(repo.tree, repo.root, specs, repo.root)
        return dict(full.read([reader.Source(e.name, e.paths, names) for e in envs]))
    except GitOpsBotError as err:
        repo.notes.append(f"reading the environments: {err}")
        return {k: v for k, v in readings.items() if k not in {s for _, s in clusters.values()}}


def _cluster_order(
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


_GENERATED = re.compile(r"generated by ([A-Za-z0-9_-]+)\.?\s*(?:#\s*)?DO NOT EDIT", re.I)


def _generated_notes(repo: _Repo, image: str, readings: Mapping[str, EnvironmentReading]) -> tuple[str, ...]:
    """An image pinned in a file a tool generates (Flux's gotk-components.yaml, "generated by
    flux. DO NOT EDIT."): a release can edit it, but the tool's next run writes it over; said,
    not refused."""
    files = list(
        dict.fromkeys(
            p.file
            for r in readings.values()
            if (ir := r.image(image)) is not None
            for p in ir.pins
            if p.effective
        )
    )
    by_tool: dict[str, list[str]] = {}
    for f in files:
        m = _GENERATED.search((repo.text(f) or "")[:1000])
        if m:
            by_tool.setdefault(m.group(1), []).append(f)
    out = []
    for tool, fs in by_tool.items():
        again = (
            "the next `flux bootstrap`" if tool.lower() == "flux" else f"the next time {tool} generates it"
        )
        shown = ", ".join(fs[:3]) + (f" and {len(fs) - 3} more" if len(fs) > 3 else "")
        out.append(
            f"pinned in {shown}, generated by {tool} (DO NOT EDIT): a release written there is "
            f"overwritten by {again}; upgrade it with {tool} instead, or leave the image out"
        )
    return tuple(out)


def _new_names(repo: _Repo, files: Iterable[str]) -> dict[str, str]:
    """image name -> the ``newName`` an environment's kustomizations give it (the first read:
    the environment's own kustomization comes before the bases it builds on)."""
    out: dict[str, str] = {}
    for rel in files:
        if not images.is_kustomization(rel):
            continue
        try:
            entries = kustomize.extract_images(repo.text(rel) or "", rel)
        except GitOpsBotError:
            continue
        for e in entries:
            if e.new_name and "$" not in e.new_name and "{{" not in e.new_name:
                out.setdefault(WrittenRef.split(e.name).name, e.new_name)
    return out


def _pulled_from(
    name: str, renamed: Sequence[tuple[str, Mapping[str, str]]]
) -> tuple[str | None, tuple[str, ...]]:
    """Where an image is pulled from when kustomize renames it (``newName``): the repository most
    of its environments pull, and each environment pulling another (a local registry for a
    local environment) said, since one image has one repository to read tags from."""
    pulled = [(env, m.get(name, name)) for env, m in renamed]
    counts: dict[str, int] = {}
    for _, r in pulled:
        counts[r] = counts.get(r, 0) + 1
    if not counts or set(counts) == {name}:
        return None, ()
    top = max(counts, key=lambda r: (counts[r], r != name))
    elsewhere = tuple(f"{env} renders it as {r}" for env, r in pulled if r != top)
    return (None if top == name else top), elsewhere
