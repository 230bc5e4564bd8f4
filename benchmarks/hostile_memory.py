"""Peak memory and time of a bundle of rotated agent logs, with and without the text bound.

    python benchmarks/hostile_memory.py [--logs 4] [--mib 25] [--text-mib 128]

Builds a ``.tar.gz`` of LOGS rotated ``waagent.log`` files of MIB MiB each (from the sample
agent logs), then runs ``diagnose`` on it in a child process and prints the child's wall time,
peak RSS and the problems the bound produced. Measured on the 2-core CI machine: 4 x 25 MiB
(an 11 MB tar.gz), default bound (128 MiB, everything read): 45 s, 1.6 GB peak; bound 30 MiB:
13 s, 0.68 GB peak. Peak RSS is about 0.2 GB + 15 x the text read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "samples" / "linux-extensions-disabled" / "var" / "log" / "waagent.log"

CHILD = """
import json, resource, sys, time
from loganalyzer import Limits, diagnose
started = time.perf_counter()
result = diagnose(sys.argv[1], limits=Limits(max_text_bytes=int(sys.argv[2])))
print(json.dumps({"seconds": round(time.perf_counter() - started, 1),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "events": len(result.events),
                  "problems": result.problems[["file", "kind"]].to_dict("records")}))
"""


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--logs", type=int, default=4)
    options.add_argument("--mib", type=int, default=25)
    options.add_argument("--text-mib", type=int, default=128)
    args = options.parse_args()
    sample = SOURCE.read_bytes()
    with tempfile.TemporaryDirectory() as scratch:
        bundle = Path(scratch) / "rotated.tar.gz"
        with tarfile.open(bundle, "w:gz") as archive:
            for n in range(args.logs):
                staged = Path(scratch) / f"log{n}"
                staged.write_bytes(sample * (args.mib * 1024 * 1024 // len(sample) + 1))
                archive.add(staged, arcname="var/log/waagent.log" + (f".{n}" if n else ""))
                staged.unlink()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(bundle), str(args.text_mib * 1024 * 1024)],
            capture_output=True, text=True, cwd=REPO, check=True,
        )
        measured = json.loads(done.stdout)
        print(f"{args.logs} x {args.mib} MiB logs, tar.gz {bundle.stat().st_size / 1e6:.1f} MB, text bound {args.text_mib} MiB")
        print(f"  {measured['seconds']} s, peak RSS {measured['peak_mb']} MiB, {measured['events']} events")
        for problem in measured["problems"]:
            print(f"  {problem['kind']}: {problem['file']}")


if __name__ == "__main__":
    main()
