"""The one reader of what an environment renders, on small trees per form: shared bases,
patches of every form, components, nested directories, remote resources, per-environment
values files; where each image is pinned, which place wins, who else renders it, and where a
release for one environment goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.core.errors import UsageError
from gitops_bot.core.reading import PinKind, PinStatus
from gitops_bot.manifests import images, workloads
from gitops_bot.render import reader

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, "ghcr.io/acme/app")]

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:1.0.0
"""


def _tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _read(root: Path, envs: dict[str, str], specs: list[images.ImageSpec] = SPECS) -> dict[str, Any]:
    sources = [reader.Source(name, (path,), (APP,)) for name, path in envs.items()]
    return reader.Reader(reader.DiskTree(root), root, specs).read(sources)


BASE = {
    "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
    "base/deployment.yaml": DEPLOYMENT,
    "overlays/staging/kustomization.yaml": "resources:\n  - ../../base\n",
    "overlays/production/kustomization.yaml": "resources:\n- ../../base\n",
}
ENVS = {"staging": "overlays/staging", "production": "overlays/production"}


def test_a_version_only_in_a_shared_base_is_inherited_and_goes_to_the_own_overlay(tmp_path: Path) -> None:
    _tree(tmp_path, BASE)
    found = _read(tmp_path, ENVS)
    r = found["staging"].image(APP)
    assert r.status is PinStatus.INHERITED
    assert [(p.file, p.line, p.kind, p.effective, p.shared_with) for p in r.pins] == [
        ("base/deployment.yaml", 10, PinKind.CONTAINER, True, ("production",))
    ]
    assert r.would_write is not None and r.would_write.file == "overlays/staging/kustomization.yaml"
    assert r.note() == (
        f"pins {APP} in staging's own layer, overlays/staging/kustomization.yaml; "
        "it was inherited from base/deployment.yaml"
    )
    # the shared base is never among what one environment's release edits
    assert found["staging"].writable == ("overlays/staging/kustomization.yaml",)
    assert "base/deployment.yaml" in found["staging"].rendered


def test_the_overlays_own_images_entry_wins_over_the_base(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        BASE
        | {
            "overlays/staging/kustomization.yaml": f"resources: [../../base]\nimages:\n- name: {APP}\n  newTag: 2.0.0\n"
        },
    )
    r = _read(tmp_path, ENVS)["staging"].image(APP)
    assert r.status is PinStatus.PINNED and r.would_write is None
    eff = r.effective
    assert eff is not None and (eff.file, eff.kind, eff.tag, eff.shared_with) == (
        "overlays/staging/kustomization.yaml",
        PinKind.KUSTOMIZE,
        "2.0.0",
        (),
    )
    assert [p.effective for p in r.pins] == [False, True]


@pytest.mark.parametrize(
    "kustomization, extra, kind, line, writable",
    [
        # patches: with a path to a strategic-merge patch: edited in place
        (
            "patches:\n  - path: image.yaml\n",
            {"image.yaml": DEPLOYMENT.replace("1.0.0", "1.5.0")},
            PinKind.PATCH,
            10,
            True,
        ),
        # legacy patchesStrategicMerge:
        (
            "patchesStrategicMerge:\n- image.yaml\n",
            {"image.yaml": DEPLOYMENT.replace("1.0.0", "1.5.0")},
            PinKind.PATCH,
            10,
            True,
        ),
        # JSON 6902 whose value is the image string
        (
            "patchesJson6902:\n- target: {kind: Deployment, name: app}\n  path: op.yaml\n",
            {
                "op.yaml": f"- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: {APP}:1.5.0\n"
            },
            PinKind.PATCH,
            3,
            False,
        ),
        # JSON 6902 whose value is a container
        (
            "patches:\n- target: {kind: Deployment, name: app}\n  path: op.yaml\n",
            {
                "op.yaml": f"- op: replace\n  path: /spec/template/spec/containers/0\n  value:\n    name: app\n    image: {APP}:1.5.0\n"
            },
            PinKind.PATCH,
            5,
            False,
        ),
        # an inline JSON 6902 patch: the line is the kustomization's
        (
            f"patches:\n- target: {{kind: Deployment, name: app}}\n  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: {APP}:1.5.0\n",
            {},
            PinKind.PATCH,
            7,
            False,
        ),
    ],
)
def test_a_patch_in_the_overlay_sets_the_version(
    tmp_path: Path, kustomization: str, extra: dict[str, str], kind: PinKind, line: int, writable: bool
) -> None:
    _tree(
        tmp_path,
        BASE
        | {"overlays/staging/kustomization.yaml": "resources: [../../base]\n" + kustomization}
        | {f"overlays/staging/{k}": v for k, v in extra.items()},
    )
    r = _read(tmp_path, ENVS)["staging"].image(APP)
    eff = r.effective
    assert r.status is PinStatus.PINNED
    assert eff is not None and (eff.kind, eff.line, eff.tag, eff.shared_with) == (kind, line, "1.5.0", ())
    # a patch it cannot edit in place gets an images: entry in the overlay, applied after it
    assert (r.would_write is None) is writable
    # said in English: "pinned by an inline patch", never "a inline"
    assert " a inline" not in r.describe() and " a a" not in r.describe(), r.describe()


