"""Applications through Argo CD's source hydrator (``spec.sourceHydrator.drySource``: Argo CD
renders the dry source's path and commits the manifests to a branch it syncs) deploy that path
(zachaller/argocon-gitops-promoter-hydrate-demo): init read only ``spec.source``, so staging's and
production's overlays were 'nothing in this repository deploys it', and dev was found only by a
plain Application the app of apps leaves out."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import argocd_apps
from testkit.broken_repos import DEPLOYMENT
from testkit.local_git import write

APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}, namespace: argocd}}
spec:
  project: default
  destination: {{server: https://kubernetes.default.svc, namespace: {name}}}
{source}"""

PLAIN = "  source: {{repoURL: https://github.com/acme/gitops.git, targetRevision: HEAD, path: {path}}}\n"

HYDRATED = """\
  sourceHydrator:
    drySource: {{repoURL: https://github.com/acme/gitops.git, targetRevision: HEAD, path: {path}}}
    hydrateTo: {{targetBranch: environments/{name}-next}}
    syncSource: {{targetBranch: environments/{name}, path: {name}}}
"""


def _overlay(tag: str) -> str:
    return f"resources: [../../base]\nimages:\n- name: ghcr.io/acme/app\n  newTag: {tag}\n"


def test_an_application_through_the_source_hydrator_deploys_its_dry_source(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "apps/kustomization.yaml": "resources: [dev.yaml, staging.yaml, prod.yaml]\n",
            "apps/dev.yaml": APP.format(name="dev", source=PLAIN.format(path="env/dev")),
            "apps/staging.yaml": APP.format(
                name="staging", source=HYDRATED.format(path="env/staging", name="staging")
            ),
            "apps/prod.yaml": APP.format(name="prod", source=HYDRATED.format(path="env/prod", name="prod")),
            "root.yaml": APP.format(name="root", source=PLAIN.format(path="apps")),
            "base/kustomization.yaml": "resources: [deploy.yaml]\n",
            "base/deploy.yaml": DEPLOYMENT.format(image="ghcr.io/acme/app"),
            "env/dev/kustomization.yaml": _overlay("1.2.0"),
            "env/staging/kustomization.yaml": _overlay("1.1.0"),
            "env/prod/kustomization.yaml": _overlay("1.0.0"),
        },
    )
    found = discover(root)
    assert sorted(p for e in found.environments for p in e.paths) == ["env/dev", "env/prod", "env/staging"], (
        found.environments,
        found.notes,
    )
    assert not any("nothing in this repository deploys it" in n for n in found.notes), found.notes


def test_a_plain_source_is_read_before_the_dry_one() -> None:
    """An Application holding both (a source hydrator being set up) syncs its source: read alone."""
    both = APP.format(name="web", source=PLAIN.format(path="a") + HYDRATED.format(path="b", name="web"))
    assert [s.path for s in argocd_apps.sources(both, "web.yaml")] == ["a"]
    dry = APP.format(name="web", source=HYDRATED.format(path="b", name="web"))
    (source,) = argocd_apps.sources(dry, "web.yaml")
    assert (source.path, source.repo_url, source.revision) == (
        "b",
        "https://github.com/acme/gitops.git",
        "HEAD",
    )


STRATEGY = """\
apiVersion: promoter.argoproj.io/v1alpha1
kind: PromotionStrategy
metadata: {name: demo}
spec:
  gitRepositoryRef: {name: demo}
  environments:
  - branch: environments/development
  - branch: environments/staging
  - branch: environments/production-use
  - branch: environments/production-usw
"""


def test_a_promoter_environment_is_the_branch_the_hydrator_syncs(tmp_path: Path) -> None:
    """argocon-gitops-promoter-hydrate-demo: staging/e2e and staging/integration both sync
    environments/staging, production/us-east-2 and us-west-1 two branches promoted in turn. init
    made e2e, integration and one production promoted from development: the Promoter's order
    named none of them right."""

    def hydrated(name: str, path: str, branch: str) -> str:
        return APP.format(name=name, source=HYDRATED.format(path=path, name=name)).replace(
            f"targetBranch: environments/{name},", f"targetBranch: environments/{branch},"
        )

    root = write(
        tmp_path,
        {
            "apps/kustomization.yaml": "resources: [dev.yaml, e2e.yaml, int.yaml, use.yaml, usw.yaml]\n",
            "apps/dev.yaml": hydrated("dev", "env/development", "development"),
            "apps/e2e.yaml": hydrated("e2e", "env/staging/e2e", "staging"),
            "apps/int.yaml": hydrated("int", "env/staging/integration", "staging"),
            "apps/use.yaml": hydrated("use", "env/production/us-east-2", "production-use"),
            "apps/usw.yaml": hydrated("usw", "env/production/us-west-1", "production-usw"),
            "root.yaml": APP.format(name="root", source=PLAIN.format(path="apps")),
            "promotion/strategy.yaml": STRATEGY,
            "base/kustomization.yaml": "resources: [deploy.yaml]\n",
            "base/deploy.yaml": DEPLOYMENT.format(image="ghcr.io/acme/app"),
            **{
                f"env/{p}/kustomization.yaml": _overlay("1.0.0").replace("../../base", "../../../base")
                if "/" in p
                else _overlay("1.0.0")
                for p in (
                    "development",
                    "staging/e2e",
                    "staging/integration",
                    "production/us-east-2",
                    "production/us-west-1",
                )
            },
        },
    )
    found = discover(root)
    assert [(e.name, e.paths, e.promote_from) for e in found.environments] == [
        ("development", ("env/development",), None),
        ("staging", ("env/staging/e2e", "env/staging/integration"), "development"),
        ("production-use", ("env/production/us-east-2",), "staging"),
        ("production-usw", ("env/production/us-west-1",), "production-use"),
    ], (found.environments, found.notes)


def test_a_target_branch_git_refuses_is_no_environment(tmp_path: Path) -> None:
    """A hostile targetBranch (an option to git, a path out of refs/) named an environment after
    its last part (``--upload-pack=touch /tmp/pwned``: environment ``pwned``) and was written in
    gitops-bot.yaml as the branch it syncs."""
    files = {
        "apps/kustomization.yaml": "resources: [dev.yaml, stg.yaml]\n",
        "root.yaml": APP.format(name="root", source=PLAIN.format(path="apps")),
        "promotion/strategy.yaml": STRATEGY.replace(
            "environments/development", "'--upload-pack=touch /tmp/pwned'"
        ),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": DEPLOYMENT.format(image="ghcr.io/acme/app"),
        "env/dev/kustomization.yaml": _overlay("1.0.0"),
        "env/stg/kustomization.yaml": _overlay("1.0.0"),
    }
    for name, branch in (("dev", "'--upload-pack=touch /tmp/pwned'"), ("stg", "environments/staging")):
        app = APP.format(name=name, source=HYDRATED.format(path=f"env/{name}", name=name))
        files[f"apps/{name}.yaml"] = app.replace(
            f"targetBranch: environments/{name},", f"targetBranch: {branch},"
        )
    found = discover(write(tmp_path, files))
    assert sorted(e.name for e in found.environments) == ["dev", "staging"], found.environments
    assert not any("upload-pack" in e.how for e in found.environments)
    assert (
        "apps/dev.yaml: Argo CD Application dev's source hydrator syncs branch '--upload-pack=touch /tmp/pwned', "
        "which git refuses as a branch name: not read as a GitOps Promoter environment; fix its targetBranch"
    ) in found.notes, found.notes
