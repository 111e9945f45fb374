"""Fault suite, whole commands: hostile repository contents, config and arguments, run through
the CLI against the real registry process and real git. Every row checks the contract: the
documented exit code, exactly one line on stderr, no traceback, no file outside the repository
touched, and no secret in any output."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitops_bot.cli import main
from gitops_bot.core.log import register_secret
from testkit.registry_process import RegistryProcess

SECRET = "hunter2-secret-token-xyz"
OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: example/app
    newName: {host}/faults/app
    newTag: 1.0.0
"""
CONFIG = """version: 1
images:
  - name: example/app
    repository: {host}/faults/app
environments:
  - name: dev
    path: overlays/dev
    write: commit
"""
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
DEEP = "k: " + "[" * 20000 + "]" * 20000 + "\n"


@dataclass
class Repo:
    root: Path
    outside: Path
    host: str

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    def link(self, rel: str, target: Path) -> Path:
        path = self.root / rel
        if path.is_dir() and not path.is_symlink():
            for child in path.iterdir():
                child.unlink()
            path.rmdir()
        elif path.exists():
            path.unlink()
        path.symlink_to(target)
        return path


@pytest.fixture(scope="session")
def _pushed(registry: RegistryProcess) -> None:
    from testkit.oci import Pusher

    p = Pusher.to(registry.url)
    p.image("faults/app", "1.0.0", salt="faults")
    p.close()


@pytest.fixture
def repo(tmp_path: Path, registry: RegistryProcess, _pushed: None) -> Repo:
    root, outside = tmp_path / "repo", tmp_path / "outside"
    outside.mkdir()
    (outside / "kustomization.yaml").write_text(OVERLAY.format(host=registry.host))
    r = Repo(root, outside, registry.host)
    r.write("gitops-bot.yaml", CONFIG.format(host=registry.host))
    r.write("overlays/dev/kustomization.yaml", OVERLAY.format(host=registry.host))
    return r


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


Mutate = Callable[[Repo], object]
CONFIG_LINE = "environments:\n"


def config_with(old: str, new: str) -> Mutate:
    return lambda r: r.write("gitops-bot.yaml", (r.root / "gitops-bot.yaml").read_text().replace(old, new))


def set_image(name: str, arg: str, match: str) -> Case:
    return Case(f"set-image-{name}", lambda r: None, match, argv=("set-image", "--file", "K", arg))


def manifests_dir_with_link(r: Repo) -> None:
    """A plain-manifests environment whose directory holds a symlink to a file outside."""
    (r.root / "overlays/dev/kustomization.yaml").unlink()
    r.write("overlays/dev/deploy.yaml", "kind: Deployment\n")
    r.link("overlays/dev/z.yaml", r.outside / "kustomization.yaml")


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Mutate
    match: str
    code: int = 2
    argv: tuple[str, ...] = ("plan",)


