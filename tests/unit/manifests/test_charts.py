"""Reading chart-version sites: which objects count, how repositories and sourceRefs match,
what is a range, and which new versions are refused before anything is written."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import charts
from testkit.paths import TEST_DATA

PODINFO = charts.ChartSpec("podinfo", "https://stefanprodan.github.io/podinfo")
CERT_MANAGER = charts.ChartSpec("cert-manager", "oci://quay.io/jetstack/charts")


@pytest.mark.parametrize(
    ("written", "config"),
    [
        ("https://Charts.Example.com/stable/", "https://charts.example.com/stable"),
        ("ghcr.io/org/charts", "oci://ghcr.io/org/charts"),  # Argo CD's Helm OCI form
        ("OCI://GHCR.io/org/charts", "oci://ghcr.io/org/charts"),
    ],
)
def test_repositories_match_as_helm_would_reach_them(written: str, config: str) -> None:
    assert charts.repository_key(written) == charts.repository_key(config)


def test_repository_paths_keep_their_case_and_aliases_stay_literal() -> None:
    assert charts.repository_key("https://h/Org/Charts") != charts.repository_key("https://h/org/charts")
    assert charts.repository_key("@stable") == "@stable"


@pytest.mark.parametrize("version", ["1.2.3", "v1.2.3", "1.0.0-rc.1", "1.0.0+build.5", "1.0.0_build.5"])
def test_exact_versions(version: str) -> None:
    assert charts.is_exact(version)


@pytest.mark.parametrize(
    "version", ["^1.2.0", "~1.2", ">=1.0.0 <2.0.0", "1.x", "7.x.x", "*", "1.2", "1.16.*", ""]
)
def test_ranges_are_not_exact(version: str) -> None:
    assert not charts.is_exact(version)


def test_sites_carry_form_line_and_current_value() -> None:
    text = (TEST_DATA / "charts/ocirepository/tag_moves/input.yaml").read_text()
    [site] = charts.read(text, "cert-manager.yaml", [CERT_MANAGER])
    assert (site.form, site.version, site.exact) == ("ocirepository", "v1.15.3", True)
    assert text.splitlines()[site.line - 1].strip() == "tag: v1.15.3"


def test_a_range_is_a_site_that_is_not_exact() -> None:
    text = (TEST_DATA / "charts/ocirepository/flux_example_semver_range_left_alone/input.yaml").read_text()
    [site] = charts.read(text, "cert-manager.yaml", [CERT_MANAGER])
    assert (site.version, site.exact) == ("1.x", False)


def test_a_helmrelease_with_chart_ref_holds_no_version_of_its_own() -> None:
    text = (TEST_DATA / "charts/ocirepository/tag_moves/input.yaml").read_text()
    sites = charts.read(text, "cert-manager.yaml", [CERT_MANAGER])
    assert [s.form for s in sites] == ["ocirepository"]


def test_helm_repositories_of_a_directory_name_sourcerefs_in_other_files() -> None:
    repo = (TEST_DATA / "charts/helmrelease/repository_in_the_same_file/input.yaml").read_text()
    known = charts.helm_repositories(repo.split("---\n")[0], "repository.yaml")
    assert known == {"podinfo/podinfo": "https://stefanprodan.github.io/podinfo"}
    release = (
        TEST_DATA / "charts/helmrelease/repository_in_another_file_given_by_config/input.yaml"
    ).read_text()
    assert charts.read(release, "release.yaml", [PODINFO]) == []
    [site] = charts.read(release, "release.yaml", [PODINFO], repositories=known)
    assert (site.form, site.version) == ("helmrelease", "6.5.4")


def test_a_repository_without_namespace_matches_a_release_of_any_namespace() -> None:
    text = """apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: podinfo}
spec: {url: "https://stefanprodan.github.io/podinfo"}
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  chart:
    spec: {chart: podinfo, version: 6.5.4, sourceRef: {kind: HelmRepository, name: podinfo}}
"""
    [site] = charts.read(text, "all.yaml", [PODINFO])
    assert site.line == 11
    assert charts.write(text, "all.yaml", {PODINFO: "6.7.1"}) == text.replace("6.5.4", "6.7.1")


def test_a_file_named_chart_yaml_is_read_as_a_chart_only() -> None:
    text = "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies:\n- {name: podinfo, version: 6.5.4, repository: https://stefanprodan.github.io/podinfo}\n"
    assert [s.form for s in charts.read(text, "charts/x/Chart.yaml", [PODINFO])] == ["chart-dependency"]
    assert charts.read(text, "x.yaml", [PODINFO]) == []


@pytest.mark.parametrize("bad", ["", " 1.0.0", "1.0.0\n", "{{ .version }}", "1.0.0\x00"])
def test_a_new_version_that_is_not_one_is_refused(bad: str) -> None:
    text = (TEST_DATA / "charts/kustomize-helmcharts/kustomize_example/input.yaml").read_text()
    spec = charts.ChartSpec("minecraft", "https://itzg.github.io/minecraft-server-charts")
    with pytest.raises(ManifestError, match="is not a version"):
        charts.write(text, "kustomization.yaml", {spec: bad})


def test_a_version_yaml_would_read_as_a_number_is_written_quoted() -> None:
    text = "helmCharts:\n- name: a\n  repo: https://x\n  version: 1.0.0\n"
    assert charts.write(
        text, "kustomization.yaml", {charts.ChartSpec("a", "https://x"): "1e3"}
    ) == text.replace("1.0.0", '"1e3"')


def test_an_overlay_patch_is_a_site_of_the_release_it_patches() -> None:
    both = (TEST_DATA / "charts/helmrelease/repository_in_the_same_file/input.yaml").read_text()
    repository, release = both.split("---\n")
    known = charts.helm_repositories(repository, "repository.yaml")
    base = release.replace("      version: 6.5.4\n", "")  # the base tracks latest: no site of its own
    assert charts.read(base, "release.yaml", [PODINFO], repositories=known) == []
    releases = charts.helm_releases(base, "release.yaml", repositories=known)
    assert [(k, v.key) for k, v in releases.items()] == [("podinfo/podinfo", PODINFO.key)]
    patch = (
        TEST_DATA / "charts/helmrelease/overlay_patch_of_a_release_given_by_config/input.yaml"
    ).read_text()
    assert charts.read(patch, "podinfo-values.yaml", [PODINFO]) == []
    [site] = charts.read(patch, "podinfo-values.yaml", [PODINFO], releases=releases)
    assert (site.form, site.version, site.line) == ("helmrelease", "6.5.4", 9)


def test_one_chart_asked_for_at_two_versions_is_refused() -> None:
    text = "helmCharts:\n- name: a\n  repo: https://x\n  version: 1.0.0\n"
    changes = {charts.ChartSpec("a", "https://x"): "1.0.1", charts.ChartSpec("a", "https://X/"): "1.0.2"}
    with pytest.raises(ManifestError, match="asked for at two versions"):
        charts.write(text, "kustomization.yaml", changes)
