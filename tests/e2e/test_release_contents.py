"""A release's pull request lists what is in it: two builds of the app pushed to the real
registry with their OCI source and revision labels, the source repository's commits held by
the GitHub fake; `update` opens a pull request whose body lists the commits between the
running build and the proposed one, and a build without labels gets one line, not a failure."""

from __future__ import annotations

import pytest

from testkit import source_repos
from testkit.markup import shown
from testkit.update_world import World, update

SOURCE = "org.opencontainers.image.source"
REVISION = "org.opencontainers.image.revision"


def _source(world: World) -> list[str]:
    repo = world.tmp / "app-source"
    shas = source_repos.make(
        repo,
        [
            ("Release 1.0.0", "Ada Lovelace"),
            ("Add the health endpoint (#12)", "Grace Hopper"),
            ("Fix the retry budget (#13)", "Alan Turing"),
        ],
    )
    world.github.sources["acme/app"] = repo
    return shas


def _build(world: World, tag: str, labels: dict[str, str]) -> str:
    return world.pusher.image(f"{world.ns}/app", tag, labels=labels, salt=f"{world.ns}-app-{tag}-l").digest


def test_update_pull_request_lists_the_commits_between_the_two_builds(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = _source(world)
    url = f"{world.github.url}/acme/app"
    _build(world, "1.0.0", {SOURCE: url, REVISION: shas[0]})  # the running build, labelled
    _build(world, "1.1.0", {SOURCE: url, REVISION: shas[2]})

    update(capsys, world, "--env", "staging")

    (pr,) = world.github.open_pulls()
    body = pr["body"]
    assert "<summary><code>example/app</code>: 2 commits</summary>" in body
    assert f"- `{shas[2][:7]}` Fix the retry budget — alan ([#13]({url}/pull/13))" in body
    assert f"- `{shas[1][:7]}` Add the health endpoint — grace ([#12]({url}/pull/12))" in body
    assert body.index("Fix the retry budget") < body.index("Add the health endpoint")
    assert "Release 1.0.0" not in body  # the running build's own commit is not new
    assert f"[Compare on the forge]({url}/compare/{shas[0]}...{shas[2]})" in body
    # the worker's tag stays and only gets its digest pinned: the same build, nothing to list
    assert "example/worker`: commits unknown" not in body
    compares = [r for r in world.github.requests if "/compare/" in r.path]
    assert len(compares) == 1
    assert world.github.unexpected == []


def test_a_build_without_labels_gets_one_line_and_the_pull_request_still_opens(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.push("app", "1.1.0")  # no labels at all

    result = update(capsys, world, "--env", "staging")

    assert result["results"][0]["action"] == "pull_request"
    (pr,) = world.github.open_pulls()
    assert "- `example/app`: " in pr["body"]
    assert (
        "example/app: commits unknown: no source repository (label org.opencontainers.image.source "
        "or source.repository), no revision of the proposed image"
    ) in shown(pr["body"])
    assert not [r for r in world.github.requests if "/compare/" in r.path]


def test_a_dry_run_lists_the_same_commits_as_the_real_run_reading_with_the_token(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The forge answers the compare only with the token (a private source repository): the
    dry run reads with it as the real run does, so its body is the pull request's, word for
    word, and it writes nothing."""
    shas = _source(world)
    url = f"{world.github.url}/acme/app"
    _build(world, "1.0.0", {SOURCE: url, REVISION: shas[0]})
    _build(world, "1.1.0", {SOURCE: url, REVISION: shas[2]})

    (dry,) = update(capsys, world, "--env", "staging", "--dry-run")["results"]
    assert world.github.open_pulls() == [] and world.github.pulls == []
    assert "<summary><code>example/app</code>: 2 commits</summary>" in dry["body"]

    (real,) = update(capsys, world, "--env", "staging")["results"]
    (pr,) = world.github.open_pulls()
    assert (dry["branch"], dry["kind"]) == (real["branch"], real["kind"])
    assert (dry["title"], dry["body"]) == (pr["title"], pr["body"])
