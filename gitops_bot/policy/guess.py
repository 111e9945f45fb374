"""A tag policy guessed from the tags an image is pinned to today (``gitops-bot init``).

Pure: tags in, a guess out. The guess is said in words (what was seen, what was chosen), since
a person reads it in the commented ``gitops-bot.yaml`` and decides whether it stands:

* semver tags (``v1.4.2``, ``2.3``): ``semver`` within the major pinned today, so a new major
  is a decision, not an update; from ``M.0.0-0`` when a prerelease is pinned, so the range
  admits the pin itself (``1.0.0-rc.5 < 1.0.0``);
* a timestamp (``20240131``, ``2024-01-31-1542``) or a build number (``build-412``,
  ``main-57-3f2a9c1``): ``regex`` ordered by that number;
* a version semver does not read, with a prefix or a fourth number (``nori-9.2.1``,
  ``alpine-3.18.4``, ``6.4.1.10545``): ``regex`` over that prefix and suffix, ordered by
  ``version`` (every number as a number: ``9.10.2`` above ``9.3.0``), within the pinned major;
* a version rebuilt as revisions of one line (Bitnami's ``16.1.0-debian-11-r14``): ``regex``
  over that line ordered by ``version`` (the version, then the revision), within the pinned
  major; semver reads the suffix as one variant, which only the pinned tag has. A variant naming
  a line (``2.24.0-pg16``) stays ``semver``, which keeps a tag's variant;
* a version and a commit hash (``3.6.0-4d09b7bd``, CI's build of a version): ``newest``
  restricted by ``pattern`` to that version with a hash of that length; semver would read the
  hash as a Docker variant, which only the pinned tag has, and so never propose another build;
* a moving tag (``latest``, ``main``, ``stable``), alone or with a variant (``latest-pg17``,
  ``stable-alpine``, ``dind-rootless-latest``: :func:`gitops_bot.policy.moving_word`):
  ``digest``, following that tag's digest; ``latest-pg18`` is another line of images, not the
  next build;
* one name with no number (``dind-rootless``, ``cli``): ``digest`` following it, a moving tag of
  its own line;
* anything else (commit hashes, several words): ``newest`` (the latest created image), said as
  the weakest guess.

A moving tag pinned in some places beside releases in others leaves the guess to the releases:
no policy that orders tags proposes a moving tag (:class:`gitops_bot.policy.Policy`).

A tag written with its digest (``6.4.1.10545@sha256:...``, how Renovate pins a Helm value that
has no digest key) is read as its tag; the guess says so and sets ``digest_in_tag``, so the
configuration keeps writing both into that one key (``digestInTag``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

from gitops_bot.core.record import record
from gitops_bot.policy import deciding_tag, moving_word
from gitops_bot.policy.semver import parse_tag

# a major of the software an image is built on or for, written before its number in the tag of
# that major's moving line, by any publisher (pgvector/pgvector:pg16, an app's node20-alpine,
# ubi9): the line moves with that major's releases, as postgres:16 does, and the next number is
# another major (a PostgreSQL data directory of 16 does not start under 18)
_MAJOR_WORDS: tuple[str, ...] = (
    "pg",
    "postgres",
    "postgresql",
    "node",
    "nodejs",
    "python",
    "py",
    "java",
    "jdk",
    "jre",
)
_MAJOR_WORDS += ("openjdk", "temurin", "php", "ruby", "go", "golang", "ubi", "el", "rhel", "debian")


_SHA = r"[0-9a-f]{7,40}"
_TIMESTAMP = re.compile(r"(?<!\d)(20\d{2}[01]\d[0-3]\d(?:[-_.T]?\d{4,6})?)(?!\d)")
_DATED = re.compile(r"(?<!\d)(20\d{2})-([01]\d)-([0-3]\d)(?:[-_.T](\d{4,6}))?(?!\d)")
_NUMBER = re.compile(r"\d+")
# one number of one or two digits, maybe a variant after it (postgres:16, registry:2,
# rabbitmq:3-management, traefik:v3, pgvector:pg16): a major's moving tag, not a build number
_MAJOR_LINE = re.compile(
    r"(?:[vV]|(?P<word>" + "|".join(_MAJOR_WORDS) + r"))?(?P<n>\d{1,2})(?:-[A-Za-z][A-Za-z0-9._-]*)?",
    re.IGNORECASE,
)
# a release line written as a version, then the word for its newest (envoyproxy/envoy:v1.31-latest)
_LINE_LATEST = re.compile(r"(?P<line>[vV]?\d+(?:\.\d+){0,2})[-_.](?:latest|stable)", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+(?:[-_.][A-Za-z]+)*")
_HASHLIKE = re.compile(r"[0-9a-f]{7,40}")
_DIGEST_SUFFIX = re.compile(r"@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
# a version, a line kept as written, then a rebuild's revision (Bitnami's 16.1.0-debian-11-r14,
# 2.4.57-r3): semver reads the whole suffix as one variant, which the next revision changes
_REVISION = re.compile(r"(?P<v>v?\d+(?:\.\d+){1,2})-(?P<line>(?:[A-Za-z][A-Za-z0-9.]*-(?:\d+-)?)*)r\d+")
# a hash holds a letter and a digit: ``3.6.0-20240131`` is a date, ``1.25-alpine`` a variant
_VERSION_HASH = re.compile(
    r"(?P<v>v?\d+(?:\.\d+){1,2})-(?P<h>(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40})"
)


@record
class Guess:
    """An image's guessed policy: the config keys it sets and why, in one sentence."""

    keys: Mapping[str, Any] = field(default_factory=dict)  # policy, range, pattern, extract, tag
    why: str = ""
    digest_in_tag: bool = False  # pinned as tag@sha256:... in one key (helm's digestInTag)

    @property
    def policy(self) -> str:
        return str(self.keys.get("policy", "semver"))


