"""The ``gitops-bot`` command (the console script) and ``python -m gitops_bot``."""

from __future__ import annotations

import gc
import sys

from gitops_bot import GC_THRESHOLDS

# The run's collector rule (see ``GC_THRESHOLDS``) from its first allocation: importing the
# command line and a command's modules makes tens of thousands of objects, none of them cyclic
# garbage, which at the default threshold (700) the collector walked ~56 times (~9 ms).
gc.set_threshold(*GC_THRESHOLDS)

from gitops_bot.cli import main  # noqa: E402  (after the collector's threshold, as said above)

if __name__ == "__main__":
    sys.exit(main())
