"""Tests of the /var/lib/waagent state parsers (goal state, status, settings, handler files, leases)."""

from __future__ import annotations

import json
import string
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.sources import BY_CONTENT, BY_NAME, ParseContext, all_parsers
from loganalyzer.enrich import enrich
from loganalyzer.signatures import load_knowledge
from loganalyzer.sources.linux import PARSERS as LINUX_PARSERS

KNOWLEDGE = load_knowledge()
PARSERS = tuple(parser for parser in LINUX_PARSERS if parser.source == "waagent.state")

DATA = Path(__file__).parent / "data" / "waagent_state"
VMS = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0"
BY = {parser.name: parser for parser in PARSERS}


def parse(name: str, data: bytes, path: str, truncated: bool = False):
    result = BY[name].parse(data, ParseContext(file=path, path=path, truncated=truncated))
    assert result.lines == result.events.spans + result.unparsed
    assert result.source == "waagent.state"
    return result


def rows(result) -> list[dict[str, str]]:
    return [dict(fields) for fields in result.events.fields]


def enriched(result, path: str) -> list[dict[str, str]]:
    """The rows as ``read_bundle`` gives them: result codes named from knowledge.toml."""
    table = enrich(result.events.to_table(path, "waagent.state"), KNOWLEDGE)
    return [dict(fields) for fields in table["fields"].to_pylist()]


def everything(result) -> str:
    parts = list(result.events.message)
    for fields in result.events.fields:
        parts.extend(f"{k}={v}" for k, v in dict(fields).items())
    return "\n".join(parts)


def best(path: str, data: bytes):
    winner, top = None, 0
    for parser in all_parsers():
        claim = parser.claim(path, data[:8192])
        if claim > top:
            winner, top = parser, claim
    return winner, top


# ------------------------------------------------------------------------------------------ goal state

GOAL_STATE = b"""<?xml version="1.0" encoding="utf-8"?>
<GoalState xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="goalstate10.xsd">
  <Version>2012-11-30</Version>
  <Incarnation>7</Incarnation>
  <Machine><ExpectedState>Started</ExpectedState></Machine>
  <Container>
    <ContainerId>1b2c3d4e-0000-4aaa-bbbb-123456789abc</ContainerId>
    <RoleInstanceList><RoleInstance>
      <InstanceId>0f0e0d0c-1111-2222-3333-444455556666._vm-web-01</InstanceId>
      <State>Started</State>
      <Configuration>
        <ExtensionsConfig>http://168.63.129.16:80/machine/1b2c/x?comp=config&amp;type=extensionsConfig&amp;incarnation=7</ExtensionsConfig>
      </Configuration>
    </RoleInstance></RoleInstanceList>
  </Container>
</GoalState>
"""


def test_goal_state_fields_and_history_location():
    path = "var/lib/waagent/history/2024-05-30T13-15-40__7-a1b2c3/GoalState.xml"
    result = parse("GoalState", GOAL_STATE, path)
    (row,) = rows(result)
    assert row["incarnation"] == "7"
    assert row["container_id"] == "1b2c3d4e-0000-4aaa-bbbb-123456789abc"
    assert row["role_instance_id"].endswith("._vm-web-01")
    assert row["expected_state"] == "Started" and row["has_extensions_config"] == "1"
    assert row["history_time"] == "2024-05-30T13:15:40Z"
    assert row["history_incarnation"] == "7" and row["history_etag"] == "a1b2c3"
    assert result.events.time[0] == datetime(2024, 5, 30, 13, 15, 40, tzinfo=timezone.utc)
    assert result.events.spans == result.lines and not result.problems


def test_goal_state_old_history_folder_and_placeholder():
    old = parse("GoalState", GOAL_STATE, "var/lib/waagent/history/2018-04-06T08:21:37.142697_incarnation_7/GoalState.7.xml")
    assert rows(old)[0]["history_incarnation"] == "7" and rows(old)[0]["history_time"] == "2018-04-06T08:21:37.142697Z"
    assert rows(old)[0]["file_incarnation"] == "7"
    placeholder = parse("GoalState", b"<xml>empty placeholder file</xml>", "var/lib/waagent/GoalState.1.xml")
    assert rows(placeholder)[0]["placeholder"] == "1" and not placeholder.problems and placeholder.unparsed == 0


