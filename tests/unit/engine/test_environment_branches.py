"""One branch per environment (``branch:``): an environment whose files live on a branch of
its own is read from that branch's tree by the one reader (a place there names the branch),
and without the key the reading says which key to set. On real git."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot import action
from gitops_bot.core.errors import UsageError
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import branches, decisions, edits, report
from gitops_bot.engine.app import open_app
from gitops_bot.engine.gates import RunGates
from gitops_bot.engine.session import Sessions
from gitops_bot.git import branch_tree
from gitops_bot.git.branch_tree import BranchTree, branch_ref
from gitops_bot.git.gitlog import Checkout, History
from testkit.branch_apps import APP, APPS, DEPLOYMENT
from testkit.local_git import write
from testkit.plans import one_update

OVERLAY = "resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app\n  newTag: '{tag}'\n"
CONFIG = """version: 1
images:
- name: ghcr.io/acme/app
environments:
- name: test
  path: overlays/test
{branch}- name: production
  path: overlays/production
  promote_from: test
"""
ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
}
ENV |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True)
    return done.stdout


def _repository(root: Path, *, branch: bool) -> Path:
    """main: the production overlay (and a stale test overlay, as HAM-gitops has); test: what
    Argo CD renders for test, another version in the same paths."""
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    base = {"base/kustomization.yaml": "resources:\n- deployment.yaml\n", "base/deployment.yaml": DEPLOYMENT}
    write(
        root,
        {
            **base,
            "argocd/apps.yaml": APPS,
            "overlays/production/kustomization.yaml": OVERLAY.format(tag="1.0"),
        },
    )
    write(root, {"overlays/test/kustomization.yaml": OVERLAY.format(tag="0.9")})
    write(root, {"gitops-bot.yaml": CONFIG.format(branch="  branch: test\n" if branch else "")})
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "main")
    _git(root, "checkout", "-q", "-b", "test")
    write(root, {"overlays/test/kustomization.yaml": "# test's own\n" + OVERLAY.format(tag="2.0")})
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "test")
    _git(root, "checkout", "-q", "main")
    _git(root, "remote", "add", "origin", "https://github.com/acme/deploy.git")
    return root


def test_an_environment_on_its_own_branch_is_read_from_that_branch(tmp_path: Path) -> None:
    app = open_app(_repository(tmp_path / "repo", branch=True))
    test = app.reading(app.config.environment("test")).image(APP)
    assert test is not None and test.status is PinStatus.PINNED, test
    pin = test.effective
    assert pin is not None and (pin.file, pin.line, pin.tag, pin.branch) == (
        "overlays/test/kustomization.yaml",
        6,
        "2.0",
        "test",
    )
    assert pin.to_json()["branch"] == "test" and test.describe() == f"pinned at {pin.place}"
    assert pin.place == "test:overlays/test/kustomization.yaml:6"
    prod = app.reading(app.config.environment("production")).image(APP)
    assert prod is not None and prod.status is PinStatus.PINNED and prod.effective is not None
    assert (prod.effective.tag, prod.effective.branch) == ("1.0", None)
    assert "branch" not in prod.effective.to_json()
    # the same base file on two branches is two places: neither environment shares it
    assert all(not p.shared_with for r in (test, prod) for p in r.pins)


def test_without_the_key_the_reading_names_the_key_to_set(tmp_path: Path) -> None:
    app = open_app(_repository(tmp_path / "repo", branch=False))
    test = app.reading(app.config.environment("test")).image(APP)
    assert test is not None and test.status is PinStatus.UNSUPPORTED, test
    assert test.reason is not None and "app-test renders branch test" in test.reason
    assert test.fix == "set branch: test on environment test in gitops-bot.yaml (read and released there)"


def test_a_branch_the_repository_lacks_is_one_line_naming_it(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", branch=True)
    (repo / "gitops-bot.yaml").write_text(CONFIG.format(branch="  branch: tset\n"))
    app = open_app(repo)
    with pytest.raises(UsageError, match="branch 'tset' is not in the repository"):
        app.readings()


def test_the_branch_tree_lists_and_reads_only_inside_the_branch(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", branch=True)
    _git(repo, "checkout", "-q", "test")
    os.symlink("/etc/passwd", repo / "overlays" / "leak.yaml")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a link")
    _git(repo, "checkout", "-q", "main")
    history = Checkout(repo)
    ref = branch_ref(history, "test")
    assert ref == "refs/heads/test"  # no remote-tracking branch: the local one
    root = tmp_path / "elsewhere"  # the reader's paths: the tree's files under any root
    tree = BranchTree(history, ref, root)
    assert tree.is_dir(root / "overlays") and tree.is_dir(root) and not tree.is_dir(root / "nope")
    assert tree.listing(root / "overlays") == [
        root / "overlays/leak.yaml",
        root / "overlays/production",
        root / "overlays/test",
    ]
    assert (tree.text(root / "overlays/test/kustomization.yaml") or "").startswith("# test's own")
    assert tree.text(root / "overlays/leak.yaml") is None  # never followed: said by name, as on disk
    assert tree.unread(root / "overlays/leak.yaml") == (
        root / "overlays/leak.yaml",
        branch_tree.link_out("/etc/passwd"),
    )
    with pytest.raises(
        UsageError, match=r"overlays/leak.yaml on test: a symbolic link to '/etc/passwd', leading out"
    ):
        tree.check(root / "overlays/leak.yaml")  # a path the configuration names: its own to fix
    assert tree.text(root / "../repo/gitops-bot.yaml") is None
    with pytest.raises(UsageError, match="outside the repository"):
        tree.check(root / ".." / "x")
    _git(repo, "update-ref", "refs/remotes/origin/test", "main")
    assert branch_ref(history, "test") == "refs/remotes/origin/test"  # the remote's, when fetched


def _session_readings(tmp_path: Path, repo: Path) -> dict[str, Any]:
    remote = tmp_path / "remote.git"
    _git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    environ = {**os.environ, "GITOPS_BOT_CACHE": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}
    return Sessions(f"file://{remote}", environ=environ).open(lambda s: s.app.readings(), sign=False)


def test_a_session_fetches_the_environments_branch_and_reads_it_there(tmp_path: Path) -> None:
    """A clone of the remote (a cached partial clone) has only what the session fetched: the
    base, the bot's branches and each environment's own branch."""
    got = _session_readings(tmp_path, _repository(tmp_path / "repo", branch=True))
    test = got["test"].image(APP)
    assert test is not None and test.effective is not None
    assert (test.effective.tag, test.effective.branch) == ("2.0", "test")


def test_a_branch_the_remote_lacks_is_one_line_naming_it(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", branch=True)
    (repo / "gitops-bot.yaml").write_text(CONFIG.format(branch="  branch: tset\n"))
    _git(repo, "commit", "-qam", "a typo")
    with pytest.raises(UsageError, match="the remote has no branch 'tset'") as said:
        _session_readings(tmp_path, repo)
    assert "branch:" in (said.value.hint or "")


def test_a_partial_clone_fetches_the_branchs_missing_blobs_in_one_request(tmp_path: Path) -> None:
    """A cached clone holds no blob it has not checked out: the branch's are fetched together
    when the tree is first read, not one lazy round trip per file."""
    remote = tmp_path / "remote.git"
    _git(tmp_path, "clone", "-q", "--bare", str(_repository(tmp_path / "repo", branch=True)), str(remote))
    _git(remote, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{remote}", str(clone))

    def missing() -> list[str]:
        out = _git(clone, "rev-list", "--objects", "--missing=print", "refs/remotes/origin/test^{tree}")
        return [line for line in out.splitlines() if line.startswith("?")]

    assert missing()  # a partial clone indeed
    history = Checkout(clone)
    tree = BranchTree(history, branch_ref(history, "test"), clone)
    fetches = []
    real = history.prefetch

    def prefetch(rev: str, blobs: Sequence[str]) -> None:
        fetches.append(len(missing()))
        real(rev, blobs)

    history.prefetch = prefetch  # type: ignore[method-assign]
    assert (tree.text(clone / "overlays/test/kustomization.yaml") or "").startswith("# test's own")
    assert tree.text(clone / "base/deployment.yaml") == DEPLOYMENT
    assert len(fetches) == 1 and fetches[0] > 1 and missing() == []


def test_the_release_an_environment_runs_is_read_on_its_branch(tmp_path: Path) -> None:
    """What the metrics gate dates and the checks gate asks about: the newest commit that
    changed the environment's files, on its own branch (main holds a stale copy of them)."""
    repo = _repository(tmp_path / "repo", branch=True)
    app = open_app(repo)
    on_test = _git(repo, "rev-parse", "test").strip()
    entry = decisions._latest(app)("test")
    assert entry is not None and entry.commit == on_test
    gates = RunGates(app, dict(os.environ))
    assert gates._release_commit(app.config.environment("test")) == on_test
    assert branches.head(app, app.config.environment("production")) == "HEAD"


