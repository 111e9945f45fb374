"""The registries' own push times (:mod:`gitops_bot.registry.pushtime`) against loopback
stand-ins of GitHub Packages, Docker Hub, Quay, Harbor, Azure Container Registry and Google
Artifact Registry, every exchange held to the service's
published description: the time read is the registry's, for the digest asked about (a tag that
moved is unknown); every failure is an unknown with a reason, never an exception; a credential
reaches its API's origin only, and no reason repeats it."""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

from gitops_bot.core.log import redact
from gitops_bot.core.model import AgeSource, ImageAge
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.net.service import Service
from gitops_bot.policy.age import trusted
from gitops_bot.registry.credentials import RegistryCredential
from gitops_bot.registry.pushtime import LIMIT, NoPushTime, Pushed, PushTimes, kind_of
from gitops_bot.registry.pushtime import base as pushtime_base
from gitops_bot.registry.pushtime.github import MAX_PAGES, PER_PAGE
from testkit.contract import SPECS, Contract
from testkit.paths import ROOT
from testkit.pushtime_servers import (
    TOKEN,
    Canned,
    FakeACR,
    FakeDockerHub,
    FakeGAR,
    FakeGitHubPackages,
    FakeHarbor,
    FakeQuay,
    PushTimeFake,
)

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
AT = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
HARBOR = "harbor.example.test"
ACR = "example.azurecr.io"
GAR = "europe-docker.pkg.dev"
GOOGLE_TOKEN = "ya29.gar-test-token"
KINDS = ("github", "dockerhub", "quay", "harbor", "acr", "gar")


@dataclass
class Api:
    kind: str
    host: str
    repository: str  # as the bot writes it
    stored: str  # as the fake keeps it
    fake: PushTimeFake
    source: str

    def times(self, environ: dict[str, str] | None = None, **kw: Any) -> PushTimes:
        key = HARBOR if self.kind == "harbor" else self.kind
        return PushTimes(
            {"GITHUB_TOKEN": TOKEN, "GOOGLE_OAUTH_ACCESS_TOKEN": GOOGLE_TOKEN}
            if environ is None
            else environ,
            base_urls={key: self.fake.url},
            harbor_hosts=(HARBOR,),
            **kw,
        )


def make(kind: str) -> Api:
    if kind == "github":
        return Api(
            kind,
            "ghcr.io",
            "acme/gitops/web",
            "acme/gitops/web",
            FakeGitHubPackages(orgs=("acme",)),
            "GitHub Packages",
        )
    if kind == "dockerhub":  # an official image: docker.io/nginx is library/nginx
        return Api(kind, "docker.io", "nginx", "library/nginx", FakeDockerHub(), "Docker Hub")
    if kind == "quay":
        return Api(kind, "quay.io", "acme/web", "acme/web", FakeQuay(), "Quay")
    if kind == "gar":
        repository = "acme-prod/images/team/web"
        return Api(kind, GAR, repository, repository, FakeGAR(GOOGLE_TOKEN), "Google Artifact Registry")
    if kind == "acr":
        return Api(kind, ACR, "team/web", "team/web", FakeACR(), "Azure Container Registry")
    return Api(kind, HARBOR, "platform/team/web", "platform/team/web", FakeHarbor(), "Harbor")


@pytest.fixture(params=KINDS)
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    found = make(request.param)
    with found.fake:
        found.fake.push(found.stored, "v1", D1, AT)
        yield found


def test_the_registrys_own_push_time_is_read(api: Api) -> None:
    times = api.times()
    assert times.look(api.host, api.repository, "v1", D1) == Pushed(AT, D1, api.source)
    # no digest pinned: the time of what the tag names, and which digest that is
    assert times.pushed(api.host, api.repository, "v1", None) == Pushed(AT, D1, api.source)
    assert times.why is None


