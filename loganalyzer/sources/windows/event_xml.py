"""Event XML: ``wevtutil qe <log> /f:xml`` or ``/f:RenderedXml`` and Event Viewer XML exports.

Claims a stream of ``<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>``
elements (no root needed; an ``<Events>`` root is fine), by content, ``*.xml`` by name too::

    <Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>
    <Provider Name='Application Error'/><EventID Qualifiers='0'>1000</EventID><Level>2</Level>
    <TimeCreated SystemTime='2024-05-30T11:15:45.3310000Z'/><EventRecordID>4711</EventRecordID>
    <Channel>Application</Channel><Computer>vm01</Computer></System>
    <EventData><Data>IaaSBcdrExtension.exe</Data><Data>1.0.92.0</Data>...</EventData></Event>

Emits the ``windows.event`` fields of :data:`.event_record.EVENT_FIELDS`, ``format=xml``, or
``rendered-xml`` when ``RenderingInfo`` gives a message or level word (then also ``culture``).
The time is ``TimeCreated/@SystemTime`` (UTC). Parsed through defusedxml; a DTD or entity
declaration is refused. A stream that does not parse is read event by event and the rest is
counted unparsed.
"""

from __future__ import annotations

import bisect
import re

from ...events import Problem
from .. import BY_CONTENT, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import (
    Element,
    XmlRefused,
    begin_text,
    decode,
    local_name,
    mark_unparsed,
    parse_instant,
    parse_xml,
)
from .common import DECLARES_DTD, line_starts, normalise_path
from .event_record import EVENT_FIELDS, SOURCE, EventRecord, emit

__all__ = ["PARSER", "claim_event_xml"]