def test_components_nested_directories_and_remote_resources(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "env/dev/kustomization.yaml": "resources:\n- https://github.com/acme/x//base?ref=v1\n- apps\ncomponents:\n- ../../comp\n",
            "env/dev/apps/a/deploy.yaml": DEPLOYMENT,
            "comp/kustomization.yaml": "kind: Component\npatches:\n- path: p.yaml\n",
            "comp/p.yaml": DEPLOYMENT.replace("1.0.0", "3.0.0"),
        },
    )
    found = _read(tmp_path, {"dev": "env/dev"})["dev"]
    r = found.image(APP)
    assert [(p.file, p.tag, p.effective) for p in r.pins] == [
        ("env/dev/apps/a/deploy.yaml", "1.0.0", False),
        ("comp/p.yaml", "3.0.0", True),
    ]
    assert r.status is PinStatus.PINNED  # nothing else renders the component
    assert any(
        n == "https://github.com/acme/x//base?ref=v1: a remote resource, not followed" for n in found.notes
    )


def test_a_directory_without_kustomization_is_read_recursively(tmp_path: Path) -> None:
    _tree(tmp_path, {"apps/dev/web/deploy.yaml": DEPLOYMENT, "apps/dev/README.md": "x"})
    r = _read(tmp_path, {"dev": "apps/dev"})["dev"].image(APP)
    assert r.status is PinStatus.PINNED and r.effective is not None
    assert r.effective.file == "apps/dev/web/deploy.yaml"


def test_a_kustomization_under_a_directory_read_recursively_is_built_not_read_as_files(
    tmp_path: Path,
) -> None:
    """Flux's generated kustomization of a directory without one lists each subdirectory holding
    a kustomization as that kustomization (not its files): its images: entry overrides the
    Deployment beside it, which is not a version that runs (stefanprodan/gitops-istio's apps)."""
    _tree(
        tmp_path,
        {
            "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n",
            "apps/backend/deploy.yaml": DEPLOYMENT,
            "apps/backend/kustomization.yaml": (
                f"resources: [deploy.yaml]\nimages:\n  - name: {APP}\n    newName: {APP}\n    newTag: 2.0.0\n"
            ),
            "apps/loose/web/deploy.yaml": DEPLOYMENT.replace("name: app\n", "name: web\n", 1),
        },
    )
    r = _read(tmp_path, {"prod": "apps"})["prod"].image(APP)
    assert r.status is PinStatus.PINNED
    effective = sorted((p.file, p.tag) for p in r.pins if p.effective)
    assert effective == [
        ("apps/backend/kustomization.yaml", "2.0.0"),
        ("apps/loose/web/deploy.yaml", "1.0.0"),
    ]
    assert ("apps/backend/deploy.yaml", False) in [(p.file, p.effective) for p in r.pins]


