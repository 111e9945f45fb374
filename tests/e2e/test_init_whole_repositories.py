"""``gitops-bot init`` on the corpus of whole public GitOps repositories (``tests/data/repos``),
then ``plan`` under the configuration it wrote, with no hand edit, scored against the truth
written by reading each repository (``testkit/repo_corpus.py``'s scorer, as
``test_whole_repositories.py`` scores a newcomer's config).

init names environments itself; each is matched to the truth's environment of that name, else to
the truth's environment whose paths it shares (a Flux Kustomization's directory, which the truth
calls by what it deploys; a chart's directory, which helm renders with the values.yaml the truth
names). Goals: >= 90 % of each repository's effective pins found overall, and
the promotion order the repository defines (Kargo Stages, an ApplicationSet's RollingSync) is the
one written.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from testkit import repo_corpus as rc
from testkit.config_schema import schema_problems

CASES = rc.cases()
GOAL_FOUND = 0.90
# The promotion order each repository's own tool defines (Kargo Stages' requestedFreight, an Argo
# CD ApplicationSet's RollingSync steps).
DEFINED_ORDER = {
    "MicroTodoSuite__microservice-app-gitops": {"staging": "dev", "prod": "staging", "local": None},
    "akuity__kargo-simple": {"staging": "dev", "prod": "staging"},
    "christianh814__kargo-demo-deploy": {"test": "dev", "uat": "test", "produsw1": "uat", "produsw2": "uat"},
    "christianh814__kargo-deployment-example": {"uat": "test", "prod": "uat"},
    "akuity__kargo-advanced": {"staging": "dev", "ab-test-a": "staging", "ab-test-b": "staging"},
    # each cluster's own line (its Tekton pipelines update dev, then test, then open prod's PR),
    # never across clusters
    "gnunn-gitops__product-catalog": {
        **{f"{c}-test": f"{c}-dev" for c in ("aws", "local", "rhpds")},
        **{f"{c}-prod": f"{c}-test" for c in ("aws", "local", "rhpds")},
    },
    # the order its own promotion document (in that repository, not here) describes
    "danielloader__kubernetes-sdlc": {"staging": "development", "production": "staging"},
}


def _cli(repo: Path, *argv: str) -> tuple[int, str]:
    # in this process, as the plan scorer runs it: two Python start-ups and the package's
    # imports a repository were about 0.9 s of CPU of its 2 (akuity__kargo-simple)
    return rc.cli(repo, *argv)


def _checkout(case: rc.Case, dest: Path) -> Path:
    """The repository's tree as a user's clone: committed, no gitops-bot.yaml, each branch the
    corpus copied (an environment its Application renders from another branch) a branch."""
    shutil.copytree(case.tree, dest, symlinks=True)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(dest.parent)}

    def git(*argv: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid", *argv],
            cwd=dest,
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    git("init", "-q", "-b", case.default_branch)
    git("add", "-A")
    git("commit", "-qm", "corpus")
    for b in case.branches:
        git("checkout", "-q", "--orphan", b)
        git("rm", "-rqf", ".")
        shutil.copytree(case.tree_of(b), dest, symlinks=True, dirs_exist_ok=True)
        git("add", "-A")
        git("commit", "-qm", f"corpus: branch {b}")
        git("checkout", "-qf", case.default_branch)
    return dest


def _truth_paths(case: rc.Case) -> dict[str, set[str]]:
    out = {}
    for name, env in case.truth["environments"].items():
        paths = [env["path"]] if "path" in env else env["paths"]
        out[name] = {str(p).rstrip("/") for p in paths}
    return out


def environment_names(case: rc.Case, config: dict[str, Any]) -> dict[str, str]:
    """init's environment -> the truth's: the same name, else the one sharing a path."""
    truth = _truth_paths(case)
    out = {}
    for env in config.get("environments") or ():
        name = env["name"]
        paths = env.get("paths") or [env.get("path")]
        paths = {str(p).rstrip("/") for p in (paths if isinstance(paths, list) else [paths])}
        # a chart directory renders with its own values.yaml: the truth's path of that rendering
        paths |= {f"{p}/values.yaml" for p in paths if (case.tree / p / "Chart.yaml").is_file()}
        if name in truth:
            out[name] = name
            continue
        shared = [t for t, ps in truth.items() if ps & paths]
        if len(shared) == 1 and (shared[0] not in out.values() or paths <= truth[shared[0]]):
            # one environment the truth calls by its name, split by init into one per cluster
            # (clusters/<c>/overlays/dev): each part is scored as that environment's
            out[name] = shared[0]
    return out


def merged(reading: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reading entries of several of init's environments that are one of the truth's (one
    per cluster) as one entry: their pins together, pinned where any part pins it."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in reading:
        if "image" not in r:
            continue  # a chart's reading: the truth counts the images' pins
        key = (str(r["environment"]), str(r["image"]))
        if key not in out:
            out[key] = dict(r, pins=list(r.get("pins") or ()))
            continue
        have = out[key]
        have["pins"] += list(r.get("pins") or ())
        if have.get("status") == "not_rendered":
            have["status"] = r.get("status")
        have["reason"] = "; ".join(x for x in (have.get("reason"), r.get("reason")) if x) or None
    return list(out.values())


def init_and_score(case: rc.Case, work: Path) -> tuple[rc.Score, dict[str, Any]]:
    repo = _checkout(case, work / case.key)
    code, _ = _cli(repo, "init", "--write")
    if not (repo / "gitops-bot.yaml").exists():
        # init found nothing to write: every unit a miss, and the gate asks that this failure
        # be a known one
        score = rc.score(case, [])
        score.notes.append(f"init exit {code}: no configuration written")
        return score, {"environments": []}
    text = (repo / "gitops-bot.yaml").read_text()
    assert schema_problems(text) == [], case.key
    config = yaml.safe_load(text)
    planned, out = _cli(repo, "plan", "--output", "json")
    # init's exit code is its first plan's: 0, or the code plan exits with under what it wrote
    assert code in (0, planned), f"{case.key}: init exit {code}, plan exit {planned}"
    doc = json.loads(out) if out.strip() else {}
    names = environment_names(case, config)
    reading = [
        dict(r, environment=names[r["environment"]])
        for r in doc.get("reading") or ()
        if r.get("environment") in names
    ]
    score = rc.score(case, merged(reading))
    if "reading" not in doc:
        score.notes.append(f"plan: no 'reading' ({doc.get('error', out[:200])})")
    return score, config


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
@pytest.mark.usefixtures("quick_registry_retries")
@pytest.mark.usefixtures("corpus_renderer")
def test_init_then_plan_finds_what_each_environment_pins(case: rc.Case, tmp_path: Path) -> None:
    """One repository's part, a test of its own so the runners share the corpus: init writes a
    configuration unless its known misses say the run fails, plan under it finds every effective
    pin but those its known misses name, no known miss is one the bot no longer makes, and the
    promotion order the repository defines is the one written. The corpus's figure (>= 90 %, the
    published score) follows from the truth and known_misses.yaml: test_whole_repositories.py's
    test_the_published_scores_are_the_truth_less_the_known_misses."""
    score, config = init_and_score(case, tmp_path)
    known = [k for k in rc.known_misses("init") if k.repo == case.key]
    failed = [score.repo] if any(n.startswith("init exit") for n in score.notes) else []
    g = rc.gate([score], known, failed)
    lines = [rc.table([score])]
    lines += [f"{score.repo}: {n}" for n in score.notes + score.unsaid + score.wrong]
    lines += [f"known miss, open: {k.repo} {k.unit}: {k.what}" for k in known]
    lines.append(f"gate (known misses apart, {g.known_pins} pins): {g.found}/{g.pins}")
    report = "\n".join(lines)
    print(report)
    named = {k.repo for k in known if k.unit == "all"}
    assert [r for r in failed if r not in named] == [], report
    assert (g.found, g.stale) == (g.pins, []), report
    order = {e["name"]: e.get("promote_from") for e in config["environments"]}
    for env, upstream in DEFINED_ORDER.get(case.key, {}).items():
        assert order.get(env) == upstream, f"{case.key}: {env} promote_from {order.get(env)}"
