"""Batch under faults: a bundle over the time limit, a worker that exits, crashes or hangs in
native code, ``kill -9`` of the batch, a second batch on the same folder, a full disk, an
unreachable Dask scheduler, and bundles that cannot be read. Each bundle costs at most itself:
it is recorded with its reason, the batch goes on, and a plain rerun completes.

The hostile behaviours are planted by replacing ``diagnose`` before the pool forks its workers
(the workers inherit it); the bundles are tiny folders holding a real agent failure.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_kit import (
    REAL_CAUSE,
    REAL_FAILURE,
    REAL_LOG,
    REPO,
    assert_clean_run,
    build,
    run_cli,
)

import loganalyzer.diagnosis
from loganalyzer import batch, run_batch
from loganalyzer.batch import DATASETS, BatchError, part_name

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process control")
REAL_DIAGNOSE = loganalyzer.diagnosis.diagnose


def fleet(root: Path, names: list[str]) -> dict[str, str]:
    """One tiny bundle per name, each holding the real failure."""
    return {name: str(build(root / name, {REAL_LOG: REAL_FAILURE})) for name in names}


def hostile_diagnose(path, **kwargs):
    """``diagnose``, except for bundles whose name asks for trouble."""
    name = Path(path).name
    if name.startswith("slow"):
        time.sleep(60)
    elif name.startswith("stuck"):  # like native code: the time limit's signal never gets in
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    elif name.startswith("exits"):
        raise SystemExit(3)
    elif name.startswith("interrupted"):
        raise GeneratorExit("odd")
    elif name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    return REAL_DIAGNOSE(path, **kwargs)


def bundles_table(result):
    return result.dataset("bundles").set_index("bundle")


def test_time_limit_exit_and_crash_cost_one_bundle_each(tmp_path, monkeypatch):
    monkeypatch.setattr(loganalyzer.diagnosis, "diagnose", hostile_diagnose)
    monkeypatch.setattr(batch, "_hard_deadline", lambda task, position, workers: time.monotonic() + 8)
    found = fleet(tmp_path / "fleet", ["good-1", "slow", "exits", "interrupted", "crash", "stuck", "good-2"])
    started = time.perf_counter()
    result = run_batch(found, tmp_path / "out", workers=2, timeout=2, progress=False)
    assert time.perf_counter() - started < 60
    rows = bundles_table(result)
    assert rows.loc[["good-1", "good-2"], "status"].tolist() == ["ok", "ok"]
    assert (rows.loc[["good-1", "good-2"], "top_cause"] == REAL_CAUSE).all()
    problems = result.dataset("problems").set_index("bundle")
    expected = {"slow": "timeout", "stuck": "timeout", "exits": "diagnose-failed", "interrupted": "diagnose-failed", "crash": "worker-died"}
    for name, kind in expected.items():
        assert rows.loc[name, "status"] == "failed", name
        assert problems.loc[name, "kind"] == kind, name
    assert "SystemExit" in rows.loc["exits", "error"] and "time limit" in rows.loc["slow", "error"]
    assert result.summary["failed"] == 5 and result.summary["ok"] == 2


KILLED_BATCH = """
import os, sys, time
from pathlib import Path
import loganalyzer.diagnosis as diagnosis
def hang(path, **kwargs):
    Path(sys.argv[3], f"{os.getpid()}.pid").write_text(str(os.getpid()))
    time.sleep(300)
diagnosis.diagnose = hang
from loganalyzer import run_batch
run_batch(sys.argv[1], sys.argv[2], workers=2, progress=False)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def test_kill_9_of_the_batch_leaves_no_worker_and_no_lock(tmp_path):
    root = tmp_path / "fleet"
    fleet(root, ["a", "b", "c"])
    out, pids = tmp_path / "out", tmp_path / "pids"
    pids.mkdir()
    main = subprocess.Popen([sys.executable, "-c", KILLED_BATCH, str(root), str(out), str(pids)], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2:
            assert time.monotonic() < deadline, "the workers never started"
            assert main.poll() is None, "the batch ended early"
            time.sleep(0.1)
        workers = [int(p.read_text()) for p in pids.iterdir()]
        # while it runs, a second batch on the same folder refuses, naming the holder
        with pytest.raises(BatchError, match=rf"another batch \(process {main.pid}\) is writing to"):
            run_batch(str(root), out, workers=1, progress=False)
        second = run_cli("batch", str(root), "-o", str(out), "--quiet")
        assert_clean_run(second, code=2)
        assert "another batch" in second.stderr
    finally:
        main.send_signal(signal.SIGKILL)
        main.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "workers outlived the killed batch"
        time.sleep(0.1)
    result = run_batch(str(root), out, workers=2, progress=False)  # no "another batch is writing"
    assert result.processed == 3 and result.summary["ok"] == 3


def test_a_full_disk_leaves_no_half_part_and_a_rerun_redoes_the_bundle(tmp_path, monkeypatch):
    found = fleet(tmp_path / "fleet", ["full", "fine"])
    full_part = part_name("full")
    real_write = batch._write_atomically

    def filling_disk(final, write):
        if full_part in final and "evidence" in final:  # the second dataset: events was written already
            def half_then_full(handle):
                handle.write(b"PAR1 half a part")
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(final, half_then_full)
        return real_write(final, write)

    monkeypatch.setattr(batch, "_write_atomically", filling_disk)
    out = tmp_path / "out"
    first = run_batch(found, out, workers=1, progress=False)
    assert first.failed == 1 and first.summary["run"]["not_stored"] == ["full"]
    leftovers = [p.name for name in (*DATASETS, "_done") for p in (out / name).iterdir() if full_part in p.name or p.name.endswith(".tmp")]
    assert leftovers == []  # no half-written part, no part of the failed bundle, no marker
    assert "No space left" in first.to_text() or "not stored" in first.to_text()
    monkeypatch.undo()
    rerun = run_batch(found, out, workers=1, progress=False)
    assert rerun.processed == 1 and rerun.skipped == 1
    assert rerun.summary["ok"] == 2 and rerun.summary["failed"] == 0


def test_an_unreachable_dask_scheduler_is_a_clear_error(tmp_path):
    found = fleet(tmp_path / "fleet", ["a"])
    started = time.perf_counter()
    with pytest.raises(BatchError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 2 s"):
        run_batch(found, tmp_path / "out", engine="dask", scheduler="tcp://127.0.0.1:9", connect_timeout=2, progress=False)
    assert time.perf_counter() - started < 30


def test_unreadable_bundles_are_not_counted_with_healthy_ones(tmp_path):
    root = tmp_path / "fleet"
    fleet(root, ["good"])
    (root / "random.zip").write_bytes(os.urandom(4096))
    (root / "cut.zip").write_bytes(b"PK\x03\x04" + os.urandom(4000))
    (root / "empty").mkdir()
    found = {name: str(root / name) for name in ("good", "random.zip", "cut.zip", "empty")}
    result = run_batch(found, tmp_path / "out", workers=2, progress=False)
    rows = bundles_table(result)
    assert rows.loc["good", "status"] == "ok"
    assert set(rows.loc[["random.zip", "cut.zip", "empty"], "status"]) == {"unreadable"}
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["ok"] == 1 and summary["unreadable"] == 3 and summary["failed"] == 0
    assert sum(summary["top_causes"].values()) == 1
    run = run_cli("batch", str(root), "-o", str(tmp_path / "cli-out"), "--quiet", "--workers", "1")
    assert_clean_run(run)
    assert "unreadable" in run.stdout
