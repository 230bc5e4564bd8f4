"""Every real Linux fixture under ../shared/fixtures/linux, placed at its VM path and parsed.

Each fixture is given the path it would have on a VM (see ``../shared/fixtures/linux/MANIFEST.md``),
must be claimed most strongly by the parser meant for it, and must parse cleanly (or, for the
deliberately broken status files, become problems). Secrets present in the fixture bytes (SAS
signatures, protectedSettings, passwords, custom data, account keys, key material) must never
reach an event.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loganalyzer.sources import ParseContext, all_parsers

VMS = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9150.0"
HISTORY = "var/lib/waagent/history/2025-06-16T20-05-55__1"
W = "WALinuxAgent/tests/data"
A = "azure-linux-extensions"

#: fixture (relative to fixtures/linux) -> (VM path, intended parser name)
PLACEMENT = {
    "WALinuxAgent/config/waagent.conf": ("etc/waagent.conf", "waagent.conf"),
    f"{W}/test_waagent.conf": ("etc/waagent.conf", "waagent.conf"),
    f"{W}/dhcp.leases": ("var/lib/dhcp/dhclient.eth0.leases", "DHCP lease"),
    f"{W}/ext/sample-status.json": (f"{VMS}/status/0.status", "extension status file"),
    f"{W}/ext/sample-status-invalid-json-format.json": (f"{VMS}/status/1.status", "extension status file"),
    f"{W}/ext/sample-status-invalid-status-no-status-status-key.json": (f"{VMS}/status/2.status", "extension status file"),
    f"{W}/ext/sample-status-invalid-format-emptykey-line7.json": (f"{VMS}/status/3.status", "extension status file"),
    f"{W}/ext/handler_manifest/valid_manifest.json": (
        "var/lib/waagent/OSTCExtensions.ExampleHandlerLinux-1.0.0/HandlerManifest.json", "HandlerManifest.json"),
    f"{W}/wire/goal_state.xml": ("var/lib/waagent/GoalState.1.xml", "GoalState"),
    f"{W}/wire/goal_state_no_ext.xml": ("var/lib/waagent/GoalState.2.xml", "GoalState"),
    f"{W}/wire/goal_state_noop.xml": ("var/lib/waagent/GoalState.3.xml", "GoalState"),
    f"{W}/wire/ext_conf.xml": ("var/lib/waagent/ExtensionsConfig.3.xml", "ExtensionsConfig"),
    f"{W}/wire/ext_conf_redact.xml": ("var/lib/waagent/ExtensionsConfig.4.xml", "ExtensionsConfig"),
    f"{W}/wire/ext_conf_no_public.xml": ("var/lib/waagent/ExtensionsConfig.5.xml", "ExtensionsConfig"),
    f"{W}/wire/ext_conf_sequencing.xml": ("var/lib/waagent/ExtensionsConfig.6.xml", "ExtensionsConfig"),
    f"{W}/wire/ext_conf_no_extensions-page_blob.xml": ("var/lib/waagent/ExtensionsConfig.7.xml", "ExtensionsConfig"),
    f"{W}/wire/ext_conf_in_vm_artifacts_profile.xml": ("var/lib/waagent/ExtensionsConfig.8.xml", "ExtensionsConfig"),
    f"{W}/wire/hosting_env.xml": ("var/lib/waagent/HostingEnvironmentConfig.xml", "HostingEnvironmentConfig"),
    f"{W}/wire/shared_config.xml": ("var/lib/waagent/SharedConfig.xml", "SharedConfig"),
    f"{W}/wire/certs.xml": ("var/lib/waagent/Certificates.xml", "certificate or secret file"),
    f"{W}/wire/manifest.xml": (
        "var/lib/waagent/OSTCExtensions.ExampleHandlerLinux.1.manifest.xml", "extension or agent manifest"),
    f"{W}/wire/ga_manifest.xml": ("var/lib/waagent/Prod.1.agentsManifest", "extension or agent manifest"),
    f"{W}/ovf-env.xml": ("var/lib/waagent/ovf-env.xml", "ovf-env.xml"),
    f"{W}/hibernate/goal_state_1/Certificates.json": (f"{HISTORY}/Certificates.json", "Certificates.json"),
    f"{W}/hibernate/goal_state_1/ExtensionsConfig.xml": (f"{HISTORY}/ExtensionsConfig.xml", "ExtensionsConfig"),
    f"{W}/hibernate/goal_state_1/GoalState.xml": (f"{HISTORY}/GoalState.xml", "GoalState"),
    f"{W}/hibernate/goal_state_1/HostingEnvironmentConfig.xml": (
        f"{HISTORY}/HostingEnvironmentConfig.xml", "HostingEnvironmentConfig"),
    f"{W}/hibernate/goal_state_1/SharedConfig.xml": (f"{HISTORY}/SharedConfig.xml", "SharedConfig"),
    f"{W}/hibernate/goal_state_1/VmSettings.json": (f"{HISTORY}/VmSettings.json", "VmSettings"),
    f"{W}/hostgaplugin/vm_settings-redact.json": ("var/lib/waagent/VmSettings.1.json", "VmSettings"),
    f"{A}/VMBackup/HandlerManifest.json": (f"{VMS}/HandlerManifest.json", "HandlerManifest.json"),
    f"{A}/VMBackup/main/tempPlugin/vmbackup.conf": ("etc/azure/vmbackup.conf", "VMSnapshotLinux config"),
    f"{A}/VMBackup/main/VMSnapshotPluginHost.conf": ("etc/azure/VMSnapshotPluginHost.conf", "VMSnapshotLinux config"),
    f"{A}/VMBackup/main/tempPlugin/VMSnapshotScriptPluginConfig.json": (
        "etc/azure/VMSnapshotScriptPluginConfig.json", "VMSnapshotScriptPluginConfig.json"),
    f"{A}/VMBackup/main/workloadPatch/WorkloadUtils/workload.conf": ("etc/azure/workload.conf", "VMSnapshotLinux config"),
    f"{A}/DSC/test/status/0.status": (
        "var/lib/waagent/Microsoft.OSTCExtensions.DSCForLinux-2.0.0.0/status/0.status", "extension status file"),
    f"{A}/script/HandlerEnvironment.json": ("var/lib/waagent/VMAccess-1.0/HandlerEnvironment.json", "HandlerEnvironment.json"),
    f"{A}/script/0.settings": (
        "var/lib/waagent/Microsoft.OSTCExtensions.CustomScriptForLinux-1.5.5/config/0.settings", "extension settings"),
    f"{A}/script/ovf-env.xml": ("var/lib/waagent/ovf-env.xml", "ovf-env.xml"),
    f"{A}/Utils/test/ovf-env.xml": ("var/lib/waagent/ovf-env.xml", "ovf-env.xml"),
}

MALFORMED = {
    f"{W}/ext/sample-status-invalid-json-format.json",
    f"{W}/ext/sample-status-invalid-format-emptykey-line7.json",
    f"{W}/ext/sample-status-invalid-status-no-status-status-key.json",
}

#: shapes of secrets in the fixture bytes; every value found must stay out of the events
SECRET_SHAPES = [
    re.compile(r"[?&;]sig=([^&<\"\s;]+)"),
    re.compile(r"&amp;sig=([^&<\"\s;]+)"),
    re.compile(r"\"protectedSettings\"\s*:\s*\"([^\"]+)\""),
    re.compile(r"<(?:\w+:)?UserPassword>([^<]+)<"),
    re.compile(r"<(?:\w+:)?CustomData>([^<]+)<"),
    re.compile(r"AccountKey=([^;\"\s]+)"),
    re.compile(r"<Data>\s*(\S{40})"),
    re.compile(r"<Value>(ssh-rsa [^<]+)<"),
]


def _root(shared: Path) -> Path:
    root = shared / "fixtures" / "linux"
    if not root.is_dir():
        pytest.skip("no Linux fixtures")
    return root


def _winner(path: str, data: bytes):
    winner, top = None, 0
    for parser in all_parsers():
        claim = parser.claim(path, data[:8192])
        if claim > top:
            winner, top = parser, claim
    return winner


def _parse(shared: Path, fixture: str):
    data = (_root(shared) / fixture).read_bytes()
    path, name = PLACEMENT[fixture]
    parser = next(p for p in all_parsers() if p.name == name)
    result = parser.parse(data, ParseContext(file=f"fixtures/linux/{fixture}", path=path))
    assert result.lines == result.events.spans + result.unparsed
    return data, result


def _rows(result) -> list[dict[str, str]]:
    return [dict(fields) for fields in result.events.fields]


def _text(result) -> str:
    parts = list(result.events.message)
    for fields in result.events.fields:
        parts.extend(f"{k}={v}" for k, v in dict(fields).items())
    return "\n".join(parts)


def _of_kind(result, kind: str) -> list[dict[str, str]]:
    return [row for row in _rows(result) if row.get("kind") == kind]


def test_placement_covers_every_data_fixture(shared):
    root = _root(shared)
    present = {
        str(p.relative_to(root)) for p in root.rglob("*")
        if p.is_file() and p.name not in ("MANIFEST.md", "LICENSE.txt", "NOTICE")
    }
    assert present == set(PLACEMENT)


@pytest.mark.parametrize("fixture", sorted(PLACEMENT))
def test_highest_claim_is_the_intended_parser(shared, fixture):
    data = (_root(shared) / fixture).read_bytes()
    path, name = PLACEMENT[fixture]
    winner = _winner(path, data)
    assert winner is not None and winner.name == name


@pytest.mark.parametrize("fixture", sorted(PLACEMENT))
def test_fixture_parses_cleanly_or_becomes_a_problem(shared, fixture):
    _, result = _parse(shared, fixture)
    if fixture in MALFORMED:
        assert result.problems and all(p.kind == "malformed" for p in result.problems)
    else:
        assert result.problems == [] and result.unparsed == 0
        assert len(result.events) >= 1 and result.events.spans == result.lines


@pytest.mark.parametrize("fixture", sorted(PLACEMENT))
def test_no_secret_of_the_fixture_reaches_an_event(shared, fixture):
    data, result = _parse(shared, fixture)
    raw = data.decode("utf-8", "replace")
    secrets = {m.group(1).strip() for shape in SECRET_SHAPES for m in shape.finditer(raw)}
    secrets = {s for s in secrets if "REDACTED" not in s and len(s) >= 4}
    text = _text(result)
    for secret in secrets:
        assert secret not in text, secret


def test_secrets_were_found_where_expected(shared):
    root = _root(shared)
    for fixture, expected in {
        f"{W}/wire/ext_conf_redact.xml": "9ZzZZzZZZZ999zzz%2bzz99zzZzZZZ99999zz%2b9ZZZ%3d",
        f"{W}/hostgaplugin/vm_settings-redact.json": "MIIC4AYJKoZIhvcNAQcWMicrosoft.Azure.Extensions.CustomScript/IsZAEZFidXVFB",
        f"{A}/script/0.settings": "MIIByAYJKoZIhvcNAQcDoIIBuTCCAbUCAQAx",
        f"{A}/script/ovf-env.xml": "User@123",
        f"{W}/ovf-env.xml": "UserPassword",
        f"{W}/wire/hosting_env.xml": "DNZQ...",
    }.items():
        raw = (root / fixture).read_text("utf-8", "replace")
        found = {m.group(1) for shape in SECRET_SHAPES for m in shape.finditer(raw)}
        assert any(expected in value or value in expected for value in found), fixture
    # spelled out as well, for the redaction fixtures
    for fixture in (f"{W}/wire/ext_conf_redact.xml", f"{W}/hostgaplugin/vm_settings-redact.json"):
        text = _text(_parse(shared, fixture)[1])
        for secret in ("9ZzZZzZZZZ999zzz", "9ZzZZZ%2fZzz9zZzZZZZz9z9zZ99Zzz", "IsZAEZFidXVFB", "sk=system-1"):
            assert secret not in text
    text = _text(_parse(shared, f"{W}/ovf-env.xml")[1])
    assert "UserPassword" not in text and "CustomData" not in text and "AAAANOTAREALKEY" not in text
    assert "User@123" not in _text(_parse(shared, f"{A}/script/ovf-env.xml")[1])
    assert "MIIByAYJ" not in _text(_parse(shared, f"{A}/script/0.settings")[1])
    assert "MIIOgwYJ" not in _text(_parse(shared, f"{W}/wire/certs.xml")[1])


def test_vmsnapshot_status_fixture_values(shared):
    _, result = _parse(shared, f"{W}/ext/sample-status.json")
    (row,) = _of_kind(result, "ext_status")
    assert row["handler"] == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux" and row["handler_version"] == "1.0.9150.0"
    assert row["status"] == "success" and row["code"] == "1" and row["seq_no"] == "0"
    assert row["ext_error_code"] == "success" and row["inner_status"] == "success" and row["inner_code"] == "1"
    assert row["host_status_code_do_snapshot"] == "200" and row["status_blob_upload_error"] == "true"
    assert row["snapshot_creator"] == "backupHostService"
    assert row["snapshot_count"] == "6" and row["snapshot_failed_count"] == "0"
    assert row["vm_health_state"] == "0" and row["vm_health_status_code"] == "1"
    assert row["guest_agent_version"] == "2.2.32.2" and row["extension_version"] == "1.0.9150.0"
    assert row["freeze_time"] == "0:00:00.258313" and row["thaw_time"] == "0:00:00.143658"
    assert row["task_id"] == "767baff0-3f1e-4363-a974-5d801189250d"
    assert row["os_version"] == "Ubuntu-16.04" and row["message_format"] == "text"


def test_malformed_status_fixtures(shared):
    for fixture in MALFORMED:
        _, result = _parse(shared, fixture)
        assert _rows(result)[0]["status_valid"] == "0"
    _, broken = _parse(shared, f"{W}/ext/sample-status-invalid-json-format.json")
    assert broken.unparsed == broken.lines
    _, schema = _parse(shared, f"{W}/ext/sample-status-invalid-status-no-status-status-key.json")
    assert schema.unparsed == 0 and "status.status" in schema.problems[0].message


def test_waagent_conf_fixtures(shared):
    _, shipped = _parse(shared, "WALinuxAgent/config/waagent.conf")
    keys = {row["key"]: row["value"] for row in _of_kind(shipped, "waagent_conf_key")}
    assert keys["Extensions.Enabled"] == "y" and keys["Provisioning.Agent"] == "auto" and keys["OS.EnableFirewall"] == "y"
    assert "HttpProxy.Host" not in keys
    assert "HttpProxy.Host" in _of_kind(shipped, "waagent_conf")[0]["commented_keys"]
    _, test = _parse(shared, f"{W}/test_waagent.conf")
    keys = {row["key"]: row["value"] for row in _of_kind(test, "waagent_conf_key")}
    assert keys["FauxKey1"] == "Value1" and keys["FauxKey2"] == "Value2 Value2"
    assert keys["FauxKey3"] == "delalloc,rw,noatime,nobarrier,users,mode=777"
    assert keys["Provisioning.SshHostKeyPairType"] == "rsa" and keys["OS.EnableFIPS"] == "y"
    assert keys["OS.SshClientAliveInterval"] == "42" and keys[""] == "Value0"
    assert keys["Provisioning.DecodeCustomData"] == "n"


def test_dhcp_leases_fixture(shared):
    _, result = _parse(shared, f"{W}/dhcp.leases")
    leases = _of_kind(result, "dhcp_lease")
    assert [lease["endpoint"] for lease in leases] == ["168.63.129.16"] * 3
    assert [lease["expire"] for lease in leases] == ["never", "2015-06-16T16:58:54Z", "2152-07-23T23:27:10Z"]
    assert all(lease["interface"] == "eth0" and lease["fixed_address"] == "10.0.1.4" for lease in leases)


def test_goal_state_fixtures(shared):
    _, full = _parse(shared, f"{W}/wire/goal_state.xml")
    row = _rows(full)[0]
    assert row["incarnation"] == "1" and row["container_id"] == "c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2"
    assert row["role_instance_id"] == "b61f93d0-e1ed-40b2-b067-22c243233448.MachineRole_IN_0"
    assert row["has_extensions_config"] == "1" and row["expected_state"] == "Started"
    assert _rows(_parse(shared, f"{W}/wire/goal_state_no_ext.xml")[1])[0]["has_extensions_config"] == "0"
    assert _rows(_parse(shared, f"{W}/wire/goal_state_noop.xml")[1])[0]["has_extensions_config"] == "0"


def test_extensions_config_fixtures(shared):
    _, plain = _parse(shared, f"{W}/wire/ext_conf.xml")
    summary = _of_kind(plain, "ext_config")[0]
    assert summary["incarnation"] == "9" and summary["status_blob_type"] == "BlockBlob"
    (plugin,) = _of_kind(plain, "ext_config_plugin")
    assert (plugin["name"], plugin["version"], plugin["state"], plugin["seq_no"]) == (
        "OSTCExtensions.ExampleHandlerLinux", "1.0.0", "enabled", "0")
    assert plugin["public_keys"] == "foo" and plugin["has_protected_settings"] == "1"
    _, redact = _parse(shared, f"{W}/wire/ext_conf_redact.xml")
    summary = _of_kind(redact, "ext_config")[0]
    assert summary["location"] == "westus2" and summary["status_blob_type"] == "PageBlob"
    assert summary["plugin_count"] == "3" and summary["artifacts_profile_blob"] == "1" and summary["in_svd_seq_no"] == "71"
    assert _of_kind(redact, "ext_config_ga_family")[0]["requested_version"] == "2.12.0.2"
    _, sequencing = _parse(shared, f"{W}/wire/ext_conf_sequencing.xml")
    assert _of_kind(sequencing, "ext_config_plugin")[0]["depends_on"] == "OSTCExtensions.OtherExampleHandlerLinux"
    _, empty = _parse(shared, f"{W}/wire/ext_conf_no_extensions-page_blob.xml")
    assert _of_kind(empty, "ext_config")[0]["plugin_count"] == "0"
    assert _of_kind(empty, "ext_config")[0]["status_blob_type"] == "PageBlob"


def test_history_folder_fixtures(shared):
    for name in ("GoalState.xml", "ExtensionsConfig.xml", "VmSettings.json", "Certificates.json", "SharedConfig.xml"):
        _, result = _parse(shared, f"{W}/hibernate/goal_state_1/{name}")
        for row in _rows(result):
            assert row["history_time"] == "2025-06-16T20:05:55Z" and row["history_incarnation"] == "1"
    _, vm_settings = _parse(shared, f"{W}/hibernate/goal_state_1/VmSettings.json")
    summary = _of_kind(vm_settings, "vm_settings")[0]
    assert summary["host_ga_plugin_version"] == "1.0.8.175" and summary["source"] == "FastTrack"
    seq = {row["name"]: row["seq_no"] for row in _of_kind(vm_settings, "vm_settings_extension")}
    assert seq["Microsoft.Azure.Extensions.CustomScript"] == "5"
    _, certificates = _parse(shared, f"{W}/hibernate/goal_state_1/Certificates.json")
    assert [(r["thumbprint"], r["has_private_key"]) for r in _rows(certificates)] == [
        ("DC45A99039D4F9CFB0CD84D566BA065A763F3762", "0"), ("1AF52E2E892C3A0DBC589F301F80073CBA924E26", "1")]


def test_other_fixture_values(shared):
    assert _rows(_parse(shared, f"{W}/wire/hosting_env.xml")[1])[0]["role_guid"] == "{73d95f1c-6472-e58e-7a1a-523554e11d46}"
    assert _rows(_parse(shared, f"{W}/wire/shared_config.xml")[1])[0]["instance_address"] == "10.115.153.75"
    assert _rows(_parse(shared, f"{W}/wire/certs.xml")[1])[0]["file_kind"] == "certificates_xml"
    assert _rows(_parse(shared, f"{W}/wire/manifest.xml")[1])[0]["latest_version"] == "4.1.0.0"
    assert _rows(_parse(shared, f"{W}/wire/ga_manifest.xml")[1])[0]["manifest_kind"] == "agent"
    ovf = _rows(_parse(shared, f"{W}/ovf-env.xml")[1])[0]
    assert ovf["provision_guest_agent"] == "false" and ovf["has_user_password"] == "1" and ovf["has_custom_data"] == "1"
    namespaced = _rows(_parse(shared, f"{A}/Utils/test/ovf-env.xml")[1])[0]
    assert namespaced["provision_guest_agent"] == "true" and namespaced["hostname"] == "ubuntu18"
    assert namespaced["has_user_password"] == "0"
    manifest = _rows(_parse(shared, f"{A}/VMBackup/HandlerManifest.json")[1])[0]
    assert manifest["report_heartbeat"] == "0" and manifest["enable_command"] == "main/handle.sh enable"
    environment = _rows(_parse(shared, f"{A}/script/HandlerEnvironment.json")[1])[0]
    assert environment["seq_no"] == "1" and environment["log_folder"] == "/var/log/azure/VMAccess/1.0"
    settings = _rows(_parse(shared, f"{A}/script/0.settings")[1])[0]
    assert settings["cert_thumbprint"] == "TEST" and settings["has_protected_settings"] == "1"
    dsc = _parse(shared, f"{A}/DSC/test/status/0.status")[1]
    assert _of_kind(dsc, "ext_substatus")[0]["message"] == "formatted user message"


def test_vmsnapshot_config_fixtures(shared):
    def settings(fixture):
        return {(r.get("section"), r["key"]): r["value"] for r in _of_kind(_parse(shared, fixture)[1], "extension_conf_key")}

    assert settings(f"{A}/VMBackup/main/tempPlugin/vmbackup.conf") == {("SnapshotThread", "fsfreeze"): "True"}
    assert settings(f"{A}/VMBackup/main/VMSnapshotPluginHost.conf")[("pre_post", "timeoutInSeconds")] == "1800"
    assert settings(f"{A}/VMBackup/main/tempPlugin/VMSnapshotScriptPluginConfig.json")[(None, "timeoutInSeconds")] == "30"
    assert settings(f"{A}/VMBackup/main/workloadPatch/WorkloadUtils/workload.conf")[("workload", "workload_name")] == ""
