"""The tag policies a repository's own Flux image automation defines, as discovery (``gitops-bot
init``) takes them: an ``ImagePolicy`` (image.toolkit.fluxcd.io) chooses the tags Flux writes
into the ``$imagepolicy`` setters, so an image it names is configured with that policy rather
than one guessed from the pinned tags, which Flux would not follow.

The fields read are Flux's API (fluxcd/image-reflector-controller, api/v1beta2/
imagepolicy_types.go, the same in v1beta1 and v1): ``spec.imageRepositoryRef`` (name, namespace)
naming an ``ImageRepository`` whose ``spec.image`` is the repository scanned; ``spec.policy``, one
of ``semver.range`` (a Masterminds range), ``alphabetical.order`` and ``numerical.order``
(``asc``, the default, elects the highest; ``desc`` the lowest); and ``spec.filterTags``'s
``pattern`` (a regular expression the tags must match) and ``extract`` (a replacement template
such as ``$ts``, the part ordered)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from gitops_bot.core import goregexp
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.reading import EnvironmentReading
from gitops_bot.core.record import record
from gitops_bot.engine.repository_files import RepoFiles
from gitops_bot.manifests import nodes, workloads
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.policy import ranges
from gitops_bot.policy.guess import Guess

_GROUP = "image.toolkit.fluxcd.io/"


@record
class AutomationPolicy:
    """A tag policy an image automation tool of the repository defines (a Flux ImagePolicy, an
    Argo CD Image Updater annotation): which tool, what it chooses and where it writes."""

    name: str  # namespace:name, as a setter marker names it
    where: str  # file:line of its spec.policy
    repository: str | None  # the repository key of its ImageRepository's spec.image
    keys: Mapping[str, Any] | None  # the bot's policy keys; None: Flux's has no equivalent here
    what: str  # Flux's policy in its own words, or why it is not taken
    image: str = ""  # its ImageRepository's spec.image as written, and where: the repository pulled
    image_at: str = ""
    tool: str = "Flux ImagePolicy"  # what defines it, as said before its label
    writes: str = ""  # where that tool writes the tags itself (a second writer of the lines), or ""

    @property
    def label(self) -> str:
        """Its name as said: namespace:name, or the name where its file names no namespace."""
        return self.name.removeprefix(":")


def flux_policies(repo: RepoFiles) -> list[AutomationPolicy]:
    """Every ImagePolicy of the repository, with the repository its ImageRepository scans."""
    found: list[tuple[str, str, str | None, Mapping[str, Any]]] = []  # (ns:name, where, ref, spec)
    scanned: dict[str, tuple[str, str, str]] = {}  # ImageRepository ns:name -> (key, spec.image, file:line)
    for rel in repo.yaml_files():
        text = repo.text(rel)
        if not text or _GROUP not in text:
            continue
        try:
            docs = nodes.compose_all(YamlText.of(text).body, rel)
        except GitOpsBotError:
            continue  # said where the file is read
        for doc in docs:
            if not nodes.is_map(doc):
                continue
            value = _value(doc)
            if not isinstance(value, dict) or not str(value.get("apiVersion", "")).startswith(_GROUP):
                continue
            meta, spec = value.get("metadata"), value.get("spec")
            if not isinstance(meta, dict) or not isinstance(spec, dict) or not meta.get("name"):
                continue
            ns = str(meta.get("namespace") or "")
            if value.get("kind") == "ImageRepository" and isinstance(spec.get("image"), str):
                if (key := workloads.repository_key(spec["image"])) is not None:
                    scanned[f"{ns}:{meta['name']}"] = (key, spec["image"], f"{rel}:{_line(doc)}")
            elif value.get("kind") == "ImagePolicy":
                ref = spec.get("imageRepositoryRef")
                named = f"{ref.get('namespace') or ns}:{ref.get('name')}" if isinstance(ref, dict) else None
                found.append((f"{ns}:{meta['name']}", f"{rel}:{_line(doc)}", named, spec))
    out = []
    for name, where, ref, spec in found:
        # an ImageRepository whose file names no namespace is matched by its name
        scans = scanned.get(ref or "") or scanned.get(f":{(ref or '').split(':', 1)[-1]}")
        key, image, image_at = scans or (None, "", "")
        out.append(AutomationPolicy(name, where, key, *_keys(spec), image, image_at))
    return out


def _value(node: Any, depth: int = 0) -> Any:
    """A composed node as plain values, every scalar as the text written (a range, an order and
    a pattern are text to Flux)."""
    if depth > 64:
        return None
    if nodes.is_map(node):
        return {_value(k, depth + 1): _value(v, depth + 1) for k, v in node.value if nodes.is_scalar(k)}
    if nodes.is_seq(node):
        return [_value(n, depth + 1) for n in node.value]
    return None if nodes.is_null(node) else str(node.value)


def _line(doc: Any) -> int:
    """The line of the document's spec.policy (its start when there is none)."""
    spec = nodes.get(doc, "spec")
    policy = nodes.get(spec[1], "policy") if spec and nodes.is_map(spec[1]) else None
    node = policy[1] if policy else doc
    return int(node.start_mark.line) + 1


