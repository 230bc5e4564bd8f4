"""Windows guest agent logs, extension logs and extension state files."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import assume, given, strategies as st

from loganalyzer.events import to_frame
from loganalyzer.sources import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext
from loganalyzer.sources.windows import AGENT_PARSERS

DATA = Path(__file__).parent / "data" / "windows"
VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshot"


def parser(name: str):
    return next(p for p in AGENT_PARSERS if p.name == name)


def run(name: str, data: bytes, path: str):
    result = parser(name).parse(data, ParseContext(file=path, path=path))
    assert result.lines == result.events.spans + result.unparsed, "line accounting"
    assert not [p for p in result.problems if p.kind == "parser-error"]
    frame = to_frame(result.events.to_table(path, result.source))
    out = [{"line": r.line, "time": r.time, "level": r.level, "component": r.component,
            "message": r.message, "fields": dict(r.fields)} for r in frame.itertuples()]
    return result, out


def best_claim(path: str, data: bytes) -> tuple[int, str]:
    return max((p.claim(path, data[:8192]), p.name) for p in AGENT_PARSERS)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


# ---- WaAppAgent.log -------------------------------------------------------------------------


def test_waappagent_three_prefixes_and_continuations():
    data = (DATA / "WaAppAgent.log").read_bytes()
    result, rows = run("WaAppAgent.log", data, "WindowsAzure/Logs/WaAppAgent.log")
    assert len(rows) == 9 and result.unparsed == 0 and result.lines == 12
    first = rows[0]
    assert first["time"] == utc(2024, 5, 30, 13, 10, 2, 410000) and first["level"] == "info"
    assert first["message"] == "WindowsAzureGuestAgent starting. Version 2.7.41491.1102"
    assert first["fields"] == {"log": "waappagent", "level_word": "INFO", "prefix": "us-date", "tid": "00000006"}
    assert rows[2]["level"] == "warning" and rows[2]["message"].startswith("Did not discover fabric address")
    heart = rows[4]
    assert heart["fields"]["level_word"] == "HEART" and heart["level"] == "info"
    iso = rows[5]
    assert iso["fields"]["prefix"] == "iso" and iso["level"] == "error" and iso["line"] == 6
    assert iso["time"] == utc(2024, 5, 30, 13, 12, 44, 128000)
    assert iso["message"].count("\n") == 3 and "End of inner exception stack trace" in iso["message"]
    no_tid = rows[7]
    assert "tid" not in no_tid["fields"] and no_tid["fields"]["prefix"] == "us-date"
    assert "Status file" in no_tid["message"] and no_tid["time"] == utc(2024, 5, 30, 13, 13, 2, 10000)
    assert rows[8]["level"] == "verbose"


def test_waappagent_secret_is_masked():
    _, rows = run("WaAppAgent.log", (DATA / "WaAppAgent.log").read_bytes(), "WaAppAgent.log")
    assert all("AbCdEfGhSecret" not in r["message"] for r in rows)
    assert "<redacted>" in rows[-1]["message"]


@pytest.mark.parametrize("path", [
    "WindowsAzure/Logs/WaAppAgent.log",
    r"C:\WindowsAzure\Logs\WaAppAgent.log",
    "C/WindowsAzure/Logs/waappagent.log",
    "device_0/WINDOWSAZURE/LOGS/WaAppAgent.log",
    "WaAppAgent.log",
])
def test_waappagent_claimed_by_name_in_any_layout(path):
    assert best_claim(path, (DATA / "WaAppAgent.log").read_bytes()) == (BY_NAME_AND_CONTENT, "WaAppAgent.log")


def test_waappagent_renamed_is_claimed_by_content_and_orphans_unparsed():
    data = b"   at Foo.Bar()\n" + (DATA / "WaAppAgent.log").read_bytes()
    assert best_claim("ticket-attachment.txt", data) == (BY_CONTENT, "WaAppAgent.log")
    result, rows = run("WaAppAgent.log", data, "ticket-attachment.txt")
    assert result.unparsed == 1 and result.unparsed_lines == [1]


def test_transparent_installer_health_report_line():
    text = ("[00000001] [04/18/2024 09:30:12.44] [ERROR] System.Configuration.ConfigurationErrorsException: The type "
            "'Microsoft.VisualStudio.Diagnostics.ServiceModelSink.Behavior' registered for extension 'Microsoft.VisualStudio.Diagnostics.ServiceModelSink.Behavior' could not be loaded. "
            "(C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Config\\machine.config line 231)\n"
            '{"reportTime":"2024-04-18T09:30:20.1180000Z","services":[{"name":"RdAgent","status":"Stopped"}]}\n')
    _, rows = run("WaAppAgent.log", text.encode(), "WindowsAzure/Logs/TransparentInstaller.log")
    assert [r["fields"].get("kind") for r in rows] == [None, "health-report"]
    assert rows[0]["fields"]["log"] == "transparentinstaller" and rows[0]["level"] == "error"
    assert rows[1]["time"] == utc(2024, 4, 18, 9, 30, 20, 118000)
    assert rows[1]["component"] == "TransparentInstaller"


# ---- extension logs ---------------------------------------------------------------------------

BCDR = """2024-06-02 17:59:56.081 Info: IaaSBcdrExtension 1.0.92.0 started. Process id 5132. Sequence number 7.
2024-06-02 18:00:07.702 Error: CoCreateInstance of IVssBackupComponents failed, hr = 0x80080005 (Server execution failed)
2024-06-02T22:01:10.066Z [WARN] VSS snapshot failed
   Writer: SqlServerWriter
