"""A command run inside a test's process (testkit/in_process.py) leaves the process as it found
it: ``cli.main`` installs a SIGTERM handler that exits 143, which, left in a pytest worker, turns
a stopped run into the failure of whatever test runs at that moment."""

from __future__ import annotations

import contextlib
import io
import os
import signal

from gitops_bot.cli import main
from gitops_bot.core import privdir
from testkit import in_process


def test_main_installs_its_sigterm_handler_in_the_process_it_runs_in() -> None:
    with in_process.signal_handlers_kept():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["schema"]) == 0
        assert signal.getsignal(signal.SIGTERM) is privdir._on_sigterm


def test_a_run_in_process_gives_back_the_signal_handlers_and_environment_it_found() -> None:
    with in_process.signal_handlers_kept():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        before_int = signal.getsignal(signal.SIGINT)
        os.environ.pop("GITOPS_BOT_IN_PROCESS_PROBE", None)
        done = in_process.run(["--version"], {"GITOPS_BOT_IN_PROCESS_PROBE": "1"})
        assert (done.code, done.out.split()[0]) == (0, "gitops-bot")
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is before_int
        assert "GITOPS_BOT_IN_PROCESS_PROBE" not in os.environ


def test_a_usage_error_in_process_is_the_exit_code_a_process_gives() -> None:
    done = in_process.run(["no-such-command"])
    assert done.code == 2
    assert "invalid choice" in done.err
