"""Extension logs under ``/var/log/azure/``: the agent's per-extension copy and the extensions' own.

Every parser here gives events with ``source = "extension.log"`` and ``component`` = the handler
name (from the line's ``[<Handler>-<Version>]`` prefix, else from the folder
``var/log/azure/<Handler>/``; the Go extensions' folders ``custom-script`` / ``run-command`` map
to their handler names).

``CommandExecution.log`` / ``CommandExecution_<ExtName>.log`` (the agent's per-extension records,
header grammar of that agent's ``waagent.log`` era A-D)::

    2024-05-30T13:15:45.331589Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Enable extension: [main/handle.sh enable]
    2018/03/05 14:31:57.742721 INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0] Target handler state: enabled

VMSnapshotLinux ``extension.log`` and ``host_based_extension.log`` (variants X0, X2, X3)::

    2016/12/10 01:11:00 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2016-12-10 01:11:00.532512  Info  Failed to FIFREEZE: /data/dblog
    2016/12/10 01:11:00
    2019/03/05 14:31:58 ERROR:[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Failed to do the snapshot with error: ...
    2019/03/05 14:31:58 ERROR:Traceback (most recent call last):
    2023-04-11 02:10:04.180353 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]taskId: 6c2e0a54-...
    2023-04-11 02:10:09.901000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]================== Logs during Freeze Start ==============
    2023/04/11 02:10:08.200117  Info  ****** 4. Freeze Completed (Signal=1 received)
    ================== Logs during Freeze End ==============

``shell.log`` (``main/handle.sh``; ``date`` text depends on the VM's locale)::

    Tue Mar  9 10:11:12 UTC 2021- python3 path exists
    Thu May 21 05:04:31 PM UTC 2026- 1 returned from handle.py

``events/*.json`` (VMSnapshotLinux telemetry, one event per array entry)::

    [{"Version": "1.0.9218.0", "Timestamp": "2024-05-30T13:15:50.123456", "TaskName": "Handler",
      "EventLevel": "Info", "Message": "2024-05-30T13:15:45.100000\\t[Info]:\\tstarting enable \\n",
      "EventPid": "4242", "EventTid": "00001234", "OperationId": "6c2e0a54-..."}]

Go extensions' ``handler.log`` (logfmt)::

    time=2024-05-30T13:15:45Z version=v2.1.6/git@6f4ba8e-clean operation=enable seq=0 event=start

Any other ``var/log/azure/**/*.log`` (or ``.err``/``.out``/``.txt``) whose lines start with a
timestamp is read by a generic timestamped-text parser (lowest claim), so nothing there is
skipped silently.

Times: X2 outer stamps and the safefreeze binary's stamps are local wall-clock time; X3 stamps and
the freeze-window inner stamps are local before 2021-09-02 and UTC since (PR #1409). The X3 basis is
decided per file: when an X3 stamp sits a whole number of quarter hours away from an adjacent
(local) X2 ``ERROR:`` line the file is UTC, otherwise each stamp's date decides.
Local times are added with ``local_time=True``.

``fields`` keys, by file kind:

- all kinds: ``time_basis_reason`` (why a time is local or UTC) where a rule decided it.
- CommandExecution: ``era`` (A|B|C|D), ``thread`` (era D), ``prefix`` (Daemon|ExtHandler|... when
  no extension bracket), ``handler_version``, ``target_state``, ``incarnation``, ``handler_state``,
  ``command``, ``exit_code``.
- extension.log / host_based_extension.log: ``variant`` (X0|X2|X3-local|X3-UTC),
  ``handler_version``, ``freeze_window`` ("1" on lines buffered while filesystems were frozen),
  ``freeze_marker`` (start|end), ``binary_output`` ("1" on relayed safefreeze lines),
  ``binary_marker`` (start|end); from milestone and result lines: ``task_id``,
  ``status_code_name`` (from `` StatusCode.<Name>,``), ``operation``/``status``/``status_code``
  /``failure_flag`` (the ``Enable,<status>,<code>,<message>[,<bool>]`` summary),
  ``ext_error_code`` (``vmHealthStatusCode`` or telemetry ``extErrorCode``), ``freeze_result``
  ("ok" or the errors), ``freeze_timedout``, ``snapshot_method`` (Host|Guest-parallel|Guest-seq),
  ``snapshot_method_config``, ``host_status_code`` (``PreSnapshot: Status Code: <n>``),
  ``host_status_code_pre``, ``host_status_code_do``, ``snapshot_creator``,
  ``status_blob_upload_error``, ``fs_mount`` / ``fs_op`` (FIFREEZE|FITHAW|open|stat) /
  ``fs_error`` / ``fs_errno`` (the binary's failure lines), ``milestone`` (N of ``****** N.``),
  ``safefreeze_exists``, ``freeze_time_taken``, ``run_result``, ``run_status``,
  ``snapshot_success``.
- shell.log: ``seq_no``, ``return_code``, ``python_found`` ("none" when no interpreter),
  ``operation``, ``zone`` (the zone word of the date), ``date_text`` (when the date could not be read).
- events/*.json: ``version``, ``task_name``, ``event_level``, ``event_pid``, ``event_tid``,
  ``operation_id``, ``timestamp``, ``message_lines``, ``entries`` (on an empty file's one event),
  ``salvaged`` ("1" on messages recovered by regex from broken JSON), plus the extension.log
  milestone keys found in the message lines.
- handler.log: every ``key=value`` pair of the line except ``time`` (keys as written; values of
  secret keys such as ``token`` masked).
- generic: ``level_word`` (the level token as written), ``zone`` when the stamp carried one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from dateutil import parser as date_parser

from ..events import EventRows, Problem
from ..redaction import MASK, SECRET_KEYS, redact, redact_json
from ..textio import decode, load_json, looks_binary, split_lines
from . import waagent_log
from . import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext, ParseResult, Parser

__all__ = ["PARSERS", "SOURCE"]

SOURCE = "extension.log"

#: PR #1409 (azure-linux-extensions) switched the Python 3 logger and the freeze buffer to UTC
UTC_SWITCH_DATE = date(2021, 9, 2)

_AZURE_DIR = "var/log/azure/"

#: Go extensions log to a folder named after the program, not the handler
_GO_EXTENSION_FOLDERS = {
    "custom-script": "Microsoft.Azure.Extensions.CustomScript",
    "run-command": "Microsoft.CPlat.Core.RunCommandLinux",
    "run-command-handler": "Microsoft.CPlat.Core.RunCommandHandlerLinux",
}

_LEVEL_WORDS = {
    "verbose": "verbose",
    "debug": "verbose",
    "trace": "verbose",
    "info": "info",
    "information": "info",
    "notice": "info",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "err": "error",
    "critical": "error",
    "fatal": "error",
}

# ---------------------------------------------------------------------------------------------
# paths and small helpers


def _relative(path: str) -> str:
    return path.replace("\\", "/").lstrip("/")


def _under_azure_logs(path: str) -> bool:
    return _relative(path).lower().startswith(_AZURE_DIR)


def _base_name(path: str) -> str:
    """The file name, lower case, without ``.gz`` and rotation suffixes (``.1``, ``-20240530``)."""
    name = _relative(path).rsplit("/", 1)[-1].lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return re.sub(r"(?:\.\d+|-\d{8}(?:-\d+)?)$", "", name)


def _handler_from_path(path: str) -> str | None:
    """``var/log/azure/<Handler>/...`` -> ``<Handler>`` (Go folders mapped to handler names)."""
    parts = _relative(path).split("/")
    if len(parts) >= 5 and _under_azure_logs(path):
        folder = parts[3]
        return _GO_EXTENSION_FOLDERS.get(folder.lower(), folder)
    return None


_STAMP_PARTS = re.compile(
    r"(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
)


def _parse_stamp(text: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]`` (``/`` or ``-``, space or ``T``) as a naive datetime."""
    match = _STAMP_PARTS.match(text)
    if not match:
        return None
    fraction = (match.group(7) or "0")[:6].ljust(6, "0")
    try:
        return datetime(*(int(g) for g in match.groups()[:6]), int(fraction))
    except ValueError:
        return None


