"""``gitops-bot init``: the configuration of a repository, found from its files alone
(:mod:`gitops_bot.engine.discovery`), loaded by the one config reader, then its first plan by
the plan's own code path and output.

Read-only unless asked: it prints the commented ``gitops-bot.yaml``; ``--write`` writes it (never
over one that exists); ``--registry`` asks the registries whether each guessed policy finds tags
and which it would choose (without it, no request leaves the machine: the plan says each image's
registry was not asked)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath

from gitops_bot import config as config_mod
from gitops_bot.commands.init_registries import NoRegistries, ReachedRegistries, chart_host
from gitops_bot.config import config_in_repo
from gitops_bot.config.settings import ImageConfig
from gitops_bot.core import files
from gitops_bot.core.errors import GitOpsBotError, ServiceUnavailable, UsageError
from gitops_bot.core.extras import install_hint
from gitops_bot.core.model import ImageMetadata, Plan
from gitops_bot.core.record import record
from gitops_bot.engine import (
    decisions,
    discovered_charts,
    discovered_images,
    discovery,
    fanout,
    init_branches,
    init_config,
    onboarding,
)
from gitops_bot.engine import plan as engine_plan
from gitops_bot.engine.app import App
from gitops_bot.engine.candidates import FoundEnvironment
from gitops_bot.engine.deployers import ELSEWHERE
from gitops_bot.engine.repository_files import RepoFiles
from gitops_bot.git import gitcli, store
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.output import onboarding as onboarding_body
from gitops_bot.output.result import Format, Initialized, Planned, Result
from gitops_bot.policy import Policy, guess, moving_word
from gitops_bot.registry import cloud
from gitops_bot.registry.pool import RegistryPool

DEFAULT_NAME = "gitops-bot.yaml"


@record(kw_only=True)
class Request:
    repo: str = "."
    config: str | None = None  # where the configuration goes, relative to the repository root
    write: bool = False
    registry: bool = False
    pull_request: bool = False
    base: str | None = None
    dry_run: bool = False
    forge: str | None = None
    api_url: str | None = None
    forge_repository: str | None = None
    output: str = "text"


@record
class FoundConfig:
    """A repository's configuration, found and loaded, and its first plan."""

    text: str
    config: config_mod.Config
    discovery: discovery.Discovery
    plan: Plan
    checks: tuple[str, ...]
    notes: tuple[str, ...]
    unreachable: tuple[str, ...] = ()  # the errors of the registries --registry could not reach
    failed: GitOpsBotError | None = None  # why the first plan could not be made (its note says it)
    unlikely: tuple[str, ...] = ()  # notes for a less likely case, said after the plan (Initialized)


def run(request: Request) -> Result:
    fmt = Format(request.output)
    if request.pull_request:
        return _onboard(request, fmt)
    repo = Path(request.repo)
    if not repo.is_dir():
        raise UsageError(
            f"--repo {repo} is not a directory", hint="give a local clone of the GitOps repository"
        )
    rel = config_in_repo(request.repo, request.config, is_url=False) or DEFAULT_NAME
    target = files.inside(repo, repo / rel)
    drafts: list[str] = []
    try:
        found = find(repo, target, registry=request.registry, drafts=drafts)
    except UsageError as e:
        if not drafts:
            raise
        # no environment, but charts whose versions are written here: the draft is printed, not
        # written (a person names the environment), and the error line stays one short line
        init = Initialized(drafts[0], None, (), (), error=f"gitops-bot: error: {e}", draft=True)
        return Result("init", Planned(Plan(()), init=init), e.exit_code, format=fmt)
    written = None
    if request.write:
        existing = [p for p in (target, *(repo / n for n in config_mod.CONFIG_NAMES)) if p.exists()]
        if existing:
            raise UsageError(
                f"{existing[0]} exists: init writes a configuration only where there is none",
                hint="move it aside to write a new one, or run init without --write to print it",
            )
        files.write_atomic(target, found.text)
        written = str(target)
    error = _unreachable_line(found.unreachable)
    code = ServiceUnavailable.exit_code if error else 0
    if error is None and found.failed is not None:
        # the configuration is printed (and written), but a first plan that failed is the
        # command failing, with that plan's own code: a script must not read it as done
        error = f"gitops-bot: error: the first plan under it failed: {_one_line(str(found.failed))}"
        code = found.failed.exit_code
    return Result(
        "init",
        Planned(
            found.plan,
            init=Initialized(
                found.text, written, found.checks, found.notes, error=error, unlikely=found.unlikely
            ),
        ),
        code,
        format=fmt,
    )


