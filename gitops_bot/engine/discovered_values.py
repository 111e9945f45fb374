"""Images named by Helm values blocks, as discovery (``gitops-bot init``) finds them: a values
file's or a HelmRelease's ``spec.values`` mapping holding ``repository`` and ``tag`` (the image's
key paths), a key written as a whole reference (``helm.reference``), and one written whole in a
list, which no key path reaches (said with the marker comment that does)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.engine.discovered_images import ImageNames
from gitops_bot.engine.promotion_order import kind_of
from gitops_bot.engine.repository_files import RepoFiles
from gitops_bot.manifests import helm_values, images, nodes, workloads, yamlvalues

# charts name the repository's key ``repository:`` or, as karpor's, ``repo:``
_REPOSITORY_KEYS = ("repository", "repo")


def values_blocks(repo: RepoFiles, files: Iterable[str], into: ImageNames) -> None:
    """Values mappings holding ``repository`` and ``tag`` (a values file, a HelmRelease's
    ``spec.values``): the image's key paths."""

    def walk(node: Any, path: tuple[str, ...], rel: str, listed: bool = False) -> None:
        if isinstance(node, dict):
            # charts name the repository's key ``repository:`` or, as karpor's, ``repo:``
            field = next((f for f in _REPOSITORY_KEYS if isinstance(node.get(f), str)), None)
            # ingress-nginx's {registry, image, tag}, elastic's and openebs' {image, imageTag}: image
            # names the repository
            named = isinstance(node.get("image"), str) and not _pinned(node["image"])
            if field is None and named and (isinstance(node.get("registry"), str) or "imageTag" in node):
                field = "image"
            tag_field = "imageTag" if field == "image" and "imageTag" in node else "tag"
            tag = node.get(tag_field)
            # a null tag (tag: ~) is helm's empty one: the template's default (appVersion) runs
            unset = tag is None and tag_field in node
            version = node.get("version")
            if field in _REPOSITORY_KEYS and tag is None and not unset and path and _split(node, version):
                # NVIDIA's {repository: nvcr.io/nvidia, image: driver, version: ...}: the image is
                # the two joined, which no key path names whole
                name = f"{str(node[field]).rstrip('/')}/{node['image']}"
                if (rel, name) not in said:
                    said.append((rel, name))
                    repo.notes.append(_split_keys(rel, repo.text(rel) or "", ".".join(path), name, version))
                return
            if field is not None and (unset or isinstance(tag, str | int | float)) and path:
                key = ".".join(path)
                if tests_only(key):
                    return  # its chart's Helm tests alone take it: nothing installed runs it
                if listed:  # no dotted key reaches into a list: said with the marker that does
                    if (rel, node[field]) not in said:
                        said.append((rel, node[field]))
                        repo.notes.append(
                            _keys_in_a_list(rel, repo.text(rel) or "", f"{key}.{field}", node[field])
                        )
                    return
                into.add(
                    _registry_joined(node.get("registry"), node[field]),
                    f"Helm values {key} in {rel}",
                    {"repository": f"{key}.{field}", "tag": f"{key}.{tag_field}"},
                )
            for k, v in node.items() if not listed else ():
                # a key pair a chart's template writes as REPOSITORY:TAG (app.image, app.tag),
                # named otherwise than repository/tag: the chart says which key is which
                key = ".".join((*path, str(k)))
                tag_key = into.key_pairs.get(key)
                if isinstance(v, str) and v and tag_key and k not in _REPOSITORY_KEYS:
                    into.add(v, f"Helm values {key} in {rel}", {"repository": key, "tag": tag_key})
            whole = node.get("image")
            # at the top only in a Helm values file: elsewhere (.gitlab-ci.yml) image: is no value
            if isinstance(whole, str) and (path or top) and _pinned(whole) and not listed:
                # a values key written as a whole reference: helm.reference addresses it
                key = ".".join((*path, "image"))
                into.add(WrittenRef.split(whole).name, f"Helm values {key} in {rel}", {"reference": key})
            for k, v in node.items():
                if isinstance(k, str) and "." not in k:
                    walk(v, (*path, k), rel, listed)
        elif isinstance(node, list):
            # under a list no dotted key reaches it: said with the marker comment that does
            for item in node:
                image = item.get("image") if isinstance(item, dict) else None
                if isinstance(image, str) and _pinned(image) and (rel, image) not in said:
                    said.append((rel, image))
                    repo.notes.append(_in_a_list(rel, repo.text(rel) or "", ".".join(path), image))
                walk(item, path, rel, True)

    said: list[tuple[str, str]] = []  # (file, image): each file's line is a place the fix must touch
    for rel in files:
        if images.is_kustomization(rel) or "templates/" in rel:
            continue
        tests_only = _tests_only(repo, rel)
        values_file = repo.helm_values(rel)
        for doc in repo.docs(rel):
            api, kind = kind_of(doc)
            top = values_file
            if kind == "HelmRelease":
                spec = doc.get("spec")
                walk(spec.get("values") if isinstance(spec, dict) else None, (), rel)
            elif kind == "Application":  # its own Helm values over its chart, as a HelmRelease's
                top = True  # the top of its valuesObject is the values' own
                for values in _inline_values(doc, rel):
                    walk(values, (), rel)
            elif not kind or not api:  # a values file may set kind: (Bitnami's Deployment or DaemonSet)
                walk(doc, (), rel)


