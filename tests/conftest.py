from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import bcrypt
import jsonschema
import pytest

from gitops_bot import config
from gitops_bot.manifests import yamlvalues
from testkit.certs import make_ca, make_server_cert
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.token_issuer import TokenIssuer


@pytest.fixture(autouse=True)
def _no_ambient_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never read the developer's ~/.docker/config.json or tokens."""
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path_factory.mktemp("docker-config")))
    forge_tokens = ("GITLAB_TOKEN", "CI_JOB_TOKEN", "GITEA_TOKEN", "FORGEJO_TOKEN")
    for name in ("GITHUB_TOKEN", "GITHUB_ACTOR", "SSL_CERT_FILE", *forge_tokens):
        monkeypatch.delenv(name, raising=False)


@cache
def schema_validator() -> jsonschema.Draft202012Validator:
    """The published JSON Schema of gitops-bot.yaml (``gitops-bot schema``)."""
    import json

    return jsonschema.Draft202012Validator(json.loads(config.schema_text()))


def schema_problems(text: str) -> list[str]:
    doc = yamlvalues.load(text, "gitops-bot.yaml")
    return [f"{e.json_path}: {e.message}" for e in schema_validator().iter_errors(doc)]


@pytest.fixture(autouse=True)
def _accepted_configs_match_the_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every config a test has the reader accept must validate against the published schema,
    so the schema cannot fall behind the reader (checked after the test, outside its timings)."""
    original = config.parse
    accepted: list[str] = []

    def parse(text: str, filename: str, **kwargs: Any) -> config.Config:
        result = original(text, filename, **kwargs)
        accepted.append(text)
        return result

    for module in list(sys.modules.values()):  # `from gitops_bot.config import parse` too
        if getattr(module, "parse", None) is original:
            monkeypatch.setattr(module, "parse", parse)
    yield
    problems = {text: schema_problems(text) for text in accepted}
    assert not any(problems.values()), {t: p for t, p in problems.items() if p}


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    """An anonymous registry shared by the session: tests use their own repository names."""
    with RegistryProcess(tmp_path_factory.mktemp("registry")) as reg:
        yield reg


@pytest.fixture
def pusher(registry: RegistryProcess) -> Iterator[Pusher]:
    p = Pusher.to(registry.url)
    yield p
    p.close()


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    root = tmp_path_factory.mktemp("basic-registry")
    htpasswd = root / "htpasswd"
    htpasswd.write_bytes(b"alice:" + bcrypt.hashpw(b"wonderland-42", bcrypt.gensalt(rounds=4)) + b"\n")
    with RegistryProcess(root, auth={"htpasswd": {"realm": "basic-realm", "path": str(htpasswd)}}) as reg:
        yield reg


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tls")
    ca_pair, ca_key, ca_cert = make_ca()
    cert, key = make_server_cert(ca_key, ca_cert).write(root, "server")
    ca = root / "ca.crt"
    ca.write_bytes(ca_pair.cert_pem)
    return {"ca": ca, "cert": cert, "key": key}


@pytest.fixture(scope="session")
def tls_registry(
    tmp_path_factory: pytest.TempPathFactory, tls_material: dict[str, Path]
) -> Iterator[RegistryProcess]:
    with RegistryProcess(
        tmp_path_factory.mktemp("tls-registry"), tls=(tls_material["cert"], tls_material["key"])
    ) as reg:
        yield reg


@pytest.fixture(scope="session")
def token_issuer() -> Iterator[TokenIssuer]:
    issuer = TokenIssuer(users={"bob": "builder-7"}, refresh_tokens={"refresh-abc-123": "bob"}).start()
    yield issuer
    issuer.stop()


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory, token_issuer: TokenIssuer
) -> Iterator[RegistryProcess]:
    root = tmp_path_factory.mktemp("token-registry")
    with RegistryProcess(root, auth=token_issuer.registry_auth(root / "auth")) as reg:
        yield reg


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path
