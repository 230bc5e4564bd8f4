"""read_bundle end to end: the samples, the CLI, local time, and the accounting of every line."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone

import pandas as pd
import pytest

import loganalyzer
from loganalyzer.cli import main
from loganalyzer.timebase import format_offset

from conftest import SAMPLES

BUNDLES = sorted(p for p in SAMPLES.iterdir() if p.is_dir() or p.suffix == ".zip") if SAMPLES.is_dir() else []


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name)
def test_every_sample_reads_completely(bundle):
    contents = loganalyzer.read_bundle(bundle)
    assert len(contents.events) > 20
    assert not (contents.problems["kind"] == "parser-error").any(), contents.problems.to_string()
    read = contents.coverage[contents.coverage["source"] != "unrecognised"]
    whole = read[~read["file"].str.contains("truncated_")]
    assert whole["unparsed"].sum() == 0, whole[whole["unparsed"] > 0].to_string()
    assert (contents.coverage["source"] == "unrecognised").sum() <= 2


def _planted_secrets() -> dict[str, list[str]]:
    import tomllib

    path = SAMPLES / "expected-linux.toml"
    return {name: entry.get("secrets", []) for name, entry in tomllib.loads(path.read_text()).items()} if path.exists() else {}


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name)
def test_no_planted_secret_reaches_the_event_table(bundle):
    planted = _planted_secrets().get(bundle.name.removesuffix(".zip"), [])
    raw = b"".join(p.read_bytes() for p in bundle.rglob("*") if p.is_file()) if bundle.is_dir() else bundle.read_bytes()
    contents = loganalyzer.read_bundle(bundle)
    text = "\n".join(contents.events["message"].astype(str))
    text += json.dumps([dict(f) for f in contents.event_table["fields"].to_pylist()])
    if planted and bundle.is_dir():
        assert any(secret.encode() in raw for secret in planted), "no planted secret is in the sample's bytes"
    for secret in planted:
        assert secret not in text


def test_collector_zip_maps_truncated_files_and_history_zips():
    contents = loganalyzer.read_bundle(SAMPLES / "linux-collector-logs.zip")
    files = set(contents.coverage["file"].astype(str))
    assert any("/history/" in f and ".zip/" in f for f in files)
    truncated = contents.problems[contents.problems["kind"] == "truncated"]
    assert truncated["file"].str.contains("truncated_var_log_azure").any()
    sources = set(contents.events["source"].astype(str))
    assert {"waagent.log", "waagent.state", "waagent.conf", "extension.log"} <= sources


def test_local_times_follow_the_callers_zone(tmp_path):
    log = tmp_path / "waagent.log"
    log.write_text("2018/03/05 14:31:57.742721 INFO Daemon Azure Linux Agent Version:2.2.18\n")
    unknown = loganalyzer.read_bundle(log)
    fields = dict(unknown.event_table["fields"][0].as_py())
    assert fields["time_basis"] == "local" and fields["utc_offset"] == "unknown"
    assert unknown.events["time"][0] == pd.Timestamp("2018-03-05 14:31:57.742721", tz="UTC")
    stockholm = loganalyzer.read_bundle(log, tz="Europe/Stockholm")
    assert stockholm.events["time"][0] == pd.Timestamp("2018-03-05 13:31:57.742721", tz="UTC")
    assert dict(stockholm.event_table["fields"][0].as_py())["utc_offset_source"] == "caller"


def test_offset_is_inferred_from_a_task_id_stamped_both_ways(tmp_path):
    root = tmp_path / "vm"
    ext = root / "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    ext.mkdir(parents=True)
    task = "0f6a2b1c-3d4e-4f50-8a9b-0c1d2e3f4a5b"
    handler = "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0]"
    # the agent's log in UTC (era D) and the agent's per-extension copy in local time (era B, UTC-5)
    (root / "var/log/waagent.log").write_text(
        f"2019-05-30T13:15:45.331589Z INFO ExtHandler {handler} Enable extension, taskId {task}\n"
    )
    (ext / "CommandExecution.log").write_text(
        f"2019/05/30 08:15:46.100000 INFO {handler} Enable extension, taskId {task}\n"
        f"2019/05/30 08:20:46.100000 INFO {handler} Done\n"
    )
    contents = loganalyzer.read_bundle(root)
    local = contents.events[contents.events["file"].astype(str).str.endswith("CommandExecution.log")]
    fields = [dict(f) for f in local["fields"]]
    assert [f["utc_offset"] for f in fields] == ["-05:00", "-05:00"]
    assert fields[0]["utc_offset_source"] == "inferred"
    assert local["time"].iloc[0] == pd.Timestamp("2019-05-30 13:15:46.100000", tz="UTC")


def test_format_offset():
    assert format_offset(-5 * 3600) == "-05:00"
    assert format_offset(5 * 3600 + 1800) == "+05:30"


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl"])
def test_cli_events_formats(fmt, capsys):
    assert main(["events", str(SAMPLES / "linux-collector-logs.zip"), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") > 100
    if fmt == "jsonl":
        first = json.loads(out.splitlines()[0])
        assert set(first) == {"file", "line", "time", "source", "level", "component", "message", "fields"}


def test_cli_parquet_round_trips(tmp_path):
    out = tmp_path / "events.parquet"
    assert main(["events", str(SAMPLES / "linux-collector-logs.zip"), "--format", "parquet", "-o", str(out)]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == len(loganalyzer.read_bundle(SAMPLES / "linux-collector-logs.zip").events)


def test_cli_usage_errors_exit_2_without_traceback(tmp_path, capsys):
    assert main(["events", str(tmp_path / "missing.zip")]) == 2
    assert main(["events", str(SAMPLES / "linux-collector-logs.zip"), "--tz", "Mars/Olympus"]) == 2
    assert main(["events", str(SAMPLES / "linux-collector-logs.zip"), "--format", "parquet"]) == 2
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no such file" in err


def test_hostile_bundle_gives_problems_and_still_reads_the_rest(tmp_path):
    bundle = tmp_path / "mixed.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("var/log/waagent.log", "2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler fine\n")
        archive.writestr("var/lib/waagent/GoalState.1.xml", "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><GoalState>&a;</GoalState>")
        archive.writestr("var/lib/waagent/Some.Ext-1.0/status/0.status", "[{not json")
        archive.writestr("var/log/azure/X/extension.log", b"\xff\xfe\x00garbage\x00" * 100)
        archive.writestr("../escape.log", "x")
    contents = loganalyzer.read_bundle(bundle)
    assert "fine" in set(contents.events["message"])
    kinds = set(contents.problems["kind"])
    assert "unsafe-path" in kinds and "malformed" in kinds
    assert not (contents.problems["kind"] == "parser-error").any()


def test_public_api():
    assert {"read_bundle", "BundleContents", "Limits"} <= set(loganalyzer.__all__)


def _offset_events(local: list[str], utc: list[str], guid: str = "0f6a2b1c-3d4e-4f50-8a9b-0c1d2e3f4a5b"):
    from loganalyzer.events import EventRows, concat_events

    rows = EventRows()
    for number, stamp in enumerate(local, 1):
        rows.add(line=number, message=f"taskId: {guid}", time=datetime.fromisoformat(stamp), local_time=True)
    for number, stamp in enumerate(utc, 1):
        rows.add(line=number, message=f"task {guid}", time=datetime.fromisoformat(stamp).replace(tzinfo=timezone.utc))
    return concat_events([rows.to_table("f", "s")])


def test_offset_inference_uses_the_pairing_most_sightings_agree_on():
    from loganalyzer.timebase import infer_offset

    events = _offset_events(["2024-05-30 08:15:46", "2024-05-30 08:45:46"], ["2024-05-30 13:15:45", "2024-05-30 13:45:44"])
    assert infer_offset(events) == -5 * 3600


def test_offset_inference_says_unknown_rather_than_guess_between_two_pairings():
    from loganalyzer.timebase import infer_offset

    events = _offset_events(["2024-05-30 08:15:46", "2024-05-30 08:45:46"], ["2024-05-30 13:45:44"])
    assert infer_offset(events) is None


def test_a_parser_bug_is_named_its_lines_counted_and_the_rest_still_read(tmp_path, monkeypatch):
    from loganalyzer import reader
    from loganalyzer.sources import BY_NAME_AND_CONTENT, Parser

    def broken(data, context):
        raise RuntimeError("boom")

    crashing = Parser("crashing", "waagent.log", lambda path, head: BY_NAME_AND_CONTENT if path.endswith(".crash") else 0, broken)
    everything = reader.all_parsers()
    monkeypatch.setattr(reader, "all_parsers", lambda: (crashing, *everything))
    (tmp_path / "x.crash").write_text("one\ntwo\nthree\n")
    (tmp_path / "waagent.log").write_text("2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler fine\n")
    contents = loganalyzer.read_bundle(tmp_path)
    problem = contents.problems[contents.problems["kind"] == "parser-error"]
    assert list(problem["file"]) == ["x.crash"] and "boom" in problem["message"].iloc[0]
    row = contents.coverage[contents.coverage["file"] == "x.crash"].iloc[0]
    assert (row["lines"], row["events"], row["unparsed"]) == (3, 0, 3)
    assert "fine" in set(contents.events["message"])
