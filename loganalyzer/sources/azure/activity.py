"""The activity log (source ``azure.activity``): ``az monitor activity-log list`` (an array),
REST (``value``), exported ``records`` or JSON Lines; the portal CSV download shares
:func:`activity_record`.

    {"eventTimestamp": "2026-03-02T20:55:01Z", "operationName": {"value":
     "Microsoft.Authorization/locks/write", "localizedValue": "Create management lock"},
     "status": {"value": "Succeeded"}, "resourceId": "/subscriptions/.../locks/keep", ...}

One ``activity`` event per record; ``activity`` is a short tag (lock-write, lock-delete,
rp-delete, rp-write, protection-change, backup-now, keyvault-change, role-change,
extension-write, vm-change, other).
"""

from __future__ import annotations

import re

from .._kit import load_json
from .codes import inner_code
from .common import (
    RG_IN_ID,
    Record,
    as_dict,
    as_list,
    fold,
    localized,
    match_group,
    parse_time,
    scalar,
)
from .keyvault import BACKUP_APP_ID, BACKUP_SP_NAME
from .kinds import record_kind
from .locks import BACKUP_RG, lock_scope

__all__ = ["activity_record", "activity_tag", "build_activity"]

_ACTIVITY_TAGS = (
    ("lock-write", re.compile(r"authorization/locks/write|(create|update)s? (a )?(management )?locks?", re.IGNORECASE)),
    ("lock-delete", re.compile(r"authorization/locks/delete|delete (a )?(management )?locks?", re.IGNORECASE)),
    ("rp-delete", re.compile(r"restorepointcollections/restorepoints/delete|restorepointcollections/delete|delete restore point", re.IGNORECASE)),
    ("rp-write", re.compile(r"restorepointcollections/restorepoints/write|restorepointcollections/write|create (or update )?restore point", re.IGNORECASE)),
    ("backup-now", re.compile(r"protecteditems/backup/action|backup now|trigger backup", re.IGNORECASE)),
    ("protection-change", re.compile(r"protecteditems/(write|delete)|protection(containers)?.*(stop|disable)|stop protection|(configure|disable) backup", re.IGNORECASE)),
    ("keyvault-change", re.compile(r"keyvault/vaults/(write|accesspolicies/write)|access polic", re.IGNORECASE)),
    ("role-change", re.compile(r"authorization/roleassignments/(write|delete)|role assignment", re.IGNORECASE)),
    ("extension-write", re.compile(r"virtualmachines/extensions/write|virtual machine extension", re.IGNORECASE)),
    ("vm-change", re.compile(r"virtualmachines/(write|deallocate/action|start/action|powerOff/action|restart/action|delete)"
                             r"|(start|restart|deallocate|stop|power off|create or update) virtual machine", re.IGNORECASE)),
)


def activity_tag(*texts: str | None) -> str:
    joined = " ".join(t for t in texts if t)
    for tag, pattern in _ACTIVITY_TAGS:
        if pattern.search(joined):
            return tag
    return "other"


def _status_message(value: object) -> tuple[str | None, str | None]:
    """``(error code, message)`` from an activity event's ``statusMessage`` (JSON in a string)."""
    if isinstance(value, dict):
        parsed = value
    else:
        text = scalar(value)
        if not text:
            return None, None
        try:
            parsed = load_json(text)
        except ValueError:
            return inner_code(text), text
    parsed = fold(parsed) if isinstance(parsed, dict) else {}
    error = as_dict(parsed.get("error")) or parsed
    code = scalar(error.get("code"))
    message = scalar(error.get("message"))
    details = [d for d in as_list(error.get("details")) if isinstance(d, dict)]
    if details:
        inner = " ".join(f"{scalar(d.get('code')) or ''}: {scalar(d.get('message')) or ''}" for d in details)
        message = f"{message or ''} [{inner}]".strip()
        code = code or scalar(details[0].get("code"))
    return code, message


_RESULT_TYPES = {"failure": "Failed", "success": "Succeeded", "start": "Started"}
_ACTIVITY_LEVELS = {"critical": "error", "error": "error", "warning": "warning", "informational": "info", "information": "info", "verbose": "verbose"}


def activity_record(line: int, obj: dict, fmt: str) -> Record:
    operation = localized(obj.get("operationname"))
    operation_text = scalar(as_dict(obj.get("operationname")).get("localizedvalue")) if isinstance(obj.get("operationname"), dict) else None
    status = localized(obj.get("status")) or scalar(obj.get("resulttype"))
    status = _RESULT_TYPES.get((status or "").lower(), status)
    sub_status = localized(obj.get("substatus")) or scalar(obj.get("resultsignature"))
    properties = as_dict(obj.get("properties"))
    code, error_message = _status_message(properties.get("statusmessage"))
    resource_id = scalar(obj.get("resourceid"))
    claims = as_dict(as_dict(obj.get("identity")).get("claims")) or as_dict(obj.get("claims"))
    caller = scalar(obj.get("caller"))
    app_id = scalar(claims.get("appid"))
    moment = parse_time(obj.get("eventtimestamp")) or parse_time(obj.get("time"))
    fields = {
        "kind": "activity",
        "format": fmt,
        "activity": activity_tag(operation, operation_text),
        "operation_name": operation,
        "operation_text": operation_text,
        "status": status,
        "sub_status": sub_status,
        "caller": caller,
        "application_id": app_id,
        "backup_service": "true" if app_id == BACKUP_APP_ID or (caller and BACKUP_SP_NAME.search(caller)) else None,
        "resource_id": resource_id,
        "resource_group": scalar(obj.get("resourcegroupname")) or match_group(RG_IN_ID, resource_id),
        "correlation_id": scalar(obj.get("correlationid")),
        "status_code": scalar(properties.get("statuscode")),
        "error_code": code,
        "error_message": error_message,
        "category": localized(obj.get("category")),
    }
    if resource_id and "/providers/microsoft.authorization/locks/" in resource_id.lower():
        fields.update({k: v for k, v in lock_scope(resource_id).items() if k in ("scope_kind", "covers_restore_points")})
    elif fields["activity"] in ("lock-write", "lock-delete") and fields["resource_group"]:
        fields["covers_restore_points"] = "rp-group" if BACKUP_RG.match(fields["resource_group"]) else "other-group"
    inner = inner_code(error_message or "")
    if inner and inner != code:
        fields["inner_code"] = inner
    level = _ACTIVITY_LEVELS.get((localized(obj.get("level")) or "").lower())
    if level is None:
        level = "error" if (status or "").lower() == "failed" else "info"
    message = f"{operation or '?'} {status or ''}".strip()
    if resource_id:
        message += f" on {resource_id}"
    if code or error_message:
        message += f": {code or ''} {error_message or ''}".rstrip()
    return Record(line, message, {k: v for k, v in fields.items() if v}, moment, level, "activity log")


def build_activity(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    return [activity_record(line, obj, fmt) for line, obj in records if record_kind(obj) == "activity"]

