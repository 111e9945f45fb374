"""Where a walk's values files (or an object of a kind no format reads) name an image as a plain
value: the fix a reading gives an image it finds not rendered. A reading asks it once for each
such image, over the same files."""

from __future__ import annotations

import pytest

from gitops_bot.manifests import workloads
from gitops_bot.render.values_key import ValuesKey, values_key
from gitops_bot.render.walk import Walk

FILES = {
    "chart/values.yaml": (
        "image:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\n"
        "sidecar:\n  image: docker.io/library/busybox:1.36\n"
        "extra: {name: x, replicas: 3, labels: {a: b}}\n"
    ),
    "olm/catalog.yaml": "kind: CatalogSource\nmetadata:\n  name: ops\nspec:\n  image: quay.io/op/index:v1\n",
    "chart/kustomization.yaml": "images:\n- name: ghcr.io/acme/app\n",  # kustomize's own: not a values file
}
IMAGES = ["ghcr.io/acme/app", "busybox", "quay.io/op/index", "ghcr.io/acme/missing", "flux-system:policy"]
EXPECTED = [
    (
        "chart/values.yaml:2",
        "image.repository",
        "add helm: {repository: image.repository, tag: image.tag} to the image in gitops-bot.yaml",
    ),
    (
        "chart/values.yaml:5",
        "sidecar.image",
        "add helm: {reference: sidecar.image} to the image in gitops-bot.yaml",
    ),
    (
        "olm/catalog.yaml:5",
        "spec.image of its CatalogSource, a field no format reads",
        'add the marker comment # {"gitops-bot": "quay.io/op/index"} at the end of that line',
    ),
    None,
    None,
]


def _walk() -> Walk:
    walk = Walk()
    walk.files.update(dict.fromkeys(FILES))
    return walk


def test_each_image_gets_the_first_place_naming_it_and_its_fix() -> None:
    walk = _walk()
    kept = ValuesKey(FILES.get, walk)
    assert [kept(i) for i in IMAGES] == EXPECTED
    assert [values_key(FILES.get, walk, i) for i in IMAGES] == EXPECTED


def test_the_walks_files_are_searched_once_for_every_image_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """tmax-cloud/argocd-installer: 199 images not rendered, each one a search of every scalar
    of every values file the reading walked."""
    asked: list[str] = []
    key = workloads.repository_key

    def counted(value: str) -> str | None:
        asked.append(value)
        return key(value)

    monkeypatch.setattr(workloads, "repository_key", counted)
    kept = ValuesKey(FILES.get, _walk())
    for image in IMAGES * 20:
        kept(image)
    # each image's own name (a Flux marker's namespace:policy is none), then each scalar of the
    # two documents once: the values file's six, the CatalogSource's three
    assert len(asked) == 4 * 20 + 9


def test_a_bare_name_in_a_field_naming_no_image_is_no_place_of_it() -> None:
    """small-hack/argocd-apps@7bfd015a: the image `nextcloud` not rendered got the fix
    "argocd/manifests/apps/nextcloud_app.yaml:4 names nextcloud at metadata.name of its
    Application, a field no format reads: add the marker comment" -- an Application's name, no
    image; and a chart's values `nextcloud: nextcloud` (a database's owner) would be taken as
    much. A bare name is an image's place only under a key naming one."""
    files = {
        "apps/nextcloud_app.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: nextcloud\n"
            "spec:\n  project: nextcloud\n"
        ),
        "postgres/values.yaml": "users:\n  nextcloud: nextcloud\ndatabases:\n  nextcloud: nextcloud\n",
        "web/values.yaml": "web:\n  image:\n    repository: nextcloud\n    tag: 29-fpm-alpine\n",
    }
    walk = Walk()
    walk.files.update(dict.fromkeys(files))
    assert values_key(files.get, walk, "nextcloud") == (
        "web/values.yaml:3",
        "web.image.repository",
        "add helm: {repository: web.image.repository, tag: web.image.tag} to the image in gitops-bot.yaml",
    )
