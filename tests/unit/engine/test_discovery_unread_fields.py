"""An image written in a field no format reads, in an object of a kind the bot does not read
(an OLM ``CatalogSource``'s ``spec.image``, an operator's custom resource naming the image it
runs): init said nothing of it, so a newcomer never learnt that the guide's marker comment is
what makes it a pin (anandf/argocd-operator's deploy/catalog_source.yaml). Each is a ``# not
read:`` line with the image, its file:line and the marker line to add; a test's fixture and a
sample say nothing; past a bound the rest is a count with their files."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: manager}
spec:
  template:
    spec:
      containers:
      - name: manager
        image: quay.io/acme/operator:v0.17.0
"""

CATALOG = """\
apiVersion: operators.coreos.com/v1alpha1
kind: CatalogSource
metadata:
  name: acme-catalog
spec:
  sourceType: grpc
  image: quay.io/acme/operator-registry@sha256:f0d2bb73e8b9d0561c931b2f2afc81cf28ca5711c476b02ac1887770e799ab92 # 0.13.0
  displayName: Acme
"""

CR = """\
apiVersion: acme.io/v1
kind: Widget
metadata: {{name: w{n}}}
spec:
  server:
    image: ghcr.io/acme/widget-{n}:1.{n}.0
"""


def _files() -> dict[str, str]:
    return {
        "config/default/kustomization.yaml": "resources: [manager.yaml]\n",
        "config/default/manager.yaml": DEPLOY,
        "deploy/catalog_source.yaml": CATALOG,
        "tests/k8s/01-install.yaml": CR.format(n=9).replace("widget-9", "fixture"),
        "docs/samples/widget.yaml": CR.format(n=8).replace("widget-8", "sample"),
        # what Flux scans and a repository alone name no version: nothing to pin
        "flux/image-repository.yaml": (
            "apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageRepository\nmetadata: {name: app}\n"
            "spec:\n  image: ghcr.io/acme/scanned:1.0.0\n  interval: 5m\n"
        ),
        "deploy/argocd.yaml": "apiVersion: argoproj.io/v1beta1\nkind: ArgoCD\nmetadata: {name: a}\nspec:\n  image: quay.io/acme/argocd\n",
    }


def test_a_catalog_sources_image_is_said_with_its_marker(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _files()))
    text = config_text(found)
    lines = [n for n in found.notes if "operator-registry" in n]
    assert len(lines) == 1, found.notes
    line = lines[0]
    assert line.startswith("deploy/catalog_source.yaml:7: ")
    assert "spec.image of a CatalogSource" in line
    assert '# {"gitops-bot": "quay.io/acme/operator-registry"}' in line
    assert "no environment renders deploy/catalog_source.yaml" in line
    assert f"# not read: {line}" in text
    # a test's fixture and a docs sample are no deployment: nothing said of them
    assert not any("fixture" in n or "acme/sample" in n for n in found.notes), found.notes
    assert not any("scanned" in n or "acme/argocd" in n for n in found.notes), found.notes
    # the operator's own image is read as a workload's, not said again
    assert [i.name for i in found.images] == ["quay.io/acme/operator"]


def test_a_custom_resource_an_environment_renders_is_said_and_the_list_is_bounded(tmp_path: Path) -> None:
    files = _files()
    files["config/default/kustomization.yaml"] = "resources: [manager.yaml, widgets.yaml]\n"
    files["config/default/widgets.yaml"] = "---\n".join(CR.format(n=n) for n in range(12))
    found = discover(write(tmp_path, files))
    said = [n for n in found.notes if "no format reads" in n]
    # ten named one by one (the catalog's first, by file), the rest a count naming their files
    assert len(said) == 11, said
    assert said[0].startswith(
        "config/default/widgets.yaml:6: ghcr.io/acme/widget-0:1.0.0 is the spec.server.image of a Widget"
    )
    assert "no environment renders" not in said[0]
    assert said[-1].startswith("3 more images in fields no format reads: config/default/widgets.yaml")


ENVOY_PROXY = """\
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata:
  name: envoy
spec:
  provider:
    type: Kubernetes
    kubernetes:
      envoyDeployment:
        replicas: 2
        container:
          image: mirror.gcr.io/envoyproxy/envoy:v1.39.0
"""


def test_an_image_five_keys_under_spec_is_said(tmp_path: Path) -> None:
    """onedr0p/home-ops's kubernetes/apps/network/envoy-gateway/app/envoy.yaml: the Envoy proxy every
    gateway runs, at spec.provider.kubernetes.envoyDeployment.container.image, was in no line: only
    three key levels under spec were looked at."""
    files = _files()
    files["config/default/kustomization.yaml"] = "resources: [manager.yaml, envoy.yaml]\n"
    files["config/default/envoy.yaml"] = ENVOY_PROXY
    found = discover(write(tmp_path, files))
    said = [n for n in found.notes if "envoyproxy/envoy" in n]
    assert said and said[0].startswith(
        "config/default/envoy.yaml:12: mirror.gcr.io/envoyproxy/envoy:v1.39.0 is the "
        "spec.provider.kubernetes.envoyDeployment.container.image of an EnvoyProxy"
    ), found.notes


def test_two_objects_naming_one_image_are_each_said_at_their_own_line(tmp_path: Path) -> None:
    """zhorvath83/home-ops's envoy.yaml: two EnvoyProxy objects, the same image at lines 17 and 96,
    were said twice at line 96."""
    files = _files()
    files["config/default/kustomization.yaml"] = "resources:\n- manager.yaml\n- envoy.yaml\n"
    files["config/default/envoy.yaml"] = (
        ENVOY_PROXY + "---\n" + ENVOY_PROXY.replace("name: envoy", "name: two")
    )
    found = discover(write(tmp_path, files))
    said = [n.split(": ", 1)[0] for n in found.notes if "envoyproxy/envoy" in n]
    assert said == ["config/default/envoy.yaml:12", "config/default/envoy.yaml:25"], said
