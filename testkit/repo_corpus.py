"""The corpus of whole public GitOps repositories (``tests/data/repos``): its cases, the real
tools' renders that check each truth, and the score of what ``gitops-bot`` reads against it.

Each repository's GitOps tree is copied byte for byte under ``tests/data/repos/<owner>__<name>/``
(``repos.yaml`` names its source and commit). ``_cases/<owner>__<name>/`` holds, written by
reading the repository:

- ``newcomer.yaml``: the ``gitops-bot.yaml`` a newcomer writes after reading
  ``docs/concepts/configuration.md`` once (environments naming their overlay directories, values
  files or Application files; images named as the manifests write them).
- ``truth.yaml``: for each environment and configured image, every place that sets the version
  the environment renders (file, 1-based line, whether it is the effective one, which other
  environments render that same place), or ``not_rendered``; an image the environment's
  kustomization renames (``newName``) names what the deploy tool renders (``repository:``); and
  how the environment's deploy tool renders it (``kubectl kustomize`` of a directory, ``helm
  template`` of a chart with values files), which the suite runs to check the truth.

An environment may deploy several workloads of one image (several apps, each pinned in its own
patch); each workload's effective place is then a pin of its own, ``effective: true``.

An environment its deploy tool reads from another branch (an Argo CD Application's
``targetRevision``) names it (``branch:``); that branch's tree is copied under
``_branches/<owner>__<name>/<branch>/`` and its pins carry the branch. A place is a file and line
on a branch: the same file on two branches is two places.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from testkit import in_process
from testkit.kubetools import helm, kept, kubectl
from testkit.paths import TEST_DATA

REPOS = TEST_DATA / "repos"
CASES = REPOS / "_cases"
BRANCHES = REPOS / "_branches"
BASE_BRANCH = "main"  # the branch the copied tree stands for in the checkout the tests make
RENDER_TIMEOUT = 60  # seconds per kubectl or helm process

# The statuses of the reader's contract (reading entries) that are not a pin of the environment.
UNPINNED = ("inherited", "not_rendered", "unsupported")


@dataclass(frozen=True)
class Pin:
    file: str
    line: int
    effective: bool
    shared_with: tuple[str, ...]
    renders: str | None = None  # effective pins: the image reference the deploy tool renders
    branch: str = BASE_BRANCH


@dataclass(frozen=True)
class Unit:
    """One environment x configured image of one repository's truth."""

    repo: str
    environment: str
    image: str
    status: str  # pinned | inherited | not_rendered
    pins: tuple[Pin, ...]

    @property
    def effective(self) -> tuple[Pin, ...]:
        return tuple(p for p in self.pins if p.effective)


@dataclass(frozen=True)
class Case:
    key: str  # <owner>__<name>
    tree: Path
    newcomer: Path
    truth: Mapping[str, Any]

    @property
    def units(self) -> tuple[Unit, ...]:
        return tuple(units(self.key, self.truth))

    def renders(self, environment: str) -> list[Mapping[str, Any]]:
        return list(self.truth["environments"][environment]["render"])

    @property
    def default_branch(self) -> str:
        """The branch a user's clone of the repository checks out (the checkout init is tried on)."""
        return str(self.truth.get("default_branch") or BASE_BRANCH)

    def branch(self, environment: str) -> str:
        return str(self.truth["environments"][environment].get("branch") or BASE_BRANCH)

    def tree_of(self, branch: str) -> Path:
        return self.tree if branch == BASE_BRANCH else BRANCHES / self.key / branch

    @property
    def branches(self) -> list[str]:
        d = BRANCHES / self.key
        return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def sources() -> list[dict[str, Any]]:
    data = yaml.safe_load((REPOS / "repos.yaml").read_text())
    return list(data["repositories"])


def sampling() -> dict[str, Any]:
    """The written rule the corpus grows by, its queries and every candidate it visited."""
    data = yaml.safe_load((REPOS / "repos.yaml").read_text())
    return dict(data["sampling"])


# libyaml's loader: each case's truth is read at collection, by every worker (pure PyYAML took
# about 1 s of each worker's collection for the 60 truths); the same documents
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def cases() -> list[Case]:
    out = []
    for d in sorted(p for p in CASES.iterdir() if p.is_dir()):
        truth = yaml.load((d / "truth.yaml").read_text(), Loader=_LOADER)
        out.append(Case(d.name, REPOS / d.name, d / "newcomer.yaml", truth))
    return out


