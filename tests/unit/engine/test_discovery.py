"""What ``init`` finds in small repositories: overlays (and not their bases), several overlays
naming one environment, per-environment values files with a chart's key paths, the promotion
order a Kargo Stage defines (through a control stage) or the names suggest, and a config the
config reader loads."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import config
from gitops_bot.engine.candidates import name_of
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from gitops_bot.engine.promotion_order import rank_of
from testkit.local_git import write

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {image}
"""


def _overlay(tag: str) -> str:
    return f"resources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app\n  newTag: {tag}\n"


def test_overlays_are_environments_and_their_base_is_not(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
            "overlays/dev/kustomization.yaml": _overlay("1.2.0"),
            "overlays/staging/kustomization.yaml": _overlay("1.1.0"),
            "overlays/production/kustomization.yaml": _overlay("1.0.0"),
        },
    )
    found = discover(repo)
    assert [(e.name, e.paths) for e in found.environments] == [
        ("dev", ("overlays/dev",)),
        ("staging", ("overlays/staging",)),
        ("production", ("overlays/production",)),
    ]
    assert {e.name: e.promote_from for e in found.environments} == {
        "dev": None,
        "staging": "dev",
        "production": "staging",
    }
    assert all(e.order.startswith("guessed") for e in found.environments if e.promote_from)
    (img,) = found.images
    assert img.name == "ghcr.io/acme/app" and img.registry == "ghcr.io"
    assert img.guess.keys == {"policy": "semver", "range": ">=1.0.0 <2.0.0"}
    text = config_text(found)
    assert "# guess: guessed from the names: dev comes before staging" in text
    loaded = config.parse(text, "gitops-bot.yaml")
    assert [e.name for e in loaded.environments] == ["dev", "staging", "production"]


def test_overlays_of_several_apps_naming_one_environment_are_one(tmp_path: Path) -> None:
    files = {}
    for app in ("orders", "billing"):
        files[f"apps/{app}/base/kustomization.yaml"] = "resources:\n- deploy.yaml\n"
        files[f"apps/{app}/base/deploy.yaml"] = DEPLOY.format(image=f"ghcr.io/acme/{app}:1.0.0")
        for env in ("qa", "prod"):
            files[f"apps/{app}/envs/{env}/kustomization.yaml"] = "resources:\n- ../../base\n"
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("qa", ("apps/billing/envs/qa", "apps/orders/envs/qa")),
        ("prod", ("apps/billing/envs/prod", "apps/orders/envs/prod")),
    ]
    assert sorted(i.name for i in found.images) == ["ghcr.io/acme/billing", "ghcr.io/acme/orders"]


def test_values_files_per_environment_with_the_chart_key_paths(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "chart/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
            "chart/app/values.yaml": "image:\n  repository: docker.io/acme/app\n  tag: latest\n",
            "chart/app/templates/deploy.yaml": (
                "spec:\n  containers:\n  - name: app\n"
                '    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
            ),
            "chart/values-qa.yaml": "image:\n  tag: 20240131-1542\n",
            "chart/values-prod.yaml": "image:\n  tag: 20240101-0900\n",
        },
    )
    found = discover(repo)
    assert [(e.name, e.paths) for e in found.environments] == [
        ("qa", ("chart/values-qa.yaml",)),
        ("prod", ("chart/values-prod.yaml",)),
    ]
    (img,) = found.images
    assert img.name == "docker.io/acme/app"
    assert dict(img.helm) == {"repository": "image.repository", "tag": "image.tag"}
    assert img.guess.policy == "regex"
    config.parse(config_text(found), "gitops-bot.yaml")


def test_kargo_stages_give_the_order_through_a_control_stage(tmp_path: Path) -> None:
    stages = ""
    for name, upstream in (
        ("dev", None),
        ("uat", "dev"),
        ("prod", "uat"),
        ("prod-east", "prod"),
        ("prod-west", "prod"),
    ):
        src = "direct: true" if upstream is None else f"stages: [{upstream}]"
        stages += (
            f"---\napiVersion: kargo.akuity.io/v1alpha1\nkind: Stage\nmetadata: {{name: {name}}}\n"
            f"spec:\n  requestedFreight:\n  - origin: {{kind: Warehouse, name: w}}\n    sources: {{{src}}}\n"
        )
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
        "kargo/stages.yaml": stages,
    }
    for env in ("dev", "uat", "prod-east", "prod-west"):
        files[f"env/{env}/kustomization.yaml"] = "resources:\n- ../../base\n"
    found = discover(write(tmp_path, files))
    assert found.order_source == "kargo"
    assert {e.name: e.promote_from for e in found.environments} == {
        "dev": None,
        "uat": "dev",
        "prod-east": "uat",
        "prod-west": "uat",
    }
    assert "Kargo Stage uat" in config_text(found)


def test_names() -> None:
    assert name_of("kubernetes/overlays/homelab/dev/frontend") == "dev"
    assert name_of("values/app1/envs/prod-eu-values.yaml") == "prod-eu"
    assert name_of("demo-apps/guestbook/env/e2e/values.yaml") == "e2e"
    assert name_of("overlays/promotion") == "promotion-env"
    assert rank_of("dev") < rank_of("qa") < rank_of("staging") < rank_of("production")  # type: ignore[operator]


def test_nothing_found_is_an_empty_discovery(tmp_path: Path) -> None:
    found = discover(write(tmp_path, {"README.md": "hello\n"}))
    assert found.environments == () and found.images == ()


def test_an_application_over_a_chart_takes_its_value_files_and_joins_its_environment(tmp_path: Path) -> None:
    """An Application ``web-prod`` over a chart with its value files is the prod environment,
    the same one the ``production`` overlay is (one word, two spellings); its value files are
    its own, not environments of their own."""
    repo = write(
        tmp_path,
        {
            "kustomize/base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "kustomize/base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
            "kustomize/overlays/production/kustomization.yaml": "resources:\n- ../../base\n",
            "helm/chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "helm/chart/values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: 2.0.0\n",
            "helm/chart/prod-values.yaml": "replicaCount: 3\n",
            "helm/chart/templates/deploy.yaml": (
                "spec:\n  containers:\n  - name: web\n"
                '    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n'
            ),
            "apps/web.yaml": (
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web-prod\n"
                "spec:\n  source:\n    repoURL: https://example.com/acme/gitops\n    path: helm/chart\n"
                "    helm:\n      valueFiles:\n      - values.yaml\n      - prod-values.yaml\n"
            ),
        },
    )
    found = discover(repo)
    assert [(e.name, e.paths) for e in found.environments] == [
        ("production", ("kustomize/overlays/production", "apps/web.yaml")),
    ]
    assert sorted(i.name for i in found.images) == ["ghcr.io/acme/app", "ghcr.io/acme/web"]


