"""The forges the bot speaks (:data:`REGISTERED`, one line a forge package), and, for a run that
talks to a forge, which one a repository lives on, its adapter, and the rules for which host a
forge token may go to — kept together here, where they are reviewed as one.

Each line says what any run may read without talking to a forge: the ``forge: type`` names
(the configuration), whether it keeps an issue board (the dashboard), and how its merges name
the change request they merged (the history a plan reads), and the remote hosts only it serves
beyond those ``remotes.KNOWN_HOSTS`` names, so a history knows its repository's forge without
importing any. Everything else about a forge is
in its package's entry (:class:`~gitops_bot.forges.entries.ForgeEntry`: its adapter, tokens,
git hosts, release-contents comparison), imported by name only by a run that connects to a
forge, asks whose token git may send where, or compares a source repository (the command
table's pattern): what the entries bring (their token rules, remote readers, the net client's
auth forms) is not paid for by a ``plan``. Each forge declares its own token variables, git
users and hosts in its entry (``tokens``, ``git_hosts``); the rules here only loop over them.

From ``forge: type`` when the config says; else from the remote URL's host (github.com,
gitlab.com, codeberg.org, bitbucket.org, dev.azure.com and {org}.visualstudio.com); else
GitHub, as before forges existed (GitHub Enterprise names its host in ``github: api_url``).
A Bitbucket Data Center server is named by ``forge: {type: bitbucket-data-center}``.

Which host a forge token may go to: a token belongs to one forge, and git gets it only for
that forge's host (:func:`git_secret`): a GitHub token for github.com or the GitHub Enterprise
host of ``github.api_url``, a GitLab token for gitlab.com or the configured GitLab server, and
so on. Before the config is read (the first fetch), a token goes only to its forge's public
host or to the server the CI platform names (``GITHUB_SERVER_URL`` on GitHub/Gitea/Forgejo
Actions, ``CI_SERVER_URL`` on GitLab CI); it is never guessed onto a host nobody named.

In a fleet of several repositories (:mod:`gitops_bot.commands.fleet`), a token the forge reads
by default (no ``token_env`` written, e.g. ``GITHUB_TOKEN``) was not given to any one
repository: whoever writes one repository's config must not send it to a host of their
choosing with ``api_url`` or a remote on their own server. Unless the repository's entry
lists it, such a variable is bound to the hosts the operator's environment names for it (the
same as the first fetch's), and a config pointing the forge elsewhere is refused
(:func:`check_fleet_defaults`, through the one fleet rule
:func:`gitops_bot.core.secret.may_send`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from gitops_bot.core.errors import UsageError
from gitops_bot.core.log import redact
from gitops_bot.core.record import record
from gitops_bot.core.secret import Secret, allow_list, may_send, origins
from gitops_bot.forges.remotes import kind_from_url, split_remote

if TYPE_CHECKING:
    from gitops_bot.forges.entries import ForgeEntry, TokenVariable
    from gitops_bot.forges.forge import Forge
    from gitops_bot.forges.settings import ForgeSettings


@record
class Registered:
    """One forge package (``forges/<package>/``): what any run may read of it without talking
    to it, and its entry, imported when a run does."""

    package: str
    names: tuple[str, ...]  # the ``forge: type`` values it answers to
    # how its merges name the change request they merged, each pattern's first group its
    # number: searched in a commit's subject, and in its whole message (GitLab's body line).
    # These are whole forms (anchored at the subject's start, or a line of its own) ...
    merge_subjects: tuple[re.Pattern[str], ...] = ()
    merge_messages: tuple[re.Pattern[str], ...] = ()
    # ... and these a suffix any title may end with (a squash's "title (#12)"), which another
    # forge's subject may hold for something else (in Azure Repos "#4521" links a work item):
    # read after every forge's whole forms, unless this is the repository's own forge
    merge_suffixes: tuple[re.Pattern[str], ...] = ()
    issues: bool = False  # it keeps an issue board (the dashboard)
    # remote hosts only it serves beyond remotes.KNOWN_HOSTS ("." first: any host under it)
    hosts: tuple[str, ...] = ()

    @property
    def entry(self) -> ForgeEntry:
        return cast("ForgeEntry", importlib.import_module(f"gitops_bot.forges.{self.package}.entry").ENTRY)


_SQUASH_SUFFIX = re.compile(r"\(#(\d+)\)\s*$")  # GitHub's and Gitea's squash title "Fix the thing (#12)"

REGISTERED: tuple[Registered, ...] = (
    Registered(
        "github",
        ("github",),
        # the merge commit's "Merge pull request #12 from owner/branch"
        (re.compile(r"^Merge pull request #(\d+)\b"),),
        merge_suffixes=(_SQUASH_SUFFIX,),
        issues=True,
    ),
    Registered(
        "gitea",
        ("gitea", "forgejo"),
        # "Merge pull request 'title' (#12) from branch into main"; squash titles end "(#12)" as GitHub's
        (re.compile(r"^Merge pull request '.*' \(#(\d+)\) from "),),
        merge_suffixes=(_SQUASH_SUFFIX,),
        issues=True,
    ),
    Registered(
        "gitlab",
        ("gitlab",),
        # the merge commit's body line "See merge request group/project!12"
        merge_messages=(re.compile(r"^See merge request \S*!(\d+)\s*$", re.MULTILINE),),
        issues=True,
    ),
    Registered(
        "azure_devops",
        ("azure-devops",),
        # the completion subject "Merged PR 12: title", merge and squash alike: the message the
        # Complete pull request pane writes unless it is customised (quoted in
        # eamodio/vscode-gitlens#1486; Microsoft's "Complete a pull request" page,
        # learn.microsoft.com/azure/devops/repos/git/complete-pull-requests, "Customize merge
        # commit message"; no scheme: this module names no address a token could go to)
        (re.compile(r"^Merged PR (\d+): "),),
        # its git remotes (the entry's serves says the same of a URL, for a run that imports it)
        hosts=("dev.azure.com", "ssh.dev.azure.com", "vs-ssh.visualstudio.com", ".visualstudio.com"),
    ),
    Registered(
        "bitbucket_cloud",
        ("bitbucket-cloud",),
        # its merge and squash subjects "Merged in branch (pull request #12)", the title below
        # (the default Atlassian's own atlascode fills the merge dialog with). Anchored: a
        # revert quotes the subject ('Revert "Merged in ... (pull request #12)"') and merged none
        (re.compile(r"^Merged in \S+ \(pull request #(\d+)\)"),),
    ),
    # 7.0+: "Pull request #12: title"
    Registered("bitbucket_dc", ("bitbucket-data-center",), (re.compile(r"^Pull request #(\d+): "),)),
)
"""Every forge the bot speaks, one item each: adding a forge is its folder and an item here."""

FORGES: dict[str, Registered] = {name: f for f in REGISTERED for name in f.names}
_GITHUB = FORGES["github"]  # a host nobody knows, as before forges existed

DEFAULT_GIT_USER = "x-access-token"  # GitHub's, for a fetch no token goes with


_MOST_DIGITS = 18  # a change request's number; longer is no forge's (and int() refuses 4,300)


def merged_change_request(subject: str, message: str, forge: str | None = None) -> int | None:
    """The number of the change request a commit (its ``subject`` line, its whole ``message``)
    says it merged, as any forge's merges name one: a GitOps repository's history may hold
    merges made on any of them (a migration). ``forge``: the repository's own
    (:func:`own_forge`), whose forms are read first; then every forge's whole forms in the
    registry's order ("Merged PR 12: Fix login (#4521)" is Azure's pull request 12, whatever
    its title ends with), then the suffixes a title may end with. Whoever wrote the commit
    wrote the number: one longer than any forge's names none."""
    own = FORGES.get(forge) if forge else None
    first = (own,) if own is not None else ()
    for pattern, text in (
        *((p, t) for f in first for p, t in (*_whole_forms(f, subject, message), *_suffixes(f, subject))),
        *((p, t) for f in REGISTERED for p, t in _whole_forms(f, subject, message)),
        *((p, t) for f in REGISTERED for p, t in _suffixes(f, subject)),
    ):
        if (m := pattern.search(text)) and len(m.group(1)) <= _MOST_DIGITS:
            return int(m.group(1))
    return None


