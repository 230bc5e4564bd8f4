"""One enrichment step after parsing: raw result codes get their names from ``knowledge.toml``.

Parsers keep what the file says (``code = "121"``); the tables that name the codes live once,
in ``signatures/knowledge.toml`` (``[result_codes.<family>]``). :func:`enrich` runs in
:func:`loganalyzer.reader.read_bundle`, after every file is parsed and before local times are
resolved, and applies :data:`CODE_NAMES`, one row per kind of code::

    source         kinds                      code field     name field     family
    waagent.state  ext_status                 code           code_name      vmsnapshot
    waagent.state  handler_status             code           code_name      agent_handler

A rule may also write the name into the message (``..., code 121 (FailedRetryableFsFreezeFailed)``)
and raise the row's level to ``error`` when the code's documented outcome is a failure. Other
families (Windows, Azure) add rows to :data:`CODE_NAMES`; the code stays table-driven.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import pyarrow as pa
import pyarrow.compute as pc

from .signatures import Knowledge

__all__ = ["CODE_NAMES", "CodeName", "enrich"]


@dataclass(frozen=True)
class CodeName:
    """Name the code in ``fields[code]`` from the ``family`` table, into ``fields[name]``."""

    source: str
    kinds: frozenset[str]
    code: str
    name: str
    family: str
    #: only for the backup extension's own statuses (its handler or name says VMSnapshot, or the
    #: row carries its inner report)
    vmsnapshot_only: bool = False
    #: write `` (Name)`` after ``, code N`` in the message, except for these codes
    in_message: bool = False
    message_skips: tuple[str, ...] = ()
    #: a failure or degraded outcome makes the row an ``error`` (rows without an inner report)
    failure_is_error: bool = False


_STATE = "waagent.state"

CODE_NAMES: tuple[CodeName, ...] = (
    CodeName(_STATE, frozenset({"ext_status"}), "code", "code_name", "vmsnapshot",
             vmsnapshot_only=True, in_message=True, failure_is_error=True),
    CodeName(_STATE, frozenset({"ext_status", "agent_status_handler"}), "inner_code", "inner_code_name", "vmsnapshot"),
    CodeName(_STATE, frozenset({"agent_status_handler"}), "settings_code", "settings_code_name", "vmsnapshot",
             vmsnapshot_only=True),
    CodeName(_STATE, frozenset({"agent_status_handler"}), "code", "code_name", "agent_handler",
             in_message=True, message_skips=("0",)),
    CodeName(_STATE, frozenset({"agent_status_goal_state"}), "code", "code_name", "agent_handler"),
    CodeName(_STATE, frozenset({"handler_status"}), "code", "code_name", "agent_handler", in_message=True),
)

_FAILING_OUTCOMES = frozenset({"failure", "degraded"})


def _is_vmsnapshot(fields: dict[str, str]) -> bool:
    return "inner_status" in fields or any(
        "vmsnapshot" in fields.get(key, "").lower() for key in ("handler", "name")
    )


def _apply(rule: CodeName, knowledge: Knowledge, fields: dict[str, str], message: str, level: str | None):
    code = fields.get(rule.code)
    if code is None or rule.name in fields or (rule.vmsnapshot_only and not _is_vmsnapshot(fields)):
        return message, level
    known = knowledge.result_code(rule.family, code)
    if known is None:
        return message, level
    fields[rule.name] = known.name
    if rule.in_message and code not in rule.message_skips:
        written = f", code {code}"
        at = message.find(written)
        if at >= 0:
            at += len(written)
            message = f"{message[:at]} ({known.name}){message[at:]}"
    if rule.failure_is_error and "inner_status" not in fields and known.outcome in _FAILING_OUTCOMES:
        level = "error"
    return message, level


def _kinds_by_source() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in CODE_NAMES:
        found.setdefault(rule.source, set()).update(rule.kinds)
    return found


def _replaced(column: pa.ChunkedArray, changes: dict[int, object], kind: pa.DataType) -> pa.ChunkedArray:
    """``column`` with the rows in ``changes`` replaced (order kept; one piece per change)."""
    pieces: list[pa.Array] = []
    start = 0
    for index in sorted(changes):
        pieces.extend(column.slice(start, index - start).chunks)
        value = pa.array([changes[index]], kind)
        pieces.append(value.dictionary_encode() if pa.types.is_dictionary(column.type) else value)
        start = index + 1
    pieces.extend(column.slice(start).chunks)
    return pa.chunked_array([piece for piece in pieces if len(piece)], column.type)


def enrich(events: pa.Table, knowledge: Knowledge) -> pa.Table:
    """``events`` with the code names of :data:`CODE_NAMES` added (see the module docstring)."""
    if events.num_rows == 0:
        return events
    kinds = pc.map_lookup(events["fields"], "kind", "first")
    sources = events["source"].cast(pa.string())
    masks = [
        pc.and_(
            pc.equal(sources, source),
            pc.fill_null(pc.is_in(kinds, value_set=pa.array(sorted(rule_kinds), pa.string())), False),
        )
        for source, rule_kinds in _kinds_by_source().items()
    ]
    indices = pc.indices_nonzero(reduce(pc.or_, masks)).to_pylist()
    if not indices:
        return events
    rows = events.take(indices).select(["source", "level", "message", "fields"]).to_pylist()
    new_fields: dict[int, object] = {}
    new_messages: dict[int, object] = {}
    new_levels: dict[int, object] = {}
    for index, row in zip(indices, rows):
        fields = dict(row["fields"])
        message, level = row["message"], row["level"]
        for rule in CODE_NAMES:
            if rule.source == row["source"] and fields.get("kind") in rule.kinds:
                message, level = _apply(rule, knowledge, fields, message, level)
        if fields != dict(row["fields"]):
            new_fields[index] = list(fields.items())
        if message != row["message"]:
            new_messages[index] = message
        if level != row["level"]:
            new_levels[index] = level
    schema = events.schema
    for name, changes, kind in (
        ("fields", new_fields, schema.field("fields").type),
        ("message", new_messages, pa.string()),
        ("level", new_levels, pa.string()),
    ):
        if changes:
            position = schema.get_field_index(name)
            events = events.set_column(position, schema.field(name), _replaced(events[name], changes, kind))
    return events.unify_dictionaries().combine_chunks()
