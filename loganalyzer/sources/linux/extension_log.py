"""VMSnapshotLinux's ``extension.log`` / ``host_based_extension.log``, and any other timestamped
text under ``/var/log/azure`` (source ``extension.log``).

The backup extension's log mixes three loggers (variants X0, X2, X3)::

    2016/12/10 01:11:00 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2016-12-10 01:11:00.532512  Info  Failed to FIFREEZE: /data/dblog
    2019/03/05 14:31:58 ERROR:[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Failed to do the snapshot with error: ...
    2023-04-11 02:10:04.180353 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]taskId: 6c2e0a54-...
    2023-04-11 02:10:09.901000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]================== Logs during Freeze Start ==============

Times: X2 outer stamps and the safefreeze binary's stamps are local; X3 stamps and the freeze
window's inner stamps are local before 2021-09-02 and UTC since; the X3 basis is decided per
file (a whole number of quarter hours away from an adjacent local X2 line means UTC).
Fields: ``variant``, ``handler_version``, ``freeze_window``/``freeze_marker``,
``binary_output``/``binary_marker`` and the milestone/result fields of
:data:`.extension_common.SNAPSHOT_FIELDS`. The generic reader (lowest claim) gives one event per
stamped line with ``level_word`` and ``zone``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .extension_common import (
    _GENERIC_STAMP,
    EXTENSION_FIELDS,
    GENERIC_FIELDS,
    SNAPSHOT_FIELDS,
    SOURCE,
    UTC_SWITCH_DATE,
    _base_name,
    _emit,
    _Entry,
    _generic_body,
    _handler_from_path,
    _head_lines,
    _level,
    _parse_stamp,
    _snapshot_fields,
    _text_reader,
    _under_azure_logs,
)

#: a header of the agent's own log: lines of it make a file the agent's, not an extension's
_AGENT_HEADER_ANY = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{6}) "
    r"(?:VERBOSE|INFO|WARNING|ERROR) "
)

# ---------------------------------------------------------------------------------------------
# VMSnapshotLinux extension.log / host_based_extension.log

_X3_HEADER = re.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) \[([^\]\s]+?)-(\d+(?:\.\d+)*)\](.*)$"
)
_X2_HEADER = re.compile(
    r"^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) (ERROR:|WARNING:)?\[([^\]\s]+?)-(\d+(?:\.\d+)*)\](.*)$"
)
_X2_PLAIN = re.compile(r"^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})(?:$| (ERROR:|WARNING:)?(.*)$)")
_INNER = re.compile(
    r"^(\d{4}[-/]\d{2}[-/]\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)  ([A-Za-z]+)  (.*?) ?$"
)
_BINARY_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: :)? (.*)$")
_FREEZE_START = "Logs during Freeze Start"
_FREEZE_END = "Logs during Freeze End"
_BINARY_START = "Binary output traces start"
_BINARY_END = "Binary output traces end"


@dataclass
class _Record:
    """One logger call: a header line and the lines it wrote after it."""

    kind: str  # "X2" (prefixed), "X3", "X2-plain" (stamped, no prefix)
    stamp: str
    time: datetime | None
    marker: str | None  # "ERROR:" | "WARNING:" | None
    handler: str | None
    version: str | None
    lines: list[tuple[int, str]]


def _group_records(lines: list[str], result: ParseResult) -> list[_Record]:
    records: list[_Record] = []
    current: _Record | None = None
    for number, raw in enumerate(lines, 1):
        match = _X3_HEADER.match(raw)
        if match:
            current = _Record("X3", match.group(1), _parse_stamp(match.group(1)), None,
                              match.group(2), match.group(3), [(number, match.group(4))])
            records.append(current)
            continue
        match = _X2_HEADER.match(raw)
        if match:
            current = _Record("X2", match.group(1), _parse_stamp(match.group(1)), match.group(2),
                              match.group(3), match.group(4), [(number, match.group(5))])
            records.append(current)
            continue
        match = _X2_PLAIN.match(raw)
        if match:
            stamp, marker, text = match.group(1), match.group(2), match.group(3) or ""
            if (
                current is not None
                and current.kind in ("X2", "X2-plain")
                and current.stamp == stamp
                and current.marker == marker
            ):
                # the 2.0 logger stamps every line of a multi-line message with the same prefix
                current.lines.append((number, text))
            else:
                current = _Record("X2-plain", stamp, _parse_stamp(stamp), marker, None, None,
                                  [(number, text)])
                records.append(current)
            continue
        if current is not None:
            current.lines.append((number, raw))
        else:
            result.unparsable(number)
    return records


def _x3_basis_from_neighbours(records: list[_Record]) -> bool:
    """True when X3 stamps sit whole quarter hours away from adjacent local X2 stamps (so UTC)."""
    utc_votes = same_votes = 0
    for first, second in zip(records, records[1:]):
        kinds = {first.kind, second.kind}
        if "X3" not in kinds or kinds == {"X3"} or first.time is None or second.time is None:
            continue
        x3, x2 = (first, second) if first.kind == "X3" else (second, first)
        delta = (x3.time - x2.time).total_seconds()
        quarters = round(delta / 900)
        if abs(delta) <= 5:
            same_votes += 1
        elif quarters and abs(delta - quarters * 900) <= 5 and abs(quarters) <= 14 * 4:
            utc_votes += 1
    return utc_votes > same_votes


def _dated_basis(moment: datetime, what: str) -> tuple[bool, str]:
    """(local?, reason) for stamps whose basis changed on 2021-09-02."""
    if moment.date() < UTC_SWITCH_DATE:
        return True, f"{what}-before-2021-09-02"
    return False, f"{what}-since-2021-09-02"


def _extension_body(lines: list[str], context: ParseContext, result: ParseResult) -> bool:
    """Parse X0/X2/X3 records, freeze-window blocks and relayed safefreeze output."""
    records = _group_records(lines, result)
    if not any(r.kind in ("X2", "X3") for r in records):
        # not this format after all: give the lines back to the generic parser
        result.unparsed = 0
        result.unparsed_lines = []
        return False
    x3_utc_by_neighbours = _x3_basis_from_neighbours(records)
    memo: dict[str, str] = {}
    path_handler = _handler_from_path(context.path)
    entries: list[_Entry] = []
    freeze_open = False
    for record in records:
        entries.extend(_expand_record(record, path_handler, x3_utc_by_neighbours, freeze_open))
        last = entries[-1]
        freeze_open = last.fields.get("freeze_marker") == "start" or (
            freeze_open and last.fields.get("variant") == "X0"
        )
    _mark_binary_output(entries)
    for entry in entries:
        entry.fields.update(_snapshot_fields(entry.message))
        _emit(result, entry, memo)
    return True


def _header_time(record: _Record, x3_utc: bool) -> tuple[bool, str]:
    if record.kind == "X3":
        if x3_utc:
            return False, "x3-offset-from-adjacent-x2"
        return _dated_basis(record.time, "x3") if record.time else (True, "x3")
    return True, "x2-logger-local"


def _inner_entry(match: re.Match[str], line: int, component: str | None, x3_utc: bool) -> _Entry:
    moment = _parse_stamp(match.group(1))
    if moment is not None and x3_utc:
        local, reason = False, "buffer-with-utc-x3"
    elif moment is not None:
        local, reason = _dated_basis(moment, "buffer")
    else:
        local, reason = True, None
    return _Entry(line, moment, local, reason, _level(match.group(2)), component, [match.group(3)])


def _expand_record(
    record: _Record, path_handler: str | None, x3_utc: bool, freeze_open: bool
) -> list[_Entry]:
    """One record -> entries: the header, plus one per buffered freeze-window line."""
    component = record.handler or path_handler
    level = {"ERROR:": "error", "WARNING:": "warning"}.get(record.marker or "")
    local, reason = _header_time(record, x3_utc)
    if record.kind == "X3":
        variant = "X3-local" if local else "X3-UTC"
    else:
        variant = "X2"
    base_fields: dict[str, str] = {"variant": variant}
    if record.version:
        base_fields["handler_version"] = record.version

    first_line, first_text = record.lines[0]
    inner = _INNER.match(first_text)
    if inner and record.kind != "X3":
        header = _inner_entry(inner, first_line, component, False)
        header.level = level or header.level
        header.fields.update(base_fields, variant="X0")
        if freeze_open:
            header.fields["freeze_window"] = "1"
    else:
        header = _Entry(first_line, record.time, local, reason, level, component, [first_text],
                        dict(base_fields))
        if _FREEZE_START in first_text:
            header.fields["freeze_marker"] = "start"
        elif _FREEZE_END in first_text:
            header.fields["freeze_marker"] = "end"
    entries = [header]
    in_block = header.fields.get("freeze_marker") == "start"
    current = header
    for number, text in record.lines[1:]:
        if _FREEZE_START in text or _FREEZE_END in text:
            marker = "start" if _FREEZE_START in text else "end"
            in_block = marker == "start"
            current = _Entry(number, record.time, local, reason, None, component, [text],
                             dict(base_fields, freeze_marker=marker))
            entries.append(current)
            continue
        inner = _INNER.match(text) if in_block else None
        if inner:
            current = _inner_entry(inner, number, component, x3_utc)
            current.fields.update(base_fields, freeze_window="1")
            entries.append(current)
            continue
        current.span += 1
        current.texts.append(text)  # trailing blanks (bare stamps) fall away in .message
    return entries


def _mark_binary_output(entries: list[_Entry]) -> None:
    """Lines between the binary-output markers carry the safefreeze binary's local stamp."""
    inside = False
    for entry in entries:
        first = entry.texts[0] if entry.texts else ""
        if _BINARY_START in first:
            entry.fields["binary_marker"] = "start"
            inside = True
            continue
        if _BINARY_END in first:
            entry.fields["binary_marker"] = "end"
            inside = False
            continue
        if not inside:
            continue
        match = _BINARY_LINE.match(first)
        if not match:
            inside = False
            continue
        entry.fields["binary_output"] = "1"
        moment = _parse_stamp(match.group(1))
        if moment is not None:
            entry.time, entry.local, entry.reason = moment, True, "safefreeze-localtime"
        entry.texts[0] = match.group(2)


