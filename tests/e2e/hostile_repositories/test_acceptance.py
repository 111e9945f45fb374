"""The acceptance set of hand-written hostile repositories, kept apart from the generated ones
(tests/e2e/shapes/test_generated_repositories.py): shapes a user's repository has (Argo CD
Applications found by ``init``, a branch per environment, releases into an environment's own
layer over a shared base, an Application over a kustomization kustomize refuses, a broken
environment branch, trailing empty documents), each broken or odd, run through the CLI as a
process under the real ``strace -f``. Each must show 0 traceback, 0 connection off the machine or DNS query, 0 edit
of what another environment renders, and the refused environment said, never released."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from testkit import app_of_apps, netwatch
from testkit.local_git import commit, git, write
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

REMOTE = "github.com/acme/app//deploy?ref=v1.0.0"
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: {image}:1.0.0\n"
)
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-{env}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/deploy.git
    targetRevision: {revision}
    path: overlays/{env}
  destination:
    server: https://kubernetes.default.svc
    namespace: {env}
"""


@pytest.fixture
def image(registry: RegistryProcess, pusher: Pusher) -> str:
    pusher.image("acceptance-repos/app", ["1.0.0", "1.1.0"], salt="acceptance-repos")
    return f"{registry.host}/acceptance-repos/app"


def _base(image: str) -> dict[str, str]:
    return {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT.format(image=image),
    }


def test_init_on_argo_cd_applications_over_a_remote_base_and_a_link_loop(tmp_path: Path, image: str) -> None:
    repo = tmp_path / "repo"
    write(
        repo,
        {
            **_base(image),
            "overlays/dev/kustomization.yaml": f"resources:\n- ../../base\n- {REMOTE}\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n- a.yaml\n",
            "apps/dev.yaml": APPLICATION.format(env="dev", revision="HEAD"),
            "apps/prod.yaml": APPLICATION.format(env="prod", revision="HEAD"),
        },
    )
    os.symlink("b.yaml", repo / "overlays/prod/a.yaml")
    os.symlink("a.yaml", repo / "overlays/prod/b.yaml")
    (repo / "docs").mkdir()
    os.symlink("loop", repo / "docs/loop")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "argo cd over hostile overlays")
    code, out, err = netwatch.bot(tmp_path, "init", "--repo", str(repo))
    assert code in (0, 2), err  # docs/reference/exit-codes.md: 2 when its first plan fails
    assert 'name: "dev"' in out and 'name: "prod"' in out, out
    assert REMOTE in out, out  # the remote base is named, as not read
    assert git(repo, "status", "--porcelain") == ""  # init without --write writes nothing


def test_a_release_goes_to_its_own_branch_and_never_into_the_refused_environment(
    tmp_path: Path, image: str
) -> None:
    """dev refused (a resources: cycle) on main; prod, on its own branch, names a remote base:
    prod is released on env/prod, main (dev's base and overlay) is not touched."""
    seed = tmp_path / "seed"
    config = (
        f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\nenvironments:\n"
        "  - name: dev\n    path: overlays/dev\n    write: commit\n"
        "  - name: prod\n    path: overlays/prod\n    write: commit\n    branch: env/prod\n"
    )
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n- ../loop\n",
        "overlays/loop/kustomization.yaml": "resources:\n- ../dev\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        "gitops-bot.yaml": config,
    }
    write(seed, files)
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "main")
    git(seed, "checkout", "-q", "-b", "env/prod")
    write(seed, {"overlays/prod/kustomization.yaml": f"resources:\n- ../../base\n- {REMOTE}\n"})
    commit(seed, "prod names a remote base")
    git(seed, "checkout", "-q", "main")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    main = git(origin, "rev-parse", "main")

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    git(clone, "fetch", "-q", "origin", "env/prod:env/prod")
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(clone))
    assert code == 0, err
    assert f"remote base {REMOTE}: not followed" in out, out
    assert "cycle" in out, out
    code, out, err = netwatch.bot(tmp_path, "update", "--repo", f"file://{origin}")
    assert code == 0, err
    assert "prod: " in out and "1 skipped (dev " in out, out
    assert git(origin, "rev-parse", "main") == main  # dev refused, prod released on its branch
    assert "1.1.0" in git(origin, "grep", "-h", "1.1.0", "env/prod", "--", "base", "overlays/prod")


