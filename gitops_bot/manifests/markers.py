"""Marker comments: point gitops-bot at any YAML scalar no format knows.

Two spellings, both a JSON object in a comment at the end of the scalar's line:

* gitops-bot's own: ``# {"gitops-bot": "IMAGE"}`` where IMAGE is an image ``name`` from
  gitops-bot.yaml;
* Flux's setter: ``# {"$imagepolicy": "NAMESPACE:POLICY"}``, so a repository set up for Flux
  image automation works unchanged. POLICY (or ``NAMESPACE:POLICY``) is looked up as an image
  name.

A suffix says which part of the image the scalar holds: none for the whole reference
(``repo:tag@digest``), ``:tag``, ``:name`` (the repository) or ``:digest``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from gitops_bot.core.record import record
from gitops_bot.manifests import nodes
from gitops_bot.manifests.yamltext import Text

KEYS = ("gitops-bot", "$imagepolicy")
FIELDS = {"tag": "tag", "name": "repository", "digest": "digest"}
_COMMENT = re.compile(r"^\s+#\s*(\{.*\})\s*$")
# gitops-bot's own marker after the line's own comment (`# 0.13.0 # {"gitops-bot": ...}`): still
# the end of the line. Flux's setter keeps Flux's form, the whole comment, as Flux reads it
_OWN_AFTER = re.compile(r"^\s+#.*?#\s*(\{\s*\"gitops-bot\"\s*:.*\})\s*$")


@record
class Marker:
    """A scalar marked as an image's reference, repository, tag or digest."""

    names: tuple[str, ...]  # image names to look up, most specific first
    field: str  # reference | repository | tag | digest
    node: Any
    parent: Any  # the mapping or sequence holding the scalar
    flux: bool

    @property
    def flow(self) -> bool:
        return bool(self.parent.flow_style)

    @property
    def line(self) -> int:
        return int(self.node.start_mark.line) + 1


def parse(comment_json: str) -> tuple[tuple[str, ...], str, bool] | None:
    """(names, field, is_flux) from the JSON of a marker comment, or None if not a marker."""
    try:
        data = json.loads(comment_json)
    except ValueError:
        return None
    if not isinstance(data, dict) or len(data) != 1:
        return None
    key, value = next(iter(data.items()))
    if key not in KEYS or not isinstance(value, str) or not value:
        return None
    field = "reference"
    head, _, suffix = value.rpartition(":")
    if head and suffix in FIELDS:
        value, field = head, FIELDS[suffix]
    if key == "$imagepolicy":
        _, _, policy = value.partition(":")
        names = (value, policy) if policy else (value,)
        return names, field, True
    return (value,), field, False


def find(t: Text, docs: list[Any]) -> Iterator[Marker]:
    for doc in docs:
        for _, parent, _, node in nodes.walk(doc):
            if not nodes.is_scalar(node):
                continue
            after = t.after(node)
            m = _COMMENT.match(after)
            parsed = parse(m.group(1)) if m is not None else None
            # a comment that is no one marker (a Flux marker, or another, before gitops-bot's):
            # the marker ending the line is read
            if parsed is None and (own := _OWN_AFTER.match(after)) is not None:
                parsed = parse(own.group(1))
            if parsed is not None:
                names, field, flux = parsed
                yield Marker(names, field, node, parent, flux)
