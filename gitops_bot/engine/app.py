"""One checkout at work: what it declares (:class:`~gitops_bot.engine.declared.Declared`: the
configuration, the repository, the holds) and what the run looks up about it, each read once:
every environment as its tool renders it (:meth:`App.readings`), the images deployed there
(:meth:`App.targets`), the changes people made by hand (:meth:`App.held`), the registries'
answers (:meth:`App.registry`) and the signatures and ages a release is vetted by
(:class:`~gitops_bot.engine.vetting.Vetting`). The use cases (:mod:`gitops_bot.commands`) plan
and deliver with it."""

from __future__ import annotations

import functools
import importlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from gitops_bot import config as config_mod
from gitops_bot.config import ChartConfig, Config, EnvironmentConfig
from gitops_bot.core import files, instants
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.log import get_logger
from gitops_bot.core.model import Deployed
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.core.record import record
from gitops_bot.engine import branches, ports
from gitops_bot.engine.declared import Declared
from gitops_bot.engine.vetting import Vetting
from gitops_bot.git.gitlog import Checkout, History
from gitops_bot.git.store import checkout_bases
from gitops_bot.manifests import charts_module
from gitops_bot.policy import Policy, behind_version, deciding_tag
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.release import holds as holds_mod
from gitops_bot.release import intent, ledger, planning
from gitops_bot.render import deployers, reader
from gitops_bot.render import walk as walks

RENDERED_READING = "gitops_bot.render.rendered_reading"  # imported where a kubectl is found
PROVEN = "gitops_bot.engine.proven"  # the marked render, likewise

if TYPE_CHECKING:
    from gitops_bot.manifests import charts
    from gitops_bot.release.intent import ManualChange