def _keys(spec: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str]:
    """The bot's keys for an ImagePolicy's spec, and Flux's policy in words (or why none)."""
    choice, tags = spec.get("policy"), spec.get("filterTags")
    choice = choice if isinstance(choice, dict) else {}
    tags = tags if isinstance(tags, dict) else {}
    keys: dict[str, Any] = {}
    if isinstance(semver := choice.get("semver"), dict):
        rng = str(semver.get("range", ""))
        what = f"semver range {rng}"
        try:
            ranges.parse_range(rng)
        except ValueError as e:
            return None, f"{what}, which the bot's semver ranges do not read ({e}): write range: by hand"
        keys = {"policy": "semver", "range": rng}
    elif (kind := next((k for k in ("alphabetical", "numerical") if k in choice), None)) is not None:
        rules = choice[kind] if isinstance(choice[kind], dict) else {}
        order = str(rules.get("order") or "asc")
        what = f"{kind} order {order}"
        if order != "asc":
            return None, f"{what}, which elects the lowest tag: the bot's {kind} elects the highest only"
        keys = {"policy": kind}
    else:
        return None, "no semver, alphabetical or numerical policy"
    pattern, extract = tags.get("pattern"), tags.get("extract")
    if pattern:
        # read as Flux reads it (Go's regexp is RE2): a pattern Flux refuses is said, not taken
        if (problem := goregexp.problem(str(pattern))) is not None:
            return None, f"{what} over filterTags pattern {pattern!r}, which Flux cannot read: {problem}"
        keys["pattern"] = str(pattern)
        what += f", filterTags pattern {pattern!r}"
        if extract:
            what += f" extract {extract!r}"
            # Flux expands it as Go's Regexp.Expand does: $ts, ${ts}, $1, or text around them
            keys["extract"], problem = goregexp.extraction(str(pattern), str(extract))
            if problem is not None:
                return None, f"{what}, which {problem}: Flux extracts an empty value from every tag"
    return keys, what


def taken(
    policies: Sequence[AutomationPolicy], name: str, repository: str, own: Guess
) -> tuple[Guess, str, tuple[str, ...]]:
    """The policy of the image configured as ``name``, pulled from ``repository``: the Flux
    ImagePolicy a setter names by ``name`` (namespace:name), else those scanning its repository,
    taken when they agree and have an equivalent; (the guess, where it came from ("" for init's
    own guess), what to say of a policy not taken)."""
    key = workloads.repository_key(repository)
    # one whose file names no namespace (a kustomization's namespace: sets it) is matched by name
    marked = [p for p in policies if p.name == name or (p.name.startswith(":") and name.endswith(p.name))]
    naming = marked or [p for p in policies if key is not None and _scans(p.repository, key)]
    if not naming:
        return own, "", ()
    usable = [p for p in naming if p.keys is not None]
    if len(usable) < len(naming):
        said = tuple(
            f"{p.tool} {p.label} at {p.where} chooses its tags by {p.what}; not taken, the policy "
            "below is init's own guess"
            for p in naming
            if p.keys is None
        )
        return own, "", said
    if len({repr(sorted(p.keys.items())) for p in usable if p.keys}) > 1:
        shown = "; ".join(f"{p.tool} {p.label} at {p.where}: {p.what}" for p in usable)
        apart = f"its policies choose its tags apart ({shown}); the policy below is init's guess"
        return own, "", (apart,)
    p = usable[0]
    places = ", ".join(q.where for q in usable)
    who = "Flux" if p.tool.startswith("Flux") else "Image Updater"
    how = f"policy from {p.tool} {p.label} at {places} ({p.what}), the tags {who} would elect"
    said = tuple(dict.fromkeys(q.writes for q in usable if q.writes))
    return Guess(dict(p.keys or {}), how, digest_in_tag=own.digest_in_tag), how, said


