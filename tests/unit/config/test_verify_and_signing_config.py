"""The verify: policy and git signing in gitops-bot.yaml: verification applies per environment
with per-image overrides, and a bad verify or signing section is one line with its line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.config import parse
from gitops_bot.core.errors import ConfigError

BASE = """version: 1
images:
  - name: app
    repository: ghcr.io/acme/app
{verify}
environments:
  - name: dev
    path: overlays/dev
  - name: prod
    path: overlays/prod
{env_verify}
"""


def config(verify: str = "", env_verify: str = "") -> str:
    return BASE.format(verify=verify, env_verify=env_verify)


def test_verify_config_applies_per_environment_with_overrides() -> None:
    cfg = parse(
        config(
            "    verify:\n      keys: [{file: k.pub}]\n      environments: [prod]",
            "    verify:\n      app: false",
        ),
        "gitops-bot.yaml",
    )
    assert cfg.verification("app", "dev") is None
    assert cfg.verification("app", "prod") is None  # prod's override turns it off
    cfg = parse(
        config("    verify:\n      keys: [{file: k.pub}, {env: KEY_PEM}]\n      environments: [prod]"),
        "x.yaml",
    )
    spec = cfg.verification("app", "prod")
    assert spec is not None and [k.label for k in spec.keys] == ["k.pub", "$KEY_PEM"]
    keyless = "    verify:\n      keyless: {trusted_root: root.json, issuer: https://i, identity_regexp: 'https://github.com/acme/.*'}"
    spec = parse(config(keyless), "x.yaml").verification("app", "dev")
    assert spec is not None and spec.keyless is not None and spec.keyless.identity_regexp


@pytest.mark.parametrize(
    ("verify", "message"),
    [
        ("    verify: {}", "needs 'keys' or 'keyless'"),
        ("    verify:\n      keys: [{file: a, env: B}]", "exactly one of 'file' or 'env'"),
        ("    verify:\n      keys: [{env: 'not a var'}]", "must name an environment variable"),
        (
            "    verify:\n      keyless: {trusted_root: r, issuer: i}",
            "exactly one of 'identity' or 'identity_regexp'",
        ),
        (
            "    verify:\n      keyless: {trusted_root: r, issuer: i, identity_regexp: '('}",
            "invalid regular expression",
        ),
        ("    verify:\n      keys: [{file: k}]\n      environments: [qa]", "names environment 'qa'"),
        ("    verify:\n      key: [{file: k}]", "did you mean 'keys'"),
    ],
)
def test_bad_verify_config_is_one_line_with_the_line_number(verify: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as exc:
        parse(config(verify), "gitops-bot.yaml")
    assert str(exc.value).startswith("gitops-bot.yaml:")


@pytest.mark.parametrize(
    ("signing", "message"),
    [
        ("{method: ssh}", "exactly one of key_file or key_env"),
        ("{method: pgp, key_file: k}", "must be ssh, gpg or github-api"),
        ("{method: github-api, key_env: K}", "takes no key"),
        ("{method: gpg, key_env: 'a b'}", "must name an environment variable"),
    ],
)
def test_bad_git_signing_config(signing: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(config() + f"git:\n  signing: {signing}\n", "gitops-bot.yaml")


def test_git_signing_config(tmp_path: Path) -> None:
    cfg = parse(config() + "git:\n  signing: {method: ssh, key_env: BOT_SSH_KEY}\n", "x.yaml")
    assert cfg.git.signing is not None and (cfg.git.signing.method, cfg.git.signing.key_env) == (
        "ssh",
        "BOT_SSH_KEY",
    )
