"""Overlays renaming one kustomize name each to a repository of their own environment's name
(rh-john/postgres-operator-gitops-demo: ``newName: image-registry…/dba-<env>/frontend`` in dev, test
and prod). init wrote one entry reading dev's repository with test's and prod's as open questions,
and guessed dev -> test -> prod: a promotion then wrote dev's repository and digest into test's
overlay, so test would pull another namespace's image. Said, not configured, with the form that
releases each (an entry per repository, listed under its environment's images:)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

_REPOSITORY = "ghcr.io/acme/dba-{env}/frontend"


def _files() -> dict[str, str]:
    files = {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": deployment("frontend", "frontend:latest"),
    }
    for env in ("dev", "test", "prod"):
        files[f"overlays/{env}/kustomization.yaml"] = (
            f"resources: [../../base]\nimages:\n- name: frontend\n  newName: {_REPOSITORY.format(env=env)}\n"
            '  newTag: "1.0.0"\n'
        )
    return files


def test_one_name_pulled_from_a_repository_per_environment_is_said_not_configured(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files()))
    assert [i.name for i in found.images] == [], found.images
    said = [
        n
        for n in found.notes
        if n.startswith("frontend: each environment pulls it from a repository of its own")
    ]
    assert said and all(_REPOSITORY.format(env=e) in said[0] for e in ("dev", "test", "prod")), found.notes


def test_the_form_the_note_gives_releases_each_environment_from_its_own_repository(tmp_path: Path) -> None:
    files = _files()
    images = "".join(
        f"- name: {_REPOSITORY.format(env=e)}\n  policy: semver\n" for e in ("dev", "test", "prod")
    )
    envs = "".join(
        f"- name: {e}\n  path: overlays/{e}\n  images: [{_REPOSITORY.format(env=e)}]\n"
        for e in ("dev", "test", "prod")
    )
    files["gitops-bot.yaml"] = f"version: 1\nimages:\n{images}environments:\n{envs}"
    readings = open_app(write(tmp_path, files)).readings()
    for env in ("dev", "test", "prod"):
        (reading,) = readings[env].images
        assert reading.image == _REPOSITORY.format(env=env), reading
        assert (
            reading.effective is not None and reading.effective.file == f"overlays/{env}/kustomization.yaml"
        )
