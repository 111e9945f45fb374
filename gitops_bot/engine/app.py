"""One repository's configuration at work: the files each environment's paths stand for, the
images deployed there (:meth:`App.targets`), the holds, the registry pool and the signature
verifier. The use cases (:mod:`gitops_bot.commands`) plan and deliver with it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_bot import config as config_mod
from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core import files, instants
from gitops_bot.core.errors import (
    GitOpsBotError,
)
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import (
    AgeSource,
    Deployed,
    ImageAge,
    ImageRef,
    Verification,
)
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.core.secret import allow_list, may_send
from gitops_bot.engine import ports
from gitops_bot.git.gitlog import Checkout
from gitops_bot.git.store import checkout_branch
from gitops_bot.manifests import charts, images
from gitops_bot.policy import Policy
from gitops_bot.policy.age import trusted
from gitops_bot.registry import pushtime
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.registry.pushtime import Pushed
from gitops_bot.registry.settings import scheme_for
from gitops_bot.release import holds as holds_mod
from gitops_bot.release import intent, ledger, planning
from gitops_bot.render import reader

if TYPE_CHECKING:
    from gitops_bot.registry.credentials import Secrets
    from gitops_bot.registry.pushtime import PushTimes
    from gitops_bot.release.intent import ManualChange
    from gitops_bot.trust.verifier import Verifier

log = get_logger(__name__)
MAX_WORKERS = 256  # plan threads in all, whatever the registries' limits add up to
MANUAL_HISTORY = 20  # releases read back for a person's rollback: one is recent by nature


class App:
    def __init__(
        self,
        config: Config,
        registries: RegistryPool,
        *,
        workers: int | None = None,
        environ: Mapping[str, str] | None = None,
        root: Path | None = None,
        clock: instants.Clock | None = None,
        base: str | None = None,
    ) -> None:
        # the branch the checkout's files are (a session's fetched base, a local checkout's
        # branch): read when git.base names none, for an Application tracking it renders them
        self.base = base
        self.config = config
        # The one clock age rules read (min_age); tests set it instead of sleeping.
        self.clock: instants.Clock = clock or instants.system_clock
        self.root = root or config.root  # the repository: no path read or written leaves it
        self.registries = registries
        self._workers = workers
        self._holds: holds_mod.Holds | None = None
        self._environ = os.environ if environ is None else environ
        self._verifier: Verifier | None = None
        self._lock = threading.Lock()
        self._image_specs: list[images.ImageSpec] | None = None
        self._chart_specs: dict[str, charts.ChartSpec] | None = None
        self._readings: dict[str, EnvironmentReading] | None = None
        self.memo: dict[object, Any] = {}  # what a run reads once (a person's rollbacks per environment)
        self._push_times: PushTimes | None = None

    @property
    def workers(self) -> int:
        """Threads for a plan's registry requests: enough that every registry's own limit
        (``max_concurrency``, requests in flight per host) is what bounds them, not a fixed
        pool. At a real round-trip time the run waits on the network, so a thread a request
        in flight is what keeps the registry's slots full; capped for a config naming many
        registries."""
        if self._workers is None:
            hosts = {img.repository.registry for img in self.config.images}
            hosts |= {c.repository.split("/")[2] for c in self.config.charts}  # a chart repository's host
            slots = sum(self.config.registry(h).max_concurrency for h in hosts)
            self._workers = max(1, min(slots, MAX_WORKERS))
        return self._workers

    @property
    def verifier(self) -> Verifier:
        """Made on first use: a configuration without ``verify:`` never loads the crypto."""
        with self._lock:
            if self._verifier is None:
                # cryptography's signature checks cost ~40 ms to import, a quarter of a
                # one-image plan: only a configuration with verify: loads them
                from gitops_bot.trust.verifier import Verifier

                self._verifier = Verifier(self.config.root, self._environ)
            return self._verifier

    @property
    def holds(self) -> holds_mod.Holds:
        """Images held per environment (``gitops-bot.holds.yaml`` beside the config)."""
        if self._holds is None:
            files.inside(self.root, holds_mod.path_for(self.config.root))
            self._holds = holds_mod.load(self.config.root)
        return self._holds

    def held(self, environment: str) -> Mapping[str, str]:
        """The images held in ``environment``: the holds file's, and each image a person rolled
        back by hand that no hold holds yet (:mod:`gitops_bot.release.intent`): the bot neither
        proposes over it nor rolls back over it, from the run that first sees the rollback."""

        file = self.holds.get(environment, {})
        manual = intent.to_hold(self.manual_changes(environment), file)
        return {**{name: c.reason() for name, c in manual.items()}, **file}

    def manual_changes(self, environment: str) -> dict[str, ManualChange]:
        """Each of ``environment``'s images whose newest change a person made, read once per run
        from the last releases in the checkout's history (none outside a git checkout)."""
        key = ("manual", environment)
        if key not in self.memo:
            self.memo[key] = self._manual_changes(self.config.environment(environment))
        found: dict[str, ManualChange] = self.memo[key]
        return found

    def _manual_changes(self, env: EnvironmentConfig) -> dict[str, ManualChange]:

        try:
            checkout = Checkout(self.root)
            paths = self.repo_paths(env, self.root)
            entries = ledger.read(checkout, "HEAD", paths, self.image_specs(), limit=MANUAL_HISTORY)
        except GitOpsBotError:
            return {}
        policies = {img.name: Policy(img.policy) for img in self.config.images}

        def older(name: str, new: Deployed, old: Deployed) -> bool | None:
            policy = policies.get(name)
            if policy is None or not new.tag or not old.tag or new.tag == old.tag:
                return None
            chosen = policy.choose([old.tag, new.tag], None).tag
            return None if chosen is None else chosen == old.tag

        newest: dict[str, ledger.Entry] = {}
        for entry in entries:
            for name in entry.changed:
                newest.setdefault(name, entry)
        # a trailer whose values do not hash to the release it names: copied (``git commit -C``),
        # re-pinned by a reviewer, or a release written tag-only where the file has no place for
        # its digest; only its commit message's record of the release tells the last apart
        records: dict[str, intent.Values | None] = {}
        committers: dict[str, str] = {}
        try:
            for e in newest.values():
                if e.release is None or e.commit in records or intent.made_by_release(e):
                    continue
                committer, parents = checkout.committed_by(e.commit)
                if parents > 1:  # a merge: its author merged it; its committer is the forge
                    messages = checkout.messages(f"{e.commit}^1..{e.commit}")
                else:  # its author may be copied with its message; who committed it made it
                    messages, committers[e.commit] = checkout.messages(f"{e.commit}^!"), committer
                message = next((m for m in messages if ledger.release_of(m) == e.release), None)
                records[e.commit] = intent.record_of(message, e.release) if message else None
        except GitOpsBotError:
            return {}
        found = intent.manual_changes(entries, older, records, committers)
        if not any(c.back for c in found.values()):
            return found
        held_file = holds_mod.path_for(self.config.root).relative_to(self.root).as_posix()
        try:  # a rollback held once and lifted by unhold is not held again
            placed = {
                k for k, c in found.items() if c.back and checkout.mentions("HEAD", held_file, c.commit[:12])
            }
        except GitOpsBotError:
            return {}
        return {k: c for k, c in found.items() if k not in placed}

    # -- reading overlays --------------------------------------------------------------

    def environments(self, names: Sequence[str] | None) -> list[EnvironmentConfig]:
        if not names:
            return list(self.config.environments)
        return [self.config.environment(n) for n in dict.fromkeys(names)]  # a repeated name once

    def image_specs(self) -> list[images.ImageSpec]:
        """What the overlay readers look for: built once, read for every environment."""
        if self._image_specs is None:
            self._image_specs = [
                images.ImageSpec(img.name, img.repository.location, dict(img.helm))
                for img in self.config.images
            ]
        return self._image_specs

    def readings(self) -> dict[str, EnvironmentReading]:
        """Every environment as its tool renders it (:mod:`gitops_bot.render.reader`): read once
        per run, all environments together (what else renders a place is a question about all
        of them)."""
        with self._lock:
            if self._readings is None:
                self._readings = self.read_tree(reader.DiskTree(self.root))
            return self._readings

    def read_tree(self, tree: reader.Tree) -> dict[str, EnvironmentReading]:
        """Every environment as the one reader reads it from ``tree`` (the disk, or the files
        as a commit had them: the history reads each version so)."""
        sources = [
            reader.Source(
                env.name,
                tuple(env.paths),
                tuple(env.images) if env.images else tuple(i.name for i in self.config.images),
                tuple(a for a in (env.argocd_application, *env.argocd_applications) if a),
            )
            for env in self.config.environments
        ]
        # the base branch read: an Application tracking another renders what this tree is not
        base = self.config.git.base or self.base
        return reader.Reader(tree, self.config.root, self.image_specs(), self.root, base).read(sources)

    def reading(self, env: EnvironmentConfig) -> EnvironmentReading:
        """The environment's reading; an environment the configuration does not list (the
        stopped line's pseudo-environment of ``freeze --all``) renders nothing."""
        found = self.readings().get(env.name)
        return found if found is not None else EnvironmentReading(env.name, (), (), ())

    def files(self, env: EnvironmentConfig) -> list[Path]:
        """The files a release for the environment may edit: what its paths name (a file as
        is, a directory's kustomization, else its YAML files), each file holding an effective
        version that only this environment renders, and its own layer where a release of an
        inherited image goes (:meth:`reading`)."""
        if not env.paths:  # the stopped line's pseudo-environment (freeze --all) renders no files
            return []
        out = [files.inside(self.root, self.config.root / rel) for rel in self.reading(env).writable]
        if self.config.charts:  # an edited Chart.yaml's lock file is edited with it
            out += [
                files.inside(self.root, lock)
                for p in out
                if p.name == "Chart.yaml"
                and (lock := p.with_name("Chart.lock")).is_file()
                and lock not in out
            ]
        return out

    def repo_paths(self, env: EnvironmentConfig, root: Path) -> list[str]:
        """The environment's files relative to the repository root ``root`` (for git)."""
        return [p.relative_to(root).as_posix() for p in self.files(env)]

    def chart_specs(self) -> dict[str, charts.ChartSpec]:
        """What the chart readers look for, by chart name."""

        if self._chart_specs is None:
            self._chart_specs = {c.name: charts.ChartSpec(c.name, c.repository) for c in self.config.charts}
        return self._chart_specs

    def chart_targets(self, env: EnvironmentConfig) -> list[planning.ChartTarget]:
        """The configured charts each pinned in the environment's files (the first site of a
        chart gives its version); a chart the environment lists but no file pins is a target
        without a version."""
        if not self.config.charts:
            return []

        wanted = [c for c in self.config.charts if not env.charts or c.name in env.charts]
        specs = [self.chart_specs()[c.name] for c in wanted]
        texts = {p: files.read_text(p) for p in self.files(env)}
        flux, releases = chart_context(texts)
        found: dict[str, tuple[str, charts.ChartSite]] = {}
        for path, text in texts.items():
            rel_file = path.relative_to(self.config.root).as_posix()
            for site in charts.read(text, rel_file, specs, repositories=flux, releases=releases):
                found.setdefault(site.chart.name, (rel_file, site))
        out = []
        for chart in wanted:
            if chart.name in found:
                file, site = found[chart.name]
                out.append(planning.ChartTarget(env, chart, file, site.version, site.exact))
            elif env.charts:
                out.append(planning.ChartTarget(env, chart, env.paths[0], None))
        return out

    def targets(self, env: EnvironmentConfig) -> list[planning.Target]:
        """The configured images the environment deploys, each with the version it renders
        and the file a release for it edits (its own layer where the version is inherited).
        An image it does not render is a target only when the environment lists it."""
        first_file = self.reading(env).writable[0] if self.reading(env).writable else env.paths[0]
        out = []
        for r in self.reading(env).images:
            image = self.config.image(r.image)
            assert image is not None
            pin = r.effective
            if pin is None:
                if env.images:
                    out.append(planning.Target(env, image, first_file, None, r))
                continue
            if r.status is PinStatus.UNSUPPORTED or not r.writable:  # no place to write: skipped, and why
                out.append(planning.Target(env, image, pin.file, None, r))
                continue
            file = r.would_write.file if r.would_write is not None else pin.file
            deployed = Deployed(r.image, pin.repository, pin.tag, pin.digest)
            out.append(planning.Target(env, image, file, deployed, r))
        return out

    # -- planning ----------------------------------------------------------------------

    # -- signatures -------------------------------------------------------------------

    def prepare_verification(self, envs: Iterable[EnvironmentConfig]) -> None:
        """Load every key and trusted root the environments' policies name, before any request:
        a missing key is one line and exit 2, not an image skipped later."""
        envs = list(envs)
        if not any(img.verify for img in self.config.images) and not any(env.verify for env in envs):
            return  # no policy anywhere: not a million (image, environment) pairs to ask about
        for env in envs:
            for img in self.config.images:
                spec = self.config.verification(img.name, env.name)
                if spec is not None:
                    self.verifier.prepare(spec)

    def registry(self, host: str) -> ports.Registry:
        """The registry port of ``host``: what the use cases list, resolve and read through."""
        return self.registries.client(host)

    def image_age(
        self,
        repository: ImageRef,
        tag: str,
        platform: str | None,
        logged: Callable[[str], datetime | None] | None = None,
    ) -> ImageAge:
        """The age ``min_age`` trusts for ``repository:tag``, from clocks the publisher cannot
        set, best first: the registry's own push time where its API says it
        (:mod:`gitops_bot.registry.pushtime`), else when the transparency log recorded a
        verified keyless signature of the digest (``logged``); the image's creation time only
        making it younger (:func:`gitops_bot.policy.age.trusted`)."""

        image = self.registry(repository.registry).get_age(repository.repository, tag, platform)
        # with a platform, image.digest is the platform's image inside the index, while the
        # registries' APIs name the index the tag points at: asked by tag alone then
        asked = None if platform else image.digest
        found = self.push_times.look(repository.registry, repository.repository, tag, asked)
        if isinstance(found, Pushed):
            return trusted(image, found.at, f"{found.source} push time", self.clock())
        at = logged(image.digest) if logged is not None else None
        if at is not None:
            return trusted(image, at, "Rekor integrated time", self.clock(), AgeSource.TRANSPARENCY_LOG)
        # an API that was asked and did not answer readably: the push time is unknown, not
        # absent, so neither the image's own time nor the forge's decides in its place
        unread = found.why if found.unreadable else ""
        return replace(trusted(image, None, "", self.clock()), unread=unread)

    def logged_at(
        self, env: str, image: planning.ImageSettings, ref: ImageRef, digest: str
    ) -> datetime | None:
        """When the transparency log first recorded a keyless signature of ``digest`` that
        ``env``'s policy accepts (None: no keyless policy there, or none verified)."""
        spec = self.config.verification(image.name, env)
        if spec is None or spec.keyless is None:
            return None
        verdict = self.verify(env, image, ref, digest)
        times = [s.logged_at for s in verdict.signers if s.logged_at is not None] if verdict else []
        return min(times) if times else None

    def close(self) -> None:
        """What the run opened on the way (the push-time APIs' connections); the registry
        pool is its owner's to close."""
        with self._lock:
            times, self._push_times = self._push_times, None
        if times is not None:
            times.close()

    @property
    def push_times(self) -> PushTimes:
        """The registries' push-time APIs, made on first use (only ``min_age`` asks). A token
        goes to an API only at its public address, or where the operator gave the variable."""
        with self._lock:
            if self._push_times is None:
                self._push_times = self._make_push_times()
            return self._push_times

    def _make_push_times(self) -> PushTimes:
        kinds: dict[str, str] = {}
        bases: dict[str, str] = {}  # by registry host: one registry's API address is its own
        named: set[str] = set()  # hosts whose API address this repository's config names
        hosts = {*self.config.registries, *(img.repository.registry for img in self.config.images)}
        for host in sorted(hosts):
            reg = self.config.registry(host)
            if reg.push_time:
                kinds[host] = reg.push_time
            vendor = pushtime.vendors().get(reg.push_time or pushtime.kind_of(host) or "")
            if vendor is None:
                continue
            if reg.push_time_url:
                bases[host] = reg.push_time_url
                named.add(host)
            elif vendor.on_registry:  # Harbor's, ACR's API is the registry's own host
                bases[host] = f"{scheme_for(reg)}://{host}"
        # In a fleet a token goes only to repositories the operator gave it: a repository's
        # config could otherwise name another organization's private packages and learn when
        # they were pushed, or point push_time_url at a server of its own. The registry's own
        # credential (a cloud's workload identity included) goes to the registry's API, never
        # to an address a fleet repository's config names. The config chooses the API's
        # address, so no host is named for a token here: the listing alone decides.
        allowed = allow_list(self._environ)
        tokens = {v.token_env for v in pushtime.vendors().values() if v.token_env}
        withheld = {name for name in tokens if not may_send(allowed, name)}
        environ = {k: v for k, v in self._environ.items() if k not in withheld}

        def credential(host: str) -> Secrets | None:
            if allowed is not None and host in named:
                return None
            return self.registries.client(host).credential

        return pushtime.PushTimes(environ, base_urls=bases, kinds=kinds, credentials=credential)

    def verify(
        self, env: str, image: planning.ImageSettings, ref: ImageRef, digest: str
    ) -> Verification | None:
        """The signature verdict for writing ``ref@digest`` into ``env`` (None: no policy)."""
        spec = self.config.verification(image.name, env)
        if spec is None:
            return None
        client = self.registries.client(ref.registry)
        return self.verifier.verify(client, ref.location, ref.repository, digest, spec)


def chart_context(texts: Mapping[Path, str]) -> tuple[dict[str, str], dict[str, charts.ChartSpec]]:
    """The Flux HelmRepositories (``namespace/name`` -> URL) and HelmReleases (-> chart) of an
    environment's files together: a HelmRelease's repository, or an overlay's patch of a
    release, may be in another file of the same environment."""

    repositories: dict[str, str] = {}
    for path, text in texts.items():
        if path.name != "Chart.lock":
            repositories.update(charts.helm_repositories(text, str(path)))
    releases: dict[str, charts.ChartSpec] = {}
    for path, text in texts.items():
        if path.name != "Chart.lock":
            releases.update(charts.helm_releases(text, str(path), repositories=repositories))
    return repositories, releases


def open_app(repo: Path, config_path: Path | None = None, *, pool: RegistryPool | None = None) -> App:

    cfg = config_mod.load(config_path or files.inside(repo, config_mod.find_config(repo)))
    inside = repo.resolve() in (cfg.root.resolve(), *cfg.root.resolve().parents)
    return App(cfg, pool or RegistryPool(cfg), root=repo if inside else cfg.root, base=checkout_branch(repo))
