"""The public corpus (tests/data/corpus): real files copied byte for byte from public
repositories, each with set-image edits and their golden results.

Every case runs through ``gitops-bot set-image --file`` on a copy named as in its repository,
so any change that breaks a form real repositories write fails here. The goldens are judged,
not copied: a Flux-marked case must equal what Flux's own setters write (``testkit.flux_setters``),
every golden differs from its input only inside the scalars an edit may touch (byte-minimal),
and ``tests/e2e/test_kustomize_render_oracle.py`` renders the kustomization goldens with the
real ``kubectl kustomize``."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_bot.cli import main
from testkit import flux_setters
from testkit.paths import ROOT, TEST_DATA

CORPUS = TEST_DATA / "corpus"
# read at collection, by every worker: libyaml's loader (as the bot's own readers use) takes a
# seventh of pure PyYAML's 0.7 s over the manifest's 140 KB, the same document
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MANIFEST: dict[str, Any] = yaml.load((CORPUS / "corpus.yaml").read_text(), Loader=_LOADER)
FILES: list[dict[str, Any]] = MANIFEST["files"]
CASES = [(f, c) for f in FILES for c in f["cases"]]


def _counts() -> tuple[int, int, int]:
    return len(FILES), len({f["repository"] for f in FILES}), len(CASES)


def test_every_file_is_in_the_manifest_with_its_source() -> None:
    listed = {f["here"] for f in FILES}
    on_disk = {
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name != "corpus.yaml" and p.relative_to(CORPUS).parts[0] != "_expected"
    }
    assert on_disk == listed
    for f in FILES:
        owner, repo = f["repository"].split("/")
        assert f["here"] == f"{owner}__{repo}/{f['path']}"
        assert re.fullmatch(r"[0-9a-f]{40}", f["commit"]), f["here"]
        assert f["cases"], f"{f['here']} has no edit"


def test_the_counts_in_docs_testing_are_true() -> None:
    files, repos, edits = _counts()
    text = (ROOT / "docs" / "testing.md").read_text()
    assert f"{files} files from {repos} public repositories, with {edits} edits" in text


def test_every_form_of_the_set_image_page_is_in_the_corpus() -> None:
    """One row per form of docs/manifests/set-image.md's table, and the Helm and Flux forms."""
    args = [a for _, c in CASES for a in c["args"]]
    forms = {
        "NAME:TAG": r"^[a-z0-9./-]+:[\w.-]+$",
        "NAME@DIGEST": r"^[^=:@]+@sha256:[0-9a-f]{64}$",
        "NAME:TAG@DIGEST": r"^[^=:@]+:[\w.-]+@sha256:[0-9a-f]{64}$",
        "NAME=NEWNAME": r"^[^=]+=[^*:@]+$|^[^=]+=[^*]+:[\w.-]+@sha256:",
        "NAME=*:TAG": r"^[^=]+=\*:",
        "NAME:TAG@* (keeps the digest)": r"^[^=]+:[\w.-]+@\*$",
        "NS:POLICY:TAG": r"^[\w-]+:[\w-]+:[\w.-]+$",
        "NS:POLICY:TAG@DIGEST": r"^[\w-]+:[\w-]+:[\w.-]+@sha256:",
        "NS:POLICY=NEWNAME:TAG": r"^[\w-]+:[\w-]+=[\w./-]+:[\w.-]+$",
        "placeholder name": r"^[a-z]+=[a-z.]+/",
        "name with a tag": r"^[^=]+:[a-z]+=",
        "capitals in the name": r"^[^=]*[A-Z][^=]*:[\w.-]+$",
        "${VAR} placeholders": r"\$\{[A-Z]+\}",
        "--helm": r"^--helm$",
    }
    missing = [form for form, pattern in forms.items() if not any(re.search(pattern, a) for a in args)]
    assert not missing


