"""The code a bundle reports is a typed value of the read result (``ReportedInBundle``), not a
field the pipeline digs back out of the event table."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from loganalyzer import read_bundle
from loganalyzer.sources import ReportedInBundle, first_reported

PANE = "Error Code: UserErrorKeyvaultPermissionsNotConfigured\nError Message: no access to the key vault\n"


def _job(name: str, start: str, code: str) -> dict:
    return {"name": name, "properties": {"jobType": "AzureIaaSVMJob", "operation": "Backup", "status": "Failed",
                                         "entityFriendlyName": "vm-app01", "startTime": start,
                                         "errorDetails": [{"errorCode": 1, "errorString": code}]}}


def _bundle(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / "bundle" / "azure" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "bundle"


def test_the_newest_failed_job_reports_its_code_with_file_and_line(tmp_path):
    jobs = [_job("old", "2026-03-01T21:00:00Z", "UserErrorFsFreezeFailed"),
            _job("new", "2026-03-02T21:00:00Z", "UserErrorRpCollectionLimitReached")]
    contents = read_bundle(_bundle(tmp_path, {"jobs.json": json.dumps(jobs, indent=1)}))
    assert contents.reported_code == "UserErrorRpCollectionLimitReached"
    assert {(r.code, r.kind, r.file) for r in contents.reported} == {
        ("UserErrorFsFreezeFailed", "job", "azure/jobs.json"), ("UserErrorRpCollectionLimitReached", "job", "azure/jobs.json")}
    assert all(r.line > 1 for r in contents.reported)


def test_a_pasted_pane_wins_over_a_newer_job(tmp_path):
    jobs = [_job("new", "2030-01-01T00:00:00Z", "UserErrorRpCollectionLimitReached")]
    contents = read_bundle(_bundle(tmp_path, {"jobs.json": json.dumps(jobs), "pane.txt": PANE}))
    assert contents.reported_code == "UserErrorKeyvaultPermissionsNotConfigured"
    [pane] = [r for r in contents.reported if r.kind == "portal"]
    assert (pane.file, pane.line) == ("azure/pane.txt", 1)


def test_no_azure_export_reports_nothing(samples):
    contents = read_bundle(samples / "linux-healthy")
    assert contents.reported == [] and contents.reported_code is None


def test_precedence_without_times_and_with_local_times():
    untimed = ReportedInBundle("A", "job", None, "f", 1)
    local = ReportedInBundle("B", "job", datetime(2026, 1, 2), "f", 2)
    utc = ReportedInBundle("C", "job", datetime(2026, 1, 1, tzinfo=UTC), "f", 3)
    assert first_reported([untimed, local, utc]).code == "B"
    assert first_reported([untimed, ReportedInBundle("D", "portal", None, "g", 1)]).code == "D"
    assert first_reported([]) is None
