"""``kustomize edit set image`` argument syntax -> :class:`ImageEdit`.

``NAME=NEWNAME:TAG@DIGEST``, ``NAME=NEWNAME:TAG``, ``NAME=NEWNAME@DIGEST``, ``NAME=NEWNAME``,
``NAME:TAG``, ``NAME@DIGEST``, ``NAME:TAG@DIGEST``. NAME is everything before the first ``=``
(it may hold a registry port, ``localhost:5000/app``); tag and digest separators are looked for
only after the first ``/``. ``*`` keeps the current value.

In a file with Flux setter markers (``# {"$imagepolicy": "NAMESPACE:POLICY"}``) NAME may be the
marker's ``NAMESPACE:POLICY``: ``NAMESPACE:POLICY[:TAG][@DIGEST]``. The names the file's markers
hold decide: ``flux-system:app:1.2`` is setter ``flux-system:app`` with tag ``1.2`` when the
file has that marker, else image ``flux-system`` with tag ``app:1.2`` (refused as a tag). A bare
POLICY names the setter when one namespace has it (:func:`read_arg` settles the precedence).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import replace

from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import ImageRef, WrittenRef, is_digest, is_tag
from gitops_bot.core.record import record
from gitops_bot.manifests.edit import Unwritten
from gitops_bot.manifests.kustomize_text import ImageEdit


def _split(ref: str) -> WrittenRef:
    """kustomize's reading: the separators are looked for after the first ``/``."""
    return WrittenRef.split_from(ref, ref.find("/") + 1)


def _setter(arg: str, setters: Collection[str]) -> WrittenRef | None:
    """``NAMESPACE:POLICY[:TAG][@DIGEST]`` when the file has a Flux marker for NAMESPACE:POLICY
    (the longest such name wins); None when ``arg`` names no setter of the file."""
    for name in sorted(setters, key=len, reverse=True):
        rest = arg[len(name) :]
        if arg.startswith(name) and (not rest or rest[0] in ":@"):
            return WrittenRef.split_from(arg, len(name))
    return None


def check_arg(arg: str) -> None:
    """Refuse a malformed argument before any file is read: it must parse as NAME[:TAG][@DIGEST]
    or, which the file's markers decide later, as NAMESPACE:POLICY[:TAG][@DIGEST]."""
    try:
        parse_arg(arg)
    except UsageError:
        name, eq, _ = arg.partition("=")
        parts = arg.partition("@")[0].split(":")
        setter = name if eq else ":".join(parts[:2])
        if setter.count(":") != 1 or not (eq or len(parts) >= 3):
            raise
        parse_arg(arg, {setter})  # the setter reading's error, if any


def parse_arg(arg: str, setters: Collection[str] = ()) -> ImageEdit:
    """One argument; ``setters`` are the ``NAMESPACE:POLICY`` names of the file's Flux markers,
    which NAME may be (their colon is not a tag separator)."""
    bad = f"invalid image argument {arg!r}"
    hint = "use NAME=NEWNAME:TAG@DIGEST, NAME:TAG or NAME@DIGEST (kustomize edit set image syntax)"
    setter = _setter(arg, setters) if "=" not in arg else None
    if "=" in arg:
        name, rest = arg.split("=", 1)
        ref = _split(rest)
        new_name = ref.name
        if not new_name:
            raise UsageError(f"{bad}: nothing after '='", hint=hint)
    else:
        ref = setter or _split(arg)
        name, new_name = ref.name, "*"
        if ref.tag is None and ref.digest is None:
            raise UsageError(f"{bad}: no tag, digest or new name to set", hint=hint)
    tag, digest = ref.tag, ref.digest
    if any(c.isspace() for c in arg):
        raise UsageError(
            f"{bad}: an image reference has no white space",
            hint="pass one image per argument, e.g. app:1.2 worker:3.4",
        )
    if not name:
        raise UsageError(f"{bad}: no image name before the tag, digest or '='", hint=hint)
    for n in (name, new_name):
        if n not in setters:  # a setter's NAMESPACE:POLICY is a marker's name, not a reference
            _check_name(n, bad)
    if tag is not None and tag != "*" and not is_tag(tag) and not is_placeholder_tag(tag):
        raise UsageError(
            f"{bad}: {tag!r} is not a valid tag",
            hint="letters, digits, '_', '.', '-' or ${VAR} placeholders; at most 128",
        )
    if digest is not None and digest != "*" and not is_digest(digest):
        raise UsageError(
            f"{bad}: {digest!r} is not a digest",
            hint="a digest is 'sha256:' followed by 64 lowercase hex characters",
        )
    return ImageEdit(
        name=name,
        new_name=None if new_name == "*" else new_name,
        new_tag=None if tag in (None, "*") else tag,
        digest=None if digest in (None, "*") else digest,
        keep_digest=digest == "*",
    )


