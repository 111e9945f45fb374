"""Never silent: what each environment renders is said on every surface, from git alone.

A newcomer's config names overlay directories whose versions live in a shared base: ``plan``
says where each version comes from and where a release goes (text and JSON). A config under
which no environment pins any image is refused with exit 2 and that reading, never "(no
images)" and 0. A registry that cannot be reached fails the run (exit 3) without unsaying it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from gitops_bot.cli import main

# every registry and chart repository here is out of reach and the tests mean what is said of
# it: the same attempts, 1/100 of the back-off (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("quick_registry_retries")

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
        - name: app
          image: 127.0.0.1:1/acme/app:1.0.0
"""
OVERLAY = "resources:\n  - ../../base\n"
CONFIG = """version: 1
images:
  - name: {name}
    repository: {name}
registries:
  127.0.0.1:1: {{max_concurrency: 1}}
environments:
  - {{name: staging, path: overlays/staging}}
  - {{name: production, path: overlays/production}}
"""


def _repo(tmp_path: Path, name: str) -> Path:
    files = {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": DEPLOYMENT,
        "overlays/staging/kustomization.yaml": OVERLAY,
        "overlays/production/kustomization.yaml": OVERLAY,
        "gitops-bot.yaml": CONFIG.format(name=name),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_pin_anywhere_is_a_usage_error_that_says_what_was_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path, "ghcr.io/other/name")
    code, out, err = _run(capsys, "plan", "--repo", str(repo))
    assert code == 2 and "(no images)" not in out
    assert (
        "no environment pins any configured image: staging: ghcr.io/other/name: nothing staging renders"
        in err
    )
    code, out, _ = _run(capsys, "plan", "--repo", str(repo), "--output", "json")
    doc = json.loads(out)
    assert code == 2 and doc["schema"] == "gitops-bot/error/v1"
    assert [(r["environment"], r["status"]) for r in doc["reading"]] == [
        ("staging", "not_rendered"),
        ("production", "not_rendered"),
    ]
    assert all(r["reason"] and r["fix"] for r in doc["reading"])


def test_an_unreachable_registry_does_not_unsay_the_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path, "127.0.0.1:1/acme/app")
    code, out, _ = _run(capsys, "plan", "--repo", str(repo), "--output", "json")
    doc = json.loads(out)
    assert code == 3
    staging = doc["reading"][0]
    assert staging["status"] == "inherited"
    assert staging["pins"] == [
        {
            "file": "base/deployment.yaml",
            "line": 9,
            "kind": "container",
            "effective": True,
            "shared_with": ["production"],
        }
    ]
    assert staging["would_write"] == {
        "file": "overlays/staging/kustomization.yaml",
        "form": "kustomize images entry",
    }


PINNED_OVERLAY = """resources:
  - ../../base
images:
  - name: 127.0.0.1:1/acme/app
    newTag: {tag}
"""


