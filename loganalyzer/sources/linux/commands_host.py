"""What runs on the VM and which versions: ``ps``/``pgrep`` listings, ``waagent -version``,
``python3 --version``, ``/etc/os-release`` and the collection script's ``collect_info.txt``:
source ``linux.command``.

Samples::

    $ waagent -version
    WALinuxAgent-2.2.45 running on ubuntu 18.04
    Python: 3.6.9
    Goal state agent: 2.11.1.12

    $ python3 --version
    Python 3.12.3

    $ ps auxww
    USER   PID %CPU %MEM    VSZ   RSS TTY STAT START   TIME COMMAND
    root   812  0.0  0.3 245372 24404 ?   Ss   09:12   0:01 /usr/bin/python3 -u /usr/sbin/waagent -daemon

    /etc/os-release
    NAME="Ubuntu"
    VERSION_ID="24.04"

Events (every event has ``command``; ``component`` is the command family):

* ``waagent -version``: ``kind=agent_version``, ``agent_version`` (the installed daemon),
  ``goal_state_agent_version`` (the agent that runs extensions), ``python_version``, ``distro``.
* ``python --version``: ``kind=python_version``, ``interpreter`` (``python3``), ``python_version``;
  ``kind=python_missing`` (level warning) when the shell says the command is not found.
* ``ps``/``pgrep``: ``kind=process`` for each agent or backup-extension process: ``pid``, ``user``,
  ``process_role`` (``agent-daemon``, ``agent-exthandler``, ``backup-extension``, ``other-extension``),
  ``agent_version`` (from ``WALinuxAgent-<v>`` in the command line); the summary carries
  ``processes`` and ``agent_daemon_running`` / ``agent_exthandler_running`` / ``backup_extension_running``
  (``true``/``false``).
* os-release: ``kind=os_release``, ``os_id``, ``os_version_id``, ``os_name``, ``os_like``.
* collect_info: ``kind=collect_info``, ``collector``, ``collected_at`` (the row's time), ``host``,
  ``root``, ``commands`` (whether commands were run).
"""

from __future__ import annotations

import re

from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .commands_output import (
    CommandOutput,
    claim_command,
    command_name,
    command_reader,
    parse_time,
)

__all__ = ["PARSERS"]

SOURCE = "linux.command"

_VERSION_NAMES = re.compile(r"^(waagent|walinuxagent)( |-)*(-?-?version)\b|^(waagent|walinuxagent) version$")
_PYTHON_NAMES = re.compile(r"^python[\d.]* (-?-version|version)$|^python[\d.]*-version$")
_PS_NAMES = re.compile(r"^(ps|pgrep)\b")
_INFO_NAMES = re.compile(r"^collect info$")

_AGENT_VERSION = re.compile(r"^(?:WALinuxAgent|waagent)-(?P<version>\d+(?:\.\d+){1,3})(?: running on (?P<distro>.+))?$")
_GOAL_STATE_AGENT = re.compile(r"^Goal state agent:\s*(?P<version>\S+)")
_PYTHON = re.compile(r"^Python:?\s+(?P<version>\d+\.\d+(?:\.\d+)?\S*)")
_NOT_FOUND = re.compile(r"(?:command not found|No such file or directory|not found)\s*$")
_PS_HEADER = re.compile(r"^\s*(?:USER|UID)\s+PID\b|^\s*PID\s+")
_PS_AUX = re.compile(r"^(?P<user>\S+)\s+(?P<pid>\d+)\s+(?:[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+|\d+\s+\d+\s+\S+\s+\S+\s+\S+)\s+(?P<command>.+)$")
_PGREP = re.compile(r"^(?P<pid>\d+)\s+(?P<command>.+)$")
_OS_RELEASE = re.compile(r'^(?P<key>[A-Z_][A-Z0-9_]*)=(?P<value>"[^"]*"|\'[^\']*\'|\S*)\s*$')
_INFO = re.compile(r"^(?P<key>collector|collected_at|host|root|commands):\s*(?P<value>.*)$")


def _roles(command: str) -> str | None:
    lowered = command.lower()
    if "waagent" in lowered and "-daemon" in lowered:
        return "agent-daemon"
    if "run-exthandlers" in lowered or ("walinuxagent-" in lowered and "-run" in lowered):
        return "agent-exthandler"
    if "vmsnapshotlinux" in lowered or "recoveryservices" in lowered or "main/handle.py" in lowered:
        return "backup-extension"
    if "/var/lib/waagent/" in lowered:
        return "other-extension"
    if "waagent" in lowered:
        return "agent-other"
    return None


def _content(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0].strip()
    return bool(_AGENT_VERSION.match(first) or (_PS_HEADER.match(first) and "COMMAND" in first.upper() or "CMD" in first.upper() and _PS_HEADER.match(first)))


def claim(path: str, head: bytes) -> int:
    name = command_name(path)
    if path.lower().endswith(("etc/os-release", "usr/lib/os-release")) or name == "os-release":
        return BY_NAME_AND_CONTENT if b"ID=" in head else BY_NAME
    if _PYTHON_NAMES.search(name) or _INFO_NAMES.search(name):
        return BY_NAME
    return claim_command(path, head, re.compile(f"{_VERSION_NAMES.pattern}|{_PS_NAMES.pattern}"), _content)


def _agent_version(lines: list[str], out: CommandOutput) -> dict[str, str]:
    facts: dict[str, str] = {}
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        found = _AGENT_VERSION.match(stripped)
        if found:
            facts.update(agent_version=found.group("version"), distro=found.group("distro"))
            out.event(number, stripped, kind="agent_version", agent_version=found.group("version"), distro=found.group("distro"))
        elif (found := _GOAL_STATE_AGENT.match(stripped)):
            facts["goal_state_agent_version"] = found.group("version")
            out.event(number, stripped, kind="agent_version", goal_state_agent_version=found.group("version"))
        elif (found := _PYTHON.match(stripped)):
            facts["python_version"] = found.group("version")
            out.event(number, stripped, kind="python_version", python_version=found.group("version"))
        elif _NOT_FOUND.search(stripped):
            facts["agent_missing"] = "true"
            out.event(number, stripped, level="warning", kind="agent_missing")
        else:
            out.skip(number)
    return facts


def _python_version(lines: list[str], out: CommandOutput, interpreter: str) -> dict[str, str]:
    facts: dict[str, str] = {"interpreter": interpreter}
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped:
            continue
        found = _PYTHON.match(stripped)
        if found:
            facts["python_version"] = found.group("version")
            out.event(number, stripped, kind="python_version", interpreter=interpreter, python_version=found.group("version"))
        elif _NOT_FOUND.search(stripped):
            facts["python_missing"] = "true"
            out.event(number, stripped, level="warning", kind="python_missing", interpreter=interpreter)
        else:
            out.skip(number)
    return facts


def _processes(lines: list[str], out: CommandOutput) -> dict[str, str]:
    roles: set[str] = set()
    count = 0
    for number, text in enumerate(lines, 1):
        if not text.strip() or _PS_HEADER.match(text):
            continue
        found = _PS_AUX.match(text.strip()) or _PGREP.match(text.strip())
        if not found:
            out.skip(number)
            continue
        count += 1
        command = found.group("command")
        role = _roles(command)
        if role is None:
            continue  # a process unrelated to the agent: counted, covered by the summary
        roles.add(role)
        version = re.search(r"WALinuxAgent-(\d+(?:\.\d+){1,3})", command)
        out.event(
            number,
            command,
            kind="process",
            pid=found.group("pid"),
            user=found.groupdict().get("user"),
            process_role=role,
            agent_version=version.group(1) if version else None,
        )
    return {
        "processes": str(count),
        "agent_daemon_running": "true" if "agent-daemon" in roles else "false",
        "agent_exthandler_running": "true" if "agent-exthandler" in roles else "false",
        "backup_extension_running": "true" if "backup-extension" in roles else "false",
    }


def _os_release(lines: list[str], out: CommandOutput) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        found = _OS_RELEASE.match(stripped)
        if not found:
            out.skip(number)
            continue
        values[found.group("key")] = found.group("value").strip("\"'")
    facts = {
        "os_id": values.get("ID"),
        "os_version_id": values.get("VERSION_ID"),
        "os_name": values.get("PRETTY_NAME") or values.get("NAME"),
        "os_like": values.get("ID_LIKE"),
    }
    return {k: v for k, v in facts.items() if v}


def _collect_info(lines: list[str], out: CommandOutput) -> dict[str, str]:
    facts: dict[str, str] = {}
    for number, text in enumerate(lines, 1):
        found = _INFO.match(text.strip())
        if found:
            facts[found.group("key")] = found.group("value").strip()
        elif text.strip():
            out.skip(number)
    return facts


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    name = command_name(context.path)
    first = next((line.strip() for line in lines if line.strip()), "")
    if context.path.lower().endswith("os-release") or name == "os-release":
        out = CommandOutput(result, "cat /etc/os-release", "os-release")
        facts = _os_release(lines, out)
        return out.finish(f"OS: {facts.get('os_name') or facts.get('os_id') or 'unknown'}", kind_detail="os_release", **facts)
    if _INFO_NAMES.search(name):
        out = CommandOutput(result, "collect-script", "collect")
        facts = _collect_info(lines, out)
        moment = parse_time(facts.get("collected_at"))
        return out.finish(f"collected by {facts.get('collector', 'a script')} at {facts.get('collected_at', '?')}", time=moment, kind_detail="collect_info", **facts)
    if _PYTHON_NAMES.search(name):
        interpreter = name.split()[0].split("-")[0]
        out = CommandOutput(result, f"{interpreter} --version", "python")
        facts = _python_version(lines, out, interpreter)
        return out.finish(f"{interpreter}: {facts.get('python_version', 'not found')}", level="warning" if "python_missing" in facts else None, **facts)
    if _VERSION_NAMES.search(name) or _AGENT_VERSION.match(first):
        out = CommandOutput(result, "waagent -version", "waagent")
        facts = _agent_version(lines, out)
        return out.finish(f"agent {facts.get('agent_version', '?')}, goal-state agent {facts.get('goal_state_agent_version', '?')}", **facts)
    out = CommandOutput(result, "ps", "ps")
    facts = _processes(lines, out)
    running = facts["agent_daemon_running"] == "true" or facts["agent_exthandler_running"] == "true"
    return out.finish(
        f"{facts['processes']} processes; agent daemon running: {facts['agent_daemon_running']}, ext-handler running: {facts['agent_exthandler_running']}",
        level=None if running else "warning",
        **facts,
    )


PARSERS = (
    Parser(
        name="ps/versions/os-release",
        source=SOURCE,
        claim=claim,
        read=command_reader(_read),
        fields={
            "command": "the command whose output this is (ps, waagent -version, python3 --version, ...)",
            "kind": "agent_version | agent_missing | python_version | python_missing | process | summary",
            "kind_detail": "summary of os-release or collect_info: which",
            "agent_version": "the installed agent (waagent -version) or the version in a process's command line",
            "goal_state_agent_version": "the agent version that runs extensions (waagent -version)",
            "distro": "the distribution waagent reports",
            "python_version": "a Python interpreter's version (3.12.3)",
            "interpreter": "which interpreter was asked (python3, python, python2)",
            "python_missing": "true when the interpreter was not found",
            "agent_missing": "true when waagent was not found",
            "pid": "process id",
            "user": "process owner",
            "process_role": "agent-daemon | agent-exthandler | agent-other | backup-extension | other-extension",
            "processes": "summary: processes listed",
            "agent_daemon_running": "summary: true when the waagent daemon is listed",
            "agent_exthandler_running": "summary: true when the agent's extension handler is listed",
            "backup_extension_running": "summary: true when a VMSnapshotLinux process is listed",
            "os_id": "os-release ID (ubuntu, rhel, sles, freebsd, ...)",
            "os_version_id": "os-release VERSION_ID",
            "os_name": "os-release PRETTY_NAME",
            "os_like": "os-release ID_LIKE",
            "collector": "collect_info: the script and its version",
            "collected_at": "collect_info: when the bundle was collected (UTC)",
            "host": "collect_info: the host name",
            "root": "collect_info: the root folder read",
            "commands": "collect_info: yes when command outputs were collected",
        },
    ),
)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
