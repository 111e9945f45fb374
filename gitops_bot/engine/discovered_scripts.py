"""What the repository's own scripts and READMEs deploy, as ``gitops-bot init`` guesses it, each
question a lookup into the one reading of them (:mod:`gitops_bot.engine.script_commands`): the
folders they apply to a cluster that no Argo CD or Flux object points at, yet is what runs
(``kubectl apply -k overlays/dev`` in a Makefile, ``helm upgrade --install web ./charts/web -f
./charts/web/prod.yaml``: the values file beside the chart, else the chart), each an environment
said as a guess with the file and line it came from, named by a stage word in its path, else
``default``; the images built on the machine that no registry holds; the published chart
versions pinned in helm commands; what Terraform and kapp-controller deploy."""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine import discovered_shapes, script_clusters
from gitops_bot.engine.candidates import RenderPath, name_of, safe_name
from gitops_bot.engine.discovered_undeployed import SOURCE_PATH
from gitops_bot.engine.promotion_order import rank_of
from gitops_bot.engine.repository_files import WORKLOADS, YAML, RepoFiles, as_map, files_of, norm
from gitops_bot.engine.script_commands import MAX_SCRIPT, Applied, BuiltImage, Scripts
from gitops_bot.manifests import argocd_apps
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.workloads import repository_key


def wrapped(repo: RepoFiles, found: Sequence[RenderPath], scripts: Scripts) -> list[RenderPath]:
    """``found`` with an overlay guessed by its shape that a script never builds, wrapping a
    kustomization below it that one does (kubebuilder's ``make deploy`` building config/default
    beside a config/ kustomization nothing builds), taken as that one: what the script builds."""
    scripted = {a.path: a for a in scripts.applied}
    out = list(found)
    if not scripted:
        return out  # nothing a script builds: no overlay's reach is worth walking
    for i, c in enumerate(out):
        if not c.how.startswith("Kustomize overlay") or c.path in scripted:
            continue
        reached = {_rel(repo, p) for p in files_of(repo, c.path)}
        for a in scripted.values():
            built = any(f"{a.path}/{k}" in reached for k in KUSTOMIZATION_NAMES)
            # a CRD bundle the script installs first (make install) is nothing to release
            if (
                a.path.startswith(f"{c.path}/")
                and built
                and discovered_shapes.workload_in(repo, _rendered(repo, a.path))
            ):
                how = f"{a.path}, applied by {a.file}:{a.line} ({a.command}), which {c.path} wraps; a guess"
                out[i] = RenderPath(a.path, c.name, how, c.guess)
                break
    return out


def environments(repo: RepoFiles, found: Sequence[RenderPath], scripts: Scripts) -> list[RenderPath]:
    """The paths scripts apply that no candidate in ``found`` renders and that render a workload
    (a CRD bundle or a namespace is nothing to release), outside tests: each a guessed
    environment named by the stage word in its path or command, else ``default``."""
    if not scripts.applied:
        return []  # what the candidates reach is asked only of a path a script applies
    reached: set[str] = set()
    for c in found:
        reached.add(c.path)
        reached |= {_rel(repo, p) for p in files_of(repo, c.path)}
        reached |= _application_paths(repo, c.path)
    out = []
    for a in scripts.applied:
        if repo.no_environment(a.path) or repo.vendored(a.path) or a.path in reached:
            continue
        if (chart := _chart_of(repo, a.path)) is not None:
            if chart in reached:
                continue  # an Application renders the chart already
            # a chart's templates are YAML only once rendered: one naming an image deploys one
            if not any(
                "image:" in (repo.text(f) or "") for f in repo.files if f.startswith(f"{chart}/templates/")
            ):
                continue
            own = [a.path]
        else:
            files = _rendered(repo, a.path)
            own = [f for f in files if f in (f"{a.path}/{k}" for k in KUSTOMIZATION_NAMES)] or files
            # rendered already (an overlay includes it), or nothing to release in it; a base
            # it shares with another is no reason to leave it out
            if not files or set(own) <= reached or not discovered_shapes.workload_in(repo, files):
                continue
        reached |= set(own)
        word = name_of(a.path) if rank_of(name_of(a.path)) is not None else None
        how = (
            f"{a.path}, applied by {a.file}:{a.line} ({a.command}); a guess: no Argo CD, Flux or Kargo "
            f"object of the repository renders it, {PurePosixPath(a.file).name} does: remove it if that "
            "is not how it deploys"
        )
        out.append(RenderPath(a.path, safe_name(word or "default"), how))
    return out


