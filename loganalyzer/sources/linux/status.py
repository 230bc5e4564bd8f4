"""Status the agent and the extensions report, under ``/var/lib/waagent`` (source ``waagent.state``).

Claims ``waagent_status[.N].json`` (also in ``history/``) and an extension's
``status/N.status`` / ``N_status`` / ``tempStatusFile.status``::

    {"version":"1.1","timestampUTC":"...","aggregateStatus":{"guestAgentStatus":{...},
     "handlerAggregateStatus":[{"handlerName":"...","status":"Ready","code":0,...}]}}
    [{"version":1.0,"timestampUTC":"2024-07-02T01:05:40Z","status":{"operation":"Enable",
      "status":"error","code":121,"formattedMessage":{"message":"T:S Enable failed ..."}}}]

Events: ``agent_status``, ``agent_status_handler``, ``agent_status_goal_state`` and
``ext_status`` / ``ext_substatus``; for VMSnapshotLinux the inner JSON report (snapshots,
telemetry, VM health) is unpacked. Codes are kept raw; their names (``code_name``,
``inner_code_name``, ``settings_code_name``) are added after parsing by
:mod:`loganalyzer.enrich` from ``signatures/knowledge.toml``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ...events import Problem
from .. import ParseContext, Parser
from .._kit import (
    field_text,
    flag_text,
    iso_z,
    load_json,
    lookup,
    parse_instant,
    parse_ticks,
)
from .state_common import (
    _CONSISTENCY,
    _EXT,
    _HEALTH,
    _LIB,
    _TELEMETRY_LOWER,
    JSON_STRING,
    LOCATION_FIELDS,
    SOURCE,
    STATUS_FIELDS,
    _Broken,
    _claim,
    _has,
    _is_vmsnapshot,
    _json,
    _level_for_status,
    _Lines,
    _message_of,
    _Out,
    _rx,
    _short,
    _structured,
)

# --------------------------------------------------------------------------------------------------
# extension status objects (status/N.status, waagent_status.json) and the VMSnapshotLinux inner report


_KV = re.compile(r"(\w+)=([^,]*)")




def _vmsnapshot_message(text: str | None, fields: dict[str, str | None]) -> str | None:
    """The outer/inner formatted message: plain ``key=value,`` text or ``{"messageStr": ...}`` JSON."""
    if text is None:
        return None
    display = text
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            parsed = load_json(stripped)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            fields.setdefault("message_format", "json")
            display = field_text(lookup(parsed, "messageStr")) or ""
            consistency = field_text(lookup(parsed, "snapshotConsistency"))
            if consistency is not None:
                fields.setdefault("snapshot_consistency", _CONSISTENCY.get(consistency, consistency))
            job = lookup(parsed, "jobMessage")
            if job:
                fields.setdefault("job_message", _short(field_text(job), 500))
            size_failed = lookup(parsed, "isSizeComputationFailed")
            if size_failed is not None:
                fields.setdefault("size_computation_failed", flag_text(size_failed))
    else:
        fields.setdefault("message_format", "text")
    for key, value in _KV.findall(display or ""):
        name = _TELEMETRY_LOWER.get(key.lower())
        if name and fields.get(name) is None:
            fields[name] = value.strip()
    return display.strip()


def _vmsnapshot_report(status: Any, fields: dict[str, str | None]) -> datetime | None:
    """Fill ``fields`` from the JSON report hidden in ``substatus[0].name``; returns its time."""
    substatus = lookup(status, "substatus")
    if not isinstance(substatus, list) or not substatus:
        return None
    name = lookup(substatus[0], "name")
    if not isinstance(name, str) or not name.lstrip().startswith(("[", "{")):
        return None
    try:
        inner = load_json(name)
    except (ValueError, RecursionError):
        fields["inner_report"] = "unreadable"
        return None
    if isinstance(inner, list):
        inner = inner[0] if inner else {}
    if not isinstance(inner, dict):
        return None
    report = lookup(inner, "status") or {}
    if not isinstance(report, dict):
        return None
    fields["inner_status"] = field_text(lookup(report, "status"))
    fields["inner_code"] = field_text(lookup(report, "code"))
    fields["task_id"] = field_text(lookup(report, "taskId"))
    start = lookup(report, "commandStartTimeUTCTicks")
    fields["command_start_time"] = iso_z(parse_ticks(start)) if start is not None else None
    fields["unique_machine_id"] = field_text(lookup(report, "uniqueMachineId"))
    for item in lookup(report, "telemetryData") or []:
        key, value = lookup(item, "Key"), lookup(item, "Value")
        field = _TELEMETRY_LOWER.get(str(key).lower())
        if field:
            fields[field] = field_text(value)
    snapshots = lookup(report, "snapshotInfo")
    if isinstance(snapshots, list):
        failed = [s for s in snapshots if flag_text(lookup(s, "isSuccessful")) != "1"]
        fields["snapshot_count"] = str(len(snapshots))
        fields["snapshot_failed_count"] = str(len(failed))
        first_error = next((lookup(s, "errorMessage") for s in snapshots if lookup(s, "errorMessage")), None)
        fields["snapshot_first_error"] = _short(field_text(first_error), 500)
    health = lookup(report, "vmHealthInfo")
    if isinstance(health, dict):
        state = field_text(lookup(health, "vmHealthState"))
        fields["vm_health_state"] = state
        fields["vm_health"] = _HEALTH.get(state or "")
        fields["vm_health_status_code"] = field_text(lookup(health, "vmHealthStatusCode"))
    storage = lookup(report, "storageDetails")
    if isinstance(storage, dict):
        fields["total_used_bytes"] = field_text(lookup(storage, "totalUsedSizeInBytes"))
        fields["partition_count"] = field_text(lookup(storage, "partitionCount"))
    inner_message = _vmsnapshot_message(_message_of(report), fields)
    fields["inner_message"] = _short(inner_message, 1000)
    return parse_instant(lookup(inner, "timestampUTC"))


def _status_fields(status: Any, handler: str | None) -> tuple[dict[str, str | None], datetime | None, bool]:
    """Fields of a status object ``{name, operation, status, code, formattedMessage, substatus}``."""
    fields: dict[str, str | None] = {
        "name": field_text(lookup(status, "name")),
        "operation": field_text(lookup(status, "operation")),
        "status": field_text(lookup(status, "status")),
        "code": field_text(lookup(status, "code")),
        "configuration_applied_time": field_text(lookup(status, "configurationAppliedTime")),
    }
    substatus = lookup(status, "substatus")
    fields["substatus_count"] = str(len(substatus)) if isinstance(substatus, list) else None
    inner_time = _vmsnapshot_report(status, fields)
    is_vmsnapshot = "inner_status" in fields or _is_vmsnapshot(handler) or _is_vmsnapshot(fields["name"])
    text = _message_of(status)
    if is_vmsnapshot:
        text = _vmsnapshot_message(text, fields)
    fields["message"] = _short(text, 2000)
    return fields, inner_time, is_vmsnapshot


def _status_summary(label: str, fields: dict[str, str | None], vmsnapshot: bool) -> tuple[str, str]:
    # the code's name and a failing outcome's error level are added by loganalyzer.enrich
    message = f"{label} {fields.get('operation') or ''}: status {fields.get('status')}, code {fields.get('code')}"
    level = _level_for_status(fields.get("status"))
    if vmsnapshot and "inner_status" in fields:
        message += f"; inner status {fields.get('inner_status')} code {fields.get('inner_code')}"
        if fields.get("ext_error_code"):
            message += f", extErrorCode {fields['ext_error_code']}"
        if fields.get("snapshot_count") is not None:
            message += f"; {fields['snapshot_count']} snapshot(s), {fields.get('snapshot_failed_count')} failed"
        if fields.get("snapshot_first_error"):
            message += f" (first error: {fields['snapshot_first_error']})"
        inner_level = _level_for_status(fields.get("inner_status"))
        ext_code = (fields.get("ext_error_code") or "success").lower()
        if inner_level == "error" or not ext_code.startswith("success"):
            level = "error"
        elif inner_level == "warning" and level == "info":
            level = "warning"
    if fields.get("message"):
        message += f"; {fields['message']}"
    return message.replace("  ", " "), level


# --------------------------------------------------------------------------------------------------
# waagent_status.json


def build_agent_status(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``waagent_status.json``: guest agent status, one event per handler, and the goal-state aggregate."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    aggregate = lookup(document, "aggregateStatus") or {}
    agent = lookup(aggregate, "guestAgentStatus") or {}
    update = lookup(agent, "updateStatus") or {}
    os_info = lookup(document, "guestOSInfo") or {}
    handlers = lookup(aggregate, "handlerAggregateStatus") or []
    handlers = handlers if isinstance(handlers, list) else []
    stamp = parse_instant(lookup(document, "timestampUTC"))
    agent_message = _message_of(agent)
    fields = {
        "kind": "agent_status",
        "agent_version": field_text(lookup(agent, "version")),
        "status": field_text(lookup(agent, "status")),
        "message": _short(agent_message, 2000),
        "update_status": field_text(lookup(update, "status")),
        "update_expected_version": field_text(lookup(update, "expectedVersion")),
        "update_code": field_text(lookup(update, "code")),
        "computer_name": field_text(lookup(os_info, "computerName")),
        "os_name": field_text(lookup(os_info, "osName")),
        "os_version": field_text(lookup(os_info, "osVersion")),
        "handler_count": str(len(handlers)),
    }
    out.add(
        f"Guest agent {fields['agent_version']}: {fields['status']}"
        + (f"; {agent_message}" if agent_message else "")
        + f"; {len(handlers)} handler(s)",
        fields,
        time=stamp,
        level=_level_for_status(fields["status"]),
        component="WALinuxAgent",
    )
    for handler in handlers:
        if not isinstance(handler, dict):
            continue
        name = field_text(lookup(handler, "handlerName"))
        runtime = lookup(handler, "runtimeSettingsStatus") or {}
        settings_status = lookup(runtime, "settingsStatus") or {}
        status = lookup(settings_status, "status") or {}
        inner, inner_time, vmsnapshot = _status_fields(status, name)
        fields = {
            "kind": "agent_status_handler",
            "name": name,
            "version": field_text(lookup(handler, "handlerVersion")),
            "status": field_text(lookup(handler, "status")),
            "code": field_text(lookup(handler, "code")),
            "message": _short(_message_of(handler), 2000),
            "seq_no": field_text(lookup(runtime, "sequenceNumber")),
            "settings_status": inner.pop("status"),
            "operation": inner.pop("operation"),
            "settings_code": inner.pop("code"),
            "settings_message": inner.pop("message"),
            "ext_name": field_text(lookup(runtime, "extensionName")),
        }
        inner.pop("name", None)
        fields.update({k: v for k, v in inner.items() if v is not None and k not in fields})
        message = f"Handler {name} {fields['version']}: {fields['status']}, code {fields['code']}"
        if fields["message"]:
            message += f"; {fields['message']}"
        if fields["settings_status"] is not None:
            message += f"; extension status {fields['settings_status']} code {fields['settings_code']}"
            if fields["settings_message"]:
                message += f": {fields['settings_message']}"
        if fields.get("ext_error_code"):
            message += f"; extErrorCode {fields['ext_error_code']}"
        level = _level_for_status(fields["status"])
        if level == "info":
            level = _level_for_status(fields["settings_status"])
        if vmsnapshot and "inner_status" in fields:
            ext_code = (fields.get("ext_error_code") or "success").lower()
            if _level_for_status(fields.get("inner_status")) == "error" or not ext_code.startswith("success"):
                level = "error"
        when = parse_instant(lookup(settings_status, "timestampUTC")) or inner_time or stamp
        out.add(message, fields, line=lines.first_match(JSON_STRING, name), time=when, level=level, component=name)
    goal = lookup(lookup(aggregate, "vmArtifactsAggregateStatus"), "goalStateAggregateStatus")
    if isinstance(goal, dict):
        fields = {
            "kind": "agent_status_goal_state",
            "status": field_text(lookup(goal, "status")),
            "code": field_text(lookup(goal, "code")),
            "in_svd_seq_no": field_text(lookup(goal, "inSvdSeqNo")),
            "message": _short(_message_of(goal), 2000),
        }
        out.add(
            f"Goal state aggregate status {fields['status']}, code {fields['code']}"
            + (f"; {fields['message']}" if fields["message"] else ""),
            fields,
            line=lines.first("goalStateAggregateStatus"),
            time=parse_instant(lookup(goal, "timestampUTC")) or stamp,
            level=_level_for_status(fields["status"]),
            component="WALinuxAgent",
        )


# --------------------------------------------------------------------------------------------------
# extension directory


_STATUS_NAME = re.compile(r"^(?:(?P<ext>.+)\.)?(?P<seq>\d+)(?:\.status|_status)$")


def build_ext_status(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``status/N.status``: the extension's own report (element 0), VMSnapshotLinux inner report included."""
    base = context.path.rsplit("/", 1)[-1]
    name_match = _STATUS_NAME.match(base)
    location_fields = {
        "seq_no": name_match.group("seq") if name_match else None,
        "ext_name": name_match.group("ext") if name_match else None,
        "temp_file": "1" if base.lower() == "tempstatusfile.status" else None,
        "renamed": "1" if base.endswith("_status") else None,
    }
    entry = document[0] if isinstance(document, list) and document else document
    invalid = None
    if not isinstance(entry, dict):
        invalid = "the status file holds no status object"
        entry = {}
    status = lookup(entry, "status")
    if invalid is None and not isinstance(status, dict):
        invalid = "the status file lacks the 'status' object"
    elif invalid is None and lookup(status, "status") is None:
        invalid = "the status file lacks 'status.status'"
    status = status if isinstance(status, dict) else {}
    fields, inner_time, vmsnapshot = _status_fields(status, out.location.handler)
    fields.update(location_fields)
    fields["kind"] = "ext_status"
    fields["status_valid"] = "0" if invalid else "1"
    label = out.location.handler or fields.get("name") or "Extension"
    message, level = _status_summary(label, fields, vmsnapshot)
    if invalid:
        context_problem = f"{invalid}; the agent reports such a file as invalid (code 1012)"
        out.result.problems.append(Problem(context.file, "malformed", context_problem))
        message = f"Invalid status file: {invalid}. " + message
        level = "error"
    time = parse_instant(lookup(entry, "timestampUTC")) or inner_time
    out.add(message, fields, time=time, level=level)
    substatus = lookup(status, "substatus")
    if isinstance(substatus, list):
        for index, item in enumerate(substatus):
            if index == 0 and "inner_status" in fields:
                continue
            if not isinstance(item, dict):
                continue
            sub = {
                "kind": "ext_substatus",
                "name": _short(field_text(lookup(item, "name")), 500),
                "status": field_text(lookup(item, "status")),
                "code": field_text(lookup(item, "code")),
                "message": _short(_message_of(item), 2000),
                "seq_no": location_fields["seq_no"],
            }
            out.add(f"Substatus {sub['name']}: {sub['status']}, code {sub['code']}"
                    + (f"; {sub['message']}" if sub["message"] else ""),
                    sub, time=time, level=_level_for_status(sub["status"]))


