"""`gitops-bot plan` through the CLI, on the bundled example, against a real registry."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gitops_bot.cli import main
from gitops_bot.output.text import RULES_ONLY
from testkit import kubetools
from testkit.example import copy_example, seed_example
from testkit.oci import Pushed, Pusher
from testkit.registry_process import RegistryProcess
from testkit.relay import Answer, Relay


@pytest.fixture(scope="module")
def example_registry(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A registry of its own: the example's repository names are fixed."""
    with RegistryProcess(tmp_path_factory.mktemp("example-registry")) as reg:
        pusher = Pusher.to(reg.url)
        pushed = seed_example(pusher)
        pusher.close()
        yield reg, pushed


@pytest.fixture
def example(tmp_path: Path, example_registry: tuple[RegistryProcess, dict[str, Pushed]]) -> Path:
    reg, _ = example_registry
    return copy_example(tmp_path / "gitops", reg.host)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def items(plan: dict[str, Any], env: str) -> dict[str, dict[str, Any]]:
    (e,) = [e for e in plan["environments"] if e["name"] == env]
    return {i["image"]: i for i in e["images"]}


def test_plan_every_policy_against_real_registry(
    example: Path,
    example_registry: tuple[RegistryProcess, dict[str, Pushed]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, pushed = example_registry
    code, out, err = run(capsys, "plan", "--repo", str(example), "--output", "json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["schema"] == "gitops-bot/plan/v1"
    dev = items(plan, "dev")

    def cand(name: str) -> tuple[str, str, str]:
        c = dev[name]["candidate"]
        return dev[name]["action"], c["tag"], c["digest"]

    # semver ^1: skips 1.4.0-rc.1 and 2.0.0
    assert cand("example/app") == ("update", "1.4.1", pushed["acme/app:1.4.1"].digest)
    # regex with numeric extraction: pr-12-... does not match the pattern
    assert cand("example/worker") == (
        "update",
        "main-1767398400-9a8b7c6",
        pushed["acme/worker:main-1767398400-9a8b7c6"].digest,
    )
    # variant + precision kept; platform resolves the arm64 child of the index
    assert cand("example/proxy") == (
        "update",
        "1.27-alpine",
        pushed["mirror/nginx:1.27-alpine"].platforms["linux/arm64"],
    )
    # newest by created time among sha-* tags
    assert cand("example/jobs") == ("update", "sha-ffffff0", pushed["acme/jobs:sha-ffffff0"].digest)
    # digest tracking of a mutable tag: first run pins it
    assert cand("example/cache") == ("update", "stable", pushed["mirror/redis:stable"].digest)
    assert dev["example/cache"]["reason"] == "pin stable to its digest"

    staging = items(plan, "staging")
    assert set(staging) == {"example/app", "example/worker", "example/proxy"}
    assert staging["example/app"]["current"] == {
        "newName": staging["example/app"]["current"]["newName"],
        "tag": "1.2.0",
        "digest": None,
    }

    prod = items(plan, "production")
    assert {i["action"] for i in prod.values()} == {"none"}
    assert "run 'gitops-bot promote staging production'" in prod["example/app"]["reason"]
    assert plan["summary"] == {"updates": 8, "skipped": 0}


def test_plan_text_output_and_env_filter(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--repo", str(example), "--env", "staging")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "staging"
    assert any("example/app" in ln and "1.2.0" in ln and "->" in ln and "1.4.1@" in ln for ln in lines)
    assert lines[-1] == "3 to propose; 0 blocked; 0 skipped"


def test_plan_metadata_reads_created_and_source_for_changes(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "plan", "--repo", str(example), "--env", "dev", "--output", "json", "--metadata"
    )
    assert code == 0
    app = items(json.loads(out), "dev")["example/app"]["candidate"]
    assert app["source"] == "https://github.com/acme/app" and app["revision"] == "0000004"
    assert app["created"] == "2026-05-01T00:00:00Z"


def test_up_to_date_after_pinning(
    example: Path,
    example_registry: tuple[RegistryProcess, dict[str, Pushed]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _reg, pushed = example_registry
    k = example / "overlays/staging/kustomization.yaml"
    text = k.read_text().replace(
        "newTag: '1.2.0'", f"newTag: '1.4.1'\n    digest: {pushed['acme/app:1.4.1'].digest}"
    )
    k.write_text(text)
    _code, out, _ = run(capsys, "plan", "--repo", str(example), "--env", "staging", "--output", "json")
    app = items(json.loads(out), "staging")["example/app"]
    assert (app["action"], app["reason"]) == ("none", "up to date")


def test_missing_repository_is_skipped_and_the_rest_goes_on(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = example / "gitops-bot.yaml"
    cfg.write_text(cfg.read_text().replace("/acme/worker", "/acme/worker-typo"))
    code, out, _ = run(capsys, "plan", "--repo", str(example), "--env", "dev", "--output", "json")
    assert code == 0
    dev = items(json.loads(out), "dev")
    assert dev["example/worker"]["action"] == "skip"
    assert "acme/worker-typo: not found (HTTP 404)" in dev["example/worker"]["reason"]
    # with what to check (a newcomer's local build on Docker Hub's library/ went unexplained)
    assert (
        "not found (HTTP 404); the registry holds no such repository: check the image's name"
        in (dev["example/worker"]["reason"])
    ), dev["example/worker"]["reason"]
    assert dev["example/app"]["action"] == "update"


def test_unreachable_registry_ends_run_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a port that is certainly closed: bound (so nobody else can take it) but never listening
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        host = f"127.0.0.1:{dead.getsockname()[1]}"
        repo = copy_example(tmp_path / "gitops", host)
        cfg = repo / "gitops-bot.yaml"
        cfg.write_text(cfg.read_text().replace("max_concurrency: 8", "max_concurrency: 8\n    timeout: 2"))
        code, out, err = run(capsys, "plan", "--repo", str(repo), "--env", "staging")
    assert code == 3
    # what git shows is still said: each image and where it is pinned
    assert "pinned at overlays/staging/kustomization.yaml:9" in out and "Traceback" not in out
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"gitops-bot: error: registry {host} unreachable: connection refused")


def test_bad_config_exit_2_with_file_and_line(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = example / "gitops-bot.yaml"
    cfg.write_text(cfg.read_text().replace("policy: newest", "policy: newset"))
    code, _out, err = run(capsys, "plan", "--repo", str(example))
    assert code == 2
    assert err.startswith(f"gitops-bot: error: {cfg}:")
    assert "unknown policy 'newset' for image 'example/jobs'; did you mean 'newest'?" in err


def test_malformed_kustomization_exit_2(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    k = example / "overlays/dev/kustomization.yaml"
    k.write_text(k.read_text().replace("- name: example/worker", "- name: [example/worker"))
    code, _, err = run(capsys, "plan", "--repo", str(example))
    assert code == 2
    assert err.startswith("gitops-bot: error: overlays/dev/kustomization.yaml:")
    assert "not valid YAML" in err and "nothing was changed" in err


def test_unknown_env_and_bad_arguments_exit_2(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "plan", "--repo", str(example), "--env", "qa")
    assert code == 2 and "unknown environment 'qa'; configured: dev, staging, production" in err
    code, _, err = run(capsys, "plan", "--output", "yaml")
    assert code == 2 and "invalid choice" in err


def test_image_listed_for_environment_but_absent_is_reported(
    example: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = example / "gitops-bot.yaml"
    cfg.write_text(
        cfg.read_text().replace(
            "images: [example/app, example/worker, example/proxy]", "images: [example/app, example/jobs]"
        )
    )
    _code, out, _ = run(capsys, "plan", "--repo", str(example), "--env", "staging", "--output", "json")
    jobs = items(json.loads(out), "staging")["example/jobs"]
    assert jobs["action"] == "skip"
    assert jobs["reason"] == "no images: entry named 'example/jobs' in overlays/staging/kustomization.yaml"


def test_plan_reads_plain_manifests_helm_values_and_markers(
    example: Path,
    example_registry: tuple[RegistryProcess, dict[str, Pushed]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg, pushed = example_registry
    host = reg.host
    (example / "clusters/edge").mkdir(parents=True)
    (example / "clusters/edge/app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
        f"      containers:\n        - name: app\n          image: {host}/acme/app:1.1.0\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: worker}\ndata:\n"
        '  WORKER_TAG: main-1767225600-1a2b3c4 # {"$imagepolicy": "flux-system:worker:tag"}\n'
    )
    (example / "charts").mkdir()
    (example / "charts/values-edge.yaml").write_text(
        f'proxy:\n  image:\n    repository: {host}/mirror/nginx\n    tag: "1.25-alpine"\n    digest: ""\n'
    )
    cfg = (example / "gitops-bot.yaml").read_text()
    cfg = cfg.replace(
        "  - name: example/worker\n",
        "  - name: worker                     # the Flux policy name, as markers say it\n"
        "    repository: 127.0.0.1:5000/acme/worker\n"
        "    policy: regex\n"
        "    pattern: '^main-(?P<ts>\\d+)-[0-9a-f]{7}$'\n"
        "    extract: ts\n"
        "  - name: example/worker\n",
    ).replace(
        "    platform: linux/arm64             # pin the arm64 image of the multi-arch index\n",
        "    platform: linux/arm64\n"
        "    helm: {repository: proxy.image.repository, tag: proxy.image.tag, digest: proxy.image.digest}\n",
    )
    cfg = cfg.replace("127.0.0.1:5000", host).replace(
        "\nargocd:", "  - name: edge\n    paths: [clusters/edge, charts/values-edge.yaml]\n\nargocd:"
    )
    (example / "gitops-bot.yaml").write_text(cfg)

    code, out, err = run(capsys, "plan", "--repo", str(example), "--env", "edge", "--output", "json")
    assert code == 0, err
    edge = items(json.loads(out), "edge")
    assert set(edge) == {"example/app", "worker", "example/proxy"}
    assert edge["example/app"]["current"]["tag"] == "1.1.0"
    assert edge["example/app"]["candidate"]["tag"] == "1.4.1"
    assert edge["example/app"]["file"] == "clusters/edge/app.yaml"
    assert edge["worker"]["candidate"]["tag"] == "main-1767398400-9a8b7c6"
    assert edge["example/proxy"]["file"] == "charts/values-edge.yaml"
    proxy = edge["example/proxy"]["candidate"]
    assert (proxy["tag"], proxy["digest"]) == (
        "1.27-alpine",
        pushed["mirror/nginx:1.27-alpine"].platforms["linux/arm64"],
    )


class Watching(Relay):
    """The registry behind a relay that records every request (method and path) and can hold
    the tag list of ``hold`` until the manifest of ``until`` has been asked for: held at most
    ``BOUND`` seconds, so a bot that never asks fails the test instead of hanging it."""

    BOUND = 5.0  # well inside the registry timeout (30 s): a held request is never retried

    def __init__(
        self,
        upstream: str,
        hold: str | None = None,
        until: str | None = None,
        refuse: dict[str, Answer] | None = None,
    ) -> None:
        super().__init__(upstream)
        self.seen: list[str] = []
        self.refuse = refuse or {}  # "METHOD path": answered so instead of forwarded
        self.released: bool | None = None  # None: nothing held; else whether `until` came first
        self._hold = f"/v2/{hold}/tags/list" if hold else None
        self._until = f"/v2/{until}/manifests/" if until else None
        self._asked = threading.Event()
        self._lock = threading.Lock()

    def answer(self, command: str, path: str) -> Answer | None:
        with self._lock:
            self.seen.append(f"{command} {path}")
        if self._until and path.startswith(self._until):
            self._asked.set()
        if self._hold and path.startswith(self._hold):
            self.released = self._asked.wait(self.BOUND)
        return self.refuse.get(f"{command} {path}")  # None: forwarded


def test_a_chosen_tag_s_digest_is_asked_before_the_last_tag_list_is_answered(
    tmp_path: Path,
    example_registry: tuple[RegistryProcess, dict[str, Pushed]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The plan does not wait for every repository's tags before resolving digests: a
    repository whose policy needs only its tags resolves its choice at once, so one slow tag
    list does not hold back the digests of the others."""
    reg, pushed = example_registry
    with Watching(reg.url, hold="acme/worker", until="acme/app") as relay:
        example = copy_example(tmp_path / "gitops", relay.host)
        code, out, err = run(capsys, "plan", "--repo", str(example), "--env", "dev", "--output", "json")
    assert code == 0, err
    assert relay.released is True, relay.seen  # acme/app's digest was asked while worker's tags were held
    dev = items(json.loads(out), "dev")
    assert dev["example/app"]["candidate"]["digest"] == pushed["acme/app:1.4.1"].digest
    assert dev["example/worker"]["candidate"]["tag"] == "main-1767398400-9a8b7c6"


def test_a_digest_that_cannot_be_resolved_skips_its_targets_and_the_rest_goes_on(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    example_registry: tuple[RegistryProcess, dict[str, Pushed]],
) -> None:
    reg, _ = example_registry
    gone: Answer = (404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', {"Content-Type": "application/json"})
    with Watching(reg.url, refuse={"GET /v2/acme/app/manifests/1.4.1": gone}) as relay:
        example = copy_example(tmp_path / "gitops", relay.host)
        code, out, err = run(capsys, "plan", "--repo", str(example), "--output", "json")
    assert code == 0, err
    plan = json.loads(out)
    for env in ("dev", "staging"):
        app = items(plan, env)["example/app"]
        assert app["action"] == "skip" and "acme/app" in app["reason"] and "404" in app["reason"], app
        assert items(plan, env)["example/worker"]["action"] == "update"
    assert plan["summary"] == {"updates": 6, "skipped": 2}
    assert plan["decisions"]["propose"] == 6 and plan["decisions"]["skip"] == 2  # by what was decided
    assert relay.seen.count("GET /v2/acme/app/manifests/1.4.1") == 1  # not asked again for staging


def test_an_unavailable_registry_while_resolving_a_digest_ends_the_run_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    example_registry: tuple[RegistryProcess, dict[str, Pushed]],
) -> None:
    reg, _ = example_registry
    down: Answer = (503, b"down for maintenance\n", {"Retry-After": "0"})
    with Watching(reg.url, refuse={"GET /v2/acme/worker/manifests/main-1767398400-9a8b7c6": down}) as relay:
        example = copy_example(tmp_path / "gitops", relay.host)
        code, out, err = run(capsys, "plan", "--repo", str(example), "--output", "json")
    # asked for JSON, the failure is a JSON document on stdout too, with the same exit code
    assert code == 3 and json.loads(out)["schema"] == "gitops-bot/error/v1"
    assert json.loads(out)["exit_code"] == 3
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"gitops-bot: error: registry {relay.host} unavailable"), err


# What the plan asks of the example's registry (digests in paths written sha256:*): one tag list
# per repository that a tag policy reads, created times only for `newest` (acme/jobs), one digest
# per distinct chosen (repository, tag, platform); with a platform the manifest is read (GET).
ASKED = {
    "GET /v2/acme/app/tags/list?n=1000": 1,
    "GET /v2/acme/app/manifests/1.4.1": 1,  # dev and staging choose the same tag: asked once
    "GET /v2/acme/worker/tags/list?n=1000": 1,
    "GET /v2/acme/worker/manifests/main-1767398400-9a8b7c6": 1,
    "GET /v2/mirror/nginx/tags/list?n=1000": 1,
    "GET /v2/mirror/nginx/manifests/1.27-alpine": 1,
    "GET /v2/mirror/nginx/manifests/sha256:*": 1,  # the platform's image, served before pinned
    "GET /v2/acme/jobs/tags/list?n=1000": 1,
    "GET /v2/acme/jobs/manifests/sha-0a1b2c3": 1,
    "GET /v2/acme/jobs/manifests/sha-7777777": 1,
    "GET /v2/acme/jobs/manifests/sha-ffffff0": 2,  # its created time, then its digest
    "GET /v2/acme/jobs/blobs/sha256:*": 3,
    "GET /v2/mirror/redis/manifests/stable": 1,  # policy digest: no tag list
}
# dev with min_age: dev's images are read for their age (manifest and config blob, best first,
# here the chosen one is old enough) instead of having their digest resolved; staging's as above
ASKED_DEV_MIN_AGE = {
    "GET /v2/acme/app/tags/list?n=1000": 1,
    "GET /v2/acme/app/manifests/1.4.1": 2,
    "GET /v2/acme/app/manifests/sha256:*": 1,
    "GET /v2/acme/app/blobs/sha256:*": 1,
    "GET /v2/acme/worker/tags/list?n=1000": 1,
    "GET /v2/acme/worker/manifests/main-1767398400-9a8b7c6": 2,
    "GET /v2/acme/worker/blobs/sha256:*": 1,
    "GET /v2/mirror/nginx/tags/list?n=1000": 1,
    "GET /v2/mirror/nginx/manifests/1.27-alpine": 2,
    "GET /v2/mirror/nginx/manifests/sha256:*": 2,
    "GET /v2/mirror/nginx/blobs/sha256:*": 1,
    "GET /v2/acme/jobs/tags/list?n=1000": 1,
    "GET /v2/acme/jobs/manifests/sha-0a1b2c3": 1,
    "GET /v2/acme/jobs/manifests/sha-7777777": 1,
    "GET /v2/acme/jobs/manifests/sha-ffffff0": 2,
    "GET /v2/acme/jobs/blobs/sha256:*": 4,
    "GET /v2/mirror/redis/manifests/stable": 1,
    "GET /v2/mirror/redis/blobs/sha256:*": 1,
}


@pytest.mark.parametrize(("dev_min_age", "asked"), [(False, ASKED), (True, ASKED_DEV_MIN_AGE)])
def test_plan_asks_one_tag_list_per_repository_and_one_digest_per_chosen_tag(
    tmp_path: Path,
    example_registry: tuple[RegistryProcess, dict[str, Pushed]],
    capsys: pytest.CaptureFixture[str],
    dev_min_age: bool,
    asked: dict[str, int],
) -> None:
    """Exactly these requests, whichever order they are asked in: pipelining the plan's
    registry phases must not ask anything twice or anything more."""
    reg, _ = example_registry
    with Watching(reg.url) as relay:
        example = copy_example(tmp_path / "gitops", relay.host)
        if dev_min_age:
            cfg = example / "gitops-bot.yaml"
            cfg.write_text(
                cfg.read_text().replace("path: overlays/dev\n", "path: overlays/dev\n    min_age: 1h\n")
            )
        code, out, err = run(capsys, "plan", "--repo", str(example), "--output", "json")
    assert code == 0, err
    assert Counter(re.sub("sha256:[0-9a-f]{64}", "sha256:*", r) for r in relay.seen) == asked
    plan = json.loads(out)
    assert plan["summary"] == {"updates": 8, "skipped": 0}


@pytest.mark.parametrize(
    ("render", "by"),
    [
        ("render:\n  kubectl: {nowhere}\n", "rules"),  # no kubectl: the rules are the whole reading
        ("render:\n  kubectl: {kubectl}\n", "renderer"),
        ("render:\n  enabled: false\n  kubectl: {nowhere}\n", "configured rules"),  # the operator's choice
    ],
)
def test_a_plan_read_by_the_rules_alone_says_so_once(
    example: Path, capsys: pytest.CaptureFixture[str], render: str, by: str
) -> None:
    said = by == "rules"
    config = example / "gitops-bot.yaml"
    config.write_text(
        config.read_text() + render.format(nowhere=example / "no-kubectl", kubectl=kubetools.kubectl())
    )
    code, out, err = run(capsys, "plan", "--repo", str(example))
    assert code == 0, err
    assert out.count(RULES_ONLY) == (1 if said else 0), out
    assert out.rstrip().endswith(RULES_ONLY) is said
    code, out, err = run(capsys, "plan", "--repo", str(example), "--output", "json")
    assert code == 0, err
    assert json.loads(out)["read_by"] == by
