"""Property: in generated multi-document manifests, setting one repository's image changes
only the lines holding that repository's ``image:`` values, and re-reads to the new values."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_bot.manifests.images import ImageSpec, Update, edit, read, write
from gitops_bot.manifests.workloads import repository_key
from testkit.examples import examples

REPOS = ["ghcr.io/acme/api", "nginx", "localhost:5000/team/app", "docker.io/library/redis"]
TAGS = st.sampled_from(["1.0.0", "v2", "1.10", "3141e59", "latest", "main-17-abc1234"])
DIGESTS = st.sampled_from([None, "sha256:" + "a" * 64])
KINDS = {
    "Deployment": ["spec", "template", "spec"],
    "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    "Pod": ["spec"],
}


def ref(repo: str, tag: str, digest: str | None) -> str:
    return f"{repo}:{tag}" + (f"@{digest}" if digest else "")


def quoted(value: str, style: str) -> str:
    return {"'": f"'{value}'", '"': json.dumps(value)}.get(style, value)


@st.composite
def manifests(draw: st.DrawFn) -> tuple[str, list[tuple[str, str | None]]]:
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    docs = []
    images: list[tuple[str, str | None]] = []  # (repo, digest) per image line, in order
    for d in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(sorted(KINDS)))
        lines = [f"kind: {kind}", f"metadata: {{name: w{d}}}"]
        indent = ""
        for key in KINDS[kind]:
            lines.append(f"{indent}{key}:")
            indent += "  "
        dash = draw(st.sampled_from(["", "  "]))
        for list_key in draw(
            st.lists(st.sampled_from(["containers", "initContainers"]), min_size=1, unique=True)
        ):
            lines.append(f"{indent}{list_key}:")
            for c in range(draw(st.integers(1, 3))):
                repo, tag, digest = draw(st.sampled_from(REPOS)), draw(TAGS), draw(DIGESTS)
                style = draw(st.sampled_from(["", "'", '"']))
                comment = draw(st.sampled_from(["", "  # pinned"]))
                value = quoted(ref(repo, tag, digest), style)
                if draw(st.booleans()):
                    lines.append(f"{indent}{dash}- {{name: c{c}, image: {value}}}{comment}")
                else:
                    lines.append(f"{indent}{dash}- name: c{c}")
                    lines.append(f"{indent}{dash}  image: {value}{comment}")
                images.append((repo, digest))
        docs.append(nl.join(lines) + nl)
    text = ("---" + nl).join(docs)
    if draw(st.booleans()):
        text = text.removesuffix(nl)
    return text, images


@settings(max_examples=examples(150), deadline=None)
@given(doc=manifests(), target=st.sampled_from(REPOS), tag=TAGS, digest=DIGESTS)
def test_only_image_lines_of_the_repository_change(
    doc: tuple[str, list[tuple[str, str | None]]], target: str, tag: str, digest: str | None
) -> None:
    text, _ = doc
    key = repository_key(target)
    specs = [ImageSpec("it", key)]
    out = write(text, "m.yaml", specs, [Update("it", tag=tag, digest=digest)])
    before, after = text.splitlines(keepends=True), out.splitlines(keepends=True)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        if old != new:  # only image lines of the target repository, only inside the value
            assert "image:" in old
            repos = [r for r in REPOS if any(f"{q}{r}:" in old for q in (" ", "'", '"'))]
            assert repos and all(repository_key(r) == key for r in repos)
            assert old.split("image:")[0] == new.split("image:")[0]
    sites = read(out, "m.yaml", specs)
    assert all(s.tag == tag and s.digest == digest for s in sites)
    assert len(sites) == len(read(text, "m.yaml", specs))


@st.composite
def helm_values(draw: st.DrawFn) -> tuple[str, bool]:
    """An ``image:`` block of Helm values with its keys in any order, the tag or digest possibly
    empty (``tag:``, ``digest: ""``) and the digest key possibly absent; (text, has digest key)."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    tag = draw(st.sampled_from(["tag:", 'tag: ""', "tag: 1.0.0", "tag: '1.10'"]))
    digest = draw(st.sampled_from([None, "digest:", 'digest: ""', "digest: ~", "digest: sha256:" + "b" * 64]))
    fields = ["repository: ghcr.io/acme/app", tag] + ([digest] if digest else [])
    lines = ["app:", "  image:", *(f"    {f}" for f in draw(st.permutations(fields))), "  replicas: 2"]
    if draw(st.booleans()):
        lines = lines[:-1]  # the image block ends the file
    text = nl.join(lines) + nl
    return (text.removesuffix(nl) if draw(st.booleans()) else text), digest is not None


@settings(max_examples=examples(100), deadline=None)
@given(doc=helm_values(), tag=TAGS, digest=DIGESTS)
def test_helm_values_in_any_key_order_with_empty_values(
    doc: tuple[str, bool], tag: str, digest: str | None
) -> None:
    text, has_digest_key = doc
    specs = [ImageSpec("it", None, {"tag": "app.image.tag"})]  # the digest key found beside the tag
    result = edit(text, "values.yaml", specs, [Update("it", tag=tag, digest=digest)])
    assert bool(result.unwritten) == (digest is not None and not has_digest_key)
    before, after = text.splitlines(keepends=True), result.text.splitlines(keepends=True)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        if old != new:
            assert old.lstrip().startswith(("tag:", "digest:")) and old.endswith(
                new[len(new.rstrip("\r\n")) :]
            )
    (site,) = read(result.text, "values.yaml", specs)
    assert site.tag == tag and site.digest == (digest if has_digest_key else None)
    assert edit(result.text, "values.yaml", specs, [Update("it", tag=tag, digest=digest)]).text == result.text
