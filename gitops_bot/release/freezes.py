"""Freezes: environments the bot must not release into until a given instant, kept in the
GitOps repository beside ``gitops-bot.yaml`` (like the holds), so a freeze is reviewed and
versioned. The bot writes one file per environment, ``gitops-bot.freezes/<env>.yaml``::

    # Environments gitops-bot does not release into ...
    production:
      until: 2026-12-28T00:00:00Z
      reason: end-of-year freeze

One file per environment because two open freeze pull requests (two environments) must merge
one after the other: had both edited one shared file, the second would conflict with the
first. The single ``gitops-bot.freezes.yaml`` of earlier versions is still read (an
environment's own file wins over it), and the bot takes an environment's entry out of it when
it next freezes or unfreezes that environment.

The line stopped (``freeze --all``) is one record, ``gitops-bot.freezes/_all.yaml`` (its entry
named ``_all``, which no environment can be), read by every environment, those added later
too; ``unfreeze --all`` deletes exactly it, and an environment's own freeze stays distinct
beside it (``docs/concepts/windows-and-freezes.md`` says why one record, not one per
environment).

The bot writes this canonical form (instants in UTC) so the same freeze always gives the same
bytes; an expired freeze is ignored (and shown as expired by ``plan``). Whether one is in force
is decided by :func:`gitops_bot.release.windows.active_freeze`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from gitops_bot.config import Config, EnvironmentConfig
from gitops_bot.core import files
from gitops_bot.core.errors import ConfigError, GateClosed
from gitops_bot.core.instants import OutOfBounds, parse_instant
from gitops_bot.core.model import WriteMode
from gitops_bot.core.outside import Outside
from gitops_bot.manifests import yamlguard
from gitops_bot.release.holds import compose, null, scalar
from gitops_bot.release.windows import EVERYWHERE, Freeze, active_freeze

FREEZES_FILE = "gitops-bot.freezes.yaml"  # every environment in one file: read, no longer written
FREEZES_DIR = "gitops-bot.freezes"  # one file per environment: <env>.yaml
HEADER = (
    "# Environments gitops-bot does not release into until the given instant: 'update' leaves\n"
    "# them alone, 'promote' and 'rollback' refuse unless --force --reason. Delete an entry (or run\n"
    "# 'gitops-bot unfreeze ENV') to lift a freeze; an expired one is ignored.\n"
)
HEADER_EVERYWHERE = (
    "# The line is stopped: gitops-bot releases into no environment (those added later too)\n"
    "# until the given instant, as if each had this freeze of its own. Delete this file (or run\n"
    "# 'gitops-bot unfreeze --all') to restart it; an environment's own freeze is kept apart.\n"
)


def path_for(config_root: Path) -> Path:
    """The single file of earlier versions (all environments)."""
    return config_root / FREEZES_FILE


def dir_for(config_root: Path) -> Path:
    return config_root / FREEZES_DIR


def env_path_for(config_root: Path, environment: str) -> Path:
    """``environment``'s own freeze file (a name with '/' nests, as its branch does)."""
    return dir_for(config_root) / f"{environment}.yaml"


def any_present(config_root: Path) -> bool:
    return path_for(config_root).exists() or dir_for(config_root).is_dir()


def guard(repo_root: Path, config_root: Path) -> None:
    """Exit 2 when a freeze file (or their folder) resolves outside the repository: every
    path the bot reads or writes there stays inside it."""
    files.inside(repo_root, path_for(config_root))
    folder = dir_for(config_root)
    files.inside(repo_root, folder)
    if folder.is_dir():
        for path in folder.rglob("*"):
            files.inside(repo_root, path)


def _read(path: Path) -> tuple[Freeze, ...]:
    try:
        text = yamlguard.read(path, ConfigError)
    except FileNotFoundError:
        return ()
    return parse(text, str(path))


def load(config_root: Path) -> tuple[Freeze, ...]:
    """Every environment's freeze: its own file's, else the single file's entry."""
    own: dict[str, Freeze] = {}
    folder = dir_for(config_root)
    if folder.is_dir():
        for path in sorted(folder.rglob("*.yaml")):
            environment = path.relative_to(folder).as_posix().removesuffix(".yaml")
            for f in _read(path):
                if f.environment != environment:
                    raise ConfigError(
                        str(path),
                        1,
                        f"holds the freeze of {f.environment!r}; it may hold only {environment!r}'s",
                    )
                own[environment] = f
    legacy = tuple(f for f in _read(path_for(config_root)) if f.environment not in own)
    return legacy + tuple(own[e] for e in sorted(own))


