"""The ``jwt:`` of a webhook source in gitops-bot.yaml: Google's issuer and key set filled in
for a Pub/Sub push (gar), the operator's own for an EventBridge OAuth connection (ecr) and
Event Grid's Entra ID (acr); mistakes named with their line."""

from __future__ import annotations

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from gitops_bot.events.settings import GOOGLE_ISSUER, GOOGLE_JWKS, JwtSettings

MINIMAL_CONFIG = """
images:
  - name: app
    repository: ghcr.io/acme/app
environments:
  - name: dev
    path: overlays/dev
webhooks:
  sources:
"""


def sources(text: str) -> dict[str, tuple[str | None, JwtSettings | None]]:
    cfg = config.parse(MINIMAL_CONFIG + text, "gitops-bot.yaml")
    return {s.name: (s.token_env, s.jwt) for s in cfg.webhooks.sources}


def test_jwt_sources_read_with_googles_defaults_for_gar() -> None:
    read = sources(
        "    gar:\n      jwt:\n        audience: https://bot.example.com/webhook/gar\n"
        "        email: push@p.iam.gserviceaccount.com\n"
        "    gar2:\n      type: gar\n      token_env: T\n      jwt:\n        audience: a\n"
        "        email: e@p.iam.gserviceaccount.com\n        jwks_url: http://127.0.0.1:8081/certs\n"
        "    ecr:\n      jwt:\n        audience: https://bot.example.com/webhook/ecr\n"
        "        issuer: https://auth.example.com/\n        jwks_url: https://auth.example.com/jwks.json\n"
        "    acr:\n      token_env: T\n",
    )
    assert read["gar"] == (
        None,
        JwtSettings(
            "https://bot.example.com/webhook/gar",
            GOOGLE_ISSUER,
            GOOGLE_JWKS,
            "push@p.iam.gserviceaccount.com",
        ),
    )
    assert read["gar2"] == (
        "T",
        JwtSettings("a", GOOGLE_ISSUER, "http://127.0.0.1:8081/certs", "e@p.iam.gserviceaccount.com"),
    )
    assert read["ecr"] == (
        None,
        JwtSettings(
            "https://bot.example.com/webhook/ecr",
            "https://auth.example.com/",
            "https://auth.example.com/jwks.json",
        ),
    )
    assert read["acr"] == ("T", None)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("    gar:\n      jwt:\n        audience: a\n", "jwt needs email"),
        ("    ecr:\n      jwt:\n        audience: a\n", "jwt needs issuer and jwks_url"),
        ("    acr:\n      jwt:\n        issuer: https://sts.windows.net/t/\n", "audience"),
        ("    gh:\n      type: github\n      secret_env: S\n      jwt:\n        audience: a\n", "jwt is for"),
        ("    ecr:\n      secret_env: S\n      jwt:\n        audience: a\n", "not secret_env"),
        ("    gar:\n      type: gar\n", "token_env, jwt"),
        (
            "    ecr:\n      jwt:\n        audience: a\n        issuer: i\n        jwks_url: http://auth.example.com/k\n",
            "jwks_url must be an https URL",
        ),
    ],
)
def test_jwt_mistakes_are_named(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        config.parse(MINIMAL_CONFIG + text, "gitops-bot.yaml")