def test_goal_state_broken_and_wrong_root():
    broken = parse("GoalState", GOAL_STATE[:300], "var/lib/waagent/GoalState.7.xml")
    assert [p.kind for p in broken.problems] == ["malformed"] and broken.unparsed == broken.lines
    cut = parse("GoalState", GOAL_STATE[:300], "var/lib/waagent/GoalState.7.xml", truncated=True)
    assert [p.kind for p in cut.problems] == ["truncated"]
    wrong = parse("GoalState", b"<Foo/>\n", "var/lib/waagent/GoalState.7.xml")
    assert [p.kind for p in wrong.problems] == ["malformed"]


def test_xml_entities_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><GoalState><Incarnation>&a;</Incarnation></GoalState>'
    result = parse("GoalState", bomb, "var/lib/waagent/GoalState.1.xml")
    assert [p.kind for p in result.problems] == ["malformed"]


# ----------------------------------------------------------------------------------- ExtensionsConfig

SIG = "QmFkU2lnbmF0dXJlVmFsdWU%3D"
EXT_CONF = f"""<Extensions version="1.0.0.0" goalStateIncarnation="7"><GuestAgentExtension>
  <GAFamilies><GAFamily><Name>Prod</Name><Version>2.10.0.8</Version><IsVersionFromRSM>true</IsVersionFromRSM>
    <Uris><Uri>https://umsa.blob.core.windows.net/1/m.xml</Uri></Uris></GAFamily></GAFamilies>
  <Location>northeurope</Location>
</GuestAgentExtension>
<StatusUploadBlob statusBlobType="PageBlob">https://md-x.blob.core.windows.net/$system/vm.status?sv=2018-03-28&amp;sr=b&amp;sig={SIG}&amp;se=9999-01-01</StatusUploadBlob>
<Plugins>
  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0" state="enabled" autoUpgrade="false" location="https://x/m.xml" />
</Plugins>
<PluginSettings>
  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0">
    <RuntimeSettings seqNo="12">{{"runtimeSettings":[{{"handlerSettings":{{"protectedSettingsCertThumbprint":"8C2F4E1B0A9D7C6E5F4A3B2C1D0E9F8A7B6C5D4E","protectedSettings":"MIIBPROTECTEDxyz","publicSettings":{{"commandToExecute":"snapshot","taskId":"3f2a6c1e","commandStartTimeUTCTicks":"638526716520000000","vmType":"microsoft.compute/virtualmachines","locale":"en-us","logsBlobUri":"https://md-x.blob.core.windows.net/l/log?sv=1&amp;sig={SIG}","objectStr":"eyJzbmFwc2hvdFRhc2tUb2tlbiI6ICJUT0tFTjEyMyJ9"}}}}}}]}}</RuntimeSettings>
  </Plugin>
</PluginSettings>
<InVMGoalStateMetaData inSvdSeqNo="12" createdOnTicks="638526716520000000" activityId="aa11" correlationId="bb22" />
</Extensions>
""".encode()


def test_extensions_config_vmsnapshot_plugin():
    result = parse("ExtensionsConfig", EXT_CONF, "var/lib/waagent/ExtensionsConfig.7.xml")
    kinds = [row["kind"] for row in rows(result)]
    assert kinds == ["ext_config", "ext_config_ga_family", "ext_config_plugin"]
    summary, family, plugin = rows(result)
    assert summary["incarnation"] == "7" and summary["location"] == "northeurope"
    assert summary["status_blob_type"] == "PageBlob" and summary["vmsnapshot_present"] == "1"
    assert summary["status_blob_url"] == "https://md-x.blob.core.windows.net/$system/vm.status"
    assert summary["created_on"] == "2024-05-30T13:14:12Z" and summary["in_svd_seq_no"] == "12"
    assert family["requested_version"] == "2.10.0.8" and family["is_version_from_rsm"] == "1"
    assert plugin["name"] == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux" and plugin["state"] == "enabled"
    assert plugin["seq_no"] == "12" and plugin["auto_upgrade"] == "0"
    assert plugin["command"] == "snapshot" and plugin["command_start_time"] == "2024-05-30T13:14:12Z"
    assert plugin["vm_type"] == "microsoft.compute/virtualmachines" and plugin["has_protected_settings"] == "1"
    assert "logsBlobUri" in plugin["public_keys"]
    text = everything(result)
    for secret in (SIG, "MIIBPROTECTEDxyz", "eyJzbmFwc2hvdFRhc2tUb2tlbiI6ICJUT0tFTjEyMyJ9", "sv=2018-03-28"):
        assert secret not in text


