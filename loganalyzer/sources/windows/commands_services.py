"""Windows service state and VSS: ``sc query|qc``, ``Get-Service`` and ``vssadmin list
writers|providers|shadows``: source ``windows.command``.

Samples::

    > sc query WindowsAzureGuestAgent
    SERVICE_NAME: WindowsAzureGuestAgent
            TYPE               : 10  WIN32_OWN_PROCESS
            STATE              : 1  STOPPED
            WIN32_EXIT_CODE    : 1067  (0x42b)

    > vssadmin list writers
    Writer name: 'SqlServerWriter'
       Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}
       Writer Instance Id: {5d7f9f2c-61b6-4e0d-8b8b-1c8c5e1f3a21}
       State: [8] Failed
       Last error: Non-retryable error

Events and their fields (every event has ``command``; ``component`` is ``sc``, ``Get-Service`` or ``vssadmin``):

* ``kind=service``: ``service``, ``state`` (``running``/``stopped``/``start_pending``/...),
  ``start_type`` (``auto``/``demand``/``disabled``/``delayed-auto``), ``exit_code``,
  ``service_exit_code``, ``binary_path``, ``is_agent`` (``true`` for WindowsAzureGuestAgent,
  RdAgent, WindowsAzureTelemetryService); level warning for a stopped or disabled agent.
  ``kind=service_missing`` when sc reports the service does not exist (1060).
* ``kind=vss_writer``: ``writer``, ``writer_id``, ``writer_state`` (``stable``/``failed``/
  ``waiting for completion``/...), ``writer_state_code``, ``last_error`` (``no error`` or the
  error), ``writer_failed`` (``true``/``false``); level warning for a writer in a bad state.
* ``kind=vss_provider``: ``provider``, ``provider_type``, ``provider_id``, ``provider_version``,
  ``third_party`` (``true`` for a provider that is not Microsoft's).
* ``kind=vss_shadow``: ``shadow_id``, ``original_volume``, ``created``.
* summary: ``services`` / ``writers``, ``writers_failed``, ``failed_writers`` (names),
  ``providers``, ``third_party_providers``, ``shadows``, ``agent_running``.
"""

from __future__ import annotations

import re

from .. import ParseContext, Parser, ParseResult
from ..linux.commands_output import (
    CommandOutput,
    claim_command,
    command_name,
    command_reader,
    parse_time,
)

__all__ = ["PARSERS"]

SOURCE = "windows.command"
AGENT_SERVICES = ("windowsazureguestagent", "rdagent", "windowsazuretelemetryservice")

_NAMES = re.compile(r"^(sc( \.exe)? (query|qc|queryex)\b|sc(query|qc)|get-service\b|vssadmin( \.exe)? list (writers|providers|shadows)|vssadmin\b)")
_SC_NAME = re.compile(r"^SERVICE_NAME:\s*(?P<name>\S+)")
_SC_FIELD = re.compile(r"^\s+(?P<key>[A-Z0-9_]+)\s*:\s*(?P<value>.*)$")
_SC_MISSING = re.compile(r"\b1060\b|does not exist as an installed service")
_GS_ROW = re.compile(r"^(?P<status>Running|Stopped|StartPending|StopPending|Paused|PausePending|ContinuePending)\s+(?:(?P<start>Automatic|Manual|Disabled|Boot|System|AutomaticDelayedStart)\s+)?(?P<name>\S+)\s*(?P<display>.*)$")
_WRITER = re.compile(r"^Writer name:\s*'(?P<name>[^']*)'")
_PROVIDER = re.compile(r"^Provider name:\s*'(?P<name>[^']*)'")
_SHADOW_SET = re.compile(r"^Contents of shadow copy set ID:\s*(?P<id>\{[^}]+\})")
_SHADOW = re.compile(r"^\s*Shadow Copy ID:\s*(?P<id>\{[^}]+\})")
_KEY_VALUE = re.compile(r"^\s+(?P<key>[A-Za-z][\w ]*?):\s*(?P<value>.*)$")
_STATE = re.compile(r"^\[(?P<code>\d+)\]\s*(?P<text>.*)$")
_CREATED = re.compile(r"creation time:\s*(?P<stamp>.+)$", re.IGNORECASE)
_BANNER = re.compile(r"^(vssadmin \d|\(C\) Copyright|Waiting for responses|These may be delayed|Microsoft Corporation|Status\s+Name|------|Status\s+StartType)", re.IGNORECASE)


def _content(text: str) -> bool:
    head = text.lstrip()
    return bool(re.match(r"SERVICE_NAME:\s*\S+\s*\n\s+TYPE\s+:", head) or "Writer name: '" in head[:1500]
                or "Provider name: '" in head[:1500] or re.match(r"vssadmin \d", head)
                or re.match(r"Status\s+(StartType\s+)?Name\s+DisplayName", head))


def claim(path: str, head: bytes) -> int:
    return claim_command(path, head, _NAMES, _content)


