"""``gitops-bot init --registry`` on tag families the pins alone misread, against the real
registry: the guessed policy chooses within the family, and a guess the registry's tags
contradict is said with what they suggest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_bot import cli
from gitops_bot.output.as_json import document
from testkit.local_git import write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app}}\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: app\n        image: {image}\n"
)


def _checked(tmp_path: Path, registry: RegistryProcess, ns: str, tags: tuple[str, ...], pin: str) -> str:
    """The one registry check line of ``init --registry`` on an overlay pinning ``pin`` of an
    image the registry serves under ``tags``."""
    pusher = Pusher.to(registry.url)
    try:
        for tag in tags:
            pusher.image(f"{ns}/app", tag, salt=f"{ns}-{tag}")
    finally:
        pusher.close()
    image = f"{registry.host}/{ns}/app"
    repo = write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY.format(image=f"{image}:{pin}"),
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    doc: dict[str, Any] | None = document(
        cli.execute(["init", "--repo", str(repo), "--registry", "--output", "json"])
    )
    assert doc is not None
    (check,) = doc["init"]["checks"]
    return str(check)


def test_a_prefixed_version_chooses_by_every_number(tmp_path: Path, registry: RegistryProcess) -> None:
    """nori-9.2.1's guess ordered by its first number: the registry's nori-9.10.2 lost to 9.3.0."""
    tags = ("nori-9.2.1", "nori-9.3.0", "nori-9.10.2", "nori-10.0.0", "other-9.11.0")
    check = _checked(tmp_path, registry, "family1", tags, "nori-9.2.1")
    assert "would choose nori-9.10.2 (pinned today: nori-9.2.1)" in check, check
    assert "contradict" not in check and "not among" not in check, check


def test_a_guess_the_registrys_tags_contradict_is_said_with_what_they_suggest(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    """A pin the registry does not list, and a policy none of its tags fits, read as 'would
    choose no tag' and nothing more."""
    check = _checked(tmp_path, registry, "family2", ("2.3.0", "2.4.1"), "r23-b7")
    assert "pinned r23-b7 is not among the tags the registry lists" in check, check
    assert "the registry's tags contradict the guess; they suggest policy: semver" in check, check