def test_shared_without_a_layer_of_its_own_is_unsupported_with_the_fix(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "common/deploy.yaml": DEPLOYMENT,
            "dev/k.yaml": "kind: ConfigMap\n",
            "dev/kustomization.yaml": "resources: [../common]\n",
        },
    )
    _tree(tmp_path, {"prod/kustomization.yaml": "resources: [../common]\n"})
    (tmp_path / "dev/kustomization.yaml").unlink()
    (tmp_path / "dev/k.yaml").write_text("apiVersion: v1\nkind: List\n")
    # dev: a plain directory that renders nothing of the app; prod: a layer of its own
    found = _read(tmp_path, {"dev": "dev", "prod": "prod"})
    assert found["dev"].image(APP).status is PinStatus.NOT_RENDERED
    assert found["dev"].image(APP).fix
    assert found["prod"].image(APP).status is PinStatus.PINNED  # nobody else renders common/


def test_a_name_kustomize_would_not_match_is_refused_by_name(tmp_path: Path) -> None:
    _tree(tmp_path, BASE)
    spec = [images.ImageSpec("app", "ghcr.io/acme/app")]
    sources = [reader.Source(n, (p,), ("app",)) for n, p in ENVS.items()]
    r = reader.Reader(reader.DiskTree(tmp_path), tmp_path, spec).read(sources)["staging"].image("app")
    assert r is not None and r.status is PinStatus.UNSUPPORTED
    assert r.fix == f"name the image {APP!r} in gitops-bot.yaml (its repository stays as it is)"


def test_values_files_side_by_side_read_the_environments_own_and_the_common_one(tmp_path: Path) -> None:
    values = "image:\n  repository: ghcr.io/acme/app\n  tag: {}\n"
    _tree(
        tmp_path,
        {
            "chart/values.yaml": values.format("1.0.0"),
            "chart/values-dev.yaml": "replicas: 1\n",
            "chart/values-prod.yaml": values.format("2.0.0"),
        },
    )
    spec = [images.ImageSpec(APP, "ghcr.io/acme/app", {"repository": "image.repository", "tag": "image.tag"})]
    found = _read(tmp_path, {"dev": "chart", "prod": "chart"}, spec)
    assert found["prod"].image(APP).effective.file == "chart/values-prod.yaml"
    assert "chart/values-dev.yaml" not in found["prod"].rendered
    assert any("values.yaml, values-prod.yaml" in n for n in found["prod"].notes)
    dev = found["dev"].image(APP)
    assert dev.effective is not None and dev.effective.file == "chart/values.yaml"


def test_a_charts_directory_renders_no_other_environments_values_file(tmp_path: Path) -> None:
    """argocd-example-apps' helm-guestbook: a chart beside values-production.yaml. An Application
    of the chart's directory renders values.yaml alone (helm reads no value file it is not given),
    so the default environment's reading holds no production file, and production's file is its
    own: a release adds its key there."""
    values = "image:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\n"
    template = "kind: Deployment\nmetadata: {name: web}\nspec: {template: {spec: {containers: [{name: web, image: x}]}}}\n"
    _tree(
        tmp_path,
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "chart/values.yaml": values,
            "chart/values-production.yaml": "service: {type: LoadBalancer}\n",
            "chart/templates/deployment.yaml": template,
        },
    )
    spec = [images.ImageSpec(APP, "ghcr.io/acme/app", {"repository": "image.repository", "tag": "image.tag"})]
    found = _read(tmp_path, {"default": "chart", "production": "chart/values-production.yaml"}, spec)
    assert "chart/values-production.yaml" not in found["default"].rendered, found["default"].rendered
    production = found["production"].image(APP)
    assert production is not None and production.would_write is not None, production
    assert production.would_write.file == "chart/values-production.yaml", production


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        _read(tmp_path, {"dev": "nowhere"})


def test_a_resource_cycle_is_refused_as_kustomize_refuses_it(tmp_path: Path) -> None:
    """kubectl kustomize a: "cycle detected: candidate root '.../a' contains visited root
    '.../a'". It read as pinned (the cycle read once, a note): kustomize builds nothing of it."""
    _tree(
        tmp_path,
        {
            "a/kustomization.yaml": "resources: [../b]\n",
            "b/kustomization.yaml": "resources: [../a, d.yaml]\n",
            "b/d.yaml": DEPLOYMENT,
        },
    )
    found = _read(tmp_path, {"dev": "a"})["dev"].image(APP)
    assert found is not None and found.status is PinStatus.UNSUPPORTED, found
    assert found.reason == (
        "kustomize refuses b/kustomization.yaml: its resources: entry '../a' leads back to a, a "
        "kustomization this one is built in (a cycle)"
    )
    assert [p.file for p in found.pins] == ["b/d.yaml"] and not any(p.effective for p in found.pins)


