"""Azure-side exports a support engineer adds to a bundle: what the portal, ``az`` and PowerShell
show about the backup jobs, the protected item, the VM, locks, restore points, the key vault and
the activity log. They decide the codes guest logs cannot (restore-point limit, key vault, disk
size, overlapping jobs, compute-provider errors, stopped protection) and give the portal's view
of the agent and the extensions.

Every kind is found by content, whatever the file is called. The shapes read:

The job error pane text a person copied (source ``azure.portal``; labels in English, Swedish,
German, Spanish, French, Portuguese; ``Label: value``, ``Label | value``, ``Label<TAB>value``,
markdown table rows, or the label on one line and the value on the next)::

    Error Code: UserErrorRpCollectionLimitReached
    Error Message: The Restore Point collection max limit has reached.
    Recommended Action: Please ensure that there are no resource locks which prevents ...

    Felkod      UserErrorGuestAgentStatusUnavailable
    Felmeddelande   VM-agenten kan inte kommunicera med Azure Backup

An operation result with a string error code (``az backup protection enable-for-vm`` failing)
is read the same way: ``{"error": {"code": "UserErrorKeyVaultPermissionsNotConfigured", ...}}``.

Backup jobs (source ``azure.job``): ``az backup job show|list -o json`` (bare object or array,
``+00:00`` times, ``0:07:27.564000`` durations), the REST shape (``{"value": [...]}``, ``Z``
times, ``PT7M27.564S``), PowerShell ``ConvertTo-Json`` (``JobId``, ``WorkloadName``,
``ErrorDetails``), ``az backup job list -o table``, a PowerShell ``Format-Table`` listing, the
portal's jobs grid exported as CSV and Log Analytics job records (``JobFailureCode``)::

    Name                                  Operation    Status      Item Name    Start Time UTC                    Duration
    ------------------------------------  -----------  ----------  -----------  --------------------------------  --------------
    0b8f2c6e-7d41-4a52-9e6b-3c0d5a1f9e21  Backup       Failed      vm-app01     2026-03-02T21:00:12.441123+00:00  0:07:27.564000

A job's ``errorCode`` is an integer; the code *name* is decided from the text
(``errorString``, ``recommendations``, ``dynamicErrorMessage``): a documented code named in it
(case-insensitive, ``KeyVault`` = ``Keyvault``), else the documented portal message in one of the
languages known here. Jobs of one item whose run times overlap give one ``job_overlap`` event
naming both ids.

Protected items (``azure.item``): ``az backup item show|list`` JSON or ``-o table``, PowerShell.
VM (``azure.vm``): ``az vm get-instance-view``, ``az vm show [-d]``, REST JSON view (nested
``properties``), the bare ``/instanceView`` object, PowerShell ``Get-AzVM -Status``,
``az disk show``. Locks (``azure.lock``): ``az lock list`` (``level`` flattened), REST
(``properties.level``), PowerShell ``Get-AzResourceLock``. Restore points
(``azure.restorepoint``): collections with or without ``restorePoints``, restore-point lists.
Key vault (``azure.keyvault``): ``az keyvault show``, ``az role assignment list``,
``az ad sp list --display-name "Backup Management Service"``. Activity log (``azure.activity``):
``az monitor activity-log list`` (array), REST (``value``), exported ``records`` or JSON Lines,
portal CSV download.

JSON may start after warning lines (``WARNING: ...`` when stderr was captured); keys are folded
to lower case before lookup (``diskSizeGb`` = ``diskSizeGB``, ``JobId`` = ``jobId``), and looked
up in the object, its ``properties`` and ``additionalProperties``. Times: ``Z``, ``+00:00`` or
another offset, 0-7 fraction digits, PowerShell ``/Date(ms)/``; the 2001-01-01 and 0001-01-01
placeholders mean "no time". Azure's own times are UTC; the portal CSV and PowerShell table
times are the viewer's local time and are added with ``local_time=True``.

``fields`` keys (strings; a key is present only when the export has the value):

=====================  ====================================================================
kind                   ``export`` (one per file: what it is, how many records), ``job``,
                       ``job_overlap``, ``portal_error``, ``item``, ``vm``, ``vm_agent``,
                       ``vm_handler``, ``vm_extension``, ``vm_disk``, ``lock``,
                       ``rp_collection``, ``keyvault``, ``keyvault_policy``,
                       ``role_assignment``, ``role_summary``, ``service_principal``, ``activity``
export                 on ``export`` events: job | portal | item | vm | lock | restorepoint |
                       keyvault | activity; ``count`` records read
format                 az-cli | rest | powershell | table | portal-csv | log-analytics |
                       portal-text | operation-result | jsonl | records
reported_code          the documented error code the portal showed for a failure (portal text,
                       a failed job whose code was decided, Log Analytics ``JobFailureCode``),
                       in the knowledge base's spelling
code, code_basis       the decided code name and how: ``name`` (a code in the text or a code
                       column) or ``message`` (a documented message, language in ``lang``)
code_as_written        the code as the export spells it, when it differs
lang                   language of the labels / message that decided (en, sv, de, es, fr, pt)
error_message          error text (job ``errorString``, pane "Error message")
recommendation         recommended action text
error_code_num         a job's integer ``errorCode``
inner_code             a compute/ARM code inside the text (``OperationNotAllowed``, ``ScopeLocked``)
dynamic_error_message  a job's non-localised ``dynamicErrorMessage`` (the compute provider's text)
job_id, operation      job GUID and operation (Backup, ConfigureBackup, DisableBackup, ...)
status                 job status (Completed, Failed, InProgress, ...), item or activity status;
                       ``status_as_written`` keeps a translated portal word (``Misslyckades``)
job_type, backup_management_type
                       ``AzureIaaSVMJob``/``AzureIaaSVMJobV2``; ``AzureIaasVM`` (or the grid's type)
item, container        protected VM name, container ``iaasvmcontainerv2;<rg>;<vm>``
vault                  Recovery Services vault name (from the id)
start, end             ISO times (UTC unless ``time_basis`` says local)
duration_s             duration in seconds; ``duration`` as written
user_triggered         true | false (on-demand "Backup now")
failed_task            first failed task of a job (``Take Snapshot``, ``Transfer data to vault``)
other_job_id, other_status, other_operation, other_start, other_end
                       on ``job_overlap``: the earlier job (the event's ``job_id`` is the later)
protection_state       Protected | IRPending | ProtectionStopped | ProtectionPaused | ...
protection_status, health_status, last_backup_status, last_backup_time, policy,
deferred_delete, recovery_points
                       protected item values (``policy`` is ``none`` when the item has none);
                       the ``-o table`` listing adds ``name``, ``workload``, ``last_recovery_point``
vm, provisioning_state VM name; resource-level provisioning state (Succeeded, Failed, Updating)
vm_status_code         the VM's ``ProvisioningState/...`` instance-view code
power_state            running | stopped | deallocated | starting | stopping | deallocating
os_type, ade           Linux | Windows; ``true`` when Azure Disk Encryption is on the VM
agent_version, agent_status, agent_code, agent_message
                       guest agent as Azure sees it (``Ready`` / ``Not Ready`` / ``Unknown``)
handler, handler_version, extension, extension_type, status_code, status_level,
display_status, failed
                       extension handler / extension status (``failed`` = true|false)
disk, disk_role, lun, size_gb, encrypted
                       disk name, ``os`` | ``data``, size in GiB, ``ade`` | ``sse`` | ``none``;
                       ``to_be_detached``, ``encryption_type`` (``az disk show``) when given
lock_name, level, notes, scope, scope_kind, resource_group, resource_type, resource_name,
covers_restore_points  lock facts; ``covers_restore_points`` is ``rp-group`` (an
                       ``AzureBackupRG_<geo>_<n>`` group), ``collection``, ``subscription``,
                       ``other-group`` or ``other-resource``
collection, restore_points, vm_restore_points, source_vm, instant_rp_limit
                       restore-point collection, its points, all points of its VM in the file,
                       and the documented limit (18)
vault_name, rbac, enabled_for_disk_encryption, access_policies, backup_access,
missing_permissions, object_id, application_id, keys, secrets, fits_backup
                       key vault mode and grants; ``backup_access`` is granted | insufficient
                       | missing | unknown | rbac
principal, principal_type, role, backup_role, vault_scope
                       role assignments; ``backup_role`` present | missing on ``role_summary``,
                       ``vault_scope`` true when an assignment's scope is a key vault
backup_service         true on a policy, role assignment or activity of the Backup Management
                       Service (application id 262044b1-e2ce-469f-a196-69ab7ada62d3)
activity, operation_name, operation_text, category, sub_status, caller, resource_id,
correlation_id, status_code, error_code
                       activity-log event (``operation_text`` the localized name): ``activity`` is a short tag (lock-write,
                       lock-delete, rp-delete, rp-write, protection-change, backup-now,
                       keyvault-change, role-change, extension-write, vm-change, other)
=====================  ====================================================================

Line accounting: a JSON document that parses is one ``export`` event spanning every line
(records point at their first line, span 0); a broken one is a ``malformed`` problem with every
line unparsed (records before the break are still emitted, span 0). Tables and CSV: the header
lines belong to the ``export`` event, each row is an event. Portal text: one event per error
block, spanning its lines.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..events import Problem
from ..redaction import MASK, redact, redact_json
from ..textio import MAX_JSON_DEPTH, decode, json_depth, load_json, looks_binary, split_lines
from . import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)

__all__ = ["KNOWN_CODES", "PARSERS", "canonical_code", "code_from_text"]

SOURCE_JOB = "azure.job"
SOURCE_PORTAL = "azure.portal"
SOURCE_ITEM = "azure.item"
SOURCE_VM = "azure.vm"
SOURCE_LOCK = "azure.lock"
SOURCE_RESTOREPOINT = "azure.restorepoint"
SOURCE_KEYVAULT = "azure.keyvault"
SOURCE_ACTIVITY = "azure.activity"

_SOURCE_OF_KIND = {
    "job": SOURCE_JOB,
    "portal": SOURCE_PORTAL,
    "item": SOURCE_ITEM,
    "vm": SOURCE_VM,
    "lock": SOURCE_LOCK,
    "restorepoint": SOURCE_RESTOREPOINT,
    "keyvault": SOURCE_KEYVAULT,
    "activity": SOURCE_ACTIVITY,
}

# --------------------------------------------------------------------------------------------
# Documented error codes and the portal messages that name them
# --------------------------------------------------------------------------------------------

#: the documented codes, in the knowledge base's spelling
KNOWN_CODES = (
    "UserErrorGuestAgentStatusUnavailable",
    "GuestAgentSnapshotTaskStatusError",
    "UserErrorVmProvisioningStateFailed",
    "UserErrorRpCollectionLimitReached",
    "UserErrorKeyvaultPermissionsNotConfigured",
    "ExtensionSnapshotFailedNoNetwork",
    "ExtensionOperationFailedForManagedDisks",
    "BackUpOperationFailedV2",
    "BackUpOperationFailed",
    "UserErrorUnsupportedDiskSize",
    "UserErrorBackupOperationInProgress",
    "UserErrorCrpReportedUserError",
    "UserErrorBcmDatasourceNotPresent",
    "UserErrorFsFreezeFailed",
    "ExtensionFailedSnapshotLimitReachedError",
    "ExtensionFailedVssWriterInBadState",
    "ExtensionSnapshotFailedCOM",
    "ExtensionInstallationFailedCOM",
    "ExtensionInstallationFailedMDTC",
    "ExtensionFailedTimeoutVMNetworkUnresponsive",
    "VMRestorePointInternalError",
    "UserErrorVmNotInDesirableState",
)
_CANONICAL = {code.lower(): code for code in KNOWN_CODES}
_KNOWN_CODE_TOKEN = re.compile(r"\b(" + "|".join(sorted(KNOWN_CODES, key=len, reverse=True)) + r")\b", re.IGNORECASE)
#: any service code that looks like a backup user error, documented or not
_USER_ERROR_TOKEN = re.compile(r"\b(UserError[A-Za-z0-9]{3,})\b")
#: compute / ARM error codes that show inside CRP and activity-log messages
_INNER_CODE = re.compile(
    r"\b(OperationNotAllowed|ScopeLocked|VMExtensionProvisioning(?:Error|Timeout)|VMAgentStatusCommunicationError"
    r"|AllocationFailed|ResourceNotFound|Conflict|DiskEncryption[A-Za-z]*|KeyVault[A-Za-z]*Error|"
    r"OSProvisioning(?:TimedOut|ClientError)|InternalOperationError|BadRequest|AuthorizationFailed"
    r"|RestorePointCollection[A-Za-z]*|TooManyRestorePoints|QuotaExceeded)\b"
)

#: documented portal messages, as patterns per code and language; first match wins, so the
#: generic compute-provider message comes first (its inner text is kept separately)
_MESSAGE_CODES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (code, lang, re.compile(pattern, re.IGNORECASE | re.DOTALL))
    for code, lang, pattern in (
        ("UserErrorCrpReportedUserError", "en", r"backup failed due to an error\.?\s*for details,? see (the )?job error"),
        ("UserErrorCrpReportedUserError", "sv", r"mer information finns i informationen om (meddelanden vid )?jobb\s?fel"),
        ("UserErrorCrpReportedUserError", "de", r"weitere informationen finden sie in den (fehlerdetails|details zur fehlermeldung) des auftrags"),
        ("UserErrorCrpReportedUserError", "es", r"para obtener m[aá]s (informaci[oó]n|detalles),? consulte (los )?detalles del (mensaje de )?error del trabajo"),
        ("UserErrorRpCollectionLimitReached", "en", r"restore\s?point collection.{0,40}(max(imum)? limit|maximum size|limit has)|cannot exceed 18"),
        ("UserErrorRpCollectionLimitReached", "sv", r"max\s?gräns\w*.{0,30}återställnings\s?punkt|återställnings\s?punkt\s?samling\w*.{0,30}(max\s?gräns|uppnått)"),
        ("UserErrorRpCollectionLimitReached", "de", r"wiederherstellungspunktsammlung.{0,50}(höchstgrenze|maximal|grenze)"),
        ("UserErrorRpCollectionLimitReached", "es", r"colecci[oó]n de puntos de restauraci[oó]n.{0,50}(l[ií]mite|m[aá]xim)"),
        ("UserErrorKeyvaultPermissionsNotConfigured", "en", r"(permission|access)\w*.{0,60}key\s?vault|key\s?vault.{0,60}permission"),
        ("UserErrorKeyvaultPermissionsNotConfigured", "sv", r"behörighet\w*.{0,60}nyckel\s?valv"),
        ("UserErrorKeyvaultPermissionsNotConfigured", "de", r"berechtigung\w*.{0,60}(schlüsseltresor|key vault)"),
        ("UserErrorKeyvaultPermissionsNotConfigured", "es", r"permisos?.{0,60}(almac[eé]n de claves|key vault)"),
        ("UserErrorUnsupportedDiskSize", "en", r"disk size.{0,40}not (currently )?supported|configured disk size"),
        ("UserErrorUnsupportedDiskSize", "sv", r"disk\s?storlek.{0,60}stöds"),
        ("UserErrorUnsupportedDiskSize", "de", r"datenträgergröße.{0,60}nicht unterstützt"),
        ("UserErrorUnsupportedDiskSize", "es", r"tamaño.{0,20}disco.{0,60}no (se )?(admite|es compatible)"),
        ("UserErrorBackupOperationInProgress", "en", r"another backup operation is (currently )?in progress|backup operation is already in progress"),
        ("UserErrorBackupOperationInProgress", "sv", r"en annan säkerhets\s?kopiering\w* pågår"),
        ("UserErrorBackupOperationInProgress", "de", r"ein anderer sicherungsvorgang.{0,40}(ausgeführt|in bearbeitung|läuft)"),
        ("UserErrorBackupOperationInProgress", "es", r"otra operaci[oó]n de copia de seguridad.{0,30}en curso"),
        ("UserErrorBcmDatasourceNotPresent", "en", r"not \(?actively\)? protected by azure backup|not protected by azure backup"),
        ("UserErrorBcmDatasourceNotPresent", "sv", r"skyddas inte \(?aktivt\)? av azure backup"),
        ("UserErrorBcmDatasourceNotPresent", "de", r"nicht \(?aktiv\)? (durch|von) azure backup geschützt"),
        ("UserErrorBcmDatasourceNotPresent", "es", r"no est[aá] protegid[ao] \(?activamente\)? por azure backup"),
        ("UserErrorVmProvisioningStateFailed", "en", r"failed provisioning state|provisioning state (is )?failed"),
        ("UserErrorVmProvisioningStateFailed", "sv", r"misslyckat etablerings\s?tillstånd|etablerings\s?(läget|status\w*|tillstånd\w*) misslyckades"),
        ("UserErrorVmProvisioningStateFailed", "de", r"bereitstellungs(status|zustand).{0,20}(fehler|fehlgeschlagen)"),
        ("UserErrorVmProvisioningStateFailed", "es", r"estado de aprovisionamiento.{0,20}(error|err[oó]neo|fallido)"),
        ("GuestAgentSnapshotTaskStatusError", "en", r"communicate with the vm agent for snapshot status"),
        ("GuestAgentSnapshotTaskStatusError", "sv", r"kommunicera med vm-agenten för ögonblicks\s?bild"),
        ("UserErrorGuestAgentStatusUnavailable", "en", r"agent (is )?unable to communicate with (the )?azure backup"),
        ("UserErrorGuestAgentStatusUnavailable", "sv", r"agenten (kan inte|kunde inte) kommunicera med azure backup"),
        ("UserErrorGuestAgentStatusUnavailable", "de", r"agent.{0,30}nicht mit azure backup kommunizieren"),
        ("UserErrorGuestAgentStatusUnavailable", "es", r"agente.{0,30}no (puede|pudo) comunicarse con azure backup"),
        ("ExtensionSnapshotFailedNoNetwork", "en", r"no network connectivity"),
        ("ExtensionSnapshotFailedNoNetwork", "sv", r"ingen nätverks\s?anslutning"),
        ("ExtensionOperationFailedForManagedDisks", "en", r"vmsnapshot extension operation failed"),
        ("ExtensionOperationFailedForManagedDisks", "sv", r"vmsnapshot-tilläggs\s?åtgärd misslyckades"),
        ("UserErrorFsFreezeFailed", "en", r"(could not|failed to|unable to) freeze|file ?systems? could not be frozen"),
        ("ExtensionFailedSnapshotLimitReachedError", "en", r"snapshot count.{0,40}exceeded|snapshot limit"),
        ("ExtensionFailedVssWriterInBadState", "en", r"vss writers? (were |are |is )?in (a )?bad state"),
        ("BackUpOperationFailed", "en", r"failed with an internal error"),
        ("BackUpOperationFailed", "sv", r"misslyckades med ett internt fel"),
    )
)


def canonical_code(token: str) -> str:
    """A code in the knowledge base's spelling when it is a documented one, else as written."""
    return _CANONICAL.get(token.strip().lower(), token.strip())


