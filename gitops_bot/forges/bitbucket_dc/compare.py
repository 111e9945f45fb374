"""Bitbucket Data Center's answer to "what is between two revisions": its commit list
(``GET .../commits?since=&until=``) with ``start`` pages; pull requests from its merge subject."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from gitops_bot.core.secret import Origin
from gitops_bot.forges import compare_kit as kit
from gitops_bot.forges.bitbucket_dc import entry
from gitops_bot.forges.registry import FORGES
from gitops_bot.net.auth import OriginAuth


def source_api(api_url: str | None, remote: str | None) -> tuple[Origin | None, str]:
    """The API is on the server itself; the source URL names its path (context)."""
    api = api_url or remote or ""
    return Origin.of(api), api


def source_auth(api_url: str, token: str) -> OriginAuth:
    return OriginAuth(api_url, f"Bearer {token}")


def remote_of(repository: str) -> entry.BitbucketRemote | None:
    """A Data Center repository's web URL (``https://host[/context]/projects/P/repos/r``, the
    page's own address, with anything after it) or its clone URL (``…/scm/p/r.git``)."""
    parts = urlsplit(repository)
    segments = [s for s in parts.path.split("/") if s]
    root = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    for at in range(len(segments) - 3):
        if segments[at] == "projects" and segments[at + 2] == "repos":
            server = "/".join([root, *segments[:at]])
            return entry.BitbucketRemote(server, segments[at + 1], segments[at + 3])
    found = entry.parse_remote(repository)
    return found if found is not None and found.server.startswith(("https://", "http://")) else None


def compare(ask: kit.Ask) -> kit.Comparison:
    """``GET /rest/api/latest/projects/{p}/repos/{r}/commits?since=base&until=head``, newest
    first, ``start``/``limit`` pages. Pull requests from Data Center's merge subject, as its
    registry item holds it (7.0+: "Pull request #12: title"; the older "Merge pull request #12
    in P/r from x to main" is GitHub's, which every comparison reads):
    ``/commits/{id}/pull-requests`` would be a request per commit."""
    merged = FORGES["bitbucket-data-center"].merge_subjects
    repository, base, head = ask.repository, ask.base, ask.head
    remote = remote_of(repository)
    if remote is None or kit.dots(remote.project, remote.slug):
        raise kit.CompareUnavailable(
            f"source {repository[:100]!r} is not a Bitbucket Data Center URL "
            "(…/projects/P/repos/r or …/scm/p/r.git)"
        )
    project, slug = quote(remote.project, safe=""), quote(remote.slug, safe="")
    api = f"{remote.server}/rest/api/latest/projects/{project}/repos/{slug}/commits"
    web = f"{remote.server}/projects/{project}/repos/{slug}"
    until = kit.due()
    commits: list[kit.SourceCommit] = []
    start = 0
    for _ in range(kit.MAX_PAGES):
        params = {"since": base, "until": head, "start": str(start), "limit": str(kit.PAGE)}
        answer = kit.get(ask.service, api, params, until=until, revisions=(base, head))
        for c in kit.listed(answer, "values", asked=kit.PAGE):
            author = kit.as_dict(c.get("author"))
            name = kit.text(author.get("displayName")) or kit.text(author.get("name"))
            when = kit.epoch_millis(c.get("committerTimestamp"))
            commits.append(kit.commit(c.get("id"), c.get("message"), None, name, merged, when=when))
        nxt = answer.get("nextPageStart")
        last = answer.get("isLastPage", True) is not False or not isinstance(nxt, int) or nxt <= start
        if last or len(commits) >= kit.MAX_COMMITS:
            break
        start = nxt
    else:
        raise kit.endless()
    url = f"{web}/compare/commits?sourceBranch={head}&targetBranch={base}"
    return kit.newest_first(commits, url, f"{web}/pull-requests/")
