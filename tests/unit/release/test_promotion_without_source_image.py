"""An environment promoted from one that does not render an image: nothing can ever promote
it (no policy runs under promote_from, and the source has nothing to carry over), so the plan
says so with the fix, where it said "up to date (promotion)" and the image was never updated."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from gitops_bot.output.as_json import document
from testkit.local_git import committed

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app}}\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: app\n        image: {image}\n"
)
CONFIG = """\
version: 1
images:
  - name: 127.0.0.1:1/albertoimpl/app
  - name: 127.0.0.1:1/markpollack/app
environments:
  - name: dev
    path: overlays/dev
  - name: production
    path: overlays/production
    promote_from: dev
"""


def test_a_source_that_does_not_run_the_image_says_nothing_can_promote_it(tmp_path: Path) -> None:
    files = {
        "overlays/dev/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "overlays/dev/deploy.yaml": DEPLOY.format(image="127.0.0.1:1/albertoimpl/app:1.0.0"),
        "overlays/production/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "overlays/production/deploy.yaml": DEPLOY.format(image="127.0.0.1:1/markpollack/app:1.0.0"),
        "gitops-bot.yaml": CONFIG,
    }
    committed(tmp_path, files)
    doc = document(cli.execute(["plan", "--repo", str(tmp_path), "--env", "production", "--output", "json"]))
    assert doc is not None
    (item,) = [i for e in doc["environments"] if e["name"] == "production" for i in e["images"]]
    assert item["action"] == "skip", item
    assert item["reason"] == (
        "dev does not run 127.0.0.1:1/markpollack/app: nothing can promote it "
        "(fix: drop promote_from, or run the same image in both)"
    )