def test_gitops_promoter_strategy_gives_the_order_and_another_branch_is_said(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
        "promoter/strategy.yaml": (
            "apiVersion: promoter.argoproj.io/v1alpha1\nkind: PromotionStrategy\nmetadata: {name: app}\n"
            "spec:\n  environments:\n  - branch: environment/development\n  - branch: environment/e2e\n"
            "  - branch: environment/production\n"
        ),
        "apps/test.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app-e2e}\nspec:\n"
            "  source:\n    repoURL: https://example.com/acme/gitops\n    path: envs/e2e\n"
            "    targetRevision: e2e-branch\n"
        ),
    }
    for env in ("dev", "e2e", "production"):
        files[f"envs/{env}/kustomization.yaml"] = "resources:\n- ../../base\n"
    found = discover(write(tmp_path, files))
    assert found.order_source == "gitops-promoter"
    assert {e.name: e.promote_from for e in found.environments} == {
        "dev": None,
        "e2e": "dev",
        "production": "e2e",
    }
    text = config_text(found)
    assert "GitOps Promoter PromotionStrategy in promoter/strategy.yaml" in text
    assert (
        "# open question: environment e2e: Argo CD Application app-e2e renders it from branch e2e-branch, "
        "which this clone does not hold" in text
    )


def _microtodo_shape() -> dict[str, str]:
    """The shape of a repository met in the wild (MicroTodoSuite/microservice-app-gitops): per-app
    overlays renaming the image with ``newName``, flat ``environments/<env>`` layers a test
    fixture includes, a ``clusters/`` bootstrap of Argo CD ApplicationSets, Argo CD installing
    itself from ``bootstrap/argocd``."""
    files = {
        "apps/api/base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "apps/api/base/deploy.yaml": DEPLOY.format(image="api"),
        "environments/base/kustomization.yaml": "resources:\n- redis.yaml\n",
        "environments/base/redis.yaml": DEPLOY.format(image="redis:7.4.9-alpine"),
        "tests/fixtures/isolation/base/kustomization.yaml": "resources:\n- probe.yaml\n",
        "tests/fixtures/isolation/base/probe.yaml": DEPLOY.format(image="busybox:1.36"),
        "tests/fixtures/isolation/overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        "clusters/base/kustomization.yaml": "resources:\n- apps.yaml\n- argocd.yaml\n",
        "clusters/base/apps.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: apps}\nspec:\n"
            "  generators:\n  - list: {elements: []}\n  template:\n    metadata: {name: 'api-{{ .env }}'}\n"
            "    spec:\n      source:\n        repoURL: https://example.com/acme/gitops\n"
            "        path: 'apps/api/overlays/{{ .env }}'\n"
        ),
        "clusters/base/argocd.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: argocd}\nspec:\n"
            "  source:\n    repoURL: https://example.com/acme/gitops\n    path: bootstrap/argocd\n"
        ),
        "clusters/eks-dev/kustomization.yaml": "resources:\n- ../base\n",
        "bootstrap/argocd/kustomization.yaml": "resources:\n- install.yaml\n",
        "bootstrap/argocd/install.yaml": DEPLOY.format(image="quay.io/argoproj/argocd:v3.5.0"),
    }
    for env in ("dev", "staging", "prod"):
        files[f"apps/api/overlays/{env}/kustomization.yaml"] = (
            "resources:\n- ../../base\nimages:\n- name: api\n"
            "  newName: 123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api\n"
            f"  digest: sha256:{'c4' * 32}\n"
        )
        files[f"environments/{env}/kustomization.yaml"] = "resources:\n- ../base\n"
        files[f"tests/fixtures/isolation/foundation/{env}/kustomization.yaml"] = (
            f"resources:\n- ../../../../../environments/{env}\n"
        )
    files["apps/api/overlays/local/kustomization.yaml"] = (
        f"resources:\n- ../../base\nimages:\n- name: api\n  newName: localhost:5001/api\n"
        f"  digest: sha256:{'00' * 32}\n"
    )
    return files


def test_tests_fixtures_and_cluster_bootstrap_are_not_environments(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _microtodo_shape()))
    paths = [p for e in found.environments for p in e.paths]
    assert not [p for p in paths if p.startswith(("tests/", "clusters/", "bootstrap/"))], paths
    assert [e.name for e in found.environments] == ["dev", "local", "staging", "prod"]
    assert "busybox" not in {i.name for i in found.images}
    assert not [i for i in found.images if "argocd" in i.name]


def test_flat_environment_layers_included_by_a_fixture_are_found(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _microtodo_shape()))
    by_name = {e.name: e.paths for e in found.environments}
    assert by_name["dev"] == ("apps/api/overlays/dev", "environments/dev")
    assert by_name["prod"] == ("apps/api/overlays/prod", "environments/prod")
    (redis,) = [i for i in found.images if i.name == "redis"]
    assert redis.environments == ("dev", "staging", "prod")


def test_an_image_renamed_with_new_name_is_pulled_from_the_new_name(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _microtodo_shape()))
    (api,) = [i for i in found.images if i.name == "api"]
    assert api.repository == "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api"
    assert api.registry == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    text = config_text(found)
    assert 'repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api"' in text
    # the environment that pulls it from elsewhere is said, not silently folded in
    assert "local renders it as localhost:5001/api" in text
    loaded = config.parse(text, "gitops-bot.yaml")
    image = loaded.image("api")
    assert image is not None
    assert image.repository.registry == "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_an_ambiguous_name_order_is_said_as_an_open_question(tmp_path: Path) -> None:
    """dev and local are both of the first rank: which one staging is promoted from is not
    guessed silently, it is asked in the config and in what init says."""
    found = discover(write(tmp_path, _microtodo_shape()))
    staging = next(e for e in found.environments if e.name == "staging")
    assert staging.promote_from is None
    assert "local" in staging.order and "dev" in staging.order
    text = config_text(found)
    line = next(ln for ln in text.splitlines() if "open question" in ln and "staging" in ln)
    assert "promote_from" in line
    assert any("staging" in q and "promote_from" in q for q in found.questions)


