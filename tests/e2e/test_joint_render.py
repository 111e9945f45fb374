"""One ``kubectl kustomize`` run for many kustomizations (:mod:`gitops_bot.render.joint`) held to
each one's own build, byte for byte: every kustomization of every corpus repository
(``tests/data/repos``) that may be built together is, in one run per repository, with kubectl
5.6 (``.tools/bin``) and the system's 5.5 where it is installed; each part split back must be
exactly what its own run prints. A part that cannot be split back exactly is rendered on its own,
and so is every directory of a joint build kustomize refuses, each with its own words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_bot.render import joint, reader, tools
from gitops_bot.render.settings import RenderSettings
from testkit import kubetools
from testkit import repo_corpus as rc
from testkit.kubetools import kubectl

SYSTEM_KUBECTL = Path("/usr/bin/kubectl")  # kustomize 5.5 beside .tools/bin's 5.6
KUBECTLS = [kubectl(), *([str(SYSTEM_KUBECTL)] if SYSTEM_KUBECTL.is_file() else [])]
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app:1.0
"""


def _kustomizations(tree: Path) -> list[Path]:
    """Every kustomization the tree holds but components (built only as part of another)."""
    found = {
        p.parent
        for n in tools.KUSTOMIZATION_NAMES
        for p in tree.rglob(n)
        if ".git" not in p.parts and "kind: Component" not in p.read_text(encoding="utf-8", errors="replace")
    }
    return sorted(found)


@pytest.mark.parametrize("tool", KUBECTLS)
def test_each_corpus_part_is_its_own_build(tmp_path: Path, tool: str) -> None:
    settings = RenderSettings(kubectl=tool, timeout=60)
    split = 0
    for n, case in enumerate(rc.cases()):
        work = tmp_path / str(n)
        tree = work / "side" / "tree"
        shutil.copytree(case.tree, tree, symlinks=True)
        disk = reader.DiskTree(tree)
        dirs = [d for d in _kustomizations(tree) if not joint.alone(disk, tree, d)]
        if len(dirs) < 2:
            continue
        got = joint.render_together(settings, tool, dirs, work)
        parts = [(d, out) for d, out in zip(dirs, got, strict=True) if out is not None]

        # each part's own build, the tool's own run (kept for the session: the truths' renders of
        # the corpus ask the same directories of the same tool over the same files)
        solo = [kubetools.kept([tool, "kustomize", d.relative_to(tree).as_posix()], tree) for d, _ in parts]
        for (d, out), alone in zip(parts, solo, strict=True):
            assert out == alone, (
                f"{case.key} {d.relative_to(tree)}: the joint build's part differs from its own"
            )
        split += len(parts)
    # the corpus's own: most of its overlays are built together, so this holds something
    assert split >= 100, split


def _repo(tmp_path: Path, names: dict[str, str]) -> tuple[Path, list[Path]]:
    tree = tmp_path / "side" / "tree"
    for env, name in names.items():
        (tree / env).mkdir(parents=True)
        (tree / env / "kustomization.yaml").write_text("resources:\n- d.yaml\n")
        (tree / env / "d.yaml").write_text(DEPLOYMENT.format(name=name))
    return tree, [tree / env for env in names]


def test_a_name_the_prefix_unquoted_is_rendered_alone(tmp_path: Path) -> None:
    """``"true"`` is quoted by its own build; under the prefix it is not, so taking the prefix
    out would print ``name: true``: that part is left to its own run, the other is split."""
    _, dirs = _repo(tmp_path, {"a": '"true"', "b": "web", "c": "'1e3'"})
    got = joint.render_together(RenderSettings(), kubectl(), dirs, tmp_path)
    own = tools.render_directory(RenderSettings(), kubectl(), dirs[1], tmp_path / "side")
    assert got == [None, own, None]
    assert own.startswith("apiVersion: apps/v1") and "  name: web\n" in own


def test_a_build_of_no_object_is_split_as_its_own_empty_output(tmp_path: Path) -> None:
    """An overlay over a base of ``resources: []`` builds no object, and its own build prints
    nothing: its part of the joint build is that empty text, not a second run of its own."""
    tree, dirs = _repo(tmp_path, {"a": "web", "b": "web", "c": "web"})
    (tree / "base").mkdir()
    (tree / "base" / "kustomization.yaml").write_text("resources: []\n")
    for env in ("a", "c"):
        (tree / env / "kustomization.yaml").write_text("resources:\n- ../base\n")
    for tool in KUBECTLS:
        own = [tools.render_directory(RenderSettings(kubectl=tool), tool, d, tmp_path / "side") for d in dirs]
        assert own[0] == own[2] == "" and isinstance(own[1], str) and "  name: web\n" in own[1]
        shutil.rmtree(tmp_path / "joint", ignore_errors=True)  # each tool writes its own wrappers
        assert joint.render_together(RenderSettings(kubectl=tool), tool, dirs, tmp_path) == own
    a, b = "gx0-", "gx1-"
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"
    assert joint.split(doc.format(b + "x"), [a, b]) == ["", doc.format("x")]
    assert joint.split("", [a, b]) == ["", ""]


def test_a_nameless_object_is_its_own_build_s_refusal(tmp_path: Path) -> None:
    """kustomize refuses an object with no name, under a name prefix too: the joint build
    fails and nothing is taken from it (each is rendered alone, the nameless one refused)."""
    tree, dirs = _repo(tmp_path, {"a": "web", "b": "web"})
    (tree / "b" / "d.yaml").write_text(DEPLOYMENT.replace("  name: {name}\n", "  labels: {{a: b}}\n"))
    got = joint.render_together(RenderSettings(), kubectl(), dirs, tmp_path)
    assert got == [None, None]


def test_a_broken_build_renders_each_alone_in_its_own_words(tmp_path: Path) -> None:
    """One kustomization kustomize refuses fails the joint build: every directory is rendered
    on its own, the broken one refused in kustomize's words, the others rendered."""
    root = tmp_path / "repo"
    for env in ("a", "b", "c"):
        (root / env).mkdir(parents=True)
        (root / env / "kustomization.yaml").write_text("resources:\n- d.yaml\n")
        (root / env / "d.yaml").write_text(DEPLOYMENT.format(name="web"))
    (root / "b" / "kustomization.yaml").write_text("resources:\n- missing.yaml\n")
    got = tools.render_each(RenderSettings(), root, {"before": ({}, ["a", "b", "c"])}, set())["before"]
    assert isinstance(got["a"], str) and got["a"] == got["c"] and "  name: web\n" in got["a"]
    assert str(got["b"]).startswith("kubectl kustomize failed: ") and "missing.yaml" in str(got["b"])


def test_split_refuses_what_belongs_to_no_part() -> None:
    """An object named by no prefix (a kind kustomize does not prefix) leaves every part to
    its own run; one naming another part's prefix too does."""
    a, b = "gx0-", "gx1-"
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\n"
    assert joint.split(doc.format(a + "x") + "---\n" + doc.format(b + "web"), [a, b]) == [
        doc.format("x"),
        doc.format("web"),
    ]
    # "y" is a YAML 1.1 boolean: its own build quotes it, so its part is rendered alone
    assert joint.split(doc.format(a + "x") + "---\n" + doc.format(b + "y"), [a, b]) == [doc.format("x"), None]
    assert joint.split(doc.format("ns") + "---\n" + doc.format(b + "y"), [a, b]) == [None, None]
    mixed = doc.format(a + "x") + "data:\n  ref: gx1-y\n"
    assert joint.split(mixed + "---\n" + doc.format(b + "y"), [a, b]) == [None, None]
