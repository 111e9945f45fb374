"""What every tier shares: the tier of each test given by its directory (a marker, and a
tighter timeout for unit tests), no ambient credentials, configs checked against the published
schema, and the real registry processes the end-to-end and shipped tiers start."""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from hypothesis import HealthCheck, settings

from gitops_bot import config
from gitops_bot.core import log
from testkit.certs import make_ca, make_server_cert
from testkit.config_schema import schema_problems
from testkit.github_responses import Planned, mocked_github
from testkit.in_process import signal_handlers_kept
from testkit.oci import Pusher
from testkit.prometheus import MutualTls, PrometheusProcess, Recording, Spike, Warming
from testkit.registry_process import SUITE_GO_RUNTIME, RegistryProcess
from testkit.token_issuer import TokenIssuer

# The suite runs on shared 2-core machines beside other work: how fast hypothesis draws its
# inputs (too_slow) and how long one example takes (deadline) say what the machine is doing, not
# whether a property holds, so neither fails a test; every example is still run and checked.
settings.register_profile("shared-machine", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("shared-machine")


@pytest.fixture(scope="session")
def _own_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where each test's docker config and cache are named, one folder a test."""
    yield tmp_path_factory.mktemp("own")


_tests_run = itertools.count()


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, _own_dirs: Path) -> None:
    """Tests never read the developer's ~/.docker/config.json or tokens, nor write the user's
    cache (clones, rendered kustomizations): each test has its own. Named, not made: the bot
    makes its cache as on a first run, and a missing docker config is no config; two folders
    made per test, and removed after, were most of a unit test's time on a slow disk."""
    own = _own_dirs / str(next(_tests_run))
    monkeypatch.setenv("DOCKER_CONFIG", str(own / "docker-config"))
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(own / "cache"))
    forge_tokens = ("GITLAB_TOKEN", "CI_JOB_TOKEN", "GITEA_TOKEN", "FORGEJO_TOKEN")
    for name in ("GITHUB_TOKEN", "GITHUB_ACTOR", "SSL_CERT_FILE", *forge_tokens):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _secrets_registered_by_a_test_end_with_it() -> Iterator[None]:
    """The secrets one test registers (a short literal such as "secret") would otherwise be
    blanked out of every later test's output in the same worker process, as a real run only
    blanks the secrets it was given."""
    before = log._saved()
    yield
    log._restore(before)


OWN_MODULES = ("gitops_bot", "testkit", "tests")
# each module of the process looked at once (by identity: a module imported again is new):
# asking all of them before every test (some answer attributes lazily) took 1-3 ms a test
_looked_at: dict[str, object] = {}
_holders: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _signal_handlers_end_with_the_test() -> Iterator[None]:
    """A command run in process installs its SIGTERM handler (remove the private directory, exit
    143) and ``watch`` its SIGTERM/SIGINT ones; left in the worker, a run stopped later (a
    pytest-xdist worker told to stop, Ctrl-C) would end inside whichever test runs then, as its
    failure. Each test gets the worker's handlers back."""
    with signal_handlers_kept():
        yield


_modules_seen: list[object] = []  # sys.modules' values at the last look


def _holding(original: object) -> list[Any]:
    """The project's modules that hold ``original`` under the name ``parse``."""
    # most tests import nothing new: the same modules, compared by identity in C, need no
    # walk in Python over the process's few thousand
    current = list(sys.modules.values())
    if current != _modules_seen:
        for name, module in list(sys.modules.items()):
            if _looked_at.get(name) is not module:
                _looked_at[name] = module
                if name.startswith(OWN_MODULES) and getattr(module, "parse", None) is original:
                    _holders[name] = module
        _modules_seen[:] = current
    return [
        m for n, m in _holders.items() if sys.modules.get(n) is m and getattr(m, "parse", None) is original
    ]


