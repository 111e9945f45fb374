"""``gitops-bot.yaml`` is outside input (with many repositories, anyone who can write one
repository writes its config): any document gives a config or one clean ConfigError/UsageError,
never a traceback; and a config never holds a secret, only the names of variables."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.config import parse
from gitops_bot.core.errors import GitOpsBotError
from testkit.examples import examples

# no nulls: the reader takes ``key: null`` as the key left out, the published schema refuses it
# (a disagreement the schema's owners decide); everything else must agree and never crash
_scalars = st.one_of(st.booleans(), st.integers(-3, 10**12), st.floats(allow_nan=False), st.text(max_size=24))
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
_KEYS = [
    "images",
    "environments",
    "registries",
    "github",
    "forge",
    "git",
    "pull_request",
    "notifications",
    "argocd",
    "webhooks",
    "policy",
]
_image = st.fixed_dictionaries(
    {"name": st.text(max_size=12), "repository": st.text(max_size=30)},
    optional={"range": _scalars, "tags": _values, "verify": _values, "platform": _values},
)
_env = st.fixed_dictionaries(
    {"name": st.text(max_size=12), "path": st.text(max_size=20)},
    optional={"write": _scalars, "promote_from": _scalars, "argocd_application": _scalars},
)
_section = st.dictionaries(
    st.sampled_from(
        ["token_env", "password_env", "username_env", "url_env", "api_url", "type", "host", "key_env"]
    ),
    _values,
    max_size=3,
)


@settings(max_examples=examples(200), deadline=None)
@given(
    doc=st.fixed_dictionaries(
        {
            "version": st.one_of(st.just(1), _scalars),
            "images": st.one_of(st.lists(_image, max_size=3), _values),
            "environments": st.one_of(st.lists(_env, max_size=3), _values),
        },
        optional={k: st.one_of(_section, _values) for k in _KEYS[2:]},
    )
)
def test_any_config_document_gives_a_config_or_one_clean_error(doc: dict[str, Any]) -> None:
    try:
        parse(json.dumps(doc), "gitops-bot.yaml")
    except GitOpsBotError as exc:
        assert str(exc).startswith("gitops-bot.yaml") or str(exc)
        assert "Traceback" not in str(exc)


@settings(max_examples=examples(150), deadline=None)
@given(text=st.text(max_size=400))
def test_any_text_gives_a_config_or_one_clean_error(text: str) -> None:
    try:
        parse(text, "gitops-bot.yaml")
    except GitOpsBotError as exc:
        assert str(exc)
