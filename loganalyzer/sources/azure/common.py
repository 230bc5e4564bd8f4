"""What every Azure export reader shares: value helpers for (key-folded) JSON, the time of an
export, the record that becomes an event, and the text prologue (through the kit).

Secrets are masked by :mod:`loganalyzer.redaction` only: :func:`clean` for text,
:func:`mask_json` for parsed JSON, both before a value reaches an event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...redaction import redact, redact_json
from .. import ParseContext, ParseResult, ReportedInBundle
from .._kit import MAX_LINE_CHARS, begin_text, parse_instant

__all__ = [
    "RG_IN_ID",
    "SUB_IN_ID",
    "VAULT_IN_ID",
    "Moment",
    "Record",
    "add_record",
    "as_dict",
    "as_list",
    "base_name",
    "clean",
    "fold",
    "last_segment",
    "localized",
    "mask_json",
    "match_group",
    "parse_time",
    "pick",
    "read_lines",
    "scalar",
    "seconds_text",
]


def clean(text: object) -> str:
    """Text for the event table, secrets masked."""
    if text is None:
        return ""
    return redact(text if isinstance(text, str) else str(text))


def mask_json(value: object) -> object:
    """Parsed JSON with every secret masked."""
    return redact_json(value)


def fold(value: object) -> object:
    """JSON with every object key lower-cased (Azure's key spelling varies by tool and version)."""
    if isinstance(value, dict):
        return {str(k).lower(): fold(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fold(v) for v in value]
    return value


def pick(obj: object, *keys: str) -> Any:
    """The first of ``keys`` (lower-case) found in ``obj``, its ``properties`` or
    ``additionalproperties``; None when absent."""
    if not isinstance(obj, dict):
        return None
    places = [obj]
    props = obj.get("properties")
    if isinstance(props, dict):
        places.append(props)
        extra = props.get("additionalproperties")
        if isinstance(extra, dict):
            places.append(extra)
    extra = obj.get("additionalproperties")
    if isinstance(extra, dict):
        places.append(extra)
    for key in keys:
        for place in places:
            if key in place and place[key] is not None:
                return place[key]
    return None


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


#: what PowerShell's ConvertTo-Json writes for objects below its depth limit
_PS_TYPE_NAME = re.compile(r"^(System|Microsoft)\.[\w.]*(`|Collections\.|\.Models\.)[\w.`\[\], ]*$")


def scalar(value: object) -> str | None:
    """A scalar as a short string (booleans lower-case); None for missing, objects, lists and
    PowerShell's depth-limit type names."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, str) and _PS_TYPE_NAME.match(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(str(value)).strip()


def localized(value: object) -> str | None:
    """``{"value": ..., "localizedValue": ...}`` (activity log) or a plain string: the value."""
    if isinstance(value, dict):
        return scalar(value.get("value")) or scalar(value.get("localizedvalue"))
    return scalar(value)


def last_segment(resource_id: str | None) -> str | None:
    if not resource_id:
        return None
    return resource_id.rstrip("/").rsplit("/", 1)[-1] or None


RG_IN_ID = re.compile(r"/resourcegroups/([^/]+)", re.IGNORECASE)
VAULT_IN_ID = re.compile(r"/vaults/([^/]+)", re.IGNORECASE)
SUB_IN_ID = re.compile(r"/subscriptions/([^/]+)", re.IGNORECASE)


def match_group(pattern: re.Pattern[str], text: str | None) -> str | None:
    if not text:
        return None
    found = pattern.search(text)
    return found.group(1) if found else None


#: an ISO stamp (the kit reads it), or one to the minute (``2026-03-02T21:00``)
_ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}")
_ISO_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?=\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?$)")
#: the viewer's culture formats of the portal's CSV and PowerShell tables (local time)
_CULTURE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
)
#: Azure's "never" placeholders (2001-01-01 for no backup yet, 0001-01-01 for unset)
_PLACEHOLDER_YEAR = 2010


@dataclass(frozen=True)
class Moment:
    """A time read from an export: ``local`` when it is the viewer's wall-clock time."""

    time: datetime
    local: bool = False

    def iso(self) -> str:
        return self.time.isoformat()


def _culture_time(text: str) -> datetime | None:
    for fmt in _CULTURE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_time(value: object, *, assume_utc: bool = True) -> Moment | None:
    """An export's time value as a :class:`Moment`; None for missing, placeholders and junk.

    ISO stamps and ``/Date(ms)/`` through the kit's :func:`parse_instant` (a stamp without an
    offset is UTC unless ``assume_utc`` is false); otherwise a culture format, local time.
    """
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    text = str(value).strip().replace("\\/", "/")
    if not text:
        return None
    naive = "utc" if assume_utc else "local"
    if text.startswith("/"):
        moment = parse_instant(text)
    elif _ISO_SHAPE.match(text):
        moment = parse_instant(text, naive)
    elif _ISO_MINUTES.match(text):
        moment = parse_instant(text[:16] + ":00" + text[16:], naive)
    else:
        moment = _culture_time(text)
    if moment is None or moment.year < _PLACEHOLDER_YEAR:
        return None
    return Moment(moment, local=moment.tzinfo is None)


def seconds_text(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------------------------
# Result building shared by every kind
# --------------------------------------------------------------------------------------------


@dataclass
class Record:
    """One event to add: kept until the file is read so that spans can be assigned."""

    line: int
    message: str
    fields: dict[str, str]
    time: Moment | None = None
    level: str | None = None
    component: str | None = None
    span: int = 0


def add_record(result: ParseResult, record: Record, context: ParseContext) -> None:
    """Add ``record`` as an event; a code the portal showed also becomes ``result.reported``."""
    fields = {k: clean(v) for k, v in record.fields.items() if v is not None and v != ""}
    moment = record.time
    if fields.get("reported_code"):
        kind = "portal" if result.source == "azure.portal" else "job"
        time = moment.time if moment else None
        result.reported.append(ReportedInBundle(fields["reported_code"], kind, time, context.file, max(1, record.line)))
    result.events.add(
        line=max(1, record.line),
        message=clean(record.message),
        time=moment.time if moment else None,
        local_time=bool(moment and moment.local),
        level=record.level,
        component=record.component,
        fields=fields,
        span=record.span,
    )


def read_lines(data: bytes, context: ParseContext, result: ParseResult, *, whole: bool = False) -> list[str] | None:
    """The file's lines through the kit's text prologue, or None (a ``binary`` problem, every
    line unparsed). ``whole`` for documents read as one (JSON): no line is cut."""
    return begin_text(
        data,
        context,
        result,
        binary_message="binary data where an Azure export was expected",
        line_bound=None if whole else MAX_LINE_CHARS,
    )


def base_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower()