def test_an_argo_cd_rolling_sync_gives_the_order(tmp_path: Path) -> None:
    files = _microtodo_shape()
    files["clusters/eks-dev/rolling-sync.yaml"] = (
        "- op: add\n  path: /spec/strategy\n  value:\n    type: RollingSync\n    rollingSync:\n"
        "      steps:\n"
        + "".join(
            f"      - matchExpressions:\n        - key: env\n          operator: In\n"
            f"          values: [{env}]\n"
            for env in ("dev", "staging", "prod")
        )
    )
    found = discover(write(tmp_path, files))
    assert {e.name: e.promote_from for e in found.environments} == {
        "dev": None,
        "local": None,
        "staging": "dev",
        "prod": "staging",
    }
    assert found.order_source == "argocd-rolling-sync"
    assert "RollingSync" in config_text(found)


def _tracking(files: dict[str, str]) -> dict[str, str]:
    """Two overlays, each deployed by an Argo CD Application; test's tracks branch test."""
    files = dict(files)
    files["argocd/apps.yaml"] = "".join(
        f"---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app-{env}}}\nspec:\n"
        f"  source:\n    repoURL: https://example.com/acme/gitops\n    path: overlays/{env}\n"
        f"    targetRevision: {revision}\n"
        for env, revision in (("test", "test"), ("production", "main"))
    )
    return files


def test_an_environment_an_application_renders_from_another_branch_is_read_there(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
        "overlays/test/kustomization.yaml": _overlay("1.2.0"),
        "overlays/production/kustomization.yaml": _overlay("1.0.0"),
    }
    repo = write(tmp_path, _tracking(files))
    found = discover(repo, base="main", has_branch=lambda b: b == "test")
    assert {e.name: e.branch for e in found.environments} == {"test": "test", "production": None}
    text = config_text(found)
    assert 'branch: "test"  # found: Argo CD Application app-test in argocd/apps.yaml' in text
    loaded = config.parse(text, "gitops-bot.yaml")
    assert {e.name: e.branch for e in loaded.environments} == {"test": "test", "production": None}
    # a branch this clone does not hold is not written (the plan could not read it): it is asked
    missing = discover(repo, base="main", has_branch=lambda b: False)
    assert {e.name: e.branch for e in missing.environments} == {"test": None, "production": None}
    (question,) = missing.questions
    assert question.startswith("environment test: Argo CD Application app-test renders it from branch test")
    assert "git fetch origin test" in question
    assert "open question: environment test" in config_text(missing)


def test_a_cluster_named_like_a_host_is_no_environment_nor_is_what_renders_no_image(tmp_path: Path) -> None:
    """The shape of gnunn-gitops/product-catalog: clusters/<cluster>/overlays/<env>, a cluster
    named like a host (local.home: "local" is no environment there), a cicd overlay, and a
    pipeline run overlay (push-to-prod-client) that renders none of the images."""
    files = {
        "components/app/base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "components/app/base/deploy.yaml": DEPLOY.format(image="quay.io/acme/client:latest"),
        "components/ci/kustomization.yaml": "resources:\n- job.yaml\n",
        "components/ci/job.yaml": DEPLOY.format(image="quay.io/acme/ci:1.0.0").replace("Deployment", "Job"),
        "components/run/kustomization.yaml": "resources:\n- run.yaml\n",
        "components/run/run.yaml": "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: push}\n",
    }
    for cluster in ("aws.cluster", "local.home"):
        for env in ("dev", "prod"):
            files[f"clusters/{cluster}/overlays/{env}/kustomization.yaml"] = (
                "resources:\n- ../../../../components/app/base\n"
            )
        files[f"clusters/{cluster}/overlays/cicd/kustomization.yaml"] = (
            "resources:\n- ../../../../components/ci\n"
        )
        files[f"clusters/{cluster}/overlays/pipelinerun/push-to-prod-client/kustomization.yaml"] = (
            "resources:\n- ../../../../../components/run\n"
        )
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("dev", ("clusters/aws.cluster/overlays/dev", "clusters/local.home/overlays/dev")),
        ("prod", ("clusters/aws.cluster/overlays/prod", "clusters/local.home/overlays/prod")),
        ("cicd", ("clusters/aws.cluster/overlays/cicd", "clusters/local.home/overlays/cicd")),
    ]
    assert {e.name: e.promote_from for e in found.environments}["prod"] == "dev"
    assert any("push-to-prod-client: renders none of the images found" in n for n in found.notes)


def test_one_repository_written_two_ways_is_one_image_named_as_the_manifests_write_it(tmp_path: Path) -> None:
    """podinfo's shape: a base's container pulls docker.io/redis, a chart's values file says
    repository: redis. One image (the manifests' name, which kustomize matches by), with the
    values' key paths, read in every environment that renders the base."""
    files = {
        "deploy/bases/cache/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "deploy/bases/cache/deploy.yaml": DEPLOY.format(image="docker.io/redis:8.8.0"),
        "charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "charts/app/values.yaml": "redis:\n  repository: docker.io/redis\n  tag: 8.8.0\n",
        "charts/app/values-prod.yaml": "redis:\n  repository: redis\n  tag: 8.8.0\n",
    }
    for env in ("dev", "production"):
        files[f"deploy/overlays/{env}/kustomization.yaml"] = "resources:\n- ../../bases/cache\n"
    found = discover(write(tmp_path, files))
    assert [(i.name, i.environments) for i in found.images] == [("docker.io/redis", ("dev", "production"))]
    assert dict(found.images[0].helm) == {"repository": "redis.repository", "tag": "redis.tag"}