def test_extensions_config_salvage_when_broken():
    damaged = EXT_CONF.replace(b"</Plugins>", b"</Plugin>")
    result = parse("ExtensionsConfig", damaged, "var/lib/waagent/ExtensionsConfig.7.xml")
    assert [p.kind for p in result.problems] == ["malformed"] and result.unparsed == result.lines
    (row,) = rows(result)
    assert row["salvaged"] == "1" and row["state"] == "enabled" and row["version"] == "1.0.9225.0"
    assert SIG not in everything(result)


# --------------------------------------------------------------------------- hosting env, vmSettings, certs


def test_hosting_env_never_shows_account_key():
    data = b"""<HostingEnvironmentConfig version="1.0.0.0" goalStateIncarnation="3">
  <Deployment name="dep1" guid="{11111111-2222-3333-4444-555555555555}" incarnation="0" />
  <Incarnation number="3" instance="_vm1" guid="{aaaa}" />
  <Role guid="{73d95f1c-6472-e58e-7a1a-523554e11d46}" name="_vm1" />
  <ApplicationSettings><Setting name="Diag.ConnectionString" value="DefaultEndpointsProtocol=https;AccountName=a;AccountKey=SuperSecretKey==" /></ApplicationSettings>
</HostingEnvironmentConfig>"""
    result = parse("HostingEnvironmentConfig", data, "var/lib/waagent/HostingEnvironmentConfig.xml")
    row = rows(result)[0]
    assert row["role_guid"] == "{73d95f1c-6472-e58e-7a1a-523554e11d46}" and row["incarnation"] == "3"
    assert row["app_settings"] == "Diag.ConnectionString"
    assert "SuperSecretKey" not in everything(result)


def test_vm_settings_extension_goal_states():
    doc = {
        "hostGAPluginVersion": "1.0.8.143", "extensionGoalStatesSource": "Fabric", "inSvdSeqNo": 4,
        "statusUploadBlob": {"statusBlobType": "BlockBlob", "value": f"https://a.blob.core.windows.net/s?sig={SIG}"},
        "extensionGoalStates": [{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9225.0",
                                 "state": "enabled", "settingsSeqNo": 12, "isMultiConfig": False,
                                 "settings": [{"protectedSettings": "MIIBsecretBLOB", "publicSettings": json.dumps(
                                     {"commandToExecute": "snapshot", "taskId": "t-1", "commandStartTimeUTCTicks": "638526716520000000",
                                      "objectStr": "c2VjcmV0"})}]}],
    }
    result = parse("VmSettings", json.dumps(doc, indent=2).encode(), "var/lib/waagent/VmSettings.3c9e.json")
    summary, extension = rows(result)
    assert summary["host_ga_plugin_version"] == "1.0.8.143" and summary["source"] == "Fabric"
    assert "file_incarnation" not in summary
    assert extension["seq_no"] == "12" and extension["task_id"] == "t-1" and extension["state"] == "enabled"
    text = everything(result)
    assert SIG not in text and "MIIBsecretBLOB" not in text and "c2VjcmV0" not in text


PEM = b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    "path, kind, thumbprint",
    [
        ("var/lib/waagent/1AF52E2E892C3A0DBC589F301F80073CBA924E26.prv", "prv", "1AF52E2E892C3A0DBC589F301F80073CBA924E26"),
        ("var/lib/waagent/TransportPrivate.pem", "transport_private", None),
        ("var/lib/waagent/Certificates.pem", "certificates_pem", None),
    ],
)
def test_secret_files_presence_only(path, kind, thumbprint):
    result = parse("certificate or secret file", PEM, path)
    (row,) = rows(result)
    assert row["file_kind"] == kind and row.get("thumbprint") == thumbprint
    assert "MIIEvQ" not in everything(result) and "PRIVATE KEY-----" not in everything(result)
    assert best(path, PEM)[0].name == "certificate or secret file"
    assert result.unparsed == 0


