"""Every outside service the bot talks to, as the hostile harness plays it: :data:`SERVICES`.

A :class:`HostileService` says which routes the service answers when it behaves (its
``routes``, added to the registry's, which every command asks), which of them the harness
answers with generated garbage instead (``targets``), what in ``gitops-bot.yaml`` and the
environment points the bot at it and gives it its secret, and which command exercises it and
may end with which documented exit codes (docs/reference/exit-codes.md).

A new client joins the harness by adding its service here: the generated answers, the
command and every assertion come with it (tests/contract/hostile/test_generated_answers.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from testkit.hostile.answers import (
    YAML_BOMB,
    Fault,
    another_route,
    dumps,
    echoing,
    endless,
    field_set,
    paging,
    raw,
    whole_body,
)
from testkit.hostile_registry import Answer, Route, Seen

JSON = {"Content-Type": "application/json"}
MEDIA = "application/vnd.oci.image.manifest.v1+json"
CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "created": "2025-01-01T00:00:00Z"}).encode()
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": MEDIA,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": "sha256:" + hashlib.sha256(CONFIG).hexdigest(),
            "size": len(CONFIG),
        },
        "layers": [],
    }
).encode()
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
TAGS = json.dumps({"name": "acme/app", "tags": ["1.0.0", "1.1.0"]}).encode()
REGISTRY_TOKEN = "registry-token-Hx7c"  # the token service's well-formed token
CLIENT = "00000000-0000-4000-8000-0000000000c1"
TENANT = "00000000-0000-4000-8000-0000000000d2"


@dataclass(frozen=True)
class Stage:
    """Where one service's world is: the hostile server's URL and host, the test's directory."""

    url: str
    host: str
    root: Path
    ca: Path | None = None


def registry_routes(stage: Stage) -> dict[str, Route]:
    """A registry with app 1.0.0 and 1.1.0 (one manifest), asking no credential."""
    return {
        "/v2/": Answer(200, b"{}", JSON),
        "/v2/acme/app/tags/list": Answer(200, TAGS, JSON),
        "/v2/acme/app/manifests/": Answer(
            200, MANIFEST, {"Content-Type": MEDIA, "Docker-Content-Digest": DIGEST}
        ),
        "/v2/acme/app/blobs/": Answer(200, CONFIG, {"Content-Type": "application/octet-stream"}),
    }


def challenged(
    accept: str, realm: Callable[[Stage], str] | None = None
) -> Callable[[Stage], dict[str, Route]]:
    """The registry's routes behind a challenge: only the Authorization header ``accept`` is
    let in; the challenge is Bearer (``realm``, a token service) or Basic."""

    def routes(stage: Stage) -> dict[str, Route]:
        def guard(answer: Answer) -> Route:
            def route(seen: Seen) -> Answer:
                if seen.headers.get("Authorization") == accept:
                    return answer
                if realm is None:
                    challenge = 'Basic realm="hostile"'
                else:
                    scope = "repository:acme/app:pull"
                    challenge = f'Bearer realm="{realm(stage)}",service="{stage.host}",scope="{scope}"'
                return Answer(
                    401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', JSON | {"WWW-Authenticate": challenge}
                )

            return route

        return {path: guard(a) for path, a in registry_routes(stage).items() if isinstance(a, Answer)}

    return routes


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass(frozen=True)
class HostileService:
    name: str
    secret: str
    # the routes it answers when well-behaved (the registry's are added unless replaced)
    routes: Callable[[Stage], dict[str, Route]]
    targets: tuple[str, ...]  # the routes answered with garbage, one drawn per example
    argv: tuple[str, ...] = ("plan",)
    # what the command may end with, whatever it met: plan skips an image whose registry
    # answers something broken (0), and ends with 3 when a registry stays unavailable
    codes: frozenset[int] = frozenset({0, 3})
    remote: bool = False  # the command reads a git remote (else a checkout's directory)
    registry: str = ""  # lines under the registry's host in registries:
    image: str = ""  # lines added to the image's entry
    dev: str = ""  # lines added to the dev environment
    sections: Callable[[Stage], str] = lambda stage: ""  # top-level sections of gitops-bot.yaml
    env: Callable[[Stage], dict[str, str]] = lambda stage: {}
    files: Callable[[Stage], dict[str, str]] = lambda stage: {}  # more files of the repository
    user: str = ""  # the user the secret goes with (a Basic pair)
    tls: bool = False  # served over https (the client refuses an identity service over http)
    registry_routes: Callable[[Stage], dict[str, Route]] = registry_routes
    errors: int = 1  # error lines the command may print (status: one per unknown source)
    extra_secrets: tuple[str, ...] = field(default=())
    # answers tried first in every run, each with the target it answers: the cases a client
    # once met (every service also meets its first target echoing its secret base64-encoded)
    explicit: tuple[tuple[str, Fault], ...] = ()
    commits: bool = False  # the command pushes to the remote's main (checked, then undone)
    text: bool = False  # the command prints for a terminal (else --output json)

    def examples(self) -> tuple[tuple[str, Fault], ...]:
        if self.commits:  # the command's plan meets the echoes already: only what is its own
            return self.explicit
        return ((self.targets[0], echoing("base64")), *self.explicit)

    def all_routes(self, stage: Stage) -> dict[str, Route]:
        return self.registry_routes(stage) | self.routes(stage)


