"""The Linux agent's state under ``/var/lib/waagent`` (and the DHCP leases it reads): source ``waagent.state``.

Files read (paths from the VM root) and a sample of each shape::

    var/lib/waagent/GoalState.3.xml, history/<time>__<inc>/GoalState.xml
        <GoalState><Incarnation>3</Incarnation><Machine><ExpectedState>Started</ExpectedState>...
        <Container><ContainerId>c6d5...</ContainerId><RoleInstance><InstanceId>b61f...</InstanceId>...
    var/lib/waagent/ExtensionsConfig.3.xml, history/*/ExtensionsConfig.xml
        <Extensions goalStateIncarnation="3"><GuestAgentExtension><GAFamilies>...<Location>westus2</Location>
        <Plugins><Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0" state="enabled" .../>
        <PluginSettings><Plugin ...><RuntimeSettings seqNo="12">{"runtimeSettings":[...]}</RuntimeSettings>
        <StatusUploadBlob statusBlobType="PageBlob">https://...status?sv=...&amp;sig=...</StatusUploadBlob>
    HostingEnvironmentConfig.xml, SharedConfig.xml, VmSettings[.<id>].json, Certificates.json
    Certificates.xml / .p7m / .pem, <THUMBPRINT>.crt / .prv, TransportPrivate.pem, RemoteAccess.N.xml,
        ManagedIdentity-*.json: secret, only their presence (and the thumbprint in the name) is recorded
    waagent_status.json, waagent_status.<inc>.json, history/*/waagent_status.json
        {"version":"1.1","timestampUTC":"...","aggregateStatus":{"guestAgentStatus":{...},
         "handlerAggregateStatus":[{"handlerName":"...","status":"Ready","code":0,...}]}}
    <Handler>-<Version>/config/HandlerState            Enabled
    <Handler>-<Version>/config/HandlerStatus           {"name":..,"status":"NotReady","code":1009,"message":..}
    <Handler>-<Version>/status/0.status                [{"version":1.0,"timestampUTC":..,"status":{...}}]
    <Handler>-<Version>/config/0.settings              {"runtimeSettings":[{"handlerSettings":{...}}]}
    <Handler>-<Version>/HandlerManifest.json, HandlerEnvironment.json, mrseq, heartbeat.log, error.json
    disable_agent, Incarnation, WireServerEndpoint, Protocol, provisioned, published_hostname, partition
    ovf-env.xml, logcollector/results.txt, <Handler>.N.manifest.xml, Prod.N.agentsManifest
    var/lib/dhcp/dhclient*.leases, var/lib/dhclient/*, var/lib/NetworkManager/*.lease*,
    var/lib/wicked/lease*, run/systemd/netif/leases/*
        lease { interface "eth0"; fixed-address 10.0.1.4; option unknown-245 a8:3f:81:10; expire 4 2015/06/16 16:58:54; }

Structured documents give their first event a span of the whole file (the others span 0); a
document that does not parse is a ``malformed`` (or ``truncated``) problem with all lines unparsed.
Secrets are never read into events: protectedSettings, SAS queries (redacted), ``objectStr``,
``UserPassword``, ``CustomData``, ``AccountKey`` values, certificate and key material.

``fields`` (every event has ``kind``; the rest by kind; booleans are ``1``/``0``):

* location (any event): ``history_time`` (UTC ``...Z``), ``history_incarnation``, ``history_etag``
  for files in a ``history/`` folder; ``handler``, ``handler_version`` for files in an extension
  directory; ``ext_name`` for multi-config file names; ``file_incarnation`` from ``X.<N>.xml/json``.
* ``goal_state``: ``incarnation``, ``container_id``, ``role_instance_id``, ``role_state``,
  ``expected_state``, ``has_extensions_config``, ``version``, ``placeholder`` (2.9+ placeholder file).
* ``ext_config``: ``incarnation``, ``location``, ``plugin_count``, ``plugins`` (``name@version`` list),
  ``status_blob``, ``status_blob_type``, ``status_blob_url`` (no query), ``artifacts_profile_blob``,
  ``in_svd_seq_no``, ``created_on``, ``activity_id``, ``correlation_id``, ``vmsnapshot_present``.
  ``ext_config_ga_family``: ``family``, ``requested_version``, ``is_version_from_rsm``,
  ``rsm_upgrades_enabled``, ``uri_count``. ``ext_config_plugin``: ``name``, ``version``, ``state``,
  ``auto_upgrade``, ``use_exact_version``, ``seq_no``, ``ext_name``, ``depends_on``,
  ``dependency_level``, ``settings_unreadable`` + the settings fields below; ``salvaged`` = ``1`` on
  events recovered by pattern from a damaged document (any kind).
* settings fields (ext_config_plugin, vm_settings_extension, ext_settings): ``cert_thumbprint``,
  ``has_protected_settings``, ``public_keys``; for VMSnapshotLinux also ``command``, ``task_id``,
  ``command_start_time`` (from ``commandStartTimeUTCTicks``), ``command_start_ticks``, ``vm_type``,
  ``locale``, ``public_settings`` (JSON, URL queries and ``objectStr`` masked).
* ``hosting_env``: ``incarnation``, ``instance``, ``deployment_name``, ``deployment_guid``,
  ``role_name``, ``role_guid``, ``certificate_thumbprints``, ``app_settings`` (names only),
  ``goal_state_incarnation`` (also on shared_config).
  ``shared_config``: ``deployment_name``, ``deployment_guid``, ``role_name``, ``role_guid``,
  ``incarnation``, ``instance``, ``instance_count``, ``instance_id``, ``instance_address``.
* ``vm_settings``: ``host_ga_plugin_version``, ``source``, ``activity_id``, ``correlation_id``,
  ``in_svd_seq_no``, ``status_blob_type``, ``status_blob_url``, ``extension_count``, ``last_modified``;
  ``vm_settings_ga_family`` as ext_config_ga_family; ``vm_settings_extension``: ``name``, ``version``,
  ``state``, ``seq_no``, ``is_multi_config``, ``auto_upgrade``, ``ext_name`` + settings fields.
* ``certificate_file``: ``file_kind``, ``thumbprint``, ``private_key``, ``bytes``. ``certificate``:
  ``thumbprint``, ``has_private_key`` (``count`` = ``0`` when the list is empty).
* ``agent_status``: ``agent_version``, ``status``, ``message``, ``update_status``,
  ``update_expected_version``, ``update_code``, ``computer_name``, ``os_name``, ``os_version``,
  ``handler_count``, ``file_incarnation``. ``agent_status_handler``: ``name``, ``version``, ``status``,
  ``code``, ``code_name``, ``message``, ``seq_no``, ``settings_status``, ``operation``,
  ``settings_code``, ``settings_code_name`` (VMSnapshotLinux), ``settings_message``, ``ext_name``
  (+ VMSnapshot fields). ``agent_status_goal_state``: ``status``, ``code``, ``code_name``,
  ``in_svd_seq_no``, ``message``.
* ``handler_state``: ``state``, ``known_state``, ``ext_name``. ``handler_status``: ``name``, ``version``, ``status``, ``code``,
  ``code_name`` (agent ExtensionErrorCodes 1000-1012), ``supports_multi_config``.
* ``ext_status``: ``seq_no``, ``name``, ``operation``, ``status``, ``code``, ``code_name``,
  ``message``, ``substatus_count``, ``configuration_applied_time``, ``status_valid``,
  ``temp_file``, ``renamed``; VMSnapshotLinux inner report: ``inner_status``, ``inner_code``,
  ``inner_code_name``, ``ext_error_code``, ``snapshot_count``, ``snapshot_failed_count``,
  ``snapshot_first_error``, ``host_status_code_pre_snapshot``, ``host_status_code_do_snapshot``,
  ``vm_health_state``, ``vm_health``, ``vm_health_status_code``, ``status_blob_upload_error``,
  ``snapshot_creator``, ``extension_version``, ``guest_agent_version``, ``os_version``,
  ``kernel_version``, ``python_version``, ``freeze_time``, ``thaw_time``, ``snapshot_time_taken``,
  ``consistency_type``, ``snapshot_consistency``, ``job_message``, ``task_id``,
  ``command_start_time``, ``unique_machine_id``, ``total_used_bytes``, ``partition_count``,
  ``message_format`` (``text``|``json``), ``inner_message``, ``size_computation_failed``,
  ``network_fs_in_mount``, ``prepost_enabled``, ``workloads``, ``inner_report`` (``unreadable``).
  ``ext_substatus``: ``name``, ``status``, ``code``, ``message``.
* ``ext_settings``: ``seq_no``, ``renamed`` + settings fields. ``handler_manifest``: ``name``,
  ``version``, ``report_heartbeat``, ``*_command``, ``continue_on_update_failure``,
  ``supports_multiple_extensions``. ``handler_environment``: ``name``, ``version``, ``seq_no``,
  ``log_folder``, ``config_folder``, ``status_folder``, ``heartbeat_file``, ``events_folder``.
  ``mrseq``: ``seq_no``. ``heartbeat``: ``status``, ``code``, ``message``. ``agent_error``:
  ``agent``, ``failure_count``, ``was_fatal``, ``blacklisted``, ``last_failure``, ``reason``.
* markers: ``disable_agent``; ``incarnation`` (``incarnation``); ``wireserver_endpoint``
  (``endpoint``, ``is_wireserver``); ``protocol`` (``protocol``); ``provisioned``,
  ``published_hostname``, ``partition`` (``value``).
* ``ovf_env``: ``hostname``, ``user_name``, ``provision_guest_agent``, ``disable_ssh_password_auth``,
  ``has_user_password``, ``has_custom_data``, ``ssh_key_count``, ``preprovisioned_vm``.
* ``logcollector_result``: ``result_level``. ``manifest``: ``manifest_kind`` (``extension``|``agent``),
  ``name``, ``version_count``, ``versions``, ``internal_versions``, ``latest_version``.
* ``dhcp_lease``: ``lease_format`` (``dhclient``|``networkd``|``wicked``), ``interface``,
  ``fixed_address``, ``server_identifier``, ``routers``, ``option_245``, ``endpoint`` (decoded),
  ``endpoint_is_wireserver``, ``expire`` (UTC ``...Z`` or ``never``), ``renew``, ``lease6``,
  ``ifindex``, ``lifetime`` (networkd).
  ``dhcp_statement``: ``statement``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from ..events import EventRows, Problem
from ..redaction import MASK, redact, redact_json
from ..textio import decode, load_json, looks_binary, split_lines
from . import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext, ParseResult, Parser

__all__ = ["PARSERS", "AGENT_EXTENSION_ERROR_CODES", "VMSNAPSHOT_RESULT_CODES"]

SOURCE = "waagent.state"
WIRESERVER_IP = "168.63.129.16"
VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"

#: agent ``ExtensionErrorCodes`` (HandlerStatus ``code``, handler aggregate status ``code``)
AGENT_EXTENSION_ERROR_CODES = {
    -1: "Unknown",
    0: "Success",
    1000: "PluginProcessingError",
    1001: "PluginManifestDownloadError",
    1002: "PluginHandlerManifestNotFound",
    1003: "PluginHandlerManifestDeserializationError",
    1004: "PluginPackageDownloadFailed",
    1005: "PluginPackageExtractionFailed",
    1007: "PluginInstallProcessingFailed",
    1008: "PluginUpdateProcessingFailed",
    1009: "PluginEnableProcessingFailed",
    1010: "PluginDisableProcessingFailed",
    1011: "PluginHandlerScriptTimedout",
    1012: "InvalidExtensionStatusFile",
    2001: "GoalStateUnsupportedRequiredFeatures",
}

_PREPOST = (
    "PreScriptFailed PostScriptFailed PreScriptNotFound PostScriptNotFound PluginhostConfigParsing "
    "PluginConfigParsing PreScriptPermissionError PostScriptPermissionError PreScriptTimeout PostScriptTimeout "
    "PluginhostPreTimeout PluginhostPostTimeout CheckSumMismatch PluginhostConfigNotFound "
    "PluginhostConfigPermissionError PluginhostConfigOwnershipError PluginConfigNotFound "
    "PluginConfigPermissionError PluginConfigOwnershipError"
).split()
_WORKLOAD = (
    "PreError ConfParsingError InvalidRole InvalidWorkloadName PostError AuthorizationMissing ConnectionError "
    "IPCDirectoryMissing DatabaseStatusChanged QuiescingError QuiescingTimeout DatabaseInNoArchiveLog LogModeChanged"
).split()

#: VMSnapshotLinux status codes / ExtErrorCodes (linux.md section 4)
VMSNAPSHOT_RESULT_CODES = {
    0: "success_appconsistent",
    1: "success",
    2: "error",
    3: "SuccessAlreadyProcessedInput",
    4: "ExtensionTempTerminalState",
    11: "error_parameter",
    12: "error_12",
    13: "error_wrong_time",
    14: "error_same_taskid",
    15: "error_http_failure",
    16: "FailedHandlerGuestAgentCertificateNotFound",
    17: "FailedInvalidDataDiskLunList",
    76: "FailedRetryableSnapshotFailedNoNetwork",
    85: "FailedSnapshotLimitReached",
    121: "FailedRetryableFsFreezeFailed",
    122: "FailedRetryableFsFreezeTimeout",
    123: "FailedRetryableUnableToOpenMount",
    124: "FailedSafeFreezeBinaryNotFound",
    173: "FailedRetryableSnapshotRateExceeded",
    201: "FailedRetryableFsFreezeFailed",
    202: "FailedRetryableFsFreezeTimeout",
    203: "FailedRetryableUnableToOpenMount",
    402: "FailedGuestAgentInvokedCommandTooLate",
    556: "FailedHostSnapshotRemoteServerError",
    761: "FailedRetryableSnapshotFailedRestrictedNetwork",
    **{300 + i: "FailedPrepost" + name for i, name in enumerate(_PREPOST)},
    **{500 + i: "FailedWorkload" + name for i, name in enumerate(_WORKLOAD)},
}

_HEALTH = {"0": "green", "128": "yellow", "256": "red"}
_CONSISTENCY = {"0": "none", "1": "fileSystem", "2": "application", "3": "crash"}

#: VMSnapshotLinux telemetryData keys -> field names
_TELEMETRY = {
    "extErrorCode": "ext_error_code",
    "snapshotCreator": "snapshot_creator",
    "hostStatusCodePreSnapshot": "host_status_code_pre_snapshot",
    "hostStatusCodeDoSnapshot": "host_status_code_do_snapshot",
    "statusBlobUploadError": "status_blob_upload_error",
    "FreezeTime": "freeze_time",
    "ThawTime": "thaw_time",
    "snapshotTimeTaken": "snapshot_time_taken",
    "guestAgentVersion": "guest_agent_version",
    "extensionVersion": "extension_version",
    "osVersion": "os_version",
    "kernelVersion": "kernel_version",
    "pythonVersion": "python_version",
    "consistencyType": "consistency_type",
    "networkFSTypePresentInMount": "network_fs_in_mount",
    "isPrePostEnabled": "prepost_enabled",
    "workloads": "workloads",
}
_TELEMETRY_LOWER = {k.lower(): v for k, v in _TELEMETRY.items()}

_KNOWN_HANDLER_STATES = {"NotInstalled", "Installed", "Enabled", "Disabled", "FailedUpgrade", "Failed", "enabled", "disabled"}
_OPAQUE_SETTING_KEYS = {"objectstr", "protectedsettings", "snapshottasktoken"}


class _Broken(Exception):
    """The document does not parse (a problem, not a bug)."""


# --------------------------------------------------------------------------------------------------
# small helpers


def _text_lines(data: bytes) -> tuple[str, list[str], str | None]:
    decoded = decode(data)
    return decoded.text, split_lines(decoded.text), decoded.warning


def _all_unparsed(result: ParseResult, count: int) -> None:
    for number in range(1, count + 1):
        result.unparsable(number)


def _begin(data: bytes, context: ParseContext) -> tuple[ParseResult, str | None, list[str]]:
    """Decode; a binary file becomes a problem (text None) with every line unparsed."""
    result = ParseResult(source=SOURCE)
    text, lines, warning = _text_lines(data)
    result.lines = len(lines)
    if looks_binary(data):
        result.problems.append(Problem(context.file, "binary", "binary data where a text file was expected"))
        _all_unparsed(result, len(lines))
        return result, None, lines
    if warning:
        result.problems.append(Problem(context.file, "encoding", warning))
    return result, text, lines


def _broken(result: ParseResult, context: ParseContext, message: str) -> None:
    kind = "truncated" if context.truncated else "malformed"
    result.problems.append(Problem(context.file, kind, message))
    _all_unparsed(result, result.lines - result.unparsed - result.events.spans)


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1].split(":")[-1] if isinstance(tag, str) else ""


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element | None, *path: str) -> Element | None:
    for name in path:
        found = _children(element, name)
        element = found[0] if found else None
        if element is None:
            return None
    return element


def _descendants(element: Element, name: str) -> list[Element]:
    return [e for e in element.iter() if _local(e.tag) == name]


def _text(element: Element | None, *path: str) -> str | None:
    found = _child(element, *path) if path else element
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _first_text(element: Element, name: str) -> str | None:
    for found in _descendants(element, name):
        if found.text and found.text.strip():
            return found.text.strip()
    return None


def _attr(element: Element | None, name: str) -> str | None:
    if element is None:
        return None
    for key, value in element.attrib.items():
        if _local(key).lower() == name.lower():
            return value
    return None


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _xml(text: str) -> Element:
    body = text.lstrip("\ufeff")
    try:
        try:
            return SafeElementTree.fromstring(body)
        except ValueError as error:
            if isinstance(error, DefusedXmlException):
                raise
            return SafeElementTree.fromstring(_XML_DECLARATION.sub("", body, count=1))
    except DefusedXmlException as error:
        raise _Broken(f"XML refused ({type(error).__name__}): entities and DTDs are not read") from None
    except (ParseError, ValueError, RecursionError) as error:
        raise _Broken(f"not well-formed XML: {error}") from None


def _json(text: str) -> Any:
    try:
        return load_json(text)
    except (ValueError, RecursionError) as error:
        raise _Broken(f"not valid JSON: {str(error)[:200]}") from None


def _ci(mapping: Any, *keys: str) -> Any:
    """A value from a dict by any of ``keys``, compared case-insensitively."""
    if not isinstance(mapping, dict):
        return None
    for key in keys:
        if key in mapping:
            return mapping[key]
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    for key in keys:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def _s(value: Any) -> str | None:
    """A JSON scalar as a field string (booleans as 1/0), or None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _flag(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1"):
        return "1"
    if text in ("false", "no", "n", "0"):
        return "0"
    return str(value)


def _short(text: str | None, limit: int = 1000) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit] + "..."


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment.astimezone(timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        stamp += f".{moment.microsecond:06d}"
    return stamp + "Z"


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?\s*(Z|[+-]\d{2}:?\d{2})?$")
_MS_DATE = re.compile(r"^\\?/Date\((-?\d+)(?:[+-]\d{4})?\)\\?/$")


def _utc(value: Any) -> datetime | None:
    """An ISO stamp (``Z`` or no offset = UTC) or a ``/Date(ms)/`` stamp as an aware UTC datetime."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _MS_DATE.match(text)
    if match:
        try:
            return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=int(match.group(1)))
        except (OverflowError, ValueError):
            return None
    match = _ISO.match(text)
    if not match:
        return None
    try:
        fraction = (match.group(7) or "0")[:6].ljust(6, "0")
        moment = datetime(*(int(match.group(i)) for i in range(1, 7)), int(fraction), tzinfo=timezone.utc)
        offset = match.group(8)
        if offset and offset != "Z":
            sign = 1 if offset[0] == "+" else -1
            digits = offset[1:].replace(":", "")
            moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return moment
    except (ValueError, OverflowError):
        return None


def _ticks(value: Any) -> datetime | None:
    """.NET ticks (100 ns since 0001-01-01 UTC) as a datetime."""
    try:
        ticks = int(str(value).strip())
        return datetime(1, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=ticks // 10)
    except (ValueError, OverflowError, TypeError):
        return None


def _epoch(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def _no_query(url: str | None) -> str | None:
    if not url:
        return url
    return url.strip().split("?", 1)[0]


def _line_of(lines: list[str], needle: str, default: int = 1) -> int:
    for number, line in enumerate(lines, 1):
        if needle in line:
            return number
    return default


def _code_name(code: Any, table: dict[int, str]) -> str | None:
    try:
        return table.get(int(str(code).strip()))
    except (ValueError, TypeError):
        return None


def _level_for_status(status: str | None) -> str:
    lowered = (status or "").lower()
    if lowered in ("error", "notready", "failed", "failedupgrade"):
        return "error"
    if lowered == "warning":
        return "warning"
    return "info"


# --------------------------------------------------------------------------------------------------
# where a file sits: history folder, extension directory


_HISTORY = re.compile(r"(?:^|/)var/lib/waagent/history/(?P<dir>[^/]+?)(?:\.zip)?/[^/]+$", re.I)
_HISTORY_NEW = re.compile(r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})(?:\.\d+)?__(?P<tag>.+)$")
_HISTORY_OLD = re.compile(r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:_incarnation_(?P<inc>\d+))?$")
_HANDLER_DIR = re.compile(r"(?:^|/)var/lib/waagent/(?P<handler>[^/]+?)-(?P<version>\d+(?:\.\d+)*)/(?P<rest>.+)$", re.I)
_NUMBERED = re.compile(
    r"^(?:GoalState|ExtensionsConfig|HostingEnvironmentConfig|SharedConfig|Certificates|RemoteAccess|waagent_status)"
    r"\.(\d+)\.(?:xml|json)$",
    re.I,
)


class _Location:
    """Fields and a fallback time that a file's path gives."""

    def __init__(self, path: str):
        self.fields: dict[str, str] = {}
        self.time: datetime | None = None
        self.handler: str | None = None
        base = path.rsplit("/", 1)[-1]
        history = _HISTORY.search(path)
        if history:
            folder = history.group("dir")
            new = _HISTORY_NEW.match(folder)
            old = _HISTORY_OLD.match(folder)
            if new:
                date, clock = new.group("ts").split("T")
                self.time = _utc(f"{date}T{clock.replace('-', ':')}Z")
                tag = new.group("tag")
                tag_match = re.match(r"^(\d+)(?:-(.+))?$", tag)
                if tag_match:
                    self.fields["history_incarnation"] = tag_match.group(1)
                    if tag_match.group(2):
                        self.fields["history_etag"] = tag_match.group(2)
                else:
                    self.fields["history_etag"] = tag
            elif old:
                self.time = _utc(old.group("ts") + "Z")
                if old.group("inc"):
                    self.fields["history_incarnation"] = old.group("inc")
            if self.time:
                self.fields["history_time"] = _iso(self.time) or ""
        handler = _HANDLER_DIR.search(path)
        if handler and not history:
            self.handler = handler.group("handler")
            self.fields["handler"] = self.handler
            self.fields["handler_version"] = handler.group("version")
        numbered = _NUMBERED.match(base)
        if numbered:
            self.fields["file_incarnation"] = numbered.group(1)


class _Out:
    """Adds events with redaction applied, location fields merged, and spans for structured files."""

    def __init__(self, result: ParseResult, location: _Location, *, structured: bool = True):
        self.result = result
        self.location = location
        self.structured = structured

    def add(
        self,
        message: str,
        fields: dict[str, Any],
        *,
        line: int = 1,
        time: datetime | None = None,
        level: str | None = "info",
        component: str | None = None,
        span: int | None = None,
    ) -> None:
        if span is None:
            span = self.result.lines if self.structured and len(self.result.events) == 0 else 0
            if not self.structured:
                span = 1
        merged = dict(self.location.fields)
        merged.update({k: v for k, v in fields.items() if v is not None})
        clean = {k: redact(str(v)) for k, v in merged.items()}
        self.result.events.add(
            line=max(1, line),
            message=redact(message),
            time=time if time is not None else self.location.time,
            level=level,
            component=component if component is not None else self.location.handler,
            fields=clean,
            span=span,
        )


def _structured(kind_parse: Callable[[Any, list[str], _Out, ParseContext], None], loader: Callable[[str], Any]):
    """Wrap a builder of events from a parsed document (XML root or JSON value) into a parse function."""

    def parse(data: bytes, context: ParseContext) -> ParseResult:
        result, text, lines = _begin(data, context)
        if text is None:
            return result
        if not text.strip():
            result.problems.append(Problem(context.file, "truncated" if context.truncated else "malformed", "empty file"))
            _all_unparsed(result, len(lines))
            return result
        out = _Out(result, _Location(context.path))
        try:
            document = loader(text)
            kind_parse(document, lines, out, context)
        except _Broken as error:
            result.events = EventRows()
            _broken(result, context, str(error))
            salvage = getattr(kind_parse, "salvage", None)
            if salvage is not None:
                salvage(text, out, context)
            return result
        if len(result.events) == 0 or result.events.spans + result.unparsed < result.lines:
            out.add("(document with nothing to report)", {"kind": "empty_document"},
                    span=result.lines - result.events.spans - result.unparsed)
        return result

    parse.__doc__ = kind_parse.__doc__
    return parse


# --------------------------------------------------------------------------------------------------
# settings (shared by ExtensionsConfig, VmSettings and config/N.settings)


def _is_vmsnapshot(name: str | None) -> bool:
    return bool(name) and "vmsnapshot" in name.lower()


def _safe_settings(value: Any) -> Any:
    """Public settings made safe to show: SAS queries and opaque blobs masked."""
    value = redact_json(value)

    def walk(item: Any, key: str = "") -> Any:
        if isinstance(item, dict):
            return {k: walk(v, str(k)) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, key) for v in item]
        if isinstance(item, str):
            lowered = key.lower()
            if lowered in _OPAQUE_SETTING_KEYS and item:
                return MASK
            if (lowered.endswith("uri") or lowered.endswith("url")) and "?" in item:
                return item.split("?", 1)[0] + "?" + MASK
            if len(item) > 200 and re.fullmatch(r"[A-Za-z0-9+/=\s]+", item):
                return MASK
        return item

    return walk(value)


