"""Images in a custom resource's fields no format reads, said with the marker that reads them:
a repository/tag block (a ClickHouseCluster's ``spec.containerTemplate.image``, said at its tag's
line with the ``:tag`` marker) and an image in a list of the resource (an
OpenTelemetryCollector's ``spec.initContainers[]``, a CNPG ImageCatalog's ``spec.images[]``, a
Knative Service's pod template), as a ``spec.image`` string already is; Helm values (a
HelmRelease's ``values``, an Application's ``helm:``) are read elsewhere and said nowhere here."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from testkit import small_repos
from testkit.local_git import write

# oscaromeu/home-ops kubernetes/apps/databases/clickhouse/app/cluster.yaml:25 (and clickhouse-lab):
# a ClickHouseCluster's `spec.containerTemplate.image` is a repository/tag block (26.3); the same
# image is an entry from a Job's container (kubernetes/apps/observability/alert-history/app/job.yaml,
# 26.7), so a release moves the Job and leaves the cluster with no word
CLICKHOUSE_CLUSTER = """apiVersion: clickhouse.com/v1alpha1
kind: ClickHouseCluster
metadata: {name: clickhouse}
spec:
  replicas: 1
  containerTemplate:
    image:
      repository: docker.io/clickhouse/clickhouse-server
      tag: "26.3"
    imagePullPolicy: IfNotPresent
"""
SCHEMA_JOB = """apiVersion: batch/v1
kind: Job
metadata: {name: alert-history-schema}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: schema
          image: docker.io/clickhouse/clickhouse-server:26.7
"""


def test_a_custom_resource_s_repository_and_tag_block_is_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./clickhouse/ks.yaml, ./alert-history/ks.yaml]\n",
            "kubernetes/apps/clickhouse/ks.yaml": small_repos.flux_kustomization(
                "clickhouse", "./kubernetes/apps/clickhouse/app"
            ),
            "kubernetes/apps/clickhouse/app/kustomization.yaml": "resources: [./cluster.yaml]\n",
            "kubernetes/apps/clickhouse/app/cluster.yaml": CLICKHOUSE_CLUSTER,
            "kubernetes/apps/alert-history/ks.yaml": small_repos.flux_kustomization(
                "alert-history", "./kubernetes/apps/alert-history/app"
            ),
            "kubernetes/apps/alert-history/app/kustomization.yaml": "resources: [./job.yaml]\n",
            "kubernetes/apps/alert-history/app/job.yaml": SCHEMA_JOB,
        },
    )
    found = discover(root)
    notes = "\n".join(found.notes + tuple(n for i in found.images for n in i.notes))
    # said at its tag's line, with the marker that reads the tag there
    assert (
        "kubernetes/apps/clickhouse/app/cluster.yaml:9: docker.io/clickhouse/clickhouse-server:26.3 is the "
        "spec.containerTemplate.image.tag of a ClickHouseCluster" in notes
    ), notes
    assert '# {"gitops-bot": "docker.io/clickhouse/clickhouse-server:tag"}' in notes, notes


# npawelek/home-ops kubernetes/apps/monitoring/opentelemetry-gateway/app/gateway.yaml:52: an
# OpenTelemetryCollector's `spec.initContainers[].image` (written whole); j0sh3rs/home-ops
# kubernetes/apps/databases/cloudnative-pg/cluster/imagecatalog.yaml:59, an ImageCatalog's
# `spec.images[].image`, is the same shape. A `spec.image` string of a custom resource gets its
# `# not read:` line; one inside a list of the resource gets none
OTEL_COLLECTOR = """apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata: {name: gateway}
spec:
  mode: statefulset
  initContainers:
    - name: fix-storage-permissions
      image: public.ecr.aws/docker/library/alpine:3.24.1
      command: ["sh", "-c", "chown -R 10001:10001 /var/lib/otelcol_gateway"]
"""


def test_an_image_in_a_list_of_a_custom_resource_is_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./otel/ks.yaml]\n",
            "kubernetes/apps/otel/ks.yaml": small_repos.flux_kustomization(
                "otel", "./kubernetes/apps/otel/app"
            ),
            "kubernetes/apps/otel/app/kustomization.yaml": "resources: [./gateway.yaml]\n",
            "kubernetes/apps/otel/app/gateway.yaml": OTEL_COLLECTOR,
        },
    )
    found = discover(root)
    notes = "\n".join(found.notes)
    assert (
        "kubernetes/apps/otel/app/gateway.yaml:8: public.ecr.aws/docker/library/alpine:3.24.1 is the "
        "spec.initContainers[].image of an OpenTelemetryCollector" in notes
    ), notes


# JasonKoopmans/home-ops-hiro kubernetes/apps/default/knative-smoke/app/kservice.yaml:17: a Knative
# Service's pod template, a kind no format reads; init wrote no entry and no line
KNATIVE_SERVICE = """apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: knative-smoke, namespace: default}
spec:
  template:
    spec:
      containers:
        - image: docker.io/hashicorp/http-echo:1.0.0
          args: ["-text=knative-smoke-ok"]
