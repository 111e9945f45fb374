"""A repository whose GitOps files are templates another tool renders (cloudogu/gitops-playground:
Freemarker ``*.ftl.yaml`` with ``<#if>`` directives and ``${scm.repoUrl}`` placeholders, which its
own program renders into the repository it creates). init told of each such file "not YAML the
bot can read ...: fix the YAML", advice that would break the generator, and of an Application
whose ``repoURL: ${repoUrl}`` a placeholder fills "renders ${repoUrl}, not this repository: run
init in that repository", a repository no line names. Both are said as templates of another tool,
once, with where to run init; a file named as one (``.ftl``, ``.j2``) is not read as deployed."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

ARGOCD = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: argocd
  namespace: ${config.namespace}
  annotations:
<#if config.mail>
    notifications.argoproj.io/subscribe.on-sync-status-unknown.email: ${config.email}
</#if>
spec:
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
  source:
    path: apps/argocd
    repoURL: ${scm.repoUrl}argocd/cluster-resources.git
"""

BOOTSTRAP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: bootstrap, namespace: argocd}
spec:
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
  source:
    path: apps/bootstrap
    repoURL: ${repoUrl}
"""

PROJECT = """\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: tenant}
spec:
  sourceRepos:
<#list tenants as t>
  - ${t.repo}
</#list>
"""


def test_templates_of_another_tool_are_said_once_and_never_to_fix(tmp_path: Path) -> None:
    files = {
        "argocd/applications/argocd.ftl.yaml": ARGOCD,
        # a file another tool fills by placeholders alone (envsubst) parses, and is read
        "argocd/applications/bootstrap.yaml": BOOTSTRAP,
        "argocd/projects/tenant.ftl.yaml": PROJECT,
    }
    notes = discover(write(tmp_path, files)).notes
    assert not [n for n in notes if "fix the YAML" in n], notes
    (said,) = [n for n in notes if "Freemarker" in n]
    assert said.startswith(
        "2 Freemarker templates (argocd/applications/argocd.ftl.yaml, argocd/projects/tenant.ftl.yaml): "
        "YAML only once another tool renders them, not read (nothing to fix here): run init in the "
        "repository that tool renders them into"
    ), said
    (app,) = [n for n in notes if "${repoUrl}" in n]
    assert "a placeholder another tool fills" in app and "not this repository" not in app, app


# clicktruck/gha-workflows-with-gitops-for-tanzu-application-platform@51776dff's
# gitops/tanzu/application-platform/base/certificate.yml, cut: two exclusive ytt branches
YTT = """\
#@ load("@ytt:data", "data")
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: tap-ingress-cert
spec:
  #@ if data.values.tap.cluster.issuerRef.group == "cert-manager.io":
  duration: 2160h0m0s
  #@ end
  #@ if data.values.tap.cluster.issuerRef.group == "certmanager.step.sm":
  duration: 24h
  #@ end
"""


def test_a_ytt_templates_exclusive_branches_are_never_keys_to_delete(tmp_path: Path) -> None:
    """Its two ``duration:`` lines read as a key written twice, with the fix "keep one duration:
    and delete the others", which would break the install for one issuer."""
    notes = discover(write(tmp_path, {"gitops/base/certificate.yml": YTT})).notes
    assert not [n for n in notes if "delete the others" in n or "fix the YAML" in n], notes
    (said,) = [n for n in notes if "ytt" in n]
    assert said.startswith("1 ytt (Carvel) template (gitops/base/certificate.yml): "), said


def test_a_ytt_mark_inside_a_block_scalar_is_the_scripts_and_the_yaml_is_still_said_to_fix(
    tmp_path: Path,
) -> None:
    """A ConfigMap's script whose comment starts ``#@`` made its file a ytt template, "nothing to
    fix here", while kustomize refused it for the key written twice (and the plan said so)."""
    cm = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  run.sh: |\n"
        "    #@ a comment of the script\n    echo hi\n  run.sh: >-\n    #@ again\n"
        "---\n- |\n  #@ and in a list item's\n"
    )
    notes = discover(write(tmp_path, {"deploy/cm.yaml": cm})).notes
    assert not [n for n in notes if "ytt" in n], notes
    (said,) = [n for n in notes if n.startswith("deploy/cm.yaml:")]
    assert "duplicate key 'run.sh' (lines 6, 9)" in said and "fix the YAML" in said, said
    # a directive beside a block scalar is still ytt's
    notes = discover(write(tmp_path / "b", {"b/cm.yaml": cm + "#@ end\n"})).notes
    assert [n for n in notes if n.startswith("1 ytt (Carvel) template (b/cm.yaml)")], notes


# gutmensch/argocd@1e1799d4, cut: an Argo CD app of apps in Jsonnet (root.jsonnet at the root,
# a project's init.jsonnet, its components' versions in .libsonnet files it imports)
JSONNET = {
    "root.jsonnet": "local argo = import 'lib/argo.libsonnet';\n[argo.app('minio', 'project/base/minio')]\n",
    "lib/argo.libsonnet": "{ app(name, path):: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' } }\n",
    "project/base/minio/init.jsonnet": "local m = import 'config/minio.libsonnet';\nm.deployment\n",
    "project/base/minio/config/minio.libsonnet": (
        "{ imageRegistry: 'quay.io', imageRef: 'minio/minio', imageVersion: 'RELEASE.2024-10-29T16-01-48Z' }\n"
    ),
}


