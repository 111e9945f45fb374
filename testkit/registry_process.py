"""Start Debian's ``docker-registry`` (the CNCF distribution registry, as in ``registry:2``)
on a free loopback port with a generated config, and stop it again."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import httpx

BINARY_CANDIDATES = ("docker-registry", "registry")
# The suite's session registries serve every push and pull of a worker's tests for the whole
# run, and Go's collector was about a third of their CPU: 300 images pushed, listed and HEADed
# cost the registry 9.2-11.2 s of CPU (median 9.2, five runs) with the default collector,
# 6.4-6.6 s with it off below 128 MiB (peak resident 29 -> 135 MB). Only the suite's shared
# registries take it (tests/conftest.py): a registry a test or bench starts itself keeps the
# environment it is given.
SUITE_GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "128MiB"}


def find_binary() -> str:
    for name in BINARY_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("docker-registry is not installed: apt-get install -y docker-registry")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RegistryProcess:
    """A running registry. ``host`` is ``127.0.0.1:PORT``; ``url`` has the scheme."""

    root: Path
    auth: dict[str, Any] | None = None
    tls: tuple[Path, Path] | None = None  # (cert, key)
    # notification endpoints: [{name, url, headers, timeout, threshold, backoff, ignore}]
    notifications: list[dict[str, Any]] | None = None
    # extra environment for the registry process (e.g. the Go runtime's GOGC, as an operator
    # tunes a registry), over this process's own less its REGISTRY_* variables
    env: dict[str, str] | None = None
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def config(self) -> dict[str, Any]:
        http: dict[str, Any] = {
            "addr": self.host,
            "secret": "gitops-bot-test",
            "headers": {"X-Content-Type-Options": ["nosniff"]},
        }
        if self.tls:
            http["tls"] = {"certificate": str(self.tls[0]), "key": str(self.tls[1])}
        cfg: dict[str, Any] = {
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.root / "data")},
                "delete": {"enabled": True},
            },
            "http": http,
        }
        if self.auth:
            cfg["auth"] = self.auth
        if self.notifications:
            cfg["notifications"] = {"endpoints": self.notifications}
        return cfg

    def start(self, timeout: float = 15.0) -> Self:
        self.root.mkdir(parents=True, exist_ok=True)
        config_path = self.root / "config.yml"
        config_path.write_text(json.dumps(self.config()))  # JSON is YAML
        log = (self.root / "registry.log").open("wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update(self.env or {})
        self.proc = subprocess.Popen(
            [find_binary(), "serve", str(config_path)], stdout=log, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"registry exited: {(self.root / 'registry.log').read_text()[-2000:]}")
            try:
                r = httpx.get(f"{self.url}/v2/", verify=False, timeout=1)
                if r.status_code in (200, 401):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"registry did not start in {timeout}s: {(self.root / 'registry.log').read_text()[-2000:]}"
        )

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
