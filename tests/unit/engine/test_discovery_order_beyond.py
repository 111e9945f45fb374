"""A promotion order guessed from the names, under which the later environment runs images the
earlier never does, is asked, not written: no policy runs under promote_from, so those images
could never be released, and init's own first plan failed on each (mthorley/k8s-gitops@beb1c33a:
clusters staging and production, production running 14 images staging does not: 14 rows
'staging does not run X: nothing can promote it'). Where the earlier runs all of them the guess
stands."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write
from testkit.small_repos import deployment


def _files(production: tuple[str, ...]) -> dict[str, str]:
    files = {}
    for env, apps in (("staging", ("web",)), ("production", production)):
        files[f"overlays/{env}/kustomization.yaml"] = (
            "resources: [" + ", ".join(f"{a}.yaml" for a in apps) + "]\n"
        )
        for a in apps:
            files[f"overlays/{env}/{a}.yaml"] = deployment(a, f"ghcr.io/acme/{a}:1.0.0")
    return files


def test_a_later_environment_running_images_the_earlier_does_not_is_asked(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files(("web", "db"))))
    assert {e.name: e.promote_from for e in found.environments} == {"staging": None, "production": None}
    assert found.questions == (
        "environment production: promote_from staging? 1 of its images are not in staging",
    )
    assert (
        "# open question: production is promoted from staging? the names say so, but staging does not run "
        "ghcr.io/acme/db, which no promotion could release" in config_text(found)
    )


def test_the_guess_stands_where_the_earlier_runs_every_image(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files(("web",))))
    assert {e.name: e.promote_from for e in found.environments} == {"staging": None, "production": "staging"}
