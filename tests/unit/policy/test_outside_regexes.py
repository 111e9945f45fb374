"""A regular expression from outside the bot (the user's policy, Argo CD Image Updater's
``allow-tags: regexp:...``, Flux's ``filterTags``, an image's ``revision_from_tag``) is matched
against every tag a registry lists. One that backtracks exponentially in Python's ``re``
(``(\\d+\\.?)+$`` over a tag of 40 digits and a suffix: minutes, with no deadline) ends at once
with the choice the tool would make; one in a syntax Go's regexp refuses (a lookahead), the
language those tools read, is said with where it was written and how to write it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot import config
from gitops_bot.core import goregexp
from gitops_bot.core.errors import ConfigError
from gitops_bot.engine import contents
from gitops_bot.engine.discovered_policies import flux_policies, updater_policies
from gitops_bot.engine.repository_files import RepoFiles
from gitops_bot.forges.settings import SourceConfig
from gitops_bot.manifests.kustomize_refs import Selector
from gitops_bot.policy import Policy
from testkit.local_git import write

# a tag a registry may list (build tools push them): 40 digits, then a suffix no pattern expects
LONG = "1" * 40 + "-rc"
TAGS = ["1.0.0", "1.2.0", LONG, "1.3.0-rc.1"]
# ambiguous repetition: how many digits each turn takes is open, tried every way by backtracking
BACKTRACKS = r"^([0-9]+\.?)+$"


def _policy(keys: Mapping[str, Any]) -> Policy:
    """The policy the keys make once written into the file (as init writes them) and read."""
    text = yaml.safe_dump({"images": [{"name": "ghcr.io/acme/app", **keys}], "environments": []})
    return Policy(config.parse(text, "gitops-bot.yaml").images[0].policy)


@pytest.mark.timeout(10)
def test_a_backtracking_allow_or_ignore_pattern_chooses_at_once() -> None:
    assert _policy({"allow": [BACKTRACKS]}).choose(TAGS, "1.0.0").tag == "1.2.0"
    ignoring = _policy({"ignore": [r"^([0-9]+\.?)+-dev$"]})
    assert ignoring.choose(TAGS, "1.0.0").tag == "1.2.0"


@pytest.mark.timeout(10)
def test_a_backtracking_regex_policy_pattern_orders_by_its_group_at_once() -> None:
    policy = _policy({"policy": "regex", "pattern": r"^(?P<n>([0-9]+)+)$", "extract": "n"})
    assert policy.choose(["7", "12", LONG, "9"], "7").tag == "12"


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("^(?!.*-rc).*$", "a negative lookahead, which Go's regexp has not"),
        (r"^(\d+)\.\1$", "a backreference"),
        (r"^v\d+\Z", r"Go's end of text is \z, or $"),
    ],
)
def test_a_pattern_go_does_not_read_is_refused_at_load_with_its_place_and_fix(
    pattern: str, said: str
) -> None:
    text = f"images:\n  - name: app\n    allow: ['{pattern}']\nenvironments: []\n"
    with pytest.raises(ConfigError) as caught:
        config.parse(text, "gitops-bot.yaml")
    message = str(caught.value)
    assert message.startswith(f"gitops-bot.yaml:3: invalid regular expression {pattern!r} in 'allow'"), (
        message
    )
    assert said in message and "write it in Go's regexp syntax (RE2)" in message, message
    assert "\n" not in message and caught.value.exit_code == 2


def test_a_pattern_python_reads_otherwise_means_what_go_means() -> None:
    """``[[:digit:]]`` is a digit to Go; to Python's re a set of brackets and letters then a
    ``]``, which no version matches."""
    policy = _policy({"allow": [r"^[[:digit:]]+\.[[:digit:]]+\.[[:digit:]]+$"]})
    assert policy.choose(["1.0.0", "1.2.0"], "1.0.0").tag == "1.2.0"


IMAGE_UPDATER = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app
  annotations:
    argocd-image-updater.argoproj.io/image-list: app=ghcr.io/acme/app
    argocd-image-updater.argoproj.io/app.update-strategy: semver
"""


def _updating(**annotations: str) -> dict[str, str]:
    """An Application whose image ``app`` Image Updater updates, with these annotations of it."""
    said = "".join(
        f"    argocd-image-updater.argoproj.io/app.{k.replace('_', '-')}: {json.dumps(v)}\n"
        for k, v in annotations.items()
    )
    return {"app.yaml": IMAGE_UPDATER + said}


@pytest.mark.timeout(10)
def test_image_updaters_backtracking_allow_tags_chooses_at_once(tmp_path: Path) -> None:
    (found,) = updater_policies(RepoFiles(write(tmp_path, _updating(allow_tags=f"regexp:{BACKTRACKS}"))))
    assert found.keys == {"policy": "semver", "allow": [BACKTRACKS]}
    assert _policy(found.keys).choose(TAGS, "1.0.0").tag == "1.2.0"


