"""Bytes to text: encodings, byte-order marks, binary sniffing, line splitting and bounds.

Every text parser starts with :func:`begin_text`, so that an odd file (a UTF-16 export, a
Latin-1 log, a binary blob named ``.log``, a file whose encoding changes half way, a 40 MB line
with no newline) gives the same named problem whichever parser reads it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...events import Problem

if TYPE_CHECKING:
    from .. import ParseContext, ParseResult

__all__ = [
    "MAX_LINE_CHARS",
    "Text",
    "begin_text",
    "count_lines",
    "cut_long_lines",
    "decode",
    "looks_binary",
    "mark_unparsed",
    "split_lines",
]

#: longest line a line-oriented parser reads whole (1 MiB); longer lines are cut and named
MAX_LINE_CHARS = 1 << 20

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: bytes that do not occur in text: C0 controls other than tab, newline, vertical tab, form feed, CR
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)

#: the block size in which a file's encoding is judged
_BLOCK = 4096


@dataclass(frozen=True)
class Text:
    text: str
    encoding: str
    #: a note for the problems table when the bytes were not clean in that encoding
    warning: str | None = None


def _utf16_order(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when every other byte is zero (ASCII-heavy UTF-16), else None."""
    if len(sample) < 4:
        return None
    evens, odds = sample[0::2], sample[1::2]
    even_zero = evens.count(0) / max(1, len(evens))
    odd_zero = odds.count(0) / max(1, len(odds))
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
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if _utf16_order(head[:_BLOCK]) or _utf16_order(head[_BLOCK:]):
        return False  # UTF-16 text, or text whose encoding changes to UTF-16 (see decode)
    if b"\x00" in head:
        return True
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return control / len(head) > 0.1


def _eight_bit(data: bytes) -> tuple[str, str, str | None]:
    """UTF-8 if it is, else Latin-1 (which maps every byte) with a note."""
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as error:
        note = f"not valid UTF-8 (first bad byte at offset {error.start}); read as Latin-1"
        return data.decode("latin-1"), "latin-1", note


_LE_RUN = re.compile(rb"(?:[^\x00]\x00){4}")
_BE_RUN = re.compile(rb"(?:\x00[^\x00]){4}")
_EIGHT_RUN = re.compile(rb"[^\x00]{4}")


_ASCII_TEXT = bytes(range(32, 127)) + b"\t\n\r"


