"""The VM as Azure sees it (source ``azure.vm``): ``az vm get-instance-view``, ``az vm show
[-d]``, the REST JSON view (nested ``properties``), the bare ``/instanceView`` object,
PowerShell ``Get-AzVM -Status`` and ``az disk show``.

    {"name": "vm-app01", "instanceView": {"vmAgent": {"vmAgentVersion": "2.2.49",
     "statuses": [{"code": "ProvisioningState/succeeded", "displayStatus": "Ready"}]},
     "statuses": [{"code": "PowerState/running"}]}, "storageProfile": {"osDisk": {...}}}

Events: one ``vm`` summary, ``vm_agent`` (the guest agent: Ready / Not Ready / Unknown),
``vm_handler`` per extension handler, ``vm_extension`` per extension, ``vm_disk`` per disk.
"""

from __future__ import annotations

import re

from .common import (
    RG_IN_ID,
    Moment,
    Record,
    as_dict,
    as_list,
    last_segment,
    match_group,
    parse_time,
    pick,
    scalar,
)
from .kinds import record_kind

__all__ = ["build_vm"]

_ADE_TYPE = re.compile(r"AzureDiskEncryption", re.IGNORECASE)
_POWER_WORDS = {"vm running": "running", "vm deallocated": "deallocated", "vm stopped": "stopped", "vm starting": "starting",
                "vm stopping": "stopping", "vm deallocating": "deallocating"}
_PS_LEVELS = {0: "Info", 1: "Warning", 2: "Error"}


def _status_parts(status: dict) -> dict[str, str | None]:
    level = status.get("level")
    if isinstance(level, int) and not isinstance(level, bool):
        level = _PS_LEVELS.get(level, str(level))
    return {
        "code": scalar(status.get("code")),
        "level": scalar(level),
        "display": scalar(status.get("displaystatus")),
        "message": scalar(status.get("message")),
    }


def _status_failed(parts: dict[str, str | None]) -> bool:
    code = (parts.get("code") or "").lower()
    return "/failed" in code or (parts.get("level") or "").lower() == "error" or (parts.get("display") or "").lower() == "provisioning failed"