def test_several_workloads_each_have_their_effective_place(tmp_path: Path) -> None:
    cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: j\n              image: ghcr.io/acme/app:1.0.0\n"
    patch = DEPLOYMENT.replace("1.0.0", "1.5.0")
    _tree(
        tmp_path,
        BASE
        | {"base/kustomization.yaml": "resources: [deployment.yaml, cron.yaml]\n", "base/cron.yaml": cron}
        | {"overlays/staging/kustomization.yaml": "resources: [../../base]\npatches:\n- path: p.yaml\n"}
        | {"overlays/staging/p.yaml": patch},
    )
    r = _read(tmp_path, ENVS)["staging"].image(APP)
    # the Deployment's version comes from staging's patch, the CronJob's from the shared base
    assert [(p.file, p.effective) for p in r.pins] == [
        ("base/deployment.yaml", False),
        ("base/cron.yaml", True),
        ("overlays/staging/p.yaml", True),
    ]
    assert (
        r.status is PinStatus.INHERITED and r.effective is not None and r.effective.file == "base/cron.yaml"
    )


def test_an_argocd_application_is_followed_to_its_path_and_its_own_settings(tmp_path: Path) -> None:
    app = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app-dev}
spec:
  source:
    repoURL: https://github.com/acme/gitops.git
    path: overlays/staging
    kustomize:
      images:
        - ghcr.io/acme/app:2.0.0
