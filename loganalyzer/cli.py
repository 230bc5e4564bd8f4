"""The ``loganalyzer`` command.

    loganalyzer events BUNDLE [-o FILE] [--format table|csv|jsonl|parquet] [--tz ZONE]

Exit status: 0 when the command ran, 2 for a usage error or a bundle path that cannot be read,
3 for an internal error (reported in one line, never as a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from . import __version__
from .reader import BundleContents, read_bundle

__all__ = ["main"]

EXIT_OK, EXIT_USAGE, EXIT_INTERNAL = 0, 2, 3


class UsageError(Exception):
    """A mistake in how the command was called: one line to the user, exit 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loganalyzer", description="Why did this Azure VM backup fail? Reads a support bundle and explains."
    )
    parser.add_argument("--version", action="version", version=f"loganalyzer {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    events = commands.add_parser("events", help="list every event read from a bundle")
    events.add_argument("bundle", help="a folder, .zip, .tar[.gz], .gz or single log file")
    events.add_argument("-o", "--output", help="write to this file instead of standard output")
    events.add_argument("--format", choices=("table", "csv", "jsonl", "parquet"), default="table")
    events.add_argument("--tz", help="the VM's time zone for local-time logs, e.g. Europe/Stockholm")
    events.set_defaults(run=_run_events)
    return parser


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (use an IANA name such as Europe/Stockholm or UTC)") from None


def _read(bundle: str, tz: str | None) -> BundleContents:
    path = Path(bundle)
    if not path.exists():
        raise UsageError(f"no such file or folder: {bundle}")
    if not os.access(path, os.R_OK):
        raise UsageError(f"cannot read {bundle}: permission denied")
    try:
        return read_bundle(path, tz=_zone(tz))
    except (PermissionError, IsADirectoryError, OSError) as error:
        raise UsageError(f"cannot read {bundle}: {error.strerror or error}") from None


def _first_line(text: str, width: int = 160) -> str:
    line = text.split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def _plain_events(contents: BundleContents) -> pd.DataFrame:
    """Events with ``fields`` as a JSON object string, for CSV."""
    frame = contents.events.copy()
    frame["fields"] = [json.dumps(dict(items or []), ensure_ascii=False) for items in contents.event_table["fields"].to_pylist()]
    return frame.astype({"file": str, "source": str, "level": object, "component": object})


def _write_table(contents: BundleContents, out: TextIO) -> None:
    table = contents.event_table
    times = table["time"].to_pylist()
    for file, line, time, source, level, message in zip(
        table["file"].to_pylist(),
        table["line"].to_pylist(),
        times,
        table["source"].to_pylist(),
        table["level"].to_pylist(),
        table["message"].to_pylist(),
    ):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S") if time else "-" * 19
        out.write(f"{stamp}  {(level or '-'):<7}  {source:<14}  {file}:{line}  {_first_line(message)}\n")
    coverage = contents.coverage
    parsed = coverage[coverage["source"] != "unrecognised"]
    out.write(
        f"\n{len(table)} events from {len(parsed)} files "
        f"({int(parsed['lines'].sum())} lines, {int(parsed['unparsed'].sum())} unparsed); "
        f"{len(coverage) - len(parsed)} files not recognised; {len(contents.problems)} problems\n"
    )
    for problem in contents.problems.itertuples():
        out.write(f"problem: {problem.kind}: {problem.file}: {problem.message}\n")


def _run_events(args: argparse.Namespace) -> int:
    contents = _read(args.bundle, args.tz)
    if args.format == "parquet":
        if not args.output:
            raise UsageError("--format parquet needs -o FILE")
        import pyarrow.parquet as pq

        pq.write_table(contents.event_table, args.output)
        return EXIT_OK
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        if args.format == "table":
            _write_table(contents, out)
        elif args.format == "csv":
            _plain_events(contents).to_csv(out, index=False)
        else:
            for row in contents.event_table.to_pylist():
                row["fields"] = dict(row["fields"] or [])
                row["time"] = row["time"].isoformat() if row["time"] else None
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"loganalyzer: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # the reader of our output went away (e.g. `| head`); nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # never a traceback for the user; the one line says what broke
        print(f"loganalyzer: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
