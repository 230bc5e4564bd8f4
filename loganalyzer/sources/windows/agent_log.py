"""The Windows guest agent's own logs: ``WindowsAzure/Logs/WaAppAgent.log`` and its siblings
``TransparentInstaller.log``, ``Telemetry.log``, ``AppAgentRuntime.log``, ``MonitoringAgent.log``
(rotated ``.1``/``.old`` copies too), by name, and any file whose first lines carry the agent
prefix, by content::

    [00000008] [05/30/2024 13:15:45.21] [INFO]  WindowsAzureGuestAgent starting. Version 2.7.41491.1102
    [00000008] 2024-05-30T13:15:45.213Z [ERROR] GetVersions() failed with exception: ...
       at Microsoft.WindowsAzure.GuestAgent.ContainerStateMachine...

Source ``windows.agent``; ``fields``: ``log`` (waappagent | transparentinstaller | telemetry |
appagentruntime | monitoringagent) and the line fields of :data:`.agent_text.TEXT_LOG_FIELDS`.
Lines before the first prefixed line are unparsed in WaAppAgent.log and untimed events in the
others.
"""

from __future__ import annotations

from .. import (
    BY_CONTENT,
    BY_NAME,
    BY_NAME_AND_CONTENT,
    ParseContext,
    Parser,
    ParseResult,
)
from .._kit import decode, split_lines
from .agent_paths import AGENT_LOG_NAME, PLUGIN_LOG, SOURCE
from .agent_text import AGENT_PREFIX, TEXT_LOG_FIELDS, read_text_log
from .common import normalise_path

__all__ = ["PARSER", "claim_agent_log"]


_COMPONENTS = {
    "waappagent": "WaAppAgent",
    "transparentinstaller": "TransparentInstaller",
    "telemetry": "Telemetry",
    "appagentruntime": "AppAgentRuntime",
    "monitoringagent": "MonitoringAgent",
}

FIELDS = {
    "log": "which agent log: waappagent | transparentinstaller | telemetry | appagentruntime | monitoringagent",
    **TEXT_LOG_FIELDS,
}


def claim_agent_log(path: str, head: bytes) -> int:
    """WaAppAgent.log and its siblings by name; any file whose first lines carry the prefix."""
    name = normalise_path(path)
    by_name = bool(AGENT_LOG_NAME.search(name))
    by_content = any(AGENT_PREFIX.match(line) for line in split_lines(decode(head[:4096]).text)[:10])
    if by_name and by_content:
        return BY_NAME_AND_CONTENT
    if by_name:
        return BY_NAME
    if by_content and not PLUGIN_LOG.search(name):
        return BY_CONTENT
    return 0


def read_agent_log(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """WaAppAgent.log, TransparentInstaller.log, Telemetry.log, AppAgentRuntime.log."""
    match = AGENT_LOG_NAME.search(normalise_path(context.path))
    log = match.group(1) if match else "waappagent"
    read_text_log(data, context, result, {"log": log}, _COMPONENTS[log], orphans_as_events=log != "waappagent")


PARSER = Parser("WaAppAgent.log", SOURCE, claim_agent_log, read=read_agent_log, fields=FIELDS)
