"""System logs (source ``linux.syslog``): syslog, journalctl exports, appliance RFC 5424 logs,
serial console."""

from __future__ import annotations

import json

from test_commands_helpers import parse_checked

from loganalyzer.reader import read_bundle
from loganalyzer.sources.linux import syslog


def test_messages_keep_the_clock_without_inventing_a_year():
    result = parse_checked(syslog, "var/log/messages", (
        "Nov  4 08:01:12 vm1 python3[812]: Traceback (most recent call last):\n"
        "Nov  4 08:01:12 vm1 python3[812]:   File \"/usr/sbin/waagent\", line 27, in <module>\n"
        "Nov  4 08:01:12 vm1 systemd[1]: walinuxagent.service: Main process exited, code=exited, status=1/FAILURE\n"
    ))
    assert result.events.time == [None, None, None]
    assert [f["clock"] for f in result.events.fields] == ["Nov  4 08:01:12"] * 3
    assert result.events.level[0] == "error" and result.events.fields[1]["agent_line"] == "true"
    assert [f["process"] for f in result.events.fields] == ["python3", "python3", "systemd"]


def test_journalctl_short_iso_with_boot_markers():
    result = parse_checked(syslog, "sos_commands/logs/journalctl_--no-pager", (
        "-- Logs begin at Sun 2024-11-03 00:00:01 UTC, end at Mon 2024-11-04 09:00:00 UTC. --\n"
        "2024-11-04T08:01:10+0000 vm1 systemd[1]: Started Azure Linux Agent.\n"
        "-- Reboot --\n"
        "2024-11-04T08:05:00+0000 vm1 kernel: Linux version 5.15.0-1064-azure\n"
    ))
    kinds = [f["kind"] for f in result.events.fields]
    assert kinds == ["boot", "message", "boot", "message"]
    assert result.events.time[1].isoformat() == "2024-11-04T08:01:10+00:00"


def test_journalctl_json_export():
    entry = {"__REALTIME_TIMESTAMP": "1730707272000000", "PRIORITY": "3", "_SYSTEMD_UNIT": "walinuxagent.service",
             "SYSLOG_IDENTIFIER": "python3", "_PID": "812", "_HOSTNAME": "vm1", "MESSAGE": "ModuleNotFoundError: No module named 'crypt'"}
    result = parse_checked(syslog, "commands/journalctl_walinuxagent.json", json.dumps(entry) + "\n" + "not json\n")
    first = result.events.fields[0]
    assert first["unit"] == "walinuxagent.service" and first["agent_line"] == "true" and result.events.level[0] == "error"
    assert result.events.time[0].isoformat() == "2024-11-04T08:01:12+00:00"
    assert result.unparsed == 1


def test_freebsd_appliance_rfc5424_and_serial_console():
    appliance = parse_checked(syslog, "var/log/system/latest.log",
                       '<11>1 2024-11-04T08:01:12+01:00 fw01.example.net waagent 4711 - [meta sequenceId="7"] Daemon failed\n')
    assert appliance.events.level == ["error"] and appliance.events.time[0].isoformat() == "2024-11-04T07:01:12+00:00"
    serial = parse_checked(syslog, "boot_diagnostics_serial.log", "[    0.000000] Linux version 5.15.0-1064-azure\n[    5.120011] EXT4-fs (sda1): mounted filesystem\n")
    assert [f["uptime"] for f in serial.events.fields] == ["0.000000", "5.120011"]


def test_syslog_found_by_content_under_any_name_but_not_other_text(tmp_path):
    (tmp_path / "saved_output.txt").write_text("Nov  4 08:01:12 vm1 sshd[90]: Accepted publickey\nNov  4 08:01:13 vm1 cron[91]: started\n")
    (tmp_path / "readme.txt").write_text("this bundle was collected by hand\n")
    coverage = read_bundle(tmp_path).coverage.set_index("file")
    assert coverage.loc["saved_output.txt", "source"] == "linux.syslog"
    assert coverage.loc["readme.txt", "source"] == "unrecognised"
