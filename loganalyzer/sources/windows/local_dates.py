"""Culture-formatted local dates of Event Viewer and PowerShell CSV exports (no parser here).

``5/30/2024 1:15:45 PM`` (en-US), ``30.05.2024 13:15:45`` (de-DE), ``2024-05-30 13:15:45``
(sv-SE): the pieces are read per cell, and the day/month order is decided once per file from
all its dates (:func:`date_order`), because a single ``5/6/2024`` cannot tell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["DateParts", "date_order", "date_parts", "local_datetime"]

_LOCAL_DATE = re.compile(
    r"^\s*(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})[ T,]+(\d{1,2})[:.](\d\d)(?:[:.](\d\d))?(?:[.,](\d+))?"
    r"\s*(AM|PM|A\.M\.|P\.M\.|fm|em|vorm\.|nachm\.)?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateParts:
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


def date_parts(value: str) -> DateParts | None:
    """The pieces of a culture-formatted date, order not yet decided; None if it is not one."""
    match = _LOCAL_DATE.match(value or "")
    if not match:
        return None
    a, sep, b, c, hour, minute, second, fraction, meridiem = match.groups()
    if len(a) != 4 and len(c) != 4:
        return None
    return DateParts(int(a), sep, int(b), int(c), len(a) == 4, int(hour), int(minute),
                     int(second or 0), int((fraction or "0")[:6].ljust(6, "0")),
                     (meridiem or "").lower().replace(".", ""))


def date_order(samples: Iterable[DateParts]) -> tuple[str, bool]:
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


def local_datetime(parts: DateParts | None, order: str) -> datetime | None:
    """The naive wall-clock time of ``parts`` read in ``order``; None for an impossible date."""
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
