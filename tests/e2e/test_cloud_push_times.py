"""``min_age`` on Amazon ECR aged by ECR's own push time (``imagePushedAt``, DescribeImages),
read with nothing but the workload identity a CronJob in EKS has (IRSA's web identity): the
same login that reads the registry signs the question, every exchange held to botocore's ECR
model (testkit/cloud_fakes.py). An image whose own creation time says it is old but which ECR
received minutes ago waits an hour from its push; one ECR says was pushed in the future waits
too, its creation time never deciding instead. On GitHub and on GitLab. Artifact Registry's ``uploadTime`` and ACR's tag time are asked with
the workload identity's login alone too."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.registry.credentials import lookup
from gitops_bot.registry.pushtime import NoPushTime, Pushed, PushTimes
from gitops_bot.registry.settings import RegistryConfig
from testkit import forge_world, update_world
from testkit.cloud_fakes import CloudFake
from testkit.cloud_world import cronjob, front_of, identity_env, in_process, registry_section
from testkit.pushtime_servers import FakeACR, FakeGAR
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

OLD = "2020-01-01T00:00:00Z"  # what the images say of themselves: long enough ago for any rule


def edit_config(remote: Path, tmp: Path, old: str, new: str) -> None:
    clone = tmp / f"edit-{len(list(tmp.glob('edit-*')))}"
    subprocess.run(["git", "clone", "-q", str(remote), str(clone)], check=True)
    path = clone / "gitops-bot.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    git(clone, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "config")
    git(clone, "push", "-q", "origin", "main")


def item(plan: dict[str, Any], env: str) -> dict[str, Any]:
    (environment,) = [e for e in plan["environments"] if e["name"] == env]
    (found,) = [i for i in environment["images"] if i["image"] == "example/app"]
    return found  # type: ignore[no-any-return]


@pytest.fixture(params=["github", "gitlab"])
def forge(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(
    forge: str, registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, CloudFake, dict[str, str]]]:
    with CloudFake("aws", registry.url, tmp_path) as fake:
        if forge == "github":
            from testkit.github_server import FakeGitHub

            worlds: Iterator[Any] = update_world.make_world(tmp_path, front_of(registry, fake))
            token = {"GITHUB_TOKEN": FakeGitHub.token}
        else:
            worlds = forge_world.make_world(
                tmp_path, front_of(registry, fake), monkeypatch, "gitlab", "environment"
            )
        w = next(worlds)
        try:
            if forge != "github":
                token = {"GITLAB_TOKEN": w.forge.token}
            edit_config(
                w.remote,
                tmp_path,
                'range: "^1"\n',
                'range: "^1"\n    min_age: 1h\n',
            )
            # the fake's host is a loopback address, not ECR's name: its push-time API is named
            section = registry_section("aws", fake) + "    push_time: ecr\n"
            edit_config(w.remote, tmp_path, "pull_request:", section + "pull_request:")
            yield w, fake, identity_env("aws", fake, tmp_path) | token
        finally:
            next(worlds, None)


def test_story_an_ecr_image_is_aged_by_its_push_time_with_the_workload_identity_alone(
    world: tuple[Any, CloudFake, dict[str, str]], tmp_path: Path
) -> None:
    w, fake, env = world
    now = datetime.now(UTC).replace(microsecond=0)
    repository = f"{w.ns}/app"
    for tag, pushed in (("1.1.0", now - timedelta(hours=3)), ("1.2.0", now - timedelta(minutes=10))):
        digest = w.pusher.image(repository, tag, created=OLD, salt=f"{w.ns}-{tag}").digest
        fake.record(repository, tag, digest, pushed)

    plan = cronjob(w.remote, env, tmp_path / "plan", "plan", "--env", "dev")["out"]
    dev = item(plan, "dev")
    assert dev["candidate"]["tag"] == "1.1.0"  # ECR received it three hours ago
    waiting = dev["waiting"]
    assert waiting["tag"] == "1.2.0" and waiting["age_from"] == "Amazon ECR push time"
    until = datetime.fromisoformat(waiting["until"])
    assert until == now - timedelta(minutes=10) + timedelta(hours=1)  # from the push, not from 2020

    first = cronjob(w.remote, env, tmp_path / "run1", "update")
    assert "1.1.0" in git(w.remote, "show", "main:overlays/dev/kustomization.yaml")
    again = cronjob(w.remote, env, tmp_path / "run2", "update")
    assert "1.2.0" not in git(w.remote, "show", "main:overlays/dev/kustomization.yaml")
    # staging by pull (merge) request: one, proposing 1.1.0, opened by the first run only
    (branch,) = [b for b in w.branches() if b != "main"]
    assert "newTag: 1.1.0" in git(w.remote, "show", f"{branch}:overlays/staging/kustomization.yaml")

    # ECR says 1.3.0 was pushed in 2999: impossible, so set aside, and the image waits; its own
    # creation time (2020) never decides instead
    digest = w.pusher.image(repository, "1.3.0", created=OLD, salt=f"{w.ns}-1.3.0").digest
    fake.record(repository, "1.3.0", digest, datetime(2999, 1, 1, tzinfo=UTC))
    plan = cronjob(w.remote, env, tmp_path / "plan2", "plan", "--env", "dev")["out"]
    dev = item(plan, "dev")
    assert dev["waiting"]["tag"] == "1.3.0"
    assert (
        "the Amazon ECR push time 2999-01-01T00:00:00Z is ignored (not plausible)"
        in dev["waiting"]["ignored"]
    )
    assert (dev.get("candidate") or {}).get("tag") != "1.3.0"

    assert fake.problems == []
    described = [s for s in fake.seen if s.headers.get("x-amz-target", "").endswith(".DescribeImages")]
    assert described, "ECR's DescribeImages was asked"
    secrets = fake.issued.ecr | fake.issued.registry | {fake.issued.web_identity}
    secrets |= {secret for secret, _ in fake.issued.keys.values()}
    for run in (first, again):
        for secret in secrets:
            assert secret not in run["err"] and secret not in json.dumps(run["out"])


def test_a_refused_describe_images_is_a_reason_naming_the_permission(
    registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity may pull but not describe: the image's push time is unknown, said why in
    one line naming the identity and ecr:DescribeImages; the registry is still read."""

    for name in [n for n in os.environ if n.startswith(("AWS_", "DOCKER_CONFIG"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))
    with CloudFake("aws", registry.url, tmp_path) as fake:
        config = in_process("aws", fake, tmp_path, monkeypatch)
        credential = lookup(config, os.environ)
        digest = "sha256:" + "1" * 64
        at = datetime(2026, 5, 6, tzinfo=UTC)
        fake.record("team/app", "v1", digest, at)
        ask = {"credentials": {fake.host: credential}.get, "kinds": {fake.host: "ecr"}}
        times = PushTimes(dict(os.environ), **ask)  # type: ignore[arg-type]
        assert times.look(fake.host, "team/app", "v1", digest) == Pushed(at, digest, "Amazon ECR")
        assert times.pushed(fake.host, "team/app", "v9", None) is None
        assert times.why == f"Amazon ECR: no tag team/app:v9 on {fake.host}"
        fake.refuse_describe = "AccessDeniedException"
        refused = PushTimes(dict(os.environ), **ask)  # type: ignore[arg-type]
        assert refused.pushed(fake.host, "team/app", "v1", digest) is None
        assert refused.why is not None and "ecr:DescribeImages" in refused.why
        assert "web identity role" in refused.why and "\n" not in refused.why
        assert fake.problems == []


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("AWS_", "GOOGLE_", "AZURE_", "GCE_", "IDENTITY_", "DOCKER_CONFIG")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "no-docker"))


