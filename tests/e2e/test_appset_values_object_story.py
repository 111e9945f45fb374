"""An ApplicationSet whose list elements fill the template's own Helm values
(``helm.valuesObject: {image: {tag: '{{tag}}'}}`` on GitHub, the same values written as a
``helm.values`` string on GitLab), through the CLI: each
environment's pin is its element's line, ``update --dry-run`` shows the real helm render of its
generated Application changing, and ``update`` writes that one line in place (dev by a commit,
prod by a change request), the other element and every other byte left as they were. A second
run changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.appset_elements import OBJECT, VALUES
from testkit.forge_story import run
from testkit.helm_story import checkout, helm_stories
from testkit.registry_process import RegistryProcess

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FILES = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": "image:\n  repository: {app}\n  tag: 0.9.0\n",
    "chart/templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
""",
}
ENVS = """  - name: dev
    path: appset.yaml
    write: commit
  - name: prod
    path: appset.yaml
"""


@pytest.mark.parametrize(("kind", "form"), [("github", OBJECT), ("gitlab", VALUES)], ids=["github", "gitlab"])
def test_a_values_object_list_element_is_released_in_place(
    kind: str,
    form: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    appset = form.replace("tag: 2.0.0", "tag: 1.0.0")
    for story in helm_stories(kind, tmp_path, registry, monkeypatch, {**FILES, "appset.yaml": appset}, ENVS):
        story.push("app", "1.1.0")
        capsys.readouterr()
        assert main(["plan", "--repo", str(checkout(story)), "--output", "json"]) == 0
        plan = json.loads(capsys.readouterr().out)
        for env, line in (("dev", 10), ("prod", 12)):
            (reading,) = [r for r in plan["reading"] if r["environment"] == env]
            assert reading["status"] == "pinned", reading
            assert [(p["file"], p["line"]) for p in reading["pins"] if p["effective"]] == [
                ("appset.yaml", line)
            ]

        before = story.files()
        dry = run(capsys, story, T0, "update", "--dry-run")
        assert story.files() == before and story.open_requests() == [], dry
        for result in dry["results"]:
            (image,) = result["images"]
            assert image["files"] == ["appset.yaml"], result
            (changed,) = result["rendered"][0]["images"]  # helm's render of its generated Application
            assert (changed["before"].rpartition(":")[2], changed["after"].rpartition(":")[2]) == (
                "1.0.0",
                "1.1.0",
            )

        run(capsys, story, T0, "update")
        # dev's element by a commit, prod's by a change request: each one line, byte-exact
        main_text = story.files()["appset.yaml"].decode()
        assert main_text == appset.replace("tag: 1.0.0   # dev's", "tag: 1.1.0   # dev's")
        (request,) = story.open_requests()
        assert story.files(request["head"])["appset.yaml"].decode() == main_text.replace(
            'tag: "1.0.0"', 'tag: "1.1.0"'
        )

        again = story.files()
        run(capsys, story, T0, "update")
        assert story.files() == again and story.open_requests() == [request]
