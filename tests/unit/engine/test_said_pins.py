"""Every pin init finds is an environment's or said on a ``not read:`` line: workloads nothing
renders, deploy commands of scripts, placeholders, read from public repositories' shapes."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write
from testkit.small_repos import application, deployment

BASE = {
    "app/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "app/base/deployment.yaml": deployment("web", "nginx:1.25.3"),
    "app/overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
}


def test_a_kustomization_nothing_includes_under_base_says_its_images(tmp_path: Path) -> None:
    """A base applied by hand (cert-manager's install/base, davidfox87/crossplane-eks-argocd-mlops)
    is no environment: its images are said; a base an overlay includes is not."""
    files = {
        **BASE,
        "tools/cm/install/base/kustomization.yaml": "resources:\n- cm.yaml\n",
        "tools/cm/install/base/cm.yaml": deployment("cm", "quay.io/jetstack/cert-manager-controller:v1.10.0"),
    }
    found = discover(write(tmp_path, files))
    said = [
        n
        for n in found.notes
        if n.startswith("tools/cm/install/base: a Kustomize directory nothing includes")
    ]
    assert len(said) == 1 and "cert-manager-controller:v1.10.0 (tools/cm/install/base/cm.yaml:" in said[0], (
        found.notes
    )
    assert [e.paths for e in found.environments] == [("app/overlays/prod",)]
    assert not [n for n in found.notes if n.startswith("app/base")], found.notes


def _argocd_create(path: str) -> str:
    return (
        "#!/bin/bash\ncd /tmp\nargocd app create $CLUSTER-reflector \\\n  --upsert \\\n"
        f"  --repo https://github.com/acme/gitops.git \\\n  --path {path} \\\n"
        "  --dest-name $CLUSTER \\\n  --dest-namespace default\n"
    )


def test_argocd_app_create_in_a_script_deploys_its_path_from_the_root(tmp_path: Path) -> None:
    """hexcamp/hexcamp-argocd's deploy.sh (~30 of them) create Argo CD applications over their
    folder; a path a variable names is said, never taken."""
    files = {
        **BASE,
        "homelab-reflector/deploy.sh": _argocd_create("homelab-reflector"),
        "homelab-reflector/reflector.yaml": deployment(
            "reflector", "docker.io/emberstack/kubernetes-reflector:9.1.14"
        ),
        "zones/deploy.sh": _argocd_create("zones/$CLUSTER"),
        "zones/home/zones.yaml": deployment("zones", "docker.io/acme/zones:1.0.0"),
    }
    found = discover(write(tmp_path, files))
    scripted = [e for e in found.environments if e.paths == ("homelab-reflector",)]
    assert scripted and "applied by homelab-reflector/deploy.sh:3 (argocd app create" in scripted[0].how[0], (
        found
    )
    assert [
        n
        for n in found.notes
        if n.startswith("1 argocd app create command of scripts render a path a variable")
    ]
    assert (
        "(--path zones/$CLUSTER at zones/deploy.sh:3): not read; write {name: <env>, path: <the directory>} under"
        in " ".join(found.notes)
    )


def test_a_k3s_helm_chart_is_said_with_its_version(tmp_path: Path) -> None:
    """radamhu/argocd's app/k3s-system/argocd/install.yaml: k3s's helm-controller installs argo-cd
    9.4.10; no entry and no line said it."""
    chart = (
        "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: argocd, namespace: kube-system}\n"
        "spec:\n  chart: argo-cd\n  repo: https://argoproj.github.io/argo-helm\n  version: 9.4.10\n"
    )
    found = discover(write(tmp_path, {**BASE, "k3s-system/argocd/install.yaml": chart}))
    assert [n for n in found.notes if n.startswith("k3s-system/argocd/install.yaml: a k3s HelmChart")] == [
        "k3s-system/argocd/install.yaml: a k3s HelmChart (helm.cattle.io) installs chart argo-cd 9.4.10 of "
        "https://argoproj.github.io/argo-helm, which no environment renders, so it is not released; add the path "
        "that holds it to the environment whose cluster runs it"
    ], found.notes


def test_a_k3s_helm_chart_given_as_an_archive_is_said(tmp_path: Path) -> None:
    """k3s's own traefik form: an archive's URL names no version a release could move, even where
    an environment renders it."""
    chart = (
        "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: traefik, namespace: kube-system}\n"
        "spec:\n  chart: https://charts.example.net/traefik-27.0.2.tgz\n  version: 27.0.2\n"
    )
    files = {**BASE, "app/overlays/prod/traefik.yaml": chart}
    files["app/overlays/prod/kustomization.yaml"] = files["app/overlays/prod/kustomization.yaml"].replace(
        "resources:", "resources:\n- traefik.yaml", 1
    )
    found = discover(write(tmp_path, files))
    assert found.charts == ()
    assert [n for n in found.notes if "k3s HelmChart" in n] == [
        "app/overlays/prod/traefik.yaml: a k3s HelmChart (helm.cattle.io) installs chart "
        "https://charts.example.net/traefik-27.0.2.tgz 27.0.2, given so that no version of it can be released "
        "(an archive's URL, spec.chartContent, a repository alias or no version); write spec.chart, spec.repo "
        "and spec.version to have it released, or release it by hand"
    ], found.notes


def test_an_example_owners_repository_is_said_as_a_placeholder(tmp_path: Path) -> None:
    """paliwal999harsh/vscode-argocd's Application templates: github.com/your-org/your-repo was
    'run init in that repository', a repository no one can run init in."""
    app = application("git-app", "k8s", repo_url="https://github.com/your-org/your-repo")
    found = discover(write(tmp_path, {**BASE, "templates/git-app.yaml": app}))
    assert [e.paths for e in found.environments] == [("app/overlays/prod",)], found.environments
    assert (
        "1 Argo CD Application renders https://github.com/your-org/your-repo, a placeholder URL (an example "
        "host or owner), not a repository: write the real one there"
    ) in found.notes, found.notes


def test_a_token_written_for_a_repository_url_is_said_as_a_placeholder(tmp_path: Path) -> None:
    """icklers/platform-gitops-demo's exercises: five Applications of `repoURL:
    __YOUR_PLATFORM_GITOPS_REPO_URL__`, a token the tutorial's reader replaces, were '5 Argo CD
    Applications render __YOUR_PLATFORM_GITOPS_REPO_URL__, not this repository: run init in that
    repository', a repository no one can run init in."""
    app = application("platform-apis", "platform-core/xrds", repo_url="__YOUR_PLATFORM_GITOPS_REPO_URL__")
    found = discover(write(tmp_path, {**BASE, "exercises/platform-apis.yaml": app}))
    assert [e.paths for e in found.environments] == [("app/overlays/prod",)], found.environments
    said = [n for n in found.notes if "__YOUR_PLATFORM_GITOPS_REPO_URL__" in n]
    assert said == [
        "1 Argo CD Application renders __YOUR_PLATFORM_GITOPS_REPO_URL__, a placeholder to replace (by hand "
        "or by a tool), not a repository: run init where it is replaced, or write the real URL there"
    ], found.notes


def test_an_applicationset_over_an_example_owners_directories_is_said_as_a_placeholder(
    tmp_path: Path,
) -> None:
    """icklers/platform-gitops-demo's exercises: an ApplicationSet whose git generator and template
    read `https://github.com/your-org/infrastructure-gitops.git` (`path: '{{path}}'` over
    `applications/*`) was 'an ApplicationSet; the Applications it generates are not read, the
    directories they render are found on their own': none is, nor can be, the repository being
    an example's."""
    url = "https://github.com/your-org/infrastructure-gitops.git"
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: infra, namespace: argocd}\n"
        f"spec:\n  generators:\n  - git:\n      repoURL: {url}\n      revision: HEAD\n"
        "      directories:\n      - path: applications/*\n"
        "  template:\n    metadata: {name: '{{path.basename}}'}\n    spec:\n      project: default\n"
        f"      source: {{repoURL: '{url}', targetRevision: HEAD, path: '{{{{path}}}}'}}\n"
        "      destination: {server: 'https://kubernetes.default.svc', namespace: '{{path.basename}}'}\n"
    )
    found = discover(write(tmp_path, {**BASE, "exercises/appset.yaml": appset}))
    assert [e.paths for e in found.environments] == [("app/overlays/prod",)], found.environments
    assert [n for n in found.notes if "exercises/appset.yaml" in n or url in n] == [
        f"1 Argo CD ApplicationSet renders {url}, a placeholder URL (an example host or owner), not a "
        "repository: write the real one there"
    ], found.notes


