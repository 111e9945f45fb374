"""The playground: the demo's world left running, to try what the bot does one command at a time.

``bash scripts/demo.sh --keep`` runs the demo, then keeps its world up — the registry, the git
remote, the GitHub- and Argo CD-compatible services — adds a soak before production
(``auto_promote: {from: staging, after: 1h}``) and an automatic rollback of staging
(``auto_rollback: {after: 10m}``), and starts ``gitops-bot watch`` with its status page. The
registry tells ``watch`` of every push (its real notifications). ``scripts/play VERB`` talks
to it from another terminal:

    scripts/play push app 1.5.0          a new build (signed by CI's key), as CI pushes it
    scripts/play merge staging           a reviewer merges staging's pull request; Argo CD syncs
    scripts/play health staging Degraded Argo CD reports staging Degraded (or Healthy)
    scripts/play wait 1h                 the playground's clock moves on
    scripts/play revert production       a person rolls production back by hand (git revert)
    scripts/play prs [N]                 the pull requests, or #N in full (description, commits, diff)
    scripts/play bot status              any gitops-bot command, on the playground's repository
    scripts/play down                    stop everything and remove the playground

Each verb that changes the world ends with one ``watch`` cycle, run at once and waited for,
so what the bot made of it is there when the verb returns. The playground's time is its own
(:mod:`testkit.playground_clock`, loaded only by the bot processes the playground starts).

The running playground answers on a loopback control port whose address and token are in
``.playground/state.json`` (mode 0600) in the checkout; ``down`` and Ctrl-C remove it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from gitops_bot.core.outside import terminal_text
from testkit import cosign, forge_view, source_repos
from testkit.argocd_server import application
from testkit.demo import Stage, banner, running_images
from testkit.jsonapi import JSONServer
from testkit.oci import Pusher
from testkit.play import APPLICATIONS, CYCLE_TIMEOUT, IMAGES, ROOT, STATE
from testkit.playground_clock import WORK_ENV, git_dates, now, read_number, write_number
from testkit.relay import Relay
from testkit.watch_process import Proc

WEBHOOK_TOKEN = "playground-registry-hook-" + secrets.token_hex(8)
SETTINGS = {  # what the playground adds to the example, by a commit on main
    "staging": "    auto_rollback: {after: 10m}\n",
    "production": "    argocd_application: app-production\n    auto_promote: {from: staging, after: 1h}\n",
}
TRY = """\
The playground is up. In another terminal, from this checkout, try (each is one command):

  scripts/play bot status                  what every environment runs and what the bot decided
  scripts/play push app 1.5.0              CI pushes a new build: watch opens the pull requests
  scripts/play prs                         the pull requests (scripts/play prs 4: one in full)
  scripts/play merge staging               merge staging's pull request; Argo CD syncs it
  scripts/play wait 1h                     let an hour pass: the soak ends, production is promoted
  scripts/play health staging Degraded     staging breaks: after 10 minutes it is rolled back
  scripts/play bot freeze production --until 2h --reason 'launch'
  scripts/play revert production           a person rolls production back by hand: it stays so
  scripts/play down                        stop everything

