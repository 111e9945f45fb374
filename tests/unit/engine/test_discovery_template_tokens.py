"""A template repository whose files another tool fills (konstructio/gitops-template@23133d5e,
kubefirst's: one tree per cloud and forge, ``<GITOPS_REPO_URL>``, ``<WORKLOAD_CLUSTER_NAME>``,
``<CERT_MANAGER_ISSUER_ANNOTATION_1>`` on a line of its own): init named ``<GITOPS_REPO_URL>``
a repository to run init in, and told each of 46 values files to fix the YAML whose only fault
is a token the copy fills (found by a newcomer)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.local_git import write

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  source: {{repoURL: {url}, path: {path}, targetRevision: HEAD}}
  destination: {{name: {cluster}, namespace: {name}}}
"""
VALUES = """ingress:
  annotations:
    <CERT_MANAGER_ISSUER_ANNOTATION_1>
    nginx.ingress.kubernetes.io/service-upstream: "true"
  hosts:
    - host: metaphor.<DOMAIN_NAME>
"""


def test_a_templates_tokens_are_said_as_another_tools(tmp_path: Path) -> None:
    files = {
        "aws-github/registry/metaphor.yaml": APP.format(
            name="metaphor",
            url="<GITOPS_REPO_URL>",
            path="registry/metaphor",
            cluster="<WORKLOAD_CLUSTER_NAME>",
        ),
        "aws-github/registry/metaphor/values-development.yaml": VALUES,
        "aws-github/registry/metaphor/values-production.yaml": VALUES,
        "apps/web/deploy.yaml": "kind: Deployment\n",
        "apps/web.yaml": APP.format(
            name="web",
            url="https://github.com/acme/gitops",
            path="apps/web",
            cluster="<WORKLOAD_CLUSTER_NAME>",
        ),
    }
    found = discover(write(tmp_path, files))
    notes = "\n".join(found.notes)
    assert "fix the YAML" not in notes, notes
    assert "2 <TOKEN> placeholder templates (aws-github/registry/metaphor/values-development.yaml" in notes, (
        notes
    )
    assert "renders <GITOPS_REPO_URL>, a placeholder another tool fills" in notes, notes
    assert not any("run init in that repository" in n for n in found.notes), notes
    guesses = [h for e in found.environments for h in (e.cluster,)]
    assert any("a placeholder another tool fills (this repository is a template" in g for g in guesses), (
        guesses
    )


def test_the_reader_says_a_token_file_is_another_tools(tmp_path: Path) -> None:
    """A plan over such a directory (kubectl apply -f) says the same, with nothing to fix here."""
    root = write(tmp_path, {"env/values.yaml": VALUES, "env/deploy.yaml": "kind: Deployment\n"})
    spec = images.ImageSpec("nginx", "docker.io/library/nginx")
    walk = reader.Reader(reader.DiskTree(root), root, [spec], root).environment(
        reader.Source("e", ("env",), ("nginx",))
    )
    assert any(
        "YAML only once another tool fills its tokens (<CERT_MANAGER_ISSUER_ANNOTATION_1>" in s
        for s in walk.said
    ), walk.said