def _start_type(value: str) -> str:
    lowered = value.lower()
    if "delayed" in lowered:
        return "delayed-auto"
    for word, name in (("auto", "auto"), ("demand", "demand"), ("manual", "demand"), ("disabled", "disabled"), ("boot", "boot"), ("system", "system")):
        if word in lowered:
            return name
    return lowered


def _service_event(out: CommandOutput, line: int, span: int, facts: dict[str, str], summary: dict[str, str]) -> None:
    name = facts["service"]
    agent = name.lower() in AGENT_SERVICES
    bad = facts.get("state") == "stopped" or facts.get("start_type") == "disabled"
    summary["services"] = str(int(summary.get("services", "0")) + 1)
    if agent and name.lower() == "windowsazureguestagent" and "state" in facts:
        summary["agent_running"] = "true" if facts["state"] == "running" else "false"
    text = " ".join(f"{k}={v}" for k, v in facts.items() if k != "service")
    out.event(line, f"{name}: {text}", span=span, level="warning" if agent and bad else None, kind="service", is_agent="true" if agent else "false", **facts)


def _sc(lines: list[str], out: CommandOutput, summary: dict[str, str]) -> None:
    facts: dict[str, str] | None = None
    start = span = 0

    def flush() -> None:
        if facts is not None:
            _service_event(out, start, span, facts, summary)

    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or stripped.startswith("[SC]") and "SUCCESS" in stripped:
            continue
        if (found := _SC_NAME.match(stripped)):
            flush()
            facts, start, span = {"service": found.group("name")}, number, 1
        elif _SC_MISSING.search(stripped):
            out.event(number, stripped, level="warning", kind="service_missing")
        elif facts is not None and (found := _SC_FIELD.match(text)):
            span += 1
            key, value = found.group("key"), found.group("value").strip()
            if key == "STATE":
                facts["state"] = value.split()[-1].lower() if value else None
            elif key == "START_TYPE":
                facts["start_type"] = _start_type(value)
            elif key == "WIN32_EXIT_CODE":
                facts["exit_code"] = value.split()[0]
            elif key == "SERVICE_EXIT_CODE":
                facts["service_exit_code"] = value.split()[0]
            elif key == "BINARY_PATH_NAME":
                facts["binary_path"] = value
            elif key == "DISPLAY_NAME":
                facts["display_name"] = value
        elif facts is not None and text.startswith(" ") and stripped:
            span += 1  # continuation of a multi-line value (state flags, dependencies)
        else:
            out.skip(number)
    flush()


def _get_service(lines: list[str], out: CommandOutput, summary: dict[str, str]) -> None:
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or _BANNER.match(stripped):
            continue
        found = _GS_ROW.match(stripped)
        if not found:
            out.skip(number)
            continue
        facts = {"service": found.group("name"), "state": found.group("status").lower().replace("pending", "_pending")}
        if found.group("start"):
            facts["start_type"] = _start_type(found.group("start"))
        if found.group("display"):
            facts["display_name"] = found.group("display").strip()
        _service_event(out, number, 1, facts, summary)


