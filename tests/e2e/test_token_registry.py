"""A plan against the real distribution registry with ``auth: token`` over TLS, as GHCR and
Harbor hand out tokens: a bearer token per repository scope from a token service (over TLS
too) whose signing certificate the registry trusts. Counted at both servers: about two
requests an image (a tag list and a digest; the tokens asked a batch of scopes a request, one
401 in the whole run), and the password and tokens each reach their own origin only."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gitops_bot.core.model import PlanAction
from gitops_bot.engine import plan as plan_mod
from gitops_bot.engine.app import open_app
from gitops_bot.net.tls import ssl_context
from gitops_bot.net.transport import Reply, Transport
from gitops_bot.registry.auth import BATCH
from gitops_bot.registry.pool import RegistryPool
from gitops_bot.registry.settings import RegistryConfig
from testkit import certs
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.token_issuer import TokenIssuer

IMAGES = 40  # more than a batch of scopes: two token requests at least
PASSWORD = "builder-7-secret"


class LoggedRegistry(RegistryProcess):
    """The registry with its access log on: the requests it served, counted."""

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        cfg["log"] = {"level": "info", "accesslog": {"disabled": False}, "formatter": "text"}
        return cfg

    def served(self) -> int:
        log = (self.root / "registry.log").read_bytes()
        return log.count(b'"GET /v2/') + log.count(b'"HEAD /v2/')


class Recording(Transport):
    """The bot's own transport, noting each request's origin and Authorization scheme and
    value as it goes out."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: list[tuple[str, str]] = []

    def exchange(self, method: str, url: str, headers: Any, body: bytes = b"", **kw: Any) -> Reply:
        parts = urlsplit(url)
        self.sent.append((f"{parts.scheme}://{parts.netloc}", headers.get("Authorization", "")))
        return super().exchange(method, url, headers, body, **kw)


@dataclass
class World:
    registry: LoggedRegistry
    issuer: TokenIssuer
    ca: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("token-tls")
    ca_pair, ca_key, ca_cert = certs.make_ca()
    ca, _ = ca_pair.write(root, "ca")
    cert, key = certs.make_server_cert(ca_key, ca_cert).write(root, "server")
    issuer = TokenIssuer(users={"bob": PASSWORD}, tls=(cert, key)).start()
    try:
        reg = LoggedRegistry(root / "registry", auth=issuer.registry_auth(root / "auth"), tls=(cert, key))
        with reg:
            scopes = [f"repository:tok/app{i:03d}:pull,push" for i in range(IMAGES)]
            pusher = Pusher.to(
                reg.url,
                verify=ssl.create_default_context(cafile=str(ca)),
                headers={"Authorization": f"Bearer {issuer.mint('bob', scopes)}"},
            )
            for i in range(IMAGES):
                pusher.image(f"tok/app{i:03d}", ["1.0.0", "1.1.0"], salt=str(i))
            pusher.close()
            yield World(reg, issuer, ca)
    finally:
        issuer.stop()


def _repository(root: Path, host: str, ca: Path) -> Path:
    (root / "overlays/prod").mkdir(parents=True)
    images = "".join(f"  - name: app{i:03d}\n    repository: {host}/tok/app{i:03d}\n" for i in range(IMAGES))
    (root / "gitops-bot.yaml").write_text(
        f"version: 1\nregistries:\n  {host}:\n    ca_file: {ca}\n    username_env: REG_USER\n"
        f"    password_env: REG_PASSWORD\nimages:\n{images}"
        "environments:\n  - name: prod\n    path: overlays/prod\n"
    )
    entries = "".join(
        f"- name: app{i:03d}\n  newName: {host}/tok/app{i:03d}\n  newTag: 1.0.0\n" for i in range(IMAGES)
    )
    (root / "overlays/prod/kustomization.yaml").write_text(f"resources: []\nimages:\n{entries}")
    return root


def _planned(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int, list[tuple[str, str]]]:
    """One plan: (registry requests, token requests, (origin, Authorization) the bot sent)."""
    monkeypatch.setenv("REG_USER", "bob")
    monkeypatch.setenv("REG_PASSWORD", PASSWORD)
    repo = _repository(tmp_path / "gitops", world.registry.host, world.ca)
    recording: list[Recording] = []

    def transport(cfg: RegistryConfig) -> Recording:
        made = Recording(ssl_context=ssl_context(str(world.ca)), max_connections=cfg.max_concurrency)
        recording.append(made)
        return made

    served, issued = world.registry.served(), len(world.issuer.requests)
    app = open_app(repo, pool=RegistryPool(open_app(repo).config, transport_factory=transport))
    try:
        plan = plan_mod.plan(app)
    finally:
        app.registries.close()
    items = [i for e in plan.environments for i in e.items]
    assert len(items) == IMAGES
    assert all(i.action is PlanAction.UPDATE and i.candidate and i.candidate.tag == "1.1.0" for i in items)
    (sent,) = recording
    return world.registry.served() - served, len(world.issuer.requests) - issued, sent.sent


def test_a_plan_costs_about_two_requests_an_image_and_one_401(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served, tokens, sent = _planned(world, tmp_path, monkeypatch)
    probes = sum(1 for _, auth in sent if not auth)
    assert probes == 1  # the run's first request, which names the realm; none after
    assert served == 2 * IMAGES + probes
    assert tokens <= -(-IMAGES // BATCH) + 1
    assert (served + tokens) / IMAGES <= 2.1
    fetched = world.issuer.requests[-tokens:]
    assert all(r["user"] == "bob" for r in fetched)
    assert max(len(r["scope"]) for r in fetched) > 1  # several scopes a token request


def test_the_password_reaches_the_token_service_only_and_tokens_the_registry_only(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, sent = _planned(world, tmp_path, monkeypatch)
    registry, realm = f"https://{world.registry.host}", f"https://{world.issuer.host}"
    assert {origin for origin, _ in sent} == {registry, realm}
    for origin, auth in sent:
        scheme = auth.split(" ")[0]
        assert scheme in ({"", "Bearer"} if origin == registry else {"Basic"}), (origin, scheme)
        assert PASSWORD not in auth
    assert all(not r["scope"] or r["user"] == "bob" for r in world.issuer.requests)


def test_a_token_service_granting_one_scope_a_request_is_asked_one_a_request(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token that does not cover every scope asked for: the refused requests ask for their
    scope alone, the registry's later tokens are one scope a request, and the plan is whole."""
    world.issuer.first_scope_only = True
    try:
        served, tokens, _ = _planned(world, tmp_path, monkeypatch)
    finally:
        world.issuer.first_scope_only = False
    fetched = world.issuer.requests[-tokens:]
    assert [len(r["scope"]) for r in fetched][-5:] == [1] * 5
    assert served + tokens < 4 * IMAGES  # below the 401, token, list, digest of each image
