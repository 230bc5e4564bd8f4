"""What an Azure JSON export holds: the kind of each record (job, portal error, item, VM, lock,
restore points, key vault, activity), the kinds a file's head shows, and the claims built on
them. Every kind is found by content, whatever the file is called; a file name only decides an
empty export (``az lock list`` printing ``[]`` to ``locks.json``).

    {"id": "/subscriptions/.../providers/Microsoft.Authorization/locks/keep", "level": "CanNotDelete", ...}
    -> "lock"
"""

from __future__ import annotations

import functools
import re

from .. import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT
from .._kit import decode, looks_binary, split_lines
from .common import Record, base_name, pick
from .documents import json_start

__all__ = ["EXPORT_TITLES", "SOURCE_OF_KIND", "json_claim", "record_kind", "summary_suffix"]

SOURCE_OF_KIND = {
    "job": "azure.job",
    "portal": "azure.portal",
    "item": "azure.item",
    "vm": "azure.vm",
    "lock": "azure.lock",
    "restorepoint": "azure.restorepoint",
    "keyvault": "azure.keyvault",
    "activity": "azure.activity",
}


def record_kind(obj: object) -> str | None:
    """The export kind of one (key-folded) JSON record, or None when it is none of ours."""
    if not isinstance(obj, dict) or not obj:
        return None
    kind_type = str(pick(obj, "type") or "").lower()
    record_id = str(obj.get("id") or obj.get("lockid") or obj.get("resourceid") or "").lower()
    if "eventtimestamp" in obj or ("operationname" in obj and ("correlationid" in obj or "resulttype" in obj)):
        return "activity"
    if "error" in obj and isinstance(obj["error"], dict) and "code" in obj["error"]:
        return "portal"
    if kind_type.endswith("authorization/locks") or "/providers/microsoft.authorization/locks/" in record_id:
        return "lock"
    if "restorepointcollections" in kind_type or ("/restorepointcollections/" in record_id and "restorepoints" in obj):
        return "restorepoint"
    if kind_type == "microsoft.keyvault/vaults" or pick(obj, "accesspolicies", "enablerbacauthorization", "vaulturi") is not None:
        return "keyvault"
    if "roledefinitionname" in obj or ("roledefinitionid" in obj and "principalid" in obj):
        return "keyvault"
    if "serviceprincipalnames" in obj or ("appid" in obj and "displayname" in obj and "serviceprincipaltype" in obj):
        return "keyvault"
    if "protecteditems" in kind_type or pick(obj, "protectionstate", "protecteditemtype") is not None:
        return "item"
    if "backupjobs" in kind_type or pick(obj, "jobtype", "entityfriendlyname", "jobfailurecode", "jobuniqueid") is not None:
        return "job"
    if "jobid" in obj and ("workloadname" in obj or "operation" in obj):
        return "job"
    if kind_type in ("microsoft.compute/virtualmachines", "microsoft.compute/disks"):
        return "vm"
    if pick(obj, "instanceview", "storageprofile", "vmagent", "disksizegb", "powerstate") is not None:
        return "vm"
    if "statuses" in obj and ("disks" in obj or "extensions" in obj or "computername" in obj):
        return "vm"
    return None


