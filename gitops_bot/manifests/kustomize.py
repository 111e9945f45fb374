"""Kustomize ``images:`` entries: read them (and, in the editor, set them) on the text.

kustomize matches an entry by ``name`` exactly; ``newName`` never matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from gitops_bot.errors import ManifestError, UsageError
from gitops_bot.manifests.yamltext import Source, load, value_span

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
FIELDS = ("name", "newName", "newTag", "digest")


@dataclass(frozen=True)
class KustomizeImage:
    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    line: int  # 1-based, of the entry


def find_kustomization(directory: Path) -> Path:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no kustomization file in {directory}",
        hint=f"expected one of {', '.join(KUSTOMIZATION_NAMES)}",
    )


def _images_node(doc: Any, filename: str) -> Any:  # ruamel nodes are untyped
    if doc is None:
        return None
    if not isinstance(doc, CommentedMap):
        raise ManifestError(filename, 1, "a kustomization must be a mapping")
    images = doc.get("images")
    if images is None:
        return None
    if not isinstance(images, CommentedSeq):
        line = doc.lc.key("images")[0] + 1
        raise ManifestError(filename, line, "'images' must be a list")
    return images


def extract_images(text: str, filename: str = "kustomization.yaml") -> list[KustomizeImage]:
    """Every ``images:`` entry, values read from the source text (so ``newTag: 1.10`` is the
    string ``1.10``, as the user wrote it, not the float 1.1)."""
    doc = load(text, filename)
    images = _images_node(doc, filename)
    if images is None:
        return []
    src = Source.of(text)
    out: list[KustomizeImage] = []
    seen: set[str] = set()
    for index, entry in enumerate(images):
        line = images.lc.item(index)[0] + 1
        if not isinstance(entry, CommentedMap):
            raise ManifestError(filename, line, "each 'images' entry must be a mapping with 'name'")
        values: dict[str, str | None] = {}
        for key in FIELDS:
            if key not in entry or entry[key] is None:
                values[key] = None
                continue
            raw = entry[key]
            if isinstance(raw, dict | list):
                raise ManifestError(filename, entry.lc.key(key)[0] + 1, f"'{key}' must be a single value")
            values[key] = raw if isinstance(raw, str) else value_span(src, entry, key, filename).value
        name = values["name"]
        if not name:
            raise ManifestError(filename, line, "an 'images' entry has no 'name'")
        if name in seen:
            raise ManifestError(
                filename,
                line,
                f"image {name!r} appears twice in 'images'",
                hint="kustomize applies only one; remove the other",
            )
        seen.add(name)
        out.append(KustomizeImage(name, values["newName"], values["newTag"], values["digest"], line))
    return out
