"""Windows event logs: .evtx fixtures, wevtutil XML, Event Viewer CSV/TXT, PowerShell CSV/JSON."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from loganalyzer.events import to_frame
from loganalyzer.sources import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext
from loganalyzer.sources.windows import EVENT_PARSERS
from loganalyzer.sources.windows.event_xml import claim_event_xml
from loganalyzer.sources.windows.eventviewer import claim_eventviewer_csv, claim_eventviewer_txt
from loganalyzer.sources.windows.evtx import EVTX_MAGIC, claim_evtx
from loganalyzer.sources.windows.powershell_csv import claim_powershell_csv
from loganalyzer.sources.windows.powershell_json import claim_powershell_json

_PARSE = {p.name: p.parse for p in EVENT_PARSERS}
parse_evtx = _PARSE["evtx"]
parse_event_xml = _PARSE["event-xml"]
parse_eventviewer_csv = _PARSE["eventviewer-csv"]
parse_eventviewer_txt = _PARSE["eventviewer-txt"]
parse_powershell_csv = _PARSE["powershell-csv"]
parse_powershell_json = _PARSE["powershell-json"]

DATA = Path(__file__).parent / "data" / "windows"
FIXTURES = "fixtures/windows"

#: (path under fixtures/windows, records, damaged places) from MANIFEST.md
EVTX_FIXTURES = [
    ("sans-blue-team_DeepBlueCLI/evtx/many-events-application.evtx", 2216, 0),
    ("omerbenamram_evtx/samples/system.evtx", 1881, 0),
    ("omerbenamram_evtx/samples/2-vss_7-System.evtx", 1160, 0),
    ("omerbenamram_evtx/samples/sample-with-zero-data-size-event.evtx", 335, 1),
    ("williballenthin_python-evtx/tests/data/system.evtx", 1601, 0),
    ("Yamato-Security_hayabusa-sample-evtx/EVTX-to-MITRE-Attack/TA0002-Execution/T1569.002-Service execution/"
     "ID7009-Service deployment time out (meterpreter).evtx", 3, 0),
    ("Yamato-Security_hayabusa-sample-evtx/EVTX-to-MITRE-Attack/TA0002-Execution/T1569.002-Service execution/"
     "ID7000,7009,7045-Payload deployed via service - Tchopper.evtx", 733, 0),
    ("Yamato-Security_hayabusa-sample-evtx/EVTX-to-MITRE-Attack/Antivirus/ID1116-1117-Defender threat detected.evtx", 6, 0),
    ("Yamato-Security_hayabusa-sample-evtx/EVTX-to-MITRE-Attack/TA0005-Defense Evasion/"
     "T1562.001-Impair Defenses-Disable or Modify tool/ID5007-Defender threat exclusion (native).evtx", 4, 0),
    ("omerbenamram_evtx/samples/Application_no_crc32.evtx", 17, 0),
    ("omerbenamram_evtx/samples/sample_with_a_bad_chunk_magic.evtx", 270, 2),
    ("omerbenamram_evtx/samples/sysmon.evtx", 358, 8),
    ("omerbenamram_evtx/samples/2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx", 1774, 2),
    ("omerbenamram_evtx/samples/MSExchange_Management_wec.evtx", 1, 0),
    ("omerbenamram_evtx/samples/Security_short_selected.evtx", 7, 0),
    ("williballenthin_python-evtx/tests/data/dns_log_malformed.evtx", 5, 0),
]


def run(parse, data: bytes, path: str = "export.file"):
    result = parse(data, ParseContext(file=path, path=path))
    assert result.lines == result.events.spans + result.unparsed, "line accounting"
    frame = to_frame(result.events.to_table(path, result.source))
    return result, frame


def rows(frame) -> list[dict]:
    return [
        {"line": r.line, "time": r.time, "level": r.level, "component": r.component,
         "message": r.message, "fields": dict(r.fields)}
        for r in frame.itertuples()
    ]


def by(frame, **wanted) -> dict:
    for row in rows(frame):
        if all(row["fields"].get(k) == v for k, v in wanted.items()):
            return row
    raise AssertionError(f"no event with {wanted}")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


# ---- .evtx fixtures -------------------------------------------------------------------------


@pytest.mark.parametrize("relative,records,damage", EVTX_FIXTURES, ids=lambda v: str(v)[-40:])
def test_evtx_fixture_reads_every_record(shared, relative, records, damage):
    path = shared / FIXTURES / relative
    data = path.read_bytes()
    assert claim_evtx(path.name, data[:64]) == BY_NAME_AND_CONTENT
    result, frame = run(parse_evtx, data, path.name)
    assert len(result.events) == records
    damaged = [p for p in result.problems if p.kind == "damaged"]
    assert len(damaged) == damage
    assert result.unparsed == damage
    assert [p for p in result.problems if p.kind != "damaged"] == []
    if damage:
        assert all(("chunk" in p.message or "record" in p.message) for p in damaged)
    # TimeCreated, never the (sometimes 1601) record-header time
    # (one record of the bad-chunk sample has no System values at all: its time stays empty)
    assert frame["time"].isna().sum() <= (1 if "bad_chunk" in relative else 0)
    assert frame["time"].dropna().min() > datetime(1990, 1, 1, tzinfo=timezone.utc)
    assert (frame["source"] == "windows.event").all()


def test_evtx_application_error_1000_fields(shared):
    data = (shared / FIXTURES / EVTX_FIXTURES[0][0]).read_bytes()
    _, frame = run(parse_evtx, data, "Application.evtx")
    crash = by(frame, provider="Application Error", event_id="1000")
    fields = crash["fields"]
    assert crash["level"] == "error" and crash["component"] == "Application Error"
    assert crash["line"] == 1590 and fields["record_id"] == "1590"
    assert crash["time"] == utc(2016, 8, 18, 20, 11, 24)
    assert fields["app"] == "rundll32.exe" and fields["param1"] == "rundll32.exe"
    assert fields["module"] == "KERNELBASE.dll"
    assert fields["exception_code"] == "0xc0000005"
    assert fields["app_path"] == r"C:\Windows\system32\rundll32.exe"
    assert fields["report_id"] == "efc65f51-657f-11e6-8eb4-000c290d8d3a"
    assert fields["channel"] == "Application" and fields["computer"] == "IE10Win7"
    assert fields["task"] == "100" and fields["level"] == "2"
    # the same ID from other providers is a different event
    loadperf = [r for r in rows(frame) if r["fields"].get("event_id") == "1000"]
    assert {r["component"] for r in loadperf} >= {"Application Error", "Microsoft-Windows-LoadPerf", "VMware Tools"}


def test_evtx_scm_binary_key_name_and_named_data(shared):
    data = (shared / FIXTURES / EVTX_FIXTURES[3][0]).read_bytes()
    _, frame = run(parse_evtx, data)
    crash = by(frame, provider="Service Control Manager", event_id="7031")
    assert crash["fields"]["data.param5"] == "Restart the service"
    assert crash["fields"]["service_key"] == "OneSyncSvc_Session2"
    assert crash["fields"]["qualifiers"] == "49152"


def test_evtx_scm_win32_error_and_defender_names(shared):
    _, frame = run(parse_evtx, (shared / FIXTURES / EVTX_FIXTURES[1][0]).read_bytes())
    spooler = by(frame, event_id="7023", service="Spooler")
    assert spooler["fields"]["win32_error"] == "2147942414"
    _, frame = run(parse_evtx, (shared / FIXTURES / EVTX_FIXTURES[7][0]).read_bytes())
    detection = by(frame, event_id="1116")
    assert detection["fields"]["threat_name"] == "HackTool:Win64/Mikatz!dha"
    assert detection["fields"]["data.Threat Name"] == "HackTool:Win64/Mikatz!dha"
    assert detection["level"] == "warning"


def test_evtx_unopenable_and_legacy_become_problems():
    result, _ = run(parse_evtx, EVTX_MAGIC + b"\x00" * 100)
    assert len(result.events) == 0 and result.problems and result.problems[0].kind in ("damaged", "malformed")
    result, _ = run(parse_evtx, b"\x30\x00\x00\x00LfLe" + b"\x00" * 100, "AppEvent.Evt")
    assert [p.kind for p in result.problems] == ["binary"]
    assert claim_evtx("AppEvent.Evt", b"\x30\x00\x00\x00LfLe") == BY_NAME_AND_CONTENT
    assert claim_evtx("renamed.bin", EVTX_MAGIC) == BY_CONTENT


# ---- wevtutil XML ---------------------------------------------------------------------------


def test_wevtutil_xml_stream_without_root():
    data = (DATA / "system-wevtutil.xml").read_bytes()
    assert claim_event_xml("EventLogs/System.xml", data[:8192]) == BY_NAME_AND_CONTENT
    result, frame = run(parse_event_xml, data)
    assert len(result.events) == 3 and result.unparsed == 0 and not result.problems
    scm = by(frame, event_id="7000")
    assert scm["time"] == utc(2024, 5, 30, 11, 14, 2, 551234)
    assert scm["fields"]["data.param1"] == "COM+ System Application"
    assert scm["fields"]["win32_error"] == "1053"
    assert scm["fields"]["service"] == "COM+ System Application"
    assert scm["fields"]["service_key"] == "COMSysApp"
    assert scm["fields"]["format"] == "xml" and scm["line"] == 1
    assert "param2=%%1053" in scm["message"]
    vss = by(frame, event_id="8193")
    assert vss["line"] == 3 and vss["level"] == "error"
    assert vss["fields"]["vss_writer"] == "SqlServerWriter"
    assert vss["fields"]["vss_operation"] == "Gathering Writer Data"
    assert vss["fields"]["hr"] == "0x80070005"
    assert vss["fields"]["param1"] == "CoCreateInstance"
    assert vss["fields"]["binary_text"].startswith("- Code:  CORSVCC")


def test_rendered_xml_keeps_message_and_level_word():
    result, frame = run(parse_event_xml, (DATA / "application-rendered.xml").read_bytes())
    assert len(result.events) == 2 and result.unparsed == 0
    crash = by(frame, event_id="1000")
    assert crash["fields"]["format"] == "rendered-xml"
    assert crash["fields"]["level_name"] == "Error" and crash["fields"]["culture"] == "en-US"
    assert crash["fields"]["task_name"] == "Application Crashing Events"
    assert crash["message"].startswith("Faulting application name: IaaSBcdrExtension.exe")
    assert crash["fields"]["app"] == "IaaSBcdrExtension.exe"
    assert crash["fields"]["fault_offset"] == "0x000000000004f0a2"
    wer = by(frame, event_id="1001")
    assert wer["fields"]["wer_event_name"] == "APPCRASH" and wer["fields"]["wer_p1"] == "IaaSBcdrExtension.exe"


def test_xml_with_root_utf16_and_namespace_prefix():
    body = (DATA / "system-wevtutil.xml").read_text(encoding="utf-8")
    data = codecs.BOM_UTF16_LE + ("<Events>\n" + body + "</Events>\n").encode("utf-16-le")
    result, frame = run(parse_event_xml, data)
    assert len(result.events) == 3 and not result.problems and result.unparsed == 0


def test_hostile_xml_is_refused_not_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE Event [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='x'/>"
            "<EventID>1</EventID></System><EventData><Data>&b;</Data></EventData></Event>\n")
    result, frame = run(parse_event_xml, bomb.encode())
    assert [p.kind for p in result.problems] == ["malformed"]
    assert len(result.events) == 0 and result.unparsed == result.lines == 2


def test_truncated_xml_salvages_whole_events():
    text = (DATA / "system-wevtutil.xml").read_text(encoding="utf-8")
    cut = text[: text.index("<Data>CoCreateInstance")]
    result, frame = run(parse_event_xml, cut.encode())
    assert [p.kind for p in result.problems] == ["malformed"]
    assert len(result.events) == 2 and result.unparsed == 1


# ---- Event Viewer CSV / TXT -----------------------------------------------------------------


def test_eventviewer_csv_english():
    data = (DATA / "application-en.csv").read_bytes()
    assert claim_eventviewer_csv("Application.csv", data[:8192]) == BY_NAME_AND_CONTENT
    assert claim_powershell_csv("Application.csv", data[:8192]) == 0
    result, frame = run(parse_eventviewer_csv, data)
    assert len(result.events) == 4 and result.unparsed == 0 and not result.problems
    crash = by(frame, event_id="1000")
    assert crash["line"] == 3
    assert crash["time"] == utc(2024, 5, 30, 13, 15, 45)  # wall-clock digits, marked local
    assert crash["fields"]["time_basis"] == "local" and crash["fields"]["date_order"] == "mdy"
    assert crash["fields"]["task"] == "100" and crash["fields"]["level_name"] == "Error"
    assert crash["fields"]["app"] == "IaaSBcdrExtension.exe" and crash["fields"]["exception_code"] == "0xc0000005"
    assert crash["fields"]["module"] == "ntdll.dll"
    assert "\r" not in crash["message"] and crash["message"].count("\n") == 8
    vss = by(frame, event_id="12289")
    assert vss["time"] == utc(2024, 5, 30, 11, 59, 30)
    assert vss["fields"]["hr"] == "0x80070001" and vss["fields"]["vss_context"] == "System Provider"
    assert by(frame, event_id="8224")["level"] == "info"


def test_eventviewer_csv_swedish_utf16():
    data = (DATA / "system-sv.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE)
    assert claim_eventviewer_csv("System.csv", data[:8192]) == BY_NAME_AND_CONTENT
    result, frame = run(parse_eventviewer_csv, data)
    assert len(result.events) == 3 and result.unparsed == 0
    stop = by(frame, event_id="7034")
    assert stop["level"] == "error" and stop["fields"]["level_name"] == "Fel"
    assert stop["time"] == utc(2024, 5, 30, 13, 17, 2) and stop["fields"]["date_order"] == "ymd"
    assert stop["message"] == 'Tjänsten "Volume Shadow Copy" avslutades oväntat. Detta har inträffat 1 gång(er).'
    assert by(frame, event_id="134")["level"] == "warning"


def test_eventviewer_csv_german():
    result, frame = run(parse_eventviewer_csv, (DATA / "application-de.csv").read_bytes())
    assert len(result.events) == 3 and result.unparsed == 0
    crash = by(frame, event_id="1000")
    assert crash["fields"]["level_name"] == "Fehler" and crash["level"] == "error"
    assert crash["time"] == utc(2024, 5, 30, 13, 15, 45) and crash["fields"]["date_order"] == "dmy"
    assert crash["fields"]["app"] == "IaaSBcdrExtension.exe"
    assert crash["fields"]["exception_code"] == "0xc0000005"
    assert crash["fields"]["module_path"] == r"C:\Windows\SYSTEM32\ntdll.dll"
    assert by(frame, event_id="1058")["time"] == utc(2024, 6, 1, 8, 2, 13)
    assert by(frame, event_id="8224")["fields"]["level_name"] == "Informationen"


def test_eventviewer_txt_tab_separated_with_continuation():
    data = (DATA / "system-eventviewer.txt").read_bytes()
    assert claim_eventviewer_txt("System.txt", data[:8192]) == BY_NAME_AND_CONTENT
    assert claim_eventviewer_csv("System.txt", data[:8192]) == 0
    result, frame = run(parse_eventviewer_txt, data)
    assert len(result.events) == 3 and result.unparsed == 0
    start = by(frame, event_id="7000")
    assert start["fields"]["service"] == "Distributed Transaction Coordinator"
    assert start["message"].endswith("did not respond to the start or control request in a timely fashion.")
    assert by(frame, event_id="7031")["fields"]["service"] == "COM+ System Application"


def test_ambiguous_slash_dates_are_flagged():
    text = "Level,Date and Time,Source,Event ID,Task Category\nError,03/04/2024 10:00:00,VSS,8193,None,x\n"
    _, frame = run(parse_eventviewer_csv, text.encode())
    row = rows(frame)[0]
    assert row["fields"]["date_ambiguous"] == "true" and row["time"] == utc(2024, 4, 3, 10)


# ---- PowerShell -----------------------------------------------------------------------------


def test_powershell_51_csv_with_type_line():
    data = (DATA / "system-ps51.csv").read_bytes()
    assert claim_powershell_csv("System.csv", data[:8192]) == BY_NAME_AND_CONTENT
    assert claim_eventviewer_csv("System.csv", data[:8192]) == 0
    result, frame = run(parse_powershell_csv, data)
    assert len(result.events) == 2 and result.unparsed == 0 and not result.problems
    stop = by(frame, event_id="7023")
    assert stop["line"] == 3 and stop["time"] == utc(2024, 5, 30, 13, 17, 2)
    assert stop["fields"]["keywords"] == "0x8080000000000000"
    assert stop["fields"]["record_id"] == "51240" and stop["fields"]["channel"] == "System"
    assert stop["fields"]["service"] == "COM+ Event System" and stop["fields"]["time_basis"] == "local"


def test_powershell_7_csv_without_type_line():
    data = (DATA / "application-ps7.csv").read_bytes()
    assert claim_powershell_csv("app.csv", data[:8192]) == BY_NAME_AND_CONTENT
    result, frame = run(parse_powershell_csv, data)
    assert len(result.events) == 2 and result.unparsed == 0
    vss = by(frame, event_id="8193")
    assert vss["time"] == utc(2024, 5, 30, 13, 15, 10) and vss["fields"]["date_order"] == "dmy"
    assert vss["fields"]["vss_writer"] == "SqlServerWriter" and vss["fields"]["hr"] == "0x80070005"


def test_powershell_csv_custom_projection_semicolon():
    text = '"TimeCreated";"Id";"ProviderName";"LevelDisplayName";"Message"\n"30.05.2024 13:17:02";"7034";"Service Control Manager";"Fehler";"Der Dienst ""VSS"" wurde unerwartet beendet."\n'
    result, frame = run(parse_powershell_csv, text.encode())
    row = rows(frame)[0]
    assert row["fields"]["event_id"] == "7034" and row["level"] == "error"
    assert row["time"] == utc(2024, 5, 30, 13, 17, 2)


def test_powershell_51_json_ms_dates_and_properties():
    data = (DATA / "application-ps51.json").read_bytes()
    assert claim_powershell_json("app_errors.json", data[:8192]) == BY_NAME_AND_CONTENT
    result, frame = run(parse_powershell_json, data)
    assert len(result.events) == 2 and result.unparsed == 0 and not result.problems
    crash = by(frame, event_id="1000")
    assert crash["time"] == utc(2024, 5, 30, 11, 15, 45, 331000) and "time_basis" not in crash["fields"]
    assert crash["fields"]["param1"] == "IaaSBcdrExtension.exe" and crash["fields"]["param7"] == "c0000005"
    assert crash["fields"]["exception_code"] == "0xc0000005"
    assert crash["fields"]["keywords"] == "0x80000000000000"
    assert crash["line"] == 2
    assert by(frame, event_id="8224")["line"] == 59


def test_powershell_7_json_iso_offset():
    result, frame = run(parse_powershell_json, (DATA / "system-ps7.json").read_bytes())
    crash = rows(frame)[0]
    assert crash["time"] == utc(2024, 5, 30, 11, 20, 31, 445678)
    assert crash["fields"]["param1"] == "Windows Azure Guest Agent" and crash["fields"]["param2"] == "3"
    assert crash["fields"]["service"] == "Windows Azure Guest Agent"


def test_powershell_json_truncated_keeps_earlier_objects():
    text = (DATA / "application-ps51.json").read_text(encoding="utf-8")
    result, frame = run(parse_powershell_json, text[: text.index('"RecordId":  4713')].encode())
    assert [p.kind for p in result.problems] == ["malformed"]
    assert len(result.events) == 1 and result.unparsed > 0


def test_powershell_json_single_object_utf16():
    obj = {"Id": 7034, "ProviderName": "Service Control Manager", "Level": 2,
           "TimeCreated": "/Date(1717067745331)/", "Message": "The VSS service terminated unexpectedly."}
    data = codecs.BOM_UTF16_LE + json.dumps(obj, indent=2).encode("utf-16-le")
    assert claim_powershell_json("events.json", data[:8192]) == BY_NAME_AND_CONTENT
    result, frame = run(parse_powershell_json, data)
    assert len(result.events) == 1 and result.unparsed == 0


# ---- claims do not cross ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir() if p.suffix != ".log"))
def test_each_sample_has_exactly_one_best_claim(name):
    data = (DATA / name).read_bytes()
    claims = sorted(((parser.claim(name, data[:8192]), parser.name) for parser in EVENT_PARSERS), reverse=True)
    assert claims[0][0] == BY_NAME_AND_CONTENT and claims[1][0] < claims[0][0]
    bare = sorted(parser.claim("export", data[:8192]) for parser in EVENT_PARSERS)
    assert bare[-1] == BY_CONTENT and bare[-2] == 0


# ---- properties ------------------------------------------------------------------------------

SHAPES = [
    (parse_evtx, EVTX_MAGIC),
    (parse_event_xml, b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"),
    (parse_eventviewer_csv, b"Level,Date and Time,Source,Event ID,Task Category\r\nError,5/30/2024 1:15:45 PM,"),
    (parse_eventviewer_txt, b"Level\tDate and Time\tSource\tEvent ID\tTask Category\n"),
    (parse_powershell_csv, b'#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n"Message","Id","ProviderName"\n'),
    (parse_powershell_json, b'[{"Id": 1000, "ProviderName": "Application Error", "TimeCreated": '),
]


@pytest.mark.parametrize("parse,prefix", SHAPES, ids=lambda v: getattr(v, "__name__", "prefix"))
@given(tail=st.binary(max_size=600))
def test_arbitrary_bytes_with_a_shape_never_raise(parse, prefix, tail):
    result, _ = run(parse, prefix + tail)
    assert not [p for p in result.problems if p.kind == "parser-error"]


@given(text=st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    for parse, prefix in SHAPES[1:]:
        result, _ = run(parse, prefix + text.encode("utf-8", "surrogatepass"))
        assert not [p for p in result.problems if p.kind == "parser-error"]


LEVEL_WORDS = {"Error": "error", "Warning": "warning", "Information": "info", "Critical": "error"}
message_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029") | st.sampled_from(["\n", ",", '"', "\t"]),
    max_size=120,
).map(lambda s: s.strip())


@given(st.lists(st.tuples(
    st.sampled_from(sorted(LEVEL_WORDS)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(lambda d: d.replace(microsecond=0)),
    st.sampled_from(["VSS", "Application Error", "Service Control Manager", "MSDTC", "COM+"]),
    st.integers(min_value=0, max_value=65535),
    st.sampled_from(["None", "(100)", "Application Crashing Events"]),
    message_text,
), min_size=1, max_size=8))
def test_eventviewer_csv_round_trip(events):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("Level,Date and Time,Source,Event ID,Task Category\r\n")
    for level, moment, source, event_id, category, message in events:
        stamp = f"{moment.month}/{moment.day}/{moment.year} {moment.hour % 12 or 12}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"
        writer.writerow([level, stamp, source, event_id, category, message])
    result, frame = run(parse_eventviewer_csv, codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8"))
    assert result.unparsed == 0 and len(result.events) == len(events)
    for (level, moment, source, event_id, category, message), row in zip(events, rows(frame)):
        assert row["level"] == LEVEL_WORDS[level]
        assert row["time"] == moment.replace(tzinfo=timezone.utc)
        assert row["fields"]["provider"] == source == row["component"]
        assert row["fields"]["event_id"] == str(event_id)
        assert row["fields"]["level_name"] == level
        if category == "(100)":
            assert row["fields"]["task"] == "100"
        else:
            assert row["fields"]["task_name"] == category
        expected = message.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
        assert row["message"] == (expected or row["message"])


SECRET = "sig=Zm9vYmFyU2VjcmV0S2V5MTIzNDU2Nzg5MA%3D%3D"
SAS = f"https://md-abc.blob.core.windows.net/vhds/osdisk.vhd?sv=2018-03-28&sr=b&{SECRET}&se=2024-06-01"


def _planted() -> list[tuple[object, bytes]]:
    xml = ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='IaaSBcdrExtension'/>"
           "<EventID>1</EventID><Level>2</Level><TimeCreated SystemTime='2024-05-30T11:00:00Z'/></System>"
           f"<EventData><Data Name='Uri'>{SAS.replace('&', '&amp;')}</Data><Data>{SAS.replace('&', '&amp;')}</Data></EventData></Event>\n")
    rendered = xml.replace("</Event>", f"<RenderingInfo Culture='en-US'><Message>upload to {SAS.replace('&', '&amp;')} failed</Message></RenderingInfo></Event>")
    ev_csv = f'Level,Date and Time,Source,Event ID,Task Category\nError,5/30/2024 1:15:45 PM,VSS,8193,None,"copy to {SAS} failed"\n'
    ps_csv = f'"Message","Id","ProviderName","TimeCreated"\n"copy to {SAS} failed","1","X","5/30/2024 1:15:45 PM"\n'
    ps_json = json.dumps([{"Message": f"copy to {SAS}", "Id": 1, "ProviderName": "X",
                           "Properties": [{"Value": SAS}, {"Value": {"blobSASUri": SAS}}]}])
    return [(parse_event_xml, xml.encode()), (parse_event_xml, rendered.encode()),
            (parse_eventviewer_csv, ev_csv.encode()), (parse_powershell_csv, ps_csv.encode()),
            (parse_powershell_json, ps_json.encode())]


@pytest.mark.parametrize("parse,data", _planted(), ids=["xml", "rendered", "ev-csv", "ps-csv", "ps-json"])
def test_planted_secret_never_appears(parse, data):
    result, frame = run(parse, data)
    assert len(result.events) >= 1
    for row in rows(frame):
        assert "Zm9vYmFyU2VjcmV0S2V5" not in row["message"]
        assert all("Zm9vYmFyU2VjcmV0S2V5" not in k + v for k, v in row["fields"].items())


# ---- Win32 error meanings: raw in the parser, meaning from knowledge.toml ------------------


def test_win32_error_meaning_comes_from_knowledge_after_parsing(tmp_path):
    from loganalyzer.reader import read_bundle
    from loganalyzer.signatures import load_knowledge

    data = (DATA / "system-wevtutil.xml").read_bytes()
    result, frame = run(parse_event_xml, data)
    assert "win32_error_text" not in by(frame, event_id="7000")["fields"]  # the parser keeps the raw number
    (tmp_path / "System.xml").write_bytes(data)
    events = read_bundle(tmp_path).events
    fields = [dict(pairs) for pairs in events["fields"]]
    scm = next(f for f in fields if f.get("event_id") == "7000")
    expected = load_knowledge().result_code("win32", scm["win32_error"]).note
    assert scm["win32_error_text"] == expected == "service did not respond in time"


def test_the_win32_table_exists_only_in_knowledge():
    from loganalyzer.signatures import load_knowledge

    package = Path(__file__).resolve().parent.parent / "loganalyzer"
    meanings = [entry.note for (family, _), entry in load_knowledge().result_codes.items() if family == "win32"]
    assert len(meanings) >= 10
    for module in package.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        repeated = [meaning for meaning in meanings if f'"{meaning}"' in text]
        assert not repeated, f"{module}: a Win32 meaning is written in code: {repeated}"


def test_every_event_parser_has_an_arbitrary_bytes_property():
    assert {parse for parse, _ in SHAPES} == {parser.parse for parser in EVENT_PARSERS}
