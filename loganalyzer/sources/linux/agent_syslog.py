"""Agent records copied into syslog and journal exports (source ``waagent.syslog``).

Claims ``var/log/syslog``, ``messages``, ``daemon.log``, ``user.log`` (and rotations) and
``journal*.txt`` exports that hold agent records::

    May 30 13:15:45 myvm python3[1234]: 2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler Start ...
    May 30 13:15:45 myvm python3[1234]: [stdout]

One event per agent record in a payload (the header grammar of :mod:`.agent_grammar`, fields
``agent_record=1``, ``program``, ``pid``, ``host`` plus the record fields); payload lines of the
same program and PID without a header join that PID's previous record. Other lines that mention
the agent, Azure, extensions, snapshots or filesystem freezes are kept with ``agent_record=0``
(syslog time, local; the missing year taken from the nearest agent record: ``year_inferred``).
The remaining lines are accounted by one summary event (``skipped_lines``); lines that are not
syslog at all are unparsed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import PurePosixPath

from ...events import Problem
from ...redaction import redact
from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import decode, looks_binary, parse_instant, split_lines
from .agent_grammar import (
    _HEADER,
    _SYSLOG,
    _TORN_FRAGMENT,
    RECORD_FIELDS,
    _emit,
    _EraStats,
    _lines_of,
    _nul_free,
    _Record,
    _Versions,
)

__all__ = ["PARSERS", "WAAGENT_SYSLOG", "parse_waagent_syslog"]

SOURCE_SYSLOG = "waagent.syslog"
_UTC = UTC

_AGENT_PROGRAM = re.compile(r"(?i)(?:\S*/)?(?:python[\d.]*|waagent|walinuxagent)\Z")
_AGENT_NAMED_PROGRAM = re.compile(r"(?i)(?:\S*/)?(?:waagent|walinuxagent)\Z")
_RELEVANT = re.compile(
    r"(?i)waagent|walinuxagent|microsoft\.azure|azure linux agent|/azure/|vmsnapshot|extension|snapshot"
    r"|fsfreeze|freez|thaw|blocked for more than|168\.63\.129\.16"
)
_JOURNAL_MARKER = re.compile(r"-- (?:Logs begin at|Journal begins at|Reboot|No entries|Boot )")
_MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}

_SYSLOG_NAME = re.compile(
    r"(?:syslog|messages|daemon\.log|user\.log)(?:\.\d+|-\d{8}(?:\d{2})?)?\Z"
    r"|journal(?:ctl)?[^/]*\.(?:txt|log)\Z",
    re.IGNORECASE,
)



# ---------------------------------------------------------------------------------------------
# syslog / journal copies


def parse_waagent_syslog(data: bytes, context: ParseContext) -> ParseResult:
    """Parse syslog / journal text for copies of agent records (one event per agent record)."""
    return WAAGENT_SYSLOG.parse(data, context)


def _syslog_time(found: re.Match[str]) -> tuple[datetime | None, bool, tuple[int, int] | None]:
    """(time, is_local, (month, day) when the year is missing)."""
    iso = found.group("iso")
    if iso is not None:
        fraction = found.group("ifrac")
        offset = found.group("off")
        time = parse_instant(iso + (f".{fraction}" if fraction else "") + (offset or ""), naive="local")
        return time, time is not None and offset is None, None
    return None, True, (_MONTHS[found.group("mon")], int(found.group("day")))


def _stamp_text(found: re.Match[str]) -> str:
    """A syslog line's own stamp as written (``Oct  1 08:20:00`` or the ISO form)."""
    if found.group("iso") is not None:
        return found.group("iso") + (found.group("off") or "")
    return f"{found.group('mon')} {found.group('day')} {found.group('hms')}"


def _with_year(found: re.Match[str], month_day: tuple[int, int], near: datetime) -> datetime | None:
    """A yearless syslog stamp placed in the year that brings it closest to ``near``."""
    hour, minute, second = (int(part) for part in found.group("hms").split(":"))
    micro = int((found.group("frac") or "").ljust(6, "0") or 0)
    best = None
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            candidate = datetime(year, month_day[0], month_day[1], hour, minute, second, micro)
        except ValueError:
            continue
        if best is None or abs(candidate - near.replace(tzinfo=None)) < abs(best - near.replace(tzinfo=None)):
            best = candidate
    return best


