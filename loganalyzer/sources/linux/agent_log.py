"""The Linux guest agent's log, ``/var/log/waagent.log``, and its per-extension ``CommandExecution*.log``.

The log was written by four generations of the agent, often several in one file (the daemon
stays on the distribution's version while the auto-updated ext-handler runs newer code), and
by extensions that embedded the old 2.0 logger::

    2016/12/12 19:38:43 Azure Linux Agent Version: WALinuxAgent-2.0.16              era A (local)
    2016/12/12 19:38:44 ERROR:HTTP Err: Status=503                                  era A
    2016/12/12 19:38:43 [Microsoft.OSTCExtensions.LinuxDiagnostic-2.3.9017]cwd is /  EXT20 (local)
    2018/03/05 14:31:57.742721 INFO [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9120.0] Target handler state: enabled
    2019/06/01 10:00:00.123456 INFO ExtHandler Agent WALinuxAgent-2.2.40 is running as the goal state agent
                                                                                      era B (local)
    2019-12-20T08:00:00.000001Z INFO Daemon Azure Linux Agent Version:2.2.46        era C (UTC)
    2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.9.1.1 is running ...
    2024-05-30T13:15:45.331589Z ERROR ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Non-zero exit code: 1, main/handle.sh enable
    [stdout]                                                                          era D (UTC) with
    ...                                                                               continuation lines
    2020-08-01T10:00:00.000000Z ERROR ExtHandler ExtHandler Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=Enable, message=H4sIAAAA..., duration=0

``var/log/azure/<Handler>/CommandExecution[_<ExtName>].log`` holds the agent's records about one
extension in the same grammar (source ``extension.log``, handler from the folder when a record has
no prefix; fields ``target_state``, ``incarnation``, ``handler_state``, ``command``, ``exit_code``)::

    2024-05-30T13:15:45.331589Z INFO ExtHandler [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0] Enable extension: [main/handle.sh enable]

The grammar itself lives in :mod:`.agent_grammar` (syslog copies: :mod:`.agent_syslog`).

Parsing rules (``formats/linux.md`` §1): a line that starts with a record header (one of the
eras above) starts a record; every other line (traceback, ``[stdout]`` block, ``Inner error``,
blank line) belongs to the record before it and is joined to its message with a newline
(trailing blank lines are dropped from the message but counted in the span). Lines before the
first header are unparsed. A continuation line that looks like a torn piece of a header (a
lone ``] [Enable] ...``, a cut timestamp, a level word after stray digits) sets ``torn``; when a
complete header is glued after stray bytes on one line, the bytes go to the previous record
(``torn``) and the header starts a record of its own (also ``torn``).

Era C (2.2.46: ``<ts>Z LEVEL [PREFIX ]MSG``) and era D (2.2.47+: ``<ts>Z LEVEL THREAD [PREFIX ]MSG``)
overlap on lines such as ``... INFO ExtHandler Fetched ...``. Such a line is decided by the
version stated for that process so far (2.2.46 means C), else by the shape of the process's
earlier records in the file, else by the whole file (a process that never wrote a
``THREAD PREFIX`` pair in three or more records is 2.2.46), else D.

Time: eras A, B and EXT20 are local wall-clock time (naive, ``time_basis=local``); C and D are
UTC. Non-ASCII escapes such as ``\\xe9`` written by 2.1+ are left as text.

``fields`` of ``waagent.log`` events (source ``"waagent.log"``):

==========================  ============================================================
``era``                     ``A``, ``B``, ``C``, ``D`` or ``EXT20`` (an extension's embedded 2.0 logger)
``thread``                  era D thread name (``ExtHandler``, ``MonitorHandler``, ...)
``prefix``                  process prefix: ``Daemon``, ``ExtHandler``, ``LogCollector``, ``Firewall``
``handler``                 extension handler of a ``[<Handler>-<Version>]`` record (also the component)
``handler_version``         its version
``agent_version``           agent version in force for the writing process (from the version lines:
                            the daemon's ``Azure Linux Agent Version``, the ext-handler's
                            ``... is running as the goal state agent``); era C implies ``2.2.46``
``agent_version_min``       when no line says the version: the bound implied by the era
``agent_version_max``       (A: 2.0.0-2.0.18, B: 2.1.0-2.2.45, D: 2.2.47-)
``goal_state_agent_version``  latest ``Agent WALinuxAgent-<v> is running as the goal state agent``
``event_name``              ``Event:`` records: ``name=`` (handler or ``WALinuxAgent``)
``event_op``                ``op=`` (``Enable``, ``Download``, ``HeartBeat``, ...)
``event_message``           ``message=`` (decoded when it was gzip+base64; redacted)
``event_duration_ms``       ``duration=`` when present
``event_message_encoding``  ``gzip+base64`` when the message was decoded (agents 2.2.31-2.2.54)
``torn``                    ``1``: the record holds or starts with a torn fragment of another write
``time_invalid``            ``1``: the header's date does not exist (time left empty)
==========================  ============================================================
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from datetime import datetime
from itertools import compress, repeat
from operator import add, getitem, itemgetter, ne
from pathlib import PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc

from ...events import Problem
from ...redaction import TRIGGER_WORDS, redact
from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import parse_instant
from .agent_grammar import (
    _DAEMON_VERSION,
    _EXT_PREFIX,
    _GLUED_HEADER,
    _HEADER,
    _KNOWN_THREADS,
    _LEVELS,
    _PROCESS_PREFIXES,
    _TORN_FRAGMENT,
    RECORD_FIELDS,
    _emit,
    _era_of_latest_version,
    _EraStats,
    _event_fields,
    _goal_state_version,
    _is_ext20,
    _lines_of,
    _nul_free,
    _put_versions,
    _Record,
    _starts_with_header,
    _Versions,
    _within_era,
)
from .extension_common import (
    SOURCE as SOURCE_EXTENSION,  # CommandExecution records are extension events
)
from .extension_common import _base_name, _handler_from_path, _under_azure_logs

__all__ = ["COMMAND_EXECUTION", "PARSERS", "WAAGENT_LOG", "parse_waagent_log"]

SOURCE_LOG = "waagent.log"
_WAAGENT_NAME = re.compile(
    r"waagent\.log(?:\.\d+|-\d{8}(?:\d{2})?|-\d{4}-\d\d-\d\d(?:-\d+)?)?\Z", re.IGNORECASE
)

#: the era C/D alternative of :data:`_HEADER` alone (same lines, same iso/ilevel/irest), with
#: the first two words of the text after the level as ``str.partition(" ")`` cuts them
#: (groups: stamp, level, text, first word, second word)
_ISO_RECORD_BODY = (
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})Z (VERBOSE|INFO|WARNING|ERROR)"
    r"(?: (([^ \n]*)(?: ([^ \n]*)(?: .*)?)?))?"
)
_ISO_RECORD = re.compile(_ISO_RECORD_BODY + r"\Z")
#: one match per line of a whole text (no ``\r``): the groups of :data:`_ISO_RECORD` for a
#: record line, empty strings for any other line; ``findall`` gives them without match objects
_ISO_LINES = re.compile(r"^(?:" + _ISO_RECORD_BODY + r"$|.*)", re.MULTILINE)
_FIRST_TWO_WORDS = itemgetter(3, 4)  # first, second of the groups
_REST = itemgetter(2)
_STAMP = itemgetter(0)
_LEVEL = itemgetter(1)
_SHAPE_TEXT, _SHAPE_FIELDS, _SHAPE_COMPONENT = itemgetter(0), itemgetter(1), itemgetter(2)
#: stands in for the shape of a record built the long way (its values are written over)
_NO_SHAPE = (slice(0, 0), {}, None)
#: lower-case words that send an ISO record the long way: those of the prefilter of
#: :func:`loganalyzer.redaction.redact`, version statements (:class:`_Versions`), ``Event:``
_CARE_WORDS = "|".join(re.escape(word) for word in (*TRIGGER_WORDS, "version", "oal state agent", "event:"))
# kinds of the first word of an ISO record's text
_EXTENSION_WORD, _NO_WORD, _PROCESS_WORD, _THREAD_WORD, _OTHER_WORD = range(5)


def parse_waagent_log(data: bytes, context: ParseContext) -> ParseResult:
    """Parse ``waagent.log`` (any era, rotated or renamed) into one event per record."""
    return WAAGENT_LOG.parse(data, context)


def _read_log(lines: list[str], context: ParseContext, result: ParseResult) -> None:
    """Records of a waagent.log: era C/D header lines in bulk, every other line one by one.

    Most lines of a current log are whole one-line ISO records. Those are found by one
    ``findall`` of :data:`_ISO_LINES` over the whole text (tuples of groups, no match objects)
    and emitted by :class:`_IsoRecords`; the lines between them (continuations, other eras,
    torn writes, NUL damage) go through :func:`_scan_lines`, the line-by-line reader, and
    their records through :func:`_emit`.
    """
    text = "\n".join(lines)
    every = _ISO_LINES.findall(text)
    if len(every) != len(lines):  # never expected; the per-line match gives the same tuples
        every = [m.groups("") if m else ("",) for m in map(_ISO_RECORD.match, lines)]
    iso_lines = list(compress(range(len(every)), map(_STAMP, every)))  # lines of ISO records
    iso_groups = list(compress(every, map(_STAMP, every)))  # ... and their groups
    del every
    # a (begin, end) pair: the whole ISO records begin..end-1, on consecutive lines
    records: list[_Record | tuple[int, int]] = []
    stats = _EraStats()
    _note_iso_shapes(stats, iso_groups)
    nul_lines = [0]
    current: _Record | int | None = None  # an int k: the ISO record on line iso_lines[k]
    done = 0
    # ordinals where the ISO records stop being on consecutive lines
    breaks = compress(range(1, len(iso_lines)), map(ne, iso_lines[1:], map(add, iso_lines, repeat(1))))
    begin = 0
    for end in (*breaks, len(iso_lines)) if iso_lines else ():
        index = iso_lines[begin]
        if index > done:
            current = _scan_lines(lines, iso_lines, done, index, current, records, stats, result, nul_lines)
        records.append((begin, end))
        current = end - 1
        done = iso_lines[end - 1] + 1
        begin = end
    if done < len(lines):
        _scan_lines(lines, iso_lines, done, len(lines), current, records, stats, result, nul_lines)
    if nul_lines[0]:
        result.problems.append(
            Problem(context.file, "damaged", f"{nul_lines[0]} lines hold NUL bytes (a write cut by a crash?)")
        )
    rows = result.events
    versions = _Versions()
    memory: dict[str, str] = {}
    fast = _IsoRecords(iso_lines, iso_groups, _lines_needing_care(text), rows, stats, versions, memory)
    for record in records:
        if type(record) is tuple:
            fast.emit(*record)
        else:
            _emit(record, rows, stats, versions, memory)
            fast.note_state()


def _note_iso_shapes(stats: _EraStats, groups: list[tuple]) -> None:
    """:meth:`_EraStats.note` for many ISO records (their :data:`_ISO_RECORD` groups), counted
    by their first two words."""
    shapes = Counter(map(_FIRST_TWO_WORDS, groups))
    for (first, second), count in shapes.items():
        if not first:
            continue  # no text, or "LEVEL  text": nothing to note
        if first in _PROCESS_PREFIXES:
            stats.records[first] = stats.records.get(first, 0) + count
            second = second or ""
            if second in _PROCESS_PREFIXES or (second[:1] == "[" and _EXT_PREFIX.fullmatch(second)):
                stats.paired[first] = stats.paired.get(first, 0) + count
                stats.d_evidence += count
        elif first[:1] == "[" and _EXT_PREFIX.fullmatch(first):
            stats.c_evidence += count
        elif _KNOWN_THREADS.match(first):
            stats.d_evidence += count


def _scan_lines(lines, iso_lines, begin, end, current, records, stats, result, nul_lines):
    """The line-by-line reader for ``lines[begin:end]``: headers of any era, continuation lines,
    torn writes. ``current`` is the open record (an int k for the whole ISO record on line
    ``iso_lines[k]``, turned into a :class:`_Record` when something attaches to it); returns the
    record open at the end."""
    header = _HEADER.match
    for index in range(begin, end):
        line = lines[index]
        number = index + 1
        found = header(line)
        if found is None and "\x00" in line:
            line = _nul_free(line, nul_lines)
            found = header(line)
        if found is not None:
            if (
                found.group("loc") is not None
                and found.group("us") is None
                and not found.group("arest")
                and found.group("alevel") is None
                and current is not None
                and type(current) is not int
                and current.continuation is None
                and _is_ext20(current.match)
            ):
                # the 2.0 logger stamps the empty line after a message that ended with a newline
                current.attach("")
                continue
            current = _Record(number, found)
            records.append(current)
            if found.group("iso") is not None:
                stats.note(found.group("irest"))
            continue
        glued = None
        if " INFO " in line or " ERROR " in line or " WARNING " in line or " VERBOSE " in line:
            glued = _GLUED_HEADER.search(line)
        if glued is not None:
            tail = line[glued.start():]
            found = header(tail)
            if found is not None:
                if current is not None:
                    if type(current) is int:
                        current = _open_iso_record(current, lines, iso_lines, records)
                    current.attach(line[: glued.start()], counts=False)
                    current.torn = True
                current = _Record(number, found, torn=True)
                records.append(current)
                if found.group("iso") is not None:
                    stats.note(found.group("irest"))
                continue
        if current is None:
            result.unparsable(number)
            continue
        if type(current) is int:
            current = _open_iso_record(current, lines, iso_lines, records)
        current.attach(line)
        if line and _TORN_FRAGMENT.match(line):
            current.torn = True
    return current


def _open_iso_record(ordinal: int, lines: list[str], iso_lines: list[int], records: list) -> _Record:
    """The last ISO record of the run at the end of ``records``, taken out of the run as a
    :class:`_Record` (something is about to attach to it)."""
    begin, end = records[-1]
    record = _Record(iso_lines[ordinal] + 1, _HEADER.match(lines[iso_lines[ordinal]]))
    if end - 1 > begin:
        records[-1] = (begin, end - 1)
        records.append(record)
    else:
        records[-1] = record
    return record


def _lines_needing_care(text: str) -> set[int]:
    """Indexes of the lines that may hold a word :func:`redact` looks for, a version statement
    or an ``Event:`` record (:data:`_CARE_WORDS`): ISO records on other lines can be emitted
    in bulk, with no redaction pass and no version bookkeeping.

    The whole text is lower-cased once (``str.lower`` never makes or removes a newline, so line
    numbers hold) and searched for the words in one vectorised call; the standard library scan
    is the fallback.
    """
    lowered = text.lower()
    try:
        pieces = pc.split_pattern_regex(pa.array([lowered], pa.large_string()), _CARE_WORDS).flatten()
        found = set()
        if len(pieces) > 1:  # the text between two hits: each hit is on the line its piece ends on
            line = 0
            for piece in pieces.to_pylist()[:-1]:
                line += piece.count("\n")
                found.add(line)
        return found
    except (pa.ArrowException, ValueError, UnicodeError):
        found = set()
        line = position = 0
        for hit in re.finditer(_CARE_WORDS, lowered):
            line += lowered.count("\n", position, hit.start())
            position = hit.start()
            found.add(line)
        return found


# how an ISO record's message is cut from its text: all of it, after the first word, after two
_TEXT_REST, _TEXT_AFTER, _TEXT_TAIL = range(3)


class _IsoRecords:
    """:func:`_emit` for whole one-line era C/D records, with the same results, in bulk.

    A record's era, thread, prefix, component and fields depend only on its first two words and
    on the state (versions stated so far, the per-process era memory) unless its line holds a
    version statement, an ``Event:`` or a secret word (:func:`_lines_needing_care`). Such
    records, and the first record of each two-word shape, are emitted one at a time
    (:meth:`one`), which also drops the cached shapes whenever the state moved; runs of the
    others are emitted column by column from their cached shapes (:meth:`emit`).
    """

    def __init__(self, iso_lines: list[int], iso_groups: list[tuple], care_lines: set[int], rows,
                 stats: _EraStats, versions: _Versions, memory: dict[str, str]):
        self.iso_lines = iso_lines
        self.iso_groups = iso_groups
        #: ordinals of the records that must be emitted one at a time
        self.care = list(compress(range(len(iso_lines)), map(care_lines.__contains__, iso_lines)))
        self.rows = rows
        self.stats = stats
        self.versions = versions
        self.memory = memory
        self.file_era = stats.file_era()
        self.process_eras: dict[str, str] = {}
        self.word_kinds: dict[str, int] = {}
        self.paired_words: dict[str, bool] = {}
        self.handlers: dict[str, tuple[str, str]] = {}
        self.within: dict[tuple[str, str], bool] = {}
        #: (first word, second word) -> (message slice of the text, fields, component)
        self.shapes: dict[tuple[str, str], tuple[slice, dict[str, str], str | None]] = {}
        #: (first word, second word, stated version) -> (era, message start, fields, component,
        #: process) and (era, process) -> version fields, for the records built the long way
        self.heads: dict[tuple, tuple] = {}
        self.tails: dict[tuple[str, str | None], dict[str, str]] = {}
        self.state = self.current_state()

    def current_state(self):
        versions = self.versions
        return versions.daemon, versions.goal_state, versions.latest, tuple(self.memory.items())

    def note_state(self) -> None:
        """Drop the cached shapes when the versions or the era memory changed."""
        state = self.current_state()
        if state != self.state:
            self.state = state
            self.shapes.clear()
            self.heads.clear()
            self.tails.clear()

    def era_and_words(self, irest, first, after, second):
        """(era, thread, prefix, text group): :func:`_split_iso` on the pre-cut words."""
        if not irest:
            return self.file_era, None, None, _TEXT_REST
        kinds = self.word_kinds
        kind = kinds.get(first)
        if kind is None:
            if first[:1] == "[" and _EXT_PREFIX.fullmatch(first):
                kind = _EXTENSION_WORD
            elif not first:
                kind = _NO_WORD
            elif first in _PROCESS_PREFIXES:
                kind = _PROCESS_WORD
            elif _KNOWN_THREADS.match(first):
                kind = _THREAD_WORD
            else:
                kind = _OTHER_WORD
            kinds[first] = kind
        if kind == _EXTENSION_WORD:
            return "C", None, first, _TEXT_AFTER
        if kind == _NO_WORD:
            return "C", None, None, _TEXT_REST
        versions = self.versions
        paired = self.paired_words.get(second)
        if paired is None:
            paired = self.paired_words[second] = second in _PROCESS_PREFIXES or (
                second[:1] == "[" and _EXT_PREFIX.fullmatch(second) is not None
            )
        if kind == _PROCESS_WORD:
            stated = self.stated_in(after) or versions.stated_by(first)
            if stated is not None and stated[:3] == (2, 2, 46):
                era = "C"
            elif (stated is not None and stated[:3] >= (2, 2, 47)) or paired:
                era = "D"
            else:
                era = self.memory.get(first)
                if not era:
                    era = self.process_eras.get(first)
                    if era is None:
                        era = self.process_eras[first] = self.stats.process_era(first)
            self.memory[first] = era
        elif paired or kind == _THREAD_WORD:
            era = "D"
        else:
            era = _era_of_latest_version(versions) or self.file_era
        if era == "D":
            if paired:
                return "D", first, second, _TEXT_TAIL
            return "D", first, None, _TEXT_AFTER
        if kind == _PROCESS_WORD:
            return "C", None, first, _TEXT_AFTER
        return "C", None, None, _TEXT_REST

    def stated_in(self, text: str) -> tuple[int, ...] | None:
        """:func:`_stated_in`, with the version tuples cached."""
        if "Version" in text:
            found = _DAEMON_VERSION.search(text)
            if found is not None:
                return self.versions.tuple_of(found.group(1))
        if "oal State Agent" in text or "goal state agent" in text:
            version = _goal_state_version(text)
            if version is not None:
                return self.versions.tuple_of(version)
        return None

    def head_fields(self, era, thread, prefix):
        """(fields up to the version ones, component, writing process)."""
        fields = {"era": era}
        component = process = None
        if thread is not None:
            fields["thread"] = component = process = thread
        if prefix is not None:
            if prefix[:1] == "[":
                handler = self.handlers.get(prefix)
                if handler is None:
                    found = _EXT_PREFIX.fullmatch(prefix)
                    handler = self.handlers[prefix] = (found.group("handler"), found.group("version"))
                fields["handler"] = component = handler[0]
                fields["handler_version"] = handler[1]
                process = process or "ExtHandler"
            else:
                fields["prefix"] = component = process = prefix
        return fields, component, process

    def version_fields(self, era, process) -> dict[str, str]:
        versions = self.versions
        fields = {}
        stated = versions.for_process(process)
        if stated is not None:
            fits = self.within.get((stated, era))
            if fits is None:
                fits = self.within[(stated, era)] = _within_era(versions.tuple_of(stated), era)
            if not fits:
                stated = None
        _put_versions(fields, stated, era, versions)
        return fields

    def one(self, ordinal: int, time: datetime | None, cacheable: bool):
        """One record the long way: (component, message, fields, whether the state moved).
        Its shape is remembered when ``cacheable`` (its line needs no care) and nothing moved."""
        _, _, irest, first, second = self.iso_groups[ordinal]
        after = irest[len(first) + 1 :]
        # what the era depends on besides the state: the two words and the version the text states
        key = (first, second, self.stated_in(after) if first in _PROCESS_PREFIXES else None)
        head = self.heads.get(key) if first else None
        if head is None:
            era, thread, prefix, cut = self.era_and_words(irest, first, after, second)
            start = 0 if cut == _TEXT_REST else len(first) + 1 if cut == _TEXT_AFTER else len(first) + len(second) + 2
            head = (era, start, *self.head_fields(era, thread, prefix))
            if first and self.current_state() == self.state:
                self.heads[key] = head
        era, start, head_fields, component, process = head
        text = irest[start:]
        fields = dict(head_fields)
        if time is None:
            fields["time_invalid"] = "1"
        self.versions.learn(text, process)
        moved = self.current_state() != self.state
        if moved:
            self.note_state()
            fields.update(self.version_fields(era, process))
        else:
            tail_fields = self.tails.get((era, process))
            if tail_fields is None:
                tail_fields = self.tails[(era, process)] = self.version_fields(era, process)
            fields.update(tail_fields)
            if cacheable and first and time is not None:
                self.shapes[(first, second)] = (slice(start, None), dict(fields), component)
        message = text
        if text[:6] == "Event:":
            message = _event_fields(text, fields)
        return component, redact(message), fields, moved

    def emit(self, begin: int, end: int) -> None:
        """Add the events of the ISO records ``begin`` to ``end`` (ordinals), in order.

        Records whose shape is cached are built column by column; the others (lines that need
        care, unknown shapes, dates that do not exist) are built one at a time, in order, and
        written over their places. When one of those moves the state, the shapes of the records
        after it are looked up again, a stretch at a time (so each record at most once per move).
        """
        groups = self.iso_groups[begin:end]
        count = len(groups)
        stamps = list(map(_STAMP, groups))
        special = [ordinal - begin for ordinal in self.care[bisect_left(self.care, begin) : bisect_left(self.care, end)]]
        try:
            times = list(map(datetime.fromisoformat, map(add, stamps, repeat("+00:00"))))
        except ValueError:  # a date that does not exist: that record goes the long way
            times = list(map(parse_instant, stamps))
            special = sorted({*special, *(position for position, time in enumerate(times) if time is None)})
        keys = list(map(_FIRST_TWO_WORDS, groups))
        cache = self.shapes
        shapes = list(map(cache.get, keys))
        for position in special:
            shapes[position] = _NO_SHAPE
        long_way: dict[int, tuple] = {}
        care_at = iter(special)
        next_care = next(care_at, count)
        position = 0
        fresh_until = count  # shapes[:fresh_until] were looked up in the current state
        while True:
            if fresh_until < next_care:  # the state moved: look this stretch up again
                start = max(position, fresh_until)
                shapes[start:next_care] = map(self.shapes.get, keys[start:next_care])
                fresh_until = next_care
            try:  # the next unknown shape before the next record that needs care
                missing = shapes.index(None, position, next_care)
            except ValueError:
                missing = next_care
            if missing >= count:
                break
            if missing == next_care:
                next_care = next(care_at, count)
                cacheable = False
            else:
                shape = self.shapes.get(keys[missing])
                if shape is not None:  # remembered since the lookup
                    shapes[missing] = shape
                    position = missing + 1
                    continue
                shapes[missing] = _NO_SHAPE
                cacheable = True
            component, message, values, moved = self.one(begin + missing, times[missing], cacheable)
            long_way[missing] = (component, message, values)  # a tuple of untracked values: no GC work
            position = missing + 1
            if moved:  # the shapes looked up after this record may no longer hold
                fresh_until = position
        components = list(map(_SHAPE_COMPONENT, shapes))
        messages = list(map(getitem, map(_REST, groups), map(_SHAPE_TEXT, shapes)))
        fields = list(map(dict.copy, map(_SHAPE_FIELDS, shapes)))
        for position, (component, message, values) in long_way.items():
            components[position] = component
            messages[position] = message
            fields[position] = values
        self.rows.extend_columns(
            line=map(add, self.iso_lines[begin:end], repeat(1)),
            time=times,
            level=map(_LEVELS.__getitem__, map(_LEVEL, groups)),
            component=components,
            message=messages,
            fields=fields,
        )


def claim_waagent_log(path: str, head: bytes) -> int:
    """``waagent.log`` and its rotations by name; any text that starts with an agent record by content."""
    name = PurePosixPath(path).name
    by_name = _WAAGENT_NAME.match(name) is not None
    by_content = _starts_with_header(head)
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    return BY_CONTENT if by_content else 0


# ---------------------------------------------------------------------------------------------
# CommandExecution.log (agent header grammar, eras A-D)

_TARGET_STATE = re.compile(r"Target handler state: (\w+)(?: \[incarnation[_ ](\d+)\])?")
_HANDLER_STATE = re.compile(r"current handler state is: (\w+)")
_COMMAND = re.compile(r"(?:Enable|Install|Disable|Uninstall|Update) extension:? \[([^\]]*)\]")
_EXIT_CODE = re.compile(r"Non-zero exit code: (-?\d+)")


def _agent_line_fields(message: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    match = _TARGET_STATE.search(message)
    if match:
        fields["target_state"] = match.group(1)
        if match.group(2):
            fields["incarnation"] = match.group(2)
    match = _HANDLER_STATE.search(message)
    if match:
        fields["handler_state"] = match.group(1)
    match = _COMMAND.search(message)
    if match:
        fields["command"] = match.group(1)
    match = _EXIT_CODE.search(message)
    if match:
        fields["exit_code"] = match.group(1)
    return fields


def _claim_command_execution(path: str, head: bytes) -> int:
    """``CommandExecution.log`` / ``CommandExecution_<ExtName>.log`` (by name only)."""
    if not re.fullmatch(r"commandexecution(?:_.+)?\.log", _base_name(path)):
        return 0
    if claim_waagent_log("", head):  # no name: a claim by content alone
        return BY_NAME_AND_CONTENT
    return BY_NAME if _under_azure_logs(path) else 0


def _read_command_execution(lines: list[str], context: ParseContext, result: ParseResult) -> None:
    """The agent's per-extension ``CommandExecution*.log``: the same records, in the same header
    grammar (eras A-D), as that agent's ``waagent.log``; the handler comes from the folder when a
    record has no ``[Handler-Version]`` prefix."""
    _read_log(lines, context, result)
    events = result.events
    path_handler = _handler_from_path(context.path)
    for index, message in enumerate(events.message):
        fields = events.fields[index]
        fields.update(_agent_line_fields(message))
        if fields.get("era") == "EXT20":
            fields["era"] = "A"  # in this file the 2.0 agent itself wrote the prefixed records
        if fields.get("era") in ("A", "B"):
            fields["time_basis_reason"] = "agent-era-local"
        if path_handler and not fields.get("handler"):
            events.component[index] = path_handler


COMMAND_EXECUTION_FIELDS = {
    **RECORD_FIELDS,
    "target_state": "Target handler state: <state>",
    "incarnation": "its [incarnation N]",
    "handler_state": "current handler state is: <state>",
    "command": "the command of an Enable/Install/... extension: [<command>] line",
    "exit_code": "Non-zero exit code: <n>",
    "time_basis_reason": "agent-era-local: eras A and B stamp local time",
}

WAAGENT_LOG = Parser(
    name="waagent.log", source=SOURCE_LOG, claim=claim_waagent_log, read=_lines_of(_read_log), fields=RECORD_FIELDS
)
COMMAND_EXECUTION = Parser(
    name="CommandExecution.log", source=SOURCE_EXTENSION, claim=_claim_command_execution, read=_lines_of(_read_command_execution),
    fields=COMMAND_EXECUTION_FIELDS,
)

PARSERS: tuple[Parser, ...] = (WAAGENT_LOG, COMMAND_EXECUTION)
parse_command_execution = COMMAND_EXECUTION.parse
