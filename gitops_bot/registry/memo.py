"""A registry client that asks each question once per run, for the repositories of a fleet.

Several GitOps repositories often deploy the same images: with one shared pool, a tags list,
a tag's digest or an image's metadata read for one repository answers every other one in the
same run (concurrent askers wait for the first answer instead of asking again). Failures are remembered too: a
registry that is down is down for all of them. Only for one run: a long-lived pool would
never see new tags, so ``watch`` forgets every answer when a cycle starts, but for what a digest
names, whose bytes never change (a config blob's created time, an image's metadata by digest),
kept across cycles, each table bounded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, TypeVar

from gitops_bot.core.model import ImageAge, ImageMetadata, is_digest
from gitops_bot.registry.client import RegistryClient

T = TypeVar("T")
KEPT_CONFIG_TIMES = 4096  # config digests whose created time outlives a cycle (a few MB at most)
KEPT_METADATA = 4096  # images by digest whose labels and created time outlive a cycle
# the characters of their labels and annotations kept in all; one image's over a 64th of it is read
# again each cycle (a config blob and a manifest may each hold 4 MB of them)
KEPT_METADATA_CHARS = 8 << 20


class MemoClient(RegistryClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answers: dict[tuple[str, ...], Future[Any]] = {}
        self._answers_lock = threading.Lock()
        # A config blob never changes under its digest: its created time is kept across
        # ``watch`` cycles, so min_age costs one blob read per image, not one per cycle.
        self._config_times: OrderedDict[str, datetime | None] = OrderedDict()
        # Nor does an image's metadata under its digest (the manifest's bytes and the config
        # blob's): a watch over a release still pending read both again every cycle, two of the
        # four requests an image took there.
        self._metadata: OrderedDict[tuple[str, str, str], ImageMetadata] = OrderedDict()
        self._metadata_chars = 0

    def forget(self) -> None:
        """A new run: ask every question again (in-flight askers keep their answer)."""
        with self._answers_lock:
            self._answers = {}
        self.forget_manifests()

    def list_tags(self, repository: str) -> list[str]:
        ask = super().list_tags
        return list(self._once(("tags", repository), lambda: ask(repository)))

    def resolve_digest(self, repository: str, reference: str, platform: str | None = None) -> str:
        ask = super().resolve_digest
        key = ("digest", repository, reference, platform or "")
        return str(self._once(key, lambda: ask(repository, reference, platform)))

    def get_metadata(self, repository: str, reference: str, platform: str | None = None) -> ImageMetadata:
        ask = super().get_metadata
        kept = (repository, reference, platform or "")
        if is_digest(reference):
            with self._answers_lock:
                if kept in self._metadata:
                    self._metadata.move_to_end(kept)
                    return self._metadata[kept]
        found: ImageMetadata = self._once(("metadata", *kept), lambda: ask(repository, reference, platform))
        size = _chars(found)
        if is_digest(reference) and size <= KEPT_METADATA_CHARS // 64:
            with self._answers_lock:
                if kept not in self._metadata:
                    self._metadata[kept] = found
                    self._metadata_chars += size
                while len(self._metadata) > KEPT_METADATA or self._metadata_chars > KEPT_METADATA_CHARS:
                    self._metadata_chars -= _chars(self._metadata.popitem(last=False)[1])
        return found

    def get_age(self, repository: str, reference: str, platform: str | None = None) -> ImageAge:
        ask = super().get_age
        key = ("age", repository, reference, platform or "")
        found: ImageAge = self._once(key, lambda: ask(repository, reference, platform))
        return found

    def config_created(self, repository: str, config_digest: str, deadline: float) -> datetime | None:
        with self._answers_lock:
            if config_digest in self._config_times:
                self._config_times.move_to_end(config_digest)
                return self._config_times[config_digest]
        created = super().config_created(repository, config_digest, deadline)
        with self._answers_lock:
            self._config_times[config_digest] = created
            while len(self._config_times) > KEPT_CONFIG_TIMES:
                self._config_times.popitem(last=False)
        return created

    def _once(self, key: tuple[str, ...], ask: Callable[[], T]) -> T:
        return once(self._answers, self._answers_lock, key, ask)


def _chars(metadata: ImageMetadata) -> int:
    return sum(len(k) + len(v) for d in (metadata.labels, metadata.annotations) for k, v in d.items())


def once(table: dict[Any, Future[Any]], lock: threading.Lock, key: Any, ask: Callable[[], T]) -> T:
    """``ask()`` run once per ``key`` in ``table``: the first asker runs it, everyone asking at
    the same time or later waits for that answer, or for its failure, re-raised to each."""
    with lock:
        found = table.get(key)
        first = found is None
        if found is None:
            found = table[key] = Future()
    if first:
        try:
            found.set_result(ask())
        except BaseException as exc:  # remembered and re-raised to every asker
            found.set_exception(exc)
    result: T = found.result()
    return result