# -- the repository every service's command reads -------------------------------------------

OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: example/app
    newName: {host}/acme/app
    newTag: 1.0.0
"""


def indent(text: str, n: int) -> str:
    return "".join(" " * n + line + "\n" for line in text.splitlines() if line)


def config(service: HostileService, stage: Stage) -> str:
    registry = service.registry or "insecure: true"
    text = (
        "version: 1\n"
        f'registries:\n  "{stage.host}":\n{indent(registry, 4)}'
        f"images:\n  - name: example/app\n    repository: {stage.host}/acme/app\n{indent(service.image, 4)}"
        f"{service.sections(stage)}"
        "environments:\n"
        f"  - name: dev\n    path: overlays/dev\n{indent(service.dev, 4)}"
        "  - name: prod\n    path: overlays/prod\n    promote_from: dev\n"
    )
    return text.replace("{url}", stage.url)


def repository_files(service: HostileService, stage: Stage) -> dict[str, str]:
    overlay = OVERLAY.format(host=stage.host)
    return {
        "gitops-bot.yaml": config(service, stage),
        "overlays/dev/kustomization.yaml": overlay,
        "overlays/prod/kustomization.yaml": overlay,
    } | service.files(stage)


# -- the services ---------------------------------------------------------------------------


def _json(value: object) -> Answer:
    return Answer(200, dumps(value), JSON)


REGISTRY_SECRET = "reg.Hx/s3cret+pw=1"
registry = HostileService(
    "registry",
    REGISTRY_SECRET,
    routes=lambda stage: {},
    registry_routes=challenged(basic("robot", REGISTRY_SECRET)),
    targets=("/v2/acme/app/tags/list", "/v2/acme/app/manifests/"),
    registry="username_env: HX_REG_USER\npassword_env: HX_REG_PASS",
    env=lambda stage: {"HX_REG_USER": "robot", "HX_REG_PASS": REGISTRY_SECRET},
    user="robot",
)

TOKEN_SECRET = "tok.Hx/s3cret+pw=2"
token_service = HostileService(
    "token service",
    TOKEN_SECRET,
    routes=lambda stage: {"/token": _json({"token": REGISTRY_TOKEN, "expires_in": 300})},
    registry_routes=challenged(f"Bearer {REGISTRY_TOKEN}", lambda stage: f"{stage.url}/token"),
    targets=("/token",),
    registry="username_env: HX_REG_USER\npassword_env: HX_REG_PASS",
    env=lambda stage: {"HX_REG_USER": "robot", "HX_REG_PASS": TOKEN_SECRET},
    user="robot",
    # a 200 without a token, shaped as the tag list, then as the manifest, it was asked for
    explicit=(("/token", another_route(1)), ("/token", another_route(2)), ("/token", echoing("basic"))),
)

STS = """<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAHOSTILEEXAMPLE</AccessKeyId>
      <SecretAccessKey>hostile/secret/access/key</SecretAccessKey>
      <SessionToken>hostile-session-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>system:serviceaccount:ci:gitops-bot</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/gitops-bot/hostile</Arn>
      <AssumedRoleId>AROAHOSTILE:hostile</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
