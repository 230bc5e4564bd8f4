"""``loganalyzer batch`` / ``run_batch``: datasets, resume after a crash, --force, failed bundles,
the Dask engine, fsspec URLs, finding bundles, progress.

The fleets are copies of the samples in temporary folders; ``reference`` is one uninterrupted
run that every resumed, forced or Dask run must equal row for row.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from loganalyzer import batch, diagnose, run_batch
from loganalyzer.batch import (
    DATASET_SCHEMAS,
    DATASETS,
    BatchError,
    BatchProgress,
    find_bundles,
    part_name,
)
from loganalyzer.cli import main

SAMPLE_BUNDLES = (
    "linux-collector-logs.zip",
    "linux-healthy",
    "linux-two-causes",
    "linux-fsfreeze-failed",
    "windows-av-crash",
    "windows-vss-complus",
)
TARRED = "linux-agent-outdated"


def _make_fleet(root: Path, samples: Path, copies: int = 1) -> Path:
    """Sample bundles (folders, the zip, a tarball) and one dangling link that cannot be read."""
    root.mkdir(parents=True, exist_ok=True)
    for copy in range(1, copies + 1):
        suffix = "" if copies == 1 else f"-{copy}"
        for name in SAMPLE_BUNDLES:
            source = samples / name
            if source.is_dir():
                shutil.copytree(source, root / f"{name}{suffix}")
            else:
                shutil.copy2(source, root / f"{source.stem}{suffix}{source.suffix}")
        with tarfile.open(root / f"{TARRED}{suffix}.tar.gz", "w:gz") as archive:
            archive.add(samples / TARRED, arcname=".")
    os.symlink(root / "unmounted-share" / "gone.zip", root / "gone.zip")
    return root


def _fleet_ids(copies: int = 1) -> set[str]:
    ids = {"gone.zip"}
    for copy in range(1, copies + 1):
        suffix = "" if copies == 1 else f"-{copy}"
        ids |= {f"linux-collector-logs{suffix}.zip", f"{TARRED}{suffix}.tar.gz"}
        ids |= {f"{name}{suffix}" for name in SAMPLE_BUNDLES if not name.endswith(".zip")}
    return ids


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, samples) -> Path:
    return _make_fleet(tmp_path_factory.mktemp("batch") / "fleet", samples)


@pytest.fixture(scope="module")
def reference(fleet, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "out"
    result = run_batch(fleet, out, workers=2)
    assert result.processed == len(_fleet_ids()) and result.skipped == 0
    return out


def _tables(out: Path) -> dict:
    return {name: pq.read_table(out / name) for name in DATASETS}


def assert_same_datasets(out: Path, expected: Path) -> None:
    got, want = _tables(out), _tables(expected)
    for name in DATASETS:
        assert got[name].num_rows == want[name].num_rows, name
        assert got[name].equals(want[name]), f"{name} differs"


def _copy_output(reference: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    (out / batch.LOCK_FILE).unlink(missing_ok=True)
    return out


# -- datasets --------------------------------------------------------------------------------


def test_every_dataset_reads_with_pandas_and_has_the_bundle_column(reference):
    ids = _fleet_ids()
    for name in DATASETS:
        frame = pd.read_parquet(reference / name)
        assert "bundle" in frame.columns, name
        assert frame["bundle"].notna().all()
        assert list(frame.columns) == DATASET_SCHEMAS[name].names
    assert set(pd.read_parquet(reference / "bundles")["bundle"]) == ids
    assert set(pd.read_parquet(reference / "coverage")["bundle"]) == ids - {"gone.zip"}
    parts = sorted((reference / "events").iterdir())
    assert len(parts) == len(ids) and all(p.suffix == ".parquet" for p in parts)


def test_parts_have_plain_schemas_and_no_pandas_metadata(reference):
    for name in DATASETS:
        for part in (reference / name).iterdir():
            schema = pq.read_schema(part)
            assert b"pandas" not in (schema.metadata or {}), part
            assert schema.remove_metadata().equals(DATASET_SCHEMAS[name]), part


def test_datasets_read_with_duckdb(reference):
    duckdb = pytest.importorskip("duckdb")
    with duckdb.connect() as connection:
        counted = connection.execute(f"select count(distinct bundle) from read_parquet('{reference}/bundles/*.parquet')").fetchone()
        eras = connection.execute(
            f"select count(*) from read_parquet('{reference}/events/*.parquet') where fields['era'] is not null"
        ).fetchone()
        top = connection.execute(
            f"select cause from read_parquet('{reference}/findings/*.parquet') "
            "where bundle = 'linux-collector-logs.zip' and rank = 1"
        ).fetchone()
    assert counted[0] == len(_fleet_ids())
    assert eras[0] > 0
    assert top[0] == "storage-unreachable"


def test_rows_are_those_of_diagnose(reference, fleet):
    findings = pd.read_parquet(reference / "findings")
    events = pd.read_parquet(reference / "events")
    for bundle_id in ("linux-collector-logs.zip", "windows-vss-complus", "linux-two-causes"):
        diagnosis = diagnose(fleet / bundle_id)
        rows = findings[findings["bundle"] == bundle_id].sort_values("rank")
        assert rows["cause"].tolist() == [f.cause for f in diagnosis.findings]
        assert rows["confidence"].tolist() == [f.confidence for f in diagnosis.findings]
        assert (events["bundle"] == bundle_id).sum() == len(diagnosis.events)
    bundles = pd.read_parquet(reference / "bundles").set_index("bundle")
    assert bundles.loc["linux-collector-logs.zip", "top_cause"] == "storage-unreachable"
    assert bundles.loc["linux-healthy", "top_cause"] is None or pd.isna(bundles.loc["linux-healthy", "top_cause"])


def test_a_bundle_that_fails_is_recorded_and_the_batch_goes_on(reference):
    problems = pd.read_parquet(reference / "problems")
    failed = problems[problems["bundle"] == "gone.zip"]
    assert failed["kind"].tolist() == ["diagnose-failed"]
    assert "FileNotFoundError" in failed["message"].iloc[0]
    bundles = pd.read_parquet(reference / "bundles").set_index("bundle")
    assert bundles.loc["gone.zip", "status"] == "failed"
    assert (bundles.drop(index="gone.zip")["status"] == "ok").all()
    summary = json.loads((reference / "summary.json").read_text())
    assert summary["bundles"] == len(_fleet_ids()) and summary["failed"] == 1
    assert summary["failures"][0]["bundle"] == "gone.zip"
    assert sum(summary["top_causes"].values()) == summary["ok"]
    assert summary["top_causes"]["storage-unreachable"] >= 1


# -- resume ----------------------------------------------------------------------------------


def test_rerun_skips_everything(reference, fleet, tmp_path):
    out = _copy_output(reference, tmp_path)
    result = run_batch(fleet, out, workers=2)
    assert (result.processed, result.skipped) == (0, len(_fleet_ids()))
    assert_same_datasets(out, reference)


def test_resume_after_losing_markers_and_parts(reference, fleet, tmp_path):
    out = _copy_output(reference, tmp_path)
    (out / "_done" / f"{part_name('linux-healthy')}.json").unlink()  # parts, no marker
    (out / "evidence" / f"{part_name('windows-av-crash')}.parquet").unlink()  # marker, a part missing
    (out / "events" / f".{part_name('linux-two-causes')}.parquet.123-ab.tmp").write_bytes(b"half a file")
    result = run_batch(fleet, out, workers=2)
    assert result.processed == 2 and result.skipped == len(_fleet_ids()) - 2
    assert not [p for p in (out / "events").iterdir() if p.name.startswith(".")]
    assert_same_datasets(out, reference)


class _Crash(Exception):
    pass


def test_resume_after_a_crash_mid_run(reference, fleet, tmp_path):
    out = tmp_path / "out"

    def crash_after_three(update: BatchProgress) -> None:
        if update.done == 3:
            raise _Crash

    with pytest.raises(_Crash):
        run_batch(fleet, out, workers=2, progress=crash_after_three)
    assert len(list((out / "_done").iterdir())) == 3
    result = run_batch(fleet, out, workers=2)
    assert (result.processed, result.skipped) == (len(_fleet_ids()) - 3, 3)
    assert_same_datasets(out, reference)


def test_sigkill_of_the_command_then_resume(samples, tmp_path):
    fleet = _make_fleet(tmp_path / "fleet", samples, copies=3)
    expected = run_batch(fleet, tmp_path / "expected", workers=2).out_dir
    out = tmp_path / "out"
    command = [sys.executable, "-m", "loganalyzer", "batch", str(fleet), "-o", str(out), "--quiet"]
    process = subprocess.Popen(command + ["--workers", "1"], start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if (out / "_done").is_dir() and len(list((out / "_done").glob("*.json"))) >= 3:
                break
            time.sleep(0.01)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the command and its workers: its own session
        process.wait()
    marked = len(list((out / "_done").glob("*.json")))
    assert 3 <= marked < len(_fleet_ids(3)), "the command should have been killed mid-run"
    rerun = subprocess.run(command + ["--workers", "2"], capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert "already done" in rerun.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["skipped"] >= 3 and summary["bundles"] == len(_fleet_ids(3))
    assert_same_datasets(out, expected)


def test_force_redoes_everything_and_drops_what_is_not_in_the_fleet(reference, fleet, tmp_path):
    out = _copy_output(reference, tmp_path)
    ghost = part_name("decommissioned-vm")
    for name in DATASETS:
        shutil.copy2(out / name / f"{part_name('linux-healthy')}.parquet", out / name / f"{ghost}.parquet")
    marker = json.loads((out / "_done" / f"{part_name('linux-healthy')}.json").read_text())
    marker.update(bundle="decommissioned-vm", part=ghost)
    (out / "_done" / f"{ghost}.json").write_text(json.dumps(marker))
    kept = run_batch(fleet, out, workers=2)
    assert kept.processed == 0 and kept.summary["bundles"] == len(_fleet_ids()) + 1
    forced = run_batch(fleet, out, workers=2, force=True)
    assert (forced.processed, forced.skipped) == (len(_fleet_ids()), 0)
    assert not (out / "events" / f"{ghost}.parquet").exists()
    assert_same_datasets(out, reference)


def test_other_options_need_force(reference, fleet, tmp_path):
    out = _copy_output(reference, tmp_path)
    with pytest.raises(BatchError, match="other options.*lang"):
        run_batch(fleet, out, lang="sv")
    assert main(["batch", str(fleet), "-o", str(out), "--lang", "sv", "--quiet"]) == 2


def test_retry_failed_redoes_only_the_failures(reference, fleet, tmp_path):
    out = _copy_output(reference, tmp_path)
    result = run_batch(fleet, out, workers=1, retry_failed=True)
    assert (result.processed, result.failed) == (1, 1)
    assert_same_datasets(out, reference)


_REAL_DIAGNOSE_BUNDLE = batch.diagnose_bundle


def _dies_on_boom(task):
    """A worker function that kills its process on one bundle, as a crash in native code would."""
    if task.bundle.startswith("boom"):
        os._exit(7)
    return _REAL_DIAGNOSE_BUNDLE(task)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patched worker reaches children only by fork")
def test_a_worker_that_dies_is_blamed_on_its_bundle_alone(samples, tmp_path, monkeypatch):
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    shutil.copytree(samples / "linux-healthy", fleet / "linux-healthy")
    shutil.copytree(samples / "windows-av-crash", fleet / "windows-av-crash")
    shutil.copy2(samples / "linux-collector-logs.zip", fleet / "boom.zip")
    shutil.copy2(samples / "linux-collector-logs.zip", fleet / "linux-collector-logs.zip")
    monkeypatch.setattr(batch, "diagnose_bundle", _dies_on_boom)
    result = run_batch(fleet, tmp_path / "out", workers=2)
    bundles = pd.read_parquet(tmp_path / "out" / "bundles").set_index("bundle")
    assert bundles.loc["boom.zip", "status"] == "failed"
    assert (bundles.drop(index="boom.zip")["status"] == "ok").all()
    problems = pd.read_parquet(tmp_path / "out" / "problems")
    assert problems.loc[problems["bundle"] == "boom.zip", "kind"].tolist() == ["worker-died"]
    assert result.failed == 1 and result.processed == 4


# -- engines and inputs ----------------------------------------------------------------------


def test_dask_engine_gives_the_same_datasets(reference, fleet, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        result = run_batch(fleet, tmp_path / "out", engine="dask", client=client)
        assert client.status == "running"  # a client we were given stays open
    assert result.engine == "dask" and result.processed == len(_fleet_ids())
    assert_same_datasets(tmp_path / "out", reference)


def test_bundles_from_fsspec_urls(reference, fleet, tmp_path):
    pytest.importorskip("fsspec")
    urls = {name: f"file://{fleet / name}" for name in ("linux-collector-logs.zip", "windows-vss-complus")}
    result = run_batch(urls, tmp_path / "out", workers=1)
    assert result.failed == 0
    for name in ("findings", "events", "evidence"):
        got = pd.read_parquet(tmp_path / "out" / name)
        want = pd.read_parquet(reference / name)
        want = want[want["bundle"].isin(list(urls))].reset_index(drop=True)
        pd.testing.assert_frame_equal(got.drop(columns=["codes", "remediation", "docs", "fields"], errors="ignore"),
                                      want.drop(columns=["codes", "remediation", "docs", "fields"], errors="ignore"))
    bundles = pd.read_parquet(tmp_path / "out" / "bundles")
    assert bundles["path"].str.startswith("file://").all()
    listed = find_bundles(f"file://{fleet}")
    assert set(listed) == set(find_bundles(fleet)) == _fleet_ids()
    assert listed["linux-healthy"] == f"file://{fleet / 'linux-healthy'}"


def test_a_secret_in_a_bundle_url_reaches_no_output(tmp_path):
    pytest.importorskip("fsspec")
    secret = "FAKESIGbatch0url%2BDoNotUse%3D"
    url = f"file://{tmp_path}/share/vm7.zip?sv=2023-01-03&sig={secret}"
    result = run_batch({"vm7.zip": url}, tmp_path / "out", workers=1)
    assert result.failed == 1
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert written and not [p for p in written if secret.encode() in p.read_bytes()]
    failure = pd.read_parquet(tmp_path / "out" / "problems").iloc[0]
    assert failure["kind"] == "diagnose-failed" and "<redacted>" in failure["file"]


def test_find_bundles_one_level_and_recursive(tmp_path):
    root = tmp_path / "fleet"

    def touch(relative: str, text: str = "x\n") -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    touch("a.zip")
    touch("b.tar.gz")
    touch("notes.txt")
    touch("vm1/var/log/waagent.log")
    touch("wrapper/case-1/var/log/waagent.log")
    touch("region/vm2/WindowsAzure/Logs/WaAppAgent.log")
    touch("region/vm3.zip")
    touch("region/deeper/vm4/System.evtx")
    (root / "empty" / "nothing").mkdir(parents=True)
    touch(".hidden/var/log/waagent.log")
    touch("out/_batch.json", "{}")
    assert set(find_bundles(root)) == {"a.zip", "b.tar.gz", "vm1", "wrapper", "region"}
    assert set(find_bundles(root, recursive=True)) == {
        "a.zip",
        "b.tar.gz",
        "vm1",
        "wrapper/case-1",
        "region/vm2",
        "region/vm3.zip",
        "region/deeper/vm4",
    }
    assert find_bundles(root)["vm1"] == str(root / "vm1")
    with pytest.raises(BatchError, match="single bundle"):
        find_bundles(root / "vm1")


def test_a_list_of_bundles_is_named_by_name_or_by_path_when_names_repeat(tmp_path):
    assert batch._named([tmp_path / "a" / "x.zip", tmp_path / "b" / "y"]) == {
        "x.zip": str(tmp_path / "a" / "x.zip"),
        "y": str(tmp_path / "b" / "y"),
    }
    assert set(batch._named([tmp_path / "a" / "x.zip", tmp_path / "b" / "x.zip"])) == {"a/x.zip", "b/x.zip"}


def test_progress_is_reported_for_every_bundle(fleet, tmp_path):
    updates: list[BatchProgress] = []
    run_batch(fleet, tmp_path / "out", workers=2, progress=updates.append)
    total = len(_fleet_ids())
    assert [u.done for u in updates] == list(range(total + 1))
    assert all(u.total == total for u in updates)
    assert updates[-1].failed == 1 and updates[-1].rate > 0


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_progress_bar_lines_or_nothing(monkeypatch):
    assert batch.console_progress(io.StringIO()) is None  # not a terminal
    assert batch.console_progress(_Terminal(), quiet=True) is None
    terminal = _Terminal()
    bar = batch.console_progress(terminal)
    for done in range(4):
        bar(BatchProgress(done, 3, 0, 0, 0.5 * done))
    bar.close()
    assert "3/3" in terminal.getvalue() and "bundle/s" in terminal.getvalue()
    monkeypatch.setitem(sys.modules, "tqdm", None)  # tqdm absent: plain lines
    terminal = _Terminal()
    lines = batch.console_progress(terminal)
    for done in range(4):
        lines(BatchProgress(done, 3, 1, 0, 0.5 * done))
    assert "batch: 3/3 bundles, 2.0/s, 1 failed" in terminal.getvalue()


def test_atomic_write_leaves_nothing_when_the_writer_fails(tmp_path):
    def broken(handle):
        handle.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        batch._write_atomically(str(tmp_path / "part.parquet"), broken)
    assert list(tmp_path.iterdir()) == []


# -- the command -----------------------------------------------------------------------------


def test_command_prints_the_fleet_summary(fleet, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["batch", str(fleet), "-o", str(out), "--quiet", "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert f"{len(_fleet_ids())} bundles in" in printed and "1 failed" in printed
    assert "top cause" in printed and "storage-unreachable" in printed and "top code" in printed
    assert "bundles/s" in printed and "problems:" in printed and "failed: gone.zip" in printed
    assert main(["batch", str(fleet), "-o", str(out), "--quiet"]) == 0
    assert f"0 diagnosed, {len(_fleet_ids())} already done" in capsys.readouterr().out


def test_command_usage_errors(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "missing"), "-o", str(tmp_path / "out")]) == 2
    assert main(["batch", str(tmp_path / "empty"), "-o", str(tmp_path / "out")]) == 2
    assert "no bundles" in capsys.readouterr().err
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--engine", "processes", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--workers", "0"]) == 2
