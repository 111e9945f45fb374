"""Folders the repository's own scripts and READMEs apply, where no Argo CD, Flux or Kargo object
points at them (marcusmvbs/Kind-Argocd-Nginx: one Application over a chart, and PowerShell
scripts running ``kubectl apply -f /kind/kubernetes/go_app/templates/deployment.yaml`` in a kind
container that mounts ``Kind/`` as ``/kind``): init said them as not read and made no
environment, so a newcomer's first plan missed what the scripts deploy. Each is an environment
now, said as a guess with the file and line of the command; and a folder named for what it holds
(fluxninja/aperture's ``operator/config``) names no environment ``config``."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine import discovered_scripts, script_commands
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.init_config import config_text
from gitops_bot.engine.repository_files import RepoFiles
from testkit import small_repos
from testkit.local_git import write
from testkit.small_repos import application, deployment


def _application(name: str, path: str) -> str:
    return application(name, path, repo_url="https://github.com/acme/kind.git")


def test_files_a_script_applies_are_an_environment_said_with_the_script(tmp_path: Path) -> None:
    files = {
        "application.yaml": _application("web", "web"),
        "web/deployment.yaml": deployment("web", "nginx:1.25.4"),
        "Kind/go_app/templates/deployment.yaml": deployment("go", "golang:1.22.1-alpine3.19"),
        "Kind/spark/deployment.yaml": deployment("spark", "ghcr.io/acme/spark:2.0.1"),
        "Kind/old/deployment.yaml": deployment("old", "ghcr.io/acme/old:0.1.0"),
        "2.5goapp_config.ps1": (
            '$containerName = "kind"\n'
            '$Deploy_apply   = "kubectl apply -f /kind/go_app/templates/deployment.yaml"\n'
            "docker exec -it $containerName sh -c '$Deploy_apply'\n"
        ),
        "scripts/spark.sh": "#!/bin/sh\n# kubectl apply -f Kind/old\nkubectl -n spark apply \\\n  -f Kind/spark\n",
    }
    found = discover(write(tmp_path, files))
    envs = {e.name: e for e in found.environments}
    assert set(envs) == {"in-cluster", "default"}, found.environments
    assert envs["default"].paths == ("Kind/go_app/templates/deployment.yaml", "Kind/spark")
    go, spark = envs["default"].how
    assert go.startswith("Kind/go_app/templates/deployment.yaml, applied by 2.5goapp_config.ps1:2 "), go
    assert "(kubectl apply -f /kind/go_app/templates/deployment.yaml)" in go and "a guess" in go, go
    assert spark.startswith(
        "Kind/spark, applied by scripts/spark.sh:3 (kubectl -n spark apply -f Kind/spark)"
    ), spark
    assert {"golang", "ghcr.io/acme/spark", "nginx"} == {i.name for i in found.images}
    # what no script runs (a comment) stays a folder no environment renders, said so
    assert [n for n in found.notes if "no environment renders" in n and n.startswith("Kind/old: ")], (
        found.notes
    )
    assert not any(n.startswith(("Kind/spark:", "Kind/go_app")) for n in found.notes), found.notes
    assert "# found: Kind/spark, applied by scripts/spark.sh:3" in config_text(found)


def test_an_overlay_a_makefile_builds_and_applies_is_deployed(tmp_path: Path) -> None:
    """An app of apps deploys prod; the Makefile's ``kustomize build overlays/dev | kubectl
    apply -f -`` deploys dev, which init dropped as something nothing in the repository
    deploys. A README's relative path is its own folder's; a URL, a variable and a folder of
    definitions only (nothing to release) are no environment."""
    files = {
        "argocd/root.yaml": _application("root", "argocd"),
        "argocd/prod.yaml": _application("app-prod", "overlays/prod"),
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": deployment("app", "ghcr.io/acme/app:1.0.0"),
        "overlays/dev/kustomization.yaml": "resources: [../../base]\nimages:\n- {name: ghcr.io/acme/app, newTag: 1.1.0}\n",
        "overlays/prod/kustomization.yaml": "resources: [../../base]\n",
        "crds/kustomization.yaml": "resources: [crd.yaml]\n",
        "crds/crd.yaml": "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b}\n",
        "Makefile": (
            "deploy-dev:\n\t$(KUSTOMIZE) build overlays/dev | kubectl apply -f -\n"
            "crds:\n\tkustomize build crds | kubectl apply -f -\n"
            "remote:\n\tkubectl apply -f https://example.com/x.yaml -f $(OUT)/all.yaml\n"
        ),
        "tools/README.md": "```sh\nkubectl apply -k ./worker\n```\n",
        "tools/worker/kustomization.yaml": "resources: [w.yaml]\n",
        "tools/worker/w.yaml": deployment("w", "ghcr.io/acme/worker:3.0.0"),
    }
    found = discover(write(tmp_path, files))
    envs = {e.name: e.paths for e in found.environments}
    assert envs == {"dev": ("overlays/dev",), "prod": ("overlays/prod",), "default": ("tools/worker",)}, envs
    dev = next(e for e in found.environments if e.name == "dev")
    assert dev.how[0].startswith(
        "overlays/dev, applied by Makefile:2 ($(KUSTOMIZE) build overlays/dev | kubectl apply)"
    )
    assert not any(n.startswith("overlays/dev: nothing in this repository deploys it") for n in found.notes)
    worker = next(e for e in found.environments if e.name == "default")
    assert "applied by tools/README.md:2 (kubectl apply -k ./worker)" in worker.how[0], worker.how


def test_a_folder_named_for_what_it_holds_names_no_environment(tmp_path: Path) -> None:
    """fluxninja/aperture's operator/config (a kustomization over config/default) was an
    environment named config."""
    files = {
        "operator/config/kustomization.yaml": "namespace: aperture\nresources: [default]\n",
        "operator/config/default/kustomization.yaml": "resources: [manager.yaml]\n",
        "operator/config/default/manager.yaml": deployment("m", "ghcr.io/acme/op:1.0.0"),
    }
    found = discover(write(tmp_path, files))
    assert [(e.name, e.paths) for e in found.environments] == [("default", ("operator/config",))]


CHART_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: op}
spec:
  template:
    spec:
      containers:
      - name: op
        image: {{ include "op.image" (dict "image" .Values.operator.image "context" $) }}
"""


