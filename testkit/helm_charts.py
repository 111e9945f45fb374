"""Charts made and published with the real ``helm``: a chart directory, ``helm package`` at a
version, and ``helm push`` to an OCI registry (the registry process on loopback, plain http),
with helm's own config, cache and data kept in the test's directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

from testkit.kubetools import helm


def helm_env(home: Path) -> dict[str, str]:
    return {
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_DATA_HOME": str(home / "data"),
        "HELM_REGISTRY_CONFIG": str(home / "registry.json"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
    }


def chart_dir(root: Path, name: str) -> Path:
    """A minimal chart (one ConfigMap naming the chart's version)."""
    path = root / name
    (path / "templates").mkdir(parents=True, exist_ok=True)
    (path / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.0.0\n")
    (path / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
        "data:\n  version: {{ .Chart.Version | quote }}\n"
    )
    return path


def run(args: list[str], home: Path) -> str:
    done = subprocess.run(
        [helm(), *args], env=helm_env(home), capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"helm {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def package(root: Path, name: str, version: str) -> Path:
    """``helm package`` of :func:`chart_dir` at ``version``: the .tgz's path."""
    out = root / "packages"
    run(["package", str(chart_dir(root / "src", name)), "--version", version, "-d", str(out)], root)
    return out / f"{name}-{version}.tgz"


def push(root: Path, name: str, versions: list[str], registry_host: str, path: str = "charts") -> str:
    """Each version packaged and pushed to ``oci://registry_host/path``; that reference."""
    where = f"oci://{registry_host}/{path}"
    for version in versions:
        run(["push", str(package(root, name, version)), where, "--plain-http"], root)
    return where


def repository(root: Path, name: str, versions: list[str], url: str) -> dict[str, bytes]:
    """A classic chart repository as ``helm repo index`` writes it for ``url``: path -> bytes
    of its ``index.yaml`` and each version's package (serve them with ``testkit.chart_repo``)."""
    out = root / "repo"
    out.mkdir(parents=True, exist_ok=True)
    for version in versions:
        package(root, name, version).rename(out / f"{name}-{version}.tgz")
    run(["repo", "index", str(out), "--url", url], root)
    prefix = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else ""
    return {f"{prefix}/{p.name}": p.read_bytes() for p in out.iterdir()}
