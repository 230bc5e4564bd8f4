"""What the Windows parsers share that is not parsing itself: Windows path matching, field
redaction and the text of a JSON/XML scalar. No parser lives here."""

from __future__ import annotations

import json
import re

from ...redaction import redact

__all__ = ["DECLARES_DTD", "line_starts", "normalise_path", "original_parts", "redact_fields", "scalar_text"]

#: a DTD or entity declaration: such XML is refused whole, before any parser sees it
DECLARES_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def normalise_path(path: str) -> str:
    """A bundle path lower-cased with ``/`` separators, for case-insensitive Windows matching."""
    return path.replace("\\", "/").lower().lstrip("/")


def original_parts(path: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    """The groups of ``pattern`` (written for :func:`normalise_path` text) in the path's own spelling."""
    clean = path.replace("\\", "/").lstrip("/")
    match = pattern.search(clean.lower())
    if not match:
        return ()
    return tuple(clean[match.start(i) : match.end(i)] for i in range(1, (pattern.groups or 0) + 1))


def redact_fields(values: dict[str, str]) -> dict[str, str]:
    """``values`` with every secret masked by :func:`loganalyzer.redaction.redact`.

    One probe over all values first: most events hold no secret, and then nothing is copied.
    """
    if not values:
        return values
    probe = "\n".join(values.values())
    if redact(probe) == probe:
        return values
    return {key: redact(value) for key, value in values.items()}


def scalar_text(value: object) -> str:
    """A JSON/XML value as the string Windows would show (``true``, compact JSON for containers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def line_starts(text: str) -> list[int]:
    """Offsets at which each line of ``"\\n".join(lines)`` starts (for ``bisect``)."""
    return [0, *(found.end() for found in re.finditer("\n", text))]