def test_an_unhold_on_the_environments_branch_sticks(tmp_path: Path) -> None:
    """A person's rollback on the environment's own branch is held there, and the unhold that
    lifts it is committed there too: the next reading finds both on that branch's history,
    not on the base's, and holds nothing again."""
    repo = _repository(tmp_path / "repo", branch=True)
    _git(repo, "checkout", "-q", "test")
    write(repo, {"overlays/test/kustomization.yaml": "# test's own\n" + OVERLAY.format(tag="1.5")})
    _git(repo, "commit", "-qam", "back to 1.5")
    (reason,) = open_app(repo).held("test").values()
    assert reason.startswith("manual rollback: 2.0 -> 1.5"), reason
    write(repo, {"gitops-bot.holds.yaml": f"test:\n  {APP}: {reason!r}\n"})
    _git(repo, "add", "gitops-bot.holds.yaml")
    _git(repo, "commit", "-qm", "hold")
    assert open_app(repo).held("test") == {APP: reason}
    write(repo, {"gitops-bot.holds.yaml": "{}\n"})
    _git(repo, "commit", "-qam", "unhold")
    _git(repo, "checkout", "-q", "main")
    assert open_app(repo).held("test") == {}


def test_the_report_reads_a_hold_on_the_environments_own_branch(tmp_path: Path) -> None:
    """The DORA report's holds of an environment on its own branch: the holds file there (a
    hold placed after a release shows that release failed)."""
    repo = _repository(tmp_path / "repo", branch=True)
    _git(repo, "checkout", "-q", "test")
    write(repo, {"gitops-bot.holds.yaml": f"test:\n  {APP}: broke the checkout\n"})
    _git(repo, "add", "gitops-bot.holds.yaml")
    _git(repo, "commit", "-qm", "hold")
    _git(repo, "checkout", "-q", "main")
    remote = tmp_path / "remote.git"
    _git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    environ = {**os.environ, "GITOPS_BOT_CACHE": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}
    reach = datetime.now(UTC) - timedelta(days=1)
    placed, unread = Sessions(f"file://{remote}", environ=environ).open(
        lambda s: report._holds(s, ["test", "production"], reach), sign=False
    )
    assert [(h.image, str(h.reason)) for h in placed["test"]] == [(APP, "broke the checkout")]
    assert "production" not in placed and unread == []


