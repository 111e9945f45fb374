"""The deploy tools' objects a reading meets in a file (Argo CD Applications, Flux
Kustomizations and HelmReleases), which of several is an environment's own, and a directory of
per-environment values files: small questions about text, no walking."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import apps_module, images, may_name, yamlvalues
from gitops_bot.render.walk import MAX_DEPTH, MAX_FILES, YAML_SUFFIXES, NoteKind, Source, Tree, Walk

if TYPE_CHECKING:
    from gitops_bot.manifests import argocd_apps

# what an Application written with a template nothing rendered (``{{ x }}`` unquoted) reads as
UNTEXT = (
    "has no path or chart written as text (a template nothing rendered, path: {{ x }}, is a mapping "
    "to YAML), not followed: write the path it deploys, or point the environment at the file helm "
    "renders it into"
)


def unsourced(app: argocd_apps.AppSource, rel: str, walk: Walk) -> None:
    """An Application's source with no path or chart read: one in a form Argo CD's API refuses
    (its Application deploys nothing), said where the plan shows it with the fix; else a
    template nothing rendered, noted."""
    if not app.refusal:
        walk.note(rel, f"{app.application}'s source {UNTEXT}", NoteKind.UNFOLLOWED)
    elif (said := f"{rel}: {app.refusal}") not in walk.said:
        walk.said.append(said)


UNREAD_WHOLE = (
    "is not YAML that reads whole (a template nothing rendered, {{ x }}, is a mapping to YAML), so the "
    "Applications they yield are not followed: quote the template, or point the environment at the file "
    "helm renders it into"
)

HELM_UNREAD = (
    "Argo CD merges its helm fields over {name}'s source; they are not read by the bot's rules (the "
    "render with helm reads them, and says what they override)"
)


def applications(text: str, rel: str) -> list[argocd_apps.AppSource]:
    if not may_name(text, "argoproj.io") or not may_name(text, "Application"):  # most files: no parse
        return []
    return cast("list[argocd_apps.AppSource]", apps_module().sources(text, rel))


def hand_name(rel: str) -> str:
    """The name of the Application a chart at ``rel`` is installed by hand with: its directory's,
    made a release name helm takes (lowercase letters, digits and '-', at most 53 characters),
    ``root`` for the repository's root. The name its user chose is not written anywhere, and helm
    refuses to render under one it does not take (a My_App directory), nor may the render depend
    on the folder the repository is checked out in."""
    word = re.sub(r"[^a-z0-9]+", "-", rel.rstrip("/").rpartition("/")[2].lower()).strip("-")
    return word[:53].rstrip("-") or "root"


def by_hand(name: str, path: str, value_files: Sequence[str] = ()) -> dict[str, object]:
    """The Application a chart installed by hand (``argocd app create NAME --path PATH``, or
    ``helm install NAME ./PATH -f FILE``) is rendered as: this checkout's ``path``, its values
    files named relative to the chart."""
    helm: dict[str, object] = {"valueFiles": list(value_files)} if value_files else {}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {"source": {"path": path, **({"helm": helm} if helm else {})}},
    }


def own_applications(
    apps: list[argocd_apps.AppSource], source: Source, rel: str, walk: Walk
) -> list[argocd_apps.AppSource]:
    """Of a file holding several Applications, the environment's own: the one its config names
    (``argocd_application``), else the one whose name has the environment's name as a word
    (``app-staging``); all of them when none or several do (the reading then says so)."""
    names = {a.application for a in apps}
    if len(names) < 2:
        return apps
    named = [a for a in apps if a.application in source.applications]
    if not named:
        # a word of its name (app-staging), or its last words (demo-app-auto-sync: auto-sync)
        words = re.split(r"[-_.]", source.name)
        named = [
            a
            for a in apps
            if source.name in (parts := re.split(r"[-_.]", a.application)) or parts[-len(words) :] == words
        ]
    if len({a.application for a in named}) == 1:
        walk.documents[rel] = named[0].application
        walk.note(rel, f"read {named[0].application} of {len(names)} Applications (its name)")
        return named
    walk.note(
        rel,
        f"holds {len(names)} Applications and none is {source.name}'s alone; all are read "
        "(name it with argocd_application)",
    )
    return apps


ANOTHERS = (
    "{app}'s value file {name} is a file of {url} (its ref source), not this repository's: not followed"
)


def missing_values(app: argocd_apps.AppSource, rel: str, name: str, file: str, walk: Walk) -> None:
    """A value file the Application names that the repository does not hold: Argo CD passes
    it to ``helm template``, which fails, so the environment renders nothing; with
    ``ignoreMissingValueFiles: true`` Argo CD leaves it out, and so does the reading."""
    if app.ignore_missing:
        walk.note(
            rel,
            f"{app.application}'s value file {name} is not in the repository, left out "
            "(ignoreMissingValueFiles)",
        )
        return
    walk.refuse(
        f"Argo CD cannot render {app.application} ({rel}): its helm.valueFiles names {name}, which the "
        f"repository does not hold (helm template: Error: open {file}: no such file or directory)",
        f"add {file}, drop {name} from {app.application}'s helm.valueFiles, or set "
        "helm.ignoreMissingValueFiles: true on it",
    )


class Reads(Protocol):
    """The reader's steps that read a file an Application's path holds and add what it sets."""

    tree: Tree
    specs: list[images.ImageSpec]

    def rel(self, path: Path) -> str: ...

    def read_file(self, path: Path, walk: Walk) -> str | None: ...

    def kfile(self, directory: Path) -> Path | None: ...

    def add(
        self,
        walk: Walk,
        rel: str,
        sites: Iterable[images.Site],
        *,
        patch: bool,
        form: str = "",
        misses: str = "",
        text: str = "",
    ) -> None: ...


class Lists(Protocol):
    """The reader's steps a directory's listing takes."""

    tree: Tree

    def rel(self, path: Path) -> str: ...

    def kfile(self, directory: Path) -> Path | None: ...

    def unread(self, path: Path, walk: Walk, *, rendered: bool = True) -> bool: ...


# Jsonnet, which Argo CD renders in a directory source (its *.jsonnet, importing *.libsonnet)
JSONNET = (".jsonnet", ".libsonnet")


def jsonnet_said(files: Sequence[str]) -> str:
    """The one line saying a directory's (or a repository's) Jsonnet files: Argo CD renders them
    as it renders the YAML beside them, the bot reads no Jsonnet, so what they set is no pin a
    release writes; the files Argo CD renders (``*.jsonnet``) named first, the shallowest first."""
    shown = sorted(files, key=lambda f: (not f.endswith(".jsonnet"), f.count("/"), f))
    more = f", and {len(shown) - 3} more" if len(shown) > 3 else ""
    return (
        f"{len(shown)} Jsonnet file{'s' if len(shown) > 1 else ''} ({', '.join(shown[:3])}{more}): Argo CD "
        "renders them, the bot does not; the images they set are not released (pin them in YAML the bot "
        "reads to have them released)"
    )


def said_jsonnet(said: Sequence[str]) -> bool:
    """Whether ``said`` holds :func:`jsonnet_said`'s line."""
    return any(" Jsonnet file" in s and ": Argo CD renders them, the bot does not;" in s for s in said)


