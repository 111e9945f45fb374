"""A refusal belongs to the deployer unit that reads the refused file (one Argo CD Application,
one of an environment's paths), as Argo CD and Flux fail that one Application or Kustomization
and sync the others: the environment's other units are read and their pins found, the refused
unit is said with its file, why and fix, and an image it may pin (pinned there, in a base it
shares, or found nowhere read) is unsupported in the refusal's words, never released into it.
The rule reader and the renderer (the real ``kubectl kustomize``) give the same answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.core.reading import EnvironmentReading, PinStatus
from gitops_bot.engine import plan
from gitops_bot.engine.app import open_app
from gitops_bot.manifests import images
from gitops_bot.render import reader, rendered_reading
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import kubectl
from testkit.local_git import write

FRONT, BACK, AGENT, NONE = (f"ghcr.io/acme/{n}" for n in ("front", "back", "agent", "none"))
IMAGES = (FRONT, BACK, AGENT, NONE)


def _app(name: str) -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}}}\nspec:\n"
        f"  source: {{repoURL: https://example.com/acme/deploy.git, path: {name}}}\n"
        "  destination: {server: https://kubernetes.default.svc}\n"
    )


def _deployment(kind: str, name: str, image: str) -> str:
    return (
        f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n"
        f"      containers:\n      - name: {name}\n        image: {image}\n"
    )


FILES = {
    "apps/front.yaml": _app("front"),
    "apps/back.yaml": _app("back"),
    "front/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "front/deployment.yaml": _deployment("Deployment", "front", f"{FRONT}:1.0"),
    # back's kustomization lists a file the repository lacks: kustomize (and Argo CD) refuse it
    "back/kustomization.yaml": "resources:\n- deployment.yaml\n- ../base\n- secret.yaml\n",
    "back/deployment.yaml": _deployment("Deployment", "back", f"{BACK}:1.0"),
    "base/kustomization.yaml": "resources:\n- agent.yaml\n",
    "base/agent.yaml": _deployment("DaemonSet", "agent", f"{AGENT}:2.0"),
}
REFUSED = (
    "kustomize refuses back/kustomization.yaml: its resources: entry 'secret.yaml' names back/secret.yaml, "
    "which the repository does not hold (no such file or directory)"
)
FIX = "add back/secret.yaml to the repository, or remove 'secret.yaml' from back/kustomization.yaml's resources:"


def _read(root: Path, paths: tuple[str, ...]) -> EnvironmentReading:
    specs = [images.ImageSpec(i, i) for i in IMAGES]
    return reader.Reader(reader.DiskTree(root), root, specs, root).read(
        [reader.Source("prod", paths, IMAGES)]
    )["prod"]


def _said(got: EnvironmentReading, refused: str, fix: str, whole: bool = False) -> None:
    """``whole``: the refused unit's files were all read (kubectl alone refuses it), so an image
    none of them names is another environment's, not the unit's."""
    front, back, agent, none = got.images
    assert front.status is PinStatus.PINNED, front
    assert front.effective is not None and front.effective.place == "front/deployment.yaml:9", front
    assert got.blocked is None and got.refused == (), got  # the environment is not refused whole
    # pinned in the refused unit, in the base it builds, or nowhere read (it may pin it there)
    if whole:
        assert none.status is PinStatus.NOT_RENDERED, none
    for image in (back, agent) if whole else (back, agent, none):
        assert (image.status, image.reason, image.fix) == (PinStatus.UNSUPPORTED, refused, fix), image
        assert image.would_write is None and not any(p.effective for p in image.pins), image
    assert (
        f"{refused}: what it renders is not released, the environment's others are (fix: {fix})" in got.said
    )


@pytest.mark.parametrize(
    "paths",
    [("apps",), ("front", "back")],
    ids=["two Applications of one path", "two paths"],
)
def test_one_refused_unit_blocks_its_own_pins_not_the_environments_others(
    tmp_path: Path, paths: tuple[str, ...]
) -> None:
    write(tmp_path, FILES)
    got = _read(tmp_path, paths)
    _said(got, REFUSED, FIX)
    (scoped,) = got.scoped  # what a chart pinned there would be told, with the files it reads
    assert scoped[:2] == (REFUSED, FIX) and "base/agent.yaml" in scoped[2], scoped
    assert got.unit_refusal(["base/agent.yaml"]) == f"{REFUSED} (fix: {FIX})"
    assert got.unit_refusal(["front/deployment.yaml"]) is None


def test_a_unit_refused_alone_refuses_the_environment_whole(tmp_path: Path) -> None:
    write(tmp_path, FILES)
    got = _read(tmp_path, ("back",))
    assert got.blocked == (REFUSED, FIX) and got.scoped == (), got
    assert all(i.status is PinStatus.UNSUPPORTED and i.reason == REFUSED for i in got.images), got.images


def test_a_unit_kubectl_alone_refuses_is_scoped_as_the_rules_scope_it(tmp_path: Path) -> None:
    # a patch naming a field kustomize cannot merge: the rules read it as fine, kubectl refuses
    # back's build; what front renders is still read, as Argo CD still syncs front
    write(
        tmp_path,
        {
            **FILES,
            "back/kustomization.yaml": "resources:\n- deployment.yaml\n- ../base\nnamePrefix: [a]\n",
        },
    )
    rules = _read(tmp_path, ("front", "back"))
    assert rules.scoped == () and rules.image(BACK).status is PinStatus.PINNED  # type: ignore[union-attr]
    settings = RenderSettings(kubectl=kubectl())
    got = rendered_reading.held_to_render(
        settings, tmp_path, tmp_path, {"prod": rules}, {"prod": ("front", "back")}
    )["prod"]
    (why, fix, files) = got.scoped[0]
    assert why.startswith("back: kubectl kustomize failed") and "base/agent.yaml" in files, got.scoped
    _said(got, why, fix, whole=True)


def test_images_pinned_only_in_the_refused_unit_are_each_said_skipped_in_the_plan(tmp_path: Path) -> None:
    """front deploys no image: every image is back's, unsupported in its refusal's words, each a
    plan item skipped with them, not a configuration said to pin nothing."""
    write(
        tmp_path, {**FILES, "front/deployment.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"}
    )
    write(
        tmp_path,
        {
            "gitops-bot.yaml": "version: 1\nrender: {enabled: false}\nimages:\n"
            + "".join(f"- name: {i}\n  policy: semver\n" for i in (BACK, AGENT))
            + "environments:\n- name: prod\n  paths: [front, back]\n"
        },
    )
    app = open_app(tmp_path)
    prod = app.config.environment("prod")
    assert app.reading(prod).scoped and app.reading(prod).blocked is None, app.reading(prod)
    plan.nothing_pinned(app.config, {"prod": app.reading(prod)})  # no UsageError
    targets = app.targets(prod)
    assert [(t.image.name, t.reading.reason) for t in targets] == [(BACK, REFUSED), (AGENT, REFUSED)], targets


def test_an_image_no_file_names_is_no_target_beside_a_unit_kubectl_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """triplom/infrastructure-repo-argocd (qa, prod): apps/external-app2 refused by kubectl alone
    made every image no file of qa names (dev's alertmanager, grafana, prometheus) a skipped row
    quoting external-app2's refusal; they are another environment's, said as not rendered here."""
    monkeypatch.setenv("GITOPS_BOT_KUBECTL", kubectl())
    write(
        tmp_path,
        {
            **FILES,
            "back/kustomization.yaml": "resources:\n- deployment.yaml\n- ../base\nnamePrefix: [a]\n",
            "gitops-bot.yaml": "version: 1\nimages:\n"
            + "".join(f"- name: {i}\n  policy: semver\n" for i in IMAGES)
            + "environments:\n- name: prod\n  paths: [front, back]\n",
        },
    )
    app = open_app(tmp_path)
    prod = app.config.environment("prod")
    assert app.reading(prod).scoped, app.reading(prod)
    assert sorted(t.image.name for t in app.targets(prod)) == sorted([FRONT, BACK, AGENT])
