"""The release flow's reading of a kustomization's Flux-marked ``images:`` entries: an entry named
otherwise, whose fields a ``$imagepolicy`` setter marks, is the site of the configured image named
after the policy (``POLICY`` or ``NAMESPACE:POLICY``), read and written as ``set-image`` reads
and writes an argument naming that policy."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import images, kustomize, setimage
from testkit.paths import TEST_DATA

DIGEST = "sha256:" + "1" * 64
NEW_DIGEST = "sha256:" + "2" * 64

# Flux's documented forms: ":name", ":tag" and ":digest" setters on one entry
MARKED = f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: podinfo
    newName: ghcr.io/stefanprodan/podinfo # {{"$imagepolicy": "flux-system:podinfo:name"}}
    newTag: 5.0.0 # {{"$imagepolicy": "flux-system:podinfo:tag"}}
    digest: {DIGEST} # {{"$imagepolicy": "flux-system:podinfo:digest"}}
  - name: worker
    newTag: "2.0"
"""


def _spec(name: str) -> images.ImageSpec:
    return images.ImageSpec(name, "ghcr.io/stefanprodan/podinfo")


@pytest.mark.parametrize("name", ["podinfo", "flux-system:podinfo"])
def test_an_entry_marked_by_the_images_policy_is_its_site(name: str) -> None:
    text = MARKED.replace("name: podinfo\n", "name: stefanprodan/podinfo\n")
    (site,) = images.read(text, "kustomization.yaml", [_spec(name)])
    assert site == images.Site(name, "marker", 4, "ghcr.io/stefanprodan/podinfo", "5.0.0", DIGEST)


def test_the_entry_is_read_as_kustomize_renders_it_unmarked_fields_included() -> None:
    text = """images:
- name: example/app
  newName: ghcr.io/acme/app
  newTag: 1.0.0 # {"$imagepolicy": "flux-system:app:tag"}
"""
    (site,) = images.read(text, "kustomization.yml", [images.ImageSpec("app")])
    assert (site.image, site.repository, site.tag, site.digest) == ("app", "ghcr.io/acme/app", "1.0.0", None)
    bare = text.replace("  newName: ghcr.io/acme/app\n", "")
    (site,) = images.read(bare, "kustomization.yml", [images.ImageSpec("app")])
    assert site.repository == "example/app"  # no newName: the entry's name is what is pulled


def test_an_entry_carrying_the_images_own_name_keeps_kustomizes_reading() -> None:
    (site,) = images.read(MARKED, "kustomization.yaml", [_spec("podinfo")])
    assert site.kind == "kustomize" and site.tag == "5.0.0"


def test_markers_of_other_policies_and_unconfigured_images_are_not_read() -> None:
    assert images.read(MARKED, "kustomization.yaml", [_spec("app"), _spec("flux-system:app")]) == []


def test_one_policy_name_in_two_namespaces_is_refused_in_one_line_or_left_unread() -> None:
    text = (TEST_DATA / "kustomize/error_flux_policy_in_two_namespaces/input.yaml").read_text()
    with pytest.raises(ManifestError) as e:
        images.read(text, "kustomization.yaml", [images.ImageSpec("app")])
    assert "'app' is named by Flux policies in more than one namespace (production:app, staging:app)" in str(
        e.value
    )
    assert "\n" not in str(e.value)
    assert images.read(text, "kustomization.yaml", [images.ImageSpec("app")], strict=False) == []
    (site,) = images.read(text, "kustomization.yaml", [images.ImageSpec("staging:app")])
    assert (site.repository, site.tag) == ("ghcr.io/acme/app", "4.2.0")


