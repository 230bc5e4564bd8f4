"""Key vault access (source ``azure.keyvault``): ``az keyvault show``, ``az role assignment
list``, ``az ad sp list --display-name "Backup Management Service"``.

    {"name": "kv-app", "properties": {"enableRbacAuthorization": false, "accessPolicies": [
      {"objectId": "...", "permissions": {"keys": ["get", "list", "backup"], "secrets": [...]}}]}}

Events: ``keyvault`` (the vault's mode and whether the Backup Management Service may read it:
``backup_access`` granted | insufficient | missing | unknown | rbac), ``keyvault_policy`` per
access policy, ``role_assignment`` per assignment with one ``role_summary``, and
``service_principal``.
"""

from __future__ import annotations

import re

from .common import RG_IN_ID, Record, as_dict, as_list, match_group, pick, scalar

__all__ = ["BACKUP_APP_ID", "BACKUP_SP_NAME", "build_keyvault"]

#: the first-party application Azure Backup acts as (Backup Management Service)
BACKUP_APP_ID = "262044b1-e2ce-469f-a196-69ab7ada62d3"
BACKUP_SP_NAME = re.compile(r"backup management service", re.IGNORECASE)
_NEEDED = ("get", "list", "backup")
_BACKUP_ROLES = re.compile(r"key vault administrator|owner|key vault crypto|key vault secrets|backup", re.IGNORECASE)


def _words(value: object) -> list[str]:
    return sorted({str(v).strip().lower() for v in as_list(value) if isinstance(v, (str, int)) and str(v).strip()})


def build_keyvault(records: list[tuple[int, object]], fmt: str) -> list[Record]:
    out: list[Record] = []
    assignments: list[tuple[int, dict]] = []
    for line, obj in records:
        if not isinstance(obj, dict):
            continue
        if "roledefinitionname" in obj or "principalid" in obj:
            assignments.append((line, obj))
        elif "serviceprincipalnames" in obj or "appid" in obj:
            out.append(_service_principal_record(line, obj, fmt))
        else:
            out.extend(_vault_records(line, obj, fmt))
    if assignments:
        out.extend(_role_records(assignments, fmt))
    return out


def _service_principal_record(line: int, obj: dict, fmt: str) -> Record:
    fields = {
        "kind": "service_principal",
        "format": fmt,
        "principal": scalar(obj.get("displayname")),
        "application_id": scalar(obj.get("appid")),
        "object_id": scalar(obj.get("id")) or scalar(obj.get("objectid")),
    }
    return Record(line, f"service principal {fields['principal'] or '?'}: object id {fields['object_id'] or '?'}",
                   {k: v for k, v in fields.items() if v}, None, "info", "key vault")


