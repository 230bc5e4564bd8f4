"""Windows event logs in every shape a support engineer receives them: source ``windows.event``.

One normaliser serves six inputs, so a rule written for one sees the same ``fields`` in all:

``.evtx`` (binary, read through the ``evtx`` package; magic ``ElfFile\\0``)

``wevtutil qe Application /f:xml`` or ``/f:RenderedXml`` (a stream of elements, no root)::

    <Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>
    <Provider Name='Application Error'/><EventID Qualifiers='0'>1000</EventID><Level>2</Level>
    <TimeCreated SystemTime='2024-05-30T11:15:45.3310000Z'/><EventRecordID>4711</EventRecordID>
    <Channel>Application</Channel><Computer>vm01</Computer></System>
    <EventData><Data>IaaSBcdrExtension.exe</Data><Data>1.0.92.0</Data>...</EventData></Event>

Event Viewer "Save All Events As" CSV (or tab-separated TXT), localised header and dates,
local wall-clock time, the message as a sixth unnamed, quoted, multi-line column::

    Level,Date and Time,Source,Event ID,Task Category
    Error,5/30/2024 1:15:45 PM,Application Error,1000,(100),"Faulting application name: ...
    Exception code: 0xc0000005"

PowerShell ``Get-WinEvent | Export-Csv`` (5.1 with a ``#TYPE`` line, 7 without) and
``Get-WinEvent | ConvertTo-Json`` (``"\\/Date(1717074945331)\\/"`` in 5.1, ISO-8601 in 7)::

    #TYPE System.Diagnostics.Eventing.Reader.EventLogRecord
    "Message","Id","Version","Qualifiers","Level",...,"ProviderName",...,"TimeCreated",...

``fields`` keys (all values strings):

=====================  ======================================================================
format                 evtx | xml | rendered-xml | eventviewer-csv | eventviewer-txt |
                       powershell-csv | powershell-json
provider               provider name (``Application Error``, ``Service Control Manager``)
event_id               low 16 bits, as Event Viewer shows it
qualifiers             high bits of classic IDs (``49152`` = error)
level                  numeric level 0-5 (also derived from a localised level word)
level_name             the level word of a rendered export (``Error``, ``Fehler``, ``Fel``)
task, opcode, keywords numeric task/opcode, keywords as hex (``0x80000000000000``)
task_name              Task Category column / TaskDisplayName / RenderingInfo Task
channel, computer      log name and machine name
record_id              EventRecordID / RecordId
user_sid, process_id   Security@UserID, Execution@ProcessID
data.<Name>            named EventData values (manifest providers; SCM ``data.param1``)
param1..paramN         unnamed positional EventData values (classic providers), 1-based, and
                       PowerShell ``Properties`` values (names are lost there)
user_data.<Name>       UserData values, nested names joined with dots
binary, binary_text    EventData ``Binary`` hex and, when printable, its UTF-16LE/ASCII text
date_order, date_ambiguous
                       how a localised date was read (``mdy``/``dmy``/``ymd``; ``true`` when
                       no row told month from day)
time_text              the date cell as written, when it could not be read
culture                RenderingInfo culture of a RenderedXml export (``en-US``, ``de-DE``)
=====================  ======================================================================

Derived keys, filled from the data or, for rendered exports, from the English/German message:
``win32_error`` and ``win32_error_text`` (``%%1053``), ``hr`` (``hr = 0x80042306``),
``vss_writer``, ``vss_operation``, ``vss_context`` (the VSS context block), ``app``,
``app_version``, ``module``, ``module_version``, ``exception_code``, ``fault_offset``,
``app_path``, ``module_path``, ``report_id`` (Application Error 1000), ``wer_event_name``,
``wer_p1`` (WER 1001), ``service`` and ``service_key`` (Service Control Manager), ``threat_name``,
``threat_path``, ``process_name`` (Defender).

Times: ``TimeCreated/@SystemTime`` (UTC) for evtx and XML, never the evtx record-header time;
CSV/TXT and PowerShell CSV dates are local wall-clock (added with ``local_time=True``);
PowerShell JSON ``/Date(ms)/`` is UTC and ISO dates keep their offset.

Line accounting: for ``.evtx`` a "line" is a record: ``lines`` = records read + damaged places,
each damaged chunk or record is one unparsed line and a ``damaged`` problem.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator

from defusedxml import ElementTree as SafeET

from ..events import Problem
from ..redaction import redact, redact_json
from ..textio import MAX_JSON_DEPTH, decode, json_depth, load_json, split_lines
from . import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext, ParseResult, Parser

__all__ = ["PARSERS", "normalise_path", "redact_fields"]

SOURCE = "windows.event"

EVTX_MAGIC = b"ElfFile\x00"
LEGACY_EVT_MAGIC = b"LfLe"

# --------------------------------------------------------------------------------------------
# Small shared helpers (also used by windows_agent_logs)


def normalise_path(path: str) -> str:
    """A bundle path lower-cased with ``/`` separators, for case-insensitive Windows matching."""
    return path.replace("\\", "/").lower().lstrip("/")


def redact_fields(values: dict[str, str]) -> dict[str, str]:
    """``values`` with every secret masked; one probe pass when nothing looks secret."""
    if not values:
        return values
    probe = "\n".join(values.values())
    if redact(probe) == probe:
        return values
    return {key: redact(value) for key, value in values.items()}


def _text(value: object) -> str:
    """A JSON/XML scalar as the string Windows would show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?\s*(Z|[+-]\d\d:?\d\d)?",
    re.I,
)


def parse_iso(value: str) -> tuple[datetime | None, bool]:
    """An ISO-8601 time as ``(datetime, is_local)``; any number of fraction digits; never raises.

    With ``Z`` or an offset the result is aware UTC; without, naive wall-clock (``is_local``).
    """
    match = _ISO.search(value or "")
    if not match:
        return None, False
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        micros = int((fraction or "0")[:6].ljust(6, "0"))
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros)
    except ValueError:
        return None, False
    if not zone:
        return moment, True
    if zone.upper() == "Z":
        return moment.replace(tzinfo=timezone.utc), False
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (moment - sign * offset).replace(tzinfo=timezone.utc), False


# --------------------------------------------------------------------------------------------
# The neutral record every format is read into


