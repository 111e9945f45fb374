"""An Argo CD Application over a kustomization here, built as Argo CD's repo server builds it
(argo-cd util/kustomize/kustomize.go): its kustomize fields written into the kustomization as
``kustomize edit`` writes them (kustomize/commands/edit: set image's forms, ``*`` keeping what
the entry holds, a label already there refused without ``forceCommonLabels``), then the real
``kubectl kustomize`` from ``.tools/bin``. What runs is that build's: an entry whose name
matches no image is said, and an edit Argo CD refuses blocks the environment in its words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images, workloads
from gitops_bot.render import argo_kustomize, reader, rendered_reading, running
from gitops_bot.render.bounded import NotRendered
from gitops_bot.render.settings import RenderSettings
from testkit.kubetools import helm, kubectl
from testkit.local_git import write

APP = "ghcr.io/acme/app"
DIGEST = "sha256:" + "a" * 64
DEPLOYMENT = f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: {APP}:1.0
"""
# the base's own entry: its lines kept as written where Argo CD's edits leave them
BASE = f"resources: [d.yaml]\ncommonLabels: {{team: a}}\nimages:\n- name: {APP}\n  newTag: '1.10'  # ci\n"
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations: {c: 'yes'}\n"


def _settings() -> RenderSettings:
    return RenderSettings(kubectl=kubectl())


def _built(tmp_path: Path, options: dict[str, object]) -> str | NotRendered:
    write(
        tmp_path,
        {"base/kustomization.yaml": BASE, "base/d.yaml": DEPLOYMENT, "base/c/kustomization.yaml": COMPONENT},
    )
    doc: dict[str, object] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "dev"},
        "spec": {"source": {"path": "base", "targetRevision": "HEAD", "kustomize": options}},
    }
    found = argo_kustomize.builds(tmp_path, [doc])
    (got,) = argo_kustomize.render(_settings(), tmp_path, found)
    assert got is not None
    return got


@pytest.mark.parametrize(
    ("entries", "runs"),
    [
        ([], f"{APP}:1.10"),  # the kustomization's entry as written, its tag a string
        ([f"{APP}:2.0"], f"{APP}:2.0"),
        ([f"{APP}=registry.example/app:3.0@{DIGEST}"], f"registry.example/app:3.0@{DIGEST}"),
        ([f"{APP}=*:*@{DIGEST}"], f"{APP}:1.10@{DIGEST}"),  # "*" keeps the entry's name and tag
        ([f"{APP}@{DIGEST}"], f"{APP}@{DIGEST}"),  # the entry replaced whole: its tag gone
        ([f"{APP}:2.0", f"{APP}:2.1"], f"{APP}:2.1"),  # the last of one name wins
        (["app=other:9"], f"{APP}:1.10"),  # a name no image field has: nothing changes
    ],
)
def test_kustomize_images_are_written_as_kustomize_edit_set_image_writes_them(
    tmp_path: Path, entries: list[str], runs: str
) -> None:
    got = _built(tmp_path, {"images": entries, "namePrefix": "dev-", "namespace": "dev"})
    assert isinstance(got, str), got
    ran = running.running(got)
    assert [(r.name, r.image) for r in ran] == [("dev-web", runs)]
    assert "namespace: dev" in got and "team: a" in got


def test_argo_cds_other_fields_are_applied_after_the_images(tmp_path: Path) -> None:
    patch = {"patch": "- op: replace\n  path: /spec/replicas\n  value: 3", "target": {"kind": "Deployment"}}
    got = _built(
        tmp_path,
        {
            "nameSuffix": "-x",
            "commonLabels": {"team": "b", "tier": "web"},
            "forceCommonLabels": True,
            "commonAnnotations": {"owner": "ops"},
            "patches": [patch],
            "components": ["c", "missing"],
            "ignoreMissingComponents": True,
        },
    )
    assert isinstance(got, str), got
    assert (
        "name: web-x" in got
        and "team: b" in got
        and "tier: web" in got
        and "owner: ops" in got
        and 'c: "yes"' in got
    )
    assert "replicas: 3" in got


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (
            {"commonLabels": {"team": "b"}},
            "label team already in kustomization file. Use --force to override.",
        ),
        ({"replicas": [{"name": "web", "count": "two"}]}, "replicas web: count 'two' is no integer"),
        ({"components": ["missing"]}, "kustomize edit add component missing: missing has no match"),
        ({"images": ["app"]}, "kustomize edit set image app: invalid format of image"),
    ],
)
def test_an_edit_argo_cd_refuses_is_its_refusal(
    tmp_path: Path, options: dict[str, object], said: str
) -> None:
    got = _built(tmp_path, options)
    assert isinstance(got, NotRendered) and str(got) == f"Argo CD's kustomize edit fails: {said}"


