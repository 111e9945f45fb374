"""Chart version edits judged by the real tools against a loopback chart repository (an HTTP
server serving ``index.yaml`` and charts made with ``helm package``):

* an umbrella chart edited by :func:`charts.write` and relocked by :func:`charts.relock` passes
  ``helm dependency build`` (which refuses a lock whose digest does not match Chart.yaml) and
  ``helm template`` renders the new subchart version; the same edit without the relock is
  refused by helm, so the test can fail;
* a kustomization's ``helmCharts`` edited by :func:`charts.write` renders the new version with
  ``kubectl kustomize --enable-helm``. kubectl v1.33's kustomize (v5.6.0) asks ``helm version -c``
  and insists on Helm 3, so it is given a two-line shim that answers ``version`` as Helm 3 and
  hands every other command (``helm pull``, ``helm template``) to the real Helm 4.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from gitops_bot.manifests import charts
from testkit import kubetools

pytestmark = pytest.mark.e2e
VERSIONS = ("1.0.0", "1.1.0", "2.0.0")


def _run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, cwd=cwd, check=False)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """(repository URL, helm environment with it added as ``loop``): ``sub`` at every version of
    VERSIONS, each rendering a ConfigMap that names its own chart version."""
    root = tmp_path_factory.mktemp("chartrepo")
    home = root / "home"
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }
    served = root / "served"
    served.mkdir()
    for version in VERSIONS:
        src = root / "src" / version / "sub"
        (src / "templates").mkdir(parents=True)
        (src / "Chart.yaml").write_text(f"apiVersion: v2\nname: sub\nversion: {version}\n")
        (src / "values.yaml").write_text("greeting: hello\n")
        (src / "templates" / "cm.yaml").write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\n"
            'data:\n  version: "{{ .Chart.Version }}"\n'
        )
        assert _run([kubetools.helm(), "package", "-d", str(served), str(src)], env).returncode == 0
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    done = _run([kubetools.helm(), "repo", "index", str(served), "--url", url], env)
    assert done.returncode == 0, done.stderr
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # `helm dependency build` fetches only from repositories added by name (as "loop" here)
    added = _run([kubetools.helm(), "repo", "add", "loop", url], env)
    assert added.returncode == 0, added.stderr
    try:
        yield url, env
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _umbrella(path: Path, dependencies: str) -> Path:
    (path / "templates").mkdir(parents=True)
    (path / "Chart.yaml").write_text(
        f"apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n{dependencies}"
    )
    return path


def _rendered_versions(chart: Path, env: dict[str, str]) -> dict[str, str]:
    done = _run([kubetools.helm(), "template", "rel", str(chart)], env)
    assert done.returncode == 0, done.stderr
    return {d["metadata"]["name"]: d["data"]["version"] for d in yaml.safe_load_all(done.stdout) if d}


def _build(chart: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    shutil.rmtree(chart / "charts", ignore_errors=True)
    return _run([kubetools.helm(), "dependency", "build", str(chart)], env)


def test_umbrella_chart_edited_and_relocked_builds_and_renders_the_new_version(
    repo: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = repo
    chart = _umbrella(
        tmp_path / "umbrella",
        f'  - name: sub\n    version: "1.0.0"  # pinned\n    repository: {url}\n'
        f'  - name: sub\n    alias: other\n    version: ">=1.0.0 <2.0.0"\n    repository: {url}/\n'
        "    condition: other.enabled\n",
    )
    assert _run([kubetools.helm(), "dependency", "update", str(chart)], env).returncode == 0
    # two versions of one chart under aliases render ambiguously in Helm itself; only the pin is judged
    assert _rendered_versions(chart, env)["rel-sub"] == "1.0.0"
    spec = charts.ChartSpec("sub", url)
    chart_yaml, lock = (chart / "Chart.yaml").read_text(), (chart / "Chart.lock").read_text()

    edited = charts.write(chart_yaml, "Chart.yaml", {spec: "1.1.0"})
    assert edited == chart_yaml.replace('"1.0.0"', '"1.1.0"')  # the range is left alone
    (chart / "Chart.yaml").write_text(edited)
    refused = _build(chart, env)
    assert refused.returncode != 0 and "out of sync" in refused.stderr  # Chart.yaml alone: helm says no

    (chart / "Chart.lock").write_text(charts.relock(edited, lock, {spec: "1.1.0"}))
    built = _build(chart, env)
    assert built.returncode == 0, built.stderr
    assert _rendered_versions(chart, env) == {"rel-sub": "1.1.0", "rel-other": "1.1.0"}


def test_a_range_relocked_to_another_version_within_it_builds_that_version(
    repo: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = repo
    chart = _umbrella(
        tmp_path / "umbrella", f'  - name: sub\n    version: "^1.0.0"\n    repository: "{url}"\n'
    )
    assert _run([kubetools.helm(), "dependency", "update", str(chart)], env).returncode == 0
    assert _rendered_versions(chart, env) == {"rel-sub": "1.1.0"}
    chart_yaml, lock = (chart / "Chart.yaml").read_text(), (chart / "Chart.lock").read_text()
    spec = charts.ChartSpec("sub", url)
    assert charts.write(chart_yaml, "Chart.yaml", {spec: "1.0.0"}) == chart_yaml
    (chart / "Chart.lock").write_text(charts.relock(chart_yaml, lock, {spec: "1.0.0"}))
    built = _build(chart, env)
    assert built.returncode == 0, built.stderr
    assert _rendered_versions(chart, env) == {"rel-sub": "1.0.0"}


def test_a_repository_alias_relocked_builds(repo: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, env = repo
    chart = _umbrella(tmp_path / "umbrella", '  - name: sub\n    version: 1.0.0\n    repository: "@loop"\n')
    assert _run([kubetools.helm(), "dependency", "update", str(chart)], env).returncode == 0
    spec = charts.ChartSpec("sub", "@loop")
    chart_yaml, lock = (chart / "Chart.yaml").read_text(), (chart / "Chart.lock").read_text()
    edited = charts.write(chart_yaml, "Chart.yaml", {spec: "2.0.0"})
    (chart / "Chart.yaml").write_text(edited)
    relocked = charts.relock(edited, lock, {spec: "2.0.0"})
    assert f"repository: {url}\n  version: 2.0.0" in relocked  # helm locked the alias as its URL
    (chart / "Chart.lock").write_text(relocked)
    built = _build(chart, env)
    assert built.returncode == 0, built.stderr
    assert _rendered_versions(chart, env) == {"rel-sub": "2.0.0"}


def test_kustomize_helm_charts_edit_renders_the_new_version(
    repo: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = repo
    shim = tmp_path / "helm-as-v3"
    shim.write_text(
        f'#!/bin/sh\nif [ "$1" = version ]; then echo v3.99.0; exit 0; fi\nexec {kubetools.helm()} "$@"\n'
    )
    shim.chmod(0o755)
    base = tmp_path / "base"
    base.mkdir()
    text = f"helmCharts:\n- name: sub\n  repo: {url}\n  version: 1.0.0  # pinned\n  releaseName: k\n"
    (base / "kustomization.yaml").write_text(
        charts.write(text, "kustomization.yaml", {charts.ChartSpec("sub", url): "2.0.0"})
    )
    done = _run(
        [kubetools.kubectl(), "kustomize", "--enable-helm", "--helm-command", str(shim), str(base)],
        {**env, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert done.returncode == 0, done.stderr
    [cm] = [d for d in yaml.safe_load_all(done.stdout) if d]
    assert cm["data"]["version"] == "2.0.0"
