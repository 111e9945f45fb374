"""Generated broken repositories (testkit/broken_repos.py: cycles, self-references, symbolic link
loops in an overlay and elsewhere, links and paths out of the repository, files over the 4 MiB
bound, more than 5,000 files, text not UTF-8, BOM and CRLF, remote resources and Helm charts of
every form, a Kustomization under components:, two kustomization files, JSON and flow
kustomizations, ``image: {}``, trailing empty documents, top-level lists; an app of apps whose
chart yields its own root or whose path holds only itself, another repository's or a remote
chart's Application, a path out of the repository or missing, fails helm, yields 2,000
Applications, shares its file with a broken one, yields a kustomization over a remote base; a
chart's values.yaml as the path, its tag through an anchor or the float 1.10; an Application
over a chart helm refuses; a ConfigMap's date that names no day, 2024-02-30) through ``plan``
and ``update --dry-run`` of the real CLI against the real registry and git. Each seed must hold: no traceback, exit 0 (an environment's refusal is a
skip, docs/reference/exit-codes.md), each refused environment skipped in exactly one line naming
its problem with the fix, the untouched environment ``ok`` released, nothing written outside the
repository (nothing pushed by a dry run, nothing beside the repository changed), and, on a
sample run under the real ``strace``, no connection off the machine and no DNS query.

Seeds: GITOPS_BOT_REPO_SEEDS (nightly: 200), else the CI size; a failing seed is in the test's
id and its message (GITOPS_BOT_REPO_SEED=N runs that one alone)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit import broken_repos, kubetools, netwatch
from testkit.local_git import git
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

CI_SEEDS = 4
SEEDS = (
    [int(os.environ["GITOPS_BOT_REPO_SEED"])]
    if os.environ.get("GITOPS_BOT_REPO_SEED")
    else list(range(int(os.environ.get("GITOPS_BOT_REPO_SEEDS") or CI_SEEDS)))
)
# GITOPS_BOT_REPO_DEFECTS=a,b: draw among these kinds only (a kind's seeds tried alone)
NAMES = (
    tuple(os.environ["GITOPS_BOT_REPO_DEFECTS"].split(","))
    if os.environ.get("GITOPS_BOT_REPO_DEFECTS")
    else None
)


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("generated-repos/app", ["1.0.0", "1.1.0"], salt="generated-repos")
    return f"{registry.host}/generated-repos/app"


@pytest.fixture(autouse=True)
def tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubetools.kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", kubetools.helm())


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _snapshot(root: Path, skip: tuple[str, ...]) -> dict[str, str]:
    """Every file under ``root`` but those under ``skip``, by its content's digest."""
    out: dict[str, str] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if str(Path(folder, d).relative_to(root)) not in skip]
        for name in names:
            path = Path(folder, name)
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            out[str(path.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_a_generated_broken_repository_ends_each_command_as_documented(
    seed: int, tmp_path: Path, image: str, capsys: pytest.CaptureFixture[str]
) -> None:
    origin, placed = broken_repos.build(seed, image, tmp_path, NAMES)
    said = f"seed {seed}: {[(p.defect.name, p.environment, p.marker) for p in placed]}"
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    before = _snapshot(tmp_path, ("clone",))
    heads = git(origin, "for-each-ref")

    code, out, err = _run(capsys, "plan", "--repo", str(clone), "--output", "json")
    assert code == 0 and "Traceback" not in out + err, (said, code, err)
    plan = json.loads(out)
    items = {e["name"]: e for e in plan["environments"]}
    assert [i["action"] for i in items["ok"]["images"]] == ["update"], (said, items["ok"])
    assert git(clone, "status", "--porcelain") == "", said  # plan writes nothing

    code, out, err = _run(capsys, "update", "--dry-run", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0 and "Traceback" not in out + err, (said, code, err)
    result = json.loads(out)
    skipped: dict[str, list[str]] = {}
    for s in result.get("skipped", []):
        skipped.setdefault(s["environment"], []).append(s["reason"])
    released = {r["environment"]: r for r in result.get("results", [])}
    assert "ok" in released and "ok" not in skipped, (said, result)
    for p in placed:
        if p.defect.refused:
            lines = skipped.get(p.environment, [])
            assert len(lines) == 1 and p.marker in lines[0] and "(fix: " in lines[0], (said, p, lines)
            assert p.environment not in released, (said, p)
        elif p.defect.unread:
            rows = [r for r in result.get("reading", []) if r["environment"] == p.environment]
            assert rows and p.environment not in released, (said, p, result)
            lines = [
                f"{r['reason']} (fix: {r['fix']})" for r in rows if r["status"] == "not_rendered" and r["fix"]
            ]
            assert len(lines) == len(rows) and all(p.marker in ln for ln in lines), (said, p, rows)
        elif p.environment:
            assert p.environment in released or p.environment in skipped, (said, p, result)
            notes = items[p.environment].get("notes", [])
            if p.defect.name in ("remote-resource", "app-of-apps-remote-base"):
                assert sum(p.marker in n for n in notes) == 1, (said, p, notes)
    assert git(origin, "for-each-ref") == heads, said  # a dry run pushes nothing
    assert _snapshot(tmp_path, ("clone",)) == before, said  # nothing beside the repository written


def test_a_generated_repository_reaches_nothing_off_the_machine(tmp_path: Path, image: str) -> None:
    """The sample under strace: a remote resource beside a loop and a path out of the repository,
    through the CLI as a process (its tools as its children)."""
    origin, placed = broken_repos.build(3, image, tmp_path, ("remote-resource", "path-out-of-repository"))
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    for argv in (["plan", "--repo", str(clone)], ["update", "--dry-run", "--repo", f"file://{origin}"]):
        code, _, err = netwatch.bot(tmp_path, *argv)
        assert code == 0, (placed, err)
