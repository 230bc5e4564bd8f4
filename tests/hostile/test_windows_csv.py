"""Hostile Windows CSV exports (issue 12, item 7): a quote that never closes.

A quoted field that is never closed would swallow the rest of the file into one message. The
row where it starts is named in a ``malformed`` problem, the rows before it are kept as events,
and its lines and every line after it are counted unparsed, through the API and the CLI.
"""

from __future__ import annotations

import json
import time

import pytest

from loganalyzer import read_bundle
from loganalyzer.cli import main as cli_main

EVENTVIEWER_HEAD = "Level,Date and Time,Source,Event ID,Task Category\r\n"
EVENTVIEWER_ROWS = [
    'Information,5/30/2024 1:10:02 PM,VSS,8224,None,"The VSS service is shutting down due to idle timeout."\r\n',
    (
        'Error,5/30/2024 1:15:45 PM,Service Control Manager,7000,None,"The Volume Shadow Copy service failed to start '
        'due to the following error:\r\nThe service did not respond to the start or control request in a timely fashion."\r\n'
    ),
    "Warning,5/30/2024 1:16:00 PM,VSS,8229,None,A VSS writer has rejected an event.\r\n",
]
UNTERMINATED = 'Error,5/30/2024 1:17:00 PM,VSS,8193,None,"Volume Shadow Copy Service error: unexpected error\r\n'
AFTER = ["Information,5/30/2024 1:18:00 PM,VSS,8224,None,idle\r\n", "Error,5/30/2024 1:19:00 PM,VSS,12289,None,x\r\n"]

POWERSHELL_HEAD = '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n"Message","Id","ProviderName","TimeCreated","LevelDisplayName"\r\n'
POWERSHELL_ROWS = [
    '"The VSS service is shutting down due to idle timeout.","8224","VSS","5/30/2024 1:10:02 PM","Information"\r\n',
    (
        '"The Volume Shadow Copy service failed to start.\r\nThe service did not respond in time.","7000",'
        '"Service Control Manager","5/30/2024 1:15:45 PM","Error"\r\n'
    ),
]
POWERSHELL_UNTERMINATED = '"Volume Shadow Copy Service error: unexpected error\r\n'
#: a cut export: every field after the open quote would close it, so the cut is the file's end
POWERSHELL_AFTER = ["Operation:\r\n", "   Executing Asynchronous Operation\r\n"]


def _bundle(tmp_path, name: str, text: str):
    folder = tmp_path / "bundle" / "eventlogs"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(text.encode("utf-8-sig"))
    return tmp_path / "bundle"


def _lines(parts: list[str]) -> int:
    return sum(part.count("\r\n") for part in parts)


CASES = {
    "eventviewer-csv": ("System.csv", EVENTVIEWER_HEAD, EVENTVIEWER_ROWS, UNTERMINATED, AFTER),
    "eventviewer-txt": ("System.txt", EVENTVIEWER_HEAD.replace(",", "\t"),
                        [row.replace(",", "\t") for row in EVENTVIEWER_ROWS],
                        UNTERMINATED.replace(",", "\t"), [row.replace(",", "\t") for row in AFTER]),
    "powershell-csv": ("events.csv", POWERSHELL_HEAD, POWERSHELL_ROWS, POWERSHELL_UNTERMINATED, POWERSHELL_AFTER),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_an_unterminated_quote_is_named_where_it_starts_and_the_rows_before_are_kept(tmp_path, kind):
    name, head, rows, bad, after = CASES[kind]
    bundle = _bundle(tmp_path, name, head + "".join(rows) + bad + "".join(after))
    started = time.monotonic()
    contents = read_bundle(bundle)
    assert time.monotonic() - started < 10
    assert contents.parsers == {f"eventlogs/{name}": kind}
    start = _lines([head, *rows]) + 1
    [problem] = contents.problems[contents.problems["kind"] == "malformed"].itertuples()
    assert problem.file == f"eventlogs/{name}"
    assert f"starts on line {start}" in problem.message
    events = contents.events
    assert len(events) == len(rows)
    assert events["line"].max() < start
    assert "7000" in set(events["fields"].map(lambda pairs: dict(pairs).get("event_id")))
    [coverage] = contents.coverage.itertuples()
    total = _lines([head, *rows, bad, *after])
    assert coverage.lines == total and coverage.events == len(rows)
    assert coverage.unparsed == total - start + 1


def test_a_long_tail_after_the_open_quote_costs_bounded_time(tmp_path):
    # the tail is longer than the csv module's field limit (128 KiB), which stops it early
    tail = [f"Information,5/30/2024 1:18:00 PM,VSS,8224,None,record {n}\r\n" for n in range(50_000)]
    bundle = _bundle(tmp_path, "System.csv", EVENTVIEWER_HEAD + "".join(EVENTVIEWER_ROWS) + UNTERMINATED + "".join(tail))
    started = time.monotonic()
    contents = read_bundle(bundle)
    assert time.monotonic() - started < 20
    [problem] = contents.problems[contents.problems["kind"] == "malformed"].itertuples()
    assert f"starts on line {_lines([EVENTVIEWER_HEAD, *EVENTVIEWER_ROWS]) + 1}" in problem.message
    assert len(contents.events) == len(EVENTVIEWER_ROWS)
    [coverage] = contents.coverage.itertuples()
    assert coverage.lines == coverage.unparsed + _lines([EVENTVIEWER_HEAD, *EVENTVIEWER_ROWS])


def test_a_closed_quote_spanning_lines_is_not_named(tmp_path):
    bundle = _bundle(tmp_path, "System.csv", EVENTVIEWER_HEAD + "".join(EVENTVIEWER_ROWS) + "".join(AFTER))
    contents = read_bundle(bundle)
    assert "malformed" not in set(contents.problems["kind"])
    assert len(contents.events) == len(EVENTVIEWER_ROWS) + len(AFTER)


def test_the_cli_names_the_unterminated_quote_without_a_traceback(tmp_path, capsys):
    bundle = _bundle(tmp_path, "System.csv", EVENTVIEWER_HEAD + "".join(EVENTVIEWER_ROWS) + UNTERMINATED + "".join(AFTER))
    status = cli_main(["diagnose", str(bundle), "--format", "json"])
    captured = capsys.readouterr()
    assert status in (0, 1, 2)
    assert "Traceback" not in captured.out + captured.err
    problems = json.loads(captured.out)["problems"]
    assert any(p["kind"] == "malformed" and "unterminated quote" in p["message"] for p in problems)
