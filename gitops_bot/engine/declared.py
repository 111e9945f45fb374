"""What one checkout declares, before anything is read from it or asked of a registry: its
configuration, the repository no path leaves, the holds file beside the config, and what
follows from the configuration alone (the environments asked for, what the readers look for,
how many threads a plan's requests take). A value: nothing here does I/O but the holds file,
read once. What is looked up about the checkout is :class:`gitops_bot.engine.app.App`'s."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core import files, instants
from gitops_bot.core.record import record
from gitops_bot.manifests import charts_module, images
from gitops_bot.release import holds as holds_mod

if TYPE_CHECKING:
    from gitops_bot.manifests import charts

MAX_WORKERS = 256  # plan threads in all, whatever the registries' limits add up to


@record(slots=False)
class Declared:
    """What a run is given: the configuration, the repository, the environment and the clock."""

    config: Config
    root: Path  # the repository: no path read or written leaves it
    environ: Mapping[str, str] = field(repr=False)
    # The one clock age rules read (min_age); tests set it instead of sleeping.
    clock: instants.Clock = instants.system_clock
    threads: int | None = None  # the caller's choice of workers (None: from the registries' limits)
    # the names the checkout's files go by, the preferred first (a session's fetched base; a
    # local checkout's remote default, then the branch checked out): read when git.base names
    # none, for an Application tracking one of them renders these files. Asked for (of git, in
    # a local checkout) when first read: a plan of overlays alone never needs them
    bases: Callable[[], Sequence[str]] = tuple

    @cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(self.bases())

    @property
    def base(self) -> str | None:
        """The branch the checkout's files are."""
        return self._names[0] if self._names else None

    @property
    def also(self) -> tuple[str, ...]:
        """The other names they go by (a topic branch checked out, beside the remote's default
        it merges into)."""
        return self._names[1:]

    def environments(self, names: Sequence[str] | None) -> list[EnvironmentConfig]:
        """The environments asked for, in the order asked (None or empty: every one)."""
        if not names:
            return list(self.config.environments)
        return [self.config.environment(n) for n in dict.fromkeys(names)]  # a repeated name once

    @cached_property
    def workers(self) -> int:
        """Threads for a plan's registry requests: enough that every registry's own limit
        (``max_concurrency``, requests in flight per host) is what bounds them, not a fixed
        pool. At a real round-trip time the run waits on the network, so a thread a request
        in flight is what keeps the registry's slots full; capped for a config naming many
        registries."""
        if self.threads is not None:
            return self.threads
        hosts = {img.repository.registry for img in self.config.images}
        hosts |= {c.repository.split("/")[2] for c in self.config.charts}  # a chart repository's host
        slots = sum(self.config.registry(h).max_concurrency for h in hosts)
        return max(1, min(slots, MAX_WORKERS))

    @cached_property
    def holds(self) -> holds_mod.Holds:
        """Images held per environment (``gitops-bot.holds.yaml`` beside the config)."""
        files.inside(self.root, holds_mod.path_for(self.config.root))
        return holds_mod.load(self.config.root)

    def image_specs(self) -> list[images.ImageSpec]:
        """What the overlay readers look for: built once, read for every environment."""
        return self._image_specs

    @cached_property
    def _image_specs(self) -> list[images.ImageSpec]:
        return [
            images.ImageSpec(img.name, img.repository.location, dict(img.helm)) for img in self.config.images
        ]

    def chart_specs(self) -> dict[str, charts.ChartSpec]:
        """What the chart readers look for, by chart name."""
        return self._chart_specs

    @cached_property
    def _chart_specs(self) -> dict[str, charts.ChartSpec]:
        if not self.config.charts:  # the chart readers load only for charts
            return {}
        spec = charts_module().ChartSpec
        return {c.name: spec(c.name, c.repository) for c in self.config.charts}
