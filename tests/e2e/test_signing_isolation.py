"""Commit signing writes only inside the process's own private directory and leaves no key
behind: gpg is never pointed at a path outside it (``/dev/null`` included, which gpg run as
root deletes when signing fails), the directory is 0700 and goes at close, at exit and on
SIGTERM, and the next start removes what a SIGKILLed run left. Every test that runs gpg as root
with a failing key runs in a private mount namespace whose ``/dev`` is a throwaway tmpfs
(:mod:`testkit.sandbox`), so it cannot touch the machine's."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_bot.core import privdir
from gitops_bot.core.errors import UsageError
from gitops_bot.core.model import SigningMethod
from gitops_bot.trust import signing
from gitops_bot.trust.settings import SigningConfig
from testkit import sandbox, signing_keys
from testkit.paths import ROOT
from testkit.registry_process import RegistryProcess

REPO = ROOT


def _cfg(method: SigningMethod) -> SigningConfig:
    return SigningConfig(method=method, key_env="BOT_SIGNING_KEY")


def _child_env(tmp: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(REPO), **extra}


@pytest.fixture
def own_tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This process's private directory made under a temp dir of the test's own (short: gpg's
    agent socket goes inside it), not among the machine's /tmp entries."""
    tmp = Path(tempfile.mkdtemp(prefix="gb-"))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr("tempfile.tempdir", None)
    privdir.cleanup()
    yield tmp
    privdir.cleanup()
    shutil.rmtree(tmp, ignore_errors=True)


def test_a_failing_passphrase_key_leaves_dev_null_intact(tmp_path: Path) -> None:
    """Run as root inside a private /dev: the passphrase-protected key is refused (one line,
    exit 2 in the CLI) and /dev/null is still the null device afterwards."""
    script = textwrap.dedent(
        """
        import os, stat, sys
        from pathlib import Path
        from gitops_bot.core.errors import UsageError
        from gitops_bot.core.model import SigningMethod
        from gitops_bot.trust import signing
        from gitops_bot.trust.settings import SigningConfig
        cfg = SigningConfig(method=SigningMethod.GPG, key_env="BOT_SIGNING_KEY")
        try:
            signing.open_signer(cfg, Path("."), os.environ)
            print("accepted")
        except UsageError as exc:
            print("refused:", exc)
        print("dev-null-is-device:", stat.S_ISCHR(os.stat("/dev/null").st_mode))
        """
    )
    key = signing_keys.gpg_key(passphrase="correct horse battery")
    env = _child_env(tmp_path, BOT_SIGNING_KEY=key)
    proc = sandbox.private_dev([sys.executable, "-c", script], env=env)
    assert proc.returncode == 0, proc.stderr
    assert "refused: git signing key $BOT_SIGNING_KEY is not a usable OpenPGP secret key" in proc.stdout
    assert "dev-null-is-device: True" in proc.stdout
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_the_sandbox_would_show_a_deleted_dev_null(tmp_path: Path) -> None:
    """The hazard itself, inside the sandbox: gpg told to write a failing signature to
    /dev/null deletes it. The test above would see it; the machine's /dev never does."""
    key = signing_keys.gpg_key(passphrase="correct horse battery")
    (tmp_path / "key.asc").write_text(key)
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    script = (
        f"gpg --batch --quiet --import {tmp_path / 'key.asc'}; "
        "echo x | gpg --batch --no-tty --pinentry-mode error --detach-sign -o /dev/null; "
        "test -e /dev/null && echo present || echo gone"
    )
    proc = sandbox.private_dev(["sh", "-c", script], env={**os.environ, "GNUPGHOME": str(home)})
    subprocess.run(
        ["gpgconf", "--kill", "gpg-agent"], env={**os.environ, "GNUPGHOME": str(home)}, check=False
    )
    assert proc.stdout.strip().splitlines()[-1] == "gone", proc.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("method", [SigningMethod.SSH, SigningMethod.GPG])
