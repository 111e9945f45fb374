"""gitops-bot and Renovate side by side on a registry that hands out bearer tokens per
repository scope, as GHCR, Docker Hub, Quay and Harbor do.

The registry: the real distribution registry (``docker-registry``) with ``auth: token`` over
TLS (a private CA), reading the storage ``bench/renovate_bench.py`` seeds (N repositories of M
tags); the token service: ``testkit.token_issuer.TokenIssuer`` over TLS, which checks the
user's password, honours several ``scope`` parameters in one request and signs JWTs (RS256,
``expires_in`` 300 s, ``issued_at``) with a key whose certificate the registry trusts
(``rootcertbundle``), naming it by ``kid`` as Harbor's and GitLab's token services do, or with
``--signing x5c`` carrying the certificate, whose chain the registry then verifies on every
request. Each behind its own delay relay at ``--rtt`` (40 ms by default), as a
registry and its token service on the other side of a network are. The token service runs in
a process of its own: in this one, its signing held the relays' interpreter, and every
request through them waited for it. Both tools log in with a
user name and password and trust the CA:

- gitops-bot: ``plan --output json`` of the product as installed (``bench/product.py``), with
  ``ca_file``, ``username_env`` and ``password_env`` for the registry, nothing else;
- Renovate (as ``bench/renovate_bench.py`` runs it: its ``local`` platform, ``dryRun: lookup``),
  with ``hostRules`` giving the user name and password and ``NODE_EXTRA_CA_CERTS`` the CA.

Beside them, the yardstick of the goal: gitops-bot against the same storage served by a plain
registry (http, no auth) behind the same delay, as ``bench/renovate_bench.py`` measures it; and
by a registry over TLS without auth, which tells TLS's share from the tokens'. Runs are
interleaved, ``--runs`` each; medians of wall, CPU (user + system, children included) and peak
RSS; requests counted where they are served: the registry's access log (its 401s apart) and
the token service's record; the registry process's CPU a request (it checks a JWT's signature
on every request of the token registry, on the same 2 cores as the bot). The load average is
printed with each run.

    .venv/bin/python bench/token_registry_bench.py --repos 200 1000 --runs 5 [--signing x5c]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import product
from latency_bench import REGISTRY_ENV, write_repo
from measure import process_cpu
from plan_bench import seed
from renovate_bench import LoggedRegistry, _run, tools, version

from testkit import certs
from testkit.relay import DelayRelay
from testkit.token_issuer import ISSUER, SERVICE, SIGNINGS

# the token service in a child process: one line of its log a request it served
_ISSUER = """
import sys
from pathlib import Path
from testkit.token_issuer import TokenIssuer
cert, key, bundle, log, user, password, signing = sys.argv[1:8]

class Counted(list):
    def append(self, item):
        with open(log, "a") as f:
            f.write("request\\n")
        super().append(item)

