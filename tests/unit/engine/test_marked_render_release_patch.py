"""A Flux HelmRelease of a chart from a Helm repository, its ``spec.values`` in a shared base,
each environment an overlay patching the HelmRelease's values (the shape of
fluxcd/flux2-kustomize-helm-example): what the environment runs is the patched HelmRelease's
values, as ``kubectl kustomize`` (from ``.tools/bin``) renders it, and where a release goes is
the environment's own patch, proven by the marked render."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.config import load
from gitops_bot.core.reading import HELMRELEASE_KEY, EnvironmentReading, PinStatus
from gitops_bot.engine import proven
from gitops_bot.manifests import images, values_keys
from gitops_bot.render import reader
from testkit.kubetools import kubectl, kustomize
from testkit.local_git import write

REDIS = "public.ecr.aws/docker/library/redis"
RELEASE = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n"
    "  namespace: podinfo\nspec:\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n"
    "        kind: HelmRepository\n        name: podinfo\n  values:\n    redis:\n      enabled: true\n"
    f"      repository: {REDIS}\n      tag: 7.0.6\n"
)
OVERLAY = (
    "namespace: podinfo\nresources:\n- ../base/podinfo\npatches:\n- path: podinfo-values.yaml\n"
    "  target:\n    kind: HelmRelease\n"
)
PATCH = (
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n"
    "  namespace: podinfo\nspec:\n  values:\n{values}    ingress:\n      enabled: true\n"
)
CONFIG = (
    "version: 1\nrender:\n  kubectl: {kubectl}\nimages:\n  - name: " + REDIS + "\n    policy: semver\n"
    "    helm: {{repository: redis.repository, tag: redis.tag}}\nenvironments:\n"
    "  - name: staging\n    path: apps/staging\n  - name: production\n    path: apps/production\n"
)

Readings = dict[str, EnvironmentReading]
# staging's overlay deleting the base's HelmRelease podinfo
DROP = {
    "apps/staging/kustomization.yaml": "resources:\n- ../base/podinfo\npatches:\n- path: drop.yaml\n",
    "apps/staging/drop.yaml": (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n"
        "  namespace: podinfo\n$patch: delete\n"
    ),
}


def _proved(root: Path, staging_values: str = "") -> tuple[Readings, Readings]:
    write(
        root,
        {
            "gitops-bot.yaml": CONFIG.format(kubectl=kubectl()),
            "apps/base/podinfo/kustomization.yaml": "resources:\n- release.yaml\n",
            "apps/base/podinfo/release.yaml": RELEASE,
            "apps/staging/kustomization.yaml": OVERLAY,
            "apps/staging/podinfo-values.yaml": PATCH.format(values=staging_values),
            "apps/production/kustomization.yaml": OVERLAY,
            "apps/production/podinfo-values.yaml": PATCH.format(values=""),
        },
    )
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (REDIS,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules, proven.prove(config, root, list(config.environments), specs, rules)


def _read_again(root: Path) -> tuple[Readings, Readings]:
    """The rules' reading and the proven one of the tree ``root`` holds now."""
    config = load(root / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (REDIS,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(root), root, specs, root).read(sources)
    return rules, proven.prove(config, root, list(config.environments), specs, rules)


def test_the_overlays_values_patch_is_what_runs_and_where_a_release_goes(tmp_path: Path) -> None:
    # the rules read the base's 7.0.6 as running (and 7.0.5 "also"), and put a release into
    # apps/staging/kustomization.yaml's images:, which the marked render shows changes nothing
    _, judged = _proved(tmp_path, "    redis:\n      tag: 7.0.5\n")
    assert "tag: 7.0.5" in kustomize(tmp_path / "apps/staging")  # what the deploy tool renders
    staging = judged["staging"].images[0]
    assert staging.status is PinStatus.PINNED, staging
    assert staging.would_write is None
    pin = staging.effective
    assert pin is not None and (pin.file, pin.line, pin.tag) == (
        "apps/staging/podinfo-values.yaml",
        9,
        "7.0.5",
    )
    assert [p.file for p in staging.pins if p.effective] == ["apps/staging/podinfo-values.yaml"]


def test_a_value_inherited_from_the_base_is_released_into_the_overlays_own_patch(tmp_path: Path) -> None:
    # the rules put a release into apps/staging/kustomization.yaml's images:, and the plan said
    # 'a release writing apps/staging/kustomization.yaml changes nothing staging renders'
    rules, judged = _proved(tmp_path)
    for env in ("staging", "production"):
        got = judged[env].images[0]
        assert got.status is PinStatus.INHERITED, got
        pin = got.effective
        assert pin is not None and (pin.file, pin.line, pin.shared_with) == (
            "apps/base/podinfo/release.yaml",
            17,
            ("production",) if env == "staging" else ("staging",),
        )
        assert got.would_write is not None
        assert (got.would_write.file, got.would_write.form) == (
            f"apps/{env}/podinfo-values.yaml",
            HELMRELEASE_KEY,
        )
        assert got == rules[env].images[0]  # the rules' place, proven by the marked render
    # the keys a release adds there are what kubectl kustomize renders into the HelmRelease
    path = tmp_path / "apps/staging/podinfo-values.yaml"
    spec = images.ImageSpec(REDIS, REDIS, {"repository": "redis.repository", "tag": "redis.tag"})
    keys = values_keys.keys(judged["staging"].images[0], spec)
    edited = values_keys.own_layer(
        path.read_text(), str(path), [spec], [images.Update(REDIS, tag="7.0.7")], keys
    )
    path.write_text(edited.text)
    assert "tag: 7.0.7" in kustomize(tmp_path / "apps/staging")
    assert "tag: 7.0.7" not in kustomize(tmp_path / "apps/production")


def test_a_values_patch_kustomize_applies_to_nothing_is_no_release_place(tmp_path: Path) -> None:
    # its target names a HelmRelease the base does not hold: the keys a release would add there
    # reach nothing staging renders, which only the marked render shows
    _proved(tmp_path)
    overlay = tmp_path / "apps/staging/kustomization.yaml"
    overlay.write_text(OVERLAY + "    name: other\n")
    _, judged = _read_again(tmp_path)
    staging = judged["staging"].images[0]
    assert staging.status is PinStatus.UNSUPPORTED, staging
    assert staging.reason is not None and staging.reason.startswith(
        "a release writing apps/staging/podinfo-values.yaml changes nothing staging renders"
    )
    assert judged["production"].images[0].status is PinStatus.INHERITED


def test_the_values_patch_a_release_goes_into_is_the_patch_of_the_pins_helmrelease(tmp_path: Path) -> None:
    # two HelmReleases in the base, the overlay patching each (patchesStrategicMerge): the keys
    # went into the last patch listed, the other HelmRelease's (api-chart's), whose values
    # the redis of podinfo never reads
    other = RELEASE.replace("name: podinfo\n  namespace", "name: api-chart\n  namespace").split("  values:")[
        0
    ]
    other += "  values:\n    host: api\n"
    listed = (
        "namespace: podinfo\nresources:\n- ../base/podinfo\npatchesStrategicMerge:\n- podinfo-values.yaml\n"
    )
    listed += "- api-values.yaml\n"
    write(
        tmp_path,
        {
            "apps/base/podinfo/api.yaml": other,
            "apps/staging/api-values.yaml": PATCH.replace("name: podinfo", "name: api-chart").format(
                values=""
            ),
        },
    )
    _proved(tmp_path)
    (tmp_path / "apps/staging/kustomization.yaml").write_text(listed)
    (tmp_path / "apps/base/podinfo/kustomization.yaml").write_text("resources:\n- release.yaml\n- api.yaml\n")
    assert "name: api-chart" in kustomize(tmp_path / "apps/staging")
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (REDIS,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    staging = proven.prove(config, tmp_path, list(config.environments), specs, rules)["staging"].images[0]
    assert staging.status is PinStatus.INHERITED, staging
    assert staging.would_write is not None
    assert (staging.would_write.file, staging.would_write.form) == (
        "apps/staging/podinfo-values.yaml",
        HELMRELEASE_KEY,
    )


def test_an_environment_of_two_overlays_over_the_base_reads_its_pin_once(tmp_path: Path) -> None:
    # init wrote staging as apps/release and apps/staging (each a Flux Kustomization of its
    # cluster): the base's pin was listed twice, and the keys went into each overlay's last
    # patch listed, api-chart's
    other = RELEASE.replace("name: podinfo\n  namespace", "name: api-chart\n  namespace").split("  values:")[
        0
    ]
    listed = (
        "resources:\n- ../base/podinfo\npatchesStrategicMerge:\n- podinfo-values.yaml\n- api-values.yaml\n"
    )
    api = PATCH.replace("name: podinfo", "name: api-chart").format(values="")
    _proved(tmp_path)
    write(
        tmp_path,
        {
            "gitops-bot.yaml": CONFIG.format(kubectl=kubectl()).replace(
                "path: apps/staging", "paths: [apps/release, apps/staging]"
            ),
            "apps/base/podinfo/kustomization.yaml": "resources:\n- release.yaml\n- api.yaml\n",
            "apps/base/podinfo/api.yaml": other + "  values:\n    host: api\n",
            "apps/release/kustomization.yaml": "namespace: release\n" + listed,
            "apps/release/podinfo-values.yaml": PATCH.format(values=""),
            "apps/release/api-values.yaml": api,
            "apps/staging/kustomization.yaml": "namespace: podinfo\n" + listed,
            "apps/staging/api-values.yaml": api,
        },
    )
    config = load(tmp_path / "gitops-bot.yaml")
    specs = [images.ImageSpec(i.name, i.repository.location, dict(i.helm)) for i in config.images]
    sources = [reader.Source(e.name, tuple(e.paths), (REDIS,)) for e in config.environments]
    rules = reader.Reader(reader.DiskTree(tmp_path), tmp_path, specs, tmp_path).read(sources)
    staging = proven.prove(config, tmp_path, list(config.environments), specs, rules)["staging"].images[0]
    assert staging.status is PinStatus.INHERITED, staging
    assert [(p.file, p.line, p.effective) for p in staging.pins] == [
        ("apps/base/podinfo/release.yaml", 17, True)
    ]
    assert staging.would_write is not None
    assert staging.would_write.files == (
        "apps/release/podinfo-values.yaml",
        "apps/staging/podinfo-values.yaml",
    )


def test_a_helmrelease_an_overlay_deletes_gets_no_release_there(tmp_path: Path) -> None:
    # staging's overlay deletes the base's HelmRelease ($patch: delete): kubectl renders nothing
    # for it, and the rules still put a release (a no-op images: entry) into its kustomization
    _proved(tmp_path)
    write(tmp_path, DROP)
    assert "HelmRelease" not in kustomize(tmp_path / "apps/staging")  # what the deploy tool renders
    rules, judged = _read_again(tmp_path)
    assert rules["staging"].images[0].placed  # the rules' reading: a release into staging's layer
    staging = judged["staging"].images[0]
    assert (staging.status, staging.pins, staging.would_write, staging.fix) == (
        PinStatus.NOT_RENDERED,
        (),
        None,
        None,
    )
    assert staging.describe() == (
        "not rendered: kubectl kustomize apps/staging renders no HelmRelease podinfo, which sets it at "
        "apps/base/podinfo/release.yaml:17: apps/staging/drop.yaml deletes it ($patch: delete)"
    )
    assert judged["production"].images[0] == rules["production"].images[0]  # still released there


def test_a_helmrelease_renamed_by_a_prefix_is_still_the_one_that_runs(tmp_path: Path) -> None:
    # namePrefix renames the object it renders: it is there, under another name
    _proved(tmp_path)
    (tmp_path / "apps/staging/kustomization.yaml").write_text("namePrefix: staging-\n" + OVERLAY)
    assert "name: staging-podinfo" in kustomize(tmp_path / "apps/staging")
    _, judged = _read_again(tmp_path)
    assert judged["staging"].images[0].status is PinStatus.INHERITED


def test_an_object_named_longer_is_not_the_one_an_overlay_deletes(tmp_path: Path) -> None:
    # the base holds podinfo and podinfo-worker; staging deletes podinfo: podinfo-worker,
    # rendered still, holds the name whole only with a suffix no kustomization adds
    _proved(tmp_path)
    worker = RELEASE.replace("name: podinfo\n  namespace", "name: podinfo-worker\n  namespace", 1)
    write(
        tmp_path,
        {
            "apps/base/podinfo/kustomization.yaml": "resources:\n- release.yaml\n- worker.yaml\n",
            "apps/base/podinfo/worker.yaml": worker.split("  values:")[0],
            **DROP,
        },
    )
    rendered = kustomize(tmp_path / "apps/staging")  # what the deploy tool renders
    assert "name: podinfo-worker" in rendered and "name: podinfo\n  namespace" not in rendered
    _, judged = _read_again(tmp_path)
    staging = judged["staging"].images[0]
    assert staging.status is PinStatus.NOT_RENDERED, staging
    assert "apps/staging/drop.yaml deletes it" in (staging.reason or "")


def test_an_object_of_another_namespace_is_not_the_one_an_overlay_deletes(tmp_path: Path) -> None:
    # two HelmReleases named podinfo, in namespaces podinfo and other; staging deletes the one
    # in podinfo that sets the image: kustomize keeps the other, which does not
    _proved(tmp_path)
    other = RELEASE.replace("namespace: podinfo", "namespace: other", 1)
    write(
        tmp_path,
        {
            "apps/base/podinfo/kustomization.yaml": "resources:\n- release.yaml\n- other.yaml\n",
            "apps/base/podinfo/other.yaml": other.split("  values:")[0],
            **DROP,
        },
    )
    rendered = kustomize(tmp_path / "apps/staging")  # what the deploy tool renders
    assert "namespace: other" in rendered and "namespace: podinfo\n" not in rendered
    _, judged = _read_again(tmp_path)
    staging = judged["staging"].images[0]
    assert staging.status is PinStatus.NOT_RENDERED, staging
