"""Management locks (source ``azure.lock``): ``az lock list`` (``level`` flattened), REST
(``properties.level``), PowerShell ``Get-AzResourceLock``.

    [{"id": "/subscriptions/.../resourceGroups/AzureBackupRG_westeurope_1/providers/
      Microsoft.Authorization/locks/keep", "level": "CanNotDelete", "name": "keep"}]

One ``lock`` event per lock; ``covers_restore_points`` says whether its scope holds Azure
Backup's restore points (``rp-group``, ``collection``, ``subscription``) or not.
"""

from __future__ import annotations

import re

from .common import RG_IN_ID, SUB_IN_ID, Record, last_segment, match_group, pick, scalar

__all__ = ["BACKUP_RG", "build_locks", "lock_scope"]

BACKUP_RG = re.compile(r"^AzureBackupRG_[A-Za-z0-9]+_\d+$", re.IGNORECASE)
_LOCK_SUFFIX = re.compile(r"/providers/Microsoft\.Authorization/locks/[^/]+/?$", re.IGNORECASE)


def lock_scope(lock_id: str) -> dict[str, str]:
    """What a lock's id says about its scope: subscription, resource group or resource, and
    whether that scope holds Azure Backup's restore points."""
    scope = _LOCK_SUFFIX.sub("", lock_id or "")
    group = match_group(RG_IN_ID, scope)
    provider = re.search(r"/providers/([^/]+/[^/]+)/([^/]+)", scope, re.IGNORECASE)
    facts = {"scope": scope}
    if provider:
        facts["scope_kind"] = "resource"
        facts["resource_type"] = provider.group(1)
        facts["resource_name"] = provider.group(2)
        is_collection = "restorepointcollections" in provider.group(1).lower() or provider.group(2).lower().startswith("azurebackup_")
        facts["covers_restore_points"] = "collection" if is_collection else "other-resource"
    elif group:
        facts["scope_kind"] = "resource_group"
        facts["covers_restore_points"] = "rp-group" if BACKUP_RG.match(group) else "other-group"
    elif match_group(SUB_IN_ID, scope):
        facts["scope_kind"] = "subscription"
        facts["covers_restore_points"] = "subscription"
    if group:
        facts["resource_group"] = group
    return facts


def build_locks(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    out = []
    for line, obj in records:
        if not isinstance(obj, dict):
            continue
        lock_id = scalar(obj.get("id")) or scalar(obj.get("lockid")) or scalar(obj.get("resourceid")) or ""
        name = scalar(obj.get("name")) or last_segment(lock_id)
        level = scalar(pick(obj, "level"))
        facts = lock_scope(lock_id)
        if not facts.get("resource_group") and scalar(obj.get("resourcegroupname")):
            facts["resource_group"] = scalar(obj.get("resourcegroupname"))
        fields = {
            "kind": "lock",
            "format": fmt,
            "lock_name": name,
            "level": level,
            "notes": scalar(pick(obj, "notes")),
            **facts,
        }
        where = facts.get("resource_name") or facts.get("resource_group") or "the subscription"
        blocking = (level or "").lower() in ("cannotdelete", "readonly")
        message = f"lock {name or '?'} ({level or '?'}) on {where}"
        if facts.get("covers_restore_points") in ("rp-group", "collection", "subscription") and blocking:
            message += ": it stops Azure Backup from deleting old restore points"
        out.append(Record(line, message, {k: v for k, v in fields.items() if v}, None, "warning" if blocking else "info", "lock"))
    return out

