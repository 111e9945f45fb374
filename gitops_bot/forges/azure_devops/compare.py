"""Azure Repos' answer to "what is between two revisions": its commit list between them
(``POST .../commitsbatch``), read page by page; pull requests from its completion subject."""

from __future__ import annotations

import base64
from urllib.parse import quote

from gitops_bot.core.secret import Origin
from gitops_bot.forges import compare_kit as kit
from gitops_bot.forges.azure_devops import adapter, entry
from gitops_bot.forges.registry import FORGES
from gitops_bot.net.auth import OriginAuth


def source_api(api_url: str | None, remote: str | None) -> tuple[Origin | None, str]:
    """The API is on the server itself; the source URL names its path (collection, project)."""
    api = api_url or remote or ""
    if entry.is_azure_host(api.rstrip("/") + "/_"):
        api = entry.CLOUD  # {org}.visualstudio.com is dev.azure.com/{org}
    return Origin.of(api), api


def source_auth(api_url: str, token: str) -> OriginAuth:
    """A PAT as Basic with an empty user."""
    return OriginAuth(api_url, "Basic " + base64.b64encode(f":{token}".encode()).decode())


def web_origin(repository: str, web: Origin) -> Origin | None:
    """{org}.visualstudio.com is dev.azure.com."""
    if entry.is_azure_host(repository):
        found = entry.parse_remote(repository)
        return Origin.of(found.server) if found else None
    return web


def compare(ask: kit.Ask) -> kit.Comparison:
    """``POST .../commitsbatch``: the commits reachable from ``itemVersion`` (head) and not from
    ``compareVersion`` (base), newest first, ``$top``/``$skip`` pages. Pull requests are read
    from Azure Repos' completion subject ("Merged PR 12: ..."), as its registry item holds it,
    the pattern the history a plan reads uses: asking each commit's pull requests would be a
    request per commit."""
    merged = FORGES["azure-devops"].merge_subjects
    repository, base, head = ask.repository, ask.base, ask.head
    found = entry.parse_remote(repository)
    if found is None or kit.dots(found.organization, found.project, found.repository):
        raise kit.CompareUnavailable(
            f"source {repository[:100]!r} is not an Azure Repos URL (…/_git/{{repo}})"
        )
    org, project, repo = (quote(p, safe="") for p in (found.organization, found.project, found.repository))
    # the server's origin is the host's (compare() chose the host by it); its path the URL's
    api = f"{found.server}/{org}/{project}/_apis/git/repositories/{repo}/commitsbatch"
    web = f"{found.server}/{org}/{project}/_git/{repo}"
    criteria = {
        "itemVersion": {"versionType": "commit", "version": head},
        "compareVersion": {"versionType": "commit", "version": base},
    }
    until = kit.due()
    commits: list[kit.SourceCommit] = []
    for _ in range(kit.MAX_PAGES):
        params = {"api-version": adapter.API_VERSION, "$top": str(kit.PAGE), "$skip": str(len(commits))}
        answer = kit.get(
            ask.service, api, params, method="POST", body=criteria, until=until, revisions=(base, head)
        )
        page = kit.listed(answer, "value", asked=kit.PAGE)
        for c in page:
            author = kit.as_dict(c.get("author"))
            commits.append(
                kit.commit(
                    c.get("commitId"),
                    c.get("comment"),
                    None,
                    author.get("name"),
                    merged,
                    when=kit.instant(kit.as_dict(c.get("committer")).get("date")),
                )
            )
        if len(page) < kit.PAGE or len(commits) >= kit.MAX_COMMITS:
            break
    else:
        raise kit.endless()
    url = f"{web}/branchCompare?baseVersion=GC{base}&targetVersion=GC{head}"
    return kit.newest_first(commits, url, f"{web}/pullrequest/")
