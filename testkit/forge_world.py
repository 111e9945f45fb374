"""The update example on the other forges as a world for end-to-end tests: GitLab (a local v4
server), Gitea/Forgejo (a local v1 server), Bitbucket Cloud (a local 2.0 server), Bitbucket Data
Center (a local REST server) or Azure DevOps (a local Git 7.1 server), a real bare git remote
and a real registry, with a production environment promoted from staging."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from testkit.azure_devops_server import FakeAzureDevOps
from testkit.bitbucket_cloud_server import FakeBitbucketCloud
from testkit.bitbucket_dc_server import FakeBitbucketDataCenter
from testkit.forge_server import FakeForge
from testkit.gitea_server import FakeGitea
from testkit.gitlab_server import FakeGitLab
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.update_world import CONFIG, KUSTOMIZATION, git, new_remote, seeded

FORGES: dict[str, tuple[type[FakeForge], str, str]] = {
    "gitlab": (FakeGitLab, "/api/v4", "GITLAB_TOKEN"),
    "gitea": (FakeGitea, "/api/v1", "GITEA_TOKEN"),
    "bitbucket-cloud": (FakeBitbucketCloud, "/2.0", "BITBUCKET_TOKEN"),
    "bitbucket-data-center": (FakeBitbucketDataCenter, "", "BITBUCKET_TOKEN"),
}
# what each forge's change requests carry of the shared decoration (labels, assignees,
# auto-merge): Bitbucket has no labels nor assignees, and Bitbucket Cloud's API no auto-merge
DECORATION: dict[str, tuple[list[str], list[str], str | None]] = {
    "gitlab": (["gitops-bot", "release"], ["bob"], "squash"),
    "gitea": (["gitops-bot", "release"], ["bob"], "squash"),
    "bitbucket-cloud": ([], [], None),
    "bitbucket-data-center": ([], [], "squash"),
}
# the repository as each forge names it
REPOSITORY = {"bitbucket-data-center": "ACME/gitops"}
# forges whose change requests differ from the shared scenarios (Azure DevOps: no assignees)
OTHER_FORGES = {"azure-devops": (FakeAzureDevOps, "", "AZURE_DEVOPS_TOKEN")}
AZURE_SECTION = """forge:
  type: azure-devops
  api_url: {api}
  repository: acme/Web Site/gitops
  required_reviewers: true
"""
FORGE_SECTION = """forge:
  type: {kind}
  api_url: {api}
  repository: {repository}
"""
PROMOTION = """  - name: production
    path: overlays/production
    promote_from: staging
"""


@dataclass
class World:
    remote: Path
    forge: FakeForge
    pusher: Pusher
    ns: str
    tmp: Path

    def push(self, repo: str, tag: str) -> str:
        return self.pusher.image(f"{self.ns}/{repo}", tag, salt=f"{self.ns}-{repo}-{tag}").digest

    def show(self, ref: str, path: str = "overlays/staging/kustomization.yaml") -> str:
        return git(self.remote, "show", f"{ref}:{path}")

    def branches(self) -> list[str]:
        return sorted(git(self.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split())

    def only_open(self) -> dict[str, Any]:
        (view,) = self.forge.open_views()
        return view

    def edit_config(self, old: str, new: str) -> None:
        """Replace ``old`` with ``new`` in the remote's gitops-bot.yaml (a commit on main)."""
        clone = self.tmp / f"edit-{len(list(self.tmp.glob('edit-*')))}"
        subprocess.run(["git", "clone", "-q", str(self.remote), str(clone)], check=True)
        path = clone / "gitops-bot.yaml"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))
        git(clone, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "config")
        git(clone, "push", "-q", "origin", "main")

    def run(self, capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
        code = main([*argv, "--repo", f"file://{self.remote}", "--output", "json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert self.forge.unexpected == []
        return json.loads(out)  # type: ignore[no-any-return]


def make_world(
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    group: str,
    draft: bool = False,
) -> Iterator[World]:
    fake_cls, api, token_env = FORGES.get(kind) or OTHER_FORGES[kind]
    ns = f"fg{abs(hash(str(tmp_path))) % 10**8}"
    remote, seed = new_remote(tmp_path)
    with fake_cls(remote) as fake:
        monkeypatch.setenv(token_env, fake.token)
        monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
        (seed / "base").mkdir()  # the overlays' ../../base: kustomize refuses a base that is not there
        (seed / "base/kustomization.yaml").write_text("resources: []\n")
        for env in ("staging", "dev", "production"):
            (seed / f"overlays/{env}").mkdir(parents=True)
            (seed / f"overlays/{env}/kustomization.yaml").write_text(
                KUSTOMIZATION.format(host=registry.host, ns=ns)
            )
        config = CONFIG.split("github:")[0].replace("pull_request:", PROMOTION + "pull_request:")
        config = config.replace("  reviewers: [alice]\n", "  reviewers: [alice]\n  assignees: [bob]\n")
        config = config.replace("pull_request:\n", f"pull_request:\n  draft: {str(draft).lower()}\n")
        if kind == "bitbucket-cloud":  # its API cannot set auto-merge: refused when asked
            config = config.replace("  auto_merge: squash\n", "")
        section = AZURE_SECTION if kind == "azure-devops" else FORGE_SECTION
        repository = REPOSITORY.get(kind, "acme/gitops")
        config += section.format(kind=kind, api=fake.url + api, repository=repository)
        (seed / "gitops-bot.yaml").write_text(config.format(host=registry.host, ns=ns, group=group))
        yield from seeded(remote, seed, registry, lambda pusher: World(remote, fake, pusher, ns, tmp_path))