def test_clusters_pinning_different_versions_are_an_environment_each_promoted_within_the_cluster(
    tmp_path: Path,
) -> None:
    """product-catalog's shape where it bites: clusters/<cluster>/overlays/{dev,test,prod} each
    pin their own tag. One environment per name would show one cluster's tag and write it into
    all three; each cluster x stage is its own environment, promoted within its cluster."""
    files = {
        "components/app/base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "components/app/base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:0.9.0"),
    }
    for i, cluster in enumerate(("aws.cluster", "local.home", "rhpds")):
        for env in ("dev", "test", "prod"):
            files[f"clusters/{cluster}/overlays/{env}/kustomization.yaml"] = (
                "resources:\n- ../../../../components/app/base\n"
                f"images:\n- name: ghcr.io/acme/app\n  newTag: 1.{i}.0\n"
            )
    # the app of apps of each cluster names what it deploys (Argo CD's word that it is the cluster's)
    files["bootstrap/apps/rhpds/values.yaml"] = (
        "applications:\n  app-dev:\n    source:\n      path: clusters/rhpds/overlays/dev\n"
    )
    found = discover(write(tmp_path, files))
    got = {e.name: (e.paths, e.promote_from) for e in found.environments}
    assert got == {
        f"{c}-{env}": ((f"clusters/{cluster}/overlays/{env}",), up)
        for c, cluster in (("aws", "aws.cluster"), ("local", "local.home"), ("rhpds", "rhpds"))
        for env, up in (("dev", None), ("test", f"{c}-dev"), ("prod", f"{c}-test"))
    }
    assert not found.questions
    effective = {
        r.environment: [p.tag for p in r.image("ghcr.io/acme/app").pins if p.effective]
        for r in found.readings.values()
    }
    assert effective["local-test"] == ["1.1.0"]
    text = config_text(found)
    assert "guess: one environment per cluster" in text
    rhpds = next(e for e in found.environments if e.name == "rhpds-dev")
    assert rhpds.cluster.endswith("this is rhpds's (bootstrap/apps/rhpds/values.yaml deploys it)")
    loaded = config.parse(text, "gitops-bot.yaml")
    assert {e.name: e.promote_from for e in loaded.environments}["aws-test"] == "aws-dev"


def test_a_flux_path_read_from_an_oci_artifact_is_not_read_and_a_generated_file_is_said(
    tmp_path: Path,
) -> None:
    """danielloader/kubernetes-sdlc's shape: development reads platform/ from git, production from
    an OCIRepository (an artifact built elsewhere, not these files); Flux's own controllers are
    pinned in gotk-components.yaml, which `flux bootstrap` generates (DO NOT EDIT)."""
    flux_ks = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}}}\n"
        "spec:\n  path: ./{path}\n  sourceRef: {{kind: {kind}, name: {source}}}\n"
    )
    oci = (
        "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: platform}\n"
        "spec:\n  url: oci://ghcr.io/acme/manifests/platform\n  ref: {semver: 0.0.x}\n---\n"
    )
    generated = "---\n# This manifest was generated by flux. DO NOT EDIT.\n---\n" + DEPLOY.format(
        image="ghcr.io/fluxcd/source-controller:v1.0.0"
    )
    files = {"platform/services/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0")}
    for env, kind, source in (
        ("development", "GitRepository", "flux-system"),
        ("production", "OCIRepository", "platform"),
    ):
        files[f"clusters/{env}/flux-system/gotk-components.yaml"] = generated
        files[f"clusters/{env}/flux-system/gotk-sync.yaml"] = flux_ks.format(
            name="flux-system", path=f"clusters/{env}", kind="GitRepository", source="flux-system"
        )
        files[f"clusters/{env}/platform.yaml"] = (oci if kind == "OCIRepository" else "") + flux_ks.format(
            name="platform-services", path="platform/services", kind=kind, source=source
        )
    found = discover(write(tmp_path, files))
    paths = {e.name: set(e.paths) for e in found.environments}
    assert "platform/services" in paths["development"]
    assert "platform/services" not in paths["production"]
    (oci_note,) = [n for n in found.notes if "Flux Kustomization platform-services reads" in n]
    assert "clusters/production/platform.yaml" in oci_note
    assert "oci://ghcr.io/acme/manifests/platform" in oci_note
    # pinned only there: no entry, said once
    assert "ghcr.io/fluxcd/source-controller" not in [i.name for i in found.images]
    (said,) = [n for n in found.notes if "generated by flux" in n]
    assert said.startswith("ghcr.io/fluxcd/source-controller: pinned only") and "flux bootstrap" in said
    assert config_text(found).count("generated by flux") == 1


def test_a_host_like_name_has_no_rank() -> None:
    """local.home names a cluster (a host), not a dev environment: ranked as dev it made a second
    environment of rank 0 and left test's upstream open. A dotted name made of environment
    words keeps its rank."""
    assert rank_of("local.home") is None
    assert rank_of("aws.cluster") is None
    assert rank_of("prod.eu") is None  # host-like too: eu is no environment word
    assert rank_of("staging-eu") == rank_of("staging")
    assert rank_of("pre.prod") == rank_of("preprod")


def _chart_application(name: str, chart: str, version: str, url: str) -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata: {{name: {name}, namespace: argocd}}\nspec:\n  project: default\n"
        f"  source:\n    repoURL: {url}\n    chart: {chart}\n    targetRevision: {version}\n"
        f"  destination: {{server: 'https://kubernetes.default.svc', namespace: {name}}}\n"
    )


def test_a_weak_stage_word_inside_a_component_s_name_is_the_component_s(tmp_path: Path) -> None:
    """cjoseph246/eks-gitops-infra infra/apps/aws-load-balancer-controller (newcomer22 F1): the
    word load inside the AWS Load Balancer Controller's folder was taken for a load-test stage, and
    its Application split from the four others of the one cluster. Such a word (load, local,
    live, ci, ...) names a stage at a name's start or end only; dev, prod and the like anywhere."""
    assert rank_of("aws-load-balancer-controller") is None
    assert rank_of("local-path-provisioner") == rank_of("dev")  # at the start: still a word
    assert rank_of("eu-prod-1") == rank_of("prod")
    assert rank_of("cluster-load") == rank_of("test")
    apps = {
        "aws-load-balancer-controller": ("1.12.0", "https://aws.github.io/eks-charts"),
        "cert-manager": ("v1.17.1", "https://charts.jetstack.io"),
    }
    files = {f"infra/apps/{n}/application.yaml": _chart_application(n, n, v, u) for n, (v, u) in apps.items()}
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["in-cluster"], [
        (e.name, e.paths) for e in found.environments
    ]


