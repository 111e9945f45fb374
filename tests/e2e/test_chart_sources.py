"""Chart versions from the real registry process, pushed there by the real ``helm``: the tags
helm writes (``+`` as ``_``) read back as the chart's versions, through the registry pool."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.registry.chart_source import ChartSource
from gitops_bot.registry.charts import ChartIndexes
from gitops_bot.registry.pool import RegistryPool
from testkit import helm_charts
from testkit.registry_process import RegistryProcess


def test_helm_pushed_versions_are_listed_with_build_metadata_restored(
    registry: RegistryProcess, tmp_path: Path
) -> None:
    where = helm_charts.push(tmp_path, "sourced", ["1.2.3", "1.2.4+build.5", "1.3.0-rc.1"], registry.host)
    with RegistryPool() as pool:
        source = ChartSource(pool, ChartIndexes())
        assert sorted(source.versions(where, "sourced")) == ["1.2.3", "1.2.4+build.5", "1.3.0-rc.1"]
        assert sorted(pool.client(registry.host).list_tags("charts/sourced")) == [
            "1.2.3",
            "1.2.4_build.5",
            "1.3.0-rc.1",
        ]
