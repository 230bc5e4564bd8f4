"""Tests of the waagent.log parser and its syslog / journal sibling.

Sample logs under ``tests/data/waagent_log/`` were written for these tests from the format
notes (``formats/linux.md`` §1 and the message templates of §5.2); Event: tokens are built here.
"""

from __future__ import annotations

import base64
import gzip
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.events import to_frame
from loganalyzer.redaction import redact
from loganalyzer.sources import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext
from loganalyzer.sources._kit import decode, split_lines
from loganalyzer.sources.linux import agent_log, agent_syslog
from loganalyzer.sources.linux.agent_log import claim_waagent_log, parse_waagent_log
from loganalyzer.sources.linux.agent_syslog import claim_waagent_syslog, parse_waagent_syslog

PARSERS = (agent_log.WAAGENT_LOG, *agent_syslog.PARSERS)

DATA = Path(__file__).parent / "data" / "waagent_log"
UTC = timezone.utc
VMSNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def parse(text: str | bytes, path: str = "var/log/waagent.log", parser=parse_waagent_log):
    data = text.encode() if isinstance(text, str) else text
    result = parser(data, ParseContext(file=path, path=path))
    table = result.events.to_table(path, result.source)
    assert len(to_frame(table)) == table.num_rows
    rows = [
        {key: row[key] for key in ("line", "time", "level", "component", "message")} | {"fields": dict(row["fields"])}
        for row in table.to_pylist()
    ]
    return result, rows


def read(name: str, parser=parse_waagent_log):
    return parse((DATA / name).read_bytes(), path=f"var/log/{name}", parser=parser)


def assert_accounted(result, data: bytes) -> None:
    assert result.lines == len(split_lines(decode(data).text))
    assert result.lines == result.events.spans + result.unparsed


def gzip_b64(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode())).decode()


def by_line(rows, line):
    (row,) = [r for r in rows if r["line"] == line]
    return row


# ---------------------------------------------------------------------------------------------
# module shape


def test_parsers_exported_and_registered():
    names = {p.name for p in PARSERS}
    assert names == {"waagent.log", "waagent.syslog"}
    assert {p.source for p in PARSERS} == {"waagent.log", "waagent.syslog"}
    assert agent_log.__doc__ and "era" in agent_log.__doc__


# ---------------------------------------------------------------------------------------------
# era D


def test_era_d_sample():
    result, rows = read("era_d.log")
    assert_accounted(result, (DATA / "era_d.log").read_bytes())
    assert result.unparsed == 0 and result.problems == []
    assert {r["fields"]["era"] for r in rows} == {"D"}

    daemon = by_line(rows, 1)
    assert daemon["time"] == datetime(2024, 5, 30, 13, 10, 2, 104512, tzinfo=UTC)
    assert daemon["level"] == "info" and daemon["component"] == "Daemon"
    assert daemon["fields"]["thread"] == "Daemon" and daemon["fields"]["prefix"] == "Daemon"
    assert daemon["fields"]["agent_version"] == "2.2.53"
    assert "time_basis" not in daemon["fields"]

    # the daemon stays on 2.2.53 while the ext-handler runs 2.9.1.1
    assert by_line(rows, 3)["fields"]["agent_version"] == "2.2.53"
    gs = by_line(rows, 4)
    assert gs["fields"]["goal_state_agent_version"] == "2.9.1.1"
    assert gs["fields"]["agent_version"] == "2.9.1.1"

    blank = by_line(rows, 6)
    assert blank["message"] == "" and blank["fields"]["thread"] == "ExtHandler"

    # '... INFO ExtHandler Fetched ...' is a thread without prefix here (file is D)
    fetched = by_line(rows, 7)
    assert fetched["message"].startswith("Fetched a new incarnation")
    assert fetched["fields"]["thread"] == "ExtHandler" and "prefix" not in fetched["fields"]
    assert fetched["component"] == "ExtHandler"

    ext = by_line(rows, 9)
    assert ext["component"] == VMSNAP
    assert ext["fields"]["handler"] == VMSNAP and ext["fields"]["handler_version"] == "1.0.9218.0"
    assert ext["fields"]["thread"] == "ExtHandler"
    assert ext["message"] == "Target handler state: enabled [incarnation_7]"
    assert by_line(rows, 10)["message"] == "[Enable] current handler state is: enabled"


def test_era_d_continuation_blocks():
    result, rows = read("era_d.log")
    failed = by_line(rows, 13)
    assert failed["level"] == "error"
    assert failed["message"] == (
        "Non-zero exit code: 1, main/handle.sh enable\n[stdout]\n2024-05-30 13:15:46 - starting enable\n"
        "python version unknown\n\n[stderr]\n/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
        "-1.0.9218.0/main/handle.sh: line 61: python: command not found"
    )  # the trailing blank line is counted but not kept
    assert "torn" not in failed["fields"]
    trace = by_line(rows, 28)
    lines = trace["message"].split("\n")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1].startswith("Inner error: [HttpError]")
    assert len(lines) == 5


