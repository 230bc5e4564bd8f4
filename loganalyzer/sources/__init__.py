"""One module per input family; each exports ``PARSERS``, a tuple of :class:`Parser`.

A parser is two small functions:

``claim(path, head) -> int``
    How sure it is that the file at ``path`` (the path from the VM root, e.g.
    ``var/log/waagent.log``; ``/``-separated) with first bytes ``head`` is its kind:
    ``0`` not mine, :data:`BY_CONTENT` the content has my shape, :data:`BY_NAME` the name is
    mine, :data:`BY_NAME_AND_CONTENT` both. The bundle reader gives the file to the highest
    claim, so a ``waagent.log`` renamed by a user is still read by content.

``read(data, context, result) -> None``
    Turn the whole file into events, added to ``result`` (a :class:`ParseResult` the reader
    owns). A file that is not what it seemed becomes a :class:`~loganalyzer.events.Problem` in
    the result. It must account for every physical line:
    ``result.lines == result.events.spans + result.unparsed``. If it raises anyway (a bug of
    ours), the guard policy of :mod:`._kit.guard` applies, the same for every family: one
    ``parser-error`` problem, the events added so far kept, the remaining lines unparsed.
    ``parser.parse(data, context)`` runs ``read`` under that policy.

What parsers share (text prologue, times, JSON/XML helpers, record grouping) lives in
:mod:`._kit`; a parser module never imports another parser module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo

from ..events import EventRows, Problem

__all__ = [
    "BY_CONTENT",
    "BY_NAME",
    "BY_NAME_AND_CONTENT",
    "EVERY_EVENT_FIELDS",
    "ParseContext",
    "ParseResult",
    "Parser",
    "ReportedInBundle",
    "all_parsers",
    "first_reported",
    "fields_markdown",
]

#: fields the reader itself may add to the events of any parser (see :mod:`loganalyzer.timebase`)
EVERY_EVENT_FIELDS = {
    "time_basis": "local: the source stamps local wall-clock time (the row was added with local_time=True)",
    "utc_offset": "offset applied to a local time (+02:00, tz:Europe/Stockholm) or unknown",
    "utc_offset_source": "caller (tz= given), inferred (from the bundle) or none",
}

BY_CONTENT = 10
BY_NAME = 20
BY_NAME_AND_CONTENT = 30


@dataclass(frozen=True)
class ParseContext:
    """What a parser may know besides the bytes."""

    #: path inside the bundle, as shown to users (``logs.zip/var/log/waagent.log``)
    file: str
    #: path from the VM root (``var/log/waagent.log``), ``/``-separated, no leading slash
    path: str
    #: the caller's time zone for sources in local time, or None (then inferred or left marked)
    tz: tzinfo | None = None
    #: the collector cut this file (``truncated_...``) or the reader stopped at a size bound
    truncated: bool = False


@dataclass(frozen=True)
class ReportedInBundle:
    """An error code the portal showed for a failure, found in the bundle by a parser."""

    #: the code in the knowledge base's spelling
    code: str
    #: ``portal`` (a pasted job error pane or an operation result: what the engineer saw for this
    #: failure) or ``job`` (a failed job in a job list)
    kind: str
    #: when the failure happened (UTC, or naive local wall-clock time), if the input says
    time: datetime | None
    #: the file and line of the event that carries it
    file: str
    line: int


def first_reported(found: "list[ReportedInBundle]") -> "ReportedInBundle | None":
    """The code a bundle reports: a pasted portal pane wins over job lists; the newest among
    equals (a naive local time is compared as if it were UTC)."""

    def rank(item: ReportedInBundle) -> tuple[bool, bool, float]:
        moment = item.time
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return item.kind == "portal", moment is not None, moment.timestamp() if moment else 0.0

    return max(found, key=rank, default=None)


@dataclass
class ParseResult:
    source: str
    events: EventRows = field(default_factory=EventRows)
    lines: int = 0
    unparsed: int = 0
    #: first few line numbers that could not be parsed (for the coverage report)
    unparsed_lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: error codes the portal showed, found in this file (see :class:`ReportedInBundle`)
    reported: list[ReportedInBundle] = field(default_factory=list)

    def unparsable(self, line: int) -> None:
        self.unparsed += 1
        if len(self.unparsed_lines) < 20:
            self.unparsed_lines.append(line)


@dataclass(frozen=True)
class Parser:
    #: what the file is, for coverage and ``--list`` ("waagent.log", "HandlerStatus", ...)
    name: str
    #: the event table's ``source`` value
    source: str
    claim: Callable[[str, bytes], int]
    #: ``parse(data, context) -> ParseResult``; built from ``read`` under the guard policy when
    #: ``read`` is given (older parsers pass their own ``parse`` and guard themselves)
    parse: Callable[[bytes, ParseContext], ParseResult] = None  # type: ignore[assignment]
    #: the ``fields`` keys its events may carry, each with its meaning; a key ending in ``*``
    #: stands for a family (``data.*``). Signatures may only name declared fields.
    fields: Mapping[str, str] = field(default_factory=dict)
    #: ``read(data, context, result)``: fills a result the guard owns (see the module docstring)
    read: Callable[[bytes, ParseContext, ParseResult], None] | None = None

    def __post_init__(self) -> None:
        if self.read is None and self.parse is None:
            raise TypeError(f"parser {self.name!r} needs read= or parse=")
        if self.parse is None:
            from ._kit.guard import run_parser

            def parse(data: bytes, context: ParseContext, _parser: Parser = self) -> ParseResult:
                return run_parser(_parser, data, context)

            parse.__doc__ = self.read.__doc__
            object.__setattr__(self, "parse", parse)


def all_parsers() -> tuple[Parser, ...]:
    """Every parser, in the order that breaks ties between equal claims."""
    from . import azure, linux, windows
    from .linux import commands_host, commands_network, commands_storage, commands_systemd, syslog  # command outputs
    from .linux import debughelper, prepost_config  # first: they win ties with the generic Linux parsers
    from .windows import commands_network as windows_network, commands_policy, commands_services

    commands = (commands_systemd, commands_host, commands_network, commands_storage, syslog, commands_services, windows_network, commands_policy)
    return (
        *debughelper.PARSERS,
        *prepost_config.PARSERS,
        *linux.PARSERS,
        *windows.PARSERS,
        *azure.PARSERS,
        *(parser for module in commands for parser in module.PARSERS),
    )


def fields_markdown() -> str:
    """``docs/fields.md``: every parser's declared ``fields``, by source and parser."""
    from ._fields_doc import render

    return render(all_parsers())
