"""The ``fields`` Azure events may carry, with their meaning (strings; a key is present only when
the export has the value), by source. A JSON export's records decide its source (the kind most
of them are), so a parser's declared fields are those of the source its events carry.
"""

from __future__ import annotations

__all__ = ["EXPORT", "FIELDS_OF_SOURCE", "PORTAL"]

EXPORT = {
    "kind": "what the event is: export (one per file), job, job_overlap, portal_error, item, vm, vm_agent, "
    "vm_handler, vm_extension, vm_disk, lock, rp_collection, keyvault, keyvault_policy, role_assignment, "
    "role_summary, service_principal, activity",
    "export": "on export events: job | portal | item | vm | lock | restorepoint | keyvault | activity",
    "format": "az-cli | rest | powershell | table | powershell-table | portal-csv | log-analytics | portal-text "
    "| operation-result | jsonl | records",
    "count": "records (or rows) read; on role_summary the role assignments",
    "broken": "true on the export event of a JSON document that breaks part way",
}

CODE = {
    "reported_code": "the documented error code the portal showed for a failure (portal text, a failed job whose "
    "code was decided, Log Analytics JobFailureCode), in the knowledge base's spelling",
    "code": "the decided code name",
    "code_basis": "how the code was decided: name (a code in the text or a code column) or message (a documented "
    "portal message, language in lang)",
    "code_as_written": "the code as the export spells it, when it differs",
    "lang": "language of the labels / message that decided (en, sv, de, es, fr, pt)",
    "error_message": "error text (job errorString, pane Error message, status message)",
    "recommendation": "recommended action text",
    "inner_code": "a compute / ARM code inside the text (OperationNotAllowed, ScopeLocked)",
}

JOB = {
    **CODE,
    "error_code_num": "a job's integer errorCode",
    "dynamic_error_message": "a job's non-localised dynamicErrorMessage (the compute provider's text)",
    "job_id": "job GUID",
    "operation": "Backup, ConfigureBackup, DisableBackup, Restore, ...",
    "status": "job status (Completed, Failed, InProgress, ...)",
    "status_as_written": "a translated portal status word (Misslyckades) when it differs",
    "job_type": "AzureIaaSVMJob / AzureIaaSVMJobV2",
    "backup_management_type": "AzureIaasVM (or the grid's type column)",
    "item": "protected VM name",
    "container": "container iaasvmcontainerv2;<rg>;<vm>",
    "vault": "Recovery Services vault name",
    "start": "ISO start time (UTC unless time_basis says local)",
    "end": "ISO end time (given, or start plus duration for a finished job)",
    "duration": "duration as written",
    "duration_s": "duration in seconds",
    "user_triggered": "true | false (on-demand Backup now)",
    "failed_task": "first failed task of a job (Take Snapshot, Transfer data to vault)",
    "other_job_id": "on job_overlap: the earlier job's id (the event's job_id is the later one)",
    "other_operation": "on job_overlap: the earlier job's operation",
    "other_status": "on job_overlap: the earlier job's status",
    "other_start": "on job_overlap: the earlier job's start",
    "other_end": "on job_overlap: the earlier job's end, or still running",
}

PORTAL = {
    **CODE,
    "item": "backup item named in the pane",
    "job_id": "job id named in the pane",
    "status": "an operation result's status",
}

ITEM = {
    "item": "protected VM name",
    "vm": "protected VM name",
    "name": "the item's name as listed (-o table)",
    "workload": "workload type (-o table)",
    "container": "container iaasvmcontainerv2;<rg>;<vm>",
    "vault": "Recovery Services vault name",
    "resource_group": "resource group (-o table)",
    "protection_state": "Protected | IRPending | ProtectionStopped | ProtectionPaused | BackupsSuspended | ...",
    "protection_status": "Healthy | Unhealthy | ...",
    "health_status": "the item's health status",
    "last_backup_status": "Completed | Failed | ...",
    "last_backup_time": "ISO time of the last backup",
    "last_recovery_point": "last recovery point as listed (-o table)",
    "policy": "backup policy name, none when the item has none",
    "deferred_delete": "true when the item is scheduled for deferred delete",
    "recovery_points": "recovery point count",
    "error_message": "the first health detail message",
}

