"""The documentation site builds as it is published, offline, and cannot rot unnoticed: a broken
link or anchor in any page fails `mkdocs build --strict`, a reference page that no longer
matches its source (the schema, the argument parser, action.yml) fails
`scripts/docs_reference.py --check`, and the links of README.md and CONTRIBUTING.md, which the
site does not build, name files that exist."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the site under `root`, with every proxy pointing at a closed
    loopback port, so a theme or plugin that reached for the internet would fail the build."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[var] = "http://127.0.0.1:9"
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy_of_the_site(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", root / "docs")
    for name in ("mkdocs.yml", "CHANGELOG.md"):
        shutil.copy(ROOT / name, root / name)
    return root


def test_the_site_builds_strictly_with_every_page_in_the_nav(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = _build(ROOT, site)
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    for page in ("index.html", "guides/github-action/index.html", "reference/configuration/index.html"):
        assert (site / page).is_file(), page
    changelog = (site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "Unreleased" in changelog  # CHANGELOG.md is included from the repository root


@pytest.mark.parametrize(
    ("broken", "complaint"),
    [
        ("[gone](no-such-page.md)", "not found among documentation files"),
        ("[gone](policies.md#no-such-heading)", "does not contain an anchor"),
    ],
)
def test_a_broken_link_or_anchor_fails_the_build(tmp_path: Path, broken: str, complaint: str) -> None:
    root = _copy_of_the_site(tmp_path)
    page = root / "docs" / "concepts" / "trust.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nSee {broken}.\n", encoding="utf-8")
    proc = _build(root, tmp_path / "site")
    assert proc.returncode != 0
    assert complaint in proc.stderr, proc.stderr


def test_a_page_left_out_of_the_nav_fails_the_build(tmp_path: Path) -> None:
    root = _copy_of_the_site(tmp_path)
    (root / "docs" / "guides" / "orphan.md").write_text("# Orphan\n", encoding="utf-8")
    proc = _build(root, tmp_path / "site")
    assert proc.returncode != 0
    assert "orphan.md" in proc.stderr, proc.stderr


def test_the_theme_needs_nothing_from_the_internet() -> None:
    """Material's Google Fonts are off and no plugin that fetches is configured."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["name"] == "material"
    assert config["theme"]["font"] is False
    assert [p if isinstance(p, str) else next(iter(p)) for p in config.get("plugins", [])] == ["search"]
    assert config["docs_dir"] == "docs"
    gitignore = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert f"{config['site_dir']}/" in gitignore


def _docs_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_reference", ROOT / "scripts" / "docs_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_pages_match_their_sources() -> None:
    proc = subprocess.run(
        [sys.executable, "scripts/docs_reference.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


def test_a_stale_reference_page_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = _docs_reference()
    monkeypatch.setenv("COLUMNS", "100")  # the script sets it for argparse: restored afterwards
    monkeypatch.setattr(sys, "path", list(sys.path))
    out = tmp_path / "reference"
    shutil.copytree(ROOT / "docs" / "reference", out)
    monkeypatch.setattr(ref, "OUT", out)
    assert ref.main(["--check"]) == 0
    page = out / "action.md"
    page.write_text(page.read_text(encoding="utf-8").replace("`update`", "`plan`", 1), encoding="utf-8")
    assert ref.main(["--check"]) == 1
    assert "action.md" in capsys.readouterr().err


LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """The ids MkDocs (and GitHub) give the headings of a page."""
    out = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#{1,6} (.*)", line)
        if m:
            text = re.sub(r"[^\w\- ]", "", m.group(1).replace("`", "")).strip().lower()
            out.add(re.sub(r"[\s]+", "-", text))
    return out


@pytest.mark.parametrize("doc", ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"])
def test_the_front_pages_link_to_files_and_headings_that_exist(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    links = [u for u in LINK.findall(text) if not re.match(r"^[a-z]+:", u)]
    assert links or doc == "CHANGELOG.md"
    for url in links:
        path, _, anchor = url.partition("#")
        target = (ROOT / path).resolve() if path else ROOT / doc
        assert target.exists(), f"{doc}: {url} names no file"
        if anchor:
            assert anchor in _anchors(target), f"{doc}: {url}: no such heading"


def test_the_quick_start_sends_a_newcomer_with_their_own_repository_to_install_and_init() -> None:
    """The quick start's two commands install Debian packages for the bundled example; a person
    with their own repository needs neither, and must find the way from there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Quick start")
    quick = text[start : text.index("\n## ", start + 1)]
    own = next(p for p in quick.split("\n\n") if "own repository" in p.lower())
    assert "(docs/guides/install.md)" in own and "(docs/guides/your-repository.md)" in own
    assert "`gitops-bot init`" in own
    # beside the two commands: right after their block, before the text about them
    assert quick.index(own) < quick.index("install what they need first")


CITED = re.compile(r"(?<![\w/.-])docs/[\w/.-]+\.md")
THIRD_PARTY = ("tests/data/", "testkit/specs/")  # copied from other projects, their own docs/


def test_every_docs_page_the_code_cites_exists() -> None:
    """Comments, docstrings, error hints and help texts that send a reader to a page of docs/
    name one that exists, so moving a page means fixing what cites it."""
    cited = []
    for top in ("gitops_bot", "testkit", "tests", "scripts", "bench", "examples", "manifests-example"):
        for path in sorted((ROOT / top).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if (
                not path.is_file()
                or rel.startswith(THIRD_PARTY)
                or path.suffix not in {".py", ".json", ".yml", ".yaml", ".sh", ".md"}
            ):
                continue
            for m in CITED.finditer(path.read_text(encoding="utf-8", errors="replace")):
                cited.append((rel, m.group(0)))
    for name in ("pyproject.toml", "action.yml", "Dockerfile", "mkdocs.yml"):
        cited += [(name, m.group(0)) for m in CITED.finditer((ROOT / name).read_text(encoding="utf-8"))]
    assert len(cited) >= 5
    assert [f"{where}: {page}" for where, page in cited if not (ROOT / page).is_file()] == []
