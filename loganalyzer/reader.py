"""``read_bundle``: a support bundle to one event table, with its problems and coverage.

    members (bundle.py) -> the parser with the highest claim (sources/) -> events per file
    -> one table, result codes named (enrich.py), local times resolved (timebase.py)
    -> BundleContents
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa

from .bundle import HEAD_BYTES, Limits, Member, iter_members
from .enrich import enrich
from .events import COVERAGE_SCHEMA, PROBLEM_SCHEMA, Problem, concat_events, to_frame
from .redaction import redact_problems, redact_table
from .rules.knowledge import load_knowledge
from .rules.model import Knowledge
from .sources import ParseContext, Parser, ParseResult, ReportedInBundle, all_parsers, first_reported
from .sources._kit import run_parser
from .timebase import resolve_local_times

__all__ = ["UNRECOGNISED", "BundleContents", "files_read", "read_bundle"]

#: the coverage ``source`` of files no parser claims: listed, so that what was not looked at shows
UNRECOGNISED = "unrecognised"


@dataclass
class BundleContents:
    """What a bundle holds: ``events``, ``problems`` and ``coverage`` as pandas DataFrames.

    The Arrow tables behind them are ``event_table``, ``problem_table``, ``coverage_table``.
    """

    bundle: str
    event_table: pa.Table
    problem_table: pa.Table
    coverage_table: pa.Table
    parsers: dict[str, str] = field(default_factory=dict)
    #: error codes the portal showed, found in the bundle's Azure exports
    reported: list[ReportedInBundle] = field(default_factory=list)

    @property
    def reported_code(self) -> str | None:
        """The code the bundle reports (a pasted portal pane first, then the newest)."""
        best = first_reported(self.reported)
        return best.code if best else None

    @cached_property
    def events(self) -> pd.DataFrame:
        return to_frame(self.event_table)

    @cached_property
    def problems(self) -> pd.DataFrame:
        return to_frame(self.problem_table)

    @cached_property
    def coverage(self) -> pd.DataFrame:
        return to_frame(self.coverage_table)


def _best_parser(parsers: tuple[Parser, ...], member: Member) -> Parser | None:
    head = member.data[:HEAD_BYTES]
    best, best_claim = None, 0
    for parser in parsers:
        try:
            claim = parser.claim(member.path, head)
        except Exception:  # a claim must never stop the bundle; the parser simply does not claim
            claim = 0
        if claim > best_claim:
            best, best_claim = parser, claim
    return best


def _parse(parser: Parser, member: Member, tz: tzinfo | None) -> ParseResult:
    context = ParseContext(file=member.file, path=member.path, tz=tz, truncated=member.truncated)
    result = run_parser(parser, member.data, context)  # the one guard policy (sources/_kit/guard.py)
    accounted = result.events.spans + result.unparsed
    if accounted != result.lines:
        result.problems.append(
            Problem(
                member.file,
                "parser-error",
                f"{parser.name} parser accounted for {accounted} of {result.lines} lines",
            )
        )
    return result


def read_bundle(
    path: str | os.PathLike[str],
    *,
    tz: tzinfo | str | None = None,
    limits: Limits | None = None,
    knowledge: Knowledge | None = None,
) -> BundleContents:
    """Read every file of the bundle at ``path`` that a parser recognises.

    ``tz`` is the VM's time zone (a ``zoneinfo.ZoneInfo`` or a name such as
    ``"Europe/Stockholm"``) for sources that stamp local time; without it the offset is inferred
    from the bundle where possible and otherwise marked unknown. ``limits`` bounds
    decompression. ``knowledge`` names the result codes found (the shipped ``knowledge.toml``
    unless given; see :mod:`loganalyzer.enrich`). Raises ``FileNotFoundError`` / ``PermissionError`` only for the bundle path
    itself; everything inside becomes a problem.
    """
    parsers = all_parsers()
    tables: list[pa.Table] = []
    problems: list[Problem] = []
    coverage: list[tuple[str, str, int, int, int]] = []
    chosen: dict[str, str] = {}
    if isinstance(tz, str):
        tz = ZoneInfo(tz)
    reported: set[str] = set()
    reported_codes: list[ReportedInBundle] = []
    for item in iter_members(path, limits):
        if isinstance(item, Problem):
            problems.append(item)
            reported.add(item.file)
            continue
        if item.truncated and item.file not in reported and item.file + ".gz" not in reported:
            problems.append(Problem(item.file, "truncated", "the file was cut short before it reached us; its end is missing"))
        parser = _best_parser(parsers, item)
        if parser is None:
            coverage.append((item.file, UNRECOGNISED, 0, 0, 0))
            continue
        result = _parse(parser, item, tz)
        chosen[item.file] = parser.name
        problems.extend(result.problems)
        reported_codes.extend(result.reported)
        coverage.append((item.file, result.source, result.lines, len(result.events), result.unparsed))
        if len(result.events):
            tables.append(result.events.to_table(item.file, result.source))
    events = enrich(concat_events(tables), knowledge if knowledge is not None else load_knowledge())
    events = resolve_local_times(events, tz)
    # the backstop: whatever a parser forgot to mask is masked here, before anything leaves
    events, problems = redact_table(events), redact_problems(problems)
    return BundleContents(
        bundle=os.fspath(path),
        event_table=events,
        problem_table=pa.Table.from_pylist(
            [{"file": p.file, "kind": p.kind, "message": p.message} for p in problems], schema=PROBLEM_SCHEMA
        ),
        coverage_table=pa.Table.from_pylist(
            [dict(zip(COVERAGE_SCHEMA.names, row)) for row in coverage], schema=COVERAGE_SCHEMA
        ),
        parsers=chosen,
        reported=reported_codes,
    )


def files_read(coverage: pd.DataFrame) -> dict[str, str]:
    """The files that gave at least one event, each with its source, in reading order."""
    read = coverage[coverage["events"] > 0]
    return dict(zip(read["file"].astype(str), read["source"].astype(str)))