VM = {
    "vm": "VM name",
    "resource_group": "resource group",
    "provisioning_state": "resource-level provisioning state (Succeeded, Failed, Updating)",
    "vm_status_code": "the VM's ProvisioningState/... instance-view code",
    "power_state": "running | stopped | deallocated | starting | stopping | deallocating",
    "os_type": "Linux | Windows",
    "ade": "true when Azure Disk Encryption is on the VM",
    "agent_version": "guest agent version as Azure sees it",
    "agent_status": "Ready | Not Ready | Unknown",
    "agent_code": "the agent status code",
    "agent_message": "the agent status message",
    "status_level": "Info | Warning | Error",
    "handler": "extension handler type",
    "handler_version": "extension handler version",
    "extension": "extension name",
    "extension_type": "extension type",
    "status_code": "extension or handler status code",
    "display_status": "extension or handler display status",
    "failed": "true | false: the extension or handler failed",
    "error_message": "an extension's status message",
    "disk": "disk name",
    "disk_role": "os | data",
    "lun": "data disk LUN",
    "size_gb": "disk size in GiB",
    "encrypted": "ade | sse | none",
    "to_be_detached": "the disk is marked to be detached",
    "encryption_type": "az disk show encryption type",
}

LOCK = {
    "lock_name": "lock name",
    "level": "CanNotDelete | ReadOnly",
    "notes": "the lock's notes",
    "scope": "the scope the lock applies to",
    "scope_kind": "subscription | resource_group | resource",
    "resource_group": "resource group of the scope",
    "resource_type": "resource type of a resource scope",
    "resource_name": "resource name of a resource scope",
    "covers_restore_points": "rp-group (an AzureBackupRG_<geo>_<n> group), collection, subscription, other-group "
    "or other-resource",
}

RESTORE_POINTS = {
    "collection": "restore-point collection name",
    "source_vm": "the VM the collection belongs to",
    "resource_group": "resource group",
    "provisioning_state": "the collection's provisioning state",
    "restore_points": "restore points in the collection",
    "vm_restore_points": "restore points of its VM in the whole file",
    "instant_rp_limit": "the documented limit (18)",
}

KEYVAULT = {
    "vault_name": "key vault name",
    "resource_group": "resource group",
    "rbac": "true when the vault uses RBAC authorization",
    "enabled_for_disk_encryption": "the vault's enabledForDiskEncryption",
    "access_policies": "number of access policies",
    "backup_access": "granted | insufficient | missing | unknown | rbac (the Backup Management Service's access)",
    "missing_permissions": "permissions the Backup Management Service lacks",
    "object_id": "principal object id",
    "application_id": "application id",
    "principal": "principal display name",
    "principal_type": "principal type of a role assignment",
    "keys": "key permissions of a policy",
    "secrets": "secret permissions of a policy",
    "fits_backup": "true when a policy grants get, list and backup",
    "backup_service": "true on a policy, role assignment or activity of the Backup Management Service",
    "role": "role name",
    "scope": "role assignment scope",
    "backup_role": "present | missing on role_summary",
    "vault_scope": "true when an assignment's scope is a key vault",
    "count": "role assignments read (role_summary)",
}

ACTIVITY = {
    "activity": "a short tag: lock-write, lock-delete, rp-delete, rp-write, protection-change, backup-now, "
    "keyvault-change, role-change, extension-write, vm-change, other",
    "operation_name": "the operation's name (Microsoft.Authorization/locks/write)",
    "operation_text": "the localized operation name",
    "status": "Succeeded | Failed | Started | ...",
    "sub_status": "sub-status",
    "caller": "who started it",
    "application_id": "the caller's application id",
    "backup_service": "true when the Backup Management Service acted",
    "resource_id": "the resource acted on",
    "resource_group": "resource group",
    "correlation_id": "correlation id",
    "status_code": "HTTP status code",
    "error_code": "error code of the status message",
    "error_message": "error text of the status message",
    "inner_code": "a compute / ARM code inside the message",
    "category": "event category",
    "scope_kind": "scope of a lock written or deleted",
    "covers_restore_points": "whether that lock covers restore points (see azure.lock)",
}

#: per source, what its parsers may emit (a JSON export's records decide its source)
FIELDS_OF_SOURCE = {
    "azure.job": {**EXPORT, **JOB},
    "azure.portal": {**EXPORT, **PORTAL},
    "azure.item": {**EXPORT, **ITEM},
    "azure.vm": {**EXPORT, **VM},
    "azure.lock": {**EXPORT, **LOCK},
    "azure.restorepoint": {**EXPORT, **RESTORE_POINTS},
    "azure.keyvault": {**EXPORT, **KEYVAULT},
    "azure.activity": {**EXPORT, **ACTIVITY},
}