"""
    _tree(
        tmp_path,
        BASE
        | {
            "apps/dev.yaml": app,
            "apps/chart.yaml": app.replace("path: overlays/staging", "chart: app").replace(
                "kustomize:\n      images:\n        - ghcr.io/acme/app:2.0.0\n", ""
            ),
        },
    )
    found = _read(tmp_path, {"dev": "apps/dev.yaml", "other": "apps/chart.yaml"})
    r = found["dev"].image(APP)
    assert [(p.file, p.kind, p.effective) for p in r.pins] == [
        ("base/deployment.yaml", PinKind.CONTAINER, False),
        ("apps/dev.yaml", PinKind.ARGOCD, True),
    ]
    assert r.effective is not None and (r.effective.line, r.effective.tag) == (10, "2.0.0")
    assert any(
        "renders app from https://github.com/acme/gitops.git, not followed" in n for n in found["other"].notes
    )
    assert found["other"].image(APP).status is PinStatus.NOT_RENDERED


def test_a_values_file_in_a_chart_inherits_the_charts_values(tmp_path: Path) -> None:
    values = "image:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\n"
    _tree(
        tmp_path,
        {
            "chart/Chart.yaml": "name: c\n",
            "chart/values.yaml": values,
            "chart/env/dev.yaml": "replicas: 2\n",
            "chart/env/prod.yaml": values.replace("1.0.0", "2.0.0"),
        },
    )
    spec = [images.ImageSpec(APP, "ghcr.io/acme/app", {"repository": "image.repository", "tag": "image.tag"})]
    found = _read(tmp_path, {"dev": "chart/env/dev.yaml", "prod": "chart/env/prod.yaml"}, spec)
    dev, prod = found["dev"].image(APP), found["prod"].image(APP)
    assert dev.status is PinStatus.INHERITED and dev.effective is not None
    assert (dev.effective.file, dev.effective.line, dev.effective.shared_with) == (
        "chart/values.yaml",
        3,
        ("prod",),
    )
    assert dev.would_write is not None and (dev.would_write.file, dev.would_write.form) == (
        "chart/env/dev.yaml",
        "helm values key",
    )
    assert prod.status is PinStatus.PINNED and [p.effective for p in prod.pins] == [False, True]


def test_a_flux_helmrelease_sets_the_image_in_its_values(tmp_path: Path) -> None:
    release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: r}\nspec:\n  values:\n    redis:\n      repository: ghcr.io/acme/app\n      tag: 7.0.0\n"
    _tree(
        tmp_path,
        {
            "apps/base/release.yaml": release,
            "apps/base/kustomization.yaml": "resources: [release.yaml]\n",
            "apps/dev/kustomization.yaml": "resources: [../base]\n",
        },
    )
    spec = [images.ImageSpec(APP, "ghcr.io/acme/app", {"repository": "redis.repository", "tag": "redis.tag"})]
    r = _read(tmp_path, {"dev": "apps/dev"}, spec)["dev"].image(APP)
    assert r.status is PinStatus.PINNED and r.effective is not None
    assert (r.effective.file, r.effective.line, r.effective.tag) == ("apps/base/release.yaml", 8, "7.0.0")


def test_a_kustomization_kustomize_refuses_is_unsupported_with_its_reason(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        BASE
        | {
            "overlays/staging/kustomization.yaml": "resources: [../../base]\npatches:\n- p.yaml\n",
            "overlays/staging/p.yaml": DEPLOYMENT,
        },
    )
    r = _read(tmp_path, ENVS)["staging"].image(APP)
    assert r.status is PinStatus.UNSUPPORTED
    assert r.reason == (
        "kustomize refuses overlays/staging/kustomization.yaml:3: a patches: entry must be a mapping "
        "(path: or patch:), not a plain string"
    )


def test_two_environments_naming_one_overlay_share_it(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        BASE
        | {
            "overlays/staging/kustomization.yaml": f"resources: [../../base]\nimages:\n- name: {APP}\n  newTag: 2.0.0\n"
        },
    )
    found = _read(tmp_path, {"a": "overlays/staging", "b": "overlays/staging"})
    r = found["a"].image(APP)
    assert r.status is PinStatus.UNSUPPORTED and r.effective is not None and r.effective.shared_with == ("b",)
    assert found["a"].writable == ()  # a release for a alone never edits what b renders


def test_an_applications_kustomize_images_entry_is_written_in_place(tmp_path: Path) -> None:
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source:\n"
        "    path: overlays/staging\n    kustomize:\n      images:\n"
        f"        - 'app={APP}:2.0.0'  # written back here\n"
    )
    _tree(tmp_path, BASE | {"apps/dev.yaml": app})
    found = _read(tmp_path, {"dev": "apps/dev.yaml", "production": "overlays/production"})
    r = found["dev"].image(APP)
    assert r.status is PinStatus.PINNED and r.would_write is None and "apps/dev.yaml" in found["dev"].writable
    digest = "sha256:" + "1" * 64
    result = images.edit(app, "apps/dev.yaml", SPECS, [images.Update(APP, tag="2.1.0", digest=digest)])
    assert result.text == app.replace(f"'app={APP}:2.0.0'", f"'app={APP}:2.1.0@{digest}'")
    assert result.images == (APP,)


def test_an_argocd_helm_parameter_is_the_pin_and_a_release_writes_it_in_place(tmp_path: Path) -> None:
    """Argo CD passes it to helm after every values file: it wins over the chart's values, at
    its value's line, and the release edits it there, the flow mapping kept."""
    values = "image:\n  repository: ghcr.io/acme/app\n  tag: 1.0.0\n"
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source:\n"
        "    path: chart\n    helm:\n      parameters:\n        - {name: image.tag, value: 3.0.0}\n"
    )
    _tree(tmp_path, {"chart/Chart.yaml": "name: c\n", "chart/values.yaml": values, "apps/dev.yaml": app})
    spec = [images.ImageSpec(APP, "ghcr.io/acme/app", {"repository": "image.repository", "tag": "image.tag"})]
    r = _read(tmp_path, {"dev": "apps/dev.yaml"}, spec)["dev"].image(APP)
    assert r.status is PinStatus.PINNED and r.would_write is None and r.effective is not None
    assert (r.effective.file, r.effective.line, r.effective.tag) == ("apps/dev.yaml", 9, "3.0.0")
    assert r.effective.form == "Argo CD helm parameter"
    result = images.edit(app, "apps/dev.yaml", spec, [images.Update(APP, tag="3.1.0")])
    assert result.text == app.replace("value: 3.0.0}", "value: 3.1.0}")


