"""Backup jobs (source ``azure.job``) from JSON: ``az backup job show|list`` (bare object or
array, ``+00:00`` times, ``0:07:27.564000`` durations), REST (``{"value": [...]}``, ``Z`` times,
``PT7M27.564S``), PowerShell ``ConvertTo-Json`` (``JobId``, ``WorkloadName``, ``ErrorDetails``)
and Log Analytics records (``JobFailureCode``); the job building the table and CSV readers share.

    {"name": "0b8f2c6e-7d41-4a52-9e6b-3c0d5a1f9e21", "properties": {"jobType": "AzureIaaSVMJob",
     "operation": "Backup", "status": "Failed", "entityFriendlyName": "vm-app01",
     "startTime": "2026-03-02T21:00:12.441123+00:00", "duration": "0:07:27.564000",
     "errorDetails": [{"errorCode": 400089, "errorString": "...", "recommendations": ["..."]}]}}

A job's ``errorCode`` is an integer; the code *name* is decided from the text (``errorString``,
``recommendations``, ``dynamicErrorMessage``) by :mod:`.codes`. Jobs of one item
whose run times overlap give one ``job_overlap`` event naming both ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .._kit import duration_seconds
from .codes import canonical_code, code_from_text, inner_code
from .common import (
    VAULT_IN_ID,
    Moment,
    Record,
    as_dict,
    as_list,
    match_group,
    parse_time,
    pick,
    scalar,
    seconds_text,
)
from .kinds import record_kind

__all__ = ["OPEN_STATUSES", "Job", "build_jobs", "jobs_to_records", "listed_end"]

@dataclass
class Job:
    line: int
    fields: dict[str, str]
    start: Moment | None = None
    end: Moment | None = None
    duration: float | None = None


OPEN_STATUSES = ("inprogress", "cancelling", "in progress", "running")


def listed_end(status: str, start: Moment | None, end: Moment | None, duration: float | None) -> Moment | None:
    """A listed job's end: none while it runs, else as listed or its start plus its duration."""
    if status.lower() in OPEN_STATUSES:
        return None
    if end is None and start and duration is not None:
        return Moment(start.time + timedelta(seconds=duration), start.local)
    return end


def _job_fields(obj: dict, fmt: str) -> tuple[dict[str, str], Moment | None, Moment | None, float | None]:
    """The fields of one job record (az, REST, PowerShell or Log Analytics), with its times."""
    job_id = scalar(pick(obj, "jobid", "jobuniqueid", "jobuniqueid_g")) or scalar(obj.get("name"))
    vault = match_group(VAULT_IN_ID, scalar(obj.get("id")))
    fields: dict[str, str | None] = {
        "kind": "job",
        "format": fmt,
        "job_id": job_id,
        "operation": scalar(pick(obj, "operation", "joboperation", "joboperation_s")),
        "status": scalar(pick(obj, "status", "jobstatus", "jobstatus_s")),
        "item": scalar(pick(obj, "entityfriendlyname", "workloadname", "backupitemfriendlyname", "datasourcefriendlyname")),
        "container": scalar(pick(obj, "containername")),
        "vault": vault,
        "backup_management_type": scalar(pick(obj, "backupmanagementtype", "backupmanagementtype_s")),
        "job_type": scalar(pick(obj, "jobtype")),
        "user_triggered": scalar(pick(obj, "isusertriggered")),
    }
    adhoc = scalar(pick(obj, "adhocorscheduledjob", "adhocorscheduledjob_s"))
    if adhoc and not fields["user_triggered"]:
        fields["user_triggered"] = "true" if adhoc.lower().startswith("adhoc") else "false"
    start = parse_time(pick(obj, "starttime", "jobstartdatetime", "jobstartdatetime_s"))
    end = parse_time(pick(obj, "endtime"))
    raw_duration = pick(obj, "duration", "jobdurationinsecs", "jobdurationinsecs_s")
    duration = duration_seconds(raw_duration)
    if isinstance(raw_duration, str) and raw_duration.strip().replace(".", "", 1).isdigit():
        duration = float(raw_duration)
    fields["duration"] = scalar(raw_duration) if not isinstance(raw_duration, dict) else seconds_text(duration)
    fields["duration_s"] = seconds_text(duration)
    if end is None and start is not None and duration is not None and (fields["status"] or "").lower() not in OPEN_STATUSES:
        end = Moment(start.time + timedelta(seconds=duration), start.local)
    fields["start"] = start.iso() if start else None
    fields["end"] = end.iso() if end else None

    extended = as_dict(pick(obj, "extendedinfo"))
    texts: list[str] = []
    errors = as_list(pick(obj, "errordetails"))
    for error in errors:
        if not isinstance(error, dict):
            if isinstance(error, str):
                texts.append(error)
            continue
        number = error.get("errorcode")
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            fields["error_code_num"] = fields.get("error_code_num") or str(int(number))
        elif isinstance(number, str) and number.strip():
            texts.append(number)
        message = scalar(error.get("errorstring")) or scalar(error.get("errormessage"))
        title = scalar(error.get("errortitle"))
        if message:
            texts.append(message)
            fields["error_message"] = fields.get("error_message") or message
        if title:
            texts.append(title)
        recommendations = [r for r in (scalar(x) for x in as_list(error.get("recommendations"))) if r]
        if isinstance(error.get("recommendations"), str):
            recommendations = [scalar(error["recommendations"]) or ""]
        if recommendations:
            texts.extend(recommendations)
            fields["recommendation"] = fields.get("recommendation") or " ".join(recommendations)
    dynamic = scalar(extended.get("dynamicerrormessage")) or scalar(pick(obj, "dynamicerrormessage"))
    if dynamic:
        texts.append(dynamic)
        fields["dynamic_error_message"] = dynamic
    failure_code = scalar(pick(obj, "jobfailurecode", "jobfailurecode_s"))
    decided = None
    if failure_code and failure_code.lower() not in ("success", "none", "0"):
        decided = (canonical_code(failure_code), "name", "")
        fields["format"] = "log-analytics" if fmt not in ("portal-csv",) else fmt
    elif texts:
        decided = code_from_text(*texts)
    if decided:
        code, basis, lang = decided
        fields["code"], fields["code_basis"] = code, basis
        if lang:
            fields["lang"] = lang
        if (fields["status"] or "").lower() in ("failed", "completedwithwarnings", "") or failure_code:
            fields["reported_code"] = code
    fields["inner_code"] = inner_code("\n".join(texts))
    tasks = as_list(extended.get("taskslist")) or as_list(pick(obj, "subtasks"))
    for task in tasks:
        if isinstance(task, dict) and str(task.get("status") or "").lower() == "failed":
            fields["failed_task"] = scalar(task.get("taskid")) or scalar(task.get("name"))
            break
    return {k: v for k, v in fields.items() if v}, start, end, duration


