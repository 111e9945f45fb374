"""Write testkit/specs/github-rest-subset.json: the operations of GitHub's REST description
the bot and the GitHub fake use, with every component they reference, taken from the pinned
npm package @octokit/openapi (GitHub's own published description, with examples).

    npm pack @octokit/openapi@23.0.2        # sha512 in testkit/specs/README.md
    python scripts/github_spec_subset.py octokit-openapi-23.0.2.tgz

The whole description is 13 MB; the subset is what the contract layer (testkit/contract.py)
needs. ``subset`` is a closure: applied to its own output it changes nothing, which the test
suite checks, so the vendored file is exactly what this script makes of its source.
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path
from typing import Any

MEMBER = "package/generated/api.github.com.json"
OUT = Path(__file__).resolve().parent.parent / "testkit" / "specs" / "github-rest-subset.json"
# (path template, method): what gitops_bot/scm/github*.py sends through PyGithub
OPERATIONS = (
    ("/repos/{owner}/{repo}", "get"),
    ("/repos/{owner}/{repo}/pulls", "get"),
    ("/repos/{owner}/{repo}/pulls", "post"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "patch"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "post"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/labels", "post"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/assignees", "post"),
    ("/repos/{owner}/{repo}/git/blobs", "post"),
    ("/repos/{owner}/{repo}/git/trees", "post"),
    ("/repos/{owner}/{repo}/git/trees/{tree_sha}", "get"),
    ("/repos/{owner}/{repo}/git/commits", "post"),
    ("/repos/{owner}/{repo}/git/commits/{commit_sha}", "get"),
    ("/repos/{owner}/{repo}/git/ref/{ref}", "get"),
    ("/repos/{owner}/{repo}/git/refs", "post"),
    ("/repos/{owner}/{repo}/git/refs/{ref}", "patch"),
    ("/repos/{owner}/{repo}/git/refs/{ref}", "delete"),
)


def subset(doc: dict[str, Any], operations: tuple[tuple[str, str], ...] = OPERATIONS) -> dict[str, Any]:
    """The description cut to ``operations`` and the components they reach (transitively)."""
    paths: dict[str, Any] = {}
    for template, method in operations:
        if method in doc["paths"].get(template, {}):
            paths.setdefault(template, {})[method] = doc["paths"][template][method]
    components: dict[str, dict[str, Any]] = {}
    todo = list(_refs(paths))
    while todo:
        ref = todo.pop()
        _, _, kind, name = ref.split("/", 3)
        if name in components.get(kind, {}):
            continue
        value = doc["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        todo += _refs(value)
    return {
        "openapi": doc["openapi"],
        "info": doc["info"],
        "servers": doc.get("servers", []),
        "paths": {p: paths[p] for p in sorted(paths)},
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }


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
    with tarfile.open(argv[1]) as tar:
        member = tar.extractfile(MEMBER)
        assert member is not None
        doc = json.load(member)
    OUT.write_text(dump(subset(doc)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
