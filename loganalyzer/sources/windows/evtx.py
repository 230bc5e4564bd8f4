"""Binary Windows event logs (``.evtx``, magic ``ElfFile\\0``), read through the ``evtx`` package.

Claims any file that starts with ``ElfFile\\0`` (or a legacy XP/2003 ``.evt``, ``LfLe`` at
offset 4, which is only reported) and any ``*.evtx`` by name. Each record arrives from
``records_json()`` as a document such as::

    {"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
      "System": {"Provider": {"#attributes": {"Name": "Service Control Manager"}},
                 "EventID": {"#attributes": {"Qualifiers": 49152}, "#text": 7000},
                 "Level": 2, "TimeCreated": {"#attributes": {"SystemTime": "2024-05-30T11:15:45.331000Z"}},
                 "EventRecordID": 4711, "Channel": "System", "Computer": "vm01"},
      "EventData": {"param1": "Volume Shadow Copy", "param2": "%%1053"}}}

Emits the ``windows.event`` fields of :data:`.event_record.EVENT_FIELDS` with ``format=evtx``.
The time is ``TimeCreated/@SystemTime`` (UTC), never the record header's. A "line" is a record:
``lines`` = records read + damaged places; each damaged chunk or record is one unparsed line
and a ``damaged`` problem; a file shorter than its header promises is ``truncated``.
"""

from __future__ import annotations

import io
import re

from ...events import Problem
from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import load_json, parse_instant
from .common import normalise_path, scalar_text
from .event_record import EVENT_FIELDS, SOURCE, EventRecord, emit

__all__ = ["EVTX_MAGIC", "PARSER", "claim_evtx"]

EVTX_MAGIC = b"ElfFile\x00"
LEGACY_EVT_MAGIC = b"LfLe"

_CHUNK_NUMBER = re.compile(r"chunk number (\d+)")
_RECORD_NUMBER = re.compile(r"record number (\d+)")
_HEADER_BYTES = 4096
_CHUNK_BYTES = 65536
#: damaged places after which a hostile file is given up
_MAX_DAMAGE = 10_000


def _json_text(value: object) -> str:
    """``#text`` of an evtx JSON node, or the scalar itself."""
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, list):
        return "\n".join(scalar_text(v) for v in value)
    return scalar_text(value)


def _attributes(node: object) -> dict:
    if isinstance(node, dict):
        found = node.get("#attributes")
        if isinstance(found, dict):
            return found
    return {}