log = get_logger(__name__)
MANUAL_HISTORY = 20  # releases read back for a person's rollback: one is recent by nature
# A person's last changes (the history: 4 of 17 git processes of a watch cycle over an unchanged
# repository), kept by commit and configuration: a checkout's latest, the least recently used out
KEPT_MANUAL = 256
_kept_manual: OrderedDict[Path, tuple[str, Config, dict[str, dict[str, ManualChange]]]] = OrderedDict()
_kept_manual_lock = threading.Lock()


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
        base: str | Sequence[str] | Callable[[], Sequence[str]] | None = None,
    ) -> None:
        """``base``: the names the checkout's files go by, or what gives them when first asked."""
        self.declared = Declared(
            config,
            root or config.root,
            os.environ if environ is None else environ,
            clock or instants.system_clock,
            workers,
            base if callable(base) else functools.partial(_names, base),
        )
        # what the checkout declares, as the use cases read it: the declared value's own fields
        # (never set apart from it), plain attributes that a plan's every item reads
        self.config: Final = self.declared.config
        self.root: Final = self.declared.root  # the repository: no path read or written leaves it
        self.clock: Final = self.declared.clock  # what age rules read; tests set it, not sleep
        self.registries = registries
        self.vetting = Vetting(self.declared, registries)
        self._lock = threading.Lock()
        self._readings: dict[str, EnvironmentReading] | None = None
        self._manual: dict[str, dict[str, ManualChange]] = {}  # by environment, read once a run
        self._content: str | None = None  # the commit the checkout was when read (None: not one)
        # the git store a session fetched: environments' own branches are read there (None: the
        # checkout at root, as a local plan reads it)
        self.git: History | None = None
        # the checkout at root as this run reads it (its history's answers kept), or why not
        self._checkout: Checkout | GitOpsBotError | None = None
        self._checkout_lock = threading.Lock()  # its own: readings() asks for it under _lock
        self.trees: dict[str, reader.Tree] = {}  # each own branch's files, listed once a run
        self._holds: holds_mod.Holds | None = None
        self._chart_pins: dict[str, list[ChartPin]] = {}  # by environment, read once a run
        # by environment: of each file, its own Application(s) whose chart versions it reads
        self._chart_owned: dict[str, dict[str, str | tuple[str, ...]]] = {}
        self._chart_contexts: dict[str, tuple[dict[str, str], dict[str, charts.ChartSpec]]] = {}
        self._chart_files: dict[Path, tuple[str, charts.Parsed]] = {}  # each file's documents

    def registry(self, host: str) -> ports.Registry:
        """The registry port of ``host``: what the use cases list, resolve and read through."""
        return self.registries.client(host)

    def close(self) -> None:
        """What the run opened on the way; the registry pool is its owner's to close."""
        self.vetting.close()

    # -- changes made by hand ---------------------------------------------------------

    def held(self, environment: str) -> Mapping[str, str]:
        """The images held in ``environment``: the holds file's, and each image a person rolled
        back by hand that no hold holds yet (:mod:`gitops_bot.release.intent`): the bot neither
        proposes over it nor rolls back over it, from the run that first sees the rollback."""

        file = self.holds.get(environment, {})
        manual = intent.to_hold(self.manual_changes(environment), file)
        held = {**{name: c.reason() for name, c in manual.items()}, **file}
        return {name: intent.shown(environment, name, why) for name, why in held.items()}

    @property
    def holds(self) -> holds_mod.Holds:
        """Images held per environment: the holds file beside the config, and for an
        environment on its own branch that branch's (a rollback's hold lands with its edit)."""
        if self._holds is None:
            self._holds = branches.holds(self)
        return self._holds

    def held_every(self, envs: Sequence[EnvironmentConfig]) -> dict[str, Mapping[str, str]]:
        """:meth:`held` of each of ``envs``, the histories of those on one branch read together
        (one ``git log`` of all their files, not one each)."""
        try:
            by_head: dict[str, list[str]] = {}
            for e in envs:
                by_head.setdefault(branches.head(self, e), []).extend(self.repo_paths(e, self.root))
            for head, paths in by_head.items():
                self.checkout.expect(head, paths)
        except GitOpsBotError:
            pass  # not a git checkout, a branch not fetched: each environment finds so alone
        return {e.name: self.held(e.name) for e in envs}

    @property
    def checkout(self) -> Checkout:
        """The git checkout at the root, one for the run: its history read once, whoever asks
        (raises the :class:`GitOpsBotError` of a root that is none, each time)."""
        with self._checkout_lock:
            if self._checkout is None:
                try:
                    # its refs stay put unless a session fetches into it (app.git), whose
                    # worktree it is then: opened once, with the session's credentials
                    known = self.git.repo_at(self.root) if self.git is not None else None
                    self._checkout = Checkout(self.root, lambda: self.git is None, known, self.git)
                except GitOpsBotError as e:
                    self._checkout = e
            got = self._checkout
        if isinstance(got, GitOpsBotError):
            raise got
        return got

    def manual_changes(self, environment: str) -> dict[str, ManualChange]:
        """Each of ``environment``'s images whose newest change a person made, read once per run
        from the last releases in the checkout's history (none outside a git checkout)."""
        if environment not in self._manual:
            self._manual[environment] = self._kept_manual(self.config.environment(environment))
        return self._manual[environment]

    def _kept_manual(self, env: EnvironmentConfig) -> dict[str, ManualChange]:
        """:meth:`_manual_read`, kept by the commit the checkout's files are (read with the
        readings) on the base; a history git cannot read is no change by hand, and not kept."""
        content = self._content if branches.branch_of(self, env) is None else None
        with _kept_manual_lock:
            kept = _kept_manual.get(self.root) if content is not None else None
            if content is None or kept is None or (kept[0], kept[1]) != (content, self.config):
                kept = (content or "", self.config, {})
            if content is not None:
                _kept_manual[self.root] = kept
                _kept_manual.move_to_end(self.root)
                while len(_kept_manual) > KEPT_MANUAL:
                    _kept_manual.popitem(last=False)
            if env.name in kept[2]:
                return kept[2][env.name]
        try:
            return kept[2].setdefault(env.name, self._manual_read(env))
        except GitOpsBotError:
            return {}

    def _manual_read(self, env: EnvironmentConfig) -> dict[str, ManualChange]:
        checkout = self.checkout
        paths = self.repo_paths(env, self.root)
        head = branches.head(self, env)  # an environment on its own branch: that branch's log
        entries = ledger.read(checkout, head, paths, self.declared.image_specs(), limit=MANUAL_HISTORY)
        policies = {img.name: Policy(img.policy) for img in self.config.images}

        def older(name: str, new: Deployed, old: Deployed) -> bool | None:
            policy = policies.get(name)
            if policy is None or not new.tag or not old.tag:
                return None
            # by the policy's order, its range aside: a pin outside the range is still a move
            # forward or back (a choice between the two would see neither, and fall back to
            # "ran before", a forward move over a rollback reading as a rollback)
            return policy.older(new.tag, old.tag)

        newest: dict[str, ledger.Entry] = {}
        for entry in entries:
            for name in entry.changed:
                newest.setdefault(name, entry)
        # a trailer whose values do not hash to the release it names: copied (``git commit -C``),
        # re-pinned by a reviewer, or a release written tag-only where the file has no place for
        # its digest; only its commit message's record of the release tells the last apart
        records: dict[str, intent.Values | None] = {}
        committers: dict[str, str] = {}
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
        found = intent.manual_changes(entries, older, records, committers)
        if not any(c.back for c in found.values()):
            return found
        held_file = holds_mod.path_for(self.config.root).relative_to(self.root).as_posix()
        # a rollback held once and lifted by unhold is not held again
        placed = {k for k, c in found.items() if c.back and checkout.mentions(head, held_file, c.commit[:12])}
        return {k: c for k, c in found.items() if k not in placed}

    # -- reading overlays --------------------------------------------------------------

    def readings(self) -> dict[str, EnvironmentReading]:
        """Every environment as its tool renders it (:mod:`gitops_bot.render.reader`): read once
        per run, all environments together (what else renders a place is a question about all
        of them)."""
        with self._lock:
            if self._readings is None:
                content = self._content = self._clean_commit()
                read = branches.read_every(self, reader.DiskTree(self.root, content=content))
                self._readings = self._held_to_render(read, content)
            return self._readings

    def _clean_commit(self) -> str | None:
        """The commit the checkout's files are, when a session works it (a watch reads the same
        commit cycle after cycle) and nothing in them is changed, added or ignored; None for a
        local plan (its one reading is its only one) or files that differ from any commit."""
        shown = self.git.files_at(self.root) if self.git is not None else None
        if self.git is None or shown is not None:  # the status that spared its reset asked the same
            return shown
        try:
            out = self.checkout.store.ok(
                "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=all", "--ignored"
            )
        except GitOpsBotError:
            return None
        entries = [e for e in (out or "").split("\0") if e]
        heads = [e.removeprefix("# branch.oid ") for e in entries if e.startswith("# branch.oid ")]
        if len(heads) != 1 or not all(e.startswith("# ") for e in entries) or len(heads[0]) < 40:
            return None
        return heads[0]

    def _held_to_render(
        self, read: dict[str, EnvironmentReading], content: str | None
    ) -> dict[str, EnvironmentReading]:
        """The base's environments held to what kubectl kustomize renders of them (a render it
        refuses blocks the environment's release), imported by name where a kubectl is found;
        ``content``: the commit the checkout's files are, if one (what is read is kept by it)."""
        settings = self.config.render
        if not settings.enabled or settings.tool("kubectl") is None:
            return read
        held, marked = importlib.import_module(RENDERED_READING), importlib.import_module(PROVEN)
        envs, cfg = [env for env in branches.on(self, None) if env.name in read], self.config
        on_base = {env.name: tuple(env.paths) for env in envs}
        # each release place proven by a marked render: one that changes nothing is never proposed
        prove = functools.partial(marked.prove, cfg, self.root, envs, self.declared.image_specs())
        with walks.one_reading(self.root, content):  # the render and the marked one share the walks
            return held.proven(settings, self.root, cfg.root, content, cfg, read, on_base, prove)  # type: ignore[no-any-return]

    def read_tree(self, tree: reader.Tree, branch: str | None = None) -> dict[str, EnvironmentReading]:
        """The environments whose files are on ``branch`` (None: the base; an environment's own
        :mod:`~gitops_bot.engine.branches`) as the one reader reads them from ``tree`` (the
        disk, a branch's tree, or the files as a commit had them: the history reads each
        version so)."""
        sources = [
            reader.Source(
                env.name,
                tuple(env.paths),
                tuple(env.images) if env.images is not None else tuple(i.name for i in self.config.images),
                tuple(a for a in (env.argocd_application, *env.argocd_applications) if a),
            )
            for env in branches.on(self, branch)
        ]
        # the branch read: an Application tracking another renders what this tree is not
        base = (branch,) if branch else functools.partial(branches.base_names, self)
        specs = self.declared.image_specs()
        read = reader.Reader(tree, self.config.root, specs, self.root, base, self.config.render).read(sources)
        return branches.placed(read, branch) if branch else read

    def reading(self, env: EnvironmentConfig) -> EnvironmentReading:
        """The environment's reading; an environment the configuration does not list (the
        stopped line's pseudo-environment of ``freeze --all``) renders nothing."""
        found = self.readings().get(env.name)
        return found if found is not None else EnvironmentReading(env.name, (), (), ())

    def files(self, env: EnvironmentConfig) -> list[Path]:
        """The files a release for the environment may edit: what its paths name (a file as
        is, a directory's kustomization, else its YAML files), each file holding an effective
        version that only this environment renders, and its own layer where a release of an
        inherited image goes (:meth:`reading`); with ``charts:``, each file only it renders
        that pins a configured chart (a HelmRelease beside no image), and an edited
        Chart.yaml's lock."""
        if not env.paths:  # the stopped line's pseudo-environment (freeze --all) renders no files
            return []
        out = [files.inside(self.root, self.config.root / rel) for rel in self.reading(env).writable]
        if self.config.charts:
            own = [
                files.inside(self.root, self.config.root / p.file)
                for p in self.chart_pins(env)
                if not p.shared_with and not p.elsewhere
            ]
            out += [p for p in dict.fromkeys(own) if p not in out]
            out += [  # an edited Chart.yaml's lock file is edited with it
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

    def chart_pins(self, env: EnvironmentConfig) -> list[ChartPin]:
        """Every place a configured chart's version is set in what the environment renders (the
        reader's ``rendered``), each with the other environments rendering it; read once a run."""
        with self._lock:
            if env.name in self._chart_pins:
                return self._chart_pins[env.name]
        if not self.config.charts or not env.paths:
            return []
        sites = charts_module()  # the chart readers, only for a configuration with charts
        reading = self.reading(env)
        specs = self.declared.chart_specs()
        names, keys = set(specs), {s.key for s in specs.values()}
        texts: dict[Path, charts.Parsed] = {}
        own_branch = branches.branch_of(self, env)
        # read where the one reader read it: the environment's own branch, not the disk's copy
        on_branch = branches.tree(self, own_branch) if own_branch else None
        for rel in reading.rendered:
            path = self.config.root / rel
            if path.name == "Chart.lock" or (path.suffix not in (".yaml", ".yml")):
                continue
            try:
                text = on_branch.text(path) if on_branch else files.read_text(files.inside(self.root, path))
            except GitOpsBotError:  # not a file the bot reads (a link leaving the repository)
                continue
            if text is None:  # on the branch, a file its tree does not read (the reading says it)
                continue
            if sites.may_pin(text, rel):  # a file naming no chart object is not parsed
                texts[path] = self._parsed_chart_file(path, text, rel)
        flux, releases = charts_module().context(texts)
        self._chart_contexts[env.name] = (flux, releases)
        others = [
            (e, set(self.reading(e).rendered), dict(self.reading(e).documents))
            for e in self.config.environments
            if e.name != env.name and e.paths and branches.branch_of(self, e) == own_branch
        ]
        documents = dict(reading.documents)
        owned: dict[str, str | tuple[str, ...]] = {}
        out = []
        for path, parsed in texts.items():
            rel = path.relative_to(self.config.root).as_posix()
            # of a file holding several environments' Applications, each reads its own alone
            mine = documents.get(rel) or own_generated(env, parsed, rel)
            if mine is not None:
                owned[rel] = mine
            found = sites.every(parsed, rel, repositories=flux, releases=releases, application=mine)
            sharing = [(e, theirs.get(rel)) for e, rendered, theirs in others if rel in rendered]
            if sites.generated(parsed, rel):
                # an ApplicationSet's: a place (a list element) is shared with each environment
                # whose generated Applications read it too, whichever of them it names
                places = {
                    e.name: {
                        (s.line, s.chart.key)
                        for s in sites.every(
                            parsed,
                            rel,
                            repositories=flux,
                            releases=releases,
                            application=doc or own_generated(e, parsed, rel),
                        )
                    }
                    for e, doc in sharing
                }
                for s in found:
                    if s.chart.name in names:
                        shared = tuple(n for n, p in places.items() if (s.line, s.chart.key) in p)
                        # one value setting other charts' versions too (a template's literal)
                        also = tuple(
                            dict.fromkeys(
                                o.chart.name
                                for o in found
                                if o.line == s.line and o.chart.name != s.chart.name
                            )
                        )
                        out.append(ChartPin(rel, s, shared, s.chart.key not in keys, also))
                continue
            shared = tuple(e.name for e, doc in sharing if mine is None or doc in (None, mine))
            read = {f for _, r, _ in others for f in r} | set(reading.rendered)
            shared += deployers.unconfigured(self.config.root, rel, read)  # a bump moves them too
            out += [ChartPin(rel, s, shared, s.chart.key not in keys) for s in found if s.chart.name in names]
        with self._lock:
            self._chart_pins[env.name], self._chart_owned[env.name] = out, owned
        return out

    def chart_documents(self, env: EnvironmentConfig) -> dict[str, str | tuple[str, ...]]:
        """Of each file pinning a chart in what the environment renders (relative to the config
        file's directory), the Application(s) whose chart versions are its own, where not all of
        the file's are: the reader's own of several, those of an ApplicationSet its config names."""
        self.chart_pins(env)
        with self._lock:
            return dict(self._chart_owned.get(env.name, {}))

    def _parsed_chart_file(self, path: Path, text: str, rel: str) -> charts.Parsed:
        """A file's documents composed once a run: a file several environments render (a base,
        a platform directory) is read for each, and composing is most of the cost."""
        with self._lock:
            found = self._chart_files.get(path)
        if found is None or found[0] != text:
            found = (text, charts_module().Parsed.of(text, rel))
            with self._lock:
                self._chart_files[path] = found
        return found[1]

    def chart_context(self, env: EnvironmentConfig) -> tuple[dict[str, str], dict[str, charts.ChartSpec]]:
        """The Flux HelmRepositories and HelmReleases of everything the environment renders
        (:func:`chart_context`): what an edit of its own patch of a shared HelmRelease, or of
        its own HelmRelease of a shared HelmRepository, refers to."""
        self.chart_pins(env)
        return self._chart_contexts.get(env.name, ({}, {}))

    def chart_targets(self, env: EnvironmentConfig) -> list[planning.ChartTarget]:
        """The configured charts each pinned in what the environment renders: its own layer first,
        else the first place it shares; one nothing it renders pins is a target with no version."""
        if not self.config.charts or not env.paths:
            return []
        wanted = [c for c in self.config.charts if not env.charts or c.name in env.charts]
        if (blocked := self.reading(env).blocked) is not None:
            why = f"{blocked[0]} (fix: {blocked[1]})"  # a file it renders not read: no chart released
            return [planning.ChartTarget(env, c, env.paths[0], None, unpinned=why) for c in wanted]
        pins, out = self.chart_pins(env), []
        for chart in wanted:
            mine = [p for p in pins if p.site.chart.name == chart.name and not p.elsewhere]
            held = [p for p in mine if self.reading(env).unit_refusal([p.file]) is None]
            if not held and (refused := self.reading(env).unit_refusal([p.file for p in mine])) is not None:
                out.append(planning.ChartTarget(env, chart, env.paths[0], None, unpinned=refused))
                continue
            # a site a refused unit reads is said, not released; a HelmRelease's version is
            # commonly layered (a base's and an environment's patch of it): the own-layer rule's
            left, mine = tuple(f"{p.file}:{p.site.line}" for p in mine if p not in held), held
            low = behind_version(
                [p.site.version for p in mine if p.site.exact and p.site.form != "helmrelease"]
            )
            deciding = [p for p in mine if p.site.version == low] if low is not None else mine
            pin = next((p for p in deciding if not p.shared_with), deciding[0] if deciding else None)
            if pin is not None:
                s = pin.site
                out.append(
                    planning.ChartTarget(
                        env,
                        chart,
                        pin.file,
                        s.version,
                        s.exact,
                        s.line,
                        pin.shared_with,
                        s.form,
                        with_charts=pin.with_charts,
                        also=tuple(
                            dict.fromkeys(
                                f"{p.file}:{p.site.line}"
                                + (f" ({p.site.version})" if p.site.version != s.version else "")
                                for p in mine
                                if p is not pin
                            )
                        ),
                        left=left,
                    )
                )
            elif env.charts or not self._pinned_anywhere(chart.name):
                # listed here, or configured and pinned nowhere: said, never a silent nothing
                why = self._unpinned(env, chart)
                out.append(planning.ChartTarget(env, chart, env.paths[0], None, unpinned=why))
        return out

    def _pinned_anywhere(self, chart: str) -> bool:
        return any(
            p.site.chart.name == chart and not p.elsewhere
            for e in self.config.environments
            for p in self.chart_pins(e)
        )

    def _unpinned(self, env: EnvironmentConfig, chart: ChartConfig) -> str:
        """Why a configured chart has no version in the environment, and the fix."""
        other = next(
            (p for p in self.chart_pins(env) if p.site.chart.name == chart.name and p.elsewhere), None
        )
        if other is not None:  # the name, from another repository: what config names is not it
            return (
                f"chart {chart.name!r} at {other.file}:{other.site.line} is from "
                f"{other.site.chart.repository}, not {chart.repository} (fix: write the chart's "
                "repository as the files do)"
            )
        drop = (
            f"drop it from {env.name}'s charts:"
            if env.charts
            else "drop it from charts: (no environment pins it)"
        )
        return (
            f"none of the {len(self.reading(env).rendered)} files {env.name} renders pins chart "
            f"{chart.name!r} of {chart.repository} (fix: {drop}, or add the path of what deploys it to "
            "the environment's paths)"
        )

    def targets(self, env: EnvironmentConfig) -> list[planning.Target]:
        """The configured images the environment deploys, each with the version it renders
        and the file a release for it edits (its own layer where the version is inherited).
        An image it does not render is a target only when the environment lists it."""
        first_file = self.reading(env).writable[0] if self.reading(env).writable else env.paths[0]
        # a file not read (a unit refused) may pin any image but one no file it reads names: each said
        blocked = self.reading(env).blocked is not None or bool(self.reading(env).scoped)
        out = []
        for r in self.reading(env).images:
            image = self.config.image(r.image)
            assert image is not None
            pin = r.effective
            if pin is None:
                if env.images or (blocked and not r.nowhere):
                    out.append(planning.Target(env, image, first_file, None, r))
                continue
            # no place to write, or a place the render shows runs nothing: skipped, and why (its
            # registry never asked: a value under a template switched off names one from nowhere)
            if r.status in (PinStatus.UNSUPPORTED, PinStatus.NOT_RENDERED) or not r.writable:
                out.append(planning.Target(env, image, pin.file, None, r))
                continue
            file = r.would_write.file if r.would_write is not None else pin.file
            wins = [p for p in r.pins if p.effective and p.tag]
            if wins and (tag := deciding_tag([p.tag or "" for p in wins])) is None:
                # one tag written into each place would move a workload onto another's line
                shown = " and ".join(f"{p.tag} at {p.place}" for p in wins[:3])
                why = f"its workloads run it in different lines ({shown}); a release writes one tag into each"
                fix = "pin them in one line (the same variant), or release this image by hand"
                out.append(planning.Target(env, image, pin.file, None, r.refused(why, fix)))
                continue
            pin = next((p for p in reversed(wins) if p.tag == tag), pin) if wins else pin
            deployed = Deployed(r.image, pin.repository, pin.tag, pin.digest)
            out.append(planning.Target(env, image, file, deployed, r))
        return out


@record
class ChartPin:
    """One place setting a configured chart's version in what an environment renders."""

    file: str  # relative to the config file's directory
    site: charts.ChartSite
    shared_with: tuple[str, ...]  # the other environments rendering the file (configured or not)
    # a chart of the configured name from another repository than the configured one: not the
    # configured chart, said where it is not pinned
    elsewhere: bool = False
    with_charts: tuple[str, ...] = ()  # the other charts whose version the same value sets


def own_generated(env: EnvironmentConfig, text: str | charts.Parsed, rel: str) -> tuple[str, ...] | None:
    """Of a file whose ApplicationSets generate Applications the environment's config names
    (``argocd_application(s)``), those: its chart sites there are theirs alone. None: it names
    none of them and reads every one (a place they share is shared)."""
    named = (env.argocd_application,) if env.argocd_application else env.argocd_applications
    if not named:
        return None
    own = tuple(n for n in charts_module().generated(text, rel) if n in named)
    return own or None


def open_app(repo: Path, config_path: Path | None = None, *, pool: RegistryPool | None = None) -> App:

    cfg = config_mod.load(config_path or files.inside(repo, config_mod.find_config(repo)))
    inside = repo.resolve() in (cfg.root.resolve(), *cfg.root.resolve().parents)
    # the checkout's branch names asked of git only when a reading needs them (an Application
    # tracking a branch): three git processes a plan of overlays alone does not start
    bases = functools.partial(checkout_bases, repo)
    return App(cfg, pool or RegistryPool(cfg), root=repo if inside else cfg.root, base=bases)


def _names(base: str | Sequence[str] | None) -> tuple[str, ...]:
    return (base,) if isinstance(base, str) else tuple(base or ())
