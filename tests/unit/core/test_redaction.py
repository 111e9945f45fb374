"""Every output channel goes through one redaction that knows every registered secret and the
parts of URLs that are secrets by their place (userinfo, webhook paths, signed query strings):
log lines, libraries' ``logging`` and ``warnings``, an uncaught traceback, the CLI's text and
``--output json``, the Action's step log and outputs, git's error messages."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot import cli
from gitops_bot.core import log
from gitops_bot.git.gitcli import failure
from testkit.examples import examples

SLACK = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx"
TEAMS = (
    "https://acme.webhook.office.com/webhookb2/1b2c3d4e-0000-1111-2222-333344445555@"
    "6f7a8b9c-0000-1111-2222-333344445555/IncomingWebhook/0123456789abcdef0123456789abcdef/"
    "9a8b7c6d-0000-1111-2222-333344445555"
)
TEAMS_FLOW = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/"
    "triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
    "&sig=Zm9vYmFyYmF6cXV4c2VjcmV0c2lnbmF0dXJlMTIz"
)
DISCORD = "https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_abcdEF"


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("cloning https://bot:hunter2-pass@git.example.com/acme/x.git", "hunter2-pass", "git.example.com"),
        ("cloning https://ghp_abcdefghij0123456789@github.com/a/b", "ghp_abcdefghij0123456789", "github.com"),
        (f"notification failed: {SLACK}", "abcdefghijklmnopqrstuvwx", "hooks.slack.com"),
        (f"notification failed: {SLACK}", "B0BBBBBBB", "hooks.slack.com"),
        (f"POST {TEAMS} answered 400", "0123456789abcdef0123456789abcdef", "webhook.office.com"),
        (f"POST {TEAMS_FLOW} timed out", "Zm9vYmFyYmF6cXV4c2VjcmV0c2lnbmF0dXJlMTIz", "logic.azure.com"),
        (f"POST {TEAMS_FLOW} timed out", "0123456789abcdef0123456789abcdef", "logic.azure.com"),
        (f"'{DISCORD}': 404", "AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789_abcdEF", "discord.com"),
        (
            "GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F"
            "20250101&X-Amz-Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
            "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        ),
        (
            "GET https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAEXAMPLE123",
            "AKIAEXAMPLE123",
            "s3.amazonaws.com",
        ),
        ("https://acct.blob.core.windows.net/c/b?sv=2021&sig=c2VjcmV0c2ln%3D", "c2VjcmV0c2ln", "sv=2021"),
        ("https://hub.example/hook?token=abc123secretvalue&x=1", "abc123secretvalue", "x=1"),
        ("https://api.example/v1?api_key=k-123456789&page=2", "k-123456789", "page=2"),
        ("https://gitlab.example/api/v4/p?private_token=glpat-xyz12345", "glpat-xyz12345", "gitlab.example"),
        (
            "Authorization: Basic eC1hY2Nlc3MtdG9rZW46c2VjcmV0",
            "eC1hY2Nlc3MtdG9rZW46c2VjcmV0",
            "Authorization",
        ),
    ],
)
def test_secret_parts_of_urls_are_redacted_and_the_rest_kept(text: str, secret: str, kept: str) -> None:
    out = log.redact(text)
    assert secret not in out and kept in out and log.REDACTED in out


@pytest.mark.parametrize(
    "text",
    [
        "git@github.com:acme/gitops.git",  # ssh's user is not a secret
        "ssh://git@github.com/acme/gitops.git",
        "https://github.com/acme/gitops/pull/7",
        "image ghcr.io/acme/app@sha256:" + "a" * 64,
        "https://registry.example/v2/acme/app/tags/list?n=100&last=1.2.3",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert log.redact(text) == text


@pytest.mark.parametrize("index", range(len(log._PATTERNS)))
@settings(max_examples=examples(60), deadline=None)
@given(data=st.data())
def test_every_text_a_pattern_redacts_holds_one_of_the_literals_that_let_it_run(
    index: int, data: st.DataObject
) -> None:
    """redact skips a pattern when an ASCII text lacks all of its literals (a 0.7 MB JSON plan
    costs 0.1 s through every pattern): no text the pattern matches may lack them all."""
    pattern, literals = log._PATTERNS[index]
    text = data.draw(st.from_regex(pattern, alphabet=st.characters(max_codepoint=127)))
    assert any(lit in text.lower() for lit in literals), (pattern, text)


def test_a_pattern_is_compiled_only_once_a_text_holds_one_of_its_literals() -> None:
    """Start-up compiles none of them: a run whose texts hold no header, signed query or
    webhook URL never compiles those patterns."""
    log._compiled.cache_clear()
    assert log.redact("plan: dev example/app 1.0.0 -> 1.1.0") == "plan: dev example/app 1.0.0 -> 1.1.0"
    assert log._compiled.cache_info().currsize == 0
    assert log.redact("Authorization: Bearer abcdefghijklmnop") == f"Authorization: Bearer {log.REDACTED}"
    compiled = log._compiled.cache_info().currsize
    assert 0 < compiled < len(log._PATTERNS)


def test_mixed_case_and_non_ascii_texts_are_still_redacted() -> None:
    """The literal check lowercases ASCII only; a non-ASCII text runs every pattern."""
    for text in (
        "X-TOKEN: abcdefgh12345678",
        "Authorization: BEARER abc.def-ghijklmnop",
        "\u017f token=s3cretvalue1",
    ):
        assert "***" in log.redact(text), text
    assert log.redact("ba\u017fic abcdefghijklmnopq") == "ba\u017fic ***"  # re's (?i) folds \u017f to s


def test_registered_secrets_are_redacted_wherever_they_appear() -> None:
    log.register_secret("s3cr3t-registered-value")
    assert log.redact("a s3cr3t-registered-value b") == f"a {log.REDACTED} b"


@pytest.fixture
def json_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The log configured to JSON lines into a buffer; the process's hooks restored after."""
    buf = io.StringIO()
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    log.configure("warning", "json", buf)
    yield buf
    root.setLevel(level)
    root.handlers[:] = handlers
    log.configure("warning", "json", None)
    root.handlers[:] = handlers
    root.setLevel(level)