def test_a_chart_a_readme_installs_with_helm_is_an_environment(tmp_path: Path) -> None:
    """fluxninja/aperture's operator/README.md runs ``helm upgrade --install controller
    manifests/charts/aperture-controller``, whose values leave the tag null (``tag: ~``: the
    template takes the chart's appVersion): the chart was 'nothing in this repository deploys
    it' and its image no entry. A values file beside the chart (``-f``) is the environment's
    path; a published chart (``argo/argo-cd``) is no path of this repository."""
    files = {
        "operator/README.md": "```bash\nhelm upgrade --install controller manifests/charts/ctl\n```\n",
        "manifests/charts/ctl/Chart.yaml": "apiVersion: v2\nname: ctl\nversion: v1.2.0\nappVersion: v1.2.0\n",
        "manifests/charts/ctl/values.yaml": (
            "operator:\n  image:\n    registry: docker.io/acme\n    repository: op\n    tag: ~\n"
        ),
        "manifests/charts/ctl/templates/deployment.yaml": CHART_TEMPLATE,
        "manifests/charts/ctl/templates/_helpers.tpl": (
            '{{- define "op.image" -}}\n{{ .image.registry }}/{{ .image.repository }}:'
            "{{ .image.tag | default .context.Chart.AppVersion }}\n{{- end -}}\n"
        ),
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/values.yaml": "image:\n  repository: ghcr.io/acme/web\n  tag: 2.0.0\n",
        "charts/web/prod.yaml": "image:\n  tag: 1.9.0\n",
        "charts/web/templates/deployment.yaml": CHART_TEMPLATE.replace(
            '{{ include "op.image" (dict "image" .Values.operator.image "context" $) }}',
            '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
        ),
        "scripts/deploy.sh": (
            "helm repo add argo https://argoproj.github.io/argo-helm\n"
            "helm upgrade --install argocd argo/argo-cd -n argocd --create-namespace\n"
            "helm upgrade --install web ./charts/web --namespace web -f charts/web/prod.yaml --wait\n"
        ),
    }
    found = discover(write(tmp_path, files))
    envs = {e.name: e.paths for e in found.environments}
    assert envs == {"prod": ("charts/web/prod.yaml",), "default": ("manifests/charts/ctl",)}, found
    prod = next(e for e in found.environments if e.name == "prod")
    assert prod.how[0].startswith("charts/web/prod.yaml, applied by scripts/deploy.sh:3 (helm upgrade"), prod
    op = next(i for i in found.images if i.name == "docker.io/acme/op")
    assert op.helm == {"repository": "operator.image.repository", "tag": "operator.image.tag"}, op
    assert op.tags == ("v1.2.0",), op
    assert not any("manifests/charts/ctl: a Helm chart that nothing" in n for n in found.notes), found.notes


