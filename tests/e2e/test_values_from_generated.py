"""A Flux HelmRelease's values kept in a file of the repository that kustomize's
``configMapGenerator`` makes a ConfigMap of, taken through ``valuesFrom`` (the shape of
wahooli/gitops-repo@e42e0ee9's apps/nas/jellyfin: the base HelmRelease's chart from a
HelmRepository, the overlay's patch adding valuesFrom, values.yaml's tag marked by a Flux
``$imagepolicy`` setter, the repository left to the chart and scanned by the ImageRepository):
``init`` finds the image under the setter's name, pulled from what the ImageRepository scans, and
the plan under that config reads the pin in values.yaml and proposes the next tag there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitops_bot import cli
from gitops_bot.output.as_json import document
from testkit import kubetools
from testkit.flux_values_from import VALUES, chart_here, files
from testkit.local_git import write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess


def _init(
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    repository: Callable[[str], dict[str, str]],
) -> dict[str, Any]:
    """``init --registry`` on the files ``repository`` writes for the image whose tags 10.11.8 and
    10.11.9 are pushed (in a namespace of the registry of this test's own): its JSON document."""
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubetools.kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", kubetools.helm())
    ns = f"{prefix}{abs(hash(str(tmp_path))) % 10**8}"
    pusher = Pusher.to(registry.url)
    try:
        for tag in ("10.11.8", "10.11.9"):
            pusher.image(f"{ns}/jellyfin", tag, salt=f"{ns}-{tag}")
    finally:
        pusher.close()
    write(tmp_path, repository(f"{registry.host}/{ns}/jellyfin"))
    result = cli.execute(["init", "--repo", str(tmp_path), "--registry", "--output", "json"])
    doc = document(result)
    assert result.exit_code == 0 and doc is not None
    return doc


def test_a_marked_tag_in_a_generated_values_file_is_found_and_planned(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _init(tmp_path, registry, monkeypatch, "vfrom", files)
    (item,) = [i for e in doc["environments"] for i in e["images"]]
    assert item["image"] == "flux-system:jellyfin", item
    assert item["file"] == VALUES and item["current"]["tag"] == "10.11.8"
    assert item["action"] == "update" and item["candidate"]["tag"] == "10.11.9"
    # the marked render carried the tag into the ConfigMap the HelmRelease takes: the renderer's word
    (read,) = doc["reading"]
    assert read["status"] == "pinned" and doc["read_by"] == "renderer"
    assert [(p["file"], p["line"], p["kind"]) for p in read["pins"]] == [(VALUES, 4, "marker")]


def test_the_generated_values_of_a_chart_of_the_repository_are_planned_as_helm_renders_them(
    tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chart in the repository: helm renders it with the generated ConfigMap's values, the
    marked render holds the tag the values file sets, and the plan proposes the next tag there."""
    doc = _init(tmp_path, registry, monkeypatch, "vfromgit", chart_here)
    (item,) = [i for e in doc["environments"] for i in e["images"]]
    assert item["file"] == VALUES and item["current"]["tag"] == "10.11.8"
    assert item["action"] == "update" and item["candidate"]["tag"] == "10.11.9"
    (read,) = doc["reading"]
    assert read["status"] == "pinned" and doc["read_by"] == "renderer"
