"""ApplicationSets whose git files generator reads one file per cluster (``env/<cluster>.yaml``,
its keys filling the values file path) over wrapper charts of the repository: the shape of
opspresso/argocd-env-addons. Each generated Application is read as Argo CD generates it: the
charts its Chart.yaml pins and the images its values set, in one environment per cluster; an
ApplicationSet the repository's root Application does not render (kept under ``backup/``) is
no environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.engine.discovery import discover
from gitops_bot.engine.repository_files import RepoFiles
from gitops_bot.manifests import argocd_appsets, images, workloads, yamlvalues
from gitops_bot.render import git_generators, reader
from testkit import parses
from testkit.local_git import write

ROOT = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: addons-demo, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://github.com/acme/addons
    targetRevision: HEAD
    path: addons
  destination: {name: in-cluster, namespace: argocd}
"""

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: %(name)s}
spec:
  generators:
    - git:
        repoURL: https://github.com/acme/addons.git
        revision: HEAD
        files:
          - path: "env/eks-demo.yaml"
  template:
    metadata:
      name: "%(name)s-{{cluster}}"
    spec:
      project: addons
      destination:
        name: "{{cluster}}"
        namespace: addon-%(name)s
      source:
        repoURL: https://github.com/acme/addons.git
        targetRevision: HEAD
        path: charts/%(name)s
        helm:
          valueFiles:
            - values.yaml
            - "{{env}}/values-{{cluster}}.yaml"
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: web
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def _wrapper(name: str, version: str) -> str:
    return (
        f"apiVersion: v2\nname: {name}\nversion: {version}\ndependencies:\n"
        f'- name: {name}\n  repository: https://charts.example.com/{name}\n  version: "{version}"\n'
    )


def _repo(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "addons.yaml": ROOT,
            "addons/alloy.yaml": APPSET % {"name": "alloy"},
            "addons/web.yaml": APPSET % {"name": "web"},
            "backup/kite.yaml": APPSET % {"name": "kite"},
            "env/eks-demo.yaml": "cluster: eks-demo\nenv: demo\n",
            "charts/alloy/Chart.yaml": _wrapper("alloy", "1.11.1"),
            "charts/alloy/values.yaml": "alloy: {}\n",
            "charts/alloy/demo/values-eks-demo.yaml": "alloy: {}\n",
            "charts/kite/Chart.yaml": _wrapper("kite", "0.14.1"),
            "charts/kite/values.yaml": "kite: {}\n",
            "charts/kite/demo/values-eks-demo.yaml": "kite: {}\n",
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "charts/web/values.yaml": "image:\n  repository: nginx\n  tag: 1.25.4\n",
            "charts/web/demo/values-eks-demo.yaml": "image:\n  tag: 1.25.5\n",
            # another cluster's, which the generator does not list (commented out there)
            "charts/web/demo/values-eks-prod.yaml": "image:\n  tag: 1.26.0\n",
            "charts/web/templates/deploy.yaml": DEPLOY,
        },
    )


def test_the_generated_applications_charts_and_images_are_found(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path))
    assert {c.name for c in found.charts} >= {"alloy"}
    assert [i.name for i in found.images] == ["nginx"]


def test_one_environment_per_cluster_and_none_for_what_the_root_does_not_render(tmp_path: Path) -> None:
    found = discover(_repo(tmp_path))
    # each ApplicationSet is a path, read as Argo CD generates its Application (the chart
    # directory alone would read every values file in it, another cluster's too)
    assert {e.name: e.paths for e in found.environments} == {
        "eks-demo": ("addons/alloy.yaml", "addons/web.yaml")
    }
    assert "kite" not in {c.name for c in found.charts}
    (said,) = [n for n in found.notes if n.startswith("backup/kite.yaml")]
    assert "no Application in this repository applies" in said and "addons" in said
    assert not [n for n in found.notes if "are found on their own" in n], found.notes


