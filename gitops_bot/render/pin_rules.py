"""One image's verdict in one environment, from the places its walk found. PURE.

A chain of rules, first match wins, each a small function of one :class:`Case` returning a
reading or ``None`` (not its case):

1. ``refused``: the environment's tool refuses to render it -> unsupported, in its words.
2. ``elsewhere``: its Application renders another branch than the bot reads -> unsupported.
3. ``unread``: nothing found, and it renders what cannot be read -> unsupported.
4. ``absent``: nothing it renders names the image -> not rendered.
5. ``two_repositories``: its winning ``images:`` entries rename it to two repositories -> unsupported.
   ``ref_pinned``: its ``images:`` entry pins a remote base's ``?ref=`` of the same kustomization
   -> unsupported (a release would move the images and not the manifests).
6. ``overridden``: the values file its path names is under an Argo CD Application's own
   setting of the key, applied after every value file -> unsupported, the Application named.
7. ``own``: every winning place is its own and editable -> pinned there.
8. ``in_place``: its own place is a value the editor does not write in place -> unsupported.
9. ``late``: it inherits the place from a file whose setting is applied after every file of
   the environment (an Application's or a Flux Kustomization's) -> unsupported.
10. ``parameter``: an Argo CD helm parameter the bot cannot edit (a yielded Application's,
    taken from its root chart's values), applied last -> unsupported.
11. ``charts`` / ``values``: a Helm value it inherits -> written into its own values layer
    (each rendering's own, when several charts render it).
12. ``no_layer``: inherited with no own kustomization or values file to override it.
13. ``renamed``: kustomize matches the entry by a name other than the configured one.
14. ``overlay``: inherited -> an ``images:`` entry in each own kustomization that builds it.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from gitops_bot.core.reading import (
    HELM_KEY,
    HELMRELEASE_KEY,
    KUSTOMIZE_ENTRY,
    ImageReading,
    Pin,
    PinKind,
    PinStatus,
    WouldWrite,
)
from gitops_bot.core.record import record
from gitops_bot.render import entry_reach, missing
from gitops_bot.render.walk import (
    APPSET_SHARED,
    APPSET_TEMPLATE,
    IN_PLACE_REFUSED,
    Elsewhere,
    Found,
    NoteKind,
    Walk,
)

# the fix of kustomize_refs' own refusal (a patches: entry that is a plain string)
PATCH_FIX = "write each patches: entry as '- path: FILE' (patchesStrategicMerge: takes plain file names)"


@record(slots=False)
class Case:
    """What one rule reads: the environment, the image, the places found, the walk, who else
    renders each file, and whether a file is this environment's alone."""

    env: str
    image: str
    found: list[Found]
    walk: Walk
    renders: Mapping[str, set[str]]
    alone: Callable[[str], bool]

    @functools.cached_property
    def _won(self) -> tuple[list[Found], dict[int, tuple[str | None, str | None]]]:
        won, kept = _effective(self.found)
        return won, {**entry_reach.kept(self.walk, self.found), **kept}

    @property
    def effective(self) -> list[Found]:
        return self._won[0]

    @functools.cached_property
    def pins(self) -> tuple[Pin, ...]:
        """Each place once: a base two of the environment's paths build is one pin (effective
        when it wins in any of them), not one per path."""
        won, kept = self._won
        out: dict[tuple[str, int, PinKind], Pin] = {}
        for f in self.found:
            tag, digest = kept.get(id(f), (f.site.tag, f.site.digest))
            pin = Pin(
                f.file,
                f.site.value_line or f.site.line,
                f.kind,
                f in won,
                tuple(sorted(self.renders.get(f.file, set()) - {self.env})),
                f.site.repository,
                tag,
                digest,
                f.editable,
                f.form,
                places=f.site.places,
            )
            have = out.setdefault((pin.file, pin.line, pin.kind), pin)
            if pin.effective and not have.effective:
                out[(pin.file, pin.line, pin.kind)] = replace(have, effective=True)
        return tuple(out.values())

    @functools.cached_property
    def owner(self) -> str:
        """The HelmRelease (``HelmRelease/name``) whose values set the place the reason names,
        else "": only a layer of that HelmRelease overrides it, never another's values."""
        at = (self.pin.file, self.pin.line)
        site = next(
            (f.site for f in self.effective if (f.file, f.site.value_line or f.site.line) == at), None
        )
        return site.workload if site is not None and site.workload.startswith("HelmRelease/") else ""

    def layers(self, files: Sequence[str]) -> list[str]:
        """Of values layers ``files``, those that can override the pin (:attr:`owner`'s)."""
        return [
            v for v in files if not self.owner or self.walk.release_names.get(v, self.owner) == self.owner
        ]

    @functools.cached_property
    def wins(self) -> list[Pin]:
        return [p for p in self.pins if p.effective]

    @functools.cached_property
    def shared(self) -> list[Pin]:
        return [p for p in self.wins if p.shared_with]

    @functools.cached_property
    def fixed(self) -> list[Pin]:
        return [p for p in self.wins if not p.editable]

    @property
    def pin(self) -> Pin:
        """The place the reason names: the first shared, else the first not editable."""
        return (self.shared or self.fixed)[0]

    @property
    def status(self) -> PinStatus:
        return PinStatus.INHERITED if self.shared else PinStatus.PINNED

    @functools.cached_property
    def why(self) -> str:
        pin = self.pin
        where = f"{pin.form} at {pin.file}:{pin.line}" if pin.form else f"{pin.file}:{pin.line}"
        if self.shared:
            verb = "renders" if len(pin.shared_with) == 1 else "render"
            return f"set only in {where}, which {', '.join(pin.shared_with)} {verb} too"
        written = pin.form or pin.kind.value
        return f"set in a {written} at {pin.file}:{pin.line}, which the bot cannot edit in place"

    @functools.cached_property
    def values(self) -> list[str]:
        """Its own Helm values layers of the charts rendering the image (not another chart's)."""
        roots = {f.root for f in self.effective if f.kind is PinKind.HELM}
        layers = zip(self.walk.values, self.walk.value_roots, strict=True)
        return [f for f, root in layers if self.alone(f) and (not roots or root in roots)]

    def unsupported(self, reason: str, fix: str, pins: tuple[Pin, ...] | None = None) -> ImageReading:
        return ImageReading(
            self.env, self.image, PinStatus.UNSUPPORTED, self.pins if pins is None else pins, reason, fix
        )


