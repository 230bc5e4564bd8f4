"""Extension (plugin) logs on Windows: ``WindowsAzure/Logs/Plugins/<ext>/<ver>/*.log``
(CommandExecution, Install, Update, Heartbeat, ...) and the VMSnapshot extension's
``IaaSBcdrExtension*.log`` anywhere, by name::

    [8448+00000001] [08/20/2024 02:15:37.02] [ERROR] Command C:\\Packages\\Plugins\\...\\enable.cmd of
        Microsoft.Azure.Monitor.AzureMonitorWindowsAgent has exited with Exit code: 1   (CommandExecution.log)
    2024-08-27 21:30:04.000 Info: IaaSBcdrExtension 1.0.96.0 started. Process id 4023. Sequence number 23.

Source ``windows.agent``; ``fields``: ``log`` (the file stem, lower case: commandexecution,
install, ..., iaasbcdrextension), ``handler``/``handler_version`` from the path, and the line
fields of :data:`.agent_text.TEXT_LOG_FIELDS`. Lines before the first timed line are untimed
events (``prefix=none``).
"""

from __future__ import annotations

import re

from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .._kit import decode, split_lines
from .agent_paths import BCDR_LOG, HANDLER_FIELDS, PLUGIN_LOG, SOURCE
from .agent_text import AGENT_PREFIX, GENERIC_TIME, TEXT_LOG_FIELDS, read_text_log
from .common import normalise_path, original_parts

__all__ = ["PARSER", "claim_plugin_log"]

VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshot"

FIELDS = {
    "log": "the log's file stem in lower case (commandexecution, install, update, heartbeat, iaasbcdrextension)",
    **HANDLER_FIELDS,
    **TEXT_LOG_FIELDS,
}

_LOG_SUFFIX = re.compile(r"(\.log)(\.\d+)?$", re.IGNORECASE)


def claim_plugin_log(path: str, head: bytes) -> int:
    """``Logs/Plugins/<ext>/<ver>/*.log`` and ``IaaSBcdrExtension*.log`` by name."""
    name = normalise_path(path)
    if not (PLUGIN_LOG.search(name) or BCDR_LOG.search(name)):
        return 0
    lines = split_lines(decode(head[:4096]).text)[:10]
    if any(AGENT_PREFIX.match(line) or GENERIC_TIME.match(line) for line in lines):
        return BY_NAME_AND_CONTENT
    return BY_NAME


def read_plugin_log(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """CommandExecution/Install/Update/Heartbeat.log and the VMSnapshot IaaSBcdrExtension logs."""
    parts = original_parts(context.path, PLUGIN_LOG)
    fields: dict[str, str] = {}
    component = None
    if parts:
        handler, version, file_name = parts
        fields.update(handler=handler, handler_version=version)
        component = handler
    else:
        file_name = context.path.replace("\\", "/").rsplit("/", 1)[-1]
    stem = _LOG_SUFFIX.sub("", file_name).lower()
    if stem.startswith("iaasbcdrextension"):
        stem = "iaasbcdrextension"
        component = component or VMSNAPSHOT
    fields["log"] = stem
    read_text_log(data, context, result, fields, component or stem, orphans_as_events=True)


PARSER = Parser("windows-extension-log", SOURCE, claim_plugin_log, read=read_plugin_log, fields=FIELDS)
