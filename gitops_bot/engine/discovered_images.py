"""The images the environments render, as discovery (``gitops-bot init``) finds them:
containers, ``images:`` entries, Helm values blocks and chart templates' ``image:`` lines; where
kustomize renames them (``newName``) and what a person should know of where they are pinned (a
file a tool generates)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, replace
from itertools import combinations
from pathlib import PurePosixPath
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.reading import EnvironmentReading, PinKind, generated_by, generated_mark, regenerated
from gitops_bot.core.record import record
from gitops_bot.engine.repository_files import RepoFiles
from gitops_bot.manifests import helm_values, images, kustomize, kustomize_refs, markers, nodes, workloads
from gitops_bot.manifests.charts_refs import app_version
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import Text, YamlText
from gitops_bot.policy.guess import Guess

# one line's own blanks only: a "\s" free to cross lines backtracks cubically over the blank
# lines a hook document leaves (9 KB of them took 34 s)
_TEMPLATE_IMAGE = re.compile(
    r"^[ \t]*-?[ \t]*image:[ \t]*[\"']?(?P<ref>[^\"'#\n]*\{\{[^\n\"']*)[\"']?[ \t\r]*$", re.M
)


_ACTION = re.compile(r"\{\{.*?\}\}", re.S)
_VALUES_REF = re.compile(r"\{\{-?\s*\.Values\.(?P<key>[A-Za-z0-9_.]+)[^}]*\}\}")


HELM_FOUND = "found: the chart or values key paths of its version"


@record
class FoundImage:
    name: str
    registry: str
    helm: Mapping[str, str]
    guess: Guess
    environments: tuple[str, ...]  # the environments that render it
    tags: tuple[str, ...]  # pinned today, one per environment's effective place
    how: str  # where it was seen
    repository: str | None = None  # where it is pulled from, when not its name (kustomize newName)
    repository_how: str = ""  # where that repository was found
    elsewhere: tuple[str, ...] = ()  # environments pulling it from another repository, said
    notes: tuple[str, ...] = ()  # what a person should know of where it is pinned
    policy_how: str = ""  # where its policy was found ("": guessed from the tags)
    helm_how: str = HELM_FOUND  # what the readings show of its helm: keys, said beside them


MAX_ALSO = 8  # other key paths said per image, at most


@record(frozen=False, slots=False)
class ImageNames:
    found: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> helm keys
    how: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # repository -> the name it was first seen as
    marked: dict[str, str] = field(default_factory=dict)  # a Flux setter's name -> the repository written
    marked_at: dict[str, str] = field(default_factory=dict)  # a Flux setter's name -> file:line of its marker
    # a Flux setter marking a tag alone -> the file:line of the ImageRepository its policy scans
    scanned_at: dict[str, str] = field(default_factory=dict)
    # name -> the other Helm key paths setting it (a chart's server and agent of one image): an
    # entry takes one, so a release leaves these; said on the entry with the entry they need
    also: dict[str, dict[str, tuple[str, Mapping[str, str]]]] = field(default_factory=dict)
    # (the repository's key path, or the name a template writes, and the tag's key path) -> the
    # chart templates writing the image as REPOSITORY:TAG from them: a digest written after the
    # tag in that key (tag@sha256:...) reaches the image line whole
    tag_last: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # of those, sibling keys (app.image, app.tag): the repository's key -> the tag's
    key_pairs: dict[str, str] = field(default_factory=dict)
    # name -> the tags its containers write, as the files hold them: what a policy is guessed
    # from where no environment's reading could be had
    written: dict[str, list[str]] = field(default_factory=dict)
    # name -> where: a name holding a variable Flux's postBuild substitutes, which the bot does
    # not fill: said (:meth:`substituted_notes`), never dropped without a word
    substituted: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, how: str, helm: Mapping[str, str] | None = None) -> None:
        if "${" in name:
            self.substituted.setdefault(name, how)
            return
        key = workloads.repository_key(name)
        if key is None or "{{" in name or "$" in name:
            return
        # one repository written two ways (docker.io/redis in a manifest, redis in values) is one
        # image, named as first seen: the manifests' spelling, which kustomize matches by
        name = self.keys.setdefault(key, name)
        if name not in self.found:
            self.found[name] = dict(helm or {})
            self.how[name] = how
        elif helm and not self.found[name]:
            self.found[name] = dict(helm)
        elif helm and dict(helm) != self.found[name]:
            self.also.setdefault(name, {}).setdefault(", ".join(helm.values()), (how, dict(helm)))

    def substituted_notes(self) -> list[str]:
        return [
            f"{how}: {name} names a variable Flux's postBuild substitutes, which the bot does not fill: "
            "not configured; write the image's name whole there to have it released"
            for name, how in self.substituted.items()
        ]

    def also_notes(self, name: str) -> list[str]:
        """The other key paths setting ``name``, each with the entry that would release it; past
        :data:`MAX_ALSO`, how many more and their files."""
        also = list(self.also.get(name, {}).values())
        out = [
            f"{how} sets {name} too, which this entry's helm: keys do not name, so a release leaves it; "
            f"to release it too, add an entry of its own: {{name: <another name>, repository: {name}, "
            f"helm: {{{', '.join(f'{k}: {v}' for k, v in helm.items())}}}}}"
            for how, helm in also[:MAX_ALSO]
        ]
        if rest := [how.rpartition(" in ")[2] for how, _ in also[MAX_ALSO:]]:
            out.append(
                f"{len(rest)} more places set {name} too, each left by a release of this entry: "
                f"{', '.join(dict.fromkeys(rest))}; each needs an entry of its own as above"
            )
        return out


def marked_images(
    repo: RepoFiles,
    files: Iterable[str],
    into: ImageNames,
    scans: Mapping[str, tuple[str, str]] | None = None,
) -> None:
    """Images a Flux image-automation setter marks (``image: ghcr.io/acme/api:0.0.11 #
    {"$imagepolicy": "flux-system:api"}``, in a HelmRelease's values as anywhere): named as the
    marker names them, the namespace included, since the reader matches the marker by that name;
    pulled from the repository written. One whose repository is found under its own name is that
    image, not a second entry. A tag marked with no repository beside it (the chart's default
    runs) is pulled from what the ImageRepository its policy names scans: ``scans``, each
    ImagePolicy's ``namespace:name`` (``:name`` where its file names no namespace) -> (its
    ImageRepository's spec.image, file:line), the tags Flux writes there."""
    for rel in files:
        text = repo.text(rel)
        if not text or "$imagepolicy" not in text or images.is_kustomization(rel):
            continue
        src = YamlText.of(text)
        try:
            docs = nodes.compose_all(src.body, rel)
        except GitOpsBotError:
            continue  # said where the file is read
        for m in markers.find(Text(src), docs):
            value = str(m.node.value)
            if not m.flux or len(m.names) < 2 or m.field not in ("reference", "tag"):
                continue
            if m.field == "tag":
                sibling = nodes.get(m.parent, "repository") if nodes.is_map(m.parent) else None
                value = str(sibling[1].value) if sibling and nodes.is_scalar(sibling[1]) else ""
                scanned = (scans or {}).get(m.names[0]) or (scans or {}).get(f":{m.names[-1]}")
                if not value and scanned:
                    value = scanned[0]
                    into.scanned_at[m.names[0]] = scanned[1]
            repository = WrittenRef.split(value).name
            key = workloads.repository_key(repository)
            if key is None or "{{" in value or "$" in value or key in into.keys or m.names[0] in into.found:
                continue
            into.found[m.names[0]] = {}
            into.how[m.names[0]] = f"Flux setter {m.names[0]} in {rel}:{m.line}"
            into.marked[m.names[0]] = repository
            into.marked_at[m.names[0]] = f"{rel}:{m.line}"


def rendered_images(repo: RepoFiles, files: Iterable[str], into: ImageNames) -> None:
    """The images the rendered files name: containers, ``images:`` entries, and what a patch
    sets (a sidecar only an overlay adds, by a JSON 6902 operation or an inline patch)."""
    for rel in files:
        text = repo.text(rel)
        if text is None:
            continue
        try:
            if images.is_kustomization(rel):
                # the tag an entry sets is what its overlay runs, where an environment's reading
                # fails and only the files' own tags are left to guess from
                for e in kustomize.extract_images(text, rel):
                    _add(into, WrittenRef.split(e.name).name, e.new_tag, f"images: entry in {rel}")
                inline = [p.inline for p in kustomize_refs.refs(text, rel).patches if p.inline is not None]
                docs = [d for t in inline for d in nodes.compose_all(YamlText.of(t).body, rel)]
            else:
                docs = nodes.compose_all(YamlText.of(text).body, rel, values=repo.helm_values(rel))
        except GitOpsBotError as e:
            repo.unparsed(rel, text, e)
            continue
        refs = [
            (WrittenRef.split(str(s.value)), "JSON 6902 patch") for s in kustomize_refs.json6902_images(docs)
        ]
        refs += [(c.reference, f"{c.kind} {c.workload}") for c in workloads.containers(docs)]
        for ref, what in refs:
            _add(into, ref.name, ref.tag, f"{what} in {rel}")


def _add(into: ImageNames, name: str, tag: str | None, how: str) -> None:
    into.add(name, how)
    key = workloads.repository_key(name)
    if tag and key in into.keys:
        into.written.setdefault(into.keys[key], []).append(tag)


def value_at(values: Any, key: str) -> Any:
    """The value at a dotted key path of parsed Helm values (``image.tag``); None when absent."""
    node = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def chart_images(repo: RepoFiles, into: ImageNames, only: str | None = None) -> None:
    """Charts' templates' ``image:`` lines built from values (``{{ .Values.image.repository
    }}:{{ .Values.image.tag }}``): the image's Helm key paths, its name from the chart's values.
    A line writing the image whole is found too: a template is YAML only once rendered, so one
    that does not parse as it is would leave the images it writes unseen. ``only``: that chart's
    directory alone."""
    charts = (
        str(PurePosixPath(f).parent)
        for f in repo.files
        if f.endswith("Chart.yaml") and PurePosixPath(f).name == "Chart.yaml"
    )
    for chart in (c for c in charts if only is None or c == only):
        # where the name and tag are read: the found: line names it beside the template
        values_file = f"{chart}/values.yaml" if chart != "." else "values.yaml"
        values_docs = repo.docs(values_file)
        values = values_docs[0] if values_docs else {}
        prefix = "" if chart == "." else f"{chart}/"
        for f in repo.files:
            if not f.startswith(prefix + "templates/"):
                continue
            written, built = _template_lines(repo, f)
            for whole in map(WrittenRef.split, written):  # its tag is what runs, where no reading says
                _add(into, whole.name, whole.tag, f"{f} (written in the template)")
            for ref in built:
                keys = [k.group("key") for k in _VALUES_REF.finditer(ref)]
                literal = _VALUES_REF.sub("\0", ref)
                # REPOSITORY:TAG@sha256:DIGEST: the last key is the digest's, the pair before it the image's
                pair, paired = (
                    (literal[:-9], keys[:-1]) if literal.endswith("@sha256:\0") else (literal, keys)
                )
                if pair.endswith(":\0") and len(paired) >= 2 and pair.count("\0") == len(paired):
                    # REPOSITORY:TAG, a registry's key before it or not, written so whatever sets
                    # the keys (a values file per environment beside a chart with no values.yaml)
                    into.tag_last.setdefault((paired[-2], paired[-1]), []).append(f)
                    if paired[-2].rpartition(".")[0] == paired[-1].rpartition(".")[0]:
                        into.key_pairs.setdefault(paired[-2], paired[-1])
                # REGISTRY/REPOSITORY:TAG from keys of one block (controller.image.registry):
                # the name is the two joined, as the reader joins the registry: key beside
                split = literal == "\0/\0:\0" and len(keys) == 3 and keys[0].endswith(".registry")
                if split and keys[0].rpartition(".")[0] == keys[1].rpartition(".")[0]:
                    keys = keys[1:]
                if (literal == "\0:\0" or split) and len(keys) == 2:
                    name = value_at(values, keys[0])
                    if isinstance(name, str):
                        registry = (
                            value_at(values, keys[0].rpartition(".")[0] + ".registry") if split else None
                        )
                        joined = helm_values.registry_of(registry, name)
                        into.add(
                            f"{joined}/{name}" if joined else name,
                            f"{f} ({{{{ .Values.{keys[0]} }}}}, set in {values_file})",
                            {"repository": keys[0], "tag": keys[1]},
                        )
                elif (
                    literal == "\0@\0"
                    and len(keys) == 2
                    and isinstance(name := value_at(values, keys[0]), str)
                ):
                    # REPOSITORY@DIGEST: no key for the tag a release writes, so no entry (config
                    # refuses a digest key alone); said, never silent
                    said = (
                        f"{values_file}: {name} is pinned by digest alone ({keys[1]}; {f} writes "
                        "repository@digest): the chart has no key for a tag, so it is not configured; "
                        "add a tag key to the chart's values and template to have it released, or release "
                        "it by hand"
                    )
                    repo.notes += [said] if said not in repo.notes else []
                elif literal.endswith(":\0") and len(keys) == 1 and "\0" not in literal[:-2]:
                    into.add(literal[:-2], f"{f} (tag from .Values.{keys[0]})", {"tag": keys[0]})
                    named = into.keys.get(workloads.repository_key(literal[:-2]) or "", literal[:-2])
                    into.tag_last.setdefault((named, keys[0]), []).append(f)
                elif literal == "\0" and len(keys) == 1:
                    name = value_at(values, keys[0])
                    if isinstance(name, str):
                        how = f"{f} ({{{{ .Values.{keys[0]} }}}}, set in {values_file})"
                        into.add(WrittenRef.split(name).name, how, {"reference": keys[0]})


def _template_lines(repo: RepoFiles, rel: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A chart template's ``image:`` lines: the references it writes whole, and those it
    builds from template actions; read once an init (init asks a chart's templates for each
    question about the chart: 23 times on tmax-cloud/argocd-installer, 0.8 s of its 3.2 s)."""
    got = repo.template_lines.get(rel)
    if got is None:
        text = workloads.without_test_hooks(repo.text(rel) or "")
        written = tuple(m.group("ref") for m in workloads.TEMPLATE_LITERAL.finditer(text))
        # Go's templates allow a newline inside an action (helmify wraps a long image line
        # before its "| default .Chart.AppVersion"): read as the one-line form
        joined = _ACTION.sub(lambda a: a.group(0).replace("\n", " "), text)
        built = tuple(m.group("ref").strip() for m in _TEMPLATE_IMAGE.finditer(joined))
        got = repo.template_lines[rel] = (written, built)
    return got


def chart_default(repo: RepoFiles, file: str) -> str | None:
    """The chart's ``appVersion`` where a values file of it leaves the image's tag empty and a
    template of the chart defaults to it (``| default .Chart.AppVersion``, helm's empty value
    taking the default): what runs there. None where no such chart holds the file."""
    for parent in PurePosixPath(file).parents:
        d = "" if parent.as_posix() == "." else f"{parent.as_posix()}/"
        chart = repo.text(f"{d}Chart.yaml")
        if chart is None:
            continue
        found = app_version(chart)
        uses = any(
            f.startswith(f"{d}templates/") and ".Chart.AppVersion" in (repo.text(f) or "") for f in repo.files
        )
        return found.value if found and found.value and uses else None
    return None


def helm_said(image: str, readings: Mapping[str, EnvironmentReading]) -> str:
    """What the environments' readings show of the image's Helm values keys: found where a
    values line of them is what an environment runs; where every such line is beaten by a
    chart template writing the image whole, the lines are dead (said as never read, with the
    template's line); where no reading meets one, the keys are the chart's alone, no pin."""
    pins = [p for r in readings.values() if (ir := r.image(image)) is not None for p in ir.pins]
    helm = [p for p in pins if p.kind is PinKind.HELM]
    if any(p.effective for p in helm) or not readings:
        return HELM_FOUND
    if not helm:
        return "guess: the chart's key paths; no environment sets the image through them today"
    dead = ", ".join(dict.fromkeys(p.place for p in helm))
    whole = [p.place for p in pins if p.effective and "/templates/" in f"/{p.file}"]
    why = (
        f"the chart's template writes the image whole at {whole[0]}" if whole else "no environment reads them"
    )
    return f"found at {dead} but never read: {why} (gitops-bot plan says the fix)"


def _pinned_files(image: str, readings: Mapping[str, EnvironmentReading]) -> list[str]:
    """The files the environments' readings pin ``image`` in, effective pins only."""
    return list(
        dict.fromkeys(
            p.file
            for r in readings.values()
            if (ir := r.image(image)) is not None
            for p in ir.pins
            if p.effective
        )
    )


def _shown(files: Sequence[str]) -> str:
    return ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def generated_only(
    repo: RepoFiles, image: str, readings: Mapping[str, EnvironmentReading]
) -> tuple[str, tuple[str, ...]] | None:
    """(the tool, its files) when every place the environments pin ``image`` is a file that one
    tool generates (Flux's own controllers in gotk-components.yaml): a release there is written
    over by the tool's next run, so such an image gets no entry; None otherwise."""
    files = _pinned_files(image, readings)
    tools = {generated_by(repo.text(f) or "") for f in files}
    if not files or len(tools) != 1 or None in tools:
        return None
    return next(t for t in tools if t is not None), tuple(files)


def generated_left_out(tool: str, files: Sequence[str], names: Sequence[str]) -> str:
    """The one line saying the images pinned only in files ``tool`` generates are left out."""
    how = " (`flux install --export` writes the file anew)" if tool.lower() == "flux" else ""
    return (
        f"{', '.join(sorted(names))}: pinned only in {_shown(files)}, generated by {tool} "
        f"{generated_mark(tool)}: no images: entry, since a release written there is overwritten by "
        f"{regenerated(tool)}; "
        f"upgrade {'it' if len(names) == 1 else 'them'} with {tool}{how}"
    )


def generated_notes(
    repo: RepoFiles, image: str, readings: Mapping[str, EnvironmentReading]
) -> tuple[str, ...]:
    """An image pinned in a file a tool generates (Flux's gotk-components.yaml, "generated by
    flux. DO NOT EDIT.") and elsewhere too: a release can edit it, but the tool's next run
    writes it over; said, not refused."""
    by_tool: dict[str, list[str]] = {}
    for f in _pinned_files(image, readings):
        if (tool := generated_by(repo.text(f) or "")) is not None:
            by_tool.setdefault(tool, []).append(f)
    return tuple(
        f"pinned in {_shown(fs)}, generated by {tool} {generated_mark(tool)}: a release written there is "
        f"overwritten by {regenerated(tool)}; upgrade it with {tool} instead, or leave the image out"
        for tool, fs in by_tool.items()
    )


def new_names(repo: RepoFiles, files: Iterable[str]) -> dict[str, str]:
    """image name -> the ``newName`` an environment's kustomizations give it (the first read:
    the environment's own kustomization comes before the bases it builds on)."""
    out: dict[str, str] = {}
    for rel in files:
        if not images.is_kustomization(rel):
            continue
        try:
            entries = kustomize.extract_images(repo.text(rel) or "", rel)
        except GitOpsBotError:
            continue
        for e in entries:
            if e.new_name and "$" not in e.new_name and "{{" not in e.new_name:
                out.setdefault(WrittenRef.split(e.name).name, e.new_name)
    return out


def pulled_from(
    name: str, renamed: Sequence[tuple[str, Mapping[str, str]]]
) -> tuple[str | None, tuple[str, ...]]:
    """Where an image is pulled from when kustomize renames it (``newName``): the repository most
    of its environments pull, and each environment pulling another (a local registry for a
    local environment) said, since one image has one repository to read tags from."""
    pulled = [(env, m.get(name, name)) for env, m in renamed]
    counts: dict[str, int] = {}
    for _, r in pulled:
        counts[r] = counts.get(r, 0) + 1
    if not counts or set(counts) == {name}:
        return None, ()
    top = max(counts, key=lambda r: (counts[r], r != name))
    elsewhere = tuple(f"{env} renders it as {r}" for env, r in pulled if r != top)
    return (None if top == name else top), elsewhere


def pulled_per_environment(name: str, renamed: Sequence[tuple[str, Mapping[str, str]]]) -> str | None:
    """Why one entry cannot release ``name``, where environments rename it each to a repository
    of their own name (``newName: …/dba-dev/frontend`` in dev, ``…/dba-test/frontend`` in test:
    a build per environment's namespace), else None. One entry reads tags from one of them, and a
    promotion would write dev's repository and digest into test."""
    pulled = {env: m[name] for env, m in renamed if m.get(name)}
    own = {env: r for env, r in pulled.items() if env.lower() in re.split(r"[^a-z0-9]+", r.lower())}
    if len(set(own.values())) < 2:
        return None
    shown = ", ".join(f"{env}: {r}" for env, r in own.items())
    return (
        f"{name}: each environment pulls it from a repository of its own ({shown}): not configured, as one "
        "entry reads one repository's tags and a promotion would give one environment another's image; "
        "write an entry per repository by hand, each named as it is pulled, and list each under its "
        "environment's images:"
    )


def _renames(repo: RepoFiles, rel: str) -> dict[str, str]:
    """The names a kustomization's ``images:`` rename (-> ``newName``), each by its first entry:
    kustomize applies them in turn, so a later entry of a name the first renamed matches nothing."""
    try:
        entries = kustomize.extract_images(repo.text(rel) or "", rel)
    except GitOpsBotError:
        return {}
    out: dict[str, str] = {}
    for e in entries:
        name = WrittenRef.split(e.name).name
        if name not in out and e.new_name and e.new_name != name and "$" not in e.new_name:
            out[name] = e.new_name if "{{" not in e.new_name else ""
    return {n: r for n, r in out.items() if r}


def shared_names(
    repo: RepoFiles, envs: Iterable[tuple[str, Sequence[str]]], into: ImageNames
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """A kustomize image name renamed to two repositories (``name: back`` with two ``newName:``)
    -> what to say of it (on each image it becomes), and the repositories configured in its
    place: in one environment (two apps' kustomizations it builds side by side), or by two apps'
    overlays building on files of their own. The configuration keys an image by its name, so
    one entry named ``back`` would read one repository's tags and pin its digests into the other
    app's: each repository is its own image in ``into``, named by the repository, which the
    reader matches as the entries' ``newName``. One app renaming per environment (a local
    registry), on the same files naming the image, is one image, not a collision."""
    # name -> repository -> the kustomizations renaming it; kustomization -> its environments
    seen: dict[str, dict[str, list[str]]] = {}
    built_by: dict[str, set[str]] = {}
    for env, paths in envs:
        for p in dict.fromkeys(paths):
            if not any(f"{p}/{k}" in repo.files for k in KUSTOMIZATION_NAMES):
                continue
            for rel in (r for r in _reach(repo, p) if images.is_kustomization(r)):
                built_by.setdefault(rel, set()).add(env)
                for name, new in _renames(repo, rel).items():
                    where = seen.setdefault(name, {}).setdefault(new, [])
                    where += [rel] if rel not in where else []
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, by_repo in seen.items():
        naming = {r: _naming(repo, name, where) for r, where in by_repo.items()} if len(by_repo) > 1 else {}
        apart = [
            (a, b)
            for a, b in combinations(sorted(by_repo), 2)
            if not naming[a] & naming[b] or _side_by_side(repo, by_repo[a], by_repo[b], built_by)
        ]
        if not apart:
            continue
        shown = sorted({a for pair in apart for a in pair})
        said = "; ".join(f"{by_repo[r][0]} renames it to {r}" for r in shown)
        for r in shown:
            into.add(r, f"images: entry {by_repo[r][0]} renaming {name} to it")
        out[name] = (
            f"image {name}: one kustomize name for {len(shown)} repositories ({said}); gitops-bot.yaml "
            "keys an image by its name, so one entry would pin one repository's digests into the "
            f"other's: each is configured by its repository ({', '.join(shown)}), its images: "
            "entries' newName, and none as " + name,
            tuple(shown),
        )
    return out


def _reach(repo: RepoFiles, directory: str) -> list[str]:
    """The files a kustomization directory builds, relative to the repository."""
    found = repo.reach(repo.root / directory).files
    return [f.relative_to(repo.root).as_posix() for f in found if f.is_relative_to(repo.root)]


def _naming(repo: RepoFiles, name: str, kustomizations: Sequence[str]) -> frozenset[str]:
    """The files the kustomizations build on that name ``name`` (what their entries rename)."""
    return frozenset(
        r
        for k in kustomizations
        for r in _reach(repo, str(PurePosixPath(k).parent))
        if not images.is_kustomization(r) and name in (repo.text(r) or "")
    )


def _side_by_side(
    repo: RepoFiles, one: Sequence[str], other: Sequence[str], built_by: Mapping[str, set[str]]
) -> bool:
    """Whether an environment builds a kustomization of each, neither building the other (where
    one builds the other, the outer entry comes after the inner renamed the name: no collision)."""
    return any(
        built_by[a] & built_by[b]
        and a not in _reach(repo, str(PurePosixPath(b).parent))
        and b not in _reach(repo, str(PurePosixPath(a).parent))
        for a in one
        for b in other
    )


def drop(into: ImageNames, names: Iterable[str]) -> None:
    """Leave ``names`` out of what is configured (each said on its own)."""
    for name in names:
        into.found.pop(name, None)
        into.how.pop(name, None)


def digest_place(
    names: ImageNames, name: str, tags: Sequence[str], g: Guess, readings: Mapping[str, EnvironmentReading]
) -> tuple[Guess, str | None]:
    """Where a release's digest goes when the image's Helm keys name a tag and no digest: into
    the tag key (digestInTag) where the chart's template writes the image as ``NAME:TAG``, so
    ``tag@sha256:...`` is what runs; otherwise a guess following a moving tag's digest would be
    refused by the first plan (the digest has no place), so the image is not configured and the
    second value says why, with the fix (None: configured as guessed)."""
    helm = names.found.get(name) or {}
    pins = [p for r in readings.values() if (ir := r.image(name)) for p in ir.pins if p.effective]
    if "tag" not in helm or {"digest", "reference"} & set(helm) or g.digest_in_tag:
        return g, None
    if any(p.kind is not PinKind.HELM for p in pins):
        # what runs is written whole somewhere (a plain manifest, a template's reference): its
        # digest goes there; where only Helm keys set it, the plan says so
        return g, None
    key = helm["tag"]
    found = [*names.tag_last.get((helm.get("repository", ""), key), ()), *names.tag_last.get((name, key), ())]
    # the image's own chart's template (its values' chart holds it), never another chart's that
    # names the same keys; where its values are in no chart here, the one template there is
    own = [t for t in found if any(p.file.startswith(t.partition("templates/")[0]) for p in pins)]
    own.sort(key=lambda t: -len(t.partition("templates/")[0]))  # the nearest chart: a root one holds all
    template = (own or (found if len(set(found)) == 1 else [None]))[0]
    if template is not None:
        why = (
            f"{g.why}; {template} writes the image as repository:tag, so the digest is kept after the "
            f"tag in {key} (digestInTag)"
        )
        return replace(g, why=why, digest_in_tag=True), None
    if g.policy != "digest":
        return g, None
    shown = ", ".join(dict.fromkeys(t for t in tags if t)) or "no tag"
    return g, (
        f"{name}: pinned {shown}, a moving tag, whose digest has no place: its Helm keys "
        f"{', '.join(helm.values())} name none, and no chart template here shows the image written as "
        "repository:tag; not configured: add it with helm.digest (a key of the chart for a digest) or "
        "helm.digestInTag (when the chart writes repository:tag) and policy: digest"
    )
