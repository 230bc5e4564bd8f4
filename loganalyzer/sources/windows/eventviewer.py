"""Event Viewer "Save All Events As" exports: CSV, or tab-separated TXT.

Claims a file whose first line is the localised five-name header (English, Swedish, German,
French) or an event row, by content; ``*.csv`` (``*.txt``, ``*.tsv``, ``*.tab`` for TXT) by
name too. The message is a sixth unnamed, quoted, multi-line column::

    Level,Date and Time,Source,Event ID,Task Category
    Error,5/30/2024 1:15:45 PM,Application Error,1000,(100),"Faulting application name: ...
    Exception code: 0xc0000005"

Emits the ``windows.event`` fields of :data:`.event_record.EVENT_FIELDS` with
``format=eventviewer-csv`` or ``eventviewer-txt``: ``level_name``, ``provider``, ``event_id``,
``task`` (``(100)``) or ``task_name``, and ``date_order``/``date_ambiguous`` for the local
wall-clock date (added with ``local_time=True``). A quote that never closes is a ``malformed``
problem naming its line; the rows before it are kept.
"""

from __future__ import annotations

import re

from ...events import Problem
from .. import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import begin_text, decode, split_lines
from .common import normalise_path
from .csv_table import RowSpans, csv_rows
from .event_record import EVENT_FIELDS, SOURCE, EventRecord
from .local_dates import DateParts, date_order, date_parts, local_datetime

__all__ = ["CSV_PARSER", "EVENTVIEWER_HEADERS", "TXT_PARSER", "claim_eventviewer_csv", "claim_eventviewer_txt"]

#: header names of the five named columns, per UI language (lower-case)
EVENTVIEWER_HEADERS = {
    "en": ("level", "date and time", "source", "event id", "task category"),
    "sv": ("nivå", "datum och tid", "källa", "händelse-id", "aktivitetskategori"),
    "de": ("ebene", "datum und uhrzeit", "quelle", "ereignis-id", "aufgabenkategorie"),
    "fr": ("niveau", "date et heure", "source", "id de l'événement", "catégorie de la tâche"),
}
_KNOWN_HEADER_NAMES = {name for names in EVENTVIEWER_HEADERS.values() for name in names}
_TASK_NUMBER = re.compile(r"\(\d+\)")


def _is_header(cells: list[str]) -> bool:
    names = [c.strip().strip("\ufeff").lower() for c in cells if c.strip()]
    return 4 <= len(names) <= 6 and sum(n in _KNOWN_HEADER_NAMES for n in names) >= 3


def _row_date(cells: list[str]) -> DateParts | None:
    """The row's date when ``cells`` has the shape level, date, source, id, category, message."""
    if len(cells) < 5 or not cells[3].strip().isdigit():
        return None
    return date_parts(cells[1])


def _claim(path: str, head: bytes, delimiter: str, extensions: tuple[str, ...]) -> int:
    lines = [line for line in split_lines(decode(head[:8192]).text)[:6] if line.strip()]
    if not lines:
        return 0
    rows, _ = csv_rows(lines[0], delimiter)
    first = rows[0][2] if rows else []
    if not (_is_header(first) or _row_date(first) is not None):
        return 0
    return BY_NAME_AND_CONTENT if normalise_path(path).endswith(extensions) else BY_CONTENT


def claim_eventviewer_csv(path: str, head: bytes) -> int:
    """Event Viewer CSV: five localised header names, six-field rows."""
    return _claim(path, head, ",", (".csv",))


def claim_eventviewer_txt(path: str, head: bytes) -> int:
    """Event Viewer tab-delimited TXT: same columns separated by TAB."""
    return _claim(path, head, "\t", (".txt", ".tsv", ".tab"))


def _record(cells: list[str], parts: DateParts, order: str, delimiter: str) -> EventRecord:
    record = EventRecord(level_name=cells[0].strip())
    record.time = local_datetime(parts, order)
    record.local_time = True
    record.provider = cells[2].strip()
    record.event_id = cells[3].strip()
    category = cells[4].strip()
    if _TASK_NUMBER.fullmatch(category):
        record.task = category[1:-1]
    elif category:
        record.task_name = category
    record.message = delimiter.join(cells[5:])
    if record.time is None:
        record.extra["time_text"] = cells[1].strip()
    return record


def _read(data: bytes, context: ParseContext, result: ParseResult, delimiter: str, fmt: str) -> None:
    lines = begin_text(data, context, result)
    if lines is None:
        return
    rows, error = csv_rows("\n".join(lines), delimiter)
    if error:
        result.problems.append(Problem(context.file, "malformed", error))
    dates = [_row_date(cells) for _, _, cells in rows]
    order, ambiguous = date_order(parts for parts in dates if parts is not None)
    spans = RowSpans(result, fmt)
    header_seen = False
    for (first, last, cells), parts in zip(rows, dates):
        if parts is not None:
            spans.add(_record(cells, parts, order, delimiter), first, last)
        elif not header_seen and not spans.pending and _is_header(cells):
            header_seen = True
            spans.leading += last - first + 1
        elif not any(c.strip() for c in cells):
            if not spans.extend_last(last - first + 1):
                spans.leading += last - first + 1
        elif not (fmt == "eventviewer-txt" and spans.extend_last(last - first + 1, delimiter.join(cells))):
            for number in range(first, last + 1):
                result.unparsable(number)
    consumed = rows[-1][1] if rows else 0
    for number in range(consumed + 1, result.lines + 1):
        result.unparsable(number)
    extras = {"date_order": order}
    if ambiguous:
        extras["date_ambiguous"] = "true"
    spans.flush(extras)


def read_eventviewer_csv(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Rows of an Event Viewer CSV export (local time, localised words)."""
    _read(data, context, result, ",", "eventviewer-csv")


def read_eventviewer_txt(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Rows of an Event Viewer tab-delimited text export; unquoted continuation lines join the message."""
    _read(data, context, result, "\t", "eventviewer-txt")


CSV_PARSER = Parser("eventviewer-csv", SOURCE, claim_eventviewer_csv, read=read_eventviewer_csv, fields=EVENT_FIELDS)
TXT_PARSER = Parser("eventviewer-txt", SOURCE, claim_eventviewer_txt, read=read_eventviewer_txt, fields=EVENT_FIELDS)