def test_each_api_is_asked_as_its_description_says(api: Api) -> None:
    api.times().look(api.host, api.repository, "v1", D1)
    path = api.fake.seen[0].path
    expected = {
        "github": "/orgs/acme/packages/container/gitops%2Fweb/versions?per_page=100&page=1",
        "dockerhub": "/v2/namespaces/library/repositories/nginx/tags/v1",
        "quay": "/api/v1/repository/acme/web/tag/?specificTag=v1&onlyActiveTags=true&limit=1",
        "harbor": "/api/v2.0/projects/platform/repositories/team%252Fweb/artifacts/v1",
        "acr": "/acr/v1/team/web/_tags/v1",
        # the tag (the digest it names now), then the image by that digest (its uploadTime)
        "gar": "/v1/projects/acme-prod/locations/europe/repositories/images/packages/team%2Fweb/tags/v1",
    }
    assert path == expected[api.kind]
    asked = 2 if api.kind == "gar" else 1
    assert api.fake.contract is not None and api.fake.contract.checked == asked
    if api.kind == "gar":
        assert api.fake.seen[1].path == (
            f"/v1/projects/acme-prod/locations/europe/repositories/images/dockerImages/team%2Fweb@{D1}"
        )


def test_a_tag_that_moved_is_unknown(api: Api) -> None:
    times = api.times()
    assert times.pushed(api.host, api.repository, "v1", D2) is None
    assert times.why == f"{api.source}: tag v1 has moved: it is {D1[:19]}, not {D2[:19]}"
    # an answer: the age rule may use another clock, unlike for an API it could not read
    moved = times.look(api.host, api.repository, "v1", D2)
    assert isinstance(moved, NoPushTime) and not moved.unreadable


def test_a_tag_the_registry_does_not_have_is_unknown(api: Api) -> None:
    times = api.times()
    assert times.pushed(api.host, api.repository, "v9", None) is None
    assert times.why is not None and times.why.startswith(f"{api.source}: no ")
    missing = times.look(api.host, api.repository + "-gone", "v1", D1)
    assert isinstance(missing, NoPushTime) and missing.why.startswith(f"{api.source}: no ")
    assert not missing.unreadable  # "no such tag" is an answer


# a 200 answer naming the tag with a time that does not read
GARBAGE_TIME: dict[str, Any] = {
    "github": [
        {
            "id": 1,
            "name": D1,
            "url": "https://api.github.com/x",
            "package_html_url": "https://github.com/x",
            "created_at": "yesterday",
            "updated_at": "yesterday",
            "metadata": {"package_type": "container", "container": {"tags": ["v1"]}},
        }
    ],
    "dockerhub": {"name": "v1", "digest": D1, "tag_last_pushed": "yesterday"},
    "quay": {"tags": [{"name": "v1", "start_ts": "soon", "manifest_digest": D1}], "page": 1},
    "harbor": {"digest": D1, "push_time": "0001-01-01T00:00:00.000Z"},  # Go's zero: never set
    "gar": {"name": "projects/acme-prod/x", "uri": "europe-docker.pkg.dev/x", "uploadTime": "yesterday"},
    "acr": {
        "registry": ACR,
        "imageName": "team/web",
        "tag": {
            "name": "v1",
            "digest": D1,
            "createdTime": "2026-05-06T07:08:09Z",
            "lastUpdateTime": "0001-01-01T00:00:00Z",
            "changeableAttributes": {},
        },
    },
}

FAILURES = {
    "refused": (Canned(401, {"message": "Bad credentials"}), "HTTP 401"),
    "outage": (Canned(500, {"message": "oops"}), "HTTP 500"),
    "rate limited": (Canned(429, {"message": "slow down"}), "HTTP 429"),
    "silent": (Canned(200, {}, delay=0.5), "no complete answer within 0.1s"),
    "huge": (Canned(200, b'"' + b"x" * (LIMIT + 10) + b'"'), "answered more than 1 MiB"),
    "deep": (Canned(200, b"[" * 500 + b"]" * 500), "nested deeper than 64 levels"),
    "not JSON": (Canned(200, b"<html>502 Bad Gateway</html>"), "not JSON"),
    "odd shape": (Canned(200, "a string"), "answered"),
}


RETRIED = ("outage", "rate limited", "silent")


