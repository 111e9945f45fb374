"""How chart versions and repositories compare (shared by the chart editors and the lock)."""

from __future__ import annotations

import functools
import re

from gitops_bot.core.record import record

# SemVer 2 as Helm's chart versions use it (a leading "v" is accepted by Masterminds/semver).
_EXACT = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?",
    re.ASCII,  # "\d" alone takes any script's digits ("1٣.0.0"), which no SemVer parser does
)


def is_exact(version: str) -> bool:
    # fullmatch: "$" would also match before a final newline ("1.2.3\n" is not a version)
    return bool(_EXACT.fullmatch(version.replace("_", "+", 1)))


def one_version(constraint: str) -> str | None:
    """The version a constraint naming one (Helm's ``=1.17.1``) pins, or None: Helm installs it
    alone, as it installs ``1.17.1``; no range, though the bot writes bare versions only."""
    bare = constraint.strip()
    if not bare.startswith("="):
        return None
    bare = bare[1:].strip()
    return bare if is_exact(bare) else None


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


@record
class AppVersion:
    """A ``Chart.yaml``'s top-level ``appVersion:`` line: its value as YAML reads it (quotes
    and a trailing comment not part of it; empty where the line gives none), and where the
    whole line stands in the text (``start``/``end``, 1-based ``line``) for a caller that
    writes a marker in its place."""

    value: str
    start: int
    end: int
    line: int


# compiled at its first use, not at import: only a Helm value left without a tag asks it, and a
# plan whose reading is rendered imports this module. A plain scalar ends before " #"; a quoted
# one is taken whole (no escapes in a version)
@functools.cache
def _app_version() -> re.Pattern[str]:
    return re.compile(
        r"""^appVersion:[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s'"#](?:[^\n#]|(?<=\S)\#)*?))?"""
        r"""[ \t]*(?:(?<=[ \t])\#[^\n]*)?$""",
        re.MULTILINE,
    )


def app_version(chart_yaml: str) -> AppVersion | None:
    """The chart's ``appVersion`` (what its templates commonly run where a values file leaves
    the image's tag empty: ``| default .Chart.AppVersion``), or None where no line sets it."""
    found = _app_version().search(chart_yaml)
    if found is None:
        return None
    value = next((g for g in found.groups() if g is not None), "")
    line = chart_yaml.count("\n", 0, found.start()) + 1
    return AppVersion(value.strip(), found.start(), found.end(), line)
