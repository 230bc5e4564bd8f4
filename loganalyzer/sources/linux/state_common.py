"""What the agent-state parsers share (not a parser): the prologue for state files, where a file
sits (history folder, extension directory), the event adder that redacts and merges location
fields (:class:`_Out`), the document reader (:func:`_structured`), the settings fields shared by
ExtensionsConfig, VmSettings and ``config/N.settings``, and the claim builders.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime
from itertools import accumulate
from typing import Any

from ...events import EventRows, Problem
from ...redaction import MASK, redact, redact_json
from .. import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext, ParseResult
from .._kit import (
    Element,
    XmlRefused,
    begin_text,
    field_text,
    iso_z,
    load_json,
    lookup,
    mark_unparsed,
    parse_instant,
    parse_ticks,
    parse_xml,
)

SOURCE = "waagent.state"
WIRESERVER_IP = "168.63.129.16"
VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"

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


#: fields every agent-state event may carry: what it is and where its file sits
LOCATION_FIELDS = {
    "kind": "what the event describes (goal_state, ext_config_plugin, handler_status, ext_status, ...)",
    "history_time": "UTC time of the history/ folder holding the file (...Z)",
    "history_incarnation": "incarnation named by that history folder",
    "history_etag": "etag named by a 2.9+ history folder",
    "handler": "extension handler whose directory holds the file",
    "handler_version": "that handler's version",
    "ext_name": "extension name of a multi-config file (<ExtName>.N.settings, ...)",
    "file_incarnation": "N of a GoalState.N.xml / ExtensionsConfig.N.xml / waagent_status.N.json name",
    "salvaged": "1: recovered by pattern from a document that does not parse",
}

#: fields of one handlerSettings object (ExtensionsConfig plugins, VmSettings, config/N.settings)
SETTINGS_FIELDS = {
    "cert_thumbprint": "thumbprint of the certificate that protects the settings",
    "has_protected_settings": "1 when protected settings are present (never their content)",
    "public_keys": "comma list of the public settings' keys",
    "command": "VMSnapshotLinux commandToExecute (Enable, ...)",
    "task_id": "VMSnapshotLinux backup task id",
    "command_start_ticks": "VMSnapshotLinux commandStartTimeUTCTicks as written",
    "command_start_time": "that time as UTC ...Z",
    "vm_type": "VMSnapshotLinux vmType",
    "locale": "VMSnapshotLinux locale",
    "public_settings": "VMSnapshotLinux public settings as JSON (URL queries and objectStr masked)",
    "settings_unreadable": "1: the runtime settings JSON does not parse",
}

#: fields of an extension status object (status/N.status, waagent_status.json handlers)
STATUS_FIELDS = {
    "name": "handler or extension name the status names",
    "operation": "operation reported (Enable, Install, ...)",
    "status": "status word (success, error, transitioning, Ready, NotReady, ...)",
    "code": "status code as written",
    "code_name": "name of the code (added by loganalyzer.enrich from knowledge.toml)",
    "message": "the status message (formattedMessage), redacted",
    "configuration_applied_time": "configurationAppliedTime as written",
    "substatus_count": "number of substatus entries",
    "inner_status": "VMSnapshotLinux report: status of the inner JSON report",
    "inner_code": "VMSnapshotLinux report: its code",
    "inner_code_name": "name of inner_code (added by loganalyzer.enrich)",
    "inner_message": "VMSnapshotLinux report: its message",
    "inner_report": "unreadable: the inner report does not parse",
    "message_format": "text or json: how the VMSnapshotLinux message was written",
    "ext_error_code": "VMSnapshotLinux extErrorCode (telemetry)",
    "vm_health_state": "vmHealthInfo state as written",
    "vm_health": "green, yellow or red (from vm_health_state)",
    "vm_health_status_code": "vmHealthStatusCode",
    "snapshot_count": "number of snapshot entries in the report",
    "snapshot_failed_count": "how many of them failed",
    "snapshot_first_error": "the first failed snapshot's error message",
    "host_status_code_pre_snapshot": "host status code of the pre-snapshot call",
    "host_status_code_do_snapshot": "host status code of the snapshot call",
    "status_blob_upload_error": "statusBlobUploadError (telemetry)",
    "snapshot_creator": "who took the snapshot (telemetry snapshotCreator)",
    "extension_version": "VMSnapshotLinux version (telemetry)",
    "guest_agent_version": "agent version (telemetry)",
    "os_version": "OS version (telemetry)",
    "kernel_version": "kernel version (telemetry)",
    "python_version": "python version (telemetry)",
    "freeze_time": "time the filesystems stayed frozen (telemetry)",
    "thaw_time": "time the thaw took (telemetry)",
    "snapshot_time_taken": "time the snapshot took (telemetry)",
    "consistency_type": "consistency code as written (telemetry)",
    "snapshot_consistency": "none, fileSystem, application or crash",
    "network_fs_in_mount": "a network filesystem is mounted (telemetry)",
    "prepost_enabled": "pre/post scripts enabled (telemetry)",
    "workloads": "workloads named by the telemetry",
    "job_message": "the backup job's message in the report",
    "unique_machine_id": "the report's machine id",
    "total_used_bytes": "sum of the partitions' used bytes",
    "partition_count": "number of partitions reported",
    "size_computation_failed": "1: the extension could not compute disk usage",
    "seq_no": "sequence number of the status file or handler",
    "task_id": "VMSnapshotLinux report: backup task id",
    "command_start_time": "VMSnapshotLinux report: UTC time the backup command started (...Z)",
}



class _Broken(Exception):
    """The document does not parse (a problem, not a bug)."""


def _begin(data: bytes, context: ParseContext, result: ParseResult) -> tuple[str | None, list[str]]:
    """The kit's text prologue for a state file: (text, lines), text None for binary data."""
    lines = begin_text(data, context, result, binary_message="binary data where a text file was expected", line_bound=None)
    if lines is None:
        return None, []
    return "\n".join(lines), lines


