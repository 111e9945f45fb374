"""Which extras the Action's install adds to the runtime's lock (``python -m gitops_bot.action
--extras``): those the configuration the step runs with needs, nothing for one that needs
none, and nothing, quietly, for one that cannot be read (the run step reports that)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import action

ENVIRONMENTS = "environments:\n  - name: dev\n    path: overlays/dev\n"
KEYLESS = "{trusted_root: root.json, issuer: https://token.actions.githubusercontent.com, identity: me}"
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def image(repository: str, extra: str = "") -> str:
    return f"version: 1\nimages:\n  - name: app\n    repository: {repository}\n{extra}"


@pytest.mark.parametrize(
    ("config", "extras"),
    [
        (image("ghcr.io/acme/app") + ENVIRONMENTS, []),
        (image("ghcr.io/acme/app", "    verify:\n      keys: [{env: COSIGN_KEY}]\n") + ENVIRONMENTS, []),
        (image("ghcr.io/acme/app", f"    verify:\n      keyless: {KEYLESS}\n") + ENVIRONMENTS, ["keyless"]),
        (
            image("ghcr.io/acme/app")
            + "environments:\n  - name: dev\n    path: overlays/dev\n"
            + f"    verify:\n      app:\n        keyless: {KEYLESS}\n",
            ["keyless"],
        ),
        (image(f"{ECR}/app") + ENVIRONMENTS, ["aws"]),
        (image("europe-docker.pkg.dev/acme/images/app") + ENVIRONMENTS, ["gcp"]),
        (
            image("registry.acme.internal/app")
            + ENVIRONMENTS
            + "registries:\n  registry.acme.internal:\n    auth: gcp\n",
            ["gcp"],
        ),
        # a user name and password, or docker's own login, and the cloud's library is not asked
        (image(f"{ECR}/app") + ENVIRONMENTS + f"registries:\n  {ECR}:\n    auth: docker\n", []),
        (
            image(f"{ECR}/app")
            + ENVIRONMENTS
            + f"registries:\n  {ECR}:\n    username_env: ECR_USER\n    password_env: ECR_PASSWORD\n",
            [],
        ),
        # azure's login is our own client: nothing to install
        (image("acme.azurecr.io/app") + ENVIRONMENTS, []),
        (
            image(f"{ECR}/app", f"    verify:\n      keyless: {KEYLESS}\n")
            + ENVIRONMENTS
            + "charts:\n  - name: podinfo\n    repository: oci://us-docker.pkg.dev/acme/charts\n",
            ["keyless", "aws", "gcp"],
        ),
    ],
)
def test_the_extras_are_those_the_config_needs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    config: str,
    extras: list[str],
) -> None:
    (tmp_path / "gitops-bot.yaml").write_text(config)
    monkeypatch.setenv("INPUT_REPO", str(tmp_path))
    monkeypatch.delenv("INPUT_CONFIG", raising=False)
    assert action.main(["--extras"]) == 0
    assert capsys.readouterr() == ("".join(f"{e}\n" for e in extras), "")


def test_the_config_input_names_the_file_inside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/bot.yaml").write_text(image(f"{ECR}/app") + ENVIRONMENTS)
    (tmp_path / "gitops-bot.yaml").write_text(image("ghcr.io/acme/app") + ENVIRONMENTS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INPUT_CONFIG", "deploy/bot.yaml")
    monkeypatch.delenv("INPUT_REPO", raising=False)  # the default: the workspace
    assert action.main(["--extras"]) == 0
    assert capsys.readouterr().out == "aws\n"


@pytest.mark.parametrize(
    "config",
    [
        None,  # no gitops-bot.yaml at all
        "version: 1\nimages: [\n",  # not YAML
        image(f"{ECR}/app", "    verify:\n      keyless: {issuer: x}\n") + ENVIRONMENTS,  # no trusted_root
        image(f"{ECR}/app") + "environments: nope\n",
    ],
)
def test_a_config_that_cannot_be_read_needs_nothing_and_says_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config: str | None
) -> None:
    if config is not None:
        (tmp_path / "gitops-bot.yaml").write_text(config)
    monkeypatch.setenv("INPUT_REPO", str(tmp_path))
    monkeypatch.delenv("INPUT_CONFIG", raising=False)
    assert action.main(["--extras"]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_repository_read_only_after_the_fetch_gets_every_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INPUT_REPO", "https://github.com/acme/gitops.git")
    assert action.main(["--extras"]) == 0
    assert capsys.readouterr().out.split() == list(action.EXTRAS) == ["keyless", "aws", "gcp", "http2"]


def test_a_registry_only_an_environment_s_files_name_is_read_with_its_cloud_s_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A promotion reads the build where its source environment runs it: an overlay whose
    newName is ECR needs the aws extra though the config names another registry."""
    config = image("ghcr.io/acme/app") + ENVIRONMENTS + "  - name: prod\n    path: overlays/prod\n"
    config += "    promote_from: dev\n"
    (tmp_path / "gitops-bot.yaml").write_text(config)
    for env, where in (("dev", f"{ECR}/app"), ("prod", "ghcr.io/acme/app")):
        (tmp_path / "overlays" / env).mkdir(parents=True)
        (tmp_path / "overlays" / env / "kustomization.yaml").write_text(
            f"images:\n- name: app\n  newName: {where}\n  newTag: 1.0.0\n"
        )
    monkeypatch.setenv("INPUT_REPO", str(tmp_path))
    monkeypatch.delenv("INPUT_CONFIG", raising=False)
    assert action.main(["--extras"]) == 0
    assert capsys.readouterr() == ("aws\n", "")


def test_a_registry_that_sets_http2_needs_the_http2_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = image("ghcr.io/acme/app") + ENVIRONMENTS + "registries:\n  ghcr.io:\n    http2: true\n"
    (tmp_path / "gitops-bot.yaml").write_text(config)
    monkeypatch.setenv("INPUT_REPO", str(tmp_path))
    monkeypatch.delenv("INPUT_CONFIG", raising=False)
    assert action.main(["--extras"]) == 0
    assert capsys.readouterr().out == "http2\n"