def yaml_files(
    steps: Lists,
    directory: Path,
    depth: int = 0,
    unread: Walk | None = None,
    builds: list[Path] | None = None,
    walked: set[Path] | None = None,
    *,
    flat: bool = False,
    jsonnet: list[str] | None = None,
) -> list[Path]:
    """The directory's YAML files, its subdirectories' after its own (recursively); with
    ``unread``, an entry read as neither (a link leading out of the repository) noted there, and
    its Jsonnet files said there once (:func:`jsonnet_said`); with ``builds``, a subdirectory
    holding a kustomization is put there, its files not listed; ``walked``: the real directories
    listed so far. ``flat``: its own files only, as ``kubectl apply -f DIR`` and Argo CD without
    ``directory.recurse`` apply it."""
    out: list[Path] = []
    jsonnet = [] if jsonnet is None else jsonnet
    subdirs: list[Path] = []
    real = steps.tree.real(directory)
    walked = {real} if walked is None else walked
    for p in steps.tree.listing(directory):
        if p.name.startswith("."):
            continue
        if steps.tree.is_dir(p):
            # a link to a directory the walk lists already (``a -> .``, a second link to one
            # place) is not listed again: two links back to their own directory never ended
            if flat:
                continue
            if (there := steps.tree.real(p)) != real / p.name and there in walked:
                continue
            walked.add(there)
            if builds is not None and steps.kfile(p) is not None:
                builds.append(p)
                continue
            subdirs.append(p)
        elif p.suffix in YAML_SUFFIXES:
            out.append(p)
        elif p.suffix in JSONNET and unread is not None:
            jsonnet.append(steps.rel(p))
        elif unread is not None:
            # an entry neither a directory nor YAML as read: a link leading out of the
            # repository. Named without a suffix it may be a directory the tool reads
            # recursively (what it sets is then not known); another (README.md) it never reads
            steps.unread(p, unread, rendered=not p.suffix and not flat)
    if depth < MAX_DEPTH:
        for d in subdirs:
            out += yaml_files(steps, d, depth + 1, unread, builds, walked, jsonnet=jsonnet)
    if depth == 0 and jsonnet and unread is not None and (said := jsonnet_said(jsonnet)) not in unread.said:
        unread.said.append(said)
    # one past the bound: reading it says the bound (read_file), never a silent cut
    return out[: MAX_FILES + 1]


