"""A policy guessed from the tags pinned today: each shape of tag gives the policy that orders
it, and what is written is one the policy reader accepts and that chooses as intended."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pytest

from gitops_bot import config
from gitops_bot.policy import Policy, moving_word
from gitops_bot.policy.guess import guess
from testkit.policies import policy_of


def test_semver_tags_stay_within_the_pinned_major() -> None:
    g = guess(["v1.4.2", "v1.3.0", "v1.4.2"])
    assert g.keys == {"policy": "semver", "range": ">=1.0.0 <2.0.0"}
    assert "major 1" in g.why
    choice = policy_of(dict(g.keys)).choose(["v1.4.2", "v1.5.0", "v2.0.0"], "v1.4.2")
    assert choice.tag == "v1.5.0"


def test_several_majors_keep_the_highest_and_say_so() -> None:
    g = guess(["1.2.0", "2.0.1"])
    assert g.keys["range"] == ">=2.0.0 <3.0.0"
    assert "majors 1, 2" in g.why


def test_the_majors_a_range_leaves_out_are_said_with_what_a_release_does_to_them() -> None:
    """mitchross/talos-argocd-proxmox: postgres pinned at 15.12-alpine (posthog), 17.11 (temporal,
    held there on purpose) and 18.6: the range keeps major 18, and a release into the others'
    places would move those databases to 18; the guess says which tags it leaves out and so."""
    g = guess(["15.12-alpine", "17.11", "18.6"], "postgres")
    assert g.keys["range"] == ">=18.0.0 <19.0.0", g
    assert g.why.endswith(
        "majors 15, 17, 18 pinned, range set to the highest: it leaves out 15.12-alpine and 17.11: a "
        "release where they are pinned moves them to major 18 (list the image only in the environments "
        "at major 18, or pin those places by hand)"
    ), g.why
    assert policy_of(dict(g.keys)).choose(["17.11", "17.12", "18.6", "18.7"], "17.11").tag == "18.7"


def test_a_prerelease_pinned_keeps_prereleases() -> None:
    assert guess(["1.0.0-rc.1"]).keys["prerelease"] is True


@pytest.mark.parametrize("tag", ["latest", "main", "stable"])
def test_a_mutable_tag_is_followed_by_digest(tag: str) -> None:
    assert guess([tag]).keys == {"policy": "digest", "tag": tag}


def test_a_timestamp_orders_by_it() -> None:
    g = guess(["20240131-1542", "20240202-0910"])
    assert g.keys["policy"] == "regex"
    pattern = str(g.keys["pattern"])
    assert re.fullmatch(pattern, "20250101-0000")
    assert not re.fullmatch(pattern, "latest")
    choice = policy_of(dict(g.keys)).choose(["20240131-1542", "20250101-0000", "junk"], "20240131-1542")
    assert choice.tag == "20250101-0000"


def test_a_build_number_beside_a_commit_hash_orders_by_the_number() -> None:
    g = guess(["main-57-3f2a9c1"])
    assert g.keys["policy"] == "regex" and "build number" in g.why
    choice = policy_of(dict(g.keys)).choose(
        ["main-57-3f2a9c1", "main-102-aa0b1c2", "main-9-ffffff1"], "main-57-3f2a9c1"
    )
    assert choice.tag == "main-102-aa0b1c2"


def test_commit_hashes_alone_have_no_order_and_say_it_is_a_weak_guess() -> None:
    g = guess(["efb4e5b", "3f2a9c1"])
    assert g.keys == {"policy": "newest"}
    assert "check this guess" in g.why


def test_no_tag_pinned_follows_latest_and_says_so() -> None:
    g = guess(["", ""])
    assert g.keys == {"policy": "digest", "tag": "latest"}
    assert "no tag is pinned" in g.why


@pytest.mark.parametrize(
    "tag", ["latest-pg17", "stable-alpine", "main-debian", "edge_slim", "latest-alpine3.19"]
)
def test_a_moving_word_with_a_variant_is_a_moving_tag_followed_by_digest(tag: str) -> None:
    """timescale/timescaledb:latest-pg17 names PostgreSQL 17's moving image: read as a build
    number, a plan proposed latest-pg18, a PostgreSQL major upgrade."""
    g = guess([tag])
    assert g.keys == {"policy": "digest", "tag": tag}
    assert "moving tag" in g.why


@pytest.mark.parametrize(
    "tag", ["main-57-3f2a9c1", "main-3f2a9c1", "release-1.2.3", "release-v1.2.3", "dev-build-412"]
)
def test_a_moving_word_before_a_build_or_version_is_no_moving_tag(tag: str) -> None:
    assert guess([tag]).keys["policy"] != "digest"


def test_a_version_with_a_commit_hash_follows_the_newest_build_of_that_version() -> None:
    # argoproj-deployments' CI pins argocd to 3.6.0-<8 hex> several times a day: under semver the
    # hash reads as a Docker variant, so only the pinned tag would ever match
    g = guess(["3.6.0-4d09b7bd"])
    assert g.keys == {"policy": "newest", "pattern": r"^3\.6\.0-[0-9a-f]{8}$"}
    assert "commit hash" in g.why
    tags = ["3.5.2", "3.6.0-d381d5b8", "3.6.0-4d09b7bd", "3.6.0-2a7c1e90", "3.7.0", "latest"]
    assert policy_of(dict(g.keys)).candidates(tags, "3.6.0-4d09b7bd") == [
        "3.6.0-d381d5b8",
        "3.6.0-4d09b7bd",
        "3.6.0-2a7c1e90",
    ]


# -- a tag's family: its variant, every number in it, a digest beside it ---------------------
#
# Each guess is loaded by the config reader, as init's text is, and its policy asked to choose
# among the tags a registry would list: what a person gets from the first plan.


def _chosen(keys: Mapping[str, object], tags: list[str], current: str) -> str | None:
    lines = ["version: 1", "images:", "  - name: ghcr.io/acme/app"]
    lines += [f"    {k}: {json.dumps(v)}" for k, v in keys.items()]
    lines += ["environments:", "  - name: dev", "    path: overlays/dev"]
    cfg = config.parse("\n".join(lines) + "\n", "gitops-bot.yaml")
    image = cfg.image("ghcr.io/acme/app")
    assert image is not None
    return Policy(image.policy).choose(tags, current).tag


def test_a_moving_word_after_a_variant_is_followed_not_ordered() -> None:
    """docker:dind-rootless-latest guessed newest, and its first plan proposed basic-latest (another
    variant's moving tag, built a minute later)."""
    g = guess(["dind-rootless-latest"])
    assert g.keys == {"policy": "digest", "tag": "dind-rootless-latest"}
    assert "moving tag" in g.why
    assert _chosen(g.keys, ["basic-latest", "dind-rootless-latest", "28.0.1"], "dind-rootless-latest") == (
        "dind-rootless-latest"
    )


@pytest.mark.parametrize("tag", ["basic-latest", "dind-rootless-latest", "alpine-stable", "slim_edge"])
def test_a_variant_then_a_moving_word_is_a_moving_tag(tag: str) -> None:
    assert moving_word(tag) is not None
    newest = policy_of({"policy": "newest"})
    assert newest.candidates([tag, "28.0.1"], None) == ["28.0.1"]


@pytest.mark.parametrize("tag", ["1.2.3-dev", "v1.2-latest", "3f2a9c1-main", "build-57-latest"])
def test_a_version_or_build_before_a_moving_word_is_no_moving_tag(tag: str) -> None:
    """1.2.3-dev is a prerelease semver orders; a build before the word is a build."""
    assert moving_word(tag) is None


def test_a_prefixed_version_orders_every_number_group() -> None:
    """nori-9.2.1 guessed a regex ordered by its first number: 9.3.0 chosen over 9.10.2."""
    g = guess(["nori-9.2.1"])
    tags = ["nori-9.2.1", "nori-9.3.0", "nori-9.10.2", "nori-10.0.0", "other-9.11.0", "nori-9.10.2-rc"]
    assert _chosen(g.keys, tags, "nori-9.2.1") == "nori-9.10.2"
    assert "major 9" in g.why


def test_a_build_number_after_a_version_orders_as_a_fourth_group() -> None:
    """Sonarr/Radarr's 6.4.1.10545: every group a number, the build last."""
    g = guess(["6.4.1.10545", "6.4.1.10412"])
    tags = ["6.4.1.10545", "6.4.1.10600", "6.5.0.10700", "6.10.0.1", "7.0.0.1", "6.4.1"]
    assert _chosen(g.keys, tags, "6.4.1.10545") == "6.10.0.1"


def test_a_variant_suffix_and_prefix_are_kept() -> None:
    g = guess(["1.25-alpine"])
    assert _chosen(g.keys, ["1.25-alpine", "1.27-alpine", "1.27", "1.28-bookworm"], "1.25-alpine") == (
        "1.27-alpine"
    )
    g = guess(["alpine-3.18.4"])
    tags = ["alpine-3.18.4", "alpine-3.20.1", "debian-3.21.0", "alpine-3.9.9"]
    assert _chosen(g.keys, tags, "alpine-3.18.4") == "alpine-3.20.1"


DIGEST = "sha256:" + "1d" * 32


def test_a_tag_carrying_its_digest_is_read_as_the_tag_and_said() -> None:
    """Renovate pins a Flux HelmRelease's image as tag: 6.4.1.10545@sha256:...: read as "no tag
    pinned" (or as a regex over the digest's hex), never as the release it is."""
    g = guess([f"6.4.1.10545@{DIGEST}", f"6.4.1.10412@{DIGEST}"])
    assert g.digest_in_tag
    assert g.keys == guess(["6.4.1.10545", "6.4.1.10412"]).keys
    assert "digest" in g.why and "sha256" not in str(g.keys)
    assert _chosen(g.keys, ["6.4.1.10545", "6.5.0.10700"], "6.4.1.10545") == "6.5.0.10700"


def test_a_moving_tag_pinned_by_digest_follows_that_tag() -> None:
    g = guess([f"latest@{DIGEST}", f"latest@{DIGEST}"])
    assert g.keys == {"policy": "digest", "tag": "latest"}
    assert g.digest_in_tag


@pytest.mark.parametrize("tag", ["dind-rootless", "dind", "alpine", f"cli@{DIGEST}"])
def test_a_word_with_no_version_is_followed_by_digest(tag: str) -> None:
    """docker:dind-rootless (Renovate pins it dind-rootless@sha256:...): newest over the
    registry's tags proposed whatever was built last, another variant (cli, 28.0.1-dind)."""
    g = guess([tag])
    assert g.keys == {"policy": "digest", "tag": tag.split("@")[0]}
    assert (
        _chosen(g.keys, ["cli", "dind", "dind-rootless", "28.0.1-dind"], tag.split("@")[0])
        == tag.split("@")[0]
    )


@pytest.mark.parametrize(
    ("image", "pinned", "listed"),
    [
        # redhat-na-ssa/demo-ai-gitops-catalog@6545b581: registry:2 was guessed a build number,
        # and a release proposed registry 3
        ("docker.io/library/registry", "2", ["2", "2.8", "3", "3.0.0"]),
        # bokristoffersson/homelab-k12n-gitops and fineract-gitops: postgres 15-alpine -> 17-alpine
        ("postgres", "15-alpine", ["15-alpine", "16-alpine", "17-alpine"]),
        ("library/rabbitmq", "3-management", ["3-management", "4-management"]),
        # the same software under another publisher's name: OpenShift's imagestream, bitnami's
        (
            "image-registry.openshift-image-registry.svc:5000/openshift/postgresql",
            "12",
            ["10", "12", "13", "16"],
        ),
        ("bitnami/postgresql", "16", ["15", "16", "17"]),
        # mitchross/talos-argocd-proxmox@38e5c2f8: pgvector/pgvector:pg16 was guessed a build
        # number and a release moved the database to pg18; pgvector's tags pg16, pg17, pg18 are
        # each PostgreSQL major's line (hub.docker.com/r/pgvector/pgvector, 2026-11)
        ("pgvector/pgvector", "pg16", ["pg15", "pg16", "pg17", "pg18"]),
        ("acme/web", "node20-alpine", ["node18-alpine", "node20-alpine", "node22-alpine"]),
    ],
)
def test_an_official_images_one_number_tag_is_its_majors_moving_tag(
    image: str, pinned: str, listed: list[str]
) -> None:
    g = guess([pinned], image)
    assert dict(g.keys) == {"policy": "digest", "tag": pinned}, g.why
    assert "moving tag" in g.why and "a new major is a decision" in g.why
    assert policy_of(dict(g.keys)).choose(listed, pinned).tag in (None, pinned)


def test_a_projects_one_number_tag_is_a_build_number_and_the_other_reading_is_said() -> None:
    # Rupa1277/argocd-demo: CI writes flask-demo:6, its build number
    g = guess(["6"], "rupa1277/flask-demo")
    assert g.keys["order"] == "numerical" and "a build number" in g.why
    assert "follow it with policy: digest, tag: 6" in g.why
    assert "follow it with" not in guess(["1234"], "acme/app").why  # no major is four digits
    assert guess(["b16"], "acme/app").keys["order"] == "numerical"  # no software's name: a build


def test_a_calendar_version_follows_every_later_release() -> None:
    # Helix-Stax-Gitops/helix-stax-infrastructure@d8a3080c: cloudflare/cloudflared 2024.12.2
    # (year.month.patch) was kept within >=2024.0.0 <2025.0.0, which no release since January
    # 2025 matches; cloudflared's own tags, copied 2026-11 (hub.docker.com/r/cloudflare/cloudflared)
    listed = ["2024.11.1", "2024.12.2", "2025.1.0", "2025.10.1", "2026.3.0"]
    g = guess(["2024.12.2"], "cloudflare/cloudflared")
    assert policy_of(dict(g.keys)).choose(listed, "2024.12.2").tag == "2026.3.0", (g.keys, g.why)
    assert "calendar" in g.why


# bitnami/postgresql's tags as public repositories' files name them (az acr import, kubectl run
# --image, a values table; found by searching public code): one version rebuilt as revisions
BITNAMI_POSTGRESQL = [f"16.1.0-debian-11-r{n}" for n in (0, 15, 16, 18, 20, 24)]


def test_a_rebuilt_versions_revision_suffix_orders_by_version_then_revision() -> None:
    g = guess(["16.1.0-debian-11-r15"], "bitnami/postgresql")
    assert g.keys["policy"] == "regex", g
    assert "revisions of one line (-debian-11-rN)" in g.why
    # semver read -debian-11-r15 as one variant, the pinned tag's alone: nothing else proposed
    assert _chosen(g.keys, [*BITNAMI_POSTGRESQL, "17.0.0-debian-12-r0"], "16.1.0-debian-11-r15") == (
        "16.1.0-debian-11-r24"
    )


def test_a_variant_naming_a_line_keeps_it() -> None:
    # timescale/timescaledb (newcomer10's F3b, bokristoffersson/homelab-k12n-gitops): -pg16 is the
    # PostgreSQL major it runs on, a line of its own, never a prerelease nor the next build
    tags = ["2.24.0-pg16", "2.24.1-pg16", "2.24.1-pg17", "2.25.0-pg15", "2.24.1"]
    assert _chosen(guess(["2.24.0-pg16"], "timescale/timescaledb").keys, tags, "2.24.0-pg16") == "2.24.1-pg16"


def test_a_calendar_version_beside_semver_tags_still_follows_the_next_year() -> None:
    """A family pinned at 1.2.3 in one place and 2024.12.2 in another was kept within
    >=2024.0.0 <2025.0.0: the highest major is a year, and no release after December matched."""
    g = guess(["1.2.3", "2024.12.2"], "acme/tool")
    assert (
        policy_of(dict(g.keys)).choose(["1.2.3", "2024.12.2", "2025.1.0"], "2024.12.2").tag == "2025.1.0"
    ), g
    assert "calendar" in g.why and "majors 1, 2024 pinned" in g.why, g.why


def test_a_word_no_release_is_named_beside_versions_keeps_their_policy() -> None:
    """SMACAcademy's course files pin nginx 1.14.2, and one demo the deliberately broken
    ``non-existent``: the guess turned to newest (whichever nginx tag was pushed last)."""
    g = guess(["1.14.2", "non-existent", "1.14.2"], "nginx")
    assert g.keys == {"policy": "semver", "range": ">=1.0.0 <2.0.0"}
    assert g.why.endswith("; also pinned non-existent, no version: not a release the policy orders"), g.why
    assert guess(["alpha", "beta"]).policy == "newest"


def test_a_release_lines_moving_tag_follows_its_digest() -> None:
    """jomcgi/homelab pins envoyproxy/envoy:v1.31-latest: guessed semver, a plan proposed
    v1.32-latest, another line's moving tag."""
    g = guess(["v1.31-latest"])
    assert dict(g.keys) == {"policy": "digest", "tag": "v1.31-latest"}
    assert g.why.startswith("pinned v1.31-latest, line v1.31's moving tag: follows its digest"), g.why
    assert guess(["1.2.3-dev"]).policy == "semver"  # a version's prerelease, ordered
