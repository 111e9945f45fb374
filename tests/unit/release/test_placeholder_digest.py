"""A pinned digest of all zeros (``sha256:000…0``) is a placeholder, common in public
repositories' examples: no registry served it. The plan says so and pins the digest the
registry serves; a promotion never carries it to the next environment; a rollback never
restores it; the text reading says it is not a real digest."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.config import Config
from gitops_bot.config import load as load_config
from gitops_bot.core.imageref import is_placeholder_digest
from gitops_bot.core.model import Candidate, Choice, DecisionAction, Deployed, PlanAction, PlanItem
from gitops_bot.core.reading import ImageReading, Pin, PinKind, PinStatus
from gitops_bot.output.text import reading_text
from gitops_bot.release import planning, promotion
from gitops_bot.release.decision import Facts, decide
from gitops_bot.release.ledger import Entry

ZEROS = "sha256:" + "0" * 64
REAL = "sha256:" + "9" * 64
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n  - name: app\n    repository: ghcr.io/acme/app\n"
        "environments:\n  - name: staging\n    path: overlays/staging\n"
        "  - name: production\n    path: overlays/production\n    promote_from: staging\n"
    )
    return load_config(tmp_path / "gitops-bot.yaml")


def test_only_a_digest_of_zeros_is_a_placeholder() -> None:
    assert is_placeholder_digest(ZEROS)
    assert not is_placeholder_digest(REAL)
    assert not is_placeholder_digest("sha256:" + "0" * 63 + "1")
    assert not is_placeholder_digest("sha256:000")  # not a digest at all: the grammar says so
    assert not is_placeholder_digest(None)


def test_the_plan_says_the_pinned_digest_is_a_placeholder_and_pins_the_registrys(cfg: Config) -> None:
    env, img = cfg.environment("staging"), cfg.image("app")
    assert img is not None
    target = planning.Target(
        env, img, "overlays/staging/kustomization.yaml", Deployed("app", None, "1.1.0", ZEROS)
    )
    item = planning.decide(target, Choice("1.1.0", "highest of 2"), Candidate("1.1.0", REAL))
    assert item.action is PlanAction.UPDATE
    assert item.reason == (
        "the pinned digest sha256:000000000000… is a placeholder, not a real digest: "
        "pin 1.1.0 to the digest the registry serves"
    )


def _production(current: Deployed) -> PlanItem:
    return PlanItem(
        "production",
        "app",
        "overlays/production/kustomization.yaml",
        "ghcr.io/acme/app",
        "semver",
        PlanAction.NONE,
        "receives promotions from staging",
        current,
    )


def test_a_source_pinning_a_placeholder_has_nothing_to_promote() -> None:
    facts = Facts("production", promote_from="staging", now=NOW)
    d = decide(
        _production(Deployed("app", None, "1.0.0", REAL)), facts, Deployed("app", None, "1.1.0", ZEROS)
    )
    assert d.action is DecisionAction.UP_TO_DATE
    assert d.reason == (
        "staging pins a placeholder digest (sha256:000000000000…), not a release the registry "
        "served; release staging first (gitops-bot update)"
    )


def test_promote_never_carries_a_placeholder(cfg: Config) -> None:
    running = {"app": Deployed("app", None, "1.1.0", ZEROS)}
    present = {"app": Deployed("app", None, "1.0.0", REAL)}
    wanted, notes = promotion.wanted(cfg, "staging", "production", running, present, ())
    assert wanted == []
    assert notes == [
        "app: staging pins a placeholder digest (sha256:000000000000…), not a release the "
        "registry served; release staging first (gitops-bot update)"
    ]


def test_a_rollback_never_restores_a_placeholder(cfg: Config) -> None:
    target = Entry(
        "c" * 40, "t", "a", "s", "staging-1", None, {"app": Deployed("app", None, "1.0.0", ZEROS)}, ()
    )
    rel, notes = promotion.rollback(cfg, "staging", target, {"app": Deployed("app", None, "1.1.0", REAL)})
    assert rel is None
    assert notes == [
        "app: staging-1 pinned a placeholder digest (sha256:000000000000…), not a release; not restored"
    ]


def test_the_text_reading_says_the_pinned_digest_is_a_placeholder() -> None:
    pin = Pin(
        "overlays/staging/kustomization.yaml", 5, PinKind.KUSTOMIZE, True, (), tag="1.1.0", digest=ZEROS
    )
    said = reading_text((ImageReading("staging", "app", PinStatus.PINNED, (pin,)),))
    assert (
        "  app  1.1.0@000000000000 (a placeholder, not a real digest)  pinned at "
        "overlays/staging/kustomization.yaml:5"
    ) in said