def test_an_overlay_a_ci_workflow_applies_is_an_environment(tmp_path: Path) -> None:
    """An app of apps deploys prod; a GitHub Actions job applies staging after the build
    (``kubectl apply -k overlays/staging``). The repository's listing leaves .github out (its
    files are no manifests), so the deploy step was never read and staging was 'nothing in
    this repository deploys it'. A GitLab CI file at the root is read alike."""
    files = {
        "argocd/root.yaml": _application("root", "argocd"),
        "argocd/prod.yaml": _application("app-prod", "overlays/prod"),
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": deployment("app", "ghcr.io/acme/app:1.0.0"),
        "overlays/staging/kustomization.yaml": "resources: [../../base]\n",
        "overlays/prod/kustomization.yaml": "resources: [../../base]\n",
        "web/app.yaml": deployment("web", "ghcr.io/acme/web:2.0.0"),
        "old/app.yaml": deployment("old", "ghcr.io/acme/old:2.0.0"),
        ".github/workflows/deploy.yml": (
            "on: {push: {branches: [main]}}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n      # - run: kubectl apply -f old\n"
            "      - run: kubectl apply -k overlays/staging\n"
        ),
        ".gitlab-ci.yml": "deploy:\n  script:\n    - kubectl apply -f web/app.yaml\n",
    }
    found = discover(write(tmp_path, files))
    envs = {e.name: e.paths for e in found.environments}
    assert envs == {
        "staging": ("overlays/staging",),
        "prod": ("overlays/prod",),
        "default": ("web/app.yaml",),
    }, envs
    staging = next(e for e in found.environments if e.name == "staging")
    assert staging.how[0].startswith(
        "overlays/staging, applied by .github/workflows/deploy.yml:8 (kubectl apply -k"
    )


def _overlay(tag: str) -> str:
    return f"resources: [../../base]\nimages:\n- name: ghcr.io/acme/app\n  newTag: {tag}\n"


def test_a_readme_cd_before_kubectl_apply_dot_names_the_directory_applied(tmp_path: Path) -> None:
    """ADORSYS-GIS/fineract-gitops: apps/keycloak/README.md says `cd apps/keycloak/overlays/dev`
    then `kubectl apply -k .`; init took `.` for the README's own folder, made an environment
    `default` over apps/keycloak (base and every overlay), and a release for it wrote into the
    uat and production overlays as `default's own layer`."""
    readme = "# web\n\n```bash\ncd apps/web/overlays/dev\n\nkubectl apply -k .\n```\n"
    root = write(
        tmp_path,
        {
            "apps/web/README.md": readme,
            "apps/web/base/kustomization.yaml": "resources: [deploy.yaml]\n",
            "apps/web/base/deploy.yaml": deployment("web", "ghcr.io/acme/app:1.0.0"),
            "apps/web/overlays/dev/kustomization.yaml": _overlay("1.2.0"),
            "apps/web/overlays/prod/kustomization.yaml": _overlay("1.0.0"),
            # an overlay no Application deploys yet: a file under apps/web nothing else renders
            "apps/web/overlays/uat/kustomization.yaml": _overlay("1.1.0"),
            "argocd/dev/web.yaml": _application("web-dev", "apps/web/overlays/dev"),
            "argocd/prod/web.yaml": _application("web-prod", "apps/web/overlays/prod"),
            "argocd/kustomization.yaml": "resources: [dev/web.yaml, prod/web.yaml]\n",
            "root.yaml": _application("root", "argocd"),
        },
    )
    found = discover(root)
    paths = sorted(p for e in found.environments for p in e.paths)
    assert "apps/web" not in paths, found.environments


