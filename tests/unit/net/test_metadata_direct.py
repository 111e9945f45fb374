"""A cloud login asks a cloud's metadata endpoints directly, never through HTTP_PROXY /
HTTPS_PROXY / ALL_PROXY: they are link-local services of the machine the bot runs on (AWS's
instance metadata and container credentials, Google's metadata server, Azure's IMDS), which a
proxy elsewhere cannot reach, or would answer with the credentials of its own machine.

Only a cloud login (``metadata=True`` on its Service) gets that route. Any other request, a
URL a configuration wrote among them (a web gate, a webhook), takes the proxy the variables
name, as it did before the route existed: a web gate at the instance metadata address would
otherwise read the node's credentials and print them in its reading. And a direct connection
that lands on a metadata address (a name resolving to one) is refused by the one client.

The stand-in proxy on loopback (testkit/connect_proxy.py) records every request that reaches
it; each metadata address is routed, for the direct connection as for the proxy's, to a
stand-in metadata service on loopback, so nothing leaves this machine either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from gitops_bot.net.proxy import direct, proxy_for
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Answer, Service, Unavailable
from testkit.connect_proxy import ConnectProxy
from testkit.metadata_service import landing

PROXY = "http://proxy.corp.example:3128"
EVERY_PROXY = {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, "ALL_PROXY": PROXY}


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/api/token",  # AWS IMDSv2, Azure IMDS, GCP's metadata IP
        "http://169.254.170.2/v2/credentials/x",  # ECS task role
        "http://169.254.170.23/v1/credentials",  # EKS Pod Identity agent
        "http://[fd00:ec2::254]/latest/api/token",  # AWS IMDS over IPv6 (not link-local)
        "http://[fd00:ec2::23]/v1/credentials",  # EKS Pod Identity agent over IPv6
        "http://[fe80::a9fe:a9fe]/",  # any IPv6 link-local address
        "http://[::ffff:169.254.169.254]/",  # the IPv4 one, written as IPv6
        "https://169.254.1.2:8443/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA.google.internal./computeMetadata/v1/",
    ],
)
def test_a_cloud_login_asks_a_metadata_endpoint_directly(url: str) -> None:
    assert proxy_for(url, EVERY_PROXY, metadata=True) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/node-role",
        "http://[fd00:ec2::254]/latest/api/token",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_any_other_request_for_a_metadata_endpoint_takes_the_proxy(url: str) -> None:
    assert proxy_for(url, EVERY_PROXY) == PROXY


@pytest.mark.parametrize(
    "url",
    [
        # DNS names, not addresses: '%' outside an IPv6 literal's brackets is no zone, and the
        # name is judged by the address it resolves to (httpx hands it to getaddrinfo whole)
        "http://169.254.1.1%25.evil.com/x",
        "http://169.254.1.1%2500/x",
        "http://169.254.169.254%25eth0/",
        "http://169.254.169.254.nip.io/",
    ],
)
def test_a_name_that_starts_like_a_link_local_address_is_a_name(url: str) -> None:
    assert not direct(urlsplit(url).hostname or "")
    assert proxy_for(url, EVERY_PROXY, metadata=True) == PROXY


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        # neighbours of the direct ones still go through the proxy
        ("http://169.255.169.254/", EVERY_PROXY, PROXY),
        ("http://169.253.0.1/", EVERY_PROXY, PROXY),
        ("http://[fd00:ec2::255]/", EVERY_PROXY, PROXY),
        ("http://[fd00::254]/", EVERY_PROXY, PROXY),
        ("http://metadata.google.internal.evil.example/", EVERY_PROXY, PROXY),
        ("http://evilmetadata.google.internal/", EVERY_PROXY, PROXY),
        ("http://a.metadata.google.internal/", EVERY_PROXY, PROXY),
        ("https://sts.amazonaws.com/", EVERY_PROXY, PROXY),
        # NO_PROXY as before
        ("https://sts.amazonaws.com/", {**EVERY_PROXY, "NO_PROXY": "amazonaws.com"}, None),
        ("http://10.0.0.1/", {**EVERY_PROXY, "NO_PROXY": "10.0.0.0/8"}, None),
        ("http://169.254.169.254/", {**EVERY_PROXY, "NO_PROXY": "169.254.169.254"}, None),
    ],
)
def test_other_hosts_keep_their_proxy_and_no_proxy(
    url: str, env: dict[str, str], expected: str | None
) -> None:
    assert proxy_for(url, env, metadata=True) == expected
    assert proxy_for(url, env) == expected


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE = "/latest/meta-data/iam/security-credentials/node-role"


def _answer(path: str, host: str) -> Any:
    """The machine's metadata service: its answer says it was asked; at the instance role's
    path, the role's credentials (IMDSv1's shape)."""
    if path == ROLE:
        return {"Code": "Success", "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": SECRET}
    return {"asked": path, "host": host}


@pytest.fixture
def metadata(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every direct connection to a metadata address, or a name resolving to one, lands on a
    stand-in on loopback (testkit/metadata_service.py): the paths it was asked."""
    with landing(monkeypatch, _answer) as asked:
        yield asked


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/metadata/identity/oauth2/token",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_a_cloud_logins_service_asks_a_metadata_endpoint_directly_with_a_proxy_set(
    metadata: list[str], url: str
) -> None:
    host = url.split("/")[2]
    with ConnectProxy({}) as proxy:
        env = {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url}
        with Service(
            "the metadata service", f"http://{host}", env=env, timeout=5, total=5, metadata=True
        ) as service:
            outcome = service.get(url)
    assert proxy.seen == []
    assert isinstance(outcome, Answer), outcome
    assert outcome.json == {"asked": url.split(host, 1)[1], "host": host}


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/metadata/identity/oauth2/token",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_any_other_service_takes_the_proxy_to_a_metadata_endpoint(metadata: list[str], url: str) -> None:
    host = url.split("/")[2]
    with ConnectProxy({f"{host.strip('[]')}:80": "127.0.0.1:9"}) as proxy:  # nothing there
        env = {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url}
        once = RetryPolicy(attempts=1, max_wait=0)  # the proxy's 502 is not asked again
        with Service("a web gate", f"http://{host}", env=env, timeout=5, total=5, policy=once) as service:
            outcome = service.get(url)
    assert proxy.seen and proxy.seen[0] == f"GET {url} HTTP/1.1"
    assert metadata == []
    assert not isinstance(outcome, Answer)