def units(repo: str, truth: Mapping[str, Any]) -> Iterator[Unit]:
    for env_name, env in truth["environments"].items():
        for image, entry in env["images"].items():
            pins = tuple(
                Pin(
                    p["file"],
                    int(p["line"]),
                    bool(p["effective"]),
                    tuple(p.get("shared_with") or ()),
                    p.get("renders"),
                    str(p.get("branch") or BASE_BRANCH),
                )
                for p in entry.get("pins") or ()
            )
            yield Unit(repo, env_name, image, entry["status"], pins)


# --- the real tools' renders -------------------------------------------------------------


def render(tree: Path, spec: Mapping[str, Any]) -> list[Any]:
    """The documents one deploy-tool render of ``tree`` gives: ``{"kustomize": dir}`` through
    ``kubectl kustomize``, ``{"helm": {"chart": dir, "values": [files], "set": [name=value]}}``
    through ``helm template`` (paths relative to the tree, as Argo CD's valueFiles resolve;
    ``set`` as Argo CD passes an Application's helm.parameters, over the values files),
    ``{"directory": dir}`` as an Argo CD directory source reads plain manifests (the YAML files
    directly in it, not its subdirectories: ``directory.recurse`` is off by default). Each render
    is run once a session (:func:`testkit.kubetools.kept`, every worker's) and read once a
    process: an environment is asked once per image, by two tests that may run in different
    workers; the documents are read, never changed."""
    return list(_render(tree, json.dumps(spec, sort_keys=True)))


@functools.cache
def _render(tree: Path, spec_json: str) -> tuple[Any, ...]:
    spec = json.loads(spec_json)
    if "directory" in spec:
        files = sorted(f for f in (tree / spec["directory"]).iterdir() if f.suffix in (".yaml", ".yml"))
        out = "\n---\n".join(f.read_text() for f in files)
    elif "kustomize" in spec:
        out = kept([kubectl(), "kustomize", spec["kustomize"]], tree, RENDER_TIMEOUT)
    else:
        h = spec["helm"]
        argv = [helm(), "template", "release", h["chart"]]
        for v in h.get("values", ()):
            argv += ["--values", v]
        for p in h.get("set", ()):  # an Argo CD Application's helm.parameters, after its valueFiles
            argv += ["--set", p]
        out = kept(argv, tree, RENDER_TIMEOUT)
    return tuple(d for d in yaml.safe_load_all(out) if d is not None)