def _application(name: str, path: str, recurse: bool = False) -> str:
    directory = "\n    directory:\n      recurse: true" if recurse else ""
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata:\n  name: {name}\nspec:\n  source:\n"
        f"    repoURL: https://github.com/acme/gitops.git\n    targetRevision: HEAD\n    path: {path}{directory}\n"
    )


def _app_of_apps(extra: dict[str, str]) -> dict[str, str]:
    """A repository that defines what deploys it: a root Application rendering apps/, which
    holds the Applications (data copied in shape from AmirMalaeb/eks-argocd-gitops)."""
    return {
        "apps/root-app.yaml": "# renders every ApplicationSet below\n"
        + _application("root-app", "apps", True),
        "platform/policies/kustomization.yaml": "resources:\n- policy.yaml\n",
        "platform/policies/policy.yaml": "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\n",
        "apps/policies.yaml": _application("policies", "platform/policies"),
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
        "overlays/dev/kustomization.yaml": _overlay("1.2.0"),
        "overlays/production/kustomization.yaml": _overlay("1.0.0"),
        **extra,
    }


def test_an_overlay_nothing_in_the_repository_deploys_is_not_an_environment(tmp_path: Path) -> None:
    found = discover(write(tmp_path, _app_of_apps({})))
    assert [p for e in found.environments for p in e.paths] == ["apps/policies.yaml"]
    assert "overlays/dev: nothing in this repository deploys it" in "\n".join(found.notes)
    assert "overlays/production: nothing in this repository deploys it" in "\n".join(found.notes)
    # the root Application is said as what it is, not as an ApplicationSet
    assert not any("apps/root-app.yaml: an ApplicationSet" in n for n in found.notes)


def test_what_the_repository_deploys_stays_an_environment_beside_an_overlay_it_does_not(
    tmp_path: Path,
) -> None:
    found = discover(
        write(tmp_path, _app_of_apps({"apps/prod.yaml": _application("app-prod", "overlays/production")}))
    )
    assert [(e.name, e.paths) for e in found.environments] == [("production", ("overlays/production",))]
    assert any(n.startswith("overlays/dev: nothing in this repository deploys it") for n in found.notes)


def test_an_applicationset_over_overlays_deploys_them(tmp_path: Path) -> None:
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: app\nspec:\n"
        "  generators:\n  - list:\n      elements:\n      - env: dev\n      - env: production\n"
        "  template:\n    metadata:\n      name: 'app-{{env}}'\n    spec:\n      source:\n"
        "        repoURL: https://github.com/acme/gitops.git\n        targetRevision: HEAD\n"
        "        path: 'overlays/{{env}}'\n"
    )
    found = discover(write(tmp_path, _app_of_apps({"apps/app.yaml": appset})))
    assert [e.name for e in found.environments] == ["dev", "production"]
    assert not any("nothing in this repository deploys it" in n for n in found.notes)


def test_a_remote_base_is_said_as_not_read(tmp_path: Path) -> None:
    remote = "github.com/kustomizations/spring-boot-web?ref=master"
    repo = write(
        tmp_path,
        {
            f"overlays/{env}/kustomization.yaml": f"resources:\n- {remote}\nimages:\n"
            f"- name: albertoimpl/spring-sample-app\n  newTag: 1.0.0\n"
            for env in ("dev", "production")
        },
    )
    found = discover(repo)
    said = [n for n in found.notes if remote in n]
    assert said and "remote" in said[0] and "not read" in said[0]


def test_a_root_of_plain_manifests_is_the_one_environment(tmp_path: Path) -> None:
    repo = write(
        tmp_path,
        {
            "rollout.yaml": DEPLOY.format(image="kostiscodefresh/summer-of-k8s-app:v1"),
            "service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: app}\n",
            "README.md": "kubectl apply -f .\n",
        },
    )
    found = discover(repo)
    assert [(e.paths) for e in found.environments] == [(".",)]
    assert [i.name for i in found.images] == ["kostiscodefresh/summer-of-k8s-app"]


def test_a_chart_nothing_in_the_repository_deploys_is_a_guessed_environment_over_its_values(
    tmp_path: Path,
) -> None:
    # codefresh-contrib/helm-gitops-example: one chart, deployed whole by an Application made in
    # Argo CD's UI; its image is set in its own values.yaml, which is what helm renders
    write(
        tmp_path,
        {
            "charts/python/Chart.yaml": "apiVersion: v2\nname: python\nversion: 0.3.0\n",
            "charts/python/values.yaml": "image:\n  pullPolicy: IfNotPresent\n  repository: codefresh/kubectl\n"
            "  tag: 1.14.9\n",
            "charts/python/templates/deployment.yaml": DEPLOY.format(
                image='"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'
            ),
        },
    )
    found = discover(tmp_path)
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("charts/python",))]
    assert [(i.name, i.helm) for i in found.images] == [
        ("codefresh/kubectl", {"repository": "image.repository", "tag": "image.tag"})
    ]
    assert found.by_shape


def test_a_lone_charts_values_files_side_by_side_are_its_environments(tmp_path: Path) -> None:
    # logscale-contrib/openebs-withlvm-init: values.yaml and values-azure.yaml beside the chart;
    # k8s/ plain manifests beside another chart name each by its directory; a chart under tests/
    # and a subchart are no environment of their own
    chart = "apiVersion: v2\nname: {n}\nversion: 0.1.0\n"
    values = "image:\n  repository: ghcr.io/acme/{n}\n  tag: 1.0.{v}\n"
    deploy = DEPLOY.format(image='"{{ .Values.image.repository }}:{{ .Values.image.tag }}"')
    write(
        tmp_path,
        {
            "chart/Chart.yaml": chart.format(n="lvm"),
            "chart/values.yaml": values.format(n="lvm", v=1),
            "chart/values-azure.yaml": "image:\n  tag: 1.0.2\n",
            "chart/templates/deploy.yaml": deploy,
            "chart/charts/sub/Chart.yaml": chart.format(n="sub"),
            "chart/charts/sub/templates/deploy.yaml": deploy,
            "tests/chart/Chart.yaml": chart.format(n="probe"),
            "tests/chart/templates/deploy.yaml": deploy,
        },
    )
    found = discover(tmp_path)
    assert [(e.name, e.paths) for e in found.environments] == [
        ("azure", ("chart/values-azure.yaml",)),
        ("default", ("chart",)),
    ]
    write(tmp_path / "other", {"k8s/app.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0")})
    write(
        tmp_path / "other",
        {
            "helm/Chart.yaml": chart.format(n="web"),
            "helm/values.yaml": values.format(n="web", v=3),
            "helm/templates/deploy.yaml": deploy,
        },
    )
    other = discover(tmp_path / "other")
    assert [(e.name, e.paths) for e in other.environments] == [("default", ("k8s",)), ("helm", ("helm",))]


