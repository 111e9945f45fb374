"""``gitops-bot init`` on the tags a repository pins: what its config says of a tag carrying its
digest, read through the config reader and the plan as a person runs them."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli, config
from gitops_bot.output.as_json import document
from testkit.local_git import write

DIGEST = "sha256:" + "1d" * 32
HELMRELEASE = f"""\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: radarr
spec:
  chart:
    spec:
      chart: app-template
      version: 3.5.1
      sourceRef: {{kind: HelmRepository, name: bjw-s}}
  values:
    controllers:
      radarr:
        containers:
          app:
            image:
              repository: ghcr.io/onedr0p/radarr
              tag: 6.4.1.10545@{DIGEST}
"""


def test_a_tag_carrying_its_digest_configures_digest_in_tag_and_plans_the_tag(tmp_path: Path) -> None:
    """Renovate's tag: 6.4.1.10545@sha256:... in a HelmRelease: init guessed a regex over the
    digest's hex and wrote no digestInTag, so a release would have dropped the digest."""
    repo = write(
        tmp_path,
        {
            # each environment's own HelmRelease: a release writes its spec.values in place (a
            # base's, under overlays, no kustomize images: entry reaches: the marked render says so)
            "overlays/dev/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
            "overlays/dev/helmrelease.yaml": HELMRELEASE,
            "overlays/prod/kustomization.yaml": "resources:\n- helmrelease.yaml\n",
            "overlays/prod/helmrelease.yaml": HELMRELEASE,
        },
    )
    result = cli.execute(["init", "--repo", str(repo), "--output", "json"])
    doc = document(result)
    assert doc is not None
    text = doc["init"]["config"]
    image = config.parse(text, "gitops-bot.yaml").image("ghcr.io/onedr0p/radarr")
    assert image is not None
    assert "digestInTag: true" in text and "sha256" not in str(image.policy)
    assert image.policy.order == "version"
    pins = [i for e in doc["environments"] for i in e["images"]]
    assert {(i["current"]["tag"], i["current"]["digest"]) for i in pins} == {("6.4.1.10545", DIGEST)}
