"""Bitbucket Cloud and Azure Repos name the pull request a merge merged in its subject, and the
release contents of a source on either forge read it by the pattern the forge's registry item
holds (forges/registry.py), the one the history a plan reads uses too: neither comparison
keeps a copy of its own, so the two never disagree on what names a pull request.

The subjects are each forge's own defaults: Bitbucket Cloud's merge and squash commit
"Merged in {branch} (pull request #{n})" with the title below (Atlassian's atlascode fills the
merge dialog with it, as bitbucket.org does), and Azure Repos' completion "Merged PR {n}:
{title}" (the message the Complete pull request pane writes unless customised, quoted in
eamodio/vscode-gitlens#1486). A revert of a merge quotes its subject inside: it merged nothing."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.secret import Secret
from gitops_bot.forges.registry import FORGES, merged_change_request
from gitops_bot.forges.sources import Sources, hosts_for
from testkit import source_repos
from testkit.azure_devops_server import FakeAzureDevOps
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.forge_repo import remote_with_branch

CLOUD_MERGE = "Merged in feature/health (pull request #12)"
CLOUD = [
    ("Initial import", "Ada Lovelace"),
    (f"{CLOUD_MERGE}\n\nAdd the health endpoint\n\nApproved-by: Alan Turing", "Grace Hopper"),
    ('Revert "Merged in pool (pull request #7)"\n\nThis reverts commit 1a2b3c4.', "Alan Turing"),
    ("Tune the pool", "Ada Lovelace"),
]
AZURE_MERGE = "Merged PR 12: Add the health endpoint"
AZURE = [
    ("Initial import", "Ada Lovelace"),
    (f"{AZURE_MERGE}\n\nRelated work items: #4711", "Grace Hopper"),
    ("Revert 'Merged PR 7: Tune the pool'", "Alan Turing"),
    ("Tune the pool", "Ada Lovelace"),
]


def _sources(kind: str, api: str, token: str) -> Sources:
    return Sources(hosts_for(kind, api, None, Secret.for_urls(token, [api])))


def test_a_bitbucket_cloud_source_names_the_pull_request_its_merge_subject_names(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", CLOUD)
    with FakeBitbucketCloud(remote_with_branch(tmp_path, "x"), sources={"acme/app": tmp_path / "app"}) as s:
        found = _sources("bitbucket-cloud", s.url + s.api_prefix, s.token).compare(
            f"{s.url}/acme/app", shas[0], shas[-1]
        )
    assert [(c.title, c.pulls) for c in found.commits] == [
        (CLOUD_MERGE, (12,)),
        ('Revert "Merged in pool (pull request #7)"', ()),
        ("Tune the pool", ()),
    ]
    # the same subjects, read by the history a plan reads
    assert [merged_change_request(m.split("\n")[0], m) for m, _ in CLOUD[1:]] == [12, None, None]
    assert FORGES["bitbucket-cloud"].merge_subjects[0].search(CLOUD_MERGE) is not None


def test_an_azure_repos_source_names_the_pull_request_its_completion_subject_names(tmp_path: Path) -> None:
    shas = source_repos.make(tmp_path / "app", AZURE)
    with FakeAzureDevOps(
        remote_with_branch(tmp_path, "x"), sources={"acme/Web Site/app": tmp_path / "app"}
    ) as s:
        found = _sources("azure-devops", s.url, s.token).compare(
            f"{s.url}/acme/Web%20Site/_git/app", shas[0], shas[-1]
        )
    assert [(c.title, c.pulls) for c in found.commits] == [
        (AZURE_MERGE, (12,)),
        ("Revert 'Merged PR 7: Tune the pool'", ()),
        ("Tune the pool", ()),
    ]
    # the same subjects, read by the history a plan reads
    assert [merged_change_request(m.split("\n")[0], m) for m, _ in AZURE[1:]] == [12, None, None]
    assert FORGES["azure-devops"].merge_subjects[0].search(AZURE_MERGE) is not None