@functools.cache  # the same config texts are accepted by test after test: each judged once a worker
def _problems_of(text: str) -> tuple[str, ...]:
    return tuple(schema_problems(text))


@pytest.fixture(autouse=True)
def _accepted_configs_match_the_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every config a test has the reader accept must validate against the published schema,
    so the schema cannot fall behind the reader (checked after the test, outside its timings)."""
    original = config.parse
    accepted: list[str] = []

    def parse(text: str, filename: str, **kwargs: Any) -> config.Config:
        result = original(text, filename, **kwargs)
        accepted.append(text)
        return result

    # `from gitops_bot.config import parse` too; only the project's own modules import it
    for module in _holding(original):
        monkeypatch.setattr(module, "parse", parse)
    yield
    problems = {text: _problems_of(text) for text in accepted}
    assert not any(problems.values()), {t: p for t, p in problems.items() if p}


@pytest.fixture
def quick_gate_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gates' retry budget (web, metrics, Argo CD) with its 3 attempts and 1/100 of its
    waits, for the tests that mean the giving up, not the pacing (tests/e2e/test_deadline_waits
    keeps the real back-off)."""
    from gitops_bot.gate import argocd, metrics, web
    from gitops_bot.net.retry import RetryPolicy

    quick = RetryPolicy(attempts=3, initial_wait=0.005, max_wait=0.04)
    for module in (argocd, metrics, web):
        assert module.RETRY.attempts == quick.attempts  # the same attempts, only shorter waits
        monkeypatch.setattr(module, "RETRY", quick)


@pytest.fixture
def quick_registry_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registries' and chart repositories' retry budget (registry.retrying.RETRY) with its
    4 attempts and 1/100 of its waits, for the tests whose repositories name public registries
    this machine cannot resolve and that mean what the bot reads and says, not the pacing: each
    such plan otherwise waits 0.5 + 1 + 2 s of back-off for hosts that never answer."""
    from gitops_bot.net.retry import RetryPolicy
    from gitops_bot.registry import retrying

    quick = RetryPolicy(attempts=retrying.RETRY.attempts, initial_wait=0.005, max_wait=0.04)
    monkeypatch.setattr(retrying, "RETRY", quick)


@pytest.fixture
def rsps(monkeypatch: pytest.MonkeyPatch) -> Iterator[Planned]:
    """GitHub's answers planned one by one; each planned answer must be asked for."""
    yield from mocked_github(monkeypatch)


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    """An anonymous registry shared by the session: tests use their own repository names."""
    with RegistryProcess(tmp_path_factory.mktemp("registry"), env=SUITE_GO_RUNTIME) as reg:
        yield reg


# the Prometheus servers of the session's tests, each 5-10 s from its start to its first scrape
_WARM: dict[str, Callable[[Path], Warming]] = {
    "prom": Warming,
    "prom_mutual_tls": lambda root: MutualTls(root).warming,
}
# those started as soon as the session knows its tests ask for them (pytest_collection_finish),
# that wait overlapped so with the tests before the first that needs one. Every worker collects
# every test, so each starts them, and a server started keeps scraping until the session ends
# (~4.5 ms of CPU a second, its exporter's and its own): the mutual-TLS one serves a single test,
# which waits for its first scrape instead of -n workers scraping for the whole session
_AHEAD = ("prom",)
_warming: dict[str, tuple[Warming, Path]] = {}


# the spike story's real-time history, written on the session's Prometheus as soon as it is
# ready: its 7 s pass while other tests run
_recording: dict[str, Recording] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    asked = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    for name in sorted(asked.intersection(_AHEAD)):
        root = Path(tempfile.mkdtemp(prefix=f"gitops-bot-{name}-"))
        _warming[name] = (_WARM[name](root), root)
    if "prom_spike" in asked and "prom" in _warming:
        _recording["prom_spike"] = Recording(_warming["prom"][0].get)


