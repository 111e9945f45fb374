"""One repository's forge work in a ``watch`` cycle, alone: GitHub connected anew and the open
pull requests listed (a 304 once the listing is kept), as each cycle's run does, ``--calls``
times in a block; blocks with the watch's kept connections (``keeping``) and without,
interleaved. Each block prints the CPU of the calling thread a cycle (the loopback stand-in's
own thread is not counted) and the connections the stand-in accepted. ``--tls``: the stand-in
behind TLS, as a real forge is (every new connection a handshake), its CA trusted through
``SSL_CERT_FILE``.

    nice -n 5 .venv/bin/python bench/forge_cycle_bench.py --blocks 6 --calls 100 [--tls]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitops_bot.forges.github.adapter import GitHub  # noqa: E402
from gitops_bot.forges.settings import GitHubConfig  # noqa: E402
from gitops_bot.net.transport import KeptConnections, keeping  # noqa: E402
from testkit.github_server import FakeGitHub  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--tls", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="forge-cycle-"))
    remote = tmp / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    gh = FakeGitHub("acme/gitops", remote).keep_alive()
    url = gh.url
    if args.tls:
        from testkit.git_http import CA

        ca = CA(tmp)
        os.environ["SSL_CERT_FILE"] = str(ca.cert_file)
        gh.server.socket = ca.server_context("github").wrap_socket(gh.server.socket, server_side=True)
        url = url.replace("http://", "https://")
    figures: dict[str, list[float]] = {"anew": [], "kept": []}
    with gh:
        cfg = GitHubConfig(api_url=url, repository="acme/gitops")
        environ = {cfg.token_env: gh.token}

        def cycles() -> None:
            for _ in range(args.calls):
                GitHub.connect(cfg, "acme/gitops", environ).open_pulls("gitops-bot")

        kept = KeptConnections()
        for block in range(args.blocks):
            for mode in ("anew", "kept"):
                accepted, start = gh.server.accepted, time.thread_time()
                if mode == "kept":
                    with keeping(kept):
                        cycles()
                else:
                    cycles()
                each = (time.thread_time() - start) / args.calls
                figures[mode].append(each)
                print(
                    f"block {block} {mode}: {each * 1000:.3f} ms of CPU a cycle, "
                    f"{gh.server.accepted - accepted} connections for {args.calls} cycles",
                    flush=True,
                )
        kept.close()
    for mode, values in figures.items():
        print(f"{mode}: median {statistics.median(values) * 1000:.3f} ms a cycle")


if __name__ == "__main__":
    main()