def test_a_flux_kustomization_is_followed_and_its_spec_images_win(tmp_path: Path) -> None:
    flux = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\n"
        f"spec:\n  path: ./overlays/staging\n  images:\n    - name: {APP}\n      newTag: 4.0.0\n"
    )
    _tree(tmp_path, BASE | {"clusters/staging/apps.yaml": flux})
    r = _read(tmp_path, {"staging": "clusters/staging/apps.yaml", "production": "overlays/production"})[
        "staging"
    ].image(APP)
    assert [(p.file, p.kind, p.line, p.effective) for p in r.pins] == [
        ("base/deployment.yaml", PinKind.CONTAINER, 10, False),
        ("clusters/staging/apps.yaml", PinKind.FLUX, 8, True),
    ]
    # its own entry, written in place (manifests.flux_images), is where a release goes
    assert r.status is PinStatus.PINNED and r.would_write is None
    paths = {"staging": "clusters/staging/apps.yaml", "production": "overlays/production"}
    assert "clusters/staging/apps.yaml" in _read(tmp_path, paths)["staging"].writable


def test_one_file_of_two_applications_neither_environments_own_is_never_written_for_one(
    tmp_path: Path,
) -> None:
    # neither Application is named for an environment (nor by argocd_application): both read
    one = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app-{env}}}\nspec:\n  source:\n"
        "    path: overlays/{env}\n    kustomize:\n      images: ['{image}:{tag}']\n"
    )
    both = (
        (
            one.format(env="staging", image=APP, tag="1.1.0")
            + "---\n"
            + one.format(env="production", image=APP, tag="1.0.0")
        )
        .replace("name: app-staging", "name: first")
        .replace("name: app-production", "name: second")
    )
    _tree(tmp_path, BASE | {"apps.yaml": both})
    found = _read(tmp_path, {"staging": "apps.yaml", "production": "apps.yaml"})
    r = found["staging"].image(APP)
    assert r.status is PinStatus.UNSUPPORTED and r.fix and "a file of its own" in r.fix
    assert found["staging"].writable == () and found["production"].writable == ()


def test_an_inline_strategic_merge_patch_is_read_as_a_patch(tmp_path: Path) -> None:
    patch = DEPLOYMENT.replace("1.0.0", "1.5.0").replace("\n", "\n      ")
    _tree(
        tmp_path,
        BASE
        | {
            "overlays/staging/kustomization.yaml": f"resources: [../../base]\npatches:\n  - patch: |-\n      {patch}\n"
        },
    )
    r = _read(tmp_path, ENVS)["staging"].image(APP)
    assert r.status is PinStatus.PINNED and r.effective is not None
    assert (r.effective.file, r.effective.kind, r.effective.line, r.effective.tag) == (
        "overlays/staging/kustomization.yaml",
        PinKind.PATCH,
        13,
        "1.5.0",
    )
    assert r.would_write is not None and r.would_write.file == "overlays/staging/kustomization.yaml"


def test_of_several_applications_in_one_file_each_environment_reads_its_own(tmp_path: Path) -> None:
    one = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: app-{env}}}\nspec:\n  source:\n"
        "    path: overlays/{env}\n    kustomize:\n      images: ['{image}:{tag}']\n"
    )
    both = (
        one.format(env="staging", image=APP, tag="1.1.0")
        + "---\n"
        + one.format(env="production", image=APP, tag="1.0.0")
    )
    _tree(tmp_path, BASE | {"apps.yaml": both})
    found = _read(tmp_path, {"staging": "apps.yaml", "production": "apps.yaml"})
    r = found["staging"].image(APP)
    assert r.effective is not None and (r.effective.line, r.effective.tag) == (8, "1.1.0")
    assert "overlays/production/kustomization.yaml" not in found["staging"].rendered