def test_a_flux_path_not_in_the_repository_names_the_source_a_patch_inherits(tmp_path: Path) -> None:
    # fluxcd/flux2-multi-tenancy: tenants/staging patches the Kustomization dev-team of
    # tenants/base/dev-team/sync.yaml, whose GitRepository reads branch dev-team
    sync = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: dev-team\n"
        "spec:\n  url: https://github.com/fluxcd/flux2-multi-tenancy\n  ref:\n    branch: dev-team\n---\n"
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: dev-team\n"
        "spec:\n  sourceRef:\n    kind: GitRepository\n    name: dev-team\n  prune: true\n"
    )
    patch = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: dev-team\n"
        "spec:\n  path: ./staging\n"
    )
    write(
        tmp_path,
        {
            "tenants/base/dev-team/sync.yaml": sync,
            "tenants/base/dev-team/kustomization.yaml": "resources:\n- sync.yaml\n",
            "tenants/staging/kustomization.yaml": "resources:\n- ../base/dev-team\npatches:\n- path: dev-team-patch.yaml\n",
            "tenants/staging/dev-team-patch.yaml": patch,
        },
    )
    found = discover(tmp_path)
    assert (
        "tenants/staging/dev-team-patch.yaml: Flux Kustomization's path staging is not in the repository "
        "(it reads GitRepository dev-team, branch dev-team of https://github.com/fluxcd/flux2-multi-tenancy, "
        "at tenants/base/dev-team/sync.yaml), not read"
    ) in found.notes


def test_an_application_of_a_fork_rendering_none_of_the_images_says_it_renders_another_repository(
    tmp_path: Path,
) -> None:
    # redhat-developer/openshift-gitops-getting-started: argo/cluster.yaml renders cluster/ of a
    # fork (siamaksade's), argo/app.yaml renders app/ of this repository
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n"
        "  source:\n    path: {path}\n    repoURL: {url}\n  destination:\n    namespace: x\n"
    )
    write(
        tmp_path,
        {
            "argo/app.yaml": app.format(
                name="spring-petclinic",
                path="app",
                url="https://github.com/redhat-developer/openshift-gitops-getting-started.git",
            ),
            "argo/cluster.yaml": app.format(
                name="cluster-configs",
                path="cluster",
                url="https://github.com/siamaksade/openshift-gitops-getting-started",
            ),
            "app/deployment.yaml": DEPLOY.format(image="quay.io/service-binding/spring-petclinic:latest"),
            "cluster/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: spring-petclinic\n",
        },
    )
    found = discover(tmp_path)
    assert [e.paths for e in found.environments] == [("argo/app.yaml",)]
    assert (
        "argo/cluster.yaml: Argo CD Application cluster-configs renders cluster of "
        "https://github.com/siamaksade/openshift-gitops-getting-started, not the repository the other "
        "Applications render (https://github.com/redhat-developer/openshift-gitops-getting-started.git) "
        "and none of the images found; not configured as an environment"
    ) in found.notes


def test_an_application_of_this_repository_written_another_way_is_not_called_a_fork(tmp_path: Path) -> None:
    # git@github.com:acme/gitops.git and https://github.com/acme/gitops are one repository: the
    # Application rendering none of the images is only said to render nothing
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n"
        "  source:\n    path: {path}\n    repoURL: {url}\n  destination:\n    namespace: x\n"
    )
    write(
        tmp_path,
        {
            "argo/app.yaml": app.format(name="web", path="app", url="https://github.com/acme/gitops"),
            "argo/cluster.yaml": app.format(
                name="cluster", path="cluster", url="git@github.com:acme/gitops.git"
            ),
            "app/deployment.yaml": DEPLOY.format(image="quay.io/acme/web:1.0"),
            "cluster/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n",
        },
    )
    found = discover(tmp_path)
    assert [e.paths for e in found.environments] == [("argo/app.yaml",)]
    assert (
        "argo/cluster.yaml: renders none of the images found; not configured as an environment" in found.notes
    )
    assert not [n for n in found.notes if "not the repository the other" in n]


def test_an_applicationsets_git_directories_are_the_environment_not_the_root(tmp_path: Path) -> None:
    # christianh814/kargo-stack-sample-deployment: the root holds only an ApplicationSet whose git
    # generator renders applications/* of this repository to one cluster
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: kargo-stack\nspec:\n"
        "  generators:\n  - git:\n      repoURL: https://github.com/acme/stack\n      revision: main\n"
        "      directories:\n      - path: applications/*\n  template:\n    metadata:\n"
        "      name: '{{ path.basename }}'\n    spec:\n      project: default\n      source:\n"
        "        repoURL: https://github.com/acme/stack\n        targetRevision: main\n"
        "        path: '{{ path }}'\n      destination:\n        name: in-cluster\n"
    )
    files = {"kargo-appset.yaml": appset}
    for n in ("argo-rollouts", "kargo"):
        files[f"applications/{n}/kustomization.yaml"] = (
            f"helmCharts:\n- name: {n}\n  repo: https://argoproj.github.io/argo-helm\n  version: 2.35.0\n"
            f"  releaseName: {n}\n"
        )
    write(tmp_path, files)
    found = discover(tmp_path)
    (env,) = found.environments
    assert (env.name, env.paths) == ("in-cluster", ("applications/argo-rollouts", "applications/kargo"))
    assert (
        env.how[0]
        == "Argo CD ApplicationSet kargo-stack in kargo-appset.yaml (path applications/argo-rollouts)"
    )
    assert not any("the directories they render are found on their own" in n for n in found.notes)


