"""What the repository's own scripts and READMEs apply to a cluster (``gitops-bot init``'s
guesses): ``kubectl apply -k overlays/dev`` in a Makefile, ``kustomize build X | kubectl apply
-f -`` in a README, ``kubectl apply -f k8s/app/deployment.yaml`` in a setup script, ``helm upgrade
--install web ./charts/web -f ./charts/web/prod.yaml`` (the values file beside the chart, else the
chart). No Argo CD or Flux object points at such a folder, yet it is what runs; each is an
environment said as a guess with the file and line it came from, named by a stage word in its
path, else ``default``.

Only paths this repository holds are taken (a URL, a variable or a placeholder is not a path),
relative to the script's own directory first (a README's ``./overlays/dev``), else to the
repository's root (a script run from there); a script run in a container that mounts the
repository under another case (``/kind/kubernetes`` for ``Kind/kubernetes``) is matched without
case when one path only fits."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.record import record
from gitops_bot.engine import discovered_shapes
from gitops_bot.engine.candidates import RenderPath, name_of, safe_name
from gitops_bot.engine.promotion_order import rank_of
from gitops_bot.engine.repository_files import RepoFiles, files_of, norm
from gitops_bot.manifests import argocd_apps
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES

# files that say how the repository is deployed by hand: shell and PowerShell scripts, make
# and task runners, and READMEs (a docs site's pages show commands for the reader's own files)
_SCRIPT_SUFFIXES = (".sh", ".bash", ".ps1", ".mk")
_SCRIPT_NAMES = frozenset(
    {"makefile", "gnumakefile", "justfile", "taskfile.yml", "taskfile.yaml", "tiltfile"}
)
MAX_SCRIPT = 256 * 1024  # bytes of one script read: a script, not a bundle pasted into one

# kubectl (or OpenShift's oc) apply|create|replace, or Carvel's kapp deploy, with its arguments
# to the end of the command: a closing parenthesis ends it, a process substitution is one
# argument (`kapp deploy -f <(kubectl create secret ... -o yaml) -f app.yaml`: kapp's -f app.yaml)
_KUBECTL = re.compile(
    r"\b(?:(?:kubectl|oc)(?:\s+-{1,2}[\w-]+(?:[= ]\S+)?)*\s+(?:apply|create|replace)|kapp\s+deploy)\b"
    r"(?P<args>(?:<\([^)]*\)|[^|;&\n`)])*)"
)
_SUBSTITUTED = re.compile(r"<\([^)]*\)")
# -k DIR, --kustomize DIR, -f PATH, --filename=PATH
_APPLY_ARG = re.compile(r"(?:^|\s)(?P<flag>-k|--kustomize|-f|--filename)(?:=|\s+)(?P<path>[^\s'\"]+)")
# kustomize build DIR (also $(KUSTOMIZE) and bin/kustomize) or kubectl kustomize DIR, piped to an apply
_BUILD = re.compile(
    r"(?:\bkubectl\s+kustomize|\S*kustomize\S*\s+build)(?P<args>(?:\s+[^\s|;&`]+)*?)\s*\|\s*(?:kubectl|oc)\b[^|;&\n]*\b(?:apply|create)\b",
    re.IGNORECASE,
)
# helm install|upgrade|template of a chart, its release name, chart and flags
_HELM = re.compile(r"\bhelm\s+(?P<verb>install|upgrade|template)\b(?P<args>[^|;&\n`]*)")
# what a helm template's output is piped to when it is deployed; thrown away or printed (a CI
# check's `helm template x chart >/dev/null`, a README showing the output), it deploys nothing
_PIPED_TO_APPLY = re.compile(r"\s*\|\s*\S*\b(?:kubectl|oc)\b[^|;&\n]*\b(?:apply|create)\b")
# helm's flags that take a value as the next word (-f FILE, -n NS, --version V)
_HELM_VALUED = frozenset(
    {
        *("-f", "--values", "-n", "--namespace", "--version", "--set", "--set-string", "--set-file"),
        *("--set-json", "--repo", "--kube-context", "--kubeconfig", "-o", "--output", "--timeout"),
        *("--description", "--post-renderer", "--username", "--password", "--api-versions"),
    }
)
# Tilt's calls deploying the repository's files: k8s_yaml('x.yaml'), kustomize('dir'),
# helm('chart', values=['v.yaml']), each path its first argument, written as a string
_TILT = re.compile(
    r"\b(?P<call>k8s_yaml|kustomize|helm)\(\s*\[?\s*(?P<q>['\"])(?P<path>[^'\"]+)(?P=q)(?P<args>[^)]*)\)?"
)
_TILT_VALUES = re.compile(r"\bvalues\s*=\s*\[?\s*(?P<q>['\"])(?P<path>[^'\"]+)(?P=q)")
_NOT_A_PATH = re.compile(r"[$<>{}*?]|^-$|^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@record
class Applied:
    """One path a script applies, where (its file and line) and the command as written."""

    path: str
    file: str
    line: int
    command: str


def applied(repo: RepoFiles) -> list[Applied]:
    """Every path of this repository a script or README applies, first mention each."""
    lower = _by_lowercase(repo)
    out: dict[str, Applied] = {}
    for f in _scripts(repo):
        text = repo.tree.text(repo.root / f)
        if text is None or len(text) > MAX_SCRIPT:
            continue
        markdown = f.lower().endswith(".md")
        where = _Where(repo, lower, f)
        tilt = PurePosixPath(f).name.lower() == "tiltfile"
        for number, line in enumerate(_called(text) if tilt else _joined(text, markdown), 1):
            if not markdown and line.lstrip().startswith("#"):
                continue  # a comment: what it names is not run
            for segment, cwd in where.segments(line):
                for written, values, command in _tilt_paths(segment) if tilt else _paths(segment):
                    path = _resolve(repo, lower, cwd, written)
                    if path is not None and values:
                        # a chart's own per-environment values file is the environment's path
                        file = _resolve(repo, lower, cwd, values)
                        path = file if file and PurePosixPath(file).parent.as_posix() == path else path
                    if path is not None and path not in out:
                        out[path] = Applied(path, f, number, command)
    return list(out.values())


# Where a command runs: (directory, loose). A relative path is its directory's, and, while loose
# (no `cd` read yet), else the repository root's (a script run from there); a directory of None
# is one the bot cannot tell (`cd $WORK`, `cd ..` out of the repository), where no relative path
# is taken: `cd apps/x/overlays/dev` then `kubectl apply -k .` applies that overlay, never the
# README's own folder.
Cwd = tuple[str | None, bool]

# a command changing the directory at the start of a command (after a list's dash, a CI step's
# run:, a shell prompt or a subshell's parenthesis), PowerShell's names too
_CD = re.compile(
    r"^\s*(?:-\s+)?(?:run\s*:\s*[|>]?\s*)?(?:\$\s+)?(?P<sub>\(\s*)?(?P<verb>cd|pushd|popd|set-location|push-location|pop-location)\b(?P<arg>.*)$",
    re.IGNORECASE,
)
_SCRIPT_DIR = re.compile(
    r"dirname\b.*(?:\$0|\$\{?BASH_SOURCE)|\$\{BASH_SOURCE%/\*\}|\$PSScriptRoot", re.IGNORECASE
)
_TOP_DIR = re.compile(r"rev-parse\s+--show-toplevel")
# a YAML file's new job or step: a shell of its own (a GitHub Actions step), the directory anew
_NEW_STEP = re.compile(r"^\S|^\s*-\s+(?:name|uses|run)\s*:")
_FENCE = ("```", "~~~")


class _Where:
    """The directory each command of one script or README runs in, as its ``cd`` lines set it:
    a README's code block, a shell script to its end, a Makefile's recipe line (each its own
    shell), a CI step; a subshell's ``(cd X && ...)`` its own line only."""

    def __init__(self, repo: RepoFiles, lower: dict[str, str | None], file: str) -> None:
        self.repo, self.lower = repo, lower
        self.base = PurePosixPath(file).parent.as_posix()
        name = PurePosixPath(file).name.lower()
        self.markdown = name.endswith(".md")
        self.per_line = name in ("makefile", "gnumakefile", "justfile", "taskfile.yml", "taskfile.yaml") or (
            name.endswith(".mk")
        )
        self.yaml = name.endswith((".yml", ".yaml"))
        self.start: Cwd = (self.base, True)
        self.cwd: Cwd = self.start
        self.pushed: list[Cwd] = []

    def segments(self, line: str) -> Iterator[tuple[str, Cwd]]:
        """Each command of ``line`` with the directory it runs in; a ``cd`` among them moves it."""
        stripped = line.lstrip()
        fence = self.markdown and stripped.startswith(_FENCE)
        if fence or self.per_line or (self.yaml and _NEW_STEP.match(line)):
            self.cwd, self.pushed = self.start, []
        if fence:
            return
        cwd, subshell = self.cwd, False
        for segment in re.split(r"&&|\|\||;" + ("|`" if self.markdown else ""), line):
            if (m := _CD.match(segment)) is None:
                yield segment, cwd
                continue
            subshell = subshell or m.group("sub") is not None
            verb = m.group("verb").lower()
            if verb in ("popd", "pop-location"):
                cwd = self.pushed.pop() if self.pushed else (None, False)
                continue
            if verb in ("pushd", "push-location"):
                self.pushed.append(cwd)
            cwd = self._moved(cwd, m.group("arg"))
        if not subshell:
            self.cwd = cwd

    def _moved(self, cwd: Cwd, arg: str) -> Cwd:
        if _SCRIPT_DIR.search(arg):
            return (self.base, False)
        if _TOP_DIR.search(arg):
            return (".", False)
        words = [w.strip("'\")") for w in arg.split() if not w.startswith("-") or w == "-"]
        if not words or words[0] in ("", "-", "/") or words[0].startswith("~"):
            return (None, False)  # home, the previous directory: not the repository's
        if words[0] in (".", "./"):
            return (cwd[0], False)
        directory = _resolve(self.repo, self.lower, cwd, words[0], dirs_only=True)
        return (directory, False)