def guess(tags: Sequence[str], image: str = "") -> Guess:
    """The policy the pinned ``tags`` (one per place, repeats allowed) of ``image`` suggest; a
    tag carrying its digest (``1.2.3@sha256:...``) is read as its tag."""
    bare = [_DIGEST_SUFFIX.sub("", t) for t in tags]
    found = _guess(bare, official(image))
    if bare == list(tags) or not any(bare):
        return found
    return Guess(
        found.keys,
        found.why + "; pinned with its digest in the tag (tag@sha256:...): the digest is kept "
        "there (digestInTag)",
        digest_in_tag=True,
    )


# software whose publishers move a one-number tag with each release of that major, under any
# publisher's name (bitnami/postgresql:16, OpenShift's openshift/postgresql:12)
_MAJOR_LINED = frozenset(
    {
        *("postgres", "postgresql", "mysql", "mariadb", "redis", "valkey", "mongo", "mongodb"),
        *("registry", "rabbitmq", "elasticsearch", "opensearch", "memcached", "cassandra", "etcd"),
        *("zookeeper", "kafka", "nginx", "httpd", "haproxy", "traefik", "keycloak", "node", "python"),
        *("golang", "openjdk", "eclipse-temurin", "ruby", "php", "perl", "debian", "ubuntu", "alpine"),
    }
)


_CALENDAR_YEARS = (2000, 2999)  # a major in these is a year


def official(image: str) -> bool:
    """A Docker official image (``postgres``, ``docker.io/library/registry``) or one of the
    software others republish the same way (``bitnami/postgresql``): its one-number tags are
    its majors' moving lines (``postgres:16`` moves with 16.x), where a project's own image's
    one-number tags are commonly its CI's build numbers (``flask-demo:6``)."""
    name = image.lower()
    for host in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(host)
    if name.rsplit("/", 1)[-1] in _MAJOR_LINED:
        return True
    return bool(name) and ("/" not in name or (name.startswith("library/") and name.count("/") == 1))


def _left_out(seen: Sequence[str], of: Sequence[int], majors: Sequence[int]) -> str:
    """What a range set to the highest of several majors pinned leaves out, said: the tags of
    the lower majors, which a release where they are pinned would move to the highest major
    (a database held at 17 beside another at 18); "" for one major."""
    if len(majors) < 2:
        return ""
    low = [t for t, m in zip(seen, of, strict=True) if m < majors[-1]]
    named = [*low[:4], f"{len(low) - 4} more"] if len(low) > 5 else low
    shown = " and ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
    they, them = ("it is", "it") if len(low) == 1 else ("they are", "them")
    return (
        f"; majors {', '.join(map(str, majors))} pinned, range set to the highest: it leaves out {shown}: "
        f"a release where {they} pinned moves {them} to major "
        f"{majors[-1]} (list the image only in the environments at major {majors[-1]}, or pin those "
        "places by hand)"
    )


