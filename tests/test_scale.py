"""Issue 17: the config read with the fast composer, history read in one pass."""

from __future__ import annotations

import time

import pytest
from ruamel.yaml import YAML

from gitops_bot import config
from gitops_bot.errors import ConfigError

ENVS = "environments:\n  - name: dev\n    path: overlays/dev\n"


def _images(n: int) -> str:
    return "images:\n" + "".join(f"  - name: app{i}\n    repository: r.io/team/app{i}\n" for i in range(n))


def test_config_parses_several_times_faster_than_the_round_trip_loader() -> None:
    text = f"version: 1\n{_images(300)}{ENVS}"
    t0 = time.perf_counter()
    YAML(typ="rt").load(text)
    round_trip = time.perf_counter() - t0
    t0 = time.perf_counter()
    cfg = config.parse(text, "gitops-bot.yaml")
    ours = time.perf_counter() - t0
    assert len(cfg.images) == 300
    assert ours < round_trip  # the whole parse, validation included, under the loader alone


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (f"images: []\n{ENVS}images: []\n", 5, "duplicate key 'images'"),
        ("images:\n  - name: a\n    prerelease: yes\n" + ENVS, 3, "must be bool, got the string 'yes'"),
        ("images:\n  - name: a\n    range: [1\n" + ENVS, 4, "not valid YAML"),
        ("images:\n  - name: a\n    ? [x]\n    : 1\n" + ENVS, 3, "a key must be a plain value"),
    ],
)
def test_config_yaml_errors_keep_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse(text, "gitops-bot.yaml")
    assert info.value.line == line
    assert str(info.value).startswith(f"gitops-bot.yaml:{line}: ")
    assert words in str(info.value)


def test_config_reads_anchors_merge_keys_explicit_tags_and_yaml_1_2_scalars() -> None:
    text = (
        "version: 1\nimages:\n"
        "  - &base {name: a, repository: r.io/t/a, policy: semver, range: !!str 1.2}\n"
        "  - <<: *base\n    name: b\n    repository: r.io/t/b\n"
        "  - {name: c, policy: digest, tag: '3141e59', platform: linux/arm64}\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n"
        "github:\n  write_interval: 0x2\n"
    )
    cfg = config.parse(text, "gitops-bot.yaml")
    b = cfg.image("b")
    assert b is not None and b.policy.range == "1.2" and str(b.repository) == "r.io/t/b"
    assert b.line == 4
    with pytest.raises(ConfigError, match=r"'tag' in image 'c' must be str, got the number 3\.141e\+62"):
        config.parse(text.replace("'3141e59'", "3141e59"), "gitops-bot.yaml")
    assert cfg.github.write_interval == 2.0
