"""A credential in an Argo CD Application's ``repoURL`` is masked in init's output; the
config init writes (a file a person commits, an onboarding pull request publishes) is out of
the redaction's reach, so the URL is written without its userinfo at the source."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.forge_story import APP_DEPLOYMENT

TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
APPLICATION = f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: app-prod}}
spec:
  source:
    repoURL: https://bob:{TOKEN}@github.com/acme/other.git
    path: overlays/other
    targetRevision: main
  destination: {{server: https://kubernetes.default.svc, namespace: prod}}
"""


def test_the_written_config_names_another_repository_without_its_credential(tmp_path: Path) -> None:
    files = {
        "argocd/prod.yaml": APPLICATION,
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": APP_DEPLOYMENT.format(image="ghcr.io/acme/app"),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    result = cli.execute(["init", "--repo", str(tmp_path), "--write"])
    assert result.exit_code == 0
    written = (tmp_path / "gitops-bot.yaml").read_text()
    assert "https://github.com/acme/other.git" in written  # the repository is still named
    assert TOKEN not in written and "bob" not in written