def _block_family(block: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be``, ``8-bit`` (no NUL, nearly all ASCII text), or None (cannot tell).

    Asking for nearly all ASCII keeps a UTF-16 block of non-Latin text (few zero bytes) from
    passing for 8-bit text.
    """
    order = _utf16_order(block)
    if order:
        return order
    if b"\x00" not in block and len(block.translate(None, _ASCII_TEXT)) <= len(block) // 20:
        return "8-bit"
    return None


def _encoding_runs(data: bytes, start: int) -> list[tuple[int, int, str | None]]:
    """Spans of ``data[start:]`` by encoding family: UTF-16 (either order) or 8-bit (None).

    Judged per 4 KiB block (a block that cannot be told joins the run before it); where the
    family changes, the exact boundary is looked for in the two blocks around it (the first run
    of four characters of the new shape, kept on an even offset inside a UTF-16 run).
    """
    runs: list[list] = []
    for offset in range(start, len(data), _BLOCK):
        family = _block_family(data[offset : offset + _BLOCK])
        if runs and family in (None, runs[-1][2]):
            runs[-1][1] = offset + _BLOCK
        elif runs and runs[-1][2] is None:
            runs[-1][1:] = [offset + _BLOCK, family]
        else:
            runs.append([offset, offset + _BLOCK, family])
    for before, after in zip(runs, runs[1:]):
        window_start = max(before[0], after[0] - _BLOCK)
        window = data[window_start : after[0] + _BLOCK]
        shape = {"utf-16-le": _LE_RUN, "utf-16-be": _BE_RUN}.get(after[2], _EIGHT_RUN)
        for found in shape.finditer(window):
            boundary = window_start + found.start()
            if before[2] != "8-bit" and (boundary - before[0]) % 2:
                continue  # a UTF-16 run keeps whole code units
            before[1] = after[0] = boundary
            break
    runs[-1][1] = len(data)
    return [(a, b, None if family == "8-bit" else family) for a, b, family in runs if b > a]


def _mixed(data: bytes, start: int, first: str) -> Text | None:
    """The text of a file whose encoding changes part way, or None when it does not."""
    runs = _encoding_runs(data, start)
    if len(runs) < 2 or len({family for _, _, family in runs}) < 2:
        return None
    parts, described = [], []
    for begin, end, family in runs:
        if family is None:
            text, name, _ = _eight_bit(data[begin:end])
        else:
            name = family
            text = data[begin:end].decode(family, errors="replace")
        parts.append(text)
        described.append(f"bytes {begin}-{end} as {name.upper()}")
    warning = "the encoding changes inside the file; read " + ", ".join(described[:6])
    if len(described) > 6:
        warning += f" and {len(described) - 6} more parts"
    return Text("".join(parts), first, warning)


def decode(data: bytes) -> Text:
    """Decode bytes as the text they most likely are; never raises.

    BOMs win; then BOM-less UTF-16; then strict UTF-8; then Latin-1 (which maps every byte), with
    a warning naming the encoding problem. A file whose encoding changes part way (UTF-16 head,
    UTF-8 rest, or the other way round) is read part by part, with a warning saying so.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            if name == "utf-16":
                order = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
                mixed = _mixed(data, len(bom), order)
                if mixed is not None:
                    return mixed
            text = data.decode(name, errors="replace")
            warning = None if "\ufffd" not in text else f"invalid {name} sequences replaced"
            return Text(text, name, warning)
    order = _utf16_order(data[:_BLOCK])
    if order:
        mixed = _mixed(data, 0, order)
        if mixed is not None:
            return mixed
        text = data.decode(order, errors="replace")
        return Text(text, order, None if "\ufffd" not in text else f"invalid {order} replaced")
    if len(data) > _BLOCK and data.find(b"\x00", _BLOCK) >= 0:
        mixed = _mixed(data, 0, "utf-8")
        if mixed is not None:
            return mixed
    text, name, warning = _eight_bit(data)
    return Text(text, name, warning)


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


def count_lines(data: bytes) -> int:
    """How many physical lines ``data`` holds, as :func:`split_lines` counts them."""
    return len(split_lines(decode(data).text))


def cut_long_lines(lines: list[str], limit: int = MAX_LINE_CHARS) -> list[tuple[int, int]]:
    """Cut, in place, every line longer than ``limit`` characters; (line number, length) of each."""
    cut = []
    if sum(map(len, lines)) <= limit:
        return cut
    for index, line in enumerate(lines):
        if len(line) > limit:
            cut.append((index + 1, len(line)))
            lines[index] = line[:limit]
    return cut


def mark_unparsed(result: ParseResult, first: int = 1, last: int | None = None) -> None:
    """Count lines ``first..last`` (default: to the end of the file) as unparsed."""
    last = result.lines if last is None else last
    for number in range(first, last + 1):
        result.unparsable(number)


def begin_text(
    data: bytes,
    context: ParseContext,
    result: ParseResult,
    *,
    binary_message: str = "binary data where text was expected",
    is_text: Callable[[list[str]], bool] | None = None,
    line_bound: int | None = MAX_LINE_CHARS,
) -> list[str] | None:
    """The prologue of every text parser: decode, count, sniff, bound.

    Sets ``result.lines``; names an ``encoding`` problem for unclean bytes; for binary data
    (unless ``is_text(lines)`` says the lines are text after all) names a ``binary`` problem,
    counts every line unparsed and returns None. Lines longer than ``line_bound`` characters are
    cut to it with an ``oversized-line`` problem, and the rest of the file is read. Pass
    ``line_bound=None`` for formats that are read as one document (JSON, XML).
    """
    text = decode(data)
    lines = split_lines(text.text)
    result.lines = len(lines)
    if looks_binary(data) and not (is_text is not None and is_text(lines)):
        result.problems.append(Problem(context.file, "binary", binary_message))
        mark_unparsed(result)
        return None
    if text.warning:
        result.problems.append(Problem(context.file, "encoding", text.warning))
    if line_bound is not None:
        for number, length in cut_long_lines(lines, line_bound)[:5]:
            result.problems.append(
                Problem(
                    context.file,
                    "oversized-line",
                    f"line {number} is {length:,} characters long; only its first {line_bound:,} were read",
                )
            )
    return lines
