"""The forge registry: every forge the bot speaks is one package under ``gitops_bot/forges/``
and one item of ``registry.REGISTERED``, and the package provides every part the rest of the
bot asks for. Nothing outside ``forges/`` names a particular forge's package: it asks the
registry."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

from gitops_bot.core.secret import Origin
from gitops_bot.forges import compare_kit, registry
from gitops_bot.forges.entries import ForgeEntry
from gitops_bot.forges.settings import FORGES as CONFIGURABLE
from testkit import package_source

PACKAGE = Path(registry.__file__).parent
FORGE_PACKAGES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
PARTS = ("adapter", "compare", "entry")


def test_every_forge_package_is_registered_and_every_configurable_name_has_one() -> None:
    registered = [f.package for f in registry.REGISTERED]
    assert sorted(registered) == FORGE_PACKAGES
    assert [e.connect.__module__.split(".")[2] for e in registry.entries()] == registered
    assert set(registry.FORGES) == set(CONFIGURABLE)  # the schema's forge: type values
    assert len(registry.FORGES) == sum(len(f.names) for f in registry.REGISTERED)


def test_every_forge_provides_every_part() -> None:
    for listed in registry.REGISTERED:
        name = listed.package
        for part in PARTS:
            assert (PACKAGE / name / f"{part}.py").is_file(), f"forges/{name}/{part}.py"
        entry = importlib.import_module(f"gitops_bot.forges.{name}.entry").ENTRY
        assert isinstance(entry, ForgeEntry) and listed.entry is entry
        assert listed.names and all(re.fullmatch(r"[a-z-]+", n) for n in listed.names)
        for fn in (entry.connect, entry.compare, entry.source_api, entry.source_auth):
            assert callable(fn) and fn.__module__.startswith(f"gitops_bot.forges.{name}."), (name, fn)
        for pattern in (*listed.merge_subjects, *listed.merge_messages):
            assert pattern.groups >= 1  # its first group is the change request's number
        web, api = entry.source_api("https://forge.example.com/api", "https://forge.example.com/a/b.git")
        assert isinstance(web, Origin) and api.startswith("https://")
        auth = entry.source_auth(api, "token-0123456789")
        assert auth is not None


def test_what_config_and_history_read_of_the_forges_imports_no_forge_package() -> None:
    """A configuration's check (forge names, issue boards) and a history's pull request numbers
    (merge subjects) are read from the registry's table alone: no forge's package, entry or
    adapter is imported for them (a ``plan`` talks to no forge)."""
    code = (
        "import sys\n"
        "import gitops_bot.config, gitops_bot.release.ledger\n"
        "from gitops_bot.forges import registry\n"
        "registry.merged_change_request('x', 'x'), registry.with_issues(), registry.FORGES['gitlab']\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('gitops_bot.forges.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "gitops_bot.forges.registry" in loaded
    assert not {m for m in loaded if m.split(".")[2] in FORGE_PACKAGES}, loaded
    assert "gitops_bot.forges.entries" not in loaded


def test_the_ledger_reads_each_forges_merge_subject() -> None:
    """One merge subject per forge that writes one, read through the registry."""
    seen = {
        "Fix the thing (#12)": 12,
        "Merge pull request #13 from acme/x": 13,
        "Merge pull request 'T' (#14) from x into main": 14,
        "Merged in feature (pull request #15)": 15,
        "Pull request #16: title": 16,
    }
    for subject, number in seen.items():
        assert registry.merged_change_request(subject, f"{subject}\n\nbody #99\n") == number, subject
    gitlab = "Merge branch 'x' into 'main'\n\nSee merge request acme/gitops!17\n"
    assert registry.merged_change_request(gitlab.splitlines()[0], gitlab) == 17
    # a subject's words in the body name nothing: only GitLab's body line is read there
    said = "Bump app\n\nreverts Merge pull request #18 from acme/x\n"
    assert registry.merged_change_request("Bump app", said) is None


def test_an_anchored_merge_form_names_its_number_before_a_titles_suffix() -> None:
    """In Azure Repos ``#N`` in a title links work item N, so "Merged PR 12: Fix login (#4521)"
    is an ordinary completion subject: pull request 12. Each forge's anchored form is read
    before the squash suffix any title may end with; the repository's own forge, when the run
    knows it, before any other's."""
    subject = "Merged PR 12: Fix login (#4521)"
    assert registry.merged_change_request(subject, subject) == 12
    assert registry.merged_change_request(subject, subject, forge="azure-devops") == 12
    assert registry.merged_change_request(subject, subject, forge="github") == 4521  # GitHub's squash
    forms = {
        "Merged in fix/login (pull request #13)": 13,
        "Merge pull request #14 from acme/fix-login": 14,
        "Pull request #15: Fix login": 15,
        "Merge pull request 'Fix login (#4521)' (#16) from fix into main": 16,
    }
    for form, number in forms.items():
        for forge in (None, *registry.FORGES):
            said = f"{form} (#4521)" if "'" not in form else form
            assert registry.merged_change_request(said, said, forge=forge) in (number, 4521), (said, forge)
            if forge is None:
                assert registry.merged_change_request(said, said) == number, said
    gitlab = "Fix login (#4521)\n\nSee merge request acme/gitops!17\n"
    assert registry.merged_change_request("Fix login (#4521)", gitlab) == 17
    assert registry.merged_change_request("Fix login (#4521)", gitlab, forge="gitlab") == 17
    assert registry.merged_change_request("Fix login (#4521)", "Fix login (#4521)") == 4521


