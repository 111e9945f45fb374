"""An app of apps applying a directory of ApplicationSets, each with a git files generator over a
cluster's file (``env/eks-demo.yaml``: ``cluster``, ``env``) and a chart whose second values
file is ``{{env}}/values-{{cluster}}.yaml`` (opspresso/argocd-env-addons): the plan reads the
value files the generated Application names, and ``init`` makes one environment of the cluster
the generated Applications deploy to, where it found no environment at all. ApplicationSets in a
directory no Application applies (``backup/``) are said as not deployed, not made environments."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import images, workloads
from gitops_bot.render import reader
from testkit.local_git import write

APP = "ghcr.io/acme/web"
ROOT_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: addons-demo, namespace: argocd}
spec:
  project: addons
  source: {repoURL: https://github.com/acme/addons, targetRevision: HEAD, path: addons}
  destination: {name: in-cluster, namespace: argocd}
"""
APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: %(name)s}
spec:
  generators:
    - git:
        repoURL: https://github.com/acme/addons.git
        revision: HEAD
        files:
          - path: "env/eks-demo.yaml"
  template:
    metadata:
      name: "%(name)s-{{cluster}}"
    spec:
      project: addons
      destination:
        name: "{{cluster}}"
        namespace: addon-%(name)s
      source:
        repoURL: https://github.com/acme/addons.git
        targetRevision: HEAD
        path: charts/%(name)s
        helm:
          valueFiles:
            - values.yaml
            - "{{env}}/values-{{cluster}}.yaml"
"""
DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: %s}
spec:
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def _repo(tmp_path: Path) -> Path:
    files = {
        "addons.yaml": ROOT_APP,
        "env/eks-demo.yaml": "cluster: eks-demo\nenv: demo\nrole: mgmt\n",
        "addons/web.yaml": APPSET % {"name": "web"},
        "backup/old.yaml": APPSET % {"name": "old"},
    }
    for name in ("web", "old"):
        files |= {
            f"charts/{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n",
            f"charts/{name}/values.yaml": f"image:\n  repository: {APP}\n  tag: 1.0.0\n",
            f"charts/{name}/demo/values-eks-demo.yaml": "image:\n  tag: 1.2.0\n",
            # another cluster's, which the generator does not list (commented out there)
            f"charts/{name}/demo/values-eks-prod.yaml": "image:\n  tag: 1.3.0\n",
            f"charts/{name}/templates/deploy.yaml": DEPLOY % name,
        }
    return write(tmp_path, files)


def test_the_plan_reads_the_values_file_a_git_files_generator_names(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    spec = images.ImageSpec(
        APP, workloads.repository_key(APP), helm={"repository": "image.repository", "tag": "image.tag"}
    )
    got = reader.Reader(reader.DiskTree(root), root, [spec]).read(
        [reader.Source("eks-demo", ("addons/web.yaml",), (APP,))]
    )
    image = got["eks-demo"].image(APP)
    assert image is not None and image.effective is not None, got["eks-demo"]
    # the cluster's values file layers over the chart's: 1.2.0 runs, where the generator was
    # "not expanded" and the chart's own 1.0.0 was read as the pin
    assert (image.effective.place, image.effective.tag) == ("charts/web/demo/values-eks-demo.yaml:2", "1.2.0")
    assert image.status is PinStatus.PINNED


def test_init_makes_the_cluster_the_generated_applications_deploy_to_one_environment(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path))
    # the ApplicationSet is the path, read as Argo CD generates its Application (the chart
    # directory alone would read every values file in it, another cluster's too)
    assert {e.name: e.paths for e in found.environments} == {"eks-demo": ("addons/web.yaml",)}
    (image,) = found.images
    assert image.name == APP and image.environments == ("eks-demo",)
    (said,) = [n for n in found.notes if n.startswith("backup/old.yaml")]
    assert "no Application in this repository applies" in said and "addons" in said
    assert not [n for n in found.notes if "are found on their own" in n], found.notes
