"""The command line: help, one-line usage errors, exit statuses, colour, --explain, events
table, signatures validate, diff, and an interrupted batch."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from loganalyzer import cli
from loganalyzer.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def test_bare_command_prints_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "usage: loganalyzer" in out and "diagnose" in out and "diff" in out


def test_every_option_has_help():
    parser = cli._parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        for action in sub._actions:
            if action.dest in ("help",) or action.__class__.__name__ == "_SubParsersAction":
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["diagnose", str(SAMPLES / "linux-healthy"), "--lang", "xx"], "invalid choice: 'xx'"),
        (["diagnose", str(SAMPLES / "linux-healthy"), "-o", "/nonexistent-folder/out.txt"], "cannot write /nonexistent-folder/out.txt"),
        (["diagnose", str(SAMPLES / "linux-healthy"), "--format", "xml"], "invalid choice: 'xml'"),
        (["diagnose", "/no/such/bundle"], "no such file or folder"),
        (["events", str(SAMPLES / "linux-healthy"), "--columns", "time,bogus"], "unknown column 'bogus'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_unwritable_output_file_is_a_usage_error(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root): permission cannot be denied")
        assert main(["diagnose", str(SAMPLES / "linux-healthy"), "-o", str(locked / "r.txt")]) == 2
        assert "permission denied" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)
    assert main(["diagnose", str(SAMPLES / "linux-healthy"), "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_fail_on_exit_statuses(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["diagnose", str(SAMPLES / "linux-fsfreeze-failed"), "--fail-on", "likely"]) == 1
    assert main(["diagnose", str(SAMPLES / "linux-healthy"), "--fail-on", "likely"]) == 0
    assert main(["diagnose", str(empty), "--fail-on", "likely"]) == 4
    assert main(["diagnose", str(empty)]) == 0  # without --fail-on the command just ran
    out = capsys.readouterr().out
    assert "INCONCLUSIVE" in out


def test_colour_on_a_terminal_only(capsys, monkeypatch):
    bundle = str(SAMPLES / "linux-fsfreeze-failed")
    assert main(["diagnose", bundle]) == 0
    assert "\x1b[" not in capsys.readouterr().out  # captured: not a terminal
    assert main(["diagnose", bundle, "--color", "always"]) == 0
    assert "\x1b[1;31mFAILURE" in capsys.readouterr().out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["diagnose", bundle]) == 0
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["diagnose", bundle]) == 0
    assert "\x1b[" not in capsys.readouterr().out
    assert main(["diagnose", bundle, "--color", "never"]) == 0
    assert "\x1b[" not in capsys.readouterr().out


def test_explain_shows_the_full_score(capsys):
    bundle = str(SAMPLES / "linux-two-causes")
    main(["diagnose", bundle])
    short = capsys.readouterr().out
    main(["diagnose", bundle, "-v"])
    full = capsys.readouterr().out
    assert "score 0.99: 3 signatures, corroborated by 2 sources" in short and "noisy-OR" not in short
    assert "noisy-OR of" in full
    main(["diagnose", bundle, "--all"])
    assert "agent-not-running" in capsys.readouterr().out


def test_json_has_the_verdict_and_html_is_a_page(tmp_path, capsys):
    main(["diagnose", str(SAMPLES / "linux-healthy"), "--format", "json"])
    assert json.loads(capsys.readouterr().out)["verdict"] == "healthy"
    page = tmp_path / "r.html"
    assert main(["diagnose", str(SAMPLES / "windows-vss-writer"), "--format", "html", "-o", str(page)]) == 0
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "http-equiv=\"Content-Security-Policy\"" in text
    assert "<script" not in text


def test_events_table_has_a_header_and_time_order(capsys):
    assert main(["events", str(SAMPLES / "windows-vss-writer")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["TIME", "LEVEL", "SOURCE", "FILE:LINE"]
    rows = [line for line in lines[1:] if line[:2] == "20"]
    stamps = [row[:19] for row in rows]
    assert stamps == sorted(stamps)
    assert any("VSS/8224" in row for row in rows)  # provider and event id of a Windows event
    assert main(["events", str(SAMPLES / "windows-vss-writer"), "--columns", "place,message"]) == 0
    head = capsys.readouterr().out.splitlines()[0].split()
    assert head == ["FILE:LINE", "MESSAGE"]


def test_machine_formats_send_problems_to_stderr(tmp_path, capsys):
    bundle = tmp_path / "b"
    (bundle / "var" / "log").mkdir(parents=True)
    (bundle / "var" / "log" / "waagent.log").write_text("2024-05-01T10:00:00.000000Z INFO Daemon Agent started\n")
    (bundle / "broken.zip").write_bytes(b"PK\x03\x04broken")
    for fmt in ("csv", "jsonl"):
        assert main(["events", str(bundle), "--format", fmt]) == 0
        captured = capsys.readouterr()
        assert "problem:" not in captured.out and "broken.zip" in captured.err
    assert main(["events", str(bundle), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and rows[0]["file"].endswith("waagent.log")


def test_signatures_validate_says_what_it_checked(capsys):
    assert main(["signatures", "validate"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    words = last.split()
    assert words[1:3] == ["signatures", "in"] and int(words[0]) > 100 and last.endswith(": 0 problems")


def test_diff_command(capsys):
    good, bad = str(SAMPLES / "linux-healthy"), str(SAMPLES / "linux-fsfreeze-failed")
    assert main(["diff", good, bad]) == 0
    out = capsys.readouterr().out
    assert "HEALTHY" in out and "FAILURE" in out and "Findings that appeared" in out and "fs-freeze-failed" in out
    assert main(["diff", good, bad, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["appeared"][0]["cause"] == "fs-freeze-failed"
    assert main(["diagnose", bad, "--baseline", good, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["baseline"]["verdicts"] == {"good": "healthy", "bad": "failure"}
    import jsonschema

    jsonschema.validate(document, json.loads((REPO / "docs" / "diagnosis.schema.json").read_text()))


def test_interrupted_batch_says_how_far_it_got(tmp_path, monkeypatch, capsys):
    import loganalyzer.batch as batch

    def interrupted(bundles, out, *, progress, **options):
        progress(batch.BatchProgress(0, len(bundles), 0, 0, 0.0))
        progress(batch.BatchProgress(2, len(bundles), 0, 0, 1.0))
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", interrupted)
    status = main(["batch", str(SAMPLES), "-o", str(tmp_path / "out"), "--quiet"])
    assert status == 130
    err = capsys.readouterr().err
    total = len(batch.find_bundles(str(SAMPLES), exclude=[str(tmp_path / "out")]))
    assert f"interrupted: 2 of {total} done; run the same command again to resume" in err


def test_unreachable_dask_scheduler_is_a_quick_usage_error(tmp_path, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["batch", str(SAMPLES), "-o", str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler" in err and err.count("\n") == 1


def test_installed_entry_point_runs(tmp_path):
    run = subprocess.run([sys.executable, "-m", "loganalyzer", "diagnose", str(SAMPLES / "linux-healthy"), "--lang", "de"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "GESUND" in run.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_for_long_work_on_a_terminal_only():
    import time

    shown = _Terminal()
    with cli._Ticker(SAMPLES / "linux-healthy", shown, delay=0.0):
        time.sleep(1.2)
    text = shown.getvalue()
    assert "reading linux-healthy:" in text and "MB/s" in text
    piped = io.StringIO()  # not a terminal: silent
    with cli._Ticker(SAMPLES / "linux-healthy", piped, delay=0.0):
        time.sleep(0.7)
    assert piped.getvalue() == ""