def test_the_repositorys_own_forge_is_known_from_its_settings_or_host_without_its_entry() -> None:
    code = (
        "import sys\n"
        "from types import SimpleNamespace as N\n"
        "from gitops_bot.forges import registry\n"
        "cfg = lambda t=None: N(forge=N(type=t))\n"
        "print(registry.own_forge(cfg(), 'https://dev.azure.com/acme/Web%20Site/_git/app'),\n"
        "      registry.own_forge(cfg(), 'git@ssh.dev.azure.com:v3/acme/site/app'),\n"
        "      registry.own_forge(cfg(), 'https://acme.visualstudio.com/site/_git/app'),\n"
        "      registry.own_forge(cfg(), 'git@github.com:acme/gitops.git'),\n"
        "      registry.own_forge(cfg(), 'https://bitbucket.org/acme/gitops.git'),\n"
        "      registry.own_forge(cfg('gitlab'), 'https://git.acme.example/acme/gitops.git'),\n"
        "      registry.own_forge(cfg(), 'https://git.acme.example/acme/gitops.git'),\n"
        "      registry.own_forge(cfg(), ''))\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('gitops_bot.forges.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    kinds, modules = done.stdout.splitlines()
    assert kinds.split() == [
        "azure-devops",
        "azure-devops",
        "azure-devops",
        "github",
        "bitbucket-cloud",
        "gitlab",
        "None",
        "None",
    ]
    assert not {m for m in modules.split() if m.split(".")[2] in FORGE_PACKAGES}, modules
    assert "gitops_bot.forges.entries" not in modules.split()


def test_nothing_outside_forges_names_a_particular_forge() -> None:
    root = PACKAGE.parent
    offenders = []
    for src in package_source.sources():  # the package's trees, parsed once a test process
        path = src.path
        if PACKAGE in path.parents:
            continue
        for node in src.nodes:
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(
                n.split(".")[:3][-1] in FORGE_PACKAGES and n.startswith("gitops_bot.forges.") for n in names
            ):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_the_kit_is_forge_neutral() -> None:
    text = Path(compare_kit.__file__).read_text()
    assert not re.search(r"from gitops_bot\.forges\.(github|gitlab|gitea|azure|bitbucket)", text)


def test_every_forge_declares_its_own_token_variables_and_hosts() -> None:
    """Which variables a forge reads by default, with its git user and the hosts the
    environment names for them, is said in its own entry: the registry only loops over them."""
    environ = {
        "GITHUB_SERVER_URL": "https://ci.example",
        "CI_SERVER_URL": "https://lab.example",
        "BITBUCKET_SERVER_URL": "https://bb.example",
        "BITBUCKET_USERNAME": "alice",
    }
    expected = {
        "github": ["GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY"],
        "gitlab": ["GITLAB_TOKEN", "CI_JOB_TOKEN"],
        "gitea": ["GITEA_TOKEN", "FORGEJO_TOKEN"],
        "azure-devops": ["AZURE_DEVOPS_TOKEN"],
        "bitbucket-cloud": ["BITBUCKET_TOKEN", "BITBUCKET_API_TOKEN", "BITBUCKET_APP_PASSWORD"],
        "bitbucket-data-center": ["BITBUCKET_TOKEN"],
    }
    for listed in registry.REGISTERED:
        e = listed.entry
        package = e.connect.__module__.rsplit(".", 1)[0]
        for fn in (e.tokens, e.git_hosts):
            assert fn.__module__.startswith(package), (listed.names, fn)
        declared = e.tokens("https://forge.example.com/a/b.git", environ)
        assert [v.name for v in declared if v.default] == expected[listed.names[0]]
        assert all(v.hosts for v in declared)
    text = Path(registry.__file__).read_text()
    assert not re.search(r"\"[A-Z_]+_(TOKEN|ENV|URL|KEY|PASSWORD)\"|https?://", text)


def test_the_first_fetch_offers_the_token_of_the_forge_the_host_is_known_for_first() -> None:
    """Forgejo Actions on Codeberg set GITHUB_TOKEN and name Codeberg as GITHUB_SERVER_URL: a
    Forgejo token, when set, is the one the first fetch sends there; elsewhere GitHub's first."""
    environ = {
        "GITHUB_TOKEN": "actions-token-0123456789",
        "FORGEJO_TOKEN": "forgejo-token-0123456789",
        "GITHUB_SERVER_URL": "https://codeberg.org",
    }
    secret, user = registry.first_fetch_credentials("https://codeberg.org/acme/gitops.git", environ)
    assert secret is not None and secret.value == environ["FORGEJO_TOKEN"] and user == "gitops-bot"
    del environ["FORGEJO_TOKEN"]
    secret, user = registry.first_fetch_credentials("https://codeberg.org/acme/gitops.git", environ)
    assert secret is not None and secret.value == environ["GITHUB_TOKEN"] and user == "x-access-token"
    ghe = {
        "GITHUB_TOKEN": "ghp_0123456789",
        "GITEA_TOKEN": "gitea-0123",
        "GITHUB_SERVER_URL": "https://ci.example",
    }
    secret, user = registry.first_fetch_credentials("https://ci.example/acme/gitops.git", ghe)
    assert secret is not None and secret.value == ghe["GITHUB_TOKEN"] and user == "x-access-token"
