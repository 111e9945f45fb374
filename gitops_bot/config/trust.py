"""The signatures gitops-bot checks and makes: an image's (or a chart's, or an environment's
override) ``verify:`` policy, and ``git: signing:`` for the bot's own commits. Their keys are
declared on the trust package's settings dataclasses; :mod:`.images` and :mod:`.sections`
import this module by name when a file writes one of them, so a file without signatures loads
neither it nor :mod:`gitops_bot.trust.settings`."""

from __future__ import annotations

from gitops_bot.config.kinds import EnvVar, ListOf, Nested, section_of
from gitops_bot.config.spec import Values
from gitops_bot.core.model import SigningMethod
from gitops_bot.trust.settings import KeylessConfig, KeyRef, SigningConfig, VerifyConfig


def _exactly_one(*keys: str) -> dict[str, object]:
    return {"oneOf": [{"required": [k]} for k in keys]}


def _key(v: Values) -> KeyRef:
    ref = KeyRef(file=v["file"], env=v["env"])
    if (ref.file is None) == (ref.env is None):
        raise v.error(v.line, f"each key in {v.parent} needs exactly one of 'file' or 'env'")
    return ref


KEY = section_of(KeyRef, _key, kinds={"env": EnvVar()}, schema=_exactly_one("file", "env"))


def _keyless(v: Values) -> KeylessConfig:
    if (v["identity"] is None) == (v["identity_regexp"] is None):
        raise v.error(v.line_of(), f"{v.what} needs exactly one of 'identity' or 'identity_regexp'")
    return KeylessConfig(v["trusted_root"], v["issuer"], v["identity"], v["identity_regexp"])


KEYLESS = section_of(
    KeylessConfig,
    _keyless,
    schema=_exactly_one("identity", "identity_regexp"),
)


def _verify(v: Values) -> VerifyConfig:
    """``verify: {keys: [{file: cosign.pub} | {env: VAR}], keyless: {...}, environments: [...]}``"""
    if not v["keys"] and v["keyless"] is None:
        raise v.error(v.line, f"{v.what} needs 'keys' or 'keyless' (what must have signed the image)")
    return VerifyConfig(keys=v["keys"], keyless=v["keyless"], environments=v["environments"])


VERIFY = section_of(
    VerifyConfig,
    _verify,
    kinds={
        "keys": ListOf(KEY, "a key in {parent}", "'keys' in {what} must be a list"),
        "keyless": Nested(KEYLESS, "'keyless' of {parent}"),
    },
    name="verify",
    # 'keys: []' or 'keys:' with nothing names no key, to the reader
    schema={
        "anyOf": [
            {"required": ["keys"], "properties": {"keys": {"type": "array", "minItems": 1}}},
            {"required": ["keyless"]},
        ]
    },
)


def _signing(v: Values) -> SigningConfig:
    """``git: signing: {method: ssh, key_env: GITOPS_BOT_SSH_KEY}`` (or key_file)."""
    method, key_file, key_env = SigningMethod(v["method"]), v["key_file"], v["key_env"]
    if method is SigningMethod.GITHUB_API:
        if key_file or key_env:
            raise v.error(v.line_of(), "git signing github-api takes no key (GitHub signs the commit)")
    elif (key_file is None) == (key_env is None):
        raise v.error(v.line_of(), f"git signing {method} needs exactly one of key_file or key_env")
    return SigningConfig(method=method, key_file=key_file, key_env=key_env)


_ONE_KEY = [{"required": ["key_file"]}, {"required": ["key_env"]}]
SIGNING = section_of(
    SigningConfig,
    _signing,
    schema={
        "if": {"properties": {"method": {"const": SigningMethod.GITHUB_API.value}}},
        "then": {"description": "GitHub signs the commit: no key.", "not": {"anyOf": _ONE_KEY}},
        "else": {"description": "ssh and gpg: exactly one of key_file or key_env.", "oneOf": _ONE_KEY},
    },
)
