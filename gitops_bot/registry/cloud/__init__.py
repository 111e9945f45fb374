"""Cloud registries' own logins, one module per cloud behind one table (as ``policy/schemes``
holds the version schemes): ``auth: aws|gcp|azure`` under a registry, or its host's name
(``*.dkr.ecr.*.amazonaws.com``, ``gcr.io``, ``*-docker.pkg.dev``, ``*.azurecr.io``), picks one;
:func:`credential` gives the registry's auth flow its :class:`~.base.CloudCredential`.

A new cloud is one module with a :class:`~.base.Login` and one line in :data:`LOGINS`, which
names its module and says its registries' hosts: a run imports the login of a cloud only when
it reads a registry of that cloud.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from gitops_bot.core.errors import UsageError
from gitops_bot.core.extras import install_hint
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.registry.settings import RegistryConfig

if TYPE_CHECKING:
    from gitops_bot.registry.cloud.base import CloudCredential, Login

log = get_logger(__name__)
# The logins' kit (the credential a login's token answers, the HTTP service they log in
# through), imported by name with the first cloud's login module, which stands on it: a run
# reading no cloud's registry loads neither.
KIT = "gitops_bot.registry.cloud.base"

# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn], and the dual-stack <account>.dkr-ecr.<region>.on.aws
ECR = re.compile(
    r"^(?P<account>\d{12})\.dkr(?:\.ecr(?P<fips>-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?P<cn>\.cn)?"
    r"|-ecr\.(?P<region6>[a-z0-9-]+)\.on\.aws)$"
)
GCR = re.compile(r"^(?:[a-z]+\.)?gcr\.io$")  # gcr.io, us.gcr.io, eu.gcr.io, asia.gcr.io
GAR = re.compile(r"^[a-z0-9-]+-docker\.pkg\.dev$")
ACR = re.compile(r"^[a-z0-9]{5,50}\.azurecr\.(?:io|us|cn)$")


@record
class Cloud:
    """One cloud as the table names it: its login's module and class, imported by name when a
    registry of that cloud is read (the command line's table's pattern: AWS's brings its XML
    answers' parser), and its registries' hosts by their names alone."""

    module: str
    login: str
    hosts: tuple[re.Pattern[str], ...]

    def recognises(self, host: str) -> bool:
        """Whether ``host`` is this cloud's registry by its name (no ``auth:`` needed). ECR
        Public serves public images anonymously: it is AWS's only with ``auth: aws``."""
        return any(p.match(host.lower()) for p in self.hosts)


LOGINS: dict[str, Cloud] = {
    "aws": Cloud("gitops_bot.registry.cloud.aws", "AwsLogin", (ECR,)),
    "gcp": Cloud("gitops_bot.registry.cloud.gcp", "GcpLogin", (GCR, GAR)),
    "azure": Cloud("gitops_bot.registry.cloud.azure", "AzureLogin", (ACR,)),
}


@functools.cache
def login(kind: str) -> Login:
    """The login of the cloud ``kind`` (a key of :data:`LOGINS`), its module imported now."""
    cloud = LOGINS[kind]
    return cast("Login", getattr(importlib.import_module(cloud.module), cloud.login)())


def named(auth: str | None) -> Login | None:
    """The cloud login ``auth:`` names; None for another value (``docker``) or none."""
    return login(auth) if auth in LOGINS else None


def recognised(host: str) -> Login | None:
    """The cloud whose registry ``host`` is by its name."""
    return next((login(kind) for kind, cloud in LOGINS.items() if cloud.recognises(host)), None)


def cloud_login(config: RegistryConfig) -> Login | None:
    """The cloud login reading ``config``'s registry may take, as registry/credentials.py tries
    them: none when the environment names a user and password; the cloud ``auth:`` names (none
    for ``auth: docker``); with no ``auth:``, its host's cloud (when docker's config.json has
    nothing for it). What the Action installs the extras for."""
    if config.username_env and config.password_env:
        return None
    return named(config.auth) if config.auth else recognised(config.host)


def credential(config: RegistryConfig, env: Mapping[str, str], *, explicit: bool) -> CloudCredential | None:
    """The cloud credential for ``config``'s registry: the ``auth:`` it names (``explicit``),
    else the cloud its host is recognised as, when the workload shows an identity of that
    cloud or the registry allows no one without one. None: ask as before (anonymously).

    A cloud whose library is not installed: a :class:`UsageError` naming the extra when
    ``auth:`` asked for it or the registry cannot be read without it; else a warning, once
    per host, and the registry is asked anonymously."""
    chosen = named(config.auth) if explicit else recognised(config.host)
    if chosen is None:
        return None
    kit = importlib.import_module(KIT)
    if not chosen.available():
        extra = chosen.extra or chosen.kind
        if explicit or not chosen.anonymous_ok:
            raise cast(UsageError, kit.extra_missing(chosen.kind, config.host, extra))
        log.warning(
            "registry_cloud_extra_missing",
            registry=config.host,
            auth=chosen.kind,
            hint=f"to read it with the workload's {chosen.kind} identity, {install_hint(extra)}",
        )
        return None
    if not explicit and chosen.anonymous_ok and not chosen.present(env):
        return None
    return cast("CloudCredential", kit.CloudCredential(chosen, config, env, explicit=explicit))