def holds_others(
    steps: Lists, owners: Mapping[str, Sequence[Path]], directory: Path, env: str, walk: Walk
) -> bool:
    """Whether the plain directory ``directory``, an environment's path, holds another
    environment's path below it: its deployer is then one reading the directory's own files
    (``kubectl apply -f DIR``, an Argo CD directory source without ``recurse``), never the
    other environment's overlay, which a release for this one must not move. Said once."""
    own = set(owners.get(env, ()))  # a subdirectory this environment lists too is its own as well
    below = sorted(
        {
            (o, steps.rel(p))
            for o, paths in owners.items()
            if o != env
            for p in paths
            if directory in p.parents and p not in own
        }
    )
    if below:
        theirs = ", ".join(f"{o}'s {rel}" for o, rel in below[:3]) + (" and more" if len(below) > 3 else "")
        said = (
            f"{steps.rel(directory)}: its own files only, as kubectl apply -f and an Argo CD directory "
            f"source without directory.recurse read it; its subdirectories are not {env}'s ({theirs})"
        )
        if said not in walk.said:
            walk.said.append(said)
    return bool(below)


def applied_flat(steps: Lists, apps: Sequence[argocd_apps.AppSource], directory: Path, walk: Walk) -> bool:
    """Whether the Argo CD Applications of the repository deploying the plain directory
    ``directory``, an environment's path, apply its own files only (none sets
    ``directory.recurse``, which Argo CD needs to read a subdirectory): what is below it is then
    not what the environment runs, nor a place a release writes. Said once, where it has any."""
    if not apps or any(a.recurse for a in apps):
        return False
    if any(steps.tree.is_dir(p) and not p.name.startswith(".") for p in steps.tree.listing(directory)):
        names = ", ".join(dict.fromkeys(a.application for a in apps))
        said = (
            f"{steps.rel(directory)}: its own files only, as Argo CD applies it for {names} (no "
            "directory.recurse); its subdirectories are not read"
        )
        if said not in walk.said:
            walk.said.append(said)
    return True