def test_era_d_event_multiline_with_duration():
    _, rows = read("era_d.log")
    event = by_line(rows, 21)
    fields = event["fields"]
    assert fields["event_name"] == VMSNAP
    assert fields["event_op"] == "Enable"
    assert fields["event_duration_ms"] == "0"
    assert fields["event_message"].startswith("[ExtensionOperationError] Non-zero exit code: 1")
    assert "[stderr]" in fields["event_message"]
    assert "event_message_encoding" not in fields


def test_era_d_threads_sas_and_escapes():
    _, rows = read("era_d.log")
    monitor = by_line(rows, 27)
    assert monitor["fields"]["thread"] == "MonitorHandler" and monitor["fields"]["prefix"] == "ExtHandler"
    assert monitor["component"] == "ExtHandler" and monitor["level"] == "warning"
    status = by_line(rows, 33)
    assert "sig=" not in status["message"] and "AbC%2B" not in status["message"]
    assert status["message"].startswith("Uploading status to https://md-xyz.blob.core.windows.net/")
    assert by_line(rows, 36)["message"] == "Caf\\xe9 configuration unchanged"
    assert by_line(rows, 36)["fields"]["thread"] == "EnvHandler"


def test_torn_fragment_attaches_and_flags():
    _, rows = read("era_d.log")
    heartbeat = by_line(rows, 34)
    assert heartbeat["fields"]["torn"] == "1"
    assert heartbeat["message"].endswith("\n] [Enable] current handler state is: enabled")
    assert "UpdateGSErrors: 2" in heartbeat["message"]


# ---------------------------------------------------------------------------------------------
# era C, B, A and EXT20


def test_era_c_sample():
    result, rows = read("era_c.log")
    assert result.unparsed == 0
    assert {r["fields"]["era"] for r in rows} == {"C"}
    first = by_line(rows, 1)
    assert first["fields"]["prefix"] == "Daemon" and "thread" not in first["fields"]
    assert first["message"] == "Azure Linux Agent Version:2.2.46"
    assert first["time"] == datetime(2019, 12, 20, 8, 0, 0, 1, tzinfo=UTC)
    fetched = by_line(rows, 5)  # the ambiguous shape, read as C because the agent says 2.2.46
    assert fetched["fields"]["prefix"] == "ExtHandler"
    assert fetched["message"] == "Fetched a new incarnation for the WireServer goal state [incarnation 3]"
    ext = by_line(rows, 6)
    assert ext["fields"]["handler_version"] == "1.0.9150.0" and ext["component"] == VMSNAP
    assert all(r["fields"]["agent_version"] == "2.2.46" for r in rows)
    assert by_line(rows, 8)["level"] == "warning"


def test_era_c_without_version_lines_decided_by_shape():
    text = "\n".join(
        f"2019-12-20T08:00:0{i}.000000Z INFO ExtHandler Fetched goal state {i}" for i in range(4)
    ) + "\n2019-12-20T08:00:09.000000Z INFO [VMSnap-1.0.1] Target handler state: enabled\n"
    _, rows = parse(text)
    assert [r["fields"]["era"] for r in rows] == ["C"] * 5
    assert rows[0]["fields"]["prefix"] == "ExtHandler"
    assert rows[0]["fields"]["agent_version"] == "2.2.46"


def test_mixed_c_daemon_and_d_exthandler():
    text = (
        "2020-03-01T10:00:00.000000Z INFO Daemon Azure Linux Agent Version:2.2.46\n"
        "2020-03-01T10:00:01.000000Z INFO Daemon Daemon restart timer started\n"
        "2020-03-01T10:00:05.000000Z INFO ExtHandler ExtHandler Agent WALinuxAgent-2.2.53 is running as the goal state agent\n"
        "2020-03-01T10:00:06.000000Z INFO ExtHandler Fetched a new incarnation for the WireServer goal state [incarnation 2]\n"
        "2020-03-01T10:00:07.000000Z INFO Daemon Python: 3.6.8\n"
    )
    _, rows = parse(text)
    assert [r["fields"]["era"] for r in rows] == ["C", "C", "D", "D", "C"]
    assert rows[1]["message"] == "Daemon restart timer started"  # the version, not the shape, decides
    assert rows[3]["fields"]["thread"] == "ExtHandler" and "prefix" not in rows[3]["fields"]
    assert rows[3]["fields"]["agent_version"] == "2.2.53"
    assert rows[4]["fields"]["agent_version"] == "2.2.46"
    assert rows[4]["fields"]["goal_state_agent_version"] == "2.2.53"