def _environment(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """The process environment a web gate's client reads its proxies from, as a run's."""
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _web_gate(url: str) -> Any:
    from gitops_bot.gate.conditions import WebGate

    return WebGate(name="up", url=url, pointer="/SecretAccessKey", equals="x")


# the proxy's 502s are retried: the asking is meant, not the pacing
@pytest.mark.usefixtures("quick_gate_retries")
def test_a_web_gate_at_the_instance_metadata_address_goes_to_the_proxy_and_reads_no_credentials(
    metadata: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The review's case: IMDSv1 on the node, a corporate proxy for the pod, a web gate a
    configuration wrote at the role's credentials. The proxy (which cannot reach the node's
    link-local service) is asked; the reading carries no key."""
    from gitops_bot.gate import web

    with ConnectProxy({"169.254.169.254:80": "127.0.0.1:9"}) as proxy:
        _environment(monkeypatch, {"HTTP_PROXY": proxy.url})
        reading = web.read(_web_gate(f"http://169.254.169.254{ROLE}"), {}, datetime.now(UTC))
    assert proxy.seen and all(line == f"GET http://169.254.169.254{ROLE} HTTP/1.1" for line in proxy.seen)
    assert metadata == []
    assert SECRET not in reading.text() and not reading.passes


@pytest.mark.parametrize(
    ("url", "env"),
    [
        # NO_PROXY naming the instance metadata address, as EKS set-ups write it for the SDKs
        (
            f"http://169.254.169.254{ROLE}",
            {"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "169.254.169.254"},
        ),
        (f"http://169.254.169.254{ROLE}", {}),  # no proxy at all
        (f"http://imds.evil.example{ROLE}", {}),  # a name resolving to it
        ("http://[fd00:ec2::254]/latest/meta-data/", {}),
    ],
)
def test_a_direct_connection_that_lands_on_a_metadata_address_is_refused(
    metadata: list[str], url: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitops_bot.gate import web

    _environment(monkeypatch, env)
    reading = web.read(_web_gate(url), {}, datetime.now(UTC))
    assert metadata == []
    text = reading.text()
    assert SECRET not in text and not reading.passes
    assert "this machine's cloud metadata service" in text, text
    host = url.split("/")[2]
    with Service("a webhook", f"http://{host}", env=env, timeout=5, total=5) as service:
        outcome = service.get(url)
    assert isinstance(outcome, Unavailable) and "cloud metadata service" in outcome.why, outcome
    assert metadata == []


def test_a_cloud_logins_service_may_land_on_a_metadata_address_by_name(metadata: list[str]) -> None:
    with Service(
        "the managed identity endpoint", "http://imds.evil.example", env={}, metadata=True
    ) as service:
        outcome = service.get(ROLE)
    assert isinstance(outcome, Answer) and metadata == [ROLE]
