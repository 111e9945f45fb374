"""The latency bench's kubectl wrapper (``bench/kubectl_cpu.py``): a ``/bin/sh`` script that
runs the real kubectl unchanged (arguments, output, exit status) in the bot's minimal
environment, and logs what kubectl and the wrapper spent; the log's parser, which the bench
takes off the bot's whole-process CPU."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from testkit.paths import bench_module, write

kubectl_cpu = bench_module("kubectl_cpu")

# what /usr/bin/time (-f "kubectl %U %S %M") and dash's `times` appended for two renders, the
# second of which failed (time says so on a line of its own)
TIMED_LOG = """\
kubectl 0.21 0.07 61234
0m0.000000s 0m0.001000s
0m0.210000s 0m0.080000s
Command exited with non-zero status 1
kubectl 0.19 0.05 70001
0m0.001000s 0m0.000000s
0m0.190000s 0m0.060000s
"""


def test_the_log_gives_kubectl_s_cpu_and_everything_the_wrappers_spent() -> None:
    found = kubectl_cpu.parse(TIMED_LOG)
    assert found.calls == 2
    assert found.kubectl == pytest.approx(0.21 + 0.07 + 0.19 + 0.05)
    # the shells' own time and their children's (kubectl and time around it)
    assert found.wrapper == pytest.approx(0.001 + 0.29 + 0.001 + 0.25)
    assert found.peak_rss_mb == pytest.approx(70001 / 1024)


def test_without_time_kubectl_s_cpu_is_the_wrapper_shell_s_children_s() -> None:
    # bash prints `times` with the locale's decimal separator
    found = kubectl_cpu.parse("0m0.002s 0m0.001s\n0m0.300s 0m0.100s\n0m0,001s 0m0,000s\n1m0,500s 0m0,000s\n")
    assert found.calls == 2
    assert found.kubectl == pytest.approx(0.4 + 60.5)
    assert found.wrapper == pytest.approx(0.003 + 0.4 + 0.001 + 60.5)
    assert found.peak_rss_mb is None
    assert kubectl_cpu.parse("") == kubectl_cpu.KubectlCpu()


def test_a_torn_log_is_an_error_not_a_figure() -> None:
    with pytest.raises(ValueError, match="odd number"):
        kubectl_cpu.parse("0m0.002s 0m0.001s\n")


@pytest.mark.parametrize(
    "time_binary", [kubectl_cpu.TIME, None], ids=["as the bench writes it", "times alone"]
)
def test_the_wrapper_runs_kubectl_as_it_was_asked_and_logs_each_run(
    tmp_path: Path, time_binary: str | None
) -> None:
    """With /usr/bin/time (where installed: else the wrapper is the one with `times` alone)
    and without it."""
    folder = tmp_path / "a folder with spaces"
    folder.mkdir()
    fake = write(
        tmp_path / "real kubectl",
        '#!/bin/sh\nprintf "%s|" "$@"\necho to stderr >&2\n[ "$1" = fail ] && exit 3\nexit 0\n',
    )
    fake.chmod(0o755)
    wrapper, log = kubectl_cpu.write_wrapper(folder, str(fake), time_binary)
    env = {"PATH": "/usr/bin:/bin"}  # the minimal environment the bot gives its tools

    ok = subprocess.run(
        [str(wrapper), "kustomize", "a dir/with space", "--flag=$HOME"], env=env, capture_output=True
    )
    failed = subprocess.run([str(wrapper), "fail"], env=env, capture_output=True)
    assert (ok.returncode, ok.stdout, ok.stderr) == (
        0,
        b"kustomize|a dir/with space|--flag=$HOME|",
        b"to stderr\n",
    )
    assert (failed.returncode, failed.stdout) == (3, b"fail|")

    found = kubectl_cpu.take(log)
    assert found.calls == 2 and found.kubectl >= 0 and found.wrapper >= found.kubectl
    assert (found.peak_rss_mb is not None) == (time_binary is not None and Path(time_binary).is_file())
    assert log.read_text() == ""  # taken: the next run starts from nothing
    assert kubectl_cpu.take(log) == kubectl_cpu.KubectlCpu()


def test_the_real_kubectl_is_the_project_s_own_before_path_s(tmp_path: Path) -> None:
    local = write(tmp_path / ".tools" / "bin" / "kubectl", "#!/bin/sh\n")
    assert kubectl_cpu.find_kubectl(tmp_path) == str(local)
