"""Each cloud login's identity and token services answering what a broken or hostile service
would (testkit/cloud_fakes.py's ``hostile``): the real bot, run as a CronJob's container runs
it, says each in one line naming the service and what to check, with the documented outcome
(every image of that registry skipped with the reason, exit 0: docs/reference/exit-codes.md),
never a traceback, and shows no secret the fake issued or the identity holds.

Before the logins' library calls were wrapped (registry/cloud/base.py ``edge``) STS's broken
or ten-megabyte XML, Google's ``expires_in`` of 400 digits, ``1e400`` or ``"soon"`` and
Entra's answer nested 100,000 deep each ended in a traceback with exit 1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit import update_world
from testkit.cloud_fakes import CROSS_ROLE, CloudFake
from testkit.cloud_world import (
    Setting,
    assert_nothing_secret,
    cronjob,
    front_of,
    identity_env,
    registry_section,
    setting_of,
)
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess

STS_XML = b'<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
TEN_MB = STS_XML + b"<a>x</a>" * (10 << 17)


AGENT = "the container credentials endpoint at http://127.0.0.1:{mport}/v1/credentials"


def expires_in(value: bytes) -> Callable[[bytes], bytes]:
    """The token answer with ``expires_in`` spelled ``value`` (raw JSON)."""
    return lambda body: re.sub(rb'"expires_in": "?\d+"?', b'"expires_in": ' + value, body)


def expires_on(value: bytes) -> Callable[[bytes], bytes]:
    return lambda body: re.sub(rb'"expiresAt": [\d.e+]+', b'"expiresAt": ' + value, body)


def expiration(value: bytes) -> Callable[[bytes], bytes]:
    """STS's XML with ``Expiration`` spelled ``value``."""
    return lambda body: re.sub(
        rb"<Expiration>[^<]*</Expiration>", b"<Expiration>" + value + b"</Expiration>", body
    )


def deep(_body: bytes) -> bytes:
    return b"[" * 100_000


@dataclass(frozen=True)
class Case:
    cloud: str
    how: str
    operation: str
    rewrite: Callable[[bytes], bytes]
    says: str  # what the one line says
    role_arn: str | None = None