def test_tools_get_only_paths_inside_the_private_directory(
    method: SigningMethod, own_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = signing_keys.ssh_key(tmp_path / "ssh") if method is SigningMethod.SSH else signing_keys.gpg_key()
    calls: list[list[str]] = []
    real = subprocess.run

    def recording(argv: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(list(argv))
        return real(argv, **kw)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(signing.subprocess, "run", recording)
    signer = signing.open_signer(_cfg(method), tmp_path, {"BOT_SIGNING_KEY": key})
    assert signer is not None
    mine = privdir.path()
    try:
        assert signer.home.parent == mine and stat.S_IMODE(mine.stat().st_mode) == 0o700
        assert stat.S_IMODE(signer.home.stat().st_mode) == 0o700
        for argv in calls:
            assert not any(a.startswith("/dev") for a in argv), argv
            for flag in ("-o", "-f", "--output"):
                if flag in argv:
                    assert Path(argv[argv.index(flag) + 1]).is_relative_to(mine), argv
        assert all(
            Path(v).is_relative_to(mine) for k, v in signer.env().items() if "/" in v and k.startswith("GIT")
        )
    finally:
        signer.close()
    assert not signer.home.exists()


def test_a_passphrase_ssh_key_is_refused_and_nothing_is_left(own_tmp: Path, tmp_path: Path) -> None:
    key = signing_keys.ssh_key(tmp_path / "ssh", passphrase="hunter2hunter2")
    with pytest.raises(UsageError, match="not a usable SSH private key"):
        signing.open_signer(_cfg(SigningMethod.SSH), tmp_path, {"BOT_SIGNING_KEY": key})
    assert [p.name for p in privdir.path().iterdir()] == ["owner"]


_HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from gitops_bot.core import privdir
    from gitops_bot.core.model import SigningMethod
    from gitops_bot.trust import signing
    from gitops_bot.trust.settings import SigningConfig
    privdir.install_sigterm_cleanup()
    cfg = SigningConfig(method=SigningMethod.SSH, key_env="BOT_SIGNING_KEY")
    signer = signing.open_signer(cfg, Path("."), os.environ)
    print(signer.home, flush=True)
    time.sleep(120)
    """
)


def _holding_signer(tmp: Path, key: str) -> tuple[subprocess.Popen[str], Path]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER],
        env=_child_env(tmp, BOT_SIGNING_KEY=key),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    home = Path(proc.stdout.readline().strip())
    assert (home / "signing_key").read_text() == key
    return proc, home


def test_a_sigkilled_runs_key_is_removed_by_the_next_start(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc, home = _holding_signer(tmp, signing_keys.ssh_key(tmp_path / "ssh"))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (home / "signing_key").exists()  # SIGKILL cannot be caught: this is what remains
    started = subprocess.run(
        [sys.executable, "-m", "gitops_bot", "--version"],
        env=_child_env(tmp),
        capture_output=True,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    assert not home.parent.exists() and list(tmp.iterdir()) == []


def test_sigterm_removes_the_key(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc, home = _holding_signer(tmp, signing_keys.ssh_key(tmp_path / "ssh"))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert not home.parent.exists() and list(tmp.iterdir()) == []


def test_the_sweep_leaves_alone_what_is_not_a_dead_runs_own(own_tmp: Path, tmp_path: Path) -> None:
    live = subprocess.Popen(["sleep", "60"])
    try:
        alive = own_tmp / f"{privdir.PREFIX}{live.pid}-abc"
        alive.mkdir()
        (alive / "owner").write_text(f"{live.pid} {privdir._start_time(live.pid)} {os.uname().nodename}\n")
        elsewhere = own_tmp / f"{privdir.PREFIX}1-elsewhere"
        elsewhere.mkdir()
        (elsewhere / "owner").write_text("999999 1 another-host\n")
        theirs = own_tmp / f"{privdir.PREFIX}999998-theirs"
        theirs.mkdir()
        (theirs / "owner").write_text(f"999998 1 {os.uname().nodename}\n")
        os.chown(theirs, 65534, 65534)
        target = tmp_path / "not-ours"
        target.mkdir()
        (target / "keep").write_text("x")
        link = own_tmp / f"{privdir.PREFIX}999997-link"
        link.symlink_to(target)
        dead = own_tmp / f"{privdir.PREFIX}999996-dead"
        dead.mkdir()
        (dead / "owner").write_text(f"999996 1 {os.uname().nodename}\n")
        reused = own_tmp / f"{privdir.PREFIX}{live.pid}-reused"
        reused.mkdir()
        (reused / "owner").write_text(f"{live.pid} 1 {os.uname().nodename}\n")  # the pid, another start

        assert sorted(privdir.sweep(own_tmp)) == sorted([dead, reused])
        assert alive.is_dir() and elsewhere.is_dir() and theirs.is_dir()
        assert link.is_symlink() and (target / "keep").exists()
    finally:
        live.kill()
        live.wait()


def test_a_signed_update_leaves_nothing_in_the_temp_dir(tmp_path: Path, registry: RegistryProcess) -> None:
    """A whole ``gitops-bot update`` that signs and commits, as its own process: afterwards its
    temp dir is empty (key, commit message, worktree all gone) and the commit is signed."""
    from testkit.git_http import bare_repository
    from testkit.oci import Pusher

    ns = f"iso{os.getpid()}"
    config = (
        f"version: 1\nimages:\n  - name: example/app\n    repository: {registry.host}/{ns}/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n    write: commit\n"
        "git:\n  signing: {method: ssh, key_env: BOT_SIGNING_KEY}\n"
    )
    kustomization = (
        f"images:\n  - name: example/app\n    newName: {registry.host}/{ns}/app\n    newTag: 1.0.0\n"
    )
    bare = bare_repository(
        tmp_path, "gitops", {"gitops-bot.yaml": config, "overlays/dev/kustomization.yaml": kustomization}
    )
    pusher = Pusher.to(registry.url)
    try:
        pusher.image(f"{ns}/app", "1.1.0")
    finally:
        pusher.close()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    key = signing_keys.ssh_key(tmp_path / "ssh")
    env = _child_env(tmp, BOT_SIGNING_KEY=key, GITOPS_BOT_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "gitops_bot", "update", "--repo", f"file://{bare}", "--env", "dev"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(tmp.iterdir()) == []
    head = subprocess.run(
        ["git", "-C", str(bare), "cat-file", "commit", "main"], capture_output=True, text=True, check=True
    ).stdout
    assert "-----BEGIN SSH SIGNATURE-----" in head and "1.1.0" in head
