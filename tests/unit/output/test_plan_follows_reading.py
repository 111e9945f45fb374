"""The text plan says what the reading says: every place an inherited image is set (or how many),
the version column by the reading's status (never "(not deployed)" for an image the
environment renders), several versions as differing, and an environment's own branch in its
header whether or not it reads anything."""

from __future__ import annotations

from gitops_bot.core.model import (
    Deployed,
    EnvironmentMode,
    EnvironmentPlan,
    Plan,
    PlanAction,
    PlanItem,
)
from gitops_bot.core.reading import (
    KUSTOMIZE_ENTRY,
    ImageReading,
    Pin,
    PinKind,
    PinStatus,
    WouldWrite,
)
from gitops_bot.engine.results import Row
from gitops_bot.output import github, status_cells
from gitops_bot.output.result import Planned, Result
from gitops_bot.output.text import plan_text

IMAGE = "ghcr.io/acme/app"


def _pin(file: str, line: int, tag: str | None, *shared: str, effective: bool = True) -> Pin:
    return Pin(file, line, PinKind.CONTAINER, effective, shared, IMAGE, tag, None)


def _inherited(*pins: Pin) -> ImageReading:
    own = WouldWrite("overlays/dev/kustomization.yaml", KUSTOMIZE_ENTRY)
    return ImageReading("dev", IMAGE, PinStatus.INHERITED, pins, would_write=own)


def _item(current: Deployed | None, reason: str = "up to date") -> PlanItem:
    action = PlanAction.NONE if current else PlanAction.SKIP
    return PlanItem("dev", IMAGE, "overlays/dev", IMAGE, "semver", action, reason, current)


def _plan(*items: PlanItem, reading: tuple[ImageReading, ...] = (), branch: str | None = None) -> str:
    env = EnvironmentPlan("dev", EnvironmentMode.REGISTRY, items, reading=reading, branch=branch)
    return plan_text(Plan((env,)))


def test_an_inherited_image_set_in_two_places_names_both() -> None:
    r = _inherited(
        _pin("base/api/deployment.yaml", 29, "latest", "prod"),
        _pin("base/hasura/deployment.yaml", 50, "latest", "prod"),
    )
    said = r.describe()
    assert "base/api/deployment.yaml:29" in said and "base/hasura/deployment.yaml:50" in said
    assert "(rendered by prod too)" in said


def test_an_inherited_image_also_set_in_the_environments_own_file_names_that_too() -> None:
    r = _inherited(
        _pin("base/daemonset.yaml", 20, "latest", "prod"),
        _pin("overlays/dev/connector/deployment.yaml", 29, "latest"),
    )
    said = r.describe()
    assert "base/daemonset.yaml:20 (rendered by prod too)" in said
    assert "overlays/dev/connector/deployment.yaml:29 (dev's own)" in said


def test_many_places_are_counted_after_the_first() -> None:
    r = _inherited(*(_pin(f"base/w{n}.yaml", 7, "1.0", "prod") for n in range(6)))
    said = r.describe()
    assert "inherited from base/w0.yaml:7 and 5 more (rendered by prod too)" in said
    assert "base/w1.yaml" not in said


def test_a_rendered_image_without_a_deployed_version_is_not_said_not_deployed() -> None:
    r = ImageReading(
        "dev",
        IMAGE,
        PinStatus.UNSUPPORTED,
        (_pin("deploy/bases/backend/deployment.yaml", 26, "6.14.1", "staging"),),
        reason="set only in deploy/bases/backend/deployment.yaml:26",
    )
    row = _plan(_item(None, "unsupported: set only in ..."), reading=(r,)).splitlines()[1]
    assert "(not deployed)" not in row
    assert row.split()[1] == "6.14.1"


def test_an_unsupported_image_with_no_version_read_says_so() -> None:
    r = ImageReading("dev", IMAGE, PinStatus.UNSUPPORTED, (_pin("x.yaml", 3, None),), reason="a template")
    row = _plan(_item(None, "unsupported"), reading=(r,)).splitlines()[1]
    assert row.split()[1] == "(unsupported)"


