"""Routine Linux content shared by the Linux cases: an agent log around the pasted lines."""

from __future__ import annotations

from datetime import datetime, timedelta

from kit import (
    VMSNAP_LINUX,
    ext_success_run_x3,
    wa_heartbeats,
    wa_line,
    wa_snapshot_enable,
    x2,
    x3,
)

OTHER_EXT_D = [("Microsoft.Azure.Monitor.AzureMonitorLinuxAgent", "1.28.11"), ("Microsoft.CPlat.Core.RunCommandLinux", "1.0.5")]
OTHER_EXT_B = [("Microsoft.OSTCExtensions.LinuxDiagnostic", "2.3.9029"), ("Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux", "1.6.1.3")]


def boot_b(t: datetime, ver: str, os_name: str, py: str, prefix: bool) -> list[tuple[datetime, str]]:
    p = "Daemon" if prefix else None
    lines = [
        f"Azure Linux Agent Version:{ver}", f"OS: {os_name}", f"Python: {py}", "Run daemon",
        "Clean protocol", "Provisioning already completed, skipping.", "RDMA capabilities are not enabled, skipping",
        "Detect protocol endpoints", "Test for route to 168.63.129.16", "Route to 168.63.129.16 exists",
        "Wire server endpoint:168.63.129.16", "Fabric preferred wire protocol version:2015-04-05",
        "Wire protocol version:2012-11-30", f"Agent WALinuxAgent-{ver} is running as the goal state agent",
    ]
    return [(t + timedelta(milliseconds=37 * i), wa_line("B", t + timedelta(milliseconds=37 * i), "INFO" if "Server preferred" not in m else "WARNING", m, prefix=p))
            for i, m in enumerate(lines)]


def boot_d(t: datetime, daemon: str, handler: str, os_name: str, py: str) -> list[tuple[datetime, str]]:
    daemon_lines = [
        f"Azure Linux Agent Version: {daemon}", f"OS: {os_name}", f"Python: {py}", "Run daemon",
        "No RDMA handler exists for distro version", "Clean protocol and wireserver endpoint",
        "Wireserver endpoint 168.63.129.16 read from file", "Protocol endpoint is wireserver.",
        "Provisioning already completed, skipping.", f"Determined Agent WALinuxAgent-{handler} to be the latest agent",
        f"Agent WALinuxAgent-{handler} launched with command 'python3 -u bin/WALinuxAgent-{handler}-py3.8.egg -run-exthandlers' is successfully running",
    ]
    # a daemon older than 2.2.46 keeps writing its own era (B, local time) next to a newer ext-handler
    era = "B" if tuple(int(p) for p in daemon.split(".")[:3]) < (2, 2, 46) else "D"
    rows = [(t + timedelta(milliseconds=41 * i), wa_line(era, t + timedelta(milliseconds=41 * i), "INFO", m, "Daemon", "Daemon")) for i, m in enumerate(daemon_lines)]
    t2 = t + timedelta(seconds=3)
    ext_lines = [
        f"Agent WALinuxAgent-{handler} is running as the goal state agent", f"Distro: {os_name}; OSUtil: DefaultOSUtil; AgentService: walinuxagent; Python: {py}; systemd: True; LISDrivers: Absent; logrotate: logrotate 3.14.0;",
        "WireServer endpoint 168.63.129.16 read from file", "Wire server endpoint:168.63.129.16",
        "Checking if log collection is allowed at this time [False]. All three conditions must be met: configuration enabled [True], cgroups enabled [False], python supported: [True]",
        "Starting env monitor service.", "Start Extension Telemetry service.", "Goal State Period: 6 sec. This indicates how often the agent checks for new goal states and reports status.",
    ]
    rows += [(t2 + timedelta(milliseconds=29 * i), wa_line("D", t2 + timedelta(milliseconds=29 * i), "INFO", m, "ExtHandler", "ExtHandler")) for i, m in enumerate(ext_lines)]
    return rows


def daily_snapshots_d(first: datetime, days: int, ext_ver: str, seq0: int) -> list[tuple[datetime, str]]:
    rows = []
    for d in range(days):
        t = first + timedelta(days=d)
        rows += wa_snapshot_enable("D", t, ext_ver, seq0 + d)
    return rows


def daily_snapshots_b(first: datetime, days: int, ext_ver: str, seq0: int) -> list[tuple[datetime, str]]:
    rows = []
    for d in range(days):
        rows += wa_snapshot_enable("B", first + timedelta(days=d), ext_ver, seq0 + d)
    return rows


def gs_rounds_b(first: datetime, days: int, every_h: int = 8, prefix: bool = False) -> list[tuple[datetime, str]]:
    """Periodic goal-state/incarnation lines of a 2.2.x agent."""
    rows, t, inc = [], first, 40
    end = first + timedelta(days=days)
    while t < end:
        rows.append((t, wa_line("B", t, "INFO", f"Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation {inc}, duration=1813", prefix="ExtHandler" if prefix else None)))
        inc += 1
        t += timedelta(hours=every_h)
    return rows


def gs_rounds_d(first: datetime, end: datetime, every_h: int = 12, inc0: int = 20) -> list[tuple[datetime, str]]:
    rows, t, inc = [], first, inc0
    while t < end:
        rows.append((t, wa_line("D", t, "INFO", f"Fetched a new incarnation for the WireServer goal state [incarnation {inc}]")))
        rows.append((t, wa_line("D", t, "INFO", f"ProcessExtensionsGoalState started [incarnation_{inc} 2024-01-01T00:00:00.000000Z]", prefix="ExtHandler")))
        t2 = t + timedelta(seconds=1, milliseconds=250)
        rows.append((t2, wa_line("D", t2, "INFO", f"ProcessExtensionsGoalState completed [incarnation_{inc} 1250 ms]", prefix="ExtHandler")))
        inc += 1
        t += timedelta(hours=every_h)
    return rows


def ext_log_x3_days(first: datetime, days: int, ext_ver: str, mounts: list[str], task_prefix: str) -> list[str]:
    lines = []
    for d in range(days):
        t = first + timedelta(days=d, seconds=3)
        lines += ext_success_run_x3(t, f"{task_prefix}{d:04d}-4d3e-9a1b-6c0f2e7d5a{d:02d}", mounts, ext_ver)
    return lines


def ext_log_x2_days(first: datetime, days: int, mounts: list[str], task_prefix: str) -> list[str]:
    lines = []
    for d in range(days):
        t = first + timedelta(days=d, seconds=4)
        lines += [
            x2(t, "starting enable"),
            x2(t, f"taskId: {task_prefix}{d:04d}-61b2-4a3c-8d7e-1f2a3b4c5d{d:02d}"),
            x2(t + timedelta(seconds=5), "starting daemon initially"),
            x2(t + timedelta(seconds=6), "T:S freeze, timeout value 60"),
            *[x2(t + timedelta(seconds=6), f"fsfreeze mount :{m}") for m in mounts],
            x2(t + timedelta(seconds=7), "T:S freeze result success, timedout :False"),
            x2(t + timedelta(seconds=9), "T:S thaw result success"),
            x2(t + timedelta(seconds=9), "Enable,success,1,Enable Succeeded,False"),
        ]
    return lines


__all__ = [
    "OTHER_EXT_B",
    "OTHER_EXT_D",
    "VMSNAP_LINUX",
    "boot_b",
    "boot_d",
    "daily_snapshots_b",
    "daily_snapshots_d",
    "ext_log_x2_days",
    "ext_log_x3_days",
    "gs_rounds_b",
    "gs_rounds_d",
    "wa_heartbeats",
    "x2",
    "x3",
]
