"""What the hardening tests share: a real failure to plant beside hostile input, bundle
builders, and a CLI runner that measures the child's wall time and peak memory.

Each hostile test builds its input, runs it through the Python API and the CLI, and checks:
the documented exit status, no traceback, the member named in ``problems`` with its kind, the
planted real failure still found, and time and peak memory under the bounds stated here.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: a real agent failure (three lines of a wire-server outage, as the agent writes them): it
#: must still be found as ``wireserver-unreachable`` whatever hostile member sits beside it
REAL_FAILURE = (
    "2024-08-20T14:06:12.562829Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] "
    "[Wireserver Exception] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError "
    "timed out -- 6 attempts made\n"
    "2024-08-20T14:07:37.573867Z WARNING ExtHandler ExtHandler Fetch failed: [HttpError] [HTTP Failed] GET "
    "http://168.63.129.16:32526/vmSettings -- IOError timed out -- 6 attempts made\n"
    "2024-08-20T14:08:16.735402Z WARNING ExtHandler ExtHandler Falling back to direct upload: [HttpError] "
    "[HTTP Failed] PUT http://168.63.129.16:32526/status -- IOError timed out -- 6 attempts made\n"
)
REAL_CAUSE = "wireserver-unreachable"
REAL_LOG = "var/log/waagent.log"

#: bounds every small hostile input must stay under (seconds, MiB of peak RSS of the CLI process)
SECONDS_BOUND = 60.0
PEAK_MB_BOUND = 600


def build(root: Path, files: dict[str, bytes | str]) -> Path:
    """A folder bundle at ``root`` holding ``files`` (relative path -> content)."""
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def tar_entry(archive: tarfile.TarFile, name: str, data: bytes | None = None, kind: bytes = tarfile.REGTYPE, link: str = "") -> None:
    """Add one entry of any type (file, link, device, FIFO) to an open tar."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    if data is None:
        archive.addfile(info)
    else:
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def run_cli(*args: str, timeout: float = 120) -> CliRun:
    """``python -m loganalyzer ARGS`` in a child process, with its own peak RSS (``wait4``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "loganalyzer", *args], stdout=out, stderr=err, cwd=REPO)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                raise AssertionError(f"loganalyzer {' '.join(args)} did not finish within {timeout} s")
            time.sleep(0.02)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return CliRun(
            child.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,
        )


def assert_clean_run(run: CliRun, code: int = 0, seconds: float = SECONDS_BOUND, peak_mb: float = PEAK_MB_BOUND) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.code == code, (run.code, run.stderr[-2000:])
    assert run.seconds < seconds, f"took {run.seconds:.1f} s (bound {seconds} s)"
    assert run.peak_mb < peak_mb, f"peak RSS {run.peak_mb:.0f} MiB (bound {peak_mb} MiB)"


def kinds_of(problems, file_part: str) -> set[str]:
    """Problem kinds of the files whose name contains ``file_part``."""
    return {p.kind for p in problems.itertuples() if file_part in p.file}


def real_failure_found(diagnosis) -> bool:
    return any(f.cause == REAL_CAUSE for f in diagnosis.findings)
