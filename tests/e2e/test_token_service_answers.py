"""A token service is never the registry: against the real distribution registry with
``auth: token``, a token service answering 200 with a body shaped like the registry's own
answer (a tag list, a manifest that also lists tags) and no token makes ``plan`` propose
nothing from that body and say why in one line, and ``update`` commit nothing (exit 0: the
image is skipped with its reason, the run goes on, as docs/reference/exit-codes.md says)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitops_bot.cli import main
from testkit.oci import Pusher
from testkit.registry_process import RegistryProcess
from testkit.token_issuer import TokenIssuer
from testkit.update_world import git, new_remote, push_first

PASSWORD = "builder-7-secret"
REPOSITORY = "tok/app"
TAG_LIST = json.dumps({"name": REPOSITORY, "tags": ["1.0.0", "1.1.0", "1.9.0"]}).encode()
# a manifest that is also a tag list: hashed, it would be pinned as 1.9.0@sha256:...
MANIFEST_AND_TAGS = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": "sha256:" + "a" * 64,
            "size": 2,
        },
        "layers": [],
        "name": REPOSITORY,
        "tags": ["1.0.0", "1.1.0", "1.9.0"],
    }
).encode()
CONFIG = """version: 1
registries:
  {host}:
    username_env: REG_USER
    password_env: REG_PASSWORD
images:
  - name: example/app
    repository: {host}/{repository}
environments:
  - name: dev
    path: overlays/dev
    write: commit
"""
KUSTOMIZATION = """resources: []
images:
  - name: example/app
    newName: {host}/{repository}
    newTag: 1.0.0
"""


@dataclass
class Served:
    registry: RegistryProcess
    issuer: TokenIssuer
    good: str  # the digest of 1.1.0, the one newer tag the registry holds


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("token-answers")
    issuer = TokenIssuer(users={"bob": PASSWORD}).start()
    try:
        with RegistryProcess(root / "registry", auth=issuer.registry_auth(root / "auth")) as reg:
            token = issuer.mint("bob", [f"repository:{REPOSITORY}:pull,push"])
            pusher = Pusher.to(reg.url, headers={"Authorization": f"Bearer {token}"})
            pusher.image(REPOSITORY, "1.0.0", salt="token-answers-1.0.0")
            good = pusher.image(REPOSITORY, "1.1.0", salt="token-answers-1.1.0").digest
            pusher.close()
            yield Served(reg, issuer, good)
    finally:
        issuer.stop()


@pytest.fixture
def remote(served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("REG_USER", "bob")
    monkeypatch.setenv("REG_PASSWORD", PASSWORD)
    monkeypatch.setenv("GITOPS_BOT_CACHE", str(tmp_path / "cache"))
    remote, seed = new_remote(tmp_path)
    host = served.registry.host
    (seed / "overlays/dev").mkdir(parents=True)
    (seed / "overlays/dev/kustomization.yaml").write_text(
        KUSTOMIZATION.format(host=host, repository=REPOSITORY)
    )
    (seed / "gitops-bot.yaml").write_text(CONFIG.format(host=host, repository=REPOSITORY))
    push_first(remote, seed)
    yield remote
    served.issuer.answer, served.issuer.expires_in, served.issuer.says_expires_in = None, 300, None


def _checkout(remote: Path, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(where)], check=True)
    return where


def _plan(capsys: pytest.CaptureFixture[str], repo: Path) -> tuple[int, dict[str, object], str]:
    code = main(["plan", "--repo", str(repo), "--output", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_working_token_service_proposes_the_newer_tag(
    served: Served, remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The world works: with tokens, plan proposes 1.1.0 at the digest the registry served."""
    code, plan, _ = _plan(capsys, _checkout(remote, tmp_path / "work"))
    assert code == 0
    [item] = plan["environments"][0]["images"]  # type: ignore[index]
    assert item["action"] == "update"
    assert (item["candidate"]["tag"], item["candidate"]["digest"]) == ("1.1.0", served.good)


@pytest.mark.parametrize("said", [0, -5], ids=["zero", "negative"])
def test_a_token_said_to_expire_at_once_is_used_as_dockers_client_uses_it(
    served: Served, remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], said: int
) -> None:
    """A token service answering ``expires_in`` 0 or less (its tokens good for 300 s): the token
    is used with the spec's 60 s, as docker's client does, where every image was skipped."""
    served.issuer.says_expires_in = said
    code, plan, err = _plan(capsys, _checkout(remote, tmp_path / "work"))
    assert code == 0, err
    [item] = plan["environments"][0]["images"]  # type: ignore[index]
    assert item["action"] == "update", item
    assert (item["candidate"]["tag"], item["candidate"]["digest"]) == ("1.1.0", served.good)


@pytest.mark.parametrize("body", [TAG_LIST, MANIFEST_AND_TAGS], ids=["tag-list", "manifest"])
def test_a_token_service_body_is_never_the_registrys_answer(
    served: Served,
    remote: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: bytes,
) -> None:
    served.issuer.answer = body
    token_service = served.issuer.host
    code, plan, _ = _plan(capsys, _checkout(remote, tmp_path / "work"))
    assert code == 0
    [item] = plan["environments"][0]["images"]  # type: ignore[index]
    assert item["action"] == "skip"
    assert item["reason"].splitlines() == [item["reason"]]
    assert f"token service at {token_service} answered 200 without a token" in item["reason"]
    assert "not valid JSON" not in item["reason"] and "1.9.0" not in json.dumps(plan)

    main(["plan", "--repo", str(tmp_path / "work")])
    text = capsys.readouterr().out
    assert f"token service at {token_service} answered 200 without a token" in text
    assert "1.9.0" not in text

    before = git(remote, "rev-parse", "main")
    assert main(["update", "--repo", f"file://{remote}"]) == 0
    out = capsys.readouterr().out
    assert f"token service at {token_service} answered 200 without a token" in out
    assert out.count("\n") == 1
    assert git(remote, "rev-parse", "main") == before
    assert git(remote, "for-each-ref", "--format=%(refname:short)", "refs/heads/") == "main"


def test_a_token_whose_own_life_is_zero_is_sent_once_and_the_registry_judges_it(
    served: Served, remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real token service answering ``expires_in: 0`` for a token whose ``exp`` is now: the
    bot sends it (docker's client does) and the registry judges it; the distribution registry
    takes it within its 60 s leeway, so the newer tag is proposed where the image was skipped."""
    served.issuer.expires_in = 0
    code, plan, err = _plan(capsys, _checkout(remote, tmp_path / "work"))
    assert code == 0, err
    [item] = plan["environments"][0]["images"]  # type: ignore[index]
    assert (item["action"], item["candidate"]["digest"]) == ("update", served.good), item
