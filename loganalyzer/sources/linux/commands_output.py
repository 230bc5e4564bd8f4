"""What the command-output parsers share (Linux and Windows): naming, claiming, one summary event.

A saved command output is recognised by its file name (``commands/systemctl_status_waagent.txt``,
``sos_commands/networking/ip_route_show_table_all``, ``vssadmin list writers.out``) and by its
content. Each parser turns the rows it understands into events and ends with one *summary*
event at line 1 that carries what only the whole output can tell (``route_to_wireserver=absent``,
``writers_failed=2``) and covers the lines that hold no row of their own (headers, rules,
blank lines). Lines that look like rows but cannot be read are counted unparsed.

This module is not a parser; the ``commands*`` parser modules import it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ...redaction import redact
from .. import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext, ParseResult
from .._kit import begin_text, decode, looks_binary, parse_instant

__all__ = ["WIRESERVER", "CommandOutput", "claim_command", "command_name", "command_reader", "level_from_words", "parse_time", "read_lines"]

WIRESERVER = "168.63.129.16"

#: file-name endings that only say "this is saved text"
_SUFFIXES = (".txt", ".out", ".log", ".stdout", ".output")


def command_name(path: str) -> str:
    """The file name as a command line: lower case, suffix dropped, ``_`` read as a space.

    ``sos_commands/networking/ip_route_show_table_all`` -> ``ip route show table all``;
    ``commands/systemctl_is-active_walinuxagent.txt`` -> ``systemctl is-active walinuxagent``.
    """
    name = path.rsplit("/", 1)[-1].lower()
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return " ".join(re.split(r"[_\s]+", name)).strip()


def claim_command(
    path: str,
    head: bytes,
    names: re.Pattern[str],
    content: Callable[[str], bool],
) -> int:
    """Claim a command output by its name (``names`` searched in :func:`command_name`) and/or
    by its first bytes (``content`` called on the decoded head)."""
    by_name = bool(names.search(command_name(path)))
    try:
        text = decode(head).text
        by_content = not looks_binary(head) and content(text)
    except Exception:  # a content test on garbage simply does not claim
        by_content = False
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    return BY_CONTENT if by_content else 0


_ERROR_WORDS = re.compile(r"(?i:\b(error|failed|failure|fatal|traceback|exception|segfault|panic)\b)|\b[A-Z]\w*(?:Error|Exception)\b")
_WARNING_WORDS = re.compile(r"(?i)\bwarn(ing)?\b")


def level_from_words(message: str) -> str | None:
    """``error`` or ``warning`` for a free-text log line that says so in words, else None."""
    if _ERROR_WORDS.search(message):
        return "error"
    return "warning" if _WARNING_WORDS.search(message) else None


def parse_time(text: str | None) -> datetime | None:
    """A time stamp with a date (any common layout) as a UTC datetime; UTC when it names no zone."""
    return parse_instant(text, other_formats=True)


def read_lines(data: bytes, context: ParseContext, result: ParseResult) -> list[str] | None:
    """The kit's text prologue: decoded lines, or None for binary data (a named problem, every
    line unparsed)."""
    return begin_text(data, context, result, binary_message="binary data where a command output was expected")


def command_reader(read_rows: Callable[[list[str], ParseContext, ParseResult], object]) -> Callable[[bytes, ParseContext, ParseResult], None]:
    """A ``read=`` for :class:`~loganalyzer.sources.Parser`: the text prologue, then
    ``read_rows(lines, context, result)`` on the decoded lines (binary data stops at the prologue)."""

    def read(data: bytes, context: ParseContext, result: ParseResult) -> None:
        lines = read_lines(data, context, result)
        if lines is not None:
            read_rows(lines, context, result)

    read.__doc__ = read_rows.__doc__
    return read


@dataclass
class CommandOutput:
    """The events of one saved command output, ending with its summary event."""

    result: ParseResult
    command: str
    component: str
    unparsed: set[int] = field(default_factory=set)

    def event(
        self,
        line: int,
        message: str,
        *,
        span: int = 1,
        level: str | None = None,
        time: datetime | None = None,
        local_time: bool = False,
        **fields: object,
    ) -> None:
        """One row of the output (``span`` lines from ``line``), fields beside ``command``."""
        values = {"command": self.command, **fields}
        self.result.events.add(
            line=line,
            message=redact(message),
            time=time,
            level=level,
            component=self.component,
            fields=values,
            local_time=local_time,
            span=span,
        )

    def skip(self, line: int) -> None:
        """A line that looked like a row but could not be read."""
        if line not in self.unparsed:
            self.unparsed.add(line)
            self.result.unparsable(line)

    def skip_all(self, numbers: Iterable[int]) -> None:
        for number in numbers:
            self.skip(number)

    def finish(self, message: str, *, level: str | None = None, time: datetime | None = None, **fields: object) -> ParseResult:
        """The summary event at line 1, covering every line no row and no skip accounts for."""
        rest = self.result.lines - self.result.events.spans - len(self.unparsed)
        if self.result.lines == 0:
            rest = 0
        self.result.events.add(
            line=1,
            message=redact(message),
            time=time,
            level=level,
            component=self.component,
            fields={"command": self.command, "kind": "summary", **fields},
            span=max(rest, 0),
        )
        return self.result
