"""The marked render of Argo CD Applications over one shared kustomization, built as Argo CD
builds them (the real kubectl from ``.tools/bin``): each Application's ``kustomize.images``
entry written with a marker, its kustomize fields written into the kustomization, and the
build run once more. dev's marker reaches its container's image: the entry is its pin. prod's
entry names ``app``, an image no field is, so a release there changes nothing it runs (it read
pinned, and update proposed it); qa's commonLabels set a label the base sets already, which
Argo CD refuses to add without forceCommonLabels: blocked, in Argo CD's words."""

from __future__ import annotations

from pathlib import Path

import yaml

from gitops_bot.config import load
from gitops_bot.core.reading import PinStatus
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import argo_kustomize, reader, rendered_reading
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

IMAGE = "ghcr.io/acme/app"
CONFIG = f"""version: 1
render: {{kubectl: {{kubectl}}, helm: {{helm}}}}
images:
  - name: {IMAGE}
environments:
  - name: dev
    path: apps/dev.yaml
  - name: prod
    path: apps/prod.yaml
  - name: qa
    path: apps/qa.yaml
"""
DEPLOYMENT = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {IMAGE}:1.0
"""


def _application(name: str, kustomize: str) -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}}}\nspec:\n  source:\n"
        f"    repoURL: https://git.example/acme/gitops.git\n    targetRevision: HEAD\n    path: base\n"
        f"    kustomize:\n{kustomize}"
    )


def test_an_applications_kustomize_images_entry_is_proven_by_argo_cds_build(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl()).replace("{helm}", helm()),
            "base/kustomization.yaml": "resources: [d.yaml]\ncommonLabels: {team: a}\n",
            "base/d.yaml": DEPLOYMENT,
            "apps/dev.yaml": _application(
                "dev", f"      images:\n      - {IMAGE}:2.0\n      namePrefix: dev-\n"
            ),
            "apps/prod.yaml": _application("prod", f"      images:\n      - app={IMAGE}:3.0\n"),
            "apps/qa.yaml": _application(
                "qa", f"      images:\n      - {IMAGE}:4.0\n      commonLabels: {{team: b}}\n"
            ),
        },
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    assert {n: r.images[0].status for n, r in rules.items()} == dict.fromkeys(
        ("dev", "prod", "qa"), PinStatus.PINNED
    )
    paths = {e.name: tuple(e.paths) for e in config.environments}
    held = rendered_reading.held_to_render(config.render, tmp_path, tmp_path, rules, paths)
    judged = proven.prove(config, tmp_path, list(config.environments), specs, held)

    dev = judged["dev"].images[0]
    assert (
        dev.status is PinStatus.PINNED
        and dev.effective is not None
        and dev.effective.place == "apps/dev.yaml:11"
    )
    prod = judged["prod"].images[0]
    assert prod.status is PinStatus.UNSUPPORTED
    assert prod.reason == (
        "a release writing apps/prod.yaml:11 changes nothing prod renders (base built as Argo CD builds it, "
        f"Application prod's kustomize fields written in, renders the same with it); it renders {IMAGE}:1.0"
    )
    assert prod.fix == (
        "name the image in the kustomize.images entry as base writes it (kustomize matches the entry's name, "
        f"before any '=', with an image field's name), or pin {IMAGE} where prod's render takes it from"
    )
    qa = judged["qa"]
    assert qa.blocked is not None and qa.images[0].status is PinStatus.UNSUPPORTED
    assert "Argo CD's kustomize edit fails: label team already in kustomization file" in qa.blocked[0]


def test_the_paths_argocd_source_file_is_the_pin_it_replaces_the_applications_entry_with(
    tmp_path: Path,
) -> None:
    """base/.argocd-source-dev.yaml (argocd-image-updater's git write-back) sets dev's images, and
    Argo CD merges it over the Application's source (its list replaces apps/dev.yaml's whole):
    the rules read that file's entry as dev's pin, as Argo CD builds it, and the marked render
    of that build proves it; a release writes it, and the build runs what it wrote."""
    write(
        tmp_path,
        {
            "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl())
            .replace("{helm}", helm())
            .split("  - name: prod")[0],
            "base/kustomization.yaml": "resources: [d.yaml]\n",
            "base/d.yaml": DEPLOYMENT,
            "base/.argocd-source-dev.yaml": f"kustomize:\n  images: ['{IMAGE}:3.0']\n",
            "apps/dev.yaml": _application("dev", f"      images:\n      - {IMAGE}:2.0\n"),
        },
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (IMAGE,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    (read,) = rules["dev"].images
    assert read.status is PinStatus.PINNED, read
    assert [(p.file, p.line, p.tag) for p in read.pins if p.effective] == [
        ("base/.argocd-source-dev.yaml", 2, "3.0")
    ]
    assert any("base/.argocd-source-dev.yaml over dev" in n for n in rules["dev"].notes)
    (dev,) = proven.prove(config, tmp_path, list(config.environments), specs, rules)["dev"].images
    assert dev == read  # Argo CD's build carries the marker written there
    path = tmp_path / "base/.argocd-source-dev.yaml"
    edited = images.edit(
        path.read_text(), ".argocd-source-dev.yaml", specs, [images.Update(IMAGE, tag="3.1")]
    )
    assert edited.text == f"kustomize:\n  images: ['{IMAGE}:3.1']\n"
    (built,) = argo_kustomize.builds(tmp_path, [yaml.safe_load((tmp_path / "apps/dev.yaml").read_text())])
    texts = {path: edited.text}
    (after,) = argo_kustomize.outputs(
        config.render,
        tmp_path,
        [argo_kustomize.builds(tmp_path, [yaml.safe_load((tmp_path / "apps/dev.yaml").read_text())], texts)],
    )
    assert built.merged == (".argocd-source-dev.yaml",)
    assert f"image: {IMAGE}:3.1" in after[0]


# application.yaml at the root deploys path: . (the kustomization beside it does not list it),
# and argocd-image-updater's write-back file sets the image over it
ROOT_DEPLOYED = {
    "kustomization.yaml": "resources: [d.yaml]\n",
    "d.yaml": DEPLOYMENT,
    ".argocd-source-dev.yaml": f"kustomize:\n  images: ['{IMAGE}:3.0']\n",
    "application.yaml": _application("dev", "      namePrefix: dev-\n")
    .replace("path: base", "path: .")
    .split("    kustomize:")[0],
}


def test_an_application_of_the_repositorys_root_is_built_with_its_write_back_file(tmp_path: Path) -> None:
    """sejaltyagi12/ArgoCD@ab6db524: application.yaml, at the root beside the kustomization it
    does not list, deploys ``path: .``; argocd-image-updater's .argocd-source-dev.yaml sets the
    image over it. The render is Argo CD's build of the root with that file merged (not the root's
    plain kustomization, nor the root taken for an app of apps): the write-back's entry is what
    runs, and no note says a release there changes nothing that runs."""
    write(
        tmp_path,
        {
            "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl())
            .replace("{helm}", helm())
            .split("  - name: prod")[0]
            .replace("apps/dev.yaml", "application.yaml"),
            **ROOT_DEPLOYED,
        },
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(
        [reader.Source("dev", ("application.yaml",), (IMAGE,))]
    )
    held = rendered_reading.held_to_render(
        config.render, tmp_path, tmp_path, rules, {"dev": ("application.yaml",)}
    )
    (dev,) = proven.prove(config, tmp_path, list(config.environments), specs, held)["dev"].images
    assert dev.status is PinStatus.PINNED, dev
    assert dev.effective is not None and dev.effective.place == ".argocd-source-dev.yaml:2", dev
    assert not any("changes nothing that runs" in s for s in held["dev"].said), held["dev"].said


def test_the_root_as_the_path_says_the_write_back_file_runs_over_it(tmp_path: Path) -> None:
    """The same repository with the environment's path ``.`` (the guide's words for plain
    manifests at the root): a release into d.yaml would change nothing that runs, since Argo CD
    applies the write-back file's entry over the root's kustomization. The image is said so, at
    the write-back's line, with the Application's file as the path to name; nothing is proposed."""
    write(
        tmp_path,
        {
            **ROOT_DEPLOYED,
        },
    )
    specs = [images.ImageSpec(IMAGE, IMAGE)]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(
        [reader.Source("dev", (".",), (IMAGE,))]
    )
    held = rendered_reading.held_to_render(
        RenderSettings(kubectl=kubectl(), helm=helm()), tmp_path, tmp_path, rules, {"dev": (".",)}
    )
    (dev,) = held["dev"].images
    assert dev.status is PinStatus.UNSUPPORTED and dev.would_write is None, dev
    assert dev.reason == (
        f".argocd-source-dev.yaml:2 sets {IMAGE} over .: Argo CD merges it over Application dev's source, which "
        "deploys ., and applies its kustomize.images after the kustomization, so a release into .'s files "
        "changes nothing it runs"
    ), dev.reason
    assert dev.fix == (
        "name application.yaml (Application dev) as the environment's path in gitops-bot.yaml; releases then "
        "write .argocd-source-dev.yaml"
    ), dev.fix


def test_a_sibling_applications_plain_directory_is_not_judged_by_the_kustomize_build(tmp_path: Path) -> None:
    """An app of apps' directory of two Applications: one over base's kustomization (its
    kustomize fields built as Argo CD builds them), one over jobs/, a plain directory of
    manifests. The marked build of base never reads jobs/, so a marker written there proves
    nothing: jobs' image stays the pin jobs/cron.yaml writes, not 'changes nothing dev renders'."""
    jobs = "ghcr.io/acme/jobs"
    write(
        tmp_path,
        {
            "gitops-bot.yaml": CONFIG.replace("{kubectl}", kubectl())
            .replace("{helm}", helm())
            .split("  - name: prod")[0]
            .replace("apps/dev.yaml", "apps")
            .replace("environments:", f"  - name: {jobs}\nenvironments:"),
            "base/kustomization.yaml": "resources: [d.yaml]\n",
            "base/d.yaml": DEPLOYMENT,
            "apps/web.yaml": _application("web", "      namePrefix: dev-\n"),
            "apps/jobs.yaml": _application("jobs", "")
            .replace("path: base", "path: jobs")
            .split("    kustomize:")[0],
            "jobs/cron.yaml": DEPLOYMENT.replace(IMAGE, jobs),
        },
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(
        [reader.Source("dev", ("apps",), (IMAGE, jobs))]
    )
    assert [r.status for r in rules["dev"].images] == [PinStatus.PINNED, PinStatus.PINNED], rules
    held = rendered_reading.held_to_render(config.render, tmp_path, tmp_path, rules, {"dev": ("apps",)})
    app, cron = proven.prove(config, tmp_path, list(config.environments), specs, held)["dev"].images
    assert app.status is PinStatus.PINNED and app.effective is not None, app
    assert app.effective.place == "base/d.yaml:9", app
    assert cron.status is PinStatus.PINNED, cron.reason
    assert cron.effective is not None and cron.effective.place == "jobs/cron.yaml:9", cron
