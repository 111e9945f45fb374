"""Every outside JSON service the bot reads, against a server that misbehaves as real ones do
(a redirect loop, a body labelled gzip that is not, JSON with NaN, numbers no float64 holds):
each fault is one line the service names (an unknown reading, a ServiceUnavailable, a
comparison left out of the release notes, a notification's warning, a chart repository's
error), never a traceback. The same faults once ended `promote` and `status` with an uncaught
TooManyRedirects, DecodingError or OverflowError."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from gitops_bot.core.errors import ForgeUnavailable, GitOpsBotError, RegistryProtocolError
from gitops_bot.core.secret import Secret
from gitops_bot.forges import compare_kit
from gitops_bot.forges.azure_devops.adapter import AzureDevOps
from gitops_bot.forges.bitbucket_cloud.adapter import BitbucketCloud
from gitops_bot.forges.bitbucket_dc.adapter import BitbucketDataCenter
from gitops_bot.forges.forge import Forge
from gitops_bot.forges.gitea.adapter import Gitea
from gitops_bot.forges.gitlab.adapter import GitLab
from gitops_bot.forges.kit import Api, Words
from gitops_bot.forges.settings import ForgeConfig
from gitops_bot.forges.sources import Sources, hosts_for
from gitops_bot.gate.argocd import ArgoCD
from gitops_bot.gate.conditions import MetricsGate
from gitops_bot.gate.metrics import Prometheus
from gitops_bot.gate.reading import GateOutcome
from gitops_bot.gate.settings import ArgoCDConfig, MetricsConfig
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Credential
from gitops_bot.notify import NotifierSettings
from gitops_bot.notify.message import Notice
from gitops_bot.notify.send import Notifier
from gitops_bot.registry.charts import ChartIndexes
from testkit.hostile_registry import Answer, HostileRegistry, Seen

NOW = datetime.now(UTC)
GATE = MetricsGate("error-rate", "rate(errors[5m])", "< 0.01", "30s")


def loop(path: str) -> Answer:
    return Answer(302, b"", {"Location": path})


FAULTS: dict[str, tuple[Callable[[str], Answer], str]] = {
    "a redirect loop": (loop, "redirected more than 5 times"),
    "a body labelled gzip that is not": (
        lambda _: Answer(200, b'{"status": "success"}', {"Content-Encoding": "gzip"}),
        "its Content-Encoding (gzip) does not decode",
    ),
    "NaN in JSON": (
        lambda _: Answer(200, b'{"status": "success", "data": NaN}'),
        "NaN, which JSON does not have",
    ),
    "a redirect to another origin": (
        lambda _: Answer(307, b"", {"Location": "http://127.0.0.2:9/elsewhere"}),
        "redirected to another origin (http://127.0.0.2:9)",
    ),
}


def argocd_says(url: str) -> str:
    client = ArgoCD(ArgoCDConfig(server=url), {"ARGOCD_AUTH_TOKEN": "argocd-token-1f2e"})
    try:
        client.application("app")
    except GitOpsBotError as exc:
        return str(exc)
    finally:
        client.close()
    raise AssertionError("the gate read a hostile answer as an application")


def metrics_says(url: str) -> str:
    client = Prometheus(MetricsConfig(url=url), {})
    try:
        reading = client.reading(GATE, NOW)
    finally:
        client.close()
    assert reading.outcome is GateOutcome.UNKNOWN, reading
    return reading.error


BASE, HEAD = "a" * 40, "b" * 40


def compare_says(url: str) -> str:
    """A source comparison for release notes, on a Gitea whose token is bound to it."""
    api = url + "/api/v1"
    sources = Sources(hosts_for("gitea", api, None, Secret.for_urls("gitea-token-5d6c", [api])))
    try:
        sources.compare(f"{url}/acme/app", BASE, HEAD)
    except compare_kit.CompareUnavailable as exc:
        return str(exc)
    finally:
        sources.close()
    raise AssertionError("the comparison read a hostile answer as commits")


SERVICES: dict[str, tuple[str, Callable[[str], str]]] = {
    "Argo CD": ("/api/v1/applications/app", argocd_says),
    "metrics": ("/api/v1/query", metrics_says),
    "a source comparison": (f"/api/v1/repos/acme/app/compare/{BASE}...{HEAD}", compare_says),
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("service", SERVICES)
def test_a_hostile_answer_is_one_line_never_a_traceback(service: str, fault: str) -> None:
    path, ask = SERVICES[service]
    answer, why = FAULTS[fault]
    with HostileRegistry({path: answer(path)}) as server:
        said = ask(server.url)
    assert why in said and "\n" not in said, said


def sample(value: object, at: object = 1_764_000_000) -> bytes:
    vector = {"resultType": "vector", "result": [{"metric": {"pod": "a"}, "value": [at, value]}]}
    return json.dumps({"status": "success", "data": vector}).encode()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (sample(10**400), "a sample's value a number of 401 digits is beyond a float64"),
        (sample("1" + "0" * 320), "a sample's value '1000"),
        (sample("0", at=10**30), "a sample's time"),
    ],
)
def test_a_metrics_sample_no_float64_holds_is_unknown_not_an_overflow(body: bytes, why: str) -> None:
    with HostileRegistry({"/api/v1/query": Answer(200, body)}) as server:
        said = metrics_says(server.url)
    assert why in said and "unexpected shape" in said, said


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b'{"id": 1}', {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
        Answer(302, b"", {"Location": "/api/v1/repos/acme/gitops"}),
    ],
    ids=["gzip that is not", "redirect loop"],
)
def test_a_forge_answer_that_cannot_be_read_is_one_line_never_a_traceback(answer: Answer) -> None:
    """The forges (all written without a client library: here Gitea, Forgejo, Azure DevOps,
    Bitbucket) and the source comparisons read their answers through the one client: a body its
    Content-Encoding does not decode, or a redirect loop, is the forge unavailable, said in
    one line."""
    path = "/api/v1/repos/acme/gitops"
    with HostileRegistry({path: answer}) as server:
        words = Words("Gitea", {}, lambda b, r: r)
        api = Api(words, server.url, Credential.bearer("gitea-token-5c1d"), deadline=5)
        try:
            with pytest.raises(ForgeUnavailable) as info:
                api.call("GET", path)
            with pytest.raises(compare_kit.CompareUnavailable) as compared:
                compare_kit.get(api.service, server.url + path, {})
        finally:
            api.close()
    assert "Gitea is unavailable" in str(info.value) and "\n" not in str(info.value)
    assert "unavailable" in str(compared.value) and "\n" not in str(compared.value)


TOKEN = "forge-token-9e4b"


def gitea(url: str) -> Forge:
    cfg = ForgeConfig(type="gitea", api_url=f"{url}/api/v1", repository="acme/gitops")
    return Gitea.connect(cfg, "https://gitea.test/acme/gitops.git", {"GITEA_TOKEN": TOKEN})


def gitlab(url: str) -> Forge:
    cfg = ForgeConfig(type="gitlab", api_url=f"{url}/api/v4", repository="acme/gitops")
    return GitLab.connect(cfg, "https://gitlab.test/acme/gitops.git", {"GITLAB_TOKEN": TOKEN})


def azure_devops(url: str) -> Forge:
    cfg = ForgeConfig(type="azure-devops", api_url=url, repository="acme/web/gitops")
    return AzureDevOps.connect(
        cfg, "https://dev.azure.com/acme/web/_git/gitops", {"AZURE_DEVOPS_TOKEN": TOKEN}
    )


def bitbucket_cloud(url: str) -> Forge:
    cfg = ForgeConfig(type="bitbucket-cloud", api_url=f"{url}/2.0", repository="acme/gitops")
    return BitbucketCloud.connect(cfg, "https://bitbucket.org/acme/gitops.git", {"BITBUCKET_TOKEN": TOKEN})


def bitbucket_dc(url: str) -> Forge:
    cfg = ForgeConfig(type="bitbucket-data-center", api_url=url, repository="ACME/gitops")
    return BitbucketDataCenter.connect(cfg, f"{url}/scm/acme/gitops.git", {"BITBUCKET_TOKEN": TOKEN})


FORGES: dict[str, Callable[[str], Forge]] = {
    "Gitea": gitea,
    "GitLab": gitlab,
    "Azure DevOps": azure_devops,
    "Bitbucket Cloud": bitbucket_cloud,
    "Bitbucket Data Center": bitbucket_dc,
}


def back_to_itself(seen: Seen) -> Answer:
    return Answer(302, b"", {"Location": seen.path})


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("forge", FORGES)
def test_a_hostile_forge_answer_is_one_line_never_a_traceback(forge: str, fault: str) -> None:
    """Each forge on the one client, its pull request listing answered by a redirect loop, a
    body labelled gzip that is not, NaN, or a redirect off its origin: the forge unavailable
    (exit 3) in one line naming it, no retries of an answer that reads the same each time,
    and the token never sent anywhere but the forge's own origin. (GitLab through
    python-gitlab asked an undecodable body five times over, and ended on NaN with a
    KeyError traceback.)"""
    answer, why = FAULTS[fault]
    route = back_to_itself if fault == "a redirect loop" else answer("/")
    with HostileRegistry({"/": route}) as server, pytest.raises(ForgeUnavailable) as info:
        FORGES[forge](server.url).open_pulls("gitops-bot")
    said = str(info.value)
    assert said.startswith(forge) and why in said and "\n" not in said, said
    assert info.value.exit_code == 3
    hops = 6 if fault == "a redirect loop" else 1  # the request and its 5 redirects, once
    assert len(server.seen) == hops, [s.path for s in server.seen]
    credential = "private-token" if forge == "GitLab" else "authorization"
    assert all({k.lower() for k in s.headers} >= {credential} for s in server.seen)  # the origin's own


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (Answer(302, b"", {"Location": "/hooks/audit"}), "HTTP 302: a redirect is not followed"),
        (
            Answer(307, b"", {"Location": "http://127.0.0.2:9/elsewhere"}),
            "HTTP 307: a redirect is not followed",
        ),
        (
            Answer(200, b"ok", {"Content-Encoding": "gzip"}),
            "its Content-Encoding (gzip) does not decode",
        ),
    ],
    ids=["a redirect loop", "a redirect to another origin", "gzip that is not"],
)
def test_a_notification_a_hostile_hook_answers_is_one_line_and_posted_once(answer: Answer, why: str) -> None:
    """A hook's answer that cannot be read is the notification's one-line warning; the notice is
    posted once (asking again would post it again to a hook that may have shown it) and never
    where a redirect points."""
    with HostileRegistry({"/hooks/audit": answer}) as server:
        settings = [NotifierSettings("audit", "webhook", url=f"{server.url}/hooks/audit", attempts=3)]
        with Notifier(settings, {}, backoff=0.01) as notifier:
            (warning,) = notifier.send(Notice("failed", None, reason="x"))
    assert why in warning and "\n" not in warning, warning
    assert [(s.method, s.path) for s in server.seen] == [("POST", "/hooks/audit")]


@pytest.mark.parametrize("fault", ["a redirect loop", "a body labelled gzip that is not"])
def test_a_chart_index_a_hostile_repository_answers_is_one_line_asked_once(fault: str) -> None:
    """The chart index, read through the same client as every JSON service, says the same
    words for the same fault, and does not ask again for what would read the same."""
    answer, why = FAULTS[fault]
    with HostileRegistry({"/charts/index.yaml": answer("/charts/index.yaml")}) as server:
        indexes = ChartIndexes(retry=RetryPolicy(attempts=3), sleep=lambda _s: None)
        try:
            with pytest.raises(RegistryProtocolError) as caught:
                indexes.versions(f"{server.url}/charts", "podinfo")
        finally:
            indexes.close()
    said = str(caught.value)
    assert why in said and "\n" not in said, said
    assert len(server.seen) == (6 if fault == "a redirect loop" else 1)
