from __future__ import annotations

import textwrap

import pytest

from gitops_bot import config
from gitops_bot.core.errors import ConfigError

GOOD = """
version: 1
registries:
  docker.io:
    max_concurrency: 4
  127.0.0.1:5000:
    insecure: true
    username_env: REG_USER
    password_env: REG_PASS
images:
  - name: app
    repository: 127.0.0.1:5000/team/app
    range: ">=1.2 <2"
  - name: worker
    policy: regex
    pattern: '^main-(?P<ts>\\d+)-'
    extract: $ts
  - name: nginx
    policy: digest
    tag: stable
    platform: linux/arm64
environments:
  - name: dev
    path: overlays/dev
  - name: production
    paths: [overlays/prod-eu, overlays/prod-us]
    promote_from: dev
"""


def parse(text: str) -> config.Config:
    return config.parse(textwrap.dedent(text).lstrip("\n"), "gitops-bot.yaml")


def test_good_config_reads_into_frozen_values() -> None:
    cfg = parse(GOOD)
    app = cfg.image("app")
    assert app is not None and app.repository.registry == "127.0.0.1:5000"
    assert app.policy.range == ">=1.2 <2"
    nginx = cfg.image("nginx")
    assert nginx is not None and nginx.repository.name == "nginx"
    assert nginx.repository.repository == "library/nginx"
    assert nginx.platform == "linux/arm64"
    assert cfg.image("worker").policy.extract == "ts"  # type: ignore[union-attr]
    assert cfg.environment("production").paths == ("overlays/prod-eu", "overlays/prod-us")
    assert cfg.environment("production").mode == "promotion"
    assert cfg.registry("registry-1.docker.io").max_concurrency == 4
    assert cfg.registry("127.0.0.1:5000").insecure


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "images: []\nenvironments:\n  - name: a\n    pth: x\n",
            4,
            "unknown key 'pth' in environments[0]; did you mean 'path'?",
        ),
        (
            "images:\n  - name: a\n    policy: semvar\nenvironments: []\n",
            3,
            "unknown policy 'semvar' for image 'a'; did you mean 'semver'?",
        ),
        ("images:\n  - name: a\n    range: '>>1'\nenvironments: []\n", 3, "invalid semver range"),
        # YAML reads an unquoted 1.10 as the number 1.1: refused, not silently narrowed to ~1.1
        (
            "images:\n  - name: a\n    range: 1.10\nenvironments: []\n",
            3,
            'write it quoted, e.g. range: "1.10"',
        ),
        (
            "images:\n  - name: a\n    policy: digest\n    tag: 7\nenvironments: []\n",
            4,
            'write it quoted: tag: "7"',
        ),
        (
            "images:\n  - name: a\n    helm:\n      repository: image.tag\n      tag: image.tag\nenvironments: []\n",
            5,
            "helm tag path 'image.tag' of image 'a' is another field's path too",
        ),
        (
            "images:\n  - name: a\n    helm:\n      tga: image.tag\nenvironments: []\n",
            4,
            "unknown key 'tga' in 'helm' of image 'a'; did you mean 'tag'?",
        ),
        (
            "images:\n  - name: a\n    helm: {digest: image.digest}\nenvironments: []\n",
            3,
            "'helm' of image 'a' needs 'tag' or 'reference'",
        ),
        # a chart writing repository@digest: naming its keys cannot make it releasable, and the
        # line says what can
        (
            "images:\n  - name: a\n    helm: {repository: image.repository, digest: image.hash}\n"
            "environments: []\n",
            3,
            "a chart with a digest key alone (repository@digest in its template) has no key for the tag; "
            "add a tag key to the chart's values and template, or release this image by hand",
        ),
        (
            "images:\n  - name: a\n    helm: {tag: image..tag}\nenvironments: []\n",
            3,
            "must be like image.tag",
        ),
        ("images:\n  - name: a\n    policy: regex\nenvironments: []\n", 2, "needs 'pattern'"),
        (
            "images:\n  - name: a\n    policy: regex\n    pattern: '(x'\nenvironments: []\n",
            4,
            "invalid regular expression",
        ),
        (
            "images:\n  - name: a\n    pattern: 'x'\n    extract: ts\nenvironments: []\n",
            4,
            "which 'pattern' does not define",
        ),
        ("images:\n  - name: A B\nenvironments: []\n", 2, "invalid image repository"),
        (
            "images:\n  - name: a\n    repository: ghcr.io/x/a:1.0\nenvironments: []\n",
            3,
            "must not carry a tag",
        ),
        ("images:\n  - name: a\n  - name: a\nenvironments: []\n", 3, "listed twice"),
        ("images: []\nenvironments:\n  - name: dev\n", 3, "needs 'path'"),
        ("images: []\nenvironments:\n  - name: dev\n    path: ../x\n", 4, "inside it"),
        (
            "images: []\nenvironments:\n  - name: p\n    path: p\n    promote_from: nowhere\n",
            3,
            "not an environment",
        ),
        (
            "images: []\nenvironments:\n  - {name: a, path: a, promote_from: b}\n  - {name: b, path: b, promote_from: a}\n",
            3,
            "loops back",
        ),
        (
            "images: []\nenvironments:\n  - name: a\n    path: a\n    images: [ghost]\n",
            5,
            "not under 'images'",
        ),
        (
            "registries:\n  r.io:\n    password_env: hunter2 is my password\n    username_env: U\nimages: []\nenvironments: []\n",
            3,
            "secrets never go in this file",
        ),
        ("registries:\n  r.io:\n    username_env: U\nimages: []\nenvironments: []\n", 3, "needs both"),
        (
            "registries:\n  r.io:\n    max_concurrency: many\nimages: []\nenvironments: []\n",
            3,
            "must be int, got the string 'many'",
        ),
        (
            # a ceiling with no bound sized the request window and pool: a plan ran until killed
            "registries:\n  r.io:\n    max_concurrency: " + "9" * 40 + "\nimages: []\nenvironments: []\n",
            3,
            "'max_concurrency' must be between 1 and 1024",
        ),
        # each write sleeps it: 1e300 was a traceback at the second write, 1e6 a held update
        ("github:\n  write_interval: 1e300\nimages: []\nenvironments: []\n", 2, "between 0 and 60 seconds"),
        # no spacing at all (0, a negative rate), or none that means a number (.nan)
        (
            "registries:\n  r.io:\n    requests_per_second: -1\nimages: []\nenvironments: []\n",
            3,
            "more than 0",
        ),
        (
            "registries:\n  r.io:\n    requests_per_second: .nan\nimages: []\nenvironments: []\n",
            3,
            "more than 0",
        ),
        ("images:\n  - name: a\n    prerelease: 'yes'\nenvironments: []\n", 3, "must be bool"),
        ("images: [\nenvironments: []\n", 1, "not valid YAML"),  # where the [ left open is
        ("version: 2\nimages: []\nenvironments: []\n", 1, "unsupported version"),
        # a section of the wrong shape is a line, not a TypeError
        (
            "registries: 7\nimages: []\nenvironments: []\n",
            1,
            "'registries' must be a mapping, got the number 7",
        ),
        (
            "images:\n  - name: a\n    verify:\n      keys: cosign.pub\nenvironments: []\n",
            4,
            "'keys' in 'verify' of image 'a' must be a list",
        ),
        (
            "webhooks:\n  sources: 7\nimages: []\nenvironments: []\n",
            2,
            "'webhooks: sources' must be a mapping",
        ),
        ("environments: []\n", None, "no 'images' section"),
        ("images:\n  - name: a\n    platform: amd64\nenvironments: []\n", 3, "linux/amd64"),
        (
            "images: []\nenvironments:\n  - name: promotion\n    path: p\n",
            3,
            "'promotion' cannot name an environment",
        ),
        (
            "images: []\nenvironments:\n  - name: s\n    path: s\n    argocd_application: app-s\n",
            3,
            "'argocd: server' is not set",
        ),
        ("argocd:\n  server: argocd.local\nimages: []\nenvironments: []\n", 2, "must be a URL"),
        (
            "argocd:\n  server: https://a\n  token_env: eyJhbGciOi.x\nimages: []\nenvironments: []\n",
            3,
            "not hold a secret",
        ),
        # tokens that happen to be valid variable names: refused before an error message prints them
        (
            "github:\n  token_env: ghp_abcdefghijklmnopqrstuvwxyz0123456789\nimages: []\nenvironments: []\n",
            2,
            "not hold a secret",
        ),
        (
            "registries:\n  r.io:\n    username_env: U\n    password_env: "
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789\nimages: []\nenvironments: []\n",
            4,
            "secrets never go in this file",
        ),
        (
            "argocd:\n  server: https://a\n  token_env: f123456789abcdef0123456789abcdef01234567\n"
            "images: []\nenvironments: []\n",
            3,
            "not hold a secret",
        ),
    ],
)
def test_config_errors_name_file_line_and_fix(text: str, line: int | None, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        config.parse(text, "gitops-bot.yaml")
    assert info.value.line == line
    assert str(info.value).startswith(f"gitops-bot.yaml:{line}: " if line else "gitops-bot.yaml: ")
    assert words in str(info.value)


def test_unknown_environment_lists_configured_ones() -> None:
    with pytest.raises(Exception, match="configured: dev, production"):
        parse(GOOD).environment("qa")