def wrapped(repo: RepoFiles, found: Sequence[RenderPath]) -> list[RenderPath]:
    """``found`` with an overlay guessed by its shape that a script never builds, wrapping a
    kustomization below it that one does (kubebuilder's ``make deploy`` building config/default
    beside a config/ kustomization nothing builds), taken as that one: what the script builds."""
    scripted = {a.path: a for a in applied(repo)}
    out = list(found)
    for i, c in enumerate(out):
        if not c.how.startswith("Kustomize overlay") or c.path in scripted:
            continue
        reached = {_rel(repo, p) for p in files_of(repo, c.path)}
        for a in scripted.values():
            built = any(f"{a.path}/{k}" in reached for k in KUSTOMIZATION_NAMES)
            # a CRD bundle the script installs first (make install) is nothing to release
            if (
                a.path.startswith(f"{c.path}/")
                and built
                and discovered_shapes.workload_in(repo, _rendered(repo, a.path))
            ):
                how = f"{a.path}, applied by {a.file}:{a.line} ({a.command}), which {c.path} wraps; a guess"
                out[i] = RenderPath(a.path, c.name, how, c.guess)
                break
    return out


def environments(repo: RepoFiles, found: Sequence[RenderPath]) -> list[RenderPath]:
    """The paths scripts apply that no candidate in ``found`` renders and that render a workload
    (a CRD bundle or a namespace is nothing to release), outside tests: each a guessed
    environment named by the stage word in its path or command, else ``default``."""
    reached: set[str] = set()
    for c in found:
        reached.add(c.path)
        reached |= {_rel(repo, p) for p in files_of(repo, c.path)}
        reached |= _application_paths(repo, c.path)
    out = []
    for a in applied(repo):
        if repo.no_environment(a.path) or a.path in reached:
            continue
        if (chart := _chart_of(repo, a.path)) is not None:
            if chart in reached:
                continue  # an Application renders the chart already
            # a chart's templates are YAML only once rendered: one naming an image deploys one
            if not any(
                "image:" in (repo.text(f) or "") for f in repo.files if f.startswith(f"{chart}/templates/")
            ):
                continue
            own = [a.path]
        else:
            files = _rendered(repo, a.path)
            own = [f for f in files if f in (f"{a.path}/{k}" for k in KUSTOMIZATION_NAMES)] or files
            # rendered already (an overlay includes it), or nothing to release in it; a base
            # it shares with another is no reason to leave it out
            if not files or set(own) <= reached or not discovered_shapes.workload_in(repo, files):
                continue
        reached |= set(own)
        word = name_of(a.path) if rank_of(name_of(a.path)) is not None else None
        how = (
            f"{a.path}, applied by {a.file}:{a.line} ({a.command}); a guess: no Argo CD, Flux or Kargo "
            f"object of the repository renders it, {PurePosixPath(a.file).name} does: remove it if that "
            "is not how it deploys"
        )
        out.append(RenderPath(a.path, safe_name(word or "default"), how))
    return out