_KANIKO = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kaniko-$(Build.BuildId)\n  namespace: kaniko\nspec:\n"
    "  containers:\n  - name: kaniko\n    image: gcr.io/kaniko-project/executor:latest\n"
    '    args: ["--destination=demoacr50744.azurecr.io/azure-vote-front:$(Build.BuildId)"]\n'
    "  restartPolicy: Never\n"
)


def test_a_manifest_named_by_a_pipeline_macro_is_said_as_a_template(tmp_path: Path) -> None:
    """michaelburch/gitops-demo's kaniko/builder.yaml: a Pod named `kaniko-$(Build.BuildId)`, an
    Azure Pipelines macro no object name may hold (kubectl refuses it as written), was a path of
    `default` beside agent/, and the first plan pinned kaniko's executor into it. A `$(VAR)` in a
    container's args (what Kubernetes expands) is no macro of the name: agent/ stays."""
    agent = (
        deployment("ado-agent", "demoacr50744.azurecr.io/adoagent:latest")
        + '          args: ["--pool=$(AZP_POOL)"]\n'
    )
    found = discover(write(tmp_path, {"agent/agent.yaml": agent, "kaniko/builder.yaml": _KANIKO}))
    assert [e.paths for e in found.environments] == [("agent",)], found.environments
    assert [i.name for i in found.images] == ["demoacr50744.azurecr.io/adoagent"], found.images
    assert (
        "kaniko/builder.yaml: names an object kaniko-$(Build.BuildId), a macro a pipeline fills (no name "
        "kubectl takes as written): a template the pipeline applies a filled copy of, not read (nothing to fix here)"
    ) in found.notes, found.notes


