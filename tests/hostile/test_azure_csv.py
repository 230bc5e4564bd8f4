"""Hostile Azure CSV (issue 12, item 7): a quoted cell that is never closed.

Python's csv reader lets such a cell swallow the rest of the file without a word; the Azure CSV
readers name it ``malformed`` with the line where the quote opens, keep the rows before it and
count the lines from it as unparsed.
"""

from __future__ import annotations

from loganalyzer import read_bundle
from loganalyzer.cli import main as cli_main

JOBS_HEADER = "Workload name,Operation,Status,Type,Start time (UTC),Duration,Job ID,Error code\n"
ROW = "vm-app01,Backup,Completed,Azure Virtual Machine,2026-03-0{day}T21:00:12Z,00:07:27,job-{day},\n"
FAILED = "vm-app01,Backup,Failed,Azure Virtual Machine,2026-03-05T21:00:12Z,00:07:27,job-5,UserErrorRpCollectionLimitReached\n"
BROKEN = 'vm-app01,Backup,Failed,"Azure Virtual Machine,2026-03-06T21:00:12Z,00:07:27,job-6,x\n'
AFTER = "".join(ROW.format(day=7 + n) for n in range(3))


def _bundle(tmp_path, text: str, name: str = "jobs.csv"):
    folder = tmp_path / "bundle" / "azure"
    folder.mkdir(parents=True)
    (folder / name).write_text(text, encoding="utf-8")
    return tmp_path / "bundle"


def test_an_unterminated_quote_is_named_at_its_line_and_the_rows_before_kept(tmp_path):
    text = JOBS_HEADER + ROW.format(day=1) + ROW.format(day=2) + FAILED + BROKEN + AFTER
    contents = read_bundle(_bundle(tmp_path, text))
    malformed = contents.problems[contents.problems["kind"] == "malformed"]
    [problem] = malformed.itertuples()
    assert problem.file == "azure/jobs.csv" and "line 5" in problem.message
    jobs = contents.events[contents.events["fields"].map(lambda f: dict(f).get("kind") == "job")]
    assert len(jobs) == 3
    assert contents.reported_code == "UserErrorRpCollectionLimitReached"
    [coverage] = contents.coverage.itertuples()
    assert coverage.lines == 8 and coverage.unparsed == 4


def test_the_activity_csv_names_it_too(tmp_path):
    header = "Correlation id,Operation name,Status,Event category,Level,Time,Event initiated by\n"
    row = "c1,Delete management lock,Succeeded,Administrative,Informational,2026-03-02 20:55:01,someone\n"
    text = header + row + 'c2,"Create management lock,Succeeded,Administrative,Informational,2026-03-02 20:56:01,x\n' + row
    contents = read_bundle(_bundle(tmp_path, text, "activity.csv"))
    [problem] = contents.problems[contents.problems["kind"] == "malformed"].itertuples()
    assert "line 3" in problem.message
    assert (contents.events["source"].astype(str) == "azure.activity").sum() == 2  # the export and row 2


def test_a_closed_quote_spanning_lines_is_no_problem(tmp_path):
    text = JOBS_HEADER + 'vm-app01,Backup,Failed,"Azure\nVirtual Machine",2026-03-06T21:00:12Z,00:07:27,job-6,\n'
    contents = read_bundle(_bundle(tmp_path, text))
    assert contents.problems.empty
    [coverage] = contents.coverage.itertuples()
    assert coverage.unparsed == 0


def test_the_cli_names_the_malformed_csv(tmp_path, capsys):
    bundle = _bundle(tmp_path, JOBS_HEADER + FAILED + BROKEN)
    status = cli_main(["diagnose", str(bundle), "--format", "json"])
    out = capsys.readouterr().out
    assert status in (0, 1, 2) and "Traceback" not in out
    assert "malformed" in out and "line 3" in out
