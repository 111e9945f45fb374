"""A file a CLI writes whole and stamps on every object (``linkerd install``'s
``linkerd.io/created-by: linkerd/cli stable-2.13.4``), kept in a repository as it was printed
(barkardk/gitops-demo's fluxcd/kustomize/infrastructure/linkerd/base/install.yaml). Its images
are the CLI's to keep in step: the control plane's version beside the proxy version
linkerd-config tells the injector. A release of one of them alone splits them, so init
configures none, and says why once."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from gitops_bot.core.reading import generated_by
from testkit.local_git import committed
from testkit.small_repos import deployment, flux_kustomization

_KUSTOMIZATION = (
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml]\n"
)

_INSTALL = """kind: ConfigMap
apiVersion: v1
metadata:
  name: linkerd-config
  namespace: linkerd
  labels:
    linkerd.io/control-plane-component: controller
  annotations:
    linkerd.io/created-by: linkerd/cli stable-2.13.4
data:
  values: |
    linkerdVersion: stable-2.13.4
    proxy:
      image:
        name: cr.l5d.io/linkerd/proxy
        version: stable-2.13.4
---
kind: Deployment
apiVersion: apps/v1
metadata:
  name: linkerd-destination
  namespace: linkerd
  annotations:
    linkerd.io/created-by: linkerd/cli stable-2.13.4
spec:
  template:
    metadata:
      annotations:
        linkerd.io/created-by: linkerd/cli stable-2.13.4
        linkerd.io/proxy-version: stable-2.13.4
    spec:
      containers:
      - name: linkerd-proxy
        image: cr.l5d.io/linkerd/proxy:stable-2.13.4
      - name: destination
        image: cr.l5d.io/linkerd/controller:stable-2.13.4
"""


def test_the_images_of_a_linkerd_install_are_not_released_one_by_one(tmp_path: Path) -> None:
    """fluxcd/kustomize/infrastructure/linkerd/base/install.yaml is `linkerd install`'s output
    (every object `linkerd.io/created-by: linkerd/cli stable-2.13.4`; the version 42 times, the
    injector's proxy version in linkerd-config's values). init configured controller, proxy,
    policy-controller and proxy-init as four images and the plan proposed each alone
    (stable-2.14.10 beside proxy-init v2.4.0), leaving linkerd-config injecting 2.13.4 proxies.
    Like Flux's gotk-components.yaml: no entry, and one line saying `linkerd upgrade` writes the
    file anew."""
    body = cli.execute(
        [
            "init",
            "--repo",
            str(
                committed(
                    tmp_path / "repo",
                    {
                        "clusters/sandbox/infra.yaml": flux_kustomization("linkerd", "./infra/linkerd"),
                        "infra/linkerd/kustomization.yaml": (
                            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [install.yaml]\n"
                        ),
                        "infra/linkerd/install.yaml": _INSTALL,
                        "clusters/sandbox/apps.yaml": flux_kustomization("web", "./apps/web"),
                        "apps/web/kustomization.yaml": _KUSTOMIZATION,
                        "apps/web/deployment.yaml": deployment("web", "redis:7.2.4"),
                    },
                )
            ),
        ]
    ).body
    items = [i.image for e in body.plan.environments for i in e.items]  # type: ignore[attr-defined]
    assert "redis" in items, items
    assert not [i for i in items if i.startswith("cr.l5d.io/")], items
    config = body.init.config  # type: ignore[attr-defined]
    said = [line for line in config.splitlines() if "cr.l5d.io/linkerd/controller" in line]
    assert said and "infra/linkerd/install.yaml" in said[0] and "`linkerd upgrade`" in said[0], said


def test_the_stamp_is_read_where_it_is_and_a_helm_install_is_not_the_cli_s() -> None:
    """The stamp is on each object, past any header's first 1,000 characters; the linkerd
    chart stamps ``linkerd/helm``, whose versions are its values' (a release writes them)."""
    assert generated_by("---\n" + "# a comment\n" * 200 + _INSTALL) == "linkerd"
    assert generated_by(_INSTALL.replace("linkerd/cli", "linkerd/helm")) is None
