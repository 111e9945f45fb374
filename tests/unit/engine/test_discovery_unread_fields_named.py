"""Images in fields no format reads, past the ones said one by one: each file holding one is
named in the count line, so an image that runs is never hidden behind "and N more"."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

RESOURCE = """apiVersion: example.com/v1
kind: {kind}
metadata: {{name: {name}}}
spec:
  image: {image}
"""


# solanyn/home-ops: 15 images in fields no format reads, all in files the one Flux cluster renders
# (MCPServers, a Dragonfly, a GarageCluster). init says ten one by one, then "5 more images in fields
# no format reads: <4 files> and 1 more": kubernetes/apps/storage/garage-operator/cluster/
# garage-cluster-handle.yaml:8 (GarageCluster spec.image dxflrs/garage:v2.3.0) is named nowhere. On
# f0033c37 it was named (the list then held 13 images, the count's 3 files all written out); the
# pod-template images said since then pushed it past the fourth name of the count.
def test_every_rendered_image_in_a_field_no_format_reads_names_its_file(tmp_path: Path) -> None:
    names = [f"mcp{n:02}" for n in range(14)] + ["garage"]
    files = {"cluster/kustomization.yaml": "resources:\n" + "".join(f"  - ./{n}.yaml\n" for n in names)}
    for n, name in enumerate(names):
        files[f"cluster/{name}.yaml"] = RESOURCE.format(
            kind="GarageCluster" if name == "garage" else "MCPServer",
            name=name,
            image=f"ghcr.io/acme/{name}:1.0.{n}",
        )
    found = discover(write(tmp_path, files))
    notes = "\n".join(found.notes)
    unnamed = [n for n in names if f"cluster/{n}.yaml" not in notes]
    assert not unnamed, (unnamed, notes)
