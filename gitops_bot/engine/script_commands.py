"""What the commands of the repository's own scripts and READMEs do, read once for ``gitops-bot
init``: each script (shell and PowerShell scripts, make and task runners, a Tiltfile, READMEs, CI
workflows) is read in one pass into typed findings, each with the file and line of its command:
the paths of this repository it applies to a cluster (``kubectl apply -k overlays/dev``,
``kustomize build X | kubectl apply -f -``, ``helm upgrade --install web ./charts/web -f
./charts/web/prod.yaml``, Tilt's ``k8s_yaml``), the images it builds on the machine and those it
pushes, and the published charts it installs at a version it writes. Each question init asks of
the scripts (:mod:`gitops_bot.engine.discovered_scripts`) is a lookup into that reading.

Only paths this repository holds are taken (a URL, a variable or a placeholder is not a path),
relative to the script's own directory first (a README's ``./overlays/dev``), else to the
repository's root (a script run from there); a script run in a container that mounts the
repository under another case (``/kind/kubernetes`` for ``Kind/kubernetes``) is matched without
case when one path only fits."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import PurePosixPath

from gitops_bot.core.record import record
from gitops_bot.engine import script_argocd, script_clusters, script_edits, script_heredocs
from gitops_bot.engine.repository_files import RepoFiles, norm
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
# (the build, then what follows it, matched apart: see _commands)
_BUILD = re.compile(r"(?:\bkubectl\s+kustomize|\S*kustomize\S*\s+build)(?=[\s|]|$)", re.IGNORECASE)
_BUILD_PIPED = re.compile(
    r"(?P<args>(?:\s+[^\s|;&`]+)*?)\s*\|\s*(?:kubectl|oc)\b[^|;&\n]*\b(?:apply|create)\b", re.IGNORECASE
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


@record
class BuiltImage:
    """An image (its repository as written, tag left off) a command builds on the machine or
    loads into a local cluster's node, where, and the command. ``over``: a developer's loop
    (Tilt's ``docker_build``) building it on every run, in place of whatever tag the manifests it
    deploys write, whatever registry the name names."""

    image: str
    file: str
    line: int
    command: str
    over: bool = False

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@record
class PinnedChart:
    """A published chart (``chart version``) a script's helm command installs at a version it writes."""

    chart: str
    file: str
    line: int


@record
class Scripts:
    """What the repository's scripts do, each finding in the order of the files and lines."""

    applied: tuple[Applied, ...] = ()
    built: tuple[BuiltImage, ...] = ()
    pushed: frozenset[str] = frozenset()  # images pushed to a registry, tag left off
    pinned: tuple[PinnedChart, ...] = ()
    # a path a script applies below a line loading images into a local cluster's node (minikube
    # image load, kind load, k3d image import, minikube docker-env; a name in a variable too) ->
    # that command and the load (its command, file:line): what it applies runs the machine's
    # builds (a Makefile's targets above it deploy otherwise)
    local: Mapping[str, tuple[Applied, str]] = field(default_factory=dict)
    # the files a script or workflow edits a tag in and commits (script_edits): a second writer
    edited: tuple[Applied, ...] = ()
    # the charts a script or workflow packages with an --app-version of its own (script_edits)
    packaged: tuple[Applied, ...] = ()
    # an image name a command replaces by another repository before a build (kubebuilder's
    # ``kustomize edit set image controller=${IMG}``) -> that command, first mention
    replaced: Mapping[str, Applied] = field(default_factory=dict)
    # what a script applies to a cluster it has just made for the run (script_clusters)
    throwaway: tuple[script_clusters.Throwaway, ...] = ()
    # the Argo CD applications a script creates over a path a variable names (--path $CLUSTER)
    unnamed: tuple[Applied, ...] = ()
    # (the --repo URL, file, line) of each argocd app create over another repository (scripts only)
    elsewhere: tuple[tuple[str, str, int], ...] = ()


def read(repo: RepoFiles) -> Scripts:
    """Every script and README of the repository read once: the paths each applies (first
    mention each), the images built and pushed, the published charts pinned."""
    lower = _by_lowercase(repo)
    applied: dict[str, Applied] = {}
    built: list[BuiltImage] = []
    pushed: set[str] = set()
    pinned: list[PinnedChart] = []
    local: dict[str, tuple[Applied, str]] = {}
    edited: list[Applied] = []
    packaged: list[Applied] = []
    replaced: dict[str, Applied] = {}
    throwaway: list[script_clusters.Throwaway] = []
    unnamed: list[Applied] = []
    elsewhere: list[tuple[str, str, int]] = []
    resolve = functools.partial(_resolve, repo, lower)
    for f in _scripts(repo):
        text = repo.tree.text(repo.root / f)
        if text is None or len(text) > MAX_SCRIPT:
            continue
        markdown = f.lower().endswith(".md")
        tilt = PurePosixPath(f).name.lower() == "tiltfile"
        lines = _joined(text, markdown)
        mine = list(_applying(repo, lower, f, _called(text) if tilt else lines))
        # a local cluster's script names its paths under a variable of its own root
        # (kubectl apply -k "$ROOT/local-k8s"): the path below it, where this repository holds it
        # (taken for that loop alone: what a variable names is no deployment the bot can tell)
        rooted = [
            Applied(rel, f, n, _said(m.group(0)))
            for n, line in enumerate(lines, 1)
            for m in _ROOTED_APPLY.finditer(line)
            if (rel := norm(m.group("rel").rstrip("/"))) in repo.dirs or rel in repo.files
        ]
        for a in mine:
            applied.setdefault(a.path, a)
        for number, line in enumerate(lines, 1):
            built += (BuiltImage(n, f, number, _said(c)) for n, c in _built(line))
            pushed.update(n for m in _PUSHED.finditer(line) if (n := _repository(m.group("name"))))
            if (load := _NODE_LOAD.search(line)) is not None and not markdown:
                said = f"{load.group(0)} at {f}:{number}"
                local.update(
                    {a.path: (a, said) for a in (*mine, *rooted) if a.line >= number and a.path not in local}
                )
            unnamed += (
                Applied(p["path"], f, number, "") for _, p in script_argocd.paths(line) if "$" in p["path"]
            )
            if markdown:
                continue  # a README's commands show the reader how, with versions of their own
            elsewhere += ((url, f, number) for url in script_argocd.other_repositories(repo, line))
            for old, command in script_edits.replaced(line):
                replaced.setdefault(old, Applied(old, f, number, command))
            for m in _HELM.finditer(line):
                words = [w.strip("'\"") for w in m.group("args").split()]
                if (chart := _published(repo, words)) is not None:
                    pinned.append(PinnedChart(chart, f, number))
        built += _tilt_built(f, text) if tilt else []
        throwaway += script_clusters.applied(f, lines, _paths) if not (markdown or tilt) else ()
        if not markdown and script_edits.COMMITS.search(text):
            found = script_edits.edits(lines, _Where(repo, lower, f).segments, resolve, set(repo.files))
            edited += (Applied(path, f, n, command) for path, n, command in found)
        if not markdown and "--app-version" in text:
            charts = script_edits.packaged(lines, _Where(repo, lower, f).segments, resolve)
            packaged += (Applied(path, f, n, command) for path, n, command in charts)
    found_by = (tuple(applied.values()), tuple(built), frozenset(pushed), tuple(pinned), local)
    return Scripts(
        *found_by,
        edited=tuple(edited),
        packaged=tuple(packaged),
        replaced=replaced,
        throwaway=tuple(throwaway),
        unnamed=tuple(unnamed),
        elsewhere=tuple(elsewhere),
    )


def _applying(
    repo: RepoFiles, lower: dict[str, str | None], f: str, lines: Sequence[str]
) -> Iterator[Applied]:
    """The paths of this repository the commands of one script or README apply, in order."""
    markdown = f.lower().endswith(".md")
    where = _Where(repo, lower, f)
    tilt = PurePosixPath(f).name.lower() == "tiltfile"
    for number, line in enumerate(lines, 1):
        if not markdown and line.lstrip().startswith("#"):
            continue  # a comment: what it names is not run
        for segment, cwd in where.segments(line):
            for written, values, command in _tilt_paths(segment) if tilt else _paths(segment):
                path = _resolve(repo, lower, cwd, written)
                if path is not None and values:
                    # a chart's own per-environment values file is the environment's path
                    file = _resolve(repo, lower, cwd, values)
                    path = file if file and PurePosixPath(file).parent.as_posix() == path else path
                # helm fails on a folder with no Chart.yaml, kustomize on one with no kustomization
                flags = {a["flag"] for a in _APPLY_ARG.finditer(command)} & {"-k", "--kustomize"}
                needs: tuple[str, ...] = KUSTOMIZATION_NAMES if flags or _BUILD.search(command) else ()
                needs = ("Chart.yaml",) if command.startswith("helm") else needs
                if path is not None and not (
                    needs and path in repo.dirs and not any(norm(f"{path}/{n}") in repo.files for n in needs)
                ):
                    yield Applied(path, f, number, command)


# Tilt's calls building an image it deploys in place of the tag the manifests write (the
# restart_process extension's too): the image's name, their first argument or ref=
_TILT_BUILDS = frozenset(
    {"docker_build", "custom_build", "docker_build_with_restart", "custom_build_with_restart"}
)


def _tilt_built(f: str, text: str) -> list[BuiltImage]:
    """The images a Tiltfile builds on every run: a build call at its top level, or in each
    branch of an ``if`` (``if native_build: ... else: ...``); one under an ``if`` alone (built
    when the developer asks, ``if 'x' in to_edit``), in a loop or a function is not taken, and
    a Tiltfile Python does not parse (Starlark is Python's syntax) yields none."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found: dict[str, BuiltImage] = {}
    for b in _always(f, tree.body):
        found.setdefault(b.image, b)
    return list(found.values())


def _always(f: str, body: Sequence[ast.stmt]) -> list[BuiltImage]:
    out: list[BuiltImage] = []
    for stmt in body:
        if isinstance(stmt, ast.Expr) and (b := _tilt_build(f, stmt.value)) is not None:
            out.append(b)
        elif isinstance(stmt, ast.If) and stmt.orelse:
            otherwise = {b.image for b in _always(f, stmt.orelse)}
            out += [b for b in _always(f, stmt.body) if b.image in otherwise]
    return out


def _tilt_build(f: str, node: ast.expr) -> BuiltImage | None:
    if (
        not isinstance(node, ast.Call)
        or not isinstance(node.func, ast.Name)
        or node.func.id not in _TILT_BUILDS
    ):
        return None
    ref = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "ref"), None)
    if not isinstance(ref, ast.Constant) or not isinstance(ref.value, str) or not _repository(ref.value):
        return None
    return BuiltImage(_repository(ref.value), f, node.lineno, f"{node.func.id}({ref.value})", over=True)


def _built(line: str) -> Iterator[tuple[str, str]]:
    """(image, command) of each build on the machine or load into a local cluster's node on
    ``line``, left to right; a load inside a build's command is that build's."""
    found = [(at, m.end(), m.group("name"), line[at : m.end()]) for at, m in _commands(line, _BUILT, _TAGGED)]
    found += [(m.start(), m.end(), m.group("loaded"), m.group(0)) for m in _LOADED.finditer(line)]
    end = 0
    for at, stop, written, command in sorted(found):
        if at >= end:
            end = stop
            if name := _repository(written):
                yield name, command


def _commands(
    line: str, start: re.Pattern[str], rest: re.Pattern[str]
) -> Iterator[tuple[int, re.Match[str]]]:
    """(where, what follows) of each ``start`` followed at once by ``rest``, left to right and
    apart, as the one regex ``start rest`` finds them, in time linear in the line. ``rest``
    reads no further than the command's end (``|;&`` or a line break), and fails only there:
    a start it fails for, every later start before that end fails for too, so the scan goes on
    past it. The one regex read from each start to that end again: a script line of 20,000
    `docker build` (or `kustomize build`) with no tag (no pipe to an apply) took minutes."""
    pos = 0
    while (s := start.search(line, pos)) is not None:
        if (m := rest.match(line, s.end())) is not None:
            yield s.start(), m
            pos = max(m.end(), s.end())
        else:
            end = _COMMAND_END.search(line, s.end())
            pos = end.end() if end is not None else len(line)


_COMMAND_END = re.compile(r"[|;&\n`]")
# an image built on this machine (docker/podman/nerdctl build -t NAME, buildah bud -t NAME) or loaded
# into a local cluster's node (minikube image load NAME, kind load docker-image NAME), and one pushed
_BUILT = re.compile(r"\b(?:(?:docker|podman|nerdctl)\s+(?:image\s+)?build|buildah\s+bud)\b")
_TAGGED = re.compile(r"[^|;&\n`]*?\s(?:-t|--tag)[= ]\s*['\"]?(?P<name>[^\s'\"]+)")
_LOADED = re.compile(
    r"\b(?:minikube\s+image\s+load|kind\s+load\s+docker-image)\s+['\"]?(?P<loaded>[^\s'\"]+)"
)
_ROOTED_APPLY = re.compile(
    r"\bkubectl\s+apply\s+(?:-k|-f|--kustomize|--filename)[= ]\s*['\"]?\$\{?\w+\}?/(?P<rel>[^\s'\"$]+)"
)
# a command putting images built on the machine into a local cluster's node, whatever it names
_NODE_LOAD = re.compile(
    r"\b(?:minikube\s+image\s+load|kind\s+load\s+docker-image|k3d\s+image\s+import|minikube\s+docker-env)\b"
)
_PUSHED = re.compile(r"\b(?:docker|podman|nerdctl)\s+(?:image\s+)?push\s+['\"]?(?P<name>[^\s'\"]+)")


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
        if repo.vendored(f):  # a vendored dependency's README shows its upstream's install
            continue
        if readme or name in _SCRIPT_NAMES or name.endswith((*_SCRIPT_SUFFIXES, ".gitlab-ci.yml")):
            yield f
    # a CI workflow's steps deploy too (kubectl apply -k overlays/prod after the build); the
    # repository's listing leaves .github out, its manifests are no environment
    workflows = repo.root / ".github" / "workflows"
    if workflows.is_dir() and not workflows.is_symlink():
        names = sorted(p.name for p in workflows.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        yield from (f".github/workflows/{n}" for n in names[:MAX_WORKFLOWS])


MAX_WORKFLOWS = 100  # workflow files read at most


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
    raw = text.splitlines()
    data = script_heredocs.heredocs(raw)
    for n, line in enumerate(raw):
        line = "" if n in data else line
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
    for start, m in _commands(line, _BUILD, _BUILD_PIPED):
        args = [a for a in m.group("args").split() if not a.startswith("-")]
        if args:
            yield args[0].strip("'\""), "", _said(line[start : m.end()])
    for m in _HELM.finditer(line):
        words = m.group("args").split()
        if "--dry-run" in words or any(w.startswith("--dry-run=") for w in words):
            continue  # shows what would be installed, installs nothing
        if m.group("verb") == "template" and not _PIPED_TO_APPLY.match(line, m.end()):
            continue
        yield from _helm_paths(words, _said(m.group(0)))
    for m, p in script_argocd.paths(line):  # wherever the script runs, the path is the root's
        yield f"/{p['path'].lstrip('/')}", "", _said(line[m.start() : m.start("args") + p.end()])
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