def test_era_b_sample_local_time():
    result, rows = read("era_b.log")
    assert result.unparsed == 0
    assert {r["fields"]["era"] for r in rows} == {"B"}
    first = by_line(rows, 1)
    assert first["fields"]["time_basis"] == "local"
    assert first["time"].replace(tzinfo=None) == datetime(2018, 3, 5, 14, 31, 50, 100200)
    assert first["component"] is None and "prefix" not in first["fields"]
    assert first["fields"]["agent_version"] == "2.2.21"
    assert by_line(rows, 4)["fields"]["handler"] == VMSNAP
    assert by_line(rows, 6)["level"] == "verbose"
    assert by_line(rows, 6)["message"].startswith("[HTTP Retry] Attempt 2 of 3")
    success = by_line(rows, 7)["fields"]
    assert (success["event_name"], success["event_op"], success["event_message"], success["event_duration_ms"]) == (
        "WALinuxAgent",
        "ProcessGoalState",
        "Incarnation 33",
        "2042",
    )
    failure = by_line(rows, 8)
    assert failure["level"] == "error" and failure["fields"]["event_message"] == "[ExtensionError] Downgrade not allowed"


def test_era_b_process_prefixes():
    text = (
        "2019/06/01 10:00:00.123456 INFO Daemon Azure Linux Agent Version:2.2.40\n"
        "2019/06/01 10:00:03.000000 INFO ExtHandler Agent WALinuxAgent-2.2.45 is running as the goal state agent\n"
        "2019/06/01 10:00:04.000000 ERROR ExtHandler [ProtocolError] Failed to upload status blob via either channel\n"
        "2019/06/01 10:00:05.000000 INFO Daemon Python: 2.7.5\n"
        "2019/06/01 10:00:06.000000 INFO [HTTP Failed] GET http://168.63.129.16/machine/ -- IOError timed out\n"
    )
    _, rows = parse(text)
    assert [r["fields"].get("prefix") for r in rows] == ["Daemon", "ExtHandler", "ExtHandler", "Daemon", None]
    assert rows[2]["fields"]["agent_version"] == "2.2.45"
    assert rows[3]["fields"]["agent_version"] == "2.2.40"
    assert rows[4]["message"].startswith("[HTTP Failed] GET")


def test_era_a_and_ext20_sample():
    result, rows = read("era_a.log")
    assert result.unparsed == 0 and result.lines == 11
    first = by_line(rows, 1)
    assert first["fields"] == {"era": "A", "agent_version": "2.0.16", "time_basis": "local"}
    assert first["level"] == "info"
    assert first["time"].replace(tzinfo=None) == datetime(2016, 12, 12, 19, 38, 40)
    assert by_line(rows, 5)["level"] == "error"
    assert by_line(rows, 5)["message"] == "HTTP Req: GET /machine/?comp=goalstate"
    assert by_line(rows, 7)["level"] == "warning"
    ext = by_line(rows, 8)
    assert ext["fields"]["era"] == "EXT20"
    assert ext["fields"]["handler"] == "Microsoft.OSTCExtensions.LinuxDiagnostic"
    assert ext["fields"]["handler_version"] == "2.3.9017"
    assert ext["component"] == "Microsoft.OSTCExtensions.LinuxDiagnostic"
    assert ext["message"].startswith("cwd is /var/lib/waagent/")
    assert "agent_version" not in ext["fields"]  # written by the extension, not the agent
    # old backup logger: inner level word, and the bare stamp after it belongs to it
    freeze = by_line(rows, 9)
    assert freeze["level"] == "error" and freeze["fields"]["handler_version"] == "1.0"
    assert not any(r["line"] == 10 for r in rows)
    token = by_line(rows, 11)
    assert token["level"] == "error"
    assert "0f1e2d3c" not in token["message"] and token["message"].startswith("snapshotTaskToken : ")


def test_era_bounds_when_no_version_line():
    text = (
        "2016/01/02 03:04:05 Probing for Azure environment.\n"
        "2018/01/02 03:04:05.000000 INFO Event: name=WALinuxAgent, op=None, message=first\n"
        "2021/01/02 03:04:05.000000Z INFO ExtHandler ExtHandler nothing\n"
        "2021-01-02T03:04:05.000000Z INFO MonitorHandler ExtHandler nothing\n"
    )
    _, rows = parse(text)
    assert rows[0]["fields"]["agent_version_max"] == "2.0.18"
    assert rows[1]["fields"]["agent_version_min"] == "2.1.0"
    assert rows[1]["fields"]["agent_version_max"] == "2.2.45"
    assert rows[1]["fields"]["event_op"] == "None" and "event_duration_ms" not in rows[1]["fields"]
    # line 3 is no header ('/' date with Z): a continuation of line 2
    assert rows[1]["message"].endswith("\n2021/01/02 03:04:05.000000Z INFO ExtHandler ExtHandler nothing")
    assert rows[2]["fields"]["agent_version_min"] == "2.2.47" and "agent_version_max" not in rows[2]["fields"]