def test_image_updaters_allow_tags_go_refuses_is_said_not_taken(tmp_path: Path) -> None:
    (found,) = updater_policies(RepoFiles(write(tmp_path, _updating(allow_tags="regexp:^(?!rc)"))))
    assert found.keys is None
    assert (
        "which Image Updater cannot read either: invalid perl operator: (?! (a negative lookahead"
        in found.what
    )


FLUX = """apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {{name: app, namespace: flux-system}}
spec:
  imageRepositoryRef: {{name: app}}
  policy: {{numerical: {{order: asc}}}}
  filterTags: {{pattern: '{pattern}', extract: '{extract}'}}
"""


@pytest.mark.timeout(10)
@pytest.mark.parametrize("extract", ["$ts", "${ts}", "$1"])
def test_fluxs_backtracking_filter_extracts_as_flux_does_at_once(tmp_path: Path, extract: str) -> None:
    pattern = r"^main-(?P<ts>([0-9]+)+)$"
    (found,) = flux_policies(
        RepoFiles(write(tmp_path, {"policy.yaml": FLUX.format(pattern=pattern, extract=extract)}))
    )
    assert found.keys is not None, found.what
    tags = ["main-7", "main-12", "main-" + LONG, "main-9", "pr-40"]
    assert _policy(found.keys).choose(tags, "main-7").tag == "main-12"


def test_fluxs_extract_template_around_groups_orders_what_flux_expands(tmp_path: Path) -> None:
    """``$major$minor`` is the two groups side by side, as Go's Expand writes them (1.10 -> 110,
    above 1.9 -> 19); ``$major.$minor`` would read as one decimal."""
    pattern = r"^v(?P<major>[0-9]+)\.(?P<minor>[0-9]+)$"
    text = FLUX.format(pattern=pattern, extract="$major$minor")
    (found,) = flux_policies(RepoFiles(write(tmp_path, {"policy.yaml": text})))
    assert found.keys == {"policy": "numerical", "pattern": pattern, "extract": "$major$minor"}
    assert _policy(found.keys).choose(["v1.9", "v1.10", "v1.2"], "v1.2").tag == "v1.10"


def test_fluxs_filter_go_refuses_or_extracting_no_group_is_said_not_taken(tmp_path: Path) -> None:
    refused = FLUX.format(pattern="^(?=main)main-(?P<ts>[0-9]+)$", extract="$ts")
    (found,) = flux_policies(RepoFiles(write(tmp_path, {"policy.yaml": refused})))
    assert found.keys is None and "which Flux cannot read: invalid perl operator: (?=" in found.what
    empty = FLUX.format(pattern="^main-(?P<ts>[0-9]+)$", extract="$build")
    (found,) = flux_policies(RepoFiles(write(tmp_path / "other", {"policy.yaml": empty})))
    assert found.keys is None
    assert "names group 'build', which 'pattern' does not define" in found.what, found.what


@pytest.mark.timeout(10)
def test_a_backtracking_revision_from_tag_reads_no_commit_at_once() -> None:
    source = SourceConfig(
        repository="https://github.com/acme/app", revision_from_tag=r"^sha-(?P<sha>([0-9a-f]+)+)$"
    )
    assert contents._from_tag(source, "sha-" + "a" * 40 + "!") is None
    assert contents._from_tag(source, "sha-3f2a9c1") == "3f2a9c1"


@pytest.mark.parametrize(
    ("template", "expanded"),
    [
        ("$ts", "123"),
        ("${ts}", "123"),
        ("$2", "123"),
        ("$0", "main-abc-123"),
        ("${ts}x", "123x"),
        ("$tsx", ""),  # the longest name: ${tsx}, a group the pattern has not
        ("$1x", ""),  # ${1x}, not ${1}x
        ("$$ts", "$ts"),
        ("v${sha}.$ts", "vabc.123"),
        ("$ ${ts", "$ ${ts"),  # a $ starting no name is itself
    ],
)
def test_an_extract_template_expands_as_gos_regexp_expand(template: str, expanded: str) -> None:
    """Go's documentation of ``Regexp.Expand``, which Flux's ``filterTags.extract`` runs."""
    regexp = goregexp.compiled(r"^main-(?P<sha>[a-f0-9]+)-(?P<ts>\d+)$")
    assert regexp.extract("main-abc-123", template) == expanded
    assert regexp.extract("pr-7", template) is None


def test_re2s_own_match_gives_each_groups_text() -> None:
    """The match is RE2's own, called as google-re2's search calls it: its spans are bytes of
    UTF-8, a group that took no part is none, and a whole match is anchored at both ends."""
    assert goregexp.compiled(r"(?P<n>é+)-(x)?(y)").groups_of("aéé-y") == ["éé-y", "éé", None, "y"]
    assert goregexp.compiled(r"[0-9]+").group("v12", whole=True) is None
    assert goregexp.compiled(r"v[0-9]+").group("v12", whole=True) == "v12"


