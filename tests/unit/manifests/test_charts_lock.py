"""Chart.lock digests computed as Helm computes them, and locks kept in step with an edited
Chart.yaml. The recorded locks (tests/data/charts/locks/) were written by Bitnami's release
tooling and by the real ``helm dependency update``; the e2e test
tests/e2e/test_chart_edits_render.py lets ``helm dependency build`` judge relocked charts."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import charts, charts_lock
from testkit.paths import TEST_DATA

LOCKS = TEST_DATA / "charts" / "locks"
RECORDED = sorted(p.name for p in LOCKS.iterdir() if p.is_dir())
BITNAMI = "oci://registry-1.docker.io/bitnamicharts"
LOOPBACK = "http://127.0.0.1:18765"


def _files(name: str) -> tuple[str, str]:
    return (LOCKS / name / "Chart.yaml").read_text(), (LOCKS / name / "Chart.lock").read_text()


def _digest_line(lock: str) -> str:
    return next(line for line in lock.splitlines() if line.startswith("digest: "))


@pytest.mark.parametrize("name", RECORDED)
def test_digest_reproduces_every_recorded_lock(name: str) -> None:
    chart_yaml, lock = _files(name)
    assert charts_lock.digest(chart_yaml, lock) == _digest_line(lock).removeprefix("digest: ")


def test_go_json_escapes_html_characters_as_helm_hashes_them() -> None:
    # helm-features locks a ">=1.0.0 <2.0.0" range: Go writes \u003e and \u003c
    assert charts_lock._go_json(["<&>\u2028"]) == '["\\u003c\\u0026\\u003e\\u2028"]'


def test_relock_of_a_moved_exact_pin_changes_only_its_version_and_the_digest() -> None:
    chart_yaml, lock = _files("helm-features")
    spec = charts.ChartSpec("sub", LOOPBACK)
    edited = charts.write(chart_yaml, "Chart.yaml", {spec: "1.1.0"})
    assert edited == chart_yaml.replace("version: 1.0.0", "version: 1.1.0")
    new = charts.relock(edited, lock, {spec: "1.1.0"})
    old_lines, new_lines = lock.splitlines(), new.splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert changed[0] == ("  version: 1.0.0", "  version: 1.1.0")
    assert [a.split(":")[0] for a, _ in changed[1:]] == ["digest"]
    assert _digest_line(new) == "digest: " + charts_lock.digest(edited, new)
    assert charts.relock(edited, new, {spec: "1.1.0"}) == new  # the same change again: nothing


def test_relock_of_a_range_moves_the_locked_version_and_leaves_chart_yaml() -> None:
    chart_yaml, lock = _files("bitnami-wordpress")
    spec = charts.ChartSpec("memcached", BITNAMI)
    assert charts.write(chart_yaml, "Chart.yaml", {spec: "7.9.8"}) == chart_yaml  # 7.x.x stays
    new = charts.relock(chart_yaml, lock, {spec: "7.9.8"})
    assert new == lock.replace("version: 7.9.7", "version: 7.9.8").replace(
        _digest_line(lock), "digest: " + charts_lock.digest(chart_yaml, new)
    )
    assert 'generated: "2025-08-18T16:50:21.811944+02:00"' in new  # left as it was


def test_relock_resolves_a_repository_alias_to_the_url_helm_locked() -> None:
    chart_yaml, lock = _files("helm-repo-alias")
    assert 'repository: "@local"' in chart_yaml and f"repository: {LOOPBACK}" in lock
    spec = charts.ChartSpec("sub", "@local")
    edited = charts.write(chart_yaml, "Chart.yaml", {spec: "1.1.0"})
    new = charts.relock(edited, lock, {spec: "1.1.0"})
    assert "version: 1.1.0" in new
    # the alias chart's lock now equals the lock of the same chart written with the URL
    assert _digest_line(new).removeprefix("digest: ") == charts_lock.digest(
        edited.replace('"@local"', LOOPBACK), new
    )


def test_relock_refuses_a_lock_that_was_out_of_sync_already() -> None:
    chart_yaml, lock = _files("bitnami-airflow")
    stale = lock.replace(_digest_line(lock), "digest: sha256:" + "0" * 64)
    with pytest.raises(ManifestError, match="out of sync already") as caught:
        charts.relock(chart_yaml, stale, {charts.ChartSpec("redis", BITNAMI): "22.0.1"})
    assert "\n" not in str(caught.value)


def test_relock_refuses_a_lock_missing_a_dependency() -> None:
    chart_yaml, lock = _files("helm-features")
    first_only = lock.replace("- name: sub\n  repository: http://127.0.0.1:18765/\n  version: 1.1.0\n", "")
    with pytest.raises(ManifestError, match="out of sync"):
        charts.relock(chart_yaml, first_only, {charts.ChartSpec("sub", LOOPBACK): "1.1.0"})


def test_a_value_helm_would_not_read_as_a_string_is_refused() -> None:
    chart_yaml = "apiVersion: v2\nname: a\nversion: 0.1.0\ndependencies:\n- name: b\n  version: 1.0\n  repository: https://x\n"
    lock = "dependencies:\n- name: b\n  repository: https://x\n  version: 1.0.0\ndigest: sha256:00\n"
    with pytest.raises(ManifestError, match="not written as a string"):
        charts.relock(chart_yaml, lock, {charts.ChartSpec("b", "https://x"): "1.0.1"})


def test_go_yaml_v2_booleans_in_import_values_are_hashed_as_booleans() -> None:
    # helm-features imports {child: x, parent: y}; go-yaml v2 reads y as true, PyYAML as "y"
    chart_yaml, _ = _files("helm-features")
    assert "parent: y" in chart_yaml
    req, _ = charts_lock._req(chart_yaml)
    assert req[1]["import-values"][0] == {"child": "x", "parent": True}