def test_a_release_over_a_shared_base_writes_the_own_layer_and_leaves_the_refused_one(
    tmp_path: Path, image: str
) -> None:
    """dev names a remote base and shares base/ with prod, whose overlay lists a link loop (prod
    refused): dev's release is an images: entry in its own kustomization, base/deployment.yaml
    (what prod renders) and prod's overlay untouched."""
    seed = tmp_path / "seed"
    config = (
        f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\nenvironments:\n"
        "  - name: dev\n    path: overlays/dev\n    write: commit\n"
        "  - name: prod\n    path: overlays/prod\n    write: commit\n"
    )
    write(
        seed,
        {
            **_base(image),
            "overlays/dev/kustomization.yaml": f"resources:\n- ../../base\n- {REMOTE}\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n- a.yaml\n",
            "gitops-bot.yaml": config,
        },
    )
    os.symlink("b.yaml", seed / "overlays/prod/a.yaml")
    os.symlink("a.yaml", seed / "overlays/prod/b.yaml")
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "shared base")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    kept = {
        f: git(origin, "show", f"main:{f}")
        for f in ("base/deployment.yaml", "overlays/prod/kustomization.yaml")
    }

    code, out, err = netwatch.bot(tmp_path, "update", "--repo", f"file://{origin}")
    assert code == 0, err
    assert "1 skipped (prod " in out and "link loop" in out, out
    assert {f: git(origin, "show", f"main:{f}") for f in kept} == kept
    dev = git(origin, "show", "main:overlays/dev/kustomization.yaml")
    assert f"- name: {image}\n  newTag: 1.1.0" in dev, dev


def _origin(tmp_path: Path, files: dict[str, str], config: str) -> Path:
    seed = tmp_path / "seed"
    write(seed, {**files, "gitops-bot.yaml": config})
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "main")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    return origin


def _config(image: str, *envs: str) -> str:
    return f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\nenvironments:\n" + "".join(envs)


def _update(tmp_path: Path, origin: Path) -> tuple[dict[str, object], dict[str, str]]:
    """update's JSON result: the released environments' results and each skip's reason."""
    code, out, err = netwatch.bot(tmp_path, "update", "--repo", f"file://{origin}", "--output", "json")
    assert code == 0, err
    result = json.loads(out)
    released = {r["environment"]: r for r in result.get("results", [])}
    return released, {s["environment"]: s["reason"] for s in result.get("skipped", [])}


def test_an_argo_cd_application_over_a_kustomization_kustomize_refuses(tmp_path: Path, image: str) -> None:
    """Each environment is an Application; dev's path lists a resource file that is a
    top-level YAML list (kubectl kustomize: 'missing Resource metadata'): dev is skipped in
    that line, prod released into its own layer, nothing dev renders edited."""
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n- list.yaml\n",
        "overlays/dev/list.yaml": "- a\n- b\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
        "apps/dev.yaml": APPLICATION.format(env="dev", revision="HEAD"),
        "apps/prod.yaml": APPLICATION.format(env="prod", revision="HEAD"),
    }
    envs = [f"  - name: {e}\n    path: apps/{e}.yaml\n    write: commit\n" for e in ("dev", "prod")]
    origin = _origin(tmp_path, files, _config(image, *envs))
    kept = {
        f: git(origin, "show", f"main:{f}")
        for f in ("base/deployment.yaml", *(k for k in files if "dev" in k))
    }
    released, skipped = _update(tmp_path, origin)
    assert list(skipped) == ["dev"] and "missing Resource metadata" in skipped["dev"], skipped
    assert "overlays/dev/list.yaml" in skipped["dev"] and "(fix: " in skipped["dev"], skipped
    assert list(released) == ["prod"], released
    assert {f: git(origin, "show", f"main:{f}") for f in kept} == kept
    assert "newTag: 1.1.0" in git(origin, "show", "main:overlays/prod/kustomization.yaml")


def test_a_branch_per_environment_whose_branch_kustomize_refuses(tmp_path: Path, image: str) -> None:
    """prod lives on env/prod, where its overlay's patch sets the image to a mapping (kubectl
    kustomize: 'wrong node kind'): prod is skipped, env/prod untouched; dev released on main."""
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    envs = (
        "  - name: dev\n    path: overlays/dev\n    write: commit\n",
        "  - name: prod\n    path: overlays/prod\n    write: commit\n    branch: env/prod\n",
    )
    seed = tmp_path / "seed"
    write(seed, {**files, "gitops-bot.yaml": _config(image, *envs)})
    git(seed, "init", "-q", "-b", "main")
    commit(seed, "main")
    git(seed, "checkout", "-q", "-b", "env/prod")
    patch = DEPLOYMENT.format(image=image).replace(f"image: {image}:1.0.0", "image: {}")
    write(
        seed,
        {
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\npatches:\n- path: patch.yaml\n",
            "overlays/prod/patch.yaml": patch,
        },
    )
    commit(seed, "prod's patch")
    git(seed, "checkout", "-q", "main")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(origin))
    prod = git(origin, "rev-parse", "env/prod")
    released, skipped = _update(tmp_path, origin)
    assert list(skipped) == ["prod"] and "overlays/prod/patch.yaml" in skipped["prod"], skipped
    assert "wrong node kind" in skipped["prod"], skipped
    assert list(released) == ["dev"], released
    assert git(origin, "rev-parse", "env/prod") == prod


