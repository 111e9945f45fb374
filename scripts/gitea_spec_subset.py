"""Write testkit/specs/gitea-subset.swagger.json and forgejo-subset.swagger.json: the
operations of Gitea's and Forgejo's Swagger 2.0 descriptions that the bot and ``FakeGitea`` use,
with every definition, response and parameter they reference.

    python scripts/gitea_spec_subset.py gitea swagger.v1.json
    python scripts/gitea_spec_subset.py forgejo swagger.v1.json

The sources (the served ``/swagger.v1.json``, rendered from ``templates/swagger/v1_json.tmpl``)
are named with their versions in testkit/specs/README.md. ``subset`` is a closure: applied to
its own output it changes nothing, which the test suite checks, so each vendored file is
exactly what this script makes of its source.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SPECS = Path(__file__).resolve().parent.parent / "testkit" / "specs"
# (path template, method): what gitops_bot/scm/gitea.py sends and FakeGitea answers
OPERATIONS = (
    ("/repos/{owner}/{repo}/labels", "get"),
    ("/repos/{owner}/{repo}/pulls", "get"),
    ("/repos/{owner}/{repo}/pulls", "post"),
    ("/repos/{owner}/{repo}/pulls/{index}", "get"),
    ("/repos/{owner}/{repo}/pulls/{index}", "patch"),
    ("/repos/{owner}/{repo}/issues/{index}", "patch"),
    ("/repos/{owner}/{repo}/issues/{index}/labels", "post"),
    ("/repos/{owner}/{repo}/issues/{index}/comments", "post"),
    ("/repos/{owner}/{repo}/pulls/{index}/requested_reviewers", "post"),
    ("/repos/{owner}/{repo}/pulls/{index}/merge", "post"),
)
SECTIONS = ("definitions", "responses", "parameters")


def subset(doc: dict[str, Any], operations: tuple[tuple[str, str], ...] = OPERATIONS) -> dict[str, Any]:
    """The description cut to ``operations`` and what they reach (transitively)."""
    paths: dict[str, Any] = {}
    for template, method in operations:
        if method in doc["paths"].get(template, {}):
            paths.setdefault(template, {})[method] = doc["paths"][template][method]
    kept: dict[str, dict[str, Any]] = {}
    todo = _refs(paths)
    while todo:
        ref = todo.pop()
        _, kind, name = ref.split("/", 2)
        if name in kept.get(kind, {}):
            continue
        value = doc[kind][name]
        kept.setdefault(kind, {})[name] = value
        todo += _refs(value)
    out = {k: doc[k] for k in ("swagger", "info", "basePath", "consumes", "produces", "schemes") if k in doc}
    out["paths"] = {p: paths[p] for p in sorted(paths)}
    for kind in SECTIONS:
        if kind in kept:
            out[kind] = dict(sorted(kept[kind].items()))
    return out


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    name, source = argv[1], argv[2]
    doc = json.loads(Path(source).read_text(encoding="utf-8"))
    (SPECS / f"{name}-subset.swagger.json").write_text(dump(subset(doc)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
