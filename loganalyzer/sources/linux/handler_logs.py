"""``shell.log`` of ``main/handle.sh`` and the Go extensions' ``handler.log`` (source ``extension.log``).

``shell.log`` lines start with ``date`` output, whose text depends on the VM's locale::

    Tue Jul  2 01:05:11 UTC 2024- ConfigSequenceNumber from environment variable seqNo:38
    Thu May 21 05:04:31 PM UTC 2026- 1 returned from handle.py

``handler.log`` (CustomScript, RunCommand) is logfmt::

    time=2024-05-30T13:15:45Z version=v2.1.6/git@6f4ba8e-clean operation=enable seq=0 event=start

Fields: shell.log ``seq_no``, ``return_code``, ``python_found``, ``operation``, ``zone``,
``date_text``; handler.log every ``key=value`` pair except ``time`` (secret keys masked).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ...redaction import MASK, SECRET_KEYS
from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import group_records, load_json, parse_instant
from .extension_common import (
    EXTENSION_FIELDS,
    GENERIC_FIELDS,
    SOURCE,
    _base_name,
    _emit,
    _Entry,
    _handler_from_path,
    _head_lines,
    _level,
    _text_reader,
    _under_azure_logs,
)

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
        parsed = parse_instant(remainder, naive="local", other_formats=True)
        moment = parsed.replace(tzinfo=None) if parsed is not None else None
    if moment is None:
        return None, False, zone
    if zone in _UTC_WORDS:
        return moment.replace(tzinfo=UTC), False, zone
    if offset is not None:
        return (moment - offset).replace(tzinfo=UTC), False, zone
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
    """A logfmt ``time=`` value with an offset, as UTC; a time without one is not trusted."""
    moment = parse_instant(value, naive="local") if value else None
    return moment if moment is not None and moment.tzinfo is not None else None


def _handler_log_body(lines: list[str], context: ParseContext, result: ParseResult) -> bool:
    """logfmt lines; a line that is not logfmt continues the one above."""
    orphans, records = group_records(lines, _logfmt_pairs)
    if not records:
        return False
    for number in orphans:
        result.unparsable(number)
    component = _handler_from_path(context.path)
    memo: dict[str, str] = {}
    for record in records:
        pairs, line = record.head, lines[record.line - 1]
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
        entry = _Entry(record.line, _logfmt_time(values.get("time")), False, None, level, component,
                       [message, *record.body(lines)], fields, span=record.span)
        _emit(result, entry, memo)
    return True


def _claim_handler_log(path: str, head: bytes) -> int:
    """``var/log/azure/<folder>/handler.log`` or logfmt lines starting ``time=... version=...``."""
    lines = [line for line in _head_lines(head, 20) if line.strip()]
    content = bool(lines) and lines[0].startswith("time=") and bool(_logfmt_pairs(lines[0]))
    if _under_azure_logs(path) and _base_name(path) == "handler.log":
        return BY_NAME_AND_CONTENT if content else BY_NAME
    return BY_CONTENT if content and ("operation=" in lines[0] or "event=" in lines[0]) else 0


SHELL_LOG_FIELDS = {
    **EXTENSION_FIELDS,
    "seq_no": "seqNo: <n>",
    "return_code": "<n> returned from handle.py",
    "python_found": "the interpreter found (none when no interpreter)",
    "operation": "The command is <operation>",
    "date_text": "the date as written, when it could not be read",
    **GENERIC_FIELDS,  # a file the shell-log reader does not understand is read by the generic reader
    "zone": "the zone word of the date (or the zone of a generic stamp)",
}
HANDLER_LOG_FIELDS = {
    **EXTENSION_FIELDS,
    "*": "every key=value pair of the line except time, keys as written (secret keys masked)",
    **GENERIC_FIELDS,
}

SHELL_LOG = Parser("shell.log", SOURCE, _claim_shell_log, read=_text_reader(_shell_body), fields=SHELL_LOG_FIELDS)
HANDLER_LOG = Parser("handler.log", SOURCE, _claim_handler_log, read=_text_reader(_handler_log_body), fields=HANDLER_LOG_FIELDS)
parse_shell_log = SHELL_LOG.parse
parse_handler_log = HANDLER_LOG.parse

PARSERS: tuple[Parser, ...] = (SHELL_LOG, HANDLER_LOG)