def _application(name: str, kustomize: str) -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}}}\nspec:\n  source:\n"
        f"    repoURL: https://git.example/acme/gitops.git\n    targetRevision: HEAD\n    path: base\n"
        f"    kustomize:\n{kustomize}"
    )


def test_what_runs_is_argo_cds_build_of_each_application(tmp_path: Path) -> None:
    """Three Applications over one base: dev's entry runs; prod's names ``app``, which no
    image field is, so the base's 1.10 runs (said); qa's label is the base's already, which
    Argo CD refuses to add without forceCommonLabels (qa blocked, in those words)."""
    write(
        tmp_path,
        {
            "base/kustomization.yaml": BASE,
            "base/d.yaml": DEPLOYMENT,
            "apps/dev.yaml": _application("dev", f"      images: ['{APP}:2.0']\n      namePrefix: dev-\n"),
            "apps/prod.yaml": _application("prod", f"      images: ['app={APP}:3.0']\n"),
            "apps/qa.yaml": _application(
                "qa", f"      images: ['{APP}:4.0']\n      commonLabels: {{team: b}}\n"
            ),
        },
    )
    paths = {env: (f"apps/{env}.yaml",) for env in ("dev", "prod", "qa")}
    specs = [images.ImageSpec(APP, workloads.repository_key(APP))]
    sources = [reader.Source(n, p, (APP,)) for n, p in paths.items()]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(sources)
    got = rendered_reading.held_to_render(_settings(), tmp_path, tmp_path, rules, paths)
    assert got["dev"].notes == () and got["dev"].blocked is None
    assert got["prod"].notes == (
        f"apps/prod.yaml:10 sets {APP} to 3.0, but the render runs Deployment/web app {APP}:1.10: a release "
        "there changes nothing that runs",
    )
    assert got["qa"].blocked == (
        "base/kustomization.yaml as Application qa writes it: Argo CD's kustomize edit fails: label team already in kustomization "
        "file. Use --force to override.",
        "fix what it names in Application qa's kustomize fields or in base's kustomization (Argo CD writes "
        "those fields into it, then builds it)",
    )
    image = got["qa"].image(APP)
    assert image is not None and image.status is PinStatus.UNSUPPORTED


def test_an_application_an_app_of_apps_chart_yields_is_built_with_its_own_kustomize_fields(
    tmp_path: Path,
) -> None:
    """A root chart yields app-dev (its kustomize.images 2.0 over the shared base) and app-prod:
    what dev runs is Argo CD's build of app-dev, 2.0, so the base's 1.0 is said to run nowhere
    in dev (the base alone rendered 1.0, and nothing was said); prod's render is the base's."""
    kustomize = f"    kustomize:\n      images: ['{APP}:2.0']\n"
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [d.yaml]\n",
            "base/d.yaml": DEPLOYMENT,
            "root.yaml": _application("root", "")
            .replace("path: base", "path: apps")
            .replace("    kustomize:\n", ""),
            "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
            "apps/templates/apps.yaml": _application("app-dev", "").replace("    kustomize:\n", kustomize)
            + "---\n"
            + _application("app-prod", "").replace("    kustomize:\n", ""),
        },
    )
    paths = {"dev": ("root.yaml",), "prod": ("root.yaml",)}
    specs = [images.ImageSpec(APP, workloads.repository_key(APP))]
    sources = [reader.Source(n, p, (APP,)) for n, p in paths.items()]
    settings = RenderSettings(kubectl=kubectl(), helm=helm())
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path, render=settings).read(sources)
    got = rendered_reading.held_to_render(settings, tmp_path, tmp_path, rules, paths)
    said = f"base/d.yaml:9 sets {APP} to 1.0, but the render runs Deployment/web app {APP}:2.0"
    assert any(n.startswith(said) for n in got["dev"].notes), got["dev"].notes
    assert not any("but the render runs" in n for n in got["prod"].notes), got["prod"].notes


