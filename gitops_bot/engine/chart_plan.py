"""The charts of ``gitops-bot plan``: each environment's chart sites, every (repository, chart)'s
versions read once, the chart's policy choosing among them, holds, and the signatures of
``oci://`` chart versions where ``verify:`` asks. The decisions are
:mod:`gitops_bot.release.planning`'s (``chart_item``); the concurrent reads go through the
registry fan-out (:mod:`gitops_bot.engine.fanout`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from urllib.parse import urlsplit

from gitops_bot.config import EnvironmentConfig
from gitops_bot.core.errors import GitOpsBotError, RegistryUnavailable
from gitops_bot.core.model import Choice, EnvironmentMode, PlanAction, PlanItem, Verification
from gitops_bot.engine.app import App
from gitops_bot.engine.fanout import gather
from gitops_bot.policy import Policy
from gitops_bot.registry.chart_source import ChartSource
from gitops_bot.registry.charts import OciChart, oci_tag
from gitops_bot.release import planning
from gitops_bot.release.planning import ChartTarget
from gitops_bot.trust.settings import VerifyConfig


def plan_charts(
    app: App, envs: Sequence[EnvironmentConfig], only: Collection[str] | None
) -> dict[str, list[PlanItem]]:
    """Each environment's chart items: the versions of each (repository, chart) read once,
    concurrently, and the chart's policy choosing among them. A targeted cycle (``only``, a
    registry push) plans no charts: pushes name images."""
    if only is not None or not app.config.charts:
        return {env.name: [] for env in envs}
    for c in app.config.charts:
        if c.verify is not None:
            app.vetting.verifier.prepare(c.verify)  # a missing key is exit 2 before any request
    targets = {env.name: app.chart_targets(env) for env in envs}
    asking = [
        t
        for ts in targets.values()
        for t in ts
        # a place other environments render too is not released for one: its versions unasked
        if t.version is not None
        and t.exact
        and not t.shared
        and t.environment.mode is EnvironmentMode.REGISTRY
    ]
    source = ChartSource(app.registries)
    limits = {c.name: c.index_limit for c in app.config.charts}
    try:
        versions = gather(
            app,
            # in order: the first failure in the keys' order is the run's error, so the same
            # repository is named every run, not whichever failed first
            sorted({(t.chart.repository, t.chart.name) for t in asking}),
            lambda k: source.versions(k[0], k[1], limit=limits[k[1]]),
            what="listing chart versions",
        )
    except RegistryUnavailable as e:
        e.message += _mirror_unread(app, {t.chart.repository for t in asking})
        raise
    policies = {c.name: Policy(c.policy) for c in app.config.charts}
    out: dict[str, list[PlanItem]] = {}
    for env in envs:
        items = []
        runs = _source_runs(app, env)
        for t in targets[env.name]:
            listed = versions.get((t.chart.repository, t.chart.name))
            choice: Choice | str | None = None
            if isinstance(listed, GitOpsBotError):
                choice = str(listed)
            elif listed is not None:
                choice = policies[t.chart.name].choose(listed, t.version)
            item = planning.chart_item(t, choice)
            if runs is not None and (stuck := planning.chart_not_promotable(t, runs)) is not None:
                item = stuck
            items.append(item)
        out[env.name] = items
    verdicts = _verify(app, [i for items in out.values() for i in items])
    for env in envs:
        held = app.held(env.name)
        for n, item in enumerate(out[env.name]):
            if (item.environment, item.image) in verdicts:
                item = planning.verified(item, verdicts[item.environment, item.image])
            if item.image in held and item.current is not None:
                item = planning.held(item, held[item.image], promoted=env.mode is EnvironmentMode.PROMOTION)
            out[env.name][n] = item
    return out


def _mirror_unread(app: App, repositories: Collection[str]) -> str:
    """What to add to an unreachable chart repository's line where ``registries:`` gives the host
    of a classic one a mirror: a mirror stands in for an image registry only, so a user who set
    one for a chart repository's host (to plan offline, behind a cache) hears why it was not
    asked."""
    hosts = sorted(
        {
            netloc
            for r in repositories
            if r.startswith(("https://", "http://"))
            and (netloc := urlsplit(r).netloc)
            and any(
                (c := app.config.registries.get(h)) is not None and c.mirror
                for h in {netloc, urlsplit(r).hostname or netloc}
            )
        }
    )
    if not hosts:
        return ""
    return (
        f"; the registries: mirror of {', '.join(hosts)} is not read for its chart repositories: a mirror "
        "stands in for an image registry, and a classic chart repository's index.yaml is read at its own "
        "address (leave charts: out to plan the images first: docs/guides/your-repository.md)"
    )


def _source_runs(app: App, env: EnvironmentConfig) -> dict[str, ChartTarget] | None:
    """What the environment's promotion source pins of each chart, whether or not it is
    planned in this run (None: the environment takes no promotions): a chart it does not pin,
    or pins only as a range, is one ``promote`` can never carry, as an image the source does
    not run (engine/plan.py)."""
    if env.mode is not EnvironmentMode.PROMOTION or not env.promote_from:
        return None
    source = app.config.environment(env.promote_from)
    return planning.source_chart_pins(app.chart_targets(source))


def _verify(app: App, items: Sequence[PlanItem]) -> dict[tuple[str, str], Verification]:
    """Signature verdicts for the OCI chart versions the plan would write where the chart's
    ``verify:`` applies: each version's digest resolved from its tag, then checked as an
    image's digest is."""
    wanted: dict[tuple[str, str], tuple[OciChart, str, VerifyConfig]] = {}
    for i in items:
        chart = app.config.chart(i.image)
        spec = chart.verify if chart else None
        if i.action is not PlanAction.UPDATE or chart is None or spec is None or i.candidate is None:
            continue
        if spec.environments and i.environment not in spec.environments:
            continue
        wanted[(i.environment, i.image)] = (
            OciChart.parse(chart.repository, chart.name),
            i.candidate.tag,
            spec,
        )

    def check(k: tuple[OciChart, str, VerifyConfig]) -> Verification:
        where, version, spec = k
        client = app.registries.client(where.host)
        digest = client.resolve_digest(where.repository, oci_tag(version))
        return app.vetting.verifier.verify(
            client, f"{where.host}/{where.repository}", where.repository, digest, spec
        )

    found = gather(app, set(wanted.values()), check, what="verifying chart signatures")
    out = {}
    for key, k in wanted.items():
        v = found[k]
        out[key] = v if isinstance(v, Verification) else Verification(False, f"cannot verify: {v}")
    return out
