"""One service's world and one generated answer run through its command, in process, with
every property the harness holds each command to (:func:`problems`):

- the documented exit code for the service's command, never 1 (a bug), never a traceback;
- at most the service's number of error lines, each one line of at most 2,000 characters,
  every stderr line the bot's own (``gitops-bot: ...``) or a structured log record;
- no control character an answer brought (ESC, BEL, CR...) on stderr, nor on stdout for the
  commands printing for a terminal;
- ``--output json`` still one JSON document, no reason in it spanning lines;
- bounded time, and bounded memory: what the run added to the process's resident memory at
  its peak (Linux: the peak reset before the run, read after; native buffers such as a
  decompressor's count too), the Python heap's peak (tracemalloc: under
  ``GITOPS_BOT_TEST_DEPTH=full``, and where the resident peak cannot be read; it doubles a
  run's CPU), and the bytes the server managed to send;
- no secret of the service's world in any output, in any encoding a service echoes it in,
  and no credential sent to another origin a redirect pointed at;
- nothing proposed or committed that the registry did not serve: every candidate's digest
  hashes a body a manifest route served, its tag is one a tag list served, and every digest
  a committing command pushed hashes such a body.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_bot.cli import main
from gitops_bot.net import retry
from testkit import in_process
from testkit.hostile.answers import Context, Fault, secret_forms
from testkit.hostile.server import HostileServer, Served
from testkit.hostile.services import HostileService, Stage, registry_routes, repository_files, secrets_of
from testkit.hostile_registry import Answer, Route, Seen

# a command past this is unbounded, whatever it met: a registry operation's own hard bound is
# 90 s (registry/retrying.py's HARD_TIMEOUTS of the default 30 s timeout)
SECONDS = 100.0
PEAK = 192 << 20  # the memory a command may add at its peak: resident, and the Python heap
# the traced heap's peak too: what every run measured before (tracemalloc hooks every allocation,
# so the inner loop's examples measure the resident peak only)
TRACED = os.environ.get("GITOPS_BOT_TEST_DEPTH", "") == "full"
SENT = 80 << 20  # what the server may write before the client must have stopped reading
LINE = 2000  # characters of one error line: what an answer may put in one is bounded
# what an answer's text must never bring to a terminal (ESC, OSC's BEL, CR over a line...)
CONTROLS = frozenset(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)) | {"\x9b"}


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float
    peak: int
    sent: int
    served: list[Served] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    committed: str = ""  # what the command pushed to the remote's dev overlay (a committing one)

    def said(self) -> str:
        """The one-line summary the findings quote."""
        lines = [ln for ln in self.err.splitlines() if ln.startswith("gitops-bot: error")]
        return f"exit {self.code}; {lines[0][:300] if lines else self.err[-300:]!r}"


@contextlib.contextmanager
def _retry_waits_counted() -> Iterator[list[float]]:
    """The one retry loop's pauses (net/retry.call, under every outside call) recorded instead
    of slept, for the run's time to count as spent: a run's bounded time is its clock's time
    plus these, and a pause sleeps nothing while the answers' own slowness stays real."""
    original = retry.call
    waited: list[float] = []

    def call(*args: Any, sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> Any:
        return original(*args, sleep=waited.append if sleep is time.sleep else sleep, **kwargs)

    retry.call = call
    try:
        yield waited
    finally:
        retry.call = original


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


class World:
    """A service's repository (a checkout, or a bare remote on main and a clone that seeded
    it) and environment, on the server."""

    def __init__(self, service: HostileService, server: HostileServer, root: Path) -> None:
        self.service = service
        self.server = server
        self.stage = Stage(server.url, server.host, root, server.ca)
        checkout = root / "repo"
        for rel, text in repository_files(service, self.stage).items():
            path = checkout / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.repo = str(checkout)
        if service.remote:
            remote = root / "remote.git"
            subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
            _git(checkout, "init", "-q", "-b", "main")
            _git(checkout, "add", "-A")
            _git(checkout, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "seed")
            _git(checkout, "push", "-q", str(remote), "main")
            self.repo = f"file://{remote}"
        self.remote = root / "remote.git"
        self.env = service.env(self.stage) | {"GITOPS_BOT_CACHE": str(root / "cache")}
        self.good = service.all_routes(self.stage)
        self.forms = {
            f"{what} ({form})": value
            for what, secret in secrets_of(service).items()
            for form, value in secret_forms(secret, service.user).items()
        }

    def routes(self, fault: Fault | None, target: str) -> dict[str, Route]:
        """The well-behaved routes, ``target``'s answered by ``fault`` instead."""
        if fault is None:
            return self.good
        good = self.good[target]
        plain = self.service.routes(self.stage) | registry_routes(self.stage)  # (unguarded)
        others = tuple(a.body for path, a in plain.items() if path != target and isinstance(a, Answer))
        ctx = Context(self.server.url, self.service.secret, self.service.user, others)

        def hostile(seen: Seen) -> Answer:
            return fault.answer(good(seen) if callable(good) else good, seen, ctx)

        return self.good | {target: hostile}

    def argv(self) -> list[str]:
        output = () if self.service.text else ("--output", "json")
        return [*self.service.argv, "--repo", self.repo, *output]

    def run(self, fault: Fault | None, target: str) -> Outcome:
        self.server.swap(self.routes(fault, target))
        out, err = io.StringIO(), io.StringIO()
        with (
            in_process.environment(self.env),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            _retry_waits_counted() as waited,
        ):
            resident = _resident_peak_reset()
            traced = TRACED or resident is None
            if traced:
                tracemalloc.start()
            start = time.monotonic()
            try:
                code = main(self.argv())
            except Exception:  # what escapes main: a process would print it and exit 1
                print(traceback.format_exc(), file=sys.stderr, end="")
                code = 1
            finally:
                seconds = time.monotonic() - start + sum(waited)
                peak = 0 if resident is None else max(_resident_peak() - resident, 0)
                if traced:
                    peak = max(peak, tracemalloc.get_traced_memory()[1])
                    tracemalloc.stop()
        outcome = Outcome(
            code,
            out.getvalue(),
            err.getvalue(),
            seconds,
            peak,
            self.server.sent,
            list(self.server.served),
            list(self.server.seen),
        )
        if self.service.commits:
            outcome.committed = self._committed()
        return outcome

    def _committed(self) -> str:
        """The dev overlay the remote's main now holds; main is put back where it was, so the
        next example starts from the same repository."""
        show = ["git", "-C", str(self.remote), "show", "main:overlays/dev/kustomization.yaml"]
        text = subprocess.run(show, check=True, capture_output=True, text=True).stdout
        seed = subprocess.run(
            ["git", "-C", str(self.remote), "rev-list", "--max-parents=0", "main"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[0]
        _git(self.remote, "update-ref", "refs/heads/main", seed)
        return text


def _status_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match.group(1)) << 10 if match else 0


def _resident_peak_reset() -> int | None:
    """The process's resident memory now, its peak reset to it (Linux's clear_refs "5");
    None where the peak cannot be reset."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kib("VmRSS")
    except OSError:
        return None


def _resident_peak() -> int:
    return _status_kib("VmHWM")


ONE_LINE = frozenset({"reason", "error", "why", "detail", "message"})


def _said(value: Any) -> Iterator[str]:
    """The reasons and errors in a JSON document (a pull request's text has lines of its own)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in ONE_LINE and isinstance(v, str):
                yield v
            yield from _said(v)
    elif isinstance(value, list):
        for v in value:
            yield from _said(v)


def _candidates(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        c = value.get("candidate")
        if isinstance(c, dict) and "image" in value:  # an image's (a chart's is no registry tag)
            yield c
        for v in value.values():
            yield from _candidates(v)
    elif isinstance(value, list):
        for v in value:
            yield from _candidates(v)


_TAGS = re.compile(r"^/v2/acme/app/tags/list")
_MANIFESTS = re.compile(r"^/v2/acme/app/manifests/")


def problems(world: World, outcome: Outcome) -> list[str]:
    """What the command did that it must not have (empty: it held every property)."""
    found: list[str] = []
    service = world.service
    text = outcome.out + outcome.err
    # (a line of its own: an answer's text quoted in a reason may say "Traceback" too)
    if any(
        re.search(r"^\s*Traceback \(most recent call last\):", t, re.MULTILINE)
        for t in (outcome.out, outcome.err)
    ):
        found.append("a traceback")
    if outcome.code not in service.codes:
        found.append(f"exit {outcome.code}, documented: {sorted(service.codes)}")
    lines = outcome.err.splitlines()
    stray = [ln for ln in lines if not (ln.startswith("gitops-bot: ") or ln.startswith("{"))]
    if stray:
        found.append(f"{len(stray)} stderr lines not the bot's own, such as {stray[0][:120]!r}")
    errors = [ln for ln in lines if ln.startswith("gitops-bot: error")]
    if len(errors) > service.errors:
        found.append(f"{len(errors)} error lines (at most {service.errors})")
    controls = sorted({c for c in outcome.err if c in CONTROLS})
    if controls:
        found.append(f"control characters {controls!r} reached the terminal (stderr)")
    long = [ln for ln in errors if len(ln) > LINE]
    if long:
        found.append(f"an error line of {len(long[0])} characters (a person reads at most {LINE})")
    doc = None
    if service.text:  # what a person's terminal shows: an answer's text through the escaping
        shown = sorted({c for c in outcome.out if c in CONTROLS})
        if shown:
            found.append(f"control characters {shown!r} reached the terminal (stdout)")
    else:
        try:
            doc = json.loads(outcome.out)
        except ValueError:
            found.append(f"--output json printed no JSON document: {outcome.out[:120]!r}")
    multi = [s for s in _said(doc) if "\n" in s or "\r" in s]
    if multi:
        found.append(f"a reason spans lines: {multi[0][:120]!r}")
    if outcome.seconds > SECONDS:
        found.append(f"took {outcome.seconds:.0f} s (bound {SECONDS:.0f} s)")
    if outcome.peak > PEAK:
        found.append(f"held {outcome.peak >> 20} MiB of heap at its peak (bound {PEAK >> 20} MiB)")
    if outcome.sent > SENT:
        found.append(f"read {outcome.sent >> 20} MiB from the service (bound {SENT >> 20} MiB)")
    leaked = [what for what, form in world.forms.items() if form in text]
    if leaked:
        found.append(f"the {', '.join(leaked)} in the output")
    # a credential goes only to the origin configured for it, never after a redirect elsewhere
    for seen in outcome.seen:
        if seen.headers.get("Host", "").startswith("127.0.0.2"):
            sent = json.dumps(seen.headers) + seen.path
            carried = [what for what, form in world.forms.items() if form in sent]
            if carried or "Authorization" in seen.headers:
                found.append(f"a credential ({', '.join(carried) or 'Authorization'}) sent to another origin")
                break
    found += _unserved(doc, outcome)
    for digest in set(re.findall(r"sha256:[0-9a-f]{64}", outcome.committed)) - _manifests(outcome):
        found.append(f"committed {digest}, which no manifest the registry served hashes to")
    return found


def _manifests(outcome: Outcome) -> set[str]:
    return {
        "sha256:" + hashlib.sha256(s.body).hexdigest()
        for s in outcome.served
        if s.status == 200 and _MANIFESTS.match(s.path)
    }


def _unserved(doc: Any, outcome: Outcome) -> list[str]:
    manifests = _manifests(outcome)
    tag_bodies = [s.body for s in outcome.served if s.status == 200 and _TAGS.match(s.path)]
    found = []
    for c in _candidates(doc):
        digest, tag = c.get("digest"), c.get("tag")
        if digest and digest not in manifests:
            found.append(f"proposed {tag}@{digest}, a digest no manifest the registry served hashes to")
        listed = any(json.dumps(tag).encode() in b for b in tag_bodies)
        if tag and not listed and "@" not in str(tag) and not str(tag).startswith("sha256:"):
            found.append(f"proposed tag {tag!r}, which no tag list the registry served holds")
    return found
