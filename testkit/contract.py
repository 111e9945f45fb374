"""The contract layer under the local service fakes: every request the bot sends to a fake and
every answer the fake gives are checked against the service's published API description
(vendored under ``testkit/specs/``, sources and versions in its README).

Both Swagger 2.0 (Argo CD, Gitea, Forgejo, GitLab's v2 description) and OpenAPI 3.0/3.1
(GitHub) are read; the schemas are validated with ``jsonschema`` (already the project's JSON
Schema library, so no second one: openapi-core reads OpenAPI 3 only, and half the
descriptions here are Swagger 2). OpenAPI 3.0's ``nullable`` and Swagger's ``x-nullable`` are
turned into JSON Schema's ``"null"`` type before validation.

What fails: a path or method the description does not have, a missing required query
parameter, a request body or an answer body that breaks its schema (a field the schema
requires and the fake omits, a wrong type), and an answer status the operation does not list
(unless it lists ``default``). Violations are collected, not raised in the server's thread;
:meth:`Contract.assert_clean` (called when a fake stops) fails the test that caused them.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jsonschema
import referencing
import referencing.jsonschema

SPECS = Path(__file__).parent / "specs"
# name -> (file, path prefix the fake serves the API under)
KNOWN = {
    "argocd": ("argocd-3.6.0.swagger.json", ""),
    "github": ("github-rest-subset.json", ""),
    "gitea": ("gitea-subset.swagger.json", "/api/v1"),
    "forgejo": ("forgejo-subset.swagger.json", "/api/v1"),
    "gitlab": ("gitlab-subset.swagger.json", ""),
    "azure-devops": ("azure-devops-git-7.1-subset.swagger.json", ""),
    "azure-devops-identities": ("azure-devops-ims-7.1-subset.swagger.json", ""),
    "bitbucket-cloud": ("bitbucket-cloud-subset.json", "/2.0"),
    "bitbucket-data-center": ("bitbucket-data-center-9.2-subset.json", "/rest"),
    # the registries' own push-time APIs (testkit/pushtime_servers.py)
    "github-packages": ("github-packages-subset.json", ""),
    "dockerhub": ("dockerhub-subset.json", ""),
    "quay": ("quay-subset.json", ""),
    "harbor": ("harbor-subset.swagger.json", "/api/v2.0"),
    "acr": ("acr-subset.swagger.json", ""),
    "gar": ("gar-subset.swagger.json", ""),
}
# Azure DevOps' descriptions type a list answer as an array, but the service wraps every list in
# {"count": n, "value": [...]} (VssJsonCollectionWrapper; the specs' own httpExamples, such as
# git/7.1/httpExamples/pullRequests/GET__git_repositories__repositoryId__pullRequests.json,
# show it): such an answer is checked as that wrapper, its items against the array's items.
COLLECTION_WRAPPED = {"azure-devops", "azure-devops-identities"}
# GitLab's description spells each path whole ("/api/v4/projects/{id}/..."), without basePath
UNDER = {"gitlab": "/api/v4"}
# Operations a description lacks, held to the service's own docs example instead (the answer
# has the example's keys with the example's JSON types, the request the documented required
# parameters): file of examples, per service
DOCS_EXAMPLES = {"gitlab": "gitlab-docs-examples.json"}

# Error statuses a service's docs give for every operation, beyond 401, 404, 429 and 5xx:
# GitLab's REST docs ("Status codes", doc/api/rest/index.md): 403 "the request isn't allowed",
# which every endpoint's ``authorize!`` answers; the generated description lists it on few.
ANY_OPERATION = {
    "gitlab": (403,),
    # Azure DevOps' descriptions list only the success answer; the service's errors are .NET
    # exceptions mapped to 400 (invalid argument), 403 (permission), 409 (conflict: TF401179,
    # an active pull request for the branches exists) on any operation
    "azure-devops": (400, 403, 409),
    "azure-devops-identities": (400, 403),
    # Bitbucket Cloud's REST intro ("Standard error responses"): 400 for a request it cannot
    # take, 403 for a token without the scope or permission, on any resource; the description
    # lists them on some operations only
    "bitbucket-cloud": (400, 403),
    # Bitbucket Data Center: 403 (permission) and 409 (a version conflict) answer any write
    "bitbucket-data-center": (400, 403, 409),
}

# A list operation whose description names the item's schema, not an array of it (grape-swagger
# writes a Grape ``is_array`` entity so): each item of the answer is checked against it. GitLab's
# REST docs ("List merge requests", "List users") show the answers as JSON arrays.
ANSWER_IS_LIST = {
    ("gitlab", "get", "/api/v4/projects/{id}/merge_requests"),
    ("gitlab", "get", "/api/v4/users"),
}


# Where a description is known to be narrower than the service (each with its evidence), the
# named part of the exchange is not checked. Listed in testkit/specs/README.md too.
WAIVED = {
    # Gitea 1.27 names the merge style "do", Forgejo and older Gitea "Do"; both servers decode
    # the form with Go's encoding/json, which matches keys case-insensitively, so either works
    ("gitea", "post", "/repos/{owner}/{repo}/pulls/{index}/merge", "request"),
    # routers/api/v1/repo/pull.go MergePullRequest answers 201 (no body) when it scheduled the
    # merge for when the checks succeed; the swagger comment above it lists only 200
    ("gitea", "post", "/repos/{owner}/{repo}/pulls/{index}/merge", "status 201"),
    ("forgejo", "post", "/repos/{owner}/{repo}/pulls/{index}/merge", "status 201"),
}


class ContractViolation(AssertionError):
    pass


def _form_problems(params: list[Mapping[str, Any]], body: Any) -> list[str]:
    """A form body (Swagger 2.0 ``in: formData``; the fake passes its fields as a mapping)
    against the operation's fields: each required one present, each value in its ``enum``.
    A field the description does not name passes (docker's token endpoint takes ``client_id``
    beside what ACR's description lists)."""
    fields = [p for p in params if p.get("in") == "formData"]
    if not fields:
        return []
    if not isinstance(body, Mapping):
        return ["request body: not a form"]
    problems = []
    for p in fields:
        if p["name"] not in body:
            if p.get("required"):
                problems.append(f"required form field {p['name']!r} missing")
        elif "enum" in p and body[p["name"]] not in p["enum"]:
            problems.append(
                f"form field {p['name']!r}: {str(body[p['name']])[:40]!r} is not one of {p['enum']}"
            )
    return problems


@dataclass
class Operation:
    template: str
    pattern: re.Pattern[str]
    method: str
    spec: Mapping[str, Any]
    pointer: str  # JSON pointer of the operation inside the description
    documented: Mapping[str, Any] | None = None  # a docs example, when the description lacks it


@dataclass
class Contract:
    name: str
    document: dict[str, Any]
    prefix: str = ""
    under: str = ""  # what the description's paths start with that the fake's do not
    examples: Mapping[str, Any] = field(default_factory=dict)  # "method template" -> docs example
    violations: list[str] = field(default_factory=list)
    checked: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._swagger2 = str(self.document.get("swagger", "")).startswith("2")
        resource = referencing.Resource.from_contents(
            self.document, default_specification=referencing.jsonschema.DRAFT4
        )
        self._registry: referencing.Registry[Any] = referencing.Registry().with_resource("urn:spec", resource)
        self._ops = list(_operations(self.document)) + [
            _documented(key, example) for key, example in self.examples.items()
        ]

    @classmethod
    def load(cls, name: str) -> Contract:
        file, prefix = KNOWN[name]
        examples = _document(DOCS_EXAMPLES[name])["operations"] if name in DOCS_EXAMPLES else {}
        document = _document(file)
        if name == "gitlab":
            document = grape_swagger_gaps(copy.deepcopy(document))
        return cls(name, document, prefix, UNDER.get(name, ""), examples)

    # -- what the fakes call -------------------------------------------------------------

    def check(
        self, method: str, raw_path: str, body: Any, status: int, answer: Any, *, answer_too: bool = True
    ) -> None:
        """Check one exchange (the request alone unless ``answer_too``); remember what breaks
        the description."""
        url = urlparse(raw_path)
        path = self.under + (url.path.removeprefix(self.prefix) if self.prefix else url.path)
        problems = self._problems(method.lower(), path, parse_qs(url.query), body, status, answer)
        if not answer_too:
            problems = [p for p in problems if not p.startswith(("answer", "status"))]
        with self._lock:
            self.checked += 1
            self.violations += [f"{method} {url.path} -> {status}: {p}" for p in problems]

    def assert_clean(self) -> None:
        if self.violations:
            listed = "\n  ".join(self.violations[:20])
            raise ContractViolation(f"{self.name}: the exchanges break its API description:\n  {listed}")

    # -- the checks ----------------------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation | None:
        # a literal segment beats a template one (GitHub has /pulls/{n}/merge and /{a}/{b}/{c})
        found = [op for op in self._ops if op.method == method and op.pattern.fullmatch(path)]
        found.sort(key=lambda op: op.template.count("{"))
        return found[0] if found else None

    def _problems(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, status: int, answer: Any
    ) -> list[str]:
        op = self.operation(method, path)
        if op is None:
            return ["no such operation in the description"]
        if op.documented is not None:
            return _against_example(op.documented, body, status, answer)
        problems = []
        params = [self._deref(p) for p in op.spec.get("parameters", [])]
        for p in params:
            if p.get("in") == "query" and p.get("required") and p["name"] not in query:
                problems.append(f"required query parameter {p['name']!r} missing")
        problems += _form_problems(params, body)
        request_schema = self._request_schema(op, params)
        waived = (self.name, method, op.template, "request") in WAIVED
        if request_schema is not None and body is not None and not waived:
            problems += self._validate(body, request_schema, "request body")
        responses = op.spec.get("responses", {})
        listed = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if listed is None and status < 400:
            listed = responses.get("default")
        if listed is None:
            if (self.name, method, op.template, f"status {status}") in WAIVED:
                return problems
            anywhere = (401, 404, 429, *ANY_OPERATION.get(self.name, ()))
            if status >= 400 and ("default" in responses or status in anywhere or status >= 500):
                # authentication, absence, rate limits and outages answer any operation
                return problems
            return [*problems, f"status {status} is not an answer the operation lists ({sorted(responses)})"]
        schema = self._response_schema(op, str(status) if str(status) in responses else "default")
        if schema is not None and status != 204:
            listed_item = self._deref(_pointer(self.document, schema)).get("type") != "array"
            if (self.name, method, op.template) in ANSWER_IS_LIST and listed_item:
                if not isinstance(answer, list):
                    return [*problems, "answer (top): not a list"]
                for i, item in enumerate(answer):
                    problems += self._validate(item, schema, f"answer item {i}")
            elif self.name in COLLECTION_WRAPPED and not listed_item:
                problems += self._wrapped(answer, schema)
            else:
                problems += self._validate(answer, schema, "answer")
        return problems

    def _wrapped(self, answer: Any, schema: str) -> list[str]:
        if not isinstance(answer, dict) or set(answer) != {"count", "value"}:
            return ["answer (top): not a {count, value} collection"]
        if not isinstance(answer["value"], list) or answer["count"] != len(answer["value"]):
            return ["answer (top): value is not a list of count items"]
        return self._validate(answer["value"], schema, "answer value")

    def _request_schema(self, op: Operation, params: list[Mapping[str, Any]]) -> str | None:
        if self._swagger2:
            for i, p in enumerate(op.spec.get("parameters", [])):
                if self._deref(p).get("in") == "body":
                    return f"{op.pointer}/parameters/{i}/schema"
            return None
        content = self._deref(op.spec.get("requestBody", {})).get("content", {})
        return (
            f"{op.pointer}/requestBody/content/application~1json/schema"
            if "application/json" in content
            else None
        )

    def _response_schema(self, op: Operation, key: str) -> str | None:
        response = op.spec["responses"][key]
        pointer = f"{op.pointer}/responses/{key}"
        if "$ref" in response:
            pointer = str(response["$ref"]).removeprefix("#")
            response = self._deref(response)
        if self._swagger2:
            return f"{pointer}/schema" if "schema" in response else None
        content = response.get("content", {})
        return f"{pointer}/content/application~1json/schema" if "application/json" in content else None

    def _validate(self, instance: Any, pointer: str, what: str) -> list[str]:
        validator = jsonschema.Draft4Validator({"$ref": f"urn:spec#{pointer}"}, registry=self._registry)
        return [
            f"{what} {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message[:200]}"
            for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))[:10]
        ]

    def _deref(self, obj: Any) -> Mapping[str, Any]:
        while isinstance(obj, Mapping) and "$ref" in obj:
            obj = _pointer(self.document, str(obj["$ref"]).removeprefix("#"))
        return obj if isinstance(obj, Mapping) else {}


