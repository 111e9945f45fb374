"""Debian's headless Chromium, for tests that look at a page as a browser renders it.

``--dump-dom`` gives the DOM after the page's scripts ran and ``--screenshot`` a PNG; nothing
more is needed, so no DevTools client. As root, Chromium refuses its sandbox unless told
``--no-sandbox``; rather than that, the browser runs as ``nobody`` (``setpriv``, util-linux)
with its sandbox on, in a scratch directory of its own (the pytest tmp dir is not readable by
``nobody``), and the files it writes are copied out.
"""

from __future__ import annotations

import html as html_mod
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser")
DEADLINE = 90  # seconds for one browser run (a cold start on a busy 2-core machine takes ~5)


def binary() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("chromium is not installed: run scripts/bootstrap.sh (apt-get install -y chromium)")


@contextmanager
def _scratch() -> Iterator[tuple[Path, list[str]]]:
    """A directory the browser may write, and the prefix that runs it unprivileged (as root)."""
    d = Path(tempfile.mkdtemp(prefix="gitops-bot-chromium-"))
    try:
        if os.geteuid() == 0:
            d.chmod(0o777)
            prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        else:
            prefix = []
        yield d, prefix
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _run(url: str, scratch: Path, prefix: list[str], *flags: str) -> subprocess.CompletedProcess[str]:
    argv = [
        *prefix,
        binary(),
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={scratch / 'profile'}",
        *flags,
        url,
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch), "LANG": "C.UTF-8"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=DEADLINE, check=False)
    if done.returncode != 0:
        raise AssertionError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


def screenshot(url: str, dest: Path, *, size: tuple[int, int] = (1400, 900)) -> Path:
    """A PNG of ``url`` as a ``size`` window shows it, written to ``dest``."""
    with _scratch() as (d, prefix):
        shot = d / "shot.png"
        _run(url, d, prefix, f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, dest)
    return dest


def look(url: str, dest: Path, *, size: tuple[int, int] = (1400, 900)) -> str:
    """The DOM of ``url`` once loaded and its scripts ran, serialised, and a PNG of it as a
    ``size`` window shows it written to ``dest``: one browser run (a cold start is ~1.5 s of
    CPU), where a run for each was two."""
    with _scratch() as (d, prefix):
        shot = d / "shot.png"
        dom = _run(url, d, prefix, f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", "--dump-dom")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, dest)
    return dom.stdout


AXE = Path(__file__).resolve().parent.parent / ".tools/axe/axe.min.js"  # scripts/axe-core.sh

# Runs axe-core once the page has loaded and writes its violations into the DOM, where
# --dump-dom reads them (the virtual time budget lets the check's promise settle first).
_AXE_RUNNER = """
window.addEventListener('load', function () {
  axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice']}})
    .then(function (r) {
      var out = document.createElement('pre'); out.id = 'axe-result';
      out.textContent = JSON.stringify(r.violations.map(function (v) {
        return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length};
      }));
      document.body.appendChild(out);
    });
});
"""


def axe_violations(html: str, *, width: int = 1280) -> list[dict[str, object]]:
    """axe-core's violations on ``html`` (a page with no script of its own that needs to run),
    rendered ``width`` px wide in headless Chromium."""
    if not AXE.is_file():
        raise RuntimeError("axe-core is not installed: run scripts/bootstrap.sh (scripts/axe-core.sh)")
    # the page's own CSP would refuse the checker's scripts: the copy checked carries none
    page = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    # beside the page, not inlined: the checker's source holds "</script>" in its strings
    page = page.replace("</body>", f'<script src="axe.min.js"></script><script>{_AXE_RUNNER}</script></body>')
    folder = Path(tempfile.mkdtemp(prefix="gitops-bot-axe-"))  # under /tmp: readable by nobody
    folder.chmod(0o755)
    shutil.copyfile(AXE, folder / "axe.min.js")
    (folder / "axe.min.js").chmod(0o644)
    (folder / "page.html").write_text(page)
    (folder / "page.html").chmod(0o644)
    try:
        with _scratch() as (d, prefix):
            dom = _run(
                f"file://{folder}/page.html",
                d,
                prefix,
                f"--window-size={width},900",
                "--virtual-time-budget=20000",
                "--dump-dom",
            ).stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    found = re.search(r'<pre id="axe-result">(.*?)</pre>', dom, re.S)
    if found is None:
        raise AssertionError("axe-core did not report (the page's scripts did not run)")
    return list(json.loads(html_mod.unescape(found.group(1))))