def test_a_cd_sets_where_later_commands_apply_within_its_shell(tmp_path: Path) -> None:
    """A `cd` moves the directory of the commands after it as far as its shell goes: a README's
    code block, a shell script, one Makefile recipe line, a subshell's own line; a directory the
    bot cannot tell (a variable, home, out of the repository) takes no relative path after it."""
    dirs = ["apps/a", "apps/b", "apps/c", "apps/d", "apps/e", "apps/f", "deploy/g", "h"]
    files = {f"{d}/kustomization.yaml": "resources: []\n" for d in dirs}
    files |= {
        "apps/README.md": (
            "```sh\n$ cd a\nkubectl apply -k .\n```\n"  # the block's cd: apps/a
            "```sh\nkubectl apply -k b\n```\n"  # a new block starts at the README's folder
            "```sh\ncd $WORK\nkubectl apply -k c\n```\n"  # unknown: apps/c is not taken
        ),
        "scripts/deploy.sh": (
            "cd ../apps\nkubectl apply -k d\n"  # apps/d
            "(cd e && kubectl apply -k .)\n"  # apps/e in the subshell
            "kubectl apply -k f\n"  # still apps: apps/f
            'cd "$(dirname "$0")"\nkubectl apply -k ../deploy/g\n'  # the script's own folder
            "cd ~\nkubectl apply -k h\n"  # home: h is not taken
        ),
        "Makefile": "x:\n\tcd apps && kubectl apply -k nowhere\n\tkubectl apply -k h\n",
    }
    got = {
        a.path: f"{a.file}:{a.line}" for a in script_commands.read(RepoFiles(write(tmp_path, files))).applied
    }
    assert got == {
        "apps/a": "apps/README.md:3",
        "apps/b": "apps/README.md:6",
        "apps/d": "scripts/deploy.sh:2",
        "apps/e": "scripts/deploy.sh:3",
        "apps/f": "scripts/deploy.sh:4",
        "deploy/g": "scripts/deploy.sh:6",
        "h": "Makefile:3",
    }, got


def test_a_helm_template_deploys_only_what_is_piped_to_an_apply(tmp_path: Path) -> None:
    """monedula-dev/monedula-gitops@4934ff70: the release job's 'Template (sanity)' step renders
    the chart to /dev/null; read as a deploy, the chart became an environment and a release
    wrote tag: "0.9.0" into the values whose empty tag the packaging fills. A rendered output
    piped to kubectl apply is a deploy; one thrown away, printed, or a --dry-run is not."""
    chart = {f"charts/{n}/Chart.yaml": f"apiVersion: v2\nname: {n}\nversion: 0.1.0\n" for n in "abcde"}
    files = {
        **chart,
        ".github/workflows/release.yaml": (
            "jobs:\n  chart:\n    steps:\n      - name: Template (sanity)\n"
            "        run: helm template t charts/a --set webhook.enabled=true >/dev/null\n"
        ),
        "README.md": (
            "```sh\nhelm template b charts/b\n"
            "helm template c charts/c -f charts/c/values.yaml | kubectl apply -f -\n"
            "helm upgrade --install d charts/d --dry-run\n"
            "helm install e charts/e --dry-run=server\n```\n"
        ),
    }
    assert [a.path for a in script_commands.read(RepoFiles(write(tmp_path, files))).applied] == ["charts/c"]


