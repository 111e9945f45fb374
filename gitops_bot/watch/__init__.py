"""``gitops-bot watch``: the update cycle forever, for a long-running container.

* One cycle is one ``update`` run (a fresh fetch, plan, releases) of every repository served.
  Cycles start every ``interval`` with jitter, so a fleet of bots does not hit the registry in
  step.
* An outage (registry, git remote or GitHub unavailable) backs off exponentially up to
  ``MAX_BACKOFF_FACTOR`` intervals instead of hot-looping; any other failure (a config mistake
  someone is about to fix) waits one interval. A usage error exits 2 only before the first
  successful cycle (the set-up is wrong); after it (a broken gitops-bot.yaml pushed), the
  cycle counts as failed, /readyz answers 503 until a cycle succeeds, and the loop goes on.
* Many repositories (``--repo`` repeated, ``--repositories FILE``, ``--shard``): each cycle
  works them through :mod:`gitops_bot.commands.fleet` (at most ``parallel`` at once, one registry pool
  for every repository and every cycle: connections, limits and tokens stay, answers are
  forgotten when a cycle starts). A failing repository is logged and counted with its
  ``repository`` label; the others go on. Exit 2 at start only when *every* repository fails
  its runs on a usage error before any ever worked; one wrong repository of five is reported
  (log, metrics, /readyz body) and retried every cycle while the four are served.
* SIGTERM/SIGINT: the current release is finished (push and pull request together), the rest
  of the cycle is abandoned (every repository's registry reads aborted, no other repository
  started), and the process exits 0; never a half-pushed branch.
* One structured log line per cycle (and per repository when there are many) and per change,
  and an HTTP endpoint (:mod:`.http`): ``/healthz`` (the loop is alive), ``/readyz`` (a recent
  cycle succeeded; many: for at least one repository) and ``/metrics`` (Prometheus text, with
  each environment's delivery figures as ``gitops-bot report`` computes them, :mod:`.delivery`).
* ``POST /webhook/<source>``: registry push notifications (:mod:`gitops_bot.events`) run a
  targeted cycle between the full ones, debounced, never alongside another cycle, in the
  repositories whose config names the pushed image.
"""

from gitops_bot.watch.http import Metrics, parse_listen
from gitops_bot.watch.loop import MAX_BACKOFF_FACTOR, Watcher, next_delay, parse_duration
from gitops_bot.watch.targets import is_ready

__all__ = [
    "MAX_BACKOFF_FACTOR",
    "Metrics",
    "Watcher",
    "is_ready",
    "next_delay",
    "parse_duration",
    "parse_listen",
]
