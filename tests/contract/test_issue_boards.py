"""The GitHub, GitLab, Gitea and Forgejo adapters as issue boards, against the local APIs built from each
forge's published description (every request and answer checked against it): the dashboard issue is
created with its label, found again by label and marker among issues *and* pull requests
(GitHub lists both), edited only when it changes, and a labelled pull request is never taken
for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ForgeError
from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.gitlab.adapter import GitLab
from gitops_bot.forges.issues import MARKER, IssueBoard, Kept, board_of, keep
from gitops_bot.forges.settings import ForgeConfig, GitHubConfig
from testkit.forge_repo import remote_with_branch
from testkit.gitea_server import FakeGitea
from testkit.github_server import FakeGitHub
from testkit.gitlab_server import FakeGitLab

LABEL = "gitops-bot-dashboard"


def connect(gh: FakeGitHub) -> GitHub:
    cfg = GitHubConfig(repository="acme/gitops", api_url=gh.url, write_interval=0)
    return GitHub.connect(cfg, "acme/gitops", {"GITHUB_TOKEN": gh.token})


def test_the_dashboard_issue_is_created_once_and_edited_only_when_it_changes(tmp_path: Path) -> None:
    with FakeGitHub("acme/gitops", remote_with_branch(tmp_path, "gitops-bot/dev")) as gh:
        forge = connect(gh)
        board: IssueBoard | None = board_of(forge)
        assert board is not None
        # a pull request carrying the same label and even the marker is not the dashboard
        pr = forge.create("gitops-bot/dev", "main", "dev: release", f"{MARKER}\nbody", draft=False)
        forge.decorate(pr, labels=[LABEL], reviewers=[], assignees=[], auto_merge=None)

        kept, issue = keep(board, "gitops-bot dashboard", "| table |", LABEL)
        assert kept is Kept.CREATED and issue.number == 2 and issue.open  # numbers shared with PRs
        (made,) = gh.issues
        assert [x["name"] for x in made["labels"]] == [LABEL] and made["body"].startswith(MARKER)

        writes = gh.writes()
        assert keep(board, "gitops-bot dashboard", "| table |", LABEL)[0] is Kept.UNCHANGED
        assert gh.writes() == writes  # asked, not written
        assert keep(board, "gitops-bot dashboard", "| other |", LABEL)[0] is Kept.UPDATED
        assert gh.paths("PATCH") == ["PATCH /repos/acme/gitops/issues/2"]
        assert gh.issues[0]["body"].endswith("| other |") and len(gh.issues) == 1
        listed = [p for p in gh.paths("GET") if p.startswith("GET /repos/acme/gitops/issues?")]
        assert listed and all("labels=gitops-bot-dashboard" in p and "state=all" in p for p in listed)
        assert gh.unexpected == []


@pytest.mark.parametrize("flavour", ["gitea", "forgejo"])
def test_gitea_and_forgejo_keep_the_dashboard_issue_with_an_existing_label(
    tmp_path: Path, flavour: str
) -> None:
    """Gitea and Forgejo take labels by id and only ones the repository has: a missing label is
    refused before any issue is made (so no unlabelled dashboard is left to be duplicated)."""
    with FakeGitea(remote_with_branch(tmp_path, "gitops-bot/dev"), flavour=flavour) as server:
        cfg = ForgeConfig(type=flavour, api_url=f"{server.url}/api/v1", repository=server.repository)
        forge = Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": server.token})
        board = board_of(forge)
        assert board is not None
        with pytest.raises(ForgeError, match="no such label in acme/gitops: gitops-bot-dashboard"):
            keep(board, "gitops-bot dashboard", "| table |", LABEL)
        assert server.paths("POST") == []

        server.labels[LABEL] = 9
        pr = forge.create("gitops-bot/dev", "main", "dev: release", f"{MARKER}\nbody", draft=False)
        forge.decorate(pr, labels=["gitops-bot"], reviewers=[], assignees=[], auto_merge=None)
        kept, issue = keep(board, "gitops-bot dashboard", "| table |", LABEL)
        assert kept is Kept.CREATED and issue.number == 2 and issue.open
        writes = server.writes()
        assert keep(board, "gitops-bot dashboard", "| table |", LABEL)[0] is Kept.UNCHANGED
        assert server.writes() == writes
        assert keep(board, "gitops-bot dashboard", "| other |", LABEL)[0] is Kept.UPDATED
        assert server.paths("PATCH") == ["PATCH /repos/acme/gitops/issues/2"]
        assert len(server.issues) == 1 and server.issues[0]["body"].endswith("| other |")
        assert server.unexpected == []


def test_gitlab_keeps_the_dashboard_issue_apart_from_merge_requests(tmp_path: Path) -> None:
    """GitLab lists issues apart from merge requests (a labelled MR with the marker is never
    the dashboard), numbers them apart, makes the label with the issue, and is asked by label
    and state=all, so a closed dashboard is found, not duplicated. Issues are not in GitLab's
    description: the exchanges are held to doc/api/issues.md's examples."""
    with FakeGitLab(remote_with_branch(tmp_path, "gitops-bot/dev"), ci=False) as server:
        cfg = ForgeConfig(type="gitlab", api_url=f"{server.url}/api/v4", repository="acme/gitops")
        forge = GitLab.connect(cfg, "https://gitlab.test/acme/gitops.git", {"GITLAB_TOKEN": server.token})
        board = board_of(forge)
        assert board is not None
        pr = forge.create("gitops-bot/dev", "main", "dev: release", f"{MARKER}\nbody", draft=False)
        forge.decorate(pr, labels=[LABEL], reviewers=[], assignees=[], auto_merge=None)
        server.issues.append(  # someone's issue with the label: not the bot's
            {"iid": 1, "title": "mine", "description": "hands off", "labels": [LABEL], "state": "opened"}
        )

        kept, issue = keep(board, "gitops-bot dashboard", "| table |", LABEL)
        assert kept is Kept.CREATED and issue.number == 2 and issue.open
        assert issue.url == "https://gitlab.test/acme/gitops/-/issues/2"
        made = server.issues[1]
        assert made["labels"] == [LABEL] and made["description"].startswith(MARKER)

        writes = server.writes()
        assert keep(board, "gitops-bot dashboard", "| table |", LABEL)[0] is Kept.UNCHANGED
        assert server.writes() == writes  # asked, not written
        made["state"] = "closed"  # closing it hides it; the bot does not open another
        assert keep(board, "gitops-bot dashboard", "| other |", LABEL)[0] is Kept.UPDATED
        assert [p for p in server.paths("PUT") if "/issues" in p] == ["PUT /projects/acme%2Fgitops/issues/2"]
        assert len(server.issues) == 2 and made["description"].endswith("| other |")
        assert server.issues[0]["description"] == "hands off"
        listed = [p for p in server.paths("GET") if p.startswith("GET /projects/acme%2Fgitops/issues?")]
        assert listed and all(f"labels={LABEL}" in p and "state=all" in p for p in listed)
        assert server.unexpected == []


