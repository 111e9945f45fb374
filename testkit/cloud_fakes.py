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

The same fake also speaks ECR Public (``GetAuthorizationToken`` of ``ecr-public``, whose
registry front at ``public.ecr.aws`` asks for ``Bearer realm="https://public.ecr.aws/token/"``
and takes the token only from ``AWS`` and the decoded password): made with
``host="public.ecr.aws"``, its certificate names that host too and a forward proxy
(``fake.proxy``) routes that name to it, so the bot asks ECR Public by its own name.

Beside the TLS server, a plain-http one on loopback (``fake.metadata_url``, as the link-local
services are plain http) plays the identity endpoints a machine or pod has, by ``cloud``:

- ``aws``: the EKS Pod Identity agent (``GET /v1/credentials`` with the service account token
  as ``Authorization``, answering the container credentials' ``AccessKeyId``,
  ``SecretAccessKey``, ``Token``, ``AccountId``, ``Expiration``, per "EKS Pod Identity" and the
  SDKs' container credential provider);
- ``gcp``: the Compute Engine metadata server (``Metadata-Flavor: Google`` required on every
  request and sent on every answer, no ``X-Forwarded-For``; the root google-auth pings, the
  project id, the default service account's ``?recursive=true`` description and its ``/token``,
  per "About VM metadata" and "Authenticate workloads using service accounts");
- ``azure``: the instance metadata service's managed identity token (``GET
  /metadata/identity/oauth2/token`` with ``Metadata: true``, api-version 2018-02-01, per "How
  to use managed identities for Azure resources on an Azure VM to acquire an access token") and
  App Service's / Container Apps' identity endpoint (``X-IDENTITY-HEADER``, api-version
  2019-08-01, at ``/msi/token``).

A test plays a hostile or broken service with ``hostile``: an operation's name (``sts:AssumeRole``,
``sts:AssumeRoleWithWebIdentity``, ``ecr:GetAuthorizationToken``, ``ecr-public:GetAuthorizationToken``,
``eks-auth:AssumeRoleForPodIdentity`` for the Pod Identity agent's answer,
``google:token`` for the metadata server's token and STS's, ``entra:token``, ``azure:managed`` for
both managed identity endpoints, ``acr:exchange``) to a function of the body the fake would
answer (after checking the request as always) giving the body it answers instead, with the same
status and headers: broken XML, ten megabytes of it, ``expires_in`` as 400 digits.
``failing`` answers an operation with a 5xx instead; ``echo_credentials`` makes the registry
front refuse every credential with a 401 that echoes the ``Authorization`` it was sent.

Anything else, or a field out of place, is answered 400 and kept in ``problems``: a test ends
with ``assert not fake.problems``. ``seen`` keeps each request's method, path and headers;
``operations`` each AWS call in order, with where the credentials that signed it came from.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from testkit.certs import KeyPair, make_ca, make_server_cert
from testkit.connect_proxy import ConnectProxy
from testkit.contract import Contract
from testkit.loopback import LoopbackHTTPServer

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/gitops-bot-reader"
# another account's role, which the registry's account lets the workload's role assume
CROSS_ROLE = "arn:aws:iam::210987654321:role/registry-reader"
SERVICE_ACCOUNT = "gitops-bot@acme-prod.iam.gserviceaccount.com"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "0f3b5e2a-1c4d-4e6f-8a9b-123456789abc"
AUDIENCE = (
    "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/github"
)
LIFE = 3600
SCOPE_CLOUD = "https://www.googleapis.com/auth/cloud-platform"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Operation:
    """One AWS call the fake answered: ``sts:AssumeRole``, ``ecr:GetAuthorizationToken``...;
    ``signer`` is where the access key that signed it came from (None: not signed)."""

    name: str
    signer: str | None
    params: dict[str, Any]


