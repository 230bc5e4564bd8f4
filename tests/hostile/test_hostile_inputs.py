"""Hostile and broken bundles: every bad file becomes a named problem, the rest is still read,
nothing raises, nothing hangs, and no planted secret reaches any output.

Each case builds its bundle in a temporary folder; bounds are tested with small
:class:`loganalyzer.Limits` instead of large files.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import threading
import zipfile

import pytest
from hostile_kit import REPO, build

from loganalyzer import Limits, diagnose, read_bundle
from loganalyzer.cli import main as cli_main
from loganalyzer.redaction import MASK, redact, redact_json
from loganalyzer.textio import MAX_JSON_DEPTH, json_depth, load_json

SNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
GOOD_LOG = (
    "2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler Starting the goal state\n"
    "2024-05-30T13:15:46.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state\n"
)

#: where each XML-reading parser looks
XML_PATHS = (
    "var/lib/waagent/GoalState.1.xml",
    "var/lib/waagent/ExtensionsConfig.1.xml",
    "var/lib/waagent/ovf-env.xml",
    "var/lib/waagent/HostingEnvironmentConfig.xml",
    "var/lib/waagent/SharedConfig.xml",
    "WindowsAzure/config/Incarnation.xml",
    "EventLogs/Application.xml",
)
#: where each JSON-reading parser looks
JSON_PATHS = (
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/status/12.status",
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/config/12.settings",
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/HandlerEnvironment.json",
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/HandlerManifest.json",
    "var/lib/waagent/waagent_status.json",
    "var/lib/waagent/VmSettings.1.json",
    "var/lib/waagent/Certificates.json",
    f"var/log/azure/{SNAPSHOT}/events/1717074954080123456.json",
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.95.0/Status/10.status",
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.95.0/RuntimeSettings/10.settings",
    "WindowsAzure/Logs/AggregateStatus/aggregatestatus.json",
    "az/job-show.json",
    "az/vm-show.json",
    "az/activity-log.json",
    "EventLogs/System_last7days.json",
)
#: every other kind of file a parser knows by name
TEXT_PATHS = (
    "var/log/waagent.log",
    "var/log/messages",
    "etc/waagent.conf",
    "etc/azure/vmbackup.conf",
    "var/lib/waagent/WireServerEndpoint",
    "var/lib/dhcp/dhclient.eth0.leases",
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/config/HandlerState",
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/config/HandlerStatus",
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/mrseq",
    f"var/log/azure/{SNAPSHOT}/extension.log",
    f"var/log/azure/{SNAPSHOT}/shell.log",
    "var/log/azure/custom-script/handler.log",
    "var/log/azure/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent/CommandExecution.log",
    "WindowsAzure/Logs/WaAppAgent.log",
    "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.95.0/IaaSBcdrExtension.log",
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.95.0/SeqNumber.txt",
    "EventLogs/System.evtx",
    "EventLogs/System.csv",
)
ALL_PATHS = XML_PATHS + JSON_PATHS + TEXT_PATHS
#: exports a person saved under any name: known by their content only, so binary bytes under
#: such a name are listed as unrecognised in the coverage rather than read
KNOWN_BY_CONTENT_ONLY = {path for path in ALL_PATHS if path.startswith(("az/", "EventLogs/")) and not path.endswith(".evtx")}


def read_within(path, seconds: float = 20, **kwargs):
    """``read_bundle`` in a thread: a hang fails the test instead of stopping the run."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["contents"] = read_bundle(path, **kwargs)
        except BaseException as error:  # noqa: BLE001 - reported below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"read_bundle({path}) did not finish within {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["contents"]


def problems_of(contents, file: str) -> set[str]:
    frame = contents.problems
    return set(frame.loc[frame.file == file, "kind"])


def assert_no_parser_error(contents) -> None:
    errors = contents.problems[contents.problems.kind == "parser-error"]
    assert errors.empty, errors.to_string()


def assert_good_log_read(contents, file: str = "var/log/waagent.log.1") -> None:
    coverage = contents.coverage.set_index("file")
    assert coverage.loc[file, "events"] == 2 and coverage.loc[file, "unparsed"] == 0


