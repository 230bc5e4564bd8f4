"""The ``loganalyzer`` command.

    loganalyzer diagnose BUNDLE [--code CODE] [--format text|markdown|json|html] [--lang LANG]
                                [--all] [--explain|-v] [--color auto|always|never] [--baseline GOOD]
                                [--signatures DIR] [--tuning FILE] [--fail-on LEVEL] [--tz ZONE] [-o FILE]
    loganalyzer diff GOOD BAD [--format text|markdown|json|html] [--lang LANG] [-o FILE]
    loganalyzer events BUNDLE [-o FILE] [--format table|csv|jsonl|parquet] [--columns LIST] [--tz ZONE]
    loganalyzer signatures list | validate [DIR] | test [DIR]
    loganalyzer batch DIR -o OUT [--recursive] [--workers N] [--engine processes|dask]
                                 [--scheduler ADDR] [--force] [--retry-failed] [--quiet]
                                 [--lang LANG] [--signatures DIR] [--tuning FILE] [--tz ZONE]

Exit status: 0 when the command ran; 1 when ``diagnose --fail-on LEVEL`` found a cause at that
level or above, or ``signatures validate|test`` found problems; 2 for a usage error (one line:
a bad option, a path that cannot be read, an unwritable ``-o``, an unknown language, an
unreachable Dask scheduler); 3 for an internal error (one line, never a traceback); 4 when
``diagnose --fail-on`` could not decide (verdict ``inconclusive``: nothing relevant read);
130 when interrupted (``batch`` says how far it got and resumes when run again).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Sequence, TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__
from .escaping import csv_cell, terminal
from .locales import available_languages, locale
from .ranking import LISTED_WORDS
from .reader import BundleContents, read_bundle

__all__ = ["main"]

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERNAL, EXIT_INCONCLUSIVE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
CONFIDENCE_ORDER = LISTED_WORDS
EVENT_COLUMNS = ("time", "level", "source", "place", "event", "message", "file", "line", "component")
DEFAULT_EVENT_COLUMNS = ("time", "level", "source", "place", "event", "message")
SCHEDULER_TIMEOUT = 5.0


class UsageError(Exception):
    """A mistake in how the command was called: one line to the user, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit 2), never the whole usage block."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    languages = available_languages()
    parser = _Parser(prog="loganalyzer", description="Why did this Azure VM backup fail? Reads a support bundle and explains.")
    parser.add_argument("--version", action="version", version=f"loganalyzer {__version__}", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    diagnose = commands.add_parser("diagnose", help="why did the backup fail: verdict, ranked causes, evidence and fixes")
    diagnose.add_argument("bundle", help="a folder, .zip, .tar[.gz], .gz or single log file")
    diagnose.add_argument("--code", help="the error code the portal showed, e.g. UserErrorGuestAgentStatusUnavailable; its documented causes and fixes are listed")
    diagnose.add_argument("--format", choices=("text", "markdown", "json", "html"), default="text", help="text for a terminal (default), markdown for a ticket, json (schema loganalyzer.diagnosis/2), html: one self-contained page")
    diagnose.add_argument("--lang", choices=languages, default="en", help=f"language of the report ({', '.join(languages)})")
    diagnose.add_argument("--signatures", action="append", default=[], metavar="DIR", help="a folder of extra signature files (repeatable)")
    diagnose.add_argument("--include-experimental", action="store_true", help="also use signatures marked status = experimental")
    diagnose.add_argument("--tuning", metavar="FILE", help="a tuning file: disable signature ids, change weights")
    diagnose.add_argument("--fail-on", choices=CONFIDENCE_ORDER, help="exit 1 when a finding reaches this confidence, 4 when the verdict is inconclusive")
    diagnose.add_argument("--all", action="store_true", help="also list the weaker causes (below 'possible') that are hidden by default")
    diagnose.add_argument("-v", "--explain", action="store_true", help="show how each score follows from its evidence (noisy-OR, corroboration, counter-evidence)")
    diagnose.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output: auto (a terminal, unless NO_COLOR is set), always, never")
    diagnose.add_argument("--baseline", metavar="GOOD", help="a bundle from the last good backup: add what changed since it")
    diagnose.add_argument("--tz", help="the VM's time zone for local-time logs, e.g. Europe/Stockholm")
    diagnose.add_argument("-o", "--output", metavar="FILE", help="write to this file instead of standard output")
    diagnose.set_defaults(run=_run_diagnose)

    diff = commands.add_parser("diff", help="what changed between the bundle of a good backup and a failed one")
    diff.add_argument("good", metavar="GOOD", help="the bundle of the last good backup")
    diff.add_argument("bad", metavar="BAD", help="the bundle of the failed backup")
    diff.add_argument("--format", choices=("text", "markdown", "json", "html"), default="text", help="output format (default text)")
    diff.add_argument("--lang", choices=languages, default="en", help=f"language of the report ({', '.join(languages)})")
    diff.add_argument("--tz", help="the VM's time zone for local-time logs, e.g. Europe/Stockholm")
    diff.add_argument("-o", "--output", metavar="FILE", help="write to this file instead of standard output")
    diff.set_defaults(run=_run_diff)

    events = commands.add_parser("events", help="list every event read from a bundle, ordered by time")
    events.add_argument("bundle", help="a folder, .zip, .tar[.gz], .gz or single log file")
    events.add_argument("-o", "--output", metavar="FILE", help="write to this file instead of standard output")
    events.add_argument("--format", choices=("table", "csv", "jsonl", "parquet"), default="table", help="table (default, with a header), csv, jsonl, or parquet (needs -o)")
    events.add_argument("--columns", metavar="LIST", help=f"table columns, comma-separated, from: {', '.join(EVENT_COLUMNS)} (default: {','.join(DEFAULT_EVENT_COLUMNS)})")
    events.add_argument("--tz", help="the VM's time zone for local-time logs, e.g. Europe/Stockholm")
    events.set_defaults(run=_run_events)

    signatures = commands.add_parser("signatures", help="list, validate or test signature packs")
    actions = signatures.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_Parser)
    listing = actions.add_parser("list", help="the signatures in use, one a line")
    listing.add_argument("--signatures", action="append", default=[], metavar="DIR", help="add a folder of signature files")
    listing.add_argument("--include-experimental", action="store_true", help="also use signatures marked status = experimental")
    listing.set_defaults(run=_run_signatures_list)
    for name, helptext, run in (
        ("validate", "check packs: unknown causes, duplicate ids, bad regexes, failing examples", _run_signatures_validate),
        ("test", "run every signature's examples", _run_signatures_test),
    ):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("dir", nargs="?", help="a folder of signature files (default: the shipped packs)")
        action.set_defaults(run=run)

    batch = commands.add_parser("batch", help="diagnose every bundle under a folder into Parquet datasets")
    batch.add_argument("dir", metavar="DIR", help="a folder of bundles (folders, .zip, .tar[.gz]), or an fsspec URL")
    batch.add_argument("-o", "--output", required=True, metavar="OUT", help="the output folder (datasets, markers, summary.json)")
    batch.add_argument("--recursive", action="store_true", help="look for bundles in sub-folders at any depth")
    batch.add_argument("--workers", type=int, metavar="N", help="worker processes (default: the CPU count)")
    batch.add_argument("--engine", choices=("processes", "dask"), help="a local process pool (default) or dask.distributed")
    batch.add_argument("--scheduler", metavar="ADDR", help="join this Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --engine dask)")
    batch.add_argument("--force", action="store_true", help="redo every bundle, even those OUT already holds")
    batch.add_argument("--retry-failed", action="store_true", help="redo the bundles that failed in an earlier run")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.add_argument("--lang", choices=languages, default="en", help=f"language of titles and remediation ({', '.join(languages)})")
    batch.add_argument("--signatures", action="append", default=[], metavar="DIR", help="a folder of extra signature files (repeatable)")
    batch.add_argument("--include-experimental", action="store_true", help="also use signatures marked status = experimental")
    batch.add_argument("--tuning", metavar="FILE", help="a tuning file: disable signature ids, change weights")
    batch.add_argument("--tz", help="the VMs' time zone for local-time logs, e.g. Europe/Stockholm")
    batch.set_defaults(run=_run_batch)

    collect = commands.add_parser("collect-script", help="print the script a customer runs on the VM to collect a bundle")
    collect.add_argument("system", choices=("linux", "windows"), help="bash for Linux and FreeBSD, PowerShell 5.1+ for Windows")
    collect.add_argument("-o", "--output", metavar="FILE", help="write the script to this file instead of standard output")
    collect.set_defaults(run=_run_collect_script)
    return parser