def _xml(text: str) -> Element:
    try:
        return parse_xml(text)
    except XmlRefused as error:
        raise _Broken(str(error)) from None


def _json(text: str) -> Any:
    try:
        return load_json(text)
    except ValueError as error:
        raise _Broken(f"not valid JSON: {str(error)[:200]}") from None


# --------------------------------------------------------------------------------------------------
# small helpers








def _broken(result: ParseResult, context: ParseContext, message: str) -> None:
    kind = "truncated" if context.truncated else "malformed"
    result.problems.append(Problem(context.file, kind, message))
    mark_unparsed(result, 1, result.lines - result.unparsed - result.events.spans)




























def _short(text: str | None, limit: int = 1000) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[:limit] + "..."












def _no_query(url: str | None) -> str | None:
    if not url:
        return url
    return url.strip().split("?", 1)[0]


class _Lines(list):
    """A document's lines that find the line of a text without rescanning them line by line:
    the text is joined once and searched by ``str.find``; a position becomes a line number by
    bisecting the line starts (so many look-ups stay fast on a large document)."""

    def __init__(self, lines: list[str]):
        super().__init__(lines)
        self._text = "\n".join(lines)
        self._starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
        self._indexes: dict[str, dict[str, int]] = {}

    def line_at(self, position: int) -> int:
        """The 1-based line holding character ``position`` of the joined text."""
        return bisect_right(self._starts, position)

    def first(self, needle: str, default: int = 1) -> int:
        """The line of the first occurrence of ``needle``, or ``default`` (one search: use it for
        a few needles; :meth:`first_match` for one per item of a long list)."""
        at = self._text.find(needle)
        return default if at < 0 else self.line_at(at)

    def first_match(self, pattern: str, value: str | None, default: int = 1) -> int:
        """The line of the first match of ``pattern`` whose group 1 is ``value``, or ``default``.

        All matches are indexed in one pass the first time a pattern is asked for, so looking up
        every plugin or handler of a large document stays linear.
        """
        index = self._indexes.get(pattern)
        if index is None:
            index = self._indexes[pattern] = {}
            for found in re.finditer(pattern, self._text):
                index.setdefault(found.group(1), found.start())
        at = index.get(str(value))
        return default if at is None else self.line_at(at)


#: patterns for :meth:`_Lines.first_match`: a JSON string, a ``name="..."`` attribute, ``<Name>``
JSON_STRING = r'"((?:[^"\\\n]|\\.)*)"'
NAME_ATTRIBUTE = r'name="([^"\n]*)"'
NAME_ELEMENT = r"<Name>([^<\n]*)</Name>"




def _message_of(status: Any) -> str | None:
    formatted = lookup(status, "formattedMessage")
    if isinstance(formatted, dict):
        value = lookup(formatted, "message")
        return value if isinstance(value, str) else field_text(value)
    if isinstance(formatted, str):
        return formatted
    message = lookup(status, "message")
    return message if isinstance(message, str) else None


