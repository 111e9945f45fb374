"""Google Artifact Registry and Container Registry: an OAuth access token of the workload's
Google identity, sent as the password of user ``oauth2accesstoken``.

The identity is google-auth's Application Default Credentials, the chain every Google
library follows: ``GOOGLE_APPLICATION_CREDENTIALS`` (an external-account file for workload
identity federation, GitHub's OIDC as ``google-github-actions/auth`` writes it, or AWS or
Azure tokens; a service account key; a user's), gcloud's own file, then the metadata server
(GKE Workload Identity, Compute Engine, Cloud Run). Its external-account exchange (an STS
token exchange, then optionally a service account impersonation) is what google-auth does
better than a copy of ours; every request it makes goes through the bot's own client, by
google-auth's public transport interface (:class:`NetRequest`).

The metadata server is asked at ``GCE_METADATA_HOST`` when that is set (google-auth's own
variable), as on GKE.

Google's token endpoints are trusted as every service is (the OS store, ``SSL_CERT_FILE``):
google-auth's own transport (requests) would read ``REQUESTS_CA_BUNDLE``, which ours does not,
and there is no setting of the login's own, so a certificate not trusted names ``SSL_CERT_FILE``.

google-auth reads those answers for us (``expires_in`` into a ``timedelta``, JSON into its
fields): what it raises on one it cannot read (an OverflowError for 400 digits or ``1e400``,
a TypeError or ValueError for ``"soon"``) is one line naming the service (:func:`base.edge`),
and the expiry it computes is bounded as every cloud's (:data:`base.MAX_LIFE`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from gitops_bot.registry.cloud.base import Issued, LoginFailed, NoIdentity, call, edge, importable, text
from gitops_bot.registry.settings import RegistryConfig

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
USER = "oauth2accesstoken"
_DMI = Path("/sys/class/dmi/id/product_name")  # "Google Compute Engine" on GCE and GKE nodes


class GcpLogin:
    kind: str = "gcp"
    extra: str | None = "gcp"
    anonymous_ok: bool = True  # public repositories (gcr.io/distroless, ...) answer anyone

    def available(self) -> bool:
        return importable("google.auth")

    def present(self, env: Mapping[str, str]) -> bool:
        """A credentials file, gcloud's own, a metadata server named, or a Google machine: a
        laptop reading gcr.io/distroless does not wait on a metadata server that is not there."""
        if env.get("GOOGLE_APPLICATION_CREDENTIALS") or env.get("GCE_METADATA_HOST"):
            return True
        config = env.get("CLOUDSDK_CONFIG") or str(
            Path(env.get("HOME", "~")).expanduser() / ".config" / "gcloud"
        )
        if (Path(config) / "application_default_credentials.json").is_file():
            return True
        if env.get("K_SERVICE") or env.get("CLOUD_RUN_JOB"):  # Cloud Run
            return True
        try:
            return "Google" in _DMI.read_text(errors="replace")[:200]
        except OSError:
            return False

    def login(self, config: RegistryConfig, env: Mapping[str, str]) -> Issued:
        import google.auth
        import google.auth.credentials
        import google.auth.exceptions

        request = net_request(env)
        try:
            # without scopes: with them, google-auth asks Cloud Resource Manager for an
            # external account's project, which a registry token does not need
            with edge("Google's Application Default Credentials"):
                found, _project = google.auth.default(request=request)
                credentials = google.auth.credentials.with_scopes_if_required(found, list(SCOPES))  # type: ignore[no-untyped-call]
        except google.auth.exceptions.DefaultCredentialsError as exc:
            raise NoIdentity(
                "no Google credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default "
                "credentials, the metadata server): give the workload a service account (GKE Workload "
                f"Identity) or point GOOGLE_APPLICATION_CREDENTIALS at its file ({text(str(exc), 100)})"
            ) from None
        identity = describe(credentials)
        try:
            with edge("Google's token service"):
                credentials.refresh(request)
        except google.auth.exceptions.TransportError as exc:
            # our own call's line (service, address, what to set) whole: cut at 120 it lost the
            # advice at its end
            raise LoginFailed(
                f"cannot reach Google's token service for {identity}: {text(str(exc), 300)}"
            ) from None
        except google.auth.exceptions.GoogleAuthError as exc:  # RefreshError, OAuthError
            raise LoginFailed(
                f"Google refused a token to {identity} ({_reason(exc)}): check that the identity may "
                "have one (the pool provider's attribute condition, roles/iam.workloadIdentityUser on "
                "the service account, or its key) and that it holds roles/artifactregistry.reader"
            ) from None
        token, expiry = credentials.token, credentials.expiry
        if not isinstance(token, str) or not token:
            raise LoginFailed(f"Google issued no access token to {identity}")
        # google-auth keeps expiry naive, in UTC; none said: an access token's usual hour
        expires = expiry.replace(tzinfo=UTC).timestamp() if expiry is not None else time.time() + 3600
        return Issued(identity, expires, username=USER, password=token)


def describe(credentials: Any) -> str:
    """Whose token it is, in words, from what google-auth found."""
    from google.auth import compute_engine, external_account

    email = getattr(credentials, "service_account_email", None)
    email = text(email, 100) if isinstance(email, str) and email != "default" else ""
    if isinstance(credentials, external_account.Credentials):
        who = f"workload identity federation ({text(credentials.info.get('audience'), 200)})"
        return f"{who} impersonating {email}" if email else who
    if isinstance(credentials, compute_engine.Credentials):
        return f"the metadata server's service account ({email or 'default'})"
    if email:
        return f"service account {email}"
    return f"Google credentials ({type(credentials).__name__})"


def _reason(exc: Exception) -> str:
    """google-auth's RefreshError carries the server's error code; only that is kept."""
    found = re.search(
        r"Error code ([a-z_]{1,40})|'error': '([a-z_]{1,40})'|\"error\": \"([a-z_]{1,40})\""
        r"|(invalid_[a-z_]{1,40})",
        str(exc),
    )
    return next((g for g in found.groups() if g), "refused") if found else "refused"


def net_request(env: Mapping[str, str]) -> Any:
    """google-auth's ``google.auth.transport.Request`` made by the bot's own client: every
    call google-auth makes (the metadata server, STS, impersonation) has our deadline, size
    cap, proxies and trust. Its classes are made here, where google-auth is imported, so this
    module loads without it."""
    import google.auth.exceptions
    import google.auth.transport

    class _Response(google.auth.transport.Response):
        def __init__(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
            self._status, self._headers, self._data = status, headers, data

        @property
        def status(self) -> int:
            return self._status

        @property
        def headers(self) -> Mapping[str, str]:
            return self._headers

        @property
        def data(self) -> bytes:
            return self._data

    class _Request(google.auth.transport.Request):
        def __call__(
            self,
            url: str,
            method: str = "GET",
            body: bytes | None = None,
            headers: Mapping[str, str] | None = None,
            timeout: float | None = None,
            **kwargs: Any,
        ) -> _Response:
            try:
                reply = call(
                    method,
                    url,
                    "Google's token service",
                    env,
                    headers=headers,
                    body=body,
                    timeout=timeout,
                    ca_setting=None,
                    # google-auth's own endpoints, from the environment's identity: the metadata
                    # server among them (an external account's AWS source asks AWS's too)
                    metadata=True,
                )
            except LoginFailed as exc:
                raise google.auth.exceptions.TransportError(str(exc)) from None  # type: ignore[no-untyped-call]
            return _Response(reply.status, {k.lower(): v for k, v in reply.headers}, reply.body)

    return _Request()
