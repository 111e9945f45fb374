"""Where a repository's deploy files are when the branch checked out holds none: the clone's
other branches (an application repository keeping its manifests on a ``config`` branch), read
with git's own listings, never checked out, each bounded, so ``init``'s "found no environment"
names the branch to switch to instead of steering to a configuration written by hand."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from gitops_bot.core.record import record
from gitops_bot.git.gitcli import completed
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES

MAX_REFS = 50  # branches looked at, at most: a clone's usual remote branches
MAX_NAMES = 20_000  # file names of one branch looked at, at most (the discovery's own bound)
MAX_SAID = 3  # branches named on the line, at most
_DEPLOYERS = ("argoproj.io/", "kustomize.toolkit.fluxcd.io/", "helm.toolkit.fluxcd.io/")


@record
class Holding:
    """A branch of the clone holding deploy files the checkout lacks."""

    ref: str  # as git names it (``origin/config``, ``config``)
    branch: str  # what ``git switch`` takes (``config``)
    kustomizations: tuple[str, ...]  # their directories
    charts: tuple[str, ...]  # the directories holding a Chart.yaml
    deployers: int  # YAML files naming an Argo CD or Flux object

    def said(self) -> str:
        what = []
        if self.kustomizations:
            what.append(
                _some(f"kustomization{'s' if len(self.kustomizations) > 1 else ''}", self.kustomizations)
            )
        if self.charts:
            what.append(_some(f"chart{'s' if len(self.charts) > 1 else ''}", self.charts))
        if self.deployers:
            what.append(
                f"{self.deployers} file{'s' if self.deployers > 1 else ''} of Argo CD or Flux objects"
            )
        return f"{self.ref} holds {', '.join(what)}"


def _some(what: str, dirs: tuple[str, ...]) -> str:
    shown = ", ".join(d or "." for d in dirs[:4])
    return f"{what} {shown}" + (f" and {len(dirs) - 4} more" if len(dirs) > 4 else "")


def other_branches(root: Path) -> list[Holding]:
    """The clone's branches (local and remote, at most :data:`MAX_REFS`) whose commit
    is not the checkout's and whose tree holds a kustomization, a chart or an Argo CD or Flux
    object: what an environment would be read from after ``git switch``. [] outside a git
    clone, or when git cannot list them."""
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
    listed = _git(
        root,
        "for-each-ref",
        f"--count={MAX_REFS}",
        "--format=%(objectname) %(refname)",
        "refs/remotes",
        "refs/heads",
    )
    seen = {head}
    out: list[Holding] = []
    for line in listed.splitlines():
        commit, _, ref = line.partition(" ")
        # what git switch takes: a local branch's name, a remote's branch without its remote
        branch = (
            ref.removeprefix("refs/heads/")
            if ref.startswith("refs/heads/")
            else _short(ref).partition("/")[2]
        )
        # a name git branch refuses ('-x', '--upload-pack=...'): git switch reads it as an option
        if not ref or ref.endswith("/HEAD") or commit in seen or branch.startswith("-"):
            continue
        seen.add(commit)
        held = _held(root, commit, _short(ref), branch)
        if held is not None:
            out.append(held)
    return out


def origin_branches(root: Path) -> list[str]:
    """The branches ``origin`` held when this clone last fetched (its remote-tracking refs,
    at most :data:`MAX_REFS`); [] when none is recorded (a repository never fetched, where
    nothing is known of the remote's branches)."""
    listed = _git(root, "for-each-ref", f"--count={MAX_REFS}", "--format=%(refname)", "refs/remotes/origin")
    names = [r.removeprefix("refs/remotes/origin/") for r in listed.split()]
    return [n for n in names if n != "HEAD"]


def _short(ref: str) -> str:
    for prefix in ("refs/remotes/", "refs/heads/"):
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return ref


def _held(root: Path, commit: str, ref: str, branch: str) -> Holding | None:
    names = _git(root, "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit).split("\0")[:MAX_NAMES]
    kustomized = sorted({_dir(n) for n in names if PurePosixPath(n).name in KUSTOMIZATION_NAMES})
    charts = sorted({_dir(n) for n in names if PurePosixPath(n).name == "Chart.yaml"})
    # which YAML files name a deploy tool's object: git grep reads the commit's blobs itself
    args = [a for d in _DEPLOYERS for a in ("-e", d)]
    found = _git(root, "grep", "-l", "-I", "-F", *args, commit, "--", "*.yaml", "*.yml")
    deployers = len([f for f in found.splitlines() if f][:MAX_NAMES])
    if not kustomized and not charts and not deployers:
        return None
    return Holding(ref, branch, tuple(kustomized), tuple(charts), deployers)


def _dir(name: str) -> str:
    parent = PurePosixPath(name).parent.as_posix()
    return "" if parent == "." else parent


def _git(root: Path, *args: str) -> str:
    done = completed(list(args), cwd=str(root))
    return done.stdout.decode(errors="replace") if done.returncode == 0 else ""


def line(root: Path) -> tuple[str, str] | None:
    """What ``init``'s "found no environment" in ``root`` adds (the other branches holding
    deploy files, the first :data:`MAX_SAID`) and the branch to switch to (the first's). None
    when no branch does."""
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
    if head and _held(root, head, "HEAD", "") is not None:
        return None  # the checkout holds deploy files too: what it lacks is not another branch's
    held = other_branches(root)
    if not held:
        return None
    return _said(root, held, "holds none, but other branches do")


def pinned_elsewhere(root: Path) -> tuple[str, str] | None:
    """What ``init``'s "nothing to release here" adds where the checkout's environments pin
    nothing: the other branches holding deploy files the checkout does not (kustomizations or
    charts of other directories: an environment's pins kept on a branch of its own, as
    iwacollection/k3s-gitops's gitops/dev does), and the branch to switch to. None when none
    holds more than the checkout."""
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
    here = _held(root, head, "HEAD", "") if head else None
    ours = set(here.kustomizations) | set(here.charts) if here is not None else set()
    held = [h for h in other_branches(root) if (set(h.kustomizations) | set(h.charts)) - ours]
    if not held:
        return None
    return _said(root, held, "pins none, but other branches hold other deploy files")


def _said(root: Path, held: list[Holding], what: str) -> tuple[str, str]:
    """The line naming the checkout, ``what`` of it, and the first :data:`MAX_SAID` of
    ``held``; and the branch to switch to (the first's)."""
    checked_out = _git(root, "symbolic-ref", "-q", "--short", "HEAD").strip()
    here = f"the branch checked out ({checked_out})" if checked_out else "the commit checked out"
    more = f" and {len(held) - MAX_SAID} more branches" if len(held) > MAX_SAID else ""
    said = "; ".join(h.said() for h in held[:MAX_SAID])
    return f"{here} {what}: {said}{more}", held[0].branch
