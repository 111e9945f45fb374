"""Properties of the one image-reference type: a reference as written splits and formats back
to the very text, whatever it holds; references generated from the grammar parse to the parts
they were built from, read the same by docker's and kustomize's grammar, and normalise to one
location however Docker Hub is spelled; setting parts follows kustomize's rules."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import DOCKER_HUB, ImageRef, WrittenRef, set_parts
from testkit.examples import examples

HEX = "0123456789abcdef"
COMPONENT = st.from_regex(r"[a-z0-9]{1,6}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,6}){0,2}", fullmatch=True)
HOSTS = st.sampled_from(
    ["", "docker.io", "ghcr.io", "registry.example.com", "localhost", "localhost:5000", "[::1]:5000"]
)
TAG = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,20}", fullmatch=True)
DIGEST = st.text(HEX, min_size=64, max_size=64).map(lambda h: f"sha256:{h}")


@st.composite
def references(draw: st.DrawFn) -> tuple[str, str, str | None, str | None, str]:
    """(text, name as written, tag, digest, normalised location) from the reference grammar."""
    host = draw(HOSTS)
    components = draw(st.lists(COMPONENT, min_size=1, max_size=3))
    assume(host or not ("." in components[0] and len(components) > 1))  # that would be a host
    path = "/".join(components)
    name = f"{host}/{path}" if host else path
    tag = draw(st.none() | TAG)
    digest = draw(st.none() | DIGEST)
    text = name + (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest is not None else "")
    hub = host in ("", "docker.io")
    location = f"{DOCKER_HUB}/{'library/' * (len(components) == 1)}{path}" if hub else name
    return text, name, tag, digest, location


@settings(max_examples=examples(300), deadline=None)
@given(text=st.text(st.sampled_from("ab/:@.-_1 {}$")) | st.text(), start=st.integers(0, 40))
def test_any_text_splits_and_formats_back_to_itself(text: str, start: int) -> None:
    assert WrittenRef.split(text).format() == text
    assert WrittenRef.split_from(text, min(start, len(text))).format() == text


@settings(max_examples=examples(300), deadline=None)
@given(ref=references())
def test_a_reference_of_the_grammar_parses_to_its_parts(
    ref: tuple[str, str, str | None, str | None, str],
) -> None:
    text, name, tag, digest, location = ref
    written = WrittenRef.split(text)
    assert (written.name, written.tag, written.digest) == (name, tag, digest)
    # kustomize's reading (separators after the first "/") agrees on every valid reference
    assert WrittenRef.split_from(text, text.find("/") + 1) == written
    parsed = ImageRef.parse(text)
    assert (parsed.tag, parsed.digest) == (tag, digest)
    assert parsed == written.normalized() == ImageRef.parse(str(parsed))
    assert written.location == parsed.location == location


@pytest.mark.parametrize(
    "text", ["nginx", "docker.io/nginx", "docker.io/library/nginx", "index.docker.io/library/nginx:1"]
)
def test_docker_hub_spellings_share_one_location(text: str) -> None:
    assert WrittenRef.split(text).location == f"{DOCKER_HUB}/library/nginx"
    assert WrittenRef.split(text).format() == text  # as written stays as written


@pytest.mark.parametrize("text", ["{{ .Values.image }}", "App:1", "app:", "app@", "app@sha256:abc", "a:b/c"])
def test_what_is_not_a_reference_is_kept_but_not_normalised(text: str) -> None:
    written = WrittenRef.split(text)
    assert written.format() == text
    with pytest.raises(UsageError):
        written.normalized()
    with pytest.raises(UsageError):
        ImageRef.parse(text)


@settings(max_examples=examples(200), deadline=None)
@given(ref=references(), tag=TAG, digest=DIGEST, keep=st.booleans())
def test_setting_parts_follows_kustomize(
    ref: tuple[str, str, str | None, str | None, str], tag: str, digest: str, keep: bool
) -> None:
    written = WrittenRef.split(ref[0])
    assert written.with_tag(tag, keep_digest=keep) == WrittenRef(
        written.name, tag, written.digest if keep else None
    )
    assert written.with_digest(digest) == WrittenRef(written.name, written.tag, digest)
    assert written.updated(tag=tag, digest=digest) == WrittenRef(written.name, tag, digest)
    assert written.updated(name="ghcr.io/x/y") == WrittenRef("ghcr.io/x/y", written.tag, written.digest)
    assert written.updated() == written


def test_set_parts_lists_only_what_changes() -> None:
    assert set_parts() == {}
    assert set_parts(tag="2") == {"tag": "2", "digest": None}
    assert set_parts(tag="2", keep_digest=True) == {"tag": "2"}
    assert set_parts(digest="sha256:" + "a" * 64) == {"digest": "sha256:" + "a" * 64}
    assert set_parts(name="x") == {"name": "x"}


def test_a_tag_may_pin_a_digest() -> None:
    digest = "sha256:" + "a" * 64
    assert WrittenRef.of_tag("app", f"1.4.2@{digest}") == WrittenRef("app", "1.4.2", digest)
    assert WrittenRef.of_tag("localhost:5000/app", "1") == WrittenRef("localhost:5000/app", "1", None)
    assert WrittenRef("app", "1.4.2", digest).tag_text == f":1.4.2@{digest}"
    assert WrittenRef.of_tag("app", f"1.4.2@{digest}").pinned_tag == f"1.4.2@{digest}"
    assert WrittenRef("app", None, digest).pinned_tag == f"@{digest}"


def test_a_docker_hub_path_that_starts_like_a_host_keeps_its_host_in_the_name() -> None:
    """Found by the property above: ``docker.io/my.org/app`` printed as ``my.org/app``, which
    reads back as registry my.org (PlanItem.repository is this name, and it is parsed again)."""
    ref = ImageRef.parse("docker.io/my.org/app")
    assert ref.name == "docker.io/my.org/app" and ImageRef.parse(ref.name) == ref
    assert ImageRef.parse("docker.io/acme/app").name == "acme/app"
    assert ImageRef.parse("docker.io/library/my.app").name == "my.app"


@pytest.mark.parametrize(
    ("written", "rule"),
    [
        ("https://ghcr.io/acme/app", "an image reference has no scheme: leave out 'https://'"),
        ("ghcr.io/Acme/app:1.0", "repository paths are lowercase: write 'acme', not 'Acme'"),
        ("ghcr.io/acme//app", "a path component is empty"),
        ("ghcr.io/acme/a$p", "'a$p' contains '$'"),
        ("ghcr.io/acme/-app", "'-app' must start and end with a letter or digit"),
        ("ghcr.io/", "it names no repository after the registry host"),
        ("app:-rc", "invalid tag '-rc' in image reference 'app:-rc': it starts with '-'"),
        ("app:1.0+build", "invalid tag '1.0+build' in image reference 'app:1.0+build': it contains '+'"),
        ("app:" + "a" * 129, "it is 129 characters long, and a tag has at most 128"),
    ],
)
def test_a_refused_reference_says_which_rule_it_broke(written: str, rule: str) -> None:
    with pytest.raises(UsageError) as refused:
        ImageRef.parse(written)
    assert rule in str(refused.value)
