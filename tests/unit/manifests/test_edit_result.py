"""The editors' results (what changed, what had no place), the re-read check's message, and the
set-image grammar of Flux setter names. Pure functions, no I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.core.errors import ManifestError, UsageError
from gitops_bot.engine.edits import unwritten_warning
from gitops_bot.manifests import images, kustomize, nodes, setimage
from gitops_bot.manifests.edit import FieldChange

D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64


def test_kustomize_edit_lists_each_field_it_changed() -> None:
    text = f"images:\n- digest: {D1}\n  name: app\n  newTag: 1.0.0\n- name: other\n  newTag: v1\n"
    result = kustomize.edit(
        text, [kustomize.ImageEdit("app", new_tag="1.1.0"), kustomize.ImageEdit("new", new_tag="2")]
    )
    assert result.images == ("app",)
    assert result.changes == (
        FieldChange("kustomization.yaml", "app", "images[0]", 2, "newTag", "1.0.0", "1.1.0"),
        FieldChange("kustomization.yaml", "app", "images[0]", 2, "digest", D1, None),
        FieldChange("kustomization.yaml", "new", "new entry", 0, "newTag", None, "2"),
    )
    assert result.text.startswith("images:\n- name: app\n  newTag: 1.1.0\n- name: other\n")


def test_kustomize_edit_without_append_leaves_unlisted_images_out() -> None:
    text = "images:\n- name: app\n  newTag: 1.0.0\n"
    result = kustomize.edit(text, [kustomize.ImageEdit("new", new_tag="2")], append=False)
    assert result.text == text and result.changes == () and result.images == ()


def test_values_edit_reports_changes_and_a_digest_with_no_place() -> None:
    text = "image:\n  repository: ghcr.io/acme/app\n  tag:\n"
    spec = images.ImageSpec("app", None, {"tag": "image.tag"})
    result = images.edit(text, "values.yaml", [spec], [images.Update("app", tag="1.2", digest=D2)])
    assert result.text == 'image:\n  repository: ghcr.io/acme/app\n  tag: "1.2"\n'
    assert [(c.site, c.field, c.old, c.new) for c in result.changes] == [("helm", "tag", None, "1.2")]
    (u,) = result.unwritten
    assert (u.image, u.field, u.value, u.line) == ("app", "digest", D2, 3)
    assert u.message().startswith("values.yaml:3: image 'app' (helm) has no place for its digest")


def test_reread_failure_names_the_rule_and_where_it_broke() -> None:
    expected = nodes.plain(nodes.compose("images:\n- name: app\n  newTag: '2'\n", "k.yaml"))
    with pytest.raises(ManifestError) as info:
        nodes.confirm(
            expected, "images:\n- name: app\n  newTag: 2\n", "k.yaml", rule="values keep their type"
        )
    message = str(info.value)
    assert "rule that values keep their type" in message
    assert "images[0].newTag should be '2', reads 2 (int)" in message
    assert "does not read back as YAML" in nodes.difference(expected, None)


@pytest.mark.parametrize(
    ("arg", "name", "tag", "digest"),
    [
        ("flux-system:kbot:v2.3.4", "flux-system:kbot", "v2.3.4", None),
        (f"flux-system:kbot@{D1}", "flux-system:kbot", None, D1),
        (f"flux-system:kbot:v2@{D1}", "flux-system:kbot", "v2", D1),
        ("kbot:v2", "kbot", "v2", None),  # POLICY alone is an image name as before
        ("flux-system:kbot-extra:1", "flux-system", None, None),  # not a setter of the file
    ],
)
def test_setter_reference_grammar(arg: str, name: str, tag: str | None, digest: str | None) -> None:
    setters = {"flux-system:kbot", "flux-system:kb"}
    if name == "flux-system":
        with pytest.raises(UsageError, match="is not a valid tag"):
            setimage.parse_arg(arg, setters)
        return
    edit = setimage.parse_arg(arg, setters)
    assert (edit.name, edit.new_tag, edit.digest) == (name, tag, digest)


def test_setter_names_come_from_flux_markers_only() -> None:
    text = (
        'a: x # {"$imagepolicy": "flux-system:app:tag"}\n'
        'b: y # {"$imagepolicy": "app2"}\n'
        'c: z # {"gitops-bot": "ns:other"}\n'
    )
    assert images.setter_names(text, "values.yaml") == {"flux-system:app"}
    assert images.setter_names("images: []\n", "kustomization.yaml") == set()


def test_newtag_with_digest_reads_as_tag_and_digest_wherever_sites_are_read() -> None:
    """plan, history and promote all read sites through images.read."""
    text = f"images:\n- name: app\n  newTag: 1.4.2@{D1}\n- name: pinned\n  newTag: 1@{D1}\n  digest: {D2}\n"
    specs = [images.ImageSpec("app"), images.ImageSpec("pinned")]
    sites = images.read(text, "kustomization.yaml", specs)
    assert [(s.image, s.tag, s.digest) for s in sites] == [("app", "1.4.2", D1), ("pinned", f"1@{D1}", D2)]


def test_flux_tag_only_setters_keep_the_tag_and_report_the_digest() -> None:
    text = 'image:\n  tag: 1.0 # {"$imagepolicy": "flux-system:app:tag"}\n'
    result = images.edit(
        text, "v.yaml", [images.ImageSpec("app")], [images.Update("app", tag="1.1", digest=D2)]
    )
    assert result.text == 'image:\n  tag: "1.1" # {"$imagepolicy": "flux-system:app:tag"}\n'
    (u,) = result.unwritten
    assert (u.site, u.field) == ("marker", "digest")
    assert 'add a ":digest" marker' in unwritten_warning(u)


def test_set_image_says_what_it_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kustomization.yaml"
    target.write_text(f"images:\n- digest: {D1}\n  name: app\n  newTag: 1.0.0\n")
    assert main(["set-image", "--file", str(target), f"app:1.1.0@{D2}", "new:3"]) == 0
    assert capsys.readouterr().err == (
        f"{target}: updated app newTag 1.0.0 -> 1.1.0, digest sha256:111111111111… -> sha256:222222222222…; "
        "new newTag (none) -> 3\n"
    )


def test_arguments_are_checked_before_the_file_whatever_reading_they_get() -> None:
    setimage.check_arg("flux-system:kbot:v2.3.4")  # a setter reference, if the file has the marker
    setimage.check_arg(f"app:1@{D1}")
    setimage.check_arg("flux-system:kbot=ghcr.io/acme/kbot:v2")
    with pytest.raises(UsageError, match="not a valid image name"):
        setimage.check_arg("a:b:c=ghcr.io/acme/kbot:v2")
    with pytest.raises(UsageError, match="is not a valid tag"):
        setimage.check_arg("flux-system:kbot:v2:x")
    with pytest.raises(UsageError, match="not a digest"):
        setimage.check_arg("flux-system:kbot:v2@sha256:abc")


def test_names_kustomize_matches_literally_are_accepted_with_a_warning() -> None:
    for arg, name in [
        ("PROJECT/IMAGE3=gcr.io/p/img:10", "PROJECT/IMAGE3"),
        ("worker:stable=registry/worker:v2", "worker:stable"),
        ("MyOrg/App:6", "MyOrg/App"),
    ]:
        edit = setimage.parse_arg(arg)
        assert edit.name == name
        assert setimage.edit_warnings(edit), f"{name} is no registry name: a warning says so"
    assert setimage.edit_warnings(setimage.parse_arg("ghcr.io/acme/app:1")) == []


def test_placeholder_tags_and_names_are_written_for_later_substitution() -> None:
    edit = setimage.parse_arg("app=${REGISTRY}/app:${TAG}")
    assert (edit.new_name, edit.new_tag) == ("${REGISTRY}/app", "${TAG}")
    assert setimage.parse_arg("app:v${VERSION}-rc").new_tag == "v${VERSION}-rc"
    with pytest.raises(UsageError, match="not a valid tag"):
        setimage.parse_arg("app:${TAG")
