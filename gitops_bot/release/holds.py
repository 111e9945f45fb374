"""Holds: images the bot must leave alone in an environment, kept in the GitOps repository.

One small file beside ``gitops-bot.yaml`` lists them, so a hold is reviewed in a pull request,
versioned, visible in one place for every environment, and removed by deleting a line::

    # Images gitops-bot leaves alone ...
    production:
      example/app: rolled back to production-1a2b3c4d5e6f (was 1.3.0)

The bot writes the file in this canonical form (sorted, one line per hold) so the same holds
always give the same bytes; ``update`` reports a held image and never changes it, ``promote``
stops before changing it unless forced, and ``rollback`` places holds on what it restores.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gitops_bot.core import files
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.log import redact
from gitops_bot.manifests import yamlguard, yamlvalues

HOLDS_FILE = "gitops-bot.holds.yaml"
HEADER = (
    "# Images gitops-bot leaves alone, per environment: 'update' reports them as held and never\n"
    "# changes them; 'promote' stops before changing them unless --force. Delete a line (or run\n"
    "# 'gitops-bot unhold ENV IMAGE') to let the bot manage the image again.\n"
)

Holds = dict[str, dict[str, str]]  # environment -> image -> reason


def path_for(config_root: Path) -> Path:
    return config_root / HOLDS_FILE


def load(config_root: Path) -> Holds:
    path = path_for(config_root)
    try:
        text = yamlguard.read(path, ConfigError)
    except FileNotFoundError:
        return {}
    return parse(text, str(path))


def parse(text: str, filename: str) -> Holds:
    """The holds in ``text``. Every name and reason is taken as the text it is written as (a
    reason ``1.10`` stays ``1.10``)."""
    doc = compose(text, filename)
    if doc is None:
        return {}
    if not isinstance(doc, yaml.MappingNode):
        raise ConfigError(filename, 1, "must map each environment to its held images")
    out: Holds = {}
    for env, images in doc.value:
        line = env.start_mark.line + 1
        if null(images):
            continue
        if not isinstance(images, yaml.MappingNode):
            raise ConfigError(
                filename, line, f"{_name(env)}: must map each held image to a reason (image: reason)"
            )
        if not isinstance(env, yaml.ScalarNode):
            raise ConfigError(filename, line, "an environment must be a name, not a list or mapping")
        for k, v in images.value:
            if not isinstance(k, yaml.ScalarNode) or not isinstance(v, yaml.ScalarNode):
                raise ConfigError(
                    filename,
                    k.start_mark.line + 1,
                    f"{env.value}: each hold is one line 'image: reason', not a list or mapping",
                )
        out[env.value] = {k.value: "" if null(v) else v.value for k, v in images.value}
    return out


def compose(text: str, filename: str) -> yaml.Node | None:
    """One of the bot's own files (holds, freezes) as YAML nodes, after the guards; None when it
    holds nothing. A file that is not YAML is a ConfigError naming its line."""
    yamlguard.check(text, filename, ConfigError)
    if "\t" not in text:  # libyaml reads a tab after a colon that Python's refuses: as before
        try:
            # libyaml first (a year of a holds file's versions took seconds in Python's
            # composer); what it refuses (a lone surrogate an escape wrote) is read by the
            # Python one below
            doc = yaml.compose(text, Loader=_FAST)
            return None if doc is None or null(doc) else doc
        except (yaml.YAMLError, UnicodeError, TypeError):
            pass
    try:
        doc = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(filename, line, f"not valid YAML: {exc.problem}") from None
    return None if doc is None or null(doc) else doc


_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def null(node: Any) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _name(node: Any) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else "an environment"


def render(holds: Holds) -> str:
    """The canonical text; empty when nothing is held (the caller deletes the file)."""
    lines = [HEADER.rstrip("\n")]
    for env in sorted(holds):
        if not holds[env]:
            continue
        lines.append(f"{scalar(env)}:")
        for image in sorted(holds[env]):
            lines.append(f"  {scalar(image)}: {scalar(redact(holds[env][image]))}")  # it is committed
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


def with_changes(holds: Holds, environment: str, changes: Mapping[str, str | None]) -> Holds:
    """``changes`` maps an image to its new reason, or to None to remove its hold."""
    out = {env: dict(images) for env, images in holds.items()}
    env_holds = out.setdefault(environment, {})
    for image, reason in changes.items():
        if reason is None:
            env_holds.pop(image, None)
        else:
            env_holds[image] = reason
    return {env: images for env, images in out.items() if images}


def write(config_root: Path, holds: Holds) -> bool:
    """Write the holds file (or delete it when empty); True when its bytes changed."""
    return files.write_or_remove(path_for(config_root), render(holds))


def scalar(text: str) -> str:
    """A plain YAML scalar when that reads back as the same string, else a double-quoted one."""
    # printable ASCII only: a tab, a control character or a lone surrogate makes the YAML reader
    # raise rather than answer, and NEL/LS read back as other characters; the quoted form
    # escapes everything else, so it reads back exactly for any string
    plain = (
        text
        and text.isascii()
        and text.isprintable()
        and text.strip() == text
        and not any(c in text for c in ":#{}[],&*!|>'\"%@`\n")
    )
    if plain and _reads_back(text):
        return text
    return _quoted(text)


def _quoted(text: str) -> str:
    """YAML's double-quoted form with ASCII escapes (``\\U`` for characters beyond the BMP, so
    no surrogate pair is ever written)."""
    out = []
    for c in text:
        code = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= code < 0x7F:
            out.append(c)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _reads_back(text: str) -> bool:
    try:
        return bool(yamlvalues.load(text, "<scalar>") == text)
    except ConfigError:
        return False