def test_a_chart_of_an_example_host_is_said_as_a_placeholder(tmp_path: Path) -> None:
    """paliwal999harsh/vscode-argocd's helm-app template: chart my-chart of
    https://charts.example.com was configured as a chart and made environment in-cluster, a
    repository no registry answers for. A real chart name on an example host stays a chart (the
    suite's own fixtures: test_discovery_application_destination)."""
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: helm-app\nspec:\n"
        "  source:\n    repoURL: https://charts.example.com\n    targetRevision: 1.0.0\n"
        "    chart: my-chart\n  destination:\n    server: https://kubernetes.default.svc\n"
    )
    found = discover(write(tmp_path, {**BASE, "templates/helm-app.yaml": app}))
    assert [e.paths for e in found.environments] == [("app/overlays/prod",)], found.environments
    assert (
        "templates/helm-app.yaml:7: Argo CD Application helm-app renders chart my-chart 1.0.0 of "
        "https://charts.example.com, a placeholder URL (an example host or owner), not a repository: "
        "write the real one there"
    ) in found.notes, found.notes


def test_workflow_files_past_the_cap_are_said(tmp_path: Path) -> None:
    """The first 100 workflow files are read (scripts, pushes): the others were silent."""
    steps = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n    - run: echo\n"
    flows = {f".github/workflows/w{i:03}.yml": steps for i in range(101)}
    found = discover(write(tmp_path, {**BASE, **flows}))
    assert (
        ".github/workflows: 101 workflow files, the first 100 by name read; what the other 1 (w100.yml and "
        "after) apply or push is not read"
    ) in found.notes, found.notes
    fewer = discover(write(tmp_path / "fewer", {**BASE, ".github/workflows/w.yml": steps}))
    assert not [n for n in fewer.notes if "workflow files" in n], fewer.notes


def test_tags_named_as_their_environments_are_variants_not_one_line(tmp_path: Path) -> None:
    """galonge/voting-app-kustomized: overlays v1, v2, v3 pin result:v1, :v2, :v3 (flavours of the
    app); init guessed a build number, so a release in v1 would run v3's result."""
    files: dict[str, str] = {"base/kustomization.yaml": "resources:\n- deployment.yaml\n"}
    files["base/deployment.yaml"] = deployment("result", "registry.gitlab.com/acme/result:v1")
    for v in ("v1", "v2", "v3"):
        files[f"overlays/{v}/kustomization.yaml"] = (
            f"resources:\n- ../../base\nimages:\n- name: registry.gitlab.com/acme/result\n  newTag: {v}\n"
        )
    found = discover(write(tmp_path, files))
    assert sorted(e.name for e in found.environments) == ["v1", "v2", "v3"], found.environments
    assert not [i for i in found.images if i.name == "registry.gitlab.com/acme/result"], found.images
    assert any(
        n.startswith(
            "registry.gitlab.com/acme/result: each environment pins the tag of its own name (v1, v2, v3)"
        )
        for n in found.notes
    ), found.notes


def _flux_kustomization(name: str, path: str) -> str:
    return (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        f"metadata: {{name: {name}, namespace: flux-system}}\n"
        f"spec:\n  interval: 10m\n  path: ./{path}\n  prune: true\n"
        "  sourceRef: {kind: GitRepository, name: flux-system}\n"
    )