def _code_in(text: str) -> str | None:
    """The first documented (or ``UserError...``) code named in ``text``."""
    if not text:
        return None
    found = _KNOWN_CODE_TOKEN.search(text)
    if found:
        return canonical_code(found.group(1))
    found = _USER_ERROR_TOKEN.search(text)
    return found.group(1) if found else None


def code_from_text(*texts: str | None) -> tuple[str, str, str] | None:
    """``(code, basis, lang)`` decided from error texts: a code named in any of them first
    (basis ``name``), else a documented portal message (basis ``message``)."""
    present = [t for t in texts if t]
    for text in present:
        code = _code_in(text)
        if code:
            return code, "name", ""
    joined = "\n".join(present)
    for code, lang, pattern in _MESSAGE_CODES:
        if pattern.search(joined):
            return code, "message", lang
    return None


# --------------------------------------------------------------------------------------------
# Small value helpers
# --------------------------------------------------------------------------------------------

_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(Bearer\s+)[A-Za-z0-9._~+/=-]{12,}")
#: more keys whose values are secrets in Azure exports (storage keys, client secrets)
_EXTRA_SECRET_KEYS = frozenset({"primarykey", "secondarykey", "connectionstring", "clientsecret", "key1", "key2", "sharedkey", "authorization"})


def _clean(text: object) -> str:
    """Text for the event table: secrets masked (the shared patterns, bearer tokens, JWTs)."""
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    value = redact(value)
    if "eyJ" in value or "earer" in value:
        value = _BEARER.sub(r"\1" + MASK, _JWT.sub(MASK, value))
    return value