@dataclass
class _Record:
    provider: str = ""
    event_id: str = ""
    qualifiers: str = ""
    level: str = ""
    level_name: str = ""
    task: str = ""
    task_name: str = ""
    opcode: str = ""
    keywords: str = ""
    record_id: str = ""
    channel: str = ""
    computer: str = ""
    user_sid: str = ""
    process_id: str = ""
    time: datetime | None = None
    local_time: bool = False
    message: str = ""
    #: EventData values: (Name or None for positional, value)
    data: list[tuple[str | None, str]] = field(default_factory=list)
    user_data: list[tuple[str, str]] = field(default_factory=list)
    binary: str = ""
    extra: dict[str, str] = field(default_factory=dict)


_LEVEL_BY_NUMBER = {0: "info", 1: "error", 2: "error", 3: "warning", 4: "info", 5: "verbose"}

#: localised level words (en, sv, de, fr, es) -> numeric level
_LEVEL_WORDS = {
    "critical": 1, "kritisk": 1, "kritisch": 1, "critique": 1, "crítico": 1,
    "error": 2, "fel": 2, "fehler": 2, "erreur": 2,
    "warning": 3, "varning": 3, "warnung": 3, "avertissement": 3, "advertencia": 3,
    "information": 4, "informationen": 4, "informations": 4, "información": 4,
    "audit success": 4, "audit failure": 4, "granskning lyckades": 4,
    "granskning misslyckades": 4, "überwachung erfolgreich": 4, "überwachung gescheitert": 4,
    "verbose": 5, "utförlig": 5, "ausführlich": 5, "commentaires": 5, "detallado": 5,
}


def _level(record: _Record) -> str | None:
    """error|warning|info|verbose from the numeric level, else from the localised word."""
    if record.level.strip().lstrip("-").isdigit():
        return _LEVEL_BY_NUMBER.get(int(record.level), None)
    number = _LEVEL_WORDS.get(record.level_name.strip().lower())
    if number is not None:
        record.level = str(number)
        return _LEVEL_BY_NUMBER[number]
    return None


# ---- derived fields ------------------------------------------------------------------------

#: Win32 errors that SCM events cite as %%N (short descriptions, our wording)
WIN32_ERRORS = {
    1: "incorrect function",
    2: "file not found",
    3: "path not found",
    5: "access denied",
    21: "device not ready",
    50: "request not supported",
    1053: "service did not respond in time",
    1058: "service is disabled",
    1067: "process terminated unexpectedly",
    1068: "dependency service or group failed to start",
    1069: "logon failure",
    1079: "account differs from other services in the same process",
    1722: "RPC server unavailable",
    2147942414: "out of memory (0x8007000E)",
    2147549471: "RPC_E_DISCONNECTED (0x8001011F)",
}

_WIN32_REF = re.compile(r"%%(\d{1,10})")
_HR = re.compile(r"(?i)\bhr\s*=\s*(0x[0-9a-f]{8})")
_HR_VALUE = re.compile(r"(?i)\s*(0x[0-9a-f]{8})\b")
_VSS_WRITER = re.compile(r"Writer Name:\s*([^\r\n]+)")
_VSS_OPERATION = re.compile(r"Operation:\s*[\r\n]+\s*([^\r\n]+)")
_VSS_CONTEXT = re.compile(r"Execution Context:\s*([^\r\n]+)")

_APP_ERROR_TEXT = [
    ("app", re.compile(r"(?:Faulting application name|Name der fehlerhaften Anwendung):\s*([^,\r\n]+)")),
    ("app_version", re.compile(r"(?:Faulting application name|Name der fehlerhaften Anwendung):[^,\r\n]*,\s*(?:version|Version):\s*([^,\r\n]+)")),
    ("module", re.compile(r"(?:Faulting module name|Name des fehlerhaften Moduls):\s*([^,\r\n]+)")),
    ("module_version", re.compile(r"(?:Faulting module name|Name des fehlerhaften Moduls):[^,\r\n]*,\s*(?:version|Version):\s*([^,\r\n]+)")),
    ("exception_code", re.compile(r"(?:Exception code|Ausnahmecode):\s*(\S+)")),
    ("fault_offset", re.compile(r"(?:Fault offset|Fehleroffset):\s*(\S+)")),
    ("app_path", re.compile(r"(?:Faulting application path|Pfad der fehlerhaften Anwendung):\s*([^\r\n]+)")),
    ("module_path", re.compile(r"(?:Faulting module path|Pfad des fehlerhaften Moduls):\s*([^\r\n]+)")),
    ("report_id", re.compile(r"(?i)(?:Report Id|Berichtskennung|Berichts-ID):\s*([0-9a-f-]{36})")),
]
#: Application Error 1000 positional Data -> derived key
_APP_ERROR_PARAMS = {1: "app", 2: "app_version", 4: "module", 5: "module_version", 7: "exception_code",
                     8: "fault_offset", 11: "app_path", 12: "module_path", 13: "report_id"}

_SCM_SERVICE_PARAM = {7000: 1, 7001: 1, 7009: 2, 7011: 2, 7022: 1, 7023: 1, 7024: 1, 7031: 1,
                      7032: 1, 7034: 1, 7036: 1, 7040: 1, 7043: 1, 7045: 1}
_SCM_SERVICE_TEXT = re.compile(
    r"^(?:The|Der Dienst|Tjänsten)\s+(.+?)\s+(?:service\s+|-Dienst\s+)?(?:failed|terminated|depends|hung|entered|"
    r"did not|was|konnte|wurde|kunde|avslutades)",
)
_SCM_TIMEOUT_TEXT = re.compile(r"waiting for the (.+?) service to connect")

_DEFENDER_NAMES = {"Threat Name": "threat_name", "Path": "threat_path", "Process Name": "process_name"}
_DEFENDER_TEXT = [
    ("threat_name", re.compile(r"^[^\S\n]*Name:\s*(\S[^\r\n]*)", re.M)),
    ("threat_path", re.compile(r"^[^\S\n]*Path:\s*(\S[^\r\n]*)", re.M)),
    ("process_name", re.compile(r"^[^\S\n]*Process Name:\s*(\S[^\r\n]*)", re.M)),
]


def _param(values: dict[str, str], number: int) -> str | None:
    return values.get(f"param{number}") or values.get(f"data.param{number}")


def _exception_code(value: str) -> str:
    code = value.strip().lower()
    while code.startswith("0x"):
        code = code[2:]
    return "0x" + code if code else ""


def _decode_binary(hexdata: str) -> str:
    """Printable text inside an EventData Binary blob (SCM key names, VSS diagnostics)."""
    try:
        raw = bytes.fromhex(hexdata)
    except ValueError:
        return ""
    if len(raw) >= 4 and raw[1::2].count(0) >= len(raw) // 2 - 1:
        text = raw.decode("utf-16-le", errors="replace")
    else:
        text = raw.decode("latin-1")
    text = text.rstrip("\x00").replace("\x00", " ")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text.strip() if text and printable / len(text) > 0.9 else ""


