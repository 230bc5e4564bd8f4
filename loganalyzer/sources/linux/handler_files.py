"""An extension's directory and the agent's small files under ``/var/lib/waagent`` (source ``waagent.state``).

Claims, in ``var/lib/waagent/<Handler>-<Version>/``: ``config/N.settings``,
``config/HandlerState``, ``config/HandlerStatus``, ``HandlerManifest.json``,
``HandlerEnvironment.json``, ``heartbeat.log``, ``mrseq``; and ``error.json``, the marker files
(``disable_agent``, ``Incarnation``, ``WireServerEndpoint``, ``Protocol``, ``provisioned``,
``published_hostname``, ``partition``) and ``logcollector/results.txt``::

    config/HandlerState      Enabled
    config/HandlerStatus     {"name":"...","status":"NotReady","code":1009,"message":"..."}
    WireServerEndpoint       168.63.129.16

Fields by ``kind``: ext_settings, handler_state, handler_status (``code`` raw; ``code_name``
added by :mod:`loganalyzer.enrich`), handler_manifest, handler_environment, heartbeat, mrseq,
agent_error, the marker kinds, logcollector_result (see each parser's ``fields``).
"""

from __future__ import annotations

import re
from typing import Any

from .. import ParseContext, Parser, ParseResult
from .._kit import field_text, flag_text, iso_z, lookup, parse_epoch, parse_instant
from .state_common import (
    _EXT,
    _KNOWN_HANDLER_STATES,
    _LIB,
    LOCATION_FIELDS,
    SETTINGS_FIELDS,
    SOURCE,
    WIRESERVER_IP,
    _begin,
    _Broken,
    _claim,
    _has,
    _json,
    _level_for_status,
    _Lines,
    _Location,
    _message_of,
    _Out,
    _rx,
    _settings_fields,
    _settings_message,
    _short,
    _structured,
)

_SETTINGS_NAME = re.compile(r"^(?:(?P<ext>.+)\.)?(?P<seq>\d+)(?:\.settings|_settings)$")


def build_ext_settings(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``config/N.settings``: public settings only (never protected settings)."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object with runtimeSettings")
    base = context.path.rsplit("/", 1)[-1]
    name_match = _SETTINGS_NAME.match(base)
    items = lookup(document, "runtimeSettings")
    items = items if isinstance(items, list) and items else [{}]
    handler = out.location.handler
    for item in items:
        fields = {
            "kind": "ext_settings",
            "seq_no": name_match.group("seq") if name_match else None,
            "ext_name": name_match.group("ext") if name_match else None,
            "renamed": "1" if base.endswith("_settings") else None,
        }
        fields.update(_settings_fields(handler, lookup(item, "handlerSettings")))
        extra = _settings_message(fields)
        out.add(f"Settings seqNo {fields['seq_no']} for {handler or 'extension'}" + (f": {extra}" if extra else ""), fields)


