"""An extension's settings: ``Packages/Plugins/<ext>/<ver>/RuntimeSettings/<n>.settings``, by
name. Public settings only; ``protectedSettings`` are noted, never read::

    {"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "492AC064C97B1B07BF0E...",
      "protectedSettings": "MIIB...", "publicSettings": {"locale": "en-us", "taskId": "d638c2e9-...",
      "commandToExecute": "snapshot", "vmType": "microsoft.compute/virtualmachines", ...}}}]}

Source ``windows.agent``; ``fields``: ``kind=runtime-settings``, ``seq`` (from the file name),
``handler``/``handler_version`` (from the path), ``public.<key>`` (nested keys joined with dots),
``has_protected_settings``, ``cert_thumbprint``.
"""

from __future__ import annotations

from ...redaction import redact_json
from .. import BY_NAME, BY_NAME_AND_CONTENT, ParseContext, Parser, ParseResult
from .agent_paths import HANDLER_FIELDS, SETTINGS_FILE
from .agent_state import (
    SETTINGS_FIELDS,
    SOURCE,
    DocumentRows,
    load_document,
    public_values,
)
from .common import normalise_path, original_parts

__all__ = ["PARSER", "claim_runtime_settings"]

FIELDS = {
    "kind": "runtime-settings",
    "seq": "sequence number from the file name",
    "cert_thumbprint": "protectedSettingsCertThumbprint",
    **HANDLER_FIELDS,
    **SETTINGS_FIELDS,
}


def claim_runtime_settings(path: str, head: bytes) -> int:
    """``Plugins/<ext>/<ver>/RuntimeSettings/<n>.settings``."""
    if not SETTINGS_FILE.search(normalise_path(path)):
        return 0
    return BY_NAME_AND_CONTENT if b"untimeSettings" in head else BY_NAME


def read_runtime_settings(data: bytes, context: ParseContext, result: ParseResult) -> None:
    """Public settings of one sequence number; protectedSettings are noted, never read."""
    document = load_document(data, context, result)
    if document is None:
        return
    parts = original_parts(context.path, SETTINGS_FILE)
    base = {"handler": parts[0], "handler_version": parts[1], "seq": parts[2]} if parts else {}
    rows = DocumentRows(result)
    settings = document.get("runtimeSettings") if isinstance(document, dict) else None
    for entry in settings if isinstance(settings, list) else []:
        handler_settings = entry.get("handlerSettings") if isinstance(entry, dict) else None
        if not isinstance(handler_settings, dict):
            continue
        fields = dict(base, kind="runtime-settings",
                      has_protected_settings="true" if handler_settings.get("protectedSettings") else "false",
                      cert_thumbprint=handler_settings.get("protectedSettingsCertThumbprint"))
        public: dict[str, str] = {}
        public_values(redact_json(handler_settings.get("publicSettings") or {}), "public", public, [200])
        fields.update(public)
        keys = ", ".join(k[len("public."):] for k in public) or "none"
        rows.add(message=f"runtime settings {base.get('seq', '?')}: public settings {keys}",
                 component=base.get("handler"), fields=fields)
    rows.finish(context, "runtimeSettings entry")


PARSER = Parser("windows-runtime-settings", SOURCE, claim_runtime_settings, read=read_runtime_settings, fields=FIELDS)
