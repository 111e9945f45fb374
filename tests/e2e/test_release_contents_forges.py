"""A release's pull request lists what is in it on Azure DevOps and Bitbucket too: two builds of
the app pushed to the real registry with OCI source and revision labels naming a repository on
the GitOps forge itself; `update` opens the pull request with the commits between the running
build and the proposed one (read from the forge's commit list), their authors, the pull requests
the merge subjects name and the forge's comparison link. A revision the forge does not know is
one line of the body naming it, and the pull request still opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit import source_repos
from testkit.forge_world import World, make_world
from testkit.markup import shown
from testkit.registry_process import RegistryProcess

SOURCE = "org.opencontainers.image.source"
REVISION = "org.opencontainers.image.revision"
KINDS = ["azure-devops", "bitbucket-cloud", "bitbucket-data-center"]
# each forge's merge subject, as its pull requests' completion writes it
MERGED = {
    "azure-devops": "Merged PR 12: Add the health endpoint",
    "bitbucket-cloud": "Merged in health (pull request #12)",
    "bitbucket-data-center": "Merge pull request #12 in ACME/app from health to main",
}


def _source(world: World, kind: str) -> tuple[str, list[str]]:
    """The source repository on the fake forge, and its web URL as an image label names it."""
    repo = world.tmp / "app-source"
    shas = source_repos.make(
        repo,
        [
            ("Release 1.0.0", "Ada Lovelace"),
            (MERGED[kind], "Grace Hopper"),
            ("Fix the retry budget", "Alan Turing"),
        ],
    )
    fake = world.forge
    if kind == "azure-devops":
        fake.sources["acme/Web Site/app"] = repo  # type: ignore[attr-defined]
        return f"{fake.url}/acme/Web%20Site/_git/app", shas
    if kind == "bitbucket-cloud":
        fake.sources["acme/app"] = repo  # type: ignore[attr-defined]
        return f"{fake.url}/acme/app", shas
    fake.sources["ACME/app"] = repo  # type: ignore[attr-defined]
    return f"{fake.url}/projects/ACME/repos/app/browse", shas


def _build(world: World, tag: str, labels: dict[str, str]) -> None:
    world.pusher.image(f"{world.ns}/app", tag, labels=labels, salt=f"{world.ns}-app-{tag}-l")


@pytest.mark.parametrize("kind", KINDS)
def test_update_pull_request_lists_the_commits_on_azure_devops_and_bitbucket(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for world in make_world(tmp_path, registry, monkeypatch, kind, "environment"):
        url, shas = _source(world, kind)
        _build(world, "1.0.0", {SOURCE: url, REVISION: shas[0]})  # the running build
        _build(world, "1.1.0", {SOURCE: url, REVISION: shas[2]})

        world.run(capsys, "update", "--env", "staging")

        body = world.only_open()["body"]
        assert "<summary><code>example/app</code>: 2 commits</summary>" in body
        assert f"- `{shas[2][:7]}` Fix the retry budget — Alan Turing" in body
        merged = next(line for line in body.splitlines() if line.startswith(f"- `{shas[1][:7]}`"))
        assert MERGED[kind] in shown(merged) and "[#12](" in merged
        assert "Release 1.0.0" not in body
        assert "[Compare on the forge](" in body
        commit_lists = [r for r in world.forge.requests if "commits" in r.path]
        assert len(commit_lists) == 1  # one page: the two commits


@pytest.mark.parametrize("kind", KINDS)
def test_an_unknown_revision_is_one_line_naming_it_and_the_pull_request_still_opens(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for world in make_world(tmp_path, registry, monkeypatch, kind, "environment"):
        url, shas = _source(world, kind)
        gone = "badc0ffee" + "0" * 31  # a commit the source repository never had (rewritten history)
        _build(world, "1.0.0", {SOURCE: url, REVISION: gone})
        _build(world, "1.1.0", {SOURCE: url, REVISION: shas[2]})

        result = world.run(capsys, "update", "--env", "staging")

        assert result["results"][0]["action"] == "pull_request"
        line = next(x for x in world.only_open()["body"].splitlines() if "commits unknown" in x)
        assert line.startswith("- `example/app`: ")
        assert shown(line).startswith(f"example/app: commits unknown: {url}: HTTP 404")
        assert "badc0ff" in line
