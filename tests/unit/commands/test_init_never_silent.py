"""``gitops-bot init`` says what it could not read or do: every file not read with why and
the fix, the exit code of a first plan that failed, the extras an image needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import cli
from gitops_bot.output.as_json import document
from testkit.local_git import committed, write


def _deployment(name: str, image: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n"
        f"    spec:\n      containers:\n      - name: {name}\n        image: {image}\n"
    )


def _padded(mib: float, *deployments: str) -> str:
    pad = "x" * int(mib * (1 << 20))
    head = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: vendored}}\ndata:\n  pad: {pad}\n"
    return "---\n".join((head, *deployments))


def test_every_file_not_read_is_a_line_with_why_and_the_fix(tmp_path: Path) -> None:
    """A 1.4 MB vendored manifest dropped its two images with no line (discovery read 1 MiB of a
    file where the plan reads 4 MiB); past the plan's bound, not UTF-8 or not YAML, a file was
    skipped unsaid."""
    repo = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n"
            + "".join(f"- {f}\n" for f in ("app.yaml", "vendored.yaml", "huge.yaml", "broken.yaml")),
            "base/app.yaml": _deployment("app", "ghcr.io/acme/app:1.2.0"),
            "base/vendored.yaml": _padded(
                1.4,
                _deployment("a", "ghcr.io/acme/vend-a:2.0.0"),
                _deployment("b", "ghcr.io/acme/vend-b:3.0.0"),
            ),
            "base/huge.yaml": _padded(4.5, _deployment("h", "ghcr.io/acme/huge:1.0.0")),
            "base/broken.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x\n",
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    (repo / "base/latin.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n")
    (repo / "base/kustomization.yaml").write_text(
        (repo / "base/kustomization.yaml").read_text() + "- latin.yaml\n"
    )
    doc = document(cli.execute(["init", "--repo", str(repo), "--output", "json"]))
    assert doc is not None
    text = doc["init"]["config"]
    for image in ("ghcr.io/acme/app", "ghcr.io/acme/vend-a", "ghcr.io/acme/vend-b"):
        assert f'name: "{image}"' in text
    lines = [line for line in text.splitlines() if line.startswith("# not read: ")]
    said = {f: next((line for line in lines if f in line), "") for f in ("huge", "latin", "broken")}
    assert "more than the 4 MiB" in said["huge"] and "split it" in said["huge"], lines
    assert "not UTF-8" in said["latin"] and "save it as UTF-8" in said["latin"], lines
    assert "not YAML" in said["broken"] and "fix the YAML" in said["broken"], lines


def test_no_environment_names_every_file_not_read(tmp_path: Path) -> None:
    """The line said four and "2 more not read", hiding the files that held the environments."""
    flux = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec: {path: ./apps\n"
    repo = write(tmp_path, {f"clusters/c{n}.yaml": flux for n in range(3)})
    (repo / "apps").mkdir()
    for n in range(3):
        (repo / f"apps/app{n}.yaml").write_bytes(b"kind: Deployment\nmetadata: {name: caf\xe9}\n")
    result = cli.execute(["init", "--repo", str(repo)])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "more not read" not in line
    assert all(f"clusters/c{n}.yaml: not YAML" in line for n in range(3)), line
    assert all(f"apps/app{n}.yaml: not UTF-8" in line for n in range(3)), line


def test_a_first_plan_that_failed_is_exit_2_with_the_config_still_printed(tmp_path: Path) -> None:
    """A holds file that is not YAML ends every plan with exit 2; init said it among its notes
    and exited 0, so a script read the onboarding as done."""
    repo = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- app.yaml\n",
            "base/app.yaml": _deployment("app", "ghcr.io/acme/app:1.0.0"),
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
            "gitops-bot.holds.yaml": "holds: [\n",
        },
    )
    result = cli.execute(["init", "--repo", str(repo), "--write"])
    assert result.exit_code == 2
    assert (repo / "gitops-bot.yaml").exists()
    doc = document(cli.execute(["init", "--repo", str(repo), "--output", "json"]))
    assert doc is not None
    assert "the first plan under it failed" in doc["init"]["error"]
    assert "gitops-bot.holds.yaml:2: not valid YAML" in doc["init"]["error"]
    assert 'name: "ghcr.io/acme/app"' in doc["init"]["config"]


def test_an_image_needing_an_extra_names_it_with_the_install_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ECR image with botocore absent: init said nothing, and the first plan exited 2."""
    from gitops_bot.registry.cloud import aws

    monkeypatch.setattr(aws.AwsLogin, "available", lambda self: False)  # botocore not installed
    ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    repo = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- app.yaml\n",
            "base/app.yaml": _deployment("app", f"{ecr}/acme/app:1.0.0"),
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    result = cli.execute(["init", "--repo", str(repo), "--output", "json"])
    doc = document(result)
    assert doc is not None
    (said,) = [n for n in doc["init"]["notes"] if "extra" in n]
    assert f"registry {ecr}" in said and "pip install 'botocore>=1.34'" in said, said


