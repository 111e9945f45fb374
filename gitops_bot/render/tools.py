"""Rendering an environment's kustomization before and after a release's edits with the real
``kubectl kustomize`` (and ``helm`` for ``helmCharts:``), for the rendered diff in the pull
request (:mod:`gitops_bot.render.diff` compares the two renders).

Rendering never blocks a release: every failure (no kubectl, a render that fails, runs past
its deadline or prints more than the bound) becomes a "not rendered: why" line in the result.
Each render runs in a copy of the repository (one for before, one for after, rendered at
once) in the bot's private temporary directory, never in the worktree: Helm chart inflation
writes ``charts/`` beside the kustomization, and that must not end up in the commit. The tools
get a minimal environment (no tokens) whose HOME and Helm directories are inside that
temporary directory.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from gitops_bot.core import privdir
from gitops_bot.core.log import get_logger
from gitops_bot.core.settings import between, setting
from gitops_bot.manifests.guard import LOADER
from gitops_bot.render.diff import Rendered, compare

log = get_logger(__name__)

KUBECTL_ENV = "GITOPS_BOT_KUBECTL"
HELM_ENV = "GITOPS_BOT_HELM"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_OUTPUT = 32 * 1024 * 1024  # bytes of rendered YAML read per render
MAX_STDERR = 4096


@dataclass(frozen=True)
class RenderSettings:
    """``render:`` in gitops-bot.yaml. A tool's path: the key, else its environment variable
    (``GITOPS_BOT_KUBECTL``, ``GITOPS_BOT_HELM``), else the name looked up on PATH."""

    enabled: bool = setting(
        True,
        "Render each environment's kustomization before and after the edit "
        "and put the rendered diff in the pull request body.",
    )
    kubectl: str | None = setting(
        None,
        "kubectl (with Kustomize): a path or a name on PATH. "
        "Default: $GITOPS_BOT_KUBECTL, else kubectl on PATH.",
    )
    helm: str | None = setting(
        None,
        "helm, for kustomizations with helmCharts: a path or a name on PATH. "
        "Default: $GITOPS_BOT_HELM, else helm on PATH.",
    )
    timeout: float = setting(
        60.0,
        "Seconds one render may take.",
        rules=(between(0, 3600, "render timeout must be between 0 and 3600 seconds", above=True),),
    )

    def tool(self, name: str) -> str | None:
        configured = {"kubectl": self.kubectl, "helm": self.helm}[name]
        given = configured or os.environ.get({"kubectl": KUBECTL_ENV, "helm": HELM_ENV}[name]) or name
        if os.sep in given:
            path = Path(given).expanduser()
            # absolute now: the tools run inside a private temporary directory, where a path
            # relative to where the bot was started (.tools/bin/kubectl) names nothing
            return str(path.absolute()) if path.is_file() and os.access(path, os.X_OK) else None
        return shutil.which(given)


class _NotRendered(Exception):
    pass


def rendered_diff(
    settings: RenderSettings,
    environment: str,
    root: Path,
    kustomizations: list[Path],
    before: Mapping[Path, str],
    after: Mapping[Path, str],
) -> tuple[Rendered, ...]:
    """Each kustomization directory (under the worktree ``root``) rendered with the files of
    ``before`` and then with those of ``after`` (path under ``root`` -> text), compared."""
    if not settings.enabled:
        return ()
    if not kustomizations:
        return (Rendered(environment, ".", error="no kustomization among the environment's paths"),)
    names = [d.relative_to(root).as_posix() or "." for d in kustomizations]
    kubectl = settings.tool("kubectl")
    if kubectl is None:
        return tuple(Rendered(environment, n, error="kubectl not found") for n in names)
    started = time.monotonic()
    # in the private dir: the repository copies are swept with it even when the process is killed
    with tempfile.TemporaryDirectory(prefix="render-", dir=privdir.path()) as tmp:
        sides = [Path(tmp) / "before", Path(tmp) / "after"]
        for side, texts in zip(sides, (before, after), strict=True):
            tree = side / "tree"
            try:
                shutil.copytree(root, tree, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            except (OSError, shutil.Error) as e:
                return tuple(
                    Rendered(environment, n, error=f"cannot copy the repository: {e}") for n in names
                )
            for path, text in texts.items():
                target = tree / path.relative_to(root)
                target.unlink(missing_ok=True)  # a symlink in the copy is replaced, never followed
                target.write_text(text, encoding="utf-8")
        # the two sides at once, each in its own copy: kubectl is a process, so the renders
        # overlap on the cores instead of one waiting for the other (half the wall of a
        # release's rendered diff); each side renders its directories one after another
        with ThreadPoolExecutor(max_workers=2) as pool:
            outputs = list(
                pool.map(
                    lambda side: [_render(settings, kubectl, side / "tree" / n, side) for n in names], sides
                )
            )
    out = []
    for name, old, new in zip(names, outputs[0], outputs[1], strict=True):
        if isinstance(old, _NotRendered) or isinstance(new, _NotRendered):
            why = old if isinstance(old, _NotRendered) else new
            out.append(Rendered(environment, name, error=str(why)))
        else:
            out.append(compare(environment, name, old, new))
    log.info("rendered", environment=environment, seconds=round(time.monotonic() - started, 3))
    return tuple(out)


def kustomizations(root: Path, paths: list[Path]) -> list[Path]:
    """The kustomization directories among an environment's paths (a file: its directory)."""
    found: list[Path] = []
    for p in paths:
        d = p if p.is_dir() else p.parent
        if d not in found and any((d / n).is_file() for n in KUSTOMIZATION_NAMES):
            try:
                d.resolve().relative_to(root.resolve())
            except ValueError:
                continue
            found.append(d)
    return found