Rule = Callable[[Case], ImageReading | None]


def verdict(
    env: str,
    image: str,
    found: list[Found],
    walk: Walk,
    renders: Mapping[str, set[str]],
    alone: Callable[[str], bool],
) -> ImageReading:
    case = Case(env, image, found, walk, renders, alone)
    for rule in RULES:
        if (reading := rule(case)) is not None:
            return reading
    raise AssertionError("the last rule always answers")  # pragma: no cover


def _written(c: Case) -> tuple[Pin, ...]:
    """What the files say, when the environment is not rendered from them as read."""
    return tuple(Pin(f.file, f.site.value_line or f.site.line, f.kind, False, ()) for f in c.found)


def _refused(c: Case) -> ImageReading | None:
    """Argo CD and Flux fail the one Application or Kustomization they cannot render and sync the
    others: an image pinned only in units read whole is read there; one pinned in a refused unit,
    or nowhere read (the refused unit may set it), is unsupported in the refusal's words."""
    if not c.walk.refused:
        return None
    first = c.walk.refused[0]
    if (units := missing.refused_units(c.walk)) is not None:
        inside = next((why for f in c.found if (why := missing.unit_refusal(c.walk, units, f))), None)
        if inside is None and c.found:
            return None
        first = inside or first
    return c.unsupported(first, c.walk.fixes.get(first, PATCH_FIX), _written(c))


def _elsewhere(c: Case) -> ImageReading | None:
    if not c.walk.elsewhere:
        return None
    apps = "; ".join(dict.fromkeys(map(str, c.walk.elsewhere)))
    return c.unsupported(
        f"{apps}: its files there are not what {c.env} runs",
        _branch_fix(c.env, c.walk.elsewhere),
        _written(c),
    )


