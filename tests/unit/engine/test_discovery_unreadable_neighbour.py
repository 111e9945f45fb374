"""A file one environment renders that no tool reads (a key written twice) is that environment's
failure: muhammadsadek94/ArgoCD's ConfigMap set REDIS_HOST twice, and every environment's reading
was lost with it, so ``mysql:5.7`` was guessed as pinning no tag (``policy: digest, tag: latest``)
and a release would have moved MySQL 5.7 to latest's digest; on mitchross/talos-argocd-proxmox,
58 of 82 images were written so for one file of one of 24 environments."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.engine.discovery import discover
from testkit.local_git import write

MYSQL = (
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mysql\nspec:\n  template:\n    spec:\n"
    "      containers:\n      - name: mysql\n        image: 705689285387.dkr.ecr.us-east-1.amazonaws.com/mysql:5.7\n"
)
WEB = MYSQL.replace("mysql", "web").replace(
    "705689285387.dkr.ecr.us-east-1.amazonaws.com/web:5.7", "ghcr.io/acme/web:1.4.2"
)
# muhammadsadek94/ArgoCD@ad63bac5's kubernetes/php-configMap.yaml, cut: a key written twice, no image
CONFIG_MAP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: php-config\ndata:\n"
    '  REDIS_HOST: "redis-host"\n  APP_NAME: "OneART"\n  REDIS_HOST: "cache.example.net"\n'
)


def test_a_pinned_tag_is_guessed_from_its_file_when_its_environment_cannot_be_read(tmp_path: Path) -> None:
    found = discover(write(tmp_path, {"kubernetes/mysql.yaml": MYSQL, "kubernetes/config.yaml": CONFIG_MAP}))
    (mysql,) = [i for i in found.images if i.name.endswith("/mysql")]
    assert mysql.guess.keys.get("policy") == "semver", (mysql.guess.keys, mysql.guess.why)
    assert "latest" not in mysql.guess.keys.values()
    assert any("duplicate key 'REDIS_HOST'" in n for n in found.notes)


def _overlays(tmp_path: Path, bad: str) -> Path:
    kustomization = "resources:\n- web.yaml\n"
    return write(
        tmp_path,
        {
            "overlays/dev/kustomization.yaml": kustomization + "- config.yaml\n",
            "overlays/dev/web.yaml": WEB,
            "overlays/dev/config.yaml": bad,
            "overlays/prod/kustomization.yaml": kustomization,
            "overlays/prod/web.yaml": WEB,
        },
    )


def test_a_duplicate_key_is_kustomizes_refusal_of_that_environment_only(tmp_path: Path) -> None:
    """kustomize refuses the build (``mapping key "REDIS_HOST" already defined``); the other
    environment is read, and the refusal is said on the image with the file."""
    (web,) = discover(_overlays(tmp_path, CONFIG_MAP)).images
    assert web.environments == ("prod",), web
    assert web.tags == ("1.4.2",), web
    assert any("kustomize" in n and "refuses overlays/dev/config.yaml" in n for n in web.notes), web.notes


def test_an_environment_the_bot_cannot_read_leaves_the_others_read(tmp_path: Path) -> None:
    """A file nested past the bot's bound is no tool's refusal but the bot's own: the reading of
    that environment fails, said, and its images' tags are read from the files that write them."""
    bomb = "deep: " + "[" * 1200 + "]" * 1200 + "\n"
    found = discover(_overlays(tmp_path, bomb))
    (web,) = found.images
    assert web.environments == ("prod",), web
    assert web.guess.keys.get("policy") == "semver", web.guess
    # said as the file not read, as an alias bomb is: what it sets is not known
    assert any(
        n.startswith("overlays/dev/config.yaml: not YAML") and "nested deeper" in n for n in found.notes
    ), found.notes


def test_an_image_only_a_refused_environment_renders_is_guessed_from_its_written_tag(tmp_path: Path) -> None:
    """mitchross/talos-argocd-proxmox@38e5c2f8: one refused kustomization of the development
    environment left 15 of its images guessed as pinning no tag (nginx:1.31-alpine among them)."""
    kustomization = "resources:\n- web.yaml\n- config.yaml\n"
    files = {"overlays/dev/kustomization.yaml": kustomization, "overlays/dev/web.yaml": WEB}
    found = discover(write(tmp_path, {**files, "overlays/dev/config.yaml": CONFIG_MAP}))
    (web,) = found.images
    assert web.guess.keys.get("policy") == "semver", web.guess
    assert any("refuses overlays/dev/config.yaml" in n for n in web.notes), web.notes