def _run_collect_script(args: argparse.Namespace) -> int:
    """``collect-script linux|windows [-o FILE]``: the shipped collection script, as it is."""
    from .collect import script_text

    text = script_text(args.system)
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    try:
        target.write_text(text, encoding="utf-8", newline="\r\n" if args.system == "windows" else "\n")
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror or error}") from None
    if args.system == "linux":
        target.chmod(target.stat().st_mode | 0o111)
    return EXIT_OK


def _zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (use an IANA name such as Europe/Stockholm or UTC)") from None


def _check_bundle(bundle: str) -> Path:
    path = Path(bundle)
    if not path.exists():
        raise UsageError(f"no such file or folder: {bundle}")
    if not os.access(path, os.R_OK):
        raise UsageError(f"cannot read {bundle}: permission denied")
    return path


def _check_output(output: str | None) -> None:
    """An ``-o`` path that cannot be written is a usage error, found before any work is done."""
    if not output:
        return
    path = Path(output)
    if path.is_dir():
        raise UsageError(f"cannot write {output}: it is a folder")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {output}: no such folder {folder}")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {output}: permission denied")


class _Ticker:
    """Progress on stderr for one long bundle, only when stderr is a terminal: elapsed time while
    reading, then the size and rate once done (silent for work under two seconds)."""

    def __init__(self, path: Path, stream: TextIO | None = None, delay: float = 2.0):
        self.path, self.stream, self.delay = path, stream or sys.stderr, delay
        self.active = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.shown = False
        self._stop = threading.Event()

    def _size(self) -> int:
        if self.path.is_file():
            return self.path.stat().st_size
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file() and not f.is_symlink())

    def _tick(self) -> None:
        started = time.monotonic()
        if self._stop.wait(self.delay):
            return
        while not self._stop.wait(0.5):
            self.shown = True
            self.stream.write(f"\rreading {terminal(self.path.name)}: {time.monotonic() - started:.0f} s")
            self.stream.flush()

    def __enter__(self):
        self.started = time.monotonic()
        if self.active:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.active:
            return
        self._stop.set()
        self._thread.join()
        if self.shown:
            elapsed = time.monotonic() - self.started
            megabytes = self._size() / 1e6
            self.stream.write(f"\rread {terminal(self.path.name)}: {megabytes:.1f} MB in {elapsed:.1f} s ({megabytes / max(elapsed, 1e-6):.1f} MB/s)\n")
            self.stream.flush()


