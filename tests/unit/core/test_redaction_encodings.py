"""A registered secret is redacted in the encodings a service echoes it in: base64 (standard
and URL-safe, padded or not) of any text holding it, at any of the three alignments base64
has (``user:secret`` of a Basic header, a JSON document), those runs JSON-escaped or
percent-encoded; percent-encoding with ``+`` for a space; JSON escapes with and without
``\\u``. The check is independent of how redaction finds them: every base64 run left in the
redacted text is decoded at each alignment, and no decoding may hold the secret's inside."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.core import log, spellings
from testkit.examples import examples

_RUN = re.compile(r"[A-Za-z0-9+/_-]{4,}")


def _decodings(text: str) -> list[bytes]:
    """Every way a base64 run in ``text`` decodes (each start within the run, either alphabet)."""
    found: list[bytes] = []
    for run in _RUN.findall(text.replace("\\/", "/")):
        for start in range(4):
            part = run[start:]
            part = part[: len(part) - len(part) % 4]
            for alphabet in (part, part.translate(str.maketrans("-_", "+/"))):
                with contextlib.suppress(binascii.Error, ValueError):
                    found.append(base64.b64decode(alphabet, validate=True))
    return found


def _leaks(secret: str, text: str) -> bool:
    inside = secret.encode()[1:-1]  # the ends may keep a few bits of their byte
    return secret in text or any(inside in decoded for decoded in _decodings(text))


secrets = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=60)
around = st.binary(max_size=12)


@settings(max_examples=examples(300), deadline=None)
@given(secret=secrets, before=around, after=around, urlsafe=st.booleans(), padded=st.booleans())
def test_base64_of_any_text_holding_a_secret_is_redacted(
    secret: str, before: bytes, after: bytes, urlsafe: bool, padded: bool
) -> None:
    log.register_secret(secret)
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    echoed = encode(before + secret.encode() + after).decode()
    echoed = echoed if padded else echoed.rstrip("=")
    for spelled in (echoed, json.dumps(echoed)[1:-1].replace("/", "\\/"), quote(echoed, safe="")):
        shown = log.redact(f"401 Unauthorized: the token {spelled} is not valid")
        assert not _leaks(secret, shown), (secret, shown)


def test_a_basic_header_echoed_without_its_scheme_is_redacted() -> None:
    token = "ghp_echoedInBase64_0123456789"
    log.register_secret(token)
    for user in ("x-access-token", "AWS", "oauth2accesstoken", "u", "us", "use"):
        header = base64.b64encode(f"{user}:{token}".encode()).decode()
        shown = log.redact(json.dumps({"message": f"credentials {header} were refused"}))
        assert not _leaks(token, shown), shown


def test_url_and_json_spellings_are_redacted() -> None:
    secret = "pass word/é+&=secret"
    log.register_secret(secret)
    for spelled in (
        quote(secret, safe=""),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    ):
        assert log.redact(f"echo: {spelled} end") == "echo: *** end", spelled


def test_ordinary_text_and_digests_stay_readable_beside_the_runs() -> None:
    log.register_secret("ghp_another_secret_value_42")
    text = (
        "example/app 1.2.0@sha256:" + "0123456789abcdef" * 4 + " proposed for staging: "
        "highest of 2 tags matching semver ^1 (base64 and URL-encoding are words here)"
    )
    assert log.redact(text) == text


def test_a_secret_with_a_lone_surrogate_is_registered_and_redacted() -> None:
    # an answer's JSON may spell one ("\\ud800"); registering it must not raise
    secret = "tok\ud800en-value"
    log.register_secret(secret)
    assert log.redact(f"echo {secret} end") == "echo *** end"


@settings(max_examples=examples(200), deadline=None)
@given(secret=secrets, before=around, after=around, urlsafe=st.booleans(), padded=st.booleans())
def test_a_base64_echo_is_redacted_whole_not_a_bit_of_the_secret_left_beside_the_mark(
    secret: str, before: bytes, after: bytes, urlsafe: bool, padded: bool
) -> None:
    # the characters just outside a run each hold up to four of the secret's bits
    # ('***g==' kept two of its last byte's, 'dX***' four of its first's): the echo goes whole
    log.register_secret(secret)
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    echoed = encode(before + secret.encode() + after).decode()
    echoed = echoed if padded else echoed.rstrip("=")
    for spelled in (echoed, json.dumps(echoed)[1:-1].replace("/", "\\/"), quote(echoed, safe="")):
        assert log.redact(f'401: the token "{spelled}" is not valid') == '401: the token "***" is not valid'


def test_a_long_base64_text_around_an_echo_is_redacted_in_linear_time() -> None:
    secret = "ghp_linearTimeSecret_0123456789"
    log.register_secret(secret)
    blob = base64.b64encode(b"x" * 600_000 + secret.encode()).decode()
    text = ("A" * 200_000 + " ") * 4 + blob
    assert log.redact(text).endswith(" ***")


def test_the_text_around_a_base64_echo_stays() -> None:
    secret = "ghp_aroundTheEcho_0123456789"
    log.register_secret(secret)
    echoed = base64.b64encode(f"x-access-token:{secret}".encode()).decode()
    assert log.redact(f"GET /?auth={echoed}&page=2 refused") == "GET /?auth=***&page=2 refused"


SHORT = ("pass", "s3cr3", "hunter", "Tr0ub4", "p@ss", "a+b/c", "\u00e9t\u00e9s", "zZ9-_~", "seven7!")


def test_a_short_secret_in_base64_is_redacted_at_every_alignment() -> None:
    """A secret of 4 to 7 bytes (a registry's or a chart repository's short password in a
    Basic header echoed without its scheme) is looked for at each of base64's three
    alignments, in both alphabets, padded or not, JSON-escaped or percent-encoded."""
    for secret in SHORT:
        log.register_secret(secret)
        for echoed in _echoes(secret):
            redacted = log.redact(f'401: the credentials "{echoed}" were refused')
            assert redacted == '401: the credentials "***" were refused', (secret, echoed)


def _echoes(secret: str) -> list[str]:
    """``secret`` in base64 after 0 to 2 bytes (mod 3) and before a few, in both alphabets,
    padded or not, as is, JSON-escaped and percent-encoded."""
    out = []
    for before in (b"", b"u", b"us", b"bob:", b"x-access-token:"):
        for after in (b"", b"\n", b"}", b'","x":1}'):
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                echoed = encode(before + secret.encode() + after).decode()
                for shown in (echoed, echoed.rstrip("=")):
                    out += [shown, json.dumps(shown)[1:-1].replace("/", "\\/"), quote(shown, safe="")]
    return out


@settings(max_examples=examples(300), deadline=None)
@given(
    secret=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=4, max_size=7),
    before=around,
    after=around,
    urlsafe=st.booleans(),
)
def test_base64_of_any_text_holding_a_short_secret_is_redacted_whole(
    secret: str, before: bytes, after: bytes, urlsafe: bool
) -> None:
    log.register_secret(secret)
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    echoed = encode(before + secret.encode() + after).decode()
    # around it only what no printable ASCII secret can match
    assert log.redact(f"\u00ab {echoed} \u00bb") == "\u00ab *** \u00bb"


def test_a_short_secret_s_runs_leave_ordinary_words_readable() -> None:
    """The boundary of the check: these secrets' 4-character runs at the middle alignment are
    pieces of ordinary words and paths ('defi', 'Exam', 'g/en', 'Jack'; found so in this
    project's docs and test data). Redacted with the base64 around them they blanked the whole
    word or path; only where the characters beside a run hold the secret's first and last
    bits is it an echo, and then the echo goes whole."""
    text = (
        "the period is always well defined; reverted by Pat Example in apps/billing/envs/qa, "
        "values at 1Jackob1__tg-app/helm/values.yaml"
    )
    for secret in ("'^~!", "q1jb", "8?zz", "rZrL"):
        log.register_secret(secret)
        assert any(len(run) == 4 and run in text for run in spellings.base64_runs(secret))
        assert log.redact(text) == text
        for user in ("", "u", "u:", "bob:"):  # each alignment
            echoed = base64.b64encode(f"{user}{secret}\n".encode()).decode()
            assert log.redact(f"{text} {echoed}") == f"{text} ***"