def _mask_json(value: object) -> object:
    """Parsed JSON with every secret masked (shared keys, Azure key names, text patterns)."""
    value = redact_json(value)

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {k: (MASK if str(k).lower() in _EXTRA_SECRET_KEYS and v not in (None, "", [], {}) else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return _clean(node)
        return node

    return walk(value)


def _fold(value: object) -> object:
    """JSON with every object key lower-cased (Azure's key spelling varies by tool and version)."""
    if isinstance(value, dict):
        return {str(k).lower(): _fold(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fold(v) for v in value]
    return value


def _pick(obj: object, *keys: str) -> Any:
    """The first of ``keys`` (lower-case) found in ``obj``, its ``properties`` or
    ``additionalproperties``; None when absent."""
    if not isinstance(obj, dict):
        return None
    places = [obj]
    props = obj.get("properties")
    if isinstance(props, dict):
        places.append(props)
        extra = props.get("additionalproperties")
        if isinstance(extra, dict):
            places.append(extra)
    extra = obj.get("additionalproperties")
    if isinstance(extra, dict):
        places.append(extra)
    for key in keys:
        for place in places:
            if key in place and place[key] is not None:
                return place[key]
    return None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


#: what PowerShell's ConvertTo-Json writes for objects below its depth limit
_PS_TYPE_NAME = re.compile(r"^(System|Microsoft)\.[\w.]*(`|Collections\.|\.Models\.)[\w.`\[\], ]*$")


def _str(value: object) -> str | None:
    """A scalar as a short string (booleans lower-case); None for missing, objects, lists and
    PowerShell's depth-limit type names."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, str) and _PS_TYPE_NAME.match(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean(str(value)).strip()


def _localized(value: object) -> str | None:
    """``{"value": ..., "localizedValue": ...}`` (activity log) or a plain string: the value."""
    if isinstance(value, dict):
        return _str(value.get("value")) or _str(value.get("localizedvalue"))
    return _str(value)


def _last_segment(resource_id: str | None) -> str | None:
    if not resource_id:
        return None
    return resource_id.rstrip("/").rsplit("/", 1)[-1] or None


_RG_IN_ID = re.compile(r"/resourcegroups/([^/]+)", re.IGNORECASE)
_VAULT_IN_ID = re.compile(r"/vaults/([^/]+)", re.IGNORECASE)
_SUB_IN_ID = re.compile(r"/subscriptions/([^/]+)", re.IGNORECASE)


def _match_group(pattern: re.Pattern[str], text: str | None) -> str | None:
    if not text:
        return None
    found = pattern.search(text)
    return found.group(1) if found else None


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?$"
)
_CULTURE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
)
#: Azure's "never" placeholders (2001-01-01 for no backup yet, 0001-01-01 for unset)
_PLACEHOLDER_YEAR = 2010


@dataclass(frozen=True)
class Moment:
    """A time read from an export: ``local`` when it is the viewer's wall-clock time."""

    time: datetime
    local: bool = False

    def iso(self) -> str:
        return self.time.isoformat()


def parse_time(value: object, *, assume_utc: bool = True) -> Moment | None:
    """An export's time value as a :class:`Moment`; None for missing, placeholders and junk."""
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = str(value).strip().replace("\\/", "/")
    if not text:
        return None
    found = _MS_DATE.match(text)
    if found:
        try:
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(found.group(1)))
        except (OverflowError, ValueError):
            return None
        return None if moment.year < _PLACEHOLDER_YEAR else Moment(moment)
    found = _ISO.match(text)
    if found:
        year, month, day, hour, minute = (int(found.group(i)) for i in range(1, 6))
        second = int(found.group(6) or 0)
        micro = int((found.group(7) or "0")[:6].ljust(6, "0"))
        zone = found.group(8)
        try:
            moment = datetime(year, month, day, hour, minute, second, micro)
        except ValueError:
            return None
        if moment.year < _PLACEHOLDER_YEAR:
            return None
        if zone and zone.upper() not in ("Z", "UTC"):
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
            return Moment((moment - sign * offset).replace(tzinfo=UTC))
        if zone or assume_utc:
            return Moment(moment.replace(tzinfo=UTC))
        return Moment(moment, local=True)
    for fmt in _CULTURE_FORMATS:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if moment.year < _PLACEHOLDER_YEAR:
            return None
        return Moment(moment, local=True)
    return None


_ISO_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
_DAYS_DURATION = re.compile(r"^(\d+) days?,\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")
_CLOCK_DURATION = re.compile(r"^(?:(\d+)\.)?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")


def parse_duration(value: object) -> float | None:
    """Seconds from ISO-8601 (``PT7M27.56S``), ``[d.]hh:mm:ss[.f]``, ``H:MM:SS.ffffff``,
    ``N day(s), H:MM:SS``, a number of seconds or a PowerShell TimeSpan object."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        folded = {str(k).lower(): v for k, v in value.items()}
        if isinstance(folded.get("totalseconds"), (int, float)):
            return float(folded["totalseconds"])
        if isinstance(folded.get("ticks"), (int, float)):
            return folded["ticks"] / 10_000_000
        return None
    text = str(value).strip()
    found = _ISO_DURATION.match(text)
    if found and text.upper() not in ("P", "PT"):
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
        return days * 86400 + hours * 3600 + minutes * 60 + seconds
    found = _DAYS_DURATION.match(text)
    if found:
        days, hours, minutes = int(found.group(1)), int(found.group(2)), int(found.group(3))
        return days * 86400 + hours * 3600 + minutes * 60 + float(found.group(4))
    found = _CLOCK_DURATION.match(text)
    if found:
        days = int(found.group(1) or 0)
        return days * 86400 + int(found.group(2)) * 3600 + int(found.group(3)) * 60 + float(found.group(4))
    return None


def _seconds_text(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------------------------
# Result building shared by every kind
# --------------------------------------------------------------------------------------------


@dataclass
class _Record:
    """One event to add: kept until the file is read so that spans can be assigned."""

    line: int
    message: str
    fields: dict[str, str]
    time: Moment | None = None
    level: str | None = None
    component: str | None = None
    span: int = 0


def _add(result: ParseResult, record: _Record) -> None:
    fields = {k: _clean(v) for k, v in record.fields.items() if v is not None and v != ""}
    moment = record.time
    result.events.add(
        line=max(1, record.line),
        message=_clean(record.message),
        time=moment.time if moment else None,
        local_time=bool(moment and moment.local),
        level=record.level,
        component=record.component,
        fields=fields,
        span=record.span,
    )


def _all_unparsed(result: ParseResult) -> None:
    for number in range(1, result.lines + 1):
        result.unparsable(number)


def _read_text(data: bytes, context: ParseContext, result: ParseResult) -> str | None:
    """The file as text, or None (with a problem, every line unparsed) when it is binary."""
    if looks_binary(data):
        decoded = decode(data)
        result.lines = len(split_lines(decoded.text))
        _all_unparsed(result)
        result.problems.append(Problem(context.file, "binary", "binary data where an Azure export was expected"))
        return None
    decoded = decode(data)
    if decoded.warning:
        result.problems.append(Problem(context.file, "encoding", decoded.warning))
    result.lines = len(split_lines(decoded.text))
    return decoded.text


def _base_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower()


# --------------------------------------------------------------------------------------------
# JSON documents: where they start, their records and the line each record starts on
# --------------------------------------------------------------------------------------------

_JSON_START = re.compile(r"^[ \t]*[\[{]", re.MULTILINE)


def _json_start(text: str) -> int | None:
    """Offset of the first line that opens a JSON value (warning lines before it are allowed)."""
    found = _JSON_START.search(text.lstrip("\ufeff"))
    if not found:
        return None
    return found.start() + (len(text) - len(text.lstrip("\ufeff")))


def _elements(text: str, bracket: int) -> Iterator[tuple[int, object]]:
    """``(offset, value)`` of each element of the JSON array opening at ``bracket``; raises
    ``ValueError`` where the array breaks, after yielding what came before."""
    decoder = json.JSONDecoder()
    position = bracket + 1
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n,":
            position += 1
        if position >= length:
            raise ValueError("the array is not closed")
        if text[position] == "]":
            return
        value, end = decoder.raw_decode(text, position)
        yield position, value
        position = end


@dataclass
class _Document:
    """A parsed JSON export: its records with their line numbers, and how it was wrapped."""

    records: list[tuple[int, object]] = field(default_factory=list)
    wrapper: str = ""  # "", "value", "records", "jsonl", "object"
    broken: str | None = None
    empty: bool = False


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read_json(text: str) -> _Document:
    """Every record of a JSON export: an array, ``{"value": [...]}``, ``{"records": [...]}``, a
    lone object, or JSON Lines. A broken document keeps the records read before the break."""
    document = _Document()
    start = _json_start(text)
    if start is None:
        document.broken = "no JSON value found"
        return document
    body = text[start:]
    if body.count("[") + body.count("{") > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
        # no salvage either: every record of it would be as deep
        document.broken = f"JSON nested more than {MAX_JSON_DEPTH} levels deep; not read"
        return document
    try:
        top = load_json(body)
    except ValueError as error:
        lines = [(number, line) for number, line in enumerate(split_lines(text), 1) if line.strip()]
        jsonl: list[tuple[int, object]] = []
        first_line = _line_of(text, start)
        for number, line in lines:
            if number < first_line:
                continue
            try:
                jsonl.append((number, load_json(line)))
            except ValueError:
                jsonl = []
                break
        if len(jsonl) > 1:
            document.records, document.wrapper = jsonl, "jsonl"
            return document
        document.broken = f"not valid JSON ({error})"
        if body.lstrip().startswith("["):
            bracket = start + body.index("[")
            try:
                for offset, value in _elements(text, bracket):
                    document.records.append((_line_of(text, offset), value))
            except ValueError:
                pass
        return document
    if isinstance(top, list):
        bracket = start + body.index("[")
        document.records = [(_line_of(text, offset), value) for offset, value in _elements(text, bracket)]
        document.empty = not document.records
        return document
    if isinstance(top, dict):
        for wrapper in ("value", "records"):
            inner = next((v for k, v in top.items() if str(k).lower() == wrapper), None)
            if isinstance(inner, list) and (inner or len(top) <= 3):
                found = re.search(r'"' + wrapper + r'"\s*:\s*\[', body, re.IGNORECASE)
                if found:
                    bracket = start + found.end() - 1
                    document.records = [(_line_of(text, offset), value) for offset, value in _elements(text, bracket)]
                else:
                    document.records = [(_line_of(text, start), value) for value in inner]
                document.wrapper = wrapper
                document.empty = not document.records
                return document
        document.records = [(_line_of(text, start), top)]
        document.wrapper = "object"
    return document


# --------------------------------------------------------------------------------------------
# What a JSON record is
# --------------------------------------------------------------------------------------------


def record_kind(obj: object) -> str | None:
    """The export kind of one (key-folded) JSON record, or None when it is none of ours."""
    if not isinstance(obj, dict):
        return None
    kind_type = str(_pick(obj, "type") or "").lower()
    record_id = str(obj.get("id") or obj.get("lockid") or obj.get("resourceid") or "").lower()
    if "eventtimestamp" in obj or ("operationname" in obj and ("correlationid" in obj or "resulttype" in obj)):
        return "activity"
    if "error" in obj and isinstance(obj["error"], dict) and "code" in obj["error"]:
        return "portal"
    if kind_type.endswith("authorization/locks") or "/providers/microsoft.authorization/locks/" in record_id:
        return "lock"
    if "restorepointcollections" in kind_type or ("/restorepointcollections/" in record_id and "restorepoints" in obj):
        return "restorepoint"
    if kind_type == "microsoft.keyvault/vaults" or _pick(obj, "accesspolicies", "enablerbacauthorization", "vaulturi") is not None:
        return "keyvault"
    if "roledefinitionname" in obj or ("roledefinitionid" in obj and "principalid" in obj):
        return "keyvault"
    if "serviceprincipalnames" in obj or ("appid" in obj and "displayname" in obj and "serviceprincipaltype" in obj):
        return "keyvault"
    if "protecteditems" in kind_type or _pick(obj, "protectionstate", "protecteditemtype") is not None:
        return "item"
    if "backupjobs" in kind_type or _pick(obj, "jobtype", "entityfriendlyname", "jobfailurecode", "jobuniqueid") is not None:
        return "job"
    if "jobid" in obj and ("workloadname" in obj or "operation" in obj):
        return "job"
    if kind_type in ("microsoft.compute/virtualmachines", "microsoft.compute/disks"):
        return "vm"
    if _pick(obj, "instanceview", "storageprofile", "vmagent", "disksizegb", "powerstate") is not None:
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
    name = re.sub(r"[._]", " ", _base_name(path))
    for kind, pattern in _NAME_HINTS:
        if pattern.search(name):
            return kind
    return None


@functools.lru_cache(maxsize=64)
def _head_json_kinds(head: bytes) -> tuple[bool, frozenset[str]]:
    """Whether ``head`` opens a JSON value, and which kinds' fingerprints it shows.

    Every JSON kind's claim asks this of the same head, so the answer is cached.
    """
    if looks_binary(head):
        return False, frozenset()
    text = decode(head).text
    start = _json_start(text)
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


def _json_claim(kind: str):
    def claim(path: str, head: bytes) -> int:
        is_json, kinds = _head_json_kinds(head)
        if not is_json:
            return 0
        by_name = _name_kind(path) == kind
        primary = next((k for k in _KIND_PRIORITY if k in kinds), None)
        if primary == kind:
            return BY_NAME_AND_CONTENT if by_name or _base_name(path).endswith((".json", ".txt", ".jsonl")) else BY_CONTENT
        if by_name and not kinds:
            return BY_NAME
        return 0

    claim.__doc__ = f"A JSON export whose head shows the {kind} fingerprints (or an empty one named for it)."
    return claim


def _parse_json_export(kind_hint: str):
    def parse(data: bytes, context: ParseContext) -> ParseResult:
        result = ParseResult(source=_SOURCE_OF_KIND[kind_hint])
        text = _read_text(data, context, result)
        if text is None:
            return result
        document = _read_json(text)
        masked = [(line, _fold(_mask_json(value))) for line, value in document.records]
        kinds = Counter(k for k in (record_kind(obj) for _, obj in masked) if k)
        kind = kinds.most_common(1)[0][0] if kinds else (kind_hint if document.empty or not masked else None)
        if kind is None:
            kind = kind_hint
        result.source = _SOURCE_OF_KIND[kind]
        fmt = _json_format(text, masked, document)
        records = _build_records(masked, kind, fmt)
        summary = _Record(
            line=1,
            message=f"{_EXPORT_TITLES[kind]} ({fmt}): {len(masked)} record(s)" + _summary_suffix(kind, records),
            fields={"kind": "export", "export": kind, "format": fmt, "count": str(len(masked))},
            component=_EXPORT_TITLES[kind],
        )
        if document.broken:
            result.problems.append(Problem(context.file, "malformed", f"{_EXPORT_TITLES[kind]}: {document.broken}; {len(masked)} record(s) read before the break"))
            _all_unparsed(result)
            summary.fields["broken"] = "true"
            for record in [summary, *records]:
                record.span = 0
                _add(result, record)
            return result
        summary.span = result.lines
        for record in [summary, *records]:
            _add(result, record)
        return result

    parse.__name__ = f"parse_{kind_hint}_json"
    parse.__doc__ = f"Parse a JSON export (the {kind_hint} kind expected; the records decide)."
    return parse


def _json_format(text: str, records: list[tuple[int, object]], document: _Document) -> str:
    """az-cli, rest, powershell, jsonl or records, from the document's look."""
    if document.wrapper == "jsonl":
        return "jsonl"
    if document.wrapper == "records":
        return "records"
    raw_keys = re.findall(r'"([A-Za-z][A-Za-z0-9]*)"\s*:', text[:4096])
    if raw_keys and sum(1 for k in raw_keys if k[0].isupper()) > len(raw_keys) * 0.6:
        return "powershell"
    if document.wrapper == "value" or re.search(r'"properties"\s*:\s*\{', text[:20000]) and '"resourceGroup"' not in text[:20000]:
        return "rest"
    return "az-cli"


_EXPORT_TITLES = {
    "job": "backup jobs",
    "portal": "portal job error",
    "item": "protected items",
    "vm": "VM view",
    "lock": "management locks",
    "restorepoint": "restore-point collections",
    "keyvault": "key vault access",
    "activity": "activity log",
}


def _summary_suffix(kind: str, records: list[_Record]) -> str:
    if kind == "job":
        failed = sum(1 for r in records if r.fields.get("kind") == "job" and r.fields.get("status", "").lower() == "failed")
        overlaps = sum(1 for r in records if r.fields.get("kind") == "job_overlap")
        return f", {failed} failed, {overlaps} overlap(s)"
    if kind == "lock":
        return f", {sum(1 for r in records if r.fields.get('kind') == 'lock')} lock(s)"
    return ""


# --------------------------------------------------------------------------------------------
# Backup jobs
# --------------------------------------------------------------------------------------------


@dataclass
class _Job:
    line: int
    fields: dict[str, str]
    start: Moment | None = None
    end: Moment | None = None
    duration: float | None = None


_OPEN_STATUSES = ("inprogress", "cancelling", "in progress", "running")


def _job_fields(obj: dict, fmt: str) -> tuple[dict[str, str], Moment | None, Moment | None, float | None]:
    """The fields of one job record (az, REST, PowerShell or Log Analytics), with its times."""
    job_id = _str(_pick(obj, "jobid", "jobuniqueid", "jobuniqueid_g")) or _str(obj.get("name"))
    vault = _match_group(_VAULT_IN_ID, _str(obj.get("id")))
    fields: dict[str, str | None] = {
        "kind": "job",
        "format": fmt,
        "job_id": job_id,
        "operation": _str(_pick(obj, "operation", "joboperation", "joboperation_s")),
        "status": _str(_pick(obj, "status", "jobstatus", "jobstatus_s")),
        "item": _str(_pick(obj, "entityfriendlyname", "workloadname", "backupitemfriendlyname", "datasourcefriendlyname")),
        "container": _str(_pick(obj, "containername")),
        "vault": vault,
        "backup_management_type": _str(_pick(obj, "backupmanagementtype", "backupmanagementtype_s")),
        "job_type": _str(_pick(obj, "jobtype")),
        "user_triggered": _str(_pick(obj, "isusertriggered")),
    }
    adhoc = _str(_pick(obj, "adhocorscheduledjob", "adhocorscheduledjob_s"))
    if adhoc and not fields["user_triggered"]:
        fields["user_triggered"] = "true" if adhoc.lower().startswith("adhoc") else "false"
    start = parse_time(_pick(obj, "starttime", "jobstartdatetime", "jobstartdatetime_s"))
    end = parse_time(_pick(obj, "endtime"))
    raw_duration = _pick(obj, "duration", "jobdurationinsecs", "jobdurationinsecs_s")
    duration = parse_duration(raw_duration)
    if isinstance(raw_duration, str) and raw_duration.strip().replace(".", "", 1).isdigit():
        duration = float(raw_duration)
    fields["duration"] = _str(raw_duration) if not isinstance(raw_duration, dict) else _seconds_text(duration)
    fields["duration_s"] = _seconds_text(duration)
    if end is None and start is not None and duration is not None and (fields["status"] or "").lower() not in _OPEN_STATUSES:
        end = Moment(start.time + timedelta(seconds=duration), start.local)
    fields["start"] = start.iso() if start else None
    fields["end"] = end.iso() if end else None

    extended = _dict(_pick(obj, "extendedinfo"))
    texts: list[str] = []
    errors = _list(_pick(obj, "errordetails"))
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
        message = _str(error.get("errorstring")) or _str(error.get("errormessage"))
        title = _str(error.get("errortitle"))
        if message:
            texts.append(message)
            fields["error_message"] = fields.get("error_message") or message
        if title:
            texts.append(title)
        recommendations = [r for r in (_str(x) for x in _list(error.get("recommendations"))) if r]
        if isinstance(error.get("recommendations"), str):
            recommendations = [_str(error["recommendations"]) or ""]
        if recommendations:
            texts.extend(recommendations)
            fields["recommendation"] = fields.get("recommendation") or " ".join(recommendations)
    dynamic = _str(extended.get("dynamicerrormessage")) or _str(_pick(obj, "dynamicerrormessage"))
    if dynamic:
        texts.append(dynamic)
        fields["dynamic_error_message"] = dynamic
    failure_code = _str(_pick(obj, "jobfailurecode", "jobfailurecode_s"))
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
    inner = _INNER_CODE.search("\n".join(texts))
    if inner:
        fields["inner_code"] = inner.group(1)
    tasks = _list(extended.get("taskslist")) or _list(_pick(obj, "subtasks"))
    for task in tasks:
        if isinstance(task, dict) and str(task.get("status") or "").lower() == "failed":
            fields["failed_task"] = _str(task.get("taskid")) or _str(task.get("name"))
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


def _overlaps(jobs: list[_Job], limit: int = 50) -> list[_Record]:
    """``job_overlap`` records: jobs of one item whose run times overlap (the later one named
    first). A job without an end that is still running is open-ended."""
    by_item: dict[str, list[_Job]] = {}
    for job in jobs:
        key = _item_key(job.fields)
        if key and job.start is not None:
            by_item.setdefault(key, []).append(job)
    records: list[_Record] = []
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
                elif status in _OPEN_STATUSES or not status:
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
                records.append(_Record(later.line, message, {k: v for k, v in fields.items() if v}, later.start, "warning", "backup job"))
                if len(records) >= limit:
                    return records
    return records


def _jobs_to_records(jobs: list[_Job]) -> list[_Record]:
    records = [
        _Record(job.line, _job_message(job.fields), job.fields, job.start, _job_level(job.fields.get("status", "")), "backup job")
        for job in jobs
    ]
    return records + _overlaps(jobs)


def _build_jobs(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    jobs = []
    for line, obj in records:
        if record_kind(obj) == "job":
            fields, start, end, duration = _job_fields(obj, fmt)
            jobs.append(_Job(line, fields, start, end, duration))
    return _jobs_to_records(jobs)


# --------------------------------------------------------------------------------------------
# Portal: the job error pane text, and operation results with a string code
# --------------------------------------------------------------------------------------------

#: pane labels per meaning and language (lower-case, typographic apostrophes allowed)
_PANE_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "code": {
        "en": ("error code", "errorcode", "failure code", "code"),
        "sv": ("felkod",),
        "de": ("fehlercode",),
        "es": ("código de error", "codigo de error"),
        "fr": ("code d'erreur", "code d’erreur", "code de l'erreur"),
        "pt": ("código de erro", "codigo de erro"),
    },
    "message": {
        "en": ("error message", "message", "error details", "detailednonlocalisedmessage", "detailed non localised message"),
        "sv": ("felmeddelande", "fel meddelande"),
        "de": ("fehlermeldung",),
        "es": ("mensaje de error",),
        "fr": ("message d'erreur", "message d’erreur"),
        "pt": ("mensagem de erro",),
    },
    "recommendation": {
        "en": ("recommended action", "recommended actions", "recommendations", "recommendation"),
        "sv": ("rekommenderad åtgärd", "rekommenderade åtgärder"),
        "de": ("empfohlene aktion", "empfohlene maßnahme", "empfohlene aktionen"),
        "es": ("acción recomendada", "accion recomendada", "acciones recomendadas"),
        "fr": ("action recommandée", "actions recommandées"),
        "pt": ("ação recomendada", "acao recomendada"),
    },
    "start": {
        "en": ("start time", "started"),
        "sv": ("starttid",),
        "de": ("startzeit",),
        "es": ("hora de inicio",),
        "fr": ("heure de début",),
        "pt": ("hora de início",),
    },
    "item": {
        "en": ("backup item", "item name", "vm name", "backup instance", "workload name"),
        "sv": ("säkerhetskopieringsobjekt",),
        "de": ("sicherungselement",),
        "es": ("elemento de copia de seguridad",),
    },
    "job_id": {"en": ("job id", "activity id"), "sv": ("jobb-id",), "de": ("auftrags-id",), "es": ("id. de trabajo", "id de trabajo")},
}
_LABEL_INDEX: dict[str, tuple[str, str]] = {
    label: (meaning, lang) for meaning, per_lang in _PANE_LABELS.items() for lang, labels in per_lang.items() for label in labels
}
_LABEL_ALTERNATIVES = "|".join(re.escape(label) for label in sorted(_LABEL_INDEX, key=len, reverse=True))
#: ``**Label** : value``, ``Label | value``, ``| Label | value |``, ``Label<TAB>value``, or a label alone
_LABEL_LINE = re.compile(
    r"^\s*\|?\s*(?:\*\*|__)?\s*(" + _LABEL_ALTERNATIVES + r")\s*(?:\*\*|__)?\s*(?:(?:[:：|\t=]|\s{2,})\s*(.*?)|)\s*\|?\s*$",
    re.IGNORECASE,
)
_CODE_LABEL_HEAD = re.compile(
    r"(?im)^[^\S\n]*+\|?[^\S\n]*+(?:\*\*)?[^\S\n]*+(error\s?code|felkod|fehlercode|c[oó]digo de (error|erro)|code d['’]erreur|kod błędu|kód chyby|오류 코드)\b"
)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _label_of(line: str) -> tuple[str, str, str | None] | None:
    """``(meaning, lang, value or None)`` when ``line`` starts with a pane label."""
    found = _LABEL_LINE.match(line)
    if not found:
        return None
    label = found.group(1).lower()
    meaning, lang = _LABEL_INDEX.get(label, (None, None))
    if meaning is None:
        return None
    value = found.group(2)
    if value is not None:
        value = value.strip().strip("|").strip().strip("*").strip()
    if meaning == "code" and label == "code" and not value:
        return None
    return meaning, lang, value or None


def claim_portal_text(path: str, head: bytes) -> int:
    """Text with an error-code label (any known UI language), or a documented code near an
    error word; never JSON or CSV exports of other kinds."""
    if looks_binary(head):
        return 0
    text = decode(head).text
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[", "<")):
        return 0
    content = bool(_CODE_LABEL_HEAD.search(text)) and bool(_code_in(text) or re.search(r"(?im)(error\s?code|felkod|fehlercode|c[oó]digo)\s*[:|\t]\s*\S", text))
    if not content and len(split_lines(text)) <= 15:
        # a short note naming exactly one documented code next to an error word
        named = {found.lower() for found in _KNOWN_CODE_TOKEN.findall(text)}
        content = len(named) == 1 and bool(re.search(r"(?i)\b(error|fel|fehler|errore|erreur)\b", text))
    if not content:
        return 0
    return BY_NAME_AND_CONTENT if _base_name(path).endswith((".txt", ".md", ".log")) else BY_CONTENT


@dataclass
class _Block:
    first: int
    label_line: int
    values: dict[str, list[str]] = field(default_factory=dict)
    langs: Counter = field(default_factory=Counter)
    last_meaning: str | None = None


def _portal_blocks(lines: list[str]) -> list[_Block]:
    """Split the pasted text into error blocks: a block starts at each error-code label (the
    lines before the first one belong to it)."""
    blocks: list[_Block] = []
    current = _Block(1, 1)
    pending_label: str | None = None
    for number, line in enumerate(lines, 1):
        if _TABLE_RULE.match(line):
            continue
        label = _label_of(line)
        if label:
            meaning, lang, value = label
            if meaning == "code" and "code" in current.values:
                blocks.append(current)
                current = _Block(number, number)
            if meaning == "code":
                current.label_line = number
            current.langs[lang] += 1
            current.last_meaning = meaning
            current.values.setdefault(meaning, [])
            if value:
                current.values[meaning].append(value)
                pending_label = None
            else:
                pending_label = meaning
            continue
        text = line.strip().strip("|").strip()
        if not text:
            if not pending_label:
                current.last_meaning = None  # a blank line ends a wrapped value
            continue
        if current.last_meaning is None:
            continue
        target = pending_label or current.last_meaning
        current.values.setdefault(target, []).append(text)
        pending_label = None
    blocks.append(current)
    return blocks


def _language(block: _Block) -> str | None:
    votes = Counter({lang: n for lang, n in block.langs.items() if lang != "en"})
    if votes:
        return votes.most_common(1)[0][0]
    return "en" if block.langs else None


def parse_portal_text(data: bytes, context: ParseContext) -> ParseResult:
    """Read the job error text pasted from the portal: one ``portal_error`` event per error
    block with ``reported_code``, message, recommended action and the label language."""
    result = ParseResult(source=SOURCE_PORTAL)
    text = _read_text(data, context, result)
    if text is None:
        return result
    lines = split_lines(text)
    blocks = _portal_blocks(lines)
    bounds = [b.first for b in blocks[1:]] + [len(lines) + 1]
    records = []
    for block, end in zip(blocks, bounds):
        span = end - block.first
        raw_code = " ".join(block.values.get("code", []))
        message = " ".join(block.values.get("message", []))
        recommendation = " ".join(block.values.get("recommendation", []))
        token = re.search(r"[A-Za-z][A-Za-z0-9_]{3,}", raw_code or "")
        code = canonical_code(token.group(0)) if token else None
        body = "\n".join(lines[block.first - 1 : end - 1])
        basis = "name"
        lang = _language(block)
        if not code or (code not in _CANONICAL.values() and not code.startswith("UserError")):
            named = _code_in(body)
            if named:
                code = named
            elif not code:
                decided = code_from_text(message, recommendation, body)
                if decided:
                    code, basis, lang = decided[0], decided[1], decided[2] or lang
        fields: dict[str, str | None] = {
            "kind": "portal_error",
            "format": "portal-text",
            "reported_code": code,
            "code": code,
            "code_basis": basis if code else None,
            "code_as_written": token.group(0) if token and code and token.group(0) != code else None,
            "lang": lang,
            "error_message": message or None,
            "recommendation": recommendation or None,
            "item": " ".join(block.values.get("item", [])) or None,
            "job_id": " ".join(block.values.get("job_id", [])) or None,
        }
        inner = _INNER_CODE.search(message + "\n" + recommendation)
        if inner:
            fields["inner_code"] = inner.group(1)
        started = parse_time(" ".join(block.values.get("start", [])), assume_utc=False)
        summary = f"portal job error: {code or 'no code'}" + (f": {message}" if message else "")
        records.append(_Record(block.label_line, summary, {k: v for k, v in fields.items() if v}, started, "error", "portal", span))
    for record in records:
        _add(result, record)
    return result


def _build_operation_errors(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    """Operation results that failed with a string code (``{"error": {"code": ...}}``)."""
    out = []
    for line, obj in records:
        error = _dict(_dict(obj).get("error"))
        raw = _str(error.get("code"))
        if not raw:
            continue
        message = _str(error.get("message")) or ""
        code = _code_in(raw) or canonical_code(raw)
        fields = {
            "kind": "portal_error",
            "format": "operation-result",
            "reported_code": code,
            "code": code,
            "code_basis": "name",
            "code_as_written": raw if raw != code else None,
            "error_message": message or None,
            "status": _str(_dict(obj).get("status")),
        }
        inner = _INNER_CODE.search(message)
        if inner:
            fields["inner_code"] = inner.group(1)
        moment = parse_time(_dict(obj).get("endtime")) or parse_time(_dict(obj).get("starttime"))
        out.append(_Record(line, f"operation failed: {code}: {message}", {k: v for k, v in fields.items() if v}, moment, "error", "portal"))
    return out


# --------------------------------------------------------------------------------------------
# Protected items
# --------------------------------------------------------------------------------------------

_STOPPED_STATES = ("protectionstopped", "protectionpaused", "backupssuspended")


def _item_record(line: int, obj: dict, fmt: str) -> _Record:
    name = _str(obj.get("name"))
    container = _str(_pick(obj, "containername"))
    friendly = _str(_pick(obj, "friendlyname")) or (name.split(";")[-1] if name and ";" in name else None)
    policy_id = _pick(obj, "policyid")
    policy = _str(_pick(obj, "policyname", "protectionpolicyname")) or _last_segment(_str(policy_id))
    if policy_id is not None and _str(policy_id) == "" and not _str(_pick(obj, "policyname")):
        policy = "none"
    state = _str(_pick(obj, "protectionstate"))
    extended = _dict(_pick(obj, "extendedinfo"))
    deferred = _str(_pick(obj, "isscheduledfordeferreddelete"))
    delete_state = _str(_pick(obj, "deletestate"))
    if delete_state and delete_state.lower() == "tobedeleted":
        deferred = "true"
    last_backup = parse_time(_pick(obj, "lastbackuptime"))
    fields = {
        "kind": "item",
        "format": fmt,
        "item": friendly,
        "vm": friendly,
        "container": container or (";".join(name.split(";")[1:]) if name and name.lower().startswith("vm;") else None),
        "vault": _match_group(_VAULT_IN_ID, _str(obj.get("id"))),
        "protection_state": state,
        "protection_status": _str(_pick(obj, "protectionstatus")),
        "health_status": _str(_pick(obj, "healthstatus")),
        "last_backup_status": _str(_pick(obj, "lastbackupstatus")),
        "last_backup_time": last_backup.iso() if last_backup else None,
        "policy": policy,
        "deferred_delete": deferred,
        "recovery_points": _str(extended.get("recoverypointcount")),
    }
    health = [d for d in _list(_pick(obj, "healthdetails")) if isinstance(d, dict)]
    if health:
        fields["error_message"] = _str(health[0].get("message"))
    level = "warning" if (state or "").lower() in _STOPPED_STATES or deferred == "true" else "info"
    message = f"protected item {friendly or name or '?'}: protection state {state or '?'}, last backup {fields['last_backup_status'] or '?'}"
    if policy:
        message += f", policy {policy}"
    return _Record(line, message, {k: v for k, v in fields.items() if v}, None, level, "protected item")


def _build_items(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    return [_item_record(line, obj, fmt) for line, obj in records if record_kind(obj) == "item"]


# --------------------------------------------------------------------------------------------
# VM model, instance view and disks
# --------------------------------------------------------------------------------------------

_ADE_TYPE = re.compile(r"AzureDiskEncryption", re.IGNORECASE)
_POWER_WORDS = {"vm running": "running", "vm deallocated": "deallocated", "vm stopped": "stopped", "vm starting": "starting",
                "vm stopping": "stopping", "vm deallocating": "deallocating"}
_PS_LEVELS = {0: "Info", 1: "Warning", 2: "Error"}


def _status_parts(status: dict) -> dict[str, str | None]:
    level = status.get("level")
    if isinstance(level, int) and not isinstance(level, bool):
        level = _PS_LEVELS.get(level, str(level))
    return {
        "code": _str(status.get("code")),
        "level": _str(level),
        "display": _str(status.get("displaystatus")),
        "message": _str(status.get("message")),
    }


def _status_failed(parts: dict[str, str | None]) -> bool:
    code = (parts.get("code") or "").lower()
    return "/failed" in code or (parts.get("level") or "").lower() == "error" or (parts.get("display") or "").lower() == "provisioning failed"


def _vm_records(line: int, obj: dict, fmt: str) -> list[_Record]:
    kind_type = str(_pick(obj, "type") or "").lower()
    if kind_type == "microsoft.compute/disks" or ("disksizegb" in obj and "storageprofile" not in obj and "instanceview" not in obj and "vmagent" not in obj):
        return [_disk_show_record(line, obj, fmt)]
    view = _dict(_pick(obj, "instanceview"))
    if not view and ("vmagent" in obj or "statuses" in obj):
        view = obj
    name = _str(obj.get("name")) or _str(view.get("computername")) or _str(obj.get("computername"))
    storage = _dict(_pick(obj, "storageprofile"))
    os_disk = _dict(storage.get("osdisk"))
    os_type = _str(os_disk.get("ostype")) or _str(view.get("ostype")) or _str(_pick(obj, "ostype"))
    statuses = [_status_parts(s) for s in _list(view.get("statuses")) if isinstance(s, dict)]
    power = None
    vm_status = None
    latest: Moment | None = None
    for status in _list(view.get("statuses")):
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
    display_power = _str(_pick(obj, "powerstate"))
    if power is None and display_power:
        power = _POWER_WORDS.get(display_power.lower(), display_power.lower().removeprefix("vm ").strip())
    extensions = [e for e in _list(view.get("extensions")) if isinstance(e, dict)]
    resources = [e for e in _list(obj.get("resources")) if isinstance(e, dict)]
    agent = _dict(view.get("vmagent"))
    handlers = [h for h in _list(agent.get("extensionhandlers")) if isinstance(h, dict)]
    ade = any(_ADE_TYPE.search(str(e.get("type") or e.get("name") or _pick(e, "type") or "")) for e in extensions + resources + handlers)
    ade = ade or _dict(os_disk.get("encryptionsettings")).get("enabled") is True
    view_disks = [d for d in _list(view.get("disks")) if isinstance(d, dict)]
    encrypted_disks = {
        str(d.get("name") or "").lower()
        for d in view_disks
        if any(isinstance(s, dict) and s.get("enabled") is not False for s in _list(d.get("encryptionsettings")))
    }
    ade = ade or bool(encrypted_disks)
    provisioning = _str(_pick(obj, "provisioningstate"))
    agent_version = _str(agent.get("vmagentversion"))
    records: list[_Record] = []
    summary_fields = {
        "kind": "vm",
        "format": fmt,
        "vm": name,
        "resource_group": _str(obj.get("resourcegroup")) or _match_group(_RG_IN_ID, _str(obj.get("id"))),
        "provisioning_state": provisioning,
        "vm_status_code": vm_status,
        "power_state": power,
        "os_type": os_type,
        "agent_version": agent_version,
        "ade": "true" if ade else "false",
    }
    level = "error" if (provisioning or "").lower() == "failed" or "/failed" in (vm_status or "").lower() else "info"
    message = f"VM {name or '?'}: provisioning {provisioning or vm_status or '?'}, power {power or '?'}"
    records.append(_Record(line, message, {k: v for k, v in summary_fields.items() if v}, latest, level, "vm"))
    if agent:
        agent_statuses = [s for s in _list(agent.get("statuses")) if isinstance(s, dict)]
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
        records.append(_Record(line, message, {k: v for k, v in fields.items() if v}, moment, agent_level, "vm agent"))
    for handler in handlers:
        status = _dict(handler.get("status"))
        parts = _status_parts(status)
        fields = {
            "kind": "vm_handler",
            "vm": name,
            "handler": _str(handler.get("type")),
            "handler_version": _str(handler.get("typehandlerversion")),
            "status_code": parts.get("code"),
            "status_level": parts.get("level"),
            "display_status": parts.get("display"),
            "failed": "true" if _status_failed(parts) or (parts.get("display") or "").lower() == "notready" else "false",
        }
        message = f"extension handler {fields['handler'] or '?'} {fields['handler_version'] or ''}: {parts.get('display') or parts.get('code') or '?'}"
        if parts.get("message"):
            message += f": {parts['message']}"
        records.append(_Record(line, message, {k: v for k, v in fields.items() if v}, parse_time(status.get("time")), "warning" if fields["failed"] == "true" else "info", fields["handler"]))
    for extension in extensions:
        ext_statuses = [s for s in _list(extension.get("statuses")) if isinstance(s, dict)]
        parts = _status_parts(ext_statuses[0]) if ext_statuses else {"code": None, "level": None, "display": None, "message": None}
        failed = any(_status_failed(_status_parts(s)) for s in ext_statuses)
        fields = {
            "kind": "vm_extension",
            "vm": name,
            "extension": _str(extension.get("name")),
            "extension_type": _str(extension.get("type")),
            "handler_version": _str(extension.get("typehandlerversion")),
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
        records.append(_Record(line, message, {k: v for k, v in fields.items() if v}, moment or latest, "error" if failed else "info", fields["extension_type"] or fields["extension"]))
    disks = ([("os", os_disk)] if os_disk else []) + [("data", d) for d in _list(storage.get("datadisks")) if isinstance(d, dict)]
    for role, disk in disks:
        disk_name = _str(disk.get("name")) or _last_segment(_str(_dict(disk.get("manageddisk")).get("id")))
        size = disk.get("disksizegb")
        if size is None and isinstance(disk.get("disksizebytes"), (int, float)):
            size = disk["disksizebytes"] / 2**30
        per_disk = (disk_name or "").lower() in encrypted_disks or _dict(disk.get("encryptionsettings")).get("enabled") is True
        encrypted = "ade" if per_disk or (ade and not encrypted_disks) else ("sse" if _dict(disk.get("manageddisk")).get("diskencryptionset") else "none")
        fields = {
            "kind": "vm_disk",
            "vm": name,
            "disk": disk_name,
            "disk_role": role,
            "lun": _str(disk.get("lun")),
            "size_gb": _str(size if not isinstance(size, float) else round(size, 1)),
            "encrypted": encrypted,
            "to_be_detached": _str(disk.get("tobedetached")),
        }
        message = f"{role} disk {disk_name or '?'} of {name or '?'}: {fields['size_gb'] or '?'} GiB, encryption {encrypted}"
        records.append(_Record(line, message, {k: v for k, v in fields.items() if v}, latest, "info", "vm disk"))
    return records


def _disk_show_record(line: int, obj: dict, fmt: str) -> _Record:
    """``az disk show``: one managed disk with its size and encryption settings."""
    size = _pick(obj, "disksizegb")
    if size is None and isinstance(_pick(obj, "disksizebytes"), (int, float)):
        size = _pick(obj, "disksizebytes") / 2**30
    collection = _dict(_pick(obj, "encryptionsettingscollection"))
    encryption = _dict(_pick(obj, "encryption"))
    encrypted = "ade" if collection.get("enabled") is True else ("sse" if encryption else "none")
    name = _str(obj.get("name"))
    fields = {
        "kind": "vm_disk",
        "format": fmt,
        "disk": name,
        "disk_role": "os" if _pick(obj, "ostype") else "data",
        "vm": _last_segment(_str(_pick(obj, "managedby"))),
        "size_gb": _str(size if not isinstance(size, float) else round(size, 1)),
        "encrypted": encrypted,
        "encryption_type": _str(encryption.get("type")),
    }
    return _Record(line, f"managed disk {name or '?'}: {fields['size_gb'] or '?'} GiB, encryption {encrypted}",
                   {k: v for k, v in fields.items() if v}, None, "info", "vm disk")


def _build_vm(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    return [record for line, obj in records if record_kind(obj) == "vm" for record in _vm_records(line, obj, fmt)]


# --------------------------------------------------------------------------------------------
# Locks
# --------------------------------------------------------------------------------------------

_BACKUP_RG = re.compile(r"^AzureBackupRG_[A-Za-z0-9]+_\d+$", re.IGNORECASE)
_LOCK_SUFFIX = re.compile(r"/providers/Microsoft\.Authorization/locks/[^/]+/?$", re.IGNORECASE)


def lock_scope(lock_id: str) -> dict[str, str]:
    """What a lock's id says about its scope: subscription, resource group or resource, and
    whether that scope holds Azure Backup's restore points."""
    scope = _LOCK_SUFFIX.sub("", lock_id or "")
    group = _match_group(_RG_IN_ID, scope)
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
        facts["covers_restore_points"] = "rp-group" if _BACKUP_RG.match(group) else "other-group"
    elif _match_group(_SUB_IN_ID, scope):
        facts["scope_kind"] = "subscription"
        facts["covers_restore_points"] = "subscription"
    if group:
        facts["resource_group"] = group
    return facts


def _build_locks(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    out = []
    for line, obj in records:
        if not isinstance(obj, dict):
            continue
        lock_id = _str(obj.get("id")) or _str(obj.get("lockid")) or _str(obj.get("resourceid")) or ""
        name = _str(obj.get("name")) or _last_segment(lock_id)
        level = _str(_pick(obj, "level"))
        facts = lock_scope(lock_id)
        if not facts.get("resource_group") and _str(obj.get("resourcegroupname")):
            facts["resource_group"] = _str(obj.get("resourcegroupname"))
        fields = {
            "kind": "lock",
            "format": fmt,
            "lock_name": name,
            "level": level,
            "notes": _str(_pick(obj, "notes")),
            **facts,
        }
        where = facts.get("resource_name") or facts.get("resource_group") or "the subscription"
        blocking = (level or "").lower() in ("cannotdelete", "readonly")
        message = f"lock {name or '?'} ({level or '?'}) on {where}"
        if facts.get("covers_restore_points") in ("rp-group", "collection", "subscription") and blocking:
            message += ": it stops Azure Backup from deleting old restore points"
        out.append(_Record(line, message, {k: v for k, v in fields.items() if v}, None, "warning" if blocking else "info", "lock"))
    return out


# --------------------------------------------------------------------------------------------
# Restore-point collections
# --------------------------------------------------------------------------------------------

_COLLECTION_NAME = re.compile(r"^AzureBackup_(.+)_\d+$", re.IGNORECASE)
_RP_IN_ID = re.compile(r"/restorePointCollections/([^/]+)/restorePoints/", re.IGNORECASE)


def _build_restorepoints(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    collections: list[tuple[int, dict, int | None]] = []
    loose: dict[str, tuple[int, int]] = {}
    out: list[_Record] = []
    for line, obj in records:
        if not isinstance(obj, dict):
            continue
        record_id = _str(obj.get("id")) or ""
        parent = _match_group(_RP_IN_ID, record_id)
        if parent and "restorepoints" not in obj:
            first, count = loose.get(parent, (line, 0))
            loose[parent] = (first, count + 1)
            continue
        points = _pick(obj, "restorepoints")
        collections.append((line, obj, len(points) if isinstance(points, list) else None))
    entries = []
    for line, obj, count in collections:
        name = _str(obj.get("name"))
        source = _dict(_pick(obj, "source"))
        source_vm = _last_segment(_str(source.get("id")))
        if not source_vm and name:
            found = _COLLECTION_NAME.match(name)
            source_vm = found.group(1) if found else None
        entries.append((line, name, source_vm, count, _match_group(_RG_IN_ID, _str(obj.get("id"))), _str(_pick(obj, "provisioningstate"))))
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
        out.append(_Record(line, f"restore-point collection {name or '?'}: {shown}{total}", {k: v for k, v in fields.items() if v}, None, level, "restore points"))
    return out


# --------------------------------------------------------------------------------------------
# Key vault, role assignments, the Backup Management Service principal
# --------------------------------------------------------------------------------------------

#: the first-party application Azure Backup acts as (Backup Management Service)
BACKUP_APP_ID = "262044b1-e2ce-469f-a196-69ab7ada62d3"
_BACKUP_SP_NAME = re.compile(r"backup management service", re.IGNORECASE)
_NEEDED = ("get", "list", "backup")
_BACKUP_ROLES = re.compile(r"key vault administrator|owner|key vault crypto|key vault secrets|backup", re.IGNORECASE)


def _words(value: object) -> list[str]:
    return sorted({str(v).strip().lower() for v in _list(value) if isinstance(v, (str, int)) and str(v).strip()})


def _build_keyvault(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    out: list[_Record] = []
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


def _service_principal_record(line: int, obj: dict, fmt: str) -> _Record:
    fields = {
        "kind": "service_principal",
        "format": fmt,
        "principal": _str(obj.get("displayname")),
        "application_id": _str(obj.get("appid")),
        "object_id": _str(obj.get("id")) or _str(obj.get("objectid")),
    }
    return _Record(line, f"service principal {fields['principal'] or '?'}: object id {fields['object_id'] or '?'}",
                   {k: v for k, v in fields.items() if v}, None, "info", "key vault")


def _vault_records(line: int, obj: dict, fmt: str) -> list[_Record]:
    name = _str(obj.get("name"))
    rbac = _pick(obj, "enablerbacauthorization") is True
    policies = [p for p in _list(_pick(obj, "accesspolicies")) if isinstance(p, dict)]
    records = []
    fitting, backup_ids = [], []
    for policy in policies:
        permissions = _dict(policy.get("permissions"))
        keys, secrets = _words(permissions.get("keys")), _words(permissions.get("secrets"))
        fits = all(w in secrets or "all" in secrets for w in _NEEDED) and (not keys or all(w in keys or "all" in keys for w in _NEEDED))
        app = _str(policy.get("applicationid"))
        display = _str(policy.get("displayname")) or _str(policy.get("principalname"))
        is_backup = app == BACKUP_APP_ID or bool(display and _BACKUP_SP_NAME.search(display))
        if fits:
            fitting.append(policy)
        if is_backup:
            backup_ids.append((policy, fits, [w for w in _NEEDED if w not in secrets and "all" not in secrets]))
        fields = {
            "kind": "keyvault_policy",
            "vault_name": name,
            "object_id": _str(policy.get("objectid")),
            "application_id": app,
            "principal": display,
            "keys": ",".join(keys),
            "secrets": ",".join(secrets),
            "fits_backup": "true" if fits else "false",
            "backup_service": "true" if is_backup else None,
        }
        records.append(_Record(line, f"access policy on {name or '?'} for {display or fields['object_id'] or '?'}: keys [{fields['keys']}], secrets [{fields['secrets']}]",
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
        "resource_group": _str(obj.get("resourcegroup")) or _match_group(_RG_IN_ID, _str(obj.get("id"))),
        "rbac": "true" if rbac else "false",
        "enabled_for_disk_encryption": _str(_pick(obj, "enabledfordiskencryption")),
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
    return [_Record(line, f"key vault {name or '?'}: {len(policies)} access polic(ies); {explain}", {k: v for k, v in fields.items() if v}, None, level, "key vault"), *records]


def _role_records(assignments: list[tuple[int, dict]], fmt: str) -> list[_Record]:
    records = []
    backup_roles = []
    vault_scoped = False
    for line, obj in assignments:
        principal = _str(obj.get("principalname")) or _str(obj.get("principaldisplayname")) or _str(obj.get("displayname"))
        role = _str(obj.get("roledefinitionname"))
        scope = _str(obj.get("scope"))
        vault_scoped = vault_scoped or bool(scope and "/microsoft.keyvault/vaults/" in scope.lower())
        is_backup = bool(principal and (principal.lower() == BACKUP_APP_ID or _BACKUP_SP_NAME.search(principal)))
        if is_backup and role and _BACKUP_ROLES.search(role):
            backup_roles.append(role)
        fields = {
            "kind": "role_assignment",
            "format": fmt,
            "principal": principal,
            "principal_type": _str(obj.get("principaltype")),
            "object_id": _str(obj.get("principalid")),
            "role": role,
            "scope": scope,
            "backup_service": "true" if is_backup else None,
        }
        records.append(_Record(line, f"role {role or '?'} for {principal or '?'} on {scope or '?'}", {k: v for k, v in fields.items() if v}, None, "info", "key vault"))
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
    return [_Record(first, message, {k: v for k, v in summary.items() if v}, None, "info" if backup_roles else "warning", "key vault"), *records]


# --------------------------------------------------------------------------------------------
# Activity log
# --------------------------------------------------------------------------------------------

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


def _activity_tag(*texts: str | None) -> str:
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
        text = _str(value)
        if not text:
            return None, None
        try:
            parsed = load_json(text)
        except ValueError:
            found = _INNER_CODE.search(text)
            return (found.group(1) if found else None), text
    parsed = _fold(parsed) if isinstance(parsed, dict) else {}
    error = _dict(parsed.get("error")) or parsed
    code = _str(error.get("code"))
    message = _str(error.get("message"))
    details = [d for d in _list(error.get("details")) if isinstance(d, dict)]
    if details:
        inner = " ".join(f"{_str(d.get('code')) or ''}: {_str(d.get('message')) or ''}" for d in details)
        message = f"{message or ''} [{inner}]".strip()
        code = code or _str(details[0].get("code"))
    return code, message


_RESULT_TYPES = {"failure": "Failed", "success": "Succeeded", "start": "Started"}
_ACTIVITY_LEVELS = {"critical": "error", "error": "error", "warning": "warning", "informational": "info", "information": "info", "verbose": "verbose"}


def _activity_record(line: int, obj: dict, fmt: str) -> _Record:
    operation = _localized(obj.get("operationname"))
    operation_text = _str(_dict(obj.get("operationname")).get("localizedvalue")) if isinstance(obj.get("operationname"), dict) else None
    status = _localized(obj.get("status")) or _str(obj.get("resulttype"))
    status = _RESULT_TYPES.get((status or "").lower(), status)
    sub_status = _localized(obj.get("substatus")) or _str(obj.get("resultsignature"))
    properties = _dict(obj.get("properties"))
    code, error_message = _status_message(properties.get("statusmessage"))
    resource_id = _str(obj.get("resourceid"))
    claims = _dict(_dict(obj.get("identity")).get("claims")) or _dict(obj.get("claims"))
    caller = _str(obj.get("caller"))
    app_id = _str(claims.get("appid"))
    moment = parse_time(obj.get("eventtimestamp")) or parse_time(obj.get("time"))
    fields = {
        "kind": "activity",
        "format": fmt,
        "activity": _activity_tag(operation, operation_text),
        "operation_name": operation,
        "operation_text": operation_text,
        "status": status,
        "sub_status": sub_status,
        "caller": caller,
        "application_id": app_id,
        "backup_service": "true" if app_id == BACKUP_APP_ID or (caller and _BACKUP_SP_NAME.search(caller)) else None,
        "resource_id": resource_id,
        "resource_group": _str(obj.get("resourcegroupname")) or _match_group(_RG_IN_ID, resource_id),
        "correlation_id": _str(obj.get("correlationid")),
        "status_code": _str(properties.get("statuscode")),
        "error_code": code,
        "error_message": error_message,
        "category": _localized(obj.get("category")),
    }
    if resource_id and "/providers/microsoft.authorization/locks/" in resource_id.lower():
        fields.update({k: v for k, v in lock_scope(resource_id).items() if k in ("scope_kind", "covers_restore_points")})
    elif fields["activity"] in ("lock-write", "lock-delete") and fields["resource_group"]:
        fields["covers_restore_points"] = "rp-group" if _BACKUP_RG.match(fields["resource_group"]) else "other-group"
    inner = _INNER_CODE.search(error_message or "")
    if inner and inner.group(1) != code:
        fields["inner_code"] = inner.group(1)
    level = _ACTIVITY_LEVELS.get((_localized(obj.get("level")) or "").lower())
    if level is None:
        level = "error" if (status or "").lower() == "failed" else "info"
    message = f"{operation or '?'} {status or ''}".strip()
    if resource_id:
        message += f" on {resource_id}"
    if code or error_message:
        message += f": {code or ''} {error_message or ''}".rstrip()
    return _Record(line, message, {k: v for k, v in fields.items() if v}, moment, level, "activity log")


def _build_activity(records: list[tuple[int, object]], fmt: str) -> list[_Record]:
    return [_activity_record(line, obj, fmt) for line, obj in records if record_kind(obj) == "activity"]


def _build_records(records: list[tuple[int, object]], main_kind: str, fmt: str) -> list[_Record]:
    """Each record to the builder of its own kind; records of no known kind go to the
    export's main kind (whose builder decides what, if anything, they are)."""
    groups: dict[str, list[tuple[int, object]]] = {}
    for line, obj in records:
        groups.setdefault(record_kind(obj) or main_kind, []).append((line, obj))
    built = [record for kind, group in groups.items() for record in _RECORD_BUILDERS[kind](group, fmt)]
    return sorted(built, key=lambda record: record.line)


_RECORD_BUILDERS = {
    "job": _build_jobs,
    "portal": _build_operation_errors,
    "item": _build_items,
    "vm": _build_vm,
    "lock": _build_locks,
    "restorepoint": _build_restorepoints,
    "keyvault": _build_keyvault,
    "activity": _build_activity,
}


# --------------------------------------------------------------------------------------------
# Text tables: az -o table (tabulate "simple") and PowerShell Format-Table
# --------------------------------------------------------------------------------------------

_DASHES = re.compile(r"^\s*-{2,}(?:\s+-{2,})*\s*$")
_TABLE_JOB_HEADER = re.compile(r"(?i)\boperation\b.*\bstatus\b|\bworkloadname\b")
_TABLE_ITEM_HEADER = re.compile(r"(?i)friendly name|last backup status|protection (status|state)")


def _table_layout(lines: list[str]) -> tuple[int, list[tuple[str, int, int | None]]] | None:
    """``(dash line index, [(header, start, end)])`` of the first table in ``lines``."""
    for index in range(1, min(len(lines), 30)):
        if _DASHES.match(lines[index]) and lines[index - 1].strip():
            dashes = lines[index]
            starts = [m.start() for m in re.finditer(r"-{2,}", dashes)]
            header = lines[index - 1]
            columns = []
            for position, start in enumerate(starts):
                end = starts[position + 1] if position + 1 < len(starts) else None
                columns.append((header[start:end].strip().lower(), start, end))
            if all(name for name, _, _ in columns):
                return index, columns
    return None


def _table_kind(head_text: str) -> str | None:
    layout = _table_layout(split_lines(head_text)[:40])
    if layout is None:
        return None
    header = " ".join(name for name, _, _ in layout[1])
    if _TABLE_ITEM_HEADER.search(header):
        return "item"
    if _TABLE_JOB_HEADER.search(header) and re.search(r"(?i)item name|workloadname|start ?time|jobid|\bname\b", header):
        return "job"
    return None


def _table_claim(kind: str):
    def claim(path: str, head: bytes) -> int:
        if looks_binary(head):
            return 0
        if _table_kind(decode(head).text) != kind:
            return 0
        return BY_NAME_AND_CONTENT if _base_name(path).endswith((".txt", ".table", ".out", ".log")) else BY_CONTENT

    claim.__doc__ = f"A text table (az -o table or PowerShell Format-Table) of {kind}s."
    return claim


_TABLE_JOB_COLUMNS = {
    "name": "job_id", "jobid": "job_id", "job id": "job_id", "operation": "operation", "status": "status",
    "item name": "item", "workloadname": "item", "backup management type": "backup_management_type",
    "start time utc": "start", "starttime": "start", "start time": "start", "endtime": "end", "end time": "end",
    "duration": "duration",
}
_TABLE_ITEM_COLUMNS = {
    "name": "name", "friendly name": "item", "container name": "container", "resource group": "resource_group",
    "type": "workload", "last backup status": "last_backup_status", "last recovery point": "last_recovery_point",
    "protection status": "protection_status", "protection state": "protection_state", "health status": "health_status",
}
_PROTECTION_STATES = ("irpending", "protected", "protectionerror", "protectionstopped", "protectionpaused", "backupssuspended", "invalid")


def _cut_row(line: str, columns: list[tuple[str, int, int | None]], mapping: dict[str, str]) -> dict[str, str]:
    values = {}
    for name, start, end in columns:
        cell = line[start:end].strip() if len(line) > start else ""
        key = mapping.get(name)
        if key and cell:
            values[key] = cell
    return values


def _table_job(number: int, values: dict[str, str], fmt: str, utc: bool) -> _Job:
    start = parse_time(values.get("start"), assume_utc=utc)
    end = parse_time(values.get("end"), assume_utc=utc)
    duration = parse_duration(values.get("duration"))
    if values.get("status", "").lower() in _OPEN_STATUSES:
        end = None
    elif end is None and start and duration is not None:
        end = Moment(start.time + timedelta(seconds=duration), start.local)
    fields = {
        "kind": "job",
        "format": fmt,
        **{k: v for k, v in values.items() if k not in ("start", "end")},
        "start": start.iso() if start else values.get("start"),
        "end": end.iso() if end else None,
        "duration_s": _seconds_text(duration),
    }
    return _Job(number, {k: _clean(v) for k, v in fields.items() if v}, start, end, duration)


def _table_item(number: int, values: dict[str, str], fmt: str) -> _Record:
    item = {"kind": "item", "format": fmt, **values}
    if (values.get("protection_status") or "").lower() in _PROTECTION_STATES and not values.get("protection_state"):
        item["protection_state"] = values["protection_status"]
    if values.get("item"):
        item["vm"] = values["item"]
    state = (item.get("protection_state") or "").lower()
    message = (
        f"protected item {values.get('item') or values.get('name') or '?'}: "
        f"{values.get('protection_status') or values.get('protection_state') or '?'}, last backup {values.get('last_backup_status') or '?'}"
    )
    return _Record(number, message, item, None, "warning" if state in _STOPPED_STATES else "info", "protected item")


def _parse_table(kind: str):
    def parse(data: bytes, context: ParseContext) -> ParseResult:
        result = ParseResult(source=_SOURCE_OF_KIND[kind])
        text = _read_text(data, context, result)
        if text is None:
            return result
        lines = split_lines(text)
        layout = _table_layout(lines[:40])
        if layout is None:
            _all_unparsed(result)
            result.problems.append(Problem(context.file, "malformed", "no table header with a dashes line"))
            return result
        dash_index, columns = layout
        utc = any("utc" in name for name, _, _ in columns)
        fmt = "table" if utc or any(name in ("item name", "friendly name") for name, _, _ in columns) else "powershell-table"
        mapping = _TABLE_JOB_COLUMNS if kind == "job" else _TABLE_ITEM_COLUMNS
        header_span = dash_index + 1
        rows: list[list] = []  # [line, values, span]
        for number in range(dash_index + 2, len(lines) + 1):
            line = lines[number - 1]
            if not line.strip():
                if rows:
                    rows[-1][2] += 1
                else:
                    header_span += 1
                continue
            values = _cut_row(line, columns, mapping)
            if not values:
                result.unparsable(number)
                continue
            rows.append([number, values, 1])
        if kind == "job":
            jobs = [_table_job(number, values, fmt, utc) for number, values, _ in rows]
            records = _jobs_to_records(jobs)
        else:
            records = [_table_item(number, values, fmt) for number, values, _ in rows]
        for record, (_, _, span) in zip(records, rows):
            record.span = span
        summary = _Record(
            1,
            f"{_EXPORT_TITLES[kind]} ({fmt}): {len(rows)} row(s)" + _summary_suffix(kind, records),
            {"kind": "export", "export": kind, "format": fmt, "count": str(len(rows))},
            None,
            None,
            _EXPORT_TITLES[kind],
            header_span,
        )
        for record in [summary, *records]:
            _add(result, record)
        return result

    parse.__name__ = f"parse_{kind}_table"
    parse.__doc__ = f"Parse a text table of {kind}s, cutting columns where the dashes line starts them."
    return parse


# --------------------------------------------------------------------------------------------
# CSV: the portal's jobs grid, Log Analytics job records, the activity log download
# --------------------------------------------------------------------------------------------

_JOB_CSV_COLUMNS = {
    "item": ("workload name", "backup instance", "backup item", "item", "item name", "datasource name", "datasource",
             "vm name", "backupitemfriendlyname", "datasourcefriendlyname", "arbetsbelastningens namn",
             "säkerhetskopieringsinstans", "sicherungsinstanz", "instancia de copia de seguridad", "nombre de la carga de trabajo"),
    "operation": ("operation", "joboperation", "joboperation_s", "åtgärd", "vorgang", "operación", "operacion"),
    "status": ("status", "jobstatus", "jobstatus_s", "estado"),
    "start": ("start time", "start time (utc)", "start time utc", "jobstartdatetime", "jobstartdatetime [utc]",
              "jobstartdatetime_s", "starttid", "startzeit", "hora de inicio"),
    "end": ("end time", "end time (utc)", "sluttid", "endzeit", "hora de finalización"),
    "duration": ("duration", "jobdurationinsecs", "jobdurationinsecs_s", "varaktighet", "dauer", "duración", "duracion"),
    "job_id": ("job id", "jobid", "jobuniqueid", "jobuniqueid_g", "activity id"),
    "failure_code": ("jobfailurecode", "jobfailurecode_s", "error code", "felkod", "fehlercode", "código de error"),
    "backup_management_type": ("type", "backup management type", "datasource type", "backupmanagementtype",
                               "backupmanagementtype_s", "typ", "tipo"),
    "vault": ("vault", "vault name", "valv", "tresor", "almacén"),
    "time_generated": ("timegenerated", "timegenerated [utc]"),
    "adhoc": ("adhocorscheduledjob", "adhocorscheduledjob_s"),
}
_JOB_CSV_INDEX = {alias: key for key, aliases in _JOB_CSV_COLUMNS.items() for alias in aliases}
#: portal status and operation words in other UI languages, to the service's values
_STATUS_WORDS = {
    "misslyckades": "Failed", "misslyckad": "Failed", "slutförd": "Completed", "slutfört": "Completed", "pågår": "InProgress",
    "fehler": "Failed", "fehlgeschlagen": "Failed", "abgeschlossen": "Completed", "wird ausgeführt": "InProgress",
    "in bearbeitung": "InProgress", "con errores": "Failed", "error": "Failed", "completado": "Completed",
    "en curso": "InProgress", "en progreso": "InProgress", "in progress": "InProgress", "succeeded": "Completed",
    "completed with warnings": "CompletedWithWarnings", "avbruten": "Cancelled", "abgebrochen": "Cancelled", "cancelado": "Cancelled",
}
_OPERATION_WORDS = {"säkerhetskopiering": "Backup", "sicherung": "Backup", "copia de seguridad": "Backup",
                    "backup (on demand)": "Backup", "återställning": "Restore", "wiederherstellung": "Restore",
                    "restauración": "Restore"}
_ACTIVITY_CSV_COLUMNS = {
    "correlation id": "correlationid", "operation name": "operationname", "operation": "operationname",
    "status": "status", "event category": "category", "level": "level", "time": "eventtimestamp",
    "event initiated by": "caller", "resource type": "resourcetype", "resource group": "resourcegroupname",
    "resource": "resourceid", "resource id": "resourceid", "subscription": "subscription",
}
_JS_DATE = re.compile(r"^\w{3} (\w{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-]\d{4})")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def _csv_time(value: str | None, utc: bool) -> Moment | None:
    """A CSV time cell: ISO, a JavaScript date string (``Wed Jan 22 2025 09:02:11 GMT+0100``),
    or a culture format (local unless the column says UTC)."""
    if not value:
        return None
    text = value.strip()
    found = _JS_DATE.match(text)
    if found and found.group(1).lower() in _MONTHS:
        try:
            moment = datetime(int(found.group(3)), _MONTHS[found.group(1).lower()], int(found.group(2)),
                              int(found.group(4)), int(found.group(5)), int(found.group(6)))
        except ValueError:
            return None
        zone = found.group(7)
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * (-1 if zone[0] == "-" else 1)
        return Moment((moment - offset).replace(tzinfo=UTC))
    text = re.sub(r"^(\d{1,2}/\d{1,2}/\d{4}),", r"\1", text)
    text = re.sub(r"(\d{1,2}:\d{2}:\d{2})\.\d+(\s*[AP]M)?$", r"\1\2", text)
    moment = parse_time(text, assume_utc=utc)
    if moment and moment.local and utc:
        return Moment(moment.time.replace(tzinfo=UTC))
    return moment


def _csv_rows(text: str) -> tuple[str, list[tuple[int, int, list[str]]]] | None:
    """``(delimiter, [(first line, span, cells)])`` for the delimiter that gives the widest header."""
    best = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        before = 0
        try:
            for cells in reader:
                rows.append((before + 1, reader.line_num - before, cells))
                before = reader.line_num
        except csv.Error:
            continue
        if rows and (best is None or len(rows[0][2]) > len(best[1][0][2])):
            best = (delimiter, rows)
    return best


def _header(cells: list[str]) -> list[str]:
    return [re.sub(r"\s+", " ", c.strip().strip("\ufeff").strip('"').lower()) for c in cells]


def _jobs_csv_header(cells: list[str]) -> bool:
    names = [_JOB_CSV_INDEX.get(name) for name in _header(cells)]
    return ("operation" in names and "status" in names and ("start" in names or "duration" in names)) or "failure_code" in names and "job_id" in names


def _activity_csv_header(cells: list[str]) -> bool:
    names = _header(cells)
    return "operation name" in names and any(n in names for n in ("correlation id", "event initiated by", "event category"))


def _csv_claim(test):
    def claim(path: str, head: bytes) -> int:
        if looks_binary(head):
            return 0
        text = decode(head).text
        first = next((line for line in split_lines(text) if line.strip()), "")
        if first.lstrip().startswith(("{", "[")):
            return 0
        for delimiter in (",", ";", "\t"):
            try:
                cells = next(csv.reader([first], delimiter=delimiter))
            except (csv.Error, StopIteration):
                continue
            if len(cells) >= 3 and test(cells):
                return BY_NAME_AND_CONTENT if _base_name(path).endswith((".csv", ".tsv", ".txt")) else BY_CONTENT
        return 0

    claim.__doc__ = f"A CSV whose header row {test.__name__.strip('_').replace('_', ' ')}."
    return claim


def _csv_body(data: bytes, context: ParseContext, result: ParseResult, test) -> tuple[list[str], list[tuple[int, int, list[str]]], int] | None:
    """The header names, the data rows and the header's span; None (with a problem) otherwise."""
    text = _read_text(data, context, result)
    if text is None:
        return None
    parsed = _csv_rows(text)
    if not parsed:
        _all_unparsed(result)
        result.problems.append(Problem(context.file, "malformed", "not a readable CSV"))
        return None
    _, rows = parsed
    leading = 0
    while rows and not any(c.strip() for c in rows[0][2]):
        leading += rows[0][1]
        rows = rows[1:]
    if not rows or not test(rows[0][2]):
        _all_unparsed(result)
        result.problems.append(Problem(context.file, "malformed", "the CSV header is not the expected one"))
        return None
    return _header(rows[0][2]), rows[1:], leading + rows[0][1]


def parse_jobs_csv(data: bytes, context: ParseContext) -> ParseResult:
    """The portal's backup jobs grid (or a Log Analytics job query) saved as CSV: one ``job``
    event per row, ``job_overlap`` events for overlapping runs."""
    result = ParseResult(source=SOURCE_JOB)
    body = _csv_body(data, context, result, _jobs_csv_header)
    if body is None:
        return result
    names, rows, header_span = body
    keys = [_JOB_CSV_INDEX.get(name) for name in names]
    log_analytics = any(name.startswith(("job", "timegenerated", "backupitem")) for name in names)
    utc = log_analytics or any("utc" in name for name in names)
    fmt = "log-analytics" if log_analytics else "portal-csv"
    jobs: list[_Job] = []
    spans: list[int] = []
    for first, span, cells in rows:
        if not any(c.strip() for c in cells):
            if spans:
                spans[-1] += span
            else:
                header_span += span
            continue
        values = {key: _clean(cell.strip()) for key, cell in zip(keys, cells) if key and cell.strip()}
        if len(cells) != len(names) or not values:
            for number in range(first, first + span):
                result.unparsable(number)
            continue
        status_written = values.get("status", "")
        status = _STATUS_WORDS.get(status_written.lower(), status_written)
        operation = _OPERATION_WORDS.get(values.get("operation", "").lower(), values.get("operation"))
        start = _csv_time(values.get("start") or values.get("time_generated"), utc)
        end = _csv_time(values.get("end"), utc)
        duration = parse_duration(values.get("duration"))
        if duration is None and values.get("duration", "").replace(".", "", 1).isdigit():
            duration = float(values["duration"])
        if status.lower() in _OPEN_STATUSES:
            end = None
        elif end is None and start and duration is not None:
            end = Moment(start.time + timedelta(seconds=duration), start.local)
        fields = {
            "kind": "job",
            "format": fmt,
            "job_id": values.get("job_id"),
            "operation": operation,
            "status": status,
            "status_as_written": status_written if status_written != status else None,
            "item": values.get("item"),
            "vault": values.get("vault"),
            "backup_management_type": values.get("backup_management_type"),
            "start": start.iso() if start else values.get("start"),
            "end": end.iso() if end else None,
            "duration": values.get("duration"),
            "duration_s": _seconds_text(duration),
        }
        adhoc = values.get("adhoc")
        if adhoc:
            fields["user_triggered"] = "true" if adhoc.lower().startswith("adhoc") else "false"
        failure = values.get("failure_code")
        if failure and failure.lower() not in ("success", "none", "0", "-"):
            code = _code_in(failure) or canonical_code(failure)
            fields.update({"code": code, "code_basis": "name", "reported_code": code})
        jobs.append(_Job(first, {k: v for k, v in fields.items() if v}, start, end, duration))
        spans.append(span)
    records = _jobs_to_records(jobs)
    for record, span in zip(records, spans):
        record.span = span
    summary = _Record(1, f"backup jobs ({fmt}): {len(jobs)} row(s)" + _summary_suffix("job", records),
                      {"kind": "export", "export": "job", "format": fmt, "count": str(len(jobs))}, None, None, "backup jobs", header_span)
    for record in [summary, *records]:
        _add(result, record)
    return result


def parse_activity_csv(data: bytes, context: ParseContext) -> ParseResult:
    """The activity log downloaded from the portal as CSV: one ``activity`` event per row."""
    result = ParseResult(source=SOURCE_ACTIVITY)
    body = _csv_body(data, context, result, _activity_csv_header)
    if body is None:
        return result
    names, rows, header_span = body
    keys = [_ACTIVITY_CSV_COLUMNS.get(name) for name in names]
    records: list[_Record] = []
    for first, span, cells in rows:
        if not any(c.strip() for c in cells):
            if records:
                records[-1].span += span
            else:
                header_span += span
            continue
        values = {key: cell.strip() for key, cell in zip(keys, cells) if key and cell.strip()}
        if len(cells) != len(names) or not values:
            for number in range(first, first + span):
                result.unparsable(number)
            continue
        moment = _csv_time(values.pop("eventtimestamp", None), utc=False)
        record = _activity_record(first, values, "portal-csv")
        record.fields["operation_text"] = values.get("operationname", "")
        record.fields["activity"] = _activity_tag(values.get("operationname"), values.get("resourcetype"))
        record.time = moment
        record.span = span
        records.append(record)
    summary = _Record(1, f"activity log (portal-csv): {len(records)} row(s)",
                      {"kind": "export", "export": "activity", "format": "portal-csv", "count": str(len(records))}, None, None, "activity log", header_span)
    for record in [summary, *records]:
        _add(result, record)
    return result


# --------------------------------------------------------------------------------------------
# The parsers
# --------------------------------------------------------------------------------------------


def _guarded(function, source: str):
    """Wrap a parse function: any exception of ours becomes a ``parser-error`` problem."""

    def parse(data: bytes, context: ParseContext) -> ParseResult:
        try:
            return function(data, context)
        except Exception as error:  # noqa: BLE001 - our bug: shown as a parser-error, never raised
            result = ParseResult(source=source)
            result.lines = len(split_lines(decode(data).text))
            _all_unparsed(result)
            result.problems.append(Problem(context.file, "parser-error", f"{function.__name__}: {type(error).__name__}: {error}"))
            return result

    parse.__doc__ = function.__doc__
    parse.__name__ = function.__name__
    return parse


def _json_parser(name: str, kind: str) -> Parser:
    source = _SOURCE_OF_KIND[kind]
    return Parser(name, source, _json_claim(kind), _guarded(_parse_json_export(kind), source))


PARSERS: tuple[Parser, ...] = (
    Parser("portal job error text", SOURCE_PORTAL, claim_portal_text, _guarded(parse_portal_text, SOURCE_PORTAL)),
    _json_parser("Azure operation result (JSON)", "portal"),
    _json_parser("backup jobs (JSON)", "job"),
    Parser("backup jobs (table)", SOURCE_JOB, _table_claim("job"), _guarded(_parse_table("job"), SOURCE_JOB)),
    Parser("backup jobs (CSV)", SOURCE_JOB, _csv_claim(_jobs_csv_header), _guarded(parse_jobs_csv, SOURCE_JOB)),
    _json_parser("protected items (JSON)", "item"),
    Parser("protected items (table)", SOURCE_ITEM, _table_claim("item"), _guarded(_parse_table("item"), SOURCE_ITEM)),
    _json_parser("VM view (JSON)", "vm"),
    _json_parser("management locks (JSON)", "lock"),
    _json_parser("restore-point collections (JSON)", "restorepoint"),
    _json_parser("key vault access (JSON)", "keyvault"),
    _json_parser("activity log (JSON)", "activity"),
    Parser("activity log (CSV)", SOURCE_ACTIVITY, _csv_claim(_activity_csv_header), _guarded(parse_activity_csv, SOURCE_ACTIVITY)),
)
