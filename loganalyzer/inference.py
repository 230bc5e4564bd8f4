"""Facts that no single line states, inferred from the whole event table.

Some of the strongest evidence is an absence or a state: an agent that stopped writing days
before the bundle was collected, a filesystem freeze that was never followed by a thaw. After
the bundle is read, :func:`infer_facts` looks across files and adds one event per fact, with
``source = "inferred"``, so that signatures match facts exactly as they match log lines::

    file      var/log/waagent.log                (the file the fact rests on)
    line      812                                (its last line that the fact rests on)
    time      2024-05-02 03:49:25+00:00
    message   The agent's last sign of life is 172.8 hours before the newest line of the bundle
              (var/log/messages, 2024-05-09 08:35:12 UTC)
    fields    fact=agent-liveness, silent_hours=172.8, agent_last_seen=..., collected=..., ...

Facts (``fields["fact"]``):

``agent-liveness``
    The guest agent's last sign of life (any record of the Linux agent in ``waagent.log`` or its
    syslog copy; the Windows agent's ``WaAppAgent.log``) against the time the bundle was
    collected, estimated as the newest timestamp of any guest file. Fields: ``platform``,
    ``agent_last_seen``, ``collected``, ``collected_from`` (the newest file),
    ``silent_hours`` (one decimal). The agent writes at least a heartbeat every 30 minutes, so
    hours of silence while other logs go on mean it was not running.
``freeze-without-thaw``
    The backup extension's last run froze filesystems and its log then stops: no thaw, no
    freeze result, no final status. Fields: ``handler``, ``freeze_started``, ``task_id`` when
    known, ``events_after`` (events of that file after the freeze began).
``agent-version``
    The agent version in force at the latest backup attempt (the newest version a record
    stated at or before that time, else the first one after it). Fields: ``agent_version``,
    ``at``, ``autoupdate`` (from waagent.conf), ``floor`` / ``below_floor`` (the article's
    oldest accepted version, ``[agent_versions]`` in knowledge.toml), ``known_defect`` /
    ``defect_reference`` (``[[known_defect]]``).
``agent-stalled``
    The Linux agent goes on logging one repeated line (waiting for an orphan process, ...) for
    two heartbeat periods after its last goal state, heartbeat or extension line.
``exthandler-relaunch-loop``
    The daemon launched the extension handler five times or more within ten minutes.
``agent-service``
    The agent's service ``running`` / ``stopped`` / ``missing``: from command outputs
    (``linux.command`` / ``windows.command``), else from the service manager's last word
    (systemd in syslog, SCM 7036) when the agent logged nothing after it.
``agent-disabled-marker``
    ``/var/lib/waagent/disable_agent`` is in the bundle.
``extension-no-report``
    The agent launched the backup extension's enable and the extension then wrote nothing
    (no status file, no log line) for two heartbeat periods before the bundle ends.
``backup-extension-version``
    The newest backup extension installed (its handler folder), with known defects if any.

The agent-liveness collection time also reads the stamps of syslog lines that carry no year
(``syslog_time``, ``last_syslog_time``) and a collector's ``collected_at``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc

from .events import EVENT_SCHEMA

__all__ = ["INFERRED", "INFERRED_FIELDS", "Fact", "collection_time", "infer_facts"]

#: the event table's ``source`` of inferred facts
INFERRED = "inferred"
#: the ``fields`` keys inferred facts carry (the field contract of source ``inferred``)
INFERRED_FIELDS = {
    "fact": "which fact: agent-liveness, agent-stalled, exthandler-relaunch-loop, agent-service, agent-disabled-marker, freeze-without-thaw, extension-no-report, agent-version, backup-extension-version",
    "platform": "linux | windows",
    "agent_last_seen": "agent-liveness: the agent's last record (ISO time)",
    "collected": "agent-liveness: the estimated collection time (ISO time)",
    "collected_from": "agent-liveness: the file that reaches furthest",
    "silent_hours": "agent-liveness: hours between the two, one decimal",
    "last_progress": "agent-stalled: the last goal state, heartbeat or extension line (ISO time)",
    "stalled_minutes": "agent-stalled: minutes of logging without progress after it",
    "lines_after": "agent-stalled: agent lines after it",
    "repeated": "agent-stalled: the most repeated of those lines",
    "launches": "exthandler-relaunch-loop: launches of the extension handler within ten minutes",
    "first_launch": "exthandler-relaunch-loop: the first of them (ISO time)",
    "service": "agent-service: the unit or service name",
    "service_state": "agent-service: running | stopped | missing",
    "command": "agent-service: the command whose output says so",
    "marker": "agent-disabled-marker: the marker's path",
    "handler": "freeze-without-thaw, backup-extension-version: the backup extension",
    "freeze_started": "freeze-without-thaw: when the last freeze began (ISO time)",
    "task_id": "freeze-without-thaw: the backup task",
    "events_after": "freeze-without-thaw: lines of that log after the freeze began",
    "mounts": "freeze-without-thaw: the mount points that run names (the ones it froze)",
    "requested": "extension-no-report: when the agent last launched the backup extension's enable (ISO time)",
    "silent_minutes": "extension-no-report: minutes from then to the bundle's end without a status or log line",
    "last_report": "extension-no-report: the extension's last status or log line before (ISO time)",
    "agent_version": "agent-version: the version in force at the latest backup attempt",
    "at": "agent-version: the time it is taken for (ISO time)",
    "autoupdate": "agent-version: enabled | disabled | unknown (AutoUpdate.Enabled in waagent.conf)",
    "floor": "agent-version: the oldest version the article accepts",
    "below_floor": "agent-version: yes | no",
    "known_defect": "agent-version, backup-extension-version: the known defect of that version",
    "defect_reference": "agent-version, backup-extension-version: where the defect is documented",
    "extension_version": "backup-extension-version: the installed version",
}

_LINUX_AGENT_SOURCES = ("waagent.log", "waagent.syslog")
_BACKUP_HANDLER = "VMSnapshot"
#: messages that show a freeze began, and those that show it ended (or the run reached a result)
_FREEZE_BEGAN = (
    r"(?i)Starting Freeze Binary|T:S freeze, timeout value|doing freeze now|Freezing: |Logs during Freeze Start|"
    r"freezing the mount"
)
_FREEZE_ENDED = (
    r"(?i)freeze result|Freeze Completed|thaw|Snap+shotting .*Completed|Logs during Freeze End|"
    r"Enable,(success|error|transitioning|warning),|Enable failed|freeze took longer than timeout"
)


@dataclass(frozen=True)
class Fact:
    """One inferred fact, pointing at the event it rests on."""

    file: str
    line: int
    time: datetime | None
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    component: str | None = None


def _strings(table: pa.Table, name: str) -> pa.Array:
    return pc.fill_null(pc.cast(table[name], pa.string()), "")


def _field(table: pa.Table, key: str) -> pa.Array:
    return pc.fill_null(pc.map_lookup(table["fields"], key, "first"), "")


def _stamp(time: datetime) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC")


def _agent_rows(events: pa.Table) -> tuple[pa.Table, str] | None:
    """The timed records of the guest agent, and the platform they show."""
    source = _strings(events, "source")
    timed = pc.is_valid(events["time"])
    other_program = pc.and_(pc.equal(source, "waagent.syslog"), pc.equal(_field(events, "agent_record"), "0"))
    linux = pc.and_(pc.is_in(source, value_set=pa.array(_LINUX_AGENT_SOURCES)), pc.invert(other_program))
    rows = events.filter(pc.and_(linux, timed))
    if rows.num_rows:
        return rows, "linux"
    windows = pc.and_(pc.equal(source, "windows.agent"), pc.match_substring(_strings(events, "file"), "WaAppAgent"))
    rows = events.filter(pc.and_(windows, timed))
    return (rows, "windows") if rows.num_rows else None


_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_SYSLOG_STAMP = re.compile(r"(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<hms>\d\d:\d\d:\d\d)$")


def _yearless(stamp: str, near: datetime) -> datetime | None:
    """A syslog stamp (``Oct  1 08:20:00``, no year, local time read as UTC) in the year that
    brings it closest to ``near``."""
    found = _SYSLOG_STAMP.match(stamp.strip())
    if found is None or found.group("mon") not in _MONTHS:
        try:
            parsed = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    hour, minute, second = (int(part) for part in found.group("hms").split(":"))
    best = None
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            candidate = datetime(year, _MONTHS[found.group("mon")], int(found.group("day")), hour, minute, second, tzinfo=timezone.utc)
        except ValueError:
            continue
        if best is None or abs(candidate - near) < abs(best - near):
            best = candidate
    return best


def collection_time(events: pa.Table) -> tuple[datetime, str] | None:
    """When the bundle was collected, estimated: the newest time any guest file reaches (timed
    events, the stamps of syslog lines that carry no year, a collector's ``collected_at``), with
    the file that shows it."""
    source = _strings(events, "source")
    guest = events.filter(pc.and_(pc.is_valid(events["time"]), pc.invert(pc.starts_with(source, "azure"))))
    best: tuple[datetime, str] | None = None
    if guest.num_rows:
        newest = pc.index(guest["time"], pc.max(guest["time"])).as_py()
        best = (guest["time"][newest].as_py(), str(guest["file"][newest].as_py()))
    near = best[0] if best else None
    for key in ("collected_at", "syslog_time", "last_syslog_time"):
        values = _field(events, key)
        stated = events.filter(pc.not_equal(values, ""))
        if stated.num_rows == 0:
            continue
        for stamp, file in zip(_field(stated, key).to_pylist(), stated["file"].to_pylist()):
            when = _yearless(stamp, near) if near is not None or not _SYSLOG_STAMP.match(stamp.strip()) else None
            if when is not None and (best is None or when > best[0]):
                best = (when, str(file))
    return best


def agent_liveness(events: pa.Table) -> list[Fact]:
    found = _agent_rows(events)
    if found is None:
        return []
    agent, platform = found
    last = pc.index(agent["time"], pc.max(agent["time"])).as_py()
    seen = agent["time"][last].as_py()
    collected, newest_file = collection_time(events) or (seen, str(agent["file"][last].as_py()))
    silent = max(0.0, (collected - seen).total_seconds() / 3600.0)
    return [
        Fact(
            file=str(agent["file"][last].as_py()),
            line=int(agent["line"][last].as_py()),
            time=seen,
            message=(
                f"The agent's last sign of life is {silent:.1f} hours before the newest line of the bundle "
                f"({newest_file}, {_stamp(collected)})"
            ),
            fields={
                "fact": "agent-liveness",
                "platform": platform,
                "agent_last_seen": seen.isoformat(),
                "collected": collected.isoformat(),
                "collected_from": newest_file,
                "silent_hours": f"{silent:.1f}",
            },
        )
    ]


def freeze_without_thaw(events: pa.Table) -> list[Fact]:
    backup = pc.and_(
        pc.equal(_strings(events, "source"), "extension.log"),
        pc.match_substring(_strings(events, "component"), _BACKUP_HANDLER),
    )
    rows = events.filter(backup)
    facts = []
    for file in pc.unique(_strings(rows, "file")).to_pylist():
        log = rows.filter(pc.equal(_strings(rows, "file"), file))
        began = pc.match_substring_regex(_strings(log, "message"), _FREEZE_BEGAN).to_pylist()
        if not any(began):
            continue
        start = len(began) - 1 - began[::-1].index(True)
        later = _strings(log.slice(start + 1), "message")
        if pc.any(pc.match_substring_regex(later, _FREEZE_ENDED)).as_py() or pc.any(
            pc.match_substring_regex(later, r"(?i)starting enable")
        ).as_py():
            continue
        time = log["time"][start].as_py()
        handler = str(log["component"][start].as_py() or "")
        task = next((t for t in reversed(_field(log.slice(0, start + 1), "task_id").to_pylist()) if t), "")
        fields = {"fact": "freeze-without-thaw", "handler": handler, "events_after": str(len(later))}
        mounts = _run_mounts(log, start)
        if mounts:
            fields["mounts"] = ", ".join(mounts)
        if time:
            fields["freeze_started"] = time.isoformat()
        if task:
            fields["task_id"] = task
        facts.append(
            Fact(
                file=file,
                line=int(log["line"][start].as_py()),
                time=time,
                message=(
                    "The backup extension began freezing filesystems"
                    + (f" at {_stamp(time)}" if time else "")
                    + f" and its log then stops: no thaw, no freeze result, no final status ({len(later)} later lines)"
                ),
                fields=fields,
                component=handler or None,
            )
        )
    return facts


#: lines of a backup run that name a mount point it freezes
_FREEZE_MOUNT = re.compile(r"(?i)(?:fsfreeze mount :|freezing the mount: ?)\s*(\S+)")
_RUN_STARTS = re.compile(r"(?i)starting enable")


def _run_mounts(log: pa.Table, freeze_line: int) -> list[str]:
    """The mount points the backup run that froze at row ``freeze_line`` names, in order."""
    messages = log["message"].to_pylist()
    first = max((i for i in range(freeze_line + 1) if _RUN_STARTS.search(messages[i] or "")), default=0)
    mounts: list[str] = []
    for message in messages[first:]:
        for found in _FREEZE_MOUNT.finditer(message or ""):
            if found.group(1) not in mounts and not found.group(1).startswith("["):
                mounts.append(found.group(1))
    return mounts[:12]


#: agent lines that show the extension handler making progress: goal states, heartbeats, extensions
_AGENT_PROGRESS = (
    r"(?i)goal state|incarnation|heartbeat|handle extension|handle_ext|handler state|status|Event: |"
    r"processing extension|extension processing|Finished processing|\[[\w.]+-\d[\d.]*\]"
)
#: the share of the lines after the last progress that one template must cover: a stalled agent
#: repeats itself (waiting for a process, relaunching), a working one says different things
_STALL_SAME_SHARE = 0.9
#: the daemon's line after it (re)launched the extension handler process
_EXTHANDLER_LAUNCHED = r"(?i)launched with command .*-run-exthandlers"
#: how long an agent may go on logging without progress: two heartbeat periods of 30 minutes
_STALL_MINUTES = 60.0
_STALL_MIN_LINES = 10
#: relaunches of the extension handler within this many minutes that make a crash loop
_RELAUNCH_WINDOW_MINUTES = 10.0
_RELAUNCH_MIN = 5


def agent_stall(events: pa.Table) -> list[Fact]:
    """The Linux agent goes on logging but stops making progress: no goal state, heartbeat or
    extension handling for two heartbeat periods while it keeps writing other lines."""
    found = _agent_rows(events)
    if found is None or found[1] != "linux":
        return []
    agent = found[0].sort_by([("time", "ascending"), ("line", "ascending")])
    progress = pc.match_substring_regex(_strings(agent, "message"), _AGENT_PROGRESS).to_pylist()
    if not any(progress):
        return []
    last = len(progress) - 1 - progress[::-1].index(True)
    later = agent.slice(last + 1)
    if later.num_rows < _STALL_MIN_LINES:
        return []
    since = agent["time"][last].as_py()
    until = later["time"][later.num_rows - 1].as_py()
    minutes = (until - since).total_seconds() / 60.0
    if minutes < _STALL_MINUTES:
        return []
    from .unexplained import mask_messages

    templates = mask_messages(later["message"]).to_pylist()
    dominant = max(set(templates), key=templates.count)
    if templates.count(dominant) < _STALL_SAME_SHARE * len(templates):
        return []
    repeated = later["message"][templates.index(dominant)].as_py().split("\n", 1)[0][:200]
    return [
        Fact(
            file=str(later["file"][later.num_rows - 1].as_py()),
            line=int(later["line"][later.num_rows - 1].as_py()),
            time=until,
            message=(
                f"The agent kept logging for {minutes:.0f} minutes after its last goal state or heartbeat "
                f"({_stamp(since)}) without processing any: {later.num_rows} lines, mostly '{repeated}'"
            ),
            fields={
                "fact": "agent-stalled",
                "last_progress": since.isoformat(),
                "stalled_minutes": f"{minutes:.0f}",
                "lines_after": str(later.num_rows),
                "repeated": repeated,
            },
        )
    ]


def exthandler_relaunch_loop(events: pa.Table) -> list[Fact]:
    """The agent daemon relaunches the extension handler over and over: a crash loop."""
    source = _strings(events, "source")
    launched = pc.and_(
        pc.is_in(source, value_set=pa.array(_LINUX_AGENT_SOURCES)),
        pc.match_substring_regex(_strings(events, "message"), _EXTHANDLER_LAUNCHED),
    )
    rows = events.filter(pc.and_(launched, pc.is_valid(events["time"]))).sort_by([("time", "ascending")])
    times = rows["time"].to_pylist()
    window = _RELAUNCH_WINDOW_MINUTES * 60.0
    best = (0, 0)
    start = 0
    for end in range(len(times)):
        while (times[end] - times[start]).total_seconds() > window:
            start += 1
        if end - start + 1 > best[1] - best[0]:
            best = (start, end + 1)
    count = best[1] - best[0]
    if count < _RELAUNCH_MIN:
        return []
    first, last = times[best[0]], times[best[1] - 1]
    return [
        Fact(
            file=str(rows["file"][best[1] - 1].as_py()),
            line=int(rows["line"][best[1] - 1].as_py()),
            time=last,
            message=(
                f"The agent daemon launched the extension handler {count} times between {_stamp(first)} and "
                f"{_stamp(last)}: it keeps exiting and being restarted"
            ),
            fields={"fact": "exthandler-relaunch-loop", "launches": str(count), "first_launch": first.isoformat()},
        )
    ]


#: the agent's records that it started the backup extension's enable command
_ENABLE_LAUNCHED = r"(?i)op=Enable, message=Launch command succeeded|Enable extension \[|Executing command: .*enable|\benable command\b.*launch"
#: how long an enabled backup extension may stay silent: two agent heartbeat periods
_NO_REPORT_MINUTES = 60.0


def extension_no_report(events: pa.Table, pattern: str = _BACKUP_HANDLER) -> list[Fact]:
    """The agent launched the backup extension's enable and the extension then wrote nothing: no
    status file, no log line, for two heartbeat periods before the bundle was collected."""
    source = _strings(events, "source")
    message = _strings(events, "message")
    named = pc.or_(pc.match_substring(message, pattern), pc.match_substring(_strings(events, "component"), pattern))
    requests = events.filter(
        pc.and_(
            pc.and_(pc.is_in(source, value_set=pa.array(_LINUX_AGENT_SOURCES)), named),
            pc.and_(pc.match_substring_regex(message, _ENABLE_LAUNCHED), pc.is_valid(events["time"])),
        )
    )
    if requests.num_rows == 0:
        return []
    last = pc.index(requests["time"], pc.max(requests["time"])).as_py()
    requested = requests["time"][last].as_py()
    handler_file = pc.match_substring(_strings(events, "file"), pattern)
    reports = events.filter(
        pc.and_(
            pc.and_(pc.is_in(source, value_set=pa.array(["extension.log", "waagent.state"])), pc.or_(handler_file, named)),
            pc.is_valid(events["time"]),
        )
    )
    if reports.num_rows and pc.max(reports["time"]).as_py() >= requested:
        return []
    collected = collection_time(events)
    if collected is None:
        return []
    minutes = (collected[0] - requested).total_seconds() / 60.0
    if minutes < _NO_REPORT_MINUTES:
        return []
    last_report = pc.max(reports["time"]).as_py() if reports.num_rows else None
    fields = {"fact": "extension-no-report", "handler": pattern, "requested": requested.isoformat(), "silent_minutes": f"{minutes:.0f}"}
    if last_report is not None:
        fields["last_report"] = last_report.isoformat()
    return [
        Fact(
            file=str(requests["file"][last].as_py()),
            line=int(requests["line"][last].as_py()),
            time=requested,
            message=(
                f"The agent launched the backup extension's enable at {_stamp(requested)} and the extension reported "
                f"nothing in the {minutes:.0f} minutes up to the bundle's end"
            ),
            fields=fields,
        )
    ]


#: what command outputs say about the agent's service (fields of linux.command / windows.command)
_STOPPED_STATES = {"inactive", "failed", "dead", "stopped", "stop_pending"}
_AGENT_SERVICE_NAMES = re.compile(r"(?i)WindowsAzureGuestAgent|RdAgent|walinuxagent|\bwaagent\b")


_LINUX_UNIT = re.compile(r"(?i)azure linux agent|walinuxagent|waagent")
_LINUX_STOPPED = re.compile(r"(?i)^(stopped |failed to start |.*: failed with result|.*: main process exited, code=)")
_LINUX_STARTED = re.compile(r"(?i)^started ")
_WINDOWS_AGENT_SERVICE = re.compile(r"(?i)windows azure guest agent|windowsazureguestagent")


def _command_states(events: pa.Table) -> list[Fact]:
    """Agent service states that command outputs (systemctl, service, sc, Get-Service, ps) show."""
    source = _strings(events, "source")
    rows = events.filter(pc.is_in(source, value_set=pa.array(["linux.command", "windows.command"])))
    facts: list[Fact] = []
    for row in rows.to_pylist():
        fields = dict(row["fields"] or ())
        is_agent = fields.get("is_agent") == "true"
        state = ""
        names_agent = is_agent or bool(_AGENT_SERVICE_NAMES.search(row["message"] or ""))
        if fields.get("agent_missing") == "true" or (names_agent and fields.get("kind") == "service_missing"):
            state = "missing"
        elif fields.get("load_state") == "not-found" and is_agent:
            state = "missing"
        elif fields.get("agent_running") in ("true", "false"):
            state = "running" if fields["agent_running"] == "true" else "stopped"
        elif is_agent and (fields.get("active_state") or fields.get("state") or fields.get("sub_state")):
            words = {fields.get("active_state", ""), fields.get("state", ""), fields.get("sub_state", "")}
            state = "stopped" if words & _STOPPED_STATES else "running" if words & {"active", "running"} else ""
        if not state:
            continue
        service = fields.get("agent_unit") or fields.get("unit") or fields.get("service") or "the guest agent"
        platform = "windows" if row["source"] == "windows.command" else "linux"
        facts.append(_service_fact(row, service, state, platform, fields.get("command", "")))
    return facts


def _service_fact(row: dict, service: str, state: str, platform: str, command: str) -> Fact:
    return Fact(
        file=str(row["file"]),
        line=int(row["line"]),
        time=row["time"],
        message=f"{command or 'A command output'} shows the agent's service {service} {state}",
        fields={"fact": "agent-service", "service": service, "service_state": state, "platform": platform, "command": command},
    )


def _service_manager_states(events: pa.Table) -> list[Fact]:
    """The service manager's last word about the agent (systemd in syslog, the Windows Service
    Control Manager's 7036 event) when it is a stop and the agent logged nothing after it."""
    found = _agent_rows(events)
    agent_last = pc.max(found[0]["time"]).as_py() if found else None
    source = _strings(events, "source")
    facts: list[Fact] = []
    systemd = events.filter(pc.and_(pc.equal(source, "waagent.syslog"), pc.match_substring_regex(_strings(events, "component"), r"^(systemd|init)$")))
    last = None
    for row in systemd.to_pylist():
        message = row["message"] or ""
        if not _LINUX_UNIT.search(message):
            continue
        if _LINUX_STOPPED.search(message):
            last = (row, "stopped")
        elif _LINUX_STARTED.search(message):
            last = (row, "running")
    if last is not None and last[1] == "stopped":
        row = dict(last[0])
        stamp = dict(row["fields"] or ()).get("syslog_time", "")
        when = row["time"] or (_yearless(stamp, agent_last) if stamp and agent_last else None)
        if agent_last is None or (when is not None and when > agent_last):
            row["time"] = when
            facts.append(_service_fact(row, (row["message"] or "").split(" ", 1)[-1].rstrip(".").strip(), "stopped", "linux", "systemd (syslog)"))
    scm = events.filter(
        pc.and_(pc.equal(source, "windows.event"), pc.and_(pc.equal(_field(events, "provider"), "Service Control Manager"), pc.equal(_field(events, "event_id"), "7036")))
    )
    scm = scm.filter(pc.match_substring_regex(_field(scm, "param1"), _WINDOWS_AGENT_SERVICE.pattern)) if scm.num_rows else scm
    if scm.num_rows:
        scm = scm.sort_by([("time", "ascending"), ("line", "ascending")])
        row = scm.slice(scm.num_rows - 1).to_pylist()[0]
        state = str(dict(row["fields"]).get("param2", "")).lower()
        after = agent_last is not None and row["time"] is not None and agent_last > row["time"]
        if state == "stopped" and not after:
            facts.append(_service_fact(row, str(dict(row["fields"]).get("param1")), "stopped", "windows", "Service Control Manager 7036"))
    return facts


def agent_service_state(events: pa.Table) -> list[Fact]:
    """The agent's service state: from command outputs when there are any (the newest wins), else
    from the service manager's last word about it; ``running``, ``stopped`` or ``missing``."""
    commands = _command_states(events)
    if commands:
        return commands[-1:]
    return _service_manager_states(events)[-1:]


def disable_agent_marker(files: list[str]) -> list[Fact]:
    """The Linux agent's ``disable_agent`` marker file under /var/lib/waagent is in the bundle."""
    marked = [f for f in files if f.replace("\\", "/").rstrip("/").endswith("waagent/disable_agent")]
    return [
        Fact(
            file=marked[0],
            line=0,
            time=None,
            message="The agent's disable_agent marker file exists: the agent sleeps instead of running",
            fields={"fact": "agent-disabled-marker", "marker": marked[0]},
        )
    ] if marked else []


def _version_tuple(text: str) -> tuple[int, ...]:
    found = re.search(r"\d+(?:\.\d+)*", text)
    return tuple(int(p) for p in found.group(0).split(".")) if found else ()


def _autoupdate(events: pa.Table) -> str:
    """``enabled`` / ``disabled`` from waagent.conf's AutoUpdate.Enabled, else ``unknown``."""
    conf = events.filter(
        pc.and_(pc.equal(_strings(events, "source"), "waagent.conf"), pc.equal(_field(events, "key"), "AutoUpdate.Enabled"))
    )
    if conf.num_rows == 0:
        return "unknown"
    value = str(_field(conf, "value")[conf.num_rows - 1].as_py()).strip().lower()
    return "disabled" if value in ("n", "no", "false", "0") else "enabled" if value in ("y", "yes", "true", "1") else "unknown"


def _defects(program: str, version: str, defects) -> list:
    """Known defects (``Knowledge.known_defects`` rows) of ``program`` that cover ``version``."""
    have = _version_tuple(version)
    out = []
    for defect in defects:
        if defect.program != program or not have:
            continue
        if defect.version_ge and have < _version_tuple(defect.version_ge):
            continue
        if defect.version_lt and have >= _version_tuple(defect.version_lt):
            continue
        out.append(defect)
    return out


def agent_version(events: pa.Table, attempt: datetime | None, floor: str = "", defects=()) -> list[Fact]:
    versions = _field(events, "agent_version")
    known = pc.and_(
        pc.not_equal(versions, ""), pc.is_in(_strings(events, "source"), value_set=pa.array(_LINUX_AGENT_SOURCES))
    )
    rows = events.filter(pc.and_(known, pc.is_valid(events["time"])))
    if rows.num_rows == 0:
        return []
    rows = rows.sort_by([("time", "ascending"), ("line", "ascending")])
    times = rows["time"].to_pylist()
    chosen = len(times) - 1
    if attempt is not None:
        before = [i for i, t in enumerate(times) if t <= attempt]
        chosen = before[-1] if before else 0
    version = str(_field(rows, "agent_version")[chosen].as_py())
    at = attempt or times[chosen]
    fields = {"fact": "agent-version", "agent_version": version, "at": at.isoformat(), "autoupdate": _autoupdate(events)}
    if floor:
        fields["floor"] = floor
        fields["below_floor"] = "yes" if _version_tuple(version) < _version_tuple(floor) else "no"
    found = _defects("agent", version, defects)
    if found:
        fields["known_defect"] = found[0].summary
        fields["defect_reference"] = found[0].reference
    return [
        Fact(
            file=str(rows["file"][chosen].as_py()),
            line=int(rows["line"][chosen].as_py()),
            time=times[chosen],
            message=f"The agent in force at the latest backup attempt ({_stamp(at)}) is version {version}",
            fields=fields,
        )
    ]


_HANDLER_DIR = re.compile(r"(?i)(?:^|/)(?P<name>[\w.]*(?:VMSnapshot|IaaSBcdr)[\w.]*)-(?P<version>\d+(?:\.\d+){2,3})(?:/|$)")


def backup_extension_version(files: list[str], defects=()) -> list[Fact]:
    """The newest backup extension version installed (its handler folder name), with its known defects."""
    found: dict[tuple[int, ...], tuple[str, str, str]] = {}
    for file in files:
        match = _HANDLER_DIR.search(file.replace("\\", "/"))
        if match:
            found.setdefault(_version_tuple(match.group("version")), (match.group("name"), match.group("version"), file))
    if not found:
        return []
    name, version, file = found[max(found)]
    fields = {"fact": "backup-extension-version", "handler": name, "extension_version": version}
    known = _defects("backup-extension", version, defects)
    if known:
        fields["known_defect"] = known[0].summary
        fields["defect_reference"] = known[0].reference
    return [
        Fact(file=file, line=0, time=None, message=f"The backup extension installed is {name} {version}", fields=fields, component=name)
    ]


def infer_facts(
    events: pa.Table,
    attempt: datetime | None = None,
    *,
    files: list[str] | tuple[str, ...] = (),
    knowledge=None,
) -> pa.Table:
    """The inferred facts of a bundle's event table, as event rows of source :data:`INFERRED`.

    ``files`` are every member path of the bundle (markers and folder names carry facts even
    when they hold no line); ``knowledge`` gives the agent's floor version and the known defects.
    """
    files = list(files)
    floor = getattr(knowledge, "agent_floor_version", "") if knowledge is not None else ""
    defects = getattr(knowledge, "known_defects", ()) if knowledge is not None else ()
    facts = [*disable_agent_marker(files), *backup_extension_version(files, defects)]
    if events.num_rows:
        facts += [
            *agent_liveness(events),
            *agent_stall(events),
            *exthandler_relaunch_loop(events),
            *agent_service_state(events),
            *freeze_without_thaw(events),
            *extension_no_report(events),
            *agent_version(events, attempt, floor, defects),
        ]
    if not facts:
        return EVENT_SCHEMA.empty_table()
    return pa.table(
        {
            "file": pa.array([f.file for f in facts], pa.string()).dictionary_encode(),
            "line": pa.array([f.line for f in facts], pa.int32()),
            "time": pa.array([f.time for f in facts], pa.timestamp("us", tz="UTC")),
            "source": pa.array([INFERRED] * len(facts), pa.string()).dictionary_encode(),
            "level": pa.array([None] * len(facts), pa.string()).dictionary_encode(),
            "component": pa.array([f.component for f in facts], pa.string()).dictionary_encode(),
            "message": pa.array([f.message for f in facts], pa.string()),
            "fields": pa.array([f.fields for f in facts], pa.map_(pa.string(), pa.string())),
        },
        schema=EVENT_SCHEMA,
    )