def local_loops(repo: RepoFiles, found: Sequence[RenderPath], scripts: Scripts) -> list[RenderPath]:
    """``found`` without what a script applies after loading images built on the machine into a
    local cluster's node (team-project-final/synapse-gitops's minikube-up.sh: docker build -t
    "$1:local", minikube image load, kubectl apply -k local-k8s): a developer's cluster running
    its own builds, which no registry holds, so no environment to release; said. Kept where it
    is all the repository holds (then it is what the repository is about)."""
    out = [c for c in found if c.path not in scripts.local]
    if not out:
        return list(found)
    for c in found:
        if c.path in scripts.local:
            a, load = scripts.local[c.path]
            repo.notes.append(
                f"{c.path}: applied by {a.file}:{a.line} ({a.command}) after {load}: a local cluster "
                "running images built on the machine, which no registry holds; not an environment to release"
            )
    return out


def test_clusters(
    repo: RepoFiles, found: Sequence[RenderPath], scripts: Scripts, deployed: bool
) -> list[RenderPath]:
    """``found`` without what a script applies only to a cluster it has just made for the run
    (argoproj-labs/terraform-provider-argocd's ``make testacc_prepare_env``: kind create cluster,
    then kustomize build manifests/overlays/${ARGOCD_VERSION} | kubectl apply, an acceptance
    test matrix): a test cluster, thrown away after, said. Where the repository's deploy objects
    say what deploys (``deployed``), or another command applies the path, it is theirs to say."""
    if not scripts.throwaway or deployed:
        return list(found)
    tested = {(t.file, t.line) for t in scripts.throwaway}
    out = []
    for c in found:
        t = next((t for t in scripts.throwaway if script_clusters.matches(t, c.path)), None)
        if t is None or any(a.path == c.path and (a.file, a.line) not in tested for a in scripts.applied):
            out.append(c)
            continue
        repo.notes.append(
            f"{c.path}: applied by {t.file}:{t.line} ({t.command}) to a cluster made for the run "
            f"({t.created}): a test cluster, not an environment to release"
        )
    return out


def built_locally(scripts: Scripts) -> dict[str, BuiltImage]:
    """The images (their repository as written, tag left off) a script or README builds on the
    machine or loads into a local cluster's node and none pushes: the node runs its own copy
    (docker build -t auth-service:latest, then kubectl apply), no registry holds what runs. Each
    with where it is first built. A name with a variable in it is none the bot can tell."""
    out: dict[str, BuiltImage] = {}
    for b in scripts.built:
        if b.image not in scripts.pushed and not b.over:
            out.setdefault(b.image, b)
    return out


def placeholder(scripts: Scripts, image: str) -> str | None:
    """Why ``image``, a bare name no file here renames (kubebuilder's ``controller:latest``), is
    a scaffold's placeholder: a command replaces it by another repository before every build
    (``kustomize edit set image controller=${IMG}``), so what runs is what that command names,
    written into the copy it builds, never into these files. None otherwise."""
    if (edit := scripts.replaced.get(image)) is None or "/" in image:
        return None
    return (
        f"{image}: a placeholder {edit.file}:{edit.line} replaces ({edit.command}) before the "
        "manifests are built: not configured; the image released is the one that command names"
    )


def not_released(scripts: Scripts, image: str, rendered_by: Mapping[str, Sequence[str]]) -> str | None:
    """Why ``image`` is no release, as init says it, where what runs of it is built on the
    machine: a script builds it (or loads it into a local cluster's node), names no registry
    and none pushes it; or a developer's loop (Tilt's ``docker_build``) builds it in place of the
    tag written in every environment rendering it (``rendered_by``: their names and paths), each
    one that loop deploys. None otherwise: an environment deployed otherwise runs the tag written."""
    local = built_locally(scripts).get(image)
    if local is not None and "/" not in image:
        # a name no registry is named in, built and loaded on this machine and pushed
        # nowhere: Docker Hub's library/<name> is a stranger's, not what the node runs
        return (
            f"{image}: built on the machine by {local.where} and pushed nowhere (the node runs its own "
            "copy): not configured; push it to a registry and name that registry in the "
            "manifests to have it released"
        )
    key = repository_key(image)
    over = next((b for b in scripts.built if b.over and repository_key(b.image) == key), None)
    if over is None or not rendered_by:
        return None
    looped = {a.path for a in scripts.applied if a.file == over.file}
    if any(not set(paths) <= looped for paths in rendered_by.values()):
        return None
    return (
        f"{image}: built on the machine by {over.where} ({over.command}), which runs its own build in "
        f"place of the tag written, in {', '.join(rendered_by)}, all that {PurePosixPath(over.file).name} "
        "deploys: a developer's loop, not a release; not configured"
    )


