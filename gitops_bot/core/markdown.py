"""Text from outside (image labels, commit authors, Argo CD's messages, reasons) as one cell of
a Markdown table the bot writes: the PR body, the dashboard issue, the Action's step summary.

One function for every table, so no table forgets a case: the text is put on one line (a line
break ends the row), every character Markdown or a table gives meaning to is backslash-escaped
(``|`` would add a cell, ``<`` would open live HTML, ``[`` a link), ``&`` is written as
``&amp;`` (an entity cannot be spelled out), and ``@`` and ``#`` get a zero-width space so the
forge neither notifies whoever the text names nor links another issue (Renovate's way). A
cell is bounded: text from outside can be any length.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


MAX_CELL = 300  # characters of one cell's text: a label of megabytes is not a table


def cell(value: str) -> str:
    """``value`` as literal Markdown text in one table cell, at most ``MAX_CELL`` characters."""
    one = " ".join(value.split())
    if len(one) > MAX_CELL:
        one = one[: MAX_CELL - 1] + "…"
    one = one.replace("&", "&amp;")
    return _SPECIAL.sub(r"\\\1", one).replace("#", "#&#8203;").replace("@", "@&#8203;")