def test_pem_claimed_by_content_anywhere():
    parser, claim = best("home/user/notes.txt", PEM)
    assert parser.name == "certificate or secret file" and claim == BY_CONTENT


def test_certificates_json():
    data = b'[{"thumbprint": "AB12", "hasPrivateKey": true}]'
    result = parse("Certificates.json", data, "var/lib/waagent/history/2024-05-30T13-15-40__2/Certificates.json")
    assert rows(result)[0]["thumbprint"] == "AB12" and rows(result)[0]["has_private_key"] == "1"


# ----------------------------------------------------------------------------------- waagent_status.json


def test_agent_status_handlers_and_vmsnapshot_inner_report():
    path = "var/lib/waagent/history/2024-05-30T13-16-02__12/waagent_status.json"
    result = parse("waagent_status.json", (DATA / "waagent_status.json").read_bytes(), path)
    agent, vms, script, goal = rows(result)
    assert agent["agent_version"] == "2.10.0.8" and agent["status"] == "Ready" and agent["handler_count"] == "2"
    assert vms["name"] == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux" and vms["status"] == "Ready"
    assert vms["settings_status"] == "success" and vms["settings_code"] == "76" and vms["seq_no"] == "12"
    assert vms["ext_error_code"] == "FailedRetryableSnapshotFailedNoNetwork"
    assert vms["host_status_code_pre_snapshot"] == "555" and vms["vm_health"] == "red"
    assert result.events.level[1] == "error"
    assert script["code"] == "1009" and "code_name" not in script  # named after parsing, from knowledge.toml
    assert enriched(result, path)[2]["code_name"] == "PluginEnableProcessingFailed"
    assert result.events.level[2] == "error"
    assert goal["kind"] == "agent_status_goal_state" and goal["status"] == "Success"
    assert "PLANTEDsigVALUE123" not in everything(result)
    assert best(path, (DATA / "waagent_status.json").read_bytes())[0].name == "waagent_status.json"
    assert best("var/lib/waagent/waagent_status.12.json", b"{}")[0].name == "waagent_status.json"


# ------------------------------------------------------------------------------- extension directory


def test_vmsnapshot_status_file_inner_report():
    data = (DATA / "vmsnapshot_failed_76.status").read_bytes()
    result = parse("extension status file", data, VMS + "/status/12.status")
    (row,) = rows(result)
    assert row["kind"] == "ext_status" and row["seq_no"] == "12" and row["handler_version"] == "1.0.9225.0"
    assert row["status"] == "success" and row["code"] == "76"
    assert enriched(result, VMS + "/status/12.status")[0]["code_name"] == "FailedRetryableSnapshotFailedNoNetwork"
    assert row["inner_status"] == "error" and row["ext_error_code"] == "FailedRetryableSnapshotFailedNoNetwork"
    assert row["snapshot_count"] == "2" and row["snapshot_failed_count"] == "2"
    assert "Connection timed out" in row["snapshot_first_error"]
    assert row["vm_health_state"] == "256" and row["vm_health_status_code"] == "76"
    assert row["status_blob_upload_error"] == "true" and row["snapshot_creator"] == "guestExtension"
    assert row["message_format"] == "json" and row["snapshot_consistency"] == "none"
    assert row["freeze_time"] == "0:00:00.198211" and row["extension_version"] == "1.0.9225.0"
    assert row["command_start_time"] == "2024-05-30T13:14:12Z"
    assert result.events.level[0] == "error"
    assert "PLANTEDsigVALUE123" not in everything(result)