def _derive(values: dict[str, str], record: _Record, message: str) -> None:
    """Add the derived keys named in the module docstring to ``values``."""
    provider = record.provider
    event_id = int(record.event_id) if record.event_id.isdigit() else -1
    everything = "\n".join(v for k, v in values.items() if k.startswith(("param", "data.")))
    haystack = everything + "\n" + message
    win32 = _WIN32_REF.search(everything) or _WIN32_REF.search(message)
    if win32:
        number = int(win32.group(1))
        values["win32_error"] = str(number)
        if number in WIN32_ERRORS:
            values["win32_error_text"] = WIN32_ERRORS[number]
    hr = _HR.search(haystack)
    if hr:
        values["hr"] = hr.group(1).lower()
    elif provider == "VSS":  # "hr = %2": the hr is an insertion string of its own
        for number in (2, 1, 3):
            found = _HR_VALUE.match(_param(values, number) or "")
            if found:
                values["hr"] = found.group(1).lower()
                break
    if "Writer Name:" in haystack or "Execution Context:" in haystack:
        for key, pattern in (("vss_writer", _VSS_WRITER), ("vss_operation", _VSS_OPERATION),
                             ("vss_context", _VSS_CONTEXT)):
            found = pattern.search(haystack)
            if found:
                values[key] = found.group(1).strip()
    if provider == "Application Error" and event_id == 1000:
        if _param(values, 1):
            for number, key in _APP_ERROR_PARAMS.items():
                value = _param(values, number)
                if value:
                    values[key] = value
        else:
            for key, pattern in _APP_ERROR_TEXT:
                found = pattern.search(message)
                if found:
                    values[key] = found.group(1).strip()
        for key in ("exception_code", "fault_offset"):
            if values.get(key):
                values[key] = _exception_code(values[key])
    elif provider == "Windows Error Reporting" and event_id == 1001:
        if _param(values, 3):
            values["wer_event_name"] = _param(values, 3) or ""
            values["wer_p1"] = _param(values, 6) or ""
        else:
            name = re.search(r"Event Name:\s*(\S+)", message)
            p1 = re.search(r"^[^\S\n]*P1:\s*(\S[^\r\n]*)", message, re.M)
            if name:
                values["wer_event_name"] = name.group(1)
            if p1:
                values["wer_p1"] = p1.group(1).strip()
    elif provider in ("Service Control Manager", "Microsoft-Windows-Service Control Manager"):
        index = _SCM_SERVICE_PARAM.get(event_id)
        service = _param(values, index) if index else None
        if not service and message:
            found = _SCM_TIMEOUT_TEXT.search(message) or _SCM_SERVICE_TEXT.search(message.strip())
            service = found.group(1) if found else None
        if service:
            values["service"] = service
        if values.get("binary_text") and re.fullmatch(r"[\w.$ -]{1,256}", values["binary_text"]):
            values["service_key"] = values["binary_text"]
        elif event_id == 7040 and _param(values, 4):
            values["service_key"] = _param(values, 4) or ""
    elif "Defender" in provider:
        for name, key in _DEFENDER_NAMES.items():
            if values.get(f"data.{name}"):
                values[key] = values[f"data.{name}"]
        if "threat_name" not in values and message:
            for key, pattern in _DEFENDER_TEXT:
                found = pattern.search(message)
                if found:
                    values[key] = found.group(1).strip()


_SPACES = re.compile(r"\s+")


def _compact(data: list[tuple[str, str]]) -> str:
    """``key=value; key=value`` with whitespace folded, each value cut at 300 characters."""
    parts = []
    for key, value in data:
        value = _SPACES.sub(" ", value).strip()
        if len(value) > 300:
            value = value[:300] + "..."
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def _emit(result: ParseResult, record: _Record, fmt: str, *, line: int, span: int) -> None:
    """Normalise ``record`` into one row of ``result.events`` (secrets masked first)."""
    level = _level(record)
    values: dict[str, str] = {"format": fmt}
    for key in ("provider", "event_id", "qualifiers", "level", "level_name", "task", "task_name",
                "opcode", "keywords", "channel", "computer", "record_id", "user_sid", "process_id"):
        value = getattr(record, key)
        if value:
            values[key] = value
    data_pairs: list[tuple[str, str]] = []
    position = 0
    for name, value in record.data:
        if name:
            key = f"data.{name}"
            data_pairs.append((name, value))
        else:
            position += 1
            key = f"param{position}"
            data_pairs.append((key, value))
        values[key] = value
    for name, value in record.user_data:
        values[f"user_data.{name}"] = value
        data_pairs.append((name, value))
    if record.binary:
        values["binary"] = record.binary[:1024]
        decoded = _decode_binary(record.binary[:4096])
        if decoded:
            values["binary_text"] = decoded
    values.update(record.extra)
    if record.message:
        message = record.message.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    else:
        message = _compact(data_pairs)
    message = redact(message)
    values = redact_fields(values)
    _derive(values, record, message)
    result.events.add(
        line=line,
        message=message,
        time=record.time,
        level=level,
        component=record.provider or None,
        fields=values,
        local_time=record.local_time and record.time is not None,
        span=span,
    )


# --------------------------------------------------------------------------------------------
# .evtx

_CHUNK_NUMBER = re.compile(r"chunk number (\d+)")
_RECORD_NUMBER = re.compile(r"record number (\d+)")


def _json_text(value: object) -> str:
    """``#text`` of an evtx JSON node, or the scalar itself."""
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    return _text(value)


def _attributes(node: object) -> dict:
    if isinstance(node, dict):
        found = node.get("#attributes")
        if isinstance(found, dict):
            return found
    return {}