def _scans(repository: str | None, key: str) -> bool:
    """Whether a policy's repository is ``key``: as written, or with an ApplicationSet's
    ``{{...}}`` standing for one path segment of it."""
    if repository is None or "{{" not in repository:
        return repository == key
    parts = re.split(r"\{\{[^}]*\}\}", repository)
    return re.fullmatch("[^/]+".join(map(re.escape, parts)), key) is not None


_UPDATER = "argocd-image-updater.argoproj.io/"
# Image Updater's strategies (argocd-image-updater docs, configuration/images: update-strategy),
# as the bot's policies: latest and newest-build elect the newest image built (its former name
# most-recently-updated too); name and alphabetical the last tag in lexical order
_STRATEGIES = {
    "semver": "semver",
    "latest": "newest",
    "newest-build": "newest",
    "most-recently-updated": "newest",
    "name": "alphabetical",
    "alphabetical": "alphabetical",
    "digest": "digest",
}


def updater_policies(repo: RepoFiles) -> list[AutomationPolicy]:
    """The policies Argo CD Image Updater's annotations on the repository's Applications and
    ApplicationSets set (``image-list: [alias=]image[:constraint]``, ``<alias>.update-strategy``,
    ``<alias>.allow-tags: regexp:...``): what that tool elects for each image, taken as a Flux
    ImagePolicy is, with the line that sets it."""
    out: list[AutomationPolicy] = []
    for rel in repo.yaml_files():
        text = repo.text(rel)
        if not text or _UPDATER not in text:
            continue
        for doc in repo.docs(rel):
            meta = doc.get("metadata") if isinstance(doc, dict) else None
            if isinstance(doc, dict) and doc.get("kind") == "ApplicationSet":
                # what its Applications carry (an ImageUpdater's useAnnotations reads those), a
                # generator's {{service}} standing for each one's part of the repository
                template = doc.get("spec", {}).get("template") if isinstance(doc.get("spec"), dict) else None
                inner = template.get("metadata") if isinstance(template, dict) else None
                if isinstance(inner, dict) and isinstance(inner.get("annotations"), dict):
                    meta = {**inner, "name": meta.get("name") if isinstance(meta, dict) else None}
            notes = meta.get("annotations") if isinstance(meta, dict) else None
            if not isinstance(notes, dict) or not isinstance(
                listed := notes.get(f"{_UPDATER}image-list"), str
            ):
                continue
            # its kind and name: a label no image name can be (an image name holds no space)
            app = (
                f"{doc.get('kind') or 'object'} {meta.get('name') or rel}" if isinstance(meta, dict) else rel
            )
            line = next((n for n, t in enumerate(text.splitlines(), 1) if "image-list" in t), 1)
            back = str(notes.get(f"{_UPDATER}write-back-method") or "argocd")
            writes = (
                f"Argo CD Image Updater writes these tags itself ({rel}:{line}, write-back-method {back}): "
                "two writers of one line race; run one of the two"
                if back.startswith("git")
                else ""
            )
            for spec in listed.split(","):
                alias, _, image = spec.strip().rpartition("=")
                out.append(_updater_policy(notes, alias, image, f"{rel}:{line}", app, writes))
    return out


def _updater_policy(
    notes: Mapping[str, Any], alias: str, image: str, where: str, app: str, writes: str
) -> AutomationPolicy:
    head, slash, last = image.strip().rpartition("/")
    name, _, constraint = last.partition(":")  # a registry's port is before the last slash
    ref = f"{head}{slash}{name}"
    prefix = f"{_UPDATER}{alias}." if alias else ""
    strategy = str(notes.get(f"{prefix}update-strategy") or "semver") if prefix else "semver"
    # tag-match: allow-tags' former name, which Image Updater still reads where allow-tags is not
    allow = str(notes.get(f"{prefix}allow-tags") or notes.get(f"{prefix}tag-match") or "") if prefix else ""
    ignore = str(notes.get(f"{prefix}ignore-tags") or "") if prefix else ""
    what = f"update-strategy {strategy}" + (f" with constraint {constraint}" if constraint else "")
    policy = _STRATEGIES.get(strategy)
    tool = "Argo CD Image Updater's annotations on"
    # a generator's {{service}} kept through the key (a name of its own stands in for it)
    repository = workloads.repository_key(ref.replace("{{", "tmplopen").replace("}}", "tmplclose"))
    repository = repository.replace("tmplopen", "{{").replace("tmplclose", "}}") if repository else None
    if policy is None:
        return AutomationPolicy(
            app, where, repository, None, f"{what}, which the bot has no policy for", tool=tool, writes=writes
        )
    keys: dict[str, Any] = {"policy": policy}
    if policy == "digest":
        keys["tag"] = constraint or "latest"
    elif policy == "semver" and constraint:
        try:
            ranges.parse_range(constraint)
        except ValueError as e:
            return AutomationPolicy(
                app,
                where,
                repository,
                None,
                f"{what}, not a range the bot reads ({e})",
                tool=tool,
                writes=writes,
            )
        keys["range"] = constraint
    if allow.startswith("regexp:"):
        # read as Image Updater reads it (Go's regexp is RE2)
        if (problem := goregexp.problem(allow[7:])) is not None:
            said = f"{what}, allow-tags {allow!r}, which Image Updater cannot read either: {problem}"
            return AutomationPolicy(app, where, repository, None, said, tool=tool, writes=writes)
        keys["allow"] = [allow[7:]]
        what += f", allow-tags {allow!r}"
    if globs := [g.strip() for g in ignore.split(",") if g.strip()]:
        # globs Image Updater matches with Go's filepath.Match, written as the patterns they are
        patterns = {g: goregexp.from_glob(g) for g in globs}
        keys["ignore"] = [p for p in patterns.values() if p is not None]
        refused = ", ".join(repr(g) for g, p in patterns.items() if p is None)
        said = f" ({refused}: no glob to Go, ignores no tag)" if refused else ""
        what += f", ignore-tags {ignore!r}{said}"
    return AutomationPolicy(app, where, repository, keys, what, tool=tool, writes=writes)


