"""Registry answers are outside input: whatever a registry (or something pretending to be one)
sends, each parser either believes it or refuses it with a RegistryProtocolError naming the
image, never another exception (an AttributeError, a RecursionError, a KeyError) that would
abort the whole plan instead of skipping one image.

Property-based, with bounded examples so the inner loop stays fast.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_bot.core.errors import RegistryAccessError, RegistryProtocolError
from gitops_bot.net.transport import Reply
from gitops_bot.registry import answers, auth
from gitops_bot.registry.client import RegistryClient
from testkit.examples import examples

SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=1, max_value=5000).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    st.integers(min_value=1, max_value=5000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
)
header_text = st.text(alphabet=st.characters(codec="latin-1"), max_size=120)


def reply(body: bytes, headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply(200, headers or [], body, "http://registry.test/v2/x")


@SETTINGS
@given(bodies)
def test_any_tag_list_answer_is_a_list_of_strings_or_one_protocol_error(body: bytes) -> None:
    try:
        tags = answers.tag_page(reply(body), "registry.test", "app")
    except RegistryProtocolError as exc:
        assert "registry.test/app" in str(exc)
    else:
        assert all(isinstance(t, str) for t in tags)


@SETTINGS
@given(bodies)
def test_any_answer_read_as_a_json_object_is_a_dict_or_one_protocol_error(body: bytes) -> None:
    try:
        data = answers.json_object(body, "registry.test", "app")
    except RegistryProtocolError as exc:
        assert "registry.test/app" in str(exc)
    else:
        assert isinstance(data, dict)


@SETTINGS
@given(
    bodies, st.sampled_from(["", "application/json", *answers.MANIFEST_MEDIA_TYPES, "text/html"]), header_text
)
def test_any_manifest_answer_is_accepted_only_when_its_digest_matches(
    body: bytes, content_type: str, claimed: str
) -> None:
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    headers = [("Content-Type", content_type), ("Docker-Content-Digest", claimed)]
    try:
        kind, kept, got = answers.accepted(
            reply(body, headers), "registry.test", "app", "1.0.0", "http://registry.test"
        )
    except RegistryProtocolError:
        return
    assert (got, kept) == (digest, body)
    assert kind in answers.MANIFEST_MEDIA_TYPES
    assert claimed in ("", digest)


@SETTINGS
@given(header_text)
def test_any_link_header_gives_a_url_string_or_none(header: str) -> None:
    found = answers.next_link(header)
    assert found is None or isinstance(found, str)


@SETTINGS
@given(st.lists(header_text, max_size=4))
def test_any_www_authenticate_headers_parse_to_challenges_without_raising(headers: list[str]) -> None:
    for challenge in auth.parse_challenges(headers):
        assert isinstance(challenge.scheme, str)


def _index(manifests: Any) -> bytes:
    return json.dumps({"mediaType": answers.INDEX_TYPES[0], "manifests": manifests}).encode()


platforms = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "os": st.sampled_from(["linux", "windows", 3, None]),
            "architecture": st.sampled_from(["amd64", "arm64", []]),
        }
    ),
)
entries = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "digest": st.one_of(st.just("sha256:" + "a" * 64), st.text(max_size=10), st.integers()),
            "platform": platforms,
        }
    ),
)


@SETTINGS
@given(st.one_of(json_values, st.lists(entries, max_size=6)))
def test_any_platform_index_gives_a_digest_or_skips_the_image(manifests: Any) -> None:
    """A malformed index is a protocol error, an index without the platform an access error:
    both skip this one image with its reason."""
    client = RegistryClient.__new__(RegistryClient)  # the index walk reads no connection
    client.host = "registry.test"
    try:
        digest = client._platform_child("app", "1.0.0", _index(manifests), "linux/amd64")
    except (RegistryProtocolError, RegistryAccessError) as exc:
        assert "registry.test/app" in str(exc)
    else:
        assert digest.startswith("sha256:")


def test_a_registry_reached_over_https_gets_no_credential_on_plain_http_of_the_same_host() -> None:
    """A redirect from https to http on the registry's own host is a downgrade: the request
    goes out bare and its 401 is not answered with the password."""
    from gitops_bot.registry.credentials import RegistryCredential

    cred = RegistryCredential("test", username="bot", password="s3cret-password")
    bound = auth.RegistryAuth("registry.test", cred, scheme="https")
    plain = auth.RegistryRequest("GET", "http://registry.test/v2/app/manifests/1.0.0")
    flow = bound.flow(plain)
    sent = next(flow)
    assert "Authorization" not in sent.headers
    challenge = Reply(401, [("WWW-Authenticate", 'Basic realm="r"')], b"", plain.url)
    try:
        again = flow.send(challenge)
    except StopIteration:
        again = None
    assert again is None
    https = auth.RegistryRequest("GET", "https://registry.test/v2/app/manifests/1.0.0")
    flow = bound.flow(https)
    next(flow)
    answered = flow.send(Reply(401, [("WWW-Authenticate", 'Basic realm="r"')], b"", https.url))
    assert answered.headers["Authorization"].startswith("Basic ")