_EVENT_START = re.compile(r"<(?:[\w.-]+:)?Event[\s>/]")
_EVENT_END = re.compile(r"</(?:[\w.-]+:)?Event\s*>")
_EVENTS_ROOT = re.compile(r"<(?:[\w.-]+:)?Events[\s>]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.DOTALL)
_SYSTEM_NAMES = ("Level", "Task", "Opcode", "Keywords", "Channel", "Computer")


def _flatten(element: Element, prefix: str, out: list[tuple[str, str]]) -> None:
    nested = list(element)
    if not nested:
        out.append((prefix, (element.text or "").strip()))
        return
    for item in nested:
        name = local_name(item.tag)
        _flatten(item, f"{prefix}.{name}" if prefix else name, out)


def _system(record: EventRecord, part: Element) -> None:
    for item in part:
        name = local_name(item.tag)
        text = (item.text or "").strip()
        if name == "Provider":
            record.provider = item.get("Name") or item.get("EventSourceName") or ""
        elif name == "EventID":
            record.event_id = text
            record.qualifiers = item.get("Qualifiers") or ""
        elif name == "TimeCreated":
            record.time = parse_instant(item.get("SystemTime") or "")
        elif name == "EventRecordID":
            record.record_id = text
        elif name == "Execution":
            record.process_id = item.get("ProcessID") or ""
        elif name == "Security":
            record.user_sid = item.get("UserID") or ""
        elif name in _SYSTEM_NAMES:
            setattr(record, name.lower(), text)


def _rendering(record: EventRecord, part: Element) -> None:
    culture = part.get("Culture") or ""
    if culture:
        record.extra["culture"] = culture
    for item in part:
        name = local_name(item.tag)
        if name == "Message":
            record.message = item.text or ""
        elif name == "Level":
            record.level_name = (item.text or "").strip()
        elif name == "Task":
            record.task_name = (item.text or "").strip()


def _record_from_xml(event: Element) -> EventRecord:
    """The neutral record of one ``<Event>`` element (namespaces ignored)."""
    record = EventRecord()
    for part in event:
        section = local_name(part.tag)
        if section == "System":
            _system(record, part)
        elif section == "EventData":
            for item in part:
                name = local_name(item.tag)
                if name == "Binary":
                    record.binary = (item.text or "").strip()
                elif name == "Data":
                    record.data.append((item.get("Name") or None, item.text or ""))
                else:
                    record.data.append((name, item.text or ""))
        elif section == "UserData":
            for item in part:
                _flatten(item, "", record.user_data)
        elif section == "RenderingInfo":
            _rendering(record, part)
    return record


def _emit_element(result: ParseResult, element: Element, *, line: int, span: int) -> None:
    record = _record_from_xml(element)
    fmt = "rendered-xml" if record.message or record.level_name else "xml"
    emit(result, record, fmt, line=line, span=span)


def claim_event_xml(path: str, head: bytes) -> int:
    """``<Event xmlns=...events/event>`` streams (wevtutil /f:xml, RenderedXml, Event Viewer .xml)."""
    text = decode(head[:8192]).text
    start = text[:4096]
    looks = bool(_EVENT_START.search(start) or _EVENTS_ROOT.search(start))
    content = looks and (
        "schemas.microsoft.com/win/2004/08/events/event" in text or "<System>" in text or "<System " in text
    )
    if content:
        return BY_NAME_AND_CONTENT if normalise_path(path).endswith(".xml") else BY_CONTENT
    return 0


def read_event_xml(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """A wevtutil XML stream or an Event Viewer XML export, through defusedxml."""
    lines = begin_text(data, context, result, line_bound=None)
    if lines is None:
        return
    text = "\n".join(lines)  # XML reads every line end as \n anyway
    if DECLARES_DTD.search(text):
        result.problems.append(Problem(context.file, "malformed",
                                       "XML with a DTD or entity declaration refused (not expanded)"))
        mark_unparsed(result)
        return
    body = _XML_DECLARATION.sub("", text, count=1)
    offset = len(text) - len(body)
    starts = line_starts(text)
    event_offsets = [m.start() + offset for m in _EVENT_START.finditer(body)]
    try:
        root = parse_xml("<LogAnalyzerEvents>" + body + "</LogAnalyzerEvents>")
    except XmlRefused as error:
        _salvage(text, starts, event_offsets, context, result, error)
        return
    events = [el for el in root.iter() if local_name(el.tag) == "Event"]
    if not events:
        result.problems.append(Problem(context.file, "malformed", "XML holds no <Event> element"))
        mark_unparsed(result)
        return
    event_lines = [bisect.bisect_right(starts, position) for position in event_offsets]
    aligned = len(events) == len(event_lines)
    for index, event in enumerate(events):
        if aligned:
            first = event_lines[index]
            end = event_lines[index + 1] if index + 1 < len(event_lines) else result.lines + 1
            span = end - first + (first - 1 if index == 0 else 0)
        else:
            first, span = index + 1, (result.lines if index == 0 else 0)
        _emit_element(result, event, line=first, span=span)


def _salvage(text: str, starts: list[int], event_offsets: list[int], context: ParseContext,
             result: ParseResult, error: Exception) -> None:
    """A broken stream: parse each ``<Event>...</Event>`` on its own; the rest is unparsed."""
    reason = str(error).removeprefix("not well-formed XML: ")
    result.problems.append(Problem(context.file, "malformed", f"XML does not parse: {reason}"))
    covered: set[int] = set()
    for index, start in enumerate(event_offsets):
        stop = event_offsets[index + 1] if index + 1 < len(event_offsets) else len(text)
        end_tag = _EVENT_END.search(text, start, stop)
        if not end_tag:
            continue
        try:
            element = parse_xml(text[start : end_tag.end()])
        except XmlRefused:
            continue
        first = bisect.bisect_right(starts, start)
        last = bisect.bisect_right(starts, end_tag.end() - 1)
        new_lines = [n for n in range(first, last + 1) if n not in covered]
        covered.update(new_lines)
        _emit_element(result, element, line=first, span=len(new_lines))
    for number in range(1, result.lines + 1):
        if number not in covered:
            result.unparsable(number)


PARSER = Parser("event-xml", SOURCE, claim_event_xml, read=read_event_xml, fields=EVENT_FIELDS)