def example(name: str, key: str) -> Any:
    """A fresh copy of a named example of the description (``components/examples``), the
    service's own sample answer, for a fake to build its answers on."""
    file, _ = KNOWN[name]
    return copy.deepcopy(_document(file)["components"]["examples"][key]["value"])


def docs_example(name: str, key: str) -> Any:
    """A fresh copy of the docs example answer of an operation the description lacks
    (``"post /api/v4/..."``), for a fake to build its answers on."""
    return copy.deepcopy(_document(DOCS_EXAMPLES[name])["operations"][key]["answer"])


@cache
def _document(file: str) -> dict[str, Any]:
    doc = json.loads((SPECS / file).read_text(encoding="utf-8"))
    nullable_to_null(doc)
    return dict(doc)


def grape_swagger_gaps(doc: dict[str, Any]) -> dict[str, Any]:
    """GitLab's description as far as it is evidence. grape-swagger writes an entity field
    Grape never documented as a bare ``{"type": "string"}`` (no example, format or enum; the
    description's own generated examples read ``"draft": "draft"``), where GitLab answers
    booleans, integers and arrays (its REST docs' examples): such a field's type is not checked.
    An entity field (``$ref``) loses Grape's ``is_array`` (``assignees``, ``reviewers`` are
    lists) and Grape sends a missing association as ``null`` (``head_pipeline`` before CI ran):
    it admits the entity, a list of it, or null. Every documented field keeps its type."""
    for definition in doc.get("definitions", {}).values():
        properties = definition.get("properties", {})
        for name, prop in properties.items():
            if prop == {"type": "string"}:
                properties[name] = {}
            elif set(prop) == {"$ref"}:
                properties[name] = {"anyOf": [prop, {"type": "array", "items": prop}, {"type": "null"}]}
    return doc


