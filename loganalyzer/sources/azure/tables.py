"""Text tables of jobs and protected items: ``az ... -o table`` (tabulate's "simple" layout) and
PowerShell ``Format-Table``; columns are cut where the dashes line starts them.

    Name                                  Operation    Status      Item Name    Start Time UTC                    Duration
    ------------------------------------  -----------  ----------  -----------  --------------------------------  --------------
    0b8f2c6e-7d41-4a52-9e6b-3c0d5a1f9e21  Backup       Failed      vm-app01     2026-03-02T21:00:12.441123+00:00  0:07:27.564000

The header lines belong to the ``export`` event, each row is a ``job`` or ``item`` event (blank
lines join the row above); ``job_overlap`` events as for JSON jobs. Times without ``UTC`` in the
column name are the viewer's local time.
"""

from __future__ import annotations

import re

from ...events import Problem
from .. import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext, ParseResult
from .._kit import decode, duration_seconds, looks_binary, mark_unparsed, split_lines
from .common import (
    Record,
    add_record,
    base_name,
    clean,
    parse_time,
    read_lines,
    seconds_text,
)
from .items import STOPPED_STATES
from .jobs import Job, jobs_to_records, listed_end
from .kinds import EXPORT_TITLES, summary_suffix

__all__ = ["table_claim", "table_reader"]

_DASHES = re.compile(r"^\s*-{2,}(?:\s+-{2,})*\s*$")
_TABLE_JOB_HEADER = re.compile(r"(?i)\boperation\b.*\bstatus\b|\bworkloadname\b")
_TABLE_ITEM_HEADER = re.compile(r"(?i)friendly name|last backup status|protection (status|state)")


def _table_layout(lines: list[str]) -> tuple[int, list[tuple[str, int, int | None]]] | None:
    """``(dash line index, [(header, start, end)])`` of the first table in ``lines``."""
    for index in range(1, min(len(lines), 30)):
        if _DASHES.match(lines[index]) and lines[index - 1].strip():
            dashes = lines[index]
            starts = [m.start() for m in re.finditer(r"-{2,}", dashes)]
            header = lines[index - 1]
            columns = []
            for position, start in enumerate(starts):
                end = starts[position + 1] if position + 1 < len(starts) else None
                columns.append((header[start:end].strip().lower(), start, end))
            if all(name for name, _, _ in columns):
                return index, columns
    return None


def _table_kind(head_text: str) -> str | None:
    layout = _table_layout(split_lines(head_text)[:40])
    if layout is None:
        return None
    header = " ".join(name for name, _, _ in layout[1])
    if _TABLE_ITEM_HEADER.search(header):
        return "item"
    if _TABLE_JOB_HEADER.search(header) and re.search(r"(?i)item name|workloadname|start ?time|jobid|\bname\b", header):
        return "job"
    return None


def table_claim(kind: str):
    def claim(path: str, head: bytes) -> int:
        if looks_binary(head):
            return 0
        if _table_kind(decode(head).text) != kind:
            return 0
        return BY_NAME_AND_CONTENT if base_name(path).endswith((".txt", ".table", ".out", ".log")) else BY_CONTENT

    claim.__doc__ = f"A text table (az -o table or PowerShell Format-Table) of {kind}s."
    return claim


_TABLE_JOB_COLUMNS = {
    "name": "job_id", "jobid": "job_id", "job id": "job_id", "operation": "operation", "status": "status",
    "item name": "item", "workloadname": "item", "backup management type": "backup_management_type",
    "start time utc": "start", "starttime": "start", "start time": "start", "endtime": "end", "end time": "end",
    "duration": "duration",
}
_TABLE_ITEM_COLUMNS = {
    "name": "name", "friendly name": "item", "container name": "container", "resource group": "resource_group",
    "type": "workload", "last backup status": "last_backup_status", "last recovery point": "last_recovery_point",
    "protection status": "protection_status", "protection state": "protection_state", "health status": "health_status",
}
_PROTECTION_STATES = ("irpending", "protected", "protectionerror", "protectionstopped", "protectionpaused", "backupssuspended", "invalid")


