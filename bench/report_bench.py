"""Benchmark ``gitops-bot report`` on a year of history in a repository of 1,000 images.

Writes, with real git (``git fast-import``), a bare remote whose two environments (staging,
and production promoted from it) each deploy N images from one Kustomize overlay, pinned by tag
and digest, with a year of releases as the bot leaves them on the base: each release a commit
of the bot's (``chore(staging): ...``, the ``Gitops-Bot-Release:`` trailer) merged by a merge
commit of the forge's (``Merge pull request #n``), the merge dated when it landed. Staging
gets ``--per-day`` releases a day, each a new build of one to three images; every other one is
promoted to production; one in fifty is followed by a rollback (the bot's, restoring the build
before, with its hold) or by a hold put by a person. Every build the report reads (those of the
releases in the period and the builds they replaced) is pushed to a real registry process with
its ``org.opencontainers.image.source`` and ``revision`` labels; the source repository's host
is one the bot has no forge for, so each source comparison is answered, at once, as unreadable
(the forge's own time is not this figure: one request per pair of builds, concurrently).

Then it times ``gitops-bot report`` (this venv's, as a separate process) over the
default 30 days and over the whole year, each cold (nothing kept from an earlier report: a
first report on a machine) and warm (run again: the bot's cache holds what it read of each
release), interleaved, and prints the medians of wall and CPU (the process and its git
children). The goal: a year of history in a repository of 1,000
images reads in seconds.

    .venv/bin/python bench/report_bench.py --images 1000 --days 365 --per-day 8 --runs 5
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from latency_bench import REGISTRY_ENV
from measure import measured, run_child

from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

# the bot reads its own clock: the year ends now (on the hour), its last release the day before
UNTIL = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
SOURCE = "https://source.example/acme/monorepo"  # a host the bot has no forge for
ENVS = ("staging", "production")
BOT = "gitops-bot <bot@example.com>"


def _file(name: str, text: str) -> tuple[str, str]:
    return name, text


def _data(text: str) -> str:
    return f"data {len(text.encode())}\n{text}\n"


@dataclass
class History:
    """The year as the bench scripts it: who changed what when (the builds by image and number)."""

    images: int
    host: str
    builds: dict[tuple[int, int], str] = field(default_factory=dict)  # (image, build) -> digest
    running: dict[str, list[int]] = field(default_factory=dict)  # env -> build of each image
    emit: Callable[[str], object] = lambda text: None  # where fast-import's input goes
    marks: int = 0
    pulls: int = 0
    releases: int = 0
    recorded: bool = False  # the bot's release commits carry Gitops-Bot-Built-From trailers
    made: dict[tuple[int, int], datetime] = field(default_factory=dict)  # build -> its source commit's time

    def built_from(self, env: str, changed: list[int]) -> str:
        """The trailers this version of the bot writes for the new builds of a release whose
        release contents the source's forge dated (an update's, a promotion's)."""
        if not self.recorded:
            return ""
        return "".join(
            f"Gitops-Bot-Built-From: app{i:04d} {self.digest(i, b)} {revision(i, b)} "
            f"{self.made[(i, b)]:%Y-%m-%dT%H:%M:%SZ}\n"
            for i in changed
            for b in [self.running[env][i]]
            if (i, b) in self.made  # the first builds were there before the year
        )

    def digest(self, image: int, build: int) -> str:
        known = self.builds.get((image, build))
        if known is not None:
            return known
        return "sha256:" + hashlib.sha256(f"app{image:04d}-{build}".encode()).hexdigest()

    def overlay(self, env: str) -> str:
        entries = "".join(
            f"- name: app{i:04d}\n  newName: {self.host}/bench/app{i:04d}\n  newTag: 1.{b}.0\n"
            f"  digest: {self.digest(i, b)}\n"
            for i, b in enumerate(self.running[env])
        )
        return f"resources: []\nimages:\n{entries}"

    def config(self) -> str:
        images = "".join(
            f"  - name: app{i:04d}\n    repository: {self.host}/bench/app{i:04d}\n"
            for i in range(self.images)
        )
        return (
            f"version: 1\nimages:\n{images}environments:\n"
            "  - name: staging\n    path: overlays/staging\n"
            "  - name: production\n    path: overlays/production\n    promote_from: staging\n"
        )


