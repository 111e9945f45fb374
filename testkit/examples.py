"""How many examples a property test tries.

The whole suite (``scripts/test.sh``, which CI runs) sets ``GITOPS_BOT_TEST_DEPTH=full`` and
every property test tries its full count. Run alone (the inner loop, ``pytest -m "not e2e and
not shipped"``), each tries a fifth of it, at least 10, so every property still runs on every
edit while the edit-test cycle stays under a minute. Hypothesis keeps the failing examples it
finds in its database and tries them first next time, whichever depth found them.
"""

from __future__ import annotations

import os


def examples(full: int) -> int:
    if os.environ.get("GITOPS_BOT_TEST_DEPTH", "") == "full":
        return full
    return max(10, full // 5)
