"""Hostile lines and encodings (issue 12, item 7): bounded lines, mixed encodings, always named.

A single line over 1 MiB is cut with an ``oversized-line`` problem and the rest of the file is
still read; a file whose encoding changes part way (UTF-16 head, UTF-8 rest, or the other way
round) gets an ``encoding`` problem and its records are still read, never 0 events in silence.
"""

from __future__ import annotations

import time

from loganalyzer import read_bundle
from loganalyzer.cli import main as cli_main
from loganalyzer.sources._kit import MAX_LINE_CHARS, decode, split_lines

RECORD = "2024-05-30T13:15:{second:02d}.331589Z INFO ExtHandler ExtHandler record {number}\n"
FAILURE = "2024-05-30T13:16:00.000000Z ERROR ExtHandler ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Non-zero exit code: 1, main/handle.sh enable\n"


def _records(count: int, start: int = 0) -> str:
    return "".join(RECORD.format(second=(start + n) % 60, number=start + n) for n in range(count))


def _problems(contents, kind):
    return contents.problems[contents.problems["kind"] == kind]


def _write(tmp_path, data: bytes):
    folder = tmp_path / "bundle" / "var" / "log"
    folder.mkdir(parents=True)
    (folder / "waagent.log").write_bytes(data)
    return tmp_path / "bundle"


def test_a_40_mb_line_without_newline_is_cut_named_and_the_rest_read(tmp_path):
    data = (_records(3) + "2024-05-30T13:15:50.000000Z INFO ExtHandler ExtHandler " + "A" * (40 << 20) + "\n"
            + _records(3, 10) + FAILURE).encode()
    bundle = _write(tmp_path, data)
    started = time.monotonic()
    contents = read_bundle(bundle)
    assert time.monotonic() - started < 30
    [problem] = _problems(contents, "oversized-line").itertuples()
    assert problem.file.endswith("waagent.log") and "line 4" in problem.message
    messages = contents.events["message"].tolist()
    assert any("Non-zero exit code: 1" in m for m in messages)
    assert max(map(len, messages)) <= MAX_LINE_CHARS
    [coverage] = contents.coverage.itertuples()
    assert coverage.lines == 8 and coverage.unparsed == 0 and coverage.events == 8


def test_the_cli_names_the_oversized_line_and_still_finds_the_failure(tmp_path, capsys):
    bundle = _write(tmp_path, (_records(2) + "x" * (2 << 20) + "\n" + FAILURE).encode())
    status = cli_main(["diagnose", str(bundle), "--format", "json"])
    out = capsys.readouterr().out
    assert status in (0, 1, 2)
    assert "oversized-line" in out and "Traceback" not in out


def test_utf16_head_then_utf8_rest_is_named_and_both_parts_read(tmp_path):
    head = _records(120).encode("utf-16-le")  # about 17 KiB of UTF-16
    rest = (_records(40, 200) + FAILURE).encode("utf-8")
    contents = read_bundle(_write(tmp_path, head + rest))
    [problem] = _problems(contents, "encoding").itertuples()
    assert "encoding changes" in problem.message
    assert len(contents.events) == 161
    assert contents.events["message"].str.contains("Non-zero exit code: 1").any()


def test_utf8_head_then_utf16_rest_is_named_and_both_parts_read(tmp_path):
    head = _records(120).encode("utf-8")
    rest = (_records(40, 200) + FAILURE).encode("utf-16-le")
    contents = read_bundle(_write(tmp_path, head + rest))
    assert len(_problems(contents, "encoding")) == 1
    assert len(contents.events) == 161
    assert not contents.events["message"].str.contains("\x00").any()


def test_a_bom_that_lies_about_the_rest_of_the_file_is_named():
    data = b"\xff\xfe" + _records(60).encode("utf-16-le") + _records(60, 100).encode("utf-8")
    text = decode(data)
    assert text.warning and "encoding changes" in text.warning
    assert len(split_lines(text.text)) == 120


def test_a_clean_utf16_file_is_not_named():
    text = decode(_records(300).encode("utf-16-le"))
    assert text.warning is None and len(split_lines(text.text)) == 300
