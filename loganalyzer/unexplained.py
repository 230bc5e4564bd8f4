"""Errors and warnings that no signature explains, grouped into templates and ranked.

When no finding is convincing, the engineer still needs to see what looked wrong. Every error
and warning event that no evidence row points at is reduced to a *template*: its first line with
the variable parts masked, in this order::

    https://md-hdd.blob.core.windows.net/...?sv=...   ->  <url>
    4c6f0b1e-2f50-4a43-9a43-1d2b3e4f5a6b              ->  <guid>
    2024-05-30T13:15:45.331589Z                       ->  <time>
    /var/lib/waagent/Microsoft.Azure...-1.0.9218.0    ->  <path>
    C:\\Packages\\Plugins\\...                         ->  <path>
    WALinuxAgent-2.9.1.1                              ->  WALinuxAgent-<version>
    168.63.129.16                                     ->  <ip>
    1.0.9218.0                                        ->  <version>
    0x80042306, 5d6e7f80a1b2c3d4                      ->  <hex>
    PT3M31.431S                                       ->  <duration>
    42, vm-lnx1                                       ->  <n>, vm-lnx<n>

so that ``Enable failed with exit code 1 after 300 seconds`` and ``... exit code 2 after 12
seconds`` share ``Enable failed with exit code <n> after <n> seconds``. Masking and grouping run
as Arrow kernels (RE2) over the whole column; Python touches one row per template.

Templates are ranked by level (errors before warnings), rarity (a line seen once or twice says
more than one logged every minute) and nearness to the latest backup attempt. Each carries its
count, first and last time, and one example with its file and line.

Template mining libraries were weighed: Drain3 (last release 2022) pins old exact versions of
``jsonpickle`` and ``cachetools`` and mines one message at a time in Python;
``benchmarks/unexplained.py`` compares the two on the same events.
"""

from __future__ import annotations

import math
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["UNEXPLAINED_SCHEMA", "MASKS", "mask_messages", "unexplained_templates"]

