"""A run's checkout reads several environments' histories together (one ``git log``, one
``ls-tree``, one ``rev-list`` and one ``cat-file`` for all of them) and cuts each one's answer
from that: the answers are those each environment's own commands give, on a history with a
root commit, interleaved changes, a file added late and one deleted, and merges read by their
first parent."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.git.gitlog import Checkout, Commit, History
from testkit.local_git import git

ENVS = {
    "dev": ["overlays/dev/kustomization.yaml", "overlays/dev/values.yaml"],
    "staging": ["overlays/staging/kustomization.yaml"],
    "production": ["overlays/production/kustomization.yaml", "overlays/production/patch.yaml"],
}


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for env in ("dev", "staging", "production"):
        write(root, f"overlays/{env}/kustomization.yaml", f"namespace: {env}\nnewTag: 1.0.0\n")
    commit(root, "overlays")
    write(root, "overlays/dev/kustomization.yaml", "namespace: dev\nnewTag: 1.1.0\n")
    commit(root, "dev 1.1.0")
    write(root, "overlays/dev/values.yaml", "tag: 1.1.0\n")  # added late
    write(root, "overlays/staging/kustomization.yaml", "namespace: staging\nnewTag: 1.1.0\n")
    commit(root, "dev values, staging 1.1.0")
    write(root, "README.md", "not an environment's\n")
    commit(root, "readme")
    git(root, "checkout", "-q", "-b", "topic")
    write(root, "overlays/production/patch.yaml", "replicas: 3\n")
    commit(root, "production patch")
    write(root, "overlays/staging/kustomization.yaml", "namespace: staging\nnewTag: 1.2.0\n")
    commit(root, "staging 1.2.0 on the topic")
    git(root, "checkout", "-q", "main")
    write(root, "overlays/dev/kustomization.yaml", "namespace: dev\nnewTag: 1.2.0\n")
    commit(root, "dev 1.2.0")
    git(root, "merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    (root / "overlays/dev/values.yaml").unlink()  # deleted
    commit(root, "dev values gone")
    return root


@pytest.fixture
def git_processes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The git commands started in the block (the one runner is a plain subprocess.run)."""
    started: list[list[str]] = []
    real = subprocess.run

    def counted(argv: list[str], *args: object, **kwargs: object) -> object:
        if argv and argv[0] == "git":
            started.append(argv[1:])
        return real(argv, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", counted)
    yield started


def answers(history: History, paths: list[str]) -> tuple[list[Commit], dict[str, str], dict[str, bytes]]:
    commits = history.log("HEAD", paths)
    at = history.blobs_at("HEAD", paths)
    blobs = sorted({*at.values(), *(b for c in commits for _, b in c.before if b)})
    return commits, at, history.read_blobs(blobs, "HEAD", paths)


def test_each_environment_reads_what_its_own_commands_read(repo: Path) -> None:
    alone = {name: answers(Checkout(repo), paths) for name, paths in ENVS.items()}
    together = Checkout(repo)
    together.expect("HEAD", [p for paths in ENVS.values() for p in paths])
    assert {name: answers(together, paths) for name, paths in ENVS.items()} == alone
    # the history is really there: dev's four changes, the deletion and the late addition
    dev_commits, dev_at, _ = alone["dev"]
    assert [c.message.strip() for c in dev_commits] == [
        "dev values gone",
        "dev 1.2.0",
        "dev values, staging 1.1.0",
        "dev 1.1.0",
        "overlays",
    ]
    assert list(dev_at) == ["overlays/dev/kustomization.yaml"]
    prod_commits = alone["production"][0]
    assert [c.message.strip() for c in prod_commits] == ["Merge topic", "overlays"]


def test_the_environments_histories_cost_one_command_of_each_kind(
    repo: Path, git_processes: list[list[str]]
) -> None:
    checkout = Checkout(repo)
    checkout.expect("HEAD", [p for paths in ENVS.values() for p in paths])
    for paths in ENVS.values():
        answers(checkout, paths)
    for paths in ENVS.values():  # asked again (the automatic rules after the holds): kept
        answers(checkout, paths)
    kinds = [next(a for a in argv if not a.startswith("-") and "=" not in a) for argv in git_processes]
    assert sorted(kinds) == ["cat-file", "log", "ls-tree", "rev-list", "rev-parse"]


def test_a_command_reading_one_environment_reads_its_files_alone(
    repo: Path, git_processes: list[list[str]]
) -> None:
    """Nothing expected: the log is of the environment's own files (a promote of one
    environment of a thousand must not read the others' histories)."""
    checkout = Checkout(repo)
    answers(checkout, ENVS["staging"])
    (log,) = [argv for argv in git_processes if "log" in argv]
    assert log[log.index("--") + 1 :] == ENVS["staging"]


def test_a_ref_is_kept_only_while_nothing_moves_it(repo: Path) -> None:
    """A session fetches and pushes into the user's clone: the refs it moves are read anew;
    a plan's (steady) are read once."""
    session, plan = Checkout(repo), Checkout(repo, steady=lambda: True)
    paths = ENVS["staging"]
    before = [c.sha for c in session.log("refs/heads/topic", paths)]
    assert [c.sha for c in plan.log("refs/heads/topic", paths)] == before
    git(repo, "checkout", "-q", "topic")
    write(repo, "overlays/staging/kustomization.yaml", "namespace: staging\nnewTag: 1.3.0\n")
    commit(repo, "staging 1.3.0 on the topic")
    git(repo, "checkout", "-q", "main")
    assert len(session.log("refs/heads/topic", paths)) == len(before) + 1
    assert [c.sha for c in plan.log("refs/heads/topic", paths)] == before


def test_a_detached_head_is_kept_by_its_commit(repo: Path) -> None:
    """A session's worktree is detached: what is read of its HEAD is kept by the commit HEAD
    names, so a commit the session makes there (a rollback's) is read as itself, not as the
    HEAD read before it, and a question asked by that commit's id shares the answer."""
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "--detach")
    checkout = Checkout(repo)
    paths = ENVS["staging"]
    checkout.expect(head, [*paths, *ENVS["dev"]])
    before = checkout.log("HEAD", paths)
    assert [c.sha for c in checkout.log(head, paths)] == [c.sha for c in before]
    write(repo, "overlays/staging/kustomization.yaml", "namespace: staging\nnewTag: 1.4.0\n")
    commit(repo, "staging 1.4.0, committed in the worktree")
    after = checkout.log("HEAD", paths)
    assert len(after) == len(before) + 1 and after[0].sha == git(repo, "rev-parse", "HEAD").strip()
    assert [c.sha for c in checkout.log(head, paths)] == [c.sha for c in before]


def test_a_sessions_checkout_fetches_with_the_sessions_credentials_as_they_are_now(repo: Path) -> None:
    """A partial clone's missing blobs are fetched through the run's checkout with the
    session's git environment, which the session sets once the forge is connected (a GitHub
    App's token): the checkout reads it then, not a copy made before."""
    session = Checkout(repo)
    checkout = Checkout(repo, owner=session)
    assert checkout.env == {}
    session.env = {"GIT_CONFIG_COUNT": "0"}
    assert checkout.env == {"GIT_CONFIG_COUNT": "0"}