@record
class ArgumentReading:
    """How one argument is read in one file. ``setter`` is the Flux ``NAMESPACE:POLICY`` whose
    marked scalars the edit writes (its ``name``), None for kustomize's reading (an ``images:``
    entry's name, a container's repository); ``note`` says which reading was taken when the
    argument could be read both ways."""

    edit: ImageEdit
    setter: str | None = None
    note: str | None = None


def read_arg(
    arg: str, setters: Collection[str], entries: Mapping[str, Collection[str]] | None = None
) -> ArgumentReading:
    """One argument read as Flux's image automation would, where the file's markers allow it.

    ``setters`` are the ``NAMESPACE:POLICY`` names of the file's ``$imagepolicy`` markers;
    ``entries`` maps each kustomize ``images:`` entry name to the setters marking its fields.
    Precedence: a NAME equal to a marker's ``NAMESPACE:POLICY`` is that setter (no registry
    image is named ``ns:policy``: kustomize would read it as a name with a tag). A bare NAME
    equal to a marker's POLICY is that setter when exactly one namespace has it (two are
    refused) -- unless an ``images:`` entry carries exactly that name and that policy marks none
    of its fields: then the entry is meant, and ``NAMESPACE:POLICY`` still reaches the setter.
    Anything else is kustomize's reading."""
    entries = entries or {}
    name = arg.partition("=")[0] if "=" in arg else None
    full = name if name in setters else None if name is not None else _setter_name(arg, setters)
    if full is not None:
        edit = parse_arg(arg, {full})
        note = None
        if full in entries:
            note = (
                f"{full!r} is both Flux policy {full} and an images: entry's name; "
                f"read as the policy: only the values its markers mark change"
            )
        return ArgumentReading(edit, full, note)
    edit = parse_arg(arg)
    owners = sorted(s for s in setters if s.partition(":")[2] == edit.name)
    if not owners:
        return ArgumentReading(edit)
    if len(owners) > 1:
        raise UsageError(
            f"image argument {arg!r}: {edit.name!r} names Flux policies in more than one namespace "
            f"({', '.join(owners)})",
            hint=f"name one as NAMESPACE:POLICY, e.g. {arg.replace(edit.name, owners[0], 1)}",
        )
    full = owners[0]
    if edit.name in entries and full not in entries[edit.name]:
        return ArgumentReading(
            edit,
            None,
            f"{edit.name!r} is both an images: entry's name and Flux policy {full}, which marks "
            f"another entry; read as the images: entry (kustomize's reading); "
            f"write {full}:TAG to set the policy's marked values",
        )
    setter_edit = replace(edit, name=full)
    return ArgumentReading(
        setter_edit,
        full,
        f"{edit.name!r} read as Flux policy {full} (marker comments in the file): the values its "
        f"markers mark change, as Flux's image automation would set them",
    )


def _setter_name(arg: str, setters: Collection[str]) -> str | None:
    ref = _setter(arg, setters)
    return None if ref is None else ref.name


# What kustomize matches literally and a file may hold: reference characters in either case,
# ``${VAR}`` placeholders; nothing a shell or URL would read (no ``;``, ``(``, backquote).
_NAME_CHARS = re.compile(r"[A-Za-z0-9._/:@${}-]+")


