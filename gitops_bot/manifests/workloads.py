"""Container images in plain Kubernetes manifests (multi-document files).

``image:`` of containers, initContainers and ephemeralContainers in the workload kinds that
carry a pod template. The value is an image reference, ``repo[:tag][@digest]``, matched by its
repository (Docker Hub names normalised, so ``nginx`` matches ``docker.io/library/nginx``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitops_bot.core.model import WrittenRef
from gitops_bot.manifests import nodes

# kind -> path from the document root to the pod spec
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Rollout": ("spec", "template", "spec"),  # Argo Rollouts: a Deployment's pod template
    # OpenShift's: kustomize's images: entries set its containers as a Deployment's
    "DeploymentConfig": ("spec", "template", "spec"),
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def repository_key(repository: str) -> str | None:
    """``registry/path`` with Docker Hub normalised, or None when not a valid repository
    (a template placeholder such as ``{{ .Values.image }}``)."""
    return WrittenRef(repository).location


@dataclass(frozen=True, slots=True)
class Container:
    """A container's image in a workload, as written."""

    kind: str
    workload: str
    node: Any  # the image scalar
    reference: WrittenRef  # as written: the editor writes it back byte for byte
    flow: bool  # the container mapping is flow style
    # which container of the workload: its name (unique across a pod's container lists, and
    # what a strategic-merge patch merges by), or its list and index when it has none
    name: str = ""

    @property
    def line(self) -> int:
        return int(self.node.start_mark.line) + 1


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not nodes.is_map(node):
            return None
        found = nodes.get(node, key)
        if found is None:
            return None
        node = found[1]
    return node


def _scalar(node: Any, key: str) -> str:
    found = nodes.get(node, key) if nodes.is_map(node) else None
    return str(found[1].value) if found and nodes.is_scalar(found[1]) else ""


def containers(docs: list[Any]) -> Iterator[Container]:
    for doc in docs:
        if not nodes.is_map(doc):
            continue
        kind = _scalar(doc, "kind")
        path = POD_SPEC_PATHS.get(kind)
        if path is None:
            continue
        spec = _at(doc, path)
        if not nodes.is_map(spec):
            continue
        workload = _scalar(_at(doc, ("metadata",)), "name")
        for list_key in CONTAINER_LISTS:
            seq = _at(spec, (list_key,))
            if not nodes.is_seq(seq):
                continue
            for index, c in enumerate(seq.value):
                image = nodes.get(c, "image") if nodes.is_map(c) else None
                if image is None or not nodes.is_scalar(image[1]) or nodes.is_null(image[1]):
                    continue
                yield Container(
                    kind,
                    workload,
                    image[1],
                    WrittenRef.split(str(image[1].value)),
                    bool(c.flow_style),
                    _scalar(c, "name") or f"{list_key}[{index}]",
                )
