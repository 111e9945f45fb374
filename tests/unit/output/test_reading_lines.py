"""The text plan's reading lines: images other environments render are folded into one line per
environment (a first plan of a repository with a cicd overlay had ~25 lines, each with a rename
fix that was wrong); a misnamed image keeps its own line with its fix."""

from __future__ import annotations

from gitops_bot.core.model import EnvironmentMode, EnvironmentPlan, Plan, PlanAction, PlanItem
from gitops_bot.core.reading import ImageReading, PinStatus
from gitops_bot.output.onboarding import body
from gitops_bot.output.text import _reading_lines, plan_text


def test_other_environments_images_fold_into_one_line_and_a_misnamed_one_keeps_its_fix() -> None:
    reading = [
        ImageReading("dev", "quay.io/acme/ci", PinStatus.NOT_RENDERED, reason="only cicd renders it"),
        ImageReading("dev", "quay.io/acme/cli", PinStatus.NOT_RENDERED, reason="only cicd renders it"),
        ImageReading(
            "dev",
            "quay.io/acme/typo",
            PinStatus.NOT_RENDERED,
            reason="nothing dev renders names it",
            fix="name it",
        ),
    ]
    assert _reading_lines(reading) == [
        "  quay.io/acme/typo: not rendered: nothing dev renders names it (fix: name it)",
        "  not rendered here, other environments' images: quay.io/acme/ci, quay.io/acme/cli (only cicd renders it)",
    ]


def test_many_other_environments_images_are_named_once_per_reason_and_counted_past_eight() -> None:
    """julscloudops/ManifestsForArgoCD: ten environments (a chart each), each printing a
    ~2,500-character line naming the ~30 images the others render, each with its own reason."""
    reading = [
        ImageReading(
            "velero", f"gcr.io/demo/svc{i}", PinStatus.NOT_RENDERED, reason="only default renders it"
        )
        for i in range(10)
    ]
    reading += [
        ImageReading(
            "velero", "docker.io/bitnami/kibana", PinStatus.NOT_RENDERED, reason="only kibana renders it"
        )
    ]
    [line] = _reading_lines(reading)
    assert line == (
        "  not rendered here, other environments' images: gcr.io/demo/svc0, gcr.io/demo/svc1, gcr.io/demo/svc2, "
        "gcr.io/demo/svc3, gcr.io/demo/svc4, gcr.io/demo/svc5, gcr.io/demo/svc6, gcr.io/demo/svc7 (only default "
        "renders it), and 3 more (--output json lists each)"
    ), line


def test_the_onboarding_body_lists_no_other_environments_image_as_blocked() -> None:
    """The onboarding pull request's "Blocked, and why" holds what a person must fix, not the
    images other environments render."""
    reading = (
        ImageReading("dev", "quay.io/acme/ci", PinStatus.NOT_RENDERED, reason="only cicd renders it"),
        ImageReading(
            "dev", "quay.io/acme/typo", PinStatus.NOT_RENDERED, reason="nothing names it", fix="name it"
        ),
    )
    plan = Plan((EnvironmentPlan("dev", EnvironmentMode.REGISTRY, (), reading=reading),))
    text = body("version: 1\n", plan, ())
    blocked = text.split("### Blocked, and why", 1)[1].split("###", 1)[0]
    assert "acme/typo" in blocked  # markdown-escaped: quay\\.io
    assert "acme/ci" not in blocked


def test_a_skipped_images_reason_is_printed_once() -> None:
    # the row's reason is the reading's words; the reading line under the rows said them again
    # (newcomer4 on jhomaralglen/welcome-nodejs-github: 4 long lines for 2 images)
    refused = ImageReading(
        "dev",
        "quay.io/acme/app",
        PinStatus.UNSUPPORTED,
        reason="kustomize refuses overlays/dev/kustomization.yaml",
        fix="add the file",
    )
    item = PlanItem(
        "dev", refused.image, "k.yaml", refused.image, "semver", PlanAction.SKIP, refused.describe(), None
    )
    other = ImageReading("dev", "quay.io/acme/ci", PinStatus.NOT_RENDERED, reason="only cicd renders it")
    plan = Plan((EnvironmentPlan("dev", EnvironmentMode.REGISTRY, (item,), reading=(refused, other)),))
    text = plan_text(plan)
    assert text.count("kustomize refuses") == 1, text
    assert "  not rendered here, other environments' images: quay.io/acme/ci (only cicd renders it)" in text
