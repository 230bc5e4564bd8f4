"""The Linux backup extension's diagnostics helper (``msft_snap_monit``, VMBackup/debughelper),
source ``extension.debughelper``.

When ``[Monitor] Run=yes`` is set in ``/etc/azure/vmbackup.conf`` the helper writes one folder per
snapshot, named by a ULID, under
``var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/debughelper/<ULID>/``:

``run.log``: Go's logger with ``log.Ldate|log.Ltime|log.LUTC`` (UTC)::

    2024/10/07 02:31:07 main.Run.startStrace -> CombinedOutput failed -> exit status 1

``cpu.log``, ``mem.log``, ``disk.log``: one JSON object a second, stamped ``timestamp_millis``::

    {"timestamp_millis":1728268267000,"one":"7.91","five":"3.02","fifteen":"1.20","scheduled_ratio":"9/412","last_pid":"48121"}
    {"timestamp_millis":1728268267000,"total_kb":16370340,"avail_kb":402112,"free_kb":118204,...}
    {"timestamp_millis":1728268267000,"device_name":"sda","ios_currently_in_progress":"31",...}

``strace.log`` (``strace -t -f``): ``<pid> HH:MM:SS syscall(...) = result``, the date unknown::

    48121 02:31:09 ioctl(5, FIFREEZE, 0) = 0

``diagnosis.log``: what was found running that can hold a freeze up (the helper's own words and
spelling)::

    ========== ANTIVIRUS ============

    Anitivirus detected: "ClamAV". Make sure no files, directories, or mountpoints are being scanned during a snapshot operation

Events (``fields``): ``kind`` (``run``, ``cpu``, ``mem``, ``disk``, ``strace``, ``diagnosis``,
``section``), ``run_id`` (the ULID folder), and per kind: cpu ``load_1m``, ``load_5m``,
``load_15m``, ``runnable``; mem ``avail_kb``, ``total_kb``, ``avail_pct``; disk ``device``,
``ios_in_progress``; strace ``pid``, ``syscall``, ``syscall_result``; diagnosis ``finding``
(``antivirus`` or ``database``), ``product``, ``section``.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import begin_text, load_json, parse_epoch

__all__ = ["PARSERS", "SOURCE", "FIELDS"]

SOURCE = "extension.debughelper"
COMPONENT = "debughelper"

_FOLDER = re.compile(r"(?:^|/)debughelper/(?P<run>[0-9A-HJKMNP-TV-Z]{26})/(?P<file>run|cpu|mem|disk|strace|diagnosis)\.log$", re.IGNORECASE)
_GO_LOG = re.compile(r"^(?P<stamp>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)? (?P<msg>.*)$")
_STRACE = re.compile(r"^(?:\[pid\s+)?(?P<pid>\d+)\]?\s+(?P<clock>\d{2}:\d{2}:\d{2})(?:\.\d+)?\s+(?P<call>.*)$")
_SYSCALL = re.compile(r"^(?P<name>[a-z_0-9]+)\(.*?\)\s*=\s*(?P<result>-?\w+(?: [A-Z][A-Z0-9_]+)?)")
_SECTION = re.compile(r"^=+\s*(?P<name>[A-Z][A-Z ]*?)\s*=+$")
_FOUND = re.compile(r'^(?P<what>Anitivirus|Antivirus|Unsupported database) detected: "(?P<product>[^"]+)"')

FIELDS = {
    "kind": "run, cpu, mem, disk, strace, diagnosis (a finding) or section (a diagnosis heading)",
    "run_id": "the ULID folder of the snapshot the helper watched",
    "load_1m": "cpu: 1-minute load average",
    "load_5m": "cpu: 5-minute load average",
    "load_15m": "cpu: 15-minute load average",
    "runnable": "cpu: runnable/total scheduling entities (scheduled_ratio)",
    "total_kb": "mem: MemTotal",
    "avail_kb": "mem: MemAvailable",
    "avail_pct": "mem: MemAvailable as a whole percentage of MemTotal",
    "device": "disk: device name",
    "ios_in_progress": "disk: I/Os in progress",
    "pid": "strace: traced process id",
    "syscall": "strace: system call name",
    "syscall_result": "strace: its return value (and errno name)",
    "finding": "diagnosis: antivirus or database",
    "product": "diagnosis: the product named (ClamAV, Bitdefender, PostgreSQL, MongoDB, MySQL)",
    "section": "diagnosis: the heading the finding is under (ANTIVIRUS, DATABSES as written)",
}


def _claim(path: str, head: bytes) -> int:
    found = _FOLDER.search(path)
    if not found:
        return 0
    kind = found.group("file").lower()
    text = head[:400].decode("utf-8", "replace").lstrip()
    content = {
        "run": bool(_GO_LOG.match(text)),
        "cpu": text.startswith('{"timestamp_millis"'),
        "mem": text.startswith('{"timestamp_millis"'),
        "disk": text.startswith('{"timestamp_millis"'),
        "strace": bool(_STRACE.match(text)),
        "diagnosis": text.startswith("=") or bool(_FOUND.match(text)),
    }[kind]
    return BY_NAME_AND_CONTENT if content or not text else BY_NAME


def _number(value: object) -> str | None:
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return None


def _metric(kind: str, record: dict) -> tuple[str, dict[str, object], str]:
    """(message, fields, level) of one cpu/mem/disk sample."""
    if kind == "cpu":
        fields = {"load_1m": _number(record.get("one")), "load_5m": _number(record.get("five")),
                  "load_15m": _number(record.get("fifteen")), "runnable": record.get("scheduled_ratio")}
        return f"load average {fields['load_1m']} {fields['load_5m']} {fields['load_15m']}, runnable {fields['runnable']}", fields, "verbose"
    if kind == "mem":
        total, avail = record.get("total_kb"), record.get("avail_kb")
        pct = None
        if isinstance(total, int) and isinstance(avail, int) and total > 0:
            pct = str(round(100 * avail / total))
        fields = {"total_kb": total, "avail_kb": avail, "avail_pct": pct}
        return f"memory available {avail} of {total} kB ({pct or '?'}%)", fields, "verbose"
    fields = {"device": record.get("device_name"), "ios_in_progress": record.get("ios_currently_in_progress")}
    return f"disk {fields['device']}: {fields['ios_in_progress']} I/O(s) in progress", fields, "verbose"


def _read(data: bytes, context: ParseContext, result: ParseResult) -> None:
    lines = begin_text(data, context, result)
    if lines is None:
        return
    found = _FOLDER.search(context.path)
    kind = found.group("file").lower() if found else "run"
    run_id = found.group("run") if found else None
    section = None
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            if len(result.events):
                result.events.spans += 1
            else:
                result.unparsable(number)
            continue
        base = {"kind": kind, "run_id": run_id}
        if kind == "run":
            match = _GO_LOG.match(text)
            if not match:
                result.unparsable(number)
                continue
            moment = datetime.strptime(match.group("stamp"), "%Y/%m/%d %H:%M:%S").replace(tzinfo=timezone.utc)
            level = "error" if re.search(r"failed|error|cannot", match.group("msg"), re.IGNORECASE) else "info"
            result.events.add(line=number, message=match.group("msg"), time=moment, level=level, component=COMPONENT, fields=base)
        elif kind in ("cpu", "mem", "disk"):
            try:
                record = load_json(text)
            except (ValueError, RecursionError):
                result.unparsable(number)
                continue
            if not isinstance(record, dict):
                result.unparsable(number)
                continue
            message, fields, level = _metric(kind, record)
            result.events.add(line=number, message=message, time=parse_epoch(int(record["timestamp_millis"]) / 1000) if isinstance(record.get("timestamp_millis"), int) else None,
                              level=level, component=COMPONENT, fields={**base, **fields})
        elif kind == "strace":
            match = _STRACE.match(text)
            if not match:
                result.unparsable(number)
                continue
            call = _SYSCALL.match(match.group("call"))
            fields = {**base, "pid": match.group("pid"), "syscall": call.group("name") if call else None,
                      "syscall_result": call.group("result") if call else None}
            level = "warning" if call and call.group("result").startswith("-1") else "verbose"
            result.events.add(line=number, message=f"{match.group('clock')} {match.group('call')}", level=level, component=COMPONENT, fields=fields)
        else:
            heading = _SECTION.match(text)
            if heading:
                section = heading.group("name")
                result.events.add(line=number, message=text, level="info", component=COMPONENT, fields={**base, "kind": "section", "section": section})
                continue
            finding = _FOUND.match(text)
            fields = {**base, "section": section}
            if finding:
                fields.update(finding="database" if finding.group("what").startswith("Unsupported") else "antivirus", product=finding.group("product"))
            result.events.add(line=number, message=text, level="warning" if finding else "info", component=COMPONENT, fields=fields)


PARSERS = (Parser(name="debughelper", source=SOURCE, claim=_claim, read=_read, fields=FIELDS),)