def _unread(c: Case) -> ImageReading | None:
    if c.found or not c.walk.unread:  # rendered by what cannot be read: said, not "not rendered"
        return None
    return ImageReading(
        c.env,
        c.image,
        PinStatus.UNSUPPORTED,
        reason="; ".join(c.walk.unread[:3]),
        fix=f"give {c.env} a path the repository holds whole: an Application file of its own (or the "
        "overlay or values file its generated Application renders)",
    )


# the form of a place a chart template writes whole: what the marked render of the templates
# (render.template_pins) proves, where helm is installed
TEMPLATE_FORM = "line of a chart template"


def _templated(c: Case) -> ImageReading | None:
    where = c.walk.templated.get(c.image)
    if c.found or not where:
        return None
    shown = ", ".join(f"{f}:{n}" for f, n, _ in where[:3])
    shown += f" and {len(where) - 3} more" if len(where) > 3 else ""
    return ImageReading(
        c.env,
        c.image,
        PinStatus.UNSUPPORTED,
        tuple(
            Pin(f, n, PinKind.CONTAINER, False, (), r.name, r.tag, r.digest, False, TEMPLATE_FORM)
            for f, n, r in where
        ),
        reason=f"written whole in a chart template at {shown}, YAML only once helm renders it: the bot "
        "reads and writes no version there",
        fix=_TEMPLATE_FIX,
    )


_TEMPLATE_FIX = (
    "take the image from the chart's values (image: {{ .Values.image.repository }}:{{ .Values.image.tag }} "
    "in the template, both keys in values.yaml) and give the image helm: {repository: image.repository, "
    "tag: image.tag} in gitops-bot.yaml"
)


def _absent(c: Case) -> ImageReading | None:
    return None if c.found else not_rendered(c.env, c.image, c.walk)


def _two_repositories(c: Case) -> ImageReading | None:
    """Its winning images: entries rename it to two repositories (two apps' kustomizations the
    environment builds, each ``name: back`` with its own ``newName:``): two images the
    configuration names as one, whose release would write one repository's digest into both."""
    renamed = {p.repository: p for p in c.wins if p.kind is PinKind.KUSTOMIZE and p.repository}
    if len(renamed) < 2:
        return None
    said = "; ".join(f"{p.file}:{p.line} renames it to {r}" for r, p in sorted(renamed.items()))
    return c.unsupported(
        f"{c.env} renders {c.image} as {len(renamed)} repositories ({said}): one image in gitops-bot.yaml "
        "would pin one repository's digests into the other's",
        f"configure each by its repository ({', '.join(f'name: {r}' for r in sorted(renamed))} under "
        f"images:, each matched as its entries' newName) in place of {c.image}, as gitops-bot init writes",
    )


def _ref_pinned(c: Case) -> ImageReading | None:
    """Its images: entry pins the version a remote base of the same kustomization is fetched
    at (``?ref=``): one release in two places, and the bot moves only the entry, leaving the
    workloads on the new image over the old release's manifests (RBAC, CRDs, flags)."""
    for p in c.wins:
        if p.kind is not PinKind.KUSTOMIZE or not p.tag:
            continue
        for n in c.walk.notes:
            if n.kind is NoteKind.REMOTE and n.by == p.file and (ref := _ref(n.file, p.tag)):
                return c.unsupported(
                    f"pinned also as ?{ref} of {n.file}: a release would move the images and not "
                    "the manifests",
                    "vendor the base or release both by hand",
                )
    return None


def _ref(entry: str, tag: str) -> str:
    """The ``ref=``/``version=`` a remote entry is fetched at, when it is ``tag`` (a leading v
    aside: v2.7.9 and 2.7.9 name one release); "" otherwise."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(entry).query)
    return next(
        (
            f"{k}={v}"
            for k in ("ref", "version")
            for v in query.get(k, ())
            if v.lstrip("v") == tag.lstrip("v")
        ),
        "",
    )


_OWN_SET = "releases then write its own setting"


def _overridden(c: Case) -> ImageReading | None:
    """The values file its path names, under an Argo CD Application's own setting of the key
    (render/chart_values): what runs is the Application's, and a release into the file changes
    nothing; the Application's file as the path is where releases write it."""
    spot = next((p for p in c.wins if (p.file, p.line) in c.walk.overriding), None)
    if spot is None:
        return None
    words = c.walk.overriding[(spot.file, spot.line)]
    return c.unsupported(
        f"{spot.file}:{spot.line} sets {words}",
        # a write-back file's own fix names the Application's file (render/roots.written_back)
        c.walk.fixes.get(words, f"name {spot.file} as the environment's path in gitops-bot.yaml; {_OWN_SET}"),
    )


