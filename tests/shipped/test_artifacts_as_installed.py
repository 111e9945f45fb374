"""What users install, tested as shipped: the wheel in a fresh venv without extras, the Action's
own steps the way a runner runs them, and the Dockerfile's build stage run as uid 10001 with a
read-only home. Each artifact is built once per run (testkit.shipped) and shared by the
workers; the commands run as subprocesses of that venv, never in this process."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.manifests import yamlvalues
from testkit import demo, shipped
from testkit.actions_env import read_outputs
from testkit.registry_process import RegistryProcess, free_port
from testkit.update_world import make_world

ROOT = shipped.ROOT
ACTION: dict[str, Any] = yamlvalues.load((ROOT / "action.yml").read_text(), "<test>")


@pytest.fixture(scope="session")
def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shipped"


@pytest.fixture(scope="session")
def wheel(shared_root: Path) -> Path:
    folder = shipped.shared(shared_root, f"wheel-{shipped.source_key()}", shipped.build_wheel)
    (found,) = folder.glob("*.whl")
    return found


@pytest.fixture(scope="session")
def wheel_venv(shared_root: Path, wheel: Path) -> Path:
    return (
        shipped.shared(
            shared_root, f"venv-{shipped.source_key()}", lambda d: shipped.install_wheel(d / "venv", wheel)
        )
        / "venv"
    )


def test_the_wheel_ships_only_the_package_and_every_module_imports_without_extras(
    wheel: Path, wheel_venv: Path, tmp_path: Path
) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert all(n.startswith(("gitops_bot/", "gitops_bot-")) for n in names), names
    assert not any("testkit" in n or n.startswith("tests/") for n in names)
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "gitops_bot").rglob("*.py")
        if p.name != "__main__.py"
    )
    assert {f"{m.replace('.', '/')}.py" for m in modules} <= set(names)
    modules.remove(KEYLESS)  # the keyless extra's module: see the next test
    script = (
        "import importlib, json, sys\n"
        "print(json.dumps({m: importlib.import_module(m).__file__ for m in sys.argv[1:]}))\n"
    )
    files = json.loads(shipped.run([str(wheel_venv / "bin/python"), "-c", script, *modules], cwd=tmp_path))
    assert len(files) >= 30 and all(f.startswith(str(wheel_venv)) for f in files.values())
    shipped.run([str(wheel_venv / "bin/python"), "-m", "pip", "check"], cwd=tmp_path)
    # the published config schema is package data: `gitops-bot schema` from the wheel prints it
    assert "gitops_bot/gitops-bot.schema.json" in names
    schema = shipped.run([str(wheel_venv / "bin/gitops-bot"), "schema"], cwd=tmp_path)
    assert schema == (ROOT / "gitops_bot" / "gitops-bot.schema.json").read_text()


KEYLESS = "gitops_bot.trust.keyless"
KEYLESS_CONFIG = """version: 1
images:
  - name: app
    repository: ghcr.io/acme/app
    verify:
      keyless: {trusted_root: root.json, issuer: https://token.actions.githubusercontent.com, identity_regexp: 'https://github.com/acme/.*'}
environments:
  - name: dev
    path: overlays/dev
"""


def test_keyless_verification_without_the_extra_is_one_line_naming_what_to_install(
    wheel_venv: Path, tmp_path: Path
) -> None:
    """Without `gitops-bot[keyless]` sigstore is absent; a config asking for keyless fails
    before anything is planned with exit 2 and one line saying which extra to install."""
    python = str(wheel_venv / "bin/python")
    probe = "import importlib.util as u; print(u.find_spec('sigstore') is None)"
    assert shipped.run([python, "-c", probe], cwd=tmp_path).strip() == "True"
    repo = tmp_path / "gitops"
    (repo / "overlays/dev").mkdir(parents=True)
    (repo / "gitops-bot.yaml").write_text(KEYLESS_CONFIG)
    (repo / "root.json").write_text("{}")
    (repo / "overlays/dev/kustomization.yaml").write_text(
        "images:\n- name: app\n  newName: ghcr.io/acme/app\n  newTag: 1.0.0\n"
    )
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"],
    ):
        shipped.run(["git", *args], cwd=repo)
    proc = subprocess.run(
        [str(wheel_venv / "bin/gitops-bot"), "plan", "--repo", str(repo)],
        cwd=tmp_path,
        env=shipped.clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "pip install 'sigstore>=" in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "sigstore" in ln]
    assert len(lines) == 1, proc.stderr


def console_runner(exe: Path, cwd: Path, log: list[tuple[list[str], int, str, str]]) -> demo.Runner:
    def run(argv: Sequence[str], env: Mapping[str, str]) -> int:
        proc = subprocess.run(
            [str(exe), *argv],
            cwd=cwd,
            env=shipped.clean_env(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        print(f"$ gitops-bot {' '.join(argv)}\n{proc.stdout}{proc.stderr}")
        log.append((list(argv), proc.returncode, proc.stdout, proc.stderr))
        return proc.returncode

    return run


def test_the_main_job_runs_end_to_end_with_the_wheels_console_script(
    wheel_venv: Path, tmp_path: Path
) -> None:
    log: list[tuple[list[str], int, str, str]] = []
    run = console_runner(wheel_venv / "bin/gitops-bot", tmp_path, log)
    with demo.stage(tmp_path / "work") as st:
        assert demo.main_job(st, run) == 0, log[-1]
        out = {" ".join(a for a in argv if not a.startswith("/")): stdout for argv, _, stdout, _ in log}
        first_update, second_update = [stdout for argv, _, stdout, _ in log if argv[0] == "update"]
        assert first_update.count("pull request http") == 2
        assert "pull request http" not in second_update and "already proposed in" in second_update
        assert len(st.gh.pulls) == 3  # two updates, one promotion; the second update opened none
        assert (
            "--- a/overlays/production/kustomization.yaml"
            in out["promote staging production --repo --dry-run"]
        )
        assert "production: 2 releases" in out["history production --repo"]
        assert "+++ b/gitops-bot.holds.yaml" in out["rollback production --repo --dry-run"]
        assert not st.gh.unexpected
        repo = str(st.repo)
        assert run(["hold", "staging", "example/app", "--repo", repo, "--dry-run"], st.env) == 0
        assert "+++ b/gitops-bot.holds.yaml" in log[-1][2]
        kustomization = st.repo / "overlays/dev/kustomization.yaml"
        args = ["set-image", "--file", str(kustomization), "--diff", "example/app:9.9.9"]
        assert run(args, st.env) == 0 and "\n+  newTag: 9.9.9\n" in log[-1][2]
        assert "--- a/work/gitops/overlays/dev/kustomization.yaml\n" in log[-1][2]  # relative to the cwd


# -- the Action ----------------------------------------------------------------------------------


def _step(name: str) -> dict[str, Any]:
    (step,) = [s for s in ACTION["runs"]["steps"] if s.get("name") == name]
    return step


def expand(
    value: str,
    inputs: Mapping[str, str],
    github_token: str = "",
    steps: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """A runner's ``${{ inputs.X }}`` (the input, else its default), ``${{ github.token }}`` and
    ``${{ steps.ID.outputs.NAME }}`` (``steps``: each earlier step's outputs by its id)."""

    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr == "github.token":
            return github_token
        if expr.startswith("steps."):
            step_id, _, output = expr.removeprefix("steps.").partition(".outputs.")
            return (steps or {})[step_id][output]
        assert expr.startswith("inputs."), expr
        name = expr.removeprefix("inputs.")
        if name in inputs:
            return inputs[name]
        return expand(str(ACTION["inputs"][name].get("default", "")), inputs, github_token)

    return re.sub(r"\$\{\{(.*?)\}\}", one, value)


# what the runner does for the steps that use other actions: setup-python is the fresh venv
# first on PATH, and a first run's actions/cache restores nothing
EMULATED = ("actions/setup-python@", "actions/cache@")


def install_steps() -> list[dict[str, Any]]:
    """action.yml's steps before the one that runs gitops-bot."""
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    return steps[: steps.index(_step("Run gitops-bot"))]


def run_install(
    dest: Path, action_path: Path, python: Path, runner_temp: Path, inputs: Mapping[str, str] | None = None
) -> None:
    """The install steps as a runner runs them, with ``python`` as setup-python's and the
    workflow's ``inputs`` (the rest: their defaults)."""
    runner_temp.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, dict[str, str]] = {}
    for step in install_steps():
        if "uses" in step:
            assert step["uses"].startswith(EMULATED), step["uses"]
            continue
        assert step["shell"] == "bash"
        output = runner_temp / f"output-{len(outputs)}"
        output.write_text("")
        env = shipped.clean_env(
            GITHUB_ACTION_PATH=str(action_path),
            GITHUB_OUTPUT=str(output),
            RUNNER_TEMP=str(runner_temp),
            RUNNER_OS="Linux",
            RUNNER_ARCH="X64",
        )
        env["PATH"] = f"{python / 'bin'}{os.pathsep}{env['PATH']}"
        env.update({k: expand(str(v), inputs or {}, steps=outputs) for k, v in step.get("env", {}).items()})
        shipped.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=dest, env=env
        )
        outputs[step.get("id", f"step-{len(outputs)}")] = read_outputs(output)


