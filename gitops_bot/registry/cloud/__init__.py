"""Cloud registries' own logins, one module per cloud behind one table (as ``policy/schemes``
holds the version schemes): ``auth: aws|gcp|azure`` under a registry, or its host's name
(``*.dkr.ecr.*.amazonaws.com``, ``gcr.io``, ``*-docker.pkg.dev``, ``*.azurecr.io``), picks one;
:func:`credential` gives the registry's auth flow its :class:`~.base.CloudCredential`.

A new cloud is one module with a :class:`~.base.Login` and one line in :data:`LOGINS`.
"""

from __future__ import annotations

from collections.abc import Mapping

from gitops_bot.core.extras import install_hint
from gitops_bot.core.log import get_logger
from gitops_bot.registry.cloud.aws import AwsLogin
from gitops_bot.registry.cloud.azure import AzureLogin
from gitops_bot.registry.cloud.base import CloudCredential, Login, extra_missing
from gitops_bot.registry.cloud.gcp import GcpLogin
from gitops_bot.registry.settings import RegistryConfig

log = get_logger(__name__)

_ALL: tuple[Login, ...] = (AwsLogin(), GcpLogin(), AzureLogin())
LOGINS: dict[str, Login] = {login.kind: login for login in _ALL}


def recognised(host: str) -> Login | None:
    """The cloud whose registry ``host`` is by its name."""
    return next((login for login in LOGINS.values() if login.recognises(host)), None)


def cloud_login(config: RegistryConfig) -> Login | None:
    """The cloud login reading ``config``'s registry may take, as registry/credentials.py tries
    them: none when the environment names a user and password; the cloud ``auth:`` names (none
    for ``auth: docker``); with no ``auth:``, its host's cloud (when docker's config.json has
    nothing for it). What the Action installs the extras for."""
    if config.username_env and config.password_env:
        return None
    return LOGINS.get(config.auth) if config.auth else recognised(config.host)


def credential(config: RegistryConfig, env: Mapping[str, str], *, explicit: bool) -> CloudCredential | None:
    """The cloud credential for ``config``'s registry: the ``auth:`` it names (``explicit``),
    else the cloud its host is recognised as, when the workload shows an identity of that
    cloud or the registry allows no one without one. None: ask as before (anonymously).

    A cloud whose library is not installed: a :class:`UsageError` naming the extra when
    ``auth:`` asked for it or the registry cannot be read without it; else a warning, once
    per host, and the registry is asked anonymously."""
    login = LOGINS.get(config.auth or "") if explicit else recognised(config.host)
    if login is None:
        return None
    if not login.available():
        extra = login.extra or login.kind
        if explicit or not login.anonymous_ok:
            raise extra_missing(login.kind, config.host, extra)
        log.warning(
            "registry_cloud_extra_missing",
            registry=config.host,
            auth=login.kind,
            hint=f"to read it with the workload's {login.kind} identity, {install_hint(extra)}",
        )
        return None
    if not explicit and login.anonymous_ok and not login.present(env):
        return None
    return CloudCredential(login, config, env, explicit=explicit)