def source_files(
    app: argocd_apps.AppSource, rel: str, directory: Path, walk: Walk, steps: Reads
) -> argocd_apps.AppSource:
    """``app`` as Argo CD builds its kustomization path: the path's ``.argocd-source.yaml`` then
    ``.argocd-source-NAME.yaml`` merged over its source (argocd-image-updater's write-back), so
    the last of them setting ``kustomize.images`` holds the entries that run, read as the pins
    there, and the Application's own entries are replaced (its other fields stand)."""
    first, each = apps_module().SOURCE_FILES
    name = app.application
    names = [
        first,
        *([each.format(name=name)] if name and "/" not in name and name not in (".", "..") else []),
    ]
    if steps.kfile(directory) is None:  # a chart or a plain directory: kustomize.images apply to none
        for path in (directory / n for n in names):
            try:
                doc = (yamlvalues.load_all(steps.tree.text(path) or "", steps.rel(path)) or [None])[0]
            except GitOpsBotError:
                continue  # the render's merge refuses it, in its own words
            if isinstance(doc, dict) and doc.get("helm") is not None:
                walk.note(steps.rel(path), HELM_UNREAD.format(name=name))
        return app
    won: tuple[str, str, tuple[argocd_apps.Setting, ...]] | None = None
    for path in (directory / n for n in names):
        if (text := steps.read_file(path, walk)) is None:
            continue  # not there, or read as no file: the reading says which
        try:
            got = apps_module().source_file_images(text, steps.rel(path))
        except GitOpsBotError as e:  # the repo server fails the build: nothing of it renders
            fix = (
                f"make {steps.rel(path)} a mapping of source fields (kustomize: images: [...]), or remove it"
            )
            walk.refuse(f"Argo CD cannot render {name} ({rel}): {e.message}", fix)
            return app
        won = (steps.rel(path), text, got) if got is not None else won
    if won is None:
        return app
    file, text, entries = won
    steps.add(
        walk,
        file,
        images.application_sites(replace(app, images=entries, parameters=()), steps.specs, list),
        patch=False,
        text=text,
    )
    walk.note(
        rel, f"Argo CD merges {file} over {name}'s source: its kustomize.images replace the Application's own"
    )
    return replace(app, images=())


def unlent(
    app: argocd_apps.AppSource, rel: str, lent: tuple[str, Path], root: Path, tree: Tree, walk: Walk
) -> bool:
    """Refuse a ``$ref/path`` value file Argo CD cannot hand helm: one resolving outside the
    repository (argo-cd resolves a ref's file within its repository's root) or a directory
    (helm reads a file of values); True when refused."""
    name, path = lent
    outside = not path.is_relative_to(root)
    if not outside and not tree.is_dir(path):
        return False
    why = "resolves outside the repository (Argo CD refuses it)" if outside else "is a directory, not values"
    walk.refuse(
        f"Argo CD cannot render {app.application} ({rel}): its helm.valueFiles names {name}, which {why}",
        f"name a values file of the repository there, or drop {name} from its helm.valueFiles",
    )
    return True


ELSEWHEN = (
    "{app}'s value file {name} is read by Argo CD at {revision} (its ref source's targetRevision), not "
    "at this checkout's branch: not followed"
)


def ref_revision(app: argocd_apps.AppSource, name: str, bases: Collection[str]) -> str | None:
    """The revision a ``$ref/path`` value file is read at when that is not this checkout's
    (``bases``: the names this checkout's branch goes by), else None."""
    revision = dict(app.ref_revisions).get(name[1:].partition("/")[0], "")
    return None if revision in bases else revision


def ref_file(app: argocd_apps.AppSource, name: str, root: Path, bases: Collection[str]) -> Path | None:
    """A ``$ref/path`` value file: in this repository (``root``) when the ref's source is the
    Application's own repository (the same repoURL) at this checkout's branch (``bases``), else
    None (another repository, or another revision of it)."""
    ref, _, rest = name[1:].partition("/")
    url = dict(app.refs).get(ref)
    if url is None or repo_key(url) != repo_key(app.repo_url) or ref_revision(app, name, bases) is not None:
        return None
    return Path(os.path.normpath(root / rest))


def chart_layers(
    app: argocd_apps.AppSource, directory: Path, root: Path, bases: Collection[str]
) -> list[tuple[str, Path | None]]:
    """The chart's value files as helm layers them, each (as named, its path): values.yaml,
    then the Application's own, as Argo CD expands its build environment in them
    (``values-$ARGOCD_APP_NAME.yaml``); a ``$ref/`` file of another repository has no path."""
    env = app_env(app)
    names = [value_file(n, dict(app.refs), env) or n for n in app.value_files]
    return [
        (n, ref_file(app, n, root, bases) if n.startswith("$") else Path(os.path.normpath(directory / n)))
        for n in ("values.yaml", *names)
    ]


def lent_values(app: argocd_apps.AppSource, root: Path, own: Collection[str]) -> list[tuple[str, Path | str]]:
    """The ``$ref/path`` value files an Application over a chart of a chart repository names,
    each (as named, its path here), or the ref's repoURL where that is another repository.
    ``own``: this repository as its Applications name it (:func:`repo_key` of each source whose
    path it holds); when none does, nothing says which repository this is, and a file this
    repository holds there is taken as its own."""
    out: list[tuple[str, Path | str]] = []
    refs = dict(app.refs)
    for n in app.value_files:
        ref, _, rest = n[1:].partition("/")
        if not n.startswith("$") or ref not in refs:
            continue
        mine = not own or repo_key(refs[ref]) in own
        out.append((n, Path(os.path.normpath(root / rest)) if mine else refs[ref]))
    return out


