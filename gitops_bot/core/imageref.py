"""Image references: :class:`ImageRef`, a repository checked and normalised the way docker does,
what registries are asked about; :class:`WrittenRef`, a reference exactly as a file or an argument
writes it, what the editors write back; the grammar of tags and digests; the rules for setting
parts of a reference. Imports nothing of ours but errors; :mod:`gitops_bot.core.model` re-exports it."""

from __future__ import annotations

import re
from typing import TypeGuard

from gitops_bot.core.errors import UsageError
from gitops_bot.core.record import record

DOCKER_HUB = "registry-1.docker.io"
_DOCKER_HUB_ALIASES = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}

DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_REPO_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
# The OCI tag grammar, ASCII only; used with fullmatch (``$`` would let a final newline in).
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_HOST_RE = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?")


def normalise_host(host: str) -> str:
    """Docker Hub has several names; the Distribution API lives at one of them."""
    return DOCKER_HUB if host in _DOCKER_HUB_ALIASES else host


def short_digest(digest: str, *, algorithm: bool = True) -> str:
    """A digest as messages show it: the algorithm and its first 12 hex digits
    (``sha256:0123456789ab``), or the 12 digits alone where the context says it is a digest."""
    return digest[:19] if algorithm else digest[7:19]


def is_digest(value: str) -> bool:
    return bool(DIGEST_RE.fullmatch(value))


def is_placeholder_digest(value: str | None) -> TypeGuard[str]:
    """A digest of all zeros (``sha256:000…0``): the placeholder public repositories and
    examples pin where a real digest goes. No registry serves bytes hashing to it, so it is
    never a release: it is said as a placeholder and never promoted or restored."""
    return value is not None and is_digest(value) and not value[7:].strip("0")


def is_tag(value: str) -> bool:
    """The OCI distribution tag grammar: what may go into a URL path and a manifest."""
    return bool(_TAG_RE.fullmatch(value))


def _has_host(name: str) -> bool:
    """Docker's rule: a name's first component is a registry host when another follows it and it
    has a dot or a port, or is ``localhost``."""
    first, slash, _ = name.partition("/")
    return bool(slash) and ("." in first or ":" in first or first == "localhost")


def _tag_rule(tag: str) -> str:
    """Which rule of the tag grammar ``tag`` breaks, in words."""
    if not tag:
        return "the tag after ':' is empty"
    if len(tag) > 128:
        return f"it is {len(tag)} characters long, and a tag has at most 128"
    if tag[0] in ".-":
        return f"it starts with {tag[0]!r}"
    bad = next(c for c in tag if not (c.isascii() and (c.isalnum() or c in "_.-")))
    return f"it contains {bad!r}"


def _repository_rule(original: str, registry: str, path: str) -> str:
    """Which rule of the repository grammar a name breaks, in words (the error says it, so a
    reader does not have to find the grammar)."""
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", original)
    if scheme:
        return f"an image reference has no scheme: leave out '{scheme.group(0)}'"
    if not _HOST_RE.fullmatch(registry):
        return f"{registry!r} is not a registry host (a DNS name or IP address, and an optional :PORT)"
    if not path:
        return "it names no repository after the registry host"
    for part in path.split("/"):
        if _REPO_COMPONENT.fullmatch(part):
            continue
        if not part:
            return "a path component is empty ('//', or a '/' at the start or end)"
        if part != part.lower() and _REPO_COMPONENT.fullmatch(part.lower()):
            return f"repository paths are lowercase: write {part.lower()!r}, not {part!r}"
        bad = next((c for c in part if not (c.isascii() and (c.isalnum() or c in "._-"))), None)
        if bad is not None:
            return f"{part!r} contains {bad!r}; a component has lowercase letters, digits, '.', '_' and '-'"
        return (
            f"{part!r} must start and end with a letter or digit, with one '.', one or two '_', or "
            "dashes between them"
        )
    return "it is not a repository name"


def set_parts(
    name: str | None = None, tag: str | None = None, digest: str | None = None, *, keep_digest: bool = False
) -> dict[str, str | None]:
    """What setting parts of an image reference writes: part (``name``, ``tag``, ``digest``) ->
    its new value, ``None`` meaning remove it; parts not listed are left as they are. The rules
    of ``kustomize edit set image``, the one place they live: a tag set without a digest removes
    the digest, which would keep pinning the old image (unless ``keep_digest``, ``@*`` in
    set-image syntax); a digest set alone keeps the tag (the ``tag@digest`` pin); a name set alone
    touches nothing else."""
    out: dict[str, str | None] = {}
    if name is not None:
        out["name"] = name
    if tag is not None:
        out["tag"] = tag
    if digest is not None:
        out["digest"] = digest
    elif tag is not None and not keep_digest:
        out["digest"] = None
    return out