def _unreachable_line(errors: Sequence[str]) -> str | None:
    """The one error line of the registries ``--registry`` could not reach: the first one's
    words (what to check), the others named."""
    if not errors:
        return None
    more = [_named(e) for e in errors[1:]]
    also = f" (also not reached: {', '.join(more)})" if more else ""
    return f"gitops-bot: error: {_one_line(errors[0])}{also}"


def _named(error: str) -> str:
    """What an error line says was not reached, by its host: ``registry ghcr.io unreachable``,
    ``chart repository charts.jetstack.io unreachable`` (a chart repository's error names its
    index's URL, whose scheme is no host)."""
    head = error.split(": ", 1)[0]
    if head.startswith("chart repository "):
        url, _, rest = head.removeprefix("chart repository ").partition(" ")
        return f"chart repository {chart_host(url)}" + (f" {rest}" if rest else "")
    return head


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _onboard(request: Request, fmt: Format) -> Result:
    """``--pull-request``: the configuration found on the remote's base, proposed as the
    onboarding pull request (:mod:`gitops_bot.engine.onboarding`)."""
    found: list[FoundConfig] = []
    done = onboard(request, found)
    if not found:  # configured already: nothing was found, nothing planned
        return Result("init", Planned(Plan(()), init=Initialized("", None, (), (), done.said)), format=fmt)
    one = found[0]
    init = Initialized(one.text, None, one.checks, one.notes, done.said, unlikely=one.unlikely)
    return Result("init", Planned(one.plan, init=init), format=fmt)


PUBLIC_GITHUB_API = "https://api.github.com"


def forge_of(environ: Mapping[str, str]) -> dict[str, str]:
    """The forge options an automatic onboarding takes from its environment (the Action's,
    or watch's): a GitHub Enterprise server (``GITHUB_API_URL``) and the repository
    (``GITHUB_REPOSITORY``), written into the proposed configuration; none for github.com."""
    api = environ.get("GITHUB_API_URL", "").rstrip("/")
    if not api or api == PUBLIC_GITHUB_API:
        return {}
    found = {"forge": "github", "api_url": api}
    if environ.get("GITHUB_REPOSITORY"):
        found["forge_repository"] = environ["GITHUB_REPOSITORY"]
    return found


def onboard(
    request: Request, found: list[FoundConfig] | None = None, environ: Mapping[str, str] | None = None
) -> onboarding.Onboarded:
    """The onboarding pull request of ``request.repo`` (``init --pull-request``, and ``watch``
    on a repository without a configuration); what was found is appended to ``found``."""
    rel = config_in_repo(request.repo, request.config, is_url=True) or DEFAULT_NAME
    kept = [] if found is None else found

    def make(root: Path) -> onboarding.Proposal:
        one = find(root, root / rel, registry=request.registry, forge=request)
        kept.append(one)
        return onboarding.Proposal(one.text, body(one))

    return onboarding.propose(
        request.repo, rel, make, base=request.base, dry_run=request.dry_run, environ=environ
    )


def body(found: FoundConfig) -> str:
    """The onboarding pull request's body (:mod:`gitops_bot.output.onboarding`)."""
    return onboarding_body.body(found.text, found.plan, (*found.notes, *found.unlikely))