def _whole_forms(f: Registered, subject: str, message: str) -> list[tuple[re.Pattern[str], str]]:
    return [*((p, subject) for p in f.merge_subjects), *((p, message) for p in f.merge_messages)]


def _suffixes(f: Registered, subject: str) -> list[tuple[re.Pattern[str], str]]:
    return [(p, subject) for p in f.merge_suffixes]


def own_forge(cfg: ForgeSettings, url: str) -> str | None:
    """The forge the repository at ``url`` is on, as far as the configuration's ``forge: type``
    or the remote's host says without importing any forge's entry (a history is read by runs
    that talk to no forge); None: only an entry could tell (a server of its own), and the
    history reads every forge's merges alike. :func:`kind` is the answer a connecting run acts on."""
    if cfg.forge.type:
        return cfg.forge.type
    parts = split_remote(url) if url else None
    host = parts[0] if parts else ""
    return kind_from_url(url) or next(
        (
            f.names[0]
            for f in REGISTERED
            if any(host == h or (h.startswith(".") and host.endswith(h)) for h in f.hosts)
        ),
        None,
    )


def with_issues() -> tuple[str, ...]:
    """The ``forge: type`` names of the forges that keep an issue board (the dashboard)."""
    return tuple(name for f in REGISTERED if f.issues for name in f.names)