def test_stated_version_outside_the_era_is_not_used():
    text = (
        "2019/06/01 10:00:00.123456 INFO Daemon Azure Linux Agent Version:2.2.40\n"
        "2020-06-01T10:00:05.000000Z INFO MonitorHandler ExtHandler heartbeat\n"
    )
    _, rows = parse(text)
    assert rows[1]["fields"]["agent_version_min"] == "2.2.47"
    assert "agent_version" not in rows[1]["fields"]


# ---------------------------------------------------------------------------------------------
# Event: decoding


def test_event_gzip_base64_message_decoded_and_redacted():
    inner = (
        "[ExtensionOperationError] Non-zero exit code: 1, main/handle.sh enable\n[stdout]\n"
        "uploading to https://acct.blob.core.windows.net/c/b?sv=2018-03-28&sig=TOPSECRETSIG%3D&se=x\n[stderr]\n"
    )
    token = gzip_b64(inner)
    text = (
        "2019/09/01 10:00:00.000000 INFO ExtHandler Agent WALinuxAgent-2.2.40 is running as the goal state agent\n"
        f"2019/09/01 10:00:01.000000 ERROR ExtHandler Event: name={VMSNAP}, op=Enable, message={token}, duration=0\n"
    )
    result, rows = parse(text)
    event = rows[1]
    fields = event["fields"]
    assert fields["event_message_encoding"] == "gzip+base64"
    assert fields["event_message"].startswith("[ExtensionOperationError] Non-zero exit code: 1")
    assert fields["event_duration_ms"] == "0"
    assert "TOPSECRETSIG" not in fields["event_message"]
    assert "TOPSECRETSIG" not in event["message"] and token not in event["message"]
    assert event["message"].startswith(f"Event: name={VMSNAP}, op=Enable, message=[ExtensionOperationError]")
    assert event["message"].endswith(", duration=0")
    assert fields["agent_version"] == "2.2.40"


@pytest.mark.parametrize("token", ["H4sIAAAAAAAAA!!notbase64", "H4sI" + "A" * 40, "<>", "aGVsbG8gd29ybGQ="])
def test_event_undecodable_message_left_as_is(token):
    text = f"2019/09/01 10:00:01.000000 ERROR Event: name=X, op=Install, message={token}, duration=12\n"
    _, rows = parse(text)
    fields = rows[0]["fields"]
    assert fields["event_message"] == token and "event_message_encoding" not in fields
    assert fields["event_duration_ms"] == "12"


# ---------------------------------------------------------------------------------------------
# continuation, blank and torn lines


def test_lines_before_first_header_are_unparsed_and_blank_lines_counted():
    text = (
        "e.com/x\n"
        "\n"
        "2024-05-30T13:15:44.902312Z INFO ExtHandler ExtHandler ProcessExtensionsGoalState completed [incarnation_7 120 ms]\n"
        "\n"
        "\n"
        "2024-05-30T13:15:45.000000Z INFO ExtHandler ExtHandler next\n"
    )
    result, rows = parse(text)
    assert result.unparsed == 2 and result.unparsed_lines == [1, 2]
    assert rows[0]["message"] == "ProcessExtensionsGoalState completed [incarnation_7 120 ms]"
    assert result.events.spans == 4


def test_glued_header_splits_into_two_records():
    text = (
        "2024-05-30T13:15:44.000000Z INFO ExtHandler ExtHandler first\n"
        "garbage tail2024-05-30T13:15:45.000000Z ERROR ExtHandler ExtHandler second\n"
        "5.331589Z INFO ExtHandler [X-1.0] cut\n"
    )
    result, rows = parse(text)
    assert result.lines == 3 and result.events.spans == 3
    assert rows[0]["message"] == "first\ngarbage tail" and rows[0]["fields"]["torn"] == "1"
    assert rows[1]["line"] == 2 and rows[1]["level"] == "error" and rows[1]["message"].startswith("second")
    assert rows[1]["fields"]["torn"] == "1"  # and holds the cut header piece of line 3


def test_traceback_lines_are_not_torn():
    text = (
        "2024-05-30T13:15:44.000000Z ERROR ExtHandler ExtHandler Agent failed with exception:\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/dist-packages/azurelinuxagent/ga/update.py", line 12, in run\n'
        "]\n"
        "OSError: [Errno 28] No space left on device\n"
    )
    _, rows = parse(text)
    assert len(rows) == 1 and "torn" not in rows[0]["fields"]


def test_nul_bytes_from_a_crash():
    data = (
        b"2024-05-30T13:15:44.000000Z INFO Daemon Daemon before\n"
        b"\x00\x00\x00\x00\x00\x00\n"
        b"\x00\x00\x002024-05-30T13:20:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1\n"
    )
    result, rows = parse(data)
    assert_accounted(result, data)
    assert len(rows) == 2 and rows[1]["fields"]["agent_version"] == "2.9.1.1"
    assert any(p.kind == "damaged" for p in result.problems)
    assert all("\x00" not in r["message"] for r in rows)


