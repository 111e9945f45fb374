"""A values file given to another repository's chart (an ApplicationSet's ``$values`` ref) holds
that chart's image at a key this repository's chart reads too: it is no place of this chart's image."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

HELLO_APP = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
    "metadata: {name: helloworld, namespace: argocd}\nspec:\n  project: default\n  sources:\n"
    "  - repoURL: https://github.com/acme/gitops.git\n    path: apps/helloworld/chart\n"
    "    helm: {valueFiles: [$values/apps/helloworld/values.yaml]}\n"
    "  - {repoURL: https://github.com/acme/gitops.git, ref: values}\n"
    "  destination: {server: 'https://kubernetes.default.svc', namespace: hello}\n"
)
OTHER_REPO_SET = (
    "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: codeai, namespace: argocd}\n"
    "spec:\n  generators:\n  - git:\n      repoURL: https://github.com/acme/gitops.git\n"
    "      revision: main\n      files: [{path: 'apps/codeai/deployments/*/deployment.yaml'}]\n"
    "  template:\n    metadata: {name: 'codeai-{{path.basename}}'}\n    spec:\n      project: default\n"
    "      sources:\n      - repoURL: https://github.com/acme/rails.git\n        path: k8s/helm\n"
    "        helm:\n          valueFiles: ['$values/apps/codeai/deployments/{{path.basename}}/values.yaml']\n"
    "      - {repoURL: https://github.com/acme/gitops.git, ref: values}\n"
    "      destination: {server: 'https://kubernetes.default.svc', namespace: '{{path.basename}}'}\n"
)


def test_the_values_another_repositorys_chart_is_given_are_not_this_charts_image(tmp_path: Path) -> None:
    """code-dot-org/k8s-gitops@aa176571 (newcomer16 N0, reduced by them): apps/codeai/deployments/staging/values.yaml's
    `image: ghcr.io/code-dot-org/cdo-rails@sha256:…` (values of a chart of ANOTHER repository)
    was read as docker.io/library/nginx (this repository's helloworld chart reads `.Values.image`);
    update --dry-run then wrote `image: nginx:1.31.0-alpine-slim@sha256:…` over cdo-rails."""
    found = discover(
        write(
            tmp_path,
            {
                "apps/helloworld/application.yaml": HELLO_APP,
                "apps/helloworld/values.yaml": "image: docker.io/library/nginx:1.30.2-alpine-slim\n",
                "apps/helloworld/chart/Chart.yaml": "apiVersion: v2\nname: helloworld\nversion: 0.1.0\n",
                "apps/helloworld/chart/values.yaml": "image: nginx:latest\n",
                "apps/helloworld/chart/templates/deployment.yaml": (
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: hello}\nspec:\n  template:\n"
                    "    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n"
                ),
                "apps/codeai/applicationset.yaml": OTHER_REPO_SET,
                "apps/codeai/deployments/staging/deployment.yaml": "branch: staging\n",
                "apps/codeai/deployments/staging/values.yaml": (
                    "image: ghcr.io/acme/cdo-rails@sha256:" + "5" * 64 + "\n"
                ),
            },
        ),
        origin="https://github.com/acme/gitops.git",
    )
    pins = [
        p.file
        for reading in found.readings.values()
        for i in found.images
        if i.name.endswith("nginx") and (r := reading.image(i.name)) is not None
        for p in r.pins
    ]
    assert not [f for f in pins if "deployments/staging" in f], (pins, [i.name for i in found.images])


ICA_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: dev-hello-ica-frontend, namespace: argocd}
spec:
  project: default
  destination: {namespace: dev-hello-ica, server: https://kubernetes.default.svc}
  sources:
    - repoURL: https://github.com/sikalabs/charts.git
      path: ./charts/one-image
      helm:
        valueFiles:
          - $values/apps/dev/frontend/values.yaml
          - $values/apps/dev/frontend/values.image.yaml
    - repoURL: %s
      ref: values
"""


# ondrejsika/argocd-apps-public clusters/sikademo/hello_ica/dev/frontend/app.yaml (newcomer21 F8, 30
# pins of 69 Applications): the chart is another repository's directory (sikalabs/charts'
# charts/one-image), the values this repository's, where its CI writes each build's tag. init said
# "renders https://github.com/sikalabs/charts.git, not this repository: run init in that repository",
# and the tags pinned here were named nowhere. The values are read, as a Helm repository's chart's are.
def test_the_values_this_repository_lends_another_repositorys_chart_are_read(tmp_path: Path) -> None:
    url = "https://github.com/ondrejsika/argocd-apps-public.git"
    image = "registry.sikalabs.com/examples/ica/hello-ica-frontend"
    files = {
        "apps/dev/frontend/app.yaml": ICA_APP % url,
        "apps/dev/frontend/values.yaml": "host: ica.example.com\n",
        "apps/dev/frontend/values.image.yaml": f"image: {image}:master-2e4f8c72-141791\n",
    }
    root = write(tmp_path / "lent", files)
    found = discover(root, origin=url)
    assert [(e.name, e.paths) for e in found.environments] == [("dev", ("apps/dev/frontend/app.yaml",))]
    assert [(i.name, dict(i.helm)) for i in found.images] == [(image, {"reference": "image"})], found.notes
    assert not any("run init in that repository" in n for n in found.notes), found.notes
    (root / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(root)
    (target,) = app.targets(app.config.environment("dev"))
    assert target.deployed is not None and target.deployed.tag == "master-2e4f8c72-141791", target
    assert [(p.file, p.line) for p in target.reading.pins] == [("apps/dev/frontend/values.image.yaml", 1)]
    # values a third repository lends: nothing of it is here, and that is said
    found = discover(
        write(
            tmp_path / "third",
            {**files, "apps/dev/frontend/app.yaml": ICA_APP % "https://github.com/acme/values.git"},
        ),
        origin=url,
    )
    assert not found.environments and any("run init in that repository" in n for n in found.notes), (
        found.notes
    )


HELLO_WORLD_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: hello-world, namespace: argocd}
spec:
  project: default
  destination: {namespace: hello-world, server: https://kubernetes.default.svc}
  source:
    repoURL: https://github.com/sikalabs/charts.git
    path: charts/hello-world
    helm:
      valuesObject:
        host: hello-world.k8s.sikademo.com
        image: ghcr.io/sikalabs/hello-world-server:egd
        replicas: 3
"""


# ondrejsika/argocd-apps-public clusters/sikademo/hello_world/hello_world.yml:25 (rescore22 O8, about
# 24 pins): an Application of another repository's chart whose own helm.valuesObject sets the image
# whole. It was named only in "62 Argo CD Applications render https://github.com/sikalabs/charts.git,
# not this repository". The values written here are read, as the ones it lends through $values are.
def test_the_values_an_application_writes_for_another_repositorys_chart_are_read(tmp_path: Path) -> None:
    url = "https://github.com/ondrejsika/argocd-apps-public.git"
    root = write(tmp_path, {"clusters/sikademo/hello_world/hello_world.yml": HELLO_WORLD_APP})
    found = discover(root, origin=url)
    image = "ghcr.io/sikalabs/hello-world-server"
    assert [(i.name, dict(i.helm)) for i in found.images] == [(image, {"reference": "image"})], found.notes
    assert not any("run init in that repository" in n for n in found.notes), found.notes
    (root / "gitops-bot.yaml").write_text(config_text(found))
    app = open_app(root)
    (env,) = app.config.environments
    (target,) = app.targets(env)
    assert target.deployed is not None and target.deployed.tag == "egd", target
    assert [(p.file, p.line) for p in target.reading.pins] == [
        ("clusters/sikademo/hello_world/hello_world.yml", 13)
    ]
