"""A real git server over TLS on loopback: ``git http-backend`` (git's own smart-HTTP CGI)
behind a small threaded HTTPS server whose certificate comes from a throw-away CA
(:mod:`testkit.certs`).

It records what every request carried (method, path, ``Authorization``), can demand a token
(401 with a Basic challenge otherwise) and can answer every request with a redirect to another
origin instead, which is how a git host hands a client (and whatever headers the client was
configured to send) to somewhere else. Git is pointed at the CA with ``GIT_SSL_CAINFO``.
"""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from testkit import certs
from testkit.local_git import committed
from testkit.loopback import LoopbackHTTPServer


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    authorization: str | None


@dataclass
class CA:
    """A CA and its certificate file, shared by the servers of one test."""

    directory: Path
    key: Any = None
    cert: Any = None
    cert_file: Path = field(init=False)

    def __post_init__(self) -> None:
        pair, self.key, self.cert = certs.make_ca()
        self.cert_file, _ = pair.write(self.directory, "ca")

    def server_context(self, stem: str) -> ssl.SSLContext:
        cert, key = certs.make_server_cert(self.key, self.cert).write(self.directory, stem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        return ctx


class GitHTTPServer:
    """``https://127.0.0.1:PORT/<name>.git`` for each bare repository under ``root``.

    ``token``: the requests must carry ``Authorization: Basic base64(user:token)`` for some user.
    ``redirect``: an origin (``https://127.0.0.1:OTHER``) every request is sent to with ``status``.
    """

    def __init__(
        self,
        root: Path,
        ca: CA,
        *,
        token: str | None = None,
        redirect: str | None = None,
        status: int = 302,
        host: str = "127.0.0.1",
    ) -> None:
        self.root = root
        self.token = token
        self.redirect = redirect
        self.status = status
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

            def do_POST(self) -> None:
                server._handle(self)

        self._httpd = LoopbackHTTPServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.socket = ca.server_context(f"server-{id(self)}").wrap_socket(
            self._httpd.socket, server_side=True
        )
        self.url = f"https://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> GitHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def authorizations(self) -> list[str]:
        return [s.authorization for s in self.seen if s.authorization]

    def _authorized(self, header: str | None) -> bool:
        if self.token is None:
            return True
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header.removeprefix("Basic ")).decode()
        except ValueError:
            return False
        return decoded.partition(":")[2] == self.token

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        auth = h.headers.get("Authorization")
        self.seen.append(Seen(h.command, h.path, auth))
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        if self.redirect is not None:
            h.send_response(self.status)
            h.send_header("Location", self.redirect + h.path)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if not self._authorized(auth):
            h.send_response(401)
            h.send_header("WWW-Authenticate", 'Basic realm="git"')
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        path, _, query = h.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": h.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": h.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": "bot",
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": h.headers.get("Git-Protocol", ""),
            "HOME": str(self.root),
        }
        proc = subprocess.run(
            ["git", "http-backend"], input=body, capture_output=True, env=env, check=False, timeout=60
        )
        head, _, payload = proc.stdout.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        h.send_response(status)
        for name, value in headers:
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)


def bare_repository(root: Path, name: str, files: dict[str, str], *, branch: str = "main") -> Path:
    """A bare repository ``root/name.git`` with one commit of ``files`` on ``branch``."""
    work = root / f"{name}-work"
    work.mkdir(parents=True)
    committed(work, files, branch=branch)
    bare = root / f"{name}.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(bare), "config", "http.receivepack", "true"], check=True)
    return bare
