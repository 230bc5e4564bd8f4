"""What the extension-log parsers share (not a parser): where a file sits, stamps, one event in
the making (:class:`_Entry`), the text prologue and fallback (:func:`_text_reader`), the
VMSnapshotLinux milestone fields found in messages, and the generic timestamped-text reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from ...events import Problem
from ...redaction import redact
from .. import ParseContext, ParseResult
from .._kit import (
    begin_text,
    decode,
    group_records,
    looks_binary,
    mark_unparsed,
    parse_instant,
    split_lines,
)

SOURCE = "extension.log"

#: PR #1409 (azure-linux-extensions) switched the Python 3 logger and the freeze buffer to UTC
UTC_SWITCH_DATE = date(2021, 9, 2)

#: fields every extension-log event may carry
EXTENSION_FIELDS = {
    "time_basis_reason": "why the time is local or UTC (agent-era-local, x3-utc-by-date, safefreeze-localtime, ...)",
}

#: fields of the generic timestamped-text reader, which also reads what other readers do not
GENERIC_FIELDS = {
    "level_word": "the level token as written",
    "zone": "the zone the stamp carried (Z, +02:00, UTC)",
}

#: the VMSnapshotLinux milestone and result fields found in message text (:func:`_snapshot_fields`)
SNAPSHOT_FIELDS = {
    "task_id": "backup task id (taskId: <guid>)",
    "status_code_name": "StatusCode.<Name> named in the line",
    "host_status_code": "PreSnapshot: Status Code: <n>",
    "host_status_code_pre": "hostStatusCodePreSnapshot=<n>",
    "host_status_code_do": "hostStatusCodeDoSnapshot=<n>",
    "snapshot_method_config": "snapshotMethodConfigValue",
    "snapshot_method": "Host, Guest-parallel or Guest-seq",
    "milestone": "N of a '****** N.' milestone line",
    "safefreeze_exists": "safeFreezeBinary exists True|False",
    "freeze_time_taken": "freezeTimeTaken=",
    "snapshot_success": "IsSuccessful: True|False",
    "snapshot_creator": "snapshotCreator=",
    "status_blob_upload_error": "statusBlobUploadError=",
    "operation": "operation of an Enable,<status>,<code>,<message> summary line",
    "status": "its status",
    "status_code": "its code",
    "failure_flag": "its trailing True|False",
    "ext_error_code": "vmHealthStatusCode or telemetry extErrorCode",
    "freeze_result": "ok, or the errors of 'T:S freeze result'",
    "freeze_timedout": "timedout value of that line",
    "fs_mount": "mount point of a failed freeze/thaw/open/stat (safefreeze binary)",
    "fs_op": "FIFREEZE, FITHAW, open or stat",
    "fs_error": "the error text",
    "fs_errno": "the errno",
    "run_result": "run_result - <n>",
    "run_status": "run_status - <word>",
}

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
    name = name.removesuffix(".gz")
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
    """The ``YYYY-MM-DD HH:MM:SS[.ffffff]`` stamp at the start of ``text`` (``/`` or ``-``, space
    or ``T``) as a naive wall-clock datetime; what follows the stamp is ignored."""
    match = _STAMP_PARTS.match(text)
    return parse_instant(match.group(0), naive="local") if match else None


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


def _text_reader(
    body: Callable[[list[str], ParseContext, ParseResult], bool],
    *,
    fallback: bool = True,
) -> Callable[[bytes, ParseContext, ParseResult], None]:
    """A ``read`` that runs the kit's text prologue, then ``body`` on the lines; when ``body``
    finds nothing, the generic timestamped-text reader tries (unless ``fallback`` is off), and a
    file that neither understands is named ``malformed``."""

    def read(data: bytes, context: ParseContext, result: ParseResult) -> None:
        lines = begin_text(data, context, result)
        if lines is None:
            return
        if not body(lines, context, result):
            understood = fallback and _generic_body(lines, context, result)
            if not understood and any(line.strip() for line in lines):
                result.problems.append(Problem(context.file, "malformed", "no line in a known extension-log format"))

    read.__doc__ = body.__doc__
    return read




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
    r"^(Enable|Install|Disable|Uninstall|Update|Daemon),(\w+),(-?\d+),(.*?)(?:,(True|False))?\s*$", re.DOTALL
)
_VM_HEALTH_CODE = re.compile(r'"vmHealthStatusCode"\s*:\s*(\d+)')
_EXT_ERROR_TELEMETRY = re.compile(
    r'"Key"\s*:\s*"extErrorCode"\s*,\s*"Value"\s*:\s*"([^"]*)"|"Value"\s*:\s*"([^"]*)"\s*,\s*"Key"\s*:\s*"extErrorCode"'
)
_FS_FAILURE = re.compile(
    r"Failed to (FIFREEZE|FITHAW|open|stat): ([^\s'\"\],]+)"
    r"(?: with error(?:: (-?\d+) and error)? message ?: ?([^'\"\]\n]*?))?\s*(?:$|['\"\],])",
    re.MULTILINE,
)
_FREEZE_RESULT = re.compile(r"T:S freeze result(.*?)(?:, timedout\s*:\s*(\w+))?\s*$", re.DOTALL)


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
# generic timestamped text under var/log/azure

_GENERIC_STAMP = re.compile(
    r"^\[?(\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)"
    r"(Z|[+-]\d{2}:?\d{2}| ?UTC)?\]?[ \t:,|-]*(.*)$"
)
_GENERIC_LEVEL = re.compile(r"^\[?([A-Za-z]+)\]?:?(?:\s|$)")


def _generic_time(stamp: str, zone: str | None) -> tuple[datetime | None, bool]:
    """(time, local?) of a generic stamp and the zone written after it (none: local time)."""
    moment = parse_instant(stamp + (zone or ""), naive="local")
    return moment, moment is not None and moment.tzinfo is None


def _generic_body(lines: list[str], context: ParseContext, result: ParseResult) -> bool:
    """Lines that start with a timestamp start an event; other lines continue it."""
    orphans, records = group_records(lines, _GENERIC_STAMP.match)
    if not records:
        mark_unparsed(result)
        return False
    for number in orphans:
        result.unparsable(number)
    component = _handler_from_path(context.path)
    memo: dict[str, str] = {}
    for record in records:
        match = record.head
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
        entry = _Entry(record.line, moment, local, "generic-no-zone" if local else None, level,
                       component, [rest, *record.body(lines)], fields, span=record.span)
        _emit(result, entry, memo)
    return True


