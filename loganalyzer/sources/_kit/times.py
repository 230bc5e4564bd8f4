"""Times for parsers: one instant reader, one ``/Date(ms)/`` reader, one duration reader.

:func:`parse_instant` reads the stamps the agents, extensions and exports write
(``2024-05-30T08:15:46.1234567Z``, ``2024/05/30 08:15:46,123``, ``2024-05-30 08:15:46 +0200``,
``/Date(1717074945331)/``) with :meth:`datetime.fromisoformat`; ``dateutil`` is asked only when
the caller allows other formats (``Thu May 30 08:15:46 UTC 2024``). What a stamp without an
offset means is the caller's word: ``naive="utc"`` or ``naive="local"`` (then the result is a
naive wall-clock datetime that the caller adds with ``local_time=True``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from dateutil import parser as date_parser

__all__ = ["duration_seconds", "iso_z", "parse_epoch", "parse_instant", "parse_ms_date", "parse_ticks"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_INSTANT = re.compile(
    r"(?P<date>\d{4}[-/]\d{2}[-/]\d{2})[T ](?P<clock>\d{2}:\d{2}:\d{2})(?:[.,](?P<fraction>\d+))?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_MS_DATE = re.compile(r"\\?/Date\((-?\d+)(?:[+-]\d{4})?\)\\?/")


def parse_ms_date(text: str) -> datetime | None:
    """``/Date(1717074945331)/`` (optionally ``\\/``-escaped, with an ignored ``+hhmm``) as UTC."""
    found = _MS_DATE.fullmatch(text.strip())
    if not found:
        return None
    try:
        return _EPOCH + timedelta(milliseconds=int(found.group(1)))
    except (OverflowError, ValueError):
        return None


def parse_instant(
    text: Any,
    naive: Literal["utc", "local"] = "utc",
    *,
    other_formats: bool = False,
) -> datetime | None:
    """A time stamp as an aware UTC datetime, or None when ``text`` is not one.

    A stamp with an offset (``Z``, ``UTC``, ``+02:00``, ``+0200``) is converted to UTC; a stamp
    without one is UTC for ``naive="utc"`` and a naive wall-clock datetime for
    ``naive="local"``. ``/Date(ms)/`` is always UTC. With ``other_formats`` the text may be any
    format ``dateutil`` reads (a stamp with no year is refused).
    """
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if stripped[:1] in ("/", "\\"):
        return parse_ms_date(stripped)
    found = _INSTANT.fullmatch(stripped)
    moment: datetime | None = None
    if found:
        fraction = (found.group("fraction") or "")[:6]
        iso = found.group("date").replace("/", "-") + "T" + found.group("clock")
        if fraction:
            iso += "." + fraction.ljust(6, "0")
        zone = found.group("zone")
        if zone in ("Z", "UTC", "GMT"):
            iso += "+00:00"
        elif zone:
            iso += zone if ":" in zone or len(zone) == 3 else zone[:3] + ":" + zone[3:]
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            return None
    elif other_formats and stripped:
        try:
            moment = date_parser.parse(stripped, default=datetime(1900, 1, 1))
        except (ValueError, OverflowError, TypeError, date_parser.ParserError):
            return None
        if moment.year == 1900:
            return None
    if moment is None:
        return None
    if moment.tzinfo is not None:
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            return None
    return moment if naive == "local" else moment.replace(tzinfo=UTC)


def parse_ticks(value: Any) -> datetime | None:
    """.NET ticks (100 ns since 0001-01-01 UTC) as a datetime."""
    try:
        ticks = int(str(value).strip())
        return datetime(1, 1, 1, tzinfo=UTC) + timedelta(microseconds=ticks // 10)
    except (ValueError, OverflowError, TypeError):
        return None


def parse_epoch(value: Any) -> datetime | None:
    """Seconds since 1970 (a number or its text) as a UTC datetime."""
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def iso_z(moment: datetime | None) -> str | None:
    """An instant as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` for a ``fields`` value."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        stamp += f".{moment.microsecond:06d}"
    return stamp + "Z"


_ISO_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE
)
_DAYS_DURATION = re.compile(r"^(\d+) days?,\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")
_CLOCK_DURATION = re.compile(r"^(?:(\d+)\.)?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")


def duration_seconds(value: object) -> float | None:
    """Seconds of a duration as exports and logs write it, or None.

    ISO-8601 (``PT7M27.56S``), ``[d.]hh:mm:ss[.f]``, ``N day(s), H:MM:SS``, a number of seconds
    and a PowerShell TimeSpan object (``TotalSeconds`` or ``Ticks``).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        folded = {str(k).lower(): v for k, v in value.items()}
        if isinstance(folded.get("totalseconds"), (int, float)):
            return float(folded["totalseconds"])
        if isinstance(folded.get("ticks"), (int, float)):
            return folded["ticks"] / 10_000_000
        return None
    text = str(value).strip()
    found = _ISO_DURATION.match(text)
    if found and text.upper() not in ("P", "PT"):
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
        return days * 86400 + hours * 3600 + minutes * 60 + seconds
    found = _DAYS_DURATION.match(text)
    if found:
        days, hours, minutes = int(found.group(1)), int(found.group(2)), int(found.group(3))
        return days * 86400 + hours * 3600 + minutes * 60 + float(found.group(4))
    found = _CLOCK_DURATION.match(text)
    if found:
        days = int(found.group(1)) if found.group(1) else 0
        return days * 86400 + int(found.group(2)) * 3600 + int(found.group(3)) * 60 + float(found.group(4))
    return None