def nullable_to_null(node: Any) -> None:
    """OpenAPI 3.0 ``nullable: true`` / Swagger ``x-nullable: true`` as JSON Schema says it."""
    if isinstance(node, dict):
        if node.pop("nullable", False) is True or node.pop("x-nullable", False) is True:
            kind = node.get("type")
            if isinstance(kind, str):
                node["type"] = [kind, "null"]
            elif "$ref" in node or "allOf" in node or "oneOf" in node or "anyOf" in node:
                inner = {k: node.pop(k) for k in ("$ref", "allOf", "oneOf", "anyOf") if k in node}
                node["anyOf"] = [inner, {"type": "null"}]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            nullable_to_null(value)
    elif isinstance(node, list):
        for value in node:
            nullable_to_null(value)


def _operations(doc: Mapping[str, Any]) -> list[Operation]:
    out = []
    for template, item in doc.get("paths", {}).items():
        # a Git ref ("heads/main") or a file path is one parameter spanning several segments
        regex = re.sub(
            r"\\\{([^}]+)\\\}",
            lambda m: ".+" if m.group(1) in ("ref", "filepath", "path") else "[^/]+",
            re.escape(template),
        )
        for method, spec in item.items():
            if method in ("get", "put", "post", "patch", "delete", "head"):
                pointer = "/paths/" + template.replace("~", "~0").replace("/", "~1") + f"/{method}"
                out.append(Operation(template, re.compile(regex), method, spec, pointer))
    return out