The status page: {page}
The pull requests, as a reviewer reads them: {pulls}
The walk-through: docs/guides/tutorial.md
"""


def registry_endpoint(url: str) -> dict[str, Any]:
    """The registry's notification endpoint for the playground's watch (through a relay:
    watch's port is known only once it listens)."""
    return {
        "name": "gitops-bot",
        "url": f"{url}/webhook/registry",
        "headers": {"Authorization": [f"Bearer {WEBHOOK_TOKEN}"]},
        "timeout": "2s",
        "threshold": 1,
        "backoff": "1s",
        "ignore": {"actions": ["pull"]},
    }


def environment_of(branch: str) -> str:
    """``gitops-bot/staging``, ``gitops-bot/promotion/production`` -> the environment."""
    return branch.rsplit("/", 1)[-1]


def find(pulls: list[dict[str, Any]], target: str) -> dict[str, Any] | None:
    """The pull request ``target`` names: its number (``4``, ``#4``), its branch without the
    prefix (``freeze/production``), or its environment; the newest when several match."""
    newest = sorted(pulls, key=lambda p: -int(p["number"]))
    return (
        next((p for p in newest if str(p["number"]) == target.lstrip("#")), None)
        or next((p for p in newest if p["head"]["ref"].split("/", 1)[-1] == target), None)
        or next((p for p in newest if environment_of(p["head"]["ref"]) == target), None)
    )


@dataclass
class Playground:
    st: Stage
    work: Path
    watch: Proc | None = None
    page: str = ""
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one verb at a time

    # -- start and stop ----------------------------------------------------------------

    @contextlib.contextmanager
    def at_its_time(self) -> Iterator[None]:
        """The git commits a verb makes (a merge, a person's revert, a build's source commit)
        dated by the playground's clock, as watch's own are: ``report`` and ``history`` date
        releases and restores by their commits."""
        saved = {k: os.environ.get(k) for k in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")}
        os.environ.update(git_dates(self.work))
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def configure(self) -> None:
        """The soak and the automatic rollback, committed on main as a person would."""
        git, repo = source_repos.git, self.st.repo
        git(repo, "pull", "-q", "--ff-only", "origin", "main")
        config = repo / "gitops-bot.yaml"
        text = config.read_text()
        for env, lines in SETTINGS.items():
            anchor = f"  - name: {env}\n    path: overlays/{env}\n"
            text = text.replace(anchor, anchor + lines, 1)
        config.write_text(text)
        git(repo, "add", "gitops-bot.yaml")
        message = "Soak releases in staging for an hour; roll staging back when it breaks"
        git(repo, "-c", "user.name=Pat Example", "-c", "user.email=pat@example.com", "commit", "-qm", message)
        git(repo, "push", "-q", "origin", "main")
        for env in APPLICATIONS:
            self._synced(env)

    def start_watch(self, relay: Relay) -> None:
        os.environ.update({**self.st.env, WORK_ENV: str(self.work), "REGISTRY_WEBHOOK_TOKEN": WEBHOOK_TOKEN})
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        self.watch = Proc(
            [
                sys.executable,
                "-m",
                "testkit.playground_clock",
                "watch",
                "--repo",
                str(self.st.repo),
                "--listen",
                "127.0.0.1:0",
                "--status-page",
            ]
        )
        self.watch.wait_for("watch to listen", lambda: self.watch and self.watch.events("listening"))
        port = self.watch.events("listening")[0]["port"]
        relay.upstream = f"http://127.0.0.1:{port}"
        self.page = f"http://127.0.0.1:{port}/"
        self.watch.wait_for(
            "watch's first cycle", lambda: self.watch and self.watch.events("cycle"), timeout=120
        )

    def stop_watch(self) -> None:
        if self.watch is not None and self.watch.p.poll() is None:
            self.watch.p.send_signal(signal.SIGTERM)
            try:
                self.watch.p.wait(timeout=40)
            except Exception:
                self.watch.p.kill()
                self.watch.p.wait()

    # -- the verbs -----------------------------------------------------------------------

    def cycle(self) -> str:
        """One full watch cycle, begun after this call and waited for; the open pull requests."""
        asked = read_number(self.work / "cycle-asked") + 1
        write_number(self.work / "cycle-asked", asked)
        deadline = time.monotonic() + CYCLE_TIMEOUT
        assert self.watch is not None
        while read_number(self.work / "cycle-done") < asked:
            if self.watch.p.poll() is not None:
                return "watch has stopped; its log:\n" + "".join(self.watch.lines[-20:])
            if time.monotonic() > deadline:
                return f"watch did not finish a cycle in {CYCLE_TIMEOUT:.0f} s"
            time.sleep(0.1)
        last = self.watch.events("cycle")[-1]
        note = "" if last.get("result") == "success" else f"\nthe cycle failed: {last.get('error', last)}"
        return "watch ran a cycle." + note + "\n" + self.open_prs()

    def open_prs(self) -> str:
        pulls = self.st.gh.open_pulls()
        if not pulls:
            return "no open pull requests"
        return "open pull requests:\n" + "\n".join(
            f"  #{p['number']} {terminal_text(p['head']['ref'])}: {terminal_text(p['title'])}" for p in pulls
        )

    def prs(self, number: str | None = None) -> str:
        """Every pull request, open ones first, or one in full (description, commits, diff)."""
        gh = self.st.gh
        with gh.lock:
            pulls = [dict(p) for p in gh.pulls]
        if number is not None:
            pr = find(pulls, number)
            if pr is None:
                raise ValueError(f"no pull request for {number!r}; scripts/play prs lists them")
            return forge_view.text(self.st.remote, pr)
        where = f"{gh.web_url}/{gh.repository}/pulls"
        if not pulls:
            return f"no pull requests yet ({where})"
        listed = sorted(pulls, key=lambda p: (p["state"] != "open", -p["number"]))
        return (
            f"pull requests ({where}):\n"
            + "\n".join("  " + forge_view.summary_line(p) for p in listed)
            + "\none in full (description, commits, diff): scripts/play prs NUMBER"
        )

    def push(self, image: str, tag: str) -> str:
        if image not in IMAGES:
            raise ValueError(f"no image {image!r} here; one of: {', '.join(IMAGES)}")
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag):
            raise ValueError(f"{tag!r} is not a tag (letters, digits, '_', '.', '-')")
        repository, signed = IMAGES[image]
        when = now(self.work).strftime("%Y-%m-%dT%H:%M:%SZ")
        labels = None
        if image == "app":  # a commit in the app's source for this build, so its PR lists it
            source_repos.git(
                self.st.source,
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                f"Release {tag}",
                env={
                    "GIT_AUTHOR_NAME": "Ada Lovelace",
                    "GIT_AUTHOR_EMAIL": "ada@example.com",
                    "GIT_COMMITTER_NAME": "Ada Lovelace",
                    "GIT_COMMITTER_EMAIL": "ada@example.com",
                },
            )
            revision = source_repos.git(self.st.source, "rev-parse", "HEAD")
            labels = {
                "org.opencontainers.image.source": f"{self.st.gh.url}/acme/app",
                "org.opencontainers.image.revision": revision,
            }
        pusher = Pusher.to(self.st.registry.url)
        try:
            pushed = pusher.image(repository, tag, created=when, labels=labels, salt=f"{tag}-{time.time()}")
            if signed:
                host = self.st.registry.host
                cosign.sign_image(pusher, repository, f"{host}/{repository}", pushed.digest, self.st.key)
        finally:
            pusher.close()
        signature = ", signed by CI's key" if signed else ""
        return f"pushed {repository}:{tag} ({pushed.digest[:19]}…){signature}\n" + self.cycle()

    def merge(self, target: str) -> str:
        pr = find(self.st.gh.open_pulls(), target)
        if pr is None:
            return f"no open pull request for {target!r}\n" + self.open_prs()
        env = environment_of(pr["head"]["ref"])
        overlay = f"overlays/{env}"
        before = running_images(self.st.remote, overlay) if env in APPLICATIONS else None
        self.st.gh.merge(pr["number"])
        said = f"merged #{pr['number']} ({terminal_text(pr['title'])})"
        if before is not None and running_images(self.st.remote, overlay) != before:
            self._synced(env)
            said += f"; Argo CD synced {APPLICATIONS[env]}: Synced, Healthy"
        return said + "\n" + self.cycle()

    def health(self, env: str, status: str) -> str:
        if env not in APPLICATIONS:
            return f"no Argo CD application for {env!r}; one of: {', '.join(APPLICATIONS)}"
        name = APPLICATIONS[env]
        app = self.st.argo.apps[name]
        t = _rfc3339(self.work)
        app["status"]["health"] = {"status": status, "lastTransitionTime": t}
        if status != "Healthy":
            app["status"]["health"]["message"] = "Deployment app: 0 of 2 replicas ready (CrashLoopBackOff)"
        app["status"]["reconciledAt"] = t
        return f"Argo CD reports {name} {status}\n" + self.cycle()

    def wait(self, duration: str) -> str:
        from gitops_bot.watch import parse_duration

        seconds = parse_duration(duration)
        write_number(self.work / "clock", read_number(self.work / "clock") + seconds)
        t = _rfc3339(self.work)
        for app in self.st.argo.apps.values():  # Argo CD keeps reconciling meanwhile
            app["status"]["reconciledAt"] = t
        return f"{timedelta(seconds=seconds)} passed: the playground's time is {t}\n" + self.cycle()

    def revert(self, env: str) -> str:
        """What a person does to roll an environment back: revert its last change on main."""
        person = self.work / "person"
        git = source_repos.git
        if not person.exists():
            git(self.work, "clone", "-q", str(self.st.remote), str(person))
        git(person, "pull", "-q", "--ff-only")
        last = git(person, "log", "-1", "--format=%H %s", "--", f"overlays/{env}")
        if not last:
            return f"nothing to revert in overlays/{env}"
        sha, subject = last.split(" ", 1)
        git(
            person,
            "-c",
            "user.name=Pat Example",
            "-c",
            "user.email=pat@example.com",
            "revert",
            "--no-edit",
            sha,
        )
        git(person, "push", "-q", "origin", "HEAD:main")
        said = f"Pat Example reverted {sha[:7]} ({subject}) on main"
        if env in APPLICATIONS:
            self._synced(env)
        return said + "\n" + self.cycle()

    def _synced(self, env: str) -> None:
        """Argo CD after syncing ``env`` at main: Synced, Healthy, deployed now."""
        t = _rfc3339(self.work)
        self.st.argo.apps[APPLICATIONS[env]] = application(
            APPLICATIONS[env],
            running_images(self.st.remote, f"overlays/{env}"),
            health_since=t,
            finished=t,
            deployed=(t,),
            reconciled=t,
        )


def _rfc3339(work: Path) -> str:
    return now(work).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the control port ----------------------------------------------------------------------


@dataclass
class Control(JSONServer):
    playground: Playground | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def __post_init__(self) -> None:
        self._serve(self.handle)

    def handle(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, Any, dict[str, str]]:
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"text": "not the playground's token"}, {}
        pg = self.playground
        assert pg is not None
        verb, args = path.strip("/"), (body or {}).get("args", [])
        verbs: dict[str, Callable[..., str]] = {
            "push": pg.push,
            "merge": pg.merge,
            "health": pg.health,
            "wait": pg.wait,
            "revert": pg.revert,
            "prs": pg.prs,
        }
        if verb == "down":
            pg.stop.set()
            return 200, {"text": "stopping the playground"}, {}
        if method != "POST" or verb not in verbs:
            return 404, {"text": f"no verb {verb!r}"}, {}
        with pg.lock, pg.at_its_time():
            try:
                return 200, {"text": verbs[verb](*args)}, {}
            except (ValueError, TypeError) as exc:
                return 400, {"text": str(exc)}, {}


