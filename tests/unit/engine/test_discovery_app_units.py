"""Each Argo CD Application of an environment read as Argo CD renders it, alone: one rendering
another branch than the bot reads leaves what the others pin read (it is said with the branch,
never a whole environment made unsupported), and one whose path is a chart with no helm: key
is rendered with helm (Argo CD finds the Chart.yaml), so what its templates write whole runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitops_bot.engine.discovery import Discovery, discover
from gitops_bot.engine.init_config import config_text
from testkit import small_repos
from testkit.local_git import commit, git, write

DEPLOYMENT = small_repos.deployment("web", "nginx:1.27")
REPO = "https://github.com/acme/apps"


def _application(name: str, path: str, revision: str = "main") -> str:
    return small_repos.application(name, path, repo_url=REPO, revision=revision, namespace=name)


def _clone(root: Path, files: dict[str, str]) -> Path:
    """A repository whose origin (github.com/acme/apps, as its Applications name it) was last
    fetched with main alone."""
    write(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", REPO)
    commit(root, "init")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    return root


def _discover(root: Path, origin: str = REPO) -> Discovery:
    """As `gitops-bot init` calls it: the branch checked out, origin's URL, and whether the clone
    holds a branch."""

    def has_branch(branch: str) -> bool:
        refs = (f"refs/remotes/origin/{branch}", f"refs/heads/{branch}")
        return any(
            subprocess.run(["git", "show-ref", "-q", "--verify", r], cwd=root).returncode == 0 for r in refs
        )

    return discover(root, base="main", has_branch=has_branch, origin=origin)


def test_one_application_on_a_branch_origin_lacks_leaves_the_other_pins_read(tmp_path: Path) -> None:
    """small-hack/argocd-apps@7bfd015a: prometheus/app_of_apps/dashboards_argocd_app.yaml renders
    targetRevision monitoring-distributed, a branch origin does not hold; its 50 neighbour
    Applications render main. init made every image of the one environment "unsupported", so
    the tags pinned were not read (cadvisor:v0.45.0, mariadb:10.4, nextcloud:29-fpm-alpine all
    guessed "no tag is pinned", policy digest of latest), counted as rendered images that no
    Application deploys (a chart's template nothing here deploys), and the plan's fix ("set
    branch: monitoring-distributed on environment in-cluster") names a branch that fails."""
    root = _clone(
        tmp_path / "repo",
        {
            "apps/web_argocd_app.yaml": _application("web", "web/"),
            "apps/dash_argocd_app.yaml": _application("dash", "dash/", "monitoring-distributed"),
            "web/deployment.yaml": DEPLOYMENT,
            "dash/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dash}\ndata: {a: b}\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: backup\nversion: 0.1.0\n",
            "chart/templates/pod.yaml": (
                "{{- if .Values.on }}\napiVersion: v1\nkind: Pod\nmetadata: {name: backup}\nspec:\n"
                "  containers:\n  - name: b\n    image: mariadb:10.4\n{{- end }}\n"
            ),
        },
    )
    text = config_text(_discover(root))
    nginx = text[text.index('- name: "nginx"') :]
    # the tag web/deployment.yaml pins is read, whatever another Application renders
    assert nginx.split("\n", 2)[1].startswith("  # guess: pinned 1.27"), nginx[:300]
    # a chart nothing here deploys is never an image the environment renders: the unit on the
    # other branch may deploy it, so it is said as not counted
    mariadb = text[text.index('- name: "mariadb"') :]
    assert "not counted as rendered by in-cluster: dash renders branch monitoring-distributed" in mariadb
    # its guess is from the tag its template writes, never "no tag is pinned" (latest's digest)
    assert "# guess: pinned 10.4: semver tags" in mariadb.split("environments:")[0], mariadb
    assert (
        "rendered by in-cluster" not in text[text.index("# found: chart/templates/pod.yaml") :].split("\n")[0]
    )
    # the Application on the other branch is said, with the branch to read it on
    assert "give dash an environment of its own with branch: monitoring-distributed" in text


def test_an_application_over_a_chart_directory_renders_its_templates(tmp_path: Path) -> None:
    """small-hack/argocd-apps@7bfd015a: grafana_stack/app_of_apps_with_matrix/alloy_argocd_app.yaml
    deploys path alloy/, a chart (alloy/Chart.yaml, no values.yaml) with no helm: key in the
    Application: Argo CD detects the Chart.yaml and renders it with helm, which writes
    gcr.io/cadvisor/cadvisor:v0.45.0 (alloy/templates/cadvisor_daemonset.yaml:28). The reader
    took alloy/ as a plain directory ("its own files only, as Argo CD applies it (no
    directory.recurse)"), so init listed no such image and said nothing: a silent miss."""
    root = _clone(
        tmp_path / "repo",
        {
            "apps/web_argocd_app.yaml": _application("web", "web/"),
            "apps/alloy_argocd_app.yaml": _application("alloy", "alloy/"),
            "web/deployment.yaml": DEPLOYMENT,
            "alloy/Chart.yaml": "apiVersion: v2\nname: alloy-opinionated\nversion: 1.0.0\n",
            "alloy/templates/cadvisor_daemonset.yaml": (
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cadvisor}\nspec:\n  template:\n"
                "    spec:\n      containers:\n        - name: cadvisor\n"
                "          image: gcr.io/cadvisor/cadvisor:v0.45.0\n"
            ),
        },
    )
    text = config_text(_discover(root))
    cadvisor = text[text.index('- name: "gcr.io/cadvisor/cadvisor"') :]
    assert cadvisor.split("\n", 2)[1].startswith("  # guess: pinned v0.45.0"), cadvisor[:300]
    assert "# found: DaemonSet cadvisor in alloy/templates/cadvisor_daemonset.yaml" in text, text