def test_binary_and_empty_input():
    data = bytes(range(256)) * 20
    result, rows = parse(data)
    assert rows == [] and [p.kind for p in result.problems] == ["binary"]
    assert_accounted(result, data)
    result, rows = parse(b"")
    assert rows == [] and result.lines == 0


def test_latin1_bytes_reported_as_encoding_problem():
    data = "2016/12/12 19:38:40 caf\xe9\n".encode("latin-1")
    result, rows = parse(data)
    assert rows[0]["message"] == "caf\xe9"
    assert [p.kind for p in result.problems] == ["encoding"]


def test_invalid_date_keeps_record_without_time():
    _, rows = parse("2024-02-31T10:00:00.000000Z INFO ExtHandler ExtHandler odd\n")
    assert rows[0]["time"] is None and rows[0]["fields"]["time_invalid"] == "1"


# ---------------------------------------------------------------------------------------------
# syslog / journal copies


def test_syslog_sample():
    data = (DATA / "syslog").read_bytes()
    result, rows = read("syslog", parser=parse_waagent_syslog)
    assert_accounted(result, data)
    assert result.source == "waagent.syslog" and result.unparsed == 0
    enable = by_line(rows, 2)
    assert enable["fields"]["agent_record"] == "1" and enable["fields"]["pid"] == "1234"
    assert enable["fields"]["program"] == "python3" and enable["fields"]["host"] == "myvm"
    assert enable["fields"]["handler"] == VMSNAP and enable["fields"]["era"] == "D"
    assert enable["time"] == datetime(2024, 5, 30, 13, 15, 45, 331589, tzinfo=UTC)
    failed = by_line(rows, 3)  # [stdout]/[stderr] lines of PID 1234 joined, the kernel line between skipped
    assert failed["message"] == "Non-zero exit code: 1, main/handle.sh enable\n[stdout]\npython version unknown\n\n[stderr]"
    assert failed["level"] == "error"
    daemon = by_line(rows, 9)
    assert daemon["fields"]["agent_version"] == "2.2.53" and daemon["fields"]["pid"] == "987"
    freeze = by_line(rows, 10)
    assert freeze["fields"]["agent_record"] == "0" and freeze["level"] is None
    assert freeze["component"] == "kernel" and freeze["fields"]["year_inferred"] == "1"
    assert freeze["time"].replace(tzinfo=None) == datetime(2024, 5, 30, 13, 15, 50)
    assert freeze["fields"]["time_basis"] == "local"
    stopped = by_line(rows, 12)
    assert stopped["fields"]["agent_record"] == "1" and stopped["message"] == "Azure Linux Agent stopped"
    (summary,) = [r for r in rows if "skipped_lines" in r["fields"]]
    assert summary["fields"]["skipped_lines"] == "3" and summary["line"] == 1  # systemd, kernel, CRON


def test_syslog_year_from_agent_records_across_new_year():
    text = (
        "Dec 31 23:59:58 vm kernel: fsfreeze: thaw timed out\n"
        "Jan  1 00:00:01 vm python3[42]: 2025-01-01T00:00:01.000000Z INFO ExtHandler ExtHandler tick\n"
    )
    _, rows = parse(text, path="var/log/messages", parser=parse_waagent_syslog)
    assert rows[0]["time"].replace(tzinfo=None) == datetime(2024, 12, 31, 23, 59, 58)


def test_syslog_without_agent_records_keeps_stamp_text():
    text = "Mar  3 01:02:03 vm kernel: INFO: task xfs_freeze:77 blocked for more than 120 seconds.\n"
    _, rows = parse(text, path="var/log/syslog", parser=parse_waagent_syslog)
    assert rows[0]["time"] is None and rows[0]["fields"]["syslog_time"] == "Mar 3 01:02:03"


def test_journal_short_iso_and_markers():
    text = (
        "-- Logs begin at Thu 2024-05-30 10:00:00 UTC, end at Thu 2024-05-30 14:00:00 UTC. --\n"
        "2024-05-30T13:15:45+0000 myvm python3[1234]: 2024-05-30T13:15:45.331589Z WARNING ExtHandler ExtHandler "
        "Fetch failed: [HttpError] timed out\n"
        "2024-05-30T13:15:46+0200 myvm waagent[77]: Extension handling is on hold\n"
        "-- Reboot --\n"
        "not a syslog line at all\n"
    )
    result, rows = parse(text, path="journal.txt", parser=parse_waagent_syslog)
    assert result.unparsed == 1 and result.unparsed_lines == [5]
    assert rows[0]["level"] == "warning" and rows[0]["fields"]["era"] == "D"
    assert rows[1]["time"] == datetime(2024, 5, 30, 11, 15, 46, tzinfo=UTC)
    assert "time_basis" not in rows[1]["fields"]
    assert rows[2]["fields"]["skipped_lines"] == "2"


