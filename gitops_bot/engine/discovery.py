"""What a GitOps repository holds, found from its files alone (``gitops-bot init``): its
environments, their promotion order, the images each renders and a tag policy per image.

Environments are *candidates* found by shape (:mod:`~gitops_bot.engine.candidates`), then read
by the one reader of what an environment renders (:mod:`gitops_bot.render.reader`), never by a
second one; those rendering no image found are said, not configured
(:mod:`~gitops_bot.engine.discovered_rendering`).

Candidates that name the same environment (``apps/orders/envs/qa`` and ``apps/billing/envs/qa``)
are one environment with several paths. The promotion order comes from the tools' own
definitions where the repository has them (Kargo ``Stage`` ``requestedFreight`` sources,
GitOps Promoter ``PromotionStrategy`` environments), else from the names (dev < test/qa <
staging/uat/preprod < prod), said as a guess (:mod:`~gitops_bot.engine.discovered_order`).
Images are what the environments' rendered files name (containers, ``images:`` entries, Helm
values blocks and chart templates' ``image:`` lines); their versions and places are the
reader's, and each image's policy is guessed from the tags pinned today
(:mod:`gitops_bot.policy.guess`).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.reading import EnvironmentReading, PinKind, PinStatus
from gitops_bot.core.record import record
from gitops_bot.engine import (
    candidates,
    deployers,
    discovered_appset_charts,
    discovered_appsets,
    discovered_branches,
    discovered_charts,
    discovered_clusters,
    discovered_fields,
    discovered_images,
    discovered_kargo,
    discovered_order,
    discovered_policies,
    discovered_rendering,
    discovered_renders,
    discovered_roots,
    discovered_scripts,
    discovered_shapes,
    discovered_undeployed,
    discovered_values,
    pushed_artifacts,
    script_argocd,
    script_commands,
    unread_appsets,
)
from gitops_bot.engine.candidates import FoundEnvironment, RenderPath, safe_name
from gitops_bot.engine.discovered_charts import FoundChart
from gitops_bot.engine.discovered_images import FoundImage, ImageNames
from gitops_bot.engine.promotion_order import kind_of, rank_of, same
from gitops_bot.engine.repository_files import RepoFiles, as_map
from gitops_bot.manifests import argocd_apps, charts_argocd, images, workloads
from gitops_bot.policy.guess import guess
from gitops_bot.render import reader
from gitops_bot.render.deployers import repo_key
from gitops_bot.render.settings import RenderSettings
from gitops_bot.render.walk import NoteKind


@record
class Discovery:
    environments: tuple[FoundEnvironment, ...]
    images: tuple[FoundImage, ...]
    order_source: str  # "kargo" | "gitops-promoter" | "names" | ""
    notes: tuple[str, ...]  # what was seen but not read, and why
    readings: Mapping[str, EnvironmentReading] = field(default_factory=dict)
    questions: tuple[str, ...] = ()  # what the repository leaves open and init did not guess
    charts: tuple[FoundChart, ...] = ()  # the Helm charts the environments pin
    # why the environments are a guess: the repository holds no object saying what deploys it,
    # so they are its overlays and values files by their names and shapes ("" when it does)
    by_shape: str = ""
    # the places of versions found that init cannot configure (a line of notes says each)
    unreleased: tuple[str, ...] = ()


def discover(
    root: Path,
    *,
    base: str | None = None,
    has_branch: Callable[[str], bool] | None = None,
    origin: str | None = None,
) -> Discovery:
    """What ``root`` holds. ``base``: the branch checked out (an Application tracking it renders
    these files); ``has_branch``: whether the clone holds a branch an environment is rendered
    from (then read there), None to write no ``branch:``; ``origin``: the checkout's remote URL,
    this repository as an Application names it (None: not known)."""
    repo = RepoFiles(root)
    repo.origin = repo_key(origin) if origin else None
    # where the repository defines what deploys it, an overlay none of its objects renders is
    # no environment: its images: entries would read as pins no cluster runs
    deployments = deployers.deployments(repo)
    overlays = candidates.overlays(repo, deployments.dirs if deployments is not None else ())
    covered = {c.path for c in overlays}
    if deployments is not None:
        overlays = deployers.deployed(repo, overlays, deployments)
        covered |= {c.path for c in overlays}
    charts = {str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name == "Chart.yaml"}
    flux = candidates.flux(repo, covered)
    covered |= {c.path for c in flux}
    taken: set[str] = set()
    apps = candidates.applications(repo, covered, charts, taken)
    by_appsets: set[str] = set()
    apps += discovered_appsets.chart_paths(repo, apps, by_appsets)
    if deployments is not None and discovered_roots.app_of_apps(repo):  # what no root deploys, too
        apps = deployers.deployed(repo, apps, deployments)
    overlays = [c for c in overlays if c.path not in by_appsets]  # that environment's, not one of its own
    stages = deployers.appset_stages(repo, covered, taken, [c.name for c in (*overlays, *flux, *apps)])
    deployers.elsewhere(repo)
    scripts = script_commands.read(repo)
    repo.notes += [*discovered_scripts.terraform(repo), *discovered_scripts.carvel(repo)]
    repo.notes += discovered_scripts.json_manifests(repo)
    repo.notes += discovered_scripts.scripted_charts(scripts)
    repo.notes += discovered_scripts.unnamed_paths(scripts)
    # a script creating Applications over another repository: where to run init, said first
    repo.notes[:0] = script_argocd.said(scripts.elsewhere, deployers.ELSEWHERE)
    values = candidates.values_files(repo, {c.path for c in apps} | taken, discovered_appsets.charts(repo))
    values = discovered_appsets.undeployed_values(repo, values, taken)
    grouped: dict[str, list[RenderPath]] = {}
    # a Kargo Stage names what its promotion writes: that path is its environment, by its name
    kargo = discovered_kargo.stages(repo)
    written = {c.path for c in kargo}
    roots = discovered_roots.hand_roots(repo)
    values = [c for c in values if c.path not in {r.path for r in roots}]  # a root's, said as one
    found_by = (*overlays, *flux, *apps, *stages, *values, *roots)
    listed = [*kargo, *(c for c in found_by if c.path not in written)]
    listed += deployers.beside_examples(repo, listed)
    # what the repository's own scripts apply is deployed, whatever its deploy objects say
    listed = discovered_scripts.wrapped(repo, listed, scripts)
    scripted = discovered_scripts.environments(repo, listed, scripts)
    applied = {f"{c.path}: " for c in scripted}
    repo.notes[:] = [n for n in repo.notes if not n.startswith(tuple(applied)) or "deploys it" not in n]
    shaped = (
        [*listed, *scripted]
        or discovered_appsets.directories(repo)
        or discovered_shapes.root_manifests(repo)
        or deployers.flux_releases(repo, deployers.deployer_files(repo))
        # workloads below the root, where no deploy object says what deploys
        or ([] if deployers.holds_deployers(repo) else _by_shape(repo))
    )
    # one Argo CD deploying all to its own cluster is one environment, not its app folders
    shaped = discovered_roots.one_cluster(repo, shaped)
    rooted = deployments is not None and deployments.rooted
    shaped = discovered_roots.examples(repo, discovered_roots.applied_by_hand(repo, shaped, rooted))
    shaped = discovered_scripts.local_loops(repo, discovered_branches.promoted(repo, shaped), scripts)
    shaped = discovered_scripts.test_clusters(repo, shaped, scripts, deployers.holds_deployers(repo))
    # a Flux cluster is an environment, the namespaces its Kustomizations deploy are not
    shaped, by_cluster = discovered_clusters.flux_clusters(repo, shaped)
    for c in shaped:
        # one environment under two spellings (an overlay's production, an Application's prod)
        # is one: the first spelling found names it
        name = next((n for n in grouped if same(n, c.name)), c.name)
        grouped.setdefault(name, [])
        if c.path not in {g.path for g in grouped[name]}:
            grouped[name].append(c)
    names = sorted(grouped, key=lambda n: (rank_of(n) if rank_of(n) is not None else 99, n))
    questions: list[str] = []
    envs = [
        FoundEnvironment(
            n,
            tuple(c.path for c in grouped[n]),
            tuple(c.how for c in grouped[n]),
            cluster=next((c.guess for c in grouped[n] if c.guess), ""),
        )
        for n in names
    ]
    envs = discovered_branches.on_branches(repo, envs, base, has_branch, questions)
    # the images: what the environments' rendered files name, then their places read
    found = ImageNames()
    sources = [reader.Source(e.name, e.paths, ()) for e in envs]
    rendered: dict[str, list[str]] = {}
    # what each renders, from this checkout's files (an environment on another branch too: its
    # images and tags are guessed from here, the plan then reads its branch)
    # an app of apps' chart is rendered with the tools the plan renders it with (helm on PATH),
    # so the Applications it yields are followed here as there, the images they reach listed
    plain = reader.Reader(repo.tree, repo.root, (), repo.root, render=RenderSettings())
    # a remote resource or patch (its URL, what it is) -> the environments naming it
    remote: dict[tuple[str, str], dict[str, None]] = {}
    for s in sources:
        try:
            walk = plain.environment(s)
        except GitOpsBotError as e:
            repo.notes.append(f"environment {s.name}: {e}")
            rendered[s.name] = []
            continue
        rendered[s.name] = list(walk.files)
        for note in walk.notes:
            if note.kind is NoteKind.REMOTE:
                # an environment of two paths over one remote base is named once
                remote.setdefault((note.file, note.why.replace(", not followed", "")), {})[s.name] = None
    envs = discovered_roots.inside_roots(repo, envs, rendered)
    sources = [s for s in sources if s.name in {e.name for e in envs}]
    for (url, what), naming in remote.items():
        # what a remote base renders is not read: the images it names, and which images:
        # entry of the environments applies to them, are not known here
        release = _release(url)
        at = f" at its release {release}" if release else ""
        # a project's release (argo-cd/v3.3.9/manifests/install.yaml) pins its images together:
        # vendored, they would be released one by one, apart from the release
        advice = (
            f"the bot releases images and charts, not a URL's version: change {release} in the URL by "
            "hand to upgrade what it installs"
            if release
            else "vendor it into the repository to have it read"
        )
        repo.notes.append(
            f"{url}: {what} of {', '.join(naming)}{at}: not read (the images it names are "
            f"not found, and an images: entry over it may apply to none of them); {advice}"
        )
    every = list(dict.fromkeys(f for fs in rendered.values() for f in fs))
    discovered_images.rendered_images(repo, every, found)
    renamed = {s.name: discovered_images.new_names(repo, rendered[s.name]) for s in sources}
    discovered_images.chart_images(repo, found)
    discovered_undeployed.charts(repo, envs, rendered)
    discovered_values.values_blocks(repo, every, found)
    image_policies = [*discovered_policies.flux_policies(repo), *discovered_policies.updater_policies(repo)]
    scans = {p.name: (p.image, p.image_at) for p in image_policies if p.image}
    discovered_images.marked_images(repo, every, found, scans)
    repo.notes += found.substituted_notes()
    shared = discovered_images.shared_names(repo, [(e.name, e.paths) for e in envs], found)
    discovered_images.drop(found, shared)
    built = _cluster_built(repo, found.found, renamed, every)
    repo.notes += built.values()
    discovered_images.drop(found, built)
    # said on each image it became, not as a file not read: both are configured
    collided = {r: said for said, repos in shared.values() for r in repos}
    pulled = {n: found.marked.get(n, n) for n in found.found}  # a Flux setter's name: its repository
    specs = [
        images.ImageSpec(n, workloads.repository_key(r), dict(found.found[n])) for n, r in pulled.items()
    ]
    names_ = tuple(found.found)
    readings: dict[str, EnvironmentReading] = {}
    unread: list[str] = []  # environments whose reading failed: their images' tags not read
    if specs and envs:
        full = reader.Reader(repo.tree, repo.root, specs, repo.root, render=RenderSettings())
        try:
            readings = full.read([reader.Source(e.name, e.paths, names_) for e in envs])
        except GitOpsBotError:
            # one environment's bad file is that environment's: the others are read alone
            for env in envs:
                try:
                    readings.update(full.read([reader.Source(env.name, env.paths, names_)]))
                except GitOpsBotError as err:
                    repo.notes.append(f"reading environment {env.name}: {err}")
                    unread.append(env.name)
    envs = discovered_rendering.rendering(repo, envs, readings, {r.path for r in roots}, rendered)
    envs, clusters = discovered_clusters.per_cluster(envs, readings, repo)
    envs, joined = discovered_clusters.one_release(repo, envs, readings, rendered)
    if clusters or joined:
        readings = discovered_clusters.split_readings(
            repo, envs, clusters, specs, names_, readings, rendered, renamed, plain
        )
    envs, order_source = discovered_order.ordered(repo, envs, questions, readings)
    envs = discovered_clusters.cluster_order(envs, {**by_cluster, **clusters}, questions)
    envs = discovered_clusters.said_once(repo, envs)
    readings = {e.name: readings[e.name] for e in envs if e.name in readings}
    readings, unrendered, never = discovered_renders.helm_judged(repo.root, envs, readings, repo.notes)
    out_images = []
    # (tool, files) -> the images pinned there only: one line each, no entry
    generated: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for n in names_:
        tags: list[str] = []
        where: list[str] = []
        defaulted: list[str] = []  # empty Helm tags whose chart's default this repository lacks
        packed = ""  # the step setting that default (the appVersion) as it packages the chart
        refused: list[str] = []  # environments whose tool refuses to render them, said
        unsure = False
        for env_name, r in readings.items():
            ir = r.image(n)
            if ir is None or ir.status is PinStatus.NOT_RENDERED:
                continue
            # its tool builds none of it (a unit holding a file the bot could not read it builds)
            if r.refused or any(ir.reason == why and why not in r.unread_scoped for why, *_ in r.scoped):
                why, fix = r.refused[0] if r.refused else (ir.reason, ir.fix)
                refused.append(f"not counted as rendered by {env_name}: {why} (fix: {fix})")
                continue
            where.append(env_name)
            # its unit holds a file not read: what it pins there is not known
            unsure = unsure or (ir.reason in r.unread_scoped and not any(p.tag or p.digest for p in ir.pins))
            # the versions the environment renders; where none wins (a form the tool refuses),
            # every version written for it
            for p in [p for p in ir.pins if p.effective] or list(ir.pins):
                # an empty tag (read as none) is helm's empty value: the template's default runs
                empty = not p.tag and not p.digest and p.kind is PinKind.HELM
                default = empty and discovered_images.chart_default(repo, p.file)
                if default and (packing := discovered_scripts.packaged(scripts, p.file)) is not None:
                    # the appVersion a workflow sets as it packages each release: a tag written
                    # into the values would be packaged into every later version in its place
                    default, packed = None, f"{packing.file}:{packing.line} ({packing.command})"
                tags.append(default or p.tag or "")
                if empty and not default:
                    defaulted.append(p.place)
        each = [r.image(n) for r in readings.values()]
        if readings and not any(ir is not None and ir.status is not PinStatus.NOT_RENDERED for ir in each):
            if n in unrendered:  # the rules read it, helm renders it nowhere: said, not configured
                place, judged = unrendered[n]
                repo.notes.append(
                    f"{place}: {n}: not rendered: helm template of {', '.join(judged)} renders nothing "
                    f"naming it ({discovered_renders.SWITCHED_OFF}); not configured"
                )
            continue  # named somewhere the environments do not render: not theirs
        if where and set(where) <= set(never.get(n, {})):
            # the node's own copy runs (minikube docker-env, kind load): no registry's tag is
            # what runs, and the first plan would refuse the entry
            runs = "; ".join(f"{e}: {w}" for e, w in never[n].items())
            repo.notes.append(
                f"{n}: never pulled ({runs} runs it with imagePullPolicy: Never): not configured; "
                "push it to a registry and set imagePullPolicy: IfNotPresent to have it released"
            )
            continue
        if (per_env := discovered_policies.built_per_environment(n, readings)) is not None:
            repo.notes.append(per_env)
            continue
        if tags and all("${" in t for t in tags):
            # a variable Flux substitutes at apply (postBuild) that no file read here defines:
            # its text is no version, and a guess from it would write a literal over it
            shown = ", ".join(dict.fromkeys(tags))
            repo.notes.append(
                f"{n}: pinned as {shown}, a variable Flux substitutes (postBuild) that no file the "
                "environments render defines: not configured; define it in the substitution's "
                "ConfigMap in the repository (postBuild.substituteFrom), or write the tag in the manifest"
            )
            continue
        rendered_by = {e.name: e.paths for e in envs if e.name in where}
        if (local := discovered_scripts.not_released(scripts, n, rendered_by)) is not None:
            repo.notes.append(local)
            continue
        if defaulted and not any(tags) and packed:
            repo.notes.append(
                f"{', '.join(dict.fromkeys(defaulted))}: {n}: the tag is left empty, so the chart's "
                f"appVersion runs, which {packed} sets as it packages the chart: no pin to write into "
                "the values (every version packaged after would carry it); not configured: release "
                "the packaged chart's version where it is installed"
            )
            continue
        if defaulted and not any(tags):
            # what runs is the chart's own choice (its appVersion), which no file here tells: a
            # guess of latest's digest would propose moving it to whatever latest is
            repo.notes.append(
                f"{', '.join(dict.fromkeys(defaulted))}: {n}: the tag is left empty, so the chart's "
                "templates choose the version that runs (commonly its appVersion), which no file here "
                "tells; not configured: release the chart under charts:, or write the tag in the "
                "values to have the image released"
            )
            continue
        if (left := discovered_images.generated_only(repo, n, readings)) is not None:
            generated.setdefault(left, []).append(n)
            continue
        pulls = [(e, renamed.get(e, {})) for e in where]
        if (apart := discovered_images.pulled_per_environment(n, pulls)) is not None:
            repo.notes.append(apart)
            continue
        repository, elsewhere = discovered_images.pulled_from(n, pulls)
        if not repository and n not in found.marked and (edit := discovered_scripts.placeholder(scripts, n)):
            repo.notes.append(edit)
            continue
        repository_how = "kustomize newName, what is pulled" if repository else ""
        if repository and (
            (named := WrittenRef.split(repository)).tag is not None or named.digest is not None
        ):
            # kustomize appends the entry's tag to it (web:latest:latest), which no registry
            # serves: the entry is the repository's to fix, and init's own config would refuse it
            repo.notes.append(
                f"{n}: an images: entry renames it to {repository}, a name carrying a tag or digest, "
                f"which kustomize renders with the entry's tag after it (no valid reference): not "
                f"configured; write newName: {named.name} and the tag as newTag"
            )
            continue
        if not repository and n in found.marked:
            repository = found.marked[n]
            at = found.marked_at[n]
            repository_how = f"written where the Flux setter {n} marks it ({at}), what is pulled"
            if n in found.scanned_at:  # a tag marked alone: the repository its policy's tags come from
                repository_how = (
                    f"scanned by the Flux ImageRepository at {found.scanned_at[n]}, whose tags Flux writes "
                    f"where the setter {n} marks the tag ({at})"
                )
        if (unread or refused or unsure) and not any(tags) and found.written.get(n):
            # its environments' readings failed or their tools refuse them: guessed from the tags
            # its files write, never from none (which would follow latest's digest over a 5.7)
            tags = list(dict.fromkeys(found.written[n]))
        if (unread or unsure) and not any(tags):
            # no file writes its tag and the environment that would say what runs was not read:
            # a guess of latest's digest would propose moving it off whatever version runs
            why = f"{', '.join(unread)} could not be read" if unread else "what renders it is not read whole"
            repo.notes.append(
                f"{n}: its tag is read in no environment ({why}: see above) and no file here writes "
                "one: not configured; fix what stops the reading and run init again"
            )
            continue
        policy, policy_how, said = discovered_policies.taken(
            image_policies, n, repository or n, guess(tags, repository or n)
        )
        policy, unplaced = discovered_images.digest_place(found, n, tags, policy, readings)
        if unplaced is not None and not policy_how:  # a guess the first plan would refuse
            repo.notes.append(unplaced)
            continue
        ref = WrittenRef.split(repository or n)
        host = ref.location.split("/", 1)[0] if ref.location else "docker.io"
        host = "docker.io" if host == "registry-1.docker.io" else host  # as people name Docker Hub
        out_images.append(
            FoundImage(
                n,
                host,
                found.found[n],
                policy,
                tuple(where),
                tuple(tags),
                found.how[n],
                repository,
                repository_how,
                elsewhere,
                (
                    *refused,
                    *discovered_images.generated_notes(repo, n, readings),
                    *said,
                    *discovered_scripts.other_writers(scripts, _pinned_in(readings, n)),
                    *filter(None, [collided.get(n)]),
                    *found.also_notes(n),
                ),
                policy_how,
                discovered_images.helm_said(n, readings) if found.found[n] else discovered_images.HELM_FOUND,
            )
        )
    repo.notes += [discovered_images.generated_left_out(t, fs, ns) for (t, fs), ns in generated.items()]
    repo.notes += discovered_fields.unread_fields(repo, set(every))
    repo.notes += discovered_fields.lone_tags(repo, every)
    repo.notes += discovered_fields.k3s_charts(repo, {f for fs in rendered.values() for f in fs})
    repo.notes += pushed_artifacts.capped_workflows(repo)
    repo.notes += discovered_fields.values_in_config_maps(repo, every)
    repo.notes += discovered_fields.unrendered_workloads(repo, set(every))
    found_charts = _charts(repo, envs, rendered, [i.name for i in out_images])
    return Discovery(
        tuple(envs),
        tuple(out_images),
        order_source,
        (*repo.notes, *unread_appsets.notes(repo, every), *repo.template_notes()),
        readings,
        tuple(questions),
        tuple(found_charts),
        "" if deployers.holds_deployers(repo) else BY_SHAPE,
        tuple(repo.unreleased),
    )


def _pinned_in(readings: Mapping[str, EnvironmentReading], name: str) -> set[str]:
    """The files the environments pin the image ``name`` in."""
    return {p.file for r in readings.values() if (ir := r.image(name)) is not None for p in ir.pins}


def _by_shape(repo: RepoFiles) -> list[RenderPath]:
    """Where no object says what deploys: the plain directories and kustomizations that render
    a workload, and the charts nothing holds, each rendered with its own values."""
    plain = discovered_shapes.plain_directories(repo)
    return [*plain, *discovered_shapes.lone_charts(repo, named=bool(plain))]


BY_SHAPE = (
    "no Argo CD, Flux or Kargo object in the repository says what deploys it: these environments "
    "are its overlays, values files and manifest directories, found by their names and shapes; remove "
    "any nothing deploys"
)


def _charts(
    repo: RepoFiles,
    envs: Sequence[FoundEnvironment],
    rendered: Mapping[str, Sequence[str]],
    images: Sequence[str],
) -> list[FoundChart]:
    """The charts the environments pin, from the files each renders; what cannot be configured
    is a note."""
    found, notes = discovered_charts.find(
        repo.text, repo.docs, {e.name: rendered.get(e.name, ()) for e in envs}, images
    )
    # an ApplicationSet an environment renders is read there: its charts are not "not read"
    # (those it could not read still are)
    read = {
        n
        for f in dict.fromkeys(f for e in envs for f in rendered.get(e.name, ()))
        if argocd_apps.is_appset(text := repo.text(f) or "")
        for n in discovered_appset_charts.read_charts(text, f)
    }
    repo.notes[:] = [n for n in repo.notes if n not in read]
    repo.notes.extend(notes)
    return found


def draft(root: Path, found: Discovery) -> tuple[Discovery, list[str]] | None:
    """A draft configuration where no environment was found but ApplicationSets render charts at
    versions written in this repository: one environment over the files writing them, the charts
    with guessed policies (the not-read lines as its comments), and which lines set a version for
    several destinations at once. (it, those lines) or None when there is no chart."""
    repo = RepoFiles(root)
    files: list[str] = []
    shared: list[str] = []
    for f in repo.yaml_files():
        if repo.under_tests(f):  # a test's ApplicationSets (a converter's testdata) deploy nothing
            continue
        text = repo.text(f) or ""
        if not argocd_apps.is_appset(text):
            continue
        try:
            if not any(not c.why for c in charts_argocd.generated_charts(text, f)):
                continue
            readers = charts_argocd.version_readers(text, f)
        except GitOpsBotError:
            continue
        files.append(f)
        shared += [
            f"{f}:{line} sets the version for {', '.join(to)}: configure them as one environment"
            for line, to in sorted(readers.items())
            if len(to) > 1
        ]
    if not files:
        return None
    names = [i.name for i in found.images]
    # one environment per directory: ApplicationSets of unrelated directories (a repository of
    # independent demos) are not released together; files side by side are one deployment's
    by_dir: dict[str, list[str]] = {}
    for f in files:
        by_dir.setdefault(PurePosixPath(f).parent.as_posix(), []).append(f)
    groups: dict[str, list[str]] = {}
    for d, fs in by_dir.items():
        name = "all" if len(by_dir) == 1 else safe_name(d.replace("/", "-"))
        while name in groups:
            name += "-2"
        groups[name] = fs
    charts, notes = discovered_charts.find(repo.text, repo.docs, groups, names)
    if not charts:
        return None
    pinning = {e for c in charts for e in c.environments}
    envs = tuple(
        FoundEnvironment(
            n,
            tuple(fs),
            tuple(f"Argo CD ApplicationSet file {f}: the chart versions its Applications read" for f in fs),
        )
        for n, fs in groups.items()
        if n in pinning
    )
    said = {n for f in files for n in discovered_appset_charts.read_charts(repo.text(f) or "", f)}
    rest = [n for n in found.notes if n not in said]
    return Discovery(envs, (), "", (*rest, *notes), charts=tuple(charts)), shared


# a path segment or ?ref= naming a project's release (v3.3.9, 1.12.1, v1.8.2-rc.1)
_RELEASE = re.compile(r"v?\d+\.\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?")


def _release(url: str) -> str:
    """The release a remote resource's URL is pinned at ("" for a branch or none)."""
    parts = urllib.parse.urlsplit(url)
    refs = urllib.parse.parse_qs(parts.query).get("ref", []) + parts.path.split("/")
    return next((r for r in refs if _RELEASE.fullmatch(r)), "")