def _flatten_json(node: object, prefix: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "#attributes":
                continue
            name = prefix if key == "#text" else (f"{prefix}.{key}" if prefix else key)
            _flatten_json(value, name, out)
    elif isinstance(node, list):
        out.append((prefix, "\n".join(_text(v) for v in node)))
    elif prefix:
        out.append((prefix, _text(node)))


def _record_from_evtx_json(document: dict) -> _Record:
    """The neutral record of one ``records_json()`` document."""
    event = document.get("Event") if isinstance(document, dict) else None
    if not isinstance(event, dict):
        event = {}
    system = event.get("System") if isinstance(event.get("System"), dict) else {}
    record = _Record()
    provider = _attributes(system.get("Provider"))
    record.provider = _text(provider.get("Name") or provider.get("EventSourceName") or "")
    event_id = system.get("EventID")
    record.event_id = _json_text(event_id)
    qualifiers = _attributes(event_id).get("Qualifiers")
    record.qualifiers = _text(qualifiers) if qualifiers is not None else ""
    for key, attr in (("level", "Level"), ("task", "Task"), ("opcode", "Opcode"),
                      ("keywords", "Keywords"), ("record_id", "EventRecordID"),
                      ("channel", "Channel"), ("computer", "Computer")):
        value = system.get(attr)
        if value is not None:
            setattr(record, key, _json_text(value))
    record.user_sid = _text(_attributes(system.get("Security")).get("UserID") or "")
    record.process_id = _text(_attributes(system.get("Execution")).get("ProcessID") or "")
    system_time = _attributes(system.get("TimeCreated")).get("SystemTime")
    if system_time:
        record.time, _ = parse_iso(str(system_time))
    event_data = event.get("EventData")
    if isinstance(event_data, dict):
        for key, value in event_data.items():
            if key == "#attributes":
                continue
            if key == "Binary":
                record.binary = _text(value) if value is not None else ""
            elif key in ("Data", "#text"):
                items = value.get("#text") if isinstance(value, dict) else value
                if isinstance(items, list):
                    record.data.extend((None, _text(v)) for v in items)
                elif items is not None or key == "Data":
                    record.data.append((None, _text(items)))
            else:
                record.data.append((key, _json_text(value)))
    elif event_data is not None:
        record.data.append((None, _json_text(event_data)))
    user_data = event.get("UserData")
    if isinstance(user_data, dict):
        for key, value in user_data.items():
            if key != "#attributes":
                _flatten_json(value, "", record.user_data)
    return record


def claim_evtx(path: str, head: bytes) -> int:
    """``ElfFile\\0`` magic (or a legacy ``.evt`` ``LfLe``, which we only report)."""
    name = normalise_path(path)
    if head.startswith(EVTX_MAGIC) or head[4:8] == LEGACY_EVT_MAGIC:
        return BY_NAME_AND_CONTENT if name.endswith((".evtx", ".evt")) else BY_CONTENT
    if name.endswith(".evtx"):
        return BY_NAME
    return 0


def parse_evtx(data: bytes, context: ParseContext) -> ParseResult:
    """Every readable record of a binary event log; damaged chunks/records become problems."""
    result = ParseResult(source=SOURCE)
    try:
        _read_evtx(data, context, result)
    except Exception as error:  # a bug of ours, never the caller's problem
        result.problems.append(Problem(context.file, "parser-error", f"evtx: {type(error).__name__}: {error}"))
    result.lines = result.events.spans + result.unparsed
    return result


_EVTX_HEADER_BYTES = 4096
_EVTX_CHUNK_BYTES = 65536


def _evtx_cut(data: bytes) -> str | None:
    """Why an .evtx file looks cut short, or None: smaller than its header, than the chunks its
    header counts, or ending inside a chunk (every chunk is 64 KiB)."""
    if len(data) < 128:
        return f"evtx file ends inside its header ({len(data)} bytes); no records can be read"
    chunks = int.from_bytes(data[42:44], "little")
    expected = _EVTX_HEADER_BYTES + chunks * _EVTX_CHUNK_BYTES
    if len(data) < expected:
        return (f"evtx file is {len(data)} bytes but its header counts {chunks} chunk(s) "
                f"({expected} bytes); later records are missing")
    if len(data) > _EVTX_HEADER_BYTES and (len(data) - _EVTX_HEADER_BYTES) % _EVTX_CHUNK_BYTES:
        return "evtx file ends inside a 64 KiB chunk; the records after the cut are missing"
    return None


def _read_evtx(data: bytes, context: ParseContext, result: ParseResult) -> None:
    if data[4:8] == LEGACY_EVT_MAGIC and not data.startswith(EVTX_MAGIC):
        result.problems.append(Problem(
            context.file, "binary",
            "legacy Windows XP/2003 .evt event log: not read; export it as .evtx or CSV"))
        return
    if not data.startswith(EVTX_MAGIC):
        result.problems.append(Problem(context.file, "malformed", "not an .evtx file (no ElfFile magic)"))
        return
    cut = _evtx_cut(data)
    from evtx import PyEvtxParser

    try:
        records = PyEvtxParser(io.BytesIO(data), number_of_threads=1).records_json()
    except Exception as error:
        result.problems.append(Problem(context.file, "damaged", f"evtx file cannot be opened: {error}"))
        if cut:
            result.problems.append(Problem(context.file, "truncated", cut))
        return
    last_record = 0
    damage = 0
    while True:
        try:
            item = next(records)
        except StopIteration:
            break
        except Exception as error:
            damage += 1
            text = str(error)
            chunk = _CHUNK_NUMBER.search(text)
            number = _RECORD_NUMBER.search(text)
            where = (f"chunk {chunk.group(1)}" if chunk else
                     f"record {number.group(1)}" if number else f"after record {last_record}")
            result.problems.append(Problem(context.file, "damaged", f"evtx {where}: {text[:300]}"))
            result.unparsable(int(number.group(1)) if number else last_record + 1)
            if damage > 10_000:  # a hostile file cannot keep us here
                result.problems.append(Problem(context.file, "damaged", "too many damaged places; stopped"))
                break
            continue
        try:
            document = load_json(item["data"])
            record = _record_from_evtx_json(document)
        except Exception as error:
            result.problems.append(Problem(context.file, "damaged", f"evtx record {item.get('event_record_id')}: unreadable JSON ({error})"))
            result.unparsable(last_record + 1)
            continue
        number = item.get("event_record_id")
        if not record.record_id and number is not None:
            record.record_id = str(number)
        line = int(record.record_id) if record.record_id.isdigit() and int(record.record_id) < 2**31 else last_record + 1
        last_record = line
        _emit(result, record, "evtx", line=line, span=1)
    if cut:
        result.problems.append(Problem(context.file, "truncated", cut))
    elif context.truncated:
        result.problems.append(Problem(context.file, "truncated", "evtx file was cut; later records are missing"))


# --------------------------------------------------------------------------------------------
# wevtutil / Event Viewer XML

_EVENT_START = re.compile(r"<(?:[\w.-]+:)?Event[\s>/]")
_EVENT_END = re.compile(r"</(?:[\w.-]+:)?Event\s*>")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)
_HOSTILE_XML = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.I)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _flatten_xml(element, prefix: str, out: list[tuple[str, str]]) -> None:
    children = list(element)
    if not children:
        out.append((prefix, (element.text or "").strip()))
        return
    for child in children:
        name = _local(child.tag)
        _flatten_xml(child, f"{prefix}.{name}" if prefix else name, out)