def test_the_flux_oracle_writes_what_the_controller_wrote_in_its_own_testdata() -> None:
    """fluxcd/image-automation-controller's setters testdata, original and expected, is in the
    corpus: the oracle applied with the controller test's policies gives the expected bytes."""
    base = CORPUS / "fluxcd__image-automation-controller/internal/update/testdata/setters"
    text = (base / "original/kustomization.yml").read_text()
    digest = "sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be"
    for arg in (
        "automation-ns:policy=index.repo.fake/updated:v1.0.1",
        f"automation-ns:policy-with-digest=image:v1.0.0@{digest}",
    ):
        text = flux_setters.apply(text, flux_setters.PolicyRequest.parse(arg))
    assert text == (base / "expected/kustomization.yml").read_text()


def _run(
    f: dict[str, Any], c: dict[str, Any], tmp: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, Path]:
    target = tmp / Path(f["path"]).name
    shutil.copyfile(CORPUS / f["here"], target)
    code = main(["set-image", "--file", str(target), *c["args"]])
    return code, capsys.readouterr().err, target


@pytest.mark.parametrize(("f", "c"), CASES, ids=[c["id"] for _, c in CASES])
def test_corpus_golden(
    f: dict[str, Any], c: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (CORPUS / f["here"]).read_bytes()
    code, err, target = _run(f, c, tmp_path, capsys)
    if "error" in c:
        assert code == 2, err
        assert c["error"] in err
        assert err.count("gitops-bot: error") == 1 and "Traceback" not in err
        assert target.read_bytes() == source, "file must be untouched"
        return
    assert code == 0, err
    expected = (CORPUS / c["expected"]).read_bytes()
    assert target.read_bytes() == expected
    if c.get("renames"):
        return  # NAME is no longer in the file, so a second run has nothing to edit
    assert main(["set-image", "--file", str(target), *c["args"]]) == 0
    assert target.read_bytes() == expected, "a second run changes nothing"


@pytest.mark.parametrize(
    ("f", "c"),
    [(f, c) for f, c in CASES if c["judge"] == "flux"],
    ids=[c["id"] for f, c in CASES if c["judge"] == "flux"],
)
def test_flux_goldens_are_what_flux_setters_write(f: dict[str, Any], c: dict[str, Any]) -> None:
    source = (CORPUS / f["here"]).read_bytes().decode()
    request = flux_setters.PolicyRequest.parse(c["args"][0])
    assert (CORPUS / c["expected"]).read_bytes().decode() == flux_setters.apply(source, request)


@pytest.mark.parametrize(
    ("f", "c"),
    [(f, c) for f, c in CASES if "expected" in c],
    ids=[c["id"] for f, c in CASES if "expected" in c],
)
def test_goldens_are_byte_minimal(f: dict[str, Any], c: dict[str, Any]) -> None:
    """Only scalars of image fields change: a changed line keeps its key, indentation and
    comment; lines are added only to an ``images:`` list, removed only if they held a digest."""
    raw_before, raw_after = (CORPUS / f["here"]).read_bytes(), (CORPUS / c["expected"]).read_bytes()
    assert raw_before.endswith(b"\n") == raw_after.endswith(b"\n"), "final line end kept"
    assert raw_before.count(b"\r\n") * raw_after.count(b"\n") == raw_after.count(b"\r\n") * raw_before.count(
        b"\n"
    ), "line ends kept"
    before, after = raw_before.decode().splitlines(), raw_after.decode().splitlines()
    helm = [a.split("=", 1)[1].rsplit(".", 1)[-1] for a in c["args"] if "=" in a and not a.startswith("-")]
    keys = "|".join(
        ["image", "name", "newName", "newTag", "digest", "tag", "repository", *map(re.escape, helm)]
    )
    editable = re.compile(rf"^\s*(?:-\s+)?(?:{keys}):\s")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        old, new = before[i1:i2], after[j1:j2]
        if op == "equal":
            continue
        if op == "replace" and len(old) == len(new):
            for a, b in zip(old, new, strict=True):
                assert editable.match(a) or (c["judge"] == "flux" and '"$imagepolicy"' in a), a
                key = a.split(":", 1)[0]
                assert b.startswith(key + ":"), (a, b)
                assert a.partition(" #")[2] == b.partition(" #")[2], "comment kept"
            continue
        assert all(re.match(r"^\s*digest:", a) for a in old if op != "insert" and len(new) == 0), old
        assert all(editable.match(b) or b.strip() in ("images:", "") for b in new), new
