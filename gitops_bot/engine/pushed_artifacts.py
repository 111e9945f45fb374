"""Flux sources that are this repository's own files, one CI run away: an OCIRepository whose URL a
workflow here pushes (``flux push artifact oci://REGISTRY/NAME:TAG --path=DIR``) is DIR of this
repository, and an ExternalArtifact an ArtifactGenerator cuts from such a source is the directory
its copy rule takes. A Kustomization reading either reads that directory of this checkout, as Flux
does once the artifact is pushed; a release is a commit here, and the workflow pushes it."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.core.record import record
from gitops_bot.engine.promotion_order import kind_of
from gitops_bot.engine.repository_files import RepoFiles, as_map, norm
from gitops_bot.manifests.artifact_pushes import (
    GITLAB_CI,
    MAX_WORKFLOWS,
    WORKFLOWS,
    ArtifactPush,
    oras_unread,
    pushed_as,
    pushed_directory,
    pushes_in,
)
from gitops_bot.render.deployers import repo_key

# each repository's answers, asked once per Flux Kustomization: the workflows and sources are
# read once a run
_ASKED: weakref.WeakKeyDictionary[RepoFiles, dict[tuple[str, ...], Any]] = weakref.WeakKeyDictionary()


@record
class Read:
    """A Flux Kustomization's path read as a directory of this repository."""

    directory: str  # the repository's directory the path names
    how: str  # how the source is this repository's, in words: said once
    via: str  # the source, in words: said of each Kustomization reading it