def _lines(buf: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def test_python_warnings_from_libraries_are_json_log_lines_and_redacted(json_log: io.StringIO) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = log._show_warning  # catch_warnings restored the original; as configure set it
        warnings.warn(f"retrying {SLACK}", UserWarning, stacklevel=1)
    (line,) = _lines(json_log)
    assert line["event"] == "python_warning" and line["category"] == "UserWarning"
    assert "abcdefghijklmnopqrstuvwx" not in json_log.getvalue()


def test_libraries_logging_is_json_log_lines_and_redacted(json_log: io.StringIO) -> None:
    logging.getLogger("urllib3.connectionpool").warning("Retrying %s", "https://u:p4ssw0rd-x@h.example/")
    (line,) = _lines(json_log)
    assert line["event"] == "library_log" and line["logger"] == "urllib3.connectionpool"
    assert "p4ssw0rd-x" not in json_log.getvalue()


def test_a_library_debug_line_stays_out_at_the_default_level(json_log: io.StringIO) -> None:
    logging.getLogger("github.Requester").debug("GET token=abcdefghijkl")
    assert json_log.getvalue() == ""


def test_an_uncaught_traceback_is_redacted(tmp_path: Path) -> None:
    script = (
        "from gitops_bot.core import log\n"
        "log.configure('warning', 'json')\n"
        "raise RuntimeError('boom https://bot:tr4ceback-secret@git.example/x')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "RuntimeError" in proc.stderr
    assert "tr4ceback-secret" not in proc.stderr


def test_git_errors_are_redacted() -> None:
    err = failure("fetch", "fatal: unable to access 'https://x:gh0-secret-token@github.com/a/b/': 403", 128)
    assert "gh0-secret-token" not in str(err) and "gh0-secret-token" not in err.detail


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_password_in_a_repository_url_is_never_printed(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    listing = tmp_path / "repositories.yaml"
    listing.write_text(
        "version: 1\nrepositories:\n  - https://bot:hunter2-in-url@127.0.0.1:9/acme/gitops.git\n"
    )
    code = cli.main(["update", "--repositories", str(listing), "--dry-run", "--output", fmt])
    out, err = capsys.readouterr()
    assert code == 2
    assert "hunter2-in-url" not in out + err
    assert "127.0.0.1:9/acme/gitops.git" in out + err
    if fmt == "json":
        assert json.loads(out)


def test_the_redacting_stream_redacts_every_write() -> None:
    buf = io.StringIO()
    stream = log.Redacting(buf)
    stream.write(f"one {SLACK}\n")
    stream.writelines([f"two {DISCORD}\n"])
    assert "abcdefghijklmnopqrstuvwx" not in buf.getvalue() and "AbCdEfGh" not in buf.getvalue()


def test_the_actions_outputs_are_redacted(tmp_path: Path) -> None:
    from gitops_bot import action

    outputs = tmp_path / "outputs"
    action._write_outputs(
        {"GITHUB_OUTPUT": str(outputs)}, {"plan": f"notify {SLACK}", "multi": f"a\n{DISCORD}"}
    )
    text = outputs.read_text()
    assert "abcdefghijklmnopqrstuvwx" not in text and "AbCdEfGh" not in text and "hooks.slack.com" in text


def test_the_terminal_progress_line_is_redacted() -> None:
    from gitops_bot.core import progress

    buf = io.StringIO()
    progress.configure(buf)
    try:
        with progress.status("cloning https://bot:pr0gress-secret@git.example/a.git"):
            pass
    finally:
        progress.configure(None)
    assert "git.example/a.git" in buf.getvalue() and "pr0gress-secret" not in buf.getvalue()


def _every_pattern(text: str) -> str:
    """Redaction as it was before the literal checks: every pattern over every text."""
    for pattern, _literals in log._PATTERNS:
        text = re.sub(
            pattern, lambda m: m.group(1) + log.REDACTED + (m.group(2) if m.lastindex == 2 else ""), text
        )
    return text


_PIECES = [
    *("Authorization:", "AUTHORIZATION: ", "authorization:\t", "Bearer ", "BEARER\t", "Basic ", "bAsIc "),
    *("token", "TOKEN", "Token=", "access_token", "ID_TOKEN", "refresh_token:", '"token": "', "'", '"'),
    *("://", "https://", "HTTP://", "user:", "@", "/", "?", "&", "=", "#", ":", " ", "\n", "\t", "\x1c"),
    *("sig=", "X-Amz-Signature=", "API-KEY=", "Private_Token=", "code=", "%40", "%3A", "\\u0040", "***"),
    *("hooks.slack.com/services/", "HOOKS.SLACK-GOV.COM/Workflows/", ".webhook.office.com/webhookb2/"),
    *(".WEBHOOK.OFFICE.COM/WEBHOOK/", ".logic.azure.com:443/workflows/", "discord.com/api/v10/webhooks/"),
    *("DiscordApp.com/api/webhooks/", "abcdefghijklmnop", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"),
    *("\u017f", "\u212a", "\u0130", "\u00e9", "a", "K", "1"),
]


_VALUES = st.sampled_from(["", "", "abcdefghijklmnop", "S3cr3t-Value_0123", "x@y", " "])


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_PIECES) | st.text(st.characters(max_codepoint=127), max_size=3), _VALUES
        ).map("".join),
        max_size=12,
    ).map("".join)
)
def test_skipping_patterns_by_their_literals_redacts_exactly_what_every_pattern_redacts(text: str) -> None:
    """The literal checks only save time: any mix of the patterns' own pieces, in any case,
    ASCII or not, comes out as every pattern run over it would leave it."""
    assert log.redact(text) == _every_pattern(text)