def test_the_rendered_diff_of_an_environment_on_its_branch_is_of_that_branch(tmp_path: Path) -> None:
    """``plan --rendered-diff``: the edit of test's overlay as its branch holds it (2.0), rendered
    from that branch's files, never the base's stale copy (0.9) of the same paths."""
    repo = _repository(tmp_path / "repo", branch=True)
    app = open_app(repo)
    texts = branches.texts(app, app.config.environment("test"))
    assert [t.startswith("# test's own") for t in texts.values()] == [True]
    digest = "sha256:" + "a" * 64
    plan = one_update("test", APP, "overlays/test/kustomization.yaml", "2.0", "2.1", digest)
    remote = tmp_path / "remote.git"
    _git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    environ = {**os.environ, "GITOPS_BOT_CACHE": str(tmp_path / "cache"), "GIT_CONFIG_NOSYSTEM": "1"}
    in_session = Sessions(f"file://{remote}", environ=environ).open(
        lambda s: edits.rendered_of(s.app, plan), sign=False
    )  # a session's store is a bare partial clone
    for got in (edits.rendered_of(app, plan), in_session):
        (rendered,) = got
        assert rendered.error is None, rendered
        said = json.dumps(rendered.to_json())
        assert f"{APP}:2.0" in said and f"{APP}:2.1@{digest}" in said and "0.9" not in said, said