def test_an_application_of_another_repositorys_branch_is_one_not_read_line(tmp_path: Path) -> None:
    # argoproj/argoproj-deployments' argoproj/base/istio-addons.yaml and istio-operator.yaml: a
    # release branch of istio's repository, said once as another repository's Applications
    app = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
spec:
  source:
    path: {path}
    repoURL: https://github.com/istio/istio
    targetRevision: release-1.20
  destination:
    server: https://kubernetes.default.svc
"""
    write(
        tmp_path,
        {
            "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "overlays/dev/kustomization.yaml": _overlay("1.0.0"),
            "argoproj/istio-addons.yaml": app.format(name="istio-addons", path="samples/addons"),
            "argoproj/istio-operator.yaml": app.format(name="istio-operator", path="manifests/charts/op"),
        },
    )
    notes = discover(tmp_path).notes
    istio = [n for n in notes if "istio" in n]
    assert istio == [
        "2 Argo CD Applications render https://github.com/istio/istio, not this repository: "
        "run init in that repository"
    ], notes


def test_an_applications_chart_revision_that_is_no_version_is_not_called_a_range(tmp_path: Path) -> None:
    # a Kargo-owned Application (krancour/kargo-examples): 'placeholder' until a Stage promotes
    app = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: kargo-demo-test
spec:
  source:
    repoURL: https://charts.bitnami.com/bitnami
    chart: nginx
    targetRevision: placeholder
  destination:
    server: https://kubernetes.default.svc
"""
    write(tmp_path, {"apps/nginx.yaml": app})
    notes = [n for n in discover(tmp_path).notes if "nginx" in n]
    assert notes and all("range Helm resolves" not in n for n in notes), notes
    assert any("targetRevision 'placeholder' is not a chart version" in n for n in notes), notes


def test_an_image_a_chart_template_writes_whole_is_found_and_said_where(tmp_path: Path) -> None:
    # rmgpinto/k8s-argocd-demo: the chart's templates write each image as a literal, and their
    # {{- if }} lines make them YAML only once rendered: the images were not found, and init
    # said it found no image at all
    template = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: probe\nspec:\n  template:\n"
        "    metadata:\n      labels:\n        app: probe\n        {{- if .Values.mesh }}\n"
        "        mesh: enabled\n        {{- end }}\n    spec:\n      containers:\n"
        "        - name: probe\n          image: curlimages/curl:8.1.0 # pinned\n"
    )
    write(
        tmp_path,
        {
            "k8s/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
            "k8s/values.yaml": "mesh: true\n",
            "k8s/templates/probe.yaml": template,
        },
    )
    found = discover(tmp_path)
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("k8s",))]
    assert [(i.name, i.tags) for i in found.images] == [("curlimages/curl", ("8.1.0",))]
    said = found.readings["default"].image("curlimages/curl")
    assert said is not None
    assert (said.status.value, [(p.file, p.line, p.effective) for p in said.pins]) == (
        "unsupported",
        [("k8s/templates/probe.yaml", 16, False)],
    )
    assert "k8s/templates/probe.yaml:16" in (said.reason or "")
    assert "helm: {repository: image.repository, tag: image.tag}" in (said.fix or "")


def test_applications_of_another_repository_held_here_as_a_subdirectory_render_its_copy(
    tmp_path: Path,
) -> None:
    # hassanaftab93/gitops-with-terraform-argocd-demoapp: demo-app-manifests/ is this
    # repository's copy of the Azure DevOps repository its Applications name; init said "run init
    # in that repository" and found no environment
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {n}\nspec:\n  source:\n"
        "    repoURL: git@ssh.dev.azure.com:v3/acme/Cloud/demo-manifests\n    path: {p}\n"
        "    targetRevision: main\n"
    )
    write(
        tmp_path,
        {
            "demo-manifests/argocd/master.yaml": app.format(n="master", p="argocd/apps"),
            "demo-manifests/argocd/apps/web.yaml": app.format(n="web", p="main/web"),
            "demo-manifests/main/web/deployment.yaml": DEPLOY.format(image="acme.azurecr.io/web:36701"),
            "other/app.yaml": app.format(n="gone", p="main/gone").replace("demo-manifests", "elsewhere"),
        },
    )
    found = discover(tmp_path)
    assert [e.paths for e in found.environments] == [("demo-manifests/main/web",)]
    assert [(i.name, i.tags) for i in found.images] == [("acme.azurecr.io/web", ("36701",))]
    assert "held here" not in " ".join(found.notes)
    assert any("elsewhere" in n and "run init in that repository" in n for n in found.notes)


def test_an_openshift_deploymentconfig_is_a_workload_its_overlays_pin(tmp_path: Path) -> None:
    # kustomize patches a DeploymentConfig's containers as a Deployment's; init found no image
    # in one (its base and each overlay's patch) and the reading said the image not rendered
    dc = DEPLOY.replace(
        "apiVersion: apps/v1\nkind: Deployment", "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig"
    )
    overlay = "resources:\n- ../../base\npatches:\n- path: dc.yaml\n"
    write(
        tmp_path,
        {
            "base/dc.yaml": dc.format(image="quay.io/acme/app:1.0.0"),
            "base/kustomization.yaml": "resources:\n- dc.yaml\n",
            "overlays/dev/kustomization.yaml": overlay,
            "overlays/dev/dc.yaml": dc.format(image="quay.io/acme/app:1.0.1"),
            "overlays/prod/kustomization.yaml": overlay,
            "overlays/prod/dc.yaml": dc.format(image="quay.io/acme/app:1.0.0"),
        },
    )
    found = discover(tmp_path)
    assert [e.name for e in found.environments] == ["dev", "prod"]
    assert [(i.name, i.tags) for i in found.images] == [("quay.io/acme/app", ("1.0.1", "1.0.0"))]
    dev = found.readings["dev"].image("quay.io/acme/app")
    assert dev is not None
    assert (dev.status.value, [(p.file, p.line) for p in dev.pins if p.effective]) == (
        "pinned",
        [("overlays/dev/dc.yaml", 9)],
    )


