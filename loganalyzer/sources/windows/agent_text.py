"""The line grammar of Windows agent and extension text logs (no parser here).

:mod:`.agent_log` (WaAppAgent.log and its siblings) and :mod:`.plugin_log` (extension logs)
read through :func:`read_text_log`. Three agent prefixes, then any timestamped line::

    [00000008] [05/30/2024 13:15:45.21] [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.1102
    [00000008] 2024-05-30T13:15:45.213Z [ERROR] GetVersions() failed with exception: ...
    [05/30/2024 13:15:45.21] [WARN] Did not discover fabric address on interface Ethernet 2
    2024-08-27 21:30:04.080 Info: Task id 8c2d1e4f-6a7b-4c9d-8e0f-1a2b3c4d5e6f, command snapshot, ...

Lines without a time (stack traces, health-report JSON) continue the entry above them. Agent
prefixes are UTC (the bracketed ``MM/dd/yyyy`` one is assumed UTC too); other stamps are UTC
only with ``Z``/an offset, else local wall-clock (``local_time=True``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ...redaction import redact
from .. import ParseContext, ParseResult
from .._kit import begin_text, group_records, load_json, parse_instant
from .common import redact_fields
from .local_dates import date_parts, local_datetime

__all__ = ["AGENT_PREFIX", "GENERIC_TIME", "TEXT_LOG_FIELDS", "read_text_log"]

TEXT_LOG_FIELDS = {
    "tid": "thread id of the agent prefix",
    "level_word": "the log's own level word (INFO, WARN, ERROR, HEART, TRACE)",
    "prefix": "which line grammar matched: us-date | iso | generic | none",
    "kind": "health-report for a whole-line VM health report JSON",
}

AGENT_PREFIX = re.compile(
    r"^(?:\[(?P<tid>[0-9A-Fa-f]{1,16}(?:\+[0-9A-Fa-f]{1,16})?)\]\s*)?"
    r"(?:\[(?P<us>\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d(?:\.\d+)?)\]"
    r"|(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?))"
    r"\s*\[(?P<level>[A-Za-z]{3,8})\]\s*(?P<message>.*)$"
)
GENERIC_TIME = re.compile(
    r"^(?:\[[^\]\s]{1,24}\]\s*)?\[?"
    r"(?:(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:\s?Z|[+-]\d\d:?\d\d)?)"
    r"|(?P<us>\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d\d:\d\d(?:\.\d+)?(?:\s?[AP]M)?))\]?\s*[:,-]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_GENERIC_LEVEL = re.compile(
    r"^\W{0,2}(ERROR|ERR|WARNING|WARN|INFO|INFORMATION|VERBOSE|DEBUG|TRACE|FATAL|CRITICAL|HEART)\b\]?\s*[:-]?\s*",
    re.IGNORECASE,
)
_LEVELS = {
    "error": "error", "err": "error", "fatal": "error", "critical": "error",
    "warn": "warning", "warning": "warning",
    "info": "info", "information": "info", "heart": "info",
    "verbose": "verbose", "debug": "verbose", "trace": "verbose",
}


def _us_time(text: str) -> datetime | None:
    """``MM/dd/yyyy h:mm:ss[.f][ AM]`` (the agent writes en-US dates) as a naive datetime."""
    return local_datetime(date_parts(text), "mdy")


@dataclass
class _Head:
    """What a timed header line says: its time, level and first message line."""

    time: datetime | None
    local: bool
    level: str | None
    message: str
    fields: dict[str, str] = field(default_factory=dict)


def _agent_head(found: re.Match[str]) -> _Head:
    word = found.group("level")
    if found.group("iso"):
        moment, shape = parse_instant(found.group("iso")), "iso"
    else:
        moment, shape = _us_time(found.group("us")), "us-date"
        moment = moment.replace(tzinfo=UTC) if moment is not None else None
    fields = {"level_word": word.upper(), "prefix": shape}
    if found.group("tid"):
        fields["tid"] = found.group("tid")
    return _Head(moment, False, _LEVELS.get(word.lower()), found.group("message"), fields)


def _health_report(line: str) -> _Head | None:
    """A whole-line VM health report JSON (TransparentInstaller.log), or None."""
    stripped = line.strip()
    if not (stripped.startswith("{") and '"reportTime"' in stripped):
        return None
    try:
        report = load_json(stripped)
    except ValueError:
        return None
    if not isinstance(report, dict):
        return None
    moment = parse_instant(str(report.get("reportTime", "")))
    return _Head(moment, False, None, stripped, {"kind": "health-report"})


def _generic_head(found: re.Match[str]) -> _Head | None:
    if found.group("iso"):
        moment = parse_instant(found.group("iso").upper(), naive="local")
        local = moment is not None and moment.tzinfo is None
    else:
        moment, local = _us_time(found.group("us")), True
    if moment is None:
        return None
    rest, level, fields = found.group("rest"), None, {"prefix": "generic"}
    word = _GENERIC_LEVEL.match(rest)
    if word:
        level = _LEVELS.get(word.group(1).lower())
        fields["level_word"] = word.group(1).upper()
        rest = rest[word.end():]
    return _Head(moment, local, level, rest, fields)


def _head(line: str) -> _Head | None:
    """The header a line starts an entry with, or None for a continuation line."""
    prefix = AGENT_PREFIX.match(line)
    if prefix:
        return _agent_head(prefix)
    report = _health_report(line)
    if report is not None:
        return report
    generic = GENERIC_TIME.match(line)
    return _generic_head(generic) if generic else None


def _untimed(lines: list[str], orphans: list[int]) -> tuple[list[tuple[int, int]], int]:
    """Lines before the first timed entry: ``(untimed entries as (first, last), blank lines)``.

    A line that is not blank and not indented starts an untimed entry; blank and indented lines
    continue it; blank lines before any entry are counted apart (they join the first entry).
    """
    entries: list[list[int]] = []
    blanks = 0
    for number in orphans:
        line = lines[number - 1]
        if entries and (not line.strip() or line[:1].isspace()):
            entries[-1][1] = number
        elif not line.strip():
            blanks += 1
        else:
            entries.append([number, number])
    return [(first, last) for first, last in entries], blanks


def read_text_log(data: bytes, context: ParseContext, result: ParseResult, base_fields: dict[str, str],
                  component: str | None, *, orphans_as_events: bool) -> None:
    """Events of one agent or extension text log; see the module docstring.

    ``orphans_as_events``: lines before the first timed line become untimed events
    (``prefix=none``) instead of unparsed lines.
    """
    lines = begin_text(data, context, result, binary_message="binary data where a text log was expected")
    if lines is None:
        return
    orphans, records = group_records(lines, _head)
    untimed: list[tuple[int, int]] = []
    blanks = 0
    if orphans_as_events:
        untimed, blanks = _untimed(lines, orphans)
    else:
        for number in orphans:
            if lines[number - 1].strip():
                result.unparsable(number)
            else:
                blanks += 1
    entries = [(first, last, None) for first, last in untimed] + [(r.line, r.last, r.head) for r in records]
    entries.sort(key=lambda entry: entry[0])
    if not entries:
        for number in range(1, blanks + 1):
            result.unparsable(number)
        return
    for index, (first, last, head) in enumerate(entries):
        text = [head.message if head else lines[first - 1], *lines[first:last]]
        fields = dict(base_fields, **(head.fields if head else {"prefix": "none"}))
        time = head.time if head else None
        result.events.add(
            line=first,
            message=redact("\n".join(text).rstrip()),
            time=time,
            level=head.level if head else None,
            component=component,
            fields=redact_fields(fields),
            local_time=bool(head and head.local) and time is not None,
            span=last - first + 1 + (blanks if index == 0 else 0),
        )
