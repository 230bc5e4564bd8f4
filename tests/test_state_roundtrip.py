"""Generated state files round-trip: what the agent and the backup extension write comes back
as the same field values (the VMSnapshotLinux status with its inner report, HandlerStatus,
HandlerState, GoalState)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources import ParseContext, all_parsers

PARSERS = {p.name: p for p in all_parsers()}
HANDLER = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0"
TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789.:-_", min_size=1, max_size=40).map(str.strip).filter(bool)
GUID = st.uuids().map(str)


def parse(name: str, path: str, data: bytes):
    result = PARSERS[name].parse(data, ParseContext(file=path, path=path))
    assert result.lines == result.events.spans + result.unparsed and not result.problems
    return result


@given(
    code=st.sampled_from(["0", "1", "76", "121", "85", "402"]),
    ext_error=st.sampled_from(["success", "FailedRetryableSnapshotFailedNoNetwork", "FailedRetryableFsFreezeFailed"]),
    host=st.sampled_from(["200", "555", "556", "558"]),
    task=GUID,
    seq=st.integers(min_value=0, max_value=500),
    snapshots=st.lists(st.booleans(), min_size=1, max_size=8),
    upload_error=st.booleans(),
)
def test_vmsnapshot_status_with_inner_report(code, ext_error, host, task, seq, snapshots, upload_error):
    inner = [{
        "version": "1.0",
        "timestampUTC": "\\/Date(1717074945331)\\/",
        "status": {
            "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
            "operation": "Enable",
            "status": "success" if code in ("0", "1") else "error",
            "code": code,
            "formattedMessage": {"lang": "en-US", "message": "done"},
            "taskId": task,
            "snapshotInfo": [{"isSuccessful": ok, "snapshotUri": "", "errorMessage": "" if ok else "no route"} for ok in snapshots],
            "vmHealthInfo": {"vmHealthState": 0, "vmHealthStatusCode": 1},
            "telemetryData": [
                {"Key": "extErrorCode", "Value": ext_error},
                {"Key": "hostStatusCodeDoSnapshot", "Value": host},
                {"Key": "statusBlobUploadError", "Value": str(upload_error).lower()},
            ],
        },
    }]
    outer = [{
        "version": 1.0,
        "timestampUTC": "2024-05-30T13:15:45Z",
        "status": {
            "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
            "operation": "Enable",
            "status": "success",
            "code": code,
            "formattedMessage": {"lang": "en-US", "message": "see substatus"},
            "substatus": [{"name": json.dumps(inner), "status": "success", "code": code, "formattedMessage": {"lang": "en-US", "message": ""}}],
        },
    }]
    path = f"{HANDLER}/status/{seq}.status"
    fields = parse("extension status file", path, json.dumps(outer).encode()).events.fields[0]
    assert fields["code"] == code and fields["seq_no"] == str(seq)
    assert fields["ext_error_code"] == ext_error
    assert fields["host_status_code_do_snapshot"] == host
    assert fields["task_id"] == task
    assert fields["snapshot_count"] == str(len(snapshots))
    assert fields["snapshot_failed_count"] == str(snapshots.count(False))
    assert fields["status_blob_upload_error"] == str(upload_error).lower()


@given(status=st.sampled_from(["Ready", "NotReady"]), code=st.sampled_from([0, 1000, 1007, 1009, 1011, 1012]), message=TEXT)
def test_handler_status(status, code, message):
    document = {"name": "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent", "version": "1.29.7", "status": status,
                "code": code, "message": message, "supports_multi_config": False, "extension_status": None}
    path = "var/lib/waagent/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.29.7/config/HandlerStatus"
    fields = parse("HandlerStatus", path, json.dumps(document).encode()).events.fields[0]
    assert (fields["status"], fields["code"], fields["message"]) == (status, str(code), message)
    assert fields["handler"] == "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent"


@given(state=st.sampled_from(["NotInstalled", "Installed", "Enabled", "FailedUpgrade", "Failed"]))
def test_handler_state(state):
    fields = parse("HandlerState", f"{HANDLER}/config/HandlerState", state.encode()).events.fields[0]
    assert fields["state"] == state


@given(incarnation=st.integers(min_value=1, max_value=10**6), container=GUID, with_extensions=st.booleans())
def test_goal_state(incarnation, container, with_extensions):
    extensions = "<ExtensionsConfig>http://168.63.129.16:80/machine/x?comp=config&amp;type=extensionsConfig&amp;incarnation=1</ExtensionsConfig>" if with_extensions else ""
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><GoalState xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<Version>2012-11-30</Version><Incarnation>{incarnation}</Incarnation><Machine><ExpectedState>Started</ExpectedState></Machine>"
        f"<Container><ContainerId>{container}</ContainerId><RoleInstanceList><RoleInstance><InstanceId>i_0</InstanceId>"
        f"<State>Started</State><Configuration>{extensions}</Configuration></RoleInstance></RoleInstanceList></Container></GoalState>"
    )
    fields = parse("GoalState", f"var/lib/waagent/GoalState.{incarnation}.xml", xml.encode()).events.fields[0]
    assert fields["incarnation"] == str(incarnation) and fields["container_id"] == container
    assert fields["has_extensions_config"] == ("1" if with_extensions else "0")