def _level(word: str | None) -> str | None:
    if not word:
        return None
    return _LEVEL_WORDS.get(word.strip(":[]").lower())


def _head_lines(head: bytes, limit: int = 200) -> list[str]:
    if looks_binary(head):
        return []
    return split_lines(decode(head).text)[:limit]


@dataclass
class _Entry:
    """One event in the making: where it starts, how many lines it covers, what it says."""

    line: int
    time: datetime | None
    local: bool
    reason: str | None
    level: str | None
    component: str | None
    texts: list[str]
    fields: dict[str, str] = field(default_factory=dict)
    span: int = 1

    @property
    def message(self) -> str:
        return "\n".join(self.texts).rstrip()


def _emit(result: ParseResult, entry: _Entry, memo: dict[str, str]) -> None:
    """Redact and add one entry; a time basis reason is kept only when a time exists.

    ``memo`` (one per parse) remembers redacted field values: most values repeat on every line.
    """
    fields = dict(entry.fields)
    if entry.time is not None and entry.reason:
        fields["time_basis_reason"] = entry.reason
    clean: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            continue
        value = str(value)
        if value not in memo:
            memo[value] = redact(value)
        clean[key] = memo[value]
    result.events.add(
        line=entry.line,
        message=redact(entry.message),
        time=entry.time,
        level=entry.level,
        component=entry.component,
        fields=clean,
        local_time=entry.local and entry.time is not None,
        span=entry.span,
    )