@record
class WrittenRef:
    """An image reference exactly as a file, an argument or Argo CD writes it,
    ``name[:tag][@digest]``: split by its separators only, nothing normalised or checked, so
    :meth:`format` gives back the very text (``nginx`` stays ``nginx``; a template placeholder
    stays what it was). A part whose separator is there with nothing after it is ``""``, an
    absent one ``None``. :meth:`normalized` is the :class:`ImageRef` a registry is asked about.
    Two types, not one with a flag: a name as written cannot reach a registry unchecked."""

    name: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def split(cls, text: str) -> WrittenRef:
        """The reference grammar: the digest after the first ``@``, the tag after the last
        ``:`` when no ``/`` follows it (``localhost:5000/app`` has no tag)."""
        rest, at, digest = text.partition("@")
        colon = rest.rfind(":")
        if colon > rest.rfind("/"):
            return cls(rest[:colon], rest[colon + 1 :], digest if at else None)
        return cls(rest, None, digest if at else None)

    @classmethod
    def split_from(cls, text: str, start: int) -> WrittenRef:
        """``text[:start]`` belongs to the name whatever it holds; the tag and digest follow the
        first ``:`` and ``@`` after it. ``kustomize edit set image`` reads its arguments so from
        the first ``/`` (Go ``image.Split``), and a Flux setter's ``NAMESPACE:POLICY`` from its
        end."""
        at = text.find("@", start)
        rest, digest = (text[:at], text[at + 1 :]) if at >= 0 else (text, None)
        colon = rest.find(":", start)
        if colon >= 0:
            return cls(rest[:colon], rest[colon + 1 :], digest)
        return cls(rest, None, digest)

    @classmethod
    def of_tag(cls, name: str, tag: str) -> WrittenRef:
        """``name`` with a tag that may pin a digest as well, ``TAG@DIGEST`` (kustomize's
        ``newTag`` may: it builds ``name:newTag``, and Renovate writes it so)."""
        return cls.split_from(f"{name}:{tag}", len(name))

    @property
    def pinned_tag(self) -> str:
        """``TAG@DIGEST``, or either alone: what :meth:`of_tag` reads (empty parts left out)."""
        return (self.tag or "") + (f"@{self.digest}" if self.digest else "")

    def format(self) -> str:
        """The reference as text; for a split one, the text it was split from."""
        return self.name + self.tag_text

    def __str__(self) -> str:
        return self.format()

    @property
    def tag_text(self) -> str:
        """What follows the name: ``:TAG``, ``@DIGEST``, both, or nothing."""
        tag = f":{self.tag}" if self.tag is not None else ""
        return tag + (f"@{self.digest}" if self.digest is not None else "")

    def updated(
        self,
        name: str | None = None,
        tag: str | None = None,
        digest: str | None = None,
        *,
        keep_digest: bool = False,
    ) -> WrittenRef:
        """The parts given set by :func:`set_parts`' rules; ``None`` leaves a part as it is."""
        parts = set_parts(name, tag, digest, keep_digest=keep_digest)
        return WrittenRef(
            name if name is not None else self.name,
            parts.get("tag", self.tag),
            parts.get("digest", self.digest),
        )

    def with_tag(self, tag: str, *, keep_digest: bool = False) -> WrittenRef:
        """This tag; the digest goes with the old tag unless ``keep_digest``."""
        return self.updated(tag=tag, keep_digest=keep_digest)

    def with_digest(self, digest: str) -> WrittenRef:
        return self.updated(digest=digest)

    def normalized(self) -> ImageRef:
        """The reference checked and with Docker Hub spelled out; :class:`UsageError` when it is
        not one (a template placeholder, an uppercase name, a bad tag or digest)."""
        return ImageRef.of(self)

    @property
    def location(self) -> str | None:
        """The name's ``registry/path`` with Docker Hub spelled out, what two spellings of one
        repository share; None when the name is not a repository (``{{ .Values.image }}``).
        The name is read as a reference, so a second tag (``a:b`` of ``a:b:c``) is read past."""
        try:
            return ImageRef.parse(self.name).location
        except UsageError:
            return None


@record
class ImageRef:
    """A registry repository, optionally with a tag and/or digest.

    ``registry`` is the host (with port) the Distribution API is served from; Docker Hub
    names are normalised the way docker does (``nginx`` -> registry-1.docker.io/library/nginx).
    Text kept byte-exact in files is a :class:`WrittenRef`; this is what the registry is asked.
    """

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        return cls.of(WrittenRef.split(text))

    @classmethod
    def of(cls, written: WrittenRef) -> ImageRef:
        """``written`` checked against the grammar and normalised."""
        original, text, tag, digest = written.format(), written.name, written.tag, written.digest
        if digest is not None and not is_digest(digest):
            raise UsageError(
                f"invalid digest in image reference {original!r}",
                hint="a digest is 'sha256:' followed by 64 lowercase hex characters",
            )
        if tag is not None and not is_tag(tag):
            raise UsageError(
                f"invalid tag {tag!r} in image reference {original!r}: {_tag_rule(tag)}",
                hint="a tag is 1 to 128 letters, digits, '_', '.' and '-', e.g. 1.4.1",
            )
        registry, path = text.split("/", 1) if _has_host(text) else (DOCKER_HUB, text)
        if registry in _DOCKER_HUB_ALIASES:
            registry = DOCKER_HUB
            if "/" not in path:
                path = f"library/{path}"
        if (
            not path
            or not _HOST_RE.fullmatch(registry)
            or not all(_REPO_COMPONENT.fullmatch(p) for p in path.split("/"))
        ):
            raise UsageError(
                f"invalid image repository {original!r}: {_repository_rule(original, registry, path)}",
                hint="e.g. ghcr.io/acme/app",
            )
        return cls(registry=registry, repository=path, tag=tag, digest=digest)

    @property
    def location(self) -> str:
        """``registry/path``, Docker Hub spelled out: the same for every way to write a name."""
        return f"{self.registry}/{self.repository}"

    @property
    def name(self) -> str:
        """The repository as users write it: Docker Hub's host and ``library/`` left out."""
        if self.registry == DOCKER_HUB:
            repo = self.repository.removeprefix("library/")
            return f"docker.io/{repo}" if _has_host(repo) else repo  # my.org/app would be a host
        return self.location

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out