@dataclass
class Issued:
    """What the fake issued, by kind: a test checks the front took only these."""

    web_identity: str = ""  # the OIDC token the workload holds (a file's content)
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # access key -> (secret, session)
    # access key -> what issued it: "web identity", "assumed role", "pod identity"
    key_origin: dict[str, str] = field(default_factory=dict)
    client_secret: str = ""  # the Entra app registration's secret
    identity_header: str = ""  # App Service's IDENTITY_HEADER
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
    ``fake.url`` (https, its CA in ``fake.ca``); ``fake.host`` is the registry's host: the
    fake's own address, or ``host`` (``public.ecr.aws``), reached through ``fake.proxy``."""

    def __init__(self, cloud: str, backend: str, directory: Path, *, host: str | None = None) -> None:
        self.cloud = cloud
        self.backend = backend.rstrip("/")
        self.issued = Issued(
            web_identity="eyJ" + secrets.token_urlsafe(24),
            client_secret="Qx8~" + secrets.token_urlsafe(30),
            identity_header=secrets.token_hex(16),
        )
        self.problems: list[str] = []
        self.seen: list[Seen] = []
        self.operations: list[Operation] = []
        # an error code the identity service answers with instead (for aws: an ECR code, ending
        # in "Exception", is ECR's answer; another is STS's)
        self.refuse: str | None = None
        # an error code STS answers AssumeRole (only) with: the web identity is let in, the
        # role it would assume is not
        self.refuse_role: str | None = None
        # ECR's record of each tag: (repository, tag) -> (digest, imagePushedAt), as DescribeImages
        # answers it; and the error code it answers DescribeImages with instead
        self.images: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.refuse_describe: str | None = None
        # the registry front refuses every credential, its 401 echoing the Authorization it got
        # (base64 of AWS:password for ECR) as some registries' error pages do
        self.echo_credentials = False
        # operation -> what its answer's body becomes (see the module's text)
        self.hostile: dict[str, Callable[[bytes], bytes]] = {}
        # operation -> the 5xx status it is answered with instead (AWS's InternalFailure)
        self.failing: dict[str, int] = {}
        self.acr = Contract.load("acr")
        self.lock = threading.Lock()
        ca, ca_key, ca_cert = make_ca("cloud fake CA")
        self.ca, _ = ca.write(directory, "cloud-ca")
        pair = _named_cert(ca_key, ca_cert, host) if host else make_server_cert(ca_key, ca_cert)
        cert, key = pair.write(directory, "cloud")
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.server = LoopbackHTTPServer(("127.0.0.1", 0), _handler(self, self._as_told(self.answer)))
        self.server.socket = self.context.wrap_socket(self.server.socket, server_side=True)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"https://{self.address}"
        self.host = host or self.address
        self.public = host is not None
        self.proxy = ConnectProxy({f"{host}:443": self.address}) if host else None
        metadata = _handler(self, self._as_told(self.answer_metadata))
        self.metadata = LoopbackHTTPServer(("127.0.0.1", 0), metadata)
        self.metadata_host = f"127.0.0.1:{self.metadata.server_address[1]}"
        self.metadata_url = f"http://{self.metadata_host}"
        self._http = httpx.Client(timeout=10)

    def __enter__(self) -> CloudFake:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        threading.Thread(target=self.metadata.serve_forever, daemon=True).start()
        if self.proxy is not None:
            self.proxy.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proxy is not None:
            self.proxy.__exit__()
        for server in (self.server, self.metadata):
            server.shutdown()
            server.server_close()
        self._http.close()

    def record(self, repository: str, tag: str, digest: str, pushed: datetime) -> None:
        """ECR's own record that ``repository:tag`` (``digest``) was pushed at ``pushed``."""
        with self.lock:
            self.images[(repository, tag)] = (digest, pushed)

    def problem(self, what: str) -> None:
        with self.lock:
            self.problems.append(what)

    # -- what a request is answered --------------------------------------------------------

    def _as_told(self, answer: Answer) -> Answer:
        """``answer``, its body rewritten as ``hostile`` tells for the operation asked."""

        def told(
            method: str, target: str, headers: dict[str, str], body: bytes
        ) -> tuple[int, dict[str, str], bytes]:
            name = self.operation_name(method, target, headers, body) or ""
            if name in self.failing:
                with self.lock:
                    self.seen.append(Seen(method, target, headers))
                    self.operations.append(Operation(name, None, {}))
                return self._sts_error("InternalFailure", "try again", self.failing[name])
            status, out, data = answer(method, target, headers, body)
            rewrite = self.hostile.get(name)
            if rewrite is None:
                return status, out, data
            data = rewrite(data)
            return status, {k: v for k, v in out.items() if k != "Content-Length"}, data

        return told

    def operation_name(self, method: str, target: str, headers: dict[str, str], body: bytes) -> str | None:
        """The name ``hostile`` knows the request by (see the module's text)."""
        path = urlsplit(target).path
        if self.cloud == "aws" and path == "/v1/credentials":
            return "eks-auth:AssumeRoleForPodIdentity"
        if self.cloud == "aws" and method == "POST" and path == "/":
            target_header = headers.get("x-amz-target", "")
            if target_header:
                prefix, _, operation = target_header.partition(".")
                return ("ecr-public:" if prefix == "SpencerFrontendService" else "ecr:") + operation
            action = parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
            return f"sts:{action}"
        if self.cloud == "gcp" and (path == "/v1/token" or path.endswith("/service-accounts/default/token")):
            return "google:token"
        if self.cloud == "azure" and path.endswith("/oauth2/v2.0/token"):
            return "entra:token"
        if self.cloud == "azure" and path in ("/metadata/identity/oauth2/token", "/msi/token"):
            return "azure:managed"
        if self.cloud == "azure" and path == "/oauth2/exchange":
            return "acr:exchange"
        return None

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
        if self.public and path == "/token/" and method == "GET":
            return self._ecr_public_token(headers, split.query)
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
        self.operation(f"sts:{action}", headers, params)
        if action == "AssumeRoleWithWebIdentity":
            if params.get("WebIdentityToken") != self.issued.web_identity:
                return self._sts_error(
                    "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"
                )
        elif action == "AssumeRole":
            if problem := self._signed(headers, body, query, "sts"):
                return self._sts_error("SignatureDoesNotMatch", problem, 403)
            if self.refuse_role:
                return self._sts_error(
                    self.refuse_role,
                    f"User: arn:aws:sts::{ACCOUNT}:assumed-role/gitops-bot-reader/botocore-session is not "
                    f"authorized to perform: sts:AssumeRole on resource: {params.get('RoleArn')}",
                    403,
                )
        else:
            return self._bad(f"STS action {action!r} is not faked")
        if self.refuse and not self.refuse.endswith("Exception"):  # ECR's codes end so
            return self._sts_error(self.refuse, "Not authorized to perform sts:AssumeRole", 403)
        key, secret, session = self.new_key(
            "web identity" if action == "AssumeRoleWithWebIdentity" else "assumed role"
        )
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
        if headers.get("accept") == "application/json":
            # the query protocol's services answer JSON to a client asking only for that (what
            # aws.py's AssumeRole sends Accept: text/xml against); botocore's parser takes XML
            wire = json.loads(json.dumps(output, default=lambda _: when))
            return self._json(200, {f"{action}Response": {f"{action}Result": wire}})
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

    def new_key(self, origin: str) -> tuple[str, str, str]:
        """An access key, its secret and session token, kept as issued by ``origin``."""
        key, secret, session = (
            "ASIA" + secrets.token_hex(8).upper(),
            secrets.token_urlsafe(30),
            secrets.token_urlsafe(60),
        )
        with self.lock:
            self.issued.keys[key] = (secret, session)
            self.issued.key_origin[key] = origin
        return key, secret, session

    def operation(self, name: str, headers: dict[str, str], params: dict[str, Any]) -> None:
        """Kept in ``operations``, with where the key that signed it came from."""
        key = headers.get("authorization", "").partition("Credential=")[2].partition("/")[0]
        with self.lock:
            self.operations.append(Operation(name, self.issued.key_origin.get(key), dict(params)))

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
        if service == "ecr-public" and "/us-east-1/ecr-public/aws4_request" not in headers["authorization"]:
            return self._bad(
                "ECR Public's API is only in us-east-1: the request is signed for another region"
            )
        params = json.loads(body or b"{}")
        self.operation(f"{service}:{operation}", headers, params)
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

    def _ecr_public_token(self, headers: dict[str, str], query: str) -> tuple[int, dict[str, str], bytes]:
        """ECR Public's registry token endpoint: ``AWS`` and the password GetAuthorizationToken
        issued (anonymous pulls it would also serve; this front lets in only the login's)."""
        wanted = parse_qs(query)
        if wanted.get("service") != [self.host]:
            return self._bad(f"ECR Public token: service {wanted.get('service')!r}")
        user, _, password = _basic(headers)
        if user != "AWS" or password not in self.issued.ecr:
            return self._json(
                401, {"errors": [{"code": "DENIED", "message": "Your authorization token is invalid."}]}
            )
        return self._json(200, {"token": self._registry_token()})

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
        assertion, secret = form.get("client_assertion"), form.get("client_secret")
        if (assertion is None) == (secret is None):
            return self._bad("Entra: not exactly one of client_assertion and client_secret")
        if (
            assertion is not None
            and form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return self._bad("Entra: client_assertion without its type")
        if secret is not None and "client_assertion_type" in form:
            return self._bad("Entra: client_assertion_type with a client_secret")
        if secret is not None and (self.refuse or secret != self.issued.client_secret):
            # Entra answers a wrong secret 401 (invalid_client, AADSTS7000215)
            return self._json(
                401,
                {
                    "error": "invalid_client",
                    "error_description": f"AADSTS7000215: Invalid client secret provided. Ensure the secret "
                    f"being sent in the request is the client secret value, not the client secret ID, for "
                    f"a secret added to app '{CLIENT}'.",
                },
            )
        if assertion is not None and (self.refuse or assertion != self.issued.web_identity):
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

    # -- the machine's and pod's identity endpoints (plain http, loopback) -----------------

    def answer_metadata(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        with self.lock:
            self.seen.append(Seen(method, target, headers))
        if method != "GET" or body:
            return self._bad(f"{method} {split.path} with {len(body)} bytes: the identity endpoints take GET")
        if "x-forwarded-for" in headers:  # both clouds' metadata services refuse a proxied request
            return self._bad("a metadata request carries X-Forwarded-For")
        if self.cloud == "aws" and split.path == "/v1/credentials":
            return self._pod_identity(headers)
        if self.cloud == "gcp":
            return self._gce(split.path, query, headers)
        if self.cloud == "azure" and split.path == "/metadata/identity/oauth2/token":
            return self._imds(query, headers)
        if self.cloud == "azure" and split.path == "/msi/token":
            return self._app_service(query, headers)
        return self._bad(f"GET {split.path} is not an identity endpoint of the fake {self.cloud}")

    def _pod_identity(self, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """The EKS Pod Identity agent: the pod's projected service account token as
        ``Authorization``, the role's temporary credentials in the container credentials' shape."""
        if self.refuse or headers.get("authorization") != self.issued.web_identity:
            return self._json(
                400, {"code": "InvalidTokenException", "message": "The service account token is not valid."}
            )
        key, secret, session = self.new_key("pod identity")
        with self.lock:
            self.operations.append(Operation("eks-auth:AssumeRoleForPodIdentity", None, {}))
        expires = datetime.fromtimestamp(time.time() + LIFE, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._json(
            200,
            {
                "AccessKeyId": key,
                "SecretAccessKey": secret,
                "Token": session,
                "AccountId": ACCOUNT,
                "Expiration": expires,
            },
        )

    def _gce(
        self, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """The Compute Engine (and GKE) metadata server: only a request with ``Metadata-Flavor:
        Google`` is answered, and every answer says ``Metadata-Flavor: Google`` (what google-auth's
        ping looks for)."""
        flavor = {"Metadata-Flavor": "Google"}
        if headers.get("metadata-flavor") != "Google":
            self.problem(f"GET {path} without Metadata-Flavor: Google")
            return 403, {"Content-Type": "text/html"} | flavor, b"Missing Metadata-Flavor:Google header."

        def text(value: str) -> tuple[int, dict[str, str], bytes]:
            return 200, {"Content-Type": "application/text"} | flavor, value.encode()

        def data(value: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
            return status, {"Content-Type": "application/json"} | flavor, json.dumps(value).encode()

        account = "/computeMetadata/v1/instance/service-accounts/default/"
        if path == "/" and not query:
            return text("computeMetadata/\n")
        if path == "/computeMetadata/v1/project/project-id" and not query:
            return text("acme-prod")
        if path == "/computeMetadata/v1/universe/universe-domain" and not query:
            return text("googleapis.com")
        if path == account and query == {"recursive": "true"}:
            scopes = ["https://www.googleapis.com/auth/cloud-platform"]
            return data({"aliases": ["default"], "email": SERVICE_ACCOUNT, "scopes": scopes})
        if path == account + "token" and set(query) <= {"scopes"}:
            asked = query.get("scopes", SCOPE_CLOUD)
            if SCOPE_CLOUD not in asked.split(","):
                return self._bad(f"metadata token asked for scopes {asked!r}")
            if self.refuse:
                return 403, {"Content-Type": "text/plain"} | flavor, b"Forbidden"
            token = "ya29.c." + secrets.token_urlsafe(40)
            with self.lock:
                self.issued.google.add(token)
            return data({"access_token": token, "expires_in": LIFE - 1, "token_type": "Bearer"})
        self.problem(f"metadata server: GET {path}?{query} is not faked")
        return 404, {"Content-Type": "text/html"} | flavor, b"Not Found"

    def _managed_token(self, query: dict[str, str], api_version: str) -> dict[str, str] | str:
        """The token a managed identity is issued, or what is wrong with the request."""
        if query.get("api-version") != api_version:
            return f"api-version {query.get('api-version')!r}, not {api_version}"
        if query.get("resource") != "https://management.azure.com/":
            return f"resource {query.get('resource')!r}"
        if set(query) - {"api-version", "resource", "client_id", "object_id", "msi_res_id", "principal_id"}:
            return f"unknown parameters {sorted(query)}"
        token = "eyJ0eXAiOiJKV1Qi." + secrets.token_urlsafe(40)
        with self.lock:
            self.issued.entra.add(token)
        now = int(time.time())
        return {
            "access_token": token,
            "expires_on": str(now + LIFE),
            "resource": "https://management.azure.com/",
            "token_type": "Bearer",
        }

    def _imds(self, query: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """IMDS's managed identity token: ``Metadata: true`` required; numbers as strings."""
        if headers.get("metadata") != "true":
            self.problem("IMDS request without Metadata: true")
            return self._json(
                400,
                {"error": "invalid_request", "error_description": "Required metadata header not specified"},
            )
        if self.refuse:  # a VM (or node) with no identity assigned
            return self._json(400, {"error": "invalid_request", "error_description": "Identity not found"})
        found = self._managed_token(query, "2018-02-01")
        if isinstance(found, str):
            return self._bad(f"IMDS: {found}")
        now = int(time.time())
        found |= {
            "refresh_token": "",
            "expires_in": str(LIFE),
            "ext_expires_in": str(LIFE),
            "not_before": str(now),
        }
        return self._json(200, found)

    def _app_service(
        self, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """App Service's and Container Apps' identity endpoint: ``X-IDENTITY-HEADER`` must be
        ``IDENTITY_HEADER``'s value."""
        if self.refuse or headers.get("x-identity-header") != self.issued.identity_header:
            return self._json(
                401, {"statusCode": 401, "message": "Unauthorized: X-IDENTITY-HEADER is not valid"}
            )
        found = self._managed_token(query, "2019-08-01")
        if isinstance(found, str):
            return self._bad(f"App Service identity endpoint: {found}")
        return self._json(200, found | {"client_id": CLIENT})

    # -- the registry ---------------------------------------------------------------------

    def _registry_token(self) -> str:
        token = secrets.token_urlsafe(30)
        self.issued.registry.add(token)
        return token

    def _registry(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if self.public:
            allowed = scheme.lower() == "bearer" and value in self.issued.registry
            challenge = f'Bearer realm="https://{self.host}/token/",service="{self.host}",scope="aws"'
        elif self.cloud == "aws":
            user, _, password = _basic(headers)
            allowed = user == "AWS" and password in self.issued.ecr
            challenge = f'Basic realm="{self.url}/",service="ecr.amazonaws.com"'
        else:
            allowed = scheme.lower() == "bearer" and value in self.issued.registry
            realm = f"{self.url}/v2/token" if self.cloud == "gcp" else f"{self.url}/oauth2/token"
            repo = target.split("/")[2:-2]
            scope = f',scope="repository:{"/".join(repo)}:pull"' if repo else ""
            challenge = f'Bearer realm="{realm}",service="{self.host}"{scope}'
        if self.echo_credentials and headers.get("authorization"):
            allowed = False  # a registry refusing what it was sent, and saying what that was
        if not allowed:
            said = "authentication required"
            if self.echo_credentials:
                said += f": {value} is not valid"
            body401 = {"errors": [{"code": "UNAUTHORIZED", "message": said}]}
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


def _named_cert(ca_key: Any, ca_cert: x509.Certificate, host: str) -> KeyPair:
    """A server certificate for the fake's loopback address and ``host`` (the cloud's own
    name, which the proxy routes to the fake)."""
    pair = make_server_cert(ca_key, ca_cert)
    base = x509.load_pem_x509_certificate(pair.cert_pem)
    names = [*base.extensions.get_extension_for_class(x509.SubjectAlternativeName).value, x509.DNSName(host)]
    builder = (
        x509.CertificateBuilder()
        .subject_name(base.subject)
        .issuer_name(base.issuer)
        .public_key(base.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(base.not_valid_before_utc)
        .not_valid_after(base.not_valid_after_utc)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    cert = builder.sign(ca_key, hashes.SHA256())
    return KeyPair(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=pair.key_pem,
        cert_der=cert.public_bytes(serialization.Encoding.DER),
    )


Answer = Callable[[str, str, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


def _handler(fake: CloudFake, answer: Answer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, data = answer(self.command, self.path, headers, body)
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