CASES = [
    Case(
        "overlay-dir-symlink-outside", lambda r: r.link("overlays/dev", r.outside), "outside the repository"
    ),
    Case(
        "kustomization-symlink-outside",
        lambda r: r.link("overlays/dev/kustomization.yaml", r.outside / "kustomization.yaml"),
        "outside the repository",
    ),
    Case(
        "manifest-dir-entry-symlink-outside",
        lambda r: manifests_dir_with_link(r),
        "outside the repository",
    ),
    Case(
        "config-symlink-outside",
        lambda r: (
            (r.outside / "c.yaml").write_text(CONFIG.format(host=r.host)),
            r.link("gitops-bot.yaml", r.outside / "c.yaml"),
        ),
        "gitops-bot.yaml: resolves to .*outside the repository",
    ),
    Case(
        "holds-symlink-outside",
        lambda r: (
            (r.outside / "h.yaml").write_text("dev: {x: y}\n"),
            r.link("gitops-bot.holds.yaml", r.outside / "h.yaml"),
        ),
        "holds.yaml: resolves to .*outside the repository",
    ),
    Case(
        "alias-bomb-in-overlay",
        lambda r: r.write("overlays/dev/kustomization.yaml", BOMB),
        r"kustomization.yaml:\d+: aliases expand",
    ),
    Case(
        "deep-nesting-in-overlay",
        lambda r: r.write("overlays/dev/kustomization.yaml", DEEP),
        "nested deeper than",
    ),
    Case(
        "duplicate-key-in-kustomization",
        lambda r: r.write(
            "overlays/dev/kustomization.yaml",
            OVERLAY.format(host=r.host) + "    newTag: 9.9.9\n",
        ),
        r"kustomization.yaml:7: duplicate key 'newTag'",
    ),
    Case(
        "alias-bomb-in-config",
        lambda r: r.write("gitops-bot.yaml", BOMB),
        r"gitops-bot.yaml:\d+: aliases expand",
    ),
    Case("deep-config", lambda r: r.write("gitops-bot.yaml", DEEP), "nested deeper"),
    Case(
        "duplicate-key-in-config",
        config_with("version: 1\n", "version: 1\nversion: 1\n"),
        "duplicate key 'version'",
    ),
    Case("non-utf8-config", lambda r: r.write("gitops-bot.yaml", b"version: 1\nx: \xff\xfe\n"), "not UTF-8"),
    Case(
        "control-char-in-config",
        config_with("version: 1", "version: 1\x1b[2J"),
        "gitops-bot.yaml:1: control character",
    ),
    Case("c1-control-in-config", config_with("version: 1", "version: 1 # \x80"), "control character"),
    Case("noncharacter-in-config", config_with("version: 1", "version: 1 # \ufffe"), "control character"),
    Case("nul-in-config", config_with("version: 1", "version: 1\x00"), "control character"),
    Case(
        "non-utf8-holds",
        lambda r: r.write("gitops-bot.holds.yaml", b"dev:\n  x: \xc3\x28\n"),
        "holds.yaml: not UTF-8",
    ),
    Case(
        "alias-bomb-in-holds", lambda r: r.write("gitops-bot.holds.yaml", BOMB), "holds.yaml:.*aliases expand"
    ),
    Case(
        "control-char-in-holds",
        lambda r: r.write("gitops-bot.holds.yaml", "dev:\n  x: \x07\n"),
        "control character",
    ),
    Case(
        "unknown-placeholder",
        config_with(CONFIG_LINE, "git:\n  message: '{nope}'\n" + CONFIG_LINE),
        "unknown placeholder",
    ),
    Case(
        "attribute-placeholder",
        config_with(CONFIG_LINE, "git:\n  message: '{environment.__class__}'\n" + CONFIG_LINE),
        "unknown placeholder",
    ),
    Case(
        "huge-format-spec",
        config_with(CONFIG_LINE, "git:\n  message: '{summary:>999999999}'\n" + CONFIG_LINE),
        "no format spec",
    ),
    Case(
        "env-name-not-a-branch", config_with("name: dev", "name: 'dev..x'"), "cannot be part of a git branch"
    ),
    Case("env-name-with-space", config_with("name: dev", "name: 'dev x'"), "cannot be part of a git branch"),
    Case("env-name-lock", config_with("name: dev", "name: dev.lock"), "cannot be part of a git branch"),
    Case(
        "env-names-nest",
        config_with(
            "    write: commit\n",
            "    write: commit\n  - name: dev/eu\n    path: overlays/dev\n    write: commit\n",
        ),
        "nest",
    ),
    Case(
        "timeout-zero",
        config_with(CONFIG_LINE, "registries:\n  ghcr.io:\n    timeout: 0\n" + CONFIG_LINE),
        "'timeout' must be more than 0",
    ),
    *(
        set_image(name, arg, match)
        for name, arg, match in [
            ("newline-tag", "example/app:1.0\n", "no white space"),
            ("unicode-tag", "example/app:1.0ü", "not a valid tag"),
            ("query-tag", "example/app:1?x", "not a valid tag"),
            ("dot-dot-tag", "example/app:../x", "not a valid tag"),
            ("space-in-name", "example/app=x;rm -rf/y:1", "no white space"),
            ("semicolon-name", "example/app=x;id/y:1", "not a valid image name"),
            ("dollar-name", "example/app=$(id)/y:1", "not a valid image name"),
            ("backtick-host", "example/app=`id`.io/y:1", "not a valid image name"),
        ]
    ),
    Case(
        "set-image-same-image-twice",
        lambda r: None,
        "'example/app' is named by more than one ARG",
        argv=("set-image", "--file", "K", "example/app:2.0.0", "example/app:3.0.0"),
    ),
    Case(
        "set-image-read-only-file",
        lambda r: (r.root / "overlays/dev/kustomization.yaml").chmod(0o444),
        "read-only",
        argv=("set-image", "--file", "K", "example/app:2.0.0"),
    ),
    Case(
        "set-image-alias-bomb",
        lambda r: r.write("overlays/dev/kustomization.yaml", BOMB),
        "aliases expand",
        argv=("set-image", "--file", "K", "example/app:2.0.0"),
    ),
    Case(
        "set-image-file-symlink-outside-is-the-users-choice-but-bombs-are-not",
        lambda r: (r.outside / "kustomization.yaml").write_text(DEEP),
        "nested deeper",
        argv=("set-image", "--file", "OUT", "example/app:2.0.0"),
    ),
]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_one_clean_line(case: Case, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    register_secret(SECRET)
    case.mutate(repo)
    before = snapshot(repo.outside)
    kustomization = str(repo.root / "overlays/dev/kustomization.yaml")
    argv = [
        {"K": kustomization, "OUT": str(repo.outside / "kustomization.yaml")}.get(a, a) for a in case.argv
    ]
    if argv[0] == "plan":
        argv += ["--repo", str(repo.root)]
    code, out, err = run_cli(argv, capsys)
    assert code == case.code, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("gitops-bot: error: "), err
    assert "Traceback" not in err and SECRET not in out + err
    import re

    assert re.search(case.match, lines[0]), lines[0]
    assert snapshot(repo.outside) == before, "a file outside the repository was touched"


def test_set_image_through_an_inside_symlink_edits_the_target_and_keeps_the_link(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    target = repo.write("base/kustomization.yaml", OVERLAY.format(host=repo.host))
    link = repo.root / "overlays/dev/kustomization.yaml"
    link.unlink()
    link.symlink_to(Path("../../base/kustomization.yaml"))
    code, _, err = run_cli(["set-image", "--file", str(link), "example/app:2.0.0"], capsys)
    assert code == 0, err
    assert link.is_symlink() and "newTag: 2.0.0" in target.read_text()


def test_set_image_does_not_overwrite_a_concurrent_edit(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitops_bot.manifests import kustomize

    path = repo.root / "overlays/dev/kustomization.yaml"
    real_edit = kustomize.edit  # what set-image edits a kustomization with

    def racing_edit(*args: object, **kwargs: object) -> object:
        result = real_edit(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(path.read_text() + "# someone else's edit\n")
        return result

    monkeypatch.setattr(kustomize, "edit", racing_edit)
    code, _, err = run_cli(["set-image", "--file", str(path), "example/app:2.0.0"], capsys)
    assert code == 2 and "changed while it was being edited" in err
    assert path.read_text().endswith("# someone else's edit\n") and "newTag: 1.0.0" in path.read_text()


def test_set_image_full_disk_is_one_line(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("tempfile.mkstemp", full)
    path = repo.root / "overlays/dev/kustomization.yaml"
    code, _, err = run_cli(["set-image", "--file", str(path), "example/app:2.0.0"], capsys)
    assert code == 2 and "No space left on device" in err and len(err.splitlines()) == 1


def test_stdout_closed_early_ends_quietly(repo: Repo) -> None:
    """`gitops-bot plan --output json | head -1`: the reader goes away; no traceback, exit 141."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "gitops_bot", "plan", "--repo", str(repo.root), "--output", "json"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


def pushed_clone(repo: Repo, tmp_path: Path) -> None:
    """Make ``repo`` a clone of a bare remote holding its files at main."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "example"],
        ["remote", "add", "origin", str(remote)],
        ["push", "-q", "origin", "main"],
    ):
        subprocess.run(["git", "-C", str(repo.root), *args], check=True, capture_output=True)


def test_a_base_branch_the_remote_lacks_is_a_usage_error(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--base nope`: the remote answers that it has no such branch; exit 2 naming the fix, not
    exit 3 blaming the network."""
    pushed_clone(repo, tmp_path)
    code, _, err = run_cli(["history", "dev", "--repo", str(repo.root), "--base", "mian"], capsys)
    assert code == 2, err
    assert (
        err
        == "gitops-bot: error: the remote has no branch 'mian'; check --base, or git.base in gitops-bot.yaml\n"
    )


def test_repo_a_folder_inside_a_clone_names_the_clone(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gitops-bot update` run from overlays/dev (--repo .): not "not a git repository", which
    is false, but the clone's root to point --repo at."""
    pushed_clone(repo, tmp_path)
    inner = repo.root / "overlays/dev"
    code, _, err = run_cli(["update", "--dry-run", "--repo", str(inner)], capsys)
    assert code == 2, err
    assert err == (
        f"gitops-bot: error: {inner} is inside the git repository {repo.root}, not its root; "
        f"point --repo at {repo.root}\n"
    )
    code, _, err = run_cli(["update", "--dry-run", "--repo", str(tmp_path / "outside")], capsys)
    assert code == 2 and "is not a git repository" in err, err
    # a folder holding its own gitops-bot.yaml (an example inside a project): both flags named
    (inner / "gitops-bot.yaml").write_text("version: 1\n")
    code, _, err = run_cli(["update", "--dry-run", "--repo", str(inner)], capsys)
    assert code == 2 and err.endswith(
        f"point --repo at {repo.root} and --config at overlays/dev/gitops-bot.yaml\n"
    ), err


@pytest.mark.parametrize("opt", ["-v", "-vv", "--verbose", "--log-format=json"])
def test_logging_options_before_the_command_say_where_they_go(
    opt: str, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli([opt, "plan", "--repo", str(repo.root)], capsys)
    assert code == 2
    assert err == (
        f"gitops-bot: error: unrecognized arguments: {opt}; "
        "put -v/--log-format after the command: gitops-bot plan -v\n"
    )


@pytest.mark.parametrize(
    "helm",
    [("tag=image.tag", "tag=image.repository"), ("tag=image.tag", "repository=image.tag")],
    ids=["field-twice", "path-twice"],
)
def test_set_image_conflicting_helm_paths_are_refused(
    helm: tuple[str, str], repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last --helm tag= used to win silently: the tag overwrote image.repository."""
    values = repo.write("values.yaml", 'image:\n  repository: ghcr.io/acme/app\n  tag: "1.0"\n')
    before = values.read_bytes()
    argv = ["set-image", "--file", str(values), "--helm", helm[0], "--helm", helm[1], "app:1.2"]
    code, _, err = run_cli(argv, capsys)
    assert code == 2, err
    assert err == (
        f"gitops-bot: error: --helm {helm[1]!r} conflicts with an earlier --helm; "
        "give each FIELD once, each at its own key path\n"
    )
    assert values.read_bytes() == before


# -- watch arguments (a subprocess: watch installs signal handlers) ----------------------------


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (("--listen", "127.0.0.1:99999"), "invalid --listen"),
        (("--listen", "256.1.1.1:80"), "cannot listen"),
        (("--listen", "BUSY"), "cannot listen"),
        (("--interval", "99999999h"), "longest allowed"),
        (("--interval", "9" * 400 + "s"), "invalid duration"),
    ],
    ids=["port-out-of-range", "bad-address", "busy-port", "interval-too-long", "interval-overflow"],
)
def test_watch_argument_errors_are_one_line(extra: tuple[str, ...], match: str, repo: Repo) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args = [a.replace("BUSY", f"127.0.0.1:{busy.getsockname()[1]}") for a in extra]
        proc = subprocess.run(
            [sys.executable, "-m", "gitops_bot", "watch", "--repo", str(repo.root), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and match in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(autouse=True)
def _restore_mode(repo: Repo) -> Iterator[None]:
    yield
    for p in repo.root.rglob("*"):
        if p.is_file() and not p.is_symlink():
            p.chmod(0o644)


@pytest.mark.parametrize(
    "app",
    [
        {"status": []},
        {"status": {"sync": "Synced", "health": 5, "summary": {"images": "ghcr.io/a/b:1"}}},
        {"status": {"sync": {"status": ["Synced"]}, "summary": {"images": [1, None, {"x": 1}]}}},
        {"status": None, "spec": 7},
    ],
    ids=["status-list", "scalars-for-objects", "odd-items", "nulls"],
)
def test_argocd_odd_field_types_close_the_gate_instead_of_crashing(app: dict[str, object]) -> None:
    from gitops_bot.gate.argocd import Wanted, check

    problems = check(app, "app-dev", [Wanted("example/app", "ghcr.io/a/b", "1", None)])
    assert any("Unknown" in p for p in problems) and any("does not run" in p for p in problems)


def test_a_broken_holds_file_is_reported_before_a_registry_that_is_down(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """The holds file is read while the registry's requests are out: when it cannot be read
    and the registry is down too, the run ends on the file (2, docs/reference/exit-codes.md),
    not after the registry's retries on the outage (3)."""
    down = "127.0.0.1:1"  # nothing listens on port 1
    repo.write("gitops-bot.yaml", CONFIG.format(host=down))
    repo.write("overlays/dev/kustomization.yaml", OVERLAY.format(host=down))
    repo.write("gitops-bot.holds.yaml", "- not a mapping\n")
    code, _, err = run_cli(["plan", "--repo", str(repo.root)], capsys)
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and "holds.yaml" in lines[0], err
    assert "unavailable" not in err
