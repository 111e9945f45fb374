"""The logger's lines: the format structlog wrote before (JSON and console), context, redaction."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest

from gitops_bot.core import log


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    out = io.StringIO()
    yield out
    log.configure()


def test_json_lines_keep_the_fields_then_event_level_timestamp(stream: io.StringIO) -> None:
    log.configure(level="info", fmt="json", stream=stream)
    logger = log.get_logger("t")
    with log.bound_context(repository="r"):
        logger.info("plan_done", seconds=1.5, auth="Bearer abcdefghijklmnopqrstuvwxyz", nothing=None)
    logger.debug("not_shown")
    (line,) = stream.getvalue().splitlines()
    event = json.loads(line)
    assert list(event) == ["repository", "seconds", "auth", "nothing", "event", "level", "timestamp"]
    assert event["auth"] == "Bearer ***" and event["event"] == "plan_done" and event["level"] == "info"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", event["timestamp"])


def test_console_lines_pad_level_and_event_and_sort_the_fields(stream: io.StringIO) -> None:
    log.configure(level="debug", fmt="console", stream=stream)
    logger = log.get_logger("t")
    logger.warning("image_skipped", reason="x", name="a b", count=2)
    logger.debug("alone")
    first, second = (ln.split(" ", 1)[1] for ln in stream.getvalue().splitlines())
    assert first == "[warning  ] image_skipped                  count=2 name='a b' reason=x"
    assert second == "[debug    ] alone"


def test_an_exception_is_logged_with_its_traceback_redacted(stream: io.StringIO) -> None:
    log.register_secret("s3cret-value")
    log.configure(level="info", fmt="json", stream=stream)
    try:
        raise RuntimeError("token s3cret-value leaked")
    except RuntimeError:
        log.get_logger("t").exception("cycle_crashed")
    event = json.loads(stream.getvalue())
    assert event["level"] == "error" and "RuntimeError: token *** leaked" in event["exception"]
    assert "s3cret-value" not in stream.getvalue()
