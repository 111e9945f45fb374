"""A promotion checks every image it moves at once (each a digest to resolve, its existence,
its signature policy: up to three round trips an image), and still refuses as one after
another would: the first refusal in the source's order."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest

from gitops_bot.config import parse
from gitops_bot.core.errors import GateClosed
from gitops_bot.core.model import Deployed
from gitops_bot.engine.app import App
from gitops_bot.engine.promotion import _resolved

CONFIG = """\
version: 1
images:
  - name: a
    repository: registry.example.com/acme/a
  - name: b
    repository: registry.example.com/acme/b
  - name: c
    repository: registry.example.com/acme/c
environments:
  - name: staging
    path: overlays/staging
  - name: production
    path: overlays/production
    promote_from: staging
"""
DIGEST = "sha256:" + "2" * 64


@dataclass
class Registry:
    """Resolves each tag only once ``parties`` images ask together; ``gone`` no longer exist."""

    parties: int
    gone: set[str] = field(default_factory=set)
    barrier: threading.Barrier = field(init=False)

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.parties, timeout=10)

    def resolve_digest(self, repository: str, tag: str, platform: str | None = None) -> str:
        self.barrier.wait()
        return DIGEST

    def exists(self, repository: str, digest: str) -> bool:
        return repository not in self.gone


@dataclass
class FakeApp:
    config: Any
    reg: Registry
    declared: Any = field(default_factory=lambda: SimpleNamespace(workers=8))  # the run's worker pool

    def registry(self, host: str) -> Registry:
        return self.reg

    @property
    def vetting(self) -> Any:
        return SimpleNamespace(verify=lambda env, img, ref, digest: None)  # no signature policy here


def _wanted(app: FakeApp) -> list[tuple[Any, Deployed, Deployed]]:
    return [
        (app.config.image(n), Deployed(n, None, "1.1.0", None), Deployed(n, None, "1.0.0", None))
        for n in "abc"
    ]


def test_every_image_of_a_promotion_is_checked_at_once() -> None:
    app = FakeApp(parse(CONFIG, "gitops-bot.yaml"), Registry(parties=3))
    cfg = app.config
    changes = _resolved(
        cast(App, app), cfg.environment("staging"), cfg.environment("production"), _wanted(app)
    )
    assert [(c.image, c.to_digest) for c in changes] == [(n, DIGEST) for n in "abc"]


def test_the_first_refusal_in_the_sources_order_is_the_one_raised() -> None:
    app = FakeApp(parse(CONFIG, "gitops-bot.yaml"), Registry(parties=3, gone={"acme/b", "acme/c"}))
    cfg = app.config
    with pytest.raises(GateClosed, match="acme/b@"):
        _resolved(cast(App, app), cfg.environment("staging"), cfg.environment("production"), _wanted(app))
