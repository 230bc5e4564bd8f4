"""Tests for the ``/var/log/azure`` extension-log parsers (``loganalyzer.sources.linux``).

Sample files under ``tests/data/extension_logs/`` were written for these tests from the message
templates in ``formats/linux.md`` §3-4; inline samples below likewise.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext
from loganalyzer.sources import linux
from loganalyzer.sources.linux import agent_log, extension_common, extension_events, extension_log, handler_logs
from loganalyzer.sources._kit import split_lines

#: every parser of extension logs, in the registry's order
from loganalyzer.sources.linux import debughelper  # noqa: E402

EXTENSION_PARSERS = tuple(parser for parser in linux.PARSERS if parser.source == "extension.log")

DATA = Path(__file__).parent / "data" / "extension_logs"
SNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
SNAP_DIR = f"var/log/azure/{SNAPSHOT}/"
PREFIX = f"[{SNAPSHOT}-1.0]"


def parse(function, data: bytes | str, path: str):
    if isinstance(data, str):
        data = data.encode()
    return function(data, ParseContext(file=f"bundle.zip/{path}", path=path))


def rows(result) -> list[dict]:
    """The events of a result as plain dicts (time as aware UTC datetime)."""
    events = result.events
    out = []
    for i in range(len(events)):
        time = events.time[i]
        out.append(
            {
                "line": events.line[i],
                "time": None if time is None else time if time.tzinfo else time.replace(tzinfo=timezone.utc),
                "level": events.level[i],
                "component": events.component[i],
                "message": events.message[i],
                "fields": dict(events.fields[i]),
            }
        )
    return out


def accounted(result) -> bool:
    return result.lines == result.events.spans + result.unparsed


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def by_message(events: list[dict], text: str) -> dict:
    hits = [e for e in events if text in e["message"]]
    assert hits, f"no event with {text!r}"
    return hits[0]


# ---------------------------------------------------------------------------------------------
# extension.log variants


def test_x3_utc_successful_run_timeline():
    result = parse(extension_log.parse_extension_log, (DATA / "x3_utc_success.log").read_bytes(), SNAP_DIR + "extension.log")
    events = rows(result)
    assert accounted(result) and result.unparsed == 0 and not result.problems
    assert all(e["component"] == SNAPSHOT for e in events)

    start = events[0]
    assert start["message"] == "starting enable"
    assert start["time"] == utc(2024, 5, 30, 13, 15, 46, 120344)
    assert start["fields"]["variant"] == "X3-UTC"
    assert start["fields"]["time_basis_reason"] == "x3-since-2021-09-02"
    assert "time_basis" not in start["fields"]
    assert by_message(events, "taskId")["fields"]["task_id"] == "3f2b9c1e-7a4d-4e21-9b8a-5d6c7e8f9a01"
    assert by_message(events, "PreSnapshot")["fields"]["host_status_code"] == "200"
    assert by_message(events, "snapshotMethodConfigValue")["fields"]["snapshot_method_config"] == "firstHostThenGuest"
    assert by_message(events, "Taking Snapshot through Host")["fields"]["snapshot_method"] == "Host"
    assert by_message(events, "safeFreezeBinary")["fields"]["safefreeze_exists"] == "True"

    # the freeze window: one event per buffered line, inner stamp and level
    inner = [e for e in events if e["fields"].get("freeze_window") == "1"]
    assert [e["fields"].get("milestone") for e in inner] == ["4", None, None, "5", "6", None, "7"]
    assert inner[0]["time"] == utc(2024, 5, 30, 13, 15, 51, 702210)
    assert inner[0]["level"] == "info"
    assert inner[0]["fields"]["time_basis_reason"] == "buffer-since-2021-09-02"
    freeze = by_message(events, "T:S freeze result")
    assert freeze["fields"]["freeze_result"] == "ok" and freeze["fields"]["freeze_timedout"] == "False"
    assert by_message(events, "freezeTimeTaken")["fields"]["freeze_time_taken"] == "0:00:03.080210"
    assert [e["fields"]["freeze_marker"] for e in events if "freeze_marker" in e["fields"]] == ["start", "end"]

    # relayed safefreeze output: the binary's own local stamp
    binary = [e for e in events if e["fields"].get("binary_output") == "1"]
    assert [e["message"] for e in binary][:3] == ["****** 2. Binary Freeze Started", "Freezing: /", "Freezing: /boot"]
    assert binary[0]["time"] == utc(2024, 5, 30, 15, 15, 51)  # wall-clock digits, marked local
    assert binary[0]["fields"]["time_basis"] == "local"
    assert binary[0]["fields"]["time_basis_reason"] == "safefreeze-localtime"
    assert [e["fields"].get("milestone") for e in binary if "milestone" in e["fields"]] == ["2", "3", "8"]

    summary = by_message(events, "Enable,success,1")
    assert (summary["fields"]["operation"], summary["fields"]["status"], summary["fields"]["status_code"]) == (
        "Enable", "success", "1",
    )
    assert summary["fields"]["failure_flag"] == "False"
    report = by_message(events, "file status report message:")
    assert report["fields"]["ext_error_code"] == "1"
    assert report["message"].count("\n") == 1  # the JSON continuation line joined
    run = by_message(events, "doFreezeSnapshot")
    assert run["fields"]["run_result"] == "1" and run["fields"]["run_status"] == "success"


def test_snapshot_task_token_is_redacted():
    data = (DATA / "x3_utc_success.log").read_bytes()
    assert b"9c1f0e2d-4b3a-4c5d-8e7f-abcdef012345" in data
    events = rows(parse(extension_log.parse_extension_log, data, SNAP_DIR + "extension.log"))
    token = by_message(events, "snapshotTaskToken")
    assert token["message"] == "snapshotTaskToken : <redacted>"
    assert not any("9c1f0e2d-4b3a" in e["message"] or "9c1f0e2d-4b3a" in str(e["fields"]) for e in events)


def test_x3_local_freeze_failure_121():
    result = parse(
        extension_log.parse_extension_log, (DATA / "x3_local_freeze_failure_121.log").read_bytes(), SNAP_DIR + "extension.log"
    )
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    first = events[0]
    assert first["fields"]["variant"] == "X3-local"
    assert first["fields"]["time_basis"] == "local"
    assert first["fields"]["time_basis_reason"] == "x3-before-2021-09-02"

    fifreeze = by_message(events, "Failed to FIFREEZE")
    assert fifreeze["fields"]["binary_output"] == "1"
    assert fifreeze["fields"]["fs_mount"] == "/data"
    assert fifreeze["fields"]["fs_op"] == "FIFREEZE"
    assert fifreeze["fields"]["fs_error"] == "Device or resource busy"
    assert fifreeze["time"] == utc(2020, 11, 3, 22, 0, 12)

    freeze = by_message(events, "T:S freeze result")
    assert freeze["message"] == "T:S freeze result errorcode:1 fstype:xfs path/data\n, timedout :False"
    assert freeze["fields"]["freeze_result"] == "errorcode:1 fstype:xfs path/data"

    # an X2-shaped ERROR: record inside the X3 file, its stamped continuation joined
    error = by_message(events, "T:S Enable failed with error")
    assert error["level"] == "error"
    assert error["fields"]["variant"] == "X2"
    assert error["fields"]["status_code_name"] == "FailedRetryableFsFreezeFailed"
    assert error["message"].endswith("StatusCode.FailedRetryableFsFreezeFailed,")

    summary = by_message(events, "Enable,error,121")
    assert summary["fields"]["status_code"] == "121"
    assert summary["fields"]["status"] == "error"
    assert summary["fields"]["failure_flag"] == "True"
    assert summary["fields"]["snapshot_creator"] == "guestExtension"
    assert by_message(events, "doFreezeSnapshot")["fields"]["run_result"] == "121"


def test_x2_no_network_76_with_traceback_and_freeze_block():
    result = parse(extension_log.parse_extension_log, (DATA / "x2_no_network_76.log").read_bytes(), SNAP_DIR + "extension.log")
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    assert events[0]["time"] == utc(2019, 6, 12, 3, 30, 1)
    assert events[0]["fields"]["variant"] == "X2"
    assert events[0]["fields"]["time_basis_reason"] == "x2-logger-local"

    http = by_message(events, "Failed to call http")
    assert http["level"] == "error"
    assert http["message"].splitlines()[-1] == "error: [Errno 110] Connection timed out"
    assert len(http["message"].splitlines()) == 4  # 5 physical lines, the bare trailing one dropped
    nxt = events[events.index(http) + 1]
    assert nxt["line"] == http["line"] + 5

    inner = [e for e in events if e["fields"].get("freeze_window") == "1"]
    assert len(inner) == 5
    blob = by_message(events, "snapshot blob")
    assert blob["level"] == "error" and blob["fields"]["freeze_window"] == "1"
    assert blob["time"] == utc(2019, 6, 12, 3, 30, 45, 2311)
    assert "sig=" not in blob["message"] and "AbC%2Bde" not in blob["message"]
    assert "<redacted>" in blob["message"]
    assert by_message(events, "Snaphotting (Guest-parallel) Started")["fields"]["snapshot_method"] == "Guest-parallel"

    failed = by_message(events, "T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork")
    assert failed["fields"]["status_code_name"] == "FailedRetryableSnapshotFailedNoNetwork"
    summary = by_message(events, "Enable,error,76")
    assert summary["fields"]["status_code"] == "76"
    assert summary["fields"]["status_blob_upload_error"] == "True"
    assert by_message(events, "file status report")["fields"]["ext_error_code"] == "76"


def test_x0_outer_and_inner_stamps_with_bare_stamp_lines():
    result = parse(extension_log.parse_extension_log, (DATA / "x0_2016.log").read_bytes(), SNAP_DIR + "extension.log")
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    assert len(events) == 4 and all(e["fields"]["variant"] == "X0" for e in events)
    assert [e["line"] for e in events] == [1, 3, 5, 7]
    assert events[0]["time"] == utc(2016, 12, 10, 1, 10, 58, 101233)
    assert events[0]["fields"]["time_basis"] == "local"
    assert events[2]["message"] == "Failed to FIFREEZE: /data/dblog"
    assert events[2]["fields"]["fs_mount"] == "/data/dblog"
    assert events[3]["level"] == "error"
    assert events[1]["fields"]["task_id"] == "4a5b6c7d-8e9f-4012-a345-6789abcdef01"


def test_x0_freeze_markers_as_separate_records_and_leading_junk():
    text = (
        "garbage before any record\n"
        f"2016/12/10 01:11:00 {PREFIX}================== Logs during Freeze Start ==============\n"
        "2016/12/10 01:11:00 \n"
        f"2016/12/10 01:11:00 {PREFIX}2016-12-10 01:10:59.100000  Info  Freezing: /data \n"
        "2016/12/10 01:11:00 \n"
        f"2016/12/10 01:11:01 {PREFIX}================== Logs during Freeze End ==============\n"
        f"2016/12/10 01:11:01 {PREFIX}2016-12-10 01:11:01.000000  Info  after the window \n"
    )
    result = parse(extension_log.parse_extension_log, text, SNAP_DIR + "extension.log")
    events = rows(result)
    assert accounted(result) and result.unparsed == 1 and result.unparsed_lines == [1]
    assert by_message(events, "Freezing: /data")["fields"]["freeze_window"] == "1"
    assert "freeze_window" not in by_message(events, "after the window")["fields"]


def test_blank_lines_inside_a_message_are_kept():
    text = f"2024-01-02 03:04:05.000001 {PREFIX}Command output\n[stdout]\n\n[stderr]\nboom\n\n"
    result = parse(extension_log.parse_extension_log, text, SNAP_DIR + "extension.log")
    assert accounted(result) and result.unparsed == 0
    assert rows(result)[0]["message"] == "Command output\n[stdout]\n\n[stderr]\nboom"


def test_x3_basis_from_adjacent_x2_error_lines():
    """2021-08 stamps would be local by date, but they sit 2 h from the local X2 ERROR lines."""
    text = (
        f"2021-08-20 08:00:01.100000 {PREFIX}starting enable\n"
        f"2021/08/20 10:00:01 ERROR:{PREFIX}Failed to open status file\n"
        f"2021-08-20 08:00:02.200000 {PREFIX}continuing\n"
    )
    events = rows(parse(extension_log.parse_extension_log, text, SNAP_DIR + "extension.log"))
    assert events[0]["fields"]["variant"] == "X3-UTC"
    assert events[0]["fields"]["time_basis_reason"] == "x3-offset-from-adjacent-x2"
    assert events[0]["time"] == utc(2021, 8, 20, 8, 0, 1, 100000)
    assert events[1]["fields"]["time_basis"] == "local"


def test_x3_stamp_without_microseconds_and_unstamped_continuations():
    text = (
        f"2023-01-02 03:04:05 {PREFIX}Failed to do the snapshot with error: boom, stack trace: Traceback (most recent call last):\n"
        '  File "main/handle.py", line 10, in <module>\n'
        "ValueError: boom\n"
        f"2023-01-02 03:04:06.5 {PREFIX}next\n"
    )
    result = parse(extension_log.parse_extension_log, text, SNAP_DIR + "extension.log")
    events = rows(result)
    assert accounted(result)
    assert len(events) == 2
    assert events[0]["time"] == utc(2023, 1, 2, 3, 4, 5)
    assert events[0]["message"].endswith("ValueError: boom")
    assert events[1]["time"] == utc(2023, 1, 2, 3, 4, 6, 500000)


def test_host_based_extension_log_uses_same_parser():
    text = f"2024-06-01 10:00:00.000001 {PREFIX}[SnapshotRequest.log_binary_output] -> ============== Binary output traces start ================= \n"
    text += f"2024-06-01 10:00:00.000002 {PREFIX}2024-06-01 12:00:00 Freezing: /\n"
    text += f"2024-06-01 10:00:00.000003 {PREFIX}[SnapshotRequest.log_binary_output] -> ============== Binary output traces end ================= \n"
    path = SNAP_DIR + "host_based_extension.log"
    assert extension_log._claim_host_based_log(path, text.encode()) == BY_NAME_AND_CONTENT
    events = rows(parse(extension_log.parse_extension_log, text, path))
    assert events[1]["fields"]["binary_output"] == "1"
    assert events[1]["message"] == "Freezing: /"


# ---------------------------------------------------------------------------------------------
# CommandExecution.log

ERA_D_SAMPLE = f"""\
2024-05-30T13:15:44.918262Z INFO ExtHandler [{SNAPSHOT}-1.0.9218.0] Target handler state: enabled [incarnation_7]
2024-05-30T13:15:44.918870Z INFO ExtHandler [{SNAPSHOT}-1.0.9218.0] [Enable] current handler state is: enabled
2024-05-30T13:15:45.331589Z INFO ExtHandler [{SNAPSHOT}-1.0.9218.0] Enable extension: [main/handle.sh enable]
2024-05-30T13:16:12.442310Z INFO ExtHandler [{SNAPSHOT}-1.0.9218.0] Command: main/handle.sh enable
[stdout]
snapshotTaskToken : 77aa0000-1111-2222-3333-444455556666

