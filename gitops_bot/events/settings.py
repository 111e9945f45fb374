"""The ``webhooks:`` settings: owned here, composed by :mod:`gitops_bot.config`."""

from __future__ import annotations

from gitops_bot.core.record import record
from gitops_bot.core.settings import between, matches, one_of, setting, within

SOURCE_TYPES = (
    "distribution",
    "github",
    "gitea",
    "dockerhub",
    "harbor",
    "quay",
    "acr",
    "ecr",
    "gar",
    "generic",
)
SIGNED_TYPES = ("github", "gitea")  # the sender signs the body with a shared HMAC key
TOKEN_TYPES = ("distribution", "dockerhub", "harbor", "quay", "acr", "ecr", "gar")  # a shared token
DEFAULT_MAX_BODY = 1024 * 1024  # bytes; GitHub caps its own payloads at 25 MB, ours are small
DEFAULT_REPLAY_WINDOW = 600.0  # seconds a delivery is remembered, and the oldest one acted on
DEFAULT_DEBOUNCE = 5.0  # seconds of quiet after a push before the targeted cycle starts
# senders whose requests may carry a signed JWT bearer (Pub/Sub push's OIDC token, an
# EventBridge OAuth connection's access token, Event Grid's Entra ID token)
JWT_TYPES = ("gar", "ecr", "acr")
GOOGLE_ISSUER = "https://accounts.google.com"
GOOGLE_JWKS = "https://www.googleapis.com/oauth2/v3/certs"
MAX_BODY_LIMIT = 25 * 1024 * 1024
_HEADER = r"^[A-Za-z0-9-]{1,64}$"


@record
class JwtSettings:
    """A bearer JWT the sender presents: signed by a key of ``jwks_url`` with an asymmetric
    algorithm, issued by ``issuer`` for ``audience``, and (``email``) naming that verified
    email (a Pub/Sub push subscription's service account). For ``gar`` the issuer and
    JWKS default to Google's."""

    audience: str
    issuer: str
    jwks_url: str
    email: str | None = None


@record
class SourceSettings:
    """One ``POST /webhook/<name>`` endpoint.

    ``secret_env`` names the variable holding an HMAC-SHA256 key (GitHub, Gitea/Forgejo,
    generic); ``token_env`` one holding a shared token, presented as ``Authorization: Bearer
    <token>``, ``Authorization: <token>`` (Harbor's auth header, ACR's custom header),
    ``Authorization: Basic`` with the token as password (EventBridge basic auth), in the
    header named by ``header`` (EventBridge API key, ACR custom header), or in the URL
    (``/webhook/<name>/<token>`` or ``?token=``: Docker Hub, Quay, Pub/Sub push, Event Grid).
    ``jwt`` a bearer JWT (Pub/Sub push OIDC, EventBridge OAuth, Event Grid Entra ID); with
    ``token_env`` too, a request must prove both.
    ``registry`` replaces the host a push names (a registry that sees itself under another
    name than the one the images are pulled from)."""

    name: str = setting(key=None)  # the key of its entry under sources:
    type: str = setting(  # default: the source's name (config's section_of(same=...))
        description="Default: the source's name.",
        rules=(one_of(SOURCE_TYPES, "{what}: type must be one of " + ", ".join(SOURCE_TYPES)),),
    )
    secret_env: str | None = setting(
        None, "The variable holding the HMAC-SHA256 key a delivery is signed with (GitHub, Gitea, generic)."
    )
    token_env: str | None = setting(
        None,
        "The variable holding the shared token a delivery presents (a bearer token, a header, "
        "Basic auth's password, or in the URL, as the sender sends it).",
    )
    registry: str | None = setting(
        None,
        "The registry host the pushes are read as from, when the registry names itself otherwise "
        "than the images are pulled from (host[:port]).",
        rules=(matches(r"^[A-Za-z0-9.-]+(:\d+)?$", "{what}: registry must be a host[:port], e.g. ghcr.io"),),
    )
    header: str | None = setting(
        None,
        "The request header that carries the token_env token (an EventBridge API key "
        "connection, an ACR custom header); Authorization and the URL are always looked at.",
        rules=(matches(_HEADER, "{what}: header must be an HTTP header name, e.g. X-Api-Key"),),
    )
    jwt: JwtSettings | None = setting(
        None,
        "A signed bearer JWT (gar, ecr, acr): Pub/Sub push OIDC, an EventBridge "
        "OAuth connection, Event Grid's Entra ID token.",
    )


@record
class WebhookSettings:
    sources: tuple[SourceSettings, ...] = setting(
        (), "The senders watch accepts registry pushes from, each at POST /webhook/NAME."
    )
    max_body: int = setting(
        DEFAULT_MAX_BODY,
        "The largest delivery, in bytes; a larger one is refused (413) before it is read.",
        rules=(
            within(MAX_BODY_LIMIT),
            between(1024, None, "max_body in 'webhooks' must be at least 1024 bytes"),
        ),
    )
    replay_window: float = setting(
        DEFAULT_REPLAY_WINDOW,
        "Seconds a delivery is remembered: the same one again within them is not acted on.",
        rules=(within(86400),),
    )
    debounce: float = setting(
        DEFAULT_DEBOUNCE, "Seconds of quiet after a push before its cycle runs.", rules=(within(300),)
    )

    def source(self, name: str) -> SourceSettings | None:
        return next((s for s in self.sources if s.name == name), None)