def _read(bundle: str, tz: str | None) -> BundleContents:
    path = _check_bundle(bundle)
    try:
        with _Ticker(path):
            return read_bundle(path, tz=_zone(tz))
    except (PermissionError, IsADirectoryError, OSError) as error:
        raise UsageError(f"cannot read {bundle}: {error.strerror or error}") from None


def _load_signatures(dirs: list[str], tuning: str | None = None, include_experimental: bool = False):
    from .rules import SignatureError, load_signatures

    for folder in dirs:
        if not Path(folder).is_dir():
            raise UsageError(f"no such signature folder: {folder}")
    if tuning and not Path(tuning).is_file():
        raise UsageError(f"no such tuning file: {tuning}")
    try:
        return load_signatures(extra_dirs=dirs, tuning=tuning, include_experimental=include_experimental)
    except SignatureError as error:
        raise UsageError(str(error).splitlines()[0] if str(error) else "invalid signatures") from None


def _write(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write {output}: {error.strerror or error}") from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _use_colour(choice: str, output: str | None, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _diagnose(bundle: str, args, signatures=None):
    from .diagnosis import diagnose

    path = _check_bundle(bundle)
    try:
        with _Ticker(path):
            return diagnose(path, reported_code=getattr(args, "code", None), lang=args.lang, signatures=signatures, tz=_zone(args.tz))
    except (PermissionError, IsADirectoryError, OSError) as error:
        raise UsageError(f"cannot read {bundle}: {error.strerror or error}") from None


def _run_diagnose(args: argparse.Namespace) -> int:
    _check_output(args.output)
    signatures = _load_signatures(args.signatures, args.tuning, args.include_experimental)
    result = _diagnose(args.bundle, args, signatures)
    baseline = _diagnose(args.baseline, args, signatures) if args.baseline else None
    minimum = "unlikely" if args.all else "possible"
    colour = args.format == "text" and _use_colour(args.color, args.output, sys.stdout)
    options = {"explain": args.explain, "baseline": baseline}
    if args.format == "json":
        from .report import render

        text = render(result, "json", minimum, baseline=baseline)
    else:
        render = {"text": result.to_text, "markdown": result.to_markdown, "html": result.to_html}[args.format]
        text = render(minimum=minimum, **options, **({"color": colour} if args.format == "text" else {}))
    _write(text, args.output)
    if args.fail_on:
        floor = CONFIDENCE_ORDER.index(args.fail_on)
        if any(f.confidence in CONFIDENCE_ORDER[: floor + 1] for f in result.findings):
            return EXIT_FOUND
        if result.verdict == "inconclusive":
            return EXIT_INCONCLUSIVE
    return EXIT_OK


def _run_diff(args: argparse.Namespace) -> int:
    from .compare import compare, render_changes_markdown, render_changes_text
    from .report import render

    _check_output(args.output)
    good, bad = _diagnose(args.good, args), _diagnose(args.bad, args)
    if args.format == "html":
        _write(render(bad, "html", baseline=good), args.output)
        return EXIT_OK
    changes = compare(good, bad)
    if args.format == "json":
        _write(json.dumps(changes, indent=2, ensure_ascii=False), args.output)
        return EXIT_OK
    words = locale(args.lang)
    heads = [
        f"{words('labels.title')}: {terminal(d.bundle)}: {words.word('verdict', d.verdict).upper()}: {d.verdict_reason}" for d in (good, bad)
    ]
    if args.format == "markdown":
        lines = [f"- {h}" for h in heads] + [""] + render_changes_markdown(changes, words)
    else:
        lines = heads + [""] + render_changes_text(changes, words)
    _write("\n".join(lines), args.output)
    return EXIT_OK


def _run_signatures_list(args: argparse.Namespace) -> int:
    signatures = _load_signatures(args.signatures, include_experimental=args.include_experimental)
    for signature in signatures:
        causes = ",".join(f"{cause}:{weight:g}" for cause, weight in signature.causes)
        counter = " (counter)" if signature.counter else ""
        sys.stdout.write(f"{signature.id:<52} {signature.kind:<8} {signature.level:<13} {causes}{counter}  {signature.title}\n")
    sys.stdout.write(f"{len(signatures.signatures)} signatures\n")
    return EXIT_OK


def _packs(folder: Path) -> list[Path]:
    return [pack for pack in sorted(folder.glob("*.toml")) if pack.name not in ("knowledge.toml", "tuning.toml")]


def _run_signatures_validate(args: argparse.Namespace) -> int:
    from .rules import SignatureError, load_knowledge, shipped_dir
    from .rules.examples import load_pack, validate

    if args.dir and not Path(args.dir).is_dir():
        raise UsageError(f"no such signature folder: {args.dir}")
    errors = validate(args.dir)
    for error in errors:
        sys.stdout.write(f"{terminal(error)}\n")
    packs = _packs(Path(args.dir) if args.dir else Path(str(shipped_dir())))
    counted = 0
    knowledge = load_knowledge()
    for pack in packs:
        try:
            counted += len(load_pack(pack, knowledge=knowledge))
        except SignatureError:
            pass
    sys.stdout.write(f"{counted} signatures in {len(packs)} packs: {len(errors)} problem{'s' if len(errors) != 1 else ''}\n")
    return EXIT_FOUND if errors else EXIT_OK


def _run_signatures_test(args: argparse.Namespace) -> int:
    """Each pack loaded on its own, its examples run (``load_pack`` runs them)."""
    from .rules import SignatureError, load_knowledge, shipped_dir
    from .rules.examples import load_pack

    folder = Path(args.dir) if args.dir else Path(str(shipped_dir()))
    if not folder.is_dir():
        raise UsageError(f"no such signature folder: {args.dir}")
    knowledge = load_knowledge()
    signatures = examples = 0
    problems: list[str] = []
    for pack in _packs(folder):
        try:
            loaded = load_pack(pack, knowledge=knowledge)
        except SignatureError as error:
            problems += [str(e) for e in error.errors]
            continue
        signatures += len(loaded)
        examples += sum(len(s.examples) for s in loaded)
    for problem in problems:
        sys.stdout.write(f"{terminal(problem)}\n")
    sys.stdout.write(f"{signatures} signatures passed, {examples} examples; {len(problems)} problem(s)\n")
    return EXIT_FOUND if problems else EXIT_OK


def _ordered(table: pa.Table) -> pa.Table:
    """Events by time (untimed last), then file, then line: the same order for any bundle layout."""
    if table.num_rows == 0:
        return table
    timed = pc.is_valid(table["time"]).to_numpy(zero_copy_only=False)
    keys = pd.DataFrame({"untimed": ~timed, "time": table["time"].to_pandas(), "file": pc.cast(table["file"], pa.string()).to_pandas(), "line": table["line"].to_pandas()})
    order = keys.sort_values(["untimed", "time", "file", "line"], kind="stable", na_position="last").index.to_numpy()
    return table.take(pa.array(order))


def _event_cells(row: dict) -> dict[str, str]:
    fields = dict(row["fields"] or [])
    time_ = row["time"]
    if time_ is None:
        stamp = "-"
    elif fields.get("utc_offset") == "unknown":
        stamp = time_.strftime("%Y-%m-%d %H:%M:%S") + " local?"
    else:
        stamp = time_.strftime("%Y-%m-%d %H:%M:%S") + "Z"
    provider, event_id = fields.get("provider"), fields.get("event_id")
    event = f"{provider}/{event_id}" if provider and event_id else (provider or row["component"] or "")
    message = str(row["message"] or "").split("\n", 1)[0]
    return {
        "time": stamp,
        "level": row["level"] or "-",
        "source": str(row["source"]),
        "place": f"{row['file']}:{row['line']}",
        "event": str(event),
        "message": message if len(message) <= 160 else message[:159] + "…",
        "file": str(row["file"]),
        "line": str(row["line"]),
        "component": str(row["component"] or ""),
    }


def _write_table(contents: BundleContents, table: pa.Table, columns: Sequence[str], out: TextIO) -> None:
    words = locale("en")
    rows = [{name: terminal(value) for name, value in _event_cells(row).items()} for row in table.to_pylist()]
    header = {name: words(f"cli.{name}") if words.get(f"cli.{name}") else name.upper() for name in columns}
    widths = {name: max([len(header[name])] + [len(r[name]) for r in rows]) for name in columns[:-1]}
    widths = {name: min(width, 60) for name, width in widths.items()}

    def line(cells: dict) -> str:
        text = "  ".join(f"{cells[name]:<{widths[name]}}" for name in columns[:-1])
        return (text + "  " + cells[columns[-1]]).rstrip() if columns[:-1] else cells[columns[-1]]

    out.write(line(header) + "\n")
    for row in rows:
        out.write(line(row) + "\n")
    coverage = contents.coverage
    parsed = coverage[coverage["source"] != "unrecognised"]
    out.write(
        f"\n{len(table)} events from {len(parsed)} files "
        f"({int(parsed['lines'].sum())} lines, {int(parsed['unparsed'].sum())} unparsed); "
        f"{len(coverage) - len(parsed)} files not recognised; {len(contents.problems)} problems\n"
    )
    for problem in contents.problems.itertuples():
        out.write(f"problem: {terminal(problem.kind)}: {terminal(problem.file)}: {terminal(problem.message)}\n")


def _plain_events(table: pa.Table) -> pd.DataFrame:
    """Events with ``fields`` as a JSON object string, every text cell safe in a spreadsheet."""
    rows = table.to_pylist()
    frame = pd.DataFrame(
        {
            "file": [r["file"] for r in rows],
            "line": [r["line"] for r in rows],
            "time": [r["time"].isoformat() if r["time"] else None for r in rows],
            "source": [r["source"] for r in rows],
            "level": [r["level"] for r in rows],
            "component": [r["component"] for r in rows],
            "message": [r["message"] for r in rows],
            "fields": [json.dumps(dict(r["fields"] or []), ensure_ascii=False) for r in rows],
        },
        columns=["file", "line", "time", "source", "level", "component", "message", "fields"],
    )
    for name in ("file", "source", "level", "component", "message", "fields"):
        frame[name] = frame[name].map(csv_cell)
    return frame


def _problems_to_stderr(contents: BundleContents) -> None:
    for problem in contents.problems.itertuples():
        print(f"loganalyzer: problem: {terminal(problem.kind)}: {terminal(problem.file)}: {terminal(problem.message)}", file=sys.stderr)


def _run_events(args: argparse.Namespace) -> int:
    columns = tuple(c.strip() for c in args.columns.split(",") if c.strip()) if args.columns else DEFAULT_EVENT_COLUMNS
    unknown = [c for c in columns if c not in EVENT_COLUMNS]
    if unknown or not columns:
        raise UsageError(f"unknown column {unknown[0] if unknown else '(none)'!r} (choose from {', '.join(EVENT_COLUMNS)})")
    if args.format == "parquet" and not args.output:
        raise UsageError("--format parquet needs -o FILE")
    _check_output(args.output)
    contents = _read(args.bundle, args.tz)
    table = _ordered(contents.event_table)
    if args.format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, args.output)
        _problems_to_stderr(contents)
        return EXIT_OK
    try:
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror or error}") from None
    try:
        if args.format == "table":
            _write_table(contents, table, columns, out)
        elif args.format == "csv":
            _plain_events(table).to_csv(out, index=False)
            _problems_to_stderr(contents)
        else:
            for row in table.to_pylist():
                row["fields"] = dict(row["fields"] or [])
                row["time"] = row["time"].isoformat() if row["time"] else None
                out.write(json.dumps(row, ensure_ascii=True) + "\n")
            _problems_to_stderr(contents)
    finally:
        if out is not sys.stdout:
            out.close()
    return EXIT_OK