"""


def test_iaasbcdr_log_as_generic_text_with_handler_from_path():
    path = rf"C:\WindowsAzure\Logs\Plugins\{VMSNAPSHOT}\1.0.92.0\IaaSBcdrExtension.log"
    assert best_claim(path, BCDR.encode()) == (BY_NAME_AND_CONTENT, "windows-extension-log")
    result, rows = run("windows-extension-log", BCDR.encode(), path)
    assert len(rows) == 3 and result.unparsed == 0
    assert rows[0]["fields"] == {"handler": VMSNAPSHOT, "handler_version": "1.0.92.0", "log": "iaasbcdrextension",
                                 "prefix": "generic", "level_word": "INFO", "time_basis": "local"}
    assert rows[0]["time"] == utc(2024, 6, 2, 17, 59, 56, 81000) and rows[0]["component"] == VMSNAPSHOT
    assert rows[1]["level"] == "error" and rows[1]["message"].startswith("CoCreateInstance of IVssBackupComponents")
    assert rows[2]["time"] == utc(2024, 6, 2, 22, 1, 10, 66000) and "time_basis" not in rows[2]["fields"]
    assert rows[2]["level"] == "warning" and rows[2]["message"].endswith("Writer: SqlServerWriter")


def test_command_execution_log_prefix_with_plus_tid():
    text = (r"[2156+00000001] [05/30/2024 11:15:46.01] [ERROR] Command C:\Packages\Plugins\X\enable.cmd of X has exited with Exit code: -1073741819" + "\n")
    path = "WindowsAzure/Logs/Plugins/Microsoft.Compute.BGInfo/2.2.5/CommandExecution.log"
    assert best_claim(path, text.encode()) == (BY_NAME_AND_CONTENT, "windows-extension-log")
    _, rows = run("windows-extension-log", text.encode(), path)
    assert rows[0]["fields"]["tid"] == "2156+00000001" and rows[0]["fields"]["log"] == "commandexecution"
    assert rows[0]["fields"]["handler"] == "Microsoft.Compute.BGInfo" and rows[0]["time"] == utc(2024, 5, 30, 11, 15, 46, 10000)


def test_untimed_extension_log_lines_are_still_events():
    _, rows = run("windows-extension-log", b"Snapshot failed\nsecond line\n",
                  "WindowsAzure/Logs/Plugins/X.Y/1.0/Heartbeat.log")
    assert [r["message"] for r in rows] == ["Snapshot failed", "second line"]
    assert rows[0]["time"] is None or str(rows[0]["time"]) == "<NA>"


# ---- status, settings, manifest, seqnumber ------------------------------------------------------

STATUS = [{"version": "1.0", "timestampUTC": "2024-05-30T11:46:12Z", "status": {
    "name": VMSNAPSHOT, "operation": "Enable", "status": "error", "code": "1",
    "formattedMessage": {"lang": "en-US", "message": "IaaSBcdrExtension.exe exited with code -1073741819"},
    "substatus": [{"name": "VMSnapshotStatus", "status": "error", "code": "0",
                   "formattedMessage": {"lang": "en-US", "message": '{"snapshotInfo":[{"snapshotUri":"https://md-x.blob.core.windows.net/a/b?sv=1&sig=SeCrEtSiGnAtUrE&se=2"}],"errorMessage":"writer failed"}'}}]}}]


def test_status_file_and_substatus():
    path = rf"C:\Packages\Plugins\{VMSNAPSHOT}\1.0.92.0\Status\12.status"
    data = json.dumps(STATUS, indent=2).encode()
    assert best_claim(path, data) == (BY_NAME_AND_CONTENT, "windows-extension-status")
    result, rows = run("windows-extension-status", data, path)
    assert len(rows) == 2 and result.unparsed == 0
    main, sub = rows
    assert main["fields"] == {"handler": VMSNAPSHOT, "handler_version": "1.0.92.0", "seq": "12", "kind": "status",
                              "status": "error", "code": "1", "operation": "Enable", "name": VMSNAPSHOT}
    assert main["level"] == "error" and main["time"] == utc(2024, 5, 30, 11, 46, 12)
    assert main["message"] == "IaaSBcdrExtension.exe exited with code -1073741819"
    assert sub["fields"]["kind"] == "substatus" and sub["fields"]["substatus_name"] == "VMSnapshotStatus"
    assert "SeCrEtSiGnAtUrE" not in sub["message"] and "writer failed" in sub["message"]


def test_heartbeat_json():
    data = b'[{"version": 1.0, "heartbeat": {"status": "ready", "code": 0, "formattedMessage": {"lang": "en-US", "message": "Extension is running"}}}]'
    path = "Packages/Plugins/Microsoft.Compute.BGInfo/2.2.5/Status/HeartBeat.Json"
    assert best_claim(path, data)[1] == "windows-extension-status"
    _, rows = run("windows-extension-status", data, path)
    assert rows[0]["fields"]["kind"] == "heartbeat" and rows[0]["fields"]["status"] == "ready"


def test_broken_status_is_malformed():
    result, rows = run("windows-extension-status", b'[{"status": {"status": "err', "Packages/Plugins/A.B/1.0/Status/3.status")
    assert rows == [] and [p.kind for p in result.problems] == ["malformed"] and result.unparsed == 1


def test_runtime_settings_public_only():
    settings = {"runtimeSettings": [{"handlerSettings": {
        "protectedSettingsCertThumbprint": "8F3C2B1A0E9D8C7B6A5F4E3D2C1B0A9F8E7D6C5B",
        "protectedSettings": "MIIB8AYJKoZIhvcNAQcDoIIB4TCCAd0CAQAxPROTECTEDBLOB",
        "publicSettings": {"locale": "en-us", "taskId": "2f1d7c4e", "commandToExecute": "snapshot",
                           "objectStr": "A" * 500, "nested": {"blobSASUri": "https://x/y?sig=abc"}}}}]}
    path = f"Packages/Plugins/{VMSNAPSHOT}/1.0.92.0/RuntimeSettings/12.settings"
    data = json.dumps(settings).encode()
    assert best_claim(path, data) == (BY_NAME_AND_CONTENT, "windows-runtime-settings")
    _, rows = run("windows-runtime-settings", data, path)
    fields = rows[0]["fields"]
    assert fields["public.commandToExecute"] == "snapshot" and fields["public.taskId"] == "2f1d7c4e"
    assert fields["public.objectStr"] == "<500 characters>" and fields["public.nested.blobSASUri"] == "<redacted>"
    assert fields["has_protected_settings"] == "true" and fields["seq"] == "12"
    everything = rows[0]["message"] + json.dumps(fields)
    assert "PROTECTEDBLOB" not in everything and "sig=abc" not in everything


def test_handler_manifest_and_seq_number():
    manifest = b'[{"version": 1.0, "handlerManifest": {"installCommand": "install.cmd", "enableCommand": "enable.cmd", "reportHeartbeat": false}}]'
    path = f"Packages/Plugins/{VMSNAPSHOT}/1.0.92.0/HandlerManifest.json"
    assert best_claim(path, manifest)[1] == "windows-handler-manifest"
    _, rows = run("windows-handler-manifest", manifest, path)
    assert rows[0]["fields"]["manifest.enableCommand"] == "enable.cmd"
    assert rows[0]["fields"]["manifest.reportHeartbeat"] == "false"
    path = f"Packages/Plugins/{VMSNAPSHOT}/1.0.92.0/SeqNumber.txt"
    assert best_claim(path, b"12\r\n")[1] == "windows-seqnumber"
    _, rows = run("windows-seqnumber", b"12\r\n", path)
    assert rows[0]["fields"]["seq_number"] == "12" and rows[0]["fields"]["handler"] == VMSNAPSHOT
    result, rows = run("windows-seqnumber", b"twelve", path)
    assert rows == [] and result.problems[0].kind == "malformed"


def test_aggregate_status_walk():
    document = {"aggregateStatus": {
        "guestAgentStatus": {"version": "2.7.41491.1102", "status": "Ready",
                             "formattedMessage": {"lang": "en-US", "message": "GuestAgent is running"}},
        "handlerAggregateStatus": [{"handlerName": VMSNAPSHOT, "handlerVersion": "1.0.92.0", "status": "Ready", "code": 0,
                                    "sequenceNumber": "12", "runtimeSettingsStatus": {"settingsStatus": STATUS[0], "sequenceNumber": 12}}]},
        "timestampUTC": "2024-05-30T11:46:20Z"}
    path = "WindowsAzure/Logs/AggregateStatus/aggregatestatus_20240530114620123.json"
    data = json.dumps(document).encode()
    assert best_claim(path, data)[1] == "windows-aggregatestatus"
    _, rows = run("windows-aggregatestatus", data, path)
    kinds = [(r["fields"]["kind"], r["fields"]["status"]) for r in rows]
    assert kinds == [("guest-agent-status", "Ready"), ("aggregate-status", "Ready"), ("aggregate-status", "error"),
                     ("substatus", "error")]
    assert rows[0]["fields"]["version"] == "2.7.41491.1102"
    handler = rows[2]
    assert handler["fields"]["handler"] == VMSNAPSHOT and handler["fields"]["seq"] == "12" and handler["level"] == "error"
    assert handler["time"] == utc(2024, 5, 30, 11, 46, 12)
    assert all("SeCrEtSiGnAtUrE" not in r["message"] for r in rows)


def test_extensions_config_summary_without_secrets():
    text = f"""<?xml version="1.0" encoding="utf-8"?>
