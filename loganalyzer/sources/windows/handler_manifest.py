"""An extension's declared commands: ``Packages/Plugins/<ext>/<ver>/HandlerManifest.json``, by name::

    [{"version": 1.0, "handlerManifest": {"installCommand": "AzureMonitorAgentExtension.exe install",
      "enableCommand": "AzureMonitorAgentExtension.exe enable", "rebootAfterInstall": false, ...}}]

Source ``windows.agent``; ``fields``: ``kind=handler-manifest``, ``version``,
``manifest.<key>``, ``handler``/``handler_version`` (from the path).
"""

from __future__ import annotations

from ...redaction import redact_json
from .. import BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .agent_paths import HANDLER_FIELDS, MANIFEST_FILE
from .agent_state import SOURCE, DocumentRows, load_document, public_values
from .common import normalise_path, original_parts

__all__ = ["PARSER", "claim_handler_manifest"]

FIELDS = {
    "kind": "handler-manifest",
    "version": "the manifest's version",
    "manifest.*": "HandlerManifest values (installCommand, enableCommand, reportHeartbeat, ...)",
    **HANDLER_FIELDS,
}


def claim_handler_manifest(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/HandlerManifest.json``."""
    return BY_NAME_AND_CONTENT if MANIFEST_FILE.search(normalise_path(path)) else 0


def read_handler_manifest(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """The commands and flags an extension declares (install, enable, reportHeartbeat, ...)."""
    document = load_document(data, context, result)
    if document is None:
        return
    parts = original_parts(context.path, MANIFEST_FILE)
    base = {"handler": parts[0], "handler_version": parts[1]} if parts else {}
    rows = DocumentRows(result)
    for item in document if isinstance(document, list) else [document]:
        manifest = item.get("handlerManifest") if isinstance(item, dict) else None
        if not isinstance(manifest, dict):
            continue
        values: dict[str, str] = {}
        public_values(redact_json(manifest), "manifest", values, [60])
        rows.add(message=f"handler manifest version {item.get('version', '?')}", component=base.get("handler"),
                 fields=dict(base, kind="handler-manifest", version=item.get("version"), **values))
    rows.finish(context, "handlerManifest")


PARSER = Parser("windows-handler-manifest", SOURCE, claim_handler_manifest, read=read_handler_manifest, fields=FIELDS)
