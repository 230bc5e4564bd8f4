"""Batch throughput: bundles per second with 1 and 2 worker processes and on Dask, and a
kill-and-resume check.

    python benchmarks/batch.py [--bundles 1000] [--no-dask] [--keep]

Builds N bundles by copying the samples (hard links where the file system allows) into a
temporary folder, then prints bundles/s for: a plain in-process loop over ``diagnose()`` (the
floor: no pool, no Parquet), ``run_batch`` with 1 and 2 processes, and with Dask on a
LocalCluster of 2 single-threaded worker processes (cluster start-up timed apart). Ratios are to
the 1-process run. Last, the kill-and-resume check: ``loganalyzer batch`` runs in a subprocess,
is killed with SIGKILL part way, runs again, and its datasets must equal the 2-process run's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pyarrow.parquet as pq  # noqa: E402

from loganalyzer import diagnose  # noqa: E402
from loganalyzer.batch import DATASETS, _signatures_for, run_batch  # noqa: E402


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def build_fleet(root: Path, count: int) -> Path:
    """``count`` bundles named ``00042-<sample>``, cycling through the sample folders and the zip."""
    samples = sorted(p for p in (REPO / "samples").iterdir() if p.is_dir() or p.suffix == ".zip")
    root.mkdir(parents=True)
    for number in range(count):
        sample = samples[number % len(samples)]
        target = root / f"{number:05d}-{sample.name}"
        if sample.is_dir():
            shutil.copytree(sample, target, copy_function=_link_or_copy)
        else:
            _link_or_copy(str(sample), str(target))
    return root


def same_datasets(one: Path, other: Path) -> bool:
    return all(pq.read_table(one / name).equals(pq.read_table(other / name)) for name in DATASETS)


def plain_loop(fleet: Path, limit: int) -> float:
    signatures, knowledge = _signatures_for((), None)
    bundles = sorted(fleet.iterdir())[:limit]
    started = time.perf_counter()
    for bundle in bundles:
        diagnose(bundle, signatures=signatures, knowledge=knowledge)
    return len(bundles) / (time.perf_counter() - started)


def kill_and_resume(fleet: Path, out: Path, reference: Path, total: int) -> None:
    command = [sys.executable, "-m", "loganalyzer", "batch", str(fleet), "-o", str(out), "--quiet", "--workers", "2"]
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, env=environment)
    target = max(1, int(total * 0.4))
    while process.poll() is None and len(list((out / "_done").glob("*.json")) if (out / "_done").is_dir() else []) < target:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = len(list((out / "_done").glob("*.json")))
    leftovers = sum(1 for name in DATASETS for p in (out / name).iterdir() if p.name.startswith("."))
    started = time.perf_counter()
    rerun = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    seconds = time.perf_counter() - started
    equal = rerun.returncode == 0 and same_datasets(out, reference)
    print(f"kill-and-resume: SIGKILL after {killed_at}/{total} bundles ({leftovers} temporary files left), "
          f"rerun exit {rerun.returncode} in {seconds:.1f} s; datasets equal to an uninterrupted run: {equal}")
    if not equal:
        print(rerun.stdout, rerun.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundles", type=int, default=1000)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="loganalyzer-batch-bench-"))
    try:
        started = time.perf_counter()
        fleet = build_fleet(scratch / "fleet", args.bundles)
        print(f"{args.bundles} bundles built in {time.perf_counter() - started:.1f} s under {scratch}; {os.cpu_count()} CPUs")
        floor = plain_loop(fleet, min(args.bundles, 200))
        print(f"{'diagnose() loop, in process':<34} {floor:7.1f} bundles/s (no pool, no Parquet)")

        rates = {}
        for workers in (1, 2):
            result = run_batch(fleet, scratch / f"out-{workers}", workers=workers)
            assert result.processed == args.bundles
            rates[workers] = result.throughput
            ratio = "" if workers == 1 else f"  x{result.throughput / rates[1]:.2f} of 1 process"
            print(f"{f'batch, {workers} process(es)':<34} {result.throughput:7.1f} bundles/s ({result.seconds:.1f} s){ratio}")

        if not args.no_dask:
            from dask.distributed import Client, LocalCluster

            started = time.perf_counter()
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
                startup = time.perf_counter() - started
                result = run_batch(fleet, scratch / "out-dask", engine="dask", client=client)
            print(f"{'batch, dask LocalCluster 2x1':<34} {result.throughput:7.1f} bundles/s ({result.seconds:.1f} s, "
                  f"+{startup:.1f} s cluster start)  x{result.throughput / rates[1]:.2f} of 1 process")
            print(f"dask datasets equal to the process engine's: {same_datasets(scratch / 'out-dask', scratch / 'out-2')}")

        kill_and_resume(fleet, scratch / "out-killed", scratch / "out-2", args.bundles)
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
