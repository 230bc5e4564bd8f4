"""Throughput of reading and matching, against baselines measured in the same run.

    python benchmarks/throughput.py [--mb 40]

Prints MB/s for: a baseline that only splits lines and matches the era-D header regex per line
(the floor of any per-line Python parser), our waagent.log parser, read_bundle on a folder with
that log, signature matching over the resulting events, and the evtx parser against the bare
`evtx` iterator on the largest fixture (when ../shared is beside the repo). Figures are ratios
to the baselines, so they stay comparable across machines.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loganalyzer import read_bundle  # noqa: E402
from loganalyzer.matching import match  # noqa: E402
from loganalyzer.signatures import load_signatures  # noqa: E402
from loganalyzer.sources import ParseContext  # noqa: E402
from loganalyzer.sources.linux.agent_log import PARSERS as WAAGENT_PARSERS  # noqa: E402

LINES = [
    "INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running as the goal state agent [DEBUG HeartbeatCounter: 12;HeartbeatId: 4C6F0B1E-2F50-4A43-9A43-1D2B3E4F5A6B;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]",
    "INFO ExtHandler ExtHandler Fetched a new incarnation for the WireServer goal state [incarnation 41]",
    "INFO ExtHandler ExtHandler ProcessExtensionsGoalState started [incarnation_41 2024-05-30T13:15:45.331589Z]",
    "INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Target handler state: enabled [incarnation_41]",
    "INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Enable extension: [main/handle.sh enable]",
    "WARNING ExtHandler ExtHandler [PERIODIC] Request failed with the current host plugin configuration",
    "INFO MonitorHandler ExtHandler Stopped tracking cgroup Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.29.7",
    "ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] [HttpError] [HTTP Failed] GET http://168.63.129.16/machine/?comp=goalstate -- IOError timed out -- 6 attempts made",
]


def make_log(megabytes: float) -> bytes:
    rng = random.Random(7)
    out, size, second = [], 0, 0
    while size < megabytes * 1_000_000:
        second += rng.randint(0, 3)
        stamp = f"2024-05-{1 + second // 86400 % 28:02d}T{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{rng.randint(0, 999999):06d}Z"
        line = f"{stamp} {rng.choice(LINES)}\n"
        if rng.random() < 0.01:
            line += "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/azurelinuxagent/common/utils/restutil.py\", line 200\nIOError: timed out\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()


def timed(function, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    options = argparse.ArgumentParser()
    options.add_argument("--mb", type=float, default=40.0, help="size of the synthetic waagent.log")
    args = options.parse_args()

    data = make_log(args.mb)
    megabytes = len(data) / 1e6
    header = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z) (VERBOSE|INFO|WARNING|ERROR) (\S+) (.*)$")

    def baseline() -> None:
        for line in data.decode().split("\n"):
            header.match(line)

    parser = WAAGENT_PARSERS[0]
    context = ParseContext(file="waagent.log", path="var/log/waagent.log")
    base = timed(baseline)
    parse = timed(lambda: parser.parse(data, context), 1)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder, "var/log/waagent.log")
        log.parent.mkdir(parents=True)
        log.write_bytes(data)
        start = time.perf_counter()
        contents = read_bundle(folder)
        whole = time.perf_counter() - start
    signatures = load_signatures()
    events = contents.event_table
    matching = timed(lambda: match(events, signatures), 1)

    print(f"synthetic waagent.log: {megabytes:.1f} MB, {events.num_rows} events, {len(list(signatures))} signatures")
    print(f"{'step':<44}{'MB/s':>10}{'x baseline':>12}")
    for name, seconds in (
        ("baseline: split + header regex per line", base),
        ("waagent.log parser", parse),
        ("read_bundle (folder with that log)", whole),
        ("signature matching over its events", matching),
    ):
        print(f"{name:<44}{megabytes / seconds:>10.1f}{base / seconds:>12.2f}")

    evtx_file = REPO.parent / "shared/fixtures/windows/sans-blue-team_DeepBlueCLI/evtx/many-events-application.evtx"
    if evtx_file.exists():
        from evtx import PyEvtxParser

        from loganalyzer.sources.windows_events import PARSERS as WINDOWS_PARSERS

        raw = evtx_file.read_bytes()
        evtx_parser = next(p for p in WINDOWS_PARSERS if p.name == "evtx")
        bare = timed(lambda: sum(1 for _ in PyEvtxParser(str(evtx_file)).records_json()))
        ours = timed(lambda: evtx_parser.parse(raw, ParseContext(file="a.evtx", path="a.evtx")))
        records = len(evtx_parser.parse(raw, ParseContext(file="a.evtx", path="a.evtx")).events)
        print(f"\nevtx ({evtx_file.name}, {records} records)")
        print(f"{'bare evtx records_json() iterator':<44}{records / bare:>10.0f} rec/s")
        print(f"{'our evtx parser (events with fields)':<44}{records / ours:>10.0f} rec/s  ({bare / ours:.2f} x bare)")


if __name__ == "__main__":
    main()