def _guess(tags: Sequence[str], official: bool = False) -> Guess:
    seen = sorted({t for t in tags if t})
    if not seen:
        return Guess(
            {"policy": "digest", "tag": "latest"},
            "no tag is pinned (a digest or nothing): follows latest's digest; name the tag to follow",
        )
    moving = [t for t in seen if moving_word(t)]
    if moving and len(moving) < len(seen):
        # a moving tag pinned in some places says nothing of the order of the releases pinned
        # elsewhere: they say the policy, which never proposes the moving tag (policy.Policy)
        rest = _guess([t for t in seen if not moving_word(t)], official)
        also = (
            f"; also pinned {', '.join(moving)}, a moving tag this policy never chooses, so a release "
            "replaces it with the version chosen (to keep following it, give it an entry of its own "
            "with policy digest)"
        )
        return Guess(rest.keys, rest.why + also)
    words = [t for t in seen if not any(c.isdigit() for c in t)]
    if words and len(words) < len(seen):
        # a word no release is named (a demo's deliberately broken ``non-existent``) beside
        # versions says nothing of their order: they say the policy, the word is said apart
        rest = _guess([t for t in seen if t not in words], official)
        if rest.policy != "newest":
            also = f"; also pinned {', '.join(words)}, no version: not a release the policy orders"
            return Guess(rest.keys, rest.why + also)
    shown = ", ".join(seen[:4]) + (f" (+{len(seen) - 4} more)" if len(seen) > 4 else "")
    builds = _version_builds(seen)
    if builds is not None:
        return Guess(
            {"policy": "newest", "pattern": builds},
            f"pinned {shown}: a version and a commit hash (CI's builds of it): the newest image "
            "created of that version; a new version is a decision (widen the pattern)",
        )
    revised = _revisions(seen)
    if revised is not None:
        return revised
    lines = [m for t in seen if (m := _LINE_LATEST.fullmatch(t))]
    if len(lines) == len(seen):
        # a release line's moving tag (envoy's v1.31-latest, the newest 1.31.x): ordered as a
        # version, a routine release would move it to the next line's (v1.32-latest)
        extra = _followed(seen, shown)
        return Guess(
            {"policy": "digest", "tag": seen[0]},
            f"pinned {seen[0]}, line {lines[0].group('line')}'s moving tag: follows its digest{extra}; a new "
            "line is a decision (pin a full version for a semver policy within it)",
        )
    # a version has a minor at least and a major no date or build number reaches
    # (``20240131-1542`` parses as version 20240131 with a prerelease; it is a timestamp)
    versions = [
        v if v is not None and v.parts >= 2 and v.version.major < 10_000 else None
        for v in map(parse_tag, seen)
    ]
    if all(v is not None for v in versions):
        majors = sorted({v.version.major for v in versions if v is not None})
        major = majors[-1]
        prerelease = any(v is not None and v.is_prerelease for v in versions)
        # under npm/Masterminds rules 1.0.0-rc.5 < 1.0.0: a range from M.0.0 would leave a
        # prerelease pinned today out of its own policy; M.0.0-0 is the lowest version of M
        low = f"{major}.0.0-0" if prerelease else f"{major}.0.0"
        more = _left_out(seen, [v.version.major for v in versions if v is not None], majors)
        if _CALENDAR_YEARS[0] <= major <= _CALENDAR_YEARS[1]:
            # a calendar version (cloudflared's 2024.12.2): its major is the year, so a range
            # within it would take no release after December, beside older semver tags too
            keys: dict[str, Any] = {"policy": "semver", "range": f">={low}"}
            if prerelease:
                keys["prerelease"] = True
            return Guess(
                keys, f"pinned {shown}: calendar versions (the year first): each later one newer{more}"
            )
        keys = {"policy": "semver", "range": f">={low} <{major + 1}.0.0"}
        if prerelease:
            keys["prerelease"] = True
        return Guess(keys, f"pinned {shown}: semver tags, kept within major {major}{more}")
    if moving:
        tag = seen[0]
        extra = _followed(seen, shown)
        word = moving_word(tag)
        what = (
            "a moving tag"
            if word == tag.lower()
            else f"a moving tag ({word} with a variant, not a build number)"
        )
        return Guess({"policy": "digest", "tag": tag}, f"pinned {tag}, {what}: follows its digest{extra}")
    lines = [m for t in seen if (m := _MAJOR_LINE.fullmatch(t))]
    if len(lines) == len(seen) and (official or all(m.group("word") for m in lines)):
        # the image's publisher moves it with each release of that major (16 is 16.4, then
        # 16.5): ordered as a number, a routine release would propose the next major, which a
        # database does not start on
        tag = seen[0]
        extra = _followed(seen, shown)
        line = _MAJOR_LINE.fullmatch(tag)
        assert line is not None
        return Guess(
            {"policy": "digest", "tag": tag},
            f"pinned {tag}, major {line.group('n')}'s moving tag: follows its digest{extra}; a new "
            "major is a decision (pin a full version for a semver policy within it)",
        )
    if len(seen) == 1 and _WORD.fullmatch(seen[0]) and not _HASHLIKE.fullmatch(seen[0]):
        # a name with no number (docker's dind-rootless, cli): a line of images that moves,
        # as latest does; ordering every tag by build time would jump to another line
        return Guess(
            {"policy": "digest", "tag": seen[0]},
            f"pinned {seen[0]}, a name with no version in it (a moving tag of its own line): "
            "follows its digest",
        )
    pattern = _common_pattern(seen)
    if pattern is not None:
        regex, what = pattern
        order = {"a build number": "numerical", "a version": "version"}.get(what, "alphabetical")
        within = ""
        if what == "a version":
            regex, within = _within_major(regex, seen)
        lined = next((m for t in seen if (m := _MAJOR_LINE.fullmatch(t))), None)
        if what == "a build number" and lined is not None:
            # the shape of a major's moving tag too: the fix is said where the guess may be wrong
            within = (
                f" (if {lined.group(0)} is major {lined.group('n')}'s moving tag, as postgres:16 is, "
                f"follow it with policy: digest, tag: {lined.group(0)})"
            )
        return Guess(
            {"policy": "regex", "pattern": regex, "extract": "n", "order": order},
            f"pinned {shown}: {what}, ordered by it"
            + (" (every number in it as a number)" if order == "version" else "")
            + within,
        )
    return Guess(
        {"policy": "newest"},
        f"pinned {shown}: no order in the tags themselves; the newest image created (check this guess)",
    )


