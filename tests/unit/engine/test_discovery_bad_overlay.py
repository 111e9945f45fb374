"""One overlay whose kustomization writes a key twice (tlgselvi/desewebv5-gitops's
deploy/overlays/prod: resources: twice) is said with its fix and left out; the repository's other
environments are read and offered, where init stopped on it with exit 2 and read nothing else. One
whose every resource the repository deleted builds nothing at all: said, no environment."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from gitops_bot.engine.discovery import discover
from testkit.local_git import committed, write
from testkit.small_repos import application, deployment

DEPLOY = deployment("web", "ghcr.io/acme/web:1.0.0")


def test_one_overlay_with_a_duplicate_key_leaves_the_others_read(tmp_path: Path) -> None:
    """tlgselvi/desewebv5-gitops: deploy/overlays/prod/kustomization.yaml writes resources: twice;
    init stopped on it and read nothing else of the repository."""
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOY,
        "overlays/staging/kustomization.yaml": "resources:\n- ../../base\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\nnamespace: prod\nresources:\n- hpa.yaml\n",
        "overlays/prod/hpa.yaml": "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n",
    }
    found = discover(write(tmp_path, files))
    assert "staging" in [e.name for e in found.environments], found.notes
    assert "prod" not in [e.name for e in found.environments]
    (said,) = [n for n in found.notes if n.startswith("overlays/prod/kustomization.yaml")]
    assert "duplicate key 'resources'" in said and "keep one resources:" in said, said


def test_an_overlay_kustomize_refuses_renders_none_of_the_images_init_counts(tmp_path: Path) -> None:
    # overlays/prod names a resource the repository lacks: kustomize builds nothing of it, yet
    # init said the image was "rendered by staging, prod" and guessed its policy from prod's
    # unread (empty) tag as well
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOY,
        "overlays/staging/kustomization.yaml": "resources:\n- ../../base\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n- missing.yaml\n",
    }
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["staging", "prod"]
    (image,) = found.images
    assert image.environments == ("staging",)
    assert image.tags == ("1.0.0",)
    (said,) = [n for n in image.notes if "prod" in n]
    assert said.startswith(
        "not counted as rendered by prod: kustomize refuses overlays/prod/kustomization.yaml"
    )
    assert said.endswith(
        "(fix: add overlays/prod/missing.yaml to the repository, or remove 'missing.yaml' from overlays/prod/kustomization.yaml's resources:)"
    )


def test_a_template_kustomization_is_said_where_nothing_else_is_found(tmp_path: Path) -> None:
    """dj95/kustomize-quick-create@69d24002: templates/kustomization.yaml is a Handlebars template
    the tool fills ({{#each files}}); with no other environment found, the by-shape fallback let
    the reader's error end init (exit 2, 'fix the file by hand; nothing was changed')."""
    files = {
        "templates/kustomization.yaml": '---\nresources:\n  {{#each files}}\n  - "{{ this }}"\n  {{/each}}\n',
        "templates/base/deployment.yaml": deployment("web", "nginx:1.25.3"),
    }
    found = discover(write(tmp_path, files))
    assert any(n.startswith("templates/kustomization.yaml") and "no environment" in n for n in found.notes), (
        found.notes
    )


def test_a_new_name_carrying_a_tag_is_said_not_configured(tmp_path: Path) -> None:
    """exea-centrum/website-argocd-k8s-githubactions-kustomize-kyverno03@ff94dd5d: images:
    [{name: placeholder-image, newName: localhost:32000/davtro-website:latest, newTag: latest}]
    (kustomize renders ...:latest:latest) became repository: ...:latest, which init's own config
    reader then refused: init ended, exit 2, citing a line of a gitops-bot.yaml not written."""
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": deployment("web", "placeholder-image"),
        "prod/kustomization.yaml": (
            "resources:\n- ../base\nimages:\n- name: placeholder-image\n"
            "  newName: localhost:32000/web:latest\n  newTag: latest\n"
        ),
    }
    found = discover(write(tmp_path, files))
    assert "placeholder-image" not in [i.name for i in found.images], found.images
    assert any("write newName: localhost:32000/web and the tag as newTag" in n for n in found.notes), (
        found.notes
    )


# phucbone/k8s-kustomize@2eb89745's filebrowser/overlays/dev/patch-deployment.yaml, cut: spec:
# written twice (kubectl kustomize builds it: the first wins)
TWICE = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: files}\nspec:\n  template:\n"
    "    spec:\n      nodeSelector: {key: value}\n    spec:\n      hostNetwork: false\n"
)


