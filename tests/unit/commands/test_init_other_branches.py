"""``init`` in a clone whose checked-out branch holds no deploy file while another branch does
(an application repository keeping its manifests on a ``config`` branch, as
jhomaralglen/welcome-nodejs-github does): the one line names that branch and what it holds, read
with git (never checked out), and the fix is the switch to it, not a configuration by hand."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import commit, committed, git, write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0.0
"""


def _clone(tmp_path: Path) -> Path:
    origin = committed(tmp_path / "origin", {"README.md": "the app's sources\n"})
    git(origin, "switch", "-q", "-c", "config")
    write(
        origin,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY,
            "overlays/develop/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/production/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    commit(origin, "manifests")
    git(origin, "switch", "-q", "main")
    git(tmp_path, "clone", "-q", str(origin), "clone")
    return tmp_path / "clone"


def test_no_environment_here_names_the_branch_holding_them(tmp_path: Path) -> None:
    clone = _clone(tmp_path)
    result = cli.execute(["init", "--repo", str(clone)])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "found no environment" in line
    assert (
        "the branch checked out (main) holds none, but other branches do: origin/config holds "
        "kustomizations base, overlays/develop, overlays/production"
    ) in line, line
    assert "git switch config" in line and "by hand (docs" not in line, line
    # read with git alone: the checkout is as it was
    assert git(clone, "status", "--porcelain") == "" and git(clone, "branch", "--show-current") == "main\n"


def test_no_other_branch_keeps_the_advice_to_write_it_by_hand(tmp_path: Path) -> None:
    # a manifest, though no environment: a repository holding none is told there is nothing to write
    files = {
        "README.md": "nothing deployed\n",
        "k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    }
    clone = committed(tmp_path / "only", files)
    line = cli.execute(["init", "--repo", str(clone)]).body.line  # type: ignore[union-attr]
    assert "other branches" not in line and "write gitops-bot.yaml by hand" in line, line


def test_a_checkout_holding_deploy_files_itself_is_not_sent_to_another_branch(tmp_path: Path) -> None:
    """open-cluster-management-io/argocd-pull-integration's shape: main holds a chart nothing
    here deploys, and its release branches hold the same; "main holds none, git switch
    release-0.12" was untrue and no fix."""
    origin = committed(
        tmp_path / "origin",
        {
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "charts/web/values.yaml": "a: 1\n",
        },
    )
    git(origin, "switch", "-q", "-c", "release-0.12")
    write(origin, {"charts/web/values.yaml": "a: 2\n"})
    commit(origin, "release")
    git(origin, "switch", "-q", "main")
    git(tmp_path, "clone", "-q", str(origin), "clone")
    line = cli.execute(["init", "--repo", str(tmp_path / "clone")]).body.line  # type: ignore[union-attr]
    assert "found no environment" in line and "other branches" not in line and "git switch" not in line, line


def test_a_branch_held_on_another_remote_is_switched_to_by_its_own_name(tmp_path: Path) -> None:
    """``git switch upstream/config`` is refused by git ("a branch is expected"): the switch
    names the branch, as git's guess from a remote's branch takes it."""
    clone = _clone(tmp_path)
    git(clone, "remote", "rename", "origin", "upstream")
    line = cli.execute(["init", "--repo", str(clone)]).body.line  # type: ignore[union-attr]
    assert "upstream/config holds kustomizations" in line and "git switch config " in line, line


APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-dev, namespace: argocd}
spec:
  source:
    repoURL: https://gitlab.example.com/acme/manifest.git
    targetRevision: master
    path: overlays/dev
  destination: {server: https://kubernetes.default.svc, namespace: default}
"""


def test_an_application_on_a_branch_origin_does_not_hold_is_said_so_not_fetch_it(tmp_path: Path) -> None:
    """1shikawa/go-gin-sample-manifest's shape: the Application renders master, the repository
    holds main alone; a clone knows origin's branches, so 'git fetch origin master' is no fix."""
    origin = committed(
        tmp_path / "origin",
        {
            "argocd/app.yaml": APPLICATION,
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY,
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    git(tmp_path, "clone", "-q", str(origin), "clone")
    result = cli.execute(["init", "--repo", str(tmp_path / "clone")])
    text = result.body.init.config  # type: ignore[union-attr]
    (asked,) = [line for line in text.splitlines() if "open question: environment dev" in line]
    assert (
        "renders it from branch master, which origin does not hold (its branches as last fetched: main)"
        in asked
    )
    assert "Argo CD cannot resolve that revision" in asked and "git fetch" not in asked, asked


def test_environments_pinning_nothing_name_the_branches_holding_the_pins(tmp_path: Path) -> None:
    """iwacollection/k3s-gitops's shape: main holds a chart's per-environment values file and no
    image, the pins are on gitops/dev (the Flux extension deploys that branch); init said
    "nothing for gitops-bot to release here" and named no branch."""
    origin = committed(
        tmp_path / "origin",
        {
            "helm/agic/Chart.yaml": "apiVersion: v2\nname: agic\nversion: 0.1.0\n",
            "helm/agic/values.yaml": "replicas: 1\n",
            "helm/agic/values-production.yaml": "replicas: 2\n",
        },
    )
    git(origin, "switch", "-q", "-c", "gitops/dev")
    write(
        origin,
        {
            "environments/dev/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "environments/dev/deploy.yaml": DEPLOY,
        },
    )
    commit(origin, "promote web to dev")
    git(origin, "switch", "-q", "main")
    git(tmp_path, "clone", "-q", str(origin), "clone")
    result = cli.execute(["init", "--repo", str(tmp_path / "clone")])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "nothing for gitops-bot to release here" in line, line
    assert (
        "the branch checked out (main) pins none, but other branches hold other deploy files: "
        "origin/gitops/dev holds kustomization environments/dev"
    ) in line, line
    assert "git switch gitops/dev" in line, line
