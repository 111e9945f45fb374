"""A loopback TCP server for tests that speak raw bytes: each accepted connection is handed to
``handler`` in a thread of its own, until the listener is closed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable


def serve_each(handler: Callable[[socket.socket], None], host: str = "127.0.0.1") -> socket.socket:
    """The listening socket (on a free port: ``getsockname()[1]``); close it to stop accepting."""
    listener = socket.create_server((host, 0))

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener
