"""Service state on Linux: ``systemctl status|is-active|is-enabled|list-units|list-unit-files``
and ``service NAME status`` (SysV, upstart, FreeBSD rc): source ``linux.command``.

Recognised by name (``systemctl_status_walinuxagent.txt``, sos's ``systemctl_list-units``) and
by content. A sample (``systemctl status walinuxagent``)::

    ● walinuxagent.service - Azure Linux Agent
         Loaded: loaded (/lib/systemd/system/walinuxagent.service; enabled; vendor preset: enabled)
         Active: failed (Result: exit-code) since Tue 2024-08-20 09:12:04 UTC; 3h ago
        Process: 812 ExecStart=/usr/bin/python3 -u /usr/sbin/waagent -daemon (code=exited, status=1/FAILURE)
       Main PID: 812 (code=exited, status=1/FAILURE)

    Aug 20 09:12:04 vm1 systemd[1]: walinuxagent.service: Failed with result 'exit-code'.

Events (``component`` is ``systemctl`` or ``service``; every event has ``command``):

* one per unit: ``kind=unit``, ``unit`` (``walinuxagent.service``), ``is_agent`` (``true`` for the
  guest agent's unit, ``walinuxagent``/``waagent``), ``description``, ``load_state``
  (``loaded``/``not-found``/``masked``), ``unit_file_state`` (``enabled``/``disabled``/...),
  ``active_state`` (``active``/``inactive``/``failed``/``activating``), ``sub_state``
  (``running``/``dead``/``exited``), ``since`` (ISO time), ``main_pid``, ``exit_status``
  (``1/FAILURE``), ``result`` (``exit-code``); level ``error`` for a failed unit, ``warning`` for
  an inactive or not-found agent.
* one per journal line shown under a status: ``kind=journal``, ``process``, ``pid``, ``unit``.
* the summary (``kind=summary``): ``units`` and, when the agent's unit is listed,
  ``agent_unit``, ``agent_active_state``, ``agent_unit_file_state``, ``agent_running``
  (``true``/``false``).
"""

from __future__ import annotations

import re
from datetime import datetime

from dateutil import parser as date_parser

from .. import ParseContext, Parser, ParseResult
from .commands_output import (
    CommandOutput,
    claim_command,
    command_name,
    command_reader,
    level_from_words,
)

__all__ = ["AGENT_UNITS", "PARSERS"]

SOURCE = "linux.command"
#: the guest agent's service names across distributions
AGENT_UNITS = ("walinuxagent", "waagent")

_ACTIVE_STATES = ("active", "inactive", "failed", "activating", "deactivating", "reloading", "unknown", "maintenance", "refreshing")
_FILE_STATES = ("enabled", "enabled-runtime", "disabled", "static", "masked", "masked-runtime", "indirect",
                "generated", "transient", "alias", "linked", "linked-runtime", "bad", "not-found")

