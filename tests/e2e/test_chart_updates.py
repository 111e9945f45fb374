"""Chart versions planned and proposed beside images: a classic chart repository built by the
real ``helm repo index`` (served on loopback), an OCI chart pushed by the real ``helm push`` to
the registry process, a kustomization's ``helmCharts``, an Argo CD Application and a
``Chart.yaml`` dependency with its ``Chart.lock``; the real ``helm`` then accepts the edit."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.config import RegistryConfig
from gitops_bot.registry.client import RegistryClient
from testkit import cosign, helm_charts
from testkit.chart_repo import ChartRepo
from testkit.registry_process import RegistryProcess
from testkit.update_world import World, git, update


def _plan(capsys: pytest.CaptureFixture[str], work: Path) -> dict[str, Any]:
    code = main(["plan", "--repo", str(work), "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_plan_lists_chart_versions_chosen_by_their_policies(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, repo, work = charted
    plan = _plan(capsys, work)
    (staging,) = [e for e in plan["environments"] if e["name"] == "staging"]
    charts = {c["chart"]: c for c in staging["charts"]}
    assert charts["podinfo"]["action"] == "update"
    assert charts["podinfo"]["current"] == {"version": "1.0.0"}
    assert charts["podinfo"]["candidate"] == {"version": "1.2.1"}  # 2.0.0 is outside ^1
    assert charts["sourced"]["candidate"] == {"version": "0.2.0"}
    assert charts["sourced"]["file"] == "apps/staging/application.yaml"
    # the line of the version, as the init comment and the reading name it
    written = (work / "apps/staging/application.yaml").read_text().splitlines()
    assert "targetRevision" in written[charts["sourced"]["line"] - 1]
    assert [i["image"] for i in staging["images"]] == ["example/app"]  # images stay as they were
    (dev,) = [e for e in plan["environments"] if e["name"] == "dev"]
    (sourced,) = dev["charts"]
    assert sourced["action"] == "none" and "receives promotions from staging" in sourced["reason"]
    ours = [s for s in repo.seen if s.headers.get("user-agent") == "gitops-bot"]
    assert [s.path for s in ours] == ["/charts/index.yaml"]  # once, for the two files pinning podinfo

    (work / "gitops-bot.holds.yaml").write_text("staging:\n  sourced: waiting for the 0.2 migration\n")
    held = {c["chart"]: c for c in _plan(capsys, work)["environments"][0]["charts"]}
    assert held["sourced"]["action"] == "held"
    assert held["sourced"]["reason"] == "held: waiting for the 0.2 migration (0.2.0 available)"
    assert held["podinfo"]["action"] == "update"
    (work / "gitops-bot.holds.yaml").unlink()

    code = main(["plan", "--repo", str(work)])
    out, _ = capsys.readouterr()
    assert code == 0 and re.search(r"chart podinfo +1\.0\.0 +-> +1\.2\.1 ", out), out


def test_update_proposes_chart_versions_and_images_in_one_pull_request_that_helm_accepts(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    world, repo, _ = charted
    world.push("app", "1.1.0")
    before = {
        p: world.show("main", p).decode()
        for p in (
            "overlays/staging/kustomization.yaml",
            "apps/staging/application.yaml",
            "apps/staging/Chart.yaml",
        )
    }
    result = update(capsys, world, "--env", "staging")
    (res,) = result["results"]
    assert res["action"] == "pull_request" and res["branch"] == "gitops-bot/staging"
    branch = "gitops-bot/staging"
    kustomization = world.show(branch, "overlays/staging/kustomization.yaml").decode()
    assert "    version: 1.2.1 # pinned by gitops-bot\n" in kustomization
    assert "newTag: 1.1.0" in kustomization  # the image in the same release
    k3s = "overlays/staging/podinfo-k3s.yaml"
    assert world.show(branch, k3s).decode() == world.show("main", k3s).decode().replace(
        "  version: 1.0.0\n", "  version: 1.2.1\n"
    )
    assert world.show(branch, "apps/staging/application.yaml").decode() == before[
        "apps/staging/application.yaml"
    ].replace('targetRevision: "0.1.0"', 'targetRevision: "0.2.0"')
    assert world.show(branch, "apps/staging/Chart.yaml").decode() == before[
        "apps/staging/Chart.yaml"
    ].replace("    version: 1.0.0\n", "    version: 1.2.1\n")
    (pr,) = world.github.open_pulls()
    assert pr["title"] == "staging: release: update 1 image and 2 charts"
    assert "| staging | `podinfo` (chart) | `1.0.0` | `1.2.1` | — |" in pr["body"]
    assert "| staging | `sourced` (chart) | `0.1.0` | `0.2.0` | — |" in pr["body"]

    # the real helm accepts the edited chart: Chart.lock in step with Chart.yaml, then renders
    check = tmp_path / "check"
    subprocess.run(["git", "clone", "-q", "-b", branch, str(world.remote), str(check)], check=True)
    lock = world.show(branch, "apps/staging/Chart.lock").decode()
    assert "version: 1.2.1" in lock and lock != world.show("main", "apps/staging/Chart.lock").decode()
    helm_charts.run(["repo", "add", "classic", repo.url], tmp_path / "helm-check")
    helm_charts.run(["dependency", "build", str(check / "apps/staging")], tmp_path / "helm-check")
    rendered = helm_charts.run(["template", "u", str(check / "apps/staging")], tmp_path / "helm-check")
    assert 'version: "1.2.1"' in rendered

    # the same command again changes nothing
    head = world.sha(branch)
    again = update(capsys, world, "--env", "staging")
    assert again["changed"] is False and world.sha(branch) == head
    assert len(world.github.pulls) == 1


def test_promote_gives_the_target_the_chart_versions_the_source_pins(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    world, _, _ = charted
    update(capsys, world, "--env", "staging")
    git(world.remote, "update-ref", "refs/heads/main", "refs/heads/gitops-bot/staging")  # the PR merged
    before = world.show("main", "apps/dev/application.yaml").decode()
    code = main(["promote", "staging", "dev", "--repo", f"file://{world.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["changed"] is True
    after = world.show("main", "apps/dev/application.yaml").decode()
    assert after == before.replace('targetRevision: "0.1.0"', 'targetRevision: "0.2.0"')
    message = git(world.remote, "log", "-1", "--format=%B", "main")
    assert "sourced" in message

    # again: dev pins what staging pins, nothing to do
    code = main(["promote", "staging", "dev", "--repo", f"file://{world.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["changed"] is False


def test_an_oci_chart_version_must_carry_the_signature_its_verify_policy_names(
    charted: tuple[World, ChartRepo, Path], registry: RegistryProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    world, _, work = charted
    key = cosign.new_key("ecdsa")
    (work / "cosign.pub").write_bytes(cosign.public_pem(key))
    config = (work / "gitops-bot.yaml").read_text()
    (work / "gitops-bot.yaml").write_text(
        config.replace(
            f"    repository: oci://{registry.host}/{world.ns}-charts\n",
            f"    repository: oci://{registry.host}/{world.ns}-charts\n    verify:\n      keys: [{{file: cosign.pub}}]\n",
        )
    )

    def sourced() -> dict[str, Any]:
        (staging,) = [e for e in _plan(capsys, work)["environments"] if e["name"] == "staging"]
        return {c["chart"]: c for c in staging["charts"]}["sourced"]

    unsigned = sourced()
    assert unsigned["action"] == "skip" and unsigned["reason"].startswith("0.2.0 not verified")

    repository = f"{world.ns}-charts/sourced"
    client = RegistryClient(RegistryConfig(host=registry.host))
    digest = client.resolve_digest(repository, "0.2.0")
    cosign.sign_image(world.pusher, repository, f"{registry.host}/{repository}", digest, key)
    signed = sourced()
    assert signed["action"] == "update" and signed["candidate"] == {"version": "0.2.0"}


def test_a_chart_repository_that_stays_down_ends_the_plan_with_one_line_and_exit_3(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, repo, work = charted
    repo.status = 503
    code = main(["plan", "--repo", str(work)])
    out, err = capsys.readouterr()
    assert code == 3
    lines = [line for line in err.splitlines() if line.strip()]
    assert any(f"chart repository {repo.url}/index.yaml unavailable" in line for line in lines), err
    assert "Traceback" not in err and "Traceback" not in out
    # what git shows is still said, before the error line
    assert out.startswith("What each environment pins, read from git before the run stopped")


APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: sourced
spec:
  generators:
  - list:
      elements:
      - name: sourced
        version: "0.1.0"  # the chart's version, per element
  template:
    metadata:
      name: '{{{{name}}}}'
    spec:
      project: default
      source:
        repoURL: {host}
        chart: '{{{{name}}}}'
        targetRevision: '{{{{version}}}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: sourced
"""


