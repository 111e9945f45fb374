"""``gitops-bot init`` through the command line: it prints the config and the first plan
without asking any registry, --write writes a config the plan then reads, and never over one."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gitops_bot import cli
from gitops_bot.output.as_json import document
from gitops_bot.output.result import Planned
from gitops_bot.output.text import init_text
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


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
            "overlays/dev/kustomization.yaml": _overlay("1.2.0"),
            "overlays/prod/kustomization.yaml": _overlay("1.0.0"),
        },
    )


def test_init_prints_the_config_and_the_first_plan_asking_no_registry(repo: Path) -> None:
    result = cli.execute(["init", "--repo", str(repo), "--output", "json"])
    assert result.exit_code == 0
    doc = document(result)
    assert doc is not None
    assert doc["init"]["written"] is None
    assert 'path: "overlays/dev"' in doc["init"]["config"]
    items = [i for e in doc["environments"] for i in e["images"]]
    assert items and all("registry not asked" in json.dumps(i) for i in items if i["action"] == "skip")
    assert {r["environment"]: r["status"] for r in doc["reading"]} == {"dev": "pinned", "prod": "pinned"}
    assert not (repo / "gitops-bot.yaml").exists()


def test_write_writes_it_once_and_refuses_to_overwrite(repo: Path) -> None:
    assert cli.execute(["init", "--repo", str(repo), "--write"]).exit_code == 0
    text = (repo / "gitops-bot.yaml").read_text()
    assert "promote_from" in text
    again = cli.execute(["init", "--repo", str(repo), "--write"])
    assert again.exit_code == 2
    assert "exists" in again.body.line  # type: ignore[union-attr]
    assert (repo / "gitops-bot.yaml").read_text() == text


def test_a_repository_without_environments_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hello\n")
    result = cli.execute(["init", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert "found no environment" in result.body.line  # type: ignore[union-attr]


def test_a_repository_holding_no_kubernetes_file_says_so_not_write_it_by_hand(tmp_path: Path) -> None:
    """DevExpGbb/gitops-demo (Terraform for AKS) and considerable/gitops-demo (Terraform, Ansible,
    a Dockerfile) hold no manifest, chart or kustomization: init sent the person to write
    gitops-bot.yaml by hand, of nothing. A repository holding one still gets that advice."""
    files = {
        "infra/main.tf": 'resource "azurerm_kubernetes_cluster" "aks" {}\n',
        "ansible/playbook.yml": "- hosts: all\n  tasks:\n    - name: ping\n      ping: {}\n",
        "app/Dockerfile": "FROM python:3.12\n",
        ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    }
    result = cli.execute(["init", "--repo", str(write(tmp_path / "none", files))])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "holds no Kubernetes manifest, Helm chart or kustomization" in line, line
    assert "by hand" not in line, line
    kept = {**files, "k8s/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"}
    line = cli.execute(["init", "--repo", str(write(tmp_path / "one", kept))]).body.line  # type: ignore[union-attr]
    assert "write gitops-bot.yaml by hand" in line, line


def test_an_order_the_names_leave_open_is_asked_in_the_output(repo: Path) -> None:
    """dev and local both come first: staging's upstream is asked, in the JSON notes and in the
    text printed before the plan, not only in a comment of the config."""
    write(repo, {"overlays/local/kustomization.yaml": _overlay("1.3.0")})
    write(repo, {"overlays/staging/kustomization.yaml": _overlay("1.1.0")})
    doc = document(cli.execute(["init", "--repo", str(repo), "--output", "json"]))
    assert doc is not None
    (note,) = [n for n in doc["init"]["notes"] if "staging" in n]
    assert note.startswith("open question:") and "dev or local" in note
    planned = cli.execute(["init", "--repo", str(repo)]).body
    assert isinstance(planned, Planned) and planned.init is not None
    shown = init_text(planned.init, planned.plan)
    before_plan = shown.split("The first plan under it:", 1)[1].split("\ndev\n", 1)[0]
    assert "open question: environment staging: promote_from dev or local?" in before_plan
    assert "# open question: staging is promoted from dev or local?" in shown  # the config's comment


def test_an_environment_tracked_on_a_branch_the_clone_holds_is_written_with_it(repo: Path) -> None:
    """An Argo CD Application renders prod from branch release: in a clone holding that branch
    (real git), init writes branch: release for prod, and the plan reads it there."""
    write(
        repo,
        {
            "argocd/prod.yaml": (
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app-prod}\nspec:\n"
                "  source:\n    repoURL: https://example.com/acme/gitops\n    path: overlays/prod\n"
                "    targetRevision: release\n"
            )
        },
    )
    env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": os.environ["PATH"]}
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "x"], ["branch", "release"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *argv],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
            timeout=30,
        )
    doc = document(cli.execute(["init", "--repo", str(repo), "--output", "json"]))
    assert doc is not None
    assert (
        'branch: "release"  # found: Argo CD Application app-prod in argocd/prod.yaml'
        in doc["init"]["config"]
    )
    (prod,) = [r for r in doc["reading"] if r["environment"] == "prod"]
    assert prod["status"] == "pinned"
    assert {p.get("branch") for p in prod["pins"] if p["effective"]} == {"release"}


def test_applications_rendering_another_repository_are_named_when_no_environment_is_found(
    tmp_path: Path,
) -> None:
    """krancour/kargo-examples' shape: ApplicationSets (and Kargo Stages) deploying another
    repository, nothing deployed from this one. The error names that repository and what to do,
    keeps what was not read, and points at no guide section without an example."""
    appset = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: demo-{n}}}
spec:
  generators:
  - list: {{elements: [{{stage: test}}]}}
  template:
    metadata: {{name: "demo-{{{{stage}}}}"}}
    spec:
      source:
        repoURL: https://github.com/<github-username>/kargo-demo-gitops.git
        targetRevision: stage/{{{{stage}}}}
        path: .
      destination: {{server: https://kubernetes.default.svc}}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: {{name: test-{n}}}
spec: {{}}
"""
    write(tmp_path, {f"0{n}-example/argocd.yaml": appset.format(n=n) for n in range(3)})
    result = cli.execute(["init", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "found no environment" in line
    assert (
        "3 Argo CD ApplicationSets render https://github.com/<github-username>/kargo-demo-gitops.git, "
        "not this repository" in line
    )
    assert "3 Kargo Stages" in line
    assert "run init in that repository" in line
    assert "shows the shapes" not in line
    assert "\n" not in line


def test_registries_init_did_not_ask_log_no_skipped_image(repo: Path) -> None:
    """A registry init chose not to ask is no skipped image: with stderr not a terminal (a CI
    log, ``2>&1``), one JSON warning per image used to interleave with the config."""
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "gitops_bot", "init", "--repo", str(repo)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "registry not asked" in done.stdout  # the plan says it once, each row where the pin is
    assert "image_skipped" not in done.stderr
    assert "registry not asked" not in done.stderr


def test_an_image_a_registry_refused_is_still_logged_as_skipped() -> None:
    import io

    from gitops_bot.core import log
    from gitops_bot.core.errors import RegistryAccessError
    from gitops_bot.engine.fanout import ask

    def refuse(key: str) -> str:
        raise RegistryAccessError(f"401 for {key}")

    stream = io.StringIO()
    log.configure(level="info", fmt="json", stream=stream)
    try:
        got = ask("reading the registry", "acme/app", refuse, debug=False)
    finally:
        log.configure()
    assert isinstance(got, RegistryAccessError)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["event"], e["reason"]) for e in lines] == [("image_skipped", "401 for acme/app")]


