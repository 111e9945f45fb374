"""One registry repository holding each environment's own build, tagged with its name
(danillocampelo/danillo-argocd-public-repo@158de358: CI builds ``<env>-<sha>`` on each branch with
that environment's settings and writes it into ``iac/argo-cd/aws/<env>``; production runs
staging's build). init guessed ``policy: newest`` over all the tags, so dev's release pinned
staging's newest build, with staging's settings baked in."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

REPO = "186262579074.dkr.ecr.us-east-1.amazonaws.com/smiles-viagens-web"
BASE = {
    "iac/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "iac/base/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
    "  template:\n    spec:\n      containers:\n      - name: web\n        image: smiles-web\n",
}


def _overlay(env: str, tag: str) -> str:
    return (
        f"namePrefix: {env}-\nresources:\n- ../base\nimages:\n- name: smiles-web\n"
        f"  newName: {REPO}\n  newTag: {tag}\n"
    )


def test_an_image_each_environment_builds_under_its_own_name_is_said_not_guessed(tmp_path: Path) -> None:
    found = discover(
        write(
            tmp_path,
            {
                **BASE,
                "iac/dev/kustomization.yaml": _overlay("dev", "dev-952ac3435e5cff98a2c0d148c18bdd72626c1345"),
                "iac/staging/kustomization.yaml": _overlay(
                    "staging", "staging-fac9779cf70634eb0a3875d500461be92a378051"
                ),
                "iac/production/kustomization.yaml": _overlay(
                    "production", "staging-fac9779cf70634eb0a3875d500461be92a378051"
                ),
            },
        )
    )
    assert not found.images, found.images
    (said,) = [n for n in found.notes if "each environment builds its own" in n]
    assert "dev: dev-952ac34" in said and "staging: staging-fac9779" in said, said
    assert "production" not in said.split("(", 1)[1].split(")", 1)[0], said  # staging's build, promoted


@pytest.mark.parametrize(
    ("dev", "staging"),
    [("release-1.2.4", "release-1.2.3"), ("dev-latest", "staging-latest")],
    ids=["family", "moving"],
)
def test_tags_of_one_family_or_moving_keep_their_guess(tmp_path: Path, dev: str, staging: str) -> None:
    """release-1.2.3 in dev and release-1.2.4 in staging are one family; dev-latest and
    staging-latest are moving tags a digest policy follows (charliepoker/craftista-gitOps in the
    corpus), each environment taking the one before's digest by promotion: guessed as before."""
    found = discover(
        write(
            tmp_path,
            {
                **BASE,
                "iac/dev/kustomization.yaml": _overlay("dev", dev),
                "iac/staging/kustomization.yaml": _overlay("staging", staging),
            },
        )
    )
    (web,) = found.images
    assert web.guess.keys.get("policy") != "newest" or web.guess.keys.get("pattern"), web.guess
    assert not any("each environment builds its own" in n for n in found.notes)


def test_an_image_built_per_environment_orders_no_environment(tmp_path: Path) -> None:
    """newcomer13 G3: beside it each environment runs a GAR image of its own (smiles-web-dev,
    -staging); the promote_from chain was guessed over the ECR image init then leaves out, so
    the first plan refused staging ("dev does not run .../smiles-web-staging")."""
    files = dict(BASE)
    for env, tag in (
        ("dev", "dev-952ac3435e5cff98a2c0d148c18bdd72626c1345"),
        ("staging", "staging-fac9779cf7"),
    ):
        files[f"iac/{env}/kustomization.yaml"] = _overlay(env, tag).replace(
            "- ../base\n", "- ../base\n- gar.yaml\n"
        )
        files[f"iac/{env}/gar.yaml"] = deployment(
            "gar", f"europe-docker.pkg.dev/acme/web/smiles-web-{env}:1.0.0"
        )
    found = discover(write(tmp_path, files))
    assert [(e.name, e.promote_from) for e in found.environments] == [("dev", None), ("staging", None)]
    assert any("staging: promote_from dev? they share no image" in q for q in found.questions), (
        found.questions
    )