MAX_TERRAFORM = 500  # Terraform files read at most

# a Terraform resource deploying to a cluster something with a version: a chart, an Argo CD
# Application, a manifest or a workload
_TERRAFORM = re.compile(
    r'^[ \t]*resource[ \t]+"(helm_release|argocd_application(?:_set)?|kubectl_manifest|kubernetes_manifest'
    r'|kubernetes_(?:deployment|daemonset|daemon_set|stateful_set|cron_job|job)(?:_v1)?)"',
    re.M,
)


def json_manifests(repo: RepoFiles) -> list[str]:
    """Kubernetes objects the repository writes as JSON (what CUE, Jsonnet or a script exports,
    and Argo CD applies from a directory): the bot reads and edits YAML manifests, so the images
    they pin are said with what to edit; where CUE files are here, those are the source."""
    files: list[str] = []
    kinds: dict[str, None] = {}
    for f in repo.files:
        if not f.endswith(".json") or repo.under_tests(f):
            continue
        text = repo.text(f) or ""
        if '"apiVersion"' not in text or '"kind"' not in text:
            continue  # a dashboard, a package.json: no object
        objects = [str(d["kind"]) for d in repo.docs(f) if d.get("apiVersion") and d.get("kind")]
        if objects:
            files.append(f)
            kinds.update(dict.fromkeys(objects))
    if not files:
        return _cue_images(repo)
    shown = ", ".join(files[:3]) + (f", and {len(files) - 3} more" if len(files) > 3 else "")
    cue = [f for f in repo.files if f.endswith(".cue")]
    fix = (
        f"CUE writes them from the .cue files here ({', '.join(cue[:3])}{', ...' if len(cue) > 3 else ''}): "
        "release by editing those, or write the manifests as YAML"
        if cue
        else "write them as YAML to have them read"
    )
    return [
        f"{shown}: Kubernetes objects written as JSON ({_kinds(kinds)}), which the bot neither "
        f"reads nor edits; {fix}"
    ]


# an image a CUE file names as a string (image: "postgres:16.0", #Image: "redis:alpine")
_CUE_IMAGE = re.compile(r'^[ \t]*#?image[ \t]*:[ \t]*"([^"\s]+)"', re.I | re.M)


def _cue_images(repo: RepoFiles) -> list[str]:
    """The images CUE files name where no JSON export of them is here (an Argo CD config
    management plugin renders the CUE as it deploys): the bot reads no CUE, so they are said
    with their files, where it was silence."""
    found = [
        f"{m[1]} ({f}:{text.count(chr(10), 0, m.start()) + 1})"
        for f in repo.files
        if f.endswith(".cue") and "cue.mod/" not in f and not repo.under_tests(f)
        for text in [repo.text(f) or ""]
        for m in _CUE_IMAGE.finditer(text)
    ]
    if not found:
        return []
    shown = ", ".join(found[:6]) + (f", and {len(found) - 6} more" if len(found) > 6 else "")
    return [
        f"{len(found)} images named in CUE files, which the bot neither reads nor edits (a tool renders "
        f"them as it deploys: an Argo CD config management plugin, cue export): {shown}; release them by "
        "editing those lines, or write the manifests as YAML to have them read"
    ]


def _kinds(kinds: Collection[str]) -> str:
    """The kinds, those that run images first, four at most."""
    ordered = sorted(kinds, key=lambda k: (k not in WORKLOADS and k != "Application", k))
    return ", ".join(ordered[:4]) + (f", and {len(ordered) - 4} more kinds" if len(ordered) > 4 else "")


def terraform(repo: RepoFiles) -> list[str]:
    """What the repository's Terraform deploys, said: the bot reads no Terraform, so a
    repository deployed by it is told why nothing of it is found, not only that nothing is."""
    kinds: dict[str, int] = {}
    files: list[str] = []
    for f in [f for f in repo.files if f.endswith(".tf")][:MAX_TERRAFORM]:
        text = repo.tree.text(repo.root / f)
        found = _TERRAFORM.findall(text) if text is not None and len(text) <= MAX_SCRIPT else []
        files += [f] if found else []
        for kind in found:
            kinds[kind] = kinds.get(kind, 0) + 1
    if not files:
        return []
    more = f", and {len(files) - 3} more" if len(files) > 3 else ""
    return [
        f"{len(files)} Terraform file{'s' if len(files) > 1 else ''} ({', '.join(files[:3])}{more}) deploy "
        f"with {', '.join(f'{k} x{n}' for k, n in kinds.items())}: the bot reads no Terraform, so the chart "
        "versions and images they deploy are not released; to have them released, pin them in files it "
        "reads (an Argo CD Application, a Flux HelmRelease, a Chart.yaml dependency, a manifest)"
    ]


