"""Keys derived from an event's data or, for rendered exports, from its English/German message.

Shared by every event export format (no parser here). From an Application Error 1000 event::

    Faulting application name: IaaSBcdrExtension.exe, version: 1.0.92.0, time stamp: 0x65f1c2a4
    Faulting module name: KERNELBASE.dll, version: 10.0.17763.5830, time stamp: 0x1e3b5c8a
    Exception code: 0xe0434352

it derives ``app``, ``app_version``, ``module``, ``module_version``, ``exception_code``; see
:data:`DERIVED_FIELDS` for every key. ``win32_error`` is the raw number of a ``%%N`` insertion;
its text is added after parsing by :mod:`loganalyzer.enrich` from ``signatures/knowledge.toml``.
"""

from __future__ import annotations

import re

__all__ = ["DERIVED_FIELDS", "derive"]

DERIVED_FIELDS = {
    "win32_error": "Win32 error number cited as %%N in the data or message (%%1053 -> 1053)",
    "win32_error_text": "short meaning of win32_error (added after parsing from knowledge.toml result_codes.win32)",
    "hr": "HRESULT as 0x-hex (`hr = 0x80042306`, or a VSS insertion string)",
    "vss_writer": "VSS writer name (Writer Name: ...)",
    "vss_operation": "VSS operation (Operation: ...)",
    "vss_context": "VSS execution context (Execution Context: ...)",
    "app": "Application Error 1000: faulting application name",
    "app_version": "Application Error 1000: faulting application version",
    "module": "Application Error 1000: faulting module name",
    "module_version": "Application Error 1000: faulting module version",
    "exception_code": "Application Error 1000: exception code as 0x-hex",
    "fault_offset": "Application Error 1000: fault offset as 0x-hex",
    "app_path": "Application Error 1000: faulting application path",
    "module_path": "Application Error 1000: faulting module path",
    "report_id": "Application Error 1000: report id (a GUID)",
    "wer_event_name": "Windows Error Reporting 1001: event name (APPCRASH, ...)",
    "wer_p1": "Windows Error Reporting 1001: P1 (the application)",
    "service": "Service Control Manager: the service's display name",
    "service_key": "Service Control Manager: the service's key name (from the binary data or 7040 param4)",
    "threat_name": "Windows Defender: threat name",
    "threat_path": "Windows Defender: path of the threat",
    "process_name": "Windows Defender: process that touched the threat",
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

#: Service Control Manager event id -> the insertion string that names the service
_SCM_SERVICE_PARAM = {7000: 1, 7001: 1, 7009: 2, 7011: 2, 7022: 1, 7023: 1, 7024: 1, 7031: 1,
                      7032: 1, 7034: 1, 7036: 1, 7040: 1, 7043: 1, 7045: 1}
_SCM_SERVICE_TEXT = re.compile(
    r"^(?:The|Der Dienst|Tjänsten)\s+(.+?)\s+(?:service\s+|-Dienst\s+)?(?:failed|terminated|depends|hung|entered|"
    r"did not|was|konnte|wurde|kunde|avslutades)",
)
_SCM_TIMEOUT_TEXT = re.compile(r"waiting for the (.+?) service to connect")
_SCM_PROVIDERS = ("Service Control Manager", "Microsoft-Windows-Service Control Manager")

_DEFENDER_NAMES = {"Threat Name": "threat_name", "Path": "threat_path", "Process Name": "process_name"}
_DEFENDER_TEXT = [
    ("threat_name", re.compile(r"^[^\S\n]*Name:\s*(\S[^\r\n]*)", re.MULTILINE)),
    ("threat_path", re.compile(r"^[^\S\n]*Path:\s*(\S[^\r\n]*)", re.MULTILINE)),
    ("process_name", re.compile(r"^[^\S\n]*Process Name:\s*(\S[^\r\n]*)", re.MULTILINE)),
]
_WER_NAME = re.compile(r"Event Name:\s*(\S+)")
_WER_P1 = re.compile(r"^[^\S\n]*P1:\s*(\S[^\r\n]*)", re.MULTILINE)


def _param(values: dict[str, str], number: int) -> str | None:
    return values.get(f"param{number}") or values.get(f"data.param{number}")


def _hex_code(value: str) -> str:
    code = value.strip().lower()
    while code.startswith("0x"):
        code = code[2:]
    return "0x" + code if code else ""


def _first_matches(values: dict[str, str], patterns, text: str) -> None:
    for key, pattern in patterns:
        found = pattern.search(text)
        if found:
            values[key] = found.group(1).strip()


def _application_error(values: dict[str, str], message: str) -> None:
    if _param(values, 1):
        for number, key in _APP_ERROR_PARAMS.items():
            value = _param(values, number)
            if value:
                values[key] = value
    else:
        _first_matches(values, _APP_ERROR_TEXT, message)
    for key in ("exception_code", "fault_offset"):
        if values.get(key):
            values[key] = _hex_code(values[key])


def _error_reporting(values: dict[str, str], message: str) -> None:
    if _param(values, 3):
        values["wer_event_name"] = _param(values, 3) or ""
        values["wer_p1"] = _param(values, 6) or ""
        return
    name, p1 = _WER_NAME.search(message), _WER_P1.search(message)
    if name:
        values["wer_event_name"] = name.group(1)
    if p1:
        values["wer_p1"] = p1.group(1).strip()


def _service_control(values: dict[str, str], event_id: int, message: str) -> None:
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


def _defender(values: dict[str, str], message: str) -> None:
    for name, key in _DEFENDER_NAMES.items():
        if values.get(f"data.{name}"):
            values[key] = values[f"data.{name}"]
    if "threat_name" not in values and message:
        _first_matches(values, _DEFENDER_TEXT, message)


def derive(values: dict[str, str], provider: str, event_id_text: str, message: str) -> None:
    """Add the keys of :data:`DERIVED_FIELDS` that ``values`` and ``message`` support."""
    event_id = int(event_id_text) if event_id_text.isdigit() else -1
    inserted = "\n".join(v for k, v in values.items() if k.startswith(("param", "data.")))
    haystack = inserted + "\n" + message
    win32 = _WIN32_REF.search(inserted) or _WIN32_REF.search(message)
    if win32:
        values["win32_error"] = str(int(win32.group(1)))
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
        patterns = (("vss_writer", _VSS_WRITER), ("vss_operation", _VSS_OPERATION), ("vss_context", _VSS_CONTEXT))
        _first_matches(values, patterns, haystack)
    if provider == "Application Error" and event_id == 1000:
        _application_error(values, message)
    elif provider == "Windows Error Reporting" and event_id == 1001:
        _error_reporting(values, message)
    elif provider in _SCM_PROVIDERS:
        _service_control(values, event_id, message)
    elif "Defender" in provider:
        _defender(values, message)
