"""A file kustomize's configMapGenerator makes a ConfigMap key of is a Flux HelmRelease's values
only when a HelmRelease the environment renders takes that key through ``valuesFrom`` (testkit.flux_values_from,
shaped as wahooli/gitops-repo@e42e0ee9's apps/nas/jellyfin): a marked tag
there is found, named as the setter names it and pulled from what its ImagePolicy's
ImageRepository scans; the same file generated for nothing that takes it is a ConfigMap's data."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.flux_values_from import chart_here, files
from testkit.local_git import write


def test_a_marked_tag_in_a_values_file_a_helmrelease_takes_is_found(tmp_path: Path) -> None:
    text = config_text(discover(write(tmp_path, files("jellyfin/jellyfin"))))
    assert (
        '- name: "flux-system:jellyfin"\n  repository: "jellyfin/jellyfin"  # found: scanned by the Flux '
        in text
    )
    assert (
        "ImageRepository at apps/base/jellyfin/imagerepository.yaml:1, whose tags Flux writes where the setter "
        "flux-system:jellyfin marks the tag (apps/nas/jellyfin/values.yaml:4)\n"
    ) in text


def test_a_generated_file_no_helmrelease_takes_is_not_read(tmp_path: Path) -> None:
    repo = files("jellyfin/jellyfin")
    repo["apps/nas/jellyfin/helmrelease.yaml"] = repo["apps/nas/jellyfin/helmrelease.yaml"].replace(
        "name: jellyfin-values", "name: other-values"
    )
    assert discover(write(tmp_path, repo)).images == ()


def test_the_values_of_a_chart_of_the_repository_are_read_and_the_chart_is_deployed(tmp_path: Path) -> None:
    """The chart the HelmRelease installs from its GitRepository (this repository): the tag the
    generated values file sets is its image's pin, and the chart is no 'nothing deploys it'."""
    found = discover(write(tmp_path, chart_here("ghcr.io/acme/jellyfin")))
    (image,) = found.images
    assert image.name == "ghcr.io/acme/jellyfin" and image.tags == ("10.11.8",)
    assert "nothing in this repository deploys" not in config_text(found)


def _in_a_config_map(name: str) -> dict[str, str]:
    """The values written inside a ConfigMap manifest the overlay lists, not generated."""
    repo = files("jellyfin/jellyfin")
    k = "apps/nas/jellyfin/kustomization.yaml"
    repo[k] = (
        repo[k]
        .split("configMapGenerator")[0]
        .replace("- imagepolicy.yaml\n", "- imagepolicy.yaml\n- values.yaml\n")
    )
    repo["apps/nas/jellyfin/values.yaml"] = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: flux-system}}\ndata:\n"
        '  values.yaml: |\n    image:\n      repository: ghcr.io/acme/jellyfin\n      tag: "10.11.8"\n'
    )
    return repo


def test_values_written_inside_a_config_map_the_helmrelease_takes_are_said_with_the_form_read(
    tmp_path: Path,
) -> None:
    text = config_text(discover(write(tmp_path / "taken", _in_a_config_map("jellyfin-values"))))
    assert (
        "# not read: apps/nas/jellyfin/values.yaml:1: ConfigMap jellyfin-values's values.yaml holds the values "
        "HelmRelease default--jellyfin takes (valuesFrom) with image.repository 'ghcr.io/acme/jellyfin', "
        "image.tag '10.11.8': values written inside a ConfigMap are not read; to have them released, move "
        "them into a file of their own that a configMapGenerator makes the ConfigMap of "
        "(files: [values.yaml=<file>])\n"
    ) in text
    other = config_text(discover(write(tmp_path / "other", _in_a_config_map("other-values"))))
    assert "ConfigMap other-values" not in other  # a ConfigMap no HelmRelease takes is its own data