# Carvel's kapp-controller objects: an App (kappctrl.k14s.io) fetches files and templates them
# (ytt, helm) into what it deploys; a PackageInstall (packaging.carvel.dev) installs a package at
# the version its constraints select
_CARVEL = {"kappctrl.k14s.io": "App", "packaging.carvel.dev": "PackageInstall"}


_HIDDEN_READ = 200  # YAML files of the hidden folders looked at, at most


def _hidden_yaml(repo: RepoFiles) -> list[str]:
    """The YAML files of the root's hidden folders (``.install/``), which the listing leaves out:
    a kapp App kept there deploys all the same (git and CI folders hold none)."""
    out: list[str] = []
    for top in sorted(p for p in repo.root.iterdir() if p.name.startswith(".") and p.name not in _NOT_HIDDEN):
        if not top.is_dir() or top.is_symlink():
            continue
        for here, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not (Path(here) / d).is_symlink())
            rel = Path(here).relative_to(repo.root).as_posix()
            out += [f"{rel}/{f}" for f in sorted(filenames) if f.endswith((".yaml", ".yml"))]
            if len(out) >= _HIDDEN_READ:
                return out[:_HIDDEN_READ]
    return out


_NOT_HIDDEN = frozenset({".git", ".github", ".gitlab", ".circleci", ".vscode", ".idea", ".devcontainer"})


def carvel(repo: RepoFiles) -> list[str]:
    """What the repository's kapp-controller objects deploy, said as Terraform's is: the bot reads
    none of them, so the package versions they select and the images their Apps template are
    not released (kapp-controller reconciles them in the cluster)."""
    kinds: dict[str, int] = {}
    files: list[str] = []
    versions: list[str] = []  # package version, as its constraints write it
    templated = 0  # constraints a ytt expression sets (the data values hold the version)
    for f in [*repo.yaml_files(), *_hidden_yaml(repo)]:
        text = repo.text(f) or ""
        if not any(group in text for group in _CARVEL):
            continue
        for doc in repo.docs(f):
            api, kind = str(doc.get("apiVersion") or ""), doc.get("kind")
            if kind is None or _CARVEL.get(api.split("/", 1)[0]) != kind:
                continue
            files += [] if f in files else [f]
            kinds[str(kind)] = kinds.get(str(kind), 0) + 1
            ref = as_map(as_map(doc.get("spec")).get("packageRef"))
            if kind == "PackageInstall":
                constraints = as_map(ref.get("versionSelection")).get("constraints")
                if constraints is None:
                    templated += 1
                else:
                    versions.append(f"{ref.get('refName') or '?'} {constraints}")
    if not files:
        return []
    more = f", and {len(files) - 3} more" if len(files) > 3 else ""
    versions = list(dict.fromkeys(versions))
    shown = ", ".join(versions[:3]) + (f", and {len(versions) - 3} more" if len(versions) > 3 else "")
    by_ytt = f"{templated} set by ytt data values" if templated else ""
    selected = "; ".join(filter(None, [shown, by_ytt]))
    objects, in_files = sum(kinds.values()), f"{len(files)} file{'s' if len(files) > 1 else ''}"
    return [
        f"{objects} kapp-controller object{'s' if objects > 1 else ''} "
        f"({', '.join(f'{k} x{n}' for k, n in kinds.items())}) in {in_files} "
        f"({', '.join(files[:3])}{more}): kapp-controller deploys them, the bot does not read them; the "
        f"package versions they select{f' ({selected})' if selected else ''} and the images they deploy are "
        "not released"
    ]


def other_writers(scripts: Scripts, pinned_in: Collection[str]) -> list[str]:
    """The steps of the repository's workflows and scripts that edit a tag in a file an image is
    pinned in (``pinned_in``) and commit it: a second writer of the line a release writes, said
    as Argo CD Image Updater's git write-back is."""
    first: dict[tuple[str, str], Applied] = {}  # one step said a file and workflow: a tag's edit first
    for e in sorted(scripts.edited, key=lambda e: "tag" not in e.command.lower()):
        if e.path in pinned_in:
            first.setdefault((e.file, e.path), e)
    return [
        f"{e.file}:{e.line} writes {e.path} too ({e.command}), and commits it: two writers of one line "
        "race; run one of the two"
        for e in first.values()
    ]


