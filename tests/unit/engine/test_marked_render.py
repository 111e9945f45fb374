"""The rules' reading held to the real renderer (``kubectl kustomize`` from ``.tools/bin``): each
release place is written with a marker by the release's own editor and the environment rendered
once. A place whose marker reaches the render stands; one whose marker is nowhere in it would
release nothing (a Flux HelmRelease's values under a kustomize ``images:`` entry: the rules took
it for a release of the image, and ``update`` proposed it with "rendered output does not
change")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_bot.config import load
from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.engine import proven
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.kubetools import kubectl
from testkit.local_git import write

APP = "ghcr.io/acme/app"
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0.0\n"
)
HELMRELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app\nspec:\n"
    "  chart:\n    spec:\n      chart: app\n  values:\n    image:\n      repository: ghcr.io/acme/app\n"
    "      tag: 1.0.0\n"
)
OVERLAY = "resources:\n- ../../base\n"


def _config(kubectl_path: str, helm: bool = False) -> str:
    keys = "    helm:\n      repository: image.repository\n      tag: image.tag\n" if helm else ""
    return (
        f"version: 1\nrender:\n  kubectl: {kubectl_path}\nimages:\n  - name: {APP}\n    policy: semver\n{keys}"
        "environments:\n  - name: dev\n    path: overlays/dev\n  - name: prod\n    path: overlays/prod\n"
    )


Readings = dict[str, EnvironmentReading]


def _proved(
    root: Path, files: dict[str, str], *, helm: bool = False, tool: str | None = None
) -> tuple[Readings, Readings]:
    """The rules' reading of dev and prod, and the same held to the marked render."""
    write(root, {"gitops-bot.yaml": _config(tool or kubectl(), helm), **files})
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (APP,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules, proven.prove(config, root, list(config.environments), specs, rules)


def test_a_release_place_the_render_takes_stands(tmp_path: Path) -> None:
    rules, judged = _proved(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT,
            "overlays/dev/kustomization.yaml": OVERLAY
            + "images:\n- name: ghcr.io/acme/app\n  newTag: 1.1.0\n",
            "overlays/prod/kustomization.yaml": OVERLAY,
        },
    )
    assert judged == rules
    assert judged["dev"].images[0].status is PinStatus.PINNED
    assert judged["prod"].images[0].status is PinStatus.INHERITED  # its own images: entry, proven


def test_an_images_entry_under_a_helmrelease_changes_nothing_and_is_said(tmp_path: Path) -> None:
    rules, judged = _proved(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
            "base/helmrelease.yaml": HELMRELEASE,
            "overlays/dev/kustomization.yaml": OVERLAY,
            "overlays/prod/kustomization.yaml": OVERLAY,
        },
        helm=True,
    )
    assert (
        rules["dev"].images[0].status is PinStatus.INHERITED
    )  # the rules' reading: a release into dev's layer
    dev = judged["dev"].images[0]
    assert dev.status is PinStatus.UNSUPPORTED
    assert dev.reason is not None and dev.fix is not None
    assert dev.reason.startswith(
        "a release writing overlays/dev/kustomization.yaml changes nothing dev renders (kubectl kustomize overlays/dev"
    )
    assert "no container it renders runs app" in dev.reason
    # the fix names the layer kustomize merges into the HelmRelease's values, not images:
    assert dev.fix == (
        "give overlays/dev a patch of the HelmRelease whose spec.values set it at base/helmrelease.yaml:12 "
        "(patches: - path: FILE, target: {kind: HelmRelease}) holding spec.values.image.tag; releases then "
        "write that key there"
    )
    assert dev.pins == rules["dev"].images[0].pins  # where the rules read it is still shown


def test_without_kubectl_the_rules_reading_stands_but_an_entry_over_release_values(tmp_path: Path) -> None:
    rules, judged = _proved(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
            "base/helmrelease.yaml": HELMRELEASE,
            "overlays/dev/kustomization.yaml": OVERLAY,
            "overlays/prod/kustomization.yaml": OVERLAY,
        },
        helm=True,
        tool=str(tmp_path / "no-kubectl"),
    )
    # the rules' reading stands, but never the rules' images: entry over a HelmRelease's values, which kustomize never
    # reaches: proposed where the marked render could not run, a pull request changing nothing
    # (trial16 TOP3, brunovlucena)
    assert rules["dev"].images[0].placed
    dev = judged["dev"].images[0]
    assert dev.status is PinStatus.UNSUPPORTED and dev.pins == rules["dev"].images[0].pins
    assert dev.reason == (
        "a release writing overlays/dev/kustomization.yaml would change nothing dev renders: kustomize's "
        "images: entries set containers' images, never HelmRelease app's spec.values"
    )
    assert dev.fix is not None and dev.fix.startswith(
        "give overlays/dev a patch of the HelmRelease whose spec.values set it at base/helmrelease.yaml:12"
    )
    assert judged["prod"].images[0].status is PinStatus.UNSUPPORTED


