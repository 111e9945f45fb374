"""The bot's own rules held to the renderer on every repository of the corpus (``tests/data/repos``).

Where kubectl and helm are installed the bot reads each environment held to what they render;
on a bare laptop its rules are the whole reading. The two must give one answer per environment
x configured image: the same status (pinned, inherited, not rendered, unsupported) and the same
versions. Each repository is read twice in one process, in its git checkout with the newcomer's
config: with the real tools (``.tools/bin``) and with them absent (``GITOPS_BOT_KUBECTL`` and
``GITOPS_BOT_HELM`` naming nothing). The second reading costs only the rules: the walk of an
unchanged tree is kept by its content.

The renderer's versions are what the environment's render runs for the image: the truth's
renders, its deploy tool run as its deployer runs it (``kubectl kustomize``, ``helm template``,
held to the truth by ``test_whole_repositories.py``), where the truth has the unit and the tool
renders it; else the effective places of the reading with the tools. The rules' versions are the
effective places they read. An answer that is ``unsupported`` names no version (a release is
refused with the reason), so only its status is compared.

A difference is a failure unless ``rules_limits.yaml`` writes it down, with what each side says
and why the rules read it so; an entry that no longer happens fails too, so the file stays the
list of what the rules read otherwise (summarised in docs/reference/reading.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from gitops_bot.core.reading import EnvironmentReading, ImageReading, PinStatus
from gitops_bot.engine.app import open_app
from testkit import repo_corpus as rc

CASES = rc.cases()
LIMITS = rc.REPOS / "rules_limits.yaml"
ABSENT = "/nonexistent/gitops-bot-agree"  # a path naming no tool: the bot falls back to its rules


def _limits() -> list[dict[str, str]]:
    data = yaml.safe_load(LIMITS.read_text()) or {}
    return [{k: str(v) for k, v in entry.items()} for entry in data.get("limits") or ()]


def _version(tag: str | None, digest: str | None) -> str:
    return (tag or "") + (f"@{digest}" if digest else "")


def _ref_version(ref: str) -> str:
    """``ref``'s tag and digest as a version: ``1.2@sha256:...``, ``1.2``, or "" (neither)."""
    name, _, digest = ref.partition("@")
    last = name.rsplit("/", 1)[-1]
    return _version(last.split(":", 1)[1] if ":" in last else None, digest or None)


def _pinned_versions(image: ImageReading | None) -> list[str]:
    if image is None:
        return []
    return sorted({_version(p.tag, p.digest) for p in image.pins if p.effective})


def _rendered_versions(case: rc.Case, environment: str, image: ImageReading | None) -> list[str]:
    """What the environment's render runs of the image, where the truth says how it renders."""
    env = case.truth["environments"].get(environment) or {}
    if image is None or image.image not in (env.get("images") or {}) or env.get("render_fails"):
        return _pinned_versions(image)
    return sorted({_ref_version(r) for r in rc.renders_of(case, environment, image.image)})


def _said(status: PinStatus | None, versions: list[str]) -> str:
    """One side's answer in the limits file's words: ``inherited 1.2``, ``not_rendered``."""
    word = status.value if status is not None else "absent"
    if not versions or status is PinStatus.UNSUPPORTED:
        return word
    return f"{word} {', '.join(v or '(no tag)' for v in versions)}"


def _readings(repo: Path) -> dict[str, EnvironmentReading]:
    app = open_app(repo)
    wanted = os.environ["GITOPS_BOT_KUBECTL"]
    assert app.config.render.tool("kubectl") == (None if wanted == ABSENT else wanted), "the tools as asked"
    return app.readings()