def _stamp(when: datetime) -> str:
    return f"{int(when.timestamp())} +0000"


def _blobs(h: History, files: list[tuple[str, str]]) -> str:
    """Each file's text once, as a blob both commits name."""
    out = []
    for name, text in files:
        h.marks += 1
        h.emit(f"blob\nmark :{h.marks}\n{_data(text)}")
        out.append(f"M 100644 :{h.marks} {name}\n")
    return "".join(out)


def revision(image: int, build: int) -> str:
    """The source commit a build was made from (its revision label)."""
    return hashlib.sha1(f"{image}-{build}".encode()).hexdigest()


def _bot_commit(
    h: History,
    env: str,
    when: datetime,
    subject: str,
    body: str,
    changed: list[tuple[str, str]],
    trailers: str = "",
) -> int:
    """The bot's commit on its branch (off main), then the merge of its pull request."""
    files = _blobs(h, changed)
    h.marks += 1
    mark = h.marks
    h.releases += 1
    release = f"{env}-{hashlib.sha256(f'{h.releases}'.encode()).hexdigest()[:12]}"
    message = f"{subject}\n\n{body}\n{trailers}Gitops-Bot-Release: {release}\n"
    bot = when - timedelta(minutes=10)
    h.emit(
        f"commit refs/heads/gitops-bot/{env}\nmark :{mark}\n"
        f"author {BOT} {_stamp(bot)}\ncommitter {BOT} {_stamp(bot)}\n"
        f"{_data(message)}from refs/heads/main\n{files}"
    )
    h.pulls += 1
    merge = f"Merge pull request #{h.pulls} from acme/gitops-bot/{env}\n\n{subject}\n"
    h.emit(
        f"commit refs/heads/main\nauthor Dev <dev@example.com> {_stamp(when)}\n"
        f"committer GitHub <noreply@github.com> {_stamp(when)}\n{_data(merge)}"
        f"merge :{mark}\n{files}"
    )
    return mark


def _summary(env_from: list[int], env_to: list[int], changed: list[int]) -> tuple[str, str]:
    moves = [f"app{i:04d} 1.{env_from[i]}.0 -> 1.{env_to[i]}.0" for i in changed]
    return ", ".join(moves), "".join(f"- {m}\n" for m in moves)


def script(
    images: int,
    days: int,
    per_day: int,
    host: str,
    builds: dict[tuple[int, int], str] | None = None,
    emit: Callable[[str], object] | None = None,
    recorded: bool = False,
) -> tuple[History, list[tuple[int, int]]]:
    """The year's releases, oldest first (the same every time), as fast-import's input to
    ``emit``; returns the history and the builds it deploys, in the order they appear.
    ``builds``: their digests in the registry."""
    rng = random.Random(7)
    h = History(images, host, dict(builds or {}), recorded=recorded)
    if emit is not None:
        h.emit = emit
    h.running = {env: [0] * images for env in ENVS}
    latest = [0] * images  # the newest build of each image
    deployed: list[tuple[int, int]] = [(i, 0) for i in range(images)]
    start = UNTIL - timedelta(days=days + 1)
    first = [_file("gitops-bot.yaml", h.config())]
    first += [_file(f"overlays/{env}/kustomization.yaml", h.overlay(env)) for env in ENVS]
    files = _blobs(h, first)
    h.emit(
        f"commit refs/heads/main\ncommitter dev <dev@example.com> {_stamp(start)}\n{_data('initial')}{files}"
    )
    holds: dict[str, str] = {}
    step = timedelta(days=1) / per_day
    for n in range(days * per_day):
        when = start + timedelta(days=1) + n * step
        before = list(h.running["staging"])
        changed = sorted(rng.sample(range(images), rng.randint(1, 3)))
        for i in changed:
            latest[i] += 1
            h.running["staging"][i] = latest[i]
            deployed.append((i, latest[i]))
            # made 30 min to 2 days before it was released (not from rng: the same history either way)
            h.made[(i, latest[i])] = when - timedelta(minutes=30 + int(revision(i, latest[i])[:6], 16) % 2850)
        subject, body = _summary(before, h.running["staging"], changed)
        overlay = _file("overlays/staging/kustomization.yaml", h.overlay("staging"))
        trailers = h.built_from("staging", changed)
        _bot_commit(h, "staging", when, f"chore(staging): {subject}", body, [overlay], trailers)
        if rng.random() < 0.02:  # the bot's rollback of the first image, held with its reason
            i = changed[0]
            back = list(h.running["staging"])
            back[i] = before[i]
            subject, body = _summary(h.running["staging"], back, [i])
            h.running["staging"] = back
            holds[f"app{i:04d}"] = "rolled back by gitops-bot rollback"
            rolled = [_file("overlays/staging/kustomization.yaml", h.overlay("staging")), _holds(holds)]
            _bot_commit(h, "staging", when + step / 3, f"chore(staging): rollback {subject}", body, rolled)
        elif rng.random() < 0.02:  # a person holds the first image: the release failed
            holds[f"app{changed[0]:04d}"] = "error budget spent"
            _bot_commit(h, "staging", when + step / 3, "chore(staging): hold", "", [_holds(holds)])
        if n % 2 == 1:  # every other staging release is promoted as it is
            source = list(h.running["staging"])
            moved = [i for i in range(images) if h.running["production"][i] != source[i]]
            if moved:
                subject, body = _summary(h.running["production"], source, moved[:3])
                h.running["production"] = source
                overlay = _file("overlays/production/kustomization.yaml", h.overlay("production"))
                move = f"chore(production): {subject}"
                trailers = h.built_from("production", moved)
                _bot_commit(h, "production", when + step / 2, move, body, [overlay], trailers)
    return h, deployed


