"""An environment written with ``images: []`` releases no image (only its charts, if any); one
with no ``images:`` key releases every image. The two were read alike, as every image."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import config
from gitops_bot.core.errors import UsageError
from gitops_bot.engine import plan
from gitops_bot.engine.app import open_app
from testkit.local_git import write
from testkit.small_repos import deployment

CONFIG = """version: 1
images:
- {name: ghcr.io/acme/app, policy: newest, pattern: '^dev-'}
environments:
- {name: dev, path: overlays/dev}
- {name: prod, path: overlays/prod, images: []}
"""


def test_an_empty_images_list_is_no_image_and_no_key_is_every_image() -> None:
    dev, prod = config.parse(CONFIG, "gitops-bot.yaml").environments
    assert dev.images is None and prod.images == ()


def test_an_environment_listing_no_image_reads_none(tmp_path: Path) -> None:
    # play-builder/argocd-gitops@bc8b1dd2 (found by a newcomer): init's fix for per-environment
    # builds says to leave the other environments out of the entry with a pattern of one's tags;
    # prod written with images: [] was read as releasing every image, and update proposed dev's
    # build (dev-...) for prod
    files = {"gitops-bot.yaml": CONFIG}
    for env, tag in (("dev", "dev-39073a8"), ("prod", "prod-104ecd8")):
        files[f"overlays/{env}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
        files[f"overlays/{env}/deploy.yaml"] = deployment("app", f"ghcr.io/acme/app:{tag}")
    readings = open_app(write(tmp_path, files)).readings()
    assert readings["dev"].image("ghcr.io/acme/app") is not None
    assert readings["prod"].image("ghcr.io/acme/app") is None, readings["prod"]


def test_an_image_listed_twice_in_an_environment_is_refused() -> None:
    # the plan showed it twice, an item for each
    twice = CONFIG.replace("images: []", "images: [ghcr.io/acme/app, ghcr.io/acme/app]")
    with pytest.raises(UsageError, match=r"environment 'prod' lists image 'ghcr\.io/acme/app' twice"):
        config.parse(twice, "gitops-bot.yaml")


def test_environments_listing_no_image_and_no_chart_are_said_so(tmp_path: Path) -> None:
    # every environment lists images: []: no reading names why, and the error said
    # "no environment pins any configured image: " with nothing after it
    files = {
        "gitops-bot.yaml": CONFIG.replace(
            "{name: dev, path: overlays/dev}", "{name: dev, path: dev, images: []}"
        ),
        "dev/deploy.yaml": deployment("app", "ghcr.io/acme/app:dev-39073a8"),
        "overlays/prod/deploy.yaml": deployment("app", "ghcr.io/acme/app:prod-104ecd8"),
    }
    app = open_app(write(tmp_path, files))
    readings = {e.name: app.reading(e) for e in app.config.environments}
    with pytest.raises(UsageError, match=r"each lists 'images: \[\]' \(its charts alone\), and none pins"):
        plan.nothing_pinned(app.config, readings)
