"""Bitbucket Data Center 7.0+ writes its merge commit's subject as "Pull request #12: title"
(older servers wrote "Merge pull request #12 in P/r from x to main", GitHub's form). The
release contents of a Data Center source name the pull request either names, read by the
pattern the forge's registry item holds (forges/registry.py), the one the history a plan
reads uses too: the comparison keeps no copy of its own."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.secret import Secret
from gitops_bot.forges.registry import FORGES, merged_change_request
from gitops_bot.forges.sources import Sources, hosts_for
from testkit import source_repos
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter
from testkit.forge_repo import remote_with_branch

SUBJECT = "Pull request #12: Add the health endpoint"
HISTORY = [
    ("Initial import", "Ada Lovelace"),
    (f"{SUBJECT}\n\nMerge in ACME/app from health to main\n\n* commit 'x'", "Grace Hopper"),
    ("Merge pull request #7 in ACME/app from pool to main", "Alan Turing"),
    ("Pull request #13 is mentioned here, not merged", "Ada Lovelace"),
]


def test_a_data_center_source_names_the_pull_request_its_merge_subject_names(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", HISTORY)
    with FakeBitbucketDataCenter(
        remote_with_branch(tmp_path, "x"), sources={"ACME/app": tmp_path / "app"}
    ) as s:
        sources = Sources(hosts_for("bitbucket-data-center", s.url, None, Secret.for_urls(s.token, [s.url])))
        found = sources.compare(f"{s.url}/scm/ACME/app.git", shas[0], shas[-1])
    assert [(c.title, c.pulls) for c in found.commits] == [
        (SUBJECT, (12,)),
        ("Merge pull request #7 in ACME/app from pool to main", (7,)),
        ("Pull request #13 is mentioned here, not merged", ()),
    ]
    # the same subject, read by the history a plan reads
    assert merged_change_request(SUBJECT, HISTORY[1][0]) == 12
    assert FORGES["bitbucket-data-center"].merge_subjects[0].search(SUBJECT) is not None
