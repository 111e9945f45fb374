"""gitops-bot: the release stage of Build -> Release -> Run, by pull request."""

import sys as _sys

__version__ = "0.1.0"

# httpx's package init imports its command-line client, and with it click, rich and pygments
# (~0.1 s, a third of the CLI's start-up) whenever they are installed (sigstore brings them).
# This process never runs that client: marked absent, httpx falls back to its stub `main`.
if "httpx" not in _sys.modules:
    _sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