def _nothing_found(repo: Path, notes: Sequence[str]) -> UsageError:
    """No environment: everything seen and not read (Applications deploying another repository
    first), on the one line, with the next step: a count of the rest would hide the one that
    holds the environments (a manifest too large, a file that is not YAML). Another branch of
    the clone holding deploy files (an application repository's ``config`` branch) is named,
    with the switch to it, before any advice to write the configuration by hand."""
    seen = f"; not read: {'; '.join(notes)}" if notes else ""
    elsewhere = init_branches.line(repo)
    if elsewhere is not None:
        said, branch = elsewhere
        return UsageError(
            f"found no environment in {repo}: no Kustomize overlay, per-environment values file, "
            f"Argo CD Application or Flux Kustomization renders this repository's files; {said}{seen}",
            hint=f"git switch {branch} and run gitops-bot init --repo . again; if each environment "
            "deploys from a branch of its own, write gitops-bot.yaml by hand with branch: on each "
            "environment (docs/guides/your-repository.md, 'Writing it by hand')",
        )
    if not notes and _no_kubernetes_file(repo):
        return UsageError(
            f"found no environment in {repo}: it holds no Kubernetes manifest, Helm chart or "
            "kustomization, so nothing gitops-bot releases",
            hint="run init in the repository that deploys what this one builds or provisions, if any",
        )
    # run init elsewhere only where a line names another repository to run it in
    first = "run init in the repository the line names; else " if any(ELSEWHERE in n for n in notes) else ""
    return UsageError(
        f"found no environment in {repo}: no Kustomize overlay, per-environment values file, "
        f"Argo CD Application or Flux Kustomization renders this repository's files{seen}",
        hint=f"{first}write gitops-bot.yaml by hand (docs/guides/your-repository.md, 'Writing it by hand', "
        "has an example)",
    )


def _no_kubernetes_file(repo: Path) -> bool:
    """Whether ``repo`` holds no Kubernetes object, Helm chart or kustomization at all (Terraform,
    Ansible, an application's code): then there is no configuration to write by hand either."""
    files = RepoFiles(repo)
    if any(PurePosixPath(f).name in ("Chart.yaml", *KUSTOMIZATION_NAMES) for f in files.files):
        return False
    return not any(d.get("kind") and d.get("apiVersion") for f in files.yaml_files() for d in files.docs(f))


def _drafted(
    repo: Path,
    found: discovery.Discovery,
    shared: Sequence[str],
    into: list[str],
    *,
    pinless: Sequence[FoundEnvironment] = (),
) -> UsageError:
    """No environment found (or only ``pinless`` ones, pinning no image or chart), but charts an
    ApplicationSet's Applications read: a draft configuration of them (one environment over the
    files writing their versions) goes into ``into``; the error is one short line, the not-read
    lines being the draft's comments."""
    names = ", ".join(e.name for e in pinless[:4])
    names += f" and {len(pinless) - 4} more" if len(pinless) > 4 else ""
    seen = (
        f"found in {repo} environments {names}, which pin no image or chart,"
        if pinless
        else f"found no environment in {repo},"
    )
    head = [
        *(
            [f"# DRAFT: init found {names}, pinning no image or chart, but the charts below have their"]
            if pinless
            else ["# DRAFT: init found no environment it can name, but the charts below have their"]
        ),
        "# versions written here. Name the environment, check the guesses, save it as",
        "# gitops-bot.yaml and run `gitops-bot plan` (init --write does not write a draft).",
        *(f"# {line}" for line in shared),
    ]
    into.append("\n".join(head) + "\n" + init_config.config_text(found))
    n = len(found.charts)
    return UsageError(
        f"{seen} but {n} chart{'s' if n != 1 else ''} whose versions are "
        "written here: the draft above configures them as "
        + ("one environment" if len(found.environments) < 2 else "one environment per directory"),
        hint="check it and save it as gitops-bot.yaml (the not-read lines are its comments)",
    )


