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


def test_yearless_syslog_stamps_reach_the_collection_time():
    agent = _table("var/log/waagent.log", "waagent.log", [(1, T0, "Successfully reported handler status")])
    summary = _table(
        "var/log/messages",
        "waagent.syslog",
        [(1, None, "19 syslog lines skipped", {"agent_record": "0", "skipped_lines": "19", "last_syslog_time": "May  2 21:00:00"})],
    )
    fact = _facts(agent, summary)["agent-liveness"]
    assert fact["fields"]["silent_hours"] == "18.0"
    assert fact["fields"]["collected_from"] == "var/log/messages"


def _repeat(count: int, every: timedelta, message: str, start: datetime) -> list[tuple]:
    return [(100 + i, start + every * i, message) for i in range(count)]


def test_an_agent_that_repeats_one_line_for_hours_is_stalled():
    start = [(1, T0, "Agent WALinuxAgent-2.2.13 is running as the goal state agent")]
    waiting = _repeat(90, timedelta(minutes=1), "WALinuxAgent-2.2.15 waiting for orphan process 4035 to terminate", T0 + timedelta(minutes=1))
    fact = _facts(_table("var/log/waagent.log", "waagent.log", start + waiting))["agent-stalled"]
    assert fact["fields"]["stalled_minutes"] == "90"
    assert fact["fields"]["repeated"].startswith("WALinuxAgent-2.2.15 waiting for orphan process")
    assert fact["line"] == 189


def test_varied_agent_lines_or_a_short_gap_are_not_a_stall():
    start = [(1, T0, "Agent WALinuxAgent-2.2.13 is running as the goal state agent")]
    varied = [(100 + i, T0 + timedelta(minutes=i + 1), f"Failed to get ext handler pkgs from {name}") for i, name in enumerate(["a", "b c", "d e f"] * 30)]
    assert "agent-stalled" not in _facts(_table("var/log/waagent.log", "waagent.log", start + varied))
    short = _repeat(20, timedelta(minutes=1), "waiting for orphan process 4035 to terminate", T0 + timedelta(minutes=1))
    assert "agent-stalled" not in _facts(_table("var/log/waagent.log", "waagent.log", start + short))


def test_exthandler_relaunched_every_second_is_a_crash_loop():
    launch = "Agent WALinuxAgent-2.2.42 launched with command 'python -u /usr/sbin/waagent -run-exthandlers' is successfully running"
    rows = _repeat(6, timedelta(seconds=1), launch, T0)
    fact = _facts(_table("var/log/waagent.log", "waagent.log", rows))["exthandler-relaunch-loop"]
    assert fact["fields"]["launches"] == "6"
    spaced = _repeat(6, timedelta(hours=6), launch, T0)
    assert "exthandler-relaunch-loop" not in _facts(_table("var/log/waagent.log", "waagent.log", spaced))


def test_service_state_from_command_outputs():
    stopped = _table(
        "commands/systemctl_status_walinuxagent.txt",
        "linux.command",
        [(1, None, "walinuxagent.service inactive (dead)", {"is_agent": "true", "unit": "walinuxagent.service", "active_state": "inactive", "sub_state": "dead", "command": "systemctl status"})],
    )
    fact = _facts(stopped)["agent-service"]
    assert {k: fact["fields"][k] for k in ("service", "service_state", "platform")} == {
        "service": "walinuxagent.service",
        "service_state": "stopped",
        "platform": "linux",
    }
    missing = _table(
        "commands/Get-Service.txt",
        "windows.command",
        [(1, None, "Cannot find any service with service name 'WindowsAzureGuestAgent'", {"is_agent": "true", "kind": "service_missing", "service": "WindowsAzureGuestAgent"})],
    )
    assert _facts(missing)["agent-service"]["fields"]["service_state"] == "missing"
    other = _table("commands/sc.txt", "windows.command", [(1, None, "VSS stopped", {"service": "VSS", "state": "stopped"})])
    assert "agent-service" not in _facts(other)


def test_version_floor_known_defects_and_autoupdate():
    from loganalyzer.rules import load_knowledge

    knowledge = load_knowledge()
    agent = _table("var/log/waagent.log", "waagent.log", [(1, T0, "Azure Linux Agent Version:2.0.16", {"agent_version": "2.0.16"})])
    conf = _table("etc/waagent.conf", "waagent.conf", [(72, None, "AutoUpdate.Enabled=n", {"key": "AutoUpdate.Enabled", "value": "n"})])
    facts = infer_facts(concat_events([agent, conf]), None, knowledge=knowledge).to_pylist()
    (fields,) = [dict(r["fields"]) for r in facts if dict(r["fields"])["fact"] == "agent-version"]
    assert fields["below_floor"] == "yes" and fields["floor"] == knowledge.agent_floor_version
    assert fields["autoupdate"] == "disabled"
    assert fields["defect_reference"].startswith("https://github.com/Azure/WALinuxAgent/issues/")
    current = _table("var/log/waagent.log", "waagent.log", [(1, T0, "Azure Linux Agent Version: 2.9.1.1", {"agent_version": "2.9.1.1"})])
    (fields,) = [dict(r["fields"]) for r in infer_facts(current, None, knowledge=knowledge).to_pylist() if dict(r["fields"])["fact"] == "agent-version"]
    assert fields["below_floor"] == "no" and "known_defect" not in fields and fields["autoupdate"] == "unknown"


def test_markers_and_handler_folders_from_member_paths():
    from loganalyzer.rules import load_knowledge

    files = [
        "var/lib/waagent/disable_agent",
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9219.0/config/HandlerState",
        "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status",
    ]
    facts = {dict(r["fields"])["fact"]: dict(r["fields"]) for r in infer_facts(EventRows().to_table("x", "waagent.log"), files=files, knowledge=load_knowledge()).to_pylist()}
    assert facts["agent-disabled-marker"]["marker"] == "var/lib/waagent/disable_agent"
    assert facts["backup-extension-version"]["extension_version"] == "1.0.9225.0"
    assert "known_defect" not in facts["backup-extension-version"]


def test_an_enable_the_backup_extension_never_answers():
    launched = f"Event: name={SNAPSHOT}, op=Enable, message=Launch command succeeded: main/handle.sh enable, duration=12"
    agent = _table("var/log/waagent.log", "waagent.log", [(1, T0, launched), (2, T0 + timedelta(hours=3), "Agent is running")])
    before = _table("var/log/azure/x/extension.log", "extension.log", [(1, T0 - timedelta(minutes=1), "starting enable")], component=SNAPSHOT)
    fact = _facts(agent, before)["extension-no-report"]
    assert fact["fields"]["silent_minutes"] == "180" and (fact["file"], fact["line"]) == ("var/log/waagent.log", 1)
    answered = _table("var/log/azure/x/extension.log", "extension.log", [(1, T0 + timedelta(minutes=1), "starting enable")], component=SNAPSHOT)
    assert "extension-no-report" not in _facts(agent, answered)
