"""The images a rendered stream runs: every container, init container and ephemeral container
of every Pod template kubectl kustomize (or helm template) printed, each with the object and
container it is in. Pure: text in, records out. What runs is what the tool rendered, so one
image at two versions in one environment is two records, never merged into one."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

import yaml

from gitops_bot.core.reading import EnvironmentReading
from gitops_bot.core.record import record
from gitops_bot.manifests import without_definitions, workloads
from gitops_bot.manifests.guard import LOADER

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")

# where each kind holds its Pod spec, as key paths from the object's root: the workload kinds
# the manifests are read in (one list), and a PodTemplate
_POD_SPEC: dict[str, tuple[str, ...]] = {**workloads.POD_SPEC_PATHS, "PodTemplate": ("template", "spec")}


@record
class Running:
    """One container's image as rendered."""

    kind: str
    name: str  # the object's metadata.name
    container: str
    image: str  # as rendered: repository[:tag][@digest]
    field: str = "containers"  # which of CONTAINER_LISTS
    pull: str = ""  # its imagePullPolicy, as rendered ("" when not written)

    @property
    def repository(self) -> str:
        """The image without its tag and digest."""
        ref = self.image.split("@", 1)[0]
        slash = ref.rfind("/")
        colon = ref.rfind(":")
        return ref[:colon] if colon > slash else ref

    @property
    def tag(self) -> str | None:
        ref = self.image.split("@", 1)[0]
        colon = ref.rfind(":")
        return ref[colon + 1 :] if colon > ref.rfind("/") else None

    @property
    def digest(self) -> str | None:
        return self.image.split("@", 1)[1] if "@" in self.image else None


def running(text: str) -> tuple[Running, ...]:
    """Every container image of the Pod templates in the rendered stream ``text``. Each
    document is read on its own: one the parser refuses runs nothing the bot can name, and
    never hides the others' containers (a whole stream read as running nothing made every
    image of an environment 'not in its render'). Its CustomResourceDefinitions are not
    parsed: none holds a Pod template."""
    docs: list[object] = []
    for part in _DOCUMENT.split(without_definitions(text)):
        try:
            docs += yaml.load_all(part, Loader=LOADER)
        except yaml.YAMLError:
            continue
    return tuple(r for doc in docs for obj in _objects(doc) for r in _containers(obj))


# a rendered stream's document separator: kustomize and helm write each at a line's start, where
# no block scalar's content can be
_DOCUMENT = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)


def marked_documents(text: str, marks: Collection[str]) -> list[object]:
    """The documents of the rendered stream ``text`` that hold one of ``marks``, with the
    HelmReleases, ConfigMaps and Secrets where a HelmRelease may take values from them: the
    others (CustomResourceDefinitions, dashboards: most of a render's bytes) cannot carry a
    marker anywhere, and parsing them cost more than the rest of a render's proof. A document
    the parser refuses raises YAMLError."""
    parts = _DOCUMENT.split(text)
    kinds = ("HelmRelease", "ConfigMap", "Secret") if "HelmRelease" in text else ()
    held = [p for p in parts if any(m in p for m in marks) or any(k in p for k in kinds)]
    return [doc for part in held for doc in yaml.load_all(part, Loader=LOADER)]


def _objects(doc: object) -> Iterator[dict[str, object]]:
    if not isinstance(doc, dict):
        return
    if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            yield from _objects(item)
    else:
        yield doc


def _containers(obj: dict[str, object]) -> Iterator[Running]:
    kind = obj.get("kind")
    path = _POD_SPEC.get(kind) if isinstance(kind, str) else None
    if path is None:
        return
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    notes = meta.get("annotations") if isinstance(meta, dict) else None
    if isinstance(notes, dict) and workloads.is_test_hook(notes.get(workloads.HOOK)):
        return  # helm template prints a chart's tests; only helm test runs them
    node: object = obj
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    for field in CONTAINER_LISTS:
        listed = node.get(field)
        if not isinstance(listed, list):
            continue
        for c in listed:
            if isinstance(c, dict) and isinstance(c.get("image"), str):
                pull = c.get("imagePullPolicy")
                container = str(c.get("name") or "")
                yield Running(str(kind), str(name or ""), container, c["image"], field, str(pull or ""))


def templates_running(texts: Sequence[str], name: str) -> list[tuple[str, str]]:
    """(template, image) of each container whose image's last path segment is ``name``, by
    the ``# Source:`` line helm prints above each rendered document."""
    out: list[tuple[str, str]] = []
    for text in texts:
        for doc in text.split("\n---"):
            source = next((ln[10:].strip() for ln in doc.splitlines() if ln.startswith("# Source: ")), "")
            for r in running(doc):
                if r.repository.rsplit("/", 1)[-1] == name and (source, r.image) not in out:
                    out.append((source, r.image))
    return out


def differs(
    reading: EnvironmentReading, ran: Sequence[tuple[frozenset[str] | None, Sequence[Running]]]
) -> tuple[str, ...]:
    """What the render runs that the rules read otherwise: a place the rules read as the
    effective pin of an image whose rendered containers all run another tag (the chart's
    template sets the image itself, or helm reads the value otherwise: ``1.10`` as ``1.1``).
    ``ran``: each render's containers, with the files it reads (None: not known); a place is
    held to the renders that may read it, never to another path's objects of the image."""
    out: list[str] = []
    for image in reading.images:
        pin = image.effective
        if pin is None or not pin.repository or not pin.tag:
            continue
        seen = [
            r
            for files, rs in ran
            if files is None or pin.file in files
            for r in rs
            if r.repository == pin.repository
        ]
        if seen and all(r.tag != pin.tag for r in seen):
            shown = ", ".join(f"{r.kind}/{r.name} {r.container} {r.image}" for r in seen[:3])
            out.append(
                f"{pin.place} sets {image.image} to {pin.tag}, but the render runs {shown}: "
                "a release there changes nothing that runs"
            )
    return tuple(out)