# an Application at a revision that is no branch the bot reads, of a path this checkout lacks,
# under a repoURL none of this repository's Applications name with a path it holds
ANOTHER_AT = "{app} renders {path} at {revision} of another repository,"


def repo_key(url: str) -> str:
    """A repoURL as one repository is named however it is written (scheme, user and token, port,
    ``.git``, case): a CI job's clone (``https://gitlab-ci-token:TOKEN@host/...``) and Argo CD's
    ``ssh://git@host/...`` name the repository its ``https://host/...`` does."""
    text = url.strip().lower()
    scheme = _SCHEME.match(text)
    rest = text[scheme.end() :] if scheme else text
    if scheme is None and ":" in rest.partition("/")[0]:  # scp-like: [user@]host:path
        authority, _, path = rest.partition(":")
    else:
        authority, _, path = rest.partition("/")
        if scheme is not None and re.fullmatch(r"[^\]]*:\d*", authority):  # a port: the same server
            authority = authority.rpartition(":")[0]
    key = f"{authority.rpartition('@')[2]}/{path}".replace(":", "/")
    return key.removesuffix("/").removesuffix(".git")


_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://")


_GIT_URL = re.compile(r"^(?:(?:https?|ssh|git|file)://|[\w.-]+@[\w.-]+[:/])", re.IGNORECASE)


def is_artifact(url: str) -> bool:
    """Whether a source's repoURL names an OCI artifact, not a git repository: Argo CD reads
    ``oci://`` so, and a registry path written with no scheme (``ghcr.io/acme/app-kustomize``)
    is no git URL Argo CD clones; such a source's path is the artifact's, never this checkout's."""
    url = url.strip()
    return bool(url) and "{{" not in url and _GIT_URL.match(url) is None


def in_artifact(app: argocd_apps.AppSource, rel: str, walk: Walk) -> bool:
    """Whether ``app``'s source is an OCI artifact (:func:`is_artifact`), said as not followed:
    its path is the artifact's whatever its revision (a tag, or none written), never this
    checkout's directory (a release would write where nothing deploys from) nor a branch of it."""
    if not is_artifact(app.repo_url):
        return False
    why = f"{app.application} renders {app.path} of the OCI artifact {app.repo_url}, not this repository's"
    walk.note(rel, f"{why} files: not followed", NoteKind.UNFOLLOWED)
    return True


_CHART_DIRS = ("charts", "crds", "templates")  # a chart's subdirectories helm reads


def chart_reads(directory: Path, found: Sequence[Path]) -> list[Path]:
    """Of the YAML files under ``directory``, those helm reads where it is a chart: its own,
    its subcharts' (``charts/``) and CRDs, never another subdirectory's (chart-testing's
    ``ci/*-values.yaml``, ``examples/``), which ``helm template <chart>`` never takes."""
    if not any(p.name == "Chart.yaml" and p.parent == directory for p in found):
        return list(found)
    return [p for p in found if p.parent == directory or p.relative_to(directory).parts[0] in _CHART_DIRS]


def values_files(found: Sequence[Path], env: str) -> list[Path] | None:
    """Of a directory holding a values file per environment (``values-dev.yaml``, …): the
    environment's own and the common ``values.yaml``; None when the directory is not one. Of a
    chart's directory, all but the other environments' values files: helm renders the chart
    with ``values.yaml`` alone unless given another (one ``values-production.yaml`` beside it
    is production's, never rendered by an Application of the directory)."""
    per_env = (
        [p for p in found if p.parent == found[0].parent and p.stem.startswith("values-")] if found else []
    )
    if per_env and any(p.name == "Chart.yaml" and p.parent == per_env[0].parent for p in found):
        return [p for p in found if p not in per_env or p.stem.removeprefix("values-") == env]
    if len(per_env) < 2:
        return None
    own = [p for p in per_env if p.stem.removeprefix("values-") == env]
    common = [p for p in found if p.stem == "values" and p.parent == per_env[0].parent]
    return common + own