@pytest.mark.parametrize("case", [*FAILURES, "garbage time"])
def test_what_cannot_be_read_is_unknown_with_a_reason(
    api: Api, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the one retry's pause is asked of the service's sleep, recorded here rather than slept
    waits: list[float] = []
    monkeypatch.setattr(pushtime_base, "Service", functools.partial(Service, sleep=waits.append))
    if case == "garbage time":
        canned, said = Canned(200, GARBAGE_TIME[api.kind]), "no readable"
        if api.kind == "gar":  # the time is in the second answer: the tag's first, as it is
            version = (
                f"projects/acme-prod/locations/europe/repositories/images/packages/team%2Fweb/versions/{D1}"
            )
            api.fake.canned.append(Canned(200, {"name": "projects/acme-prod/x", "version": version}))
    else:
        canned, said = FAILURES[case]
        if case in RETRIED:  # asked again once, as the one retry policy asks: failing both times
            api.fake.canned.append(canned)
    api.fake.canned.append(canned)
    # only the silent server is meant to outlast the deadline: the others answer at once, and a
    # short deadline on them fails a loaded machine's slow loopback round trip, not the bot
    times = api.times(timeout=0.1 if case == "silent" else 10)
    assert times.pushed(api.host, api.repository, "v1", D1) is None
    assert times.why is not None and times.why.startswith(f"{api.source}: ") and said in times.why
    # not an answer at all: the age rule decides nothing on it (unknown, not "no push time")
    found = times.look(api.host, api.repository, "v1", D1)
    assert isinstance(found, NoPushTime) and found.unreadable
    # the next run is answered: one failure stays with its run (an instance keeps each answer,
    # failures included, for its life: one run asks each question once)
    assert times.pushed(api.host, api.repository, "v1", D1) is None
    assert waits == ([RetryPolicy().initial_wait] if case in RETRIED else []), waits
    again = api.times(timeout=10)
    assert again.pushed(api.host, api.repository, "v1", D1) == Pushed(AT, D1, api.source)


def test_an_implausible_time_is_kept_as_said_for_the_age_rule_to_set_aside() -> None:
    """A time that reads but cannot be true is the registry's word all the same: kept, so the
    age rule sets it aside and the image waits (policy/age.trusted); dropped as unknown, the
    image's own creation time would decide instead. A time that does not read is unknown."""
    api = make("dockerhub")
    with api.fake:
        for said in ("9999-12-31T23:59:59Z", "1969-07-20T20:17:40Z"):
            api.fake.canned.append(Canned(200, {"name": "v1", "digest": D1, "tag_last_pushed": said}))
            found = api.times().look("docker.io", "nginx", "v1", D1)
            assert found == Pushed(datetime.fromisoformat(said), D1, "Docker Hub")
            now = datetime(2026, 11, 23, tzinfo=UTC)
            image = ImageAge(D1, datetime(2026, 1, 1, tzinfo=UTC), AgeSource.CONFIG)
            age = trusted(image, found.at, "Docker Hub push time", now)
            assert age.created is None and age.source is AgeSource.NONE and "not plausible" in age.ignored
        api.fake.canned.append(Canned(200, {"name": "v1", "digest": D1, "tag_last_pushed": "yesterday"}))
        times = api.times()
        assert times.pushed("docker.io", "nginx", "v1", D1) is None
        assert times.why == "Docker Hub: answered no readable tag_last_pushed for v1"


def test_the_github_token_goes_to_the_api_origin_only() -> None:
    elsewhere = FakeGitHubPackages(token=None, orgs=("acme",))  # another port: another origin
    first = FakeGitHubPackages(orgs=("acme",))
    with elsewhere, first:
        elsewhere.push("acme/web", "v1", D1, AT)
        first.canned.append(
            Canned(307, None, {"Location": f"{elsewhere.url}/orgs/acme/packages/container/web/versions"})
        )
        times = PushTimes({"GITHUB_TOKEN": TOKEN}, base_urls={"github": first.url})
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) == Pushed(AT, D1, "GitHub Packages")
        assert first.seen[0].headers.get("Authorization") == f"Bearer {TOKEN}"
        assert [s.headers.get("Authorization") for s in elsewhere.seen] == [None]
        # a refusal that echoes the token does not reach the reason, and the token is redacted
        first.canned.append(Canned(401, {"message": f"bad credentials {TOKEN}"}))
        times = PushTimes({"GITHUB_TOKEN": TOKEN}, base_urls={"github": first.url})  # a new run
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) is None
        assert times.why is not None and "HTTP 401" in times.why and TOKEN not in times.why
        assert TOKEN not in redact(f"the token was {TOKEN}")


