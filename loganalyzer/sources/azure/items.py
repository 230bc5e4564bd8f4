"""Protected items (source ``azure.item``) from JSON: ``az backup item show|list``, REST
``protectedItems``, PowerShell ``Get-AzRecoveryServicesBackupItem``.

    {"name": "VM;iaasvmcontainerv2;rg-app;vm-app01", "properties": {"friendlyName": "vm-app01",
     "protectionState": "ProtectionStopped", "lastBackupStatus": "Failed", "policyId": ""}}

One ``item`` event per item; a stopped or paused protection, or one scheduled for deferred
delete, is a warning. ``policy`` is ``none`` when the item has none.
"""

from __future__ import annotations

from .common import (
    VAULT_IN_ID,
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

__all__ = ["STOPPED_STATES", "build_items"]

STOPPED_STATES = ("protectionstopped", "protectionpaused", "backupssuspended")


def _item_record(line: int, obj: dict, fmt: str) -> Record:
    name = scalar(obj.get("name"))
    container = scalar(pick(obj, "containername"))
    friendly = scalar(pick(obj, "friendlyname")) or (name.split(";")[-1] if name and ";" in name else None)
    policy_id = pick(obj, "policyid")
    policy = scalar(pick(obj, "policyname", "protectionpolicyname")) or last_segment(scalar(policy_id))
    if policy_id is not None and scalar(policy_id) == "" and not scalar(pick(obj, "policyname")):
        policy = "none"
    state = scalar(pick(obj, "protectionstate"))
    extended = as_dict(pick(obj, "extendedinfo"))
    deferred = scalar(pick(obj, "isscheduledfordeferreddelete"))
    delete_state = scalar(pick(obj, "deletestate"))
    if delete_state and delete_state.lower() == "tobedeleted":
        deferred = "true"
    last_backup = parse_time(pick(obj, "lastbackuptime"))
    fields = {
        "kind": "item",
        "format": fmt,
        "item": friendly,
        "vm": friendly,
        "container": container or (";".join(name.split(";")[1:]) if name and name.lower().startswith("vm;") else None),
        "vault": match_group(VAULT_IN_ID, scalar(obj.get("id"))),
        "protection_state": state,
        "protection_status": scalar(pick(obj, "protectionstatus")),
        "health_status": scalar(pick(obj, "healthstatus")),
        "last_backup_status": scalar(pick(obj, "lastbackupstatus")),
        "last_backup_time": last_backup.iso() if last_backup else None,
        "policy": policy,
        "deferred_delete": deferred,
        "recovery_points": scalar(extended.get("recoverypointcount")),
    }
    health = [d for d in as_list(pick(obj, "healthdetails")) if isinstance(d, dict)]
    if health:
        fields["error_message"] = scalar(health[0].get("message"))
    level = "warning" if (state or "").lower() in STOPPED_STATES or deferred == "true" else "info"
    message = f"protected item {friendly or name or '?'}: protection state {state or '?'}, last backup {fields['last_backup_status'] or '?'}"
    if policy:
        message += f", policy {policy}"
    return Record(line, message, {k: v for k, v in fields.items() if v}, None, level, "protected item")


def build_items(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    return [_item_record(line, obj, fmt) for line, obj in records if record_kind(obj) == "item"]

