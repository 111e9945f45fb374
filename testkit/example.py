"""The bundled example (``manifests-example/``) made runnable: copy it with the registry's real
port, and seed that registry with the sample images its policies choose from."""

from __future__ import annotations

import shutil
from pathlib import Path

from testkit.oci import Pushed, Pusher

EXAMPLE = Path(__file__).resolve().parents[1] / "manifests-example"
PLACEHOLDER = "127.0.0.1:5000"


def copy_example(dest: Path, registry_host: str, source: Path = EXAMPLE) -> Path:
    shutil.copytree(source, dest)
    for path in dest.rglob("*.yaml"):
        text = path.read_text()
        if PLACEHOLDER in text:
            path.write_text(text.replace(PLACEHOLDER, registry_host))
    return dest


APP_TAGS = ["1.1.0", "1.2.0", "1.3.0", "1.4.0-rc.1", "1.4.1", "2.0.0", "latest"]


def seed_example(pusher: Pusher, source: tuple[str, list[str]] | None = None) -> dict[str, Pushed]:
    """Tags in push order; returns what each notable tag resolved to, keyed 'repo:tag'.
    ``source``: the app's source repository URL and each of its tags' revision, in APP_TAGS'
    order (the demo's local source repository, so its pull requests list their commits)."""
    out: dict[str, Pushed] = {}
    url, revisions = source or ("https://github.com/acme/app", [f"{i:07x}" for i in range(len(APP_TAGS))])
    src = {"org.opencontainers.image.source": url}
    for i, tag in enumerate(APP_TAGS):
        labels = {**src, "org.opencontainers.image.revision": revisions[i]}
        out[f"acme/app:{tag}"] = pusher.image(
            "acme/app",
            tag,
            created=f"2026-0{1 + i % 9}-01T00:00:00Z",
            labels=labels,
            platforms=["linux/amd64", "linux/arm64"],
        )
    for tag in [
        "main-1767225600-1a2b3c4",
        "main-1767312000-5d6e7f8",
        "main-1767398400-9a8b7c6",
        "pr-12-1767999999-aaaaaaa",
    ]:
        out[f"acme/worker:{tag}"] = pusher.image("acme/worker", tag)
    for tag in ["1.25-alpine", "1.25", "1.27-alpine", "1.27", "1.27.3-alpine", "1.28-bookworm"]:
        out[f"mirror/nginx:{tag}"] = pusher.image(
            "mirror/nginx", tag, platforms=["linux/amd64", "linux/arm64"]
        )
    for tag, day in [("sha-0a1b2c3", "01"), ("sha-ffffff0", "03"), ("sha-7777777", "02"), ("nightly", "09")]:
        out[f"acme/jobs:{tag}"] = pusher.image("acme/jobs", tag, created=f"2026-02-{day}T00:00:00Z")
    out["mirror/redis:stable"] = pusher.image("mirror/redis", ["stable", "7.2.4"])
    return out