def test_the_actions_registries_of_an_environment_on_its_branch_are_read_there(tmp_path: Path) -> None:
    """The registries the Action logs in to: those the environment's files name on its own
    branch (a newName only there), not what the base's stale copy names."""
    repo = _repository(tmp_path / "repo", branch=True)
    _git(repo, "checkout", "-q", "test")
    overlay = OVERLAY.format(tag="2.0").replace("  newTag:", "  newName: mirror.example/acme/app\n  newTag:")
    write(repo, {"overlays/test/kustomization.yaml": overlay})
    _git(repo, "commit", "-qam", "from the mirror")
    _git(repo, "checkout", "-q", "main")
    cfg = open_app(repo).config
    assert "mirror.example" in action._written_hosts(cfg, repo, dict(os.environ))


def _on_test(repo: Path, files: dict[str, str], links: dict[str, str] | None = None) -> None:
    _git(repo, "checkout", "-q", "test")
    write(repo, files)
    for rel, target in (links or {}).items():
        (repo / rel).unlink(missing_ok=True)
        os.symlink(target, repo / rel)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "on test")
    _git(repo, "checkout", "-q", "main")


def test_a_file_over_the_bound_on_a_branch_is_said_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the branch tree will not read is noted naming it and why, as the base's is (the
    run goes on for the other environments), never read as no file: the environment's images
    are blocked naming it, not a bare "not rendered" advising to point the path elsewhere. A
    holds file so is refused: the holds there are not known."""
    repo = _repository(tmp_path / "repo", branch=True)
    _on_test(repo, {"overlays/test/kustomization.yaml": OVERLAY.format(tag="2.0") + "#" * (1 << 20)})
    monkeypatch.setattr(branch_tree, "MAX_BLOB", 1 << 19)
    app = open_app(repo)
    reading = app.reading(app.config.environment("test"))
    said = "overlays/test/kustomization.yaml: 1.0 MiB, more than the 0 MiB the bot reads of a file"
    (note,) = [n for n in reading.said if "MiB" in n]
    assert note.startswith(said) and note.endswith("split it into files under 0 MiB"), note
    test = reading.image(APP)  # what it sets is not known: test is released nothing, saying why
    assert test is not None and test.status is PinStatus.UNSUPPORTED, test
    assert test.reason is not None and test.reason.startswith(
        "overlays/test/kustomization.yaml, which test renders, is not read (1.0 MiB, more than"
    ), test
    prod = app.reading(app.config.environment("production")).image(APP)
    assert prod is not None and prod.status is PinStatus.PINNED, prod
    _on_test(repo, {"gitops-bot.holds.yaml": "#" * (1 << 20)})
    with pytest.raises(UsageError, match=r"test:gitops-bot.holds.yaml: 1.0 MiB, more than"):
        _ = open_app(repo).holds


def test_a_link_on_a_branch_is_resolved_inside_it_and_refused_leading_out(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", branch=True)
    real = "# test's own\n" + OVERLAY.format(tag="2.5")
    _on_test(repo, {"overlays/test/real.yaml": real}, {"overlays/test/kustomization.yaml": "real.yaml"})
    test = open_app(repo).reading(open_app(repo).config.environment("test")).image(APP)
    assert test is not None and test.effective is not None and test.effective.tag == "2.5", test
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "kustomization.yaml").write_text("resources: []\n")
    overlay = OVERLAY.format(tag="2.0").replace("- ../../base\n", "- ../../base\n- ext\n")
    # a link leading out on test's branch blocks test, named with the fix, as on the base's
    # disk; it stopped the whole run, every environment's release with it
    for target in (str(outside), "../../../elsewhere"):
        _on_test(repo, {"overlays/test/real.yaml": overlay}, {"overlays/test/ext": target})
        app = open_app(repo)
        got = app.reading(app.config.environment("test"))
        assert got.blocked is not None and got.blocked[0].startswith(
            f"overlays/test/ext, which test renders, is not read (a symbolic link to {target!r}, leading out"
        ), got.blocked
        assert got.blocked[1] == "make it a directory in the repository, or remove it"


def test_a_checkout_folder_reads_the_branch_under_that_folder(tmp_path: Path) -> None:
    """``--repo`` a folder of the clone (its config there): the branch's files under it."""
    top = tmp_path / "top"
    top.mkdir()
    _git(top, "init", "-q", "-b", "main")
    repo = _repository(tmp_path / "flat", branch=True)
    for branch in ("main", "test"):
        _git(repo, "checkout", "-q", branch)
        _git(top, "checkout", "-q", "-B", branch)
        _git(top, "rm", "-rq", "--ignore-unmatch", ".")
        subprocess.run(["cp", "-r", f"{repo}/.", str(top / "deploy")], check=True)
        subprocess.run(["rm", "-rf", str(top / "deploy" / ".git")], check=True)
        _git(top, "add", "-A")
        _git(top, "commit", "-qm", branch)
    _git(top, "checkout", "-q", "main")
    app = open_app(top / "deploy")
    test = app.reading(app.config.environment("test")).image(APP)
    assert test is not None and test.effective is not None and test.effective.tag == "2.0", test