@pytest.fixture(scope="session")
def action_install(shared_root: Path) -> Path:
    """setup-python (a fresh venv first on PATH), then action.yml's own install steps."""

    def make(dest: Path) -> None:
        action_path = shipped.copy_tree(dest / "action", (*shipped.BUILD_CONTEXT, "action.yml"))
        python = shipped.make_venv(dest / "python")
        run_install(dest, action_path, python, dest / "runner-temp")

    return shipped.shared(shared_root, f"action-{shipped.source_key('action.yml')}", make)


@pytest.fixture(scope="session")
def action_install_with_extras(shared_root: Path) -> Path:
    """The install steps for a workflow whose config verifies keyless signatures and reads ECR."""

    def make(dest: Path) -> None:
        action_path = shipped.copy_tree(dest / "action", (*shipped.BUILD_CONTEXT, "action.yml"))
        python = shipped.make_venv(dest / "python")
        repo = dest / "gitops"
        (repo / "deploy").mkdir(parents=True)
        config = KEYLESS_CONFIG.replace(
            "ghcr.io/acme/app", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"
        )
        (repo / "deploy/bot.yaml").write_text(config)
        run_install(
            dest, action_path, python, dest / "runner-temp", {"repo": str(repo), "config": "deploy/bot.yaml"}
        )

    return shipped.shared(shared_root, f"action-extras-{shipped.source_key('action.yml')}", make)