def test_trailing_empty_documents_are_read_as_kubectl_renders(tmp_path: Path, image: str) -> None:
    """dev's resource and its patch each end in empty '---' documents: kubectl kustomize builds
    both, so both environments are released, each into its own file only."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: one\n---\n---\n"
    patch = DEPLOYMENT.format(image=image).replace(
        "      containers:", "      hostname: dev\n      containers:"
    )
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n- cm.yaml\npatches:\n- path: p.yaml\n",
        "overlays/dev/cm.yaml": cm,
        "overlays/dev/p.yaml": patch + "---\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    envs = [f"  - name: {e}\n    path: overlays/{e}\n    write: commit\n" for e in ("dev", "prod")]
    origin = _origin(tmp_path, files, _config(image, *envs))
    released, skipped = _update(tmp_path, origin)
    assert skipped == {} and sorted(released) == ["dev", "prod"], (released, skipped)
    for rel in ("overlays/dev/cm.yaml", "base/deployment.yaml"):
        assert git(origin, "show", f"main:{rel}") == files[rel], rel


@pytest.mark.parametrize("missing", ["resource", "base", "patch"])
def test_an_entry_the_repository_does_not_hold_is_kustomizes_refusal(
    tmp_path: Path, image: str, missing: str
) -> None:
    """dev's overlay lists a file, a base or a patch the repository does not hold: kubectl
    kustomize refuses the build ('no such file or directory'), so dev is skipped in that line,
    never released; prod, over the same base, released into its own layer."""
    entry = {
        "resource": "resources:\n- ../../base\n- service.yaml\n",
        "base": "resources:\n- ../../base\n- ../../gone\n",
        "patch": "resources:\n- ../../base\npatches:\n- path: patch.yaml\n",
    }[missing]
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": entry,
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    envs = [f"  - name: {e}\n    path: overlays/{e}\n    write: commit\n" for e in ("dev", "prod")]
    origin = _origin(tmp_path, files, _config(image, *envs))
    released, skipped = _update(tmp_path, origin)
    assert list(skipped) == ["dev"] and "no such file or directory" in skipped["dev"], skipped
    assert "overlays/dev/kustomization.yaml" in skipped["dev"] and "(fix: " in skipped["dev"], skipped
    assert list(released) == ["prod"], released
    for rel in ("overlays/dev/kustomization.yaml", "base/deployment.yaml"):
        assert git(origin, "show", f"main:{rel}") == files[rel], rel


def test_an_anchor_defined_twice_is_read_as_kustomize_reads_it(tmp_path: Path, image: str) -> None:
    """dev's kustomization defines ``&tag`` twice (valid YAML; kubectl kustomize takes the
    later one): the run reads it, releases dev by editing its own entry, and prod beside it."""
    dev = (
        f"resources:\n- ../../base\nimages:\n- name: {image}\n  newTag: 1.0.0\n"
        "- name: sidecar\n  newTag: &tag '1'\n- name: proxy\n  newTag: &tag '2'\n- name: log\n  newTag: *tag\n"
    )
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": dev,
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    envs = [f"  - name: {e}\n    path: overlays/{e}\n    write: commit\n" for e in ("dev", "prod")]
    origin = _origin(tmp_path, files, _config(image, *envs))
    released, skipped = _update(tmp_path, origin)
    assert skipped == {} and sorted(released) == ["dev", "prod"], (released, skipped)
    after = git(origin, "show", "main:overlays/dev/kustomization.yaml")
    assert "  newTag: 1.1.0\n  digest: sha256:" in after, after
    tail = dev.index("- name: sidecar")
    assert after.endswith(dev[tail:]), after  # the anchors and the alias byte for byte


@pytest.mark.parametrize("value", ["&tag 1.0.0", "!!str 1.0.0"])
def test_a_pin_not_written_in_place_is_unsupported_and_the_others_release(
    tmp_path: Path, image: str, value: str
) -> None:
    """dev's own images: entry carries an anchor (or a tag): the editor does not write it in
    place, so plan says dev's pin is unsupported with the line and the fix, and update skips dev
    in that line and releases prod; the run ends 0, dev's file untouched."""
    dev = f"resources:\n- ../../base\nimages:\n- name: {image}\n  newTag: {value}\n"
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": dev,
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    envs = [f"  - name: {e}\n    path: overlays/{e}\n    write: commit\n" for e in ("dev", "prod")]
    origin = _origin(tmp_path, files, _config(image, *envs))
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(tmp_path / "seed"), "--output", "json")
    assert code == 0, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    assert readings["dev"]["status"] == "unsupported", readings["dev"]
    assert "overlays/dev/kustomization.yaml:5" in readings["dev"]["reason"], readings["dev"]
    released, skipped = _update(tmp_path, origin)
    assert list(skipped) == ["dev"] and "cannot edit in place" in skipped["dev"], skipped
    assert "(fix: write the value at overlays/dev/kustomization.yaml:5 as a plain one" in skipped["dev"]
    assert list(released) == ["prod"], released
    assert git(origin, "show", "main:overlays/dev/kustomization.yaml") == dev