def test_oc_and_kapp_apply_and_a_dry_run_applies_nothing(tmp_path: Path) -> None:
    """redhat-na-ssa/demo-ai-gitops-catalog's README runs ``oc apply -k``; techgnosis/tanzu-gitops
    deploys every folder with Carvel's ``kapp deploy -f``, once behind a process substitution
    whose ``kubectl create secret ... --dry-run=client -o yaml`` was read as the applier of
    kapp's own -f files."""
    files = {
        "README.md": "```sh\noc apply -k components/login/overlays/htpasswd\n```\n",
        "components/login/overlays/htpasswd/kustomization.yaml": "resources: []\n",
        "acme/install.sh": "kapp deploy --into-ns acme -a acme-1 -f cluster1.yml -f secrets.yml\n",
        "acme/cluster1.yml": "kind: List\n",
        "storage/install.sh": (
            "kapp deploy -a csi -f <(kubectl create secret generic conf --from-file=csi.conf "
            "--dry-run=client -o yaml) -f rbac.yaml -f node-ds.yaml\n"
        ),
        "storage/rbac.yaml": "kind: List\n",
        "storage/node-ds.yaml": "kind: List\n",
        "check/validate.sh": "kubectl apply --dry-run=server -f ../checked.yaml\n",
        "checked.yaml": "kind: List\n",
    }
    found = {a.path: a.command for a in script_commands.read(RepoFiles(write(tmp_path, files))).applied}
    assert sorted(found) == [
        "acme/cluster1.yml",
        "components/login/overlays/htpasswd",
        "storage/node-ds.yaml",
        "storage/rbac.yaml",
    ], found
    assert found["storage/rbac.yaml"].startswith("kapp deploy -a csi"), found


def test_published_chart_versions_a_script_installs_are_said(tmp_path: Path) -> None:
    """techgnosis/tanzu-gitops@d59c61ed (found by a newcomer): seven install.sh scripts run
    ``helm upgrade --install minio minio --repo https://... --version 3.7.9`` over lines; the
    versions were silent (and a chart named as a folder of the repository is still published
    when --repo says so)."""
    files = {
        "minio/install.sh": (
            "#!/bin/sh\n\nhelm upgrade --install minio minio \\\n  --repo https://charts.example.com/demo \\\n"
            "  --version 3.7.9 --wait\n"
        ),
        "cert-manager/install.sh": "helm install cm jetstack/cert-manager --version=v1.2.0\n",
        "web/install.sh": "helm upgrade --install web ./charts/web --version 0.1.0\n",
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "vars/install.sh": "helm install x bitnami/x --version $VERSION\n",
    }
    (said,) = discovered_scripts.scripted_charts(script_commands.read(RepoFiles(write(tmp_path, files))))
    assert said.startswith(
        "2 chart versions pinned in helm commands of scripts (jetstack/cert-manager v1.2.0 in "
        "cert-manager/install.sh:1, minio 3.7.9 in minio/install.sh:3)"
    ), said


AVOCADO = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: avocado-app
spec:
  template:
    spec:
      containers:
      - name: echo
        image: hashicorp/http-echo:0.2.3
"""


# perbohler/flux-fleet-demo1 demo1/readme.md:6 says "kubectl apply -k resources/"; `resources/`
# holds no kustomization file (only sub-folders that are: two the bases of the overlay `demo1` a
# Flux Kustomization applies, one — fluxcd-v0.30.2 — that nothing includes), so the command fails
# as written. init makes it an
# environment `default` (path resources, "applied by demo1/readme.md:6 … a guess"), which then
# shares demo1's bases: each image of demo1 "unsupported" in both (and F2 once the release moves
# to demo1's overlay).
def test_a_readme_s_kubectl_apply_k_of_a_folder_with_no_kustomization_is_no_environment(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "demo1/readme.md": "### install fluxcd\nkubectl apply -k resources/\n",
            "demo1/kustomization.yaml": "resources:\n  - ../resources/demo-deployment/\n",
            "demo1/kustomize.yaml": small_repos.flux_kustomization("demo1", "./demo1"),
            "resources/demo-deployment/kustomization.yaml": "resources:\n  - avocado.yaml\n",
            "resources/demo-deployment/avocado.yaml": AVOCADO,
            "resources/tools/kustomization.yaml": "resources:\n  - tools.yaml\n",
            "resources/tools/tools.yaml": small_repos.deployment("tools", "ghcr.io/acme/tools:1.0.0"),
        },
    )
    found = discover(root)
    assert [e.name for e in found.environments] == ["demo1"], [
        (e.name, e.paths, e.how) for e in found.environments
    ]
