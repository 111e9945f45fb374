"""A history entry names the change request its commit merged, as the forge that merged it
wrote it (each registered forge's subject, Azure Repos' "Merged PR 19: ..." among them,
GitLab's body line), read from real git; a revert quoting a merge's subject merged none; a number
nobody's forge writes (thousands of digits in a commit anyone can push) names none, where it
stopped ``history`` and ``plan`` with a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitops_bot.git.git import GitWorkspace
from gitops_bot.manifests import images
from gitops_bot.release import ledger

KUSTOMIZATION = "images:\n- name: app\n  newTag: {tag}\n"
PATHS = ["prod/kustomization.yaml"]
SUBJECTS = [
    ("initial", None),
    ("Fix the thing (#12)", 12),
    ("Merge pull request #13 from acme/x", 13),
    ("Merge pull request 'T' (#14) from x into main", 14),
    ("Merged in feature (pull request #15)", 15),
    ("Pull request #16: title", 16),
    ("Merged PR 19: Add the health endpoint\n\nRelated work items: #4711", 19),  # Azure Repos
    # an anchored merge form names its own number before a title's "(#N)" (in Azure Repos a
    # work item's link; elsewhere a quoted pull request's)
    ("Merged PR 21: Fix login (#4521)", 21),
    ("Merged in fix/login (pull request #22)\n\nFix login (#4522)", 22),
    ("Pull request #23: Fix login (#4523)", 23),
    ("Merge pull request #24 from acme/fix (#4524)", 24),
    ("Fix login (#4525)\n\nSee merge request acme/gitops!25", 25),
    ('Revert "Merged in pool (pull request #20)"', None),  # a revert quotes the merge it undoes
    ("Merge branch 'x' into 'main'\n\nSee merge request acme/gitops!17", 17),
    ("Bump app\n\nreverts Merge pull request #18 from acme/x", None),  # a subject's form, in a body
    ("Bump app (#" + "9" * 5000 + ")", None),
    ("Merge pull request #" + "9" * 19 + " from acme/x", None),
    ("Merge pull request #" + "9" * 18 + " from acme/x", 10**18 - 1),
]


def _history(tmp_path: Path, subjects: list[tuple[str, int | None]]) -> Path:
    """A remote whose main holds one commit per subject, each changing prod's tag."""
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    (work / "prod").mkdir()
    for i, (message, _) in enumerate(subjects):
        (work / PATHS[0]).write_text(KUSTOMIZATION.format(tag=f"1.0.{i}"))
        subprocess.run(["git", "-C", str(work), "add", "-A"], check=True)
        subprocess.run(
            ["git", "-C", str(work), "-c", "user.name=dev", "-c", "user.email=d@x", "commit", "-qm", message],
            check=True,
        )
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "main"], check=True, capture_output=True)
    return remote


def test_each_entry_names_the_change_request_its_forge_wrote_and_a_hostile_number_none(
    tmp_path: Path,
) -> None:
    remote = _history(tmp_path, SUBJECTS)
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch("main", "gitops-bot")
        entries = ledger.read(ws, ws.base_ref, PATHS, [images.ImageSpec("app")])
    assert [e.pull_request for e in reversed(entries)] == [number for _, number in SUBJECTS]


def test_a_history_on_a_forge_reads_that_forges_merges_first(tmp_path: Path) -> None:
    """A GitHub squash of a pull request titled as an Azure Repos completion (a repository moved
    to GitHub, a commit cherry-picked) is GitHub's pull request: the repository's own forge is
    read first when the history knows it; not knowing, the anchored form."""
    remote = _history(tmp_path, [("initial", None), ("Merged PR 3: Drop the cache (#45)", None)])
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch("main", "gitops-bot")
        read = {
            forge: ledger.read(ws, ws.base_ref, PATHS, [images.ImageSpec("app")], forge=forge)[0].pull_request
            for forge in ("github", "azure-devops", None)
        }
    assert read == {"github": 45, "azure-devops": 3, None: 3}
