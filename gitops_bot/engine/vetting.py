"""What a release is vetted by, asked of the outside and kept for the run: the signature
verdicts (the keys and roots a checkout's policies name) and the ages ``min_age`` trusts (the
registries' push-time APIs, the transparency log). Each is made on first use: a configuration
without ``verify:`` never loads the crypto, one without ``min_age`` never opens the APIs."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, cast

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.model import AgeSource, ImageAge, ImageRef, Verification
from gitops_bot.core.secret import allow_list, may_send
from gitops_bot.engine.declared import Declared
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.registry.settings import scheme_for
from gitops_bot.release import planning

if TYPE_CHECKING:
    from gitops_bot.registry.credentials import Secrets
    from gitops_bot.registry.pushtime import NoPushTime, Pushed, PushTimes
    from gitops_bot.trust.verifier import Verifier

# The registries' push-time APIs, imported by name the first time a ``min_age`` rule asks an
# age (their vendors are themselves a table of names): a plan without one loads none of them.
PUSH_TIMES = "gitops_bot.registry.pushtime"
# min_age's rule of which clock an age is trusted by, imported by name with the first age asked
MIN_AGE = "gitops_bot.policy.age"


class Vetting:
    def __init__(self, declared: Declared, registries: RegistryPool) -> None:
        self.declared = declared
        self.registries = registries
        self._lock = threading.Lock()
        self._verifier: Verifier | None = None
        self._push_times: PushTimes | None = None

    @property
    def verifier(self) -> Verifier:
        """Made on first use: a configuration without ``verify:`` never loads the crypto."""
        with self._lock:
            if self._verifier is None:
                # cryptography's signature checks cost ~40 ms to import, a quarter of a
                # one-image plan: only a configuration with verify: loads them
                from gitops_bot.trust.verifier import Verifier

                self._verifier = Verifier(self.declared.config.root, self.declared.environ)
            return self._verifier

    def prepare(self, envs: Iterable[EnvironmentConfig]) -> None:
        """Load every key and trusted root the environments' policies name, before any request:
        a missing key is one line and exit 2, not an image skipped later."""
        config = self.declared.config
        envs = list(envs)
        if not any(img.verify for img in config.images) and not any(env.verify for env in envs):
            return  # no policy anywhere: not a million (image, environment) pairs to ask about
        for env in envs:
            for img in config.images:
                spec = config.verification(img.name, env.name)
                if spec is not None:
                    self.verifier.prepare(spec)

    def verify(
        self, env: str, image: planning.ImageSettings, ref: ImageRef, digest: str
    ) -> Verification | None:
        """The signature verdict for writing ``ref@digest`` into ``env`` (None: no policy)."""
        spec = self.declared.config.verification(image.name, env)
        if spec is None:
            return None
        client = self.registries.client(ref.registry)
        return self.verifier.verify(client, ref.location, ref.repository, digest, spec)

    def logged_at(
        self, env: str, image: planning.ImageSettings, ref: ImageRef, digest: str
    ) -> datetime | None:
        """When the transparency log first recorded a keyless signature of ``digest`` that
        ``env``'s policy accepts (None: no keyless policy there, or none verified)."""
        spec = self.declared.config.verification(image.name, env)
        if spec is None or spec.keyless is None:
            return None
        verdict = self.verify(env, image, ref, digest)
        times = [s.logged_at for s in verdict.signers if s.logged_at is not None] if verdict else []
        return min(times) if times else None

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
        now = self.declared.clock
        trusted: Callable[..., ImageAge] = importlib.import_module(MIN_AGE).trusted
        image = self.registries.client(repository.registry).get_age(repository.repository, tag, platform)
        # with a platform, image.digest is the platform's image inside the index, while the
        # registries' APIs name the index the tag points at: asked by tag alone then
        asked = None if platform else image.digest
        found = self.push_times.look(repository.registry, repository.repository, tag, asked)
        times = _push_times()  # the classes of its answers, as the module the table names has them
        pushed: type[Pushed] = times.Pushed
        unknown: type[NoPushTime] = times.NoPushTime
        if isinstance(found, pushed):
            return trusted(image, found.at, f"{found.source} push time", now())
        at = logged(image.digest) if logged is not None else None
        if at is not None:
            return trusted(image, at, "Rekor integrated time", now(), AgeSource.TRANSPARENCY_LOG)
        # an API that was asked and did not answer readably: the push time is unknown, not
        # absent, so neither the image's own time nor the forge's decides in its place
        unread = found.why if isinstance(found, unknown) and found.unreadable else ""
        return replace(trusted(image, None, "", now()), unread=unread)

    @property
    def push_times(self) -> PushTimes:
        """The registries' push-time APIs, made on first use (only ``min_age`` asks). A token
        goes to an API only at its public address, or where the operator gave the variable."""
        with self._lock:
            if self._push_times is None:
                self._push_times = self._make_push_times()
            return self._push_times

    def close(self) -> None:
        """What the run opened on the way (the push-time APIs' connections); the registry
        pool is its owner's to close."""
        with self._lock:
            times, self._push_times = self._push_times, None
        if times is not None:
            times.close()

    def _make_push_times(self) -> PushTimes:
        config, environ = self.declared.config, self.declared.environ
        pushtime = _push_times()
        kinds: dict[str, str] = {}
        bases: dict[str, str] = {}  # by registry host: one registry's API address is its own
        named: set[str] = set()  # hosts whose API address this repository's config names
        hosts = {*config.registries, *(img.repository.registry for img in config.images)}
        for host in sorted(hosts):
            reg = config.registry(host)
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
        allowed = allow_list(environ)
        tokens = {v.token_env for v in pushtime.vendors().values() if v.token_env}
        withheld = {name for name in tokens if not may_send(allowed, name)}
        visible = {k: v for k, v in environ.items() if k not in withheld}

        def credential(host: str) -> Secrets | None:
            if allowed is not None and host in named:
                return None
            return self.registries.client(host).credential

        return cast(
            "PushTimes", pushtime.PushTimes(visible, base_urls=bases, kinds=kinds, credentials=credential)
        )


def _push_times() -> ModuleType:
    return importlib.import_module(PUSH_TIMES)
