"""The repositories file (``--repositories``): which secrets each repository's config may read
(``env:``), a bounded read, the same remote listed twice with different settings refused with
both entries named, and property tests of its parser (any input: a clean ConfigError/UsageError
or a fleet, never a traceback)."""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_bot.commands import fleet, update
from gitops_bot.core.errors import ConfigError, GitOpsBotError, UsageError
from gitops_bot.core.secret import EnvView
from gitops_bot.net.retry import RetryPolicy
from gitops_bot.registry import retrying
from testkit.examples import examples
from testkit.loopback import LoopbackHTTPServer

A_PASS = "a-registry-password-7f3e9c"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "repositories.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- which secrets a repository may read -------------------------------------------------


def test_a_name_listed_for_one_repository_is_hidden_from_the_others(tmp_path: Path) -> None:
    listing = _write(
        tmp_path,
        "repositories:\n"
        "  - url: https://git.example/a.git\n    env: [A_TOKEN, A_PASS]\n"
        "  - url: https://git.example/b.git\n    env: [B_PASS]\n"
        "  - https://git.example/c.git\n",
    )
    a, b, c = fleet.gather([], listing, config=None, base=None).repositories
    assert a.hidden == {"B_PASS"} and b.hidden == {"A_TOKEN", "A_PASS"}
    assert c.hidden == {"A_TOKEN", "A_PASS", "B_PASS"}
    environ = {"A_PASS": A_PASS, "B_PASS": "b", "GITHUB_TOKEN": "shared"}
    view = EnvView(environ, b.hidden)
    assert view.get("A_PASS") is None and "A_PASS" not in view and "A_PASS" not in dict(view)
    assert view["B_PASS"] == "b" and view["GITHUB_TOKEN"] == "shared" and len(view) == 2


def test_without_env_lists_every_repository_reads_the_environment_as_before(tmp_path: Path) -> None:
    listing = _write(
        tmp_path, "repositories:\n  - https://git.example/a.git\n  - https://git.example/b.git\n"
    )
    assert all(
        r.hidden == frozenset() for r in fleet.gather([], listing, config=None, base=None).repositories
    )


@pytest.mark.parametrize("env", ["A_PASS", "[1]", "['A-PASS']", "['$A']", "{A: 1}", "['']"])
def test_env_must_be_a_list_of_variable_names(tmp_path: Path, env: str) -> None:
    listing = _write(tmp_path, f"repositories:\n  - url: https://git.example/a.git\n    env: {env}\n")
    with pytest.raises(
        ConfigError, match=r"repositories.yaml:2: 'env' of https://git.example/a.git must be a list"
    ):
        fleet.load(Path(listing))


class _Recorder:
    """A loopback registry that asks for Basic credentials and records every Authorization."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.headers.get("Authorization"):
                    outer.authorizations.append(self.headers["Authorization"])
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="r"')
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_GET

        self.httpd = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def decoded(self) -> str:
        return " ".join(
            base64.b64decode(a.split()[-1] + "==").decode(errors="replace") for a in self.authorizations
        )


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    rec = _Recorder()
    yield rec
    rec.httpd.shutdown()
    rec.httpd.server_close()


UNREACHABLE = "127.0.0.1:9"  # A's registry: nothing listens there


@pytest.fixture
def quick_registry_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry clients' default retry policy with its attempts and 1/100 of its waits: A
    is the fleet's bystander, its refused connections asked again as often, without the
    pauses between (what the tests mean is B's outcome)."""
    quick = RetryPolicy(initial_wait=0.005, max_wait=0.04)
    assert quick.attempts == RetryPolicy().attempts
    monkeypatch.setattr(retrying, "RetryPolicy", lambda: quick)


