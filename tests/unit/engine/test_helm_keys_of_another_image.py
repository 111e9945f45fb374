"""Helm keys name a configured image only in values whose repository is that image's
(monosense-io/k8s-gitops@33abfe94, found by a newcomer): the runner controller configured by
image.repository/image.tag, and coredns's HelmRelease beside it under the same keys. The
controller's tag was read from coredns's values, and a release wrote the controller's
repository and digest into the DNS server's values."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from gitops_bot.engine.app import open_app
from gitops_bot.engine.discovery import discover
from testkit.local_git import committed, write

HELMRELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {name}, namespace: x}}
spec:
  interval: 1h
  chart:
    spec:
      chart: {name}
      version: 1.0.0
      sourceRef: {{kind: HelmRepository, name: charts}}
  values:
    image:
      repository: {repository}
      tag: "{tag}"
"""


def _repository(tmp_path: Path, files: dict[str, str]) -> Path:
    """A committed repository whose apps/ kustomization lists the HelmReleases among ``files``
    beside the HelmRepository they take their charts from."""
    releases = [PurePosixPath(f).name for f in files if f.startswith("apps/")]
    return committed(
        tmp_path / "repo",
        {
            "apps/kustomization.yaml": f"resources: [{', '.join([*releases, 'repo.yaml'])}]\n",
            "apps/repo.yaml": (
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
                "metadata: {name: charts, namespace: x}\nspec: {url: https://charts.example.com}\n"
            ),
            **files,
        },
    )


def test_helm_keys_name_an_image_only_where_they_hold_its_repository(tmp_path: Path) -> None:
    # monosense-io/k8s-gitops: the runner controller is named by image.repository/image.tag; the
    # coredns HelmRelease beside it uses the same keys for its own image, whose tag was read as
    # the controller's and into which a release wrote the controller's repository
    work = _repository(
        tmp_path,
        {
            "apps/controller.yaml": HELMRELEASE.format(
                name="controller", repository="ghcr.io/actions/gha-runner-scale-set-controller", tag="0.13.0"
            ),
            "apps/coredns.yaml": HELMRELEASE.format(
                name="coredns", repository="mirror.gcr.io/coredns/coredns", tag="1.11.1"
            ),
            "gitops-bot.yaml": (
                "version: 1\nimages:\n- name: ghcr.io/actions/gha-runner-scale-set-controller\n"
                "  policy: semver\n  helm: {repository: image.repository, tag: image.tag, digestInTag: true}\n"
                "environments:\n- name: prod\n  path: apps\n"
            ),
        },
    )
    app = open_app(work)
    (target,) = app.targets(app.config.environment("prod"))
    assert target.file == "apps/controller.yaml", target
    assert target.deployed is not None and target.deployed.tag == "0.13.0", target.deployed
    reading = app.reading(app.config.environment("prod")).image(
        "ghcr.io/actions/gha-runner-scale-set-controller"
    )
    assert reading is not None and {p.file for p in reading.pins} == {"apps/controller.yaml"}, reading


def test_a_mirror_of_the_image_under_the_keys_is_still_its_place(tmp_path: Path) -> None:
    """mirror.gcr.io/library/nginx for nginx: the same last name, a mirror the chart pulls from."""
    work = _repository(
        tmp_path,
        {
            "apps/web.yaml": HELMRELEASE.format(
                name="web", repository="mirror.gcr.io/library/nginx", tag="1.27.0"
            ),
            "gitops-bot.yaml": (
                "version: 1\nimages:\n- name: nginx\n  policy: semver\n"
                "  helm: {repository: image.repository, tag: image.tag}\n"
                "environments:\n- name: prod\n  path: apps\n"
            ),
        },
    )
    app = open_app(work)
    (target,) = app.targets(app.config.environment("prod"))
    assert target.file == "apps/web.yaml" and target.deployed is not None and target.deployed.tag == "1.27.0"


def test_another_image_of_the_same_last_name_on_the_same_registry_is_not_its_place(tmp_path: Path) -> None:
    """jomcgi/homelab@e5fce248 (trial15 T1): grimoire/frontend, configured by frontend.image.*,
    read at ships' values (frontend.image.repository: .../projects/ships/frontend), whose last name
    is the same; following the plan's fix, a release wrote grimoire's tag under ships' repository."""
    work = _repository(
        tmp_path,
        {
            "apps/grimoire.yaml": HELMRELEASE.format(
                name="grimoire", repository="ghcr.io/acme/homelab/grimoire/frontend", tag="1.0.0"
            ),
            "apps/ships.yaml": HELMRELEASE.format(
                name="ships", repository="ghcr.io/acme/homelab/ships/frontend", tag="2.0.0"
            ),
            "gitops-bot.yaml": (
                "version: 1\nimages:\n- name: ghcr.io/acme/homelab/grimoire/frontend\n"
                "  policy: semver\n  helm: {repository: image.repository, tag: image.tag}\n"
                "environments:\n- name: prod\n  path: apps\n"
            ),
        },
    )
    app = open_app(work)
    reading = app.reading(app.config.environment("prod")).image("ghcr.io/acme/homelab/grimoire/frontend")
    assert reading is not None and {p.file for p in reading.pins} == {"apps/grimoire.yaml"}, reading


