"""Pull requests on Bitbucket Data Center (self-hosted; once Bitbucket Server), through its
REST API (``/rest/api/latest``) with the bot's one HTTP client (:mod:`gitops_bot.net.service`).

As the published description (``testkit/specs/bitbucket-data-center-9.2-subset.json``) says:

- pull requests from ``refs/heads/{branch}`` to the base, drafts (``draft``, 8.18+);
- every update names the ``version`` it was read at (optimistic locking): a 409 from a
  concurrent edit is answered by reading the pull request again and trying once more;
- an update names the reviewers it keeps (the list that is sent is the list that stays);
- reviewers by user name (``POST .../participants`` with the REVIEWER role); the default
  reviewers the Default Reviewers plugin (``/rest/default-reviewers``) requires for these
  branches are added too, as the web UI adds them (a pull request created through the REST
  API does not get them by itself);
- auto-merge (8.15+): ``POST .../merge`` with ``autoMerge: true`` and the merge strategy;
  the repository must allow auto-merge (a 403 says it does not);
- no labels and no assignees: configured ones are a warning;
- closing declines the pull request after a comment.

Lists are pages (``start``/``limit``, ``isLastPage``/``nextPageStart``). Errors are
``{"errors": [{"message": ...}]}``.

Authentication: an HTTP access token (personal, project or repository) as Bearer
(``BITBUCKET_TOKEN`` or ``forge.token_env``), sent only to the configured server; git sends it
as Bearer too (project and repository tokens take only that), or, when ``BITBUCKET_USERNAME``
names a personal token's user, as that user's password. Before the config is read, the token
goes only to the server ``BITBUCKET_SERVER_URL`` names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Self
from urllib.parse import quote

from gitops_bot.core import checks
from gitops_bot.core.checks import Check, CheckState
from gitops_bot.core.errors import ForgeError, UsageError
from gitops_bot.core.log import register_secret
from gitops_bot.forges import bitbucket, forge
from gitops_bot.forges.bitbucket_dc.entry import NAME, TOKEN_ENV, BitbucketRemote, git_user, locate
from gitops_bot.forges.compare_kit import SHA
from gitops_bot.forges.forge import Adapter, ChangeRequest, Decorations, Steps
from gitops_bot.forges.kit import Api, Environ, NextPage, Paging, TransportOrNone, Words, under, unexpected
from gitops_bot.forges.settings import ForgeConfig
from gitops_bot.net import limits
from gitops_bot.net.service import Answer, Credential

# a build status's state
_STATES = {
    "SUCCESSFUL": CheckState.SUCCESS,
    "INPROGRESS": CheckState.PENDING,
    "UNKNOWN": CheckState.PENDING,
    "FAILED": CheckState.FAILURE,
    "CANCELLED": CheckState.FAILURE,
}
PAGE = 100  # limit per page
MAX_PAGES = 100
# the bot's auto_merge styles as Bitbucket's merge strategy ids
STRATEGIES = {
    "merge": "no-ff",
    "squash": "squash",
    "rebase": "rebase-ff-only",
    "rebase-merge": "rebase-no-ff",
}
HINTS = {
    400: "Bitbucket refused the request's fields; check the branches and reviewers",
    401: f"check the HTTP access token ({TOKEN_ENV} or forge.token_env)",
    403: "the token needs write access to the repository (REPO_WRITE)",
    404: "check forge.repository (PROJECT/repository) and forge.api_url (the server's address)",
    409: "the pull request changed meanwhile; run again",
}


class BitbucketDataCenter(Adapter):
    """The :class:`~gitops_bot.forges.forge.Forge` adapter for Bitbucket Data Center."""

    name = NAME
    noun = "pull request"

    def __init__(self, api: Api, remote: BitbucketRemote, *, git_token: str | None, git_user: str) -> None:
        self._api = api
        self.remote = remote
        self.git_token = git_token
        self.git_user = git_user
        project, slug = quote(remote.project, safe=""), quote(remote.slug, safe="")
        self._repo = f"/rest/api/latest/projects/{project}/repos/{slug}"
        self._defaults = f"/rest/default-reviewers/latest/projects/{project}/repos/{slug}/reviewers"

    @classmethod
    def connect(
        cls, fcfg: ForgeConfig, url: str, environ: Environ, *, transport: TransportOrNone = None
    ) -> Self:
        remote = locate(fcfg, url)
        token = environ.get(fcfg.token_env or TOKEN_ENV)
        if not token:
            raise UsageError(
                f"no {NAME} token",
                hint=f"set {fcfg.token_env or TOKEN_ENV} to an HTTP access token with write access "
                "to the repository",
            )
        register_secret(token)
        # the token goes to this server's origin only
        api = Api(WORDS, remote.server, Credential.bearer(token), transport=transport)
        return cls(api, remote, git_token=token, git_user=git_user(environ))

    # -- the API -------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._api.call(method, path, **kwargs)

    def _pages(self, path: str, params: Mapping[str, str], *, statuses: bool = False) -> tuple[Any, ...]:
        """Every item of a list (``values``), from ``start`` to the page that says it is the
        last; a commit's ``statuses`` within the checks' bound."""
        return self._api.list(
            path,
            PAGING,
            "statuses" if statuses else path,
            pages=MAX_PAGES,
            params=params,
            max_items=checks.MAX_CHECKS if statuses else None,
            too_many=_unread if statuses else None,
        ).items

    # -- pull requests -------------------------------------------------------------------

    def _open(self, wanted: Callable[[str], bool]) -> dict[str, ChangeRequest]:
        out = {}
        for item in self._pages(f"{self._repo}/pull-requests", {"state": "OPEN", "direction": "INCOMING"}):
            pr = self._pr(item)
            if wanted(pr.head) and self._ours(item):
                out[pr.head] = pr
        return out

    def _ours(self, item: Mapping[str, Any]) -> bool:
        """The source branch is in this repository (a fork's branch named like ours is not ours)."""
        repo = (item.get("fromRef") or {}).get("repository") or {}
        key = (repo.get("project") or {}).get("key") if isinstance(repo, dict) else None
        slug = repo.get("slug") if isinstance(repo, dict) else None
        return (str(key).lower(), str(slug).lower()) == (
            self.remote.project.lower(),
            self.remote.slug.lower(),
        )

    def _ref(self, branch: str) -> dict[str, Any]:
        return {
            "id": f"refs/heads/{branch}",
            "repository": {"slug": self.remote.slug, "project": {"key": self.remote.project}},
        }

    def create(self, branch: str, base: str, title: str, body: str, *, draft: bool) -> ChangeRequest:
        payload: dict[str, Any] = {
            "title": title,
            "description": body,
            "fromRef": self._ref(branch),
            "toRef": self._ref(base),
        }
        if draft:  # older servers have no drafts: the field is sent only when it is wanted
            payload["draft"] = True
        return forge.create_or_adopt(
            lambda: self._pr(self._request("POST", f"{self._repo}/pull-requests", json=payload)),
            lambda: self._open(lambda head: head == branch).get(branch),
            lambda found: self.update(found, title, body),
            # DuplicatePullRequestException: one is open for these branches already
        )

    def update(self, pr: ChangeRequest, title: str, body: str) -> ChangeRequest:
        if pr.title == title and pr.body == body:
            return pr

        def put(current: Mapping[str, Any]) -> Any:
            payload = {
                "version": current.get("version"),
                "title": title,
                "description": body,
                "reviewers": [{"user": {"name": n}} for n in _reviewer_names(current)],
            }
            return self._request("PUT", f"{self._repo}/pull-requests/{pr.number}", json=payload)

        return self._pr(self._versioned(pr, put))

    def _versioned(self, pr: ChangeRequest, write: Callable[[Mapping[str, Any]], Any]) -> Any:
        """``write`` at the version the pull request was read at; after a 409 (someone else
        changed it meanwhile), once more at the version it has now."""
        raw = pr.raw if isinstance(pr.raw, dict) else {}
        try:
            return write(raw)
        except ForgeError as exc:
            if exc.status != 409:
                raise
        current = self._request("GET", f"{self._repo}/pull-requests/{pr.number}")
        if not isinstance(current, dict):
            raise unexpected(NAME)
        return write(current)

    def steps(self, pr: ChangeRequest, want: Decorations) -> Steps:
        steps: Steps = []
        if want.labels:
            steps.append(("labels", bitbucket.no_labels))
        raw = pr.raw if isinstance(pr.raw, dict) else {}
        have = {x.lower() for x in _reviewer_names(raw)}
        # the default reviewers, as the web UI adds them (a step of its own: a server without
        # the plugin still gets the configured ones)
        steps.append(
            ("default reviewers", lambda: self._add_reviewers(pr, self._default_reviewers(raw), have))
        )
        if want.reviewers:
            steps.append(("reviewers", lambda: self._add_reviewers(pr, want.reviewers, have)))
        if want.assignees:
            steps.append(("assignees", bitbucket.no_assignees))
        if want.auto_merge:
            style = want.auto_merge
            steps.append(("auto-merge", lambda: self._auto_merge(pr, style)))
        return steps

    def _add_reviewers(self, pr: ChangeRequest, names: Sequence[str], have: set[str]) -> None:
        """Each of ``names`` not a reviewer yet (``have``, kept up to date), never the author."""
        raw = pr.raw if isinstance(pr.raw, dict) else {}
        author = ((raw.get("author") or {}).get("user") or {}).get("name")
        for name in dict.fromkeys(n for n in names if n.lower() not in have and n != author):
            body = {"user": {"name": name}, "role": "REVIEWER"}
            self._request("POST", f"{self._repo}/pull-requests/{pr.number}/participants", json=body)
            have.add(name.lower())

    def _default_reviewers(self, raw: Mapping[str, Any]) -> list[str]:
        """The users the Default Reviewers plugin requires for this source and target branch."""
        source, target = raw.get("fromRef") or {}, raw.get("toRef") or {}
        params = {
            "sourceRepoId": str((source.get("repository") or {}).get("id", "")),
            "targetRepoId": str((target.get("repository") or {}).get("id", "")),
            "sourceRefId": str(source.get("id", "")),
            "targetRefId": str(target.get("id", "")),
        }
        users = self._request("GET", self._defaults, params=params)
        if not isinstance(users, list):
            raise unexpected(NAME)
        return [u["name"] for u in users if isinstance(u, dict) and isinstance(u.get("name"), str)]

    def _auto_merge(self, pr: ChangeRequest, style: str) -> None:
        """Merge when the merge checks pass, with the configured strategy (8.15+)."""
        strategy = STRATEGIES.get(style, "no-ff")

        def merge(current: Mapping[str, Any]) -> Any:
            version = current.get("version")
            body = {"autoMerge": True, "strategyId": strategy, "version": version}
            return self._request(
                "POST",
                f"{self._repo}/pull-requests/{pr.number}/merge",
                params={"version": str(version)},
                json=body,
            )

        try:
            self._versioned(pr, merge)
        except ForgeError as exc:
            if exc.status == 403:
                raise ForgeError(
                    f"{NAME} will not auto-merge PR #{pr.number}: {exc}",
                    status=403,
                    hint="allow auto-merge in the repository's pull request settings (8.15+), and "
                    "the merge strategy",
                ) from None
            raise

    def commit_checks(self, sha: str) -> tuple[Check, ...]:
        """The commit's build statuses, the newest per key."""
        if not SHA.match(sha):
            raise UsageError(f"not a commit id: {sha[:80]!r}")
        listed = self._pages(f"/rest/build-status/latest/commits/{sha}", {"orderBy": "NEWEST"}, statuses=True)
        return bitbucket.build_checks(listed, _STATES)

    def close(self, pr: ChangeRequest, comment: str) -> None:
        self._request("POST", f"{self._repo}/pull-requests/{pr.number}/comments", json={"text": comment})

        def decline(current: Mapping[str, Any]) -> Any:
            version = current.get("version")
            return self._request(
                "POST",
                f"{self._repo}/pull-requests/{pr.number}/decline",
                params={"version": str(version)},
                json={"version": version},
            )

        self._versioned(pr, decline)

    def _pr(self, item: Any) -> ChangeRequest:
        if not isinstance(item, dict):
            raise unexpected(NAME)
        ref = (item.get("fromRef") or {}).get("id")
        if not isinstance(ref, str) or not ref.startswith("refs/heads/"):
            raise unexpected(NAME)
        links = (item.get("links") or {}).get("self") or [{}]
        url = links[0].get("href") if isinstance(links, list) and isinstance(links[0], dict) else None
        get = item.get
        return forge.change_request(
            NAME,
            get("id"),
            url,
            ref.removeprefix("refs/heads/"),
            get("title"),
            get("description"),
            item,
            get("createdDate"),
            _branch((get("toRef") or {}).get("id") if isinstance(get("toRef"), dict) else None),
        )


def _branch(ref: Any) -> str | None:
    return ref.removeprefix("refs/heads/") if isinstance(ref, str) and ref.startswith("refs/heads/") else None


def _reviewer_names(raw: Mapping[str, Any]) -> list[str]:
    reviewers = raw.get("reviewers") or []
    names = [((r.get("user") or {}).get("name")) for r in reviewers if isinstance(r, dict)]
    return [n for n in names if isinstance(n, str)]


def _message(body: bytes, reason: str) -> str:
    """Bitbucket Data Center's error shape: ``{"errors": [{"context": ..., "message": ...,
    "exceptionName": ...}]}``."""
    try:
        data = limits.loads(body)
    except ValueError:
        return reason
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return reason
    messages = [str(e["message"]) for e in errors if isinstance(e, dict) and e.get("message")]
    return "; ".join(messages) if messages else reason


def _following(answer: Answer, items: list[Any], page: int) -> NextPage:
    """``isLastPage``, else ``nextPageStart`` past where this page started."""
    data = answer.json if isinstance(answer.json, dict) else {}
    nxt, start = data.get("nextPageStart"), data.get("start", 0)
    last = data.get("isLastPage", True) or not isinstance(nxt, int) or not isinstance(start, int)
    return None if last or nxt <= start else {"start": str(nxt)}


def _unread(read: int, said: int | None) -> Exception:
    return checks.unread(NAME, "statuses", read, said)


PAGING = Paging(PAGE, under("values"), _following, {"start": "0", "limit": str(PAGE)})
WORDS = Words(NAME, HINTS, _message, race=lambda status, body: status == 409)