def test_artifact_registry_upload_time_with_the_workload_identity_alone(
    registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean: None
) -> None:
    """No GOOGLE_OAUTH_ACCESS_TOKEN: the access token the workload identity federation login
    got for the registry asks Artifact Registry's API too, and only that API."""
    host = "europe-docker.pkg.dev"
    digest = "sha256:" + "1" * 64
    at = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    with CloudFake("gcp", registry.url, tmp_path) as fake:
        config = in_process("gcp", fake, tmp_path, monkeypatch)
        credential = lookup(RegistryConfig(host=host, auth="gcp"), os.environ)
        assert config.auth == "gcp" and "GOOGLE_OAUTH_ACCESS_TOKEN" not in os.environ
        with FakeGAR(fake.issued.google) as gar:
            gar.push("acme-prod/images/web", "v1", digest, at)
            times = PushTimes(dict(os.environ), base_urls={host: gar.url}, credentials={host: credential}.get)
            found = times.look(host, "acme-prod/images/web", "v1", digest)
            assert found == Pushed(at, digest, "Google Artifact Registry")
            (token,) = fake.issued.google
            assert all(s.headers.get("Authorization") == f"Bearer {token}" for s in gar.seen)
        assert fake.problems == []


def test_acr_tag_time_with_the_workload_identity_alone(
    registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean: None
) -> None:
    """AKS workload identity, no admin user: the registry's refresh token (the login's) is
    exchanged at the registry's /oauth2/token for a token scoped to read the repository's
    metadata, and that reads the tag's time; every exchange held to ACR's description."""
    digest = "sha256:" + "1" * 64
    at = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    with CloudFake("azure", registry.url, tmp_path) as fake:
        config = in_process("azure", fake, tmp_path, monkeypatch)
        credential = lookup(config, os.environ)
        with FakeACR(registry=fake.host, refresh=fake.issued.refresh) as acr:
            acr.push("team/web", "v1", digest, at)
            ask: dict[str, Any] = {
                "base_urls": {fake.host: acr.url},
                "kinds": {fake.host: "acr"},
                "credentials": {fake.host: credential}.get,
            }
            times = PushTimes(dict(os.environ), **ask)
            assert times.look(fake.host, "team/web", "v1", digest) == Pushed(
                at, digest, "Azure Container Registry"
            )
            assert list(acr.access.values()) == ["repository:team/web:metadata_read"]
            assert [s.method for s in acr.seen] == ["POST", "GET"]
            # a refresh token the registry does not take: unknown, said in one line, no secret
            acr.refresh = set()
            refused = PushTimes(dict(os.environ), **ask).look(fake.host, "team/web", "v1", digest)
            assert isinstance(refused, NoPushTime) and "AcrPull" in refused.why and "\n" not in refused.why
            for secret in fake.issued.refresh | fake.issued.entra:
                assert secret not in refused.why
        assert fake.problems == []
