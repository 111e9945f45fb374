"""A GitOps Promoter PromotionStrategy's branch matched to an environment by its name alone is no
promotion order where the two share no image (argoproj-labs/gitops-promoter: environment/development
matched the controller's own overlay ``dev-insecure``, and init wrote ``promote_from: dev-insecure``
as found for the demo chart's ``staging``, which the first plan refused): it is asked."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\n"
    "spec: {{template: {{spec: {{containers: [{{name: app, image: '{image}'}}]}}}}}}\n"
)
STRATEGY = (
    "apiVersion: promoter.argoproj.io/v1alpha1\nkind: PromotionStrategy\nmetadata: {name: demo}\n"
    "spec:\n  environments:\n  - branch: environment/development\n  - branch: environment/staging\n"
)


def test_a_stage_matched_by_name_sharing_no_image_is_asked_not_found(tmp_path: Path) -> None:
    files = {
        "promoter/strategy.yaml": STRATEGY,
        "config/dev-insecure/kustomization.yaml": "resources: [deploy.yaml]\n",
        "config/dev-insecure/deploy.yaml": DEPLOY.format(name="ctl", image="quay.io/acme/controller:1.2.0"),
        "demo/staging/kustomization.yaml": "resources: [deploy.yaml]\n",
        "demo/staging/deploy.yaml": DEPLOY.format(name="web", image="gcr.io/samples/frontend:v5"),
    }
    found = discover(write(tmp_path, files))
    assert {e.name: e.promote_from for e in found.environments} == {"dev-insecure": None, "staging": None}
    assert found.order_source == ""
    text = config_text(found)
    assert 'promote_from: "dev-insecure"  # found' not in text, text
    assert (
        "open question: staging is promoted from dev-insecure? GitOps Promoter PromotionStrategy in "
        "promoter/strategy.yaml: environment/development -> environment/staging says so, matched by "
        "the names, but they share no image"
    ) in text, text


def test_a_stage_sharing_the_image_keeps_the_tools_order(tmp_path: Path) -> None:
    files = {"promoter/strategy.yaml": STRATEGY}
    for env, tag in (("dev", "1.2.0"), ("staging", "1.1.0")):
        files[f"envs/{env}/kustomization.yaml"] = "resources: [deploy.yaml]\n"
        files[f"envs/{env}/deploy.yaml"] = DEPLOY.format(name="web", image=f"ghcr.io/acme/web:{tag}")
    found = discover(write(tmp_path, files))
    assert {e.name: e.promote_from for e in found.environments} == {"dev": None, "staging": "dev"}
    assert found.order_source == "gitops-promoter"