def _inline_values(doc: dict[str, Any], rel: str) -> list[Any]:
    """An Argo CD Application's own Helm values (``helm.valuesObject``, or ``helm.values`` as the
    YAML text helm reads), of each of its sources."""
    spec = doc.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    many = spec.get("sources")
    sources = [spec.get("source"), *(many if isinstance(many, list) else [])]
    out: list[Any] = []
    for source in sources:
        helm = source.get("helm") if isinstance(source, dict) else None
        if not isinstance(helm, dict):
            continue
        if isinstance(helm.get("valuesObject"), dict):
            out.append(helm["valuesObject"])
        elif isinstance(text := helm.get("values"), str):
            try:
                out += yamlvalues.load_all(text, rel)[:1]
            except GitOpsBotError:
                continue  # said where the reading meets it
    return out


def _pinned(value: str) -> bool:
    """A whole image reference with a version (not a template's, not a repository alone)."""
    ref = WrittenRef.split(value)
    return (
        "{{" not in value and workloads.repository_key(ref.name) is not None and bool(ref.tag or ref.digest)
    )


def _split(node: dict[str, Any], version: Any) -> bool:
    """A block naming its image as a repository path and a name beside it, tagged by ``version``."""
    image = node.get("image")
    return (
        isinstance(version, str | int | float)
        and isinstance(image, str)
        and bool(image)
        and not any(c in image for c in "/:@{")
    )


def _split_keys(rel: str, text: str, key: str, name: str, version: Any) -> str:
    try:
        docs = nodes.compose_all(text, rel, values=True)
    except GitOpsBotError:
        docs = []
    held = next((n for d in docs if (n := helm_values.node_at(d, f"{key}.version")) is not None), None)
    at = f":{held.start_mark.line + 1}" if held is not None else ""
    return (
        f"{rel}{at}: {name}:{version} is written as {key}.repository and {key}.image joined, tagged by "
        f'{key}.version, which no helm: key path names whole: add the marker comment # {{"gitops-bot": '
        f'"{name}:tag"}} at the end of that line and the image to images: to have it released'
    )


def _in_a_list(rel: str, text: str, key: str, image: str) -> str:
    at = next((i for i, line in enumerate(text.splitlines(), 1) if image in line and "image" in line), 0)
    return (
        f"{rel}:{at}: {image} is written whole in a list of Helm values ({key}[].image), which no helm: "
        f'key path reaches: add the marker comment # {{"gitops-bot": "{WrittenRef.split(image).name}"}} at '
        "the end of that line and the image to images: to have it released"
    )


def _keys_in_a_list(rel: str, text: str, key: str, repository: str) -> str:
    lines = text.splitlines()
    at = next((i for i, line in enumerate(lines, 1) if repository in line), 0)
    tag = next((i for i, line in enumerate(lines[at:], at + 1) if line.strip().startswith("tag:")), at)
    return (
        f"{rel}:{at}: {repository} is set in a list of Helm values ({key} under a list item), "
        f'which no helm: key path reaches: add the marker comment # {{"gitops-bot": "{repository}:tag"}} at '
        f"the end of its tag line ({tag}) and the image to images: to have it released"
    )


def _tests_only(repo: RepoFiles, file: str) -> Callable[[str], bool]:
    """Whether a values key path of ``file`` is one its chart's templates take in Helm test hooks
    alone (``helm create``'s ``tests.image`` of test-connection.yaml): neither an install nor
    Argo CD runs those. False for a file in no chart: what its chart reads is not known here."""
    chart = next(
        (p for p in PurePosixPath(file).parents if (p / "Chart.yaml").as_posix() in repo.files), None
    )
    if chart is None:
        return lambda key: False
    d = "" if chart.as_posix() == "." else f"{chart.as_posix()}/"
    texts = [repo.text(f) or "" for f in repo.files if f.startswith(f"{d}templates/")]
    tests = [t for t in texts if workloads.without_test_hooks(t) != t]
    if not tests:
        return lambda key: False
    installed = [workloads.without_test_hooks(t) for t in texts]

    def only(key: str) -> bool:
        parts = key.split(".")
        # the block or what is under it; a map above it passed whole (toYaml .Values.tests)
        taken = [re.compile(rf"\.Values\.{re.escape(key)}(?![\w-])")]
        taken += [
            re.compile(rf"\.Values\.{re.escape('.'.join(parts[:n]))}(?![\w.-])") for n in range(1, len(parts))
        ]
        return any(taken[0].search(t) for t in tests) and not any(
            r.search(t) for r in taken for t in installed
        )

    return only


def _registry_joined(registry: Any, repository: str) -> str:
    """The image a values block's ``registry:`` and ``repository:`` name together: ``quay.io``
    and ``keycloak/keycloak`` are quay.io's image, where the repository alone names Docker Hub's."""
    joined = helm_values.registry_of(registry, repository)
    return f"{joined}/{repository}" if joined else repository