issuer = TokenIssuer(
    users={user: password}, tls=(Path(cert), Path(key)), requests=Counted(), signing=signing
).start()
Path(bundle).write_bytes(issuer.signer.cert_pem)
print(issuer.host, flush=True)
sys.stdin.read()  # until the bench ends
issuer.stop()
"""

USER, PASSWORD = "bench", "bench-password-7"
PLAIN, TLS = "gitops-bot, plain registry (http, no auth)", "gitops-bot, TLS, no auth"
BOT, RENOVATE = "gitops-bot", "Renovate"
_REFUSED = re.compile(rb'"(?:GET|HEAD) /v2/[^"]*" 401 ')


@dataclass
class Served(LoggedRegistry):
    """A logged registry reading another's storage (the seeded one), with its own config and
    log: the plain and the token registry serve the same repositories side by side."""

    storage: Path | None = None

    def config(self) -> dict[str, Any]:
        cfg = super().config()
        if self.storage is not None:
            cfg["storage"]["filesystem"]["rootdirectory"] = str(self.storage)
        return cfg

    def refused(self) -> int:
        return len(_REFUSED.findall((self.root / "registry.log").read_bytes()))

    def cpu(self) -> float:
        assert self.proc is not None
        return process_cpu(self.proc.pid)


def bot_repository(root: Path, host: str, repos: int, ca_file: Path | None) -> Path:
    """``latency_bench``'s repository; with ``ca_file``, the registry's login by variables."""
    write_repo(root, host, repos, ca_file=ca_file)
    if ca_file is not None:
        config = root / "gitops-bot.yaml"
        config.write_text(
            config.read_text().replace(
                f"    ca_file: {ca_file}\n",
                f"    ca_file: {ca_file}\n    username_env: BENCH_USER\n    password_env: BENCH_PASSWORD\n",
            )
        )
    return root


def renovate_repository(root: Path, host: str, repos: int) -> Path:
    write_repo(root, host, repos)
    rules = {
        "enabledManagers": ["kustomize"],
        "hostRules": [{"matchHost": host, "username": USER, "password": PASSWORD}],
    }
    (root / "renovate.json").write_text(json.dumps(rules, indent=2) + "\n")
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"]):
        subprocess.run(["git", *argv], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "bench"],
        cwd=root,
        check=True,
    )
    return root


class TokenService:
    """``testkit.token_issuer.TokenIssuer`` in a child process; :meth:`served` counts its requests."""

    def __init__(self, work: Path, cert: Path, key: Path, signing: str) -> None:
        self.bundle, self.log = work / "token-signer.crt", work / "token-requests.log"
        self.log.touch()
        argv = [str(cert), str(key), str(self.bundle), str(self.log), USER, PASSWORD, signing]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _ISSUER, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=product.ROOT,
            env={**os.environ, "PYTHONPATH": str(product.ROOT)},
        )
        assert self.proc.stdout is not None
        self.host = self.proc.stdout.readline().strip()

    def registry_auth(self, realm: str) -> dict[str, Any]:
        return {
            "token": {
                "realm": realm,
                "service": SERVICE,
                "issuer": ISSUER,
                "rootcertbundle": str(self.bundle),
            }
        }

    def served(self) -> int:
        return self.log.read_text().count("\n")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


@dataclass
class Run:
    wall: float
    cpu: float
    rss: float
    registry: float  # requests the registry served, its 401s included
    refused: float  # of which 401s
    tokens: float  # requests the token service served
    registry_cpu: float  # the registry process's, seconds
    load: float


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--tags", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rtt", type=float, default=0.040)
    ap.add_argument("--cache", type=Path, default=Path(".bench"))
    ap.add_argument("--tools", type=Path, default=Path.home() / ".cache/gitops-bot-bench")
    ap.add_argument("--without-renovate", action="store_true", help="the bot's two rows alone")
    ap.add_argument(
        "--signing",
        choices=SIGNINGS,
        default="kid",
        help="how the token service names its key: kid (Harbor's, GitLab's) or an x5c chain",
    )
    args = ap.parse_args()
    exe = product.product(args.cache)
    node, renovate = tools(args.tools)
    base_env = product.installed_env()
    base_env["PATH"] = (
        f"{product.ROOT / '.tools/bin'}{os.pathsep}{base_env['PATH']}"  # kubectl, as on a runner
    )
    loads = [f"{os.getloadavg()[0]:.1f} at start"]
    rows: list[tuple[int, dict[str, list[Run]]]] = []
    for n in args.repos:
        work = Path(tempfile.mkdtemp(prefix="token-bench-"))
        data = args.cache.resolve() / f"registry-{n}x{args.tags}"
        if not (data / "seeded").exists():
            with LoggedRegistry(data, env=REGISTRY_ENV) as reg:
                seed(reg, n, args.tags)
            (data / "seeded").touch()
        ca_pair, ca_key, ca_cert = certs.make_ca()
        ca, _ = ca_pair.write(work, "ca")
        cert, key = certs.make_server_cert(ca_key, ca_cert).write(work, "server")
        issuer = TokenService(work, cert, key, args.signing)
        try:
            with DelayRelay(issuer.host, args.rtt / 2) as token_relay:
                auth = issuer.registry_auth(f"https://{token_relay.host}/token")
                token_reg = Served(
                    work / "token-registry",
                    auth=auth,
                    tls=(cert, key),
                    env=REGISTRY_ENV,
                    storage=data / "data",
                )
                plain_reg = Served(work / "plain-registry", env=REGISTRY_ENV, storage=data / "data")
                tls_reg = Served(
                    work / "tls-registry", tls=(cert, key), env=REGISTRY_ENV, storage=data / "data"
                )
                with (
                    token_reg,
                    DelayRelay(token_reg.host, args.rtt / 2) as token_relay_reg,
                    plain_reg,
                    DelayRelay(plain_reg.host, args.rtt / 2) as plain_relay,
                    tls_reg,
                    DelayRelay(tls_reg.host, args.rtt / 2) as tls_relay,
                ):
                    token_host = token_relay_reg.host
                    bots = {
                        PLAIN: (bot_repository(work / "plain", plain_relay.host, n, None), plain_reg),
                        TLS: (bot_repository(work / "tls", tls_relay.host, n, ca), tls_reg),
                        BOT: (bot_repository(work / "token", token_host, n, ca), token_reg),
                    }
                    renovate_repo = renovate_repository(work / "renovate", token_host, n)
                    names = [PLAIN, TLS, BOT] + ([] if args.without_renovate else [RENOVATE])
                    results: dict[str, list[Run]] = {name: [] for name in names}
                    for run in range(args.runs):
                        for name in names:
                            base = work / f"renovate-{run}"
                            if name in bots:
                                repo, reg = bots[name]
                                cmd = [str(exe), "plan", "--repo", str(repo), "--output", "json"]
                                env = {**base_env, "BENCH_USER": USER, "BENCH_PASSWORD": PASSWORD}
                                cwd = None
                            else:
                                reg, cwd = token_reg, renovate_repo
                                cmd = [str(node), str(renovate)]
                                env = {
                                    **base_env,
                                    "HOME": str(base / "home"),
                                    "RENOVATE_PLATFORM": "local",
                                    "RENOVATE_BASE_DIR": str(base),
                                    "NODE_EXTRA_CA_CERTS": str(ca),
                                }
                            served, refused, issued = reg.served(), reg.refused(), issuer.served()
                            reg_cpu = reg.cpu()
                            started = time.monotonic()
                            done = _run(cmd, env, cwd)
                            wall = time.monotonic() - started
                            if done.returncode != 0:
                                print(done.stderr[-3000:] or done.stdout[-3000:], file=sys.stderr)
                                return 1
                            if name in bots:
                                summary = json.loads(done.stdout)["summary"]
                                assert summary["updates"] == n, summary  # every image read
                            r = Run(
                                wall,
                                done.cpu,
                                done.peak_rss_mb,
                                reg.served() - served,
                                reg.refused() - refused,
                                issuer.served() - issued if reg is token_reg else 0,
                                reg.cpu() - reg_cpu,
                                os.getloadavg()[0],
                            )
                            results[name].append(r)
                            print(
                                f"N={n} {name} run {run + 1}: wall {wall:.2f} s, CPU {r.cpu:.2f} s, "
                                f"peak RSS {r.rss:.0f} MB, {r.registry} registry requests ({r.refused} "
                                f"401s) + {r.tokens} token requests = {(r.registry + r.tokens) / n:.2f} "
                                f"an image, registry CPU {1000 * r.registry_cpu / r.registry:.2f} ms "
                                f"a request, load average {r.load:.1f}",
                                flush=True,
                            )
                            shutil.rmtree(base, ignore_errors=True)
                    rows.append((n, results))
        finally:
            issuer.stop()
    loads.append(f"{os.getloadavg()[0]:.1f} at the end")
    print()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"{args.rtt * 1000:.0f} ms RTT, tokens signed with {args.signing}, medians of {args.runs} "
        f"interleaved runs, load average "
        f"{', '.join(loads)}; {version(node, renovate)}"
    )
    print(
        "| images | tool, registry | wall | CPU | requests: registry (401s) + token | an image "
        "| peak RSS | registry CPU a request | wall vs gitops-bot | CPU vs gitops-bot |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n, results in rows:
        med = {name: _median(runs) for name, runs in results.items()}
        b = med[BOT]
        for name, m in med.items():
            label = f"{name}, token auth over TLS" if name in (BOT, RENOVATE) else name
            print(
                f"| {n} | {label} | {m.wall:.2f} s | {m.cpu:.2f} s | {m.registry:.0f} ({m.refused:.0f}) + "
                f"{m.tokens:.0f} | {(m.registry + m.tokens) / n:.2f} | {m.rss:.0f} MB | "
                f"{1000 * m.registry_cpu / m.registry:.2f} ms | "
                f"{m.wall / b.wall:.2f}x | {m.cpu / b.cpu:.2f}x |"
            )
        print(
            f"N={n}: gitops-bot on the token registry {(b.registry + b.tokens) / n:.3f} requests an image "
            f"(goal <= 2.1), wall {b.wall / med[PLAIN].wall:.2f}x the plain registry's (goal <= 1.3) "
            f"and {b.wall / med[TLS].wall:.2f}x the TLS registry's without auth, "
            f"CPU {1000 * b.cpu / (b.registry + b.tokens):.2f} ms a request"
        )
    return 0


def _median(runs: list[Run]) -> Run:
    fields = Run.__dataclass_fields__
    return Run(*(statistics.median(float(getattr(r, name)) for r in runs) for name in fields))


if __name__ == "__main__":
    raise SystemExit(main())
