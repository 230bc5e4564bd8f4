"""Unexplained errors: masking into templates, grouping, exclusion of explained rows, ranking."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.events import EventRows
from loganalyzer.unexplained import mask_messages, unexplained_templates

T0 = datetime(2024, 5, 30, 13, 0, tzinfo=timezone.utc)


def _events(rows: list[tuple[int, str, str, datetime | None]], file: str = "var/log/waagent.log") -> pa.Table:
    built = EventRows()
    for line, level, message, time in rows:
        built.add(line=line, level=level, message=message, time=time)
    return built.to_table(file, "waagent.log")


def _evidence(pairs: list[tuple[str, int]]) -> pa.Table:
    return pa.table({"file": [f for f, _ in pairs], "line": pa.array([n for _, n in pairs], pa.int32())})


def test_masks_variable_parts_into_one_template():
    masked = mask_messages(
        pa.array(
            [
                "Enable failed with exit code 1 after 300 seconds\nTraceback (most recent call last):",
                "Enable failed with exit code 2 after 12 seconds",
                "GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out -- 6 attempts made",
                "Agent WALinuxAgent-2.2.53.1 is permanently blacklisted",
                r"Status file C:\WindowsAzure\Logs\Plugins\1.0.0.0\Status is not available",
                "connect 168.63.129.16:32526 failed; python 3.6.8",
                "job 4c6f0b1e-2f50-4a43-9a43-1d2b3e4f5a6b started 2024-05-30T13:15:45.331589Z took PT3M31.431S",
                "VSS error 0x80042306 on vm-lnx1",
            ]
        )
    ).to_pylist()
    assert masked[0] == masked[1] == "Enable failed with exit code <n> after <n> seconds"
    assert masked[2] == "GET <url> -- IOError timed out -- <n> attempts made"
    assert masked[3] == "Agent WALinuxAgent-<version> is permanently blacklisted"
    assert masked[4] == "Status file <path> is not available"
    assert masked[5] == "connect <ip> failed; python <version>"
    assert masked[6] == "job <guid> started <time> took <duration>"
    assert masked[7] == "VSS error <hex> on vm-lnx<n>"


@given(st.lists(st.text(max_size=200), max_size=20))
def test_masking_never_raises_and_leaves_no_digit(texts):
    masked = mask_messages(pa.array(texts, pa.string())).to_pylist()
    assert len(masked) == len(texts)
    assert not any(ch.isdigit() and ch.isascii() for text in masked for ch in text)


def test_groups_counts_and_keeps_first_last_and_an_example():
    events = _events(
        [
            (1, "error", "Enable failed with exit code 1", T0),
            (2, "error", "Enable failed with exit code 2", T0 + timedelta(hours=1)),
            (3, "error", "Enable failed with exit code 3", T0 + timedelta(hours=2)),
            (4, "info", "Enable succeeded", T0),
        ]
    )
    [row] = unexplained_templates(events).to_pylist()
    assert row["template"] == "Enable failed with exit code <n>"
    assert row["count"] == 3
    assert row["first"] == T0 and row["last"] == T0 + timedelta(hours=2)
    assert (row["file"], row["line"]) == ("var/log/waagent.log", 3)
    assert row["example"] == "Enable failed with exit code 3"


def test_rows_that_evidence_explains_are_left_out():
    events = _events([(1, "error", "freeze failed", T0), (2, "warning", "slow disk 5", T0)])
    rows = unexplained_templates(events, _evidence([("var/log/waagent.log", 1)])).to_pylist()
    assert [r["template"] for r in rows] == ["slow disk <n>"]


def test_errors_rank_before_warnings_rare_before_frequent_and_near_before_far():
    attempt = T0 + timedelta(days=10)
    events = _events(
        [
            (1, "warning", "a warning", attempt),
            (2, "error", "a rare error", attempt),
            *[(10 + n, "error", f"a frequent error {n}", attempt) for n in range(50)],
            (100, "error", "an old error", T0),
        ]
    )
    order = [r["template"] for r in unexplained_templates(events, attempt=attempt).to_pylist()]
    assert order.index("a rare error") < order.index("a warning")
    assert order.index("a rare error") < order.index("a frequent error <n>")
    assert order.index("a rare error") < order.index("an old error")


def test_nothing_to_show_gives_an_empty_table():
    assert unexplained_templates(_events([])).num_rows == 0
    assert unexplained_templates(_events([(1, "info", "all good", T0)])).num_rows == 0