def build_handler_status(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``config/HandlerStatus``: the agent's view of the handler; ``code`` is an agent ExtensionErrorCode."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    code = lookup(document, "code")
    fields = {
        "kind": "handler_status",
        "name": field_text(lookup(document, "name")),
        "version": field_text(lookup(document, "version")),
        "status": field_text(lookup(document, "status")),
        "code": field_text(code),
        "message": _short(field_text(lookup(document, "message")), 2000),
        "supports_multi_config": flag_text(lookup(document, "supports_multi_config")),
    }
    message = f"Handler {fields['name']} {fields['version']}: {fields['status']}, code {fields['code']}"
    if fields["message"]:
        message += f"; {fields['message']}"
    level = _level_for_status(fields["status"])
    try:
        if int(str(code)) >= 1000:
            level = "error"
    except ValueError:
        pass
    out.add(message, fields, level=level, component=fields["name"] or out.location.handler)


def build_handler_manifest(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``HandlerManifest.json``: commands and whether the handler reports a heartbeat."""
    entry = document[0] if isinstance(document, list) and document else document
    if not isinstance(entry, dict):
        raise _Broken("expected a list with one handler manifest object")
    manifest = lookup(entry, "handlerManifest") or {}
    fields = {
        "kind": "handler_manifest",
        "name": field_text(lookup(entry, "name")),
        "version": field_text(lookup(entry, "version")),
        "report_heartbeat": flag_text(lookup(manifest, "reportHeartbeat")),
        "install_command": field_text(lookup(manifest, "installCommand")),
        "enable_command": field_text(lookup(manifest, "enableCommand")),
        "disable_command": field_text(lookup(manifest, "disableCommand")),
        "update_command": field_text(lookup(manifest, "updateCommand")),
        "uninstall_command": field_text(lookup(manifest, "uninstallCommand")),
        "reboot_after_install": flag_text(lookup(manifest, "rebootAfterInstall")),
        "continue_on_update_failure": flag_text(lookup(manifest, "continueOnUpdateFailure")),
        "supports_multiple_extensions": flag_text(lookup(manifest, "supportsMultipleExtensions")),
    }
    out.add(f"HandlerManifest of {fields['name']} {fields['version']}: enable command {fields['enable_command']}, "
            f"reportHeartbeat {fields['report_heartbeat']}", fields)


def build_handler_environment(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``HandlerEnvironment.json``: folders the agent gives the extension."""
    entry = document[0] if isinstance(document, list) and document else document
    if not isinstance(entry, dict):
        raise _Broken("expected a list with one handler environment object")
    environment = lookup(entry, "handlerEnvironment") or {}
    fields = {
        "kind": "handler_environment",
        "name": field_text(lookup(entry, "name")),
        "version": field_text(lookup(entry, "version")),
        "seq_no": field_text(lookup(entry, "seqNo")),
        "log_folder": field_text(lookup(environment, "logFolder")),
        "config_folder": field_text(lookup(environment, "configFolder")),
        "status_folder": field_text(lookup(environment, "statusFolder")),
        "heartbeat_file": field_text(lookup(environment, "heartbeatFile")),
        "events_folder": field_text(lookup(environment, "eventsFolder")),
    }
    out.add(f"HandlerEnvironment of {fields['name']}: logs in {fields['log_folder']}", fields)


def build_heartbeat(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``heartbeat.log``: the extension's heartbeat status."""
    entry = document[0] if isinstance(document, list) and document else document
    heartbeat = lookup(entry, "heartbeat")
    if not isinstance(heartbeat, dict):
        raise _Broken("expected [{\"heartbeat\": {...}}]")
    fields = {
        "kind": "heartbeat",
        "status": field_text(lookup(heartbeat, "status")),
        "code": field_text(lookup(heartbeat, "code")),
        "message": _short(_message_of(heartbeat), 2000),
    }
    out.add(f"Heartbeat: {fields['status']}, code {fields['code']}" + (f"; {fields['message']}" if fields["message"] else ""),
            fields, level=_level_for_status(fields["status"]))


def build_agent_error(document: Any, lines: _Lines, out: _Out, context: ParseContext) -> None:
    """``error.json`` of an agent version: failure count and whether it is blacklisted."""
    if not isinstance(document, dict):
        raise _Broken("expected a JSON object")
    count = lookup(document, "failure_count")
    fatal = flag_text(lookup(document, "was_fatal"))
    try:
        blacklisted = fatal == "1" or int(count) >= 3
    except (TypeError, ValueError):
        blacklisted = fatal == "1"
    when = parse_epoch(lookup(document, "last_failure"))
    agent = out.location.fields.get("handler")
    agent = f"{agent}-{out.location.fields.get('handler_version')}" if agent else None
    reason = field_text(lookup(document, "reason"))
    fields = {
        "kind": "agent_error",
        "agent": agent,
        "failure_count": field_text(count),
        "was_fatal": fatal,
        "blacklisted": "1" if blacklisted else "0",
        "last_failure": iso_z(when),
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


def read_handler_state(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """``config/HandlerState`` / ``config/<ExtName>.HandlerState``: one word (extra non-blank lines are unparsed)."""
    text, lines = _begin(data, context, result)
    if text is None:
        return
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
    return


def read_mrseq(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """``mrseq``: the last sequence number the extension processed."""
    text, lines = _begin(data, context, result)
    if text is None:
        return
    value = next((line.strip() for line in lines if line.strip()), "")
    out = _Out(result, _Location(context.path))
    fields = {"kind": "mrseq", "seq_no": _short(value, 100)}
    out.add(f"Most recent sequence number processed by the extension: {value or '(empty)'}", fields,
            level="info" if value.lstrip("-").isdigit() or not value else "warning")
    return


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


def read_marker(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """``disable_agent``, ``Incarnation``, ``WireServerEndpoint``, ``Protocol``, ``provisioned``, ``partition``."""
    text, lines = _begin(data, context, result)
    if text is None:
        return
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
    return


# --------------------------------------------------------------------------------------------------
# log collector results


_AGENT_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s+(?P<level>[A-Z]+)\s+(?P<msg>.*)$"
)
_LEVELS = {"INFO": "info", "WARNING": "warning", "WARN": "warning", "ERROR": "error", "VERBOSE": "verbose"}


def read_logcollector_results(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """``logcollector/results.txt``: one event per record (continuation lines joined)."""
    text, lines = _begin(data, context, result)
    if text is None:
        return
    records: list[list] = []  # [line, time, level, message lines, span]
    leading_blank = 0
    for number, line in enumerate(lines, 1):
        match = _AGENT_LINE.match(line)
        if match:
            records.append([number, parse_instant(match.group("ts")), _LEVELS.get(match.group("level")), [match.group("msg")], 1])
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
    return




EXT_SETTINGS_FIELDS = {**LOCATION_FIELDS, **SETTINGS_FIELDS, "seq_no": "settings sequence number", "renamed": "1: the file name carries an extension name prefix"}
HANDLER_STATE_FIELDS = {
    **LOCATION_FIELDS,
    "state": "the state word (Enabled, NotInstalled, FailedUpgrade, ...)",
    "known_state": "1 when the word is one the agent writes",
}
HANDLER_STATUS_FIELDS = {
    **LOCATION_FIELDS,
    "name": "handler name",
    "version": "handler version",
    "status": "Ready or NotReady",
    "code": "agent handler code (ExtensionErrorCodes, 1000-1012)",
    "code_name": "name of the code (added by loganalyzer.enrich from knowledge.toml)",
    "message": "the status message, redacted",
    "supports_multi_config": "1 for a multi-config handler",
}
HANDLER_MANIFEST_FIELDS = {
    **LOCATION_FIELDS,
    "name": "handler name",
    "version": "handler version",
    **{f"{step}_command": f"the {step} command" for step in ("install", "enable", "disable", "update", "uninstall")},
    "report_heartbeat": "1: the handler reports a heartbeat",
    "reboot_after_install": "1: reboot after install",
    "continue_on_update_failure": "1: continue on update failure",
    "supports_multiple_extensions": "1: multi-config handler",
}
HANDLER_ENVIRONMENT_FIELDS = {
    **LOCATION_FIELDS,
    "name": "handler name",
    "version": "handler environment version",
    "seq_no": "sequence number",
    "log_folder": "the handler's log folder",
    "config_folder": "its config folder",
    "status_folder": "its status folder",
    "heartbeat_file": "its heartbeat file",
    "events_folder": "its telemetry events folder",
}
HEARTBEAT_FIELDS = {**LOCATION_FIELDS, "status": "heartbeat status", "code": "heartbeat code", "message": "heartbeat message"}
MRSEQ_FIELDS = {**LOCATION_FIELDS, "seq_no": "last sequence number the extension processed"}
AGENT_ERROR_FIELDS = {
    **LOCATION_FIELDS,
    "agent": "the agent package (WALinuxAgent-<version>)",
    "failure_count": "how often that agent failed",
    "was_fatal": "1: the last failure was fatal",
    "blacklisted": "1: the agent version is blacklisted",
    "last_failure": "time of the last failure",
    "reason": "why it failed",
}
MARKER_FIELDS = {
    **LOCATION_FIELDS,
    "incarnation": "Incarnation file: the current goal state incarnation",
    "endpoint": "WireServerEndpoint file: the address",
    "is_wireserver": "1 when it is 168.63.129.16",
    "protocol": "Protocol file: the protocol",
    "value": "provisioned / published_hostname / partition: the file's value",
}
LOGCOLLECTOR_FIELDS = {**LOCATION_FIELDS, "result_level": "the record's level word, lower case"}

PARSERS: tuple[Parser, ...] = (
    Parser("extension settings", SOURCE,
           _claim(_rx(_EXT + r"config/(?:[^/]+\.)?(?:\d+\.settings|\d+_settings)$"), _has(b'"runtimeSettings"', b'"handlerSettings"', start=b"{")),
           read=_structured(build_ext_settings, _json), fields=EXT_SETTINGS_FIELDS),
    Parser("HandlerState", SOURCE,
           _claim(_rx(_EXT + r"config/(?:[^/]+\.)?HandlerState$|" + _LIB + r"handler_state/[^/]+/state$"), None),
           read=read_handler_state, fields=HANDLER_STATE_FIELDS),
    Parser("HandlerStatus", SOURCE,
           _claim(_rx(_EXT + r"config/HandlerStatus$|" + _LIB + r"handler_state/[^/]+/status$"), _has(b'"supports_multi_config"', start=b"{")),
           read=_structured(build_handler_status, _json), fields=HANDLER_STATUS_FIELDS),
    Parser("HandlerManifest.json", SOURCE,
           _claim(_rx(_EXT + r"HandlerManifest\.json$"), _has(b'"handlerManifest"')),
           read=_structured(build_handler_manifest, _json), fields=HANDLER_MANIFEST_FIELDS),
    Parser("HandlerEnvironment.json", SOURCE,
           _claim(_rx(_EXT + r"HandlerEnvironment\.json$"), _has(b'"handlerEnvironment"')),
           read=_structured(build_handler_environment, _json), fields=HANDLER_ENVIRONMENT_FIELDS),
    Parser("heartbeat.log", SOURCE,
           _claim(_rx(_EXT + r"heartbeat\.log$"), _has(b'"heartbeat"', start=b"[")),
           read=_structured(build_heartbeat, _json), fields=HEARTBEAT_FIELDS),
    Parser("mrseq", SOURCE, _claim(_rx(_EXT + r"mrseq$"), None), read=read_mrseq, fields=MRSEQ_FIELDS),
    Parser("agent error.json", SOURCE,
           _claim(_rx(_LIB + r"(?:[^/]+/)?error\.json$"), _has(b'"failure_count"', b'"was_fatal"', start=b"{")),
           read=_structured(build_agent_error, _json), fields=AGENT_ERROR_FIELDS),
    Parser("agent marker file", SOURCE,
           _claim(_rx(_LIB + r"(?:disable_agent|Incarnation|WireServerEndpoint|Protocol|provisioned|published_hostname|partition)$"), None),
           read=read_marker, fields=MARKER_FIELDS),
    Parser("log collector results", SOURCE,
           _claim(_rx(r"(?:^|" + _LIB + r"logcollector/)results\.txt$"), _has(b"Starting log collection")),
           read=read_logcollector_results, fields=LOGCOLLECTOR_FIELDS),
)