def _documented(key: str, example: Mapping[str, Any]) -> Operation:
    method, template = key.split(" ", 1)
    regex = re.sub(r"\\\{([^}]+)\\\}", "[^/]+", re.escape(template))
    return Operation(template, re.compile(regex), method, {}, "", documented=example)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return (
        "object" if isinstance(value, dict) else "array" if isinstance(value, list) else type(value).__name__
    )


def _against_example(example: Mapping[str, Any], body: Any, status: int, answer: Any) -> list[str]:
    """An exchange held to a docs example: the documented required request parameters with
    their types; the documented status; the answer with exactly the example's keys, each of the
    example's JSON type (a ``null`` in the example admits any type), nested objects likewise."""
    problems = []
    for name, kind in example.get("request_required", {}).items():
        if not isinstance(body, dict) or name not in body:
            problems.append(f"request body (top): {name!r} is a required parameter (docs)")
        elif _json_type(body[name]) != kind:
            problems.append(f"request body {name}: not a {kind} (docs)")
    if status >= 400:
        return problems  # the docs show the success answer only
    if status != example["status"]:
        return [*problems, f"status {status} is not the documented {example['status']}"]
    nullable = frozenset(example.get("may_be_null", ()))  # not "nullable": read away as OpenAPI's
    documented = example["answer"]
    if isinstance(documented, list) and len(documented) == 1:  # a list: each item as the docs' one
        if not isinstance(answer, list):
            return [*problems, "answer (top): not a list"]
        for i, item in enumerate(answer):
            problems += _same_shape(documented[0], item, f"answer item {i}", nullable)
        return problems
    return problems + _same_shape(documented, answer, "answer", nullable)


def _same_shape(example: Any, value: Any, where: str, nullable: frozenset[str] = frozenset()) -> list[str]:
    """``nullable``: top-level keys another docs example of the same entity shows as null."""
    if example is None:
        return []
    if _json_type(example) != _json_type(value):
        return [f"{where}: {_json_type(value)} where the docs example has {_json_type(example)}"]
    if not isinstance(example, dict):
        return []
    problems = [f"{where}: {k!r} is in the docs example but missing" for k in example if k not in value]
    problems += [f"{where}: {k!r} is not in the docs example" for k in value if k not in example]
    for k in example.keys() & value.keys():
        if value[k] is None and k in nullable:
            continue
        problems += _same_shape(example[k], value[k], f"{where}/{k}")
    return problems


def _pointer(doc: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/"):
        doc = doc[part.replace("~1", "/").replace("~0", "~")]
    return doc
