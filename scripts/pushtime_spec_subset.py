"""Cut the registries' API descriptions the push-time fakes (``testkit/pushtime_servers.py``)
are held to, as ``scripts/spec_subset.py`` cuts the forges' (its ``subset``, ``load`` and
``dump``, so the same closure rule holds), and write them to testkit/specs/:

    npm pack @octokit/openapi@23.0.2
    python scripts/pushtime_spec_subset.py github-packages octokit-openapi-23.0.2.tgz
    python scripts/pushtime_spec_subset.py harbor api/v2.0/swagger.yaml        # goharbor/harbor
    python scripts/pushtime_spec_subset.py quay api/openapi.yaml               # quay.io's discovery
    python scripts/pushtime_spec_subset.py dockerhub latest.yaml               # docker/docs
    python scripts/pushtime_spec_subset.py acr containerregistry.json          # Azure/azure-rest-api-specs
    python scripts/pushtime_spec_subset.py gar artifactregistry.json           # from the discovery document

The pinned sources (with their hashes) are named in testkit/specs/README.md.

One step more than ``spec_subset.py``: parameters declared on a path item (Docker Hub's
``namespace``, ``repository``, ``tag``) apply to each of its operations (OpenAPI 3.0,
"Path Item Object"); they are copied into the operation before the cut, which keeps only
operations, so they and the components they name survive it.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_subset import SPECS, dump, load, subset


@dataclass(frozen=True)
class Service:
    out: str
    operations: tuple[tuple[str, str], ...]
    member: str = ""


SERVICES = {
    # GitHub Packages: a container package's versions, by organization or by user
    "github-packages": Service(
        "github-packages-subset.json",
        (
            ("/orgs/{org}/packages/{package_type}/{package_name}/versions", "get"),
            ("/users/{username}/packages/{package_type}/{package_name}/versions", "get"),
        ),
        member="package/generated/api.github.com.json",
    ),
    # Harbor: one artifact by tag or digest (its push_time)
    "harbor": Service(
        "harbor-subset.swagger.json",
        (("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}", "get"),),
    ),
    # Quay: a repository's tags (specificTag, onlyActiveTags: the tag's start_ts)
    "quay": Service("quay-subset.json", (("/api/v1/repository/{repository}/tag/", "get"),)),
    # Azure Container Registry: one tag's attributes (createdTime, lastUpdateTime, digest), and
    # the token exchanges its workload identity login and a push-time lookup make
    "acr": Service(
        "acr-subset.swagger.json",
        (
            ("/acr/v1/{name}/_tags/{reference}", "get"),
            ("/oauth2/exchange", "post"),
            ("/oauth2/token", "post"),
        ),
    ),
    # Google Artifact Registry: one image by digest (uploadTime), one tag (the version it names)
    "gar": Service(
        "gar-subset.swagger.json",
        (
            (
                "/v1/projects/{projectsId}/locations/{locationsId}/repositories/{repositoriesId}"
                "/dockerImages/{dockerImagesId}",
                "get",
            ),
            (
                "/v1/projects/{projectsId}/locations/{locationsId}/repositories/{repositoriesId}"
                "/packages/{packagesId}/tags/{tagsId}",
                "get",
            ),
        ),
    ),
    # Docker Hub: one tag (tag_last_pushed)
    "dockerhub": Service(
        "dockerhub-subset.json", (("/v2/namespaces/{namespace}/repositories/{repository}/tags/{tag}", "get"),)
    ),
}


def with_path_parameters(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with each path item's ``parameters`` copied into its operations (an operation's
    own parameter of the same name and location wins, as OpenAPI says)."""
    doc = copy.deepcopy(doc)
    for item in doc.get("paths", {}).values():
        shared = item.pop("parameters", None)
        if not shared:
            continue
        for method, op in item.items():
            if method not in ("get", "put", "post", "patch", "delete", "head") or not isinstance(op, dict):
                continue
            own = {(p.get("name"), p.get("in")) for p in op.get("parameters", []) if "$ref" not in p}
            refs = {p["$ref"] for p in op.get("parameters", []) if "$ref" in p}
            added = [
                p for p in shared if p.get("$ref") not in refs and (p.get("name"), p.get("in")) not in own
            ]
            op["parameters"] = added + list(op.get("parameters", []))
    return doc


def cut(doc: dict[str, Any], operations: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return subset(with_path_parameters(doc), operations)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in SERVICES:
        print(f"usage: pushtime_spec_subset.py {{{'|'.join(SERVICES)}}} SOURCE", file=sys.stderr)
        return 2
    service = SERVICES[argv[1]]
    doc = load(Path(argv[2]), service.member)
    (SPECS / service.out).write_text(dump(cut(doc, service.operations)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