def _gitea(server: FakeGitea, flavour: str) -> Gitea:
    cfg = ForgeConfig(type=flavour, api_url=f"{server.url}/api/v1", repository=server.repository)
    return Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": server.token})


def _gitlab(server: FakeGitLab) -> GitLab:
    cfg = ForgeConfig(type="gitlab", api_url=f"{server.url}/api/v4", repository="acme/gitops")
    return GitLab.connect(cfg, "https://gitlab.test/acme/gitops.git", {"GITLAB_TOKEN": server.token})


@pytest.mark.parametrize("flavour", ["github", "gitlab", "gitea", "forgejo"])
def test_an_issue_someone_else_wrote_with_the_marker_first_is_left_alone(
    tmp_path: Path, flavour: str
) -> None:
    """Anyone who can open an issue can put the label and the marker on its first line: the
    dashboard is only an issue the token's own user wrote (asked of the forge once, ``GET
    /user``, as each description says). The stranger's issue is never edited; the bot makes its
    own, and keeps that one."""
    body = f"{MARKER}\nwrite here, bot"
    remote = remote_with_branch(tmp_path, "gitops-bot/dev")
    server: FakeGitHub | FakeGitLab | FakeGitea
    if flavour == "github":
        server = FakeGitHub("acme/gitops", remote)
        forge: GitHub | GitLab | Gitea = connect(server)
        server.issues.append(server._new_issue({"title": "mine", "body": body, "labels": [LABEL]}, "mallory"))
        number = 2
    elif flavour == "gitlab":
        server = FakeGitLab(remote, ci=False)
        forge = _gitlab(server)
        server.issues.append(
            {
                "iid": 1,
                "title": "mine",
                "description": body,
                "labels": [LABEL],
                "state": "opened",
                "author": "mallory",
            }
        )
        number = 2
    else:
        server = FakeGitea(remote, flavour=flavour)
        server.labels[LABEL] = 9
        forge = _gitea(server, flavour)
        server.issues.append(
            {
                "id": 901,
                "number": 1,
                "state": "open",
                "title": "mine",
                "body": body,
                "html_url": "https://gitea.test/acme/gitops/issues/1",
                "labels": [{"id": 9, "name": LABEL, "color": "ededed"}],
                "assignees": [],
                "comments": 0,
                "user": server.user("mallory"),
            }
        )
        number = 2
    with server:
        board = board_of(forge)
        assert board is not None
        kept, issue = keep(board, "gitops-bot dashboard", "| table |", LABEL)
        assert (kept, issue.number) == (Kept.CREATED, number) and issue.author == "gitops-bot"
        assert keep(board, "gitops-bot dashboard", "| other |", LABEL)[:1] == (Kept.UPDATED,)
        assert keep(board, "gitops-bot dashboard", "| other |", LABEL)[0] is Kept.UNCHANGED
        assert len(server.issues) == 2
        theirs = server.issues[0]
        assert theirs.get("body", theirs.get("description")) == body and theirs["title"] == "mine"
        assert [p for p in server.paths("GET") if p.split("?")[0].endswith("/user")] == ["GET /user"]
        assert server.unexpected == []