[stderr]
Running scope as unit: enable_6bd1f1a2-7c1e-4e2b-9b7f-2f5a1d9c3e40.scope
"""

ERA_B_SAMPLE = f"""\
2018/03/05 14:31:57.742721 INFO [{SNAPSHOT}-1.0.9120.0] Target handler state: enabled
2018/03/05 14:31:57.801112 INFO [{SNAPSHOT}-1.0.9120.0] Enable extension [main/handle.sh enable]
2018/03/05 14:32:20.101010 ERROR [{SNAPSHOT}-1.0.9120.0] Non-zero exit code: 1, main/handle.sh enable
"""


def test_command_execution_era_d():
    path = SNAP_DIR + "CommandExecution.log"
    assert agent_log._claim_command_execution(path, ERA_D_SAMPLE.encode()) == BY_NAME_AND_CONTENT
    result = parse(agent_log.parse_command_execution, ERA_D_SAMPLE, path)
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    assert len(events) == 4
    first = events[0]
    assert first["time"] == utc(2024, 5, 30, 13, 15, 44, 918262)
    assert first["component"] == SNAPSHOT
    assert first["fields"]["era"] == "D" and first["fields"]["thread"] == "ExtHandler"
    assert first["fields"]["handler_version"] == "1.0.9218.0"
    assert first["fields"]["target_state"] == "enabled" and first["fields"]["incarnation"] == "7"
    assert events[1]["fields"]["handler_state"] == "enabled"
    assert events[2]["fields"]["command"] == "main/handle.sh enable"
    output = events[3]
    assert "[stderr]" in output["message"]
    assert "77aa0000" not in output["message"]


def test_command_execution_era_b_is_local_and_era_c_detected():
    result = parse(agent_log.parse_command_execution, ERA_B_SAMPLE, SNAP_DIR + "CommandExecution.log")
    events = rows(result)
    assert [e["fields"]["era"] for e in events] == ["B", "B", "B"]
    assert events[0]["fields"]["time_basis"] == "local"
    assert events[2]["level"] == "error" and events[2]["fields"]["exit_code"] == "1"
    assert events[1]["fields"]["command"] == "main/handle.sh enable"

    era_c = (
        f"2019-12-10T08:00:00.123456Z INFO [{SNAPSHOT}-1.0.9150.0] Target handler state: enabled\n"
        "2019-12-10T08:00:01.000000Z INFO ExtHandler Fetched a new incarnation\n"
    )
    events = rows(parse(agent_log.parse_command_execution, era_c, SNAP_DIR + "CommandExecution.log"))
    assert [e["fields"]["era"] for e in events] == ["C", "C"]
    assert events[1]["fields"]["prefix"] == "ExtHandler"


def test_command_execution_multi_config_and_era_a():
    text = (
        f"2016/05/01 10:00:00 [{SNAPSHOT}-1.0] cwd is /var/lib/waagent/{SNAPSHOT}-1.0.9103.0\n"
        f"2016/05/01 10:00:01 ERROR:[{SNAPSHOT}-1.0]Enable failed\n"
    )
    path = "var/log/azure/Microsoft.CPlat.Core.RunCommandHandlerLinux/CommandExecution_first.log"
    assert agent_log._claim_command_execution(path, text.encode()) >= BY_NAME
    events = rows(parse(agent_log.parse_command_execution, text, path))
    assert [e["fields"]["era"] for e in events] == ["A", "A"]
    assert events[1]["level"] == "error" and events[1]["message"] == "Enable failed"
    assert events[0]["level"] == "info"


# ---------------------------------------------------------------------------------------------
# shell.log


def test_shell_log_c_locale_local_zone():
    result = parse(handler_logs.parse_shell_log, (DATA / "shell_c_locale.log").read_bytes(), SNAP_DIR + "shell.log")
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    assert events[0]["time"] == utc(2021, 3, 9, 10, 11, 12)
    assert events[0]["fields"]["time_basis"] == "local" and events[0]["fields"]["zone"] == "CET"
    assert events[0]["fields"]["operation"] == "install"
    assert events[1]["fields"]["seq_no"] == "3"
    assert events[2]["fields"]["python_found"] == "python3"
    assert events[3]["fields"]["return_code"] == "0" and events[3]["level"] == "info"
    assert events[0]["component"] == SNAPSHOT


def test_shell_log_en_us_twelve_hour_utc():
    result = parse(handler_logs.parse_shell_log, (DATA / "shell_en_us.log").read_bytes(), SNAP_DIR + "shell.log")
    events = rows(result)
    assert events[0]["time"] == utc(2026, 5, 21, 17, 4, 31)
    assert "time_basis" not in events[0]["fields"]
    assert events[0]["fields"]["seq_no"] == "12"
    assert events[1]["fields"]["python_found"] == "python3.12"
    assert events[2]["fields"]["return_code"] == "1" and events[2]["level"] == "error"
    assert events[3]["fields"]["python_found"] == "none"
    assert events[4]["fields"]["return_code"] == "3"


def test_shell_log_other_locales():
    text = (
        "2021年  3月  9日 火曜日 10:11:12 JST- python3 path exists\n"
        "Di 9. Mär 10:11:12 UTC 2021- 0 returned from handle.py\n"
        "Tue  9 Mar 10:11:12 +0100 2021- python path exists\n"
        "not a shell line\n"
    )
    result = parse(handler_logs.parse_shell_log, text, SNAP_DIR + "shell.log")
    events = rows(result)
    assert accounted(result) and result.unparsed == 1
    assert events[0]["time"] == utc(2021, 3, 9, 10, 11, 12) and events[0]["fields"]["time_basis"] == "local"
    assert events[1]["time"] is None and events[1]["fields"]["date_text"].startswith("Di 9.")
    assert events[1]["fields"]["return_code"] == "0"
    assert events[2]["time"] == utc(2021, 3, 9, 9, 11, 12)


# ---------------------------------------------------------------------------------------------
# events/*.json


def test_events_json_one_event_per_entry():
    path = SNAP_DIR + "events/1717074954080123456.json"
    data = (DATA / "events_1717074954080123456.json").read_bytes()
    assert extension_events._claim_events_json(path, data) == BY_NAME_AND_CONTENT
    assert extension_events._claim_events_json("somewhere/else.json", data) == BY_CONTENT
    result = parse(extension_events.parse_events_json, data, path)
    events = rows(result)
    assert accounted(result) and result.unparsed == 0 and not result.problems
    assert len(events) == 2
    assert events[0]["time"] == utc(2024, 5, 30, 13, 15, 46, 120344)
    assert events[0]["fields"]["operation_id"] == "3f2b9c1e-7a4d-4e21-9b8a-5d6c7e8f9a01"
    assert events[0]["fields"]["task_id"] == "3f2b9c1e-7a4d-4e21-9b8a-5d6c7e8f9a01"
    assert events[0]["fields"]["message_lines"] == "3"
    assert events[0]["fields"]["version"] == "1.0.9218.0"
    assert "9c1f0e2d" not in events[0]["message"]
    assert events[1]["level"] == "warning"
    assert events[1]["fields"]["status_code"] == "1" and events[1]["fields"]["run_result"] == "1"


def test_events_json_broken_and_empty():
    broken = b'[{"Version": "1.0", "Message": "2024-05-30T13:15:46.1\\t[Error]:\\tboom sig=abc \\n"}, {"Vers'
    result = parse(extension_events.parse_events_json, broken, SNAP_DIR + "events/2.json")
    assert [p.kind for p in result.problems] == ["malformed"]
    assert result.unparsed == result.lines == 1 and accounted(result)
    events = rows(result)
    assert events[0]["level"] == "error" and events[0]["fields"]["salvaged"] == "1"
    assert "abc" not in events[0]["message"]

    empty = parse(extension_events.parse_events_json, b"[]\n", SNAP_DIR + "events/3.json")
    assert accounted(empty) and empty.unparsed == 0
    assert rows(empty)[0]["fields"]["entries"] == "0"


# ---------------------------------------------------------------------------------------------
# handler.log, generic, claims


def test_go_handler_log():
    path = "var/log/azure/custom-script/handler.log"
    data = (DATA / "handler.log").read_bytes()
    assert handler_logs._claim_handler_log(path, data) == BY_NAME_AND_CONTENT
    result = parse(handler_logs.parse_handler_log, data, path)
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    assert events[0]["time"] == utc(2024, 5, 30, 13, 15, 45)
    assert events[0]["component"] == "Microsoft.Azure.Extensions.CustomScript"
    assert events[0]["fields"] == {
        "version": "v2.1.6/git@6f4ba8e-clean", "operation": "enable", "seq": "0", "event": "start",
    }
    failed = events[2]
    assert failed["level"] == "error"
    assert failed["fields"]["event"] == "download failed"
    assert failed["fields"]["error"].startswith("failed to download file[0]")
    assert "Zz9Yy8Xx" not in failed["fields"]["error"] and "Zz9Yy8Xx" not in failed["message"]


def test_generic_timestamped_text():
    text = (
        "2024-05-30 13:15:45,123 INFO Starting agent\n"
        "2024-05-30T13:15:46Z [ERROR] could not reach endpoint\n"
        "  details on a second line\n"
        "2024-05-30 15:15:47+02:00 warn: offset stamp\n"
    )
    path = "var/log/azure/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent/mdsd.log"
    assert extension_log._claim_generic(path, text.encode()) == BY_CONTENT
    result = parse(extension_log.parse_generic, text, path)
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    assert events[0]["fields"]["time_basis"] == "local" and events[0]["level"] == "info"
    assert events[1]["time"] == utc(2024, 5, 30, 13, 15, 46) and events[1]["level"] == "error"
    assert events[1]["message"].endswith("details on a second line")
    assert events[2]["time"] == utc(2024, 5, 30, 13, 15, 47) and events[2]["level"] == "warning"
    assert events[0]["component"] == "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent"


def test_extension_log_of_another_format_falls_back_to_generic():
    text = "2024-05-30 13:15:45 Something happened\nno stamp here\n"
    result = parse(extension_log.parse_extension_log, text, "var/log/azure/Other.Ext/extension.log")
    assert accounted(result) and result.unparsed == 0 and len(rows(result)) == 1


def test_claims():
    x3 = f"2024-05-30 13:15:46.120344 {PREFIX}starting enable\n".encode()
    x2 = f"2019/06/12 03:30:01 {PREFIX}starting enable\n".encode()
    assert extension_log._claim_extension_log(SNAP_DIR + "extension.log", x3) == BY_NAME_AND_CONTENT
    assert extension_log._claim_extension_log(SNAP_DIR + "extension.log.1", x2) == BY_NAME_AND_CONTENT
    assert extension_log._claim_extension_log(SNAP_DIR + "extension.log", b"") == BY_NAME
    assert extension_log._claim_extension_log("home/user/saved.txt", x3) == BY_CONTENT
    agent = b"2018/03/05 14:31:57.742721 INFO Daemon Azure Linux Agent Version:2.2.21\n" * 3
    assert extension_log._claim_extension_log("var/log/waagent.log", agent + x2) == 0
    assert extension_log._claim_extension_log("var/log/waagent.log", b"plain text\n") == 0
    assert handler_logs._claim_shell_log(SNAP_DIR + "shell.log", b"Tue Mar  9 10:11:12 UTC 2021- python3 path exists\n") == BY_NAME_AND_CONTENT
    assert handler_logs._claim_shell_log("x/shell.txt", b"Tue Mar  9 10:11:12 UTC 2021- 0 returned from handle.py\n") == BY_CONTENT
    assert agent_log._claim_command_execution("var/log/waagent.log", ERA_D_SAMPLE.encode()) == 0
    assert extension_log._claim_generic("var/log/azure/x/y/z.log", b"no stamps at all\n") == 0
    assert extension_log._claim_generic("var/log/messages", b"2024-05-30 13:15:45 x\n") == 0
    assert handler_logs._claim_handler_log("var/log/azure/run-command/handler.log", b"") == BY_NAME
    names = {p.name for p in EXTENSION_PARSERS}
    assert {"CommandExecution.log", "extension.log", "shell.log", "handler.log"} <= names
    assert all(p.source == "extension.log" for p in EXTENSION_PARSERS)


def test_binary_and_encoding_problems():
    result = parse(extension_log.parse_extension_log, b"\x00\x01\x02abc\n\x00\x00\n", SNAP_DIR + "extension.log")
    assert [p.kind for p in result.problems] == ["binary"] and accounted(result)
    result = parse(handler_logs.parse_shell_log, "Tue Mar  9 10:11:12 UTC 2021- caf\xe9\n".encode("latin-1"), SNAP_DIR + "shell.log")
    assert [p.kind for p in result.problems] == ["encoding"] and accounted(result)


# ---------------------------------------------------------------------------------------------
# real fixtures (no log files exist upstream; the extension's event-less JSON files must not crash)


def test_shared_fixture_json_is_not_mistaken_for_events(shared):
    status = shared / "fixtures/linux/WALinuxAgent/tests/data/ext/sample-status.json"
    assert status.exists(), "the shared fixtures are complete when ../shared is present"
    data = status.read_bytes()
    assert extension_events._claim_events_json("var/lib/waagent/x/status/0.status", data) == 0
    result = parse(extension_events.parse_events_json, data, SNAP_DIR + "events/odd.json")
    assert accounted(result)
    assert [p.kind for p in result.problems] == ["malformed"]  # status entries, not events
    broken = shared / "fixtures/linux/WALinuxAgent/tests/data/ext/sample-status-invalid-json-format.json"
    if broken.exists():
        result = parse(extension_events.parse_events_json, broken.read_bytes(), SNAP_DIR + "events/broken.json")
        assert accounted(result) and result.unparsed == result.lines
        assert [p.kind for p in result.problems] == ["malformed"]


# ---------------------------------------------------------------------------------------------
# properties

ALL_PARSE_FUNCTIONS = (
    (extension_log.parse_extension_log, SNAP_DIR + "extension.log"),
    (agent_log.parse_command_execution, SNAP_DIR + "CommandExecution.log"),
    (handler_logs.parse_shell_log, SNAP_DIR + "shell.log"),
    (extension_events.parse_events_json, SNAP_DIR + "events/1.json"),
    (handler_logs.parse_handler_log, "var/log/azure/custom-script/handler.log"),
    (extension_log.parse_generic, "var/log/azure/x/other.log"),
)


@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_lines_add_up(data):
    for parser in EXTENSION_PARSERS:
        for path in (SNAP_DIR + "extension.log", "var/log/azure/custom-script/handler.log", "x.log"):
            assert parser.claim(path, data) in (0, BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT)
    for function, path in ALL_PARSE_FUNCTIONS:
        result = function(data, ParseContext(file=path, path=path))
        assert accounted(result)
        assert not [p for p in result.problems if p.kind == "parser-error"]


_PIECES = st.sampled_from(
    [
        "2019/06/12 03:30:01 ", f"2019/06/12 03:30:01 {PREFIX}", f"2019/06/12 03:30:01 ERROR:{PREFIX}",
        f"2024-05-30 13:15:46.120344 {PREFIX}", "2024/05/30 13:15:51.702210  Info  ",
        "================== Logs during Freeze Start ==============", "================== Logs during Freeze End ==============",
        "============== Binary output traces start ================= ", "============== Binary output traces end ================= ",
        "2024-05-30 15:15:51 ", "\n", "\r\n", "\r", "Failed to FIFREEZE: /data", "x", "",
        "2024-05-30T13:15:44.918262Z INFO ExtHandler ", "Tue Mar  9 10:11:12 UTC 2021- ", "time=2024-05-30T13:15:45Z a=b ",
        '[{"Message": "', '"}]',
    ]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_structured_noise_keeps_accounting(text):
    for function, path in ALL_PARSE_FUNCTIONS:
        result = function(text.encode(), ParseContext(file=path, path=path))
        assert accounted(result)
        assert result.lines == len(split_lines(text))
        assert not [p for p in result.problems if p.kind == "parser-error"]


_MESSAGE = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="[]"), min_size=1, max_size=40
)
_STAMP = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31))
_HANDLER = st.sampled_from([SNAPSHOT, "Microsoft.OSTCExtensions.VMAccessForLinux", "Custom-Handler.Name"])


@given(st.lists(st.tuples(_STAMP, _HANDLER, _MESSAGE, st.booleans()), min_size=1, max_size=8), st.booleans())
def test_generated_records_round_trip(records, python3):
    lines = []
    for moment, handler, message, error in records:
        prefix = f"[{handler}-1.0]"
        if python3:
            lines.append(f"{moment} {prefix}{message}")  # str(datetime), as log_py3 writes
        else:
            lines.append(f"{moment:%Y/%m/%d %H:%M:%S} {'ERROR:' if error else ''}{prefix}{message}")
    result = parse(extension_log.parse_extension_log, "\n".join(lines) + "\n", SNAP_DIR + "extension.log")
    events = rows(result)
    assert accounted(result) and result.unparsed == 0
    assert len(events) == len(records)
    for event, (moment, handler, message, error) in zip(events, records):
        assert event["component"] == handler
        assert event["message"] == message.rstrip()
        expected = moment if python3 else moment.replace(microsecond=0)
        assert event["time"].replace(tzinfo=None) == expected
        if not python3:
            assert event["level"] == ("error" if error else None)
            assert event["fields"]["time_basis"] == "local"
        else:
            local = moment.date() < extension_common.UTC_SWITCH_DATE
            assert (event["fields"].get("time_basis") == "local") == local


_SECRET = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789", min_size=12, max_size=30)


@given(_SECRET, _SECRET)
def test_planted_secrets_never_appear(token, signature):
    sas = f"https://md-x.blob.core.windows.net/vhds/a.vhd?sv=2019-02-02&sr=b&sig={signature}&se=2030-01-01"
    samples = [
        (extension_log.parse_extension_log, SNAP_DIR + "extension.log",
         f"2024-05-30 13:15:48.041870 {PREFIX}snapshotTaskToken : {token}\n"
         f"2024-05-30 13:15:49.000000 {PREFIX}================== Logs during Freeze Start ==============\n"
         f"2024/05/30 13:15:49.100000  Error  blob {sas} failed \n"
         "================== Logs during Freeze End ==============\n"
         f"2019/06/12 03:30:45 ERROR:{PREFIX}snapshotTaskToken : {token}\n"
         f"2019/06/12 03:30:45 ERROR:{sas}\n"),
        (agent_log.parse_command_execution, SNAP_DIR + "CommandExecution.log",
         f"2024-05-30T13:16:12.442310Z INFO ExtHandler [{SNAPSHOT}-1.0.9218.0] Command: x\n[stdout]\n"
         f"snapshotTaskToken : {token}\n{sas}\n"),
        (handler_logs.parse_shell_log, SNAP_DIR + "shell.log",
         f"Tue Mar  9 10:11:12 UTC 2021- snapshotTaskToken : {token} {sas}\n"),
        (extension_events.parse_events_json, SNAP_DIR + "events/1.json",
         json.dumps([{"Message": f"2024-05-30T13:15:46.1\t[Info]:\tsnapshotTaskToken : {token} {sas} \n",
                      "OperationId": "x", "snapshotTaskToken": token}])),
        (handler_logs.parse_handler_log, "var/log/azure/custom-script/handler.log",
         f'time=2024-05-30T13:15:46Z event=x error="Get {sas}: timeout" token={token}\n'),
        (extension_log.parse_generic, "var/log/azure/x/y.log", f"2024-05-30 13:15:45 snapshotTaskToken : {token} {sas}\n"),
    ]
    for function, path, text in samples:
        events = rows(parse(function, text, path))
        assert events
        blob = json.dumps(events, default=str)
        assert signature not in blob, (function.__name__, blob)
        assert token not in blob, (function.__name__, blob)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Failed to FITHAW: /mnt with error message : Invalid argument",
         {"fs_op": "FITHAW", "fs_mount": "/mnt", "fs_error": "Invalid argument"}),
        ("Failed to open: /srv with error: 13 and error message: Permission denied",
         {"fs_op": "open", "fs_mount": "/srv", "fs_errno": "13", "fs_error": "Permission denied"}),
        ("T:S freeze result errors: ['Failed to FIFREEZE: /data with error message: Device or resource busy'], timedout :False ",
         {"fs_op": "FIFREEZE", "fs_mount": "/data", "fs_error": "Device or resource busy",
          "freeze_result": "errors: ['Failed to FIFREEZE: /data with error message: Device or resource busy']",
          "freeze_timedout": "False"}),
        ("T:S freeze result None, timedout :False", {"freeze_result": "None", "freeze_timedout": "False"}),
        ("T:S ###### Enable failed with error: freeze took longer than timeout StatusCode.FailedRetryableFsFreezeTimeout,",
         {"status_code_name": "FailedRetryableFsFreezeTimeout"}),
        ("****** 5. Snaphotting (Guest-seq) Started", {"milestone": "5", "snapshot_method": "Guest-seq"}),
        ('telemetry [{"Value": "FailedRetryableSnapshotFailedNoNetwork", "Key": "extErrorCode"}]',
         {"ext_error_code": "FailedRetryableSnapshotFailedNoNetwork"}),
        ("hostIp : 168.63.129.16", {}),
    ],
)
def test_snapshot_field_extraction(text, expected):
    assert extension_common._snapshot_fields(text) == expected


def test_project_samples_parse_without_unparsed_lines(samples):
    files = [f for f in samples.rglob("*") if f.is_file() and "/var/log/azure/" in f.as_posix()]
    assert files, "the Linux samples hold /var/log/azure files"
    parsers = (*EXTENSION_PARSERS, *debughelper.PARSERS)  # and the backup extension's diagnostics helper logs
    for file in files:
        relative = "var/log/azure/" + file.as_posix().split("/var/log/azure/", 1)[1]
        data = file.read_bytes()
        best = max(parsers, key=lambda parser: parser.claim(relative, data[:8192]))
        assert best.claim(relative, data[:8192]) > 0, relative
        result = best.parse(data, ParseContext(file=str(file), path=relative))
        assert accounted(result) and result.unparsed == 0, (relative, result.unparsed_lines)
        assert not result.problems, (relative, result.problems)