def test_helm_releases_at_ranges_in_a_dropped_environment_are_said_with_the_fix(tmp_path: Path) -> None:
    """iverly/kube-apisix-istio-ory-kustomize: infrastructure/linkerd (HelmReleases at '*' and
    '1.x') renders no image found, so it is no environment; its chart pins were silent."""
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: linkerd-crds}\n"
        "spec:\n  chart:\n    spec:\n      chart: linkerd-crds\n      version: '*'\n"
        "      sourceRef: {kind: HelmRepository, name: linkerd}\n"
    )
    files = {
        **BASE,
        "clusters/prod/apps.yaml": _flux_kustomization("apps", "app/overlays/prod"),
        "clusters/tools/infra.yaml": _flux_kustomization("linkerd", "infrastructure/linkerd"),
        "infrastructure/linkerd/kustomization.yaml": "resources:\n- release.yaml\n",
        "infrastructure/linkerd/release.yaml": release,
    }
    found = discover(write(tmp_path, files))
    said = [
        n for n in found.notes if n.startswith("infrastructure/linkerd: renders none of the images found")
    ]
    assert said == [
        "infrastructure/linkerd: renders none of the images found; not configured as an environment; its "
        "Flux HelmReleases pin charts as ranges Helm resolves (linkerd-crds '*' at "
        "infrastructure/linkerd/release.yaml): pin an exact version there to have the bot release them"
    ], (found.environments, found.notes)


def test_a_folder_a_kustomization_lists_file_by_file_is_said_as_that_kustomization(tmp_path: Path) -> None:
    """BinaryMan32/argocd's services/media/sonarr: its kustomization lists ./resources/deployment.yaml
    and renames the image (images: sonarr -> linuxserver/sonarr). init offered resources/ as 'deployed
    as they are (kubectl apply -f)', where a release would write a line the images: entry overrides."""
    files = {
        **BASE,
        "media/sonarr/kustomization.yaml": (
            "resources:\n- ./resources/deployment.yaml\n"
            "images:\n- name: sonarr\n  newName: linuxserver/sonarr\n  newTag: 4.0.19.2979-ls322\n"
        ),
        "media/sonarr/resources/deployment.yaml": deployment("sonarr", "sonarr"),
    }
    found = discover(write(tmp_path, files))
    assert not [n for n in found.notes if n.startswith("media/sonarr/resources")], found.notes
    assert any(
        n.startswith("media/sonarr: a Kustomize directory nothing includes, naming sonarr")
        for n in found.notes
    ), found.notes


def test_an_application_of_another_projects_release_is_not_a_repository_to_run_init_in(
    tmp_path: Path,
) -> None:
    """anomaly51/general-1-argocd's cluster/operators/rabbitmq-cluster-operator.yaml: an Application
    of github.com/rabbitmq/cluster-operator at targetRevision v2.22.4 was said 'run init in that
    repository', advice no one who does not own rabbitmq's repository can follow."""
    app = application(
        "rabbitmq-cluster-operator",
        "config/installation",
        repo_url="https://github.com/rabbitmq/cluster-operator.git",
        revision="v2.22.4",
    )
    found = discover(write(tmp_path, {**BASE, "cluster/operators/rabbitmq.yaml": app}))
    assert (
        "1 Argo CD Application renders https://github.com/rabbitmq/cluster-operator.git, at its release v2.22.4, "
        "not this repository: what it deploys is pinned there; the bot releases images and charts, not git "
        "revisions: change targetRevision by hand"
    ) in found.notes, found.notes


def test_a_manifest_beside_a_kustomization_that_lists_it_not_is_said_as_deployed_by_nothing(
    tmp_path: Path,
) -> None:
    """skirklin/homelab@a097f79c (trial15 T3): infra/k8s/tailscale-operator.yaml sits beside the
    kustomization of environment default, which does not list it; init said infra/k8s was 'a
    Kustomize directory nothing includes ... write {name: <env>, path: infra/k8s}', the path of
    the environment two lines above."""
    files = {
        **BASE,
        "app/overlays/prod/operator.yaml": deployment("operator", "ghcr.io/tailscale/k8s-operator:1.80.0"),
    }
    found = discover(write(tmp_path, files))
    said = [n for n in found.notes if "k8s-operator" in n]
    assert said == [
        "app/overlays/prod: workload manifests naming ghcr.io/tailscale/k8s-operator:1.80.0 "
        "(app/overlays/prod/operator.yaml:9) beside its kustomization, which does not list them: nothing "
        "deploys them; add them to its resources: to deploy them"
    ], found.notes