# ---------------------------------------------------------------------------------------------
# claims


@pytest.mark.parametrize(
    "path",
    [
        "var/log/waagent.log",
        "var/log/waagent.log.1",
        "var/log/waagent.log.2",
        "var/log/waagent.log-2024-05-30-1717070400",
        "var/log/waagent.log-20240530",
        "logs/vm1/waagent.log",
        "waagent.log",
    ],
)
def test_claim_waagent_log_by_name(path):
    head = (DATA / "era_d.log").read_bytes()[:4096]
    assert claim_waagent_log(path, b"") == BY_NAME
    assert claim_waagent_log(path, head) == BY_NAME_AND_CONTENT


@pytest.mark.parametrize("name", ["era_a.log", "era_b.log", "era_c.log", "era_d.log"])
def test_claim_renamed_log_by_content(name):
    head = b"\n\n" + (DATA / name).read_bytes()
    assert claim_waagent_log("home/azureuser/agent-copy.txt", head) == BY_CONTENT


def test_claim_refuses_other_files():
    assert claim_waagent_log("var/log/waagent.log.bak.old", b"hello") == 0
    assert claim_waagent_log("var/log/azure/x/extension.log", b"2016/12/10 01:11:00 [VMSnap-1.0]starting enable\n") == 0
    assert claim_waagent_log("var/log/syslog", (DATA / "syslog").read_bytes()) == 0
    assert claim_waagent_log("x.bin", bytes(range(256))) == 0


@pytest.mark.parametrize(
    "path", ["var/log/syslog", "var/log/syslog.1", "var/log/messages", "var/log/messages-20240530", "var/log/daemon.log"]
)
def test_claim_syslog_by_name(path):
    assert claim_waagent_syslog(path, b"") == BY_NAME
    assert claim_waagent_syslog(path, (DATA / "syslog").read_bytes()) == BY_NAME_AND_CONTENT


def test_claim_syslog_by_content_only_with_agent_lines():
    assert claim_waagent_syslog("exports/journal-walinuxagent.out", (DATA / "syslog").read_bytes()) == BY_CONTENT
    plain = b"May 30 13:15:40 myvm systemd[1]: Started Session 4 of user azureuser.\n"
    assert claim_waagent_syslog("exports/other.out", plain) == 0
    assert claim_waagent_syslog("var/log/waagent.log", (DATA / "era_d.log").read_bytes()) == 0


def test_shared_fixtures_are_not_claimed_and_never_break_the_parsers(shared):
    files = [p for p in (shared / "fixtures").rglob("*") if p.is_file()]
    assert files
    for file in files:
        relative = file.relative_to(shared / "fixtures").as_posix()
        data = file.read_bytes()
        assert claim_waagent_log(relative, data[:8192]) == 0, relative
        assert claim_waagent_syslog(relative, data[:8192]) == 0, relative
        for parser in (parse_waagent_log, parse_waagent_syslog):
            result = parser(data, ParseContext(file=relative, path=relative))
            assert_accounted(result, data)
            assert not any(p.kind == "parser-error" for p in result.problems)


# ---------------------------------------------------------------------------------------------
# properties


@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise_and_lines_are_accounted(data):
    for parser in (parse_waagent_log, parse_waagent_syslog):
        result = parser(data, ParseContext(file="f", path="var/log/waagent.log"))
        assert_accounted(result, data)
        assert not any(p.kind == "parser-error" for p in result.problems), result.problems
        result.events.to_table("f", result.source)


_HEADERISH = st.sampled_from(
    [
        "2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler x",
        "2024-05-30T13:15:45.331589Z ERROR ExtHandler y",
        "2018/03/05 14:31:57.742721 WARNING [A.B-1.0] z",
        "2016/12/12 19:38:43 ERROR:w",
        "2016/12/12 19:38:43 [H-1.0]v",
        "Event: name=a, op=b, message=H4sIAAAAAAAAA, duration=1",
        "May 30 13:15:45 vm python3[1]: 2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler s",
        "May 30 13:15:45 vm python3[1]: [stdout]",
        "] [Enable] torn",
        "\x00\x00",
        "",
    ]
)


@given(st.lists(st.one_of(_HEADERISH, st.text(max_size=60)), max_size=40), st.sampled_from(["\n", "\r\n", "\r"]))
def test_log_shaped_text_never_raises_and_lines_are_accounted(lines, newline):
    data = newline.join(lines).encode("utf-8", errors="surrogatepass")
    for parser in (parse_waagent_log, parse_waagent_syslog):
        result = parser(data, ParseContext(file="f", path="f"))
        assert_accounted(result, data)
        assert not any(p.kind == "parser-error" for p in result.problems), result.problems