def test_quay_and_harbor_credentials_go_to_their_origin_only() -> None:
    quay_token, password = "quay-oauth-token-5f2e9c", "harbor-robot-secret-8d41"
    elsewhere_quay, quay = FakeQuay(), FakeQuay(token=quay_token)
    elsewhere_harbor, harbor = FakeHarbor(), FakeHarbor(basic=("robot$ci", password))
    with elsewhere_quay, quay, elsewhere_harbor, harbor:
        for fake in (quay, elsewhere_quay):
            fake.push("acme/web", "v1", D1, AT)
        for fake in (harbor, elsewhere_harbor):
            fake.push("platform/web", "v1", D1, AT)
        environ = {"QUAY_TOKEN": quay_token}
        times = PushTimes(
            environ,
            base_urls={"quay": quay.url, HARBOR: harbor.url},
            harbor_hosts=(HARBOR,),
            credentials={HARBOR: RegistryCredential("HARBOR_USER", "robot$ci", password)}.get,
        )
        assert times.pushed("quay.io", "acme/web", "v1", D1) == Pushed(AT, D1, "Quay")
        assert times.pushed(HARBOR, "platform/web", "v1", D1) == Pushed(AT, D1, "Harbor")
        quay.canned.append(
            Canned(302, None, {"Location": f"{elsewhere_quay.url}/api/v1/repository/acme/web/tag/"})
        )
        harbor.canned.append(
            Canned(
                302,
                None,
                {
                    "Location": f"{elsewhere_harbor.url}/api/v2.0/projects/platform/repositories/web/artifacts/v1"
                },
            )
        )
        times = PushTimes(  # a new run: the last one's answers are not asked again
            environ,
            base_urls={"quay": quay.url, HARBOR: harbor.url},
            harbor_hosts=(HARBOR,),
            credentials={HARBOR: RegistryCredential("HARBOR_USER", "robot$ci", password)}.get,
        )
        assert times.pushed("quay.io", "acme/web", "v1", D1) == Pushed(AT, D1, "Quay")
        assert times.pushed(HARBOR, "platform/web", "v1", D1) == Pushed(AT, D1, "Harbor")
        assert [s.headers.get("Authorization") for s in elsewhere_quay.seen + elsewhere_harbor.seen] == [
            None,
            None,
        ]
        assert all(s.headers.get("Authorization") for s in quay.seen + harbor.seen)
        assert password not in redact(f"x {password} y") and quay_token not in redact(quay_token)
        # without the credentials, the private repository refuses: unknown, said why
        anonymous = PushTimes({}, base_urls={"quay": quay.url}, harbor_hosts=(HARBOR,))
        assert anonymous.pushed("quay.io", "acme/web", "v1", D1) is None
        assert anonymous.why == "Quay: refused to say about acme/web:v1 (HTTP 401; check the credentials)"


def test_github_pages_are_followed_and_bounded() -> None:
    with FakeGitHubPackages(orgs=("acme",)) as gh:
        gh.push("acme/web", "v1", D1, AT)
        gh.untagged["acme/web"] = 2 * PER_PAGE + 5  # newer untagged versions: v1 is on page 3
        times = PushTimes({"GITHUB_TOKEN": TOKEN}, base_urls={"github": gh.url})
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) == Pushed(AT, D1, "GitHub Packages")
        assert [s.path.rsplit("page=", 1)[1] for s in gh.seen] == ["1", "2", "3"]
        gh.seen.clear()
        gh.untagged["acme/web"] = MAX_PAGES * PER_PAGE + 1  # beyond the bound
        times = PushTimes(
            {"GITHUB_TOKEN": TOKEN}, base_urls={"github": gh.url}
        )  # pages are kept per instance
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) is None
        assert times.why == f"GitHub Packages: no version tagged v1 among the {MAX_PAGES * PER_PAGE} newest"
        assert len(gh.seen) == MAX_PAGES


def test_a_question_is_asked_once_a_run() -> None:
    """Every environment's walk over a shared image asks the same question: one request."""
    with FakeQuay() as quay:
        quay.push("acme/web", "v1", D1, AT)
        times = PushTimes({}, base_urls={"quay": quay.url})
        for _ in range(3):
            assert times.pushed("quay.io", "acme/web", "v1", D1) == Pushed(AT, D1, "Quay")
        assert len(quay.seen) == 1


