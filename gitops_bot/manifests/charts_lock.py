"""``Chart.lock`` kept in step with an edited ``Chart.yaml``, its digest computed as Helm does.

Helm (``internal/resolver.HashReq``, checked by ``helm dependency build``, which refuses a lock
"out of sync with the dependencies file" otherwise) hashes::

    "sha256:" + hex(sha256(json.Marshal([2][]*chart.Dependency{req, lock})))

``req`` being ``Chart.yaml``'s dependencies as loaded (``Dependency.Validate`` maps whitespace
to a space and drops unprintable characters of name, version, repository and tags) and
``lock`` the lock's. Go's ``encoding/json`` writes struct fields in declaration order (name,
version, repository, condition, tags, enabled, import-values, alias; empty ones left out but
for name and repository), map keys sorted, no spaces, and escapes ``<``, ``>``, ``&``,
U+2028 and U+2029. :func:`hash_req` does the same.

Before writing, the old lock's digest is recomputed from the old state (the changed exact
pins at their old lock versions): a lock already out of sync, or one hashed over repository
aliases (``@stable``) that Helm resolved from the locking machine's repository list, cannot be
kept in sync from the files alone, and is refused rather than given a digest Helm would reject.
``generated:`` is left as it was (``helm dependency build`` does not read it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import nodes
from gitops_bot.manifests.charts_refs import is_exact, repository_key
from gitops_bot.manifests.yamltext import Op, Source, Text, apply_ops, check_scalar

LOCK = "Chart.lock"
_FIELDS = ("name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias")
_ALWAYS = ("name", "repository")
_SANITIZED = ("name", "version", "repository")
# Plain scalars go-yaml v2 (under sigs.k8s.io/yaml, Helm's Chart.yaml reader) reads as booleans
# where YAML 1.1 readers do not: ``parent: y`` in import-values is hashed as ``"parent":true``.
_GO_BOOL = frozenset({"y", "Y", "n", "N"})
_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def hash_req(req: list[dict[str, Any]], lock: list[dict[str, Any]]) -> str:
    data = _go_json([[_ordered(d) for d in req], [_ordered(d) for d in lock]])
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def _ordered(dep: dict[str, Any]) -> dict[str, Any]:
    return {f: dep.get(f, "") for f in _FIELDS if f in _ALWAYS or dep.get(f)}


def _go_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(_HTML.get(c, c) for c in text)


def _sanitize(value: str) -> str:
    return "".join(" " if c.isspace() else c for c in value if c.isspace() or c.isprintable())


def relock(chart_yaml: str, chart_lock: str, changes: Mapping[tuple[str, str], str]) -> str:
    """The lock for ``chart_yaml`` (``changes``: (name, repository key) -> new version)."""
    req_root = nodes.compose(Source.of(chart_yaml).body, "Chart.yaml")
    req = [_dependency(d, "Chart.yaml", sanitize=True) for d in _deps(req_root, "Chart.yaml")]
    src = Source.of(chart_lock)
    t = Text(src)
    root = nodes.compose(src.body, LOCK)
    lock_nodes = _deps(root, LOCK)
    lock = [_dependency(d, LOCK) for d in lock_nodes]
    digest = nodes.get(root, "digest")
    if digest is None or not nodes.is_scalar(digest[1]):
        raise ManifestError(LOCK, None, "has no digest", hint="run 'helm dependency update' once")
    keys = [(d["name"], repository_key(d["repository"])) for d in req]
    # The state the old digest was computed from: exact pins equal their lock versions.
    old_req = [
        {**d, "version": old["version"]} if k in changes and is_exact(d.get("version", "")) and old else d
        for d, k in zip(req, keys, strict=True)
        for old in [_locked(lock, k)]
    ]
    if hash_req(old_req, lock) != digest[1].value:
        raise ManifestError(
            LOCK,
            digest[1].start_mark.line + 1,
            "its digest does not match Chart.yaml's dependencies (out of sync already, or hashed over "
            "repository aliases resolved on the machine that locked it), so it cannot be kept in sync",
            hint="run 'helm dependency update' and commit the lock; write repositories as URLs",
        )
    subs: dict[int, str] = {}
    ops: list[Op] = []
    new_lock = []
    for dep, node in zip(lock, lock_nodes, strict=True):
        key = (dep["name"], repository_key(dep["repository"]))
        want = _wanted(req, keys, key, changes)
        version = nodes.get(node, "version")
        if want is not None and want != dep.get("version") and version is not None:
            check_scalar(t, version[1], LOCK)
            subs[id(version[1])] = want
            ops.append(t.replace(version[1], want, flow=bool(node.flow_style)))
            dep = {**dep, "version": want}
        new_lock.append(dep)
    new_digest = hash_req(req, new_lock)
    if new_digest != digest[1].value:
        subs[id(digest[1])] = new_digest
        ops.append(t.replace(digest[1], new_digest))
    if not ops:
        return chart_lock
    body = apply_ops(src.body, ops)
    nodes.confirm(nodes.plain(root, subs), body, LOCK, rule="only the changed versions and the digest change")
    return src.bom + body


def _wanted(
    req: list[dict[str, Any]], keys: list[tuple[str, str]], key: tuple[str, str], changes: Mapping[Any, str]
) -> str | None:
    """A locked dependency's new version: Chart.yaml's own when it pins one exactly, else (a
    range, left alone in Chart.yaml) the version asked for, which the caller chose within it."""
    if key not in changes:
        return None
    for d, k in zip(req, keys, strict=True):
        if k == key and is_exact(d.get("version", "")):
            return str(d["version"])
    return changes[key]


def _locked(lock: list[dict[str, Any]], key: tuple[str, str]) -> dict[str, Any] | None:
    for d in lock:
        if (d["name"], repository_key(d["repository"])) == key:
            return d
    return None


def _deps(root: Any, filename: str) -> list[Any]:
    found = nodes.get(root, "dependencies") if nodes.is_map(root) else None
    if found is None or not nodes.is_seq(found[1]):
        raise ManifestError(filename, None, "has no dependencies list", hint="it is not an umbrella chart")
    for d in found[1].value:
        if not nodes.is_map(d):
            raise ManifestError(filename, d.start_mark.line + 1, "a dependency that is not a mapping")
    return list(found[1].value)


def _dependency(node: Any, filename: str, *, sanitize: bool = False) -> dict[str, Any]:
    """A dependency as Go's ``chart.Dependency`` would hold it; values whose Go reading is not
    certain from the YAML (numbers or booleans in string fields) are refused."""
    out: dict[str, Any] = {}
    for k, v in node.value:
        key = k.value
        if key not in _FIELDS:
            continue
        value = _value(v, filename, want_bool=key == "enabled")
        if sanitize and key in _SANITIZED and isinstance(value, str):
            value = _sanitize(value)
        if sanitize and key == "tags" and isinstance(value, list):
            value = [_sanitize(x) for x in value]
        out[key] = value
    out.setdefault("name", "")
    out.setdefault("repository", "")
    return out


def _value(node: Any, filename: str, *, want_bool: bool = False) -> Any:
    if nodes.is_null(node):
        return ""
    if nodes.is_seq(node):
        return [_value(n, filename) for n in node.value]
    if nodes.is_map(node):
        return {str(k.value): _value(v, filename) for k, v in node.value}
    if want_bool and node.tag.endswith(":bool"):
        return node.value in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON")
    if node.tag.endswith(":str") and (
        node.style or (nodes.reads_as_string(node.value) and node.value not in _GO_BOOL)
    ):
        return str(node.value)
    raise ManifestError(
        filename,
        node.start_mark.line + 1,
        f"{node.value!r} is not written as a string, so Helm's digest over it is uncertain",
        hint="quote it",
    )
