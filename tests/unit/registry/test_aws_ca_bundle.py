"""``AWS_CA_BUNDLE`` (and a profile's ``ca_bundle``), as the AWS CLI and SDKs document it: the
CA bundle every AWS endpoint's certificate is verified with, which users behind a
TLS-inspecting proxy set to the proxy's CA. The ECR login honours it for every AWS call it
makes: botocore's own web identity call (``AssumeRoleWithWebIdentity``, sent through the one
client), ``sts:AssumeRole`` of a ``role_arn`` and ECR's ``GetAuthorizationToken``, and ECR's
``DescribeImages`` of push times.

The STS/ECR stand-in (testkit/cloud_fakes.py, held to botocore's service models) serves TLS
with a private CA no other trust holds: ``SSL_CERT_FILE``/``SSL_CERT_DIR`` unset, so only the
bundle makes its certificate trusted. Without it the login fails with one line naming the
variable to set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.registry.cloud.base import LoginFailed
from gitops_bot.registry.settings import RegistryConfig
from testkit.cloud_fakes import CROSS_ROLE, ROLE, CloudFake

pytest.importorskip("botocore")


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[CloudFake]:
    with CloudFake("aws", "http://127.0.0.1:9", tmp_path) as found:  # the registry is not read here
        yield found


def _web_identity(fake: CloudFake, tmp: Path, monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    """What EKS's IRSA webhook gives a pod (the fake's endpoints in the SDKs' variables), and
    nothing of this machine's own: no trust beyond the OS store, no profile, no metadata."""
    for name in [n for n in os.environ if n.startswith("AWS_") or n in ("SSL_CERT_FILE", "SSL_CERT_DIR")]:
        monkeypatch.delenv(name)
    token = tmp / "web-identity-token"
    token.write_text(fake.issued.web_identity)
    env = {
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_STS": fake.url,
        "AWS_ENDPOINT_URL_ECR": fake.url,
        "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ROLE_ARN": ROLE,
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
        **extra,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # botocore's chain reads the process environment


def _login(fake: CloudFake, role_arn: str | None = None) -> object:
    from gitops_bot.registry.cloud.aws import AwsLogin

    config = RegistryConfig(host=fake.host, auth="aws", region="us-east-1", role_arn=role_arn)
    return AwsLogin().login(config, dict(os.environ))


def test_aws_ca_bundle_trusts_every_aws_endpoint_of_the_ecr_login(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _web_identity(fake, tmp_path, monkeypatch, AWS_CA_BUNDLE=str(fake.ca))
    issued = _login(fake, role_arn=CROSS_ROLE)
    assert getattr(issued, "username", None) == "AWS"
    assert [op.name for op in fake.operations] == [
        "sts:AssumeRoleWithWebIdentity",
        "sts:AssumeRole",
        "ecr:GetAuthorizationToken",
    ]
    assert fake.problems == []


def test_aws_ca_bundle_trusts_ecr_for_push_times(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitops_bot.registry.credentials import lookup
    from gitops_bot.registry.pushtime import Pushed, PushTimes

    _web_identity(fake, tmp_path, monkeypatch, AWS_CA_BUNDLE=str(fake.ca))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))
    config = RegistryConfig(host=fake.host, auth="aws", region="us-east-1")
    credential = lookup(config, os.environ)
    digest, at = "sha256:" + "1" * 64, datetime(2026, 5, 6, tzinfo=UTC)
    fake.record("team/app", "v1", digest, at)
    ask = {"credentials": {fake.host: credential}.get, "kinds": {fake.host: "ecr"}}
    times = PushTimes(dict(os.environ), **ask)  # type: ignore[arg-type]
    assert times.look(fake.host, "team/app", "v1", digest) == Pushed(at, digest, "Amazon ECR")
    assert [op.name for op in fake.operations][-1] == "ecr:DescribeImages"
    assert fake.problems == []


def test_a_profiles_ca_bundle_is_read_as_botocore_reads_it(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "aws-config"
    config.write_text(f"[default]\nca_bundle = {fake.ca}\n")
    _web_identity(fake, tmp_path, monkeypatch, AWS_CONFIG_FILE=str(config))
    assert getattr(_login(fake), "username", None) == "AWS"
    assert fake.problems == []


def test_without_the_bundle_the_login_is_one_line_naming_aws_ca_bundle(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _web_identity(fake, tmp_path, monkeypatch)
    with pytest.raises(LoginFailed) as caught:
        _login(fake)
    line = str(caught.value)
    assert "\n" not in line and "Traceback" not in line
    assert line.startswith("AWS STS is unavailable (the TLS certificate of ")
    assert "is not trusted" in line and "AWS_CA_BUNDLE" in line
    assert fake.operations == []  # no request got past the handshake


def test_an_unreadable_aws_ca_bundle_is_a_usage_error_naming_it(
    fake: CloudFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "corp-ca.pem"
    bad.write_text("not a certificate")
    _web_identity(fake, tmp_path, monkeypatch, AWS_CA_BUNDLE=str(bad))
    with pytest.raises(UsageError) as caught:
        _login(fake)
    assert f"AWS_CA_BUNDLE {bad}" in str(caught.value)
    assert fake.operations == []
