"""Which lines of a script are data, not commands: a heredoc's (``cat > NOTES.md << EOF``, a
release note holding ``kubectl apply -f ...`` as usage text, a file written, a program's input),
for the one reading of the repository's scripts (:mod:`gitops_bot.engine.script_commands`)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

# a heredoc's opening (cat > f << EOF, <<-'EOF', <<"EOF"; not a here-string's <<<): the lines
# to its marker alone on a line are data (a note, a file, a program's input), not commands
_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?[ \t]*(?P<q>['\"]?)(?P<marker>[A-Za-z_][\w.-]*)(?P=q)")
_MARKER = re.compile(r"[A-Za-z_][\w.-]*")


def heredocs(lines: Sequence[str]) -> set[int]:
    """The indexes of each heredoc's lines, its closing marker's too; an opening no later line
    closes (``x << y``, a shift) holds none. Each closing line is found by lookup, once."""
    closing: dict[str, list[int]] = {}
    for n, line in enumerate(lines):
        if _MARKER.fullmatch(word := line.strip()):
            closing.setdefault(word, []).append(n)
    out: set[int] = set()
    after = 0  # lines before it are inside a heredoc already, or read
    for n, line in enumerate(lines):
        if n < after or (m := _HEREDOC.search(line)) is None:
            continue
        ends = closing.get(m["marker"], [])
        if (i := bisect.bisect_right(ends, n)) < len(ends):
            end = ends[i]
            out.update(range(n + 1, end + 1))
            after = end + 1
    return out