def packaged(scripts: Scripts, file: str) -> Applied | None:
    """The step packaging the chart whose values file is ``file`` with an ``--app-version`` of
    its own (``helm package chart --version X --app-version X`` on each release tag), or None:
    the chart's ``appVersion`` is then that step's at each release, no pin of the values."""
    return next((a for a in scripts.packaged if file.startswith(f"{a.path}/")), None)


def scripted_charts(scripts: Scripts) -> list[str]:
    """The published charts a script installs at a version it writes (``helm upgrade --install
    minio minio --repo https://... --version 3.7.9``), said in one line: the bot edits no shell
    script, and a pinned version nothing says is a silent one."""
    found: dict[str, str] = {}
    for p in scripts.pinned:
        found.setdefault(p.chart, f"{p.file}:{p.line}")
    if not found:
        return []
    shown = ", ".join(f"{c} in {w}" for c, w in list(found.items())[:4])
    more = f", and {len(found) - 4} more" if len(found) > 4 else ""
    return [
        f"{len(found)} chart version{'s' if len(found) > 1 else ''} pinned in helm commands of scripts "
        f"({shown}{more}): the bot edits no script, so they are not released; pin them in files it reads "
        "(an Argo CD Application, a Flux HelmRelease, a Chart.yaml dependency) to have them released"
    ]


def unnamed_paths(scripts: Scripts) -> list[str]:
    """One line for the Argo CD applications scripts create over a path a variable names
    (``argocd app create $CLUSTER-x --path $CLUSTER/x``): which directory runs is the script's
    caller's to say, so none is an environment, and a pin there is said rather than silent."""
    if not scripts.unnamed:
        return []
    shown = ", ".join(f"--path {a.path} at {a.file}:{a.line}" for a in scripts.unnamed[:4])
    more = f", and {len(scripts.unnamed) - 4} more" if len(scripts.unnamed) > 4 else ""
    return [
        f"{len(scripts.unnamed)} argocd app create command{'s' if len(scripts.unnamed) > 1 else ''} of "
        f"scripts render a path a variable names ({shown}{more}): not read; write {{name: <env>, path: "
        "<the directory>} under environments: for each directory it stands for"
    ]


def _application_paths(repo: RepoFiles, path: str) -> set[str]:
    """The directories of this repository the Argo CD Applications in the file ``path`` render,
    and those a chart of Applications names (``path`` itself, or one an Application renders)."""
    text = (repo.text(path) or "") if path.endswith((".yaml", ".yml")) else ""
    dirs: set[str] = set()
    try:
        if "argoproj.io" in text:
            dirs = {norm(a.path.lstrip("/")) for a in argocd_apps.sources(text, path) if a.path}
    except GitOpsBotError:
        pass  # an Application file that does not parse renders nothing this can tell
    return dirs | {p for d in (*dirs, path) for p in _yielded_paths(repo, d)}


def _yielded_paths(repo: RepoFiles, chart: str) -> set[str]:
    """The directories the Applications of a chart's templates name as a literal source path (an
    installer's modules, ``path: manifest/gitea``): what they render once helm fills the rest, so
    a README installing one by hand shows that module's own install, not another deployment."""
    if repo.tree.text(repo.root / chart / "Chart.yaml") is None:
        return set()
    prefix = "templates/" if chart in ("", ".") else f"{chart}/templates/"
    out: set[str] = set()
    for f in repo.files:
        if f.startswith(prefix) and f.endswith(YAML) and "argoproj.io" in (text := repo.text(f) or ""):
            out |= {norm(p) for p in SOURCE_PATH.findall(text)}
    return out


def _chart_of(repo: RepoFiles, path: str) -> str | None:
    """The chart ``path`` is, or whose values file it is; None when it is neither."""
    if f"{path}/Chart.yaml" in repo.files:
        return path
    parent = PurePosixPath(path).parent.as_posix()
    return parent if path in repo.files and f"{parent}/Chart.yaml" in repo.files else None


def _rendered(repo: RepoFiles, path: str) -> list[str]:
    if path in repo.files:
        return [path] if path.endswith((".yaml", ".yml", ".json")) else []
    return [_rel(repo, p) for p in files_of(repo, path)]


def _rel(repo: RepoFiles, p: Path) -> str:
    try:
        return p.resolve().relative_to(repo.root).as_posix()
    except ValueError:
        return str(p)
