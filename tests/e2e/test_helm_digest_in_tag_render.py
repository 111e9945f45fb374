"""Helm values with ``helm.digestInTag`` judged by the real ``helm template``: both kinds of chart
(tests/data/charts/) render valid objects before the edit, a chart building ``repository:tag``
renders the pinned reference, and a chart using the tag as a label breaks, which is why the
option is opt-in."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gitops_bot.manifests import images
from testkit import kubetools
from testkit.paths import TEST_DATA

CHARTS = TEST_DATA / "charts"


DIGEST = "sha256:" + "ab" * 32


IN_TAG = images.ImageSpec(
    "app", None, {"repository": "image.repository", "tag": "image.tag", "digest": "image.tag"}
)


TAG_ONLY = images.ImageSpec("app", None, {"repository": "image.repository", "tag": "image.tag"})


# The Kubernetes label-value grammar (apimachinery IsValidLabelValue): at most 63 characters,
# empty or alphanumeric at both ends with '-', '_', '.' between.
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


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
