"""System logs: ``kern.log``, FreeBSD appliances' ``/var/log/system.log`` and
``/var/log/system/*.log`` (RFC 5424), journalctl exports (short, short-iso, short-precise, json)
such as sos's ``journalctl_--no-pager``, serial-console captures, and syslog-shaped text under
any other name: source ``linux.syslog``. Files named ``messages``, ``syslog``, ``daemon.log`` or
``journal*.txt`` go first to the agent-record reader (``waagent.syslog``).

Samples::

    Aug 20 09:12:04 vm1 python3[812]: ModuleNotFoundError: No module named 'crypt'
    2024-08-20T09:12:04+0000 vm1 systemd[1]: walinuxagent.service: Failed with result 'exit-code'.
    <13>1 2024-08-20T09:12:04+00:00 fw01.example waagent 4711 - [meta sequenceId="7"] Agent started
    {"__REALTIME_TIMESTAMP":"1724145124000000","PRIORITY":"3","_SYSTEMD_UNIT":"walinuxagent.service","MESSAGE":"..."}
    [    2.614201] hv_vmbus: registering driver hv_netvsc
    -- Boot 6f0e2d3c4b5a49e8a7b6c5d4e3f2a1b0 --

Events (``component`` is the process or unit):

* ``kind=message``: ``host``, ``process``, ``pid``, ``unit`` (journal json), ``priority``
  (0-7 where the export has it), ``agent_line`` (``true`` when the guest agent or the backup
  extension wrote it), ``clock`` (the stamp as written when it has no year: the row then has no
  time). Level from the priority, else ``error`` / ``warning`` from the words of the message.
* ``kind=kernel``: serial-console and dmesg lines, ``uptime`` (seconds since boot).
* ``kind=boot``: journalctl's ``-- Boot ID --`` / ``-- Reboot --`` markers, ``boot_id``.
"""

from __future__ import annotations

import json
import re

from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import decode, group_records, parse_epoch, parse_instant
from .commands_output import command_reader, level_from_words

__all__ = ["PARSERS"]

SOURCE = "linux.syslog"

_BSD = re.compile(r"^(?P<clock>[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?:\.\d+)?) (?P<host>\S+) (?P<process>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?:\s?(?P<message>.*)$")
_ISO = re.compile(r"^(?P<stamp>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?) (?P<host>\S+) (?P<process>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?:\s?(?P<message>.*)$")
_RFC5424 = re.compile(r"^<(?P<pri>\d{1,3})>1 (?P<stamp>\S+) (?P<host>\S+) (?P<process>\S+) (?P<pid>\S+) (?P<msgid>\S+) (?P<data>-|(?:\[[^\]]*\])+) ?(?P<message>.*)$")
_KERNEL = re.compile(r"^\[\s*(?P<uptime>\d+\.\d+)\]\s(?P<message>.*)$")
_BOOT = re.compile(r"^-- (?:Boot (?P<boot>[0-9a-f]{32})|Reboot|Logs begin at .*|Journal begins at .*|No entries|Journal started) --$")
_JSON = re.compile(r'^\{.*"(?:__REALTIME_TIMESTAMP|MESSAGE)"')

# ``messages``, ``syslog``, ``daemon.log``, ``user.log`` and ``journal*.txt|log`` belong to the
# agent-record reader (source ``waagent.syslog``, linux/agent_syslog.py), which claims them by name and
# keeps the agent's records in them; this parser stays below it there (``_YIELDS``) and reads the
# other system logs and any syslog-shaped text under other names.
_YIELDS = re.compile(r"(^|/)((syslog|messages|daemon\.log|user\.log)(\.\d+|-\d{8}(\d{2})?)?|journal(ctl)?[^/]*\.(txt|log))$", re.IGNORECASE)
_NAMES = re.compile(
    r"(^|/)var/log/(messages|syslog|kern\.log|system\.log|daemon\.log|boot\.log)(\.\d+|-\d{8})?$|(^|/)var/log/system/[^/]+\.log$"
    r"|(^|/)(journalctl[^/]*|journal[^/]*\.(txt|log|json)|serial[-_]?(console|log)[^/]*|serialconsole[^/]*|boot[-_]diagnostics[^/]*)$",
    re.IGNORECASE,
)
_AGENT_WORDS = re.compile(r"waagent|walinuxagent|WALinuxAgent|VMSnapshotLinux|RecoveryServices", re.IGNORECASE)
_PRIORITY_LEVEL = {0: "error", 1: "error", 2: "error", 3: "error", 4: "warning", 5: "info", 6: "info", 7: "verbose"}


def _header(line: str) -> re.Match[str] | None:
    return _ISO.match(line) or _BSD.match(line) or _RFC5424.match(line) or _KERNEL.match(line) or _BOOT.match(line.strip())