CASES = {
    "sts web identity: broken xml": Case(
        "aws",
        "web identity",
        "sts:AssumeRoleWithWebIdentity",
        lambda _: b"<broken",
        "AWS STS at https://127.0.0.1:{port}/ answered something unreadable (ResponseParserError",
    ),
    "sts web identity: 10 MB of xml": Case(
        "aws", "web identity", "sts:AssumeRoleWithWebIdentity", lambda _: TEN_MB, "AWS STS is unavailable"
    ),
    "sts web identity: xml without credentials": Case(
        "aws",
        "web identity",
        "sts:AssumeRoleWithWebIdentity",
        lambda _: STS_XML + b"</AssumeRoleWithWebIdentityResponse>",
        "AWS STS at https://127.0.0.1:{port}/ answered something unreadable (KeyError",
    ),
    "sts web identity: Expiration of 400 digits": Case(
        "aws",
        "web identity",
        "sts:AssumeRoleWithWebIdentity",
        expiration(b"9" * 400),
        "AWS STS at https://127.0.0.1:{port}/ answered something unreadable",
    ),
    "sts web identity: Expiration 1e400": Case(
        "aws",
        "web identity",
        "sts:AssumeRoleWithWebIdentity",
        expiration(b"1e400"),
        "AWS STS at https://127.0.0.1:{port}/ answered something unreadable",
    ),
    "sts web identity: Expiration soon": Case(
        "aws",
        "web identity",
        "sts:AssumeRoleWithWebIdentity",
        expiration(b"soon"),
        "AWS STS at https://127.0.0.1:{port}/ answered something unreadable",
    ),
    "sts assume role: Expiration in the year 1": Case(
        "aws",
        "web identity",
        "sts:AssumeRole",
        expiration(b"0001-01-01T00:00:00Z"),
        "issued a credential that had already expired",
        role_arn=CROSS_ROLE,
    ),
    "sts assume role: Expiration soon": Case(
        "aws",
        "web identity",
        "sts:AssumeRole",
        expiration(b"soon"),
        "AWS STS answered AssumeRole with an unreadable Expiration",
        role_arn=CROSS_ROLE,
    ),
    "pod identity agent: broken json": Case(
        "aws",
        "pod identity",
        "eks-auth:AssumeRoleForPodIdentity",
        lambda _: b'{"AccessKeyId": ',
        "the container credentials endpoint (EKS Pod Identity or an ECS task role) gave no AWS credentials",
    ),
    "pod identity agent: json nested 100,000 deep": Case(
        "aws",
        "pod identity",
        "eks-auth:AssumeRoleForPodIdentity",
        deep,
        AGENT + " answered something unreadable (RecursionError",
    ),
    "pod identity agent: Expiration of 400 digits": Case(
        "aws",
        "pod identity",
        "eks-auth:AssumeRoleForPodIdentity",
        lambda body: re.sub(rb'"Expiration": "[^"]*"', b'"Expiration": "' + b"9" * 400 + b'"', body),
        AGENT + " answered something unreadable (OverflowError",
    ),
    "pod identity agent: 10 MB": Case(
        "aws",
        "pod identity",
        "eks-auth:AssumeRoleForPodIdentity",
        lambda _: b'{"x": "' + b"x" * (10 << 20) + b'"}',
        # read to the login's 1 MiB, not whole by botocore's own HTTP session
        AGENT + " answered more than 1 MiB",
    ),
    "sts assume role: broken xml": Case(
        "aws",
        "web identity",
        "sts:AssumeRole",
        lambda _: b"<broken",
        "AWS STS answered HTTP 200 with something that is not XML",
        role_arn=CROSS_ROLE,
    ),
    "sts assume role: 10 MB of xml": Case(
        "aws",
        "web identity",
        "sts:AssumeRole",
        lambda _: TEN_MB,
        "AWS STS is unavailable",
        role_arn=CROSS_ROLE,
    ),
    "ecr: broken json": Case(
        "aws", "web identity", "ecr:GetAuthorizationToken", lambda _: b'{"authorizationData": [', "Amazon ECR"
    ),
    "ecr: json nested 100,000 deep": Case(
        "aws", "pod identity", "ecr:GetAuthorizationToken", deep, "Amazon ECR"
    ),
    "ecr: expiresAt 1e400": Case(
        "aws",
        "pod identity",
        "ecr:GetAuthorizationToken",
        expires_on(b"1e400"),
        "Amazon ECR answered no readable expiresAt",
    ),
    "gce token: expires_in of 400 digits": Case(
        "gcp",
        "metadata server",
        "google:token",
        expires_in(b"9" * 400),
        "Google's token service at http://127.0.0.1:{mport}/computeMetadata/v1/instance/service-accounts/"
        "default/token answered something unreadable (OverflowError",
    ),
    "gce token: expires_in 1e400": Case(
        "gcp",
        "metadata server",
        "google:token",
        expires_in(b"1e400"),
        "answered something unreadable (OverflowError",
    ),
    "gce token: expires_in soon": Case(
        "gcp",
        "metadata server",
        "google:token",
        expires_in(b'"soon"'),
        "answered something unreadable (TypeError",
    ),
    "gce token: expires_in -5": Case(
        "gcp",
        "metadata server",
        "google:token",
        expires_in(b"-5"),
        "issued a credential that had already expired",
    ),
    "google sts: expires_in of 400 digits": Case(
        "gcp",
        "federation",
        "google:token",
        expires_in(b"9" * 400),
        "Google's token service at https://127.0.0.1:{port}/v1/token answered something unreadable (OverflowError",
    ),
    "google sts: expires_in 1e400": Case(
        "gcp",
        "federation",
        "google:token",
        expires_in(b"1e400"),
        "answered something unreadable (OverflowError",
    ),
    "google sts: expires_in soon": Case(
        "gcp", "federation", "google:token", expires_in(b'"soon"'), "Google's token service at"
    ),
    "entra: json nested 100,000 deep": Case(
        "azure", "client secret", "entra:token", deep, "Microsoft Entra ID answered no access_token"
    ),
    "managed identity: json nested 100,000 deep": Case(
        "azure",
        "instance metadata",
        "azure:managed",
        deep,
        "the managed identity endpoint answered no access_token",
    ),
    "managed identity: access_token with a lone surrogate": Case(
        "azure",
        "instance metadata",
        "azure:managed",
        lambda body: re.sub(rb'"access_token": "[^"]*"', lambda _: b'"access_token": "ey\\ud800J"', body),
        "the managed identity endpoint answered no access_token",
    ),
    "gce token: access_token with a newline": Case(
        "gcp",
        "metadata server",
        "google:token",
        lambda body: re.sub(rb'"access_token": "[^"]*"', lambda _: b'"access_token": "ya29.a\\nb"', body),
        "issued a credential with characters no request can carry",
    ),
    "acr exchange: json nested 100,000 deep": Case(
        "azure", "client secret", "acr:exchange", deep, "token exchange answered something that is not JSON"
    ),
}


