"""A Flux ``:digest`` setter marker is written only when the request gives a digest: Flux's
setters leave a part the policy does not give as it is, so a new tag (or name and tag) keeps
the marked digest, while gitops-bot's own markers drop a stale digest with a new tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit import flux_setters

DIGEST = "sha256:" + "ab" * 32
FLUX = """images:
- name: app
  newName: ghcr.io/acme/app # {"$imagepolicy": "flux-system:app:name"}
  newTag: 1.0.0 # {"$imagepolicy": "flux-system:app:tag"}
  digest: %s # {"$imagepolicy": "flux-system:app:digest"}
""" % ("sha256:" + "12" * 32)
WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/app # {"$imagepolicy": "flux-system:app:name"}
        tag: "1.0.0" # {"$imagepolicy": "flux-system:app:tag"}
        digest: %s # {"$imagepolicy": "flux-system:app:digest"}
""" % ("sha256:" + "12" * 32)


@pytest.mark.parametrize("name", ["kustomization.yaml", "values.yaml"])
@pytest.mark.parametrize(
    "arg",
    [
        "flux-system:app:2.0.0",
        "flux-system:app=registry.example/app:2.0.0",
        f"flux-system:app:2.0.0@{DIGEST}",
    ],
)
@pytest.mark.parametrize("source", [FLUX, WORKLOAD], ids=["kustomization", "workload"])
def test_flux_digest_markers_are_written_as_flux_setters_write_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, name: str, arg: str
) -> None:
    target = tmp_path / name
    target.write_text(source)
    assert main(["set-image", "--file", str(target), arg]) == 0, capsys.readouterr().err
    assert target.read_text() == flux_setters.apply(source, flux_setters.PolicyRequest.parse(arg))


def test_own_digest_markers_still_drop_a_stale_digest_with_a_new_tag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = FLUX.replace('"$imagepolicy": "flux-system:app', '"gitops-bot": "ghcr.io/acme/app')
    target = tmp_path / "values.yaml"
    target.write_text(own)
    assert main(["set-image", "--file", str(target), "ghcr.io/acme/app:2.0.0"]) == 0, capsys.readouterr().err
    expected = own.replace("1.0.0", "2.0.0").replace("sha256:" + "12" * 32, '""')
    assert target.read_text() == expected
