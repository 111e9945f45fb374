"""How chart versions and repositories compare (shared by the chart editors and the lock)."""

from __future__ import annotations

import re

# SemVer 2 as Helm's chart versions use it (a leading "v" is accepted by Masterminds/semver).
_EXACT = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?",
    re.ASCII,  # "\d" alone takes any script's digits ("1٣.0.0"), which no SemVer parser does
)


def is_exact(version: str) -> bool:
    # fullmatch: "$" would also match before a final newline ("1.2.3\n" is not a version)
    return bool(_EXACT.fullmatch(version.replace("_", "+", 1)))


def repository_key(url: str) -> str:
    """A repository URL as compared: no trailing ``/``, scheme and host in lower case, and a
    scheme-less one (Argo CD's Helm OCI form) read as ``oci://``."""
    url = url.strip().rstrip("/")
    if url.startswith(("@", "alias:", "file://")) or not url:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "oci", url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"
