"""Helm values without a digest key: with ``helm.digestInTag`` the bot writes ``tag@sha256:...``
into the tag key, reads it back as tag and digest, and the real ``helm template`` judges what
each kind of chart renders from it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gitops_bot import config
from gitops_bot.core.errors import UsageError
from gitops_bot.manifests import images
from testkit import kubetools

CHARTS = Path(__file__).parent / "data" / "charts"
DIGEST = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
IN_TAG = images.ImageSpec(
    "app", None, {"repository": "image.repository", "tag": "image.tag", "digest": "image.tag"}
)
TAG_ONLY = images.ImageSpec("app", None, {"repository": "image.repository", "tag": "image.tag"})
# The Kubernetes label-value grammar (apimachinery IsValidLabelValue): at most 63 characters,
# empty or alphanumeric at both ends with '-', '_', '.' between.
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

VALUES = "image:\n  repository: registry.example.com/team/app  # where\n  tag: v1.2.3\n"


def _config(helm: str) -> config.Config:
    return config.parse(f"images:\n  - name: app\n    helm: {helm}\nenvironments: []\n", "gitops-bot.yaml")


def test_digest_in_tag_option_maps_the_digest_onto_the_tag_key() -> None:
    cfg = _config("{tag: image.tag, digestInTag: true}")
    assert dict(cfg.images[0].helm) == {"tag": "image.tag", "digest": "image.tag"}


@pytest.mark.parametrize(
    "helm",
    [
        "{tag: image.tag, digest: image.digest, digestInTag: true}",
        "{reference: image.ref, digestInTag: true}",
    ],
)
def test_digest_in_tag_needs_a_tag_path_and_no_digest_path(helm: str) -> None:
    with pytest.raises(UsageError, match="digestInTag of image 'app' needs a 'tag' path"):
        _config(helm)


def test_without_the_option_a_digest_still_has_no_place() -> None:
    result = images.edit(
        VALUES, "values.yaml", [TAG_ONLY], [images.Update("app", tag="v1.3.0", digest=DIGEST)]
    )
    assert [u.field for u in result.unwritten] == ["digest"]
    assert "v1.3.0\n" in result.text


def test_tag_and_digest_are_written_into_the_tag_key_and_only_there() -> None:
    result = images.edit(VALUES, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)])
    assert result.text == VALUES.replace("v1.2.3", f"v1.3.0@{DIGEST}")
    assert not result.unwritten
    [change] = result.changes
    assert (change.field, change.old, change.new) == ("tag", "v1.2.3", f"v1.3.0@{DIGEST}")
    assert change.site == "helm (digest written in the tag field)"


def test_tag_at_digest_in_the_tag_key_reads_back_as_tag_and_digest_and_a_rerun_changes_nothing() -> None:
    text = images.write(VALUES, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)])
    [site] = images.read(text, "values.yaml", [IN_TAG])
    assert (site.repository, site.tag, site.digest) == ("registry.example.com/team/app", "v1.3.0", DIGEST)
    again = images.edit(text, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)])
    assert again.text == text and not again.changes


def test_a_digest_alone_keeps_the_tag_and_a_tag_alone_drops_the_stale_digest() -> None:
    pinned = VALUES.replace("v1.2.3", f"v1.2.3@{DIGEST}")
    promoted = images.write(pinned, "values.yaml", [IN_TAG], [images.Update("app", digest=OTHER)])
    assert f"tag: v1.2.3@{OTHER}\n" in promoted
    retagged = images.write(pinned, "values.yaml", [IN_TAG], [images.Update("app", tag="v2.0.0")])
    assert "tag: v2.0.0\n" in retagged
    kept = images.write(
        pinned, "values.yaml", [IN_TAG], [images.Update("app", tag="v2.0.0", keep_digest=True)]
    )
    assert f"tag: v2.0.0@{DIGEST}\n" in kept


def _render(chart: str, values: str, tmp_path: Path) -> list[dict[str, object]]:
    work = tmp_path / chart
    shutil.copytree(CHARTS / chart, work)
    (work / "values.yaml").write_text(values)
    out = subprocess.run(
        [kubetools.helm(), "template", "release", str(work)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def _labels(doc: dict[str, object]) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "labels" and isinstance(v, dict):
                    found.extend(str(x) for x in v.values())
                else:
                    walk(v)
        elif isinstance(node, list):
            for x in node:
                walk(x)

    walk(doc)
    return found


def _image(doc: dict[str, object]) -> str:
    return str(doc["spec"]["template"]["spec"]["containers"][0]["image"])  # type: ignore[index]


@pytest.mark.parametrize("chart", ["ref-tag", "tag-label"])
def test_both_charts_render_valid_objects_before_the_edit(chart: str, tmp_path: Path) -> None:
    [doc] = _render(chart, (CHARTS / chart / "values.yaml").read_text(), tmp_path)
    assert _image(doc) == "registry.example.com/team/app:v1.2.3"
    assert all(LABEL_VALUE.match(v) for v in _labels(doc))


def test_a_chart_building_repository_colon_tag_renders_the_pinned_reference(tmp_path: Path) -> None:
    values = (CHARTS / "ref-tag" / "values.yaml").read_text()
    edited = images.write(
        values, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)]
    )
    [doc] = _render("ref-tag", edited, tmp_path)
    assert _image(doc) == f"registry.example.com/team/app:v1.3.0@{DIGEST}"
    assert all(LABEL_VALUE.match(v) for v in _labels(doc))


def test_a_chart_using_the_tag_as_a_label_breaks_so_the_option_is_opt_in(tmp_path: Path) -> None:
    """The same edit is wrong for a chart that puts the tag in a label: the rendered label
    value is outside the label grammar (the API server would refuse the object). The bot cannot
    see the chart, so without the option it keeps refusing to write a digest there."""
    values = (CHARTS / "tag-label" / "values.yaml").read_text()
    edited = images.write(
        values, "values.yaml", [IN_TAG], [images.Update("app", tag="v1.3.0", digest=DIGEST)]
    )
    [doc] = _render("tag-label", edited, tmp_path)
    bad = [v for v in _labels(doc) if not LABEL_VALUE.match(v)]
    assert bad == [f"v1.3.0@{DIGEST}"]
    refused = images.edit(
        values, "values.yaml", [TAG_ONLY], [images.Update("app", tag="v1.3.0", digest=DIGEST)]
    )
    assert [u.field for u in refused.unwritten] == ["digest"]
    [doc] = _render("tag-label", refused.text, tmp_path / "refused")
    assert all(LABEL_VALUE.match(v) for v in _labels(doc))