def test_status_plain_text_message_and_file_name_variants():
    status = [{"version": 1.0, "timestampUTC": "2021-03-09T10:11:12Z", "status": {
        "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "success", "code": "4",
        "formattedMessage": {"lang": "en-US", "message": " statusBlobUploadError=false, snapshotCreator=backupHostService, hostStatusCodeDoSnapshot=556, "},
        "substatus": []}}]
    data = json.dumps(status).encode()
    result = parse("extension status file", data, VMS + "/status/5_status")
    row = rows(result)[0]
    assert row["renamed"] == "1" and row["seq_no"] == "5"
    assert enriched(result, VMS + "/status/5_status")[0]["code_name"] == "ExtensionTempTerminalState"
    assert row["host_status_code_do_snapshot"] == "556" and row["message_format"] == "text"
    temp = parse("extension status file", data, VMS + "/status/tempStatusFile.status")
    assert rows(temp)[0]["temp_file"] == "1"
    multi = parse("extension status file", data, "var/lib/waagent/Microsoft.CPlat.Core.RunCommandHandlerLinux-1.3.2/status/cmd1.3.status")
    assert rows(multi)[0]["ext_name"] == "cmd1" and rows(multi)[0]["seq_no"] == "3"
    for path in (VMS + "/status/5_status", VMS + "/status/tempStatusFile.status", VMS + "/status/12.status"):
        assert best(path, data)[0].name == "extension status file"


def test_generic_status_substatus_events():
    status = [{"version": 1.0, "timestampUTC": "2024-01-02T03:04:05Z", "status": {
        "name": "CustomScript", "operation": "Enable", "status": "error", "code": 1,
        "formattedMessage": {"lang": "en-US", "message": "Enable failed"},
        "substatus": [{"name": "StdErr", "status": "error", "code": 0, "formattedMessage": {"lang": "en-US", "message": "boom"}}]}}]
    result = parse("extension status file", json.dumps(status, indent=1).encode(),
                   "var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/0.status")
    main, sub = rows(result)
    assert main["status"] == "error" and result.events.level[0] == "error"
    assert sub["kind"] == "ext_substatus" and sub["name"] == "StdErr" and sub["message"] == "boom"


def test_settings_never_show_protected_or_sas():
    result = parse("extension settings", (DATA / "vmsnapshot_12.settings").read_bytes(), VMS + "/config/12.settings")
    (row,) = rows(result)
    assert row["seq_no"] == "12" and row["command"] == "snapshot" and row["locale"] == "en-us"
    assert row["command_start_time"] == "2024-05-30T13:14:12Z"
    assert row["cert_thumbprint"] == "8C2F4E1B0A9D7C6E5F4A3B2C1D0E9F8A7B6C5D4E"
    text = everything(result)
    for secret in ("PLANTEDprotectedBLOB", "PLANTEDlogSIG456", "PLANTEDstatusSIG789", "eyJzbmFwc2hvdFRhc2tUb2tlbiI6"):
        assert secret not in text
    renamed = parse("extension settings", (DATA / "vmsnapshot_12.settings").read_bytes(), VMS + "/config/11_settings")
    assert rows(renamed)[0]["renamed"] == "1"


@pytest.mark.parametrize(
    "text, state, level",
    [(b"Enabled\n", "Enabled", "info"), (b"Failed", "Failed", "error"), (b"FailedUpgrade\n", "FailedUpgrade", "error"), (b"", "", "info")],
)
def test_handler_state(text, state, level):
    result = parse("HandlerState", text, VMS + "/config/HandlerState")
    assert rows(result)[0]["state"] == state and result.events.level[0] == level
    assert result.unparsed == 0


def test_multi_config_handler_state_and_garbage_lines():
    result = parse("HandlerState", b"enabled\nnoise\n", "var/lib/waagent/X.Y-1.0/config/first.HandlerState")
    assert rows(result)[0]["ext_name"] == "first" and result.unparsed_lines == [2]


def test_handler_status():
    path = "var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/config/HandlerStatus"
    result = parse("HandlerStatus", (DATA / "HandlerStatus").read_bytes(), path)
    row = rows(result)[0]
    assert row["status"] == "NotReady" and row["code"] == "1009"
    assert enriched(result, path)[0]["code_name"] == "PluginEnableProcessingFailed"
    assert "not found" in row["message"] and result.events.level[0] == "error"
    assert best(path, (DATA / "HandlerStatus").read_bytes())[0].name == "HandlerStatus"


