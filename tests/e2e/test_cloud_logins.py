"""The cloud logins beside each cloud's workload identity, each a CronJob-like run of the real
bot with only that identity's environment, against a registry front that lets through only
the credential the exchange produced (testkit/cloud_fakes.py):

- AWS: a role assumed across accounts (``role_arn``) with IRSA's web identity, EKS Pod
  Identity's container credentials, and ECR Public (``public.ecr.aws`` with ``auth: aws``);
- Google: the metadata server (GKE Workload Identity, Compute Engine);
- Azure: an app registration's client secret, a VM's managed identity through the instance
  metadata service, and App Service's / Container Apps' identity endpoint.

A refused identity is one line naming it and the fix, and no secret of any of them is in any
output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from testkit.cloud_fakes import CLIENT, CROSS_ROLE, ROLE, TENANT, CloudFake
from testkit.cloud_world import (
    Setting,
    assert_nothing_secret,
    cronjob,
    secrets_of,
    setting_of,
)
from testkit.registry_process import RegistryProcess


@dataclass(frozen=True)
class Login:
    cloud: str
    how: str
    role_arn: str | None = None
    host: str | None = None  # the cloud's own registry name, when the fake's address is not it


LOGINS = {
    "aws assumed role": Login("aws", "web identity", role_arn=CROSS_ROLE),
    "aws pod identity": Login("aws", "pod identity"),
    "ecr public": Login("aws", "web identity", host="public.ecr.aws"),
    "gcp metadata server": Login("gcp", "metadata server"),
    "azure client secret": Login("azure", "client secret"),
    "azure instance metadata": Login("azure", "instance metadata"),
    "azure app service": Login("azure", "app service"),
}


@pytest.fixture
def setting(request: pytest.FixtureRequest, registry: RegistryProcess, tmp_path: Path) -> Iterator[Setting]:
    """The update example on GitHub with its images in the login's cloud registry, app 1.1.0
    pushed, and the environment of that identity alone."""
    login: Login = LOGINS[request.param]
    with setting_of(
        login.cloud, login.how, registry, tmp_path, role_arn=login.role_arn, host=login.host
    ) as s:
        yield s


def story(setting: Setting) -> list[dict[str, Any]]:
    """The plan shows app 1.1.0; the update opens its pull request (staging) and commits it
    (dev); nothing the cloud issued is shown."""
    world, fake, env, tmp = setting.world, setting.fake, setting.env, setting.tmp
    plan = cronjob(world.remote, env, tmp / "run1", "update", "--dry-run")
    assert "1.1.0" in json.dumps(plan["out"])
    run = cronjob(world.remote, env, tmp / "run2", "update")
    pulls = [p for p in world.github.pulls if p["state"] == "open"]
    assert len(pulls) == 1, pulls
    assert "1.1.0" in world.show(pulls[0]["head"]["ref"], "overlays/staging/kustomization.yaml").decode()
    assert "1.1.0" in world.show("main", "overlays/dev/kustomization.yaml").decode()
    assert fake.problems == []
    assert_nothing_secret(fake, plan, run)
    for pull in world.github.pulls:
        for secret in secrets_of(fake):
            assert secret not in json.dumps(pull)
    return [plan, run]


def calls(fake: CloudFake) -> list[tuple[str, str | None]]:
    return [(op.name, op.signer) for op in fake.operations]


# -- AWS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["aws assumed role"], indirect=True)
def test_story_ecr_in_another_account_through_an_assumed_role(setting: Setting) -> None:
    """IRSA's web identity assumes the registry account's role (``role_arn``): STS sees
    AssumeRole signed with the web identity's credentials, and ECR sees GetAuthorizationToken
    signed with the assumed role's, never the web identity's."""
    story(setting)
    fake = setting.fake
    seen = calls(fake)
    # each run logs in once: its own web identity, then the role, then ECR
    login = [
        ("sts:AssumeRoleWithWebIdentity", None),
        ("sts:AssumeRole", "web identity"),
        ("ecr:GetAuthorizationToken", "assumed role"),
    ]
    assert seen == login * 2, seen
    for op in fake.operations:
        if op.name == "sts:AssumeRoleWithWebIdentity":
            assert op.params["RoleArn"] == ROLE
        if op.name == "sts:AssumeRole":
            assert op.params == {
                "RoleArn": CROSS_ROLE,
                "RoleSessionName": "gitops-bot",
                "DurationSeconds": 3600,
            }


@pytest.mark.parametrize("setting", ["aws pod identity"], indirect=True)
def test_story_ecr_with_eks_pod_identity(setting: Setting) -> None:
    """EKS Pod Identity: botocore's container provider asks the agent (on loopback here, as
    botocore allows only loopback and EKS's own addresses for the full URI) with the projected
    token, and the role's credentials it answers sign GetAuthorizationToken; no STS at all."""
    story(setting)
    fake = setting.fake
    assert (
        calls(fake)
        == [
            ("eks-auth:AssumeRoleForPodIdentity", None),
            ("ecr:GetAuthorizationToken", "pod identity"),
        ]
        * 2
    )
    agent = [s for s in fake.seen if s.path == "/v1/credentials"]
    assert agent and all(s.method == "GET" for s in agent)
    assert all(s.headers["authorization"] == fake.issued.web_identity for s in agent)


