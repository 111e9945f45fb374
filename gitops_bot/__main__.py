"""The ``gitops-bot`` command (the console script) and ``python -m gitops_bot``."""

from __future__ import annotations

import sys

from gitops_bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