def _job_level(status: str) -> str:
    status = status.lower()
    if status == "failed":
        return "error"
    if status in ("completedwithwarnings", "cancelled"):
        return "warning"
    return "info"


def _job_message(fields: dict[str, str]) -> str:
    text = f"{fields.get('operation', 'job')} job {fields.get('job_id', '?')} for {fields.get('item', '?')}: {fields.get('status', '?')}"
    if fields.get("start"):
        text += f", started {fields['start']}"
    if fields.get("duration"):
        text += f", duration {fields['duration']}"
    if fields.get("code"):
        text += f"; code {fields['code']}"
    if fields.get("error_message"):
        text += f"; {fields['error_message']}"
    return text


def _item_key(fields: dict[str, str]) -> str | None:
    container = fields.get("container")
    if container:
        return container.lower().split(";")[-1]
    item = fields.get("item")
    return item.lower() if item else None


def _overlaps(jobs: list[Job], limit: int = 50) -> list[Record]:
    """``job_overlap`` records: jobs of one item whose run times overlap (the later one named
    first). A job without an end that is still running is open-ended."""
    by_item: dict[str, list[Job]] = {}
    for job in jobs:
        key = _item_key(job.fields)
        if key and job.start is not None:
            by_item.setdefault(key, []).append(job)
    records: list[Record] = []
    far = datetime.max.replace(tzinfo=UTC)
    for key, group in by_item.items():
        group.sort(key=lambda j: j.start.time)
        for index, later in enumerate(group):
            for earlier in group[:index]:
                if earlier.start.local != later.start.local:
                    continue
                status = (earlier.fields.get("status") or "").lower()
                if earlier.end is not None:
                    earlier_end = earlier.end.time
                elif status in OPEN_STATUSES or not status:
                    earlier_end = far if not earlier.start.local else datetime.max
                else:
                    continue
                if not (earlier.start.time <= later.start.time < earlier_end):
                    continue
                if later.start.time == earlier.start.time and later.fields.get("job_id") == earlier.fields.get("job_id"):
                    continue
                fields = {
                    "kind": "job_overlap",
                    "job_id": later.fields.get("job_id"),
                    "operation": later.fields.get("operation"),
                    "status": later.fields.get("status"),
                    "start": later.fields.get("start"),
                    "end": later.fields.get("end"),
                    "item": later.fields.get("item"),
                    "container": later.fields.get("container"),
                    "code": later.fields.get("code"),
                    "other_job_id": earlier.fields.get("job_id"),
                    "other_operation": earlier.fields.get("operation"),
                    "other_status": earlier.fields.get("status"),
                    "other_start": earlier.fields.get("start"),
                    "other_end": earlier.fields.get("end") or "still running",
                }
                message = (
                    f"jobs overlapped for {later.fields.get('item') or key}: "
                    f"{later.fields.get('operation', 'job')} {later.fields.get('job_id', '?')} ({later.fields.get('status', '?')}) "
                    f"started {later.fields.get('start', '?')} while {earlier.fields.get('operation', 'job')} "
                    f"{earlier.fields.get('job_id', '?')} ({earlier.fields.get('status', '?')}, started {earlier.fields.get('start', '?')}) "
                    f"was still running"
                )
                records.append(Record(later.line, message, {k: v for k, v in fields.items() if v}, later.start, "warning", "backup job"))
                if len(records) >= limit:
                    return records
    return records


def jobs_to_records(jobs: list[Job]) -> list[Record]:
    records = [
        Record(job.line, _job_message(job.fields), job.fields, job.start, _job_level(job.fields.get("status", "")), "backup job")
        for job in jobs
    ]
    return records + _overlaps(jobs)


def build_jobs(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    jobs = []
    for line, obj in records:
        if record_kind(obj) == "job":
            fields, start, end, duration = _job_fields(obj, fmt)
            jobs.append(Job(line, fields, start, end, duration))
    return jobs_to_records(jobs)

