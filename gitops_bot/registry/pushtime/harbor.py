"""Harbor (the hosts the operator names ``push_time: harbor``):
``GET /api/v2.0/projects/{p}/repositories/{r}/artifacts/{tag}``, ``push_time``, on the
registry's own host, with the registry's own credential (anonymous without one)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from gitops_bot.net.service import Credential
from gitops_bot.registry.pushtime.base import (
    Calls,
    NoAnswer,
    NoPushTime,
    Pushed,
    Question,
    pushed,
    secret,
    status_ok,
)


class Harbor:
    kind = "harbor"
    source = "Harbor"
    token_env: str | None = None
    on_registry = True

    def recognises(self, host: str) -> bool:
        return False  # any host can be a Harbor: only those the operator names are

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        return f"https://{host}"

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        project, _, name = q.repository.partition("/")
        if not project or not name:
            return NoPushTime(f"{self.source}: {q.repository!r} is not PROJECT/REPOSITORY")
        # Harbor's repository_name is encoded twice when it holds a slash (its description:
        # "a/b -> a%2Fb -> a%252Fb"): its router decodes the path once before matching
        encoded = quote(quote(name, safe=""), safe="")
        project = quote(project, safe="")
        url = f"{q.base}/api/v2.0/projects/{project}/repositories/{encoded}/artifacts/{quote(q.tag, safe='')}"
        status, body, _ = calls.get(url, {"Accept": "application/json"}, basic(calls, q.host))
        if status == 404:
            return NoPushTime(f"{self.source}: no artifact {q.repository}:{q.tag} on {q.host}")
        status_ok(status, f"{q.repository}:{q.tag}")
        if not isinstance(body, dict):
            raise NoAnswer("answered an artifact that is not an object")
        return pushed(self.source, q.tag, q.digest, body.get("digest"), body.get("push_time"), "push_time")


def basic(calls: Calls, host: str) -> Credential | None:
    """The registry's own user and password, for an API on the registry's host, and only for
    that origin; None: asked anonymously."""
    found = calls.credential(host)
    if found is None:
        return None
    user, password = secret(lambda: found.username), secret(lambda: found.password)
    return Credential.basic(user, password) if user and password else None
