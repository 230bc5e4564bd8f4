"""The neutral record every Windows event export is read into, and its one normaliser.

No parser here: :mod:`.evtx`, :mod:`.event_xml`, :mod:`.eventviewer`, :mod:`.powershell_csv`
and :mod:`.powershell_json` fill an :class:`EventRecord` and call :func:`emit`, so a rule
written for one export format sees the same ``fields`` (:data:`EVENT_FIELDS`) in all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ...redaction import redact
from .. import ParseResult
from .common import redact_fields, scalar_text
from .event_derived import DERIVED_FIELDS, derive

__all__ = ["EVENT_FIELDS", "SOURCE", "EventRecord", "emit", "record_from_powershell"]

SOURCE = "windows.event"

EVENT_FIELDS = {
    "format": "evtx | xml | rendered-xml | eventviewer-csv | eventviewer-txt | powershell-csv | powershell-json",
    "provider": "provider name (Application Error, Service Control Manager)",
    "event_id": "event id: the low 16 bits, as Event Viewer shows it",
    "qualifiers": "high bits of a classic event id (49152 = error)",
    "level": "numeric level 0-5 (also derived from a localised level word)",
    "level_name": "the level word of a rendered export (Error, Fehler, Fel)",
    "task": "numeric task",
    "task_name": "Task Category column, TaskDisplayName or RenderingInfo Task",
    "opcode": "numeric opcode",
    "keywords": "keywords as hex (0x80000000000000)",
    "channel": "log name (Application, System)",
    "computer": "machine name",
    "record_id": "EventRecordID / RecordId",
    "user_sid": "Security@UserID",
    "process_id": "Execution@ProcessID",
    "data.*": "named EventData values (manifest providers; SCM data.param1)",
    "param*": "unnamed positional EventData values (classic providers) and PowerShell Properties, 1-based",
    "user_data.*": "UserData values, nested names joined with dots",
    "binary": "EventData Binary as hex (first 1024 characters)",
    "binary_text": "the Binary data as text, when it is printable UTF-16LE or ASCII",
    "date_order": "how a localised date was read: mdy, dmy or ymd",
    "date_ambiguous": "true when no row of the file told month from day",
    "time_text": "the date cell as written, when it could not be read",
    "culture": "RenderingInfo culture of a RenderedXml export (en-US, de-DE)",
    **DERIVED_FIELDS,
}


@dataclass
class EventRecord:
    provider: str = ""
    event_id: str = ""
    qualifiers: str = ""
    level: str = ""
    level_name: str = ""
    task: str = ""
    task_name: str = ""
    opcode: str = ""
    keywords: str = ""
    record_id: str = ""
    channel: str = ""
    computer: str = ""
    user_sid: str = ""
    process_id: str = ""
    time: datetime | None = None
    local_time: bool = False
    message: str = ""
    #: EventData values: (Name or None for positional, value)
    data: list[tuple[str | None, str]] = field(default_factory=list)
    user_data: list[tuple[str, str]] = field(default_factory=list)
    binary: str = ""
    extra: dict[str, str] = field(default_factory=dict)


_LEVEL_BY_NUMBER = {0: "info", 1: "error", 2: "error", 3: "warning", 4: "info", 5: "verbose"}

#: localised level words (en, sv, de, fr, es) -> numeric level
_LEVEL_WORDS = {
    "critical": 1, "kritisk": 1, "kritisch": 1, "critique": 1, "crítico": 1,
    "error": 2, "fel": 2, "fehler": 2, "erreur": 2,
    "warning": 3, "varning": 3, "warnung": 3, "avertissement": 3, "advertencia": 3,
    "information": 4, "informationen": 4, "informations": 4, "información": 4,
    "audit success": 4, "audit failure": 4, "granskning lyckades": 4,
    "granskning misslyckades": 4, "überwachung erfolgreich": 4, "überwachung gescheitert": 4,
    "verbose": 5, "utförlig": 5, "ausführlich": 5, "commentaires": 5, "detallado": 5,
}

_RECORD_KEYS = ("provider", "event_id", "qualifiers", "level", "level_name", "task", "task_name",
                "opcode", "keywords", "channel", "computer", "record_id", "user_sid", "process_id")


def _level(record: EventRecord) -> str | None:
    """error|warning|info|verbose from the numeric level, else from the localised word."""
    if record.level.strip().lstrip("-").isdigit():
        return _LEVEL_BY_NUMBER.get(int(record.level), None)
    number = _LEVEL_WORDS.get(record.level_name.strip().lower())
    if number is not None:
        record.level = str(number)
        return _LEVEL_BY_NUMBER[number]
    return None


def _decode_binary(hexdata: str) -> str:
    """Printable text inside an EventData Binary blob (SCM key names, VSS diagnostics)."""
    try:
        raw = bytes.fromhex(hexdata)
    except ValueError:
        return ""
    if len(raw) >= 4 and raw[1::2].count(0) >= len(raw) // 2 - 1:
        text = raw.decode("utf-16-le", errors="replace")
    else:
        text = raw.decode("latin-1")
    text = text.rstrip("\x00").replace("\x00", " ")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text.strip() if text and printable / len(text) > 0.9 else ""


_SPACES = re.compile(r"\s+")


def _compact(data: list[tuple[str, str]]) -> str:
    """``key=value; key=value`` with whitespace folded, each value cut at 300 characters."""
    parts = []
    for key, value in data:
        value = _SPACES.sub(" ", value).strip()
        if len(value) > 300:
            value = value[:300] + "..."
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def emit(result: ParseResult, record: EventRecord, fmt: str, *, line: int, span: int) -> None:
    """Normalise ``record`` into one row of ``result.events`` (secrets masked first)."""
    level = _level(record)
    values: dict[str, str] = {"format": fmt}
    for key in _RECORD_KEYS:
        value = getattr(record, key)
        if value:
            values[key] = value
    data_pairs: list[tuple[str, str]] = []
    position = 0
    for name, value in record.data:
        if name:
            key = f"data.{name}"
            data_pairs.append((name, value))
        else:
            position += 1
            key = f"param{position}"
            data_pairs.append((key, value))
        values[key] = value
    for name, value in record.user_data:
        values[f"user_data.{name}"] = value
        data_pairs.append((name, value))
    if record.binary:
        values["binary"] = record.binary[:1024]
        decoded = _decode_binary(record.binary[:4096])
        if decoded:
            values["binary_text"] = decoded
    values.update(record.extra)
    if record.message:
        message = record.message.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    else:
        message = _compact(data_pairs)
    message = redact(message)
    values = redact_fields(values)
    derive(values, record.provider, record.event_id, message)
    result.events.add(
        line=line,
        message=message,
        time=record.time,
        level=level,
        component=record.provider or None,
        fields=values,
        local_time=record.local_time and record.time is not None,
        span=span,
    )


def keywords_hex(value: str) -> str:
    """PowerShell writes Keywords as a signed 64-bit integer; evtx shows hex."""
    value = value.strip()
    if re.fullmatch(r"-?\d{1,20}", value):
        return hex(int(value) & 0xFFFFFFFFFFFFFFFF)
    return value


def record_from_powershell(values: dict[str, object]) -> EventRecord:
    """The neutral record of one EventLogRecord (CSV row or JSON object), keys lower-cased."""

    def get(name: str) -> str:
        value = values.get(name)
        return "" if value is None else scalar_text(value).strip()

    record = EventRecord(
        provider=get("providername"),
        event_id=get("id"),
        qualifiers=get("qualifiers"),
        level=get("level"),
        level_name=get("leveldisplayname"),
        task=get("task"),
        task_name=get("taskdisplayname"),
        opcode=get("opcode"),
        keywords=keywords_hex(get("keywords")),
        record_id=get("recordid"),
        channel=get("logname"),
        computer=get("machinename"),
        user_sid=get("userid"),
        process_id=get("processid"),
    )
    message = values.get("message")
    record.message = scalar_text(message) if message is not None else ""
    return record
