"""An extension's status files: ``Packages/Plugins/<ext>/<ver>/Status/<n>.status`` and
``Status/HeartBeat.Json``, by name::

    [{"version": "1.0", "timestampUTC": "2024-08-20T14:25:58Z",
      "status": {"name": "Microsoft.Azure.Monitor.AzureMonitorWindowsAgent", "operation": "Enable",
                 "status": "error", "code": "1", "formattedMessage": {"lang": "en-US",
                 "message": "Enable failed: MonAgentLauncher.exe exited with code -1073740791 ..."},
                 "substatus": [{"name": "AMAExtensionHealth", "status": "error", "code": "1", ...}]}}]

Source ``windows.agent``: one event per status, substatus and heartbeat. ``fields``:
``kind`` (status | substatus | heartbeat), ``status``, ``code``, ``operation``, ``name``,
``substatus_name``, ``seq`` (from the file name), ``handler``/``handler_version`` (from the path).
"""

from __future__ import annotations

from ...redaction import redact_json
from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .agent_paths import HANDLER_FIELDS, HEARTBEAT_FILE, STATUS_FILE
from .agent_state import (
    SOURCE,
    STATUS_FIELDS,
    DocumentRows,
    load_document,
    message_of,
    status_level,
    utc_time,
)
from .common import normalise_path, original_parts

__all__ = ["PARSER", "claim_status"]

FIELDS = {**STATUS_FIELDS, **HANDLER_FIELDS, "substatus_name": "name of a substatus"}


def claim_status(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/Status/<n>.status`` and ``Status/HeartBeat.Json``."""
    name = normalise_path(path)
    if STATUS_FILE.search(name) or HEARTBEAT_FILE.search(name):
        return BY_NAME_AND_CONTENT if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{") else BY_NAME
    return 0


def _heartbeat(rows: DocumentRows, item: dict, base: dict, time) -> None:
    beat = item.get("heartbeat") if isinstance(item.get("heartbeat"), dict) else item
    status = str(beat.get("status", ""))
    rows.add(message=message_of(beat) or f"heartbeat {status}", time=time, level=status_level(status),
             component=base.get("handler"), fields=dict(base, kind="heartbeat", status=status, code=beat.get("code")))


def _status(rows: DocumentRows, node: dict, base: dict, time) -> None:
    status = str(node.get("status", ""))
    component = base.get("handler") or node.get("name")
    fields = dict(base, kind="status", status=status, code=node.get("code"),
                  operation=node.get("operation"), name=node.get("name"))
    rows.add(message=message_of(node) or f"{node.get('operation', '')} {status}".strip(),
             time=time, level=status_level(status), component=component, fields=fields)
    for sub in node.get("substatus") or []:
        if not isinstance(sub, dict):
            continue
        sub_status = str(sub.get("status", ""))
        rows.add(message=message_of(sub) or sub_status, time=time, level=status_level(sub_status),
                 component=component,
                 fields=dict(base, kind="substatus", status=sub_status, code=sub.get("code"),
                             substatus_name=sub.get("name"), operation=node.get("operation")))


def read_status(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Handler status (status, code, message, substatus) and heartbeat files of an extension."""
    document = load_document(data, context, result)
    if document is None:
        return
    heartbeat = bool(HEARTBEAT_FILE.search(normalise_path(context.path)))
    parts = original_parts(context.path, HEARTBEAT_FILE if heartbeat else STATUS_FILE)
    base = {"handler": parts[0], "handler_version": parts[1]} if parts else {}
    if not heartbeat and parts:
        base["seq"] = parts[2]
    rows = DocumentRows(result)
    for item in document if isinstance(document, list) else [document]:
        if not isinstance(item, dict):
            continue
        item = redact_json(item)
        time = utc_time(item.get("timestampUTC"))
        if heartbeat or "heartbeat" in item:
            _heartbeat(rows, item, base, time)
        elif isinstance(item.get("status"), dict):
            _status(rows, item["status"], base, time)
    rows.finish(context, "status entry")


PARSER = Parser("windows-extension-status", SOURCE, claim_status, read=read_status, fields=FIELDS)
