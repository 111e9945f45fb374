"""The file whose ``$patch: delete`` removes an object is found by the object's whole name: a
patch deleting ``podinfo-redis`` does not delete ``podinfo``."""

from __future__ import annotations

from gitops_bot.render import removed

DELETE = "$patch: delete\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {}\n"


def test_the_deleting_file_names_the_object_whole() -> None:
    texts = [("a.yaml", DELETE.format("podinfo-redis")), ("b.yaml", DELETE.format('"podinfo"'))]
    assert removed.deleter(texts, "HelmRelease", "podinfo") == "b.yaml"
    assert removed.deleter(texts[:1], "HelmRelease", "podinfo") is None
    assert removed.deleter(texts, "HelmRelease", "podinfo-redis") == "a.yaml"
