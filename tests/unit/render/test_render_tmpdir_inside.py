"""``TMPDIR`` set to a folder of the repository the bot reads (a CI job's ``$PWD/tmp``): the bot's
private directory, where a render copies the repository, is made outside the repository, so the
copy does not copy itself until its names pass the file system's bound (every render was
refused: ``cannot copy the repository: ... File name too long``). When no system temporary
directory outside it can be written, that is said once, with the fix."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.core import privdir
from gitops_bot.core.errors import UsageError
from gitops_bot.render import tools
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import kubectl
from testkit.local_git import write

DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0\n"
)


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A repository whose folder ``tmp`` is the process's TMPDIR, and a private directory of
    this test's own (the worker's is put back after)."""
    root = tmp_path / "repo"
    write(root, {"app/kustomization.yaml": "resources:\n- d.yaml\n", "app/d.yaml": DEPLOYMENT})
    (root / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root / "tmp"))
    monkeypatch.setattr(privdir, "_dir", None)
    monkeypatch.setattr(privdir, "_avoided", [], raising=False)
    monkeypatch.setattr(privdir, "_left", [], raising=False)
    yield root
    privdir.cleanup()


def test_a_render_with_tmpdir_inside_the_repository_renders(repository: Path) -> None:
    privdir.path()  # made inside before the render knows the repository (a signer's, a message's)
    ((before,), (after,)) = tools.render_kept(
        RenderSettings(kubectl=kubectl()), repository, ["app"], {"before": {}, "after": {}}, set()
    )
    assert isinstance(before, str) and "image: ghcr.io/acme/app:1.0" in before, before
    assert after == before
    assert not privdir.path().resolve().is_relative_to(repository.resolve()), privdir.path()


def test_no_temporary_directory_outside_the_repository_is_said_with_the_fix(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privdir, "_USUAL", (str(repository / "tmp"),))
    with pytest.raises(UsageError) as got:
        privdir.path(outside=repository)
    assert got.value.hint == "set TMPDIR to a directory outside the repository", got.value
    assert str(repository / "tmp") in str(got.value), got.value
