"""Whole-process speed and memory of loganalyzer against baselines measured in the same run.

    python benchmarks/speed.py                       # 32 and 64 MiB, small bundle, batch, evtx
    python benchmarks/speed.py --mb 256              # one size
    python benchmarks/speed.py --mb 32,64,128,256,1024 --repeat 3
    python benchmarks/speed.py --json figures.json   # the figures as JSON too

For each size it generates a bundle (a synthetic but realistic ``waagent.log`` mixing every agent
era with continuation lines, tracebacks and 0.2% rare errors, and a VMSnapshotLinux
``extension.log`` of a twentieth of that size) and prints, for whole processes (medians of
alternating runs): ``loganalyzer diagnose``, ``loganalyzer events -o x.parquet`` and
``grep -c -E -i -f`` over the signature packs' message patterns on the same files, the ratios,
MB/s and peak RSS (``wait4``). Then: a small bundle's ``diagnose`` against
``python -c "import pandas, pyarrow"``, ``import loganalyzer`` alone, ``batch`` bundles/s over the
samples, and ``.evtx`` records/s against the bare ``evtx`` iterator plus ``json.loads`` on the
real fixtures in ``../shared`` (skipped, saying so, when absent).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
MiB = 1024 * 1024

_HANDLER = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
_GUID = "4C6F0B1E-2F50-4A43-9A43-1D2B3E4F5A6B"

#: routine era-D messages (thread and message), in the proportions a busy agent writes them
_ROUTINE_D = [
    ("ExtHandler", f"[HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG HeartbeatCounter: {{n}};HeartbeatId: {_GUID};DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]"),
    ("ExtHandler", "Fetched a new incarnation for the WireServer goal state [incarnation {n}]"),
    ("ExtHandler", "ProcessExtensionsGoalState started [incarnation_{n} 2024-05-30T13:15:45.331589Z]"),
    ("ExtHandler", f"[{_HANDLER}-1.0.9218.0] Target handler state: enabled [incarnation_{{n}}]"),
    ("ExtHandler", f"[{_HANDLER}-1.0.9218.0] Enable extension: [main/handle.sh enable]"),
    ("ExtHandler", f"[{_HANDLER}-1.0.9218.0] Command: main/handle.sh enable"),
    ("ExtHandler", "ProcessExtensionsGoalState completed [incarnation_{n} 312 ms]"),
    ("MonitorHandler", "Stopped tracking cgroup Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.29.7"),
    ("EnvHandler", "Periodic recording of the agent's resource usage"),
    ("ExtHandler", "Downloaded certificate {{'thumbprint': 'F0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3', 'hasPrivateKey': True}}"),
]
#: rare errors and warnings (0.2% of records), the lines signatures look for
_RARE_D = [
    ("WARNING", "ExtHandler", "[PERIODIC] Request failed with the current host plugin configuration. ContainerId: 7b2a, role config file: WireServer"),
    ("ERROR", "ExtHandler", "Error fetching the goal state: [ProtocolError] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out -- 6 attempts made"),
    ("ERROR", "ExtHandler", f"[{_HANDLER}-1.0.9218.0] Event: name={_HANDLER}, op=Enable, message=Enable failed with exit code 1, duration=0"),
    ("WARNING", "ExtHandler", "Unable to retrieve status for handler: timed out"),
]
_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3/dist-packages/azurelinuxagent/common/utils/restutil.py", line 200, in http_request\n'
    "    raise HttpError('timed out')\n"
    "azurelinuxagent.common.exception.HttpError: [HttpError] timed out\n"
)
_EXTENSION_LINES = [
    "starting enable",
    "Python version: 3.6.8",
    "taskId: 1771733c-ebbb-4780-afb6-839b3cbe37df",
    "doing freeze now...",
    "freeze result 0",
    "doing snapshot now...",
    "snapshot done",
    "doing thaw now...",
    "thaw result 0",
    "the sequence number are same, so skip, current:24== last:24",
]


def _stamp(second: int, rng: random.Random, era: str) -> str:
    day, rest = 1 + second // 86400 % 28, second % 86400
    hh, mm, ss = rest // 3600, rest // 60 % 60, rest % 60
    if era == "A":
        return f"2015/05/{day:02d} {hh:02d}:{mm:02d}:{ss:02d}"
    if era == "B":
        return f"2019/05/{day:02d} {hh:02d}:{mm:02d}:{ss:02d}.{rng.randint(0, 999999):06d}"
    return f"2024-05-{day:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{rng.randint(0, 999999):06d}Z"


def make_agent_log(size: int, seed: int = 7) -> bytes:
    """A waagent.log of ``size`` bytes: 2% era A, 10% era B, 3% era C, then era D (the newest)."""
    rng = random.Random(seed)
    parts: list[str] = []
    written = second = 0
    while written < size:
        second += rng.randint(0, 3)
        share = written / size
        era = "A" if share < 0.02 else "B" if share < 0.12 else "C" if share < 0.15 else "D"
        rare = rng.random() < 0.002
        if rare:
            level, thread, message = rng.choice(_RARE_D)
        else:
            thread, message = rng.choice(_ROUTINE_D)
            level = "INFO"
        message = message.replace("{n}", str(second % 997)).replace("{{", "{").replace("}}", "}")
        stamp = _stamp(second, rng, era)
        if era == "A":
            glued = "" if level == "INFO" else f"{level}:"
            line = f"{stamp} {glued}{message}\n"
        elif era in ("B", "C"):
            line = f"{stamp} {level} {'ExtHandler ' if thread == 'ExtHandler' else ''}{message}\n"
        else:
            line = f"{stamp} {level} {thread} {message}\n"
        if rare and level == "ERROR" and era != "A":
            line += _TRACEBACK
        parts.append(line)
        written += len(line)
    return "".join(parts).encode("ascii")


def make_extension_log(size: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    parts: list[str] = []
    written = second = 0
    while written < size:
        second += rng.randint(1, 5)
        day, rest = 1 + second // 86400 % 28, second % 86400
        stamp = f"2024-05-{day:02d} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}.{rng.randint(0, 999999):06d}"
        line = f"{stamp} [{_HANDLER}-1.0]{rng.choice(_EXTENSION_LINES)}\n"
        parts.append(line)
        written += len(line)
    return "".join(parts).encode("ascii")


def make_bundle(folder: Path, size: int) -> int:
    """Lay out a Linux bundle with ``size`` bytes of agent log; returns the bundle's total bytes."""
    log = folder / "var/log/waagent.log"
    extension = folder / f"var/log/azure/{_HANDLER}/extension.log"
    for path in (log, extension):
        path.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(make_agent_log(size))
    extension.write_bytes(make_extension_log(size // 20))
    return log.stat().st_size + extension.stat().st_size


def _to_ere(pattern: str) -> str | None:
    """A signature regex (RE2 subset) as a POSIX ERE for grep, or None when it has no ERE form."""
    pattern = pattern.replace("(?i)", "")
    pattern = re.sub(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>", "(", pattern)
    pattern = pattern.replace("(?:", "(").replace("\\d", "[0-9]")
    pattern = re.sub(r"([*+?}])\?", r"\1", pattern)
    if "(?" in pattern:
        return None
    return pattern


def grep_patterns(folder: Path) -> Path:
    """The shipped signatures' message patterns that grep -E accepts, one a line."""
    patterns: list[str] = []
    for pack in sorted((REPO / "signatures").glob("*.toml")):
        data = tomllib.loads(pack.read_text(encoding="utf-8"))
        for rule in data.get("signature", []):
            text = rule.get("message")
            converted = _to_ere(text) if isinstance(text, str) else None
            if converted and converted not in patterns:
                check = subprocess.run(["grep", "-E", "-e", converted, "/dev/null"], capture_output=True)
                if check.returncode == 1:  # 1: valid pattern, no match; 2: grep refused it
                    patterns.append(converted)
    path = folder / "patterns.txt"
    path.write_text("\n".join(patterns) + "\n", encoding="utf-8")
    return path


def run(command: list[str], **options) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **options)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}: {error.strip()[-400:]}")
    return elapsed, usage.ru_maxrss * 1024


def medians(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, int]]:
    """Run the commands alternately ``repeat`` times; median seconds and max peak RSS of each."""
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, int] = {name: 0 for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            elapsed, peak = run(command)
            seconds[name].append(elapsed)
            peaks[name] = max(peaks[name], peak)
    return {name: (statistics.median(seconds[name]), peaks[name]) for name in commands}


def _cli(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "loganalyzer", *arguments]


def measure_size(mib: int, repeat: int, work: Path) -> dict:
    folder = work / f"bundle-{mib}"
    total = make_bundle(folder, mib * MiB)
    patterns = grep_patterns(work)
    files = [str(p) for p in folder.rglob("*") if p.is_file()]
    figures = medians(
        {
            "grep": ["grep", "-c", "-E", "-i", "-f", str(patterns), *files],
            "diagnose": _cli("diagnose", str(folder), "--format", "json"),
            "events_parquet": _cli("events", str(folder), "--format", "parquet", "-o", str(work / "events.parquet")),
        },
        repeat,
    )
    grep_seconds = figures["grep"][0]
    result = {"mib": mib, "bytes": total, "patterns": sum(1 for _ in patterns.open())}
    for name, (seconds, peak) in figures.items():
        result[name] = {
            "seconds": round(seconds, 3),
            "mb_per_s": round(total / 1e6 / seconds, 1),
            "peak_rss_mb": round(peak / 1e6, 1),
            "x_grep": round(seconds / grep_seconds, 2),
        }
    shutil.rmtree(folder)
    return result


def measure_small(repeat: int) -> dict:
    sample = REPO / "samples" / "linux-collector-logs.zip"
    figures = medians(
        {
            "import_pandas_pyarrow": [sys.executable, "-c", "import pandas, pyarrow"],
            "diagnose_small": _cli("diagnose", str(sample)),
            "import_loganalyzer": [sys.executable, "-c", "import loganalyzer"],
            "python": [sys.executable, "-c", "pass"],
        },
        repeat,
    )
    base = figures["import_pandas_pyarrow"][0]
    return {
        "diagnose_small_seconds": round(figures["diagnose_small"][0], 3),
        "import_pandas_pyarrow_seconds": round(base, 3),
        "diagnose_small_x_import": round(figures["diagnose_small"][0] / base, 2),
        "import_loganalyzer_seconds": round(figures["import_loganalyzer"][0] - figures["python"][0], 3),
    }


def measure_batch(work: Path) -> dict:
    samples = [p for p in (REPO / "samples").iterdir() if p.is_dir() or p.suffix == ".zip"]
    out = work / "batch-out"
    elapsed, peak = run(_cli("batch", str(REPO / "samples"), "-o", str(out), "--workers", str(min(2, os.cpu_count() or 1)), "--quiet"))
    shutil.rmtree(out, ignore_errors=True)
    return {"bundles": len(samples), "seconds": round(elapsed, 2), "bundles_per_s": round(len(samples) / elapsed, 2), "peak_rss_mb": round(peak / 1e6, 1)}


def measure_evtx(work: Path) -> dict | None:
    import evtx

    def whole(path: Path) -> bool:
        """Only undamaged files: the bare iterator stops at a damaged chunk, ours goes on."""
        try:
            for record in evtx.PyEvtxParser(str(path)).records_json():
                json.loads(record["data"])
        except (RuntimeError, ValueError):
            return False
        return True

    candidates = sorted((SHARED / "fixtures" / "windows").rglob("*.evtx"), key=lambda p: p.stat().st_size, reverse=True)
    fixtures = [path for path in candidates if whole(path)][:6]
    if not fixtures:
        return None

    from loganalyzer import read_bundle

    folder = work / "evtx"
    folder.mkdir(exist_ok=True)
    for number, path in enumerate(fixtures):
        shutil.copyfile(path, folder / f"{number}-{path.name}")

    def raw() -> int:
        count = 0
        for path in folder.iterdir():
            for record in evtx.PyEvtxParser(str(path)).records_json():
                json.loads(record["data"])
                count += 1
        return count

    def ours() -> int:
        return len(read_bundle(folder).event_table)

    rates = {}
    for name, function in (("raw_iterator_json_loads", raw), ("loganalyzer", ours)):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            count = function()
            best = min(best, time.perf_counter() - start)
        rates[name] = {"records": count, "records_per_s": round(count / best)}
    rates["ratio"] = round(rates["loganalyzer"]["records_per_s"] / rates["raw_iterator_json_loads"]["records_per_s"], 3)
    return rates


def render(figures: dict) -> str:
    lines = ["whole process, medians of alternating runs (ratios against grep in the same run)", ""]
    lines.append(f"{'MiB':>6} {'grep s':>8} {'diagnose s':>11} {'x grep':>7} {'MB/s':>7} {'peak MB':>8} {'events->parquet s':>18} {'MB/s':>7} {'peak MB':>8}")
    for size in figures["sizes"]:
        g, d, e = size["grep"], size["diagnose"], size["events_parquet"]
        lines.append(
            f"{size['mib']:>6} {g['seconds']:>8.2f} {d['seconds']:>11.2f} {d['x_grep']:>7.1f} {d['mb_per_s']:>7.1f} {d['peak_rss_mb']:>8.0f}"
            f" {e['seconds']:>18.2f} {e['mb_per_s']:>7.1f} {e['peak_rss_mb']:>8.0f}"
        )
    if figures["sizes"]:
        lines.append(f"       (grep over {figures['sizes'][0]['patterns']} signature patterns, -E -i)")
    small = figures.get("small")
    if small:
        lines += [
            "",
            f"small bundle diagnose {small['diagnose_small_seconds']:.2f} s = {small['diagnose_small_x_import']:.2f}x "
            f"'import pandas, pyarrow' ({small['import_pandas_pyarrow_seconds']:.2f} s); import loganalyzer {small['import_loganalyzer_seconds']:.2f} s",
        ]
    batch = figures.get("batch")
    if batch:
        lines.append(f"batch over {batch['bundles']} samples: {batch['bundles_per_s']:.1f} bundles/s ({batch['seconds']:.1f} s, peak {batch['peak_rss_mb']:.0f} MB)")
    evtx_rates = figures.get("evtx")
    if evtx_rates:
        lines.append(
            f"evtx: {evtx_rates['loganalyzer']['records_per_s']} records/s against {evtx_rates['raw_iterator_json_loads']['records_per_s']} "
            f"for the bare iterator + json.loads ({evtx_rates['ratio']:.2f}x)"
        )
    elif "evtx" in figures:
        lines.append("evtx: skipped, ../shared/fixtures/windows not beside the repo")
    return "\n".join(lines)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--mb", default="32,64", help="agent log sizes in MiB, comma-separated")
    options.add_argument("--repeat", type=int, default=3, help="alternating runs per size (median)")
    options.add_argument("--skip", default="", help="comma-separated parts to skip: sizes,small,batch,evtx")
    options.add_argument("--json", help="also write the figures to this file")
    args = options.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    figures: dict = {"sizes": []}
    with tempfile.TemporaryDirectory(prefix="loganalyzer-speed-") as temp:
        work = Path(temp)
        if "sizes" not in skip:
            for mib in (int(part) for part in args.mb.split(",")):
                repeat = args.repeat if mib <= 256 else 1
                figures["sizes"].append(measure_size(mib, repeat, work))
                print(f"measured {mib} MiB", file=sys.stderr)
        if "small" not in skip:
            figures["small"] = measure_small(max(args.repeat, 5))
        if "batch" not in skip:
            figures["batch"] = measure_batch(work)
        if "evtx" not in skip:
            figures["evtx"] = measure_evtx(work)
    print(render(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
