"""The issue board: an optional port a forge adapter implements when the forge has issues, for
the dashboard issue (one issue the bot keeps with the status table, for teams that do not
expose ``watch``'s listener).

Implemented by the GitHub, GitLab and Gitea/Forgejo adapters. Separate from
:class:`~gitops_bot.forges.forge.Forge` so a forge without issues (Azure DevOps Repos: work items
are another product) or whose adapter has none (Bitbucket) need not pretend:
:func:`board_of` says whether the connected forge has one, and the caller turns "no" into a
configuration error.

:func:`keep` is the whole rule, over the port: the dashboard is the issue carrying the label
*and* the marker as its body's first line, where the bot writes it, *and* written by the bot's
own identity (a label alone can be put on any issue by anyone, anyone can quote the marker
further down, and anyone who can open an issue can write the marker on its first line); found,
it is edited only when its title or body differ; not found, it is created. Closed counts as found:
closing the issue hides it, and the bot does not open another one every cycle.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from gitops_bot.core.errors import ForgeUnavailable
from gitops_bot.core.log import get_logger
from gitops_bot.core.record import record
from gitops_bot.core.settings import matches, setting

log = get_logger(__name__)
MARKER = "<!-- gitops-bot:dashboard (kept by gitops-bot; edits are overwritten) -->"
MAX_BODY = 60_000  # characters; GitHub refuses an issue body over 65,536


# the forges whose adapter is an IssueBoard (the config refuses a dashboard on the others)
DEFAULT_TITLE = "gitops-bot dashboard"
DEFAULT_LABEL = "gitops-bot-dashboard"


@record
class DashboardSettings:
    """``dashboard:`` in gitops-bot.yaml (docs/guides/status.md)."""

    enabled: bool = setting(
        False,
        "Keep one issue on the forge with the status table, updated by update and by watch "
        "each cycle, edited only when it changes (GitHub, GitLab, Gitea, Forgejo).",
    )
    title: str = setting(
        DEFAULT_TITLE,
        "The issue's title.",
        rules=(matches(r"^[^\r\n]{1,200}$", "dashboard title must be one line of at most 200 characters"),),
    )
    label: str = setting(
        DEFAULT_LABEL,
        "The label the issue is found by (with the marker as its body's first line).",
        rules=(matches(r"^[^,\r\n]{1,50}$", "dashboard label must be one name of at most 50 characters"),),
    )


@record
class Issue:
    number: int
    url: str
    title: str
    body: str
    open: bool
    author: str  # the login the forge shows as the issue's author ("" when it names none)
    raw: Any = None  # the adapter's own object, for the edit


def github_shaped(name: str, item: Any) -> Issue:
    """An issue as GitHub's REST API and Gitea's (Forgejo's) answer one (``number``,
    ``html_url``, ``title``, ``body``, ``state``, ``user.login``), its fields checked: a forge's
    answer is input like any other, and one without them is the forge unavailable, in a line."""
    get = item.get if isinstance(item, dict) else (lambda _k: None)
    number, url = get("number"), get("html_url")
    title, body = get("title") or "", get("body") or ""
    if not (
        isinstance(number, int) and isinstance(url, str) and isinstance(title, str) and isinstance(body, str)
    ):
        raise ForgeUnavailable(
            f"{name} answered an issue without its number, address, title or body",
            hint="check forge.api_url (github.api_url on GitHub)",
        )
    user = get("user")
    login = user.get("login") if isinstance(user, dict) else None
    author = login if isinstance(login, str) else ""
    return Issue(number, url, title, body, get("state") == "open", author, item)


@runtime_checkable
class IssueBoard(Protocol):
    def issues_labelled(self, label: str) -> list[Issue]:
        """Every issue (open or closed, never a pull request) carrying ``label``, all pages."""
        ...

    def create_issue(self, title: str, body: str, label: str) -> Issue: ...

    def edit_issue(self, issue: Issue, title: str, body: str) -> Issue: ...

    def identity(self) -> str:
        """The login the forge shows as the author of the issues this adapter's credentials
        write (the token's user; a GitHub App's bot user), asked of the forge at most once."""
        ...


class Kept(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def board_of(forge: object) -> IssueBoard | None:
    return forge if isinstance(forge, IssueBoard) else None


def change_ref(board: IssueBoard) -> str:
    """What precedes a change request's number in the forge's Markdown: ``#`` unless the
    adapter says otherwise (``change_ref``; GitLab's merge requests are ``!n``)."""
    ref = getattr(board, "change_ref", "#")
    return ref if isinstance(ref, str) else "#"


def with_marker(body: str) -> str:
    """The body as the issue holds it: the marker first, and never over :data:`MAX_BODY`."""
    text = f"{MARKER}\n{body}"
    if len(text) <= MAX_BODY:
        return text
    note = "\n\n… cut here: the table is longer than an issue holds; see `gitops-bot status`.\n"
    return text[: MAX_BODY - len(note)].rsplit("\n", 1)[0] + note


def _marked(body: str) -> bool:
    """Whether the marker is where :func:`with_marker` writes it, the first line: anyone can
    quote the marker further down (pasting an excerpt of the dashboard into an issue), and that
    issue is theirs, not the bot's to overwrite."""
    return body.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r") == MARKER


def _same_user(author: str, me: str) -> bool:
    """Logins compare without case on every forge this board runs on; an issue naming no author
    is nobody's, never the bot's."""
    return bool(author) and author.casefold() == me.casefold()


def keep(board: IssueBoard, title: str, body: str, label: str) -> tuple[Kept, Issue]:
    """The one dashboard issue, made to hold ``title`` and ``body`` (see the module's rule)."""
    text = with_marker(body)
    marked = [i for i in board.issues_labelled(label) if _marked(i.body)]
    if marked:  # the identity is asked only when there is an issue to tell apart by it
        me = board.identity()
        for other in (i for i in marked if not _same_user(i.author, me)):
            log.info("dashboard_not_ours", issue=other.number, author=other.author, bot=me)
        marked = [i for i in marked if _same_user(i.author, me)]
    ours = sorted(marked, key=lambda i: (not i.open, i.number))  # an open one first, then the oldest
    if not ours:
        return Kept.CREATED, board.create_issue(title, text, label)
    if len(ours) > 1:
        log.warning("dashboard_duplicates", kept=ours[0].number, others=[i.number for i in ours[1:]])
    found = ours[0]
    if found.title == title and found.body == text:
        return Kept.UNCHANGED, found
    return Kept.UPDATED, board.edit_issue(found, title, text)
