"""HTTP/2's modules loaded only when a connection speaks HTTP/2.

httpcore imports its HTTP/2 connection classes, and with them ``h2``, ``hpack`` and
``hyperframe`` (~10 ms, a twentieth of a small run's start), from its ``_sync`` and ``_async``
packages' ``__init__`` whenever ``h2`` is installed, though HTTP/2 is off unless a registry sets
``http2: true``. Its connection module imports the same class again where it opens an HTTP/2
connection, and httpx checks ``import h2`` where a client asks for HTTP/2; so refusing only the
eager import (the package still initialising) leaves HTTP/2 whole for the runs that use it.

Read by :mod:`gitops_bot`'s ``__init__``, before anything imports httpcore; the attributes of
httpcore and importlib relied on are pinned by ``tests/unit/net/test_library_internals.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

DEFERRED = {"httpcore._sync.http2": "httpcore._sync", "httpcore._async.http2": "httpcore._async"}


class DeferHTTP2:
    """A meta path finder that refuses httpcore's HTTP/2 module while its package is still
    running its ``__init__`` (httpcore catches the ImportError and puts a placeholder that
    nothing of httpx uses), and steps aside for every other import."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        package = DEFERRED.get(name)
        if package is None:
            return None
        parent = sys.modules.get(package)
        spec = getattr(parent, "__spec__", None)
        if getattr(spec, "_initializing", False):  # importlib's own flag while a module runs
            raise ImportError(f"{name} loads with the first HTTP/2 connection", name=name)
        return None


def install() -> None:
    """Once per process, and only before httpcore is imported (afterwards it is too late)."""
    if "httpcore" in sys.modules or any(isinstance(f, DeferHTTP2) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, DeferHTTP2())