YIELDS_DEV = APPLICATION.replace("https://github.com/acme/deploy.git", "https://example.com/acme/gitops.git")


def _app_of_apps(tmp_path: Path, image: str, files: dict[str, str], path: str = "root.yaml") -> str:
    """What ``plan`` says of a repository whose one environment, dev, is deployed from ``path``
    (exit 2 where dev pins nothing: docs/reference/exit-codes.md)."""
    repo = tmp_path / "repo"
    config = (
        f"version: 1\nimages:\n  - name: {image}\n    repository: {image}\n"
        f"environments:\n  - name: dev\n    path: {path}\n    write: commit\n"
    )
    write(repo, {**_base(image), "gitops-bot.yaml": config, **files})
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "an app of apps")
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(repo))
    assert code in (0, 2), err
    return out + err


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{{ nosuchfunction .Values.x }}\n", 'function "nosuchfunction" not defined'),
        ('x: {{ required "repoURL is required" .Values.repoURL }}\n', "repoURL is required"),
    ],
)
def test_an_app_of_apps_chart_helm_refuses_is_said_in_helms_words(
    tmp_path: Path, image: str, template: str, words: str
) -> None:
    said = _app_of_apps(
        tmp_path,
        image,
        {
            "root.yaml": app_of_apps.root("apps"),
            "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
            "apps/templates/applications.yaml": YIELDS_DEV.format(env="dev", revision="HEAD") + template,
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    assert words in said and "apps/templates/applications.yaml" in said, said


def test_a_kustomization_an_app_of_apps_yields_over_a_remote_base_reads_as_the_overlay_would(
    tmp_path: Path, image: str
) -> None:
    """kubectl is never run on it (it would fetch the base): the rules' reading stands, as for
    the overlay named directly, and the remote base is said once."""
    said = _app_of_apps(
        tmp_path,
        image,
        {
            "root.yaml": app_of_apps.root("apps"),
            "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
            "apps/templates/applications.yaml": YIELDS_DEV.format(env="dev", revision="HEAD"),
            "overlays/dev/kustomization.yaml": f"resources:\n- ../../base\n- {REMOTE}\n",
        },
    )
    assert f"remote base {REMOTE}: not followed" in said, said
    assert "1.0.0  ->  1.1.0" in said and "propose:" in said and "unsupported" not in said, said


def test_a_root_application_beside_a_broken_one_in_its_file_is_followed(tmp_path: Path, image: str) -> None:
    """The other Application's path is a mapping YAML cannot construct (an unquoted template):
    that document is refused alone, as kubectl applies each of the file's documents."""
    broken = "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: other\n"
    said = _app_of_apps(
        tmp_path,
        image,
        {
            "root.yaml": app_of_apps.root("apps") + broken + "spec:\n  source:\n    path: {{ x }}\n",
            "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
            "apps/templates/applications.yaml": YIELDS_DEV.format(env="dev", revision="HEAD"),
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        },
    )
    assert "1.0.0  ->  1.1.0" in said and "ApplicationSet" not in said, said


def test_a_root_application_whose_path_holds_only_itself_is_said(tmp_path: Path, image: str) -> None:
    """Argo CD applies the directory, the root itself: nothing of dev's is in it, and the
    reading says why rather than only that nothing names the image."""
    said = _app_of_apps(
        tmp_path, image, {"roots/dev/root.yaml": app_of_apps.root("roots/dev")}, "roots/dev/root.yaml"
    )
    assert "roots/dev" in said.split("files read", 1)[-1], said


CHART = {
    "chart/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
    "chart/values.yaml": 'image:\n  repository: {image}\n  tag: "1.0.0"\n',
    "chart/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n"
        '    spec:\n      containers:\n        - name: app\n          image: "{{ .Values.image.repository }}'
        ':{{ .Values.image.tag }}"\n'
    ),
}


HELM_KEYS = "    helm: {repository: image.repository, tag: image.tag}\n"


def _parameter_app(env: str, value: str) -> str:
    """An Application of ``chart`` setting image.tag by a helm parameter of ``value`` (line 15)."""
    helm = f"    helm:\n      parameters:\n      - name: image.tag\n        value: {value}\n"
    return APPLICATION.format(env=env, revision="HEAD").replace(
        f"path: overlays/{env}\n", f"path: chart\n{helm}"
    )


@pytest.mark.parametrize("value", ['&tag "1.0.0"', "|-\n          1.0.0", '!!str "1.0.0"'])
def test_an_argo_cd_parameter_not_written_in_place_is_unsupported_and_the_others_release(
    tmp_path: Path, image: str, value: str
) -> None:
    """dev's Application sets the tag by a helm parameter whose value carries an anchor, a tag
    or spans lines: the editor does not write it in place, so plan says dev's pin is
    unsupported at its line, and update skips dev in that line and releases prod (where the
    editor's refusal ended the whole run, exit 2, after plan had proposed dev)."""
    files = {
        **{k: v.replace("{image}", image) for k, v in CHART.items()},
        "apps/dev.yaml": _parameter_app("dev", value),
        "apps/prod.yaml": _parameter_app("prod", '"1.0.0"'),
    }
    envs = [f"  - name: {e}\n    path: apps/{e}.yaml\n    write: commit\n" for e in ("dev", "prod")]
    config = _config(image, *envs).replace("environments:", HELM_KEYS + "environments:")
    origin = _origin(tmp_path, files, config)
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(tmp_path / "seed"), "--output", "json")
    assert code == 0, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    assert readings["dev"]["status"] == "unsupported", readings["dev"]
    assert "apps/dev.yaml:15" in readings["dev"]["reason"], readings["dev"]
    released, skipped = _update(tmp_path, origin)
    assert list(skipped) == ["dev"] and "cannot edit in place" in skipped["dev"], skipped
    assert "(fix: write the value at apps/dev.yaml:15 as a plain one" in skipped["dev"], skipped
    assert list(released) == ["prod"], released
    assert git(origin, "show", "main:apps/dev.yaml") == files["apps/dev.yaml"]
    assert 'value: "1.1.0"' in git(origin, "show", "main:apps/prod.yaml")