def _revisions(tags: Sequence[str]) -> Guess | None:
    """Tags of a version rebuilt under one line (``16.1.0-debian-11-r14``): ``regex`` over that
    line, ordered by every number (the version, then the revision), within the pinned major, so
    ``16.1.0-debian-11-r15`` and ``16.2.0-debian-11-r0`` follow where semver would admit only
    the pinned tag's own suffix; None when they are not all such tags of one line."""
    found = [_REVISION.fullmatch(t) for t in tags]
    shapes = {(m.group("v").startswith("v"), m.group("v").count("."), m.group("line")) for m in found if m}
    if None in found or len(shapes) != 1:
        return None
    prefixed, dots, line = shapes.pop()
    majors = sorted({int(m.group("v").lstrip("v").split(".", 1)[0]) for m in found if m})
    major = majors[-1]
    head = "v" if prefixed else ""
    pattern = rf"^(?P<n>{head}{major}" + r"\.\d+" * dots + "-" + line.replace(".", r"\.") + r"r\d+)$"
    shown = ", ".join(tags[:4]) + (f" (+{len(tags) - 4} more)" if len(tags) > 4 else "")
    more = f"; majors {', '.join(map(str, majors))} pinned, kept to the highest" if len(majors) > 1 else ""
    return Guess(
        {"policy": "regex", "pattern": pattern, "extract": "n", "order": "version"},
        f"pinned {shown}: a version rebuilt as revisions of one line (-{line}rN), ordered by the version "
        f"then the revision (every number as a number), kept within major {major}{more}",
    )


def _version_builds(tags: Sequence[str]) -> str | None:
    """A pattern admitting every build of the one version ``tags`` pin with a commit hash of
    one length (``^3\\.6\\.0-[0-9a-f]{8}$``); None when they are not all such tags of one version."""
    found = [_VERSION_HASH.fullmatch(t) for t in tags]
    shapes = {(m.group("v"), len(m.group("h"))) for m in found if m is not None}
    if None in found or len(shapes) != 1:
        return None
    version, width = shapes.pop()
    return f"^{re.escape(version)}-[0-9a-f]{{{width}}}$"