def _run_text(
    data: bytes,
    context: ParseContext,
    body: Callable[[list[str], ParseContext, ParseResult], bool],
    *,
    fallback: bool = True,
) -> ParseResult:
    """Decode, split, run ``body``; fall back to the generic parser when ``body`` finds nothing.

    Never raises: binary input and our own exceptions become problems with every line unparsed.
    """
    result = ParseResult(source=SOURCE)
    try:
        decoded = decode(data)
        lines = split_lines(decoded.text)
        result.lines = len(lines)
        if looks_binary(data):
            result.problems.append(Problem(context.file, "binary", "binary data where text was expected"))
            _all_unparsed(result)
            return result
        if decoded.warning:
            result.problems.append(Problem(context.file, "encoding", decoded.warning))
        if not body(lines, context, result):
            understood = fallback and _generic_body(lines, context, result)
            if not understood and any(line.strip() for line in lines):
                result.problems.append(
                    Problem(context.file, "malformed", "no line in a known extension-log format")
                )
    except Exception as error:  # a bug of ours: count it, show it, keep going
        result.events = EventRows()
        result.unparsed = 0
        result.unparsed_lines = []
        _all_unparsed(result)
        result.problems.append(
            Problem(context.file, "parser-error", f"{type(error).__name__}: {error}")
        )
    return result


def _all_unparsed(result: ParseResult) -> None:
    for number in range(1, result.lines + 1):
        result.unparsable(number)


# ---------------------------------------------------------------------------------------------
# milestone and result fields (VMSnapshotLinux, formats/linux.md §3.4 and §4)

