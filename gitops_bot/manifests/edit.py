"""What an editor did to one file (Flux's setters ``Result``): the new text, every value it
changed, the images it found there, and the values it was asked for but had no place to
write. Callers build PR bodies, file lists and warnings from this instead of re-reading."""

from __future__ import annotations

from typing import NamedTuple

from gitops_bot.core.record import record


class FieldChange(NamedTuple):
    """One value changed: ``site`` is where the image lives (``images[0]``, ``container line 7``,
    ``helm``, ``marker``), ``field`` the key or part written (``newTag``, ``digest``, ``reference``).
    A named tuple: an edit makes one per value, and it is the cheapest immutable record."""

    file: str
    image: str
    site: str
    line: int
    field: str
    old: str | None
    new: str | None


# the sites of Argo CD's own Helm settings, each named by the field a release writes
APP_PARAMETERS = "argocd helm.parameters"
APP_VALUES_OBJECT = "argocd helm.valuesObject"
APP_VALUES_STRING = "argocd helm.values"


@record
class Unwritten:
    """A value asked for that the file has no place for (a digest for a Helm values block with
    no digest key, or for Flux setters without a ``:digest`` marker)."""

    file: str
    image: str
    site: str
    line: int
    field: str
    value: str

    def message(self) -> str:
        return (
            f"{self.file}:{self.line}: image {self.image!r} ({self.site}) has no place for its {self.field}, "
            f"so {self.value} was not written"
        )


@record
class EditResult:
    """A file's text after an edit, with what changed and what could not be written."""

    text: str
    changes: tuple[FieldChange, ...] = ()
    images: tuple[str, ...] = ()  # the edited images the file holds, changed or not
    unwritten: tuple[Unwritten, ...] = ()
