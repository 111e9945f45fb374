"""Helm values read as ``helm template`` renders them, through the real CLI on real git, the
real registry and the real helm as the judge: dev's values file says ``tag: 1.10``, a YAML
float helm renders as ``1.1``. ``plan`` says dev runs 1.1 (where it said 1.10) with a note
naming the line and the fix (quote it); ``promote dev prod`` writes what dev runs, quoted
(``tag: "1.1"``), so prod renders the image dev renders, where it wrote 1.10 and prod then ran
another image than dev. An Application naming a values file the repository does not hold is
refused as Argo CD refuses it, unless ``ignoreMissingValueFiles: true``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.kubetools import helm
from testkit.local_git import git, origin_and_clone
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("helm-rendered/app", ["1.0", "1.1", "1.10"], salt="helm-rendered")
    return f"{registry.host}/helm-rendered/app"


def _chart(image: str) -> dict[str, str]:
    return {
        "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        "chart/templates/deployment.yaml": TEMPLATE,
        "chart/values.yaml": f'image:\n  repository: {image}\n  tag: "1.0"\n',
    }


def _config(image: str, envs: str) -> str:
    return (
        f"version: 1\nimages:\n  - name: {image}\n    policy: digest\n    tag: '1.0'\n"
        f"    helm: {{repository: image.repository, tag: image.tag}}\nenvironments:\n{envs}"
    )


def _rendered(chart: Path, values: Path) -> str:
    out = subprocess.run(
        [helm(), "template", "x", str(chart), "-f", str(values)], check=True, capture_output=True, text=True
    ).stdout
    return next(line.strip() for line in out.splitlines() if "image:" in line)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_float_tag_runs_as_helm_renders_it_and_a_promotion_copies_what_runs(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    envs = (
        "  - {name: dev, path: chart/values-dev.yaml, write: commit}\n"
        "  - {name: prod, path: chart/values-prod.yaml, write: commit, promote_from: dev}\n"
    )
    files = {
        **_chart(image),
        "chart/values-dev.yaml": "image:\n  tag: 1.10\n",
        "chart/values-prod.yaml": 'image:\n  tag: "1.0"\n',
        "gitops-bot.yaml": _config(image, envs),
    }
    origin, clone = origin_and_clone(tmp_path, files)
    assert _rendered(clone / "chart", clone / "chart/values-dev.yaml") == f'image: "{image}:1.1"'

    code, out, err = _run(capsys, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0 and "Traceback" not in err, err
    plan = json.loads(out)
    dev = next(e for e in plan["environments"] if e["name"] == "dev")
    [row] = dev["images"]
    assert row["current"]["tag"] == "1.1", row
    note = 'chart/values-dev.yaml:2: image.tag: 1.10 is not a string to helm, which renders it as 1.1: quote it (tag: "1.10")'
    assert note in dev["notes"], dev
    code, text, err = _run(capsys, "plan", "--repo", str(clone))
    assert f"{image}  1.1  ->" in text and f"note: {note}" in text, text

    code, text, err = _run(capsys, "promote", "dev", "prod", "--repo", f"file://{origin}")
    assert code == 0 and "Traceback" not in err, (text, err)
    git(clone, "pull", "-q")
    assert (clone / "chart/values-prod.yaml").read_text() == 'image:\n  tag: "1.1"\n'
    assert _rendered(clone / "chart", clone / "chart/values-prod.yaml") == f'image: "{image}:1.1"'


APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{env}
spec:
  source:
    repoURL: https://example.com/acme/gitops.git
    path: chart
    helm:{ignore}
      valueFiles:
      - values-{env}.yaml
      - values-{env}-extra.yaml
"""


