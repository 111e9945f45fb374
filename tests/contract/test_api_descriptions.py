"""The vendored API descriptions are what their scripts make of the pinned sources, and the
contract layer fails what breaks them: an unknown operation, a required field a fake omits, a
request body of the wrong shape."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from types import ModuleType

from testkit.contract import SPECS, Contract, example
from testkit.paths import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spec_subset", ROOT / "scripts" / "spec_subset.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_subset_is_exactly_what_the_script_cuts() -> None:
    """Each vendored subset (GitHub, Gitea, Forgejo, GitLab) is closed under the script's cut:
    re-cutting it changes no byte, so nothing was added or edited by hand, and each serves every
    operation the bot and its fake use."""
    script = _script()
    for name, service in script.SERVICES.items():
        text = (SPECS / service.out).read_text(encoding="utf-8")
        doc = json.loads(text)
        assert script.dump(script.subset(doc, service.operations)) == text, name
        served = {(p, m) for p, ops in doc["paths"].items() for m in ops}
        assert served == set(service.operations), name


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


def test_gitlab_fake_merge_request_names_only_fields_gitlab_describes() -> None:
    """GitLab's MergeRequest entity requires nothing either: the fake's answers use only
    properties the description names, and its notes answer has exactly the docs example's keys."""
    from testkit.gitlab_server import FakeGitLab, public

    doc = json.loads((SPECS / "gitlab-subset.swagger.json").read_text(encoding="utf-8"))
    server = FakeGitLab.__new__(FakeGitLab)
    server.project, server.project_id, server.pulls = "acme/gitops", 42, []
    mr = server._new({"title": "t", "source_branch": "h", "target_branch": "main"})
    assert set(public(mr)) <= set(doc["definitions"]["API_Entities_MergeRequest"]["properties"])
    note = server._note(mr, "hello")
    contract = Contract.load("gitlab")
    contract.check("POST", "/projects/acme%2Fgitops/merge_requests/1/notes", {"body": "hello"}, 201, note)
    assert contract.violations == []


def test_gitlab_contract_checks_documented_types_not_grape_swagger_placeholders() -> None:
    """``iid`` is documented an integer and fails as a string; ``draft`` is grape-swagger's bare
    string placeholder and GitLab answers a boolean there; lists are checked item by item."""
    contract = Contract.load("gitlab")
    path = "/projects/acme%2Fgitops/merge_requests"
    contract.check(
        "GET", f"{path}/1", None, 200, {"iid": 1, "draft": False, "assignees": [], "head_pipeline": None}
    )
    contract.check("GET", path + "?state=opened", None, 200, [{"iid": 1}, {"iid": 2}])
    assert contract.violations == []
    contract.check("GET", f"{path}/1", None, 200, {"iid": "1"})
    contract.check("GET", path, None, 200, [{"iid": "2"}])
    contract.check("GET", path, None, 200, {"iid": 2})
    contract.check("POST", path, {"title": "t", "target_branch": "main"}, 201, {"iid": 1})
    assert [v.split(": ", 1)[1] for v in contract.violations] == [
        "answer iid: '1' is not of type 'integer'",
        "answer item 0 iid: '2' is not of type 'integer'",
        "answer (top): not a list",
        "request body (top): 'source_branch' is a required property",
    ]


def test_gitlab_notes_are_held_to_the_docs_example() -> None:
    """The notes endpoint is not in GitLab's description: its answer must carry the docs
    example's keys with their types, and the request the documented required ``body``."""
    contract = Contract.load("gitlab")
    notes = "/projects/acme%2Fgitops/merge_requests/1/notes"
    contract.check("POST", notes, {}, 201, {"id": 1, "body": "x"})
    assert "request body (top): 'body' is a required parameter (docs)" in contract.violations[0]
    assert any("'author' is in the docs example but missing" in v for v in contract.violations)
    contract = Contract.load("gitlab")
    note = example_note()
    note["_reads"], note["id"] = 1, "301"
    contract.check("POST", notes, {"body": "x"}, 201, note)
    assert sorted(v.split(": ", 1)[1] for v in contract.violations) == [
        "answer/id: string where the docs example has number",
        "answer: '_reads' is not in the docs example",
    ]
    contract = Contract.load("gitlab")
    contract.check("POST", notes, {"body": "x"}, 200, example_note())
    assert contract.violations[0].endswith("status 200 is not the documented 201")


def example_note() -> dict:  # type: ignore[type-arg]
    doc = json.loads((SPECS / "gitlab-docs-examples.json").read_text(encoding="utf-8"))
    return dict(
        doc["operations"]["post /api/v4/projects/{id}/merge_requests/{merge_request_iid}/notes"]["answer"]
    )


def test_a_gitlab_list_described_as_an_array_is_checked_as_one() -> None:
    """Should a refreshed description type the merge request list as an array (as upstream does
    where Grape says ``is_array``), the answer is still checked as a list of merge requests."""
    doc = copy.deepcopy(Contract.load("gitlab").document)
    listing = doc["paths"]["/api/v4/projects/{id}/merge_requests"]["get"]["responses"]["200"]
    listing["schema"] = {"type": "array", "items": listing["schema"]}
    contract = Contract("gitlab", doc, "", "/api/v4")
    contract.check("GET", "/projects/42/merge_requests", None, 200, [{"iid": 1}])
    assert contract.violations == []
    contract.check("GET", "/projects/42/merge_requests", None, 200, [{"iid": "1"}])
    contract.check("GET", "/projects/42/merge_requests", None, 200, {"iid": 1})
    assert len(contract.violations) == 2


def test_gitlab_issues_are_held_to_the_docs_examples() -> None:
    """Issues are not in GitLab's description either: the list answer must be a list whose every
    item has the docs example's keys and types (null only where another example of the same
    entity shows null), and a new issue needs its documented ``title``."""
    contract = Contract.load("gitlab")
    doc = json.loads((SPECS / "gitlab-docs-examples.json").read_text(encoding="utf-8"))
    item = dict(doc["operations"]["get /api/v4/projects/{id}/issues"]["answer"][0])
    issues = "/projects/acme%2Fgitops/issues"
    contract.check("GET", issues + "?state=all&labels=x", None, 200, [{**item, "milestone": None}])
    assert contract.violations == []
    contract.check("GET", issues, None, 200, item)
    contract.check("GET", issues, None, 200, [{**item, "title": None}])
    contract.check("GET", issues, None, 200, [{k: v for k, v in item.items() if k != "web_url"}])
    contract.check("POST", issues, {"description": "d"}, 201, {})
    assert [v.split(": ", 1)[1] for v in contract.violations][:4] == [
        "answer (top): not a list",
        "answer item 0/title: null where the docs example has string",
        "answer item 0: 'web_url' is in the docs example but missing",
        "request body (top): 'title' is a required parameter (docs)",
    ]
