"""Docker Hub (``docker.io``): ``GET /v2/namespaces/{ns}/repositories/{repo}/tags/{tag}`` on
``hub.docker.com``, ``tag_last_pushed`` (anonymous; official images live in ``library``), or
a platform image's own ``last_pushed`` when the digest asked about is one of the tag's images."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from gitops_bot.registry.pushtime.base import Calls, NoAnswer, NoPushTime, Pushed, Question, pushed, status_ok

HOSTS = frozenset({"docker.io", "registry-1.docker.io", "index.docker.io"})


class DockerHub:
    kind = "dockerhub"
    source = "Docker Hub"
    token_env: str | None = None
    on_registry = False

    def recognises(self, host: str) -> bool:
        return host in HOSTS

    def api(self, host: str, environ: Mapping[str, str]) -> str:
        return "https://hub.docker.com"

    def look(self, calls: Calls, q: Question) -> Pushed | NoPushTime:
        parts = q.repository.split("/")
        if len(parts) == 1:
            parts = ["library", *parts]  # official images: docker.io/nginx is library/nginx
        if len(parts) != 2 or not all(parts):
            return NoPushTime(f"{self.source}: {q.repository!r} is not NAMESPACE/REPOSITORY")
        namespace, name = (quote(p, safe="") for p in parts)
        url = f"{q.base}/v2/namespaces/{namespace}/repositories/{name}/tags/{quote(q.tag, safe='')}"
        status, body, _ = calls.get(url, {"Accept": "application/json"}, None)
        if status == 404:
            return NoPushTime(f"{self.source}: no tag {q.tag} in {'/'.join(parts)}")
        status_ok(status, f"{'/'.join(parts)}:{q.tag}")
        if not isinstance(body, dict):
            raise NoAnswer("answered a tag that is not an object")
        when = body.get("tag_last_pushed")
        named = body.get("digest")
        # the tag's digest is the index (or the one manifest); a digest pinned per platform is
        # one of its images, each with its own last push
        images = body.get("images")
        images = images if isinstance(images, list) else []
        platforms = {
            i["digest"]: i for i in images if isinstance(i, dict) and isinstance(i.get("digest"), str)
        }
        if q.digest is not None and q.digest != named and q.digest in platforms:
            image_time = platforms[q.digest].get("last_pushed")
            return pushed(self.source, q.tag, q.digest, q.digest, image_time or when, "last_pushed")
        if named is None and q.digest is not None and platforms:
            named = next(iter(platforms))  # names digests, none of them the one asked about
        return pushed(self.source, q.tag, q.digest, named, when, "tag_last_pushed")
