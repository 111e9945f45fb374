"""The ``gitops-bot`` command (the console script) and ``python -m gitops_bot``."""

from __future__ import annotations

import gc
import sys


def main() -> int:
    """Start up with the cyclic collector off: the command line and the command's modules make
    ~70,000 long-lived objects (modules, classes, functions, constants) that the collector
    walked again and again while they were made, then once more at exit (~25 ms of a one-image
    plan). Once the command's modules are in, the command line freezes them (never
    walked again) and turns the collector on for the run's own garbage."""
    gc.disable()
    try:
        from gitops_bot import cli

        return cli.main()
    finally:
        gc.enable()  # a run that ended before its start-up did (a usage error, --help)


if __name__ == "__main__":
    sys.exit(main())
