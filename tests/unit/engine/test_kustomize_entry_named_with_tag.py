"""An ``images:`` entry named with a tag (``name: frontend:latest``), which kustomize matches
against a container's image as written: it is the image's place, and a release writes its tag
and digest there, the name kept (rh-john/postgres-operator-gitops-demo's overlays, trial20 J1)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from gitops_bot.core.model import PlanAction
from gitops_bot.manifests import images
from testkit.local_git import committed
from testkit.small_repos import deployment

_BASE = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml]\n"
DIGEST = "sha256:" + "7" * 64


def _overlay(namespace: str, name: str, new_name: str) -> str:
    return (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"namespace: {namespace}\nresources: [../../base]\n"
        f"images:\n  - name: {name}\n    newName: {new_name}\n    newTag: latest\n"
    )


def _skipped(body: object) -> list[tuple[str, str, str]]:
    plan = body.plan  # type: ignore[attr-defined]
    # init asks no registry: "registry not asked" is every image's skip there
    return [
        (e.name, i.image, i.reason)
        for e in plan.environments
        for i in e.items
        if i.action is PlanAction.SKIP and not i.reason.startswith("registry not asked")
    ]


def test_an_images_entry_named_with_its_tag_is_released_where_init_configured_it(tmp_path: Path) -> None:
    """gitops/apps/databases/overlays/{dev,test,prod}/kustomization.yaml: `images: [{name:
    frontend:latest, newName: …/dba-dev/frontend, newTag: latest}]` over frontend/base's `image:
    frontend:latest` (kustomize matches the name with its tag). init configured `name: frontend`
    with `repository: …/dba-dev/frontend`, and its own first plan refused it in every
    environment: `set in a images: entry named frontend:latest …, which the bot cannot edit in
    place; … (fix: name the image '…/dba-dev/frontend' in gitops-bot.yaml)`; followed, the fix
    leaves test and prod `not rendered`. With `name: frontend` in the overlays the same
    configuration is read and pinned. Should: the entry named `frontend:latest` is the image's
    place (its newTag/digest written there), or init configures what its plan reads."""
    files = {
        "base/kustomization.yaml": _BASE,
        "base/deployment.yaml": deployment("frontend", "frontend:latest"),
        "overlays/dev/kustomization.yaml": _overlay("dba-dev", "frontend:latest", "ghcr.io/acme/frontend"),
    }
    result = cli.execute(["init", "--repo", str(committed(tmp_path / "repo", files))])
    body = result.body
    # alone in a repository, init exits 2: "the first plan under it failed: … cannot edit in place"
    assert result.exit_code == 0, body.init.error  # type: ignore[attr-defined]
    assert _skipped(body) == [], _skipped(body)


def test_a_release_writes_the_entry_named_with_its_tag_keeping_its_name() -> None:
    text = _overlay("dba-dev", "frontend:latest", "ghcr.io/acme/frontend")
    spec = images.ImageSpec("frontend", "ghcr.io/acme/frontend")
    update = images.Update("frontend", tag="1.2.0", digest=DIGEST)
    result = images.edit(text, "kustomization.yaml", [spec], [update])
    assert result.text == text.replace("newTag: latest", f"newTag: 1.2.0\n    digest: {DIGEST}")
    assert {c.image for c in result.changes} == {"frontend"}