def _read_syslog(lines: list[str], context: ParseContext, result: ParseResult) -> None:
    header = _HEADER.match
    syslog_line = _SYSLOG.match
    items: list[tuple[str, object]] = []  # ("agent", _Record) or ("other", (line, match, payload))
    stats = _EraStats()
    open_by_pid: dict[tuple[str, str], _Record] = {}
    last_record: _Record | None = None
    skipped = 0
    first_skipped = 0
    last_skipped_stamp = ""
    nul_lines = [0]
    for index, raw in enumerate(lines):
        number = index + 1
        line = _nul_free(raw, nul_lines) if "\x00" in raw else raw
        found = syslog_line(line)
        if found is None:
            if line[:1] in (" ", "\t") and last_record is not None and line.strip():
                last_record.attach(line.strip())  # journalctl's indented continuation
            elif _JOURNAL_MARKER.match(line) or not line.strip():
                skipped += 1
                first_skipped = first_skipped or number
            else:
                result.unparsable(number)
            continue
        program = found.group("program")
        payload = found.group("payload") or ""
        key = (program, found.group("pid") or "")
        if _AGENT_PROGRAM.match(program):
            inner = header(payload)
            if inner is not None:
                record = _Record(number, inner)
                record.extra = {"agent_record": "1", "program": program, "host": found.group("host")}
                if found.group("pid"):
                    record.extra["pid"] = found.group("pid")
                items.append(("agent", record))
                open_by_pid[key] = last_record = record
                if inner.group("iso") is not None:
                    stats.note(inner.group("irest"))
                continue
            previous = open_by_pid.get(key)
            if previous is not None:
                previous.attach(payload)
                if payload and _TORN_FRAGMENT.match(payload):
                    previous.torn = True
                last_record = previous
                continue
            if _AGENT_NAMED_PROGRAM.match(program):
                items.append(("other", (number, found, payload, "1")))
                last_record = None
                continue
        last_record = None
        if _RELEVANT.search(payload) or _RELEVANT.search(program):
            items.append(("other", (number, found, payload, "0")))
        else:
            skipped += 1
            first_skipped = first_skipped or number
            last_skipped_stamp = _stamp_text(found)
    if nul_lines[0]:
        result.problems.append(Problem(context.file, "damaged", f"{nul_lines[0]} lines hold NUL bytes"))

    # nearest agent-record time for each item, to give yearless syslog stamps a year
    anchors: list[datetime | None] = []
    latest: datetime | None = None
    for kind, item in items:
        if kind == "agent":
            match = item.match
            stamp = match.group("iso") or match.group("loc")
            if stamp is not None:
                latest = parse_instant(stamp[:19].replace("T", " "), naive="local") or latest
        anchors.append(latest)
    following = None
    for position in range(len(items) - 1, -1, -1):
        if anchors[position] is None:
            anchors[position] = following
        else:
            following = anchors[position]

    rows = result.events
    versions = _Versions()
    memory: dict[str, str] = {}
    for (kind, item), anchor in zip(items, anchors):
        if kind == "agent":
            _emit(item, rows, stats, versions, memory)
            continue
        number, found, payload, agent_record = item
        fields = {"agent_record": agent_record, "program": found.group("program"), "host": found.group("host")}
        if found.group("pid"):
            fields["pid"] = found.group("pid")
        time, local, month_day = _syslog_time(found)
        if month_day is not None:
            if anchor is not None:
                time = _with_year(found, month_day, anchor)
                fields["year_inferred"] = "1"
            else:
                fields["syslog_time"] = f"{found.group('mon')} {found.group('day')} {found.group('hms')}"
        rows.add(
            line=number,
            message=redact(payload),
            time=time,
            level=None,
            component=found.group("program"),
            fields=fields,
            local_time=local,
        )
    if skipped:
        rows.add(
            line=first_skipped,
            message=f"{skipped} syslog lines of other programs (not agent related) skipped",
            fields={"agent_record": "0", "skipped_lines": str(skipped), **({"last_syslog_time": last_skipped_stamp} if last_skipped_stamp else {})},
            span=skipped,
        )


def claim_waagent_syslog(path: str, head: bytes) -> int:
    """System logs by name (``syslog``, ``messages``, ``daemon.log``, journal exports) and any
    syslog-shaped text that holds agent records by content."""
    name = PurePosixPath(path).name
    by_name = _SYSLOG_NAME.match(name) is not None
    by_content = False
    if head and not looks_binary(head):
        lines = [line for line in split_lines(decode(head[:16384]).text)[:200] if line.strip()]
        shaped = [m for m in map(_SYSLOG.match, lines[:20]) if m is not None]
        journal = bool(lines) and _JOURNAL_MARKER.match(lines[0]) is not None
        if shaped or journal:
            by_content = any(
                m is not None and _AGENT_PROGRAM.match(m.group("program"))
                and (_HEADER.match(m.group("payload") or "") or _AGENT_NAMED_PROGRAM.match(m.group("program")))
                for m in map(_SYSLOG.match, lines)
            )
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    return BY_CONTENT if by_content else 0


SYSLOG_FIELDS = {
    **RECORD_FIELDS,
    "agent_record": "1 for an agent record, 0 for another line kept or summarised",
    "program": "syslog program name",
    "pid": "its process id",
    "host": "syslog host name",
    "year_inferred": "1: the year (which syslog does not write) was taken from the nearest agent record",
    "syslog_time": "the syslog stamp, when the record's own time is used",
    "skipped_lines": "summary event: how many unrelated lines were skipped",
    "last_syslog_time": "summary event: the stamp of the last skipped line (what time the log reaches)",
}

WAAGENT_SYSLOG = Parser(
    name="waagent.syslog", source=SOURCE_SYSLOG, claim=claim_waagent_syslog, read=_lines_of(_read_syslog), fields=SYSLOG_FIELDS
)

PARSERS: tuple[Parser, ...] = (WAAGENT_SYSLOG,)
