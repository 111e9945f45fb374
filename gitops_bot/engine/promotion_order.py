"""An environment's place in the promotion order, found from the repository alone (``gitops-bot
init``): from the tools' own definitions where the repository has them (Kargo ``Stage``
``requestedFreight`` sources, GitOps Promoter ``PromotionStrategy`` environments), else from the
usual names (dev < test/qa < staging/uat/preprod < prod), which the config then says is a guess."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol


class Files(Protocol):
    """The repository's YAML files as discovery lists and parses them (each once)."""

    def yaml_files(self) -> Iterable[str]: ...

    def text(self, f: str) -> str | None: ...

    def docs(self, f: str) -> list[Any]: ...

    def documents(self, f: str) -> list[Any]: ...


# The usual names of environments, in promotion order (rank 0 first).
_RANKS: tuple[tuple[str, ...], ...] = (
    ("dev", "devel", "develop", "development", "local", "sandbox"),
    ("test", "testing", "qa", "int", "integration", "sit", "e2e", "ci", "load", "perf", "performance"),
    ("staging", "stage", "stg", "uat", "preprod", "pre-prod", "preproduction", "pre", "canary"),
    ("prod", "production", "prd", "live"),
)
# words that name a stage only at a name's start or end, where inside it they name a part of a
# component (aws-load-balancer-controller, cert-pre-install-job, my-local-path-provisioner)
_AT_ENDS = frozenset(
    ("load", "perf", "performance", "int", "pre", "ci", "live", "local", "sandbox", "canary")
)
WORDS = {w: rank for rank, words in enumerate(_RANKS) for w in words}


def rank_of(name: str) -> int | None:
    """Where an environment's name puts it in the usual order (None: no usual word in it, or a
    dotted name that is a host's or a cluster's: local.home is no dev environment)."""
    if "." in name and any(w not in WORDS for w in name.lower().split(".")):
        return None
    words = re.split(r"[-_.]", name.lower())
    # a word that is a stage's only at an end of a name: aws-load-balancer-controller is no load test
    ends = (words[0], words[-1])
    found = [WORDS[w] for w in words if w in WORDS and (w not in _AT_ENDS or w in ends)]
    if name.lower() in WORDS:
        return WORDS[name.lower()]
    return found[0] if found else None


def kind_of(doc: Any) -> tuple[str, str]:
    if not isinstance(doc, dict):
        return "", ""
    return str(doc.get("apiVersion") or ""), str(doc.get("kind") or "")


def _match(stage: str, names: Sequence[str]) -> str | None:
    if stage in names:
        return stage
    hits = [n for n in names if n in stage or stage in n]
    return min(hits, key=len) if len(hits) == 1 else None


def tool_order(repo: Files, names: Sequence[str]) -> tuple[dict[str, str], str, list[str]]:
    """promote_from per environment from Kargo Stages or GitOps Promoter strategies. A Kargo
    stage that is no environment (a control stage gathering others) is passed through: its
    environments take freight from what it takes freight from."""
    upstream: dict[str, str] = {}
    said: list[str] = []
    source = ""
    stage_up: dict[str, list[str]] = {}
    for f in repo.yaml_files():
        text = repo.text(f) or ""
        if "kargo.akuity.io" not in text and "promoter.argoproj.io" not in text:
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            spec: dict[str, Any] = (
                doc["spec"] if isinstance(doc, dict) and isinstance(doc.get("spec"), dict) else {}
            )
            if kind == "Stage" and api.startswith("kargo.akuity.io"):
                meta = doc.get("metadata")
                stage = str((meta if isinstance(meta, dict) else {}).get("name") or "")
                freight = spec.get("requestedFreight")
                for req in freight if isinstance(freight, list) else ():
                    sources = req.get("sources") if isinstance(req, dict) else None
                    stages = sources.get("stages") if isinstance(sources, dict) else None
                    stages = stages if isinstance(stages, list) else ()
                    stage_up.setdefault(stage, []).extend(
                        str(s) for s in stages if str(s) not in stage_up.get(stage, [])
                    )
                if stage_up.get(stage):
                    said.append(f"Kargo Stage {stage} ({f}) takes freight from {', '.join(stage_up[stage])}")
            elif kind == "PromotionStrategy" and api.startswith("promoter.argoproj.io"):
                branches = _strategy_branches(spec)
                envs = [_match(b.rsplit("/", 1)[-1], names) or _match(_short(b), names) for b in branches]
                chain = [e for e in envs if e]
                for a, b in itertools.pairwise(chain):
                    upstream.setdefault(b, a)
                if len(chain) > 1:
                    source = source or "gitops-promoter"
                    said.append(f"GitOps Promoter PromotionStrategy in {f}: {' -> '.join(branches)}")
    for stage in stage_up:
        env = _match(stage, names)
        if env is None or env in upstream:
            continue
        seen: set[str] = {stage}
        todo = list(stage_up[stage])
        while todo:
            up = todo.pop(0)
            if up in seen:
                continue
            seen.add(up)
            found = _match(up, names)
            if found is not None and found != env:
                upstream[env] = found
                source = "kargo"
                break
            todo += stage_up.get(up, [])
    return upstream, source, said


