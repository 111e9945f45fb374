"""Shape 6, one branch per environment, on GitHub and on Gitea: each environment's files live on
a branch of their own (Argo CD's Application tracking ``targetRevision: env/<name>``), as
HAM-gitops keeps its test environment; ``main`` holds only the bot's configuration, and a stale
copy of the overlays a person would otherwise take for what runs.

- ``plan`` reads each environment from its own branch (its pins name the branch);
- ``update`` of staging opens one pull request into ``env/staging`` whose only change is
  staging's overlay there, byte-exact; ``main`` and ``env/production`` stay as they are; a
  second run changes nothing;
- ``promote staging production`` reads staging's digest on ``env/staging`` and, production
  writing by commit, pushes it to ``env/production`` alone; a second run changes nothing;
- after a second build released and promoted the same way, ``rollback production --to`` the
  first promotion restores production's overlay on its branch as that promotion wrote it; a
  second run changes nothing.
- after each release the real ``kubectl kustomize`` of the branch renders the new version in
  that environment alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.git.git import GitWorkspace
from testkit import kubetools
from testkit.forge_story import APP_DEPLOYMENT, IMAGE_CONFIG, Story, run, stories
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

ENVS = ("staging", "production")
CONFIG = (
    IMAGE_CONFIG
    + """environments:
  - name: staging
    path: overlays/staging
    branch: env/staging
  - name: production
    path: overlays/production
    branch: env/production
    promote_from: staging
    write: commit
"""
)
OVERLAY = """resources:
- ../../base
images:
- name: {image}
  newTag: {tag}
