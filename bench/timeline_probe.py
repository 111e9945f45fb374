"""Run ``gitops-bot`` in this interpreter and write a timeline of what it did to ``$TIMELINE_OUT``.

Started as ``<product python> bench/timeline_probe.py plan --repo ...``: nothing in the product
changes. Each event is (what, wall seconds since this interpreter started, CPU seconds of the
whole process by then, detail):

- ``main``: the console script's entry is about to be imported (the interpreter is up);
- ``open``: a file under the repository read (``--repo``): the configuration, the overlay;
- ``spawn``: a child process started (git, kubectl), with its arguments;
- ``connect``: a socket connected (a new connection to the registry);
- ``send`` / ``headers`` / ``closed``: each registry request's start, its answer's head, and its
  body read and closed (where it enters httpcore: a pool, or a connection asked directly);
- ``output``: the first write to standard output; ``exit``: the interpreter's end.

The pool's class is patched before the command line is imported, which moves httpcore's import
ahead of the rest; the plan imports it anyway, so the time is the same, only earlier.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import time

_T0 = time.monotonic() - float(os.environ.get("TIMELINE_STARTED", "0") or 0)
_EVENTS: list[tuple[str, float, float, str]] = []
_LOCK = threading.Lock()


def _event(what: str, detail: str = "") -> None:
    now, cpu = time.monotonic() - _T0, time.process_time()
    with _LOCK:
        _EVENTS.append((what, now, cpu, detail))


def _repo() -> str:
    argv = sys.argv
    for i, a in enumerate(argv):
        if a == "--repo" and i + 1 < len(argv):
            return os.path.realpath(argv[i + 1])
    return os.getcwd()


def _audit(repo: str):  # type: ignore[no-untyped-def]
    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and isinstance(args[0], str) and args[0].startswith(repo):
            if ".git/" not in args[0]:
                _event("open", os.path.relpath(args[0], repo))
        elif event == "socket.connect":
            _event("connect", str(args[1]))
        elif event == "subprocess.Popen":
            given = args[1]
            argv = [str(a) for a in given] if isinstance(given, list | tuple) and given else [str(args[0])]
            _event("spawn", " ".join([os.path.basename(argv[0]), *argv[1:]])[:160])

    return hook


def _patch_pool() -> None:
    """Time each request where it enters httpcore: its pool, or one of its connections asked
    directly (an older tree's registry requests); the outermost call only."""
    import httpcore

    inside = threading.local()

    def timed(handle):  # type: ignore[no-untyped-def]
        def handle_request(self, request):  # type: ignore[no-untyped-def]
            if getattr(inside, "on", False):
                return handle(self, request)
            target = request.url.target.decode("ascii", "replace")
            _event("send", f"{request.method.decode()} {target}")
            inside.on = True
            try:
                response = handle(self, request)
            finally:
                inside.on = False
            _event("headers", f"{response.status} {target}")
            response.extensions["timeline_target"] = target
            return response

        return handle_request

    close = httpcore.Response.close

    def closed(self):  # type: ignore[no-untyped-def]
        _event("closed", str(self.extensions.get("timeline_target", "")))
        return close(self)

    for cls in (httpcore.ConnectionPool, httpcore.HTTPConnection):
        cls.handle_request = timed(cls.handle_request)  # type: ignore[method-assign, no-untyped-call]
    httpcore.Response.close = closed  # type: ignore[method-assign]


def _patch_stdout() -> None:
    write = sys.stdout.write
    first = [True]

    def written(text: str) -> int:
        if first[0]:
            first[0] = False
            _event("output")
        return write(text)

    sys.stdout.write = written  # type: ignore[method-assign]


def _dump() -> None:
    _event("exit")
    with open(os.environ["TIMELINE_OUT"], "w", encoding="utf-8") as f:
        json.dump(_EVENTS, f)


def main() -> None:
    sys.argv = ["gitops-bot", *sys.argv[1:]]
    sys.path.pop(0)  # bench/ is not on the product's path
    atexit.register(_dump)
    sys.addaudithook(_audit(_repo()))
    _patch_pool()
    _patch_stdout()
    _event("main")
    import runpy

    runpy.run_module("gitops_bot", run_name="__main__")


if __name__ == "__main__":
    main()