def _extension_log_content(head: bytes) -> str | None:
    """"vmsnapshot" / "any" when the head reads as X2/X3 extension lines, else None."""
    extension_lines = agent_lines = 0
    snapshot = False
    for line in _head_lines(head):
        match = _X3_HEADER.match(line) or _X2_HEADER.match(line)
        if match:
            extension_lines += 1
            snapshot = snapshot or "VMSnapshotLinux" in line.split("]", 1)[0]
        elif _AGENT_HEADER_ANY.match(line):
            agent_lines += 1
    if extension_lines and extension_lines > agent_lines:
        return "vmsnapshot" if snapshot else "any"
    return None


def _claim_extension_log(path: str, head: bytes) -> int:
    """``var/log/azure/<Handler>/extension.log``, or X2/X3 VMSnapshotLinux lines anywhere."""
    content = _extension_log_content(head)
    if _under_azure_logs(path) and _base_name(path) == "extension.log":
        return BY_NAME_AND_CONTENT if content else BY_NAME
    return BY_CONTENT if content == "vmsnapshot" else 0


def _claim_host_based_log(path: str, head: bytes) -> int:
    """``host_based_extension.log`` (the 2024+ host-polling service; same shapes)."""
    if _base_name(path) == "host_based_extension.log":
        return BY_NAME_AND_CONTENT if _extension_log_content(head) else BY_NAME
    return 0



