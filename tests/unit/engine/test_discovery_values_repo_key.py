"""Values blocks that name the image's repository ``repo:`` rather than ``repository:``
(karpor's chart: ``elasticsearch.image: {repo: docker.elastic.co/elasticsearch/elasticsearch,
tag: "8.6.2"}``; iamenr0s/gitops-argocd karpor/values.yml): the same pin, found with its own key
paths, where init neither read them nor said so."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

VALUES = """server:
  image:
    repo: kusionstack/karpor
    tag: ""
elasticsearch:
  image:
    repo: docker.elastic.co/elasticsearch/elasticsearch
    tag: "8.6.2"
etcd:
  image:
    repo: quay.io/coreos/etcd
    tag: "v3.5.11"
"""


def test_a_block_keyed_repo_is_an_image_with_its_own_key_paths(tmp_path: Path) -> None:
    found = discover(write(tmp_path, {"karpor/values-prod.yaml": VALUES}))
    helm = {i.name: dict(i.helm) for i in found.images}
    assert helm["docker.elastic.co/elasticsearch/elasticsearch"] == {
        "repository": "elasticsearch.image.repo",
        "tag": "elasticsearch.image.tag",
    }
    assert helm["quay.io/coreos/etcd"] == {"repository": "etcd.image.repo", "tag": "etcd.image.tag"}
    # karpor's tag is left empty: the chart's templates choose what runs (its appVersion), which
    # no file here tells; configured as "latest's digest", a plan proposed moving it to latest
    assert "kusionstack/karpor" not in helm
    (said,) = [n for n in found.notes if "kusionstack/karpor" in n]
    assert said.startswith("karpor/values-prod.yaml:4: kusionstack/karpor: the tag is left empty"), said
    assert "not configured" in said and "charts:" in said
    etcd = next(i for i in found.images if i.name == "quay.io/coreos/etcd")
    assert etcd.tags == ("v3.5.11",)