def _warmed(name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusProcess]:
    warming, root = _warming.pop(name, None) or (_WARM[name](tmp_path_factory.mktemp(name)), None)
    try:
        yield warming.get()
    finally:
        warming.stop()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A server warmed for tests this worker never ran (xdist gave them to another) stops."""
    for recording in _recording.values():
        with contextlib.suppress(BaseException):  # its server's failure is a test's to report
            recording.get()
    _recording.clear()
    for warming, root in _warming.values():
        warming.stop()
        shutil.rmtree(root, ignore_errors=True)
    _warming.clear()


@pytest.fixture(scope="session")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusProcess]:
    """A real Prometheus scraping a loopback exporter every second, shared by the session:
    tests set gauges of their own service names (``prom.exporter.set``)."""
    yield from _warmed("prom", tmp_path_factory)


@pytest.fixture(scope="session")
def prom_spike(prom: PrometheusProcess) -> Spike:
    """A service of ``prom`` with a spike in its history (testkit.prometheus.Spike), recorded
    in real time while the tests before it ran."""
    recording = _recording.pop("prom_spike", None) or Recording(lambda: prom)
    return recording.get()


@pytest.fixture(scope="session")
def prom_mutual_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusProcess]:
    """A real Prometheus whose web config requires a client certificate of a private CA
    (testkit.prometheus.MutualTls: ``ca.crt``, ``bot.crt``, ``bot.key`` in its ``certs``)."""
    yield from _warmed("prom_mutual_tls", tmp_path_factory)


@pytest.fixture
def pusher(registry: RegistryProcess) -> Iterator[Pusher]:
    p = Pusher.to(registry.url)
    yield p
    p.close()


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    root = tmp_path_factory.mktemp("basic-registry")
    htpasswd = root / "htpasswd"
    htpasswd.write_bytes(b"alice:" + bcrypt.hashpw(b"wonderland-42", bcrypt.gensalt(rounds=4)) + b"\n")
    auth = {"htpasswd": {"realm": "basic-realm", "path": str(htpasswd)}}
    with RegistryProcess(root, auth=auth, env=SUITE_GO_RUNTIME) as reg:
        yield reg


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tls")
    ca_pair, ca_key, ca_cert = make_ca()
    cert, key = make_server_cert(ca_key, ca_cert).write(root, "server")
    ca = root / "ca.crt"
    ca.write_bytes(ca_pair.cert_pem)
    return {"ca": ca, "cert": cert, "key": key}


@pytest.fixture(scope="session")
def tls_registry(
    tmp_path_factory: pytest.TempPathFactory, tls_material: dict[str, Path]
) -> Iterator[RegistryProcess]:
    with RegistryProcess(
        tmp_path_factory.mktemp("tls-registry"),
        tls=(tls_material["cert"], tls_material["key"]),
        env=SUITE_GO_RUNTIME,
    ) as reg:
        yield reg


@pytest.fixture(scope="session")
def token_issuer() -> Iterator[TokenIssuer]:
    issuer = TokenIssuer(users={"bob": "builder-7"}, refresh_tokens={"refresh-abc-123": "bob"}).start()
    yield issuer
    issuer.stop()


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory, token_issuer: TokenIssuer
) -> Iterator[RegistryProcess]:
    root = tmp_path_factory.mktemp("token-registry")
    with RegistryProcess(root, auth=token_issuer.registry_auth(root / "auth"), env=SUITE_GO_RUNTIME) as reg:
        yield reg


TIERS = ("unit", "contract", "e2e", "shipped")
# a unit or contract test that hangs is a bug, not a slow machine; the default (pyproject's
# `timeout`) is for the tiers that start processes on 2 loaded cores
TIER_TIMEOUT = {"unit": 60, "contract": 60}
# the fixtures that start a registry process, git remotes or servers: end-to-end only
PROCESS_FIXTURES = frozenset(
    {"registry", "pusher", "basic_registry", "tls_registry", "token_registry", "token_issuer", "world"}
)
TESTS = Path(__file__).resolve().parent


_MARK_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _tier_deselected(markexpr: str, tier: str) -> bool:
    """Whether ``-m markexpr`` deselects every test of ``tier`` whatever else a test is marked:
    only an expression over the tiers alone (``not e2e and not shipped``) is judged."""
    words = set(_MARK_WORDS.findall(markexpr))
    if not markexpr.strip() or not words <= {*TIERS, "and", "or", "not"}:
        return False
    python = _MARK_WORDS.sub(lambda m: m[0] if m[0] in ("and", "or", "not") else str(m[0] == tier), markexpr)
    try:
        return not eval(python, {"__builtins__": {}}, {})  # only True, False, and, or, not, ()
    except SyntaxError:
        return False  # pytest itself says what is wrong with the expression


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A tier the ``-m`` expression deselects is not collected at all: importing the end-to-end
    and shipped modules (and what they import) cost each worker of the inner loop seconds."""
    tier = collection_path.name
    if collection_path.parent == TESTS and tier in TIERS and _tier_deselected(config.option.markexpr, tier):
        return True
    return None


