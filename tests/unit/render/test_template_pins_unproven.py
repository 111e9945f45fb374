"""A chart template's literal image line whose proving render (helm over the marked copy of the
tree) fails while the reading's own render passed (a deadline under load, most often): the image
stays said as the rules say it, with why the proof failed and the fix, never silently
"unsupported" with a fix to restructure a chart that is fine (barkardk/gitops-demo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot import cli
from testkit.kubetools import helm
from testkit.local_git import committed


def _init(root: Path, files: dict[str, str]) -> object:
    return cli.execute(["init", "--repo", str(committed(root, files))]).body


_POD = """apiVersion: v1
kind: Pod
metadata:
  name: {{ .Values.admin }}
spec:
  containers:
    - image: gcr.io/google.com/cloudsdktool/cloud-sdk:slim
      name: {{ .Values.admin }}
"""


def test_a_marked_render_helm_does_not_finish_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sec-mgmt/kubernetes/demo-secrets/templates/pod.yaml:9 writes cloud-sdk:slim whole; the
    Makefile renders the chart. Under load (2 cores, six agents) one init in nine printed it
    `unsupported: written whole in a chart template … (fix: take the image from the chart's
    values …)` with no note, the next run `pinned at …pod.yaml:9`: the marked render (the second
    helm run, over a copy of the tree) ran past render.timeout, and render/template_pins._render
    drops its failure (`helm's refusal is the reading's to say`, but the reading's own render had
    passed). Reproduced with a helm that is slow only over the copy; here one that fails there.
    Alone in a repository, init then exits 2 on that line.
    Should: the pin, or a note saying the proving render did not finish and how to see it."""
    repo = tmp_path / "repo"
    real = helm()
    fake = tmp_path / "bin" / "helm"
    fake.parent.mkdir()
    fake.write_text(
        f'#!/bin/sh\ncase "$1 $*" in\n  "template "*"{repo}"*) ;;\n  template*) echo "Error: killed" >&2; exit 1;;\n'
        f'esac\nexec {real} "$@"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("GITOPS_BOT_HELM", str(fake))
    body = _init(
        repo,
        {
            "Makefile": "deploy:\n\thelm template demo charts/demo | kubectl apply -f -\n",
            "charts/demo/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
            "charts/demo/values.yaml": "admin: admin\n",
            "charts/demo/templates/pod.yaml": _POD,
        },
    )
    # with one environment the first plan then fails: `no environment pins any configured image:
    # default: … written whole in a chart template …`, exit 2, helm's failure said nowhere
    said = repr(body)
    assert "the render proving that line runs failed" in said and "Error: killed" in said, said
    assert "raise render.timeout where it ran past it" in said, said
