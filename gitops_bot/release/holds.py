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

import json
from collections.abc import Mapping
from pathlib import Path

from gitops_bot.core import files
from gitops_bot.core.errors import ConfigError
from gitops_bot.core.log import redact
from gitops_bot.manifests import yamlguard

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
    yamlguard.check(text, filename, ConfigError)
    from ruamel.yaml import YAML  # here: a plan of a repository without holds never loads it
    from ruamel.yaml.error import MarkedYAMLError

    try:
        doc = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(filename, line, f"not valid YAML: {exc.problem}") from None
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise ConfigError(filename, 1, "must map each environment to its held images")
    out: Holds = {}
    for env, images in doc.items():
        line = doc.lc.key(env)[0] + 1 if hasattr(doc, "lc") else None
        if images is None:
            continue
        if not isinstance(images, Mapping):
            raise ConfigError(filename, line, f"{env}: must map each held image to a reason (image: reason)")
        if not _scalar_value(env):
            raise ConfigError(filename, line, "an environment must be a name, not a list or mapping")
        for k, v in images.items():
            if not _scalar_value(k) or not (v is None or _scalar_value(v)):
                at = images.lc.key(k)[0] + 1 if hasattr(images, "lc") else line
                raise ConfigError(
                    filename, at, f"{env}: each hold is one line 'image: reason', not a list or mapping"
                )
        out[str(env)] = {str(k): "" if v is None else str(v) for k, v in images.items()}
    return out


def render(holds: Holds) -> str:
    """The canonical text; empty when nothing is held (the caller deletes the file)."""
    lines = [HEADER.rstrip("\n")]
    for env in sorted(holds):
        if not holds[env]:
            continue
        lines.append(f"{_scalar(env)}:")
        for image in sorted(holds[env]):
            lines.append(f"  {_scalar(image)}: {_scalar(redact(holds[env][image]))}")  # it is committed
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
    path = path_for(config_root)
    new = render(holds)
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if not new:
        if old is None:
            return False
        path.unlink()
        return True
    if old == new:
        return False
    files.write_atomic(path, new)
    return True


def _scalar_value(value: object) -> bool:
    """A YAML scalar (text, number, date, bool): what ``str()`` turns into the text it shows;
    a list or mapping would become Python's repr of it and silently name no image."""
    return not isinstance(value, (Mapping, list, tuple, set))


def _scalar(text: str) -> str:
    """A plain YAML scalar when that reads back as the same string, else a JSON-quoted one."""
    from ruamel.yaml import YAML

    # printable ASCII only: a tab, a control character or a lone surrogate makes the YAML reader
    # raise rather than answer, and NEL/LS read back as other characters; JSON quoting with
    # ASCII escapes reads back exactly for any string
    plain = (
        text
        and text.isascii()
        and text.isprintable()
        and text.strip() == text
        and not any(c in text for c in ":#{}[],&*!|>'\"%@`\n")
    )
    if plain and YAML(typ="safe").load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=True)