CLOSURE = """
import importlib.metadata as m, json, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name as c
need, seen = set(), set()
todo = [("gitops-bot", e) for e in ("", *sys.argv[1:])]
while todo:
    name, extra = todo.pop()
    if (c(name), extra) in seen:
        continue
    seen.add((c(name), extra))
    need.add(c(name))
    for spec in m.distribution(name).requires or []:
        r = Requirement(spec)
        if r.marker is None or r.marker.evaluate({"extra": extra}):
            todo += [(r.name, e) for e in {"", *r.extras}]
have = {c(d.metadata["Name"]) for d in m.distributions()} - {"pip", "setuptools", "wheel"}
print(json.dumps({"stale": sorted(have - need), "missing": sorted(need - have)}))
"""


EXTRA_LOCKS = {extra: f"requirements/{extra}.lock" for extra in ("keyless", "aws", "gcp", "http2")}


def locked_pins(*locks: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for lock in locks:
        text = (ROOT / lock).read_text()
        for m in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M):
            name = m.group(1).lower().replace("_", "-")
            # the base lock and an extra's never share a package (scripts/lock.sh cuts them
            # apart); two extras may (urllib3: sigstore's requests and botocore), pinned alike
            assert found.setdefault(name, m.group(2)) == m.group(2), f"{name} is pinned twice in {locks}"
            found[name] = m.group(2)
    return found


def _installed_exactly(python: str, extras: Sequence[str], tmp_path: Path) -> None:
    """What ``python`` holds is gitops-bot[extras]'s dependency closure (a dependency dropped
    from pyproject.toml but left in a lock, or one added without re-locking, fails here), at
    the locks' versions, and neither the installer nor the build backend lands beside it."""
    found = json.loads(shipped.run([python, "-c", CLOSURE, *extras], cwd=tmp_path))
    assert found == {"stale": [], "missing": []}
    locked = locked_pins("requirements.lock", *(EXTRA_LOCKS[e] for e in extras))
    listed = json.loads(shipped.run([python, "-m", "pip", "list", "--format", "json"], cwd=tmp_path))
    installed = {d["name"].lower().replace("_", "-"): d["version"] for d in listed}
    assert {n: v for n, v in installed.items() if n in locked} == locked
    assert not {"uv", "uv-build"} & set(installed)  # the installer and the build backend stay out
    shipped.run([python, "-m", "pip", "check"], cwd=tmp_path)


