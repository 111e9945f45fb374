"""The whole-tree walk for the repository's Applications (which value file each names) is done
once per content: a reading of the same commit of the same checkout (a watch, cycle after
cycle) reads none of the other files again; another commit, or files as edited, walk again."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import deploy_tools, reader

APP = "docker.io/acme/app"
SPECS = [images.ImageSpec(APP, "docker.io/acme/app", helm={"tag": "imageVersion"})]
VALUES = "values/qa.yaml"
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: qa}
spec:
  source:
    repoURL: https://github.com/acme/deploy.git
    path: chart
    helm:
      valueFiles: [../values/qa.yaml]
"""
FILES = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": "imageVersion: '0.9'\n",
    "chart/templates/d.yaml": "image: docker.io/acme/app:{{ .Values.imageVersion }}\n",
    VALUES: "imageVersion: '3.0'\n",
    "apps/qa.yaml": APPLICATION,
    **{f"other/a{i}.yaml": f"kind: ConfigMap\nmetadata: {{name: c{i}}}\n" for i in range(20)},
}


class Counted(reader.DiskTree):
    """The disk, each file read counted."""

    def __init__(self, root: Path, content: str | None, texts: dict[Path, str] | None = None) -> None:
        super().__init__(root, texts, content=content)
        self.read: list[str] = []

    def text(self, path: Path) -> str | None:
        if path not in self._texts:
            self.read.append(path.relative_to(self.given).as_posix())
        return super().text(path)


def _reading(root: Path, tree: Counted) -> reader.EnvironmentReading:
    return reader.Reader(tree, root, SPECS).read([reader.Source("qa", (VALUES,), (APP,))])["qa"]


def _repository(root: Path) -> Path:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _effective(r: reader.EnvironmentReading) -> list[tuple[str, int]]:
    got = r.image(APP)
    assert got is not None and got.status is PinStatus.PINNED, got
    return [(p.file, p.line) for p in got.pins if p.effective]


def _pinned(r: reader.EnvironmentReading) -> list[str]:
    got = r.image(APP)
    return [p.file for p in got.pins] if got is not None else []


def test_the_same_commit_read_again_walks_no_other_file(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    first = Counted(root, "a" * 40)
    assert _effective(_reading(root, first)) == [(VALUES, 1)]
    assert _pinned(_reading(root, first)) == ["chart/values.yaml", VALUES]  # through the chart
    assert "other/a7.yaml" in first.read and "apps/qa.yaml" in first.read  # the walk, once
    again = Counted(root, "a" * 40)
    assert _effective(_reading(root, again)) == [(VALUES, 1)]
    assert not any(f.startswith(("other/", "apps/")) for f in again.read), again.read


def test_another_commit_or_edited_files_walk_again(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    _reading(root, Counted(root, "b" * 40))
    (root / "apps/qa.yaml").unlink()  # the next commit has no Application naming the file
    moved = Counted(root, "c" * 40)
    assert _pinned(_reading(root, moved)) == [VALUES]  # the file alone, through no chart
    assert "other/a7.yaml" in moved.read
    edited = Counted(root, "c" * 40, texts={root / "apps/qa.yaml": APPLICATION})
    assert edited.content is None  # files as edited are no commit's
    assert _effective(_reading(root, edited)) == [(VALUES, 1)] and "other/a7.yaml" in edited.read


def test_the_kept_walks_are_bounded(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    for i in range(deploy_tools.KEPT_TREES + 5):
        # each config folder of the checkout a repository of its own (its rel paths differ)
        read = reader.Reader(reader.DiskTree(root, content=f"{i:040d}"), tmp_path / f"c{i}", SPECS, root)
        read.deploy_tools.deployed_by(root / VALUES)
    assert len(deploy_tools._kept) <= deploy_tools.KEPT_TREES