_NAMES = re.compile(r"^(systemctl( .*)? (status|is-active|is-enabled|list-units|list-unit-files)\b|service .*status\b|service status\b)")
_UNIT_HEAD = re.compile(r"^(?:[●○×*↻✗]\s*)?(?P<unit>[\w@.:\\-]+\.(?:service|socket|timer|target|mount|path|scope|slice|device|swap))(?:\s+-\s+(?P<description>.*))?$")
_PROPERTY = re.compile(r"^\s+(?P<key>Loaded|Active|Main PID|Process|Status|Tasks|Memory|CPU|CGroup|Docs|Drop-In|TriggeredBy|Triggers|Invocation|IP|IO|Mem peak|Trigger)\s*:\s?(?P<value>.*)$")
_LOADED = re.compile(r"^(?P<load>[\w-]+)(?:\s+\((?P<path>[^;)]*)(?:;\s*(?P<state>[\w-]+))?(?:;[^)]*)?\))?")
_ACTIVE = re.compile(r"^(?P<active>[\w-]+)(?:\s+\((?P<sub>[\w-]+)\))?(?:\s+\(Result:\s*(?P<result>[\w-]+)\))?(?:\s+since\s+(?P<since>[^;]+))?")
_MAIN_PID = re.compile(r"^(?P<pid>\d+)(?:\s+\((?:code=(?P<code>[\w-]+),\s*status=(?P<status>[^)]+)|[^)]*)\))?")
_NOT_FOUND = re.compile(r"^Unit (?P<unit>\S+?)\.? could not be found\.?$|^Failed to get properties: Unit (?P<unit2>\S+?) not loaded\.?$")
_JOURNAL = re.compile(r"^(?P<stamp>(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})|(?:\d{4}-\d{2}-\d{2}T[\d:.]+(?:[+-]\d{2}:?\d{2}|Z)?)) (?P<host>\S+) (?P<process>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: (?P<message>.*)$")
_TABLE_ROW = re.compile(r"^(?:[●*]\s*)?(?P<unit>\S+\.(?:service|socket|timer|target|mount|path|scope|slice|device|swap|automount))\s+(?P<rest>.*)$")
_LEGEND = re.compile(r"^(LOAD|ACTIVE|SUB)\s+=|^\d+ (loaded )?units? (files? )?listed|^To show all installed unit files|^Pass --all|^UNIT( FILE)?\s+")
_SERVICE_RUNNING = re.compile(
    r"^(?P<name>[\w.-]+?)(?: \(pid\s+(?P<pid>\d+)\))? is running(?: as pid (?P<pid2>\d+))?"
    r"|^(?P<name2>[\w.-]+) (?:start|stop)/(?P<state>running|waiting|starting|stopping|killed)(?:, process (?P<pid3>\d+))?"
)
_SERVICE_STOPPED = re.compile(r"^(?P<name>[\w.-]+?)(?: dead but pid file exists| dead but subsys locked| is stopped| is not running)")


def _is_agent(unit: str) -> bool:
    return unit.split(".", 1)[0].lower() in AGENT_UNITS


def _content(text: str) -> bool:
    head = text.lstrip()
    return bool(
        re.match(r"(?:[●○×*]\s*)?\S+\.service(?: - .*)?\n\s+Loaded: ", head)
        or re.match(r"UNIT\s+LOAD\s+ACTIVE\s+SUB\s+DESCRIPTION", head)
        or re.match(r"UNIT FILE\s+STATE", head)
    )


def claim(path: str, head: bytes) -> int:
    return claim_command(path, head, _NAMES, _content)


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return date_parser.parse(text.strip(), fuzzy=True)
    except (ValueError, OverflowError, TypeError):
        return None


def _unit_from_name(path: str) -> str | None:
    words = command_name(path).split()
    for word in reversed(words[1:]):
        if not word.startswith("-") and word not in ("status", "is-active", "is-enabled", "systemctl", "service"):
            return word if "." in word else word + ".service"
    return None


def _status(lines: list[str], out: CommandOutput, summary: dict[str, str]) -> None:
    """``systemctl status``: a block per unit, then its journal lines."""
    unit: dict[str, str] | None = None
    unit_line = 0
    unit_span = 0
    year = None
    zone = None

    def flush() -> None:
        if unit is None:
            return
        _unit_event(out, unit_line, unit, summary, span=unit_span)

    for number, text in enumerate(lines, 1):
        head = _UNIT_HEAD.match(text)
        if head and not text.startswith(" "):
            flush()
            unit = {"unit": head.group("unit"), "description": head.group("description") or None}
            unit_line, unit_span, year, zone = number, 1, None, None
            continue
        missing = _NOT_FOUND.match(text.strip())
        if missing:
            flush()
            name = missing.group("unit") or missing.group("unit2")
            unit = {"unit": name, "load_state": "not-found", "active_state": "inactive"}
            unit_line, unit_span = number, 1
            continue
        prop = _PROPERTY.match(text)
        if prop and unit is not None:
            key, value = prop.group("key"), prop.group("value").strip()
            unit_span += 1
            if key == "Loaded":
                loaded = _LOADED.match(value)
                if loaded:
                    unit["load_state"] = loaded.group("load")
                    if loaded.group("state"):
                        unit["unit_file_state"] = loaded.group("state")
            elif key == "Active":
                active = _ACTIVE.match(value)
                if active:
                    unit["active_state"] = active.group("active")
                    unit["sub_state"] = active.group("sub")
                    unit["result"] = active.group("result")
                    since = _since(active.group("since"))
                    if since is not None:
                        unit["since"] = since.isoformat()
                        year, zone = since.year, since.tzinfo
            elif key == "Main PID":
                pid = _MAIN_PID.match(value)
                if pid:
                    unit["main_pid"] = pid.group("pid")
                    if pid.group("status"):
                        unit["exit_status"] = pid.group("status")
            elif key == "Process" and "status=" in value and "exit_status" not in unit:
                found = re.search(r"status=([^)]+)\)", value)
                if found:
                    unit["exit_status"] = found.group(1)
            continue
        if unit is not None and text.startswith((" ", "\t")) and text.strip() and unit_span > 1:
            unit_span += 1  # CGroup tree lines and wrapped property values
            continue
        journal = _JOURNAL.match(text)
        if journal:
            moment = None
            stamp = journal.group("stamp")
            if "T" in stamp:
                moment = _since(stamp)
            elif year is not None:
                moment = _since(f"{stamp} {year}")
                if moment is not None and zone is not None:
                    moment = moment.replace(tzinfo=zone)
            out.event(
                number,
                journal.group("message"),
                level=level_from_words(journal.group("message")),
                time=moment,
                local_time=moment is not None and moment.tzinfo is None,
                kind="journal",
                process=journal.group("process"),
                pid=journal.group("pid"),
                unit=unit["unit"] if unit else None,
            )
            continue
        if text.strip():
            out.skip(number)
    flush()