def _uses_helm(directory: Path) -> bool:
    for n in KUSTOMIZATION_NAMES:
        f = directory / n
        if f.is_file():
            try:
                text = f.read_text(encoding="utf-8")[:1_000_000]
                if "helm" not in text:  # most kustomizations: no parse at all
                    return False
                doc = yaml.load(text, Loader=LOADER)  # libyaml: pure-Python YAML took seconds
            except (yaml.YAMLError, OSError, UnicodeDecodeError):
                return False
            return isinstance(doc, dict) and bool(
                doc.get("helmCharts") or doc.get("helmChartInflationGenerator")
            )
    return False


HELM_SHIM = """#!/bin/sh
# Kustomize 5.x checks "helm version" for v3 and refuses Helm 4, whose "helm template" (the
# call kustomize makes) takes the same arguments: answer the check, run everything else.
if [ "$1" = version ]; then echo v3.99.0+helm4; exit 0; fi
exec {helm} "$@"
"""


def _helm_for_kustomize(helm: str, tmp: Path, timeout: float) -> str:
    """``helm``, or for Helm 4 a wrapper in the private temporary directory that passes
    kustomize's version check."""
    shim = tmp / "helm-for-kustomize"
    if shim.exists():
        return str(shim)
    try:
        version = subprocess.run(
            [helm, "version", "--short"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return helm  # kustomize's own run of it says what is wrong
    if version.startswith("v3"):
        return helm
    shim.write_text(HELM_SHIM.format(helm=shlex.quote(helm)))
    shim.chmod(0o700)
    return str(shim)


_KLOG = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]]*\] ")  # klog's header: time and pid vary


def _reason(lines: list[str], tmp: Path) -> str:
    """kustomize's reason, the same on every run (the PR body must not change between runs):
    no klog time or pid, no path of the private temporary copy."""
    for line in lines:
        line = _KLOG.sub("", line).strip()
        if line:
            line = line.replace(str(tmp / "tree") + "/", "").replace(str(tmp), "")
            return line[:300]
    return ""


def _render(settings: RenderSettings, kubectl: str, directory: Path, tmp: Path) -> str | _NotRendered:
    argv = [kubectl, "kustomize", str(directory)]
    if _uses_helm(directory):
        helm = settings.tool("helm")
        if helm is None:
            return _NotRendered("helm not found (the kustomization inflates Helm charts)")
        argv += ["--enable-helm", "--helm-command", _helm_for_kustomize(helm, tmp, settings.timeout)]
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_DATA_HOME": str(home / "helm-data"),
        "KUBECONFIG": str(home / "kubeconfig"),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),  # kustomize writes each chart's values file there
    }
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=tmp)
        except OSError as e:
            return _NotRendered(f"cannot run {kubectl}: {e.strerror}")
        deadline = time.monotonic() + settings.timeout
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    return _NotRendered(f"kubectl kustomize ran past its {settings.timeout:g} s deadline")
                if out_path.stat().st_size > MAX_OUTPUT:
                    return _NotRendered(f"kubectl kustomize printed more than {MAX_OUTPUT} bytes")
                time.sleep(0.02)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if proc.returncode != 0:
        with err_path.open("rb") as f:
            message = f.read(MAX_STDERR).decode("utf-8", "replace").strip().splitlines()
        return _NotRendered(
            f"kubectl kustomize failed: {_reason(message, tmp) or f'exit status {proc.returncode}'}"
        )
    if out_path.stat().st_size > MAX_OUTPUT:
        return _NotRendered(f"kubectl kustomize printed more than {MAX_OUTPUT} bytes")
    return out_path.read_text(encoding="utf-8", errors="replace")
