"""The Linux guest agent's log, ``/var/log/waagent.log``, and its copies in syslog / the journal.

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

and, under systemd, the same records in ``var/log/syslog`` / ``messages`` / journal exports::

    May 30 13:15:45 myvm python3[1234]: 2024-05-30T13:15:45.331589Z INFO ExtHandler ExtHandler Start ...
    May 30 13:15:45 myvm python3[1234]: [stdout]

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

The syslog parser (source ``"waagent.syslog"``) emits one event per agent record found in a
syslog payload, with the same fields plus ``agent_record=1``, ``program``, ``pid``, ``host``.
Payload lines of the same program and PID that carry no header (``[stdout]``, a traceback line)
are joined to that PID's previous agent record. Lines of other programs that mention the agent,
Azure, extensions, snapshots or filesystem freezes are kept as events with ``agent_record=0``
(level None, syslog time: local unless the line carries an offset; the year, which syslog does
not write, is taken from the nearest agent record and marked ``year_inferred=1``, or the time is
left empty when the file has no agent record). All remaining lines (other programs, journal
``-- Reboot --`` markers) are accounted by one summary event, ``agent_record=0`` and
``skipped_lines=<n>``, so that the event table is not filled with unrelated syslog traffic.
Lines that are not syslog at all are unparsed.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from bisect import bisect_left
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import compress, repeat
from operator import add, getitem, itemgetter, ne
from pathlib import PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc

from ..events import Problem
from ..redaction import TRIGGER_WORDS, redact
from ._kit import begin_text, decode, looks_binary, split_lines
from . import BY_CONTENT, BY_NAME, BY_NAME_AND_CONTENT, ParseContext, ParseResult, Parser

__all__ = ["PARSERS", "WAAGENT_LOG", "WAAGENT_SYSLOG", "parse_waagent_log", "parse_waagent_syslog"]

SOURCE_LOG = "waagent.log"
SOURCE_SYSLOG = "waagent.syslog"

_UTC = timezone.utc

# ---------------------------------------------------------------------------------------------
# Record headers (formats/linux.md §1.2), matched against one physical line.
# Groups: iso/ilevel/irest (eras C and D), loc + us/blevel/brest (era B), loc + alevel/arest
# (era A and EXT20, told apart later by the extension prefix at the start of arest).
_HEADER = re.compile(
    r"(?:(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})Z (?P<ilevel>VERBOSE|INFO|WARNING|ERROR)(?: (?P<irest>.*))?"
    r"|(?P<loc>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)"
    r"(?:\.(?P<us>\d{6}) (?P<blevel>VERBOSE|INFO|WARNING|ERROR)(?: (?P<brest>.*))?"
    r"|(?: (?P<alevel>ERROR:|WARNING:)?(?P<arest>.*))?))\Z"
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
_ISO_LINES = re.compile(r"^(?:" + _ISO_RECORD_BODY + r"$|.*)", re.M)
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
#: a whole header glued after stray bytes on the same line (a torn write)
_GLUED_HEADER = re.compile(
    r"(?<=\S)(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z|\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d{6})"
    r" (?:VERBOSE|INFO|WARNING|ERROR) "
)
#: pieces of a header left on a line of their own by interleaved writers
_TORN_FRAGMENT = re.compile(
    r"\] \S"  # the tail of "[Handler-1.0] [Enable] ..."
    r"|\d[\d:./T -]{0,25}Z? (?:VERBOSE|INFO|WARNING|ERROR) "  # a cut timestamp before a level
    r"|\d{4}[-/][\d/T:. -]*Z?\Z"  # a timestamp cut before its level
)
_EXT_PREFIX = re.compile(r"\[(?P<handler>[^\]\s]+?)-(?P<version>\d+(?:\.\d+){0,3})\]")
#: EXT20 messages of the backup extension's old logger carry an inner stamp and level (X0)
_INNER_LEVEL = re.compile(r"\d{4}[-/]\d\d[-/]\d\d \d\d:\d\d:\d\d\.\d{6}  (Info|Warning|Error)  ")
_PROCESS_PREFIXES = frozenset(("Daemon", "ExtHandler", "LogCollector", "Firewall"))
#: thread names that are never a process prefix: a line starting with one is era D
_KNOWN_THREADS = re.compile(
    r"(?:EnvHandler|MonitorHandler|SendTelemetryHandler|TelemetryEventsCollector|CollectLogsHandler"
    r"|LogCollectorMonitorHandler|MainThread|Thread-\d+(?: \(\w+\))?)\Z"
)

_LEVELS = {
    "INFO": "info",
    "WARNING": "warning",
    "ERROR": "error",
    "VERBOSE": "verbose",
    "ERROR:": "error",
    "WARNING:": "warning",
    "Info": "info",
    "Warning": "warning",
    "Error": "error",
}

# ---------------------------------------------------------------------------------------------
# Event: records (§1.4) and agent version lines (§1.6)
_EVENT = re.compile(
    r"Event: name=(?P<name>[^,]*), op=(?P<op>[^,]*), message=(?P<message>.*?)(?:, duration=(?P<duration>-?\d+))?\Z",
    re.S,
)
#: one opaque token that starts like base64 of a gzip header (1f 8b 08)
_GZIP_B64 = re.compile(r"H4sI[A-Za-z0-9+/]{8,}={0,2}\Z")
_MAX_DECODED = 1 << 20
_DAEMON_VERSION = re.compile(r"Azure Linux Agent Version: ?(?:WALinuxAgent-)?(\d+(?:\.\d+){1,3})")
_GOAL_STATE_VERSION = re.compile(
    r"Agent WALinuxAgent-(\d+(?:\.\d+){1,3}) is running as the goal state agent"
    r"|Goal State Agent version (\d+(?:\.\d+){1,3})"
)
#: the two alternatives of :data:`_GOAL_STATE_VERSION` alone (a literal start searches fast)
_GOAL_STATE_AGENT = re.compile(r"Agent WALinuxAgent-(\d+(?:\.\d+){1,3}) is running as the goal state agent")
_GOAL_STATE_AGENT_VERSION = re.compile(r"Goal State Agent version (\d+(?:\.\d+){1,3})")
#: a superset of the words :func:`loganalyzer.redaction.redact` looks for (lower case): messages
#: without any of them skip the (much slower) redaction pass

#: version bounds implied by the header era when no line states the version
_ERA_BOUNDS = {
    "A": ("2.0.0", "2.0.18"),
    "B": ("2.1.0", "2.2.45"),
    "C": ("2.2.46", "2.2.46"),
    "D": ("2.2.47", None),
}
_ERA_BOUND_TUPLES = {
    era: (tuple(map(int, low.split("."))), tuple(map(int, high.split("."))) if high else None)
    for era, (low, high) in _ERA_BOUNDS.items()
}

# ---------------------------------------------------------------------------------------------
# Syslog / journal lines
_SYSLOG = re.compile(
    r"(?:(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(?P<day>\d{1,2}) (?P<hms>\d\d:\d\d:\d\d)(?:\.(?P<frac>\d{1,6}))?"
    r"|(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(?P<ifrac>\d{1,9}))?(?P<off>Z|[+-]\d\d:?\d\d)?)"
    r" (?P<host>\S+) (?P<program>[^\s\[\]:]+)(?:\[(?P<pid>\d+)\])?:(?: (?P<payload>.*))?\Z"
)
_AGENT_PROGRAM = re.compile(r"(?i)(?:\S*/)?(?:python[\d.]*|waagent|walinuxagent)\Z")
_AGENT_NAMED_PROGRAM = re.compile(r"(?i)(?:\S*/)?(?:waagent|walinuxagent)\Z")
_RELEVANT = re.compile(
    r"(?i)waagent|walinuxagent|microsoft\.azure|azure linux agent|/azure/|vmsnapshot|extension|snapshot"
    r"|fsfreeze|freez|thaw|blocked for more than|168\.63\.129\.16"
)
_JOURNAL_MARKER = re.compile(r"-- (?:Logs begin at|Journal begins at|Reboot|No entries|Boot )")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}

_WAAGENT_NAME = re.compile(
    r"waagent\.log(?:\.\d+|-\d{8}(?:\d{2})?|-\d{4}-\d\d-\d\d(?:-\d+)?)?\Z", re.I
)
_SYSLOG_NAME = re.compile(
    r"(?:syslog|messages|daemon\.log|user\.log)(?:\.\d+|-\d{8}(?:\d{2})?)?\Z"
    r"|journal(?:ctl)?[^/]*\.(?:txt|log)\Z",
    re.I,
)


# ---------------------------------------------------------------------------------------------
# shared helpers


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _within_era(version: tuple[int, ...], era: str) -> bool:
    low, high = _ERA_BOUND_TUPLES[era]
    triple = version[:3]
    return triple >= low and (high is None or triple <= high)


def _utc_time(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp + "+00:00")
    except ValueError:
        return None


def _local_time(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("/", "-"))
    except ValueError:
        return None


def _decode_gzip_base64(token: str) -> str | None:
    """The text of a gzip+base64 ``Event:`` message (agents 2.2.31-2.2.54), or None."""
    try:
        packed = base64.b64decode(token, validate=True)
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        raw = inflater.decompress(packed, _MAX_DECODED)
    except (binascii.Error, ValueError, zlib.error):
        return None
    return raw.decode("utf-8", errors="replace")


class _Record:
    """One record while the file is read: its header line and the lines that follow it."""

    __slots__ = ("line", "match", "continuation", "span", "torn", "extra")

    def __init__(self, line: int, match: re.Match[str], torn: bool = False):
        self.line = line
        self.match = match
        self.continuation: list[str] | None = None
        self.span = 1
        self.torn = torn
        self.extra: dict[str, str] | None = None

    def attach(self, text: str, counts: bool = True) -> None:
        if self.continuation is None:
            self.continuation = [text]
        else:
            self.continuation.append(text)
        if counts:
            self.span += 1


class _EraStats:
    """What the file says about the C/D ambiguity, gathered while records are read."""

    __slots__ = ("records", "paired", "c_evidence", "d_evidence")

    def __init__(self) -> None:
        self.records: dict[str, int] = {}  # ISO records by first token
        self.paired: dict[str, int] = {}  # ... of which were 'THREAD PREFIX' (era D) shaped
        self.c_evidence = 0
        self.d_evidence = 0

    def note(self, rest: str | None) -> None:
        if not rest:
            return
        first, _, after = rest.partition(" ")
        if first in _PROCESS_PREFIXES:
            self.records[first] = self.records.get(first, 0) + 1
            second = after.partition(" ")[0]
            if second in _PROCESS_PREFIXES or (second[:1] == "[" and _EXT_PREFIX.fullmatch(second)):
                self.paired[first] = self.paired.get(first, 0) + 1
                self.d_evidence += 1
        elif first[:1] == "[" and _EXT_PREFIX.fullmatch(first):
            self.c_evidence += 1
        elif _KNOWN_THREADS.match(first):
            self.d_evidence += 1

    def process_era(self, process: str) -> str:
        """The era of an ambiguous ``<ts>Z LEVEL <process> text`` record, from the whole file."""
        if self.paired.get(process):
            return "D"
        if self.records.get(process, 0) >= 3:
            return "C"
        return self.file_era()

    def file_era(self) -> str:
        """C when the file only shows 2.2.46 shapes, else D (the current agents)."""
        c_score = self.c_evidence + sum(
            1 for process, count in self.records.items() if count >= 3 and not self.paired.get(process)
        )
        return "C" if c_score and not self.d_evidence else "D"


class _Versions:
    """The agent versions stated so far in the file, by writing process (§1.6)."""

    __slots__ = ("daemon", "goal_state", "latest", "daemon_tuple", "goal_state_tuple", "tuples")

    def __init__(self) -> None:
        self.daemon: str | None = None
        self.goal_state: str | None = None
        self.latest: str | None = None
        self.daemon_tuple: tuple[int, ...] | None = None
        self.goal_state_tuple: tuple[int, ...] | None = None
        self.tuples: dict[str, tuple[int, ...]] = {}

    def stated_latest(self) -> tuple[int, ...] | None:
        return self.tuple_of(self.latest) if self.latest else None

    def tuple_of(self, version: str) -> tuple[int, ...]:
        found = self.tuples.get(version)
        if found is None:
            found = self.tuples[version] = _version_tuple(version)
        return found

    def for_process(self, process: str | None) -> str | None:
        if process == "Daemon":
            return self.daemon or self.latest
        if process is None:
            return self.latest
        return self.goal_state or self.latest

    def stated_by(self, process: str) -> tuple[int, ...] | None:
        """The version a line of ``process`` itself stated (not another process's)."""
        if process == "Daemon":
            return self.daemon_tuple
        return self.goal_state_tuple if process == "ExtHandler" else None

    def learn(self, message: str, process: str | None) -> None:
        if "Version" in message:
            found = _DAEMON_VERSION.search(message)
            if found:
                self.latest = found.group(1)
                if process == "ExtHandler":
                    self.goal_state = self.latest
                    self.goal_state_tuple = _version_tuple(self.latest)
                else:
                    self.daemon = self.latest
                    self.daemon_tuple = _version_tuple(self.latest)
        if "oal State Agent" in message or "goal state agent" in message:
            found = _goal_state_version(message)
            if found:
                self.goal_state = self.latest = found
                self.goal_state_tuple = self.tuple_of(found)


def _stated_in(text: str) -> tuple[int, ...] | None:
    """The agent version a version line states about itself, if ``text`` is one."""
    if "Version" in text:
        found = _DAEMON_VERSION.search(text)
        if found is not None:
            return _version_tuple(found.group(1))
    if "oal State Agent" in text or "goal state agent" in text:
        version = _goal_state_version(text)
        if version is not None:
            return _version_tuple(version)
    return None


def _goal_state_version(text: str) -> str | None:
    """The version of the first goal-state-agent line in ``text`` (what a search for
    :data:`_GOAL_STATE_VERSION` finds), by two searches that each start with a literal."""
    agent = _GOAL_STATE_AGENT.search(text) if "goal state agent" in text else None
    stated = _GOAL_STATE_AGENT_VERSION.search(text) if "Goal State Agent version" in text else None
    if agent is not None and (stated is None or agent.start() < stated.start()):
        return agent.group(1)
    return stated.group(1) if stated is not None else None


def _split_iso(rest: str | None, stats: _EraStats, versions: _Versions, memory: dict[str, str]):
    """Era, thread, prefix token and message of an ISO (era C or D) record's text after the level.

    Order of evidence: an extension prefix first (only C puts it there); for a process name
    (``Daemon``, ``ExtHandler``) the version that process stated, then the ``THREAD PREFIX``
    shape, then what that process's records looked like before and in the whole file; for any
    other first word the shape (a known thread name or a following prefix means D), then the
    latest stated version, then the whole file.
    """
    if not rest:
        return stats.file_era(), None, None, ""
    first, _, after = rest.partition(" ")
    if first[:1] == "[" and _EXT_PREFIX.fullmatch(first):
        return "C", None, first, after
    if not first:  # "LEVEL  text": no thread, so not D
        return "C", None, None, rest
    second, _, tail = after.partition(" ")
    paired = second in _PROCESS_PREFIXES or (second[:1] == "[" and _EXT_PREFIX.fullmatch(second) is not None)
    if first in _PROCESS_PREFIXES:
        stated = _stated_in(after) or versions.stated_by(first)
        if stated is not None and stated[:3] == (2, 2, 46):
            era = "C"
        elif (stated is not None and stated[:3] >= (2, 2, 47)) or paired:
            era = "D"
        else:
            era = memory.get(first) or stats.process_era(first)
        memory[first] = era
    elif paired or _KNOWN_THREADS.match(first):
        era = "D"
    else:
        stated = versions.stated_latest()
        if stated is not None and stated[:3] == (2, 2, 46):
            era = "C"
        elif stated is not None and stated[:3] >= (2, 2, 47):
            era = "D"
        else:
            era = stats.file_era()
    if era == "D":
        if paired:
            return "D", first, second, tail
        return "D", first, None, after
    if first in _PROCESS_PREFIXES:
        return "C", None, first, after
    return "C", None, None, rest


def _split_prefix(rest: str | None) -> tuple[str | None, str]:
    """The process or extension prefix at the start of an era B/C message, and the message."""
    if not rest:
        return None, rest or ""
    first, _, after = rest.partition(" ")
    if first in _PROCESS_PREFIXES or (first[:1] == "[" and _EXT_PREFIX.fullmatch(first)):
        return first, after
    return None, rest


def _message_of(record: _Record, text: str) -> str:
    if record.continuation is None:
        return text
    lines = record.continuation
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if not end:
        return text
    return text + "\n" + "\n".join(lines[:end])


def _event_fields(message: str, fields: dict[str, str]) -> str:
    """Split an ``Event:`` record into fields; returns the message (decoded token substituted)."""
    found = _EVENT.match(message)
    if found is None:
        return message
    name, op, text, duration = found.group("name", "op", "message", "duration")
    token = text.strip()
    if _GZIP_B64.match(token):
        decoded = _decode_gzip_base64(token)
        if decoded is not None:
            fields["event_message_encoding"] = "gzip+base64"
            text = decoded
            message = f"Event: name={name}, op={op}, message={decoded}" + (
                f", duration={duration}" if duration is not None else ""
            )
    fields["event_name"] = name
    fields["event_op"] = op
    fields["event_message"] = redact(text)
    if duration is not None:
        fields["event_duration_ms"] = duration
    return message


def _put_versions(fields: dict[str, str], stated: str | None, era: str, versions: "_Versions") -> None:
    """The agent version in force (a stated one that fits the era; era C is 2.2.46), else the
    era's bounds, and the goal-state agent's version."""
    if stated is None and era == "C":
        stated = "2.2.46"
    if stated is not None:
        fields["agent_version"] = stated
    else:
        low, high = _ERA_BOUNDS[era]
        fields["agent_version_min"] = low
        if high:
            fields["agent_version_max"] = high
    if versions.goal_state is not None:
        fields["goal_state_agent_version"] = versions.goal_state


def _emit(record: _Record, rows, stats: _EraStats, versions: _Versions, memory: dict[str, str]) -> None:
    """Turn one record into an event row."""
    iso, ilevel, irest, loc, micros, blevel, brest, alevel, text = record.match.group(
        "iso", "ilevel", "irest", "loc", "us", "blevel", "brest", "alevel", "arest"
    )
    thread = prefix = None
    local = True
    if iso is not None:
        era, thread, prefix, text = _split_iso(irest, stats, versions, memory)
        time = _utc_time(iso)
        level = _LEVELS[ilevel]
        local = False
    elif micros is not None:
        era = "B"
        prefix, text = _split_prefix(brest)
        time = _local_time(loc + "." + micros)
        level = _LEVELS[blevel]
    else:
        text = text or ""
        level = _LEVELS[alevel] if alevel else "info"
        time = _local_time(loc)
        era = "A"
        if text[:1] == "[":
            found = _EXT_PREFIX.match(text)
            if found:
                era = "EXT20"
                prefix = found.group(0)
                text = text[found.end():]
                if not alevel:
                    inner = _INNER_LEVEL.match(text)
                    if inner:
                        level = _LEVELS[inner.group(1)]
    fields = {"era": era}
    component = process = None
    if thread is not None:
        fields["thread"] = component = process = thread
    if prefix is not None:
        if prefix[:1] == "[":
            found = _EXT_PREFIX.fullmatch(prefix)
            fields["handler"] = component = found.group("handler")
            fields["handler_version"] = found.group("version")
            process = process or "ExtHandler"
        else:
            fields["prefix"] = component = process = prefix
    if time is None:
        fields["time_invalid"] = "1"

    message = _message_of(record, text) if record.continuation is not None else text
    if era != "EXT20":
        versions.learn(text, process)
        stated = versions.for_process(process)
        if stated is not None and not _within_era(versions.tuple_of(stated), era):
            stated = None
        _put_versions(fields, stated, era, versions)
        if text[:6] == "Event:":
            message = _event_fields(message, fields)
    if record.torn:
        fields["torn"] = "1"
    if record.extra:
        fields.update(record.extra)
    rows.add(
        line=record.line,
        message=redact(message),
        time=time,
        level=level,
        component=component,
        fields=fields,
        local_time=local,
        span=record.span,
    )


def _is_agent_text(lines: list[str]) -> bool:
    """Agent records among the first lines: text even where the bytes look binary (NULs)."""
    return any(_HEADER.match(line) or _SYSLOG.match(line) for line in lines[:50])


def _is_ext20(match: re.Match[str]) -> bool:
    rest = match.group("arest")
    return rest is not None and rest[:1] == "[" and _EXT_PREFIX.match(rest) is not None


def _nul_free(line: str, counter: list[int]) -> str:
    if "\x00" in line:
        counter[0] += 1
        return line.replace("\x00", "")
    return line


# ---------------------------------------------------------------------------------------------
# waagent.log


def _lines_of(read):
    """A ``read(data, context, result)`` that runs the kit's text prologue, then ``read`` on lines."""

    def read_file(data: bytes, context: ParseContext, result: ParseResult) -> None:
        lines = begin_text(data, context, result, binary_message="binary data, not a log", is_text=_is_agent_text)
        if lines is not None:
            read(lines, context, result)

    read_file.__doc__ = read.__doc__
    return read_file


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
            stated = versions.stated_latest()
            if stated is not None and stated[:3] == (2, 2, 46):
                era = "C"
            elif stated is not None and stated[:3] >= (2, 2, 47):
                era = "D"
            else:
                era = self.file_era
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
            times = list(map(_utc_time, stamps))
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


def _starts_with_header(head: bytes) -> bool:
    if not head or looks_binary(head):
        return False
    lines = [line for line in split_lines(decode(head[:8192]).text)[:40] if line.strip()]
    if not lines:
        return False
    first = _HEADER.match(lines[0])
    if first is None:
        return False
    if first.group("iso") is not None or first.group("us") is not None:
        return True
    # era A's bare 'YYYY/MM/DD HH:MM:SS ' stamp is common to many logs: ask for a second record
    # and for no extension-owned (EXT20-only) file
    records = [m for m in map(_HEADER.match, lines[:8]) if m is not None]
    return len(records) >= 2 and not all((m.group("arest") or "")[:1] == "[" for m in records)


# ---------------------------------------------------------------------------------------------
# syslog / journal copies


def parse_waagent_syslog(data: bytes, context: ParseContext) -> ParseResult:
    """Parse syslog / journal text for copies of agent records (one event per agent record)."""
    return WAAGENT_SYSLOG.parse(data, context)


def _syslog_time(found: re.Match[str]) -> tuple[datetime | None, bool, tuple[int, int] | None]:
    """(time, is_local, (month, day) when the year is missing)."""
    iso = found.group("iso")
    if iso is not None:
        frac = (found.group("ifrac") or "")[:6]
        stamp = iso.replace(" ", "T") + ("." + frac.ljust(6, "0") if frac else "")
        offset = found.group("off")
        try:
            time = datetime.fromisoformat(stamp)
        except ValueError:
            return None, False, None
        if offset is None:
            return time, True, None
        if offset != "Z":
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            time -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return time.replace(tzinfo=_UTC), False, None
    return None, True, (_MONTHS[found.group("mon")], int(found.group("day")))


def _with_year(found: re.Match[str], month_day: tuple[int, int], near: datetime) -> datetime | None:
    """A yearless syslog stamp placed in the year that brings it closest to ``near``."""
    hour, minute, second = (int(part) for part in found.group("hms").split(":"))
    micro = int((found.group("frac") or "").ljust(6, "0") or 0)
    best = None
    for year in (near.year - 1, near.year, near.year + 1):
        try:
            candidate = datetime(year, month_day[0], month_day[1], hour, minute, second, micro)
        except ValueError:
            continue
        if best is None or abs(candidate - near.replace(tzinfo=None)) < abs(best - near.replace(tzinfo=None)):
            best = candidate
    return best


def _read_syslog(lines: list[str], context: ParseContext, result: ParseResult) -> None:
    header = _HEADER.match
    syslog_line = _SYSLOG.match
    items: list[tuple[str, object]] = []  # ("agent", _Record) or ("other", (line, match, payload))
    stats = _EraStats()
    open_by_pid: dict[tuple[str, str], _Record] = {}
    last_record: _Record | None = None
    skipped = 0
    first_skipped = 0
    nul_lines = [0]
    for index, raw in enumerate(lines):
        number = index + 1
        line = _nul_free(raw, nul_lines) if "\x00" in raw else raw
        found = syslog_line(line)
        if found is None:
            if line[:1] in (" ", "\t") and last_record is not None and line.strip():
                last_record.attach(line.strip())  # journalctl's indented continuation
            elif _JOURNAL_MARKER.match(line) or not line.strip():
                skipped += 1
                first_skipped = first_skipped or number
            else:
                result.unparsable(number)
            continue
        program = found.group("program")
        payload = found.group("payload") or ""
        key = (program, found.group("pid") or "")
        if _AGENT_PROGRAM.match(program):
            inner = header(payload)
            if inner is not None:
                record = _Record(number, inner)
                record.extra = {"agent_record": "1", "program": program, "host": found.group("host")}
                if found.group("pid"):
                    record.extra["pid"] = found.group("pid")
                items.append(("agent", record))
                open_by_pid[key] = last_record = record
                if inner.group("iso") is not None:
                    stats.note(inner.group("irest"))
                continue
            previous = open_by_pid.get(key)
            if previous is not None:
                previous.attach(payload)
                if payload and _TORN_FRAGMENT.match(payload):
                    previous.torn = True
                last_record = previous
                continue
            if _AGENT_NAMED_PROGRAM.match(program):
                items.append(("other", (number, found, payload, "1")))
                last_record = None
                continue
        last_record = None
        if _RELEVANT.search(payload) or _RELEVANT.search(program):
            items.append(("other", (number, found, payload, "0")))
        else:
            skipped += 1
            first_skipped = first_skipped or number
    if nul_lines[0]:
        result.problems.append(Problem(context.file, "damaged", f"{nul_lines[0]} lines hold NUL bytes"))

    # nearest agent-record time for each item, to give yearless syslog stamps a year
    anchors: list[datetime | None] = []
    latest: datetime | None = None
    for kind, item in items:
        if kind == "agent":
            match = item.match
            stamp = match.group("iso") or match.group("loc")
            if stamp is not None:
                latest = _local_time(stamp[:19].replace("T", " ")) or latest
        anchors.append(latest)
    following = None
    for position in range(len(items) - 1, -1, -1):
        if anchors[position] is None:
            anchors[position] = following
        else:
            following = anchors[position]

    rows = result.events
    versions = _Versions()
    memory: dict[str, str] = {}
    for (kind, item), anchor in zip(items, anchors):
        if kind == "agent":
            _emit(item, rows, stats, versions, memory)
            continue
        number, found, payload, agent_record = item
        fields = {"agent_record": agent_record, "program": found.group("program"), "host": found.group("host")}
        if found.group("pid"):
            fields["pid"] = found.group("pid")
        time, local, month_day = _syslog_time(found)
        if month_day is not None:
            if anchor is not None:
                time = _with_year(found, month_day, anchor)
                fields["year_inferred"] = "1"
            else:
                fields["syslog_time"] = f"{found.group('mon')} {found.group('day')} {found.group('hms')}"
        rows.add(
            line=number,
            message=redact(payload),
            time=time,
            level=None,
            component=found.group("program"),
            fields=fields,
            local_time=local,
        )
    if skipped:
        rows.add(
            line=first_skipped,
            message=f"{skipped} syslog lines of other programs (not agent related) skipped",
            fields={"agent_record": "0", "skipped_lines": str(skipped)},
            span=skipped,
        )


def claim_waagent_syslog(path: str, head: bytes) -> int:
    """System logs by name (``syslog``, ``messages``, ``daemon.log``, journal exports) and any
    syslog-shaped text that holds agent records by content."""
    name = PurePosixPath(path).name
    by_name = _SYSLOG_NAME.match(name) is not None
    by_content = False
    if head and not looks_binary(head):
        lines = [line for line in split_lines(decode(head[:16384]).text)[:200] if line.strip()]
        shaped = [m for m in map(_SYSLOG.match, lines[:20]) if m is not None]
        journal = bool(lines) and _JOURNAL_MARKER.match(lines[0]) is not None
        if shaped or journal:
            by_content = any(
                m is not None and _AGENT_PROGRAM.match(m.group("program"))
                and (_HEADER.match(m.group("payload") or "") or _AGENT_NAMED_PROGRAM.match(m.group("program")))
                for m in map(_SYSLOG.match, lines)
            )
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    return BY_CONTENT if by_content else 0


WAAGENT_LOG = Parser(name="waagent.log", source=SOURCE_LOG, claim=claim_waagent_log, read=_lines_of(_read_log))
WAAGENT_SYSLOG = Parser(
    name="waagent.syslog", source=SOURCE_SYSLOG, claim=claim_waagent_syslog, read=_lines_of(_read_syslog)
)

PARSERS: tuple[Parser, ...] = (WAAGENT_LOG, WAAGENT_SYSLOG)
