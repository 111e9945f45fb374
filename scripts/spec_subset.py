"""Cut a vendored API description down to the operations the bot and its fake use, with every
component (OpenAPI 3) or definition, response and parameter (Swagger 2.0) they reference, and
write it to testkit/specs/. One cutter for every service (the table ``SERVICES``):

    npm pack @octokit/openapi@23.0.2
    python scripts/spec_subset.py github octokit-openapi-23.0.2.tgz
    python scripts/spec_subset.py gitea swagger.v1.json      # a server's /swagger.v1.json
    python scripts/spec_subset.py forgejo swagger.v1.json
    python scripts/spec_subset.py gitlab openapi_v2.yaml     # Swagger 2.0 in YAML
    python scripts/spec_subset.py azure-devops specification/git/7.1/git.json
    python scripts/spec_subset.py azure-devops-identities specification/ims/7.1/identities.json
    python scripts/spec_subset.py bitbucket-cloud src/cloud/openapi/swagger.v3.json
    python scripts/spec_subset.py bitbucket-data-center src/server/openapi/swagger.v3.json

The pinned sources (with their hashes) are named in testkit/specs/README.md. ``subset`` is a
closure: applied to its own output it changes nothing, which the test suite checks, so each
vendored file is exactly what this script makes of its source.
"""

from __future__ import annotations

import json
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SPECS = Path(__file__).resolve().parent.parent / "testkit" / "specs"
SWAGGER2_SECTIONS = ("definitions", "responses", "parameters")
SWAGGER2_HEAD = ("swagger", "info", "basePath", "consumes", "produces", "schemes")

# (path template, method) as the description spells them
GITEA = (
    # what gitops_bot/forges/gitea/adapter.py sends and FakeGitea answers
    ("/repos/{owner}/{repo}/labels", "get"),
    ("/repos/{owner}/{repo}/pulls", "get"),
    ("/repos/{owner}/{repo}/pulls", "post"),
    ("/repos/{owner}/{repo}/pulls/{index}", "get"),
    ("/repos/{owner}/{repo}/pulls/{index}", "patch"),
    ("/repos/{owner}/{repo}/issues", "get"),  # the dashboard issue (gitops_bot/forges/issues.py)
    ("/repos/{owner}/{repo}/issues", "post"),
    ("/repos/{owner}/{repo}/issues/{index}", "patch"),
    ("/repos/{owner}/{repo}/issues/{index}/labels", "post"),
    ("/repos/{owner}/{repo}/issues/{index}/comments", "post"),
    ("/repos/{owner}/{repo}/pulls/{index}/requested_reviewers", "post"),
    ("/repos/{owner}/{repo}/pulls/{index}/merge", "post"),
    ("/repos/{owner}/{repo}/compare/{basehead}", "get"),  # forges/github, forges/gitea compare.py
    ("/repos/{owner}/{repo}/commits/{ref}/status", "get"),  # the checks gate (forges/gitea/adapter.py)
    ("/version", "get"),
    ("/user", "get"),  # the token's user: the dashboard issue's author (gitops_bot/forges/issues.py)
)


@dataclass(frozen=True)
class Service:
    out: str  # file name under testkit/specs/
    operations: tuple[tuple[str, str], ...]
    member: str = ""  # the description's path inside a source tarball