def _strategy_branches(spec: Mapping[str, Any]) -> list[str]:
    """A PromotionStrategy's environments' branches, in its promotion order."""
    written = spec.get("environments")
    return [
        str(e.get("branch") or "")
        for e in (written if isinstance(written, list) else ())
        if isinstance(e, dict)
    ]


def promoter_branches(repo: Files) -> set[str]:
    """Every branch a GitOps Promoter PromotionStrategy of the repository promotes into."""
    out: set[str] = set()
    for f in repo.yaml_files():
        if "promoter.argoproj.io" not in (repo.text(f) or ""):
            continue
        for doc in repo.docs(f):
            api, kind = kind_of(doc)
            if kind == "PromotionStrategy" and api.startswith("promoter.argoproj.io"):
                out.update(b for b in _strategy_branches(doc.get("spec") or {}) if b)
    return out


def _short(branch: str) -> str:
    last = branch.rsplit("/", 1)[-1].lower()
    return {"development": "dev", "production": "prod", "staging": "staging"}.get(last, last)


def name_order(names: Sequence[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """promote_from by the usual names: each environment from the one of the rank below with
    the same suffix (staging-eu -> prod-eu), else the only one of the highest rank below. The
    second mapping: the environments whose upstream the names leave open (staging after both
    dev and local), with the candidates, so the choice is asked rather than left out unsaid."""
    ranked = {n: r for n in names if (r := rank_of(n)) is not None}
    out: dict[str, str] = {}
    open_: dict[str, list[str]] = {}
    for n, r in ranked.items():
        below = [m for m, q in ranked.items() if q < r]
        if not below:
            continue
        top = max(ranked[m] for m in below)
        nearest = [m for m in below if ranked[m] == top]
        suffix = _suffix(n)
        same = [m for m in nearest if suffix and _suffix(m) == suffix]
        if len(same) == 1:
            out[n] = same[0]
        elif len(nearest) == 1:
            out[n] = nearest[0]
        else:
            open_[n] = same or nearest
    return out, open_


def rolling_sync_order(repo: Files, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """promote_from from an Argo CD ApplicationSet's ``RollingSync`` strategy: its steps sync the
    generated Applications in turn (the environment label's values of each step's
    ``matchExpressions``), so each step's environment follows the previous step's. Found in the
    ApplicationSet itself or in a patch that adds the strategy (a JSON 6902 op's ``value``)."""
    upstream: dict[str, str] = {}
    said: list[str] = []
    for f in repo.yaml_files():
        if "rollingSync" not in (repo.text(f) or ""):
            continue
        for steps in _rolling_steps(repo.documents(f)):  # a JSON 6902 patch is a list
            chain: list[list[str]] = []
            for step in steps:
                envs = [
                    m
                    for expr in (step.get("matchExpressions") or () if isinstance(step, dict) else ())
                    if isinstance(expr, dict) and str(expr.get("operator", "In")) == "In"
                    for v in expr.get("values") or ()
                    if (m := _match(str(v), names)) is not None
                ]
                if envs:
                    chain.append(list(dict.fromkeys(envs)))
            for before, after in itertools.pairwise(chain):
                if len(before) != 1:
                    continue  # several at once before it: which one it follows is not said
                for env in after:
                    if env != before[0]:
                        upstream.setdefault(env, before[0])
            if len(chain) > 1:
                said.append(
                    f"Argo CD RollingSync in {f} syncs {' -> '.join(', '.join(step) for step in chain)}"
                )
    return upstream, said


def _rolling_steps(node: Any, depth: int = 0) -> Iterable[list[Any]]:
    if depth > 12:
        return
    if isinstance(node, dict):
        rolling = node.get("rollingSync")
        if isinstance(rolling, dict) and isinstance(rolling.get("steps"), list):
            yield rolling["steps"]
        for v in node.values():
            yield from _rolling_steps(v, depth + 1)
    elif isinstance(node, list):
        for v in node:
            yield from _rolling_steps(v, depth + 1)


_SYNONYMS = (
    frozenset({"dev", "develop", "development"}),
    frozenset({"test", "testing"}),
    frozenset({"stage", "staging", "stg"}),
    frozenset({"prod", "production", "prd"}),
)


def same(a: str, b: str) -> bool:
    """Two names of one environment: equal, or spellings of one word (prod, production)."""
    a, b = a.lower(), b.lower()
    return a == b or any(a in group and b in group for group in _SYNONYMS)


def _suffix(name: str) -> str:
    parts = re.split(r"[-_.]", name.lower())
    return "-".join(p for p in parts if p not in WORDS)


def apart(upstream: dict[str, str], runs: Mapping[str, Collection[str]]) -> dict[str, str]:
    """The guessed ``upstream`` pairs whose environments render no image in common (``runs``:
    environment -> the images it renders; one not in it is not judged), taken out of
    ``upstream``: a promotion between them could never promote anything, yet would say
    "up to date" of every image of the later one."""
    out = {
        env: src
        for env, src in upstream.items()
        if env in runs and src in runs and not set(runs[env]) & set(runs[src])
    }
    for env in out:
        del upstream[env]
    return out
