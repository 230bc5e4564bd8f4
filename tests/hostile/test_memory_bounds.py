"""Memory is bounded: a log over the per-member bound keeps its newest part (its tail), and the
text handed to the parsers for one bundle is bounded (``Limits.max_text_bytes``), each file
dropped or cut for it named in an ``oversized`` problem.

Bound stated and checked here: peak RSS of a read under ``max_text_bytes = 1.5 MiB`` stays
under 512 MiB (measured 375-415 MiB, most of it the reading of the 4 MiB tar.gz itself), in under 60 s. With the default bound (128 MiB of text) the peak is about
0.2 GB + 15 x the text read: ``benchmarks/hostile_memory.py`` measures four rotated 25 MiB logs
in an 11 MB ``.tar.gz`` at 1.6 GB peak and 45 s (100 MiB read), where unbounded reads of larger
bundles were killed by the OOM killer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time

from hostile_kit import (
    REAL_CAUSE,
    REAL_FAILURE,
    REAL_LOG,
    REPO,
    assert_clean_run,
    kinds_of,
    real_failure_found,
    run_cli,
)

from loganalyzer import Limits, diagnose, read_bundle

KiB, MiB = 1024, 1024 * 1024
HEALTHY = "2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent {n}\n"


def healthy_log(size: int) -> str:
    line = HEALTHY.format(n=0)
    return "".join(HEALTHY.format(n=n) for n in range(size // len(line) + 1))


def test_an_oversized_log_keeps_its_newest_lines(tmp_path):
    folder = tmp_path / "bundle" / "var" / "log"
    folder.mkdir(parents=True)
    (folder / "waagent.log").write_text(healthy_log(2 * MiB) + REAL_FAILURE)  # the failure is the newest
    limits = Limits(max_member_bytes=256 * KiB)
    contents = read_bundle(tmp_path / "bundle", limits=limits)
    (problem,) = contents.problems.itertuples()
    assert problem.kind == "oversized" and "last" in problem.message and "newest" in problem.message
    coverage = contents.coverage.set_index("file").loc[REAL_LOG]
    assert coverage.unparsed == 0 and coverage.lines < 256 * KiB // 100  # whole lines only, the head dropped
    assert real_failure_found(diagnose(tmp_path / "bundle", limits=limits))


def rotated_tarball(path, logs: int, size: int) -> None:
    """``logs`` rotated agent logs of ``size`` bytes each, the newest holding a real failure."""
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for n in range(logs):
            name = REAL_LOG if n == 0 else f"{REAL_LOG}.{n}"
            text = healthy_log(size) + (REAL_FAILURE if n == 0 else "")
            staged = path.parent / f"staged-{n}"
            staged.write_text(text)
            archive.add(staged, arcname=name)
            staged.unlink()


MEASURE = """
import json, resource, sys, time
from loganalyzer import Limits, diagnose
started = time.perf_counter()
result = diagnose(sys.argv[1], limits=Limits(max_text_bytes=int(sys.argv[2])))
print(json.dumps({"seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "causes": [f.cause for f in result.findings],
                  "problems": result.problems[["file", "kind", "message"]].to_dict("records")}))
"""


def test_the_text_of_a_bundle_is_bounded_and_what_was_dropped_is_named(tmp_path):
    bundle = tmp_path / "rotated.tar.gz"
    rotated_tarball(bundle, logs=4, size=MiB)
    bound = 3 * MiB // 2
    contents = read_bundle(bundle, limits=Limits(max_text_bytes=bound))
    read = contents.coverage.set_index("file")["lines"]
    assert f"rotated.tar.gz/{REAL_LOG}" in read.index  # the first (newest) log whole
    assert kinds_of(contents.problems, "waagent.log.1") == {"oversized"}  # the next one cut to its tail
    for dropped in ("waagent.log.2", "waagent.log.3"):
        (message,) = contents.problems.loc[contents.problems.file.str.endswith(dropped), "message"]
        assert "not read" in message and str(bound) in message
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, str(bundle), str(bound)], capture_output=True, text=True, check=False,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    measured = json.loads(done.stdout)
    assert REAL_CAUSE in measured["causes"]
    assert measured["peak_mb"] < 512, measured["peak_mb"]
    assert time.perf_counter() - started < 60
    run = run_cli("diagnose", str(bundle), "--format", "json")  # the default bound reads it all
    assert_clean_run(run)
    assert REAL_CAUSE in [f["cause"] for f in json.loads(run.stdout)["findings"]]
    assert os.path.getsize(bundle) < MiB
