"""Azure Container Registry: a Microsoft Entra access token of the workload's identity,
exchanged at the registry's ``/oauth2/exchange`` for an ACR refresh token, which the
registry's auth flow then sends as an identity token (the refresh-token grant at
``/oauth2/token``, as ``docker login`` with user ``00000000-0000-0000-0000-000000000000`` does).

The identity, in the order Azure's own libraries try them:

1. workload identity (AKS, and GitHub's OIDC as ``azure/login`` sets it): the federated token
   in ``AZURE_FEDERATED_TOKEN_FILE`` sent as a client assertion for ``AZURE_CLIENT_ID`` in
   ``AZURE_TENANT_ID`` to ``AZURE_AUTHORITY_HOST`` (Microsoft Entra's by default);
2. a client secret (``AZURE_CLIENT_SECRET`` for that client and tenant);
3. managed identity: App Service's and Container Apps' endpoint (``IDENTITY_ENDPOINT`` with
   ``IDENTITY_HEADER``), else the instance metadata service (a VM's, an AKS node's kubelet
   identity), at ``AZURE_POD_IDENTITY_AUTHORITY_HOST`` when that is set; ``client_id`` (or
   ``AZURE_CLIENT_ID``) picks a user-assigned identity.

Each is one documented OAuth2 request, made here through the bot's own client rather than with
azure-identity: that library would add azure-core, msal, msal-extensions and portalocker (and
requests as a second HTTP stack under msal) for these three form posts, and a transport
adapter to keep them on our client.

Sources: Microsoft identity platform, "client credentials flow" (the ``client_assertion`` and
``client_secret`` forms of ``POST /{tenant}/oauth2/v2.0/token``); Azure Workload Identity,
"Quick start" (the variables its webhook sets); "How to use managed identities for Azure
resources on a VM to acquire an access token" (IMDS ``/metadata/identity/oauth2/token``,
``Metadata: true``); App Service "managed identity" (``X-IDENTITY-HEADER``, api-version
2019-08-01); ACR's ``AAD-OAuth.md`` and its data-plane description
(``Authentication_ExchangeAadAccessTokenForAcrRefreshToken``).

Entra's and the identity endpoints' certificates are trusted as every service's are (the OS
store, ``SSL_CERT_FILE``): azure-identity (through requests) would read ``REQUESTS_CA_BUNDLE``,
which our client does not, and the login has no setting of its own, so a certificate not
trusted names ``SSL_CERT_FILE``; the registry's exchange is trusted as its reads are, its
``ca_file`` too.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

from gitops_bot.core import numbers
from gitops_bot.core.log import register_secret
from gitops_bot.net import limits
from gitops_bot.net.tls import ssl_context
from gitops_bot.registry.cloud.base import Issued, LoginFailed, NoIdentity, call, json_of, sendable, text
from gitops_bot.registry.settings import RegistryConfig, scheme_for

USER = "00000000-0000-0000-0000-000000000000"  # the user name ACR takes with a refresh token
AUTHORITY = "https://login.microsoftonline.com"
IMDS = "http://169.254.169.254"
# the exchange takes an Azure Resource Manager token (what ``az acr login`` sends)
RESOURCE = "https://management.azure.com/"
SCOPE = RESOURCE + ".default"
ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REFRESH_LIFE = 3 * 3600.0  # ACR's refresh tokens live three hours, when the token does not say
_GUID = re.compile(r"^[0-9a-fA-F-]{36}$")
_TENANT = re.compile(r"^[A-Za-z0-9.-]{1,100}$")


class AzureLogin:
    kind: str = "azure"
    extra: str | None = None  # plain OAuth2 through our client: nothing to install
    anonymous_ok: bool = True  # a registry with anonymous pull enabled answers anyone

    def available(self) -> bool:
        return True

    def present(self, env: Mapping[str, str]) -> bool:
        """Workload identity, a client secret or an App Service identity in the environment;
        the metadata service (a VM's identity) only when ``auth: azure`` asks for it."""
        return bool(
            env.get("AZURE_FEDERATED_TOKEN_FILE")
            or (env.get("AZURE_CLIENT_SECRET") and env.get("AZURE_CLIENT_ID"))
            or env.get("IDENTITY_ENDPOINT")
        )

    def login(self, config: RegistryConfig, env: Mapping[str, str]) -> Issued:
        client = config.client_id or env.get("AZURE_CLIENT_ID", "")
        tenant = config.tenant_id or env.get("AZURE_TENANT_ID", "")
        if client and not _GUID.match(client):
            raise LoginFailed(
                f"Azure client id {client[:40]!r} is not a GUID: set client_id or AZURE_CLIENT_ID"
            )
        if tenant and not _TENANT.match(tenant):
            raise LoginFailed(f"Azure tenant {tenant[:40]!r} is not a tenant id or domain")
        token_file = env.get("AZURE_FEDERATED_TOKEN_FILE", "")
        secret = env.get("AZURE_CLIENT_SECRET", "")
        # what is sent to Entra or the identity endpoint is a secret before it is sent: an
        # error answer may echo it (in its 'error'), and that line is shown
        register_secret(secret)
        register_secret(env.get("IDENTITY_HEADER"))
        if token_file or secret:
            if not (client and tenant):
                missing = "AZURE_CLIENT_ID" if not client else "AZURE_TENANT_ID"
                raise LoginFailed(
                    f"{'workload identity' if token_file else 'a client secret'} needs {missing} "
                    "(or client_id / tenant_id for the registry)"
                )
            if token_file:
                identity = f"workload identity (client {client}, tenant {tenant})"
                form = {"client_assertion_type": ASSERTION, "client_assertion": _read(token_file)}
            else:
                identity = f"client secret of {client} (tenant {tenant})"
                form = {"client_secret": secret}
            access = self._entra(env, tenant, client, form, identity)
        else:
            access, identity = self._managed(env, client)
        refresh = self._exchange(config, access, tenant, identity, env)
        return Issued(identity, _expiry(refresh), username=USER, identity_token=refresh)

    def _entra(
        self, env: Mapping[str, str], tenant: str, client: str, form: dict[str, str], identity: str
    ) -> str:
        authority = (env.get("AZURE_AUTHORITY_HOST") or AUTHORITY).rstrip("/")
        body = urlencode({"grant_type": "client_credentials", "client_id": client, "scope": SCOPE, **form})
        reply = call(
            "POST",
            f"{authority}/{tenant}/oauth2/v2.0/token",
            "Microsoft Entra ID",
            env,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            body=body.encode(),
            ca_setting=None,
        )
        if reply.status != 200:
            error = _error(reply.body)
            raise LoginFailed(
                f"Microsoft Entra ID refused a token to {identity} ({error or reply.status}): "
                + (
                    "the app registration or managed identity needs a federated credential for this "
                    "token's issuer and subject (AKS: system:serviceaccount:NAMESPACE:NAME)"
                    if "client_assertion" in form
                    else "check the client secret and that it has not expired"
                )
            )
        return _access_token(reply.body, "Microsoft Entra ID")

    def _managed(self, env: Mapping[str, str], client: str) -> tuple[str, str]:
        identity = f"managed identity{f' {client}' if client else ''}"
        params = {"resource": RESOURCE, **({"client_id": client} if client else {})}
        endpoint, header = env.get("IDENTITY_ENDPOINT", ""), env.get("IDENTITY_HEADER", "")
        if endpoint and header:
            url, headers = endpoint, {"X-IDENTITY-HEADER": header}
            params["api-version"] = "2019-08-01"
        else:
            base = (env.get("AZURE_POD_IDENTITY_AUTHORITY_HOST") or IMDS).rstrip("/")
            url, headers = f"{base}/metadata/identity/oauth2/token", {"Metadata": "true"}
            params["api-version"] = "2018-02-01"
        try:
            reply = call(
                "GET",
                url,
                "the managed identity endpoint",
                env,
                headers=headers,
                params=params,
                ca_setting=None,
                metadata=True,  # the VM's IMDS, or the identity endpoint its environment names
            )
        except LoginFailed as exc:
            raise NoIdentity(
                f"no Azure identity: no AZURE_FEDERATED_TOKEN_FILE (workload identity), AZURE_CLIENT_SECRET, "
                f"or managed identity ({exc})"
            ) from None
        if reply.status != 200:
            raise LoginFailed(
                f"the {identity} was refused a token ({_error(reply.body) or reply.status}): assign the "
                "identity to the workload (and name it with client_id when it is user-assigned)"
            )
        return _access_token(reply.body, "the managed identity endpoint"), identity

    def _exchange(
        self, config: RegistryConfig, access: str, tenant: str, identity: str, env: Mapping[str, str]
    ) -> str:
        host = config.host.lower()
        form = {"grant_type": "access_token", "service": host, "access_token": access}
        if tenant:
            form["tenant"] = tenant
        scheme = scheme_for(config)
        # the registry's own trust: its ca_file, as its reads have
        tls = ssl_context(config.ca_file, env) if config.ca_file else None
        reply = call(
            "POST",
            f"{scheme}://{host}/oauth2/exchange",
            f"{host}'s token exchange",
            env,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            body=urlencode(form).encode(),
            tls=tls,
            ca_setting="the registry's ca_file",
        )
        if reply.status != 200:
            raise LoginFailed(
                f"{host} refused to exchange the Entra token of {identity} (HTTP {reply.status}): assign "
                "that identity the AcrPull role on the registry (or a role with Microsoft.ContainerRegistry/"
                "registries/pull/read)"
            )
        token = json_of(reply, f"{host}'s token exchange").get("refresh_token")
        if not isinstance(token, str) or not token:
            raise LoginFailed(f"{host}'s token exchange answered no refresh_token")
        return token


def _read(path: str) -> str:
    try:
        token = Path(path).read_text(errors="replace").strip()
    except OSError as exc:
        raise LoginFailed(f"cannot read AZURE_FEDERATED_TOKEN_FILE {path} ({exc.strerror})") from None
    if not token:
        raise LoginFailed(f"AZURE_FEDERATED_TOKEN_FILE {path} is empty")
    register_secret(token)  # the client assertion: a bearer credential, echoed by no line of ours
    return token


def _access_token(body: bytes, what: str) -> str:
    # JSON read with a nesting bound: an answer nested 100,000 deep is this one line, not a
    # RecursionError's traceback
    try:
        data = limits.loads(body)
    except ValueError:
        data = None
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not sendable(token):
        raise LoginFailed(f"{what} answered no access_token")
    register_secret(token)  # only ever sent on, to the registry's exchange: never shown either
    return token


def _error(body: bytes) -> str:
    """An OAuth error's code (``invalid_client``, and Entra's ``AADSTS70021``), nothing more."""
    try:
        data = limits.loads(body[: 64 << 10])
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    # an OAuth error code is lowercase words (RFC 6749 5.2); anything else in the field is not
    # quoted: an echo of what was sent, cut short, would no longer be a secret redaction finds
    found = data.get("error")
    code = found if isinstance(found, str) and re.fullmatch(r"[a-z_]{1,40}", found) else ""
    # whole codes only: Entra's run to seven digits (AADSTS7000215, a wrong client secret), and a
    # prefix of one is another code (AADSTS700021) that would send the reader the wrong way
    aadsts = re.search(r"AADSTS\d{4,8}\b", text(data.get("error_description"), 400))
    return f"{code} {aadsts.group(0)}" if code and aadsts else code


def _expiry(token: str) -> float:
    """The refresh token's own ``exp`` (a JWT's claim, read, not verified: it only says when
    to ask again; bounded as every outside number), else three hours from now."""
    try:
        payload = token.split(".")[1]
        claims = limits.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = numbers.epoch(claims.get("exp"), "the refresh token's exp").timestamp()
    except (IndexError, ValueError, AttributeError):  # numbers.OutOfRange is a ValueError
        exp = None
    now = time.time()
    if exp is not None and now < exp < now + 86400:
        return exp
    return now + REFRESH_LIFE