def test_the_argocd_source_files_of_its_path_are_merged_over_the_application(tmp_path: Path) -> None:
    """argocd-image-updater's git write-back writes base/.argocd-source-dev.yaml; Argo CD merges
    it over dev's source before it builds, so its image list replaces the Application's whole:
    the Application's 2.0 runs nowhere, 3.0 does, and the rules read 3.0 there, as the render
    does (they read 2.0 at apps/dev.yaml:10, which the render showed runs nowhere)."""
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [d.yaml]\n",
            "base/d.yaml": DEPLOYMENT,
            "base/.argocd-source-dev.yaml": f"kustomize:\n  images: ['{APP}:3.0']\npath: elsewhere\n",
            "base/.argocd-source.yaml": "kustomize:\n  namePrefix: all-\n",
            "apps/dev.yaml": _application("dev", f"      images: ['{APP}:2.0']\n"),
        },
    )
    paths = {"dev": ("apps/dev.yaml",)}
    specs = [images.ImageSpec(APP, workloads.repository_key(APP))]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(
        [reader.Source("dev", paths["dev"], (APP,))]
    )
    pin = rules["dev"].images[0].effective
    assert pin is not None and (pin.file, pin.line, pin.tag) == ("base/.argocd-source-dev.yaml", 2, "3.0")
    got = rendered_reading.held_to_render(_settings(), tmp_path, tmp_path, rules, paths)
    assert got["dev"].notes == (  # nothing the render runs differs from the rules' reading
        "apps/dev.yaml: Argo CD merges base/.argocd-source-dev.yaml over dev's source: its kustomize.images "
        "replace the Application's own",
    )


APPSET = f"""apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: web}}
spec:
  generators:
  - list:
      elements:
      - {{env: dev, tag: "2.0"}}
      - {{env: prod, tag: "3.0"}}
  template:
    metadata: {{name: 'web-{{{{env}}}}'}}
    spec:
      source:
        repoURL: https://git.example/acme/gitops.git
        targetRevision: HEAD
        path: base
        kustomize:
          namePrefix: '{{{{env}}}}-'
          images: ['app={APP}:{{{{tag}}}}']
      destination: {{namespace: '{{{{env}}}}'}}
"""


def test_an_application_an_applicationset_generates_is_built_with_its_filled_kustomize_fields(
    tmp_path: Path,
) -> None:
    """Each generated Application's own fields, filled from its element: dev's build prefixes
    dev-, and its entry names ``app``, an image no field is, so its 2.0 runs nowhere (said)."""
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [d.yaml]\n",
            "base/d.yaml": DEPLOYMENT,
            "apps/web.yaml": APPSET,
        },
    )
    paths = {"dev": ("apps/web.yaml",), "prod": ("apps/web.yaml",)}
    specs = [images.ImageSpec(APP, workloads.repository_key(APP))]
    sources = [reader.Source(n, p, (APP,)) for n, p in paths.items()]
    settings = RenderSettings(kubectl=kubectl(), helm=helm())
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path, render=settings).read(sources)
    got = rendered_reading.held_to_render(settings, tmp_path, tmp_path, rules, paths)
    for env, tag in (("dev", "2.0"), ("prod", "3.0")):
        said = f"apps/web.yaml:19 sets {APP} to {tag}, but the render runs Deployment/{env}-web app {APP}:1.0"
        assert any(n.startswith(said) for n in got[env].notes), got[env].notes


