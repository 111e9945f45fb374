"""init's head line where the environments pin nothing it could read: "nothing to release"
only when nothing was left unread; where lines name what was not read (a chart version an
ApplicationSet's git files generator sets), those may be the pins, and the head says so."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.commands import init
from gitops_bot.engine import discovery
from gitops_bot.engine.candidates import FoundEnvironment

ENVS = (FoundEnvironment("dev", ("envs/dev",), ("",)), FoundEnvironment("prod", ("envs/prod",), ("",)))
UNREAD = (
    "argocd/appsets/external-secrets.yaml: Argo CD ApplicationSet external-secrets renders a chart, not read: "
    "its git generator reads files' contents, which this reader does not expand"
)


def test_environments_with_pins_not_read_are_not_said_to_have_nothing_to_release(tmp_path: Path) -> None:
    error = init._nothing_to_release(tmp_path, discovery.Discovery(ENVS, (), "", (UNREAD,)))
    assert "nothing for gitops-bot to release" not in str(error), str(error)
    assert str(error).startswith(
        f"found environments dev (envs/dev), prod (envs/prod) in {tmp_path} but read no image or chart they pin: "
        f"1 part not read may pin them; not read: {UNREAD}"
    ), str(error)


def test_environments_with_nothing_unread_have_nothing_to_release(tmp_path: Path) -> None:
    error = init._nothing_to_release(tmp_path, discovery.Discovery(ENVS, (), "", ()))
    assert str(error).startswith(
        f"found environments dev (envs/dev), prod (envs/prod) in {tmp_path} but no image or chart they pin: nothing for "
        "gitops-bot to release here"
    ), str(error)


def test_the_environments_are_named_with_their_paths(tmp_path: Path) -> None:
    """The hint sends the person to write the configuration by hand, where each environment
    needs its path: the line says each name with its path (Smiley73/google-next-2020-gitops-demo:
    `eunomia-cr (templates/eunomia-cr)`), the first of several with how many more."""
    envs = (*ENVS, FoundEnvironment("staging", ("apps/staging", "infra/staging", "db/staging"), ("", "", "")))
    error = str(init._nothing_to_release(tmp_path, discovery.Discovery(envs, (), "", ())))
    assert error.startswith(
        "found environments dev (envs/dev), prod (envs/prod), staging (apps/staging and 2 more) in "
    ), error
