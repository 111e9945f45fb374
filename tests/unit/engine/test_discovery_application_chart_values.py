"""An Argo CD Application of a chart from a chart repository (app-template) whose images are in
its own Helm values (``helm.valuesObject``, or the ``helm.values`` text): Argo CD layers them over
the chart's, as Flux does a HelmRelease's ``spec.values``, so they are the image's pin, read by
its key paths and released in the Application's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.engine.discovery import discover
from testkit import in_process
from testkit.local_git import commit, git, write

# PixelJonas/home-ops components-apps/honcho/honcho-app.yaml (and 14 more Application files
# there): an Argo CD Application of a published chart (app-template) whose images are written in
# its `helm.values: |-` string (`controllers.honcho.containers.honcho.image: {repository:
# ghcr.io/plastic-labs/honcho, tag: v3.0.12}`); init names the chart's version and says nothing
# of the images (28 tags in that repository). The same values as `valuesObject` fare no better
VALUES_APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: honcho-app, namespace: openshift-gitops}}
spec:
  destination: {{namespace: honcho, server: "https://kubernetes.default.svc"}}
  source:
    chart: app-template
    repoURL: https://bjw-s-labs.github.io/helm-charts
    targetRevision: 5.0.1
    helm:
      {values}
        controllers:
          honcho:
            containers:
              honcho:
                image:
                  repository: ghcr.io/plastic-labs/honcho
                  tag: v3.0.12
"""


@pytest.mark.parametrize("values", ["values: |-", "valuesObject:"])
def test_an_image_in_an_application_s_inline_values_is_read(tmp_path: Path, values: str) -> None:
    application = VALUES_APPLICATION.format(values=values)
    found = discover(write(tmp_path, {"components-apps/honcho/honcho-app.yaml": application}))
    notes = "\n".join(found.notes + tuple(n for i in found.images for n in i.notes))
    assert [c.name for c in found.charts] == ["app-template"], notes
    (honcho,) = [i for i in found.images if i.name == "ghcr.io/plastic-labs/honcho"]
    assert dict(honcho.helm) == {
        "repository": "controllers.honcho.containers.honcho.image.repository",
        "tag": "controllers.honcho.containers.honcho.image.tag",
    }, notes


@pytest.mark.parametrize("values", ["values: |-", "valuesObject:"])
def test_the_first_plan_pins_it_at_the_application_s_line(tmp_path: Path, values: str) -> None:
    root = write(
        tmp_path / "repo",
        {"components-apps/honcho/honcho-app.yaml": VALUES_APPLICATION.format(values=values)},
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "init")
    done = in_process.run(["init", "--repo", str(root)], {})
    assert "ghcr.io/plastic-labs/honcho  v3.0.12" in done.out, done.out
    assert "pinned at components-apps/honcho/honcho-app.yaml:18" in done.out, done.out