def unconfigured(config_root: Path, rel: str, read: Collection[str]) -> tuple[str, ...]:
    """Of a chart's ``Chart.yaml`` (``rel``), the values files beside it for an environment no
    configured one reads (``values-prod.yaml`` beside the configured dev's ``values-dev.yaml``;
    ``read``: every file the configured environments render), each named as that environment's:
    a dependency's version there is what it deploys too, so a bump for one environment moves it."""
    if Path(rel).name != "Chart.yaml":
        return ()
    chart = (config_root / rel).parent
    found = sorted(p for p in chart.glob("values[-.]*") if p.suffix in YAML_SUFFIXES and p.is_file())
    return tuple(
        f"the environment of {r} (not in gitops-bot.yaml)"
        for p in found
        if (r := p.relative_to(config_root).as_posix()) not in read
    )


# Argo CD's build environment, expanded in an Application's helm value files and parameter
# values and its kustomize images (reposerver newEnv, Env.Envsubst: Go's os.Expand, $$ a
# dollar, a name it does not set empty). The commit and the project are not known to a reading
# of files: a value naming them is not expanded here.
UNKNOWN = frozenset(
    {
        "ARGOCD_APP_REVISION",
        "ARGOCD_APP_REVISION_SHORT",
        "ARGOCD_APP_REVISION_SHORT_8",
        "ARGOCD_APP_PROJECT_NAME",
    }
)
_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def build_env(
    name: str, repo_url: str, path: str, revision: str, namespace: str | None
) -> dict[str, str | None]:
    """The build environment of an Application's source (None: not known here)."""
    return {
        "ARGOCD_APP_NAME": name,
        "ARGOCD_APP_NAMESPACE": namespace,
        "ARGOCD_APP_SOURCE_REPO_URL": repo_url,
        "ARGOCD_APP_SOURCE_PATH": path,
        "ARGOCD_APP_SOURCE_TARGET_REVISION": revision,
    }


def app_env(app: argocd_apps.AppSource) -> dict[str, str | None]:
    """:func:`build_env` of an Application's source as the reading parsed it (a namespace an
    ApplicationSet's template fills later is not known)."""
    namespace = None if "{{" in app.namespace else app.namespace
    return build_env(app.application, app.repo_url, app.path or "", app.revision, namespace)


def envsubst(value: str, env: Mapping[str, str | None]) -> str | None:
    """``value`` as Argo CD expands it in ``env``; None when it names a variable not known here."""
    if "$" not in value:
        return value
    unknown = False

    def one(m: re.Match[str]) -> str:
        nonlocal unknown
        if m[1]:
            return "$"
        name = m[2] or m[3]
        got = env.get(name, "")
        unknown = unknown or got is None or name in UNKNOWN
        return got or ""

    out = _VARIABLE.sub(one, value)
    return None if unknown else out


def value_file(name: str, refs: Collection[str], env: Mapping[str, str | None]) -> str | None:
    """A helm value file's name as Argo CD expands it: of a ``$ref/path`` naming a ref source,
    the path after the ref alone (argo-cd resolves the ref's source first); None as
    :func:`envsubst`."""
    ref, slash, rest = name[1:].partition("/")
    if name.startswith("$") and slash and ref in refs:
        got = envsubst(rest, env)
        return None if got is None else f"${ref}/{got}"
    return envsubst(name, env)


def yields_applications(tree: Tree, chart: Path) -> bool:
    """Whether a template of the chart is an Argo CD Application or ApplicationSet (its fields Go
    templates the rules cannot follow); the first few templates looked at, as text."""
    pending = [chart / "templates"] if tree.is_dir(chart / "templates") else []
    looked = 0
    while pending and looked < 50:
        for path in tree.listing(pending.pop(0)):
            if tree.is_dir(path):  # templates/core-infra/: a chart's templates are all of them
                pending.append(path)
                continue
            if path.suffix not in (".yaml", ".yml", ".tpl") or (looked := looked + 1) > 50:
                continue
            text = tree.text(path)
            if text and "argoproj.io/" in text and re.search(r"^kind:\s*Application(Set)?\s*$", text, re.M):
                return True
    return False
