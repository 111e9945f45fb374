"""Argo CD Applications whose files and names name no environment (``influxdb/application.yml``,
``external-secrets/external-secrets-controller.yml``) are named after the cluster they deploy to,
said as a guess, and Applications of one chart deploying to one cluster are one environment:
init named one environment ``application`` (the files' name) and made two more of one chart's
two Applications (iamenr0s/gitops-argocd, newcomer D3)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write


def _application(name: str, chart: str, version: str, server: str = "https://kubernetes.default.svc") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata: {{name: {name}, namespace: argocd}}\nspec:\n  project: default\n"
        f"  source: {{repoURL: 'https://charts.example.com', chart: {chart}, targetRevision: {version}}}\n"
        f"  destination: {{server: '{server}', namespace: {chart}}}\n"
    )


def test_applications_naming_no_environment_are_their_clusters(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "influxdb/application.yml": _application("influxdb", "influxdb2", "2.1.2"),
            "vault/application.yml": _application("vault", "vault", "0.32.0"),
            "external-secrets/external-secrets-controller.yml": _application(
                "external-secrets-controller", "external-secrets", "1.3.2"
            ),
            "external-secrets/external-secrets-crds.yml": _application(
                "external-secrets-crds", "external-secrets", "1.3.2"
            ),
        },
    )
    found = discover(repo)
    (env,) = found.environments
    assert env.name == "in-cluster"
    assert set(env.paths) == {
        "influxdb/application.yml",
        "vault/application.yml",
        "external-secrets/external-secrets-controller.yml",
        "external-secrets/external-secrets-crds.yml",
    }
    assert env.cluster.startswith(
        "named after the cluster its Applications deploy to (destination https://kubernetes.default.svc)"
    )


def test_two_clusters_are_two_environments_by_their_names(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "apps/web.yaml": _application("web", "web", "1.0.0", "https://edge.k8s.example.com"),
            "apps/api.yaml": _application("api", "api", "1.0.0", "https://core.k8s.example.com"),
        },
    )
    assert sorted(e.name for e in discover(repo).environments) == ["core", "edge"]


def test_an_environment_word_still_names_it(tmp_path: Path) -> None:
    repo = write(tmp_path, {"apps/prod/web.yaml": _application("web", "web", "1.0.0")})
    (env,) = discover(repo).environments
    assert (env.name, env.cluster) == ("prod", "")