def test_a_refused_pattern_is_said_once_not_also_logged_by_the_library(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """RE2 logs each pattern it refuses to stderr by default, beside the bot's own line."""
    assert goregexp.problem("(?=main)main-[0-9]+") is not None
    assert capfd.readouterr().err == ""


def test_image_updaters_ignore_tags_are_its_globs_as_go_matches_them(tmp_path: Path) -> None:
    """ignore-tags is a list of Go ``filepath.Match`` globs, and tag-match allow-tags' former
    name: taken as ignore and allow patterns; a glob Go refuses ignores no tag, as there."""
    annotations = _updating(tag_match="regexp:^[0-9.]+(-rc[0-9]+)?$", ignore_tags="*-rc*, 1.2.[!, 1.[3-4].?")
    (found,) = updater_policies(RepoFiles(write(tmp_path, annotations)))
    assert found.keys == {
        "policy": "semver",
        "allow": ["^[0-9.]+(-rc[0-9]+)?$"],
        "ignore": [r"^[^/]*\-rc[^/]*$", r"^1\.[3-4]\.[^/]$"],
    }
    assert "('1.2.[!': no glob to Go, ignores no tag)" in found.what, found.what
    tags = ["1.2.0", "1.2.1", "1.3.0", "1.4.0-rc1", "1.2.10"]
    assert _policy(found.keys).choose(tags, "1.2.0").tag == "1.2.10"


@pytest.mark.parametrize(
    ("glob", "tag", "matched"),
    [  # Go's filepath.Match: what each glob term matches, the whole tag
        ("abc", "abc", True),
        ("*", "abc", True),
        ("*c", "abc", True),
        ("a*", "ab-c", True),
        ("a*/b", "abc/b", True),
        ("a*/b", "a/c/b", False),
        ("a*b?c*x", "abxbbxdbxebxczzx", True),
        ("ab[c]", "abc", True),
        ("ab[b-d]", "abc", True),
        ("ab[^c]", "abc", False),
        ("ab[^b-d]", "abe", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "ab", False),
        ("a?b", "a☺b", True),
        ("[\\-]", "-", True),
        ("v1.?", "v1x2", False),
    ],
)
def test_a_glob_matches_what_gos_filepath_match_matches(glob: str, tag: str, matched: bool) -> None:
    pattern = goregexp.from_glob(glob)
    assert pattern is not None and goregexp.compiled(pattern).found(tag) is matched


@pytest.mark.parametrize("glob", ["[", "[^", "[]a]", "[-]", "[x-]", "a\\", "[a-b"])
def test_a_glob_go_refuses_has_no_pattern(glob: str) -> None:
    assert goregexp.from_glob(glob) is None


@pytest.mark.timeout(10)
def test_a_patch_targets_backtracking_name_selects_as_kustomize_at_once() -> None:
    """A kustomization's patch target names its objects by a pattern kustomize anchors and reads
    in Go's syntax: one that backtracks in Python's re over a 40-letter name answers at once."""
    target = Selector(kind="Deployment", name="(a+)+b")
    assert not target.selects("Deployment", "a" * 40)
    assert target.selects("Deployment", "aaab")
    assert Selector(kind="Deploy", name="app").selects("Deployment", "app") is False  # anchored
    assert Selector(kind="", name="[[:alpha:]]+-api").selects("Service", "web-api")


def test_fluxs_semver_over_an_extracted_version_orders_that_version(tmp_path: Path) -> None:
    """Flux reads the extracted part as the version (``v1.10.0-alpine`` is 1.10.0), within the
    range; the tags the pattern does not match are left out."""
    text = FLUX.format(pattern="^v(?P<version>.*)-alpine$", extract="$version").replace(
        "{numerical: {order: asc}}", "{semver: {range: '>=1.0.0 <2.0.0'}}"
    )
    (found,) = flux_policies(RepoFiles(write(tmp_path, {"policy.yaml": text})))
    assert found.keys == {
        "policy": "semver",
        "range": ">=1.0.0 <2.0.0",
        "pattern": "^v(?P<version>.*)-alpine$",
        "extract": "version",
    }, found.what
    tags = ["v1.2.0-alpine", "v1.10.0-alpine", "v2.0.0-alpine", "v1.11.0", "1.12.0-alpine", "v1.9.0-alpine"]
    policy = _policy(found.keys)
    assert policy.choose(tags, "v1.2.0-alpine").tag == "v1.10.0-alpine"
    assert policy.older("v1.9.0-alpine", "v1.10.0-alpine") is True