def _own(c: Case) -> ImageReading | None:
    if c.shared or c.fixed:
        return None
    return ImageReading(c.env, c.image, PinStatus.PINNED, c.pins)


def _in_place(c: Case) -> ImageReading | None:
    """Its own place is a value the editor does not write in place (an anchor's, say): no
    layer of its own could override it, the place is the layer."""
    spot = next((p for p in c.wins if p.form == IN_PLACE_REFUSED and not p.shared_with), None)
    if spot is None:
        return None
    return c.unsupported(
        f"set in a {spot.form} at {spot.file}:{spot.line}, which the bot cannot edit in place",
        f"write the value at {spot.file}:{spot.line} as a plain one (key: VALUE); releases then edit it",
    )


def _generated(c: Case) -> ImageReading | None:
    """A value of an ApplicationSet's generated Application that is no list element of the
    environment's own: the template's (a literal, a cluster's label, a value it builds), alike
    in every Application it generates, or a generator's value other Applications take too."""
    spot = next((p for p in c.fixed if p.form in (APPSET_TEMPLATE, APPSET_SHARED)), None)
    if spot is None:
        return None
    others = c.walk.appsets.get(spot.file, {}).get(spot.line, ())
    what = (
        f"a generator's value the Applications {', '.join(others)} take too"
        if spot.form == APPSET_SHARED
        else "the ApplicationSet's template value, the same in every Application it generates"
    )
    return c.unsupported(
        f"set at {spot.file}:{spot.line}, {what}: no place of {c.env}'s own",
        f"give {c.env}'s list element a key of its own holding the version ({{env: {c.env}, tag: ...}}) and "
        "take it whole in the template (a helm parameter's value: '{{tag}}'; a kustomize.images entry: "
        f"'{{{{image}}}}', the key holding the whole reference); releases then write {c.env}'s element",
    )


def _late(c: Case) -> ImageReading | None:
    late = [p for p in c.shared if p.kind in (PinKind.ARGOCD, PinKind.FLUX)]
    if not late:  # applied after every file: no layer of this environment's would count
        return None
    return c.unsupported(
        f"{c.why}; that file holds what {', '.join(late[0].shared_with)} deploy too, and its setting is "
        "applied after every file of the environment",
        f"give {c.env} a file of its own holding only its Application or Kustomization, and name that "
        "file as its path",
    )


def _parameter(c: Case) -> ImageReading | None:
    if not any(p.kind is PinKind.ARGOCD for p in c.fixed):  # applied after every file: only it counts
        return None
    return c.unsupported(
        f"{c.why}; Argo CD applies it after every values file",
        "set the image in a values file of the Application (its helm.valueFiles) and drop the parameter; "
        "releases then go there",
    )


def _charts(c: Case) -> ImageReading | None:
    """Inherited through several renderings (charts of its several Applications): the key goes
    into the own values file of each, the last one each rendering layers, so no chart is left on
    the shared version; one rendering with no file of its own is refused by name."""
    charts = sorted({f.root for f in c.effective if f.kind is PinKind.HELM})
    if c.pin.kind is not PinKind.HELM or not c.values or len(charts) < 2:
        return None
    own: dict[int, str] = {}
    for f, root in zip(c.walk.values, c.walk.value_roots, strict=True):
        if c.alone(f) and c.layers([f]):
            own[root] = f  # the later layer wins
    missing = [n for n in charts if n not in own]
    files = list(dict.fromkeys(own[n] for n in charts if n in own))
    forms = {HELMRELEASE_KEY if f in c.walk.releases else HELM_KEY for f in files}
    if missing or len(forms) != 1:
        return c.unsupported(
            f"{c.why}; {c.env} renders it through {len(charts)} charts, each inheriting it, and "
            + (
                f"{len(missing)} of them layer no values file of {c.env}'s own"
                if missing
                else "its own layers are both HelmRelease values and values files"
            ),
            f"give each of {c.env}'s Applications a values file of its own (named in its helm.valueFiles "
            "and in the environment's paths); releases then go into each one",
        )
    (form,) = forms
    return ImageReading(
        c.env, c.image, c.status, c.pins, would_write=WouldWrite(files[0], form, tuple(files[1:]))
    )