def _nothing_to_release(repo: Path, found: discovery.Discovery) -> UsageError:
    """Environments pinning no image and no chart: a configuration of them would plan nothing
    (plan refuses one, exit 2), so none is offered; what was not read may say where the
    releases are (another branch, another repository)."""
    # each with its path: the hint's "name the images by hand" needs it, and init prints no
    # configuration to read it from
    names = ", ".join(_with_path(e) for e in found.environments[:4])
    more = f" and {len(found.environments) - 4} more" if len(found.environments) > 4 else ""
    # a source this repository's objects read (another branch, another repository) first: it
    # is where the releases may be
    shown = sorted(found.notes, key=lambda n: "reads" not in n and "branch" not in n)
    seen = f"; not read: {'; '.join(shown)}" if shown else ""
    elsewhere = init_branches.pinned_elsewhere(repo)
    if elsewhere is not None:
        said, branch = elsewhere
        return UsageError(
            f"found environments {names}{more} in {repo} but no image or chart they pin: nothing for "
            f"gitops-bot to release here; {said}{seen}",
            hint=f"git switch {branch} and run gitops-bot init --repo . again; if each environment "
            "deploys from a branch of its own, write gitops-bot.yaml by hand with branch: on each "
            "environment (docs/guides/your-repository.md, 'Writing it by hand')",
        )
    if found.unreleased:
        # pins were found, said below with why they are not released: "nothing to release", or
        # "read no pin", would contradict the lines that name them
        n = len(found.unreleased)
        return UsageError(
            f"found environments {names}{more} in {repo}: {n} pin{'s' if n != 1 else ''} found, none "
            f"configured{seen}",
            hint="each part not read says why it is not released and what to change; else "
            "name the images and charts by hand (docs/guides/your-repository.md, 'Writing it by hand')",
        )
    if shown:
        # what was not read may be where they pin (a chart version an ApplicationSet's
        # generator sets): "nothing to release" would tell the user to stop looking
        parts = f"{len(shown)} part{'s' if len(shown) != 1 else ''}"
        return UsageError(
            f"found environments {names}{more} in {repo} but read no image or chart they pin: {parts} "
            f"not read may pin them{seen}",
            hint="run init where the workloads are pinned (a branch or repository named above, if "
            "one is); else name the images by hand (docs/guides/your-repository.md, 'Writing it by hand')",
        )
    # nothing was left unread and no branch holds more: no line above names where to look, but
    # kustomizations that are empty files (a scaffold) end the search at once
    empty = [e.name for e in found.environments if all(_empty_kustomization(repo / p) for p in e.paths)]
    said = f" ({', '.join(empty)}: each kustomization is an empty file)" if empty else ""
    return UsageError(
        f"found environments {names}{more} in {repo} but no image or chart they pin: nothing for "
        f"gitops-bot to release here{said}",
        hint="if the workloads are pinned in another repository, run init there; if they are pinned "
        "here in a form init does not read, name the images by hand (docs/guides/your-repository.md, "
        "'Writing it by hand')",
    )


def _with_path(env: FoundEnvironment) -> str:
    """An environment's name with its first path and how many more (``staging (apps/staging and
    2 more)``)."""
    if not env.paths:
        return env.name
    more = f" and {len(env.paths) - 1} more" if len(env.paths) > 1 else ""
    return f"{env.name} ({env.paths[0]}{more})"


def _empty_kustomization(directory: Path) -> bool:
    """Whether ``directory``'s kustomization file holds nothing (no key, comments at most)."""
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_file():
            text = (directory / name).read_text(encoding="utf-8", errors="replace")
            return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())
    return False


