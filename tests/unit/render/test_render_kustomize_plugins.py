"""A kustomization naming a kustomize plugin (KSOPS's ``kind: ksops`` generator, a KRM function)
among its generators or transformers: kubectl refuses it with external plugins disabled, and the
bot runs no repository's program, so the render is left to the rules, which read the overlay's
images as they are; a builtin generator renders as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_bot.render import tools
from testkit import in_process, small_repos
from testkit.kubetools import kubectl
from testkit.local_git import commit, git, write

DEPLOYMENT = small_repos.deployment("web", "nginx:1.27")


def test_a_ksops_secret_generator_leaves_the_overlays_images_read(tmp_path: Path) -> None:
    """ukyi-app/homelab@a21f0ba (last session's T4): platform/cache/prod (and cloudflared, cnpg,
    victoria-stack) list `generators: [secret-generator.yaml]`, a KSOPS generator (kind: ksops)
    that decrypts a SOPS Secret where Argo CD runs with --enable-alpha-plugins --enable-exec.
    The real kubectl refuses it ("external plugins disabled; unable to load external plugin
    'ksops'"), so 16 of the repository's 28 pins are `unsupported` with the fix "fix what kubectl
    kustomize names" -- the repository is not broken. A generator making a Secret writes no image:
    the overlay's images are read (as without the renderer), the generator said as not run."""
    root = tmp_path / "repo"
    write(
        root,
        {
            "platform/cache/prod/kustomization.yaml": (
                "namespace: cache\nresources:\n- deployment.yaml\ngenerators:\n- secret-generator.yaml\n"
                "generatorOptions:\n  disableNameSuffixHash: true\n"
            ),
            "platform/cache/prod/secret-generator.yaml": (
                "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: cache-r2-creds\n"
                "  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ksops\n"
                "files:\n- ./cache-r2-creds.enc.yaml\n"
            ),
            "platform/cache/prod/cache-r2-creds.enc.yaml": "apiVersion: v1\nkind: Secret\nsops: {}\n",
            "platform/cache/prod/deployment.yaml": DEPLOYMENT.replace(
                "nginx:1.27", "valkey/valkey:9.1.0-alpine"
            ),
        },
    )
    git(root, "init", "-q", "-b", "main")
    commit(root, "init")
    done = in_process.run(
        ["init", "--repo", str(root), "--output", "json"], {"GITOPS_BOT_KUBECTL": kubectl()}
    )
    (got,) = [r for r in json.loads(done.out)["reading"] if r["image"] == "valkey/valkey"]
    assert got["status"] == "pinned", got


@pytest.mark.parametrize(
    ("config", "said"),
    [
        (
            "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata: {name: s}\nfiles: [a.enc.yaml]\n",
            "ksops in gen.yaml",
        ),
        (
            "apiVersion: example.com/v1\nkind: SetLabels\nmetadata:\n  name: s\n  annotations:\n"
            "    config.kubernetes.io/function: |\n      container: {image: example/fn}\n",
            "SetLabels in gen.yaml",
        ),
        ("apiVersion: builtin\nkind: SecretGenerator\nmetadata: {name: s}\nliterals: [a=b]\n", None),
    ],
)
def test_a_plugin_among_generators_is_why_the_kustomization_is_not_rendered(
    tmp_path: Path, config: str, said: str | None
) -> None:
    write(
        tmp_path,
        {
            "kustomization.yaml": "resources: [deployment.yaml]\ngenerators: [gen.yaml]\n",
            "gen.yaml": config,
            "deployment.yaml": DEPLOYMENT,
        },
    )
    why = tools.remote(tmp_path, tmp_path, {})
    if said is None:
        assert why is None
    else:
        assert why is not None and why.startswith(f"{said}: a kustomize plugin"), why


def test_a_kustomization_naming_no_generator_or_transformer_is_not_built_to_look_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every reading asks whether each kustomization it would render has a plugin: one whose text
    names no ``generators``, ``transformers`` or ``validators`` has none, and its document (a
    200-image overlay's: ~7 ms each time) is not built to find that out."""
    entries = "".join(
        f"- name: app{i}\n  newName: registry.example/app{i}\n  newTag: 1.0.0\n" for i in range(200)
    )
    write(
        tmp_path,
        {
            "kustomization.yaml": f"resources: [deployment.yaml]\nimages:\n{entries}",
            "deployment.yaml": DEPLOYMENT,
        },
    )
    built: list[object] = []
    monkeypatch.setattr(tools.nodes, "constructed", lambda *a, **k: built.append(a) or {})
    assert tools.remote(tmp_path, tmp_path, {}) is None
    assert built == []
