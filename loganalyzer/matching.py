"""Events x signatures -> evidence: which signature matched which event, for which cause.

The evidence table has one row per (signature, cause, event)::

    signature   linux.log.wireserver-failures      the rule's id
    cause       wireserver-unreachable             a cause id from knowledge.toml
    weight      0.8                                how strongly the row supports the cause
    counter     False                              True: the row argues *against* the cause
    file, line  var/log/waagent.log, 812           where the event is
    time        2024-05-30 13:15:45+00:00          when it happened (may be null)
    source      waagent.log                        input family
    excerpt     first line of the message, at most 200 characters
    details     the rule's one-line ``details`` template filled from the event

Speed comes from the shape of the work, not from per-line Python: signatures are grouped by
source; per source one RE2 pass over the messages with all the signatures' literals finds the
candidate rows; each literal is then checked only on those candidates, each regex only on the
rows its literals let through, and field conditions run vectorised over the ``fields`` map
column (``pyarrow.compute.map_lookup``). Count, absence and state rules are evaluated afterwards
on the selected rows. RE2 runs in linear time; the rare Python-side regex (only when RE2 refuses
a pattern at run time) runs with a time limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import regex

from .events import EVENT_SCHEMA
from .rules.model import Condition, Matcher, Signature, SignatureSet, version_key

__all__ = ["EVIDENCE_SCHEMA", "match", "match_table", "render_details", "PreparedEvents", "literal_plan", "details_for", "excerpt"]

EVIDENCE_SCHEMA = pa.schema(
    [
        pa.field("signature", pa.string(), nullable=False),
        pa.field("cause", pa.string(), nullable=False),
        pa.field("weight", pa.float64(), nullable=False),
        pa.field("counter", pa.bool_(), nullable=False),
        pa.field("file", pa.string(), nullable=False),
        pa.field("line", pa.int32(), nullable=False),
        pa.field("time", pa.timestamp("us", tz="UTC")),
        pa.field("source", pa.string(), nullable=False),
        pa.field("excerpt", pa.string(), nullable=False),
        pa.field("details", pa.string(), nullable=False),
        pa.field("codes", pa.list_(pa.string()), nullable=False),
    ]
)

EXCERPT_CHARS = 200
#: seconds a Python-side regex may spend on one message
REGEX_TIMEOUT = 0.25

_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_EMPTY = np.zeros(0, dtype=np.int64)
_US = 1_000_000


# --------------------------------------------------------------------------------------------
# The event table, prepared once per match() call
# --------------------------------------------------------------------------------------------


def _as_table(events) -> pa.Table:
    if isinstance(events, pa.Table):
        table = events
    elif isinstance(events, pd.DataFrame):
        table = pa.Table.from_pandas(events, preserve_index=False)
    else:
        raise TypeError(f"events must be a pyarrow Table or a pandas DataFrame, not {type(events).__name__}")
    missing = [name for name in EVENT_SCHEMA.names if name not in table.column_names]
    if missing:
        raise ValueError(f"the event table lacks column(s): {', '.join(missing)}")
    return table


def _array(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if isinstance(array, pa.ChunkedArray):  # zero chunks
        array = pa.array([], column.type)
    return array


def _strings(table: pa.Table, name: str) -> pa.Array:
    array = _array(table, name)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return array


def _take(array: pa.Array, rows: np.ndarray) -> pa.Array:
    """``array`` at ``rows`` (sorted): a zero-copy slice when the rows are contiguous, and
    dictionary columns decoded to plain strings after the take (so only the taken rows are)."""
    if len(rows) and int(rows[-1]) - int(rows[0]) + 1 == len(rows):
        taken = array.slice(int(rows[0]), len(rows))
    else:
        taken = array.take(pa.array(rows, pa.int64()))
    if pa.types.is_dictionary(taken.type):
        taken = taken.dictionary_decode()
    return taken


def _plain(array: pa.Array) -> pa.Array:
    """A string-ish column as string or dictionary<string> (kept encoded: decoded on take)."""
    value_type = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
    if not pa.types.is_string(value_type):
        array = (array.dictionary_decode() if pa.types.is_dictionary(array.type) else array).cast(pa.string())
    return array


def _mask(array: pa.Array) -> np.ndarray:
    """A boolean Arrow array as a numpy mask, nulls as False."""
    return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _re2_escape(literal: str) -> str:
    return "".join("\\" + ch if not (ch.isalnum() or ch == " " or ord(ch) > 127) else ch for ch in literal).replace("\n", "\\n")


def _regex_mask(values: pa.Array, pattern: str) -> np.ndarray:
    """Rows of ``values`` where ``pattern`` is found: RE2, or Python ``regex`` with a time limit."""
    try:
        return _mask(pc.match_substring_regex(values, pattern))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        compiled = regex.compile(pattern)
        out = np.zeros(len(values), dtype=bool)
        for i, value in enumerate(values.to_pylist()):
            if value is None:
                continue
            try:
                out[i] = compiled.search(value, timeout=REGEX_TIMEOUT) is not None
            except TimeoutError:
                out[i] = False
        return out


def _named_groups(messages: Sequence[str | None], pattern: str) -> list[dict]:
    """Named groups of ``pattern`` in each message (Python ``regex``, time-limited per message).

    Only the few rows already selected get here; RE2's extract kernel cannot be used because it
    refuses patterns that also have unnamed groups.
    """
    compiled = regex.compile(pattern)
    out: list[dict] = []
    for message in messages:
        try:
            found = compiled.search(message or "", timeout=REGEX_TIMEOUT)
        except TimeoutError:
            found = None
        out.append(found.groupdict() if found else {})
    return out


class PreparedEvents:
    """Column views of one event table and caches shared by all signatures."""

    def __init__(self, table: pa.Table):
        self.table = table
        self.n = table.num_rows
        self.message = _strings(table, "message").fill_null("")
        self.source = _plain(_array(table, "source"))
        self.level = _plain(_array(table, "level"))
        self.component = _plain(_array(table, "component"))
        self.file = _plain(_array(table, "file"))
        self.fields = _array(table, "fields")
        self.line = _array(table, "line")
        time = _array(table, "time")
        if not pa.types.is_timestamp(time.type) or time.type.unit != "us" or time.type.tz != "UTC":
            time = time.cast(pa.timestamp("us", tz="UTC"))
        self.time = time
        self.has_time = _mask(time.is_valid())
        self.time_us = time.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        encoded = self.source if pa.types.is_dictionary(self.source.type) else self.source.dictionary_encode()
        indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        codes: dict[str, list[int]] = {}
        for code, name in enumerate(encoded.dictionary.to_pylist()):
            codes.setdefault(name, []).append(code)
        self.source_rows = {
            name: np.flatnonzero(indices == found[0]) if len(found) == 1 else np.flatnonzero(np.isin(indices, found))
            for name, found in codes.items()
        }
        self._literal_hits: dict[tuple[str, str, bool], np.ndarray] = {}
        self._rows_of: dict[tuple[str, ...], np.ndarray] = {}

    def rows_of(self, sources: Iterable[str]) -> np.ndarray:
        """Sorted row numbers of the events from ``sources``."""
        names = tuple(sorted(set(sources)))
        if len(names) == 1:
            return self.source_rows.get(names[0], _EMPTY)
        if names not in self._rows_of:
            parts = [self.source_rows.get(s, _EMPTY) for s in names]
            self._rows_of[names] = np.sort(np.concatenate(parts)) if parts else _EMPTY
        return self._rows_of[names]

    def keep(self, rows: np.ndarray, *allowed: np.ndarray) -> np.ndarray:
        """The rows (sorted) that appear in any of the ``allowed`` row arrays; a mask, not a sort."""
        if not len(rows):
            return rows
        mask = np.zeros(self.n, dtype=bool)
        for part in allowed:
            mask[part] = True
        return rows[mask[rows]]

    def prefilter(self, literals_by_source: dict[str, set[tuple[str, bool]]]) -> None:
        """One RE2 pass per source over all its literals, then each literal on the candidates."""
        for source, literals in literals_by_source.items():
            rows = self.source_rows.get(source, _EMPTY)
            if not literals or not len(rows):
                continue
            messages = _take(self.message, rows)
            combined = "|".join(f"(?i:{_re2_escape(l)})" if icase else _re2_escape(l) for l, icase in sorted(literals))
            try:
                candidate = _mask(pc.match_substring_regex(messages, combined))
                rows, messages = rows[candidate], messages.filter(pa.array(candidate))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # too large for RE2's memory budget: check each literal on all rows
            for literal, icase in literals:
                hit = _mask(pc.match_substring(messages, literal, ignore_case=icase))
                self._literal_hits[(source, literal, icase)] = rows[hit]

    def literal_rows(self, source: str, literal: str, icase: bool) -> np.ndarray:
        key = (source, literal, icase)
        if key not in self._literal_hits:
            rows = self.source_rows.get(source, _EMPTY)
            if len(rows):
                messages = _take(self.message, rows)
                rows = rows[_mask(pc.match_substring(messages, literal, ignore_case=icase))]
            self._literal_hits[key] = rows
        return self._literal_hits[key]

    def lookup(self, rows: np.ndarray, key: str) -> pa.Array:
        """The value of field ``key`` for ``rows`` (null where the event lacks it)."""
        return pc.map_lookup(_take(self.fields, rows), pa.scalar(key, pa.string()), "first")

    def select(self, matcher: Matcher, start: np.ndarray | None = None) -> np.ndarray:
        """Sorted row numbers of the events ``matcher`` selects (within ``start`` when given)."""
        rows = self.rows_of(matcher.sources)
        if start is not None:
            rows = self.keep(rows, start)
        if len(rows) and matcher.event_levels:
            levels = _take(self.level, rows)
            rows = rows[_mask(pc.is_in(levels, value_set=pa.array(matcher.event_levels, pa.string())))]
        if len(rows) and matcher.literals:
            hits = [self.literal_rows(s, lit, matcher.literals_ignore_case) for s in matcher.sources for lit in matcher.literals]
            rows = self.keep(rows, *hits)
        if len(rows) and matcher.message:
            rows = rows[_regex_mask(_take(self.message, rows), matcher.message)]
        if len(rows) and matcher.message_not:
            rows = rows[~_regex_mask(_take(self.message, rows), matcher.message_not)]
        for key, conditions in matcher.fields:
            if not len(rows):
                break
            rows = rows[_conditions_mask(self.lookup(rows, key), conditions)]
        for column, conditions in ((self.component, matcher.component), (self.file, matcher.file)):
            if len(rows) and conditions:
                rows = rows[_conditions_mask(_take(column, rows), conditions)]
        return rows


# --------------------------------------------------------------------------------------------
# Field conditions
# --------------------------------------------------------------------------------------------


def _numbers(values: pa.Array) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(values)
    numeric = pc.match_substring_regex(trimmed, _NUMBER).fill_null(False)
    return pc.if_else(numeric, trimmed, pa.scalar(None, pa.string())).cast(pa.float64())


def _version_mask(values: pa.Array, op: str, bound: tuple[int, ...]) -> np.ndarray:
    encoded = values.dictionary_encode()
    keys = [version_key(v) for v in encoded.dictionary.to_pylist()]
    if op == "version_lt":
        truth = np.array([k is not None and k < bound for k in keys] + [False], dtype=bool)
    else:
        truth = np.array([k is not None and k >= bound for k in keys] + [False], dtype=bool)
    indices = encoded.indices.fill_null(len(keys)).to_numpy(zero_copy_only=False)
    return truth[indices]


def _condition_mask(values: pa.Array, condition: Condition) -> np.ndarray:
    op, value = condition.op, condition.value
    if op == "exists":
        return _mask(values.is_valid())
    if op == "absent":
        return _mask(values.is_null())
    if op == "eq":
        return _mask(pc.equal(values, pa.scalar(value, pa.string())))
    if op == "ne":
        return _mask(pc.not_equal(values, pa.scalar(value, pa.string())))
    if op == "in":
        return _mask(pc.is_in(values, value_set=pa.array(value, pa.string()))) & _mask(values.is_valid())
    if op == "regex":
        return _regex_mask(values, value)
    if op in ("version_lt", "version_ge"):
        return _version_mask(values, op, value)
    numbers = _numbers(values)
    if op == "num_gt":
        return _mask(pc.greater(numbers, value))
    if op == "num_lt":
        return _mask(pc.less(numbers, value))
    if op == "num_in_range":
        low, high = value
        return _mask(pc.and_(pc.greater_equal(numbers, low), pc.less_equal(numbers, high)))
    raise ValueError(f"unknown operator {op!r}")  # the loader refuses these; a bug if reached


def _conditions_mask(values: pa.Array, conditions: Sequence[Condition]) -> np.ndarray:
    mask = np.ones(len(values), dtype=bool)
    for condition in conditions:
        mask &= _condition_mask(values, condition)
    return mask


# --------------------------------------------------------------------------------------------
# Evidence rows and details
# --------------------------------------------------------------------------------------------


def excerpt(message: str) -> str:
    first = message.split("\n", 1)[0].rstrip()
    return first if len(first) <= EXCERPT_CHARS else first[: EXCERPT_CHARS - 1] + "\u2026"


def render_details(template: str, values: dict[str, object]) -> str:
    """Fill ``{name}`` placeholders from ``values`` (missing ones show as ``-``); ``{{`` is ``{``."""
    parts = template.split("{{")
    rendered = []
    for part in parts:
        pieces = part.split("}}")
        rendered.append(
            "}".join(
                re.sub(r"\{([^{}]*)\}", lambda m: _text(values.get(m.group(1))), piece) for piece in pieces
            )
        )
    return "{".join(rendered)


def _text(value: object) -> str:
    if value is None or value == "":
        return "-"
    return str(value).split("\n", 1)[0]


@dataclass
class _Collector:
    """Accumulates evidence rows as columns."""

    events: PreparedEvents

    def __post_init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in EVIDENCE_SCHEMA.names}
        self.rows: list[int] = []

    def add(self, signature: Signature, matcher: Matcher | None, rows: np.ndarray, extras: Sequence[dict] | None = None) -> None:
        if not len(rows):
            return
        details = details_for(self.events, signature, matcher, rows, extras)
        messages = _take(self.events.message, rows).to_pylist()
        files = _take(self.events.file, rows).to_pylist()
        lines = _take(self.events.line, rows).to_pylist()
        sources = _take(self.events.source, rows).to_pylist()
        for cause, weight in signature.causes:
            for i, row in enumerate(rows):
                self.rows.append(int(row))
                self.columns["signature"].append(signature.id)
                self.columns["cause"].append(cause)
                self.columns["weight"].append(weight)
                self.columns["counter"].append(signature.counter)
                self.columns["file"].append(files[i] or "")
                self.columns["line"].append(lines[i] or 0)
                self.columns["source"].append(sources[i] or "")
                self.columns["excerpt"].append(excerpt(messages[i] or ""))
                self.columns["details"].append(details[i])
                self.columns["codes"].append(list(signature.codes))

    def table(self) -> pa.Table:
        times = self.events.time.take(pa.array(self.rows, pa.int64())) if self.rows else pa.array([], EVIDENCE_SCHEMA.field("time").type)
        data = dict(self.columns)
        data["time"] = times
        return pa.table({name: data[name] for name in EVIDENCE_SCHEMA.names}, schema=EVIDENCE_SCHEMA)


def details_for(events: PreparedEvents, signature: Signature, matcher: Matcher | None, rows: np.ndarray, extras: Sequence[dict] | None) -> list[str]:
    template = signature.details
    suffix = [e.pop("_suffix", "") for e in extras] if extras else [""] * len(rows)
    if not template:
        return [s.strip() for s in suffix]
    taken = pa.array(rows)
    fields = events.fields.take(taken).to_pylist()
    messages = events.message.take(taken).to_pylist()
    components = events.component.take(taken).to_pylist()
    levels = events.level.take(taken).to_pylist()
    sources = events.source.take(taken).to_pylist()
    files = events.file.take(taken).to_pylist()
    lines = events.line.take(taken).to_pylist()
    groups: list[dict] = [{} for _ in rows]
    wanted = set(re.findall(r"\{([^{}]*)\}", template))
    if matcher is not None and matcher.message and wanted & set(matcher.group_names):
        groups = _named_groups(messages, matcher.message)
    out = []
    for i in range(len(rows)):
        values: dict[str, object] = {
            "message": excerpt(messages[i] or ""),
            "component": components[i],
            "level": levels[i],
            "source": sources[i],
            "file": files[i],
            "line": lines[i],
        }
        values.update(dict(fields[i] or []))
        values.update({k: v for k, v in groups[i].items() if v})
        if extras:
            values.update(extras[i])
        text = render_details(template, values)
        if suffix[i] and not (extras and wanted & set(extras[i])):
            text = f"{text} {suffix[i]}".strip()
        out.append(text)
    return out


# --------------------------------------------------------------------------------------------
# Rule kinds
# --------------------------------------------------------------------------------------------


def _key_values(events: PreparedEvents, rows: np.ndarray, keys: Sequence[str]) -> list[tuple | None]:
    if not keys:
        return [()] * len(rows)
    columns = [events.lookup(rows, key).to_pylist() for key in keys]
    return [None if any(c[i] is None for c in columns) else tuple(c[i] for c in columns) for i in range(len(rows))]


def _duration_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _run_count(events: PreparedEvents, signature: Signature, out: _Collector) -> None:
    spec = signature.count
    rows = events.select(signature.matcher)
    groups: dict[tuple, list[int]] = {}
    for row, key in zip(rows, _key_values(events, rows, spec.by)):
        if key is not None:
            groups.setdefault(key, []).append(int(row))
    chosen, extras = [], []
    window_text = spec.window_text or "the bundle"
    for members in groups.values():
        members_arr = np.array(members, dtype=np.int64)
        if spec.window is None:
            if len(members_arr) >= spec.min:
                timed = members_arr[events.has_time[members_arr]]
                last = timed[np.argmax(events.time_us[timed])] if len(timed) else members_arr[-1]
                chosen.append(int(last))
                extras.append({"count": len(members_arr), "window": window_text, "_suffix": f"({len(members_arr)} times in {window_text})"})
            continue
        timed = members_arr[events.has_time[members_arr]]
        order = np.argsort(events.time_us[timed], kind="stable")
        timed, times = timed[order], events.time_us[timed][order]
        limit = int(spec.window * _US)
        best, best_count, left = None, 0, 0
        for right in range(len(times)):
            while times[right] - times[left] > limit:
                left += 1
            if right - left + 1 >= spec.min:
                best, best_count = int(timed[right]), right - left + 1
        if best is not None:
            chosen.append(best)
            extras.append({"count": best_count, "window": window_text, "_suffix": f"({best_count} times within {window_text})"})
    if chosen:
        order = np.argsort(chosen, kind="stable")
        out.add(signature, signature.matcher, np.array(chosen, dtype=np.int64)[order], [extras[i] for i in order])


def _run_absence(events: PreparedEvents, signature: Signature, out: _Collector) -> None:
    spec = signature.absence
    scope = events.rows_of(spec.expect.sources)
    scope = scope[events.has_time[scope]]
    if not len(scope):
        return  # no timed events from the expected sources: cannot tell
    horizon_row = int(scope[np.argmax(events.time_us[scope])])
    horizon = int(events.time_us[horizon_row])
    limit = int(spec.within * _US)
    expect = events.select(spec.expect)
    expect = expect[events.has_time[expect]]
    within_text = spec.within_text or _duration_text(spec.within)
    if spec.after is None:
        if horizon - int(events.time_us[scope].min()) < limit:
            return  # the logs cover less than the window: cannot tell
        times = events.time_us[expect]
        if len(times) and times.max() >= horizon - limit:
            return
        anchor = int(expect[np.argmax(times)]) if len(expect) else horizon_row
        suffix = f"(none in the last {within_text} before the last event)"
        out.add(signature, spec.expect, np.array([anchor]), [{"within": within_text, "_suffix": suffix}])
        return
    after = events.select(spec.after)
    after = after[events.has_time[after]]
    expected_by_key: dict[tuple, list[int]] = {}
    for time, key in zip(events.time_us[expect], _key_values(events, expect, spec.by)):
        if key is not None:
            expected_by_key.setdefault(key, []).append(int(time))
    sorted_times = {k: np.sort(np.array(v, dtype=np.int64)) for k, v in expected_by_key.items()}
    latest: dict[tuple, tuple[int, int, int]] = {}  # key -> (row, missed, decided)
    for row, key in zip(after, _key_values(events, after, spec.by)):
        if key is None:
            continue
        start = int(events.time_us[row])
        if start + limit > horizon:
            continue  # the logs end before the window does
        times = sorted_times.get(key, _EMPTY)
        # strictly after: an event that matches both sides is not its own follow-up
        index = int(np.searchsorted(times, start, side="right"))
        fulfilled = index < len(times) and times[index] <= start + limit
        previous = latest.get(key, (None, 0, 0))
        missed = previous[1] + (0 if fulfilled else 1)
        chosen = previous[0] if fulfilled else int(row)
        latest[key] = (chosen, missed, previous[2] + 1)
    chosen_rows, extras = [], []
    for row, missed, decided in latest.values():
        if row is not None:
            chosen_rows.append(row)
            extras.append({"within": within_text, "missed": missed, "_suffix": f"(no follow-up within {within_text}; {missed} of {decided} times)"})
    if chosen_rows:
        order = np.argsort(chosen_rows, kind="stable")
        out.add(signature, spec.after, np.array(chosen_rows, dtype=np.int64)[order], [extras[i] for i in order])


def _latest_per_key(events: PreparedEvents, rows: np.ndarray, keys: Sequence[str]) -> np.ndarray:
    values = _key_values(events, rows, keys)
    present = np.array([v is not None for v in values], dtype=bool)
    rows = rows[present]
    if not len(rows):
        return rows
    frame = pd.DataFrame(
        {
            "row": rows,
            "timed": events.has_time[rows],
            "time": events.time_us[rows],
            "key": [v for v in values if v is not None],
        }
    )
    frame = frame.sort_values(["timed", "time", "row"], kind="stable")
    latest = frame.drop_duplicates("key", keep="last")["row"].to_numpy(dtype=np.int64)
    return np.sort(latest)


def _run_state(events: PreparedEvents, signature: Signature, out: _Collector) -> None:
    spec = signature.state
    candidates = events.select(spec.where) if spec.where else events.rows_of(signature.matcher.sources)
    latest = _latest_per_key(events, candidates, spec.key)
    out.add(signature, signature.matcher, events.select(signature.matcher, start=latest))


def literal_plan(signatures: Iterable[Signature]) -> dict[str, set[tuple[str, bool]]]:
    plan: dict[str, set[tuple[str, bool]]] = {}
    for signature in signatures:
        matchers = [signature.matcher]
        if signature.absence:
            matchers += [signature.absence.expect, signature.absence.after]
        if signature.state:
            matchers.append(signature.state.where)
        for matcher in matchers:
            if matcher is None or not matcher.literals:
                continue
            for source in matcher.sources:
                plan.setdefault(source, set()).update((lit, matcher.literals_ignore_case) for lit in matcher.literals)
    return plan


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def match_table(events, signatures: SignatureSet | Iterable[Signature]) -> pa.Table:
    """Evidence as an Arrow table (see :data:`EVIDENCE_SCHEMA`)."""
    table = _as_table(events)
    signatures = list(signatures)
    prepared = PreparedEvents(table)
    prepared.prefilter(literal_plan(signatures))
    out = _Collector(prepared)
    for signature in signatures:
        if signature.kind == "event":
            out.add(signature, signature.matcher, prepared.select(signature.matcher))
        elif signature.kind == "count":
            _run_count(prepared, signature, out)
        elif signature.kind == "absence":
            _run_absence(prepared, signature, out)
        elif signature.kind == "state":
            _run_state(prepared, signature, out)
    return out.table()


def match(events, signatures: SignatureSet | Iterable[Signature]) -> pd.DataFrame:
    """Evidence rows for ``events`` (an event Table or DataFrame) as a pandas DataFrame.

    Columns: signature, cause, weight, counter, file, line, time, source, excerpt, details
    (Arrow-backed dtypes). One row per (signature, cause, selected event); count and absence
    rules add one row per group, at the most recent qualifying event.
    """
    return match_table(events, signatures).to_pandas(types_mapper=pd.ArrowDtype)
