"""The ``argocd:`` section: the Argo CD server whose Applications gate the environments that
name one (:mod:`gitops_bot.gate.argocd` asks it). Only a file that writes it loads this module
(:mod:`gitops_bot.config` imports it by name), and with it the gates' settings."""

from __future__ import annotations

from gitops_bot.config.kinds import section_of
from gitops_bot.gate.settings import ArgoCDConfig

ARGOCD = section_of(
    ArgoCDConfig,
    lambda v: ArgoCDConfig(
        server=v["server"].rstrip("/") if v["server"] else None,
        token_env=v["token_env"],
        insecure=v["insecure"],
        app_namespace=v["app_namespace"],
    ),
    name="argocd",
    description="The Argo CD API the promotion gate, soak and automatic rollback ask.",
)
