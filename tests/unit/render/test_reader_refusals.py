"""What kustomize refuses to build, the reader finds itself (where the tools are absent, and
before they run): each is that environment's refusal in one line naming the file, with the fix
(its images ``unsupported``, so nothing is released into it), and the other environments read
on. Each case is first built by the real ``kubectl kustomize`` (``.tools/bin``), whose refusal
the test quotes: the reader read every one of them as fine (pinned or inherited)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.core.reading import PinStatus
from gitops_bot.manifests import images
from gitops_bot.render import reader
from testkit.kubetools import kubectl
from testkit.local_git import write

APP = "ghcr.io/acme/app"
SPECS = [images.ImageSpec(APP, APP)]
DEPLOYMENT = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: app\n        image: ghcr.io/acme/app:1.0\n"
)
BASE = {
    "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
    "base/deployment.yaml": DEPLOYMENT,
    "overlays/prod/kustomization.yaml": "resources:\n- ../../base\n",
}
DEV = "overlays/dev/kustomization.yaml"
COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
JSON6902 = (
    "resources:\n- ../../base\npatches:\n- target:\n    kind: Deployment\n    name: app\n  patch: |-\n"
    "    - op: replace\n      path: /spec/template/spec/containers/1/image\n      value: ghcr.io/acme/app:2.0\n"
)

# (dev's files, what kubectl kustomize overlays/dev says, the reading's reason, its fix)
CASES = {
    "a resources: cycle": (
        {
            DEV: "resources:\n- ../../base\n- ../other\n",
            "overlays/other/kustomization.yaml": "resources:\n- ../dev\n",
        },
        "cycle detected: candidate root",
        "kustomize refuses overlays/other/kustomization.yaml: its resources: entry '../dev' leads back to "
        "overlays/dev, a kustomization this one is built in (a cycle)",
        "remove '../dev' from overlays/other/kustomization.yaml's resources: (a kustomization never lists "
        "itself or what holds it)",
    ),
    "a self-reference": (
        {DEV: "resources:\n- ../../base\n- .\n"},
        "cycle detected: candidate root",
        f"kustomize refuses {DEV}: its resources: entry '.' leads back to overlays/dev, a kustomization this "
        "one is built in (a cycle)",
        f"remove '.' from {DEV}'s resources: (a kustomization never lists itself or what holds it)",
    ),
    "a resource holding the overlay": (
        {DEV: "resources:\n- ../../base\n- ..\n", "overlays/kustomization.yaml": "resources:\n- prod\n"},
        "cycle detected: candidate root",
        f"kustomize refuses {DEV}: its resources: entry '..' is overlays, which holds overlays/dev, a "
        "kustomization this one is built in (a cycle)",
        f"remove '..' from {DEV}'s resources: (a kustomization never lists itself or what holds it)",
    ),
    "a Kustomization under components:": (
        {
            DEV: "resources:\n- ../../base\ncomponents:\n- ../../extra\n",
            "extra/kustomization.yaml": "resources: []\n",
        },
        "expected kind 'Component' for path",
        f"kustomize refuses {DEV}: its components: entry '../../extra' is a Kustomization "
        "(extra/kustomization.yaml), not a Component",
        "list '../../extra' under resources:, or make extra/kustomization.yaml a Component (apiVersion: "
        "kustomize.config.k8s.io/v1alpha1, kind: Component)",
    ),
    "a Component under resources:": (
        {
            DEV: "resources:\n- ../../base\n- ../../extra\n",
            "extra/kustomization.yaml": COMPONENT + "images:\n- name: x\n  newTag: '2'\n",
        },
        "expected kind != 'Component' for path",
        f"kustomize refuses {DEV}: its resources: entry '../../extra' is a Component "
        "(extra/kustomization.yaml), which only components: takes",
        f"move '../../extra' to {DEV}'s components:",
    ),
    "a JSON 6902 operation past the containers": (
        {DEV: JSON6902},
        "replace operation does not apply: doc is missing path: /spec/template/spec/containers/1/image",
        f"kustomize refuses {DEV}: patch {DEV}:8 (replace /spec/template/spec/containers/1/image) does not "
        "apply to Deployment app: it has no /spec/template/spec/containers/1 (its containers holds 1)",
        "point the operation's path at what Deployment app holds (kubectl kustomize overlays/dev shows it), "
        "or drop the operation",
    ),
    "two kustomization files": (
        {DEV: "resources:\n- ../../base\n", "overlays/dev/kustomization.yml": "resources:\n- ../../base\n"},
        "Found multiple kustomization files under",
        "kustomize refuses overlays/dev: it holds kustomization.yaml and kustomization.yml, and kustomize "
        "builds a directory of one kustomization file",
        "keep one of them: merge overlays/dev/kustomization.yml into overlays/dev/kustomization.yaml and "
        "remove it",
    ),
    "a resource out of the repository": (
        {DEV: "resources:\n- ../../base\n- ../../../shared\n"},
        "unable to find one of 'kustomization.yaml'",
        f"{DEV}: its resources: entry '../../../shared' leads out of the repository; what it names is in no "
        "commit, and the bot reads nothing outside the repository",
        "copy what it names into the repository and list that, or remove '../../../shared'",
    ),
    "an absolute resource": (
        {DEV: "resources:\n- ../../base\n- /etc/hostname\n"},
        "security; file '/etc/hostname' is not in or below",
        f"kustomize refuses {DEV}: its resources: entry '/etc/hostname' is an absolute path",
        "write it relative to overlays/dev, inside the repository, or remove it",
    ),
    "a resource file that is a top-level list": (
        {DEV: "resources:\n- ../../base\n- list.yaml\n", "overlays/dev/list.yaml": "- a\n- b\n"},
        "accumulating resources from 'list.yaml': missing Resource metadata",
        f"kustomize refuses {DEV}: accumulating resources from 'list.yaml': missing Resource metadata "
        "(overlays/dev/list.yaml:1 is a YAML list, not a Kubernetes object)",
        "write each document of overlays/dev/list.yaml as one object (apiVersion, kind, metadata.name), or "
        f"remove 'list.yaml' from {DEV}'s resources:",
    ),
    "a resource file whose second document is a bare value": (
        {
            DEV: "resources:\n- ../../base\n- cm.yaml\n",
            "overlays/dev/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\nhello\n",
        },
        "accumulating resources from 'cm.yaml': missing Resource metadata",
        f"kustomize refuses {DEV}: accumulating resources from 'cm.yaml': missing Resource metadata "
        "(overlays/dev/cm.yaml:6 is a bare value, not a Kubernetes object)",
        "write each document of overlays/dev/cm.yaml as one object (apiVersion, kind, metadata.name), or "
        f"remove 'cm.yaml' from {DEV}'s resources:",
    ),
    "a patch setting image: {}": (
        {
            DEV: "resources:\n- ../../base\npatches:\n- path: patch.yaml\n",
            "overlays/dev/patch.yaml": DEPLOYMENT.replace("image: ghcr.io/acme/app:1.0", "image: {}"),
        },
        "wrong node kind: expected ScalarNode but got MappingNode",
        f"kustomize refuses {DEV}: patch overlays/dev/patch.yaml:10 sets container app's image of Deployment "
        "app to a mapping (wrong node kind: expected ScalarNode but got MappingNode)",
        "write the image as one string (image: NAME:TAG) in overlays/dev/patch.yaml, or drop the patch; see "
        "it build with 'kubectl kustomize overlays/dev'",
    ),
    "an inline patch setting an image to a list": (
        {
            DEV: "resources:\n- ../../base\npatches:\n- patch: |-\n"
            + "".join(
                f"    {line}\n" for line in DEPLOYMENT.replace("ghcr.io/acme/app:1.0", "[a]").splitlines()
            )
        },
        "wrong node kind: expected ScalarNode but got SequenceNode",
        f"kustomize refuses {DEV}: patch {DEV}:14 sets container app's image of Deployment app to a list "
        "(wrong node kind: expected ScalarNode but got SequenceNode)",
        f"write the image as one string (image: NAME:TAG) in {DEV}, or drop the patch; see it build with "
        "'kubectl kustomize overlays/dev'",
    ),
    "a resource the repository does not hold": (
        {DEV: "resources:\n- ../../base\n- service.yaml\n"},
        "no such file or directory",
        f"kustomize refuses {DEV}: its resources: entry 'service.yaml' names overlays/dev/service.yaml, which "
        "the repository does not hold (no such file or directory)",
        f"add overlays/dev/service.yaml to the repository, or remove 'service.yaml' from {DEV}'s resources:",
    ),
    "a base the repository does not hold": (
        {DEV: "resources:\n- ../../base\n- ../../missing\n"},
        "no such file or directory",
        f"kustomize refuses {DEV}: its resources: entry '../../missing' names missing, which the repository "
        "does not hold (no such file or directory)",
        f"add missing to the repository, or remove '../../missing' from {DEV}'s resources:",
    ),
    "a patch file the repository does not hold": (
        {DEV: "resources:\n- ../../base\npatches:\n- path: patch.yaml\n"},
        "no such file or directory",
        f"kustomize refuses {DEV}: its patches: entry 'patch.yaml' names overlays/dev/patch.yaml, which the "
        "repository does not hold (no such file or directory)",
        f"add overlays/dev/patch.yaml to the repository, or remove 'patch.yaml' from {DEV}'s patches:",
    ),
    # kustomize names the first alone: each is named, so one fix adds them all (newcomer4's N3)
    "three resources the repository does not hold": (
        {DEV: "resources:\n- ../../base\n- sealed/a.yaml\n- sealed/b.yaml\n- sealed/c.yaml\n"},
        "no such file or directory",
        f"kustomize refuses {DEV}: its resources: entry 'sealed/a.yaml' names overlays/dev/sealed/a.yaml, "
        "which the repository does not hold (no such file or directory), and 2 more: 'sealed/b.yaml', "
        "'sealed/c.yaml'",
        f"add the 3 files to the repository, or remove those entries from {DEV}'s resources:",
    ),
    "eight resources the repository does not hold": (
        {DEV: "resources:\n- ../../base\n" + "".join(f"- s/{n}.yaml\n" for n in "abcdefgh")},
        "no such file or directory",
        f"kustomize refuses {DEV}: its resources: entry 's/a.yaml' names overlays/dev/s/a.yaml, which the "
        "repository does not hold (no such file or directory), and 7 more: 's/b.yaml', 's/c.yaml', "
        "'s/d.yaml', 's/e.yaml', …",
        f"add the 8 files to the repository, or remove those entries from {DEV}'s resources:",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_what_kustomize_refuses_is_that_environments_refusal(tmp_path: Path, case: str) -> None:
    files, said, reason, fix = CASES[case]
    root = write(tmp_path / "repo", {**BASE, **files})
    (tmp_path / "shared").mkdir()  # outside the repository: a directory with no kustomization
    built = subprocess.run(
        [kubectl(), "kustomize", str(root / "overlays/dev")], capture_output=True, text=True
    )
    assert built.returncode != 0 and said in built.stderr, built.stderr
    sources = [
        reader.Source("dev", ("overlays/dev",), (APP,)),
        reader.Source("prod", ("overlays/prod",), (APP,)),
    ]
    got = reader.Reader(reader.DiskTree(root), root, SPECS).read(sources)
    dev = got["dev"].image(APP)
    assert dev is not None and (dev.status, dev.reason, dev.fix) == (PinStatus.UNSUPPORTED, reason, fix), dev
    assert dev.would_write is None and not any(p.effective for p in dev.pins)
    assert got["dev"].blocked == (reason, fix)  # its charts, promotions and rollbacks too
    prod = got["prod"].image(APP)
    assert prod is not None and prod.status is PinStatus.INHERITED, prod  # read on, dev counted
    assert prod.would_write is not None and prod.would_write.file == "overlays/prod/kustomization.yaml"


def test_an_operation_within_the_containers_or_after_another_patch_is_not_refused(tmp_path: Path) -> None:
    """kustomize builds an add at the list's end, and a replace of index 1 after a patch adding
    a second container: neither is refused."""
    add = JSON6902.replace("op: replace", "op: add").replace("containers/1/image", "containers/1")
    add = add.replace("value: ghcr.io/acme/app:2.0", "value: {name: b, image: ghcr.io/acme/b:1}")
    both = add + JSON6902.partition("patches:\n")[2]
    for text in (add, both):
        root = write(tmp_path / "repo", {**BASE, DEV: text})
        subprocess.run([kubectl(), "kustomize", str(root / "overlays/dev")], check=True, capture_output=True)
        got = reader.Reader(reader.DiskTree(root), root, SPECS).read(
            [reader.Source("dev", ("overlays/dev",), (APP,))]
        )
        dev = got["dev"].image(APP)
        assert dev is not None and dev.status is not PinStatus.UNSUPPORTED, (text, dev)


def test_the_rendered_diff_renders_no_directory_kustomize_refuses(tmp_path: Path) -> None:
    """reach() (what the rendered diff asks before running kustomize): an overlay in a cycle is
    not rendered; it was, its cycle read once, where the note's words were looked for."""
    root = write(tmp_path, {**BASE, **CASES["a resources: cycle"][0]})
    assert not reader.reach(reader.DiskTree(root), root, root / "overlays/dev").local
    assert reader.reach(reader.DiskTree(root), root, root / "overlays/prod").local


def test_a_patch_adding_a_container_whose_image_is_a_mapping_is_not_refused(tmp_path: Path) -> None:
    """kustomize adds a container the object does not hold as the patch writes it (image: {}
    and all) and builds: the rules agree."""
    patch = DEPLOYMENT.replace(
        "name: app\n        image: ghcr.io/acme/app:1.0", "name: other\n        image: {}"
    )
    root = write(tmp_path / "repo", {**BASE, DEV: "resources:\n- ../../base\npatches:\n- path: p.yaml\n"})
    (root / "overlays/dev/p.yaml").write_text(patch)
    subprocess.run([kubectl(), "kustomize", str(root / "overlays/dev")], check=True, capture_output=True)
    got = reader.Reader(reader.DiskTree(root), root, SPECS).read(
        [reader.Source("dev", ("overlays/dev",), (APP,))]
    )
    assert got["dev"].refused == () and got["dev"].image(APP).status is PinStatus.PINNED  # type: ignore[union-attr]
