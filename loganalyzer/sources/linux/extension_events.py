"""VMSnapshotLinux telemetry ``var/log/azure/<Handler>/events/*.json`` (source ``extension.log``).

One event per array entry, in UTC::

    [{"Version": "1.0.9218.0", "Timestamp": "2024-05-30T13:15:50.123456", "TaskName": "Handler",
      "EventLevel": "Info", "Message": "2024-05-30T13:15:45.100000\\t[Info]:\\tstarting enable \\n",
      "EventPid": "4242", "EventTid": "00001234", "OperationId": "6c2e0a54-..."}]

Fields: ``version``, ``task_name``, ``event_level``, ``event_pid``, ``event_tid``,
``operation_id``, ``timestamp``, ``message_lines``, ``entries`` (0 on an empty file's one event),
``salvaged`` (messages recovered by pattern from broken JSON, line numbers counted in one pass),
plus the milestone fields found in the messages.
"""

from __future__ import annotations

import json
import re
from datetime import UTC

from ...events import Problem
from ...redaction import redact_json
from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import begin_text, decode, load_json, looks_binary, mark_unparsed
from .extension_common import (
    EXTENSION_FIELDS,
    SNAPSHOT_FIELDS,
    SOURCE,
    _emit,
    _Entry,
    _handler_from_path,
    _level,
    _parse_stamp,
    _relative,
    _snapshot_fields,
    _under_azure_logs,
)

# ---------------------------------------------------------------------------------------------
# events/*.json

_EVENT_MESSAGE_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)\t\[(\w+)\]:\t")
_EVENT_KEYS = (
    ("Version", "version"),
    ("TaskName", "task_name"),
    ("EventLevel", "event_level"),
    ("EventPid", "event_pid"),
    ("EventTid", "event_tid"),
    ("OperationId", "operation_id"),
    ("Timestamp", "timestamp"),
)
_EVENT_MARK_KEYS = ("Message", "TaskName", "EventLevel", "EventPid", "OperationId")
_SEVERITY = {"verbose": 0, "info": 1, "warning": 2, "error": 3}
_MESSAGE_SALVAGE = re.compile(r'"Message"\s*:\s*("(?:[^"\\]|\\.)*")')


def _event_entry(message: str, extra: dict[str, str], line: int, component: str | None,
                 fallback_time: str | None, event_level: str | None) -> _Entry:
    stamps = [_EVENT_MESSAGE_LINE.match(text) for text in message.split("\n")]
    stamps = [m for m in stamps if m]
    moment = _parse_stamp(stamps[0].group(1)) if stamps else None
    if moment is None and fallback_time:
        moment = _parse_stamp(fallback_time)
    levels = [_level(m.group(2)) for m in stamps]
    levels = [lv for lv in levels if lv]
    level = max(levels, key=_SEVERITY.__getitem__) if levels else _level(event_level)
    fields = dict(extra)
    fields["message_lines"] = str(len([t for t in message.split("\n") if t.strip()]))
    for text in message.split("\n"):
        stamped = _EVENT_MESSAGE_LINE.match(text)
        for key, value in _snapshot_fields(text[stamped.end():] if stamped else text).items():
            fields.setdefault(key, value)
    if moment is not None:
        moment = moment.replace(tzinfo=UTC)
    return _Entry(line, moment, False, None, level, component, [message.rstrip()], fields, span=0)


def _read_events_json(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Parse one ``events/*.json`` telemetry file: one event per array entry (UTC)."""
    lines = begin_text(data, context, result, binary_message="binary data where JSON was expected", line_bound=None)
    if lines is None:
        return
    text = "\n".join(lines)
    component = _handler_from_path(context.path)
    try:
        document = load_json(text)
    except ValueError as error:
        _salvage_events(text, context, result, component, f"not valid JSON: {error}")
        return
    if not isinstance(document, list):
        _salvage_events(text, context, result, component, "top level is not a JSON array")
        return
    if document and not any(isinstance(item, dict) and any(key in item for key in _EVENT_MARK_KEYS) for item in document):
        result.problems.append(Problem(context.file, "malformed", "JSON array holds no extension events"))
        mark_unparsed(result)
        return
    document = redact_json(document)
    entries: list[_Entry] = []
    for item in document:
        if not isinstance(item, dict):
            continue
        extra = {name: str(item[key]) for key, name in _EVENT_KEYS if item.get(key) is not None}
        message = item.get("Message")
        entries.append(_event_entry(
            message if isinstance(message, str) else json.dumps(message),
            extra, 1, component,
            item.get("Timestamp") if isinstance(item.get("Timestamp"), str) else None,
            item.get("EventLevel") if isinstance(item.get("EventLevel"), str) else None,
        ))
    if not entries:
        entries.append(_Entry(1, None, False, None, None, component, ["events file holds no events"], {"entries": "0"}))
    entries[0].span = result.lines
    memo: dict[str, str] = {}
    for entry in entries:
        _emit(result, entry, memo)


def _salvage_events(text: str, context: ParseContext, result: ParseResult,
                    component: str | None, why: str) -> None:
    """Broken JSON: a problem, every line unparsed, and the messages a regex can still find."""
    result.problems.append(Problem(context.file, "malformed", why))
    mark_unparsed(result)
    memo: dict[str, str] = {}
    line, counted_to = 1, 0  # line numbers counted on from the previous match: linear in the text
    for match in _MESSAGE_SALVAGE.finditer(text):
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        try:
            message = load_json(match.group(1))
        except ValueError:
            continue
        entry = _event_entry(message, {"salvaged": "1"}, line, component, None, None)
        _emit(result, entry, memo)


def _claim_events_json(path: str, head: bytes) -> int:
    """``var/log/azure/<Handler>/events/*.json``, or an array of VMSnapshot telemetry events."""
    text = "" if looks_binary(head) else decode(head).text
    content = text.lstrip().startswith("[") and all(
        key in text for key in ('"TaskName"', '"EventPid"', '"OperationId"')
    )
    parts = _relative(path).lower().split("/")
    by_name = _under_azure_logs(path) and len(parts) >= 2 and parts[-2] == "events" and parts[-1].endswith(".json")
    if by_name:
        return BY_NAME_AND_CONTENT if content else BY_NAME
    return BY_CONTENT if content else 0


EVENTS_JSON_FIELDS = {
    **EXTENSION_FIELDS,
    **SNAPSHOT_FIELDS,
    "version": "extension version of the entry",
    "task_name": "TaskName",
    "event_level": "EventLevel as written",
    "event_pid": "EventPid",
    "event_tid": "EventTid",
    "operation_id": "OperationId",
    "timestamp": "Timestamp as written",
    "message_lines": "number of lines in the entry's message",
    "entries": "0 on the one event of a file with no entries",
    "salvaged": "1 on messages recovered by pattern from broken JSON",
}

EVENTS_JSON = Parser("extension events json", SOURCE, _claim_events_json, read=_read_events_json, fields=EVENTS_JSON_FIELDS)
parse_events_json = EVENTS_JSON.parse

PARSERS: tuple[Parser, ...] = (EVENTS_JSON,)
