"""manifests-example/ is a GitOps repository someone could fork: every kustomization in it must
build. Without the kustomize binary, "build" is checked with the project's own readers: every
resource resolves (a file of Kubernetes objects, or a directory with a kustomization that builds
too), every images: entry names an image a container of the build uses, every patch and replica
targets an object of the build, every Argo CD Application points at a directory that builds,
and gitops-bot.yaml loads and finds each configured image in some environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot import config
from gitops_bot.core import files
from gitops_bot.engine.app import App
from gitops_bot.manifests import kustomize, nodes, workloads, yamlvalues
from gitops_bot.registry.pool import RegistryPool
from testkit.example import EXAMPLE

KUSTOMIZATIONS = sorted(EXAMPLE.rglob("kustomization.yaml"))


class Obj:
    """One Kubernetes object of a build: plain values, and the composed node for the readers."""

    def __init__(self, node: Any, value: dict[str, Any]) -> None:
        self.node, self.value = node, value
        self.kind, self.name = value.get("kind"), (value.get("metadata") or {}).get("name")


def _objects(path: Path) -> list[Obj]:
    text = files.read_text(path)
    composed = nodes.compose_all(text, str(path))  # the project's reader (errors name file:line)
    values = list(yamlvalues.load_all(text, "<test>"))
    return [Obj(n, v) for n, v in zip(composed, values, strict=True) if isinstance(v, dict)]


def build(directory: Path, seen: tuple[Path, ...] = ()) -> list[Obj]:
    """The objects a kustomization directory renders (images applied by name only)."""
    assert directory not in seen, f"resource cycle through {directory}"
    path = kustomize.find_kustomization(directory)
    text = files.read_text(path)
    spec = yamlvalues.load(text, "<test>")
    assert spec.get("kind", "Kustomization") == "Kustomization", path
    objects: list[Obj] = []
    for res in spec.get("resources", []):
        target = (directory / res).resolve()
        assert target.exists(), f"{path}: resource {res} does not exist"
        objects += build(target, (*seen, directory)) if target.is_dir() else _objects(target)
    for obj in objects:
        assert obj.value.get("apiVersion") and obj.kind and obj.name, f"{path}: {obj.value}"
    names = {(o.kind, o.name) for o in objects}
    used = {c.reference.name for c in workloads.containers([o.node for o in objects])}
    for image in kustomize.extract_images(text, str(path)):  # the project's reader
        assert image.name in used, f"{path}: images: {image.name} is used by no container ({sorted(used)})"
    for patch in spec.get("patches", []):
        target = patch.get("target", {})
        assert (target.get("kind"), target.get("name")) in names, f"{path}: patch target {target}"
        if "path" in patch:
            assert (directory / patch["path"]).is_file(), f"{path}: patch {patch['path']}"
    for rep in spec.get("replicas", []):
        assert any(n == rep["name"] for _, n in names), f"{path}: replicas for unknown {rep['name']}"
    return objects


@pytest.mark.parametrize("path", KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(EXAMPLE).parent))
def test_every_kustomization_builds(path: Path) -> None:
    assert build(path.parent)


def test_the_example_has_what_a_gitops_repository_needs() -> None:
    dirs = {str(p.relative_to(EXAMPLE).parent) for p in KUSTOMIZATIONS}
    assert {"base", "overlays/dev", "overlays/staging", "overlays/production", "argocd", "gitops-bot"} <= dirs
    kinds = {(o.kind, o.name) for o in build(EXAMPLE / "gitops-bot") + build(EXAMPLE / "argocd")}
    assert {("CronJob", "gitops-bot-update"), ("Deployment", "gitops-bot-watch")} <= kinds
    # overlays write images: in different styles: comments, digests, quoted tags, flow mappings
    texts = {p: p.read_text() for p in (EXAMPLE / "overlays").rglob("kustomization.yaml")}
    joined = "\n".join(texts.values())
    assert "digest: sha256:" in joined and "newTag: '" in joined and 'newTag: "' in joined
    assert "{name: example/proxy" in joined and "# built from main" in joined


def test_argocd_applications_point_at_directories_that_build() -> None:
    apps = [o.value for o in build(EXAMPLE / "argocd") if o.kind == "Application"]
    assert {a["metadata"]["name"] for a in apps} >= {"app-dev", "app-staging", "app-production"}
    cfg = config.load(EXAMPLE / "gitops-bot.yaml")
    for app in apps:
        assert build(EXAMPLE / app["spec"]["source"]["path"])
    gated = {e.argocd_application for e in cfg.environments if e.argocd_application}
    assert gated <= {a["metadata"]["name"] for a in apps}


def test_the_bot_manifests_keep_secrets_out_and_probe_watch() -> None:
    objs = {o.kind: o.value for o in build(EXAMPLE / "gitops-bot")}
    text = "\n".join(p.read_text() for p in (EXAMPLE / "gitops-bot").glob("*.yaml"))
    assert "secretKeyRef" in text and "kind: Secret" not in text
    pod = objs["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["args"][0] == "watch"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["securityContext"]["runAsUser"] == 10001
    env = {e["name"]: e for e in container["env"]}
    cfg = config.load(EXAMPLE / "gitops-bot.yaml")
    for source in cfg.webhooks.sources:  # every webhook secret comes from the Secret
        assert "secretKeyRef" in env[source.secret_env or source.token_env or ""]["valueFrom"]
    services = [o.value for o in build(EXAMPLE / "gitops-bot") if o.kind == "Service"]
    assert "gitops-bot-webhook" in {s["metadata"]["name"] for s in services}
    job = objs["CronJob"]["spec"]
    assert job["concurrencyPolicy"] == "Forbid"
    assert job["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"][0] == "update"


def test_the_config_finds_every_image_in_some_environment() -> None:
    cfg = config.load(EXAMPLE / "gitops-bot.yaml")
    app = App(cfg, RegistryPool(cfg))
    found = {t.image.name for env in cfg.environments for t in app.targets(env) if t.deployed}
    assert found == {i.name for i in cfg.images}


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        (
            "overlays/dev/kustomization.yaml",
            "- name: example/app",
            "- name: example/ap",
            "used by no container",
        ),
        ("overlays/dev/kustomization.yaml", "../../base", "../../bases", "does not exist"),
        ("overlays/production/kustomization.yaml", "name: app\n", "name: api\n", "patch target"),
    ],
)
def test_the_build_check_catches_broken_references(
    tmp_path: Path, file: str, old: str, new: str, words: str
) -> None:
    import shutil

    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    target = copy / file
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new, 1))
    with pytest.raises(AssertionError, match=words):
        build(target.parent)