REFERENCE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {name}, namespace: x}}
spec:
  interval: 1h
  chart:
    spec: {{chart: {name}, version: 1.0.0, sourceRef: {{kind: HelmRepository, name: charts}}}}
  values:
    image: {image}
"""


def test_a_whole_reference_key_naming_another_image_is_not_its_place(tmp_path: Path) -> None:
    """code-dot-org/k8s-gitops@aa176571 (newcomer16 N0): this repository's chart writes nginx at
    the values key image; the values another repository's chart is given hold image:
    ghcr.io/code-dot-org/cdo-rails@sha256:… at the same key, which was read as nginx's pin, and
    update wrote nginx over the rails image."""
    rails = "ghcr.io/acme/cdo-rails@sha256:" + "5" * 64
    work = _repository(
        tmp_path,
        {
            "apps/web.yaml": REFERENCE.format(name="web", image="docker.io/library/nginx:1.30.2"),
            "apps/rails.yaml": REFERENCE.format(name="rails", image=rails),
            "gitops-bot.yaml": (
                "version: 1\nimages:\n- name: docker.io/library/nginx\n  policy: semver\n"
                "  helm: {reference: image}\nenvironments:\n- name: prod\n  path: apps\n"
            ),
        },
    )
    app = open_app(work)
    reading = app.reading(app.config.environment("prod")).image("docker.io/library/nginx")
    assert reading is not None and {p.file for p in reading.pins} == {"apps/web.yaml"}, reading


def _release(name: str, values: str, chart: bool = True) -> str:
    spec = f"  chart:\n    spec: {{chart: {name}, version: 1.0.0, sourceRef: {{kind: HelmRepository, name: {name}}}}}\n"
    return (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        f"metadata: {{name: {name}, namespace: {name}}}\nspec:\n{spec if chart else ''}  values:\n{values}"
    )


def test_a_tag_alone_in_another_helmreleases_values_is_its_own_charts_image(tmp_path: Path) -> None:
    """simplelumine/k8s-gitops@0fe7a964 (newcomer16 N19, reduced by them): zitadel's HelmRelease
    sets image.repository and image.tag; simple-gemini's patch sets only image.tag latest (its
    chart's own image). The zitadel reading counted simple-gemini's line, and update wrote zitadel's
    tag there. Its note said 'over its chart None of None None' of the patch (no chart written)."""
    found = discover(
        write(
            tmp_path,
            {
                "clusters/production/kustomization.yaml": "resources:\n- zitadel.yaml\n- gemini.yaml\n",
                "clusters/production/zitadel.yaml": _release(
                    "zitadel", "    image: {repository: ghcr.io/zitadel/zitadel, tag: v4.17.1}\n"
                ),
                "clusters/production/gemini.yaml": _release(
                    "simple-gemini", "    image: {tag: latest}\n", chart=False
                ),
            },
        )
    )
    pins = [
        p.file
        for reading in found.readings.values()
        if (r := reading.image("ghcr.io/zitadel/zitadel")) is not None
        for p in r.pins
    ]
    assert pins and not [f for f in pins if f.endswith("gemini.yaml")], (pins, found.environments)
    assert not [n for n in found.notes if "None" in n], found.notes


def test_a_tag_alone_in_a_patch_of_another_helmrelease_is_its_own_charts_image(tmp_path: Path) -> None:
    """simplelumine/k8s-gitops@0fe7a964 (newcomer16 N19 in its real form, reduced by them): zitadel's HelmRelease patch sets image.repository
    ghcr.io/zitadel/zitadel + image.tag v4.17.1; simple-gemini's patch sets only image.tag "latest"
    (its chart, ./charts of a GitRepository, names its own image). zitadel's entry counted
    simple-gemini's line as a pin of zitadel; update --dry-run then wrote `tag: "v4.18.0"` into
    simple-gemini's patch (still so on eff38a31 for this form, which kustomize patches over a base)."""
    base = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: {n}, namespace: {n}}}\n"
        "spec:\n  chart:\n    spec: {{chart: {c}, sourceRef: {{kind: {k}, name: {n}}}}}\n"
    )
    patch = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: {n}, namespace: {n}}}\nspec:\n  values:\n{v}"
    found = discover(
        write(
            tmp_path,
            {
                "workloads/zitadel/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
                "workloads/zitadel/helmrelease.yaml": base.format(
                    n="zitadel", c="zitadel", k="HelmRepository"
                ),
                "workloads/gemini/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
                "workloads/gemini/helmrelease.yaml": base.format(
                    n="simple-gemini", c="./charts", k="GitRepository"
                ),
                "clusters/production/kustomization.yaml": (
                    "resources:\n- ../../workloads/zitadel\n- ../../workloads/gemini\npatches:\n"
                    "- path: zitadel-patch.yaml\n- path: gemini-patch.yaml\n"
                ),
                "clusters/production/zitadel-patch.yaml": patch.format(
                    n="zitadel", v="    image: {repository: ghcr.io/zitadel/zitadel, tag: v4.17.1}\n"
                ),
                "clusters/production/gemini-patch.yaml": patch.format(
                    n="simple-gemini", v="    image: {tag: latest}\n"
                ),
            },
        )
    )
    pins = [
        p.file
        for reading in found.readings.values()
        if (r := reading.image("ghcr.io/zitadel/zitadel")) is not None
        for p in r.pins
    ]
    assert pins and not [f for f in pins if f.endswith("gemini-patch.yaml")], (pins, found.environments)
