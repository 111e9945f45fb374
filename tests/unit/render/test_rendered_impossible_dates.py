"""A scalar YAML 1.1's resolver reads as a timestamp but that names no day (``2024-02-30``,
``0000-00-00``, ``2023-13-01``) is a string to kubectl's and helm's Go YAML, which render it as
written: a ConfigMap's build date of that form stopped plan and init with a Python traceback
(PyYAML's constructor raised ValueError building the date, past every ``except YAMLError``)."""

from __future__ import annotations

import pytest

from gitops_bot.render import diff, helm_render
from gitops_bot.render.running import running

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: app, image: "ghcr.io/acme/app:%s"}]
"""
CONFIG_MAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: build
  annotations:
    built: %s
data:
  built: %s
"""


def _stream(date: str, tag: str = "1.0") -> str:
    return CONFIG_MAP % (date, date) + "---\n" + DEPLOYMENT % tag


@pytest.mark.parametrize("date", ["2024-02-30", "0000-00-00", "2023-13-01"])
def test_a_rendered_date_that_names_no_day_is_read_as_the_string_it_renders(date: str) -> None:
    stream = _stream(date)
    assert [r.image for r in running(stream)] == ["ghcr.io/acme/app:1.0"]
    objects = helm_render.objects(stream)
    assert [o["kind"] for o in objects] == ["ConfigMap", "Deployment"]
    assert objects[0]["data"] == {"built": date}
    got = diff.compare("dev", ".", stream, _stream(date, "1.1"))
    assert got.error is None and not got.other, got
    assert [(i.before, i.after) for i in got.images] == [("ghcr.io/acme/app:1.0", "ghcr.io/acme/app:1.1")]


def test_a_date_that_names_a_day_is_read_as_before() -> None:
    objects = helm_render.objects(_stream("2024-02-29"))
    assert str(objects[0]["data"]["built"]) == "2024-02-29"  # type: ignore[index]