def test_the_plan_reads_the_values_file_the_generator_names(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    spec = images.ImageSpec(
        "nginx", workloads.repository_key("nginx"), {"repository": "image.repository", "tag": "image.tag"}
    )
    got = reader.Reader(reader.DiskTree(root), root, [spec]).read(
        [reader.Source("eks-demo", ("addons/web.yaml",), ("nginx",))]
    )
    image = got["eks-demo"].image("nginx")
    assert image is not None and image.effective is not None, got["eks-demo"]
    # the cluster's values file layers over the chart's; the generator was "not expanded"
    assert (image.effective.place, image.effective.tag) == (
        "charts/web/demo/values-eks-demo.yaml:2",
        "1.25.5",
    )
    assert image.status is PinStatus.PINNED


APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: %s, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://github.com/acme/addons, targetRevision: HEAD, path: %s}
  destination: {name: in-cluster, namespace: apps}
"""


def test_an_application_of_a_wrapper_chart_pinning_no_image_is_kept_for_its_chart(tmp_path: Path) -> None:
    """Its Chart.yaml dependency is a pin to release although it renders none of the images
    the other environments render."""
    root = write(
        tmp_path,
        {
            "apps/web-dev.yaml": APP % ("web-dev", "charts/web"),
            "apps/alloy-prod.yaml": APP % ("alloy-prod", "charts/alloy"),
            "charts/alloy/Chart.yaml": _wrapper("alloy", "1.11.1"),
            "charts/alloy/values.yaml": "alloy: {}\n",
            "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            "charts/web/values.yaml": "image:\n  repository: nginx\n  tag: 1.25.4\n",
            "charts/web/templates/deploy.yaml": DEPLOY,
        },
    )
    found = discover(root)
    assert "apps/alloy-prod.yaml" in {p for e in found.environments for p in e.paths}, found.notes
    assert [c.name for c in found.charts] == ["alloy"]


def test_each_applicationset_is_generated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the deployers, the stages, the directories and the charts of init each ask what an
    # ApplicationSet generates, and its git generators read files: init's reading of the
    # repository (its generators reading through RepoFiles) generates each file once
    made: list[str] = []
    generate = argocd_appsets.generate

    def counted(text: str, filename: str, dirs: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(getattr(dirs, "__self__", None), RepoFiles):
            made.append(filename)
        return generate(text, filename, dirs, *args, **kwargs)

    monkeypatch.setattr(argocd_appsets, "generate", counted)
    discover(_repo(tmp_path))
    assert sorted(made) == ["addons.yaml", "addons/alloy.yaml", "addons/web.yaml", "backup/kite.yaml"]


def test_a_generator_file_is_parsed_once_and_a_long_list_of_it_kept_to_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ApplicationSet naming env/eks-demo.yaml, in each of init's readings, parsed it
    again: 27 times in one init, and a 4 MB file of 90,000 elements took 30 s a parse."""
    root = _repo(tmp_path)
    unique = f"cluster: eks-demo\nenv: demo\nseen: {tmp_path.name}\n"  # no parse kept from another test
    write(root, {"env/eks-demo.yaml": unique})
    parsed = parses.files_read(monkeypatch, yamlvalues, "load_all")
    found = discover(root)
    assert {e.name for e in found.environments} == {"eks-demo"}
    assert parsed.count("env/eks-demo.yaml") == 1, parsed.count("env/eks-demo.yaml")
    many = "".join(f"- cluster: c{i}\n  env: demo\n" for i in range(2000))
    kept = git_generators.parameters(many, "env/many.yaml")
    assert isinstance(kept, list) and len(kept) == argocd_appsets.MAX_APPLICATIONS + 1


BOMB = "cluster: eks-demo\nenv: demo\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("not UTF-8", "not UTF-8 text; what it sets is not read: save it as UTF-8"),
        ("a link out", "a symbolic link to '{outside}', leading out of the repository;"),
        ("a key twice", "not YAML the bot can read (env/eks-demo.yaml:3: duplicate key 'env' (lines 2, 3)"),
        ("aliases", "not YAML the bot can read (env/eks-demo.yaml:"),
    ],
)
def test_a_generator_file_there_and_not_read_is_said_with_its_fix(tmp_path: Path, how: str, why: str) -> None:
    """The plan read 'its generators make no Application from what the repository holds' and
    advised another path, saying nothing of env/eks-demo.yaml; init said nothing of it either
    (Argo CD's generator fails on each of these files)."""
    root = _repo(tmp_path / "repo")
    outside = write(tmp_path / "elsewhere", {"eks-demo.yaml": "cluster: eks-demo\nenv: demo\n"})
    (root / "env/eks-demo.yaml").unlink()
    if how == "a link out":
        (root / "env/eks-demo.yaml").symlink_to(outside / "eks-demo.yaml")
    else:
        body = {"not UTF-8": b"cluster: eks-demo\nenv: demo\nnote: \xff\n", "aliases": BOMB.encode()}
        (root / "env/eks-demo.yaml").write_bytes(body.get(how, b"cluster: eks-demo\nenv: demo\nenv: prod\n"))
    spec = images.ImageSpec(
        "nginx", workloads.repository_key("nginx"), {"repository": "image.repository", "tag": "image.tag"}
    )
    got = reader.Reader(reader.DiskTree(root), root, [spec]).read(
        [reader.Source("eks-demo", ("addons/web.yaml",), ("nginx",))]
    )["eks-demo"]
    said = f"env/eks-demo.yaml: {why.format(outside=outside / 'eks-demo.yaml')}"
    assert [s for s in got.said if s.startswith(said)], got.said
    image = got.image("nginx")
    assert image is not None and image.status is PinStatus.UNSUPPORTED, image
    assert image.reason is not None and image.reason.startswith(
        "env/eks-demo.yaml, which eks-demo renders"
    ), image
    assert [n for n in discover(root).notes if n.startswith(said)]