def _settings_fields(handler: str | None, handler_settings: Any) -> dict[str, str | None]:
    """Fields of one ``handlerSettings`` object: never the protected settings themselves."""
    fields: dict[str, str | None] = {}
    if not isinstance(handler_settings, dict):
        return fields
    fields["cert_thumbprint"] = _s(_ci(handler_settings, "protectedSettingsCertThumbprint"))
    protected = _ci(handler_settings, "protectedSettings")
    fields["has_protected_settings"] = "1" if protected not in (None, "", {}, []) else "0"
    public = _ci(handler_settings, "publicSettings")
    if isinstance(public, str):
        try:
            public = load_json(public) if public.strip() else {}
        except (ValueError, RecursionError):
            public = {"(unparsed)": public}
    if isinstance(public, dict):
        fields["public_keys"] = ",".join(sorted(str(k) for k in public))
        fields.update(_vmsnapshot_settings(handler, public))
    return fields


def _vmsnapshot_settings(handler: str | None, public: dict) -> dict[str, str | None]:
    if not (_is_vmsnapshot(handler) or ("commandToExecute" in public and "taskId" in public and "objectStr" in public)):
        return {}
    start = _ci(public, "commandStartTimeUTCTicks")
    fields = {
        "command": _s(_ci(public, "commandToExecute")),
        "task_id": _s(_ci(public, "taskId")),
        "command_start_ticks": _s(start),
        "command_start_time": _iso(_ticks(start)) if start is not None else None,
        "vm_type": _s(_ci(public, "vmType")),
        "locale": _s(_ci(public, "locale")),
        "public_settings": _short(json.dumps(_safe_settings(public), sort_keys=True), 2000),
    }
    return fields