def test_a_registrys_own_api_address_is_its_own() -> None:
    """A GitHub Enterprise registry's API does not become ghcr.io's."""
    with FakeGitHubPackages(orgs=("acme",)) as public, FakeGitHubPackages(orgs=("acme",)) as enterprise:
        public.push("acme/web", "v1", D1, AT)
        enterprise.push("acme/web", "v1", D2, AT)
        times = PushTimes(
            {"GITHUB_TOKEN": TOKEN},
            base_urls={"github": public.url, "ghcr.example.com": enterprise.url},
            kinds={"ghcr.example.com": "github"},
        )
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) == Pushed(AT, D1, "GitHub Packages")
        assert times.pushed("ghcr.example.com", "acme/web", "v1", D2) == Pushed(AT, D2, "GitHub Packages")
        assert len(public.seen) == 1 and len(enterprise.seen) == 1


def test_a_packages_pages_are_read_once_for_all_its_tags() -> None:
    """``min_age`` walks a package's tags newest first: the second tag's lookup reads the pages
    the first one read, not the API again."""
    with FakeGitHubPackages(orgs=("acme",)) as gh:
        gh.push("acme/web", "v1", D1, AT)
        gh.push("acme/web", "v2", D2, AT)
        gh.untagged["acme/web"] = PER_PAGE + 5
        times = PushTimes({"GITHUB_TOKEN": TOKEN}, base_urls={"github": gh.url})
        assert times.pushed("ghcr.io", "acme/web", "v2", D2) is not None
        asked = len(gh.seen)
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) is not None
        assert len(gh.seen) == asked


def test_a_users_package_is_asked_after_the_organization_is_not_found() -> None:
    with FakeGitHubPackages(orgs=()) as gh:
        gh.push("octocat/web", "v1", D1, AT)
        times = PushTimes({"GITHUB_TOKEN": TOKEN}, base_urls={"github": gh.url})
        assert times.pushed("ghcr.io", "octocat/web", "v1", D1) == Pushed(AT, D1, "GitHub Packages")
        assert [s.path.split("/")[1] for s in gh.seen] == ["orgs", "users"]
        assert times.pushed("ghcr.io", "nobody/web", "v1", D1) is None
        assert times.why == "GitHub Packages: no package nobody/web (or the token may not read it)"


def test_github_is_not_asked_without_a_token() -> None:
    with FakeGitHubPackages(orgs=("acme",)) as gh:
        gh.push("acme/web", "v1", D1, AT)
        times = PushTimes({}, base_urls={"github": gh.url})
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) is None
        assert times.why == "GitHub Packages: $GITHUB_TOKEN is not set (a token with read:packages)"
        assert gh.seen == []


def test_a_version_created_before_the_tag_moved_to_it_keeps_its_first_push() -> None:
    """GitHub's version is the digest: created when first pushed, whatever tag came later."""
    later = datetime(2026, 6, 1, tzinfo=UTC)
    with FakeGitHubPackages(orgs=("acme",)) as gh:
        gh.push("acme/web", "rc1", D1, AT).push("acme/web", "v1", D1, later)
        times = PushTimes({"GITHUB_TOKEN": TOKEN}, base_urls={"github": gh.url})
        assert times.pushed("ghcr.io", "acme/web", "v1", D1) == Pushed(AT, D1, "GitHub Packages")


