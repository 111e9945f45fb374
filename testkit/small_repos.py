"""The pieces of the small repositories discovery's tests write file by file: a Deployment
running one image, the Argo CD Application rendering a folder of the repository, and the Flux
Kustomization building one. One text for each, so a test says only what its case is about (the
names, the image, the path)."""

from __future__ import annotations

REPO_URL = "https://github.com/acme/gitops.git"
IN_CLUSTER = "https://kubernetes.default.svc"


def deployment(name: str, image: str, *, container: str = "", pull: str = "") -> str:
    """A Deployment ``name`` whose one container (``container``, else ``name``) runs ``image``,
    written on line 9, pulled as ``pull`` says when given (``IfNotPresent``, ``Never``)."""
    policy = f"          imagePullPolicy: {pull}\n" if pull else ""
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\n"
        "spec:\n  template:\n    spec:\n      containers:\n"
        f'        - name: {container or name}\n          image: "{image}"\n{policy}'
    )


def application(
    name: str, path: str, *, repo_url: str = REPO_URL, revision: str = "", namespace: str = "web"
) -> str:
    """An Argo CD Application ``name`` (in the argocd namespace) rendering ``path`` of
    ``repo_url`` at ``revision`` (none written: HEAD) into ``namespace`` of the cluster it runs in."""
    at = f", targetRevision: {revision}" if revision else ""
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata: {{name: {name}, namespace: argocd}}\nspec:\n  project: default\n"
        f"  source: {{repoURL: '{repo_url}'{at}, path: {path}}}\n"
        f"  destination: {{server: '{IN_CLUSTER}', namespace: {namespace}}}\n"
    )


def flux_kustomization(name: str, path: str) -> str:
    """A Flux Kustomization ``name`` building ``path`` of the cluster's own GitRepository
    (``flux-system``), as ``flux bootstrap`` names it."""
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata: {{name: {name}, namespace: flux-system}}\n"
        f"spec:\n  interval: 1h\n  path: {path}\n  prune: true\n"
        "  sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n"
    )


def oci_repository(name: str, url: str, tag: str, *, digest: str = "", namespace: str = "") -> str:
    """A Flux OCIRepository ``name`` (in ``namespace`` when given) of the chart at ``url``
    (``oci://...``), its ``spec.ref`` the ``tag`` and, when given, the ``digest`` beside it."""
    held = f"  namespace: {namespace}\n" if namespace else ""
    pinned = f"    digest: {digest}\n" if digest else ""
    return (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
        f"metadata:\n  name: {name}\n{held}spec:\n  interval: 5m\n"
        f"  ref:\n    tag: {tag}\n{pinned}  url: {url}\n"
    )


def helm_repository(name: str, url: str) -> str:
    """A Flux HelmRepository ``name`` in flux-system, of the classic chart repository at ``url``."""
    return (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
        f"metadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: {url}\n"
    )
