"""``gitops-bot init --registry`` against a real registry (the CNCF distribution on loopback):
each guessed policy is checked against the tags that exist, and says which tag it would choose
over the one pinned today; the first plan under the config then proposes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_bot import cli
from gitops_bot.manifests import images
from gitops_bot.output.as_json import document
from gitops_bot.output.result import Result
from testkit import kubetools
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess

DEPLOY = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - name: {name}\n        image: {image}\n"
)


def _pushed(registry: RegistryProcess, tmp_path: Path, prefix: str, tags: tuple[str, ...]) -> str:
    """The image ``app`` the registry serves under each of ``tags`` (each its own bytes), in a
    namespace of the test's own (``prefix`` and a number from ``tmp_path``)."""
    ns = f"{prefix}{abs(hash(str(tmp_path))) % 10**8}"
    pusher = Pusher.to(registry.url)
    try:
        for tag in tags:
            pusher.image(f"{ns}/app", tag, salt=f"{ns}-{tag}")
    finally:
        pusher.close()
    return f"{registry.host}/{ns}/app"


def _init(root: Path, files: dict[str, str], *flags: str) -> tuple[Result, dict[str, Any]]:
    """``init --registry FLAGS --output json`` on a repository of ``files``: its result and the
    document it printed."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    result = cli.execute(["init", "--repo", str(root), "--registry", *flags, "--output", "json"])
    doc = document(result)
    assert doc is not None
    return result, doc


def test_registry_checks_each_guessed_policy_and_names_the_tag_it_would_choose(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    image = _pushed(registry, tmp_path, "init", ("1.0.0", "1.2.0", "2.0.0", "latest"))
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(name="app", image=f"{image}:1.0.0"),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
    }
    result, doc = _init(tmp_path, files)
    assert result.exit_code == 0
    (check,) = doc["init"]["checks"]
    # within the pinned major: 2.0.0 is a decision for a person, not an update
    assert check.startswith(f"{image}: 4 tags; semver would choose 1.2.0 (pinned today: 1.0.0)"), check
    (item,) = [i for e in doc["environments"] for i in e["images"]]
    assert item["action"] == "update" and item["candidate"]["tag"] == "1.2.0"


def test_a_pinned_tag_the_guessed_policy_leaves_out_is_said(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    """Two majors pinned: the guess keeps the highest, and the check names the pin it leaves
    out (the plan would move it across a major), not only the tag it would choose."""
    image = _pushed(registry, tmp_path, "initpin", ("1.0.0", "2.0.0", "2.1.0"))
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(name="app", image=f"{image}:1.0.0"),
        "overlays/dev/kustomization.yaml": f"resources:\n- ../../base\nimages:\n- name: {image}\n  newTag: 2.0.0\n",
        "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
    }
    result, doc = _init(tmp_path, files)
    assert result.exit_code == 0
    (check,) = doc["init"]["checks"]
    assert check.startswith(f"{image}: 3 tags; semver would choose 2.1.0"), check
    assert "pinned 1.0.0 is outside range >=2.0.0 <3.0.0: widen the range" in check, check


def test_offline_registries_leave_the_config_and_the_reachable_registries_checks(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    """One registry reachable, one not (nothing listens on 127.0.0.1:1): init --registry still
    writes the config it found, checks the image whose registry answered and plans it, and the
    one error line names only the registry it could not reach (exit 3)."""
    image = _pushed(registry, tmp_path, "initoff", ("1.0.0", "1.2.0"))
    files = {
        "base/kustomization.yaml": "resources:\n- app.yaml\n- db.yaml\n",
        "base/app.yaml": DEPLOY.format(name="app", image=f"{image}:1.0.0"),
        "base/db.yaml": DEPLOY.format(name="db", image="127.0.0.1:1/acme/db:3.0.0"),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
    }
    result, doc = _init(tmp_path, files, "--write")
    assert result.exit_code == 3
    assert (tmp_path / "gitops-bot.yaml").read_text() == doc["init"]["config"]
    checks = doc["init"]["checks"]
    assert any(c.startswith(f"{image}: 2 tags; semver would choose 1.2.0") for c in checks), checks
    assert any(c.startswith("127.0.0.1:1/acme/db: tags not read") for c in checks), checks
    items = {i["image"]: i for e in doc["environments"] for i in e["images"]}
    assert items[image]["action"] == "update" and items[image]["candidate"]["tag"] == "1.2.0"
    assert items["127.0.0.1:1/acme/db"]["action"] == "skip"
    (line,) = cli.output.error_lines(result)
    assert "registry 127.0.0.1:1 unreachable" in line
    assert registry.host not in line


def test_a_version_and_commit_pin_is_checked_by_the_build_newest_would_choose(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    """CI's ``<version>-<commit>`` tags are guessed ``newest`` within the version: the check
    reads the created times newest orders by (as the plan does), never 'would choose no tag'."""
    builds = ("3.6.0-d381d5b8", "3.6.0-4d09b7bd", "3.6.0-2a7c1e90")
    image = _pushed(registry, tmp_path, "initbuild", ("3.5.2", *builds))
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(name="app", image=f"{image}:3.6.0-4d09b7bd"),
        "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
    }
    result, doc = _init(tmp_path, files)
    assert result.exit_code == 0
    (check,) = doc["init"]["checks"]
    assert check.startswith(f"{image}: 4 tags; newest would choose 3.6.0-"), check
    assert "no tag" not in check and "created time" not in check, check


def test_two_apps_sharing_a_kustomize_name_are_planned_each_from_its_own_repository(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    """Two apps' overlays rename one kustomize name (``name: back``) to two repositories: two
    images keyed by repository, each proposed its own repository's tag and digest, each written
    in its own app's overlay; the collision said with both files."""
    shop = _pushed(registry, tmp_path, "shop", ("1.0.0", "1.2.0"))
    blog = _pushed(registry, tmp_path, "blog", ("1.0.0", "1.5.0"))
    files = {}
    for app, image in (("shop", shop), ("blog", blog)):
        files[f"{app}/base/kustomization.yaml"] = "resources:\n- deploy.yaml\n"
        files[f"{app}/base/deploy.yaml"] = DEPLOY.format(name=app, image="back")
        files[f"{app}/overlays/dev/kustomization.yaml"] = (
            f"resources:\n- ../../base\nimages:\n- name: back\n  newName: {image}\n  newTag: 1.0.0\n"
        )
    result, doc = _init(tmp_path, files, "--write")
    assert result.exit_code == 0
    text = (tmp_path / "gitops-bot.yaml").read_text()
    assert f'- name: "{shop}"' in text and f'- name: "{blog}"' in text and '- name: "back"' not in text
    said = [n for n in text.splitlines() if "image back:" in n]  # on each image it became
    assert len(said) == 2 and all(n.startswith("  # note: image back:") for n in said), said
    assert (
        "shop/overlays/dev/kustomization.yaml" in said[0]
        and "blog/overlays/dev/kustomization.yaml" in said[0]
    )
    items = {i["image"]: i for e in doc["environments"] for i in e["images"]}
    assert items[shop]["candidate"]["tag"] == "1.2.0" and items[blog]["candidate"]["tag"] == "1.5.0"
    assert items[shop]["candidate"]["digest"] != items[blog]["candidate"]["digest"]
    # the editor a release uses writes each app's proposal into its own overlay's entry, in
    # place (its name and newName kept), and kustomize renders each app its own repository's
    for app, image in (("shop", shop), ("blog", blog)):
        rel = f"{app}/overlays/dev/kustomization.yaml"
        old = (tmp_path / rel).read_text()
        proposed = items[image]["candidate"]
        update = images.Update(image, image, proposed["tag"], proposed["digest"])
        edited = images.edit(old, rel, [images.ImageSpec(image)], [update]).text
        assert edited == old.replace(
            "newTag: 1.0.0", f"newTag: {proposed['tag']}\n  digest: {proposed['digest']}"
        )
        (tmp_path / rel).write_text(edited)
        rendered = kubetools.kustomize(tmp_path / app / "overlays/dev")
        assert f"image: {image}:{proposed['tag']}@{proposed['digest']}" in rendered


