"""The Helm stories (tests/e2e/test_helm_stories.py): the update example on GitHub or another
forge (:mod:`testkit.forge_story`) with its overlays replaced by a repository whose
environments are charts rendered by their deployer (Argo CD Applications, app of apps, a Flux
HelmRelease under kustomize overlays, a chart taking its tag from ``appVersion``), and the real
``helm template`` / ``kubectl kustomize`` as the judge of what each environment runs."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from testkit.forge_story import Story, stories
from testkit.kubetools import helm, kubectl
from testkit.registry_process import RegistryProcess
from testkit.update_world import git

# the config's head: the story's one image (``{app}``: its repository in the registry), with
# the values keys a chart takes it from (what the bot's plan asks for without them)
CONFIG = """version: 1
images:
  - name: {app}
    repository: {app}
    range: "^1"
    helm: {{repository: image.repository, tag: image.tag}}
environments:
"""


def helm_stories(
    kind: str,
    tmp_path: Path,
    registry: RegistryProcess,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    environments: str,
) -> Iterator[Story]:
    """The update example on ``kind`` with ``files`` committed (each formatted with ``app``,
    the image's repository) and gitops-bot.yaml's images and environments replaced by the one
    image and ``environments`` (the forge's sections kept)."""
    # the real tools of .tools/bin for the bot too (PATH may hold neither, or older ones)
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    monkeypatch.setenv("GITOPS_BOT_HELM", helm())
    for story in stories(kind, tmp_path, registry, monkeypatch):
        example = story.show("gitops-bot.yaml")
        app = re.search(r"repository: (\S+/app)\n", example)
        assert app is not None
        made = {name: text.replace("{app}", app[1]) for name, text in files.items()}
        config = CONFIG.format(app=app[1]) + environments + "pull_request:"
        edits: dict[str, Callable[[str], str]] = {name: _written(text) for name, text in made.items()}
        edits["gitops-bot.yaml"] = _written(config + example.split("pull_request:", 1)[1])
        story.commit(edits)
        yield story


def _written(text: str) -> Callable[[str], str]:
    return lambda _: text


def checkout(story: Story, ref: str = "main") -> Path:
    """A fresh clone of the story's remote at ``ref``."""
    clone = Path(tempfile.mkdtemp(dir=story.tmp)) / "checkout"
    git(story.tmp, "clone", "-q", str(story.remote), str(clone))
    git(clone, "checkout", "-q", ref)
    return clone


def images(rendered: str) -> list[str]:
    """The images of a rendered stream, in order."""
    return [m.strip().strip('"') for m in re.findall(r"^\s*-?\s*image:\s*(.+)$", rendered, re.MULTILINE)]


def helm_template(tree: Path, chart: str, *values: str, release: str = "x") -> str:
    """``helm template`` of ``chart`` in ``tree`` with ``values`` (files under the chart's
    directory, as an Application's valueFiles)."""
    argv = [helm(), "template", release, chart]
    for v in values:
        argv += ["--values", f"{chart}/{v}"]
    return subprocess.run(argv, cwd=tree, check=True, capture_output=True, text=True).stdout


def kustomize(tree: Path, directory: str) -> str:
    return subprocess.run(
        [kubectl(), "kustomize", directory], cwd=tree, check=True, capture_output=True, text=True
    ).stdout


def flux_render(tree: Path, overlay: str) -> str:
    """What Flux runs of ``overlay``: the overlay built with kubectl kustomize, and each
    HelmRelease's chart (a path of this repository) rendered with helm under its
    ``spec.values``."""
    out = []
    for doc in yaml.safe_load_all(kustomize(tree, overlay)):
        if isinstance(doc, dict) and doc.get("kind") == "HelmRelease":
            values = tree / f"{overlay}/.values.yaml"
            values.write_text(yaml.safe_dump(doc["spec"].get("values") or {}))
            chart = doc["spec"]["chart"]["spec"]["chart"]
            argv = [helm(), "template", doc["metadata"]["name"], chart, "--values", str(values)]
            out.append(subprocess.run(argv, cwd=tree, check=True, capture_output=True, text=True).stdout)
            values.unlink()
    return "\n---\n".join(out)