def _repository(root: Path, name: str, registry: str, secrets: tuple[str, str]) -> str:
    """A bare remote whose config reads its registry credentials from the ``secrets`` names."""
    work = root / f"{name}-seed"
    (work / "overlays/dev").mkdir(parents=True)
    (work / "overlays/dev/kustomization.yaml").write_text(
        f"images:\n  - name: example/app\n    newName: {registry}/{name}/app\n    newTag: 1.0.0\n"
    )
    # nothing listens on A's port: its one-second deadline (the registry's own setting) ends
    # the retries there in about a second and a half instead of four
    deadline = "    timeout: 1\n" if registry == UNREACHABLE else ""
    (work / "gitops-bot.yaml").write_text(
        "version: 1\n"
        f"registries:\n  {registry}:\n    username_env: {secrets[0]}\n    password_env: {secrets[1]}\n"
        + deadline
        + f"images:\n  - name: example/app\n    repository: {registry}/{name}/app\n"
        "environments:\n  - name: dev\n    path: overlays/dev\n"
    )
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*ident, "commit", "-qm", "seed"]):
        subprocess.run(["git", "-C", str(work), *args], check=True, capture_output=True)
    bare = root / f"{name}.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True, capture_output=True)
    return f"file://{bare}"


@pytest.mark.usefixtures("quick_registry_retries")
@pytest.mark.parametrize("declared", [True, False])
def test_another_repositorys_config_cannot_send_a_declared_secret_to_its_registry(
    tmp_path: Path, recorder: _Recorder, monkeypatch: pytest.MonkeyPatch, declared: bool
) -> None:
    """B's config names A's registry password for B's own registry. Whether A's entry lists it
    under ``env:`` or nobody listed it at all (the hazard before: readable by every repository,
    so it reached B's registry), B's config may not name it: B fails alone with one line
    naming the variable and the fix, and nothing reaches B's registry."""
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    environ = {"A_USER": "a-user", "A_PASS": A_PASS, "PATH": "/usr/bin:/bin"}
    a = _repository(tmp_path, "a", UNREACHABLE, ("A_USER", "A_PASS"))
    b = _repository(tmp_path, "b", recorder.host, ("A_USER", "A_PASS"))
    env_a = "\n    env: [A_USER, A_PASS]" if declared else ""
    listing = _write(tmp_path, f"repositories:\n  - url: {a}{env_a}\n  - url: {b}\n")
    results = update.over(fleet.gather([], listing, config=None, base=None), dry_run=True, environ=environ)
    result_b = results[1]
    assert A_PASS not in recorder.decoded() and recorder.authorizations == []
    assert result_b.exit_code == 2
    error = result_b.error or ""
    assert "gitops-bot.yaml:4: username_env" in error and "names the environment variable A_USER" in error
    assert "list A_USER under this repository's 'env:'" in error and "\n" not in error