_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_SIMPLE_FIELD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("task_id", re.compile(rf"\btaskId\s*:\s*({_GUID})")),
    ("status_code_name", re.compile(r"\bStatusCode\.(\w+),")),
    ("host_status_code", re.compile(r"PreSnapshot: Status Code: (\d+)")),
    ("snapshot_method_config", re.compile(r"snapshotMethodConfigValue\s*:\s*(\w+)")),
    ("milestone", re.compile(r"\*{6} (\d+)\.")),
    ("safefreeze_exists", re.compile(r"safeFreezeBinary exists (True|False)")),
    ("freeze_time_taken", re.compile(r"freezeTimeTaken=([\d:.]+)")),
    ("snapshot_success", re.compile(r"IsSuccessful:\s*(True|False)")),
    ("snapshot_creator", re.compile(r"\bsnapshotCreator=(\w+)")),
    ("host_status_code_pre", re.compile(r"\bhostStatusCodePreSnapshot=(\d+)")),
    ("host_status_code_do", re.compile(r"\bhostStatusCodeDoSnapshot=(\d+)")),
    ("status_blob_upload_error", re.compile(r"\bstatusBlobUploadError=(\w+)")),
)
_SNAPSHOT_METHOD = re.compile(r"Snaphott?ing \(([^)]+)\) (?:Started|Completed)")
_RUN_RESULT = re.compile(r"run_result - (-?\d+) run_status - (\w+)")
_SUMMARY = re.compile(
    r"^(Enable|Install|Disable|Uninstall|Update|Daemon),(\w+),(-?\d+),(.*?)(?:,(True|False))?\s*$", re.S
)
_VM_HEALTH_CODE = re.compile(r'"vmHealthStatusCode"\s*:\s*(\d+)')
_EXT_ERROR_TELEMETRY = re.compile(
    r'"Key"\s*:\s*"extErrorCode"\s*,\s*"Value"\s*:\s*"([^"]*)"|"Value"\s*:\s*"([^"]*)"\s*,\s*"Key"\s*:\s*"extErrorCode"'
)
_FS_FAILURE = re.compile(
    r"Failed to (FIFREEZE|FITHAW|open|stat): ([^\s'\"\],]+)"
    r"(?: with error(?:: (-?\d+) and error)? message ?: ?([^'\"\]\n]*?))?\s*(?:$|['\"\],])",
    re.M,
)
_FREEZE_RESULT = re.compile(r"T:S freeze result(.*?)(?:, timedout\s*:\s*(\w+))?\s*$", re.S)


#: one search that every line with a field to extract passes (most lines have none)
_FIELD_GATE = re.compile(
    r"taskId|StatusCode|Snapshot|snapshot|\*{6}|safeFreeze|freezeTime|IsSuccessful|statusBlob"
    r"|Snaph|run_result|^(?:Enable|Install|Disable|Uninstall|Update|Daemon),|vmHealth|extErrorCode"
    r"|Failed to |freeze result"
)


def _snapshot_fields(text: str) -> dict[str, str]:
    """Structured values from VMSnapshotLinux milestone and result lines (cheap regexes)."""
    fields: dict[str, str] = {}
    if not _FIELD_GATE.search(text):
        return fields
    for name, pattern in _SIMPLE_FIELD_PATTERNS:
        match = pattern.search(text)
        if match:
            fields[name] = match.group(1)
    match = _SNAPSHOT_METHOD.search(text)
    if match:
        fields["snapshot_method"] = match.group(1)
    elif "Taking Snapshot through Host" in text:
        fields["snapshot_method"] = "Host"
    match = _RUN_RESULT.search(text)
    if match:
        fields["run_result"], fields["run_status"] = match.group(1), match.group(2)
    match = _SUMMARY.match(text)
    if match:
        fields["operation"], fields["status"], fields["status_code"] = match.group(1, 2, 3)
        if match.group(5):
            fields["failure_flag"] = match.group(5)
    match = _VM_HEALTH_CODE.search(text)
    telemetry = _EXT_ERROR_TELEMETRY.search(text)
    if match:
        fields["ext_error_code"] = match.group(1)
    elif telemetry:
        fields["ext_error_code"] = telemetry.group(1) or telemetry.group(2) or ""
    match = _FS_FAILURE.search(text)
    if match:
        fields["fs_op"], fields["fs_mount"] = match.group(1), match.group(2)
        if match.group(3):
            fields["fs_errno"] = match.group(3)
        if match.group(4):
            fields["fs_error"] = match.group(4).strip()
    match = _FREEZE_RESULT.search(text)
    if match:
        errors = " ".join(match.group(1).split())
        fields["freeze_result"] = errors or "ok"
        if match.group(2):
            fields["freeze_timedout"] = match.group(2)
    return fields


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


def parse_extension_log(data: bytes, context: ParseContext) -> ParseResult:
    """Parse a VMSnapshotLinux-style ``extension.log`` (X0, X2, X3-local, X3-UTC)."""
    return _run_text(data, context, _extension_body)


