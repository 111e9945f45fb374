"""The ``gitops-bot`` command (the console script) and ``python -m gitops_bot``."""

from __future__ import annotations

import gc
import sys


def main() -> int:
    """Import the command line with the cyclic collector off, then freeze what the imports made
    and run with it on. Start-up makes ~100,000 long-lived objects (modules, classes, functions,
    constants) and the collector walked them again and again while they were made, then once
    more at exit: ~20 ms of a one-image plan's ~0.24 s. Frozen, they are never walked again;
    the run's own garbage is still collected."""
    gc.disable()
    try:
        from gitops_bot import cli
    finally:
        gc.freeze()
        gc.enable()
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
