"""A Helm values file writing a key twice (a CI script appending ``tag:``) is read as helm reads
it, the last key winning; a release never writes such a key (which one a reader takes differs),
and a file kustomize builds keeps the refusal (kustomize refuses duplicate keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader

VALUES = 'image:\n  repository: ghcr.io/acme/app\n  tag: "0.1.3"\n\n  tag: "0.1.2"\n\n  tag: "0.1.4"\n'
TEMPLATE = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
    '      containers:\n      - name: c\n        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
)
APPLICATION = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  source:\n"
    "    path: chart\n    helm:\n      valueFiles: [values.yaml]\n"
)
SPECS = [
    images.ImageSpec(
        "ghcr.io/acme/app", "ghcr.io/acme/app", {"repository": "image.repository", "tag": "image.tag"}
    )
]


def _tree(root: Path) -> Path:
    files = {
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/values.yaml": VALUES,
        "chart/templates/deployment.yaml": TEMPLATE,
        "envs/dev.yaml": APPLICATION,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_the_values_file_is_read_at_the_last_key_helm_renders(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    source = reader.Source("dev", ("envs/dev.yaml",), ("ghcr.io/acme/app",))
    r = reader.Reader(reader.DiskTree(tree), tree, SPECS).read([source])["dev"].image("ghcr.io/acme/app")
    # read (not refused), the version helm renders, and unsupported for a release, with the fix
    assert [(p.file, p.line, p.tag) for p in r.pins] == [("chart/values.yaml", 7, "0.1.4")], r
    assert r.status is PinStatus.UNSUPPORTED and "duplicate key 'tag' (lines 3, 5, 7)" in r.reason, r
    assert r.fix == "keep one tag: and delete the others", r


def test_a_release_never_writes_a_key_written_twice_and_says_each_line() -> None:
    with pytest.raises(ManifestError) as caught:
        images.edit(VALUES, "chart/values.yaml", SPECS, [images.Update("ghcr.io/acme/app", tag="0.2.0")])
    said = str(caught.value)
    assert "duplicate key 'tag' (lines 3, 5, 7)" in said and "keep one tag:" in said, said


def test_a_file_kustomize_builds_keeps_the_refusal_after_a_values_read() -> None:
    assert [s.tag for s in images.read(VALUES, "chart/values.yaml", SPECS, values=True)] == ["0.1.4"]
    with pytest.raises(ManifestError, match=r"duplicate key 'tag' \(lines 3, 5, 7\)"):
        images.read(VALUES, "chart/values.yaml", SPECS)