def serve(st: Stage, work: Path, relay: Relay) -> int:
    """Keep ``st`` up with watch and the control port until ``down`` or a signal."""
    pg = Playground(st, work)
    st.gh.clock = lambda: now(work)  # a pull request's stamps by the playground's clock too
    pg.configure()
    with Control(playground=pg) as control:
        try:
            pg.start_watch(relay)
            STATE.parent.mkdir(exist_ok=True)
            fd = os.open(STATE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(
                    {
                        "control": control.url,
                        "token": control.token,
                        "work": str(work),
                        "repo": str(st.repo),
                        "registry": st.registry.url,
                        "page": pg.page,
                        "pulls": f"{st.gh.web_url}/{st.gh.repository}/pulls",
                        "env": st.env,
                        "pid": os.getpid(),
                    },
                    f,
                )
            banner("playground")
            pulls = f"{st.gh.web_url}/{st.gh.repository}/pulls"
            print(TRY.format(page=pg.page, pulls=pulls), flush=True)
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: pg.stop.set())
            while not pg.stop.wait(0.5):
                if pg.watch is not None and pg.watch.p.poll() is not None:
                    print("watch stopped; its log:\n" + "".join(pg.watch.lines[-20:]), file=sys.stderr)
                    return 1
            return 0
        finally:
            pg.stop_watch()
            with contextlib.suppress(FileNotFoundError):
                STATE.unlink()
            print("the playground is down", flush=True)
