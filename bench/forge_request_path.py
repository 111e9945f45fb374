"""The path one GitHub request takes through the bot: the functions and files of the forge
and client layers it enters (``gitops_bot/forges``, ``gitops_bot/net/service.py`` and
``net/retry.py``), how often a call enters another file than the call before, and how many
retry loops it enters, for a write (``POST /pulls``), a
create (the write and reading its answer) and a one-page listing, against a mocked GitHub.
A count, not a speed: it says how many places a reader follows to see what a request does.

    .venv/bin/python bench/forge_request_path.py [-v]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import httpx

from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.settings import GitHubConfig

PR = {
    "number": 1,
    "html_url": "https://github.example.com/acme/gitops/pull/1",
    "head": {"ref": "gitops-bot/x", "repo": {"full_name": "acme/gitops"}},
    "title": "t",
    "body": "b",
    "created_at": "2026-01-01T00:00:00Z",
}
LAYERS = ("forges/", "net/service", "net/retry")


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201 if request.method == "POST" else 200, json=PR if request.method == "POST" else [PR]
    )


def _entered(run: Callable[[], object]) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []

    def tracer(frame: FrameType, event: str, arg: Any) -> None:
        name = frame.f_code.co_filename
        if event == "call" and "/gitops_bot/" in name:
            seen.append((name.split("/gitops_bot/")[1], frame.f_code.co_qualname))

    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(None)
    return [s for s in seen if s[0].startswith(LAYERS)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", action="store_true", help="list the functions")
    verbose = parser.parse_args().v
    cfg = GitHubConfig(repository="acme/gitops", api_url="https://api.github.example.com", write_interval=0)
    hub = GitHub.connect(
        cfg, "acme/gitops", {"GITHUB_TOKEN": "ghp_x"}, transport=httpx.MockTransport(_answer)
    )
    hub.request("GET", "/user")  # the client built: its first request is not what is counted
    body = {"head": "gitops-bot/x", "base": "main", "title": "t", "body": "b", "draft": False}
    for label, run in (
        ("one request (POST /pulls)", lambda: hub.request("POST", "/repos/acme/gitops/pulls", json=body)),
        (
            "create (the request and its answer read)",
            lambda: hub.create("gitops-bot/x", "main", "t", "b", draft=False),
        ),
        ("listing (GET /pulls, one page)", lambda: hub.open_pulls("gitops-bot")),
    ):
        path = _entered(run)
        functions = list(dict.fromkeys(path))
        files = sorted({f for f, _ in functions})
        loops = path.count(("net/retry.py", "call"))
        # a call entering another file than the previous call's: how often a reader changes file
        hops = sum(1 for a, b in itertools.pairwise(path) if a[0] != b[0])
        counts = (
            f"{len(functions)} functions in {len(files)} files ({hops} file changes), {loops} retry loop(s)"
        )
        print(f"{label}: {counts}: {', '.join(files)}")
        if verbose:
            for f, name in functions:
                print(f"    {f} {name}")


if __name__ == "__main__":
    main()