def test_which_registry_has_a_push_time_api() -> None:
    assert [kind_of(h) for h in ("ghcr.io", "docker.io", "registry-1.docker.io", "index.docker.io")] == [
        "github",
        "dockerhub",
        "dockerhub",
        "dockerhub",
    ]
    assert kind_of("Quay.IO") == "quay"
    assert kind_of(HARBOR) is None and kind_of(HARBOR, harbor_hosts=(HARBOR,)) == "harbor"
    assert kind_of("registry.gitlab.com") is None
    times = PushTimes({})
    assert times.pushed("registry.gitlab.com", "acme/web", "v1", D1) is None
    assert times.why == "registry.gitlab.com has no push-time API known to gitops-bot"
    assert times.pushed("docker.io", "acme/web", "v1", "md5:nope!") is None


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pushtime_spec_subset", ROOT / "scripts" / "pushtime_spec_subset.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_push_time_descriptions_are_what_the_script_cuts() -> None:
    script = _script()
    readme = (SPECS / "README.md").read_text(encoding="utf-8")
    for name, service in script.SERVICES.items():
        text = (SPECS / service.out).read_text(encoding="utf-8")
        doc = json.loads(text)
        assert script.dump(script.cut(doc, service.operations)) == text, name
        assert {(p, m) for p, ops in doc["paths"].items() for m in ops} == set(service.operations), name
        assert f"`{service.out}`" in readme


def test_the_contracts_refuse_what_breaks_the_descriptions() -> None:
    harbor = Contract.load("harbor")
    path = "/api/v2.0/projects/p/repositories/r/artifacts/v1"
    harbor.check("GET", path, None, 200, {"digest": D1, "push_time": 1700000000})
    harbor.check("GET", "/api/v2.0/projects/p/artifacts", None, 200, {})
    assert any("push_time: 1700000000 is not of type 'string'" in v for v in harbor.violations)
    assert any("no such operation" in v for v in harbor.violations)
    github = Contract.load("github-packages")
    github.check("GET", "/orgs/acme/packages/container/web/versions", None, 200, [{"name": D1}])
    assert any("'id' is a required property" in v for v in github.violations)
    with FakeQuay() as quay:
        quay.also_check(
            200, {"tags": [{"name": "v1", "start_ts": "soon"}], "page": 1, "has_additional": False}
        )
        assert quay.contract is not None
        assert any("'soon' is not of type 'integer'" in v for v in quay.contract.violations)
        quay.contract.violations.clear()


def test_docker_hub_platform_digests_and_tags_that_name_no_digest() -> None:
    """Docker Hub answers ``images[]`` as a list (its description says one object: a known
    gap, so these answers are canned): a digest pinned per platform is read from its image."""
    index, later = "sha256:" + "9" * 64, datetime(2026, 5, 7, tzinfo=UTC)
    api = make("dockerhub")
    with api.fake:
        images = [{"digest": D1, "last_pushed": "2026-05-07T00:00:00Z"}, {"digest": D2, "last_pushed": None}]
        tag = {"name": "v1", "digest": index, "tag_last_pushed": "2026-05-08T00:00:00Z", "images": images}
        api.fake.canned += [Canned(200, tag), Canned(200, tag), Canned(200, tag)]
        times = api.times()
        assert times.pushed("docker.io", "nginx", "v1", D1) == Pushed(later, D1, "Docker Hub")
        # an image without its own time: the tag's
        assert times.pushed("docker.io", "nginx", "v1", D2) == Pushed(
            datetime(2026, 5, 8, tzinfo=UTC), D2, "Docker Hub"
        )
        assert times.pushed("docker.io", "nginx", "v1", "sha256:" + "3" * 64) is None
        assert times.why is not None and "has moved" in times.why
        api.fake.canned.append(Canned(200, {"name": "v1", "tag_last_pushed": "2026-05-08T00:00:00Z"}))
        times = api.times()  # a new run
        assert times.pushed("docker.io", "nginx", "v1", D1) == Pushed(
            datetime(2026, 5, 8, tzinfo=UTC), None, "Docker Hub"
        )  # the registry names no digest: the tag's time, and the caller sees it is unverified


def test_a_tag_or_digest_outside_the_oci_grammar_is_not_sent() -> None:
    with FakeQuay() as quay:
        times = PushTimes({}, base_urls={"quay": quay.url})
        for tag, digest in (
            ("v1/../x", None),
            ("v1\nX-Injected: 1", None),
            ("v1", "sha256:abc\n"),
            ("", None),
        ):
            assert times.pushed("quay.io", "acme/web", tag, digest) is None
            assert times.why is not None and times.why.startswith("cannot ask Quay about tag")
        assert quay.seen == []


