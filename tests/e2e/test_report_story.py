"""The delivery report of a scripted week, on GitHub and on GitLab: five releases of the app
to staging by pull request (each build labelled with the source commit it came from, in a
source repository the forge fake holds), a rollback by the bot, a hold, a fix forward and the
commit an automatic rollback leaves, each merged at a chosen instant; ``report staging`` then
gives the four keys this docstring's table computes by hand, and one ``watch`` cycle serves the
same figures on ``/metrics`` (checked by ``promtool``) and on its status page.

=======  ================  ===============  ===========================================
 step     merged at         source commit    what it is
=======  ================  ===============  ===========================================
 R1       T0 + 1h           T0 - 1h          app 1.1.0 (and worker's digest pinned)
 R2       T0 + 1d           T0 + 18h         app 1.2.0
 RB       T0 + 1d3h                          rollback to R1: R2 failed, restored in 3h
 R3       T0 + 3d           T0 + 2d          app 1.3.0; held at T0 + 3d12h: failed
 R4       T0 + 5d           T0 + 5d - 30m    app 1.4.0: restores R3 (2d after it)
 R5       T0 + 6d           T0 + 6d - 2h     app 1.5.0
 ARB      T0 + 6d1h                          automatic rollback to 1.4.0: R5 failed, 1h
=======  ================  ===============  ===========================================

Releases: 7 in 30 days. Lead times 2h, 6h, 1d, 30m, 2h: median 2h, p90 (nearest rank, the
5th of 5) 1d. Changes (rollbacks aside): 5, failed 3: 60%. Restores 3h, 2d, 1h: median 3h,
p90 2d. On /metrics, the sums: lead time 2h + 6h + 1d + 30m + 2h = 34.5h; restores 52h.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gitops_bot.cli import main
from gitops_bot.commands.update import Updater
from gitops_bot.core import instants
from gitops_bot.output import status_html
from gitops_bot.release.autorollback import HOLD_PREFIX
from gitops_bot.watch import Watcher
from gitops_bot.watch.page import StatusPage
from testkit import forge_world, samples, source_repos, update_world
from testkit.paths import ROOT
from testkit.promotion_world import add_files
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

SOURCE = "org.opencontainers.image.source"
REVISION = "org.opencontainers.image.revision"
APP = "example/app"
STAGING = "overlays/staging/kustomization.yaml"
T0 = datetime(2030, 1, 6, tzinfo=UTC)
SAMPLED = tuple(  # the series the guide shows
    f"gitops_bot_dora_{s}{{"
    for s in (
        "releases",
        "lead_time_seconds",
        "lead_time_seconds_count",
        "change_failure_ratio",
        "time_to_restore_seconds",
    )
)
H, D = timedelta(hours=1), timedelta(days=1)


@dataclass
class Story:
    remote: Path
    tmp: Path
    ns: str
    pusher: Any
    sources: dict[str, Path]
    url: str  # the forge's web root
    open_numbers: Callable[[], list[int]]
    merge: Callable[[int], None]
    paths: Callable[[], list[str]]  # every request the forge fake answered


@pytest.fixture(params=["github", "gitlab"])
def story(
    request: pytest.FixtureRequest, tmp_path: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Story]:
    if request.param == "github":
        for w in update_world.world_with_token(tmp_path, registry, monkeypatch):
            yield _on_github(w)
        return
    for fw in forge_world.make_world(tmp_path, registry, monkeypatch, "gitlab", "environment"):
        yield _on_forge(fw)


def _on_github(w: update_world.World) -> Story:
    gh = w.github
    return Story(
        w.remote,
        w.tmp,
        w.ns,
        w.pusher,
        gh.sources,
        gh.url,
        lambda: [p["number"] for p in gh.open_pulls()],
        gh.merge,
        gh.paths,
    )


def _on_forge(w: forge_world.World) -> Story:
    fake: Any = w.forge
    return Story(
        w.remote,
        w.tmp,
        w.ns,
        w.pusher,
        fake.sources,
        fake.url,
        lambda: [v["number"] for v in fake.open_views()],
        fake.merge,
        fake.paths,
    )


def at(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """The bot's clock, and git's for every commit made from now on (the bot's, the forge's
    merges, the test's own), say ``when``."""
    monkeypatch.setattr(instants, "system_clock", lambda: when)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    monkeypatch.setenv("GIT_AUTHOR_DATE", stamp)
    monkeypatch.setenv("GIT_COMMITTER_DATE", stamp)


def bot(capsys: pytest.CaptureFixture[str], story: Story, *argv: str) -> dict[str, Any]:
    code = main([*argv, "--repo", f"file://{story.remote}", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def merged_at(monkeypatch: pytest.MonkeyPatch, story: Story, when: datetime) -> None:
    (number,) = story.open_numbers()
    at(monkeypatch, when)
    story.merge(number)


class AppSource:
    """The app's source repository on the story's forge, a commit a release (``Release 1.n.0``)
    dated ``dates[n]``, and builds of them pushed with their source labels."""

    def __init__(self, story: Story, dates: list[datetime], salt: str) -> None:
        repo = story.tmp / "app-source"
        self.shas = source_repos.make(
            repo,
            [(f"Release 1.{n}.0", "Ada Lovelace") for n in range(len(dates))],
            [d.strftime("%Y-%m-%dT%H:%M:%S+00:00") for d in dates],
        )
        story.sources["acme/app"] = repo
        self.story, self.salt, self.url = story, salt, f"{story.url}/acme/app"
        self.digests: dict[str, str] = {}  # tag -> digest

    def build(self, n: int) -> None:
        tag, labels = f"1.{n}.0", {SOURCE: self.url, REVISION: self.shas[n]}
        image = self.story.pusher.image(f"{self.story.ns}/app", tag, labels=labels, salt=f"{self.salt}{n}")
        self.digests[tag] = image.digest


def compares(story: Story) -> int:
    """The source comparisons the forge has answered so far."""
    return sum("compare" in p for p in story.paths())


def test_a_scripted_week_gives_the_keys_computed_by_hand(
    story: Story, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dates = [
        T0 - 2 * D,
        T0 - H,
        T0 + 18 * H,
        T0 + 2 * D,
        T0 + 5 * D - 30 * timedelta(minutes=1),
        T0 + 6 * D - 2 * H,
    ]
    app = AppSource(story, dates, f"{story.ns}-r")
    shas, digests = app.shas, app.digests

    def release(n: int, merged: datetime) -> None:
        at(monkeypatch, merged - 10 * timedelta(minutes=1))
        app.build(n)
        bot(capsys, story, "update", "--env", "staging")
        merged_at(monkeypatch, story, merged)

    app.build(0)  # what staging runs by tag: the first release compares its source with it
    release(1, T0 + H)
    release(2, T0 + D)
    at(monkeypatch, T0 + D + 2 * H)
    bot(capsys, story, "rollback", "staging", "--steps", "1")
    merged_at(monkeypatch, story, T0 + D + 3 * H)
    bot(capsys, story, "unhold", "staging", APP)
    merged_at(monkeypatch, story, T0 + 2 * D)
    release(3, T0 + 3 * D)
    bot(capsys, story, "hold", "staging", APP, "--reason", "error budget spent")
    merged_at(monkeypatch, story, T0 + 3 * D + 12 * H)
    bot(capsys, story, "unhold", "staging", APP)
    merged_at(monkeypatch, story, T0 + 4 * D)
    release(4, T0 + 5 * D)
    release(5, T0 + 6 * D)
    # what an automatic rollback leaves on the base: 1.4.0 restored, held with its reason
    at(monkeypatch, T0 + 6 * D + H)
    overlay = git(story.remote, "show", f"main:{STAGING}")
    back = overlay.replace("1.5.0", "1.4.0").replace(digests["1.5.0"], digests["1.4.0"])
    holds = f'staging:\n  {APP}: "{HOLD_PREFIX} 1.5.0 rolled back: Degraded for 10m"\n'
    add_files(story, {STAGING: back, "gitops-bot.holds.yaml": holds})

    at(monkeypatch, T0 + 7 * D)
    compared = compares(story)
    doc = bot(capsys, story, "report", "staging")
    # each of the bot's releases recorded, in its commit, the source commit its new build came
    # from and when (the release contents' answer): the report asks the forge nothing
    assert compares(story) == compared
    trailers = git(story.remote, "log", "--format=%(trailers:key=Gitops-Bot-Built-From,valueonly)", "main")
    assert trailers.split() == [
        w
        for n in (5, 4, 3, 2, 1)
        for w in (APP, digests[f"1.{n}.0"], shas[n], instants.format_instant(dates[n]))
    ]
    # and `history` shows what each release recorded
    recorded = [
        r["built_from"] for r in bot(capsys, story, "history", "staging")["releases"] if r["built_from"]
    ]
    assert recorded == [
        {APP: {"digest": digests[f"1.{n}.0"], "source_time": instants.format_instant(dates[n])}}
        for n in (5, 4, 3, 2, 1)
    ]

    assert doc["schema"] == "gitops-bot/report/v1"
    (env,) = doc["environments"]
    assert env["environment"] == "staging"
    assert env["deployment_frequency"] == {"releases": 7, "per_day": 0.233, "per_week": 1.633, "days": 30.0}
    lead = env["lead_time"]
    assert (lead["median"], lead["p90"], lead["count"], lead["releases"]) == ("2h", "1d", 5, 5)
    assert lead["unread"] == []
    cfr = env["change_failure_rate"]
    assert (cfr["rate"], cfr["failed"], cfr["releases"], cfr["span"]) == (0.6, 3, 5, "1d")
    causes = [(f["cause"], f["image"], f["time_to_restore"]) for f in cfr["failures"]]
    assert causes == [("auto_rollback", APP, "1h"), ("hold", APP, "2d"), ("rollback", APP, "3h")]
    ttr = env["time_to_restore"]
    assert (ttr["median"], ttr["p90"], ttr["count"], ttr["unread"]) == ("3h", "2d", 3, [])

    code = main(["report", "staging", "--repo", f"file://{story.remote}"])
    text, _ = capsys.readouterr()
    assert code == 0
    assert "lead time            median 2h, p90 1d" in text
    assert "change failure rate  60.0%" in text
    assert "3 of 5 releases" in text
    # the guide shows this output, its ids given stand-ins: the same on every forge
    samples.text(ROOT / "docs/guides/delivery-report.md", "report-sample: text", samples.stand_ins(text))

    metrics, page, status = watched(story)
    assert status["delivery"]["environments"] == doc["environments"]  # the report's own figures
    assert (status["delivery_error"], status["delivery"]["schema"]) == (None, "gitops-bot/report/v1")
    assert _promtool(metrics) == ""
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics)
        if family.name.startswith("gitops_bot_dora_")
        for s in family.samples
    }
    staging = (("environment", "staging"),)

    def series(name: str, quantile: str | None = None) -> float:
        labels = tuple(
            sorted((*staging, *((("quantile", quantile),) if quantile else ())), key=lambda x: x[0])
        )
        return found.pop((f"gitops_bot_dora_{name}", labels))

    hours = 3600.0
    assert found.pop(("gitops_bot_dora_period_seconds", ())) == 30 * 24 * hours
    assert found.pop(("gitops_bot_dora_computed_timestamp_seconds", ())) == (T0 + 7 * D).timestamp()
    assert series("releases") == 7 and series("deployment_frequency_per_day") == pytest.approx(7 / 30)
    assert (series("lead_time_seconds", "0.5"), series("lead_time_seconds", "0.9")) == (2 * hours, 24 * hours)
    assert series("lead_time_seconds_count") == 5  # the image changes it rests on
    assert series("lead_time_seconds_sum") == (2 + 6 + 24 + 0.5 + 2) * hours
    assert (series("lead_time_releases"), series("lead_time_unread")) == (5, 0)
    assert series("change_failure_ratio") == 0.6
    assert (series("changes"), series("change_failures"), series("change_failure_unread")) == (5, 3, 0)
    assert series("time_to_restore_seconds", "0.5") == 3 * hours
    assert series("time_to_restore_seconds", "0.9") == 48 * hours
    assert series("time_to_restore_seconds_count") == 3
    assert series("time_to_restore_seconds_sum") == (1 + 48 + 3) * hours
    assert series("time_to_restore_unread") == 0
    assert found == {}, "a series no hand-computed figure checks"
    shown = [ln for ln in metrics.splitlines() if ln.startswith(SAMPLED)]
    samples.text(ROOT / "docs/guides/delivery-report.md", "report-sample: metrics", "\n".join(shown))

    delivery = page.split("Delivery (last 30 days)", 1)[1].split("</table>", 1)[0]
    cells = [html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", delivery)]
    assert cells[-5:] == [
        "staging",
        "7 (0.23 a day, 1.6 a week)",
        "median 2h, p90 1d (5 image changes in 5 releases)",
        "60.0% (3 of 5)",
        "median 3h, p90 2d (3 failures in 3 releases)",
    ]


def test_a_release_made_by_hand_is_read_from_its_build_s_labels_once(
    story: Story, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A release the bot did not make records no source commit: the report reads its build's
    labels and asks the forge, once; run again, it takes what it read from the bot's cache;
    a cache that does not read as the bot's is not used. The bot's own release asks nothing."""
    app = AppSource(story, [T0 - 2 * D, T0 - H, T0 + 18 * H], f"{story.ns}-h")
    app.build(0)
    app.build(1)
    at(monkeypatch, T0 + 50 * timedelta(minutes=1))
    bot(capsys, story, "update", "--env", "staging")
    merged_at(monkeypatch, story, T0 + H)  # the bot's release of 1.1.0
    app.build(2)
    at(monkeypatch, T0 + D)  # a person's of 1.2.0, by hand on the base
    overlay = git(story.remote, "show", f"main:{STAGING}")
    moved = overlay.replace("1.1.0", "1.2.0").replace(app.digests["1.1.0"], app.digests["1.2.0"])
    add_files(story, {STAGING: moved})

    at(monkeypatch, T0 + 2 * D)
    asked = compares(story)
    doc = bot(capsys, story, "report", "staging")
    lead = doc["environments"][0]["lead_time"]
    assert (lead["median"], lead["p90"], lead["count"], lead["unread"]) == ("4h", "6h", 2, [])  # 2h, 6h
    assert compares(story) == asked + 1  # the person's release only
    assert bot(capsys, story, "report", "staging") == doc
    assert compares(story) == asked + 1  # run again: taken from the bot's cache
    (kept,) = (Path(os.environ["GITOPS_BOT_CACHE"]) / "report").glob("*.json")
    kept.write_text('{"schema": "gitops-bot/report-cache/v1", "sources": [[1, 2, 3]], "x": [[[[')
    assert bot(capsys, story, "report", "staging") == doc
    assert compares(story) == asked + 2  # a cache that is not the bot's: read again, alike


def watched(story: Story) -> tuple[str, str, dict[str, Any]]:
    """One ``watch`` cycle over staging with the status page: what its listener serves at
    ``/metrics``, ``/`` and ``/status.json`` (the one repository's entry)."""
    page = StatusPage(status_html.render, csp=status_html.CONTENT_SECURITY_POLICY)
    watcher = Watcher(lambda: Updater(f"file://{story.remote}"), interval=3600, envs=["staging"], page=page)

    asked = compares(story)
    assert watcher.cycle() == (True, False)
    assert watcher.cycle() == (True, False)
    assert compares(story) == asked  # the bot's releases recorded their builds' source commits
    server = watcher.serve("127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        metrics, shown, status = (httpx.get(base + p, timeout=10) for p in ("/metrics", "/", "/status.json"))
    finally:
        server.shutdown()
        server.server_close()
    (repository,) = status.json()["repositories"]
    return metrics.text, shown.text, repository


def _promtool(metrics: str) -> str:
    """What Prometheus's own linter finds wrong in the exposition (nothing: "")."""
    binary = shutil.which("promtool")
    assert binary, "promtool is not installed: apt-get install -y prometheus (scripts/apt-install.sh)"
    done = subprocess.run(
        [binary, "check", "metrics"], input=metrics, capture_output=True, text=True, timeout=60
    )
    return done.stdout + done.stderr + ("" if done.returncode == 0 else f"exit {done.returncode}")
