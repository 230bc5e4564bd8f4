"""Restore-point collections (source ``azure.restorepoint``): ``az restore-point collection
show|list`` with or without ``restorePoints``, and restore-point lists.

    {"name": "AzureBackup_vm-app01_123", "source": {"id": ".../virtualMachines/vm-app01"},
     "restorePoints": [{"name": "..."}, ...]}

One ``rp_collection`` event per collection, with its points, every point of its VM in the file
and the documented limit (18); a VM at 16 or more is a warning.
"""

from __future__ import annotations

import re
from collections import Counter

from .common import RG_IN_ID, Record, as_dict, last_segment, match_group, pick, scalar

__all__ = ["build_restorepoints"]

_COLLECTION_NAME = re.compile(r"^AzureBackup_(.+)_\d+$", re.IGNORECASE)
_RP_IN_ID = re.compile(r"/restorePointCollections/([^/]+)/restorePoints/", re.IGNORECASE)


def build_restorepoints(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    collections: list[tuple[int, dict, int | None]] = []
    loose: dict[str, tuple[int, int]] = {}
    out: list[Record] = []
    for line, obj in records:
        if not isinstance(obj, dict):
            continue
        record_id = scalar(obj.get("id")) or ""
        parent = match_group(_RP_IN_ID, record_id)
        if parent and "restorepoints" not in obj:
            first, count = loose.get(parent, (line, 0))
            loose[parent] = (first, count + 1)
            continue
        points = pick(obj, "restorepoints")
        collections.append((line, obj, len(points) if isinstance(points, list) else None))
    entries = []
    for line, obj, count in collections:
        name = scalar(obj.get("name"))
        source = as_dict(pick(obj, "source"))
        source_vm = last_segment(scalar(source.get("id")))
        if not source_vm and name:
            found = _COLLECTION_NAME.match(name)
            source_vm = found.group(1) if found else None
        entries.append((line, name, source_vm, count, match_group(RG_IN_ID, scalar(obj.get("id"))), scalar(pick(obj, "provisioningstate"))))
    for parent, (line, count) in loose.items():
        found = _COLLECTION_NAME.match(parent)
        entries.append((line, parent, found.group(1) if found else None, count, None, None))
    per_vm: Counter = Counter()
    for _, _, vm, count, _, _ in entries:
        if vm and count is not None:
            per_vm[vm.lower()] += count
    for line, name, vm, count, group, state in entries:
        fields = {
            "kind": "rp_collection",
            "format": fmt,
            "collection": name,
            "source_vm": vm,
            "resource_group": group,
            "provisioning_state": state,
            "restore_points": str(count) if count is not None else None,
            "vm_restore_points": str(per_vm[vm.lower()]) if vm and count is not None else None,
            "instant_rp_limit": "18",
        }
        shown = f"{count} restore point(s)" if count is not None else "restore points not listed (no $expand=restorePoints)"
        total = f"; {per_vm[vm.lower()]} for {vm} in this export" if vm and count is not None else ""
        level = "warning" if vm and count is not None and per_vm[vm.lower()] >= 16 else "info"
        out.append(Record(line, f"restore-point collection {name or '?'}: {shown}{total}", {k: v for k, v in fields.items() if v}, None, level, "restore points"))
    return out