#: (RE2 pattern, replacement), applied in order; earlier masks protect text from later ones
MASKS: tuple[tuple[str, str], ...] = (
    (r"\b(?:[Hh][Tt][Tt][Pp][Ss]?|[Ff][Tt][Pp])://[^\s'\"<>)\]]+", "<url>"),
    (r"\b[0-9a-fA-F]{6,}(?:-[0-9a-fA-F]{3,}){2,}\b", "<guid>"),
    (r"\d{4}[-/]\d{1,2}[-/]\d{1,2}[T ]\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?", "<time>"),
    (r"\bP(?:\d+[YMWD])*T?(?:\d+(?:\.\d+)?[HMS])+\b", "<duration>"),
    (r"(?:[A-Za-z]:)?(?:[\\/][\w.$@~+-]+){2,}[\\/]?", "<path>"),
    (r"-\d+(?:\.\d+){1,3}\b", "-<version>"),
    (r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", "<ip>"),
    (r"\b\d+(?:\.\d+){1,3}\b", "<version>"),
    (r"\b0[xX][0-9a-fA-F]+\b", "<hex>"),
    (r"\b[0-9a-fA-F]{8,}\b", "<hex>"),
    (r"\d+", "<n>"),
    (r"[ \t]{2,}|\t", " "),
)

UNEXPLAINED_SCHEMA = pa.schema(
    [
        pa.field("template", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("count", pa.int64(), nullable=False),
        pa.field("first", pa.timestamp("us", tz="UTC")),
        pa.field("last", pa.timestamp("us", tz="UTC")),
        pa.field("source", pa.string(), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("line", pa.int32(), nullable=False),
        pa.field("example", pa.string(), nullable=False),
        pa.field("score", pa.float64(), nullable=False),
    ]
)

#: how much an error outweighs a warning in the ranking
_LEVEL_WEIGHT = {"error": 1.0, "warning": 0.6}
#: a template's nearness to the backup attempt halves every this many hours
_NEARNESS_HALF_LIFE_HOURS = 24.0
_EXAMPLE_CHARS = 300


def mask_messages(messages: pa.Array) -> pa.Array:
    """The template of each message: its first line with variable parts masked (see module doc)."""
    first_lines = pc.list_element(pc.split_pattern(pc.cast(messages, pa.string()), "\n", max_splits=1), 0)
    first_lines = pc.utf8_slice_codeunits(pc.utf8_rtrim(first_lines, "\r"), 0, 2000)
    masked = first_lines
    for pattern, replacement in MASKS:
        masked = pc.replace_substring_regex(masked, pattern, replacement)
    return pc.utf8_trim_whitespace(masked)


def _explained(events: pa.Table, evidence: pa.Table | None) -> pa.Array:
    """True for each event some evidence row points at (by file and line)."""
    if evidence is None or evidence.num_rows == 0:
        return pa.array([False] * events.num_rows)
    keys = pc.binary_join_element_wise(pc.cast(events["file"], pa.string()), pc.cast(events["line"], pa.string()), ":")
    explained = pc.binary_join_element_wise(
        pc.cast(evidence["file"], pa.string()), pc.cast(evidence["line"], pa.string()), ":"
    )
    return pc.is_in(keys, value_set=pc.unique(explained))


def unexplained_templates(
    events: pa.Table,
    evidence: pa.Table | None = None,
    attempt: datetime | None = None,
    limit: int = 10,
) -> pa.Table:
    """The ``limit`` most suspicious error/warning templates that no evidence row explains.

    ``events`` is the bundle's event table, ``evidence`` the matcher's evidence (rows carry
    ``file`` and ``line``), ``attempt`` the latest backup attempt (nearness ranks higher).
    Returns a table of :data:`UNEXPLAINED_SCHEMA`, best first.
    """
    if events.num_rows == 0:
        return UNEXPLAINED_SCHEMA.empty_table()
    level = pc.cast(events["level"], pa.string())
    wanted = pc.and_(pc.is_in(level, value_set=pa.array(list(_LEVEL_WEIGHT))), pc.invert(_explained(events, evidence)))
    rows = events.filter(pc.fill_null(wanted, False))
    if rows.num_rows == 0:
        return UNEXPLAINED_SCHEMA.empty_table()
    table = pa.table(
        {
            "template": mask_messages(rows["message"]),
            "level": pc.cast(rows["level"], pa.string()),
            "time": rows["time"],
            "source": pc.cast(rows["source"], pa.string()),
            "index": pa.array(range(rows.num_rows), pa.int64()),
        }
    )
    grouped = table.group_by(["template", "level"]).aggregate(
        [("time", "min"), ("time", "max"), ("index", "count"), ("index", "max")]
    )
    scored = []
    for group in grouped.to_pylist():
        example = group["index_max"]
        first, last, count = group["time_min"], group["time_max"], group["index_count"]
        score = _LEVEL_WEIGHT[group["level"]] / (1.0 + math.log2(count))
        if attempt is not None and last is not None:
            hours = abs((attempt - last).total_seconds()) / 3600.0
            score *= 0.5 + 0.5 * 0.5 ** (hours / _NEARNESS_HALF_LIFE_HOURS)
        scored.append((score, group["template"], group["level"], count, first, last, example))
    scored.sort(key=lambda item: (-item[0], item[1]))
    out = []
    for score, template, level_name, count, first, last, example in scored[:limit]:
        message = rows["message"][example].as_py() or ""
        out.append(
            {
                "template": template,
                "level": level_name,
                "count": count,
                "first": first,
                "last": last,
                "source": str(rows["source"][example].as_py()),
                "file": str(rows["file"][example].as_py()),
                "line": int(rows["line"][example].as_py()),
                "example": message.split("\n", 1)[0][:_EXAMPLE_CHARS],
                "score": round(score, 4),
            }
        )
    return pa.Table.from_pylist(out, schema=UNEXPLAINED_SCHEMA)