#: head fingerprints per kind (lower-case), for the claims
_HEAD_MARKERS = {
    "activity": ('"eventtimestamp"', '"resulttype"', '"submissiontimestamp"'),
    "portal": (),
    "lock": ("microsoft.authorization/locks",),
    "restorepoint": ("restorepointcollections", '"restorepoints"'),
    "keyvault": ('"accesspolicies"', '"enablerbacauthorization"', '"vaulturi"', '"roledefinitionname"', '"serviceprincipalnames"'),
    "item": ('"protectionstate"', '"protecteditemtype"', "/protecteditems/"),
    "job": ('"jobtype"', '"entityfriendlyname"', "/backupjobs/", '"jobfailurecode"', '"workloadname"', '"jobuniqueid"'),
    "vm": ('"vmagent"', '"instanceview"', '"storageprofile"', '"disksizegb"', '"vmagentversion"', "microsoft.compute/virtualmachines\"", '"powerstate"'),
}
_OPERATION_ERROR = re.compile(r'"error"\s*:\s*\{[^{}]*"code"\s*:\s*"[A-Za-z]', re.IGNORECASE)
#: file-name words that say what an export holds (for empty lists such as ``az lock list`` -> ``[]``)
_NAME_HINTS = (
    ("lock", re.compile(r"lock")),
    ("restorepoint", re.compile(r"restore[-_ ]?point|\brpc\b|rpcollection")),
    ("keyvault", re.compile(r"key[-_ ]?vault|\bkv\b|role[-_ ]?assign")),
    ("activity", re.compile(r"activity")),
    ("item", re.compile(r"protected[-_ ]?item|backup[-_ ]?item|\bitems?\b")),
    ("job", re.compile(r"\bjobs?\b|backup[-_ ]?job")),
    ("vm", re.compile(r"instance[-_ ]?view|\bvm\b|\bdisks?\b")),
)


def _name_kind(path: str) -> str | None:
    name = re.sub(r"[._]", " ", base_name(path))
    for kind, pattern in _NAME_HINTS:
        if pattern.search(name):
            return kind
    return None


@functools.lru_cache(maxsize=64)
def head_json_kinds(head: bytes) -> tuple[bool, frozenset[str]]:
    """Whether ``head`` opens a JSON value, and which kinds' fingerprints it shows.

    Every JSON kind's claim asks this of the same head, so the answer is cached.
    """
    if looks_binary(head):
        return False, frozenset()
    text = decode(head).text
    start = json_start(text)
    if start is None or text[:start].strip() and not all(
        line.strip().lower().startswith(("warning", "command group", "this command", "note", "info")) or not line.strip()
        for line in split_lines(text[:start])
    ):
        return False, frozenset()
    lower = text[start:].lower()
    kinds = {kind for kind, markers in _HEAD_MARKERS.items() if any(m in lower for m in markers)}
    if _OPERATION_ERROR.search(lower) and not kinds:
        kinds.add("portal")
    if "activity" in kinds and '"eventtimestamp"' not in lower and '"resulttype"' not in lower:
        kinds.discard("activity")
    return True, frozenset(kinds)


#: which kind wins when a head shows several kinds' fingerprints (an activity event names locks)
_KIND_PRIORITY = ("activity", "portal", "lock", "restorepoint", "keyvault", "item", "job", "vm")


def json_claim(kind: str):
    def claim(path: str, head: bytes) -> int:
        is_json, kinds = head_json_kinds(head)
        if not is_json:
            return 0
        by_name = _name_kind(path) == kind
        primary = next((k for k in _KIND_PRIORITY if k in kinds), None)
        if primary == kind:
            return BY_NAME_AND_CONTENT if by_name or base_name(path).endswith((".json", ".txt", ".jsonl")) else BY_CONTENT
        if by_name and not kinds:
            return BY_NAME
        return 0

    claim.__doc__ = f"A JSON export whose head shows the {kind} fingerprints (or an empty one named for it)."
    return claim


EXPORT_TITLES = {
    "job": "backup jobs",
    "portal": "portal job error",
    "item": "protected items",
    "vm": "VM view",
    "lock": "management locks",
    "restorepoint": "restore-point collections",
    "keyvault": "key vault access",
    "activity": "activity log",
}


def summary_suffix(kind: str, records: list[Record]) -> str:
    if kind == "job":
        failed = sum(1 for r in records if r.fields.get("kind") == "job" and r.fields.get("status", "").lower() == "failed")
        overlaps = sum(1 for r in records if r.fields.get("kind") == "job_overlap")
        return f", {failed} failed, {overlaps} overlap(s)"
    if kind == "lock":
        return f", {sum(1 for r in records if r.fields.get('kind') == 'lock')} lock(s)"
    return ""

