"""Large inputs take the fast paths: the config is read with libyaml's composer, the release
history in one pass over git's log."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import testkit.releases as releases_kit
from gitops_bot import config
from gitops_bot.core.errors import ConfigError
from gitops_bot.git import gitcli, gitlog
from gitops_bot.git.git import GitWorkspace
from gitops_bot.manifests import images
from gitops_bot.release import ledger as history

ENVS = "environments:\n  - name: dev\n    path: overlays/dev\n"


def _images(n: int) -> str:
    return "images:\n" + "".join(f"  - name: app{i}\n    repository: r.io/team/app{i}\n" for i in range(n))


def test_config_is_read_without_the_round_trip_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The config needs line numbers, not round-tripping: it goes through libyaml's composer,
    the one the editors use (its speed is measured in bench/plan_bench.py, never timed in a
    test), not PyYAML's pure-Python one, ~30x slower."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("gitops-bot.yaml was read with PyYAML's pure-Python composer")

    monkeypatch.setattr(yaml.SafeLoader, "__init__", refuse)
    cfg = config.parse(f"version: 1\n{_images(300)}{ENVS}", "gitops-bot.yaml")
    assert len(cfg.images) == 300


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


PROD = "overlays/prod/kustomization.yaml"


def _git_processes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    seen: list[list[str]] = []
    real = subprocess.Popen.__init__

    def counting(self: subprocess.Popen[bytes], args: Any, *a: Any, **kw: Any) -> None:
        if isinstance(args, list | tuple) and args and str(args[0]).endswith("git"):
            seen.append([str(x) for x in args])
        real(self, args, *a, **kw)

    monkeypatch.setattr(subprocess.Popen, "__init__", counting)
    return seen


def _subcommand(argv: list[str]) -> str:
    """git's subcommand, past the ``-c key=value`` settings every content-reading run starts with."""
    i = 1
    while argv[i] == "-c":
        i += 2
    return argv[i]


@pytest.mark.parametrize("releases", [3, 80])
def test_history_reads_every_release_with_the_same_few_git_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, releases: int
) -> None:
    remote = releases_kit.build_remote(tmp_path, releases)
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch("main", "gitops-bot")
        calls = _git_processes(monkeypatch)
        entries = history.read(ws, ws.base_ref, [PROD], [images.ImageSpec("app")])
    assert [e.images["app"].tag for e in entries] == [f"1.{r}.0" for r in reversed(range(releases))]
    assert entries[0].release == f"prod-{releases - 1:08x}" and entries[-1].release is None
    assert all(e.changed == ("app",) for e in entries)
    # log, ls-tree, rev-list --missing, one fetch, cat-file --batch: not one per commit or file
    assert [_subcommand(c) for c in calls] == [
        "log",
        "ls-tree",
        "rev-list",
        "fetch",
        "cat-file",
    ]


def test_history_of_a_partial_clone_fetches_missing_blobs_in_one_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = releases_kit.build_remote(tmp_path, 40)
    with GitWorkspace.open(f"file://{remote}", cache_dir=tmp_path / "cache") as ws:
        ws.fetch("main", "gitops-bot")
        paths = [PROD]
        missing = ws._missing("refs/remotes/origin/main", paths)
        assert len(missing) >= 40  # a real partial clone: the old kustomizations are not here yet
        calls = _git_processes(monkeypatch)
        entries = history.read(ws, "refs/remotes/origin/main", paths, [images.ImageSpec("app")])
        assert len(entries) == 40
        assert [c for c in calls if "fetch" in c] == [
            ["git", *gitcli.CONTENT_LOCAL, *gitlog._PREFETCH]
        ]  # one
        assert ws._missing("refs/remotes/origin/main", paths) == set()