def _cut_row(line: str, columns: list[tuple[str, int, int | None]], mapping: dict[str, str]) -> dict[str, str]:
    values = {}
    for name, start, end in columns:
        cell = line[start:end].strip() if len(line) > start else ""
        key = mapping.get(name)
        if key and cell:
            values[key] = cell
    return values


def _table_job(number: int, values: dict[str, str], fmt: str, utc: bool) -> Job:
    start = parse_time(values.get("start"), assume_utc=utc)
    end = parse_time(values.get("end"), assume_utc=utc)
    duration = duration_seconds(values.get("duration"))
    end = listed_end(values.get("status", ""), start, end, duration)
    fields = {
        "kind": "job",
        "format": fmt,
        **{k: v for k, v in values.items() if k not in ("start", "end")},
        "start": start.iso() if start else values.get("start"),
        "end": end.iso() if end else None,
        "duration_s": seconds_text(duration),
    }
    return Job(number, {k: clean(v) for k, v in fields.items() if v}, start, end, duration)


def _table_item(number: int, values: dict[str, str], fmt: str) -> Record:
    item = {"kind": "item", "format": fmt, **values}
    if (values.get("protection_status") or "").lower() in _PROTECTION_STATES and not values.get("protection_state"):
        item["protection_state"] = values["protection_status"]
    if values.get("item"):
        item["vm"] = values["item"]
    state = (item.get("protection_state") or "").lower()
    message = (
        f"protected item {values.get('item') or values.get('name') or '?'}: "
        f"{values.get('protection_status') or values.get('protection_state') or '?'}, last backup {values.get('last_backup_status') or '?'}"
    )
    return Record(number, message, item, None, "warning" if state in STOPPED_STATES else "info", "protected item")


def table_reader(kind: str):
    """The ``read`` of a text-table parser of ``kind`` (``job`` or ``item``)."""

    def read(data: bytes, context: ParseContext, result: ParseResult) -> None:
        lines = read_lines(data, context, result)
        if lines is None:
            return
        layout = _table_layout(lines[:40])
        if layout is None:
            mark_unparsed(result)
            result.problems.append(Problem(context.file, "malformed", "no table header with a dashes line"))
            return
        dash_index, columns = layout
        utc = any("utc" in name for name, _, _ in columns)
        fmt = "table" if utc or any(name in ("item name", "friendly name") for name, _, _ in columns) else "powershell-table"
        mapping = _TABLE_JOB_COLUMNS if kind == "job" else _TABLE_ITEM_COLUMNS
        header_span = dash_index + 1
        rows: list[list] = []  # [line, values, span]
        for number in range(dash_index + 2, len(lines) + 1):
            line = lines[number - 1]
            if not line.strip():
                if rows:
                    rows[-1][2] += 1
                else:
                    header_span += 1
                continue
            values = _cut_row(line, columns, mapping)
            if not values:
                result.unparsable(number)
                continue
            rows.append([number, values, 1])
        if kind == "job":
            jobs = [_table_job(number, values, fmt, utc) for number, values, _ in rows]
            records = jobs_to_records(jobs)
        else:
            records = [_table_item(number, values, fmt) for number, values, _ in rows]
        for record, (_, _, span) in zip(records, rows):
            record.span = span
        summary = Record(
            1,
            f"{EXPORT_TITLES[kind]} ({fmt}): {len(rows)} row(s)" + summary_suffix(kind, records),
            {"kind": "export", "export": kind, "format": fmt, "count": str(len(rows))},
            None,
            None,
            EXPORT_TITLES[kind],
            header_span,
        )
        for record in [summary, *records]:
            add_record(result, record, context)

    read.__name__ = f"read_{kind}_table"
    read.__doc__ = f"Read a text table of {kind}s, cutting columns where the dashes line starts them."
    return read