def test_small_handler_files():
    manifest = parse("HandlerManifest.json", b'[{"name": "VMSnapshotLinux", "version": "1.0", "handlerManifest": '
                     b'{"enableCommand": "main/handle.sh enable", "reportHeartbeat": false}}]', VMS + "/HandlerManifest.json")
    assert rows(manifest)[0]["report_heartbeat"] == "0" and rows(manifest)[0]["enable_command"] == "main/handle.sh enable"
    env = parse("HandlerEnvironment.json", b'[{"name": "X", "version": 1.0, "handlerEnvironment": {"logFolder": "/var/log/azure/X", '
                b'"eventsFolder": "/var/lib/waagent/X-1.0/events"}}]', "var/lib/waagent/X-1.0/HandlerEnvironment.json")
    assert rows(env)[0]["log_folder"] == "/var/log/azure/X" and rows(env)[0]["events_folder"].endswith("/events")
    mrseq = parse("mrseq", b"12\n", VMS + "/mrseq")
    assert rows(mrseq)[0]["seq_no"] == "12"
    heartbeat = parse("heartbeat.log", b'[{"version": 1.0, "heartbeat": {"status": "ready", "code": 0, '
                      b'"formattedMessage": {"lang": "en-US", "message": "Extension is running"}}}]', "var/lib/waagent/X-1.0/heartbeat.log")
    assert rows(heartbeat)[0]["status"] == "ready" and rows(heartbeat)[0]["message"] == "Extension is running"


def test_agent_error_json_blacklist():
    data = b'{"last_failure": 1717074958.5, "failure_count": 3, "was_fatal": false, "reason": "Agent restarted more than 3 times"}'
    result = parse("agent error.json", data, "var/lib/waagent/WALinuxAgent-2.10.0.8/error.json")
    row = rows(result)[0]
    assert row["agent"] == "WALinuxAgent-2.10.0.8" and row["blacklisted"] == "1" and row["failure_count"] == "3"
    assert row["last_failure"] == "2024-05-30T13:15:58.500000Z" and result.events.level[0] == "error"


def test_markers():
    disabled = parse("agent marker file", b"", "var/lib/waagent/disable_agent")
    assert rows(disabled)[0]["kind"] == "disable_agent" and disabled.events.level[0] == "warning"
    endpoint = parse("agent marker file", b"10.0.0.9\n", "var/lib/waagent/WireServerEndpoint")
    assert rows(endpoint)[0]["endpoint"] == "10.0.0.9" and rows(endpoint)[0]["is_wireserver"] == "0"
    incarnation = parse("agent marker file", b"42", "var/lib/waagent/Incarnation")
    assert rows(incarnation)[0]["incarnation"] == "42"
    assert best("var/lib/waagent/disable_agent", b"")[0].name == "agent marker file"


OVF = b"""<?xml version="1.0" encoding="utf-8"?>
<ns0:Environment xmlns:ns0="http://schemas.dmtf.org/ovf/environment/1" xmlns:ns1="http://schemas.microsoft.com/windowsazure">
<ns1:ProvisioningSection><ns1:LinuxProvisioningConfigurationSet>
<ns1:HostName>vm-web-01</ns1:HostName><ns1:UserName>azureuser</ns1:UserName>
<ns1:UserPassword>Hunter2Planted!</ns1:UserPassword><ns1:CustomData>IyEvYmluL2Jhc2gKZWNobyBzZWNyZXQ=</ns1:CustomData>
</ns1:LinuxProvisioningConfigurationSet></ns1:ProvisioningSection>
<ns1:PlatformSettingsSection><ns1:PlatformSettings><ns1:ProvisionGuestAgent>false</ns1:ProvisionGuestAgent></ns1:PlatformSettings></ns1:PlatformSettingsSection>
</ns0:Environment>
"""