def _kargo_stage(name: str, upstream: str, task: str) -> str:
    """A Kargo Stage taking freight from ``upstream`` (a Warehouse where empty), its promotion a
    step running the PromotionTask ``task``."""
    sources = "      direct: true\n" if not upstream else f"      stages:\n      - {upstream}\n"
    return (
        f"apiVersion: kargo.akuity.io/v1alpha1\nkind: Stage\nmetadata:\n  name: {name}\n  namespace: shop\n"
        "spec:\n  requestedFreight:\n  - origin: {kind: Warehouse, name: shop}\n    sources:\n"
        f"{sources}  promotionTemplate:\n    spec:\n      steps:\n      - task: {{name: {task}}}\n"
    )


KARGO_TASK = """apiVersion: kargo.akuity.io/v1alpha1
kind: PromotionTask
metadata: {name: promote, namespace: shop}
spec:
  steps:
  - uses: git-clone
    config:
      repoURL: https://github.com/acme/shop.git
      checkout:
      - branch: main
        path: ./src
  - uses: kustomize-set-image
    config:
      path: ./src/overlays/${{ ctx.stage }}
      images:
      - image: IMAGE
"""


def _kargo_init(tmp_path: Path, image: str, stages: list[str], extra: dict[str, str]) -> tuple[int, str, str]:
    repo = tmp_path / "repo"
    overlays = {
        f"overlays/{e}/kustomization.yaml": "resources:\n- ../../base\n" for e in ("dev", "prod", "qa")
    }
    write(
        repo,
        {
            **_base(image),
            **overlays,
            "kargo/stages.yaml": "---\n".join(stages),
            "kargo/task.yaml": KARGO_TASK.replace("IMAGE", image),
            **extra,
        },
    )
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "kargo stages")
    return netwatch.bot(tmp_path, "init", "--repo", str(repo))


def test_a_kargo_promotion_task_running_itself_is_read_to_the_step_bound(tmp_path: Path, image: str) -> None:
    """dev's Stage runs a PromotionTask whose one step runs that task again: init read the steps
    until it had written or refused 200 paths, and a task step adds neither, so it never ended
    (a hang). Steps are counted as read; dev is still found by its overlay, prod by its Stage."""
    loop = "apiVersion: kargo.akuity.io/v1alpha1\nkind: PromotionTask\nmetadata: {name: loop}\nspec:\n"
    stages = [_kargo_stage("dev", "", "loop"), _kargo_stage("prod", "dev", "promote")]
    code, out, err = _kargo_init(
        tmp_path, image, stages, {"kargo/loop.yaml": loop + "  steps:\n  - task: {name: loop}\n"}
    )
    assert code in (0, 2), err
    assert out.count('- name: "dev"') == 1 and out.count('- name: "prod"') == 1, out
    assert "Kargo Stage prod in kargo/stages.yaml" in out, out
    assert "Kargo Stage dev: its steps, its tasks' included, go past 200" in out, out


def test_kargo_stages_taking_freight_in_a_cycle_order_nothing_and_are_said(
    tmp_path: Path, image: str
) -> None:
    """dev takes freight from prod, qa from dev, prod from qa: no promotion order, where init
    listed dev twice in the configuration it proposed (its first plan then refused it:
    'environment 'dev' is listed twice') and printed nothing else."""
    stages = [_kargo_stage("dev", "prod", "promote"), _kargo_stage("qa", "dev", "promote")]
    code, out, err = _kargo_init(tmp_path, image, [*stages, _kargo_stage("prod", "qa", "promote")], {})
    assert code in (0, 2) and "listed twice" not in err, err
    for env in ("dev", "qa", "prod"):
        assert out.count(f'- name: "{env}"') == 1, out
    assert '  promote_from: "' not in out and "take freight from each other in a cycle" in out, out


