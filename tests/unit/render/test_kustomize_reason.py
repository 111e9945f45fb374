"""The reason quoted for a kustomization kubectl refuses is kustomize's error, never the
deprecation warning it prints first."""

from __future__ import annotations

from pathlib import Path

from gitops_bot.render.tools import _reason

WARNING = (
    "# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' "
    "to update your Kustomization automatically."
)


def test_kustomizes_error_is_quoted_not_its_deprecation_warning(tmp_path: Path) -> None:
    # triplom/infrastructure-repo-argocd@ad37116a apps/external-app2/overlays/qa (found by a
    # newcomer): the plan said "kubectl kustomize failed: # Warning: 'patchesStrategicMerge' is
    # deprecated ..." and the error kustomize printed after it was lost
    error = (
        "Error: no matches for Id Deployment.v1.apps/external-app-deployment.[noNs]; failed to find unique "
        "target for patch Deployment.v1.apps/external-app-deployment.[noNs]"
    )
    assert _reason([WARNING, error], tmp_path) == error
    assert _reason(["", WARNING, "accumulating resources: x"], tmp_path) == "accumulating resources: x"
    assert _reason([WARNING], tmp_path) == WARNING  # nothing else said: what it said
    assert _reason([], tmp_path) == ""
    assert (
        _reason([f"Error: {tmp_path}/tree/a/kustomization.yaml: bad"], tmp_path)
        == "Error: a/kustomization.yaml: bad"
    )


def test_a_path_leading_out_of_the_copy_names_no_private_directory(tmp_path: Path) -> None:
    """A values file written ../../../../outside/x.yaml resolves beside the render's copy of the
    tree, in the private directory, whose random name made the reason (the dashboard's skip
    line) differ on every run."""
    side = tmp_path / "render-x1y2" / "before"
    line = f"error: evalsymlink failure on '{side.parent}/outside/x.yaml' : lstat {side.parent}/outside: no such file"
    said = _reason([line], side)
    assert str(tmp_path) not in said, said
    # as the repository's root (the copy's tree) reaches it
    assert said == "error: evalsymlink failure on '../../outside/x.yaml' : lstat ../../outside: no such file"


def test_the_cause_after_a_quoted_config_or_inside_klog_s_block_is_said(tmp_path: Path) -> None:
    """joryirving/home-ops kubernetes/apps/main/network (rescore20's W3): kustomize quotes the
    replacements config over several lines and says the cause after it; the reason stopped at
    the first line ("… with config: `"), or at klog's '"command failed" err=<', so the fix "fix
    what kubectl kustomize names" named nothing."""
    quoted = [
        "Error: trouble configuring builtin ReplacementTransformer with config: `",
        "Replacements:",
        "- path: ../c/r.yaml",
        "`: security; file 'c/r.yaml' is not in or below 'a'",
    ]
    cause = (
        "Error: trouble configuring builtin ReplacementTransformer with config: security; file 'c/r.yaml' "
        "is not in or below 'a'"
    )
    assert _reason(quoted, tmp_path) == cause
    klog = [
        'E1129 10:01:02.123456   4242 run.go:72] "command failed" err=<',
        *(f"\t{q}" for q in quoted),
        " >",
    ]
    assert _reason(klog, tmp_path) == cause