def find(
    repo: Path,
    target: Path,
    *,
    registry: bool,
    forge: Request | None = None,
    drafts: list[str] | None = None,
) -> FoundConfig:
    """Discover, write the text, load it through the config reader (a configuration init could
    not load is its own bug, said as one), and plan under it. ``drafts``: where a draft goes
    when no environment is found but charts are (None: no draft is made)."""
    base = store.checkout_branch(repo)
    found = discovery.discover(
        repo, base=base, has_branch=lambda b: _has_branch(repo, b), origin=store.origin_url(repo)
    )
    if not found.environments:
        drafted = discovery.draft(repo, found) if drafts is not None else None
        if drafted is None or drafts is None:
            raise _nothing_found(repo, found.notes)
        raise _drafted(repo, *drafted, drafts)
    if not found.images and not found.charts:
        # environments pinning nothing (policies, plain manifests) beside charts no found
        # environment renders: the charts' draft, as when no environment is found at all
        drafted = discovery.draft(repo, found) if drafts is not None else None
        if drafted is None or drafts is None:
            raise _nothing_to_release(repo, found)
        raise _drafted(repo, *drafted, drafts, pinless=found.environments)
    text = init_config.config_text(found)
    if forge is not None:
        text = init_config.with_forge(text, forge.forge, forge.api_url, forge.forge_repository)
    cfg = config_mod.parse(text, str(target), path=target)
    pool: RegistryPool = ReachedRegistries(cfg) if registry else NoRegistries(cfg)
    app = App(cfg, pool, root=repo)
    # what init could not tell from the repository is said before the plan, not only in the
    # config's comments (a reader of the output should not have to find it there)
    notes: list[str] = [f"open question: {q}" for q in found.questions]
    # one note of several images (an environment its tool refuses whole) is said once, naming them
    named: dict[str, list[str]] = {}
    for i in found.images:
        for n in i.notes:
            named.setdefault(n, []).append(i.name)
    notes += [f"note: {', '.join(names)}: {n}" for n, names in named.items()]
    needed, if_private = _extras_needed(cfg, pool)
    notes += needed
    checks: tuple[str, ...] = ()
    plan = Plan(())
    failed: list[str] = []
    refused: GitOpsBotError | None = None
    try:
        if isinstance(pool, ReachedRegistries):
            # the registries first: one that cannot be reached is known before the plan asks it
            checks = tuple(_checks(app, found.images, pool.unreachable))
            checks += tuple(discovered_charts.checks(app, found.charts, pool.unreachable))
            failed += pool.unreachable.values()
        try:
            plan = _first_plan(app, pool, failed)
        except UsageError as e:  # no environment pins an image: the reason, and the config still shown
            notes.append(str(e))
            refused = e
    finally:
        app.close()
        pool.close()
    return FoundConfig(
        text, cfg, found, plan, checks, tuple(notes), tuple(dict.fromkeys(failed)), refused, tuple(if_private)
    )


def _extras_needed(cfg: config_mod.Config, pool: RegistryPool) -> tuple[list[str], list[str]]:
    """The extras this installation lacks that the configuration's registries need (as the pool
    reads them: a mirrored one by its mirror's settings), each with the line that installs it:
    said by init, before a plan refuses the registry (an ECR image without botocore is exit 2 on
    the first ``plan``). Those needed only if an image's repository is private (a public
    registry's, read anonymously) apart: most such images are public, so they are said last."""
    out: list[str] = []
    maybe: list[str] = []
    hosts = sorted({img.repository.registry for img in cfg.images})
    for host in hosts:
        login = cloud.cloud_login(pool.registry_config(host))
        if login is None or not login.extra or login.available():
            continue
        names = ", ".join(img.name for img in cfg.images if img.repository.registry == host)
        # a registry that answers anyone (public gcr.io images) needs the library only when the
        # bot would log in: auth: asks it, or this environment shows that cloud's identity
        if login.anonymous_ok and not pool.registry_config(host).auth and not login.present(os.environ):
            maybe.append(
                f"extra needed only if the repository is private: registry {host} ({names}) is read "
                f"anonymously, as a public repository answers; a private one is read with the "
                f"{login.kind} identity, whose library is not installed: {install_hint(login.extra)}"
            )
            continue
        needs = (
            f"is read only with the {login.kind} identity"
            if not login.anonymous_ok or pool.registry_config(host).auth
            else f"would be read with the {login.kind} identity this environment shows (until then "
            "anonymously, which a private repository refuses)"
        )
        out.append(
            f"extra needed: registry {host} ({names}) {needs}, whose library is not installed: "
            f"{install_hint(login.extra)}"
        )
    return out, maybe


def _first_plan(app: App, pool: RegistryPool, failed: list[str]) -> Plan:
    """The plan under the configuration found. A registry or chart repository unreachable in
    the middle of it (``--registry``) is added to ``failed`` and the plan made again asking
    nothing more, so the configuration and what was read are still shown."""
    try:
        return decisions.decided(app, engine_plan.plan(app), os.environ).plan
    except ServiceUnavailable as e:
        if not isinstance(pool, ReachedRegistries):
            raise
        failed.append(str(e))
        pool.off = True
        return decisions.decided(app, engine_plan.plan(app), os.environ).plan


def _has_branch(repo: Path, branch: str) -> bool:
    """Whether the clone holds ``branch`` where the plan reads an environment's branch from
    (``origin/<branch>``, else a local branch of that name)."""
    for ref in (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}"):
        done = gitcli.completed(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=str(repo))
        if done.returncode == 0:
            return True
    return False


