"""Windows inputs: event exports (source ``windows.event``) and the guest agent's and extensions'
files (source ``windows.agent``), one module per file kind.

======================  =====================================================================
:mod:`.evtx`            binary ``.evtx`` event logs
:mod:`.event_xml`       ``wevtutil /f:xml`` and ``/f:RenderedXml`` streams, Event Viewer XML
:mod:`.eventviewer`     Event Viewer "Save All Events As" CSV and tab-separated TXT
:mod:`.powershell_csv`  ``Get-WinEvent | Export-Csv``
:mod:`.powershell_json` ``Get-WinEvent | ConvertTo-Json``
:mod:`.agent_log`       WaAppAgent.log, TransparentInstaller.log, Telemetry.log, ...
:mod:`.plugin_log`      extension logs under Logs/Plugins, IaaSBcdrExtension*.log
:mod:`.handler_status`  Status/<n>.status, Status/HeartBeat.Json
:mod:`.runtime_settings` RuntimeSettings/<n>.settings (public settings only)
:mod:`.handler_manifest` HandlerManifest.json
:mod:`.seq_number`      SeqNumber.txt
:mod:`.aggregate_status` Logs/AggregateStatus/aggregatestatus*.json
:mod:`.agent_config`    WindowsAzure/config/*.xml (goal state, extensions config)
======================  =====================================================================

Shared, not parsers: :mod:`.event_record` (the one event normaliser), :mod:`.event_derived`,
:mod:`.csv_table`, :mod:`.local_dates`, :mod:`.agent_text` (the agent line grammar),
:mod:`.agent_state`, :mod:`.agent_paths`, :mod:`.common`.
"""

from __future__ import annotations

from .. import Parser
from . import (
    agent_config,
    agent_log,
    aggregate_status,
    event_xml,
    eventviewer,
    evtx,
    handler_manifest,
    handler_status,
    plugin_log,
    powershell_csv,
    powershell_json,
    runtime_settings,
    seq_number,
)

__all__ = ["AGENT_PARSERS", "EVENT_PARSERS", "PARSERS"]

#: event exports, in the order that breaks ties between equal claims
EVENT_PARSERS: tuple[Parser, ...] = (
    evtx.PARSER,
    event_xml.PARSER,
    powershell_csv.PARSER,
    powershell_json.PARSER,
    eventviewer.CSV_PARSER,
    eventviewer.TXT_PARSER,
)
AGENT_PARSERS: tuple[Parser, ...] = (
    agent_log.PARSER,
    plugin_log.PARSER,
    handler_status.PARSER,
    runtime_settings.PARSER,
    handler_manifest.PARSER,
    seq_number.PARSER,
    aggregate_status.PARSER,
    agent_config.PARSER,
)
PARSERS: tuple[Parser, ...] = EVENT_PARSERS + AGENT_PARSERS
