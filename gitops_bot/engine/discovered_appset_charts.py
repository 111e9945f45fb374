"""The charts an ApplicationSet's generated Applications render, as ``gitops-bot init`` says
them: the chart, version, repository and the line setting the version (a list element's value
is a chart site, configured with an environment rendering the file), or why not: the generator
that sets what the repository does not hold, or the file of this repository a git files
generator reads the version from (``envs/dev.json``'s ``esoVersion``), which is said with where
and the fix, for the bot writes chart versions in the ApplicationSet's own file only."""

from __future__ import annotations

from gitops_bot.core import log
from gitops_bot.core.errors import GitOpsBotError
from gitops_bot.engine.repository_files import RepoFiles
from gitops_bot.manifests import argocd_apps, charts_argocd, nodes
from gitops_bot.manifests.charts_refs import repository_key
from gitops_bot.manifests.yamltext import YamlText


def generated_charts(text: str, rel: str, repo: RepoFiles | None = None) -> list[str]:
    """What each ApplicationSet of the file renders as a chart, per Application its generators
    make (``repo``: the repository whose files its git files generators read): the notes of the
    charts read (:func:`read_charts`) and of those not."""
    read, unread = _notes(text, rel, repo)
    return [*read, *unread]


def read_charts(text: str, rel: str) -> list[str]:
    """Of :func:`generated_charts`, the notes of the charts whose versions are written in the
    file (an environment rendering it configures them): never a note of one not read."""
    return _notes(text, rel, None)[0]


def _notes(text: str, rel: str, repo: RepoFiles | None) -> tuple[list[str], list[str]]:
    try:
        found = charts_argocd.generated_charts(text, rel, repo.generator_files if repo else None)
    except GitOpsBotError as e:
        return [], [f"{rel}: its ApplicationSets' charts not read ({e})"]
    known: dict[str, list[str]] = {}
    in_files: dict[tuple[str, str, str], list[str]] = {}
    unread = []
    for c in found:
        url = log.without_userinfo(c.repo_url)
        if c.file and repo is not None:
            line = _key_line(repo, c.file, c.key)
            at = f"{c.file}:{line}" if line else c.file
            repo.unreleased[at] = None
            in_files.setdefault((c.appset, c.chart, url), []).append(f"{c.version} at {at} ({c.key})")
        elif c.why:
            what = f"chart {c.chart}" if c.chart else "a chart"
            unread.append(f"{rel}: Argo CD ApplicationSet {c.appset} renders {what}, not read: {c.why}")
        else:
            known.setdefault(c.appset, []).append(
                f"chart {c.chart} {c.version} of {repository_key(url)} ({rel}:{c.line})"
            )
    for (appset, chart, url), places in in_files.items():
        unread.append(
            f"{rel}: Argo CD ApplicationSet {appset} renders chart {chart} of {repository_key(url)}, pinned "
            f"{', '.join(dict.fromkeys(places))}: versions its git files generator reads from those files, "
            "which the bot does not release (it writes a chart's version in the ApplicationSet's own file "
            "only); release it there by hand, or write each environment's version in a list generator's "
            "element (targetRevision reading it) to have it released"
        )
    read = [
        f"Argo CD ApplicationSet {appset} renders {', '.join(dict.fromkeys(charts))} (charts, not "
        "directories of this repository: configure them under charts: with an environment whose path is "
        "the file, and each version is released where it is written)"
        for appset, charts in known.items()
    ]
    return read[::-1], unread  # the last ApplicationSet's first, as init has always said them


def _key_line(repo: RepoFiles, rel: str, key: str) -> int | None:
    """The line of ``key`` (dotted) in the file's first document, None where it is not found."""
    try:
        docs = nodes.compose_all(YamlText.of(repo.text(rel) or "").body, rel)
    except GitOpsBotError:
        return None
    node = argocd_apps.at(docs[0], *key.split(".")) if docs else None
    return None if node is None else int(node.start_mark.line) + 1
