"""`gitops-bot update` with the editor's results: a digest the file has no place for is a
warning in the output and the PR body (never dropped silently), and ``newTag: TAG@DIGEST``
overlays are read as tag + digest and keep that form when edited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.github_server import FakeGitHub
from testkit.markup import shown
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, make_world, update

HELM_VALUES = """app:
  image:
    repository: {host}/{ns}/app
    tag: 1.0.0
"""


@pytest.fixture
def world(tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.token)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    yield from make_world(tmp_path, registry)


def change(world: World, edit: dict[str, tuple[str, str] | str]) -> None:
    """Commit to the remote's main: path -> new text, or (old, new) to replace in the file."""
    work = world.tmp / "edit"
    if not work.exists():
        git(world.tmp, "clone", "-q", str(world.remote), str(work))
    git(work, "pull", "-q")
    for path, what in edit.items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(what, tuple):
            old, new = what
            text = target.read_text()
            assert old in text
            target.write_text(text.replace(old, new, 1))
        else:
            target.write_text(what)
    git(work, "add", "-A")
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "edit")
    git(work, "push", "-q", "origin", "main")


def test_a_digest_with_no_place_is_a_warning_in_output_and_pr_body(
    world: World, capsys: pytest.CaptureFixture[str], registry: RegistryProcess
) -> None:
    change(
        world,
        {
            "edge/values.yaml": HELM_VALUES.format(host=registry.host, ns=world.ns),
            "gitops-bot.yaml": (
                '    range: "^1"\n',
                '    range: "^1"\n    helm: {repository: app.image.repository, tag: app.image.tag}\n',
            ),
        },
    )
    change(world, {"gitops-bot.yaml": ("environments:\n", "environments:\n  - name: edge\n    path: edge\n")})
    digest = world.push("app", "1.1.0")
    (res,) = update(capsys, world, "--env", "edge")["results"]
    assert res["action"] == "pull_request"
    (warning,) = res["warnings"]
    assert "edge/values.yaml:3: image 'example/app' (helm) has no place for its digest" in warning
    assert digest in warning and "helm.digest" in warning
    (pr,) = world.github.open_pulls()
    assert "**Warnings**" in pr["body"] and warning in shown(pr["body"])
    assert b"tag: 1.1.0\n" in world.show(pr["head"]["ref"], "edge/values.yaml")


def test_the_same_tag_with_no_place_for_its_digest_is_never_proposed(
    world: World, capsys: pytest.CaptureFixture[str], registry: RegistryProcess
) -> None:
    """A release would pin 1.0.0 to its digest, but the values take no digest: the edit would
    write nothing, so the plan says so with the fix and update opens nothing (it proposed one,
    whose dry run wrote a row "1.0.0 -> 1.0.0" and the warning)."""
    change(
        world,
        {
            "edge/values.yaml": HELM_VALUES.format(host=registry.host, ns=world.ns),
            "gitops-bot.yaml": (
                '    range: "^1"\n',
                '    range: "^1"\n    helm: {repository: app.image.repository, tag: app.image.tag}\n',
            ),
        },
    )
    change(world, {"gitops-bot.yaml": ("environments:\n", "environments:\n  - name: edge\n    path: edge\n")})
    world.push("app", "1.0.0")
    out = update(capsys, world, "--env", "edge")
    assert out["changed"] is False and out["results"] == []
    (skip,) = out["skipped"]
    assert skip["image"] == "example/app" and skip["reason"] == (
        "1.0.0 stays tag-only: edge/values.yaml:4 takes its Helm values by the keys app.image.repository, "
        "app.image.tag, none of them a digest (fix: add helm.digest, the key of a digest beside the tag, "
        "or helm.digestInTag, to example/app in gitops-bot.yaml)"
    )
    assert world.github.open_pulls() == []


def test_newtag_with_digest_is_current_and_keeps_its_form(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    old = world.push("app", "1.0.0")
    change(world, {"overlays/staging/kustomization.yaml": ("newTag: 1.0.0 ", f"newTag: 1.0.0@{old} ")})
    dry = update(capsys, world, "--env", "staging", "--dry-run")["results"]
    assert "example/app" not in [i["image"] for r in dry for i in r["images"]]  # already there
    new = world.push("app", "1.1.0")
    (res,) = update(capsys, world, "--env", "staging")["results"]
    app = next(i for i in res["images"] if i["image"] == "example/app")
    assert app["from"] == {"tag": "1.0.0", "digest": old}
    text = world.show(res["branch"], "overlays/staging/kustomization.yaml").decode()
    assert f"    newTag: 1.1.0@{new} # " in text
    assert f"digest: {new}" not in text
