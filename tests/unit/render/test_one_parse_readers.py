"""The readers of a file's values (a kustomization's name prefixes and Helm charts, a values file
the marked render keys) take them from the one parse cache's nodes (``nodes.constructed``): the
text the reading composed is not parsed again by PyYAML for each of them; and constructing a
kept node leaves it as it was, merge keys and all."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitops_bot.engine import app_version
from gitops_bot.manifests import kustomize_refs, nodes
from gitops_bot.render import removed, tools
from testkit.parses import composer_runs


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names the composer runs for (the cache's misses); PyYAML's own load refused."""
    monkeypatch.setattr(yaml, "load", lambda *a, **k: pytest.fail("parsed past the cache"))
    return composer_runs(monkeypatch)


def test_a_kustomizations_value_readers_share_the_readings_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "resources: []\nnamePrefix: p-\nnamespace: shop\n"
        "helmCharts:\n- name: web\n  repo: https://charts.example.com\n  version: 1.0.0\n"
        f"# {tmp_path.name}\n"
    )
    kfile = tmp_path / "kustomization.yaml"
    kfile.write_text(text)
    ran = _parses(monkeypatch)
    kustomize_refs.refs(text, "kustomization.yaml")  # the reading's own read
    assert removed.renames([kfile], {}) == removed.Renames(
        frozenset({"p-"}), frozenset(), frozenset({"shop"})
    )
    assert tools._uses_helm(tmp_path)
    assert tools._pulled_chart(kfile, {}) == "web from https://charts.example.com"
    assert ran == ["kustomization.yaml"]


def test_a_values_file_keyed_for_the_marked_render_is_composed_as_the_reading_composed_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "image:\n  repository: ghcr.io/acme/app\nreplicas: 2\n# keyed\n"
    ran = _parses(monkeypatch)
    nodes.compose_all(text, "values.yaml", values=True)  # the reading's own read
    keyed = app_version._with_key(text, "values.yaml", "image.tag", "gitops-bot-x-0k")
    assert ran == ["values.yaml"]
    monkeypatch.undo()
    assert yaml.safe_load(keyed) == {
        "image": {"repository": "ghcr.io/acme/app", "tag": "gitops-bot-x-0k"},
        "replicas": 2,
    }
    assert nodes.constructed(nodes.compose_all(text, "values.yaml", values=True)[0]) == {
        "image": {"repository": "ghcr.io/acme/app"},
        "replicas": 2,
    }  # the private copy's key is not in the kept nodes


def test_constructing_a_kept_node_with_a_merge_key_leaves_it_unchanged() -> None:
    """PyYAML's constructor flattens ``<<`` into the mapping it reads: a kept node must not be."""
    text = "base: &b {image: app, tag: '1.0'}\nweb:\n  <<: *b\n  tag: '2.0'\n# merge\n"
    root = nodes.compose(text, "values.yaml")
    before = nodes.plain(root)
    assert nodes.constructed(root) == yaml.safe_load(text)
    assert nodes.plain(nodes.compose(text, "values.yaml")) == before
    assert nodes.constructed(root) == yaml.safe_load(text)


def test_a_scalar_go_reads_as_a_string_is_constructed_as_one() -> None:
    """As every parse of a render (manifests.guard.Constructor): an impossible date is the string
    kustomize and helm read, where PyYAML's own constructor raised ValueError."""
    root = nodes.compose("namespace: 2024-02-30\n# go\n", "kustomization.yaml")
    assert nodes.constructed(root) == {"namespace": "2024-02-30"}