def _unit_event(out: CommandOutput, line: int, unit: dict[str, str], summary: dict[str, str], span: int = 1) -> None:
    name = unit["unit"]
    agent = _is_agent(name)
    active = unit.get("active_state")
    load = unit.get("load_state")
    level = "error" if active == "failed" else ("warning" if agent and (active in ("inactive", "deactivating") or load in ("not-found", "masked")) else "info")
    state = " ".join(f"{k}={v}" for k in ("load_state", "unit_file_state", "active_state", "sub_state") if (v := unit.get(k)))
    out.event(line, f"{name}: {state}".rstrip(": "), span=span, level=level, kind="unit", is_agent="true" if agent else "false", **unit)
    summary["units"] = str(int(summary.get("units", "0")) + 1)
    if agent and (load != "not-found" or "agent_unit" not in summary):
        summary["agent_unit"] = name
        for key in ("active_state", "unit_file_state", "load_state"):
            if unit.get(key):
                summary[f"agent_{key}"] = unit[key]
        if active:
            summary["agent_running"] = "true" if active == "active" and unit.get("sub_state") in (None, "running") else "false"


def _table(lines: list[str], out: CommandOutput, summary: dict[str, str], files: bool) -> None:
    for number, text in enumerate(lines, 1):
        if not text.strip() or _LEGEND.match(text.strip()):
            continue
        row = _TABLE_ROW.match(text.strip())
        if not row:
            out.skip(number)
            continue
        words = row.group("rest").split(None, 3 if not files else 1)
        unit = {"unit": row.group("unit")}
        if files:
            if not words or words[0] not in _FILE_STATES:
                out.skip(number)
                continue
            unit["unit_file_state"] = words[0]
            if len(words) > 1 and words[1].split()[0] in _FILE_STATES:
                unit["vendor_preset"] = words[1].split()[0]
        else:
            if len(words) < 3:
                out.skip(number)
                continue
            unit.update(load_state=words[0], active_state=words[1], sub_state=words[2])
            if len(words) > 3:
                unit["description"] = words[3]
        _unit_event(out, number, unit, summary)


def _single_word(lines: list[str], out: CommandOutput, summary: dict[str, str], path: str, key: str, allowed: tuple[str, ...]) -> None:
    unit = _unit_from_name(path) or "unknown.service"
    for number, text in enumerate(lines, 1):
        word = text.strip()
        if not word:
            continue
        if word in allowed:
            entry = {"unit": unit, key: word}
            if key == "unit_file_state":
                entry["load_state"] = "not-found" if word == "not-found" else "loaded"
            _unit_event(out, number, entry, summary)
        elif word.startswith("Failed to get unit file state") or "No such file" in word:
            _unit_event(out, number, {"unit": unit, "load_state": "not-found", key: "not-found"}, summary)
        else:
            out.skip(number)