# ---------------------------------------------------------------------------------------------
# CommandExecution.log (agent header grammar, eras A-D)

_AGENT_HEADER_ANY = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{6}) "
    r"(?:VERBOSE|INFO|WARNING|ERROR) "
)
_TARGET_STATE = re.compile(r"Target handler state: (\w+)(?: \[incarnation[_ ](\d+)\])?")
_HANDLER_STATE = re.compile(r"current handler state is: (\w+)")
_COMMAND = re.compile(r"(?:Enable|Install|Disable|Uninstall|Update) extension:? \[([^\]]*)\]")
_EXIT_CODE = re.compile(r"Non-zero exit code: (-?\d+)")


def _agent_line_fields(message: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    match = _TARGET_STATE.search(message)
    if match:
        fields["target_state"] = match.group(1)
        if match.group(2):
            fields["incarnation"] = match.group(2)
    match = _HANDLER_STATE.search(message)
    if match:
        fields["handler_state"] = match.group(1)
    match = _COMMAND.search(message)
    if match:
        fields["command"] = match.group(1)
    match = _EXIT_CODE.search(message)
    if match:
        fields["exit_code"] = match.group(1)
    return fields


def _claim_command_execution(path: str, head: bytes) -> int:
    """``CommandExecution.log`` / ``CommandExecution_<ExtName>.log`` (by name only)."""
    if not re.fullmatch(r"commandexecution(?:_.+)?\.log", _base_name(path)):
        return 0
    if waagent_log.claim_waagent_log("", head):  # no name: a claim by content alone
        return BY_NAME_AND_CONTENT
    return BY_NAME if _under_azure_logs(path) else 0


def parse_command_execution(data: bytes, context: ParseContext) -> ParseResult:
    """The agent's per-extension ``CommandExecution*.log``: the same records, in the same header
    grammar (eras A-D), as that agent's ``waagent.log``, so the waagent.log parser reads it; the
    handler comes from the folder when a record has no ``[Handler-Version]`` prefix."""
    result = waagent_log.parse_waagent_log(data, context)
    result.source = SOURCE
    events = result.events
    path_handler = _handler_from_path(context.path)
    for index, message in enumerate(events.message):
        fields = events.fields[index]
        fields.update(_agent_line_fields(message))
        if fields.get("era") == "EXT20":
            fields["era"] = "A"  # in this file the 2.0 agent itself wrote the prefixed records
        if fields.get("era") in ("A", "B"):
            fields["time_basis_reason"] = "agent-era-local"
        if path_handler and not fields.get("handler"):
            events.component[index] = path_handler
    return result


# ---------------------------------------------------------------------------------------------
# shell.log

_SHELL_LINE = re.compile(r"^(?P<date>(?:(?!- ).)*?\d{1,2}:\d{2}(?:(?!- ).)*?)- (?P<msg>.*)$")
_SHELL_RC = re.compile(r"^(-?\d+) returned from handle\.py")
_SHELL_SEQ = re.compile(r"seqNo:\s*(-?\d+)")
_SHELL_PYTHON = re.compile(r"^(.+?) path exists")
_SHELL_OPERATION = re.compile(r"^The command is (\w+)")
_YEAR_FIRST = re.compile(r"^(\d{4})\D+?(\d{1,2})\D+?(\d{1,2})\D.*?(\d{1,2}):(\d{2}):(\d{2})")
_UTC_WORDS = {"UTC", "GMT", "UCT", "Z"}


def _shell_time(text: str) -> tuple[datetime | None, bool, str | None]:
    """(time, local?, zone word) for `date` output in any locale dateutil or digits can read."""
    zone: str | None = None
    offset: timedelta | None = None
    kept: list[str] = []
    for token in text.split():
        upper = token.upper()
        if upper in _UTC_WORDS:
            zone = upper
        elif re.fullmatch(r"[+-]\d{4}", token):
            zone = token
            sign = 1 if token[0] == "+" else -1
            offset = sign * timedelta(hours=int(token[1:3]), minutes=int(token[3:5]))
        elif re.fullmatch(r"[A-Z]{3,5}", token) and upper not in ("AM", "PM"):
            zone = token
        else:
            kept.append(token)
    moment: datetime | None = None
    remainder = " ".join(kept)
    year_first = _YEAR_FIRST.match(remainder)
    if year_first:
        try:
            moment = datetime(*(int(g) for g in year_first.groups()))
        except ValueError:
            moment = None
    if moment is None:
        try:
            parsed = date_parser.parse(remainder, default=datetime(1900, 1, 1))
            if parsed.year != 1900:
                moment = parsed.replace(tzinfo=None)
        except (ValueError, OverflowError, TypeError, date_parser.ParserError):
            moment = None
    if moment is None:
        return None, False, zone
    if zone in _UTC_WORDS:
        return moment.replace(tzinfo=timezone.utc), False, zone
    if offset is not None:
        return (moment - offset).replace(tzinfo=timezone.utc), False, zone
    return moment, True, zone


def _shell_body(lines: list[str], context: ParseContext, result: ParseResult) -> bool:
    """`` `date`- <message>`` lines of ``main/handle.sh``."""
    matches = [_SHELL_LINE.match(line) for line in lines]
    if not any(matches):
        return False
    component = _handler_from_path(context.path)
    memo: dict[str, str] = {}
    dates: dict[str, tuple[datetime | None, bool, str | None]] = {}  # lines share date texts
    for number, match in enumerate(matches, 1):
        if match is None:
            result.unparsable(number)
            continue
        message = match.group("msg")
        date_text = match.group("date")
        if date_text not in dates:
            dates[date_text] = _shell_time(date_text)
        moment, local, zone = dates[date_text]
        fields: dict[str, str] = {}
        if zone:
            fields["zone"] = zone
        if moment is None:
            fields["date_text"] = match.group("date").strip()
        level = "info"
        found = _SHELL_RC.match(message)
        if found:
            fields["return_code"] = found.group(1)
            level = "info" if found.group(1) == "0" else "error"
        found = _SHELL_SEQ.search(message)
        if found:
            fields["seq_no"] = found.group(1)
        found = _SHELL_PYTHON.match(message)
        if found:
            fields["python_found"] = found.group(1)
        elif message.startswith("python version unknown"):
            fields["python_found"] = "none"
            level = "error"
        found = _SHELL_OPERATION.match(message)
        if found:
            fields["operation"] = found.group(1)
        reason = None
        if moment is not None:
            reason = "date-zone-utc" if not local else "date-local"
        _emit(result, _Entry(number, moment, local, reason, level, component, [message], fields), memo)
    return True


def _claim_shell_log(path: str, head: bytes) -> int:
    """``var/log/azure/<Handler>/shell.log``, or lines that look like handle.sh's."""
    lines = _head_lines(head)
    content = any(
        _SHELL_LINE.match(line)
        and ("returned from handle.py" in line or "path exists" in line or "The command is " in line
             or "seqNo:" in line)
        for line in lines
    )
    if _under_azure_logs(path) and _base_name(path) == "shell.log":
        return BY_NAME_AND_CONTENT if content else BY_NAME
    return BY_CONTENT if content else 0


def parse_shell_log(data: bytes, context: ParseContext) -> ParseResult:
    """Parse the VMSnapshotLinux wrapper script's ``shell.log``."""
    return _run_text(data, context, _shell_body)


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
        moment = moment.replace(tzinfo=timezone.utc)
    return _Entry(line, moment, False, None, level, component, [message.rstrip()], fields, span=0)


def parse_events_json(data: bytes, context: ParseContext) -> ParseResult:
    """Parse one ``events/*.json`` telemetry file: one event per array entry (UTC)."""
    result = ParseResult(source=SOURCE)
    try:
        decoded = decode(data)
        result.lines = len(split_lines(decoded.text))
        if looks_binary(data):
            result.problems.append(Problem(context.file, "binary", "binary data where JSON was expected"))
            _all_unparsed(result)
            return result
        if decoded.warning:
            result.problems.append(Problem(context.file, "encoding", decoded.warning))
        component = _handler_from_path(context.path)
        try:
            document = load_json(decoded.text)
        except (ValueError, RecursionError) as error:
            _salvage_events(decoded.text, context, result, component, f"not valid JSON: {error}")
            return result
        if not isinstance(document, list):
            _salvage_events(decoded.text, context, result, component, "top level is not a JSON array")
            return result
        if document and not any(
            isinstance(item, dict) and any(key in item for key in _EVENT_MARK_KEYS) for item in document
        ):
            result.problems.append(Problem(context.file, "malformed", "JSON array holds no extension events"))
            _all_unparsed(result)
            return result
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
            entries.append(_Entry(1, None, False, None, None, component,
                                  ["events file holds no events"], {"entries": "0"}))
        entries[0].span = result.lines
        memo: dict[str, str] = {}
        for entry in entries:
            _emit(result, entry, memo)
    except Exception as error:  # a bug of ours
        result.events = EventRows()
        result.unparsed, result.unparsed_lines = 0, []
        _all_unparsed(result)
        result.problems.append(Problem(context.file, "parser-error", f"{type(error).__name__}: {error}"))
    return result


def _salvage_events(text: str, context: ParseContext, result: ParseResult,
                    component: str | None, why: str) -> None:
    """Broken JSON: a problem, every line unparsed, and the messages a regex can still find."""
    result.problems.append(Problem(context.file, "malformed", why))
    _all_unparsed(result)
    memo: dict[str, str] = {}
    for match in _MESSAGE_SALVAGE.finditer(text):
        try:
            message = load_json(match.group(1))
        except ValueError:
            continue
        line = text.count("\n", 0, match.start()) + 1
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


# ---------------------------------------------------------------------------------------------
# Go extensions' handler.log (logfmt)

_LOGFMT_PAIR = re.compile(r'(?<![\w.\-/])([A-Za-z_][\w.\-/]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)')
_LOGFMT_START = re.compile(r"^\s*[A-Za-z_][\w.\-/]*=")


def _logfmt_pairs(line: str) -> list[tuple[str, str]] | None:
    if not _LOGFMT_START.match(line):
        return None
    pairs = []
    for match in _LOGFMT_PAIR.finditer(line):
        value = match.group(2)
        if value.startswith('"'):
            try:
                value = load_json(value)
            except ValueError:
                value = value[1:-1]
        pairs.append((match.group(1), value))
    return pairs if len(pairs) >= 2 else None


def _logfmt_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(timezone.utc)


def _handler_log_body(lines: list[str], context: ParseContext, result: ParseResult) -> bool:
    """logfmt lines; a line that is not logfmt continues the one above."""
    parsed = [_logfmt_pairs(line) for line in lines]
    if not any(parsed):
        return False
    component = _handler_from_path(context.path)
    memo: dict[str, str] = {}
    current: _Entry | None = None
    for number, (line, pairs) in enumerate(zip(lines, parsed), 1):
        if pairs is None:
            if current is None:
                result.unparsable(number)
            else:
                current.texts.append(line)
                current.span += 1
            continue
        if current is not None:
            _emit(result, current, memo)
        values = dict(pairs)
        level = _level(values.get("level") or values.get("lvl"))
        if level is None and values.get("error"):
            level = "error"
        fields = {
            key: MASK if key.lower() in SECRET_KEYS and value else value
            for key, value in pairs
            if key != "time"
        }
        message = line
        for key, value in pairs:
            if key.lower() in SECRET_KEYS and value:
                message = message.replace(value, MASK)
        current = _Entry(number, _logfmt_time(values.get("time")), False, None, level, component,
                         [message], fields)
    if current is not None:
        _emit(result, current, memo)
    return True


def _claim_handler_log(path: str, head: bytes) -> int:
    """``var/log/azure/<folder>/handler.log`` or logfmt lines starting ``time=... version=...``."""
    lines = [line for line in _head_lines(head, 20) if line.strip()]
    content = bool(lines) and lines[0].startswith("time=") and bool(_logfmt_pairs(lines[0]))
    if _under_azure_logs(path) and _base_name(path) == "handler.log":
        return BY_NAME_AND_CONTENT if content else BY_NAME
    return BY_CONTENT if content and ("operation=" in lines[0] or "event=" in lines[0]) else 0


def parse_handler_log(data: bytes, context: ParseContext) -> ParseResult:
    """Parse a Go extension's logfmt ``handler.log``."""
    return _run_text(data, context, _handler_log_body)


# ---------------------------------------------------------------------------------------------
# generic timestamped text under var/log/azure

_GENERIC_STAMP = re.compile(
    r"^\[?(\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)"
    r"(Z|[+-]\d{2}:?\d{2}| ?UTC)?\]?[ \t:,|-]*(.*)$"
)
_GENERIC_LEVEL = re.compile(r"^\[?([A-Za-z]+)\]?:?(?:\s|$)")


def _generic_time(stamp: str, zone: str | None) -> tuple[datetime | None, bool]:
    moment = _parse_stamp(stamp)
    if moment is None:
        return None, False
    zone = (zone or "").strip()
    if not zone:
        return moment, True
    if zone in ("Z", "UTC"):
        return moment.replace(tzinfo=timezone.utc), False
    digits = zone.replace(":", "")
    sign = 1 if digits[0] == "+" else -1
    offset = sign * timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
    return (moment - offset).replace(tzinfo=timezone.utc), False


def _generic_body(lines: list[str], context: ParseContext, result: ParseResult) -> bool:
    """Lines that start with a timestamp start an event; other lines continue it."""
    matches = [_GENERIC_STAMP.match(line) for line in lines]
    if not any(matches):
        _all_unparsed(result)
        return False
    component = _handler_from_path(context.path)
    memo: dict[str, str] = {}
    current: _Entry | None = None
    for number, (line, match) in enumerate(zip(lines, matches), 1):
        if match is None:
            if current is None:
                result.unparsable(number)
            else:
                current.texts.append(line)
                current.span += 1
            continue
        if current is not None:
            _emit(result, current, memo)
        moment, local = _generic_time(match.group(1), match.group(2))
        rest = match.group(3)
        fields: dict[str, str] = {}
        level = None
        word = _GENERIC_LEVEL.match(rest)
        if word and _level(word.group(1)):
            level = _level(word.group(1))
            fields["level_word"] = word.group(1)
        if match.group(2):
            fields["zone"] = match.group(2).strip()
        current = _Entry(number, moment, local, "generic-no-zone" if local else None, level,
                         component, [rest], fields)
    if current is not None:
        _emit(result, current, memo)
    return True


def _claim_generic(path: str, head: bytes) -> int:
    """Any ``var/log/azure/**/*.log`` (also ``.err``/``.out``/``.txt``) with a timestamp at a line
    start (lowest claim)."""
    if not (_under_azure_logs(path) and _base_name(path).endswith((".log", ".err", ".out", ".txt"))):
        return 0
    return BY_CONTENT if any(_GENERIC_STAMP.match(line) for line in _head_lines(head)) else 0


def parse_generic(data: bytes, context: ParseContext) -> ParseResult:
    """Parse timestamped text: one event per stamped line plus its continuation lines."""
    return _run_text(data, context, _generic_body, fallback=False)


PARSERS: tuple[Parser, ...] = (
    Parser("CommandExecution.log", SOURCE, _claim_command_execution, parse_command_execution),
    Parser("extension.log", SOURCE, _claim_extension_log, parse_extension_log),
    Parser("host_based_extension.log", SOURCE, _claim_host_based_log, parse_extension_log),
    Parser("shell.log", SOURCE, _claim_shell_log, parse_shell_log),
    Parser("extension events json", SOURCE, _claim_events_json, parse_events_json),
    Parser("handler.log", SOURCE, _claim_handler_log, parse_handler_log),
    Parser("azure extension log (generic)", SOURCE, _claim_generic, parse_generic),
)