def _matrix(*generators: str) -> str:
    """A matrix generator of ``generators`` (each one generator's lines, at the list's indent)."""
    inner = "".join("\n".join("    " + ln for ln in g.splitlines()) + "\n" for g in generators)
    return f"- matrix:\n    generators:\n{inner}"


def _elements(key: str, values: list[str]) -> str:
    return "- list:\n    elements:\n" + "".join(f"    - {{{key}: {v}}}\n" for v in values)


def test_a_matrix_of_matrices_is_bounded_before_it_is_multiplied(tmp_path: Path, image: str) -> None:
    """dev is one of 250 x 250 x 250 Applications an ApplicationSet's nested matrices make from
    a 30 kB file: the reading multiplied them all (15.6 million parameter sets) before keeping
    its 500, and ran out of memory (a MemoryError's traceback under a 2 GB address space).
    Under the bound the run reads dev and proposes its release."""
    many = [f"x{i}" for i in range(249)]
    generators = _matrix(
        _matrix(_elements("env", ["dev", *many]), _elements("zone", ["a", *many])),
        _elements("tier", ["web", *many]),
    )
    template = app_of_apps.APPSET.split("  generators:\n")[1].split("  template:\n")[1]
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: envs\n  namespace: argocd\n"
        "spec:\n  goTemplate: true\n  generators:\n"
        + "".join(f"  {ln}\n" for ln in generators.splitlines())
        + "  template:\n"
        + template.format(template_name="app-{{.env}}", repo=app_of_apps.HERE, path="overlays/{{.env}}")
    )
    repo = tmp_path / "repo"
    config = _config(image, "  - name: dev\n    path: appset.yaml\n    write: commit\n")
    files = {**_base(image), "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n"}
    write(repo, {**files, "appset.yaml": appset, "gitops-bot.yaml": config})
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "nested matrices")
    code, out, err = netwatch.bot(
        tmp_path, "plan", "--repo", str(repo), prefix=("prlimit", f"--as={2 << 30}")
    )
    assert code == 0 and "1.0.0  ->  1.1.0" in out, out + err


def test_an_application_past_the_generated_bound_is_said_as_past_it(tmp_path: Path, image: str) -> None:
    """dev's Application is the 601st of an ApplicationSet's list: past the 500 read of one
    file. The reading said 'nothing dev renders names the image' (as if dev deployed nothing
    of it); now dev is unsupported, the bound named, and prod beside it still proposed."""
    elements = _elements("env", [*(f"x{i}" for i in range(600)), "dev"])
    template = app_of_apps.APPSET.split("  template:\n")[1]
    appset = (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: envs\n  namespace: argocd\n"
        "spec:\n  goTemplate: true\n  generators:\n"
        + "".join(f"  {ln}\n" for ln in elements.splitlines())
        + "  template:\n"
        + template.format(template_name="app-{{.env}}", repo=app_of_apps.HERE, path="overlays/{{.env}}")
    )
    envs = ("  - name: dev\n    path: appset.yaml\n", "  - name: prod\n    path: overlays/prod\n")
    repo = tmp_path / "repo"
    write(
        repo,
        {
            **_base(image),
            "appset.yaml": appset,
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
            "gitops-bot.yaml": _config(image, *envs),
        },
    )
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "dev past the bound, prod beside it")
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(repo), "--output", "json")
    assert code == 0, err
    plan = json.loads(out)
    readings = {r["environment"]: r for r in plan["reading"]}
    assert readings["dev"]["status"] == "unsupported", readings["dev"]
    assert "envs generates more than 500 Applications" in readings["dev"]["reason"], readings["dev"]
    assert readings["dev"]["fix"], readings["dev"]
    prod = next(e for e in plan["environments"] if e["name"] == "prod")
    assert [i["action"] for i in prod["images"]] == ["update"], prod


HELMRELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: app
  namespace: apps
