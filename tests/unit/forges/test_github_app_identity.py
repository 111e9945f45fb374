"""A GitHub App's installation token has no user (``GET /user`` refuses it): what the App
writes is authored by its bot user, ``<slug>[bot]``, the slug named by the installation the bot
already asks for at connect. The dashboard is told apart by that login, with no request more."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gitops_bot.forges.github.adapter import GitHub
from gitops_bot.forges.issues import MARKER, Kept, keep
from testkit.github_responses import API, CFG, REPO, Planned

BASE = REPO.removesuffix("/repos/acme/gitops")
LABEL = "gitops-bot-dashboard"


def _issue(n: int, login: str) -> dict[str, object]:
    return {
        "number": n,
        "title": "gitops-bot dashboard",
        "body": f"{MARKER}\n| table |",
        "state": "open",
        "html_url": f"https://ghe.example.com/acme/gitops/issues/{n}",
        "url": f"{API}/repos/acme/gitops/issues/{n}",
        "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
        "labels": [{"name": LABEL}],
    }


def test_an_app_keeps_the_issue_its_bot_user_wrote_and_never_asks_get_user(
    rsps: Planned,
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    rsps.get(f"{REPO}/installation", json={"id": 7, "app_id": 1, "app_slug": "acme-release"})
    rsps.post(
        f"{BASE}/app/installations/7/access_tokens",
        json={"token": "ghs_installation_token", "expires_at": "2099-01-01T00:00:00Z"},
    )
    stranger, ours = _issue(1, "mallory"), _issue(2, "acme-release[bot]")
    rsps.get(f"{REPO}/issues", json=[ours, stranger])
    forge = GitHub.connect(CFG, "acme/gitops", {CFG.app_id_env: "1", CFG.app_key_env: pem})
    assert forge.identity() == "acme-release[bot]"
    kept, issue = keep(forge, "gitops-bot dashboard", "| table |", LABEL)
    assert (kept, issue.number) == (Kept.UNCHANGED, 2)
    assert not [c for c in rsps.calls if c.request.url and c.request.url.split("?")[0].endswith("/user")]
