"""A Makefile creating Argo CD applications over another repository (julscloudops/iac-gitops-demo:
nine ``argocd app create … --repo https://github.com/julscloudops/ManifestsForArgoCD --path
charts/…``): init said "found no environment … write gitops-bot.yaml by hand", naming no
repository, and the person wrote a file for a repository that pins nothing. It names the
repository the commands deploy, with "run init in that repository", as it does for Applications."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import committed

_MAKEFILE = (
    "install-demo-app:\n"
    "\tkubectl create namespace demo-app || true\n"
    "\targocd app create demo-app \\\n"
    "\t--repo https://github.com/acme/manifests \\\n"
    "\t--path app \\\n"
    "\t--dest-server https://kubernetes.default.svc\n"
    "\n"
    "install-grafana:\n"
    "\targocd app create grafana --repo https://github.com/acme/manifests --path charts/grafana\n"
)
_ISSUER = "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: le}\nspec: {}\n"


def test_a_makefile_deploying_another_repository_names_it(tmp_path: Path) -> None:
    files = {"Makefile": _MAKEFILE, "ssl/issuer.yaml": _ISSUER}
    result = cli.execute(["init", "--repo", str(committed(tmp_path / "repo", files))])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert (
        "2 argocd app create commands (Makefile:3, Makefile:9) render https://github.com/acme/manifests, "
        "not this repository: run init in that repository" in line
    ), line
    assert "that repository; run init in the repository the line names; else write" in line, line


def test_a_readme_showing_another_repositorys_app_is_no_deployment_of_this_one(tmp_path: Path) -> None:
    """A README's ``argocd app create --repo <argoproj's examples>`` shows the reader Argo CD: no
    repository of the person's to run init in."""
    readme = (
        "# Try it\n\n```sh\nargocd app create guestbook --repo "
        "https://github.com/argoproj/argocd-example-apps.git --path guestbook\n```\n"
    )
    files = {"README.md": readme, "ssl/issuer.yaml": _ISSUER}
    result = cli.execute(["init", "--repo", str(committed(tmp_path / "repo", files))])
    assert result.exit_code == 2
    assert "argocd-example-apps" not in result.body.line  # type: ignore[union-attr]