@pytest.mark.parametrize("setting", ["ecr public"], indirect=True)
def test_story_ecr_public_with_auth_aws(setting: Setting) -> None:
    """``public.ecr.aws`` with ``auth: aws``: ECR Public's GetAuthorizationToken in us-east-1
    (its one region), and the registry, asked by its own name, gives its Bearer token only for
    ``AWS`` and that password."""
    story(setting)
    fake = setting.fake
    assert (
        calls(fake)
        == [
            ("sts:AssumeRoleWithWebIdentity", None),
            ("ecr-public:GetAuthorizationToken", "web identity"),
        ]
        * 2
    )
    assert fake.proxy is not None
    assert any(line.startswith("CONNECT public.ecr.aws:443 ") for line in fake.proxy.seen)
    assert any(s.path.startswith("/token/?") for s in fake.seen)


# -- Google ----------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["gcp metadata server"], indirect=True)
def test_story_artifact_registry_with_the_metadata_server(setting: Setting) -> None:
    """GKE Workload Identity or a Compute Engine VM: google-auth pings the metadata server,
    reads the default service account and its token, every request with ``Metadata-Flavor:
    Google`` (the fake counts any other a problem); the registry takes that token."""
    story(setting)
    fake = setting.fake
    paths = [s.path.partition("?")[0] for s in fake.seen if s.headers.get("metadata-flavor")]
    assert "/" in paths  # google-auth's ping of GCE_METADATA_IP
    assert "/computeMetadata/v1/instance/service-accounts/default/" in paths
    assert paths.count("/computeMetadata/v1/instance/service-accounts/default/token") == 2  # once a run
    assert len(fake.issued.google) == 2


# -- Azure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["azure client secret"], indirect=True)
def test_story_acr_with_a_client_secret(setting: Setting) -> None:
    """AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET: Entra's client credentials
    grant with the secret (the fake checks each form field), its token exchanged at the
    registry for the refresh token the registry then takes."""
    story(setting)
    fake = setting.fake
    assert [s.path for s in fake.seen if s.path.endswith("/oauth2/v2.0/token")] == [
        f"/{TENANT}/oauth2/v2.0/token"
    ] * 2
    assert len(fake.issued.entra) == 2 and len(fake.issued.refresh) == 2


@pytest.mark.parametrize("setting", ["azure instance metadata", "azure app service"], indirect=True)
def test_story_acr_with_a_managed_identity(setting: Setting) -> None:
    """A managed identity: the instance metadata service (``Metadata: true``, at
    AZURE_POD_IDENTITY_AUTHORITY_HOST here) or App Service's endpoint (IDENTITY_ENDPOINT with
    IDENTITY_HEADER), whose token the registry exchanges; Entra itself is not asked."""
    story(setting)
    fake = setting.fake
    asked = [s for s in fake.seen if s.path.startswith(("/metadata/identity/", "/msi/"))]
    assert len(asked) == 2
    assert not [s for s in fake.seen if "/oauth2/v2.0/token" in s.path]
    assert len(fake.issued.refresh) == 2


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "refuse", "names"),
    [
        (
            "aws assumed role",
            "refuse_role",
            [
                f"assuming role {CROSS_ROLE} with web identity role {ROLE} was refused (AccessDenied)",
                "trust policy",
            ],
        ),
        (
            "aws pod identity",
            "refuse",
            ["the container credentials endpoint (EKS Pod Identity", "Pod Identity association"],
        ),
        (
            "gcp metadata server",
            "refuse",
            ["the metadata server's service account", "roles/artifactregistry.reader"],
        ),
        (
            "azure client secret",
            "refuse",
            [f"client secret of {CLIENT} (tenant {TENANT})", "invalid_client AADSTS7000215", "client secret"],
        ),
        ("azure instance metadata", "refuse", ["managed identity was refused", "assign the identity"]),
        ("azure app service", "refuse", ["managed identity was refused", "assign the identity"]),
    ],
    indirect=["setting"],
)
def test_a_refused_identity_is_one_line_naming_it(setting: Setting, refuse: str, names: list[str]) -> None:
    fake = setting.fake
    setattr(fake, refuse, "AccessDenied")
    run = cronjob(setting.world.remote, setting.env, setting.tmp / "run", "update", "--dry-run", check=False)
    shown = run["err"] + "\n" + json.dumps(run["out"])
    lines = [line for line in shown.splitlines() if names[0] in line]
    assert lines, shown[-3000:]
    for name in names:
        assert name in lines[0], lines[0]
    assert fake.problems == []
    assert_nothing_secret(fake, run)
