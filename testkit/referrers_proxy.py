"""A loopback front for the distribution registry that adds the OCI 1.1 referrers API
(``GET /v2/<repo>/referrers/<digest>``), as distribution 3 and most cloud registries offer it.

Debian's registry (distribution 2.8) has no such endpoint; this front answers it from the
referrers tag schema index (``sha256-<hex>``) stored in the real registry, and forwards every
other request unchanged, so a client sees one registry that speaks the API.
"""

from __future__ import annotations

import re

from testkit.relay import Answer, Relay

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
_REFERRERS = re.compile(r"^/v2/(?P<repo>.+)/referrers/(?P<digest>sha256:[0-9a-f]{64})$")
_EMPTY_INDEX = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}'


class ReferrersProxy(Relay):
    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.calls: list[str] = []  # referrers requests answered

    def answer(self, command: str, path: str) -> Answer | None:
        m = _REFERRERS.match(path.split("?")[0])
        if not (m and command == "GET"):
            return None
        self.calls.append(path)
        tag = m["digest"].replace(":", "-")
        r = self._client.get(f"{self.upstream}/v2/{m['repo']}/manifests/{tag}", headers={"Accept": OCI_INDEX})
        return 200, r.content if r.status_code == 200 else _EMPTY_INDEX, {"content-type": OCI_INDEX}
