"""Flux's image-automation setter semantics, written independently of ``gitops_bot`` so the
corpus goldens of files with ``$imagepolicy`` markers are judged by what Flux itself would
write (fluxcd/image-automation-controller ``internal/update``): every scalar whose line comment
is ``{"$imagepolicy": "NS:POLICY[:FIELD]"}`` for the requested policy is replaced by the
policy's latest reference (no field), its tag (``:tag``), its name (``:name``) or its digest
(``:digest``), quotes and comment kept; nothing else in the file changes. A part the request
does not give (no new name, no tag) leaves the scalars of that part as they are, except the
digest: a request with a tag is a policy's latest reference, and ``setters.go`` defines the
``:digest`` setter as that reference's digest even when it has none, so a tag without a digest
writes ``""`` there."""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKED = re.compile(
    r"""^(?P<head>[^#\n]*?:[ \t]+|[ \t]*-[ \t]+)(?P<quote>["']?)(?P<value>[^"'\s#]*)(?P=quote)"""
    r"""(?P<gap>[ \t]+)\#[ \t]*\{"\$imagepolicy":[ \t]*"(?P<ns>[^:"]+):(?P<policy>[^:"]+)"""
    r"""(?::(?P<field>tag|name|digest))?"\}""",
    re.M,
)


@dataclass(frozen=True)
class PolicyRequest:
    """``NS:POLICY[=NEWNAME][:TAG][@DIGEST]`` as the command line writes it."""

    namespace: str
    policy: str
    name: str | None
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, arg: str) -> PolicyRequest:
        digest = None
        if "@" in arg:
            arg, digest = arg.split("@", 1)
        namespace, rest = arg.split(":", 1)
        name = None
        if "=" in rest:
            rest, name = rest.split("=", 1)
            name, _, tag_part = name.partition(":")
            tag = tag_part or None
            return cls(namespace, rest, name, tag, digest)
        policy, _, tag = rest.partition(":")
        return cls(namespace, policy, None, tag or None, digest)


def _split(ref: str) -> tuple[str, str | None, str | None]:
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :], digest
    return ref, None, digest


def policies(text: str) -> list[tuple[str, str, str | None]]:
    """(namespace, policy, field) of every marker, in file order."""
    return [(m["ns"], m["policy"], m["field"]) for m in MARKED.finditer(text)]


def apply(text: str, request: PolicyRequest) -> str:
    def one(m: re.Match[str]) -> str:
        if (m["ns"], m["policy"]) != (request.namespace, request.policy):
            return m[0]
        value = m["value"]
        field = m["field"]
        if field == "tag":
            value = request.tag or value
        elif field == "name":
            value = request.name or value
        elif field == "digest":
            value = request.digest or ("" if request.tag else value)
        else:
            name, tag, _ = _split(value)
            new = (request.name or name) + ":" + (request.tag or tag or "latest")
            value = new + (f"@{request.digest}" if request.digest else "")
        if not value and not m["quote"]:
            value = '""'  # an empty plain scalar would read as null; kyaml writes an empty string so
        return m[0][: m.start("value") - m.start()] + value + m[0][m.end("value") - m.start() :]

    return MARKED.sub(one, text)