"""


def _tree(image: str, env: str) -> dict[str, str]:
    return {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": APP_DEPLOYMENT.format(image=image),
        f"overlays/{env}/kustomization.yaml": f"# {env}, as Argo CD renders it from env/{env}\n"
        + OVERLAY.format(image=image, tag="1.0.0"),
    }


@pytest.fixture(params=["github", "gitea"])
def world(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Story, str]]:
    for s in stories(request.param, tmp_path, registry, monkeypatch):
        image = f"{registry.host}/{s.world.ns}/app"
        _seed(s, CONFIG.format(image=image), image)
        yield s, image


def _seed(story: Story, config: str, image: str) -> None:
    """main: the configuration (keeping the world's forge sections) and a stale copy of the
    overlays at 0.9.0; env/staging and env/production: each environment's own files."""
    clone = story.tmp / "seed-branches"
    git(story.tmp, "clone", "-q", str(story.remote), str(clone))
    text = (clone / "gitops-bot.yaml").read_text()
    ident = ("-c", "user.name=dev", "-c", "user.email=dev@example.com")

    def commit(files: dict[str, str], branch: str, *, orphan: bool) -> None:
        if orphan:
            git(clone, "checkout", "-q", "--orphan", branch)
        git(clone, "rm", "-rqf", ".")
        for name, content in files.items():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            (clone / name).write_text(content)
        git(clone, "add", "-A")
        git(clone, *ident, "commit", "-qm", f"{branch} by hand")
        git(clone, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")

    stale = {f"overlays/{e}/kustomization.yaml": OVERLAY.format(image=image, tag="0.9.0") for e in ENVS}
    commit({"gitops-bot.yaml": config + text[text.index("pull_request:") :], **stale}, "main", orphan=False)
    for env in ENVS:
        commit(_tree(image, env), f"env/{env}", orphan=True)


def _heads(story: Story) -> dict[str, str]:
    return {b: git(story.remote, "rev-parse", b) for b in ("main", "env/staging", "env/production")}


def _rendered(story: Story, env: str) -> str:
    """``kubectl kustomize`` of the environment's overlay on its branch, as Argo CD renders it."""
    tree = story.tmp / f"render-{env}-{git(story.remote, 'rev-parse', f'env/{env}')[:12]}"
    if not tree.exists():
        git(story.tmp, "clone", "-q", "-b", f"env/{env}", str(story.remote), str(tree))
    return kubetools.kustomize(tree / "overlays" / env)


def _reading(capsys: pytest.CaptureFixture[str], story: Story) -> dict[str, dict[str, Any]]:
    code = main(["plan", "--repo", str(story.checkout()), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return {r["environment"]: r for r in json.loads(out)["reading"]}


def _only_request(story: Story, base: str) -> dict[str, Any]:
    (request,) = story.open_requests()
    pr = _pull(story, request["number"])
    assert pr == base, f"the request targets {pr}, not {base}"
    return request


def _pull(story: Story, number: int) -> str:
    """The base branch the forge records for the change request ``number``."""
    forge = getattr(story.world, "github", None) or story.world.forge
    found = next(p for p in forge.pulls if p.get("number", p.get("iid")) == number)
    return str(found["base"]["ref"])


def _released(
    capsys: pytest.CaptureFixture[str],
    story: Story,
    now: datetime,
    argv: tuple[str, ...],
    env: str,
    by_pr: bool,
    also: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], str]:
    """Run ``argv``: its change lands on env/<env> alone (merged, when by pull request), only
    ``env``'s overlay (and ``also``) changes there; a second run changes nothing. (the first
    run's JSON, the overlay's text after)"""
    branch = f"env/{env}"
    before_heads = _heads(story)
    before = story.files(branch)
    result = run(capsys, story, now, *argv)
    if by_pr:
        request = _only_request(story, branch)
        story.merge(request["number"])
    else:
        assert not story.open_requests()
    after_heads = _heads(story)
    changed = {b for b in before_heads if before_heads[b] != after_heads[b]}
    assert changed == {branch}, (changed, result)
    after = story.files(branch)
    target = f"overlays/{env}/kustomization.yaml"
    assert {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)} == {target, *also}
    again = run(capsys, story, now, *argv)
    assert not story.open_requests(), again
    assert _heads(story) == after_heads, again
    return result, after[target].decode()


def test_each_environment_is_read_released_promoted_and_rolled_back_on_its_own_branch(
    world: tuple[Story, str], capsys: pytest.CaptureFixture[str]
) -> None:
    story, image = world
    now = datetime.now(UTC)
    digest = story.push("app", "1.1.0")

    reading = _reading(capsys, story)
    for env in ENVS:
        r = reading[env]
        assert r["status"] == "pinned", r
        (pin,) = [p for p in r["pins"] if p["effective"]]
        assert (pin["file"], pin["line"], pin["branch"]) == (
            f"overlays/{env}/kustomization.yaml",
            6,
            f"env/{env}",
        )
        assert pin["shared_with"] == []  # base/ on two branches is two places
    assert main(["plan", "--repo", str(story.checkout())]) == 0
    text = capsys.readouterr().out
    assert "staging (on branch env/staging)" in text and "(on branch env/production)" in text, text

    # the dry run shows the edit on env/staging and changes nothing anywhere
    heads = _heads(story)
    (dry,) = run(capsys, story, now, "update", "--env", "staging", "--dry-run")["results"]
    assert "+++ b/overlays/staging/kustomization.yaml" in dry["diff"] and _heads(story) == heads, dry

    # update: a pull request into env/staging, staging's overlay there byte-exact
    result, text = _released(capsys, story, now, ("update", "--env", "staging"), "staging", by_pr=True)
    head = "# staging, as Argo CD renders it from env/staging\n"
    assert text == head + OVERLAY.format(image=image, tag="1.1.0") + f"  digest: {digest}\n", text
    assert f"{image}:1.1.0@{digest}" in _rendered(story, "staging")
    assert f"{image}:1.0.0" in _rendered(story, "production")
    assert "0.9.0" in story.files("main")["overlays/staging/kustomization.yaml"].decode()

    # promote: staging's digest, read on env/staging, committed to env/production
    result, promoted = _released(
        capsys, story, now, ("promote", "staging", "production"), "production", by_pr=False
    )
    (promotion,) = result["results"]
    assert promotion["branch"] == "env/production", promotion
    assert f"newTag: 1.1.0\n  digest: {digest}\n" in promoted, promoted
    assert f"{image}:1.1.0@{digest}" in _rendered(story, "production")

    # a second build, released and promoted the same way
    second = story.push("app", "1.2.0")
    run(capsys, story, now, "update", "--env", "staging")
    story.merge(_only_request(story, "env/staging")["number"])
    run(capsys, story, now, "promote", "staging", "production")
    assert (
        f"digest: {second}"
        in story.files("env/production")["overlays/production/kustomization.yaml"].decode()
    )

    # rollback to the first promotion: production's overlay as it wrote it, on its branch; the
    # hold that keeps the next promotion off is committed with it, there
    holds = frozenset({"gitops-bot.holds.yaml"})
    argv = ("rollback", "production", "--to", promotion["release"])
    _, back = _released(capsys, story, now, argv, "production", by_pr=False, also=holds)
    assert back == promoted
    held = story.files("env/production")["gitops-bot.holds.yaml"].decode()
    assert f'"{image}": rolled back' in held and "gitops-bot.holds.yaml" not in story.files("main")
    assert f"{image}:1.1.0@{digest}" in _rendered(story, "production")
    assert f"{image}:1.2.0@{second}" in _rendered(story, "staging")
    # held: the next promotion is refused, naming the hold read on production's branch
    code = main(["promote", "staging", "production", "--repo", f"file://{story.remote}"])
    assert code == 4 and "production holds" in capsys.readouterr().err  # refused
    # unhold lifts it there; the promotion then brings the second build back
    run(capsys, story, now, "unhold", "production", image)
    assert f'"{image}"' not in story.files("env/production").get("gitops-bot.holds.yaml", b"").decode()
    assert "gitops-bot.holds.yaml" not in story.files("main")
    run(capsys, story, now, "promote", "staging", "production")
    assert f"{image}:1.2.0@{second}" in _rendered(story, "production")
    # history, status and explain read production's releases on its branch
    releases = run(capsys, story, now, "history", "production")
    assert promotion["release"] in json.dumps(releases), releases
    run(capsys, story, now, "status")
    # the DORA report counts production's releases on its branch, the rollback as a failure
    (dora,) = run(capsys, story, datetime.now(UTC), "report", "production", "--since", "1d")["environments"]
    assert dora["deployment_frequency"]["releases"] >= 4 and dora["change_failure_rate"]["failed"] == 1, dora
    run(capsys, story, now, "explain", "production", image)
    assert not story.unexpected()  # every request the forge's API description allows


def test_a_commit_racing_a_person_on_the_environments_branch_is_made_again_there(
    world: tuple[Story, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """production's branch moves between the bot's fetch and its push: the push is refused, the
    bot fetches the branch again and re-applies its edit on it, keeping the person's commit."""
    story, _ = world
    now = datetime.now(UTC)
    digest = story.push("app", "1.1.0")
    run(capsys, story, now, "update", "--env", "staging")
    story.merge(_only_request(story, "env/staging")["number"])

    real, raced = GitWorkspace.push, list[str]()

    def push(self: GitWorkspace, refspec: str, *, lease: tuple[str, str | None] | None = None) -> None:
        if refspec.endswith("refs/heads/env/production") and not raced:
            raced.append(refspec)
            person = story.tmp / "person"
            git(story.tmp, "clone", "-q", "-b", "env/production", str(story.remote), str(person))
            (person / "NOTES.md").write_text("a person's note\n")
            git(person, "add", "-A")
            git(person, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "note")
            git(person, "push", "-q", "origin", "HEAD:refs/heads/env/production")
        real(self, refspec, lease=lease)

    monkeypatch.setattr(GitWorkspace, "push", push)
    run(capsys, story, now, "promote", "staging", "production")
    files = story.files("env/production")
    assert raced and files["NOTES.md"] == b"a person's note\n"
    assert f"digest: {digest}" in files["overlays/production/kustomization.yaml"].decode()
    subjects = git(story.remote, "log", "--format=%s", "-2", "env/production").splitlines()
    assert subjects[1] == "note", subjects  # the bot's commit made again on the person's
    assert "gitops-bot.yaml" in story.files("main")
