"""JSON exports as records: where the document starts (after ``WARNING:`` lines), its records
(an array, ``{"value": [...]}``, ``{"records": [...]}``, a lone object or JSON Lines) and the line
each record starts on. A broken document keeps the records read before the break.

    WARNING: Command group 'backup' is in preview.
    [
      {"name": "0b8f2c6e-...", "properties": {"operation": "Backup", "status": "Failed", ...}},
      ...
    ]

Line numbers come from one index of line starts (:class:`~.._kit.LineIndex`), so a document of a
million records costs linear time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.scanner import make_scanner

from .._kit import MAX_JSON_DEPTH, LineIndex, json_depth, load_json, split_lines

__all__ = ["Document", "json_start", "read_json"]

_JSON_START = re.compile(r"^[ \t]*[\[{]", re.MULTILINE)
_BETWEEN_ELEMENTS = re.compile(r"[ \t\r\n,]*")


def json_start(text: str) -> int | None:
    """Offset of the first line that opens a JSON value (warning lines before it are allowed)."""
    found = _JSON_START.search(text.lstrip("\ufeff"))
    if not found:
        return None
    return found.start() + (len(text) - len(text.lstrip("\ufeff")))


def _elements(text: str, bracket: int) -> Iterator[tuple[int, object]]:
    """``(offset, value)`` of each element of the JSON array opening at ``bracket``; raises
    ``ValueError`` where the array breaks, after yielding what came before."""
    scan = make_scanner(json.JSONDecoder())
    skip = _BETWEEN_ELEMENTS.match
    position = bracket + 1
    length = len(text)
    while True:
        position = skip(text, position).end()
        if position >= length:
            raise ValueError("the array is not closed")
        if text[position] == "]":
            return
        try:
            value, end = scan(text, position)
        except StopIteration:
            raise ValueError(f"not a JSON value at offset {position}") from None
        yield position, value
        position = end


@dataclass
class Document:
    """A parsed JSON export: its records with their line numbers, and how it was wrapped."""

    records: list[tuple[int, object]] = field(default_factory=list)
    wrapper: str = ""  # "", "value", "records", "jsonl", "object"
    broken: str | None = None
    empty: bool = False


def read_json(text: str) -> Document:
    """Every record of a JSON export: an array, ``{"value": [...]}``, ``{"records": [...]}``, a
    lone object, or JSON Lines. A broken document keeps the records read before the break."""
    document = Document()
    line_of = LineIndex(text).line_of
    start = json_start(text)
    if start is None:
        document.broken = "no JSON value found"
        return document
    body = text[start:]
    if body.count("[") + body.count("{") > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
        # no salvage either: every record of it would be as deep
        document.broken = f"JSON nested more than {MAX_JSON_DEPTH} levels deep; not read"
        return document
    try:
        top = load_json(body)
    except ValueError as error:
        lines = [(number, line) for number, line in enumerate(split_lines(text), 1) if line.strip()]
        jsonl: list[tuple[int, object]] = []
        first_line = line_of(start)
        for number, line in lines:
            if number < first_line:
                continue
            try:
                jsonl.append((number, load_json(line)))
            except ValueError:
                jsonl = []
                break
        if len(jsonl) > 1:
            document.records, document.wrapper = jsonl, "jsonl"
            return document
        document.broken = f"not valid JSON ({error})"
        if body.lstrip().startswith("["):
            bracket = start + body.index("[")
            try:
                for offset, value in _elements(text, bracket):
                    document.records.append((line_of(offset), value))
            except ValueError:
                pass
        return document
    if isinstance(top, list):
        bracket = start + body.index("[")
        document.records = [(line_of(offset), value) for offset, value in _elements(text, bracket)]
        document.empty = not document.records
        return document
    if isinstance(top, dict):
        for wrapper in ("value", "records"):
            inner = next((v for k, v in top.items() if str(k).lower() == wrapper), None)
            if isinstance(inner, list) and (inner or len(top) <= 3):
                found = re.search(r'"' + wrapper + r'"\s*:\s*\[', body, re.IGNORECASE)
                if found:
                    bracket = start + found.end() - 1
                    document.records = [(line_of(offset), value) for offset, value in _elements(text, bracket)]
                else:
                    document.records = [(line_of(start), value) for value in inner]
                document.wrapper = wrapper
                document.empty = not document.records
                return document
        document.records = [(line_of(start), top)]
        document.wrapper = "object"
    return document

