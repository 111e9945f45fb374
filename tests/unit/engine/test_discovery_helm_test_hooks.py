"""A chart's Helm test hook (``helm create``'s templates/tests/test-connection.yaml, annotated
``helm.sh/hook: test``) runs only under ``helm test``, never on an install nor under Argo CD:
GitOpsHub/kubeops's busybox, its tag traced from values, was listed by init and proposed 1.36 ->
1.37 by the plan; ZackZhouHB/zack-gitops-project's and codefresh's ``image: busybox`` written whole
were listed, or advised to be marked to have them read."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine import discovered_images
from gitops_bot.engine.discovery import discover
from gitops_bot.manifests import nodes, workloads
from gitops_bot.render import joint
from testkit.broken_repos import DEPLOYMENT
from testkit.local_git import write

VALUES_IMAGE = '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'
DEPLOY = DEPLOYMENT.replace("{image}:1.0.0", VALUES_IMAGE)

HOOK = """\
apiVersion: v1
kind: Pod
metadata:
  name: "{{ include "web.fullname" . }}-test-connection"
  annotations:
    "helm.sh/hook": test
spec:
  containers:
    - name: wget
      image: %s
      command: ['wget']
  restartPolicy: Never
"""

APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/acme/gitops.git, targetRevision: HEAD, path: charts/web}
  destination: {server: https://kubernetes.default.svc, namespace: web}
"""


def _chart(hook_image: str, values: str = "") -> dict[str, str]:
    return {
        "charts/web/Chart.yaml": 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.0.0"\n',
        "charts/web/values.yaml": 'image:\n  repository: nginxinc/nginx-unprivileged\n  tag: "1.27-alpine"\n'
        + values,
        "charts/web/templates/deployment.yaml": DEPLOY,
        "charts/web/templates/tests/test-connection.yaml": HOOK % hook_image,
        "charts/web/application.yaml": APP,
    }


def test_a_helm_test_hooks_image_traced_from_values_is_no_image(tmp_path: Path) -> None:
    files = _chart(
        '"{{ .Values.tests.image.repository }}:{{ .Values.tests.image.tag }}"',
        'tests:\n  image:\n    repository: busybox\n    tag: "1.36"\n',
    )
    found = discover(write(tmp_path, files))
    assert [i.name for i in found.images] == ["nginxinc/nginx-unprivileged"], found.images


def test_a_helm_test_hooks_image_written_whole_is_no_image_nor_advised(tmp_path: Path) -> None:
    found = discover(write(tmp_path / "deployed", _chart("busybox")))
    assert [i.name for i in found.images] == ["nginxinc/nginx-unprivileged"], found.images
    # a chart nothing deploys: the line saying so advised marking the test pod's image
    files = {k: v for k, v in _chart("busybox:1.36").items() if not k.endswith("application.yaml")}
    files["charts/web/templates/deployment.yaml"] = DEPLOY.replace(VALUES_IMAGE, '"{{ .Values.image }}"')
    files["other/application.yaml"] = APP.replace("path: charts/web", "path: other")
    files["other/deploy.yaml"] = DEPLOYMENT.format(image="nginx")
    found = discover(write(tmp_path / "undeployed", files))
    assert not any("busybox" in n for n in found.notes), found.notes


def test_a_test_hook_document_is_blanked_in_place_and_read_nowhere() -> None:
    """A template's lines keep their numbers and offsets (an edit writes where it read), the
    test pod's alone are gone; a hook of another phase beside the test one is kept."""
    deploy = DEPLOYMENT.format(image="nginx")
    text = deploy + "---\n" + HOOK % "busybox:1.36"
    assert [(t.line, t.reference.name) for t in workloads.template_literals(text)] == [(10, "nginx")]
    blanked = workloads.without_test_hooks(text)
    assert len(blanked) == len(text) and blanked.count("\n") == text.count("\n")
    both = HOOK.replace('"helm.sh/hook": test', '"helm.sh/hook": pre-install,test') % "busybox:1.36"
    assert [t.reference.name for t in workloads.template_literals(both)] == ["busybox"]
    plain = (HOOK % "busybox:1.36").replace('{{ include "web.fullname" . }}-', "")
    docs = nodes.compose_all(deploy + "---\n" + plain, "all.yaml")
    assert [c.reference.name for c in workloads.containers(docs)] == ["nginx"]


def test_an_image_line_is_read_within_its_own_line() -> None:
    """A hook document is blanked to spaces with its newlines kept, and a pattern whose leading
    blanks crossed lines backtracked cubically over them: argoproj-labs/argocd-agent's 13 test
    templates took init 200 s. Each match is one line, so the work is linear in the text."""
    blanked = "      \n" * 2000
    for pattern, line in (
        (discovered_images._TEMPLATE_IMAGE, "        image: {{ .Values.image }}\n"),
        (joint._TOP_LEVEL, "  helmCharts:\n"),
    ):
        (m,) = pattern.finditer(blanked + line + blanked)
        assert "\n" not in m.group(0), pattern.pattern
        assert m.start() == len(blanked), pattern.pattern