def test_environments_that_pin_no_image_are_nothing_to_release_exit_2(tmp_path: Path) -> None:
    policy = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\n"
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- policy.yaml\n",
            "base/policy.yaml": policy,
            "overlays/staging/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/production/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    result = cli.execute(["init", "--repo", str(tmp_path), "--write"])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "no image" in line and "staging" in line and "nothing" in line
    assert not (tmp_path / "gitops-bot.yaml").exists()


def test_the_guide_quotes_the_line_init_prints_for_environments_without_images(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/guides/your-repository.md tells a person what to do on this line: it must be the
    line init prints, word for word, or the person does not recognise it."""
    import re

    policy = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\n"
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- policy.yaml\n",
            "base/policy.yaml": policy,
            "overlays/staging/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/production/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    result = cli.execute(["init", "--repo", "."])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    said = line[line.index("found environments") : line.index(" here") + len(" here")]
    guide = Path(__file__).resolve().parents[3] / "docs" / "guides" / "your-repository.md"
    text = re.sub(r"\s+", " ", guide.read_text(encoding="utf-8"))
    assert f"`{said}`" in text, said


def test_a_guessed_policy_that_matches_only_the_pinned_tag_is_said() -> None:
    """A check line that names the pinned tag as the choice reads as "all fine": when nothing
    but the pin matches, the policy never proposes another build, and the line says so."""
    from types import SimpleNamespace

    from gitops_bot.commands.init import _checks
    from gitops_bot.engine.discovered_images import FoundImage
    from gitops_bot.policy.guess import Guess
    from testkit.policies import policy_of

    keys = {"policy": "semver", "range": ">=3.0.0 <4.0.0"}
    tags = ["3.5.2", "3.6.0-d381d5b8", "3.6.0-4d09b7bd", "3.6.0-2a7c1e90"]
    cfg = SimpleNamespace(
        repository=SimpleNamespace(registry="quay.io", repository="argoproj/argocd"),
        policy=policy_of(keys).config,
    )
    app = SimpleNamespace(
        config=SimpleNamespace(image=lambda _name: cfg),
        registry=lambda _host: SimpleNamespace(list_tags=lambda _repo: tags),
    )
    img = FoundImage(
        "quay.io/argoproj/argocd", "quay.io", {}, Guess(keys, ""), ("argocd",), ("3.6.0-4d09b7bd",), ""
    )
    (line,) = _checks(app, [img])  # type: ignore[arg-type]
    assert "matches only the pinned tag: this policy never proposes another build" in line, line
    # a policy that admits the other builds says nothing of the kind (one that orders by name:
    # newest reads created times from a registry, tests/e2e/test_init_registry.py)
    cfg.policy = policy_of({"policy": "alphabetical", "pattern": r"^3\.6\.0-[0-9a-f]{8}$"}).config
    (line,) = _checks(app, [img])  # type: ignore[arg-type]
    assert "matches only the pinned tag" not in line, line


def test_environments_sharing_no_image_are_not_guessed_a_promotion_order(tmp_path: Path) -> None:
    """dev runs one image, production another (Albertoimpl/spring-sample-app-ops): the names
    would order them, but a promotion between them can never promote anything, so the order is
    asked, not guessed."""
    write(
        tmp_path,
        {
            "overlays/dev/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "overlays/dev/deploy.yaml": DEPLOY.format(image="ghcr.io/albertoimpl/app:1.0.0"),
            "overlays/production/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "overlays/production/deploy.yaml": DEPLOY.format(image="ghcr.io/markpollack/app:1.0.0"),
        },
    )
    result = cli.execute(["init", "--repo", str(tmp_path), "--output", "json"])
    doc = document(result)
    assert doc is not None
    config = doc["init"]["config"]
    assert not [line for line in config.splitlines() if line.strip().startswith("promote_from:")], config
    assert "production is promoted from dev? the names say so, but they share no image" in config, config


# AmirMalaeb/eks-argocd-gitops' apps/applicationsets/platform-components.yaml, reduced: a list of
# charts crossed with the clusters, each chart's version written once for all three
_PLATFORM = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: platform-components
spec:
  generators:
    - matrix:
        generators:
          - list:
              elements:
                - component: kyverno
                  repoUrl: https://kyverno.github.io/kyverno/
                  chart: kyverno
                  chartVersion: "3.4.0"
                - component: grafana
                  repoUrl: https://grafana.github.io/helm-charts
                  chart: grafana
                  chartVersion: "8.12.0"
          - list:
              elements:
                - cluster: spoke-dev
                - cluster: spoke-staging
                - cluster: spoke-prod
  template:
    metadata:
      name: '{{component}}-{{cluster}}'
    spec:
      project: default
      source:
        repoURL: '{{repoUrl}}'
        chart: '{{chart}}'
        targetRevision: '{{chartVersion}}'
      destination:
        name: '{{cluster}}'
        namespace: '{{component}}'
"""


def test_charts_with_no_environment_give_a_draft_config_and_a_short_error(tmp_path: Path) -> None:
    write(tmp_path, {"apps/applicationsets/platform-components.yaml": _PLATFORM})
    result = cli.execute(["init", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert isinstance(result.body, Planned) and result.body.init is not None
    init = result.body.init
    assert init.error is not None and len(init.error) < 400
    assert "found no environment" in init.error and "draft" in init.error
    text = init.config
    assert text.startswith("# DRAFT")
    assert '- name: "kyverno"\n  repository: "https://kyverno.github.io/kyverno"\n' in text
    assert "  # guess: pinned 3.4.0: semver tags, kept within major 3\n" in text
    assert '- name: "all"\n  path: "apps/applicationsets/platform-components.yaml"\n' in text
    assert (
        "# apps/applicationsets/platform-components.yaml:14 sets the version for spoke-dev, spoke-staging, "
        "spoke-prod: configure them as one environment"
    ) in text
    assert not (tmp_path / "gitops-bot.yaml").exists()


# the same repository's platform/kyverno-policies: plain ClusterPolicies an ApplicationSet of this
# repository deploys, found as an environment that pins no image
_POLICIES_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: kyverno-policies
spec:
  generators:
    - list:
        elements:
          - cluster: spoke-dev
  template:
    metadata:
      name: 'kyverno-policies-{{cluster}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/AmirMalaeb/eks-argocd-gitops.git
        targetRevision: HEAD
        path: platform/kyverno-policies
      destination:
        name: '{{cluster}}'
        namespace: kyverno
"""

_POLICY = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: disallow-privileged
spec:
  validationFailureAction: Enforce
"""


def test_charts_no_found_environment_renders_give_the_draft_too(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "apps/applicationsets/platform-components.yaml": _PLATFORM,
            "apps/applicationsets/kyverno-policies.yaml": _POLICIES_APPSET,
            "platform/kyverno-policies/kustomization.yaml": "resources:\n  - disallow-privileged.yaml\n",
            "platform/kyverno-policies/disallow-privileged.yaml": _POLICY,
        },
    )
    result = cli.execute(["init", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert isinstance(result.body, Planned) and result.body.init is not None
    init = result.body.init
    assert init.error is not None and len(init.error) < 400, init.error
    assert "draft" in init.error
    text = init.config
    assert text.startswith("# DRAFT")
    assert '- name: "kyverno"\n  repository: "https://kyverno.github.io/kyverno"\n' in text
    assert '  path: "apps/applicationsets/platform-components.yaml"\n' in text
    assert not (tmp_path / "gitops-bot.yaml").exists()


def test_the_root_kustomization_is_written_as_the_guide_writes_it(tmp_path: Path) -> None:
    """armory/spinnaker-kustomize-patches's kustomization.yaml at the root, over the bases:
    written ``path: "."``, as the guide and the reference write the root, not ``path: ""``; the
    first plan reads it there."""
    root = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY.format(image="ghcr.io/acme/app:1.0.0"),
            "kustomization.yaml": "resources:\n- base\nimages:\n- name: ghcr.io/acme/app\n  newTag: 1.2.0\n",
        },
    )
    result = cli.execute(["init", "--repo", str(root), "--output", "json"])
    assert result.exit_code == 0
    doc = document(result)
    assert doc is not None
    config = doc["init"]["config"]
    assert 'path: "."' in config and "# found: Kustomize overlay . (builds on base)" in config, config
    assert {r["environment"]: r["status"] for r in doc["reading"]} == {"default": "pinned"}
