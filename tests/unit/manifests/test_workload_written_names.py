"""A container whose image is no repository (a placeholder such as ``IMAGE_PATH``, a name with
capitals) is matched by set-image as kustomize's ``images:`` name match does: by the name as
written before its ``:tag``/``@digest``, and said on stderr in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.cli import main

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        image: %s
      - name: other
        image: IMAGE_PATHS
"""


@pytest.mark.parametrize(
    ("written", "arg", "after"),
    [
        ("IMAGE_PATH", "IMAGE_PATH:9.9.9", "IMAGE_PATH:9.9.9"),
        ("IMAGE_PATH", "IMAGE_PATH=registry.example/app:2.0", "registry.example/app:2.0"),
        ("MyOrg/App:5", "MyOrg/App:6", "MyOrg/App:6"),
        (
            "MyOrg/App:5@sha256:" + "12" * 32,
            "MyOrg/App@sha256:" + "ab" * 32,
            "MyOrg/App:5@sha256:" + "ab" * 32,
        ),
    ],
)
def test_a_container_is_matched_by_the_name_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, arg: str, after: str
) -> None:
    target = tmp_path / "deployment.yaml"
    target.write_text(DEPLOYMENT % written)
    code = main(["set-image", "--file", str(target), arg])
    err = capsys.readouterr().err
    assert code == 0, err
    assert target.read_text() == DEPLOYMENT % after
    warnings = [line for line in err.splitlines() if "image_name_kept_as_written" in line]
    assert len(warnings) == 1 and "Traceback" not in err


def test_the_written_name_must_match_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "deployment.yaml"
    target.write_text(DEPLOYMENT % "IMAGE_PATH_X")
    assert main(["set-image", "--file", str(target), "IMAGE_PAT:1"]) == 2
    err = capsys.readouterr().err
    assert "no image IMAGE_PAT found" in err and err.count("gitops-bot: error") == 1
    assert target.read_text() == DEPLOYMENT % "IMAGE_PATH_X"


def test_a_rename_between_two_written_names_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "deployment.yaml"
    target.write_text(DEPLOYMENT % "IMAGE_PATH")
    assert main(["set-image", "--file", str(target), "IMAGE_PATH=registry.example/IMAGE_PATH:2.0"]) == 0
    err = capsys.readouterr().err
    assert target.read_text() == DEPLOYMENT % "registry.example/IMAGE_PATH:2.0"
    lines = [line for line in err.splitlines() if "image_name_kept_as_written" in line]
    assert len(lines) == 1 and "'IMAGE_PATH'" in lines[0] and "'registry.example/IMAGE_PATH'" in lines[0]
