"""The onboarding pull request (``gitops-bot init --pull-request``) on GitHub and Gitea (local
servers built from their published API descriptions, a real bare git remote): opened once with
the config and the first plan in its body, found and left alone by a second run, not opened
again once a person closed it without merging, and nothing to do once it is merged."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot import action
from gitops_bot.cli import main
from gitops_bot.commands.update import Updater
from gitops_bot.watch import Watcher
from testkit.actions_env import actions_env, read_outputs
from testkit.gitea_server import FakeGitea
from testkit.github_server import FakeGitHub
from testkit.gitlab_server import FakeGitLab
from testkit.update_world import git, new_remote, push_first

BRANCH = "gitops-bot/onboarding"
DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:1.0.0
"""


def _overlay(tag: str) -> str:
    return f"resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app\n  newTag: {tag}\n"


@pytest.fixture(params=["github", "gitea", "gitlab"])
def forge(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path, Any, str]]:
    remote, seed = new_remote(tmp_path)
    for rel, text in {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY,
        "overlays/dev/kustomization.yaml": _overlay("1.2.0"),
        "overlays/production/kustomization.yaml": _overlay("1.1.0"),
    }.items():
        (seed / rel).parent.mkdir(parents=True, exist_ok=True)
        (seed / rel).write_text(text)
    push_first(remote, seed)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    kind: str = request.param
    if kind == "github":
        with FakeGitHub("acme/gitops", remote) as gh:
            monkeypatch.setenv("GITHUB_TOKEN", gh.token)
            yield kind, remote, gh, gh.url
    elif kind == "gitea":
        with FakeGitea(remote) as fake:
            monkeypatch.setenv("GITEA_TOKEN", fake.token)
            yield kind, remote, fake, fake.url + "/api/v1"
    else:  # GitLab's closed merge requests are not read: the branch a closed one leaves says it
        with FakeGitLab(remote) as lab:
            monkeypatch.setenv("GITLAB_TOKEN", lab.token)
            yield kind, remote, lab, lab.url + "/api/v4"


def _init(
    capsys: pytest.CaptureFixture[str], kind: str, remote: Path, api: str, *extra: str
) -> dict[str, Any]:
    argv = ["init", "--pull-request", "--repo", f"file://{remote}", "--output", "json"]
    argv += ["--forge", kind, "--api-url", api, "--forge-repository", "acme/gitops", *extra]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _open(fake: Any) -> list[dict[str, Any]]:
    """The open change requests, forge-neutral: number, head, title, body."""
    if isinstance(fake, FakeGitHub):
        return [
            {"number": p["number"], "head": p["head"]["ref"], "title": p["title"], "body": p["body"]}
            for p in fake.pulls
            if p["state"] == "open"
        ]
    return [{k: v[k] for k in ("number", "head", "title", "body")} for v in fake.open_views()]


def _close(fake: Any, number: int) -> None:
    """A person closes it without merging."""
    if isinstance(fake, FakeGitHub):
        next(p for p in fake.pulls if p["number"] == number)["state"] = "closed"
    else:
        fake.find(number)["state"] = "closed"


def _head(remote: Path, branch: str) -> str:
    return git(remote, "rev-parse", f"refs/heads/{branch}")


def test_opened_once_then_left_and_never_reopened_once_closed(
    forge: tuple[str, Path, Any, str], capsys: pytest.CaptureFixture[str]
) -> None:
    kind, remote, fake, api = forge
    dry = _init(capsys, kind, remote, api, "--dry-run")
    assert dry["init"]["onboarding"].startswith("would open the onboarding pull request")
    assert _open(fake) == [] and not git(remote, "branch", "--list", BRANCH)

    first = _init(capsys, kind, remote, api)
    assert "opened the onboarding" in first["init"]["onboarding"]
    (pr,) = _open(fake)
    assert pr["head"] == BRANCH and pr["title"] == "Configure gitops-bot"
    body = pr["body"]
    assert "Merging this pull request switches gitops-bot on" in body
    assert (
        "### What each environment would get" in body and "production (receives promotions from dev)" in body
    )
    assert "registry not asked" in body  # what could not be read is said, not hidden
    assert "### Guessed (check these)" in body
    config = git(remote, "show", f"{BRANCH}:gitops-bot.yaml")
    loaded = yaml.safe_load(config)
    assert [e["name"] for e in loaded["environments"]] == ["dev", "production"]
    assert loaded["forge"] == {"type": kind, "api_url": api, "repository": "acme/gitops"}
    assert subprocess.run(
        ["git", "-C", str(remote), "show", "main:gitops-bot.yaml"], capture_output=True
    ).returncode
    sha = _head(remote, BRANCH)

    second = _init(capsys, kind, remote, api)
    assert second["init"]["onboarding"].startswith("left the")
    assert [p["number"] for p in _open(fake)] == [pr["number"]] and _head(remote, BRANCH) == sha

    _close(fake, pr["number"])
    third = _init(capsys, kind, remote, api)
    assert "closed without merging, not proposed again" in third["init"]["onboarding"].replace(":", ",")
    assert _open(fake) == [] and len(fake.pulls) == 1
    assert fake.unexpected == []


