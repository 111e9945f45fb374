"""Quay (``quay.io``): ``GET /api/v1/repository/{ns}/{repo}/tag/?specificTag=...&onlyActiveTags=true``,
the active tag's ``start_ts`` (anonymous for public repositories; ``$QUAY_TOKEN`` if set)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from gitops_bot.registry.pushtime.base import (
    Calls,
    NoAnswer,
    NoPushTime,
    Pushed,
    Question,
    bearer,
    pushed,
    said_epoch,
    status_ok,
)


class Quay:
    kind = "quay"
    source = "Quay"
    token_env: str | None = "QUAY_TOKEN"
    on_registry = False

    def recognises(self, host: str) -> bool:
        return host == "quay.io"

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        return "https://quay.io"

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        if q.repository.count("/") < 1:
            return NoPushTime(f"{self.source}: {q.repository!r} is not NAMESPACE/REPOSITORY")
        token = calls.environ.get(str(self.token_env), "")
        auth = bearer(token) if token else None
        # the repository path keeps its slash: Quay routes it as one "apirepopath" parameter
        url = f"{q.base}/api/v1/repository/{quote(q.repository, safe='/')}/tag/"
        query = {"specificTag": q.tag, "onlyActiveTags": "true", "limit": "1"}
        status, body, _ = calls.get(url, {"Accept": "application/json"}, auth, query)
        if status == 404:
            return NoPushTime(f"{self.source}: no repository {q.repository} (or it is private)")
        status_ok(status, f"{q.repository}:{q.tag}")
        tags = body.get("tags") if isinstance(body, dict) else None
        if not isinstance(tags, list):
            raise NoAnswer("answered no list of tags")
        for item in tags:
            # onlyActiveTags: the tag as it is now (an active tag may carry a future end_ts)
            if isinstance(item, dict) and item.get("name") == q.tag:
                start = item.get("start_ts")
                if not isinstance(start, int) or isinstance(start, bool):
                    raise NoAnswer(f"tag {q.tag} has no readable start_ts")
                at = said_epoch(start, f"tag {q.tag}'s start_ts")
                return pushed(self.source, q.tag, q.digest, item.get("manifest_digest"), at, "start_ts")
        return NoPushTime(f"{self.source}: no active tag {q.tag} in {q.repository}")