def _holds(holds: dict[str, str]) -> tuple[str, str]:
    lines = "".join(f'  {image}: "{why}"\n' for image, why in sorted(holds.items()))
    return _file("gitops-bot.holds.yaml", f"staging:\n{lines}" if lines else "{}\n")


def push(reg: RegistryProcess, builds: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """Each build as a small image with its source labels; its digest."""

    def one(chunk: list[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], str]]:
        p = Pusher.to(reg.url)
        try:
            for i, b in chunk:
                labels = {
                    "org.opencontainers.image.source": SOURCE,
                    "org.opencontainers.image.revision": revision(i, b),
                }
                yield (i, b), p.image(f"bench/app{i:04d}", f"1.{b}.0", labels=labels, salt=f"{i}-{b}").digest
        finally:
            p.close()

    chunks = [builds[k::8] for k in range(8)]
    with ThreadPoolExecutor(8) as pool:
        return dict(pair for found in pool.map(lambda c: list(one(c)), chunks) for pair in found)


def build(root: Path, reg: RegistryProcess, images: int, days: int, per_day: int) -> None:
    """The remotes, every build they deploy pushed first (so its digests are the registry's)."""
    _, deployed = script(images, days, per_day, reg.host)
    wanted = list(dict.fromkeys(deployed))
    t0 = time.monotonic()
    builds = push(reg, wanted)
    print(f"pushed {len(wanted)} builds in {time.monotonic() - t0:.1f} s")
    write(root / "remote.git", reg.host, builds, images, days, per_day, recorded=False)
    write(root / "remote-recorded.git", reg.host, builds, images, days, per_day, recorded=True)