def parse(text: str, filename: str) -> tuple[Freeze, ...]:
    """The freezes in ``text``; every reason taken as the text it is written as."""
    doc = compose(text, filename)
    if doc is None:
        return ()
    if not isinstance(doc, yaml.MappingNode):
        raise ConfigError(filename, 1, "must map each frozen environment to its 'until' and 'reason'")
    out: list[Freeze] = []
    for env, entry in doc.value:
        line = env.start_mark.line + 1
        if not isinstance(env, yaml.ScalarNode) or not isinstance(entry, yaml.MappingNode):
            raise ConfigError(filename, line, "each freeze is 'ENV: {until: RFC 3339 instant, reason: text}'")
        fields = {k.value: v for k, v in entry.value if isinstance(k, yaml.ScalarNode)}
        unknown = set(fields) - {"until", "reason"}
        if unknown or len(fields) != len(entry.value):
            raise ConfigError(filename, line, f"{env.value}: a freeze has only 'until' and 'reason'")
        until_node, reason_node = fields.get("until"), fields.get("reason")
        try:
            until = parse_instant(until_node.value) if isinstance(until_node, yaml.ScalarNode) else None
        except OutOfBounds as exc:
            raise ConfigError(
                filename,
                until_node.start_mark.line + 1 if until_node is not None else line,
                f"{env.value}: 'until' is {exc.text!r}, outside {exc.allowed}; "
                "write an instant in that range (or lift the freeze with gitops-bot unfreeze)",
            ) from None
        if until is None:
            raise ConfigError(filename, line, f"{env.value}: 'until' must be an RFC 3339 instant")
        reason = (
            reason_node.value if isinstance(reason_node, yaml.ScalarNode) and not null(reason_node) else ""
        )
        out.append(Freeze(env.value, until, Outside(reason)))
    return tuple(out)


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render(freezes: tuple[Freeze, ...]) -> str:
    """The canonical text; empty when nothing is frozen (the caller deletes the file)."""
    everywhere = bool(freezes) and all(f.everywhere for f in freezes)
    lines = [(HEADER_EVERYWHERE if everywhere else HEADER).rstrip("\n")]
    for f in sorted(freezes, key=lambda f: f.environment):
        lines += [
            f"{scalar(f.environment)}:",
            f"  until: {utc_text(f.until)}",
            f"  reason: {scalar(f.reason)}",
        ]
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


def with_freeze(freezes: tuple[Freeze, ...], environment: str, freeze: Freeze | None) -> tuple[Freeze, ...]:
    """``freezes`` with ``environment``'s freeze replaced by ``freeze`` (None: lifted)."""
    kept = tuple(f for f in freezes if f.environment != environment)
    return kept + ((freeze,) if freeze is not None else ())


def write(config_root: Path, freezes: tuple[Freeze, ...]) -> bool:
    """Write the single file of earlier versions (or delete it when empty); True when its bytes
    changed. The bot itself writes one file per environment: :func:`set_freeze`."""
    return files.write_or_remove(path_for(config_root), render(freezes))


def set_freeze(config_root: Path, environment: str, freeze: Freeze | None) -> bool:
    """Set (or with None lift) ``environment``'s freeze: its own file written or deleted, and
    its entry taken out of the single file of earlier versions; True when any bytes changed."""
    path = env_path_for(config_root, environment)
    if freeze is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    changed = files.write_or_remove(path, render((freeze,) if freeze is not None else ()))
    if freeze is None:
        for parent in path.parents:  # no empty folder left behind (git would not keep it anyway)
            if parent == config_root or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()
    legacy = _read(path_for(config_root))
    if any(f.environment == environment for f in legacy):
        changed = write(config_root, with_freeze(legacy, environment, None)) or changed
    return changed


def in_force(config_root: Path, environment: str, now: datetime) -> Freeze | None:
    """The freeze on ``environment`` at ``now`` (an expired one is ignored): its own, or the
    stopped line's (:func:`gitops_bot.release.windows.active_freeze` says which when both)."""
    return active_freeze(load(config_root), environment, now)


def shown(config_root: Path, environment: str, now: datetime) -> Freeze | None:
    """The freeze ``plan`` shows under ``environment``: the one in force, else an expired one
    left in the files (its own first), until someone removes it."""
    found = load(config_root)
    return active_freeze(found, environment, now) or next(
        (f for e in (environment, EVERYWHERE) for f in found if f.environment == e), None
    )


def everywhere_environment(config: Config) -> EnvironmentConfig:
    """Where the freeze of every environment lands: one pull request, or one commit on the base
    when every environment lands its releases by commit. It holds every environment, so an
    environment that reviews its releases (and its own freezes) by pull request reviews it too."""
    commits = bool(config.environments) and all(e.write is WriteMode.COMMIT for e in config.environments)
    return EnvironmentConfig(EVERYWHERE, (), write=WriteMode.COMMIT if commits else WriteMode.PULL_REQUEST)


def still_frozen(config_root: Path, environment: str, now: datetime) -> str | None:
    """The one line ``unfreeze ENV`` adds while the line is stopped: what it lifts, and that
    the environment stays frozen (None: the line is not stopped, lifting its own freeze is all)."""
    found = load(config_root)
    line = active_freeze([f for f in found if f.everywhere], EVERYWHERE, now)
    if line is None:
        return None
    own = any(f.environment == environment for f in found)
    lifted = f"lifts {environment}'s own freeze" if own else f"{environment} has no freeze of its own to lift"
    return (
        f"{lifted}; it stays frozen while the line is stopped ({line.text()}): "
        "'gitops-bot unfreeze --all' restarts the line"
    )


def refused(freeze: Freeze, *, automatic: bool = False) -> GateClosed:
    """The refusal of a promotion or rollback into an environment ``freeze`` holds (exit 4,
    one line saying until when and why, and every way out). An ``automatic`` release cannot
    be forced: its refusal says what it waits for instead. Whether the freeze refuses at all
    is the one decision's (:mod:`gitops_bot.release.decision`), ``--force --reason`` a fact
    it weighs."""
    lifts = f"gitops-bot unfreeze {'--all' if freeze.everywhere else freeze.environment}"
    hint = (
        f"it goes ahead once the freeze ends or someone runs '{lifts}'"
        if automatic
        else f"wait, run '{lifts}', or pass --force --reason TEXT"
    )
    return GateClosed(f"refused: {freeze.text()}", hint=hint)
