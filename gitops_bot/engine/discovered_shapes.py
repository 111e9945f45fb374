"""What is an environment by shape alone, where no deploy object of the repository says what
deploys it (``gitops-bot init``'s guesses): plain manifests at the root or in directories of
their own, kustomizations nothing includes, charts nothing holds with their values files. The
written configuration says these are guesses."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine.candidates import VALUES_NAME, RenderPath, name_of, safe_name
from gitops_bot.engine.promotion_order import kind_of
from gitops_bot.engine.repository_files import WORKLOADS, YAML, RepoFiles, kustomization_dirs, norm
from gitops_bot.manifests.kustomize import KUSTOMIZATION_NAMES

# a values file named so is a starting point to copy (values.example.yaml), no cluster's
EXAMPLES = frozenset({"example", "examples", "sample", "samples", "template", "tmpl", "tpl", "dist"})


def root_manifests(repo: RepoFiles) -> list[RenderPath]:
    """The repository's root when it is a folder of plain manifests naming a workload
    (``kubectl apply -f .``): the one environment, offered when nothing else is found."""
    top = [f for f in repo.yaml_files() if "/" not in f and f not in KUSTOMIZATION_NAMES]
    if any(f in repo.files for f in KUSTOMIZATION_NAMES) or not top:
        return []
    for f in top:
        for doc in repo.docs(f):
            _, kind = kind_of(doc)
            spec = doc.get("spec")
            if kind in WORKLOADS or (kind and isinstance(spec, dict) and "template" in spec):
                return [RenderPath(".", "default", "plain manifests at the repository's root")]
    return []


def plain_directories(repo: RepoFiles) -> list[RenderPath]:
    """Offered when nothing else is found (no overlay, Application, Flux object or values file):
    the kustomizations nothing includes that render a workload (``config/base``, a root
    kustomization), else the directories whose own YAML files hold one (``k8s/``,
    ``manifests/web``), outside charts and tests; one environment, ``default``, each a path of
    it. Found by shape alone, which the written config says is a guess."""
    kdirs = [norm(d) for d in kustomization_dirs(repo) if not repo.no_environment(d)]
    included: set[str] = set()
    rendered: dict[str, list[str]] = {}
    for d in list(kdirs):
        try:
            reached = repo.reach(repo.root / (d or "."))
        except GitOpsBotError as e:
            # one kustomization no tool reads (a template another tool fills) is said, as the
            # overlays' reading says it, and left out: never the end of init
            said = f"{e} (so {d or '.'} is no environment until it is fixed)"
            repo.notes += [said] if said not in repo.notes else []
            kdirs.remove(d)
            continue
        rendered[d] = [Path(os.path.relpath(f, repo.root)).as_posix() for f in reached.files]
        included |= {
            norm(str(PurePosixPath(f).parent))
            for f in rendered[d]
            if PurePosixPath(f).name in KUSTOMIZATION_NAMES
        } - {d}
    out = [
        RenderPath(
            d or ".", "default", f"Kustomize directory {d or '.'} (renders a workload; nothing includes it)"
        )
        for d in kdirs
        if d not in included and workload_in(repo, rendered[d])
    ]
    return out or manifest_directories(repo)


def manifest_directories(repo: RepoFiles) -> list[RenderPath]:
    """The directories whose own YAML files name a workload (``k8s/``, ``manifests/web``),
    outside charts and tests, the topmost of each tree: one environment, ``default``."""
    charts = {norm(str(PurePosixPath(f).parent)) for f in repo.files if PurePosixPath(f).name == "Chart.yaml"}
    dirs = sorted(
        {
            norm(str(PurePosixPath(f).parent))
            for f in repo.yaml_files()
            if not repo.no_environment(f)
            and "templates" not in PurePosixPath(f).parts
            and not any(c == "" or f.startswith(c + "/") for c in charts)
            and workload_in(repo, [f])
        }
    )
    dirs = [d for d in dirs if d and not any(o and d.startswith(o + "/") for o in dirs)]
    dirs = [d for d in dirs if not _code_templates(repo, d)]
    return [RenderPath(d, "default", f"plain manifests in {d} (they name a workload)") for d in dirs]


# The source files an application reads its own manifests from (fs.readFileSync, os.ReadFile, open)
CODE = (".js", ".mjs", ".cjs", ".ts", ".go", ".py", ".java", ".kt", ".rb", ".cs")


def _code_templates(repo: RepoFiles, d: str) -> bool:
    """Whether the repository's code beside ``d`` names one of its YAML files by its folder and
    name (``manifests/deployment.yaml``): templates the application fills in, which nothing
    applies as they are. Said."""
    parent = str(PurePosixPath(d).parent)
    near = [f for f in repo.files if f.endswith(CODE) and str(PurePosixPath(f).parent) in (d, parent)]
    for y in (f for f in repo.yaml_files() if str(PurePosixPath(f).parent) == d):
        named = f"{PurePosixPath(d).name}/{PurePosixPath(y).name}"
        if code := next((c for c in near if named in (repo.text(c) or "")), None):
            repo.notes.append(
                f"{d}: read as templates by the repository's code ({code} names {named}), not applied; "
                "no environment"
            )
            return True
    return False


def workload_in(repo: RepoFiles, files: Sequence[str]) -> bool:
    for f in files:
        if PurePosixPath(f).name in KUSTOMIZATION_NAMES:
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            spec = doc.get("spec")
            tool = api.startswith(("argoproj.io", "kargo.akuity.io")) or "fluxcd.io" in api
            if kind in WORKLOADS or (kind and not tool and isinstance(spec, dict) and "template" in spec):
                return True  # an ApplicationSet's template is no workload
    return False


def lone_charts(repo: RepoFiles, named: bool) -> list[RenderPath]:
    """Offered where no deploy object says what deploys: each chart with templates that no other
    chart holds (a subchart is deployed by its parent), rendered with its own values.yaml, and
    each per-environment values file beside it (``values-azure.yaml``) one environment more. A
    chart's own values are what ``helm install`` over it renders, so its images are pins a
    cluster runs; outside tests and fixtures. ``named``: other candidates were found, so each
    chart is named by its directory rather than taking ``default``."""
    dirs = sorted(
        norm(str(PurePosixPath(f).parent))
        for f in repo.files
        if PurePosixPath(f).name == "Chart.yaml" and not repo.no_environment(f)
    )
    dirs = [d for d in dirs if not any(o != d and (o == "" or d.startswith(o + "/")) for o in dirs)]
    out = []
    for d in dirs:
        prefix = f"{d}/" if d else ""
        if not any(f.startswith(f"{prefix}templates/") for f in repo.files):
            continue
        name = name_of(d) if named or len(dirs) > 1 else "default"
        how = f"Helm chart {d or '.'} with its values.yaml (nothing deploys it here)"
        out.append(RenderPath(d or ".", name, how))
        for f in sorted(repo.files):
            p = PurePosixPath(f)
            m = VALUES_NAME.match(p.stem)
            if p.parent.as_posix() != (d or ".") or p.suffix not in YAML or m is None:
                continue
            if (m["a"] or m["b"]).lower() in EXAMPLES:
                repo.notes.append(f"{f}: an example by its name, no environment; configure it if it deploys")
                continue
            how = f"Helm values file {f} over the chart {d or '.'}"
            out.append(RenderPath(f, safe_name(name_of(f)), how))
    return out