def test_the_actions_install_is_the_lock_exactly_hash_checked_nothing_stale_nothing_missing(
    action_install: Path, tmp_path: Path
) -> None:
    """The Action installs the runtime's lock with --require-hashes and the package's wheel,
    built by uv's own backend with nothing downloaded; a workspace without a config it can
    read (this one) adds no extra's lock: 18 packages, as a run without extras needs."""
    step = _step("Install gitops-bot")["run"]
    assert step.count("--require-hashes") >= 3 and "$GITHUB_ACTION_PATH/requirements.lock" in step
    assert '"$GITHUB_ACTION_PATH/requirements/$extra.lock"' in step
    assert "requirements/installer.lock" in step and "--build-constraints" not in step
    assert "--compile-bytecode" in step
    python = str(action_install / "python/bin/python")
    _installed_exactly(python, (), tmp_path)
    listed = json.loads(shipped.run([python, "-m", "pip", "list", "--format", "json"], cwd=tmp_path))
    assert len({d["name"] for d in listed} - {"pip", "setuptools"}) == 18


def test_the_actions_install_adds_the_extras_its_config_needs_and_no_other(
    action_install_with_extras: Path, tmp_path: Path
) -> None:
    """A config (input config, inside input repo) verifying keyless signatures of an image on
    ECR: the install adds the keyless and aws extras' locks, hash-checked, and not gcp's; the
    modules they serve import, byte-compiled at install."""
    python = str(action_install_with_extras / "python/bin/python")
    _installed_exactly(python, ("keyless", "aws"), tmp_path)
    # compiled at install: the bytecode is there before anything imports the module
    probe = "import importlib.util as u; print(u.find_spec('gitops_bot.trust.keyless').cached)"
    assert Path(shipped.run([python, "-c", probe], cwd=tmp_path).strip()).is_file()
    shipped.run([python, "-c", "import gitops_bot.trust.keyless, botocore.session"], cwd=tmp_path)


def test_a_run_without_extras_installs_the_runtime_lock_alone_and_no_more_than_today() -> None:
    """The runtime's lock is what a run without extras installs (the wheel in a venv, and the
    base the Action and the container add the extras' locks to): the package and 17 more, within
    the 25 a run without extras may install (every forge is spoken through the one client,
    without a client library; HTTP/2 is the `http2` extra). A dependency added without one going fails here; the extras'
    locks hold only what each adds."""
    base = locked_pins("requirements.lock")
    # 18 since google-re2 came: a regex from outside (a policy's, Flux's, Image Updater's) matched
    # in linear time and in Go's syntax, where Python's re backtracked for minutes
    assert len(base) + 1 <= 18, f"{len(base) + 1} packages: {sorted(base)}"
    for extra in EXTRA_LOCKS:
        assert not set(locked_pins(f"requirements/{extra}.lock")) & set(base), extra


def run_step(
    install: Path, workspace: Path, tmp: Path, **inputs: str
) -> tuple[int, str, dict[str, str], str]:
    """action.yml's run step as a runner runs it (the clone cache under ``tmp``); returns exit
    code, log, outputs, summary."""
    step = _step("Run gitops-bot")
    files = {name: tmp / name for name in ("output", "summary")}
    for f in files.values():
        f.write_text("")
    (tmp / "runner-temp").mkdir(exist_ok=True)
    env = shipped.clean_env(
        GITHUB_ACTION_PATH=str(install / "action"),
        GITHUB_OUTPUT=str(files["output"]),
        GITHUB_STEP_SUMMARY=str(files["summary"]),
        RUNNER_TEMP=str(tmp / "runner-temp"),
        GITHUB_WORKSPACE=str(workspace),
        GITOPS_BOT_CACHE=str(tmp / "cache"),
    )
    env["PATH"] = f"{install / 'python/bin'}{os.pathsep}{env['PATH']}"
    env.update({k: expand(str(v), inputs, "ghs_runner_default_token") for k, v in step["env"].items()})
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = proc.stdout + proc.stderr
    print(log)
    return proc.returncode, log, read_outputs(files["output"]), files["summary"].read_text()


def test_the_actions_own_steps_plan_update_promote_dry_run_and_a_failure(
    action_install: Path, tmp_path: Path
) -> None:
    with demo.stage(tmp_path / "work") as st:
        _action_checks(action_install, st.repo, tmp_path, st)


def _group_closed(log: str) -> bool:
    return log.count("::group::") == 1 and log.index("::group::") < log.index("::endgroup::")