def rendered_images(docs: Sequence[Any]) -> list[str]:
    """Every image reference the documents carry: a string under an ``image`` key (containers,
    init containers, anywhere), and ``repository:tag`` of a mapping holding both (Helm values
    inside a rendered Flux HelmRelease)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("image"), str):
                found.append(node["image"])
            repo, tag = node.get("repository"), node.get("tag")
            if isinstance(repo, str) and isinstance(tag, str | int | float):
                found.append(f"{repo}:{tag}")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for d in docs:
        walk(d)
    return found


def image_repository(ref: str) -> str:
    """``ref`` without its tag or digest."""
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    return ref[:colon] if colon > slash else ref


def renders_of(case: Case, environment: str, image: str) -> list[str]:
    """What the environment's deploy tool renders for ``image`` (one entry per workload). An
    image the environment's kustomization renames (``newName``) renders as another repository,
    which its truth entry names (``repository:``)."""
    entry = case.truth["environments"][environment]["images"].get(image) or {}
    pulled = str(entry.get("repository") or image)
    out: list[str] = []
    for spec in case.renders(environment):
        out += [r for r in rendered_images(render(case.tree, spec)) if image_repository(r) == pulled]
    return out


# --- scoring what gitops-bot reads -------------------------------------------------------


@dataclass
class Score:
    """One repository's score: pins found, misses unsaid, edits to other environments' places."""

    repo: str
    units: int = 0  # environment x image with a truth (pinned, inherited or not rendered)
    pins: int = 0  # effective pins in the truth
    found: int = 0  # effective pins the reading names, at the same file and line, effective
    unsaid: list[str] = field(default_factory=list)
    cross_edits: list[str] = field(default_factory=list)
    # said, but wrongly: "not rendered" of a unit the deploy tool renders (not a goal of its own;
    # shown so a reason that is false does not pass for a reason)
    wrong: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # "<environment> x <image>" -> (effective pins, found): what a known miss is checked against
    by_unit: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.found / self.pins if self.pins else 1.0


def _norm(path: str) -> str:
    return str(Path(path).as_posix()).removeprefix("./")


def score(
    case: Case,
    reading: Sequence[Mapping[str, Any]] | None,
    writes: Mapping[str, Sequence[str]] | None = None,
    shared_ok: Mapping[str, Sequence[str]] | None = None,
) -> Score:
    """Score a ``reading`` (the ``reading`` key of ``plan --output json``, per the reader's
    contract) against the case's truth. ``writes``: environment -> files the dry-run update
    would write (the reading's ``would_write`` targets and the update's edits); a file that
    another environment's truth renders (one of its pins) is a cross-environment edit unless
    ``shared_ok`` (environment -> environments configured to share) allows it."""
    s = Score(case.key)
    entries: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in reading or ():
        entries[(str(r.get("environment")), str(r.get("image")))] = r
    # what the checked-out branch's files are rendered by (a write lands on that branch)
    rendered_by: dict[str, set[str]] = {}
    for u in case.units:
        for p in u.pins:
            if p.branch == BASE_BRANCH:
                rendered_by.setdefault(_norm(p.file), set()).add(u.environment)
    for u in case.units:
        s.units += 1
        e: Mapping[str, Any] | None = entries.get((u.environment, u.image))
        label = f"{u.environment} x {u.image}"
        if u.status == "unsupported":
            # the deploy tool itself refuses it: only saying so, with the reason, counts
            if e is None or not e.get("reason"):
                s.unsaid.append(f"{label}: unsupported, not said with a reason")
            continue
        s.pins += len(u.effective)
        if e is None:
            s.by_unit[label] = (len(u.effective), 0)
            s.unsaid.append(f"{label}: no reading entry")
            continue
        read = {
            (str(p.get("branch") or BASE_BRANCH), _norm(str(p.get("file"))), int(p.get("line") or 0))
            for p in e.get("pins") or ()
            if p.get("effective")
        }
        hits = sum((p.branch, _norm(p.file), p.line) in read for p in u.effective)
        s.found += hits
        s.by_unit[label] = (len(u.effective), hits)
        missed = len(u.effective) - hits
        status = e.get("status")
        if status == "not_rendered" and u.status != "not_rendered":
            s.wrong.append(f"{label}: read as not rendered; the deploy tool renders it")
        if u.status == "not_rendered" and status != "not_rendered" and not e.get("reason"):
            s.unsaid.append(f"{label}: not rendered, read as {status} without a reason")
        if missed and not e.get("reason"):
            s.unsaid.append(f"{label}: {missed} effective pin(s) missed without a reason")
    for env, files in (writes or {}).items():
        allowed = set((shared_ok or {}).get(env, ())) | {env}
        for f in files:
            others = rendered_by.get(_norm(f), set()) - allowed
            if others:
                s.cross_edits.append(f"{env} writes {f}, rendered by {sorted(others)}")
    return s


# --- misses known and open ---------------------------------------------------------------


@dataclass(frozen=True)
class KnownMiss:
    """A miss the bot makes today on a repository the sampling rule kept, named so the gates
    count it apart while the published score keeps it: ``unit`` is ``<environment> x <image>``,
    or ``all`` when the run itself fails (``init`` finding no environment)."""

    repo: str
    unit: str
    what: str


def known_misses(tool: str) -> list[KnownMiss]:
    """``tool`` ("plan" or "init")'s open misses from ``known_misses.yaml``."""
    data = yaml.safe_load((REPOS / "known_misses.yaml").read_text()) or {}
    return [KnownMiss(str(m["repository"]), str(m["unit"]), str(m["what"])) for m in data.get(tool) or ()]


@dataclass
class Gate:
    """What a gate counts: every score's pins, found, unsaid and wrong except the units a known
    miss names; and each known miss the scores no longer show (a stale entry: take it off)."""

    pins: int = 0
    found: int = 0
    unsaid: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    known_pins: int = 0
    stale: list[str] = field(default_factory=list)


def gate(scores: Sequence[Score], known: Sequence[KnownMiss], failed_runs: Sequence[str] = ()) -> Gate:
    """The gate's figures for ``scores`` with the ``known`` misses counted apart.
    ``failed_runs``: repositories whose run failed (an ``all`` miss is known only for those)."""
    g = Gate()
    named = {(k.repo, k.unit) for k in known}
    for s in scores:
        whole = (s.repo, "all") in named
        for label, (pins, found) in s.by_unit.items():
            if whole or (s.repo, label) in named:
                g.known_pins += pins
                continue
            g.pins += pins
            g.found += found

        def open_(lines: list[str], repo: str = s.repo, whole: bool = whole) -> list[str]:
            return [f"{repo}: {x}" for x in lines if not whole and (repo, x.split(":", 1)[0]) not in named]

        g.unsaid += open_(s.unsaid)
        g.wrong += open_(s.wrong)
    by_repo = {s.repo: s for s in scores}
    for k in known:
        had = by_repo.get(k.repo)
        if had is None:
            g.stale.append(f"{k.repo} {k.unit}: no such repository")
        elif k.unit == "all":
            if k.repo not in failed_runs:
                g.stale.append(f"{k.repo}: the run no longer fails")
        else:
            pins, found = had.by_unit.get(k.unit, (0, 0))
            still = found < pins or any(x.startswith(f"{k.unit}:") for x in had.wrong + had.unsaid)
            if not still:
                g.stale.append(f"{k.repo} {k.unit}: no longer missed")
    return g


