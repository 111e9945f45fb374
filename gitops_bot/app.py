"""The one orchestrator: config -> manifests -> registry -> plan. Only this module wires the
layers together; the CLI talks to it and to nothing else."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from gitops_bot import holds as holds_mod
from gitops_bot import plan as planning
from gitops_bot import progress
from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.errors import (
    GitOpsBotError,
    RegistryAccessError,
    RegistryProtocolError,
    UsageError,
)
from gitops_bot.log import get_logger
from gitops_bot.manifests import files, images, kustomize
from gitops_bot.model import (
    Candidate,
    Choice,
    Deployed,
    EnvironmentPlan,
    ImageMetadata,
    ImageRef,
    Plan,
    PlanAction,
    PlanItem,
    Verification,
)
from gitops_bot.policy import Policy
from gitops_bot.registry import RegistryPool
from gitops_bot.trust.verifier import Verifier

log = get_logger(__name__)
K = TypeVar("K")
V = TypeVar("V")
_SkipErrors = (RegistryAccessError, RegistryProtocolError)


class App:
    def __init__(
        self,
        config: Config,
        registries: RegistryPool,
        *,
        workers: int = 16,
        environ: Mapping[str, str] | None = None,
        root: Path | None = None,
    ) -> None:
        self.config = config
        self.root = root or config.root  # the repository: no path read or written leaves it
        self.registries = registries
        self.workers = workers
        self._holds: holds_mod.Holds | None = None
        self.verifier = Verifier(config.root, os.environ if environ is None else environ)

    @property
    def holds(self) -> holds_mod.Holds:
        """Images held per environment (``gitops-bot.holds.yaml`` beside the config)."""
        if self._holds is None:
            files.inside(self.root, holds_mod.path_for(self.config.root))
            self._holds = holds_mod.load(self.config.root)
        return self._holds

    # -- reading overlays --------------------------------------------------------------

    def environments(self, names: Sequence[str] | None) -> list[EnvironmentConfig]:
        if not names:
            return list(self.config.environments)
        return [self.config.environment(n) for n in dict.fromkeys(names)]  # a repeated name once

    def image_specs(self) -> list[images.ImageSpec]:
        return [
            images.ImageSpec(
                img.name,
                img.repository.location,
                dict(img.helm),
            )
            for img in self.config.images
        ]

    def files(self, env: EnvironmentConfig) -> list[Path]:
        """The files an environment's paths stand for: a file as is; a directory's
        kustomization; else a directory's YAML files (plain manifests, Helm values)."""
        out: list[Path] = []
        for rel in env.paths:
            path = files.inside(self.root, self.config.root / rel)
            if path.is_file():
                out.append(path)
            elif not path.is_dir():
                raise UsageError(
                    f"environment {env.name!r}: {rel} does not exist",
                    hint="fix its path in gitops-bot.yaml",
                )
            elif any((path / n).is_file() for n in kustomize.KUSTOMIZATION_NAMES):
                out.append(files.inside(self.root, kustomize.find_kustomization(path)))
            else:
                found = sorted(
                    files.inside(self.root, p)
                    for p in path.iterdir()
                    if p.suffix in (".yaml", ".yml") and p.is_file()
                )
                if not found:
                    raise UsageError(
                        f"environment {env.name!r}: {rel} has no kustomization and no YAML files",
                        hint="point its path at an overlay, a manifests directory or a file",
                    )
                out.extend(found)
        return out

    def repo_paths(self, env: EnvironmentConfig, root: Path) -> list[str]:
        """The environment's files relative to the repository root ``root`` (for git)."""
        return [p.relative_to(root).as_posix() for p in self.files(env)]

    def targets(self, env: EnvironmentConfig) -> list[planning.Target]:
        wanted = [self.config.image(n) for n in env.images] if env.images else list(self.config.images)
        specs = self.image_specs()
        found: dict[str, tuple[str, Deployed]] = {}
        first_file = ""
        for path in self.files(env):
            rel_file = path.relative_to(self.config.root).as_posix()
            first_file = first_file or rel_file
            for site in images.read(files.read_text(path), rel_file, specs):
                found.setdefault(
                    site.image, (rel_file, Deployed(site.image, site.repository, site.tag, site.digest))
                )
        out = []
        for image in wanted:
            assert image is not None
            if image.name not in found and not env.images:
                continue  # not deployed here, and the environment does not ask for it
            file, deployed = found.get(image.name, (first_file, None))
            out.append(planning.Target(env, image, file, deployed))
        return out

    # -- planning ----------------------------------------------------------------------

    def plan(
        self,
        env_names: Sequence[str] | None = None,
        *,
        metadata: bool = False,
        images: Collection[str] | None = None,
    ) -> Plan:
        """``images``: plan only these (a webhook's targeted cycle); None: every image."""
        envs = self.environments(env_names)
        self.prepare_verification(envs)
        targets = {
            env.name: [t for t in self.targets(env) if images is None or t.image.name in images]
            for env in envs
        }
        active = [
            t
            for ts in targets.values()
            for t in ts
            if t.deployed is not None and t.environment.mode == "registry"
        ]
        policies = {img.name: Policy(img.policy) for img in self.config.images}

        # 1. tags: one listing per repository, whatever number of environments use it
        repos = {t.image.repository for t in active if policies[t.image.name].needs_tags}
        tags = self._gather(
            repos, lambda r: self.registries.client(r.registry).list_tags(r.repository), what="listing tags"
        )

        # 2. created times, only for policies that order by them
        created: dict[tuple[str, str], dict[str, datetime]] = {}
        needs_created = [
            t
            for t in active
            if policies[t.image.name].needs_created_time
            and not isinstance(tags.get(t.image.repository), GitOpsBotError)
        ]
        if needs_created:
            wanted = {
                (t.image, tag)
                for t in needs_created
                for tag in policies[t.image.name].candidates(
                    _ok(tags[t.image.repository]), t.deployed.tag if t.deployed else None
                )
            }
            for (img, tag), meta in self._metadata(wanted).items():
                if isinstance(meta, ImageMetadata) and meta.created:
                    created.setdefault((img.name, str(img.repository)), {})[tag] = meta.created

        # 3. choose
        choices: dict[tuple[str, str], Choice] = {}
        for t in active:
            listed = tags.get(t.image.repository)
            if isinstance(listed, GitOpsBotError):
                continue
            choices[t.key] = policies[t.image.name].choose(
                listed or [],
                t.deployed.tag if t.deployed else None,
                created.get((t.image.name, str(t.image.repository))),
            )

        # 4. one digest per chosen (repository, tag, platform)
        wanted_digests = {
            (t.image.repository, c.tag, t.image.platform)
            for t in active
            if (c := choices.get(t.key)) and c.tag
        }
        digests = self._gather(
            wanted_digests,
            lambda k: self.registries.client(k[0].registry).resolve_digest(k[0].repository, k[1], k[2]),
            what="resolving digests",
        )

        releases: dict[tuple[str, str], Candidate] = {}
        for t in active:
            c = choices.get(t.key)
            if c and c.tag:
                d = digests.get((t.image.repository, c.tag, t.image.platform))
                if isinstance(d, str):
                    releases[t.key] = Candidate(c.tag, d)

        verdicts = self._verify(active, releases)

        # 5. metadata for what will change, when the caller shows it
        if metadata:
            changing = {
                (t.image, str(releases[t.key].digest))
                for t in active
                if t.key in releases and releases[t.key].digest != (t.deployed.digest if t.deployed else None)
            }
            metas = self._metadata(changing)
            for key, rel in list(releases.items()):
                img_cfg = self.config.image(key[1])
                found_meta = metas.get((img_cfg, str(rel.digest))) if img_cfg else None
                if isinstance(found_meta, ImageMetadata):
                    releases[key] = Candidate(rel.tag, rel.digest, found_meta)

        env_plans = []
        for env in envs:
            items: list[PlanItem] = []
            held = self.holds.get(env.name, {})
            for t in targets[env.name]:
                item = self._item(t, tags, choices, digests, releases)
                if t.key in verdicts and item.action is PlanAction.UPDATE:
                    item = planning.verified(item, verdicts[t.key])
                if t.image.name in held and t.deployed is not None:
                    item = planning.held(item, held[t.image.name])
                items.append(item)
            env_plans.append(EnvironmentPlan(env.name, env.mode, tuple(items), env.promote_from))
        return Plan(tuple(env_plans))

    def _item(
        self,
        t: planning.Target,
        tags: dict[ImageRef, list[str] | GitOpsBotError],
        choices: dict[tuple[str, str], Choice],
        digests: dict[tuple[ImageRef, str, str | None], str | GitOpsBotError],
        releases: dict[tuple[str, str], Candidate],
    ) -> PlanItem:
        if t.deployed is None:
            return planning.not_deployed(t)
        if t.environment.mode == "promotion":
            return planning.promotion_only(t)
        listed = tags.get(t.image.repository)
        if isinstance(listed, GitOpsBotError):
            return planning.skipped(t, str(listed))
        choice = choices[t.key]
        if choice.tag and t.key not in releases:
            err = digests.get((t.image.repository, choice.tag, t.image.platform))
            return planning.skipped(t, str(err) if err else f"could not resolve {choice.tag}")
        return planning.decide(t, choice, releases.get(t.key))

    # -- signatures -------------------------------------------------------------------

    def prepare_verification(self, envs: Iterable[EnvironmentConfig]) -> None:
        """Load every key and trusted root the environments' policies name, before any request:
        a missing key is one line and exit 2, not an image skipped later."""
        for env in envs:
            for img in self.config.images:
                spec = self.config.verification(img.name, env.name)
                if spec is not None:
                    self.verifier.prepare(spec)

    def verify(
        self, env: str, image: planning.ImageSettings, ref: ImageRef, digest: str
    ) -> Verification | None:
        """The signature verdict for writing ``ref@digest`` into ``env`` (None: no policy)."""
        spec = self.config.verification(image.name, env)
        if spec is None:
            return None
        client = self.registries.client(ref.registry)
        return self.verifier.verify(client, ref.location, ref.repository, digest, spec)

    def _verify(
        self, active: Sequence[planning.Target], releases: dict[tuple[str, str], Candidate]
    ) -> dict[tuple[str, str], Verification]:
        """Verdicts for the digests that would change what an environment runs."""
        wanted = {}
        for t in active:
            rel = releases.get(t.key)
            if rel is None or rel.digest is None or (t.deployed and rel.digest == t.deployed.digest):
                continue
            if self.config.verification(t.image.name, t.environment.name) is not None:
                wanted[t.key] = (t.environment.name, t.image, rel.digest)
        found = self._gather(set(wanted.values()), lambda k: self.verify(k[0], k[1], k[1].repository, k[2]))
        out = {}
        for key, k in wanted.items():
            v = found[k]
            out[key] = v if isinstance(v, Verification) else Verification(False, f"cannot verify: {v}")
        return out

    def _metadata(
        self, keys: Iterable[tuple[planning.ImageSettings, str]]
    ) -> dict[tuple[planning.ImageSettings, str], ImageMetadata | GitOpsBotError]:
        """Config-blob metadata for (image, tag or digest) pairs, concurrently."""
        return self._gather(
            keys,
            lambda it: self.registries.client(it[0].repository.registry).get_metadata(
                it[0].repository.repository, it[1], it[0].platform
            ),
            what="reading image metadata",
        )

    def _gather(
        self, keys: Iterable[K], fetch: Callable[[K], V], *, what: str = "reading the registry"
    ) -> dict[K, V | GitOpsBotError]:
        """Run ``fetch`` for every key concurrently. Access/protocol errors are returned per key
        (that image is skipped); anything else, such as RegistryUnavailable, ends the run."""
        keys = list(keys)
        out: dict[K, V | GitOpsBotError] = {}
        with progress.counter(what, len(keys)) as tick:

            def one(k: K) -> tuple[K, V | GitOpsBotError]:
                started = time.monotonic()
                try:
                    return k, fetch(k)
                except _SkipErrors as exc:
                    log.warning("image_skipped", reason=str(exc))
                    return k, exc
                finally:
                    log.debug(
                        what.replace(" ", "_"), key=_describe(k), seconds=round(time.monotonic() - started, 3)
                    )
                    tick()

            if len(keys) <= 1:
                return dict(one(k) for k in keys)
            with ThreadPoolExecutor(max_workers=min(self.workers, len(keys))) as pool:
                for k, v in pool.map(one, keys):
                    out[k] = v
        return out


def _describe(key: object) -> str:
    """A registry request's key for a debug line: repository[, tag or digest][, platform]."""
    parts = key if isinstance(key, tuple) else (key,)
    return " ".join(str(getattr(p, "repository", p)) for p in parts if p is not None)


def _ok(value: list[str] | GitOpsBotError | None) -> list[str]:
    return value if isinstance(value, list) else []


def open_app(repo: Path, config_path: Path | None = None, *, pool: RegistryPool | None = None) -> App:
    from gitops_bot import config as config_mod

    cfg = config_mod.load(config_path or files.inside(repo, config_mod.find_config(repo)))
    inside = repo.resolve() in (cfg.root.resolve(), *cfg.root.resolve().parents)
    return App(cfg, pool or RegistryPool(cfg), root=repo if inside else cfg.root)
