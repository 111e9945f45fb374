"""Which reading set-image takes for an argument that could name a Flux policy or an image, and
that it says so on stderr (one line, the reading taken)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.core.errors import UsageError
from gitops_bot.manifests import setimage

MARKED = """images:
- name: app
  newTag: 1.0.0 # {"$imagepolicy": "flux-system:app:tag"}
"""
UNMARKED_TOO = """images:
- name: app
  newTag: 1.0.0
- name: ghcr.io/acme/app
  newTag: 4.2.0 # {"$imagepolicy": "flux-system:app:tag"}
"""


def _run(tmp_path: Path, text: str, arg: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    target = tmp_path / "kustomization.yaml"
    target.write_text(text)
    assert main(["set-image", "--file", str(target), arg]) == 0
    return target.read_text(), capsys.readouterr().err


def test_a_bare_policy_marking_the_entry_of_its_name_is_read_as_the_policy_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, err = _run(tmp_path, MARKED, "app:2.0.0", capsys)
    assert text == MARKED.replace("1.0.0", "2.0.0")
    assert "'app' read as Flux policy flux-system:app" in err


def test_a_bare_policy_that_is_also_an_unmarked_entry_is_read_as_the_entry_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, err = _run(tmp_path, UNMARKED_TOO, "app:2.0.0", capsys)
    assert text == UNMARKED_TOO.replace("1.0.0", "2.0.0")
    assert "read as the images: entry (kustomize's reading)" in err
    assert "write flux-system:app:TAG" in err


def test_namespace_and_policy_reach_the_policy_beside_an_entry_of_the_same_policy_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, err = _run(tmp_path, UNMARKED_TOO, "flux-system:app:5.0.0", capsys)
    assert text == UNMARKED_TOO.replace("4.2.0", "5.0.0")
    assert "Traceback" not in err


def test_an_argument_naming_no_policy_is_kustomizes_reading_without_a_note() -> None:
    r = setimage.read_arg("ghcr.io/acme/app:2", {"flux-system:app"}, {"ghcr.io/acme/app": set()})
    assert r.setter is None and r.note is None and r.edit.name == "ghcr.io/acme/app"


def test_a_policy_of_two_namespaces_is_refused_naming_both() -> None:
    with pytest.raises(UsageError, match="staging:app"):
        setimage.read_arg("app=*:2", {"staging:app", "production:app"})
    r = setimage.read_arg("staging:app=*:2", {"staging:app", "production:app"})
    assert r.setter == "staging:app" and r.edit.new_tag == "2"
