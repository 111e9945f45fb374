"""An image's ``source:`` (where its source lives when its OCI labels do not say) is read into
its settings, and a bad one is one line with its line number."""

from __future__ import annotations

import pytest

from gitops_bot.config import parse
from gitops_bot.core.errors import ConfigError

BASE = """version: 1
images:
  - name: app
    repository: ghcr.io/acme/app
    source:
{source}
environments:
  - name: dev
    path: overlays/dev
"""


def test_source_repository_and_revision_pattern_are_read() -> None:
    text = '      repository: https://github.com/acme/app\n      revision_from_tag: "sha-(?P<sha>[0-9a-f]{7,40})"'
    image = parse(BASE.format(source=text), "gitops-bot.yaml").image("app")
    assert image is not None and image.source is not None
    assert image.source.repository == "https://github.com/acme/app"
    assert image.source.revision_from_tag == "sha-(?P<sha>[0-9a-f]{7,40})"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('      revision_from_tag: "sha-([0-9a-f]+)"', "needs a (?P<sha>...) group"),
        ('      revision_from_tag: "sha-(?P<sha>["', "invalid regular expression"),
        ("      repository: git@github.com:acme/app.git", "must be the source's web URL"),
    ],
)
def test_bad_source_is_one_line_with_the_line_number(source: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(BASE.format(source=source), "gitops-bot.yaml")
    assert message in str(err.value) and "gitops-bot.yaml:6" in str(err.value)
