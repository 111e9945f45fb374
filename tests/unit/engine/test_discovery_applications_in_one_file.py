"""One file holding several Argo CD Applications, each over its own directory and named by no
environment word (``demo-app-manual``, ``demo-app-auto-sync``): each is an environment, named by
what sets its name apart from the others', and each reads its own Application. init made one
environment named after the file, read under the first Application, and the second was unsaid
(muzzylogic/argocd-demo-app)."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import application, deployment


def _application(name: str, path: str) -> str:
    return application(name, path, repo_url="https://github.com/acme/demo", revision="main", namespace="demo")


def test_each_application_of_one_file_is_an_environment_of_its_own(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "config/applications/app.yaml": _application("demo-app-manual", "app/k8s-manual")
            + "---\n"
            + _application("demo-app-auto-sync", "app/k8s"),
            "app/k8s-manual/backend.yaml": deployment("back", "demo-backend:1.0.0"),
            "app/k8s/backend.yaml": deployment("back", "demo-backend:1.0.1"),
        },
    )
    found = discover(repo)
    assert sorted(e.name for e in found.environments) == ["auto-sync", "manual"]
    pins = {}
    for env in ("manual", "auto-sync"):
        r = found.readings[env].image("demo-backend")
        assert r is not None and r.status is PinStatus.PINNED, (env, r)
        pins[env] = [(p.file, p.tag) for p in r.pins if p.effective]
    assert pins == {
        "manual": [("app/k8s-manual/backend.yaml", "1.0.0")],
        "auto-sync": [("app/k8s/backend.yaml", "1.0.1")],
    }


def test_an_application_in_a_subdirectory_of_what_it_deploys_is_no_app_of_apps(tmp_path: Path) -> None:
    """Hazelnut42/social-media-argocd-demo: k8s/argocd/application.yaml deploys k8s/, whose own
    files are the workloads; Argo CD reads a directory's subdirectories only with
    directory.recurse, so the Application below is not one it deploys, and k8s/ is no app of
    apps. init found no environment."""
    app = _application("social-media-backend", "k8s")
    repo = write(
        tmp_path,
        {
            "k8s/argocd/application.yaml": app,
            "k8s/backend.yaml": deployment("back", "demo-backend:1.0.0"),
        },
    )
    found = discover(repo)
    assert len(found.environments) == 1
    (env,) = found.environments
    r = found.readings[env.name].image("demo-backend")
    assert r is not None and r.status is PinStatus.PINNED, r
    # with directory.recurse the Applications below are deployed too: one yielding only itself
    # (a self-managed app) leaves k8s/ an environment, one rendering another path makes it an
    # app of apps, not an environment
    recursing = app.replace("path: k8s}", "path: k8s, directory: {recurse: true}}")
    assert "recurse: true" in recursing
    files = {
        "k8s/argocd/application.yaml": recursing,
        "k8s/backend.yaml": deployment("back", "demo-backend:1.0.0"),
    }
    assert [p for e in discover(write(tmp_path / "r", files)).environments for p in e.paths] == [
        "k8s/argocd/application.yaml"
    ]
    files |= {
        "k8s/argocd/other.yaml": _application("other", "other"),
        "other/a.yaml": deployment("back", "demo-backend:2"),
    }
    paths = [p for e in discover(write(tmp_path / "o", files)).environments for p in e.paths]
    assert "k8s/argocd/application.yaml" not in paths