def test_a_values_file_an_application_names_and_the_repository_lacks_is_refused_as_argo_cd_refuses_it(
    tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    envs = (
        "  - {name: dev, path: apps/dev.yaml, write: commit}\n"
        "  - {name: prod, path: apps/prod.yaml, write: commit}\n"
    )
    files = {
        **_chart(image),
        "chart/values-dev.yaml": 'image:\n  tag: "1.1"\n',
        "chart/values-prod.yaml": 'image:\n  tag: "1.1"\n',
        "apps/dev.yaml": APPLICATION.format(env="dev", ignore=""),
        "apps/prod.yaml": APPLICATION.format(env="prod", ignore="\n      ignoreMissingValueFiles: true"),
        "gitops-bot.yaml": _config(image, envs),
    }
    origin, clone = origin_and_clone(tmp_path, files)
    missing = subprocess.run(
        [
            helm(),
            "template",
            "x",
            "chart",
            "-f",
            "chart/values-dev.yaml",
            "-f",
            "chart/values-dev-extra.yaml",
        ],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert (
        missing.returncode == 1 and "Error: open chart/values-dev-extra.yaml: no such file" in missing.stderr
    )
    code, out, err = _run(capsys, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0 and "Traceback" not in err, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    dev, prod = readings["dev"], readings["prod"]
    assert dev["status"] == "unsupported", dev
    assert dev["reason"] == (
        "Argo CD cannot render app-dev (apps/dev.yaml): its helm.valueFiles names values-dev-extra.yaml, which "
        "the repository does not hold (helm template: Error: open chart/values-dev-extra.yaml: no such file "
        "or directory)"
    ), dev
    assert "helm.ignoreMissingValueFiles: true" in dev["fix"], dev
    assert prod["status"] == "pinned" and prod["pins"][-1]["file"] == "chart/values-prod.yaml", prod
    code, text, err = _run(capsys, "update", "--dry-run", "--repo", f"file://{origin}")
    assert code == 0 and "Traceback" not in err, (text, err)
    assert f"(dev {image}: unsupported: Argo CD cannot render app-dev" in text, text


PARAMETER_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{env}
spec:
  source:
    repoURL: https://example.com/acme/gitops.git
    path: chart
    helm:
      parameters:
      - name: image.tag
        value: {tag}
"""


@pytest.mark.parametrize(
    ("written", "code", "line"),
    [
        (
            "1.10",
            2,
            "apps/dev.yaml:12: dev's value: 1.10 is a YAML number, not the tag string '1.10', and {image} holds "
            'no tag 1.10 (HTTP 404); quote it (value: "1.10"): the deploy tool takes a tag only as a string',
        ),
        (
            '"1.10"',
            4,
            "refused: dev runs {image}:1.10, which the registry does not hold (HTTP 404); push 1.10 to {image}, "
            "or release dev to a tag the registry holds",
        ),
        # a date that names no day is a string to Argo CD's YAML: a tag, not a number; PyYAML's
        # constructor raised ValueError building the date, and promote ended in a traceback
        (
            "2024-13-01",
            4,
            "refused: dev runs {image}:2024-13-01, which the registry does not hold (HTTP 404); push "
            "2024-13-01 to {image}, or release dev to a tag the registry holds",
        ),
    ],
)
def test_promoting_a_tag_the_registry_lacks_names_it_and_the_fix(
    tmp_path: Path,
    registry: RegistryProcess,
    pusher: Pusher,
    capsys: pytest.CaptureFixture[str],
    written: str,
    code: int,
    line: str,
) -> None:
    # dev's Application passes image.tag as a helm parameter the registry has no tag of:
    # promote exited 1 (an internal error) with 'app: not found (HTTP 404)', naming no tag;
    # unquoted, 1.10 is a YAML number Argo CD's Application schema refuses (value: string)
    pusher.image("helm-parameter/app", ["1.0", "1.1"], salt="helm-parameter")
    image = f"{registry.host}/helm-parameter/app"
    envs = (
        "  - {name: dev, path: apps/dev.yaml, write: commit}\n"
        "  - {name: prod, path: apps/prod.yaml, write: commit, promote_from: dev}\n"
    )
    files = {
        **_chart(image),
        "apps/dev.yaml": PARAMETER_APP.format(env="dev", tag=written),
        "apps/prod.yaml": PARAMETER_APP.format(env="prod", tag='"1.0"'),
        "gitops-bot.yaml": _config(image, envs),
    }
    origin, _ = origin_and_clone(tmp_path, files)
    before = git(origin, "for-each-ref")
    got, text, err = _run(capsys, "promote", "dev", "prod", "--repo", f"file://{origin}")
    assert (got, err.strip()) == (code, f"gitops-bot: error: {line.format(image=image)}"), (text, err)
    assert git(origin, "for-each-ref") == before  # no commit, no branch