# ---- XML: entity expansion, external entities, DTDs ----------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE GoalState [\n<!ENTITY a "lollollollollollollollollollol">\n'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
    + "]>\n<GoalState><Incarnation>&i;</Incarnation><Event><System><EventID>&i;</EventID></System></Event></GoalState>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE GoalState [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n'
    "<GoalState><Incarnation>&leak;</Incarnation><Events><Event><System><EventID>&leak;</EventID>"
    "</System></Event></Events><Extensions><Plugins><Plugin name=\"&leak;\"/></Plugins></Extensions></GoalState>\n"
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE GoalState SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
    "<GoalState><Incarnation>1</Incarnation></GoalState>\n"
)
PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % remote SYSTEM "file:///etc/hostname"> %remote;]>\n'
    "<Extensions><Plugins/><Event><System><EventID>1</EventID></System></Event></Extensions>\n"
)


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY],
                         ids=["billion-laughs", "external-entity", "parameter-entity"])
def test_hostile_xml_is_refused_by_every_xml_parser(tmp_path, document):
    files = {path: document for path in XML_PATHS}
    files["var/log/waagent.log.1"] = GOOD_LOG
    contents = read_within(build(tmp_path, files), seconds=10)
    assert_no_parser_error(contents)
    assert_good_log_read(contents)
    for path in XML_PATHS:
        assert problems_of(contents, path), f"{path}: a DTD or entity declaration must be a problem"
    table = contents.events.astype(str).to_csv()
    assert "root:" not in table and "lollollol" not in table and "/bin/" not in table


def test_an_external_dtd_reference_is_never_fetched(tmp_path):
    """A DOCTYPE naming an external DTD but declaring nothing is harmless: expat never fetches
    it (the address is a closed local port, so a fetch would fail loudly or hang)."""
    files = {path: EXTERNAL_DTD for path in XML_PATHS}
    files["var/log/waagent.log.1"] = GOOD_LOG
    contents = read_within(build(tmp_path, files), seconds=10)
    assert_no_parser_error(contents)
    assert_good_log_read(contents)


# ---- JSON nested too deeply -----------------------------------------------------------------


@pytest.mark.parametrize("depth", [150, 600, 990, 30_000])
def test_deeply_nested_json_is_a_problem_in_every_json_parser(tmp_path, depth):
    files = {path: '{"status":' * depth + '"x"' + "}" * depth for path in JSON_PATHS}
    # exports are known by content: give them the keys their parsers look for
    for path in JSON_PATHS:
        if path.startswith(("az/", "EventLogs/")):
            files[path] = '{"ProviderName":"x","Id":1,"properties":{"jobType":"x"},"status":' * depth + '"x"' + "}" * depth
    files["var/log/waagent.log.1"] = GOOD_LOG
    contents = read_within(build(tmp_path, files))
    assert_no_parser_error(contents)
    assert_good_log_read(contents)
    for path in JSON_PATHS:
        assert problems_of(contents, path) & {"malformed", "damaged"}, path


def test_deep_arrays_inside_an_otherwise_good_status_file(tmp_path):
    deep = "[" * 5000 + "]" * 5000
    status = f'[{{"version":"1.0","timestampUTC":"2024-05-30T13:16:00Z","status":{{"name":"{SNAPSHOT}",' \
             f'"operation":"Enable","status":"error","code":1,"formattedMessage":{{"message":"x"}},"substatus":{deep}}}}}]'
    path = JSON_PATHS[0]
    contents = read_within(build(tmp_path, {path: status, "var/log/waagent.log.1": GOOD_LOG}))
    assert_no_parser_error(contents)
    assert "malformed" in problems_of(contents, path)


