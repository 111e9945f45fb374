"""A version of a kustomization read from the entries it changed (``ledger.by_entries``) gives
the sites reading the whole file gives, or says it cannot tell; a release that only changes
values of entries in the middle of the list is read that way."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gitops_bot.core.errors import UsageError
from gitops_bot.manifests import images
from gitops_bot.release.ledger import by_entries
from testkit.examples import examples

NAME = "kustomization.yaml"
SPECS = [images.ImageSpec(f"app{i}", f"registry.test/acme/app{i}") for i in range(0, 12, 2)]  # every other


def entry(i: int, tag: str, style: str) -> list[str]:
    quote = {"plain": tag, "single": f"'{tag}'", "double": f'"{tag}"'}[style]
    lines = [f"- name: app{i}", f"  newName: registry.test/acme/app{i}", f"  newTag: {quote}"]
    return [*lines, "  digest: sha256:" + f"{i:x}" * 64] if i % 3 == 0 else lines


def kustomization(tags: list[str]) -> list[str]:
    body = [line for i, tag in enumerate(tags) for line in entry(i, tag, "plain")]
    return ["resources: [deploy.yaml]", "images:", *body, "replicas:", "- name: app", "  count: 2", ""]


def sites_of(before: tuple[list[str], list[images.Site]], after: list[str]) -> list[images.Site] | None:
    found = by_entries(before, after, NAME, SPECS)
    return None if found is None else found[0]


def full(lines: list[str]) -> list[images.Site] | None:
    try:
        return images.read("\n".join(lines), NAME, SPECS, strict=False)
    except UsageError:
        return None


EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60),  # which line
        st.sampled_from(
            [
                "  newTag: 2.0.0",
                "  newTag: '2.0.1'",
                '  newTag: "2.0.2',  # an unterminated quote
                "  newTag: &t 2.0.3",
                "  newTag: *t",
                "- name: app3",  # a rename (app3 is not configured)
                "- name: app4",
                "replicas: 3",  # a key that ends the list
                "  # a comment",
                "   newTag: 2.0.4",  # a deeper indent: no longer the entry's key
                "  newTag: |",
                "\tnewTag: 2",
                "  digest: sha256:" + "f" * 64,
            ]
        ),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=examples(400), deadline=None)
@given(EDITS)
# a name written twice: the second app4 entry applies to nothing once the first renamed app4
@example(edits=[(2, "- name: app4")])
def test_a_version_read_by_its_entries_is_the_version_read_whole(edits: list[tuple[int, str]]) -> None:
    before = kustomization([f"1.{i}.0" for i in range(12)])
    sites = full(before)
    assert sites is not None
    after = list(before)
    for at, text in edits:
        after[at % len(after)] = text
    quick = sites_of((before, sites), after)
    if quick is not None:
        assert quick == full(after)


def test_a_release_of_values_in_the_middle_of_the_list_reads_only_its_entries() -> None:
    before = kustomization([f"1.{i}.0" for i in range(12)])
    sites = full(before)
    assert sites is not None
    after = list(before)
    at = after.index("- name: app4") + 2
    after[at] = "  newTag: 9.9.9"
    quick = sites_of((before, sites), after)
    assert quick is not None and quick == full(after)
    assert [s.tag for s in quick if s.image == "app4"] == ["9.9.9"]
    # the last entry runs to the key that ends the list: read by its entry too
    last = after.index("- name: app11") + 2
    after[last] = "  newTag: 9.9.9"
    quick = sites_of((before, sites), after)
    assert quick is not None and quick == full(after)
    # past the list's end (another key's value): the whole file is read
    after[after.index("  count: 2")] = "  count: 3"
    assert sites_of((before, sites), after) is None


@settings(max_examples=examples(300), deadline=None)
@given(EDITS, EDITS)
@example(first=[(2, "- name: app4")], second=[(0, "  newTag: 2.0.0")])
def test_a_version_read_by_entries_from_one_read_by_entries_is_the_version_read_whole(
    first: list[tuple[int, str]], second: list[tuple[int, str]]
) -> None:
    """The history reads each version from the one before it, carrying the sites' first lines
    from one answer to the next: a chain of such reads gives what reading each whole gives."""
    before = kustomization([f"1.{i}.0" for i in range(12)])
    sites = full(before)
    assert sites is not None
    middle, after = list(before), list(before)
    for at, text in first:
        middle[at % len(middle)] = text
    after = list(middle)
    for at, text in second:
        after[at % len(after)] = text
    one = by_entries((before, sites), middle, NAME, SPECS)
    if one is None:
        return
    assert one[0] == full(middle)
    assert one[1] == [s.line - 1 for s in one[0]]
    two = by_entries((middle, one[0]), after, NAME, SPECS, one[1])
    if two is not None:
        assert two[0] == full(after)
