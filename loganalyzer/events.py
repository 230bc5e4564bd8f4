"""The event table: one schema for every input family, and the builder parsers fill.

Every parser turns one file into rows of the same shape::

    file       path inside the bundle          ("var/log/waagent.log")
    line       first physical line of the event (record number for binary formats)
    time       UTC instant, or None when the source has no time
    source     input family                    ("waagent.log", "waagent.state", ...)
    level      error | warning | info | verbose | None
    component  agent thread, extension name, event provider, ...
    message    the text, continuation lines joined with newlines, secrets already redacted
    fields     structured values as strings    ({"era": "D", "thread": "ExtHandler"})

Sources that stamp local wall-clock time without an offset add their rows with
``local_time=True``: the row's ``time`` then holds the wall-clock digits as if they were UTC and
``fields["time_basis"] = "local"`` says so. The bundle reader later shifts those rows by the
caller's ``tz=`` or by an offset inferred from the bundle (see :mod:`loganalyzer.timebase`) and
records ``fields["utc_offset"]``; nothing mixes local and UTC silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa

__all__ = [
    "COVERAGE_SCHEMA",
    "EVENT_SCHEMA",
    "LEVELS",
    "PROBLEM_SCHEMA",
    "EventRows",
    "Problem",
    "empty_events",
    "to_frame",
]

LEVELS = ("error", "warning", "info", "verbose")
_LEVEL_VALUES = frozenset((*LEVELS, None))

_DICT = pa.dictionary(pa.int32(), pa.string())

EVENT_SCHEMA = pa.schema(
    [
        pa.field("file", _DICT, nullable=False),
        pa.field("line", pa.int32(), nullable=False),
        pa.field("time", pa.timestamp("us", tz="UTC")),
        pa.field("source", _DICT, nullable=False),
        pa.field("level", _DICT),
        pa.field("component", _DICT),
        pa.field("message", pa.string(), nullable=False),
        pa.field("fields", pa.map_(pa.string(), pa.string()), nullable=False),
    ]
)

PROBLEM_SCHEMA = pa.schema(
    [
        pa.field("file", pa.string(), nullable=False),
        pa.field("kind", _DICT, nullable=False),
        pa.field("message", pa.string(), nullable=False),
    ]
)

COVERAGE_SCHEMA = pa.schema(
    [
        pa.field("file", pa.string(), nullable=False),
        pa.field("source", _DICT, nullable=False),
        pa.field("lines", pa.int64(), nullable=False),
        pa.field("events", pa.int64(), nullable=False),
        pa.field("unparsed", pa.int64(), nullable=False),
    ]
)

@dataclass(frozen=True)
class Problem:
    """A file-level trouble, never raised: ``kind`` is a short stable word.

    Kinds in use: ``unreadable``, ``truncated``, ``oversized``, ``bomb``, ``unsafe-path``,
    ``link-outside``, ``link-loop``, ``encoding``, ``binary``, ``malformed``, ``damaged``,
    ``parser-error`` (a bug of ours: counted and shown, never hidden), ``not-recognised``.
    """

    file: str
    kind: str
    message: str


@dataclass
class EventRows:
    """Column-wise builder for the events of one file.

    ``span`` is how many physical lines the event covers (header plus continuation lines);
    the sum of spans plus the unparsed count must equal the file's line count.
    """

    line: list[int] = field(default_factory=list)
    time: list[datetime | None] = field(default_factory=list)
    level: list[str | None] = field(default_factory=list)
    component: list[str | None] = field(default_factory=list)
    message: list[str] = field(default_factory=list)
    fields: list[dict[str, str]] = field(default_factory=list)
    spans: int = 0

    def add(
        self,
        *,
        line: int,
        message: str,
        time: datetime | None = None,
        level: str | None = None,
        component: str | None = None,
        fields: Mapping[str, object] | None = None,
        local_time: bool = False,
        span: int = 1,
    ) -> None:
        if level is not None and level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        values = {k: v if type(v) is str else str(v) for k, v in fields.items() if v is not None} if fields else {}
        if time is not None:
            if local_time:
                values["time_basis"] = "local"
                time = time.replace(tzinfo=None)
            elif time.tzinfo is None:
                time = time.replace(tzinfo=UTC)
        self.line.append(line)
        self.time.append(time)
        self.level.append(level)
        self.component.append(component)
        self.message.append(message)
        self.fields.append(values)
        self.spans += span

    def extend_columns(
        self,
        *,
        line: Iterable[int],
        time: Iterable[datetime | None],
        level: Iterable[str | None],
        component: Iterable[str | None],
        message: Iterable[str],
        fields: Iterable[dict[str, str]],
        spans: int | None = None,
    ) -> None:
        """Add many events at once, column by column (the fast path of a large log).

        Checked before anything is added: every column has the same length, every level is one
        of :data:`LEVELS` or None. ``time`` holds aware datetimes (or None) and ``fields`` dicts of
        strings, as :meth:`add` would make them. ``spans`` is the physical lines the new events
        cover together (default: one line each).
        """
        columns = [list(line), list(time), list(level), list(component), list(message), list(fields)]
        count = len(columns[0])
        if any(len(column) != count for column in columns):
            raise ValueError(f"columns of different lengths: {[len(column) for column in columns]}")
        unknown = set(columns[2]) - _LEVEL_VALUES
        if unknown:
            raise ValueError(f"level must be one of {LEVELS}, not {sorted(map(str, unknown))}")
        if spans is not None and spans < count:
            raise ValueError(f"{count} events cannot cover only {spans} lines")
        for target, column in zip((self.line, self.time, self.level, self.component, self.message, self.fields), columns):
            target.extend(column)
        self.spans += count if spans is None else spans

    def __len__(self) -> int:
        return len(self.line)

    def to_table(self, file: str, source: str) -> pa.Table:
        n = len(self.line)
        return pa.table(
            {
                "file": pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), [file]),
                "line": pa.array(self.line, pa.int32()),
                # naive datetimes (local wall-clock rows) keep their digits; aware ones become UTC
                "time": pa.array(self.time, pa.timestamp("us", tz="UTC")),
                "source": pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), [source]),
                "level": pa.array(self.level, pa.string()).dictionary_encode(),
                "component": pa.array(self.component, pa.string()).dictionary_encode(),
                "message": pa.array(self.message, pa.string()),
                "fields": pa.array(self.fields, pa.map_(pa.string(), pa.string())),
            },
            schema=EVENT_SCHEMA,
        )


def empty_events() -> pa.Table:
    return EVENT_SCHEMA.empty_table()


def concat_events(tables: Iterable[pa.Table]) -> pa.Table:
    """Concatenate event tables, unifying their dictionaries."""
    tables = [t for t in tables if t.num_rows]
    if not tables:
        return empty_events()
    return pa.concat_tables(tables, promote_options="none").unify_dictionaries().combine_chunks()


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a pandas DataFrame with Arrow-backed dtypes."""
    return table.to_pandas(types_mapper=pd.ArrowDtype)