def _two_apps(files_image: str, entry: str = "") -> dict[str, str]:
    """dev joining two apps' overlays, the files app's with the patch above (and ``entry``)."""
    return {
        "web/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "web/base/deployment.yaml": deployment("web", "nginx:1.25.3"),
        "web/overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        "files/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "files/base/deployment.yaml": deployment("files", files_image),
        "files/overlays/dev/kustomization.yaml": f"resources:\n- ../../base\npatches:\n- path: patch.yaml\n{entry}",
        "files/overlays/dev/patch.yaml": TWICE,
    }


def test_a_patch_writing_a_key_twice_blocks_its_app_not_its_environment(tmp_path: Path) -> None:
    """phucbone/k8s-kustomize@2eb89745: dev joins four apps' overlays, and with another
    environment beside it none of dev's images was found (init's first plan failed whole)."""
    files = {
        **_two_apps("filebrowser/filebrowser:v2.30.0"),
        "api/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "api/base/deployment.yaml": deployment("api", "ghcr.io/acme/api:1.0.0"),
        "api/overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    found = discover(write(tmp_path, files))
    (nginx,) = [i for i in found.images if i.name == "nginx"]
    assert nginx.environments == ("dev",) and nginx.tags == ("1.25.3",), nginx
    assert any("files/overlays/dev/patch.yaml:8: duplicate key 'spec'" in n for n in found.notes), found.notes


def test_an_image_of_the_blocked_app_is_guessed_from_its_entrys_tag_not_latest(tmp_path: Path) -> None:
    """phucbone/k8s-kustomize@2eb89745: filebrowser's base writes myregistry/filebrowser:latest,
    its dev overlay (the one with the patch writing spec: twice) images: newTag v1. Its unit not
    read whole, init guessed 'no tag is pinned: follows latest's digest'; written and the patch
    fixed as told, the plan proposed v1 -> latest."""
    entry = "images:\n- name: myregistry/filebrowser\n  newTag: v1\n"
    found = discover(write(tmp_path, _two_apps("myregistry/filebrowser:latest", entry)))
    (files_image,) = [i for i in found.images if i.name == "myregistry/filebrowser"]
    assert "v1" in files_image.tags, files_image
    assert files_image.guess.keys.get("tag") != "latest", files_image.guess


_BASE = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml]\n"


def test_an_environment_kustomize_refuses_whole_is_said_not_configured(tmp_path: Path) -> None:
    """pyzons/gitops-demo-app: environments/dev/kustomization.yaml lists `../../applications/demo-app`, a folder the
    repository deleted (commit 299449a "Complete cleanup of all demo applications"); nothing
    deploys it. init made `dev` an environment beside the Application's `in-cluster`: its first
    plan skips every image with `skip (error): unsupported: kustomize refuses …` (4 images, a
    chart: the same 300-character sentence 13 times in the output). Unlike an overlay over a base
    that is there with one file missing (test_discovery_bad_overlay: kept, its refusal said), this
    one renders nothing at all. Should: a `# not read:` line with kustomize's refusal and its fix,
    `dev` no environment; `in-cluster` as it is."""
    body = cli.execute(
        [
            "init",
            "--repo",
            str(
                committed(
                    tmp_path / "repo",
                    {
                        "apps/observability-app.yaml": application("observability-stack", "observability"),
                        "observability/kustomization.yaml": _BASE,
                        "observability/deployment.yaml": deployment("prometheus", "prom/prometheus:v2.48.0"),
                        "environments/dev/kustomization.yaml": (
                            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                            "resources: [../../applications/demo-app]\nnamespace: demo-app-dev\n"
                        ),
                    },
                )
            ),
        ]
    ).body
    plan = body.plan  # type: ignore[attr-defined]
    assert [e.name for e in plan.environments] == ["in-cluster"], plan.environments
    text = body.init.config  # type: ignore[attr-defined]
    assert any(line.startswith("# not read: environments/dev") for line in text.splitlines()), text
