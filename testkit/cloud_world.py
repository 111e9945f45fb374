"""The environment a cloud workload runs in, for the cloud registries' end-to-end tests: the
variables each cloud's workload identity gives a pod (pointed at :class:`~testkit.cloud_fakes.CloudFake`),
the registry section naming the fake, and ``gitops-bot`` run as a CronJob's container runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from gitops_bot.registry.settings import RegistryConfig
from testkit.cloud_fakes import AUDIENCE, CLIENT, ROLE, TENANT, CloudFake
from testkit.registry_process import RegistryProcess


def identity_env(cloud: str, fake: CloudFake, tmp: Path) -> dict[str, str]:
    """The variables a workload identity gives a pod (and the fake's endpoints and CA in the
    variables each library documents for that), nothing more."""
    token = tmp / f"{cloud}-token"
    token.write_text(fake.issued.web_identity)
    env = {"SSL_CERT_FILE": str(fake.ca)}
    if cloud == "aws":  # what EKS's IRSA webhook sets
        env |= {
            "AWS_ROLE_ARN": ROLE,
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_STS": fake.url,
            "AWS_ENDPOINT_URL_ECR": fake.url,
            "AWS_CA_BUNDLE": str(fake.ca),
            # nothing of this machine's own: no profile files, no instance metadata
            "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
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
    else:  # what AKS's workload identity webhook sets
        env |= {
            "AZURE_FEDERATED_TOKEN_FILE": str(token),
            "AZURE_CLIENT_ID": CLIENT,
            "AZURE_TENANT_ID": TENANT,
            "AZURE_AUTHORITY_HOST": fake.url,
        }
    return env


def registry_section(cloud: str, fake: CloudFake) -> str:
    region = "\n    region: us-east-1" if cloud == "aws" else ""
    return f'registries:\n  "{fake.host}":\n    auth: {cloud}\n    ca_file: {fake.ca}{region}\n'


def in_process(cloud: str, fake: CloudFake, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> RegistryConfig:
    for name, value in identity_env(cloud, fake, tmp).items():
        monkeypatch.setenv(name, value)
    region = "us-east-1" if cloud == "aws" else None
    return RegistryConfig(host=fake.host, auth=cloud, region=region, ca_file=str(fake.ca))


def cronjob(world_remote: Path, env: dict[str, str], tmp: Path, *argv: str) -> dict[str, Any]:
    """``gitops-bot ARGV`` as a CronJob's container runs it: this environment and no other, on
    the world's remote (``plan``, which reads a checkout: on a fresh clone of it)."""
    repo = f"file://{world_remote}"
    if argv[0] == "plan":
        repo = str(tmp / "checkout")
        subprocess.run(["git", "clone", "-q", str(world_remote), repo], check=True)
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp / "home"), "GITOPS_BOT_CACHE": str(tmp / "cache")}
    base["DOCKER_CONFIG"] = str(tmp / "no-docker")
    proc = subprocess.run(
        [sys.executable, "-m", "gitops_bot", *argv, "--repo", repo, "--output", "json"],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {"out": json.loads(proc.stdout), "err": proc.stderr}


def front_of(registry: RegistryProcess, fake: CloudFake) -> RegistryProcess:
    """The registry as the world's files name it (the front) and as its images are pushed (the
    real registry behind it)."""
    return cast(RegistryProcess, SimpleNamespace(host=fake.host, url=registry.url))