@pytest.mark.parametrize(
    "hostile",
    [
        "kustomize: &a\n  x: *a\n",  # a recursive alias: a traceback (RecursionError) before
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True)
        ),
    ],
)
def test_a_hostile_argocd_source_file_is_the_applications_refusal(tmp_path: Path, hostile: str) -> None:
    """``.argocd-source.yaml`` is read as every file of the repository is: an alias bomb or a
    recursive alias is refused in one line, never expanded."""
    write(
        tmp_path,
        {"base/kustomization.yaml": BASE, "base/d.yaml": DEPLOYMENT, "base/.argocd-source.yaml": hostile},
    )
    doc: dict[str, object] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "dev"},
        "spec": {"source": {"path": "base", "targetRevision": "HEAD", "kustomize": {"namePrefix": "x-"}}},
    }
    (build,) = argo_kustomize.builds(tmp_path, [doc])
    assert build.refused.startswith(".argocd-source.yaml: "), build


def test_an_argocd_source_file_linked_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, {"x.yaml": "kustomize:\n  images: ['ghcr.io/evil/app:SECRET']\n"})
    repo = tmp_path / "repo"
    write(repo, {"base/kustomization.yaml": BASE, "base/d.yaml": DEPLOYMENT})
    (repo / "base/.argocd-source.yaml").symlink_to(outside / "x.yaml")
    doc: dict[str, object] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "../../outside/x"},
        "spec": {"source": {"path": "base", "targetRevision": "HEAD", "kustomize": {"namePrefix": "x-"}}},
    }
    (build,) = argo_kustomize.builds(repo, [doc])
    # never read, and Argo CD's repo server refuses a repository holding such a link
    assert "symbolic link leading out of the repository" in build.refused and build.merged == (), build
    assert "SECRET" not in str(build)


def test_an_argocd_source_file_that_is_no_mapping_is_refused_by_the_rules_as_by_argo_cd(
    tmp_path: Path,
) -> None:
    """A write-back file that is a list is no source Argo CD can merge: the repo server fails
    the build, so the rules (no kubectl) refuse dev in one line with the fix, as the renderer
    does, rather than read the Application's own entry as what runs."""
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [d.yaml]\n",
            "base/d.yaml": DEPLOYMENT,
            "base/.argocd-source-dev.yaml": f"- kustomize:\n    images: ['{APP}:3.0']\n",
            "apps/dev.yaml": _application("dev", f"      images: ['{APP}:2.0']\n"),
        },
    )
    specs = [images.ImageSpec(APP, workloads.repository_key(APP))]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs).read(
        [reader.Source("dev", ("apps/dev.yaml",), (APP,))]
    )
    (dev,) = rules["dev"].images
    assert dev.status is not PinStatus.PINNED, dev
    assert dev.reason is not None and "base/.argocd-source-dev.yaml:1: is no mapping" in dev.reason, dev
    (built,) = argo_kustomize.builds(tmp_path, [yaml.safe_load((tmp_path / "apps/dev.yaml").read_text())])
    assert "is no mapping" in built.refused  # the renderer's refusal says the same


def test_argo_cds_build_environment_is_expanded_in_images_and_labels(tmp_path: Path) -> None:
    # util/kustomize Build: each image and commonLabels value through Env.Envsubst
    got = _built(
        tmp_path, {"images": [f"{APP}:${{ARGOCD_APP_NAME}}-1"], "commonLabels": {"app": "$ARGOCD_APP_NAME"}}
    )
    assert isinstance(got, str), got
    assert f"image: {APP}:dev-1" in got and "app: dev" in got, got
    # the commit is not known to a reading of files: not built, the rules' reading stands
    write(tmp_path, {"apps/x.yaml": ""})
    doc: dict[str, object] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "dev"},
        "spec": {
            "source": {
                "path": "base",
                "targetRevision": "HEAD",
                "kustomize": {"images": [f"{APP}:${{ARGOCD_APP_REVISION_SHORT}}"]},
            }
        },
    }
    assert argo_kustomize.builds(tmp_path, [doc]) == []
