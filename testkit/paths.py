"""Where the tests find the repository's files, wherever in the tier tree a test module sits."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import textwrap
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"  # golden cases, charts, real payloads and signatures


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` (its first blank line dropped) to ``path``, parents made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def bench_module(name: str) -> ModuleType:
    """``bench/<name>.py``, loaded from its file: the benchmarks are scripts, not a package (they
    import each other by bare name), and their helpers' tests load them this way."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # what dataclasses look their module up by
    spec.loader.exec_module(module)
    return module


def kubernetes_sdlc(work: Path) -> Path:
    """kubernetes-sdlc's chart tree (tests/data/charts/whole/kubernetes-sdlc) copied to
    ``work``, with each cluster's generated ``flux-system/gotk-components.yaml`` that its
    kustomization lists, taken from the whole repository's copy of the same commit
    (tests/data/repos): kustomize refuses a resource that is not there."""
    shutil.copytree(TEST_DATA / "charts" / "whole" / "kubernetes-sdlc", work)
    whole = TEST_DATA / "repos" / "danielloader__kubernetes-sdlc"
    for generated in whole.glob("clusters/*/flux-system/gotk-components.yaml"):
        shutil.copyfile(generated, work / generated.relative_to(whole))
    return work
