"""Many bundles at once: every bundle under a folder diagnosed into Parquet datasets.

    loganalyzer batch fleet/ -o out/ --workers 8
    loganalyzer batch fleet/ -o out/ --engine dask --scheduler tcp://10.0.0.5:8786

    >>> result = loganalyzer.run_batch("fleet/", "out/")
    >>> pandas.read_parquet("out/findings").query("rank == 1").cause.value_counts()

Each bundle goes through the same :func:`~loganalyzer.diagnosis.diagnose` as ``loganalyzer
diagnose``, in a pool of processes (one bundle per task, the signatures loaded once per
worker) or on a ``dask.distributed`` cluster. The output folder holds::

    out/events/<part>.parquet      one part per bundle in each dataset, each with a `bundle` column
    out/evidence/<part>.parquet    which signature matched which event
    out/findings/<part>.parquet    ranked causes, one row per cause
    out/problems/<part>.parquet    what could not be read; a bundle that failed as a whole too
    out/coverage/<part>.parquet    every file: source, lines, events, unparsed
    out/bundles/<part>.parquet     one row per bundle: status, top cause and code, counts
    out/_done/<part>.json          completion marker of a bundle (written after its parts)
    out/_batch.json                the options the datasets were made with
    out/summary.json               the fleet summary of every bundle done

Every file is written under a temporary name starting with ``.``, flushed to disk, then renamed,
so a crash never leaves half a file where a reader looks. A bundle counts as done only once its
marker exists; running again skips bundles that are done, removes parts that have no marker
and redoes their bundles, so an interrupted run followed by a rerun gives the same rows as a run
that was never interrupted. ``force=True`` starts over.

The datasets use plain Parquet types (strings, 32/64-bit integers, doubles, booleans, UTC
microsecond timestamps, lists of strings, and a string-to-string map for ``events.fields``) and
carry no pandas metadata, so pandas, DuckDB and Spark read them alike.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator, Mapping, TextIO

import pyarrow as pa

from .batch_safety import BundleTimeout, OutputInUse, die_with_parent, output_lock, time_limit
from .ranking import LISTED_WORDS
from .redaction import redact

__all__ = [
    "DATASETS",
    "DATASET_SCHEMAS",
    "BatchError",
    "BatchProgress",
    "BatchResult",
    "BundleOutcome",
    "BundleTask",
    "console_progress",
    "diagnose_bundle",
    "diagnosis_tables",
    "find_bundles",
    "run_batch",
]

SUMMARY_SCHEMA = "loganalyzer.batch/1"
DONE_DIR = "_done"
CONFIG_FILE = "_batch.json"
LOCK_FILE = "_batch.lock"
#: seconds one bundle may take before it is recorded as failed (``timeout``)
DEFAULT_BUNDLE_TIMEOUT = 900.0
#: seconds to wait for a Dask scheduler to answer
DEFAULT_CONNECT_TIMEOUT = 20.0
#: problem kinds that mean the bundle itself could not be read
UNREADABLE_KINDS = frozenset({"unreadable", "truncated", "not-recognised"})
SUMMARY_FILE = "summary.json"
NO_CAUSE = "(no cause above possible)"
NO_CODE = "(no code)"
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".gz", ".tbz2", ".bz2", ".txz", ".xz")
#: folder names that mark a VM root (Linux or Windows) when looking for bundles recursively
VM_ROOT_FOLDERS = frozenset({"var", "etc", "windowsazure", "packages"})
_LISTED = LISTED_WORDS
_PART_NAME = re.compile(r"^[A-Za-z0-9._-]+-[0-9a-f]{12}\.(parquet|json)$")

_TIME = pa.timestamp("us", tz="UTC")
_TEXTS = pa.list_(pa.string())


def _schema(*columns: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field("bundle", pa.string(), nullable=False)] + [pa.field(n, t) for n, t in columns])


DATASET_SCHEMAS: dict[str, pa.Schema] = {
    "events": _schema(
        ("file", pa.string()),
        ("line", pa.int32()),
        ("time", _TIME),
        ("source", pa.string()),
        ("level", pa.string()),
        ("component", pa.string()),
        ("message", pa.string()),
        ("fields", pa.map_(pa.string(), pa.string())),
    ),
    "evidence": _schema(
        ("signature", pa.string()),
        ("cause", pa.string()),
        ("weight", pa.float64()),
        ("counter", pa.bool_()),
        ("file", pa.string()),
        ("line", pa.int32()),
        ("time", _TIME),
        ("source", pa.string()),
        ("excerpt", pa.string()),
        ("details", pa.string()),
        ("codes", _TEXTS),
    ),
    "findings": _schema(
        ("rank", pa.int32()),
        ("cause", pa.string()),
        ("title", pa.string()),
        ("score", pa.float64()),
        ("confidence", pa.string()),
        ("codes", _TEXTS),
        ("evidence", pa.int32()),
        ("counter_evidence", pa.int32()),
        ("explanation", pa.string()),
        ("remediation", _TEXTS),
        ("docs", _TEXTS),
    ),
    "problems": _schema(("file", pa.string()), ("kind", pa.string()), ("message", pa.string())),
    "coverage": _schema(
        ("file", pa.string()),
        ("source", pa.string()),
        ("lines", pa.int64()),
        ("events", pa.int64()),
        ("unparsed", pa.int64()),
    ),
    "bundles": _schema(
        ("path", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("verdict", pa.string()),  # failure | healthy | inconclusive (Diagnosis.verdict)
        ("os_family", pa.string()),
        ("attempt", _TIME),
        ("reported_code", pa.string()),
        ("top_cause", pa.string()),
        ("top_confidence", pa.string()),
        ("top_score", pa.float64()),
        ("top_code", pa.string()),
        ("findings", pa.int32()),
        ("events", pa.int64()),
        ("problems", pa.int64()),
    ),
}
DATASETS = tuple(DATASET_SCHEMAS)


class BatchError(Exception):
    """The batch cannot start: the output folder is in use, or was made with other options."""


# -- finding bundles ---------------------------------------------------------------------------


def _is_url(location: str | os.PathLike[str]) -> bool:
    return isinstance(location, str) and "://" in location


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


class _LocalTree:
    """Folder listing on the local file system (what :func:`find_bundles` walks)."""

    def entries(self, folder: str) -> list[tuple[str, bool]]:
        with os.scandir(folder) as found:
            return sorted((e.name, e.is_dir()) for e in found)

    def join(self, folder: str, name: str) -> str:
        return os.path.join(folder, name)


class _RemoteTree:
    """Folder listing through fsspec (``s3://``, ``abfs://``, ``gs://``, ``file://`` ...)."""

    def __init__(self, url: str) -> None:
        import fsspec

        self.filesystem, self.root = fsspec.core.url_to_fs(url)

    def entries(self, folder: str) -> list[tuple[str, bool]]:
        listed = self.filesystem.ls(folder, detail=True)
        return sorted((PurePosixPath(e["name"].rstrip("/")).name, e["type"] == "directory") for e in listed)

    def join(self, folder: str, name: str) -> str:
        return folder.rstrip("/") + "/" + name


def _holds_files(tree, folder: str, depth: int = 4) -> bool:
    """Whether a folder has any (not hidden) file within ``depth`` levels: an empty tree is no bundle."""
    for name, is_dir in tree.entries(folder):
        if name.startswith("."):
            continue
        if not is_dir or (depth > 0 and _holds_files(tree, tree.join(folder, name), depth - 1)):
            return True
    return False


def _is_vm_root(entries: list[tuple[str, bool]]) -> bool:
    """A folder that holds loose files (not archives) or a VM root folder (``var``, ``WindowsAzure``...)."""
    return any(
        (not is_dir and not _is_archive(name)) or (is_dir and name.lower() in VM_ROOT_FOLDERS)
        for name, is_dir in entries
        if not name.startswith(".")
    )


def find_bundles(
    root: str | os.PathLike[str], *, recursive: bool = False, exclude: Iterable[str | os.PathLike[str]] = ()
) -> dict[str, str]:
    """The bundles under ``root``: ``{bundle id: path}``, ids relative to ``root`` with ``/``.

    One level (default): every archive (``.zip``, ``.tar[.gz|.bz2|.xz]``, ``.tgz``, ``.gz``) and
    every folder that holds a file somewhere within it. ``recursive=True``: folders are walked
    down until one looks like a VM root (loose log files, or a ``var``, ``etc``,
    ``WindowsAzure`` or ``Packages`` folder), which is a bundle; archives met on the way are
    bundles too. Hidden entries, ``exclude`` folders and batch outputs are skipped. ``root`` may
    be an fsspec URL (``s3://bucket/fleet``) when fsspec is installed.
    """
    url = _is_url(root)
    tree = _RemoteTree(str(root)) if url else _LocalTree()
    top = tree.root.rstrip("/") if url else os.fspath(root)
    skip = {os.path.realpath(p) for p in map(os.fspath, exclude)} if not url else set()
    found: dict[str, str] = {}

    def location(path: str) -> str:
        return tree.filesystem.unstrip_protocol(path) if url else path

    def visit(folder: str, prefix: str, deep: bool) -> None:
        for name, is_dir in tree.entries(folder):
            path = tree.join(folder, name)
            if name.startswith(".") or (skip and os.path.realpath(path) in skip):
                continue
            bundle_id = prefix + name
            if not is_dir:
                if _is_archive(name):
                    found[bundle_id] = location(path)
                continue
            entries = tree.entries(path)
            if any(n == CONFIG_FILE for n, d in entries if not d):
                continue  # a batch output folder
            if not deep:
                if _holds_files(tree, path):
                    found[bundle_id] = location(path)
            elif _is_vm_root(entries):
                found[bundle_id] = location(path)
            else:
                visit(path, bundle_id + "/", deep)

    top_entries = tree.entries(top)
    if any(is_dir and name.lower() in VM_ROOT_FOLDERS for name, is_dir in top_entries):
        raise BatchError(f"{root} looks like a single bundle (it holds {', '.join(n for n, d in top_entries if d)}); "
                         "give the folder that holds the bundles, or use `loganalyzer diagnose` for one")
    visit(top, "", recursive)
    return found


def _bundle_map(
    bundles: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | Mapping[str, str | os.PathLike[str]],
    recursive: bool,
    out_dir: Path,
) -> dict[str, str]:
    """Bundle ids and locations from a folder, a list of paths, or a ``{id: path}`` mapping.

    Local paths are made absolute: workers may run elsewhere than here. Secrets in ids (a SAS
    in a file name) are masked, since ids appear in every dataset.
    """
    if isinstance(bundles, Mapping):
        found = {str(k): v if _is_url(v) else os.fspath(v) for k, v in bundles.items()}
    elif isinstance(bundles, (str, os.PathLike)):
        found = find_bundles(bundles, recursive=recursive, exclude=[out_dir])
    else:
        found = _named(bundles)
    located = {redact(k): v if _is_url(v) else os.path.abspath(v) for k, v in found.items()}  # an id is output: no SAS in it
    if len(located) != len(found):
        raise BatchError("two bundles would get the same id once secrets in their names are masked; pass a mapping {id: path}")
    return located


def _named(bundles: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """Ids for a list of bundles: their names, or their paths below a common folder when names repeat."""
    locations = [v if _is_url(v) else os.fspath(v) for v in bundles]
    names = [redact(PurePosixPath(str(v).rstrip("/").replace("\\", "/")).name) for v in locations]
    if len(set(names)) != len(names):
        common = os.path.commonpath([os.path.abspath(v) for v in locations if not _is_url(v)] or ["/"])
        names = [v if _is_url(v) else os.path.relpath(os.path.abspath(v), common).replace(os.sep, "/") for v in locations]
    if len(set(names)) != len(names):
        raise BatchError("two bundles would get the same id; pass a mapping {id: path} instead")
    return dict(zip(names, locations))


def part_name(bundle_id: str) -> str:
    """File name stem of a bundle's parts: readable, and unique by a hash of the id."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", bundle_id).strip("._")[:60] or "bundle"
    return f"{readable}-{hashlib.sha1(bundle_id.encode('utf-8')).hexdigest()[:12]}"


# -- one bundle --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleTask:
    """What a worker needs to diagnose one bundle and write its parts (picklable)."""

    bundle: str
    source: str
    out_dir: str
    part: str
    lang: str = "en"
    signatures: tuple[str, ...] = ()
    tuning: str | None = None
    tz: str | None = None
    timeout: float | None = DEFAULT_BUNDLE_TIMEOUT
    include_experimental: bool = False


@dataclass
class BundleOutcome:
    """What became of one bundle; the completion marker is this as JSON."""

    bundle: str
    part: str
    path: str
    status: str  # ok | unreadable (nothing in it could be read) | failed
    error: str | None = None
    top_cause: str | None = None
    top_confidence: str | None = None
    top_code: str | None = None
    os_family: str | None = None
    events: int = 0
    findings: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: False when the outcome could not be stored (a full disk): no completion marker is
    #: written, so a plain rerun does the bundle again
    stored: bool = True


@lru_cache(maxsize=4)
def _signatures_for(extra_dirs: tuple[str, ...], tuning: str | None, include_experimental: bool = False):
    """Knowledge and signatures, loaded once per worker process for each set of options."""
    from .rules import load_knowledge, load_signatures

    knowledge = load_knowledge()
    signatures = load_signatures(
        extra_dirs=extra_dirs, tuning=tuning, knowledge=knowledge, include_experimental=include_experimental
    )
    return signatures, knowledge


def _load_worker_signatures(extra_dirs: tuple[str, ...], tuning: str | None, include_experimental: bool = False) -> None:
    """Process pool initializer: die with the batch, load the signatures before the first bundle."""
    die_with_parent()
    _signatures_for(extra_dirs, tuning, include_experimental)


@contextmanager
def _local_copy(source: str) -> Iterator[str]:
    """A local path for a bundle: the path itself, or a download of an fsspec URL to a temporary folder."""
    if not _is_url(source):
        yield source
        return
    import fsspec

    filesystem, remote = fsspec.core.url_to_fs(source)
    name = PurePosixPath(remote.rstrip("/")).name or "bundle"
    with tempfile.TemporaryDirectory(prefix="loganalyzer-") as scratch:
        local = os.path.join(scratch, name)
        if filesystem.isdir(remote):
            filesystem.get(remote.rstrip("/") + "/", local + "/", recursive=True)
        else:
            filesystem.get_file(remote, local)
        yield local


def _strings(values) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def _frame_table(frame, name: str, bundle: str) -> pa.Table:
    """A Diagnosis DataFrame as an Arrow table of the dataset's schema, with the bundle column."""
    schema = DATASET_SCHEMAS[name]
    table = pa.Table.from_pandas(frame, preserve_index=False) if len(frame.columns) else pa.table({})
    columns = {"bundle": pa.array([bundle] * len(frame), pa.string())}
    for column in schema.names[1:]:
        target = schema.field(column).type
        if column not in table.column_names:
            columns[column] = pa.nulls(len(frame), target)
            continue
        values = table[column]
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        columns[column] = values.cast(target)
    return pa.table(columns, schema=schema)


def diagnosis_tables(diagnosis, bundle: str, path: str | None = None) -> dict[str, pa.Table]:
    """A Diagnosis as one Arrow table per dataset (see :data:`DATASET_SCHEMAS`), tagged with ``bundle``."""
    tables = {name: _frame_table(getattr(diagnosis, name), name, bundle) for name in ("events", "evidence", "problems", "coverage")}
    findings = diagnosis.findings
    tables["findings"] = pa.table(
        {
            "bundle": pa.array([bundle] * len(findings), pa.string()),
            "rank": pa.array([f.rank or n for n, f in enumerate(findings, 1)], pa.int32()),
            "cause": _strings(f.cause for f in findings),
            "title": _strings(f.title for f in findings),
            "score": pa.array([round(float(f.score), 6) for f in findings], pa.float64()),
            "confidence": _strings(f.confidence for f in findings),
            "codes": pa.array([list(f.codes) for f in findings], _TEXTS),
            "evidence": pa.array([len(f.evidence) for f in findings], pa.int32()),
            "counter_evidence": pa.array([len(f.counter_evidence) for f in findings], pa.int32()),
            "explanation": _strings(f.explanation for f in findings),
            "remediation": pa.array([list(f.remediation) for f in findings], _TEXTS),
            "docs": pa.array([list(f.docs) for f in findings], _TEXTS),
        },
        schema=DATASET_SCHEMAS["findings"],
    )
    listed = diagnosis.listed()
    top = listed[0] if listed else None
    tables["bundles"] = pa.table(
        {
            "bundle": [bundle],
            "path": [path if path is not None else diagnosis.bundle],
            "status": [_status(diagnosis)],
            "error": pa.nulls(1, pa.string()),
            "verdict": [diagnosis.verdict],
            "os_family": [diagnosis.os_family],
            "attempt": pa.array([diagnosis.attempt], _TIME),
            "reported_code": [diagnosis.reported_code],
            "top_cause": [top.cause if top else None],
            "top_confidence": [top.confidence if top else None],
            "top_score": pa.array([round(float(top.score), 6) if top else None], pa.float64()),
            "top_code": [diagnosis.codes[0].code if diagnosis.codes else None],
            "findings": pa.array([len(listed)], pa.int32()),
            "events": pa.array([len(diagnosis.events)], pa.int64()),
            "problems": pa.array([len(diagnosis.problems)], pa.int64()),
        },
        schema=DATASET_SCHEMAS["bundles"],
    )
    return tables


def _status(diagnosis) -> str:
    """``unreadable`` when nothing in the bundle could be read (no event, no file a parser
    claimed, or only problems that say the input itself is broken), ``ok`` otherwise: a bundle
    that could not be read is never counted with the healthy ones."""
    if len(diagnosis.events):
        return "ok"
    coverage = diagnosis.coverage
    claimed = 0 if coverage.empty else int((coverage["source"].astype(str) != "unrecognised").sum())
    kinds = set(diagnosis.problems["kind"].astype(str)) if len(diagnosis.problems) else set()
    return "unreadable" if claimed == 0 or kinds & UNREADABLE_KINDS else "ok"


def _failure_tables(bundle: str, path: str, kind: str, message: str) -> dict[str, pa.Table]:
    """Empty parts for a bundle that failed as a whole, with its reason in ``problems`` and ``bundles``."""
    tables = {name: DATASET_SCHEMAS[name].empty_table() for name in DATASETS}
    tables["problems"] = pa.table(
        {"bundle": [bundle], "file": [path], "kind": [kind], "message": [message]}, schema=DATASET_SCHEMAS["problems"]
    )
    row = {name: [None] for name in DATASET_SCHEMAS["bundles"].names}
    row.update(bundle=[bundle], path=[path], status=["failed"], error=[message], verdict=["inconclusive"], findings=[0], events=[0], problems=[1])
    tables["bundles"] = pa.table(row, schema=DATASET_SCHEMAS["bundles"])
    return tables


def _fsync_folder(folder: str) -> None:
    if os.name == "nt":  # folders cannot be opened for fsync on Windows; renames there are durable enough
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(final: str, write: Callable[[object], None]) -> None:
    """Write to a hidden temporary name beside ``final``, fsync it, rename it into place."""
    folder, name = os.path.split(final)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _write_parts(out_dir: str, part: str, tables: Mapping[str, pa.Table]) -> None:
    """One Parquet part per dataset for this bundle, each written atomically, folders synced after."""
    import pyarrow.parquet as pq

    for name in DATASETS:
        folder = os.path.join(out_dir, name)
        table = tables[name].replace_schema_metadata(None)
        _write_atomically(os.path.join(folder, part + ".parquet"), lambda handle, t=table: pq.write_table(t, handle))
    for name in DATASETS:
        _fsync_folder(os.path.join(out_dir, name))


def _problem_kinds(table: pa.Table) -> dict[str, int]:
    return dict(sorted(Counter(table["kind"].to_pylist()).items()))


def diagnose_bundle(task: BundleTask) -> BundleOutcome:
    """Diagnose one bundle and write its parts; whatever goes wrong becomes a failed outcome.

    This is the function both engines run on their workers. A bundle that takes longer than
    ``task.timeout`` fails as ``timeout``; any exception, ``SystemExit`` included, as
    ``diagnose-failed``; parts that cannot be written (a full disk) leave nothing behind and an
    outcome that is not stored, so the next run does the bundle again. The completion marker is
    left to the caller, which writes it once the outcome has come back.
    """
    from .diagnosis import diagnose

    started = time.perf_counter()
    try:
        with time_limit(task.timeout):
            signatures, knowledge = _signatures_for(task.signatures, task.tuning, task.include_experimental)
            zone = None
            if task.tz:
                from zoneinfo import ZoneInfo

                zone = ZoneInfo(task.tz)
            with _local_copy(task.source) as local:
                diagnosis = diagnose(local, lang=task.lang, signatures=signatures, knowledge=knowledge, tz=zone)
            tables = diagnosis_tables(diagnosis, task.bundle, redact(task.source))
    except BundleTimeout as error:
        return _record_failure(task, "timeout", f"{error}; not diagnosed", started)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a bundle that cannot be diagnosed at all is recorded, the batch goes on
        return _record_failure(task, "diagnose-failed", f"{type(error).__name__}: {error}", started)
    try:
        _write_parts(task.out_dir, task.part, tables)
    except OSError as error:
        return _not_stored(task, error, started)
    row = tables["bundles"].to_pylist()[0]
    return BundleOutcome(
        bundle=task.bundle,
        part=task.part,
        path=redact(task.source),
        status=row["status"],
        top_cause=row["top_cause"],
        top_confidence=row["top_confidence"],
        top_code=row["top_code"],
        os_family=row["os_family"],
        events=row["events"],
        findings=row["findings"],
        problems=_problem_kinds(tables["problems"]),
        seconds=round(time.perf_counter() - started, 4),
    )


def _record_failure(task: BundleTask, kind: str, message: str, started: float | None = None) -> BundleOutcome:
    """Parts and outcome of a bundle that failed as a whole (a URL's or message's secrets masked)."""
    message = redact(message)
    try:
        _write_parts(task.out_dir, task.part, _failure_tables(task.bundle, redact(task.source), kind, message))
    except OSError as error:
        return _not_stored(task, error, started, f"{kind}: {message}")
    return _failed(task, kind, message, started)


def _failed(task: BundleTask, kind: str, message: str, started: float | None, stored: bool = True) -> BundleOutcome:
    return BundleOutcome(
        bundle=task.bundle,
        part=task.part,
        path=redact(task.source),
        status="failed",
        error=message,
        problems={kind: 1},
        seconds=round(time.perf_counter() - started, 4) if started else 0.0,
        stored=stored,
    )


def _remove_parts(out_dir: str, part: str) -> None:
    for name in DATASETS:
        try:
            os.remove(os.path.join(out_dir, name, part + ".parquet"))
        except OSError:
            pass


def _not_stored(task: BundleTask, error: OSError, started: float | None, before: str = "") -> BundleOutcome:
    """The outcome of a bundle whose parts could not be written (a full disk, a lost mount):
    whatever parts it did write are removed, and it gets no completion marker."""
    _remove_parts(task.out_dir, task.part)
    reason = redact(f"{before + '; ' if before else ''}could not write its parts: {error.strerror or error}")
    return _failed(task, "write-failed", reason, started, stored=False)


# -- engines -----------------------------------------------------------------------------------


def _run_processes(tasks: list[BundleTask], workers: int, report: Callable[[BundleOutcome], None]) -> None:
    """A process pool, a few bundles in flight per worker.

    A worker that dies (a crash in native code, the memory killer) breaks the pool: the bundles
    that were in flight are then run again one at a time, and the one that breaks a pool on its
    own is recorded as ``worker-died``. A worker stuck past twice its bundle's time limit (native
    code that never returns to Python, where the limit is checked) is killed and its bundle
    recorded as ``timeout``.
    """
    pending = deque(tasks)
    suspects: deque[BundleTask] = deque()
    initargs = (tasks[0].signatures, tasks[0].tuning, tasks[0].include_experimental) if tasks else ((), None, False)
    while pending or suspects:
        alone = bool(suspects)
        queue = suspects if alone else pending
        size, limit = (1, 1) if alone else (workers, 2 * workers)
        with ProcessPoolExecutor(max_workers=size, initializer=_load_worker_signatures, initargs=initargs) as pool:
            in_flight: dict = {}
            deadlines: dict = {}
            broken = False
            try:
                while (queue or in_flight) and not broken:
                    while queue and len(in_flight) < limit:
                        future = pool.submit(diagnose_bundle, queue[0])
                        in_flight[future] = queue[0]
                        deadlines[future] = _hard_deadline(queue[0], len(in_flight), size)
                        queue.popleft()  # only once submitted: a broken pool refuses, and the task stays queued
                    finished, _ = wait(in_flight, timeout=_next_check(deadlines), return_when=FIRST_COMPLETED)
                    for future in finished:
                        task = in_flight.pop(future)
                        deadlines.pop(future, None)
                        try:
                            outcome = future.result()
                        except BrokenProcessPool:
                            broken = True
                            if alone:
                                report(_record_failure(task, "worker-died", "the worker process died while diagnosing this bundle"))
                            else:
                                suspects.append(task)
                            continue
                        except KeyboardInterrupt:
                            raise
                        except BaseException as error:  # writing the parts failed on the worker, or it exited
                            outcome = _record_failure(task, "worker-error", f"{type(error).__name__}: {error}")
                        report(outcome)
                    overdue = [f for f, deadline in deadlines.items() if deadline is not None and time.monotonic() > deadline]
                    if overdue and not broken:
                        for future in overdue:
                            task = in_flight.pop(future)
                            deadlines.pop(future)
                            limit_text = f"{task.timeout:g} s" if task.timeout else "its time limit"
                            report(_record_failure(task, "timeout", f"did not finish within {limit_text}; its worker was stopped"))
                        _kill_workers(pool)
                        broken = True
            except BrokenProcessPool:
                broken = True
            except BaseException:  # interrupted, or a marker could not be written: stop at once
                _kill_workers(pool)
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            if broken:
                suspects.extend(in_flight.values())
                in_flight.clear()
                pool.shutdown(wait=True, cancel_futures=True)


def _hard_deadline(task: BundleTask, position: int, workers: int) -> float | None:
    """When the parent gives up on a bundle: twice its time limit, plus the time the bundles
    queued before it may take, plus a minute."""
    if not task.timeout:
        return None
    rounds = 1 + max(0, position - 1) // max(1, workers)
    return time.monotonic() + 2 * task.timeout * rounds + 60


def _next_check(deadlines: dict) -> float | None:
    upcoming = [d for d in deadlines.values() if d is not None]
    return max(0.1, min(upcoming) - time.monotonic()) if upcoming else None


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes at once (they may be stuck in native code)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass


def _run_dask(
    tasks: list[BundleTask],
    workers: int,
    report: Callable[[BundleOutcome], None],
    client=None,
    scheduler: str | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> int:
    """The same per-bundle function on ``dask.distributed``: a given client, a scheduler address,
    or a LocalCluster started here and closed after. Returns how many workers the cluster had."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as error:
        raise BatchError("the dask engine needs dask.distributed: pip install 'loganalyzer[dask]'") from error
    owned: list = []
    try:
        if client is None:
            if scheduler:
                try:
                    client = Client(scheduler, timeout=connect_timeout)
                except (OSError, TimeoutError) as error:
                    raise BatchError(
                        f"cannot reach the Dask scheduler at {scheduler} within {connect_timeout:g} s: {error}"
                    ) from None
                owned.append(client)
            else:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
                owned.append(cluster)
                client = Client(cluster)
                owned.insert(0, client)
        cluster_workers = len(client.scheduler_info().get("workers", {})) or workers
        futures = client.map(diagnose_bundle, tasks, pure=False)
        by_future = dict(zip(futures, tasks))
        for future in as_completed(futures):
            task = by_future.pop(future)
            try:
                outcome = future.result()
            except Exception as error:  # the worker, not diagnose, failed: KilledWorker, or writing the parts
                kind = "worker-died" if type(error).__name__ == "KilledWorker" else "worker-error"
                outcome = _record_failure(task, kind, f"{type(error).__name__}: {error}")
            report(outcome)
            future.release()
        return cluster_workers
    finally:
        for resource in owned:
            resource.close()


# -- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch stands, given to the ``progress`` callback after each bundle (and once at start)."""

    done: int
    total: int
    failed: int
    skipped: int
    elapsed: float
    bundle: str | None = None

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        return (self.total - self.done) / self.rate if self.rate > 0 else None


class _TqdmProgress:
    """A tqdm bar: bundles done, rate, ETA (``tqdm.auto`` picks the notebook widget when there is one)."""

    def __init__(self, stream: TextIO | None = None, notebook: bool = False) -> None:
        from tqdm import tqdm

        if notebook:
            try:
                import ipywidgets  # noqa: F401  (tqdm's notebook bar needs it; without it, text in the cell)
                from tqdm.auto import tqdm
            except ImportError:
                pass
        self._tqdm, self._stream, self._bar, self._failed = tqdm, stream, None, 0

    def __call__(self, update: BatchProgress) -> None:
        if self._bar is None:
            self._bar = self._tqdm(total=update.total, unit="bundle", file=self._stream, dynamic_ncols=True, smoothing=0.1)
        self._bar.update(update.done - self._bar.n)
        if update.failed != self._failed:
            self._failed = update.failed
            self._bar.set_postfix(failed=update.failed)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class _LineProgress:
    """Plain lines every few seconds, for a terminal without tqdm."""

    def __init__(self, stream: TextIO, every: float = 5.0) -> None:
        self._stream, self._every, self._last = stream, every, 0.0

    def __call__(self, update: BatchProgress) -> None:
        now = time.monotonic()
        if update.done not in (0, update.total) and now - self._last < self._every:
            return
        self._last = now
        eta = f", ETA {_duration(update.eta)}" if update.eta is not None and update.done < update.total else ""
        failed = f", {update.failed} failed" if update.failed else ""
        self._stream.write(f"batch: {update.done}/{update.total} bundles, {update.rate:.1f}/s{failed}{eta}\n")
        self._stream.flush()

    def close(self) -> None:
        pass


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def console_progress(stream: TextIO | None = None, *, quiet: bool = False, notebook: bool = False):
    """A progress callback for a person watching: a tqdm bar when tqdm is installed, else plain
    lines every few seconds; ``None`` (no progress) when ``quiet`` or the stream is not a terminal."""
    stream = stream or sys.stderr
    if quiet or (not notebook and not (hasattr(stream, "isatty") and stream.isatty())):
        return None
    try:
        return _TqdmProgress(None if notebook else stream, notebook=notebook)
    except ImportError:
        return _LineProgress(stream)


# -- the batch ---------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What a batch did this run and the fleet summary over every bundle in the output folder."""

    out_dir: Path
    processed: int
    skipped: int
    failed: int
    seconds: float
    engine: str
    workers: int
    summary: dict

    @property
    def throughput(self) -> float:
        """Bundles diagnosed per second in this run."""
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    def dataset(self, name: str):
        """One dataset as a pandas DataFrame (``pandas.read_parquet(out_dir / name)``)."""
        import pandas as pd

        if name not in DATASET_SCHEMAS:
            raise KeyError(f"no dataset {name!r}; the datasets are {', '.join(DATASETS)}")
        return pd.read_parquet(self.out_dir / name)

    def to_text(self, top: int = 10) -> str:
        return render_summary(self.summary, top)


def _fingerprint(extra_dirs: tuple[str, ...], tuning: str | None) -> str:
    """A hash of every signature and knowledge file in use, so a resume with other rules is caught."""
    from .rules import shipped_dir

    digest = hashlib.sha256()
    for folder in (shipped_dir(), *extra_dirs):
        for path in sorted(Path(folder).glob("*.toml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    if tuning:
        digest.update(Path(tuning).read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def _lock(out_dir: Path) -> Iterator[None]:
    """One batch at a time per output folder; the lock dies with the process that holds it."""
    try:
        with output_lock(out_dir):
            yield
    except OutputInUse as error:
        raise BatchError(f"{error}; wait for it to finish, or choose another output folder") from None


def _ours(name: str) -> bool:
    return bool(_PART_NAME.match(name)) or (name.startswith(".") and name.endswith(".tmp"))


def _clear(out_dir: Path) -> None:
    """Remove what an earlier batch wrote (only files named the way we name them)."""
    for folder in (*DATASETS, DONE_DIR):
        if (out_dir / folder).is_dir():
            for path in (out_dir / folder).iterdir():
                if path.is_file() and _ours(path.name):
                    path.unlink()
    for name in (SUMMARY_FILE, CONFIG_FILE):
        (out_dir / name).unlink(missing_ok=True)


def _read_marker(path: Path) -> BundleOutcome | None:
    try:
        return BundleOutcome(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _markers(out_dir: Path) -> dict[str, BundleOutcome]:
    """The bundles that are done: ``{part: outcome}`` from the completion markers."""
    done = {}
    for path in sorted((out_dir / DONE_DIR).glob("*.json")):
        outcome = _read_marker(path)
        if outcome is not None and outcome.part == path.stem:
            done[outcome.part] = outcome
    return done


def _prepare(out_dir: Path, config: dict, force: bool) -> dict[str, BundleOutcome]:
    """Check the options against an earlier run, tidy what a crash left, and return what is done."""
    if force:
        _clear(out_dir)
    recorded_path = out_dir / CONFIG_FILE
    if recorded_path.exists():
        try:
            recorded = json.loads(recorded_path.read_text(encoding="utf-8"))
        except ValueError:
            recorded = None
        if recorded != config:
            differ = sorted(k for k in config if not isinstance(recorded, dict) or recorded.get(k) != config[k])
            raise BatchError(
                f"{out_dir} was made with other options ({', '.join(differ) or 'unreadable ' + CONFIG_FILE}); "
                "rerun with --force (force=True) to start over, or choose another output folder"
            )
    for folder in (*DATASETS, DONE_DIR):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    _write_atomically(str(recorded_path), lambda h: h.write(json.dumps(config, indent=2).encode()))
    done = {
        part: outcome
        for part, outcome in _markers(out_dir).items()
        if all((out_dir / name / f"{part}.parquet").is_file() for name in DATASETS)
    }  # a marker whose parts went missing does not count: the bundle is redone
    for folder in (*DATASETS, DONE_DIR):
        for path in (out_dir / folder).iterdir():
            if not path.is_file():
                continue
            leftover = path.name.startswith(".") and path.name.endswith(".tmp")
            orphan = _PART_NAME.match(path.name) and path.stem not in done
            if leftover or orphan:
                path.unlink()  # half-written, or parts of a bundle that never got its marker: redone below
    return done


def _summarise(out_dir: Path, result: dict) -> dict:
    """The fleet summary over every completed bundle in the output folder."""
    outcomes = sorted(_markers(out_dir).values(), key=lambda o: o.bundle)
    causes = Counter(o.top_cause or NO_CAUSE for o in outcomes if o.status == "ok")
    codes = Counter(o.top_code or NO_CODE for o in outcomes if o.status == "ok")
    kinds: Counter = Counter()
    for outcome in outcomes:
        kinds.update(outcome.problems)
    return {
        "schema": SUMMARY_SCHEMA,
        "bundles": len(outcomes),
        "ok": sum(o.status == "ok" for o in outcomes),
        "unreadable": sum(o.status == "unreadable" for o in outcomes),
        "failed": sum(o.status == "failed" for o in outcomes),
        "run": result,
        "top_causes": dict(causes.most_common()),
        "top_codes": dict(codes.most_common()),
        "problems": {
            "total": sum(kinds.values()),
            "bundles": sum(bool(o.problems) for o in outcomes),
            "kinds": dict(kinds.most_common()),
        },
        "failures": [{"bundle": o.bundle, "error": o.error} for o in outcomes if o.status == "failed"],
    }


def _workers(count: int) -> str:
    return f"{count} worker" + ("" if count == 1 else "s")


def render_summary(summary: dict, top: int = 10) -> str:
    """The fleet summary as a few lines of text (what ``loganalyzer batch`` prints at the end)."""
    run = summary["run"]
    lines = [
        f"{summary['bundles']} bundles in {run['out_dir']}: {summary['ok']} diagnosed, "
        + (f"{summary['unreadable']} unreadable, " if summary.get("unreadable") else "")
        + f"{summary['failed']} failed",
        f"this run: {run['processed']} diagnosed, {run['skipped']} already done, in {run['seconds']:.1f} s"
        + (f" = {run['bundles_per_second']:.2f} bundles/s ({run['engine']}, {_workers(run['workers'])})" if run["processed"] else ""),
    ]
    for title, counts in (("top cause", summary["top_causes"]), ("top code", summary["top_codes"])):
        if counts:
            width = max(len(title), *(len(k) for k in list(counts)[:top]))
            lines += ["", f"{title:<{width}}  bundles"]
            lines += [f"{name:<{width}}  {count:>7}" for name, count in list(counts.items())[:top]]
            if len(counts) > top:
                lines.append(f"... and {len(counts) - top} more")
    problems = summary["problems"]
    kinds = ", ".join(f"{kind} {count}" for kind, count in problems["kinds"].items())
    lines += ["", f"problems: {problems['total']} in {problems['bundles']} bundles" + (f" ({kinds})" if kinds else "")]
    if run.get("not_stored"):
        lines.append(f"not stored (disk full?), redone by the next run: {', '.join(run['not_stored'][:top])}")
    for failure in summary["failures"][:top]:
        lines.append(f"failed: {failure['bundle']}: {failure['error']}")
    if len(summary["failures"]) > top:
        lines.append(f"... and {len(summary['failures']) - top} more failed")
    return "\n".join(lines) + "\n"


def run_batch(
    bundles: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | Mapping[str, str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    engine: str = "processes",
    workers: int | None = None,
    client=None,
    scheduler: str | None = None,
    force: bool = False,
    retry_failed: bool = False,
    recursive: bool = False,
    progress: Callable[[BatchProgress], None] | bool | None = None,
    lang: str = "en",
    signatures: Iterable[str | os.PathLike[str]] = (),
    tuning: str | os.PathLike[str] | None = None,
    tz: str | None = None,
    timeout: float | None = DEFAULT_BUNDLE_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    include_experimental: bool = False,
) -> BatchResult:
    """Diagnose many bundles into Parquet datasets under ``out_dir`` (see the module docstring).

    ``bundles`` is a folder (its bundles are found by :func:`find_bundles`, one level or
    ``recursive``), a list of paths or fsspec URLs (ids are their names), or a mapping
    ``{bundle id: path}``. ``engine`` is ``"processes"`` (a pool of ``workers`` processes,
    default the CPU count) or ``"dask"`` (``client``, or a ``scheduler`` address, or a
    LocalCluster of ``workers`` processes started and closed here). Bundles already done in
    ``out_dir`` are skipped unless ``force``; ``retry_failed`` redoes those that failed.
    ``progress`` is called with a :class:`BatchProgress` after each bundle; ``True`` shows a
    tqdm bar. ``lang``, ``signatures`` (extra signature folders), ``tuning`` and ``tz`` (an IANA
    zone name) are passed to :func:`~loganalyzer.diagnosis.diagnose` for every bundle;
    ``include_experimental`` adds the signatures marked experimental.
    ``timeout`` bounds the seconds one bundle may take (``None``: no bound); past it the bundle
    fails as ``timeout`` and the batch goes on. ``connect_timeout`` bounds the wait for a Dask
    ``scheduler``. Raises :class:`BatchError` when another batch is writing to ``out_dir``.
    """
    if engine not in ("processes", "dask"):
        raise ValueError(f"engine must be 'processes' or 'dask', not {engine!r}")
    out = Path(out_dir).resolve()
    extra_dirs = tuple(os.path.abspath(os.fspath(d)) for d in signatures)
    tuning_path = os.path.abspath(os.fspath(tuning)) if tuning else None
    _signatures_for(extra_dirs, tuning_path, include_experimental)  # fails early on bad rules; forked workers inherit it
    found = _bundle_map(bundles, recursive, out)
    workers = max(1, workers or os.cpu_count() or 1)
    from . import __version__

    config = {
        "schema": SUMMARY_SCHEMA,
        "version": __version__,
        "lang": lang,
        "tz": tz,
        "signatures": list(extra_dirs),
        "tuning": tuning_path,
        "rules": _fingerprint(extra_dirs, tuning_path),
        "experimental": include_experimental,
    }
    out.mkdir(parents=True, exist_ok=True)
    reporter = console_progress(notebook=True) if progress is True else (progress or None)
    with _lock(out):
        done = _prepare(out, config, force)
        tasks = []
        for bundle_id, source in sorted(found.items()):
            part = part_name(bundle_id)
            earlier = done.get(part)
            if earlier is not None and earlier.bundle == bundle_id and not (retry_failed and earlier.status == "failed"):
                continue
            tasks.append(BundleTask(bundle_id, source, str(out), part, lang, extra_dirs, tuning_path, tz, timeout, include_experimental))
        skipped = len(found) - len(tasks)
        started = time.perf_counter()
        tally = {"done": 0, "failed": 0}
        not_stored: list[str] = []

        def report(outcome: BundleOutcome) -> None:
            if outcome.stored:
                try:
                    _write_atomically(
                        str(out / DONE_DIR / f"{outcome.part}.json"),
                        lambda h: h.write(json.dumps(asdict(outcome), ensure_ascii=False).encode("utf-8")),
                    )
                except OSError as error:  # a full disk: no marker, so the next run does this bundle again
                    _remove_parts(str(out), outcome.part)
                    outcome = BundleOutcome(outcome.bundle, outcome.part, outcome.path, "failed",
                                            redact(f"could not write its completion marker: {error.strerror or error}"),
                                            problems={"write-failed": 1}, stored=False)
            if not outcome.stored:
                not_stored.append(outcome.bundle)
            tally["done"] += 1
            tally["failed"] += outcome.status == "failed"
            if reporter:
                reporter(BatchProgress(tally["done"], len(tasks), tally["failed"], skipped, time.perf_counter() - started, outcome.bundle))

        try:
            if reporter:
                reporter(BatchProgress(0, len(tasks), 0, skipped, 0.0))
            if tasks and engine == "processes":
                _run_processes(tasks, workers, report)
            elif tasks:
                workers = _run_dask(tasks, workers, report, client=client, scheduler=scheduler, connect_timeout=connect_timeout)
            _fsync_folder(str(out / DONE_DIR))
        finally:
            if reporter and hasattr(reporter, "close"):
                reporter.close()
        seconds = time.perf_counter() - started
        run = {
            "out_dir": str(out),
            "processed": tally["done"],
            "skipped": skipped,
            "failed": tally["failed"],
            "seconds": round(seconds, 3),
            "bundles_per_second": round(tally["done"] / seconds, 3) if seconds > 0 and tally["done"] else 0.0,
            "engine": engine,
            "workers": workers,
            "not_stored": not_stored,
        }
        summary = _summarise(out, run)
        _write_atomically(
            str(out / SUMMARY_FILE), lambda h: h.write(json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8"))
        )
    return BatchResult(out, tally["done"], skipped, tally["failed"], seconds, engine, workers, summary)
