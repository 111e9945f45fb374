"""A chart whose template writes an image as REPOSITORY@DIGEST from its values (GCP's
secrets-store provider, ``image.hash``; barkardk/gitops-demo): no key holds a tag a release could
write, so init configures no entry, and says so with the file and the fix, never silently."""

from __future__ import annotations

from pathlib import Path

from gitops_bot import cli
from testkit.local_git import committed
from testkit.small_repos import deployment

_DIGEST = "sha256:b7dde5ed536b2c6500c9237e14f6851cf8a2ff6d7a72656c3741be38e2cddf4d"


def _init(root: Path, files: dict[str, str]) -> object:
    return cli.execute(["init", "--repo", str(committed(root, files))]).body


def test_a_values_block_pinning_a_digest_alone_is_said(tmp_path: Path) -> None:
    """sec-mgmt/kubernetes/secrets-store-csi-driver-provider-gcp (deployed by sec-mgmt/Makefile's
    `helm upgrade --install`): values.yaml `image: {repository: us-docker.pkg.dev/…/plugin,
    hash: sha256:…}`, its template `{{ .Values.image.repository }}@{{ .Values.image.hash }}`.
    init gave the image no entry and no `# not read:` line (and an entry cannot be written by
    hand: `helm` needs `tag`). Beside another environment's image it is silent; alone, init
    says only `no image or chart they pin`. Should: the image said, with the file, line and why."""
    plugin = "us-docker.pkg.dev/secretmanager-csi/provider/plugin"
    body = _init(
        tmp_path / "repo",
        {
            "Makefile": "deploy:\n\thelm upgrade --install provider charts/provider\n\tkubectl apply -f k8s/\n",
            "k8s/web.yaml": deployment("web", "nginx:1.27.3"),
            "charts/provider/Chart.yaml": "apiVersion: v2\nname: provider\nversion: 0.1.0\n",
            "charts/provider/values.yaml": f"image:\n  repository: {plugin}\n  hash: {_DIGEST}\n",
            "charts/provider/templates/daemonset.yaml": (
                "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: provider}\nspec:\n  template:\n"
                "    spec:\n      containers:\n        - name: provider\n"
                '          image: "{{ .Values.image.repository }}@{{ .Values.image.hash }}"\n'
            ),
        },
    )
    config = body.init.config  # type: ignore[attr-defined]
    (said,) = [line for line in config.splitlines() if plugin in line]
    assert (
        "# not read: charts/provider/values.yaml: " in said and "pinned by digest alone (image.hash" in said
    )
    assert "add a tag key to the chart's values and template" in said, said