# an image built on this machine (docker/podman/nerdctl build -t NAME, buildah bud -t NAME) or loaded
# into a local cluster's node (minikube image load NAME, kind load docker-image NAME), and one pushed
_BUILT = re.compile(
    r"\b(?:(?:docker|podman|nerdctl)\s+(?:image\s+)?build|buildah\s+bud)\b[^|;&\n`]*?"
    r"\s(?:-t|--tag)[= ]\s*['\"]?(?P<name>[^\s'\"]+)"
    r"|\b(?:minikube\s+image\s+load|kind\s+load\s+docker-image)\s+['\"]?(?P<loaded>[^\s'\"]+)"
)
_PUSHED = re.compile(r"\b(?:docker|podman|nerdctl)\s+(?:image\s+)?push\s+['\"]?(?P<name>[^\s'\"]+)")


def built_locally(repo: RepoFiles) -> dict[str, str]:
    """The images (their repository as written, tag left off) a script or README builds on the
    machine or loads into a local cluster's node and none pushes: the node runs its own copy
    (docker build -t auth-service:latest, then kubectl apply), no registry holds what runs. Each
    with where it is built (file:line). A name with a variable in it is none the bot can tell."""
    built: dict[str, str] = {}
    pushed: set[str] = set()
    for f in _scripts(repo):
        text = repo.tree.text(repo.root / f)
        if text is None or len(text) > MAX_SCRIPT:
            continue
        for number, line in enumerate(_joined(text, f.lower().endswith(".md")), 1):
            for m in _BUILT.finditer(line):
                name = _repository(m.group("name") or m.group("loaded"))
                if name:
                    built.setdefault(name, f"{f}:{number}")
            pushed.update(n for m in _PUSHED.finditer(line) if (n := _repository(m.group("name"))))
    return {n: where for n, where in built.items() if n not in pushed}