def _shape(tag: str) -> tuple[str, str] | None:
    """A regex matching tags of ``tag``'s shape with the ordering value in group ``n``, and
    what the value is; None when the tag has no such value. A date or timestamp is matched
    at its width (compared as text, which orders fixed-width digits rightly); a build number
    at any width (compared as a number)."""
    for found, what in ((_DATED.search(tag), "a date"), (_TIMESTAMP.search(tag), "a timestamp")):
        if found is not None:
            text = tag[found.start() : found.end()]
            body = (
                "(?P<n>" + re.sub(r"\d+", lambda d: r"\d{" + str(len(d.group())) + "}", re.escape(text)) + ")"
            )
            return _around(tag, found.start(), found.end(), body), what
    numbers = list(_NUMBER.finditer(tag))
    # a commit hash is no order: skip digits that are part of one
    hexes = [h.span() for h in re.finditer(rf"(?<![0-9A-Za-z]){_SHA}(?![0-9A-Za-z])", tag)]
    usable = [n for n in numbers if not any(a <= n.start() < b for a, b in hexes)]
    if not usable:
        return None
    # the numbers from the first to the last before a hash are one version, each of them
    # ordered: nori-9.2.1 by (9, 2, 1), never by its 9 alone
    run = [usable[0]]
    for n in usable[1:]:
        if any(run[-1].end() <= a < n.start() for a, _ in hexes):
            break
        run.append(n)
    if len(run) == 1:
        n = usable[0]
        return _around(tag, n.start(), n.end(), r"(?P<n>\d+)"), "a build number"
    start, end = run[0].start(), run[-1].end()
    body = "(?P<n>" + re.sub(r"\d+", lambda _: r"\d+", re.escape(tag[start:end])) + ")"
    return _around(tag, start, end, body), "a version"


def _within_major(regex: str, tags: Sequence[str]) -> tuple[str, str]:
    """A version's pattern kept to the highest first number pinned when a dot follows it (its
    major: a new major is a decision, as the semver guess keeps it), and why in words; the
    pattern as it is otherwise (``r23-b7``)."""
    head = r"(?P<n>\d+\."
    if head not in regex:
        return regex, ""
    majors = sorted(
        {int(m.group("n").split(".", 1)[0]) for t in tags if (m := re.fullmatch(regex, t)) is not None}
    )
    major = majors[-1]
    more = f"; majors {', '.join(map(str, majors))} pinned, kept to the highest" if len(majors) > 1 else ""
    return regex.replace(head, rf"(?P<n>{major}\.", 1), f", kept within major {major}{more}"


def _around(tag: str, start: int, end: int, body: str) -> str:
    def rest(text: str) -> str:
        out = ""
        for part in re.split(rf"(?<![0-9A-Za-z])({_SHA})(?![0-9A-Za-z])", text):
            if re.fullmatch(_SHA, part):
                out += r"[0-9a-f]{7,40}"
            else:
                out += re.sub(r"\d+", r"\\d+", re.escape(part))
        return out

    return "^" + rest(tag[:start]) + body + rest(tag[end:]) + "$"


def _common_pattern(tags: Sequence[str]) -> tuple[str, str] | None:
    shapes = [_shape(t) for t in tags]
    if any(s is None for s in shapes):
        return None
    first = shapes[0]
    assert first is not None
    if all(re.fullmatch(first[0], t) for t in tags):
        return first
    return None


def _followed(seen: Sequence[str], shown: str) -> str:
    """What a guess following the first of several tags says of the others. Of different lines
    (15 beside 15-alpine), one environment running both is refused by the plan whatever the
    policy (a release writes one tag into each place): said, so the first plan's refusal is no
    surprise."""
    if len(seen) < 2:
        return ""
    if deciding_tag(seen) is None:
        return (
            f" ({len(seen)} different tags pinned: {shown}, of different lines: the first is followed; an "
            "environment running two of them is refused by the plan until they are one line (the same "
            "variant))"
        )
    return f" ({len(seen)} different tags pinned: {shown}; the first is followed)"