"""
AWS_SECRET = "aws.Hx/web-identity+jwt=3"
ECR_PASSWORD = "ecr-password-Hx9"


def _aws_env(stage: Stage) -> dict[str, str]:
    token = stage.root / "aws-web-identity"
    token.write_text(AWS_SECRET)
    return {
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_STS": f"{stage.url}/sts/",
        "AWS_ENDPOINT_URL_ECR": f"{stage.url}/ecr/",
        "AWS_CONFIG_FILE": str(stage.root / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(stage.root / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/gitops-bot",
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
    }


aws = HostileService(
    "AWS STS and ECR",
    AWS_SECRET,
    routes=lambda stage: {
        "/sts/": Answer(200, STS.encode(), {"Content-Type": "text/xml"}),
        "/ecr/": Answer(
            200,
            dumps(
                {
                    "authorizationData": [
                        {
                            "authorizationToken": base64.b64encode(f"AWS:{ECR_PASSWORD}".encode()).decode(),
                            "expiresAt": 4_000_000_000,
                            "proxyEndpoint": f"https://{stage.host}",
                        }
                    ]
                }
            ),
            {"Content-Type": "application/x-amz-json-1.1"},
        ),
    },
    registry_routes=challenged(basic("AWS", ECR_PASSWORD)),
    targets=("/sts/", "/ecr/"),
    registry="auth: aws\nregion: us-east-1",
    explicit=(
        ("/sts/", whole_body(b"<AssumeRoleWithWebIdentityResponse><broken", "broken XML")),
        ("/sts/", whole_body(b"<Response>" + b"<x>1</x>" * 1_300_000 + b"</Response>", "10 MB of XML")),
        ("/sts/", endless()),
    ),
    env=_aws_env,
    extra_secrets=(ECR_PASSWORD,),
)

AUDIENCE = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/h"
GCP_SECRET = "gcp.Hx/subject+jwt=4"
GCP_ACCESS = "ya29.hostile-access-token"


def _gcp_env(stage: Stage) -> dict[str, str]:
    subject = stage.root / "gcp-subject"
    subject.write_text(GCP_SECRET)
    external = stage.root / "external-account.json"
    external.write_text(
        json.dumps(
            {
                "type": "external_account",
                "audience": AUDIENCE,
                "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                "token_url": f"{stage.url}/gcp/v1/token",
                "credential_source": {"file": str(subject)},
            }
        )
    )
    return {"GOOGLE_APPLICATION_CREDENTIALS": str(external), "GCE_METADATA_HOST": "127.0.0.1:9"}


gcp = HostileService(
    "Google token service",
    GCP_SECRET,
    routes=lambda stage: {
        "/gcp/v1/token": _json(
            {
                "access_token": GCP_ACCESS,
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "token_type": "Bearer",
                "expires_in": 3600,
            }
        )
    },
    registry_routes=challenged(basic("oauth2accesstoken", GCP_ACCESS)),
    targets=("/gcp/v1/token",),
    registry="auth: gcp",
    explicit=tuple(
        ("/gcp/v1/token", field_set(("expires_in",), v)) for v in (raw("9" * 400), raw("1e400"), "soon")
    ),
    env=_gcp_env,
    extra_secrets=(GCP_ACCESS,),
)

AZURE_SECRET = "azure.Hx/client+secret=5"
AZURE_ACCESS = "entra-access-token-Hx"
ACR_REFRESH = "acr-refresh-token-Hx"
ACR_ACCESS = "acr-access-token-Hx"
azure = HostileService(
    "Azure Entra and ACR exchange",
    AZURE_SECRET,
    routes=lambda stage: {
        f"/{TENANT}/oauth2/v2.0/token": _json(
            {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": AZURE_ACCESS}
        ),
        "/oauth2/exchange": _json({"refresh_token": ACR_REFRESH}),
        "/oauth2/token": _json({"access_token": ACR_ACCESS}),
    },
    registry_routes=challenged(f"Bearer {ACR_ACCESS}", lambda stage: f"{stage.url}/oauth2/token"),
    targets=(f"/{TENANT}/oauth2/v2.0/token", "/oauth2/exchange", "/oauth2/token"),
    registry="auth: azure",
    explicit=(
        (f"/{TENANT}/oauth2/v2.0/token", field_set(("expires_in",), raw("1e400"))),
        ("/oauth2/exchange", another_route(2)),
    ),
    env=lambda stage: {
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_TENANT_ID": TENANT,
        "AZURE_CLIENT_SECRET": AZURE_SECRET,
        "AZURE_AUTHORITY_HOST": stage.url,
    },
    extra_secrets=(AZURE_ACCESS, ACR_REFRESH, ACR_ACCESS),
)


# -- the forges: their open pull requests, as status asks them -------------------------------

FORGE_SECRET = "forge.Hx/t0ken+pat=6"


def _forge(
    name: str, kind: str, api: str, repository: str, pulls: str, body: object, user: str = ""
) -> HostileService:
    def sections(stage: Stage) -> str:
        return (
            f"forge:\n  type: {kind}\n  api_url: {stage.url}{api}\n  repository: {repository}\n"
            "  token_env: HX_FORGE_TOKEN\n"
        )

    return HostileService(
        name,
        FORGE_SECRET,
        routes=lambda stage: {"/": _json(body), pulls: _json(body)},
        targets=(pulls, "/"),
        argv=("status",),
        codes=frozenset({0, 2, 3}),
        remote=True,
        sections=sections,
        env=lambda stage: {"HX_FORGE_TOKEN": FORGE_SECRET},
        user=user,
        # a page larger than the forge documents (and a next page, for ever)
        explicit=((pulls, paging(1000)),),
    )


def _pull(number: int, head: str) -> dict[str, object]:
    return {
        "number": number,
        "id": number,
        "title": "chore(dev): example/app 1.1.0",
        "body": "by gitops-bot",
        "state": "open",
        "html_url": f"https://forge.test/acme/gitops/pull/{number}",
        "head": {"ref": head, "sha": "b" * 40, "repo": {"full_name": "acme/gitops"}},
        "base": {"ref": "main"},
        "user": {"login": "gitops-bot"},
        "labels": [],
        "draft": False,
    }


github = _forge(
    "GitHub", "github", "", "acme/gitops", "/repos/acme/gitops/pulls", [_pull(1, "gitops-bot/dev")]
)
gitea = _forge(
    "Gitea",
    "gitea",
    "/api/v1",
    "acme/gitops",
    "/api/v1/repos/acme/gitops/pulls",
    [_pull(1, "gitops-bot/dev")],
)
gitlab = _forge(
    "GitLab",
    "gitlab",
    "/api/v4",
    "acme/gitops",
    "/api/v4/projects/acme%2Fgitops/merge_requests",
    [
        {
            "iid": 1,
            "id": 11,
            "title": "chore(dev): example/app 1.1.0",
            "description": "by gitops-bot",
            "state": "opened",
            "web_url": "https://gitlab.test/acme/gitops/-/merge_requests/1",
            "source_branch": "gitops-bot/dev",
            "target_branch": "main",
            "sha": "b" * 40,
            "labels": [],
            "draft": False,
            "author": {"username": "gitops-bot"},
        }
    ],
)
azure_devops = _forge(
    "Azure DevOps",
    "azure-devops",
    "",
    "acme/web/gitops",
    "/acme/web/_apis/git/repositories/gitops/pullrequests",
    {
        "count": 1,
        "value": [
            {
                "pullRequestId": 1,
                "title": "chore(dev): example/app 1.1.0",
                "description": "by gitops-bot",
                "status": "active",
                "sourceRefName": "refs/heads/gitops-bot/dev",
                "targetRefName": "refs/heads/main",
                "isDraft": False,
                "lastMergeSourceCommit": {"commitId": "b" * 40},
                "createdBy": {"uniqueName": "gitops-bot"},
                "labels": [],
            }
        ],
    },
)
bitbucket_cloud = _forge(
    "Bitbucket Cloud",
    "bitbucket-cloud",
    "/2.0",
    "acme/gitops",
    "/2.0/repositories/acme/gitops/pullrequests",
    {
        "pagelen": 50,
        "size": 1,
        "page": 1,
        "values": [
            {
                "id": 1,
                "title": "chore(dev): example/app 1.1.0",
                "description": "by gitops-bot",
                "state": "OPEN",
                "source": {"branch": {"name": "gitops-bot/dev"}, "commit": {"hash": "b" * 12}},
                "destination": {"branch": {"name": "main"}},
                "links": {"html": {"href": "https://bitbucket.org/acme/gitops/pull-requests/1"}},
                "author": {"display_name": "gitops-bot"},
            }
        ],
    },
)
bitbucket_dc = _forge(
    "Bitbucket Data Center",
    "bitbucket-data-center",
    "",
    "ACME/gitops",
    "/rest/api/latest/projects/ACME/repos/gitops/pull-requests",
    {
        "size": 1,
        "limit": 25,
        "isLastPage": True,
        "start": 0,
        "values": [
            {
                "id": 1,
                "version": 0,
                "title": "chore(dev): example/app 1.1.0",
                "description": "by gitops-bot",
                "state": "OPEN",
                "draft": False,
                "fromRef": {
                    "id": "refs/heads/gitops-bot/dev",
                    "displayId": "gitops-bot/dev",
                    "latestCommit": "b" * 40,
                },
                "toRef": {"id": "refs/heads/main", "displayId": "main"},
                "links": {
                    "self": [{"href": "https://bitbucket.test/projects/ACME/repos/gitops/pull-requests/1"}]
                },
                "author": {"user": {"name": "gitops-bot"}},
            }
        ],
    },
)

# -- Argo CD, Prometheus, web gates, notifications ------------------------------------------


def _gitea(stage: Stage) -> str:
    """A Gitea for the commands that ask the forge by the way (its open pull requests)."""
    return (
        f"forge:\n  type: gitea\n  api_url: {stage.url}/api/v1\n  repository: acme/gitops\n"
        "  token_env: HX_FORGE_TOKEN\n"
    )


def _with_forge(service: HostileService) -> HostileService:
    """``service`` in a repository whose forge (a well-behaved Gitea) the command also asks."""
    return replace(
        service,
        sections=lambda stage: service.sections(stage) + _gitea(stage),
        routes=lambda stage: service.routes(stage) | {"/api/v1/": _gitea_answers},
        env=lambda stage: service.env(stage) | {"HX_FORGE_TOKEN": FORGE_SECRET},
    )


def _gitea_answers(seen: Seen) -> Answer:
    """No open pull request; one opened when asked (a promotion's)."""
    if seen.method == "POST" and seen.path.startswith("/api/v1/repos/acme/gitops/pulls"):
        return Answer(201, dumps(_pull(2, "gitops-bot/promotion/prod")), JSON)
    return _json([])


ARGOCD_SECRET = "argocd.Hx/t0ken+jwt=7"


def _application(stage: Stage) -> dict[str, object]:
    return {
        "metadata": {"name": "dev-app", "namespace": "argocd"},
        "spec": {"source": {"repoURL": "https://forge.test/acme/gitops.git", "path": "overlays/dev"}},
        "status": {
            "sync": {"status": "Synced", "revision": "a" * 40},
            "health": {"status": "Healthy"},
            "summary": {"images": [f"{stage.host}/acme/app:1.0.0"]},
            "operationState": {"phase": "Succeeded", "finishedAt": "2026-01-01T00:00:00Z"},
            "reconciledAt": "2026-01-01T00:00:00Z",
        },
    }


argocd = HostileService(
    "Argo CD",
    ARGOCD_SECRET,
    routes=lambda stage: {
        "/api/v1/applications": _json(_application(stage)),
        "/api/v1/repos/acme/gitops/pulls": _json([]),
    },
    targets=("/api/v1/applications",),
    argv=("status",),
    codes=frozenset({0, 2, 3}),
    remote=True,
    dev="argocd_application: dev-app",
    sections=lambda stage: (
        f"forge:\n  type: gitea\n  api_url: {stage.url}/api/v1\n  repository: acme/gitops\n"
        "  token_env: HX_FORGE_TOKEN\n"
        f"argocd:\n  server: {stage.url}\n  token_env: HX_ARGOCD_TOKEN\n"
    ),
    env=lambda stage: {"HX_ARGOCD_TOKEN": ARGOCD_SECRET, "HX_FORGE_TOKEN": FORGE_SECRET},
    extra_secrets=(FORGE_SECRET,),
)

PROMETHEUS_SECRET = "prom.Hx/t0ken+bearer=8"
_VECTOR = {
    "status": "success",
    "data": {"resultType": "vector", "result": [{"metric": {"pod": "a"}, "value": [1_764_000_000, "0.001"]}]},
}
_MATRIX = {
    "status": "success",
    "data": {
        "resultType": "matrix",
        "result": [{"metric": {"pod": "a"}, "values": [[1_764_000_000, "0.001"]]}],
    },
}
# the promotion dry run reads dev's gates: these refuse or pass, each a documented ending
PROMOTE = ("promote", "dev", "prod", "--dry-run")
prometheus = HostileService(
    "Prometheus",
    PROMETHEUS_SECRET,
    routes=lambda stage: {"/prom/api/v1/query_range": _json(_MATRIX), "/prom/api/v1/query": _json(_VECTOR)},
    targets=("/prom/api/v1/query",),
    explicit=(
        ("/prom/api/v1/query", field_set(("data", "result", 0, "value", 1), raw("1e400"))),
        ("/prom/api/v1/query", field_set(("data", "result", 0, "value", 0), 10**30)),
    ),
    argv=PROMOTE,
    codes=frozenset({0, 4}),
    remote=True,
    dev='gates:\n  metrics:\n    - name: errors\n      query: rate(errors[5m])\n      condition: "< 0.01"',
    sections=lambda stage: f"metrics:\n  url: {stage.url}/prom\n  token_env: HX_PROM_TOKEN\n",
    env=lambda stage: {"HX_PROM_TOKEN": PROMETHEUS_SECRET},
)

WEB_SECRET = "cab.Hx/t0ken+bearer=9"
web_gate = HostileService(
    "web gate",
    WEB_SECRET,
    routes=lambda stage: {"/cab": _json({"state": "approved", "checks": [{"ok": True}]})},
    targets=("/cab",),
    explicit=(("/cab", field_set(("state",), ["approved"] * 10_000)),),
    argv=PROMOTE,
    codes=frozenset({0, 4}),
    remote=True,
    dev=(
        "gates:\n  web:\n    - name: cab\n      url: {url}/cab\n      token_env: HX_CAB_TOKEN\n"
        "      pointer: /state\n      equals: approved"
    ),
    env=lambda stage: {"HX_CAB_TOKEN": WEB_SECRET},
)

HOOK_SECRET = "hook.Hx/path+secret=10"
notifications = HostileService(
    "notification endpoint",
    HOOK_SECRET,
    # dev's web gate refuses, so the promotion's refusal is what is notified
    routes=lambda stage: {
        "/cab": _json({"state": "pending"}),
        "/hooks/": Answer(200, b"ok", {"Content-Type": "text/plain"}),
    },
    targets=("/hooks/",),
    argv=("promote", "dev", "prod"),  # a dry run only logs what it would send
    codes=frozenset({0, 4}),  # refused by dev's web gate, or the promotion opened
    remote=True,
    dev="gates:\n  web:\n    - name: cab\n      url: {url}/cab\n"
    "      pointer: /state\n      equals: approved\n",
    sections=lambda stage: "notifications:\n  - name: audit\n    type: webhook\n    url_env: HX_HOOK_URL\n",
    env=lambda stage: {"HX_HOOK_URL": f"{stage.url}/hooks/{HOOK_SECRET}"},
)

# -- push times and chart indexes: what plan reads besides the registry ---------------------

HARBOR_SECRET = "harbor.Hx/robot+pw=11"
push_time = HostileService(
    "push-time API (Harbor)",
    HARBOR_SECRET,
    routes=lambda stage: {
        "/api/v2.0/": _json(
            {
                "digest": DIGEST,
                "push_time": "2026-01-01T00:00:00.000Z",
                "tags": [{"name": "1.1.0", "push_time": "2026-01-01T00:00:00.000Z"}],
            }
        )
    },
    registry_routes=challenged(basic("robot$ci", HARBOR_SECRET)),
    targets=("/api/v2.0/",),
    explicit=(
        ("/api/v2.0/", field_set(("push_time",), "9999-12-31T23:59:59.999999999Z")),
        ("/api/v2.0/", field_set(("push_time",), 10**400)),
    ),
    registry="username_env: HX_REG_USER\npassword_env: HX_REG_PASS\npush_time: harbor\npush_time_url: {url}",
    image="min_age: 1h",
    env=lambda stage: {"HX_REG_USER": "robot$ci", "HX_REG_PASS": HARBOR_SECRET},
    user="robot$ci",
)


def _push_time_api(name: str, kind: str, token_env: str, path: str, body: object) -> HostileService:
    """A push-time API of its own origin's path (``push_time_url``), its token by its variable."""
    secret = f"{kind}.Hx/t0ken+api=13"
    return HostileService(
        f"push-time API ({name})",
        secret,
        routes=lambda stage: {path: _json(body)},
        targets=(path,),
        registry=f"push_time: {kind}\npush_time_url: {{url}}/{kind}-api",
        image="min_age: 1h",
        env=lambda stage: {token_env: secret},
    )


push_time_github = _push_time_api(
    "GitHub Packages",
    "github",
    "GITHUB_TOKEN",
    "/github-api/",
    [
        {
            "id": 1,
            "name": DIGEST,
            "created_at": "2026-01-01T00:00:00Z",
            "metadata": {"package_type": "container", "container": {"tags": ["1.1.0"]}},
        }
    ],
)
push_time_quay = _push_time_api(
    "Quay",
    "quay",
    "QUAY_TOKEN",
    "/quay-api/",
    {
        "tags": [{"name": "1.1.0", "start_ts": 1_767_225_600, "manifest_digest": DIGEST, "reversion": False}],
        "page": 1,
        "has_additional": False,
    },
)


CHART_INDEX = """apiVersion: v1
entries:
  podinfo:
    - apiVersion: v2
      name: podinfo
      version: 1.1.0
      digest: {digest}
      urls: ["{url}/charts/podinfo-1.1.0.tgz"]
      created: "2026-01-01T00:00:00Z"
    - apiVersion: v2
      name: podinfo
      version: 1.0.0
      digest: {digest}
      urls: ["{url}/charts/podinfo-1.0.0.tgz"]
      created: "2025-01-01T00:00:00Z"
generated: "2026-01-01T00:00:00Z"
"""
CHART_SECRET = "charts.Hx/basic+pw=12"
chart_index = HostileService(
    "chart index",
    CHART_SECRET,
    routes=lambda stage: {
        "/charts/index.yaml": Answer(
            200,
            CHART_INDEX.format(url=stage.url, digest="0" * 64).encode(),
            {"Content-Type": "application/x-yaml"},
        )
    },
    registry_routes=challenged(basic("charts", CHART_SECRET)),
    targets=("/charts/index.yaml",),
    explicit=(
        ("/charts/index.yaml", whole_body(YAML_BOMB, "a billion laughs", "application/x-yaml")),
        ("/charts/index.yaml", field_set(("entries", "podinfo", 0, "version"), raw("1e400"))),
        ("/charts/index.yaml", field_set(("entries", "podinfo", 0, "created"), "2026-13-45T99:99:99Z")),
    ),
    registry="username_env: HX_REG_USER\npassword_env: HX_REG_PASS",
    env=lambda stage: {"HX_REG_USER": "charts", "HX_REG_PASS": CHART_SECRET},
    user="charts",
    sections=lambda stage: (
        f'charts:\n  - name: podinfo\n    repository: {stage.url}/charts\n    range: "^1"\n'
    ),
    files=lambda stage: {
        "overlays/dev/kustomization.yaml": OVERLAY.format(host=stage.host)
        + f"helmCharts:\n  - name: podinfo\n    repo: {stage.url}/charts\n"
        + "    version: 1.0.0\n    releaseName: podinfo\n"
    },
)


def _committing(service: HostileService) -> HostileService:
    """``service`` under update, which commits to dev (write: commit): what it pushes must
    name only what the registry served."""
    return replace(
        service,
        name=f"{service.name} (update)",
        argv=("update",),
        remote=True,
        dev="write: commit",
        commits=True,
        sections=_gitea,
        routes=lambda stage: service.routes(stage) | {"/api/v1/": _gitea_answers},
        env=lambda stage: service.env(stage) | {"HX_FORGE_TOKEN": FORGE_SECRET},
    )


registry_update = replace(_committing(registry), explicit=())
# the token service's 200 shaped as the manifest: what update would commit
token_update = replace(_committing(token_service), explicit=(("/token", another_route(2)),))

# promote asks the forge too (its open pull requests)
prometheus, web_gate, notifications = (_with_forge(s) for s in (prometheus, web_gate, notifications))

# the same answers read by commands printing for a terminal: status's table (Argo CD's
# images and states, a forge's pull requests), explain's rules (the gates' evidence)
argocd_text = replace(argocd, name="Argo CD (status, text)", text=True)
gitea_text = replace(gitea, name="Gitea (status, text)", text=True)
web_gate_text = replace(web_gate, name="web gate (explain, text)", argv=("explain", "prod"), text=True)

SERVICES: dict[str, HostileService] = {
    s.name: s
    for s in (
        registry,
        token_service,
        registry_update,
        token_update,
        aws,
        gcp,
        azure,
        github,
        gitlab,
        gitea,
        azure_devops,
        bitbucket_cloud,
        bitbucket_dc,
        argocd,
        argocd_text,
        gitea_text,
        web_gate_text,
        prometheus,
        web_gate,
        notifications,
        push_time,
        push_time_github,
        push_time_quay,
        chart_index,
    )
}


def secrets_of(service: HostileService) -> Mapping[str, str]:
    """Every secret the service's world holds, by what it is."""
    return {"secret": service.secret} | {f"issued #{i}": s for i, s in enumerate(service.extra_secrets)}