def _service(lines: list[str], out: CommandOutput, summary: dict[str, str]) -> None:
    if any(_UNIT_HEAD.match(line) for line in lines[:3]):
        _status(lines, out, summary)
        return
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        running = _SERVICE_RUNNING.match(stripped)
        stopped = _SERVICE_STOPPED.match(stripped)
        if running:
            name = running.group("name") or running.group("name2")
            state = running.group("state")
            active = "active" if state in (None, "running", "starting") else "inactive"
            pid = running.group("pid") or running.group("pid2") or running.group("pid3")
            _unit_event(out, number, {"unit": f"{name}.service", "active_state": active, "sub_state": "running" if active == "active" else "dead", "main_pid": pid}, summary)
        elif stopped:
            _unit_event(out, number, {"unit": f"{stopped.group('name')}.service", "active_state": "inactive", "sub_state": "dead"}, summary)
        elif "unrecognized service" in stripped or "does not exist" in stripped:
            name = stripped.split(":")[0].split()[-1] if ":" in stripped else stripped.split()[0]
            _unit_event(out, number, {"unit": f"{name}.service", "load_state": "not-found", "active_state": "inactive"}, summary)
        else:
            out.skip(number)


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    name = command_name(context.path)
    text_head = "\n".join(lines[:5]).lstrip()
    summary: dict[str, str] = {}
    if "is-active" in name:
        out = CommandOutput(result, "systemctl is-active", "systemctl")
        _single_word(lines, out, summary, context.path, "active_state", _ACTIVE_STATES)
    elif "is-enabled" in name:
        out = CommandOutput(result, "systemctl is-enabled", "systemctl")
        _single_word(lines, out, summary, context.path, "unit_file_state", _FILE_STATES)
    elif "list-unit-files" in name or text_head.startswith("UNIT FILE"):
        out = CommandOutput(result, "systemctl list-unit-files", "systemctl")
        _table(lines, out, summary, files=True)
    elif "list-units" in name or re.match(r"UNIT\s+LOAD\s+ACTIVE", text_head):
        out = CommandOutput(result, "systemctl list-units", "systemctl")
        _table(lines, out, summary, files=False)
    elif name.startswith("service"):
        out = CommandOutput(result, "service status", "service")
        _service(lines, out, summary)
    else:
        out = CommandOutput(result, "systemctl status", "systemctl")
        _status(lines, out, summary)
    agent = summary.get("agent_unit")
    message = f"{out.command}: {summary.get('units', '0')} unit(s)"
    if agent:
        message += f"; agent {agent} {summary.get('agent_active_state', '')}".rstrip()
    level = "warning" if agent and summary.get("agent_running") == "false" else None
    return out.finish(message, level=level, **summary)


PARSERS = (
    Parser(
        name="systemctl/service",
        source=SOURCE,
        claim=claim,
        read=command_reader(_read),
        fields={
            "command": "the command whose output this is (systemctl status, systemctl is-active, service status, ...)",
            "kind": "unit | journal | summary",
            "unit": "the unit name, e.g. walinuxagent.service",
            "is_agent": "true for the guest agent's unit (walinuxagent, waagent)",
            "description": "the unit's description",
            "load_state": "loaded | not-found | masked | error",
            "unit_file_state": "enabled | disabled | static | masked | ...",
            "vendor_preset": "the distribution's preset (list-unit-files)",
            "active_state": "active | inactive | failed | activating | ...",
            "sub_state": "running | dead | exited | ...",
            "result": "why a unit failed (exit-code, timeout, signal, ...)",
            "since": "when the unit entered its state (ISO time, as shown)",
            "main_pid": "the main process id",
            "exit_status": "the main process's exit status (1/FAILURE)",
            "process": "journal line: the process name",
            "pid": "journal line: the process id",
            "units": "summary: how many units the output lists",
            "agent_unit": "summary: the agent's unit, when listed",
            "agent_active_state": "summary: the agent unit's active state",
            "agent_unit_file_state": "summary: the agent unit's enablement",
            "agent_load_state": "summary: the agent unit's load state",
            "agent_running": "summary: true when the agent unit is active and running",
        },
    ),
)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