# a build named for its environment: dev-952ac34..., staging_12 (not dev-latest, a moving tag
# that a digest policy follows, each environment's promoted on from the one before)
_BUILD_OF = re.compile(r"(?P<word>[A-Za-z]+)[-_.](?=[0-9A-Za-z._-]*[0-9])")


def built_per_environment(name: str, readings: Mapping[str, EnvironmentReading]) -> str | None:
    """Why one policy cannot release ``name``, where two environments each pin a build of their
    own, tagged with their own name (``dev-<sha>`` in dev, ``staging-<sha>`` in staging: CI builds
    each with its environment's settings), else None. One policy over every tag would move dev
    to staging's newest build; an environment pinning another's build (production on
    ``staging-<sha>``) is a promotion, and fine."""
    if (variants := _named_variants(name, readings)) is not None:
        return variants
    words: dict[str, str] = {}
    tags: dict[str, str] = {}
    for env, reading in readings.items():
        ir = reading.image(name)
        pin = ir.effective if ir is not None else None
        if pin is None or not pin.tag or (m := _BUILD_OF.match(pin.tag)) is None:
            continue
        words[env], tags[env] = m.group("word").lower(), pin.tag
    own = {
        env: word
        for env, word in words.items()
        if len(word) >= 3 and any(w == word or w.startswith(word) for w in re.split(r"[^a-z]+", env.lower()))
    }
    if len(set(own.values())) < 2:
        return None
    pinned = ", ".join(f"{env}: {tags[env]}" for env in own)
    first, other = list(own)[:2]
    return (
        f"{name}: each environment builds its own ({pinned}), so one policy over its tags would "
        f"move {first} to {other}'s build: not configured; release each environment's build where "
        f"its CI builds it (gitops-bot set-image FILE {name}:TAG), or write the entry by hand with "
        f"a pattern of one environment's tags (pattern: '^{own[other]}-') and leave the others "
        "out of it (environments: images:)"
    )


def _named_variants(name: str, readings: Mapping[str, EnvironmentReading]) -> str | None:
    """Why one policy cannot release ``name`` where every environment pinning it pins the tag of
    its own name (galonge/voting-app-kustomized: overlays v1, v2, v3 each pinning result:v1, :v2,
    :v3, flavours of the app, not builds of one line), else None: ordered as versions, a
    release would move v1 onto v3's architecture."""
    pinned = {
        env: pin.tag
        for env, reading in readings.items()
        if (ir := reading.image(name)) is not None and (pin := ir.effective) is not None and pin.tag
    }
    if len(pinned) < 2 or any(tag.lower() != env.lower() for env, tag in pinned.items()):
        return None
    first, last = sorted(pinned)[0], sorted(pinned)[-1]
    return (
        f"{name}: each environment pins the tag of its own name ({', '.join(pinned.values())}), a variant "
        f"of its own rather than a release of one line, so one policy over its tags would move {first} to "
        f"{last}: not configured; write the entry by hand with policy: digest and the tag each follows "
        "(environments: images:), or release each variant by hand (gitops-bot set-image FILE "
        f"{name}:TAG)"
    )
