"""A Bearer token issuer for the distribution registry's ``auth.token`` mode.

Signs RS256 JWTs with the key of a self-signed certificate the registry trusts through
``rootcertbundle``, naming the key one of two ways the registry reads (``signing``):

- ``kid`` (the default): the key's libtrust ID, which the registry looks up among the bundle's
  certificates' keys, as the token services of Harbor, GitLab and cesanta/docker_auth sign;
- ``x5c``: the certificate itself in the header, whose chain the registry verifies against the
  bundle on every request it serves (with this signer itself the root, at no CPU measurably
  above a ``kid``'s: docs/performance.md).

Accepts HTTP basic credentials (GET, docker's flow: one ``scope`` parameter a scope) and
OAuth2 refresh tokens (POST, what ``identitytoken`` in docker's config.json means: one
space-delimited ``scope``). Answers ``token``, ``access_token``, ``expires_in`` and
``issued_at``, as the distribution token spec says; over TLS given ``tls`` (cert, key), as
GHCR's and Harbor's token services are. Records every request so tests and benches can count
them. ``first_scope_only``: a token service that
grants only the first of several scopes asked for (clients must fall back to one a request).
``answer``: a broken token service, answering every token request 200 with these bytes (a
body shaped like a tag list or a manifest, no token) instead of a token. ``says_expires_in``:
the lifetime its answers say, where it differs from the tokens' own (``0``, ``-5``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

from testkit.certs import KeyPair, make_self_signed
from testkit.loopback import LoopbackHTTPServer

SERVICE = "gitops-bot-test-registry"
ISSUER = "gitops-bot-test-issuer"
Signing = Literal["kid", "x5c"]
SIGNINGS: tuple[Signing, ...] = ("kid", "x5c")


def libtrust_key_id(public_key: PublicKeyTypes) -> str:
    """The key's ID as docker/libtrust computes it (``keyIDFromCryptoKey``), the only ``kid``
    the distribution registry resolves: SHA-256 of the DER SubjectPublicKeyInfo, its first
    240 bits in base32, in 12 groups of 4 joined by ``:``."""
    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    text = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode()  # 48 characters, no padding
    return ":".join(text[i : i + 4] for i in range(0, len(text), 4))


@dataclass
class TokenIssuer:
    users: dict[str, str] = field(default_factory=dict)  # username -> password
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # token -> username
    anonymous_pull: bool = False
    expires_in: int = 300
    requests: list[dict[str, Any]] = field(default_factory=list)
    signer: KeyPair = field(default_factory=make_self_signed)
    server: ThreadingHTTPServer | None = None
    tls: tuple[Path, Path] | None = None  # (cert, key): the token service speaks https
    first_scope_only: bool = False
    signing: Signing = "kid"
    answer: bytes | None = None  # every token request is answered 200 with these bytes
    # the expires_in the answer says, when not the token's own life (0: a service saying none)
    says_expires_in: int | None = None

    @cached_property
    def _key(self) -> Any:
        return load_pem_private_key(self.signer.key_pem, password=None)

    @property
    def key_id(self) -> str:
        return libtrust_key_id(self._key.public_key())

    @property
    def host(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def realm(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}/token"

    def registry_auth(self, directory: Path, realm: str | None = None) -> dict[str, Any]:
        """The registry's ``auth:`` section; ``realm``: where clients reach this service when
        not directly (a delay relay in front of it)."""
        bundle = directory / "token-signer.crt"
        directory.mkdir(parents=True, exist_ok=True)
        bundle.write_bytes(self.signer.cert_pem)
        return {
            "token": {
                "realm": realm or self.realm,
                "service": SERVICE,
                "issuer": ISSUER,
                "rootcertbundle": str(bundle),
            }
        }

    def mint(self, subject: str, scopes: list[str]) -> str:
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        headers: dict[str, Any] = (
            {"kid": self.key_id}
            if self.signing == "kid"
            else {"x5c": [base64.b64encode(self.signer.cert_der).decode()]}
        )
        return jwt.encode(claims, self._key, algorithm="RS256", headers=headers)

    def _grant(self, user: str | None, scopes: list[str]) -> list[str]:
        if self.first_scope_only:
            scopes = scopes[:1]
        granted = []
        for scope in scopes:
            if user is not None:
                granted.append(scope)
            elif self.anonymous_pull:
                kind, _, rest = scope.partition(":")
                name = rest.rpartition(":")[0]
                granted.append(f"{kind}:{name}:pull")
        return granted

    def _issued(self, token: str) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        said = self.expires_in if self.says_expires_in is None else self.says_expires_in
        return {"token": token, "access_token": token, "expires_in": said, "issued_at": now}

    def start(self) -> TokenIssuer:
        issuer = self
        context = None
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self.tls[0]), str(self.tls[1]))

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # kept-alive connections, as a real token service's

            def setup(self) -> None:
                if context is not None:  # the handshake on this connection's thread, not the listener's
                    self.request = context.wrap_socket(self.request, server_side=True)
                super().setup()

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode() if issuer.answer is None else issuer.answer
                status = status if issuer.answer is None else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _user(self) -> tuple[bool, str | None]:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return True, None
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                return issuer.users.get(user) == password, user

            def do_GET(self) -> None:
                q = parse_qs(urlparse(self.path).query)
                ok, user = self._user()
                issuer.requests.append(
                    {"method": "GET", "user": user, "scope": q.get("scope", []), "service": q.get("service")}
                )
                if not ok:
                    return self._answer(401, {"details": "bad credentials"})
                token = issuer.mint(user or "anonymous", issuer._grant(user, q.get("scope", [])))
                self._answer(200, issuer._issued(token))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                refresh = (form.get("refresh_token") or [""])[0]
                scopes = " ".join(form.get("scope", [])).split()  # OAuth2: space-delimited
                issuer.requests.append(
                    {"method": "POST", "grant_type": form.get("grant_type"), "scope": scopes}
                )
                user = issuer.refresh_tokens.get(refresh)
                if form.get("grant_type") != ["refresh_token"] or user is None:
                    return self._answer(401, {"details": "bad refresh token"})
                token = issuer.mint(user, issuer._grant(user, scopes))
                self._answer(200, {k: v for k, v in issuer._issued(token).items() if k != "token"})

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