def test_json_depth_and_load_json():
    assert json_depth('[1, {"a": "[[[[{{"}, [[2]]]') == 3
    assert json_depth('"\\"[["') == 0 and json_depth("") == 0 and json_depth("[" * 7) == 7
    assert load_json('{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(ValueError, match="nested"):
        load_json("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(ValueError):
        load_json("[" * 100_000, max_depth=10**9)  # the interpreter's own limit, as ValueError
    assert redact_json(json.loads("[" * 900 + "]" * 900)) is not None
    deep: object = {"password": "PLANTED"}
    for _ in range(5000):
        deep = {"a": deep}
    assert redact_json(deep) == MASK  # too deep to walk: masked whole, never raised


# ---- odd bytes under every known name -------------------------------------------------------

_RANDOM = random.Random(20240530)
ODD_CONTENT = {
    "nul-filled": b"\x00" * 20_000,
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(_RANDOM.randrange(256) for _ in range(6000)),
    "bom-then-binary": b"\xef\xbb\xbf" + bytes(_RANDOM.randrange(256) for _ in range(6000)),
    "utf16-bom-then-binary": b"\xff\xfe" + bytes(_RANDOM.randrange(256) for _ in range(6001)),
    "utf16-without-bom": ("2024-05-30T13:15:45.331589Z INFO ExtHandler åäö {\"a\": [1]} <x/>\n" * 40).encode("utf-16-le"),
    "invalid-utf8": b"2024-05-30T13:15:45.331589Z INFO ExtHandler \xff\xfe\xc3\x28 bad\n" * 40,
    "mixed-encodings": "2024-05-30T13:15:45.331589Z INFO ExtHandler Överföring\n".encode()
    + "2024-05-30T13:15:46.331589Z INFO ExtHandler Överföring\n".encode("latin-1")
    + "2024-05-30T13:15:47.331589Z INFO ExtHandler x\n".encode("utf-16"),
    # long whitespace runs: regexes like ^\s*\|?\s*X (multi-line) backtrack cubically on them
    "carriage-returns-only": b"\r" * 20_000,
    "spaces-only": b" " * 20_000,
    "blank-lines": b"\n" * 100_000,
    "logfmt-long-word": b"time=2024 " + b"T" * 200_000,  # key=value scans were quadratic in a word
    "pipes-and-spaces": b"| " * 10_000 + b"\n" + b" \n" * 20_000,
    "unclosed-quote-csv": b'"TimeCreated","Id","LevelDisplayName","ProviderName","Message"\n'
    b'"2024-05-30 13:15:45","7036","Error","Service Control Manager","never closed\n' + b"a,b,c\n" * 200,
}
BINARY = {"nul-filled", "png", "bom-then-binary", "utf16-bom-then-binary"}


@pytest.mark.parametrize("kind", sorted(ODD_CONTENT))
def test_odd_bytes_under_every_known_name(tmp_path, kind):
    data = ODD_CONTENT[kind]
    files = {path: data for path in ALL_PATHS}
    files["var/log/waagent.log.1"] = GOOD_LOG
    contents = read_within(build(tmp_path, files))
    assert_no_parser_error(contents)
    assert_good_log_read(contents)
    coverage = contents.coverage.set_index("file")
    for path in ALL_PATHS:
        if kind in BINARY and path not in KNOWN_BY_CONTENT_ONLY:
            assert coverage.loc[path, "source"] != "unrecognised", path
            assert problems_of(contents, path), f"{path}: {kind} content must be a named problem"


def test_truncated_evtx_is_named_at_any_cut(tmp_path, shared):
    evtx = (shared / "fixtures/windows/williballenthin_python-evtx/tests/data/system.evtx").read_bytes()
    cuts = [0x80, 4096, 4097, 4096 + 65536, 4096 + 65536 + 100] + random.Random(7).sample(range(4096, len(evtx) // 3), 3)
    for cut in cuts:
        bundle = build(tmp_path / str(cut), {"EventLogs/System.evtx": evtx[:cut], "var/log/waagent.log.1": GOOD_LOG})
        contents = read_within(bundle)
        assert_no_parser_error(contents)
        assert_good_log_read(contents)
        assert "truncated" in problems_of(contents, "EventLogs/System.evtx"), cut
    whole = read_within(build(tmp_path / "whole", {"System.evtx": evtx}))
    assert problems_of(whole, "System.evtx") == set()


def test_one_long_line_without_newline_is_bounded(tmp_path):
    long_line = b"2024-05-30T13:15:45.331589Z INFO ExtHandler " + b"A" * (3 * 1024 * 1024)
    bundle = build(tmp_path, {"var/log/waagent.log": long_line, "var/log/waagent.log.1": GOOD_LOG,
                              "etc/waagent.conf": long_line})
    contents = read_within(bundle, limits=Limits(max_member_bytes=1024 * 1024))
    assert_no_parser_error(contents)
    assert_good_log_read(contents)
    assert "oversized" in problems_of(contents, "var/log/waagent.log")
    assert "oversized" in problems_of(contents, "etc/waagent.conf")


# ---- archives --------------------------------------------------------------------------------


def test_zip_inside_gzip_inside_tar(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("var/log/waagent.log", GOOD_LOG)
    packed = gzip.compress(inner.getvalue())
    bundle = tmp_path / "bundle.tar"
    with tarfile.open(bundle, "w") as archive:
        info = tarfile.TarInfo("logs.zip.gz")
        info.size = len(packed)
        archive.addfile(info, io.BytesIO(packed))
    contents = read_within(bundle)
    assert_good_log_read(contents, "bundle.tar/logs.zip/var/log/waagent.log")


def test_zip_with_thousands_of_tiny_members(tmp_path):
    bundle = tmp_path / "many.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("var/log/waagent.log.1", GOOD_LOG)
        for number in range(3000):
            archive.writestr(f"var/log/azure/X/f{number}.bin", b"\x00")
    contents = read_within(bundle)
    assert_good_log_read(contents, "many.zip/var/log/waagent.log.1")
    bounded = read_within(bundle, limits=Limits(max_members=50))
    assert "oversized" in set(bounded.problems.kind) and len(bounded.coverage) == 50


def test_archive_nested_beyond_the_depth_bound(tmp_path):
    data = GOOD_LOG.encode()
    for level in range(6):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"level{level}.zip" if level else "var/log/waagent.log", data)
        data = buffer.getvalue()
    (tmp_path / "deep.zip").write_bytes(data)
    contents = read_within(tmp_path / "deep.zip", limits=Limits(max_depth=3))
    assert "oversized" in set(contents.problems.kind)


# ---- the file system of a folder bundle --------------------------------------------------------


def test_fifo_device_links_and_a_folder_named_like_a_log_never_hang(tmp_path):
    bundle = build(tmp_path / "b", {"var/log/waagent.log.1": GOOD_LOG, "etc/waagent.conf": "Extensions.Enabled=n\n"})
    (bundle / "var/log/waagent.log").mkdir()
    (bundle / "var/log/waagent.log/inner.txt").write_text("x\n")
    os.mkfifo(bundle / "var/lib_fifo")
    (bundle / "var/lib/waagent").mkdir(parents=True)
    os.mkfifo(bundle / "var/lib/waagent/ExtensionsConfig.1.xml")
    os.symlink("/dev/zero", bundle / "var/lib/waagent/GoalState.1.xml")
    os.symlink("../../lib_fifo", bundle / "var/lib/waagent/ovf-env.xml")
    os.symlink("/etc/passwd", bundle / "var/lib/waagent/HostingEnvironmentConfig.xml")
    contents = read_within(bundle, seconds=10)
    assert_good_log_read(contents)
    assert "unreadable" in problems_of(contents, "var/lib/waagent/ExtensionsConfig.1.xml")
    assert "unreadable" in problems_of(contents, "var/lib/waagent/ovf-env.xml")
    assert "unreadable" in problems_of(contents, "var/lib_fifo")
    assert "link-outside" in problems_of(contents, "var/lib/waagent/GoalState.1.xml")
    assert "link-outside" in problems_of(contents, "var/lib/waagent/HostingEnvironmentConfig.xml")
    assert "root:" not in contents.events.astype(str).to_csv()


def test_a_fifo_given_as_the_bundle_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "bundle")
    contents = read_within(tmp_path / "bundle", seconds=10)
    assert contents.events.empty


def test_the_bundle_path_of_a_device_is_read_within_bounds():
    contents = read_within("/dev/zero", seconds=10, limits=Limits(max_member_bytes=4096))
    assert "oversized" in set(contents.problems.kind)


def test_an_unreadable_file_is_a_problem_and_the_rest_is_read(tmp_path, monkeypatch):
    bundle = build(tmp_path, {"var/log/waagent.log.1": GOOD_LOG, "var/log/waagent.log": GOOD_LOG})
    if os.geteuid() != 0:
        (bundle / "var/log/waagent.log").chmod(0)
    else:  # root reads anything: an open that is refused stands in for permissions 000
        real_open = os.open

        def refusing_open(path, flags, *args, **kwargs):
            if str(path).endswith("var/log/waagent.log"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    contents = read_within(bundle)
    assert_good_log_read(contents)
    assert "unreadable" in problems_of(contents, "var/log/waagent.log")


# ---- secrets planted in every place a real bundle keeps them ----------------------------------

_TOKEN_B64 = base64.b64encode(b'{"snapshotTaskToken": "PLANTEDb64TOKEN"}').decode()
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEPLANTEDpemBODY1\nPLANTEDpemBODY2==\n-----END RSA PRIVATE KEY-----\n"
LINUX_SECRETS = {
    "var/log/waagent.log": (
        "2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler Starting the goal state\n"
        f"2024-05-30T13:15:46.000000Z INFO ExtHandler [{SNAPSHOT}-1.0.9215.0] Command: main/handle.sh enable\n"
        "[stdout]\nDownloading https://acct.blob.core.windows.net/c/a.sh?sv=2019-02-02&sr=b&sig=PLANTEDsigSTDOUT%3D&se=2024\n"
        "protectedSettings: PLANTEDpsINLOG\n[stderr]\nPassword=PLANTEDpwINLOG\n"
        "2024-05-30T13:15:47.000000Z ERROR ExtHandler ExtHandler Event: name=x, op=Enable, "
        "message=https://x.blob.core.windows.net/y?sv=1&sig=PLANTEDsigEVENT, duration=0\n"
        "2024-05-30T13:15:48.000000Z INFO ExtHandler ExtHandler snapshotTaskToken : PLANTEDtokWAAGENT\n"
    ),
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/HandlerEnvironment.json": json.dumps(
        [{"name": SNAPSHOT, "version": 1.0, "handlerEnvironment": {"logFolder": f"/var/log/azure/{SNAPSHOT}",
          "configFolder": "/c", "statusFolder": "/s", "heartbeatFile": "/h"}, "protectedSettings": "PLANTEDpsHENV"}]),
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/config/12.settings": json.dumps(
        {"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "AB", "protectedSettings": "PLANTEDpsSETTINGS",
         "publicSettings": {"commandToExecute": "snapshot", "taskId": "t", "objectStr": _TOKEN_B64,
                            "logsBlobUri": "https://a.blob.core.windows.net/l/v.log?sv=2018&sr=b&sig=PLANTEDsigLOGSBLOB%3D",
                            "statusBlobUri": "https://a.blob.core.windows.net/l/v.status?sig=PLANTEDsigSTATUSBLOB",
                            "password": "PLANTEDpwPUBLIC", "storageAccountKey": "PLANTEDkeyPUBLIC"}}}]}),
    f"var/lib/waagent/{SNAPSHOT}-1.0.9215.0/status/12.status": json.dumps(
        [{"version": "1.0", "timestampUTC": "2024-05-30T13:16:00Z", "status": {"name": SNAPSHOT, "operation": "Enable",
          "status": "error", "code": 1, "formattedMessage": {"lang": "en-US", "message":
          "upload to https://a.blob.core.windows.net/c/b?sv=1&sig=PLANTEDsigSTATUSMSG failed, AccountKey=PLANTEDakSTATUS"},
          "substatus": [{"name": "x", "status": "error", "code": "1", "formattedMessage": {"message": "snapshotTaskToken : PLANTEDtokSUB"}}]}}]),
    "var/lib/waagent/VmSettings.1.json": json.dumps(
        {"hostGAPluginVersion": "1.0.8.1", "extensionGoalStatesSource": "FastTrack", "inSvdSeqNo": 1,
         "statusUploadBlob": {"statusBlobType": "PageBlob", "value": "https://a.blob.core.windows.net/$system/v.status?sv=1&sig=PLANTEDsigVMSET"},
         "extensionGoalStates": [{"name": SNAPSHOT, "version": "1.0.9215.0", "state": "enabled", "settingsSeqNo": 12,
                                  "settings": [{"protectedSettingsCertThumbprint": "AB", "protectedSettings": "PLANTEDpsVMSET",
                                                "publicSettings": "{\"password\": \"PLANTEDpwVMSETPUB\"}"}]}]}),
    "var/lib/waagent/ExtensionsConfig.1.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<Extensions version="1.0.0.0" goalStateIncarnation="1">\n'
        "<StatusUploadBlob statusBlobType=\"BlockBlob\">https://a.blob.core.windows.net/$system/v.status?sv=1&amp;sr=b&amp;sig=PLANTEDsigEXTCONF&amp;se=2</StatusUploadBlob>\n"
        f'<Plugins>\n<Plugin name="{SNAPSHOT}" version="1.0.9215.0" location="https://x/manifest.xml?sig=PLANTEDsigLOCATION" state="enabled" autoUpgrade="true" />\n</Plugins>\n'
        f'<PluginSettings>\n<Plugin name="{SNAPSHOT}" version="1.0.9215.0">\n<RuntimeSettings seqNo="12">'
        '{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":"AB","protectedSettings":"PLANTEDpsEXTCONF",'
        '"publicSettings":{"logsBlobUri":"https://a/b?sig=PLANTEDsigEXTPUB"}}}]}</RuntimeSettings>\n</Plugin>\n</PluginSettings>\n</Extensions>\n'
    ),
    "var/lib/waagent/ovf-env.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" '
        'xmlns:wa="http://schemas.microsoft.com/windowsazure">\n<wa:ProvisioningSection><wa:Version>1.0</wa:Version>\n'
        '<LinuxProvisioningConfigurationSet xmlns="http://schemas.microsoft.com/windowsazure">\n'
        "<ConfigurationSetType>LinuxProvisioningConfiguration</ConfigurationSetType>\n<HostName>vm1</HostName><UserName>azureuser</UserName>\n"
        "<UserPassword>PLANTEDpwOVF</UserPassword>\n<CustomData>PLANTEDcustomOVF</CustomData>\n"
        "<DisableSshPasswordAuthentication>false</DisableSshPasswordAuthentication>\n"
        "</LinuxProvisioningConfigurationSet></wa:ProvisioningSection>\n</Environment>\n"
    ),
    "var/lib/waagent/HostingEnvironmentConfig.xml": (
        '<HostingEnvironmentConfig version="1.0.0.0" goalStateIncarnation="1">\n<Deployment name="d1" guid="{x}" incarnation="2"/>\n'
        '<Incarnation number="1" instance="MachineRole_IN_0" guid="{a}" />\n<ApplicationSettings><Setting name="Diagnostics" '
        'value="DefaultEndpointsProtocol=https;AccountName=x;AccountKey=PLANTEDakHOSTENV" /></ApplicationSettings>\n</HostingEnvironmentConfig>\n'
    ),
    "var/lib/waagent/GoalState.1.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<GoalState><Version>2015-04-05</Version><Incarnation>1</Incarnation><Machine>'
        "<ExpectedState>Started</ExpectedState></Machine><Container><ContainerId>c</ContainerId><RoleInstanceList><RoleInstance>"
        "<InstanceId>i</InstanceId><State>Started</State><Configuration><HostingEnvironmentConfig>http://168.63.129.16/x?sig=PLANTEDsigGOAL"
        "</HostingEnvironmentConfig></Configuration></RoleInstance></RoleInstanceList></Container></GoalState>\n"
    ),
    "var/lib/waagent/Certificates.json": json.dumps({"certificates": [{"name": "x", "thumbprint": "AB"}], "privateKey": "PLANTEDpkCERTJSON"}),
    "var/lib/waagent/AB.prv": PEM,
    "var/lib/waagent/AB.crt": PEM.replace("RSA PRIVATE KEY", "CERTIFICATE"),
    "var/lib/waagent/Certificates.p7m": "MIME-Version:1.0\nContent-Type: application/x-pkcs7-mime\n\nMIIPLANTEDp7mBLOB==\n",
    "var/lib/waagent/waagent_status.json": json.dumps(
        {"time": "2024-05-30T13:16:00Z", "aggregateStatus": {"guestAgentStatus": {"version": "2.9.1.1", "status": "Ready",
         "formattedMessage": {"message": "ok sig=PLANTEDsigAGG"}}, "handlerAggregateStatus": [{"handlerName": SNAPSHOT,
         "status": "NotReady", "runtimeSettingsStatus": {"settingsStatus": {"status": {"status": "error",
         "formattedMessage": {"message": "AccountKey=PLANTEDakAGG"}}}}}]}}),
    f"var/log/azure/{SNAPSHOT}/extension.log": (
        f"2024-05-30 13:15:45.412117 [{SNAPSHOT}-1.0]starting enable\n"
        f"2024-05-30 13:15:46.110000 [{SNAPSHOT}-1.0]snapshotTaskToken : PLANTEDtokEXTLOG\n"
        f"2024-05-30 13:15:46.120000 [{SNAPSHOT}-1.0]blobUri https://a.blob.core.windows.net/c/d?sv=1&sig=PLANTEDsigEXTLOG&se=1\n"
        f'2024-05-30 13:15:46.130000 [{SNAPSHOT}-1.0]settings: {{"protectedSettings": "PLANTEDpsEXTLOG", "password": "PLANTEDpwEXTLOG"}}\n'
        f'2024-05-30 13:15:46.140000 [{SNAPSHOT}-1.0]public: {{"objectStr": "{_TOKEN_B64}"}}\n'
    ),
    "var/log/azure/custom-script/handler.log": (
        'time=2024-05-30T13:15:46Z version=v2.1.6 operation=enable seq=0 event="download failed" '
        'error="Get https://s.blob.core.windows.net/s/a.sh?sv=2019&sig=PLANTEDsigHANDLER: timeout"\n'
    ),
    "etc/waagent.conf": "HttpProxy.Host=proxy\nHttpProxy.Port=3128\nHttpProxy.Password=PLANTEDpwCONF\n",
    "var/log/messages": "May 30 13:15:45 vm1 WALinuxAgent[123]: 2024/05/30 13:15:45.3 INFO ExtHandler sig=PLANTEDsigSYSLOG AccountKey=PLANTEDakSYSLOG\n",
}
WINDOWS_SECRETS = {
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.95.0/Status/10.status": json.dumps(
        [{"version": "1.0", "timestampUTC": "2024-11-20T22:02:31Z", "status": {"name": "Microsoft.Azure.RecoveryServices.VMSnapshot",
          "operation": "Enable", "status": "error", "code": 1, "formattedMessage": {"lang": "en-US",
          "message": "failed https://x.blob.core.windows.net/a?sv=1&sig=PLANTEDsigWINSTATUS"}, "substatus": [{"name": "VMSnapshotStatus",
          "status": "error", "code": "1", "formattedMessage": {"message": "{\"blobSASUri\":\"https://y/z?sig=PLANTEDsigWINSUB\"}"}}]}}]),
    "Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.95.0/RuntimeSettings/10.settings": json.dumps(
        {"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "AB", "protectedSettings": "PLANTEDpsWINSET",
         "publicSettings": {"logsBlobUri": "https://a/b?sv=1&sig=PLANTEDsigWINSETPUB", "objectStr": _TOKEN_B64}}}]}),
    "WindowsAzure/Logs/WaAppAgent.log": (
        "[00000006] [05/30/2024 13:10:02.41] [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.1102\n"
        "[00000006] [05/30/2024 13:10:03.41] [ERROR] upload https://x.blob.core.windows.net/$system/a.status?sv=1&sig=PLANTEDsigWAAPP failed\n"
        "[00000006] [05/30/2024 13:10:04.41] [INFO]  protectedSettings: PLANTEDpsWAAPP\n"
    ),
    "WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.95.0/IaaSBcdrExtension.log": (
        "[2024-05-30 13:10:02.41] [INFO] snapshotTaskToken : PLANTEDtokWINPLUGIN\n"
        "[2024-05-30 13:10:03.41] [INFO] blob https://q/r?sig=PLANTEDsigWINPLUGIN\n"
    ),
    "WindowsAzure/Logs/AggregateStatus/aggregatestatus.json": json.dumps(
        {"aggregateStatus": {"guestAgentStatus": {"status": "Ready", "formattedMessage": {"message": "sig=PLANTEDsigWINAGG"}},
         "handlerAggregateStatus": [{"handlerName": "X", "status": "Ready", "runtimeSettingsStatus": {"settingsStatus": {"status":
         {"status": "error", "formattedMessage": {"message": "AccountKey=PLANTEDakWINAGG"}}}}}]}}),
    "WindowsAzure/config/Extensions.xml": (
        '<Extensions version="1.0.0.0"><StatusUploadBlob>https://a/b?sv=1&amp;sig=PLANTEDsigWINCONF</StatusUploadBlob><Plugins>'
        '<Plugin name="X" version="1" location="https://x?sig=PLANTEDsigWINLOC" state="enabled"/></Plugins><PluginSettings>'
        '<Plugin name="X" version="1"><RuntimeSettings seqNo="1">{"runtimeSettings":[{"handlerSettings":{"protectedSettings":'
        '"PLANTEDpsWINCONF","publicSettings":{"sasUri":"PLANTEDsasWINCONF","objectStr":"' + _TOKEN_B64 + '"}}}]}'
        "</RuntimeSettings></Plugin></PluginSettings></Extensions>"
    ),
    "az/job-show.json": json.dumps(
        {"id": "/subscriptions/1/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v/backupJobs/j", "name": "j",
         "properties": {"jobType": "AzureIaaSVMJob", "operation": "Backup", "status": "Failed", "entityFriendlyName": "vm1",
                        "startTime": "2025-01-22T08:15:12Z", "errorDetails": [{"errorCode": "UserErrorX",
                        "errorString": "see https://a.blob.core.windows.net/x?sv=1&sig=PLANTEDsigAZJOB",
                        "recommendations": ["AccountKey=PLANTEDakAZJOB"]}],
                        "extendedInfo": {"propertyBag": {"sasToken": "PLANTEDsasAZJOB", "blobSASUri": "PLANTEDbsAZJOB"}}}}),
    "az/activity.csv": (
        "Operation name,Status,Time,Time stamp,Subscription,Event initiated by,Resource type,Resource group,Resource\n"
        '"Microsoft.Compute/virtualMachines/write","Failed","x","2024-05-30T13:15:45Z","s","https://a/b?sig=PLANTEDsigCSV","t","g","r"\n'
    ),
    "EventLogs/System.csv": (
        "TimeCreated,Id,LevelDisplayName,ProviderName,Message\n"
        '"2024-05-30 13:15:45",7036,Error,Service Control Manager,"blob https://a/b?sv=1&sig=PLANTEDsigEVCSV Password=PLANTEDpwEVCSV"\n'
    ),
}


