"""A URL gitops-bot.yaml writes never names the machine's cloud metadata service: the bot runs
with that machine's identity, and what a web gate, a webhook or a metrics query reads back is
printed (a gate's value in status, the dashboard, a pull request's mark). Whoever may edit the
file (in a fleet, any repository's author) could otherwise publish the node's credentials.

Refused at load, one line naming the key and what to do (exit 2 as every configuration error),
for every spelling the connection would reach the address by: IPv4 written in decimal, octal or
hex (getaddrinfo reads them via inet_aton), IPv4-mapped IPv6, an IPv6 link-local address with
its zone, AWS's IPv6 endpoints, and Google's names. A name that only starts like an address
(``169.254.1.1%25.evil.com``) is a name: the one client judges the address it resolves to.
"""

from __future__ import annotations

import textwrap

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError

BASE = """\
version: 1
images:
  - name: app
    repository: ghcr.io/team/app
environments:
  - name: dev
    path: overlays/dev
"""

WHERE = {
    "a web gate's url": (
        BASE
        + "    gates:\n      web:\n"
        + "        - {name: up, url: 'http://HOST/latest/meta-data/iam/security-credentials/r', "
        + "pointer: /SecretAccessKey, equals: x}\n",
        "'url' of web gate 'up'",
        10,
    ),
    "metrics url": (BASE + "metrics:\n  url: http://HOST\n", "'url' of 'metrics'", 9),
    "argocd server": (BASE + "argocd:\n  server: http://HOST:80\n", "'server' of 'argocd'", 9),
    "a webhook notification": (
        BASE + "notifications:\n  - {name: n, type: webhook, url: 'http://HOST/hook'}\n",
        "'url' of notification 'n'",
        9,
    ),
    "a forge's api_url": (
        BASE + "forge: {type: gitea, api_url: 'https://HOST/api/v1', repository: a/b}\n",
        "'api_url' of 'forge'",
        8,
    ),
    "a chart repository": (
        BASE.replace(
            "environments:", "charts:\n  - name: c\n    repository: http://HOST/charts\nenvironments:"
        ),
        "'repository' of chart 'c'",
        7,
    ),
    "a registry": (BASE + "registries:\n  'HOST':\n    insecure: true\n", "registry 'HOST' is", 9),
}

SPELLINGS = {
    "169.254.169.254": "169.254.169.254",  # AWS, Azure, GCP, OCI... by address
    "2852039166": "169.254.169.254",  # decimal
    "0xa9fea9fe": "169.254.169.254",  # hex
    "0251.0376.0251.0376": "169.254.169.254",  # octal
    "169.254.43518": "169.254.169.254",  # three parts
    "[::ffff:169.254.169.254]": "169.254.169.254",  # IPv4-mapped IPv6
    "[::ffff:a9fe:a9fe]": "169.254.169.254",
    "169.254.170.2": "169.254.170.2",  # ECS task credentials
    "[fe80::a9fe:a9fe%25eth0]": "fe80::a9fe:a9fe%eth0",  # IPv6 link-local, with its zone
    "[fd00:ec2::254]": "fd00:ec2::254",  # AWS IMDS over IPv6
    "[fd00:ec2::23]": "fd00:ec2::23",  # EKS Pod Identity over IPv6
    "metadata.google.internal": "metadata.google.internal",
    "METADATA.Google.Internal.": "metadata.google.internal",
    "metadata": "metadata",  # GCE's search domain answers it
}


def _load(text: str) -> config.Config:
    return config.parse(textwrap.dedent(text), "gitops-bot.yaml")


def _pairs(hosts: list[str]) -> list[tuple[str, str]]:
    """Each place with each host (a registry's host is host[:port], never with a zone's '%')."""
    return [(w, h) for w in sorted(WHERE) for h in hosts if not (w == "a registry" and "%" in h)]


@pytest.mark.parametrize(("where", "spelling"), _pairs(sorted(SPELLINGS)))
def test_a_url_naming_the_metadata_service_is_refused_at_load(where: str, spelling: str) -> None:
    text, named, line = WHERE[where]
    with pytest.raises(ConfigError) as caught:
        _load(text.replace("HOST", spelling))
    said = str(caught.value)
    assert said.startswith(f"gitops-bot.yaml:{line}: {named.replace('HOST', spelling)}"), said
    assert f"{SPELLINGS[spelling]}, this machine's cloud metadata service" in said, said
    assert "\n" not in said and caught.value.exit_code == 2


NEIGHBOURS = [
    "169.254.1.1%25.evil.com",  # a DNS name: the client judges what it resolves to
    "169.254.169.254.nip.io",
    "169.255.169.254",
    "[fd00:ec2::255]",
    "metadata.google.internal.example.com",
    "127.0.0.1:8080",
    "prometheus.example.com",
]


@pytest.mark.parametrize(("where", "host"), _pairs(NEIGHBOURS))
def test_its_neighbours_are_not(where: str, host: str) -> None:
    text, _named, _line = WHERE[where]
    try:
        _load(text.replace("HOST", host))
    except ConfigError as exc:
        assert "metadata" not in str(exc), exc


@pytest.mark.parametrize(
    ("repository", "named"),
    [
        ("169.254.169.254/team/app", "169.254.169.254"),
        ("169.254.169.254:80/app", "169.254.169.254"),
        ("'[fd00:ec2::254]:5000/app'", "fd00:ec2::254"),
        ("metadata.google.internal/app", "metadata.google.internal"),
    ],
)
def test_an_images_registry_at_the_metadata_service_is_refused(repository: str, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(BASE.replace("ghcr.io/team/app", repository))
    assert str(caught.value) == (
        f"gitops-bot.yaml:4: the registry of image 'app' is {named}, this machine's cloud metadata "
        "service (its credentials): name the registry's own host"
    )


@pytest.mark.parametrize("repository", ["2852039166/app", "metadata/app", "169.254.169.254.nip.io/app"])
def test_a_docker_hub_path_that_reads_like_one_is_not(repository: str) -> None:
    """The reference grammar decides what is a registry: a first part without '.' or ':' is
    a Docker Hub namespace, never a host."""
    assert _load(BASE.replace("ghcr.io/team/app", repository)).image("app") is not None
