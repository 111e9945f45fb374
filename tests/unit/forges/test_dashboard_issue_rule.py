"""The dashboard issue's rule over any issue board: found by its label *and* its marker, created
once, edited only when its title or body change, never duplicated (closed counts as found; of
several, the open oldest is kept), and never over the size an issue holds."""

from __future__ import annotations

from dataclasses import replace

from gitops_bot.forges.issues import MARKER, MAX_BODY, Issue, IssueBoard, Kept, board_of, keep, with_marker

LABEL = "gitops-bot-dashboard"
ME = "gitops-bot"  # the board's token's user


class Board:
    """An in-memory forge's issues, counting the writes."""

    def __init__(self, *issues: tuple[Issue, str]) -> None:
        self.issues = list(issues)
        self.writes: list[str] = []
        self.asked = 0  # how often the identity was asked

    def identity(self) -> str:
        self.asked += 1
        return ME

    def issues_labelled(self, label: str) -> list[Issue]:
        return [i for i, lab in self.issues if lab == label]

    def create_issue(self, title: str, body: str, label: str) -> Issue:
        self.writes.append("create")
        issue = Issue(
            len(self.issues) + 1, f"https://forge.test/issues/{len(self.issues) + 1}", title, body, True, ME
        )
        self.issues.append((issue, label))
        return issue

    def edit_issue(self, issue: Issue, title: str, body: str) -> Issue:
        self.writes.append(f"edit #{issue.number}")
        new = replace(issue, title=title, body=body)
        self.issues = [(new if i.number == issue.number else i, lab) for i, lab in self.issues]
        return new


def test_created_once_then_unchanged_then_edited_when_the_table_changes() -> None:
    board = Board()
    assert isinstance(board, IssueBoard) and board_of(board) is board
    assert keep(board, "gitops-bot dashboard", "| a |", LABEL)[0] is Kept.CREATED
    assert keep(board, "gitops-bot dashboard", "| a |", LABEL)[0] is Kept.UNCHANGED
    assert keep(board, "gitops-bot dashboard", "| b |", LABEL)[0] is Kept.UPDATED
    assert keep(board, "renamed", "| b |", LABEL)[0] is Kept.UPDATED
    assert board.writes == ["create", "edit #1", "edit #1"]
    ((issue, _),) = board.issues
    assert issue.body.startswith(MARKER) and issue.body.endswith("| b |")


def test_an_issue_with_the_label_but_not_the_marker_is_someone_elses() -> None:
    theirs = Issue(1, "u", "gitops-bot dashboard", "I labelled this by hand", True, ME)
    board = Board((theirs, LABEL))
    assert keep(board, "gitops-bot dashboard", "x", LABEL)[0] is Kept.CREATED
    assert board.issues[0][0] == theirs  # untouched


def test_an_issue_quoting_the_marker_below_its_first_line_is_someone_elses() -> None:
    pasted = f"The dashboard shows this, see:\n\n> {MARKER}\n{with_marker('| a |')}"
    theirs = Issue(1, "u", "gitops-bot dashboard", pasted, True, ME)
    board = Board((theirs, LABEL))
    assert keep(board, "gitops-bot dashboard", "x", LABEL)[0] is Kept.CREATED
    assert board.issues[0][0] == theirs and board.writes == ["create"]  # untouched


def test_a_closed_dashboard_is_kept_closed_not_duplicated_and_the_open_oldest_wins() -> None:
    closed = Issue(3, "u3", "t", with_marker("old"), False, ME)
    board = Board((closed, LABEL))
    assert keep(board, "t", "new", LABEL)[0] is Kept.UPDATED and board.writes == ["edit #3"]
    newer = Issue(9, "u9", "t", with_marker("x"), True, ME)
    older = Issue(5, "u5", "t", with_marker("x"), True, ME)
    board = Board((newer, LABEL), (closed, LABEL), (older, LABEL))
    kept, issue = keep(board, "t", "x", LABEL)
    assert (kept, issue.number) == (Kept.UNCHANGED, 5) and board.writes == []


def test_a_table_longer_than_an_issue_holds_is_cut_at_a_line_with_a_note() -> None:
    body = with_marker("| row |\n" * 20_000)
    assert len(body) <= MAX_BODY and body.endswith("see `gitops-bot status`.\n")
    assert body.split("\n")[-4] == "| row |"


def test_a_forge_without_issues_has_no_board() -> None:
    assert board_of(object()) is None


def test_an_issue_another_user_wrote_with_the_marker_first_is_someone_elses() -> None:
    """The label and the first line are anyone's to write; the author is the forge's word."""
    theirs = Issue(1, "u", "gitops-bot dashboard", with_marker("| a |"), True, "mallory")
    nobody = Issue(2, "u2", "gitops-bot dashboard", with_marker("| a |"), True, "")
    board = Board((theirs, LABEL), (nobody, LABEL))
    kept, issue = keep(board, "gitops-bot dashboard", "| a |", LABEL)
    assert (kept, issue.number, issue.author) == (Kept.CREATED, 3, ME)
    assert [i for i, _ in board.issues][:2] == [theirs, nobody] and board.writes == ["create"]
    shouting = Issue(4, "u4", "gitops-bot dashboard", with_marker("| a |"), True, ME.upper())
    board = Board((shouting, LABEL))  # logins compare without case, as the forges compare them
    assert keep(board, "gitops-bot dashboard", "| a |", LABEL)[0] is Kept.UNCHANGED


def test_the_identity_is_asked_only_when_a_marked_issue_needs_telling_apart() -> None:
    board = Board((Issue(1, "u", "t", "no marker", True, "mallory"), LABEL))
    keep(board, "t", "x", LABEL)
    assert board.asked == 0 and board.writes == ["create"]
