"""Log text is data: markup, Markdown links, backtick breakouts, spreadsheet formulas and
terminal escapes (ANSI colours, OSC 52 clipboard writes) planted in a failing bundle come out
escaped in HTML, Markdown, CSV and the terminal, through the Python API and the CLI; the real
failure is still found."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from loganalyzer import diagnose
from loganalyzer.cli import main
from loganalyzer.escaping import csv_cell, markdown_code, markdown_text, terminal

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AGENT_LOG = "WindowsAzure/Logs/WaAppAgent.log"

MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"
LINK = "[x](javascript:alert(3))"
BACKTICKS = "``x`</code>"
ANSI = "\x1b[31mRED\x1b[0m"
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
PAYLOAD = f"{OSC52}{ANSI} {MARKUP} {LINK} {BACKTICKS}"
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)"]


@pytest.fixture(scope="module")
def hostile_bundle(tmp_path_factory) -> Path:
    """windows-vss-writer with the payload in the agent's failure line (shown as evidence) and
    formula-looking lines of their own (rows of the events CSV)."""
    bundle = tmp_path_factory.mktemp("hostile") / "bundle"
    shutil.copytree(SAMPLES / "windows-vss-writer", bundle)
    log = bundle / AGENT_LOG
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    failing = next(i for i, line in enumerate(lines) if "reported status error, code 1: Snapshot failed." in line)
    lines[failing] = lines[failing].replace("code 1: ", f"code 1: {PAYLOAD} ", 1)
    stamp = lines[failing].split(" [ERROR]")[0]
    extra = [f"{stamp} [WARN] {formula}\n" for formula in FORMULAS] + [f"{stamp} [WARN] {PAYLOAD}\n"]
    log.write_text("".join(lines[: failing + 1] + extra + lines[failing + 1 :]), encoding="utf-8")
    return bundle


@pytest.fixture(scope="module")
def hostile(hostile_bundle):
    result = diagnose(hostile_bundle)
    assert result.verdict == "failure" and result.findings[0].cause == "vss-writer-bad-state"
    excerpts = " ".join(row["details"] or row["excerpt"] for f in result.to_dict()["findings"] for row in f["evidence"][:5])
    for part in ("\x1b]52", "\x1b[31m", "<script>", "<img", "](javascript:", "``x`"):
        assert part in excerpts, part  # the payload reaches what the report shows
    return result


def _check_html(page: str) -> None:
    assert "<script" not in page and "<img" not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert 'href="javascript:' not in page and "\x1b" not in page and "\x07" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _check_markdown(text: str) -> None:
    import re

    # backslash-escaped markup ("\\<script\\>") renders as literal text
    assert not re.search(r"(?<!\\)<(?:script|img|/code)", text)
    assert "](javascript:" not in text.replace("\\](javascript:", "")
    assert "\x1b" not in text and "\x07" not in text
    assert "\\<script\\>" in text


def _check_terminal(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b]52;c;" in text


def test_api_outputs_are_escaped(hostile):
    _check_html(hostile.to_html())
    _check_html(hostile.to_html(fragment=True))
    _check_markdown(hostile.to_markdown())
    _check_terminal(hostile.to_text())


def test_cli_outputs_are_escaped(hostile_bundle, capsys, tmp_path):
    assert main(["diagnose", str(hostile_bundle), "--color", "never"]) == 0
    _check_terminal(capsys.readouterr().out)
    assert main(["diagnose", str(hostile_bundle), "--format", "markdown"]) == 0
    _check_markdown(capsys.readouterr().out)
    page = tmp_path / "r.html"
    assert main(["diagnose", str(hostile_bundle), "--format", "html", "-o", str(page)]) == 0
    _check_html(page.read_text(encoding="utf-8"))
    assert main(["events", str(hostile_bundle)]) == 0
    _check_terminal(capsys.readouterr().out)


def test_events_csv_has_no_formula_cells_and_no_escapes(hostile_bundle, capsys):
    assert main(["events", str(hostile_bundle), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    rows = list(csv.reader(io.StringIO(out)))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    messages = [row[6] for row in rows[1:]]
    for formula in FORMULAS:
        assert "'" + formula in messages


def test_escaping_helpers():
    assert terminal("a\x1b]52;c;eA==\x07b\u202e") == "a\\x1b]52;c;eA==\\x07b\\u202e"
    assert markdown_text("[x](javascript:y) <b>") == "\\[x\\](javascript:y) \\<b\\>"
    assert markdown_code("a`b``c") == "```a`b``c```" and markdown_code("`x") == "`` `x ``"
    assert markdown_code("a|b") == "`a\\|b`"
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@x", "\tx", "ok", 5)] == ["'=1", "'+1", "'-1", "'@x", "'\tx", "ok", 5]