def test_a_base_two_apps_rename_in_one_environment_is_planned_each_from_its_own_repository(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    """One base Deployment (``image: back``) two apps' kustomizations build in one environment,
    each renaming it to its own repository: each proposed its own repository's tag and digest,
    never the first app's for both."""
    shop = _pushed(registry, tmp_path, "shop1", ("1.0.0", "1.2.0"))
    blog = _pushed(registry, tmp_path, "blog1", ("1.0.0", "1.5.0"))
    files = {
        "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
        "base/deploy.yaml": DEPLOY.format(name="back", image="back"),
        "envs/dev/kustomization.yaml": "resources:\n- ../../shop\n- ../../blog\n",
    }
    for app, image in (("shop", shop), ("blog", blog)):
        files[f"{app}/kustomization.yaml"] = (
            f"namePrefix: {app}-\nresources:\n- ../base\nimages:\n- name: back\n  newName: {image}\n"
            "  newTag: 1.0.0\n"
        )
    result, doc = _init(tmp_path, files)
    assert result.exit_code == 0
    items = {i["image"]: i for e in doc["environments"] for i in e["images"]}
    assert "back" not in items
    assert items[shop]["candidate"]["tag"] == "1.2.0" and items[blog]["candidate"]["tag"] == "1.5.0"
    assert items[shop]["candidate"]["digest"] != items[blog]["candidate"]["digest"]


# carbonauten/gitops-starter@0085fdd4 (and ZackZhouHB/zack-gitops-project@fcb0f91d): an Argo CD
# Application's helm.values pin image.repository and image.tag: latest of the chart beside it, whose
# template writes "{{ .Values.image.repository }}:{{ .Values.image.tag }}". init guessed policy:
# digest with no place for the digest, and its own first plan refused it ("latest stays tag-only").
_CHART_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: content-hub}
spec:
  template:
    spec:
      containers:
        - name: content-hub
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""
_CHART_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: content-hub, namespace: argocd}}
spec:
  project: default
  source:
    repoURL: "https://github.com/carbonauten/gitops-starter"
    path: "gitops/charts/content-hub"
    targetRevision: HEAD
    helm:
      values: |-
        image:
          repository: {image}
          tag: latest
  destination: {{server: https://kubernetes.default.svc, namespace: default}}
"""


def test_a_moving_tag_in_helm_values_is_pinned_by_digest_in_its_tag_key(
    tmp_path: Path, registry: RegistryProcess
) -> None:
    image = _pushed(registry, tmp_path, "inittag", ("latest",))
    files = {
        "gitops/charts/content-hub/Chart.yaml": "apiVersion: v2\nname: content-hub\nversion: 0.1.0\n",
        "gitops/charts/content-hub/values.yaml": f"image:\n  repository: {image}\n  tag: latest\n",
        "gitops/charts/content-hub/templates/deployment.yaml": _CHART_DEPLOY,
        "platform/argocd/content-hub-application.yaml": _CHART_APP.format(image=image),
    }
    result, doc = _init(tmp_path, files)
    assert "digestInTag: true" in doc["init"]["config"], doc["init"]["config"]
    (item,) = [i for e in doc["environments"] for i in e["images"]]
    assert (item["action"], item["reason"]) == ("update", "pin latest to its digest"), item
    assert result.exit_code == 0