# a Service's address (OpenShift's image-registry.openshift-image-registry.svc:5000): a registry
# inside the cluster, which no machine outside it resolves
_IN_CLUSTER = re.compile(r"[^/]+\.svc(?:\.cluster\.local)?(?::\d+)?/")


def _cluster_built(
    repo: RepoFiles, names: Iterable[str], renamed: Mapping[str, Mapping[str, str]], files: Sequence[str]
) -> dict[str, str]:
    """The images an OpenShift BuildConfig the environments render builds into an ImageStreamTag,
    pulled from the cluster's own registry or by the stream's name (each environment's kustomize
    newName, else as written): no registry outside the cluster holds them, and the cluster's
    builds move their tag, so each is said, not configured (name -> what is said)."""
    outputs: dict[str, tuple[str, str, str]] = {}  # stream -> (BuildConfig, file, ImageStreamTag)
    for f in files:
        for doc in repo.docs(f) if "BuildConfig" in (repo.text(f) or "") else ():
            to = as_map(as_map(as_map(doc.get("spec")).get("output")).get("to"))
            if kind_of(doc)[1] == "BuildConfig" and to.get("kind") == "ImageStreamTag":
                tag = str(to.get("name") or "")
                outputs.setdefault(tag.split(":")[0], (str(as_map(doc.get("metadata")).get("name")), f, tag))
    out: dict[str, str] = {}
    for name in names if outputs else ():
        pulled = sorted({r[name] for r in renamed.values() if name in r} or {name})
        if any("/" in p and not _IN_CLUSTER.match(p) for p in pulled):
            continue  # pulled from a registry (CI pushes it): what runs is that registry's
        if (build := outputs.get(pulled[0].rsplit("/", 1)[-1])) is not None:
            out[name] = (
                f"{name}: built in the cluster by BuildConfig {build[0]} ({build[1]}) into ImageStreamTag "
                f"{build[2]}, pulled from {', '.join(pulled)}: no registry outside the cluster holds it, "
                "and the cluster's builds move its tag: not configured; to release it from git, have CI "
                "push it to a registry and pull it from there"
            )
    return out
