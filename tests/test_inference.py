"""Inferred facts: agent liveness, freeze without thaw, agent version at the attempt."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from loganalyzer.events import EventRows, concat_events
from loganalyzer.inference import INFERRED, infer_facts

T0 = datetime(2024, 5, 2, 3, 0, tzinfo=timezone.utc)
SNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _table(file: str, source: str, rows: list[tuple], component: str | None = None) -> pa.Table:
    built = EventRows()
    for line, time, message, *fields in rows:
        built.add(line=line, time=time, message=message, component=component, fields=fields[0] if fields else None)
    return built.to_table(file, source)


def _facts(*tables: pa.Table, attempt: datetime | None = None) -> dict[str, dict]:
    facts = infer_facts(concat_events(tables), attempt)
    assert set(facts["source"].to_pylist()) <= {INFERRED}
    return {dict(r["fields"])["fact"]: {**r, "fields": dict(r["fields"])} for r in facts.to_pylist()}


def test_agent_silent_while_other_logs_go_on():
    agent = _table(
        "var/log/waagent.log",
        "waagent.log",
        [(10, T0, "Daemon ended with exception", {"agent_version": "2.9.0.4"}), (11, T0 + timedelta(minutes=5), "restart daemon")],
    )
    syslog = _table("var/log/messages", "waagent.syslog", [(1, T0 + timedelta(days=7), "kernel: eth0 up", {"agent_record": "0"})])
    fact = _facts(agent, syslog)["agent-liveness"]
    assert fact["fields"]["silent_hours"] == "167.9"
    assert fact["fields"]["collected_from"] == "var/log/messages"
    assert (fact["file"], fact["line"]) == ("var/log/waagent.log", 11)
    assert fact["fields"]["platform"] == "linux"


def test_an_agent_that_writes_to_the_end_is_not_silent():
    agent = _table("var/log/waagent.log", "waagent.log", [(1, T0, "[HEARTBEAT] Agent is running")])
    extension = _table("var/log/azure/x/extension.log", "extension.log", [(1, T0 - timedelta(hours=3), "starting enable")])
    assert _facts(agent, extension)["agent-liveness"]["fields"]["silent_hours"] == "0.0"


def test_azure_side_exports_do_not_count_as_collection_time():
    agent = _table("var/log/waagent.log", "waagent.log", [(1, T0, "[HEARTBEAT]")])
    job = _table("jobs.json", "azure.job", [(1, T0 + timedelta(days=30), "Backup failed")])
    assert _facts(agent, job)["agent-liveness"]["fields"]["silent_hours"] == "0.0"


def test_no_agent_log_no_liveness_fact():
    extension = _table("var/log/azure/x/extension.log", "extension.log", [(1, T0, "starting enable")])
    assert "agent-liveness" not in _facts(extension)


def test_freeze_with_no_thaw_and_a_log_that_stops():
    log = _table(
        f"var/log/azure/{SNAPSHOT}/extension.log",
        "extension.log",
        [
            (1, T0, "starting enable"),
            (2, T0, "taskId: 6c2e0a54", {"task_id": "6c2e0a54"}),
            (3, T0 + timedelta(seconds=5), "****** 1. Starting Freeze Binary"),
            (4, T0 + timedelta(seconds=6), "fsfreeze mount :/data"),
        ],
        component=SNAPSHOT,
    )
    fact = _facts(log)["freeze-without-thaw"]
    assert fact["line"] == 3
    assert fact["fields"]["task_id"] == "6c2e0a54"
    assert fact["fields"]["events_after"] == "1"


def test_a_freeze_that_completes_or_a_later_run_is_no_fact():
    completed = [
        (1, T0, "****** 1. Starting Freeze Binary"),
        (2, T0, "****** 4. Freeze Completed (Signal=1 received)"),
    ]
    later_run = [(1, T0, "T:S freeze, timeout value 60"), (2, T0 + timedelta(days=1), "starting enable")]
    for rows in (completed, later_run):
        log = _table(f"var/log/azure/{SNAPSHOT}/extension.log", "extension.log", rows, component=SNAPSHOT)
        assert "freeze-without-thaw" not in _facts(log)


def test_agent_version_in_force_at_the_attempt():
    agent = _table(
        "var/log/waagent.log",
        "waagent.log",
        [
            (1, T0, "goal state agent", {"agent_version": "2.2.14"}),
            (2, T0 + timedelta(days=2), "goal state agent", {"agent_version": "2.9.1.1"}),
        ],
    )
    assert _facts(agent, attempt=T0 + timedelta(days=1))["agent-version"]["fields"]["agent_version"] == "2.2.14"
    assert _facts(agent, attempt=T0 + timedelta(days=3))["agent-version"]["fields"]["agent_version"] == "2.9.1.1"
    assert _facts(agent)["agent-version"]["fields"]["agent_version"] == "2.9.1.1"


def test_empty_table_gives_no_fact():
    assert infer_facts(concat_events([])).num_rows == 0
