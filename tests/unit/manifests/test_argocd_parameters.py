"""An Argo CD Application's ``helm.parameters`` written in place: Argo CD passes each to ``helm
template`` as ``--set`` after every values file, so where one sets an image's key it is the
image's place, and a release writes its value by the rules a values file's keys are written by."""

from __future__ import annotations

import pytest

from gitops_bot.engine import edits
from gitops_bot.manifests import images
from gitops_bot.manifests.images import ImageSpec, Update
from testkit.appset_elements import APPSET, OBJECT, VALUES

APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-{env}
spec:
  source:
    repoURL: https://github.com/acme/gitops.git
    path: chart
    helm:
      parameters:
      - name: replicaCount
        value: "2"
      - name: image.tag
        value: "1.0.0"   # CI writes this
      - {{name: image.digest, value: ''}}
"""
SPEC = ImageSpec("web", "ghcr.io/acme/web", {"repository": "image.repository", "tag": "image.tag"})
DIGEST = "sha256:" + "a" * 64


def test_the_tag_and_the_digest_parameters_are_written_in_place_each_in_its_style() -> None:
    text = APP.format(env="dev")
    result = images.edit(text, "argocd/dev.yaml", [SPEC], [Update("web", tag="1.1.0", digest=DIGEST)])
    assert result.text == text.replace('"1.0.0"', '"1.1.0"').replace("value: ''", f"value: '{DIGEST}'")
    assert [(c.field, c.line, c.old, c.new) for c in result.changes] == [
        ("tag", 14, "1.0.0", "1.1.0"),
        ("digest", 14, None, DIGEST),
    ]
    assert {c.site for c in result.changes} == {"argocd helm.parameters"}
    assert result.images == ("web",) and not result.unwritten


def test_only_the_named_applications_parameters_change_in_a_file_of_several() -> None:
    text = APP.format(env="dev") + "---\n" + APP.format(env="prod")
    result = images.edit(text, "apps.yaml", [SPEC], [Update("web", tag="1.1.0")], application="web-prod")
    dev, _, prod = result.text.partition("---\n")
    assert dev == APP.format(env="dev")
    assert prod == APP.format(env="prod").replace('"1.0.0"', '"1.1.0"')


def test_a_digest_with_no_parameter_to_hold_it_is_said_unwritten_not_dropped() -> None:
    text = APP.format(env="dev").replace("      - {name: image.digest, value: ''}\n", "")
    result = images.edit(text, "argocd/dev.yaml", [SPEC], [Update("web", tag="1.1.0", digest=DIGEST)])
    assert result.text == text.replace('"1.0.0"', '"1.1.0"')
    assert [(u.field, u.value) for u in result.unwritten] == [("digest", DIGEST)]


def test_digest_in_tag_writes_tag_at_digest_into_the_tag_parameter() -> None:
    spec = ImageSpec("web", "ghcr.io/acme/web", {"tag": "image.tag", "digest": "image.tag"})
    text = APP.format(env="dev")
    result = images.edit(text, "argocd/dev.yaml", [spec], [Update("web", tag="1.1.0", digest=DIGEST)])
    assert f'value: "1.1.0@{DIGEST}"' in result.text
    assert "value: ''" in result.text  # image.digest is not this configuration's key


def test_parameters_of_other_keys_and_of_a_values_file_are_left_alone() -> None:
    text = APP.format(env="dev").replace("image.tag", "sidecar.tag")
    result = images.edit(text, "argocd/dev.yaml", [SPEC], [Update("web", tag="1.1.0")])
    assert result.text == text and not result.changes


@pytest.mark.parametrize(
    ("appset", "field"), [(APPSET, "helm.parameters"), (OBJECT, "helm.valuesObject"), (VALUES, "helm.values")]
)
def test_an_appset_elements_write_is_named_by_the_field_it_goes_through(appset: str, field: str) -> None:
    """An ApplicationSet's element taken by ``helm.valuesObject`` is named so, not as a parameter;
    a digest with no key there is said with the fix for that field."""
    result = images.edit(
        appset, "appset.yaml", [SPEC], [Update("web", tag="2.1.0", digest=DIGEST)], application="app-dev"
    )
    assert result.text == appset.replace("tag: 2.0.0   # dev's", "tag: 2.1.0   # dev's")
    assert {c.site for c in result.changes} == {f"argocd {field}"}
    (unwritten,) = result.unwritten
    warning = edits.unwritten_warning(unwritten)
    assert warning.startswith(f"appset.yaml:10: image 'web' (argocd {field}) has no place for its digest"), (
        warning
    )
    fix = {
        "helm.parameters": "a helm.parameters entry",
        "helm.valuesObject": "a digest key beside the tag in helm.valuesObject",
        "helm.values": "a digest key beside the tag in helm.values,",
    }
    assert f"pinned tag-only: add {fix[field]}" in warning
