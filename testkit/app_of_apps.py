"""An app of apps as a repository writes one, for the tests and benches that read one: a root
Argo CD Application (:func:`root`), an ApplicationSet generating roots (:func:`appset`), and the
root chart whose template yields one Application per entry of its ``values.yaml``
(:func:`chart`), each yielded Application rendering a path of this repository with a values
file of its own, as Argo CD's app-of-apps pattern is documented
(argoproj/argocd-example-apps' ``apps/``)."""

from __future__ import annotations

HERE = "https://example.com/acme/gitops.git"  # the repository the roots and children name

# an Application of this repository's kind: its source's lines (:func:`source`) indented under it
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: default
  source:
{source}
  destination:
    server: https://kubernetes.default.svc
    namespace: {namespace}
"""
# one Application per entry of .Values.environments: {name, path, values (a values file of its
# path's chart, optional), repo (another repository, optional)}
YIELDS = """{{- range .Values.environments }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{{ .name }}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {{ .repo | default $.Values.repoURL }}
    targetRevision: HEAD
    path: {{ .path }}
    {{- with .values }}
    helm:
      valueFiles:
        - {{ . }}
    {{- end }}
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ .name }}
{{- end }}
"""
APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: {name}
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - list:
        elements:
{elements}
  template:
    metadata:
      name: '{template_name}'
    spec:
      project: default
      source:
        repoURL: {repo}
        targetRevision: HEAD
        path: '{path}'
      destination:
        server: https://kubernetes.default.svc
        namespace: argocd
"""


def source(path: str, repo: str = HERE, extra: str = "") -> str:
    """An Application's source lines: ``path`` of ``repo`` at HEAD, then ``extra`` lines."""
    return f"    repoURL: {repo}\n    targetRevision: HEAD\n    path: {path}\n{extra}".rstrip("\n")


def root(path: str, name: str = "root", repo: str = HERE) -> str:
    """A root Application ``name`` rendering ``path`` of ``repo``."""
    return APPLICATION.format(name=name, source=source(path, repo), namespace="argocd")


def appset(elements: list[dict[str, str]], path: str, name: str = "roots", template_name: str = "") -> str:
    """An ApplicationSet ``name`` whose list generator's ``elements`` each make a root
    Application (``template_name``, by default ``root-{{.cluster}}``) rendering ``path`` (Go
    template: ``{{.dir}}`` reads an element's ``dir``)."""
    written = "".join(
        "          - {" + ", ".join(f"{k}: {v}" for k, v in e.items()) + "}\n" for e in elements
    )
    return APPSET.format(
        name=name,
        elements=written.rstrip("\n"),
        template_name=template_name or "root-{{.cluster}}",
        repo=HERE,
        path=path,
    )


def chart(environments: list[dict[str, str]], directory: str = "apps", repo: str = HERE) -> dict[str, str]:
    """The root chart at ``directory`` yielding ``app-<name>`` for each of ``environments``
    (each {name, path, values?, repo?}): its files, path -> text."""
    entries = "".join("  - {" + ", ".join(f"{k}: {v}" for k, v in e.items()) + "}\n" for e in environments)
    return {
        f"{directory}/Chart.yaml": f"apiVersion: v2\nname: {directory.rsplit('/', 1)[-1]}\nversion: 0.1.0\n",
        f"{directory}/values.yaml": f"repoURL: {repo}\nenvironments:\n{entries}",
        f"{directory}/templates/applications.yaml": YIELDS,
    }


def child_chart(image: str, directory: str = "chart") -> dict[str, str]:
    """The chart the yielded Applications render, its image from its values (tag 0.9.0): its
    Chart.yaml and values.yaml, path -> text."""
    return {
        f"{directory}/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        f"{directory}/values.yaml": f"image: {{repository: {image}, tag: 0.9.0}}\n",
    }