def _check_name(name: str, bad: str) -> None:
    """Refuse what no image name is: characters outside references and placeholders, or more
    than one tag (``a:b:c``). Names a registry would refuse but kustomize matches are warned
    about (:func:`name_warning`), not refused."""
    if name == "*":
        return
    path = name.split("/", 1)[1] if "/" in name else name
    if not _NAME_CHARS.fullmatch(name) or path.count(":") > 1 or name.count("@") > 1:
        raise UsageError(
            f"{bad}: {name!r} is not a valid image name",
            hint="letters, digits, '.', '_', '-', '/', a ':TAG' kustomize matches literally, ${VAR}",
        )


def name_warning(name: str) -> str | None:
    """Why a registry would refuse ``name`` (None when it would not). kustomize matches an
    ``images:`` name literally against what containers write, so a placeholder
    (``PROJECT/IMAGE3``, ``${REGISTRY}/app``), a name with capitals or one carrying a tag
    (``worker:stable``, matched against containers using exactly that tag) is a name it
    accepts and renders: set-image accepts it too, and only says so."""
    if name == "*":
        return None
    try:
        ref = ImageRef.parse(name)
    except UsageError:
        return f"{name!r} is not an image name a registry accepts; it is matched as written"
    if ref.tag is not None or ref.digest is not None:
        return f"{name!r} carries a tag or digest; it matches only images written with exactly that"
    return None


def edit_warnings(edit: ImageEdit, setters: Collection[str] = ()) -> list[str]:
    """:func:`name_warning` for the edit's name and new name (a Flux setter's
    ``NAMESPACE:POLICY`` is a marker's name, not a reference, and gets none)."""
    names = [n for n in (edit.name, edit.new_name) if n is not None and n not in setters]
    return [w for n in names if (w := name_warning(n)) is not None]


_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*")


def is_placeholder_tag(tag: str) -> bool:
    """A tag holding ``${VAR}`` placeholders, substituted after kustomize builds (Flux
    post-build substitution, envsubst pipelines): a tag once they are filled in."""
    if not _PLACEHOLDER.search(tag) or len(tag) > 128:
        return False
    return bool(re.fullmatch(r"[A-Za-z0-9_.-]*", _PLACEHOLDER.sub("x", tag)))


HELM_FIELDS = ("reference", "repository", "tag", "digest")


def parse_helm_paths(args: list[str], *, digest_in_tag: bool = False) -> dict[str, str]:
    """``tag=image.tag`` arguments -> {field: dotted key path}. ``digest_in_tag`` (the config's
    ``digestInTag``) writes a digest into the tag key as ``TAG@DIGEST``: the digest's path is
    the tag's, which is how the editor knows one key holds both."""
    out: dict[str, str] = {}
    for arg in args:
        field, _, path = arg.partition("=")
        if field not in HELM_FIELDS or not path or any(not p for p in path.split(".")):
            raise UsageError(
                f"invalid --helm {arg!r}",
                hint=f"use FIELD=PATH with FIELD one of {', '.join(HELM_FIELDS)}, e.g. tag=image.tag",
            )
        if out.get(field, path) != path or path in [p for f, p in out.items() if f != field]:
            raise UsageError(  # which one wins would be a guess, and a wrong one overwrites another key
                f"--helm {arg!r} conflicts with an earlier --helm",
                hint="give each FIELD once, each at its own key path",
            )
        out[field] = path
    if digest_in_tag:
        if "tag" not in out or "digest" in out or "reference" in out:
            raise UsageError(
                "--digest-in-tag needs --helm tag=PATH and no --helm digest= or reference=",
                hint="the tag key holds both: e.g. --helm tag=image.tag --digest-in-tag",
            )
        out["digest"] = out["tag"]
    return out


def unwritten_hint(u: Unwritten) -> str:
    """What to pass when a value has no place in the file (set-image refuses, exit 2)."""
    if u.site == "helm":
        if u.field == "digest":
            return (
                "pass --helm digest=PATH naming the values key for the digest, --digest-in-tag to write "
                "TAG@DIGEST into the tag key (digestInTag), or leave the digest out"
            )
        return f"pass --helm {u.field}=PATH naming the values key for the {u.field}, or leave it out"
    return f'add a marker ending in ":{u.field}" on the value that holds it, or leave the {u.field} out'
