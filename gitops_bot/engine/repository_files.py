"""The repository's files as discovery (``gitops-bot init``) sees them: listed once with an item
bound, each read with a size bound and parsed once; which directories hold no environment (tests,
fixtures, a bootstrap) and which render only the deploy tools' own objects (a cluster's setup)."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.engine.promotion_order import (
    kind_of,
    rank_of,
    same,
)
from gitops_bot.manifests import argocd_appsets, definitions_only, guard, is_appset, workloads, yamlvalues
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES
from gitops_bot.manifests.yamltext import YamlText
from gitops_bot.render import git_generators, reader
from gitops_bot.render.deployers import JSONNET, jsonnet_said
from gitops_bot.render.walk import TEMPLATE_TOKEN

log = get_logger(__name__)

MAX_FILES = 20_000  # files listed at most: a repository's GitOps tree, not a monorepo's whole


YAML = (".yaml", ".yml")
_VERSION_DIR = re.compile(r"v?[0-9]+\.[0-9]+\.[0-9]+[0-9A-Za-z.+-]*")


# vendor/: Go's; cue.mod/: CUE's module folder (its gen/, pkg/, usr/ hold the definitions and
# upstream manifests CUE imports, never what the repository deploys)
SKIPPED_DIRS = frozenset({".git", "node_modules", ".github", "vendor", "cue.mod"})


# Directories that hold no environment: a repository's tests and their fixtures (overlays built
# to check policies, not deployed), and the bootstrap that installs the deploy tool itself.
NOT_ENVIRONMENTS = frozenset(
    {
        "tests",
        "fixtures",
        "testdata",
        "test-data",
        "test_data",
        "test-fixtures",
        "__tests__",
        "__fixtures__",
        "bootstrap",
    }
)
# Folders a test word names (Go's e2e_test, a plugin's test_errors, integration_test): a
# project's tests. An ``e2e`` folder is too, unless a folder beside it is named for a stage
# (overlays/dev, overlays/e2e, overlays/prod: the e2e stage).
_TEST_FOLDER = re.compile(r"test_.+|.+_test|e2e")
# A ``test`` folder at the root is the project's tests (Go's and Ruby's layout: test/e2e,
# test/fixtures), unless the root's other folders are stages too: then it is the test stage.
ROOT_STAGES = frozenset({"dev", "development", "qa", "staging", "stage", "uat", "prod", "production"})


# The deploy tools' own objects: a directory rendering these and no workload sets up a cluster
# (an app of apps, a cluster's registration, Flux's sync objects); it deploys environments, it
# is none.
_SOURCES = frozenset({"HelmRepository", "OCIRepository"})  # what a HelmRelease's chart comes from
_TOOL_KINDS = frozenset(
    {
        ("argoproj.io", "Application"),
        ("argoproj.io", "ApplicationSet"),
        ("argoproj.io", "AppProject"),
        ("kustomize.toolkit.fluxcd.io", "Kustomization"),
        ("source.toolkit.fluxcd.io", "GitRepository"),
        ("source.toolkit.fluxcd.io", "HelmRepository"),
        ("source.toolkit.fluxcd.io", "OCIRepository"),
        ("source.toolkit.fluxcd.io", "Bucket"),
    }
)


# the workload kinds the manifests are read in (one list), and a Flux HelmRelease
WORKLOADS = frozenset({*workloads.POD_SPEC_PATHS, "HelmRelease"})


@record
class Tracking:
    """An Argo CD Application rendering a directory of this repository from a revision."""

    file: str
    application: str
    path: str
    revision: str
    # the branch Argo CD's source hydrator commits the rendered manifests to and syncs from
    # (syncSource.targetBranch): a GitOps Promoter environment's branch
    synced: str = ""


class RepoFiles:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.tree = reader.DiskTree(self.root)
        self.files: list[str] = []
        self.dirs: set[str] = set()
        self.notes: list[str] = []
        self.origin: str | None = None  # the checkout's remote URL (repo_key'd), where known
        # ApplicationSets whose generated Applications nothing reads: said at the end (appset_notes)
        # unless a later reading of the file says more
        self.appsets: dict[str, None] = {}
        self.tracking: list[Tracking] = []
        self.templates: dict[str, str] = {}  # another tool's templates (not listed among files) -> the tool
        # versions found and not configured (a chart's a git files generator reads): file:line
        self.unreleased: dict[str, None] = {}
        self._said: set[str] = set()  # the files a not-read note names already
        self.deployer_files: list[str] | None = None  # those holding deploy objects, once found
        # each file's generated Applications (or why its generators failed), made once: init
        # asks for them three times (the deployers, the directories, the charts)
        self._generated: dict[str, list[tuple[str, argocd_appsets.Generated | str]] | GitOpsBotError] = {}
        self._reached: dict[Path, reader.Reach] = {}  # each kustomization directory's walk, once
        # each file's documents, parsed once: init's questions ask the same files again and again
        self._documents: dict[str, list[Any]] = {}
        # each chart template's image lines (discovered_images.chart_images), read once
        self.template_lines: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._stages_in: dict[tuple[str, ...], bool] = {}  # a folder -> whether a stage is among its own
        self._list()
        # the directories holding a Chart.yaml ("" the root), for :meth:`vendored`
        self._charts = {
            f.removesuffix("Chart.yaml").rstrip("/")
            for f in self.files
            if PurePosixPath(f).name == "Chart.yaml"
        }
        top = {d for d in self.dirs if d and "/" not in d}
        self._root_tests = "test" in top and not top & ROOT_STAGES
        self._synced: tuple[str, ...] | None = None  # bootstrap folders a Flux sync builds, once found

    def _list(self) -> None:
        for top, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
            rel = Path(top).relative_to(self.root).as_posix()
            self.dirs.add("" if rel == "." else rel)
            for f in sorted(filenames):
                if len(self.files) >= MAX_FILES:
                    self.notes.append(f"listed the first {MAX_FILES} files only; the rest was not looked at")
                    return
                if (tool := _template_tool(f, "")) is not None:  # not deployed as written
                    self.templates[f if rel == "." else f"{rel}/{f}"] = tool
                    continue
                self.files.append(f if rel == "." else f"{rel}/{f}")

    def reach(self, directory: Path) -> reader.Reach:
        """What ``directory``'s kustomization renders (:func:`reader.reach`), walked once an init:
        its candidates, what deploys each directory and the overlays' shapes ask the same
        directories (mitchross/talos-argocd-proxmox: 302 walks of 100 directories)."""
        got = self._reached.get(directory)
        if got is None:
            got = self._reached[directory] = reader.reach(self.tree, self.root, directory)
        return got

    def text(self, rel: str) -> str | None:
        """The file's text, read by the reader's tree with its bounds (the plan reads the same
        file the same way). A YAML file it could not read (over the bound, not UTF-8,
        unreadable, a link out of the repository) is a not-read note with why and the fix:
        its objects and images are not found, which is never silent."""
        path = self.root / rel
        text = self.tree.text(path)
        if text is None and rel.endswith(YAML) and (unread := self.tree.unread(path)) is not None:
            self.not_read(rel, unread[1])
        return text

    def not_read(self, rel: str, why: str) -> None:
        """Say once that ``rel`` was not read, with why and the fix."""
        if rel not in self._said:
            self._said.add(rel)
            self.notes.append(f"{rel}: {why}")

    def docs(self, rel: str) -> list[dict[str, Any]]:
        """The file's YAML mappings as plain values ([] when it is no YAML). An empty document
        (a file ending in ``---``), a top-level list (a Kustomize ``replacements`` file) or a
        scalar is no object any question here is about, so every caller may ``.get`` a field. A
        ``kind: List`` is its items, as kubectl and kustomize apply them one by one."""
        dicts = [d for d in self.documents(rel) if isinstance(d, dict)]
        listed = [
            d["items"] if str(d.get("kind")).endswith("List") and isinstance(d.get("items"), list) else [d]
            for d in dicts
        ]
        return [i for items in listed for i in items if isinstance(i, dict)]

    def documents(self, rel: str) -> list[Any]:
        """Every YAML document of the file as a plain value, lists too (a JSON 6902 patch),
        parsed once an init (mthorley/k8s-gitops: 921 asks of a few hundred files). The values
        are shared between callers: none may change them."""
        got = self._documents.get(rel)
        if got is None:
            got = self._documents[rel] = self._parsed(rel)
        return got

    def _parsed(self, rel: str) -> list[Any]:
        text = self.text(rel)
        if text is None or definitions_only(text):  # no question here is about a definition
            return []
        try:
            docs = yamlvalues.load_all(YamlText.of(text).body, rel, values=self.helm_values(rel))
        except (GitOpsBotError, TypeError, ValueError) as e:  # not YAML, or keys dicts do not allow
            self.unparsed(rel, text, e)
            return []
        if (why := workloads.macro_named(docs)) is not None:  # kubectl refuses it as written
            self.not_read(rel, why)
            return []
        return docs

    def helm_values(self, rel: str) -> bool:
        """A file helm reads as values (a key written twice: the last wins), not one kustomize
        builds (which refuses it): a ``values*.yaml``, or a YAML file beside a Chart.yaml."""
        path = PurePosixPath(rel)
        return (
            path.name.startswith("values")
            or self.tree.text(self.root / path.parent / "Chart.yaml") is not None
        )

    def unparsed(self, rel: str, text: str, error: Exception) -> None:
        """A YAML file that does not parse, said with the parser's words; a template (a chart's
        under templates/, another tool's: :meth:`template_notes`) is YAML only once rendered, so
        it is not one. Elsewhere ``{{`` is a value's (an ApplicationSet's goTemplate), not a
        template's: a file holding one is said as any other."""
        if (tool := _template_tool(rel, text)) is not None:
            self.templates.setdefault(rel, tool)
        elif self.under_tests(rel):
            # a test's fixture is often broken on purpose (testdata/badchart): no environment is
            # there, so nothing to fix; named only when asked (--verbose)
            log.info("fixture_not_parsed", file=rel, reason=str(error))
        elif rel.endswith(YAML) and (not workloads.is_template(rel, text) or guard.past_limits(text)):
            self.not_read(rel, git_generators.not_yaml(error))

    def template_notes(self) -> list[str]:
        """The templates of another tool (Freemarker, Jinja, ytt, Jsonnet), by their names or by
        the directives that kept them from parsing: one line a tool, where a line a file told each
        to be fixed, which would break the tool that renders them. Jsonnet is Argo CD's own
        format, rendered where it is deployed, not into another repository."""
        tools: dict[str, list[str]] = {}
        for f in sorted(self.templates):
            tools.setdefault(self.templates[f], []).append(f)
        return [
            jsonnet_said(fs)
            if tool == _JSONNET
            else f"{len(fs)} {tool} template{'s' if len(fs) > 1 else ''} ({', '.join(fs[:3])}"
            f"{f', and {len(fs) - 3} more' if len(fs) > 3 else ''}): YAML only once another tool renders "
            "them, not read (nothing to fix here): run init in the repository that tool renders them into"
            for tool, fs in tools.items()
        ]

    def yaml_files(self) -> list[str]:
        return [f for f in self.files if f.endswith(YAML)]

    def generated(self, rel: str) -> list[tuple[str, argocd_appsets.Generated | str]]:
        """The Applications the ApplicationSets of ``rel`` generate (:func:`argocd_appsets.generate`,
        its git generators reading this repository), made once per file; raises what the
        generators raised, each time asked."""
        if rel not in self._generated:
            try:
                text = self.text(rel) or ""
                self._generated[rel] = list(
                    argocd_appsets.generate(text, rel, self.generator_dirs, self.generator_files)
                )
            except GitOpsBotError as e:
                self._generated[rel] = e
        made = self._generated[rel]
        if isinstance(made, GitOpsBotError):
            raise made
        return made

    def generated_paths(self) -> set[str]:
        """The directories of this repository the Applications its ApplicationSets generate
        render (a list element's ``path: k8s-apps/{{ .name }}`` filled): each is deployed by
        its ApplicationSet, as an Application's path is by it."""
        out: set[str] = set()
        for f in self.yaml_files():
            if not is_appset(self.text(f) or "") or self.no_environment(f):
                continue
            try:
                generated = self.generated(f)
            except GitOpsBotError:
                continue
            for _, app in generated:
                paths = () if isinstance(app, str) else (s.path for s in app.sources)
                out |= {norm(p.lstrip("/")) for p in paths if p and "{{" not in p}
        return out

    def generator_dirs(self, pattern: str) -> list[str]:
        """The directories an ApplicationSet's git directories generator takes for ``pattern``
        (``apps/*``): Argo CD matches each of the checkout's directories with Go's
        ``path.Match``, whose ``*`` stops at a ``/``, hidden ones skipped; the reader's glob,
        the one the plan renders by."""
        return sorted(git_generators.glob_dirs(self.tree, self.root, pattern))

    def generator_files(self, pattern: str) -> list[tuple[str, Any]]:
        """The files an ApplicationSet's git files generator reads for ``pattern``, each with
        its first document (its parameters). Argo CD lists them with ``git ls-files --
        <pattern>``, a git pathspec whose ``*`` crosses ``/`` (``*.yaml`` is every YAML file
        of the tree): its default, unless its controller's new globbing is switched on."""
        want = norm(pattern.strip("/"))
        out: list[tuple[str, Any]] = []
        for f in self.files:
            if not f.endswith((".yaml", ".yml", ".json")) or not fnmatch.fnmatchcase(f, want):
                continue
            if len(out) >= argocd_appsets.MAX_APPLICATIONS:
                break
            if (text := self.text(f)) is None:
                continue
            if isinstance(got := git_generators.parameters(text, f), git_generators.Unparsed):
                self.not_read(f, got.why)
            else:
                out.append((f, got))
        return out

    def no_environment(self, rel: str) -> bool:
        """A path under a tests, fixtures or bootstrap directory, unless that bootstrap directory
        is the one a Flux Kustomization inside it builds (``flux bootstrap --path ./bootstrap``:
        the cluster's own folder, its Kustomizations what the cluster deploys)."""
        tests = self.under_tests(rel)
        if tests or "bootstrap" not in (p.lower() for p in PurePosixPath(rel).parts):
            return tests
        if self._synced is None:
            synced = {
                path
                for f in self.files
                if "bootstrap" in f.lower() and "kustomize.toolkit.fluxcd.io" in (self.text(f) or "")
                for d in self.docs(f)
                if kind_of(d)[1] == "Kustomization" and isinstance(spec := d.get("spec"), dict)
                if f.startswith(f"{(path := norm(str(spec.get('path') or '.')))}/")
                and "bootstrap" in path.lower()
            }
            self._synced = tuple(synced)
        return not any(rel == s or rel.startswith(f"{s}/") for s in self._synced)

    def vendored(self, rel: str) -> bool:
        """A path in a chart's ``charts/`` (its dependencies: helm renders them as part of the
        chart, never alone) or ``ci/`` (chart-testing's values, read by a test install only), or
        in a chart kept in a directory named by its version (``_charts/loki/0.80.3``, a copy of
        a published release): its values files, README and CI values are its upstream's, no
        environment of this repository (what deploys the chart names it and is read so)."""
        parts = PurePosixPath(rel).parts
        for i, part in enumerate(parts):
            chart = "/".join(parts[:i])
            if chart in self._charts and (part in ("charts", "ci") or self._released_copy(chart)):
                return True
        return False

    def _released_copy(self, chart: str) -> bool:
        name = PurePosixPath(chart).name
        if not _VERSION_DIR.fullmatch(name):
            return False
        docs = self.docs(f"{chart}/Chart.yaml")
        return bool(docs) and str(docs[0].get("version") or "").removeprefix("v") == name.removeprefix("v")

    def under_tests(self, rel: str) -> bool:
        """A path under a tests or fixtures directory (a bootstrap directory's own deployers are
        the repository's root: an app of apps kept there deploys everything else)."""
        parts = PurePosixPath(rel).parts
        if self._root_tests and parts[:1] == ("test",):
            return True
        if any(part.lower() in NOT_ENVIRONMENTS - {"bootstrap"} for part in parts):
            return True
        folders = parts if rel in self.dirs else parts[:-1]
        return any(
            _TEST_FOLDER.fullmatch(p.lower()) and (p.lower() != "e2e" or not self._beside_stages(folders[:i]))
            for i, p in enumerate(folders)
        )

    def _beside_stages(self, parent: tuple[str, ...]) -> bool:
        """Whether a folder of ``parent`` is named for a stage (dev, prod)."""
        if parent not in self._stages_in:
            at = "/".join(parent)
            self._stages_in[parent] = any(
                PurePosixPath(d).parent.as_posix() == (at or ".")
                and rank_of(PurePosixPath(d).name) is not None
                for d in self.dirs
                if d and PurePosixPath(d).name.lower() != "e2e"
            )
        return self._stages_in[parent]

    def chart_template(self, f: str) -> bool:
        """Whether ``f`` is a template of a Helm chart of this repository: what it holds is what
        helm renders of it, for the Application (or the hand) that installs the chart, whose
        environment it is part of."""
        parts = PurePosixPath(f).parts
        charts = ("/".join((*parts[:i], "Chart.yaml")) for i, p in enumerate(parts[:-1]) if p == "templates")
        return any(c in self.files for c in charts)

    def holds_sources(self, files: Iterable[Path]) -> bool:
        """Files holding the chart sources a cluster's HelmReleases name (a Flux Kustomization's
        ``infrastructure/sources``, or a cluster's own folder beside its Kustomizations:
        HelmRepositories, OCIRepositories): of the cluster's environment, where the chart of each
        release is read from them."""
        return any(
            kind_of(doc)[1] in _SOURCES
            for f in files
            if (rel := self.rel_of(f)) is not None and PurePosixPath(rel).name not in KUSTOMIZATION_NAMES
            for doc in self.docs(rel)
        )

    def rel_of(self, path: Path) -> str | None:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None

    def tool_setup(self, files: Iterable[Path]) -> bool:
        """Files holding the deploy tools' objects (Argo CD Applications, Flux Kustomizations)
        and no workload: a cluster's bootstrap, not an environment."""
        tools = False
        for f in files:
            try:
                rel = f.resolve().relative_to(self.root).as_posix()
            except ValueError:
                continue
            if PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
                continue
            for doc in self.docs(rel):
                api, kind = kind_of(doc)
                if (api.split("/", 1)[0], kind) in _TOOL_KINDS:
                    tools = True
                elif kind:
                    spec = doc.get("spec")
                    if kind in WORKLOADS or (isinstance(spec, dict) and "template" in spec):
                        return False
        return tools


# templates of another tool: by the name's suffix, else (a file that did not parse) by a directive
_JSONNET = "Jsonnet"
_TOOL_NAMES = (
    (re.compile(r"\.ftlh?(\.|$)"), "Freemarker"),
    (re.compile(r"\.(j2|jinja2?)(\.|$)"), "Jinja"),
    (re.compile("|".join(re.escape(s) + "$" for s in JSONNET)), _JSONNET),
)
_TOOL_MARKS = (("<#", "Freemarker"), ("</#", "Freemarker"), ("{%", "Jinja"))
# Carvel ytt's directives are comments on a line of their own (#@ load, #@ if ... #@ end): its
# exclusive branches read as keys written twice, which no one should delete
_YTT = re.compile(r"^[ \t]*#@(?:[ \t]|data/values|overlay/|yaml/|schema/)", re.M)
# a line opening a block scalar (``key: |``, ``- >-``): the lines deeper than it are its text
_BLOCK = re.compile(r"(?:^|[:-])[ \t]*[|>][-+1-9]{0,2}[ \t]*(?:#.*)?$")


def _template_tool(rel: str, text: str) -> str | None:
    name = PurePosixPath(rel).name.lower()
    by_name = next((tool for pattern, tool in _TOOL_NAMES if pattern.search(name)), None)
    marked = next((tool for mark, tool in _TOOL_MARKS if mark in text), None)
    marked = marked or ("ytt (Carvel)" if _YTT.search(text) and _ytt(text) else None)
    # a generator's tokens (kubefirst's <CERT_MANAGER_ISSUER_ANNOTATION_1>) the copy fills
    return by_name or marked or ("<TOKEN> placeholder" if TEMPLATE_TOKEN.search(text) else None)


def _ytt(text: str) -> bool:
    """Whether a ytt directive stands outside every block scalar: a script's ``#@`` comment in a
    ConfigMap's ``run.sh: |`` is the script's, and a file holding only such is no ytt template
    (it was said as one, nothing to fix, where kustomize refuses it for a key written twice)."""
    block = -1  # the indentation a block scalar's lines are deeper than; -1: none open
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        if block >= 0 and (not stripped or indent > block):
            continue
        block = -1
        if _YTT.match(line):
            return True
        if _BLOCK.search(line):
            block = indent
    return False


def kustomization_dirs(repo: RepoFiles) -> list[str]:
    return sorted(
        {str(PurePosixPath(f).parent) for f in repo.files if PurePosixPath(f).name in KUSTOMIZATION_NAMES}
    )


def files_of(repo: RepoFiles, path: str) -> list[Path]:
    """What a directory renders: its kustomization's reach, else its YAML files ("": the root's)."""
    prefix = f"{path}/" if path else ""
    if any(f"{prefix}{k}" in repo.files for k in KUSTOMIZATION_NAMES):
        try:
            return list(repo.reach(repo.root / path).files)
        except GitOpsBotError:
            return []  # a kustomization it cannot read: said where the overlays are found
    return [repo.root / f for f in repo.yaml_files() if f.startswith(prefix)]


# Argo CD's repo server refuses a source path out of its checkout (above the root, or through a
# link pointing out of it): such a path renders nothing, and is never read here either.
OUT_OF_REPOSITORY = "Argo CD refuses a path out of its repository; name a directory inside it"


def leaves(repo: RepoFiles, path: object) -> str | None:
    """How a deploy object's ``path`` leaves its repository, or None when it stays in it (or
    is a generator's template, expanded elsewhere). A leading ``/`` is the repository's root,
    as Argo CD joins it."""
    if not isinstance(path, str) or not path or "{{" in path:
        return None
    rel = norm(path.lstrip("/"))
    if rel == ".." or rel.startswith("../"):
        return "which leaves its repository"
    at = repo.root / rel
    if (at.is_symlink() or at.exists()) and not at.resolve().is_relative_to(repo.root):
        return "a link out of this repository"
    return None


def norm(rel: str) -> str:
    return "" if rel in (".", "") else PurePosixPath(os.path.normpath(rel)).as_posix()


def as_map(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def aggregate(repo: RepoFiles, directory: str) -> list[str] | None:
    """The environments a kustomization is only the sum of (``overlays/`` listing ``./staging``
    and ``./production``, built at once to check that each overlay builds), or None: every one of
    its resources is a directory of this repository holding a kustomization named for a stage,
    two stages at least, and it is named for none. Built, it deploys each stage's objects at
    once; taken for an environment, it renders the stages' own lines, and none is released."""
    if rank_of(PurePosixPath(directory).name) is not None:
        return None
    for k in KUSTOMIZATION_NAMES:
        for doc in repo.docs(f"{directory}/{k}".lstrip("/")):
            named = doc.get("resources")
            if not isinstance(named, list) or not named or doc.get("components"):
                return None
            dirs = [norm(f"{directory}/{e}".lstrip("/")) if isinstance(e, str) else "" for e in named]
            kustomized = [d and any(f"{d}/{n}" in repo.files for n in KUSTOMIZATION_NAMES) for d in dirs]
            stages = [PurePosixPath(d).name for d in dirs]
            if not all(kustomized) or any(rank_of(s) is None for s in stages):
                return None
            distinct = [s for i, s in enumerate(stages) if not any(same(s, t) for t in stages[:i])]
            return sorted(dirs) if len(distinct) > 1 else None
    return None


def bundle_input(repo: RepoFiles, directory: str, files: Iterable[Path]) -> str | None:
    """Why a kustomization is an OLM bundle's input (kubebuilder's and operator-sdk's
    ``config/manifests``: ``make bundle`` builds it into a bundle, while ``make deploy`` applies
    the ``config/default`` it includes), or None: the ClusterServiceVersion it holds among its
    own resources (one named by operator-sdk's file name counts though the repository lacks it:
    generated, ignored by git), or ``../default`` listed with ``../scorecard`` or ``../samples``
    (the scaffold's bundle input, which takes its CSV from ``make bundle``'s own generation)."""
    for k in KUSTOMIZATION_NAMES:
        for doc in repo.docs(f"{directory}/{k}"):
            named = doc.get("resources")
            entries = (
                {norm(e.rstrip("/")) for e in named if isinstance(e, str)}
                if isinstance(named, list)
                else set()
            )
            for entry in entries:
                if entry.endswith(".clusterserviceversion.yaml"):
                    return f"its resources hold the ClusterServiceVersion {norm(f'{directory}/{entry}')}"
            beside = sorted(entries & {"../scorecard", "../samples"})
            if PurePosixPath(directory).name == "manifests" and "../default" in entries and beside:
                return f"its resources are ../default with {' and '.join(beside)}, operator-sdk's scaffold"
    for f in files:
        try:
            rel = f.resolve().relative_to(repo.root).as_posix()
        except ValueError:
            continue
        if not rel.startswith(directory + "/") or PurePosixPath(rel).name in KUSTOMIZATION_NAMES:
            continue
        text = repo.text(rel) or ""
        if "ClusterServiceVersion" in text and any(
            kind_of(d)[1] == "ClusterServiceVersion" for d in repo.docs(rel)
        ):
            return f"its resources hold the ClusterServiceVersion {rel}"
    return None
