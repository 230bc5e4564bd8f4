"""The guard policy, the same for every family: a bug of ours costs the rest of one file, no more.

When a parser raises, the reader (through :func:`run_parser`) names one ``parser-error``
problem, keeps the events the parser added before it failed, and counts every line they do not
cover as unparsed, so ``lines == spans + unparsed`` still holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...events import Problem
from .text import count_lines

if TYPE_CHECKING:
    from .. import ParseContext, Parser, ParseResult

__all__ = ["after_parser_bug", "run_parser"]


def after_parser_bug(result: ParseResult, parser_name: str, data: bytes, context: ParseContext, error: BaseException) -> None:
    """Name the bug and count the lines no kept event covers as unparsed."""
    if not result.lines:
        result.lines = count_lines(data)
    spans = result.events.spans
    result.unparsed = max(0, result.lines - spans)
    last_seen = max(result.events.line, default=0)
    start = last_seen + 1 if result.events.line else 1
    for number in range(start, min(result.lines, start + 20) + 1):
        if len(result.unparsed_lines) >= 20:
            break
        if number not in result.unparsed_lines:
            result.unparsed_lines.append(number)
    result.problems.append(
        Problem(context.file, "parser-error", f"{parser_name} parser failed: {type(error).__name__}: {error}")
    )


def run_parser(parser: Parser, data: bytes, context: ParseContext) -> ParseResult:
    """Parse ``data`` with ``parser`` under the guard policy; never raises an ``Exception``.

    A parser built with ``read=`` fills a result the guard owns, so its events before a bug are
    kept; a parser with only ``parse=`` (the older shape) loses them, as it returns its result.
    """
    from .. import ParseResult

    result = ParseResult(source=parser.source)
    try:
        if parser.read is not None:
            parser.read(data, context, result)
        else:
            result = parser.parse(data, context)
    except Exception as error:  # our bug: counted and shown, never hidden, never raised
        after_parser_bug(result, parser.name, data, context, error)
    return result