SERVICES = {
    "github": Service(
        "github-rest-subset.json",
        (
            # what gitops_bot/forges/github/*.py sends
            ("/repos/{owner}/{repo}", "get"),
            ("/repos/{owner}/{repo}/pulls", "get"),
            ("/repos/{owner}/{repo}/pulls", "post"),
            ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
            ("/repos/{owner}/{repo}/pulls/{pull_number}", "patch"),
            ("/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "post"),
            ("/repos/{owner}/{repo}/issues", "get"),  # the dashboard issue (gitops_bot/forges/issues.py)
            ("/repos/{owner}/{repo}/issues", "post"),
            ("/repos/{owner}/{repo}/issues/{issue_number}", "patch"),
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
            # what gitops_bot/forges/github/compare.py sends (over httpx) about a source repository
            ("/repos/{owner}/{repo}/compare/{basehead}", "get"),
            ("/user", "get"),  # the token's user: the dashboard issue's author (gitops_bot/forges/issues.py)
            # a commit's checks and statuses: the checks gate (gitops_bot/forges/github/checks.py)
            ("/repos/{owner}/{repo}/commits/{ref}/check-runs", "get"),
            ("/repos/{owner}/{repo}/commits/{ref}/status", "get"),
            # min_age's commit status on a waiting pull request's head (gitops_bot/forges/github/adapter.py)
            ("/repos/{owner}/{repo}/statuses/{sha}", "post"),
            # a GitHub App's installation for the repository and its token (the App's JWT)
            ("/repos/{owner}/{repo}/installation", "get"),
            ("/app/installations/{installation_id}/access_tokens", "post"),
        ),
        member="package/generated/api.github.com.json",
    ),
    "gitea": Service("gitea-subset.swagger.json", GITEA),
    "forgejo": Service("forgejo-subset.swagger.json", GITEA),
    "gitlab": Service(
        "gitlab-subset.swagger.json",
        (
            # what gitops_bot/forges/gitlab/adapter.py sends and FakeGitLab answers;
            # the merge request notes endpoint is not in GitLab's description (see the README)
            ("/api/v4/version", "get"),
            ("/api/v4/users", "get"),
            ("/api/v4/projects/{id}/merge_requests", "get"),
            ("/api/v4/projects/{id}/merge_requests", "post"),
            ("/api/v4/projects/{id}/merge_requests/{merge_request_iid}", "get"),
            ("/api/v4/projects/{id}/merge_requests/{merge_request_iid}", "put"),
            ("/api/v4/projects/{id}/merge_requests/{merge_request_iid}/merge", "put"),
            # auto-merge withdrawn from a person's merge request the bot marks (gitops_bot/engine/auto.py)
            (
                "/api/v4/projects/{id}/merge_requests/{merge_request_iid}/cancel_merge_when_pipeline_succeeds",
                "post",
            ),
            ("/api/v4/projects/{id}/repository/compare", "get"),  # forges/gitlab/compare.py
            ("/api/v4/projects/{id}/repository/commits/{sha}/statuses", "get"),  # the checks gate
        ),
    ),
    # what gitops_bot/forges/azure_devops/adapter.py sends and FakeAzureDevOps answers (Git 7.1)
    "azure-devops": Service(
        "azure-devops-git-7.1-subset.swagger.json",
        tuple(
            (f"/{{organization}}/{{project}}/_apis/git/repositories/{{repositoryId}}/{sub}", method)
            for sub, method in (
                ("pullrequests", "get"),
                ("pullrequests", "post"),
                ("pullrequests/{pullRequestId}", "patch"),
                ("pullRequests/{pullRequestId}/labels", "post"),
                ("pullRequests/{pullRequestId}/reviewers/{reviewerId}", "put"),
                ("pullRequests/{pullRequestId}/threads", "post"),
                ("commitsbatch", "post"),  # forges/azure_devops/compare.py
                ("commits/{commitId}/statuses", "get"),  # the checks gate
            )
        ),
    ),
    # reviewers by unique name or email -> identity id (IMS 7.1, on vssps.dev.azure.com)
    "azure-devops-identities": Service(
        "azure-devops-ims-7.1-subset.swagger.json", (("/{organization}/_apis/identities", "get"),)
    ),
    # what gitops_bot/forges/bitbucket_cloud/adapter.py sends and FakeBitbucketCloud answers (API 2.0)
    "bitbucket-cloud": Service(
        "bitbucket-cloud-subset.json",
        (
            *(
                (f"/repositories/{{workspace}}/{{repo_slug}}/{sub}", method)
                for sub, method in (
                    ("pullrequests", "get"),
                    ("pullrequests", "post"),
                    ("pullrequests/{pull_request_id}", "get"),
                    ("pullrequests/{pull_request_id}", "put"),
                    ("pullrequests/{pull_request_id}/comments", "post"),
                    ("pullrequests/{pull_request_id}/decline", "post"),
                    ("effective-default-reviewers", "get"),
                    ("commits", "get"),  # forges/bitbucket_cloud/compare.py
                    ("commit/{commit}/statuses", "get"),  # the checks gate
                )
            ),
            ("/workspaces/{workspace}/members", "get"),  # reviewers by nickname -> uuid
        ),
    ),
    # what gitops_bot/forges/bitbucket_dc/adapter.py sends and FakeBitbucketDataCenter answers (REST 9.2)
    "bitbucket-data-center": Service(
        "bitbucket-data-center-9.2-subset.json",
        (
            *(
                (f"/api/latest/projects/{{projectKey}}/repos/{{repositorySlug}}/pull-requests{sub}", method)
                for sub, method in (
                    ("", "get"),
                    ("", "post"),
                    ("/{pullRequestId}", "get"),
                    ("/{pullRequestId}", "put"),
                    ("/{pullRequestId}/comments", "post"),
                    ("/{pullRequestId}/decline", "post"),
                    ("/{pullRequestId}/participants", "post"),
                    ("/{pullRequestId}/merge", "post"),
                )
            ),
            ("/default-reviewers/latest/projects/{projectKey}/repos/{repositorySlug}/reviewers", "get"),
            (
                "/api/latest/projects/{projectKey}/repos/{repositorySlug}/commits",
                "get",
            ),  # forges/bitbucket_dc/compare.py
            # a commit's build statuses, all of them (the repository-scoped builds resource that
            # replaces it answers one key at a time): the checks gate
            ("/build-status/latest/commits/{commitId}", "get"),
        ),
    ),
}


def subset(doc: dict[str, Any], operations: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The description cut to ``operations`` and what they reach (transitively)."""
    paths: dict[str, Any] = {}
    for template, method in operations:
        if method in doc["paths"].get(template, {}):
            paths.setdefault(template, {})[method] = doc["paths"][template][method]
    # "#/components/schemas/x" (OpenAPI 3) or "#/definitions/x" (Swagger 2.0)
    kept: dict[str, dict[str, Any]] = {}
    todo = _refs(paths)
    while todo:
        where = todo.pop().removeprefix("#/").removeprefix("components/")
        kind, name = where.split("/", 1)
        if name in kept.get(kind, {}):
            continue
        value = doc["components"][kind][name] if "openapi" in doc else doc[kind][name]
        kept.setdefault(kind, {})[name] = value
        todo += _refs(value)
    if "openapi" in doc:
        return {
            "openapi": doc["openapi"],
            "info": doc["info"],
            "servers": doc.get("servers", []),
            "paths": {p: paths[p] for p in sorted(paths)},
            "components": {k: dict(sorted(v.items())) for k, v in sorted(kept.items())},
        }
    out = {k: doc[k] for k in SWAGGER2_HEAD if k in doc}
    out["paths"] = {p: paths[p] for p in sorted(paths)}
    for kind in SWAGGER2_SECTIONS:
        if kind in kept:
            out[kind] = dict(sorted(kept[kind].items()))
    return out


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        # only references inside the document: Azure DevOps' x-ms-examples name example files
        found = [ref] if isinstance(ref, str) and ref.startswith("#/") else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


class _JSONLoader(yaml.SafeLoader):
    """YAML as JSON sees it: a date-like scalar stays a string (JSON has no dates)."""


_JSONLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(source: Path, member: str = "") -> dict[str, Any]:
    """A description from a JSON or YAML file, or from ``member`` of a tarball."""
    if member:
        with tarfile.open(source) as tar:
            stream = tar.extractfile(member)
            assert stream is not None
            return dict(json.load(stream))
    text = source.read_text(encoding="utf-8-sig")  # Azure DevOps' descriptions start with a BOM
    if source.suffix in (".yaml", ".yml"):
        return dict(yaml.load(text, Loader=_JSONLoader))  # _JSONLoader is a SafeLoader
    return dict(json.loads(text))


def dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in SERVICES:
        print(f"usage: spec_subset.py {{{'|'.join(SERVICES)}}} SOURCE", file=sys.stderr)
        return 2
    service = SERVICES[argv[1]]
    doc = load(Path(argv[2]), service.member)
    (SPECS / service.out).write_text(dump(subset(doc, service.operations)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
