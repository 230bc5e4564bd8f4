"""PowerShell ``Get-WinEvent | Export-Csv`` (5.1 with a ``#TYPE`` line, 7 without).

Claims a file whose first line is ``#TYPE System.Diagnostics.Eventing.Reader...`` or a header
naming at least two EventLogRecord properties (``Id``, ``ProviderName``, ``TimeCreated``, ...),
by content; ``*.csv`` by name too. Any column subset, in any order, with ``,``/``;``/TAB::

    #TYPE System.Diagnostics.Eventing.Reader.EventLogRecord
    "Message","Id","Version","Qualifiers","Level",...,"ProviderName",...,"TimeCreated",...
    "The VSS service is shutting down due to idle timeout.","8224",,"0","4",...,"VSS",...,"5/30/2024 1:15:45 PM",...

Emits the ``windows.event`` fields of :data:`.event_record.EVENT_FIELDS` with
``format=powershell-csv``. ``TimeCreated`` in the culture's format is local wall-clock time
(``date_order``); an ISO stamp keeps its offset. A quote that never closes is a ``malformed``
problem naming its line; the rows before it are kept.
"""

from __future__ import annotations

from ...events import Problem
from .. import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import begin_text, decode, parse_instant
from .common import normalise_path
from .csv_table import RowSpans, csv_rows, first_line
from .event_record import EVENT_FIELDS, SOURCE, record_from_powershell
from .local_dates import date_order, date_parts, local_datetime

__all__ = ["PARSER", "claim_powershell_csv"]

_TYPE_LINE = "#TYPE System.Diagnostics.Eventing"
_COLUMNS = {"id", "providername", "timecreated", "leveldisplayname", "logname", "recordid", "machinename"}


def _header(line: str) -> tuple[str, list[str]] | None:
    """``(delimiter, lower-case column names)`` of an Export-Csv header line, or None."""
    for delimiter in (",", ";", "\t"):
        rows, _ = csv_rows(line, delimiter)
        if rows:
            names = [c.strip().strip("\ufeff").lower() for c in rows[0][2]]
            if len(_COLUMNS.intersection(names)) >= 2 and ("id" in names or "providername" in names):
                return delimiter, names
    return None


def claim_powershell_csv(path: str, head: bytes) -> int:
    """``#TYPE System.Diagnostics.Eventing.Reader...`` or a header with Id/ProviderName/TimeCreated."""
    line = first_line(decode(head[:8192]).text)
    if not (line.startswith(_TYPE_LINE) or _header(line) is not None):
        return 0
    return BY_NAME_AND_CONTENT if normalise_path(path).endswith(".csv") else BY_CONTENT


def read_powershell_csv(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Rows of ``Get-WinEvent | Export-Csv`` (any column subset, any order)."""
    lines = begin_text(data, context, result)
    if lines is None:
        return
    skip = 0
    while skip < len(lines) and (not lines[skip].strip() or lines[skip].startswith("#TYPE")):
        skip += 1
    header = _header(lines[skip]) if skip < len(lines) else None
    spans = RowSpans(result, "powershell-csv")
    spans.leading = skip
    if header is None:
        result.problems.append(Problem(context.file, "malformed", "no PowerShell Export-Csv header line"))
        for number in range(skip + 1, result.lines + 1):
            result.unparsable(number)
        spans.flush()
        return
    delimiter, names = header
    rows, error = csv_rows("\n".join(lines[skip:]), delimiter, lines_before=skip)
    if error:
        result.problems.append(Problem(context.file, "malformed", error))
    time_column = names.index("timecreated") if "timecreated" in names else None
    dates = []
    if time_column is not None:
        stamps = (cells[time_column] for _, _, cells in rows[1:] if len(cells) > time_column)
        dates = [p for p in map(date_parts, stamps) if p is not None]
    order, ambiguous = date_order(dates)
    spans.leading += (rows[0][1] - skip) if rows else 0
    for first, last, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            if not spans.extend_last(last - first + 1):
                spans.leading += last - first + 1
            continue
        if len(cells) < min(2, len(names)):
            for number in range(first, last + 1):
                result.unparsable(number)
            continue
        record = record_from_powershell(dict(zip(names, cells)))
        if time_column is not None and len(cells) > time_column:
            stamp = cells[time_column]
            parts = date_parts(stamp)
            if parts is not None:
                record.time, record.local_time = local_datetime(parts, order), True
            else:
                record.time = parse_instant(stamp, naive="local")
                record.local_time = record.time is not None and record.time.tzinfo is None
        spans.add(record, first, last)
    consumed = rows[-1][1] if rows else skip
    for number in range(consumed + 1, result.lines + 1):
        result.unparsable(number)
    extras = {"date_order": order} if dates and not all(p.year_first for p in dates) else {}
    if ambiguous:
        extras["date_ambiguous"] = "true"
    spans.flush(extras)


PARSER = Parser("powershell-csv", SOURCE, claim_powershell_csv, read=read_powershell_csv, fields=EVENT_FIELDS)
