"""A docker credential helper's answer (docker-credential-ecr-login, -gcloud, -acr-env: each
asks its cloud and prints what it got) and docker's config.json are read as any outside
answer: JSON nested past the bound, bytes that are not UTF-8, fields of the wrong type are
one UsageError line naming the helper or the file, never a traceback, and the run never
holds a credential that is not a string."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.config import RegistryConfig
from gitops_bot.core.errors import UsageError
from gitops_bot.registry.credentials import lookup
from testkit.docker_config import docker_config, helper

HOST = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

ANSWERS = {
    "json nested 100,000 deep": "python3 -c 'print(\"[\" * 100000)'",
    "not utf-8": 'printf \'{"Username": "AWS", "Secret": "\\377\\376"}\'',
    "a secret that is a number": 'echo \'{"Username": "AWS", "Secret": 1e400}\'',
    "a user that is a list": 'echo \'{"Username": ["AWS"], "Secret": "s3cr3t-value"}\'',
    "not an object": 'echo \'["AWS", "s3cr3t-value"]\'',
}


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_a_helper_answering_what_is_not_its_json_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    helper(tmp_path, "ecr-login", ANSWERS[answer] + "\n", monkeypatch)
    cfg = docker_config(tmp_path, {"credHelpers": {HOST: "ecr-login"}})
    with pytest.raises(
        UsageError, match="docker-credential-ecr-login printed something that is not its JSON"
    ):
        lookup(RegistryConfig(host=HOST), env={}, docker_config=cfg)


def test_a_docker_config_nested_too_deep_is_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text('{"auths": ' + "[" * 100_000)
    with pytest.raises(UsageError, match="cannot read docker config"):
        lookup(RegistryConfig(host=HOST), env={}, docker_config=cfg)


def test_a_well_formed_answer_is_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper(
        tmp_path,
        "ecr-login",
        "echo '" + json.dumps({"Username": "AWS", "Secret": "s3cr3t"}) + "'\n",
        monkeypatch,
    )
    cfg = docker_config(tmp_path, {"credHelpers": {HOST: "ecr-login"}})
    cred = lookup(RegistryConfig(host=HOST), env={}, docker_config=cfg)
    assert cred is not None and (cred.username, cred.password) == ("AWS", "s3cr3t")