def leaked(text: str) -> list[str]:
    found = sorted(set(re.findall(r"PLANTED\w*", text)))
    if _TOKEN_B64 in text:
        found.append("objectStr (base64 of a snapshot task token)")
    return found


@pytest.mark.parametrize("files", [LINUX_SECRETS, WINDOWS_SECRETS], ids=["linux", "windows"])
def test_no_planted_secret_reaches_any_output(tmp_path, files, capsys):
    bundle = build(tmp_path / "bundle", files)
    contents = read_bundle(bundle)
    assert_no_parser_error(contents)
    claimed = contents.coverage[contents.coverage.source != "unrecognised"]
    assert len(claimed) >= len(files) - 1  # the secrets were really read, not skipped
    result = diagnose(bundle)
    outputs = {
        "events": contents.events.astype(str).to_csv(),
        "problems": contents.problems.to_csv(),
        "json": result.to_json(),
        "text": result.to_text(),
        "markdown": result.to_markdown(),
        "html": result.to_html(),
        "evidence": result.evidence.astype(str).to_csv(),
        "diagnosis events": result.events.astype(str).to_csv(),
    }
    for fmt in ("csv", "jsonl"):
        assert cli_main(["events", str(bundle), "--format", fmt]) == 0
        outputs[f"cli events {fmt}"] = "".join(capsys.readouterr())
    assert cli_main(["diagnose", str(bundle), "--format", "json", "--all"]) == 0
    outputs["cli diagnose"] = "".join(capsys.readouterr())
    leaks = {name: leaked(text) for name, text in outputs.items() if leaked(text)}
    assert not leaks