def _settings_message(fields: dict[str, str | None]) -> str:
    parts = []
    if fields.get("public_keys"):
        parts.append(f"public settings keys: {fields['public_keys']}")
    if fields.get("has_protected_settings") == "1":
        parts.append("protected settings present")
    if fields.get("command"):
        parts.append(f"command {fields['command']}, taskId {fields.get('task_id')}, started {fields.get('command_start_time')}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------------
# GoalState


def build_goal_state(root: Element, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``GoalState.N.xml``: incarnation, container, role instance, expected state, ExtensionsConfig URI."""
    if _local(root.tag).lower() == "xml" and "placeholder" in (root.text or "").lower():
        out.add("GoalState placeholder file (agents 2.9+ keep goal states under history/)",
                {"kind": "goal_state", "placeholder": "1"})
        return
    if _local(root.tag) != "GoalState":
        raise _Broken(f"root element is <{_local(root.tag)}>, not <GoalState>")
    incarnation = _text(root, "Incarnation")
    container = _text(root, "Container", "ContainerId")
    expected = _text(root, "Machine", "ExpectedState")
    instance = _child(root, "Container", "RoleInstanceList", "RoleInstance")
    instance_id = _text(instance, "InstanceId")
    role_state = _text(instance, "State")
    extensions_uri = _text(instance, "Configuration", "ExtensionsConfig")
    fields = {
        "kind": "goal_state",
        "incarnation": incarnation,
        "container_id": container,
        "role_instance_id": instance_id,
        "role_state": role_state,
        "expected_state": expected,
        "has_extensions_config": "1" if extensions_uri else "0",
        "version": _text(root, "Version"),
    }
    message = (
        f"Goal state incarnation {incarnation}: container {container}, role instance {instance_id}, "
        f"expected state {expected}; "
        + ("ExtensionsConfig URI present" if extensions_uri else "no ExtensionsConfig URI (no extensions in this goal state)")
    )
    out.add(message, fields)


# --------------------------------------------------------------------------------------------------
# ExtensionsConfig


def _ga_family_event(out: _Out, kind: str, family: str | None, version: str | None, from_rsm: Any,
                     rsm_enabled: Any, uri_count: int, line: int, time: datetime | None) -> None:
    out.add(
        f"Agent family {family}: requested version {version or '(not set)'}",
        {
            "kind": kind,
            "family": family,
            "requested_version": version,
            "is_version_from_rsm": _flag(from_rsm),
            "rsm_upgrades_enabled": _flag(rsm_enabled),
            "uri_count": str(uri_count),
        },
        line=line,
        time=time,
    )


def build_extensions_config(root: Element, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``ExtensionsConfig.N.xml``: one event for the document, one per agent family and per plugin."""
    if _local(root.tag) != "Extensions":
        raise _Broken(f"root element is <{_local(root.tag)}>, not <Extensions>")
    metadata = next(iter(_descendants(root, "InVMGoalStateMetaData")), None)
    created = _ticks(_attr(metadata, "createdOnTicks")) if _attr(metadata, "createdOnTicks") else None
    blob = next(iter(_descendants(root, "StatusUploadBlob")), None)
    blob_url = (blob.text or "").strip() if blob is not None else ""
    plugins = _children(_child(root, "Plugins"), "Plugin")
    settings = {(_attr(p, "name"), _attr(p, "version")): p for p in _children(_child(root, "PluginSettings"), "Plugin")}
    settings_by_name = {name: p for (name, _), p in settings.items()}
    location = _first_text(root, "Location")
    incarnation = _attr(root, "goalStateIncarnation")
    names = [f"{_attr(p, 'name')}@{_attr(p, 'version')}" for p in plugins]
    fields = {
        "kind": "ext_config",
        "incarnation": incarnation,
        "location": location,
        "plugin_count": str(len(plugins)),
        "plugins": ",".join(names),
        "status_blob": "1" if blob_url else "0",
        "status_blob_type": (_attr(blob, "statusBlobType") or "BlockBlob") if blob_url else None,
        "status_blob_url": _no_query(blob_url) or None,
        "artifacts_profile_blob": "1" if _first_text(root, "InVMArtifactsProfileBlob") else "0",
        "in_svd_seq_no": _attr(metadata, "inSvdSeqNo"),
        "created_on": _iso(created),
        "activity_id": _attr(metadata, "activityId"),
        "correlation_id": _attr(metadata, "correlationId"),
        "vmsnapshot_present": "1" if any(_is_vmsnapshot(_attr(p, "name")) for p in plugins) else "0",
    }
    message = f"ExtensionsConfig incarnation {incarnation}: {len(plugins)} extension(s)"
    if location:
        message += f" in {location}"
    message += "; status blob " + (f"{fields['status_blob_type']}" if blob_url else "missing")
    out.add(message, fields, time=created)

    for family in _descendants(root, "GAFamily"):
        name = _text(family, "Name")
        _ga_family_event(out, "ext_config_ga_family", name, _text(family, "Version"),
                         _text(family, "IsVersionFromRSM"), _text(family, "IsVMEnabledForRSMUpgrades"),
                         len(_descendants(family, "Uri")), _line_of(lines, f"<Name>{name}</Name>"), created)

    for plugin in plugins:
        name, version = _attr(plugin, "name"), _attr(plugin, "version")
        plugin_settings = settings.get((name, version)) or settings_by_name.get(name)
        depends = _child(plugin_settings, "DependsOn")
        base = {
            "kind": "ext_config_plugin",
            "name": name,
            "version": version,
            "state": _attr(plugin, "state"),
            "auto_upgrade": _flag(_attr(plugin, "autoUpgrade")),
            "use_exact_version": _flag(_attr(plugin, "useExactVersion")),
            "depends_on": ",".join(filter(None, (_attr(d, "handler") for d in _descendants(depends, "DependsOnExtension"))))
            if depends is not None else None,
            "dependency_level": _attr(depends, "dependencyLevel"),
        }
        runtime = [e for e in (plugin_settings if plugin_settings is not None else [])
                   if _local(e.tag) in ("RuntimeSettings", "ExtensionRuntimeSettings")]
        line = _line_of(lines, f'name="{name}"')
        if not runtime:
            out.add(f"Extension {name} {version}: state {base['state']} (no settings)", base,
                    line=line, time=created, component=name)
        for element in runtime:
            fields = dict(base)
            fields["seq_no"] = _attr(element, "seqNo")
            fields["ext_name"] = _attr(element, "name")
            handler_settings = None
            body = (element.text or "").strip()
            if body:
                try:
                    parsed = load_json(body)
                    items = _ci(parsed, "runtimeSettings") or []
                    if isinstance(items, list) and items:
                        handler_settings = _ci(items[0], "handlerSettings")
                except (ValueError, RecursionError):
                    fields["settings_unreadable"] = "1"
            fields.update(_settings_fields(name, handler_settings))
            message = f"Extension {name} {version}: state {base['state']}, seqNo {fields['seq_no']}"
            extra = _settings_message(fields)
            out.add(message + (f"; {extra}" if extra else ""), fields, line=line, time=created, component=name)


def _salvage_extensions_config(text: str, out: _Out, context: ParseContext) -> None:
    """From a broken ExtensionsConfig, the plugin names, versions and states (span 0)."""
    for match in re.finditer(r"<Plugin\s[^>]*?name=\"([^\"]+)\"[^>]*?version=\"([^\"]+)\"[^>]*?state=\"([^\"]+)\"", text):
        out.add(f"Extension {match.group(1)} {match.group(2)}: state {match.group(3)} (from a damaged file)",
                {"kind": "ext_config_plugin", "name": match.group(1), "version": match.group(2),
                 "state": match.group(3), "salvaged": "1"},
                line=text.count("\n", 0, match.start()) + 1, component=match.group(1), span=0)


build_extensions_config.salvage = _salvage_extensions_config  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------
# HostingEnvironmentConfig / SharedConfig


def build_hosting_env(root: Element, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``HostingEnvironmentConfig.xml``: deployment, incarnation and role ids; setting names only."""
    if _local(root.tag) != "HostingEnvironmentConfig":
        raise _Broken(f"root element is <{_local(root.tag)}>, not <HostingEnvironmentConfig>")
    deployment = _child(root, "Deployment")
    incarnation = _child(root, "Incarnation")
    role = _child(root, "Role")
    thumbprints = [(_attr(c, "certificateId") or "").split(":")[-1] for c in _descendants(root, "StoredCertificate")]
    settings = [_attr(s, "name") or "" for s in _descendants(_child(root, "ApplicationSettings") or root, "Setting")]
    fields = {
        "kind": "hosting_env",
        "goal_state_incarnation": _attr(root, "goalStateIncarnation"),
        "deployment_name": _attr(deployment, "name"),
        "deployment_guid": _attr(deployment, "guid"),
        "incarnation": _attr(incarnation, "number"),
        "instance": _attr(incarnation, "instance"),
        "role_name": _attr(role, "name"),
        "role_guid": _attr(role, "guid"),
        "certificate_thumbprints": ",".join(t for t in thumbprints if t) or None,
        "app_settings": ",".join(s for s in settings if s) or None,
    }
    out.add(
        f"HostingEnvironmentConfig: deployment {fields['deployment_name']}, role {fields['role_name']} "
        f"{fields['role_guid']}, incarnation {fields['incarnation']}, instance {fields['instance']}",
        fields,
    )


def build_shared_config(root: Element, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``SharedConfig.xml``: deployment, role and instance ids."""
    if _local(root.tag) != "SharedConfig":
        raise _Broken(f"root element is <{_local(root.tag)}>, not <SharedConfig>")
    deployment = _child(root, "Deployment")
    incarnation = _child(root, "Incarnation")
    role = _child(root, "Role")
    instances = _descendants(_child(root, "Instances") or root, "Instance")
    first = instances[0] if instances else None
    fields = {
        "kind": "shared_config",
        "goal_state_incarnation": _attr(root, "goalStateIncarnation"),
        "deployment_name": _attr(deployment, "name"),
        "deployment_guid": _attr(deployment, "guid"),
        "role_name": _attr(role, "name"),
        "role_guid": _attr(role, "guid"),
        "incarnation": _attr(incarnation, "number"),
        "instance": _attr(incarnation, "instance"),
        "instance_count": str(len(instances)),
        "instance_id": _attr(first, "id"),
        "instance_address": _attr(first, "address"),
    }
    out.add(
        f"SharedConfig: deployment {fields['deployment_name']}, role {fields['role_name']}, instance "
        f"{fields['instance_id']} at {fields['instance_address']}",
        fields,
    )


# --------------------------------------------------------------------------------------------------
# VmSettings.json


def build_vm_settings(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``VmSettings.json`` (FastTrack goal state from the HostGAPlugin): one event per extension."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    blob = _ci(document, "statusUploadBlob") or {}
    extensions = _ci(document, "extensionGoalStates") or []
    extensions = extensions if isinstance(extensions, list) else []
    modified = _ticks(_ci(document, "extensionsLastModifiedTickCount"))
    fields = {
        "kind": "vm_settings",
        "host_ga_plugin_version": _s(_ci(document, "hostGAPluginVersion")),
        "source": _s(_ci(document, "extensionGoalStatesSource")),
        "activity_id": _s(_ci(document, "activityId")),
        "correlation_id": _s(_ci(document, "correlationId")),
        "in_svd_seq_no": _s(_ci(document, "inSvdSeqNo")),
        "status_blob_type": _s(_ci(blob, "statusBlobType")),
        "status_blob_url": _no_query(_s(_ci(blob, "value"))),
        "extension_count": str(len(extensions)),
        "last_modified": _iso(modified),
    }
    out.add(
        f"vmSettings from HostGAPlugin {fields['host_ga_plugin_version']} (source {fields['source']}): "
        f"{len(extensions)} extension(s)",
        fields,
        time=modified,
    )
    for family in _ci(document, "gaFamilies") or []:
        if isinstance(family, dict):
            name = _s(_ci(family, "name"))
            _ga_family_event(out, "vm_settings_ga_family", name, _s(_ci(family, "version")),
                             _ci(family, "isVersionFromRSM"), _ci(family, "isVMEnabledForRSMUpgrades"),
                             len(_ci(family, "uris") or []), _line_of(lines, f'"{name}"'), modified)
    for extension in extensions:
        if not isinstance(extension, dict):
            continue
        name = _s(_ci(extension, "name"))
        base = {
            "kind": "vm_settings_extension",
            "name": name,
            "version": _s(_ci(extension, "version")),
            "state": _s(_ci(extension, "state")),
            "seq_no": _s(_ci(extension, "settingsSeqNo")),
            "is_multi_config": _flag(_ci(extension, "isMultiConfig")),
            "auto_upgrade": _flag(_ci(extension, "autoUpgrade")),
        }
        settings = _ci(extension, "settings")
        settings = settings if isinstance(settings, list) and settings else [None]
        for item in settings:
            fields = dict(base)
            fields["ext_name"] = _s(_ci(item, "extensionName"))
            fields.update(_settings_fields(name, item))
            extra = _settings_message(fields)
            out.add(
                f"Extension {name} {base['version']}: state {base['state']}, settingsSeqNo {base['seq_no']}"
                + (f"; {extra}" if extra else ""),
                fields,
                line=_line_of(lines, f'"{name}"'),
                time=modified,
                component=name,
            )


# --------------------------------------------------------------------------------------------------
# certificates and other secret files: presence only


_THUMBPRINT = re.compile(r"^([0-9A-Fa-f]{40})\.(crt|prv|pem|pfx|key)$")


def parse_secret_file(data: bytes, context: ParseContext) -> ParseResult:
    """Key material and encrypted settings: one event saying the file is there; the content is never read."""
    result = ParseResult(source=SOURCE)
    result.lines = len(split_lines(decode(data).text))
    base = context.path.rsplit("/", 1)[-1]
    lowered = base.lower()
    thumb = _THUMBPRINT.match(base)
    if thumb:
        file_kind = thumb.group(2).lower()
    elif lowered.startswith("certificates."):
        file_kind = "certificates_" + lowered.rsplit(".", 1)[-1]
    elif lowered.startswith("transportprivate") or lowered.startswith("v2transportprivate"):
        file_kind = "transport_private"
    elif lowered.startswith("transportcert") or lowered.startswith("v2transportcert"):
        file_kind = "transport_cert"
    elif lowered.startswith("remoteaccess"):
        file_kind = "remote_access"
    elif lowered.startswith("managedidentity"):
        file_kind = "managed_identity"
    else:
        file_kind = lowered.rsplit(".", 1)[-1] if "." in lowered else "secret"
    private = file_kind in ("prv", "key", "transport_private", "certificates_pem", "certificates_p7m", "pfx")
    out = _Out(result, _Location(context.path))
    out.add(
        f"{base} present ({len(data)} bytes; content not read: key material or secrets)",
        {
            "kind": "certificate_file",
            "file_kind": file_kind,
            "thumbprint": thumb.group(1).upper() if thumb else None,
            "private_key": "1" if private else "0",
            "bytes": str(len(data)),
        },
        component="WALinuxAgent",
    )
    return result


def build_certificates_json(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``Certificates.json`` (2.8+ history): thumbprint and whether the private key is present."""
    if not isinstance(document, list):
        raise _Broken("expected a JSON list of certificates")
    if not document:
        out.add("No certificates in the goal state", {"kind": "certificate", "count": "0"})
    for item in document:
        thumbprint = _s(_ci(item, "thumbprint"))
        private = _flag(_ci(item, "hasPrivateKey"))
        out.add(f"Certificate {thumbprint} (private key {'present' if private == '1' else 'absent'})",
                {"kind": "certificate", "thumbprint": thumbprint, "has_private_key": private},
                line=_line_of(lines, str(thumbprint)))


# --------------------------------------------------------------------------------------------------
# extension status objects (status/N.status, waagent_status.json) and the VMSnapshotLinux inner report


_KV = re.compile(r"(\w+)=([^,]*)")


def _message_of(status: Any) -> str | None:
    formatted = _ci(status, "formattedMessage")
    if isinstance(formatted, dict):
        value = _ci(formatted, "message")
        return value if isinstance(value, str) else _s(value)
    if isinstance(formatted, str):
        return formatted
    message = _ci(status, "message")
    return message if isinstance(message, str) else None


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
            display = _s(_ci(parsed, "messageStr")) or ""
            consistency = _s(_ci(parsed, "snapshotConsistency"))
            if consistency is not None:
                fields.setdefault("snapshot_consistency", _CONSISTENCY.get(consistency, consistency))
            job = _ci(parsed, "jobMessage")
            if job:
                fields.setdefault("job_message", _short(_s(job), 500))
            size_failed = _ci(parsed, "isSizeComputationFailed")
            if size_failed is not None:
                fields.setdefault("size_computation_failed", _flag(size_failed))
    else:
        fields.setdefault("message_format", "text")
    for key, value in _KV.findall(display or ""):
        name = _TELEMETRY_LOWER.get(key.lower())
        if name and fields.get(name) is None:
            fields[name] = value.strip()
    return display.strip()


def _vmsnapshot_report(status: Any, fields: dict[str, str | None]) -> datetime | None:
    """Fill ``fields`` from the JSON report hidden in ``substatus[0].name``; returns its time."""
    substatus = _ci(status, "substatus")
    if not isinstance(substatus, list) or not substatus:
        return None
    name = _ci(substatus[0], "name")
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
    report = _ci(inner, "status") or {}
    if not isinstance(report, dict):
        return None
    fields["inner_status"] = _s(_ci(report, "status"))
    fields["inner_code"] = _s(_ci(report, "code"))
    fields["inner_code_name"] = _code_name(_ci(report, "code"), VMSNAPSHOT_RESULT_CODES)
    fields["task_id"] = _s(_ci(report, "taskId"))
    start = _ci(report, "commandStartTimeUTCTicks")
    fields["command_start_time"] = _iso(_ticks(start)) if start is not None else None
    fields["unique_machine_id"] = _s(_ci(report, "uniqueMachineId"))
    for item in _ci(report, "telemetryData") or []:
        key, value = _ci(item, "Key"), _ci(item, "Value")
        field = _TELEMETRY_LOWER.get(str(key).lower())
        if field:
            fields[field] = _s(value)
    snapshots = _ci(report, "snapshotInfo")
    if isinstance(snapshots, list):
        failed = [s for s in snapshots if _flag(_ci(s, "isSuccessful")) != "1"]
        fields["snapshot_count"] = str(len(snapshots))
        fields["snapshot_failed_count"] = str(len(failed))
        first_error = next((_ci(s, "errorMessage") for s in snapshots if _ci(s, "errorMessage")), None)
        fields["snapshot_first_error"] = _short(_s(first_error), 500)
    health = _ci(report, "vmHealthInfo")
    if isinstance(health, dict):
        state = _s(_ci(health, "vmHealthState"))
        fields["vm_health_state"] = state
        fields["vm_health"] = _HEALTH.get(state or "")
        fields["vm_health_status_code"] = _s(_ci(health, "vmHealthStatusCode"))
    storage = _ci(report, "storageDetails")
    if isinstance(storage, dict):
        fields["total_used_bytes"] = _s(_ci(storage, "totalUsedSizeInBytes"))
        fields["partition_count"] = _s(_ci(storage, "partitionCount"))
    inner_message = _vmsnapshot_message(_message_of(report), fields)
    fields["inner_message"] = _short(inner_message, 1000)
    return _utc(_ci(inner, "timestampUTC"))


def _status_fields(status: Any, handler: str | None) -> tuple[dict[str, str | None], datetime | None, bool]:
    """Fields of a status object ``{name, operation, status, code, formattedMessage, substatus}``."""
    fields: dict[str, str | None] = {
        "name": _s(_ci(status, "name")),
        "operation": _s(_ci(status, "operation")),
        "status": _s(_ci(status, "status")),
        "code": _s(_ci(status, "code")),
        "configuration_applied_time": _s(_ci(status, "configurationAppliedTime")),
    }
    substatus = _ci(status, "substatus")
    fields["substatus_count"] = str(len(substatus)) if isinstance(substatus, list) else None
    inner_time = _vmsnapshot_report(status, fields)
    is_vmsnapshot = "inner_status" in fields or _is_vmsnapshot(handler) or _is_vmsnapshot(fields["name"])
    text = _message_of(status)
    if is_vmsnapshot:
        fields["code_name"] = _code_name(fields["code"], VMSNAPSHOT_RESULT_CODES)
        text = _vmsnapshot_message(text, fields)
    fields["message"] = _short(text, 2000)
    return fields, inner_time, is_vmsnapshot


def _status_summary(label: str, fields: dict[str, str | None], vmsnapshot: bool) -> tuple[str, str]:
    message = f"{label} {fields.get('operation') or ''}: status {fields.get('status')}, code {fields.get('code')}"
    if fields.get("code_name"):
        message += f" ({fields['code_name']})"
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
    elif vmsnapshot and fields.get("code_name") and not fields["code_name"].lower().startswith("success") \
            and fields.get("code") not in ("3", "4"):
        level = "error"
    if fields.get("message"):
        message += f"; {fields['message']}"
    return message.replace("  ", " "), level


# --------------------------------------------------------------------------------------------------
# waagent_status.json


def build_agent_status(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``waagent_status.json``: guest agent status, one event per handler, and the goal-state aggregate."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    aggregate = _ci(document, "aggregateStatus") or {}
    agent = _ci(aggregate, "guestAgentStatus") or {}
    update = _ci(agent, "updateStatus") or {}
    os_info = _ci(document, "guestOSInfo") or {}
    handlers = _ci(aggregate, "handlerAggregateStatus") or []
    handlers = handlers if isinstance(handlers, list) else []
    stamp = _utc(_ci(document, "timestampUTC"))
    agent_message = _message_of(agent)
    fields = {
        "kind": "agent_status",
        "agent_version": _s(_ci(agent, "version")),
        "status": _s(_ci(agent, "status")),
        "message": _short(agent_message, 2000),
        "update_status": _s(_ci(update, "status")),
        "update_expected_version": _s(_ci(update, "expectedVersion")),
        "update_code": _s(_ci(update, "code")),
        "computer_name": _s(_ci(os_info, "computerName")),
        "os_name": _s(_ci(os_info, "osName")),
        "os_version": _s(_ci(os_info, "osVersion")),
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
        name = _s(_ci(handler, "handlerName"))
        runtime = _ci(handler, "runtimeSettingsStatus") or {}
        settings_status = _ci(runtime, "settingsStatus") or {}
        status = _ci(settings_status, "status") or {}
        inner, inner_time, vmsnapshot = _status_fields(status, name)
        fields = {
            "kind": "agent_status_handler",
            "name": name,
            "version": _s(_ci(handler, "handlerVersion")),
            "status": _s(_ci(handler, "status")),
            "code": _s(_ci(handler, "code")),
            "code_name": _code_name(_ci(handler, "code"), AGENT_EXTENSION_ERROR_CODES),
            "message": _short(_message_of(handler), 2000),
            "seq_no": _s(_ci(runtime, "sequenceNumber")),
            "settings_status": inner.pop("status"),
            "operation": inner.pop("operation"),
            "settings_code": inner.pop("code"),
            "settings_code_name": inner.pop("code_name", None),
            "settings_message": inner.pop("message"),
            "ext_name": _s(_ci(runtime, "extensionName")),
        }
        inner.pop("name", None)
        fields.update({k: v for k, v in inner.items() if v is not None and k not in fields})
        message = f"Handler {name} {fields['version']}: {fields['status']}, code {fields['code']}"
        if fields["code_name"] and fields["code"] not in ("0", None):
            message += f" ({fields['code_name']})"
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
        when = _utc(_ci(settings_status, "timestampUTC")) or inner_time or stamp
        out.add(message, fields, line=_line_of(lines, f'"{name}"'), time=when, level=level, component=name)
    goal = _ci(_ci(aggregate, "vmArtifactsAggregateStatus"), "goalStateAggregateStatus")
    if isinstance(goal, dict):
        fields = {
            "kind": "agent_status_goal_state",
            "status": _s(_ci(goal, "status")),
            "code": _s(_ci(goal, "code")),
            "code_name": _code_name(_ci(goal, "code"), AGENT_EXTENSION_ERROR_CODES),
            "in_svd_seq_no": _s(_ci(goal, "inSvdSeqNo")),
            "message": _short(_message_of(goal), 2000),
        }
        out.add(
            f"Goal state aggregate status {fields['status']}, code {fields['code']}"
            + (f"; {fields['message']}" if fields["message"] else ""),
            fields,
            line=_line_of(lines, "goalStateAggregateStatus"),
            time=_utc(_ci(goal, "timestampUTC")) or stamp,
            level=_level_for_status(fields["status"]),
            component="WALinuxAgent",
        )


# --------------------------------------------------------------------------------------------------
# extension directory


_STATUS_NAME = re.compile(r"^(?:(?P<ext>.+)\.)?(?P<seq>\d+)(?:\.status|_status)$")
_SETTINGS_NAME = re.compile(r"^(?:(?P<ext>.+)\.)?(?P<seq>\d+)(?:\.settings|_settings)$")


def build_ext_status(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
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
    status = _ci(entry, "status")
    if invalid is None and not isinstance(status, dict):
        invalid = "the status file lacks the 'status' object"
    elif invalid is None and _ci(status, "status") is None:
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
    time = _utc(_ci(entry, "timestampUTC")) or inner_time
    out.add(message, fields, time=time, level=level)
    substatus = _ci(status, "substatus")
    if isinstance(substatus, list):
        for index, item in enumerate(substatus):
            if index == 0 and "inner_status" in fields:
                continue
            if not isinstance(item, dict):
                continue
            sub = {
                "kind": "ext_substatus",
                "name": _short(_s(_ci(item, "name")), 500),
                "status": _s(_ci(item, "status")),
                "code": _s(_ci(item, "code")),
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


def build_ext_settings(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``config/N.settings``: public settings only (never protected settings)."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object with runtimeSettings")
    base = context.path.rsplit("/", 1)[-1]
    name_match = _SETTINGS_NAME.match(base)
    items = _ci(document, "runtimeSettings")
    items = items if isinstance(items, list) and items else [{}]
    handler = out.location.handler
    for item in items:
        fields = {
            "kind": "ext_settings",
            "seq_no": name_match.group("seq") if name_match else None,
            "ext_name": name_match.group("ext") if name_match else None,
            "renamed": "1" if base.endswith("_settings") else None,
        }
        fields.update(_settings_fields(handler, _ci(item, "handlerSettings")))
        extra = _settings_message(fields)
        out.add(f"Settings seqNo {fields['seq_no']} for {handler or 'extension'}" + (f": {extra}" if extra else ""), fields)


def build_handler_status(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``config/HandlerStatus``: the agent's view of the handler; ``code`` is an agent ExtensionErrorCode."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    code = _ci(document, "code")
    fields = {
        "kind": "handler_status",
        "name": _s(_ci(document, "name")),
        "version": _s(_ci(document, "version")),
        "status": _s(_ci(document, "status")),
        "code": _s(code),
        "code_name": _code_name(code, AGENT_EXTENSION_ERROR_CODES),
        "message": _short(_s(_ci(document, "message")), 2000),
        "supports_multi_config": _flag(_ci(document, "supports_multi_config")),
    }
    message = f"Handler {fields['name']} {fields['version']}: {fields['status']}, code {fields['code']}"
    if fields["code_name"]:
        message += f" ({fields['code_name']})"
    if fields["message"]:
        message += f"; {fields['message']}"
    level = _level_for_status(fields["status"])
    try:
        if int(str(code)) >= 1000:
            level = "error"
    except ValueError:
        pass
    out.add(message, fields, level=level, component=fields["name"] or out.location.handler)


def build_handler_manifest(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``HandlerManifest.json``: commands and whether the handler reports a heartbeat."""
    entry = document[0] if isinstance(document, list) and document else document
    if not isinstance(entry, dict):
        raise _Broken("expected a list with one handler manifest object")
    manifest = _ci(entry, "handlerManifest") or {}
    fields = {
        "kind": "handler_manifest",
        "name": _s(_ci(entry, "name")),
        "version": _s(_ci(entry, "version")),
        "report_heartbeat": _flag(_ci(manifest, "reportHeartbeat")),
        "install_command": _s(_ci(manifest, "installCommand")),
        "enable_command": _s(_ci(manifest, "enableCommand")),
        "disable_command": _s(_ci(manifest, "disableCommand")),
        "update_command": _s(_ci(manifest, "updateCommand")),
        "uninstall_command": _s(_ci(manifest, "uninstallCommand")),
        "reboot_after_install": _flag(_ci(manifest, "rebootAfterInstall")),
        "continue_on_update_failure": _flag(_ci(manifest, "continueOnUpdateFailure")),
        "supports_multiple_extensions": _flag(_ci(manifest, "supportsMultipleExtensions")),
    }
    out.add(f"HandlerManifest of {fields['name']} {fields['version']}: enable command {fields['enable_command']}, "
            f"reportHeartbeat {fields['report_heartbeat']}", fields)


def build_handler_environment(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``HandlerEnvironment.json``: folders the agent gives the extension."""
    entry = document[0] if isinstance(document, list) and document else document
    if not isinstance(entry, dict):
        raise _Broken("expected a list with one handler environment object")
    environment = _ci(entry, "handlerEnvironment") or {}
    fields = {
        "kind": "handler_environment",
        "name": _s(_ci(entry, "name")),
        "version": _s(_ci(entry, "version")),
        "seq_no": _s(_ci(entry, "seqNo")),
        "log_folder": _s(_ci(environment, "logFolder")),
        "config_folder": _s(_ci(environment, "configFolder")),
        "status_folder": _s(_ci(environment, "statusFolder")),
        "heartbeat_file": _s(_ci(environment, "heartbeatFile")),
        "events_folder": _s(_ci(environment, "eventsFolder")),
    }
    out.add(f"HandlerEnvironment of {fields['name']}: logs in {fields['log_folder']}", fields)


def build_heartbeat(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``heartbeat.log``: the extension's heartbeat status."""
    entry = document[0] if isinstance(document, list) and document else document
    heartbeat = _ci(entry, "heartbeat")
    if not isinstance(heartbeat, dict):
        raise _Broken("expected [{\"heartbeat\": {...}}]")
    fields = {
        "kind": "heartbeat",
        "status": _s(_ci(heartbeat, "status")),
        "code": _s(_ci(heartbeat, "code")),
        "message": _short(_message_of(heartbeat), 2000),
    }
    out.add(f"Heartbeat: {fields['status']}, code {fields['code']}" + (f"; {fields['message']}" if fields["message"] else ""),
            fields, level=_level_for_status(fields["status"]))


def build_agent_error(document: Any, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``error.json`` of an agent version: failure count and whether it is blacklisted."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    count = _ci(document, "failure_count")
    fatal = _flag(_ci(document, "was_fatal"))
    try:
        blacklisted = fatal == "1" or int(count) >= 3
    except (TypeError, ValueError):
        blacklisted = fatal == "1"
    when = _epoch(_ci(document, "last_failure"))
    agent = out.location.fields.get("handler")
    agent = f"{agent}-{out.location.fields.get('handler_version')}" if agent else None
    reason = _s(_ci(document, "reason"))
    fields = {
        "kind": "agent_error",
        "agent": agent,
        "failure_count": _s(count),
        "was_fatal": fatal,
        "blacklisted": "1" if blacklisted else "0",
        "last_failure": _iso(when),
        "reason": _short(reason, 2000),
    }
    out.add(
        f"Agent {agent or ''} failure record: {count} failure(s), fatal {fatal}"
        + ("; blacklisted" if blacklisted else "") + (f"; {reason}" if reason else ""),
        fields,
        time=when,
        level="error" if blacklisted else "warning",
        component=agent or "WALinuxAgent",
    )


def parse_handler_state(data: bytes, context: ParseContext) -> ParseResult:
    """``config/HandlerState`` / ``config/<ExtName>.HandlerState``: one word (extra non-blank lines are unparsed)."""
    result, text, lines = _begin(data, context)
    if text is None:
        return result
    out = _Out(result, _Location(context.path))
    words = [(number, line.strip()) for number, line in enumerate(lines, 1) if line.strip()]
    state = words[0][1] if words else ""
    for number, _ in words[1:]:
        result.unparsable(number)
    base = context.path.rsplit("/", 1)[-1]
    ext_name = base[: -len(".HandlerState")] if base.lower().endswith(".handlerstate") else None
    fields = {"kind": "handler_state", "state": _short(state, 200), "ext_name": ext_name,
              "known_state": "1" if state in _KNOWN_HANDLER_STATES else "0"}
    message = f"Handler state {state or '(empty)'}"
    if state == "Failed":
        message += " (agents up to 2.2.45 wrote Failed where newer ones write FailedUpgrade)"
    out.add(message, fields, level=_level_for_status(state), line=words[0][0] if words else 1,
            span=result.lines - result.unparsed)
    return result


def parse_mrseq(data: bytes, context: ParseContext) -> ParseResult:
    """``mrseq``: the last sequence number the extension processed."""
    result, text, lines = _begin(data, context)
    if text is None:
        return result
    value = next((line.strip() for line in lines if line.strip()), "")
    out = _Out(result, _Location(context.path))
    fields = {"kind": "mrseq", "seq_no": _short(value, 100)}
    out.add(f"Most recent sequence number processed by the extension: {value or '(empty)'}", fields,
            level="info" if value.lstrip("-").isdigit() or not value else "warning")
    return result


# --------------------------------------------------------------------------------------------------
# single-value marker files


_MARKERS = {
    "disable_agent": "disable_agent",
    "incarnation": "incarnation",
    "wireserverendpoint": "wireserver_endpoint",
    "protocol": "protocol",
    "provisioned": "provisioned",
    "published_hostname": "published_hostname",
    "partition": "partition",
}


def parse_marker(data: bytes, context: ParseContext) -> ParseResult:
    """``disable_agent``, ``Incarnation``, ``WireServerEndpoint``, ``Protocol``, ``provisioned``, ``partition``."""
    result, text, lines = _begin(data, context)
    if text is None:
        return result
    kind = _MARKERS.get(context.path.rsplit("/", 1)[-1].lower(), "marker")
    value = _short(next((line.strip() for line in lines if line.strip()), ""), 200) or ""
    out = _Out(result, _Location(context.path))
    fields: dict[str, Any] = {"kind": kind}
    level = "info"
    if kind == "disable_agent":
        message = "disable_agent is present: the guest agent is disabled and runs no extension"
        level = "warning"
    elif kind == "incarnation":
        fields["incarnation"] = value
        message = f"Current goal state incarnation {value}"
    elif kind == "wireserver_endpoint":
        fields["endpoint"] = value
        fields["is_wireserver"] = "1" if value == WIRESERVER_IP else "0"
        message = f"WireServer endpoint {value}"
        if value != WIRESERVER_IP:
            message += f" (not the usual {WIRESERVER_IP})"
            level = "warning"
    elif kind == "protocol":
        fields["protocol"] = value
        message = f"Agent protocol {value}"
    else:
        fields["value"] = value
        message = f"{kind} {value}".strip()
    out.add(message, fields, level=level, component="WALinuxAgent")
    return result


# --------------------------------------------------------------------------------------------------
# ovf-env.xml


def build_ovf_env(root: Element, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``ovf-env.xml``: ProvisionGuestAgent, host and user name; never the password or custom data."""
    if _local(root.tag) != "Environment":
        raise _Broken(f"root element is <{_local(root.tag)}>, not <Environment>")
    password = _first_text(root, "UserPassword")
    provision = _first_text(root, "ProvisionGuestAgent")
    fields = {
        "kind": "ovf_env",
        "hostname": _first_text(root, "HostName"),
        "user_name": _first_text(root, "UserName"),
        "provision_guest_agent": provision,
        "disable_ssh_password_auth": _first_text(root, "DisableSshPasswordAuthentication"),
        "has_user_password": "1" if password and password != "*" else "0",
        "has_custom_data": "1" if _first_text(root, "CustomData") else "0",
        "ssh_key_count": str(len(_descendants(root, "PublicKey"))),
        "preprovisioned_vm": _first_text(root, "PreprovisionedVm"),
    }
    disabled = (provision or "").strip().lower() == "false"
    message = f"ovf-env: host {fields['hostname']}, ProvisionGuestAgent {provision or '(not set)'}"
    if disabled:
        message += " (the agent disables itself: no extensions will run)"
    out.add(message, fields, level="warning" if disabled else "info", component="WALinuxAgent")


def _salvage_ovf_env(text: str, out: _Out, context: ParseContext) -> None:
    match = re.search(r"<(?:\w+:)?ProvisionGuestAgent>\s*(\w+)\s*<", text)
    if match:
        out.add(f"ovf-env: ProvisionGuestAgent {match.group(1)} (from a damaged file)",
                {"kind": "ovf_env", "provision_guest_agent": match.group(1), "salvaged": "1"}, span=0)


build_ovf_env.salvage = _salvage_ovf_env  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------
# manifests


def build_manifest(root: Element, lines: list[str], out: _Out, context: ParseContext) -> None:
    """``<Handler>.N.manifest.xml`` / ``Prod.N.agentsManifest``: the versions on offer."""
    if _local(root.tag) != "PluginVersionManifest":
        raise _Broken(f"root element is <{_local(root.tag)}>, not <PluginVersionManifest>")
    base = context.path.rsplit("/", 1)[-1]
    agent = base.lower().endswith(".agentsmanifest") or base.lower().startswith("waagent.")
    name = re.sub(r"(\.\d+)?\.(manifest\.xml|agentsManifest)$", "", base, flags=re.I)
    versions = [_text(p, "Version") or "" for p in _children(_child(root, "Plugins"), "Plugin")]
    internal = [_text(p, "Version") or "" for p in _children(_child(root, "InternalPlugins"), "Plugin")]

    def sort_key(version: str) -> tuple:
        return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))

    latest = max(versions, key=sort_key) if versions else None
    fields = {
        "kind": "manifest",
        "manifest_kind": "agent" if agent else "extension",
        "name": name,
        "version_count": str(len(versions)),
        "versions": _short(",".join(versions), 1000),
        "internal_versions": _short(",".join(internal), 500) or None,
        "latest_version": latest,
    }
    out.add(f"Manifest {name}: {len(versions)} version(s), latest {latest}", fields)


# --------------------------------------------------------------------------------------------------
# log collector results


_AGENT_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s+(?P<level>[A-Z]+)\s+(?P<msg>.*)$"
)
_LEVELS = {"INFO": "info", "WARNING": "warning", "WARN": "warning", "ERROR": "error", "VERBOSE": "verbose"}


def parse_logcollector_results(data: bytes, context: ParseContext) -> ParseResult:
    """``logcollector/results.txt``: one event per record (continuation lines joined)."""
    result, text, lines = _begin(data, context)
    if text is None:
        return result
    records: list[list] = []  # [line, time, level, message lines, span]
    leading_blank = 0
    for number, line in enumerate(lines, 1):
        match = _AGENT_LINE.match(line)
        if match:
            records.append([number, _utc(match.group("ts")), _LEVELS.get(match.group("level")), [match.group("msg")], 1])
        elif not line.strip():
            if records:
                records[-1][4] += 1
            else:
                leading_blank += 1
        elif records and records[-1][1] is not None and line[:1] in " \t":
            records[-1][3].append(line)
            records[-1][4] += 1
        else:
            records.append([number, None, None, [line.strip()], 1])
    if records:
        records[0][4] += leading_blank
    elif leading_blank:
        records.append([1, None, None, [""], leading_blank])
    out = _Out(result, _Location(context.path), structured=False)
    for number, time, level, message, span in records:
        out.add("\n".join(message), {"kind": "logcollector_result", "result_level": level},
                line=number, time=time, level=level, component="LogCollector", span=span)
    return result


# --------------------------------------------------------------------------------------------------
# DHCP leases


def _decode_245(value: str) -> str | None:
    """Option 245 as an IPv4 address: ``a8:3f:81:10``, ``A83F8110``, ``168.63.129.16`` or an escaped string."""
    text = value.strip().strip(";").strip()
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", text):
        return text
    hexes = text.split(":") if ":" in text else re.findall(r"..", text) if re.fullmatch(r"[0-9A-Fa-f]{8}", text) else None
    if hexes and len(hexes) == 4 and all(re.fullmatch(r"[0-9A-Fa-f]{1,2}", h) for h in hexes):
        return ".".join(str(int(h, 16)) for h in hexes)
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        raw = bytearray()
        body = text[1:-1]
        index = 0
        while index < len(body):
            char = body[index]
            if char == "\\" and index + 1 < len(body):
                octal = re.match(r"[0-7]{1,3}", body[index + 1:])
                if octal:
                    raw.append(int(octal.group(0), 8) & 0xFF)
                    index += 1 + len(octal.group(0))
                    continue
                raw.append(ord(body[index + 1]) & 0xFF)
                index += 2
                continue
            raw.append(ord(char) & 0xFF)
            index += 1
        if len(raw) == 4:
            return ".".join(str(b) for b in raw)
    return None


def _dhclient_time(words: list[str]) -> str | None:
    """``expire 4 2015/06/16 16:58:54`` (UTC), ``expire never``, ``expire epoch 1434473934``."""
    if words and words[0].isdigit() and len(words) > 1 and not re.match(r"\d{4}/", words[0]):
        words = words[1:]  # the weekday digit
    if not words:
        return None
    if words[0] == "never":
        return "never"
    if words[0] == "epoch" and len(words) > 1:
        return _iso(_epoch(words[1]))
    if len(words) >= 2:
        return _iso(_utc(words[0].replace("/", "-") + "T" + words[1] + "Z"))
    return None


def _lease_event(out: _Out, fields: dict[str, Any], line: int, span: int) -> None:
    endpoint = fields.get("endpoint")
    where = fields.get("interface") or (f"interface index {fields['ifindex']}" if fields.get("ifindex") else "?")
    message = f"DHCP lease on {where}: address {fields.get('fixed_address')}"
    if fields.get("option_245") == "1":
        message += f", option 245 = {endpoint or 'undecodable'}"
    else:
        message += ", no option 245 (no WireServer address from DHCP)"
    if fields.get("expire"):
        message += f", expires {fields['expire']}"
    level = "info"
    if fields.get("option_245") != "1" or (endpoint and endpoint != WIRESERVER_IP):
        level = "warning"
    out.add(message, fields, line=line, level=level, component="dhcp", span=span)


def _parse_dhclient(lines: list[str], result: ParseResult, out: _Out, context: ParseContext, interface_hint: str | None) -> None:
    index = 0
    pending_blank = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith("#"):
            if len(result.events):
                result.events.spans += 1
            else:
                pending_blank += 1
            index += 1
            continue
        opening = re.match(r"^(lease6?)\s*\{", stripped)
        if not opening:
            if stripped.endswith(";"):
                out.add(f"DHCP client statement: {stripped}", {"kind": "dhcp_statement", "statement": _short(stripped, 300)},
                        line=index + 1, component="dhcp", span=1 + pending_blank)
                pending_blank = 0
            else:
                result.unparsable(index + 1)
            index += 1
            continue
        start = index
        depth = stripped.count("{") - stripped.count("}")
        fields: dict[str, Any] = {"kind": "dhcp_lease", "lease_format": "dhclient", "option_245": "0",
                                  "lease6": "1" if opening.group(1) == "lease6" else None}
        index += 1
        while index < len(lines) and depth > 0:
            body = lines[index].strip()
            depth += body.count("{") - body.count("}")
            statement = re.sub(r";\s*(?:#.*)?$", "", body).strip()
            words = statement.split()
            if words:
                if words[0] == "interface" and len(words) > 1:
                    fields["interface"] = words[1].strip('"')
                elif words[0] == "fixed-address" and len(words) > 1:
                    fields["fixed_address"] = words[1]
                elif words[0] in ("expire", "renew", "rebind"):
                    if words[0] in ("expire", "renew"):
                        fields[words[0]] = _dhclient_time(words[1:])
                elif words[0] == "option" and len(words) > 2:
                    option, value = words[1], " ".join(words[2:])
                    if option == "dhcp-server-identifier":
                        fields["server_identifier"] = value
                    elif option == "routers":
                        fields["routers"] = value
                    elif option in ("unknown-245", "option-245", "azure-endpoint", "wireserver") or option.endswith("245"):
                        fields["option_245"] = "1"
                        fields["endpoint"] = _decode_245(value)
            index += 1
        if depth > 0:
            kind = "truncated" if context.truncated or index >= len(lines) else "malformed"
            result.problems.append(Problem(context.file, kind, f"lease block opened at line {start + 1} is not closed"))
            for number in range(start + 1, index + 1):
                result.unparsable(number)
            span = 0
        else:
            span = index - start + pending_blank
        pending_blank = 0
        fields.setdefault("interface", interface_hint)
        if fields.get("endpoint"):
            fields["endpoint_is_wireserver"] = "1" if fields["endpoint"] == WIRESERVER_IP else "0"
        _lease_event(out, fields, start + 1, span)
    if pending_blank:
        if len(result.events):
            result.events.spans += pending_blank
        else:
            out.add("DHCP lease file without leases", {"kind": "dhcp_statement"}, span=pending_blank, component="dhcp")


def _parse_key_value_lease(lines: list[str], result: ParseResult, out: _Out, interface_hint: str | None, ifindex: str | None) -> None:
    values: dict[str, str] = {}
    accounted = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            accounted += 1
            continue
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", stripped)
        if not match:
            result.unparsable(number)
            continue
        values[match.group(1)] = match.group(2).strip().strip('"')
        accounted += 1
    option = values.get("OPTION_245") or values.get("PRIVATE_245")
    fields: dict[str, Any] = {
        "kind": "dhcp_lease",
        "lease_format": "networkd",
        "interface": interface_hint,
        "ifindex": ifindex,
        "fixed_address": values.get("ADDRESS"),
        "server_identifier": values.get("SERVER_ADDRESS"),
        "routers": values.get("ROUTER"),
        "lifetime": values.get("LIFETIME"),
        "option_245": "1" if option else "0",
        "endpoint": _decode_245(option) if option else None,
    }
    if fields["endpoint"]:
        fields["endpoint_is_wireserver"] = "1" if fields["endpoint"] == WIRESERVER_IP else "0"
    _lease_event(out, fields, 1, accounted)


def _parse_wicked_lease(text: str, lines: list[str], result: ParseResult, out: _Out, context: ParseContext, interface_hint: str | None) -> None:
    # wicked writes element names such as <ipv4:dhcp> without declaring the prefix
    body = re.sub(r"<(/?)([A-Za-z][\w.-]*):([A-Za-z])", r"<\1\2_\3", text)
    try:
        root = _xml(body)
    except _Broken as error:
        _broken(result, context, str(error))
        return
    option_value = None
    for option in _descendants(root, "option"):
        if (_text(option, "code") or "").strip() == "245":
            option_value = _text(option, "data") or _text(option, "value") or ""
    for name in ("unknown-245", "option-245"):
        found = _first_text(root, name)
        if found:
            option_value = found
    fields: dict[str, Any] = {
        "kind": "dhcp_lease",
        "lease_format": "wicked",
        "interface": interface_hint,
        "fixed_address": _first_text(root, "address") or _first_text(root, "local"),
        "server_identifier": _first_text(root, "server-address"),
        "option_245": "1" if option_value is not None else "0",
        "endpoint": _decode_245(option_value) if option_value else None,
    }
    if fields["endpoint"]:
        fields["endpoint_is_wireserver"] = "1" if fields["endpoint"] == WIRESERVER_IP else "0"
    _lease_event(out, fields, 1, len(lines))


def parse_dhcp_lease(data: bytes, context: ParseContext) -> ParseResult:
    """DHCP leases of dhclient, NetworkManager, wicked and systemd-networkd: option 245 = WireServer."""
    result, text, lines = _begin(data, context)
    if text is None:
        return result
    base = context.path.rsplit("/", 1)[-1]
    interface = None
    match = re.search(r"(?:dhclient6?[.-](?:[0-9a-f-]+-)?|internal-[0-9a-f-]+-|lease-)([A-Za-z][\w.]*?)(?:\.leases?|-dhcp-ipv[46]\.xml)?$", base)
    if match and not match.group(1).startswith(("lease", "dhclient")):
        interface = match.group(1)
    out = _Out(result, _Location(context.path), structured=False)
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("<"):
        _parse_wicked_lease(text, lines, result, out, context, interface)
    elif re.search(r"^[^\S\n]*lease6?\s*\{", text, re.M) or not re.search(r"^[A-Z][A-Z0-9_]*=", text, re.M):
        _parse_dhclient(lines, result, out, context, interface)
    else:
        _parse_key_value_lease(lines, result, out, interface, base if base.isdigit() else None)
    return result


# --------------------------------------------------------------------------------------------------
# claims and the parser table


def _guard(parse_function: Callable[[bytes, ParseContext], ParseResult]):
    def parse(data: bytes, context: ParseContext) -> ParseResult:
        try:
            return parse_function(data, context)
        except Exception as error:  # a bug of ours: counted and shown, never raised
            result = ParseResult(source=SOURCE)
            result.lines = len(split_lines(decode(data).text))
            _all_unparsed(result, result.lines)
            result.problems.append(Problem(context.file, "parser-error", f"{type(error).__name__}: {error}"))
            return result

    parse.__doc__ = parse_function.__doc__
    return parse


def _claim(name: re.Pattern[str] | None, content: Callable[[bytes], bool] | None):
    def claim(path: str, head: bytes) -> int:
        by_name = bool(name.search(path)) if name is not None else False
        try:
            by_content = bool(content(head[:16384])) if content is not None else False
        except Exception:
            by_content = False
        if by_name and by_content:
            return BY_NAME_AND_CONTENT
        if by_name:
            return BY_NAME
        return BY_CONTENT if by_content else 0

    return claim


_LIB = r"(?:^|/)var/lib/waagent/"
_HIST = _LIB + r"history/[^/]+/"
_EXT = _LIB + r"[^/]+-\d+(?:\.\d+)*/"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _json_head(head: bytes) -> bytes:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")


def _has(*needles: bytes, start: bytes | None = None, absent: tuple[bytes, ...] = ()) -> Callable[[bytes], bool]:
    def test(head: bytes) -> bool:
        body = _json_head(head)
        if start is not None and not body.startswith(start):
            return False
        return all(n in body for n in needles) and not any(a in body for a in absent)

    return test


def _xml_root_is(*names: str) -> Callable[[bytes], bool]:
    pattern = re.compile(rb"<(?:\w+:)?(?:" + b"|".join(n.encode() for n in names) + rb")[\s>/]")

    def test(head: bytes) -> bool:
        body = _json_head(head)
        body = re.sub(rb"^(?:<\?xml[^>]*\?>\s*|<!--.*?-->\s*)*", b"", body, flags=re.S)
        return bool(pattern.match(body))

    return test


def _pem(head: bytes) -> bool:
    return _json_head(head).startswith(b"-----BEGIN ")


def _dhclient_content(head: bytes) -> bool:
    block = bool(re.search(rb"^[^\S\n]*lease6?\s*\{", head, re.M))
    return (block and b"fixed-address" in head) or b"option unknown-245" in head


PARSERS = (
    Parser("GoalState", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?GoalState(?:\.\d+)?\.xml$"), _xml_root_is("GoalState")),
           _guard(_structured(build_goal_state, _xml))),
    Parser("ExtensionsConfig", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?ExtensionsConfig(?:\.\d+)?\.xml$"), _xml_root_is("Extensions")),
           _guard(_structured(build_extensions_config, _xml))),
    Parser("HostingEnvironmentConfig", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?HostingEnvironmentConfig(?:\.\d+)?\.xml$"), _xml_root_is("HostingEnvironmentConfig")),
           _guard(_structured(build_hosting_env, _xml))),
    Parser("SharedConfig", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?SharedConfig(?:\.\d+)?\.xml$"), _xml_root_is("SharedConfig")),
           _guard(_structured(build_shared_config, _xml))),
    Parser("VmSettings", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?VmSettings(?:\.[^/]+)?\.json$"), _has(b'"extensionGoalStates"', start=b"{")),
           _guard(_structured(build_vm_settings, _json))),
    Parser("certificate or secret file", SOURCE,
           _claim(_rx(_LIB + r"(?:.*/)?(?:Certificates(?:\.\d+)?\.(?:xml|p7m|pem|prv|crt)|[^/]+\.(?:crt|prv|pem|p7m|pfx|key)"
                      r"|(?:V2)?Transport(?:Cert|Private)[^/]*|RemoteAccess(?:\.\d+)?\.xml|ManagedIdentity-[^/]*\.json)$"),
                  lambda head: _pem(head) or _xml_root_is("CertificateFile")(head)),
           _guard(parse_secret_file)),
    Parser("Certificates.json", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?Certificates\.json$"), _has(b'"thumbprint"', b'"hasPrivateKey"', start=b"[")),
           _guard(_structured(build_certificates_json, _json))),
    Parser("waagent_status.json", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?waagent_status(?:\.\d+)?\.json$"), _has(b'"aggregateStatus"', start=b"{")),
           _guard(_structured(build_agent_status, _json))),
    Parser("extension status file", SOURCE,
           _claim(_rx(_EXT + r"status/(?:[^/]+\.)?(?:\d+\.status|\d+_status|tempStatusFile\.status)$"),
                  _has(b'"status"', b'"timestampUTC"', start=b"[", absent=(b'"aggregateStatus"', b'"heartbeat"'))),
           _guard(_structured(build_ext_status, _json))),
    Parser("extension settings", SOURCE,
           _claim(_rx(_EXT + r"config/(?:[^/]+\.)?(?:\d+\.settings|\d+_settings)$"), _has(b'"runtimeSettings"', b'"handlerSettings"', start=b"{")),
           _guard(_structured(build_ext_settings, _json))),
    Parser("HandlerState", SOURCE,
           _claim(_rx(_EXT + r"config/(?:[^/]+\.)?HandlerState$|" + _LIB + r"handler_state/[^/]+/state$"), None),
           _guard(parse_handler_state)),
    Parser("HandlerStatus", SOURCE,
           _claim(_rx(_EXT + r"config/HandlerStatus$|" + _LIB + r"handler_state/[^/]+/status$"), _has(b'"supports_multi_config"', start=b"{")),
           _guard(_structured(build_handler_status, _json))),
    Parser("HandlerManifest.json", SOURCE,
           _claim(_rx(_EXT + r"HandlerManifest\.json$"), _has(b'"handlerManifest"')),
           _guard(_structured(build_handler_manifest, _json))),
    Parser("HandlerEnvironment.json", SOURCE,
           _claim(_rx(_EXT + r"HandlerEnvironment\.json$"), _has(b'"handlerEnvironment"')),
           _guard(_structured(build_handler_environment, _json))),
    Parser("heartbeat.log", SOURCE,
           _claim(_rx(_EXT + r"heartbeat\.log$"), _has(b'"heartbeat"', start=b"[")),
           _guard(_structured(build_heartbeat, _json))),
    Parser("mrseq", SOURCE, _claim(_rx(_EXT + r"mrseq$"), None), _guard(parse_mrseq)),
    Parser("agent error.json", SOURCE,
           _claim(_rx(_LIB + r"(?:[^/]+/)?error\.json$"), _has(b'"failure_count"', b'"was_fatal"', start=b"{")),
           _guard(_structured(build_agent_error, _json))),
    Parser("agent marker file", SOURCE,
           _claim(_rx(_LIB + r"(?:disable_agent|Incarnation|WireServerEndpoint|Protocol|provisioned|published_hostname|partition)$"), None),
           _guard(parse_marker)),
    Parser("ovf-env.xml", SOURCE,
           _claim(_rx(r"(?:^|/)ovf-env\.xml$"), _xml_root_is("Environment")),
           _guard(_structured(build_ovf_env, _xml))),
    Parser("extension or agent manifest", SOURCE,
           _claim(_rx(_LIB + r"(?:history/[^/]+/)?[^/]+\.(?:manifest\.xml|agentsManifest)$"), _xml_root_is("PluginVersionManifest")),
           _guard(_structured(build_manifest, _xml))),
    Parser("log collector results", SOURCE,
           _claim(_rx(r"(?:^|" + _LIB + r"logcollector/)results\.txt$"), _has(b"Starting log collection")),
           _guard(parse_logcollector_results)),
    Parser("DHCP lease", SOURCE,
           _claim(_rx(r"(?:^|/)(?:var/lib/dhcp/[^/]*\.leases?|var/lib/dhcp/dhclient[^/]*|var/lib/dhclient/[^/]+"
                      r"|var/lib/NetworkManager/[^/]*\.lease[^/]*|var/lib/wicked/lease[^/]*|run/systemd/netif/leases/[^/]+)$"),
                  _dhclient_content),
           _guard(parse_dhcp_lease)),
)
