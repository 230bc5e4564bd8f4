"""Hostile Azure JSON (issue 12, item 4): record line numbers cost linear time.

A 2 MB JSON array of a million ``{}`` used to take over two minutes, because the line of each
record was found by counting newlines from the start of the file; now one index of line starts
answers each record by bisection.
"""

from __future__ import annotations

import json
import time

from loganalyzer import read_bundle
from loganalyzer.cli import main as cli_main
from loganalyzer.sources._kit import LineIndex

MILLION_EMPTY = b"[" + b",\n".join([b"{}"] * 1_000_000) + b"]\n"
FAILED_JOB = [{"name": "j1", "properties": {"jobType": "AzureIaaSVMJob", "operation": "Backup", "status": "Failed",
               "entityFriendlyName": "vm-app01", "startTime": "2026-03-02T21:00:12Z",
               "errorDetails": [{"errorCode": 1, "errorString": "UserErrorRpCollectionLimitReached"}]}}]


def _bundle(tmp_path, data: bytes):
    folder = tmp_path / "bundle" / "azure"
    folder.mkdir(parents=True)
    (folder / "jobs.json").write_bytes(data)
    (folder / "failed-job.json").write_text(json.dumps(FAILED_JOB, indent=1))
    return tmp_path / "bundle"


def test_the_line_index_agrees_with_counting_newlines():
    text = "a\nbb\n\nccc\n"
    index = LineIndex(text)
    assert [index.line_of(offset) for offset in range(len(text))] == [text.count("\n", 0, o) + 1 for o in range(len(text))]


def test_a_million_empty_objects_read_in_seconds_with_every_line_counted(tmp_path):
    assert len(MILLION_EMPTY) > 2_000_000
    bundle = _bundle(tmp_path, MILLION_EMPTY)
    started = time.monotonic()
    contents = read_bundle(bundle)
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{elapsed:.1f} s"  # was over 120 s (quadratic); linear now, see the lane report
    coverage = contents.coverage.set_index("file")
    row = coverage.loc["azure/jobs.json"]
    assert row.lines == 1_000_000 and row.unparsed == 0
    assert contents.reported_code == "UserErrorRpCollectionLimitReached"  # the other file still read


def test_the_cli_reads_it_too(tmp_path, capsys):
    bundle = _bundle(tmp_path, b"[" + b",\n".join([b"{}"] * 100_000) + b"]\n")  # the size is the API test's job
    status = cli_main(["diagnose", str(bundle), "--format", "json"])
    out = capsys.readouterr().out
    assert status in (0, 1, 2) and "Traceback" not in out
    assert "UserErrorRpCollectionLimitReached" in out