def _record_from_xml(event) -> _Record:
    """The neutral record of one ``<Event>`` element (namespaces ignored)."""
    record = _Record()
    for part in event:
        section = _local(part.tag)
        if section == "System":
            for item in part:
                name = _local(item.tag)
                text = (item.text or "").strip()
                if name == "Provider":
                    record.provider = item.get("Name") or item.get("EventSourceName") or ""
                elif name == "EventID":
                    record.event_id = text
                    record.qualifiers = item.get("Qualifiers") or ""
                elif name == "TimeCreated":
                    record.time, _ = parse_iso(item.get("SystemTime") or "")
                elif name == "EventRecordID":
                    record.record_id = text
                elif name == "Execution":
                    record.process_id = item.get("ProcessID") or ""
                elif name == "Security":
                    record.user_sid = item.get("UserID") or ""
                elif name in ("Level", "Task", "Opcode", "Keywords", "Channel", "Computer"):
                    setattr(record, name.lower(), text)
        elif section == "EventData":
            for item in part:
                name = _local(item.tag)
                if name == "Binary":
                    record.binary = (item.text or "").strip()
                elif name == "Data":
                    record.data.append((item.get("Name") or None, item.text or ""))
                else:
                    record.data.append((name, item.text or ""))
        elif section == "UserData":
            for item in part:
                _flatten_xml(item, "", record.user_data)
        elif section == "RenderingInfo":
            record.extra["culture"] = part.get("Culture") or ""
            for item in part:
                name = _local(item.tag)
                text = (item.text or "").strip()
                if name == "Message":
                    record.message = item.text or ""
                elif name == "Level":
                    record.level_name = text
                elif name == "Task":
                    record.task_name = text
    if not record.extra.get("culture"):
        record.extra.pop("culture", None)
    return record


def _looks_like_event_xml(text: str) -> bool:
    head = text[:4096]
    return bool(_EVENT_START.search(head) or re.search(r"<(?:[\w.-]+:)?Events[\s>]", head))


def claim_event_xml(path: str, head: bytes) -> int:
    """``<Event xmlns=...events/event>`` streams (wevtutil /f:xml, RenderedXml, Event Viewer .xml)."""
    text = decode(head[:8192]).text
    content = _looks_like_event_xml(text) and (
        "schemas.microsoft.com/win/2004/08/events/event" in text or "<System>" in text or "<System " in text
    )
    name = normalise_path(path)
    if content:
        return BY_NAME_AND_CONTENT if name.endswith(".xml") else BY_CONTENT
    return 0


def parse_event_xml(data: bytes, context: ParseContext) -> ParseResult:
    """A wevtutil XML stream or an Event Viewer XML export, through defusedxml."""
    result = ParseResult(source=SOURCE)
    try:
        _read_event_xml(data, context, result)
    except Exception as error:
        result.problems.append(Problem(context.file, "parser-error", f"event XML: {type(error).__name__}: {error}"))
        result.unparsed = result.lines - result.events.spans
    return result


def _line_starts(text: str) -> list[int]:
    """Offsets at which each physical line starts (same splitting as split_lines)."""
    starts = [0]
    for match in re.finditer(r"\r\n|\r|\n", text):
        starts.append(match.end())
    if starts[-1] == len(text) and len(starts) > 1:
        starts.pop()
    return starts


def _read_event_xml(data: bytes, context: ParseContext, result: ParseResult) -> None:
    decoded = decode(data)
    text = decoded.text
    if decoded.warning:
        result.problems.append(Problem(context.file, "encoding", decoded.warning))
    lines = split_lines(text)
    result.lines = len(lines)
    if _HOSTILE_XML.search(text):
        result.problems.append(Problem(context.file, "malformed",
                                       "XML with a DTD or entity declaration refused (not expanded)"))
        for number in range(1, result.lines + 1):
            result.unparsable(number)
        return
    body = _XML_DECLARATION.sub("", text, count=1)
    offset = len(text) - len(body)
    starts = _line_starts(text)
    event_offsets = [m.start() + offset for m in _EVENT_START.finditer(body)]
    event_lines = [bisect.bisect_right(starts, pos) for pos in event_offsets]
    try:
        root = SafeET.fromstring("<LogAnalyzerEvents>" + body + "</LogAnalyzerEvents>")
    except Exception as error:
        _salvage_event_xml(text, starts, event_offsets, context, result, error)
        return
    events = [el for el in root.iter() if _local(el.tag) == "Event"]
    if not events:
        result.problems.append(Problem(context.file, "malformed", "XML holds no <Event> element"))
        for number in range(1, result.lines + 1):
            result.unparsable(number)
        return
    aligned = len(events) == len(event_lines)
    for index, event in enumerate(events):
        record = _record_from_xml(event)
        fmt = "rendered-xml" if record.message or record.level_name else "xml"
        if aligned:
            first = event_lines[index]
            end = event_lines[index + 1] if index + 1 < len(event_lines) else result.lines + 1
            span = end - first + (first - 1 if index == 0 else 0)
        else:
            first, span = index + 1, (result.lines if index == 0 else 0)
        _emit(result, record, fmt, line=first, span=span)


def _salvage_event_xml(text, starts, event_offsets, context, result, error) -> None:
    """A broken stream: parse each ``<Event>...</Event>`` on its own; the rest is unparsed."""
    result.problems.append(Problem(context.file, "malformed", f"XML does not parse: {error}"))
    covered: set[int] = set()
    for index, start in enumerate(event_offsets):
        stop = event_offsets[index + 1] if index + 1 < len(event_offsets) else len(text)
        end_tag = _EVENT_END.search(text, start, stop)
        if not end_tag:
            continue
        try:
            element = SafeET.fromstring(text[start:end_tag.end()])
        except Exception:
            continue
        first = bisect.bisect_right(starts, start)
        last = bisect.bisect_right(starts, end_tag.end() - 1)
        new_lines = [n for n in range(first, last + 1) if n not in covered]
        covered.update(new_lines)
        record = _record_from_xml(element)
        fmt = "rendered-xml" if record.message or record.level_name else "xml"
        _emit(result, record, fmt, line=first, span=len(new_lines))
    for number in range(1, result.lines + 1):
        if number not in covered:
            result.unparsable(number)


# --------------------------------------------------------------------------------------------
# Localised dates (Event Viewer CSV/TXT, PowerShell Export-Csv)