_MESSAGE_CHARS = st.characters(
    min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="\x85", blacklist_categories=("Cs",)
)
_TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31))
_HANDLERS = st.from_regex(r"\A[A-Z][A-Za-z0-9]{0,8}(?:\.[A-Za-z0-9]{1,8}){0,3}\Z")
_HANDLER_VERSIONS = st.from_regex(r"\A\d{1,4}(?:\.\d{1,5}){0,3}\Z")
_THREADS = st.one_of(
    st.sampled_from(["Daemon", "ExtHandler", "MonitorHandler", "EnvHandler", "SendTelemetryHandler", "Thread-3"]),
    st.from_regex(r"\A[A-Z][A-Za-z]{2,14}\Z"),
)
_PREFIXES = st.one_of(st.none(), st.sampled_from(["Daemon", "ExtHandler"]))  # eras B and C
_PREFIXES_D = st.one_of(st.none(), st.sampled_from(["Daemon", "ExtHandler", "LogCollector", "Firewall"]))
_LEVEL_NAMES = {"INFO": "info", "WARNING": "warning", "ERROR": "error", "VERBOSE": "verbose"}


def _plain_message(text: str) -> bool:
    """A message that cannot be read as starting with a prefix token (the format's own ambiguity)."""
    first, _, after = text.partition(" ")
    second = after.partition(" ")[0]
    return (
        redact(text) == text
        and not text.startswith(("ERROR:", "WARNING:", "Event:", "["))
        and first not in {"Daemon", "ExtHandler", "LogCollector", "Firewall"}
        and second not in {"Daemon", "ExtHandler", "LogCollector", "Firewall"}
        and not second.startswith("[")
        and "Version" not in text
        and "goal state agent" not in text.lower()
    )


@st.composite
def era_records(draw):
    """(era, text, expected rows) for a small file of one era, anchored by its version lines."""
    era = draw(st.sampled_from(["A", "B", "C", "D", "EXT20"]))
    count = draw(st.integers(1, 6))
    anchors = {
        "C": [
            "2019-12-20T08:00:00.000000Z INFO Daemon Azure Linux Agent Version:2.2.46",
            "2019-12-20T08:00:01.000000Z INFO ExtHandler Agent WALinuxAgent-2.2.46 is running as the goal state agent",
        ],
        "D": [
            "2024-05-30T13:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1",
            "2024-05-30T13:00:01.000000Z INFO ExtHandler ExtHandler Agent WALinuxAgent-2.9.1.1 is running as the goal state agent",
        ],
    }.get(era, [])
    lines = list(anchors)
    expected = []
    for _ in range(count):
        time = draw(_TIMES)
        message = draw(st.text(_MESSAGE_CHARS, min_size=1, max_size=50).filter(_plain_message))
        row = {"era": era, "message": message}
        if era in ("C", "D"):
            level = draw(st.sampled_from(list(_LEVEL_NAMES)))
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
            prefix = draw(st.one_of(_PREFIXES_D if era == "D" else _PREFIXES, _HANDLERS.map(lambda h: f"[{h}-1.0.9218.0]")))
            thread = draw(_THREADS) if era == "D" else None
            parts = [stamp, level] + ([thread] if thread else []) + ([prefix] if prefix else []) + [message]
            row.update(level=_LEVEL_NAMES[level], time=time.replace(tzinfo=UTC), thread=thread, prefix=prefix)
        elif era == "B":
            level = draw(st.sampled_from(list(_LEVEL_NAMES)))
            prefix = draw(st.one_of(_PREFIXES, _HANDLERS.map(lambda h: f"[{h}-2.1]")))
            parts = [time.strftime("%Y/%m/%d %H:%M:%S.%f"), level] + ([prefix] if prefix else []) + [message]
            row.update(level=_LEVEL_NAMES[level], time=time, thread=None, prefix=prefix)
        else:
            time = time.replace(microsecond=0)
            level = draw(st.sampled_from(["", "ERROR:", "WARNING:"]))
            prefix = None
            if era == "EXT20":
                prefix = f"[{draw(_HANDLERS)}-{draw(_HANDLER_VERSIONS)}]"
            parts = [time.strftime("%Y/%m/%d %H:%M:%S"), level + (prefix or "") + message]
            row.update(
                level={"": "info", "ERROR:": "error", "WARNING:": "warning"}[level], time=time, thread=None, prefix=prefix
            )
        lines.append(" ".join(parts))
        expected.append(row)
    return era, "\n".join(lines) + "\n", len(anchors), expected


