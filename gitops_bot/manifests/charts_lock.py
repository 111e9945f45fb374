"""``Chart.lock`` kept in step with an edited ``Chart.yaml``, its digest computed as Helm does.

Helm (``internal/resolver.HashReq``, checked by ``helm dependency build``, which refuses a lock
"out of sync with the dependencies file" otherwise) hashes::

    "sha256:" + hex(sha256(json.Marshal([2][]*chart.Dependency{req, lock})))

``req`` being ``Chart.yaml``'s dependencies as loaded (``Dependency.Validate`` maps whitespace
to a space and drops unprintable characters of name, version, repository, condition and tags) and
``lock`` the lock's. Go's ``encoding/json`` writes struct fields in declaration order (name,
version, repository, condition, tags, enabled, import-values, alias; empty ones left out but
for name and repository), map keys sorted, no spaces, and escapes ``<``, ``>``, ``&``,
U+2028 and U+2029. :func:`hash_req` does the same.

A repository alias (``@stable``, ``alias:stable``) is hashed as the URL Helm resolved it to
from the locking machine's repository list, which is the URL it locked at the same position.
Before writing, the old lock's digest is recomputed from the old state (the changed exact pins
at their old lock versions): a lock that does not reproduce is out of sync already, and is
refused rather than given a digest ``helm dependency build`` would reject.
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
from gitops_bot.manifests.yamltext import Op, Text, YamlText, apply_ops, check_scalar

LOCK = "Chart.lock"
FIELDS = ("name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias")
_ALWAYS = ("name", "repository")
_SANITIZED = ("name", "version", "repository", "condition")
# What go-yaml v2 (under sigs.k8s.io/yaml, Helm's Chart.yaml reader) reads as a boolean; y and n
# too, which YAML 1.1 readers such as PyYAML do not: ``parent: y`` in import-values (an untyped
# list) is hashed as ``"parent":true``.
_GO_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
_GO_BOOL = _GO_TRUE | frozenset(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def hash_req(req: list[dict[str, Any]], lock: list[dict[str, Any]]) -> str:
    data = _go_json([[_ordered(d) for d in req], [_ordered(d) for d in lock]])
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def _ordered(dep: dict[str, Any]) -> dict[str, Any]:
    return {f: dep.get(f, "") for f in FIELDS if f in _ALWAYS or dep.get(f)}


def _go_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(_HTML.get(c, c) for c in text)


def _sanitize(value: str) -> str:
    return "".join(" " if c.isspace() else c for c in value if c.isspace() or c.isprintable())


def digest(chart_yaml: str, chart_lock: str) -> str:
    """The digest Helm computes for these two files (the lock's own ``digest:`` when in sync)."""
    req, _ = _req(chart_yaml)
    _, _, lock_nodes = _lock(chart_lock)
    lock = [_dependency(d, LOCK) for d in lock_nodes]
    return hash_req(_resolved(req, lock), lock)


def relock(chart_yaml: str, chart_lock: str, changes: Mapping[tuple[str, str], str]) -> str:
    """The lock for ``chart_yaml`` (``changes``: (name, repository key) -> new version).

    Helm locks ``dependencies[i]`` as the lock's ``dependencies[i]``, so the two lists pair by
    position; a changed dependency's lock version becomes Chart.yaml's version where that is
    exact, else (a range, left alone in Chart.yaml) the version asked for, which the caller
    chose within the range."""
    req, keys = _req(chart_yaml)
    src, root, lock_nodes = _lock(chart_lock)
    lock = [_dependency(d, LOCK) for d in lock_nodes]
    found = nodes.get(root, "digest")
    if found is None or not nodes.is_scalar(found[1]) or len(lock) != len(req):
        raise _out_of_sync(found[1] if found else None)
    old_req, new_lock = [], []
    for d, k, locked in zip(req, keys, lock, strict=True):
        want = None if k not in changes else (d["version"] if is_exact(d.get("version", "")) else changes[k])
        old_req.append(
            {**d, "version": locked.get("version", "")} if want and is_exact(d.get("version", "")) else d
        )
        new_lock.append({**locked, "version": want} if want else locked)
    if hash_req(_resolved(old_req, lock), lock) != found[1].value:
        raise _out_of_sync(found[1])
    t = Text(src)
    subs: dict[int, str] = {}
    ops: list[Op] = []
    for node, old, new in zip(lock_nodes, lock, new_lock, strict=True):
        version = nodes.get(node, "version")
        if version is not None and id(version[1]) in subs:
            continue  # one entry reached twice through an alias: its span is written once
        if new.get("version") != old.get("version") and version is None:
            raise ManifestError(
                LOCK,
                node.start_mark.line + 1,
                f"dependency {old['name']!r} has no version to move, so the new digest would not match it",
                hint="run 'helm dependency update' and commit Chart.yaml and Chart.lock together",
            )
        if new.get("version") != old.get("version") and version is not None:
            check_scalar(t, version[1], LOCK)
            subs[id(version[1])] = new["version"]
            ops.append(t.replace(version[1], new["version"], flow=bool(node.flow_style)))
    new_digest = hash_req(_resolved(req, new_lock), new_lock)
    if new_digest != found[1].value:
        subs[id(found[1])] = new_digest
        ops.append(t.replace(found[1], new_digest))
    if not ops:
        return chart_lock
    body = apply_ops(src.body, ops)
    nodes.confirm(nodes.plain(root, subs), body, LOCK, rule="only the changed versions and the digest change")
    return src.bom + body


def _req(chart_yaml: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    root = nodes.compose(YamlText.of(chart_yaml).body, "Chart.yaml")
    req = [_dependency(d, "Chart.yaml", sanitize=True) for d in _deps(root, "Chart.yaml")]
    return req, [(d["name"], repository_key(d["repository"])) for d in req]


def _lock(chart_lock: str) -> tuple[YamlText, Any, list[Any]]:
    src = YamlText.of(chart_lock)
    root = nodes.compose(src.body, LOCK)
    return src, root, _deps(root, LOCK)


def _resolved(req: list[dict[str, Any]], lock: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``req`` as Helm hashes it: a repository alias (``@name``, ``alias:name``) replaced by the
    URL Helm resolved it to, which it locked at the same position."""
    if len(req) != len(lock):
        return req
    return [
        {**d, "repository": locked["repository"]} if d["repository"].startswith(("@", "alias:")) else d
        for d, locked in zip(req, lock, strict=True)
    ]


def _out_of_sync(node: Any) -> ManifestError:
    return ManifestError(
        LOCK,
        node.start_mark.line + 1 if node is not None else None,
        "its digest does not match Chart.yaml's dependencies (the lock is out of sync already), "
        "so it cannot be kept in sync",
        hint="run 'helm dependency update' and commit Chart.yaml and Chart.lock together",
    )


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
        if k.tag.endswith(":merge") or (key not in FIELDS and str(key).casefold() in FIELDS):
            # Helm reads both (a merge's keys; a key matched ignoring case), the hash here neither
            raise ManifestError(
                filename,
                k.start_mark.line + 1,
                f"key {key!r} is read by Helm in a way gitops-bot does not follow",
                hint="write the dependency's keys out, in lower case",
            )
        if key not in FIELDS:
            continue
        value = _value(v, filename, untyped=key in ("enabled", "import-values"))
        if sanitize and key in _SANITIZED and isinstance(value, str):
            value = _sanitize(value)
        if sanitize and key == "tags" and isinstance(value, list):
            value = [_sanitize(x) for x in value]
        out[key] = value
    out.setdefault("name", "")
    out.setdefault("repository", "")
    return out


def _value(node: Any, filename: str, *, untyped: bool = False) -> Any:
    """A scalar as Helm holds it: a string, or where Go's field is not a string (``enabled``,
    import-values' items) a boolean go-yaml v2 reads. A plain scalar whose Go reading differs
    from its text (a number, ``yes``, ``y``) in a string field is refused, not guessed."""
    if nodes.is_null(node):
        return ""
    if nodes.is_seq(node):
        return [_value(n, filename, untyped=untyped) for n in node.value]
    if nodes.is_map(node):
        return {str(k.value): _value(v, filename, untyped=untyped) for k, v in node.value}
    plain = not node.style
    if untyped and plain and node.value in _GO_BOOL:
        return node.value in _GO_TRUE
    if node.tag.endswith(":str") and (
        not plain or (nodes.reads_as_string(node.value) and node.value not in _GO_BOOL)
    ):
        return str(node.value)
    raise ManifestError(
        filename,
        node.start_mark.line + 1,
        f"{node.value!r} is not written as a string, so Helm's digest over it is uncertain",
        hint="quote it",
    )