def claim(path: str, head: bytes) -> int:
    by_name = bool(_NAMES.search(path))
    try:
        lines = [line for line in decode(head).text.splitlines()[:4] if line.strip()]
    except Exception:
        lines = []
    hits = sum(1 for line in lines[:3] if _header(line) or _JSON.match(line))
    by_content = bool(lines) and hits >= min(2, len(lines))
    if _YIELDS.search(path):
        return BY_NAME - 1 if by_name or by_content else 0
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    return BY_CONTENT - 1 if by_content else 0  # below any parser that knows the file by its content


def _level(message: str, priority: int | None) -> str | None:
    if priority is not None:
        return _PRIORITY_LEVEL.get(priority)
    return level_from_words(message)


def _add(result: ParseResult, line: int, span: int, message: str, process: str | None, **fields: object) -> None:
    priority = fields.get("priority")
    agent = bool(_AGENT_WORDS.search(f"{process or ''} {fields.get('unit') or ''}") or _AGENT_WORDS.search(message[:300]))
    time = fields.pop("time", None)
    result.events.add(
        line=line,
        time=time,
        level=_level(message, int(priority) if isinstance(priority, (int, str)) and str(priority).isdigit() else None),
        component=process,
        message=message,
        fields={"agent_line": "true" if agent else "false", "process": process, **fields},
        span=span,
    )


def _json_entry(result: ParseResult, number: int, text: str) -> bool:
    try:
        entry = json.loads(text)
    except ValueError:
        return False
    if not isinstance(entry, dict):
        return False
    message = entry.get("MESSAGE")
    if isinstance(message, list):  # journald writes non-UTF-8 messages as byte arrays
        message = bytes(b for b in message if isinstance(b, int) and 0 <= b < 256).decode("utf-8", "replace")
    stamp = entry.get("__REALTIME_TIMESTAMP")
    time = parse_epoch(int(stamp) / 1_000_000) if isinstance(stamp, str) and stamp.isdigit() else None
    process = entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM")
    _add(result, number, 1, str(message or ""), str(process) if process else None, kind="message", time=time,
         host=entry.get("_HOSTNAME"), pid=entry.get("_PID"), unit=entry.get("_SYSTEMD_UNIT"), priority=entry.get("PRIORITY"))
    return True


def _read(lines: list[str], context: ParseContext, result: ParseResult) -> ParseResult:
    if any(_JSON.match(line) for line in lines[:5]):
        for number, text in enumerate(lines, 1):
            if not (text.strip() and _json_entry(result, number, text)):
                result.unparsable(number)
        return result
    orphans, records = group_records(lines, _header)
    for number in orphans:
        result.unparsable(number)
    for record in records:
        head = record.head
        body = record.body(lines)
        groups = head.groupdict()
        message = "\n".join([groups.get("message") or "", *body]).strip() if groups.get("message") is not None else head.group(0).strip()
        if "boot" in groups and _BOOT.match(head.group(0).strip()):
            result.events.add(line=record.line, message=head.group(0).strip(), component="journal",
                              fields={"kind": "boot", "boot_id": groups.get("boot")}, span=record.span)
        elif "uptime" in groups:
            _add(result, record.line, record.span, message, "kernel", kind="kernel", uptime=groups["uptime"])
        elif "pri" in groups:
            priority = int(groups["pri"]) % 8
            pid = groups["pid"] if groups["pid"] != "-" else None
            _add(result, record.line, record.span, message, groups["process"], kind="message", host=groups["host"],
                 pid=pid, priority=str(priority), time=parse_instant(groups["stamp"]))
        elif "stamp" in groups:
            _add(result, record.line, record.span, message, groups["process"], kind="message", host=groups["host"],
                 pid=groups["pid"], time=parse_instant(groups["stamp"].replace(",", ".")))
        else:
            _add(result, record.line, record.span, message, groups["process"], kind="message", host=groups["host"],
                 pid=groups["pid"], clock=groups["clock"])
    return result


PARSERS = (
    Parser(
        name="syslog/journal",
        source=SOURCE,
        claim=claim,
        read=command_reader(_read),
        fields={
            "kind": "message | kernel | boot",
            "host": "the host name in the line",
            "process": "the program that logged (syslog identifier)",
            "pid": "its process id",
            "unit": "journal json: the systemd unit",
            "priority": "syslog priority 0 (emergency) to 7 (debug), where the export has it",
            "agent_line": "true when the guest agent or the backup extension wrote the line",
            "clock": "the stamp as written when it has no year (the row then has no time)",
            "uptime": "kernel line: seconds since boot",
            "boot_id": "journal boot marker: the boot id",
        },
    ),
)

#: the guarded parser, for callers and tests that hold only this module
parse = PARSERS[0].parse
