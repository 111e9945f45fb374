"""Adding keys to a Helm values file, byte-exactly (text in, text out; no I/O): what gives an
environment's own values file the image keys it inherited from a shared one, so a release for
that environment alone has a place. Each key goes at the end of the deepest block mapping of
its path that the file has (a new block of the rest of the path below it), in the file's own
indentation and line endings; nothing else changes, and the result is re-read to prove it. And
a release written into an environment's own layer (:func:`own_layer`: those keys, then the
image set; a kustomization given an ``images:`` entry), the one editor ``update`` writes with
and the reading checks each place with."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.reading import HELM_KEY, HELMRELEASE_KEY, ImageReading
from gitops_bot.manifests import images, nodes
from gitops_bot.manifests.edit import EditResult
from gitops_bot.manifests.yamltext import Op, Text, YamlText, apply_ops, render

RULE = "only the added keys are new; every other value stays as it was"


def _indent(mapping: Any, default: int) -> int:
    return int(mapping.value[0][0].start_mark.column) if nodes.is_map(mapping) and mapping.value else default


def _block(parts: list[str], value: str, col: int, step: int, nl: str) -> str:
    lines = []
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        lines.append(" " * (col + depth * step) + f"{part}:" + (f" {render(value, None)}" if last else ""))
    return "".join(line + nl for line in lines)


def add(text: str, filename: str, values: Mapping[str, str]) -> str:
    """``text`` with each dotted key path of ``values`` set to its value where the file does
    not have it (a path it has is left as it is). A path through a scalar, a list or a flow
    mapping cannot be added to byte-exactly: refused, naming the file."""
    src = YamlText.of(text)
    body = src.body
    for path, value in values.items():
        root = nodes.compose(body, filename)
        if root is not None and not nodes.is_map(root):
            raise ManifestError(filename, 1, "a values file must be a mapping")
        t = Text(YamlText.of(body))
        parts = path.split(".")
        node, depth = root, 0
        while nodes.is_map(node) and depth < len(parts):
            found = nodes.get(node, parts[depth])
            if found is None:
                break
            node, depth = found[1], depth + 1
        if depth == len(parts):
            continue  # the file has it: the edit writes it in place
        if node is not None and (not nodes.is_map(node) or node.flow_style):
            raise ManifestError(
                filename,
                int(node.start_mark.line) + 1,
                f"cannot add {path}: {'.'.join(parts[:depth]) or 'the file'} is not a block mapping",
                hint=f"add {path} to {filename} by hand once; releases then edit it there",
            )
        step = 2
        if node is None or not node.value:  # the file's root (empty) or an empty mapping
            col = 0 if depth == 0 else depth * step
            at = len(body)
            block = _block(parts[depth:], value, col, step, t.nl)
            if body and not body.endswith(("\n", "\r")):
                block = t.nl + block.removesuffix(t.nl)
            ops = [Op(at, at, block)]
        else:
            col = _indent(node, 0)
            last = node.value[-1][1]
            line = int(last.end_mark.line) - (1 if last.end_mark.column == 0 else 0)
            at = t.line_end(line)
            block = _block(parts[depth:], value, col, step, t.nl)
            if not t.has_break(line):
                block = t.nl + block.removesuffix(t.nl)
            ops = [Op(at, at, block)]
        new = apply_ops(body, ops)
        _confirm(root, new, filename, parts, value)
        body = new
    return src.bom + body


def _confirm(root: Any, new: str, filename: str, parts: list[str], value: str) -> None:
    expected = dict(nodes.plain(root) or {})
    cursor = expected
    key = ("tag:yaml.org,2002:str", parts[0])
    for part in parts[:-1]:
        key = ("tag:yaml.org,2002:str", part)
        nxt = cursor.get(key)
        nxt = dict(nxt) if isinstance(nxt, dict) else {}
        cursor[key] = nxt
        cursor = nxt
    cursor[("tag:yaml.org,2002:str", parts[-1])] = ("tag:yaml.org,2002:str", value)
    nodes.confirm(expected, new, filename, rule=RULE)


# -- a release written where it goes ----------------------------------------------------
# ``update`` writes an environment's own layer with :func:`own_layer`, and the reading runs the
# same editors over the files as they are (:func:`refusal`): a place no release can write
# byte-exactly is said when the environment is read, never first when ``update`` stops.

# what the reading's check writes: a tag and digest no file holds, so every place is written
PROBE_TAG = "0.0.0-gitops-bot-write-check"
PROBE_DIGEST = "sha256:" + "0" * 64
# the key a release adds is under the layer's values: a values file's root, a HelmRelease's spec
_UNDER = {HELM_KEY: "", HELMRELEASE_KEY: "spec.values."}


def keys(reading: ImageReading, spec: images.ImageSpec | None) -> dict[str, str]:
    """The Helm keys an inherited image is given in the environment's own values layer, holding
    what it inherits (the release then sets them there, as any values key); none for another
    layer's form (a kustomization takes an entry)."""
    pin = reading.effective
    form = reading.would_write.form if reading.would_write is not None else ""
    if form not in _UNDER or pin is None or spec is None:
        return {}
    held = {"repository": pin.repository, "tag": pin.tag}
    return {_UNDER[form] + spec.helm[f]: v for f, v in held.items() if f in spec.helm and v is not None}


def own_layer(
    text: str,
    filename: str,
    specs: Sequence[images.ImageSpec],
    updates: Sequence[images.Update],
    added: Mapping[str, str],
) -> EditResult:
    """``updates`` written into an environment's own layer: ``added`` keys given to a values file
    first (:func:`values_keys.add`), then each image set, a kustomization given an entry."""
    keyed = add(text, filename, added) if added else text
    return images.edit(keyed, filename, specs, updates, append=True)


def probes(names: Sequence[str]) -> list[images.Update]:
    return [images.Update(n, tag=PROBE_TAG, digest=PROBE_DIGEST) for n in names]


def refusal(write: Callable[[], object]) -> ManifestError | None:
    """Why the editors refuse ``write`` (None: they take it)."""
    try:
        write()
    except ManifestError as e:
        return e
    return None