def _vss(lines: list[str], out: CommandOutput, summary: dict[str, str]) -> None:
    block: dict[str, str] | None = None
    kind = start = span = 0
    failed: list[str] = []
    counts = {"vss_writer": 0, "vss_provider": 0, "vss_shadow": 0, "third_party": 0}

    def flush() -> None:
        if block is None:
            return
        counts[kind] += 1
        if kind == "vss_writer":
            bad = block.get("writer_failed") == "true"
            if bad:
                failed.append(block["writer"])
            out.event(start, f"VSS writer '{block['writer']}': {block.get('writer_state', '?')}, last error: {block.get('last_error', '?')}",
                      span=span, level="warning" if bad else None, kind=kind, **block)
        elif kind == "vss_provider":
            counts["third_party"] += block.get("third_party") == "true"
            out.event(start, f"VSS provider '{block['provider']}' ({block.get('provider_type', '?')})", span=span, kind=kind, **block)
        else:
            out.event(start, f"shadow copy {block['shadow_id']} of {block.get('original_volume', '?')}", span=span, kind=kind, **block)

    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or _BANNER.match(stripped) or _SHADOW_SET.match(stripped):
            continue
        if (found := _WRITER.match(stripped)):
            flush()
            block, kind, start, span = {"writer": found.group("name")}, "vss_writer", number, 1
        elif (found := _PROVIDER.match(stripped)):
            flush()
            block, kind, start, span = {"provider": found.group("name")}, "vss_provider", number, 1
        elif (found := _SHADOW.match(text)):
            flush()
            block, kind, start, span = {"shadow_id": found.group("id")}, "vss_shadow", number, 1
        elif block is not None and (found := _KEY_VALUE.match(text)):
            span += 1
            key, value = found.group("key").strip().lower(), found.group("value").strip()
            if key == "state" and (state := _STATE.match(value)):
                block["writer_state_code"] = state.group("code")
                block["writer_state"] = state.group("text").strip().lower()
            elif key == "last error":
                block["last_error"] = value.lower()
                block["writer_failed"] = "true" if value.lower() != "no error" or block.get("writer_state_code") not in ("1", "5", None) else "false"
            elif key == "writer id":
                block["writer_id"] = value
            elif key == "provider type":
                block["provider_type"] = value
            elif key == "provider id":
                block["provider_id"] = value
                block["third_party"] = "false" if value.lower() in ("{b5946137-7b9f-4925-af80-51abd60b20d5}", "{74600e39-7dc5-4567-a03b-f091d6c7b092}") else "true"
            elif key == "version":
                block["provider_version"] = value
            elif key == "original volume":
                block["original_volume"] = value
            elif (created := _CREATED.search(stripped)):
                moment = parse_time(created.group("stamp"))
                block["created"] = moment.isoformat() if moment else created.group("stamp")
        elif block is not None and kind == "vss_shadow" and (created := _CREATED.search(stripped)):
            span += 1
            block["created"] = created.group("stamp")
        elif stripped.lower().startswith(("no items found", "error:")):
            out.event(number, stripped, level="warning" if stripped.lower().startswith("error") else None, kind="vssadmin_message")
        else:
            out.skip(number)
    flush()
    summary.update(writers=str(counts["vss_writer"]), writers_failed=str(len(failed)), failed_writers=", ".join(failed) or None,
                   providers=str(counts["vss_provider"]), third_party_providers=str(counts["third_party"]), shadows=str(counts["vss_shadow"]))


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    name = command_name(context.path)
    head = "\n".join(lines[:40])
    summary: dict[str, str] = {}
    if name.startswith("vssadmin") or re.search(r"^(Writer|Provider) name: '|^vssadmin \d|Shadow Copy ID:", head, re.MULTILINE):
        out = CommandOutput(result, "vssadmin list", "vssadmin")
        _vss(lines, out, summary)
        summary = {k: v for k, v in summary.items() if v is not None and not (v == "0" and k != "writers_failed")}
        failed = summary.get("writers_failed", "0") != "0"
        return out.finish(f"vssadmin: {', '.join(f'{k}={v}' for k, v in summary.items())}", level="warning" if failed else None, **summary)
    if name.startswith("get-service") or re.search(r"^Status\s+(StartType\s+)?Name", head, re.MULTILINE):
        out = CommandOutput(result, "Get-Service", "Get-Service")
        _get_service(lines, out, summary)
    else:
        out = CommandOutput(result, "sc qc" if " qc" in f" {name}" else "sc query", "sc")
        _sc(lines, out, summary)
    level = "warning" if summary.get("agent_running") == "false" else None
    return out.finish(f"{out.command}: {summary.get('services', '0')} service(s)" + (f"; guest agent running: {summary['agent_running']}" if "agent_running" in summary else ""),
                      level=level, **summary)


PARSERS = (
    Parser(
        name="sc/Get-Service/vssadmin",
        source=SOURCE,
        claim=claim,
        read=command_reader(_read),
        fields={
            "command": "sc query | Get-Service | vssadmin list",
            "kind": "service | service_missing | vss_writer | vss_provider | vss_shadow | vssadmin_message | summary",
            "service": "service name (WindowsAzureGuestAgent, VSS, ...)",
            "display_name": "service display name",
            "is_agent": "true for the guest agent's services (WindowsAzureGuestAgent, RdAgent, WindowsAzureTelemetryService)",
            "state": "running | stopped | start_pending | stop_pending | paused",
            "start_type": "auto | delayed-auto | demand | disabled | boot | system",
            "exit_code": "sc: WIN32_EXIT_CODE",
            "service_exit_code": "sc: SERVICE_EXIT_CODE",
            "binary_path": "sc qc: BINARY_PATH_NAME",
            "services": "summary: services listed",
            "agent_running": "summary: true when WindowsAzureGuestAgent is running",
            "writer": "VSS writer name",
            "writer_id": "VSS writer id",
            "writer_state": "stable | failed | waiting for completion | ...",
            "writer_state_code": "the state's number ([1] stable, [8] failed, ...)",
            "last_error": "no error, or the writer's last error",
            "writer_failed": "true for a writer in a failed state or with a last error",
            "provider": "VSS provider name",
            "provider_type": "system | software | hardware",
            "provider_id": "VSS provider id",
            "provider_version": "VSS provider version",
            "third_party": "true for a provider that is not Microsoft's",
            "shadow_id": "shadow copy id",
            "original_volume": "the shadowed volume",
            "created": "shadow copy creation time",
            "writers": "summary: writers listed",
            "writers_failed": "summary: writers in a bad state",
            "failed_writers": "summary: their names",
            "providers": "summary: providers listed",
            "third_party_providers": "summary: non-Microsoft providers",
            "shadows": "summary: shadow copies listed",
        },
    ),
)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