def test_merged_it_is_the_configuration_and_nothing_is_proposed(
    forge: tuple[str, Path, Any, str], capsys: pytest.CaptureFixture[str]
) -> None:
    kind, remote, fake, api = forge
    _init(capsys, kind, remote, api)
    (pr,) = _open(fake)
    fake.merge(pr["number"])  # a person merges it: the configuration is on main
    after = _init(capsys, kind, remote, api)
    assert "is on main already: nothing to onboard" in after["init"]["onboarding"]
    assert len(fake.pulls) == 1 and _open(fake) == []
    assert fake.unexpected == []


def test_the_action_proposes_it_by_itself_once_on_a_checkout_without_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Action's default step (update) on a checkout with no gitops-bot.yaml runs the
    onboarding instead: the pull request opened on the first run, left as it is on the next."""
    remote, seed = new_remote(tmp_path)
    for rel, text in {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY,
        "overlays/staging/kustomization.yaml": _overlay("1.0.0"),
    }.items():
        (seed / rel).parent.mkdir(parents=True, exist_ok=True)
        (seed / rel).write_text(text)
    push_first(remote, seed)
    with FakeGitHub("acme/gitops", remote) as gh:
        env = actions_env(tmp_path, command="update", repo=str(seed), github_token=gh.token)
        env.update(
            GITHUB_API_URL=gh.url, GITHUB_REPOSITORY="acme/gitops", GITOPS_BOT_CACHE=str(tmp_path / "c")
        )
        monkeypatch.setattr("os.environ", env)
        assert action.onboarding_argv(env) is not None
        out = io.StringIO()
        assert action.run(env, out) == 0, out.getvalue()
        assert "::group::gitops-bot init --pull-request" in out.getvalue()
        (pr,) = _open(gh)
        assert pr["head"] == BRANCH
        assert '"onboarding":"opened the onboarding' in read_outputs(tmp_path / "output")["plan"]
        env = {**env, **actions_env(tmp_path, command="update", repo=str(seed), github_token=gh.token)}
        again = io.StringIO()
        assert action.run(env, again) == 0, again.getvalue()
        assert [p["number"] for p in _open(gh)] == [pr["number"]] and len(gh.pulls) == 1
        assert gh.unexpected == []
    # a checkout with its configuration runs the step's own command
    (seed / "gitops-bot.yaml").write_text("version: 1\n")
    assert action.onboarding_argv(env) is None


def test_watch_proposes_it_on_a_repository_without_config_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watched repository with no gitops-bot.yaml: the first cycle opens the onboarding pull
    request (a successful cycle, not a crash loop on the missing file), the next leaves it,
    and once it is merged the cycle is an ordinary update run under the new configuration."""
    remote, seed = new_remote(tmp_path)
    for rel, text in {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        # a registry on loopback nothing listens on: the update after the merge asks no outside host
        "base/deploy.yaml": DEPLOY.replace("ghcr.io/acme/app", "127.0.0.1:9/acme/app"),
        "overlays/dev/kustomization.yaml": _overlay("1.0.0").replace(
            "ghcr.io/acme/app", "127.0.0.1:9/acme/app"
        ),
    }.items():
        (seed / rel).parent.mkdir(parents=True, exist_ok=True)
        (seed / rel).write_text(text)
    push_first(remote, seed)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    with FakeGitHub("acme/gitops", remote) as gh:
        monkeypatch.setenv("GITHUB_TOKEN", gh.token)
        monkeypatch.setenv("GITHUB_API_URL", gh.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/gitops")
        watcher = Watcher(lambda: Updater(f"file://{remote}"), interval=3600, jitter=0)
        assert watcher.cycle() == (True, False)
        (pr,) = _open(gh)
        assert pr["head"] == BRANCH
        assert watcher.cycle() == (True, False)
        assert len(gh.pulls) == 1 and _open(gh) == [pr]
        gh.merge(pr["number"])
        assert "gitops-bot.yaml" in git(remote, "ls-tree", "--name-only", "main")
        # an update run under the merged config: its registry is unreachable, and nothing is onboarded again
        assert watcher.cycle() == (False, True)
        assert len(gh.pulls) == 1
        assert gh.unexpected == []