def _claim_generic(path: str, head: bytes) -> int:
    """Any ``var/log/azure/**/*.log`` (also ``.err``/``.out``/``.txt``) with a timestamp at a line
    start (lowest claim)."""
    if not (_under_azure_logs(path) and _base_name(path).endswith((".log", ".err", ".out", ".txt"))):
        return 0
    return BY_CONTENT if any(_GENERIC_STAMP.match(line) for line in _head_lines(head)) else 0


EXTENSION_LOG_FIELDS = {
    **EXTENSION_FIELDS,
    **SNAPSHOT_FIELDS,
    **GENERIC_FIELDS,
    "variant": "X0, X2, X3-local or X3-UTC: which logger wrote the line",
    "handler_version": "version in the line's [Handler-Version] prefix",
    "freeze_window": "1 on lines buffered while the filesystems were frozen",
    "freeze_marker": "start or end of that buffer",
    "binary_output": "1 on lines relayed from the safefreeze binary",
    "binary_marker": "start or end of those lines",
}
GENERIC_LOG_FIELDS = {**EXTENSION_FIELDS, **GENERIC_FIELDS}

EXTENSION_LOG = Parser("extension.log", SOURCE, _claim_extension_log, read=_text_reader(_extension_body), fields=EXTENSION_LOG_FIELDS)
HOST_BASED_LOG = Parser("host_based_extension.log", SOURCE, _claim_host_based_log, read=_text_reader(_extension_body), fields=EXTENSION_LOG_FIELDS)
GENERIC_LOG = Parser("azure extension log (generic)", SOURCE, _claim_generic, read=_text_reader(_generic_body, fallback=False), fields=GENERIC_LOG_FIELDS)
parse_extension_log = EXTENSION_LOG.parse
parse_generic = GENERIC_LOG.parse
