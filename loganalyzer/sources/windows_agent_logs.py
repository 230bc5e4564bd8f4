"""Windows Azure guest agent and extension files: source ``windows.agent``.

Paths are matched case-insensitively and with ``\\`` or ``/``, anywhere below a prefix
(``C/``, ``device_0/``, the log collection's own folders), so each of these is recognised::

    WindowsAzure/Logs/WaAppAgent.log            TransparentInstaller.log, Telemetry.log,
                                                AppAgentRuntime.log, MonitoringAgent.log
    WindowsAzure/Logs/Plugins/<ext>/<ver>/*.log  CommandExecution, Install, Update, Heartbeat,
                                                IaaSBcdrExtension*.log (VMSnapshot)
    WindowsAzure/Logs/AggregateStatus/aggregatestatus*.json
    Packages/Plugins/<ext>/<ver>/Status/<n>.status, Status/HeartBeat.Json
    Packages/Plugins/<ext>/<ver>/RuntimeSettings/<n>.settings (public settings only)
    Packages/Plugins/<ext>/<ver>/HandlerManifest.json, SeqNumber.txt
    WindowsAzure/config/*.xml                   goal state / extensions config copies

WaAppAgent.log line prefixes (all three are read; unprefixed lines such as stack traces and
health-report JSON continue the entry above them)::

    [00000008] [05/30/2024 13:15:45.21] [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.1102
    [00000008] 2024-05-30T13:15:45.213Z [ERROR] GetVersions() failed with exception: ...
    [05/30/2024 13:15:45.21] [WARN] Did not discover fabric address on interface Ethernet 2
       at Microsoft.WindowsAzure.GuestAgent.ContainerStateMachine...

Times: agent-style prefixes are taken as UTC (the ISO variant says ``Z``; the bracketed
``MM/dd/yyyy`` variant is assumed UTC too). Other timestamped text (IaaSBcdrExtension logs) is
UTC only with ``Z``/an offset, else local wall-clock (``local_time=True``).

``fields`` keys (strings):

================  ============================================================================
log               waappagent | transparentinstaller | telemetry | appagentruntime |
                  monitoringagent | commandexecution | install | update | heartbeat |
                  iaasbcdrextension | <file stem> (plugin logs)
tid               thread id of the prefix
level_word        the log's own level (``INFO``, ``WARN``, ``ERROR``, ``HEART``, ``TRACE``)
prefix            us-date | iso | generic (which line grammar matched)
handler           extension name from the path (``Microsoft.Azure.RecoveryServices.VMSnapshot``)
handler_version   extension version from the path (``1.0.92.0``)
kind              health-report | status | substatus | heartbeat | runtime-settings |
                  handler-manifest | seq-number | aggregate-status | guest-agent-status |
                  goal-state | plugin | plugin-settings | config
seq               sequence number (from the file name or the JSON)
status, code      handler/substatus status word and code
operation, name   status operation and name; ``substatus_name`` for substatus rows
public.<key>      public settings values (protectedSettings are never read)
has_protected_settings, cert_thumbprint
manifest.<key>    HandlerManifest.json values
seq_number        SeqNumber.txt content
incarnation, container_id, role_instance, state, version, auto_upgrade
                  goal state / extensions config values
================  ============================================================================
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from defusedxml import ElementTree as SafeET

from ..events import Problem
from ..redaction import redact, redact_json
from ..textio import decode, load_json, looks_binary, split_lines
from . import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext, ParseResult, Parser
from .windows_events import normalise_path, parse_iso, redact_fields

__all__ = ["PARSERS"]

SOURCE = "windows.agent"

# --------------------------------------------------------------------------------------------
# Path recognition

_AGENT_LOGS = {
    "waappagent": "waappagent",
    "transparentinstaller": "transparentinstaller",
    "telemetry": "telemetry",
    "appagentruntime": "appagentruntime",
    "monitoringagent": "monitoringagent",
}
_AGENT_LOG_NAME = re.compile(
    r"(?:^|/)(waappagent|transparentinstaller|telemetry|appagentruntime|monitoringagent)"
    r"(?:[._-]\d+)?\.log(?:\.\d+|\.old|\.bak)?$"
)
_PLUGIN_LOG = re.compile(r"(?:^|/)logs/plugins/([^/]+)/([^/]+)/(?:[^/]+/)*([^/]+\.log(?:\.\d+)?)$")
_BCDR_LOG = re.compile(r"(?:^|/)(iaasbcdrextension[^/]*\.log(?:\.\d+)?)$")
_PLUGIN_DIR = r"(?:^|/)plugins/([^/]+)/([^/]+)/"
_STATUS_FILE = re.compile(_PLUGIN_DIR + r"status/([^/]+)\.status$")
_HEARTBEAT_FILE = re.compile(_PLUGIN_DIR + r"status/heartbeat\.json$")
_SETTINGS_FILE = re.compile(_PLUGIN_DIR + r"runtimesettings/([^/]+)\.settings$")
_MANIFEST_FILE = re.compile(_PLUGIN_DIR + r"handlermanifest\.json$")
_SEQNUMBER_FILE = re.compile(_PLUGIN_DIR + r"seqnumber\.txt$")
_AGGREGATE_FILE = re.compile(r"(?:^|/)aggregatestatus[^/]*\.json$")
_CONFIG_FILE = re.compile(r"(?:^|/)windowsazure/config/[^/]+\.xml$")


def _original_parts(path: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    """The groups of ``pattern`` cut from the path in its original spelling."""
    clean = path.replace("\\", "/").lstrip("/")
    match = pattern.search(clean.lower())
    if not match:
        return ()
    return tuple(clean[match.start(i): match.end(i)] for i in range(1, (pattern.groups or 0) + 1))


# --------------------------------------------------------------------------------------------
# Line grammar of agent and extension text logs

_AGENT_PREFIX = re.compile(
    r"^(?:\[(?P<tid>[0-9A-Fa-f]{1,16}(?:\+[0-9A-Fa-f]{1,16})?)\]\s*)?"
    r"(?:\[(?P<us>\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d:\d\d(?:\.\d+)?)\]"
    r"|(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?))"
    r"\s*\[(?P<level>[A-Za-z]{3,8})\]\s*(?P<message>.*)$"
)
_GENERIC_TIME = re.compile(
    r"^(?:\[[^\]\s]{1,24}\]\s*)?\[?"
    r"(?:(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:\s?Z|[+-]\d\d:?\d\d)?)"
    r"|(?P<us>\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d\d:\d\d(?:\.\d+)?(?:\s?[AP]M)?))\]?\s*[:,-]?\s*(?P<rest>.*)$",
    re.I,
)
_GENERIC_LEVEL = re.compile(
    r"^\W{0,2}(ERROR|ERR|WARNING|WARN|INFO|INFORMATION|VERBOSE|DEBUG|TRACE|FATAL|CRITICAL|HEART)\b\]?\s*[:-]?\s*",
    re.I,
)
_LEVELS = {
    "error": "error", "err": "error", "fatal": "error", "critical": "error",
    "warn": "warning", "warning": "warning",
    "info": "info", "information": "info", "heart": "info",
    "verbose": "verbose", "debug": "verbose", "trace": "verbose",
}
_US_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d\d):(\d\d)(?:\.(\d+))?(?:\s?([AP]M))?", re.I)


def _us_time(text: str) -> datetime | None:
    match = _US_TIME.match(text)
    if not match:
        return None
    month, day, year, hour, minute, second, fraction, meridiem = match.groups()
    hour_value = int(hour)
    if meridiem:
        hour_value = hour_value % 12 + (12 if meridiem.upper() == "PM" else 0)
    try:
        return datetime(int(year), int(month), int(day), hour_value, int(minute), int(second),
                        int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        return None


class _Entry:
    __slots__ = ("line", "span", "time", "local", "level", "message", "fields")

    def __init__(self, line, time, local, level, message, fields):
        self.line, self.span, self.time, self.local = line, 1, time, local
        self.level, self.message, self.fields = level, [message], fields


def _health_report(line: str) -> tuple[datetime | None, dict[str, str]] | None:
    """A whole-line VM health report JSON (TransparentInstaller.log), or None."""
    stripped = line.strip()
    if not (stripped.startswith("{") and '"reportTime"' in stripped):
        return None
    try:
        report = load_json(stripped)
    except ValueError:
        return None
    if not isinstance(report, dict):
        return None
    moment, _ = parse_iso(str(report.get("reportTime", "")))
    return moment, {"kind": "health-report"}


def _read_text_log(data: bytes, context: ParseContext, result: ParseResult, base_fields: dict[str, str],
                   component: str, orphans_as_events: bool) -> None:
    """Prefixed agent lines, generic timestamped lines, continuation lines; see the docstring."""
    if looks_binary(data):
        result.problems.append(Problem(context.file, "binary", "binary data where a text log was expected"))
        return
    decoded = decode(data)
    if decoded.warning:
        result.problems.append(Problem(context.file, "encoding", decoded.warning))
    lines = split_lines(decoded.text)
    result.lines = len(lines)
    entries: list[_Entry] = []
    leading_blank = 0
    for number, line in enumerate(lines, 1):
        prefix = _AGENT_PREFIX.match(line)
        if prefix:
            word = prefix.group("level")
            if prefix.group("iso"):
                moment, _ = parse_iso(prefix.group("iso"))
                if moment is not None and moment.tzinfo is None:
                    moment = moment.replace(tzinfo=timezone.utc)
                shape = "iso"
            else:
                moment = _us_time(prefix.group("us"))
                if moment is not None:
                    moment = moment.replace(tzinfo=timezone.utc)
                shape = "us-date"
            fields = dict(base_fields, level_word=word.upper(), prefix=shape)
            if prefix.group("tid"):
                fields["tid"] = prefix.group("tid")
            entries.append(_Entry(number, moment, False, _LEVELS.get(word.lower()), prefix.group("message"), fields))
            continue
        report = _health_report(line)
        if report is not None:
            moment, extra = report
            entries.append(_Entry(number, moment, False, None, line.strip(), dict(base_fields, **extra)))
            continue
        generic = _GENERIC_TIME.match(line)
        if generic:
            if generic.group("iso"):
                moment, local = parse_iso(generic.group("iso"))
            else:
                moment, local = _us_time(generic.group("us")), True
            if moment is not None:
                rest = generic.group("rest")
                level = None
                fields = dict(base_fields, prefix="generic")
                found = _GENERIC_LEVEL.match(rest)
                if found:
                    level = _LEVELS.get(found.group(1).lower())
                    fields["level_word"] = found.group(1).upper()
                    rest = rest[found.end():]
                entries.append(_Entry(number, moment, local, level, rest, fields))
                continue
        untimed_run = bool(entries) and entries[-1].fields.get("prefix") == "none"
        if entries and not (untimed_run and line.strip() and not line[:1].isspace()):
            entries[-1].span += 1
            entries[-1].message.append(line)
        elif not line.strip():
            leading_blank += 1
        elif orphans_as_events:
            entries.append(_Entry(number, None, False, None, line, dict(base_fields, prefix="none")))
        else:
            result.unparsable(number)
    if entries:
        entries[0].span += leading_blank
    else:
        for number in range(1, leading_blank + 1):
            result.unparsable(number)
    for entry in entries:
        message = "\n".join(entry.message).rstrip()
        result.events.add(
            line=entry.line,
            message=redact(message),
            time=entry.time,
            level=entry.level,
            component=component,
            fields=redact_fields(entry.fields),
            local_time=entry.local and entry.time is not None,
            span=entry.span,
        )


def _guarded(reader):
    """Wrap a reader so that a bug of ours becomes a ``parser-error`` problem, never an exception."""

    def parse(data: bytes, context: ParseContext) -> ParseResult:
        result = ParseResult(source=SOURCE)
        try:
            reader(data, context, result)
        except Exception as error:
            result.problems.append(Problem(context.file, "parser-error", f"{reader.__name__}: {type(error).__name__}: {error}"))
            result.lines = result.lines or len(split_lines(decode(data).text))
            result.unparsed = max(0, result.lines - result.events.spans)
        return result

    parse.__doc__ = reader.__doc__
    parse.__name__ = reader.__name__.lstrip("_")
    return parse


# ---- agent logs ----------------------------------------------------------------------------


def claim_agent_log(path: str, head: bytes) -> int:
    """WaAppAgent.log and its siblings by name; any file whose first lines carry the prefix."""
    name = normalise_path(path)
    by_name = bool(_AGENT_LOG_NAME.search(name))
    text = decode(head[:4096]).text
    by_content = any(_AGENT_PREFIX.match(line) for line in split_lines(text)[:10])
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    if by_content and not _PLUGIN_LOG.search(name):
        return BY_CONTENT
    return 0


def _read_agent_log(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """WaAppAgent.log, TransparentInstaller.log, Telemetry.log, AppAgentRuntime.log."""
    match = _AGENT_LOG_NAME.search(normalise_path(context.path))
    log = _AGENT_LOGS[match.group(1)] if match else "waappagent"
    component = {"waappagent": "WaAppAgent", "transparentinstaller": "TransparentInstaller",
                 "telemetry": "Telemetry", "appagentruntime": "AppAgentRuntime",
                 "monitoringagent": "MonitoringAgent"}[log]
    _read_text_log(data, context, result, {"log": log}, component, orphans_as_events=log != "waappagent")


# ---- extension (plugin) logs -----------------------------------------------------------------


def claim_plugin_log(path: str, head: bytes) -> int:
    """``Logs/Plugins/<ext>/<ver>/*.log`` and ``IaaSBcdrExtension*.log`` by name."""
    name = normalise_path(path)
    if _PLUGIN_LOG.search(name) or _BCDR_LOG.search(name):
        text = decode(head[:4096]).text
        lines = split_lines(text)[:10]
        if any(_AGENT_PREFIX.match(l) or _GENERIC_TIME.match(l) for l in lines):
            return BY_NAME_AND_CONTENT
        return BY_NAME
    return 0


def _read_plugin_log(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """CommandExecution/Install/Update/Heartbeat.log and the VMSnapshot IaaSBcdrExtension logs."""
    parts = _original_parts(context.path, _PLUGIN_LOG)
    fields: dict[str, str] = {}
    component = None
    if parts:
        handler, version, file_name = parts
        fields.update(handler=handler, handler_version=version)
        component = handler
    else:
        file_name = context.path.replace("\\", "/").rsplit("/", 1)[-1]
    stem = re.sub(r"(\.log)(\.\d+)?$", "", file_name, flags=re.I).lower()
    if stem.startswith("iaasbcdrextension"):
        stem = "iaasbcdrextension"
        component = component or "Microsoft.Azure.RecoveryServices.VMSnapshot"
    fields["log"] = stem
    _read_text_log(data, context, result, fields, component or stem, orphans_as_events=True)


# ---- JSON state files --------------------------------------------------------------------------


def _load_json(data: bytes, context: ParseContext, result: ParseResult) -> object | None:
    """Decoded JSON, or None after recording a problem with every line unparsed."""
    decoded = decode(data)
    if decoded.warning:
        result.problems.append(Problem(context.file, "encoding", decoded.warning))
    text = decoded.text.lstrip("\ufeff")
    result.lines = len(split_lines(decoded.text))
    try:
        return load_json(text)
    except (ValueError, RecursionError) as error:
        result.problems.append(Problem(context.file, "malformed", f"JSON does not parse: {error}"))
        for number in range(1, result.lines + 1):
            result.unparsable(number)
        return None


def _message_of(node: dict) -> str:
    formatted = node.get("formattedMessage")
    if isinstance(formatted, dict):
        return str(formatted.get("message") or "")
    if isinstance(formatted, list) and formatted and isinstance(formatted[0], dict):
        return str(formatted[0].get("message") or "")
    for key in ("message", "Message"):
        if isinstance(node.get(key), str):
            return node[key]
    return ""


def _status_level(status: str) -> str | None:
    word = status.strip().lower()
    if word in ("error", "failed", "notready", "unresponsive"):
        return "error"
    if word in ("warning",):
        return "warning"
    if word in ("success", "ready", "transitioning", "installing", "enabled"):
        return "info"
    return None


class _Rows:
    """Events of one structured document: the first spans every line, the others span 0."""

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.count = 0

    def add(self, *, message: str, fields: dict, time=None, level=None, component=None) -> None:
        clean = {k: ("" if v is None else str(v)) for k, v in fields.items() if v is not None}
        self.result.events.add(
            line=1,
            message=redact(message),
            time=time,
            level=level,
            component=component,
            fields=redact_fields(clean),
            span=self.result.lines if self.count == 0 else 0,
        )
        self.count += 1

    def finish(self, context: ParseContext, what: str) -> None:
        if self.count == 0 and self.result.lines:
            self.result.problems.append(Problem(context.file, "malformed", f"no {what} found"))
            for number in range(1, self.result.lines + 1):
                self.result.unparsable(number)


def _utc(value: object) -> datetime | None:
    moment, local = parse_iso(str(value or ""))
    if moment is not None and local:
        moment = moment.replace(tzinfo=timezone.utc)  # *UTC keys carry no Z sometimes
    return moment


def claim_status(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/Status/<n>.status`` and ``Status/HeartBeat.Json``."""
    name = normalise_path(path)
    if _STATUS_FILE.search(name) or _HEARTBEAT_FILE.search(name):
        return BY_NAME_AND_CONTENT if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{") else BY_NAME
    return 0


def _read_status(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Handler status (status, code, message, substatus) and heartbeat files of an extension."""
    document = _load_json(data, context, result)
    if document is None:
        return
    name = normalise_path(context.path)
    heartbeat = bool(_HEARTBEAT_FILE.search(name))
    parts = _original_parts(context.path, _HEARTBEAT_FILE if heartbeat else _STATUS_FILE)
    base = {"handler": parts[0], "handler_version": parts[1]} if parts else {}
    if not heartbeat and parts:
        base["seq"] = parts[2]
    rows = _Rows(result)
    items = document if isinstance(document, list) else [document]
    for item in items:
        if not isinstance(item, dict):
            continue
        item = redact_json(item)
        time = _utc(item.get("timestampUTC"))
        if heartbeat or "heartbeat" in item:
            beat = item.get("heartbeat") if isinstance(item.get("heartbeat"), dict) else item
            status = str(beat.get("status", ""))
            rows.add(message=_message_of(beat) or f"heartbeat {status}", time=time, level=_status_level(status),
                     component=base.get("handler"),
                     fields=dict(base, kind="heartbeat", status=status, code=beat.get("code")))
            continue
        status_node = item.get("status")
        if not isinstance(status_node, dict):
            continue
        status = str(status_node.get("status", ""))
        fields = dict(base, kind="status", status=status, code=status_node.get("code"),
                      operation=status_node.get("operation"), name=status_node.get("name"))
        rows.add(message=_message_of(status_node) or f"{status_node.get('operation', '')} {status}".strip(),
                 time=time, level=_status_level(status), component=base.get("handler") or status_node.get("name"),
                 fields=fields)
        for sub in status_node.get("substatus") or []:
            if not isinstance(sub, dict):
                continue
            sub_status = str(sub.get("status", ""))
            rows.add(message=_message_of(sub) or sub_status, time=time, level=_status_level(sub_status),
                     component=base.get("handler") or status_node.get("name"),
                     fields=dict(base, kind="substatus", status=sub_status, code=sub.get("code"),
                                 substatus_name=sub.get("name"), operation=status_node.get("operation")))
    rows.finish(context, "status entry")


def claim_runtime_settings(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/RuntimeSettings/<n>.settings``."""
    return BY_NAME_AND_CONTENT if _SETTINGS_FILE.search(normalise_path(path)) and b"untimeSettings" in head \
        else BY_NAME if _SETTINGS_FILE.search(normalise_path(path)) else 0


def _public_values(node: object, prefix: str, out: dict[str, str], budget: list[int]) -> None:
    if budget[0] <= 0:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).lower() in ("protectedsettings",):
                continue
            _public_values(value, f"{prefix}.{key}", out, budget)
        return
    text = json.dumps(node, ensure_ascii=False) if isinstance(node, list) else ("" if node is None else str(node))
    if isinstance(node, bool):
        text = "true" if node else "false"
    if len(text) > 200 or prefix.rsplit(".", 1)[-1].lower() == "objectstr":
        # objectStr is base64 JSON holding the snapshot task token: only its size is shown
        text = f"<{len(text)} characters>"
    out[prefix] = text
    budget[0] -= 1


def _read_runtime_settings(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Public settings of one sequence number; protectedSettings are noted, never read."""
    document = _load_json(data, context, result)
    if document is None:
        return
    parts = _original_parts(context.path, _SETTINGS_FILE)
    base = {"handler": parts[0], "handler_version": parts[1], "seq": parts[2]} if parts else {}
    rows = _Rows(result)
    settings = document.get("runtimeSettings") if isinstance(document, dict) else None
    for entry in settings if isinstance(settings, list) else []:
        handler_settings = entry.get("handlerSettings") if isinstance(entry, dict) else None
        if not isinstance(handler_settings, dict):
            continue
        fields = dict(base, kind="runtime-settings",
                      has_protected_settings="true" if handler_settings.get("protectedSettings") else "false",
                      cert_thumbprint=handler_settings.get("protectedSettingsCertThumbprint"))
        public: dict[str, str] = {}
        _public_values(redact_json(handler_settings.get("publicSettings") or {}), "public", public, [200])
        fields.update(public)
        keys = ", ".join(k[len("public."):] for k in public) or "none"
        rows.add(message=f"runtime settings {base.get('seq', '?')}: public settings {keys}",
                 component=base.get("handler"), fields=fields)
    rows.finish(context, "runtimeSettings entry")


def claim_handler_manifest(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/HandlerManifest.json``."""
    return BY_NAME_AND_CONTENT if _MANIFEST_FILE.search(normalise_path(path)) else 0


def _read_handler_manifest(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """The commands and flags an extension declares (install, enable, reportHeartbeat, ...)."""
    document = _load_json(data, context, result)
    if document is None:
        return
    parts = _original_parts(context.path, _MANIFEST_FILE)
    base = {"handler": parts[0], "handler_version": parts[1]} if parts else {}
    rows = _Rows(result)
    for item in document if isinstance(document, list) else [document]:
        manifest = item.get("handlerManifest") if isinstance(item, dict) else None
        if not isinstance(manifest, dict):
            continue
        values: dict[str, str] = {}
        _public_values(redact_json(manifest), "manifest", values, [60])
        rows.add(message=f"handler manifest version {item.get('version', '?')}", component=base.get("handler"),
                 fields=dict(base, kind="handler-manifest", version=item.get("version"), **values))
    rows.finish(context, "handlerManifest")


def claim_seq_number(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/SeqNumber.txt`` (VMSnapshot)."""
    return BY_NAME_AND_CONTENT if _SEQNUMBER_FILE.search(normalise_path(path)) else 0


def _read_seq_number(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """The last sequence number the extension processed."""
    text = decode(data).text
    lines = split_lines(text)
    result.lines = len(lines)
    value = text.strip().lstrip("\ufeff")
    parts = _original_parts(context.path, _SEQNUMBER_FILE)
    base = {"handler": parts[0], "handler_version": parts[1]} if parts else {}
    if not re.fullmatch(r"-?\d{1,12}", value):
        result.problems.append(Problem(context.file, "malformed", "SeqNumber.txt does not hold a number"))
        for number in range(1, result.lines + 1):
            result.unparsable(number)
        return
    result.events.add(line=1, message=f"sequence number {value}", component=base.get("handler"),
                      fields=dict(base, kind="seq-number", seq_number=value), span=result.lines)


def claim_aggregate_status(path: str, head: bytes) -> int:
    """``Logs/AggregateStatus/aggregatestatus*.json``."""
    return BY_NAME_AND_CONTENT if _AGGREGATE_FILE.search(normalise_path(path)) else 0


def _walk_aggregate(node: object, context_fields: dict, time, rows: _Rows, depth: int = 0) -> None:
    if depth > 12 or rows.count > 5000:
        return
    if isinstance(node, list):
        for item in node:
            _walk_aggregate(item, context_fields, time, rows, depth + 1)
        return
    if not isinstance(node, dict):
        return
    here = dict(context_fields)
    for key, target in (("handlerName", "handler"), ("handlerVersion", "handler_version"),
                        ("sequenceNumber", "seq")):
        if node.get(key) is not None and not isinstance(node.get(key), (dict, list)):
            here[target] = str(node[key])
    time = _utc(node.get("timestampUTC")) or time
    status = node.get("status")
    if isinstance(status, str):
        kind = "guest-agent-status" if "guestAgentStatus" in context_fields.get("_path", "") else (
            "substatus" if "substatus" in context_fields.get("_path", "") else "aggregate-status")
        fields = {k: v for k, v in here.items() if not k.startswith("_")}
        fields.update(kind=kind, status=status, code=node.get("code"), operation=node.get("operation"),
                      name=node.get("name"), version=node.get("version") if kind == "guest-agent-status" else None)
        rows.add(message=_message_of(node) or status, time=time, level=_status_level(status),
                 component=here.get("handler") or node.get("name") or ("GuestAgent" if kind == "guest-agent-status" else None),
                 fields=fields)
    for key, value in node.items():
        if isinstance(value, (dict, list)):
            _walk_aggregate(value, dict(here, _path=here.get("_path", "") + "/" + key), time, rows, depth + 1)


def _read_aggregate_status(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Every status word in the agent's periodic aggregate status (guest agent, handlers, substatus)."""
    document = _load_json(data, context, result)
    if document is None:
        return
    rows = _Rows(result)
    _walk_aggregate(redact_json(document), {}, None, rows)
    rows.finish(context, "status")


# ---- WindowsAzure/config/*.xml -------------------------------------------------------------


def claim_agent_config(path: str, head: bytes) -> int:
    """Copies of goal state / extensions config under ``WindowsAzure/config``."""
    if not _CONFIG_FILE.search(normalise_path(path)):
        return 0
    return BY_NAME_AND_CONTENT if b"<" in head else BY_NAME


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element, *names: str) -> str | None:
    for child in element.iter():
        if _local(child.tag) in names and (child.text or "").strip():
            return child.text.strip()
    return None


def _public_from_runtime_settings(text: str) -> dict[str, str]:
    try:
        document = load_json(text)
    except ValueError:
        return {}
    values: dict[str, str] = {}
    for entry in (document.get("runtimeSettings") or []) if isinstance(document, dict) else []:
        handler = entry.get("handlerSettings") if isinstance(entry, dict) else None
        if isinstance(handler, dict):
            _public_values(redact_json(handler.get("publicSettings") or {}), "public", values, [50])
            values["has_protected_settings"] = "true" if handler.get("protectedSettings") else "false"
    return values


def _read_agent_config(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """A short summary: incarnation and role state of a goal state; plugins of an extensions config."""
    decoded = decode(data)
    text = decoded.text
    result.lines = len(split_lines(text))
    if looks_binary(data):
        result.problems.append(Problem(context.file, "binary", "binary data where an XML configuration was expected"))
        for number in range(1, result.lines + 1):
            result.unparsable(number)
        return
    if re.search(r"<!(?:DOCTYPE|ENTITY)", text, re.I):
        result.problems.append(Problem(context.file, "malformed", "XML with a DTD or entity declaration refused"))
        for number in range(1, result.lines + 1):
            result.unparsable(number)
        return
    try:
        root = SafeET.fromstring(re.sub(r"^\s*<\?xml[^>]*\?>", "", text.lstrip("\ufeff"), count=1))
    except Exception as error:
        result.problems.append(Problem(context.file, "malformed", f"XML does not parse: {error}"))
        for number in range(1, result.lines + 1):
            result.unparsable(number)
        return
    rows = _Rows(result)
    root_name = _local(root.tag)
    if root_name == "GoalState":
        fields = {"kind": "goal-state", "incarnation": _child_text(root, "Incarnation"),
                  "container_id": _child_text(root, "ContainerId"), "role_instance": _child_text(root, "InstanceId"),
                  "state": _child_text(root, "State"), "version": _child_text(root, "Version")}
        rows.add(message=f"goal state incarnation {fields['incarnation']}, role state {fields['state']}",
                 component="GuestAgent", fields=fields)
    elif root_name == "Extensions":
        for plugins in root.iter():
            if _local(plugins.tag) not in ("Plugins", "PluginSettings"):
                continue
            for plugin in plugins:
                if _local(plugin.tag) != "Plugin":
                    continue
                name, version = plugin.get("name"), plugin.get("version")
                if _local(plugins.tag) == "Plugins":
                    fields = {"kind": "plugin", "handler": name, "handler_version": version,
                              "state": plugin.get("state"), "auto_upgrade": plugin.get("autoUpgrade")}
                    rows.add(message=f"extension {name} {version} state {plugin.get('state')}", component=name,
                             fields=fields)
                else:
                    for settings in plugin:
                        if _local(settings.tag) != "RuntimeSettings":
                            continue
                        fields = {"kind": "plugin-settings", "handler": name, "handler_version": version,
                                  "seq": settings.get("seqNo")}
                        fields.update(_public_from_runtime_settings(settings.text or ""))
                        rows.add(message=f"extension {name} settings seqNo {settings.get('seqNo')}", component=name,
                                 fields=fields)
    if rows.count == 0:
        rows.add(message=f"{root_name} document with {sum(1 for _ in root.iter())} elements", component="GuestAgent",
                 fields={"kind": "config", "name": root_name})
    rows.finish(context, "configuration")


# --------------------------------------------------------------------------------------------

PARSERS = (
    Parser("WaAppAgent.log", SOURCE, claim_agent_log, _guarded(_read_agent_log)),
    Parser("windows-extension-log", SOURCE, claim_plugin_log, _guarded(_read_plugin_log)),
    Parser("windows-extension-status", SOURCE, claim_status, _guarded(_read_status)),
    Parser("windows-runtime-settings", SOURCE, claim_runtime_settings, _guarded(_read_runtime_settings)),
    Parser("windows-handler-manifest", SOURCE, claim_handler_manifest, _guarded(_read_handler_manifest)),
    Parser("windows-seqnumber", SOURCE, claim_seq_number, _guarded(_read_seq_number)),
    Parser("windows-aggregatestatus", SOURCE, claim_aggregate_status, _guarded(_read_aggregate_status)),
    Parser("windows-agent-config", SOURCE, claim_agent_config, _guarded(_read_agent_config)),
)
