"""The environment a cloud workload runs in, for the cloud registries' end-to-end tests: the
variables each cloud's workload identity gives a pod (pointed at :class:`~testkit.cloud_fakes.CloudFake`),
the registry section naming the fake, and ``gitops-bot`` run as a CronJob's container runs it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from gitops_bot.registry.settings import RegistryConfig
from testkit import update_world
from testkit.cloud_fakes import AUDIENCE, CLIENT, ROLE, TENANT, CloudFake
from testkit.github_server import FakeGitHub
from testkit.in_process import Run, secrets_of_its_own
from testkit.in_process import run as run_in_process
from testkit.registry_process import RegistryProcess

# each cloud's identities a workload can have, the first the one a story uses unless told
IDENTITIES = {
    "aws": ("web identity", "pod identity"),
    "gcp": ("federation", "metadata server"),
    "azure": ("workload identity", "client secret", "instance metadata", "app service"),
}


def identity_env(cloud: str, fake: CloudFake, tmp: Path, how: str | None = None) -> dict[str, str]:
    """The variables an identity (``how``, one of :data:`IDENTITIES`' for the cloud) gives a
    pod or machine (and the fake's endpoints and CA in the variables each library documents
    for that), nothing more."""
    how = how or IDENTITIES[cloud][0]
    assert how in IDENTITIES[cloud], how
    token = tmp / f"{cloud}-token"
    token.write_text(fake.issued.web_identity)
    # AWS's endpoints are trusted through AWS_CA_BUNDLE alone (below), as the AWS CLI and SDKs
    # document it; Google's and Azure's through SSL_CERT_FILE, the bot's shared trust (their SDKs'
    # REQUESTS_CA_BUNDLE is read by requests, which the logins do not go through)
    env = {} if cloud == "aws" else {"SSL_CERT_FILE": str(fake.ca)}
    if fake.proxy is not None:  # the cloud's own registry name, reached through the proxy only
        env |= {"HTTPS_PROXY": fake.proxy.url, "NO_PROXY": "127.0.0.1,localhost"}
    if cloud == "aws":
        env |= {
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_STS": fake.url,
            "AWS_ENDPOINT_URL_ECR": fake.url,
            "AWS_ENDPOINT_URL_ECR_PUBLIC": fake.url,
            "AWS_CA_BUNDLE": str(fake.ca),
            # nothing of this machine's own: no profile files, no instance metadata
            "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if how == "web identity":  # what EKS's IRSA webhook sets
            env |= {"AWS_ROLE_ARN": ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE": str(token)}
        else:  # what EKS Pod Identity's webhook sets: the agent's address and the projected token
            env |= {
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.metadata_url + "/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token),
            }
    elif cloud == "gcp" and how == "metadata server":  # GKE Workload Identity, Compute Engine
        env |= {"GCE_METADATA_HOST": fake.metadata_host, "GCE_METADATA_IP": fake.metadata_host}
    elif cloud == "gcp":  # what google-github-actions/auth or a GKE config map writes
        config = tmp / "external-account.json"
        config.write_text(
            json.dumps(
                {
                    "type": "external_account",
                    "audience": AUDIENCE,
                    "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                    "token_url": fake.url + "/v1/token",
                    "credential_source": {"file": str(token)},
                }
            )
        )
        env |= {"GOOGLE_APPLICATION_CREDENTIALS": str(config), "GCE_METADATA_HOST": "127.0.0.1:9"}
    elif how == "workload identity":  # what AKS's workload identity webhook sets
        env |= {
            "AZURE_FEDERATED_TOKEN_FILE": str(token),
            "AZURE_CLIENT_ID": CLIENT,
            "AZURE_TENANT_ID": TENANT,
            "AZURE_AUTHORITY_HOST": fake.url,
        }
    elif how == "client secret":  # an app registration's, as azure-identity's EnvironmentCredential reads it
        env |= {
            "AZURE_CLIENT_ID": CLIENT,
            "AZURE_TENANT_ID": TENANT,
            "AZURE_CLIENT_SECRET": fake.issued.client_secret,
            "AZURE_AUTHORITY_HOST": fake.url,
        }
    elif how == "instance metadata":  # a VM's or an AKS node's identity, IMDS moved to loopback
        env |= {"AZURE_POD_IDENTITY_AUTHORITY_HOST": fake.metadata_url}
    else:  # what App Service and Container Apps set for a managed identity
        env |= {
            "IDENTITY_ENDPOINT": fake.metadata_url + "/msi/token",
            "IDENTITY_HEADER": fake.issued.identity_header,
        }
    return env


def registry_section(cloud: str, fake: CloudFake, role_arn: str | None = None) -> str:
    region = "\n    region: us-east-1" if cloud == "aws" else ""
    role = f"\n    role_arn: {role_arn}" if role_arn else ""
    return f'registries:\n  "{fake.host}":\n    auth: {cloud}\n    ca_file: {fake.ca}{region}{role}\n'


def in_process(cloud: str, fake: CloudFake, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> RegistryConfig:
    for name, value in identity_env(cloud, fake, tmp).items():
        monkeypatch.setenv(name, value)
    region = "us-east-1" if cloud == "aws" else None
    return RegistryConfig(host=fake.host, auth=cloud, region=region, ca_file=str(fake.ca))


def cronjob(
    world_remote: Path, env: dict[str, str], tmp: Path, *argv: str, check: bool = True
) -> dict[str, Any]:
    """``gitops-bot ARGV`` as a CronJob's container runs it: this environment and no other, on
    the world's remote (``plan``, which reads a checkout: on a fresh clone of it). ``check``:
    the run must succeed (else its exit code is in ``code``). In process, the environment
    replaced whole and no secret of an earlier run redacted: what a fresh process sees, without
    its start-up and imports (botocore's among them) a run."""
    repo = f"file://{world_remote}"
    if argv[0] == "plan":
        repo = str(tmp / "checkout")
        subprocess.run(["git", "clone", "-q", str(world_remote), repo], check=True)
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp / "home"), "GITOPS_BOT_CACHE": str(tmp / "cache")}
    base["DOCKER_CONFIG"] = str(tmp / "no-docker")
    args = [*argv, "--repo", repo, "--output", "json"]
    if "GCE_METADATA_HOST" in env:
        # google-auth reads the metadata server's address once, when it is imported: a process
        # that ran one story would ask the next one's metadata server at the first one's port
        ran = subprocess.run(
            [sys.executable, "-m", "gitops_bot", *args],
            env=base | env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        proc = Run(ran.returncode, ran.stdout, ran.stderr)
    else:
        with secrets_of_its_own():
            proc = run_in_process(args, base | env, alone=True)
    if check:
        assert proc.code == 0, proc.err[-2000:]
    try:
        out = json.loads(proc.out)
    except ValueError:
        assert not check, proc.out[-2000:]
        out = proc.out
    return {"out": out, "err": proc.err, "code": proc.code}


def front_of(registry: RegistryProcess, fake: CloudFake) -> RegistryProcess:
    """The registry as the world's files name it (the front) and as its images are pushed (the
    real registry behind it)."""
    return cast(RegistryProcess, SimpleNamespace(host=fake.host, url=registry.url))


@dataclass
class Setting:
    """One cloud login's world: the update example, the cloud's fake and the identity's
    environment."""

    world: update_world.World
    fake: CloudFake
    env: dict[str, str]
    tmp: Path


@contextlib.contextmanager
def setting_of(
    cloud: str,
    how: str,
    registry: RegistryProcess,
    tmp: Path,
    *,
    role_arn: str | None = None,
    host: str | None = None,
) -> Iterator[Setting]:
    """The update example on GitHub with its images in the cloud's registry (behind the fake's
    front), app 1.1.0 pushed, and the environment of the identity ``how`` alone."""
    with CloudFake(cloud, registry.url, tmp, host=host) as fake:
        worlds = update_world.make_world(tmp, front_of(registry, fake))
        world = next(worlds)
        try:
            update_world.add_config(world, registry_section(cloud, fake, role_arn))
            world.push("app", "1.1.0")
            env = identity_env(cloud, fake, tmp, how) | {"GITHUB_TOKEN": FakeGitHub.token}
            yield Setting(world, fake, env, tmp)
        finally:
            next(worlds, None)


def secrets_of(fake: CloudFake) -> set[str]:
    """Everything the fake issued or the identity holds that no output may show."""
    issued = fake.issued
    found = issued.ecr | issued.google | issued.entra | issued.refresh | issued.registry
    found |= {issued.web_identity, issued.client_secret, issued.identity_header}
    for secret, session in issued.keys.values():
        found |= {secret, session}
    return found


def assert_nothing_secret(fake: CloudFake, *runs: dict[str, Any]) -> None:
    for run in runs:
        shown = run["err"] + json.dumps(run["out"])
        for secret in secrets_of(fake):
            assert secret not in shown