def test_an_image_the_environment_does_not_render_is_said_not_rendered() -> None:
    r = ImageReading("dev", IMAGE, PinStatus.NOT_RENDERED, reason="nothing renders it", fix="add its path")
    row = _plan(_item(None, "not rendered"), reading=(r,)).splitlines()[1]
    assert row.split()[1:3] == ["(not", "rendered)"]


def test_several_paths_pinning_different_versions_show_each_in_the_row() -> None:
    r = ImageReading(
        "dev",
        IMAGE,
        PinStatus.PINNED,
        (_pin("overlays/us/kustomization.yaml", 5, "1.0"), _pin("overlays/eu/kustomization.yaml", 5, "1.2")),
    )
    row = _plan(_item(Deployed(IMAGE, None, "1.2", None)), reading=(r,)).splitlines()[1]
    assert "1.0 (and 1.2 in overlays/eu/kustomization.yaml)" in row


def test_one_version_in_several_places_is_the_deployed_version() -> None:
    r = ImageReading("dev", IMAGE, PinStatus.PINNED, (_pin("a.yaml", 5, "1.2"), _pin("b.yaml", 5, "1.2")))
    row = _plan(_item(Deployed(IMAGE, None, "1.2", None)), reading=(r,)).splitlines()[1]
    assert row.split()[1] == "1.2"


def test_an_environment_on_its_own_branch_says_so_when_it_reads_nothing() -> None:
    assert _plan(branch="env/staging").splitlines()[0] == "dev (on branch env/staging)"


def test_the_step_summary_shows_the_version_the_reading_says() -> None:
    r = ImageReading(
        "dev",
        IMAGE,
        PinStatus.UNSUPPORTED,
        (_pin("deploy/bases/backend/deployment.yaml", 26, "6.14.1", "staging"),),
        reason="set only in a shared base",
    )
    env = EnvironmentPlan("dev", EnvironmentMode.REGISTRY, (_item(None, "unsupported"),), reading=(r,))
    summary = github.markdown_summary(Result("plan", Planned(Plan((env,))), 0))
    row = next(line for line in summary.splitlines() if IMAGE in line)
    assert "`6.14.1`" in row


def test_the_step_summary_shows_each_version_of_several_places() -> None:
    r = ImageReading(
        "dev", IMAGE, PinStatus.PINNED, (_pin("us/k.yaml", 5, "1.0"), _pin("eu/k.yaml", 5, "1.2"))
    )
    env = EnvironmentPlan(
        "dev", EnvironmentMode.REGISTRY, (_item(Deployed(IMAGE, None, "1.2", None)),), reading=(r,)
    )
    summary = github.markdown_summary(Result("plan", Planned(Plan((env,))), 0))
    assert "1.0 (and 1.2 in eu/k.yaml)" in summary


def _status_row(declared: Deployed | None, reading: ImageReading) -> Row:
    plan = _item(declared, "unsupported")
    return Row("dev", IMAGE, "overlays/dev", declared, IMAGE, plan, None, None, reading=reading)


def test_the_status_table_declared_cell_follows_the_reading() -> None:
    rendered = ImageReading(
        "dev",
        IMAGE,
        PinStatus.UNSUPPORTED,
        (_pin("deploy/bases/backend/deployment.yaml", 26, "6.14.1", "qa"),),
    )
    absent = ImageReading("dev", IMAGE, PinStatus.NOT_RENDERED, reason="nothing renders it")
    assert status_cells.cells(_status_row(None, rendered))[2][0] == "6.14.1"
    assert status_cells.cells(_status_row(None, absent))[2][0] == "(not rendered)"


def test_the_json_plan_names_an_environments_own_branch() -> None:
    env = EnvironmentPlan("dev", EnvironmentMode.REGISTRY, (), branch="env/dev")
    assert env.to_json()["branch"] == "env/dev"
    assert "branch" not in EnvironmentPlan("qa", EnvironmentMode.REGISTRY, ()).to_json()
