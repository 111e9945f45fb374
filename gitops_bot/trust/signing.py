"""Signing the bot's commits (``git: signing``) with an SSH or OpenPGP key.

The key is handed to git for the ``commit`` command only, through ``GIT_CONFIG_COUNT``
environment variables (``gpg.format``, ``user.signingkey``, ``commit.gpgsign``): nothing is
written into the user's git config or the clone cache. Key material lives only inside the
process's private temporary directory (:mod:`gitops_bot.core.privdir`: mode 0700, removed at exit
and on SIGTERM, and by the next start after a SIGKILL), the key file 0600, and is removed when
the signer closes; an OpenPGP key is imported into a throwaway ``GNUPGHOME`` there whose agent
is stopped on close. No tool is ever given an output path outside that directory: gpg deletes
its ``-o`` file when signing fails, and run as root with ``-o /dev/null`` that was the
machine's ``/dev/null``.

A missing, unreadable or passphrase-protected key is a :class:`UsageError` (one line, exit 2)
raised when the run starts, before anything is committed or pushed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from gitops_bot.core import files, privdir
from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import SigningMethod
from gitops_bot.trust.settings import SigningConfig

MAX_KEY_BYTES = 256 * 1024
TIMEOUT = 30  # seconds for each ssh-keygen / gpg call


class CommitSigner:
    def __init__(self, home: Path, config: dict[str, str], extra: dict[str, str]) -> None:
        self.home = home
        self._config = config
        self._extra = extra

    def env(self) -> dict[str, str]:
        """What ``git commit`` needs in its environment to sign."""
        out = {"GIT_CONFIG_COUNT": str(len(self._config)), **self._extra}
        for i, (key, value) in enumerate(self._config.items()):
            out[f"GIT_CONFIG_KEY_{i}"] = key
            out[f"GIT_CONFIG_VALUE_{i}"] = value
        return out

    def close(self) -> None:
        if "GNUPGHOME" in self._extra:
            _quiet(["gpgconf", "--kill", "gpg-agent"], self._extra)
        shutil.rmtree(self.home, ignore_errors=True)


def open_signer(cfg: SigningConfig | None, root: Path, environ: Mapping[str, str]) -> CommitSigner | None:
    """The signer for ``cfg`` (None when commits are not signed locally)."""
    if cfg is None or cfg.method is SigningMethod.GITHUB_API:  # GitHub signs: forges/github/commits
        return None
    label = cfg.key_file or f"${cfg.key_env}"
    key = _read_key(cfg, root, environ, label)
    home = privdir.subdir("sign-")
    try:
        return _ssh(home, key, label) if cfg.method is SigningMethod.SSH else _gpg(home, key, label)
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise


def _read_key(cfg: SigningConfig, root: Path, environ: Mapping[str, str], label: str) -> bytes:
    if cfg.key_env is not None:
        value = environ.get(cfg.key_env, "")
        if not value.strip():
            raise UsageError(
                f"git signing key {label} is not set", hint=f"export {cfg.key_env} with the private key"
            )
        return value.encode()
    assert cfg.key_file is not None
    try:
        with files.from_config(root, cfg.key_file).open("rb") as f:
            data = f.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            f"cannot read git signing key {label}: {exc.strerror}",
            hint="fix git.signing.key_file in gitops-bot.yaml",
        ) from None
    if len(data) > MAX_KEY_BYTES:
        raise UsageError(f"git signing key {label} is larger than {MAX_KEY_BYTES} bytes; it is not a key")
    return data


def _ssh(home: Path, key: bytes, label: str) -> CommitSigner:
    path = home / "signing_key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.replace(b"\r\n", b"\n").rstrip(b"\n") + b"\n")
    # -y derives the public key: fails on anything but an unencrypted private key (-P '' never prompts)
    if _quiet(["ssh-keygen", "-y", "-P", "", "-f", str(path)], {}) != 0:
        raise UsageError(
            f"git signing key {label} is not a usable SSH private key",
            hint="give an unencrypted OpenSSH private key (passphrase-protected keys are not supported)",
        )
    config = {"gpg.format": "ssh", "user.signingkey": str(path), "commit.gpgsign": "true"}
    return CommitSigner(home, config, {})


def _gpg(home: Path, key: bytes, label: str) -> CommitSigner:
    env = {"GNUPGHOME": str(home)}
    base = ["gpg", "--batch", "--no-tty", "--quiet"]
    bad = UsageError(
        f"git signing key {label} is not a usable OpenPGP secret key",
        hint="give an armored secret key without a passphrase (gpg --export-secret-keys --armor)",
    )
    if _quiet([*base, "--import"], env, key) != 0:
        raise bad
    listing = _output([*base, "--with-colons", "--list-secret-keys"], env)
    fprs = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    if not fprs:
        raise bad
    # a passphrase would make git's gpg prompt and hang: prove signing works without one now,
    # into a file of our own (gpg deletes its output file when it fails)
    probe = home / "probe.sig"
    if _quiet(
        [*base, "--pinentry-mode", "error", "-u", fprs[0], "--detach-sign", "-o", str(probe)], env, b"x"
    ):
        raise bad
    probe.unlink(missing_ok=True)
    config = {"gpg.format": "openpgp", "user.signingkey": fprs[0], "commit.gpgsign": "true"}
    return CommitSigner(home, config, env)


def _run(argv: list[str], env: Mapping[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            argv, input=stdin, capture_output=True, timeout=TIMEOUT, env={**os.environ, **env}, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run {argv[0]} to sign commits: {exc}", hint=f"install {argv[0]}") from None


def _quiet(argv: list[str], env: Mapping[str, str], stdin: bytes = b"") -> int:
    return _run(argv, env, stdin).returncode


def _output(argv: list[str], env: Mapping[str, str]) -> str:
    return _run(argv, env).stdout.decode(errors="replace")
