"""The one place every CSV the product writes goes through: the API's ``?format=csv`` lists,
``/api/v1/exports/*.csv`` and ``manage.py export_catalogue``.

Spreadsheet programs run a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula (and a
leading tab or carriage return can hide one), and the catalogue's text comes from users: a platform
named ``=HYPERLINK("https://evil.example","Click")`` would otherwise be a live link (or worse) in
whoever opens the export. Such cells are written with a leading apostrophe, the mitigation OWASP
recommends, which spreadsheets show as text.

The change can be undone exactly (:func:`restore_cell`), so a neutralised export imported back is
still a round trip: a cell that already began with an apostrophe followed by one of those
characters (or by another apostrophe) is prefixed too, so that every cell reads back as written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_RISKY_FIRST = frozenset((*FORMULA_PREFIXES, _QUOTE))


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a spreadsheet shows it as text: a string beginning with a formula character
    gets a leading apostrophe. Anything that is not a string is returned as it is."""
    # The common case first, and cheap: it runs for every cell of a 100,000-row export.
    if not isinstance(value, str) or not value or value[0] not in _RISKY_FIRST:
        return value
    if value[0] != _QUOTE or value[1:2] in _RISKY_FIRST:
        return _QUOTE + value
    return value


def restore_cell(value: str) -> str:
    """The cell as it was before :func:`spreadsheet_safe` (for importers reading an export)."""
    if value.startswith(_QUOTE) and value[1:].startswith((*FORMULA_PREFIXES, _QUOTE)):
        return value[1:]
    return value


# Lines sent at a time: a server writes each piece to the socket, so not one row at a time.
LINES_PER_PIECE = 100


class _Line:
    """A file-like object whose ``write`` returns what it is given (Django's streaming CSV
    recipe): the csv module formats one row, and the row is yielded at once."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    fieldnames: Iterable[str], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\n"
) -> Iterator[str]:
    """The header and then one CSV line per row (a sequence of cells in ``fieldnames`` order),
    every cell made :func:`spreadsheet_safe`.

    A generator of pieces of ``LINES_PER_PIECE`` lines: nothing more is held, so a
    ``StreamingHttpResponse`` or a file can be fed from it in constant memory.
    """
    fieldnames = list(fieldnames)
    writer = csv.writer(_Line(), lineterminator=lineterminator)
    yield writer.writerow(fieldnames)
    lines: list[str] = []
    for row in rows:
        lines.append(writer.writerow([spreadsheet_safe(cell) for cell in row]))
        if len(lines) == LINES_PER_PIECE:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
