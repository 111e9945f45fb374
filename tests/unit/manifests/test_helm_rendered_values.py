"""A Helm value is read as ``helm template`` renders it, the real helm the judge: each value
below is written plain into one values file, rendered once, and what the reader says it
renders must be what helm printed. YAML 1.1 floats (``1.10`` is 1.1), numbers past a million
in Go's exponent form (``20231010`` is 2.023101e+07), YAML 1.1 booleans (``yes``, ``on``,
``y``), octal and hexadecimal, underscores, null, a list and a mapping. The site's version is
the rendered one, said with the fix where the text differs; a release writes the value quoted,
so helm renders it as written; a list where the tag goes is refused as a place."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_bot.core.errors import ManifestError
from gitops_bot.manifests import helm_values, images, nodes
from testkit.kubetools import helm

VALUES = [
    "1.10", "20231010", "1", "1.0", "123456789", "999999", "1e3", "1.5e+10", "0.0001", "0.00001",
    "12345678901234567890", "-1", "+1", "08", "017", "0o17", "0x1F", "0b101", "1_000", "1_2.5",
    "true", "false", "yes", "no", "on", "off", "y", "N", "null", "~", "", "[a, b]", "{b: 2, a: x}",
    '"1.10"', "'20231010'", "!!str 1.10", "1.10.2", "v1.2.3", "latest", "2023-10-10", "1e400", "1e",
    "-9223372036854775809", "9223372036854775808",
]  # fmt: skip
IMAGE = "ghcr.io/acme/app"
SPEC = images.ImageSpec(IMAGE, helm={"repository": "image.repository", "tag": "image.tag"})


def _chart(tmp_path: Path, values: str, keys: list[str]) -> Path:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    lines = "".join(f"{k}=[{{{{ .Values.{k} }}}}]\n" for k in keys)
    (chart / "templates/cm.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\ndata:\n  all: |\n{_indent(lines)}"
    )
    (tmp_path / "values.yaml").write_text(values)
    return chart


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


def _helm(tmp_path: Path, chart: Path) -> dict[str, str]:
    out = subprocess.run(
        [helm(), "template", "x", str(chart), "-f", str(tmp_path / "values.yaml")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        key, eq, rest = line.strip().partition("=[")
        if eq:
            found[key] = rest.removesuffix("]")
    return found


def test_each_value_is_read_as_the_real_helm_renders_it(tmp_path: Path) -> None:
    keys = [f"v{i}" for i in range(len(VALUES))]
    text = "".join(f"{k}: {v}\n" for k, v in zip(keys, VALUES, strict=True))
    printed = _helm(tmp_path, _chart(tmp_path, text, keys))
    root = nodes.compose(text, "values.yaml")
    read = {k: helm_values.rendered(helm_values.node_at(root, k, scalar=False)) or "" for k in keys}
    wrong = {v: (read[k], printed[k]) for k, v in zip(keys, VALUES, strict=True) if read[k] != printed[k]}
    assert not wrong, wrong  # value -> (read, helm)


@pytest.mark.parametrize(
    "tag, runs, said",
    [
        (
            "1.10",
            "1.1",
            'image.tag: 1.10 is not a string to helm, which renders it as 1.1: quote it (tag: "1.10")',
        ),
        (
            "20231010",
            "2.023101e+07",
            "image.tag: 20231010 is not a string to helm, which renders it as 2.023101e+07",
        ),
        ("yes", "true", "image.tag: yes is not a string to helm, which renders it as true"),
        (
            "[a, b]",
            "[a b]",
            "image.tag is a list, which helm renders as [a b]: write it as one quoted string",
        ),
        ('"1.10"', "1.10", ""),
        ("1.10.2", "1.10.2", ""),
    ],
)
def test_the_site_runs_the_rendered_tag_and_says_where_the_text_differs(
    tmp_path: Path, tag: str, runs: str, said: str
) -> None:
    text = f"image:\n  repository: {IMAGE}\n  tag: {tag}\n"
    (site,) = images.read(text, "values.yaml", [SPEC])
    assert site.tag == runs and (said in site.note if said else site.note == ""), site
    keys = ["image.tag"]
    printed = _helm(tmp_path, _chart(tmp_path, text, keys))
    assert printed["image.tag"] == runs


@pytest.mark.parametrize("tag", ["1.10", "20231010", "yes", '"1.0"'])
def test_a_release_writes_the_value_quoted_so_helm_renders_it_as_written(tmp_path: Path, tag: str) -> None:
    text = f"image:\n  repository: {IMAGE}\n  tag: {tag}\n"
    new = tag.strip('"') if tag != '"1.0"' else "1.10"
    written = images.write(text, "values.yaml", [SPEC], [images.Update(IMAGE, tag=new)])
    assert written == f'image:\n  repository: {IMAGE}\n  tag: "{new}"\n'
    assert _helm(tmp_path, _chart(tmp_path, written, ["image.tag"]))["image.tag"] == new
    (site,) = images.read(written, "values.yaml", [SPEC])
    assert (site.tag, site.note) == (new, "")


def test_a_list_where_the_tag_goes_is_refused_as_a_place() -> None:
    text = f"image:\n  repository: {IMAGE}\n  tag: [a, b]\n"
    with pytest.raises(
        ManifestError, match=r"values.yaml:3: image '.*': image.tag is a list, which helm renders"
    ):
        images.write(text, "values.yaml", [SPEC], [images.Update(IMAGE, tag="1.1.0")])
