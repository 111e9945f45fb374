"""The floor of any Python client at the bot's politeness: the requests a plan of the bench's
repository sends (each repository's tag list, then a HEAD of its newest tag's manifest), on as
many kept-alive ``http.client`` connections as the bot's default ceiling of requests in flight
(its window starts at 32 and reaches the ceiling after a round trip; this client starts there),
and nothing else: no configuration, no overlay, no decision, no output, the standard library only.
``bench/renovate_bench.py`` runs it beside the tools; what the bot takes beyond it is the bot's
own work (start-up and the plan), not the network's.

    python bench/bare_client.py HOST:PORT REPOSITORIES IN_FLIGHT
"""

from __future__ import annotations

import http.client
import json
import queue
import sys
import threading

# the media types the bot accepts for a digest (an index or a manifest, OCI or Docker)
ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


def _newest(tags: list[str]) -> str:
    return max(tags, key=lambda t: tuple(int(p) for p in t.split(".")))


def main() -> int:
    host, port = sys.argv[1].rsplit(":", 1)
    repos, in_flight = int(sys.argv[2]), int(sys.argv[3])
    work: queue.SimpleQueue[tuple[str, str | None]] = queue.SimpleQueue()
    for i in range(repos):
        work.put((f"bench/app{i:04d}", None))
    left = 2 * repos
    lock = threading.Lock()
    done = threading.Event()
    failed: list[BaseException] = []

    def worker() -> None:
        nonlocal left
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while not done.is_set():
            repo, tag = work.get()
            try:
                if tag is None:
                    conn.request("GET", f"/v2/{repo}/tags/list")
                    answer = conn.getresponse()
                    body = answer.read()
                    if answer.status != 200:
                        raise RuntimeError(f"{repo}: tags answered {answer.status}")
                    work.put((repo, _newest(json.loads(body)["tags"])))
                else:
                    conn.request("HEAD", f"/v2/{repo}/manifests/{tag}", headers={"Accept": ACCEPT})
                    answer = conn.getresponse()
                    answer.read()
                    if answer.status != 200 or not answer.getheader("Docker-Content-Digest"):
                        raise RuntimeError(f"{repo}:{tag}: no digest")
            except BaseException as exc:
                failed.append(exc)
                done.set()
                return
            with lock:
                left -= 1
                if not left:
                    done.set()

    for _ in range(in_flight):
        threading.Thread(target=worker, daemon=True).start()
    done.wait()
    if failed:
        print(f"bare client: {failed[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