def _flatten(node: object, prefix: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "#attributes":
                continue
            name = prefix if key == "#text" else (f"{prefix}.{key}" if prefix else key)
            _flatten(value, name, out)
    elif isinstance(node, list):
        out.append((prefix, "\n".join(scalar_text(v) for v in node)))
    elif prefix:
        out.append((prefix, scalar_text(node)))


def _event_data(record: EventRecord, event_data: object) -> None:
    if not isinstance(event_data, dict):
        if event_data is not None:
            record.data.append((None, _json_text(event_data)))
        return
    for key, value in event_data.items():
        if key == "#attributes":
            continue
        if key == "Binary":
            record.binary = scalar_text(value) if value is not None else ""
        elif key in ("Data", "#text"):
            items = value.get("#text") if isinstance(value, dict) else value
            if isinstance(items, list):
                record.data.extend((None, scalar_text(v)) for v in items)
            elif items is not None or key == "Data":
                record.data.append((None, scalar_text(items)))
        else:
            record.data.append((key, _json_text(value)))


def _record_from_json(document: object) -> EventRecord:
    """The neutral record of one ``records_json()`` document."""
    event = document.get("Event") if isinstance(document, dict) else None
    if not isinstance(event, dict):
        event = {}
    system = event.get("System") if isinstance(event.get("System"), dict) else {}
    record = EventRecord()
    provider = _attributes(system.get("Provider"))
    record.provider = scalar_text(provider.get("Name") or provider.get("EventSourceName") or "")
    event_id = system.get("EventID")
    record.event_id = _json_text(event_id)
    qualifiers = _attributes(event_id).get("Qualifiers")
    record.qualifiers = scalar_text(qualifiers) if qualifiers is not None else ""
    for key, name in (("level", "Level"), ("task", "Task"), ("opcode", "Opcode"), ("keywords", "Keywords"),
                      ("record_id", "EventRecordID"), ("channel", "Channel"), ("computer", "Computer")):
        value = system.get(name)
        if value is not None:
            setattr(record, key, _json_text(value))
    record.user_sid = scalar_text(_attributes(system.get("Security")).get("UserID") or "")
    record.process_id = scalar_text(_attributes(system.get("Execution")).get("ProcessID") or "")
    system_time = _attributes(system.get("TimeCreated")).get("SystemTime")
    if system_time:
        record.time = parse_instant(str(system_time))
    _event_data(record, event.get("EventData"))
    user_data = event.get("UserData")
    if isinstance(user_data, dict):
        for key, value in user_data.items():
            if key != "#attributes":
                _flatten(value, "", record.user_data)
    return record


def claim_evtx(path: str, head: bytes) -> int:
    """``ElfFile\\0`` magic (or a legacy ``.evt`` ``LfLe``, which we only report)."""
    name = normalise_path(path)
    if head.startswith(EVTX_MAGIC) or head[4:8] == LEGACY_EVT_MAGIC:
        return BY_NAME_AND_CONTENT if name.endswith((".evtx", ".evt")) else BY_CONTENT
    if name.endswith(".evtx"):
        return BY_NAME
    return 0


def _cut(data: bytes) -> str | None:
    """Why an .evtx file looks cut short, or None: smaller than its header, than the chunks its
    header counts, or ending inside a chunk (every chunk is 64 KiB)."""
    if len(data) < 128:
        return f"evtx file ends inside its header ({len(data)} bytes); no records can be read"
    chunks = int.from_bytes(data[42:44], "little")
    expected = _HEADER_BYTES + chunks * _CHUNK_BYTES
    if len(data) < expected:
        return (f"evtx file is {len(data)} bytes but its header counts {chunks} chunk(s) "
                f"({expected} bytes); later records are missing")
    if len(data) > _HEADER_BYTES and (len(data) - _HEADER_BYTES) % _CHUNK_BYTES:
        return "evtx file ends inside a 64 KiB chunk; the records after the cut are missing"
    return None


def _damaged(result: ParseResult, context: ParseContext, error: Exception, last_record: int) -> None:
    text = str(error)
    chunk = _CHUNK_NUMBER.search(text)
    number = _RECORD_NUMBER.search(text)
    where = (f"chunk {chunk.group(1)}" if chunk else
             f"record {number.group(1)}" if number else f"after record {last_record}")
    result.problems.append(Problem(context.file, "damaged", f"evtx {where}: {text[:300]}"))
    result.unparsable(int(number.group(1)) if number else last_record + 1)


def _read_records(records, context: ParseContext, result: ParseResult) -> None:
    last_record = 0
    damage = 0
    while True:
        try:
            item = next(records)
        except StopIteration:
            break
        except Exception as error:  # noqa: BLE001 - the evtx package raises its own types for a damaged chunk or record
            damage += 1
            _damaged(result, context, error, last_record)
            if damage > _MAX_DAMAGE:
                result.problems.append(Problem(context.file, "damaged", "too many damaged places; stopped"))
                break
            continue
        try:
            record = _record_from_json(load_json(item["data"]))
        except (KeyError, TypeError, ValueError) as error:
            result.problems.append(Problem(
                context.file, "damaged", f"evtx record {item.get('event_record_id')}: unreadable JSON ({error})"))
            result.unparsable(last_record + 1)
            continue
        number = item.get("event_record_id")
        if not record.record_id and number is not None:
            record.record_id = str(number)
        digits = record.record_id
        line = int(digits) if digits.isdigit() and int(digits) < 2**31 else last_record + 1
        last_record = line
        emit(result, record, "evtx", line=line, span=1)


def read_evtx(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Every readable record of a binary event log; damaged chunks/records become problems."""
    try:
        _read_evtx(data, context, result)
    finally:
        result.lines = result.events.spans + result.unparsed


def _read_evtx(data: bytes, context: ParseContext, result: ParseResult) -> None:
    if data[4:8] == LEGACY_EVT_MAGIC and not data.startswith(EVTX_MAGIC):
        result.problems.append(Problem(
            context.file, "binary", "legacy Windows XP/2003 .evt event log: not read; export it as .evtx or CSV"))
        return
    if not data.startswith(EVTX_MAGIC):
        result.problems.append(Problem(context.file, "malformed", "not an .evtx file (no ElfFile magic)"))
        return
    cut = _cut(data)
    from evtx import PyEvtxParser

    try:
        records = PyEvtxParser(io.BytesIO(data), number_of_threads=1).records_json()
    except Exception as error:  # noqa: BLE001 - the evtx package refuses the file header with its own types
        result.problems.append(Problem(context.file, "damaged", f"evtx file cannot be opened: {error}"))
        if cut:
            result.problems.append(Problem(context.file, "truncated", cut))
        return
    _read_records(records, context, result)
    if cut:
        result.problems.append(Problem(context.file, "truncated", cut))
    elif context.truncated:
        result.problems.append(Problem(context.file, "truncated", "evtx file was cut; later records are missing"))


PARSER = Parser("evtx", SOURCE, claim_evtx, read=read_evtx, fields=EVENT_FIELDS)
