"""Property: for generated kustomizations and edits, the output differs from the input only
inside the edited entries, and re-reads to exactly the intended values."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.manifests.kustomize import ImageEdit, extract_images, set_images
from testkit.examples import examples

NAMES = ["api", "web", "worker", "localhost:5000/team/app", "ghcr.io/acme/db"]
TAGS = st.sampled_from(
    ["1.0.0", "v2", "1.10", "3141e59", "20231010", "latest", "true", "main-17-abc1234", "2"]
)
DIGESTS = st.sampled_from([None, "sha256:" + "a" * 64, "sha256:" + "b" * 64])


def scalar(value: str, style: str) -> str:
    if style == "'":
        return f"'{value}'"
    if style == '"' or value in ("1.10", "3141e59", "20231010", "true", "2"):
        return json.dumps(value)
    return value


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[str], dict[str, dict[str, str | None]]]:
    """Entries in any key order, with empty values and newTag: TAG@DIGEST among them."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    dash_col = draw(st.sampled_from([0, 2, 4]))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    state: dict[str, dict[str, str | None]] = {}
    blocks = []
    for name in names:
        tag, digest = draw(TAGS), draw(DIGESTS)
        style = draw(st.sampled_from(["", "'", '"']))
        comment = draw(st.sampled_from(["", "  # note", ' # {"$imagepolicy": "ns:p:tag"}']))
        pad = " " * dash_col
        form = draw(st.sampled_from(["fields", "empty tag", "empty digest", "tag@digest"]))
        fields = {"name": f"name: {name}{comment}", "newTag": f"newTag: {scalar(tag, style)}{comment}"}
        if form == "empty tag":  # "newTag:" with nothing after it (YAML null): no tag yet
            fields["newTag"], tag = "newTag:", None
        if form == "tag@digest" and digest:  # kustomize reads the digest out of newTag
            fields["newTag"] = f"newTag: {tag}@{digest}{comment}"
        elif digest:
            fields["digest"] = f"digest: {digest}"
        elif form == "empty digest":
            fields["digest"] = "digest:"
        order = draw(st.permutations(list(fields)))  # kustomize itself writes digest first
        lines = [f"{pad}{'- ' if i == 0 else '  '}{fields[k]}" for i, k in enumerate(order)]
        if draw(st.booleans()):
            lines.append(f"{pad}# between entries")
        blocks.append(nl.join(lines) + nl)
        state[name] = {"newTag": tag, "digest": digest}
    header = f"apiVersion: kustomize.config.k8s.io/v1beta1{nl}resources:{nl}- ../base{nl}images:{nl}"
    footer = f"namespace: demo{nl}replicas:{nl}- name: api{nl}  count: 2{nl}"
    text = header + "".join(blocks) + footer
    if draw(st.booleans()):
        text = text.removesuffix(nl)
    return text, blocks, state


@settings(max_examples=examples(150), deadline=None)
@given(doc=documents(), data=st.data())
def test_only_intended_values_change(
    doc: tuple[str, list[str], dict[str, dict[str, str | None]]], data: st.DataObject
) -> None:
    text, blocks, state = doc
    names = list(state)
    targets = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    edits = []
    for name in targets:
        tag = data.draw(TAGS)
        digest = data.draw(st.sampled_from([None, "sha256:" + "c" * 64]))
        edits.append(ImageEdit(name, new_tag=tag, digest=digest))
        state[name] = {"newTag": tag, "digest": digest}

    out = set_images(text, edits)

    # untouched entries, the header and the footer are byte-identical
    for name, block in zip(names, blocks, strict=True):
        if name not in targets:
            assert block in out
    assert out.startswith(text[: text.index("images:")])
    assert out.endswith(text[text.index("namespace: demo") :])
    # the result reads back to exactly the intended values, nothing else moved
    got = {i.name: {"newTag": i.new_tag, "digest": i.digest} for i in extract_images(out)}
    assert got == state
    # idempotent
    assert set_images(out, edits) == out
