"""Real signing keys for tests, made with the real tools: an OpenSSH ed25519 key
(``ssh-keygen``) and an armored OpenPGP secret key (``gpg``), either with a passphrase."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path


def ssh_key(directory: Path, passphrase: str = "") -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bot"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "bot", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.read_text()


def gpg_key(passphrase: str = "", email: str = "bot@example.com") -> str:
    """An armored secret key (ed25519, sign only), made in a throwaway GNUPGHOME."""
    # a short path under /tmp: gpg-agent's socket lives in GNUPGHOME (sun_path holds 108 bytes)
    with tempfile.TemporaryDirectory(prefix="testkit-gnupg-", dir="/tmp") as home:
        env = {**os.environ, "GNUPGHOME": home}
        gpg = ["gpg", "--batch", "--quiet", "--passphrase", passphrase, "--pinentry-mode", "loopback"]
        subprocess.run(
            [*gpg, "--quick-gen-key", f"gitops-bot <{email}>", "ed25519", "sign", "never"],
            env=env,
            check=True,
            capture_output=True,
        )
        out = subprocess.run(
            [*gpg, "--armor", "--export-secret-keys"], env=env, check=True, capture_output=True, text=True
        ).stdout
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False, capture_output=True)
        return out