_LOCAL_DATE = re.compile(
    r"^\s*(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})[ T,]+(\d{1,2})[:.](\d\d)(?:[:.](\d\d))?(?:[.,](\d+))?"
    r"\s*(AM|PM|A\.M\.|P\.M\.|fm|em|vorm\.|nachm\.)?\s*$",
    re.I,
)


@dataclass(frozen=True)
class _DateParts:
    first: int
    separator: str
    second: int
    third: int
    year_first: bool
    hour: int
    minute: int
    second_of_minute: int
    micros: int
    meridiem: str


def _date_parts(value: str) -> _DateParts | None:
    """The pieces of a culture-formatted date, order not yet decided; None if it is not one."""
    match = _LOCAL_DATE.match(value or "")
    if not match:
        return None
    a, sep, b, c, hour, minute, second, fraction, meridiem = match.groups()
    if len(a) != 4 and len(c) != 4:
        return None
    return _DateParts(int(a), sep, int(b), int(c), len(a) == 4, int(hour), int(minute),
                      int(second or 0), int((fraction or "0")[:6].ljust(6, "0")),
                      (meridiem or "").lower().replace(".", ""))


def _date_order(samples: Iterable[_DateParts]) -> tuple[str, bool]:
    """``(order, ambiguous)`` for a file's dates: ``ymd``, ``dmy`` or ``mdy``."""
    samples = list(samples)
    if not samples or all(p.year_first for p in samples):
        return "ymd", False
    if any(p.separator in ".-" for p in samples if not p.year_first):
        return "dmy", False
    if any(p.first > 12 for p in samples):
        return "dmy", False
    if any(p.second > 12 for p in samples):
        return "mdy", False
    if any(p.meridiem in ("am", "pm") for p in samples):
        return "mdy", True
    return "dmy", True


def _local_datetime(parts: _DateParts | None, order: str) -> datetime | None:
    if parts is None:
        return None
    if parts.year_first:
        year, month, day = parts.first, parts.second, parts.third
    elif order == "mdy":
        month, day, year = parts.first, parts.second, parts.third
    else:
        day, month, year = parts.first, parts.second, parts.third
    hour = parts.hour
    if parts.meridiem in ("pm", "em", "nachm") and hour < 12:
        hour += 12
    elif parts.meridiem in ("am", "fm", "vorm") and hour == 12:
        hour = 0
    try:
        return datetime(year, month, day, hour, parts.minute, parts.second_of_minute, parts.micros)
    except ValueError:
        return None


def _keywords_hex(value: str) -> str:
    """PowerShell writes Keywords as a signed 64-bit integer; evtx shows hex."""
    value = value.strip()
    if re.fullmatch(r"-?\d{1,20}", value):
        return hex(int(value) & 0xFFFFFFFFFFFFFFFF)
    return value


def _csv_rows(text: str, delimiter: str) -> tuple[list[tuple[int, int, list[str]]], str | None]:
    """``(first line, last line, cells)`` per CSV record, and an error text if reading stopped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, int, list[str]]] = []
    previous = 0
    try:
        for cells in reader:
            rows.append((previous + 1, reader.line_num, cells))
            previous = reader.line_num
    except csv.Error as error:
        return rows, f"CSV unreadable after line {previous}: {error}"
    return rows, None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


class _Spans:
    """Collects events with their physical lines so leading/trailing lines join an event."""

    def __init__(self, result: ParseResult, fmt: str) -> None:
        self.result = result
        self.fmt = fmt
        self.pending: list[tuple[_Record, int, int]] = []  # record, first line, span
        self.leading = 0

    def add(self, record: _Record, first: int, last: int) -> None:
        self.pending.append((record, first, last - first + 1))

    def extend_last(self, lines: int, text: str | None = None) -> bool:
        if not self.pending:
            return False
        record, first, span = self.pending[-1]
        if text is not None:
            record.message = (record.message + "\n" + text) if record.message else text
        self.pending[-1] = (record, first, span + lines)
        return True

    def flush(self, extras: dict[str, str] | None = None) -> None:
        for index, (record, first, span) in enumerate(self.pending):
            if extras:
                record.extra.update(extras)
            _emit(self.result, record, self.fmt, line=first, span=span + (self.leading if index == 0 else 0))
        if not self.pending:
            for number in range(1, self.leading + 1):
                self.result.unparsable(number)


# --------------------------------------------------------------------------------------------
# Event Viewer "Save All Events As" CSV / TXT

#: header names of the five named columns, per UI language (lower-case)
EVENTVIEWER_HEADERS = {
    "en": ("level", "date and time", "source", "event id", "task category"),
    "sv": ("nivå", "datum och tid", "källa", "händelse-id", "aktivitetskategori"),
    "de": ("ebene", "datum und uhrzeit", "quelle", "ereignis-id", "aufgabenkategorie"),
    "fr": ("niveau", "date et heure", "source", "id de l'événement", "catégorie de la tâche"),
}
_KNOWN_HEADER_NAMES = {name for names in EVENTVIEWER_HEADERS.values() for name in names}


def _eventviewer_header(cells: list[str]) -> bool:
    names = [c.strip().strip("\ufeff").lower() for c in cells if c.strip()]
    return 4 <= len(names) <= 6 and sum(n in _KNOWN_HEADER_NAMES for n in names) >= 3


def _eventviewer_row(cells: list[str]) -> _DateParts | None:
    """The row's date when ``cells`` has the shape level, date, source, id, category, message."""
    if len(cells) < 5 or not cells[3].strip().isdigit():
        return None
    return _date_parts(cells[1])


def _claim_eventviewer(path: str, head: bytes, delimiter: str, extensions: tuple[str, ...]) -> int:
    text = decode(head[:8192]).text
    lines = [line for line in split_lines(text)[:6] if line.strip()]
    if not lines:
        return 0
    rows, _ = _csv_rows("\n".join(lines[:1]), delimiter)
    first = rows[0][2] if rows else []
    content = _eventviewer_header(first) or _eventviewer_row(first) is not None
    if not content:
        return 0
    return BY_NAME_AND_CONTENT if normalise_path(path).endswith(extensions) else BY_CONTENT


def claim_eventviewer_csv(path: str, head: bytes) -> int:
    """Event Viewer CSV: five localised header names, six-field rows."""
    return _claim_eventviewer(path, head, ",", (".csv",))


def claim_eventviewer_txt(path: str, head: bytes) -> int:
    """Event Viewer tab-delimited TXT: same columns separated by TAB."""
    return _claim_eventviewer(path, head, "\t", (".txt", ".tsv", ".tab"))


