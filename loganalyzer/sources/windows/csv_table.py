"""CSV reading for the event exports (no parser here): rows with their physical lines, the
unterminated quote named where it starts, and events that absorb the blank lines around them.
"""

from __future__ import annotations

import csv
import io
import re

from .. import ParseResult
from .event_record import EventRecord, emit

__all__ = ["RowSpans", "csv_rows", "first_line"]

Row = tuple[int, int, list[str]]


def _open_quote(text: str, delimiter: str) -> int | None:
    """Offset of the quote that opens a field and is never closed in ``text``, or None.

    ``text`` starts at a record boundary; quoting follows the ``csv`` module's default dialect
    (a quote opens a field only as its first character; ``""`` inside it is a literal quote).
    Only quotes, delimiters and line ends are visited, so a long tail costs little.
    """
    specials = re.compile('["\r\n' + re.escape(delimiter) + "]")
    field_begin: int | None = 0
    index = 0
    while True:
        found = specials.search(text, index)
        if found is None:
            return None
        position = found.start()
        if text[position] != '"':
            field_begin = index = position + 1
            continue
        if position != field_begin:
            index = position + 1  # a literal quote inside an unquoted field
            continue
        close = position
        while True:
            close = text.find('"', close + 1)
            if close < 0:
                return position
            if text.startswith('""', close):
                close += 1
                continue
            break
        field_begin, index = None, close + 1


def csv_rows(text: str, delimiter: str, lines_before: int = 0) -> tuple[list[Row], str | None]:
    """``(first line, last line, cells)`` per CSV record, and an error text if reading stopped.

    Line numbers count from 1 at the start of ``text`` plus ``lines_before`` (the lines of the
    file before ``text``).

    A quote that is never closed would swallow the rest of the file into one field: that row is
    dropped and named (``unterminated quote on line N``), so the rows before it are kept and its
    lines count as unparsed.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    previous = 0
    try:
        for cells in reader:
            rows.append((previous + 1, reader.line_num, cells))
            previous = reader.line_num
    except csv.Error as error:
        unterminated = _unterminated(text, previous, delimiter, lines_before)
        message = unterminated or f"CSV unreadable after line {previous + lines_before}: {error}"
        return _shifted(rows, lines_before), message
    if rows:
        unterminated = _unterminated(text, rows[-1][0] - 1, delimiter, lines_before)
        if unterminated:
            rows.pop()
            return _shifted(rows, lines_before), unterminated
    return _shifted(rows, lines_before), None


def _shifted(rows: list[Row], lines: int) -> list[Row]:
    return [(first + lines, last + lines, cells) for first, last, cells in rows] if lines else rows


def _unterminated(text: str, rows_end: int, delimiter: str, lines_before: int) -> str | None:
    """The message for a quote opened after line ``rows_end`` of ``text`` and never closed, or None."""
    start = 0
    if rows_end:  # the offset after newline number rows_end, found from whichever end is nearer
        newlines = text.count("\n")
        if rows_end > newlines:
            return None
        if rows_end <= newlines - rows_end:
            for _ in range(rows_end):
                start = text.find("\n", start) + 1
        else:
            start = len(text)
            for _ in range(newlines - rows_end + 1):
                start = text.rfind("\n", 0, start)
            start += 1
    tail = text[start:]
    opened = _open_quote(tail, delimiter)
    if opened is None:
        return None
    line = lines_before + rows_end + 1 + tail.count("\n", 0, opened)
    kept = lines_before + rows_end
    return (f"unterminated quote: the quoted field that starts on line {line} never ends; "
            f"lines 1-{kept} were read, the rest of the file was not" if kept else
            f"unterminated quote: the quoted field that starts on line {line} never ends; the file was not read")


def first_line(text: str) -> str:
    """The first line that is not blank."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


class RowSpans:
    """Collects events with their physical lines, so that blank lines join the event before them
    and lines before the first event join the first event."""

    def __init__(self, result: ParseResult, fmt: str) -> None:
        self.result = result
        self.fmt = fmt
        self.pending: list[tuple[EventRecord, int, int]] = []  # record, first line, span
        self.leading = 0

    def add(self, record: EventRecord, first: int, last: int) -> None:
        self.pending.append((record, first, last - first + 1))

    def extend_last(self, lines: int, text: str | None = None) -> bool:
        """Add ``lines`` (and ``text`` to the message) to the last event; False when there is none."""
        if not self.pending:
            return False
        record, first, span = self.pending[-1]
        if text is not None:
            record.message = (record.message + "\n" + text) if record.message else text
        self.pending[-1] = (record, first, span + lines)
        return True

    def flush(self, extras: dict[str, str] | None = None) -> None:
        for index, (record, first, span) in enumerate(self.pending):
            if extras:
                record.extra.update(extras)
            emit(self.result, record, self.fmt, line=first, span=span + (self.leading if index == 0 else 0))
        if not self.pending:
            for number in range(1, self.leading + 1):
                self.result.unparsable(number)
