"""The rendered diff counts a Flux HelmRelease's ``spec.values`` reference that is the image, its
repository unchanged, as the image: a release writing the whole reference there changes only the
image, and the pull request says so rather than "⚠ more than the images changes"."""

from __future__ import annotations

from gitops_bot.render.diff import ImageDiff, compare, section

RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata:
  name: api-chart
  namespace: staging
spec:
  values:
    host: staging.api
    image: {image}
"""
BEFORE = "public.ecr.aws/a6o8o7v2/api-image:0.0.11"
AFTER = "public.ecr.aws/a6o8o7v2/api-image:0.0.12@sha256:" + "a" * 64


def test_a_helmrelease_values_reference_of_the_image_is_the_image() -> None:
    got = compare("staging", "apps/staging", RELEASE.format(image=BEFORE), RELEASE.format(image=AFTER))
    assert got.only_images, got.other
    assert got.images == (ImageDiff("HelmRelease staging/api-chart", "spec.values.image", BEFORE, AFTER),)
    assert "Rendered output differs only in these images." in section((got,))


def test_another_repository_or_another_value_is_more_than_the_image() -> None:
    moved = compare(
        "staging",
        "apps/staging",
        RELEASE.format(image=BEFORE),
        RELEASE.format(image="ghcr.io/x/other:0.0.12"),
    )
    assert not moved.only_images and moved.images == ()
    host = compare(
        "staging",
        "apps/staging",
        RELEASE.format(image=BEFORE),
        RELEASE.format(image=AFTER).replace("staging.api", "prod.api"),
    )
    assert not host.only_images
    assert host.other == ("HelmRelease staging/api-chart: spec.values.host: staging.api -> prod.api",)


def test_a_configured_helm_key_under_a_helmreleases_values_is_the_image() -> None:
    # redis: {tag: 7.0.5} in an overlay's values patch, released to 7.2.4: the pull request
    # warned '⚠ more than the images changes' of the very key the release writes
    tagged = RELEASE.replace(
        "    image: {image}\n", "    redis:\n      repository: redis\n      tag: {image}\n"
    )
    got = compare(
        "staging", "apps/staging", tagged.format(image="7.0.5"), tagged.format(image="7.2.4"), ("redis.tag",)
    )
    assert got.only_images, got.other
    assert got.images == (
        ImageDiff("HelmRelease staging/api-chart", "spec.values.redis.tag", "7.0.5", "7.2.4"),
    )
    plain = compare("staging", "apps/staging", tagged.format(image="7.0.5"), tagged.format(image="7.2.4"))
    assert not plain.only_images  # a key no image is configured with stays a difference
