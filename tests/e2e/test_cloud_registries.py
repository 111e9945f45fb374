"""Cloud registries read with the workload's own identity: Amazon ECR (IRSA's web identity),
Google Artifact Registry (a workload identity federation file) and Azure Container Registry
(AKS workload identity), each against the real registry behind a front that lets through only
the credential the cloud's exchange issued (testkit/cloud_fakes.py), over TLS.

The stories run ``gitops-bot update`` as a CronJob runs it: a process whose environment is the
workload identity's variables and nothing else of the cloud's (no key, no docker config)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.core.errors import RegistryAccessError, UsageError
from gitops_bot.registry.client import RegistryClient
from gitops_bot.registry.cloud.base import CloudCredential
from gitops_bot.registry.credentials import lookup
from gitops_bot.registry.settings import RegistryConfig
from testkit import forge_world, update_world
from testkit.cloud_fakes import CLIENT, ROLE, CloudFake
from testkit.cloud_world import cronjob, front_of, identity_env, in_process, registry_section
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

CLOUDS = ("aws", "gcp", "azure")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("AWS_", "GOOGLE_", "AZURE_", "GCE_", "IDENTITY_", "DOCKER_CONFIG")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))
    yield


@pytest.mark.parametrize("cloud", CLOUDS)
def test_one_login_serves_every_concurrent_request(
    cloud: str, registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    """Sixteen threads read the registry at once: the cloud is asked once, the front sees only
    the credential it issued, and every request and answer fits the service's description."""
    ns = f"cl{abs(hash(str(tmp_path))) % 10**8}"
    pusher = Pusher.to(registry.url)
    digest = pusher.image(f"{ns}/app", "1.2.3", salt=ns).digest
    pusher.close()
    with CloudFake(cloud, registry.url, tmp_path) as fake:
        config = in_process(cloud, fake, tmp_path, monkeypatch)
        credential = lookup(config, os.environ)
        assert isinstance(credential, CloudCredential)
        results: list[Any] = []
        with RegistryClient(config, credential) as client:

            def read() -> None:
                results.append((client.list_tags(f"{ns}/app"), client.resolve_digest(f"{ns}/app", "1.2.3")))

            threads = [threading.Thread(target=read) for _ in range(16)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert results == [(["1.2.3"], digest)] * 16
        assert credential.logins == 1
        assert fake.problems == []
        issued = {"aws": fake.issued.ecr, "gcp": fake.issued.google, "azure": fake.issued.refresh}[cloud]
        assert len(issued) == 1


@pytest.mark.parametrize(
    ("cloud", "refusal", "names"),
    [
        ("aws", "AccessDeniedException", ["web identity role " + ROLE, "ecr:GetAuthorizationToken"]),
        ("gcp", "unauthorized_client", ["workload identity federation", "roles/artifactregistry.reader"]),
        ("azure", "invalid_client", [f"workload identity (client {CLIENT}", "federated credential"]),
    ],
)
def test_a_refused_identity_is_one_line_naming_it_and_the_fix(
    cloud: str,
    refusal: str,
    names: list[str],
    registry: RegistryProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    clean_env: None,
) -> None:
    with CloudFake(cloud, registry.url, tmp_path) as fake:
        fake.refuse = refusal
        config = in_process(cloud, fake, tmp_path, monkeypatch)
        credential = lookup(config, os.environ)
        with RegistryClient(config, credential) as client:
            with pytest.raises(RegistryAccessError) as first:
                client.list_tags("team/app")
            with pytest.raises(RegistryAccessError) as again:  # kept: the cloud is not asked twice
                client.list_tags("team/other")
    line = str(first.value)
    assert "\n" not in line and line.startswith(f"registry {fake.host}: ")
    for name in names:
        assert name in line
    assert str(again.value) == line
    assert isinstance(credential, CloudCredential) and credential.logins == 1
    assert fake.issued.web_identity not in line


def test_a_cloud_extra_that_is_not_installed_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from gitops_bot.registry import cloud

    monkeypatch.setattr(type(cloud.login("aws")), "available", lambda self: False)
    with pytest.raises(UsageError) as refused:
        lookup(RegistryConfig(host="123456789012.dkr.ecr.eu-west-1.amazonaws.com"), {})
    # the extra's own requirement, which installs wherever the bot came from (a clone, a wheel)
    assert "pip install 'botocore>=1.34'" in (refused.value.hint or "")


def test_a_public_cloud_host_without_an_identity_is_read_anonymously(tmp_path: Path) -> None:
    """gcr.io/distroless on a laptop: no Google identity in sight, no metadata server asked."""
    env = {"HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path / "none")}
    assert lookup(RegistryConfig(host="gcr.io"), env) is None
    assert lookup(RegistryConfig(host="myreg.azurecr.io"), env) is None


def test_docker_config_still_wins_for_a_cloud_host(tmp_path: Path) -> None:
    """Users of docker-credential-ecr-login keep it: docker's config.json is asked first."""
    (tmp_path / "config.json").write_text(
        json.dumps({"auths": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": {"auth": "QVdTOnNlY3JldA=="}}})
    )
    found = lookup(
        RegistryConfig(host="123456789012.dkr.ecr.eu-west-1.amazonaws.com"), {"DOCKER_CONFIG": str(tmp_path)}
    )
    assert found is not None and found.username == "AWS" and found.password == "secret"


# -- the stories -----------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", CLOUDS)
def test_story_a_cronjob_with_only_workload_identity_updates_from_its_cloud_registry(
    cloud: str, registry: RegistryProcess, tmp_path: Path
) -> None:
    """The update example on GitHub with its images in a cloud registry: the first run plans and
    opens the pull request for app 1.1.0, the second changes nothing; the registry let through
    only the exchanged credential, and no token the cloud issued is in any output."""
    from testkit.github_server import FakeGitHub

    with CloudFake(cloud, registry.url, tmp_path) as fake:
        worlds = update_world.make_world(tmp_path, front_of(registry, fake))
        world = next(worlds)
        try:
            update_world.add_config(world, registry_section(cloud, fake))
            world.push("app", "1.1.0")
            env = identity_env(cloud, fake, tmp_path) | {"GITHUB_TOKEN": FakeGitHub.token}
            plan = cronjob(world.remote, env, tmp_path / "run1", "update", "--dry-run")
            assert "1.1.0" in json.dumps(plan["out"])
            first = cronjob(world.remote, env, tmp_path / "run2", "update")
            second = cronjob(world.remote, env, tmp_path / "run3", "update")
            pulls = [p for p in world.github.pulls if p["state"] == "open"]
            assert len(pulls) == 1, pulls
            assert (
                "1.1.0" in world.show(pulls[0]["head"]["ref"], "overlays/staging/kustomization.yaml").decode()
            )
            assert "1.1.0" in world.show("main", "overlays/dev/kustomization.yaml").decode()  # by commit
            assert second["out"] != first["out"] or "created" not in json.dumps(second["out"])
            assert fake.problems == []
            issued = fake.issued.ecr | fake.issued.google | fake.issued.entra | fake.issued.refresh
            issued |= fake.issued.registry | {fake.issued.web_identity}
            assert issued
            for run in (plan, first, second):
                for secret in issued:
                    assert secret not in run["err"] and secret not in json.dumps(run["out"])
            for pull in world.github.pulls:
                for secret in issued:
                    assert secret not in json.dumps(pull)
        finally:
            next(worlds, None)


def test_story_ecr_on_gitlab_promotes_and_updates_with_irsa(
    registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other forge: the same example on GitLab with production promoted from staging, its
    images in ECR read with IRSA's web identity; update opens one merge request, and a run
    again changes nothing."""
    with CloudFake("aws", registry.url, tmp_path) as fake:
        worlds = forge_world.make_world(
            tmp_path, front_of(registry, fake), monkeypatch, "gitlab", "environment"
        )
        world = next(worlds)
        try:
            world.edit_config("pull_request:", registry_section("aws", fake) + "pull_request:")
            world.push("app", "1.1.0")
            env = identity_env("aws", fake, tmp_path) | {"GITLAB_TOKEN": world.forge.token}
            cronjob(world.remote, env, tmp_path / "run1", "update")
            cronjob(world.remote, env, tmp_path / "run2", "update")
            view = world.only_open()
            assert "1.1.0" in json.dumps(view) or "1.1.0" in world.show(view["source_branch"])
            assert world.forge.unexpected == []
            assert fake.problems == []
        finally:
            next(worlds, None)
