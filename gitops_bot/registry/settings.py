"""The registry package's settings: one registry host's connection, TLS, credentials and limits.

``config`` reads them from ``registries:``; this package never imports ``config``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from gitops_bot.core.record import record
from gitops_bot.core.secret import is_loopback_host
from gitops_bot.core.settings import URL, between, matches, one_of, setting

# push_time's values: registry/pushtime's MODULES and "off" (a test holds them equal; the
# settings load without the API clients)
PUSH_TIME_APIS = ("github", "dockerhub", "quay", "harbor", "acr", "gar", "ecr", "off")
# host[:port] (a name, an IPv4 address or [an IPv6 one]), then the path copies sit under
MIRROR = (
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$"
)


@record
class RegistryConfig:
    """A registry's entry under ``registries:``: how its host is reached and read."""

    host: str = setting(key=None)  # the key of its entry under registries:, normalised
    # Where this registry's images are read from instead (containerd's hosts.toml mirror,
    # Renovate's registryAliases): the names the manifests write stay, so the reader still finds
    # them; the pool reads the mirror with the mirror's own entry, so no credential of this one
    # ever goes there
    mirror: str | None = setting(
        None,
        "Read this registry's tags and digests from another registry that holds its images under "
        "the same names: a pull-through cache or mirror (harbor.example.com/dockerhub-proxy: "
        "host[:port], then the path its copies sit under) or a loopback registry to try a plan "
        "against (127.0.0.1:5000). The manifests keep naming this registry; the mirror is read "
        "with its own entry under registries: (insecure, ca_file, username_env, ...), never with "
        "this one's credentials. One step: a mirror's own mirror is not followed.",
        rules=(
            matches(
                MIRROR,
                "{what}: 'mirror' {value!r} must be host[:port], then an optional path "
                "(127.0.0.1:5000, harbor.example.com/dockerhub-proxy), without a scheme",
            ),
        ),
    )
    # the path a mirror's copies sit under (from the mirror: value of the entry read through it)
    path: str = setting("", key=None)
    insecure: bool = setting(False, "Plain http (loopback is always allowed plain http).")
    # None: https, except http for loopback without a ca_file
    tls: bool | None = setting(None, "false: plain http (needs insecure: true unless loopback).")
    ca_file: str | None = setting(None, "A private CA's PEM, relative to gitops-bot.yaml.")
    username_env: str | None = setting(None, "The variable holding the registry user name.")
    password_env: str | None = setting(None, "The variable holding the registry password or token.")
    # requests in flight to this host, at most: at a real registry's round-trip time (20-80 ms)
    # the bot waits on the network, not the CPU, so throughput is in-flight requests / RTT. The
    # run starts at 32 and grows to this while the host answers promptly; an overloaded answer
    # (429, 503, a timeout) halves it (net/window.py); a refused connection never does (net/reach.py)
    max_concurrency: int = setting(
        64,
        "The most requests in flight to this host: a run starts at 32 (or this, when lower), "
        "grows to it while the registry answers promptly, and halves on an overloaded answer "
        "(408, 429, 502-504, a timeout, a connection reset mid-answer; never a registry not "
        "reached at all).",
        # bounded: the window and the connection pool are sized by it, and a 40-digit ceiling
        # made a plan run past every deadline until killed
        rules=(between(1, 1024, "'max_concurrency' must be between 1 and 1024"),),
    )
    requests_per_second: float | None = setting(
        None,
        "Optional spacing of request starts.",
        rules=(between(0, None, "'requests_per_second' must be more than 0", above=True),),
    )
    # off by default: measured against the real registry over TLS at 40 ms and 32 in flight,
    # Python's HTTP/2 stack (h2) cost ~1.4 ms of CPU a request against ~0.9 ms for HTTP/1.1 on
    # 32 kept-alive connections, and took longer (docs/http.md)
    http2: bool = setting(
        False,
        "Offer HTTP/2 over https (ALPN): one connection carries many requests, at more CPU a "
        "request than HTTP/1.1 on kept-alive connections.",
    )
    # min_age reads the registry's own push time where it has an API for it: by host (ghcr.io,
    # Docker Hub, quay.io), or as named here (a Harbor, a mirror of one of them); "off": never
    push_time: str | None = setting(
        None,
        "The registry's API for push times, which min_age trusts over the image's own creation "
        "time: github (GHCR's Packages API), dockerhub, quay, harbor, acr (Azure Container "
        "Registry), gar (Google Artifact Registry), ecr (Amazon ECR), or off. Default: by host "
        "(ghcr.io, docker.io, quay.io, *.azurecr.io, *-docker.pkg.dev, *.dkr.ecr.*.amazonaws.com); "
        "none for other hosts.",
        rules=(
            one_of(
                PUSH_TIME_APIS,
                "{what}: 'push_time' must be github, dockerhub, quay, harbor, acr, gar, ecr or off",
            ),
        ),
    )
    push_time_url: str | None = setting(
        None,
        "Where that API is, when not its public address (GitHub Enterprise's API, a Harbor "
        "behind another name); a token goes there only when it is the public address or the "
        "operator gave this repository the variable.",
        rules=(matches(URL, "{what}: 'push_time_url' {value!r} must be a URL"),),
    )
    # a cloud's identity, by name or by the host's (registry/cloud/): the workload's own,
    # never a secret in this file
    auth: str | None = setting(
        None,
        "How the bot logs in: aws (Amazon ECR, ECR Public), gcp (Artifact Registry, Container "
        "Registry) or azure (Azure Container Registry) with the workload's own identity; docker: "
        "only docker's config.json and username_env/password_env. Default: by host "
        "(*.dkr.ecr.*.amazonaws.com, gcr.io, *-docker.pkg.dev, *.azurecr.io) when docker's "
        "config.json has nothing for it.",
        rules=(
            one_of(
                ("aws", "gcp", "azure", "docker"),
                "{what}: 'auth' must be aws, gcp, azure or docker",
            ),
        ),
    )
    role_arn: str | None = setting(
        None,
        "auth aws: a role to assume with the workload's identity before asking ECR for a token "
        "(another account's registry).",
        rules=(
            matches(
                r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$",
                "{what}: 'role_arn' must be an IAM role ARN, e.g. arn:aws:iam::123456789012:role/reader",
            ),
        ),
    )
    region: str | None = setting(
        None,
        "auth aws: the registry's AWS region, when its host does not say it (an ECR registry "
        "reached under another name).",
        rules=(
            matches(
                r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$", "{what}: 'region' must be an AWS region, e.g. eu-west-1"
            ),
        ),
    )
    client_id: str | None = setting(
        None,
        "auth azure: the client id of the identity to use (a user-assigned managed identity); "
        "default AZURE_CLIENT_ID.",
    )
    tenant_id: str | None = setting(None, "auth azure: the Microsoft Entra tenant; default AZURE_TENANT_ID.")
    timeout: float = setting(
        30.0,
        "Seconds one request to this registry may take in all (a total deadline, not per read).",
        rules=(between(0, 600, "{what}: 'timeout' must be more than 0 and at most 600 seconds", above=True),),
    )


def scheme_for(config: RegistryConfig) -> str:
    """Plain http only for loopback or a registry marked insecure; ``tls: true`` or a
    ``ca_file`` means https whatever the host."""
    if config.tls is not None:
        return "https" if config.tls else "http"
    if config.ca_file:
        return "https"
    return "http" if config.insecure or is_loopback_host(config.host) else "https"


class RegistrySettings(Protocol):
    """What the registry pool needs of a whole configuration (``config.Config`` is one)."""

    @property
    def root(self) -> Path: ...

    def registry(self, host: str) -> RegistryConfig: ...