spec:
  interval: 5m
  chart:
    spec:
      chart: app
      sourceRef: {{kind: HelmRepository, name: charts}}
  values:
{values}"""


def test_a_helmrelease_patch_of_the_repository_key_alone_keeps_the_tag_below_it(
    tmp_path: Path, image: str
) -> None:
    """dev's overlay patches its HelmRelease's spec.values with image.repository alone (a
    mirror's key, say); kustomize merges it over the base's, so the base's tag still renders.
    The reading took the patch as dev's whole pin, '(no tag)', plan proposed dev, and update
    ended the whole run at exit 2 ('Helm values key image.tag is not in the file'), prod
    unreleased. Now dev inherits the base's tag and its release adds image.tag to its patch."""
    patch = HELMRELEASE.replace("  interval: 5m\n", "").split("  chart:\n")[0] + "  values:\n"
    files = {
        "base/kustomization.yaml": "resources:\n- hr.yaml\n",
        "base/hr.yaml": HELMRELEASE.format(
            values=f"    image:\n      repository: {image}\n      tag: 1.0.0\n"
        ),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\npatches:\n- path: p.yaml\n",
        "overlays/dev/p.yaml": patch + f"    image:\n      repository: {image}\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\npatches:\n- path: p.yaml\n",
        "overlays/prod/p.yaml": patch + "    image:\n      tag: 1.0.0\n",
    }
    envs = [f"  - name: {e}\n    path: overlays/{e}\n    write: commit\n" for e in ("dev", "prod")]
    config = _config(image, *envs).replace("environments:", HELM_KEYS + "environments:")
    origin = _origin(tmp_path, files, config)
    released, skipped = _update(tmp_path, origin)
    assert skipped == {} and sorted(released) == ["dev", "prod"], (released, skipped)
    assert git(origin, "show", "main:base/hr.yaml") == files["base/hr.yaml"]
    dev = git(origin, "show", "main:overlays/dev/p.yaml")
    assert dev.startswith(files["overlays/dev/p.yaml"]) and "      tag: 1.1.0\n" in dev, dev


@pytest.mark.parametrize(("value", "kind"), [("1.10", "float"), ("true", "bool"), ("100", "int")])
def test_an_argo_cd_parameter_value_that_is_no_string_is_said(
    tmp_path: Path, image: str, value: str, kind: str
) -> None:
    """dev's Application sets image.tag by a helm parameter written plain as a number or a
    bool: Argo CD's Application schema takes the value as a string, so the API server refuses
    the Application and nothing of it is applied. The reading said nothing of it (dev 'runs
    1.10'); now plan says it at its line with the fix."""
    files = {
        **{k: v.replace("{image}", image) for k, v in CHART.items()},
        "apps/dev.yaml": _parameter_app("dev", value),
    }
    repo = tmp_path / "repo"
    config = _config(image, "  - name: dev\n    path: apps/dev.yaml\n").replace(
        "environments:", HELM_KEYS + "environments:"
    )
    write(repo, {**files, "gitops-bot.yaml": config})
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "a parameter that is no string")
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(repo))
    assert code in (0, 2), err
    said = f"apps/dev.yaml:15: helm parameter image.tag: {value} is YAML's {kind}, not the string Argo CD's"
    assert said in out + err and f'quote it (value: "{value}")' in out + err, out + err


def test_an_overlay_deleting_the_only_object_under_its_own_images_entry_is_not_rendered(
    tmp_path: Path, image: str
) -> None:
    """dev's overlay pins the image by its own images: entry and deletes the base's one
    Deployment ($patch: delete): kubectl renders nothing for dev, so the entry sets no image
    that runs. plan proposed dev (the empty render proved nothing) and update released it."""
    delete = "$patch: delete\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n"
    dev = f"resources:\n- ../../base\npatches:\n- path: del.yaml\nimages:\n- name: {image}\n  newTag: 1.0.0\n"
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": dev,
        "overlays/dev/del.yaml": delete,
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    envs = [f"  - name: {e}\n    path: overlays/{e}\n    write: commit\n" for e in ("dev", "prod")]
    origin = _origin(tmp_path, files, _config(image, *envs))
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(tmp_path / "seed"), "--output", "json")
    assert code == 0, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    assert readings["dev"]["status"] == "not_rendered", readings["dev"]
    assert "overlays/dev/del.yaml deletes it ($patch: delete)" in readings["dev"]["reason"], readings["dev"]
    released, skipped = _update(tmp_path, origin)
    assert list(released) == ["prod"] and "dev" not in skipped, (released, skipped)
    assert git(origin, "show", "main:overlays/dev/kustomization.yaml") == dev


def test_init_never_tells_a_switch_to_a_branch_named_like_an_option(tmp_path: Path, image: str) -> None:
    """main holds no deploy file; config holds the overlays, and so do refs named
    '--upload-pack=touch_x' and '-x' (git branch refuses such names, git update-ref writes them;
    git switch would read them as options). init's line named the first of them, sorted before
    config: 'git switch --upload-pack=touch_x and run gitops-bot init --repo . again'."""
    repo = tmp_path / "repo"
    write(repo, {"README.md": "the app's sources\n"})
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "sources")
    git(repo, "switch", "-q", "-c", "config")
    write(repo, {**_base(image), "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n"})
    commit(repo, "manifests")
    held = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "switch", "-q", "main")
    for name in ("--upload-pack=touch_x", "-x"):
        git(repo, "update-ref", f"refs/heads/{name}", held)
    code, out, err = netwatch.bot(tmp_path, "init", "--repo", str(repo))
    assert code == 2 and "git switch config and run" in out + err, out + err
    assert "upload-pack" not in out + err and "switch -x" not in out + err, out + err
    assert not (tmp_path / "touch_x").exists() and not (repo / "touch_x").exists()


def _lending(env: str, value_file: str) -> str:
    """An Application of the chart web from a chart repository, its value file lent by a ref
    source of this repository."""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {env}\nspec:\n  sources:\n"
        "    - repoURL: https://charts.example.com/\n      chart: web\n      targetRevision: 1.0.0\n"
        f"      helm:\n        valueFiles:\n          - {value_file}\n"
        "    - repoURL: https://github.com/acme/deploy.git\n      targetRevision: main\n      ref: values\n"
    )


