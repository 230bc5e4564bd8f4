"""Local wall-clock time to UTC, without ever mixing the two silently.

Agent eras A/B, the backup extension's older logs and Event Viewer exports stamp local time
with no offset. Their rows arrive with ``fields["time_basis"] = "local"`` and the wall-clock
digits in ``time``. :func:`resolve_local_times` then

1. uses the caller's time zone when one is given (``tz=``; daylight saving handled per row), or
2. infers one fixed offset from happenings the bundle stamps both ways: an identifier (a backup
   task id, an activity id) seen in a local-time file and in a UTC-time file within a few
   minutes of each other once the offset is taken away. Each identifier votes for the quarter
   hour most of its sightings agree on; the offset with most votes wins, and a tie means
   unknown; or
3. leaves the digits as they are and says ``fields["utc_offset"] = "unknown"``.

Every local row gets ``utc_offset`` (``+02:00``, ``tz:Europe/Stockholm`` or ``unknown``) and
``utc_offset_source`` (``caller``, ``inferred`` or ``none``) in its fields.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta, tzinfo

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["resolve_local_times", "infer_offset", "format_offset"]

_GUID = r"(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
_QUARTER = 15 * 60
_TOLERANCE = 5 * 60
_MAX_OFFSET = 14 * 3600


def format_offset(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _local_mask(events: pa.Table) -> pa.ChunkedArray:
    basis = pc.map_lookup(events["fields"], "time_basis", "first")
    return pc.fill_null(pc.equal(basis, "local"), False)


def _sightings(times: pa.ChunkedArray, texts: pa.ChunkedArray, limit: int = 20) -> dict[str, list[int]]:
    """For each GUID in ``texts``, the first few distinct times (epoch seconds) it appears."""
    found = pc.extract_regex(texts, _GUID)
    frame = pd.DataFrame(
        {
            "guid": pc.struct_field(found, [0]).to_pandas(),
            "time": pc.cast(times, pa.int64()).to_pandas() // 1_000_000,
        }
    ).dropna()
    if frame.empty:
        return {}
    frame["guid"] = frame["guid"].str.lower()
    frame = frame.drop_duplicates().sort_values("time")
    return {guid: group.head(limit).tolist() for guid, group in frame.groupby("guid")["time"]}


def infer_offset(events: pa.Table) -> int | None:
    """The bundle's local UTC offset in seconds, when identifiers stamped both ways agree."""
    if events.num_rows == 0:
        return None
    local = _local_mask(events)
    has_time = pc.is_valid(events["time"])
    local_rows = events.filter(pc.and_(local, has_time))
    utc_rows = events.filter(pc.and_(pc.invert(local), has_time))
    if local_rows.num_rows == 0 or utc_rows.num_rows == 0:
        return None
    local_seen = _sightings(local_rows["time"], _searchable(local_rows))
    utc_seen = _sightings(utc_rows["time"], _searchable(utc_rows))
    votes: Counter[int] = Counter()
    for guid in local_seen.keys() & utc_seen.keys():
        # every pairing of a local and a UTC sighting that lands near a quarter hour is a
        # candidate; the identifier votes once, for the candidate most of its pairs agree on
        candidates: Counter[int] = Counter()
        for local_time in local_seen[guid]:
            for utc_time in utc_seen[guid]:
                difference = local_time - utc_time
                offset = round(difference / _QUARTER) * _QUARTER
                if abs(offset) <= _MAX_OFFSET and abs(difference - offset) <= _TOLERANCE:
                    candidates[offset] += 1
        if candidates:
            (best, count), *others = candidates.most_common()
            if not others or others[0][1] < count:
                votes[best] += 1
    if not votes:
        return None
    (best, count), *rest = votes.most_common()
    if rest and rest[0][1] == count:
        return None
    return best


def _searchable(rows: pa.Table) -> pa.ChunkedArray:
    """Message plus field values, as one string per row, to look for identifiers in."""
    joined = [
        " ".join(v for _, v in items) if items else ""
        for items in rows["fields"].to_pylist()
    ]
    return pc.binary_join_element_wise(rows["message"], pa.array(joined, pa.string()), " ")


def resolve_local_times(events: pa.Table, tz: tzinfo | str | None = None) -> pa.Table:
    """Shift local-time rows to UTC as described in the module docstring."""
    if events.num_rows == 0:
        return events
    mask = _local_mask(events)
    if not pc.any(mask).as_py():
        return events
    if tz is not None:
        label, source = f"tz:{tz}", "caller"
    else:
        offset = infer_offset(events)
        label, source = (format_offset(offset), "inferred") if offset is not None else ("unknown", "none")

    times = events["time"].to_pandas()  # tz-aware UTC holding wall-clock digits on local rows
    local = mask.to_pandas().to_numpy()
    wall = times[local].dt.tz_localize(None)
    if tz is not None:
        shifted = wall.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
    elif source == "inferred":
        shifted = (wall - timedelta(seconds=offset)).dt.tz_localize("UTC")
    else:
        shifted = wall.dt.tz_localize("UTC")
    times = times.copy()
    times[local] = shifted
    new_time = pa.array(times, pa.timestamp("us", tz="UTC"))

    fields = events["fields"].to_pylist()
    extra = [("utc_offset", label), ("utc_offset_source", source)]
    for index in local.nonzero()[0]:
        fields[index] = list(fields[index]) + extra
    new_fields = pa.array(fields, events.schema.field("fields").type)
    events = events.set_column(events.schema.get_field_index("time"), events.schema.field("time"), new_time)
    return events.set_column(events.schema.get_field_index("fields"), events.schema.field("fields"), new_fields)
