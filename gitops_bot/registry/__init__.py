"""Where versions come from: the OCI Distribution API.

* :mod:`.pool` one client per registry host, shared by threads and repositories.
* :mod:`.client` the questions a plan asks (tags, digests, metadata, signatures), sent by
  :mod:`.retrying` (deadline, retries, failures sorted); :mod:`.answers` reads the replies.
* :mod:`.session` credentials, 401 challenges (:mod:`.auth`) and redirects over
  :mod:`gitops_bot.net`'s transport (httpx: proxies, trust stores, HTTP/2, deadlines, caps).
* :mod:`.settings` the ``registries:`` settings; :mod:`.credentials` where secrets come from.
* :mod:`.charts` Helm chart versions: classic repositories' ``index.yaml`` (read once a cycle,
  revalidated, capped; :mod:`.chart_index` reads it) and OCI tags as chart versions;
  :mod:`.chart_source` picks one by the repository's URL.

This package's init imports nothing: ``config`` imports :mod:`.settings` on every command.
"""
