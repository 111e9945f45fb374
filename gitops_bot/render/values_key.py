"""Where a Helm values file an environment renders names an image as a plain value (a chart's
``image.repository``), so an image configured without ``helm:`` keys is told which keys to
add. Read from the walk's files (text in through ``text``, the key path out)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import workloads, yamlvalues
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render.walk import YAML_SUFFIXES, Walk


def values_key(
    text: Callable[[str], str | None], walk: Walk, image: str
) -> tuple[str, str, str | None] | None:
    """Where a values file the walk read names ``image`` as a plain value: the file, the key
    path and its sibling tag key (``text``: a file's text by its path under the config root)."""
    want = workloads.repository_key(image)

    def find(node: object, path: tuple[str, ...]) -> tuple[str, str | None] | None:
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, str) and workloads.repository_key(v) == want:
                    tag = next((t for t in ("tag", "version") if t in node and t != k), None)
                    return ".".join((*path, str(k))), ".".join((*path, tag)) if tag else None
                if isinstance(v, dict) and (hit := find(v, (*path, str(k)))):
                    return hit
        return None

    if want is None:
        return None
    for rel in walk.files:
        if not rel.endswith(YAML_SUFFIXES) or PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
            continue
        body = text(rel)
        try:
            docs = yamlvalues.load_all(YamlText.of(body).body, rel) if body is not None else []
        except (GitOpsBotError, TypeError, ValueError):
            continue
        for doc in docs:
            if isinstance(doc, dict) and "kind" not in doc and (hit := find(doc, ())):
                return rel, hit[0], hit[1]
    return None
