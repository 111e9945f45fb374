"""A service that echoes the credential it was sent, in whatever encoding, shows it to no one:
the real ``gitops-bot update`` (a process, ``-vv``, ``--output json``) against a GitHub that
refuses the token with a 401 whose message repeats it base64-encoded (alone, or the Basic
header's ``x-access-token:TOKEN`` git sends, at each of base64's three alignments, the
URL-safe alphabet without padding), percent- or form-encoded, or JSON-escaped. The refusal
is still one line with GitHub's words; no spelling of the token is in stdout or stderr.

The same for a cloud registry refusing the credential its login produced and echoing the
``Authorization`` it got (ECR: base64 of ``AWS:password``; ACR and Artifact Registry: the
bearer token): no spelling of anything the cloud issued is in the output, ``-vv`` included.

The check decodes every base64 run of the output at each alignment (independently of how
redaction finds them): before core/log.py registered those spellings, the base64 ones were
printed as they came."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from testkit import update_world
from testkit.cloud_fakes import CloudFake
from testkit.cloud_world import cronjob, front_of, identity_env, registry_section
from testkit.github_server import FakeGitHub
from testkit.registry_process import RegistryProcess
from testkit.update_world import World

TOKEN = FakeGitHub.token
_RUN = re.compile(r"[A-Za-z0-9+/_-]{4,}")


def b64(text: str, *, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    out = encode(text.encode()).decode()
    return out.rstrip("=") if urlsafe else out


ECHOES = {
    "base64": b64(TOKEN),
    "basic header, git's user": b64(f"x-access-token:{TOKEN}"),
    "basic header, offset 1": b64(f"u:{TOKEN}:"),
    "basic header, offset 2": b64(f"us:{TOKEN}"),
    "url-safe base64 without padding": b64(f'{{"token": "{TOKEN}"}}', urlsafe=True),
    "percent-encoded": quote(f"token={TOKEN}&x=1", safe=""),
    "form-encoded": quote_plus(f"the token {TOKEN}"),
    "json-escaped": json.dumps(f"{TOKEN}/x")[1:-1].replace("/", "\\/"),
}


def _decodings(text: str) -> list[bytes]:
    found: list[bytes] = []
    for run in _RUN.findall(text.replace("\\/", "/")):
        for start in range(4):
            part = run[start:]
            part = part[: len(part) - len(part) % 4]
            for spelled in (part, part.translate(str.maketrans("-_", "+/"))):
                with contextlib.suppress(binascii.Error, ValueError):
                    found.append(base64.b64decode(spelled, validate=True))
    return found


def shows_the_token(text: str, token: str = TOKEN) -> bool:
    inside = token[1:-1]
    decoded = text.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    return (
        inside in text
        or inside in decoded
        or any(inside.encode() in d for d in _decodings(text) + _decodings(decoded))
    )


@pytest.mark.parametrize("echo", list(ECHOES))
def test_a_401_echoing_the_token_in_any_encoding_shows_none_of_it(
    world: World, tmp_path: Path, echo: str
) -> None:
    world.push("app", "1.1.0")
    said = f"Bad credentials: {ECHOES[echo]} is not a valid token"
    assert shows_the_token(said)  # the check sees the echo before redaction
    world.github.fail["GET /repos/acme/gitops/pulls"] = (401, {"message": said}, {})
    env = {"GITHUB_TOKEN": TOKEN}
    run = cronjob(world.remote, env, tmp_path / "run", "update", "-vv", "--log-format", "json", check=False)
    shown = run["err"] + "\n" + json.dumps(run["out"])
    assert run["code"] == 3, shown[-2000:]
    assert "Traceback" not in run["err"]
    assert "Bad credentials" in json.dumps(run["out"]), shown[-2000:]  # GitHub's words, still said
    assert not shows_the_token(shown), shown[-3000:]


@pytest.mark.parametrize(
    ("cloud", "how"), [("aws", "pod identity"), ("azure", "client secret"), ("gcp", "metadata server")]
)
def test_a_cloud_registry_echoing_the_credential_it_refused_shows_none_of_it(
    registry: RegistryProcess, tmp_path: Path, cloud: str, how: str
) -> None:
    with CloudFake(cloud, registry.url, tmp_path) as fake:
        worlds = update_world.make_world(tmp_path, front_of(registry, fake))
        world = next(worlds)
        try:
            update_world.add_config(world, registry_section(cloud, fake))
            world.push("app", "1.1.0")
            fake.echo_credentials = True
            env = identity_env(cloud, fake, tmp_path, how) | {"GITHUB_TOKEN": TOKEN}
            run = cronjob(world.remote, env, tmp_path / "run", "update", "--dry-run", "-vv", check=False)
        finally:
            next(worlds, None)
    issued = fake.issued
    secrets = issued.ecr | issued.google | issued.entra | issued.refresh | issued.registry
    secrets |= {issued.client_secret, issued.web_identity} | {
        s for pair in issued.keys.values() for s in pair
    }
    assert secrets - {""}, "the login issued nothing: the front was never asked with a credential"
    shown = run["err"] + "\n" + json.dumps(run["out"])
    assert run["code"] == 0 and "Traceback" not in run["err"], shown[-2000:]
    assert all(row["action"] == "skip" for row in run["out"]["skipped"]) and run["out"]["skipped"]
    for secret in secrets - {""}:
        assert not shows_the_token(shown, secret), (secret, shown[-3000:])
