"""The vendored API descriptions are what their scripts make of the pinned sources, and the
contract layer fails what breaks them: an unknown operation, a required field a fake omits, a
request body of the wrong shape."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

from testkit.contract import SPECS, Contract, example
from testkit.paths import ROOT


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


def _gitea_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gitea_spec_subset", ROOT / "scripts" / "gitea_spec_subset.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gitea_and_forgejo_subsets_are_exactly_what_the_script_cuts() -> None:
    """Re-cutting either vendored Swagger file changes no byte, and each serves every operation
    the bot and the Gitea fake use."""
    script = _gitea_script()
    for name in ("gitea", "forgejo"):
        text = (SPECS / f"{name}-subset.swagger.json").read_text(encoding="utf-8")
        doc = json.loads(text)
        assert script.dump(script.subset(doc)) == text
        served = {(p, m) for p, ops in doc["paths"].items() for m in ops}
        assert served == set(script.OPERATIONS), name


def test_gitea_fake_answers_name_only_fields_gitea_describes() -> None:
    """Gitea's definitions require nothing, so a leaked bookkeeping key would validate: the
    fake's PullRequest and Issue answers must use only properties the description names."""
    from testkit.gitea_server import issue, public

    doc = json.loads((SPECS / "gitea-subset.swagger.json").read_text(encoding="utf-8"))
    defs = doc["definitions"]
    user = {"login": "alice"}
    repo = {"full_name": "acme/gitops", "name": "gitops"}
    pr = {
        "id": 701,
        "number": 1,
        "state": "open",
        "title": "t",
        "body": "",
        "html_url": "https://gitea.test/acme/gitops/pulls/1",
        "head": {"ref": "h", "sha": "0" * 40, "repo": repo},
        "base": {"ref": "main", "repo": repo},
        "merged": False,
        "labels": [{"id": 1, "name": "gitops-bot"}],
        "assignees": [user],
        "requested_reviewers": [user],
        "comments_list": ["hello"],
        "auto_merge": None,
    }
    assert set(public(pr)) <= set(defs["PullRequest"]["properties"])
    assert set(issue(pr)) <= set(defs["Issue"]["properties"])
    assert "head" not in issue(pr) and issue(pr)["pull_request"]["merged"] is False
    contract = Contract.load("gitea")
    contract.check("PATCH", "/repos/acme/gitops/issues/1", {"assignees": ["alice"]}, 201, issue(pr))
    contract.check("PATCH", "/repos/acme/gitops/pulls/1", {"title": "t"}, 201, public(pr))
    assert contract.violations == []


def test_gitea_contract_refuses_a_wrong_type_and_an_unlisted_status() -> None:
    contract = Contract.load("gitea")
    contract.check(
        "POST", "/repos/acme/gitops/pulls", {"head": "h", "base": "main", "title": "t"}, 201, {"number": "1"}
    )
    contract.check("PATCH", "/repos/acme/gitops/issues/1", {}, 200, {})
    assert any("answer" in v and "'1' is not of type 'integer'" in v for v in contract.violations)
    assert any("status 200 is not an answer" in v for v in contract.violations)


def test_forgejo_contract_accepts_the_merge_request_the_bot_sends() -> None:
    contract = Contract.load("forgejo")
    body = {"Do": "squash", "merge_when_checks_succeed": True, "delete_branch_after_merge": True}
    contract.check("POST", "/repos/acme/gitops/pulls/1/merge", body, 201, None)
    contract.check("POST", "/repos/acme/gitops/pulls/1/merge", {"Do": "octopus"}, 405, None)
    assert contract.violations == [
        "POST /repos/acme/gitops/pulls/1/merge -> 405: request body Do: 'octopus' is not one of "
        "['merge', 'rebase', 'rebase-merge', 'squash', 'fast-forward-only', 'manually-merged']"
    ]


def test_gitlab_fake_answers_carry_no_bookkeeping_keys() -> None:
    """GitLab sends a merge request's notes as a count; the fake's read counter and note bodies
    stay out of what it answers."""
    from testkit.gitlab_server import public

    mr = {"iid": 1, "state": "opened", "notes": ["hello"], "_reads": 2}
    assert public(mr) == {"iid": 1, "state": "opened", "user_notes_count": 1}
