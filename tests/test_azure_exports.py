"""Azure-side exports: every kind read from files written for these tests (tests/data/azure/),
field values checked; hypothesis properties for broken input, line accounting, round trips and
secrets."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources import BY_CONTENT, ParseContext, all_parsers
from loganalyzer.sources import azure as az
from loganalyzer.sources._kit import duration_seconds
from loganalyzer.sources.azure.codes import canonical_code, code_from_text, code_tables
from loganalyzer.sources.azure.common import parse_time

DATA = Path(__file__).parent / "data" / "azure"
PARSERS = all_parsers()
AZURE_PARSERS = az.PARSERS


def read(name: str, data: bytes | None = None, path: str | None = None):
    """Parse a file the way the bundle reader does: the highest claim among every parser wins."""
    data = (DATA / name).read_bytes() if data is None else data
    path = path or f"azure/{name}"
    claims = [(parser.claim(path, data[:8192]), -index, parser) for index, parser in enumerate(PARSERS)]
    level, _, parser = max(claims, key=lambda c: (c[0], c[1]))
    assert level > 0, f"nobody claims {name}"
    result = parser.parse(data, ParseContext(file=name, path=path))
    assert result.lines == result.events.spans + result.unparsed
    events = [
        {"line": line, "time": time, "level": level, "message": message, "fields": fields}
        for line, time, level, message, fields in zip(
            result.events.line, result.events.time, result.events.level, result.events.message, result.events.fields
        )
    ]
    return parser, result, events


def kind(events, name):
    return [e for e in events if e["fields"].get("kind") == name]


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# The portal's job error pane
# --------------------------------------------------------------------------------------------


def test_portal_text_english_colon_labels():
    parser, result, events = read("portal-error-en.txt")
    assert parser.source == result.source == "azure.portal"
    (error,) = kind(events, "portal_error")
    assert error["fields"]["reported_code"] == "UserErrorRpCollectionLimitReached"
    assert error["fields"]["lang"] == "en"
    assert error["fields"]["error_message"] == "The Restore Point collection max limit has reached."
    assert error["fields"]["recommendation"].startswith("Please ensure that there are no resouce locks")
    assert result.unparsed == 0 and result.lines == 3


def test_portal_text_swedish_label_on_its_own_line_with_a_local_start_time():
    _, result, events = read("portal-error-sv.txt")
    (error,) = kind(events, "portal_error")
    fields = error["fields"]
    assert fields["reported_code"] == "UserErrorGuestAgentStatusUnavailable"
    assert fields["lang"] == "sv"
    assert fields["error_message"] == "VM-agenten kan inte kommunicera med Azure Backup-tjänsten."
    assert "https://aka.ms/backup-agent-troubleshoot" in fields["recommendation"]  # wrapped over two lines
    assert fields["time_basis"] == "local" and error["time"] == datetime(2025, 1, 22, 22, 31, 4)
    assert result.unparsed == 0


def test_portal_text_german_pipes_and_spanish_markdown_with_other_code_casing():
    _, _, events = read("portal-error-de.txt")
    (german,) = kind(events, "portal_error")
    assert (german["fields"]["reported_code"], german["fields"]["lang"]) == ("UserErrorUnsupportedDiskSize", "de")
    assert german["fields"]["recommendation"].startswith("Stellen Sie sicher")
    _, result, events = read("portal-error-es.md")
    (spanish,) = kind(events, "portal_error")
    assert spanish["fields"]["reported_code"] == "UserErrorKeyvaultPermissionsNotConfigured"
    assert spanish["fields"]["code_as_written"] == "UserErrorKeyVaultPermissionsNotConfigured"
    assert spanish["fields"]["lang"] == "es"
    assert result.lines == 5 and result.unparsed == 0


def test_portal_text_two_blocks_and_a_bearer_token():
    _, result, events = read("portal-error-two-jobs.txt")
    errors = kind(events, "portal_error")
    assert [e["fields"]["reported_code"] for e in errors] == ["ExtensionSnapshotFailedNoNetwork", "UserErrorBackupOperationInProgress"]
    assert errors[1]["fields"]["recommendation"] == "Wait for the current backup job to finish, then retry."
    text = json.dumps(events, default=str)
    assert "FAKEJWTSIGNATUREdoNotUse" not in text and "eyJ0eXAi" not in text
    assert result.unparsed == 0


def test_operation_result_with_a_string_code():
    _, result, events = read("operation-result.json")
    assert result.source == "azure.portal"
    (error,) = kind(events, "portal_error")
    assert error["fields"]["reported_code"] == "UserErrorKeyvaultPermissionsNotConfigured"
    assert error["fields"]["format"] == "operation-result"
    assert error["time"] == utc(2025, 1, 22, 8, 16, 40, 552000)


def test_code_from_text_name_first_then_message_per_language():
    assert code_from_text("failed: USERERRORKEYVAULTPERMISSIONSNOTCONFIGURED") == ("UserErrorKeyvaultPermissionsNotConfigured", "name", "")
    assert code_from_text("Unable to initiate backup as another backup operation is currently in progress.")[:2] == (
        "UserErrorBackupOperationInProgress", "message")
    assert code_from_text("Säkerhetskopieringen misslyckades: den här virtuella datorn skyddas inte (aktivt) av Azure Backup.") == (
        "UserErrorBcmDatasourceNotPresent", "message", "sv")
    assert code_from_text("nothing to see") is None
    assert canonical_code("backupoperationfailedv2") == "BackUpOperationFailed"  # an alias in knowledge.toml


# --------------------------------------------------------------------------------------------
# Backup jobs
# --------------------------------------------------------------------------------------------


def test_az_cli_job_show_decides_the_code_from_the_message():
    parser, result, events = read("job-show-cli.json")
    assert parser.source == "azure.job" and result.unparsed == 0
    (export,) = kind(events, "export")
    assert export["fields"] == {"kind": "export", "export": "job", "format": "az-cli", "count": "1"}
    (job,) = kind(events, "job")
    fields = job["fields"]
    assert fields["job_id"] == "0b8f2c6e-7d41-4a52-9e6b-3c0d5a1f9e21"
    assert (fields["operation"], fields["status"], fields["item"], fields["vault"]) == ("Backup", "Failed", "vm-app01", "rsv-weu-01")
    assert fields["error_code_num"] == "400108"
    assert (fields["code"], fields["code_basis"], fields["lang"]) == ("UserErrorKeyvaultPermissionsNotConfigured", "message", "en")
    assert fields["reported_code"] == "UserErrorKeyvaultPermissionsNotConfigured"
    assert fields["duration_s"] == "447.564" and fields["user_triggered"] == "true"
    assert fields["failed_task"] == "Take Snapshot"
    assert job["time"] == utc(2025, 1, 22, 8, 15, 12, 441123) and fields["end"] == "2025-01-22T08:22:40.005123+00:00"
    assert job["level"] == "error"


def test_rest_job_with_iso_duration_and_a_crp_inner_code():
    _, _, events = read("job-show-rest.json")
    (job,) = kind(events, "job")
    fields = job["fields"]
    assert fields["format"] == "rest" and fields["job_type"] == "AzureIaaSVMJobV2"
    assert fields["duration_s"] == "447.564"
    assert fields["reported_code"] == "UserErrorCrpReportedUserError"
    assert fields["inner_code"] == "OperationNotAllowed"
    assert "marked for deletion" in fields["dynamic_error_message"]
    assert job["time"] == utc(2025, 1, 21, 21, 0, 12, 441123)


def test_job_list_after_a_warning_line_reports_the_overlap_with_both_ids():
    _, result, events = read("job-list-cli.json")
    assert result.unparsed == 0 and result.lines == 90
    jobs = kind(events, "job")
    assert [j["fields"]["status"] for j in jobs] == ["InProgress", "Failed", "Completed"]
    assert [j["line"] for j in jobs] == [3, 29, 64]
    assert "end" not in jobs[0]["fields"]  # still running: no end, open-ended
    assert jobs[1]["fields"]["code"] == "UserErrorBackupOperationInProgress" and jobs[1]["fields"]["lang"] == "de"
    (overlap,) = kind(events, "job_overlap")
    fields = overlap["fields"]
    assert fields["job_id"] == "a1b2c3d4-0002-4000-8000-000000000002"
    assert fields["other_job_id"] == "a1b2c3d4-0001-4000-8000-000000000001"
    assert (fields["status"], fields["other_status"], fields["other_end"]) == ("Failed", "InProgress", "still running")
    assert overlap["level"] == "warning"


def test_rest_value_wrapper_and_a_disable_backup_job():
    _, _, events = read("job-list-rest.json")
    jobs = kind(events, "job")
    assert [j["fields"]["operation"] for j in jobs] == ["DisableBackup", "Backup"]
    assert jobs[0]["fields"]["duration_s"] == "133.123"
    assert jobs[1]["fields"]["reported_code"] == "UserErrorBcmDatasourceNotPresent"
    assert not kind(events, "job_overlap")


def test_powershell_51_jobs_with_date_ms_timespans_and_depth_truncation():
    _, result, events = read("job-list-ps51.json")
    assert result.unparsed == 0
    failed, running = kind(events, "job")
    assert failed["fields"]["format"] == "powershell"
    assert failed["fields"]["job_id"] == "3c9a1f0e-2b7d-4e11-8a6f-9d2c4b5e7f10" and failed["fields"]["item"] == "vm-db02"
    assert failed["time"] == utc(2025, 1, 21, 21, 0, 12, 441000)
    assert failed["fields"]["duration_s"] == "447.564"
    assert "recommendation" not in failed["fields"]  # "System.Collections.Generic.List`1[...]" is not text
    assert failed["fields"]["reported_code"] == "UserErrorCrpReportedUserError"
    assert "end" not in running["fields"]  # the 1/1/2001 placeholder means no end


@pytest.mark.parametrize("name, rows, overlaps", [("job-list-table.txt", 3, 1), ("job-list-table-old.txt", 2, 0), ("job-list-ps-table.txt", 2, 1)])
def test_text_tables(name, rows, overlaps):
    parser, result, events = read(name)
    assert parser.name == "backup jobs (table)" and result.unparsed == 0
    assert len(kind(events, "job")) == rows and len(kind(events, "job_overlap")) == overlaps


def test_table_values_and_times():
    _, _, events = read("job-list-table-old.txt")
    configure, backup = kind(events, "job")
    assert configure["fields"]["operation"] == "ConfigureBackup"
    assert backup["fields"]["duration_s"] == "93784"  # "1 day, 2:03:04"
    assert backup["fields"]["end"] == "2019-06-04T23:03:08+00:00"
    _, _, events = read("job-list-ps-table.txt")
    running = kind(events, "job")[0]
    assert running["fields"]["time_basis"] == "local" and running["time"] == datetime(2025, 1, 22, 9, 45)
    assert "end" not in running["fields"]


def test_portal_jobs_grid_in_swedish():
    _, result, events = read("jobs-portal-sv.csv")
    jobs = kind(events, "job")
    assert [j["fields"]["status"] for j in jobs] == ["InProgress", "Failed", "Completed"]
    assert jobs[1]["fields"]["status_as_written"] == "Misslyckades"
    assert jobs[1]["fields"]["operation"] == "Backup" and jobs[1]["fields"]["time_basis"] == "local"
    assert len(kind(events, "job_overlap")) == 1 and result.unparsed == 0


def test_log_analytics_jobs_carry_the_string_code():
    _, _, events = read("jobs-log-analytics.csv")
    failed, completed = kind(events, "job")
    assert failed["fields"]["format"] == "log-analytics"
    assert failed["fields"]["reported_code"] == "UserErrorRpCollectionLimitReached"
    assert failed["time"] == utc(2025, 1, 22, 8, 40, 11)
    assert failed["fields"]["user_triggered"] == "true" and completed["fields"]["user_triggered"] == "false"
    assert "reported_code" not in completed["fields"]  # "Success" is no code


def test_broken_job_json_is_a_problem_but_keeps_what_came_before():
    _, result, events = read("job-list-broken.json")
    assert [p.kind for p in result.problems] == ["malformed"]
    assert result.unparsed == result.lines == 3
    assert [j["fields"]["job_id"] for j in kind(events, "job")] == ["aa"]


# --------------------------------------------------------------------------------------------
# Protected items
# --------------------------------------------------------------------------------------------


def test_item_stopped_with_an_empty_policy():
    parser, _, events = read("item-show-cli.json")
    assert parser.source == "azure.item"
    (item,) = kind(events, "item")
    fields = item["fields"]
    assert (fields["protection_state"], fields["policy"], fields["vm"]) == ("ProtectionStopped", "none", "vm-app01")
    assert fields["recovery_points"] == "9" and fields["last_backup_time"] == "2025-01-21T21:05:40.120000+00:00"
    assert item["level"] == "warning"


def test_item_list_rest_and_the_2001_placeholder():
    _, _, events = read("item-list-rest.json")
    web01, web03 = kind(events, "item")
    assert web01["fields"]["policy"] == "DailyPolicy" and web01["fields"]["protection_state"] == "Protected"
    assert web01["fields"]["error_message"].startswith("Unable to initiate backup")
    assert web03["fields"]["protection_state"] == "IRPending" and "last_backup_time" not in web03["fields"]


def test_item_table():
    _, result, events = read("item-list-table.txt")
    app, web = kind(events, "item")
    assert app["fields"]["protection_state"] == "ProtectionStopped" and "protection_state" not in web["fields"]
    assert result.unparsed == 0


# --------------------------------------------------------------------------------------------
# VM view
# --------------------------------------------------------------------------------------------


def test_sdk_era_instance_view():
    parser, result, events = read("vm-instance-view-cli.json")
    assert parser.source == "azure.vm" and result.unparsed == 0
    (vm,) = kind(events, "vm")
    assert vm["fields"]["provisioning_state"] == "Failed" and vm["fields"]["power_state"] == "running"
    assert vm["fields"]["vm_status_code"] == "ProvisioningState/failed/VMExtensionProvisioningError"
    assert vm["fields"]["ade"] == "true" and vm["fields"]["os_type"] == "Linux"
    (agent,) = kind(events, "vm_agent")
    assert (agent["fields"]["agent_version"], agent["fields"]["agent_status"]) == ("2.12.0.4", "Ready")
    assert agent["time"] == utc(2025, 1, 22, 8, 4, 58)
    assert [h["fields"]["failed"] for h in kind(events, "vm_handler")] == ["false", "false"]
    (extension,) = kind(events, "vm_extension")
    assert extension["fields"]["failed"] == "true" and extension["fields"]["status_code"] == "ProvisioningState/failed/0"
    disks = kind(events, "vm_disk")
    assert [(d["fields"]["disk_role"], d["fields"]["size_gb"], d["fields"]["encrypted"]) for d in disks] == [("os", "128", "ade"), ("data", "5120", "ade")]
    assert "FAKEPASSWORD" not in json.dumps(events, default=str)


def test_aaz_era_instance_view_with_an_agent_not_ready():
    _, _, events = read("vm-instance-view-aaz.json")
    (agent,) = kind(events, "vm_agent")
    assert agent["fields"]["agent_status"] == "Not Ready"
    assert agent["fields"]["agent_code"] == "ProvisioningState/Unavailable"
    assert agent["fields"]["agent_version"] == "Unknown" and agent["fields"]["power_state"] == "running"
    (disk,) = kind(events, "vm_disk")
    assert disk["fields"]["size_gb"] == "30"  # diskSizeGB, the REST spelling


def test_rest_json_view_nested_under_properties():
    _, _, events = read("vm-rest.json")
    (vm,) = kind(events, "vm")
    assert vm["fields"]["format"] == "rest" and vm["fields"]["os_type"] == "Windows"
    sizes = {d["fields"]["disk"]: d["fields"]["size_gb"] for d in kind(events, "vm_disk")}
    assert sizes == {"vm-big01_OsDisk": "127", "vm-big01-data0": "4095", "vm-big01-archive": "32768"}


def test_vm_show_d_and_disk_show():
    _, _, events = read("vm-show-d.json")
    (vm,) = kind(events, "vm")
    assert (vm["fields"]["power_state"], vm["fields"]["provisioning_state"]) == ("deallocated", "Updating")
    assert not kind(events, "vm_agent")  # show -d drops the instance view
    _, _, events = read("disk-show.json")
    (disk,) = kind(events, "vm_disk")
    assert (disk["fields"]["size_gb"], disk["fields"]["encrypted"], disk["fields"]["vm"]) == ("5120", "ade", "vm-app01")


def test_powershell_51_vm_status_in_utf16():
    _, result, events = read("vm-status-ps51.json")
    assert not result.problems
    (handler,) = kind(events, "vm_handler")
    assert handler["fields"]["failed"] == "true" and handler["fields"]["status_level"] == "Error"
    (agent,) = kind(events, "vm_agent")
    assert agent["time"] == utc(2025, 1, 22, 8, 29, 55)


# --------------------------------------------------------------------------------------------
# Locks, restore points, key vault, activity log
# --------------------------------------------------------------------------------------------


def test_lock_scopes():
    parser, _, events = read("locks-cli.json")
    assert parser.source == "azure.lock"
    rp, other = kind(events, "lock")
    assert (rp["fields"]["covers_restore_points"], rp["fields"]["level"], rp["fields"]["resource_group"]) == ("rp-group", "CanNotDelete", "AzureBackupRG_westeurope_1")
    assert other["fields"]["covers_restore_points"] == "other-group"
    _, _, events = read("locks-rest.json")
    subscription, collection = kind(events, "lock")
    assert subscription["fields"]["scope_kind"] == "subscription" and subscription["fields"]["level"] == "CanNotDelete"
    assert collection["fields"]["covers_restore_points"] == "collection"
    assert collection["fields"]["resource_type"] == "Microsoft.Compute/restorePointCollections"
    _, _, events = read("locks-ps.json")
    (ps,) = kind(events, "lock")
    assert ps["fields"]["covers_restore_points"] == "rp-group" and ps["fields"]["lock_name"] == "no-delete"


def test_an_empty_lock_list_is_read_by_its_name():
    parser, result, events = read("locks-empty.json")
    assert parser.source == "azure.lock"
    assert events[0]["fields"]["count"] == "0" and result.unparsed == 0


def test_restore_point_collections():
    _, _, events = read("rpc-expanded-rest.json")
    (collection,) = kind(events, "rp_collection")
    assert collection["fields"]["restore_points"] == "18" and collection["fields"]["vm_restore_points"] == "18"
    assert collection["fields"]["source_vm"] == "vm-app01"
    _, _, events = read("rpc-list-aaz.json")
    assert [c["fields"].get("restore_points") for c in kind(events, "rp_collection")] == [None, None]


def test_key_vault_modes_and_grants():
    _, _, events = read("keyvault-policies.json")
    (vault,) = kind(events, "keyvault")
    assert (vault["fields"]["backup_access"], vault["fields"]["rbac"]) == ("missing", "false")
    (policy,) = kind(events, "keyvault_policy")
    assert policy["fields"]["secrets"] == "get,list,set" and policy["fields"]["fits_backup"] == "false"
    _, _, events = read("keyvault-granted.json")
    assert kind(events, "keyvault")[0]["fields"]["backup_access"] == "granted"
    _, _, events = read("keyvault-rbac.json")
    assert kind(events, "keyvault")[0]["fields"]["backup_access"] == "rbac"
    _, _, events = read("role-assignments.json")
    (summary,) = kind(events, "role_summary")
    assert (summary["fields"]["backup_role"], summary["fields"]["vault_scope"]) == ("missing", "true")
    _, _, events = read("bms-service-principal.json")
    (principal,) = kind(events, "service_principal")
    assert principal["fields"]["object_id"] == "12121212-3434-5656-7878-909090909090"


def test_activity_log_json_records_and_csv():
    parser, _, events = read("activity-cli.json")
    assert parser.name == "activity log (JSON)"
    delete, lock = kind(events, "activity")
    assert (delete["fields"]["activity"], delete["fields"]["status"], delete["fields"]["error_code"]) == ("rp-delete", "Failed", "ScopeLocked")
    assert delete["fields"]["backup_service"] == "true"
    assert (lock["fields"]["activity"], lock["fields"]["covers_restore_points"]) == ("lock-write", "rp-group")
    assert delete["time"] == utc(2025, 1, 22, 8, 41, 2, 531123)
    _, _, events = read("activity-records.json")
    policy, extension = kind(events, "activity")
    assert (policy["fields"]["activity"], policy["fields"]["status"]) == ("keyvault-change", "Succeeded")
    assert (extension["fields"]["status"], extension["fields"]["inner_code"]) == ("Failed", "VMExtensionProvisioningError")
    _, result, events = read("activity-portal.csv")
    rows = kind(events, "activity")
    assert [r["fields"]["activity"] for r in rows] == ["rp-delete", "lock-write", "vm-change"]
    assert rows[0]["time"] == utc(2025, 1, 22, 8, 41, 2)  # "GMT+0100" taken into account
    assert rows[1]["fields"]["covers_restore_points"] == "rp-group"
    assert result.unparsed == 0 and result.lines == 5  # one quoted cell spans two lines


# --------------------------------------------------------------------------------------------
# Claims: found by content, never stealing guest files
# --------------------------------------------------------------------------------------------


def test_found_by_content_under_any_name():
    data = (DATA / "job-list-cli.json").read_bytes()
    parser, _, events = read("x", data=data, path="case-4711/output-3.dat")
    assert parser.source == "azure.job" and kind(events, "job_overlap")
    data = (DATA / "portal-error-en.txt").read_bytes()
    parser, _, _ = read("x", data=data, path="notes")
    assert parser.source == "azure.portal"


def test_guest_files_are_not_claimed(samples):
    from loganalyzer import read_bundle

    contents = read_bundle(samples / "linux-healthy")
    assert not contents.coverage["source"].astype(str).str.startswith("azure.").any()


def test_time_and_duration_syntaxes():
    assert parse_time("2026-03-02T21:04:11.1234567Z").time == utc(2026, 3, 2, 21, 4, 11, 123456)
    assert parse_time("2026-03-02T22:04:11+01:00").time == utc(2026, 3, 2, 21, 4, 11)
    assert parse_time("/Date(1737493212441)/").time == utc(2025, 1, 21, 21, 0, 12, 441000)
    assert parse_time("2001-01-01T00:00:00Z") is None and parse_time("0001-01-01T00:00:00") is None
    assert parse_time("4/23/2016 5:00:30 PM").local
    assert duration_seconds("PT7M27.56S") == pytest.approx(447.56)
    assert duration_seconds("00:20:23.0896697") == pytest.approx(1223.0896697)
    assert duration_seconds("0:20:23.089669") == pytest.approx(1223.089669)
    assert duration_seconds("1 day, 2:03:04") == 93784
    assert duration_seconds("1.02:03:04") == 93784
    assert duration_seconds({"Ticks": 4475640000}) == pytest.approx(447.564)
    assert duration_seconds("soon") is None


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

PREFIXES = [
    b"",
    b"[\n  {\"id\": \"/Subscriptions/1/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/backupJobs/a\", \"properties\": {\"jobType\": \"AzureIaaSVMJob\", ",
    b"{\"value\": [{\"type\": \"Microsoft.Authorization/locks\", \"id\": ",
    b"{\"instanceView\": {\"vmAgent\": {\"statuses\": [",
    b"WARNING: preview\n[{\"eventTimestamp\": \"2025-01-22T08:41:02Z\", \"operationName\": ",
    b"Error Code: UserErrorRpCollectionLimitReached\nError Message: ",
    b"Felkod\n  ",
    b"Name  Operation  Status  Item Name  Start Time UTC  Duration\n----  ---------  ------  ---------  --------------  --------\n",
    b"Correlation id,Operation name,Status,Event category,Level,Time\n",
    b"\"Workload name\",\"Operation\",\"Status\",\"Start time\",\"Duration\"\n",
    b"\xff\xfe{\x00\"\x00",
]


@pytest.mark.parametrize("parser", AZURE_PARSERS, ids=lambda p: p.name)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=400))
def test_arbitrary_bytes_become_problems_never_exceptions(parser, prefix, body):
    data = prefix + body
    parser.claim("azure/x.json", data[:8192])
    result = parser.parse(data, ParseContext(file="x", path="azure/x.json"))
    assert result.lines == result.events.spans + result.unparsed
    assert not [p for p in result.problems if p.kind == "parser-error"], result.problems


@given(cut=st.integers(min_value=1, max_value=3000), name=st.sampled_from(["job-list-cli.json", "vm-instance-view-cli.json", "activity-cli.json", "locks-rest.json"]))
def test_truncated_json_exports_are_malformed_problems(cut, name):
    data = (DATA / name).read_bytes()
    cut = min(cut, len(data) - 2)
    _, result, _ = read(name, data=data[:cut]) if _claimed(data[:cut]) else (None, None, None)
    if result is None:
        return
    assert not [p for p in result.problems if p.kind == "parser-error"]
    if data[:cut].rstrip().endswith((b"}", b"]")) and not result.problems:
        return  # a cut that happens to leave a whole value (a leading object) is fine
    assert [p.kind for p in result.problems if p.kind == "malformed"], (cut, result.problems)
    assert result.unparsed == result.lines


def _claimed(data: bytes) -> bool:
    return any(parser.claim("azure/x.json", data[:8192]) >= BY_CONTENT for parser in PARSERS)


@given(rows=st.lists(st.tuples(st.text(alphabet="abcdef,\"\n;", max_size=12), st.text(alphabet="xyz\n\"", max_size=8)), max_size=6))
def test_malformed_csv_rows_are_unparsed_lines_never_exceptions(rows):
    lines = ["Correlation id,Operation name,Status,Event category,Level,Time,Event initiated by"]
    lines += [f"{a},{b}" for a, b in rows]
    data = "\n".join(lines).encode()
    for parser in AZURE_PARSERS:
        result = parser.parse(data, ParseContext(file="a.csv", path="a.csv"))
        assert result.lines == result.events.spans + result.unparsed
        assert not [p for p in result.problems if p.kind == "parser-error"]


job_status = st.sampled_from(["Completed", "Failed", "InProgress", "CompletedWithWarnings", "Cancelled"])
operation = st.sampled_from(["Backup", "ConfigureBackup", "DisableBackup", "Restore"])
name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=15)


@given(jobs=st.lists(st.tuples(name, operation, job_status, st.integers(0, 10**6), st.integers(0, 10**5)), min_size=1, max_size=5),
       pascal=st.booleans())
def test_generated_jobs_round_trip(jobs, pascal):
    base = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    records = []
    for index, (vm, op, status, start, seconds) in enumerate(jobs):
        started = datetime.fromtimestamp(base + start, UTC)
        if pascal:
            records.append({"JobId": f"job-{index}", "WorkloadName": vm, "Operation": op, "Status": status,
                            "StartTime": f"/Date({(base + start) * 1000})/", "Duration": {"TotalSeconds": seconds}})
        else:
            records.append({"name": f"job-{index}", "properties": {"jobType": "AzureIaaSVMJob", "entityFriendlyName": vm, "operation": op,
                            "status": status, "startTime": started.isoformat(), "duration": f"PT{seconds}S"}})
    data = json.dumps(records, indent=2).encode()
    _, result, events = read("x", data=data, path="azure/jobs.json")
    got = kind(events, "job")
    assert [(e["fields"]["job_id"], e["fields"]["item"], e["fields"]["operation"], e["fields"]["status"]) for e in got] == [
        (f"job-{i}", vm, op, status) for i, (vm, op, status, _, _) in enumerate(jobs)]
    assert [e["time"] for e in got] == [datetime.fromtimestamp(base + j[3], UTC) for j in jobs]
    assert [float(e["fields"]["duration_s"]) for e in got] == [float(j[4]) for j in jobs]
    assert result.unparsed == 0


@given(code=st.sampled_from(sorted(set(code_tables().canonical.values()))), separator=st.sampled_from([": ", " | ", "\t", "\n  "]),
       label=st.sampled_from(["Error Code", "Felkod", "Fehlercode", "Código de error", "ERROR CODE"]))
def test_generated_pane_text_round_trips_the_code(code, separator, label):
    data = f"{label}{separator}{code.lower() if label == 'ERROR CODE' else code}\nError Message{separator}something failed\n".encode()
    _, result, events = read("x", data=data, path="pane.txt")
    (error,) = kind(events, "portal_error")
    assert error["fields"]["reported_code"] == code
    assert result.unparsed == 0


@given(secret=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=12, max_size=24))
def test_a_planted_secret_never_appears(secret):
    sas = f"https://md-x.blob.core.windows.net/vhds/a.vhd?sv=2018-03-28&sr=b&sig={secret}&se=2024"
    jwt = f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ{secret}.{secret}"
    documents = {
        "jobs.json": json.dumps([{"name": "j", "properties": {"jobType": "AzureIaaSVMJob", "entityFriendlyName": "vm", "status": "Failed",
                                  "errorDetails": [{"errorCode": 1, "errorString": f"blob {sas} failed", "recommendations": [f"Bearer {jwt}"]}],
                                  "extendedInfo": {"dynamicErrorMessage": f"AccountKey={secret};"}}}]),
        "vm.json": json.dumps({"name": "vm", "osProfile": {"adminPassword": secret}, "instanceView": {"vmAgent": {
            "vmAgentVersion": "Unknown", "statuses": [{"code": "ProvisioningState/Unavailable", "displayStatus": "Not Ready", "message": f"status blob {sas}"}]}}}),
        "pane.txt": f"Error Code: UserErrorCrpReportedUserError\nError Message: see {sas}\nRecommended Action: Authorization: Bearer {jwt}\n",
        "activity.json": json.dumps([{"eventTimestamp": "2025-01-22T08:00:00Z", "operationName": {"value": "x/write"}, "correlationId": "c",
                                      "properties": {"statusMessage": json.dumps({"error": {"code": "X", "message": sas}})}}]),
    }
    for file, text in documents.items():
        _, _, events = read("x", data=text.encode(), path=f"azure/{file}")
        assert events, file
        assert secret not in json.dumps(events, default=str), file
