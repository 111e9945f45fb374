"""A repository whose overlays name remote bases of every form kustomize fetches (a
``github.com/…?ref=`` path, a raw https URL, ``git::``, ``git@``, ``ssh://``) and Helm charts
pulled from a chart repository (https and ``oci://``), run through the real CLI as a user runs
it (``plan``, ``update --dry-run``, ``update``) under the real ``strace -f``: no process the bot
starts connects anywhere but loopback and a local socket, and nothing asks DNS (port 53). Plan
names each remote resource as not followed; the rendered diff says why it did not render one.

Before, ``update --dry-run`` ran ``kubectl kustomize``, whose ``git fetch`` of
``https://github.com/acme/app`` (with the proxy variables removed) sent a DNS query out."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gitops_bot.core import childenv
from testkit import kubetools, netwatch
from testkit.local_git import commit, git, write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

# another project's manifests at a version of their own: bases of this image's own project at its
# version would make a release move the image and not the manifests, which the reading refuses
REMOTE = [
    "github.com/acme/platform//deploy?ref=v4.2.0",
    "https://raw.githubusercontent.com/acme/platform/v4.2.0/deploy.yaml",
    "git::https://gitlab.com/acme/platform.git//deploy?ref=v4.2.0",
    "git@github.com:acme/platform.git//deploy?ref=v4.2.0",
    "ssh://git@bitbucket.org/acme/platform.git//deploy?ref=v4.2.0",
]
CHARTS = "helmCharts:\n- name: web\n  repo: oci://ghcr.io/acme/charts\n  version: 1.0.0\n- name: db\n  repo: https://charts.example.com\n  version: 2.0.0\n"
DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: {image}:1.0.0\n"


def _origin(tmp_path: Path, image: str) -> Path:
    seed = tmp_path / "seed"
    envs = "".join(
        f"  - name: {n}\n    path: overlays/{n}\n    write: commit\n" for n in ("remote", "charts")
    )
    write(
        seed,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT.format(image=image),
            "overlays/remote/kustomization.yaml": "resources:\n- ../../base\n"
            + "".join(f"- {r}\n" for r in REMOTE)
            + f"images:\n- name: {image}\n  newTag: 1.0.0\n",
            "overlays/charts/kustomization.yaml": f"resources:\n- ../../base\n{CHARTS}"
            f"images:\n- name: {image}\n  newTag: 1.0.0\n",
            "gitops-bot.yaml": f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\n"
            f"environments:\n{envs}",
        },
    )
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "remote bases")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    return origin


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    keep = ("PATH", "LANG", "LC_ALL", "PYTHONPATH")
    return {
        **{k: v for k, v in os.environ.items() if k in keep},
        "HOME": str(home),
        "GITOPS_BOT_KUBECTL": kubetools.kubectl(),
        "GITOPS_BOT_HELM": kubetools.helm(),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def _cli(tmp_path: Path, *argv: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bot = [sys.executable, "-m", "gitops_bot", *argv]
    return netwatch.traced(bot, env=_env(tmp_path), cwd=tmp_path)


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("remote-bases/app", ["1.0.0", "1.1.0"], salt="remote-bases")
    return f"{registry.host}/remote-bases/app"


def test_plan_dry_run_and_update_reach_nothing_off_the_machine(tmp_path: Path, image: str) -> None:
    origin = _origin(tmp_path, image)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))

    proc, out = _cli(tmp_path, "plan", "--repo", str(clone), "--output", "json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert out == [], out
    notes = {e["name"]: e.get("notes", []) for e in json.loads(proc.stdout)["environments"]}
    for remote in REMOTE:
        said = f"remote base {remote}: not followed; the bot reads what this repository holds"
        assert said in notes["remote"], notes["remote"]
    for chart in ("web from oci://ghcr.io/acme/charts", "db from https://charts.example.com"):
        said = f"Helm chart {chart}: not followed; the bot reads what this repository holds"
        assert said in notes["charts"], notes["charts"]

    proc, out = _cli(tmp_path, "update", "--dry-run", "--repo", f"file://{origin}", "--output", "json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert out == [], out
    rendered = {r["environment"]: r["rendered"] for r in json.loads(proc.stdout)["results"]}
    (remote,) = rendered["remote"]
    assert remote["error"].startswith(f"remote base {REMOTE[0]}: not followed"), remote
    (charts,) = rendered["charts"]
    assert charts["error"].startswith("Helm chart web from oci://ghcr.io/acme/charts: not pulled"), charts

    proc, out = _cli(tmp_path, "update", "--repo", f"file://{origin}")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert out == [], out
    assert "1.1.0" in git(origin, "show", "main:overlays/remote/kustomization.yaml")


def test_kustomize_run_on_a_remote_base_anyway_reaches_nothing_off_the_machine(tmp_path: Path) -> None:
    """The tools' own environment is the second wall: kubectl kustomize told to build a remote
    base fails on the machine (git allowed the file protocol only; HTTP to a dead loopback
    proxy), with no DNS query."""
    overlay = tmp_path / "overlay"
    write(overlay, {"kustomization.yaml": "resources:\n" + "".join(f"- {r}\n" for r in REMOTE)})
    for remote in REMOTE:
        write(overlay, {"kustomization.yaml": f"resources:\n- {remote}\n"})
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        env = childenv.content_env(home, {"PATH": os.environ["PATH"]})
        proc, out = netwatch.traced([kubetools.kubectl(), "kustomize", str(overlay)], env=env, cwd=tmp_path)
        assert proc.returncode != 0, proc.stdout
        assert out == [], (remote, out)


def test_the_operators_proxy_is_kept_and_a_dead_one_stands_in_for_none() -> None:
    kept = childenv.content_env(
        Path("/h"), {"PATH": "/bin", "https_proxy": "http://proxy:3128", "NO_PROXY": "corp"}
    )
    assert kept["https_proxy"] == "http://proxy:3128" and kept["NO_PROXY"] == "corp"
    assert "HTTP_PROXY" not in kept and kept["GIT_ALLOW_PROTOCOL"] == "file"
    none = childenv.content_env(Path("/h"), {"PATH": "/bin", "GITHUB_TOKEN": "t", "NO_PROXY": "*"})
    assert none["HTTPS_PROXY"] == none["https_proxy"] == childenv.DEAD_PROXY
    assert "NO_PROXY" not in none and "GITHUB_TOKEN" not in none


def test_the_watch_sees_a_grandchilds_connection_off_the_machine(tmp_path: Path) -> None:
    """The control every 'reaches nothing' above leans on: a connection a child's child makes to
    a non-loopback address is a line of the trace (a UDP socket's connect sends no packet)."""
    leaf = "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(('192.0.2.1', 9))"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {leaf!r}], check=True)"
    proc, out = netwatch.traced(
        [sys.executable, "-c", parent], env={"PATH": os.environ["PATH"]}, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert any("192.0.2.1" in line for line in out), out


# a URL in each field kustomize's loader reads a file of (besides resources and patches): it
# fetches every one over HTTP, through the operator's proxy
LOADED = {
    "configurations": "configurations:\n- https://a.example/c.yaml\n",
    "crds": "crds:\n- https://b.example/c.yaml\n",
    "openapi": "openapi:\n  path: https://c.example/c.json\n",
    "replacements": "replacements:\n- path: https://d.example/r.yaml\n",
    "configMapGenerator": "configMapGenerator:\n- name: x\n  files:\n  - https://e.example/f.txt\n"
    "  envs:\n  - https://f.example/f.env\n",
    "secretGenerator": "secretGenerator:\n- name: y\n  env: https://g.example/f.env\n",
    "generators": "generators:\n- https://h.example/g.yaml\n",
    "transformers": "transformers:\n- https://i.example/t.yaml\n",
    "validators": "validators:\n- https://j.example/v.yaml\n",
}


class _Proxy:
    """A loopback listener standing in for the operator's proxy: the first line of each request."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.seen: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with contextlib.suppress(OSError):
                    self.seen.append(conn.recv(4096).split(b"\r\n")[0].decode(errors="replace"))


def test_a_url_in_any_field_kustomize_loads_is_said_and_never_fetched(tmp_path: Path, image: str) -> None:
    """Before, only resources: and patches: were read as remote: a kustomization naming a URL in
    configurations:, crds:, openapi:, replacements:, a generator's files or generators: was
    rendered anyway, whose loader sent CONNECT a.example:443 to the operator's proxy, and the
    plan said nothing of what it did not read."""
    seed = tmp_path / "seed"
    config = f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\nenvironments:\n"
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT.format(image=image),
    }
    for key, text in LOADED.items():
        config += f"  - name: {key.lower()}\n    path: overlays/{key}\n    write: commit\n"
        files[f"overlays/{key}/kustomization.yaml"] = f"resources:\n- ../../base\n{text}"
    write(seed, {**files, "gitops-bot.yaml": config})
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "urls kustomize loads")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    proxy = _Proxy()
    env = {**_env(tmp_path), "HTTPS_PROXY": f"http://127.0.0.1:{proxy.sock.getsockname()[1]}"}
    try:
        for argv in (["plan", "--repo", str(seed)], ["update", "--dry-run", "--repo", f"file://{origin}"]):
            proc, out = netwatch.traced(
                [sys.executable, "-m", "gitops_bot", *argv, "--output", "json"], env=env, cwd=tmp_path
            )
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
            assert out == [] and proxy.seen == [], (argv, out, proxy.seen)
            if argv[0] == "plan":
                notes = {e["name"]: e.get("notes", []) for e in json.loads(proc.stdout)["environments"]}
                for key, text in LOADED.items():
                    for url in re.findall(r"https://\S+", text):
                        assert any(f"{url}: not followed" in n for n in notes[key.lower()]), (key, notes)
    finally:
        proxy.sock.close()
