"""Container images in plain Kubernetes manifests (multi-document files).

``image:`` of containers, initContainers and ephemeralContainers in the workload kinds that
carry a pod template. The value is an image reference, ``repo[:tag][@digest]``, matched by its
repository (Docker Hub names normalised, so ``nginx`` matches ``docker.io/library/nginx``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.core.errors import ManifestError
from gitops_bot.core.model import WrittenRef
from gitops_bot.core.record import record
from gitops_bot.manifests import nodes
from gitops_bot.manifests.edit import EditResult, FieldChange
from gitops_bot.manifests.site_values import Update

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
# the keys a custom resource names what it runs by, whole (CloudNativePG's Cluster: spec.imageName)
IMAGE_KEYS = ("image", "imageName")

# A Helm test hook (``helm create``'s templates/tests/test-connection.yaml) runs only under ``helm
# test``: neither an install nor Argo CD applies it (gitops-engine maps a helm hook to a sync phase
# by its pre-/post- names alone), so its images are nothing that runs nor anything to release. One
# hook of another name beside a test one (``pre-install,test``) runs.
TEST_HOOKS = frozenset({"test", "test-success", "test-failure"})
HOOK = "helm.sh/hook"
# the annotation as a template writes it, for a chart's templates (YAML only once rendered)
_HOOK_LINE = re.compile(r"^[ \t]*[\"']?helm\.sh/hook[\"']?[ \t]*:[ \t]*(?P<value>[^#\n]*)", re.M)
_DOCUMENT_START = re.compile(r"^---", re.M)


def is_test_hook(value: object) -> bool:
    """Whether a ``helm.sh/hook`` annotation's value makes its object a Helm test alone."""
    if not isinstance(value, str):
        return False
    hooks = {h.strip().strip("\"'") for h in value.strip().strip("\"'").split(",")}
    return bool(hooks) and hooks <= TEST_HOOKS


def without_test_hooks(text: str) -> str:
    """``text`` with each document annotated a Helm test blanked (spaces, its newlines kept): a
    chart template's lines found where they were, its test pod's lines nowhere."""
    if HOOK not in text:
        return text
    starts = [0, *(m.start() for m in _DOCUMENT_START.finditer(text)), len(text)]
    out = []
    for a, b in itertools.pairwise(starts):
        doc = text[a:b]
        hook = _HOOK_LINE.search(doc)
        out.append(re.sub(r"[^\n]", " ", doc) if hook and is_test_hook(hook.group("value")) else doc)
    return "".join(out)


def repository_key(repository: str) -> str | None:
    """``registry/path`` with Docker Hub normalised, or None when not a valid repository
    (a template placeholder such as ``{{ .Values.image }}``)."""
    return WrittenRef(repository).location


@record
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
        if path is None or is_test_hook(_scalar(_at(doc, ("metadata", "annotations")), HOOK)):
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


# A chart template's line writing a container's image whole (``image: nginx:1.25``), in a file
# that is YAML only once helm renders it: where the reader finds such an image, and the lines
# a release writes once a marked render proved them (the rules never write one alone).
TEMPLATE_LITERAL = re.compile(
    r"^[ \t]*-?[ \t]*image:[ \t]*[\"']?(?P<ref>[^\"'#\s{}]+)[\"']?[ \t]*(?:#.*)?$", re.M
)


# a pipeline's macro (Azure Pipelines' $(Build.BuildId)) in an object's name: no name Kubernetes
# takes, so kubectl refuses the object as written and the pipeline applies a copy it fills.
# Kubernetes itself expands $(VAR) in a container's command, args and env, never in a name.
_MACRO = re.compile(r"\$\([^()\s]+\)")


def macro_named(docs: Sequence[Any]) -> str | None:
    """Why a file whose objects' names hold a pipeline's macro is no manifest to read, else None."""
    for doc in docs:
        meta = doc.get("metadata") if isinstance(doc, dict) and doc.get("kind") else None
        meta = meta if isinstance(meta, dict) else {}
        named = [v for k in ("name", "namespace") if isinstance(v := meta.get(k), str) and _MACRO.search(v)]
        if named:
            return (
                f"names an object {named[0]}, a macro a pipeline fills (no name kubectl takes as written): "
                "a template the pipeline applies a filled copy of, not read (nothing to fix here)"
            )
    return None


def is_template(filename: str, text: str) -> bool:
    """A chart's template holding template actions (not YAML until helm renders it)."""
    return "templates" in PurePosixPath(filename).parts and "{{" in text


@record
class TemplateLine:
    """One template line writing an image whole: its 1-based line, the reference's span in the
    text and the reference; ``plain``: no template action on the line, so helm prints its bytes
    as they are."""

    line: int
    start: int
    end: int
    reference: WrittenRef
    plain: bool


def template_literals(text: str) -> Iterator[TemplateLine]:
    for m in TEMPLATE_LITERAL.finditer(without_test_hooks(text)):
        line = text.count("\n", 0, m.start()) + 1
        plain = "{{" not in m.group(0) and "}}" not in m.group(0)
        yield TemplateLine(line, m.start("ref"), m.end("ref"), WrittenRef.split(m.group("ref")), plain)


def edit_template(text: str, filename: str, keys: Mapping[str, str], updates: Sequence[Update]) -> EditResult:
    """``updates`` written on the plain literal lines of a chart template (``keys``: repository
    key -> configured image), replacing only the reference's tag and digest characters. A line
    holding a template action is never written: what helm prints there is not its bytes."""
    wanted = {u.image: u for u in updates}
    out: list[str] = []
    changes: list[FieldChange] = []
    found: dict[str, None] = {}
    at = 0
    for lit in template_literals(text):
        image = keys.get(repository_key(lit.reference.name) or "")
        u = wanted.get(image or "")
        if image is None or u is None:
            continue
        if not lit.plain:
            raise ManifestError(
                filename,
                lit.line,
                f"{image} is written on a line holding a template action, which helm prints otherwise",
                hint="write the image alone on its line (image: NAME:TAG); releases then edit it there",
            )
        found[image] = None
        new = lit.reference.updated(tag=u.tag, digest=u.digest, keep_digest=u.keep_digest)
        if new == lit.reference:
            continue
        out += [text[at : lit.start], new.format()]
        at = lit.end
        for part in ("tag", "digest"):
            if getattr(new, part) != getattr(lit.reference, part):
                was, now = getattr(lit.reference, part), getattr(new, part)
                changes.append(
                    FieldChange(filename, image, f"template line {lit.line}", lit.line, part, was, now)
                )
    edited = "".join(out) + text[at:]
    # re-read: the same image lines, each where it was, and nothing else written
    if [(m.line, m.plain) for m in template_literals(edited)] != [
        (m.line, m.plain) for m in template_literals(text)
    ]:
        raise ManifestError(filename, None, "an edit of the template's image lines would change other lines")
    return EditResult(edited, tuple(changes), tuple(found))
