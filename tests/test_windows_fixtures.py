"""The Windows sample bundles: every file is claimed, read whole, and carries its signal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loganalyzer.events import to_frame
from loganalyzer.sources import BY_NAME_AND_CONTENT, ParseContext
from loganalyzer.sources.windows import PARSERS as WINDOWS_PARSERS

BUNDLES = ("windows-av-crash", "windows-vss-complus")


def read_bundle(root: Path) -> dict[str, list[dict]]:
    """Each file through its best Windows parser: {relative path: rows}; asserts it reads clean."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        data = path.read_bytes()
        level, parser = max(((p.claim(relative, data[:8192]), i) for i, p in enumerate(WINDOWS_PARSERS)))
        assert level == BY_NAME_AND_CONTENT, f"{relative} not claimed by name and content"
        result = WINDOWS_PARSERS[parser].parse(data, ParseContext(file=relative, path=relative))
        assert result.problems == [], relative
        assert result.unparsed == 0 and result.lines == result.events.spans, relative
        frame = to_frame(result.events.to_table(relative, result.source))
        out[relative] = [{"time": r.time, "level": r.level, "component": r.component, "message": r.message,
                          "fields": dict(r.fields), "source": r.source} for r in frame.itertuples()]
    return out


def find(rows: list[dict], **wanted) -> list[dict]:
    return [r for r in rows if all(r["fields"].get(k) == v for k, v in wanted.items())]


@pytest.fixture(scope="module", params=BUNDLES)
def bundle(request, samples):
    root = samples / request.param
    assert root.is_dir(), f"{root} missing: the sample is part of the repo"
    return request.param, read_bundle(root)


def test_bundle_reads_clean_and_has_no_secrets(bundle):
    name, files = bundle
    assert len(files) >= 8
    dump = json.dumps(files, default=str)
    for secret in ("MIIB8AYJKoZIhvcNAQcDoIIB4TCCAd0CAQAx", "Q0xBU1NJRklFRC1OT1QtQS1SRUFMLVNJRw"):
        assert secret not in dump


def test_av_crash_signals(samples):
    files = read_bundle(samples / "windows-av-crash")
    app = files["EventLogs/Application.xml"]
    crashes = find(app, provider="Application Error", event_id="1000", app="IaaSBcdrExtension.exe")
    assert len(crashes) == 2
    assert crashes[0]["fields"]["exception_code"] == "0xc0000005" and crashes[0]["fields"]["module"] == "ntdll.dll"
    assert crashes[0]["fields"]["format"] == "rendered-xml"
    assert find(app, event_id="1001", wer_p1="IaaSBcdrExtension.exe", wer_event_name="APPCRASH")
    defender = files["EventLogs/Defender-Operational.json"]
    detections = find(defender, event_id="1116")
    assert len(detections) == 2 and "VMSnapshot" in detections[0]["fields"]["threat_path"]
    assert detections[0]["fields"]["threat_name"] == "Trojan:Win32/Wacatac.B!ml"
    status = files["Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/12.status"]
    assert status[0]["fields"]["status"] == "error" and status[0]["level"] == "error"
    agent = files["WindowsAzure/Logs/WaAppAgent.log"]
    assert any("is not available for the Extension" in r["message"] for r in agent)
    assert [r for r in agent if r["level"] == "error"]
    system = files["EventLogs/System.csv"]
    assert all(r["fields"]["time_basis"] == "local" for r in system)


def test_vss_complus_signals(samples):
    files = read_bundle(samples / "windows-vss-complus")
    app = files["EventLogs/Application.xml"]
    assert find(app, provider="VSS", event_id="8193", hr="0x80080005")
    assert find(app, provider="VSS", event_id="12289", hr="0x80070001", vss_context="System Provider")
    writer = find(app, provider="VSS", event_id="8229")
    assert writer and writer[0]["fields"]["vss_writer"] == "SqlServerWriter" and writer[0]["fields"]["hr"] == "0x800423f4"
    assert find(app, provider="EventSystem", event_id="4609")
    assert find(app, provider="COM+", event_id="4691")
    assert {r["fields"]["event_id"] for r in find(app, provider="MSDTC")} == {"4427", "4439"}
    system = files["EventLogs/System.csv"]
    services = {(r["fields"]["event_id"], r["fields"].get("service")) for r in system if r["level"] == "error"}
    assert ("7034", "Volume Shadow Copy") in services
    assert ("7000", "Distributed Transaction Coordinator") in services
    assert ("7001", "COM+ System Application") in services
    assert ("7023", "COM+ Event System") in services and ("7031", "COM+ Event System") in services
    status = files["Packages/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/Status/7.status"]
    assert "SqlServerWriter" in status[0]["message"] and status[0]["fields"]["status"] == "error"
    bcdr = files["WindowsAzure/Logs/Plugins/Microsoft.Azure.RecoveryServices.VMSnapshot/1.0.92.0/IaaSBcdrExtension.log"]
    assert [r for r in bcdr if r["level"] == "error" and "0x800423f4" in r["message"]]
    config = files["WindowsAzure/config/ExtensionsConfig.41.xml"]
    assert find(config, kind="plugin", handler="Microsoft.Azure.RecoveryServices.VMSnapshot", state="enabled")
