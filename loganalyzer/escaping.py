"""Log text is data, never markup: escaping for each output.

* terminal: control characters (ESC of ANSI/OSC sequences such as OSC 52, the clipboard write,
  BEL, C1 controls, bidirectional overrides) are shown as ``\\x1b``-style escapes, not sent;
* Markdown: every character that can start markup backslash-escaped in prose, code spans fenced with
  more backticks than the text holds, ``|`` escaped inside tables, newlines folded;
* CSV: a cell that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab
  or carriage return) gets a leading apostrophe;
* HTML: :func:`html.escape` (quotes too), and only ``http(s)`` links.
"""

from __future__ import annotations

import html
import re

__all__ = ["terminal", "markdown_text", "markdown_code", "csv_cell", "html_text", "safe_url"]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: what can start markup in CommonMark/GFM prose: HTML and autolinks (<), entities (&), links and
#: images ([ ] !), code (`), emphasis (* _ ~), table cells (|), and the escape itself
_MARKUP = re.compile(r"([\\`*_\[\]<>|~&!])")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _visible(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: object) -> str:
    """``text`` safe to print on a terminal: no control character reaches it (``\\n`` folded)."""
    return _CONTROL.sub(_visible, str(text).replace("\r\n", "\n").replace("\n", " ").replace("\t", " "))


def markdown_text(text: object) -> str:
    """``text`` as literal Markdown prose (one line, safe in a table cell)."""
    return _MARKUP.sub(r"\\\1", terminal(text))


def markdown_code(text: object) -> str:
    """``text`` as an inline code span that no backtick in it can close (safe in a table cell)."""
    body = terminal(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def csv_cell(value):
    """A CSV cell a spreadsheet shows as text, never runs as a formula; control characters
    (terminal escapes) shown as escapes, line breaks kept (CSV quoting carries them)."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub(_visible, value)
    return "'" + value if value.startswith(_FORMULA) else value


def html_text(text: object) -> str:
    return html.escape(_CONTROL.sub(_visible, str(text)), quote=True)


def safe_url(url: str) -> str | None:
    """``url`` when it is an ``http``/``https`` link, else ``None`` (no ``javascript:``)."""
    url = str(url).strip()
    return url if re.match(r"(?i)https?://[^\s<>\"']+$", url) else None