def test_jsonnet_argo_cd_renders_is_said_with_its_files(tmp_path: Path) -> None:
    """init said nothing of a repository deployed from Jsonnet ("found no environment" and no
    line naming a file): its images are pinned where the bot reads none."""
    notes = discover(write(tmp_path, JSONNET)).notes
    (said,) = [n for n in notes if "Jsonnet" in n]
    assert said.startswith(
        "4 Jsonnet files (root.jsonnet, project/base/minio/init.jsonnet, lib/argo.libsonnet, and 1 more): "
        "Argo CD renders them, the bot does not; the images they set are not released"
    ), said


# clicktruck/gha-workflows-with-gitops-for-tanzu-application-platform@51776dff, cut: kapp-controller
# PackageInstalls, one literal, one a ytt template sets, and the App templating them
PACKAGE = """\
apiVersion: packaging.carvel.dev/v1alpha1
kind: PackageInstall
metadata: {name: cert-manager, namespace: tanzu-user-managed-packages}
spec:
  packageRef:
    refName: cert-manager.tanzu.vmware.com
    versionSelection:
      constraints: 1.12.2+vmware.1-tkg.1
  serviceAccountName: ingress-sa
"""
TAP = """\
#@ load("@ytt:data", "data")
---
apiVersion: packaging.carvel.dev/v1alpha1
kind: PackageInstall
metadata:
  name: tap
  namespace: #@ data.values.tap.namespace
spec:
  packageRef:
    refName: tap.tanzu.vmware.com
    versionSelection:
      constraints: #@ str(data.values.tap.version)
  serviceAccountName: tap-default-sa
"""
KAPP_APP = """\
apiVersion: kappctrl.k14s.io/v1alpha1
kind: App
metadata: {name: tanzu-ingress, namespace: tanzu-user-managed-packages}
spec:
  serviceAccountName: ingress-sa
  fetch:
  - git: {url: https://github.com/clicktruck/gha-workflows, ref: origin/main}
  template:
  - ytt: {paths: [gitops/tanzu/ingress/aws/base]}
  deploy:
  - kapp: {}
"""


def test_kapp_controller_objects_are_said_with_the_versions_they_select(tmp_path: Path) -> None:
    """init said nothing of the ~20 package versions a Carvel repository deploys (found no
    environment, its not-read list naming Terraform and Workshop images only)."""
    files = {
        "gitops/tanzu/ingress/aws/base/cert-manager.yml": PACKAGE,
        "gitops/tanzu/application-platform/base/tap-package-install.yml": TAP,
        "gitops/tanzu/ingress/aws/install/ingress-install.yml": KAPP_APP,
        # ytt's data values: a document of no kind beside the objects
        "gitops/tanzu/application-platform/base/values.yml": "#@data/values\n---\ntap: {version: 1.6.4}\n",
    }
    notes = discover(write(tmp_path, files)).notes
    (said,) = [n for n in notes if "kapp-controller" in n]
    assert said == (
        "3 kapp-controller objects (PackageInstall x2, App x1) in 3 files "
        "(gitops/tanzu/application-platform/base/tap-package-install.yml, "
        "gitops/tanzu/ingress/aws/base/cert-manager.yml, gitops/tanzu/ingress/aws/install/ingress-install.yml): "
        "kapp-controller deploys them, the bot does not read them; the package versions they select "
        "(cert-manager.tanzu.vmware.com 1.12.2+vmware.1-tkg.1; 1 set by ytt data values) and the images "
        "they deploy are not released"
    ), said


def test_a_kapp_app_in_a_hidden_folder_is_said(tmp_path: Path) -> None:
    """The listing leaves hidden folders out; a kapp App kept in one (``.install/``) deploys all
    the same, and was silent. A workflow folder's YAML is not looked at for it."""
    files = {
        "app/deployment.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        ".install/app.yml": KAPP_APP,
        ".github/workflows/kapp.yml": KAPP_APP,
    }
    notes = discover(write(tmp_path, files)).notes
    (said,) = [n for n in notes if "kapp-controller" in n]
    assert said.startswith("1 kapp-controller object (App x1) in 1 file (.install/app.yml): "), said


APPSET_WITH_DUPLICATE_KEY = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: gotosocial-web-app-set
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - plugin:
        configMapRef:
          name: secret-var-plugin-generator
        input:
          parameters:
            secret_vars: [gotosocial_hostname]
  template:
    metadata:
      name: gotosocial-web-app
    spec:
      project: default
      destination:
        server: https://kubernetes.default.svc
        namespace: gotosocial
      source:
        repoURL: 'https://charts.schoenwald.aero'
        targetRevision: 1.2.2
        chart: gotosocial
        helm:
          valuesObject:
            gotosocial:
              config:
                host: '{{ .gotosocial_hostname }}'
            extraConfig: {}
            extraConfig: {}
"""


# small-hack/argocd-apps gotosocial/app_of_apps/gotosocial_argocd_appset.yaml:281 (duplicate key
# 'extraConfig', lines 215 and 281) and harbor/harbor_argocd_appset.yaml:66 (`core: {{
# .harbor_hostname }}`, unquoted: a flow mapping as a key): neither file parses, and each holds
# `{{`, so the parse error is taken for a template's and nothing is said — where the repository's
# ~240 other ApplicationSets of the same form are each said ("renders a chart, not read: its plugin
# generator lists what only Argo CD can ask"). Their charts (gotosocial 1.2.2, harbor 1.18.0) and
# harbor's ten image tags: no entry, no line. A deploy object's file that does not parse is said
# with the parser's words, whatever `{{` it holds.
def test_an_application_set_whose_file_does_not_parse_is_said(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "gotosocial/app_of_apps/gotosocial_argocd_appset.yaml": APPSET_WITH_DUPLICATE_KEY,
        },
    )
    found = discover(root)
    (said,) = [n for n in found.notes if "gotosocial/app_of_apps/gotosocial_argocd_appset.yaml" in n]
    assert "extraConfig" in said, said
