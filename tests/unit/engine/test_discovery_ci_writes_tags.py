"""A workflow of the repository that writes an image's tag itself and commits it
(TxngJr/carelink-argocd@c64b779c: ``sed -i -E "s/newTag: sha-[0-9a-f]+/newTag: ${IMAGE_TAG}/g"
deploy/k8s/kustomization.yaml``, then ``git push``, on every push to main): init configured the
image there and said nothing of the second writer, whose commits race the bot's pull requests.
It is said on the image, as Argo CD Image Updater's git write-back is; an edit of the file that
names no tag or image, or one no step commits, is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import deployment

APP = "ghcr.io/acme/web"
WORKFLOW = """name: build-deploy
on: {push: {branches: [main]}}
jobs:
  update-manifest:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Write released image
        run: |
          IMAGE_TAG="sha-${GITHUB_SHA::7}"
          %(edit)s
      - name: Commit
        run: |
          git add deploy/k8s
          git commit -m "release"
          %(push)s
"""
FILES = {
    "deploy/k8s/kustomization.yaml": (
        f"resources: [web.yaml]\nimages:\n- name: web\n  newName: {APP}\n  newTag: sha-9ba5a0c\n"
    ),
    "deploy/k8s/web.yaml": deployment("web", "web"),
}
SED = 'sed -i -E "s/newTag: sha-[0-9a-f]+/newTag: ${IMAGE_TAG}/g" deploy/k8s/kustomization.yaml'


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (SED, "sed -i -E s/newTag: sha-[0-9a-f]+/newTag: ${IMAGE_TAG}/g deploy/k8s/kustomization.yaml"),
        (
            "cd deploy/k8s && kustomize edit set image web=" + APP + ":${IMAGE_TAG}",
            "kustomize edit set image",
        ),
    ],
)
def test_a_workflow_committing_its_own_edit_of_the_tag_is_said_as_a_second_writer(
    tmp_path: Path, edit: str, said: str
) -> None:
    workflow = WORKFLOW % {"edit": edit, "push": "git push"}
    found = discover(write(tmp_path, {**FILES, ".github/workflows/build-deploy.yml": workflow}))
    (image,) = [i for i in found.images if i.repository == APP or i.name == APP]
    assert (
        f".github/workflows/build-deploy.yml:11 writes deploy/k8s/kustomization.yaml too ({said}), and "
        "commits it: two writers of one line race; run one of the two"
    ) in image.notes, image.notes


@pytest.mark.parametrize(
    ("edit", "push"),
    [
        (SED, "echo not pushed"),  # edited in the runner's copy only
        ("sed -i s/replicas: 1/replicas: 2/ deploy/k8s/kustomization.yaml", "git push"),  # no tag
    ],
)
def test_an_edit_no_step_commits_or_of_no_tag_is_no_second_writer(
    tmp_path: Path, edit: str, push: str
) -> None:
    workflow = WORKFLOW % {"edit": edit, "push": push}
    found = discover(write(tmp_path, {**FILES, ".github/workflows/build-deploy.yml": workflow}))
    (image,) = [i for i in found.images if i.repository == APP or i.name == APP]
    assert not [n for n in image.notes if "two writers" in n], image.notes