@given(era_records())
def test_generated_records_round_trip(case):
    era, text, skip, expected = case
    result, rows = parse(text)
    assert result.unparsed == 0 and result.lines == len(rows)
    for row, want in zip(rows[skip:], expected):
        fields = row["fields"]
        assert fields["era"] == want["era"]
        assert row["level"] == want["level"]
        assert row["message"] == want["message"]
        assert fields.get("thread") == want["thread"]
        prefix = want["prefix"]
        if prefix and prefix.startswith("["):
            assert f"[{fields['handler']}-{fields['handler_version']}]" == prefix
            assert row["component"] == fields["handler"]
        else:
            assert fields.get("prefix") == prefix
            assert row["component"] == (prefix or want["thread"])
        if want["time"].tzinfo is None:
            assert fields["time_basis"] == "local"
            assert row["time"].replace(tzinfo=None) == want["time"]
        else:
            assert "time_basis" not in fields and row["time"] == want["time"]


_SECRET = st.from_regex(r"\A[A-Za-z0-9]{12,24}\Z")


@given(
    _SECRET,
    st.sampled_from(["sas", "token", "gzip", "continuation", "syslog"]),
    st.sampled_from(["A", "B", "C", "D"]),
)
def test_planted_secret_never_appears(secret, where, era):
    sas = f"https://acct.blob.core.windows.net/vhds/osdisk.vhd?sv=2018-03-28&sr=b&sig={secret}&se=2030"
    token_line = f"snapshotTaskToken : {secret}"
    header = {
        "A": "2016/12/12 19:38:40 ",
        "B": "2018/03/05 14:31:57.742721 INFO ExtHandler ",
        "C": "2019-12-20T08:00:00.000000Z INFO ExtHandler ",
        "D": "2024-05-30T13:15:45.331589Z ERROR ExtHandler ExtHandler ",
    }[era]
    if where == "sas":
        text = header + f"Uploading status blob to {sas}\n"
    elif where == "token":
        text = header + token_line + "\n"
    elif where == "gzip":
        encoded = gzip_b64(f"Enable failed\n{sas}\n{token_line}")
        text = header + f"Event: name={VMSNAP}, op=Enable, message={encoded}, duration=0\n"
    elif where == "continuation":
        text = header + "Non-zero exit code: 1, main/handle.sh enable\n[stdout]\n" + token_line + "\n" + sas + "\n"
    else:
        text = (
            f"May 30 13:15:45 vm python3[9]: {header}Command: main/handle.sh enable\n"
            f"May 30 13:15:45 vm python3[9]: {token_line}\n"
            f"May 30 13:15:46 vm backup[10]: snapshot upload {sas}\n"
        )
    for parser in (parse_waagent_log, parse_waagent_syslog):
        result, rows = parse(text, parser=parser)
        assert_accounted(result, text.encode())
        for row in rows:
            assert secret not in row["message"]
            assert all(secret not in value for value in row["fields"].values())




# ---------------------------------------------------------------------------------------------
# the bulk path for one-line ISO records agrees with the line-by-line path

_ISO_TEXTS = st.sampled_from(
    [
        "ExtHandler ExtHandler Fetched a new incarnation for the WireServer goal state [incarnation 41]",
        "ExtHandler Fetched goal state",
        "Daemon Daemon Azure Linux Agent Version: 2.9.1.1",
        "Daemon Azure Linux Agent Version:2.2.46",
        "ExtHandler Agent WALinuxAgent-2.2.46 is running as the goal state agent",
        "ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent",
        f"ExtHandler [{VMSNAP}-1.0.9218.0] Target handler state: enabled",
        f"[{VMSNAP}-1.0.9120.0] Enable extension",
        "MonitorHandler ExtHandler Stopped tracking cgroup",
        "EnvHandler Firewall rules checked",
        "Fetched without a thread",
        " double space after the level",
        "",
        "ExtHandler ExtHandler Event: name=WALinuxAgent, op=HeartBeat, message=ok, duration=0",
        "ExtHandler ExtHandler GET https://a.blob.core.windows.net/c/d?sv=1&sig=SECRETSIG&se=2",
    ]
)


@given(st.lists(st.tuples(st.sampled_from(["INFO", "ERROR", "WARNING", "VERBOSE"]), _ISO_TEXTS,
                          st.sampled_from(["05-30T13:15:45", "02-30T01:00:00"])), min_size=1, max_size=25))
def test_one_line_iso_records_read_alike_with_and_without_continuations(records):
    # A blank line after each record sends it through the line-by-line path; events must agree.
    heads = [f"2024-{stamp}.331589Z {level}" + (f" {text}" if text else "") for level, text, stamp in records]
    _, plain = parse("\n".join(heads) + "\n")
    result, spaced = parse("\n\n".join(heads) + "\n\n")
    assert result.events.spans == 2 * len(heads)
    assert len(plain) == len(spaced) == len(heads)
    for one, other in zip(plain, spaced):
        assert {k: v for k, v in one.items() if k != "line"} == {k: v for k, v in other.items() if k != "line"}
        assert "SECRETSIG" not in one["message"]