def _parse_eventviewer(data: bytes, context: ParseContext, delimiter: str, fmt: str) -> ParseResult:
    result = ParseResult(source=SOURCE)
    try:
        _read_eventviewer(data, context, delimiter, fmt, result)
    except Exception as error:
        result.problems.append(Problem(context.file, "parser-error", f"{fmt}: {type(error).__name__}: {error}"))
        result.unparsed = result.lines - result.events.spans
    return result


def parse_eventviewer_csv(data: bytes, context: ParseContext) -> ParseResult:
    """Rows of an Event Viewer CSV export (local time, localised words)."""
    return _parse_eventviewer(data, context, ",", "eventviewer-csv")


def parse_eventviewer_txt(data: bytes, context: ParseContext) -> ParseResult:
    """Rows of an Event Viewer tab-delimited text export; unquoted continuation lines join the message."""
    return _parse_eventviewer(data, context, "\t", "eventviewer-txt")


def _read_eventviewer(data: bytes, context: ParseContext, delimiter: str, fmt: str, result: ParseResult) -> None:
    decoded = decode(data)
    if decoded.warning:
        result.problems.append(Problem(context.file, "encoding", decoded.warning))
    text = decoded.text
    result.lines = len(split_lines(text))
    rows, error = _csv_rows(text, delimiter)
    if error:
        result.problems.append(Problem(context.file, "malformed", error))
    dates = [p for p in (_eventviewer_row(cells) for _, _, cells in rows) if p is not None]
    order, ambiguous = _date_order(dates)
    spans = _Spans(result, fmt)
    header_seen = False
    for first, last, cells in rows:
        parts = _eventviewer_row(cells)
        if parts is not None:
            record = _Record(level_name=cells[0].strip())
            record.time = _local_datetime(parts, order)
            record.local_time = True
            record.provider = cells[2].strip()
            record.event_id = cells[3].strip()
            category = cells[4].strip()
            if re.fullmatch(r"\(\d+\)", category):
                record.task = category[1:-1]
            elif category:
                record.task_name = category
            record.message = delimiter.join(cells[5:])
            if record.time is None:
                record.extra["time_text"] = cells[1].strip()
            spans.add(record, first, last)
        elif not header_seen and not spans.pending and _eventviewer_header(cells):
            header_seen = True
            spans.leading += last - first + 1
        elif not any(c.strip() for c in cells):
            if not spans.extend_last(last - first + 1):
                spans.leading += last - first + 1
        elif fmt == "eventviewer-txt" and spans.extend_last(last - first + 1, delimiter.join(cells)):
            pass
        else:
            for number in range(first, last + 1):
                result.unparsable(number)
    consumed = rows[-1][1] if rows else 0
    for number in range(consumed + 1, result.lines + 1):
        result.unparsable(number)
    extras = {"date_order": order}
    if ambiguous:
        extras["date_ambiguous"] = "true"
    spans.flush(extras)


# --------------------------------------------------------------------------------------------
# PowerShell Get-WinEvent | Export-Csv

_PS_TYPE_LINE = "#TYPE System.Diagnostics.Eventing.Reader"
_PS_COLUMNS = {"id", "providername", "timecreated", "leveldisplayname", "logname", "recordid", "machinename"}


def _ps_header(line: str) -> list[str] | None:
    for delimiter in (",", ";", "\t"):
        rows, _ = _csv_rows(line, delimiter)
        if rows:
            names = [c.strip().strip("\ufeff").lower() for c in rows[0][2]]
            if len(_PS_COLUMNS.intersection(names)) >= 2 and ("id" in names or "providername" in names):
                return [delimiter] + names
    return None


def claim_powershell_csv(path: str, head: bytes) -> int:
    """``#TYPE System.Diagnostics.Eventing.Reader...`` or a header with Id/ProviderName/TimeCreated."""
    text = decode(head[:8192]).text
    line = _first_line(text)
    content = line.startswith(_PS_TYPE_LINE) or line.startswith("#TYPE System.Diagnostics.Eventing") \
        or _ps_header(line) is not None
    if not content:
        return 0
    return BY_NAME_AND_CONTENT if normalise_path(path).endswith(".csv") else BY_CONTENT


def _record_from_powershell(values: dict[str, object]) -> _Record:
    """The neutral record of one EventLogRecord (CSV row or JSON object), keys lower-cased."""
    def get(name: str) -> str:
        value = values.get(name)
        return "" if value is None else _text(value).strip()

    record = _Record(
        provider=get("providername"),
        event_id=get("id"),
        qualifiers=get("qualifiers"),
        level=get("level"),
        level_name=get("leveldisplayname"),
        task=get("task"),
        task_name=get("taskdisplayname"),
        opcode=get("opcode"),
        keywords=_keywords_hex(get("keywords")),
        record_id=get("recordid"),
        channel=get("logname"),
        computer=get("machinename"),
        user_sid=get("userid"),
        process_id=get("processid"),
    )
    message = values.get("message")
    record.message = _text(message) if message is not None else ""
    return record


def parse_powershell_csv(data: bytes, context: ParseContext) -> ParseResult:
    """Rows of ``Get-WinEvent | Export-Csv`` (any column subset, any order)."""
    result = ParseResult(source=SOURCE)
    try:
        _read_powershell_csv(data, context, result)
    except Exception as error:
        result.problems.append(Problem(context.file, "parser-error", f"powershell-csv: {type(error).__name__}: {error}"))
        result.unparsed = result.lines - result.events.spans
    return result