def digests_of(reg: RegistryProcess, images: int, days: int, per_day: int) -> dict[tuple[int, int], str]:
    """The digests of a registry an earlier run pushed the builds to, as it answers them."""
    _, deployed = script(images, days, per_day, reg.host)

    def one(key: tuple[int, int]) -> tuple[tuple[int, int], str]:
        i, b = key
        url = f"{reg.url}/v2/bench/app{i:04d}/manifests/1.{b}.0"
        answer = client.head(url, headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        answer.raise_for_status()
        return key, answer.headers["Docker-Content-Digest"]

    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(16) as pool:
        return dict(pool.map(one, list(dict.fromkeys(deployed))))


def write(
    remote: Path,
    host: str,
    builds: dict[tuple[int, int], str],
    images: int,
    days: int,
    per_day: int,
    *,
    recorded: bool,
) -> None:
    """The year's history into a new bare remote (``recorded``: as this version of the bot
    writes its release commits; else as an earlier one did, or a person would)."""
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    t0 = time.monotonic()
    importer = subprocess.Popen(["git", "-C", str(remote), "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert importer.stdin is not None
    sink = importer.stdin
    h, _ = script(images, days, per_day, host, builds, lambda text: sink.write(text.encode()), recorded)
    sink.close()
    if importer.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(remote), "gc", "-q"], check=True)
    print(
        f"wrote {remote.name}: {h.releases} releases ({h.pulls} merged pull requests) over {days} days "
        f"in {time.monotonic() - t0:.1f} s"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=8, help="staging releases a day")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", type=Path, help="the folder an earlier run printed: time it again")
    args = ap.parse_args()
    work = args.reuse or Path(tempfile.mkdtemp(prefix="gitops-bot-report-bench-"))
    exe = Path(sys.executable).with_name("gitops-bot")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["GITOPS_BOT_CACHE"] = str(work / "cache")
    remote = work / "remote.git"
    if args.reuse:  # the remote and registry an earlier run built, on the port its digests name
        overlay = subprocess.run(
            ["git", "-C", str(remote), "show", "main:overlays/staging/kustomization.yaml"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        port = int(overlay.split("newName: 127.0.0.1:", 1)[1].split("/", 1)[0])
        reg = RegistryProcess(work / "registry", env=REGISTRY_ENV, port=port)
    else:
        reg = RegistryProcess(work / "registry", env=REGISTRY_ENV)
    with reg:
        if not args.reuse:
            build(work, reg, args.images, args.days, args.per_day)
        elif not (work / "remote-recorded.git").exists():  # a folder from before: its digests asked
            builds = digests_of(reg, args.images, args.days, args.per_day)
            write(
                work / "remote-recorded.git",
                reg.host,
                builds,
                args.images,
                args.days,
                args.per_day,
                recorded=True,
            )
        print(f"in {work} (--reuse it to time again)")
        year = f"{args.days}d"
        # the history as this version of the bot writes it (its release commits record each new
        # build's source commit), read at once; and as an earlier version wrote it (or people
        # released by hand), read cold (nothing kept from an earlier report: a first report on
        # a machine) and warm (run again: the bot's cache holds what it read of each release)
        runs = {f"recorded {p}": ("remote-recorded.git", p, False) for p in ("30d", year)} | {
            f"unrecorded {p} {how}": ("remote.git", p, how == "cold")
            for p in ("30d", year)
            for how in ("cold", "warm")
        }
        kept = work / "cache" / "report"

        def command(name: str, since: str) -> list[str]:
            return [
                str(exe),
                "report",
                "--repo",
                f"file://{work / name}",
                "--output",
                "json",
                "--since",
                since,
            ]

        for name in ("remote.git", "remote-recorded.git"):  # each clone, once
            first = run_child(command(name, "30d"), env)
            if first.returncode != 0:
                print(first.stderr, file=sys.stderr)
                return 1
        walls: dict[str, list[float]] = {r: [] for r in runs}
        cpus: dict[str, list[float]] = {r: [] for r in runs}
        docs: dict[str, dict[str, object]] = {}
        for run in range(args.runs):
            for label, (name, since, cold) in runs.items():  # interleaved: the load falls on all alike
                if cold:
                    shutil.rmtree(kept, ignore_errors=True)
                with measured(None) as m:
                    done = run_child(command(name, since), env)
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                docs[label] = json.loads(done.stdout)
                walls[label].append(m.wall)
                cpus[label].append(done.cpu)
                print(f"run {run + 1} {label}: wall {m.wall:.2f} s, CPU {done.cpu:.2f} s")
        for label in runs:
            envs = docs[label]["environments"]
            assert isinstance(envs, list)
            shown = ", ".join(
                f"{e['environment']} {e['deployment_frequency']['releases']} releases, "
                f"{e['lead_time']['count']} lead times, {len(e['lead_time']['unread'])} unread, "
                f"{e['change_failure_rate']['failed']} failed"
                for e in envs
            )
            print(
                f"{label}: median wall {statistics.median(walls[label]):.2f} s, "
                f"CPU {statistics.median(cpus[label]):.2f} s over {args.runs} runs; {shown}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