"""
APPSET_VALUES = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: apps}
spec:
  generators:
    - list: {elements: [{env: dev}]}
  template:
    metadata: {name: 'web-{{env}}'}
    spec:
      source:
        repoURL: https://charts.example.com
        chart: web
        targetRevision: 1.0.0
        helm:
          valuesObject:
            image: {repository: ghcr.io/acme/web, tag: 1.2.3}
      destination: {server: https://kubernetes.default.svc, namespace: web}
"""


def test_a_custom_resource_s_pod_template_is_said_and_helm_values_are_not(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "kubernetes/flux/cluster/ks.yaml": small_repos.flux_kustomization(
                "cluster-apps", "./kubernetes/apps"
            ),
            "kubernetes/apps/kustomization.yaml": "resources: [./smoke/ks.yaml]\n",
            "kubernetes/apps/smoke/ks.yaml": small_repos.flux_kustomization(
                "smoke", "./kubernetes/apps/smoke/app"
            ),
            "kubernetes/apps/smoke/app/kustomization.yaml": "resources: [./kservice.yaml]\n",
            "kubernetes/apps/smoke/app/kservice.yaml": KNATIVE_SERVICE,
            "argocd/appset.yaml": APPSET_VALUES,
        },
    )
    notes = "\n".join(discover(root).notes)
    assert (
        "kubernetes/apps/smoke/app/kservice.yaml:8: docker.io/hashicorp/http-echo:1.0.0 is the "
        "spec.template.spec.containers[].image of a Service" in notes
    ), notes
    assert "ghcr.io/acme/web:1.2.3 is the" not in notes, notes


VL_SINGLE = """apiVersion: operator.victoriametrics.com/v1
kind: VLSingle
metadata:
  name: victoria-logs-single
  namespace: monitoring
spec:
  image:
    tag: v1.45.0
  retentionPeriod: "7d"
"""


# simplelumine/k8s-gitops platform/victoria-logs/single.yaml:8 (listed by
# platform/victoria-logs/kustomization.yaml, which the path of Flux Kustomization platform,
# clusters/production/platform, includes): a VictoriaMetrics operator VLSingle pins the tag of the
# image the operator runs (`spec.image.tag`, no repository: the operator's default). init writes
# no entry and no line naming the file, where a custom resource's whole image in the same
# repository (a RedisReplication's `spec.sentinel.image`) is said: "a field no format reads: add
# the marker comment". A tag alone is a pin too: read, or said with the file and what to do.
def test_a_custom_resource_s_image_tag_with_no_repository_is_read_or_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "clusters/production/platform.yaml": small_repos.flux_kustomization(
                "platform", "./platform/victoria-logs"
            ),
            "platform/victoria-logs/kustomization.yaml": "resources: [single.yaml]\n",
            "platform/victoria-logs/single.yaml": VL_SINGLE,
        },
    )
    found = discover(root)
    assert any(
        n.startswith(
            "platform/victoria-logs/single.yaml:8: v1.45.0, the tag of the image its operator chooses, is "
            "the spec.image.tag of a VLSingle, a field no format reads: write its repository there"
        )
        for n in found.notes
    ), found.notes


CNPG_CLUSTER = """apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: cluster-dev, namespace: pgdb}
spec:
  instances: 1
  imageName: ghcr.io/cloudnative-pg/postgresql:16.4
  storage: {size: 1Gi}
"""


# stocks-analyser/stocks-gitops-infra applications/postgres-cluster/cluster.yaml:8 (newcomer22 F5): a
# CloudNativePG Cluster runs spec.imageName, which only image keys were looked at for: named nowhere.
# Said with the marker comment, which, as the line gives it, reads the tag there.
def test_a_cloudnative_pg_cluster_s_image_name_is_said_with_the_marker_that_reads_it(tmp_path: Path) -> None:
    files = {
        "overlays/dev/kustomization.yaml": "resources: [../../base]\n",
        "base/kustomization.yaml": "resources: [cluster.yaml]\n",
        "base/cluster.yaml": CNPG_CLUSTER,
    }
    root = write(tmp_path, files)
    found = discover(root)
    (note,) = [n for n in found.notes if "cluster.yaml" in n]
    assert note.startswith(
        "base/cluster.yaml:6: ghcr.io/cloudnative-pg/postgresql:16.4 is the spec.imageName of a Cluster, a field "
        'no format reads: add the marker comment # {"gitops-bot": "ghcr.io/cloudnative-pg/postgresql"}'
    ), note
    (root / "base/cluster.yaml").write_text(
        CNPG_CLUSTER.replace(":16.4\n", ':16.4 # {"gitops-bot": "ghcr.io/cloudnative-pg/postgresql"}\n')
    )
    (root / "gitops-bot.yaml").write_text(
        "version: 1\nimages: [{name: ghcr.io/cloudnative-pg/postgresql, policy: semver}]\n"
        "environments: [{name: dev, path: overlays/dev}]\n"
    )
    app = open_app(root)
    (target,) = app.targets(app.config.environment("dev"))
    assert target.deployed is not None and target.deployed.tag == "16.4", target
