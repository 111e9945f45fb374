"""A kustomization that an Application yielded by an app of apps renders, rendered with the
real ``kubectl kustomize`` as Argo CD renders it (:data:`gitops_bot.render.helm_render.Kustomize`):
only where all it reads is in the tree (no remote resource, no chart to pull: kustomize would
fetch them) and within the rendered diff's size budget; in a private directory, by the one
render of a directory (:func:`~gitops_bot.render.tools.render_directory`: the child environment,
deadline and output bound every tool runs with).
What the caller renders it for (what runs, a marked render) says nothing when it is not
rendered: the rules' reading of it stands."""

from __future__ import annotations

import tempfile
from pathlib import Path

from gitops_bot.core import privdir
from gitops_bot.render import argo_kustomize, helm_render, tools
from gitops_bot.render.settings import RenderSettings


def renderer(settings: RenderSettings) -> helm_render.Kustomize | None:
    """The render of such a kustomization with ``settings``' kubectl; None without one."""
    kubectl = settings.tool("kubectl")
    if kubectl is None:
        return None

    def render(root: Path, directory: Path, application: dict[str, object] | None = None) -> str | None:
        # the Application's own kustomize fields written in, as Argo CD builds it
        found = [
            b
            for b in argo_kustomize.builds(root, [application] if application else [])
            if b.texts and b.directory == directory
        ]
        if found:
            (got,) = argo_kustomize.render(settings, root, found[:1])
            return got if isinstance(got, str) else None
        name = directory.relative_to(root).as_posix() or "."
        if not tools.all_here(root, directory, {}) or tools.over_budget(settings, root, directory, name, {}):
            return None
        with tempfile.TemporaryDirectory(prefix="app-kustomize-", dir=privdir.path()) as tmp:
            got = tools.render_directory(settings, kubectl, directory, Path(tmp), name)
        return got if isinstance(got, str) else None

    return render
