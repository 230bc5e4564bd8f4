"""The ``loganalyzer`` command.

    loganalyzer diagnose BUNDLE [--code CODE] [--format text|markdown|json|html] [--lang en|sv]
                                [--signatures DIR] [--tuning FILE] [--fail-on LEVEL] [--tz ZONE]
    loganalyzer events BUNDLE [-o FILE] [--format table|csv|jsonl|parquet] [--tz ZONE]
    loganalyzer signatures list | validate [DIR] | test [DIR]
    loganalyzer batch DIR -o OUT [--recursive] [--workers N] [--engine processes|dask]
                                 [--scheduler ADDR] [--force] [--retry-failed] [--quiet]
                                 [--lang en|sv] [--signatures DIR] [--tuning FILE] [--tz ZONE]

Exit status: 0 when the command ran; 1 when ``diagnose --fail-on LEVEL`` found a cause at that
level or above, or ``signatures validate|test`` found problems; 2 for a usage error or a bundle
path that cannot be read; 3 for an internal error (one line, never a traceback).
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

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
CONFIDENCE_ORDER = ("certain", "likely", "possible")


class UsageError(Exception):
    """A mistake in how the command was called: one line to the user, exit 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loganalyzer", description="Why did this Azure VM backup fail? Reads a support bundle and explains."
    )
    parser.add_argument("--version", action="version", version=f"loganalyzer {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    diagnose = commands.add_parser("diagnose", help="why did the backup fail: ranked causes, evidence and fixes")
    diagnose.add_argument("bundle", help="a folder, .zip, .tar[.gz], .gz or single log file")
    diagnose.add_argument("--code", help="the error code the portal showed, e.g. UserErrorGuestAgentStatusUnavailable")
    diagnose.add_argument("--format", choices=("text", "markdown", "json", "html"), default="text")
    diagnose.add_argument("--lang", choices=("en", "sv"), default="en", help="language of titles and remediation")
    diagnose.add_argument("--signatures", action="append", default=[], metavar="DIR", help="a folder of extra signature files (repeatable)")
    diagnose.add_argument("--tuning", metavar="FILE", help="a tuning file: disable signature ids, change weights")
    diagnose.add_argument("--fail-on", choices=CONFIDENCE_ORDER, help="exit 1 when a finding reaches this confidence")
    diagnose.add_argument("--all", action="store_true", help="also list causes below 'possible'")
    diagnose.add_argument("--tz", help="the VM's time zone for local-time logs, e.g. Europe/Stockholm")
    diagnose.add_argument("-o", "--output", help="write to this file instead of standard output")
    diagnose.set_defaults(run=_run_diagnose)

    events = commands.add_parser("events", help="list every event read from a bundle")
    events.add_argument("bundle", help="a folder, .zip, .tar[.gz], .gz or single log file")
    events.add_argument("-o", "--output", help="write to this file instead of standard output")
    events.add_argument("--format", choices=("table", "csv", "jsonl", "parquet"), default="table")
    events.add_argument("--tz", help="the VM's time zone for local-time logs, e.g. Europe/Stockholm")
    events.set_defaults(run=_run_events)

    signatures = commands.add_parser("signatures", help="list, validate or test signature packs")
    actions = signatures.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the signatures in use, one a line")
    listing.add_argument("--signatures", action="append", default=[], metavar="DIR", help="add a folder of signature files")
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
    batch.add_argument("--lang", choices=("en", "sv"), default="en", help="language of titles and remediation")
    batch.add_argument("--signatures", action="append", default=[], metavar="DIR", help="a folder of extra signature files (repeatable)")
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


def _load_signatures(dirs: list[str], tuning: str | None = None):
    from .signatures import SignatureError, load_signatures

    for folder in dirs:
        if not Path(folder).is_dir():
            raise UsageError(f"no such signature folder: {folder}")
    if tuning and not Path(tuning).is_file():
        raise UsageError(f"no such tuning file: {tuning}")
    try:
        return load_signatures(extra_dirs=dirs, tuning=tuning)
    except SignatureError as error:
        raise UsageError(str(error)) from None


def _write(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _run_diagnose(args: argparse.Namespace) -> int:
    from .diagnosis import diagnose

    signatures = _load_signatures(args.signatures, args.tuning)
    path = Path(args.bundle)
    if not path.exists():
        raise UsageError(f"no such file or folder: {args.bundle}")
    try:
        result = diagnose(path, reported_code=args.code, lang=args.lang, signatures=signatures, tz=_zone(args.tz))
    except (PermissionError, IsADirectoryError, OSError) as error:
        raise UsageError(f"cannot read {args.bundle}: {error.strerror or error}") from None
    minimum = "unlikely" if args.all else "possible"
    render = {"text": result.to_text, "markdown": result.to_markdown, "json": result.to_json, "html": result.to_html}
    _write(render[args.format](minimum=minimum), args.output)
    if args.fail_on:
        floor = CONFIDENCE_ORDER.index(args.fail_on)
        if any(f.confidence in CONFIDENCE_ORDER[: floor + 1] for f in result.findings):
            return EXIT_FOUND
    return EXIT_OK


def _run_signatures_list(args: argparse.Namespace) -> int:
    signatures = _load_signatures(args.signatures)
    for signature in signatures:
        causes = ",".join(f"{cause}:{weight:g}" for cause, weight in signature.causes)
        counter = " (counter)" if signature.counter else ""
        sys.stdout.write(f"{signature.id:<52} {signature.kind:<8} {signature.level:<13} {causes}{counter}  {signature.title}\n")
    sys.stdout.write(f"{len(signatures.signatures)} signatures\n")
    return EXIT_OK


def _run_signatures_validate(args: argparse.Namespace) -> int:
    from .signatures import validate

    if args.dir and not Path(args.dir).is_dir():
        raise UsageError(f"no such signature folder: {args.dir}")
    errors = validate(args.dir)
    for error in errors:
        sys.stdout.write(f"{error}\n")
    sys.stdout.write(f"{len(errors)} problem(s)\n")
    return EXIT_FOUND if errors else EXIT_OK


def _run_signatures_test(args: argparse.Namespace) -> int:
    """Each pack loaded on its own, its examples run (``load_pack`` runs them)."""
    from .signatures import SignatureError, load_knowledge, load_pack, shipped_dir

    folder = Path(args.dir) if args.dir else Path(shipped_dir())
    if not folder.is_dir():
        raise UsageError(f"no such signature folder: {args.dir}")
    knowledge = load_knowledge()
    signatures = examples = 0
    problems: list[str] = []
    for pack in sorted(folder.glob("*.toml")):
        if pack.name in ("knowledge.toml", "tuning.toml"):
            continue
        try:
            loaded = load_pack(pack, knowledge=knowledge)
        except SignatureError as error:
            problems += [str(e) for e in error.errors]
            continue
        signatures += len(loaded)
        examples += sum(len(s.examples) for s in loaded)
    for problem in problems:
        sys.stdout.write(f"{problem}\n")
    sys.stdout.write(f"{signatures} signatures passed, {examples} examples; {len(problems)} problem(s)\n")
    return EXIT_FOUND if problems else EXIT_OK


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
    _load_signatures(args.signatures, args.tuning)  # one clear line for bad rules, before any worker starts
    _zone(args.tz)
    if engine == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise UsageError("--engine dask needs dask.distributed: pip install 'loganalyzer[dask]'") from None
    try:
        from .batch import find_bundles

        bundles = find_bundles(args.dir, recursive=args.recursive, exclude=[args.output])
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
            progress=console_progress(sys.stderr, quiet=args.quiet),
            lang=args.lang,
            signatures=args.signatures,
            tuning=args.tuning,
            tz=args.tz,
        )
    except BatchError as error:
        raise UsageError(str(error)) from None
    except ImportError as error:
        raise UsageError(f"{args.dir} needs {error.name or 'fsspec'}: pip install 'loganalyzer[dask]' (and the fsspec back-end)") from None
    except (FileNotFoundError, NotADirectoryError, PermissionError) as error:
        raise UsageError(f"{error.filename or args.dir}: {error.strerror or error}") from None
    sys.stdout.write(result.to_text())
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