def test_acr_reads_the_tags_last_update_with_the_registrys_credentials_at_its_origin_only() -> None:
    """A tag moved to a new digest keeps its creation time: its last update is when what it
    names now was pushed. The registry's user and password go to its own login server only."""
    first, moved = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 5, 6, tzinfo=UTC)
    with FakeACR(basic=("acr-user", "acr-s3cret-pass")) as acr:
        acr.push("team/web", "v1", D2, first).push("team/web", "v1", D1, moved)
        admin = {ACR: RegistryCredential("env ACR_USER", "acr-user", "acr-s3cret-pass")}.get
        times = PushTimes({}, base_urls={ACR: acr.url}, credentials=admin)
        assert times.look(ACR, "team/web", "v1", D1) == Pushed(moved, D1, "Azure Container Registry")
        assert acr.seen[0].headers.get("Authorization", "").startswith("Basic ")
        anonymous = PushTimes({}, base_urls={ACR: acr.url})
        refused = anonymous.look(ACR, "team/web", "v1", D1)
        assert isinstance(refused, NoPushTime) and "HTTP 401" in refused.why
        assert "acr-s3cret-pass" not in redact(refused.why)
        assert "Authorization" not in acr.seen[-1].headers
    # a redirect elsewhere carries no credentials
    with FakeACR() as elsewhere, FakeACR(basic=("acr-user", "acr-s3cret-pass")) as acr:
        elsewhere.push("team/web", "v1", D1, moved)
        acr.canned.append(Canned(302, None, {"Location": f"{elsewhere.url}/acr/v1/team/web/_tags/v1"}))
        times = PushTimes({}, base_urls={ACR: acr.url}, credentials=admin)
        times.look(ACR, "team/web", "v1", D1)
        assert elsewhere.seen and "Authorization" not in elsewhere.seen[0].headers
    assert kind_of("myreg.azurecr.io") == "acr" and kind_of("myreg.azurecr.cn") == "acr"
    assert kind_of("azurecr.io.evil.example") is None


def test_gar_reads_the_upload_time_never_the_build_time_and_its_token_goes_to_its_api_only() -> None:
    """buildTime is the image's own word (the fake writes 2016); uploadTime is the registry's.
    The Google token goes to the API's origin and is never said; without it, nothing is asked."""
    with FakeGAR(GOOGLE_TOKEN) as gar, FakeGAR("ya29.other") as elsewhere:
        gar.push("acme-prod/images/web", "v1", D1, AT)
        times = PushTimes({"GOOGLE_OAUTH_ACCESS_TOKEN": GOOGLE_TOKEN}, base_urls={GAR: gar.url})
        assert times.look(GAR, "acme-prod/images/web", "v1", D1) == Pushed(AT, D1, "Google Artifact Registry")
        assert all(s.headers.get("Authorization") == f"Bearer {GOOGLE_TOKEN}" for s in gar.seen)
        # a redirect to another origin carries no token
        moved = "/v1/projects/acme-prod/locations/europe/repositories/images/packages/web/tags/v2"
        gar.canned.append(Canned(302, None, {"Location": f"{elsewhere.url}{moved}"}))
        times = PushTimes({"GOOGLE_OAUTH_ACCESS_TOKEN": GOOGLE_TOKEN}, base_urls={GAR: gar.url})
        refused = times.look(GAR, "acme-prod/images/web", "v2", D1)
        assert isinstance(refused, NoPushTime) and GOOGLE_TOKEN not in refused.why
        assert elsewhere.seen and "Authorization" not in elsewhere.seen[0].headers
        asked = len(gar.seen)
        missing = PushTimes({}, base_urls={GAR: gar.url}).look(GAR, "acme-prod/images/web", "v1", D1)
        assert isinstance(missing, NoPushTime) and "auth: gcp" in missing.why
        assert "$GOOGLE_OAUTH_ACCESS_TOKEN" in missing.why
        assert len(gar.seen) == asked
        short = PushTimes({"GOOGLE_OAUTH_ACCESS_TOKEN": GOOGLE_TOKEN}, base_urls={GAR: gar.url})
        bad = short.look(GAR, "acme-prod/web", "v1", D1)
        assert isinstance(bad, NoPushTime) and "PROJECT/REPOSITORY/IMAGE" in bad.why
    assert kind_of("us-central1-docker.pkg.dev") == "gar" and kind_of("-docker.pkg.dev") is None