def _check_scheduler(address: str) -> None:
    """A scheduler that cannot be reached is a usage error within seconds, not a 30 s hang."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls", "ws", "wss") or not parts.hostname:
        raise UsageError(f"cannot use Dask scheduler address {address!r} (expected e.g. tcp://10.0.0.5:8786)")
    try:
        with socket.create_connection((parts.hostname, parts.port or 8786), timeout=SCHEDULER_TIMEOUT):
            pass
    except OSError as error:
        reason = "timed out" if isinstance(error, TimeoutError) else (error.strerror or str(error))
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def _run_batch(args: argparse.Namespace) -> int:
    """Every bundle under DIR diagnosed into OUT; the fleet summary on standard output."""
    from .batch import BatchError, console_progress, run_batch

    engine = args.engine or ("dask" if args.scheduler else "processes")
    if args.scheduler and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    if "://" not in args.dir and not Path(args.dir).is_dir():
        raise UsageError(f"no such folder: {args.dir}")
    _load_signatures(args.signatures, args.tuning, args.include_experimental)  # one clear line for bad rules, before any worker starts
    _zone(args.tz)
    if engine == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise UsageError("--engine dask needs dask.distributed: pip install 'loganalyzer[dask]'") from None
        if args.scheduler:
            _check_scheduler(args.scheduler)
    latest = {}
    shown = console_progress(sys.stderr, quiet=args.quiet)

    def progress(update) -> None:
        latest["update"] = update
        if shown is not None:
            shown(update)

    total = 0
    try:
        from .batch import find_bundles

        bundles = find_bundles(args.dir, recursive=args.recursive, exclude=[args.output])
        total = len(bundles)
        if not bundles:
            deeper = "" if args.recursive else "; --recursive looks in sub-folders too"
            raise UsageError(f"no bundles in {args.dir} (folders, .zip, .tar[.gz]){deeper}")
        result = run_batch(
            bundles,
            args.output,
            engine=engine,
            workers=args.workers,
            scheduler=args.scheduler,
            force=args.force,
            retry_failed=args.retry_failed,
            progress=progress,
            lang=args.lang,
            signatures=args.signatures,
            tuning=args.tuning,
            tz=args.tz,
            include_experimental=args.include_experimental,
        )
    except KeyboardInterrupt:
        update = latest.get("update")  # done counts this run's bundles; skipped ones were done before
        done = update.done + update.skipped if update is not None else 0
        print(f"\n{locale('en')('cli.interrupted', done=done, total=total)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BatchError as error:
        raise UsageError(str(error)) from None
    except ImportError as error:
        raise UsageError(f"{args.dir} needs {error.name or 'fsspec'}: pip install 'loganalyzer[dask]' (and the fsspec back-end)") from None
    except (FileNotFoundError, NotADirectoryError, PermissionError) as error:
        raise UsageError(f"{error.filename or args.dir}: {error.strerror or error}") from None
    except (OSError, MemoryError) as error:
        if not args.scheduler:
            raise
        # something answered at the address, but not as a Dask scheduler
        raise UsageError(f"cannot use the Dask scheduler at {args.scheduler}: {type(error).__name__}") from None
    finally:
        if shown is not None and hasattr(shown, "close"):
            shown.close()
    # bundle names and problem messages in the summary are data: no escape sequence reaches the terminal
    sys.stdout.write("".join(terminal(line) + "\n" for line in result.to_text().splitlines()))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        print(f"loganalyzer: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exit_:  # --help, --version
        return int(exit_.code or 0)
    if getattr(args, "command", None) is None:
        parser.print_help()
        return EXIT_OK
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
        return EXIT_INTERRUPTED
    except Exception as error:  # never a traceback for the user; the one line says what broke
        print(f"loganalyzer: internal error: {type(error).__name__}: {terminal(error)}", file=sys.stderr)
        return EXIT_INTERNAL
