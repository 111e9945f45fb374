"""Adding a Helm values file the image keys it inherited, byte-exactly: at the end of the
deepest block mapping of the path the file has, in its own indentation and line endings."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import values_keys

KEYS = {"image.repository": "ghcr.io/acme/app", "image.tag": "1.10"}


@pytest.mark.parametrize(
    "before, after",
    [
        ("replicas: 2\n", 'replicas: 2\nimage:\n  repository: ghcr.io/acme/app\n  tag: "1.10"\n'),
        ("", 'image:\n  repository: ghcr.io/acme/app\n  tag: "1.10"\n'),
        # into the mapping the file has, after its last key, at its indentation
        (
            "image:\n    pullPolicy: Always  # keep\n\nreplicas: 1\n",
            'image:\n    pullPolicy: Always  # keep\n    repository: ghcr.io/acme/app\n    tag: "1.10"\n\nreplicas: 1\n',
        ),
        # no final newline; CRLF kept
        ("replicas: 2", 'replicas: 2\nimage:\n  repository: ghcr.io/acme/app\n  tag: "1.10"'),
        ("a: 1\r\n", 'a: 1\r\nimage:\r\n  repository: ghcr.io/acme/app\r\n  tag: "1.10"\r\n'),
        # a key the file has is left as it is (the release edits it in place)
        ("image:\n  tag: 1.0.0\n", "image:\n  tag: 1.0.0\n  repository: ghcr.io/acme/app\n"),
    ],
)
def test_keys_are_added_where_the_file_would_have_them(before: str, after: str) -> None:
    assert values_keys.add(before, "values.yaml", KEYS) == after


@pytest.mark.parametrize("text", ["image: nginx\n", "image: {pullPolicy: Always}\n"])
def test_a_path_through_a_scalar_or_a_flow_mapping_is_refused_by_name(text: str) -> None:
    with pytest.raises(ManifestError, match=r"cannot add image\.repository: image is not a block mapping"):
        values_keys.add(text, "values.yaml", KEYS)