def _many(
    root: Path, count: int, helmrelease: int | None = None, then: Any = None, max_images: int = 100
) -> tuple[Readings, Readings]:
    """``count`` images, each a Deployment of the base (``helmrelease``: that one only in a Flux
    HelmRelease's values), dev and prod overlays listing none: the rules' reading and the
    same held to the marked render (``then`` called between the two)."""
    names = [f"ghcr.io/acme/app{i:02d}" for i in range(count)]
    keys = "    helm:\n      repository: image.repository\n      tag: image.tag\n"
    listed = "".join(
        f"  - name: {n}\n    policy: semver\n" + (keys if i == helmrelease else "")
        for i, n in enumerate(names)
    )
    config = (
        f"version: 1\nrender:\n  kubectl: {kubectl()}\n  max_images: {max_images}\nimages:\n{listed}"
        "environments:\n  - name: dev\n    path: overlays/dev\n  - name: prod\n    path: overlays/prod\n"
    )
    base: dict[str, str] = {}
    for i, n in enumerate(names):
        if i == helmrelease:
            base[f"base/app{i:02d}.yaml"] = HELMRELEASE.replace(APP, n).replace(
                "name: app\n", f"name: app{i:02d}\n"
            )
        else:
            base[f"base/app{i:02d}.yaml"] = DEPLOYMENT.replace(APP, n).replace(
                "name: app\n", f"name: app{i:02d}\n", 1
            )
    resources = "".join(f"- app{i:02d}.yaml\n" for i in range(count))
    write(
        root,
        {
            "gitops-bot.yaml": config,
            "base/kustomization.yaml": f"resources:\n{resources}",
            **base,
            # dev lists each image (set to 1.1.0), prod none
            "overlays/dev/kustomization.yaml": OVERLAY
            + "images:\n"
            + "".join(f"- name: {n}\n  newTag: 1.1.0\n" for n in names),
            "overlays/prod/kustomization.yaml": OVERLAY,
        },
    )
    loaded = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in loaded.images]
    sources = [reader.Source(e.name, tuple(e.paths), tuple(names)) for e in loaded.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    if then is not None:
        then()
    return rules, proven.prove(loaded, root, list(loaded.environments), specs, rules)


def test_an_environments_markers_are_written_in_one_edit_of_its_file(
    tmp_path: Path, monkeypatch: Any
) -> None:
    # an edit an image re-read the whole kustomization each time: 200 images took 20 s of CPU
    calls: list[int] = []
    edit = images.edit

    def counted(*args: Any, **kwargs: Any) -> images.EditResult:
        calls.append(len(args[3]))
        return edit(*args, **kwargs)

    rules, judged = _many(tmp_path, 12, then=lambda: monkeypatch.setattr(proven.images, "edit", counted))
    assert calls == [12, 12]  # dev's kustomization, then prod's: every marker at once
    assert judged == rules  # each image's own entry in each overlay, proven
    assert all(r.status is PinStatus.PINNED for r in judged["dev"].images)
    assert all(r.status is PinStatus.INHERITED for r in judged["prod"].images)


def test_a_marker_is_no_prefix_of_another(tmp_path: Path) -> None:
    # app01's marker ending ...-1 was found in app10's rendered ...-10: its release place stood
    rules, judged = _many(tmp_path, 12, helmrelease=1)
    dev = {r.image: r for r in judged["dev"].images}
    assert dev["ghcr.io/acme/app01"].status is PinStatus.UNSUPPORTED
    assert [r for r in judged["dev"].images if r.image != "ghcr.io/acme/app01"] == [
        r for r in rules["dev"].images if r.image != "ghcr.io/acme/app01"
    ]


def test_an_environment_past_the_size_budget_is_not_marked(tmp_path: Path, monkeypatch: Any) -> None:
    # its render is never run, so its markers were written for nothing (200 entries: most of a
    # plan's CPU); the edits only add entries, so past the budget as it is, past it marked
    calls: list[int] = []
    edit = images.edit

    def counted(*args: Any, **kwargs: Any) -> images.EditResult:
        calls.append(len(args[3]))
        return edit(*args, **kwargs)

    def counting() -> None:
        monkeypatch.setattr(proven.images, "edit", counted)

    rules, judged = _many(tmp_path, 3, then=counting, max_images=2)
    assert calls == [3]  # prod's alone: dev's 3 entries are past render.max_images (2)
    assert judged == rules


def test_an_environment_of_several_paths_is_proven_where_its_kustomizations_read(tmp_path: Path) -> None:
    # init writes a Flux cluster's environment as its overlay and its cluster directory (Flux
    # Kustomization files, no kustomization.yaml): the check was skipped for such an environment,
    # and update proposed an images: entry that kubectl kustomize shows changes nothing
    flux = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n"
        "spec:\n  path: ./overlays/dev\n"
    )
    files = {
        "base/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
        "base/helmrelease.yaml": HELMRELEASE,
        "overlays/dev/kustomization.yaml": OVERLAY,
        "overlays/prod/kustomization.yaml": OVERLAY,
        "clusters/dev/apps.yaml": flux,
    }
    config = _config(kubectl(), helm=True).replace(
        "path: overlays/dev", "paths: [overlays/dev, clusters/dev]"
    )
    rules, judged = _proved(tmp_path, files | {"gitops-bot.yaml": config}, helm=True)
    assert rules["dev"].images[0].status is PinStatus.INHERITED
    dev = judged["dev"].images[0]
    assert dev.status is PinStatus.UNSUPPORTED and dev.reason is not None
    assert "changes nothing dev renders" in dev.reason