def expected_score(
    cases: Sequence[Case], known: Sequence[KnownMiss], apart: Collection[str] = ()
) -> tuple[int, int, int]:
    """What the corpus scores when each repository's test passes (it finds every effective pin
    but those its known misses name): (effective pins, pins the known misses name, those of them
    on a repository in ``apart``). A unit the deploy tool refuses has no pin."""
    named = {(k.repo, k.unit) for k in known}
    pins = missed = counted_apart = 0
    for case in cases:
        for u in case.units:
            if u.status == "unsupported":
                continue
            n = len(u.effective)
            pins += n
            if (case.key, "all") in named or (case.key, f"{u.environment} x {u.image}") in named:
                missed += n
                counted_apart += n if case.key in apart else 0
    return pins, missed, counted_apart


def copy_tree(case: Case, dest: Path) -> Path:
    """The repository's tree with the newcomer's config at its root, as a user's checkout."""
    shutil.copytree(case.tree, dest, symlinks=True)
    shutil.copyfile(case.newcomer, dest / "gitops-bot.yaml")
    return dest


def git_checkout(case: Case, dest: Path, env: Mapping[str, str]) -> Path:
    """A git repository of the case: its tree (and the newcomer's config) committed on
    ``main``, each copied branch committed as that branch, ``main`` checked out, and an
    ``origin`` naming the public repository (never fetched)."""
    repo = copy_tree(case, dest)

    def git(*argv: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid", *argv],
            cwd=repo,
            env=dict(env),
            check=True,
            capture_output=True,
            timeout=60,
        )

    git("init", "-q", "-b", BASE_BRANCH)
    git("add", "-A")
    git("commit", "-qm", "corpus")
    for b in case.branches:
        git("checkout", "-q", "--orphan", b)
        git("rm", "-rqf", ".")
        shutil.copytree(case.tree_of(b), repo, symlinks=True, dirs_exist_ok=True)
        git("add", "-A")
        git("commit", "-qm", f"corpus: branch {b}")
        git("checkout", "-qf", BASE_BRANCH)
    git("remote", "add", "origin", f"https://github.com/{case.truth['repository']}.git")
    return repo


def cli(repo: Path, *argv: str) -> tuple[int, str]:
    """``gitops-bot ARGV --repo REPO``: exit code and stdout, run in this process (the same
    ``cli.main`` as ``python -m gitops_bot``, without a Python start-up and the package's imports
    per call) as a user whose home is the folder holding the checkout, with no system git
    config. One call at a time: stdout is the process's."""
    done = in_process.run(
        [*argv, "--repo", str(repo)], {"HOME": str(repo.parent), "GIT_CONFIG_NOSYSTEM": "1"}
    )
    return done.code, done.out


def table(scores: Sequence[Score]) -> str:
    """The per-repository score table the lead quotes."""
    rows = [
        f"{'repository':48} {'units':>5} {'pins':>5} {'found':>5} {'%':>5} {'unsaid':>6} "
        f"{'cross':>5} {'wrong':>5}"
    ]
    for s in scores:
        rows.append(
            f"{s.repo:48} {s.units:5d} {s.pins:5d} {s.found:5d} {100 * s.ratio:5.0f} "
            f"{len(s.unsaid):6d} {len(s.cross_edits):5d} {len(s.wrong):5d}"
        )
    pins = sum(s.pins for s in scores)
    found = sum(s.found for s in scores)
    rows.append(
        f"{'total':48} {sum(s.units for s in scores):5d} {pins:5d} {found:5d} "
        f"{100 * found / max(pins, 1):5.0f} {sum(len(s.unsaid) for s in scores):6d} "
        f"{sum(len(s.cross_edits) for s in scores):5d} {sum(len(s.wrong) for s in scores):5d}"
    )
    return "\n".join(rows)