# -- a secret URL in pieces -------------------------------------------------------------
# A key: what a webhook path segment, a query value or a password is (a digit in it, so it
# can never be part of the host or the words around it).
_KEY = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=7, max_size=40
).map(lambda s: s + "7")
_PASSWORD = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$*+@", min_size=7, max_size=30
).map(lambda s: "9" + s)
_WORDS = ("services", "hooks", "api", "webhooks", "IncomingWebhook", "v1")
_WORD = st.sampled_from(_WORDS)
_SPELLINGS = {
    "as is": lambda s: s,
    "percent-encoded": lambda s: quote(s, safe=""),
    "percent-decoded": unquote,
    "JSON-escaped": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
}


@st.composite
def secret_urls(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A secret URL on a fixed host and the parts of it that are secrets on their own."""
    secrets: list[str] = []
    userinfo = ""
    kind = draw(st.sampled_from(["none", "password", "token"]))
    if kind == "password":
        password = draw(_PASSWORD)
        userinfo, secrets = f"bot:{password}@", [password]
    elif kind == "token":
        token = draw(_KEY)
        userinfo, secrets = f"{token}@", [token]
    segments = draw(st.lists(st.one_of(_WORD, _KEY), min_size=1, max_size=5))
    keys = [s for s in segments if s not in _WORDS]
    if not keys:
        segments.append(draw(_KEY))
        keys = segments[-1:]
    secrets += keys
    path = "/" + "/".join(segments)
    secrets.append(path.strip("/"))
    query = ""
    values = draw(st.lists(_KEY, max_size=3))
    if values:
        query = "?" + "&".join(f"p{i}={v}" for i, v in enumerate(values))
        secrets += values
    return f"https://{userinfo}hooks.example.net:8443{path}{query}", secrets


@settings(max_examples=examples(300), deadline=None)
@given(
    found=secret_urls(),
    spelling=st.sampled_from(sorted(_SPELLINGS)),
    around=st.tuples(
        st.sampled_from(["", "404 ", '{"error": "no hook at ']), st.sampled_from(["", '"}', " (gone)"])
    ),
)
def test_every_part_of_a_registered_secret_url_is_redacted_in_any_echo(
    found: tuple[str, list[str]], spelling: str, around: tuple[str, str]
) -> None:
    """A server or a library echoes a piece of a secret URL, not the URL: its path (a 404 page),
    a query value, the password (a git error), percent-encoded or JSON-escaped. Once the URL is
    registered, no piece survives, whatever surrounds it."""
    url, parts = found
    log.register_secret(url)
    for part in parts:
        echoed = _SPELLINGS[spelling](part)
        out = log.redact(f"{around[0]}{echoed}{around[1]}")
        assert echoed not in out and part not in out, (spelling, part)
    whole = log.redact(f"POST {url} failed")
    assert whole.startswith("POST ") and all(p not in whole for p in parts)


@settings(max_examples=examples(100), deadline=None)
@given(found=secret_urls())
def test_a_secret_url_in_a_list_or_mapping_field_of_a_log_line_is_redacted(
    found: tuple[str, list[str]],
) -> None:
    """A log field is not always a string (``watch``'s cycle line lists the failed repositories):
    the redaction reaches every string inside it."""
    url, parts = found
    log.register_secret(url)
    out = io.StringIO()
    log.configure(level="info", fmt="json", stream=out)
    try:
        log.get_logger("t").error("cycle", failed=[url], by={"repo": (url,)})
    finally:
        log.configure()
    line = out.getvalue()
    assert '"event": "cycle"' in line and all(p not in line for p in parts)


def test_a_repository_url_keeps_its_path_but_not_its_userinfo() -> None:
    """A repository's remote is not a secret URL: only its userinfo is (its path names the
    repository in every message)."""
    log.register_userinfo("https://bot:p@ss-w0rd!x@git.example.org/acme/gitops-1234567.git")
    out = log.redact("cloning acme/gitops-1234567.git as bot with p@ss-w0rd!x failed")
    assert "acme/gitops-1234567.git" in out and "p@ss-w0rd" not in out
