"""Azure Container Registry (``*.azurecr.io``, ``.us``, ``.cn``): ``GET
/acr/v1/{name}/_tags/{tag}`` on the registry's own login server, the tag's ``lastUpdateTime``.

Asked with the registry's own credential: a refresh token (the workload's Azure identity
exchanged at ``/oauth2/exchange``, or ``az acr login``'s identity token) is exchanged at the
registry's ``/oauth2/token`` for an access token scoped ``repository:{name}:metadata_read``,
as ACR's ``AAD-OAuth.md`` and its data-plane description
(``Authentication_ExchangeAcrRefreshTokenForAcrAccessToken``) give it; a user and password
(the admin user, a repository-scoped token) is sent as Basic. Without either: anonymously (a
registry with anonymous pull)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from gitops_bot.net.service import Credential
from gitops_bot.registry.cloud.azure import USER
from gitops_bot.registry.pushtime.base import (
    Calls,
    NoAnswer,
    NoPushTime,
    Pushed,
    Question,
    bearer,
    field,
    pushed,
    secret,
    status_ok,
)

# Azure's public, government and China clouds: each registry's API is on its own login server
SUFFIXES = (".azurecr.io", ".azurecr.us", ".azurecr.cn")


class AzureContainerRegistry:
    kind = "acr"
    source = "Azure Container Registry"
    token_env: str | None = None
    on_registry = True

    def recognises(self, host: str) -> bool:
        return host.endswith(SUFFIXES)

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        return f"https://{host}"

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        # the tag's lastUpdateTime, not its createdTime: a tag moved to another digest keeps
        # its creation, while its last update is no earlier than the push of what it names now
        # (a later change of its attributes only makes the image younger)
        name = "/".join(quote(part, safe="") for part in q.repository.split("/"))
        auth = self._auth(calls, q)
        url = f"{q.base}/acr/v1/{name}/_tags/{quote(q.tag, safe='')}"
        status, body, _ = calls.get(url, {"Accept": "application/json"}, auth)
        if status == 404:
            return NoPushTime(f"{self.source}: no tag {q.repository}:{q.tag} on {q.host}")
        status_ok(status, f"{q.repository}:{q.tag}")
        attributes = field(body, "tag")
        if not isinstance(attributes, Mapping):
            raise NoAnswer("answered tag attributes that are not an object")
        return pushed(
            self.source,
            q.tag,
            q.digest,
            attributes.get("digest"),
            attributes.get("lastUpdateTime"),
            "lastUpdateTime",
        )

    def _auth(self, calls: Calls, q: Question) -> Credential | None:
        found = calls.credential(q.host)
        if found is None:
            return None
        refresh = secret(lambda: found.identity_token)
        user, password = secret(lambda: found.username), secret(lambda: found.password)
        if not refresh and user == USER and password:  # a refresh token given as docker's password
            refresh = password
        if not refresh:
            return Credential.basic(user, password) if user and password else None
        form = {
            "grant_type": "refresh_token",
            "service": q.host,
            "scope": f"repository:{q.repository}:metadata_read",
            "refresh_token": refresh,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, body = calls.post(f"{q.base}/oauth2/token", headers, urlencode(form).encode())
        token = field(body, "access_token") if status == 200 else None
        if not isinstance(token, str) or not token:
            raise NoAnswer(
                f"{q.host} gave no access token to read {q.repository}'s tags (HTTP {status}): the "
                "identity needs to read the repository's metadata (AcrPull, or metadata/read in a "
                "token's scope map)"
            )
        return bearer(token)