<Extensions version="1.0.0.0" goalStateIncarnation="3">
  <Plugins><Plugin name="{VMSNAPSHOT}" version="1.0.92.0" state="enabled" autoUpgrade="false" /></Plugins>
  <PluginSettings><Plugin name="{VMSNAPSHOT}" version="1.0.92.0"><RuntimeSettings seqNo="7">{{"runtimeSettings":[{{"handlerSettings":{{"protectedSettings":"TOPSECRETBLOB","publicSettings":{{"taskId":"t1"}}}}}}]}}</RuntimeSettings></Plugin></PluginSettings>
  <StatusUploadBlob>https://md-x.blob.core.windows.net/$system/vm.status?sv=1&amp;sig=UPLOADSIG&amp;se=2</StatusUploadBlob>
</Extensions>
"""
    path = r"C:\WindowsAzure\config\ExtensionsConfig.3.xml"
    assert best_claim(path, text.encode()) == (BY_NAME_AND_CONTENT, "windows-agent-config")
    _, rows = run("windows-agent-config", text.encode(), path)
    plugin, settings = rows
    assert plugin["fields"] == {"kind": "plugin", "handler": VMSNAPSHOT, "handler_version": "1.0.92.0",
                                "state": "enabled", "auto_upgrade": "false"}
    assert settings["fields"]["seq"] == "7" and settings["fields"]["public.taskId"] == "t1"
    assert settings["fields"]["has_protected_settings"] == "true"
    dump = json.dumps(rows, default=str)
    assert "TOPSECRETBLOB" not in dump and "UPLOADSIG" not in dump


def test_goal_state_and_hostile_config():
    goal = b"<GoalState><Incarnation>41</Incarnation><Container><ContainerId>c-1</ContainerId><RoleInstanceList><RoleInstance><InstanceId>i-1</InstanceId><State>Started</State></RoleInstance></RoleInstanceList></Container></GoalState>"
    _, rows = run("windows-agent-config", goal, "WindowsAzure/config/GoalState.41.xml")
    assert rows[0]["fields"]["incarnation"] == "41" and rows[0]["fields"]["state"] == "Started"
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;">]><a>&y;</a>'
    result, rows = run("windows-agent-config", bomb, "WindowsAzure/config/x.xml")
    assert rows == [] and result.problems[0].kind == "malformed"


def test_linux_and_unrelated_paths_are_not_claimed():
    for path in ("var/log/waagent.log", "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9/status/0.status",
                 "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log", "etc/waagent.conf"):
        assert best_claim(path, b"2024-05-30T13:15:45.123456Z INFO ExtHandler hello\n")[0] == 0, path


# ---- properties ------------------------------------------------------------------------------

PATHS = {
    "WaAppAgent.log": "WindowsAzure/Logs/WaAppAgent.log",
    "windows-extension-log": f"WindowsAzure/Logs/Plugins/{VMSNAPSHOT}/1.0.92.0/IaaSBcdrExtension.log",
    "windows-extension-status": f"Packages/Plugins/{VMSNAPSHOT}/1.0.92.0/Status/1.status",
    "windows-runtime-settings": f"Packages/Plugins/{VMSNAPSHOT}/1.0.92.0/RuntimeSettings/1.settings",
    "windows-handler-manifest": f"Packages/Plugins/{VMSNAPSHOT}/1.0.92.0/HandlerManifest.json",
    "windows-seqnumber": f"Packages/Plugins/{VMSNAPSHOT}/1.0.92.0/SeqNumber.txt",
    "windows-aggregatestatus": "WindowsAzure/Logs/AggregateStatus/aggregatestatus.json",
    "windows-agent-config": "WindowsAzure/config/ExtensionsConfig.1.xml",
}


@pytest.mark.parametrize("name", sorted(PATHS))
@given(data=st.one_of(st.binary(max_size=400),
                      st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.sampled_from([b"[", b"{", b"<", b"[00000001] "]).flatmap(lambda p: st.binary(max_size=200).map(lambda b: p + b))))
def test_arbitrary_bytes_never_raise(name, data):
    run(name, data, PATHS[name])


line_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=80)


@given(st.lists(st.tuples(st.sampled_from(["INFO", "WARN", "ERROR", "HEART", "TRACE"]),
                          st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2035, 1, 1)).map(lambda d: d.replace(microsecond=d.microsecond // 10000 * 10000)),
                          st.integers(0, 2**32 - 1), line_text.map(str.strip)), min_size=1, max_size=10))
def test_waappagent_round_trip(entries):
    lines = [f"[{tid:08X}] [{t:%m/%d/%Y %H:%M:%S}.{t.microsecond // 10000:02d}] [{lvl}]  {msg}" for lvl, t, tid, msg in entries]
    _, rows = run("WaAppAgent.log", ("\n".join(lines) + "\n").encode(), "WindowsAzure/Logs/WaAppAgent.log")
    assert len(rows) == len(entries)
    for (lvl, t, tid, msg), row in zip(entries, rows):
        assert row["time"] == t.replace(tzinfo=timezone.utc)
        assert row["fields"]["level_word"] == lvl and row["fields"]["tid"] == f"{tid:08X}"
        assert row["message"] == msg.rstrip()


@given(secret=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=30))
def test_planted_secret_never_appears(secret):
    # with a digit it cannot be a piece of the paths or the log names (IaaSBcdrExtension, ...)
    assume(any(c.isdigit() for c in secret))
    sas = f"https://md-x.blob.core.windows.net/c/b.vhd?sv=2018-03-28&sr=b&sig={secret}&se=2024"
    log = f"[00000001] [05/30/2024 11:15:46.01] [INFO] Uploading to {sas}\n   retry {sas}\n"
    status = json.dumps([{"status": {"status": "error", "formattedMessage": {"message": f"upload to {sas} failed"},
                                     "substatus": [{"status": "error", "formattedMessage": {"message": sas}}]}}])
    settings = json.dumps({"runtimeSettings": [{"handlerSettings": {"protectedSettings": secret,
                                                                   "publicSettings": {"uri": sas}}}]})
    for name, data in (("WaAppAgent.log", log), ("windows-extension-log", log), ("windows-extension-status", status),
                       ("windows-runtime-settings", settings), ("windows-aggregatestatus", status)):
        _, rows = run(name, data.encode(), PATHS[name])
        assert rows
        assert secret not in json.dumps(rows, default=str)


def test_every_agent_parser_has_an_arbitrary_bytes_property():
    assert set(PATHS) == {parser.name for parser in AGENT_PARSERS}
