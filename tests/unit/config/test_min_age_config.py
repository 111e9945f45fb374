"""``min_age`` in gitops-bot.yaml: per image, an environment default, the image winning, and
one clear line for a value that is not a duration."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from gitops_bot.release.planning import Target
from testkit.config_schema import schema_problems

TEXT = """
images:
  - name: app
    min_age: 1h30m
  - name: web
  - name: off
    min_age: 0
environments:
  - name: dev
    path: overlays/dev
  - name: production
    path: overlays/production
    min_age: 1d
"""


def parse(text: str) -> config.Config:
    return config.parse(textwrap.dedent(text).lstrip("\n"), "gitops-bot.yaml")


def rule(cfg: config.Config, env: str, image: str) -> timedelta | None:
    img = cfg.image(image)
    assert img is not None
    return Target(cfg.environment(env), img, "f", None).min_age


def test_image_min_age_wins_over_the_environment_default_and_zero_turns_it_off() -> None:
    cfg = parse(TEXT)
    assert rule(cfg, "dev", "app") == timedelta(hours=1, minutes=30)
    assert rule(cfg, "production", "app") == timedelta(hours=1, minutes=30)
    assert rule(cfg, "dev", "web") is None
    assert rule(cfg, "production", "web") == timedelta(days=1)
    assert rule(cfg, "production", "off") is None


def test_the_published_schema_accepts_the_same_min_age_forms() -> None:
    assert schema_problems(TEXT) == []


@pytest.mark.parametrize("value", ["2 hours", "1.5h", "h", "true", "5"])
def test_a_min_age_that_is_not_a_duration_is_one_clear_error(value: str) -> None:
    text = f"images:\n  - name: app\n    min_age: {value}\nenvironments: []\n"
    with pytest.raises(ConfigError) as info:
        parse(text)
    message = str(info.value)
    assert "min_age" in message and "30m, 2h, 1d or 1h30m" in message and ":3" in message
    assert schema_problems(text) != []
