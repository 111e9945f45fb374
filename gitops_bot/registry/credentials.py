"""Where registry credentials come from, in docker's order, never from gitops-bot.yaml itself.

1. the environment variables named in the registry's config (``username_env``/``password_env``);
2. docker ``config.json`` (``$DOCKER_CONFIG`` or ``~/.docker``): ``credHelpers[host]``, then
   ``credsStore``, then ``auths[host]`` (``auth``, ``username``/``password``, ``identitytoken``).
   Credential helpers (``docker-credential-ecr-login``, ``-gcloud``, ``-acr-env`` ...) are how
   ECR, GAR and ACR users authenticate;
3. the workload's cloud identity, for a registry whose host is a cloud's (ECR, Artifact
   Registry / GCR, ACR; :mod:`gitops_bot.registry.cloud`), and before 2. when ``auth:``
   names the cloud;
4. ``GITHUB_TOKEN`` for ghcr.io;
5. anonymous.
"""

from __future__ import annotations

import base64
import binascii
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import get_logger, register_secret, renewing
from gitops_bot.core.model import DOCKER_HUB, normalise_host
from gitops_bot.core.record import record
from gitops_bot.net import limits
from gitops_bot.registry import cloud
from gitops_bot.registry.settings import RegistryConfig

log = get_logger(__name__)
_DOCKER_HUB_KEY = "https://index.docker.io/v1/"


class Secrets(Protocol):
    """What the registry's auth flow reads of a credential: a fixed :class:`RegistryCredential`, or a
    cloud's, whose values are its current token (:class:`~.cloud.base.CloudCredential`)."""

    @property
    def source(self) -> str: ...

    @property
    def username(self) -> str | None: ...

    @property
    def password(self) -> str | None: ...

    @property
    def identity_token(self) -> str | None: ...


# repr=False: the class writes its own, which never shows the secret; one generated here would be
# compiled at import only to be dropped
@record
class RegistryCredential:
    """The login a registry is read with, and where it was found."""

    source: str
    username: str | None = None
    password: str | None = None
    identity_token: str | None = None

    def __repr__(self) -> str:  # never show the secret, even in a debugger or a traceback
        return f"RegistryCredential(source={self.source!r}, username={self.username!r})"


def lookup(
    config: RegistryConfig,
    env: Mapping[str, str] | None = None,
    docker_config: Path | None = None,
) -> Secrets | None:

    env = os.environ if env is None else env
    host = config.host
    if config.username_env and config.password_env:
        user, password = env.get(config.username_env), env.get(config.password_env)
        if not user or not password:
            missing = config.username_env if not user else config.password_env
            raise UsageError(
                f"registry {host}: environment variable {missing} is not set",
                hint="export it, or remove username_env/password_env to use docker's config.json",
            )
        return _remember(RegistryCredential(f"env {config.username_env}", user, password))
    if config.auth in cloud.LOGINS:
        return cloud.credential(config, env, explicit=True)
    found = from_docker_config(host, docker_config or _docker_config_path(env))
    if found:
        # a credential helper (docker-credential-ecr-login) issues a new token each time it is
        # asked: it replaces the one asked for this host before (core.log keeps that one a while)
        return _remember(found, renews=[f"registry credential for {host}"])
    if config.auth is None and (login := cloud.credential(config, env, explicit=False)):
        return login
    if host == "ghcr.io" and env.get("GITHUB_TOKEN"):
        return _remember(
            RegistryCredential("GITHUB_TOKEN", env.get("GITHUB_ACTOR") or "gitops-bot", env["GITHUB_TOKEN"])
        )
    return None


def _remember(cred: RegistryCredential, renews: tuple[str, ...] | list[str] = ()) -> RegistryCredential:
    with renewing(*renews):
        register_secret(cred.password)
        register_secret(cred.identity_token)
    return cred


def _docker_config_path(env: Mapping[str, str]) -> Path:
    base = env.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def _key_host(key: str) -> str:
    """``https://index.docker.io/v1/`` -> registry-1.docker.io; ``https://ghcr.io`` -> ghcr.io."""
    host = key.split("://", 1)[-1].split("/", 1)[0]
    return normalise_host(host)


def from_docker_config(host: str, path: Path) -> RegistryCredential | None:
    try:
        # nesting bounded (a RecursionError would be a traceback), not UTF-8 a ValueError too
        data: Any = limits.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read docker config {path}: {exc}", hint="fix or remove the file") from None
    if not isinstance(data, dict):
        return None
    server = _DOCKER_HUB_KEY if host == DOCKER_HUB else host
    helpers = data.get("credHelpers") or {}
    for key, helper in helpers.items():
        if _key_host(key) == host and isinstance(helper, str):
            return run_helper(helper, server)
    store = data.get("credsStore")
    if isinstance(store, str) and store:
        cred = run_helper(store, server)
        if cred:
            return cred
    for key, entry in (data.get("auths") or {}).items():
        if _key_host(key) != host or not isinstance(entry, dict):
            continue
        if entry.get("identitytoken"):
            return RegistryCredential(f"{path} identitytoken", identity_token=str(entry["identitytoken"]))
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise UsageError(f"{path}: 'auth' for {key} is not base64 user:password") from None
            return RegistryCredential(str(path), user, password)
        if entry.get("username") and entry.get("password"):
            return RegistryCredential(str(path), str(entry["username"]), str(entry["password"]))
    return None


def run_helper(helper: str, server: str) -> RegistryCredential | None:
    """``docker-credential-<helper> get``: server URL on stdin, JSON on stdout."""
    program = f"docker-credential-{helper}"
    try:
        # bytes: a helper's answer that is not UTF-8 is refused below, not a UnicodeDecodeError
        proc = subprocess.run(
            [program, "get"], input=server.encode(), capture_output=True, timeout=30, check=False
        )
    except FileNotFoundError:
        raise UsageError(
            f"credential helper {program} is not installed (named in docker's config.json)",
            hint=f"install it, or remove it from config.json for {server}",
        ) from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"credential helper {program} did not answer in 30 s") from None
    if proc.returncode != 0:
        if "credentials not found" in (proc.stdout + proc.stderr).decode("utf-8", "replace").lower():
            return None
        stderr = proc.stderr.decode("utf-8", "replace").strip()[:200]
        raise UsageError(f"credential helper {program} failed: {stderr or proc.returncode}")
    try:
        out = limits.loads(proc.stdout)
        username, secret = out["Username"], out["Secret"]
        if not (isinstance(username, str) and isinstance(secret, str)):
            raise TypeError("Username and Secret are not strings")
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"credential helper {program} printed something that is not its JSON") from None
    if username == "<token>":
        return RegistryCredential(f"helper {helper}", identity_token=secret)
    return RegistryCredential(f"helper {helper}", username, secret)