def test_ovf_env_namespaced_and_secrets():
    result = parse("ovf-env.xml", OVF, "var/lib/waagent/ovf-env.xml")
    row = rows(result)[0]
    assert row["hostname"] == "vm-web-01" and row["provision_guest_agent"] == "false"
    assert row["has_user_password"] == "1" and row["has_custom_data"] == "1"
    assert result.events.level[0] == "warning"
    text = everything(result)
    assert "Hunter2Planted" not in text and "IyEvYmluL2Jhc2gKZWNobyBzZWNyZXQ=" not in text
    salvaged = parse("ovf-env.xml", OVF[:-20], "var/lib/waagent/ovf-env.xml")
    assert salvaged.problems and rows(salvaged)[0]["provision_guest_agent"] == "false"
    assert "Hunter2Planted" not in everything(salvaged)


def test_logcollector_results():
    result = parse("log collector results", (DATA / "results.txt").read_bytes(), "var/lib/waagent/logcollector/results.txt")
    assert len(result.events) == 4 and result.unparsed == 0
    assert result.events.level[2] == "warning" and "while computing" in result.events.message[2]


# ------------------------------------------------------------------------------------------- leases


def test_networkd_and_wicked_leases():
    networkd = parse("DHCP lease", (DATA / "networkd_lease").read_bytes(), "run/systemd/netif/leases/2")
    row = rows(networkd)[0]
    assert row["lease_format"] == "networkd" and row["endpoint"] == "168.63.129.16" and row["ifindex"] == "2"
    wicked = parse("DHCP lease", (DATA / "wicked_lease.xml").read_bytes(), "var/lib/wicked/lease-eth0-dhcp-ipv4.xml")
    row = rows(wicked)[0]
    assert row["lease_format"] == "wicked" and row["interface"] == "eth0" and row["fixed_address"] == "10.2.0.5"
    assert row["endpoint"] == "168.63.129.16" and not wicked.problems


def test_dhclient_lease_without_245_and_quoted_245():
    data = b"""default-duid "\\000\\001\\000\\001";
lease {
  interface "eth0";
  fixed-address 10.0.0.4;
  option unknown-245 "\\250?\\201\\020";
  expire epoch 1717074958; # Thu May 30 13:15:58 2024
}

lease {
  interface "eth1";
  fixed-address 10.0.1.4;
  expire 4 2024/05/30 13:15:58;
}
"""
    result = parse("DHCP lease", data, "var/lib/dhclient/dhclient--eth0.lease")
    statement, first, second = rows(result)
    assert statement["kind"] == "dhcp_statement"
    assert first["endpoint"] == "168.63.129.16" and first["expire"] == "2024-05-30T13:15:58Z"
    assert second["option_245"] == "0" and second["expire"] == "2024-05-30T13:15:58Z"
    assert result.events.level[2] == "warning" and result.unparsed == 0


def test_unterminated_lease_block():
    result = parse("DHCP lease", b'lease {\n  interface "eth0";\n  fixed-address 10.0.0.4;\n', "var/lib/dhcp/dhclient.eth0.leases")
    assert [p.kind for p in result.problems] == ["truncated"] and result.unparsed == 3
    assert rows(result)[0]["fixed_address"] == "10.0.0.4"


OCTET = st.integers(0, 255)


@given(st.lists(st.tuples(st.sampled_from(["eth0", "eth1", "enP1s1"]), st.tuples(OCTET, OCTET, OCTET, OCTET),
                          st.one_of(st.none(), st.tuples(OCTET, OCTET, OCTET, OCTET))), max_size=5))
def test_generated_dhclient_leases_round_trip(leases):
    blocks = []
    for interface, address, endpoint in leases:
        body = [f'  interface "{interface}";', f"  fixed-address {'.'.join(map(str, address))};"]
        if endpoint is not None:
            body.append("  option unknown-245 " + ":".join(f"{b:02x}" for b in endpoint) + ";")
        blocks.append("lease {\n" + "\n".join(body) + "\n}\n")
    result = parse("DHCP lease", "\n".join(blocks).encode(), "var/lib/dhcp/dhclient.leases")
    got = [(r["interface"], r["fixed_address"], r.get("endpoint")) for r in rows(result) if r["kind"] == "dhcp_lease"]
    want = [(i, ".".join(map(str, a)), ".".join(map(str, e)) if e else None) for i, a, e in leases]
    assert got == want and result.unparsed == 0 and not result.problems


# --------------------------------------------------------------------------------------- properties

