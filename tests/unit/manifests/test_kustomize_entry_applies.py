"""Which ``images:`` entries apply, as kustomize applies them: one transformer per entry in turn
(api/filters/imagetag), an entry matching an image by its name as written (a tag and a digest
may follow), so an entry of a name an earlier entry renamed away matches nothing, and one named
as an earlier entry's ``newName`` chains into it. The real ``kubectl kustomize`` judges each
case; the reader and the editor take their entries by the same rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.manifests import images, kustomize
from testkit import kubetools

DIGEST = "sha256:" + "b" * 64
CASES = {
    # a second entry of a name the first renamed (Andrej220/HAM-gitops' second name: nginx)
    "renamed first": (
        ["nginx", "nginx:1.0"],
        "- name: nginx\n  newName: reg/exec\n  newTag: latest\n- name: nginx\n  newName: reg/dc\n  newTag: v2\n",
        [True, False],
    ),
    "tag first, then renamed": (
        ["nginx", "nginx:1.0"],
        "- name: nginx\n  newTag: t1\n- name: nginx\n  newName: reg/dc\n",
        [True, True],
    ),
    "chained": (["nginx", "other"], '- name: nginx\n  newName: b\n- name: b\n  newTag: "2"\n', [True, True]),
    # a short name never matches a repository ending in it (the HAM test branch's datacollector)
    "short name": (
        ["reg:5000/datacollector", f"reg:5000/datacollector@{DIGEST}"],
        f"- name: datacollector\n  newName: reg:5000/datacollector\n  digest: {DIGEST}\n",
        [False],
    ),
    "named with its tag": (["back:1", "back"], "- name: back:1\n  newName: x\n", [True]),
    "digest replaces the tag": (["app:1.0"], f"- name: app\n  digest: {DIGEST}\n", [True]),
}


def _rendered(tmp_path: Path, running: list[str], entries: str) -> set[str]:
    docs = [
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d{i}}}\nspec:\n  template:\n"
        f"    spec:\n      containers:\n      - name: c\n        image: {image}\n"
        for i, image in enumerate(running)
    ]
    (tmp_path / "d.yaml").write_text("---\n".join(docs))
    (tmp_path / "kustomization.yaml").write_text(f"resources:\n- d.yaml\nimages:\n{entries}")
    out = kubetools.kustomize(tmp_path)
    return {line.split("image: ", 1)[1].strip() for line in out.splitlines() if "image: " in line}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_entries_that_apply_are_kustomizes(tmp_path: Path, case: str) -> None:
    running, entries, applies = CASES[case]
    read = kustomize.extract_images(f"images:\n{entries}")
    live, left = kustomize.applied(read, running)
    assert live == applies
    assert left == _rendered(tmp_path, running, entries)


HAM = """images:
- digest: sha256:d6d423ca61637ae647dd3ac959a1620451140a88adb92ef329a710bbc9f703b9
  name: nginx
  newName: reg/executor
  newTag: latest
- digest: sha256:85139b4601fc631ba290da00891ce549ad9ad272e2beb58058e5924e6d9fc1ff
  name: nginx
  newName: reg/datacollector
  newTag: latest
"""


def test_an_entry_an_earlier_one_left_nothing_to_match_is_no_place() -> None:
    """The second ``name: nginx`` is no pin of the image it renames to, nor of nginx's."""
    specs = [images.ImageSpec(n) for n in ("nginx", "reg/datacollector", "reg/executor")]
    sites = images.read(HAM, "kustomization.yaml", specs)
    assert [(s.image, s.line, s.repository) for s in sites] == [("nginx", 2, "reg/executor")]


def test_a_release_of_the_image_a_dead_entry_renames_to_leaves_the_name_alone() -> None:
    """An edit by an entry's name writes every entry of it: where a name's entries rename to two
    repositories, a release of one is its own entry, never the other's tag."""
    spec = images.ImageSpec("reg/datacollector")
    update = images.Update("reg/datacollector", tag="v3")
    edited = images.edit(HAM, "kustomization.yaml", [spec], [update]).text
    assert edited == HAM + "- name: reg/datacollector\n  newTag: v3\n"


def test_a_release_of_a_renamed_image_writes_its_renaming_entry_in_place() -> None:
    text = "images:\n- name: back\n  newName: ghcr.io/acme/shop-back\n  newTag: 1.0.0\n"
    spec = images.ImageSpec("ghcr.io/acme/shop-back")
    (site,) = images.read(text, "kustomization.yaml", [spec])
    assert (site.image, site.renames, site.tag) == ("ghcr.io/acme/shop-back", "back", "1.0.0")
    update = images.Update("ghcr.io/acme/shop-back", tag="1.2.0", digest=DIGEST)
    result = images.edit(text, "kustomization.yaml", [spec], [update])
    assert result.text == text.replace("1.0.0", f"1.2.0\n  digest: {DIGEST}")
    assert {c.image for c in result.changes} == {"ghcr.io/acme/shop-back"}
