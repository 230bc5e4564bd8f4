"""PowerShell ``Get-WinEvent | ConvertTo-Json``: an array of EventLogRecord objects (or one).

Claims a JSON array or object whose objects carry ``ProviderName``, or ``TimeCreated`` and
``Id``, by content; ``*.json`` by name too. Windows PowerShell 5.1 writes ``/Date(ms)/`` times
(and DateTime objects with a ``value``), PowerShell 7 ISO-8601 with an offset::

    [{"Id": 1000, "ProviderName": "Application Error", "Level": 2, "LevelDisplayName": "Error",
      "TimeCreated": "\\/Date(1717074945331)\\/", "Message": "Faulting application name: ...",
      "Properties": [{"Value": "IaaSBcdrExtension.exe"}, {"Value": "1.0.92.0"}]}]

Emits the ``windows.event`` fields of :data:`.event_record.EVENT_FIELDS` with
``format=powershell-json``; ``Properties`` values become ``param1..N`` (their names are lost in
this export). A document that breaks part way keeps the objects before the break.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from datetime import datetime

from ...events import Problem
from ...redaction import redact_json
from .. import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import (
    MAX_JSON_DEPTH,
    begin_text,
    decode,
    json_depth,
    lookup,
    parse_instant,
    parse_ms_date,
)
from .common import line_starts, normalise_path, scalar_text
from .event_record import EVENT_FIELDS, SOURCE, emit, record_from_powershell
from .local_dates import date_order, date_parts, local_datetime

__all__ = ["PARSER", "claim_powershell_json"]

_BLANK = " \t\r\n\ufeff"


def claim_powershell_json(path: str, head: bytes) -> int:
    """A JSON array/object whose objects carry ``ProviderName`` or ``TimeCreated`` and ``Id``."""
    text = decode(head[:8192]).text.lstrip("\ufeff \t\r\n")
    if not text.startswith(("[", "{")):
        return 0
    if not ('"ProviderName"' in text or ('"TimeCreated"' in text and '"Id"' in text)):
        return 0
    return BY_NAME_AND_CONTENT if normalise_path(path).endswith(".json") else BY_CONTENT


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _BLANK:
        at += 1
    return at


def _json_items(text: str) -> Iterator[tuple[int, int, object]]:
    """``(start, end, value)`` of each top-level element of a JSON array (or the lone object).

    Raises ``ValueError`` where the document breaks, after yielding what came before.
    """
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep; not read")
    decoder = json.JSONDecoder()
    length = len(text)
    position = _skip(text, 0)
    if position < length and text[position] == "{":
        value, end = decoder.raw_decode(text, position)
        yield position, end, value
        if _skip(text, end) != length:
            raise ValueError(f"unexpected text after the JSON object at offset {end}")
        return
    if position >= length or text[position] != "[":
        raise ValueError("not a JSON array or object")
    position = _skip(text, position + 1)
    if position < length and text[position] == "]":
        return
    while True:
        value, end = decoder.raw_decode(text, position)
        yield position, end, value
        position = _skip(text, end)
        if position < length and text[position] == ",":
            position = _skip(text, position + 1)
            continue
        if position < length and text[position] == "]":
            if _skip(text, position + 1) != length:
                raise ValueError(f"unexpected text after the JSON array at offset {position}")
            return
        raise ValueError(f"expected ',' or ']' at offset {position}")


def _time(value: object) -> tuple[datetime | None, bool]:
    """``(time, is_local)`` of a TimeCreated value."""
    if isinstance(value, dict):  # Windows PowerShell 5.1 DateTime with ETS members
        value = value.get("value") or value.get("Value") or value.get("DateTime")
    if not isinstance(value, str):
        return None, False
    if "/Date(" in value:
        return parse_ms_date(value), False
    moment = parse_instant(value, naive="local")
    if moment is not None:
        return moment, moment.tzinfo is None
    parts = date_parts(value)
    if parts is None:
        return None, False
    order, _ = date_order([parts])
    return local_datetime(parts, order), True


def read_powershell_json(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Objects of ``Get-WinEvent | ConvertTo-Json``: Properties become param1..N."""
    lines = begin_text(data, context, result, line_bound=None)
    if lines is None:
        return
    text = "\n".join(lines)
    starts = line_starts(text)
    items: list[tuple[int, object]] = []
    last_line = result.lines  # last line belonging to the readable part
    try:
        for start, end, value in _json_items(text):
            items.append((bisect.bisect_right(starts, start), value))
            last_line = bisect.bisect_right(starts, max(start, end - 1))
    except (ValueError, RecursionError) as error:
        result.problems.append(Problem(context.file, "malformed", f"JSON does not parse: {error}"))
        if not items:
            last_line = 0
    else:
        last_line = result.lines
    for index, (first, value) in enumerate(items):
        line = first if index else 1
        stop = items[index + 1][0] - 1 if index + 1 < len(items) else last_line
        span = max(0, stop - line + 1)
        if not isinstance(value, dict):
            for number in range(line, line + span):
                result.unparsable(number)
            continue
        values = {str(k).lower(): v for k, v in value.items()}
        record = record_from_powershell(values)
        record.time, record.local_time = _time(values.get("timecreated"))
        properties = values.get("properties")
        if isinstance(properties, list):
            for item in properties:
                inner = lookup(item, "Value") if isinstance(item, dict) else item
                record.data.append((None, scalar_text(redact_json(inner))))
        emit(result, record, "powershell-json", line=first, span=span)
    for number in range(last_line + 1, result.lines + 1):
        result.unparsable(number)


PARSER = Parser("powershell-json", SOURCE, claim_powershell_json, read=read_powershell_json, fields=EVENT_FIELDS)
