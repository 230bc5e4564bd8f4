"""The agent's periodic aggregate status: ``WindowsAzure/Logs/AggregateStatus/aggregatestatus*.json``,
by name. Every status word in it becomes an event (guest agent, each handler, each substatus)::

    {"aggregateStatus": {"guestAgentStatus": {"version": "2.7.41491.1102", "status": "Ready",
      "formattedMessage": {"lang": "en-US", "message": "GuestAgent is running and processing the extensions."}},
      "handlerAggregateStatus": [{"handlerName": "Microsoft.Azure.Monitor.AzureMonitorWindowsAgent",
        "handlerVersion": "1.22.0.0", "status": "NotReady", "code": 1, "sequenceNumber": "3",
        "runtimeSettingsStatus": {"settingsStatus": {"timestampUTC": "2024-08-20T14:25:58Z",
          "status": {"operation": "Enable", "status": "error", "code": "1", "formattedMessage": {...}}}}}]}}

Source ``windows.agent``; ``fields``: ``kind`` (guest-agent-status | aggregate-status |
substatus), ``status``, ``code``, ``operation``, ``name``, ``version`` (guest agent),
``handler``/``handler_version``/``seq`` (from the enclosing handler entry).
"""

from __future__ import annotations

from ...redaction import redact_json
from .. import BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .agent_paths import AGGREGATE_FILE, HANDLER_FIELDS
from .agent_state import (
    SOURCE,
    STATUS_FIELDS,
    DocumentRows,
    load_document,
    message_of,
    status_level,
    utc_time,
)
from .common import normalise_path

__all__ = ["PARSER", "claim_aggregate_status"]

FIELDS = {**STATUS_FIELDS, **HANDLER_FIELDS, "version": "the guest agent's version (guest-agent-status)"}

_MAX_DEPTH = 12
_MAX_ROWS = 5000
_CONTEXT_KEYS = (("handlerName", "handler"), ("handlerVersion", "handler_version"), ("sequenceNumber", "seq"))


def claim_aggregate_status(path: str, head: bytes) -> int:
    """``Logs/AggregateStatus/aggregatestatus*.json``."""
    return BY_NAME_AND_CONTENT if AGGREGATE_FILE.search(normalise_path(path)) else 0


def _kind(where: str) -> str:
    if "guestAgentStatus" in where:
        return "guest-agent-status"
    return "substatus" if "substatus" in where else "aggregate-status"


def _walk(node: object, context: dict, time, rows: DocumentRows, depth: int = 0) -> None:
    """Add an event for every ``status`` word below ``node``; ``context['_path']`` is where we are."""
    if depth > _MAX_DEPTH or rows.count > _MAX_ROWS:
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, context, time, rows, depth + 1)
        return
    if not isinstance(node, dict):
        return
    here = dict(context)
    for key, target in _CONTEXT_KEYS:
        if node.get(key) is not None and not isinstance(node.get(key), (dict, list)):
            here[target] = str(node[key])
    time = utc_time(node.get("timestampUTC")) or time
    status = node.get("status")
    if isinstance(status, str):
        kind = _kind(context.get("_path", ""))
        fields = {k: v for k, v in here.items() if not k.startswith("_")}
        fields.update(kind=kind, status=status, code=node.get("code"), operation=node.get("operation"),
                      name=node.get("name"), version=node.get("version") if kind == "guest-agent-status" else None)
        component = here.get("handler") or node.get("name") or ("GuestAgent" if kind == "guest-agent-status" else None)
        rows.add(message=message_of(node) or status, time=time, level=status_level(status),
                 component=component, fields=fields)
    for key, value in node.items():
        if isinstance(value, (dict, list)):
            _walk(value, dict(here, _path=here.get("_path", "") + "/" + key), time, rows, depth + 1)


def read_aggregate_status(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Every status word in the agent's periodic aggregate status (guest agent, handlers, substatus)."""
    document = load_document(data, context, result)
    if document is None:
        return
    rows = DocumentRows(result)
    _walk(redact_json(document), {}, None, rows)
    rows.finish(context, "status")


PARSER = Parser("windows-aggregatestatus", SOURCE, claim_aggregate_status, read=read_aggregate_status, fields=FIELDS)
