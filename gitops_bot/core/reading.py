"""What an environment renders, read: for each configured image, every place that sets its
version there, which one wins when the deploy tool renders, which other environments render
the same place, and where a release for this environment goes. The values
:mod:`gitops_bot.render.reader` returns and every surface prints (``reading`` in the JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

KUSTOMIZE_ENTRY = "kustomize images entry"  # what ``kustomize edit set image`` writes
HELM_KEY = "helm values key"
HELMRELEASE_KEY = "HelmRelease spec.values key"  # the key under a Flux HelmRelease's spec.values


class PinStatus(StrEnum):
    PINNED = "pinned"  # the effective version is set where only this environment renders it
    INHERITED = "inherited"  # set only in a place other environments render too
    NOT_RENDERED = "not_rendered"  # nothing this environment renders names the image
    UNSUPPORTED = "unsupported"  # rendered, but set in a form the bot cannot edit byte-exactly


class PinKind(StrEnum):
    """What sets the version; read from the manifests' site kinds by value (``PinKind(kind)``)."""

    CONTAINER = "container"
    KUSTOMIZE = "kustomize"
    PATCH = "patch"
    HELM = "helm"
    MARKER = "marker"
    ARGOCD = "argocd"
    FLUX = "flux"


@dataclass(frozen=True, slots=True)
class Pin:
    """One place that sets the image's version for the environment."""

    file: str  # relative to the config file's directory
    line: int
    kind: PinKind
    effective: bool
    shared_with: tuple[str, ...]  # the other configured environments rendering this place
    repository: str | None = None  # the values it sets, as written
    tag: str | None = None
    digest: str | None = None
    editable: bool = True  # the bot can write its characters in place
    form: str = ""  # how it is written, in words ("inline patch in kustomization.yaml")
    branch: str | None = None  # the environment's own branch holding the file (None: the base)

    @property
    def place(self) -> str:
        """``file:line``, after the branch when the file is on an environment's own branch."""
        return f"{self.branch}:{self.file}:{self.line}" if self.branch else f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "kind": self.kind.value,
            "effective": self.effective,
            "shared_with": list(self.shared_with),
        }
        if self.branch:
            out["branch"] = self.branch
        return out


@dataclass(frozen=True, slots=True)
class WouldWrite:
    """Where a release for the environment goes when it is not the effective place itself."""

    file: str
    form: str  # "kustomize images entry"
    # the environment's other own files a release writes the same way: an image it inherits
    # through several renderings (each of its Applications' charts), each rendering's own layer
    also: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return (self.file, *self.also)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "form": self.form}
        if self.also:
            out["also"] = list(self.also)
        return out


@dataclass(frozen=True, slots=True)
class ImageReading:
    environment: str
    image: str
    status: PinStatus
    pins: tuple[Pin, ...] = ()
    reason: str | None = None
    fix: str | None = None
    would_write: WouldWrite | None = None

    @property
    def effective(self) -> Pin | None:
        """The place that wins last (pins are in the order the tool applies them); with one
        per workload, a shared one first: what a release for this environment overrides."""
        wins = [p for p in self.pins if p.effective]
        shared = [p for p in wins if p.shared_with]
        return shared[0] if shared and self.status is PinStatus.INHERITED else (wins[-1] if wins else None)

    @property
    def writable(self) -> bool:
        """A release can be written byte-exactly where it goes: in place, as a new ``images:``
        entry, or as the values keys the environment's own file is given."""
        return self.would_write is None or self.would_write.form in (
            KUSTOMIZE_ENTRY,
            HELM_KEY,
            HELMRELEASE_KEY,
        )

    @property
    def placed(self) -> bool:
        """A release has a place to go: pinned, or inherited with the environment's own layer."""
        return self.status is PinStatus.PINNED or (
            self.status is PinStatus.INHERITED and self.would_write is not None
        )

    def note(self) -> str:
        """The PR's words for a release written into the environment's own layer."""
        pin = self.effective
        if self.would_write is None or pin is None:
            return ""
        return (
            f"pins {self.image} in {self.environment}'s own layer, {', '.join(self.would_write.files)}; "
            f"it was inherited from {pin.file}"
        )

    def describe(self) -> str:
        """One line for people: where it is pinned, or why not and what to do."""
        pin = self.effective
        match self.status:
            case PinStatus.PINNED:
                assert pin is not None
                if self.would_write is None:
                    return f"pinned at {pin.place}"
                return (
                    f"pinned by a {pin.form} at {pin.place}; a release writes a "
                    f"{self.would_write.form} in {', '.join(self.would_write.files)}, applied after it"
                )
            case PinStatus.INHERITED:
                assert pin is not None and self.would_write is not None
                shared = ", ".join(pin.shared_with)
                said = (
                    f"inherited from {pin.place} (rendered by {shared} too); a release "
                    f"writes a {self.would_write.form} in {', '.join(self.would_write.files)}"
                )
                return said if self.fix is None else f"{said} (fix: {self.fix})"
            case PinStatus.NOT_RENDERED | PinStatus.UNSUPPORTED:
                said = f"{self.status.value.replace('_', ' ')}: {self.reason}"
                return said if self.fix is None else f"{said} (fix: {self.fix})"

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "image": self.image,
            "status": self.status.value,
            "pins": [p.to_json() for p in self.pins],
            "reason": self.reason,
            "fix": self.fix,
            "would_write": self.would_write.to_json() if self.would_write else None,
        }


@dataclass(frozen=True, slots=True)
class EnvironmentReading:
    """One environment as its tool renders it."""

    environment: str
    images: tuple[ImageReading, ...]
    rendered: tuple[str, ...]  # every file read, relative to the config's directory
    writable: tuple[str, ...]  # the files a release for this environment may edit
    notes: tuple[str, ...] = ()  # what was not followed (a remote resource), what was chosen
    # of a file holding several environments' Argo CD Applications: (file, the Application that
    # is this environment's own); a release edits only that document of the file
    documents: tuple[tuple[str, str], ...] = ()

    def image(self, name: str) -> ImageReading | None:
        return next((r for r in self.images if r.image == name), None)
