"""Bitbucket Cloud's answer to "what is between two revisions": its commit list
(``GET .../commits?include=&exclude=``), following ``next`` on the same API; pull requests from
its merge subject."""

from __future__ import annotations

from urllib.parse import quote

from gitops_bot.core.secret import Origin
from gitops_bot.forges import compare_kit as kit
from gitops_bot.forges.bitbucket_cloud import entry
from gitops_bot.forges.registry import FORGES
from gitops_bot.net.auth import OriginAuth


def source_api(api_url: str | None, remote: str | None) -> tuple[Origin | None, str]:
    """Repositories are named on bitbucket.org, the API answers on api.bitbucket.org."""
    api = api_url or entry.API
    public = Origin.of(api) == Origin.of(entry.API)
    return Origin.of(entry.WEB if public else api), api


def source_auth(api_url: str, token: str) -> OriginAuth:
    return OriginAuth(api_url, f"Bearer {token}")


def compare(ask: kit.Ask) -> kit.Comparison:
    """``GET /repositories/{ws}/{slug}/commits?include=head&exclude=base``, newest first,
    following each page's ``next`` while it stays on this API (the token would go with it).
    Pull requests are read from Bitbucket's merge subject ("Merged in x (pull request #12)"),
    as its registry item holds it, the pattern the history a plan reads uses:
    ``/commit/{sha}/pullrequests`` answers only when the Pull Request Commit Links app is
    installed, and costs a request per commit."""
    merged = FORGES["bitbucket-cloud"].merge_subjects
    path, page, base, head = ask.path, ask.page, ask.base, ask.head
    if path.count("/") != 1:
        raise kit.CompareUnavailable(
            f"source {ask.repository[:100]!r} is not a repository URL bitbucket-cloud names"
        )
    workspace, slug = (quote(p, safe="") for p in path.split("/"))
    url: str = f"{ask.api_url}/repositories/{workspace}/{slug}/commits"
    params: dict[str, str] = {"include": head, "exclude": base, "pagelen": str(kit.PAGE)}
    until = kit.due()
    commits: list[kit.SourceCommit] = []
    for _ in range(kit.MAX_PAGES):
        answer = kit.get(ask.service, url, params, until=until, revisions=(base, head))
        for c in kit.listed(answer, "values", asked=kit.PAGE):
            author = kit.as_dict(c.get("author"))
            user = kit.as_dict(author.get("user"))
            raw = kit.text(author.get("raw")).split("<")[0].strip()
            name = kit.text(user.get("nickname")) or kit.text(user.get("display_name")) or raw
            commits.append(
                kit.commit(
                    c.get("hash"),
                    c.get("message"),
                    None,
                    name,
                    merged,
                    when=kit.instant(c.get("date")),
                )
            )
        nxt = answer.get("next")
        if not nxt or len(commits) >= kit.MAX_COMMITS:
            break
        url, params = kit.same_api(ask.api_url, nxt), {}
    else:
        raise kit.endless()
    # Bitbucket's compare page takes "{source}%0D{destination}"
    return kit.newest_first(
        commits,
        f"{page}/branches/compare/{head}%0D{base}",
        f"{page}/pull-requests/",
    )
