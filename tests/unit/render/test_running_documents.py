"""A rendered stream's documents read one by one (ahgraber/homelab-gitops-k3s@f5ebeb5b, found by a
newcomer): kustomize writes an AlertmanagerConfig's matchType "=" as a plain `=`, YAML 1.1's value
tag, which PyYAML had no constructor for; the whole environment's render was read as running
nothing, and init's first plan failed with every image blamed on its own file."""

from __future__ import annotations

import yaml

from gitops_bot.manifests.guard import LOADER
from gitops_bot.render.running import running

DAEMONSET = (
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: kube-vip\nspec:\n  template:\n"
    "    spec:\n      containers:\n      - image: ghcr.io/kube-vip/kube-vip:v1.2.3\n        name: kube-vip\n"
)


def test_a_plain_equals_sign_is_the_string_it_is() -> None:
    assert yaml.load("matchType: =\nb: [=]\n", Loader=LOADER) == {"matchType": "=", "b": ["="]}
    stream = (
        "apiVersion: monitoring.coreos.com/v1alpha1\nkind: AlertmanagerConfig\nmetadata:\n  name: am\n"
        "spec:\n  route:\n    matchers:\n    - matchType: =\n      name: alertname\n      value: Watchdog\n"
        "---\n" + DAEMONSET
    )
    assert [r.image for r in running(stream)] == ["ghcr.io/kube-vip/kube-vip:v1.2.3"]


def test_a_document_the_parser_refuses_hides_no_other() -> None:
    stream = "---\n# Source: a/templates/x.yaml\nkind: ConfigMap\ndata: {a: [}\n---\n" + DAEMONSET
    assert [r.image for r in running(stream)] == ["ghcr.io/kube-vip/kube-vip:v1.2.3"]