def _pinned_repo(tmp_path: Path) -> Path:
    """Each environment pins its own version in its overlay: what a newcomer's repository holds."""
    files = {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": DEPLOYMENT,
        "overlays/staging/kustomization.yaml": PINNED_OVERLAY.format(tag="1.2.0"),
        "overlays/production/kustomization.yaml": PINNED_OVERLAY.format(tag="1.1.0"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    return tmp_path


def test_an_unreachable_registry_leaves_the_text_plan_saying_what_is_pinned_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _pinned_repo(tmp_path)
    (repo / "gitops-bot.yaml").write_text(CONFIG.format(name="127.0.0.1:1/acme/app"))
    code, out, err = _run(capsys, "plan", "--repo", str(repo))
    assert code == 3
    assert "staging\n  127.0.0.1:1/acme/app  1.2.0  pinned at overlays/staging/kustomization.yaml:5" in out
    assert (
        "production\n  127.0.0.1:1/acme/app  1.1.0  pinned at overlays/production/kustomization.yaml:5" in out
    )
    # the registry that could not be reached, and what to check, on the one error line
    assert "registry 127.0.0.1:1 unreachable: connection refused" in err
    assert "check that a registry runs at 127.0.0.1:1" in err


def test_init_registry_offline_still_says_what_it_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _pinned_repo(tmp_path)
    code, out, err = _run(capsys, "init", "--repo", str(repo), "--registry")
    assert code == 3
    assert "pinned at overlays/staging/kustomization.yaml:5" in out
    assert "pinned at overlays/production/kustomization.yaml:5" in out
    assert "registry 127.0.0.1:1 unreachable" in err


def test_the_guide_shows_what_init_registry_prints_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """docs/guides/your-repository.md's offline sample is what ``init --registry`` prints on a
    repository whose registry has no address (``.invalid`` never resolves): the configuration
    and its first plan, then the reading on stdout, and the one line naming the registry and
    what to check, exit 3."""
    repo = _pinned_repo(tmp_path)
    for rel in (
        "base/deployment.yaml",
        *(f"overlays/{e}/kustomization.yaml" for e in ("staging", "production")),
    ):
        path = repo / rel
        path.write_text(path.read_text().replace("127.0.0.1:1/", "registry.example.invalid/"))
    guide = (Path(__file__).parents[2] / "docs/guides/your-repository.md").read_text()
    start = guide.index("```\nWhat each environment pins") + 4
    shown = guide[start : guide.index("```", start)].splitlines()
    code, out, err = _run(capsys, "init", "--repo", str(repo), "--registry")
    assert code == 3
    # the configuration found, the checks and the first plan come first; the sample is the end
    assert out.splitlines()[-(len(shown) - 1) :] == shown[:-1]
    assert out.startswith("# gitops-bot.yaml, written by `gitops-bot init`")
    # the OS's words for a failed lookup differ between C libraries: up to them, and after
    said, _, rest = shown[-1].partition(" (Name or service not known)")
    line = err.rstrip("\n").splitlines()[-1]  # after the log's warnings of the images skipped
    assert line.startswith(said + " (") and line.endswith(rest)


CHARTS_CONFIG = """version: 1
images: []
charts:
  - {name: alpha, repository: "http://127.0.0.1:2/charts", policy: semver}
  - {name: beta, repository: "http://127.0.0.1:1/charts", policy: semver}
  - {name: kargo, repository: "oci://127.0.0.1:3/akuity/kargo-charts", policy: semver}
registries:
  127.0.0.1:3: {insecure: true}
environments:
  - {name: staging, path: overlays/staging}
  - {name: production, path: overlays/production}
"""
HELM_CHARTS = """helmCharts:
  - name: alpha
    repo: http://127.0.0.1:2/charts
    version: {v}
  - name: beta
    repo: http://127.0.0.1:1/charts
    version: {v}
  - name: kargo
    repo: oci://127.0.0.1:3/akuity/kargo-charts
    version: {v}
"""


def _charts_repo(tmp_path: Path) -> Path:
    """Charts only, each environment pinning its own versions, their repositories out of reach."""
    files = {
        "overlays/staging/kustomization.yaml": HELM_CHARTS.format(v="1.2.0"),
        "overlays/production/kustomization.yaml": HELM_CHARTS.format(v="1.1.0"),
        "gitops-bot.yaml": CHARTS_CONFIG,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    return tmp_path


def test_unreachable_chart_repositories_leave_the_plan_saying_each_charts_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A charts-only configuration offline: the text and the JSON say each environment's charts,
    the version written, file and line; the error names the same repository every run (the
    first in order, not the first to fail), said as not reached, never as overloaded, with the
    others after it."""
    repo = _charts_repo(tmp_path)
    errors = set()
    for _ in range(3):
        code, out, err = _run(capsys, "plan", "--repo", str(repo))
        assert code == 3
        errors.add(err)
    assert "staging\n  chart alpha  1.2.0  pinned at overlays/staging/kustomization.yaml:4" in out
    assert "  chart kargo  1.1.0  pinned at overlays/production/kustomization.yaml:10" in out
    (said,) = errors  # one host, whichever answered first
    assert (
        "chart repository http://127.0.0.1:1/charts/index.yaml unreachable: cannot connect to 127.0.0.1:1: connection refused"
        in said
    )
    assert "unavailable" not in said and "check that a chart repository runs at 127.0.0.1:1" in said
    # every other one not reached, at once, in order (a run named one a run)
    assert (
        "(also not reached: chart repository http://127.0.0.1:2/charts/index.yaml unreachable, "
        "registry 127.0.0.1:3 unreachable)" in said
    )
    code, out, err = _run(capsys, "plan", "--repo", str(repo), "--output", "json")
    assert code == 3 and err in errors
    doc = json.loads(out)
    assert {(r["environment"], r["chart"], r["version"], r["file"], r["line"]) for r in doc["reading"]} == {
        (env, chart, v, f"overlays/{env}/kustomization.yaml", line)
        for env, v in (("staging", "1.2.0"), ("production", "1.1.0"))
        for chart, line in (("alpha", 4), ("beta", 7), ("kargo", 10))
    }


def test_init_registry_offline_words_chart_lines_as_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``init --registry`` with every chart repository out of reach: each chart's line names its
    own repository's host (a classic one as a chart repository, an ``oci://`` one as the
    registry it is), never "its images", and the error line names the others by host."""
    repo = _charts_repo(tmp_path)
    (repo / "gitops-bot.yaml").unlink()
    code, out, err = _run(capsys, "init", "--repo", str(repo), "--registry")
    assert code == 3
    assert "images are skipped" not in out and "a registry was not reached" not in out
    assert "beta (chart): versions not read (chart repository 127.0.0.1:1 not reached)" in out
    assert "kargo (chart): versions not read (registry 127.0.0.1:3 not reached)" in out
    assert re.search(
        r"chart beta +1\.2\.0 +!! +skip \(error\): chart repository 127\.0\.0\.1:1 not reached", out
    )
    assert "chart repository http " not in err and "chart repository 127.0.0.1:1 unreachable" in err
