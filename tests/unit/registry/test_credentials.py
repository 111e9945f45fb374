from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import redact
from gitops_bot.registry.credentials import lookup
from testkit.docker_config import docker_config, helper


def test_auths_entry_base64(tmp_path: Path) -> None:
    auth = base64.b64encode(b"carol:pa55word").decode()
    cfg = docker_config(tmp_path, {"auths": {"https://registry.example.com": {"auth": auth}}})
    cred = lookup(RegistryConfig(host="registry.example.com"), env={}, docker_config=cfg)
    assert cred is not None and (cred.username, cred.password) == ("carol", "pa55word")
    assert "pa55word" not in repr(cred)
    assert redact("login with pa55word failed") == "login with *** failed"


def test_docker_hub_key_maps_to_registry_host(tmp_path: Path) -> None:
    auth = base64.b64encode(b"dave:hub-secret").decode()
    cfg = docker_config(tmp_path, {"auths": {"https://index.docker.io/v1/": {"auth": auth}}})
    cred = lookup(RegistryConfig(host="registry-1.docker.io"), env={}, docker_config=cfg)
    assert cred is not None and cred.username == "dave"


def test_identitytoken(tmp_path: Path) -> None:
    cfg = docker_config(tmp_path, {"auths": {"myacr.azurecr.io": {"identitytoken": "eyJidentity"}}})
    cred = lookup(RegistryConfig(host="myacr.azurecr.io"), env={}, docker_config=cfg)
    assert cred is not None and cred.identity_token == "eyJidentity" and cred.username is None


def test_cred_helper_for_host_is_run_with_server_on_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper(
        tmp_path,
        "ecr-login",
        'read server; [ "$1" = get ] && echo "{\\"ServerURL\\":\\"$server\\",\\"Username\\":\\"AWS\\",\\"Secret\\":\\"ecr-$server\\"}"\n',
        monkeypatch,
    )
    host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    cfg = docker_config(tmp_path, {"credHelpers": {host: "ecr-login"}, "auths": {host: {"auth": "eDp5"}}})
    cred = lookup(RegistryConfig(host=host), env={}, docker_config=cfg)
    assert cred is not None and (cred.username, cred.password) == ("AWS", f"ecr-{host}")
    assert cred.source == "helper ecr-login"


def test_creds_store_token_username_means_identity_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper(
        tmp_path,
        "desktop",
        'echo "{\\"Username\\":\\"<token>\\",\\"Secret\\":\\"refresh-xyz\\"}"\n',
        monkeypatch,
    )
    cfg = docker_config(tmp_path, {"credsStore": "desktop"})
    cred = lookup(RegistryConfig(host="gcr.io"), env={}, docker_config=cfg)
    assert cred is not None and cred.identity_token == "refresh-xyz"


def test_creds_store_not_found_falls_back_to_anonymous(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper(tmp_path, "pass", 'echo "credentials not found in native keychain"; exit 1\n', monkeypatch)
    cfg = docker_config(tmp_path, {"credsStore": "pass"})
    assert lookup(RegistryConfig(host="quay.io"), env={}, docker_config=cfg) is None


def test_missing_helper_is_a_clear_usage_error(tmp_path: Path) -> None:
    cfg = docker_config(tmp_path, {"credHelpers": {"gcr.io": "gcloud-missing"}})
    with pytest.raises(UsageError, match="docker-credential-gcloud-missing is not installed"):
        lookup(RegistryConfig(host="gcr.io"), env={}, docker_config=cfg)


def test_env_credentials_named_in_config_win(tmp_path: Path) -> None:
    cfg = RegistryConfig(host="r.example", username_env="R_USER", password_env="R_PASS")
    cred = lookup(cfg, env={"R_USER": "ci", "R_PASS": "from-env"}, docker_config=tmp_path / "none.json")
    assert cred is not None and cred.password == "from-env"
    with pytest.raises(UsageError, match="environment variable R_PASS is not set"):
        lookup(cfg, env={"R_USER": "ci"}, docker_config=tmp_path / "none.json")


def test_github_token_for_ghcr(tmp_path: Path) -> None:
    cred = lookup(
        RegistryConfig(host="ghcr.io"),
        env={"GITHUB_TOKEN": "ghs_abcdef123456"},
        docker_config=tmp_path / "none.json",
    )
    assert cred is not None and cred.password == "ghs_abcdef123456"
    assert (
        lookup(
            RegistryConfig(host="quay.io"),
            env={"GITHUB_TOKEN": "ghs_x"},
            docker_config=tmp_path / "none.json",
        )
        is None
    )


def test_redact_scrubs_auth_headers_and_url_passwords() -> None:
    text = "GET https://bot:supersecret@git.example/x Authorization: Bearer abc.def.ghijklmnop"
    out = redact(text)
    assert "supersecret" not in out and "abc.def.ghijklmnop" not in out