def differences(
    case: rc.Case,
    renderer: Mapping[str, EnvironmentReading],
    rules: Mapping[str, EnvironmentReading],
) -> dict[tuple[str, str], dict[str, str]]:
    """(environment, image) -> what each side says, where they say different things."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for env in sorted(set(renderer) | set(rules)):
        names = {i.image for r in (renderer.get(env), rules.get(env)) if r for i in r.images}
        for name in sorted(names):
            by_render = renderer[env].image(name) if env in renderer else None
            by_rules = rules[env].image(name) if env in rules else None
            statuses = [i.status if i else None for i in (by_render, by_rules)]
            rendered = _rendered_versions(case, env, by_render)
            read = _pinned_versions(by_rules)
            said = {"renderer": _said(statuses[0], rendered), "rules": _said(statuses[1], read)}
            if said["renderer"] != said["rules"]:
                out[(env, name)] = said
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
@pytest.mark.usefixtures("corpus_renderer")
def test_the_rules_read_what_the_renderer_reads(
    case: rc.Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each environment x image: the rules' answer is the renderer's, or the difference is a
    limit written in rules_limits.yaml exactly as it happens; a written one that no longer
    happens is taken off. The renderer's reading renders from the session's render cache what
    the repository's newcomer plan (test_whole_repositories.py) rendered already."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    repo = rc.git_checkout(case, tmp_path / case.key, env)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    renderer = _readings(repo)
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", ABSENT)
    monkeypatch.setenv("GITOPS_BOT_HELM", ABSENT)
    rules = _readings(repo)
    found = differences(case, renderer, rules)
    written = {
        (e["environment"], e["image"]): {"renderer": e["renderer"], "rules": e["rules"]}
        for e in _limits()
        if e["repository"] == case.key
    }
    unwritten = [
        f"{case.key} {env} x {image}: renderer: {said['renderer']!r}, rules: {said['rules']!r}"
        for (env, image), said in found.items()
        if written.get((env, image)) != said
    ]
    stale = [
        f"{case.key} {env} x {image}: written as {said}, now {found.get((env, image), 'the same')}"
        for (env, image), said in written.items()
        if found.get((env, image)) != said
    ]
    assert (unwritten, stale) == ([], []), "\n".join(
        ["not in rules_limits.yaml:", *unwritten, "in rules_limits.yaml, no longer so:", *stale]
    )


def test_every_limit_names_a_unit_of_the_corpus_once_and_says_why() -> None:
    keys = {c.key: c for c in CASES}
    seen: set[tuple[str, str, str]] = set()
    for e in _limits():
        assert set(e) == {"repository", "environment", "image", "renderer", "rules", "why"}, e
        assert e["repository"] in keys, e
        assert e["environment"] in keys[e["repository"]].truth["environments"], e
        assert e["renderer"] != e["rules"] and len(e["why"]) > 20, e
        key = (e["repository"], e["environment"], e["image"])
        assert key not in seen, e
        seen.add(key)


def test_a_difference_is_found_in_status_and_in_version() -> None:
    """The comparison is only as good as its judge: a status the rules read otherwise, and a
    version they read that the render does not run, are each a difference; the same answer,
    or an unsupported one's places, are not."""
    (case,) = [c for c in CASES if c.key == "stefanprodan__gitops-istio"]
    image = "ghcr.io/fluxcd/flagger-loadtester"

    def reading(status: PinStatus, tag: str) -> dict[str, EnvironmentReading]:
        from gitops_bot.core.reading import Pin, PinKind

        pin = Pin("apps/loadtest/deployment.yaml", 22, PinKind.CONTAINER, True, (), image, tag)
        return {"prod": EnvironmentReading("prod", (ImageReading("prod", image, status, (pin,)),), (), ())}

    same = reading(PinStatus.PINNED, "0.22.0")
    assert differences(case, same, same) == {}
    assert differences(case, same, reading(PinStatus.PINNED, "0.21.0")) == {
        ("prod", image): {"renderer": "pinned 0.22.0", "rules": "pinned 0.21.0"}
    }
    assert differences(case, same, reading(PinStatus.INHERITED, "0.22.0")) == {
        ("prod", image): {"renderer": "pinned 0.22.0", "rules": "inherited 0.22.0"}
    }
    refused = reading(PinStatus.UNSUPPORTED, "0.21.0")
    assert differences(case, refused, refused) == {}
    assert differences(case, same, {}) == {("prod", image): {"renderer": "pinned 0.22.0", "rules": "absent"}}
