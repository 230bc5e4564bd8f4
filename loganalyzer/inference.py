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
    ``at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from .events import EVENT_SCHEMA

__all__ = ["INFERRED", "Fact", "infer_facts"]

#: the event table's ``source`` of inferred facts
INFERRED = "inferred"

_LINUX_AGENT_SOURCES = ("waagent.log", "waagent.syslog")
_BACKUP_HANDLER = "VMSnapshot"
#: messages that show a freeze began, and those that show it ended (or the run reached a result)
_FREEZE_BEGAN = r"(?i)Starting Freeze Binary|T:S freeze, timeout value|doing freeze now|Freezing: |Logs during Freeze Start"
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


def agent_liveness(events: pa.Table) -> list[Fact]:
    found = _agent_rows(events)
    if found is None:
        return []
    agent, platform = found
    guest = events.filter(
        pc.and_(pc.is_valid(events["time"]), pc.invert(pc.starts_with(_strings(events, "source"), "azure")))
    )
    last = pc.index(agent["time"], pc.max(agent["time"])).as_py()
    newest = pc.index(guest["time"], pc.max(guest["time"])).as_py()
    seen, collected = agent["time"][last].as_py(), guest["time"][newest].as_py()
    silent = max(0.0, (collected - seen).total_seconds() / 3600.0)
    newest_file = str(guest["file"][newest].as_py())
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


def agent_version(events: pa.Table, attempt: datetime | None) -> list[Fact]:
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
    return [
        Fact(
            file=str(rows["file"][chosen].as_py()),
            line=int(rows["line"][chosen].as_py()),
            time=times[chosen],
            message=f"The agent in force at the latest backup attempt ({_stamp(at)}) is version {version}",
            fields={"fact": "agent-version", "agent_version": version, "at": at.isoformat()},
        )
    ]


def infer_facts(events: pa.Table, attempt: datetime | None = None) -> pa.Table:
    """The inferred facts of a bundle's event table, as event rows of source :data:`INFERRED`."""
    if events.num_rows == 0:
        return EVENT_SCHEMA.empty_table()
    facts = [*agent_liveness(events), *freeze_without_thaw(events), *agent_version(events, attempt)]
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