def _values(c: Case) -> ImageReading | None:
    if c.pin.kind is not PinKind.HELM or not c.values:
        return None
    layers = c.layers(c.values)
    if not layers:
        return None
    form = HELMRELEASE_KEY if layers[-1] in c.walk.releases else HELM_KEY
    return ImageReading(c.env, c.image, c.status, c.pins, would_write=WouldWrite(layers[-1], form))


def _bare(c: Case) -> list[Found]:
    """The winning places no own kustomization of the environment builds."""
    return [f for f in c.effective if _own_layer(c, f) is None]


def _own_layer(c: Case, f: Found) -> str | None:
    """The environment's own kustomization that builds ``f``, outermost first: of several
    paths, the one rendering that workload (an overlay that renders it not changes nothing)."""
    return next((k for k in f.under if k in c.walk.layers and c.alone(k)), None)


def _no_layer(c: Case) -> ImageReading | None:
    bare = _bare(c)
    if not bare:
        return None
    pin = c.pin
    own = "values file" if pin.kind is PinKind.HELM else "kustomization"
    spots = {(f.file, f.site.value_line or f.site.line) for f in bare}
    b = bare[0]
    where = (
        ""
        if (pin.file, pin.line) in spots
        else f" where it renders {b.file}:{b.site.value_line or b.site.line}"
    )
    fix = (
        f"give {c.env} a values file of its own, layered over {pin.file}, as its path"
        if pin.kind is PinKind.HELM
        else f"give {c.env} an overlay of its own (a kustomization.yaml whose resources: list what it "
        "renders) as its path"
    )
    dead = [p for p in c.pins if p.kind is PinKind.HELM] if "/templates/" in f"/{pin.file}" else []
    if dead:  # a chart's template naming the image whole under value files that set it: dead lines
        # no line of them wins: what runs is the template's, so none is read as effective
        # (init guesses the policy from the effective tags, and says these keys are dead)
        return c.unsupported(
            f"{c.why}: the chart's template writes the image whole, so {dead[-1].place} is never read",
            f"{_TEMPLATE_FIX}; {dead[-1].file} is then {c.env}'s pin",
            tuple(replace(p, effective=False) if p in dead else p for p in c.pins),
        )
    if pin.kind is not PinKind.HELM and "/templates/" in f"/{pin.file}":
        # a chart's template writing the image whole, rendered over values files: no overlay is
        # the way out, the values are (each environment's values file then pins it)
        return c.unsupported(
            f"{c.why}: the chart's template writes the image whole",
            f"{_TEMPLATE_FIX}; {c.env}'s values file then pins it",
        )
    shared = next((k for k in b.under if k in c.walk.layers), None) if pin.kind is not PinKind.HELM else None
    if shared is not None and pin.shared_with:
        # its path is a kustomization another environment builds on (an install's base and its
        # variant): one release of both is one environment, never a restructured layout
        others = ", ".join(pin.shared_with)
        return c.unsupported(
            f"{c.why}: {c.env}'s own kustomization {shared} is built by {others} too{where}",
            f"if {c.env} and {others} take one release, list their paths in one environment (the "
            f"release is then written in {pin.place}); else {fix}; releases then go there",
        )
    return c.unsupported(
        f"{c.why}, and {c.env} has no {own} of its own to pin it in{where}", f"{fix}; releases then go there"
    )


def _renamed(c: Case) -> ImageReading | None:
    names = {p.repository if p.kind is not PinKind.KUSTOMIZE else (p.repository or c.image) for p in c.wins}
    rendered = next((n for n in sorted(n for n in names if n) if n != c.image), None)
    if not rendered:
        return None
    return c.unsupported(
        f"{c.why}; kustomize matches an images: entry by the name rendered there ({rendered}), and "
        f"gitops-bot.yaml names the image {c.image}",
        f"name the image {rendered!r} in gitops-bot.yaml (its repository stays as it is)",
    )


