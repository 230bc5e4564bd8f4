"""The header grammar of the Linux agent's log, shared by every file written in it.

Not a parser: :mod:`.agent_log` (``waagent.log``, ``CommandExecution*.log``) and
:mod:`.agent_syslog` (agent records copied into syslog / the journal) read records with it.
What it knows (``formats/linux.md`` §1): the record headers of eras A, B, C, D and the 2.0
logger embedded in old extensions (EXT20), how era C and D lines are told apart, the agent
versions a log states (§1.6), ``Event:`` records with gzip+base64 messages (§1.4), and how one
record becomes one event row (:func:`_emit`).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from datetime import UTC

from ...redaction import redact
from .. import ParseContext, ParseResult
from .._kit import begin_text, decode, looks_binary, parse_instant, split_lines

SOURCE_LOG = "waagent.log"
SOURCE_SYSLOG = "waagent.syslog"

#: fields of a record read with this grammar (waagent.log, CommandExecution, syslog copies)
RECORD_FIELDS = {
    "era": "A, B, C, D or EXT20 (an extension's embedded 2.0 logger)",
    "thread": "era D thread name (ExtHandler, MonitorHandler, ...)",
    "prefix": "process prefix: Daemon, ExtHandler, LogCollector, Firewall",
    "handler": "extension handler of a [<Handler>-<Version>] record (also the component)",
    "handler_version": "its version",
    "agent_version": "agent version in force for the writing process, from its version lines",
    "agent_version_min": "when no line states the version: lower bound implied by the era",
    "agent_version_max": "upper bound implied by the era (A: 2.0.18, B: 2.2.45)",
    "goal_state_agent_version": "latest 'Agent WALinuxAgent-<v> is running as the goal state agent'",
    "event_name": "Event: records: name= (handler or WALinuxAgent)",
    "event_op": "op= (Enable, Download, HeartBeat, ...)",
    "event_message": "message= (decoded when gzip+base64; redacted)",
    "event_duration_ms": "duration= when present",
    "event_message_encoding": "gzip+base64 when the message was decoded",
    "torn": "1: the record holds or starts with a torn fragment of another write",
    "time_invalid": "1: the header's date does not exist (time left empty)",
}

_UTC = UTC

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
    re.DOTALL,
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
# ---------------------------------------------------------------------------------------------
# shared helpers


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _within_era(version: tuple[int, ...], era: str) -> bool:
    low, high = _ERA_BOUND_TUPLES[era]
    triple = version[:3]
    return triple >= low and (high is None or triple <= high)


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

    __slots__ = ("continuation", "extra", "line", "match", "span", "torn")

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

    __slots__ = ("c_evidence", "d_evidence", "paired", "records")

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

    __slots__ = ("daemon", "daemon_tuple", "goal_state", "goal_state_tuple", "latest", "tuples")

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


def _era_of_latest_version(versions: _Versions) -> str | None:
    """C or D as the latest version the file stated says (2.2.46 is C, later is D), else None."""
    stated = versions.stated_latest()
    if stated is None:
        return None
    if stated[:3] == (2, 2, 46):
        return "C"
    return "D" if stated[:3] >= (2, 2, 47) else None


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
        era = _era_of_latest_version(versions) or stats.file_era()
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


def _put_versions(fields: dict[str, str], stated: str | None, era: str, versions: _Versions) -> None:
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
        time = parse_instant(iso)
        level = _LEVELS[ilevel]
        local = False
    elif micros is not None:
        era = "B"
        prefix, text = _split_prefix(brest)
        time = parse_instant(loc + "." + micros, naive="local")
        level = _LEVELS[blevel]
    else:
        text = text or ""
        level = _LEVELS[alevel] if alevel else "info"
        time = parse_instant(loc, naive="local")
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


def _lines_of(read):
    """A ``read(data, context, result)`` that runs the kit's text prologue, then ``read`` on lines."""

    def read_file(data: bytes, context: ParseContext, result: ParseResult) -> None:
        lines = begin_text(data, context, result, binary_message="binary data, not a log", is_text=_is_agent_text)
        if lines is not None:
            read(lines, context, result)

    read_file.__doc__ = read.__doc__
    return read_file


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