@pytest.fixture
def setting(request: pytest.FixtureRequest, registry: RegistryProcess, tmp_path: Path) -> Iterator[Setting]:
    case: Case = CASES[request.param]
    with setting_of(case.cloud, case.how, registry, tmp_path, role_arn=case.role_arn) as s:
        yield s


@pytest.mark.parametrize("setting", list(CASES), indirect=True)
def test_a_hostile_login_answer_is_one_line_naming_the_service(
    setting: Setting, request: pytest.FixtureRequest
) -> None:
    case = CASES[request.node.callspec.params["setting"]]
    fake = setting.fake
    fake.hostile[case.operation] = case.rewrite
    run = cronjob(setting.world.remote, setting.env, setting.tmp / "run", "update", "--dry-run", check=False)
    assert run["code"] == 0, run["err"][-2000:]
    assert "Traceback" not in run["err"], run["err"][-3000:]
    says = case.says.format(port=fake.url.rpartition(":")[2], mport=fake.metadata_url.rpartition(":")[2])
    skipped = run["out"]["skipped"]
    reasons = {row["reason"] for row in skipped}
    assert len(skipped) == 4 and len(reasons) == 1, skipped  # each image, the one login's line
    (reason,) = reasons
    assert "\n" not in reason and len(reason) < 500, reason
    assert reason.startswith(f"registry {fake.host}: ") and says in reason, reason
    assert not run["out"]["results"]
    assert fake.problems == []
    assert_nothing_secret(fake, run)


def test_a_failing_sts_is_asked_as_the_one_retry_policy_says_not_again_by_botocore(
    registry: RegistryProcess, tmp_path: Path
) -> None:
    """STS answering 500 to web identity's AssumeRoleWithWebIdentity: our client's retry
    policy (two attempts for a login) decides, and its refusal ends botocore's call, so
    botocore's own retries (five attempts in its legacy mode) never multiply it; one login a
    run, its failure kept for every image."""
    with CloudFake("aws", registry.url, tmp_path) as fake:
        worlds = update_world.make_world(tmp_path, front_of(registry, fake))
        world = next(worlds)
        try:
            update_world.add_config(world, registry_section("aws", fake))
            fake.failing["sts:AssumeRoleWithWebIdentity"] = 500
            env = identity_env("aws", fake, tmp_path, "web identity") | {"GITHUB_TOKEN": FakeGitHub.token}
            run = cronjob(world.remote, env, tmp_path / "run", "update", "--dry-run", check=False)
        finally:
            next(worlds, None)
    asked = [op for op in fake.operations if op.name == "sts:AssumeRoleWithWebIdentity"]
    assert run["code"] == 0 and "Traceback" not in run["err"], run["err"][-2000:]
    reasons = {row["reason"] for row in run["out"]["skipped"]}
    assert len(reasons) == 1 and "AWS STS" in next(iter(reasons)), reasons
    assert len(asked) == 2, len(asked)