def test_annotations_written_twice_in_an_objects_metadata_are_read_as_kustomize_reads_them(
    tmp_path: Path,
) -> None:
    """talos-argocd-proxmox's kafka.yaml writes ``annotations:`` twice under its Deployment's
    metadata: ``kubectl kustomize`` (5.6) renders it, both merged, so the environment runs it and
    no refusal is true; written twice anywhere else (its pod template's, a ConfigMap's data) it
    refuses (``mapping key ... already defined``)."""
    twice = WEB.replace(
        "  name: web\n", '  name: web\n  annotations:\n    a: "1"\n  annotations:\n    b: "2"\n', 1
    )
    found = discover(_overlays(tmp_path, twice.replace("name: web", "name: kafka", 1)))
    (web,) = found.images
    assert web.environments == ("dev", "prod"), web
    assert not [n for n in web.notes if "refuses" in n], web.notes
    inner = WEB.replace(
        "  template:\n",
        '  template:\n    metadata:\n      annotations: {a: "1"}\n      annotations: {b: "2"}\n',
        1,
    )
    (web,) = discover(_overlays(tmp_path / "inner", inner.replace("name: web", "name: kafka", 1))).images
    assert web.environments == ("prod",), web


def _deployment(name: str, image: str) -> str:
    return MYSQL.replace("mysql", name).replace(
        f"705689285387.dkr.ecr.us-east-1.amazonaws.com/{name}:5.7", image
    )


def _apps(tmp_path: Path, beat_overlay: str) -> Path:
    return write(
        tmp_path,
        {
            "beat/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "beat/base/deployment.yaml": _deployment("beat", "elastic/filebeat"),
            "beat/overlays/dev/kustomization.yaml": beat_overlay,
            "files/base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "files/base/deployment.yaml": _deployment("files", "filebrowser/filebrowser:v2.30.0"),
            "files/overlays/dev/kustomization.yaml": "resources:\n- ../../base\n- deep.yaml\n",
            "files/overlays/dev/deep.yaml": "deep: " + "[" * 1200 + "]" * 1200 + "\n",
        },
    )


def test_an_images_entry_tag_is_guessed_from_when_its_environment_cannot_be_read(tmp_path: Path) -> None:
    """phucbone/k8s-kustomize@2eb89745: dev could not be read (there a patch writing spec: twice,
    here a file nested past the bound), and filebeat's
    base writes no tag, its overlay's images: entry 7.17.24. The image was guessed as pinning no tag
    (policy digest, tag latest); written and the YAML fixed, update proposed 7.17.24 -> latest."""
    overlay = 'resources:\n- ../../base\nimages:\n- name: elastic/filebeat\n  newTag: "7.17.24"\n'
    found = discover(_apps(tmp_path, overlay))
    (beat,) = [i for i in found.images if i.name == "elastic/filebeat"]
    assert beat.tags == ("7.17.24",), beat
    assert beat.guess.keys.get("policy") == "semver", beat.guess


def test_an_image_whose_own_unit_is_read_whole_is_read_beside_a_refused_one(tmp_path: Path) -> None:
    """The file nested past the bound is one unit's (files/overlays/dev), refused as kustomize
    refuses it; filebeat's unit (beat/overlays/dev) is read whole, so its reading stands: it
    pins no tag, latest runs. Where the environment's reading failed whole, it was said as read
    in no environment instead of guessed (what the unit's refusal now makes precise)."""
    found = discover(_apps(tmp_path, "resources:\n- ../../base\n"))
    (beat,) = [i for i in found.images if i.name == "elastic/filebeat"]
    assert beat.environments == ("dev",), beat
    files = [i for i in found.images if i.name == "filebrowser/filebrowser"]
    assert files and any("refuses files/overlays/dev/deep.yaml" in n for n in files[0].notes), files
