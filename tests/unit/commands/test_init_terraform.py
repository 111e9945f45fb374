"""A repository deployed by Terraform (DevOps-Engineers-Team/eks-argocd-terraform-infra: helm_release
modules, Argo CD Applications made by an argocd_application resource; its only Kubernetes YAML two
CRD files) got init's generic "found no environment ...; run init in the repository the line
names, if it names one", naming none. What Terraform deploys is said, with why nothing of it is
released and the way in; the advice to run init elsewhere only where a line names a repository."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import write

MAIN = """\
resource "helm_release" "alb" {
  name       = "aws-load-balancer-controller"
  repository = "https://aws.github.io/eks-charts"
  chart      = "aws-load-balancer-controller"
  version    = var.helm_chart_version
}

resource "helm_release" "argocd" {
  chart   = "argo-cd"
  version = "3.32.1"
}
"""

APPS = """\
resource "argocd_application" "web" {
  metadata { name = "web" }
  spec {
    source {
      repo_url = "https://github.com/acme/charts"
      path     = "argocd/develop/web"
    }
  }
}
"""

CRD = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b.c}\n"


def test_what_terraform_deploys_is_said_and_no_repository_to_run_init_in(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "core-infra/develop/helm-alb/main.tf": MAIN,
            "argocd-config/develop/apps.tf": APPS,
            "core-infra/develop/helm-alb/variables.tf": 'variable "helm_chart_version" { default = "1.4.8" }\n',
            "modules/alb/assets/crds.yaml": CRD,
        },
    )
    result = cli.execute(["init", "--repo", str(repo)])
    assert result.exit_code == 2
    line = str(result.body.line)  # type: ignore[union-attr]
    assert (
        "2 Terraform files (argocd-config/develop/apps.tf, core-infra/develop/helm-alb/main.tf) deploy with "
        "argocd_application x1, helm_release x2: the bot reads no Terraform, so the chart versions and "
        "images they deploy are not released"
    ) in line, line
    assert "run init in the repository the line names" not in line, line
    assert line.endswith(
        "write gitops-bot.yaml by hand (docs/guides/your-repository.md, 'Writing it by hand', has an example)"
    )
