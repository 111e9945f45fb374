"""The line a YAML error names is one the file holds: libyaml marks an error it meets at the end
of the stream on the line after the last one (icklers/platform-gitops-demo's 378-line
gitops-bootstrap/argocd/install.yaml, cut off in `selfH`, was said at line 379)."""

from __future__ import annotations

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import nodes


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("spec:\n  automated:\n    prune: true\n    selfH", 4),  # a key cut off, no newline after it
        ("spec:\n  automated:\n    prune: true\n    selfH\n", 4),
        ('a: 1\nb: "unclosed\n', 2),  # a quoted scalar the end of the file leaves open
        ("a: 1\n b: 2\n", 2),  # an error inside the file keeps its own line
    ],
)
def test_the_line_an_error_names_is_in_the_file(text: str, line: int) -> None:
    with pytest.raises(ManifestError, match="not valid YAML") as caught:
        nodes.compose_all(text, f"x{line}.yaml")
    assert caught.value.line == line, str(caught.value)