def test_of_an_environments_several_paths_the_release_goes_into_the_one_rendering_the_image(
    tmp_path: Path,
) -> None:
    """An environment of two overlays (an app's and its cache's) inherits the cache's version
    from a base both environments share: the release goes into the overlay that renders the
    cache, never into the app's overlay, whose images: entry would change nothing."""
    cache = "redis"
    _tree(
        tmp_path,
        {
            "apps/web/overlays/dev/kustomization.yaml": "resources:\n  - deployment.yaml\n",
            "apps/web/overlays/dev/deployment.yaml": DEPLOYMENT,
            "environments/base/kustomization.yaml": "resources:\n  - redis.yaml\n",
            "environments/base/redis.yaml": DEPLOYMENT.replace("ghcr.io/acme/app:1.0.0", "redis:7.4"),
            "environments/dev/kustomization.yaml": "resources:\n  - ../base\n",
            "environments/prod/kustomization.yaml": "resources:\n  - ../base\n",
        },
    )
    specs = [*SPECS, images.ImageSpec(cache, workloads.repository_key(cache))]
    sources = [
        reader.Source("dev", ("apps/web/overlays/dev", "environments/dev"), (APP, cache)),
        reader.Source("prod", ("environments/prod",), (cache,)),
    ]
    found = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(sources)
    r = found["dev"].image(cache)
    assert r is not None and r.status is PinStatus.INHERITED
    assert r.would_write is not None
    assert r.would_write.file == "environments/dev/kustomization.yaml"


def test_an_image_another_environment_renders_is_said_briefly_without_the_rename_advice(
    tmp_path: Path,
) -> None:
    """An image that belongs to another environment (a cicd overlay's pipeline image, seen from
    dev) is not a misnamed image: the reading names who renders it and gives no rename fix. An
    image no environment renders keeps that fix."""
    job = DEPLOYMENT.replace("Deployment", "Job").replace("acme/app:1.0.0", "acme/ci:2.0.0")
    _tree(tmp_path, BASE | {"cicd/kustomization.yaml": "resources: [job.yaml]\n", "cicd/job.yaml": job})
    ci = images.ImageSpec("ghcr.io/acme/ci", "ghcr.io/acme/ci")
    specs = [*SPECS, ci, images.ImageSpec("ghcr.io/acme/nowhere", "ghcr.io/acme/nowhere")]
    sources = [
        reader.Source("staging", ("overlays/staging",), (APP, "ghcr.io/acme/ci", "ghcr.io/acme/nowhere")),
        reader.Source("cicd", ("cicd",), (APP, "ghcr.io/acme/ci", "ghcr.io/acme/nowhere")),
    ]
    found = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(sources)
    mine = found["cicd"].image(APP)
    assert mine.status is PinStatus.NOT_RENDERED
    assert (mine.reason, mine.fix) == ("only staging renders it", None)
    assert mine.describe() == "not rendered: only staging renders it"
    nowhere = found["cicd"].image("ghcr.io/acme/nowhere")
    assert nowhere.fix is not None and "name the image" in nowhere.fix


# argoproj/argoproj-deployments, argoproj/base/ingress-nginx.yaml (trimmed): an Application of
# an external chart, the whole of an environment that releases a chart version and no image
CHART_APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress-nginx
  namespace: argocd