@pytest.mark.parametrize(
    ("value_file", "words"),
    [("$values/../outside/values.yaml", "outside the repository"), ("$values/values", "is a directory")],
)
def test_a_lent_value_file_argo_cd_cannot_hand_helm_is_the_applications_refusal(
    tmp_path: Path, image: str, value_file: str, words: str
) -> None:
    """dev's Application lends the chart a value file leading out of the repository (Argo CD
    refuses a value file resolved outside the repository's root) or naming a directory (helm
    reads no directory as values): Argo CD renders nothing of dev. The reading called it
    '(another source), not followed' and dev 'not rendered here' with no reason or fix."""
    values = f'image:\n  repository: {image}\n  tag: "1.0.0"\n'
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/values.yaml").write_text(values)
    files = {
        "apps/dev.yaml": _lending("dev", value_file),
        "apps/prod.yaml": _lending("prod", "$values/values/prod.yaml"),
        "values/prod.yaml": values,
    }
    envs = [f"  - name: {e}\n    path: apps/{e}.yaml\n    write: commit\n" for e in ("dev", "prod")]
    config = _config(image, *envs).replace("environments:", HELM_KEYS + "environments:")
    origin = _origin(tmp_path, files, config)
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(tmp_path / "seed"), "--output", "json")
    assert code == 0, err
    readings = {r["environment"]: r for r in json.loads(out)["reading"]}
    assert readings["dev"]["status"] == "unsupported" and words in readings["dev"]["reason"], readings["dev"]
    released, skipped = _update(tmp_path, origin)
    assert list(skipped) == ["dev"] and words in skipped["dev"] and "(fix: " in skipped["dev"], skipped
    assert list(released) == ["prod"], released


CRD = (
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: applications.argoproj.io\n"
    "spec:\n  group: argoproj.io\n  names:\n    kind: Application\n    plural: applications\n  scope: Namespaced\n"
    "  versions: []\n"
)


def test_an_application_in_flow_style_beside_a_definition_is_read(tmp_path: Path, image: str) -> None:
    """dev's file holds Argo CD's CustomResourceDefinition, then dev's Application written as
    JSON: the one kind at a line's start is the definition's, so the file was taken for
    definitions alone and never parsed ('nothing dev renders names the image'); kubectl applies
    both, and Argo CD renders dev's overlay."""
    application = json.dumps(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "app-dev", "namespace": "argocd"},
            "spec": {
                "source": {"repoURL": "https://github.com/acme/deploy.git", "targetRevision": "HEAD"}
                | {"path": "overlays/dev", "kustomize": {"images": [f"{image}:1.0.0"]}}
            },
        }
    )
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
        "apps/dev.yaml": f"{CRD}---\n{application}\n",
    }
    repo = tmp_path / "repo"
    write(repo, {**files, "gitops-bot.yaml": _config(image, "  - name: dev\n    path: apps/dev.yaml\n")})
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "a definition and a JSON Application")
    code, out, err = netwatch.bot(tmp_path, "plan", "--repo", str(repo), "--output", "json")
    assert code == 0, err
    (dev,) = [r for r in json.loads(out)["reading"] if r["environment"] == "dev"]
    assert dev["status"] == "pinned" and dev["pins"][-1]["file"] == "apps/dev.yaml", dev


def test_a_vendored_chart_kustomize_refuses_to_inflate_is_the_environments_refusal(
    tmp_path: Path, image: str
) -> None:
    """dev's kustomization inflates a chart vendored under its charts/ with a values file the
    repository lacks: kubectl kustomize refuses it (as Argo CD and Flux would), where the bot
    released dev as if it built, saying nothing. Now dev is skipped in kustomize's words and
    prod released; nothing dev renders edited."""
    files = {
        **_base(image),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\nhelmCharts:\n- name: web\n"
        "  version: 1.0.0\n  valuesFile: nothere.yaml\n",
        "overlays/dev/charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
        "overlays/dev/charts/web/values.yaml": "a: b\n",
        "overlays/dev/charts/web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    envs = [f"  - name: {e}\n    path: overlays/{e}\n    write: commit\n" for e in ("dev", "prod")]
    origin = _origin(tmp_path, files, _config(image, *envs))
    kept = {
        f: git(origin, "show", f"main:{f}")
        for f in ("base/deployment.yaml", *(k for k in files if "dev" in k))
    }
    released, skipped = _update(tmp_path, origin)
    assert list(skipped) == ["dev"] and "kubectl kustomize failed" in skipped["dev"], skipped
    assert "nothere.yaml" in skipped["dev"] and "(fix: " in skipped["dev"], skipped
    assert list(released) == ["prod"], released
    assert {f: git(origin, "show", f"main:{f}") for f in kept} == kept
