"""A cloud on loopback: the identity services a workload's login goes through, and a front to
the real registry (Debian's ``docker-registry``, anonymous behind it) that lets a request
through only with the credential those services issued, as ECR, Artifact Registry and ACR do.

One TLS server (:class:`CloudFake`) speaks, by ``cloud``:

- ``aws``: STS (``AssumeRoleWithWebIdentity``, ``AssumeRole``, the query protocol's XML) and ECR
  (``GetAuthorizationToken``; ``DescribeImages`` of what :meth:`CloudFake.record` holds, its
  ``imagePushedAt``; JSON 1.1) as botocore's own service models describe them: every
  request's parameters and every answer are validated against the model of the operation
  (``botocore/data/{sts,ecr,ecr-public}/*/service-2.json``, :func:`model_problems`), and every
  signed request's SigV4 signature is recomputed here from the AWS documentation's algorithm
  ("Create a signed AWS API request") with the secret the fake issued, so a request botocore's
  signer did not sign, or that our client altered after signing, is refused. The registry
  front asks for ``Basic`` (realm and service as ECR sends them) and takes only ``AWS`` and the
  decoded token.
- ``gcp``: Google's Security Token Service token exchange (``POST /v1/token``, RFC 8693 form
  fields as https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token lists them)
  for an external-account file's ``token_url``; the front challenges with ``Bearer
  realm=.../v2/token`` and its token endpoint takes ``oauth2accesstoken`` and only the access
  token STS issued.
- ``azure``: Microsoft Entra ID's token endpoint (``POST /{tenant}/oauth2/v2.0/token``, the
  client credentials flow with a client assertion or a secret, per "Microsoft identity platform
  and the OAuth 2.0 client credentials flow"), and the registry's own ``/oauth2/exchange``
  (``grant_type=access_token``) and ``/oauth2/token`` (``grant_type=refresh_token``) as ACR's
  data-plane description (``Authentication_ExchangeAadAccessTokenForAcrRefreshToken``,
  ``Authentication_ExchangeAcrRefreshTokenForAcrAccessToken``, containerregistry.json
  2021-07-01, vendored in ``testkit/specs/acr-subset.swagger.json``, which every exchange is
  checked against) and ``AAD-OAuth.md`` give them.

Anything else, or a field out of place, is answered 400 and kept in ``problems``: a test ends
with ``assert not fake.problems``. ``seen`` keeps each request's method, path and headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from testkit.certs import make_ca, make_server_cert
from testkit.contract import Contract
from testkit.loopback import LoopbackHTTPServer

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/gitops-bot-reader"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0f3b5e2a-1c4d-4e6f-8a9b-123456789abc"
AUDIENCE = (
    "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/github"
)
LIFE = 3600


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Issued:
    """What the fake issued, by kind: a test checks the front took only these."""

    web_identity: str = ""  # the OIDC token the workload holds (a file's content)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # access key -> (secret, session)
    ecr: set[str] = field(default_factory=set)
    google: set[str] = field(default_factory=set)
    entra: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    registry: set[str] = field(default_factory=set)


def model_problems(
    service: str, operation: str, params: dict[str, Any] | None, output: dict[str, Any] | None
) -> list[str]:
    """``params`` and ``output`` (each when given) against botocore's model of ``service``'s
    ``operation``."""
    from botocore.loaders import Loader
    from botocore.model import ServiceModel
    from botocore.validate import ParamValidator

    model = ServiceModel(Loader().load_service_model(service, "service-2"), service)
    op = model.operation_model(operation)
    problems = []
    for shape, value, what in ((op.input_shape, params, "request"), (op.output_shape, output, "answer")):
        if shape is None or value is None:
            continue
        report = ParamValidator().validate(value, shape)
        if report.has_errors():
            problems.append(f"{service} {operation} {what}: {report.generate_report()}")
    return problems


def sigv4_problem(
    method: str, path: str, query: str, headers: dict[str, str], body: bytes, secret: str
) -> str | None:
    """Whether ``Authorization`` is the SigV4 signature of this request with ``secret`` (AWS's
    documented algorithm: canonical request, string to sign, derived key)."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "not signed with AWS4-HMAC-SHA256"
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 ") :].split(","))
    _key, date, region, service, _term = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return "host and x-amz-date are not signed"
    canonical_query = "&".join(
        sorted(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, vs in parse_qs(query, keep_blank_values=True).items()
            for v in vs
        )
    )
    canonical = "\n".join(
        [
            method,
            quote(path or "/", safe="/-_.~"),
            canonical_query,
            "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed),
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", headers["x-amz-date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return None if hmac.compare_digest(expected, parts["Signature"]) else "the SigV4 signature does not match"


class CloudFake:
    """See the module's text. ``with CloudFake("aws", backend_url, tmp) as fake:`` serves on
    ``fake.url`` (https, its CA in ``fake.ca``); ``fake.host`` is the registry's host."""

    def __init__(self, cloud: str, backend: str, directory: Path) -> None:
        self.cloud = cloud
        self.backend = backend.rstrip("/")
        self.issued = Issued(web_identity="eyJ" + secrets.token_urlsafe(24))
        self.problems: list[str] = []
        self.seen: list[Seen] = []
        # an error code the identity service answers with instead (for aws: an ECR code, ending
        # in "Exception", is ECR's answer; another is STS's)
        self.refuse: str | None = None
        # ECR's record of each tag: (repository, tag) -> (digest, imagePushedAt), as DescribeImages
        # answers it; and the error code it answers DescribeImages with instead
        self.images: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.refuse_describe: str | None = None
        self.acr = Contract.load("acr")
        self.lock = threading.Lock()
        ca, ca_key, ca_cert = make_ca("cloud fake CA")
        self.ca, _ = ca.write(directory, "cloud-ca")
        cert, key = make_server_cert(ca_key, ca_cert).write(directory, "cloud")
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.server = LoopbackHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.socket = self.context.wrap_socket(self.server.socket, server_side=True)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"https://{self.host}"
        self._http = httpx.Client(timeout=10)

    def __enter__(self) -> CloudFake:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._http.close()

    def record(self, repository: str, tag: str, digest: str, pushed: datetime) -> None:
        """ECR's own record that ``repository:tag`` (``digest``) was pushed at ``pushed``."""
        with self.lock:
            self.images[(repository, tag)] = (digest, pushed)

    def problem(self, what: str) -> None:
        with self.lock:
            self.problems.append(what)

    # -- what a request is answered --------------------------------------------------------

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(target)
        path, query = split.path, split.query
        with self.lock:
            self.seen.append(Seen(method, target, headers))
        if path.startswith("/v2/") and path != "/v2/token":
            return self._registry(method, target, headers, body)
        if self.cloud == "gcp" and path == "/v2/token" and method == "GET":
            return self._gar_token(headers)
        if method != "POST":
            return self._bad(f"{method} {path} is not an operation of the fake {self.cloud}")
        form = {k: v[0] for k, v in parse_qs(body.decode(errors="replace"), keep_blank_values=True).items()}
        if self.cloud == "aws" and path == "/":
            if "x-amz-target" in headers:
                return self._ecr(headers, body, query)
            return self._sts(form, headers, body, query)
        if self.cloud == "gcp" and path == "/v1/token":
            return self._google_sts(form)
        if self.cloud == "azure" and path == f"/{TENANT}/oauth2/v2.0/token":
            return self._entra(form)
        if self.cloud == "azure" and path in ("/oauth2/exchange", "/oauth2/token"):
            answered = self._acr_exchange(form) if path == "/oauth2/exchange" else self._acr_token(form)
            status, _, data = answered
            # held to ACR's data-plane description (testkit/specs/acr-subset.swagger.json)
            self.acr.check("POST", path, form, status, json.loads(data) if data[:1] == b"{" else None)
            for violation in self.acr.violations:
                self.problem(f"ACR description: {violation}")
            self.acr.violations.clear()
            return answered
        return self._bad(f"POST {path} is not an operation of the fake {self.cloud}")

    def _bad(self, why: str) -> tuple[int, dict[str, str], bytes]:
        self.problem(why)
        return 400, {"Content-Type": "text/plain"}, why.encode()

    @staticmethod
    def _json(
        status: int, data: Any, content_type: str = "application/json"
    ) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": content_type}, json.dumps(data).encode()

    # -- AWS ------------------------------------------------------------------------------

    def _sts(
        self, form: dict[str, str], headers: dict[str, str], body: bytes, query: str
    ) -> tuple[int, dict[str, str], bytes]:
        action = form.pop("Action", "")
        if form.pop("Version", "") != "2011-06-15":
            return self._bad("STS request without Version=2011-06-15")
        params: dict[str, Any] = {k: int(v) if k == "DurationSeconds" else v for k, v in form.items()}
        if action == "AssumeRoleWithWebIdentity":
            if params.get("WebIdentityToken") != self.issued.web_identity:
                return self._sts_error(
                    "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"
                )
        elif action == "AssumeRole":
            if problem := self._signed(headers, body, query, "sts"):
                return self._sts_error("SignatureDoesNotMatch", problem, 403)
        else:
            return self._bad(f"STS action {action!r} is not faked")
        if self.refuse and not self.refuse.endswith("Exception"):  # ECR's codes end so
            return self._sts_error(self.refuse, "Not authorized to perform sts:AssumeRole", 403)
        key, secret, session = (
            "ASIA" + secrets.token_hex(8).upper(),
            secrets.token_urlsafe(30),
            secrets.token_urlsafe(60),
        )
        self.issued.keys[key] = (secret, session)
        expires = datetime.fromtimestamp(time.time() + LIFE, UTC)
        output: dict[str, Any] = {
            "Credentials": {
                "AccessKeyId": key,
                "SecretAccessKey": secret,
                "SessionToken": session,
                "Expiration": expires,
            },
            "AssumedRoleUser": {
                "AssumedRoleId": "AROAEXAMPLE:gitops-bot",
                "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/gitops-bot",
            },
        }
        for problem in model_problems("sts", action, params, output):
            self.problem(problem)
        when = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        xml = (
            f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{action}Result>'
            f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{session}</SessionToken><Expiration>{when}</Expiration></Credentials>"
            f"<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:gitops-bot</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{ACCOUNT}:assumed-role/reader/gitops-bot</Arn></AssumedRoleUser>"
            f"</{action}Result><ResponseMetadata><RequestId>{secrets.token_hex(8)}</RequestId>"
            f"</ResponseMetadata></{action}Response>"
        )
        return 200, {"Content-Type": "text/xml"}, xml.encode()

    @staticmethod
    def _sts_error(code: str, message: str, status: int = 400) -> tuple[int, dict[str, str], bytes]:
        xml = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        )
        return status, {"Content-Type": "text/xml"}, xml.encode()

    def _signed(self, headers: dict[str, str], body: bytes, query: str, service: str) -> str | None:
        auth = headers.get("authorization", "")
        key = auth.partition("Credential=")[2].partition("/")[0]
        found = self.issued.keys.get(key)
        if found is None:
            return f"unknown access key {key[:8]}"
        secret, session = found
        if headers.get("x-amz-security-token") != session:
            return "the session token is not the one issued with the key"
        if f"/{service}/aws4_request" not in auth:
            return f"not signed for {service}"
        return sigv4_problem("POST", "/", query, headers, body, secret)

    def _ecr(self, headers: dict[str, str], body: bytes, query: str) -> tuple[int, dict[str, str], bytes]:
        target = headers["x-amz-target"]
        prefix, _, operation = target.partition(".")
        service = {"AmazonEC2ContainerRegistry_V20150921": "ecr", "SpencerFrontendService": "ecr-public"}.get(
            prefix
        )
        if service is None or operation not in ("GetAuthorizationToken", "DescribeImages"):
            return self._bad(f"ECR target {target!r} is not faked")
        if headers.get("content-type") != "application/x-amz-json-1.1":
            return self._bad("ECR request is not application/x-amz-json-1.1")
        if problem := self._signed(headers, body, query, service):
            return self._aws_error(400, "InvalidSignatureException", problem)
        params = json.loads(body or b"{}")
        if operation == "DescribeImages":
            return self._describe(service, params)
        if self.refuse:
            message = (
                f"User: arn:aws:sts::{ACCOUNT}:assumed-role/reader/gitops-bot is not authorized to "
                "perform: ecr:GetAuthorizationToken"
            )
            return self._aws_error(400, self.refuse, message)
        password = secrets.token_urlsafe(40)
        self.issued.ecr.add(password)
        expires = datetime.fromtimestamp(time.time() + 12 * 3600, UTC)
        token = base64.b64encode(f"AWS:{password}".encode()).decode()
        item = {"authorizationToken": token, "expiresAt": expires, "proxyEndpoint": self.url}
        output: dict[str, Any] = {
            "authorizationData": [item]
            if service == "ecr"
            else {k: v for k, v in item.items() if k != "proxyEndpoint"}
        }
        return self._aws_answer(service, "GetAuthorizationToken", params, output)

    def _describe(self, service: str, params: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        """``DescribeImages`` of the tags named in ``imageIds``, from what :meth:`record` holds.
        ECR answers a tag it does not have with ``ImageNotFoundException`` and another account's
        or an unknown repository with ``RepositoryNotFoundException`` (the model's errors)."""
        for problem in model_problems(service, "DescribeImages", params, None):
            self.problem(problem)
        repository = params.get("repositoryName", "")
        registry = params.get("registryId", ACCOUNT)
        if self.refuse_describe:
            message = (
                f"User: arn:aws:sts::{ACCOUNT}:assumed-role/reader/gitops-bot is not authorized to perform: "
                f"ecr:DescribeImages on resource: arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{repository}"
            )
            return self._aws_error(400, self.refuse_describe, message)
        with self.lock:
            records = {tag: found for (repo, tag), found in self.images.items() if repo == repository}
        if registry != ACCOUNT or not records:
            message = (
                f"The repository with name '{repository}' does not exist in the registry with id '{registry}'"
            )
            return self._aws_error(400, "RepositoryNotFoundException", message)
        details = []
        for wanted in params.get("imageIds", []):
            tag = wanted.get("imageTag")
            if tag not in records:
                message = (
                    f"The image with imageId {{imageDigest:'null', imageTag:'{tag}'}} does not exist within "
                    f"the repository with name '{repository}' in the registry with id '{registry}'"
                )
                return self._aws_error(400, "ImageNotFoundException", message)
            digest, pushed = records[tag]
            details.append(
                {
                    "registryId": registry,
                    "repositoryName": repository,
                    "imageDigest": digest,
                    "imageTags": sorted(t for t, (d, _) in records.items() if d == digest),
                    "imageSizeInBytes": 3_000_000,
                    "imagePushedAt": pushed,
                    "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
                    "artifactMediaType": "application/vnd.oci.image.config.v1+json",
                }
            )
        return self._aws_answer(service, "DescribeImages", None, {"imageDetails": details})

    def _aws_answer(
        self, service: str, operation: str, params: dict[str, Any] | None, output: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        """An answer held to the model, its timestamps as JSON 1.1 writes them (epoch seconds)."""
        for problem in model_problems(service, operation, params, output):
            self.problem(problem)
        wire = json.loads(json.dumps(output, default=lambda d: d.timestamp()))
        return self._json(200, wire, "application/x-amz-json-1.1")

    def _aws_error(self, status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
        return self._json(status, {"__type": code, "message": message}, "application/x-amz-json-1.1")

    # -- Google ---------------------------------------------------------------------------

    def _google_sts(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        want = {
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "audience": AUDIENCE,
        }
        for key, value in want.items():
            if form.get(key) != value:
                return self._bad(f"Google STS: {key} is {form.get(key)!r}, not {value!r}")
        if form.get("subject_token") != self.issued.web_identity or self.refuse:
            return self._json(
                400,
                {
                    "error": self.refuse or "invalid_grant",
                    "error_description": "The subject token is not valid",
                },
            )
        token = "ya29." + secrets.token_urlsafe(40)
        self.issued.google.add(token)
        return self._json(
            200,
            {
                "access_token": token,
                "issued_token_type": want["requested_token_type"],
                "token_type": "Bearer",
                "expires_in": LIFE,
            },
        )

    def _gar_token(self, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        user, _, password = _basic(headers)
        if user != "oauth2accesstoken" or password not in self.issued.google:
            return self._json(
                401, {"errors": [{"code": "UNAUTHORIZED", "message": "not the issued access token"}]}
            )
        return self._json(200, {"token": self._registry_token(), "expires_in": 300})

    # -- Azure ----------------------------------------------------------------------------

    def _entra(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT:
            return self._bad(f"Entra: grant {form.get('grant_type')!r} for client {form.get('client_id')!r}")
        if form.get("scope") != "https://management.azure.com/.default":
            return self._bad(f"Entra: scope {form.get('scope')!r}")
        assertion = form.get("client_assertion")
        if (
            assertion is not None
            and form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return self._bad("Entra: client_assertion without its type")
        if self.refuse or assertion != self.issued.web_identity:
            return self._json(
                400,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS70021: No matching federated identity record found "
                    "for presented assertion.",
                },
            )
        token = "eyJ0eXAiOiJKV1Qi." + secrets.token_urlsafe(40)
        self.issued.entra.add(token)
        return self._json(
            200, {"token_type": "Bearer", "expires_in": LIFE, "ext_expires_in": LIFE, "access_token": token}
        )

    def _acr_exchange(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if form.get("grant_type") not in ("access_token", "access_token_refresh_token", "refresh_token"):
            return self._bad(f"ACR exchange: grant_type {form.get('grant_type')!r}")
        if form.get("service") != self.host:
            return self._bad(f"ACR exchange: service {form.get('service')!r}")
        if form.get("access_token") not in self.issued.entra:
            return self._json(
                401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            )
        exp = int(time.time()) + 3 * 3600
        payload = (
            base64.urlsafe_b64encode(json.dumps({"exp": exp, "grant_type": "refresh_token"}).encode())
            .decode()
            .rstrip("=")
        )
        token = f"eyJhbGciOiJSUzI1NiJ9.{payload}.{secrets.token_urlsafe(20)}"
        self.issued.refresh.add(token)
        return self._json(200, {"refresh_token": token})

    def _acr_token(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if (
            form.get("grant_type") != "refresh_token"
            or not form.get("scope")
            or form.get("service") != self.host
        ):
            return self._bad(f"ACR token: grant {form.get('grant_type')!r}, scope {form.get('scope')!r}")
        if form.get("refresh_token") not in self.issued.refresh:
            return self._json(
                401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            )
        return self._json(200, {"access_token": self._registry_token()})

    # -- the registry ---------------------------------------------------------------------

    def _registry_token(self) -> str:
        token = secrets.token_urlsafe(30)
        self.issued.registry.add(token)
        return token

    def _registry(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if self.cloud == "aws":
            user, _, password = _basic(headers)
            allowed = user == "AWS" and password in self.issued.ecr
            challenge = f'Basic realm="{self.url}/",service="ecr.amazonaws.com"'
        else:
            allowed = scheme.lower() == "bearer" and value in self.issued.registry
            realm = f"{self.url}/v2/token" if self.cloud == "gcp" else f"{self.url}/oauth2/token"
            repo = target.split("/")[2:-2]
            scope = f',scope="repository:{"/".join(repo)}:pull"' if repo else ""
            challenge = f'Bearer realm="{realm}",service="{self.host}"{scope}'
        if not allowed:
            body401 = {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]}
            return (
                401,
                {"Content-Type": "application/json", "WWW-Authenticate": challenge},
                json.dumps(body401).encode(),
            )
        forward = {k: v for k, v in headers.items() if k in ("accept",)}
        reply = self._http.request(method, self.backend + target, headers=forward, content=body or None)
        keep = ("content-type", "docker-content-digest", "link", "docker-distribution-api-version")
        out = {k: v for k, v in reply.headers.items() if k.lower() in keep}
        if method == "HEAD":
            out["Content-Length"] = reply.headers.get("content-length", "0")
        return reply.status_code, out, reply.content


def _basic(headers: dict[str, str]) -> tuple[str, str, str]:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return "", "", ""
    try:
        return base64.b64decode(value).decode().partition(":")
    except ValueError:
        return "", "", ""


def _handler(fake: CloudFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, data = fake.answer(self.command, self.path, headers, body)
            self.send_response(status)
            for k, v in out.items():
                self.send_header(k, v)
            if "Content-Length" not in out:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _any

    return Handler