spec:
  destination:
    namespace: ingress-nginx
    server: https://kubernetes.default.svc
  project: default
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.9.1
"""


def test_an_environment_rendering_only_a_chart_says_other_environments_images_briefly(
    tmp_path: Path,
) -> None:
    """An environment whose one file deploys an external chart renders no image of this
    repository: the images another environment renders are that one's, said as briefly as
    elsewhere, not given a rename-or-repoint fix. One that renders only local files naming no
    image may point at the wrong path, and keeps that fix."""
    _tree(
        tmp_path,
        BASE | {"apps/ingress-nginx.yaml": CHART_APPLICATION, "empty/configmap.yaml": "kind: ConfigMap\n"},
    )
    sources = [
        reader.Source("staging", ("overlays/staging",), (APP,)),
        reader.Source("ingress-nginx", ("apps/ingress-nginx.yaml",), (APP,)),
        reader.Source("wrong", ("empty",), (APP,)),
    ]
    found = reader.Reader(reader.DiskTree(tmp_path), tmp_path, SPECS).read(sources)
    chart_only = found["ingress-nginx"].image(APP)
    assert chart_only.status is PinStatus.NOT_RENDERED
    assert (chart_only.reason, chart_only.fix) == ("only staging renders it", None)
    wrong = found["wrong"].image(APP)
    assert wrong.fix is not None and "point wrong's path at what deploys it" in wrong.fix


def test_an_image_named_under_a_values_key_with_no_helm_keys_gets_the_helm_keys_as_its_fix(
    tmp_path: Path,
) -> None:
    # codefresh-contrib/helm-gitops-example: a chart deployed whole, its image in its values.yaml;
    # configured without helm: keys, the reading cannot place it, and the fix names the keys
    _tree(
        tmp_path,
        {
            "charts/python/Chart.yaml": "apiVersion: v2\nname: python\nversion: 0.3.0\n",
            "charts/python/values.yaml": "image:\n  repository: ghcr.io/acme/app\n  tag: 1.14.9\n",
            "charts/python/templates/deploy.yaml": DEPLOYMENT.replace(
                "ghcr.io/acme/app:1.0.0", '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'
            ),
        },
    )
    r = _read(tmp_path, {"default": "charts/python"})["default"].image(APP)
    assert r.status is PinStatus.NOT_RENDERED
    assert r.fix == (
        "charts/python/values.yaml:2 names ghcr.io/acme/app at image.repository: add "
        "helm: {repository: image.repository, tag: image.tag} to the image in gitops-bot.yaml"
    )


CHART = {
    "helm/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "helm/values.yaml": "replicaCount: 1\n",
    "helm/templates/deployment.yaml": DEPLOYMENT,
}


def test_a_values_file_path_reads_the_chart_templates_it_renders_through(tmp_path: Path) -> None:
    # AntoineNGUYEN31/test-argocd: the path is the chart's values.yaml and the template writes the
    # image whole (no values key, so no helm: keys); helm renders the values file through the
    # templates, so the image is pinned there as when the path is the chart, not "not rendered"
    _tree(tmp_path, CHART)
    by_file = _read(tmp_path, {"default": "helm/values.yaml"})["default"].image(APP)
    assert by_file.status is PinStatus.PINNED
    assert [(p.file, p.line, p.effective) for p in by_file.pins] == [
        ("helm/templates/deployment.yaml", 10, True)
    ]
    assert by_file.pins == _read(tmp_path, {"default": "helm"})["default"].image(APP).pins


def test_a_values_file_path_says_an_image_a_template_writes_in_if_lines(tmp_path: Path) -> None:
    # rmgpinto/k8s-argocd-demo: the template is YAML only once rendered ({{- if }} lines): the
    # image is said written there, with the fix, as when the path is the chart
    _tree(
        tmp_path,
        {**CHART, "helm/templates/deployment.yaml": "{{- if .Values.on }}\n" + DEPLOYMENT + "{{- end }}\n"},
    )
    r = _read(tmp_path, {"default": "helm/values.yaml"})["default"].image(APP)
    assert r.status is not PinStatus.NOT_RENDERED
    assert r.reason is not None and "helm/templates/deployment.yaml:11" in r.reason, r
    assert (r.status, r.reason, r.fix) == (
        (c := _read(tmp_path, {"default": "helm"})["default"].image(APP)).status,
        c.reason,
        c.fix,
    )


def test_an_image_named_in_a_field_no_format_reads_is_told_the_marker(tmp_path: Path) -> None:
    # an OLM CatalogSource's spec.image (argoproj-labs/argocd-operator's deploy/): the reading
    # cannot place it, and the fix names that line and the marker, not the image's name
    _tree(
        tmp_path,
        {
            "deploy/catalog_source.yaml": (
                "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\nmetadata: {name: argocd}\n"
                "spec:\n  sourceType: grpc\n  image: ghcr.io/acme/app@sha256:" + "0" * 64 + " # 0.13.0\n"
            ),
        },
    )
    r = _read(tmp_path, {"olm": "deploy"})["olm"].image(APP)
    assert r.status is PinStatus.NOT_RENDERED
    assert r.fix == (
        "deploy/catalog_source.yaml:6 names ghcr.io/acme/app at spec.image of its CatalogSource, a field no "
        'format reads: add the marker comment # {"gitops-bot": "ghcr.io/acme/app"} at the end of that line'
    )