def _level_for_status(status: str | None) -> str:
    lowered = (status or "").lower()
    if lowered in ("error", "notready", "failed", "failedupgrade"):
        return "error"
    if lowered == "warning":
        return "warning"
    return "info"


# --------------------------------------------------------------------------------------------------
# where a file sits: history folder, extension directory


_HISTORY = re.compile(r"(?:^|/)var/lib/waagent/history/(?P<dir>[^/]+?)(?:\.zip)?/[^/]+$", re.IGNORECASE)
_HISTORY_NEW = re.compile(r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})(?:\.\d+)?__(?P<tag>.+)$")
_HISTORY_OLD = re.compile(r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:_incarnation_(?P<inc>\d+))?$")
_HANDLER_DIR = re.compile(r"(?:^|/)var/lib/waagent/(?P<handler>[^/]+?)-(?P<version>\d+(?:\.\d+)*)/(?P<rest>.+)$", re.IGNORECASE)
_NUMBERED = re.compile(
    r"^(?:GoalState|ExtensionsConfig|HostingEnvironmentConfig|SharedConfig|Certificates|RemoteAccess|waagent_status)"
    r"\.(\d+)\.(?:xml|json)$",
    re.IGNORECASE,
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
                self.time = parse_instant(f"{date}T{clock.replace('-', ':')}Z")
                tag = new.group("tag")
                tag_match = re.match(r"^(\d+)(?:-(.+))?$", tag)
                if tag_match:
                    self.fields["history_incarnation"] = tag_match.group(1)
                    if tag_match.group(2):
                        self.fields["history_etag"] = tag_match.group(2)
                else:
                    self.fields["history_etag"] = tag
            elif old:
                self.time = parse_instant(old.group("ts") + "Z")
                if old.group("inc"):
                    self.fields["history_incarnation"] = old.group("inc")
            if self.time:
                self.fields["history_time"] = iso_z(self.time) or ""
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
    """A ``read`` for a document: load it (XML root or JSON value) and let ``kind_parse`` add its events.

    A document that does not load is a ``malformed`` (``truncated``) problem with every line
    unparsed; ``kind_parse.salvage(text, out, context)``, when defined, recovers what it can.
    """

    def read(data: bytes, context: ParseContext, result: ParseResult) -> None:
        text, lines = _begin(data, context, result)
        if text is None:
            return
        if not text.strip():
            result.problems.append(Problem(context.file, "truncated" if context.truncated else "malformed", "empty file"))
            mark_unparsed(result, 1, len(lines))
            return
        out = _Out(result, _Location(context.path))
        try:
            document = loader(text)
            kind_parse(document, _Lines(lines), out, context)
        except _Broken as error:
            result.events = EventRows()
            _broken(result, context, str(error))
            salvage = getattr(kind_parse, "salvage", None)
            if salvage is not None:
                salvage(text, out, context)
            return
        if len(result.events) == 0 or result.events.spans + result.unparsed < result.lines:
            out.add("(document with nothing to report)", {"kind": "empty_document"},
                    span=result.lines - result.events.spans - result.unparsed)

    read.__doc__ = kind_parse.__doc__
    return read


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
    fields["cert_thumbprint"] = field_text(lookup(handler_settings, "protectedSettingsCertThumbprint"))
    protected = lookup(handler_settings, "protectedSettings")
    fields["has_protected_settings"] = "1" if protected not in (None, "", {}, []) else "0"
    public = lookup(handler_settings, "publicSettings")
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
    start = lookup(public, "commandStartTimeUTCTicks")
    fields = {
        "command": field_text(lookup(public, "commandToExecute")),
        "task_id": field_text(lookup(public, "taskId")),
        "command_start_ticks": field_text(start),
        "command_start_time": iso_z(parse_ticks(start)) if start is not None else None,
        "vm_type": field_text(lookup(public, "vmType")),
        "locale": field_text(lookup(public, "locale")),
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
# claims and the parser table


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
    return re.compile(pattern, re.IGNORECASE)


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
        body = re.sub(rb"^(?:<\?xml[^>]*\?>\s*|<!--.*?-->\s*)*", b"", body, flags=re.DOTALL)
        return bool(pattern.match(body))

    return test


def _pem(head: bytes) -> bool:
    return _json_head(head).startswith(b"-----BEGIN ")


def _dhclient_content(head: bytes) -> bool:
    block = bool(re.search(rb"^[^\S\n]*lease6?\s*\{", head, re.MULTILINE))
    return (block and b"fixed-address" in head) or b"option unknown-245" in head