def _created(
    app: App, cfg: ImageConfig, policy: Policy, tags: Sequence[str], current: str | None
) -> dict[str, datetime] | None:
    """The created times of the candidate tags, for a policy that orders by them (``newest``),
    read as the plan reads them; None for the other policies."""
    if not policy.needs_created_time:
        return None
    where = cfg.repository
    read = fanout.gather(
        app,
        policy.candidates(tags, current),
        lambda tag: app.registry(where.registry).get_metadata(where.repository, tag, cfg.platform),
        what="reading image metadata",
    )
    return {t: m.created for t, m in read.items() if isinstance(m, ImageMetadata) and m.created}


def _checks(
    app: App, images: Sequence[discovered_images.FoundImage], unreachable: dict[str, str] | None = None
) -> list[str]:
    """Each guessed policy against the tags its registry holds: how many it considers, and the
    tag it would choose over the one pinned today. A registry that cannot be reached goes into
    ``unreachable`` (host -> why) and is not asked again."""
    out = []
    for img in images:
        cfg = app.config.image(img.name)
        if cfg is None:
            continue
        repository = cfg.repository
        try:
            tags = app.registry(repository.registry).list_tags(repository.repository)
        except ServiceUnavailable as e:
            if unreachable is None:
                raise
            unreachable.setdefault(repository.registry, str(e))
            out.append(f"{img.name}: tags not read (registry {repository.registry} not reached)")
            continue
        except GitOpsBotError as e:
            out.append(f"{img.name}: tags not read ({e})")
            continue
        policy = Policy(cfg.policy)
        current = next((t for t in img.tags if t), None)
        try:
            choice = policy.choose(tags, current, _created(app, cfg, policy, tags, current))
        except GitOpsBotError as e:
            out.append(f"{img.name}: {len(tags)} tags; {img.guess.policy} chooses none ({e})")
            continue
        chosen = choice.tag or "no tag"
        # a policy whose only candidate is the pin (a semver range over a hash read as a variant)
        # reads as "all fine" yet never moves: said, since nothing else would
        only = (
            "; matches only the pinned tag: this policy never proposes another build"
            if current is not None and len(tags) > 1 and policy.candidates(tags, current) == [current]
            else ""
        )
        # a pin the guessed policy leaves out (another major) is said, not only the current one
        others = [said for t in sorted(set(img.tags) - {current, ""}) if (said := policy.outside(t))]
        out.append(
            f"{img.name}: {len(tags)} tags; {img.guess.policy} would choose {chosen}"
            f"{f' (pinned today: {current})' if current else ''}"
            f"{f' - {choice.reason}' if choice.reason else ''}{only}"
            + "".join(f"; {said}" for said in others)
            + _contradicted(img, tags, current, choice.tag)
        )
    return out


def _contradicted(
    img: discovered_images.FoundImage, tags: Sequence[str], current: str | None, chosen: str | None
) -> str:
    """What the registry's tags say against the guess made from the pins alone, with what they
    suggest instead: a pin the registry does not list (another repository, a mirror not yet
    filled), or a policy that chooses none of them. "" when they agree."""
    if not tags:
        return ""
    said = []
    pinned = sorted({_bare(t) for t in img.tags if t} - set(tags))
    if pinned:
        said.append(
            f"pinned {', '.join(pinned)} {'is' if len(pinned) == 1 else 'are'} not among the tags the "
            "registry lists: check the image's repository (or its registry's mirror:)"
        )
    if chosen is None:
        # the registry's own newest tags, read as the pins are: the policy they suggest
        suggested = guess.guess([t for t in tags if not moving_word(t)][-20:] or list(tags[-1:]))
        keys = ", ".join(f"{k}: {v}" for k, v in suggested.keys.items())
        why = suggested.why.removeprefix("pinned ")
        said.append(f"the registry's tags contradict the guess; they suggest {keys} (its tags {why})")
    return "".join(f"; {s}" for s in said)


def _bare(tag: str) -> str:
    """A pinned tag without the digest it may carry (``1.2.3@sha256:...``)."""
    return tag.split("@", 1)[0]
