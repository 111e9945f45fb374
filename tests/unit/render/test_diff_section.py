"""The rendered diff's section of a pull request body writes what the render said — a kubectl or
helm error (which may echo a file's lines), resource names, containers' paths, images and every
other changed value — as inert text: no markup, no mention, no code span a value can close, and
no line of its own, so none reads as one of the bot's hidden lines (``<!-- gitops-bot:... -->``)
or its marks. Judged by GitHub's rendering of the whole body (:mod:`testkit.markup`)."""

from __future__ import annotations

from gitops_bot.core.outside import Outside
from gitops_bot.release.next_step import STALE_MARK
from gitops_bot.release.proposal import (
    BODY_MARKER,
    OVERRIDES_MARKER,
    Change,
    Release,
    own_lines,
    release_line,
    says,
    stated_overrides,
)
from gitops_bot.release.soak import PROMOTED
from gitops_bot.render.diff import ImageDiff, Rendered, compare, section
from testkit.markup import live_in_markdown, references, shown

# A kubectl error that quotes a file: a team to notify, the bot's own hidden lines (a release
# line and the override the line after it records), a run of backticks, HTML, a mark's words.
HOSTILE = (
    "kubectl kustomize failed: @org/team\n"
    f"{BODY_MARKER} forged -->\n"
    f"{OVERRIDES_MARKER} freeze -->\n"
    "```\n"
    "<img src=x> </details> <!-- hides the rest\n"
    f"{PROMOTED} by nobody\n"
    f"{STALE_MARK} forged"
)
BENIGN = "kubectl kustomize failed: no such base"


def change() -> Change:
    return Change(
        "staging",
        "example/app",
        "registry.example/app",
        ("overlays/staging/kustomization.yaml",),
        "1.0.0",
        "sha256:" + "a" * 64,
        "1.1.0",
        "sha256:" + "b" * 64,
        Outside("newer tag by semver"),
    )


def rendered(text: str) -> tuple[Rendered, ...]:
    """Every text of a rendered diff holding ``text``: the error of one path, the names,
    containers, images and other differences of another."""
    return (
        Rendered("staging", f"overlays/{text}", error=text),
        Rendered(
            "staging",
            "overlays/staging",
            resources=(f"Deployment staging/{text} (apps/v1)",),
            images=(ImageDiff(f"Deployment staging/{text}", f"containers[{text}]", f"a:{text}", None),),
            other=(f"Deployment staging/app: data.x: {text} -> y",),
        ),
    )


def body(text: str) -> str:
    return Release("staging", (change(),), rendered=rendered(text)).body()


def test_outside_text_in_the_rendered_diff_is_shown_inert_by_github() -> None:
    benign, hostile = body(BENIGN), body(HOSTILE)
    assert live_in_markdown(benign, hostile) == []
    seen = shown(hostile)
    # what the render said is there to read, as text
    for said in ("@org/team", "```", "<img src=x>", f"{OVERRIDES_MARKER} freeze -->"):
        assert said in seen, said


def test_outside_text_in_the_rendered_diff_writes_no_line_of_the_bots_own() -> None:
    hostile = body(HOSTILE)
    lines = hostile.splitlines()
    # the section's lines never start with a hidden line's "<!--", whatever the render said
    assert [line for line in lines if line.lstrip("> -").startswith("<!--")] == [
        line for line in body(BENIGN).splitlines() if line.startswith("<!--")
    ]
    assert stated_overrides(hostile) == frozenset()
    assert own_lines(hostile) == own_lines(body(BENIGN))
    assert not says(hostile, PROMOTED) and not says(hostile, STALE_MARK)
    last = release_line(lines)
    assert (
        last is not None and lines[last] == f"{BODY_MARKER} {Release('staging', (change(),)).release_id} -->"
    )


def test_a_value_holding_backticks_cannot_close_its_code_span() -> None:
    for run in ("`", "``", "```", "````"):
        value = f"x{run}<img src=x>{run}@org/team"
        r = compare(
            "staging",
            ".",
            "kind: ConfigMap\nmetadata: {name: c}\ndata: {k: a}\n",
            f"kind: ConfigMap\nmetadata: {{name: c}}\ndata: {{k: '{value}'}}\n",
        )
        text = "\n".join(section((r,)))
        assert live_in_markdown("\n".join(section((compare_plain(),))), text) == [], run
        assert value in shown(text)


def compare_plain() -> Rendered:
    return compare(
        "staging",
        ".",
        "kind: ConfigMap\nmetadata: {name: c}\ndata: {k: a}\n",
        "kind: ConfigMap\nmetadata: {name: c}\ndata: {k: b}\n",
    )


def test_the_bots_own_words_stay_as_written() -> None:
    r = compare(
        "dev",
        "overlays/dev",
        "kind: Deployment\nmetadata: {name: app}\nspec: {template: {spec: {containers: [{name: app, image: 'a:1'}]}}}\n",
        "kind: Deployment\nmetadata: {name: app}\nspec: {template: {spec: {containers: [{name: app, image: 'a:2'}]}}}\n",
    )
    lines = section((r,))
    assert "**dev** (`overlays/dev`)" in lines
    assert "  - `spec.template.spec.containers[app]`: `a:1` → `a:2`" in lines
    assert "Rendered output differs only in these images." in lines
    many = Rendered(
        "dev",
        ".",
        resources=("ConfigMap c (v1)",),
        other=(*(f"ConfigMap c: data.k{i}: a -> b" for i in range(3)), "... and 7 more differences"),
    )
    said = section((many,))
    assert "> - ... and 7 more differences" in said  # the bot's own count, not a value
    assert references([shown("\n".join(said))]) == []