def test_update_writes_a_chart_version_an_applicationsets_list_element_sets_there(
    charted: tuple[World, ChartRepo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The version is the list element's value (templated into targetRevision), and the
    repository is written as Argo CD writes an OCI one, without a scheme, in the files and in
    the config alike."""
    world, _, work = charted
    config = (work / "gitops-bot.yaml").read_text()
    oci = re.search(r"repository: oci://(\S+)", config)
    assert oci is not None
    (work / "gitops-bot.yaml").write_text(config.replace(oci[0], f"repository: {oci[1]}"))
    (work / "apps/staging/application.yaml").write_text(APPSET.format(host=oci[1]))
    git(work, "add", "-A")
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "appset")
    git(work, "push", "-q", "origin", "main")
    (staging,) = [e for e in _plan(capsys, work)["environments"] if e["name"] == "staging"]
    sourced = {c["chart"]: c for c in staging["charts"]}["sourced"]
    assert (sourced["action"], sourced["current"], sourced["candidate"]) == (
        "update",
        {"version": "0.1.0"},
        {"version": "0.2.0"},
    )
    assert sourced["file"] == "apps/staging/application.yaml"

    update(capsys, world, "--env", "staging")
    written = world.show("gitops-bot/staging", "apps/staging/application.yaml").decode()
    assert written == APPSET.format(host=oci[1]).replace('version: "0.1.0"', 'version: "0.2.0"')