@functools.cache  # asked once a test, answered once a file: resolve() is a syscall a part
def tier_of(path: Path) -> str | None:
    """The tier a test file belongs to: the first directory under tests/."""
    parts = path.resolve().relative_to(TESTS).parts
    return parts[0] if len(parts) > 1 and parts[0] in TIERS else None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by the markers given here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(item.path)
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid}: a test sits in tests/<tier>/, one of {', '.join(TIERS)}")
        item.add_marker(getattr(pytest.mark, tier))
        if tier in TIER_TIMEOUT and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TIER_TIMEOUT[tier]))
        started = PROCESS_FIXTURES & set(getattr(item, "fixturenames", ()))
        if tier in ("unit", "contract") and started:
            raise pytest.UsageError(
                f"{item.nodeid}: a {tier} test starts no process ({', '.join(sorted(started))}): "
                "move it to tests/e2e/"
            )


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        _rewrite_ahead(config)


def _rewrite_ahead(config: pytest.Config) -> None:
    """Each test module's asserts rewritten once, by the xdist controller, before the workers
    start: pytest caches a module rewritten in its ``__pycache__``, but in a fresh clone every
    worker found none there and rewrote all ~430 modules itself, at the same time (13 s of CPU a
    worker; a cached collection takes 7). The modules the run would collect only (its paths, the
    tiers ``-m`` leaves); none where bytecode is not written. This reaches into pytest's rewrite
    module: if that changes, the workers rewrite as before, only slower."""
    if sys.dont_write_bytecode:
        return
    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        ahead = (rewrite.get_cache_dir, rewrite.PYC_TAIL, rewrite._read_pyc)
        rewrite_test, write_pyc = rewrite._rewrite_test, rewrite._write_pyc
    except (ImportError, AttributeError, KeyError):
        return
    get_cache_dir, tail, read_pyc = ahead
    roots = [config.invocation_params.dir / a.split("::")[0] for a in config.args] or [TESTS]
    found = {
        f.resolve()
        for root in roots
        for f in (sorted(root.rglob("*.py")) if root.is_dir() else [root])
        if f.is_file() and (f.name.startswith("test_") or f.name == "conftest.py")
    }
    for fn in sorted(found):
        if not fn.is_relative_to(TESTS) or _tier_deselected(config.option.markexpr, tier_of(fn) or ""):
            continue
        pyc = get_cache_dir(fn) / (fn.name[:-3] + tail)
        if read_pyc(fn, pyc) is not None:
            continue
        with contextlib.suppress(OSError, SyntaxError):  # a worker meets the same and says it
            pyc.parent.mkdir(parents=True, exist_ok=True)
            source_hash, co = rewrite_test(fn, config)
            write_pyc(state, co, source_hash, pyc)