def test_an_image_a_flux_setter_marks_in_helmrelease_values_is_listed_by_the_setters_name(
    tmp_path: Path,
) -> None:
    # a HelmRelease's values writing the image whole, marked for Flux image automation: init
    # listed no image (values_blocks reads repository/tag mappings only)
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: api\nspec:\n"
        "  chart:\n    spec:\n      chart: api\n      sourceRef: {{kind: HelmRepository, name: acme}}\n"
        '  values:\n    image: ghcr.io/acme/api:{tag} # {{"$imagepolicy": "flux-system:api"}}\n'
    )
    write(
        tmp_path,
        {
            f"apps/{env}/{f}": text
            for env, tag in (("staging", "0.0.12"), ("production", "0.0.11"))
            for f, text in (
                ("kustomization.yaml", "resources:\n- release.yaml\n"),
                ("release.yaml", release.format(tag=tag)),
            )
        },
    )
    found = discover(tmp_path)
    assert [e.name for e in found.environments] == ["staging", "production"]
    assert [(i.name, i.repository, i.tags) for i in found.images] == [
        ("flux-system:api", "ghcr.io/acme/api", ("0.0.12", "0.0.11"))
    ]
    staging = found.readings["staging"].image("flux-system:api")
    assert staging is not None
    assert [(p.file, p.line) for p in staging.pins if p.effective] == [("apps/staging/release.yaml", 11)]
    assert 'repository: "ghcr.io/acme/api"' in config_text(found)


def test_a_helmreleases_chart_whose_helmrepository_no_environment_renders_is_said(tmp_path: Path) -> None:
    # the HelmRepository applied by another Flux Kustomization (here: beside the overlay, listed
    # by none): the chart, its 6.x range and its repository were found nowhere and said nowhere
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: api\nspec:\n"
        "  chart:\n    spec:\n      chart: podinfo\n      version: 6.x\n"
        "      sourceRef: {kind: HelmRepository, name: acme}\n"
        "  values:\n    image:\n      repository: ghcr.io/acme/api\n      tag: 1.0.0\n"
    )
    files = {
        f"apps/{e}/kustomization.yaml": "resources:\n- release.yaml\n" for e in ("staging", "production")
    }
    files |= {f"apps/{e}/release.yaml": release for e in ("staging", "production")}
    files["apps/repo.yaml"] = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: acme\n"
        "spec:\n  url: https://charts.example.com\n"
    )
    found = discover(write(tmp_path, files))
    assert [e.name for e in found.environments] == ["staging", "production"]
    said = [n for n in found.notes if "HelmRepository acme is in no file" in n]
    assert [n.split(":", 1)[0] for n in said] == ["apps/staging/release.yaml", "apps/production/release.yaml"]
    assert "chart podinfo 6.x" in said[0]
    assert "not read: apps/staging/release.yaml: HelmRelease api's chart podinfo" in config_text(found)


def test_a_base_whose_namespace_names_an_environment_is_that_environment(tmp_path: Path) -> None:
    # zherner/kustomize_example: base/ sets namespace: development and is applied on its own;
    # prod/ builds on it. init took base for prod's base only, and development was not read
    files = {
        "base/kustomization.yaml": "namespace: development\nresources:\n- app.yaml\n",
        "base/app.yaml": DEPLOY.format(image="gcr.io/acme/app:1.0.0"),
        "prod/kustomization.yaml": "resources:\n- ../base\nnamespace: production\n",
        "other/base/kustomization.yaml": "namespace: shared\nresources:\n- app.yaml\n",
        "other/base/app.yaml": DEPLOY.format(image="gcr.io/acme/other:1.0.0"),
        "other/qa/kustomization.yaml": "resources:\n- ../base\n",
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [
        ("development", ("base",)),
        ("qa", ("other/qa",)),
        ("prod", ("prod",)),
    ]


def test_an_application_whose_path_leaves_the_repository_is_said_and_never_read(tmp_path: Path) -> None:
    # a path above the root or through a link out is none of this repository's directories:
    # Argo CD refuses it, and init said it of "another repository" (run init there), or read a
    # directory beside a held copy the path climbs out of
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {n}\nspec:\n  source:\n"
        "    repoURL: https://github.com/acme/{r}\n    path: {p}\n"
    )
    outside = tmp_path / "outside"
    repo = tmp_path / "repo"
    write(outside, {"app/deploy.yaml": DEPLOY.format(image="ghcr.io/evil/app:1.0.0")})
    write(
        repo,
        {
            "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "overlays/dev/kustomization.yaml": _overlay("1.0.0"),
            "argocd/up.yaml": app.format(n="up", r="repo", p="../outside/app"),
            "argocd/root.yaml": app.format(n="root", r="repo", p="/../outside/app"),
            "argocd/link.yaml": app.format(n="link", r="repo", p="linked"),
            "argocd/climb.yaml": app.format(n="climb", r="mirror", p="../overlays/dev"),
            "mirror/keep.yaml": "kind: ConfigMap\n",
        },
    )
    (repo / "linked").symlink_to(outside / "app")
    found = discover(repo)
    assert [e.paths for e in found.environments] == [("overlays/dev",)]
    said = [n for n in found.notes if "Argo CD" in n]
    assert said == [
        "argocd/climb.yaml: Argo CD Application climb renders path ../overlays/dev of "
        "https://github.com/acme/mirror, which leaves its repository (Argo CD refuses "
        "a path out of its repository; name a directory inside it)",
        "argocd/link.yaml: Argo CD Application link renders path linked of "
        "https://github.com/acme/repo, a link out of this repository (Argo CD refuses "
        "a path out of its repository; name a directory inside it)",
        "argocd/root.yaml: Argo CD Application root renders path /../outside/app of "
        "https://github.com/acme/repo, which leaves its repository (Argo CD refuses "
        "a path out of its repository; name a directory inside it)",
        "argocd/up.yaml: Argo CD Application up renders path ../outside/app of "
        "https://github.com/acme/repo, which leaves its repository (Argo CD refuses "
        "a path out of its repository; name a directory inside it)",
    ]
    assert not any("evil" in n for n in found.notes)
