"""Amazon ECR (and ECR Public): the workload's AWS identity, an optional role to assume, then
``GetAuthorizationToken``, whose token is the registry's password for user ``AWS``.

The identity is botocore's default credential chain, the one every AWS SDK and the CLI
follow: the environment, the shared config and credentials files (profiles, SSO, a
credential process, role chains), a web identity token file (IRSA, and GitHub's OIDC as
``aws-actions/configure-aws-credentials`` sets it), the container credentials endpoint (EKS
Pod Identity, ECS task roles) and the instance metadata service v2. That chain, with its
file formats and refresh rules, is what botocore does better than a copy of ours; its own
API calls (web identity's ``AssumeRoleWithWebIdentity``, SSO's) are sent through the bot's own
client too, by botocore's ``before-send`` event (:func:`_send`); only its metadata endpoints'
fetches (container credentials, instance metadata) are botocore's own, bounded by its
timeouts. The calls this module makes itself, ``sts:AssumeRole`` for a role named in
``role_arn`` (another account's registry) and ECR's ``GetAuthorizationToken``, are signed
with botocore's SigV4 signer and sent through the bot's own client (:func:`base.call`):
proxies, trust, a deadline and a size cap as every outside call has. Whatever botocore raises
on an answer it cannot read is one line naming the service (:func:`base.edge`).

Endpoints are AWS's unless the documented variables name others: ``AWS_ENDPOINT_URL_ECR``,
``AWS_ENDPOINT_URL_ECR_PUBLIC``, ``AWS_ENDPOINT_URL_STS`` or ``AWS_ENDPOINT_URL`` (a VPC
endpoint, or a test's loopback fake).

Every AWS endpoint's certificate (STS's, botocore's web identity and SSO calls included, and
ECR's API, for the token and for push times) is verified with ``AWS_CA_BUNDLE``, else the
profile's ``ca_bundle``, when one is set, as the AWS CLI and SDKs document them: the CA of a
TLS-inspecting proxy, set for the AWS tools. The bundle is added to the trust every call has
(the OS store, ``SSL_CERT_FILE``), as a registry's ``ca_file`` is, where botocore would trust it
alone: an endpoint reached around the proxy stays trusted (:func:`trust`).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from gitops_bot.core import numbers
from gitops_bot.core.log import register_secret
from gitops_bot.core.record import record
from gitops_bot.net.proxy import direct
from gitops_bot.net.tls import ssl_context
from gitops_bot.registry.cloud import ECR
from gitops_bot.registry.cloud.base import (
    LOGIN_LIMIT,
    Issued,
    LoginFailed,
    NoIdentity,
    call,
    edge,
    importable,
    json_of,
    register_inputs,
    text,
)
from gitops_bot.registry.settings import RegistryConfig

PUBLIC = "public.ecr.aws"
PUBLIC_REGION = "us-east-1"  # ECR Public's API is in one region
_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+::\d{12}:[A-Za-z0-9+=,.@_/-]{1,512}")
SESSION_NAME = "gitops-bot"
_STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
ROLE_SECONDS = 3600

_METHODS = {
    "env": "the access key in AWS_ACCESS_KEY_ID",
    "shared-credentials-file": "a profile in the shared credentials file",
    "config-file": "a profile in the shared config file",
    "container-role": "the container credentials endpoint (EKS Pod Identity or an ECS task role)",
    "iam-role": "the instance profile (instance metadata)",
    "sso": "an IAM Identity Center (SSO) profile",
    "custom-process": "a profile's credential_process",
    "assume-role": "a profile's role_arn",
}

# what fixes a source of the chain that answered but gave no credentials
_FIXES = {
    "container-role": (
        ": the pod's service account needs an EKS Pod Identity association with a role (and the "
        "eks-pod-identity-agent add-on on the cluster), or the ECS task a task role"
    ),
    "iam-role": ": attach an instance profile with a role to the instance",
}


def parse_host(host: str) -> tuple[str | None, str | None]:
    """(account, region) of an ECR registry host, (None, None) for another host."""
    m = ECR.match(host.lower())
    if not m:
        return (None, PUBLIC_REGION) if host.lower() == PUBLIC else (None, None)
    return m.group("account"), m.group("region") or m.group("region6")


class AwsLogin:
    kind: str = "aws"
    extra: str | None = "aws"
    anonymous_ok: bool = False  # a private ECR registry answers no one without a token

    def available(self) -> bool:
        return importable("botocore")

    def present(self, env: Mapping[str, str]) -> bool:
        return True  # the chain ends at the instance metadata service, which only asking tells

    def login(self, config: RegistryConfig, env: Mapping[str, str]) -> Issued:
        register_inputs(env, _SENT_VARIABLES, _SENT_FILES)
        host = config.host.lower()
        account, region = parse_host(host)
        region = config.region or region
        if region is None:
            raise LoginFailed(f"cannot tell the AWS region of {host}: set 'region' for it under registries:")
        chain, identity, tls = self._identity(env)
        expires = float("inf")
        if config.role_arn:
            assumed, expires = self._assume(AwsApi(chain, region, identity, tls), config.role_arn, env)
            chain, identity = (lambda: assumed), f"role {config.role_arn} (assumed with {identity})"
        api = AwsApi(chain, region, identity, tls)
        if host == PUBLIC:
            password, until = self._public_token(api, env)
        else:
            password, until = self._private_token(api, account, env)
        # an assumed role's credentials sign the push-time calls too: the login is done again
        # before they expire (the chain's own, botocore refreshes)
        return Issued(identity, min(until, expires), username="AWS", password=password, api=api)

    # -- the identity --------------------------------------------------------------------

    def _identity(self, env: Mapping[str, str]) -> tuple[Callable[[], Any], str, ssl.SSLContext | None]:
        """botocore's chain's credentials (a function giving them frozen, refreshed by botocore
        when they expire), in words where they came from, and the AWS endpoints' trust
        (:func:`trust`)."""
        import botocore.exceptions
        import botocore.session

        # a session per login (one every twelve hours): the chain read as the environment is now
        session = botocore.session.Session()
        _bound_fetches(session, env)
        # botocore logs a failed refresh with its traceback; the failure is ours to say, in one line
        logging.getLogger("botocore").setLevel(logging.ERROR)
        try:
            with _edge(_chain(env)):
                tls = trust(session, env)
                session.register("before-send", _send(env, tls))
                found = session.get_credentials()
                frozen = found.get_frozen_credentials() if found is not None else None
        except botocore.exceptions.ClientError as exc:  # web identity's AssumeRoleWithWebIdentity
            error = exc.response.get("Error", {})
            role = env.get("AWS_ROLE_ARN", "the role in AWS_ROLE_ARN")
            raise LoginFailed(
                f"AWS web identity for role {role} was refused ({text(error.get('Code'), 60)}): the "
                "role's trust policy must allow sts:AssumeRoleWithWebIdentity for the token's issuer "
                "and subject (IRSA: system:serviceaccount:NAMESPACE:NAME; GitHub: repo:OWNER/REPO:...)"
            ) from None
        except botocore.exceptions.CredentialRetrievalError as exc:
            # botocore's message leads with its provider's name and buries the cause; the line
            # names the source in words and what fixes it (where the chain says which it was)
            provider = str(exc.kwargs.get("provider", ""))
            source = _METHODS.get(provider, f"AWS credentials ({provider or 'unknown source'})")
            cause = str(exc.kwargs.get("error_msg", "")).removeprefix("Error retrieving metadata: ")
            raise LoginFailed(
                f"{source} gave no AWS credentials ({text(cause, 120)})" + _FIXES.get(provider, "")
            ) from None
        except botocore.exceptions.BotoCoreError as exc:
            raise LoginFailed(f"AWS credentials could not be read: {text(str(exc), 160)}") from None
        if frozen is None or not frozen.access_key:
            raise NoIdentity(
                "no AWS credentials (looked in the environment, the shared files, "
                "AWS_WEB_IDENTITY_TOKEN_FILE, the container credentials endpoint and the instance "
                "metadata service): give the workload an IAM role (IRSA, EKS Pod Identity, an "
                "instance profile) or set AWS_PROFILE"
            )
        register_secret(frozen.secret_key)
        register_secret(frozen.token)
        method = getattr(found, "method", "") or ""
        if method == "assume-role-with-web-identity":
            identity = f"web identity role {env.get('AWS_ROLE_ARN', '?')}"
        else:
            identity = _METHODS.get(method, f"AWS credentials ({method or 'unknown source'})")
        assert found is not None
        return _frozen(found), identity, tls

    def _assume(self, signer: AwsApi, role: str, env: Mapping[str, str]) -> tuple[Any, float]:
        """``sts:AssumeRole`` of ``role`` with ``signer``'s credentials: the role's, and when
        they expire."""
        from botocore.credentials import ReadOnlyCredentials

        form = {
            "Action": "AssumeRole",
            "Version": "2011-06-15",
            "RoleArn": role,
            "RoleSessionName": SESSION_NAME,
            "DurationSeconds": str(ROLE_SECONDS),
        }
        region, identity = signer.region, signer.identity
        url = endpoint(env, "STS", f"https://sts.{region}.{domain(region)}")
        # the query protocol answers XML; asked for JSON (what the client asks by default), STS
        # may answer that instead
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "text/xml"}
        body = urlencode(form).encode()
        reply = signer.call("POST", url, "AWS STS", env, signer.sign("POST", url, "sts", body, headers), body)
        try:
            root = ET.fromstring(reply.body)
        except ET.ParseError:
            raise LoginFailed(
                f"AWS STS answered HTTP {reply.status} with something that is not XML"
            ) from None
        if reply.status != 200:
            code = text(root.findtext(f".//{_STS_NS}Code") or root.findtext(".//Code"), 60)
            raise LoginFailed(
                f"assuming role {role} with {identity} was refused ({code or reply.status}): the role's "
                "trust policy must name that identity as a principal allowed sts:AssumeRole, and the "
                "identity's policy must allow sts:AssumeRole on the role"
            )
        found = {
            k: root.findtext(f".//{_STS_NS}Credentials/{_STS_NS}{k}")
            for k in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
        }
        if not all(found.values()):
            raise LoginFailed("AWS STS answered AssumeRole without credentials")
        register_secret(found["SecretAccessKey"])
        register_secret(found["SessionToken"])
        try:
            expires = datetime.fromisoformat(str(found["Expiration"])).timestamp()
        except ValueError:
            raise LoginFailed("AWS STS answered AssumeRole with an unreadable Expiration") from None
        assumed = ReadOnlyCredentials(found["AccessKeyId"], found["SecretAccessKey"], found["SessionToken"])
        return assumed, expires

    # -- the registry's token ------------------------------------------------------------

    def _private_token(self, api: AwsApi, account: str | None, env: Mapping[str, str]) -> tuple[str, float]:
        url = endpoint(env, "ECR", f"https://api.ecr.{api.region}.{domain(api.region)}")
        status, data = rpc(api, url, "ecr", PRIVATE_TARGET + "GetAuthorizationToken", {}, "Amazon ECR", env)
        if status != 200:
            raise LoginFailed(refusal(api, "ecr", data, status, "Amazon ECR", "GetAuthorizationToken"))
        items = data.get("authorizationData")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise LoginFailed("Amazon ECR answered GetAuthorizationToken without authorizationData")
        return _token(items[0], "Amazon ECR")

    def _public_token(self, api: AwsApi, env: Mapping[str, str]) -> tuple[str, float]:
        url = endpoint(env, "ECR_PUBLIC", f"https://api.ecr-public.{PUBLIC_REGION}.amazonaws.com")
        target = PUBLIC_TARGET + "GetAuthorizationToken"
        status, data = rpc(api, url, "ecr-public", target, {}, "Amazon ECR Public", env)
        if status != 200:
            raise LoginFailed(
                refusal(api, "ecr-public", data, status, "Amazon ECR Public", "GetAuthorizationToken")
            )
        item = data.get("authorizationData")
        if not isinstance(item, dict):
            raise LoginFailed("Amazon ECR Public answered GetAuthorizationToken without authorizationData")
        return _token(item, "Amazon ECR Public")


@record
class AwsApi:
    """The workload's AWS identity for the AWS APIs the bot calls itself (ECR's, STS's): each
    request signed with SigV4 with its credentials (``credentials`` gives them frozen; those of
    botocore's chain are refreshed by botocore when they expire) in ``region``. What the push
    times of an ECR registry are asked with (``CloudCredential.api``)."""

    credentials: Callable[[], Any] = field(repr=False)
    region: str
    identity: str
    # the AWS endpoints' trust (:func:`trust`): None, the shared one
    tls: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def call(
        self,
        method: str,
        url: str,
        what: str,
        env: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Any:
        """:func:`base.call` of an AWS endpoint, with the AWS endpoints' trust."""
        return call(method, url, what, env, headers=headers, body=body, tls=self.tls, ca_setting=CA_SETTING)

    def sign(
        self, method: str, url: str, service: str, body: bytes, headers: Mapping[str, str]
    ) -> dict[str, str]:
        """``headers`` with the SigV4 ones (``Authorization``, ``X-Amz-Date``, the session
        token) for this request; :class:`LoginFailed` when the credentials cannot be had."""
        import botocore.exceptions
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        try:
            with _edge(f"the AWS credentials of {self.identity}"):
                creds = self.credentials()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise LoginFailed(
                f"the AWS credentials of {self.identity} could not be refreshed ({type(exc).__name__})"
            ) from None
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        SigV4Auth(creds, service, self.region).add_auth(request)
        return dict(request.headers.items())


PRIVATE_TARGET = "AmazonEC2ContainerRegistry_V20150921."
PUBLIC_TARGET = "SpencerFrontendService."
# what botocore's chain sends from the environment (keys, the Pod Identity agent's token, the
# web identity token): secrets before it is sent
_SENT_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN")
_SENT_FILES = ("AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
JSON_11 = "application/x-amz-json-1.1"


def _edge(source: str) -> Any:
    """:func:`base.edge` for botocore: its ``ResponseParserError`` (an answer that is not the
    XML or JSON the service model says) is not a ``BotoCoreError``, and its timestamp parser
    raises ``RuntimeError`` for a time it cannot place (``Expiration`` of 400 digits).
    ``source``: what answered, when it was none of the calls made through our client."""
    from botocore.parsers import ResponseParserError

    return edge(source, ResponseParserError, RuntimeError, ET.ParseError)


def _chain(env: Mapping[str, str]) -> str:
    """Where botocore's own fetches went, in words: the container credentials endpoint (EKS
    Pod Identity, ECS) when the environment names one, else the instance metadata service."""
    full = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    relative = env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    if full or relative:
        return f"the container credentials endpoint at {full or 'http://169.254.170.2' + str(relative)}"
    return "AWS's credential chain (the shared files, the instance metadata service)"


def _bound_fetches(session: Any, env: Mapping[str, str]) -> None:
    """botocore's own fetches (the container credentials endpoint, the instance metadata
    service) do not go through its client's ``before-send``: their HTTP session reads each
    answer whole (a container endpoint answering 400 MB held 1.2 GB). Each is read here to
    :data:`~.base.LOGIN_LIMIT` bytes at most, with botocore's own timeouts and attempts.

    The instance metadata service is asked directly, as every cloud login asks the machine's
    metadata service (:func:`~gitops_bot.net.proxy.direct` judges its address, the one
    ``AWS_EC2_METADATA_SERVICE_ENDPOINT`` may name): botocore's fetcher takes the environment's
    proxies for it (unless NO_PROXY names it), and a proxy cannot reach the machine's
    link-local service, or answers with its own machine's role."""
    from botocore.httpsession import URLLib3Session

    resolver = session.get_component("credential_provider")
    for method, attribute in (("container-role", "_fetcher"), ("iam-role", "_role_fetcher")):
        fetcher: Any = getattr(resolver.get_provider(method), attribute, None)
        inner = getattr(fetcher, "_session", None)
        if inner is None or isinstance(inner, _Bounded):
            continue
        base = getattr(fetcher, "_base_url", None)
        timeout = getattr(fetcher, "_timeout", None)
        if method == "iam-role" and isinstance(base, str) and direct(urlsplit(base).hostname or ""):
            inner = URLLib3Session(timeout=timeout)  # the fetcher's own, without the proxies
        fetcher._session = _Bounded(inner, _chain(env))


class _Bounded:
    """An HTTP session of botocore's whose answers are read to :data:`~.base.LOGIN_LIMIT`."""

    def __init__(self, inner: Any, source: str) -> None:
        self._inner = inner
        self._source = source

    def send(self, request: Any) -> Any:
        request.stream_output = True  # the body is left to this reading, not read whole by botocore
        response = self._inner.send(request)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.raw.stream(64 << 10):
                size += len(chunk)
                if size > LOGIN_LIMIT:
                    raise LoginFailed(
                        f"{self._source} answered more than {LOGIN_LIMIT >> 20} MiB: check that the "
                        "endpoint (its variable, a proxy on the way) is the cloud's own"
                    )
                chunks.append(chunk)
        finally:
            response.raw.close()
        response._content = b"".join(chunks)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


_SERVICES = {"sts": "AWS STS", "sso": "AWS IAM Identity Center", "sso-oidc": "AWS IAM Identity Center"}


# what a certificate of an AWS endpoint that is not trusted says to set
CA_SETTING = "AWS_CA_BUNDLE"


def trust(session: Any, env: Mapping[str, str]) -> ssl.SSLContext | None:
    """The AWS endpoints' trust: the shared one plus ``AWS_CA_BUNDLE``, else the profile's
    ``ca_bundle`` (what botocore reads, in that order); None when neither is set.

    Added, not alone as botocore has it: a bundle holding only the inspecting proxy's CA must
    not make an endpoint reached around that proxy (a VPC endpoint in NO_PROXY) untrusted,
    and the shared trust is what the operator already trusts for every other service."""
    bundle = env.get("AWS_CA_BUNDLE")
    named = "AWS_CA_BUNDLE"
    if not bundle:
        bundle = session.get_scoped_config().get("ca_bundle")
        named = f"ca_bundle of AWS profile {session.profile or 'default'}"
    if not bundle:
        return None
    return ssl_context(str(bundle), env, named=named)


def _send(env: Mapping[str, str], tls: ssl.SSLContext | None) -> Callable[..., Any]:
    """botocore's ``before-send`` handler: the request its client made, sent through the bot's
    own client (a deadline, a size cap, proxies and trust, as every outside call: the AWS
    endpoints', :func:`trust`), its answer handed back to botocore to parse."""
    from botocore.awsrequest import AWSResponse

    class _Raw:
        def __init__(self, data: bytes) -> None:
            self._data = data

        def stream(self, **_: Any) -> Iterator[bytes]:
            yield self._data

    def send(request: Any, event_name: str = "", **_: Any) -> Any:
        service = event_name.split(".")[1] if event_name.count(".") >= 1 else ""
        what = _SERVICES.get(service, f"AWS {service or 'API'}")
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        headers = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in request.headers.items()}
        if not any(k.lower() == "accept" for k in headers):
            # what botocore's own sender leaves it at: not our client's application/json, which
            # a query-protocol service (STS) would answer in JSON that botocore's XML parser refuses
            headers["Accept"] = "*/*"
        reply = call(
            request.method,
            request.url,
            what,
            env,
            headers=headers,
            body=body or None,
            tls=tls,
            ca_setting=CA_SETTING,
        )
        return AWSResponse(request.url, reply.status, dict(reply.headers), _Raw(reply.body))

    return send


def _frozen(found: Any) -> Callable[[], Any]:
    return found.get_frozen_credentials  # type: ignore[no-any-return]


def endpoint(env: Mapping[str, str], service: str, default: str) -> str:
    """The AWS SDKs' service-specific endpoint variable, then the global one, then AWS's."""
    return (env.get(f"AWS_ENDPOINT_URL_{service}") or env.get("AWS_ENDPOINT_URL") or default).rstrip(
        "/"
    ) + "/"


def domain(region: str) -> str:
    """The DNS domain of AWS's endpoints in ``region`` (China's regions have their own)."""
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def rpc(
    api: AwsApi,
    url: str,
    service: str,
    target: str,
    params: Mapping[str, Any],
    what: str,
    env: Mapping[str, str],
) -> tuple[int, dict[str, Any]]:
    """One AWS JSON 1.1 call (``X-Amz-Target``) of ``params``, signed: (status, the answer's
    object, an error's too; {} when it is none)."""
    body = json.dumps(params).encode()
    headers = api.sign("POST", url, service, body, {"Content-Type": JSON_11, "X-Amz-Target": target})
    reply = api.call("POST", url, what, env, headers, body)
    if reply.status == 200:
        return 200, json_of(reply, what)
    try:
        data = json_of(reply, what)
    except LoginFailed:
        data = {}
    return reply.status, data


def error_code(data: Mapping[str, Any], status: int) -> str:
    """An AWS JSON error's code (``__type``, without its namespace), else the status."""
    return text(str(data.get("__type", "")).rpartition("#")[2], 60) or f"HTTP {status}"


def refusal(
    api: AwsApi, service: str, data: Mapping[str, Any], status: int, what: str, operation: str
) -> str:
    """A refused call as one line: who was refused (the principal AWS names, when it does),
    and the permission to grant."""
    code = error_code(data, status)
    principal = _ARN.search(text(data.get("message") or data.get("Message"), 600))
    who = f"{principal.group(0)} ({api.identity})" if principal else api.identity
    if code in ("AccessDeniedException", "AccessDenied"):
        action = {
            "ecr-public": "ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken",
            "ecr": f"ecr:{operation}",
        }[service]
        return (
            f"{what} refused {who} with {code}: allow {action} to it, and on the repositories "
            "ecr:BatchGetImage and ecr:DescribeImages (AmazonEC2ContainerRegistryReadOnly has them)"
        )
    if code in ("UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"):
        return (
            f"{what} does not accept the credentials of {api.identity} ({code}): they are invalid or expired"
        )
    return f"{what} answered {operation} with {code} for {api.identity}"


def _token(item: Mapping[str, Any], what: str) -> tuple[str, float]:
    """The password in ``authorizationToken`` (base64 of ``AWS:<password>``) and ``expiresAt``
    (epoch seconds in JSON 1.1, bounded as every outside number is)."""
    encoded, expires = item.get("authorizationToken"), item.get("expiresAt")
    try:
        user, _, password = base64.b64decode(str(encoded), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, password = "", ""
    if user != "AWS" or not password:
        raise LoginFailed(f"{what} answered an authorizationToken that is not base64 of AWS:<password>")
    try:
        at = numbers.epoch(expires, "expiresAt")
    except numbers.OutOfRange:
        raise LoginFailed(f"{what} answered no readable expiresAt") from None
    return password, at.timestamp()
