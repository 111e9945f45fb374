"""Many kustomizations rendered by one ``kubectl kustomize`` run, each output the bytes its own
build prints.

kubectl's start-up is most of a small render's cost (about 0.09 s of CPU a run), so a reading
of 20 overlays paid 20 of them. Here each directory is wrapped in a private kustomization that
gives every object it renders a name prefix unique to the run (kustomize's ``namePrefix``,
which also rewrites the references to those names), one top kustomization lists the wrappers,
and the one output is split back by the prefix of each object's name and the prefix taken out.

Only what that cannot change is built together: a directory whose build does something at
the top level of a build (name hashes of generated objects, ``vars``, ``sortOptions``, build
metadata, generators and transformers of its own, Helm charts) or renders kinds kustomize never
prefixes (Namespace, CustomResourceDefinition, APIService) is rendered on its own, and so is
every directory of a joint build that fails or whose output cannot be split back exactly (an
object that belongs to no directory, a name whose quoting the prefix changed): each keeps its
own refusal in kustomize's own words. ``tests/e2e/test_joint_render.py`` holds each corpus
directory's joint output to its own build, byte for byte.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.manifests import yamlvalues
from gitops_bot.render import reader
from gitops_bot.render.bounded import Exited, NotRendered, run_bounded
from gitops_bot.render.settings import RenderSettings

# Flux's kustomize-controller builds every Kustomization's path with no load restrictor (a file
# outside the kustomization's directory may be read: resources: - ../shared/ns.yaml), where
# kubectl kustomize, as Argo CD runs it by default, refuses it: a path Flux applies is built so
LOOSE = ("--load-restrictor", "LoadRestrictionsNone")

_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

# what a build does at its top level only, or differently under a wrapper: a name hash is of
# the name (the prefix changes it), vars resolve and sortOptions sort once for the whole build,
# build metadata names paths from the top
_TOP_LEVEL = re.compile(
    r"^[ \t]*(?:configMapGenerator|secretGenerator|generators|transformers|validators|vars|"
    r"sortOptions|buildMetadata|helmCharts|helmChartInflationGenerator|helmGlobals)[ \t]*:",
    re.MULTILINE,
)
# kinds kustomize's namePrefix leaves alone: their objects cannot be told apart by the prefix
_UNPREFIXED = re.compile(r"^kind:\s*['\"]?(?:Namespace|CustomResourceDefinition|APIService)\b", re.MULTILINE)
# a scalar the YAML emitter would quote once the prefix is gone (a number, a date, a YAML 1.1
# boolean or null), or one that is not a plain name
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][-A-Za-z0-9._]*")
_TYPED = re.compile(r"[-+.]?[0-9][-0-9a-fA-FoOxX._:+]*|y|n|yes|no|on|off|true|false|null", re.IGNORECASE)


def alone(tree: reader.Tree, root: Path, directory: Path) -> bool:
    """Whether the kustomization at ``directory`` must be rendered on its own (what it reads
    is read from ``tree``, the repository as the render's copy holds it)."""
    found = reader.reach(tree, root, directory)
    if not found.local:
        return True
    for path in dict.fromkeys((*(directory / n for n in _NAMES), *found.files)):
        text = tree.text(path)
        if text is None:
            continue
        if "needs-hash" in text or _UNPREFIXED.search(text):
            return True
        # a URL in a kustomization: a remote resource the walk may not name
        if path.name in _NAMES and ("://" in text or _TOP_LEVEL.search(text)):
            return True
    return False


def with_components(
    root: Path, texts: Mapping[Path, str], names: Sequence[str], components: Mapping[str, Sequence[str]]
) -> dict[Path, str]:
    """``texts`` and, of each of ``names`` a Flux Kustomization builds with ``spec.components``,
    its kustomization with them appended, as kustomize-controller writes it before the build (a
    patch of the path may target what a component adds): written over the render's copy, never
    here. Written as JSON, which kustomize reads as YAML; a kustomization that does not parse
    is left as it is, for kustomize to refuse in its own words."""
    out = dict(texts)
    for name in (n for n in names if components.get(n)):
        kfile = next(
            (root / name / n for n in _NAMES if root / name / n in texts or (root / name / n).is_file()), None
        )
        if kfile is None:
            continue
        try:
            text = texts[kfile] if kfile in texts else kfile.read_text(encoding="utf-8")
            (doc,) = yamlvalues.load_all(text, kfile.name)
        except (OSError, UnicodeDecodeError, GitOpsBotError, ValueError):
            continue
        if isinstance(doc, dict):
            had = doc.get("components")
            doc["components"] = [*(had if isinstance(had, list) else ()), *components[name]]
            out[kfile] = json.dumps(doc, default=str)
    return out


def render_together(
    settings: RenderSettings, kubectl: str, directories: Sequence[Path], tmp: Path, *, loose: bool = False
) -> list[str | None]:
    """Each of ``directories`` (kustomizations in copies of the repository under ``tmp``, the
    render's private temporary directory) as its own ``kubectl kustomize`` prints it, from one
    run; None for each that must be rendered on its own (the joint build failed, or its part
    of the output cannot be split back exactly). ``loose``: built as Flux builds, without
    kustomize's load restrictor (:data:`~gitops_bot.render.tools.LOOSE`)."""
    token = os.urandom(4).hex()  # a run's own: no file in a repository holds it
    prefixes = [f"g{token}{i}-" for i in range(len(directories))]
    top = tmp / ("joint-loose" if loose else "joint")
    for i, directory in enumerate(directories):
        wrapper = top / f"e{i}"
        wrapper.mkdir(parents=True)
        (wrapper / "kustomization.yaml").write_text(
            f"namePrefix: {prefixes[i]}\nresources:\n- {os.path.relpath(directory, wrapper)}\n",
            encoding="utf-8",
        )
    listed = "".join(f"- e{i}\n" for i in range(len(directories)))
    (top / "kustomization.yaml").write_text(f"resources:\n{listed}", encoding="utf-8")
    # the deadline one run a directory would have had in all: a joint run past it costs
    # at most that again, rendered alone
    deadline = settings.timeout * len(directories)
    argv = [kubectl, "kustomize", str(top), *(LOOSE if loose else ())]
    got = run_bounded(argv, top, deadline, "kubectl kustomize")
    if isinstance(got, (Exited, NotRendered)):
        return [None] * len(directories)
    return split(got, prefixes)


def split(output: str, prefixes: Sequence[str]) -> list[str | None]:
    """``output`` (the joint build's) split into each prefix's objects, in their order, with
    the prefix taken out; None for a prefix whose part is not exactly what its own build
    prints, and for all when an object belongs to none of them. A prefix no object has is a
    build of no object, which prints nothing (an overlay over ``resources: []``): rendered
    again alone, it cost a run a side for the same empty text."""
    parts: dict[str, list[str]] = {p: [] for p in prefixes}
    for doc in re.split(r"^---\n", output, flags=re.MULTILINE):
        if not doc.strip():
            continue
        name = _name(doc)
        owner = next((p for p in prefixes if name is not None and name.startswith(p)), None)
        if owner is None or any(p in doc for p in prefixes if p != owner):
            return [None] * len(prefixes)
        parts[owner].append(doc)
    return [_unprefixed("---\n".join(parts[p]), p) if parts[p] else "" for p in prefixes]


def _name(doc: str) -> str | None:
    """The object's ``metadata.name`` as kustomize prints it (block style, two spaces)."""
    inside = False
    for line in doc.splitlines():
        if line == "metadata:":
            inside = True
        elif inside and not line.startswith(" "):
            return None
        elif inside and line.startswith("  name: "):
            return line[len("  name: ") :]
    return None


def _unprefixed(text: str, prefix: str) -> str | None:
    """``text`` without ``prefix``; None where taking it out would leave a scalar printed
    otherwise than its own build prints it (quoted, or not a plain name)."""
    for m in re.finditer(re.escape(prefix), text):
        start = text.rfind("\n", 0, m.start()) + 1
        before = text[start : m.start()]
        if before.endswith(("'", '"')):
            return None
        if before.strip(" -") == "" or before.endswith((": ", "- ")):  # the scalar starts here
            end = text.find("\n", m.end())
            rest = text[m.end() : end if end >= 0 else len(text)]
            if not _PLAIN_NAME.fullmatch(rest) or _TYPED.fullmatch(rest):
                return None
    return text.replace(prefix, "")