KYVERNO = """apiVersion: source.toolkit.fluxcd.io/v1beta2
kind: HelmRepository
metadata:
  name: kyverno
  namespace: kyverno
spec:
  url: https://kyverno.github.io/kyverno/
---
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: kyverno
  namespace: kyverno
spec:
  chart:
    spec:
      chart: kyverno
      version: {version}
      sourceRef:
        kind: HelmRepository
        name: kyverno
"""


def test_a_charts_version_on_the_environments_branch_is_read_there(tmp_path: Path) -> None:
    """chart_pins of an environment on its own branch: the HelmRelease as the branch holds it
    (3.1.0), never the base's stale copy (3.0.0) of the same file."""
    repo = _repository(tmp_path / "repo", branch=True)
    overlay = OVERLAY.format(tag="0.9").replace("- ../../base\n", "- ../../base\n- kyverno.yaml\n")
    write(
        repo,
        {
            "overlays/test/kustomization.yaml": overlay,
            "overlays/test/kyverno.yaml": KYVERNO.format(version="3.0.0"),
        },
    )
    charts = "charts:\n- name: kyverno\n  repository: https://kyverno.github.io/kyverno/\n"
    (repo / "gitops-bot.yaml").write_text(CONFIG.format(branch="  branch: test\n") + charts)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a stale copy with a chart")
    on_branch = "# test's own\n" + OVERLAY.format(tag="2.0").replace(
        "- ../../base\n", "- ../../base\n- kyverno.yaml\n"
    )
    _on_test(
        repo,
        {
            "overlays/test/kustomization.yaml": on_branch,
            "overlays/test/kyverno.yaml": KYVERNO.format(version="3.1.0"),
        },
    )
    app = open_app(repo)
    (pin,) = app.chart_pins(app.config.environment("test"))
    assert (pin.file, pin.site.version) == ("overlays/test/kyverno.yaml", "3.1.0"), pin


def test_the_branchs_other_files_never_take_the_bound_from_what_the_environment_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The branch is read to a total bound: its YAML files (what the reader reads) first, so
    an archive sorting first in git's order (``.assets/``, 1 MiB, the bound) is what is left
    unread, not the overlay, which was blocked past the bound in git's order."""
    repo = _repository(tmp_path / "repo", branch=True)
    _on_test(
        repo,
        {
            ".assets/bundle.tgz": "#" * (1 << 20),
            "overlays/test/kustomization.yaml": OVERLAY.format(tag="2.0"),
        },
    )
    monkeypatch.setattr(branch_tree, "MAX_TOTAL", 1 << 20)
    app = open_app(repo)
    test = app.reading(app.config.environment("test"))
    assert test.blocked is None, test
    image = test.image(APP)
    assert image is not None and image.effective is not None and image.effective.tag == "2.0", image


def test_a_file_a_partial_clone_did_not_fetch_blocks_its_environment_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blob git cannot size (a partial clone's, not fetched) is not "over 4 MiB": the reason
    says it is not in the clone, with that fix."""
    repo = _repository(tmp_path / "repo", branch=True)
    _on_test(repo, {"overlays/test/kustomization.yaml": OVERLAY.format(tag="2.0")})
    monkeypatch.setattr(History, "blob_sizes", lambda self, blobs: {})
    app = open_app(repo)
    image = app.reading(app.config.environment("test")).image(APP)
    assert image is not None and image.status is PinStatus.UNSUPPORTED, image
    assert image.reason is not None and image.reason.startswith(
        "overlays/test/kustomization.yaml, which test renders, is not read (not in this clone"
    ), image
    assert image.fix == "clone the repository without --filter", image