@pytest.mark.usefixtures("quick_registry_retries")
def test_a_shared_name_is_readable_by_every_repository_of_the_fleet(
    tmp_path: Path, recorder: _Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``shared_env:`` is the operator saying every repository may name a variable: B's config
    reads it (and its registry gets it, as the operator chose)."""
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    environ = {"A_USER": "a-user", "A_PASS": A_PASS, "PATH": "/usr/bin:/bin"}
    a = _repository(tmp_path, "a", UNREACHABLE, ("A_USER", "A_PASS"))
    b = _repository(tmp_path, "b", recorder.host, ("A_USER", "A_PASS"))
    listing = _write(tmp_path, f"shared_env: [A_USER, A_PASS]\nrepositories:\n  - {a}\n  - {b}\n")
    gathered = fleet.gather([], listing, config=None, base=None)
    assert [r.allowed for r in gathered.repositories] == [{"A_USER", "A_PASS"}] * 2
    update.over(gathered, dry_run=True, environ=environ)
    assert A_PASS in recorder.decoded()


def test_one_repository_alone_reads_its_environment_as_before(tmp_path: Path) -> None:
    """The rule is for a fleet of several; one repository's config names what it likes."""
    alone = _write(tmp_path, "repositories:\n  - https://git.example/a.git\n")
    (repo,) = fleet.gather([], alone, config=None, base=None).repositories
    assert repo.allowed is None
    two = fleet.gather(["https://git.example/b.git"], alone, config=None, base=None).repositories
    assert [r.allowed for r in two] == [frozenset(), frozenset()]


@pytest.mark.parametrize("shared", ["A_PASS", "[1]", "['A-PASS']", "{A: 1}"])
def test_shared_env_must_be_a_list_of_variable_names(tmp_path: Path, shared: str) -> None:
    listing = _write(tmp_path, f"shared_env: {shared}\nrepositories:\n  - https://git.example/a.git\n")
    with pytest.raises(ConfigError, match=r"repositories.yaml:1: 'shared_env' must be a list"):
        fleet.load(Path(listing))


# -- the file itself ---------------------------------------------------------------------


def test_a_huge_repositories_file_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "repositories.yaml"
    with path.open("w") as f:
        f.write("repositories:\n")
        f.write("  - https://git.example/x.git\n" * (fleet.MAX_FILE_BYTES // 20))
    with pytest.raises(UsageError, match="larger than 1024 KiB"):
        fleet.load(path)


def test_the_same_remote_twice_with_different_settings_names_both_entries(tmp_path: Path) -> None:
    listing = _write(
        tmp_path,
        "repositories:\n"
        "  - url: https://git.example/acme/a.git\n    base: main\n"
        "  - https://git.example/b.git\n"
        "  - url: https://GIT.example/acme/a/\n    base: release\n",
    )
    with pytest.raises(UsageError) as err:
        fleet.gather([], listing, config=None, base=None)
    assert "listed twice with different settings" in str(err.value)
    assert f"{listing}:2 and {listing}:5" in str(err.value)


def test_a_remote_on_the_command_line_and_in_the_file_with_other_settings_is_refused(tmp_path: Path) -> None:
    listing = _write(tmp_path, "repositories:\n  - url: https://git.example/a.git\n    config: x.yaml\n")
    with pytest.raises(UsageError, match=r"--repo and .*repositories.yaml:2"):
        fleet.gather(["https://git.example/a.git"], listing, config=None, base=None)


def test_the_same_remote_twice_alike_is_worked_once(tmp_path: Path) -> None:
    listing = _write(
        tmp_path,
        "repositories:\n  - https://git.example/a.git\n  - https://git.example/a\n  - https://git.example/b\n",
    )
    assert [r.url for r in fleet.gather([], listing, config=None, base=None).repositories] == [
        "https://git.example/a.git",
        "https://git.example/b",
    ]


def test_a_different_env_list_is_a_different_setting(tmp_path: Path) -> None:
    listing = _write(
        tmp_path,
        "repositories:\n  - url: https://git.example/a.git\n    env: [X]\n  - url: https://git.example/a.git\n",
    )
    with pytest.raises(UsageError, match="listed twice"):
        fleet.gather([], listing, config=None, base=None)


def test_a_password_in_a_listed_url_is_redacted_in_the_files_errors(tmp_path: Path) -> None:
    listing = _write(
        tmp_path, "repositories:\n  - url: https://bot:pw-in-the-file-123@git.example/a.git\n    base: 1\n"
    )
    with pytest.raises(ConfigError) as err:
        fleet.load(Path(listing))
    assert "pw-in-the-file-123" not in str(err.value) and "git.example/a.git" in str(err.value)


# -- any input ---------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_entry = st.one_of(
    st.text(max_size=30),
    st.fixed_dictionaries(
        {"url": st.one_of(st.text(max_size=30), _scalars)},
        optional={
            "config": _scalars,
            "base": _scalars,
            "env": st.one_of(st.lists(st.from_regex(r"[A-Z_]{1,6}", fullmatch=True), max_size=3), _values),
            "other": _values,
        },
    ),
    _values,
)


@settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    doc=st.fixed_dictionaries(
        {"repositories": st.one_of(st.lists(_entry, max_size=5), _values)},
        optional={"version": _scalars, "parallel": _scalars, "extra": _values},
    )
)
def test_any_structure_gives_a_fleet_or_one_clean_error(tmp_path: Path, doc: dict[str, Any]) -> None:
    import json

    path = tmp_path / "repositories.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
    try:
        listed = fleet.gather([], str(path), config=None, base=None)
    except GitOpsBotError as exc:
        assert str(exc) and "\n" not in str(exc).strip() and "Traceback" not in str(exc)
        return
    claimed = {n for r in listed.repositories for n in (r.env or ())}
    for r in listed.repositories:
        assert isinstance(r.url, str) and r.hidden <= claimed and not r.hidden & set(r.env or ())


@settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_text_gives_a_fleet_or_one_clean_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "repositories.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        fleet.gather([], str(path), config=None, base=None)
    except GitOpsBotError as exc:
        assert str(exc)


# -- a variable the forge reads by default -----------------------------------------------

TOKEN = "ghp_operators_token_for_a_0123456789"
ATTACKER = "https://attacker.example"
_MINIMAL = "version: 1\nimages: []\nenvironments: []\n"


def _fleet_view(environ: dict[str, str], allowed: frozenset[str] | None = frozenset()) -> EnvView:
    return EnvView(environ, (), allowed)


@pytest.mark.parametrize(
    ("text", "url", "name"),
    [
        (
            f"github: {{api_url: {ATTACKER}/api/v3, repository: b/b}}\n",
            "https://github.com/b/b",
            "GITHUB_TOKEN",
        ),
        (f"forge: {{type: github, api_url: {ATTACKER}/api/v3}}\n", "https://github.com/b/b", "GITHUB_TOKEN"),
        (f"forge: {{type: gitlab, api_url: {ATTACKER}/api/v4}}\n", "https://gitlab.com/b/b", "GITLAB_TOKEN"),
        ("forge: {type: gitlab}\n", f"{ATTACKER}/b/b.git", "CI_JOB_TOKEN"),
        ("forge: {type: gitea}\n", f"{ATTACKER}/b/b.git", "GITEA_TOKEN"),
        ("forge: {type: bitbucket-data-center}\n", f"{ATTACKER}/scm/b/b.git", "BITBUCKET_TOKEN"),
    ],
)
def test_a_default_token_never_goes_to_a_host_a_fleet_repositorys_config_chose(
    text: str, url: str, name: str
) -> None:
    """Nobody listed the variable: the forge reads it by default, and B's config chose where
    the forge is. B is refused (exit 2) in one line naming the variable and the fix, before
    any client is made, so nothing is sent."""
    from gitops_bot import config
    from gitops_bot.forges import registry as forges

    cfg = config.parse(_MINIMAL + text, "gitops-bot.yaml")
    view = _fleet_view({name: TOKEN})
    with pytest.raises(UsageError) as err:
        forges.connect(cfg, url, view)
    message = str(err.value)
    assert err.value.exit_code == 2 and "\n" not in message and TOKEN not in message
    assert "attacker.example" in message and name in message
    assert f"list {name} under this repository's 'env:'" in message


@pytest.mark.parametrize(
    ("text", "url", "environ", "allowed"),
    [
        # the forge's public host
        ("", "https://github.com/a/a", {"GITHUB_TOKEN": TOKEN}, frozenset()),
        ("forge: {type: gitlab}\n", "https://gitlab.com/a/a.git", {"GITLAB_TOKEN": TOKEN}, frozenset()),
        # the server the CI platform names
        (
            "github: {api_url: https://ghe.example/api/v3, repository: a/a}\n",
            "https://ghe.example/a/a",
            {"GITHUB_TOKEN": TOKEN, "GITHUB_SERVER_URL": "https://ghe.example"},
            frozenset(),
        ),
        (
            "forge: {type: gitlab}\n",
            "https://lab.example/a/a.git",
            {"CI_JOB_TOKEN": TOKEN, "CI_SERVER_URL": "https://lab.example"},
            frozenset(),
        ),
        # the entry lists it: the operator gave it to this repository
        (
            f"github: {{api_url: {ATTACKER}/api/v3}}\n",
            "https://github.com/b/b",
            {"GITHUB_TOKEN": TOKEN},
            {"GITHUB_TOKEN"},
        ),
        # the config names its own listed variable: the default is not read
        (
            f"github: {{api_url: {ATTACKER}/api/v3, token_env: B_TOKEN}}\n",
            "https://github.com/b/b",
            {"GITHUB_TOKEN": TOKEN, "B_TOKEN": "b"},
            {"B_TOKEN"},
        ),
        # not set: nothing to send
        (f"github: {{api_url: {ATTACKER}/api/v3}}\n", "https://github.com/b/b", {}, frozenset()),
        # one repository alone: as before
        (
            f"github: {{api_url: {ATTACKER}/api/v3}}\n",
            "https://github.com/b/b",
            {"GITHUB_TOKEN": TOKEN},
            None,
        ),
    ],
)
def test_a_default_token_still_goes_where_the_operator_named_it(
    text: str, url: str, environ: dict[str, str], allowed: frozenset[str] | None
) -> None:
    from gitops_bot import config
    from gitops_bot.forges import registry as forges

    cfg = config.parse(_MINIMAL + text, "gitops-bot.yaml", env_allowed=allowed)
    forges.check_fleet_defaults(cfg, url, _fleet_view(environ, allowed))
