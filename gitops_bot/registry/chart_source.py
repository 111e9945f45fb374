"""A chart's versions wherever its repository is: ``oci://`` through the registry pool's client
for that host, a classic chart repository through the pool's :class:`~.charts.ChartIndexes`."""

from __future__ import annotations

import httpx

from gitops_bot.registry.charts import DEFAULT_INDEX_LIMIT, ChartIndexes, OciChart, is_oci, oci_versions
from gitops_bot.registry.pool import RegistryPool


class ChartSource:
    """A chart's versions wherever its repository is: ``oci://`` through the registry pool's
    client for that host (its credentials, TLS, retries and, in a run, its memo), anything else
    through :class:`ChartIndexes`."""

    def __init__(self, pool: RegistryPool, indexes: ChartIndexes | None = None) -> None:
        self.pool = pool
        self.indexes = indexes or pool.chart_indexes

    def versions(self, repository: str, chart: str, *, limit: int = DEFAULT_INDEX_LIMIT) -> list[str]:
        if is_oci(repository):
            where = OciChart.parse(repository, chart)
            return oci_versions(self.pool.client(where.host).list_tags(where.repository))
        host = httpx.URL(repository).netloc.decode("ascii")
        return self.indexes.versions(
            repository, chart, limit=limit, config=self.pool.registry_config(host), env=self.pool.environ
        )
