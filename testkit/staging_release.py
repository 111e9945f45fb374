"""What the next-step unit tests decide on: a change of staging's example/app from 1.0.0 to
1.1.0 (each pinned by digest), for the reason a test gives, and staging's settings, its pull
requests asking for auto-merge."""

from __future__ import annotations

from typing import Any

from gitops_bot.config import EnvironmentConfig
from gitops_bot.config.settings import GitConfig, PullRequestConfig
from gitops_bot.config.windows import WindowsConfig
from gitops_bot.core.outside import Outside
from gitops_bot.release.next_step import Settings
from gitops_bot.release.proposal import Change

TO_DIGEST = "sha256:" + "b" * 64


def change(reason: str = "1.1.0 is the newest", **kw: Any) -> Change:
    """staging's example/app 1.0.0 -> 1.1.0 because of ``reason``; ``kw``: the change's other
    fields (a wait, sightings)."""
    return Change(
        "staging",
        "example/app",
        "registry.example/app",
        ("overlays/staging/kustomization.yaml",),
        "1.0.0",
        "sha256:" + "a" * 64,
        "1.1.0",
        TO_DIGEST,
        Outside(reason),
        **kw,
    )


def settings(windows: WindowsConfig | None = None) -> Settings:
    """staging's (its deployment ``windows``, if any) with auto-merge by squash."""
    env = EnvironmentConfig("staging", ("overlays/staging",), windows=windows)
    return Settings(env, GitConfig(), PullRequestConfig(auto_merge="squash"))