def _salvage_status(text: str, out: _Out, context: ParseContext) -> None:
    """A damaged status file still says the agent will report it invalid (span 0)."""
    status = re.search(r'"status"\s*:\s*"([^"]*)"', text)
    code = re.search(r'"code"\s*:\s*"?(-?\d+)', text)
    out.add(
        "Status file is not valid JSON: the agent reports it as invalid (code 1012)",
        {"kind": "ext_status", "status_valid": "0", "salvaged": "1",
         "status": status.group(1) if status else None, "code": code.group(1) if code else None},
        level="error",
        span=0,
    )


build_ext_status.salvage = _salvage_status  # type: ignore[attr-defined]




AGENT_STATUS_FIELDS = {
    **LOCATION_FIELDS,
    **STATUS_FIELDS,
    "agent_version": "the agent's version (agent_status)",
    "version": "handler version (agent_status_handler)",
    "update_status": "status of the agent's last self-update",
    "update_expected_version": "the version it tried to update to",
    "update_code": "code of that update",
    "computer_name": "VM host name",
    "os_name": "OS name",
    "handler_count": "number of handlers reported",
    "settings_status": "status of the handler's runtime settings (extension status)",
    "settings_code": "its code",
    "settings_code_name": "name of settings_code (added by loganalyzer.enrich)",
    "settings_message": "its message",
    "in_svd_seq_no": "inSvdSeqNo of the goal state reported (agent_status_goal_state)",
}
EXT_STATUS_FIELDS = {
    **LOCATION_FIELDS,
    **STATUS_FIELDS,
    "status_valid": "0 when the status file has no usable status object",
    "temp_file": "1: tempStatusFile.status (written while the extension ran)",
    "renamed": "1: the file name carries an extension name prefix",
}

PARSERS: tuple[Parser, ...] = (
    Parser("waagent_status.json", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?waagent_status(?:\.\d+)?\.json$"), _has(b'"aggregateStatus"', start=b"{")),
           read=_structured(build_agent_status, _json), fields=AGENT_STATUS_FIELDS),
    Parser("extension status file", SOURCE,
           _claim(_rx(_EXT + r"status/(?:[^/]+\.)?(?:\d+\.status|\d+_status|tempStatusFile\.status)$"),
                  _has(b'"status"', b'"timestampUTC"', start=b"[", absent=(b'"aggregateStatus"', b'"heartbeat"'))),
           read=_structured(build_ext_status, _json), fields=EXT_STATUS_FIELDS),
)
