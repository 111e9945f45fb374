"""What a first-time user meets, each kept working: bad arguments exit 2 with the real reason,
set-image's messages and diff labels, hold summaries, progress drawn on a terminal only,
watch's permanent errors and event names, Argo CD's service errors, the first fetch's token,
apt's lock waited for."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from gitops_bot.cli import main
from gitops_bot.commands.update import Updater
from gitops_bot.core import log, progress
from gitops_bot.core.errors import ServiceUnavailable, UsageError
from gitops_bot.core.model import OutcomeAction
from gitops_bot.engine.outcome import Outcome
from gitops_bot.engine.session import fetch_credentials
from gitops_bot.gate import argocd
from gitops_bot.gate.settings import ArgoCDConfig
from gitops_bot.output import release_text
from gitops_bot.release.proposal import Change
from gitops_bot.watch import Watcher
from testkit.argocd_server import FakeArgoCD
from testkit.github_responses import mocked_github
from testkit.paths import ROOT, write
from testkit.update_world import git


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["history", "dev", "--limit", "-1"], "argument --limit: -1 is below 0"),
        (["rollback", "dev", "--steps", "-3"], "argument --steps: -3 is below 1"),
        (["rollback", "dev", "--steps", "0"], "argument --steps: 0 is below 1"),
        (["history", "dev", "--limit", "x"], "'x' is not a whole number"),
        (["set-image", "app:1 2"], "an image reference has no white space"),
    ],
)
def test_bad_arguments_are_exit_2_with_the_real_reason(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, _, err = cli(capsys, *argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_set_image_names_missing_helm_paths_and_prints_plain_diff_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    values = write(tmp_path / "values.yaml", "image:\n  repository: acme/app\n  tag: 1.0.0\n")
    code, _, err = cli(
        capsys, "set-image", "--file", str(values), "--helm", "tag=image.version", "acme/app:2"
    )
    assert code == 2 and "none of the --helm key paths (tag=image.version) is in the file" in err
    assert "pass --helm" not in err
    code, out, _ = cli(
        capsys, "set-image", "--file", str(values), "--helm", "tag=image.tag", "--diff", "acme/app:2"
    )
    assert code == 0 and out.startswith(f"--- {values}\n+++ {values}\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(
        capsys, "set-image", "--file", "values.yaml", "--helm", "tag=image.tag", "--diff", "acme/app:2"
    )
    assert code == 0 and out.startswith("--- a/values.yaml\n+++ b/values.yaml\n")


def test_hold_summaries_name_the_environment_once_and_never_a_bare_dash() -> None:
    held = Outcome(
        "staging", (), OutcomeAction.PULL_REQUEST, url="https://x/pull/1", title="staging: hold example/app"
    )
    nothing = Outcome("staging", (), OutcomeAction.UNCHANGED, warnings=["example/app is not held in staging"])
    text = release_text.update_text([held, nothing])
    assert "  staging: hold example/app: pull request https://x/pull/1" in text
    assert "  staging: nothing to change\n    warning: example/app is not held in staging" in text
    assert "staging: staging" not in text and ": -:" not in text


def test_progress_draws_on_a_terminal_only() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    assert progress.enabled_for("json", tty) is None
    assert progress.enabled_for("console", io.StringIO()) is None
    progress.configure(progress.enabled_for("console", tty))
    try:
        with progress.counter("listing tags", 3) as tick:
            for _ in range(3):
                tick()
    finally:
        progress.configure(None)
    assert "listing tags 3/3" in tty.getvalue() and tty.getvalue().endswith("\r\033[K")


def test_watch_exits_2_at_once_on_a_permanent_error(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    code, _, err = cli(
        capsys, "watch", "--repo", "/nonexistent", "--listen", "127.0.0.1:0", "--interval", "1s"
    )
    assert code == 2 and "/nonexistent is not a git repository" in err
    assert time.monotonic() - started < 10


def test_watch_logs_unchanged_outcomes_as_unchanged() -> None:
    class Quiet:
        registry_requests: dict[str, int] = {}

        def run(self, *_: object, **__: object) -> list[Outcome]:
            change = Change("staging", "example/app", "r/app", ("k.yaml",), "1", None, "2", None, "why")
            return [
                Outcome("staging", (change,), OutcomeAction.UNCHANGED, url="https://x/pull/1"),
                Outcome("dev", (change,), OutcomeAction.COMMIT, commit="abc", branch="main"),
            ]

    stream = io.StringIO()
    log.configure(level="info", fmt="json", stream=stream)
    try:
        ok, _ = Watcher(Quiet, interval=60).cycle()
    finally:
        log.configure()
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert ok and [(e["event"], e.get("environment")) for e in events] == [
        ("unchanged", "staging"),
        ("change", "dev"),
        ("cycle", None),
    ]


def test_argocd_misbehaving_is_a_service_problem_exit_3() -> None:
    cfg, env = None, {"ARGOCD_AUTH_TOKEN": "argocd-test-token-0123456789"}
    with FakeArgoCD() as server:
        cfg = ArgoCDConfig(server=server.url)
        client = argocd.ArgoCD(cfg, env)
        server.fail_next = [400]
        with pytest.raises(ServiceUnavailable, match="answered HTTP 400") as exc:
            client.application("s")
        assert exc.value.exit_code == 3
        client.close()
    garbage = httpx.MockTransport(lambda _req: httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(ServiceUnavailable, match="not JSON"):
        argocd.ArgoCD(cfg, env, transport=garbage).application("s")
    listed = httpx.MockTransport(lambda _req: httpx.Response(200, json=["s"]))
    with pytest.raises(ServiceUnavailable, match="unexpected shape"):
        argocd.ArgoCD(cfg, env, transport=listed).application("s")
    with FakeArgoCD() as server, pytest.raises(UsageError, match="refused the token"):
        argocd.ArgoCD(ArgoCDConfig(server=server.url), {"ARGOCD_AUTH_TOKEN": "wrong"}).application("s")


def _https_checkout(tmp_path: Path, config: str) -> Path:
    repo = tmp_path / "checkout"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    git(repo, "remote", "add", "origin", "https://github.com/acme/gitops.git")
    (repo / "gitops-bot.yaml").write_text(config)
    (repo / "overlays/dev").mkdir(parents=True)
    return repo


def _first_fetch(u: Updater) -> tuple[str | None, str]:
    """(the token's value, the git user); the token must be bound to the remote's origin."""
    token, user = fetch_credentials(u.repo, u.config_path, u.environ)
    if token is None:
        return None, user
    assert token.allows(u.repo if "://" in u.repo else "https://github.com/"), token
    return token.value, user


def test_the_first_fetch_uses_the_configured_token_or_the_github_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _https_checkout(
        tmp_path,
        "version: 1\nimages:\n  - name: app\n    repository: ghcr.io/acme/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\ngithub:\n  token_env: GITOPS_TOKEN\n",
    )
    env = {"GITOPS_TOKEN": "ghp_from_token_env", "GITHUB_TOKEN": "ghp_not_this_one"}
    assert _first_fetch(Updater(str(repo), environ=env))[0] == "ghp_from_token_env"
    assert _first_fetch(Updater("https://github.com/acme/gitops.git", environ=env))[0] == "ghp_not_this_one"
    assert _first_fetch(Updater("file:///srv/gitops.git", environ=env))[0] is None  # never sent elsewhere

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    app_env = {"GITHUB_APP_ID": "7", "GITHUB_APP_PRIVATE_KEY": pem}
    for rsps in mocked_github(monkeypatch):
        rsps.get("https://api.github.com/repos/acme/gitops/installation", json={"id": 42, "app_id": 7})
        rsps.post(
            "https://api.github.com/app/installations/42/access_tokens",
            status=201,
            json={"token": "ghs_installation_token", "expires_at": "2099-01-01T00:00:00Z"},
        )
        assert _first_fetch(Updater("https://github.com/acme/gitops.git", environ=app_env)) == (
            "ghs_installation_token",
            "x-access-token",
        )


def test_apt_install_waits_for_the_lock_instead_of_failing(tmp_path: Path) -> None:
    """A fake apt-get that reports apt's lock message twice, then succeeds."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "apt-get"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> {calls}\n'
        f'if [ "$(wc -l < {calls})" -le 2 ]; then\n'
        '  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 123 (apt-get)" >&2\n'
        "  exit 100\nfi\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "APT_LOCK_POLL": "0.05"}
    script = str(ROOT / "scripts/apt-install.sh")
    proc = subprocess.run(["bash", script, "git"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("another apt process holds the lock") == 2
    assert calls.read_text().splitlines()[-2:] == [
        "-o DPkg::Lock::Timeout=600 update -qq",
        "-o DPkg::Lock::Timeout=600 install -y -qq git",
    ]
    # any other failure is reported at once, with apt's own words and exit code
    fake.write_text('#!/usr/bin/env bash\necho "E: Unable to locate package nope" >&2\nexit 100\n')
    proc = subprocess.run(["bash", script, "nope"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 100 and "Unable to locate package nope" in proc.stderr


def test_set_image_treats_a_file_declaring_kind_kustomization_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "kind: Kustomization\nimages:\n  - name: acme/app\n    newTag: 1.0.0\n"
    base = write(tmp_path / "base.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\n" + body)
    code, _, err = cli(capsys, "set-image", "--file", str(base), "acme/app:2.0.0")
    assert code == 0, err
    assert base.read_text().endswith("  - name: acme/app\n    newTag: 2.0.0\n")
    code, _, err = cli(
        capsys, "set-image", "--file", str(base), "acme/new:1"
    )  # a kustomization gains entries
    assert code == 0 and '  - name: acme/new\n    newTag: "1"\n' in base.read_text(), err
    # Flux's Kustomization is a cluster resource, not a kustomization file
    flux = write(tmp_path / "flux.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\n" + body)
    code, _, err = cli(capsys, "set-image", "--file", str(flux), "acme/app:2.0.0")
    assert code == 2 and "no image acme/app found" in err and "1.0.0" in flux.read_text()


def test_no_arguments_is_exit_2_naming_the_missing_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys)
    assert code == 2 and out == ""
    assert "the following arguments are required: COMMAND" in err and "Traceback" not in err


def test_no_arguments_asking_nothing_else_still_parses_the_json_switch() -> None:
    from gitops_bot.cli import execute

    assert execute([]).exit_code == 2
    assert execute(["--output", "json"]).format == "json"