def _repository(written: str) -> str:
    """An image as a command writes it, without its tag or digest; "" for one a variable names."""
    if "$" in written or "{" in written or "<" in written:
        return ""
    ref = written.split("@", 1)[0]
    head, slash, last = ref.rpartition("/")
    return f"{head}{slash}{last.split(':', 1)[0]}"


def _scripts(repo: RepoFiles) -> Iterator[str]:
    for f in repo.files:
        name = PurePosixPath(f).name.lower()
        readme = name.startswith("readme") and name.endswith(".md")
        if readme or name in _SCRIPT_NAMES or name.endswith((*_SCRIPT_SUFFIXES, ".gitlab-ci.yml")):
            yield f
    # a CI workflow's steps deploy too (kubectl apply -k overlays/prod after the build); the
    # repository's listing leaves .github out, its manifests are no environment
    workflows = repo.root / ".github" / "workflows"
    if workflows.is_dir() and not workflows.is_symlink():
        names = sorted(p.name for p in workflows.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        yield from (f".github/workflows/{n}" for n in names[:MAX_WORKFLOWS])


MAX_WORKFLOWS = 100  # workflow files read at most
MAX_TERRAFORM = 500  # Terraform files read at most

# a Terraform resource deploying to a cluster something with a version: a chart, an Argo CD
# Application, a manifest or a workload
_TERRAFORM = re.compile(
    r'^[ \t]*resource[ \t]+"(helm_release|argocd_application(?:_set)?|kubectl_manifest|kubernetes_manifest'
    r'|kubernetes_(?:deployment|daemonset|daemon_set|stateful_set|cron_job|job)(?:_v1)?)"',
    re.M,
)


def terraform(repo: RepoFiles) -> list[str]:
    """What the repository's Terraform deploys, said: the bot reads no Terraform, so a
    repository deployed by it is told why nothing of it is found, not only that nothing is."""
    kinds: dict[str, int] = {}
    files: list[str] = []
    for f in [f for f in repo.files if f.endswith(".tf")][:MAX_TERRAFORM]:
        text = repo.tree.text(repo.root / f)
        found = _TERRAFORM.findall(text) if text is not None and len(text) <= MAX_SCRIPT else []
        files += [f] if found else []
        for kind in found:
            kinds[kind] = kinds.get(kind, 0) + 1
    if not files:
        return []
    more = f", and {len(files) - 3} more" if len(files) > 3 else ""
    return [
        f"{len(files)} Terraform file{'s' if len(files) > 1 else ''} ({', '.join(files[:3])}{more}) deploy "
        f"with {', '.join(f'{k} x{n}' for k, n in kinds.items())}: the bot reads no Terraform, so the chart "
        "versions and images they deploy are not released; to have them released, pin them in files it "
        "reads (an Argo CD Application, a Flux HelmRelease, a Chart.yaml dependency, a manifest)"
    ]


def scripted_charts(repo: RepoFiles) -> list[str]:
    """The published charts a script installs at a version it writes (``helm upgrade --install
    minio minio --repo https://... --version 3.7.9``), said in one line: the bot edits no shell
    script, and a pinned version nothing says is a silent one."""
    found: dict[str, str] = {}
    for f in _scripts(repo):
        if f.lower().endswith(".md"):
            continue  # a README's commands show the reader how, with versions of their own
        text = repo.tree.text(repo.root / f)
        if text is None or len(text) > MAX_SCRIPT:
            continue
        for number, line in enumerate(_joined(text), 1):
            for m in _HELM.finditer(line):
                words = [w.strip("'\"") for w in m.group("args").split()]
                if (pinned := _published(repo, words)) is not None:
                    found.setdefault(pinned, f"{f}:{number}")
    if not found:
        return []
    shown = ", ".join(f"{c} in {w}" for c, w in list(found.items())[:4])
    more = f", and {len(found) - 4} more" if len(found) > 4 else ""
    return [
        f"{len(found)} chart version{'s' if len(found) > 1 else ''} pinned in helm commands of scripts "
        f"({shown}{more}): the bot edits no script, so they are not released; pin them in files it reads "
        "(an Argo CD Application, a Flux HelmRelease, a Chart.yaml dependency) to have them released"
    ]


def _published(repo: RepoFiles, words: Sequence[str]) -> str | None:
    """``chart version`` of a helm command installing a published chart (``--repo URL``, or a
    chart no path of this repository is) at a version it writes; None otherwise."""
    version = next((words[i + 1] for i, w in enumerate(words[:-1]) if w == "--version"), "")
    version = version or next((w.removeprefix("--version=") for w in words if w.startswith("--version=")), "")
    charts = [c for c, _, _ in _helm_paths(words, "")]
    if not version or not charts or "$" in version or "$" in charts[0]:
        return None
    from_repo = any(w == "--repo" or w.startswith("--repo=") for w in words)
    if not from_repo and _resolve(repo, {}, (".", True), charts[0]) is not None:
        return None  # a chart of this repository: read where it is deployed
    return f"{charts[0]} {version}"


def _joined(text: str, markdown: bool = False) -> list[str]:
    """The lines, each continued one (a trailing backslash or backtick) joined to the next and
    kept at its first line's number, so a command written over lines is one; a README's code
    fence (its backticks) continues nothing."""
    out: list[str] = []
    carry = ""
    start = 0
    for line in text.splitlines():
        fence = markdown and line.lstrip().startswith(_FENCE)
        if not carry:
            start = len(out)
        out.append("")  # keeps the numbers: the command is said at its first line
        if line.rstrip().endswith(("\\", "`")) and not fence:
            carry += line.rstrip()[:-1] + " "
            continue
        out[start] = carry + line
        carry = ""
    return out


def _tilt_paths(line: str) -> Iterator[tuple[str, str, str]]:
    """(path, its helm values file or "", the call) of each of Tilt's deploying calls on ``line``."""
    for m in _TILT.finditer(line):
        values = _TILT_VALUES.search(m.group("args")) if m.group("call") == "helm" else None
        yield m.group("path"), values.group("path") if values else "", _said(m.group(0))


def _called(text: str) -> list[str]:
    """A Tiltfile's lines, a call written over lines (``k8s_yaml(helm(\n "charts/x",``) joined
    into its first line, the numbers kept as :func:`_joined` keeps them."""
    out: list[str] = []
    carry, depth, first = "", 0, 0
    for line in text.splitlines():
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
        if depth == 0:
            first = len(out)
            carry = line
        else:
            carry += " " + code.strip()
        depth = max(0, depth + code.count("(") - code.count(")"))
        out.append("")
        if depth == 0:
            out[first] = carry
    if depth:
        out[first] = carry
    return out


def _paths(line: str) -> Iterator[tuple[str, str, str]]:
    """(path as written, a helm values file as written or "", the command) of each apply on
    ``line``."""
    for m in _BUILD.finditer(line):
        args = [a for a in m.group("args").split() if not a.startswith("-")]
        if args:
            yield args[0].strip("'\""), "", _said(m.group(0))
    for m in _HELM.finditer(line):
        words = m.group("args").split()
        if "--dry-run" in words or any(w.startswith("--dry-run=") for w in words):
            continue  # shows what would be installed, installs nothing
        if m.group("verb") == "template" and not _PIPED_TO_APPLY.match(line, m.end()):
            continue
        yield from _helm_paths(words, _said(m.group(0)))
    for m in _KUBECTL.finditer(line):
        if "--dry-run" in _SUBSTITUTED.sub("", m.group("args")):
            continue  # prints the objects (for a pipe or a check), applies nothing
        for a in _APPLY_ARG.finditer(m.group("args")):
            # the command up to the path: what follows on the line may be prose or quoting
            # a subshell's closing parenthesis ends the command, not the path
            yield (
                a.group("path").strip("'\"").rstrip(")"),
                "",
                _said(line[m.start() : m.start("args") + a.end("path")]),
            )


def _helm_paths(words: Sequence[str], command: str) -> Iterator[tuple[str, str, str]]:
    """(chart, its first values file or "", the command) of a helm command's words: the chart
    is the second word that is no flag's (the first is the release's name), or the only one."""
    positional: list[str] = []
    values: list[str] = []
    taken = False
    for i, w in enumerate(words):
        if taken:
            taken = False
            if words[i - 1] in ("-f", "--values"):
                values.append(w.strip("'\""))
            continue
        if w.startswith("-"):
            taken = w in _HELM_VALUED
            if w.startswith(("--values=", "-f=")):
                values.append(w.split("=", 1)[1].strip("'\""))
            continue
        positional.append(w.strip("'\""))
    chart = positional[1] if len(positional) > 1 else (positional[0] if positional else "")
    if chart:
        yield chart, values[0] if values else "", command


def _said(command: str) -> str:
    return " ".join(command.replace('"', "").replace("'", "").split())


def _resolve(
    repo: RepoFiles, lower: dict[str, str | None], cwd: Cwd, written: str, *, dirs_only: bool = False
) -> str | None:
    """The repository path ``written`` names run in ``cwd``, or None: a variable, a URL, a path
    outside the repository or not in it. With ``dirs_only`` (a ``cd``), the root is ".", a
    directory only."""
    if _NOT_A_PATH.search(written):
        return None
    base, loose = cwd
    written = written.rstrip("/")
    tries = []
    if not written.startswith("/") and base is not None:
        tries.append(norm(f"{base}/{written}") if base != "." else norm(written))
    if written.startswith("/") or loose:
        tries.append(norm(written.lstrip("/")))
    if dirs_only:
        for t in tries:
            if t in ("", ".") or (not t.startswith("..") and t in repo.dirs):
                return t or "."
        return None
    for t in tries:
        if t and not t.startswith("..") and (t in repo.dirs or t in repo.files):
            return t
    for t in tries:
        if t and (hit := lower.get(t.lower())) is not None:
            return hit
    return None


def _by_lowercase(repo: RepoFiles) -> dict[str, str | None]:
    """Each path by its lowercase spelling; None where two share one (no case to pick)."""
    out: dict[str, str | None] = {}
    for p in (*repo.files, *(d for d in repo.dirs if d)):
        out[p.lower()] = None if p.lower() in out and out[p.lower()] != p else p
    return out


def _application_paths(repo: RepoFiles, path: str) -> set[str]:
    """The directories of this repository the Argo CD Applications in the file ``path`` render."""
    text = repo.text(path) if path.endswith((".yaml", ".yml")) else None
    if not text or "argoproj.io" not in text:
        return set()
    try:
        return {norm(a.path.lstrip("/")) for a in argocd_apps.sources(text, path) if a.path}
    except GitOpsBotError:
        return set()


def _chart_of(repo: RepoFiles, path: str) -> str | None:
    """The chart ``path`` is, or whose values file it is; None when it is neither."""
    if f"{path}/Chart.yaml" in repo.files:
        return path
    parent = PurePosixPath(path).parent.as_posix()
    return parent if path in repo.files and f"{parent}/Chart.yaml" in repo.files else None


def _rendered(repo: RepoFiles, path: str) -> list[str]:
    if path in repo.files:
        return [path] if path.endswith((".yaml", ".yml", ".json")) else []
    return [_rel(repo, p) for p in files_of(repo, path)]


def _rel(repo: RepoFiles, p: Path) -> str:
    try:
        return p.resolve().relative_to(repo.root).as_posix()
    except ValueError:
        return str(p)