def _workflows(repo: RepoFiles) -> Iterator[str]:
    workflows = repo.root / WORKFLOWS
    if workflows.is_dir() and not workflows.is_symlink():
        names = sorted(p.name for p in workflows.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        yield from (f"{WORKFLOWS}/{n}" for n in names[:MAX_WORKFLOWS])
    yield from (f for f in repo.files if PurePosixPath(f).name == GITLAB_CI)


def capped_workflows(repo: RepoFiles) -> list[str]:
    """A ``not read`` line when the repository holds more CI workflow files than are read (the
    first :data:`MAX_WORKFLOWS` by name): what the others deploy or push is said unread, not silent."""
    workflows = repo.root / WORKFLOWS
    if not workflows.is_dir() or workflows.is_symlink():
        return []
    names = sorted(p.name for p in workflows.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    if len(names) <= MAX_WORKFLOWS:
        return []
    return [
        f"{WORKFLOWS}: {len(names)} workflow files, the first {MAX_WORKFLOWS} by name read; what the other "
        f"{len(names) - MAX_WORKFLOWS} ({names[MAX_WORKFLOWS]} and after) apply or push is not read"
    ]


def pushes(repo: RepoFiles) -> list[ArtifactPush]:
    """The ``flux push artifact`` steps of the repository's CI workflows."""
    asked = _ASKED.setdefault(repo, {})
    if ("pushes",) not in asked:
        asked[("pushes",)] = _pushes(repo)
    found: list[ArtifactPush] = asked[("pushes",)]
    return found


def _pushes(repo: RepoFiles) -> list[ArtifactPush]:
    capped: list[str] = []  # a workflow's pushes past the bound read: said, never silently no one's
    found = [
        p
        for f in _workflows(repo)
        for p in pushes_in(repo.text(f) or "", functools.partial(repo.documents, f), f, capped)
    ]
    repo.notes += [c for c in capped if c not in repo.notes]
    return found


def _url_of(repo: RepoFiles, name: str) -> str:
    """The URL of the OCIRepository ``name``: its own object's, or the one a Flux Operator
    FluxInstance's ``sync`` creates (named after its ``name``, else flux-system, the namespace
    it is installed in), written in a FluxInstance or the values of a chart installing one."""
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "OCIRepository" not in text:
            continue
        for doc in repo.docs(f):
            if kind_of(doc)[1] == "OCIRepository" and as_map(doc.get("metadata")).get("name") == name:
                return str(as_map(doc.get("spec")).get("url") or "")
            for sync in syncs(doc):
                if sync.get("kind") == "OCIRepository" and str(sync.get("name") or "flux-system") == name:
                    return str(sync.get("url") or "")
    return ""


def syncs(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == "sync" and isinstance(value, dict) and "url" in value:
                yield value
            else:
                yield from syncs(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from syncs(value)


def oci_source(repo: RepoFiles, name: str) -> tuple[str, str] | str:
    """The directory of this repository an OCIRepository ``name`` holds and how that is known, or
    why it is not this repository's (the sentence the line not read says)."""
    asked = _ASKED.setdefault(repo, {})
    if ("oci", name) not in asked:
        asked[("oci", name)] = _oci_source(repo, name)
    found: tuple[str, str] | str = asked[("oci", name)]
    return found


def _oci_source(repo: RepoFiles, name: str) -> tuple[str, str] | str:
    url = _url_of(repo, name)
    push = pushed_as(url, pushes(repo))
    if push is None:
        pushed = "; no workflow of this repository pushes it (flux push artifact)"
        return f" ({url}){pushed}" if url else pushed
    if push.tool != "flux":
        return f" ({url}), {oras_unread(push)}"
    directory, refused = pushed_directory(push)
    if refused:
        return f" ({url}), {refused}"
    if directory not in repo.dirs:
        return f" ({url}), pushed by {push.by} from {push.path}, a directory this repository does not hold"
    said = (
        f"read {push.path} as OCIRepository {name}, which {push.by} pushes as {url} (flux push artifact; "
        "a release is a commit here, and the workflow pushes it)"
    )
    return directory, said


def external_source(repo: RepoFiles, name: str, path: str) -> tuple[str, str, str] | str:
    """The directory of this repository ``path`` of the ExternalArtifact ``name`` is, by the
    copy rule of the ArtifactGenerator cutting it from a source this repository's files are, or
    why not (the sentence the line not read says)."""
    asked = _ASKED.setdefault(repo, {})
    if ("generators",) not in asked:
        asked[("generators",)] = [
            (f, doc)
            for f in repo.yaml_files()
            if "ArtifactGenerator" in (repo.text(f) or "")
            for doc in repo.docs(f)
            if kind_of(doc)[1] == "ArtifactGenerator"
        ]
    # each cluster's generator of one name (flux-system) cuts its own artifact of one name (apps):
    # the one whose copy rules take the path is the one that cluster reads
    said: list[str] = []
    for f, doc in asked[("generators",)]:
        spec = as_map(doc.get("spec"))
        sources = {
            str(s.get("alias") or ""): (str(s.get("kind") or ""), str(s.get("name") or ""))
            for s in spec.get("sources") or []
            if isinstance(s, dict)
        }
        for artifact in spec.get("artifacts") or []:
            if not isinstance(artifact, dict) or artifact.get("name") != name:
                continue
            gen = str(as_map(doc.get("metadata")).get("name") or "")
            got = _copied(repo, f, (gen, name), artifact.get("copy") or [], sources, path)
            if not isinstance(got, str):
                return got
            said.append(got)
    return said[0] if said else "; no ArtifactGenerator of this repository cuts it"


def _copied(
    repo: RepoFiles,
    f: str,
    named: tuple[str, str],
    rules: list[Any],
    sources: Mapping[str, tuple[str, str]],
    path: str,
) -> tuple[str, str, str] | str:
    """``path`` of an artifact through its copy rules (the last one covering it wins, as later
    copies overwrite earlier ones): the source's directory it comes from. ``named``: the
    ArtifactGenerator's name and the ExternalArtifact's."""
    gen, name = named
    for rule in reversed([r for r in rules if isinstance(r, dict)]):
        src, dst = str(rule.get("from") or ""), str(rule.get("to") or "")
        if (
            not dst.startswith("@artifact/")
            or not src.startswith("@")
            or rule.get("strategy", "Overwrite") != "Overwrite"
        ):
            continue
        alias, _, frm = src[1:].partition("/")
        contents = frm.endswith(("/", "/**")) or frm == ""
        frm, to = norm(frm.removesuffix("**").rstrip("/")), norm(dst.removeprefix("@artifact/").rstrip("/"))
        if any(c in frm for c in "*?[") or not dst.endswith("/"):
            continue  # a glob of files, or a file renamed: no directory of its own
        if not contents:  # a directory copied as itself, into the one named
            to = norm(f"{to}/{PurePosixPath(frm).name}")
        if path != to and not path.startswith(to + "/") and to:
            continue
        rest = path[len(to) :].lstrip("/") if to else path
        kind, source = sources.get(alias, ("", ""))
        cut = f"ArtifactGenerator {gen} ({f})"
        if kind == "GitRepository":  # this repository, as Flux's own bootstrap names it
            return norm(f"{frm}/{rest}"), "", f"of ExternalArtifact {name}, which {cut} copies from {source}"
        if kind != "OCIRepository":
            return f"; {cut} cuts it from {kind or 'an unknown source'} {source}".rstrip()
        held = oci_source(repo, source)
        if isinstance(held, str):
            return f"; {cut} cuts it from OCIRepository {source}{held}"
        via = f"of ExternalArtifact {name}, which {cut} copies from OCIRepository {source}"
        return norm(f"{held[0]}/{frm}/{rest}"), held[1], via
    return f"; no copy rule of ArtifactGenerator {gen} ({f}) takes it from a directory"


def read(repo: RepoFiles, ref: Mapping[str, Any], path: str) -> Read | str | None:
    """Where a Flux Kustomization reading ``ref`` at ``path`` reads this repository: a Read, or
    why it does not (a clause for the line not read); None for a source of another kind."""
    kind, name = str(ref.get("kind") or ""), str(ref.get("name") or "")
    asked = _ASKED.setdefault(repo, {})
    if (kind, name, path) not in asked:
        asked[(kind, name, path)] = _read(repo, kind, name, path)
    found: Read | str | None = asked[(kind, name, path)]
    return found


def _read(repo: RepoFiles, kind: str, name: str, path: str) -> Read | str | None:
    if kind == "OCIRepository":
        held = oci_source(repo, name)
        if isinstance(held, str):
            return held
        return Read(norm(f"{held[0]}/{path}"), held[1], f"of OCIRepository {name}")
    if kind == "ExternalArtifact":
        cut = external_source(repo, name, path)
        return cut if isinstance(cut, str) else Read(*cut)
    if kind in ("GitRepository", "") and (url := _elsewhere(repo, name)):
        return f" ({url}), another repository than the one this repository's Flux syncs"
    return None


def _elsewhere(repo: RepoFiles, name: str) -> str:
    """The URL of the GitRepository ``name`` where it is written here and names another
    repository than the one the cluster's own sync reads (a FluxInstance's ``sync.url``, also
    in the values of a chart installing one, or flux bootstrap's flux-system GitRepository):
    ``keycloak-k8s-resources`` at github.com/keycloak, whose ``./kubernetes`` is not this
    repository's. Empty where either is not written here: the source is taken as this one."""
    asked = _ASKED.setdefault(repo, {})
    if ("own",) not in asked:
        urls: dict[str, str] = {}  # GitRepository name -> its url
        own: set[str] = set()
        for f in repo.yaml_files():
            text = repo.text(f) or ""
            if "GitRepository" not in text and "sync" not in text:
                continue
            for doc in repo.docs(f):
                own |= {
                    str(s["url"]) for s in syncs(doc) if s.get("kind", "GitRepository") == "GitRepository"
                }
                if kind_of(doc)[1] == "GitRepository" and (url := as_map(doc.get("spec")).get("url")):
                    urls.setdefault(str(as_map(doc.get("metadata")).get("name") or ""), str(url))
        if "flux-system" in urls:
            own.add(urls["flux-system"])
        asked[("own",)] = (urls, {repo_key(u) for u in own})
    urls, keys = asked[("own",)]
    url = urls.get(name, "")
    return url if url and keys and repo_key(url) not in keys else ""


def repository_path(repo: RepoFiles, spec: Mapping[str, Any]) -> str | None:
    """The directory of this repository a Flux Kustomization's ``spec`` builds: its path in a
    git source (this repository, as Flux's own bootstrap names it), or in an artifact this
    repository's CI pushes; None for another source."""
    ref = as_map(spec.get("sourceRef"))
    path = norm(str(spec.get("path") or "").lstrip("/"))
    kind = str(ref.get("kind") or "GitRepository")
    if kind == "GitRepository":
        return None if _elsewhere(repo, str(ref.get("name") or "")) else path
    held = read(repo, ref, path)
    return held.directory if isinstance(held, Read) else None


def unread(repo: RepoFiles, f: str, doc: Mapping[str, Any], path: str, why: str) -> bool:
    """A Flux Kustomization whose ``sourceRef`` is an OCI artifact or a bucket nothing here pushes,
    or another repository's GitRepository (``why``: the clause saying so): said as not read (the
    same path in git is not what it deploys: staging takes platform/ from oci://…/platform at
    semver 0.0.x while development reads it from git). False for any other source."""
    ref = as_map(as_map(doc.get("spec")).get("sourceRef"))
    kind, source = str(ref.get("kind") or ""), str(ref.get("name") or "")
    git = kind in ("GitRepository", "") and bool(why)
    if not git and kind not in ("OCIRepository", "Bucket"):
        return False
    if kind == "Bucket":
        why = next(
            (
                f" ({d_spec.get('bucketName')})"
                for g in repo.yaml_files()
                if "Bucket" in (repo.text(g) or "")
                for d in repo.docs(g)
                if kind_of(d)[1] == kind
                and as_map(d.get("metadata")).get("name") == source
                and (d_spec := as_map(d.get("spec"))).get("bucketName")
            ),
            "",
        )
    name, what = str(as_map(doc.get("metadata")).get("name") or ""), "GitRepository" if git else kind
    fix = (
        "run gitops-bot init in that repository to release what it holds"
        if git
        else "release it where the artifact is built, or push it from this repository with flux push artifact"
    )
    built = "" if git else "an artifact built outside this repository's files; "
    repo.notes.append(
        f"{f}: Flux Kustomization {name} reads {path or 'the root'} from {what} {source}{why}: {built}"
        f"not read as this repository's {path or 'root'} ({fix})"
    )
    return True


def reads(repo: RepoFiles) -> list[Read]:
    """The Kustomization paths read in an artifact this repository pushes, so far."""
    return [r for k, r in _ASKED.get(repo, {}).items() if len(k) == 3 and isinstance(r, Read) and r.how]