def test_a_pull_request_whose_repository_cannot_be_told_names_inits_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line said 'set github.repository in gitops-bot.yaml', a file init had not written
    yet; init's flag for it is --forge-repository."""
    import subprocess

    seed = committed(
        tmp_path / "seed",
        {
            "base/kustomization.yaml": "resources:\n- app.yaml\n",
            "base/app.yaml": _deployment("app", "ghcr.io/acme/app:1.0.0"),
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed), str(remote)], check=True)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    result = cli.execute(["init", "--repo", f"file://{remote}", "--pull-request", "--dry-run"])
    assert result.exit_code == 2
    line = result.body.line  # type: ignore[union-attr]
    assert "--forge-repository OWNER/NAME" in line and "GITHUB_TOKEN" in line, line
    assert "github.repository" not in line, line


def test_a_public_registry_read_anonymously_names_its_extra_only_if_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gcr.io/google-samples/hello-app reads anonymously, and init said 'extra needed: registry
    gcr.io ... install the 'gcp' extra' as if the plan could not read it without."""
    from gitops_bot.registry.cloud import gcp

    monkeypatch.setattr(gcp.GcpLogin, "available", lambda self: False)  # google-auth not installed
    monkeypatch.setattr(gcp.GcpLogin, "present", lambda self, env: False)  # no Google identity here
    repo = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- app.yaml\n",
            "base/app.yaml": _deployment("app", "gcr.io/google-samples/hello-app:1.0"),
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    doc = document(cli.execute(["init", "--repo", str(repo), "--output", "json"]))
    assert doc is not None
    (said,) = [n for n in doc["init"]["notes"] if "extra" in n]
    assert not said.startswith("extra needed:"), said
    assert said.startswith("extra needed only if the repository is private: registry gcr.io "), said
    assert "pip install" in said, said
    # with a Google identity in the environment, the bot would log in with it: needed
    monkeypatch.setattr(gcp.GcpLogin, "present", lambda self, env: True)
    doc = document(cli.execute(["init", "--repo", str(repo), "--output", "json"]))
    assert doc is not None
    (said,) = [n for n in doc["init"]["notes"] if "extra" in n]
    assert said.startswith("extra needed: registry gcr.io "), said


def test_the_extra_a_public_image_needs_only_if_private_is_said_after_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was the first line under 'The first plan under it:' on a public gcr.io image
    (newcomer4's N9, yevgen-grytsay/flux-multi-branch-multi-env-app): the lines go by what is
    likely, the plan first, this one last."""
    from gitops_bot.registry.cloud import gcp

    monkeypatch.setattr(gcp.GcpLogin, "available", lambda self: False)
    monkeypatch.setattr(gcp.GcpLogin, "present", lambda self, env: False)
    repo = write(
        tmp_path,
        {
            "app/kustomization.yaml": "resources:\n- app.yaml\n",
            "app/app.yaml": _deployment("hello", "gcr.io/google-samples/hello-app:1.0"),
        },
    )
    assert cli.main(["init", "--repo", str(repo)]) == 0
    text = capsys.readouterr().out
    plan = text.split("The first plan under it:\n", 1)[1].splitlines()
    assert plan[0] == "default", plan
    assert plan[-1].startswith("  extra needed only if the repository is private: registry gcr.io "), plan
    assert plan[-4] == "0 to propose; 0 blocked; 1 skipped", plan
    assert plan[-3].startswith("1 not looked up: registry not asked"), plan
