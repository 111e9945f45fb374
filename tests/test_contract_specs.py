"""The vendored API descriptions are what their scripts make of the pinned sources, and the
contract layer fails what breaks them: an unknown operation, a required field a fake omits, a
request body of the wrong shape."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from testkit.contract import SPECS, Contract, example

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "github_spec_subset", ROOT / "scripts" / "github_spec_subset.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_github_subset_is_exactly_what_the_script_cuts() -> None:
    """The subset is closed under the script's cut: re-cutting it changes no byte, so nothing
    was added or edited by hand, and every operation the bot uses is in it."""
    script = _script()
    text = (SPECS / "github-rest-subset.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert script.dump(script.subset(doc)) == text
    served = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert served == set(script.OPERATIONS)


def test_every_vendored_description_is_named_in_the_readme() -> None:
    readme = (SPECS / "README.md").read_text(encoding="utf-8")
    for spec in SPECS.glob("*.json"):
        assert spec.name in readme


def test_a_pull_request_missing_a_required_field_breaks_the_contract() -> None:
    contract = Contract.load("github")
    pr = example("github", "pull-request")
    pr["requested_teams"] = []  # GitHub's own example omits the teams' required "type"
    contract.check("GET", "/repos/acme/gitops/pulls/1", None, 200, pr)
    assert contract.violations == []
    del pr["head"]
    contract.check("GET", "/repos/acme/gitops/pulls/1", None, 200, pr)
    assert contract.violations == [
        "GET /repos/acme/gitops/pulls/1 -> 200: answer (top): 'head' is a required property"
    ]


def test_a_request_of_the_wrong_shape_or_to_no_operation_breaks_the_contract() -> None:
    contract = Contract.load("github")
    contract.check("POST", "/repos/acme/gitops/pulls", {"title": "t"}, 422, {})
    contract.check("PUT", "/repos/acme/gitops/pulls/1", {}, 200, {})
    assert any("request body (top): 'head' is a required property" in v for v in contract.violations)
    assert any("PUT /repos/acme/gitops/pulls/1 -> 200: no such operation" in v for v in contract.violations)


def test_git_refs_with_slashes_match_their_operation() -> None:
    contract = Contract.load("github")
    op = contract.operation("get", "/repos/acme/gitops/git/ref/heads/gitops-bot/staging")
    assert op is not None and op.template == "/repos/{owner}/{repo}/git/ref/{ref}"