def test_redaction_of_quoted_secret_keys_in_free_text():
    text = 'settings: {"protectedSettings": "PLANTEDa", "password": "PLANTEDb", "token": "PLANTEDc", "tokens": 1}'
    assert leaked(redact(text)) == [] and '"tokens": 1' in redact(text)
    escaped = r'{"message": "{\"storageAccountKey\":\"PLANTEDd\/x+y==\",\"n\":1}"}'
    assert leaked(redact(escaped)) == [] and r'\"n\":1' in redact(escaped)
    assert redact(f'"objectStr": "{_TOKEN_B64}"') == f'"objectStr": "{MASK}"'
    assert redact(redact(text)) == redact(text)


# ---- the command line -------------------------------------------------------------------------


def test_cli_on_a_hostile_bundle_has_no_traceback(tmp_path):
    files = {path: ODD_CONTENT["png"] for path in TEXT_PATHS}
    files.update({path: BILLION_LAUGHS for path in XML_PATHS})
    files.update({path: "[" * 50_000 for path in JSON_PATHS})
    files["var/log/waagent.log.1"] = GOOD_LOG
    bundle = build(tmp_path / "bundle", files)
    os.mkfifo(bundle / "var/log/fifo")
    os.symlink("/dev/zero", bundle / "var/log/zero")
    runs = [
        [sys.executable, "-m", "loganalyzer", "diagnose", str(bundle), "--format", "json"],
        [sys.executable, "-m", "loganalyzer", "events", str(bundle), "--format", "csv"],
        [sys.executable, "-m", "loganalyzer", "diagnose", str(tmp_path / "missing")],
    ]
    codes = []
    for command in runs:
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=60)
        assert "Traceback" not in done.stderr, done.stderr
        codes.append(done.returncode)
    assert codes == [0, 0, 2]
