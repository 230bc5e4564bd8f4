"""What the Windows agent's state-file parsers share (no parser here): reading a JSON document
with its problems, status words, and :class:`DocumentRows`, the events of one document."""

from __future__ import annotations

import json
from datetime import datetime

from ...events import Problem
from ...redaction import redact
from .. import ParseContext, ParseResult
from .._kit import begin_text, load_json, mark_unparsed, parse_instant
from .agent_paths import SOURCE
from .common import redact_fields

__all__ = [
    "SETTINGS_FIELDS",
    "SOURCE",
    "STATUS_FIELDS",
    "DocumentRows",
    "load_document",
    "message_of",
    "public_values",
    "status_level",
    "utc_time",
]

#: the public settings of an extension (RuntimeSettings files and extensions config copies)
SETTINGS_FIELDS = {
    "public.*": "public settings values, nested keys joined with dots (objectStr and long values as their size)",
    "has_protected_settings": "true when protectedSettings are present (never read)",
}

STATUS_FIELDS = {
    "kind": "what the event is: status | substatus | heartbeat | aggregate-status | guest-agent-status | ...",
    "status": "status word (success, error, transitioning, Ready, NotReady)",
    "code": "status code as written",
    "operation": "status operation (Enable, Install)",
    "name": "status name",
    "seq": "sequence number (from the file name or the document)",
}


def load_document(data: bytes, context: ParseContext, result: ParseResult) -> object | None:
    """The file's JSON, or None after naming the problem with every line unparsed."""
    lines = begin_text(data, context, result, line_bound=None)
    if lines is None:
        return None
    try:
        return load_json("\n".join(lines).lstrip("\ufeff"))
    except ValueError as error:
        result.problems.append(Problem(context.file, "malformed", f"JSON does not parse: {error}"))
        mark_unparsed(result)
        return None


def message_of(node: dict) -> str:
    """``formattedMessage.message`` (object or first of a list), else ``message``/``Message``."""
    formatted = node.get("formattedMessage")
    if isinstance(formatted, dict):
        return str(formatted.get("message") or "")
    if isinstance(formatted, list) and formatted and isinstance(formatted[0], dict):
        return str(formatted[0].get("message") or "")
    for key in ("message", "Message"):
        if isinstance(node.get(key), str):
            return node[key]
    return ""


def status_level(status: str) -> str | None:
    """The event level of a handler or agent status word."""
    word = status.strip().lower()
    if word in ("error", "failed", "notready", "unresponsive"):
        return "error"
    if word == "warning":
        return "warning"
    if word in ("success", "ready", "transitioning", "installing", "enabled"):
        return "info"
    return None


def utc_time(value: object) -> datetime | None:
    """A ``*UTC`` time stamp; written without ``Z`` sometimes, and UTC all the same."""
    return parse_instant(str(value or ""), naive="utc")


def public_values(node: object, prefix: str, out: dict[str, str], budget: list[int]) -> None:
    """Flatten settings into ``prefix.key`` strings, at most ``budget[0]`` of them.

    ``protectedSettings`` is never read; ``objectStr`` (base64 JSON holding the snapshot task
    token) and values over 200 characters show only their size.
    """
    if budget[0] <= 0:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).lower() != "protectedsettings":
                public_values(value, f"{prefix}.{key}", out, budget)
        return
    text = json.dumps(node, ensure_ascii=False) if isinstance(node, list) else ("" if node is None else str(node))
    if isinstance(node, bool):
        text = "true" if node else "false"
    if len(text) > 200 or prefix.rsplit(".", 1)[-1].lower() == "objectstr":
        text = f"<{len(text)} characters>"
    out[prefix] = text
    budget[0] -= 1


class DocumentRows:
    """Events of one structured document: the first spans every line, the others span 0."""

    def __init__(self, result: ParseResult) -> None:
        self.result = result
        self.count = 0

    def add(self, *, message: str, fields: dict, time=None, level=None, component=None) -> None:
        clean = {k: ("" if v is None else str(v)) for k, v in fields.items() if v is not None}
        self.result.events.add(
            line=1,
            message=redact(message),
            time=time,
            level=level,
            component=component,
            fields=redact_fields(clean),
            span=self.result.lines if self.count == 0 else 0,
        )
        self.count += 1

    def finish(self, context: ParseContext, what: str) -> None:
        """Name a document that held nothing to report, with every line unparsed."""
        if self.count == 0 and self.result.lines:
            self.result.problems.append(Problem(context.file, "malformed", f"no {what} found"))
            mark_unparsed(self.result)
