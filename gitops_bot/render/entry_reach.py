"""Where an ``images:`` entry renaming another name to a configured image applies, by kustomize's
own rule (api/filters/imagetag): an entry ``name: back``, ``newName: ghcr.io/acme/shop-back``
sets that image only in the containers built below its kustomization whose image is named
``back`` when its turn comes, after the entries before it in the same list (one renaming
``back`` to something else leaves it nothing) and the nested kustomizations' entries. Such an
entry is the image's pin only where it applies: a dead one (a second ``name: nginx`` renaming
to another repository, after the first) is no place the environment takes the image from.

The images reaching a kustomization are gathered only while one being built holds such an
entry (most walks: none), from every ``image:`` its resources and patches write: more than the
containers kustomize sets (any kind's ``image:``), so an entry is dead only when nothing there
could be named as it; where what it builds is not all known (``Walk.unsure``), every entry stands."""

from __future__ import annotations

import re
from collections.abc import Sequence

from gitops_bot.core.imageref import WrittenRef
from gitops_bot.core.reading import PinKind
from gitops_bot.manifests import images, kustomize
from gitops_bot.render.walk import Found, Walk

# an image: key's scalar, block or flow style, quoted or not (JSON too), and a JSON 6902
# operation's value: (the image it may set a container to)
_IMAGE = re.compile(r"""(?<![\w-])["']?(?:image|value)["']?[ \t]*:[ \t]*["']?([^\s"'#,{}\[\]]+)""")


def references(text: str) -> set[str]:
    """Every image a file's ``image:`` keys (and ``value:`` keys) write, as written."""
    return set(_IMAGE.findall(text))


def entering(walk: Walk, rel: str, sites: Sequence[images.Site]) -> None:
    """Before kustomization ``rel``'s build: what it builds is gathered if an entry renames
    (another name to the image, or the image to a name of its own with no tag: see :func:`kept`)."""
    if any(s.renames or _name_only(s) for s in sites):
        walk.renaming.add(rel)


def _name_only(s: images.Site) -> bool:
    return s.kind == "kustomize" and bool(s.repository) and not (s.tag or s.digest)


def kept(walk: Walk, found: Sequence[Found]) -> dict[int, tuple[str | None, str | None]]:
    """By ``id`` of an entry that only renames (``newName:``, no tag, no digest), the tag and
    digest kustomize keeps from the images reaching it, where they agree: what the entry's
    image runs, though no place of the configured repository below writes it (the containers
    name the entry's own name, another repository)."""
    out: dict[int, tuple[str | None, str | None]] = {}
    for f in found:
        if not _name_only(f.site) or f.kind is not PinKind.KUSTOMIZE:
            continue
        name = f.site.renames or f.site.named or f.site.image
        versions = {
            (r.tag, r.digest)
            for ref in walk.reaching.get(f.file, ())
            if kustomize.matches(ref, name) and (r := WrittenRef.split(ref))
        }
        if len(versions) == 1:
            out[id(f)] = versions.pop()
    return out


def saw(walk: Walk, text: str) -> None:
    """A resource's or a patch's images, reaching the kustomization building it."""
    if walk.stack and walk.renaming.intersection(walk.stack):
        walk.reaching.setdefault(walk.stack[-1], set()).update(references(text))


def built(walk: Walk, rel: str, text: str, sites: Sequence[images.Site]) -> list[images.Site]:
    """``rel``'s sites, its renaming entries that apply to nothing it builds left out, at the end
    of its build (``rel`` on top of the walk's stack); what its images: leave reaches the
    kustomization building it."""
    if not walk.renaming.intersection(walk.stack):
        return list(sites)
    entries = kustomize.extract_images(text, rel)
    live, out = kustomize.applied(entries, walk.reaching.get(rel, set()))
    if len(walk.stack) > 1:
        walk.reaching.setdefault(walk.stack[-2], set()).update(out)
    if rel in walk.unsure:
        return list(sites)
    dead = {e.line for e, on in zip(entries, live, strict=True) if not on}
    return [s for s in sites if not (s.renames and s.line in dead)]
