"""Where the Windows guest agent keeps its files (no parser here).

Patterns match :func:`.common.normalise_path` text (lower case, ``/``), anywhere below a prefix
(``C/``, ``device_0/``, a collector's own folders). :func:`.common.original_parts` cuts the
groups back out in the path's own spelling (extension names keep their capitals).
"""

from __future__ import annotations

import re

__all__ = [
    "AGENT_LOG_NAME",
    "AGGREGATE_FILE",
    "BCDR_LOG",
    "CONFIG_FILE",
    "HANDLER_FIELDS",
    "HEARTBEAT_FILE",
    "MANIFEST_FILE",
    "PLUGIN_LOG",
    "SEQNUMBER_FILE",
    "SETTINGS_FILE",
    "SOURCE",
    "STATUS_FILE",
]

#: the event table's ``source`` of every agent and extension file on Windows
SOURCE = "windows.agent"

AGENT_LOG_NAME = re.compile(
    r"(?:^|/)(waappagent|transparentinstaller|telemetry|appagentruntime|monitoringagent)"
    r"(?:[._-]\d+)?\.log(?:\.\d+|\.old|\.bak)?$"
)
PLUGIN_LOG = re.compile(r"(?:^|/)logs/plugins/([^/]+)/([^/]+)/(?:[^/]+/)*([^/]+\.log(?:\.\d+)?)$")
BCDR_LOG = re.compile(r"(?:^|/)(iaasbcdrextension[^/]*\.log(?:\.\d+)?)$")
_PLUGIN_DIR = r"(?:^|/)plugins/([^/]+)/([^/]+)/"
STATUS_FILE = re.compile(_PLUGIN_DIR + r"status/([^/]+)\.status$")
HEARTBEAT_FILE = re.compile(_PLUGIN_DIR + r"status/heartbeat\.json$")
SETTINGS_FILE = re.compile(_PLUGIN_DIR + r"runtimesettings/([^/]+)\.settings$")
MANIFEST_FILE = re.compile(_PLUGIN_DIR + r"handlermanifest\.json$")
SEQNUMBER_FILE = re.compile(_PLUGIN_DIR + r"seqnumber\.txt$")
AGGREGATE_FILE = re.compile(r"(?:^|/)aggregatestatus[^/]*\.json$")
CONFIG_FILE = re.compile(r"(?:^|/)windowsazure/config/[^/]+\.xml$")

#: the fields a file's place under ``Plugins/<ext>/<ver>/`` gives its events
HANDLER_FIELDS = {
    "handler": "extension name from the path or the document (Microsoft.Azure.RecoveryServices.VMSnapshot)",
    "handler_version": "extension version from the path or the document (1.0.92.0)",
}
