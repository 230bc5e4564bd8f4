"""CSV exports: the portal's backup jobs grid, Log Analytics job records (source ``azure.job``)
and the activity log downloaded from the portal (source ``azure.activity``); comma, semicolon or
tab separated, headers in the portal's UI languages.

    "Workload name","Operation","Status","Type","Start time","Duration"
    "vm-app01","Backup","Failed","Azure Virtual Machine","3/2/2026, 9:00:12 PM","00:07:27"

The header lines belong to the ``export`` event, each row is a ``job`` (with ``job_overlap``
events) or ``activity`` event. Times are the viewer's local time unless the column says UTC or
the export is Log Analytics'. A quoted cell never closed is ``malformed`` at the line it opens.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from ...events import Problem
from .. import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext, ParseResult
from .._kit import decode, duration_seconds, looks_binary, mark_unparsed, split_lines
from .activity import activity_record, activity_tag
from .codes import canonical_code, code_in
from .common import (
    Moment,
    Record,
    add_record,
    base_name,
    clean,
    parse_time,
    read_lines,
    seconds_text,
)
from .jobs import Job, jobs_to_records, listed_end
from .kinds import summary_suffix

__all__ = ["activity_csv_header", "csv_claim", "jobs_csv_header", "read_activity_csv", "read_jobs_csv"]

_JOB_CSV_COLUMNS = {
    "item": ("workload name", "backup instance", "backup item", "item", "item name", "datasource name", "datasource",
             "vm name", "backupitemfriendlyname", "datasourcefriendlyname", "arbetsbelastningens namn",
             "säkerhetskopieringsinstans", "sicherungsinstanz", "instancia de copia de seguridad", "nombre de la carga de trabajo"),
    "operation": ("operation", "joboperation", "joboperation_s", "åtgärd", "vorgang", "operación", "operacion"),
    "status": ("status", "jobstatus", "jobstatus_s", "estado"),
    "start": ("start time", "start time (utc)", "start time utc", "jobstartdatetime", "jobstartdatetime [utc]",
              "jobstartdatetime_s", "starttid", "startzeit", "hora de inicio"),
    "end": ("end time", "end time (utc)", "sluttid", "endzeit", "hora de finalización"),
    "duration": ("duration", "jobdurationinsecs", "jobdurationinsecs_s", "varaktighet", "dauer", "duración", "duracion"),
    "job_id": ("job id", "jobid", "jobuniqueid", "jobuniqueid_g", "activity id"),
    "failure_code": ("jobfailurecode", "jobfailurecode_s", "error code", "felkod", "fehlercode", "código de error"),
    "backup_management_type": ("type", "backup management type", "datasource type", "backupmanagementtype",
                               "backupmanagementtype_s", "typ", "tipo"),
    "vault": ("vault", "vault name", "valv", "tresor", "almacén"),
    "time_generated": ("timegenerated", "timegenerated [utc]"),
    "adhoc": ("adhocorscheduledjob", "adhocorscheduledjob_s"),
}
_JOB_CSV_INDEX = {alias: key for key, aliases in _JOB_CSV_COLUMNS.items() for alias in aliases}
#: portal status and operation words in other UI languages, to the service's values
_STATUS_WORDS = {
    "misslyckades": "Failed", "misslyckad": "Failed", "slutförd": "Completed", "slutfört": "Completed", "pågår": "InProgress",
    "fehler": "Failed", "fehlgeschlagen": "Failed", "abgeschlossen": "Completed", "wird ausgeführt": "InProgress",
    "in bearbeitung": "InProgress", "con errores": "Failed", "error": "Failed", "completado": "Completed",
    "en curso": "InProgress", "en progreso": "InProgress", "in progress": "InProgress", "succeeded": "Completed",
    "completed with warnings": "CompletedWithWarnings", "avbruten": "Cancelled", "abgebrochen": "Cancelled", "cancelado": "Cancelled",
}
_OPERATION_WORDS = {"säkerhetskopiering": "Backup", "sicherung": "Backup", "copia de seguridad": "Backup",
                    "backup (on demand)": "Backup", "återställning": "Restore", "wiederherstellung": "Restore",
                    "restauración": "Restore"}
_ACTIVITY_CSV_COLUMNS = {
    "correlation id": "correlationid", "operation name": "operationname", "operation": "operationname",
    "status": "status", "event category": "category", "level": "level", "time": "eventtimestamp",
    "event initiated by": "caller", "resource type": "resourcetype", "resource group": "resourcegroupname",
    "resource": "resourceid", "resource id": "resourceid", "subscription": "subscription",
}
_JS_DATE = re.compile(r"^\w{3} (\w{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-]\d{4})")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _csv_time(value: str | None, utc: bool) -> Moment | None:
    """A CSV time cell: ISO, a JavaScript date string (``Wed Jan 22 2025 09:02:11 GMT+0100``),
    or a culture format (local unless the column says UTC)."""
    if not value:
        return None
    text = value.strip()
    found = _JS_DATE.match(text)
    if found and found.group(1).lower() in _MONTHS:
        try:
            moment = datetime(int(found.group(3)), _MONTHS[found.group(1).lower()], int(found.group(2)),
                              int(found.group(4)), int(found.group(5)), int(found.group(6)))
        except ValueError:
            return None
        zone = found.group(7)
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * (-1 if zone[0] == "-" else 1)
        return Moment((moment - offset).replace(tzinfo=UTC))
    text = re.sub(r"^(\d{1,2}/\d{1,2}/\d{4}),", r"\1", text)
    text = re.sub(r"(\d{1,2}:\d{2}:\d{2})\.\d+(\s*[AP]M)?$", r"\1\2", text)
    moment = parse_time(text, assume_utc=utc)
    if moment and moment.local and utc:
        return Moment(moment.time.replace(tzinfo=UTC))
    return moment


def _csv_rows(text: str) -> list[tuple[int, int, list[str]]] | None:
    """``[(first line, span, cells)]`` for the delimiter that gives the widest header."""
    best = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        before = 0
        try:
            for cells in reader:
                rows.append((before + 1, reader.line_num - before, cells))
                before = reader.line_num
        except csv.Error:
            continue
        if rows and (best is None or len(rows[0][2]) > len(best[1][0][2])):
            best = (delimiter, rows)
    if best is None:
        return None
    return best[1]


def _unterminated(lines: list[str], first: int) -> bool:
    """Whether the row starting on line ``first`` (the last one) opens a quote it never closes."""
    rest = "\n".join(lines[first - 1 :])
    if '"' not in rest:
        return False
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error as error:
            if "end of data" in str(error):
                return True
            continue
        return False
    return False


def _header(cells: list[str]) -> list[str]:
    return [re.sub(r"\s+", " ", c.strip().strip("\ufeff").strip('"').lower()) for c in cells]


def jobs_csv_header(cells: list[str]) -> bool:
    names = [_JOB_CSV_INDEX.get(name) for name in _header(cells)]
    return ("operation" in names and "status" in names and ("start" in names or "duration" in names)) or "failure_code" in names and "job_id" in names


def activity_csv_header(cells: list[str]) -> bool:
    names = _header(cells)
    return "operation name" in names and any(n in names for n in ("correlation id", "event initiated by", "event category"))


def csv_claim(test):
    def claim(path: str, head: bytes) -> int:
        if looks_binary(head):
            return 0
        text = decode(head).text
        first = next((line for line in split_lines(text) if line.strip()), "")
        if first.lstrip().startswith(("{", "[")):
            return 0
        for delimiter in (",", ";", "\t"):
            try:
                cells = next(csv.reader([first], delimiter=delimiter))
            except (csv.Error, StopIteration):
                continue
            if len(cells) >= 3 and test(cells):
                return BY_NAME_AND_CONTENT if base_name(path).endswith((".csv", ".tsv", ".txt")) else BY_CONTENT
        return 0

    claim.__doc__ = f"A CSV whose header row {test.__name__.strip('_').replace('_', ' ')}."
    return claim


def _csv_body(data: bytes, context: ParseContext, result: ParseResult, test) -> tuple[list[str], list[tuple[int, int, list[str]]], int] | None:
    """The header names, the data rows and the header's span; None (with a problem) otherwise.

    A quoted cell that is never closed swallows the rest of the file: it is named ``malformed``
    with the line where it opens, the rows before it are kept and the lines from it are unparsed.
    """
    lines = read_lines(data, context, result)
    if lines is None:
        return None
    rows = _csv_rows("\n".join(lines) + "\n")
    if not rows:
        mark_unparsed(result)
        result.problems.append(Problem(context.file, "malformed", "not a readable CSV"))
        return None
    last_first = rows[-1][0]
    cut = len(rows) > 1 and _unterminated(lines, last_first)
    if cut:
        rows = rows[:-1]
    leading = 0
    while rows and not any(c.strip() for c in rows[0][2]):
        leading += rows[0][1]
        rows = rows[1:]
    if not rows or not test(rows[0][2]):
        mark_unparsed(result)
        result.problems.append(Problem(context.file, "malformed", "the CSV header is not the expected one"))
        return None
    if cut:
        mark_unparsed(result, last_first)
        result.problems.append(
            Problem(
                context.file,
                "malformed",
                f"a quoted cell opened on line {last_first} is never closed; the rows before it were read, "
                f"lines {last_first}-{result.lines} were not",
            )
        )
    return _header(rows[0][2]), rows[1:], leading + rows[0][1]


def read_jobs_csv(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """The portal's backup jobs grid (or a Log Analytics job query) saved as CSV: one ``job``
    event per row, ``job_overlap`` events for overlapping runs."""
    body = _csv_body(data, context, result, jobs_csv_header)
    if body is None:
        return
    names, rows, header_span = body
    keys = [_JOB_CSV_INDEX.get(name) for name in names]
    log_analytics = any(name.startswith(("job", "timegenerated", "backupitem")) for name in names)
    utc = log_analytics or any("utc" in name for name in names)
    fmt = "log-analytics" if log_analytics else "portal-csv"
    jobs: list[Job] = []
    spans: list[int] = []
    for first, span, cells in rows:
        if not any(c.strip() for c in cells):
            if spans:
                spans[-1] += span
            else:
                header_span += span
            continue
        values = {key: clean(cell.strip()) for key, cell in zip(keys, cells) if key and cell.strip()}
        if len(cells) != len(names) or not values:
            for number in range(first, first + span):
                result.unparsable(number)
            continue
        status_written = values.get("status", "")
        status = _STATUS_WORDS.get(status_written.lower(), status_written)
        operation = _OPERATION_WORDS.get(values.get("operation", "").lower(), values.get("operation"))
        start = _csv_time(values.get("start") or values.get("time_generated"), utc)
        end = _csv_time(values.get("end"), utc)
        duration = duration_seconds(values.get("duration"))
        if duration is None and values.get("duration", "").replace(".", "", 1).isdigit():
            duration = float(values["duration"])
        end = listed_end(status, start, end, duration)
        fields = {
            "kind": "job",
            "format": fmt,
            "job_id": values.get("job_id"),
            "operation": operation,
            "status": status,
            "status_as_written": status_written if status_written != status else None,
            "item": values.get("item"),
            "vault": values.get("vault"),
            "backup_management_type": values.get("backup_management_type"),
            "start": start.iso() if start else values.get("start"),
            "end": end.iso() if end else None,
            "duration": values.get("duration"),
            "duration_s": seconds_text(duration),
        }
        adhoc = values.get("adhoc")
        if adhoc:
            fields["user_triggered"] = "true" if adhoc.lower().startswith("adhoc") else "false"
        failure = values.get("failure_code")
        if failure and failure.lower() not in ("success", "none", "0", "-"):
            code = code_in(failure) or canonical_code(failure)
            fields.update({"code": code, "code_basis": "name", "reported_code": code})
        jobs.append(Job(first, {k: v for k, v in fields.items() if v}, start, end, duration))
        spans.append(span)
    records = jobs_to_records(jobs)
    for record, span in zip(records, spans):
        record.span = span
    summary = Record(1, f"backup jobs ({fmt}): {len(jobs)} row(s)" + summary_suffix("job", records),
                      {"kind": "export", "export": "job", "format": fmt, "count": str(len(jobs))}, None, None, "backup jobs", header_span)
    for record in [summary, *records]:
        add_record(result, record, context)


def read_activity_csv(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """The activity log downloaded from the portal as CSV: one ``activity`` event per row."""
    body = _csv_body(data, context, result, activity_csv_header)
    if body is None:
        return
    names, rows, header_span = body
    keys = [_ACTIVITY_CSV_COLUMNS.get(name) for name in names]
    records: list[Record] = []
    for first, span, cells in rows:
        if not any(c.strip() for c in cells):
            if records:
                records[-1].span += span
            else:
                header_span += span
            continue
        values = {key: cell.strip() for key, cell in zip(keys, cells) if key and cell.strip()}
        if len(cells) != len(names) or not values:
            for number in range(first, first + span):
                result.unparsable(number)
            continue
        moment = _csv_time(values.pop("eventtimestamp", None), utc=False)
        record = activity_record(first, values, "portal-csv")
        record.fields["operation_text"] = values.get("operationname", "")
        record.fields["activity"] = activity_tag(values.get("operationname"), values.get("resourcetype"))
        record.time = moment
        record.span = span
        records.append(record)
    summary = Record(1, f"activity log (portal-csv): {len(records)} row(s)",
                      {"kind": "export", "export": "activity", "format": "portal-csv", "count": str(len(records))}, None, None, "activity log", header_span)
    for record in [summary, *records]:
        add_record(result, record, context)

