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


def _obj(name: str, namespace: str | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {"kind": "Deployment", "metadata": meta}


def test_an_object_is_kept_by_its_whole_name_as_kustomize_renames_it() -> None:
    none = removed.Renames()
    assert not removed.kept([_obj("app-worker")], "Deployment", "app", None, none)
    assert removed.kept([_obj("app")], "Deployment", "app", None, none)
    by = removed.Renames(frozenset({"staging-", "eu-"}), frozenset({"-v2"}))
    assert removed.kept([_obj("eu-staging-app-v2")], "Deployment", "app", None, by)
    assert not removed.kept([_obj("staging-app-worker")], "Deployment", "app", None, by)
    assert not removed.kept([_obj("app")], "StatefulSet", "app", None, by)


def test_an_object_is_kept_in_its_namespace_or_one_a_kustomization_moves_it_to() -> None:
    assert not removed.kept([_obj("app", "b")], "Deployment", "app", "a", removed.Renames())
    moved = removed.Renames(namespaces=frozenset({"b"}))
    assert removed.kept([_obj("app", "b")], "Deployment", "app", "a", moved)
    assert removed.kept([_obj("app", "a")], "Deployment", "app", "a", removed.Renames())