PATHS = {
    "GoalState": "var/lib/waagent/GoalState.1.xml",
    "ExtensionsConfig": "var/lib/waagent/ExtensionsConfig.1.xml",
    "HostingEnvironmentConfig": "var/lib/waagent/HostingEnvironmentConfig.xml",
    "SharedConfig": "var/lib/waagent/SharedConfig.xml",
    "VmSettings": "var/lib/waagent/VmSettings.json",
    "certificate or secret file": "var/lib/waagent/Certificates.p7m",
    "Certificates.json": "var/lib/waagent/history/x/Certificates.json",
    "waagent_status.json": "var/lib/waagent/waagent_status.json",
    "extension status file": VMS + "/status/0.status",
    "extension settings": VMS + "/config/0.settings",
    "HandlerState": VMS + "/config/HandlerState",
    "HandlerStatus": VMS + "/config/HandlerStatus",
    "HandlerManifest.json": VMS + "/HandlerManifest.json",
    "HandlerEnvironment.json": VMS + "/HandlerEnvironment.json",
    "heartbeat.log": VMS + "/heartbeat.log",
    "mrseq": VMS + "/mrseq",
    "agent error.json": "var/lib/waagent/WALinuxAgent-2.9.1.1/error.json",
    "agent marker file": "var/lib/waagent/Protocol",
    "ovf-env.xml": "var/lib/waagent/ovf-env.xml",
    "extension or agent manifest": "var/lib/waagent/Prod.1.agentsManifest",
    "log collector results": "var/lib/waagent/logcollector/results.txt",
    "DHCP lease": "var/lib/dhcp/dhclient.eth0.leases",
}


def test_every_parser_has_a_path_and_claims_it():
    assert set(PATHS) == set(BY)
    for name, path in PATHS.items():
        assert BY[name].claim(path, b"") >= BY_NAME, name


@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(data):
    for name, path in PATHS.items():
        result = BY[name].parse(data, ParseContext(file=path, path=path))
        assert result.lines == result.events.spans + result.unparsed, name
        assert not [p for p in result.problems if p.kind == "parser-error"], (name, result.problems)


JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(
        st.sampled_from(["status", "code", "name", "substatus", "formattedMessage", "message", "runtimeSettings",
                         "handlerSettings", "publicSettings", "aggregateStatus", "handlerAggregateStatus", "heartbeat",
                         "telemetryData", "snapshotInfo", "Key", "Value", "extensionGoalStates", "settings"]),
        children, max_size=5)),
    max_leaves=20,
)


@given(JSONISH)
def test_arbitrary_json_shapes_never_raise(document):
    data = json.dumps(document).encode()
    for name, path in PATHS.items():
        result = BY[name].parse(data, ParseContext(file=path, path=path))
        assert result.lines == result.events.spans + result.unparsed
        assert not [p for p in result.problems if p.kind == "parser-error"], (name, result.problems)


SECRET = st.text(alphabet=string.ascii_letters + string.digits, min_size=10, max_size=30).map(lambda s: "Qz" + s)


@given(SECRET)
def test_planted_secrets_never_appear(secret):
    settings = {"runtimeSettings": [{"handlerSettings": {"protectedSettings": secret, "publicSettings": {
        "logsBlobUri": f"https://a.blob.core.windows.net/c/b?sv=1&sig={secret}", "objectStr": secret,
        "commandToExecute": "snapshot", "taskId": "t"}}}]}
    result = parse("extension settings", json.dumps(settings).encode(), VMS + "/config/3.settings")
    assert secret not in everything(result)
    status = [{"status": {"status": "error", "code": "2", "formattedMessage": {"message": f"PUT https://x.blob.core.windows.net/a?sp=w&sig={secret} failed"}}}]
    result = parse("extension status file", json.dumps(status).encode(), VMS + "/status/3.status")
    assert secret not in everything(result)
    ovf = OVF.replace(b"Hunter2Planted!", secret.encode())
    assert secret not in everything(parse("ovf-env.xml", ovf, "var/lib/waagent/ovf-env.xml"))
    result = parse("certificate or secret file", secret.encode(), "var/lib/waagent/Certificates.xml")
    assert secret not in everything(result)