# What follows is asked only by a run that talks to a forge (connects, binds a token, fetches
# with one, compares a source): the entries it reads are imported then (Registered.entry), so
# that reading a config or a history loads none.


def entry(kind_name: str) -> ForgeEntry:
    """The forge a ``forge: type`` (or a host's kind) names; GitHub for a name it does not know
    (the configuration's schema refuses those before a run gets here)."""
    return FORGES.get(kind_name, _GITHUB).entry


def entries() -> tuple[ForgeEntry, ...]:
    """Every forge's entry, in the registry's order."""
    return tuple(f.entry for f in REGISTERED)


def kind(cfg: ForgeSettings, url: str) -> str:
    """``forge: type``; else the forge a well-known host is, or the forge that says it serves
    the remote's host (Azure DevOps' {org}.visualstudio.com); else GitHub."""
    return cfg.forge.type or kind_from_url(url) or _serving(url) or _GITHUB.names[0]


def _serving(url: str) -> str | None:
    return next((f.names[0] for f in REGISTERED if (s := f.entry.serves) is not None and s(url)), None)


def connect(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> Forge:
    """The adapter of the forge the repository is on (:func:`kind`), once the fleet's token
    rules allow it; each forge's entry imports its adapter only when called."""
    chosen = kind(cfg, url)
    check_fleet_defaults(cfg, url, environ)
    return entry(chosen).connect(cfg, url, environ)


def git_secret(cfg: ForgeSettings, url: str, forge: Forge) -> Secret | None:
    """The forge's git token, bound to the forge's own host(s) (None when it has none)."""
    if not forge.git_token:
        return None
    chosen = kind(cfg, url)
    label = "the Azure DevOps token" if chosen == "azure-devops" else f"the {chosen} token"
    return Secret.for_urls(forge.git_token, entry(chosen).git_hosts(cfg, url), label)


def _default_reads(cfg: ForgeSettings, chosen: str, url: str, environ: Mapping[str, str]) -> list[str]:
    """The environment variables the forge's adapter reads a secret from, as the config has it
    (a written ``token_env``, else the forge's defaults). The pipeline's own tokens
    (SYSTEM_ACCESSTOKEN, Gitea Actions' GITHUB_TOKEN) are left out: the adapters use them only
    for the server the pipeline names."""
    forge = entry(chosen)
    if forge.reads is not None:
        return list(forge.reads(cfg))
    written = cfg.forge.token_env
    if written:
        return [written]
    return [v.name for v in forge.tokens(url, environ) if v.default]


def _named_hosts(name: str, url: str, environ: Mapping[str, str]) -> list[str | None]:
    """The hosts the operator's environment names for a variable, whichever forge declares it:
    its forge's public host(s) and API host, and the server the CI platform names, as for the
    first fetch."""
    return [
        h
        for e in entries()
        for v in e.tokens(url, environ)
        if v.name == name
        for h in (*v.hosts, *v.api_hosts)
    ]


def check_fleet_defaults(cfg: ForgeSettings, url: str, environ: Mapping[str, str]) -> None:
    """In a fleet of several (``environ`` an :class:`EnvView` with ``allowed``), refuse a config
    that would send a variable its entry does not list (one the forge reads by default) to a
    host the operator's environment does not name for it (:func:`may_send`). One repository:
    nothing to check."""
    allowed = allow_list(environ)
    if allowed is None:
        return
    chosen = kind(cfg, url)
    forge = entry(chosen)
    api = forge.api_url(cfg) if forge.api_url is not None else cfg.forge.api_url
    sends_to = origins([*forge.git_hosts(cfg, url), api])
    for name in _default_reads(cfg, chosen, url, environ):
        if not environ.get(name):
            continue
        named = _named_hosts(name, url, environ)
        elsewhere = sorted(o for o in sends_to if not may_send(allowed, name, str(o), named))
        if elsewhere:
            raise UsageError(
                f"the config of {redact(url)} points the {chosen} forge at {elsewhere[0]}, which "
                f"the environment does not name for {name}; a repository of a fleet may send it "
                "only to the hosts the operator named",
                hint=f"list {name} under this repository's 'env:' in the repositories file "
                "(or set token_env to a variable listed there)",
            )


def first_fetch_credentials(url: str, environ: Mapping[str, str]) -> tuple[Secret | None, str]:
    """(token, git user) for the fetch that reads the config, before the forge is known for
    sure: a forge token set in the environment, bound to its forge's public host and to the
    server the CI platform names; the first whose binding covers ``url`` (GitHub's first, as
    before). A host no one named gets no token."""
    for v in _candidates(url, environ):
        if environ.get(v.name):
            secret = Secret.for_urls(environ[v.name], v.hosts, f"${v.name}")
            if secret.allows(url) and v.git_user is not None:
                return secret, v.git_user
    return None, DEFAULT_GIT_USER


def first_fetch_with_app(url: str, environ: Mapping[str, str]) -> tuple[Secret | None, str]:
    """:func:`first_fetch_credentials`, else on GitHub (or a host nobody knows) a GitHub App
    from the default variables (``GITHUB_APP_ID`` + ``GITHUB_APP_PRIVATE_KEY``)."""
    token, user = first_fetch_credentials(url, environ)
    app = _GITHUB.entry.first_fetch
    if token is None and app is not None and kind_from_url(url) in (None, *_GITHUB.names):
        found = app(url, environ)
        if found is not None:
            return found
    return token, user


def _candidates(url: str, environ: Mapping[str, str]) -> list[TokenVariable]:
    """Every forge's default token variables that git can use, in the registry's order (GitHub's
    first); the forge the remote's host is known for first of all (a Gitea token first on
    Codeberg, whose Forgejo Actions also set GITHUB_TOKEN, as the forge would choose)."""
    known = kind_from_url(url)
    first = [FORGES[known]] if known in FORGES else []
    ordered = [*first, *(f for f in REGISTERED if all(f is not g for g in first))]
    return [v for f in ordered for v in f.entry.tokens(url, environ) if v.git_user is not None]
