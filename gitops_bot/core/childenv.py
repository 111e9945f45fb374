"""The environment of a process the bot starts on a repository's content (``kubectl kustomize``,
``helm``): what the repository's author writes decides what such a process reaches, so it gets
no credential of the operator's, a HOME of its own in the private directory, and no way out of
the machine but the operator's proxy. A kustomization may name a remote base the reader never
follows; should the tool try it anyway, its git is allowed the ``file`` protocol only, and its
HTTP goes to the operator's proxy, or where there is none to a loopback port nothing listens on
(a proxy is asked by its address: no DNS query for the host named leaves either)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROXY_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
# Go's collector in the tools (kubectl and helm are Go): off until the heap nears the limit,
# since a render allocates and exits, and collecting along the way was a fifth to a third of
# its CPU: kubectl kustomize of a small overlay 169 -> 131 ms a run, of a 3.7 MB one 2.17 ->
# 1.53 s, its peak resident 162 -> 295 MB (the limit bounds it; past it Go collects as
# usual). An operator's own GOGC or GOMEMLIMIT (a container's memory limit) is kept instead.
GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "256MiB"}
# the discard port on loopback: a connection to it is refused at once, on this machine
DEAD_PROXY = "http://127.0.0.1:9"


def proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """The operator's proxy settings (either spelling), or a dead loopback proxy for every
    scheme where none is set, so nothing is fetched directly."""
    kept = {k: v for k, v in environ.items() if k.upper() in PROXY_NAMES and v}
    if any(k.upper() != "NO_PROXY" for k in kept):
        return kept
    return {
        name: DEAD_PROXY
        for scheme in ("http", "https", "all")
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY")
    }


def content_env(home: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A tool's whole environment (nothing else of the bot's is passed): PATH, a C.UTF-8
    locale, HOME and the Helm and kube directories under ``home``, the proxies, and git
    (run by kustomize for a remote base) confined to local repositories with no prompt, and
    Go's collector as :data:`GO_RUNTIME` sets it unless the operator set it."""
    env = os.environ if environ is None else environ
    go = {k: v for k, v in env.items() if k in GO_RUNTIME and v} or GO_RUNTIME
    return {
        "PATH": env.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
        "HELM_DATA_HOME": str(home / "helm-data"),
        "KUBECONFIG": str(home / "kubeconfig"),  # none there: no cluster, no exec credential plugin
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),  # kustomize writes each chart's values file there
        "GIT_ALLOW_PROTOCOL": "file",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_LFS_SKIP_SMUDGE": "1",
        **go,
        **proxies(env),
    }
