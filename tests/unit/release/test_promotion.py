"""The pure parts of promotion, rollback and holds (promotion.py decides over gathered inputs), and the Argo CD client's failure modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import Config
from gitops_bot.config import load as load_config
from gitops_bot.core.errors import ConfigError, GateClosed, GitError, UsageError
from gitops_bot.core.model import Deployed
from gitops_bot.gate import argocd
from gitops_bot.git.git import GitWorkspace
from gitops_bot.release import holds, promotion
from gitops_bot.release.ledger import Entry, find
from testkit.argocd_server import application

DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


def wanted(tag: str | None = "1.1.0", digest: str | None = DIGEST) -> argocd.Wanted:
    return argocd.Wanted("example/app", "ghcr.io/acme/app", tag, digest)


@pytest.mark.parametrize(
    ("images", "ok"),
    [
        ([f"ghcr.io/acme/app:1.1.0@{DIGEST}"], True),
        ([f"ghcr.io/acme/app@{DIGEST}"], True),  # digest only, as kustomize renders it
        ([f"ghcr.io/acme/app:1.1.0@{OTHER}"], False),  # same tag, another build
        (["ghcr.io/acme/app:1.1.0"], False),  # Argo CD shows no digest; we promote by digest
        ([f"ghcr.io/acme/other@{DIGEST}"], False),  # another repository
        ([], False),
    ],
)
def test_gate_requires_the_promoted_digest_to_be_running(images: list[str], ok: bool) -> None:
    problems = argocd.check(application("s", images), "s", [wanted()])
    assert (problems == []) is ok


def test_gate_matches_tags_when_the_source_pins_no_digest_and_normalises_docker_hub() -> None:
    w = argocd.Wanted("web", "docker.io/library/nginx", "1.27", None)
    assert argocd.check(application("s", ["nginx:1.27"]), "s", [w]) == []
    assert argocd.check(application("s", ["nginx:1.26"]), "s", [w]) != []


def test_gate_reports_sync_and_health() -> None:
    app = application("s", [f"ghcr.io/acme/app@{DIGEST}"], sync="OutOfSync", health="Progressing")
    assert argocd.check(app, "s", [wanted()]) == [
        "Argo CD application s is OutOfSync, not Synced",
        "Argo CD application s is Progressing, not Healthy",
    ]
    assert argocd.check({}, "s", []) == [
        "Argo CD application s has no sync operation on record; sync it once",
        "Argo CD application s is Unknown, not Synced",
        "Argo CD application s is Unknown, not Healthy",
    ]


def test_holds_file_round_trips_in_canonical_form(tmp_path: Path) -> None:
    h = holds.with_changes({}, "production", {"example/app": "rolled back to production-1a2b (was 1.3.0)"})
    h = holds.with_changes(h, "dev", {"nginx": "CVE-2026-1: wait for: the fix", "redis": ""})
    assert holds.write(tmp_path, h) is True
    text = (tmp_path / holds.HOLDS_FILE).read_text()
    assert text.endswith(
        "dev:\n"
        '  nginx: "CVE-2026-1: wait for: the fix"\n'
        '  redis: ""\n'
        "production:\n"
        "  example/app: rolled back to production-1a2b (was 1.3.0)\n"
    )
    assert holds.load(tmp_path) == h
    assert holds.write(tmp_path, h) is False  # same holds, same bytes
    h = holds.with_changes(h, "dev", {"nginx": None, "redis": None})
    h = holds.with_changes(h, "production", {"example/app": None})
    assert h == {}
    assert holds.write(tmp_path, h) is True and not (tmp_path / holds.HOLDS_FILE).exists()


def test_a_malformed_holds_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / holds.HOLDS_FILE).write_text("dev:\n  - nginx\n")
    with pytest.raises(ConfigError, match=r"gitops-bot.holds.yaml:1: dev: must map each held image"):
        holds.load(tmp_path)


def entry(n: int, release: str | None) -> Entry:
    return Entry(str(n) * 40, "t", "a", "s", release, None, {"x": Deployed("x", None, str(n), None)}, ("x",))


def test_find_a_rollback_target_by_steps_release_or_commit() -> None:
    entries = [entry(3, "dev-3"), entry(2, None), entry(1, "dev-1")]
    assert find(entries, to=None, steps=None, environment="dev") is entries[1]
    assert find(entries, to=None, steps=2, environment="dev") is entries[2]
    assert find(entries, to="dev-1", steps=None, environment="dev") is entries[2]
    assert find(entries, to=entries[1].commit[:8], steps=None, environment="dev") is entries[1]
    with pytest.raises(UsageError, match="has 2 earlier release"):
        find(entries, to=None, steps=3, environment="dev")
    with pytest.raises(UsageError, match="no release 'dev-9'"):
        find(entries, to="dev-9", steps=None, environment="dev")


def test_only_http_urls_with_a_user_part_count_as_credentials(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="carries credentials"):
        GitWorkspace.open("https://x-access-token:ghp_abc@github.com/acme/gitops.git", cache_dir=tmp_path)
    # ssh's user is not a secret: the URL is accepted, and the clone fails for want of a server
    with pytest.raises(GitError, match="git clone failed"):
        GitWorkspace.open("ssh://git@127.0.0.1:9/acme/gitops.git", cache_dir=tmp_path)


def _config(tmp_path: Path) -> Config:
    for env in ("dev", "prod"):
        (tmp_path / "overlays" / env).mkdir(parents=True)
    (tmp_path / "gitops-bot.yaml").write_text(
        "version: 1\nimages:\n  - name: app\n    repository: ghcr.io/acme/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n"
        "  - name: prod\n    path: overlays/prod\n    promote_from: dev\n"
    )
    return load_config(tmp_path / "gitops-bot.yaml")


def test_promotion_decides_over_gathered_inputs_without_io(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    with pytest.raises(UsageError, match="two different environments"):
        promotion.environments(cfg, "prod", "prod", only=(), force=False)
    with pytest.raises(GateClosed, match="dev is not configured to receive promotions"):
        promotion.environments(cfg, "prod", "dev", only=(), force=False)
    src, dst = promotion.environments(cfg, "dev", "prod", only=(), force=False)
    running = {"app": Deployed("app", None, "1.1.0", DIGEST)}
    wanted, notes = promotion.wanted(cfg, src.name, dst.name, running, {}, ())
    assert wanted == [] and notes == ["app: prod has no entry for it; add one to promote it"]
    present = {"app": Deployed("app", None, "1.0.0", OTHER)}
    (item,), notes = promotion.wanted(cfg, src.name, dst.name, running, present, ())
    assert item[1:] == (running["app"], present["app"]) and notes == []
    with pytest.raises(GateClosed, match=r"prod holds app \(load test\)"):
        change = promotion.promoted("prod", item[0], item[0].repository, *item[1:], DIGEST, None)
        promotion.check_holds("prod", [change], {"app": "load test"}, force=False)


def test_rollback_and_unhold_are_pure_releases(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    target = entry(1, "dev-1")
    target = Entry(
        target.commit, "t", "a", "s", "dev-1", None, {"app": Deployed("app", None, "1.0.0", DIGEST)}, ()
    )
    rel, notes = promotion.rollback(cfg, "dev", target, {"app": Deployed("app", None, "1.1.0", OTHER)})
    assert rel is not None and notes == []
    assert [(c.image, c.to_tag, c.to_digest) for c in rel.changes] == [("app", "1.0.0", DIGEST)]
    assert rel.holds == (("app", "rolled back to dev-1 (was 1.1.0)"),)
    # a hold only the open hold pull request proposes: the unhold takes it back out
    rel, _ = promotion.unhold(cfg, {}, "dev", "app", pending={"app": "load test"})
    assert rel is not None and rel.holds == (("app", None),)
    assert promotion.unhold(cfg, {}, "dev", "app")[0] is None
