"""Helpers the command-output and system-log tests share (this module holds no tests)."""

from __future__ import annotations

from loganalyzer.sources import (
    EVERY_EVENT_FIELDS,
    ParseContext,
    ParseResult,
    all_parsers,
)


def parse_checked(module, path: str, text: str, encoding: str = "utf-8") -> ParseResult:
    """Parse ``text`` as the file ``path`` with ``module``'s parser; every line must be accounted
    for and every field emitted declared."""
    result = module.parse(text.encode(encoding), ParseContext(file=path, path=path))
    assert result.lines == result.events.spans + result.unparsed
    emitted = {key for fields in result.events.fields for key in fields}
    assert emitted <= set(module.PARSERS[0].fields) | set(EVERY_EVENT_FIELDS), "undeclared fields"
    return result


def rows(result: ParseResult, kind: str) -> list[dict[str, str]]:
    """The fields of the events of one ``kind``."""
    return [f for f in result.events.fields if f.get("kind") == kind]


def summary_of(result: ParseResult) -> dict[str, str]:
    """The fields of the one summary event."""
    (only,) = rows(result, "summary")
    return only


def winner(path: str, text: str | bytes) -> str | None:
    """The name of the parser the bundle reader would give this file to, or None."""
    head = (text.encode() if isinstance(text, str) else text)[:4096]
    best, best_claim = None, 0
    for parser in all_parsers():
        claim = parser.claim(path, head)
        if claim > best_claim:
            best, best_claim = parser, claim
    return best.name if best else None