def _action_checks(install: Path, ws: Path, tmp: Path, st: demo.Stage) -> None:
    code, log, outputs, summary = run_step(
        install,
        ws,
        tmp,
        command="plan",
        registry="ghcr.example",
        **{"registry-username": "ci", "registry-password": "s3cret-registry-pw"},
    )
    assert code == 0, log
    assert "::add-mask::s3cret-registry-pw" in log and _group_closed(log)
    assert outputs["changed"] == "false" and json.loads(outputs["plan"])["schema"] == "gitops-bot/plan/v1"
    assert "| production | `example/app` |" in summary
    assert not list((tmp / "runner-temp").iterdir()), "the registry password outlived the step"

    token = {"github-token": st.gh.token}
    code, log, outputs, summary = run_step(install, ws, tmp, command="update", **token)
    assert code == 0, log
    urls = [p["html_url"] for p in st.gh.open_pulls()]
    assert outputs["changed"] == "true" and json.loads(outputs["pr-urls"]) == urls and len(urls) == 2
    assert outputs["pr-url"] == urls[0] and f"[pull_request]({urls[0]})" in summary
    assert st.gh.token not in log.replace(f"::add-mask::{st.gh.token}", "")

    code, log, outputs, _ = run_step(install, ws, tmp, command="update", **token)
    assert code == 0 and outputs["changed"] == "false", log
    assert outputs["pr-url"] == "" and outputs["pr-urls"] == "[]"  # nothing opened or updated

    demo.merge_staging(st)
    argocd = {"argocd-token": st.argo.token, "dry-run": "true"}
    code, log, outputs, _ = run_step(
        install, ws, tmp, command="promote", args="staging production", **token, **argocd
    )
    assert code == 0, log
    assert "--- a/overlays/production/kustomization.yaml" in log  # the diff
    assert "| environment | image | from | to | digest |" in log  # the pull request's body
    assert outputs["changed"] == "false" and len(st.gh.pulls) == 2

    code, log, outputs, _ = run_step(install, ws, tmp, command="promote", args="staging nowhere", **token)
    assert code == 2 and _group_closed(log)
    (error,) = [ln for ln in log.splitlines() if ln.startswith("::error")]
    assert error.startswith("::error title=gitops-bot promote::") and "nowhere" in error
    assert log.index("::endgroup::") < log.index("::error")
    assert outputs == {"changed": "false", "pr-url": "", "pr-urls": "[]", "plan": ""}


# -- the container -------------------------------------------------------------------------------

UID = 10001


@pytest.fixture
def container_root() -> Iterator[Path]:
    """A scratch directory uid 10001 can reach (pytest's own are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="gitops-bot-container-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _as_container(argv: list[str], env: Mapping[str, str], home: Path, **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        cwd=home,
        env={**env, "HOME": str(home)},
        user=UID,
        group=UID,
        extra_groups=[],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
    except OSError:
        return 0, ""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as uid 10001")
def test_the_container_build_stage_runs_update_and_watch_as_uid_10001_with_a_read_only_home(
    container_root: Path, registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = shipped.container_build(container_root / "image", (ROOT / "Dockerfile").read_text())
    cache = Path(runtime["GITOPS_BOT_CACHE"])
    cache.mkdir()
    os.chown(cache, UID, UID)  # the image's /cache volume belongs to the user
    home = container_root / "home"
    home.mkdir(mode=0o555)  # read-only, not even the user's
    world_gen = make_world(container_root / "world", registry)
    world = next(world_gen)
    try:
        subprocess.run(["chown", "-R", f"{UID}:{UID}", str(world.remote)], check=True)
        safe = container_root / "root-gitconfig"  # this side's git (the fake GitHub) reads the remote too
        safe.write_text("[safe]\n\tdirectory = *\n")
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(safe))
        env = {**runtime, "GITHUB_TOKEN": world.github.token, "LANG": "C.UTF-8"}
        world.push("app", "1.1.0")
        argv = ["gitops-bot", "update", "--repo", f"file://{world.remote}", "--env", "staging"]
        proc = _as_container(argv, env, home)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
        assert "pull request http" in out and len(world.github.open_pulls()) == 1
        _watch(env, home, world.remote)
    finally:
        next(world_gen, None)


def _watch(env: Mapping[str, str], home: Path, remote: Path) -> None:
    port = free_port()
    argv = [
        "gitops-bot",
        "watch",
        "--repo",
        f"file://{remote}",
        "--env",
        "staging",
        "--interval",
        "1h",
        "--listen",
        f"127.0.0.1:{port}",
    ]
    proc = _as_container(argv, env, home)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while _get(base + "/readyz")[0] != 200:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        assert _get(base + "/healthz")[0] == 200
        status, metrics = _get(base + "/metrics")
        assert status == 200 and 'gitops_bot_cycles_total{result="success"} 1.0' in metrics
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and time.monotonic() - started < 30, err
    events = [json.loads(line)["event"] for line in err.splitlines() if line.startswith("{")]
    assert events.count("cycle") == 1 and "unchanged" in events and "change" not in events, err
