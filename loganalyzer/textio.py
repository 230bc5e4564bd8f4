"""Bytes to text for the parsers: encodings, byte-order marks, binary sniffing, line splitting.

Every text parser starts here, so that an odd file (UTF-16 export, Latin-1 log, a binary blob
named ``.log``) gives the same named problem whichever parser reads it.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from itertools import accumulate

__all__ = ["Text", "decode", "looks_binary", "split_lines", "json_depth", "load_json", "MAX_JSON_DEPTH"]

#: deepest JSON nesting a parser accepts; real agent and Azure documents stay under 20 levels,
#: and deeper documents would exhaust Python's recursion in the code that walks them
MAX_JSON_DEPTH = 100

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


#: bytes that do not occur in text: C0 controls other than tab, newline, vertical tab, form feed, CR
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


@dataclass(frozen=True)
class Text:
    text: str
    encoding: str
    #: a note for the problems table when the bytes were not clean in that encoding
    warning: str | None = None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 with no BOM shows as every other byte zero in ASCII-heavy text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_zero = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_zero = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_zero > 0.4 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.4 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def looks_binary(data: bytes) -> bool:
    """True for data that is not text in any encoding we read (NULs outside UTF-16)."""
    head = data[:8192]
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS) or _utf16_without_bom(head):
        return False
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control / len(head) > 0.1


def decode(data: bytes) -> Text:
    """Decode bytes as the text they most likely are; never raises.

    BOMs win; then BOM-less UTF-16; then strict UTF-8; then Latin-1 (which maps every byte), with
    a warning naming the encoding problem.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = data.decode(name, errors="replace")
            warning = None if "\ufffd" not in text else f"invalid {name} sequences replaced"
            return Text(text, name, warning)
    utf16 = _utf16_without_bom(data)
    if utf16:
        text = data.decode(utf16, errors="replace")
        return Text(text, utf16, None if "\ufffd" not in text else f"invalid {utf16} replaced")
    try:
        return Text(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        return Text(
            data.decode("latin-1"),
            "latin-1",
            f"not valid UTF-8 (first bad byte at offset {error.start}); read as Latin-1",
        )


def split_lines(text: str) -> list[str]:
    """Physical lines without their terminators (``\\n``, ``\\r\\n`` or a lone ``\\r``).

    Unlike :meth:`str.splitlines` this does not split on form feeds, vertical tabs or Unicode
    line separators, which occur inside real log messages. A final terminator does not start an
    extra empty line.
    """
    if not text:
        return []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of JSON text nest (brackets inside strings ignored).

    Works on broken JSON too (an unclosed bracket still counts) and never recurses, so it is a
    safe check before :func:`json.loads` hands a document to code that walks it recursively.
    """
    opened = text.count("[") + text.count("{")
    if opened <= 1:
        return opened
    if "\"" in text:
        text = _JSON_STRING.sub("", text)
    steps = (_BRACKET_STEP[found] for found in _JSON_BRACKET.findall(text))
    return max(accumulate(steps, initial=0))


def load_json(text: str, max_depth: int = MAX_JSON_DEPTH) -> object:
    """:func:`json.loads` that refuses documents nested deeper than ``max_depth``.

    Raises :class:`ValueError` (as ``json.loads`` does for bad JSON) for a document too deep or
    deeper than the interpreter's recursion allows, so a caller's ``except ValueError`` covers
    every hostile shape.
    """
    if text.count("[") + text.count("{") > max_depth:
        depth = json_depth(text)
        if depth > max_depth:
            raise ValueError(f"JSON nested {depth} levels deep (more than {max_depth}); not read")
    try:
        return json.loads(text)
    except RecursionError as error:
        raise ValueError(f"JSON nested too deeply to read: {error}") from None
