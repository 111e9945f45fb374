"""What an Argo CD Application layers over a chart from a chart repository, read from this
repository: helm is given it as it is written, so its image keys are read by name (the chart is
not fetched: no render proves them). The value files of this repository a ``ref`` source lends
(``$ref/...``), then the Application's own Helm values (``helm.valuesObject``/``helm.values``),
which Argo CD layers over every value file."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from gitops_bot.manifests import images
from gitops_bot.render import deployers
from gitops_bot.render.walk import NoteKind, Walk

if TYPE_CHECKING:
    from gitops_bot.manifests import argocd_apps
    from gitops_bot.render.deploy_tools import Steps

UNFOLLOWED = NoteKind.UNFOLLOWED


def read(
    reader: Steps,
    app: argocd_apps.AppSource,
    rel: str,
    walk: Walk,
    where: tuple[Collection[str], Collection[str]],
    written: bool,
) -> None:
    """``app``'s (a source of ``rel``) values over its chart. ``where``: this repository's URLs as
    its Applications name it, and the branches read as this checkout; ``written``: ``rel`` holds
    the Application as written (not one a chart or an ApplicationSet makes), so its own values
    are at its lines."""
    own_urls, bases = where
    for name, path in deployers.lent_values(app, reader.repo_root, own_urls):
        if (revision := deployers.ref_revision(app, name, bases)) is not None:
            walk.note(
                rel, deployers.ELSEWHEN.format(app=app.application, name=name, revision=revision), UNFOLLOWED
            )
            continue
        if isinstance(path, str):
            walk.note(rel, deployers.ANOTHERS.format(app=app.application, name=name, url=path), UNFOLLOWED)
            continue
        if deployers.unlent(app, rel, (name, path), reader.repo_root, reader.tree, walk):
            continue
        if (text := reader.read_file(path, walk)) is None:
            walk.note(
                rel, f"{app.application}'s value file {name} (another source), not followed", UNFOLLOWED
            )
        else:
            reader.plain(path, text, walk, "values")
            walk.own_values(reader.rel(path))
    if written and app.inline:  # its own Helm values, layered last: the environment's own layer
        text = reader.tree.text(reader.config_root / rel) or ""
        reader.add(
            walk, rel, images.own_values(text, rel, reader.specs, app.application), patch=False, text=text
        )