def _overlay(c: Case) -> ImageReading:
    # each path rendering the image takes an entry of its own: one left out would stay on the
    # shared version
    targets = dict.fromkeys(k for f in c.effective if (k := _own_layer(c, f)) is not None)
    first, *also = targets
    return ImageReading(
        c.env, c.image, c.status, c.pins, would_write=WouldWrite(first, KUSTOMIZE_ENTRY, tuple(also))
    )


RULES: tuple[Rule, ...] = (
    _refused,
    _elsewhere,
    _unread,
    _templated,
    _absent,
    _two_repositories,
    _ref_pinned,
    _overridden,
    _own,
    _in_place,
    _generated,
    _late,
    _parameter,
    _charts,
    _values,
    _no_layer,
    _renamed,
    _overlay,
)


def _branch_fix(env: str, elsewhere: Sequence[Elsewhere]) -> str:
    """Read and release the environment where its deploy tool renders it: its own branch."""
    named = {e.branch for e in elsewhere}
    if len(named) == 1 and (branch := named.pop()):
        return f"set branch: {branch} on environment {env} in gitops-bot.yaml (read and released there)"
    return (
        f"give {env} the branch its Application renders (branch: in gitops-bot.yaml), or keep its overlay "
        f"on {elsewhere[0].base} with its Application tracking that branch"
    )


def not_rendered(env: str, image: str, walk: Walk) -> ImageReading:
    # what it reads and did not follow, and what is there and was not read: where the image may be
    remote = [*walk.said, *(str(n) for n in walk.notes if n.kind in (NoteKind.REMOTE, NoteKind.UNFOLLOWED))]
    return ImageReading(
        env,
        image,
        PinStatus.NOT_RENDERED,
        reason=f"nothing {env} renders names {image} ({len(walk.files)} files read"
        + (f"; {'; '.join(remote[:3])}" if remote else "")
        + ")",
        fix=f"name the image in gitops-bot.yaml as the manifests write it (repository: what they pull), "
        f"or point {env}'s path at what deploys it",
    )


def _effective(found: Sequence[Found]) -> tuple[list[Found], dict[int, tuple[str | None, str | None]]]:
    """The places that win when rendered, in kustomize's order of applying them: an
    ``images:`` entry sets the image in every workload below it; a container, a patch or a
    values key sets it in its own container (or key) until something later does. Each
    container of a workload is its own place (an init container beside the main one); a
    patch naming no container (a JSON 6902 operation) sets every one of its workload's.
    And by ``id`` of an entry that sets no tag and no digest (a ``newName:`` alone), the tag
    and digest it keeps from the places below it, where they agree: kustomize renders those
    (api/filters/imagetag), so that is the version the entry pins, where its own fields say none."""
    wins: dict[tuple[int, str, str], Found] = {}
    kept: dict[int, tuple[str | None, str | None]] = {}
    for f in found:  # in rank order
        if f.misses:  # applied to nothing built: changes nothing
            continue
        if f.kind is PinKind.KUSTOMIZE:  # every workload built in its kustomization
            covered = [w for k, w in wins.items() if k[0] == f.root and f.file in w.under]
            if not (f.site.tag or f.site.digest) and covered:
                versions = {kept.get(id(w), (w.site.tag, w.site.digest)) for w in covered}
                if len(versions) == 1:
                    kept[id(f)] = versions.pop()
            wins = {k: w for k, w in wins.items() if k[0] != f.root or f.file not in w.under}
            wins[(f.root, f.file, "")] = f
        elif f.kind in (PinKind.ARGOCD, PinKind.FLUX):  # applied after the build: over all it renders
            wins = {k: w for k, w in wins.items() if k[0] != f.root}
            wins[(f.root, f.file, "")] = f
        else:
            workload, container = f.site.workload, f.site.container
            if f.site.kind == "helm":  # values layers stack, a HelmRelease's patch of them too
                workload = ""
                below = wins.get((f.root, workload, container))
                if below is not None and below.site.kind == "helm" and not (f.site.tag or f.site.digest):
                    continue  # a layer of the repository key alone: the tag below it still renders
            if not container:
                wins = {k: w for k, w in wins.items() if k[:2] != (f.root, workload)}
            wins[(f.root, workload, container)] = f
    return list(wins.values()), kept