def test_the_release_edit_writes_the_marked_values_byte_exactly_and_rereads() -> None:
    text = MARKED.replace("name: podinfo\n", "name: stefanprodan/podinfo\n").replace("\n", "\r\n")
    specs = [_spec("podinfo"), images.ImageSpec("worker")]
    updates = [images.Update("podinfo", tag="5.1.0", digest=NEW_DIGEST), images.Update("worker", tag="2.1")]
    result = images.edit(text, "kustomization.yaml", specs, updates, append=False)
    assert result.text == text.replace("5.0.0", "5.1.0").replace(DIGEST, NEW_DIGEST).replace('"2.0"', '"2.1"')
    assert result.images == ("podinfo", "worker") and result.unwritten == ()
    assert [(c.image, c.field, c.new) for c in result.changes] == [
        ("podinfo", "tag", "5.1.0"),
        ("podinfo", "digest", NEW_DIGEST),
        ("worker", "newTag", "2.1"),
    ]
    (site, _) = images.read(result.text, "kustomization.yaml", specs)
    assert (site.tag, site.digest) == ("5.1.0", NEW_DIGEST)


def test_a_digest_with_no_marker_is_said_not_dropped() -> None:
    text = """images:
- name: example/app
  newTag: 1.0.0 # {"$imagepolicy": "flux-system:app:tag"}
"""
    result = images.edit(
        text,
        "kustomization.yaml",
        [images.ImageSpec("app")],
        [images.Update("app", tag="1.1.0", digest=NEW_DIGEST)],
    )
    assert result.text == text.replace("1.0.0", "1.1.0")
    (u,) = result.unwritten
    assert (u.image, u.field, u.value) == ("app", "digest", NEW_DIGEST)


def test_an_unmarked_value_that_would_keep_the_old_image_is_refused() -> None:
    text = f"""images:
- name: example/app
  newTag: 1.0.0 # {{"$imagepolicy": "flux-system:app:tag"}}
  digest: {DIGEST}
"""
    spec = [images.ImageSpec("app")]
    with pytest.raises(ManifestError) as e:
        images.edit(text, "kustomization.yaml", spec, [images.Update("app", tag="1.1.0", digest=NEW_DIGEST)])
    assert "kustomization.yaml:4:" in str(e.value) and "its digest is not" in str(e.value)
    # the values it holds already: nothing to refuse, nothing changes
    same = images.edit(text, "kustomization.yaml", spec, [images.Update("app", tag="1.0.0", digest=DIGEST)])
    assert same.text == text


def _policy_cases() -> list[str]:
    """The golden set-image cases whose argument set-image reads as a Flux policy."""
    out = []
    for case in sorted((TEST_DATA / "kustomize").glob("flux_*")):
        (arg,) = (case / "args").read_text().split()
        text = (case / "input.yaml").read_bytes().decode()
        reading = setimage.read_arg(
            arg,
            images.setter_names(text, "kustomization.yaml"),
            images.marked_entries(text, "kustomization.yaml"),
        )
        if reading.setter is not None:
            out.append(case.name)
    return out


@pytest.mark.parametrize("case", _policy_cases())
def test_the_release_edit_of_a_policy_is_set_images_edit(case: str) -> None:
    """The image configured under the name the argument writes (POLICY or NAMESPACE:POLICY) is
    edited by ``update`` as set-image edits the argument: the same bytes."""
    src = TEST_DATA / "kustomize" / case
    (arg,) = (src / "args").read_text().split()
    text = (src / "input.yaml").read_bytes().decode()
    reading = setimage.read_arg(
        arg,
        images.setter_names(text, "kustomization.yaml"),
        images.marked_entries(text, "kustomization.yaml"),
    )
    assert reading.setter is not None
    written = arg.partition("=")[0] if "=" in arg else arg
    name = reading.setter if written.startswith(reading.setter) else reading.setter.partition(":")[2]
    entries = {e.name for e in kustomize.extract_images(text)}
    if name in entries:
        # an images: entry carries the name: kustomize's own reading, as before the markers
        # were read, and the release flow sees the image there
        assert any(s.image == name for s in images.read(text, "kustomization.yaml", [images.ImageSpec(name)]))
        return
    e = reading.edit
    update = images.Update(name, e.new_name, e.new_tag, e.digest, e.keep_digest)
    result = images.edit(text, "kustomization.yaml", [images.ImageSpec(name)], [update], append=False)
    assert result.text == (src / "expected.yaml").read_bytes().decode()
    assert name in result.images
    assert any(s.image == name for s in images.read(text, "kustomization.yaml", [images.ImageSpec(name)]))
