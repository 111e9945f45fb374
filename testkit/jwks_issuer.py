"""A token issuer as OIDC providers publish theirs: RSA keys of its own, a JWK set served on
loopback (``Cache-Control: max-age``, as Google's certs endpoint answers), and RS256 tokens
with the claims a test asks for. Keys can be rotated and the served set swapped, and every
fetch of the set is counted."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from testkit.loopback import LoopbackHTTPServer

# a 2048-bit key takes ~0.1 s of CPU to make: the process makes six and hands them out in turn,
# so the keys of one test (an issuer's, a rotated one, a forger's: at most four) all differ
_KEYS: list[rsa.RSAPrivateKey] = []
_drawn = itertools.count()
CYCLE = 6


def rsa_key() -> rsa.RSAPrivateKey:
    n = next(_drawn) % CYCLE
    if n == len(_KEYS):
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[n]


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class JwksIssuer:
    """``with JwksIssuer() as issuer:`` serves ``issuer.jwks_url``."""

    def __init__(self, max_age: int = 3600) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {"key-1": rsa_key()}
        self.max_age = max_age
        self.fetches = 0
        self.status = 200
        self.body: bytes | None = None  # served instead of the key set when set
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                issuer.fetches += 1
                data = issuer.body if issuer.body is not None else json.dumps(issuer.jwks()).encode()
                self.send_response(issuer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", f"public, max-age={issuer.max_age}, must-revalidate")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/v3/certs"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(k, kid) for kid, k in self.keys.items()]}

    def rotate(self, kid: str) -> None:
        """The set now holds only a new key ``kid``."""
        self.keys = {kid: rsa_key()}

    def token(
        self,
        claims: dict[str, Any],
        *,
        kid: str | None = "key-1",
        key: rsa.RSAPrivateKey | None = None,
        lifetime: float = 3600,
        issued: float | None = None,
    ) -> str:
        """An RS256 token signed by ``key`` (the issuer's ``kid`` key by default), with
        ``iat``/``exp`` filled in unless ``claims`` gives them."""
        now = time.time() if issued is None else issued
        body = {"iat": int(now), "exp": int(now + lifetime), **claims}
        signer = key or self.keys[kid or "key-1"]
        headers = {"kid": kid} if kid is not None else {}
        return jwt.encode(body, signer, algorithm="RS256", headers=headers)

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
