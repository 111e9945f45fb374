"""The project's own GitHub workflows (.github/workflows): valid against GitHub's published
workflow schema, actionlint clean (its shellcheck of every run: script included), and CI runs
the README's test command."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from gitops_bot.manifests import yamlvalues
from testkit import shipped
from testkit.paths import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))


def test_the_workflows_validate_and_pass_actionlint() -> None:
    assert WORKFLOWS, "no workflows found"
    bin_dir = Path(sys.executable).parent
    proc = subprocess.run(
        [
            str(bin_dir / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run(
        [str(bin_dir / "actionlint"), "-no-color", *map(str, WORKFLOWS)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_runs_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in readme
    ci = yamlvalues.load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"), "ci.yml")
    runs = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    assert any(r.startswith("bash scripts/test.sh") for r in runs), runs


# -- the release (.github/workflows/release.yml) ---------------------------------------------------

RELEASE_PATH = ROOT / ".github/workflows/release.yml"
RELEASE: dict[str, Any] = yamlvalues.load(RELEASE_PATH.read_text(encoding="utf-8"), "release.yml")
JOBS: dict[str, Any] = RELEASE["jobs"]


def _step(job: str, *, uses: str = "", run: str = "") -> dict[str, Any]:
    """The one step of ``job`` that uses the action ``uses`` (any ref) or whose script has ``run``."""
    found: list[dict[str, Any]] = [
        s
        for s in JOBS[job]["steps"]
        if (uses and str(s.get("uses", "")).partition("@")[0] == uses) or (run and run in s.get("run", ""))
    ]
    assert len(found) == 1, f"{job}: {len(found)} steps match uses={uses!r} run={run!r}"
    return found[0]


def _uv_build_args(script: str) -> list[str]:
    """The arguments after ``uv build`` in a shell script (continuations joined)."""
    joined = re.sub(r"\\\n", " ", script)
    (line,) = [ln for ln in joined.splitlines() if re.search(r"\buv build\b", ln)]
    return shlex.split(line.split("uv build", 1)[1])


def _flags(args: list[str]) -> dict[str, str | None]:
    """``--name value`` flags (uv build's that take a value) and bare ``--name`` ones;
    positional arguments are left out."""
    takes_value = {"--build-constraints", "--out-dir", "--python"}
    out: dict[str, str | None] = {}
    for i, arg in enumerate(args):
        if arg.startswith("--"):
            out[arg] = args[i + 1] if arg in takes_value else None
    return out


def _dockerfile_stage(name: str) -> str:
    stages = {shipped.stage_name(s): s for s in shipped.dockerfile_stages((ROOT / "Dockerfile").read_text())}
    assert name in stages, f"the Dockerfile has no stage {name!r}: {sorted(stages)}"
    return stages[name]


def test_the_release_runs_on_version_tags_with_read_only_permissions_but_for_the_action_tag() -> None:
    assert RELEASE_PATH in WORKFLOWS
    assert RELEASE["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert RELEASE["permissions"] == {"contents": "read"}
    assert set(JOBS) == {"dist", "pypi", "image", "github-release", "action-tag"}
    writes = {
        job: p
        for job, spec in JOBS.items()
        for p in [spec.get("permissions", {})]
        if p.get("contents") == "write"
    }
    assert list(writes) == ["github-release", "action-tag"], writes
    # the wheel a person installs without the index, attached once PyPI and the image are out
    assert JOBS["github-release"]["permissions"] == {"contents": "write"}
    assert set(JOBS["github-release"]["needs"]) == {"pypi", "image"}
    script = _step("github-release", run="gh release create")["run"]
    assert re.search(r'gh release create "\$TAG" dist/\*', script), script
    assert JOBS["action-tag"]["permissions"] == {"contents": "write"}
    assert set(JOBS["action-tag"]["needs"]) == {"pypi", "image"}  # moved only once both are out
    script = _step("action-tag", run="git tag")["run"]
    assert re.search(r'git tag -f "v\$MAJOR" && git push -f origin "v\$MAJOR"', script), script
    # trusted publishing: an OIDC token in the `pypi` environment, no stored secret
    assert JOBS["pypi"]["environment"] == "pypi"
    assert JOBS["pypi"]["permissions"] == {"id-token": "write"}
    assert JOBS["pypi"]["needs"] == "dist"
    publish = _step("pypi", uses="pypa/gh-action-pypi-publish")
    assert "with" not in publish or "password" not in publish["with"]


def test_the_release_builds_once_with_the_dockerfiles_wheel_command_and_locks() -> None:
    """The dist job and the Dockerfile's wheel stage build the same way: uv from the installer
    lock, ``--require-hashes`` and the same build constraints; the image job builds no wheel."""
    builds = [(job, s) for job, spec in JOBS.items() for s in spec["steps"] if "uv build" in s.get("run", "")]
    assert [job for job, _ in builds] == ["dist"], "the wheel and sdist are built once, in dist"
    script = builds[0][1]["run"]
    release = _flags(_uv_build_args(script))
    wheel_stage = _dockerfile_stage("wheel")
    (docker_run,) = [
        c for _, c in map(shipped.run_flags, shipped.instructions(wheel_stage, "RUN")) if "uv build" in c
    ]
    docker = _flags(_uv_build_args(docker_run))
    assert {"--sdist", "--wheel"} <= set(release)
    for flag in ("--wheel", "--require-hashes", "--build-constraints"):
        assert flag in docker and release[flag] == docker[flag], (flag, release, docker)
    assert (ROOT / str(release["--build-constraints"])).is_file()
    # uv itself from the same hash-checked lock, as the Dockerfile and the Action install it
    installer = '--require-hashes --target "$installer" -r requirements/installer.lock'
    assert installer in re.sub(r"\\\n\s*", "", script)
    assert "--require-hashes --target /opt/uv -r requirements/installer.lock" in re.sub(
        r"\s+", " ", wheel_stage
    )


def test_the_image_is_built_once_from_the_dist_wheel_for_amd64_and_arm64() -> None:
    image = JOBS["image"]
    assert image["needs"] == "dist"
    download = _step("image", uses="actions/download-artifact")["with"]
    upload = _step("dist", uses="actions/upload-artifact")["with"]
    assert download["name"] == upload["name"] and upload["path"].rstrip("/") == "dist"
    build = _step("image", uses="docker/build-push-action")
    assert build["id"] == "build"
    w = build["with"]
    name, _, context = w["build-contexts"].partition("=")
    # the named context replaces the stage of that name: its dist/ is where that stage's wheel is
    assert name == "wheel" and download["path"].rstrip("/") == f"{context}/dist"
    _dockerfile_stage("wheel")
    copies = shipped.instructions(_dockerfile_stage("build"), "COPY")
    assert "--from=wheel /dist/gitops_bot-*.whl ./dist/" in copies
    assert set(w["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert w["push"] is True and w["sbom"] is True and w["provenance"] == "mode=max"
    assert w["tags"] == "${{ steps.meta.outputs.tags }}"
    for action in ("docker/setup-qemu-action", "docker/setup-buildx-action"):
        _step("image", uses=action)
    assert _step("image", uses="docker/login-action")["with"]["registry"] == "ghcr.io"
    assert (
        _step("image", run="GITHUB_REPOSITORY")["run"]
        == 'echo "name=ghcr.io/${GITHUB_REPOSITORY,,}" >>"$GITHUB_OUTPUT"'
    )


def test_the_image_tags_are_the_build_stages_semver_major_minor_major_and_sha() -> None:
    """The tags examples/workflows/build-and-release.yml gives an application's images (1.2.3
    from v1.2.3, sha-<short> otherwise), plus 1.2 and 1 to follow a line."""
    meta = _step("image", uses="docker/metadata-action")
    assert meta["id"] == "meta" and meta["with"]["images"] == "${{ steps.image.outputs.name }}"
    tags = [t.strip() for t in meta["with"]["tags"].splitlines() if t.strip()]
    assert tags == [
        "type=semver,pattern={{version}}",
        "type=semver,pattern={{major}}.{{minor}}",
        "type=semver,pattern={{major}}",
        "type=sha",
    ]
    example = (ROOT / "examples/workflows/build-and-release.yml").read_text(encoding="utf-8")
    assert (
        "tag=${REF_NAME#v}" in example and "tag=sha-${GITHUB_SHA::7}" in example
    )  # metadata-action's defaults


def test_signing_and_provenance_name_the_pushed_digest() -> None:
    digest = "${{ steps.build.outputs.digest }}"
    steps = [s.get("uses", "").partition("@")[0] or s.get("name") for s in JOBS["image"]["steps"]]
    assert steps.index("sigstore/cosign-installer") > steps.index("docker/build-push-action")
    sign = _step("image", run="cosign sign")
    assert sign["env"] == {"IMAGE": "${{ steps.image.outputs.name }}", "DIGEST": digest}
    assert sign["run"].strip() == 'cosign sign --yes "$IMAGE@$DIGEST"'
    attest = _step("image", uses="actions/attest-build-provenance")["with"]
    assert attest == {
        "subject-name": "${{ steps.image.outputs.name }}",
        "subject-digest": digest,
        "push-to-registry": True,
    }
    assert JOBS["image"]["permissions"] == {
        "contents": "read",
        "packages": "write",
        "id-token": "write",
        "attestations": "write",
    }


def test_every_action_is_pinned_at_least_by_major_version() -> None:
    for job, spec in JOBS.items():
        for step in spec["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|release/v\d+)", step["uses"]), (
                    job,
                    step["uses"],
                )


def _expand(text: str, values: dict[str, str]) -> str:
    """The ``${{ ... }}`` expressions of a step, from ``values``; any other fails the test."""

    def one(m: re.Match[str]) -> str:
        assert m.group(1) in values, f"not reproduced: ${{{{ {m.group(1)} }}}}"
        return values[m.group(1)]

    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", one, text)


def test_the_dist_jobs_run_steps_build_an_sdist_and_wheel_that_pass_twine_check(tmp_path: Path) -> None:
    """The dist job's own run: scripts, in order, in a copy of the checkout with a fresh venv's
    ``python`` first on PATH (what setup-python gives): uv from its lock, the build, the
    tag-is-the-version check and ``twine check --strict`` with the pinned twine."""
    checkout = tmp_path / "checkout"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (checkout / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, checkout / rel)
    venv = shipped.make_venv(tmp_path / "python")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    values = {"github.ref_name": f"v{version}"}
    base_env = shipped.clean_env(RUNNER_TEMP=str(runner_temp), GITHUB_REF_NAME=f"v{version}")
    base_env["PATH"] = f"{venv / 'bin'}{os.pathsep}{base_env['PATH']}"
    ran = []
    for step in JOBS["dist"]["steps"]:
        if "run" not in step:
            continue
        env = {**base_env, **{k: _expand(str(v), values) for k, v in step.get("env", {}).items()}}
        # GitHub's `bash` shell: bash --noprofile --norc -eo pipefail {0}
        shipped.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _expand(step["run"], values)],
            cwd=checkout,
            env=env,
            timeout=280,
        )
        ran.append(step.get("name", step["run"]))
    assert len(ran) == 3, ran
    # (uv also leaves a .gitignore there, which upload-artifact leaves out as a hidden file)
    dist = sorted(p.name for p in (checkout / "dist").iterdir() if not p.name.startswith("."))
    assert dist == [f"gitops_bot-{version}-py3-none-any.whl", f"gitops_bot-{version}.tar.gz"]