def _vm_records(line: int, obj: dict, fmt: str) -> list[Record]:
    kind_type = str(pick(obj, "type") or "").lower()
    if kind_type == "microsoft.compute/disks" or ("disksizegb" in obj and "storageprofile" not in obj and "instanceview" not in obj and "vmagent" not in obj):
        return [_disk_show_record(line, obj, fmt)]
    view = as_dict(pick(obj, "instanceview"))
    if not view and ("vmagent" in obj or "statuses" in obj):
        view = obj
    name = scalar(obj.get("name")) or scalar(view.get("computername")) or scalar(obj.get("computername"))
    storage = as_dict(pick(obj, "storageprofile"))
    os_disk = as_dict(storage.get("osdisk"))
    os_type = scalar(os_disk.get("ostype")) or scalar(view.get("ostype")) or scalar(pick(obj, "ostype"))
    statuses = [_status_parts(s) for s in as_list(view.get("statuses")) if isinstance(s, dict)]
    power = None
    vm_status = None
    latest: Moment | None = None
    for status in as_list(view.get("statuses")):
        if isinstance(status, dict):
            moment = parse_time(status.get("time"))
            if moment and (latest is None or moment.time > latest.time):
                latest = moment
    for parts in statuses:
        code = parts.get("code") or ""
        if code.lower().startswith("powerstate/"):
            power = code.split("/", 1)[1].lower()
        elif code.lower().startswith("provisioningstate/"):
            vm_status = code
    display_power = scalar(pick(obj, "powerstate"))
    if power is None and display_power:
        power = _POWER_WORDS.get(display_power.lower(), display_power.lower().removeprefix("vm ").strip())
    extensions = [e for e in as_list(view.get("extensions")) if isinstance(e, dict)]
    resources = [e for e in as_list(obj.get("resources")) if isinstance(e, dict)]
    agent = as_dict(view.get("vmagent"))
    handlers = [h for h in as_list(agent.get("extensionhandlers")) if isinstance(h, dict)]
    ade = any(_ADE_TYPE.search(str(e.get("type") or e.get("name") or pick(e, "type") or "")) for e in extensions + resources + handlers)
    ade = ade or as_dict(os_disk.get("encryptionsettings")).get("enabled") is True
    view_disks = [d for d in as_list(view.get("disks")) if isinstance(d, dict)]
    encrypted_disks = {
        str(d.get("name") or "").lower()
        for d in view_disks
        if any(isinstance(s, dict) and s.get("enabled") is not False for s in as_list(d.get("encryptionsettings")))
    }
    ade = ade or bool(encrypted_disks)
    provisioning = scalar(pick(obj, "provisioningstate"))
    agent_version = scalar(agent.get("vmagentversion"))
    records: list[Record] = []
    summary_fields = {
        "kind": "vm",
        "format": fmt,
        "vm": name,
        "resource_group": scalar(obj.get("resourcegroup")) or match_group(RG_IN_ID, scalar(obj.get("id"))),
        "provisioning_state": provisioning,
        "vm_status_code": vm_status,
        "power_state": power,
        "os_type": os_type,
        "agent_version": agent_version,
        "ade": "true" if ade else "false",
    }
    level = "error" if (provisioning or "").lower() == "failed" or "/failed" in (vm_status or "").lower() else "info"
    message = f"VM {name or '?'}: provisioning {provisioning or vm_status or '?'}, power {power or '?'}"
    records.append(Record(line, message, {k: v for k, v in summary_fields.items() if v}, latest, level, "vm"))
    if agent:
        agent_statuses = [s for s in as_list(agent.get("statuses")) if isinstance(s, dict)]
        parts = _status_parts(agent_statuses[0]) if agent_statuses else {"code": None, "level": None, "display": None, "message": None}
        moment = parse_time(agent_statuses[0].get("time")) if agent_statuses else None
        display = parts.get("display") or ("Unknown" if not agent_statuses else None)
        fields = {
            "kind": "vm_agent",
            "vm": name,
            "agent_version": agent_version,
            "agent_status": display,
            "agent_code": parts.get("code"),
            "status_level": parts.get("level"),
            "agent_message": parts.get("message"),
            "power_state": power,
            "os_type": os_type,
        }
        ready = (display or "").lower() == "ready"
        agent_level = "info" if ready else "warning"
        message = f"VM agent {agent_version or '?'} on {name or '?'}: {display or '?'} ({parts.get('code') or 'no status'})"
        if parts.get("message"):
            message += f": {parts['message']}"
        records.append(Record(line, message, {k: v for k, v in fields.items() if v}, moment, agent_level, "vm agent"))
    for handler in handlers:
        status = as_dict(handler.get("status"))
        parts = _status_parts(status)
        fields = {
            "kind": "vm_handler",
            "vm": name,
            "handler": scalar(handler.get("type")),
            "handler_version": scalar(handler.get("typehandlerversion")),
            "status_code": parts.get("code"),
            "status_level": parts.get("level"),
            "display_status": parts.get("display"),
            "failed": "true" if _status_failed(parts) or (parts.get("display") or "").lower() == "notready" else "false",
        }
        message = f"extension handler {fields['handler'] or '?'} {fields['handler_version'] or ''}: {parts.get('display') or parts.get('code') or '?'}"
        if parts.get("message"):
            message += f": {parts['message']}"
        records.append(Record(line, message, {k: v for k, v in fields.items() if v}, parse_time(status.get("time")), "warning" if fields["failed"] == "true" else "info", fields["handler"]))
    for extension in extensions:
        ext_statuses = [s for s in as_list(extension.get("statuses")) if isinstance(s, dict)]
        parts = _status_parts(ext_statuses[0]) if ext_statuses else {"code": None, "level": None, "display": None, "message": None}
        failed = any(_status_failed(_status_parts(s)) for s in ext_statuses)
        fields = {
            "kind": "vm_extension",
            "vm": name,
            "extension": scalar(extension.get("name")),
            "extension_type": scalar(extension.get("type")),
            "handler_version": scalar(extension.get("typehandlerversion")),
            "status_code": parts.get("code"),
            "status_level": parts.get("level"),
            "display_status": parts.get("display"),
            "error_message": parts.get("message"),
            "failed": "true" if failed else "false",
        }
        message = f"extension {fields['extension'] or fields['extension_type'] or '?'}: {parts.get('display') or parts.get('code') or '?'}"
        if parts.get("message"):
            message += f": {parts['message']}"
        moment = parse_time(ext_statuses[0].get("time")) if ext_statuses else None
        records.append(Record(line, message, {k: v for k, v in fields.items() if v}, moment or latest, "error" if failed else "info", fields["extension_type"] or fields["extension"]))
    disks = ([("os", os_disk)] if os_disk else []) + [("data", d) for d in as_list(storage.get("datadisks")) if isinstance(d, dict)]
    for role, disk in disks:
        disk_name = scalar(disk.get("name")) or last_segment(scalar(as_dict(disk.get("manageddisk")).get("id")))
        size = disk.get("disksizegb")
        if size is None and isinstance(disk.get("disksizebytes"), (int, float)):
            size = disk["disksizebytes"] / 2**30
        per_disk = (disk_name or "").lower() in encrypted_disks or as_dict(disk.get("encryptionsettings")).get("enabled") is True
        encrypted = "ade" if per_disk or (ade and not encrypted_disks) else ("sse" if as_dict(disk.get("manageddisk")).get("diskencryptionset") else "none")
        fields = {
            "kind": "vm_disk",
            "vm": name,
            "disk": disk_name,
            "disk_role": role,
            "lun": scalar(disk.get("lun")),
            "size_gb": scalar(size if not isinstance(size, float) else round(size, 1)),
            "encrypted": encrypted,
            "to_be_detached": scalar(disk.get("tobedetached")),
        }
        message = f"{role} disk {disk_name or '?'} of {name or '?'}: {fields['size_gb'] or '?'} GiB, encryption {encrypted}"
        records.append(Record(line, message, {k: v for k, v in fields.items() if v}, latest, "info", "vm disk"))
    return records


def _disk_show_record(line: int, obj: dict, fmt: str) -> Record:
    """``az disk show``: one managed disk with its size and encryption settings."""
    size = pick(obj, "disksizegb")
    if size is None and isinstance(pick(obj, "disksizebytes"), (int, float)):
        size = pick(obj, "disksizebytes") / 2**30
    collection = as_dict(pick(obj, "encryptionsettingscollection"))
    encryption = as_dict(pick(obj, "encryption"))
    encrypted = "ade" if collection.get("enabled") is True else ("sse" if encryption else "none")
    name = scalar(obj.get("name"))
    fields = {
        "kind": "vm_disk",
        "format": fmt,
        "disk": name,
        "disk_role": "os" if pick(obj, "ostype") else "data",
        "vm": last_segment(scalar(pick(obj, "managedby"))),
        "size_gb": scalar(size if not isinstance(size, float) else round(size, 1)),
        "encrypted": encrypted,
        "encryption_type": scalar(encryption.get("type")),
    }
    return Record(line, f"managed disk {name or '?'}: {fields['size_gb'] or '?'} GiB, encryption {encrypted}",
                   {k: v for k, v in fields.items() if v}, None, "info", "vm disk")


def build_vm(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    return [record for line, obj in records if record_kind(obj) == "vm" for record in _vm_records(line, obj, fmt)]