def _vault_records(line: int, obj: dict, fmt: str) -> list[Record]:
    name = scalar(obj.get("name"))
    rbac = pick(obj, "enablerbacauthorization") is True
    policies = [p for p in as_list(pick(obj, "accesspolicies")) if isinstance(p, dict)]
    records = []
    fitting, backup_ids = [], []
    for policy in policies:
        permissions = as_dict(policy.get("permissions"))
        keys, secrets = _words(permissions.get("keys")), _words(permissions.get("secrets"))
        fits = all(w in secrets or "all" in secrets for w in _NEEDED) and (not keys or all(w in keys or "all" in keys for w in _NEEDED))
        app = scalar(policy.get("applicationid"))
        display = scalar(policy.get("displayname")) or scalar(policy.get("principalname"))
        is_backup = app == BACKUP_APP_ID or bool(display and BACKUP_SP_NAME.search(display))
        if fits:
            fitting.append(policy)
        if is_backup:
            backup_ids.append((policy, fits, [w for w in _NEEDED if w not in secrets and "all" not in secrets]))
        fields = {
            "kind": "keyvault_policy",
            "vault_name": name,
            "object_id": scalar(policy.get("objectid")),
            "application_id": app,
            "principal": display,
            "keys": ",".join(keys),
            "secrets": ",".join(secrets),
            "fits_backup": "true" if fits else "false",
            "backup_service": "true" if is_backup else None,
        }
        records.append(Record(line, f"access policy on {name or '?'} for {display or fields['object_id'] or '?'}: keys [{fields['keys']}], secrets [{fields['secrets']}]",
                               {k: v for k, v in fields.items() if v}, None, "info", "key vault"))
    missing = ""
    if rbac:
        access = "rbac"
    elif backup_ids:
        granted = [entry for entry in backup_ids if entry[1]]
        access = "granted" if granted else "insufficient"
        if not granted:
            missing = ",".join(backup_ids[0][2]) or "keys"
    elif not fitting:
        access = "missing"
        missing = "get,list,backup"
    else:
        access = "unknown"
    fields = {
        "kind": "keyvault",
        "format": fmt,
        "vault_name": name,
        "resource_group": scalar(obj.get("resourcegroup")) or match_group(RG_IN_ID, scalar(obj.get("id"))),
        "rbac": "true" if rbac else "false",
        "enabled_for_disk_encryption": scalar(pick(obj, "enabledfordiskencryption")),
        "access_policies": str(len(policies)),
        "backup_access": access,
        "missing_permissions": missing or None,
    }
    explain = {
        "rbac": "RBAC mode: access policies are ignored; the role assignments decide",
        "granted": "the Backup Management Service has get, list and backup",
        "insufficient": f"the Backup Management Service lacks {missing}",
        "missing": "no access policy grants get, list and backup on secrets, so the Backup Management Service has none",
        "unknown": "a policy grants get, list and backup; whether it is the Backup Management Service's needs its object id",
    }[access]
    level = "error" if access in ("missing", "insufficient") else "info"
    return [Record(line, f"key vault {name or '?'}: {len(policies)} access polic(ies); {explain}", {k: v for k, v in fields.items() if v}, None, level, "key vault"), *records]


def _role_records(assignments: list[tuple[int, dict]], fmt: str) -> list[Record]:
    records = []
    backup_roles = []
    vault_scoped = False
    for line, obj in assignments:
        principal = scalar(obj.get("principalname")) or scalar(obj.get("principaldisplayname")) or scalar(obj.get("displayname"))
        role = scalar(obj.get("roledefinitionname"))
        scope = scalar(obj.get("scope"))
        vault_scoped = vault_scoped or bool(scope and "/microsoft.keyvault/vaults/" in scope.lower())
        is_backup = bool(principal and (principal.lower() == BACKUP_APP_ID or BACKUP_SP_NAME.search(principal)))
        if is_backup and role and _BACKUP_ROLES.search(role):
            backup_roles.append(role)
        fields = {
            "kind": "role_assignment",
            "format": fmt,
            "principal": principal,
            "principal_type": scalar(obj.get("principaltype")),
            "object_id": scalar(obj.get("principalid")),
            "role": role,
            "scope": scope,
            "backup_service": "true" if is_backup else None,
        }
        records.append(Record(line, f"role {role or '?'} for {principal or '?'} on {scope or '?'}", {k: v for k, v in fields.items() if v}, None, "info", "key vault"))
    summary = {
        "kind": "role_summary",
        "format": fmt,
        "backup_role": "present" if backup_roles else "missing",
        "role": backup_roles[0] if backup_roles else None,
        "vault_scope": "true" if vault_scoped else "false",
        "count": str(len(assignments)),
    }
    message = (
        f"role assignments: the Backup Management Service holds {backup_roles[0]}"
        if backup_roles
        else "role assignments: none gives the Backup Management Service a key vault role"
    )
    first = assignments[0][0]
    return [Record(first, message, {k: v for k, v in summary.items() if v}, None, "info" if backup_roles else "warning", "key vault"), *records]

