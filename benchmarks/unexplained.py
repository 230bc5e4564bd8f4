"""Template mining for unexplained errors: the in-house Arrow miner against Drain3.

    python benchmarks/unexplained.py [--copies 200]

Takes every error and warning event of the samples and accuracy bundles, repeats them
``--copies`` times (each copy with its numbers shifted, as a longer log would have them), and
prints for each miner: messages per second and how many templates it finds. Drain3 is measured
only when it is importable (``pip install drain3`` in a scratch venv: it pins old exact versions
of jsonpickle and cachetools, which is why it is not a dependency).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from loganalyzer import read_bundle  # noqa: E402
from loganalyzer.unexplained import mask_messages  # noqa: E402


def messages(copies: int) -> list[str]:
    found: list[str] = []
    for root in (REPO / "samples", REPO / "tests" / "bundles"):
        for bundle in sorted(root.iterdir()):
            if not (bundle.is_dir() or bundle.suffix == ".zip"):
                continue
            events = read_bundle(bundle).event_table
            level = pc.cast(events["level"], pa.string())
            rows = events.filter(pc.fill_null(pc.is_in(level, value_set=pa.array(["error", "warning"])), False))
            found += [text.split("\n", 1)[0] for text in rows["message"].to_pylist()]
    shifted = []
    for copy in range(copies):
        shifted += [re.sub(r"\d+", lambda m: str(int(m.group()) + copy), text) for text in found]
    return shifted


def main() -> None:
    options = argparse.ArgumentParser()
    options.add_argument("--copies", type=int, default=200)
    args = options.parse_args()
    texts = messages(args.copies)
    column = pa.array(texts, pa.string())
    start = time.perf_counter()
    templates = pc.unique(mask_messages(column))
    ours = time.perf_counter() - start
    print(f"{len(texts)} error/warning messages ({len(texts) // args.copies} distinct originals x {args.copies})")
    print(f"loganalyzer (Arrow masks): {len(texts) / ours:,.0f} messages/s, {len(templates)} templates")
    try:
        from drain3 import TemplateMiner
    except ImportError:
        print("drain3: not installed; pip install drain3 in a scratch venv to compare")
        return
    miner = TemplateMiner()
    start = time.perf_counter()
    for text in texts:
        miner.add_log_message(text)
    theirs = time.perf_counter() - start
    print(f"drain3: {len(texts) / theirs:,.0f} messages/s, {len(miner.drain.clusters)} templates")


if __name__ == "__main__":
    main()