def _read_powershell_csv(data: bytes, context: ParseContext, result: ParseResult) -> None:
    decoded = decode(data)
    if decoded.warning:
        result.problems.append(Problem(context.file, "encoding", decoded.warning))
    text = decoded.text
    result.lines = len(split_lines(text))
    lines = split_lines(text)
    skip = 0
    while skip < len(lines) and (not lines[skip].strip() or lines[skip].startswith("#TYPE")):
        skip += 1
    header = _ps_header(lines[skip]) if skip < len(lines) else None
    spans = _Spans(result, "powershell-csv")
    spans.leading = skip
    if header is None:
        result.problems.append(Problem(context.file, "malformed", "no PowerShell Export-Csv header line"))
        for number in range(skip + 1, result.lines + 1):
            result.unparsable(number)
        spans.flush()
        return
    delimiter, names = header[0], header[1:]
    body = "\n".join(lines[skip:])
    rows, error = _csv_rows(body, delimiter)
    if error:
        result.problems.append(Problem(context.file, "malformed", error))
    time_column = names.index("timecreated") if "timecreated" in names else None
    dates = []
    if time_column is not None:
        dates = [p for p in (_date_parts(cells[time_column]) for _, _, cells in rows[1:]
                             if len(cells) > time_column) if p is not None]
    order, ambiguous = _date_order(dates)
    spans.leading += rows[0][1] if rows else 0
    for first, last, cells in rows[1:]:
        first, last = first + skip, last + skip
        if not any(c.strip() for c in cells):
            if not spans.extend_last(last - first + 1):
                spans.leading += last - first + 1
            continue
        if len(cells) < min(2, len(names)):
            for number in range(first, last + 1):
                result.unparsable(number)
            continue
        values = dict(zip(names, cells))
        record = _record_from_powershell(values)
        if time_column is not None and len(cells) > time_column:
            stamp = cells[time_column]
            parts = _date_parts(stamp)
            if parts is not None:
                record.time, record.local_time = _local_datetime(parts, order), True
            else:
                record.time, record.local_time = parse_iso(stamp)
        spans.add(record, first, last)
    consumed = (rows[-1][1] + skip) if rows else skip
    for number in range(consumed + 1, result.lines + 1):
        result.unparsable(number)
    extras = {"date_order": order} if dates and not all(p.year_first for p in dates) else {}
    if ambiguous:
        extras["date_ambiguous"] = "true"
    spans.flush(extras)


# --------------------------------------------------------------------------------------------
# PowerShell Get-WinEvent | ConvertTo-Json

_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def claim_powershell_json(path: str, head: bytes) -> int:
    """A JSON array/object whose objects carry ``ProviderName`` or ``TimeCreated`` and ``Id``."""
    text = decode(head[:8192]).text.lstrip("\ufeff \t\r\n")
    if not text.startswith(("[", "{")):
        return 0
    content = '"ProviderName"' in text or ('"TimeCreated"' in text and '"Id"' in text)
    if not content:
        return 0
    return BY_NAME_AND_CONTENT if normalise_path(path).endswith(".json") else BY_CONTENT


def _json_items(text: str) -> Iterator[tuple[int, int, object]]:
    """``(start, end, value)`` of each top-level element of a JSON array (or the lone object).

    Raises ``ValueError`` where the document breaks, after yielding what came before.
    """
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_JSON_DEPTH} levels deep; not read")
    decoder = json.JSONDecoder()
    position = 0
    length = len(text)

    def skip(at: int) -> int:
        while at < length and text[at] in " \t\r\n\ufeff":
            at += 1
        return at

    position = skip(position)
    if position < length and text[position] == "{":
        value, end = decoder.raw_decode(text, position)
        yield position, end, value
        if skip(end) != length:
            raise ValueError(f"unexpected text after the JSON object at offset {end}")
        return
    if position >= length or text[position] != "[":
        raise ValueError("not a JSON array or object")
    position = skip(position + 1)
    if position < length and text[position] == "]":
        return
    while True:
        value, end = decoder.raw_decode(text, position)
        yield position, end, value
        position = skip(end)
        if position < length and text[position] == ",":
            position = skip(position + 1)
            continue
        if position < length and text[position] == "]":
            if skip(position + 1) != length:
                raise ValueError(f"unexpected text after the JSON array at offset {position}")
            return
        raise ValueError(f"expected ',' or ']' at offset {position}")


def _powershell_time(value: object) -> tuple[datetime | None, bool]:
    if isinstance(value, dict):  # Windows PowerShell 5.1 DateTime with ETS members
        value = value.get("value") or value.get("Value") or value.get("DateTime")
    if not isinstance(value, str):
        return None, False
    found = _MS_DATE.search(value)
    if found:
        try:
            return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=int(found.group(1))), False
        except (OverflowError, ValueError):
            return None, False
    moment, local = parse_iso(value)
    if moment is None:
        parts = _date_parts(value)
        if parts is not None:
            order, _ = _date_order([parts])
            return _local_datetime(parts, order), True
    return moment, local


def parse_powershell_json(data: bytes, context: ParseContext) -> ParseResult:
    """Objects of ``Get-WinEvent | ConvertTo-Json``: Properties become param1..N."""
    result = ParseResult(source=SOURCE)
    try:
        _read_powershell_json(data, context, result)
    except Exception as error:
        result.problems.append(Problem(context.file, "parser-error", f"powershell-json: {type(error).__name__}: {error}"))
        result.unparsed = result.lines - result.events.spans
    return result


def _read_powershell_json(data: bytes, context: ParseContext, result: ParseResult) -> None:
    decoded = decode(data)
    if decoded.warning:
        result.problems.append(Problem(context.file, "encoding", decoded.warning))
    text = decoded.text
    result.lines = len(split_lines(text))
    starts = _line_starts(text)
    items: list[tuple[int, object]] = []
    last_line = result.lines  # last line belonging to the readable part
    try:
        for start, end, value in _json_items(text):
            items.append((bisect.bisect_right(starts, start), value))
            last_line = bisect.bisect_right(starts, max(start, end - 1))
    except (ValueError, RecursionError) as error:
        result.problems.append(Problem(context.file, "malformed", f"JSON does not parse: {error}"))
        if not items:
            last_line = 0
    else:
        last_line = result.lines
    for index, (first, value) in enumerate(items):
        line = first if index else 1
        stop = items[index + 1][0] - 1 if index + 1 < len(items) else last_line
        span = max(0, stop - line + 1)
        if not isinstance(value, dict):
            for number in range(line, line + span):
                result.unparsable(number)
            continue
        values = {str(k).lower(): v for k, v in value.items()}
        record = _record_from_powershell(values)
        record.time, record.local_time = _powershell_time(values.get("timecreated"))
        properties = values.get("properties")
        if isinstance(properties, list):
            for item in properties:
                inner = item.get("Value", item.get("value")) if isinstance(item, dict) else item
                record.data.append((None, _text(redact_json(inner))))
        _emit(result, record, "powershell-json", line=first, span=span)
    for number in range(last_line + 1, result.lines + 1):
        result.unparsable(number)


# --------------------------------------------------------------------------------------------

PARSERS = (
    Parser("evtx", SOURCE, claim_evtx, parse_evtx),
    Parser("event-xml", SOURCE, claim_event_xml, parse_event_xml),
    Parser("powershell-csv", SOURCE, claim_powershell_csv, parse_powershell_csv),
    Parser("powershell-json", SOURCE, claim_powershell_json, parse_powershell_json),
    Parser("eventviewer-csv", SOURCE, claim_eventviewer_csv, parse_eventviewer_csv),
    Parser("eventviewer-txt", SOURCE, claim_eventviewer_txt, parse_eventviewer_txt),
)
