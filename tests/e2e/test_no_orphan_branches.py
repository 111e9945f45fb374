"""Nothing orphaned: when opening a change request fails after its branch was pushed, the bot
deletes the branch it pushed (or, when the delete is impossible, the next run adopts it), so
the remote never keeps a bot branch without its PR/MR, and running again gives exactly one
change request per branch. Against the local GitLab and Gitea servers, a real bare remote
(``git ls-remote``) and the real registry process; two images grouped one PR each, so their
branches are pushed together in one batch before their change requests are opened."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.forges import kit
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter
from testkit.forge_server import FakeForge
from testkit.gitea_server import FakeGitea
from testkit.gitlab_server import FakeGitLab
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

FORGES: dict[str, tuple[type[FakeForge], str, str, str]] = {
    "gitlab": (FakeGitLab, "/api/v4", "GITLAB_TOKEN", "POST /projects/acme%2Fgitops/merge_requests"),
    "gitea": (FakeGitea, "/api/v1", "GITEA_TOKEN", "POST /repos/acme/gitops/pulls"),
    "bitbucket-cloud": (
        FakeBitbucketCloud,
        "/2.0",
        "BITBUCKET_TOKEN",
        "POST /repositories/acme/gitops/pullrequests",
    ),
    "bitbucket-data-center": (
        FakeBitbucketDataCenter,
        "",
        "BITBUCKET_TOKEN",
        "POST /api/latest/projects/ACME/repos/gitops/pull-requests",
    ),
}
REPOSITORY = {"bitbucket-data-center": "ACME/gitops"}
KUSTOMIZATION = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: []
images:
  - name: example/app
    newName: {host}/{ns}/app
    newTag: 1.0.0
  - name: example/worker
    newName: {host}/{ns}/worker
    newTag: "2.0"
"""
CONFIG = """version: 1
images:
  - name: example/app
    repository: {host}/{ns}/app
  - name: example/worker
    repository: {host}/{ns}/worker
environments:
  - name: staging
    path: overlays/staging
pull_request:
  group: image
forge:
  type: {kind}
  api_url: {api}
  repository: {repository}
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True).stdout


@dataclass
class World:
    remote: Path
    forge: FakeForge
    create: str
    kind: str

    def ls_remote(self) -> list[str]:
        return sorted(
            line.split("\t")[1] for line in git(self.remote, "ls-remote", "--heads", ".").splitlines()
        )

    def run(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
        code = main(["update", "--repo", f"file://{self.remote}", "--env", "staging"])
        return code, capsys.readouterr().err

    def open_heads(self) -> list[str]:
        return sorted(v["head"] for v in self.forge.open_views())


@pytest.fixture(params=sorted(FORGES))
def world(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    fake_cls, api, token_env, create = FORGES[request.param]
    ns = f"or{abs(hash(str(tmp_path))) % 10**8}"
    remote, seed = tmp_path / "remote.git", tmp_path / "seed"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(seed)], check=True, capture_output=True)
    (seed / "overlays/staging").mkdir(parents=True)
    (seed / "overlays/staging/kustomization.yaml").write_text(KUSTOMIZATION.format(host=registry.host, ns=ns))
    pusher = Pusher.to(registry.url)
    # a 5xx's back-off (7.5 s a request) is asked for and counted against the forge's budget
    # (forges.kit), not slept: each run here still gives up after its five attempts
    monkeypatch.setattr(kit, "_sleep", lambda seconds: None)
    with fake_cls(remote) as fake:  # type: ignore[call-arg]
        monkeypatch.setenv(token_env, fake.token)
        monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
        repository = REPOSITORY.get(request.param, "acme/gitops")
        config = CONFIG.format(
            host=registry.host, ns=ns, kind=request.param, api=fake.url + api, repository=repository
        )
        (seed / "gitops-bot.yaml").write_text(config)
        git(seed, "add", "-A")
        git(seed, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "initial")
        git(seed, "push", "-q", "origin", "main")
        try:
            for repo, tags in (("app", ("1.0.0", "1.1.0")), ("worker", ("2.0", "2.1"))):
                for tag in tags:
                    pusher.image(f"{ns}/{repo}", tag, salt=f"{ns}-{repo}-{tag}")
            yield World(remote, fake, create, request.param)
        finally:
            pusher.close()


def fail_first(world: World, status: int) -> list[int]:
    """The first change request's creation answers ``status``; the later ones go through."""
    original = world.forge.route
    calls: list[int] = []

    def route(method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        if f"{method} {path}" == world.create.replace("%2F", "/") or f"{method} {path}" == world.create:
            calls.append(1)
            if len(calls) == 1:
                return world.forge.refusal(status, "failed")
        return original(method, path, query, body)

    world.forge.route = route  # type: ignore[method-assign]
    return calls


@pytest.mark.parametrize("status", [500, 502, 422])
def test_every_creation_failing_leaves_only_main_and_a_rerun_opens_one_each(
    world: World, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    world.forge.fail[world.create] = (status, {"message": "no"}, {})
    code, err = world.run(capsys)
    assert code != 0 and "Traceback" not in err and err.count("\n") == 1
    assert world.ls_remote() == ["refs/heads/main"]
    assert world.forge.pulls == []
    del world.forge.fail[world.create]
    for _ in range(2):  # the rerun opens both; a third run opens nothing more
        code, err = world.run(capsys)
        assert code == 0, err
        assert world.open_heads() == ["gitops-bot/staging/example-app", "gitops-bot/staging/example-worker"]
        assert world.ls_remote() == [
            "refs/heads/gitops-bot/staging/example-app",
            "refs/heads/gitops-bot/staging/example-worker",
            "refs/heads/main",
        ]


@pytest.mark.parametrize("status", [422, 403])  # not retried: a 5xx once is retried and succeeds
def test_one_creation_failing_still_opens_the_others_and_deletes_only_its_branch(
    world: World, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    """The first change request of a batch fails: the branches pushed with it still get theirs
    (no branch left without one), the failed one's branch is deleted, the run fails."""
    # Bitbucket refuses fields with a 400: it has no 422
    calls = fail_first(world, 400 if status == 422 and world.kind.startswith("bitbucket") else status)
    code, err = world.run(capsys)
    assert code != 0 and "Traceback" not in err
    assert len(calls) == 2
    heads = world.open_heads()
    assert len(heads) == 1
    assert world.ls_remote() == sorted([f"refs/heads/{heads[0]}", "refs/heads/main"])
    code, err = world.run(capsys)
    assert code == 0, err
    assert world.open_heads() == ["gitops-bot/staging/example-app", "gitops-bot/staging/example-worker"]
    assert len(world.forge.pulls) == 2  # exactly one each, never a duplicate


def test_a_branch_left_by_a_failed_delete_is_adopted_by_the_next_run(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When even the delete fails (the remote went away meanwhile), the run still ends with one
    line; the next run finds the branch holding its change and opens the change request."""
    from gitops_bot.git.git import GitWorkspace

    def unreachable(self: GitWorkspace, branch: str, expected: str) -> None:
        raise OSError("remote hung up")

    with monkeypatch.context() as m:
        m.setattr(GitWorkspace, "delete_remote_branch", unreachable)
        world.forge.fail[world.create] = (502, {"message": "no"}, {})
        code, err = world.run(capsys)
        assert code != 0 and "Traceback" not in err and "branch_not_deleted" not in err.splitlines()[-1]
        assert len(world.ls_remote()) == 3  # both left behind
    del world.forge.fail[world.create]
    code, err = world.run(capsys)
    assert code == 0, err
    assert world.open_heads() == ["gitops-bot/staging/example-app", "gitops-bot/staging/example-worker"]
    assert len(world.forge.pulls) == 2


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("http://[::1", "is not an http(s) URL"),  # urlsplit raises on it
        ("https://hooks.example.com:notaport/x", "is not an http(s) URL"),
        ("hooks.example.com/services/T0/B0/secretpart", "is not an http(s) URL"),
        ("https://exa mple.com/x", "is not an http(s) URL"),
        ("", "is not set"),
    ],
)
def test_a_broken_notification_target_fails_the_run_before_anything_is_pushed(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, value: str, why: str
) -> None:
    """Configuration read only when it is used is checked when the run starts: one line, exit
    2, no branch and no change request (it used to fail with a traceback after the PR)."""
    clone = world.remote.parent / "edit"
    subprocess.run(["git", "clone", "-q", str(world.remote), str(clone)], check=True)
    with (clone / "gitops-bot.yaml").open("a") as f:
        f.write("notifications:\n  - {type: slack, url_env: SLACK_URL}\n")
    git(clone, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "notify")
    git(clone, "push", "-q", "origin", "main")
    monkeypatch.setenv("SLACK_URL", value)
    code, err = world.run(capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert why in err and "SLACK_URL" in err
    assert "secretpart" not in err  # the URL is a secret: never echoed
    assert world.ls_remote() == ["refs/heads/main"] and world.forge.pulls == []
    code = main(["update", "--repo", f"file://{world.remote}", "--env", "staging", "--dry-run"])
    assert code == 0, capsys.readouterr().err  # a dry run sends nothing: the secret may be absent
